//! The round personal seal (丸印) generator: a surname set vertically inside a circle, the
//! glyphs stretched to fill the disc, with seeded irregularities so each dummy resident's seal
//! differs. Used for sample data (see [`crate::seal::rasterise_for_registration`]).

use std::sync::Arc;

use crate::display::{Ink, Item, Paint, Path, Shape};
use crate::error::{Error, Result};
use crate::geom::Rect;
use crate::seal::noise::Rng;
use crate::seal::outline::{flatten, glyph_outline, map_points};
use crate::seal::raster::Roughness;

const F_SURNAME: &str = "seal.surname";
const F_DIAMETER: &str = "seal.diameter_mm";

/// Families a generated personal seal may be cut in.
const FAMILIES: [&str; 3] = ["mincho", "mj", "gothic-bold"];

/// A round seal of `diameter_mm` (outer edge of the ring) centred at (`diameter_mm`/2,
/// `diameter_mm`/2), i.e. its bounding square's top-left is the origin: a ring, and the surname
/// (1 to 4 characters) read top to bottom, stretched to fill the disc. `seed` picks the cut:
/// typeface, ring and stroke weights, small irregularities of outline and roundness.
pub fn marume(surname: &str, diameter_mm: f32, seed: u64) -> Result<Vec<Item>> {
    let chars: Vec<char> = surname.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.is_empty() || chars.len() > 4 {
        return Err(Error::input(
            F_SURNAME,
            "a round seal holds a surname of 1 to 4 characters",
        ));
    }
    if !(8.5..=25.0).contains(&diameter_mm) {
        return Err(Error::input(
            F_DIAMETER,
            "a registered seal's diameter must be over 8 mm and at most 25 mm",
        ));
    }
    let d = diameter_mm;
    let r = d / 2.0;
    let (cx, cy) = (r, r);
    let mut rng = Rng::new(seed, 0x30);
    let family = FAMILIES[(rng.next_u64() % FAMILIES.len() as u64) as usize];
    let ring = d * rng.range(0.045, 0.07);
    let weight = d * rng.range(0.006, 0.016);
    let squash = rng.range(-0.012, 0.012);
    let fill = rng.range(0.9, 0.97);
    let area = Rect::from_xywh(0.0, 0.0, d, d);
    let rough = Roughness::new(seed, area, d * 0.003);
    let mut items = Vec::new();

    // The ring: two slightly irregular circles, even-odd.
    let wobble = crate::seal::noise::ValueNoise::new(&mut Rng::new(seed, 0x31), 64.0, 2.0, 1.0);
    let mut ring_path = Path::new();
    for (rad, k) in [(r, 0.0f32), (r - ring, 1.0)] {
        let n = 256;
        for i in 0..n {
            let t = i as f32 / n as f32 * std::f32::consts::TAU;
            // Outer edge stays on the circle; the inner edge (how much the ring wore) varies.
            let rr = rad - k * ring * 0.25 * (wobble.at(i as f32 / 4.0, 1.0) - 0.5);
            let (x, y) = (
                cx + rr * libm::cosf(t) * (1.0 + squash),
                cy + rr * libm::sinf(t) * (1.0 - squash),
            );
            if i == 0 {
                ring_path.move_to(x, y);
            } else {
                ring_path.line_to(x, y);
            }
        }
        ring_path.close();
    }
    let ring_path = rough.path(&ring_path, 0.05);
    // The outer edge must not leave the circle's bounding square: pull points back in.
    let ring_path = map_points(&ring_path.cmds, |x, y| (x.clamp(0.0, d), y.clamp(0.0, d)));
    items.push(Item::Shape(Shape {
        path: Arc::new(ring_path),
        paint: Paint::FillEvenOdd,
        ink: Ink::Red,
    }));

    // Glyphs: cells of a square [-q, q]², stacked, then the square bent onto the disc.
    let q = (r - ring - d * 0.035) * fill;
    let n = chars.len();
    let gap = d * 0.02;
    let ch = (2.0 * q - gap * (n as f32 - 1.0)) / n as f32;
    for (j, &c) in chars.iter().enumerate() {
        let cell = Rect::from_xywh(
            -q + weight / 2.0,
            -q + j as f32 * (ch + gap) + weight / 2.0,
            2.0 * q - weight,
            ch - weight,
        );
        let o = glyph_outline(family, c, F_SURNAME)?;
        let flat = flatten(&o.fit(cell), 0.04);
        let bent = map_points(&flat.cmds, |x, y| {
            let (u, v) = (x / q, y / q);
            let (u2, v2) = (u * u, v * v);
            // Elliptical grid mapping (square → disc), eased so the middle keeps its shape.
            let du = u * (1.0 - v2 / 2.0).max(0.0).sqrt();
            let dv = v * (1.0 - u2 / 2.0).max(0.0).sqrt();
            let (mu, mv) = (0.8 * du + 0.2 * u * 0.75, 0.8 * dv + 0.2 * v * 0.75);
            rough.apply(cx + mu * q * 1.02, cy + mv * q * 1.02)
        });
        let p = Arc::new(bent);
        items.push(Item::Shape(Shape {
            path: p.clone(),
            paint: Paint::Fill,
            ink: Ink::Red,
        }));
        items.push(Item::Shape(Shape {
            path: p,
            paint: Paint::Stroke(weight),
            ink: Ink::Red,
        }));
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::testutil::{ink_extent_mm, render};

    #[test]
    fn round_seal_measures_its_diameter() {
        let items = marume("見本", 15.0, 3).unwrap();
        let (cov, px) = render(&items, Rect::from_xywh(-1.0, -1.0, 17.0, 17.0), 600);
        let (w, h) = ink_extent_mm(&cov, px);
        assert!(
            (w - 15.0).abs() <= 0.25 && (h - 15.0).abs() <= 0.25,
            "{w} × {h}"
        );
        assert!(items
            .iter()
            .all(|i| matches!(i, Item::Shape(s) if s.ink == Ink::Red)));
    }

    #[test]
    fn seeds_differ_and_repeat() {
        let a = marume("見本", 12.0, 1).unwrap();
        assert_eq!(a, marume("見本", 12.0, 1).unwrap());
        assert_ne!(a, marume("見本", 12.0, 2).unwrap());
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(marume("", 12.0, 1).err().unwrap().field(), Some(F_SURNAME));
        assert_eq!(
            marume("見本見本見", 12.0, 1).err().unwrap().field(),
            Some(F_SURNAME)
        );
        assert_eq!(
            marume("見本", 30.0, 1).err().unwrap().field(),
            Some(F_DIAMETER)
        );
        assert_eq!(
            marume("見本", 8.0, 1).err().unwrap().field(),
            Some(F_DIAMETER)
        );
    }
}
