//! The glyph cache: glyph outlines rasterised once per (font, glyph, size, scale, orientation)
//! into small coverage bitmaps, placed on whole pixels. Bounded in bytes; shared by threads.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tiny_skia::{FillRule, Mask, PathBuilder, Transform};

use crate::display::{FontId, Glyph};
use crate::geom::Affine;
use crate::text::FontFace;

use super::Planes;

/// Glyphs whose em is larger than this many pixels are not cached but drawn straight into
/// the plane (a watermark, a 見本 mark): their bitmaps would crowd out the body text.
const MAX_CACHED_EM_PX: u32 = 512;

/// Subdivisions of a pixel the em size is quantised to.
const EM_STEPS: f32 = 64.0;

/// Subdivisions of 1 that the horizontal and vertical scales are quantised to.
const SCALE_STEPS: f32 = 4096.0;

const SHARDS: usize = 16;

/// What a cached bitmap depends on. Rasterising uses the quantised values only, so a bitmap
/// is the same whichever glyph first asked for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct GlyphKey {
    font: FontId,
    gid: u16,
    /// em size in 1/64 px.
    em_q: u32,
    /// sx in 1/4096.
    sx_q: i32,
    /// sy in 1/4096.
    sy_q: i32,
    rot90: bool,
}

impl GlyphKey {
    /// The key of `g` painted at `px_per_mm`; `None` when the glyph is too large to cache or
    /// degenerate (non-finite, zero size).
    pub(crate) fn new(g: &Glyph, px_per_mm: f32) -> Option<GlyphKey> {
        let em_px = g.em * px_per_mm;
        if !em_px.is_finite() || !g.sx.is_finite() || !g.sy.is_finite() {
            return None;
        }
        let em_q = (em_px * EM_STEPS).round();
        let (sx, sy) = ((g.sx * SCALE_STEPS).round(), (g.sy * SCALE_STEPS).round());
        let max_em = (MAX_CACHED_EM_PX as f32) * EM_STEPS;
        if em_q < 1.0
            || em_q > max_em
            || sx.abs() > 4.0 * SCALE_STEPS
            || sy.abs() > 4.0 * SCALE_STEPS
        {
            return None;
        }
        Some(GlyphKey {
            font: g.font,
            gid: g.gid,
            em_q: em_q as u32,
            sx_q: sx as i32,
            sy_q: sy as i32,
            rot90: g.rot90,
        })
    }

    /// The glyph's transform from font units to pixels, origin at (0, 0).
    fn transform(&self, units_per_em: u16) -> Affine {
        Glyph {
            font: self.font,
            gid: self.gid,
            x: 0.0,
            y: 0.0,
            em: self.em_q as f32 / EM_STEPS,
            sx: self.sx_q as f32 / SCALE_STEPS,
            sy: self.sy_q as f32 / SCALE_STEPS,
            rot90: self.rot90,
            ink: crate::display::Ink::Black,
        }
        .transform(units_per_em)
    }
}

/// A rasterised glyph: coverage of `width × height` pixels whose top-left pixel lies at
/// (`left`, `top`) from the glyph origin's pixel.
#[derive(Debug, Default)]
pub(crate) struct GlyphBitmap {
    pub(crate) left: i32,
    pub(crate) top: i32,
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) coverage: Vec<u8>,
}

#[derive(Default)]
struct Shard {
    map: HashMap<GlyphKey, Arc<GlyphBitmap>>,
    bytes: usize,
}

/// Sharded, bounded map from [`GlyphKey`] to bitmap. When a shard outgrows its share of the
/// bound it is emptied (glyphs are cheap to rasterise again; output does not change).
pub(crate) struct GlyphCache {
    shards: Vec<Mutex<Shard>>,
    hasher: std::hash::RandomState,
    shard_limit: usize,
    rasterised: AtomicU64,
}

fn lock(m: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl GlyphCache {
    pub(crate) fn new(limit_bytes: usize) -> GlyphCache {
        GlyphCache {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            hasher: std::hash::RandomState::new(),
            shard_limit: (limit_bytes / SHARDS).max(1),
            rasterised: AtomicU64::new(0),
        }
    }

    pub(crate) fn rasterised(&self) -> u64 {
        self.rasterised.load(Ordering::Relaxed)
    }

    /// The bitmap for `key`, rasterised from `face` on a miss (outside the lock).
    pub(crate) fn get_or_raster(&self, key: GlyphKey, face: &FontFace) -> Arc<GlyphBitmap> {
        let shard_ix = (self.hasher.hash_one(key) as usize) % SHARDS;
        let Some(shard) = self.shards.get(shard_ix) else {
            return Arc::new(rasterise(&key, face));
        };
        if let Some(b) = lock(shard).map.get(&key) {
            return Arc::clone(b);
        }
        let bitmap = Arc::new(rasterise(&key, face));
        self.rasterised.fetch_add(1, Ordering::Relaxed);
        let mut s = lock(shard);
        if let Some(b) = s.map.get(&key) {
            return Arc::clone(b);
        }
        let size = bitmap.coverage.len() + std::mem::size_of::<GlyphBitmap>() + 32;
        if s.bytes + size > self.shard_limit {
            s.map.clear();
            s.bytes = 0;
        }
        s.bytes += size;
        s.map.insert(key, Arc::clone(&bitmap));
        bitmap
    }
}

/// Builds a tiny-skia path from a glyph outline through an affine transform.
struct OutlineToPath {
    t: Affine,
    pb: PathBuilder,
}

impl ttf_parser::OutlineBuilder for OutlineToPath {
    fn move_to(&mut self, x: f32, y: f32) {
        let (x, y) = self.t.apply(x, y);
        self.pb.move_to(x, y);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        let (x, y) = self.t.apply(x, y);
        self.pb.line_to(x, y);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let (x1, y1) = self.t.apply(x1, y1);
        let (x, y) = self.t.apply(x, y);
        self.pb.quad_to(x1, y1, x, y);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let (x1, y1) = self.t.apply(x1, y1);
        let (x2, y2) = self.t.apply(x2, y2);
        let (x, y) = self.t.apply(x, y);
        self.pb.cubic_to(x1, y1, x2, y2, x, y);
    }
    fn close(&mut self) {
        self.pb.close();
    }
}

/// The outline of glyph `gid` of `face` through `t` (font units → pixels), if it has one.
fn outline(face: &FontFace, gid: u16, t: Affine) -> Option<tiny_skia::Path> {
    let mut b = OutlineToPath {
        t,
        pb: PathBuilder::new(),
    };
    face.face()
        .outline_glyph(ttf_parser::GlyphId(gid), &mut b)?;
    b.pb.finish()
}

fn rasterise(key: &GlyphKey, face: &FontFace) -> GlyphBitmap {
    let Some(path) = outline(face, key.gid, key.transform(face.units_per_em())) else {
        return GlyphBitmap::default();
    };
    let b = path.bounds();
    let (left, top) = (b.left().floor(), b.top().floor());
    let (right, bottom) = (b.right().ceil(), b.bottom().ceil());
    let (w, h) = ((right - left) as u32, (bottom - top) as u32);
    let Some(mut mask) = Mask::new(w.max(1), h.max(1)) else {
        return GlyphBitmap::default();
    };
    mask.fill_path(
        &path,
        FillRule::Winding,
        true,
        Transform::from_translate(-left, -top),
    );
    GlyphBitmap {
        left: left as i32,
        top: top as i32,
        width: mask.width(),
        height: mask.height(),
        coverage: mask.take(),
    }
}

/// Draws a glyph straight into its plane at its exact position, without the cache.
pub(crate) fn paint_uncached(planes: &mut Planes, g: &Glyph, face: &FontFace) {
    let k = planes.px_per_mm();
    let t = Affine::scale(k, k).then_after(&g.transform(face.units_per_em()));
    if let Some(path) = outline(face, g.gid, t) {
        super::raster::fill_path(planes, g.ink, &path, FillRule::Winding);
    }
}
