//! Glyph outlines and path geometry for seals: a character's outline from a font family,
//! fitted (stretched) into a cell, flattened, and bent through a point map. Knows nothing
//! about seal shapes or inks.

use crate::display::{Path, PathCmd};
use crate::error::{code_points, Error, Result};
use crate::geom::Rect;
use crate::text::FontDb;

/// How far a glyph may be stretched along one axis relative to the other: a flat glyph such
/// as 一 is not blown up into a block.
const MAX_ANISOTROPY: f32 = 2.2;

/// A glyph outline in font units (y up) with its ink bounding box.
pub(crate) struct Outline {
    cmds: Vec<PathCmd>,
    bbox: (f32, f32, f32, f32),
}

struct Collect(Vec<PathCmd>);

impl ttf_parser::OutlineBuilder for Collect {
    fn move_to(&mut self, x: f32, y: f32) {
        self.0.push(PathCmd::MoveTo(x, y));
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.0.push(PathCmd::LineTo(x, y));
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.0.push(PathCmd::QuadTo(x1, y1, x, y));
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.0.push(PathCmd::CubicTo(x1, y1, x2, y2, x, y));
    }
    fn close(&mut self) {
        self.0.push(PathCmd::Close);
    }
}

/// The outline of `c` from the first face of `family` that has it. `field` names the setting
/// the text came from, for errors.
pub(crate) fn glyph_outline(family: &str, c: char, field: &str) -> Result<Outline> {
    let db = FontDb::shared()?;
    let chain = db.chain(family).ok_or_else(|| {
        let known: Vec<&str> = db.families().collect();
        Error::input(
            field,
            format!("unknown font family; use one of {}", known.join(", ")),
        )
    })?;
    for &fid in chain {
        let face = db.get(fid).face();
        let Some(gid) = face.glyph_index(c) else {
            continue;
        };
        let mut col = Collect(Vec::new());
        let Some(bb) = face.outline_glyph(gid, &mut col) else {
            continue;
        };
        if bb.width() <= 0 || bb.height() <= 0 {
            continue;
        }
        let bbox = (
            f32::from(bb.x_min),
            f32::from(bb.y_min),
            f32::from(bb.x_max),
            f32::from(bb.y_max),
        );
        return Ok(Outline { cmds: col.0, bbox });
    }
    Err(Error::MissingGlyph {
        field: field.to_string(),
        clusters: vec![code_points(&c.to_string())],
    })
}

impl Outline {
    /// The outline stretched so its ink box fills `cell` (page mm, y down), within the
    /// anisotropy limit (the short way is then centred).
    pub(crate) fn fit(&self, cell: Rect) -> Path {
        let (x0, y0, x1, y1) = self.bbox;
        let (bw, bh) = ((x1 - x0).max(1.0), (y1 - y0).max(1.0));
        let mut sx = cell.w / bw;
        let mut sy = cell.h / bh;
        sx = sx.min(sy * MAX_ANISOTROPY);
        sy = sy.min(sx * MAX_ANISOTROPY);
        let ox = cell.x + (cell.w - bw * sx) / 2.0;
        let oy = cell.y + (cell.h - bh * sy) / 2.0;
        map_points(&self.cmds, |x, y| (ox + (x - x0) * sx, oy + (y1 - y) * sy))
    }
}

/// Maps every point (control points included) through `f`: exact for affine maps.
pub(crate) fn map_points(cmds: &[PathCmd], f: impl Fn(f32, f32) -> (f32, f32)) -> Path {
    let mut p = Path {
        cmds: Vec::with_capacity(cmds.len()),
    };
    for c in cmds {
        p.cmds.push(match *c {
            PathCmd::MoveTo(x, y) => {
                let (x, y) = f(x, y);
                PathCmd::MoveTo(x, y)
            }
            PathCmd::LineTo(x, y) => {
                let (x, y) = f(x, y);
                PathCmd::LineTo(x, y)
            }
            PathCmd::QuadTo(a, b, x, y) => {
                let ((a, b), (x, y)) = (f(a, b), f(x, y));
                PathCmd::QuadTo(a, b, x, y)
            }
            PathCmd::CubicTo(a, b, c2, d, x, y) => {
                let ((a, b), (c2, d), (x, y)) = (f(a, b), f(c2, d), f(x, y));
                PathCmd::CubicTo(a, b, c2, d, x, y)
            }
            PathCmd::Close => PathCmd::Close,
        });
    }
    p
}

/// The path as polygons: curves and long lines cut into pieces no longer than about `step`
/// (same unit as the path), so a non-linear map can be applied to the points.
pub(crate) fn flatten(path: &Path, step: f32) -> Path {
    let step = step.max(1e-4);
    let mut out = Path {
        cmds: Vec::with_capacity(path.cmds.len() * 4),
    };
    let (mut cx, mut cy) = (0.0f32, 0.0f32);
    let (mut sx, mut sy) = (0.0f32, 0.0f32);
    let pieces = |len: f32| ((len / step).ceil() as usize).clamp(1, 512);
    for c in &path.cmds {
        match *c {
            PathCmd::MoveTo(x, y) => {
                out.move_to(x, y);
                (cx, cy, sx, sy) = (x, y, x, y);
            }
            PathCmd::LineTo(x, y) => {
                let n = pieces(hypot(x - cx, y - cy));
                for i in 1..=n {
                    let t = i as f32 / n as f32;
                    out.line_to(cx + (x - cx) * t, cy + (y - cy) * t);
                }
                (cx, cy) = (x, y);
            }
            PathCmd::QuadTo(ax, ay, x, y) => {
                let n = pieces(hypot(ax - cx, ay - cy) + hypot(x - ax, y - ay));
                for i in 1..=n {
                    let t = i as f32 / n as f32;
                    let u = 1.0 - t;
                    out.line_to(
                        u * u * cx + 2.0 * u * t * ax + t * t * x,
                        u * u * cy + 2.0 * u * t * ay + t * t * y,
                    );
                }
                (cx, cy) = (x, y);
            }
            PathCmd::CubicTo(ax, ay, bx, by, x, y) => {
                let n = pieces(
                    hypot(ax - cx, ay - cy) + hypot(bx - ax, by - ay) + hypot(x - bx, y - by),
                );
                for i in 1..=n {
                    let t = i as f32 / n as f32;
                    let u = 1.0 - t;
                    let (k0, k1, k2, k3) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
                    out.line_to(
                        k0 * cx + k1 * ax + k2 * bx + k3 * x,
                        k0 * cy + k1 * ay + k2 * by + k3 * y,
                    );
                }
                (cx, cy) = (x, y);
            }
            PathCmd::Close => {
                if hypot(sx - cx, sy - cy) > step {
                    let n = pieces(hypot(sx - cx, sy - cy));
                    for i in 1..n {
                        let t = i as f32 / n as f32;
                        out.line_to(cx + (sx - cx) * t, cy + (sy - cy) * t);
                    }
                }
                out.close();
                (cx, cy) = (sx, sy);
            }
        }
    }
    out
}

/// The bounding box of a path's points (control points included), or `None` when empty.
pub(crate) fn bounds(path: &Path) -> Option<Rect> {
    let mut b: Option<(f32, f32, f32, f32)> = None;
    let mut add = |x: f32, y: f32| {
        b = Some(match b {
            None => (x, y, x, y),
            Some((a, c, d, e)) => (a.min(x), c.min(y), d.max(x), e.max(y)),
        });
    };
    for c in &path.cmds {
        match *c {
            PathCmd::MoveTo(x, y) | PathCmd::LineTo(x, y) => add(x, y),
            PathCmd::QuadTo(a, b2, x, y) => {
                add(a, b2);
                add(x, y);
            }
            PathCmd::CubicTo(a, b2, c2, d, x, y) => {
                add(a, b2);
                add(c2, d);
                add(x, y);
            }
            PathCmd::Close => {}
        }
    }
    b.map(|(x0, y0, x1, y1)| Rect::from_xywh(x0, y0, x1 - x0, y1 - y0))
}

fn hypot(x: f32, y: f32) -> f32 {
    (x * x + y * y).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitted_glyph_fills_its_cell() {
        let o = glyph_outline("mincho", '本', "t").unwrap();
        let cell = Rect::from_xywh(10.0, 20.0, 4.0, 7.0);
        let b = bounds(&flatten(&o.fit(cell), 0.01)).unwrap();
        assert!(
            (b.x - 10.0).abs() < 0.02 && (b.right() - 14.0).abs() < 0.02,
            "{b:?}"
        );
        assert!(
            (b.y - 20.0).abs() < 0.02 && (b.bottom() - 27.0).abs() < 0.02,
            "{b:?}"
        );
    }

    #[test]
    fn flat_glyph_is_not_blown_up() {
        let o = glyph_outline("mincho", '一', "t").unwrap();
        let b = bounds(&o.fit(Rect::from_xywh(0.0, 0.0, 5.0, 5.0))).unwrap();
        assert!(b.h < 2.0, "{b:?}");
    }

    #[test]
    fn unknown_family_and_missing_glyph_name_the_field() {
        let e = glyph_outline("nope", '本', "official_seal.font_family")
            .err()
            .unwrap();
        assert_eq!(e.field(), Some("official_seal.font_family"));
        let e = glyph_outline("mincho", '\u{E000}', "official_seal.text")
            .err()
            .unwrap();
        assert_eq!(e.kind(), "missing_glyph");
    }
}
