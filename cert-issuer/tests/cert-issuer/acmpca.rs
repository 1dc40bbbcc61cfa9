//! The ACM-PCA backend against moto's ACM-PCA, for the API's shape: a CA
//! created in short-lived mode and activated with a certificate we sign;
//! `IssueCertificate` carries the passthrough template, the URI SAN, ABSOLUTE
//! validity, the signing algorithm and the idempotency token, and the CSR no
//! SAN; `GetCertificate` is polled past `RequestInProgressException`; the CA
//! chain is what was imported. moto ignores Validity and the passthrough SAN,
//! and the issuer's answer check refuses its 365-day leaf: lifetimes and SANs
//! are tested on the local CA (lifecycle.rs).

use crate::common;

use std::time::Duration;

use aws_sdk_acmpca::types::{
    Asn1Subject, CertificateAuthorityConfiguration, CertificateAuthorityType,
    CertificateAuthorityUsageMode, KeyAlgorithm, SigningAlgorithm,
};
use cert_issuer::aws::CallCounter;
use cert_issuer::ca::acmpca::AcmPca;
use cert_issuer::ca::local::new_root;
use cert_issuer::ca::{CertificateAuthority, IssueRequest, TEMPLATE_ARN};
use cert_issuer::clock::Clock;
use cert_issuer::issue;
use common::{seed, spiffe, World};
use rcgen::{CertificateParams, CertificateSigningRequestParams, IsCa, Issuer, KeyPair};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_certificate_has_the_api_shape_and_polls_until_ready() {
    let w = World::start(seed(&[])).await;
    let pca = aws_sdk_acmpca::Client::new(&w.plain);
    let arn = pca
        .create_certificate_authority()
        .certificate_authority_type(CertificateAuthorityType::Root)
        .usage_mode(CertificateAuthorityUsageMode::ShortLivedCertificate)
        .certificate_authority_configuration(
            CertificateAuthorityConfiguration::builder()
                .key_algorithm(KeyAlgorithm::EcPrime256v1)
                .signing_algorithm(SigningAlgorithm::Sha256Withecdsa)
                .subject(Asn1Subject::builder().common_name("s2s issuing CA").build())
                .build()
                .expect("config"),
        )
        .send()
        .await
        .expect("create CA")
        .certificate_authority_arn()
        .unwrap_or_default()
        .to_owned();
    // Activate it: sign its CSR with a root of ours and import the result.
    let csr = pca
        .get_certificate_authority_csr()
        .certificate_authority_arn(&arn)
        .send()
        .await
        .expect("CSR")
        .csr()
        .unwrap_or_default()
        .to_owned();
    let now = w.clock.now();
    let (root_pem, root_key) = new_root("test root", now).expect("root");
    let root = Issuer::from_ca_cert_pem(&root_pem, KeyPair::from_pem(&root_key).expect("key"))
        .expect("root issuer");
    let mut ca_csr = CertificateSigningRequestParams::from_pem(&csr).expect("moto's CSR");
    let mut params = CertificateParams::default();
    params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Constrained(0));
    params.distinguished_name = ca_csr.params.distinguished_name.clone();
    ca_csr.params = params;
    let ca_cert = ca_csr.signed_by(&root).expect("sign the CA").pem();
    pca.import_certificate_authority_certificate()
        .certificate_authority_arn(&arn)
        .certificate(aws_sdk_acmpca::primitives::Blob::new(ca_cert.as_bytes()))
        .certificate_chain(aws_sdk_acmpca::primitives::Blob::new(root_pem.as_bytes()))
        .send()
        .await
        .expect("import");

    let backend = AcmPca::new(
        &w.sdk,
        &arn,
        "SHA256WITHECDSA",
        Duration::from_secs(10),
        2,
        &CallCounter::default(),
    );
    let key = issue::fresh_key().expect("key");
    let request = IssueRequest {
        csr_pem: issue::csr("payments", &key).expect("csr"),
        spiffe_id: spiffe("payments"),
        not_before: now - 60,
        not_after: now - 60 + 86_400,
        idempotency_token: "0123456789abcdef0123456789abcdef".into(),
    };
    w.http
        .fail_next("acm-pca.GetCertificate", "RequestInProgressException", 2);
    let issued = backend.issue(&request).await.expect("issued after polling");
    assert_eq!(
        w.http.count("acm-pca.GetCertificate"),
        1,
        "the third poll got it"
    );
    assert_eq!(
        w.http.injected().get("RequestInProgressException"),
        Some(&2)
    );

    let seen = w.http.seen();
    let body = &seen
        .iter()
        .find(|s| s.op == "acm-pca.IssueCertificate")
        .expect("IssueCertificate")
        .body;
    let sent: serde_json::Value = serde_json::from_str(body).expect("JSON");
    assert_eq!(sent["TemplateArn"], TEMPLATE_ARN);
    assert_eq!(sent["SigningAlgorithm"], "SHA256WITHECDSA");
    assert_eq!(sent["IdempotencyToken"], "0123456789abcdef0123456789abcdef");
    assert_eq!(
        sent["Validity"],
        serde_json::json!({"Type": "ABSOLUTE", "Value": request.not_after})
    );
    assert_eq!(
        sent["ValidityNotBefore"],
        serde_json::json!({"Type": "ABSOLUTE", "Value": request.not_before})
    );
    assert_eq!(
        sent["ApiPassthrough"]["Extensions"]["SubjectAlternativeNames"],
        serde_json::json!([{"UniformResourceIdentifier": spiffe("payments")}])
    );
    // The CSR names the app and carries no SAN: the SAN is the issuer's to set.
    use base64::Engine;
    let csr_pem = base64::engine::general_purpose::STANDARD
        .decode(sent["Csr"].as_str().unwrap_or_default())
        .expect("base64");
    let parsed = CertificateSigningRequestParams::from_pem(&String::from_utf8_lossy(&csr_pem))
        .expect("our CSR");
    assert!(parsed.params.subject_alt_names.is_empty());

    // moto ignores Validity and the passthrough SAN: the answer check refuses it.
    let refused = issue::bundle(&issued, &key, &request, &root_pem).expect_err("moto's leaf");
    assert!(
        refused.to_string().contains("X509-SVID") || refused.to_string().contains("validity"),
        "{refused}"
    );
    // The chain the mesh must trust is the CA's certificate and its parent.
    let chain = backend.ca_chain().await.expect("CA chain");
    assert!(chain.starts_with(ca_cert.trim_end()) || chain.contains(ca_cert.trim()));
    assert!(chain.contains(root_pem.trim()));
}
