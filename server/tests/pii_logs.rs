//! No field value reaches a log line: a certificate with sentinel values is issued (and one is
//! refused) while every tracing event, at debug level and above, is captured.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use hyper::StatusCode;
use serde_json::json;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sentinel_values_appear_in_no_log_line() {
    let cap = Capture::default();
    let w = cap.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || w.clone())
        .init();

    let dir = tempdir("pii");
    let s = Server::start(config(&dir)).await;
    let sentinels = [
        "歩哨　見本",
        "ホショウ　ミホン",
        "見本県歩哨市番兵町九丁目8番7号",
        "1977-07-07",
        "987654321018",
    ];
    let mut req = juminhyo("mihon-shi");
    req["data"]["address"] = json!(sentinels[2]);
    req["data"]["head"] = json!(sentinels[0]);
    req["data"]["members"][0]["name"] = json!(sentinels[0]);
    req["data"]["members"][0]["hittosha"] = json!(sentinels[0]);
    req["data"]["members"][0]["kana"] = json!(sentinels[1]);
    req["data"]["members"][0]["birth_date"] = json!(sentinels[3]);
    let r = s.post("/v1/certificates", Some(KIOSK), &req).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );

    // A refused request with a sentinel in a bad value.
    req["data"]["members"][0]["kojin_bango"] = json!(sentinels[4]);
    req["data"]["members"][1]["birth_date"] = json!("1977-02-30");
    let r = s.post("/v1/certificates", Some(KIOSK), &req).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    s.stop().await;

    let text = String::from_utf8(cap.0.lock().unwrap().clone()).unwrap();
    // The capture works and carries what it should.
    assert!(text.contains("issued"), "{text}");
    assert!(text.contains("kiosk-01"), "{text}");
    assert!(text.contains("request_id"), "{text}");
    assert!(text.contains("status=422"), "{text}");
    for line in text.lines() {
        for s in sentinels.iter().chain(&["1977-02-30"]) {
            assert!(!line.contains(s), "sentinel {s} in a log line: {line}");
        }
    }
}
