//! Acceptance metrics (security-print.md §8): latent contrast and block IoU, tone uniformity,
//! microtext legibility by normalised cross-correlation, line-mask IoU.

use super::microtext::{glyph, MicrotextLine, CHARSET, GLYPH_H, GLYPH_W};
use super::sim::GrayF32;

/// Square blocks over an image, placed every `stride_px` (overlapping where the stride is
/// smaller than the block), and the fraction of each block inside the latent word.
#[derive(Clone, Debug)]
pub struct BlockMap {
    /// Block side, px.
    pub block_px: u32,
    /// Distance between block origins, px.
    pub stride_px: u32,
    /// Margin left out on every side, px (placement rotation brings paper in at the borders).
    pub margin_px: u32,
    /// Blocks across.
    pub cols: u32,
    /// Blocks down.
    pub rows: u32,
    /// Per block, the fraction of its pixels inside the word.
    pub frac: Vec<f32>,
}

/// Summed-area table with a zero first row and column.
fn integral(w: u32, h: u32, v: impl Fn(u32, u32) -> f64) -> Vec<f64> {
    let (w1, h1) = (w as usize + 1, h as usize + 1);
    let mut s = vec![0.0f64; w1 * h1];
    for y in 0..h as usize {
        let mut row = 0.0;
        for x in 0..w as usize {
            row += v(x as u32, y as u32);
            s[(y + 1) * w1 + x + 1] = s[y * w1 + x + 1] + row;
        }
    }
    s
}

impl BlockMap {
    /// Builds the map for a `w`×`h` image; `in_word(x, y)` says whether a pixel is in the word.
    pub fn new(
        w: u32,
        h: u32,
        block_px: u32,
        stride_px: u32,
        margin_px: u32,
        in_word: &dyn Fn(u32, u32) -> bool,
    ) -> Self {
        let (b, st) = (block_px.max(1), stride_px.max(1));
        let span = |n: u32| {
            let room = n.saturating_sub(2 * margin_px);
            if room < b {
                0
            } else {
                (room - b) / st + 1
            }
        };
        let (cols, rows) = (span(w), span(h));
        let sat = integral(w, h, |x, y| f64::from(u8::from(in_word(x, y))));
        let mut map = BlockMap {
            block_px: b,
            stride_px: st,
            margin_px,
            cols,
            rows,
            frac: Vec::new(),
        };
        let area = f64::from(b * b);
        map.frac = map
            .sums(&sat, w)
            .into_iter()
            .map(|s| (s / area) as f32)
            .collect();
        map
    }

    fn sums(&self, sat: &[f64], w: u32) -> Vec<f64> {
        let w1 = w as usize + 1;
        let mut out = Vec::with_capacity((self.cols * self.rows) as usize);
        for r in 0..self.rows {
            for c in 0..self.cols {
                let (x0, y0) = (
                    (self.margin_px + c * self.stride_px) as usize,
                    (self.margin_px + r * self.stride_px) as usize,
                );
                let (x1, y1) = (x0 + self.block_px as usize, y0 + self.block_px as usize);
                out.push(
                    sat[y1 * w1 + x1] - sat[y0 * w1 + x1] - sat[y1 * w1 + x0] + sat[y0 * w1 + x0],
                );
            }
        }
        out
    }

    /// Mean darkness of every block of `img` (the image the map was built for).
    pub fn block_means(&self, img: &GrayF32) -> Vec<f32> {
        let sat = integral(img.w, img.h, |x, y| {
            f64::from(img.data[(y * img.w + x) as usize])
        });
        let area = f64::from(self.block_px * self.block_px);
        self.sums(&sat, img.w)
            .into_iter()
            .map(|s| (s / area) as f32)
            .collect()
    }
}

/// Latent contrast of one image.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LatentContrast {
    /// Δ = mean d over blocks wholly in the word − mean d over blocks wholly outside it (NaN
    /// where either kind of block is missing).
    pub delta: f32,
    /// IoU of the thresholded block map (the side the word falls on) against the word mask
    /// (blocks at least half in the word).
    pub iou: f32,
    /// Mean d of the word blocks.
    pub word_mean: f32,
    /// Mean d of the background blocks.
    pub background_mean: f32,
    /// Blocks wholly in the word.
    pub word_blocks: u32,
    /// Blocks wholly in the background.
    pub background_blocks: u32,
}

/// Δ and block IoU (§1 metric). Blocks straddling an edge are left out of Δ; the IoU threshold
/// is halfway between the two means and the predicted word is the side the word's mean lies on.
pub fn latent_contrast(img: &GrayF32, map: &BlockMap) -> LatentContrast {
    let means = map.block_means(img);
    let (mut sw, mut nw, mut sb, mut nb) = (0.0f64, 0u32, 0.0f64, 0u32);
    for (m, f) in means.iter().zip(&map.frac) {
        if *f >= 1.0 {
            sw += f64::from(*m);
            nw += 1;
        } else if *f <= 0.0 {
            sb += f64::from(*m);
            nb += 1;
        }
    }
    let wm = if nw > 0 {
        (sw / f64::from(nw)) as f32
    } else {
        0.0
    };
    let bm = if nb > 0 {
        (sb / f64::from(nb)) as f32
    } else {
        0.0
    };
    let thr = (wm + bm) / 2.0;
    let (mut inter, mut union) = (0u32, 0u32);
    for (m, f) in means.iter().zip(&map.frac) {
        let truth = *f >= 0.5;
        let pred = if wm >= bm { *m > thr } else { *m < thr };
        inter += u32::from(truth && pred);
        union += u32::from(truth || pred);
    }
    LatentContrast {
        delta: if nw > 0 && nb > 0 { wm - bm } else { f32::NAN },
        iou: if union > 0 {
            inter as f32 / union as f32
        } else {
            0.0
        },
        word_mean: wm,
        background_mean: bm,
        word_blocks: nw,
        background_blocks: nb,
    }
}

/// Variance of the means of `block_px` blocks tiled over the image (tone uniformity).
pub fn local_mean_variance(img: &GrayF32, block_px: u32) -> f32 {
    let map = BlockMap::new(img.w, img.h, block_px, block_px, 0, &|_, _| false);
    let means = map.block_means(img);
    let n = means.len().max(1) as f64;
    let mu = means.iter().map(|m| f64::from(*m)).sum::<f64>() / n;
    (means
        .iter()
        .map(|m| (f64::from(*m) - mu).powi(2))
        .sum::<f64>()
        / n) as f32
}

/// Normalised cross-correlation (Pearson) of two equal-length samples; 0 where either is flat.
pub fn ncc(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    if n == 0 {
        return 0.0;
    }
    let ma = a[..n].iter().map(|v| f64::from(*v)).sum::<f64>() / n as f64;
    let mb = b[..n].iter().map(|v| f64::from(*v)).sum::<f64>() / n as f64;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a[..n].iter().zip(&b[..n]) {
        let (da, db) = (f64::from(*x) - ma, f64::from(*y) - mb);
        sab += da * db;
        saa += da * da;
        sbb += db * db;
    }
    if saa < 1e-12 || sbb < 1e-12 {
        return 0.0;
    }
    (sab / (saa * sbb).sqrt()) as f32
}

/// How well the glyphs of a microtext line read in an image.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GlyphScore {
    /// Fraction of glyphs whose best template is the right one.
    pub accuracy: f32,
    /// Mean NCC of each glyph with its own template (best over the search window).
    pub mean_ncc: f32,
    /// Glyphs scored (spaces are skipped).
    pub glyphs: u32,
}

/// A template: width, height, darkness.
type Template = (u32, u32, Vec<f32>);

/// A clean template of `c`: the glyph with a one-font-pixel paper margin, at `scale` image
/// pixels per font pixel, turned 90° clockwise for vertical lines.
fn template(c: char, scale: u32, vertical: bool) -> Template {
    let g = glyph(c).unwrap_or_default();
    let (fw, fh) = if vertical {
        (GLYPH_H + 2, GLYPH_W + 2)
    } else {
        (GLYPH_W + 2, GLYPH_H + 2)
    };
    let (w, h) = (fw * scale, fh * scale);
    let mut v = vec![0.0f32; (w * h) as usize];
    for y in 0..h {
        for x in 0..w {
            let (fx, fy) = (x / scale, y / scale);
            if fx == 0 || fy == 0 || fx > fw - 2 || fy > fh - 2 {
                continue;
            }
            let (col, row) = if vertical {
                (fy - 1, GLYPH_H - 1 - (fx - 1))
            } else {
                (fx - 1, fy - 1)
            };
            if g[row as usize] & (0x10 >> col) != 0 {
                v[(y * w + x) as usize] = 1.0;
            }
        }
    }
    (w, h, v)
}

/// Classifies every glyph of `line` in `img` by NCC against the clean templates of the whole
/// charset. `line_origin_600` is where the line's bit mask's top-left pixel lies in `img`, in
/// 600-dpi pixels; `search_px` is the registration search radius in image pixels.
pub fn microtext_ncc(
    img: &GrayF32,
    line: &MicrotextLine,
    line_origin_600: (f64, f64),
    search_px: i64,
) -> GlyphScore {
    let f = f64::from(img.dpi) / 600.0;
    let scale = ((f64::from(line.module) * f).round() as u32).max(1);
    let templates: Vec<(char, Template)> = CHARSET
        .chars()
        .map(|c| (c, template(c, scale, line.vertical)))
        .collect();
    let (mut right, mut total, mut ncc_sum) = (0u32, 0u32, 0.0f64);
    let mut crop = Vec::new();
    for (c, bx, by) in &line.glyphs {
        if *c == ' ' {
            continue;
        }
        // Template top-left = glyph top-left minus one font pixel of margin.
        let gx = (line_origin_600.0 + f64::from(*bx)) * f - f64::from(scale);
        let gy = (line_origin_600.1 + f64::from(*by)) * f - f64::from(scale);
        let (gx, gy) = (gx.round() as i64, gy.round() as i64);
        let mut best: (f32, char) = (f32::MIN, ' ');
        let mut own = f32::MIN;
        for (tc, (tw, th, tv)) in &templates {
            let mut tbest = f32::MIN;
            for dy in -search_px..=search_px {
                for dx in -search_px..=search_px {
                    crop.clear();
                    for y in 0..i64::from(*th) {
                        for x in 0..i64::from(*tw) {
                            crop.push(img.get(gx + dx + x, gy + dy + y));
                        }
                    }
                    tbest = tbest.max(ncc(&crop, tv));
                }
            }
            if tbest > best.0 {
                best = (tbest, *tc);
            }
            if tc == c {
                own = tbest;
            }
        }
        total += 1;
        right += u32::from(best.1 == *c);
        ncc_sum += f64::from(own.max(0.0));
    }
    GlyphScore {
        accuracy: if total > 0 {
            right as f32 / total as f32
        } else {
            0.0
        },
        mean_ncc: if total > 0 {
            (ncc_sum / f64::from(total)) as f32
        } else {
            0.0
        },
        glyphs: total,
    }
}

/// IoU of two line masks (darkness ≥ 0.5), images of equal size.
pub fn mask_iou(a: &GrayF32, b: &GrayF32) -> f32 {
    let (mut i, mut u) = (0u64, 0u64);
    for (x, y) in a.data.iter().zip(&b.data) {
        let (p, q) = (*x >= 0.5, *y >= 0.5);
        i += u64::from(p && q);
        u += u64::from(p || q);
    }
    if u == 0 {
        0.0
    } else {
        (i as f64 / u as f64) as f32
    }
}
