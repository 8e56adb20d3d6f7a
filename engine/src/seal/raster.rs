//! A small coverage rasteriser for seal items (tiny-skia masks), and the seeded ink texture
//! that makes a rasterised seal read as a stamp. Used to bake textured seals into images and
//! to make sample scans; the page painter lives elsewhere and does not go through here.

use tiny_skia::{FillRule, Mask, PathBuilder, Stroke, Transform};

use crate::display::{Item, Paint, Path, PathCmd};
use crate::geom::Rect;
use crate::seal::noise::{Rng, ValueNoise};
use crate::seal::outline;

/// An 8-bit coverage raster: 0 = paper, 255 = full ink.
#[derive(Clone, Debug)]
pub(crate) struct Coverage {
    /// Width in pixels.
    pub(crate) w: u32,
    /// Height in pixels.
    pub(crate) h: u32,
    /// Row-major coverage.
    pub(crate) data: Vec<u8>,
}

/// The union of the items' extents (shapes by their points, strokes widened), mm.
pub(crate) fn items_bounds(items: &[Item]) -> Option<Rect> {
    let mut acc: Option<Rect> = None;
    for it in items {
        let r = match it {
            Item::Shape(s) => {
                let Some(b) = outline::bounds(&s.path) else {
                    continue;
                };
                match s.paint {
                    Paint::Stroke(w) => {
                        Rect::from_xywh(b.x - w / 2.0, b.y - w / 2.0, b.w + w, b.h + w)
                    }
                    _ => b,
                }
            }
            Item::Image(i) => i.rect,
            Item::Cmyk(i) => i.rect,
            Item::Modules(f) => f.rect(),
            Item::Mask(m) => m.rect(),
            Item::Glyph(_) => continue,
        };
        acc = Some(match acc {
            None => r,
            Some(a) => a.union(&r),
        });
    }
    acc
}

fn to_skia(path: &Path) -> Option<tiny_skia::Path> {
    let mut pb = PathBuilder::new();
    for c in &path.cmds {
        match *c {
            PathCmd::MoveTo(x, y) => pb.move_to(x, y),
            PathCmd::LineTo(x, y) => pb.line_to(x, y),
            PathCmd::QuadTo(a, b, x, y) => pb.quad_to(a, b, x, y),
            PathCmd::CubicTo(a, b, c2, d, x, y) => pb.cubic_to(a, b, c2, d, x, y),
            PathCmd::Close => pb.close(),
        }
    }
    pb.finish()
}

/// Rasterises the shapes and images among `items` (any ink) into a `w`×`h` coverage raster.
/// `to_px` maps page mm to pixels (it may rotate). Glyphs and dot masks are ignored.
pub(crate) fn rasterise(items: &[Item], w: u32, h: u32, to_px: Transform) -> Option<Coverage> {
    let mut mask = Mask::new(w, h)?;
    let scale = (to_px.sx * to_px.sx + to_px.ky * to_px.ky).sqrt();
    for it in items {
        match it {
            Item::Shape(s) => {
                let Some(p) = to_skia(&s.path) else { continue };
                match s.paint {
                    Paint::Fill => mask.fill_path(&p, FillRule::Winding, true, to_px),
                    Paint::FillEvenOdd => mask.fill_path(&p, FillRule::EvenOdd, true, to_px),
                    Paint::Stroke(sw) => {
                        let st = Stroke {
                            width: sw,
                            ..Stroke::default()
                        };
                        if let Some(sp) = p.stroke(&st, scale) {
                            mask.fill_path(&sp, FillRule::Winding, true, to_px);
                        }
                    }
                }
            }
            Item::Image(img) => blit_image(&mut mask, img, to_px),
            Item::Glyph(_) | Item::Mask(_) | Item::Cmyk(_) | Item::Modules(_) => {}
        }
    }
    Some(Coverage {
        w,
        h,
        data: mask.take(),
    })
}

/// Nearest-neighbour sampling of an image item into the mask (max with what is there).
fn blit_image(mask: &mut Mask, img: &crate::display::Image, to_px: Transform) {
    let Some(inv) = to_px.invert() else { return };
    let (w, h) = (mask.width(), mask.height());
    let data = mask.data_mut();
    if img.px_w == 0 || img.px_h == 0 || img.rect.w <= 0.0 || img.rect.h <= 0.0 {
        return;
    }
    for py in 0..h {
        for px in 0..w {
            let (cx, cy) = (px as f32 + 0.5, py as f32 + 0.5);
            let mx = inv.sx * cx + inv.kx * cy + inv.tx;
            let my = inv.ky * cx + inv.sy * cy + inv.ty;
            let u = (mx - img.rect.x) / img.rect.w;
            let v = (my - img.rect.y) / img.rect.h;
            if !(0.0..1.0).contains(&u) || !(0.0..1.0).contains(&v) {
                continue;
            }
            let ix = ((u * img.px_w as f32) as u32).min(img.px_w - 1);
            let iy = ((v * img.px_h as f32) as u32).min(img.px_h - 1);
            let c = img
                .coverage
                .get((iy * img.px_w + ix) as usize)
                .copied()
                .unwrap_or(0);
            if let Some(d) = data.get_mut((py * w + px) as usize) {
                *d = (*d).max(c);
            }
        }
    }
}

/// How a stamp's ink lies on paper.
#[derive(Clone, Copy, Debug)]
pub(crate) struct InkTexture {
    /// Depth of the broad mottling (0 = even ink).
    pub(crate) mottle: f32,
    /// Depth of the fine grain.
    pub(crate) grain: f32,
    /// Knock-outs (spots the paper did not take ink) per mm² of ink.
    pub(crate) spots_per_mm2: f32,
    /// Largest knock-out radius, mm.
    pub(crate) spot_mm: f32,
}

impl InkTexture {
    /// The official seal: well inked, lightly mottled.
    pub(crate) const OFFICIAL: InkTexture = InkTexture {
        mottle: 0.22,
        grain: 0.18,
        spots_per_mm2: 0.35,
        spot_mm: 0.16,
    };
    /// A personal seal pressed by hand.
    pub(crate) const PERSONAL: InkTexture = InkTexture {
        mottle: 0.30,
        grain: 0.22,
        spots_per_mm2: 0.5,
        spot_mm: 0.2,
    };
}

/// Multiplies the coverage by a seeded ink density: broad mottling, fine grain, and small
/// knock-outs where the paper did not take ink. `px_mm` is the size of one pixel in mm.
pub(crate) fn apply_texture(cov: &mut Coverage, px_mm: f32, tex: InkTexture, seed: u64) {
    let (w, h) = (cov.w as usize, cov.h as usize);
    let (wm, hm) = (cov.w as f32 * px_mm, cov.h as f32 * px_mm);
    let broad = ValueNoise::new(&mut Rng::new(seed, 0x10), wm, hm, 1.6);
    let mid = ValueNoise::new(&mut Rng::new(seed, 0x11), wm, hm, 0.45);
    let fine = ValueNoise::new(&mut Rng::new(seed, 0x12), wm, hm, 0.09);
    // Density in 0..=255, per pixel.
    let mut dens = vec![255u8; w * h];
    for y in 0..h {
        let ym = (y as f32 + 0.5) * px_mm;
        for x in 0..w {
            let xm = (x as f32 + 0.5) * px_mm;
            let b = broad.at(xm, ym) * 0.65 + mid.at(xm, ym) * 0.35;
            let f = fine.at(xm, ym);
            // Mottling bites only above a level so most ink stays solid.
            let m = ((b - 0.45) / 0.55).clamp(0.0, 1.0);
            let g = ((f - 0.55) / 0.45).clamp(0.0, 1.0);
            let d = 1.0 - tex.mottle * m - tex.grain * g * (0.4 + m);
            dens[y * w + x] = (d.clamp(0.0, 1.0) * 255.0) as u8;
        }
    }
    // Knock-outs: small irregular spots of bare paper.
    let mut rng = Rng::new(seed, 0x13);
    let area = wm * hm;
    let n = (area * tex.spots_per_mm2) as usize;
    for _ in 0..n.min(20_000) {
        let cx = rng.range(0.0, wm);
        let cy = rng.range(0.0, hm);
        let r = tex.spot_mm * (0.25 + 0.75 * rng.unit() * rng.unit());
        let ecc = rng.range(0.6, 1.4);
        let depth = rng.range(0.5, 1.0);
        let rx = r * ecc;
        let ry = r / ecc;
        let x0 = ((cx - rx) / px_mm).floor().max(0.0) as usize;
        let x1 = (((cx + rx) / px_mm).ceil() as usize).min(w);
        let y0 = ((cy - ry) / px_mm).floor().max(0.0) as usize;
        let y1 = (((cy + ry) / px_mm).ceil() as usize).min(h);
        for y in y0..y1 {
            let dy = ((y as f32 + 0.5) * px_mm - cy) / ry;
            for x in x0..x1 {
                let dx = ((x as f32 + 0.5) * px_mm - cx) / rx;
                let q = dx * dx + dy * dy;
                if q < 1.0 {
                    let k = depth * (1.0 - q * q);
                    let i = y * w + x;
                    if let Some(d) = dens.get_mut(i) {
                        *d = (f32::from(*d) * (1.0 - k)) as u8;
                    }
                }
            }
        }
    }
    for (c, d) in cov.data.iter_mut().zip(&dens) {
        *c = ((u32::from(*c) * u32::from(*d) + 127) / 255) as u8;
    }
}

/// A smooth displacement field (mm) for rough stamp edges: each point moves by up to `amp`.
pub(crate) struct Roughness {
    nx: ValueNoise,
    ny: ValueNoise,
    nx2: ValueNoise,
    ny2: ValueNoise,
    origin: (f32, f32),
    amp: f32,
}

impl Roughness {
    /// A field over `area` (mm) with amplitude `amp` mm.
    pub(crate) fn new(seed: u64, area: Rect, amp: f32) -> Self {
        let (w, h) = (area.w + 2.0, area.h + 2.0);
        Roughness {
            nx: ValueNoise::new(&mut Rng::new(seed, 0x20), w, h, 0.7),
            ny: ValueNoise::new(&mut Rng::new(seed, 0x21), w, h, 0.7),
            nx2: ValueNoise::new(&mut Rng::new(seed, 0x22), w, h, 0.18),
            ny2: ValueNoise::new(&mut Rng::new(seed, 0x23), w, h, 0.18),
            origin: (area.x - 1.0, area.y - 1.0),
            amp,
        }
    }

    /// The displaced point.
    pub(crate) fn apply(&self, x: f32, y: f32) -> (f32, f32) {
        let (u, v) = (x - self.origin.0, y - self.origin.1);
        let dx = (self.nx.at(u, v) - 0.5) * 1.4 + (self.nx2.at(u, v) - 0.5) * 0.6;
        let dy = (self.ny.at(u, v) - 0.5) * 1.4 + (self.ny2.at(u, v) - 0.5) * 0.6;
        (x + dx * self.amp, y + dy * self.amp)
    }

    /// A path with every point displaced (flattened first, steps of `step` mm).
    pub(crate) fn path(&self, p: &Path, step: f32) -> Path {
        outline::map_points(&outline::flatten(p, step).cmds, |x, y| self.apply(x, y))
    }
}
