//! The cost of the security print: a 住民票 page at 600 dpi PNG with and without the security
//! layers (warm caches), the per-request serial microtext, and the cold cost of building the
//! cached bases once (display list, 600-dpi paint, PDF form).
//!
//! `cargo bench --bench security -- --quick`

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use shomei_engine::layout::{default_layout_dir, Catalog, Request};
use shomei_engine::output::png::ColorMode;
use shomei_engine::render::{Format, OutputOptions, Renderer};
use shomei_engine::text::wareki::Date;
use shomei_engine::text::FontDb;
use shomei_engine::Document;

/// A copy of the layouts whose profiles have the security print switched off.
fn plain_layouts() -> PathBuf {
    let src = default_layout_dir();
    let dst = std::env::temp_dir().join(format!("shomei-bench-nosec-{}", std::process::id()));
    let copy = |from: &Path, to: &Path, extra: &str| {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "toml") {
                let text = std::fs::read_to_string(&p).unwrap();
                std::fs::write(to.join(p.file_name().unwrap()), format!("{text}\n{extra}"))
                    .unwrap();
            }
        }
    };
    copy(&src, &dst, "");
    copy(
        &src.join("municipalities"),
        &dst.join("municipalities"),
        "[security]\nenabled = false\n",
    );
    // The profiles name their (test) signing and scramble keys by relative path.
    let keys = dst.join("municipalities/keys");
    std::fs::create_dir_all(&keys).unwrap();
    for e in std::fs::read_dir(src.join("municipalities/keys")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, keys.join(p.file_name().unwrap())).unwrap();
    }
    dst
}

fn renderer(dir: &Path) -> Renderer {
    Renderer::new(
        FontDb::shared().unwrap(),
        Arc::new(Catalog::load_dir(dir).unwrap()),
    )
}

fn bench(c: &mut Criterion) {
    let data: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(default_layout_dir().join("samples/juminhyo.json")).unwrap(),
    )
    .unwrap();
    let req = Request {
        layout: "juminhyo",
        municipality: "mihon-shi",
        data: &data,
        items: None,
        serial: "000123",
        issued_on: Date::new(2026, 11, 24).unwrap(),
    };
    let png = OutputOptions {
        format: Format::Png,
        dpi: 600,
        color: ColorMode::Gray,
    };
    let plain_dir = plain_layouts();
    let with = renderer(&default_layout_dir());
    let without = renderer(&plain_dir);

    // One front page (compose + paint + encode), warm caches.
    let mut g = c.benchmark_group("page_600dpi_png");
    g.sample_size(10);
    for (name, r) in [("security", &with), ("plain", &without)] {
        let first = |r: &Renderer| {
            let d = r.compose(&req).unwrap();
            let one = Document {
                pages: vec![d.pages[0].clone()],
                ..Document::default()
            };
            r.encode(&one, "bench", &png).unwrap()
        };
        first(r);
        g.bench_function(name, |b| b.iter(|| first(r)));
    }
    g.finish();

    // The whole certificate: 2 sheets (4 pages duplex with security, 2 without).
    let mut g = c.benchmark_group("certificate_600dpi_png");
    g.sample_size(10);
    for (name, r) in [("security", &with), ("plain", &without)] {
        r.render(&req, &png).unwrap();
        g.bench_function(name, |b| b.iter(|| r.render(&req, &png).unwrap()));
    }
    g.finish();

    // What a request pays for the security print: compose only (serial microtext included).
    let mut g = c.benchmark_group("compose_warm");
    for (name, r) in [("security", &with), ("plain", &without)] {
        g.bench_function(name, |b| b.iter(|| r.compose(&req).unwrap()));
    }
    g.finish();

    // Cold: building the cached bases once (fresh renderer: display lists of the front
    // bases and the back, then the front base painted at 600 dpi, then the PDF forms).
    let mut g = c.benchmark_group("cold_base");
    g.sample_size(10);
    for (name, dir) in [
        ("security", default_layout_dir()),
        ("plain", plain_dir.clone()),
    ] {
        let cat = Arc::new(Catalog::load_dir(&dir).unwrap());
        g.bench_function(format!("compose/{name}"), |b| {
            b.iter(|| {
                Renderer::new(FontDb::shared().unwrap(), cat.clone())
                    .compose(&req)
                    .unwrap()
            })
        });
        let doc = Renderer::new(FontDb::shared().unwrap(), cat.clone())
            .compose(&req)
            .unwrap();
        g.bench_function(format!("paint_base_600/{name}"), |b| {
            b.iter(|| {
                let r = Renderer::new(FontDb::shared().unwrap(), cat.clone());
                r.painter().base_planes(&doc.pages[0], 600)
            })
        });
        g.bench_function(format!("pdf/{name}"), |b| {
            b.iter(|| {
                Renderer::new(FontDb::shared().unwrap(), cat.clone())
                    .encode(&doc, "bench", &OutputOptions::default())
                    .unwrap()
            })
        });
    }
    g.finish();
    let _ = std::fs::remove_dir_all(&plain_dir);
    scramble(c, &with, &req);
}

/// The scrambled front on the back: the encode cost per sheet (front painted at the source
/// dpi from the cached base, reduced, permuted, dot field) and reading a 300-dpi scan of the
/// area (finders, 455 k modules classified, permutation inverted).
fn scramble(c: &mut Criterion, r: &Renderer, req: &Request<'_>) {
    use shomei_engine::security::scramble::{descramble, scramble_front, ScrambleKey};
    use shomei_engine::security::sim::{box_downsample, GrayF32};
    let m = r.catalog().municipality(req.municipality).unwrap();
    let key = m
        .scrambler
        .clone()
        .unwrap_or(ScrambleKey::from_bytes([1; 32]));
    let sec = shomei_engine::security::resolve(m, r.catalog().layout(req.layout).unwrap()).unwrap();
    let doc = r.composer().compose(req).unwrap();
    let front = &doc.pages[0];
    let mut g = c.benchmark_group("scramble");
    g.sample_size(10);
    g.bench_function("encode_per_sheet", |b| {
        b.iter(|| scramble_front(r.painter(), front, &sec, &key, 123, 1).unwrap())
    });
    let mask = scramble_front(r.painter(), front, &sec, &key, 123, 1)
        .unwrap()
        .to_mask();
    let mut paper = GrayF32::new(mask.px_w + 200, mask.px_h + 200, 600);
    paper.overlay(&GrayF32::from_mask(&mask), 100, 100);
    let scan = box_downsample(&paper, 300);
    g.bench_function("descramble_300dpi_scan", |b| {
        b.iter(|| descramble(&scan, &key, 123, 1).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
