//! Test harness: a server on an ephemeral port with fixed tokens and a fixed clock, and a real
//! HTTP client (hyper).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{HeaderMap, Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use shomei_server::clock::FixedClock;
use shomei_server::config::{token_hash, Role, TokenConfig};
use shomei_server::{AppState, Config};

pub(crate) const KIOSK: &str = "tok-kiosk";
pub(crate) const COUNTER: &str = "tok-counter";
pub(crate) const QA: &str = "tok-qa";
pub(crate) const ADMIN: &str = "tok-admin";

/// 2026-11-24T01:00:00Z = 10:00 in Japan.
pub(crate) const NOW: u64 = 1_795_482_000;

pub(crate) fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A fresh temporary directory.
pub(crate) fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("shomei-server-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// The repository's layouts plus a non-specimen municipality `hontou-shi`.
pub(crate) fn layouts_with_real_municipality(dir: &Path) -> PathBuf {
    let to = dir.join("layouts");
    if !to.exists() {
        copy_dir(&repo().join("layouts"), &to);
        let m = std::fs::read_to_string(to.join("municipalities/mihon-shi.toml")).unwrap();
        let m = m
            .replace("id = \"mihon-shi\"", "id = \"hontou-shi\"")
            .replace("specimen = true", "specimen = false");
        std::fs::write(to.join("municipalities/hontou-shi.toml"), m).unwrap();
    }
    to
}

pub(crate) fn config(dir: &Path) -> Config {
    let tok = |terminal: &str, role: Role, t: &str| TokenConfig {
        terminal: terminal.into(),
        role,
        sha256: token_hash(t),
        category: None,
    };
    Config {
        data_dir: Some(dir.join("data")),
        layouts_dir: Some(layouts_with_real_municipality(dir)),
        workers: Some(2),
        tokens: vec![
            tok("kiosk-01", Role::Kiosk, KIOSK),
            tok("counter-01", Role::Counter, COUNTER),
            tok("qa-01", Role::Qa, QA),
            tok("admin-01", Role::Admin, ADMIN),
        ],
        ..Config::default()
    }
}

pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    pub(crate) state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Server {
    pub(crate) async fn start(config: Config) -> Server {
        let clock = Arc::new(FixedClock(UNIX_EPOCH + Duration::from_secs(NOW)));
        let state = AppState::build(&config, None, clock).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(shomei_server::serve(listener, state.clone(), async move {
            let _ = rx.await;
        }));
        Server {
            addr,
            state,
            stop: Some(tx),
            handle: Some(handle),
        }
    }

    /// Graceful shutdown; waits for the server task.
    pub(crate) async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.await.unwrap().unwrap();
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Resp {
        let ct = body.is_some().then_some("application/json");
        self.send(method, path, token, ct, body).await
    }

    /// A request with any content type.
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Resp {
        let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
        let mut b = Request::builder().method(method).uri(self.url(path));
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        if let Some(ct) = content_type {
            b = b.header("content-type", ct);
        }
        let req = b
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .unwrap();
        let resp = client.request(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        Resp {
            status,
            headers,
            body,
        }
    }

    /// A POST the server must refuse from its head alone (401 without a token, 413 for a
    /// declared length over the limit): only the head is sent, declaring `len` body bytes,
    /// and the answer must come without them. Sending the body as well races the server's
    /// close: the kernel resets a connection closed with unread bytes, and the reset can
    /// discard the answer before the client reads it.
    pub(crate) async fn post_head_only(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        len: usize,
    ) -> Resp {
        self.raw_post(
            path,
            token,
            content_type,
            &format!("Content-Length: {len}"),
            &[],
        )
        .await
    }

    /// A chunked POST of one chunk, `prefix`, that the body never finishes: the server must
    /// answer from what it has read (413 once a body without a declared length passes the
    /// limit).
    pub(crate) async fn post_chunked_prefix(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        prefix: &[u8],
    ) -> Resp {
        let mut chunk = format!("{:x}\r\n", prefix.len()).into_bytes();
        chunk.extend_from_slice(prefix);
        chunk.extend_from_slice(b"\r\n");
        self.raw_post(
            path,
            token,
            content_type,
            "Transfer-Encoding: chunked",
            &chunk,
        )
        .await
    }

    /// Writes a request head (with `framing`, its length header) and `sent` over a plain
    /// socket, then reads one answer without waiting for the server to close.
    async fn raw_post(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        framing: &str,
        sent: &[u8],
    ) -> Resp {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let mut stream = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\n{auth}\
             Content-Type: {content_type}\r\n{framing}\r\nConnection: close\r\n\r\n",
            self.addr,
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(sent).await.unwrap();
        // Read the head and the length it declares; the server need not close first.
        let mut raw = Vec::new();
        let read_answer = async {
            let mut buf = [0u8; 4096];
            loop {
                if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    if raw.len() >= end + 4 + len {
                        return;
                    }
                }
                let n = stream.read(&mut buf).await.unwrap();
                assert!(n > 0, "closed before a whole answer: {raw:?}");
                raw.extend_from_slice(&buf[..n]);
            }
        };
        tokio::time::timeout(Duration::from_secs(30), read_answer)
            .await
            .expect("the server answered without waiting for more of the body");
        let end = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a response head");
        let head = String::from_utf8_lossy(&raw[..end]).into_owned();
        let status: u16 = head
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .expect("a status line");
        let mut headers = HeaderMap::new();
        for line in head.lines().skip(1) {
            if let Some((k, v)) = line.split_once(':') {
                headers.insert(
                    hyper::header::HeaderName::from_bytes(k.trim().as_bytes()).unwrap(),
                    v.trim().parse().unwrap(),
                );
            }
        }
        let len: usize = headers
            .get("content-length")
            .and_then(|v| v.to_str().ok()?.parse().ok())
            .unwrap_or(raw.len() - end - 4);
        Resp {
            status: StatusCode::from_u16(status).unwrap(),
            headers,
            body: Bytes::copy_from_slice(&raw[end + 4..(end + 4 + len).min(raw.len())]),
        }
    }

    pub(crate) async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.call(Method::GET, path, token, None).await
    }

    pub(crate) async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> Resp {
        self.call(
            Method::POST,
            path,
            token,
            Some(serde_json::to_vec(body).unwrap()),
        )
        .await
    }
}

pub(crate) struct Resp {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Resp {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub(crate) fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }
}

pub(crate) fn sample(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(repo().join("layouts/samples").join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A PDF request for the 住民票 sample.
pub(crate) fn juminhyo(municipality: &str) -> serde_json::Value {
    serde_json::json!({
        "layout": "juminhyo",
        "municipality": municipality,
        "data": sample("juminhyo.json"),
        "format": "pdf",
    })
}
