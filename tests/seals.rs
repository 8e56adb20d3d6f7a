//! Seals on certificates: the official seal overlaps the end of the mayor's title line in every
//! layout, in red, and the glyphs under it are still there and still dark (multiply, not
//! paint-over); the registered impression sits centred in its box at its true size.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use shomei_engine::geom::Rect;
use shomei_engine::layout::{default_layout_dir, Catalog, Request};
use shomei_engine::output::png::{encode_png, ColorMode, PngOptions};
use shomei_engine::render::Renderer;
use shomei_engine::text::wareki::Date;
use shomei_engine::text::{glyph_ink, FontDb};
use shomei_engine::{Ink, Item};

fn bounds_of_red(items: &[Item]) -> Option<Rect> {
    let mut r: Option<Rect> = None;
    let mut add = |b: Rect| r = Some(r.map_or(b, |a| a.union(&b)));
    for it in items {
        match it {
            Item::Image(im) if im.ink == Ink::Red => add(im.rect),
            Item::Shape(s) if s.ink == Ink::Red => {
                let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
                for c in &s.path.cmds {
                    let pts: Vec<(f32, f32)> = match *c {
                        shomei_engine::display::PathCmd::MoveTo(x, y)
                        | shomei_engine::display::PathCmd::LineTo(x, y) => vec![(x, y)],
                        shomei_engine::display::PathCmd::QuadTo(a, b, x, y) => vec![(a, b), (x, y)],
                        shomei_engine::display::PathCmd::CubicTo(a, b, c2, d, x, y) => {
                            vec![(a, b), (c2, d), (x, y)]
                        }
                        shomei_engine::display::PathCmd::Close => vec![],
                    };
                    for (x, y) in pts {
                        x0 = x0.min(x);
                        y0 = y0.min(y);
                        x1 = x1.max(x);
                        y1 = y1.max(y);
                    }
                }
                if x0 <= x1 {
                    add(Rect::from_xywh(x0, y0, x1 - x0, y1 - y0));
                }
            }
            _ => {}
        }
    }
    r
}

#[test]
fn the_official_seal_overlaps_the_mayors_line_and_the_text_stays_dark_under_it() {
    let fonts = FontDb::shared().unwrap();
    let r = Renderer::new(
        fonts,
        Arc::new(Catalog::load_dir(&default_layout_dir()).unwrap()),
    );
    let dpi = 150;
    for t in r.catalog().layouts() {
        let path = default_layout_dir()
            .join("samples")
            .join(format!("{}.json", t.id));
        let data: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let req = Request {
            layout: &t.id,
            municipality: "mihon-shi",
            data: &data,
            items: None,
            serial: "1",
            issued_on: Date::new(2026, 11, 24).unwrap(),
        };
        let doc = r.compose(&req).unwrap();
        // The seal is on the front of the last sheet (a back side, where there is one, has none).
        let page = doc
            .pages
            .iter()
            .rev()
            .find(|p| bounds_of_red(&p.base.items).is_some())
            .unwrap_or_else(|| panic!("{}: no official seal", t.id));
        let seal = bounds_of_red(&page.base.items).unwrap();
        assert!(seal.w > 15.0 && seal.w < 32.0, "{}: seal {seal:?}", t.id);
        let under: Vec<Rect> = page
            .base
            .items
            .iter()
            .filter_map(|it| match it {
                Item::Glyph(g) if g.ink == Ink::Black => glyph_ink(fonts, g),
                _ => None,
            })
            .filter(|ink| ink.intersects(&seal, 0.0))
            .collect();
        assert!(
            !under.is_empty(),
            "{}: the seal overlaps no glyph of the mayor's line",
            t.id
        );
        // Paint in colour: where a glyph lies under the seal, its strokes stay dark.
        let planes = r.painter().paint_page(page, dpi);
        let png = encode_png(
            &planes,
            &PngOptions {
                color: ColorMode::Rgb,
                ..PngOptions::default()
            },
        )
        .unwrap();
        let mut dec = png::Decoder::new(std::io::Cursor::new(png))
            .read_info()
            .unwrap();
        let mut buf = vec![0; dec.output_buffer_size().unwrap()];
        let info = dec.next_frame(&mut buf).unwrap();
        let px = |x: f32, y: f32| {
            let (xi, yi) = (
                (x * dpi as f32 / 25.4) as usize,
                (y * dpi as f32 / 25.4) as usize,
            );
            let i = (yi * info.width as usize + xi) * 3;
            (buf[i], buf[i + 1], buf[i + 2])
        };
        let mut dark_under_red = 0;
        let mut red = 0;
        let step = 25.4 / dpi as f32;
        let mut y = seal.y;
        while y < seal.bottom() {
            let mut x = seal.x;
            while x < seal.right() {
                let (r8, g8, b8) = px(x, y);
                let in_glyph = under
                    .iter()
                    .any(|g| g.contains(&Rect::from_xywh(x, y, 0.0, 0.0), 0.0));
                if r8 > 150 && g8 < 120 && b8 < 120 {
                    red += 1;
                }
                if in_glyph && r8 < 60 && g8 < 60 && b8 < 60 {
                    dark_under_red += 1;
                }
                x += step;
            }
            y += step;
        }
        assert!(
            red > 200,
            "{}: the seal is not red ({red} red pixels)",
            t.id
        );
        assert!(
            dark_under_red > 10,
            "{}: the text under the seal is hidden ({dark_under_red} dark pixels)",
            t.id
        );
    }
}

#[test]
fn the_registered_impression_is_centred_at_its_true_size() {
    let fonts = FontDb::shared().unwrap();
    let r = Renderer::new(
        fonts,
        Arc::new(Catalog::load_dir(&default_layout_dir()).unwrap()),
    );
    let path = default_layout_dir().join("samples/inkan.json");
    let data: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let size = data["seal"]["size_mm"].as_f64().unwrap() as f32;
    let req = Request {
        layout: "inkan",
        municipality: "mihon-shi",
        data: &data,
        items: None,
        serial: "1",
        issued_on: Date::new(2026, 11, 24).unwrap(),
    };
    let doc = r.compose(&req).unwrap();
    let img = doc.pages[0]
        .own
        .items
        .iter()
        .find_map(|it| match it {
            Item::Image(im) => Some(im.clone()),
            _ => None,
        })
        .expect("the impression is the request's own");
    assert_eq!(img.ink, Ink::Red);
    // The seal box is [63, 38, 30, 30]: centred there, never stretched to fill it.
    let (cx, cy) = (img.rect.x + img.rect.w / 2.0, img.rect.y + img.rect.h / 2.0);
    assert!(
        (cx - 78.0).abs() < 0.3 && (cy - 53.0).abs() < 0.3,
        "{:?}",
        img.rect
    );
    assert!(
        img.rect.w < 30.0 && img.rect.w >= size - 0.5 && img.rect.w <= size + 3.0,
        "{:?}",
        img.rect
    );
}
