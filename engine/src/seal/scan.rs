//! Fake registration scans for sample data and tests: a seal's items pressed onto tinted
//! paper, slightly rotated, blurred and noisy, as a scanner would give them. Seeded, so a
//! dummy resident's scan is the same every run.

use tiny_skia::Transform;

use crate::display::Item;
use crate::error::{Error, Result};
use crate::seal::noise::{Rng, ValueNoise};
use crate::seal::raster::{self, InkTexture};

/// How a fake scan looks.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ScanLook {
    /// Rotation, degrees (clockwise on the page).
    pub(crate) angle_deg: f32,
    /// Paper colour, RGB.
    pub(crate) paper: [f32; 3],
    /// Ink colour at full density, RGB.
    pub(crate) ink: [f32; 3],
    /// Sensor noise, standard deviation in levels.
    pub(crate) noise_sd: f32,
    /// Passes of a 3×3 box blur.
    pub(crate) blur: u32,
    /// How much fainter the ink gets towards one side (0 = even pressure).
    pub(crate) fade: f32,
    /// Paper margin around the seal, mm.
    pub(crate) margin_mm: f32,
}

impl ScanLook {
    /// A plausible look drawn from `seed`.
    pub(crate) fn seeded(seed: u64) -> Self {
        let mut r = Rng::new(seed, 0x40);
        let base = r.range(205.0, 238.0);
        let tint = [r.range(-6.0, 8.0), r.range(-6.0, 6.0), r.range(-14.0, 2.0)];
        ScanLook {
            angle_deg: r.range(-2.5, 2.5),
            paper: [base + tint[0], base + tint[1], base + tint[2]],
            ink: [
                r.range(180.0, 215.0),
                r.range(35.0, 70.0),
                r.range(35.0, 65.0),
            ],
            noise_sd: r.range(4.0, 9.0),
            blur: 1 + (r.next_u64() % 2) as u32,
            fade: r.range(0.1, 0.35),
            margin_mm: r.range(2.0, 4.0),
        }
    }
}

/// A fake scan and the ink it was made from.
pub(crate) struct Scan {
    /// RGB, row-major.
    pub(crate) rgb: Vec<u8>,
    /// Width, pixels.
    pub(crate) w: u32,
    /// Height, pixels.
    pub(crate) h: u32,
    /// The ink coverage before blur and noise (the ground truth), same frame.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) truth: Vec<u8>,
}

/// Presses `items` onto paper and scans them at `dpi`.
pub(crate) fn scan(items: &[Item], dpi: u32, seed: u64, look: &ScanLook) -> Option<Scan> {
    let area = raster::items_bounds(items)?;
    let px_mm = 25.4 / dpi as f32;
    let side = area.w.max(area.h) * 1.05 + 2.0 * look.margin_mm;
    let w = (side / px_mm).ceil() as u32;
    let h = w;
    let (cx, cy) = (area.x + area.w / 2.0, area.y + area.h / 2.0);
    let a = look.angle_deg.to_radians();
    let (s, c) = (libm::sinf(a), libm::cosf(a));
    let k = 1.0 / px_mm;
    let (hw, hh) = (w as f32 / 2.0, h as f32 / 2.0);
    let to_px = Transform::from_row(
        k * c,
        k * s,
        -k * s,
        k * c,
        hw - k * (c * cx - s * cy),
        hh - k * (s * cx + c * cy),
    );
    let mut cov = raster::rasterise(items, w, h, to_px)?;
    raster::apply_texture(&mut cov, px_mm, InkTexture::PERSONAL, seed);
    // Uneven pressure: fainter towards a seeded side.
    let mut r = Rng::new(seed, 0x41);
    let dir = r.range(0.0, std::f32::consts::TAU);
    let (dx, dy) = (libm::cosf(dir), libm::sinf(dir));
    let (wu, hu) = (w as usize, h as usize);
    for y in 0..hu {
        for x in 0..wu {
            let t = ((x as f32 - hw) * dx + (y as f32 - hh) * dy) / w as f32 + 0.5;
            let f = 1.0 - look.fade * t.clamp(0.0, 1.0);
            let i = y * wu + x;
            cov.data[i] = (f32::from(cov.data[i]) * f) as u8;
        }
    }
    let truth = cov.data.clone();
    let mut soft = cov.data;
    for _ in 0..look.blur {
        soft = box3(&soft, wu, hu);
    }
    // Paper with a faint broad mottling, ink multiplied over it, sensor noise.
    let fibre = ValueNoise::new(&mut Rng::new(seed, 0x42), w as f32, h as f32, 40.0);
    let mut nr = Rng::new(seed, 0x43);
    let mut rgb = Vec::with_capacity(wu * hu * 3);
    for y in 0..hu {
        for x in 0..wu {
            let a = f32::from(soft[y * wu + x]) / 255.0;
            let m = (fibre.at(x as f32, y as f32) - 0.5) * 8.0;
            let common = nr.normal() * look.noise_sd * 0.5;
            for ch in 0..3 {
                let p = look.paper[ch] + m;
                let v = p * (1.0 - a) + p * look.ink[ch] / 255.0 * a;
                let v = v + common + nr.normal() * look.noise_sd * 0.85;
                rgb.push(v.round().clamp(0.0, 255.0) as u8);
            }
        }
    }
    Some(Scan { rgb, w, h, truth })
}

fn box3(src: &[u8], w: usize, h: usize) -> Vec<u8> {
    let mut out = vec![0u8; src.len()];
    for y in 0..h {
        for x in 0..w {
            let mut s = 0u32;
            for yy in y.saturating_sub(1)..(y + 2).min(h) {
                for xx in x.saturating_sub(1)..(x + 2).min(w) {
                    s += u32::from(src[yy * w + xx]);
                }
            }
            let n = ((y + 2).min(h) - y.saturating_sub(1)) * ((x + 2).min(w) - x.saturating_sub(1));
            out[y * w + x] = (s / n as u32) as u8;
        }
    }
    out
}

/// Encodes RGB pixels as a PNG.
pub(crate) fn encode_png(rgb: &[u8], w: u32, h: u32, dpi: u32) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let ppm = (dpi as f32 / 0.0254).round() as u32;
        enc.set_pixel_dims(Some(png::PixelDimensions {
            xppu: ppm,
            yppu: ppm,
            unit: png::Unit::Meter,
        }));
        let mut wr = enc
            .write_header()
            .map_err(|e| Error::Encode(e.to_string()))?;
        wr.write_image_data(rgb)
            .map_err(|e| Error::Encode(e.to_string()))?;
    }
    Ok(out)
}

/// A fake registration scan (PNG bytes) of a seal's items — e.g. a dummy resident's
/// [`crate::seal::marume`] — at `dpi`: tinted paper, mottled ink, a slight rotation, blur and
/// sensor noise, all drawn from `seed`. Sample data embeds it (base64) as the registered
/// impression; [`crate::seal::decode_impression`] recovers the seal from it.
pub fn rasterise_for_registration(items: &[Item], dpi: u32, seed: u64) -> Result<Vec<u8>> {
    if !(100..=1200).contains(&dpi) {
        return Err(Error::input(
            "seal.scan_dpi",
            "a registration scan must be 100 to 1200 dpi",
        ));
    }
    let look = ScanLook::seeded(seed);
    let s = scan(items, dpi, seed, &look)
        .ok_or_else(|| Error::input("seal", "the seal has nothing to scan"))?;
    encode_png(&s.rgb, s.w, s.h, dpi)
}
