//! `shomei_engine::sample` against every layout of the catalog: seeds 1 to 5 render to PDF and to
//! PNG (50 dpi, to stay fast) without error, a seed always gives the same data, other seeds
//! other data, and household sizes vary.

use std::collections::BTreeSet;
use std::sync::Arc;

use shomei_engine::layout::{default_layout_dir, Catalog, Request};
use shomei_engine::output::png::ColorMode;
use shomei_engine::render::{Format, OutputOptions, Renderer};
use shomei_engine::sample::sample;
use shomei_engine::text::wareki::Date;
use shomei_engine::text::FontDb;

#[test]
fn samples_of_every_layout_render_and_are_deterministic_per_seed() {
    let catalog = Arc::new(Catalog::load_dir(&default_layout_dir()).expect("catalog"));
    let r = Renderer::new(FontDb::shared().expect("fonts"), catalog.clone());
    let issued_on = Date::new(2026, 11, 24).expect("date");
    let pdf = OutputOptions {
        format: Format::Pdf,
        ..OutputOptions::default()
    };
    let png = OutputOptions {
        format: Format::Png,
        dpi: 50,
        color: ColorMode::Gray,
    };
    let mut layouts = 0;
    for t in catalog.layouts() {
        layouts += 1;
        let all: Vec<String> = t.options.keys().cloned().collect();
        let mut seen = Vec::new();
        let mut sizes = BTreeSet::new();
        for seed in 1..=5u64 {
            let data = sample(t, seed, issued_on);
            assert_eq!(data, sample(t, seed, issued_on), "{} seed {seed}", t.id);
            assert!(!seen.contains(&data), "{} seed {seed} repeats", t.id);
            if let Some(list) = data.as_object().and_then(|o| {
                o.values().find_map(|v| {
                    v.as_array()
                        .filter(|a| a.iter().any(|e| e.get("name").is_some()))
                })
            }) {
                sizes.insert(list.len());
            }
            for (items, out) in [(None, &pdf), (Some(all.as_slice()), &png)] {
                let req = Request {
                    layout: &t.id,
                    municipality: "mihon-shi",
                    data: &data,
                    items,
                    serial: "000001",
                    issued_on,
                };
                let done = r
                    .render(&req, out)
                    .unwrap_or_else(|e| panic!("{} seed {seed}: {e}", t.id));
                assert!(done.pages >= 1 && !done.files.is_empty());
            }
            seen.push(data);
        }
        if !sizes.is_empty() {
            assert!(sizes.len() > 1, "{}: household sizes {sizes:?}", t.id);
        }
    }
    assert!(layouts >= 4);
}
