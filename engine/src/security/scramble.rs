//! The scrambled front on the back (スクランブル画像, security-print.md §4): the front page
//! reduced to a 4-level grey image, every pixel permuted and half of them inverted under a
//! per-document key, printed as a grid of 4-size dots; and the reader that finds the grid in
//! a scan and undoes it.
//!
//! **Key.** `k = HMAC-SHA256(master, "scramble/v1" ‖ serial (u64 BE) ‖ page (u8))`: the master
//! is the municipality's 32-byte scramble secret, the serial is the number the signed code
//! carries. The page byte (an addition to the design) keeps the pages of one multi-page
//! certificate from sharing a permutation (a forger knowing page 1 would otherwise unscramble
//! page 2's key stream). `ChaCha20(k)` then draws, in this order: one inversion bit per data
//! module (`v → 3 − v`), 2 bits per padding module, and the Fisher–Yates swaps over all `N`
//! data modules (for `i` from `N − 1` down to 1, `j ∈ [0, i]`; three consecutive `j` from one
//! `u64` by batched multiply-and-reject, exact, see [`Keyed::for_each_swap`]), applied in
//! place to the source levels followed by the padding, each already inverted or not.
//!
//! **Source.** The front page (base and own layer) painted by the [`Painter`] at `f` dpi,
//! cropped to the inside of the security frame (the latent field, [`content_rect`]), darkness
//! `d = 1 − (1 − k)(1 − 0.45 r)` (black and vermilion planes), a background cut
//! `d' = clamp((d − 0.25) / 0.75)` that drops the 16 % latent screen, and 4 levels
//! `round(3 d')`. `f` is the largest integer dpi whose crop fits the data modules
//! ([`source_dpi`]): 73 dpi for A4 with the default area. The rest of the data modules are
//! keyed random padding, so the whole area reads as noise.
//!
//! **Module grid.** A module is 6 × 6 px at 600 dpi (0.254 mm = 1/100 in, 3 px in a 300 dpi
//! scan). Its dot ([`DOTS`]): level 0 none; 1: 4 × 3 px (12 px², 33 %); 2: 5 × 5 px (25 px²,
//! 69 %, a 1-px gutter right and below); 3: the full 6 × 6 (36 px²). The grid (odd numbers of
//! columns and rows, centred in `security.back.scramble_mm` with a quiet margin of at least
//! 1 mm) holds: four QR-style finders (7 × 7 modules with a 1-module light separator) at the
//! corners; timing tracks (alternating 3/0, dark at both ends) on all four outer edges
//! between the finders; reference strips (levels 0, 1, 2, 3 repeated) one module inside
//! them; a header in row 2 (width, height and dpi of the source: 32 bits as levels 0/3,
//! three copies); and the data modules, in row-major order.
//!
//! **Reading** ([`read_grid`], [`descramble`]): 1:1:3:1:1 run-length candidates on every scan
//! row, checked down the column and against the 7 × 7 finder template; the four that form the
//! largest parallelogram; centres refined as darkness centroids of the finder and its
//! separator; the module size from the finders' edges; the number of columns and rows from
//! the timing tracks (dark runs `D`: `2D + 15`); a homography from the four centres (no
//! alignment marks: the print-scan model is affine, and the centroids are sub-pixel); each
//! module sampled on a 3 × 3 lattice over its centre 50 % of area; levels classified from the
//! reference strips, then refined with decision feedback: a least-squares fit of
//! `s = μ[v] + c·(edge neighbours) + d·(diagonal neighbours)` over the whole grid removes the
//! blur's inter-module leak before the next decision (three rounds). The permutation is
//! regenerated from the serial and the master and inverted.

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use chacha20::cipher::{KeyIvInit, StreamCipher};
use chacha20::ChaCha20;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::print::SecurityPrint;
use super::sim::GrayF32;
use super::DESIGN_DPI;
use crate::display::{BitMask, Ink, ModuleField, Page};
use crate::error::{Error, Result};
use crate::geom::Rect;
use crate::paint::{Painter, Planes};

/// Side of a module, px at [`DESIGN_DPI`] (0.254 mm).
pub const MODULE_PX: u32 = 6;
/// Side of a module, mm.
pub const MODULE_MM: f32 = MODULE_PX as f32 * 25.4 / DESIGN_DPI as f32;
/// The dot of each level inside its module: (x, y, w, h) px at 600 dpi.
pub const DOTS: [(u32, u32, u32, u32); 4] =
    [(0, 0, 0, 0), (1, 2, 4, 3), (1, 1, 5, 5), (0, 0, 6, 6)];
/// Quiet margin between the reserved area's edge and the grid, mm.
pub const QUIET_MM: f32 = 1.0;
/// Domain string of the key derivation.
const DOMAIN: &[u8] = b"scramble/v1";
/// Header bits: width 12, height 12, dpi 8.
const HEADER_BITS: u32 = 32;
/// Header copies in row 2.
const HEADER_COPIES: u32 = 3;
/// Highest source resolution chosen, dpi.
const MAX_SOURCE_DPI: u32 = 200;

/// A municipality's 32-byte scramble master secret. Its `Debug` shows nothing of it.
#[derive(Clone, PartialEq, Eq)]
pub struct ScrambleKey([u8; 32]);

impl std::fmt::Debug for ScrambleKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScrambleKey(…)")
    }
}

impl ScrambleKey {
    /// A key from its 32 bytes.
    pub fn from_bytes(b: [u8; 32]) -> ScrambleKey {
        ScrambleKey(b)
    }

    /// Parses base64 of 32 bytes (surrounding whitespace and `#` comment lines ignored);
    /// `what` names the source in errors (never the key).
    pub fn parse(text: &str, what: &str) -> Result<ScrambleKey> {
        use base64::Engine;
        let body: String = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(body.as_bytes())
            .map_err(|_| Error::input(what, "base64 of a 32-byte scramble key"))?;
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::input(what, "base64 of exactly 32 bytes"))?;
        Ok(ScrambleKey(arr))
    }

    /// The per-document key: `HMAC-SHA256(master, "scramble/v1" ‖ serial BE ‖ page)`.
    pub fn document_key(&self, serial: u64, page: u8) -> Result<[u8; 32]> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .map_err(|_| Error::input("scramble.key", "a 32-byte key"))?;
        mac.update(DOMAIN);
        mac.update(&serial.to_be_bytes());
        mac.update(&[page]);
        Ok(mac.finalize().into_bytes().into())
    }
}

/// A 4-level grey image (levels 0 = paper … 3 = solid), row-major.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LevelImage {
    /// Width, px.
    pub w: u32,
    /// Height, px.
    pub h: u32,
    /// Resolution, dpi.
    pub dpi: u32,
    /// Levels 0–3.
    pub levels: Vec<u8>,
}

impl LevelImage {
    /// Reduces painted planes to 4 levels over the crop `area` (page mm; see the module
    /// documentation for the darkness, background cut and quantisation).
    pub fn from_planes(planes: &Planes, area: Rect) -> LevelImage {
        let k = f64::from(planes.dpi) / 25.4;
        let x0 = (f64::from(area.x) * k).round().max(0.0) as u32;
        let y0 = (f64::from(area.y) * k).round().max(0.0) as u32;
        let w =
            ((f64::from(area.w) * k).floor().max(0.0) as u32).min(planes.width.saturating_sub(x0));
        let h =
            ((f64::from(area.h) * k).floor().max(0.0) as u32).min(planes.height.saturating_sub(y0));
        let black = planes.plane(Ink::Black);
        let red = planes.plane(Ink::Red);
        // The level of every (black, red) coverage pair, computed once: 64 K entries.
        static LEVELS: OnceLock<Vec<u8>> = OnceLock::new();
        let table = LEVELS.get_or_init(|| {
            (0..=u16::MAX)
                .map(|i| {
                    let kb = f32::from((i >> 8) as u8) / 255.0;
                    let kr = f32::from(i as u8) / 255.0;
                    level_of(1.0 - (1.0 - kb) * (1.0 - 0.45 * kr))
                })
                .collect()
        });
        let mut levels = vec![0u8; w as usize * h as usize];
        if w > 0 {
            for (y, out) in (y0..y0 + h).zip(levels.chunks_exact_mut(w as usize)) {
                let row = (y * planes.width) as usize;
                let (a, b) = (row + x0 as usize, row + (x0 + w) as usize);
                let kb = black.get(a..b).unwrap_or(&[]);
                let kr = red.get(a..b).unwrap_or(&[]);
                if kb.len() != out.len() || kr.len() != out.len() {
                    for (j, o) in out.iter_mut().enumerate() {
                        let k = kb.get(j).copied().unwrap_or(0);
                        let r = kr.get(j).copied().unwrap_or(0);
                        *o = table[(usize::from(k) << 8) | usize::from(r)];
                    }
                    continue;
                }
                // Most of a front is paper or the light latent screen: 16 pixels whose
                // coverages are all light are level 0 (left as they are).
                let (mut o16, mut k16, mut r16) = (
                    out.chunks_exact_mut(16),
                    kb.chunks_exact(16),
                    kr.chunks_exact(16),
                );
                for ((o, k), r) in (&mut o16).zip(&mut k16).zip(&mut r16) {
                    let mk = k.iter().fold(0u8, |m, v| m.max(*v));
                    let mr = r.iter().fold(0u8, |m, v| m.max(*v));
                    if !(mk.max(mr) <= LIGHT || mr == 0 && mk <= LIGHT_BLACK) {
                        for ((o, k), r) in o.iter_mut().zip(k).zip(r) {
                            *o = table[(usize::from(*k) << 8) | usize::from(*r)];
                        }
                    }
                }
                let o = o16.into_remainder();
                for ((o, k), r) in o.iter_mut().zip(k16.remainder()).zip(r16.remainder()) {
                    *o = table[(usize::from(*k) << 8) | usize::from(*r)];
                }
            }
        }
        LevelImage {
            w,
            h,
            dpi: planes.dpi,
            levels,
        }
    }

    /// Reduces a darkness image to 4 levels (same rule as [`LevelImage::from_planes`]).
    pub fn from_gray(g: &GrayF32) -> LevelImage {
        LevelImage {
            w: g.w,
            h: g.h,
            dpi: g.dpi,
            levels: g.data.iter().map(|d| level_of(*d)).collect(),
        }
    }

    /// As darkness (level / 3).
    pub fn to_gray(&self) -> GrayF32 {
        GrayF32 {
            w: self.w,
            h: self.h,
            dpi: self.dpi,
            data: self.levels.iter().map(|v| f32::from(*v) / 3.0).collect(),
        }
    }

    /// PSNR against another image of the same size, dB, on the 0–1 scale (level / 3);
    /// infinite when equal, 0 when the sizes differ.
    pub fn psnr(&self, other: &LevelImage) -> f64 {
        if self.w != other.w || self.h != other.h || self.levels.is_empty() {
            return 0.0;
        }
        let se: f64 = self
            .levels
            .iter()
            .zip(&other.levels)
            .map(|(a, b)| {
                let d = (f64::from(*a) - f64::from(*b)) / 3.0;
                d * d
            })
            .sum();
        let mse = se / self.levels.len() as f64;
        if mse == 0.0 {
            f64::INFINITY
        } else {
            10.0 * (1.0 / mse).log10()
        }
    }
}

/// Coverage (of 255) at or under which black and vermilion together stay at level 0:
/// `1 − (1 − 72/255)(1 − 0.45 · 72/255) = 0.3735 < 0.375`, the lowest level boundary.
const LIGHT: u8 = 72;
/// Black coverage at or under which black alone stays at level 0 (`95/255 = 0.3725`).
const LIGHT_BLACK: u8 = 95;

fn level_of(d: f32) -> u8 {
    let c = ((d - 0.25) / 0.75).clamp(0.0, 1.0);
    (c * 3.0).round() as u8
}

/// What a module of the grid holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cell {
    /// A fixed level (finder, separator, timing, reference).
    Fixed(u8),
    /// Header bit `i` (of the copies in sequence).
    Header(u32),
    /// Scrambled data.
    Data,
}

/// The module grid of a scramble area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grid {
    /// Columns (odd).
    pub cols: u32,
    /// Rows (odd).
    pub rows: u32,
}

/// Smallest grid: the header row needs 8 + 96 + 8 columns.
const MIN_COLS: u32 = 8 + HEADER_BITS * HEADER_COPIES + 9;
const MIN_ROWS: u32 = 33;

impl Grid {
    /// The largest grid of odd size that fits `area` (mm) with the quiet margin.
    pub fn fit(area: Rect) -> Result<Grid> {
        let n = |mm: f32| {
            let n = ((mm - 2.0 * QUIET_MM) / MODULE_MM).floor().max(0.0) as u32;
            if n.is_multiple_of(2) {
                n.saturating_sub(1)
            } else {
                n
            }
        };
        Grid::new(n(area.w), n(area.h))
    }

    /// A grid of `cols × rows` modules (odd, at least 113 × 33).
    pub fn new(cols: u32, rows: u32) -> Result<Grid> {
        if cols.is_multiple_of(2) || rows.is_multiple_of(2) || cols < MIN_COLS || rows < MIN_ROWS {
            return Err(Error::input(
                "security.back.scramble_mm",
                format!(
                    "an area of at least {:.0} × {:.0} mm for the scrambled image",
                    MIN_COLS as f32 * MODULE_MM + 2.0 * QUIET_MM,
                    MIN_ROWS as f32 * MODULE_MM + 2.0 * QUIET_MM
                ),
            ));
        }
        Ok(Grid { cols, rows })
    }

    fn cell(&self, c: u32, r: u32) -> Cell {
        let (w, h) = (self.cols, self.rows);
        let edge = |v: u32, n: u32| {
            if v < 8 {
                Some(v)
            } else if v + 8 >= n {
                Some(n - 1 - v)
            } else {
                None
            }
        };
        if let (Some(x), Some(y)) = (edge(c, w), edge(r, h)) {
            if x == 7 || y == 7 {
                return Cell::Fixed(0);
            }
            let d = x.abs_diff(3).max(y.abs_diff(3));
            return Cell::Fixed(if d == 2 { 0 } else { 3 });
        }
        if r == 0 || r == h - 1 {
            return Cell::Fixed(if (c - 8).is_multiple_of(2) { 3 } else { 0 });
        }
        if c == 0 || c == w - 1 {
            return Cell::Fixed(if (r - 8).is_multiple_of(2) { 3 } else { 0 });
        }
        if r == 1 || r == h - 2 {
            return Cell::Fixed(((c - 8) % 4) as u8);
        }
        if c == 1 || c == w - 2 {
            return Cell::Fixed(((r - 8) % 4) as u8);
        }
        if r == 2 && (8..8 + HEADER_BITS * HEADER_COPIES).contains(&c) {
            return Cell::Header(c - 8);
        }
        Cell::Data
    }

    /// Number of data modules.
    pub fn data_modules(&self) -> usize {
        self.layout().data
    }

    /// The grid's module layout; computed once per grid size (a certificate's backs share
    /// one) and shared.
    fn layout(&self) -> Arc<Layout> {
        type Layouts = Mutex<Vec<((u32, u32), Arc<Layout>)>>;
        static LAYOUTS: OnceLock<Layouts> = OnceLock::new();
        let cache = LAYOUTS.get_or_init(|| Mutex::new(Vec::new()));
        let key = (self.cols, self.rows);
        if let Some((_, l)) = cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .find(|(k, _)| *k == key)
        {
            return Arc::clone(l);
        }
        let layout = Arc::new(Layout::new(self));
        let mut cache = cache.lock().unwrap_or_else(PoisonError::into_inner);
        // A handful of area sizes in any deployment; keep the cache bounded all the same.
        if cache.len() >= 16 {
            cache.remove(0);
        }
        cache.push((key, Arc::clone(&layout)));
        layout
    }

    /// Size on paper, mm.
    pub fn size_mm(&self) -> (f32, f32) {
        (self.cols as f32 * MODULE_MM, self.rows as f32 * MODULE_MM)
    }

    /// Top-left corner of the grid centred in `area`, mm (on the 600-dpi pixel lattice).
    pub fn origin_in(&self, area: Rect) -> (f32, f32) {
        let (w, h) = self.size_mm();
        let px = |v: f32| (v * DESIGN_DPI as f32 / 25.4).round() * 25.4 / DESIGN_DPI as f32;
        (
            px(area.x + (area.w - w) / 2.0),
            px(area.y + (area.h - h) / 2.0),
        )
    }
}

/// Where a grid's modules go, row-major: the fixed levels, the header bits and the runs of
/// data modules (the data run along each row between the edge tracks and the finders).
struct Layout {
    /// Every module's level with the data and header modules at 0.
    fixed: Vec<u8>,
    /// (module index, header bit) of every header module.
    header: Vec<(u32, u32)>,
    /// (first module index, length) of each run of data modules, in data order.
    runs: Vec<(u32, u32)>,
    /// Number of data modules.
    data: usize,
}

impl Layout {
    fn new(grid: &Grid) -> Layout {
        let (cols, rows) = (grid.cols, grid.rows);
        let mut fixed = Vec::with_capacity(cols as usize * rows as usize);
        let mut header = Vec::new();
        let mut runs: Vec<(u32, u32)> = Vec::new();
        let mut data = 0;
        for r in 0..rows {
            for c in 0..cols {
                let i = r * cols + c;
                match grid.cell(c, r) {
                    Cell::Fixed(v) => fixed.push(v),
                    Cell::Header(b) => {
                        fixed.push(0);
                        header.push((i, b));
                    }
                    Cell::Data => {
                        fixed.push(0);
                        data += 1;
                        match runs.last_mut() {
                            Some((start, len)) if *start + *len == i => *len += 1,
                            _ => runs.push((i, 1)),
                        }
                    }
                }
            }
        }
        Layout {
            fixed,
            header,
            runs,
            data,
        }
    }

    /// Puts `data` (in data order, as [`Layout::gather`] returns it) into the data modules of
    /// a whole grid's levels.
    fn scatter(&self, data: &[u8], levels: &mut [u8]) {
        let mut from = 0;
        for &(start, len) in &self.runs {
            let (a, l) = (start as usize, len as usize);
            levels[a..a + l].copy_from_slice(&data[from..from + l]);
            from += l;
        }
    }

    /// The data modules of a whole grid's levels, in data order.
    fn gather(&self, levels: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data);
        for &(start, len) in &self.runs {
            let (a, b) = (start as usize, (start + len) as usize);
            out.extend_from_slice(levels.get(a..b).unwrap_or(&[]));
        }
        out
    }
}

/// The largest integer source resolution (≤ 200 dpi) at which a crop of `crop_mm` fits the
/// grid's data modules; 0 if not even 1 dpi fits.
pub fn source_dpi(grid: &Grid, crop_mm: (f32, f32)) -> u32 {
    let n = grid.data_modules() as f64;
    let area_in2 = f64::from(crop_mm.0) * f64::from(crop_mm.1) / (25.4 * 25.4);
    let mut f = (n / area_in2.max(1e-9))
        .sqrt()
        .floor()
        .min(f64::from(MAX_SOURCE_DPI)) as u32;
    while f > 0 && (source_px(crop_mm.0, f) as f64) * (source_px(crop_mm.1, f) as f64) > n {
        f -= 1;
    }
    f
}

fn source_px(mm: f32, dpi: u32) -> u32 {
    (f64::from(mm) / 25.4 * f64::from(dpi)).floor().max(0.0) as u32
}

/// Largest product of the ranges drawn from one `u64` (the rejection rate stays under 1/8).
const BATCH_BOUND: u128 = 1 << 61;
/// Largest `r` with `r³ ≤ 2⁶¹`: three ranges up to it always share one `u64`.
const TRIPLE_MAX: u64 = 1_321_122;

/// The key stream of `n` data modules, `p` of them source pixels: the inversion bits and the
/// padding, then (left in the stream) the Fisher–Yates swaps.
struct Keyed {
    invert: Vec<u64>,
    pad: Vec<u64>,
    words: Words,
}

/// The ChaCha20 key stream (nonce 0, from block 0) as little-endian `u64` words, a 2 KB
/// block of the stream at a time: the words `rand_chacha`'s `ChaCha20Rng::from_seed(key)`
/// gives with `next_u64` (its 64-bit block counter and the IETF cipher's 32-bit one agree
/// for the first 256 GB). The `chacha20` crate computes them with AVX-512 where the CPU has
/// it, twice as fast as `rand_chacha`'s AVX2: 13 % of a certificate.
struct Words {
    cipher: ChaCha20,
    buf: [u8; 2048],
    at: usize,
}

impl Words {
    fn new(key: &[u8; 32]) -> Words {
        Words {
            cipher: ChaCha20::new(key.into(), &[0u8; 12].into()),
            buf: [0; 2048],
            at: 2048,
        }
    }

    #[inline]
    fn next(&mut self) -> u64 {
        if self.at + 8 > self.buf.len() {
            self.buf.fill(0);
            self.cipher.apply_keystream(&mut self.buf);
            self.at = 0;
        }
        let mut w = [0u8; 8];
        w.copy_from_slice(&self.buf[self.at..self.at + 8]);
        self.at += 8;
        u64::from_le_bytes(w)
    }
}

fn keyed(key: &[u8; 32], n: usize, p: usize) -> Keyed {
    let mut words = Words::new(key);
    let invert = (0..n.div_ceil(64)).map(|_| words.next()).collect();
    let pad = (0..(n - p.min(n)).div_ceil(32))
        .map(|_| words.next())
        .collect();
    Keyed { invert, pad, words }
}

impl Keyed {
    /// Calls `swap(i, j)` for each Fisher–Yates swap over `n` modules, in the order drawn:
    /// `i` from `n − 1` down to 1, `j` uniform in `[0, i]`.
    ///
    /// Up to three consecutive `j` come from one `u64` (batched ranged draws,
    /// Brackett-Rozinsky & Lemire 2024): with ranges `r₁, r₂, r₃` whose product `B` is at
    /// most 2⁶¹, `x·r₁ = j₁·2⁶⁴ + l₁`, `l₁·r₂ = j₂·2⁶⁴ + l₂`, `l₂·r₃ = j₃·2⁶⁴ + l₃`, so
    /// `x·B = (j₁ r₂ r₃ + j₂ r₃ + j₃)·2⁶⁴ + l₃`: Lemire's multiply-and-reject for the range
    /// `B` (reject while `l₃ < 2⁶⁴ mod B`), exact, and the digits are independent and
    /// uniform. A batch takes as many of the ranges `i + 1, i, i − 1` (each at least 2) as
    /// keep `B` within the bound, at least one.
    fn for_each_swap(&mut self, n: usize, mut swap: impl FnMut(usize, usize)) {
        let mut i = n.saturating_sub(1) as u64;
        let fits =
            |ranges: &[u64]| ranges.iter().map(|r| u128::from(*r)).product::<u128>() <= BATCH_BOUND;
        while i >= 1 {
            let at = i as usize;
            if i >= 3 && (i < TRIPLE_MAX || fits(&[i + 1, i, i - 1])) {
                let [a, b, c] = self.draw([i + 1, i, i - 1]);
                swap(at, a);
                swap(at - 1, b);
                swap(at - 2, c);
                i -= 3;
            } else if i >= 2 && fits(&[i + 1, i]) {
                let [a, b] = self.draw([i + 1, i]);
                swap(at, a);
                swap(at - 1, b);
                i -= 2;
            } else {
                let [a] = self.draw([i + 1]);
                swap(at, a);
                i -= 1;
            }
        }
    }

    /// One batch: `K` independent uniform draws below `ranges` from one `u64` (rejected and
    /// redrawn while the last low word is under `2⁶⁴ mod B`).
    #[inline]
    fn draw<const K: usize>(&mut self, ranges: [u64; K]) -> [usize; K] {
        let b: u64 = ranges.iter().product();
        loop {
            let mut l = self.words.next();
            let mut js = [0usize; K];
            for (j, r) in js.iter_mut().zip(ranges) {
                let m = u128::from(l) * u128::from(r);
                *j = (m >> 64) as usize;
                l = m as u64;
            }
            // `l ≥ b` accepts at once; below it, only the residue 2⁶⁴ mod B rejects.
            if l >= b || l >= b.wrapping_neg() % b {
                return js;
            }
        }
    }
}

fn bit(words: &[u64], i: usize) -> bool {
    words.get(i / 64).is_some_and(|w| (w >> (i % 64)) & 1 == 1)
}

fn header_word(img: &LevelImage) -> u32 {
    ((img.w & 0xfff) << 20) | ((img.h & 0xfff) << 8) | (img.dpi & 0xff)
}

/// Scrambles a source image into the levels of every module of `grid` (row-major,
/// `cols × rows`). Fails if the image has more pixels than the grid has data modules, or a
/// side over 4095 px or a dpi over 255 (the header's fields).
pub fn encode(img: &LevelImage, grid: &Grid, key: &[u8; 32]) -> Result<Vec<u8>> {
    let layout = grid.layout();
    let n = layout.data;
    let p = img.levels.len();
    if p > n || img.w > 0xfff || img.h > 0xfff || img.dpi > 0xff || p != (img.w * img.h) as usize {
        return Err(Error::input(
            "security.back.scramble_mm",
            format!(
                "an area with at least {p} data modules for a {}×{} px source",
                img.w, img.h
            ),
        ));
    }
    let mut k = keyed(key, n, p);
    let mut data = Vec::with_capacity(n);
    data.extend(img.levels.iter().map(|v| (*v).min(3)));
    data.extend((0..n - p).map(|i| ((k.pad[i / 32] >> ((i % 32) * 2)) & 3) as u8));
    // Inverted where the bit is set: 3 − v is v XOR 3 for 2-bit levels; eight modules at a
    // time, each byte of the mask 3 where its bit is set.
    const SPREAD: [u64; 256] = {
        let mut t = [0u64; 256];
        let mut b = 0;
        while b < 256 {
            let mut i = 0;
            while i < 8 {
                if (b >> i) & 1 == 1 {
                    t[b] |= 3 << (8 * i);
                }
                i += 1;
            }
            b += 1;
        }
        t
    };
    for (chunk, w) in data.chunks_mut(64).zip(&k.invert) {
        for (i, eight) in chunk.chunks_mut(8).enumerate() {
            let mask = SPREAD[((w >> (8 * i)) & 0xff) as usize].to_le_bytes();
            for (v, m) in eight.iter_mut().zip(mask) {
                *v ^= m;
            }
        }
    }
    // Shuffled in place: a byte per module stays in cache where a u32 permutation does not.
    k.for_each_swap(n, |i, j| data.swap(i, j));
    let hw = header_word(img);
    let mut out = layout.fixed.clone();
    for &(at, b) in &layout.header {
        if (hw >> (HEADER_BITS - 1 - b % HEADER_BITS)) & 1 == 1 {
            out[at as usize] = 3;
        }
    }
    layout.scatter(&data, &mut out);
    Ok(out)
}

/// The module field of module levels (as [`encode`] returns them), top-left at (`x`, `y`)
/// mm, in black: each module 6 px at 600 dpi, its dot from [`DOTS`].
pub fn module_field(mut levels: Vec<u8>, grid: &Grid, x: f32, y: f32) -> ModuleField {
    for v in &mut levels {
        *v = (*v).min(3);
    }
    ModuleField {
        x,
        y,
        dpi: DESIGN_DPI,
        module_px: MODULE_PX,
        cols: grid.cols,
        rows: grid.rows,
        levels: Arc::new(levels),
        dots: Arc::new(DOTS.iter().map(|d| [d.0, d.1, d.2, d.3]).collect()),
        ink: Ink::Black,
    }
}

/// The 600-dpi dot field of module levels, as [`module_field`] prints them.
pub fn module_mask(levels: &[u8], grid: &Grid, x: f32, y: f32) -> BitMask {
    module_field(levels.to_vec(), grid, x, y).to_mask()
}

/// The scrambled image of a front page for its back: the front painted at the source dpi
/// ([`source_dpi`] for the grid of `security.back.scramble_mm` and the crop
/// [`content_rect`]), reduced, scrambled under the document key of (`serial`, `page`) and
/// returned as the module field centred in the reserved area.
pub fn scramble_front(
    painter: &Painter,
    front: &Page,
    sec: &SecurityPrint,
    master: &ScrambleKey,
    serial: u64,
    page: u8,
) -> Result<ModuleField> {
    let b = sec.back.scramble_mm;
    let area = Rect::from_xywh(b[0], b[1], b[2], b[3]);
    let grid = Grid::fit(area)?;
    let crop = content_rect(sec, front.size)?;
    let f = source_dpi(&grid, (crop.w, crop.h));
    if f < 10 {
        return Err(Error::input(
            "security.back.scramble_mm",
            "an area large enough for the front at 10 dpi or more",
        ));
    }
    let planes = painter.paint_page(front, f);
    let img = LevelImage::from_planes(&planes, crop);
    let key = master.document_key(serial, page)?;
    let levels = encode(&img, &grid, &key)?;
    let (x, y) = grid.origin_in(area);
    Ok(module_field(levels, &grid, x, y))
}

/// The part of a front page the scrambled image shows: inside the security frame (the latent
/// field), or the whole page less 8 mm when the security print is off.
pub fn content_rect(sec: &SecurityPrint, size: (f32, f32)) -> Result<Rect> {
    super::page::inner_rect(sec, size)
}

// ---------------------------------------------------------------------------------------
// Reading.
// ---------------------------------------------------------------------------------------

/// What the reader found in a scan.
#[derive(Clone, Debug, PartialEq)]
pub struct GridScan {
    /// The grid.
    pub grid: Grid,
    /// Level of every module, row-major.
    pub levels: Vec<u8>,
    /// Finder centres in scan pixels: top-left, top-right, bottom-left, bottom-right.
    pub finders: [(f64, f64); 4],
    /// Module size in scan pixels.
    pub module_px: f64,
    /// The header: source width, height, dpi.
    pub source: (u32, u32, u32),
}

/// A descrambled front.
#[derive(Clone, Debug, PartialEq)]
pub struct Descrambled {
    /// The recovered 4-level front.
    pub image: LevelImage,
    /// The grid as read.
    pub scan: GridScan,
}

fn not_found(what: &str) -> Error {
    Error::input(
        "scan",
        format!("a scan of the back with the scrambled image, at 300 dpi or more ({what})"),
    )
}

/// Runs of equal thresholded value along a line: (dark, start, length).
fn runs(row: impl Iterator<Item = bool>) -> Vec<(bool, u32, u32)> {
    let mut out: Vec<(bool, u32, u32)> = Vec::new();
    for (i, v) in row.enumerate() {
        match out.last_mut() {
            Some(last) if last.0 == v => last.2 += 1,
            _ => out.push((v, i as u32, 1)),
        }
    }
    out
}

/// Whether five run lengths are 1:1:3:1:1; returns the unit.
fn ratio_ok(l: [u32; 5]) -> Option<f64> {
    let t: u32 = l.iter().sum();
    let u = f64::from(t) / 7.0;
    if u < 1.2 {
        return None;
    }
    let ok1 = |v: u32| (f64::from(v) - u).abs() <= 0.6 * u;
    let ok3 = (f64::from(l[2]) - 3.0 * u).abs() <= 1.2 * u;
    (ok1(l[0]) && ok1(l[1]) && ok3 && ok1(l[3]) && ok1(l[4])).then_some(u)
}

/// Finder candidates: (x, y, unit) in scan pixels.
fn candidates(scan: &GrayF32, thr: f32) -> Vec<(f64, f64, f64)> {
    let (w, h) = (scan.w as usize, scan.h as usize);
    let dark = |x: usize, y: usize| scan.data.get(y * w + x).is_some_and(|v| *v > thr);
    let mut out: Vec<(f64, f64, f64, u32)> = Vec::new();
    for y in 0..h {
        let rs = runs((0..w).map(|x| dark(x, y)));
        for k in 0..rs.len().saturating_sub(4) {
            if !rs[k].0 {
                continue;
            }
            let l = [rs[k].2, rs[k + 1].2, rs[k + 2].2, rs[k + 3].2, rs[k + 4].2];
            let Some(u) = ratio_ok(l) else { continue };
            let cx = rs[k + 2].1 as usize + rs[k + 2].2 as usize / 2;
            // Down the column through the centre.
            let col = runs((0..h).map(|yy| dark(cx, yy)));
            let Some(ci) = col
                .iter()
                .position(|r| r.0 && r.1 as usize <= y && (r.1 + r.2) as usize > y)
            else {
                continue;
            };
            if ci < 2 || ci + 2 >= col.len() {
                continue;
            }
            let lv = [
                col[ci - 2].2,
                col[ci - 1].2,
                col[ci].2,
                col[ci + 1].2,
                col[ci + 2].2,
            ];
            let Some(uv) = ratio_ok(lv) else { continue };
            if (uv - u).abs() > 0.4 * u {
                continue;
            }
            let cy = f64::from(col[ci].1) + f64::from(col[ci].2) / 2.0;
            let (cx, unit) = (cx as f64 + 0.5, (u + uv) / 2.0);
            match out
                .iter_mut()
                .find(|c| (c.0 - cx).abs() < 2.0 * unit && (c.1 - cy).abs() < 2.0 * unit)
            {
                Some(c) => {
                    let n = f64::from(c.3);
                    c.0 = (c.0 * n + cx) / (n + 1.0);
                    c.1 = (c.1 * n + cy) / (n + 1.0);
                    c.2 = (c.2 * n + unit) / (n + 1.0);
                    c.3 += 1;
                }
                None => out.push((cx, cy, unit, 1)),
            }
        }
    }
    out.into_iter()
        .filter(|c| c.3 >= 2 && template_ok(scan, (c.0, c.1), c.2, thr))
        .map(|c| (c.0, c.1, c.2))
        .collect()
}

/// Whether the 7 × 7 modules around `c` (axis-aligned, module `u`) match the finder.
fn template_ok(scan: &GrayF32, c: (f64, f64), u: f64, thr: f32) -> bool {
    let mut right = 0;
    for j in -3i32..=3 {
        for i in -3i32..=3 {
            let d = i.unsigned_abs().max(j.unsigned_abs());
            let want = d != 2;
            let v = scan.sample(c.0 + f64::from(i) * u, c.1 + f64::from(j) * u);
            if (v > thr) == want {
                right += 1;
            }
        }
    }
    right >= 45
}

/// A finder candidate: centre x, y and module unit, scan pixels.
type Finder = (f64, f64, f64);

/// The four finders forming the largest parallelogram: TL, TR, BL, BR.
fn pick_corners(c: &[Finder]) -> Option<[Finder; 4]> {
    let mut best: Option<(f64, [Finder; 4])> = None;
    for a in c {
        for b in c {
            // b right of a, roughly horizontal.
            let (ux, uy) = (b.0 - a.0, b.1 - a.1);
            let lu = ux.hypot(uy);
            if ux <= 0.0 || uy.abs() > 0.1 * lu || lu < 20.0 * a.2 {
                continue;
            }
            for d in c {
                let (vx, vy) = (d.0 - a.0, d.1 - a.1);
                let lv = vx.hypot(vy);
                if vy <= 0.0 || vx.abs() > 0.1 * lv || lv < 20.0 * a.2 {
                    continue;
                }
                if (ux * vx + uy * vy).abs() > 0.05 * lu * lv {
                    continue;
                }
                let units = [a.2, b.2, d.2];
                if units.iter().any(|u| (u / a.2 - 1.0).abs() > 0.35) {
                    continue;
                }
                let p = (b.0 + vx, b.1 + vy);
                let Some(e) = c
                    .iter()
                    .find(|e| (e.0 - p.0).hypot(e.1 - p.1) < 0.02 * lu.max(lv) + 2.0 * a.2)
                else {
                    continue;
                };
                let area = lu * lv;
                if best.as_ref().is_none_or(|(ba, _)| area > *ba) {
                    best = Some((area, [*a, *b, *d, *e]));
                }
            }
        }
    }
    best.map(|b| b.1)
}

/// Darkness centroid of the finder and its separator around `c` (window ±4 modules),
/// iterated.
fn centroid(scan: &GrayF32, mut c: (f64, f64), u: f64) -> (f64, f64) {
    for _ in 0..4 {
        let r = 4.0 * u;
        let (x0, x1) = ((c.0 - r).floor() as i64, (c.0 + r).ceil() as i64);
        let (y0, y1) = ((c.1 - r).floor() as i64, (c.1 + r).ceil() as i64);
        let (mut sw, mut sx, mut sy) = (0.0, 0.0, 0.0);
        for y in y0..y1 {
            for x in x0..x1 {
                // Pixel area inside the window (partial at the border).
                let ox = ((x as f64 + 1.0).min(c.0 + r) - (x as f64).max(c.0 - r)).clamp(0.0, 1.0);
                let oy = ((y as f64 + 1.0).min(c.1 + r) - (y as f64).max(c.1 - r)).clamp(0.0, 1.0);
                let wgt = f64::from(scan.get(x, y)) * ox * oy;
                sw += wgt;
                sx += wgt * (x as f64 + 0.5);
                sy += wgt * (y as f64 + 0.5);
            }
        }
        if sw <= 0.0 {
            return c;
        }
        c = (sx / sw, sy / sw);
    }
    c
}

/// Distance from `c` along `dir` (unit) to the finder's outer edge: past dark, light, dark.
fn edge_distance(scan: &GrayF32, c: (f64, f64), dir: (f64, f64), u: f64, thr: f32) -> Option<f64> {
    let step = 0.05;
    let mut t = 0.0;
    let mut phase = 0; // 0 core dark, 1 light ring, 2 dark ring
    let mut prev = scan.sample(c.0, c.1);
    while t < 6.0 * u {
        t += step;
        let v = scan.sample(c.0 + dir.0 * t, c.1 + dir.1 * t);
        let crossed_down = prev > thr && v <= thr;
        let crossed_up = prev <= thr && v > thr;
        match phase {
            0 if crossed_down => phase = 1,
            1 if crossed_up => phase = 2,
            2 if crossed_down => {
                // Linear interpolation of the crossing.
                let f = f64::from((prev - thr) / (prev - v).max(1e-6));
                return Some(t - step + f * step);
            }
            _ => {}
        }
        prev = v;
    }
    None
}

/// Counts dark runs along the segment from `a` to `b`.
fn dark_runs(scan: &GrayF32, a: (f64, f64), b: (f64, f64), u: f64, thr: f32) -> u32 {
    let len = (b.0 - a.0).hypot(b.1 - a.1);
    let n = (len / (u / 4.0)).ceil().max(1.0) as u32;
    let mut count = 0;
    let mut dark = false;
    for i in 0..=n {
        let t = f64::from(i) / f64::from(n);
        let v = scan.sample(a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
        // Hysteresis around the threshold.
        if !dark && v > thr + 0.05 {
            dark = true;
            count += 1;
        } else if dark && v < thr - 0.05 {
            dark = false;
        }
    }
    count
}

/// A 3 × 3 homography mapping grid coordinates (modules) to scan pixels.
#[derive(Clone, Copy, Debug)]
struct Homography([f64; 9]);

impl Homography {
    #[allow(clippy::needless_range_loop)] // a dense 8 × 9 elimination reads best indexed
    fn from_points(src: [(f64, f64); 4], dst: [(f64, f64); 4]) -> Option<Homography> {
        let mut a = [[0.0f64; 9]; 8];
        for (k, (s, d)) in src.iter().zip(&dst).enumerate() {
            a[2 * k] = [s.0, s.1, 1.0, 0.0, 0.0, 0.0, -d.0 * s.0, -d.0 * s.1, d.0];
            a[2 * k + 1] = [0.0, 0.0, 0.0, s.0, s.1, 1.0, -d.1 * s.0, -d.1 * s.1, d.1];
        }
        // Gauss–Jordan with partial pivoting.
        for col in 0..8 {
            let piv = (col..8).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
            if a[piv][col].abs() < 1e-12 {
                return None;
            }
            a.swap(col, piv);
            for r in 0..8 {
                if r != col {
                    let f = a[r][col] / a[col][col];
                    for k in col..9 {
                        a[r][k] -= f * a[col][k];
                    }
                }
            }
        }
        let mut h = [0.0; 9];
        for i in 0..8 {
            h[i] = a[i][8] / a[i][i];
        }
        h[8] = 1.0;
        Some(Homography(h))
    }

    fn map(&self, x: f64, y: f64) -> (f64, f64) {
        let h = &self.0;
        let w = h[6] * x + h[7] * y + h[8];
        (
            (h[0] * x + h[1] * y + h[2]) / w,
            (h[3] * x + h[4] * y + h[5]) / w,
        )
    }
}

/// Sample offsets inside a module: a 3 × 3 lattice over its centre ~50 % of area (the dot's
/// core), and a 4 × 4 lattice over all of it (which also sees the gutters).
const CENTRE_AT: [f64; 3] = [0.3, 0.5, 0.7];
const FULL_AT: [f64; 4] = [0.125, 0.375, 0.625, 0.875];
/// Features per module.
const FEATURES: usize = 2;

/// Finds the module grid in a scan (darkness, any dpi that gives ≥ 2.4 px a module; 300 dpi
/// gives 3) and reads every module's level.
pub fn read_grid(scan: &GrayF32) -> Result<GridScan> {
    let thr = 0.5;
    let cands = candidates(scan, thr);
    let [tl, tr, bl, br] = pick_corners(&cands).ok_or_else(|| not_found("no finder patterns"))?;
    let u0 = (tl.2 + tr.2 + bl.2 + br.2) / 4.0;
    let c = [
        centroid(scan, (tl.0, tl.1), u0),
        centroid(scan, (tr.0, tr.1), u0),
        centroid(scan, (bl.0, bl.1), u0),
        centroid(scan, (br.0, br.1), u0),
    ];
    let unit = |a: (f64, f64), b: (f64, f64)| {
        let l = (b.0 - a.0).hypot(b.1 - a.1).max(1e-9);
        ((b.0 - a.0) / l, (b.1 - a.1) / l)
    };
    let ex = unit(c[0], c[1]);
    let ey = unit(c[0], c[2]);
    // Module size from the finders' outer edges, both axes.
    let mut widths = Vec::new();
    for p in c {
        for d in [ex, ey] {
            if let (Some(a), Some(b)) = (
                edge_distance(scan, p, d, u0, thr),
                edge_distance(scan, p, (-d.0, -d.1), u0, thr),
            ) {
                widths.push((a + b) / 7.0);
            }
        }
    }
    if widths.is_empty() {
        return Err(not_found("finder edges"));
    }
    let m = widths.iter().sum::<f64>() / widths.len() as f64;
    // Columns and rows from the timing tracks, 3 modules outside the finder centres.
    let off = |p: (f64, f64), d: (f64, f64), k: f64| (p.0 + d.0 * k * m, p.1 + d.1 * k * m);
    let top = dark_runs(scan, off(c[0], ey, -3.0), off(c[1], ey, -3.0), m, thr);
    let bottom = dark_runs(scan, off(c[2], ey, 3.0), off(c[3], ey, 3.0), m, thr);
    let left = dark_runs(scan, off(c[0], ex, -3.0), off(c[2], ex, -3.0), m, thr);
    let right = dark_runs(scan, off(c[1], ex, 3.0), off(c[3], ex, 3.0), m, thr);
    if top != bottom || left != right || top < 3 || left < 3 {
        return Err(not_found("timing tracks disagree"));
    }
    let grid = Grid::new(2 * (top - 2) + 15, 2 * (left - 2) + 15)?;
    let (gw, gh) = (f64::from(grid.cols), f64::from(grid.rows));
    let est = (c[1].0 - c[0].0).hypot(c[1].1 - c[0].1) / m + 7.0;
    if (est - gw).abs() > 0.05 * gw + 3.0 {
        return Err(not_found("timing tracks and finder distance disagree"));
    }
    let hom = Homography::from_points(
        [
            (3.5, 3.5),
            (gw - 3.5, 3.5),
            (3.5, gh - 3.5),
            (gw - 3.5, gh - 3.5),
        ],
        c,
    )
    .ok_or_else(|| not_found("degenerate finder positions"))?;
    // Sample every module: the centre and the whole-module mean.
    let (cols, rows) = (grid.cols as usize, grid.rows as usize);
    let mut s = vec![[0.0f32; FEATURES]; cols * rows];
    for r in 0..rows {
        for cc in 0..cols {
            let mean = |at: &[f64]| {
                let mut acc = 0.0;
                for dy in at {
                    for dx in at {
                        let (x, y) = hom.map(cc as f64 + dx, r as f64 + dy);
                        acc += scan.sample(x, y);
                    }
                }
                acc / (at.len() * at.len()) as f32
            };
            s[r * cols + cc] = [mean(&CENTRE_AT), mean(&FULL_AT)];
        }
    }
    let levels = classify(&grid, &s);
    // Header: majority of the copies, bit by bit.
    let mut word = 0u32;
    for b in 0..HEADER_BITS {
        let ones = (0..HEADER_COPIES)
            .filter(|k| {
                let col = 8 + k * HEADER_BITS + b;
                levels.get(2 * cols + col as usize).is_some_and(|v| *v >= 2)
            })
            .count();
        word = (word << 1) | u32::from(ones * 2 > HEADER_COPIES as usize);
    }
    let source = (word >> 20, (word >> 8) & 0xfff, word & 0xff);
    Ok(GridScan {
        grid,
        levels,
        finders: c,
        module_px: m,
        source,
    })
}

/// Neighbour offsets of the inter-module model (row, column).
const NEIGHBOURS: [(i64, i64); 8] = [
    (-1, -1),
    (-1, 0),
    (-1, 1),
    (0, -1),
    (0, 1),
    (1, -1),
    (1, 0),
    (1, 1),
];
/// Unknowns of the model: μ per level, then β per neighbour, own level and neighbour level
/// 1–3 (the scan's gamma makes a neighbour's leak depend on the module's own level).
const UNKNOWNS: usize = 4 + 8 * 4 * 3;

/// Levels from module features: the centre feature against the reference-strip means
/// first, then decision feedback (see the module documentation): per feature a least-squares
/// fit of `s = μ[v] + Σ β[neighbour][its level]` over the whole grid, and each module decided
/// by the smallest residual over both features, each weighted by its residual variance.
#[allow(clippy::needless_range_loop)] // per-level, per-feature sums read best indexed
fn classify(grid: &Grid, s: &[[f32; FEATURES]]) -> Vec<u8> {
    let (cols, rows) = (grid.cols as usize, grid.rows as usize);
    let refs: Vec<(usize, u8)> = (0..rows)
        .flat_map(|r| (0..cols).map(move |c| (r, c)))
        .filter_map(|(r, c)| {
            let inner_c = (8..cols - 8).contains(&c);
            let inner_r = (8..rows - 8).contains(&r);
            let on_strip =
                ((r == 1 || r == rows - 2) && inner_c) || ((c == 1 || c == cols - 2) && inner_r);
            match grid.cell(c as u32, r as u32) {
                Cell::Fixed(v) if on_strip => Some((r * cols + c, v)),
                _ => None,
            }
        })
        .collect();
    let mut mu = [[0.0f64; FEATURES]; 4];
    let mut n = [0usize; 4];
    for &(i, v) in &refs {
        if let Some(x) = s.get(i) {
            for f in 0..FEATURES {
                mu[usize::from(v)][f] += f64::from(x[f]);
            }
            n[usize::from(v)] += 1;
        }
    }
    for l in 0..4 {
        for f in 0..FEATURES {
            mu[l][f] = if n[l] > 0 {
                mu[l][f] / n[l] as f64
            } else {
                l as f64 / 3.0
            };
        }
    }
    let nearest = |x: &[f32; FEATURES]| -> u8 {
        let cost = |l: usize| -> f64 {
            (0..FEATURES)
                .map(|f| (f64::from(x[f]) - mu[l][f]).powi(2))
                .sum()
        };
        let mut best = 0usize;
        for l in 1..4 {
            if cost(l) < cost(best) {
                best = l;
            }
        }
        best as u8
    };
    let mut lv: Vec<u8> = s.iter().map(nearest).collect();
    // Neighbour indices (usize::MAX outside the grid: paper).
    let nb = |i: usize, k: usize| -> usize {
        let (r, c) = ((i / cols) as i64, (i % cols) as i64);
        let (dr, dc) = NEIGHBOURS[k];
        let (r, c) = (r + dr, c + dc);
        if r < 0 || c < 0 || r >= rows as i64 || c >= cols as i64 {
            usize::MAX
        } else {
            r as usize * cols + c as usize
        }
    };
    // The model's unknowns that a module's row touches (one-hot: 1 to 9 of them).
    let touched = |lv: &[u8], i: usize, idx: &mut [usize; 9]| -> usize {
        let own = usize::from(lv[i]);
        let mut m = 0;
        idx[m] = own;
        m += 1;
        for k in 0..8 {
            let j = nb(i, k);
            let v = if j == usize::MAX { 0 } else { lv[j] };
            if v > 0 {
                idx[m] = 4 + (k * 4 + own) * 3 + usize::from(v) - 1;
                m += 1;
            }
        }
        m
    };
    for _ in 0..5 {
        let mut fits = Vec::with_capacity(FEATURES);
        for f in 0..FEATURES {
            let mut ata = vec![0.0f64; UNKNOWNS * UNKNOWNS];
            let mut atb = vec![0.0f64; UNKNOWNS];
            let mut idx = [0usize; 9];
            for (i, x) in s.iter().enumerate() {
                let m = touched(&lv, i, &mut idx);
                for &a in &idx[..m] {
                    atb[a] += f64::from(x[f]);
                    for &b in &idx[..m] {
                        ata[a * UNKNOWNS + b] += 1.0;
                    }
                }
            }
            let Some(sol) = solve(ata, atb, UNKNOWNS) else {
                return lv;
            };
            fits.push(sol);
        }
        // Each module's prediction under each hypothesis of its own level, given its
        // neighbours' current levels; the residual variance of each feature.
        let predict = |i: usize, l: usize, f: usize| -> f64 {
            let fit = &fits[f];
            let mut p = fit[l];
            for k in 0..8 {
                let j = nb(i, k);
                let v = if j == usize::MAX { 0 } else { lv[j] };
                if v > 0 {
                    p += fit[4 + (k * 4 + l) * 3 + usize::from(v) - 1];
                }
            }
            p
        };
        let mut var = [1e-12f64; FEATURES];
        for (i, x) in s.iter().enumerate() {
            for (f, vf) in var.iter_mut().enumerate() {
                let d = f64::from(x[f]) - predict(i, usize::from(lv[i]), f);
                *vf += d * d;
            }
        }
        let next: Vec<u8> = (0..s.len())
            .map(|i| {
                let cost = |l: usize| -> f64 {
                    (0..FEATURES)
                        .map(|f| {
                            let d = f64::from(s[i][f]) - predict(i, l, f);
                            d * d / var[f]
                        })
                        .sum()
                };
                let mut best = (0usize, cost(0));
                for l in 1..4 {
                    let c = cost(l);
                    if c < best.1 {
                        best = (l, c);
                    }
                }
                best.0 as u8
            })
            .collect();
        if next == lv {
            break;
        }
        lv = next;
    }
    lv
}

/// Solves an `n × n` system (row-major `a`), Gaussian elimination with partial pivoting;
/// none if singular (a level that never occurs).
fn solve(mut a: Vec<f64>, mut b: Vec<f64>, n: usize) -> Option<Vec<f64>> {
    for col in 0..n {
        let piv =
            (col..n).max_by(|&i, &j| a[i * n + col].abs().total_cmp(&a[j * n + col].abs()))?;
        if a[piv * n + col].abs() < 1e-9 {
            return None;
        }
        if piv != col {
            for k in 0..n {
                a.swap(col * n + k, piv * n + k);
            }
            b.swap(col, piv);
        }
        for r in col + 1..n {
            let f = a[r * n + col] / a[col * n + col];
            if f == 0.0 {
                continue;
            }
            for k in col..n {
                a[r * n + k] -= f * a[col * n + k];
            }
            b[r] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let mut v = b[i];
        for k in i + 1..n {
            v -= a[i * n + k] * x[k];
        }
        x[i] = v / a[i * n + i];
    }
    Some(x)
}

/// Undoes the scramble of module levels read from a grid (as [`read_grid`] returns them)
/// under a document key; the source size comes from the header.
pub fn unscramble(scan: &GridScan, key: &[u8; 32]) -> Result<LevelImage> {
    let grid = scan.grid;
    let (w, h, dpi) = scan.source;
    let n = grid.data_modules();
    let p = w as usize * h as usize;
    if p == 0 || p > n || scan.levels.len() != (grid.cols * grid.rows) as usize {
        return Err(Error::input(
            "scan",
            "a readable header in the scrambled image (source size does not fit the grid)",
        ));
    }
    let mut data = grid.layout().gather(&scan.levels);
    let mut k = keyed(key, n, p);
    let mut swaps: Vec<(u32, u32)> = Vec::with_capacity(n);
    k.for_each_swap(n, |i, j| swaps.push((i as u32, j as u32)));
    for &(i, j) in swaps.iter().rev() {
        data.swap(i as usize, j as usize);
    }
    let levels = (0..p)
        .map(|s| {
            if bit(&k.invert, s) {
                data[s] ^ 3
            } else {
                data[s]
            }
        })
        .collect();
    Ok(LevelImage { w, h, dpi, levels })
}

/// Reads the scrambled image in a scan of a back page (darkness) and descrambles it with the
/// key of (`serial`, `page`) under `master`.
pub fn descramble(
    scan: &GrayF32,
    master: &ScrambleKey,
    serial: u64,
    page: u8,
) -> Result<Descrambled> {
    let g = read_grid(scan)?;
    let image = unscramble(&g, &master.document_key(serial, page)?)?;
    Ok(Descrambled { image, scan: g })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
