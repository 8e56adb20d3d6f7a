//! Simulators of what happens to a security feature on paper: a small darkness-image type,
//! the print model, the copier chain (`copier`) and the print-scan chain (`print_scan`).

pub mod copier;
pub mod print_scan;

pub use copier::{copier_matrix, copy, reprint, scan, CopierSettings, CopyMode};
pub use print_scan::{print_scan, PrintScanSettings};

use crate::display::{BitMask, Paint, PathCmd, Shape};
use crate::error::{Error, Result};
use crate::geom::Rect;

/// A darkness image: d = 1 − linear reflectance, 0 = paper, 1 = solid ink, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct GrayF32 {
    /// Width, px.
    pub w: u32,
    /// Height, px.
    pub h: u32,
    /// Resolution, dpi.
    pub dpi: u32,
    /// Darkness per pixel.
    pub data: Vec<f32>,
}

impl GrayF32 {
    /// A blank (paper) image.
    pub fn new(w: u32, h: u32, dpi: u32) -> Self {
        GrayF32 {
            w,
            h,
            dpi,
            data: vec![0.0; w as usize * h as usize],
        }
    }

    /// The bits of a mask as darkness 0/1, at the mask's dpi.
    pub fn from_mask(m: &BitMask) -> Self {
        let mut g = GrayF32::new(m.px_w, m.px_h, m.dpi);
        for y in 0..m.px_h {
            for x in 0..m.px_w {
                if m.get(x, y) {
                    g.data[(y * m.px_w + x) as usize] = 1.0;
                }
            }
        }
        g
    }

    /// The bits of a mask with edge dot gain: every dot edge moves outwards by `w_px` pixels
    /// (inwards where negative). Exact for rectangular dots: a 2×2 dot gains (2+2w)² − 4 px².
    pub fn from_mask_with_gain(m: &BitMask, w_px: f32) -> Self {
        let mut g = GrayF32::new(m.px_w, m.px_h, m.dpi);
        let at = |x: i64, y: i64| x >= 0 && y >= 0 && m.get(x as u32, y as u32);
        for y in 0..i64::from(m.px_h) {
            for x in 0..i64::from(m.px_w) {
                let ink = at(x, y);
                let nx = at(x - 1, y) as u8 + at(x + 1, y) as u8;
                let ny = at(x, y - 1) as u8 + at(x, y + 1) as u8;
                let v = if w_px >= 0.0 {
                    if ink {
                        1.0
                    } else {
                        // Strips from edge neighbours, corners from diagonal-only neighbours.
                        let strips =
                            1.0 - (1.0 - w_px * f32::from(nx)) * (1.0 - w_px * f32::from(ny));
                        let mut corners = 0u8;
                        for (dx, dy) in [(-1, -1), (1, -1), (-1, 1), (1, 1)] {
                            if at(x + dx, y + dy) && !at(x + dx, y) && !at(x, y + dy) {
                                corners += 1;
                            }
                        }
                        strips + w_px * w_px * f32::from(corners)
                    }
                } else if ink {
                    let e = -w_px;
                    (1.0 - e * f32::from(2 - nx)) * (1.0 - e * f32::from(2 - ny))
                } else {
                    0.0
                };
                g.data[(y as u32 * m.px_w + x as u32) as usize] = v.clamp(0.0, 1.0);
            }
        }
        g
    }

    /// Darkness at (x, y); 0 (paper) outside.
    pub fn get(&self, x: i64, y: i64) -> f32 {
        if x < 0 || y < 0 || x >= i64::from(self.w) || y >= i64::from(self.h) {
            return 0.0;
        }
        self.data[(y as u32 * self.w + x as u32) as usize]
    }

    /// Bilinear sample at continuous pixel coordinates (pixel centres at +0.5); paper outside.
    pub fn sample(&self, x: f64, y: f64) -> f32 {
        let (fx, fy) = (x - 0.5, y - 0.5);
        let (x0, y0) = (libm::floor(fx), libm::floor(fy));
        let (tx, ty) = ((fx - x0) as f32, (fy - y0) as f32);
        let (x0, y0) = (x0 as i64, y0 as i64);
        let a = self.get(x0, y0) * (1.0 - tx) + self.get(x0 + 1, y0) * tx;
        let b = self.get(x0, y0 + 1) * (1.0 - tx) + self.get(x0 + 1, y0 + 1) * tx;
        a * (1.0 - ty) + b * ty
    }

    /// Mean darkness.
    pub fn mean(&self) -> f32 {
        (self.data.iter().map(|v| f64::from(*v)).sum::<f64>() / self.data.len().max(1) as f64)
            as f32
    }

    /// Another image of the same size with `f` applied to every pixel.
    pub fn map(&self, mut f: impl FnMut(f32) -> f32) -> GrayF32 {
        GrayF32 {
            data: self.data.iter().map(|v| f(*v)).collect(),
            w: self.w,
            h: self.h,
            dpi: self.dpi,
        }
    }

    /// A crop (clipped to the image).
    pub fn crop(&self, x: u32, y: u32, w: u32, h: u32) -> GrayF32 {
        let w = w.min(self.w.saturating_sub(x));
        let h = h.min(self.h.saturating_sub(y));
        let mut out = GrayF32::new(w, h, self.dpi);
        for yy in 0..h {
            let s = ((y + yy) * self.w + x) as usize;
            out.data[(yy * w) as usize..((yy + 1) * w) as usize]
                .copy_from_slice(&self.data[s..s + w as usize]);
        }
        out
    }

    /// Draws `other` (same dpi) with its top-left at (x, y), darkening: d = max(d, d').
    pub fn overlay(&mut self, other: &GrayF32, x: i64, y: i64) {
        for yy in 0..i64::from(other.h) {
            for xx in 0..i64::from(other.w) {
                let (tx, ty) = (x + xx, y + yy);
                if tx >= 0 && ty >= 0 && tx < i64::from(self.w) && ty < i64::from(self.h) {
                    let i = (ty as u32 * self.w + tx as u32) as usize;
                    self.data[i] = self.data[i].max(other.get(xx, yy));
                }
            }
        }
    }

    /// Writes the image as an 8-bit grey PNG (white paper, black ink).
    pub fn write_png(&self, path: &std::path::Path) -> Result<()> {
        let enc_err = |e: &dyn std::fmt::Display| Error::Encode(format!("{}: {e}", path.display()));
        let file = std::fs::File::create(path).map_err(|e| enc_err(&e))?;
        let mut enc = png::Encoder::new(std::io::BufWriter::new(file), self.w, self.h);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let ppm = (f64::from(self.dpi) / 0.0254).round() as u32;
        enc.set_pixel_dims(Some(png::PixelDimensions {
            xppu: ppm,
            yppu: ppm,
            unit: png::Unit::Meter,
        }));
        let mut w = enc.write_header().map_err(|e| enc_err(&e))?;
        let bytes: Vec<u8> = self
            .data
            .iter()
            .map(|d| (255.0 * (1.0 - d.clamp(0.0, 1.0))).round() as u8)
            .collect();
        w.write_image_data(&bytes).map_err(|e| enc_err(&e))?;
        w.finish().map_err(|e| enc_err(&e))
    }
}

/// Separable Gaussian blur with the given FWHM in pixels (σ = FWHM / 2.3548); paper outside.
pub fn gaussian_blur(img: &GrayF32, fwhm_px: f32) -> GrayF32 {
    let sigma = f64::from(fwhm_px) / 2.354_820_045;
    if sigma < 1e-3 {
        return img.clone();
    }
    let r = libm::ceil(3.0 * sigma) as i64;
    let mut k: Vec<f32> = (-r..=r)
        .map(|i| libm::exp(-((i * i) as f64) / (2.0 * sigma * sigma)) as f32)
        .collect();
    let s: f32 = k.iter().sum();
    k.iter_mut().for_each(|v| *v /= s);
    let (w, h) = (img.w as i64, img.h as i64);
    let mut tmp = GrayF32::new(img.w, img.h, img.dpi);
    for y in 0..h {
        let row = &img.data[(y * w) as usize..((y + 1) * w) as usize];
        for x in 0..w {
            let mut acc = 0.0f32;
            for (j, kv) in k.iter().enumerate() {
                let xx = x + j as i64 - r;
                if xx >= 0 && xx < w {
                    acc += kv * row[xx as usize];
                }
            }
            tmp.data[(y * w + x) as usize] = acc;
        }
    }
    let mut out = GrayF32::new(img.w, img.h, img.dpi);
    for y in 0..h {
        for (j, kv) in k.iter().enumerate() {
            let yy = y + j as i64 - r;
            if yy < 0 || yy >= h {
                continue;
            }
            let src = &tmp.data[(yy * w) as usize..((yy + 1) * w) as usize];
            let dst = &mut out.data[(y * w) as usize..((y + 1) * w) as usize];
            for (d, s) in dst.iter_mut().zip(src) {
                *d += kv * s;
            }
        }
    }
    out
}

/// The print model: a Gaussian spread of FWHM `fwhm_um` micrometres.
pub fn print_model(img: &GrayF32, fwhm_um: f32) -> GrayF32 {
    gaussian_blur(img, um_to_px(fwhm_um, img.dpi))
}

/// Micrometres to pixels at `dpi`.
pub fn um_to_px(um: f32, dpi: u32) -> f32 {
    um / 25_400.0 * dpi as f32
}

/// Box (area-average) resampling to `dpi` (≤ the image's); the output covers whole output
/// pixels only.
pub fn box_downsample(img: &GrayF32, dpi: u32) -> GrayF32 {
    if dpi >= img.dpi {
        return img.clone();
    }
    let f = f64::from(img.dpi) / f64::from(dpi);
    let ow = (f64::from(img.w) / f).floor().max(1.0) as u32;
    let oh = (f64::from(img.h) / f).floor().max(1.0) as u32;
    // Per-axis weights: output j covers [j f, (j+1) f).
    let weights = |n: u32| -> Vec<Vec<(usize, f32)>> {
        (0..n)
            .map(|j| {
                let (a, b) = (f64::from(j) * f, f64::from(j + 1) * f);
                let mut v = Vec::new();
                let mut i = a.floor() as usize;
                while (i as f64) < b {
                    let lo = a.max(i as f64);
                    let hi = b.min(i as f64 + 1.0);
                    if hi > lo {
                        v.push((i, ((hi - lo) / f) as f32));
                    }
                    i += 1;
                }
                v
            })
            .collect()
    };
    let (wx, wy) = (weights(ow), weights(oh));
    let mut tmp = vec![0.0f32; ow as usize * img.h as usize];
    for y in 0..img.h as usize {
        for (j, ws) in wx.iter().enumerate() {
            tmp[y * ow as usize + j] = ws
                .iter()
                .map(|(i, w)| w * img.data[y * img.w as usize + (*i).min(img.w as usize - 1)])
                .sum();
        }
    }
    let mut out = GrayF32::new(ow, oh, dpi);
    for (j, ws) in wy.iter().enumerate() {
        for x in 0..ow as usize {
            out.data[j * ow as usize + x] = ws
                .iter()
                .map(|(i, w)| w * tmp[(*i).min(img.h as usize - 1) * ow as usize + x])
                .sum();
        }
    }
    out
}

/// Nearest-neighbour resampling of `img` to `dpi`, `w`×`h` pixels.
pub fn nearest_resample(img: &GrayF32, dpi: u32, w: u32, h: u32) -> GrayF32 {
    let mut out = GrayF32::new(w, h, dpi);
    let f = f64::from(img.dpi) / f64::from(dpi);
    for y in 0..h {
        let sy = ((f64::from(y) + 0.5) * f) as i64;
        for x in 0..w {
            let sx = ((f64::from(x) + 0.5) * f) as i64;
            out.data[(y * w + x) as usize] = img.get(sx, sy);
        }
    }
    out
}

/// Rotates by `deg` (positive = clockwise on the y-down page) about the image centre, then
/// moves by `offset_px`, bilinear; paper comes in at the borders.
pub fn rotate_offset(img: &GrayF32, deg: f32, offset_px: (f32, f32)) -> GrayF32 {
    let th = f64::from(deg).to_radians();
    let (c, s) = (libm::cos(th), libm::sin(th));
    let (cx, cy) = (f64::from(img.w) / 2.0, f64::from(img.h) / 2.0);
    let mut out = GrayF32::new(img.w, img.h, img.dpi);
    for y in 0..img.h {
        for x in 0..img.w {
            // Output point → source point: undo the offset, then the rotation.
            let px = f64::from(x) + 0.5 - f64::from(offset_px.0) - cx;
            let py = f64::from(y) + 0.5 - f64::from(offset_px.1) - cy;
            let sx = c * px + s * py + cx;
            let sy = -s * px + c * py + cy;
            out.data[(y * img.w + x) as usize] = img.sample(sx, sy);
        }
    }
    out
}

/// Rasterises shapes (fills and strokes, anti-aliased) lying in `area` (page mm) at `dpi`, as
/// darkness. For tests and previews; the real painter lives elsewhere.
pub fn rasterize_shapes(shapes: &[Shape], area: Rect, dpi: u32) -> Result<GrayF32> {
    let (w, h) = crate::geom::page_px((area.w, area.h), dpi);
    let mut mask =
        tiny_skia::Mask::new(w, h).ok_or_else(|| Error::input("area", "a non-empty area"))?;
    let s = dpi as f32 / 25.4;
    for sh in shapes {
        let mut pb = tiny_skia::PathBuilder::new();
        let p = |x: f32, y: f32| ((x - area.x) * s, (y - area.y) * s);
        for c in &sh.path.cmds {
            match *c {
                PathCmd::MoveTo(x, y) => {
                    let (a, b) = p(x, y);
                    pb.move_to(a, b)
                }
                PathCmd::LineTo(x, y) => {
                    let (a, b) = p(x, y);
                    pb.line_to(a, b)
                }
                PathCmd::QuadTo(x1, y1, x, y) => {
                    let (a, b) = p(x1, y1);
                    let (c2, d) = p(x, y);
                    pb.quad_to(a, b, c2, d)
                }
                PathCmd::CubicTo(x1, y1, x2, y2, x, y) => {
                    let (a, b) = p(x1, y1);
                    let (c2, d) = p(x2, y2);
                    let (e, f) = p(x, y);
                    pb.cubic_to(a, b, c2, d, e, f)
                }
                PathCmd::Close => pb.close(),
            }
        }
        let Some(path) = pb.finish() else { continue };
        let (path, rule) = match sh.paint {
            Paint::Fill => (Some(path), tiny_skia::FillRule::Winding),
            Paint::FillEvenOdd => (Some(path), tiny_skia::FillRule::EvenOdd),
            Paint::Stroke(wmm) => {
                let st = tiny_skia::Stroke {
                    width: wmm * s,
                    ..Default::default()
                };
                (path.stroke(&st, 1.0), tiny_skia::FillRule::Winding)
            }
        };
        if let Some(path) = path {
            mask.fill_path(&path, rule, true, tiny_skia::Transform::identity());
        }
    }
    let mut g = GrayF32::new(w, h, dpi);
    for (d, m) in g.data.iter_mut().zip(mask.data()) {
        *d = f32::from(*m) / 255.0;
    }
    Ok(g)
}
