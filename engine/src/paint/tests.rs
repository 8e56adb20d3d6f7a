//! Tests of the painter: extents of shapes, glyph placement and rotation, dot fields, images,
//! the caches. Timing and the sample image are `#[ignore]`d (run them with `--release -- --ignored`).

use std::sync::Arc;

use super::*;
use crate::display::{BitMask, Glyph, Image, Paint, Path, Shape};
use crate::geom::Rect;

fn fonts() -> &'static FontDb {
    FontDb::shared().unwrap()
}

fn mincho() -> crate::display::FontId {
    fonts().by_id("biz-ud-mincho").unwrap()
}

fn gid(c: char) -> u16 {
    fonts().get(mincho()).face().glyph_index(c).unwrap().0
}

/// Bounding box of non-zero pixels: (x0, y0, x1, y1), exclusive ends.
fn ink_bbox(planes: &Planes, ink: Ink) -> Option<(u32, u32, u32, u32)> {
    let p = planes.plane(ink);
    let mut bb: Option<(u32, u32, u32, u32)> = None;
    for y in 0..planes.height {
        for x in 0..planes.width {
            if p[(y * planes.width + x) as usize] != 0 {
                let b = bb.get_or_insert((x, y, x + 1, y + 1));
                b.0 = b.0.min(x);
                b.1 = b.1.min(y);
                b.2 = b.2.max(x + 1);
                b.3 = b.3.max(y + 1);
            }
        }
    }
    bb
}

fn shape(path: Path, paint: Paint, ink: Ink) -> Item {
    Item::Shape(Shape {
        path: Arc::new(path),
        paint,
        ink,
    })
}

fn glyph(c: char, x: f32, y: f32, em: f32, rot90: bool) -> Glyph {
    Glyph {
        font: mincho(),
        gid: gid(c),
        x,
        y,
        em,
        sx: 1.0,
        sy: 1.0,
        rot90,
        ink: Ink::Black,
    }
}

/// Where the glyph's outline bbox lands on the page, in pixels, per its transform.
fn predicted_bbox(g: &Glyph, dpi: u32) -> (f32, f32, f32, f32) {
    let face = fonts().get(g.font);
    let bb = face
        .face()
        .glyph_bounding_box(ttf_parser::GlyphId(g.gid))
        .unwrap();
    let t = g.transform(face.units_per_em());
    let k = dpi as f32 / 25.4;
    let corners = [
        t.apply(bb.x_min.into(), bb.y_min.into()),
        t.apply(bb.x_max.into(), bb.y_min.into()),
        t.apply(bb.x_min.into(), bb.y_max.into()),
        t.apply(bb.x_max.into(), bb.y_max.into()),
    ];
    let xs = corners.map(|c| c.0 * k);
    let ys = corners.map(|c| c.1 * k);
    let min = |v: [f32; 4]| v.iter().copied().fold(f32::INFINITY, f32::min);
    let max = |v: [f32; 4]| v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    (min(xs), min(ys), max(xs), max(ys))
}

fn assert_bbox_near(got: (u32, u32, u32, u32), want: (f32, f32, f32, f32), tol: f32) {
    let got = [got.0, got.1, got.2, got.3].map(|v| v as f32);
    let want = [want.0, want.1, want.2, want.3];
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= tol, "bbox {got:?} vs predicted {want:?}");
    }
}

#[test]
fn planes_have_the_page_size_in_pixels() {
    let p = Planes::new(crate::geom::A4_MM, 600);
    assert_eq!((p.width, p.height), (4961, 7016));
    assert_eq!(p.planes.len(), Ink::ALL.len());
    assert_eq!(p.plane(Ink::Red).len(), 4961 * 7016);
}

#[test]
fn pixel_aligned_rectangle_is_binary_with_the_exact_extent_at_600_dpi() {
    // 25.4 mm = 600 px exactly at 600 dpi; the rectangle starts at 12.7 mm = 300 px.
    let mut planes = Planes::new((60.0, 60.0), 600);
    let mut layer = Layer::default();
    layer.push(shape(
        Path::rect(Rect::from_xywh(12.7, 12.7, 25.4, 12.7)),
        Paint::Fill,
        Ink::Black,
    ));
    Painter::new(fonts()).paint_layer(&mut planes, &layer);
    assert_eq!(ink_bbox(&planes, Ink::Black), Some((300, 300, 900, 600)));
    let p = planes.plane(Ink::Black);
    assert!(p.iter().all(|&v| v == 0 || v == 255), "not binary");
    assert_eq!(p.iter().filter(|&&v| v == 255).count(), 600 * 300);
    assert!(planes.plane(Ink::Red).iter().all(|&v| v == 0));
}

#[test]
fn unaligned_rectangle_covers_its_area() {
    // 10 mm × 5 mm at 600 dpi = 236.22 × 118.11 px.
    let mut planes = Planes::new((30.0, 30.0), 600);
    let mut layer = Layer::default();
    layer.push(shape(
        Path::rect(Rect::from_xywh(3.0, 4.0, 10.0, 5.0)),
        Paint::Fill,
        Ink::Red,
    ));
    Painter::new(fonts()).paint_layer(&mut planes, &layer);
    let k = 600.0 / 25.4;
    let bb = ink_bbox(&planes, Ink::Red).unwrap();
    assert_bbox_near(bb, (3.0 * k, 4.0 * k, 13.0 * k, 9.0 * k), 1.0);
    let area: f32 = planes
        .plane(Ink::Red)
        .iter()
        .map(|&v| f32::from(v) / 255.0)
        .sum();
    let want = 10.0 * k * 5.0 * k;
    assert!((area - want).abs() / want < 0.01, "{area} vs {want}");
}

#[test]
fn stroke_and_even_odd() {
    let mut planes = Planes::new((50.8, 50.8), 100);
    let mut layer = Layer::default();
    // A horizontal rule 0.508 mm thick (2 px at 100 dpi) centred on a pixel boundary: binary.
    layer.push(shape(
        Path::line(2.54, 12.7, 48.26, 12.7),
        Paint::Stroke(0.508),
        Ink::Black,
    ));
    // Two nested squares, even-odd: a frame with a hole.
    let mut p = Path::rect(Rect::from_xywh(25.4, 25.4, 20.32, 20.32));
    p.cmds
        .extend(Path::rect(Rect::from_xywh(30.48, 30.48, 10.16, 10.16)).cmds);
    layer.push(shape(p, Paint::FillEvenOdd, Ink::Red));
    Painter::new(fonts()).paint_layer(&mut planes, &layer);
    assert_eq!(ink_bbox(&planes, Ink::Black), Some((10, 49, 190, 51)));
    assert!(planes.plane(Ink::Black).iter().all(|&v| v == 0 || v == 255));
    let red = planes.plane(Ink::Red);
    let w = planes.width as usize;
    assert_eq!(red[105 * w + 105], 255);
    assert_eq!(red[140 * w + 140], 0, "the hole is filled");
    assert_eq!(ink_bbox(&planes, Ink::Red), Some((100, 100, 180, 180)));
}

#[test]
fn glyph_lands_where_its_transform_says() {
    let dpi = 300;
    let mut planes = Planes::new((60.0, 60.0), dpi);
    let g = glyph('見', 10.0, 30.0, 10.0, false);
    let mut layer = Layer::default();
    layer.push(Item::Glyph(g));
    let painter = Painter::new(fonts());
    painter.paint_layer(&mut planes, &layer);
    let bb = ink_bbox(&planes, Ink::Black).unwrap();
    // Whole-pixel placement (±0.5) plus anti-aliased edges (±1).
    assert_bbox_near(bb, predicted_bbox(&g, dpi), 1.6);
    // The ink is dark: a stroke of 見 reaches full coverage.
    assert!(planes.plane(Ink::Black).contains(&255));
}

#[test]
fn rotated_glyph_has_its_ink_rotated() {
    let dpi = 300;
    let painter = Painter::new(fonts());
    let mut upright = Planes::new((40.0, 40.0), dpi);
    let mut turned = Planes::new((40.0, 40.0), dpi);
    // 一 is wide and flat; turned 90° clockwise it is tall and narrow.
    let g = glyph('一', 10.0, 20.0, 10.0, false);
    let r = Glyph { rot90: true, ..g };
    painter.paint_layer(
        &mut upright,
        &Layer {
            items: vec![Item::Glyph(g)],
        },
    );
    painter.paint_layer(
        &mut turned,
        &Layer {
            items: vec![Item::Glyph(r)],
        },
    );
    let a = ink_bbox(&upright, Ink::Black).unwrap();
    let b = ink_bbox(&turned, Ink::Black).unwrap();
    assert!(a.2 - a.0 > 5 * (a.3 - a.1), "upright {a:?}");
    assert!(b.3 - b.1 > 5 * (b.2 - b.0), "turned {b:?}");
    assert_eq!(
        (a.2 - a.0, a.3 - a.1),
        (b.3 - b.1, b.2 - b.0),
        "same size, turned"
    );
    assert_bbox_near(b, predicted_bbox(&r, dpi), 1.6);
    // An asymmetric glyph: the upright bitmap turned clockwise is the rotated bitmap.
    let g = glyph('ア', 10.0, 20.0, 10.0, false);
    let r = Glyph { rot90: true, ..g };
    let mut up = Planes::new((40.0, 40.0), dpi);
    let mut rot = Planes::new((40.0, 40.0), dpi);
    painter.paint_layer(
        &mut up,
        &Layer {
            items: vec![Item::Glyph(g)],
        },
    );
    painter.paint_layer(
        &mut rot,
        &Layer {
            items: vec![Item::Glyph(r)],
        },
    );
    let (ua, rb) = (
        ink_bbox(&up, Ink::Black).unwrap(),
        ink_bbox(&rot, Ink::Black).unwrap(),
    );
    let (uw, uh) = (ua.2 - ua.0, ua.3 - ua.1);
    assert_eq!((rb.2 - rb.0, rb.3 - rb.1), (uh, uw));
    // Clockwise: upright (x, y) → rotated (uh − 1 − y, x), compared on strongly inked pixels.
    let (mut agree, mut total) = (0, 0);
    for y in 0..uh {
        for x in 0..uw {
            let u = up.plane(Ink::Black)[((ua.1 + y) * up.width + ua.0 + x) as usize] > 127;
            let v =
                rot.plane(Ink::Black)[((rb.1 + x) * rot.width + rb.0 + uh - 1 - y) as usize] > 127;
            total += 1;
            agree += i32::from(u == v);
        }
    }
    assert!(agree as f32 / total as f32 > 0.97, "{agree}/{total}");
}

#[test]
fn glyphs_are_rasterised_once_per_size() {
    let painter = Painter::new(fonts());
    let mut planes = Planes::new((40.0, 40.0), 150);
    let mut layer = Layer::default();
    for i in 0..5 {
        layer.push(Item::Glyph(glyph(
            '市',
            2.0 + 6.0 * i as f32,
            10.0,
            5.0,
            false,
        )));
    }
    layer.push(Item::Glyph(glyph('市', 2.0, 30.0, 7.0, false)));
    layer.push(Item::Glyph(glyph('市', 20.0, 20.0, 5.0, true)));
    painter.paint_layer(&mut planes, &layer);
    assert_eq!(painter.glyphs_rasterised(), 3);
    // Same glyph at the same size on whole pixels: identical ink at both places.
    let w = planes.width as usize;
    let k = planes.px_per_mm();
    let (x0, x1) = (round_px(2.0 * k), round_px(8.0 * k));
    let y = round_px(10.0 * k) as usize - 20;
    for dy in 0..25 {
        let row = (y + dy) * w;
        let a = &planes.plane(Ink::Black)[row + x0 as usize..row + x0 as usize + 30];
        let b = &planes.plane(Ink::Black)[row + x1 as usize..row + x1 as usize + 30];
        assert_eq!(a, b);
    }
}

fn round_px(v: f32) -> i32 {
    v.round() as i32
}

/// A deterministic pseudo-random bit pattern.
fn pattern(w: u32, h: u32, seed: u64) -> (u32, Vec<u8>) {
    let stride = w.div_ceil(8);
    let mut s = seed;
    let mut bits = vec![0u8; (stride * h) as usize];
    for b in bits.iter_mut() {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *b = (s >> 56) as u8;
    }
    (stride, bits)
}

#[test]
fn bitmask_at_its_own_dpi_is_copied_bit_for_bit() {
    let dpi = 600;
    let (w, h) = (37, 29);
    let (stride, bits) = pattern(w, h, 7);
    // 1 mm = 23.62 px → placed at pixel (24, 47).
    let m = BitMask {
        x: 1.0,
        y: 2.0,
        dpi,
        px_w: w,
        px_h: h,
        stride,
        bits: Arc::new(bits),
        ink: Ink::Black,
    };
    let mut planes = Planes::new((5.0, 5.0), dpi);
    Painter::new(fonts()).paint_layer(
        &mut planes,
        &Layer {
            items: vec![Item::Mask(m.clone())],
        },
    );
    let (ox, oy) = (24, 47);
    for y in 0..planes.height {
        for x in 0..planes.width {
            let v = planes.plane(Ink::Black)[(y * planes.width + x) as usize];
            let want = x >= ox && y >= oy && m.get(x - ox, y - oy);
            assert_eq!(v, if want { 255 } else { 0 }, "({x}, {y})");
        }
    }
    // Clipped at the page edge: the part inside is still exact.
    let m2 = BitMask {
        x: 4.5,
        y: 4.5,
        ..m.clone()
    };
    let mut planes = Planes::new((5.0, 5.0), dpi);
    Painter::new(fonts()).paint_layer(
        &mut planes,
        &Layer {
            items: vec![Item::Mask(m2)],
        },
    );
    let o = 106; // round(4.5 mm · 600 / 25.4)
    for y in o..planes.height {
        for x in o..planes.width {
            let v = planes.plane(Ink::Black)[(y * planes.width + x) as usize];
            assert_eq!(v, if m.get(x - o, y - o) { 255 } else { 0 });
        }
    }
}

#[test]
fn bitmask_at_another_dpi_is_area_averaged() {
    // A 600 dpi checkerboard, 64×64, onto 150 dpi: 16×16 pixels of half coverage.
    let (w, h) = (64u32, 64u32);
    let stride = w / 8;
    let mut bits = vec![0u8; (stride * h) as usize];
    for y in 0..h {
        for b in 0..stride {
            bits[(y * stride + b) as usize] = if y % 2 == 0 { 0xAA } else { 0x55 };
        }
    }
    let m = BitMask {
        x: 25.4 / 15.0,
        y: 0.0,
        dpi: 600,
        px_w: w,
        px_h: h,
        stride,
        bits: Arc::new(bits),
        ink: Ink::Red,
    };
    let mut planes = Planes::new((20.0, 20.0), 150);
    Painter::new(fonts()).paint_layer(
        &mut planes,
        &Layer {
            items: vec![Item::Mask(m)],
        },
    );
    assert_eq!(ink_bbox(&planes, Ink::Red), Some((10, 0, 26, 16)));
    let red = planes.plane(Ink::Red);
    for y in 0..16 {
        for x in 10..26 {
            let v = red[(y * planes.width + x) as usize];
            assert!((127..=128).contains(&v), "{v}");
        }
    }
}

#[test]
fn image_is_scaled_into_its_rectangle() {
    // 4×2 image: left half full, right half empty, onto 8×4 pixels at 100 dpi.
    let cov = vec![255, 255, 0, 0, 255, 255, 0, 0];
    let k = 25.4 / 100.0;
    let im = Image {
        rect: Rect::from_xywh(10.0 * k, 5.0 * k, 8.0 * k, 4.0 * k),
        px_w: 4,
        px_h: 2,
        coverage: Arc::new(cov),
        ink: Ink::Red,
    };
    let mut planes = Planes::new((10.0, 10.0), 100);
    Painter::new(fonts()).paint_layer(
        &mut planes,
        &Layer {
            items: vec![Item::Image(im.clone())],
        },
    );
    // Upscaled 2:1, bilinear: the edge between source columns 1 and 2 falls across pixels
    // 13 (3/4 ink) and 14 (1/4 ink).
    assert_eq!(ink_bbox(&planes, Ink::Red), Some((10, 5, 15, 9)));
    let red = planes.plane(Ink::Red);
    let at = |x: u32, y: u32| red[(y * planes.width + x) as usize];
    assert_eq!(at(10, 5), 255);
    assert_eq!(at(12, 8), 255);
    assert!(
        (190..=192).contains(&at(13, 6)) && (63..=65).contains(&at(14, 6)),
        "{} {}",
        at(13, 6),
        at(14, 6)
    );
    assert_eq!(at(15, 6), 0);
    // Downscaled 1:2 (8×4 image into 4×2 px): area average.
    let im2 = Image {
        rect: Rect::from_xywh(0.0, 0.0, 4.0 * k, 2.0 * k),
        px_w: 8,
        px_h: 4,
        coverage: Arc::new((0..32).map(|i| if i % 2 == 0 { 255 } else { 0 }).collect()),
        ..im
    };
    let mut planes = Planes::new((10.0, 10.0), 100);
    Painter::new(fonts()).paint_layer(
        &mut planes,
        &Layer {
            items: vec![Item::Image(im2)],
        },
    );
    let red = planes.plane(Ink::Red);
    assert!((127..=128).contains(&red[0]) && (127..=128).contains(&red[planes.width as usize + 3]));
}

fn sample_page(base_key: u64) -> Page {
    let mut base = Layer::default();
    base.push(shape(
        Path::rect(Rect::from_xywh(10.0, 10.0, 190.0, 277.0)),
        Paint::Stroke(0.5),
        Ink::Black,
    ));
    base.push(Item::Glyph(glyph('証', 20.0, 30.0, 8.0, false)));
    let mut own = Layer::default();
    own.push(Item::Glyph(glyph('見', 20.0, 50.0, 5.0, false)));
    Page {
        size: crate::geom::A4_MM,
        base: Arc::new(base),
        base_key,
        own,
    }
}

#[test]
fn paint_page_paints_the_base_once_and_copies_it() {
    let painter = Painter::new(fonts());
    let page = sample_page(42);
    let a = painter.paint_page(&page, 72);
    let b = painter.paint_page(&page, 72);
    assert_eq!(painter.base_paints(), 1);
    assert!(Arc::ptr_eq(
        &painter.base_planes(&page, 72),
        &painter.base_planes(&page, 72)
    ));
    assert_eq!(painter.base_paints(), 1);
    assert_eq!(a, b);
    // The page holds base and own; the cached base holds only the base.
    let base = painter.base_planes(&page, 72);
    let mut direct = Planes::new(page.size, 72);
    painter.paint_layer(&mut direct, &page.base);
    assert_eq!(*base, direct);
    painter.paint_layer(&mut direct, &page.own);
    assert_eq!(a, direct);
    assert_ne!(*base, a);
    // Another dpi or another key is another base.
    painter.paint_page(&page, 50);
    painter.paint_page(&sample_page(43), 72);
    assert_eq!(painter.base_paints(), 3);
}

#[test]
fn base_cache_evicts_past_its_bound() {
    // Room for about one A4 base at 50 dpi (one non-blank plane of 413×585 bytes).
    let painter = Painter::with_cache_limits(fonts(), 1 << 20, 300_000);
    painter.paint_page(&sample_page(1), 50);
    painter.paint_page(&sample_page(2), 50);
    painter.paint_page(&sample_page(2), 50);
    assert_eq!(painter.base_paints(), 2);
    painter.paint_page(&sample_page(1), 50);
    assert_eq!(painter.base_paints(), 3, "key 1 was evicted");
}

#[test]
fn hostile_items_are_skipped_not_panicked_on() {
    let painter = Painter::new(fonts());
    let mut planes = Planes::new((20.0, 20.0), 72);
    let mut layer = Layer::default();
    layer.push(Item::Glyph(Glyph {
        em: f32::NAN,
        ..glyph('見', 1.0, 1.0, 5.0, false)
    }));
    layer.push(Item::Glyph(Glyph {
        font: 999,
        ..glyph('見', 1.0, 1.0, 5.0, false)
    }));
    layer.push(Item::Glyph(glyph('見', -1e30, 1e30, 5.0, false)));
    layer.push(Item::Glyph(glyph('見', 5.0, 10.0, 500.0, false))); // drawn uncached, clipped
    layer.push(shape(
        Path::line(f32::INFINITY, 0.0, 1.0, 1.0),
        Paint::Stroke(1.0),
        Ink::Black,
    ));
    layer.push(Item::Mask(BitMask {
        x: 0.0,
        y: 0.0,
        dpi: 72,
        px_w: 100,
        px_h: 100,
        stride: 1,
        bits: Arc::new(vec![0xFF; 3]),
        ink: Ink::Black,
    }));
    layer.push(Item::Image(Image {
        rect: Rect::from_xywh(0.0, 0.0, 1e9, 1e9),
        px_w: 2,
        px_h: 2,
        coverage: Arc::new(vec![255; 1]),
        ink: Ink::Red,
    }));
    painter.paint_layer(&mut planes, &layer);
}

/// The page of the timing test: ~500 glyphs of body text on a full-page 1-bit dot field.
fn timing_page() -> Page {
    let dpi = 600u32;
    let (pw, ph) = crate::geom::page_px(crate::geom::A4_MM, dpi);
    // Copy-evident background: 2×2 px dots on a 6 px grid, 3×3 dots on a 6 px grid inside a
    // latent band, every dot nudged by a seeded hash so the field is not trivially periodic.
    let stride = pw.div_ceil(8);
    let mut bits = vec![0u8; (stride * ph) as usize];
    let mut s = 0x5EED_u64;
    for gy in (0..ph).step_by(6) {
        for gx in (0..pw).step_by(6) {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let latent = (2000..3000).contains(&gy) && (1000..4000).contains(&gx);
            let size = if latent { 3 } else { 2 };
            let (jx, jy) = (((s >> 40) & 1) as u32, ((s >> 50) & 1) as u32);
            for y in gy + jy..(gy + jy + size).min(ph) {
                for x in gx + jx..(gx + jx + size).min(pw) {
                    bits[(y * stride + x / 8) as usize] |= 0x80 >> (x % 8);
                }
            }
        }
    }
    let mut base = Layer::default();
    base.push(Item::Mask(BitMask {
        x: 0.0,
        y: 0.0,
        dpi,
        px_w: pw,
        px_h: ph,
        stride,
        bits: Arc::new(bits),
        ink: Ink::Black,
    }));
    base.push(shape(
        Path::rect(Rect::from_xywh(10.0, 10.0, 190.0, 277.0)),
        Paint::Stroke(0.5),
        Ink::Black,
    ));
    let text: Vec<char> = "住民票の写し見本市見本一郎令和七年十一月二十三日本籍筆頭者続柄世帯主長男東京都見本区一丁目番地号"
        .chars()
        .collect();
    let mut own = Layer::default();
    let em = crate::geom::pt_to_mm(10.5);
    for i in 0..500usize {
        let (col, row) = (i % 40, i / 40);
        own.push(Item::Glyph(Glyph {
            rot90: row % 5 == 4,
            ..glyph(
                text[i % text.len()],
                15.0 + col as f32 * em,
                30.0 + row as f32 * 12.0,
                em,
                false,
            )
        }));
    }
    own.push(shape(
        Path::rect(Rect::from_xywh(150.0, 240.0, 21.0, 21.0)),
        Paint::Fill,
        Ink::Red,
    ));
    Page {
        size: crate::geom::A4_MM,
        base: Arc::new(base),
        base_key: 600,
        own,
    }
}

/// On-CPU time of this thread (Linux schedstat), so timings hold up on a loaded machine.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// A stopwatch reporting wall and on-CPU milliseconds.
struct Watch(std::time::Instant, u64);

impl Watch {
    fn start() -> Watch {
        Watch(std::time::Instant::now(), cpu_ns())
    }
    /// (wall ms, cpu ms)
    fn ms(&self) -> (f64, f64) {
        (
            self.0.elapsed().as_secs_f64() * 1e3,
            (cpu_ns() - self.1) as f64 / 1e6,
        )
    }
}

#[test]
#[ignore = "timing: run with --release -- --ignored --nocapture"]
fn scratch_planes_timing() {
    // A worker's page: fresh planes per page (allocate, fault in, free) against the same
    // scratch planes reused; the painted bytes are identical.
    let page = timing_page();
    let painter = Painter::new(fonts());
    let _ = painter.paint_page(&page, 600);
    let best = |v: &mut Vec<(f64, f64)>| {
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        v[0]
    };
    let (mut fresh, mut reused) = (Vec::new(), Vec::new());
    let mut scratch = painter.paint_page(&page, 600);
    for _ in 0..8 {
        let t = Watch::start();
        let p = painter.paint_page(&page, 600);
        fresh.push(t.ms());
        drop(p);
        let t = Watch::start();
        painter.paint_page_into(&page, 600, &mut scratch);
        reused.push(t.ms());
    }
    assert_eq!(scratch, painter.paint_page(&page, 600));
    println!(
        "600 dpi page, fresh planes: wall/cpu {:.1?} ms; scratch planes reused: {:.1?} ms",
        best(&mut fresh),
        best(&mut reused)
    );
}

#[test]
#[ignore = "timing: run with --release -- --ignored --nocapture"]
fn page_600dpi_timing() {
    use crate::output::png::{encode_with, PngOptions};
    let page = timing_page();
    let painter = Painter::new(fonts());
    let best = |v: &mut Vec<(f64, f64)>| {
        v.sort_by(|a, b| a.1.total_cmp(&b.1));
        v[0]
    };
    let t = Watch::start();
    let _ = painter.paint_page(&page, 600);
    println!(
        "first page (base painted, glyphs rasterised): wall/cpu {:.1?} ms",
        t.ms()
    );
    let mut runs = Vec::new();
    let mut planes = None;
    for _ in 0..5 {
        let t = Watch::start();
        planes = Some(painter.paint_page(&page, 600));
        runs.push(t.ms());
    }
    let planes = planes.unwrap();
    println!(
        "paint_page warm (copy base + 500 glyphs + seal): wall/cpu {:.1?} ms",
        best(&mut runs)
    );
    let opts = PngOptions::default();
    use crate::output::png::RowFilter;
    let mut runs = Vec::new();
    let mut len = 0;
    for _ in 0..3 {
        let t = Watch::start();
        len = crate::output::png::encode_with_png_crate(&planes, &opts)
            .unwrap()
            .len();
        runs.push(t.ms());
    }
    println!(
        "encode gray via png crate (fdeflate, Up): wall/cpu {:.1?} ms, {:.2} MB",
        best(&mut runs),
        len as f64 / 1e6
    );
    for (name, f) in [
        ("Up", RowFilter::Up),
        ("Sub", RowFilter::Sub),
        ("None", RowFilter::None),
    ] {
        let mut runs = Vec::new();
        let mut len = 0;
        for _ in 0..3 {
            let t = Watch::start();
            len = encode_with(&planes, &opts, f).unwrap().len();
            runs.push(t.ms());
        }
        println!(
            "encode gray {name:9}: wall/cpu {:.1?} ms, {:.2} MB",
            best(&mut runs),
            len as f64 / 1e6
        );
    }
    for (name, color) in [
        ("rgb", crate::output::png::ColorMode::Rgb),
        ("mono", crate::output::png::ColorMode::Mono),
    ] {
        let t = Watch::start();
        let len = crate::output::png::encode_png(&planes, &PngOptions { color, ..opts })
            .unwrap()
            .len();
        println!(
            "encode {name}: wall/cpu {:.1?} ms, {:.2} MB",
            t.ms(),
            len as f64 / 1e6
        );
    }
    let mut runs = Vec::new();
    for _ in 0..5 {
        let t = Watch::start();
        let p = painter.paint_page(&page, 600);
        let bytes = crate::output::png::encode_png(&p, &opts).unwrap();
        runs.push(t.ms());
        if std::fs::create_dir_all("/tmp/paint").is_ok() {
            std::fs::write("/tmp/paint/page600_gray.png", &bytes).unwrap();
        }
    }
    println!(
        "paint + encode gray, 600 dpi A4 (best of 5): wall/cpu {:.1?} ms",
        best(&mut runs)
    );
}

#[test]
#[ignore = "writes /tmp/paint/sample_150dpi.png to look at"]
fn write_sample_png() {
    use crate::output::png::{encode_png, ColorMode, PngOptions};
    let painter = Painter::new(fonts());
    let mut layer = Layer::default();
    let em = 8.0;
    for (i, c) in "見本市見本一郎「ー」、。".chars().enumerate() {
        layer.push(Item::Glyph(glyph(c, 10.0 + i as f32 * em, 20.0, em, false)));
        layer.push(Item::Glyph(glyph(
            c,
            10.0 + em * 0.12,
            30.0 + i as f32 * em,
            em,
            true,
        )));
    }
    let mut ring = Path::new();
    // A seal: a red square frame with a character in it, over the text.
    ring.cmds
        .extend(Path::rect(Rect::from_xywh(40.0, 12.0, 18.0, 18.0)).cmds);
    ring.cmds
        .extend(Path::rect(Rect::from_xywh(41.5, 13.5, 15.0, 15.0)).cmds);
    layer.push(shape(ring, Paint::FillEvenOdd, Ink::Red));
    layer.push(Item::Glyph(Glyph {
        ink: Ink::Red,
        ..glyph('印', 42.0, 27.0, 14.0, false)
    }));
    layer.push(shape(
        Path::rect(Rect::from_xywh(70.0, 60.0, 30.0, 30.0)),
        Paint::Fill,
        Ink::Red,
    ));
    for (i, c) in "赤の下の文字".chars().enumerate() {
        layer.push(Item::Glyph(glyph(
            c,
            65.0 + i as f32 * 7.0,
            78.0,
            7.0,
            false,
        )));
    }
    let mut planes = Planes::new((120.0, 120.0), 150);
    painter.paint_layer(&mut planes, &layer);
    std::fs::create_dir_all("/tmp/paint").unwrap();
    for (name, color) in [
        ("rgb", ColorMode::Rgb),
        ("gray", ColorMode::Gray),
        ("mono", ColorMode::Mono),
    ] {
        let bytes = encode_png(
            &planes,
            &PngOptions {
                color,
                ..PngOptions::default()
            },
        )
        .unwrap();
        std::fs::write(format!("/tmp/paint/sample_150dpi_{name}.png"), bytes).unwrap();
    }
}
