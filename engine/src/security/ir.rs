//! The infrared latent image (偽造・改ざん防止検出画像, security-print.md §5): a procedural,
//! fictitious cherry-blossom rosette whose tone is printed as pure K inside a hidden character
//! (証) and as a grey-balanced C, M, Y mix elsewhere, so that it looks uniform to the eye and
//! shows the character under a near-IR camera; the block-dye model that balances and checks it,
//! the visible, IR and copy views, and their metrics (CIEDE2000, Weber contrast).
//!
//! # Model *(est.)*
//!
//! Each colorant is an ideal "block dye": in each of three bands (R, G, B) a solid of it
//! transmits `T = 10^−D` ([`DyeModel::density`], typical process densities with the unwanted
//! absorptions of real cyan and magenta). Tints are halftones laid independently (Demichel
//! weights over block-dye Neugebauer primaries), which factorises to a band reflectance of
//! `∏ⱼ (1 − aⱼ (1 − Tⱼ))`, read as linear sRGB and converted to CIELAB (D65). The near-IR
//! reflectance has the same form with the absorptances of §5:
//! `(1 − 0.9k)(1 − 0.03c)(1 − 0.03m)(1 − 0.03y)`. In CI this model stands in for the device
//! profile: the grey balance ([`DyeModel::balance`]) is the (c, m = y) with the smallest ΔE00
//! against each K tint, which comes out with C a little above M = Y. A real deployment measures
//! a printed ramp (spectrophotometer or an ICC profile) and replaces the table.
//!
//! # What carries the feature
//!
//! Only the PDF carries it: the image is a `/DeviceCMYK` image, 8 bits per colorant, with no
//! ICC profile, output intent or overprint. A PNG (grey or RGB) cannot: the painter paints the
//! image's visible appearance (its luminance, as black-plane darkness), and whatever prints a
//! PNG chooses its own K.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use rand_core::RngCore;

use super::latent::{word_glyphs, OutlineToPath};
use super::{keyed_rng, unit_f64, SecurityPrint};
use crate::display::CmykImage;
use crate::error::{Error, Result};
use crate::geom::Rect;
use crate::layout::Municipality;
use crate::text::FontDb;

/// Resolution of the image, dpi: its structure is ≥ 1 mm, and contone CMYK at 300 dpi is what
/// a printer's RIP screens at full quality.
pub const IR_DPI: u32 = 300;

/// The hidden character (set in BIZ UDゴシック Bold).
pub const IR_WORD: &str = "証";

/// Darkest picture tone (K tint): the CMY balance stays inside the gamut below it.
const MAX_TONE: f64 = 0.70;

/// The block-dye print model (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DyeModel {
    /// Solid density of C, M, Y, K in the R, G and B bands.
    pub density: [[f64; 3]; 4],
    /// Near-IR absorptance of a solid of C, M, Y, K.
    pub ir_absorb: [f64; 4],
}

impl Default for DyeModel {
    fn default() -> Self {
        DyeModel {
            density: [
                [1.25, 0.20, 0.06],
                [0.12, 1.15, 0.25],
                [0.04, 0.05, 0.95],
                [1.50, 1.50, 1.50],
            ],
            ir_absorb: [0.03, 0.03, 0.03, 0.9],
        }
    }
}

impl DyeModel {
    /// Band reflectances (linear R, G, B; paper = 1) of tints `cmyk` (each 0–1).
    pub fn reflectance(&self, cmyk: [f64; 4]) -> [f64; 3] {
        let mut r = [1.0f64; 3];
        for (d, &a) in self.density.iter().zip(&cmyk) {
            let a = a.clamp(0.0, 1.0);
            for (rb, &db) in r.iter_mut().zip(d) {
                *rb *= 1.0 - a * (1.0 - libm::pow(10.0, -db));
            }
        }
        r
    }

    /// Per colorant and byte value, the factor `1 − a (1 − T)` each band is multiplied by.
    fn lut(&self) -> Vec<[[f64; 3]; 256]> {
        self.density
            .iter()
            .map(|d| {
                let mut t = [[0.0; 3]; 256];
                for (v, row) in t.iter_mut().enumerate() {
                    let a = v as f64 / 255.0;
                    for (f, &db) in row.iter_mut().zip(d) {
                        *f = 1.0 - a * (1.0 - libm::pow(10.0, -db));
                    }
                }
                t
            })
            .collect()
    }

    /// Near-IR reflectance of tints `cmyk` (paper = 1).
    pub fn ir(&self, cmyk: [f64; 4]) -> f64 {
        self.ir_absorb
            .iter()
            .zip(&cmyk)
            .map(|(&e, &a)| 1.0 - e * a.clamp(0.0, 1.0))
            .product()
    }

    /// CIELAB (D65) of tints `cmyk`.
    pub fn lab(&self, cmyk: [f64; 4]) -> [f64; 3] {
        linear_to_lab(self.reflectance(cmyk))
    }

    /// The grey balance: for every K byte (0–255), the C, M (= Y) bytes whose mix has the
    /// smallest ΔE00 against that K tint (pattern search, warm-started from the previous tint).
    pub fn balance(&self) -> Vec<[u8; 3]> {
        let b = |v: i32| v as f64 / 255.0;
        let mut out = Vec::with_capacity(256);
        let (mut c, mut m) = (0i32, 0i32);
        for kb in 0..=255i32 {
            let target = self.lab([0.0, 0.0, 0.0, b(kb)]);
            let err = |c: i32, m: i32| delta_e00(self.lab([b(c), b(m), b(m), 0.0]), target);
            let mut best = err(c, m);
            for step in [16, 8, 4, 2, 1] {
                loop {
                    let mut moved = false;
                    for (dc, dm) in [
                        (1, 0),
                        (-1, 0),
                        (0, 1),
                        (0, -1),
                        (1, 1),
                        (-1, -1),
                        (1, -1),
                        (-1, 1),
                    ] {
                        let (nc, nm) = (c + dc * step, m + dm * step);
                        if !(0..=255).contains(&nc) || !(0..=255).contains(&nm) {
                            continue;
                        }
                        let e = err(nc, nm);
                        if e < best {
                            (best, c, m, moved) = (e, nc, nm, true);
                        }
                    }
                    if !moved {
                        break;
                    }
                }
            }
            out.push([c as u8, m as u8, m as u8]);
        }
        out
    }
}

/// The grey balance of the default model, computed once.
pub fn default_balance() -> &'static [[u8; 3]] {
    static TABLE: OnceLock<Vec<[u8; 3]>> = OnceLock::new();
    TABLE.get_or_init(|| DyeModel::default().balance())
}

/// sRGB transfer function: linear 0–1 → encoded 0–1.
pub fn srgb_encode(v: f64) -> f64 {
    let v = v.clamp(0.0, 1.0);
    if v <= 0.003_130_8 {
        12.92 * v
    } else {
        1.055 * libm::pow(v, 1.0 / 2.4) - 0.055
    }
}

/// Inverse sRGB transfer function: encoded 0–1 → linear 0–1.
pub fn srgb_decode(v: f64) -> f64 {
    let v = v.clamp(0.0, 1.0);
    if v <= 0.040_45 {
        v / 12.92
    } else {
        libm::pow((v + 0.055) / 1.055, 2.4)
    }
}

/// Linear sRGB → CIELAB (D65 white).
pub fn linear_to_lab(rgb: [f64; 3]) -> [f64; 3] {
    let [r, g, b] = rgb;
    let x = 0.412_456_4 * r + 0.357_576_1 * g + 0.180_437_5 * b;
    let y = 0.212_672_9 * r + 0.715_152_2 * g + 0.072_175_0 * b;
    let z = 0.019_333_9 * r + 0.119_192_0 * g + 0.950_304_1 * b;
    let f = |t: f64| {
        if t > 216.0 / 24389.0 {
            libm::cbrt(t)
        } else {
            (24389.0 / 27.0 * t + 16.0) / 116.0
        }
    };
    let (fx, fy, fz) = (f(x / 0.950_47), f(y), f(z / 1.088_83));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

/// CIEDE2000 colour difference (kL = kC = kH = 1), after Sharma, Wu and Dalal (2005).
pub fn delta_e00(lab1: [f64; 3], lab2: [f64; 3]) -> f64 {
    let [l1, a1, b1] = lab1;
    let [l2, a2, b2] = lab2;
    let deg = std::f64::consts::PI / 180.0;
    let p25 = 25f64.powi(7);
    let cbar = (libm::hypot(a1, b1) + libm::hypot(a2, b2)) / 2.0;
    let g = 0.5 * (1.0 - (cbar.powi(7) / (cbar.powi(7) + p25)).sqrt());
    let (a1p, a2p) = ((1.0 + g) * a1, (1.0 + g) * a2);
    let (c1p, c2p) = (libm::hypot(a1p, b1), libm::hypot(a2p, b2));
    let hue = |b: f64, a: f64| {
        if a == 0.0 && b == 0.0 {
            0.0
        } else {
            let h = libm::atan2(b, a) / deg;
            if h < 0.0 {
                h + 360.0
            } else {
                h
            }
        }
    };
    let (h1p, h2p) = (hue(b1, a1p), hue(b2, a2p));
    let dl = l2 - l1;
    let dc = c2p - c1p;
    let dhp = if c1p * c2p == 0.0 {
        0.0
    } else {
        let d = h2p - h1p;
        if d > 180.0 {
            d - 360.0
        } else if d < -180.0 {
            d + 360.0
        } else {
            d
        }
    };
    let dh = 2.0 * (c1p * c2p).sqrt() * libm::sin(dhp / 2.0 * deg);
    let lbar = (l1 + l2) / 2.0;
    let cbarp = (c1p + c2p) / 2.0;
    let hbarp = if c1p * c2p == 0.0 {
        h1p + h2p
    } else if (h1p - h2p).abs() <= 180.0 {
        (h1p + h2p) / 2.0
    } else if h1p + h2p < 360.0 {
        (h1p + h2p + 360.0) / 2.0
    } else {
        (h1p + h2p - 360.0) / 2.0
    };
    let t = 1.0 - 0.17 * libm::cos((hbarp - 30.0) * deg)
        + 0.24 * libm::cos(2.0 * hbarp * deg)
        + 0.32 * libm::cos((3.0 * hbarp + 6.0) * deg)
        - 0.20 * libm::cos((4.0 * hbarp - 63.0) * deg);
    let dtheta = 30.0 * libm::exp(-((hbarp - 275.0) / 25.0).powi(2));
    let rc = 2.0 * (cbarp.powi(7) / (cbarp.powi(7) + p25)).sqrt();
    let l50 = (lbar - 50.0).powi(2);
    let sl = 1.0 + 0.015 * l50 / (20.0 + l50).sqrt();
    let sc = 1.0 + 0.045 * cbarp;
    let sh = 1.0 + 0.015 * cbarp * t;
    let rt = -libm::sin(2.0 * dtheta * deg) * rc;
    let (ql, qc, qh) = (dl / sl, dc / sc, dh / sh);
    (ql * ql + qc * qc + qh * qh + rt * qc * qh).max(0.0).sqrt()
}

/// Settings of the infrared latent image.
#[derive(Clone, Debug, PartialEq)]
pub struct IrConfig {
    /// The hidden character(s), set in BIZ UDゴシック Bold. Default [`IR_WORD`].
    pub word: String,
    /// Resolution, dpi. Default [`IR_DPI`].
    pub dpi: u32,
    /// Issuer key of the picture's variations (rotation, texture pitches).
    pub issuer: String,
    /// Per-municipality seed.
    pub seed: u64,
}

impl Default for IrConfig {
    fn default() -> Self {
        IrConfig {
            word: IR_WORD.into(),
            dpi: IR_DPI,
            issuer: String::new(),
            seed: 0,
        }
    }
}

/// The keyed variations of the rosette.
#[derive(Clone, Copy, Debug)]
struct Params {
    /// Rotation of the petals, rad.
    rot: f64,
    /// Angle of the crossing wave texture, rad.
    wave_angle: f64,
    /// Pitch of the wave texture, mm.
    wave_pitch: f64,
    /// Pitch of the concentric rings, mm.
    ring_pitch: f64,
    /// Veins per petal.
    veins: f64,
}

fn params(cfg: &IrConfig) -> Params {
    let mut rng = keyed_rng(
        "shomei/ir/v1",
        &[cfg.issuer.as_bytes(), &cfg.seed.to_le_bytes()],
    );
    let mut u = || unit_f64(rng.next_u64());
    let tau = std::f64::consts::TAU;
    Params {
        rot: u() * tau / 5.0,
        wave_angle: u() * std::f64::consts::PI,
        wave_pitch: 1.6 + 0.8 * u(),
        ring_pitch: 1.3 + 0.5 * u(),
        veins: (5.0 + libm::floor(4.0 * u())).min(8.0),
    }
}

/// Picture tone (K tint, 0–`MAX_TONE`) at (u, v) mm from the centre of an image of side `s` mm.
fn tone(p: &Params, u: f64, v: f64, s: f64) -> f64 {
    let tau = std::f64::consts::TAU;
    let r = libm::hypot(u, v);
    let big_r = 0.44 * s;
    if r > big_r + 1.8 {
        return 0.0;
    }
    if r > big_r {
        // A double ring around the disc.
        let d = r - big_r;
        return if (0.5..1.0).contains(&d) || (1.3..1.8).contains(&d) {
            0.55
        } else {
            0.0
        };
    }
    let waves = 0.05
        * libm::sin(
            tau * (u * libm::cos(p.wave_angle) + v * libm::sin(p.wave_angle)) / p.wave_pitch
                + 1.4 * libm::sin(tau * r / 7.0),
        );
    let theta = libm::atan2(v, u) - p.rot;
    let a = theta * 5.0 / tau;
    let f = a - libm::round(a); // −0.5 … 0.5, 0 on a petal's axis
    let rho = big_r * (0.60 + 0.40 * libm::sqrt((1.0 - 4.0 * f * f).max(0.0)))
        - big_r * 0.14 * (1.0 - f.abs() / 0.08).max(0.0);
    let t = if r < 0.30 * big_r {
        // The centre: a light disc with ten stamens.
        let sa = a * 2.0 + 0.5;
        let g = (sa - libm::round(sa)).abs() * tau / 10.0 * r; // mm from the stamen's axis
        let tip = 0.27 * big_r;
        let (tx, ty) = {
            let ang = (libm::round(sa) - 0.5) * tau / 10.0 + p.rot;
            (tip * libm::cos(ang), tip * libm::sin(ang))
        };
        if libm::hypot(u - tx, v - ty) < 0.8 || (g < 0.28 && r > 0.08 * big_r && r < tip) {
            0.62
        } else {
            0.24 + 0.04 * libm::cos(tau * r / 0.9)
        }
    } else if r <= rho {
        if rho - r < 0.7 {
            0.62 // the petal's outline
        } else {
            0.47 + 0.07 * libm::cos(tau * f * p.veins) * (r / rho)
                + 0.05 * libm::cos(tau * r / p.ring_pitch)
                + waves
        }
    } else {
        // The disc between the petals.
        0.34 + 0.05 * libm::cos(tau * r / (0.8 * p.ring_pitch)) + waves
    };
    t.clamp(0.0, MAX_TONE)
}

/// The latent mask: `word` in BIZ UDゴシック Bold, its ink box centred in a `w`×`h` px image,
/// `em_px` per em. True = inside.
fn word_mask(word: &str, w: u32, h: u32, em_px: f32) -> Result<Vec<bool>> {
    let db = FontDb::shared()?;
    let glyphs = word_glyphs(db, word, "ir.word", "at least one character (default 証)")?;
    // Ink box of the run, in em units (y up), to centre it.
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    let mut pen = 0.0f32;
    let mut placed = Vec::new();
    for &(fid, gid) in &glyphs {
        let f = db.get(fid);
        let upem = f32::from(f.units_per_em().max(1));
        if let Some(bb) = f.face().glyph_bounding_box(gid) {
            x0 = x0.min(pen + f32::from(bb.x_min) / upem);
            x1 = x1.max(pen + f32::from(bb.x_max) / upem);
            y0 = y0.min(f32::from(bb.y_min) / upem);
            y1 = y1.max(f32::from(bb.y_max) / upem);
        }
        placed.push((fid, gid, pen, upem));
        pen += f32::from(f.face().glyph_hor_advance(gid).unwrap_or(0)) / upem;
    }
    let mut out = vec![false; w as usize * h as usize];
    if x0 > x1 {
        return Ok(out);
    }
    // Scale down a long word so that it fits the width.
    let em = em_px.min(0.9 * w as f32 / (x1 - x0).max(1e-3));
    let ox = w as f32 / 2.0 - (x0 + x1) / 2.0 * em;
    let oy = h as f32 / 2.0 + (y0 + y1) / 2.0 * em;
    let mut pb = tiny_skia::PathBuilder::new();
    for (fid, gid, pen, upem) in placed {
        let mut b = OutlineToPath {
            pb: &mut pb,
            s: em / upem,
            x0: ox + pen * em,
            base: oy,
        };
        db.get(fid).face().outline_glyph(gid, &mut b);
    }
    if let (Some(path), Some(mut m)) = (pb.finish(), tiny_skia::Mask::new(w, h)) {
        m.fill_path(
            &path,
            tiny_skia::FillRule::Winding,
            true,
            tiny_skia::Transform::identity(),
        );
        for (o, &v) in out.iter_mut().zip(m.data()) {
            *o = v >= 128;
        }
    }
    Ok(out)
}

/// The infrared latent image filling `rect` (page mm): the rosette's tone as K inside the
/// hidden character and as the grey-balanced C, M, Y ([`default_balance`]) elsewhere; paper
/// (all zero) outside the rosette. Deterministic for the same inputs.
pub fn ir_image(cfg: &IrConfig, rect: Rect) -> Result<CmykImage> {
    if !(rect.w.is_finite() && rect.h.is_finite() && rect.w >= 10.0 && rect.h >= 10.0) {
        return Err(Error::input(
            "security.back.ir_mm",
            "an area of at least 10 × 10 mm",
        ));
    }
    if !(72..=1200).contains(&cfg.dpi) {
        return Err(Error::input("ir.dpi", "72–1200 dpi"));
    }
    let k = f64::from(cfg.dpi) / 25.4;
    let px_w = (f64::from(rect.w) * k).round().max(1.0) as u32;
    let px_h = (f64::from(rect.h) * k).round().max(1.0) as u32;
    let s = f64::from(rect.w.min(rect.h));
    let p = params(cfg);
    let mask = word_mask(&cfg.word, px_w, px_h, (0.58 * s * k) as f32)?;
    let bal = default_balance();
    let mut data = vec![0u8; 4 * px_w as usize * px_h as usize];
    let (cx, cy) = (f64::from(px_w) / 2.0, f64::from(px_h) / 2.0);
    for y in 0..px_h as usize {
        for x in 0..px_w as usize {
            let u = (x as f64 + 0.5 - cx) / k;
            let v = (y as f64 + 0.5 - cy) / k;
            let t = tone(&p, u, v, s);
            let kb = (t * 255.0).round() as u8;
            if kb == 0 {
                continue;
            }
            let i = y * px_w as usize + x;
            let px = if mask[i] {
                [0, 0, 0, kb]
            } else {
                let [c, m, yy] = bal[usize::from(kb)];
                [c, m, yy, 0]
            };
            data[4 * i..4 * i + 4].copy_from_slice(&px);
        }
    }
    Ok(CmykImage {
        rect,
        px_w,
        px_h,
        data: Arc::new(data),
    })
}

/// Band reflectances of an 8-bit CMYK pixel through a [`DyeModel::lut`].
fn refl(lut: &[[[f64; 3]; 256]], px: &[u8]) -> [f64; 3] {
    let mut r = [1.0f64; 3];
    for (t, &v) in lut.iter().zip(px) {
        let f = &t[usize::from(v)];
        for (rb, fb) in r.iter_mut().zip(f) {
            *rb *= fb;
        }
    }
    r
}

/// The infrared latent image of a back page: [`ir_image`] in `sec.back.ir_mm`, keyed by the
/// municipality's 団体コード and seed (what [`super::back_layer`] places).
pub fn back_ir_image(sec: &SecurityPrint, m: &Municipality) -> Result<CmykImage> {
    let r = sec.back.ir_mm;
    let cfg = IrConfig {
        issuer: m.code.clone(),
        seed: m.seed,
        ..IrConfig::default()
    };
    ir_image(&cfg, Rect::from_xywh(r[0], r[1], r[2], r[3]))
}

fn tints(px: &[u8]) -> [f64; 4] {
    let f = |i: usize| f64::from(px.get(i).copied().unwrap_or(0)) / 255.0;
    [f(0), f(1), f(2), f(3)]
}

/// A view of an image: `w`×`h` pixels of `N` linear values (reflectance, paper = 1).
#[derive(Clone, Debug, PartialEq)]
pub struct View<const N: usize> {
    /// Width, px.
    pub w: u32,
    /// Height, px.
    pub h: u32,
    /// Row-major values.
    pub data: Vec<[f32; N]>,
}

impl<const N: usize> View<N> {
    /// The view as 8-bit sRGB-encoded samples, `N` per pixel (for a PNG).
    pub fn to_srgb8(&self) -> Vec<u8> {
        self.data
            .iter()
            .flat_map(|p| p.map(|v| (srgb_encode(f64::from(v)) * 255.0).round() as u8))
            .collect()
    }
}

/// What the eye sees: linear R, G, B reflectance by the block-dye model.
pub fn visible_view(img: &CmykImage, model: &DyeModel) -> View<3> {
    let lut = model.lut();
    View {
        w: img.px_w,
        h: img.px_h,
        data: img
            .data
            .chunks_exact(4)
            .map(|px| refl(&lut, px).map(|v| v as f32))
            .collect(),
    }
}

/// What a near-IR camera sees: `(1 − 0.9k)(1 − 0.03c)(1 − 0.03m)(1 − 0.03y)` per pixel.
pub fn ir_view(img: &CmykImage, model: &DyeModel) -> View<1> {
    View {
        w: img.px_w,
        h: img.px_h,
        data: img
            .data
            .chunks_exact(4)
            .map(|px| [model.ir(tints(px)) as f32])
            .collect(),
    }
}

/// A copier's separation of an 8-bit sRGB scan pixel: C′ = 1 − R′ (and so on), full GCR
/// (K = min(C′, M′, Y′), the rest under colour removal).
pub fn copier_separation(rgb8: [u8; 3]) -> [f64; 4] {
    let [c, m, y] = rgb8.map(|v| 1.0 - f64::from(v) / 255.0);
    let k = c.min(m).min(y);
    if k >= 1.0 {
        return [0.0, 0.0, 0.0, 1.0];
    }
    let u = |v: f64| ((v - k) / (1.0 - k)).clamp(0.0, 1.0);
    [u(c), u(m), u(y), k]
}

/// What a near-IR camera sees on a colour copy: visible → 8-bit sRGB scan → CMYK with full GCR
/// ([`copier_separation`]) → IR.
pub fn copy_view(img: &CmykImage, model: &DyeModel) -> View<1> {
    let vis = visible_view(img, model);
    View {
        w: img.px_w,
        h: img.px_h,
        data: vis
            .to_srgb8()
            .chunks_exact(3)
            .map(|p| [model.ir(copier_separation([p[0], p[1], p[2]])) as f32])
            .collect(),
    }
}

/// The visible appearance as black-plane coverage (255 − the sRGB-encoded luminance): what
/// the raster painter puts in a PNG.
pub fn visible_coverage(img: &CmykImage) -> Vec<u8> {
    let lut = DyeModel::default().lut();
    img.data
        .chunks_exact(4)
        .map(|px| {
            let [r, g, b] = refl(&lut, px);
            let y = 0.212_672_9 * r + 0.715_152_2 * g + 0.072_175_0 * b;
            255 - (srgb_encode(y) * 255.0).round() as u8
        })
        .collect()
}

/// The acceptance figures of an IR image (security-print.md §5, §8).
#[derive(Clone, Debug, PartialEq)]
pub struct IrMetrics {
    /// 2 mm blocks that hold ink.
    pub blocks: usize,
    /// Mean over those blocks of ΔE00 between the block as printed and the block with every
    /// pixel printed the other way (K ↔ balanced CMY): the latent's inside against its
    /// outside at the same picture tone. Pass ≤ 2.
    pub visible_de_mean: f64,
    /// The largest such ΔE00. Pass ≤ 3.
    pub visible_de_max: f64,
    /// Weber contrast of the IR view, (I_surround − I_latent) / I_surround, where the latent is
    /// the pixels printed in K and the surround those printed in CMY. Pass ≥ 0.30.
    pub ir_contrast: f64,
    /// The same contrast on the copy view (same pixels), absolute. Pass ≤ 0.05.
    pub copy_contrast: f64,
}

/// The pixel printed the other way: K → its balanced CMY, CMY → the K byte whose balance it
/// is (`back`, or the nearest entry), paper stays paper.
fn swapped(px: &[u8], bal: &[[u8; 3]], back: &BTreeMap<[u8; 3], u8>) -> [u8; 4] {
    let (c, m, y, k) = (px[0], px[1], px[2], px[3]);
    if k > 0 && c == 0 && m == 0 && y == 0 {
        let [c, m, y] = bal[usize::from(k)];
        return [c, m, y, 0];
    }
    if k == 0 && (c | m | y) != 0 {
        if let Some(&kb) = back.get(&[c, m, y]) {
            return [0, 0, 0, kb];
        }
        let d = |e: &[u8; 3]| {
            (i32::from(e[0]) - i32::from(c)).abs()
                + (i32::from(e[1]) - i32::from(m)).abs()
                + (i32::from(e[2]) - i32::from(y)).abs()
        };
        let mut best = 0usize;
        for (i, e) in bal.iter().enumerate() {
            if d(e) < d(&bal[best]) {
                best = i;
            }
        }
        return [0, 0, 0, best as u8];
    }
    [c, m, y, k]
}

/// Measures an IR image: visible ΔE00 over 2 mm blocks, IR Weber contrast on the original
/// and on the copy (see [`IrMetrics`]). `dpi` is the image's resolution.
pub fn ir_metrics(img: &CmykImage, dpi: u32, model: &DyeModel) -> IrMetrics {
    let bal = default_balance();
    let mut back = BTreeMap::new();
    for (kb, e) in bal.iter().enumerate().rev() {
        back.insert(*e, kb as u8);
    }
    let lut = model.lut();
    let (w, h) = (img.px_w as usize, img.px_h as usize);
    let n = w * h;
    let data = &img.data[..(4 * n).min(img.data.len())];
    let block = ((2.0 * f64::from(dpi) / 25.4).round() as usize).max(1);
    let (mut sum, mut max, mut blocks) = (0.0, 0.0f64, 0usize);
    for by in (0..h.saturating_sub(block - 1)).step_by(block) {
        for bx in (0..w.saturating_sub(block - 1)).step_by(block) {
            let (mut a, mut b, mut inked) = ([0.0f64; 3], [0.0f64; 3], 0usize);
            for y in by..by + block {
                for x in bx..bx + block {
                    let i = 4 * (y * w + x);
                    let Some(px) = data.get(i..i + 4) else {
                        continue;
                    };
                    if px.iter().any(|&v| v != 0) {
                        inked += 1;
                    }
                    let ra = refl(&lut, px);
                    let rb = refl(&lut, &swapped(px, bal, &back));
                    for j in 0..3 {
                        a[j] += ra[j];
                        b[j] += rb[j];
                    }
                }
            }
            if inked == 0 {
                continue;
            }
            let nn = (block * block) as f64;
            let de = delta_e00(
                linear_to_lab(a.map(|v| v / nn)),
                linear_to_lab(b.map(|v| v / nn)),
            );
            sum += de;
            max = max.max(de);
            blocks += 1;
        }
    }
    let ir = ir_view(img, model);
    let copy = copy_view(img, model);
    let weber = |v: &View<1>| {
        let (mut li, mut ln, mut si, mut sn) = (0.0f64, 0usize, 0.0f64, 0usize);
        for (px, val) in data.chunks_exact(4).zip(&v.data) {
            let val = f64::from(val[0]);
            if px[3] > 0 {
                li += val;
                ln += 1;
            } else if px[0] | px[1] | px[2] != 0 {
                si += val;
                sn += 1;
            }
        }
        if ln == 0 || sn == 0 {
            return 0.0;
        }
        let (l, s) = (li / ln as f64, si / sn as f64);
        (s - l) / s
    };
    IrMetrics {
        blocks,
        visible_de_mean: if blocks > 0 { sum / blocks as f64 } else { 0.0 },
        visible_de_max: max,
        ir_contrast: weber(&ir),
        copy_contrast: weber(&copy).abs(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
