//! The plugin server: go-plugin handshake, AutoMTLS, the gRPC services and
//! the process lifecycle.
//!
//! What [`serve`] guarantees:
//! - refuses to run without Terraform's magic cookie (with a friendly
//!   message), unless started with `--debug`;
//! - listens on `127.0.0.1:0` and prints
//!   `1|6|tcp|127.0.0.1:PORT|grpc|CERT` (base64 DER, no padding; empty
//!   without AutoMTLS);
//! - sets `TCP_NODELAY` on every accepted connection;
//! - 256 MiB gRPC message limits;
//! - `plugin.GRPCController/Shutdown` stops the server gracefully (the process
//!   exits in milliseconds instead of being killed after 2 s), and the
//!   `plugin.GRPCStdio` stream ends with it;
//! - SIGINT is ignored: Terraform forwards Ctrl-C as StopProvider, which
//!   cancels the [`Context`](crate::Context)s of in-flight calls, and the
//!   operations finish so their results are recorded.

use std::io::Write as _;
use std::net::SocketAddr;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use base64::Engine as _;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tonic::transport::server::Connected;
use tonic::{Request, Response, Status};

use crate::framework::Provider;
use crate::logging::{self, Logger};
use crate::service::ProviderService;

/// The go-plugin magic cookie Terraform sets for its providers.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// Its value.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// gRPC message size limit in both directions.
pub const MAX_MESSAGE_SIZE: usize = 256 << 20;
/// How long a graceful shutdown may take before the process exits anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(1000);

mod goplugin {
    #![allow(clippy::all, missing_docs)]
    tonic::include_proto!("plugin");
}
mod health {
    #![allow(clippy::all, missing_docs)]
    tonic::include_proto!("grpc.health.v1");
}

/// Errors that stop the server.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Socket or stdout trouble.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// TLS setup failed.
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    /// The gRPC server failed.
    #[error("gRPC server error: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// The provider's schemas are invalid.
    #[error("invalid provider schema:\n  {}", .0.join("\n  "))]
    Schema(Vec<String>),
}

/// The handshake line go-plugin reads from stdout.
pub fn handshake_line(addr: SocketAddr, cert_der: Option<&[u8]>) -> String {
    let cert = cert_der
        .map(|c| base64::engine::general_purpose::STANDARD_NO_PAD.encode(c))
        .unwrap_or_default();
    format!("1|6|tcp|{addr}|grpc|{cert}")
}

/// What `--version` prints: `terraform-provider-<name> <version>`.
pub fn version_line(name: &str, version: &str) -> String {
    let version = if version.is_empty() {
        "(version unknown)"
    } else {
        version
    };
    format!("terraform-provider-{name} {version}")
}

/// The `TF_REATTACH_PROVIDERS` value for a provider served in debug mode.
pub fn reattach_json(address: &str, addr: SocketAddr) -> String {
    let mut key = String::new();
    crate::json::write_string(&mut key, address);
    format!(
        "{{{key}:{{\"Protocol\":\"grpc\",\"ProtocolVersion\":6,\"Pid\":{},\"Test\":true,\"Addr\":{{\"Network\":\"tcp\",\"String\":\"{addr}\"}}}}}}",
        std::process::id()
    )
}

const NOT_A_PROGRAM: &str = "This binary is a plugin. These are not meant to be executed directly.
Please execute the program that consumes these plugins, which will
load any plugins automatically.

To debug this provider, run it with --debug and follow the instructions.
";

/// Runs provider `P` as a Terraform plugin until Terraform shuts it down.
///
/// `address` is the provider's source address (e.g.
/// `registry.terraform.io/example/example`), used by `--debug`.
///
/// ```no_run
/// # use tfplugin::*;
/// # struct MyProvider;
/// # #[async_trait::async_trait] impl Provider for MyProvider {
/// #   type Data = (); fn name(&self) -> &str { "example" }
/// #   async fn configure(&self, _: &Context, _: ConfigureRequest) -> Result<(), Diagnostics> { Ok(()) }
/// # }
/// fn main() -> std::process::ExitCode {
///     tfplugin::serve(MyProvider, "registry.terraform.io/example/example")
/// }
/// ```
pub fn serve<P: Provider>(provider: P, address: &str) -> ExitCode {
    serve_with_version(provider, address, "")
}

/// [`serve`] for a provider that knows its release version (usually
/// `env!("CARGO_PKG_VERSION")`): `--version` prints
/// `terraform-provider-<name> <version>` and exits, and the first log line of
/// every start names the version, so `TF_LOG=info` shows which build
/// Terraform runs.
pub fn serve_with_version<P: Provider>(provider: P, address: &str, version: &str) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--version" || a == "-version") {
        println!("{}", version_line(provider.name(), version));
        return ExitCode::SUCCESS;
    }
    let debug = args.iter().any(|a| a == "--debug" || a == "-debug");
    if !debug {
        if std::env::var(MAGIC_COOKIE_KEY).ok().as_deref() != Some(MAGIC_COOKIE_VALUE) {
            eprint!("{NOT_A_PROGRAM}");
            return ExitCode::from(1);
        }
        if let Ok(versions) = std::env::var("PLUGIN_PROTOCOL_VERSIONS") {
            if !versions.split(',').any(|v| v.trim() == "6") {
                eprintln!(
                    "This provider speaks plugin protocol 6 only; the host offers {versions:?}."
                );
                return ExitCode::from(1);
            }
        }
    }
    logging::init_tracing(provider.name());
    let log = Logger::new(provider.name());
    log.with(
        "version",
        if version.is_empty() {
            "unknown"
        } else {
            version
        },
    )
    .with("address", address)
    .with("protocol", 6)
    .info(format!(
        "starting {}",
        version_line(provider.name(), version)
    ));
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            log.error(format!("starting the async runtime failed: {e}"));
            eprintln!("starting the async runtime failed: {e}");
            return ExitCode::from(1);
        }
    };
    let result = rt.block_on(run(provider, address, debug, log.clone()));
    rt.shutdown_timeout(Duration::from_millis(100));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log.error(e.to_string());
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}

async fn run<P: Provider>(
    provider: P,
    address: &str,
    debug: bool,
    log: Logger,
) -> Result<(), ServeError> {
    let shutdown = CancellationToken::new();
    let service = ProviderService::new(provider).map_err(ServeError::Schema)?;

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let tls = match std::env::var("PLUGIN_CLIENT_CERT") {
        Ok(pem) if !debug && !pem.trim().is_empty() => {
            let (cfg, cert) = crate::tls::server_config(&pem)?;
            Some((tokio_rustls::TlsAcceptor::from(Arc::new(cfg)), cert))
        }
        _ => None,
    };

    {
        let mut out = std::io::stdout().lock();
        if debug {
            writeln!(
                out,
                "Provider {address} is running in debug mode (pid {}).\n\
                 Point Terraform at it by setting, in the shell that runs Terraform:\n\n\
                 \tTF_REATTACH_PROVIDERS='{}'\n\n\
                 Press Ctrl-C to stop it.",
                std::process::id(),
                reattach_json(address, addr)
            )?;
        } else {
            writeln!(
                out,
                "{}",
                handshake_line(addr, tls.as_ref().map(|(_, c)| c.as_ref()))
            )?;
        }
        out.flush()?;
    }
    log.with("addr", addr)
        .with("tls", tls.is_some())
        .debug("plugin server listening");

    spawn_signal_handler(debug, shutdown.clone(), log.clone());

    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Conn>>(16);
    tokio::spawn(accept_loop(
        listener,
        tls.map(|(a, _)| a),
        tx,
        shutdown.clone(),
        log.clone(),
    ));

    let provider_svc = magma_protocol::tfplugin6::provider_server::ProviderServer::new(service)
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE);
    let controller = goplugin::grpc_controller_server::GrpcControllerServer::new(Controller {
        shutdown: shutdown.clone(),
        debug,
        log: log.clone(),
    });
    let stdio = goplugin::grpc_stdio_server::GrpcStdioServer::new(Stdio {
        shutdown: shutdown.clone(),
    });
    let health = health::health_server::HealthServer::new(Health);

    let on_shutdown = shutdown.clone();
    tonic::transport::Server::builder()
        .add_service(provider_svc)
        .add_service(controller)
        .add_service(stdio)
        .add_service(health)
        .serve_with_incoming_shutdown(
            tokio_stream::wrappers::ReceiverStream::new(rx),
            async move {
                on_shutdown.cancelled().await;
                // Safety net: exit even if a connection does not drain.
                std::thread::spawn(|| {
                    std::thread::sleep(SHUTDOWN_GRACE);
                    std::process::exit(0);
                });
            },
        )
        .await?;
    log.debug("plugin server stopped");
    Ok(())
}

fn spawn_signal_handler(debug: bool, shutdown: CancellationToken, log: Logger) {
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let Ok(mut sigint) = signal(SignalKind::interrupt()) else {
                log.warn("cannot install the SIGINT handler");
                return;
            };
            while sigint.recv().await.is_some() {
                if debug {
                    log.info("SIGINT: stopping the debug server");
                    shutdown.cancel();
                    return;
                }
                // Terraform handles Ctrl-C itself and calls StopProvider.
                log.debug("ignoring SIGINT; Terraform stops providers itself");
            }
        }
        #[cfg(not(unix))]
        {
            loop {
                if tokio::signal::ctrl_c().await.is_err() {
                    return;
                }
                if debug {
                    shutdown.cancel();
                    return;
                }
                log.debug("ignoring Ctrl-C; Terraform stops providers itself");
            }
        }
    });
}

async fn accept_loop(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    tx: tokio::sync::mpsc::Sender<std::io::Result<Conn>>,
    shutdown: CancellationToken,
    log: Logger,
) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = shutdown.cancelled() => return,
        };
        let (stream, peer) = match accepted {
            Ok(x) => x,
            Err(e) => {
                log.warn(format!("accept failed: {e}"));
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        // Without this, h2's separate PING-ACK and response writes wait on
        // delayed ACKs: ~13 ms per sequential RPC.
        if let Err(e) = stream.set_nodelay(true) {
            log.warn(format!("setting TCP_NODELAY failed: {e}"));
        }
        match &tls {
            None => {
                if tx.send(Ok(Conn::Plain(stream))).await.is_err() {
                    return;
                }
            }
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                let tx = tx.clone();
                let log = log.clone();
                tokio::spawn(async move {
                    match acceptor.accept(stream).await {
                        Ok(s) => {
                            let _ = tx.send(Ok(Conn::Tls(Box::new(s)))).await;
                        }
                        Err(e) => log
                            .with("peer", peer)
                            .warn(format!("TLS handshake failed: {e}")),
                    }
                });
            }
        }
    }
}

/// An accepted connection, plain or TLS.
enum Conn {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
}

impl Connected for Conn {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Conn::Plain(s) => s.is_write_vectored(),
            Conn::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_flush(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

struct Controller {
    shutdown: CancellationToken,
    debug: bool,
    log: Logger,
}

#[tonic::async_trait]
impl goplugin::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(
        &self,
        _r: Request<goplugin::Empty>,
    ) -> Result<Response<goplugin::Empty>, Status> {
        if self.debug {
            // A debug server outlives each Terraform run; only Ctrl-C ends it.
            self.log.debug("Shutdown ignored in debug mode");
        } else {
            self.log.debug("Shutdown requested");
            self.shutdown.cancel();
        }
        Ok(Response::new(goplugin::Empty {}))
    }
}

struct Stdio {
    shutdown: CancellationToken,
}

type StdioStream =
    Pin<Box<dyn tokio_stream::Stream<Item = Result<goplugin::StdioData, Status>> + Send>>;

#[tonic::async_trait]
impl goplugin::grpc_stdio_server::GrpcStdio for Stdio {
    type StreamStdioStream = StdioStream;

    async fn stream_stdio(
        &self,
        _r: Request<goplugin::Empty>,
    ) -> Result<Response<Self::StreamStdioStream>, Status> {
        // Nothing is relayed (the provider logs to stderr, which go-plugin
        // reads directly); the stream stays open until shutdown.
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        let shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            shutdown.cancelled().await;
            drop(tx);
        });
        Ok(Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(rx),
        )))
    }
}

struct Health;

#[tonic::async_trait]
impl health::health_server::Health for Health {
    async fn check(
        &self,
        _r: Request<health::HealthCheckRequest>,
    ) -> Result<Response<health::HealthCheckResponse>, Status> {
        Ok(Response::new(health::HealthCheckResponse {
            status: health::health_check_response::ServingStatus::Serving as i32,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handshake_line_format() {
        let addr: SocketAddr = "127.0.0.1:43210".parse().unwrap();
        assert_eq!(handshake_line(addr, None), "1|6|tcp|127.0.0.1:43210|grpc|");
        // 4 bytes -> 6 base64 characters without the "==" padding.
        assert_eq!(
            handshake_line(addr, Some(&[1, 2, 3, 4])),
            "1|6|tcp|127.0.0.1:43210|grpc|AQIDBA"
        );
        let (cert, _) = crate::tls::generate_server_cert().unwrap();
        let line = handshake_line(addr, Some(cert.as_ref()));
        let field = line.rsplit('|').next().unwrap();
        assert!(!field.ends_with('='));
        assert!(
            field.len() > 50,
            "go-plugin ignores short certificate fields"
        );
        let back = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(field)
            .unwrap();
        assert_eq!(back, cert.as_ref());
    }

    #[test]
    fn version_line_names_the_binary_and_version() {
        assert_eq!(version_line("s2s", "1.2.3"), "terraform-provider-s2s 1.2.3");
        assert_eq!(
            version_line("s2s", ""),
            "terraform-provider-s2s (version unknown)"
        );
    }

    #[test]
    fn reattach_json_is_valid() {
        let addr: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let j: serde_json::Value =
            serde_json::from_str(&reattach_json("registry.terraform.io/a/b", addr)).unwrap();
        let p = &j["registry.terraform.io/a/b"];
        assert_eq!(p["ProtocolVersion"], 6);
        assert_eq!(p["Addr"]["String"], "127.0.0.1:5000");
        assert_eq!(p["Test"], true);
    }
}
