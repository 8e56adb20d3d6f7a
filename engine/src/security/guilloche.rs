//! Guilloche (彩紋): a woven border around a frame and an optional rosette, drawn per issuer from
//! `SHA-256("shomei/guilloche/v1" ‖ issuer_code ‖ layout_id)` → ChaCha20, as 2-px vector lines.

use std::sync::Arc;

use rand_core::RngCore;

use super::sim::{rasterize_shapes, GrayF32};
use super::{int_in, keyed_digest, q64, unit_f64, GuillocheConfig, DESIGN_DPI, MM_PER_PX};
use crate::display::{Ink, Paint, Path, Shape};
use crate::error::{Error, Result};
use crate::geom::Rect;

/// Most draws tried before giving up (each rejected draw fails coverage or gap).
const MAX_DRAWS: u32 = 64;
/// Largest ink coverage of a border repeat or the rosette disc.
pub const MAX_COVERAGE: f32 = 0.35;
/// Largest fraction of the paper in a repeat that sits in gaps narrower than 3 px.
pub const MAX_NARROW_GAP: f32 = 0.04;
/// Chord error of the flattening, px at 600 dpi.
const CHORD_PX: f64 = 0.25;

/// The parameters drawn for one issuer and layout (security-print.md §3 ranges).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GuillocheParams {
    /// Hypotrochoid fixed-circle radius R ∈ [60, 140].
    pub big_r: u32,
    /// Rolling-circle radius r ∈ [7, 41].
    pub small_r: u32,
    /// Pen distance ratio d/r ∈ [0.4, 1.6].
    pub d_ratio: f64,
    /// Woven curves K ∈ [12, 48].
    pub k: u32,
    /// Weave frequency m ∈ [3, 17] (waves per repeat).
    pub m: u32,
    /// Envelope frequency p ∈ [3, 17] (swells per repeat).
    pub p: u32,
}

/// A guilloche and how it was drawn.
#[derive(Clone, Debug)]
pub struct Guilloche {
    /// The accepted parameters.
    pub params: GuillocheParams,
    /// Draws made (1 = the first was accepted).
    pub draws: u32,
    /// Coverage of one border repeat (0–1) measured at 600 dpi.
    pub coverage: f32,
    /// Fraction of the paper of one repeat in gaps narrower than 3 px.
    pub narrow_gap: f32,
    /// The lines: one stroked path per curve, ink K.
    pub shapes: Vec<Shape>,
}

/// The stream of parameter draws for an issuer and layout (the first is tried first).
pub fn guilloche_params(
    issuer_code: &str,
    layout_id: &str,
) -> impl Iterator<Item = GuillocheParams> {
    let seed = keyed_digest(
        "shomei/guilloche/v1",
        &[issuer_code.as_bytes(), layout_id.as_bytes()],
    );
    let mut rng = <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::from_seed(seed);
    std::iter::from_fn(move || {
        Some(GuillocheParams {
            big_r: int_in(rng.next_u64(), 60, 140),
            small_r: int_in(rng.next_u64(), 7, 41),
            d_ratio: 0.4 + 1.2 * unit_f64(rng.next_u64()),
            k: int_in(rng.next_u64(), 12, 48),
            m: int_in(rng.next_u64(), 3, 17),
            p: int_in(rng.next_u64(), 3, 17),
        })
    })
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Flattens a parametric curve (page px) over [t0, t1] with chord error ≤ 0.25 px, starting
/// from `n0` uniform steps.
fn flatten(f: &dyn Fn(f64) -> (f64, f64), t0: f64, t1: f64, n0: u32) -> Vec<(f64, f64)> {
    fn rec(
        f: &dyn Fn(f64) -> (f64, f64),
        ta: f64,
        a: (f64, f64),
        tb: f64,
        b: (f64, f64),
        depth: u32,
        out: &mut Vec<(f64, f64)>,
    ) {
        let tm = 0.5 * (ta + tb);
        let m = f(tm);
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len = libm::sqrt(dx * dx + dy * dy);
        let err = if len < 1e-9 {
            libm::sqrt((m.0 - a.0).powi(2) + (m.1 - a.1).powi(2))
        } else {
            ((m.0 - a.0) * dy - (m.1 - a.1) * dx).abs() / len
        };
        if err > CHORD_PX && depth < 16 {
            rec(f, ta, a, tm, m, depth + 1, out);
            rec(f, tm, m, tb, b, depth + 1, out);
        } else {
            out.push(b);
        }
    }
    let n0 = n0.max(1);
    let mut out = vec![f(t0)];
    let mut prev = (t0, out[0]);
    for i in 1..=n0 {
        let t = t0 + (t1 - t0) * f64::from(i) / f64::from(n0);
        let p = f(t);
        rec(f, prev.0, prev.1, t, p, 0, &mut out);
        prev = (t, p);
    }
    out
}

/// A stroked polyline in page mm from page-px points quantised to 1/64 px.
fn polyline(pts: &[(f64, f64)], closed: bool, line_mm: f32) -> Shape {
    let mut path = Path::new();
    for (i, (x, y)) in pts.iter().enumerate() {
        let (x, y) = ((q64(*x) * MM_PER_PX) as f32, (q64(*y) * MM_PER_PX) as f32);
        if i == 0 {
            path.move_to(x, y);
        } else {
            path.line_to(x, y);
        }
    }
    if closed {
        path.close();
    }
    Shape {
        path: Arc::new(path),
        paint: Paint::Stroke(line_mm),
        ink: Ink::Black,
    }
}

/// Offset ρ of curve `i` across the band (mm, from the band's centre line) at parameter t.
fn weave(p: &GuillocheParams, i: u32, t: f64, half: f64) -> f64 {
    let a = 0.25 * half;
    let b = half - a;
    let env = b + a * libm::cos(f64::from(p.p) * t);
    let (rin, rout) = (-env, env);
    let ph = std::f64::consts::TAU * f64::from(i) / f64::from(p.k);
    rin + (rout - rin) * (0.5 + 0.5 * libm::sin(f64::from(p.m) * t + ph))
}

/// The woven curves of a straight strip: `len_mm` long (one repeat), `band_mm` wide, in page
/// mm with the strip's top-left at the origin.
fn strip(p: &GuillocheParams, cfg: &GuillocheConfig, len_mm: f64) -> Vec<Shape> {
    let half = f64::from(cfg.band_mm) / 2.0 - f64::from(cfg.line_mm) / 2.0;
    let px = 1.0 / MM_PER_PX;
    (0..p.k)
        .map(|i| {
            let f = |s: f64| {
                let t = std::f64::consts::TAU * s / len_mm;
                (
                    s * px,
                    (f64::from(cfg.band_mm) / 2.0 + weave(p, i, t, half)) * px,
                )
            };
            let pts = flatten(&f, 0.0, len_mm, 4 * (p.m + p.p));
            polyline(&pts, false, cfg.line_mm)
        })
        .collect()
}

/// Coverage and narrow-gap fraction of a darkness raster (ink = d ≥ 0.5).
fn coverage_and_gaps(img: &GrayF32) -> (f32, f32) {
    let (w, h) = (img.w as usize, img.h as usize);
    let ink: Vec<bool> = img.data.iter().map(|d| *d >= 0.5).collect();
    let mut hrun = vec![u32::MAX; w * h];
    for y in 0..h {
        let mut x = 0;
        while x < w {
            if ink[y * w + x] {
                x += 1;
                continue;
            }
            let s = x;
            while x < w && !ink[y * w + x] {
                x += 1;
            }
            if s > 0 && x < w {
                for v in &mut hrun[y * w + s..y * w + x] {
                    *v = (x - s) as u32;
                }
            }
        }
    }
    let mut narrow = 0u32;
    for x in 0..w {
        let mut y = 0;
        while y < h {
            if ink[y * w + x] {
                y += 1;
                continue;
            }
            let s = y;
            while y < h && !ink[y * w + x] {
                y += 1;
            }
            if s > 0 && y < h && y - s < 3 {
                narrow += (s..y).filter(|yy| hrun[yy * w + x] < 3).count() as u32;
            }
        }
    }
    let n_ink = ink.iter().filter(|b| **b).count();
    let paper = (w * h - n_ink).max(1);
    (
        n_ink as f32 / (w * h).max(1) as f32,
        narrow as f32 / paper as f32,
    )
}

/// Checks one draw on a straight repeat of the border rasterised at 600 dpi.
fn check(p: &GuillocheParams, cfg: &GuillocheConfig, len_mm: f64) -> Result<(f32, f32)> {
    let shapes = strip(p, cfg, len_mm);
    let img = rasterize_shapes(
        &shapes,
        Rect::from_xywh(0.0, 0.0, len_mm as f32, cfg.band_mm),
        DESIGN_DPI,
    )?;
    Ok(coverage_and_gaps(&img))
}

/// The guilloche for an issuer and layout: a woven border of K curves in a band just inside
/// `frame` (around a rounded-rectangle centre line, a whole number of repeats so it closes)
/// and, if configured, a rosette (hypotrochoid R, r, d inside a woven ring).
///
/// Draws whose straight repeat exceeds 35 % coverage or leaves more than 4 % of its paper in
/// gaps under 3 px are rejected and the next draw of the stream is tried.
pub fn guilloche(
    issuer_code: &str,
    layout_id: &str,
    frame: Rect,
    cfg: &GuillocheConfig,
) -> Result<Guilloche> {
    if !(cfg.band_mm >= 1.0 && cfg.band_mm <= 30.0) {
        return Err(Error::input("guilloche.band_mm", "a band width in 1–30 mm"));
    }
    if !(cfg.repeat_mm >= 10.0 && cfg.repeat_mm <= 300.0) {
        return Err(Error::input(
            "guilloche.repeat_mm",
            "a repeat length in 10–300 mm",
        ));
    }
    if !(cfg.line_mm > 0.0 && cfg.line_mm <= 0.5) {
        return Err(Error::input(
            "guilloche.line_mm",
            "a line width in (0, 0.5] mm (2 px = 0.0847 mm)",
        ));
    }
    if cfg.curves.is_some_and(|k| !(1..=64).contains(&k)) {
        return Err(Error::input("guilloche.curves", "a curve count in 1–64"));
    }
    if !(frame.w > 2.0 * cfg.band_mm + 1.0 && frame.h > 2.0 * cfg.band_mm + 1.0) {
        return Err(Error::input(
            "guilloche.frame",
            "a frame wider and taller than twice the band",
        ));
    }
    let band = f64::from(cfg.band_mm);
    let rc = band; // corner radius of the centre line (≥ band/2: the offsets never cusp)
    let (x0, y0) = (
        f64::from(frame.x) + band / 2.0,
        f64::from(frame.y) + band / 2.0,
    );
    let (w, h) = (f64::from(frame.w) - band, f64::from(frame.h) - band);
    let (sw, sh) = (w - 2.0 * rc, h - 2.0 * rc);
    let arc = std::f64::consts::FRAC_PI_2 * rc;
    let perim = 2.0 * (sw + sh) + 4.0 * arc;
    let n = libm::round(perim / f64::from(cfg.repeat_mm)).max(1.0);
    let rep = perim / n;

    let mut draws = 0;
    let mut chosen = None;
    for mut p in guilloche_params(issuer_code, layout_id).take(MAX_DRAWS as usize) {
        draws += 1;
        if let Some(k) = cfg.curves {
            p.k = k;
        }
        let (cov, gap) = check(&p, cfg, rep)?;
        if cov <= MAX_COVERAGE && gap <= MAX_NARROW_GAP {
            chosen = Some((p, cov, gap));
            break;
        }
    }
    let Some((p, coverage, narrow_gap)) = chosen else {
        return Err(Error::input(
            "guilloche.band_mm",
            "no draw passes coverage ≤ 35 % and gaps ≥ 3 px; widen the band or lengthen the repeat",
        ));
    };

    // Centre line by arc length s ∈ [0, perim): top edge, arc, right edge, arc, … clockwise,
    // returning point and outward normal.
    let centre = move |s: f64| -> ((f64, f64), (f64, f64)) {
        let s = s.rem_euclid(perim);
        let segs = [sw, arc, sh, arc, sw, arc, sh, arc];
        let mut s0 = s;
        let mut k = 0;
        while k < 7 && s0 > segs[k] {
            s0 -= segs[k];
            k += 1;
        }
        let (l, t, r, b) = (x0 + rc, y0 + rc, x0 + w - rc, y0 + h - rc);
        let circ = |cx: f64, cy: f64, a0: f64| {
            let a = a0 + s0 / rc;
            let (c, sn) = (libm::cos(a), libm::sin(a));
            ((cx + rc * c, cy + rc * sn), (c, sn))
        };
        use std::f64::consts::{FRAC_PI_2, PI};
        match k {
            0 => ((l + s0, y0), (0.0, -1.0)),
            1 => circ(r, t, -FRAC_PI_2),
            2 => ((x0 + w, t + s0), (1.0, 0.0)),
            3 => circ(r, b, 0.0),
            4 => ((r - s0, y0 + h), (0.0, 1.0)),
            5 => circ(l, b, FRAC_PI_2),
            6 => ((x0, b - s0), (-1.0, 0.0)),
            _ => circ(l, t, PI),
        }
    };
    let half = band / 2.0 - f64::from(cfg.line_mm) / 2.0;
    let px = 1.0 / MM_PER_PX;
    let mut shapes = Vec::new();
    for i in 0..p.k {
        let f = |s: f64| {
            let ((cx, cy), (nx, ny)) = centre(s);
            let t = std::f64::consts::TAU * s / rep;
            let o = weave(&p, i, t, half);
            ((cx + nx * o) * px, (cy + ny * o) * px)
        };
        // Initial steps: every segment boundary falls on a step (8 segments), ≥ 4 per wave.
        let n0 = (n as u32) * 4 * (p.m + p.p);
        let mut pts = flatten(&f, 0.0, perim, n0);
        pts.pop(); // the end repeats the start; Close joins them
        shapes.push(polyline(&pts, true, cfg.line_mm));
    }
    if let Some((cx, cy, radius)) = cfg.rosette {
        shapes.extend(rosette(
            &p,
            cfg,
            f64::from(cx),
            f64::from(cy),
            f64::from(radius),
        )?);
    }
    Ok(Guilloche {
        params: p,
        draws,
        coverage,
        narrow_gap,
        shapes,
    })
}

/// The rosette: a hypotrochoid scaled to 55 % of `radius` inside a woven ring (K curves, m
/// waves, p swells around the circle) between 60 % and 100 % of `radius`.
fn rosette(
    p: &GuillocheParams,
    cfg: &GuillocheConfig,
    cx: f64,
    cy: f64,
    radius: f64,
) -> Result<Vec<Shape>> {
    if !(radius > 2.0 && radius <= 150.0) {
        return Err(Error::input(
            "guilloche.rosette",
            "a rosette radius in (2, 150] mm",
        ));
    }
    let px = 1.0 / MM_PER_PX;
    let (rr, r) = (f64::from(p.big_r), f64::from(p.small_r));
    let d = p.d_ratio * r;
    let g = gcd(p.big_r, p.small_r);
    let t_end = std::f64::consts::TAU * r / f64::from(g);
    let reach = (rr - r) + d;
    let sc = 0.55 * radius / reach;
    let hypo = |t: f64| {
        let q = (rr - r) / r * t;
        let x = (rr - r) * libm::cos(t) + d * libm::cos(q);
        let y = (rr - r) * libm::sin(t) - d * libm::sin(q);
        ((cx + sc * x) * px, (cy + sc * y) * px)
    };
    let lobes = p.big_r / g;
    let mut pts = flatten(&hypo, 0.0, t_end, 8 * lobes * (p.small_r / g).max(1));
    pts.pop();
    let mut shapes = vec![polyline(&pts, true, cfg.line_mm)];
    let (r0, half) = (0.8 * radius, 0.2 * radius - f64::from(cfg.line_mm) / 2.0);
    for i in 0..p.k {
        let f = |t: f64| {
            let rho = r0 + weave(p, i, t, half);
            (
                (cx + rho * libm::cos(t)) * px,
                (cy + rho * libm::sin(t)) * px,
            )
        };
        let mut pts = flatten(&f, 0.0, std::f64::consts::TAU, 8 * (p.m + p.p));
        pts.pop();
        shapes.push(polyline(&pts, true, cfg.line_mm));
    }
    Ok(shapes)
}
