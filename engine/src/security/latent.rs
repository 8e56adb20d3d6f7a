//! The copy-evident latent pattern (けん制文字 / 地紋 / void pantograph): two solid-dot screens of
//! equal coverage, the word 複写 in large dots (or small, for dropout) tiled across the area.

use std::sync::Arc;

use rand_core::RngCore;

use super::{cell_hash, keyed_rng, unit_f64, LatentConfig, LatentVariant, DESIGN_DPI, MM_PER_PX};
use crate::display::FontId;
use crate::display::{BitMask, Ink};
use crate::error::{code_points, Error, Result};
use crate::geom::Rect;
use crate::text::FontDb;

/// Camouflage wave lines: angle to the page x axis (degrees), spacing and wave length (mm),
/// wave amplitude (mm). The knocked-out band is one latent pitch wide.
const CAMO_ANGLE_DEG: f64 = 35.0;
const CAMO_SPACING_MM: f64 = 4.0;
const CAMO_WAVE_MM: f64 = 9.0;
const CAMO_AMPLITUDE_MM: f64 = 0.8;

/// The generated pattern and what the metrics need to know about it.
#[derive(Clone, Debug)]
pub struct LatentLayout {
    /// The dot field, 600 dpi, ink K.
    pub mask: BitMask,
    /// Page pixel (600 dpi) of the mask's top-left pixel.
    pub origin_px: (i64, i64),
    /// Latent cell pitch, px.
    pub cell_px: u32,
    /// Global index of the first cell column and row.
    cell0: (i64, i64),
    /// Cells across and down.
    cells: (u32, u32),
    /// Per cell: inside the word (after the edge jitter).
    word: Vec<bool>,
    /// Per cell: knocked out by the camouflage.
    knocked: Vec<bool>,
}

impl LatentLayout {
    /// Whether mask pixel (x, y) lies in a cell of the word (the latent region). False outside.
    pub fn in_word(&self, x: u32, y: u32) -> bool {
        self.cell_at(x, y).is_some_and(|i| self.word[i])
    }

    /// Whether mask pixel (x, y) lies in a cell knocked out by the camouflage.
    pub fn knocked(&self, x: u32, y: u32) -> bool {
        self.cell_at(x, y).is_some_and(|i| self.knocked[i])
    }

    /// Fraction of the cells that lie in the word.
    pub fn word_fraction(&self) -> f32 {
        let n = self.word.iter().filter(|w| **w).count();
        n as f32 / self.word.len().max(1) as f32
    }

    fn cell_at(&self, x: u32, y: u32) -> Option<usize> {
        if x >= self.mask.px_w || y >= self.mask.px_h {
            return None;
        }
        let p = i64::from(self.cell_px);
        let cx = (self.origin_px.0 + i64::from(x)).div_euclid(p) - self.cell0.0;
        let cy = (self.origin_px.1 + i64::from(y)).div_euclid(p) - self.cell0.1;
        let (cw, ch) = self.cells;
        if cx < 0 || cy < 0 || cx >= i64::from(cw) || cy >= i64::from(ch) {
            return None;
        }
        Some(cy as usize * cw as usize + cx as usize)
    }
}

/// The copy-evident dot field for `area` (page mm), as a 1-bit mask at 600 dpi in ink K.
///
/// The screens are anchored to the page's 600-dpi pixel grid and the word tiling to the page
/// origin, so adjacent areas join without a seam. `dpi` must be 600.
pub fn latent_pattern(cfg: &LatentConfig, area: Rect, dpi: u32) -> Result<BitMask> {
    latent_layout(cfg, area, dpi).map(|l| l.mask)
}

/// The word's upright shape, rasterised once: a boolean grid at `res_mm` per sample.
struct WordShape {
    w: u32,
    h: u32,
    res_mm: f64,
    bits: Vec<bool>,
    /// Word advance and em, mm.
    width_mm: f64,
    height_mm: f64,
}

impl WordShape {
    fn get(&self, u_mm: f64, v_mm: f64) -> bool {
        if u_mm < 0.0 || v_mm < 0.0 {
            return false;
        }
        let x = (u_mm / self.res_mm) as u64;
        let y = (v_mm / self.res_mm) as u64;
        if x >= u64::from(self.w) || y >= u64::from(self.h) {
            return false;
        }
        self.bits[y as usize * self.w as usize + x as usize]
    }
}

/// Glyph outlines (font units, y up) into a tiny-skia path: `x0 + x·s`, `base − y·s`.
pub(crate) struct OutlineToPath<'a> {
    pub(crate) pb: &'a mut tiny_skia::PathBuilder,
    pub(crate) s: f32,
    pub(crate) x0: f32,
    pub(crate) base: f32,
}

impl OutlineToPath<'_> {
    fn p(&self, x: f32, y: f32) -> (f32, f32) {
        (self.x0 + x * self.s, self.base - y * self.s)
    }
}

impl ttf_parser::OutlineBuilder for OutlineToPath<'_> {
    fn move_to(&mut self, x: f32, y: f32) {
        let (a, b) = self.p(x, y);
        self.pb.move_to(a, b);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        let (a, b) = self.p(x, y);
        self.pb.line_to(a, b);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let (a, b) = self.p(x1, y1);
        let (c, d) = self.p(x, y);
        self.pb.quad_to(a, b, c, d);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let (a, b) = self.p(x1, y1);
        let (c, d) = self.p(x2, y2);
        let (e, f) = self.p(x, y);
        self.pb.cubic_to(a, b, c, d, e, f);
    }
    fn close(&mut self) {
        self.pb.close();
    }
}

/// The glyphs of a hidden word in BIZ UDゴシック Bold (family `gothic-bold`, with its
/// fallbacks): every character missing from the chain is named under `field`, and an empty
/// word is refused with `empty` as the fix.
pub(crate) fn word_glyphs(
    db: &FontDb,
    word: &str,
    field: &str,
    empty: &str,
) -> Result<Vec<(FontId, ttf_parser::GlyphId)>> {
    let chain = db.chain("gothic-bold").ok_or_else(|| {
        Error::config(
            "fonts.toml",
            "family.gothic-bold",
            format!("{field} needs the family gothic-bold"),
        )
    })?;
    let mut glyphs = Vec::new();
    let mut missing = Vec::new();
    for c in word.chars() {
        let found = chain.iter().find_map(|&fid| {
            let face = db.get(fid).face();
            face.glyph_index(c).map(|g| (fid, g))
        });
        match found {
            Some(g) => glyphs.push(g),
            None => missing.push(code_points(&c.to_string())),
        }
    }
    if !missing.is_empty() {
        return Err(Error::MissingGlyph {
            field: field.into(),
            clusters: missing,
        });
    }
    if glyphs.is_empty() {
        return Err(Error::input(field, empty));
    }
    Ok(glyphs)
}

/// Rasterises the word in BIZ UDゴシック Bold at `res_mm` per sample (word frame: x right along
/// the advance, y down from the top of the em box).
fn word_shape(word: &str, em_mm: f64, res_mm: f64) -> Result<WordShape> {
    let db = FontDb::shared()?;
    let glyphs = word_glyphs(
        db,
        word,
        "latent.word",
        "a word of at least one character (default 複写)",
    )?;
    let mut pb = tiny_skia::PathBuilder::new();
    let mut pen = 0.0f32;
    let px_per_mm = (1.0 / res_mm) as f32;
    for (fid, gid) in &glyphs {
        let f = db.get(*fid);
        let face = f.face();
        let upem = f32::from(f.units_per_em());
        let s = em_mm as f32 / upem * px_per_mm;
        let asc = f32::from(face.ascender());
        let desc = f32::from(face.descender());
        let base = em_mm as f32 * px_per_mm * asc / (asc - desc).max(1.0);
        let mut b = OutlineToPath {
            pb: &mut pb,
            s,
            x0: pen,
            base,
        };
        face.outline_glyph(*gid, &mut b);
        pen += f32::from(face.glyph_hor_advance(*gid).unwrap_or(f.units_per_em())) * s;
    }
    let w = (pen.ceil() as u32).max(1);
    let h = ((em_mm / res_mm).ceil() as u32).max(1);
    let mut bits = vec![false; (w * h) as usize];
    if let Some(path) = pb.finish() {
        let mut m = tiny_skia::Mask::new(w, h)
            .ok_or_else(|| Error::input("latent.word_height_mm", "a word height of 15–30 mm"))?;
        m.fill_path(
            &path,
            tiny_skia::FillRule::Winding,
            true,
            tiny_skia::Transform::identity(),
        );
        for (b, v) in bits.iter_mut().zip(m.data()) {
            *b = *v >= 128;
        }
    }
    Ok(WordShape {
        w,
        h,
        res_mm,
        bits,
        width_mm: f64::from(pen) * res_mm,
        height_mm: em_mm,
    })
}

fn validate(cfg: &LatentConfig, dpi: u32) -> Result<()> {
    if dpi != DESIGN_DPI {
        return Err(Error::input(
            "latent.dpi",
            "600: the dot sizes are designed in 600-dpi pixels",
        ));
    }
    if !(10.0..=40.0).contains(&cfg.word_height_mm) {
        return Err(Error::input(
            "latent.word_height_mm",
            "a number in 10–40 mm (design range 15–30)",
        ));
    }
    if !(-45.0..=45.0).contains(&cfg.angle_deg) {
        return Err(Error::input(
            "latent.angle_deg",
            "a number in −45…45 degrees (design range 10–30)",
        ));
    }
    if !(cfg.tile_mm >= cfg.word_height_mm * 1.5 && cfg.tile_mm <= 200.0) {
        return Err(Error::input(
            "latent.tile_mm",
            "at least 1.5 × word_height_mm and at most 200 (design range 45–60)",
        ));
    }
    if !(-1.0..=1.0).contains(&cfg.bg_trim) {
        return Err(Error::input("latent.bg_trim", "a fraction in −1…1"));
    }
    Ok(())
}

/// Tiling of the word in the rotated frame: row pitch, column pitch, placement in the tile.
struct Tiling {
    cos: f64,
    sin: f64,
    row: f64,
    col: f64,
    mx: f64,
    my: f64,
}

impl Tiling {
    fn new(cfg: &LatentConfig, shape: &WordShape) -> Self {
        let th = f64::from(cfg.angle_deg).to_radians();
        let row = f64::from(cfg.tile_mm);
        let col = row.max(shape.width_mm + 0.5 * shape.height_mm);
        Tiling {
            cos: libm::cos(th),
            sin: libm::sin(th),
            row,
            col,
            mx: (col - shape.width_mm) / 2.0,
            my: (row - shape.height_mm) / 2.0,
        }
    }

    /// Whether page point (x, y) mm falls on the word. Rows run at `angle_deg` rising to the
    /// right; odd rows are shifted by half a column.
    fn hit(&self, shape: &WordShape, x: f64, y: f64) -> bool {
        let u = x * self.cos - y * self.sin;
        let v = x * self.sin + y * self.cos;
        let r = libm::floor(v / self.row);
        let vl = v - r * self.row;
        let shift = if (r as i64).rem_euclid(2) == 1 {
            self.col / 2.0
        } else {
            0.0
        };
        let ul = (u + shift).rem_euclid(self.col);
        shape.get(ul - self.mx, vl - self.my)
    }

    /// Page position (mm) of the centre of the word in row `r`, column `c`.
    fn centre(&self, r: i32, c: i32, shape: &WordShape) -> (f64, f64) {
        let shift = if r.rem_euclid(2) == 1 {
            self.col / 2.0
        } else {
            0.0
        };
        let u = f64::from(c) * self.col + self.mx + shape.width_mm / 2.0 - shift;
        let v = f64::from(r) * self.row + self.my + shape.height_mm / 2.0;
        // Inverse of (u, v) = R(x, y).
        (u * self.cos + v * self.sin, -u * self.sin + v * self.cos)
    }
}

/// Page position (mm) of the centre of the word in tile row `row`, column `col`: lets a caller
/// (or a test) place an area over a whole word.
pub fn word_centre(cfg: &LatentConfig, row: i32, col: i32) -> Result<(f32, f32)> {
    validate(cfg, DESIGN_DPI)?;
    let (_, _, _, lp) = cfg.dot_set.geometry();
    let shape = word_shape(
        &cfg.word,
        f64::from(cfg.word_height_mm),
        f64::from(lp) * MM_PER_PX / 2.0,
    )?;
    let (x, y) = Tiling::new(cfg, &shape).centre(row, col, &shape);
    Ok((x as f32, y as f32))
}

/// Whether the camouflage wave band covers page point (x, y) mm.
fn camo_hit(x: f64, y: f64, band_mm: f64) -> bool {
    let a = CAMO_ANGLE_DEG.to_radians();
    let (c, s) = (libm::cos(a), libm::sin(a));
    let along = x * c - y * s;
    let across = x * s + y * c;
    let w = across + CAMO_AMPLITUDE_MM * libm::sin(std::f64::consts::TAU * along / CAMO_WAVE_MM);
    w.rem_euclid(CAMO_SPACING_MM) < band_mm
}

/// The dot field for `area` with the cell map the metrics need. See [`latent_pattern`].
pub fn latent_layout(cfg: &LatentConfig, area: Rect, dpi: u32) -> Result<LatentLayout> {
    validate(cfg, dpi)?;
    if !(area.w > 0.0 && area.h > 0.0 && area.w <= 1000.0 && area.h <= 1000.0) {
        return Err(Error::input(
            "latent.area",
            "a rectangle with sides in (0, 1000] mm",
        ));
    }
    let (bd, bp, ld, lp) = cfg.dot_set.geometry();
    let pitch_mm = f64::from(lp) * MM_PER_PX;
    let shape = word_shape(&cfg.word, f64::from(cfg.word_height_mm), pitch_mm / 2.0)?;
    let tiling = Tiling::new(cfg, &shape);

    let mut rng = keyed_rng("shomei/latent/v1", &[&cfg.seed.to_le_bytes()]);
    let jitter_key = rng.next_u64();
    let trim_key = rng.next_u64();

    let k = MM_PER_PX;
    let x0 = libm::round(f64::from(area.x) / k) as i64;
    let y0 = libm::round(f64::from(area.y) / k) as i64;
    let x1 = libm::round(f64::from(area.right()) / k) as i64;
    let y1 = libm::round(f64::from(area.bottom()) / k) as i64;
    let (pw, ph) = ((x1 - x0).max(1) as u32, (y1 - y0).max(1) as u32);
    let stride = pw.div_ceil(8);
    let mut bits = vec![0u8; (stride * ph) as usize];

    let lpi = i64::from(lp);
    let c0 = (x0.div_euclid(lpi), y0.div_euclid(lpi));
    let c1 = ((x1 - 1).div_euclid(lpi), (y1 - 1).div_euclid(lpi));
    let cells = ((c1.0 - c0.0 + 1) as u32, (c1.1 - c0.1 + 1) as u32);
    let mut word = vec![false; (cells.0 * cells.1) as usize];
    let mut knocked = vec![false; word.len()];

    let mut set = |px: i64, py: i64, w: u32, h: u32| {
        for yy in py..py + i64::from(h) {
            for xx in px..px + i64::from(w) {
                let (lx, ly) = (xx - x0, yy - y0);
                if lx >= 0 && ly >= 0 && lx < i64::from(pw) && ly < i64::from(ph) {
                    bits[(ly as u32 * stride + lx as u32 / 8) as usize] |= 0x80 >> (lx as u32 % 8);
                }
            }
        }
    };

    let per = i64::from(lp / bp);
    for cy in 0..cells.1 {
        for cx in 0..cells.0 {
            let (gx, gy) = (c0.0 + i64::from(cx), c0.1 + i64::from(cy));
            let (mut sx, mut sy) = ((gx as f64 + 0.5) * pitch_mm, (gy as f64 + 0.5) * pitch_mm);
            if cfg.camouflage {
                let h = cell_hash(jitter_key, gx, gy);
                // −1, 0, 0, +1 cells on each axis: a ragged edge, a solid interior.
                let j = |b: u64| [-1.0, 0.0, 0.0, 1.0][(b & 3) as usize];
                sx += j(h) * pitch_mm;
                sy += j(h >> 8) * pitch_mm;
            }
            let in_word = tiling.hit(&shape, sx, sy);
            let ko = cfg.camouflage
                && camo_hit(
                    (gx as f64 + 0.5) * pitch_mm,
                    (gy as f64 + 0.5) * pitch_mm,
                    pitch_mm,
                );
            let i = (cy * cells.0 + cx) as usize;
            word[i] = in_word;
            knocked[i] = ko;
            if ko {
                continue;
            }
            let large = match cfg.variant {
                LatentVariant::Surviving => in_word,
                LatentVariant::Dropout => !in_word,
            };
            if large {
                let o = i64::from((lp - ld) / 2);
                set(gx * lpi + o, gy * lpi + o, ld, ld);
            } else {
                for sy_ in 0..per {
                    for sx_ in 0..per {
                        let (bx, by) = (gx * per + sx_, gy * per + sy_);
                        let o = i64::from((bp - bd) / 2);
                        let mut h = bd;
                        if cfg.bg_trim != 0.0
                            && unit_f64(cell_hash(trim_key, bx, by)) < f64::from(cfg.bg_trim.abs())
                        {
                            h = if cfg.bg_trim > 0.0 {
                                bd + 1
                            } else {
                                bd.saturating_sub(1).max(1)
                            };
                        }
                        set(bx * i64::from(bp) + o, by * i64::from(bp) + o, bd, h);
                    }
                }
            }
        }
    }

    let mask = BitMask {
        x: (x0 as f64 * k) as f32,
        y: (y0 as f64 * k) as f32,
        dpi: DESIGN_DPI,
        px_w: pw,
        px_h: ph,
        stride,
        bits: Arc::new(bits),
        ink: Ink::Black,
    };
    Ok(LatentLayout {
        mask,
        origin_px: (x0, y0),
        cell_px: lp,
        cell0: c0,
        cells,
        word,
        knocked,
    })
}
