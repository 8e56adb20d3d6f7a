//! The copier simulator (security-print.md §1): print → rotation and sub-pixel offset → scan
//! blur → box resample → background cut → text (threshold) or photo (contone) → nearest
//! upsample to 600 dpi → print.

use rand_core::RngCore;

use super::{
    box_downsample, gaussian_blur, nearest_resample, print_model, rotate_offset, um_to_px, GrayF32,
};
use crate::security::{keyed_rng, unit_f64};

/// How the copier reproduces the scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyMode {
    /// Threshold at [`CopierSettings::threshold`] (text / 文字 mode).
    Text,
    /// Contone (photo / 写真 mode).
    Photo,
}

/// One copier condition. Values are engineering estimates (§9 of the design).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CopierSettings {
    /// Spread of the copier's own print, FWHM µm (35).
    pub print_fwhm_um: f32,
    /// Scanner blur, FWHM µm (60, 85 or 120).
    pub scan_fwhm_um: f32,
    /// Scanner resolution (300, 400 or 600).
    pub scan_dpi: u32,
    /// Placement rotation on the platen, degrees (U(±1°)).
    pub rotation_deg: f32,
    /// Sub-pixel placement offset, px at the input dpi.
    pub offset_px: (f32, f32),
    /// Background cut: d' = clamp((d − cut)/(1 − cut)) (0.15).
    pub background_cut: f32,
    /// Text-mode threshold (0.5).
    pub threshold: f32,
    /// Text or photo.
    pub mode: CopyMode,
}

impl Default for CopierSettings {
    fn default() -> Self {
        CopierSettings {
            print_fwhm_um: 35.0,
            scan_fwhm_um: 85.0,
            scan_dpi: 600,
            rotation_deg: 0.0,
            offset_px: (0.0, 0.0),
            background_cut: 0.15,
            threshold: 0.5,
            mode: CopyMode::Text,
        }
    }
}

/// The simulator matrix of the design: scan FWHM {60, 85, 120} µm × scan dpi {300, 400, 600} ×
/// `placements` placements, each with a rotation U(±1°) and an offset U(0, 1)² px drawn from
/// ChaCha20 keyed by `seed`; all in `mode`.
pub fn copier_matrix(mode: CopyMode, placements: u32, seed: u64) -> Vec<CopierSettings> {
    let mut rng = keyed_rng("shomei/copier-matrix/v1", &[&seed.to_le_bytes()]);
    let mut out = Vec::new();
    for fwhm in [60.0, 85.0, 120.0] {
        for dpi in [300, 400, 600] {
            for _ in 0..placements {
                let rot = (unit_f64(rng.next_u64()) * 2.0 - 1.0) as f32;
                let ox = unit_f64(rng.next_u64()) as f32;
                let oy = unit_f64(rng.next_u64()) as f32;
                out.push(CopierSettings {
                    scan_fwhm_um: fwhm,
                    scan_dpi: dpi,
                    rotation_deg: rot,
                    offset_px: (ox, oy),
                    mode,
                    ..CopierSettings::default()
                });
            }
        }
    }
    out
}

/// The scan half of the copier: placement, scan blur, box resample to the scan dpi and the
/// background cut. `printed` is the darkness of the original as printed (after the print model).
pub fn scan(printed: &GrayF32, s: &CopierSettings) -> GrayF32 {
    let placed = if s.rotation_deg != 0.0 || s.offset_px != (0.0, 0.0) {
        rotate_offset(printed, s.rotation_deg, s.offset_px)
    } else {
        printed.clone()
    };
    let blurred = gaussian_blur(&placed, um_to_px(s.scan_fwhm_um, printed.dpi));
    let scanned = box_downsample(&blurred, s.scan_dpi);
    let cut = s.background_cut.clamp(0.0, 0.99);
    scanned.map(|d| ((d - cut) / (1.0 - cut)).clamp(0.0, 1.0))
}

/// The print half of the copier: text threshold or contone, nearest upsample to the size and
/// dpi of `like`, then the copier's print model.
pub fn reprint(scanned: &GrayF32, s: &CopierSettings, like: &GrayF32) -> GrayF32 {
    let toned = match s.mode {
        CopyMode::Text => scanned.map(|d| if d >= s.threshold { 1.0 } else { 0.0 }),
        CopyMode::Photo => scanned.clone(),
    };
    let up = nearest_resample(&toned, like.dpi, like.w, like.h);
    print_model(&up, s.print_fwhm_um)
}

/// A simulated copy of a printed original, at the original's size and dpi.
pub fn copy(printed: &GrayF32, s: &CopierSettings) -> GrayF32 {
    reprint(&scan(printed, s), s, printed)
}
