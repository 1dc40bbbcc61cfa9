//! The issuer's test world: moto (STS, Secrets Manager, DynamoDB, SQS,
//! ACM-PCA), mock Registry seeded with apps and functions, a test PKI whose
//! root is the mesh root, and the local CA as an intermediate under it (the
//! production shape: the Private CA is subordinate to the datacenter root), a
//! settable clock, and SDK clients whose requests are recorded (and can be
//! failed) by runtime-support's [`AwsHttp`].

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use cert_bundle::CertBundle;
use cert_issuer::accounts::SecretsManagerAccounts;
use cert_issuer::aws::CallCounter;
use cert_issuer::ca::local::{new_intermediate, LocalCa};
use cert_issuer::ca::CertificateAuthority;
use cert_issuer::clock::{Clock, ManualClock};
use cert_issuer::ledger::DynamoLedger;
use cert_issuer::queue::Queue;
use cert_issuer::settings::CaBackend;
use cert_issuer::{Issuer, Parts, RegistrySource, Settings};
use mock_common::Moto;
use mock_common::{ClientIdentity, IdentitySpec, TestPki};
use mock_registry::{RegistryConfig, RegistryMock};
use registry_client::{ClientConfig, RegistryClient, RetryPolicy};
use x509_parser::prelude::{FromDer, X509Certificate};

pub use runtime_support::aws_http::AwsHttp;

pub const TRUST_DOMAIN: &str = "example.internal";
pub const LEDGER_TABLE: &str = "s2s-cert-issuer-ledger";
pub const HOUR: i64 = 3600;

pub fn spiffe(app: &str) -> String {
    format!("spiffe://{TRUST_DOMAIN}/{app}")
}

/// An app to seed: accounts `(id, environment)`, the flag, functions `(account, name, role)`.
pub struct AppSeed<'a> {
    pub name: &'a str,
    pub accounts: &'a [(&'a str, &'a str)],
    pub on: bool,
    pub functions: &'a [(&'a str, &'a str, &'a str)],
}

pub fn seed(apps: &[AppSeed<'_>]) -> mock_registry::Seed {
    let apps: Vec<serde_json::Value> = apps
        .iter()
        .map(|a| {
            serde_json::json!({
                "name": a.name,
                "accounts": a.accounts.iter().map(|(id, env)| serde_json::json!({"account_id": id, "environment": env})).collect::<Vec<_>>(),
                "certificate_generation": a.on,
                "functions": a.functions.iter().map(|(acct, f, r)| serde_json::json!({"account_id": acct, "function_name": f, "role_name": r})).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::from_value(serde_json::json!({ "apps": apps })).expect("seed")
}

/// A certificate secret as a user would look at it.
#[derive(Debug, Clone)]
pub struct Stored {
    pub bundle: CertBundle,
    pub tags: BTreeMap<String, String>,
    pub policy: Option<String>,
}

pub struct World {
    pub moto: Moto,
    pub pki: Arc<TestPki>,
    pub registry: RegistryMock,
    pub admin: RegistryClient,
    pub identity: ClientIdentity,
    pub ca: Arc<LocalCa>,
    pub clock: ManualClock,
    pub http: AwsHttp,
    /// SDK configuration through `http` (what the issuer uses).
    pub sdk: SdkConfig,
    /// Without the recorder (set-up and checks).
    pub plain: SdkConfig,
    pub queue_url: String,
    pub dir: tempfile::TempDir,
}

async fn sdk(endpoint: &str, http: Option<&AwsHttp>) -> SdkConfig {
    let base = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .http_client(cert_issuer::aws::http_client())
        .load()
        .await;
    match http {
        None => base,
        Some(h) => base
            .into_builder()
            .http_client(h.client(cert_issuer::aws::http_client()))
            .build(),
    }
}

impl World {
    pub async fn start(seed: mock_registry::Seed) -> World {
        let moto = tokio::task::spawn_blocking(Moto::start)
            .await
            .expect("moto start");
        let pki = Arc::new(TestPki::temporary().expect("pki"));
        let registry = RegistryMock::start(RegistryConfig {
            pki: Some(pki.clone()),
            seed: Some(seed),
            trust_domain: TRUST_DOMAIN.into(),
            ..RegistryConfig::default()
        })
        .await
        .expect("mock registry");
        let admin = client(&registry, registry.admin_identity());
        let identity = registry
            .mint_identity(&IdentitySpec::spiffe(
                "cert-issuer",
                "spiffe://example.internal/platform/cert-issuer",
            ))
            .expect("issuer identity");
        let clock = ManualClock::from_system();
        let root_key = std::fs::read_to_string(pki.dir().join("ca-key.pem")).expect("root key");
        let (inter, inter_key) =
            new_intermediate("s2s test issuing CA", clock.now(), pki.ca_pem(), &root_key)
                .expect("intermediate");
        let ca = Arc::new(
            LocalCa::from_pem(&inter, &inter_key, pki.ca_pem(), Arc::new(clock.clone()))
                .expect("local CA"),
        );
        let http = AwsHttp::default();
        let plain = sdk(&moto.endpoint(), None).await;
        let ddb = aws_sdk_dynamodb::Client::new(&plain);
        use aws_sdk_dynamodb::types::{
            AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
        };
        ddb.create_table()
            .table_name(LEDGER_TABLE)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("id")
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .expect("attr"),
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name("id")
                    .key_type(KeyType::Hash)
                    .build()
                    .expect("key"),
            )
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await
            .expect("ledger table");
        let queue_url = aws_sdk_sqs::Client::new(&plain)
            .create_queue()
            .queue_name("s2s-cert-issuer")
            .send()
            .await
            .expect("queue")
            .queue_url()
            .unwrap_or_default()
            .to_owned();
        World {
            sdk: sdk(&moto.endpoint(), Some(&http)).await,
            plain,
            moto,
            pki,
            registry,
            admin,
            identity,
            ca,
            clock,
            http,
            queue_url,
            dir: tempfile::tempdir().expect("tmp"),
        }
    }

    /// Settings for a quick, deterministic run (one job at a time).
    pub fn settings(&self) -> Settings {
        let s = Settings {
            trust_domain: TRUST_DOMAIN.into(),
            registry_url: self.registry.base_url(),
            registry_cert_file: Some(self.identity.cert_path.clone()),
            registry_key_file: Some(self.identity.key_path.clone()),
            registry_ca_file: Some(self.identity.ca_path.clone()),
            mesh_ca_bundle_file: Some(self.pki.ca_path()),
            ca_backend: CaBackend::Local,
            local_ca_dir: Some(self.dir.path().join("ca")),
            ledger_table: Some(LEDGER_TABLE.into()),
            queue_url: Some(self.queue_url.clone()),
            issue_tps: 50.0,
            concurrency: 1,
            registry_attempts: 3,
            registry_timeout_secs: 10,
            aws_attempts: 3,
            ..Settings::default()
        };
        s.validate().expect("valid settings");
        s
    }

    /// An issuer on this world (its own counters, the shared CA and clock).
    pub fn issuer(&self, settings: Settings) -> Issuer {
        self.issuer_with(settings, self.ca.clone())
    }

    /// The same with another CA in front (a faulty one, say).
    pub fn issuer_with(&self, settings: Settings, ca: Arc<dyn CertificateAuthority>) -> Issuer {
        let counter = CallCounter::default();
        let attempts = settings.aws_attempts;
        let registry = RegistryClient::new(
            &ClientConfig::from_files(
                self.registry.base_url(),
                &self.identity.cert_path,
                &self.identity.key_path,
                &self.identity.ca_path,
            )
            .expect("registry config")
            .with_retry(RetryPolicy {
                max_attempts: settings.registry_attempts,
                total_timeout: settings.registry_timeout(),
                ..RetryPolicy::default()
            }),
        )
        .expect("registry client");
        Issuer::new(
            settings.clone(),
            Parts {
                clock: Arc::new(self.clock.clone()),
                ca,
                accounts: Arc::new(SecretsManagerAccounts::new(
                    &self.sdk,
                    &settings.writer_role,
                    None,
                    attempts,
                    &counter,
                )),
                ledger: Arc::new(DynamoLedger::new(
                    &self.sdk,
                    LEDGER_TABLE,
                    attempts,
                    &counter,
                )),
                registry: RegistrySource::Client(registry),
                queue: settings
                    .queue_url
                    .as_deref()
                    .map(|u| Queue::new(&self.sdk, u, attempts, &counter)),
                counter,
                mesh_roots: self.pki.ca_pem().to_owned(),
            },
        )
        .expect("issuer")
    }

    /// Credentials for `account` (moto switches accounts by assumed role).
    pub async fn in_account(&self, account: &str) -> SdkConfig {
        let out = aws_sdk_sts::Client::new(&self.plain)
            .assume_role()
            .role_arn(format!("arn:aws:iam::{account}:role/test-inspector"))
            .role_session_name("test")
            .send()
            .await
            .expect("assume");
        let c = out.credentials().expect("credentials");
        self.plain
            .clone()
            .into_builder()
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(Credentials::new(
                    c.access_key_id(),
                    c.secret_access_key(),
                    Some(c.session_token().to_owned()),
                    None,
                    "inspector",
                )),
            )
            .build()
    }

    /// Up to 10 messages from the job queue, as a worker's event source receives them.
    pub async fn receive(&self) -> Vec<aws_sdk_sqs::types::Message> {
        aws_sdk_sqs::Client::new(&self.plain)
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(10)
            .send()
            .await
            .expect("receive")
            .messages()
            .to_vec()
    }

    /// `s2s/<app>/tls` in `account`, as a user reads it (value, tags, policy).
    pub async fn stored(&self, account: &str, app: &str) -> Option<Stored> {
        let sm = aws_sdk_secretsmanager::Client::new(&self.in_account(account).await);
        let name = format!("s2s/{app}/tls");
        let meta = match sm.describe_secret().secret_id(&name).send().await {
            Ok(m) => m,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                return None
            }
            Err(e) => panic!("describe {name}: {e:?}"),
        };
        let value = sm
            .get_secret_value()
            .secret_id(&name)
            .version_stage("AWSCURRENT")
            .send()
            .await
            .expect("value");
        let policy = sm
            .get_resource_policy()
            .secret_id(&name)
            .send()
            .await
            .expect("policy")
            .resource_policy()
            .map(str::to_owned);
        Some(Stored {
            bundle: CertBundle::from_json(value.secret_string().unwrap_or_default())
                .expect("the one bundle format"),
            tags: meta
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
                .collect(),
            policy,
        })
    }

    /// Registry as the platform admin (for out-of-band changes).
    pub fn admin(&self) -> &RegistryClient {
        &self.admin
    }
}

fn client(reg: &RegistryMock, id: &ClientIdentity) -> RegistryClient {
    let cfg = ClientConfig::from_files(reg.base_url(), &id.cert_path, &id.key_path, &reg.ca_path())
        .expect("config")
        .with_retry(RetryPolicy::none());
    RegistryClient::new(&cfg).expect("client")
}

/// Each certificate of the bundle is signed by the next, and the last by a
/// root of `ca_bundle`: the leaf chains to the mesh root.
pub fn chains_to_the_mesh_root(b: &CertBundle) -> bool {
    let chain = b.certificate_chain().expect("chain");
    let roots = b.ca_roots().expect("roots");
    fn parse(d: &[u8]) -> Option<X509Certificate<'_>> {
        X509Certificate::from_der(d).map(|(_, c)| c).ok()
    }
    let certs: Vec<X509Certificate<'_>> = chain.iter().filter_map(|d| parse(d)).collect();
    let roots: Vec<X509Certificate<'_>> = roots.iter().filter_map(|d| parse(d)).collect();
    if certs.len() != chain.len() {
        return false;
    }
    for pair in certs.windows(2) {
        if pair[0]
            .verify_signature(Some(pair[1].public_key()))
            .is_err()
        {
            return false;
        }
    }
    let last = certs.last().expect("a leaf");
    roots
        .iter()
        .any(|r| last.verify_signature(Some(r.public_key())).is_ok())
}
