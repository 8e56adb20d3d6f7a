//! The registered seal impression (印影) of a 印鑑登録証明書: decoding the registration's scan
//! under a decompression-bomb guard, isolating the ink from the paper, cropping to the
//! impression, checking its registered size, and placing it at true size in the seal box.

use std::sync::Arc;

use image::{DynamicImage, ImageFormat};

use crate::display::{Image, Ink};
use crate::error::{Error, Result};
use crate::geom::Rect;
use crate::untrusted_image::{self, Rejection};

/// Largest accepted encoded image, bytes.
pub const MAX_IMPRESSION_BYTES: usize = 8 * 1024 * 1024;
/// Largest accepted width or height, pixels.
pub const MAX_IMPRESSION_SIDE_PX: u32 = 4096;
/// A registered impression must not fit inside a square of this side, mm.
pub const MIN_SEAL_MM: f32 = 8.0;
/// A registered impression must fit inside a square of this side, mm.
pub const MAX_SEAL_MM: f32 = 25.0;

/// How the physical size of a scanned impression is known.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ImpressionScale {
    /// The registered size: the impression's longer side (or its diameter), mm.
    SizeMm(f32),
    /// The resolution the registration scanned it at, dots per inch.
    Dpi(f32),
}

/// A registered impression: the ink isolated from the paper and cropped, with its scale.
#[derive(Clone, Debug, PartialEq)]
pub struct Impression {
    /// Ink coverage, row-major, `px_w * px_h` bytes: 0 = paper, 255 = full ink.
    pub coverage: Arc<Vec<u8>>,
    /// Width of the crop, pixels.
    pub px_w: u32,
    /// Height of the crop, pixels.
    pub px_h: u32,
    /// Size of one pixel, mm.
    pub mm_per_px: f32,
    /// The impression's extent inside the crop, pixels: x0, y0, x1, y1 (x1, y1 exclusive),
    /// measured at half coverage (the crop itself keeps the fainter rim around it).
    pub ink_px: (u32, u32, u32, u32),
    /// Where the crop lies in the scan, pixels: x, y.
    pub source_origin_px: (u32, u32),
}

impl Impression {
    /// The impression's physical extent (width, height), mm.
    pub fn size_mm(&self) -> (f32, f32) {
        let (x0, y0, x1, y1) = self.ink_px;
        (
            (x1 - x0) as f32 * self.mm_per_px,
            (y1 - y0) as f32 * self.mm_per_px,
        )
    }
}

fn image_err(field: &str, message: impl Into<String>) -> Error {
    Error::Image {
        field: field.to_string(),
        message: message.into(),
    }
}

/// Decodes a registration scan (PNG, JPEG, BMP or TIFF), isolates the ink, crops to the
/// impression and checks its registered size. `field` names the request field for errors.
///
/// Rejects, each with its own message: more than [`MAX_IMPRESSION_BYTES`] bytes or a side over
/// [`MAX_IMPRESSION_SIDE_PX`] (checked from the header, before any pixel is decoded); an
/// undecodable or unsupported image; no ink; a size that fits inside an 8 mm square or does not
/// fit inside a 25 mm square.
pub fn decode_impression(bytes: &[u8], scale: ImpressionScale, field: &str) -> Result<Impression> {
    if bytes.len() > MAX_IMPRESSION_BYTES {
        return Err(image_err(
            field,
            format!(
                "the impression image is larger than {} MB; send a scan of the impression alone \
                 (PNG, JPEG, BMP or TIFF, at most {MAX_IMPRESSION_SIDE_PX}×{MAX_IMPRESSION_SIDE_PX} pixels)",
                MAX_IMPRESSION_BYTES >> 20
            ),
        ));
    }
    match scale {
        ImpressionScale::SizeMm(s) if !(s.is_finite() && s > 0.0) => {
            return Err(Error::input(
                field,
                "the impression's registered size must be a positive number of mm",
            ));
        }
        ImpressionScale::Dpi(d) if !(d.is_finite() && (50.0..=4800.0).contains(&d)) => {
            return Err(Error::input(
                field,
                "the impression's scan resolution must be 50 to 4800 dpi",
            ));
        }
        _ => {}
    }
    let guard = untrusted_image::Guard {
        formats: &[
            ImageFormat::Png,
            ImageFormat::Jpeg,
            ImageFormat::Bmp,
            ImageFormat::Tiff,
        ],
        max_side: MAX_IMPRESSION_SIDE_PX,
        max_pixels: u64::from(MAX_IMPRESSION_SIDE_PX).pow(2),
        max_alloc: Some(u64::from(MAX_IMPRESSION_SIDE_PX).pow(2) * 8 + (64 << 20)),
    };
    let img = untrusted_image::decode(bytes, &guard).map_err(|r| match r {
        Rejection::Format => image_err(
            field,
            "the impression image is not a PNG, JPEG, BMP or TIFF (unrecognised or undecodable data)",
        ),
        Rejection::Empty => image_err(field, "the impression image is empty"),
        Rejection::TooLarge { w, h } => image_err(
            field,
            format!(
                "the impression image is {w}×{h} pixels, more than {MAX_IMPRESSION_SIDE_PX}×{MAX_IMPRESSION_SIDE_PX}; \
                 crop the scan to the impression or scan at a lower resolution"
            ),
        ),
        Rejection::Undecodable(e) => image_err(
            field,
            format!("the impression image cannot be decoded ({e}); send a PNG, JPEG, BMP or TIFF"),
        ),
    })?;
    let (w, h) = (img.width(), img.height());
    let rgb = to_rgb(img);
    let iso = isolate(&rgb, w, h).ok_or_else(|| {
        image_err(
            field,
            "no ink found in the impression image; send a scan that shows the seal's impression",
        )
    })?;
    let (x0, y0, x1, y1) = iso.ink_px;
    let (iw, ih) = (x1 - x0, y1 - y0);
    let mm_per_px = match scale {
        ImpressionScale::SizeMm(s) => s / iw.max(ih) as f32,
        ImpressionScale::Dpi(d) => 25.4 / d,
    };
    let (wm, hm) = (iw as f32 * mm_per_px, ih as f32 * mm_per_px);
    if wm.max(hm) <= MIN_SEAL_MM {
        return Err(image_err(
            field,
            format!(
                "the impression measures {wm:.1}×{hm:.1} mm and fits inside an {MIN_SEAL_MM} mm square, \
                 which registration does not allow; check the registered size or the scan dpi"
            ),
        ));
    }
    if wm > MAX_SEAL_MM || hm > MAX_SEAL_MM {
        return Err(image_err(
            field,
            format!(
                "the impression measures {wm:.1}×{hm:.1} mm and does not fit inside a {MAX_SEAL_MM} mm square, \
                 which registration does not allow; check the registered size or the scan dpi"
            ),
        ));
    }
    Ok(Impression {
        coverage: Arc::new(iso.coverage),
        px_w: iso.w,
        px_h: iso.h,
        mm_per_px,
        ink_px: iso.ink_px,
        source_origin_px: iso.origin,
    })
}

/// RGB bytes of any decoded image; transparent pixels are laid over white paper.
fn to_rgb(img: DynamicImage) -> Vec<u8> {
    if img.color().has_alpha() {
        let rgba = img.into_rgba8();
        let mut out = Vec::with_capacity(rgba.as_raw().len() / 4 * 3);
        for p in rgba.as_raw().chunks_exact(4) {
            let a = u32::from(p[3]);
            for &c in &p[..3] {
                out.push(((u32::from(c) * a + 255 * (255 - a) + 127) / 255) as u8);
            }
        }
        out
    } else {
        match img {
            DynamicImage::ImageRgb8(b) => b.into_raw(),
            other => other.into_rgb8().into_raw(),
        }
    }
}

/// Ink isolated from a scan.
pub(crate) struct Isolated {
    pub(crate) coverage: Vec<u8>,
    pub(crate) w: u32,
    pub(crate) h: u32,
    pub(crate) ink_px: (u32, u32, u32, u32),
    pub(crate) origin: (u32, u32),
}

/// Where paper lands on the projection (its noise stays visible on both sides).
const PAPER_LEVEL: i32 = 24;

/// Otsu's threshold over a histogram: the bin that best separates the two classes (values
/// above it form the upper class).
fn otsu(hist: &[u64]) -> usize {
    let total: u64 = hist.iter().sum();
    let sum: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &c)| i as f64 * c as f64)
        .sum();
    let (mut w0, mut s0, mut best, mut best_t) = (0u64, 0f64, -1f64, 0usize);
    for (t, &c) in hist.iter().enumerate() {
        w0 += c;
        s0 += t as f64 * c as f64;
        let w1 = total - w0;
        if w0 == 0 || w1 == 0 {
            continue;
        }
        let m0 = s0 / w0 as f64;
        let m1 = (sum - s0) / w1 as f64;
        let v = w0 as f64 * w1 as f64 * (m0 - m1) * (m0 - m1);
        if v > best {
            best = v;
            best_t = t;
        }
    }
    best_t
}

/// Separates ink from paper in an RGB scan and crops to the impression; `None` when there is
/// no ink. Works in a few linear passes with buffers allocated once per call:
/// 1. the paper colour (per-channel histogram mode);
/// 2. the ink colour (Otsu on the colour distance to the paper);
/// 3. each pixel's projection onto the paper→ink direction, smoothed 3×3 (noise falls,
///    the ink's level does not);
/// 4. a coverage ramp from just above the paper's noise to well inside the ink's level;
/// 5. specks (small isolated components) dropped, then the crop.
pub(crate) fn isolate(rgb: &[u8], w: u32, h: u32) -> Option<Isolated> {
    let (wu, hu) = (w as usize, h as usize);
    let n = wu.checked_mul(hu)?;
    if n == 0 || rgb.len() < n * 3 {
        return None;
    }
    let rgb = &rgb[..n * 3];

    // 1. Paper: the most common level of each channel (smoothed histogram).
    // Passes 1 and 2 estimate colours: every other pixel of every other row is plenty.
    let sample = || {
        rgb.chunks_exact(wu * 3)
            .step_by(2)
            .flat_map(|row| row.chunks_exact(3).step_by(2))
    };
    let mut hist = [[0u32; 256]; 3];
    for p in sample() {
        hist[0][usize::from(p[0])] += 1;
        hist[1][usize::from(p[1])] += 1;
        hist[2][usize::from(p[2])] += 1;
    }
    let mut paper = [0i32; 3];
    for (c, hc) in hist.iter().enumerate() {
        let mut best = (0u32, 0usize);
        for v in 0..256usize {
            let s: u32 = hc[v.saturating_sub(3)..(v + 4).min(256)].iter().sum();
            if s > best.0 {
                best = (s, v);
            }
        }
        paper[c] = best.1 as i32;
    }

    // 2. Ink colour: Otsu on the distance to paper; mean colour of the far class.
    const DB: usize = 443;
    let mut dh = vec![0u64; DB];
    let mut dsum = vec![[0u64; 3]; DB];
    for p in sample() {
        let (dr, dg, db) = (
            i32::from(p[0]) - paper[0],
            i32::from(p[1]) - paper[1],
            i32::from(p[2]) - paper[2],
        );
        let d = ((dr * dr + dg * dg + db * db) as f32).sqrt() as usize;
        let d = d.min(DB - 1);
        dh[d] += 1;
        dsum[d][0] += u64::from(p[0]);
        dsum[d][1] += u64::from(p[1]);
        dsum[d][2] += u64::from(p[2]);
    }
    let t = otsu(&dh);
    let (mut cnt, mut acc) = (0u64, [0u64; 3]);
    for d in t + 1..DB {
        cnt += dh[d];
        for c in 0..3 {
            acc[c] += dsum[d][c];
        }
    }
    if cnt == 0 {
        return None;
    }
    let dir = [0, 1, 2].map(|c| acc[c] as f32 / cnt as f32 - paper[c] as f32);
    let contrast = (dir[0] * dir[0] + dir[1] * dir[1] + dir[2] * dir[2]).sqrt();
    if contrast < 40.0 {
        return None;
    }
    // Direction in 1/256ths, scaled so the ink lands near 232 and paper at PAPER_LEVEL (its
    // noise is seen on both sides, not clipped at 0).
    let k = (200.0 / contrast).min(1.0);
    let u = dir.map(|d| (d / contrast * k * 256.0).round() as i32);

    // 3. Projection, then a 3×3 box (separable: row sums, then column sums).
    let mut proj = vec![0u8; n];
    for (o, p) in proj.iter_mut().zip(rgb.chunks_exact(3)) {
        let s = (i32::from(p[0]) - paper[0]) * u[0]
            + (i32::from(p[1]) - paper[1]) * u[1]
            + (i32::from(p[2]) - paper[2]) * u[2];
        *o = ((s >> 8) + PAPER_LEVEL).clamp(0, 255) as u8;
    }
    let mut rows = vec![0u16; n];
    for (src, dst) in proj.chunks_exact(wu).zip(rows.chunks_exact_mut(wu)) {
        // Edges repeat their pixel; the interior is a plain sliding sum.
        let at = |x: usize| u16::from(src[x.min(wu - 1)]);
        dst[0] = at(0) * 2 + at(1);
        dst[wu - 1] = at(wu.saturating_sub(2)) + at(wu - 1) * 2;
        for (d, win) in dst[1..].iter_mut().zip(src.windows(3)) {
            *d = u16::from(win[0]) + u16::from(win[1]) + u16::from(win[2]);
        }
    }
    let mut sh = [0u32; 256];
    for y in 0..hu {
        let (a, b, c) = (y.saturating_sub(1) * wu, y * wu, (y + 1).min(hu - 1) * wu);
        let (ra, rb, rc) = (&rows[a..a + wu], &rows[b..b + wu], &rows[c..c + wu]);
        for (((o, &p), &q), &r) in proj[b..b + wu].iter_mut().zip(ra).zip(rb).zip(rc) {
            let s = u32::from(p) + u32::from(q) + u32::from(r);
            // (s + 4) / 9 without a division: 7282 / 65536 ≈ 1/9 (exact for s ≤ 2295).
            let v = (((s + 4) * 7282) >> 16) as u8;
            *o = v;
            sh[usize::from(v)] += 1;
        }
    }
    let sh: Vec<u64> = sh.iter().map(|&c| u64::from(c)).collect();

    // 4. Levels. Paper: the histogram's peak, its noise measured on the side away from the
    // ink (which ink never reaches). Ink: the median above Otsu's split.
    let t2 = otsu(&sh);
    let peak = (0..=t2)
        .max_by_key(|&v| (sh[v], usize::MAX - v))
        .unwrap_or(0);
    let (mut pc, mut pss) = (0f64, 0f64);
    for (v, &c) in sh.iter().enumerate().take(peak) {
        pc += c as f64;
        pss += ((peak - v) * (peak - v)) as f64 * c as f64;
    }
    let sd = if pc > 0.0 { (pss / pc).sqrt() } else { 1.0 };
    let ink_n: u64 = sh[t2 + 1..].iter().sum();
    if ink_n == 0 {
        return None;
    }
    let mut seen = 0u64;
    let mut median = 255usize;
    for (v, &c) in sh.iter().enumerate().skip(t2 + 1) {
        seen += c;
        if seen * 2 >= ink_n {
            median = v;
            break;
        }
    }
    let lo = (peak as f64 + 5.0 * sd + 2.0) as f32;
    let m = median as f32;
    if m - lo < 24.0 {
        return None;
    }
    let hi = lo + (0.5 * (m - lo)).max(8.0);
    let mut ramp = [0u8; 256];
    for (v, r) in ramp.iter_mut().enumerate() {
        *r = (((v as f32 - lo) / (hi - lo)).clamp(0.0, 1.0) * 255.0).round() as u8;
    }
    let mut cov = proj;

    // 5. Components (8-connected, union-find on a label plane); drop specks.
    drop(rows);
    let mut labels = vec![0u32; n];
    let mut parent: Vec<u32> = vec![0];
    for y in 0..hu {
        for x in 0..wu {
            let i = y * wu + x;
            // The ramp is applied here, in the same pass.
            let c = ramp[usize::from(cov[i])];
            cov[i] = c;
            if c == 0 {
                continue;
            }
            // Decision tree for 8-connectivity: N already joins NW and NE; W joins NW.
            let w_ = if x > 0 { labels[i - 1] } else { 0 };
            let (nw, n_, ne) = if y > 0 {
                let up = i - wu;
                (
                    if x > 0 { labels[up - 1] } else { 0 },
                    labels[up],
                    if x + 1 < wu { labels[up + 1] } else { 0 },
                )
            } else {
                (0, 0, 0)
            };
            let mut lab = 0u32;
            if n_ != 0 {
                lab = n_;
            } else if w_ != 0 {
                lab = w_;
                join(&mut parent, &mut lab, ne);
            } else {
                join(&mut parent, &mut lab, nw);
                join(&mut parent, &mut lab, ne);
            }
            if lab == 0 {
                lab = parent.len() as u32;
                parent.push(lab);
            }
            labels[i] = lab;
        }
    }
    // Every label points at a smaller one or itself, so one forward sweep resolves roots.
    for l in 0..parent.len() {
        let p = parent[l] as usize;
        parent[l] = parent[p];
    }
    let mut mass = vec![0u64; parent.len()];
    let mut total = 0u64;
    for (l, &c) in labels.iter_mut().zip(cov.iter()) {
        if *l != 0 {
            *l = parent[*l as usize];
            mass[*l as usize] += u64::from(c);
            total += u64::from(c);
        }
    }
    let keep_min = (total / 4000).max(255 * 5);
    let (mut bx0, mut by0, mut bx1, mut by1) = (u32::MAX, u32::MAX, 0u32, 0u32);
    let (mut ix0, mut iy0, mut ix1, mut iy1) = (u32::MAX, u32::MAX, 0u32, 0u32);
    for y in 0..h {
        for x in 0..w {
            let i = y as usize * wu + x as usize;
            let l = labels[i];
            if l == 0 {
                continue;
            }
            if mass[l as usize] < keep_min {
                cov[i] = 0;
                continue;
            }
            (bx0, by0, bx1, by1) = (bx0.min(x), by0.min(y), bx1.max(x + 1), by1.max(y + 1));
            if cov[i] >= 128 {
                (ix0, iy0, ix1, iy1) = (ix0.min(x), iy0.min(y), ix1.max(x + 1), iy1.max(y + 1));
            }
        }
    }
    if ix1 <= ix0 || iy1 <= iy0 {
        return None;
    }
    let (cw, ch) = (bx1 - bx0, by1 - by0);
    let mut out = Vec::with_capacity(cw as usize * ch as usize);
    for y in by0..by1 {
        let s = y as usize * wu + bx0 as usize;
        out.extend_from_slice(&cov[s..s + cw as usize]);
    }
    Some(Isolated {
        coverage: out,
        w: cw,
        h: ch,
        ink_px: (ix0 - bx0, iy0 - by0, ix1 - bx0, iy1 - by0),
        origin: (bx0, by0),
    })
}

/// The root of a label (with path halving).
fn find(parent: &mut [u32], mut a: u32) -> u32 {
    while let Some(&p) = parent.get(a as usize) {
        if p == a {
            break;
        }
        let g = parent.get(p as usize).copied().unwrap_or(p);
        if let Some(slot) = parent.get_mut(a as usize) {
            *slot = g;
        }
        a = g;
    }
    a
}

/// Merges label `l` (a neighbour's) into the current pixel's label `lab` (0 = none yet).
fn join(parent: &mut [u32], lab: &mut u32, l: u32) {
    if l == 0 {
        return;
    }
    let r = find(parent, l);
    if *lab == 0 {
        *lab = r;
    } else if r != *lab {
        let (a, b) = if r < *lab { (r, *lab) } else { (*lab, r) };
        if let Some(slot) = parent.get_mut(b as usize) {
            *slot = a;
        }
        *lab = a;
    }
}

/// The impression as an image in the layout's `ink` ([`Ink::Red`] for 朱肉) centred in
/// `seal_box` at its registered physical size (never scaled to the box). Errors when the
/// impression is larger than the box.
pub fn place_impression(imp: &Impression, seal_box: Rect, ink: Ink, field: &str) -> Result<Image> {
    let (w, h) = imp.size_mm();
    if w > seal_box.w + 1e-3 || h > seal_box.h + 1e-3 {
        return Err(image_err(
            field,
            format!(
                "the registered impression measures {w:.1}×{h:.1} mm, larger than the layout's seal box \
                 ({:.1}×{:.1} mm); use a layout with a larger seal box",
                seal_box.w, seal_box.h
            ),
        ));
    }
    let k = imp.mm_per_px;
    let (x0, y0, x1, y1) = imp.ink_px;
    let ink_cx = (x0 + x1) as f32 / 2.0 * k;
    let ink_cy = (y0 + y1) as f32 / 2.0 * k;
    let bx = seal_box.x + seal_box.w / 2.0 - ink_cx;
    let by = seal_box.y + seal_box.h / 2.0 - ink_cy;
    Ok(Image {
        rect: Rect::from_xywh(bx, by, imp.px_w as f32 * k, imp.px_h as f32 * k),
        px_w: imp.px_w,
        px_h: imp.px_h,
        coverage: imp.coverage.clone(),
        ink,
    })
}
