//! The proxy in front of the test mesh: both address forms reach the app as
//! the function's identity through the SNI gateway; servers are verified by
//! SPIFFE ID; the SSRF defences; expired certificates are never presented;
//! and a renewed certificate is presented from the first request past the
//! refresh margin, with no request failing.

use crate::common;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use cert_bundle::CertBundle;
use common::{exchange, start_proxy, RunningProxy};
use mock_common::TestPki;
use mock_mesh::{MeshOptions, Service, TestMesh};
use mtls_proxy::{Clock, MemorySource, RefreshPolicy};

const TD: &str = "example.internal";
const ORDERS: &str = "spiffe://example.internal/orders";
const PAYMENTS_HOST: &str = "staging.payments.meshproxy.example.internal";

async fn mesh(services: Vec<Service>) -> TestMesh {
    TestMesh::start(MeshOptions::new(services))
        .await
        .expect("test mesh")
}

fn source_with(bundle: &CertBundle) -> Arc<MemorySource> {
    let source = Arc::new(MemorySource::new());
    source.set(bundle.to_json());
    source
}

/// The proxy of the `orders` function, through `mesh`, presenting `bundle`
/// (requests must carry `token`, if any), with the default refresh policy.
async fn orders_proxy(mesh: &TestMesh, bundle: &CertBundle, token: Option<&str>) -> RunningProxy {
    start_proxy(
        &mesh.gateway_address(),
        TD,
        ORDERS,
        source_with(bundle),
        token,
        RefreshPolicy::default(),
        |h| h,
    )
    .await
}

#[tokio::test]
async fn both_forms_reach_the_app_as_the_function_through_the_gateway() {
    let mesh = mesh(vec![Service::new("payments")]).await;
    let bundle = mesh.bundle_for("orders", ORDERS, 30).unwrap();
    let proxy = orders_proxy(&mesh, &bundle, Some("tok")).await;

    let forward = exchange(
        &proxy.addr,
        &format!("GET http://{PAYMENTS_HOST}/charge?amount=5 HTTP/1.1\r\nHost: {PAYMENTS_HOST}\r\nX-S2S-Token: tok"),
    )
    .await;
    assert_eq!(forward.status, 200, "{}", forward.body);
    let seen = forward.json();
    assert_eq!(seen["caller"], ORDERS);
    assert_eq!(seen["caller_serial"], bundle.serial.as_str());
    assert_eq!(seen["service"], "spiffe://example.internal/payments");
    assert_eq!(seen["path"], "/charge?amount=5");
    assert_eq!(seen["protocol"], "HTTP/2.0", "ALPN picked h2");
    let headers: Vec<&str> = seen["headers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h.as_str())
        .collect();
    assert!(
        !headers.contains(&"x-s2s-token"),
        "the token never leaves the sandbox: {headers:?}"
    );

    let reverse = exchange(
        &proxy.addr,
        &format!(
            "POST /payments/refund HTTP/1.1\r\nHost: {}\r\nX-S2S-Token: tok\r\nContent-Length: 0",
            proxy.addr
        ),
    )
    .await;
    assert_eq!(reverse.status, 200, "{}", reverse.body);
    assert_eq!(reverse.json()["caller"], ORDERS);
    assert_eq!(reverse.json()["method"], "POST");
    assert_eq!(reverse.json()["path"], "/refund");

    for i in 0..20 {
        let a = exchange(
            &proxy.addr,
            &format!("GET /payments/n/{i} HTTP/1.1\r\nHost: x\r\nX-S2S-Token: tok"),
        )
        .await;
        assert_eq!(a.status, 200);
    }
    let gateway = mesh.gateway().stats();
    assert_eq!(
        gateway.routed.get(PAYMENTS_HOST),
        Some(&1),
        "one pooled connection for 22 requests: {gateway:?}"
    );
    assert!(
        gateway.alpn_offered.contains_key("h2") && gateway.alpn_offered.contains_key("http/1.1")
    );
    assert_eq!(mesh.backend("payments").stats().connections, 1);
    assert_eq!(
        mesh.backend("payments").stats().by_status.get(&200),
        Some(&22)
    );
    assert_eq!(proxy.holder.fetches(), 1, "the bundle is read once");
}

#[tokio::test]
async fn ssrf_defences_and_bad_addresses_are_refused_before_the_mesh() {
    let mesh = mesh(vec![Service::new("payments")]).await;
    let bundle = mesh.bundle_for("orders", ORDERS, 30).unwrap();
    let proxy = orders_proxy(&mesh, &bundle, Some("tok")).await;
    let get = |extra: &str, target: &str| {
        format!("GET {target} HTTP/1.1\r\nHost: {PAYMENTS_HOST}{extra}")
    };
    let cases = [
        (get("", "/payments/"), 403, "token"),
        (get("\r\nX-S2S-Token: nope", "/payments/"), 403, "token"),
        (get("\r\nX-S2S-Token: tok\r\nX-Forwarded-For: 10.0.0.1", "/payments/"), 400, "forwarded"),
        (format!("CONNECT {PAYMENTS_HOST}:443 HTTP/1.1\r\nHost: {PAYMENTS_HOST}:443\r\nX-S2S-Token: tok"), 405, "connect"),
        (get("\r\nX-S2S-Token: tok", "http://production.payments.meshproxy.example.internal/"), 400, "address"),
        (get("\r\nX-S2S-Token: tok", "http://169.254.169.254/latest/meta-data/"), 400, "address"),
        (get("\r\nX-S2S-Token: tok", &format!("http://{PAYMENTS_HOST}:8443/")), 400, "address"),
        (get("\r\nX-S2S-Token: tok", "/"), 400, "address"),
        (get("\r\nX-S2S-Token: tok", "/Not_An_App/x"), 400, "address"),
    ];
    for (request, status, kind) in &cases {
        let answer = exchange(&proxy.addr, request).await;
        assert_eq!(answer.status, *status, "{request}: {}", answer.body);
        assert_eq!(answer.header("x-s2s-error"), Some(*kind), "{request}");
        assert!(
            answer.body.starts_with("s2s-mtls-proxy: "),
            "{}",
            answer.body
        );
    }
    // The password of Proxy-Authorization (HTTP_PROXY=http://s2s:<token>@...) also counts.
    let basic = exchange(
        &proxy.addr,
        &get(
            "\r\nProxy-Authorization: Basic czJzOnRvaw==",
            &format!("http://{PAYMENTS_HOST}/"),
        ),
    )
    .await;
    assert_eq!(basic.status, 200, "{}", basic.body);
    let health = exchange(&proxy.addr, "GET /__s2s/health HTTP/1.1\r\nHost: x").await;
    assert_eq!(health.status, 200);
    assert_eq!(
        health.json()["certificate"]["serial"],
        bundle.serial.as_str()
    );
    assert!(health.json()["certificate_error"].is_null());
    assert_eq!(
        mesh.backend("payments").stats().by_status.get(&200),
        Some(&1),
        "only the authorized request reached the mesh"
    );
}

#[tokio::test]
async fn servers_are_accepted_by_their_spiffe_id_and_chain_only() {
    let mesh = mesh(vec![
        Service::new("payments"),
        Service {
            presents: Some("spiffe://example.internal/payments".into()),
            ..Service::new("ledger")
        },
    ])
    .await;
    let bundle = mesh.bundle_for("orders", ORDERS, 30).unwrap();
    let proxy = orders_proxy(&mesh, &bundle, None).await;

    let impostor = exchange(&proxy.addr, "GET /ledger/balance HTTP/1.1\r\nHost: x").await;
    assert_eq!(impostor.status, 502, "{}", impostor.body);
    assert_eq!(impostor.header("x-s2s-error"), Some("server-refused"));
    assert!(
        impostor.body.contains("presented spiffe://example.internal/payments, but only spiffe://example.internal/ledger"),
        "{}",
        impostor.body
    );
    assert!(
        mesh.backend("ledger").seen().is_empty(),
        "no request went to the impostor"
    );

    let unrouted = exchange(&proxy.addr, "GET /inventory/ HTTP/1.1\r\nHost: x").await;
    assert_eq!(unrouted.status, 502, "{}", unrouted.body);
    assert_eq!(unrouted.header("x-s2s-error"), Some("closed"));
    assert_eq!(
        mesh.gateway()
            .stats()
            .refused
            .get("staging.inventory.meshproxy.example.internal"),
        Some(&1)
    );

    // A bundle whose ca_bundle holds other roots trusts no mesh server.
    let other_roots = TestPki::temporary().unwrap();
    let foreign = CertBundle::from_parts(
        &bundle.certificate,
        &bundle.private_key,
        other_roots.ca_pem(),
    )
    .unwrap();
    let proxy = orders_proxy(&mesh, &foreign, None).await;
    let unknown = exchange(&proxy.addr, "GET /payments/ HTTP/1.1\r\nHost: x").await;
    assert_eq!(unknown.status, 502, "{}", unknown.body);
    assert!(
        unknown.body.contains("does not chain to the mesh roots"),
        "{}",
        unknown.body
    );
}

#[tokio::test]
async fn backends_refuse_callers_they_do_not_expect() {
    let mesh = mesh(vec![
        Service {
            allowed_callers: Some(vec!["spiffe://example.internal/billing".into()]),
            ..Service::new("payments")
        },
        Service {
            presents: Some("spiffe://other.example/ledger".into()),
            ..Service::new("ledger")
        },
    ])
    .await;
    let bundle = mesh.bundle_for("orders", ORDERS, 30).unwrap();
    let proxy = orders_proxy(&mesh, &bundle, None).await;
    let refused = exchange(&proxy.addr, "GET /payments/ HTTP/1.1\r\nHost: x").await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("may not call"), "{}", refused.body);

    // A function of another trust domain, with a certificate the mesh CA
    // signed, reaches a server of its own domain's name but is refused there.
    let other = "spiffe://other.example/orders";
    let foreign = mesh.bundle_for("foreign-orders", other, 30).unwrap();
    let proxy = start_proxy(
        &mesh.gateway_address(),
        "other.example",
        other,
        source_with(&foreign),
        None,
        RefreshPolicy::default(),
        |h| h,
    )
    .await;
    let refused = exchange(&proxy.addr, "GET /ledger/ HTTP/1.1\r\nHost: x").await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("not in the trust domain example.internal"),
        "{}",
        refused.body
    );

    // A certificate from a CA the mesh does not trust fails the handshake.
    let rogue = TestPki::temporary().unwrap();
    let id = rogue
        .mint(&mock_common::IdentitySpec::spiffe("rogue-orders", ORDERS))
        .unwrap();
    let rogue_bundle = CertBundle::from_parts(&id.cert_pem, &id.key_pem, mesh.ca_pem()).unwrap();
    let proxy = orders_proxy(&mesh, &rogue_bundle, None).await;
    let refused = exchange(&proxy.addr, "GET /payments/ HTTP/1.1\r\nHost: x").await;
    assert_eq!(refused.status, 502, "{}", refused.body);
    assert!(mesh.backend("payments").stats().handshake_failures >= 1);
}

#[tokio::test]
async fn an_expired_certificate_is_answered_with_503_and_never_presented() {
    let mesh = mesh(vec![Service::new("payments")]).await;
    let expired = mesh.bundle_for("orders-expired", ORDERS, -1).unwrap();
    let proxy = orders_proxy(&mesh, &expired, None).await;
    let answer = exchange(&proxy.addr, "GET /payments/ HTTP/1.1\r\nHost: x").await;
    assert_eq!(answer.status, 503, "{}", answer.body);
    assert_eq!(answer.header("x-s2s-error"), Some("no-certificate"));
    assert!(answer.body.contains("expired at"), "{}", answer.body);
    assert_eq!(
        mesh.gateway().stats().routed.len(),
        0,
        "nothing was sent to the mesh"
    );
}

/// Real time plus an offset the test moves.
struct Shifted(AtomicI64);

impl Clock for Shifted {
    fn now(&self) -> i64 {
        mtls_proxy::SystemClock.now() + self.0.load(Ordering::Relaxed)
    }
}

#[tokio::test]
async fn a_renewed_certificate_is_presented_from_the_first_request_past_the_margin() {
    let mesh = mesh(vec![Service::new("payments")]).await;
    let first = mesh.bundle_for("orders-1", ORDERS, 30).unwrap();
    let source = source_with(&first);
    let clock = Arc::new(Shifted(AtomicI64::new(0)));
    // Re-read when less than 30 days minus 10 minutes is left; no version checks.
    let policy = RefreshPolicy {
        margin: 30 * 86_400 - 600,
        version_check: 0,
        retry: 30,
    };
    let proxy = start_proxy(
        &mesh.gateway_address(),
        TD,
        ORDERS,
        source.clone(),
        None,
        policy,
        {
            let clock = clock.clone();
            move |h| h.with_clock(clock)
        },
    )
    .await;
    let mut serials = Vec::new();
    for i in 0..40 {
        if i == 20 {
            // The issuer renewed; then the margin passes.
            let second = mesh.bundle_for("orders-2", ORDERS, 31).unwrap();
            source.set(second.to_json());
            clock.0.store(900, Ordering::Relaxed);
        }
        let answer = exchange(
            &proxy.addr,
            &format!("GET /payments/{i} HTTP/1.1\r\nHost: x"),
        )
        .await;
        assert_eq!(answer.status, 200, "request {i}: {}", answer.body);
        serials.push(answer.json()["caller_serial"].as_str().unwrap().to_owned());
    }
    assert!(
        serials[..20].iter().all(|s| *s == first.serial),
        "{serials:?}"
    );
    let renewed = &serials[20];
    assert_ne!(
        *renewed, first.serial,
        "the first request past the margin presents the new certificate"
    );
    assert!(serials[20..].iter().all(|s| s == renewed), "{serials:?}");
    assert_eq!(
        mesh.backend("payments").stats().connections,
        2,
        "a new handshake for the new certificate"
    );
    assert_eq!(proxy.holder.fetches(), 2);
}

#[tokio::test]
async fn concurrent_callers_see_no_failure_while_the_certificate_rotates() {
    let mesh = mesh(vec![Service::new("payments")]).await;
    let first = mesh.bundle_for("orders-a", ORDERS, 30).unwrap();
    let second = mesh.bundle_for("orders-b", ORDERS, 31).unwrap();
    let source = source_with(&first);
    let policy = RefreshPolicy {
        margin: 0,
        version_check: 1,
        retry: 1,
    };
    let proxy = start_proxy(
        &mesh.gateway_address(),
        TD,
        ORDERS,
        source.clone(),
        None,
        policy,
        |h| h,
    )
    .await;
    let addr = Arc::new(proxy.addr.clone());
    let callers: Vec<_> = (0..8)
        .map(|c| {
            let addr = addr.clone();
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                for i in 0..30 {
                    let a = exchange(&addr, &format!("GET /payments/{c}/{i} HTTP/1.1\r\nHost: x"))
                        .await;
                    statuses.push(a.status);
                }
                statuses
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    source.set(second.to_json());
    for caller in callers {
        let statuses = caller.await.unwrap();
        assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    }
    // A version check picks the new one up within a second.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let after = exchange(&proxy.addr, "GET /payments/after HTTP/1.1\r\nHost: x").await;
    assert_eq!(after.json()["caller_serial"], second.serial.as_str());
}
