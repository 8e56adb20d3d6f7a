//! Rendering each layout's sample on one core: to PDF, and to grey PNG at 300 and 600 dpi,
//! with warm caches (the static base of each page is built once, as in production).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use shomei_engine::layout::{default_layout_dir, Catalog, Request};
use shomei_engine::render::{Format, OutputOptions, Renderer};
use shomei_engine::text::wareki::Date;
use shomei_engine::text::FontDb;

fn bench(c: &mut Criterion) {
    let catalog = Catalog::load_dir(&default_layout_dir()).unwrap();
    let r = Renderer::new(FontDb::shared().unwrap(), Arc::new(catalog));
    let ids: Vec<String> = r.catalog().layouts().map(|t| t.id.clone()).collect();
    let mut g = c.benchmark_group("render");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    for id in &ids {
        let path = default_layout_dir()
            .join("samples")
            .join(format!("{id}.json"));
        let data: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let req = Request {
            layout: id,
            municipality: "mihon-shi",
            data: &data,
            items: None,
            serial: "見本第000123-01号",
            issued_on: Date::new(2026, 11, 24).unwrap(),
        };
        let pages = r.compose(&req).unwrap().pages.len();
        for (label, out) in [
            (
                "pdf",
                OutputOptions {
                    format: Format::Pdf,
                    ..OutputOptions::default()
                },
            ),
            (
                "png300",
                OutputOptions {
                    format: Format::Png,
                    dpi: 300,
                    ..OutputOptions::default()
                },
            ),
            (
                "png600",
                OutputOptions {
                    format: Format::Png,
                    dpi: 600,
                    ..OutputOptions::default()
                },
            ),
        ] {
            r.render(&req, &out).unwrap();
            g.bench_function(format!("{id}/{label}/{pages}p"), |b| {
                b.iter(|| r.render(&req, &out).unwrap())
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
