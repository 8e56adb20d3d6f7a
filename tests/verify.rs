//! `shomei verify`: a genuine render exits 0 with its signed fields; another key, a cancelled
//! serial exit 3; a page with no code exits 2.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

fn shomei() -> Command {
    Command::new(env!("CARGO_BIN_EXE_shomei"))
}

#[test]
fn verify_contract() {
    let dir = std::env::temp_dir().join(format!("shomei-verify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/layouts/samples/inkan.json"
    ))
    .unwrap();
    let data = dir.join("in.json");
    std::fs::write(&data, sample).unwrap();
    let out = dir.join("cert.png");
    let o = shomei()
        .args([
            "render",
            "--layout",
            "inkan",
            "--format",
            "png",
            "--dpi",
            "200",
            "--issued-on",
            "2026-11-24",
            "--serial",
            "見本第000777-01号",
            "--data",
        ])
        .arg(&data)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (front, back) = (dir.join("cert-1.png"), dir.join("cert-2.png"));

    let o = shomei()
        .arg("verify")
        .arg(&back)
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["verdict"], "genuine");
    assert_eq!(v["codes"][0]["serial"], 77701);
    assert_eq!(v["codes"][0]["issuer"], "999991");
    assert_eq!(v["codes"][0]["issued_on"], "2026-11-24");
    assert_eq!(v["codes"][0]["doc_type"], 3);

    let o = shomei()
        .arg("verify")
        .arg(&back)
        .args(["--json", "--cancelled", "77701"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()["verdict"],
        "cancelled"
    );

    // Another municipality's public key trusted in place of the issuer's: the signature fails.
    let other = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/layouts/municipalities/keys/kaku-ku.test.pub"
    );
    let o = shomei()
        .arg("verify")
        .arg(&back)
        .args(["--json", "--key", other])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()["verdict"],
        "altered"
    );

    // The front carries no code.
    let o = shomei().arg("verify").arg(&front).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}

/// `shomei verify BACK --descramble OUT`: the scrambled image on the back of a 300-dpi render
/// decodes, with the serial of the signed code and the specimen's test scramble key, to the
/// front reduced to 4 levels.
#[test]
fn verify_descramble() {
    let dir = std::env::temp_dir().join(format!("shomei-descramble-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/layouts/samples/inkan.json");
    let out = dir.join("cert.png");
    let o = shomei()
        .args([
            "render", "--layout", "inkan", "--format", "png", "--dpi", "300",
        ])
        .args(["--serial", "見本第000778-01号", "--data", data])
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let front_png = dir.join("front.png");
    let o = shomei()
        .arg("verify")
        .arg(dir.join("cert-2.png"))
        .arg("--descramble")
        .arg(&front_png)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let img = image::open(&front_png).unwrap().to_luma8();
    // The front inside the security frame at about 70 dpi: portrait, mostly paper, some text.
    assert!(img.width() > 450 && img.height() > img.width());
    let dark = img.as_raw().iter().filter(|v| **v < 128).count() as f64 / img.as_raw().len() as f64;
    assert!(dark > 0.005 && dark < 0.3, "dark fraction {dark}");
    // The front carries no scrambled image.
    let o = shomei()
        .arg("verify")
        .arg(dir.join("cert-1.png"))
        .arg("--descramble")
        .arg(dir.join("x.png"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}
