//! The `shomei text` contract: JSON shape and exit codes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

fn shomei() -> Command {
    Command::new(env!("CARGO_BIN_EXE_shomei"))
}

#[test]
fn json_reports_cells_and_ink_in_millimetres() {
    let out = shomei()
        .args(["text", "--json", "--box", "30x120", "令和7年12月、"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["size_pt"], 10.5);
    let glyphs = v["lines"][0]["glyphs"].as_array().unwrap();
    let texts: Vec<&str> = glyphs.iter().map(|g| g["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["令", "和", "7", "年", "12", "月", "、"]);
    let g12 = &glyphs[4];
    assert_eq!(g12["tcy"], true);
    assert_eq!(g12["rotated"], false);
    assert_eq!(g12["cell"].as_array().unwrap().len(), 4);
    assert!(g12["glyph_id"].as_u64().is_some());
    assert_eq!(g12["font"], "biz-ud-mincho");
    let blank = shomei()
        .args(["text", "--json", "--mode", "horizontal", "見　本"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&blank.stdout).unwrap();
    assert!(
        v["lines"][0]["glyphs"][1]["ink"].is_null(),
        "a blank has no ink"
    );
}

#[test]
fn overflow_and_missing_glyph_exit_2_with_one_line() {
    let out = shomei()
        .args([
            "text",
            "--box",
            "10x10",
            "--fit",
            "",
            "見本県架空市本町一丁目二番三号",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("does not fit"), "{err}");

    let out = shomei().args(["text", "見本\u{10FFFD}"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("U+10FFFD"), "{err}");
    assert_eq!(err.trim().lines().count(), 1);
}
