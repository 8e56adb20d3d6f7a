//! `shomei render-batch`: a JSON-lines file and a directory render in input order (one file per
//! request, PNG pages `NNNNNN-P.png`), the summary line counts requests and pages; a malformed
//! request stops the batch before anything is written, naming the line and the field; a request
//! whose data fails to render is reported by number and field, the others are written whole.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

fn shomei() -> Command {
    Command::new(env!("CARGO_BIN_EXE_shomei"))
}

fn sample(layout: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("layouts/samples")
        .join(format!("{layout}.json"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("shomei-batch-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn req(layout: &str, format: &str) -> Value {
    json!({
        "layout": layout,
        "municipality": "mihon-shi",
        "data": sample(layout),
        "format": format,
        "dpi": 50,
        "issued_on": "2026-11-24",
    })
}

fn batch(input: &Path, out: &Path) -> Output {
    shomei()
        .arg("render-batch")
        .arg(input)
        .arg("-o")
        .arg(out)
        .args(["--workers", "2", "--quiet"])
        .output()
        .unwrap()
}

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn jsonl(path: &Path, reqs: &[Value]) {
    let text: Vec<String> = reqs.iter().map(|r| r.to_string()).collect();
    std::fs::write(path, text.join("\n") + "\n").unwrap();
}

#[test]
fn json_lines_render_in_order_with_a_summary() {
    let dir = tempdir("jsonl");
    let input = dir.join("in.jsonl");
    // PDF, two-sided PNG (front and back), PDF: the names and kinds show the order.
    jsonl(
        &input,
        &[
            req("juminhyo", "pdf"),
            req("inkan", "png"),
            req("inkan", "pdf"),
        ],
    );
    let out = dir.join("out");
    let o = batch(&input, &out);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert_eq!(
        files(&out),
        ["000001.pdf", "000002-1.png", "000002-2.png", "000003.pdf"]
    );
    let read = |n: &str| std::fs::read(out.join(n)).unwrap();
    assert!(read("000001.pdf").starts_with(b"%PDF-"));
    assert!(read("000002-1.png").starts_with(b"\x89PNG"));
    assert!(read("000002-2.png").starts_with(b"\x89PNG"));
    assert!(read("000003.pdf").starts_with(b"%PDF-"));
    assert_ne!(read("000001.pdf"), read("000003.pdf"));
    // The summary: requests, failures, pages, rates (pages: 1 + 2 + 2 at least).
    let summary = err.lines().last().unwrap();
    assert!(
        summary.starts_with("3 requests (0 failed), "),
        "summary: {summary}"
    );
    let pages: usize = summary
        .split(", ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(pages >= 5, "{summary}");
    assert!(summary.contains("on 2 workers"), "{summary}");
    assert!(summary.contains("certificates/s") && summary.ends_with("pages/s"));
}

#[test]
fn a_directory_renders_in_file_name_order() {
    let dir = tempdir("dir");
    let input = dir.join("requests");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(input.join("b.json"), req("juminhyo", "pdf").to_string()).unwrap();
    std::fs::write(input.join("a.json"), req("inkan", "png").to_string()).unwrap();
    std::fs::write(input.join("notes.txt"), "not a request").unwrap();
    let out = dir.join("out");
    let o = batch(&input, &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(files(&out), ["000001-1.png", "000001-2.png", "000002.pdf"]);
}

#[test]
fn a_malformed_request_writes_nothing_and_names_the_field() {
    let dir = tempdir("bad");
    let input = dir.join("in.jsonl");
    let mut no_layout = req("juminhyo", "pdf");
    no_layout.as_object_mut().unwrap().remove("layout");
    jsonl(&input, &[req("juminhyo", "pdf"), no_layout]);
    let out = dir.join("out");
    let o = batch(&input, &out);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("line 2: layout"), "{err}");
    assert!(
        !out.exists(),
        "the batch wrote before checking every request"
    );

    let mut bad_dpi = req("juminhyo", "png");
    bad_dpi["dpi"] = json!("high");
    jsonl(&input, &[bad_dpi]);
    let o = batch(&input, &out);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("line 1: dpi"), "{err}");
    assert!(!out.exists());

    // Not JSON at all: the line is named.
    std::fs::write(&input, "{\"layout\":\n").unwrap();
    let o = batch(&input, &out);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("line 1"));
    assert!(!out.exists());
}

#[test]
fn a_request_that_fails_to_render_is_named_and_the_others_are_whole() {
    let dir = tempdir("fail");
    let input = dir.join("in.jsonl");
    let mut bad = req("juminhyo", "pdf");
    bad["data"]["members"][1]["birth_date"] = json!("2026-02-30");
    jsonl(
        &input,
        &[req("juminhyo", "pdf"), bad, req("juminhyo", "pdf")],
    );
    let out = dir.join("out");
    let o = batch(&input, &out);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.lines()
            .any(|l| l.starts_with("request 2: ") && l.contains("members[1].birth_date")),
        "{err}"
    );
    // The value itself is never echoed.
    assert!(!err.contains("2026-02-30"), "{err}");
    assert!(err.contains("3 requests (1 failed)"), "{err}");
    assert!(err.contains("1 of 3 requests failed"), "{err}");
    // No file for the failed request, no partial file anywhere.
    assert_eq!(files(&out), ["000001.pdf", "000003.pdf"]);
}
