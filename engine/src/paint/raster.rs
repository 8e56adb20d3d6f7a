//! Rasterising display items other than glyphs into coverage planes: paths (fill, even-odd,
//! stroke) through tiny-skia, 1-bit dot fields, coverage images; and the union blit.

use tiny_skia::{FillRule, IntSize, LineCap, LineJoin, Mask, PathBuilder, Stroke, Transform};

use crate::display::{BitMask, CmykImage, Image, Ink, Paint, PathCmd, Shape};

use super::Planes;

/// Rounds a pixel coordinate to the nearest whole pixel, saturating.
pub(crate) fn round_px(v: f32) -> i32 {
    if v.is_nan() {
        return 0;
    }
    v.round().clamp(i32::MIN as f32, i32::MAX as f32) as i32
}

/// x·y/255 rounded, for x, y in 0..=255.
#[inline]
fn mul255(x: u32, y: u32) -> u32 {
    let p = x * y + 128;
    (p + (p >> 8)) >> 8
}

/// Union of two coverages: a + b − a·b/255.
#[inline]
fn union(a: u8, b: u8) -> u8 {
    let (a, b) = (u32::from(a), u32::from(b));
    (a + b - mul255(a, b)) as u8
}

/// Blits `src` (`sw × sh` coverage) into `plane` (`pw × ph`) with its top-left pixel at
/// (`x`, `y`), by union, clipped to the plane.
#[allow(clippy::too_many_arguments)]
pub(crate) fn blit_union(
    plane: &mut [u8],
    pw: u32,
    ph: u32,
    src: &[u8],
    sw: u32,
    sh: u32,
    x: i32,
    y: i32,
) {
    let (x, y) = (i64::from(x), i64::from(y));
    let (x0, y0) = (x.max(0), y.max(0));
    let x1 = (x + i64::from(sw)).min(i64::from(pw));
    let y1 = (y + i64::from(sh)).min(i64::from(ph));
    if x0 >= x1 || y0 >= y1 || src.len() < sw as usize * sh as usize {
        return;
    }
    let n = (x1 - x0) as usize;
    for dy in y0..y1 {
        let s_off = (dy - y) as usize * sw as usize + (x0 - x) as usize;
        let d_off = dy as usize * pw as usize + x0 as usize;
        let (Some(s), Some(d)) = (src.get(s_off..s_off + n), plane.get_mut(d_off..d_off + n))
        else {
            return;
        };
        for (d, &s) in d.iter_mut().zip(s) {
            *d = union(*d, s);
        }
    }
}

/// Fills a tiny-skia path (in pixels) into the plane of `ink`, anti-aliased, by union.
/// Axis-aligned edges on whole pixels come out binary.
pub(crate) fn fill_path(planes: &mut Planes, ink: Ink, path: &tiny_skia::Path, rule: FillRule) {
    let (w, h) = (planes.width, planes.height);
    let Some(size) = IntSize::from_wh(w, h) else {
        return;
    };
    let Some(slot) = planes.planes.get_mut(ink.index()) else {
        return;
    };
    if slot.len() != w as usize * h as usize {
        return;
    }
    // The plane is lent to a tiny-skia mask (no copy): its blitter lerps towards full
    // coverage, which is the union.
    let Some(mut mask) = Mask::from_vec(std::mem::take(slot), size) else {
        return;
    };
    mask.fill_path(path, rule, true, Transform::identity());
    *slot = mask.take();
}

/// Converts a display path (mm) to a tiny-skia path in pixels.
fn to_px_path(cmds: &[PathCmd], k: f32) -> Option<tiny_skia::Path> {
    let mut pb = PathBuilder::with_capacity(cmds.len(), cmds.len() * 3);
    for c in cmds {
        match *c {
            PathCmd::MoveTo(x, y) => pb.move_to(x * k, y * k),
            PathCmd::LineTo(x, y) => pb.line_to(x * k, y * k),
            PathCmd::QuadTo(cx, cy, x, y) => pb.quad_to(cx * k, cy * k, x * k, y * k),
            PathCmd::CubicTo(ax, ay, bx, by, x, y) => {
                pb.cubic_to(ax * k, ay * k, bx * k, by * k, x * k, y * k)
            }
            PathCmd::Close => pb.close(),
        }
    }
    pb.finish()
}

/// Paints a filled or stroked path.
pub(crate) fn paint_shape(planes: &mut Planes, s: &Shape) {
    let k = planes.px_per_mm();
    let Some(path) = to_px_path(&s.path.cmds, k) else {
        return;
    };
    match s.paint {
        Paint::Fill => fill_path(planes, s.ink, &path, FillRule::Winding),
        Paint::FillEvenOdd => fill_path(planes, s.ink, &path, FillRule::EvenOdd),
        Paint::Stroke(width_mm) => {
            let width = width_mm * k;
            if !(width.is_finite() && width > 0.0) {
                return;
            }
            let stroke = Stroke {
                width,
                miter_limit: 4.0,
                line_cap: LineCap::Butt,
                line_join: LineJoin::Miter,
                dash: None,
            };
            if let Some(outline) = path.stroke(&stroke, 1.0) {
                fill_path(planes, s.ink, &outline, FillRule::Winding);
            }
        }
    }
}

/// Each byte of a 1-bit row expanded to eight 0/255 pixels (most significant bit first), as a
/// native-endian u64 ready to OR into the plane.
const fn expand_table() -> [u64; 256] {
    let mut t = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        let mut px = [0u8; 8];
        let mut i = 0;
        while i < 8 {
            if b & (0x80 >> i) != 0 {
                px[i] = 255;
            }
            i += 1;
        }
        t[b] = u64::from_ne_bytes(px);
        b += 1;
    }
    t
}

static EXPAND: [u64; 256] = expand_table();

/// Paints a 1-bit dot field: copied bit for bit as 0/255 pixels when the plane's dpi is the
/// mask's, area-averaged to coverage otherwise.
pub(crate) fn paint_bitmask(planes: &mut Planes, m: &BitMask) {
    if m.dpi == 0 || m.px_w == 0 || m.px_h == 0 {
        return;
    }
    if (m.stride as usize) < (m.px_w as usize).div_ceil(8)
        || m.bits.len() < m.stride as usize * m.px_h as usize
    {
        return;
    }
    if m.dpi == planes.dpi {
        copy_bitmask(planes, m);
    } else {
        let scale = m.dpi as f32 / planes.dpi as f32;
        let k = planes.px_per_mm();
        let rect = (
            m.x * k,
            m.y * k,
            m.px_w as f32 / scale,
            m.px_h as f32 / scale,
        );
        resample_into(planes, m.ink, rect, m.px_w, m.px_h, |x, y| {
            if m.get(x, y) {
                255
            } else {
                0
            }
        });
    }
}

/// The 1:1 copy: a set bit makes its pixel 255 (union with full ink), a clear bit leaves it.
fn copy_bitmask(planes: &mut Planes, m: &BitMask) {
    let k = planes.px_per_mm();
    let (ox, oy) = (i64::from(round_px(m.x * k)), i64::from(round_px(m.y * k)));
    let (pw, ph) = (i64::from(planes.width), i64::from(planes.height));
    let Some(plane) = planes.planes.get_mut(m.ink.index()) else {
        return;
    };
    let y0 = oy.max(0);
    let y1 = (oy + i64::from(m.px_h)).min(ph);
    let x_lo = ox.max(0);
    let x_hi = (ox + i64::from(m.px_w)).min(pw);
    if x_lo >= x_hi || y0 >= y1 {
        return;
    }
    for py in y0..y1 {
        let sy = (py - oy) as usize;
        let Some(src) = m
            .bits
            .get(sy * m.stride as usize..(sy + 1) * m.stride as usize)
        else {
            return;
        };
        let row_off = py * pw;
        for (bx, &byte) in src.iter().enumerate() {
            if byte == 0 {
                continue;
            }
            let px0 = ox + 8 * bx as i64;
            let bits_here = (i64::from(m.px_w) - 8 * bx as i64).min(8);
            if bits_here <= 0 {
                break;
            }
            if px0 >= x_lo && px0 + 8 <= x_hi && bits_here == 8 {
                let d = (row_off + px0) as usize;
                if let Some(dst) = plane.get_mut(d..d + 8) {
                    let mut v = [0u8; 8];
                    v.copy_from_slice(dst);
                    let w = u64::from_ne_bytes(v) | EXPAND[usize::from(byte)];
                    dst.copy_from_slice(&w.to_ne_bytes());
                }
            } else {
                for i in 0..bits_here {
                    let px = px0 + i;
                    if px >= x_lo && px < x_hi && byte & (0x80 >> i) != 0 {
                        if let Some(d) = plane.get_mut((row_off + px) as usize) {
                            *d = 255;
                        }
                    }
                }
            }
        }
    }
}

/// Paints a coverage image scaled to its rectangle.
pub(crate) fn paint_image(planes: &mut Planes, im: &Image) {
    if im.px_w == 0 || im.px_h == 0 || im.coverage.len() < im.px_w as usize * im.px_h as usize {
        return;
    }
    let k = planes.px_per_mm();
    let rect = (im.rect.x * k, im.rect.y * k, im.rect.w * k, im.rect.h * k);
    let w = im.px_w as usize;
    resample_into(planes, im.ink, rect, im.px_w, im.px_h, |x, y| {
        im.coverage
            .get(y as usize * w + x as usize)
            .copied()
            .unwrap_or(0)
    });
}

/// Paints a DeviceCMYK image as its visible appearance: its luminance under the block-dye
/// model of [`crate::security::ir`], as darkness in the black plane. The planes hold inks, not
/// colorants, so the K-versus-CMY separation (the infrared feature) is not in a raster output;
/// the picture is grey-balanced, so its grey is what the eye sees of it.
pub(crate) fn paint_cmyk(planes: &mut Planes, im: &CmykImage) {
    if im.px_w == 0 || im.px_h == 0 || im.data.len() < 4 * im.px_w as usize * im.px_h as usize {
        return;
    }
    let cov = crate::security::ir::visible_coverage(im);
    let k = planes.px_per_mm();
    let rect = (im.rect.x * k, im.rect.y * k, im.rect.w * k, im.rect.h * k);
    let w = im.px_w as usize;
    resample_into(planes, Ink::Black, rect, im.px_w, im.px_h, |x, y| {
        cov.get(y as usize * w + x as usize).copied().unwrap_or(0)
    });
}

/// For each destination pixel along one axis, the source samples it reads and their weights.
struct AxisTaps {
    /// First destination pixel.
    d0: i64,
    /// Per destination pixel: range into `taps`.
    spans: Vec<(usize, usize)>,
    taps: Vec<(u32, f32)>,
}

/// Taps mapping source pixels `0..n` onto destination interval [`pos`, `pos + len`), clipped
/// to `0..limit`. Area average where the source is denser than the destination, linear
/// interpolation (clamped at the edges) where it is sparser. Edge pixels partly covered by the
/// interval get proportionally less.
fn axis_taps(pos: f32, len: f32, n: u32, limit: u32) -> Option<AxisTaps> {
    if !(pos.is_finite() && len.is_finite() && len > 0.0) || n == 0 {
        return None;
    }
    let d0 = (pos.floor() as i64).max(0);
    let d1 = ((pos + len).ceil() as i64).min(i64::from(limit));
    if d0 >= d1 {
        return None;
    }
    let ratio = n as f32 / len; // source pixels per destination pixel
    let mut spans = Vec::with_capacity((d1 - d0) as usize);
    let mut taps = Vec::new();
    for d in d0..d1 {
        let start = taps.len();
        // The part of this destination pixel inside the interval.
        let a = (d as f32).max(pos);
        let b = ((d + 1) as f32).min(pos + len);
        let inside = (b - a).max(0.0);
        if ratio >= 1.0 {
            let (s0, s1) = ((a - pos) * ratio, (b - pos) * ratio);
            let total = s1 - s0;
            if total > 0.0 {
                let mut s = s0.floor().max(0.0) as u32;
                while (s as f32) < s1 && s < n {
                    let lo = (s as f32).max(s0);
                    let hi = ((s + 1) as f32).min(s1);
                    if hi > lo {
                        taps.push((s, (hi - lo) / total * inside));
                    }
                    s += 1;
                }
            }
        } else if inside > 0.0 {
            let c = ((d as f32 + 0.5 - pos) * ratio - 0.5).clamp(0.0, (n - 1) as f32);
            let i = c.floor() as u32;
            let f = c - i as f32;
            taps.push((i, (1.0 - f) * inside));
            if f > 0.0 && i + 1 < n {
                taps.push((i + 1, f * inside));
            }
        }
        spans.push((start, taps.len()));
    }
    Some(AxisTaps { d0, spans, taps })
}

/// Resamples an `n_w × n_h` coverage source (read through `get`) onto the pixel rectangle
/// `(x, y, w, h)` of `ink`'s plane, by union.
fn resample_into(
    planes: &mut Planes,
    ink: Ink,
    rect: (f32, f32, f32, f32),
    n_w: u32,
    n_h: u32,
    get: impl Fn(u32, u32) -> u8,
) {
    let (Some(tx), Some(ty)) = (
        axis_taps(rect.0, rect.2, n_w, planes.width),
        axis_taps(rect.1, rect.3, n_h, planes.height),
    ) else {
        return;
    };
    let pw = planes.width as usize;
    let Some(plane) = planes.planes.get_mut(ink.index()) else {
        return;
    };
    // One source row weighted along x at a time, accumulated per destination row.
    let cols = tx.spans.len();
    let mut acc = vec![0f32; cols];
    for (j, &(ya, yb)) in ty.spans.iter().enumerate() {
        acc.iter_mut().for_each(|a| *a = 0.0);
        for &(sy, wy) in ty.taps.get(ya..yb).unwrap_or(&[]) {
            for (i, &(xa, xb)) in tx.spans.iter().enumerate() {
                let mut v = 0.0;
                for &(sx, wx) in tx.taps.get(xa..xb).unwrap_or(&[]) {
                    v += wx * f32::from(get(sx, sy));
                }
                if let Some(a) = acc.get_mut(i) {
                    *a += wy * v;
                }
            }
        }
        let row = (ty.d0 as usize + j) * pw + tx.d0 as usize;
        let Some(dst) = plane.get_mut(row..row + cols) else {
            return;
        };
        for (d, &a) in dst.iter_mut().zip(&acc) {
            let c = a.round().clamp(0.0, 255.0) as u8;
            *d = union(*d, c);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn union_is_exact_at_the_ends() {
        for a in 0..=255u8 {
            assert_eq!(union(a, 0), a);
            assert_eq!(union(a, 255), 255);
            assert_eq!(union(0, a), a);
        }
        assert_eq!(union(128, 128), 192);
    }

    #[test]
    fn expand_table_is_msb_first() {
        let px = EXPAND[0b1010_0001].to_ne_bytes();
        assert_eq!(px, [255, 0, 255, 0, 0, 0, 0, 255]);
    }

    #[test]
    fn area_taps_sum_to_one_per_full_pixel() {
        let t = axis_taps(10.0, 25.0, 100, 1000).unwrap();
        assert_eq!(t.d0, 10);
        assert_eq!(t.spans.len(), 25);
        for &(a, b) in &t.spans {
            let s: f32 = t.taps[a..b].iter().map(|t| t.1).sum();
            assert!((s - 1.0).abs() < 1e-4, "{s}");
        }
    }
}
