//! Opens one connection to a mesh app: TCP to the mesh gateway, TLS with the
//! app's mesh hostname as SNI (the gateway routes by it), our certificate
//! presented and the server verified by SPIFFE ID. Plugged into hyper-util's
//! pooling client, which keeps the connections alive and multiplexes when
//! the server chose h2.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::addressing::Addressing;
use crate::tls::TlsConfigs;

/// Why no connection to a mesh app could be made. Never carries key material.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ConnectError {
    #[error("{0}")]
    Address(#[from] crate::addressing::AddressError),
    #[error("cannot reach the mesh gateway {gateway}: {detail}")]
    Gateway { gateway: String, detail: String },
    #[error("timed out after {after:?} connecting to {host} through the mesh gateway {gateway}")]
    Timeout {
        host: String,
        gateway: String,
        after: Duration,
    },
    #[error("refused the server for {host}: {detail}")]
    ServerRefused { host: String, detail: String },
    #[error("the mesh gateway closed the connection during the TLS handshake for {host}: it routes no such name, or the service refused this function's certificate")]
    Closed { host: String },
    #[error("the TLS handshake for {host} failed: {detail}")]
    Handshake { host: String, detail: String },
}

impl ConnectError {
    /// True when the mesh service (not the network) said no.
    pub fn is_refusal(&self) -> bool {
        matches!(self, ConnectError::ServerRefused { .. })
    }
}

#[derive(Clone)]
pub(crate) struct MeshConnector {
    pub(crate) gateway: Arc<str>,
    pub(crate) addressing: Arc<Addressing>,
    pub(crate) tls: Arc<TlsConfigs>,
    pub(crate) connect_timeout: Duration,
}

pub(crate) struct MeshStream {
    io: TokioIo<TlsStream<TcpStream>>,
    h2: bool,
}

impl MeshConnector {
    async fn connect(self, uri: Uri) -> Result<MeshStream, ConnectError> {
        let host = uri.host().unwrap_or_default().to_owned();
        let app = self.addressing.app_of_host(&host)?;
        let expected = self.addressing.spiffe_id(&app)?;
        let config = self
            .tls
            .for_target(&expected)
            .map_err(|e| ConnectError::Handshake {
                host: host.clone(),
                detail: e.to_string(),
            })?;
        let name = ServerName::try_from(host.clone()).map_err(|e| ConnectError::Handshake {
            host: host.clone(),
            detail: e.to_string(),
        })?;
        let timeout = |host: &str| ConnectError::Timeout {
            host: host.to_owned(),
            gateway: self.gateway.to_string(),
            after: self.connect_timeout,
        };
        let tcp = tokio::time::timeout(self.connect_timeout, TcpStream::connect(&*self.gateway))
            .await
            .map_err(|_| timeout(&host))?
            .map_err(|e| ConnectError::Gateway {
                gateway: self.gateway.to_string(),
                detail: e.to_string(),
            })?;
        let _ = tcp.set_nodelay(true);
        let tls = tokio::time::timeout(
            self.connect_timeout,
            TlsConnector::from(config).connect(name, tcp),
        )
        .await
        .map_err(|_| timeout(&host))?
        .map_err(|e| handshake_error(&host, e))?;
        let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
        Ok(MeshStream {
            io: TokioIo::new(tls),
            h2,
        })
    }
}

/// tokio-rustls reports rustls errors as `io::Error`s wrapping them.
fn handshake_error(host: &str, e: std::io::Error) -> ConnectError {
    if let Some(tls) = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        return match tls {
            rustls::Error::InvalidCertificate(reason) => ConnectError::ServerRefused {
                host: host.to_owned(),
                detail: match reason {
                    rustls::CertificateError::Other(other) => other.0.to_string(),
                    // A root of the same name but another key shows up as a bad signature.
                    other
                        if matches!(other, rustls::CertificateError::UnknownIssuer)
                            || format!("{other:?}").starts_with("BadSignature") =>
                    {
                        "its certificate does not chain to the mesh roots in the bundle's ca_bundle"
                            .into()
                    }
                    other => format!("its certificate is not acceptable ({other:?})"),
                },
            },
            other => ConnectError::Handshake {
                host: host.to_owned(),
                detail: other.to_string(),
            },
        };
    }
    if e.kind() == std::io::ErrorKind::UnexpectedEof
        || e.kind() == std::io::ErrorKind::ConnectionReset
    {
        return ConnectError::Closed {
            host: host.to_owned(),
        };
    }
    ConnectError::Handshake {
        host: host.to_owned(),
        detail: e.to_string(),
    }
}

impl tower_service::Service<Uri> for MeshConnector {
    type Response = MeshStream;
    type Error = ConnectError;
    type Future = Pin<Box<dyn Future<Output = Result<MeshStream, ConnectError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        Box::pin(self.clone().connect(uri))
    }
}

impl Connection for MeshStream {
    fn connected(&self) -> Connected {
        if self.h2 {
            Connected::new().negotiated_h2()
        } else {
            Connected::new()
        }
    }
}

impl hyper::rt::Read for MeshStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for MeshStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }
}
