//! Test helpers: rasterise seal items over an area and measure the ink.

use tiny_skia::Transform;

use crate::display::Item;
use crate::geom::Rect;
use crate::seal::raster::{rasterise, Coverage};

/// Rasterises `items` over `area` (mm) at `dpi`; returns the coverage and the pixel size, mm.
pub(crate) fn render(items: &[Item], area: Rect, dpi: u32) -> (Coverage, f32) {
    let px = 25.4 / dpi as f32;
    let w = (area.w / px).ceil() as u32;
    let h = (area.h / px).ceil() as u32;
    let t = Transform::from_row(1.0 / px, 0.0, 0.0, 1.0 / px, -area.x / px, -area.y / px);
    (rasterise(items, w, h, t).unwrap(), px)
}

/// Width and height (mm) of the pixels at half coverage or more.
pub(crate) fn ink_extent_mm(cov: &Coverage, px: f32) -> (f32, f32) {
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for y in 0..cov.h {
        for x in 0..cov.w {
            if cov.data[(y * cov.w + x) as usize] >= 128 {
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1));
            }
        }
    }
    assert!(x1 > x0, "no ink");
    ((x1 - x0) as f32 * px, (y1 - y0) as f32 * px)
}

/// Writes a grey PNG (ink dark) to /tmp/seal/ when SHOMEI_SEAL_PNG is set, for looking at.
pub(crate) fn look_grey(name: &str, cov: &[u8], w: u32, h: u32) {
    if std::env::var_os("SHOMEI_SEAL_PNG").is_none() {
        return;
    }
    // Vermilion over white, multiplied, as it would print.
    let rgb: Vec<u8> = cov
        .iter()
        .flat_map(|&c| {
            let a = f32::from(c) / 255.0;
            [
                (255.0 - a * 35.0) as u8,
                (255.0 - a * 205.0) as u8,
                (255.0 - a * 210.0) as u8,
            ]
        })
        .collect();
    look_rgb(name, &rgb, w, h);
}

/// Writes an RGB PNG to /tmp/seal/ when SHOMEI_SEAL_PNG is set.
pub(crate) fn look_rgb(name: &str, rgb: &[u8], w: u32, h: u32) {
    if std::env::var_os("SHOMEI_SEAL_PNG").is_none() {
        return;
    }
    let _ = std::fs::create_dir_all("/tmp/seal");
    let png = crate::seal::scan::encode_png(rgb, w, h, 600).unwrap();
    std::fs::write(format!("/tmp/seal/{name}.png"), png).unwrap();
}
