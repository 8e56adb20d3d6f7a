//! TLS through rustls: a self-signed server certificate (rcgen), a client that trusts it, client
//! certificates required by a CA, and graceful shutdown finishing an in-flight request.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use common::*;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedKey, ExtendedKeyUsagePurpose, IsCa, KeyPair,
};
use shomei_server::tls::{server_config, TlsConfig};
use shomei_server::AppState;

struct TlsServer {
    addr: SocketAddr,
    state: AppState,
    stop: tokio::sync::oneshot::Sender<()>,
    handle: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start(dir: &Path, tls: &TlsConfig) -> TlsServer {
    let clock = std::sync::Arc::new(shomei_server::clock::FixedClock(
        std::time::UNIX_EPOCH + Duration::from_secs(NOW),
    ));
    let state = AppState::build(&config(dir), None, clock).unwrap();
    let tls = server_config(tls).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(shomei_server::serve_tls(
        listener,
        state.clone(),
        tls,
        async move {
            let _ = rx.await;
        },
    ));
    TlsServer {
        addr,
        state,
        stop,
        handle,
    }
}

fn server_cert(dir: &Path) -> (CertifiedKey, TlsConfig) {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    std::fs::write(dir.join("server.pem"), ck.cert.pem()).unwrap();
    std::fs::write(dir.join("server.key"), ck.key_pair.serialize_pem()).unwrap();
    let tls = TlsConfig {
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
        client_ca: None,
    };
    (ck, tls)
}

fn client(addr: SocketAddr, server: &CertifiedKey, identity: Option<String>) -> reqwest::Client {
    let mut b = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(server.cert.pem().as_bytes()).unwrap())
        .resolve("localhost", addr)
        .timeout(Duration::from_secs(30));
    if let Some(pem) = identity {
        b = b.identity(reqwest::Identity::from_pem(pem.as_bytes()).unwrap());
    }
    b.build().unwrap()
}

fn url(addr: SocketAddr, path: &str) -> String {
    format!("https://localhost:{}{path}", addr.port())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_serves_and_shuts_down_gracefully() {
    let dir = tempdir("tls");
    let (ck, tls) = server_cert(&dir);
    let s = start(&dir, &tls).await;
    let c = client(s.addr, &ck, None);
    let r = c.get(url(s.addr, "/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = c
        .get(url(s.addr, "/v1/layouts"))
        .bearer_auth(KIOSK)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Plain HTTP on the TLS port gets no HTTP answer.
    let plain = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{}/healthz", s.addr.port()))
        .timeout(Duration::from_secs(10))
        .send()
        .await;
    assert!(plain.map(|r| !r.status().is_success()).unwrap_or(true));

    // Shutdown while a certificate is rendering: the request still completes.
    let body = serde_json::to_vec(&juminhyo("mihon-shi")).unwrap();
    let inflight = tokio::spawn({
        let c = c.clone();
        let u = url(s.addr, "/v1/certificates");
        async move {
            c.post(u)
                .bearer_auth(KIOSK)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap()
        }
    });
    // Wait until the render is on a worker (or already done), then shut down.
    while s.state.pool.busy_workers() == 0 && !inflight.is_finished() {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let in_flight = !inflight.is_finished();
    s.stop.send(()).unwrap();
    eprintln!("shutdown with a render in flight: {in_flight}");
    let r = inflight.await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
    tokio::time::timeout(Duration::from_secs(30), s.handle)
        .await
        .expect("the server stopped")
        .unwrap()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certificates_signed_by_the_ca_are_required() {
    let dir = tempdir("mtls");
    let (ck, mut tls) = server_cert(&dir);

    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "見本市 terminals CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    std::fs::write(dir.join("ca.pem"), ca_cert.pem()).unwrap();
    tls.client_ca = Some(dir.join("ca.pem"));

    let leaf = |signed_by_ca: bool| {
        let mut p = CertificateParams::new(vec!["kiosk-01".to_string()]).unwrap();
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let key = KeyPair::generate().unwrap();
        let cert = if signed_by_ca {
            p.signed_by(&key, &ca_cert, &ca_key).unwrap()
        } else {
            p.self_signed(&key).unwrap()
        };
        format!("{}{}", cert.pem(), key.serialize_pem())
    };

    let s = start(&dir, &tls).await;
    // No certificate: refused.
    let r = client(s.addr, &ck, None)
        .get(url(s.addr, "/healthz"))
        .send()
        .await;
    assert!(r.is_err(), "served without a client certificate: {r:?}");
    // A certificate not signed by the CA: refused.
    let r = client(s.addr, &ck, Some(leaf(false)))
        .get(url(s.addr, "/healthz"))
        .send()
        .await;
    assert!(r.is_err(), "served a certificate from another CA: {r:?}");
    // Signed by the CA: served (and the token is still required).
    let c = client(s.addr, &ck, Some(leaf(true)));
    let r = c.get(url(s.addr, "/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = c.get(url(s.addr, "/v1/layouts")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let _ = s.stop.send(());
    s.handle.await.unwrap().unwrap();
}
