//! Tests of the page-level security print: the layers in a composed certificate's bases, the
//! duplex page order, determinism of PNG and PDF, per-issuer guilloche, the switches.

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, OnceLock};

use super::super::print::{PrintInk, SecurityPrint};
use super::*;
use crate::display::{Document, Ink, Page, Paint};
use crate::layout::{bind, default_layout_dir, Catalog, Composer, Request};
use crate::render::{Format, OutputOptions, Renderer};
use crate::text::wareki::Date;

fn sample() -> &'static serde_json::Value {
    static S: OnceLock<serde_json::Value> = OnceLock::new();
    S.get_or_init(|| {
        let p = default_layout_dir().join("samples/juminhyo.json");
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    })
}

fn catalog() -> Arc<Catalog> {
    static C: OnceLock<Arc<Catalog>> = OnceLock::new();
    C.get_or_init(|| Arc::new(Catalog::load_dir(&default_layout_dir()).unwrap()))
        .clone()
}

/// One renderer for the tests: its bases are built once.
fn renderer() -> &'static Renderer {
    static R: OnceLock<Renderer> = OnceLock::new();
    R.get_or_init(|| Renderer::new(FontDb::shared().unwrap(), catalog()))
}

fn date() -> Date {
    Date::new(2026, 11, 24).unwrap()
}

fn request(muni: &'static str) -> Request<'static> {
    Request {
        layout: "juminhyo",
        municipality: muni,
        data: sample(),
        items: None,
        serial: "000123",
        issued_on: date(),
    }
}

fn doc(muni: &'static str) -> Document {
    renderer().compose(&request(muni)).unwrap()
}

/// Composes with a changed profile on a fresh composer (its base cache knows only it).
fn doc_with(muni: &str, f: impl FnOnce(&mut SecurityPrint)) -> Document {
    let c = catalog();
    let t = c.layout("juminhyo").unwrap();
    let mut m = c.municipality(muni).unwrap().clone();
    f(&mut m.security);
    let b = bind(t, sample(), None, date()).unwrap();
    Composer::new(FontDb::shared().unwrap(), c.clone())
        .compose_bound(t, &m, &b, "000123", date())
        .unwrap()
}

/// The latent dot field: page-sized masks (the signed code and the microtext are small).
fn masks(l: &Layer) -> Vec<&BitMask> {
    l.items
        .iter()
        .filter_map(|i| match i {
            Item::Mask(m) if m.px_w > 1000 && m.px_h > 1000 => Some(m),
            _ => None,
        })
        .collect()
}

/// Guilloche lines: strokes 2 px wide.
fn guilloche_shapes(l: &Layer) -> Vec<&crate::display::Shape> {
    let w = (2.0 * MM_PER_PX) as f32;
    l.items
        .iter()
        .filter_map(|i| match i {
            Item::Shape(s) if s.paint == Paint::Stroke(w) => Some(s),
            _ => None,
        })
        .collect()
}

/// Microtext: 600-dpi masks one glyph (6 px) high or wide.
fn microtext_shapes(l: &Layer) -> Vec<&BitMask> {
    l.items
        .iter()
        .filter_map(|i| match i {
            Item::Mask(m) if m.dpi == 600 && m.px_w.min(m.px_h) == 6 => Some(m),
            _ => None,
        })
        .collect()
}

#[test]
fn front_base_carries_the_latent_field_microtext_and_guilloche_under_the_text() {
    let d = doc("mihon-shi");
    let front = &d.pages[0];
    // The latent field is the first item of the base: a 600-dpi bit mask under everything.
    let Item::Mask(m) = &front.base.items[0] else {
        panic!("the base does not start with the latent field");
    };
    assert_eq!(m.dpi, 600);
    assert_eq!(m.ink, Ink::Black);
    let r = m.rect();
    assert!(r.x < 10.0 && r.y < 10.0 && r.right() > 200.0 && r.bottom() > 287.0);
    // About 16 % coverage (dot set A, minus the camouflage lines).
    let set: u64 = m.bits.iter().map(|b| u64::from(b.count_ones())).sum();
    let cov = set as f64 / (f64::from(m.px_w) * f64::from(m.px_h));
    assert!((0.10..0.17).contains(&cov), "coverage {cov}");
    assert_eq!(masks(&front.base).len(), 1);
    let g = guilloche_shapes(&front.base);
    assert_eq!(g.len(), 6, "six woven curves (the default density)");
    assert!(
        microtext_shapes(&front.base).len() >= 4,
        "the microtext loop"
    );
    // Security layers come before the first glyph.
    let first_glyph = front
        .base
        .items
        .iter()
        .position(|i| matches!(i, Item::Glyph(_)))
        .unwrap();
    let last_security = front
        .base
        .items
        .iter()
        .rposition(|i| match i {
            Item::Shape(s) => g.iter().any(|x| std::ptr::eq(*x, s)),
            Item::Mask(_) => true,
            _ => false,
        })
        .unwrap();
    assert!(last_security < first_glyph);
    // The serial microtext is the request's own, small.
    let own = microtext_shapes(&front.own);
    assert_eq!(own.len(), 1);
    assert!(own[0].bits.len() < 8_000, "{}", own[0].bits.len());
}

#[test]
fn pages_alternate_front_and_back() {
    let d = doc("mihon-shi");
    // Five members, four a sheet: two fronts, each followed by its back.
    assert_eq!(d.pages.len(), 4);
    let (f1, b1, f2, b2) = (&d.pages[0], &d.pages[1], &d.pages[2], &d.pages[3]);
    assert_eq!(b1.base_key, b2.base_key);
    assert!(Arc::ptr_eq(&b1.base, &b2.base));
    assert_ne!(f1.base_key, b1.base_key);
    assert_ne!(f2.base_key, b1.base_key);
    for b in [b1, b2] {
        let ms = masks(&b.base);
        assert_eq!(ms.len(), 1);
        assert_eq!(ms[0].dpi, 600);
        // The reserved scramble area is blank: no latent dot inside it.
        let sec = SecurityPrint::default();
        let r = rect(sec.back.scramble_mm);
        let m = ms[0];
        let k = MM_PER_PX as f32;
        let (x0, y0) = (((r.x - m.x) / k) as u32 + 2, ((r.y - m.y) / k) as u32 + 2);
        let (x1, y1) = (
            ((r.right() - m.x) / k) as u32 - 2,
            ((r.bottom() - m.y) / k) as u32 - 2,
        );
        assert!((y0..y1).step_by(7).all(|y| (x0..x1).all(|x| !m.get(x, y))));
        assert!(!guilloche_shapes(&b.base).is_empty());
        assert!(microtext_shapes(&b.base).len() >= 4);
        // The explanation is text.
        assert!(b.base.items.iter().any(|i| matches!(i, Item::Glyph(_))));
        assert_eq!(microtext_shapes(&b.own).len(), 1, "serial on the back too");
    }
}

#[test]
fn renders_are_byte_identical() {
    let r = renderer();
    let png = OutputOptions {
        format: Format::Png,
        dpi: 60,
        color: crate::output::png::ColorMode::Gray,
    };
    let a = r.render(&request("mihon-shi"), &png).unwrap();
    let b = r.render(&request("mihon-shi"), &png).unwrap();
    assert_eq!(a.files.len(), 4);
    assert_eq!(a, b);
    let pdf = OutputOptions::default();
    let a = r.render(&request("mihon-shi"), &pdf).unwrap();
    let b = r.render(&request("mihon-shi"), &pdf).unwrap();
    assert_eq!(a, b);
    // A fresh composer (cold base) gives the same display list (the renderer's scrambled
    // image on the backs comes after composition).
    let warm = r.composer().compose(&request("mihon-shi")).unwrap();
    assert_eq!(warm, doc_with("mihon-shi", |_| {}));
}

/// Objects of a PDF by number (plain dictionaries; streams stay compressed).
fn pdf_objects(pdf: &[u8]) -> Vec<(u32, &[u8])> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = find(&pdf[i..], b" 0 obj") {
        let at = i + p;
        let mut s = at;
        while s > 0 && pdf[s - 1].is_ascii_digit() {
            s -= 1;
        }
        let n: u32 = std::str::from_utf8(&pdf[s..at]).unwrap().parse().unwrap();
        let end = find(&pdf[at..], b"endobj").map_or(pdf.len(), |e| at + e);
        out.push((n, &pdf[at..end]));
        i = end;
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn pdf_has_the_image_mask_inside_the_base_form() {
    let a = renderer()
        .render(&request("mihon-shi"), &OutputOptions::default())
        .unwrap();
    let pdf = &a.files[0];
    let objs = pdf_objects(pdf);
    let masks: Vec<u32> = objs
        .iter()
        .filter(|(_, d)| find(d, b"/ImageMask true").is_some())
        .inspect(|(_, d)| assert!(find(d, b"/Interpolate false").is_some()))
        .map(|(n, _)| *n)
        .collect();
    assert!(!masks.is_empty());
    let forms: Vec<&[u8]> = objs
        .iter()
        .filter(|(_, d)| find(d, b"/Form").is_some())
        .map(|(_, d)| *d)
        .collect();
    assert!(forms.len() >= 2, "front and back bases");
    let (in_base, outside): (Vec<u32>, Vec<u32>) = masks.iter().partition(|n| {
        let r = format!(" {n} 0 R");
        forms.iter().any(|d| find(d, r.as_bytes()).is_some())
    });
    assert!(
        in_base.len() >= 2,
        "the latent fields of front and back are in the bases"
    );
    // The only per-request image masks are the signed 2D code on each back and the serial
    // microtext line of every side (the scrambled front is text in a module font).
    assert!(find(pdf, b"/Type3").is_some());
    assert_eq!(
        outside.len(),
        a.pages / 2 + a.pages,
        "masks outside the bases: {outside:?}"
    );
}

#[test]
fn another_issuer_draws_another_guilloche() {
    let a = doc("mihon-shi");
    let b = doc("kaku-ku");
    let ga = guilloche_shapes(&a.pages[0].base);
    let gb = guilloche_shapes(&b.pages[0].base);
    assert!(!ga.is_empty() && !gb.is_empty());
    assert_ne!(ga[0].path, gb[0].path);
    // The seed in the profile counts too.
    let c = doc_with("mihon-shi", |_| {});
    assert_eq!(guilloche_shapes(&c.pages[0].base)[0].path, ga[0].path);
}

#[test]
fn switches_remove_the_layers() {
    let off = doc_with("mihon-shi", |s| s.enabled = false);
    assert_eq!(off.pages.len(), 2, "fronts only");
    for p in &off.pages {
        assert!(masks(&p.base).is_empty());
        assert!(guilloche_shapes(&p.base).is_empty());
        assert!(microtext_shapes(&p.base).is_empty());
        assert!(microtext_shapes(&p.own).is_empty());
    }
    let simplex = doc_with("mihon-shi", |s| s.back_side = false);
    assert_eq!(simplex.pages.len(), 2);
    assert_eq!(masks(&simplex.pages[0].base).len(), 1);
    let parts = doc_with("mihon-shi", |s| {
        s.latent.enabled = false;
        s.guilloche.ink = PrintInk::Red;
        s.microtext.serial = false;
    });
    assert_eq!(parts.pages.len(), 4);
    assert!(masks(&parts.pages[0].base).is_empty());
    assert!(guilloche_shapes(&parts.pages[0].base)
        .iter()
        .all(|s| s.ink == Ink::Red));
    assert!(microtext_shapes(&parts.pages[0].own).is_empty());
}

#[test]
fn layout_overrides_and_profile_errors() {
    let src = std::fs::read_to_string(default_layout_dir().join("juminhyo.toml")).unwrap();
    let t = crate::layout::Template::parse(
        "juminhyo.toml",
        &format!("{src}\n[security]\nback_side = false\n[security.latent]\ndot_set = \"B\"\n"),
    )
    .unwrap();
    let m = catalog().municipality("mihon-shi").unwrap().clone();
    let s = resolve(&m, &t).unwrap();
    assert!(!s.back_side);
    assert_eq!(s.latent.dot_set, super::super::DotSet::B);
    assert!(
        s.guilloche.enabled,
        "keys not overridden keep the profile's"
    );
    let e = crate::layout::Template::parse(
        "juminhyo.toml",
        &format!("{src}\n[security.latent]\ndots = \"B\"\n"),
    )
    .unwrap_err();
    assert!(format!("{e}").contains("security"), "{e}");
    let p = std::fs::read_to_string(default_layout_dir().join("municipalities/mihon-shi.toml"))
        .unwrap();
    let e = Municipality::parse(
        "mihon-shi.toml",
        &format!("{p}\n[security.microtext]\nheight_mm = 0.5\n"),
    )
    .unwrap_err();
    assert!(
        format!("{e}").contains("security.microtext.height_mm"),
        "{e}"
    );
    let e = Municipality::parse(
        "mihon-shi.toml",
        &format!("{p}\n[security.microtext]\ntext = \"見本\"\n"),
    )
    .unwrap_err();
    assert!(format!("{e}").contains("security.microtext.text"), "{e}");
}

#[test]
fn keepouts_break_the_frame_around_text() {
    let p = Path::rect(Rect::from_xywh(0.0, 0.0, 100.0, 10.0));
    // Densify the top edge so that vertices fall inside the keep-out.
    let mut q = Path::new();
    q.move_to(0.0, 0.0);
    for i in 1..=100 {
        q.line_to(i as f32, 0.0);
    }
    let cut = cut_path(&q, &[Rect::from_xywh(40.0, -1.0, 20.0, 2.0)]).unwrap();
    let moves = cut
        .cmds
        .iter()
        .filter(|c| matches!(c, PathCmd::MoveTo(..)))
        .count();
    assert_eq!(moves, 2);
    assert!(cut_path(&p, &[Rect::from_xywh(200.0, 0.0, 1.0, 1.0)]).is_none());
    assert_eq!(
        free_intervals(
            0.0,
            100.0,
            vec![(10.0, 20.0), (15.0, 30.0), (90.0, 120.0)],
            1.0
        ),
        vec![(0.0, 10.0), (30.0, 90.0)]
    );
    assert_eq!(serial_text("見本-000123a"), "-000123A");
}

/// Paints a window of a page at 600 dpi: its items moved so that the window's corner (a whole
/// 600-dpi pixel) is the origin.
fn paint_window(page: &Page, x_px: u32, y_px: u32, w_px: u32, h_px: u32) -> GrayWindow {
    let k = MM_PER_PX as f32;
    let (dx, dy) = (-(x_px as f32) * k, -(y_px as f32) * k);
    let shift = |l: &Layer| {
        let mut out = Layer::default();
        for it in &l.items {
            out.push(match it {
                Item::Glyph(g) => Item::Glyph(crate::display::Glyph {
                    x: g.x + dx,
                    y: g.y + dy,
                    ..*g
                }),
                Item::Mask(m) => Item::Mask(BitMask {
                    x: m.x + dx,
                    y: m.y + dy,
                    ..m.clone()
                }),
                Item::Image(im) => Item::Image(crate::display::Image {
                    rect: im.rect.translate(dx, dy),
                    ..im.clone()
                }),
                Item::Modules(f) => Item::Modules(crate::display::ModuleField {
                    x: f.x + dx,
                    y: f.y + dy,
                    ..f.clone()
                }),
                Item::Cmyk(im) => Item::Cmyk(crate::display::CmykImage {
                    rect: im.rect.translate(dx, dy),
                    ..im.clone()
                }),
                Item::Shape(s) => {
                    let mv = |x: f32, y: f32| (x + dx, y + dy);
                    let cmds = s
                        .path
                        .cmds
                        .iter()
                        .map(|c| match *c {
                            PathCmd::MoveTo(x, y) => {
                                let (x, y) = mv(x, y);
                                PathCmd::MoveTo(x, y)
                            }
                            PathCmd::LineTo(x, y) => {
                                let (x, y) = mv(x, y);
                                PathCmd::LineTo(x, y)
                            }
                            PathCmd::QuadTo(a, b, x, y) => {
                                PathCmd::QuadTo(a + dx, b + dy, x + dx, y + dy)
                            }
                            PathCmd::CubicTo(a, b, c, d, x, y) => {
                                PathCmd::CubicTo(a + dx, b + dy, c + dx, d + dy, x + dx, y + dy)
                            }
                            PathCmd::Close => PathCmd::Close,
                        })
                        .collect();
                    Item::Shape(crate::display::Shape {
                        path: Arc::new(Path { cmds }),
                        ..s.clone()
                    })
                }
            });
        }
        out
    };
    let size = (w_px as f32 * k, h_px as f32 * k);
    let mut planes = crate::paint::Planes::new(size, 600);
    let painter = renderer().painter();
    painter.paint_layer(&mut planes, &shift(&page.base));
    painter.paint_layer(&mut planes, &shift(&page.own));
    GrayWindow(planes)
}

struct GrayWindow(crate::paint::Planes);

impl GrayWindow {
    fn darkness(&self) -> super::super::sim::GrayF32 {
        let p = &self.0;
        let mut g = super::super::sim::GrayF32::new(p.width, p.height, 600);
        for (i, d) in g.data.iter_mut().enumerate() {
            let k = f32::from(p.planes[0][i]) / 255.0;
            let r = f32::from(p.planes[1][i]) / 255.0;
            *d = 1.0 - (1.0 - k) * (1.0 - 0.6 * r);
        }
        g
    }
}

#[test]
fn latent_field_reaches_a_page_window_at_600_dpi_one_to_one() {
    let d = doc("mihon-shi");
    // 10 × 10 mm at (100, 150) mm: dots only where no text is; painted bits equal the mask's.
    let (x, y) = (2362, 3543);
    let w = paint_window(&d.pages[0], x, y, 236, 236).darkness();
    let Item::Mask(m) = &d.pages[0].base.items[0] else {
        panic!()
    };
    let k = MM_PER_PX as f32;
    let (mx, my) = ((m.x / k).round() as u32, (m.y / k).round() as u32);
    let mut same = 0;
    let mut inked = 0;
    for yy in 0..236 {
        for xx in 0..236 {
            let bit = m.get(x + xx - mx, y + yy - my);
            let v = w.data[(yy * 236 + xx) as usize];
            if bit {
                inked += 1;
                same += u32::from(v > 0.99);
            }
        }
    }
    assert!(inked > 5000);
    assert_eq!(same, inked, "every mask pixel is printed solid");
}

/// Writes previews to /tmp/secint: the front and back at 150 dpi, a 600-dpi window of the
/// front and its simulated copy. `cargo test --release -p shomei-engine --lib
/// security::page::tests::preview -- --ignored`.
#[test]
#[ignore]
fn preview() {
    use super::super::sim::{copy, CopierSettings, CopyMode};
    let dir = std::path::Path::new("/tmp/secint");
    std::fs::create_dir_all(dir).unwrap();
    let d = doc("mihon-shi");
    // 60 × 40 mm of the first member's rows, 1:1 at 600 dpi, and a 110 × 90 mm window for the
    // copies (a whole 28-mm word needs room).
    let (x, y) = ((15.0 / MM_PER_PX) as u32, (52.0 / MM_PER_PX) as u32);
    let (w, h) = ((60.0 / MM_PER_PX) as u32, (40.0 / MM_PER_PX) as u32);
    paint_window(&d.pages[0], x, y, w, h)
        .darkness()
        .write_png(&dir.join("front-600-crop.png"))
        .unwrap();
    let (w, h) = ((110.0 / MM_PER_PX) as u32, (90.0 / MM_PER_PX) as u32);
    let orig = paint_window(&d.pages[0], x, y, w, h).darkness();
    orig.write_png(&dir.join("front-600-window.png")).unwrap();
    for (name, mode) in [("text", CopyMode::Text), ("photo", CopyMode::Photo)] {
        let s = CopierSettings {
            mode,
            rotation_deg: 0.4,
            offset_px: (0.3, 0.6),
            ..CopierSettings::default()
        };
        copy(&orig, &s)
            .write_png(&dir.join(format!("front-600-copy-{name}.png")))
            .unwrap();
    }
    // Corner: frame, microtext, guilloche at 600 dpi.
    let corner = paint_window(&d.pages[0], 3900, 0, 1061, 400).darkness();
    corner.write_png(&dir.join("front-600-corner.png")).unwrap();
    let back = paint_window(&d.pages[1], 0, 0, 1500, 1500).darkness();
    back.write_png(&dir.join("back-600-corner.png")).unwrap();
}

/// Prints the cost of the per-request serial line (dev profile; not a timed assertion).
#[test]
#[ignore]
fn serial_line_cost() {
    let m = catalog().municipality("mihon-shi").unwrap().clone();
    let sec = m.security.clone();
    let t = std::time::Instant::now();
    let n = 200;
    let mut cmds = 0;
    for _ in 0..n {
        let l = serial_layer(&sec, &m, (210.0, 297.0), Side::Front, "000123").unwrap();
        cmds = microtext_shapes(&l)[0].bits.len();
    }
    println!(
        "serial line: {:.3} ms each, {cmds} mask bytes",
        t.elapsed().as_secs_f64() * 1e3 / f64::from(n)
    );
}
