//! The official seal (公印) from the municipality's image asset: a PNG, or an SVG rendered
//! through resvg. Either becomes a red coverage image of the profile's size. Text in an SVG
//! asset is not rendered (no fonts are loaded): convert it to outlines.

use std::sync::Arc;

use crate::display::{Image, Ink};
use crate::error::{Error, Result};
use crate::geom::Rect;

/// Resolution an SVG asset is rendered at.
pub const ASSET_DPI: u32 = 1200;

/// Largest asset side, pixels (PNG as given, SVG as rendered).
const MAX_SIDE: u32 = 4096;

/// The official seal from its asset `bytes` (PNG, or SVG detected by its `<svg`/`<?xml`
/// start), `width_mm` wide (height from the asset's aspect), top-left at `top_left`. Ink is
/// what differs from white paper: dark or coloured pixels, weighted by alpha; the darkest
/// ink becomes full coverage. `file` names the asset for errors.
pub fn official_seal_image(
    bytes: &[u8],
    width_mm: f32,
    top_left: (f32, f32),
    file: &str,
) -> Result<Image> {
    let cfg = |m: String| Error::config(file, "official_seal.image", m);
    if !(width_mm.is_finite() && (5.0..=80.0).contains(&width_mm)) {
        return Err(Error::config(
            file,
            "official_seal.size_mm",
            "the official seal must be 5 to 80 mm wide",
        ));
    }
    let head = std::str::from_utf8(&bytes[..bytes.len().min(512)]).unwrap_or("");
    let is_svg = head.trim_start().starts_with("<svg")
        || head.trim_start().starts_with("<?xml")
        || head.contains("<svg");
    let (w, h, rgba) = if is_svg {
        let tree = resvg::usvg::Tree::from_data(bytes, &resvg::usvg::Options::default())
            .map_err(|e| cfg(format!("the SVG cannot be read: {e}")))?;
        let size = tree.size();
        let w = ((width_mm / 25.4 * ASSET_DPI as f32).round() as u32).clamp(1, MAX_SIDE);
        let scale = w as f32 / size.width();
        let h = ((size.height() * scale).round() as u32).clamp(1, MAX_SIDE);
        let mut pm =
            tiny_skia::Pixmap::new(w, h).ok_or_else(|| cfg("the SVG has no size".into()))?;
        resvg::render(
            &tree,
            tiny_skia::Transform::from_scale(scale, scale),
            &mut pm.as_mut(),
        );
        // Premultiplied RGBA: over white, c' = c + (255 − a).
        (w, h, pm.take())
    } else {
        let img =
            image::load_from_memory_with_format(bytes, image::ImageFormat::Png).map_err(|e| {
                cfg(format!(
                    "the asset is neither an SVG nor a readable PNG: {e}"
                ))
            })?;
        if img.width() > MAX_SIDE || img.height() > MAX_SIDE {
            return Err(cfg(format!(
                "the PNG is larger than {MAX_SIDE}×{MAX_SIDE} pixels"
            )));
        }
        let mut rgba = img.into_rgba8();
        // Premultiply so both paths share the compositing below.
        for p in rgba.chunks_exact_mut(4) {
            let a = u32::from(p[3]);
            for c in &mut p[..3] {
                *c = ((u32::from(*c) * a + 127) / 255) as u8;
            }
        }
        (rgba.width(), rgba.height(), rgba.into_raw())
    };
    let mut cov: Vec<u8> = rgba
        .chunks_exact(4)
        .map(|p| {
            let white = 255 - u32::from(p[3]);
            let m = u32::from(p[0].min(p[1]).min(p[2])) + white;
            (255 - m.min(255)) as u8
        })
        .collect();
    let max = cov.iter().copied().max().unwrap_or(0);
    if max < 16 {
        return Err(cfg(
            "the official seal image has no ink (it is blank or white)".into(),
        ));
    }
    if max < 255 {
        for c in cov.iter_mut() {
            *c = ((u32::from(*c) * 255 + u32::from(max) / 2) / u32::from(max)).min(255) as u8;
        }
    }
    let height_mm = width_mm * h as f32 / w as f32;
    Ok(Image {
        rect: Rect::from_xywh(top_left.0, top_left.1, width_mm, height_mm),
        px_w: w,
        px_h: h,
        coverage: Arc::new(cov),
        ink: Ink::Red,
    })
}

/// Where to put the official seal's top-left so that it overlaps the last character of the
/// mayor's title line by `overlap` (a fraction of that character, ⅓ to ½ by local custom).
/// `last_char` is the last character's box; in a horizontal line the seal covers its right part
/// and is centred on the line, in a vertical line it covers its lower part and is centred on
/// the column.
pub fn seal_over_title(
    last_char: Rect,
    seal_size: (f32, f32),
    vertical: bool,
    overlap: f32,
) -> (f32, f32) {
    let o = overlap.clamp(0.0, 1.0);
    if vertical {
        (
            last_char.x + last_char.w / 2.0 - seal_size.0 / 2.0,
            last_char.bottom() - o * last_char.h,
        )
    } else {
        (
            last_char.right() - o * last_char.w,
            last_char.y + last_char.h / 2.0 - seal_size.1 / 2.0,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100">
        <rect x="5" y="5" width="90" height="90" fill="none" stroke="#d03020" stroke-width="6"/>
        <circle cx="50" cy="50" r="20" fill="#d03020"/></svg>"##;

    #[test]
    fn svg_asset_becomes_a_red_coverage_image_of_the_given_width() {
        let img = official_seal_image(SVG.as_bytes(), 21.0, (100.0, 200.0), "mihon.toml").unwrap();
        assert_eq!(img.ink, Ink::Red);
        assert_eq!(img.rect, Rect::from_xywh(100.0, 200.0, 21.0, 21.0));
        assert_eq!(img.px_w, 992);
        let at = |x: u32, y: u32| img.coverage[(y * img.px_w + x) as usize];
        assert_eq!(at(496, 496), 255, "the disc is full ink");
        assert_eq!(at(5, 5), 0, "outside the frame is paper");
        assert_eq!(at(496, 200), 0, "between frame and disc is paper");
    }

    #[test]
    fn png_asset_keeps_its_aspect() {
        let (w, h) = (40u32, 20u32);
        let mut rgb = vec![255u8; (w * h * 3) as usize];
        for px in rgb.chunks_exact_mut(3).take(200) {
            px.copy_from_slice(&[200, 40, 30]);
        }
        let png = crate::seal::scan::encode_png(&rgb, w, h, 300).unwrap();
        let img = official_seal_image(&png, 24.0, (0.0, 0.0), "mihon.toml").unwrap();
        assert_eq!((img.rect.w, img.rect.h), (24.0, 12.0));
        assert_eq!(img.coverage[0], 255);
        assert_eq!(img.coverage[(w * h - 1) as usize], 0);
    }

    #[test]
    fn bad_assets_are_config_errors() {
        let e = official_seal_image(b"not an image", 21.0, (0.0, 0.0), "mihon.toml")
            .err()
            .unwrap();
        assert_eq!(e.kind(), "config");
        let blank = r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>"#;
        let e = official_seal_image(blank.as_bytes(), 21.0, (0.0, 0.0), "mihon.toml")
            .err()
            .unwrap();
        assert!(e.to_string().contains("no ink"), "{e}");
    }

    #[test]
    fn seal_overlaps_the_end_of_the_title() {
        let last = Rect::from_xywh(150.0, 250.0, 5.0, 5.0);
        let (x, y) = seal_over_title(last, (21.0, 21.0), false, 0.5);
        assert_eq!((x, y), (152.5, 242.0));
        let (x, y) = seal_over_title(last, (21.0, 21.0), true, 0.4);
        assert_eq!((x, y), (142.0, 253.0));
    }
}
