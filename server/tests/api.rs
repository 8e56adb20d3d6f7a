//! The HTTP API end to end: a server on an ephemeral port and a real client.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use hyper::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_metrics_openapi_layouts_schema() {
    let dir = tempdir("routes");
    let s = Server::start(config(&dir)).await;

    let r = s.get("/healthz", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["status"], "ok");
    let r = s.get("/readyz", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["workers"], 2);

    // OpenAPI lists every route.
    let doc = s.get("/openapi.json", None).await.json();
    for p in [
        "/v1/certificates",
        "/v1/layouts",
        "/v1/layouts/{id}/schema",
        "/v1/issuances/{serial}/cancel",
        "/v1/issuances",
        "/v1/verify",
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
    ] {
        assert!(doc["paths"].get(p).is_some(), "openapi lacks {p}");
    }

    // Layouts need a token.
    let r = s.get("/v1/layouts", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["error"], "unauthorized");
    let r = s.get("/v1/layouts", Some("not-a-token")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = s.get("/v1/layouts", Some(KIOSK)).await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    let ids: Vec<&str> = v["layouts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"juminhyo"), "{ids:?}");
    assert!(v["municipalities"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["id"] == "mihon-shi" && m["specimen"] == true));

    let r = s.get("/v1/layouts/juminhyo/schema", Some(QA)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["type"], "object");
    let r = s.get("/v1/layouts/nope/schema", Some(QA)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"], "not_found");
    let r = s.get("/no/such/route", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"], "not_found");

    let r = s.get("/metrics", None).await;
    assert_eq!(r.status, StatusCode::OK);
    let text = String::from_utf8(r.body.to_vec()).unwrap();
    assert!(
        text.contains("shomei_requests_total{route=\"/v1/layouts\",status=\"401\"} 2"),
        "{text}"
    );
    assert!(
        text.contains("shomei_errors_total{kind=\"unauthorized\"} 2"),
        "{text}"
    );
    assert!(text.contains("shomei_queue_depth 0"));
    assert!(text.contains("shomei_render_seconds_bucket{le=\"+Inf\"}"));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_pdf_png_and_every_error_status() {
    let dir = tempdir("issue");
    let mut cfg = config(&dir);
    cfg.max_body_bytes = Some(64 * 1024);
    let s = Server::start(cfg).await;

    // PDF.
    let r = s
        .post("/v1/certificates", Some(KIOSK), &juminhyo("mihon-shi"))
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(r.header("content-type"), "application/pdf");
    assert!(r.body.starts_with(b"%PDF-"));
    let serial = r.header("x-shomei-serial");
    assert_eq!(serial.len(), 8);
    assert!(serial.bytes().all(|b| b.is_ascii_digit()));
    let pages: usize = r.header("x-shomei-pages").parse().unwrap();
    assert!(pages >= 1);
    // The fixed clock: 01:00 UTC is 10:00 in Japan.
    assert_eq!(r.header("x-shomei-issued-at"), "2026-11-24T10:00:00+09:00");
    assert!(!r.header("x-request-id").is_empty());

    // Serials increase.
    let r2 = s
        .post("/v1/certificates", Some(COUNTER), &juminhyo("mihon-shi"))
        .await;
    assert_eq!(r2.status, StatusCode::OK);
    let serial2 = r2.header("x-shomei-serial");
    assert!(serial2 > serial, "{serial2} after {serial}");

    // PNG: one page is image/png; several pages are multipart/mixed, one part per page.
    let mut png = juminhyo("mihon-shi");
    png["format"] = json!("png");
    png["dpi"] = json!(50);
    let r = s.post("/v1/certificates", Some(KIOSK), &png).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let pages: usize = r.header("x-shomei-pages").parse().unwrap();
    let ct = r.header("content-type");
    if pages == 1 {
        assert_eq!(ct, "image/png");
        assert!(r.body.starts_with(b"\x89PNG"));
    } else {
        assert!(ct.starts_with("multipart/mixed; boundary="), "{ct}");
        let parts = r
            .body
            .windows(8)
            .filter(|w| *w == b"\x89PNG\r\n\x1a\n")
            .count();
        assert_eq!(parts, pages);
    }

    // 400: malformed JSON.
    let r = s
        .call(
            Method::POST,
            "/v1/certificates",
            Some(KIOSK),
            Some(b"{\"layout\":".to_vec()),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"], "malformed_json");

    // 422: each names the field.
    let mut bad = juminhyo("mihon-shi");
    bad.as_object_mut().unwrap().remove("layout");
    let r = s.post("/v1/certificates", Some(KIOSK), &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "layout");

    let mut bad = juminhyo("mihon-shi");
    bad["layout"] = json!("no-such-layout");
    let r = s.post("/v1/certificates", Some(KIOSK), &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "layout");

    let mut bad = juminhyo("mihon-shi");
    bad["data"]["members"][1]["birth_date"] = json!("2026-02-30");
    let r = s.post("/v1/certificates", Some(KIOSK), &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let v = r.json();
    assert_eq!(v["field"], "data.members[1].birth_date", "{v}");
    assert!(!v["message"].as_str().unwrap().contains("2026-02-30"));

    let mut bad = juminhyo("mihon-shi");
    bad["copies"] = json!(0);
    let r = s.post("/v1/certificates", Some(KIOSK), &bad).await;
    assert_eq!(r.json()["field"], "copies");

    let mut bad = juminhyo("mihon-shi");
    bad["format"] = json!("png");
    bad["dpi"] = json!(5000);
    let r = s.post("/v1/certificates", Some(KIOSK), &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "dpi");

    // 401, 403.
    let r = s
        .post("/v1/certificates", None, &juminhyo("mihon-shi"))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = s
        .post("/v1/certificates", Some(QA), &juminhyo("hontou-shi"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"], "forbidden");
    let r = s
        .post("/v1/certificates", Some(QA), &juminhyo("mihon-shi"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = s
        .post("/v1/certificates", Some(KIOSK), &juminhyo("hontou-shi"))
        .await;
    assert_eq!(r.status, StatusCode::OK);

    // 413.
    let mut big = juminhyo("mihon-shi");
    big["data"]["address"] = json!("見".repeat(40_000));
    let r = s
        .post_head_only(
            "/v1/certificates",
            Some(KIOSK),
            "application/json",
            serde_json::to_vec(&big).unwrap().len(),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json()["error"], "too_large");
    // Without a declared length the limit holds as the body arrives.
    let r = s
        .post_chunked_prefix(
            "/v1/certificates",
            Some(KIOSK),
            "application/json",
            &vec![b' '; 64 * 1024 + 1],
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("larger than 65536 bytes"),
        "{}",
        r.json()
    );

    // Nothing a client sent gave a 500.
    let text = String::from_utf8(s.get("/metrics", None).await.body.to_vec()).unwrap();
    assert!(!text.contains("status=\"500\""), "{text}");
    assert!(text.contains("shomei_certificates_total 5"), "{text}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_at_once_each_200_or_503() {
    let dir = tempdir("busy");
    let mut cfg = config(&dir);
    cfg.workers = Some(1);
    cfg.queue = Some(2);
    let s = std::sync::Arc::new(Server::start(cfg).await);
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            s.post("/v1/certificates", Some(KIOSK), &juminhyo("mihon-shi"))
                .await
        }));
    }
    let (mut ok, mut busy) = (0, 0);
    let mut serials = std::collections::BTreeSet::new();
    for t in tasks {
        let r = t.await.unwrap();
        match r.status {
            StatusCode::OK => {
                ok += 1;
                assert!(serials.insert(r.header("x-shomei-serial")));
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                busy += 1;
                assert_eq!(r.header("retry-after"), "1");
                assert_eq!(r.json()["error"], "busy");
            }
            other => panic!("status {other}: {}", String::from_utf8_lossy(&r.body)),
        }
    }
    assert_eq!(ok + busy, 50);
    assert!(ok >= 1);
    eprintln!("50 at once on 1 worker, queue 2: {ok} × 200, {busy} × 503");
    match std::sync::Arc::try_unwrap(s) {
        Ok(s) => s.stop().await,
        Err(_) => panic!("server still shared"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_and_counts() {
    let dir = tempdir("cancel");
    let s = Server::start(config(&dir)).await;
    let mut serials = Vec::new();
    for tok in [KIOSK, KIOSK, COUNTER] {
        let r = s
            .post("/v1/certificates", Some(tok), &juminhyo("mihon-shi"))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        serials.push(r.header("x-shomei-serial"));
    }
    let mut copies = juminhyo("mihon-shi");
    copies["copies"] = json!(3);
    let r = s.post("/v1/certificates", Some(COUNTER), &copies).await;
    assert_eq!(r.status, StatusCode::OK);
    let pages: u64 = r.header("x-shomei-pages").parse().unwrap();

    // Only admin cancels.
    let path = format!("/v1/issuances/{}/cancel", serials[0]);
    let r = s.call(Method::POST, &path, Some(KIOSK), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = s.call(Method::POST, &path, Some(ADMIN), None).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(r.json()["serial"], serials[0].as_str());
    assert_eq!(r.json()["cancelled_at"], "2026-11-24T10:00:00+09:00");
    let r = s.call(Method::POST, &path, Some(ADMIN), None).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = s
        .call(
            Method::POST,
            "/v1/issuances/99999999/cancel",
            Some(ADMIN),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = s
        .call(Method::POST, "/v1/issuances/abc/cancel", Some(ADMIN), None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "serial");

    // Counts.
    let r = s.get("/v1/issuances?date=2026-11-24", Some(COUNTER)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = s.get("/v1/issuances?date=2026-13-01", Some(ADMIN)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "date");
    let v = s
        .get("/v1/issuances?date=2026-11-24", Some(ADMIN))
        .await
        .json();
    assert_eq!(v["issued"], 4, "{v}");
    assert_eq!(v["cancelled"], 1);
    let rows = v["counts"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{v}");
    assert_eq!(rows[0]["terminal"], "counter-01");
    assert_eq!(rows[0]["category"], "counter");
    assert_eq!(rows[0]["issued"], 2);
    assert_eq!(rows[0]["copies"], 4);
    assert_eq!(rows[1]["terminal"], "kiosk-01");
    assert_eq!(rows[1]["category"], "kiosk");
    assert_eq!(rows[1]["issued"], 2);
    assert_eq!(rows[1]["cancelled"], 1);
    assert_eq!(rows[0]["pages"].as_u64().unwrap(), pages * 4);
    // No personal data in the counts.
    assert!(!v.to_string().contains("見本　太郎"));
    // Without a date: today in Japan by the server's clock.
    let v = s.get("/v1/issuances", Some(ADMIN)).await.json();
    assert_eq!(v["date"], "2026-11-24");
    let v = s
        .get("/v1/issuances?date=2026-11-25", Some(ADMIN))
        .await
        .json();
    assert_eq!(v["issued"], 0);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_keeps_the_ledger_and_never_reuses_a_serial() {
    let dir = tempdir("restart");
    let s = Server::start(config(&dir)).await;
    let mut before = Vec::new();
    for _ in 0..2 {
        let r = s
            .post("/v1/certificates", Some(KIOSK), &juminhyo("mihon-shi"))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        before.push(r.header("x-shomei-serial"));
    }
    s.stop().await;

    let s = Server::start(config(&dir)).await;
    let r = s
        .post("/v1/certificates", Some(KIOSK), &juminhyo("mihon-shi"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let after = r.header("x-shomei-serial");
    assert!(
        before.iter().all(|b| *b < after),
        "{after} after {before:?}"
    );
    let v = s
        .get("/v1/issuances?date=2026-11-24", Some(ADMIN))
        .await
        .json();
    assert_eq!(v["issued"], 3, "{v}");
    // The first serial is still known to the ledger after the restart.
    let path = format!("/v1/issuances/{}/cancel", before[0]);
    let r = s.call(Method::POST, &path, Some(ADMIN), None).await;
    assert_eq!(r.status, StatusCode::OK);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_answers_429() {
    let dir = tempdir("rate");
    let mut cfg = config(&dir);
    cfg.rate_per_minute = Some(1);
    let s = Server::start(cfg).await;
    let r = s
        .post("/v1/certificates", Some(KIOSK), &juminhyo("mihon-shi"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = s
        .post("/v1/certificates", Some(KIOSK), &juminhyo("mihon-shi"))
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.header("retry-after"), "60");
    // Another terminal has its own window.
    let r = s
        .post("/v1/certificates", Some(COUNTER), &juminhyo("mihon-shi"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    s.stop().await;
}

/// The parts of a `multipart/mixed` answer, in order.
fn parts(content_type: &str, body: &[u8]) -> Vec<Vec<u8>> {
    let boundary = content_type.split("boundary=").nth(1).unwrap();
    let delim = format!("\r\n--{boundary}");
    let mut body = body.to_vec();
    body.splice(0..0, b"\r\n".iter().copied());
    let mut out = Vec::new();
    let mut rest = &body[..];
    while let Some(i) = find(rest, delim.as_bytes()) {
        rest = &rest[i + delim.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let head = find(rest, b"\r\n\r\n").unwrap() + 4;
        let end = find(&rest[head..], delim.as_bytes()).unwrap();
        out.push(rest[head..head + end].to_vec());
        rest = &rest[head + end..];
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_payload_and_scan_every_verdict() {
    use base64::Engine as _;
    use shomei_engine::signed;

    let dir = tempdir("verify");
    let mut cfg = config(&dir);
    cfg.max_scan_bytes = Some(8 << 20);
    let s = Server::start(cfg).await;

    // Issue a two-sided 印鑑登録証明書 as PNG: the back carries the signed code.
    let req = json!({
        "layout": "inkan", "municipality": "mihon-shi", "data": sample("inkan.json"),
        "format": "png", "dpi": 200,
    });
    let r = s.post("/v1/certificates", Some(KIOSK), &req).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let serial: u64 = r.header("x-shomei-serial").parse().unwrap();
    let r_digest = r.header("x-shomei-data-digest");
    assert_eq!(r_digest.len(), 32, "{r_digest}");
    let pages = parts(&r.header("content-type"), &r.body);
    assert_eq!(pages.len(), 2);
    let (front, back) = (pages[0].clone(), pages[1].clone());
    assert!(back.starts_with(b"\x89PNG"));

    // The scan of the back: genuine, with the signed fields; every role may verify.
    let scan = |tok: &'static str, bytes: Vec<u8>| {
        let s = &s;
        async move {
            s.send(
                Method::POST,
                "/v1/verify",
                Some(tok),
                Some("image/png"),
                Some(bytes),
            )
            .await
        }
    };
    for tok in [QA, KIOSK, COUNTER, ADMIN] {
        let r = scan(tok, back.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&r.body)
        );
        let v = r.json();
        assert_eq!(v["verdict"], "genuine", "{v}");
        let c = &v["codes"][0];
        assert_eq!(c["serial"], serial);
        assert_eq!(c["issuer"], "999991");
        assert_eq!(c["doc_type"], 3);
        assert_eq!(c["issued_on"], "2026-11-24");
        assert_eq!(c["page"], 1);
        assert_eq!(c["pages"], 1);
        assert_eq!(c["key_id"], 1);
        assert_eq!(c["in_ledger"], true);
        // The issuance's data digest is the one its code carries.
        assert_eq!(c["digest"], r_digest.as_str(), "{v}");
    }

    // The payload itself, as hex and as base64.
    let img = image::load_from_memory(&back).unwrap().into_luma8();
    let payload = signed::decode_codes(img.width() as usize, img.height() as usize, img.as_raw())
        .pop()
        .unwrap();
    let verify_payload = |p: String| {
        let s = &s;
        async move {
            s.post("/v1/verify", Some(QA), &json!({ "payload": p }))
                .await
        }
    };
    let hex: String = payload.iter().map(|b| format!("{b:02x}")).collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&payload);
    for p in [hex, b64] {
        let r = verify_payload(p).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["verdict"], "genuine");
    }
    let b64 = |p: &[u8]| base64::engine::general_purpose::STANDARD.encode(p);
    // One bit of the digest changed: altered.
    let mut altered = payload.clone();
    altered[25] ^= 1;
    let v = verify_payload(b64(&altered)).await.json();
    assert_eq!(v["verdict"], "altered", "{v}");
    // A key id no profile names: unknown key.
    let mut unknown = payload.clone();
    unknown[4] = 77;
    let v = verify_payload(b64(&unknown)).await.json();
    assert_eq!(v["verdict"], "unknown_key", "{v}");
    // Signed with another municipality's key (角区) while naming 見本市's: wrong key.
    let other =
        std::fs::read_to_string(repo().join("layouts/municipalities/keys/kaku-ku.test.key"))
            .unwrap();
    let other = signed::parse_private_key(&other, 1, "kaku-ku").unwrap();
    let forged = signed::sign(&signed::parse(&payload).unwrap(), &other);
    let v = verify_payload(b64(&forged)).await.json();
    assert_eq!(v["verdict"], "wrong_key", "{v}");

    // Cancelled in the ledger: the same scan is now cancelled.
    let path = format!("/v1/issuances/{serial:08}/cancel");
    let r = s.call(Method::POST, &path, Some(ADMIN), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let v = scan(COUNTER, back.clone()).await.json();
    assert_eq!(v["verdict"], "cancelled", "{v}");
    assert_eq!(v["codes"][0]["serial"], serial);

    // Nothing readable: 422 with {error, message}.
    let r = scan(QA, front).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let v = r.json();
    assert_eq!(v["error"], "unreadable");
    assert!(
        v["message"].as_str().unwrap().contains("no signed code"),
        "{v}"
    );
    let r = scan(QA, b"not an image".to_vec()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"], "unreadable");
    let r = verify_payload("%%%".into()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "payload");
    // Wrong media type, no token, too large.
    let r = s
        .send(
            Method::POST,
            "/v1/verify",
            Some(QA),
            Some("text/plain"),
            Some(b"x".to_vec()),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Refused before the body is read: the server does not take a scan from no one.
    let r = s
        .post_head_only("/v1/verify", None, "image/png", back.len())
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // The scan limit (8 MiB here) replaces the general body limit (4 MiB) on this route.
    let r = scan(QA, vec![0u8; 6 << 20]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = s
        .post_head_only("/v1/verify", Some(QA), "image/png", 9 << 20)
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json()["error"], "too_large");

    let text = String::from_utf8(s.get("/metrics", None).await.body.to_vec()).unwrap();
    assert!(
        text.contains("shomei_verifies_total{verdict=\"genuine\"} 6"),
        "{text}"
    );
    assert!(
        text.contains("shomei_verifies_total{verdict=\"cancelled\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("shomei_verifies_total{verdict=\"unreadable\"} 3"),
        "{text}"
    );
    assert!(!text.contains("status=\"500\""), "{text}");
    s.stop().await;
}
