//! `shomei render` and the engine's render path: every layout renders, pages have the right
//! size, households paginate with the footer on the last page only, bad input fails naming the
//! field and leaves no file behind.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, OnceLock};

use shomei_engine::layout::{default_layout_dir, Catalog, Request};
use shomei_engine::render::{Format, OutputOptions, Renderer};
use shomei_engine::text::wareki::Date;
use shomei_engine::text::FontDb;
use shomei_engine::{Ink, Item};

fn renderer() -> &'static Renderer {
    static R: OnceLock<Renderer> = OnceLock::new();
    R.get_or_init(|| {
        let catalog = Catalog::load_dir(&default_layout_dir()).expect("layouts load");
        Renderer::new(FontDb::shared().expect("fonts"), Arc::new(catalog))
    })
}

fn sample(layout: &str) -> serde_json::Value {
    let path = default_layout_dir()
        .join("samples")
        .join(format!("{layout}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn issued() -> Date {
    Date::new(2026, 11, 24).unwrap()
}

fn req<'a>(layout: &'a str, data: &'a serde_json::Value) -> Request<'a> {
    Request {
        layout,
        municipality: "mihon-shi",
        data,
        items: None,
        serial: "見本第000001-01号",
        issued_on: issued(),
    }
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    let d = png::Decoder::new(std::io::Cursor::new(bytes));
    let r = d.read_info().unwrap();
    (r.info().width, r.info().height)
}

#[test]
fn every_layout_renders_its_sample_to_pdf_and_png_of_the_right_size() {
    let r = renderer();
    let ids: Vec<String> = r.catalog().layouts().map(|t| t.id.clone()).collect();
    assert!(ids.len() >= 3);
    for id in &ids {
        let data = sample(id);
        let pdf = r
            .render(
                &req(id, &data),
                &OutputOptions {
                    format: Format::Pdf,
                    ..OutputOptions::default()
                },
            )
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        assert!(pdf.files[0].starts_with(b"%PDF-"));
        let png = r
            .render(
                &req(id, &data),
                &OutputOptions {
                    format: Format::Png,
                    dpi: 60,
                    ..OutputOptions::default()
                },
            )
            .unwrap();
        assert_eq!(png.files.len(), png.pages);
        for f in &png.files {
            // round(210/25.4·60) × round(297/25.4·60)
            assert_eq!(png_size(f), (496, 702), "{id}");
        }
    }
}

#[test]
fn a_household_paginates_with_the_footer_on_the_last_page_only() {
    let r = renderer();
    let mut data = sample("juminhyo");
    let members = data["members"].as_array().unwrap().clone();
    for n in [1usize, 4, 5, 9, 12] {
        let list: Vec<serde_json::Value> =
            (0..n).map(|i| members[i % members.len()].clone()).collect();
        data["members"] = serde_json::Value::Array(list);
        let doc = r.compose(&req("juminhyo", &data)).unwrap();
        // Every sheet is duplex: front, back, front, back …
        let sheets = n.div_ceil(4);
        let pages: Vec<_> = doc.pages.iter().collect();
        assert_eq!(pages.len(), 2 * sheets, "{n} members");
        let fronts: Vec<_> = pages.iter().step_by(2).collect();
        for (i, p) in fronts.iter().enumerate() {
            // The official seal (red) is part of the footer: on the last sheet only.
            let red = p.base.items.iter().any(|it| match it {
                Item::Shape(s) => s.ink == Ink::Red,
                Item::Image(im) => im.ink == Ink::Red,
                _ => false,
            });
            assert_eq!(red, i + 1 == sheets, "{n} members, sheet {}", i + 1);
        }
        // Every back shares one static base; so do the middle fronts.
        for b in pages.iter().skip(1).step_by(2) {
            assert!(Arc::ptr_eq(&b.base, &pages[1].base));
        }
        if sheets >= 3 {
            assert!(Arc::ptr_eq(&fronts[1].base, &fronts[sheets - 2].base));
        }
    }
}

#[test]
fn same_request_same_bytes() {
    let r = renderer();
    let data = sample("juminhyo");
    let a = r
        .render(
            &req("juminhyo", &data),
            &OutputOptions {
                format: Format::Pdf,
                ..OutputOptions::default()
            },
        )
        .unwrap();
    let b = r
        .render(
            &req("juminhyo", &data),
            &OutputOptions {
                format: Format::Pdf,
                ..OutputOptions::default()
            },
        )
        .unwrap();
    assert_eq!(a, b);
    let a = r
        .render(
            &req("inkan", &sample("inkan")),
            &OutputOptions {
                format: Format::Png,
                dpi: 60,
                ..OutputOptions::default()
            },
        )
        .unwrap();
    let b = r
        .render(
            &req("inkan", &sample("inkan")),
            &OutputOptions {
                format: Format::Png,
                dpi: 60,
                ..OutputOptions::default()
            },
        )
        .unwrap();
    assert_eq!(a, b);
}

#[test]
fn optional_items_are_chosen_per_request() {
    let r = renderer();
    let data = sample("juminhyo");
    // Naming items replaces the defaults (世帯主・続柄, 外国人住民の記載事項) with exactly those named.
    let base = ["setainushi".to_string(), "gaikokujin".to_string()];
    let items = [base[0].clone(), base[1].clone(), "kojin_bango".to_string()];
    let with = r
        .compose(&Request {
            items: Some(&items),
            ..req("juminhyo", &data)
        })
        .unwrap();
    let without = r
        .compose(&Request {
            items: Some(&base),
            ..req("juminhyo", &data)
        })
        .unwrap();
    let defaults = r.compose(&req("juminhyo", &data)).unwrap();
    assert_eq!(without, defaults);
    // The 個人番号 (12 digits and two spaces) replaces （省略）: more glyphs on the first page.
    assert!(with.pages[0].own.items.len() > without.pages[0].own.items.len());
    let bad = vec!["nonexistent".to_string()];
    let e = r
        .compose(&Request {
            items: Some(&bad),
            ..req("juminhyo", &data)
        })
        .unwrap_err();
    assert_eq!(e.field(), Some("items[0]"));
}

fn shomei() -> Command {
    Command::new(env!("CARGO_BIN_EXE_shomei"))
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("shomei-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Renders `data` through the CLI and expects exit 2, a message naming `field`, and no file.
fn expect_rejected(name: &str, layout: &str, data: &str, field: &str, extra: &[&str]) {
    let dir = tmpdir(name);
    let input = dir.join("in.json");
    std::fs::write(&input, data).unwrap();
    let out = dir.join("out.pdf");
    let o = shomei()
        .args(["render", "--layout", layout, "--data"])
        .arg(&input)
        .args(["--issued-on", "2026-11-24", "-o"])
        .arg(&out)
        .args(extra)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{name}: {err}");
    assert!(
        err.contains(field),
        "{name}: message does not name {field}: {err}"
    );
    assert!(!out.exists(), "{name}: an output file was left behind");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name() != "in.json")
        .collect();
    assert!(leftovers.is_empty(), "{name}: {leftovers:?}");
    std::fs::remove_dir_all(&dir).ok();
}

fn juminhyo_with(f: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut v = sample("juminhyo");
    f(&mut v);
    v.to_string()
}

#[test]
fn bad_input_exits_2_naming_the_field_and_leaves_no_file() {
    expect_rejected(
        "unknown",
        "juminhyo",
        &juminhyo_with(|v| v["members"][1]["nickname"] = "x".into()),
        "members[1].nickname",
        &[],
    );
    expect_rejected(
        "missing",
        "juminhyo",
        &juminhyo_with(|v| {
            v["members"][0]
                .as_object_mut()
                .unwrap()
                .remove("birth_date");
        }),
        "members[0].birth_date",
        &[],
    );
    expect_rejected(
        "type",
        "juminhyo",
        &juminhyo_with(|v| v["members"][2]["gender"] = 1.into()),
        "members[2].gender",
        &[],
    );
    expect_rejected(
        "feb30",
        "juminhyo",
        &juminhyo_with(|v| v["members"][1]["birth_date"] = "1990-02-30".into()),
        "members[1].birth_date",
        &[],
    );
    expect_rejected(
        "pre-meiji",
        "juminhyo",
        &juminhyo_with(|v| v["members"][0]["birth_date"] = "1872-12-31".into()),
        "members[0].birth_date",
        &[],
    );
    expect_rejected(
        "future",
        "juminhyo",
        &juminhyo_with(|v| v["members"][0]["birth_date"] = "2027-01-01".into()),
        "members[0].birth_date",
        &[],
    );
    expect_rejected(
        "long",
        "juminhyo",
        &juminhyo_with(|v| v["address"] = "見".repeat(81).into()),
        "address",
        &[],
    );
    expect_rejected(
        "kojin",
        "juminhyo",
        &juminhyo_with(|v| v["members"][0]["kojin_bango"] = "123456789012".into()),
        "members[0].kojin_bango",
        &[],
    );
    expect_rejected(
        "choice",
        "juminhyo",
        &juminhyo_with(|v| v["members"][0]["gender"] = "男性".into()),
        "members[0].gender",
        &[],
    );
    expect_rejected(
        "malformed",
        "juminhyo",
        "{\n  \"address\": \"見本\",\n  \"head\": \n}",
        "line 4 column 1",
        &[],
    );
    expect_rejected(
        "item",
        "juminhyo",
        &juminhyo_with(|_| {}),
        "items[1]",
        &["--items", "honseki,bogus"],
    );
    expect_rejected("layout", "nonexistent", "{}", "layout", &[]);
    expect_rejected(
        "missing-glyph",
        "juminhyo",
        &juminhyo_with(|v| v["members"][3]["name"] = "見本\u{10FFFD}".into()),
        "U+10FFFD",
        &[],
    );
    // 50 kanji fit the declared maximum but not the name box at its smallest size.
    expect_rejected(
        "overflow",
        "juminhyo",
        &juminhyo_with(|v| v["members"][1]["name"] = "見本".repeat(25).into()),
        "members[1].name",
        &[],
    );
}

#[test]
fn era_boundaries_print_right() {
    use shomei_engine::text::wareki::{format_wareki, DigitStyle};
    let d = |s: &str| Date::parse_iso(s).unwrap();
    assert_eq!(
        format_wareki(d("1989-01-07"), DigitStyle::Arabic).unwrap(),
        "昭和64年1月7日"
    );
    assert_eq!(
        format_wareki(d("1989-01-08"), DigitStyle::Arabic).unwrap(),
        "平成元年1月8日"
    );
    // Through the whole flow: the sample's 1989-01-07 birth date binds and renders.
    let mut v = sample("juminhyo");
    v["members"][0]["birth_date"] = "1989-01-07".into();
    v["members"][1]["birth_date"] = "1989-01-08".into();
    renderer().compose(&req("juminhyo", &v)).unwrap();
}

#[test]
fn png_output_of_several_pages_is_one_file_per_page() {
    let dir = tmpdir("pages");
    let data = dir.join("in.json");
    let mut v = sample("juminhyo");
    let m = v["members"][0].clone();
    v["members"] = serde_json::Value::Array(vec![m; 6]);
    std::fs::write(&data, v.to_string()).unwrap();
    let o = shomei()
        .args([
            "render",
            "--layout",
            "juminhyo",
            "--format",
            "png",
            "--dpi",
            "50",
            "--issued-on",
            "2026-11-24",
            "--data",
        ])
        .arg(&data)
        .arg("-o")
        .arg(dir.join("cert.png"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(dir.join("cert-1.png").exists() && dir.join("cert-2.png").exists());
    assert!(!dir.join("cert.png").exists());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_registered_impression_can_come_as_a_file_on_the_cli() {
    use base64::Engine as _;
    let dir = tmpdir("seal-path");
    let mut v = sample("inkan");
    let png = base64::engine::general_purpose::STANDARD
        .decode(v["seal"]["base64"].as_str().unwrap())
        .unwrap();
    v.as_object_mut().unwrap().remove("seal");
    std::fs::write(dir.join("in.json"), v.to_string()).unwrap();
    std::fs::write(dir.join("seal.png"), png).unwrap();
    let run = |size: &str, out: &str| {
        shomei()
            .args([
                "render",
                "--layout",
                "inkan",
                "--issued-on",
                "2026-11-24",
                "--seal-size-mm",
                size,
                "--data",
            ])
            .arg(dir.join("in.json"))
            .arg("--seal")
            .arg(dir.join("seal.png"))
            .arg("-o")
            .arg(dir.join(out))
            .output()
            .unwrap()
    };
    let ok = run("15", "ok.pdf");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    // 30 mm does not fit the 25 mm registration limit: named, exit 2, no file.
    let bad = run("30", "bad.pdf");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("seal"));
    assert!(!dir.join("bad.pdf").exists());
    std::fs::remove_dir_all(&dir).ok();
}
