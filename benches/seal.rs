//! The registered impression is processed per request: decode, isolate the ink from the paper,
//! crop and place, for a scan of about 1200×1200 pixels (a 19.4 mm seal scanned at 1200 dpi, with margins).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use shomei_engine::geom::Rect;
use shomei_engine::seal::{
    decode_impression, marume, place_impression, rasterise_for_registration, ImpressionScale,
};
use shomei_engine::Ink;

fn bench(c: &mut Criterion) {
    let items = marume("見本", 19.4, 5).unwrap();
    let scan = rasterise_for_registration(&items, 1200, 5).unwrap();
    let info = png::Decoder::new(std::io::Cursor::new(&scan[..]))
        .read_info()
        .unwrap()
        .info()
        .clone();
    eprintln!(
        "scan: {}×{} px, {} bytes",
        info.width,
        info.height,
        scan.len()
    );
    let mut g = c.benchmark_group("seal");
    g.sample_size(20);
    g.bench_function(format!("impression_{}x{}", info.width, info.height), |b| {
        b.iter(|| {
            let imp = decode_impression(&scan, ImpressionScale::Dpi(1200.0), "seal").unwrap();
            place_impression(
                &imp,
                Rect::from_xywh(63.0, 38.0, 30.0, 30.0),
                Ink::Red,
                "seal",
            )
            .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
