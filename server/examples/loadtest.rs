//! A small closed-loop load generator for `POST /v1/certificates` (used by scripts/loadtest.sh
//! when neither oha nor wrk is installed): N requests at concurrency C, reports throughput and
//! p50/p99 latency.
//!
//! `cargo run --release -p shomei-server --example loadtest -- URL TOKEN BODY.json REQUESTS CONCURRENCY`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::Request;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

#[tokio::main]
async fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() != 6 {
        eprintln!("usage: loadtest URL TOKEN BODY.json REQUESTS CONCURRENCY");
        std::process::exit(2);
    }
    let url = a[1].clone();
    let token = a[2].clone();
    let body = Bytes::from(std::fs::read(&a[3]).unwrap_or_else(|e| {
        eprintln!("loadtest: {}: {e}", a[3]);
        std::process::exit(2)
    }));
    let n: usize = a[4].parse().unwrap_or(200);
    let c: usize = a[5].parse().unwrap_or(1);
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..c {
        let (client, next, url, token, body) = (
            client.clone(),
            next.clone(),
            url.clone(),
            token.clone(),
            body.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut codes = std::collections::BTreeMap::<u16, usize>::new();
            while next.fetch_add(1, Ordering::Relaxed) < n {
                let req = Request::post(&url)
                    .header("authorization", format!("Bearer {token}"))
                    .header("content-type", "application/json")
                    .body(Full::new(body.clone()))
                    .expect("request");
                let t = Instant::now();
                match client.request(req).await {
                    Ok(r) => {
                        let code = r.status().as_u16();
                        let _ = r.into_body().collect().await;
                        *codes.entry(code).or_default() += 1;
                    }
                    Err(_) => *codes.entry(0).or_default() += 1,
                }
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            (lat, codes)
        }));
    }
    let mut lat = Vec::new();
    let mut codes = std::collections::BTreeMap::<u16, usize>::new();
    for t in tasks {
        if let Ok((l, c)) = t.await {
            lat.extend(l);
            for (k, v) in c {
                *codes.entry(k).or_default() += v;
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    lat.sort_by(|a, b| a.total_cmp(b));
    let q = |p: f64| {
        if lat.is_empty() {
            0.0
        } else {
            lat[((lat.len() - 1) as f64 * p).round() as usize]
        }
    };
    println!(
        "concurrency {c:>3}: {} requests in {secs:.2} s = {:.1} req/s, p50 {:.1} ms, p99 {:.1} ms, statuses {codes:?}",
        lat.len(),
        lat.len() as f64 / secs,
        q(0.50),
        q(0.99)
    );
}
