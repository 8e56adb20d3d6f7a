//! The display list: what a page shows, in physical units, before anything is drawn.
//!
//! Text has been shaped and placed (glyph ids and positions), rules and frames are paths,
//! images and dot fields are pixel data with a physical size. The raster painter and the PDF
//! writer both read this and nothing else; tests assert positions on it. Depends on `geom` only.

use std::sync::Arc;

use crate::geom::{Affine, Rect};

/// Index of a font in the [`crate::text::FontDb`] that shaped the text.
pub type FontId = u16;

/// An ink: one coverage plane when painted, one colour when printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ink {
    /// Text, rules, frames; the copy-evident pattern. Printed as pure K.
    #[default]
    Black,
    /// Seal vermilion (朱肉): the official seal and the registered impression.
    Red,
}

impl Ink {
    /// All inks, in plane order.
    pub const ALL: [Ink; 2] = [Ink::Black, Ink::Red];

    /// Plane index of this ink.
    pub fn index(self) -> usize {
        match self {
            Ink::Black => 0,
            Ink::Red => 1,
        }
    }
}

/// One positioned glyph.
///
/// The glyph's outline, in font units (y up) scaled to `em` millimetres per em, is optionally
/// rotated 90° clockwise (sideways text in a vertical column), then scaled by `sx`/`sy` along
/// the page axes (長体 / 平体), and its origin (the font's (0, 0)) placed at (`x`, `y`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Glyph {
    /// Which font.
    pub font: FontId,
    /// Glyph id in that font.
    pub gid: u16,
    /// Page position of the glyph origin, mm.
    pub x: f32,
    /// Page position of the glyph origin, mm.
    pub y: f32,
    /// Size of one em, mm.
    pub em: f32,
    /// Horizontal scale along the page x axis (1 = none).
    pub sx: f32,
    /// Vertical scale along the page y axis (1 = none).
    pub sy: f32,
    /// Rotated 90° clockwise.
    pub rot90: bool,
    /// Ink.
    pub ink: Ink,
}

impl Glyph {
    /// The transform from font units (y up) to page millimetres (y down).
    pub fn transform(&self, units_per_em: u16) -> Affine {
        let s = self.em / f32::from(units_per_em.max(1));
        // Font units → mm with y flipped.
        let flip = Affine::scale(s, -s);
        let rot = if self.rot90 {
            // 90° clockwise on a y-down page: (x, y) → (−y, x).
            Affine {
                a: 0.0,
                b: 1.0,
                c: -1.0,
                d: 0.0,
                e: 0.0,
                f: 0.0,
            }
        } else {
            Affine::IDENTITY
        };
        Affine::translate(self.x, self.y)
            .then_after(&Affine::scale(self.sx, self.sy))
            .then_after(&rot)
            .then_after(&flip)
    }
}

/// One path command, in millimetres.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PathCmd {
    /// Start a subpath.
    MoveTo(f32, f32),
    /// Straight segment.
    LineTo(f32, f32),
    /// Quadratic Bézier (control, end).
    QuadTo(f32, f32, f32, f32),
    /// Cubic Bézier (control 1, control 2, end).
    CubicTo(f32, f32, f32, f32, f32, f32),
    /// Close the subpath.
    Close,
}

/// A path in page millimetres.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Path {
    /// The commands.
    pub cmds: Vec<PathCmd>,
}

impl Path {
    /// An empty path.
    pub fn new() -> Self {
        Path::default()
    }

    /// A closed rectangle.
    pub fn rect(r: Rect) -> Self {
        let mut p = Path::new();
        p.move_to(r.x, r.y);
        p.line_to(r.right(), r.y);
        p.line_to(r.right(), r.bottom());
        p.line_to(r.x, r.bottom());
        p.close();
        p
    }

    /// A straight line from (x0, y0) to (x1, y1).
    pub fn line(x0: f32, y0: f32, x1: f32, y1: f32) -> Self {
        let mut p = Path::new();
        p.move_to(x0, y0);
        p.line_to(x1, y1);
        p
    }

    /// Adds a move.
    pub fn move_to(&mut self, x: f32, y: f32) {
        self.cmds.push(PathCmd::MoveTo(x, y));
    }

    /// Adds a line.
    pub fn line_to(&mut self, x: f32, y: f32) {
        self.cmds.push(PathCmd::LineTo(x, y));
    }

    /// Adds a quadratic curve.
    pub fn quad_to(&mut self, cx: f32, cy: f32, x: f32, y: f32) {
        self.cmds.push(PathCmd::QuadTo(cx, cy, x, y));
    }

    /// Adds a cubic curve.
    pub fn cubic_to(&mut self, c1x: f32, c1y: f32, c2x: f32, c2y: f32, x: f32, y: f32) {
        self.cmds.push(PathCmd::CubicTo(c1x, c1y, c2x, c2y, x, y));
    }

    /// Closes the current subpath.
    pub fn close(&mut self) {
        self.cmds.push(PathCmd::Close);
    }

    /// Whether the path has no commands.
    pub fn is_empty(&self) -> bool {
        self.cmds.is_empty()
    }
}

/// How a path is painted.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Paint {
    /// Filled with the non-zero winding rule.
    Fill,
    /// Filled with the even-odd rule.
    FillEvenOdd,
    /// Stroked with a line of this width (mm), butt caps, miter joins.
    Stroke(f32),
}

/// A filled or stroked path.
#[derive(Clone, Debug, PartialEq)]
pub struct Shape {
    /// Geometry, page millimetres.
    pub path: Arc<Path>,
    /// Fill or stroke.
    pub paint: Paint,
    /// Ink.
    pub ink: Ink,
}

/// A 1-bit field of solid dots (copy-evident pattern, 2D codes) designed at exactly `dpi`.
///
/// Rows are `stride` bytes, most significant bit first; a set bit is ink. The PDF writer
/// emits it as an `/ImageMask` with `/Interpolate false`; the painter copies it pixel for
/// pixel when the output dpi equals `dpi`, and averages it otherwise.
#[derive(Clone, Debug, PartialEq)]
pub struct BitMask {
    /// Where it lies on the page, mm. Its size is `px_w`×`px_h` at `dpi`.
    pub x: f32,
    /// Top edge, mm.
    pub y: f32,
    /// Resolution the dots were designed at.
    pub dpi: u32,
    /// Width in pixels.
    pub px_w: u32,
    /// Height in pixels.
    pub px_h: u32,
    /// Bytes per row.
    pub stride: u32,
    /// The bits.
    pub bits: Arc<Vec<u8>>,
    /// Ink.
    pub ink: Ink,
}

impl BitMask {
    /// Physical extent, mm.
    pub fn rect(&self) -> Rect {
        let k = 25.4 / self.dpi as f32;
        Rect::from_xywh(self.x, self.y, self.px_w as f32 * k, self.px_h as f32 * k)
    }

    /// Whether pixel (x, y) is set; false outside.
    pub fn get(&self, x: u32, y: u32) -> bool {
        if x >= self.px_w || y >= self.px_h {
            return false;
        }
        let i = (y * self.stride + x / 8) as usize;
        self.bits.get(i).is_some_and(|b| b & (0x80 >> (x % 8)) != 0)
    }
}

/// An 8-bit coverage image (e.g. a registered seal impression): 0 = paper, 255 = full ink.
#[derive(Clone, Debug, PartialEq)]
pub struct Image {
    /// Placement on the page, mm; the image is scaled to exactly this rectangle.
    pub rect: Rect,
    /// Width in pixels.
    pub px_w: u32,
    /// Height in pixels.
    pub px_h: u32,
    /// Coverage, row-major, `px_w * px_h` bytes.
    pub coverage: Arc<Vec<u8>>,
    /// Ink.
    pub ink: Ink,
}

/// A DeviceCMYK contone image, 8 bits per colorant (the infrared latent image, whose K and
/// CMY separations must reach the printer as they are: security-print.md §5). The PDF writer
/// emits it as a `/DeviceCMYK` image; the raster painter paints its visible appearance.
#[derive(Clone, Debug, PartialEq)]
pub struct CmykImage {
    /// Placement on the page, mm; the image is scaled to exactly this rectangle.
    pub rect: Rect,
    /// Width in pixels.
    pub px_w: u32,
    /// Height in pixels.
    pub px_h: u32,
    /// Row-major, 4 bytes per pixel (C, M, Y, K; 0 = none, 255 = solid), `4 * px_w * px_h` bytes.
    pub data: Arc<Vec<u8>>,
}

/// A grid of square modules at print resolution, each printed as the dot of its level (the
/// scrambled image on the back of a sheet). Compact where a [`BitMask`] of the same pixels is
/// not: the PDF writer emits one module-resolution image mask per level, filled with a tiling
/// pattern that holds that level's dot; the raster painter paints [`ModuleField::to_mask`].
#[derive(Clone, Debug, PartialEq)]
pub struct ModuleField {
    /// Left edge of the grid, mm (on the `dpi` pixel lattice).
    pub x: f32,
    /// Top edge, mm.
    pub y: f32,
    /// Resolution the dots are designed at.
    pub dpi: u32,
    /// Side of a module, pixels at `dpi`.
    pub module_px: u32,
    /// Modules across.
    pub cols: u32,
    /// Modules down.
    pub rows: u32,
    /// Level of each module, row-major, `cols * rows` values indexing `dots`.
    pub levels: Arc<Vec<u8>>,
    /// The dot of each level inside its module: (x, y, w, h) pixels; an empty one prints
    /// nothing.
    pub dots: Arc<Vec<[u32; 4]>>,
    /// Ink.
    pub ink: Ink,
}

impl ModuleField {
    /// Physical extent, mm.
    pub fn rect(&self) -> Rect {
        let k = 25.4 / self.dpi.max(1) as f32;
        let m = self.module_px as f32 * k;
        Rect::from_xywh(self.x, self.y, self.cols as f32 * m, self.rows as f32 * m)
    }

    /// Whether the fields are consistent (levels fill the grid, every level has a dot that
    /// lies inside the module); what the writers check before use.
    pub fn check(&self) -> std::result::Result<(), String> {
        if self.dpi == 0 || self.module_px == 0 || self.module_px > 32 {
            return Err("a module field needs a dpi and a module of 1–32 px".into());
        }
        if self.levels.len() as u64 != u64::from(self.cols) * u64::from(self.rows) {
            return Err("a module field needs one level per module".into());
        }
        let m = self.module_px;
        if self.dots.iter().any(|d| d[0] + d[2] > m || d[1] + d[3] > m) {
            return Err("a module field's dots must lie inside the module".into());
        }
        if self
            .levels
            .iter()
            .copied()
            .max()
            .is_some_and(|l| usize::from(l) >= self.dots.len())
        {
            return Err("a module field's levels must index its dots".into());
        }
        Ok(())
    }

    /// The same pixels as a bit mask at `dpi` (empty when [`ModuleField::check`] fails).
    // `yy` is both a pixel row of the output and the row of each level's pattern.
    #[allow(clippy::needless_range_loop)]
    pub fn to_mask(&self) -> BitMask {
        let ok = self.check().is_ok();
        let m = self.module_px;
        let (px_w, px_h) = if ok {
            (self.cols * m, self.rows * m)
        } else {
            (1, 1)
        };
        let stride = px_w.div_ceil(8);
        let mut bits = vec![0u8; stride as usize * px_h as usize];
        if ok {
            // Each level's bit pattern on each pixel row of a module (MSB = left).
            let pattern: Vec<Vec<u32>> = self
                .dots
                .iter()
                .map(|d| {
                    (0..m)
                        .map(|yy| {
                            if yy < d[1] || yy >= d[1] + d[3] {
                                return 0;
                            }
                            (d[0]..d[0] + d[2]).fold(0u32, |a, xx| a | 1 << (m - 1 - xx))
                        })
                        .collect()
                })
                .collect();
            for r in 0..self.rows as usize {
                let levels = &self.levels[r * self.cols as usize..(r + 1) * self.cols as usize];
                for yy in 0..m as usize {
                    let start = (r * m as usize + yy) * stride as usize;
                    let out = &mut bits[start..start + stride as usize];
                    // Append m bits per module to an accumulator, flushing whole bytes.
                    let (mut acc, mut n, mut at) = (0u64, 0u32, 0usize);
                    for &v in levels {
                        acc = (acc << m) | u64::from(pattern[usize::from(v)][yy]);
                        n += m;
                        while n >= 8 {
                            n -= 8;
                            out[at] = (acc >> n) as u8;
                            at += 1;
                        }
                        acc &= (1 << n) - 1;
                    }
                    if n > 0 {
                        out[at] = (acc << (8 - n)) as u8;
                    }
                }
            }
        }
        BitMask {
            x: self.x,
            y: self.y,
            dpi: self.dpi.max(1),
            px_w,
            px_h,
            stride,
            bits: Arc::new(bits),
            ink: self.ink,
        }
    }
}

/// One thing on a page.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// A glyph.
    Glyph(Glyph),
    /// A path.
    Shape(Shape),
    /// A 1-bit dot field.
    Mask(BitMask),
    /// A coverage image.
    Image(Image),
    /// A DeviceCMYK image.
    Cmyk(CmykImage),
    /// A grid of level-coded modules.
    Modules(ModuleField),
}

/// A list of items, painted in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layer {
    /// The items.
    pub items: Vec<Item>,
}

impl Layer {
    /// Appends an item.
    pub fn push(&mut self, item: Item) {
        self.items.push(item);
    }

    /// Appends every item of `other`.
    pub fn extend(&mut self, other: Layer) {
        self.items.extend(other.items);
    }
}

/// One side of one sheet.
#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    /// Page size, mm (width, height).
    pub size: (f32, f32),
    /// What does not depend on the request (frame, labels, statement, official seal, security
    /// layers), shared between requests and painted or written once.
    pub base: Arc<Layer>,
    /// A stable key for `base` (used by the caches of the painter and the PDF writer).
    pub base_key: u64,
    /// What this request adds.
    pub own: Layer,
}

/// A rendered document: its pages in print order (front, back, front, back … for duplex).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Document {
    /// The pages.
    pub pages: Vec<Page>,
    /// The digest of the certificate's data, as its signed codes carry it
    /// ([`crate::signed::canonical_digest`]); zero for a document not composed from a request.
    pub data_digest: [u8; 16],
}
