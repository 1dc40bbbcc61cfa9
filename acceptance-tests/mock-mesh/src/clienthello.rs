//! Reads the SNI (and ALPN) from a TLS ClientHello without terminating TLS,
//! as Envoy's tls_inspector does (RFC 8446 §4.1.2, RFC 6066 §3, RFC 7301).
//! The ClientHello may span several handshake records.

/// What the gateway routes by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello {
    pub sni: Option<String>,
    pub alpn: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parse {
    /// More bytes are needed.
    Incomplete,
    Hello(ClientHello),
    /// Not a TLS ClientHello (the gateway closes such connections).
    NotTls(&'static str),
}

/// Largest ClientHello accepted (several records' worth).
pub const MAX_HELLO: usize = 64 * 1024;

pub fn parse(buf: &[u8]) -> Parse {
    let mut handshake = Vec::new();
    let mut at = 0;
    loop {
        let Some(header) = buf.get(at..at + 5) else {
            return Parse::Incomplete;
        };
        if header[0] != 22 {
            return Parse::NotTls("not a TLS handshake record");
        }
        if header[1] != 3 {
            return Parse::NotTls("not a TLS record version");
        }
        let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
        if len == 0 || len > 16_384 + 256 {
            return Parse::NotTls("bad TLS record length");
        }
        let Some(fragment) = buf.get(at + 5..at + 5 + len) else {
            return Parse::Incomplete;
        };
        handshake.extend_from_slice(fragment);
        at += 5 + len;
        if handshake.len() >= 4 {
            if handshake[0] != 1 {
                return Parse::NotTls("the first handshake message is not a ClientHello");
            }
            let body_len = (usize::from(handshake[1]) << 16)
                | (usize::from(handshake[2]) << 8)
                | usize::from(handshake[3]);
            if body_len > MAX_HELLO {
                return Parse::NotTls("ClientHello too large");
            }
            if handshake.len() >= 4 + body_len {
                return match hello(&handshake[4..4 + body_len]) {
                    Some(h) => Parse::Hello(h),
                    None => Parse::NotTls("malformed ClientHello"),
                };
            }
        }
        if at > MAX_HELLO {
            return Parse::NotTls("ClientHello too large");
        }
    }
}

struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }

    fn u8(&mut self) -> Option<usize> {
        self.take(1).map(|b| usize::from(b[0]))
    }

    fn u16(&mut self) -> Option<usize> {
        self.take(2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
    }

    fn vec8(&mut self) -> Option<&'a [u8]> {
        let n = self.u8()?;
        self.take(n)
    }

    fn vec16(&mut self) -> Option<&'a [u8]> {
        let n = self.u16()?;
        self.take(n)
    }
}

fn hello(body: &[u8]) -> Option<ClientHello> {
    let mut c = Cursor(body);
    c.take(2 + 32)?; // legacy_version, random
    c.vec8()?; // legacy_session_id
    c.vec16()?; // cipher_suites
    c.vec8()?; // legacy_compression_methods
    let mut found = ClientHello {
        sni: None,
        alpn: Vec::new(),
    };
    if c.0.is_empty() {
        return Some(found);
    }
    let mut extensions = Cursor(c.vec16()?);
    while !extensions.0.is_empty() {
        let kind = extensions.u16()?;
        let mut data = Cursor(extensions.vec16()?);
        match kind {
            0 => {
                let mut names = Cursor(data.vec16()?);
                while !names.0.is_empty() {
                    let name_type = names.u8()?;
                    let name = names.vec16()?;
                    if name_type == 0 {
                        found.sni =
                            Some(String::from_utf8(name.to_vec()).ok()?.to_ascii_lowercase());
                    }
                }
            }
            16 => {
                let mut protocols = Cursor(data.vec16()?);
                while !protocols.0.is_empty() {
                    found
                        .alpn
                        .push(String::from_utf8_lossy(protocols.vec8()?).into_owned());
                }
            }
            _ => {}
        }
    }
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// The first flight rustls itself writes for `name`.
    fn client_hello(name: &str) -> Vec<u8> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let roots = rustls::RootCertStore::empty();
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let server_name = rustls::pki_types::ServerName::try_from(name.to_owned()).unwrap();
        let mut conn = rustls::ClientConnection::new(Arc::new(config), server_name).unwrap();
        let mut out = Vec::new();
        conn.write_tls(&mut out).unwrap();
        out
    }

    #[test]
    fn reads_sni_and_alpn_from_a_real_client_hello() {
        let bytes = client_hello("staging.payments.meshproxy.example.internal");
        let expected = Parse::Hello(ClientHello {
            sni: Some("staging.payments.meshproxy.example.internal".into()),
            alpn: vec!["h2".into(), "http/1.1".into()],
        });
        assert_eq!(parse(&bytes), expected);
        for cut in [0, 3, 5, 40, bytes.len() - 1] {
            assert_eq!(parse(&bytes[..cut]), Parse::Incomplete, "cut at {cut}");
        }
    }

    #[test]
    fn a_hello_split_over_two_records_is_reassembled() {
        let bytes = client_hello("staging.ledger.meshproxy.example.internal");
        let fragment = &bytes[5..];
        let split = 50;
        let mut two = Vec::new();
        for part in [&fragment[..split], &fragment[split..]] {
            two.extend_from_slice(&[22, 3, 1]);
            two.extend_from_slice(&(part.len() as u16).to_be_bytes());
            two.extend_from_slice(part);
        }
        assert!(
            matches!(parse(&two), Parse::Hello(h) if h.sni.as_deref() == Some("staging.ledger.meshproxy.example.internal"))
        );
    }

    #[test]
    fn other_protocols_are_not_tls() {
        assert!(matches!(
            parse(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
            Parse::NotTls(_)
        ));
        assert!(matches!(
            parse(&[22, 3, 1, 0, 4, 2, 0, 0, 0]),
            Parse::NotTls(_)
        ));
    }
}
