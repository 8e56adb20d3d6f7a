//! The raster painter: display list → one 8-bit coverage plane per ink at a given dpi.
//!
//! Owns the planes, the glyph cache (each glyph rasterised once per size and orientation) and
//! the base cache (the static part of a page painted once per base key and dpi, then copied).
//! It knows nothing about templates or text layout, and nothing about colour: turning planes
//! into pixels is the encoder's job (`output::png`).

mod base_cache;
mod glyph_cache;
mod raster;
mod scratch;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::display::{Ink, Item, Layer, Page};
use crate::geom::page_px;
use crate::text::FontDb;

use base_cache::{BaseCache, BaseKey};
use glyph_cache::GlyphCache;
pub use scratch::{with_scratch_planes, SCRATCH_KEEP_BYTES};

/// The highest resolution the painter accepts; higher requests are clamped to it. The request
/// layer is expected to reject anything above it with a field error first.
pub const MAX_DPI: u32 = 2400;

/// Default memory bound of the glyph cache, bytes of coverage.
pub const DEFAULT_GLYPH_CACHE_BYTES: usize = 64 << 20;

/// Default memory bound of the base cache, bytes of non-blank coverage planes.
pub const DEFAULT_BASE_CACHE_BYTES: usize = 1 << 30;

/// One 8-bit coverage plane per ink, row-major, `width × height` bytes each:
/// 0 = paper, 255 = full ink.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planes {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Resolution the planes were painted at.
    pub dpi: u32,
    /// The planes, indexed by [`Ink::index`].
    pub planes: Vec<Vec<u8>>,
}

impl Planes {
    /// Blank planes for a page of `size_mm` at `dpi`; the size in pixels is
    /// [`page_px`]`(size_mm, dpi)`. `dpi` is clamped to `1..=`[`MAX_DPI`].
    pub fn new(size_mm: (f32, f32), dpi: u32) -> Planes {
        let dpi = dpi.clamp(1, MAX_DPI);
        let (width, height) = page_px(size_mm, dpi);
        let n = width as usize * height as usize;
        Planes {
            width,
            height,
            dpi,
            planes: Ink::ALL.iter().map(|_| vec![0u8; n]).collect(),
        }
    }

    /// The coverage plane of `ink`.
    pub fn plane(&self, ink: Ink) -> &[u8] {
        self.planes.get(ink.index()).map_or(&[], Vec::as_slice)
    }

    /// The coverage plane of `ink`, writable.
    pub fn plane_mut(&mut self, ink: Ink) -> &mut [u8] {
        self.planes
            .get_mut(ink.index())
            .map_or(&mut [], Vec::as_mut_slice)
    }

    /// Device pixels per millimetre.
    pub fn px_per_mm(&self) -> f32 {
        self.dpi as f32 / 25.4
    }

    /// Whether every plane holds `width × height` bytes (always, for planes made by [`Planes::new`]).
    pub fn is_well_formed(&self) -> bool {
        let n = self.width as usize * self.height as usize;
        self.planes.len() == Ink::ALL.len() && self.planes.iter().all(|p| p.len() == n)
    }
}

/// Paints layers and pages into [`Planes`]. One painter serves every thread: its caches are
/// shared and locked briefly, and rasterising happens outside the locks.
pub struct Painter {
    fonts: &'static FontDb,
    glyphs: GlyphCache,
    bases: BaseCache,
    base_paints: AtomicU64,
}

impl std::fmt::Debug for Painter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Painter")
            .field("base_paints", &self.base_paints())
            .finish_non_exhaustive()
    }
}

impl Painter {
    /// A painter drawing glyphs from `fonts`, with the default cache bounds
    /// ([`DEFAULT_GLYPH_CACHE_BYTES`], [`DEFAULT_BASE_CACHE_BYTES`]).
    pub fn new(fonts: &'static FontDb) -> Painter {
        Painter::with_cache_limits(fonts, DEFAULT_GLYPH_CACHE_BYTES, DEFAULT_BASE_CACHE_BYTES)
    }

    /// A painter whose glyph cache holds about `glyph_bytes` of coverage and whose base cache
    /// holds about `base_bytes` of painted planes (least recently used bases go first).
    pub fn with_cache_limits(
        fonts: &'static FontDb,
        glyph_bytes: usize,
        base_bytes: usize,
    ) -> Painter {
        Painter {
            fonts,
            glyphs: GlyphCache::new(glyph_bytes),
            bases: BaseCache::new(base_bytes),
            base_paints: AtomicU64::new(0),
        }
    }

    /// Paints every item of `layer` into `planes`, in order. Coverage accumulates by union
    /// (a + b − a·b) in each ink's plane; items outside the page are clipped.
    pub fn paint_layer(&self, planes: &mut Planes, layer: &Layer) {
        if !planes.is_well_formed() {
            return;
        }
        for item in &layer.items {
            match item {
                Item::Glyph(g) => self.paint_glyph(planes, g),
                Item::Shape(s) => raster::paint_shape(planes, s),
                Item::Mask(m) => raster::paint_bitmask(planes, m),
                Item::Image(i) => raster::paint_image(planes, i),
                Item::Cmyk(i) => raster::paint_cmyk(planes, i),
                Item::Modules(f) => raster::paint_bitmask(planes, &f.to_mask()),
            }
        }
    }

    /// Paints a page at `dpi`: its base comes from the cache (painted once per base key, page
    /// size and dpi), is copied, and the page's own layer is painted on top.
    pub fn paint_page(&self, page: &Page, dpi: u32) -> Planes {
        let mut out = Planes {
            width: 0,
            height: 0,
            dpi,
            planes: Vec::new(),
        };
        self.paint_page_into(page, dpi, &mut out);
        out
    }

    /// [`Painter::paint_page`] into `out`, reusing its buffers (a render worker's scratch
    /// planes: no allocation once they have grown to the page's size).
    pub fn paint_page_into(&self, page: &Page, dpi: u32, out: &mut Planes) {
        let entry = self.base_entry(page, dpi);
        let base = &entry.planes;
        out.width = base.width;
        out.height = base.height;
        out.dpi = base.dpi;
        out.planes.resize_with(base.planes.len(), Vec::new);
        for ((dst, src), &blank) in out.planes.iter_mut().zip(&base.planes).zip(&entry.blank) {
            dst.clear();
            if blank {
                dst.resize(src.len(), 0);
            } else {
                dst.extend_from_slice(src);
            }
        }
        self.paint_layer(out, &page.own);
    }

    /// The cached base of `page` at `dpi`, painting it first if it is not cached.
    pub fn base_planes(&self, page: &Page, dpi: u32) -> Arc<Planes> {
        Arc::clone(&self.base_entry(page, dpi).planes)
    }

    /// How many bases this painter has painted (a cache hit paints none).
    pub fn base_paints(&self) -> u64 {
        self.base_paints.load(Ordering::Relaxed)
    }

    /// How many glyph bitmaps this painter has rasterised into its glyph cache.
    pub fn glyphs_rasterised(&self) -> u64 {
        self.glyphs.rasterised()
    }

    fn base_entry(&self, page: &Page, dpi: u32) -> Arc<base_cache::BaseEntry> {
        let dpi = dpi.clamp(1, MAX_DPI);
        let key = BaseKey {
            base_key: page.base_key,
            dpi,
            w_bits: page.size.0.to_bits(),
            h_bits: page.size.1.to_bits(),
        };
        self.bases.get_or_paint(key, || {
            self.base_paints.fetch_add(1, Ordering::Relaxed);
            let mut planes = Planes::new(page.size, dpi);
            self.paint_layer(&mut planes, &page.base);
            planes
        })
    }

    fn paint_glyph(&self, planes: &mut Planes, g: &crate::display::Glyph) {
        if usize::from(g.font) >= self.fonts.len() {
            return;
        }
        let face = self.fonts.get(g.font);
        let k = planes.px_per_mm();
        match glyph_cache::GlyphKey::new(g, k) {
            Some(key) => {
                let bitmap = self.glyphs.get_or_raster(key, face);
                let (ox, oy) = (raster::round_px(g.x * k), raster::round_px(g.y * k));
                if let Some(plane) = planes.planes.get_mut(g.ink.index()) {
                    raster::blit_union(
                        plane,
                        planes.width,
                        planes.height,
                        &bitmap.coverage,
                        bitmap.width,
                        bitmap.height,
                        ox.saturating_add(bitmap.left),
                        oy.saturating_add(bitmap.top),
                    );
                }
            }
            // Too large to cache, or degenerate: drawn straight into the plane (or skipped).
            None => glyph_cache::paint_uncached(planes, g, face),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
