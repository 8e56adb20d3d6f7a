//! Anti-forgery print: the copy-evident latent pattern (地紋), microtext, guilloche (彩紋), the
//! copier and print-scan simulators, and the metrics that check them (design: security-print.md).
//!
//! Everything here emits display-list items ([`BitMask`](crate::display::BitMask) dot fields and
//! vector [`Shape`](crate::display::Shape)s in ink K) and is deterministic: randomness comes from
//! `ChaCha20Rng` seeded with SHA-256 of documented inputs, drawn as raw `u64`; trigonometry goes
//! through `libm`; path vertices are quantised to 1/64 px at 600 dpi.

pub mod guilloche;
pub mod ir;
pub mod latent;
pub mod metrics;
pub mod microtext;
pub mod page;
pub mod print;
pub mod scramble;
pub mod sim;

pub use guilloche::{guilloche, guilloche_params, Guilloche, GuillocheParams};
pub use latent::{latent_layout, latent_pattern, LatentLayout};
pub use microtext::{microtext_bits, microtext_line, MicrotextLine};
pub use page::{
    back_layer, data_text_boxes, keepouts, resolve, security_layer, serial_layer, Side,
};
pub use print::{BackPrint, GuillochePrint, LatentPrint, MicrotextPrint, PrintInk, SecurityPrint};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sha2::{Digest, Sha256};

/// Design resolution of every binary security feature: 1 px = 42.33 µm.
pub const DESIGN_DPI: u32 = 600;

/// Millimetres per pixel at [`DESIGN_DPI`].
pub const MM_PER_PX: f64 = 25.4 / DESIGN_DPI as f64;

/// Dot sets of the copy-evident pattern (security-print.md §1, table): background dot and
/// pitch, latent dot and pitch, in 600-dpi pixels. Both screens have equal coverage.
/// Written `"A"`, `"B"`, `"C"` in profiles and layouts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum DotSet {
    /// 2×2 px dots every 5 px (120 lpi) / 4×4 px every 10 px (60 lpi); 16 % / 16 %.
    #[default]
    A,
    /// 2×2 px every 6 px / 6×6 px every 18 px; 11.1 % / 11.1 % (lighter).
    B,
    /// 1×1 px every 3 px / 3×3 px every 9 px; 11.1 % (only where isolated 1-px dots print).
    C,
}

impl DotSet {
    /// (background dot side, background pitch, latent dot side, latent pitch), px at 600 dpi.
    pub fn geometry(self) -> (u32, u32, u32, u32) {
        match self {
            DotSet::A => (2, 5, 4, 10),
            DotSet::B => (2, 6, 6, 18),
            DotSet::C => (1, 3, 3, 9),
        }
    }

    /// Nominal area coverage of either screen (0–1).
    pub fn coverage(self) -> f32 {
        let (bd, bp, _, _) = self.geometry();
        (bd * bd) as f32 / (bp * bp) as f32
    }

    /// The side of the metric block for this set, px: the multiple of the latent pitch nearest
    /// to 2 mm (48 px), so that every block holds a whole number of cells and block means do
    /// not alias with the screens (A: 50 px, B: 54 px, C: 45 px).
    pub fn block_px(self) -> u32 {
        let (_, _, _, lp) = self.geometry();
        let n = ((48 + lp / 2) / lp).max(1);
        n * lp
    }
}

/// Which region of the copy-evident pattern carries the large (surviving) dots.
/// Written `"surviving"` or `"dropout"` in profiles and layouts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LatentVariant {
    /// 浮き出し: the word is drawn in large dots and copies dark.
    #[default]
    Surviving,
    /// 白抜き: the word is drawn in small dots on a large-dot field and copies white.
    Dropout,
}

/// Parameters of the copy-evident latent pattern (security-print.md §1).
#[derive(Clone, Debug, PartialEq)]
pub struct LatentConfig {
    /// The hidden word, set in BIZ UDゴシック Bold (family `gothic-bold`). Default 複写.
    pub word: String,
    /// Dot set. Default [`DotSet::A`].
    pub dot_set: DotSet,
    /// Em size of the word, mm (15–30; default 28, where the strokes of 複写 hold 2 mm blocks).
    pub word_height_mm: f32,
    /// Rotation of the word rows, degrees (10–30 in magnitude).
    pub angle_deg: f32,
    /// Row pitch of the tiled word, mm (45–60). Along a row the pitch is the larger of this
    /// and the word's advance plus half an em.
    pub tile_mm: f32,
    /// Surviving (dark) or dropout (white) word.
    pub variant: LatentVariant,
    /// Decorative wave knock-out lines (equal in both regions) and ±1-cell keyed jitter of the
    /// word edge.
    pub camouflage: bool,
    /// Coverage trim of the background screen, −1…1: a deterministic fraction |bg_trim| of the
    /// background dots becomes 2×3 (positive) or 2×1 (negative). Set per printer model from a
    /// printed chart so that ΔL* between the regions is ≤ 1. Default 0.
    pub bg_trim: f32,
    /// Key of the jitter and the trim selection.
    pub seed: u64,
}

impl Default for LatentConfig {
    fn default() -> Self {
        LatentConfig {
            word: "複写".into(),
            dot_set: DotSet::A,
            word_height_mm: 28.0,
            angle_deg: 20.0,
            tile_mm: 60.0,
            variant: LatentVariant::Surviving,
            camouflage: true,
            bg_trim: 0.0,
            seed: 0,
        }
    }
}

/// Parameters of the guilloche border and rosette that do not come from the issuer seed.
#[derive(Clone, Debug, PartialEq)]
pub struct GuillocheConfig {
    /// Width of the woven border band inside the frame, mm.
    pub band_mm: f32,
    /// Length of one repeat of the border along the frame, mm (the perimeter holds a whole
    /// number of repeats, so the border closes).
    pub repeat_mm: f32,
    /// Line width, mm (2 px at 600 dpi = 0.0847 mm).
    pub line_mm: f32,
    /// Optional rosette: centre (x, y) and outer radius, mm.
    pub rosette: Option<(f32, f32, f32)>,
    /// Number of woven curves K, replacing the drawn one (density); none keeps the draw.
    pub curves: Option<u32>,
}

impl Default for GuillocheConfig {
    fn default() -> Self {
        GuillocheConfig {
            band_mm: 6.0,
            repeat_mm: 60.0,
            line_mm: 2.0 * MM_PER_PX as f32,
            rosette: None,
            curves: None,
        }
    }
}

/// A ChaCha20 stream keyed by SHA-256 of `domain ‖ parts` (each part prefixed by its length as
/// a little-endian u32, so that concatenations cannot collide).
pub(crate) fn keyed_rng(domain: &str, parts: &[&[u8]]) -> ChaCha20Rng {
    ChaCha20Rng::from_seed(keyed_digest(domain, parts))
}

/// SHA-256 of `domain ‖ parts`, each part length-prefixed (little-endian u32).
pub(crate) fn keyed_digest(domain: &str, parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(domain.as_bytes());
    for p in parts {
        h.update((p.len() as u32).to_le_bytes());
        h.update(p);
    }
    h.finalize().into()
}

/// A uniform draw in [0, 1) from a raw u64 (53 high bits).
pub(crate) fn unit_f64(x: u64) -> f64 {
    (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform integer in [lo, hi] from a raw u64 (128-bit multiply; bias < 2⁻⁵⁸ for the small
/// ranges used here).
pub(crate) fn int_in(x: u64, lo: u32, hi: u32) -> u32 {
    let n = u64::from(hi.saturating_sub(lo)) + 1;
    lo + ((u128::from(x) * u128::from(n)) >> 64) as u32
}

/// A keyed 64-bit mix of two cell coordinates (SplitMix64 finaliser over key ⊕ coordinates):
/// cheap per-cell randomness whose key comes from a ChaCha20 stream.
pub(crate) fn cell_hash(key: u64, a: i64, b: i64) -> u64 {
    let mut z = key
        ^ (a as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (b as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Rounds a pixel coordinate to 1/64 px.
pub(crate) fn q64(px: f64) -> f64 {
    libm::round(px * 64.0) / 64.0
}

#[cfg(test)]
mod tests;
