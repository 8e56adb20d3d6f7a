//! Tests of the infrared latent image: CIEDE2000 against Sharma's data, the grey balance, the
//! acceptance metrics on the image placed on a back page, the PDF object, determinism.

use std::sync::OnceLock;

use super::*;
use crate::display::{Document, Item, Page};
use crate::layout::{default_layout_dir, Catalog};
use crate::output::pdf::{PdfOptions, PdfWriter};
use crate::security::back_layer;

/// Sharma, Wu and Dalal (2005), Table 1: (L*a*b* 1, L*a*b* 2, ΔE00).
const SHARMA: [([f64; 3], [f64; 3], f64); 34] = [
    ([50.0, 2.6772, -79.7751], [50.0, 0.0, -82.7485], 2.0425),
    ([50.0, 3.1571, -77.2803], [50.0, 0.0, -82.7485], 2.8615),
    ([50.0, 2.8361, -74.0200], [50.0, 0.0, -82.7485], 3.4412),
    ([50.0, -1.3802, -84.2814], [50.0, 0.0, -82.7485], 1.0000),
    ([50.0, -1.1848, -84.8006], [50.0, 0.0, -82.7485], 1.0000),
    ([50.0, -0.9009, -85.5211], [50.0, 0.0, -82.7485], 1.0000),
    ([50.0, 0.0, 0.0], [50.0, -1.0, 2.0], 2.3669),
    ([50.0, -1.0, 2.0], [50.0, 0.0, 0.0], 2.3669),
    ([50.0, 2.4900, -0.0010], [50.0, -2.4900, 0.0009], 7.1792),
    ([50.0, 2.4900, -0.0010], [50.0, -2.4900, 0.0010], 7.1792),
    ([50.0, 2.4900, -0.0010], [50.0, -2.4900, 0.0011], 7.2195),
    ([50.0, 2.4900, -0.0010], [50.0, -2.4900, 0.0012], 7.2195),
    ([50.0, -0.0010, 2.4900], [50.0, 0.0009, -2.4900], 4.8045),
    ([50.0, -0.0010, 2.4900], [50.0, 0.0010, -2.4900], 4.8045),
    ([50.0, -0.0010, 2.4900], [50.0, 0.0011, -2.4900], 4.7461),
    ([50.0, 2.5, 0.0], [50.0, 0.0, -2.5], 4.3065),
    ([50.0, 2.5, 0.0], [73.0, 25.0, -18.0], 27.1492),
    ([50.0, 2.5, 0.0], [61.0, -5.0, 29.0], 22.8977),
    ([50.0, 2.5, 0.0], [56.0, -27.0, -3.0], 31.9030),
    ([50.0, 2.5, 0.0], [58.0, 24.0, 15.0], 19.4535),
    ([50.0, 2.5, 0.0], [50.0, 3.1736, 0.5854], 1.0000),
    ([50.0, 2.5, 0.0], [50.0, 3.2972, 0.0], 1.0000),
    ([50.0, 2.5, 0.0], [50.0, 1.8634, 0.5757], 1.0000),
    ([50.0, 2.5, 0.0], [50.0, 3.2592, 0.3350], 1.0000),
    (
        [60.2574, -34.0099, 36.2677],
        [60.4626, -34.1751, 39.4387],
        1.2644,
    ),
    (
        [63.0109, -31.0961, -5.8663],
        [62.8187, -29.7946, -4.0864],
        1.2630,
    ),
    (
        [61.2901, 3.7196, -5.3901],
        [61.4292, 2.2480, -4.9620],
        1.8731,
    ),
    (
        [35.0831, -44.1164, 3.7933],
        [35.0232, -40.0716, 1.5901],
        1.8645,
    ),
    (
        [22.7233, 20.0904, -46.6940],
        [23.0331, 14.9730, -42.5619],
        2.0373,
    ),
    (
        [36.4612, 47.8580, 18.3852],
        [36.2715, 50.5065, 21.2231],
        1.4146,
    ),
    (
        [90.8027, -2.0831, 1.4410],
        [91.1528, -1.6435, 0.0447],
        1.4441,
    ),
    (
        [90.9257, -0.5406, -0.9208],
        [88.6381, -0.8985, -0.7239],
        1.5381,
    ),
    (
        [6.7747, -0.2908, -2.4247],
        [5.8714, -0.0985, -2.2286],
        0.6377,
    ),
    (
        [2.0776, 0.0795, -1.1350],
        [0.9033, -0.0636, -0.5514],
        0.9082,
    ),
];

#[test]
fn ciede2000_matches_sharma_data() {
    for (i, (a, b, want)) in SHARMA.iter().enumerate() {
        let got = delta_e00(*a, *b);
        assert!((got - want).abs() < 5e-5, "pair {}: {got} vs {want}", i + 1);
        // Symmetric.
        assert!((delta_e00(*b, *a) - got).abs() < 1e-9, "pair {}", i + 1);
    }
    assert_eq!(delta_e00([50.0, 10.0, -3.0], [50.0, 10.0, -3.0]), 0.0);
}

#[test]
fn lab_of_paper_and_black() {
    let w = linear_to_lab([1.0, 1.0, 1.0]);
    assert!(
        (w[0] - 100.0).abs() < 1e-3 && w[1].abs() < 1e-2 && w[2].abs() < 1e-2,
        "{w:?}"
    );
    assert_eq!(linear_to_lab([0.0; 3])[0], 0.0);
    for v in [0.0, 0.002, 0.2, 0.5, 1.0] {
        assert!((srgb_decode(srgb_encode(v)) - v).abs() < 1e-9);
    }
}

#[test]
fn grey_balance_has_cyan_above_magenta_equal_yellow_and_matches() {
    let model = DyeModel::default();
    let bal = default_balance();
    assert_eq!(bal.len(), 256);
    assert_eq!(bal[0], [0, 0, 0]);
    let top = (MAX_TONE * 255.0).round() as usize;
    for (kb, e) in bal.iter().enumerate().take(top + 1).skip(20) {
        assert!(e[0] > e[1] && e[1] == e[2], "K {kb}: {e:?}");
        // A flat patch half K, half its balance: 2 mm blocks inside against outside.
        let k = [0.0, 0.0, 0.0, kb as f64 / 255.0];
        let c = e.map(|v| f64::from(v) / 255.0);
        let de = delta_e00(model.lab(k), model.lab([c[0], c[1], c[2], 0.0]));
        assert!(de <= 2.0, "K {kb}: ΔE00 {de}");
    }
    // "Slightly above": C within 10–40 % of M at mid-tone.
    let e = bal[115];
    let r = f64::from(e[0]) / f64::from(e[1]);
    assert!((1.1..1.4).contains(&r), "{e:?}");
    // Monotone.
    for w in bal[..=top].windows(2) {
        assert!(w[1][0] >= w[0][0] && w[1][1] >= w[0][1], "{w:?}");
    }
}

#[test]
fn ir_and_copy_of_flat_patches() {
    let model = DyeModel::default();
    let bal = default_balance();
    let e = bal[115];
    let k = [0.0, 0.0, 0.0, 115.0 / 255.0];
    let c = e.map(|v| f64::from(v) / 255.0);
    let c = [c[0], c[1], c[2], 0.0];
    let weber = |l: f64, s: f64| (s - l) / s;
    assert!(weber(model.ir(k), model.ir(c)) > 0.35);
    let copy = |t: [f64; 4]| {
        let rgb = model
            .reflectance(t)
            .map(|v| (srgb_encode(v) * 255.0).round() as u8);
        model.ir(copier_separation(rgb))
    };
    assert!(weber(copy(k), copy(c)).abs() < 0.02);
}

fn catalog() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(|| Catalog::load_dir(&default_layout_dir()).unwrap())
}

/// The back page of the juminhyo layout for mihon-shi, as the composer builds its base.
fn back_page() -> Page {
    static P: OnceLock<Page> = OnceLock::new();
    P.get_or_init(build_back_page).clone()
}

fn build_back_page() -> Page {
    let c = catalog();
    let t = c.layout("juminhyo").unwrap();
    let m = c.municipality("mihon-shi").unwrap();
    let sec = crate::security::resolve(m, t).unwrap();
    let size = (t.size[0], t.size[1]);
    let base = back_layer(FontDb::shared().unwrap(), &sec, m, &t.id, size).unwrap();
    Page {
        size,
        base: Arc::new(base),
        base_key: 7,
        own: Default::default(),
    }
}

fn cmyk_item(p: &Page) -> &CmykImage {
    let found: Vec<_> = p
        .base
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Cmyk(c) => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(found.len(), 1);
    found[0]
}

#[test]
fn the_image_on_the_back_page_passes_the_metrics() {
    let page = back_page();
    let im = cmyk_item(&page);
    let sec = crate::security::print::BackPrint::default();
    let r = sec.ir_mm;
    assert_eq!(
        (im.rect.x, im.rect.y, im.rect.w, im.rect.h),
        (r[0], r[1], r[2], r[3])
    );
    assert_eq!(im.px_w, (45.0f64 * 300.0 / 25.4).round() as u32);
    assert_eq!(im.data.len(), 4 * (im.px_w * im.px_h) as usize);
    // Every pixel is paper, pure K, or C, M, Y without K.
    let (mut k, mut cmy) = (0usize, 0usize);
    for px in im.data.chunks_exact(4) {
        if px[3] > 0 {
            assert_eq!(&px[..3], &[0, 0, 0]);
            k += 1;
        } else if px[..3] != [0, 0, 0] {
            cmy += 1;
        }
    }
    assert!(k > 20_000 && cmy > 50_000, "{k} K px, {cmy} CMY px");
    let m = ir_metrics(im, IR_DPI, &DyeModel::default());
    assert!(m.blocks > 300, "{m:?}");
    assert!(m.visible_de_mean <= 2.0, "{m:?}");
    assert!(m.visible_de_max <= 3.0, "{m:?}");
    assert!(m.ir_contrast >= 0.30, "{m:?}");
    assert!(m.copy_contrast <= 0.05, "{m:?}");
}

#[test]
fn the_latent_character_has_millimetre_structure() {
    // Every K pixel lies in a K run at least 1 mm long (horizontally or vertically), so no
    // structure of the latent is finer than a millimetre (apart from the picture's own texture
    // where the tone rounds to paper).
    let page = back_page();
    let im = cmyk_item(&page);
    let (w, h) = (im.px_w as usize, im.px_h as usize);
    let is_k = |x: usize, y: usize| im.data[4 * (y * w + x) + 3] > 0;
    let run = 12; // 1 mm at 300 dpi ≈ 11.8 px
    let mut thin = 0usize;
    let mut total = 0usize;
    for y in 0..h {
        for x in 0..w {
            if !is_k(x, y) {
                continue;
            }
            total += 1;
            let hr = (x.saturating_sub(run)..(x + run).min(w))
                .collect::<Vec<_>>()
                .windows(run)
                .any(|s| s.iter().all(|&xx| is_k(xx, y)));
            let vr = (y.saturating_sub(run)..(y + run).min(h))
                .collect::<Vec<_>>()
                .windows(run)
                .any(|s| s.iter().all(|&yy| is_k(x, yy)));
            if !(hr || vr) {
                thin += 1;
            }
        }
    }
    assert!(
        (thin as f64) < 0.01 * total as f64,
        "{thin} of {total} K px in sub-millimetre structure"
    );
}

#[test]
fn deterministic_and_keyed_per_issuer() {
    let rect = Rect::from_xywh(15.0, 236.0, 45.0, 45.0);
    let cfg = IrConfig {
        dpi: 100,
        issuer: "999991".into(),
        seed: 1,
        ..IrConfig::default()
    };
    let a = ir_image(&cfg, rect).unwrap();
    let b = ir_image(&cfg, rect).unwrap();
    assert_eq!(a, b);
    let other = ir_image(
        &IrConfig {
            seed: 2,
            ..cfg.clone()
        },
        rect,
    )
    .unwrap();
    assert_ne!(a.data, other.data);
    assert!(ir_image(&cfg, Rect::from_xywh(0.0, 0.0, 5.0, 45.0)).is_err());
    let missing = IrConfig {
        word: "\u{E000}".into(),
        ..cfg
    };
    assert!(matches!(
        ir_image(&missing, rect),
        Err(Error::MissingGlyph { .. })
    ));
}

/// The bytes of the `n`-th stream-bearing object whose dictionary contains `needle`.
fn find_dict<'a>(pdf: &'a [u8], needle: &[u8]) -> Option<&'a [u8]> {
    let pos = pdf.windows(needle.len()).position(|w| w == needle)?;
    let start = pdf[..pos]
        .windows(3)
        .rposition(|w| w == b"obj")
        .unwrap_or(0);
    let end = pos + pdf[pos..].windows(6).position(|w| w == b"stream")?;
    Some(&pdf[start..end])
}

#[test]
fn pdf_has_a_device_cmyk_image_in_the_back_base_and_is_deterministic() {
    let page = back_page();
    let doc = Document {
        pages: vec![page.clone(), page],
        ..Document::default()
    };
    let w = PdfWriter::new(FontDb::shared().unwrap());
    let a = w.write(&doc, &PdfOptions::default()).unwrap();
    let b = PdfWriter::new(FontDb::shared().unwrap())
        .write(&doc, &PdfOptions::default())
        .unwrap();
    assert_eq!(a, b, "same bytes twice");
    let dict = find_dict(&a, b"/ColorSpace/DeviceCMYK").expect("a DeviceCMYK image");
    let dict = String::from_utf8_lossy(dict);
    assert!(dict.contains("/Subtype/Image"), "{dict}");
    assert!(dict.contains("/BitsPerComponent 8"), "{dict}");
    assert!(dict.contains("/Width 531"), "{dict}");
    assert!(dict.contains("/Height 531"), "{dict}");
    assert!(dict.contains("/Filter/FlateDecode"), "{dict}");
    assert!(
        !dict.contains("ICCBased") && !dict.contains("SMask"),
        "{dict}"
    );
    let text = String::from_utf8_lossy(&a);
    assert!(!text.contains("/OutputIntents") && !text.contains("/OP true"));
    // Two back pages share one base: the image is written once.
    assert_eq!(text.matches("/DeviceCMYK/BitsPerComponent").count(), 1);
}

#[test]
fn painter_paints_the_visible_grey() {
    let page = back_page();
    let im = cmyk_item(&page).clone();
    let painter = crate::paint::Painter::new(FontDb::shared().unwrap());
    let mut planes = crate::paint::Planes::new((80.0, 80.0), 100);
    let placed = CmykImage {
        rect: Rect::from_xywh(10.0, 10.0, 45.0, 45.0),
        ..im
    };
    painter.paint_layer(
        &mut planes,
        &crate::display::Layer {
            items: vec![Item::Cmyk(placed)],
        },
    );
    let black = planes.plane(crate::Ink::Black);
    let w = planes.width as usize;
    // Paper at the corner, grey on a petal (12 mm right of the centre at 32.5 mm), light at
    // the centre.
    assert_eq!(black[w * 45 + 45], 0);
    let cx = 128;
    let c = black[w * cx + cx];
    let p = (0..360)
        .map(|a| {
            let a = (a as f64).to_radians();
            let x = (cx as f64 + 47.0 * a.cos()).round() as usize;
            let y = (cx as f64 + 47.0 * a.sin()).round() as usize;
            black[w * y + x]
        })
        .max()
        .unwrap();
    assert!(c > 10 && c + 20 < p, "centre {c}, petal {p}");
    assert!(p > 50 && p < 160, "petal {p}");
    assert!(planes.plane(crate::Ink::Red).iter().all(|&v| v == 0));
}

#[test]
fn the_match_survives_a_printer_drifting_from_the_profile() {
    // The image is balanced for the default model; a printer whose solids are 10 % denser or
    // lighter than profiled must still keep the latent invisible (ΔE00 ≤ 2).
    let page = back_page();
    let im = cmyk_item(&page);
    for (j, f) in [(0usize, 1.1), (1, 1.1), (2, 0.9), (3, 0.9), (3, 1.1)] {
        let mut model = DyeModel::default();
        model.density[j].iter_mut().for_each(|d| *d *= f);
        let m = ir_metrics(im, IR_DPI, &model);
        assert!(m.visible_de_max <= 2.0, "colorant {j} × {f}: {m:?}");
        assert!(m.copy_contrast <= 0.05, "colorant {j} × {f}: {m:?}");
    }
}
