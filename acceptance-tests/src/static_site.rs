//! A directory served as static files over HTTPS on loopback, the way a
//! company publishes a provider network mirror or a static provider registry
//! (a bucket or a plain web server behind its own CA). It runs on the mocks'
//! server (mock-common: rustls with the test PKI's CA, request log), asks no
//! client certificate, and answers files only: no listing, nothing outside
//! the root, 404 otherwise.
//!
//! Content types: `.json` and the registry protocol's extension-less JSON
//! documents (`versions`, `download/<os>/<arch>`) are `application/json`,
//! which the network mirror protocol requires; zips, checksums and
//! signatures are octet streams.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use mock_common::{ClientAuth, ErrorRenderer, Faults, MockServer, ServerOptions, TestPki};

/// A running static site. Stopped on drop.
pub struct StaticSite {
    rt: tokio::runtime::Runtime,
    server: Option<MockServer>,
    root: PathBuf,
}

async fn file(State(root): State<Arc<PathBuf>>, uri: Uri) -> Response {
    let rel = uri.path().trim_start_matches('/');
    let safe = Path::new(rel)
        .components()
        .all(|c| matches!(c, Component::Normal(_)));
    let path = root.join(rel);
    if rel.is_empty() || !safe || !path.is_file() {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    }
    let Ok(bytes) = tokio::fs::read(&path).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "unreadable\n").into_response();
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let binary = [".zip", ".sig", "SHA256SUMS", ".asc"]
        .iter()
        .any(|s| name.ends_with(s));
    let kind = if binary {
        "application/octet-stream"
    } else {
        "application/json"
    };
    ([(header::CONTENT_TYPE, kind)], bytes).into_response()
}

impl StaticSite {
    /// Serves `root` on `https://127.0.0.1:<port>/` with a fresh test CA.
    pub fn serve(root: &Path) -> StaticSite {
        let rt = crate::stack::runtime();
        let pki = Arc::new(TestPki::temporary().expect("test PKI"));
        let app = Router::new()
            .fallback(file)
            .with_state(Arc::new(root.to_path_buf()));
        let error_body: ErrorRenderer =
            Arc::new(|status, message: &str| (status, message.to_string()).into_response());
        let server = rt
            .block_on(MockServer::start(
                pki,
                app,
                ServerOptions {
                    port: 0,
                    admin_port: 0,
                    client_auth: ClientAuth::Optional,
                    faults: Faults::none(),
                    error_body,
                    admin_routes: None,
                },
            ))
            .expect("start the static site");
        StaticSite {
            rt,
            server: Some(server),
            root: root.to_path_buf(),
        }
    }

    fn server(&self) -> &MockServer {
        self.server.as_ref().expect("running")
    }

    /// `https://127.0.0.1:<port>` (no trailing slash).
    pub fn base_url(&self) -> String {
        self.server().base_url()
    }

    /// The CA that signed the site's certificate (PEM file): what
    /// `SSL_CERT_FILE` must name for Terraform to trust the site.
    pub fn ca_path(&self) -> PathBuf {
        self.server().ca_path()
    }

    /// The directory served.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `"<status> <path>"` of every request so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.server()
            .request_log()
            .into_iter()
            .map(|r| format!("{} {}", r.status, r.path))
            .collect()
    }

    /// Forgets the requests so far.
    pub fn clear_requests(&self) {
        self.server().clear_log();
    }
}

impl Drop for StaticSite {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.rt.block_on(s.shutdown());
        }
    }
}
