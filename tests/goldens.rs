//! Goldens: the last front page of every layout's sample, 100 dpi grey PNG, under tests/goldens/.
//! A mismatch writes expected | difference | actual to target/golden-diff/ and names the file.
//! After an intended change, regenerate with `SHOMEI_BLESS=1 cargo test --test goldens` and look
//! at every changed image before committing it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use shomei_engine::layout::{default_layout_dir, Catalog, Request};
use shomei_engine::output::png::{encode_png, PngOptions};
use shomei_engine::render::Renderer;
use shomei_engine::text::wareki::Date;
use shomei_engine::text::FontDb;
use shomei_engine::{Ink, Item};

const DPI: u32 = 100;
/// A pixel differs when its grey level moves by more than this.
const PIXEL_TOLERANCE: u8 = 24;
/// A golden fails when more than this fraction of its pixels differ.
const MAX_DIFFERING: f64 = 0.0005;

fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut r = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    let mut buf = vec![0; r.output_buffer_size().unwrap()];
    let info = r.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

fn write_gray(path: &Path, w: u32, h: u32, data: &[u8]) {
    let f = std::fs::File::create(path).unwrap();
    let mut e = png::Encoder::new(std::io::BufWriter::new(f), w, h);
    e.set_color(png::ColorType::Grayscale);
    e.write_header().unwrap().write_image_data(data).unwrap();
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/goldens")
}

#[test]
fn goldens_match() {
    let catalog = Catalog::load_dir(&default_layout_dir()).unwrap();
    let r = Renderer::new(FontDb::shared().unwrap(), Arc::new(catalog));
    let bless = std::env::var_os("SHOMEI_BLESS").is_some();
    let diff_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/golden-diff");
    let mut failures = Vec::new();
    let mut expected_files = Vec::new();
    for t in r.catalog().layouts() {
        let path = default_layout_dir()
            .join("samples")
            .join(format!("{}.json", t.id));
        let data: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let req = Request {
            layout: &t.id,
            municipality: "mihon-shi",
            data: &data,
            items: None,
            serial: "見本第000123-01号",
            issued_on: Date::new(2026, 11, 24).unwrap(),
        };
        // The last front page: the one with the statement, the mayor's line and the seal.
        let doc = r.compose(&req).unwrap();
        let front = doc
            .pages
            .iter()
            .rev()
            .find(|p| {
                p.base.items.iter().any(|it| match it {
                    Item::Shape(s) => s.ink == Ink::Red,
                    Item::Image(i) => i.ink == Ink::Red,
                    _ => false,
                })
            })
            .unwrap_or_else(|| panic!("{}: no page with the official seal", t.id));
        let actual =
            &encode_png(&r.painter().paint_page(front, DPI), &PngOptions::default()).unwrap();
        let name = format!("{}.png", t.id);
        expected_files.push(name.clone());
        let golden = golden_dir().join(&name);
        if bless {
            std::fs::write(&golden, actual).unwrap();
            continue;
        }
        let Ok(expected) = std::fs::read(&golden) else {
            failures.push(format!(
                "{name}: no golden; run SHOMEI_BLESS=1 cargo test --test goldens and look at it"
            ));
            continue;
        };
        let (w, h, a) = decode(actual);
        let (we, he, e) = decode(&expected);
        if (w, h) != (we, he) {
            failures.push(format!("{name}: size {w}×{h}, golden {we}×{he}"));
            continue;
        }
        let differing = a
            .iter()
            .zip(&e)
            .filter(|(x, y)| x.abs_diff(**y) > PIXEL_TOLERANCE)
            .count();
        if differing as f64 > MAX_DIFFERING * a.len() as f64 {
            std::fs::create_dir_all(&diff_dir).unwrap();
            let mut side = vec![255u8; (w * 3 * h) as usize];
            for y in 0..h as usize {
                for x in 0..w as usize {
                    let i = y * w as usize + x;
                    let row = y * 3 * w as usize;
                    side[row + x] = e[i];
                    side[row + w as usize + x] = 255 - a[i].abs_diff(e[i]);
                    side[row + 2 * w as usize + x] = a[i];
                }
            }
            let diff_path = diff_dir.join(format!("{}-expected-diff-actual.png", t.id));
            write_gray(&diff_path, w * 3, h, &side);
            failures.push(format!(
                "{name}: {differing} pixels differ; see {}",
                diff_path.display()
            ));
        }
    }
    // A golden with no layout behind it is dead.
    for entry in std::fs::read_dir(golden_dir()).unwrap() {
        let n = entry.unwrap().file_name().to_string_lossy().into_owned();
        if n.ends_with(".png") && !expected_files.contains(&n) {
            failures.push(format!(
                "{n}: dead golden (no layout of that id); delete it"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "golden mismatches:\n{}",
        failures.join("\n")
    );
}
