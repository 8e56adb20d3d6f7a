//! The print-scan simulator (security-print.md §4, also the microtext "loupe"): print →
//! rotation, anisotropic scale and translation → scan blur → resample to the scan dpi → gamma →
//! noise. (The optional JPEG q70 step is not modelled.)

use rand_core::RngCore;

use super::{box_downsample, gaussian_blur, GrayF32};
use crate::security::{keyed_rng, unit_f64};

/// One print-scan condition.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PrintScanSettings {
    /// Rotation, degrees (U(±2°) for the verifier).
    pub rotation_deg: f32,
    /// Scale along x and y (U(±1 %)).
    pub scale: (f32, f32),
    /// Translation, mm (U(±3 mm)).
    pub translate_mm: (f32, f32),
    /// Scanner blur, FWHM in scan pixels (U(1–2)).
    pub blur_fwhm_scan_px: f32,
    /// Scan resolution (300 for the verifier, 1200 for a loupe).
    pub scan_dpi: u32,
    /// Gamma on reflectance: d' = 1 − (1 − d)^γ (U(0.7–1.4)).
    pub gamma: f32,
    /// Additive Gaussian noise σ on darkness (U(1–5)/255).
    pub noise_sigma: f32,
    /// Key of the noise.
    pub seed: u64,
}

impl Default for PrintScanSettings {
    fn default() -> Self {
        PrintScanSettings {
            rotation_deg: 0.0,
            scale: (1.0, 1.0),
            translate_mm: (0.0, 0.0),
            blur_fwhm_scan_px: 1.0,
            scan_dpi: 300,
            gamma: 1.0,
            noise_sigma: 0.0,
            seed: 0,
        }
    }
}

/// Scans a printed original (darkness after the print model) into an image at the scan dpi
/// covering the same area. The geometry maps about the image centre.
pub fn print_scan(printed: &GrayF32, s: &PrintScanSettings) -> GrayF32 {
    let f_in = f64::from(printed.dpi);
    let f_out = f64::from(s.scan_dpi.max(1));
    // Blur in input pixels first (σ converted from scan pixels), then warp and resample.
    let fwhm_in = f64::from(s.blur_fwhm_scan_px) * f_in / f_out;
    let blurred = gaussian_blur(printed, fwhm_in as f32);
    let th = f64::from(s.rotation_deg).to_radians();
    let (c, sn) = (libm::cos(th), libm::sin(th));
    let (sx, sy) = (
        f64::from(s.scale.0).max(1e-3),
        f64::from(s.scale.1).max(1e-3),
    );
    let (tx, ty) = (
        f64::from(s.translate_mm.0) / 25.4 * f_in,
        f64::from(s.translate_mm.1) / 25.4 * f_in,
    );
    let (cx, cy) = (f64::from(printed.w) / 2.0, f64::from(printed.h) / 2.0);
    // Warp at the finer of the two resolutions, then box down if the scan is coarser.
    let work_dpi = f_in.max(f_out);
    let k = work_dpi / f_in;
    let (ww, wh) = (
        (f64::from(printed.w) * k).round() as u32,
        (f64::from(printed.h) * k).round() as u32,
    );
    let mut warped = GrayF32::new(ww, wh, work_dpi as u32);
    for y in 0..wh {
        for x in 0..ww {
            // Output point in input pixels, relative to the centre, undo translate/scale/rotate.
            let px = (f64::from(x) + 0.5) / k - cx - tx;
            let py = (f64::from(y) + 0.5) / k - cy - ty;
            let (px, py) = (px / sx, py / sy);
            let qx = c * px + sn * py + cx;
            let qy = -sn * px + c * py + cy;
            warped.data[(y * ww + x) as usize] = blurred.sample(qx, qy);
        }
    }
    let scanned = box_downsample(&warped, s.scan_dpi);
    let g = f64::from(s.gamma.max(0.05));
    let mut rng = keyed_rng("shomei/print-scan-noise/v1", &[&s.seed.to_le_bytes()]);
    let sigma = f64::from(s.noise_sigma);
    scanned.map(|d| {
        let r = 1.0 - f64::from(d.clamp(0.0, 1.0));
        let mut v = 1.0 - libm::pow(r, g);
        if sigma > 0.0 {
            // Box–Muller from two raw draws.
            let u1 = unit_f64(rng.next_u64()).max(1e-300);
            let u2 = unit_f64(rng.next_u64());
            v += sigma * libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(std::f64::consts::TAU * u2);
        }
        v.clamp(0.0, 1.0) as f32
    })
}
