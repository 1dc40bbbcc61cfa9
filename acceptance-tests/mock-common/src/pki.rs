//! A throw-away test PKI: one CA, a loopback server certificate, and client
//! identities minted on demand. Everything is generated at run time and written
//! as PEM files into a directory the caller chooses (or a temporary one): no key
//! material ever lives in the repository.

use std::fs;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// File names inside a PKI directory.
const CA_CERT: &str = "ca.pem";
const CA_KEY: &str = "ca-key.pem";
const SERVER_CERT: &str = "server.pem";
const SERVER_KEY: &str = "server-key.pem";

/// Errors from generating or loading the test PKI.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("certificate generation: {0}")]
    Rcgen(#[from] rcgen::Error),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid identity: {0}")]
    Invalid(String),
}

/// What to put into a minted client certificate.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IdentitySpec {
    /// Used for the file names (`<name>.pem`, `<name>-key.pem`). `[A-Za-z0-9_.-]` only.
    pub name: String,
    /// Subject CN. Keywhiz looks clients up by it when no usable SPIFFE ID is present.
    #[serde(default)]
    pub cn: Option<String>,
    /// A `spiffe://` URI SAN.
    #[serde(default, alias = "spiffeId")]
    pub spiffe_id: Option<String>,
    /// Further URI SANs (to test the "exactly one URI SAN" rule).
    #[serde(default)]
    pub extra_uris: Vec<String>,
    /// Validity in days from now (default 30). Negative values mint an expired cert.
    #[serde(default)]
    pub valid_days: Option<i64>,
}

impl IdentitySpec {
    /// An identity with only a CN.
    pub fn cn(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            cn: Some(name.to_owned()),
            ..Self::default()
        }
    }

    /// An identity with a SPIFFE URI SAN (and a CN equal to `name`).
    pub fn spiffe(name: &str, spiffe_id: &str) -> Self {
        Self {
            name: name.to_owned(),
            cn: Some(name.to_owned()),
            spiffe_id: Some(spiffe_id.to_owned()),
            ..Self::default()
        }
    }
}

/// A minted identity: PEM files on disk plus the PEM text.
#[derive(Clone, Serialize)]
pub struct ClientIdentity {
    pub name: String,
    pub cert_path: PathBuf,
    pub key_path: PathBuf,
    /// The CA bundle that verifies the mock's server certificate.
    pub ca_path: PathBuf,
    #[serde(skip)]
    pub cert_pem: String,
    #[serde(skip)]
    pub key_pem: String,
}

impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientIdentity")
            .field("name", &self.name)
            .field("cert_path", &self.cert_path)
            .field("key_path", &self.key_path)
            .finish_non_exhaustive()
    }
}

impl ClientIdentity {
    /// Certificate followed by key, the form `reqwest::Identity::from_pem` takes.
    pub fn combined_pem(&self) -> String {
        format!("{}{}", self.cert_pem, self.key_pem)
    }
}

/// The CA plus the directory it writes into.
pub struct TestPki {
    dir: PathBuf,
    ca_pem: String,
    issuer: Mutex<Issuer<'static, KeyPair>>,
    server_cert_pem: String,
    server_key_pem: String,
    _tmp: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for TestPki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestPki")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> PkiError + '_ {
    move |source| PkiError::Io {
        path: path.to_owned(),
        source,
    }
}

fn write_file(path: &Path, text: &str, secret: bool) -> Result<(), PkiError> {
    fs::write(path, text).map_err(io_err(path))?;
    if secret {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(io_err(path))?;
    }
    Ok(())
}

fn validity(params: &mut CertificateParams, days: i64) {
    let now = OffsetDateTime::now_utc();
    // Back-dated two days so that clock skew, or a test that runs a client
    // with its clock set back (faketime), never makes a fresh cert "not yet valid".
    params.not_before = now - Duration::days(2);
    params.not_after = now + Duration::days(days);
    if days < 0 {
        params.not_before = now + Duration::days(days) - Duration::days(1);
    }
}

impl TestPki {
    /// A PKI in a fresh temporary directory, removed when the value is dropped.
    pub fn temporary() -> Result<Self, PkiError> {
        let tmp = tempfile::Builder::new()
            .prefix("s2s-mock-pki-")
            .tempdir()
            .map_err(io_err(Path::new("<tempdir>")))?;
        let mut pki = Self::open(tmp.path())?;
        pki._tmp = Some(tmp);
        Ok(pki)
    }

    /// The PKI a mock was given, else a temporary one of its own.
    pub fn given_or_temporary(given: Option<Arc<TestPki>>) -> Result<Arc<TestPki>, PkiError> {
        match given {
            Some(pki) => Ok(pki),
            None => Ok(Arc::new(Self::temporary()?)),
        }
    }

    /// Use `dir`: reuse the CA found there (so identities minted before a restart
    /// stay valid), or create one. A new server certificate is minted every time.
    pub fn open(dir: &Path) -> Result<Self, PkiError> {
        fs::create_dir_all(dir).map_err(io_err(dir))?;
        let ca_cert_path = dir.join(CA_CERT);
        let ca_key_path = dir.join(CA_KEY);
        let (ca_pem, issuer) = if ca_cert_path.exists() && ca_key_path.exists() {
            let ca_pem = fs::read_to_string(&ca_cert_path).map_err(io_err(&ca_cert_path))?;
            let key_pem = fs::read_to_string(&ca_key_path).map_err(io_err(&ca_key_path))?;
            let key = KeyPair::from_pem(&key_pem)?;
            let issuer = Issuer::from_ca_cert_pem(&ca_pem, key)?;
            (ca_pem, issuer)
        } else {
            let key = KeyPair::generate()?;
            let mut params = CertificateParams::default();
            let mut dn = DistinguishedName::new();
            dn.push(DnType::CommonName, "s2s mock test CA");
            params.distinguished_name = dn;
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params.key_usages = vec![
                KeyUsagePurpose::KeyCertSign,
                KeyUsagePurpose::CrlSign,
                KeyUsagePurpose::DigitalSignature,
            ];
            validity(&mut params, 3650);
            let cert = params.self_signed(&key)?;
            let ca_pem = cert.pem();
            write_file(&ca_cert_path, &ca_pem, false)?;
            write_file(&ca_key_path, &key.serialize_pem(), true)?;
            (ca_pem, Issuer::new(params, key))
        };

        let server_key = KeyPair::generate()?;
        let mut params = CertificateParams::new(vec!["localhost".to_owned()])?;
        params
            .subject_alt_names
            .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "localhost");
        params.distinguished_name = dn;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        validity(&mut params, 365);
        let server_cert = params.signed_by(&server_key, &issuer)?;
        let server_cert_pem = server_cert.pem();
        let server_key_pem = server_key.serialize_pem();
        write_file(&dir.join(SERVER_CERT), &server_cert_pem, false)?;
        write_file(&dir.join(SERVER_KEY), &server_key_pem, true)?;

        Ok(Self {
            dir: dir.to_owned(),
            ca_pem,
            issuer: Mutex::new(issuer),
            server_cert_pem,
            server_key_pem,
            _tmp: None,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of the CA certificate (PEM): the trust bundle for clients and server.
    pub fn ca_path(&self) -> PathBuf {
        self.dir.join(CA_CERT)
    }

    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    pub(crate) fn server_pem(&self) -> (&str, &str) {
        (&self.server_cert_pem, &self.server_key_pem)
    }

    /// Mint a client certificate signed by the test CA and write
    /// `<dir>/clients/<name>.pem` and `<name>-key.pem`.
    pub fn mint(&self, spec: &IdentitySpec) -> Result<ClientIdentity, PkiError> {
        let valid_name = !spec.name.is_empty()
            && spec
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            && !spec.name.starts_with('.');
        if !valid_name {
            return Err(PkiError::Invalid(format!(
                "identity name {:?} must match [A-Za-z0-9_.-]+",
                spec.name
            )));
        }
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        if let Some(cn) = &spec.cn {
            dn.push(DnType::CommonName, cn.as_str());
        }
        params.distinguished_name = dn;
        for uri in spec.spiffe_id.iter().chain(spec.extra_uris.iter()) {
            let ia5 = uri
                .clone()
                .try_into()
                .map_err(|_| PkiError::Invalid(format!("URI SAN {uri:?} is not IA5")))?;
            params.subject_alt_names.push(SanType::URI(ia5));
        }
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ClientAuth,
            ExtendedKeyUsagePurpose::ServerAuth,
        ];
        params.use_authority_key_identifier_extension = true;
        validity(&mut params, spec.valid_days.unwrap_or(30));
        let cert = {
            let issuer = self
                .issuer
                .lock()
                .map_err(|_| PkiError::Invalid("PKI lock poisoned".into()))?;
            params.signed_by(&key, &issuer)?
        };
        let clients = self.dir.join("clients");
        fs::create_dir_all(&clients).map_err(io_err(&clients))?;
        let cert_path = clients.join(format!("{}.pem", spec.name));
        let key_path = clients.join(format!("{}-key.pem", spec.name));
        let cert_pem = cert.pem();
        let key_pem = key.serialize_pem();
        write_file(&cert_path, &cert_pem, false)?;
        write_file(&key_path, &key_pem, true)?;
        Ok(ClientIdentity {
            name: spec.name.clone(),
            cert_path,
            key_path,
            ca_path: self.ca_path(),
            cert_pem,
            key_pem,
        })
    }

    /// A certificate from a *different* CA (for "unknown issuer" tests). Written to
    /// `<dir>/rogue/`.
    pub fn mint_rogue(&self, spec: &IdentitySpec) -> Result<ClientIdentity, PkiError> {
        let rogue = TestPki::open(&self.dir.join("rogue"))?;
        let mut id = rogue.mint(spec)?;
        id.ca_path = self.ca_path();
        Ok(id)
    }
}
