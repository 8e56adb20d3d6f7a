//! The municipality's square official seal (角印) generated from text: characters in the
//! traditional order (columns right to left, each read top to bottom), each glyph stretched to
//! fill its cell, a square border, vermilion ink, optionally a seeded ink texture.

use std::sync::Arc;

use tiny_skia::Transform;

use crate::display::{Image, Ink, Item, Paint, Path, Shape};
use crate::error::{Error, Result};
use crate::geom::Rect;
use crate::seal::outline::glyph_outline;
use crate::seal::raster::{self, InkTexture, Roughness};

/// Resolution a textured official seal is baked at (its texture is finer than a printer dot
/// at 600 dpi, so it is sampled down, never up).
pub const TEXTURE_DPI: u32 = 1200;

/// Settings of a generated square official seal, from the municipality profile.
#[derive(Clone, Debug, PartialEq)]
pub struct KakuinSpec {
    /// The seal's text in reading order, e.g. `見本市長之印`.
    pub text: String,
    /// Side of the square, mm (outer edge of the border). 10–60.
    pub size_mm: f32,
    /// Border weight, mm. 0 (none) up to a sixth of the side.
    pub border_mm: f32,
    /// Number of columns; `None` chooses the usual arrangement (6 characters: 3 columns of 2;
    /// 4: 2×2; 5: 3 + 2; 9: 3×3).
    pub columns: Option<u8>,
    /// Seed of the ink texture (rough edges, mottled ink, knock-outs); `None` draws clean
    /// vector outlines.
    pub texture_seed: Option<u64>,
    /// Font family of the characters (a family of the font manifest: `mincho`, `gothic-bold` …).
    pub font_family: String,
    /// Extra stroke weight added to every glyph, mm (a seal's strokes are heavier than text).
    pub weight_mm: f32,
}

impl KakuinSpec {
    /// A seal with the default look: Mincho strokes made heavier, a border of 1/24 of the side,
    /// the usual arrangement, no texture.
    pub fn new(text: &str, size_mm: f32) -> Self {
        KakuinSpec {
            text: text.to_string(),
            size_mm,
            border_mm: size_mm / 24.0,
            columns: None,
            texture_seed: None,
            font_family: "mincho".to_string(),
            weight_mm: size_mm / 90.0,
        }
    }
}

/// Field names used in errors (the profile's keys).
const F_TEXT: &str = "official_seal.text";
const F_SIZE: &str = "official_seal.size_mm";
const F_BORDER: &str = "official_seal.border_mm";
const F_COLUMNS: &str = "official_seal.columns";
const F_FAMILY: &str = "official_seal.font_family";
const F_WEIGHT: &str = "official_seal.weight_mm";

/// The usual number of columns for `n` characters.
fn default_columns(n: usize) -> usize {
    match n {
        0..=2 => 1,
        3..=5 => 2,
        6..=9 => 3,
        _ => (n as f32).sqrt().ceil() as usize,
    }
}

/// How many characters each column holds, right column first (longer columns to the right).
fn column_counts(n: usize, cols: usize) -> Vec<usize> {
    (0..cols)
        .map(|i| n / cols + usize::from(i < n % cols))
        .collect()
}

/// The square official seal with its top-left corner at `top_left` (page mm), as display items
/// in [`Ink::Red`]. Without a texture seed: vector shapes (border ring, then per glyph a fill and
/// a stroke of `weight_mm`). With one: a single coverage image at [`TEXTURE_DPI`] whose ink
/// extent is still exactly `size_mm` square (to within the roughness, a few hundredths of a mm).
pub fn kakuin(spec: &KakuinSpec, top_left: (f32, f32)) -> Result<Vec<Item>> {
    let shapes = kakuin_shapes(spec, top_left)?;
    let Some(seed) = spec.texture_seed else {
        return Ok(shapes);
    };
    let area = Rect::from_xywh(top_left.0, top_left.1, spec.size_mm, spec.size_mm);
    Ok(vec![Item::Image(bake(
        &shapes,
        area,
        TEXTURE_DPI,
        InkTexture::OFFICIAL,
        seed,
    )?)])
}

/// The seal's geometry as vector shapes; roughened (but not mottled) when the spec has a seed.
pub fn kakuin_shapes(spec: &KakuinSpec, top_left: (f32, f32)) -> Result<Vec<Item>> {
    let chars: Vec<char> = spec.text.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.is_empty() || chars.len() > 16 {
        return Err(Error::input(
            F_TEXT,
            "the seal text must have 1 to 16 characters (e.g. 見本市長之印)",
        ));
    }
    let s = spec.size_mm;
    if !(10.0..=60.0).contains(&s) {
        return Err(Error::input(
            F_SIZE,
            "the official seal's side must be 10 to 60 mm",
        ));
    }
    if !(0.0..=s / 6.0).contains(&spec.border_mm) {
        return Err(Error::input(
            F_BORDER,
            "the border weight must be 0 to a sixth of the side, mm",
        ));
    }
    if !(0.0..=s / 20.0).contains(&spec.weight_mm) {
        return Err(Error::input(
            F_WEIGHT,
            "the extra stroke weight must be 0 to a twentieth of the side, mm",
        ));
    }
    let cols = match spec.columns {
        None => default_columns(chars.len()),
        Some(c) if c >= 1 && usize::from(c) <= chars.len() => usize::from(c),
        Some(_) => {
            return Err(Error::input(
                F_COLUMNS,
                "columns must be 1 up to the number of characters",
            ));
        }
    };
    let (x0, y0) = top_left;
    let area = Rect::from_xywh(x0, y0, s, s);
    let rough = spec
        .texture_seed
        .map(|seed| Roughness::new(seed, area, s * 0.0022));
    let step = 0.04;
    let finish = |p: Path| -> Arc<Path> {
        Arc::new(match &rough {
            Some(r) => r.path(&p, step),
            None => p,
        })
    };
    let mut items = Vec::new();

    // Border: a ring, outer square and inner square, even-odd.
    let b = spec.border_mm;
    if b > 0.0 {
        let mut ring = Path::rect(area);
        ring.cmds
            .extend(Path::rect(Rect::from_xywh(x0 + b, y0 + b, s - 2.0 * b, s - 2.0 * b)).cmds);
        // Keep the outer edge where it is under roughness: roughen, then nothing else moves it.
        items.push(Item::Shape(Shape {
            path: finish(ring),
            paint: Paint::FillEvenOdd,
            ink: Ink::Red,
        }));
    }

    // Glyph area inside the border, and the cells.
    let pad = b + (s * 0.035).max(b * 0.7);
    let gap = s * 0.025;
    let inner = Rect::from_xywh(x0 + pad, y0 + pad, s - 2.0 * pad, s - 2.0 * pad);
    let cw = (inner.w - gap * (cols as f32 - 1.0)) / cols as f32;
    let w = spec.weight_mm;
    let mut it = chars.iter();
    for (i, k) in column_counts(chars.len(), cols).into_iter().enumerate() {
        let cx = inner.right() - (i as f32 + 1.0) * cw - i as f32 * gap;
        let ch = (inner.h - gap * (k as f32 - 1.0)) / k as f32;
        for j in 0..k {
            let Some(&c) = it.next() else { break };
            let cy = inner.y + j as f32 * (ch + gap);
            let cell = Rect::from_xywh(cx + w / 2.0, cy + w / 2.0, cw - w, ch - w);
            let o = glyph_outline(&spec.font_family, c, F_FAMILY).map_err(|e| match e {
                Error::MissingGlyph { clusters, .. } => Error::MissingGlyph {
                    field: F_TEXT.into(),
                    clusters,
                },
                e => e,
            })?;
            let p = finish(o.fit(cell));
            items.push(Item::Shape(Shape {
                path: p.clone(),
                paint: Paint::Fill,
                ink: Ink::Red,
            }));
            if w > 0.0 {
                items.push(Item::Shape(Shape {
                    path: p,
                    paint: Paint::Stroke(w),
                    ink: Ink::Red,
                }));
            }
        }
    }
    Ok(items)
}

/// Rasterises `shapes` over `area` (plus a small margin) at `dpi`, applies the ink texture and
/// returns the coverage as a red image placed on the page.
pub(crate) fn bake(
    shapes: &[Item],
    area: Rect,
    dpi: u32,
    tex: InkTexture,
    seed: u64,
) -> Result<Image> {
    let px_mm = 25.4 / dpi as f32;
    let margin = 0.3;
    let w = ((area.w + 2.0 * margin) / px_mm).ceil() as u32;
    let h = ((area.h + 2.0 * margin) / px_mm).ceil() as u32;
    let ox = area.x - margin;
    let oy = area.y - margin;
    let to_px = Transform::from_row(1.0 / px_mm, 0.0, 0.0, 1.0 / px_mm, -ox / px_mm, -oy / px_mm);
    let mut cov = raster::rasterise(shapes, w, h, to_px)
        .ok_or_else(|| Error::input(F_SIZE, "the seal is too large to rasterise"))?;
    raster::apply_texture(&mut cov, px_mm, tex, seed);
    Ok(Image {
        rect: Rect::from_xywh(ox, oy, w as f32 * px_mm, h as f32 * px_mm),
        px_w: w,
        px_h: h,
        coverage: Arc::new(cov.data),
        ink: Ink::Red,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::testutil::{ink_extent_mm, render};

    #[test]
    fn arrangement_is_traditional() {
        assert_eq!(default_columns(6), 3);
        assert_eq!(column_counts(6, 3), vec![2, 2, 2]);
        assert_eq!(column_counts(5, 2), vec![3, 2]);
        assert_eq!(column_counts(4, 2), vec![2, 2]);
    }

    #[test]
    fn first_character_is_top_right() {
        let items = kakuin_shapes(&KakuinSpec::new("見本市長之印", 21.0), (0.0, 0.0)).unwrap();
        // items[0] is the border; items[1] the fill of 見.
        let Item::Shape(s) = &items[1] else { panic!() };
        let b = crate::seal::outline::bounds(&s.path).unwrap();
        assert!(b.x > 13.5 && b.y < 3.0, "{b:?}");
        let Item::Shape(s) = items.iter().rev().nth(1).unwrap() else {
            panic!()
        };
        let b = crate::seal::outline::bounds(&s.path).unwrap();
        assert!(
            b.right() < 7.5 && b.bottom() > 18.0,
            "印 bottom-left: {b:?}"
        );
        assert!(items
            .iter()
            .all(|i| matches!(i, Item::Shape(s) if s.ink == Ink::Red)));
    }

    #[test]
    fn generated_seal_measures_its_size_at_600_dpi() {
        for seed in [None, Some(7)] {
            let spec = KakuinSpec {
                texture_seed: seed,
                ..KakuinSpec::new("見本市長之印", 21.0)
            };
            let items = kakuin(&spec, (5.0, 5.0)).unwrap();
            let (cov, px) = render(&items, Rect::from_xywh(0.0, 0.0, 31.0, 31.0), 600);
            let (w, h) = ink_extent_mm(&cov, px);
            assert!(
                (w - 21.0).abs() <= 0.1 && (h - 21.0).abs() <= 0.1,
                "seed {seed:?}: {w} × {h} mm"
            );
        }
    }

    #[test]
    fn texture_is_identical_for_a_seed_and_differs_between_seeds() {
        let spec = |s| KakuinSpec {
            texture_seed: Some(s),
            ..KakuinSpec::new("見本之印", 15.0)
        };
        let a = kakuin(&spec(1), (0.0, 0.0)).unwrap();
        let b = kakuin(&spec(1), (0.0, 0.0)).unwrap();
        let c = kakuin(&spec(2), (0.0, 0.0)).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn bad_specs_name_their_field() {
        let base = KakuinSpec::new("見本市長之印", 21.0);
        let cases = [
            (
                KakuinSpec {
                    text: String::new(),
                    ..base.clone()
                },
                F_TEXT,
            ),
            (
                KakuinSpec {
                    size_mm: 5.0,
                    ..base.clone()
                },
                F_SIZE,
            ),
            (
                KakuinSpec {
                    border_mm: 5.0,
                    ..base.clone()
                },
                F_BORDER,
            ),
            (
                KakuinSpec {
                    columns: Some(7),
                    ..base.clone()
                },
                F_COLUMNS,
            ),
            (
                KakuinSpec {
                    weight_mm: 3.0,
                    ..base.clone()
                },
                F_WEIGHT,
            ),
            (
                KakuinSpec {
                    font_family: "brush".into(),
                    ..base.clone()
                },
                F_FAMILY,
            ),
            (
                KakuinSpec {
                    text: "見本\u{E000}".into(),
                    ..base.clone()
                },
                F_TEXT,
            ),
        ];
        for (spec, field) in cases {
            let e = kakuin(&spec, (0.0, 0.0)).err().unwrap();
            assert_eq!(e.field(), Some(field), "{e}");
        }
    }
}
