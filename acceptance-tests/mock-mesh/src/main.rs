//! `mock-mesh`: the test mesh as a process, for `make demo` and by hand.
//! Prints one JSON line when listening (gateway address, mesh CA, routes),
//! then serves until SIGINT/SIGTERM.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use mock_common::TestPki;
use mock_mesh::{MeshOptions, Service, TestMesh};

#[derive(Parser)]
#[command(
    name = "mock-mesh",
    about = "SNI-routing TLS pass-through gateway and mTLS backends for tests"
)]
struct Args {
    #[arg(long, default_value = "example.internal")]
    trust_domain: String,
    #[arg(long, default_value = "meshproxy.example.internal")]
    mesh_domain: String,
    #[arg(long, default_value = "staging")]
    environment: String,
    /// A service: `APP`, or `APP=SPIFFE_ID` for one presenting another ID (repeatable).
    #[arg(long = "service", required = true)]
    services: Vec<String>,
    /// PEM file of the roots the services trust for callers (default: the mesh CA).
    #[arg(long)]
    client_ca: Option<PathBuf>,
    /// Directory of the mesh CA (reused if present; default: a temporary one).
    #[arg(long)]
    pki_dir: Option<PathBuf>,
    /// Gateway port on 127.0.0.1 (0 = a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let pki = Arc::new(match &args.pki_dir {
        Some(dir) => TestPki::open(dir)?,
        None => TestPki::temporary()?,
    });
    let services = args
        .services
        .iter()
        .map(|s| match s.split_once('=') {
            Some((app, id)) => Service {
                presents: Some(id.to_owned()),
                ..Service::new(app)
            },
            None => Service::new(s),
        })
        .collect::<Vec<_>>();
    let apps: Vec<String> = services.iter().map(|s| s.app.clone()).collect();
    let client_roots_pem = match &args.client_ca {
        Some(path) => Some(std::fs::read_to_string(path)?),
        None => None,
    };
    let mesh = TestMesh::start(MeshOptions {
        trust_domain: args.trust_domain,
        mesh_domain: args.mesh_domain,
        environment: args.environment,
        services,
        client_roots_pem,
        pki: Some(pki.clone()),
        gateway_port: args.port,
    })
    .await?;
    let routes: serde_json::Map<String, serde_json::Value> = apps
        .iter()
        .map(|app| (mesh.hostname(app), mesh.backend(app).spiffe_id().into()))
        .collect();
    let report = serde_json::json!({
        "mock": "mesh",
        "gateway": mesh.gateway_address(),
        "ca": pki.ca_path(),
        "pki_dir": pki.dir(),
        "routes": routes,
    });
    mock_common::cli::announce_and_wait(match report {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    })
    .await
}
