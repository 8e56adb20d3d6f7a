//! The signed 2D code: what every request pays (canonical digest, Ed25519 signature, QR
//! encoding into a 600-dpi dot field) and what a verifier pays for a 300 dpi scan of a back
//! (QR detection and decoding, signature check), once straight and once through the
//! print-scan simulator (1.5° rotation, blur, gamma, noise).
//!
//! `cargo bench --bench signed`

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use shomei_engine::layout::{bind, default_layout_dir, Catalog, Request};
use shomei_engine::render::Renderer;
use shomei_engine::security::sim::{print_scan, GrayF32, PrintScanSettings};
use shomei_engine::signed::{self, Header};
use shomei_engine::text::wareki::Date;
use shomei_engine::text::FontDb;
use shomei_engine::Ink;

fn grey_of(r: &Renderer, page: &shomei_engine::Page, dpi: u32) -> (usize, usize, Vec<u8>) {
    let planes = r.painter().paint_page(page, dpi);
    let (k, red) = (planes.plane(Ink::Black), planes.plane(Ink::Red));
    let grey = k
        .iter()
        .zip(red.iter().chain(std::iter::repeat(&0)))
        .map(|(a, b)| 255 - (*a).max(*b))
        .collect();
    (planes.width as usize, planes.height as usize, grey)
}

fn bench(c: &mut Criterion) {
    let catalog = Arc::new(Catalog::load_dir(&default_layout_dir()).unwrap());
    let r = Renderer::new(FontDb::shared().unwrap(), Arc::clone(&catalog));
    let data: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(default_layout_dir().join("samples/juminhyo.json")).unwrap(),
    )
    .unwrap();
    let issued = Date::new(2026, 11, 24).unwrap();
    let m = catalog.municipality("mihon-shi").unwrap();
    let key = m.signer.clone().unwrap();
    let t = catalog.layout("juminhyo").unwrap();
    let bound = bind(t, &data, None, issued).unwrap();
    let header = Header {
        version: signed::VERSION,
        issuer: m.code_number(),
        key_id: key.id(),
        doc_type: signed::doc_type(&t.certificate),
        serial: 123,
        days: 9824,
        minute: 0,
        page: 1,
        pages: 2,
        digest: [0; 16],
    };
    let payload = signed::sign(&header, &key);
    let ring = catalog.key_ring().unwrap();
    let none = |_: u32, _: u64| false;

    let mut g = c.benchmark_group("signed");
    g.bench_function("canonical_digest", |b| {
        b.iter(|| signed::canonical_digest(&bound))
    });
    g.bench_function("sign", |b| b.iter(|| signed::sign(&header, &key)));
    g.bench_function("qr_mask", |b| {
        b.iter(|| signed::qr_mask(&payload, 150.0, 240.0).unwrap())
    });
    g.bench_function("verify_payload", |b| {
        b.iter(|| signed::verify(&payload, &ring, &none))
    });
    g.finish();

    // A whole back page as a verifier's 300 dpi scan.
    let req = Request {
        layout: "juminhyo",
        municipality: "mihon-shi",
        data: &data,
        items: None,
        serial: "000123",
        issued_on: issued,
    };
    let doc = r.compose(&req).unwrap();
    let back = &doc.pages[1];
    let (w, h, grey) = grey_of(&r, back, 300);
    assert_eq!(signed::verify_image(w, h, &grey, &ring, &none).len(), 1);
    let printed = GrayF32 {
        w: w as u32,
        h: h as u32,
        dpi: 300,
        data: grey.iter().map(|v| 1.0 - f32::from(*v) / 255.0).collect(),
    };
    let scan = print_scan(
        &printed,
        &PrintScanSettings {
            rotation_deg: 1.5,
            scale: (1.005, 0.995),
            blur_fwhm_scan_px: 1.5,
            gamma: 1.2,
            noise_sigma: 3.0 / 255.0,
            seed: 7,
            ..PrintScanSettings::default()
        },
    );
    let scanned: Vec<u8> = scan
        .data
        .iter()
        .map(|d| (255.0 * (1.0 - d.clamp(0.0, 1.0))).round() as u8)
        .collect();
    let (sw, sh) = (scan.w as usize, scan.h as usize);
    assert_eq!(
        signed::verify_image(sw, sh, &scanned, &ring, &none)[0].verdict,
        signed::Verdict::Genuine
    );
    let mut g = c.benchmark_group("verify");
    g.sample_size(10);
    g.bench_function(format!("back_300dpi_{w}x{h}"), |b| {
        b.iter(|| signed::verify_image(w, h, &grey, &ring, &none))
    });
    g.bench_function("back_300dpi_print_scan_1.5deg", |b| {
        b.iter(|| signed::verify_image(sw, sh, &scanned, &ring, &none))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
