//! Microtext: a hand-made 5×6 bitmap font (A–Z, 0–9, '-', space) with 1-px strokes at 600 dpi,
//! set along a line as a 600-dpi bit mask (what pages carry: a 1-bit image mask in PDF, a few
//! kilobytes a line), or as a union of pixel squares (vector) for the simulators.

use std::sync::Arc;

use super::{DESIGN_DPI, MM_PER_PX};
use crate::display::{BitMask, Ink, Paint, Path, Shape};
use crate::error::{Error, Result};

/// Glyph cell width and height in font pixels (the advance adds one blank column).
pub const GLYPH_W: u32 = 5;
/// Glyph height in font pixels.
pub const GLYPH_H: u32 = 6;
/// Advance in font pixels.
pub const ADVANCE: u32 = GLYPH_W + 1;

/// The characters the font has, in template order (space excluded: it has no ink).
pub const CHARSET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";

/// The font: 6 rows of 5 columns, '#' = ink.
const FONT: [(char, [&str; 6]); 38] = [
    ('A', [".###.", "#...#", "#...#", "#####", "#...#", "#...#"]),
    ('B', ["####.", "#...#", "####.", "#...#", "#...#", "####."]),
    ('C', [".####", "#....", "#....", "#....", "#....", ".####"]),
    ('D', ["###..", "#..#.", "#...#", "#...#", "#..#.", "###.."]),
    ('E', ["#####", "#....", "####.", "#....", "#....", "#####"]),
    ('F', ["#####", "#....", "####.", "#....", "#....", "#...."]),
    ('G', [".####", "#....", "#..##", "#...#", "#...#", ".###."]),
    ('H', ["#...#", "#...#", "#####", "#...#", "#...#", "#...#"]),
    ('I', ["#####", "..#..", "..#..", "..#..", "..#..", "#####"]),
    ('J', ["..###", "....#", "....#", "....#", "#...#", ".###."]),
    ('K', ["#...#", "#..#.", "###..", "#..#.", "#...#", "#...#"]),
    ('L', ["#....", "#....", "#....", "#....", "#....", "#####"]),
    ('M', ["#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#"]),
    ('N', ["#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"]),
    ('O', [".###.", "#...#", "#...#", "#...#", "#...#", ".###."]),
    ('P', ["####.", "#...#", "#...#", "####.", "#....", "#...."]),
    ('Q', [".###.", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"]),
    ('R', ["####.", "#...#", "#...#", "####.", "#..#.", "#...#"]),
    ('S', [".####", "#....", ".###.", "....#", "....#", "####."]),
    ('T', ["#####", "..#..", "..#..", "..#..", "..#..", "..#.."]),
    ('U', ["#...#", "#...#", "#...#", "#...#", "#...#", ".###."]),
    ('V', ["#...#", "#...#", "#...#", ".#.#.", ".#.#.", "..#.."]),
    ('W', ["#...#", "#...#", "#.#.#", "#.#.#", "##.##", "#...#"]),
    ('X', ["#...#", ".#.#.", "..#..", "..#..", ".#.#.", "#...#"]),
    ('Y', ["#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."]),
    ('Z', ["#####", "....#", "...#.", "..#..", ".#...", "#####"]),
    ('0', [".###.", "#..##", "#.#.#", "#.#.#", "##..#", ".###."]),
    ('1', ["..#..", ".##..", "..#..", "..#..", "..#..", ".###."]),
    ('2', [".###.", "#...#", "...#.", "..#..", ".#...", "#####"]),
    ('3', ["####.", "....#", ".###.", "....#", "....#", "####."]),
    ('4', ["...#.", "..##.", ".#.#.", "#..#.", "#####", "...#."]),
    ('5', ["#####", "#....", "####.", "....#", "....#", "####."]),
    ('6', [".###.", "#....", "####.", "#...#", "#...#", ".###."]),
    ('7', ["#####", "....#", "...#.", "..#..", "..#..", "..#.."]),
    ('8', [".###.", "#...#", ".###.", "#...#", "#...#", ".###."]),
    ('9', [".###.", "#...#", "#...#", ".####", "....#", ".###."]),
    ('-', [".....", ".....", "#####", ".....", ".....", "....."]),
    (' ', [".....", ".....", ".....", ".....", ".....", "....."]),
];

/// The glyph of `c` as 6 rows of 5 bits (bit 4 = leftmost column), or None if the font lacks it.
pub fn glyph(c: char) -> Option<[u8; 6]> {
    let (_, rows) = FONT.iter().find(|(k, _)| *k == c)?;
    let mut out = [0u8; 6];
    for (o, r) in out.iter_mut().zip(rows.iter()) {
        for (i, b) in r.bytes().enumerate() {
            if b == b'#' {
                *o |= 0x10 >> i;
            }
        }
    }
    Some(out)
}

/// A set microtext line.
#[derive(Clone, Debug)]
pub struct MicrotextLine {
    /// The ink as one filled path: a union of pixel-aligned rectangles (one per horizontal run).
    pub shape: Shape,
    /// The same pixels as a 600-dpi bit mask (for the simulators and the raster painter).
    pub bits: BitMask,
    /// Each glyph set: its character and the top-left pixel of its 5×6 (or 6×5, vertical) box
    /// in `bits`, before scaling by `module`.
    pub glyphs: Vec<(char, u32, u32)>,
    /// Font pixel size in device pixels (1 for 0.26 mm text).
    pub module: u32,
    /// Whether the line runs down the page (glyphs turned 90° clockwise).
    pub vertical: bool,
}

/// Sets `text` repeatedly along a line from `start` (page mm, snapped to the 600-dpi grid) for
/// `length_mm`, glyphs `height_mm` high (0.2–0.6 mm; rounded to a whole number of 6-px font
/// rows: 0.26 mm → 1 px per font pixel, 0.40 mm → 2 px). Vertical lines run downwards with the
/// glyphs turned 90° clockwise. Only whole glyphs are set.
pub fn microtext_line(
    text: &str,
    start: (f32, f32),
    length_mm: f32,
    height_mm: f32,
    vertical: bool,
) -> Result<MicrotextLine> {
    let (mask, glyphs, module) = set_line(text, start, length_mm, height_mm, vertical)?;
    let shape = runs_shape(&mask);
    Ok(MicrotextLine {
        shape,
        bits: mask,
        glyphs,
        module,
        vertical,
    })
}

/// A glyph set on a line: its character and the top-left pixel of its box.
type Placed = (char, u32, u32);

/// The glyphs of a line set as 600-dpi pixels: the mask, each glyph's box origin, the module.
fn set_line(
    text: &str,
    start: (f32, f32),
    length_mm: f32,
    height_mm: f32,
    vertical: bool,
) -> Result<(BitMask, Vec<Placed>, u32)> {
    if !(0.2..=0.6).contains(&height_mm) {
        return Err(Error::input(
            "microtext.height_mm",
            "a height in 0.2–0.6 mm (0.26 for copy-breaking text, 0.40 for loupe text)",
        ));
    }
    if !(length_mm > 0.0 && length_mm <= 2000.0) {
        return Err(Error::input(
            "microtext.length_mm",
            "a length in (0, 2000] mm",
        ));
    }
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() || chars.iter().all(|c| *c == ' ') {
        return Err(Error::input(
            "microtext.text",
            "at least one letter or digit",
        ));
    }
    if chars.iter().any(|c| glyph(*c).is_none()) {
        return Err(Error::input(
            "microtext.text",
            "only A–Z, 0–9, '-' and space (upper-case romaji and serial)",
        ));
    }
    let k = MM_PER_PX;
    let module = ((f64::from(height_mm) / k / f64::from(GLYPH_H)).round() as u32).max(1);
    let adv = ADVANCE * module;
    let n = (libm::floor(f64::from(length_mm) / k) as u32) / adv;
    if n == 0 {
        return Err(Error::input(
            "microtext.length_mm",
            "room for at least one glyph",
        ));
    }
    let ox = libm::round(f64::from(start.0) / k) as i64;
    let oy = libm::round(f64::from(start.1) / k) as i64;
    let (along, across) = (n * adv, GLYPH_H * module);
    let (pw, ph) = if vertical {
        (across, along)
    } else {
        (along, across)
    };
    let stride = pw.div_ceil(8);
    let mut bits = vec![0u8; (stride * ph) as usize];
    let mut glyphs = Vec::with_capacity(n as usize);
    for i in 0..n {
        let c = chars[i as usize % chars.len()];
        let g = glyph(c).unwrap_or_default();
        let (bx, by) = if vertical { (0, i * adv) } else { (i * adv, 0) };
        glyphs.push((c, bx, by));
        for (row, bitsrow) in g.iter().enumerate() {
            for col in 0..GLYPH_W {
                if bitsrow & (0x10 >> col) == 0 {
                    continue;
                }
                // Vertical: turned 90° clockwise, so font row r becomes column (H−1−r).
                let (fx, fy) = if vertical {
                    (GLYPH_H - 1 - row as u32, col)
                } else {
                    (col, row as u32)
                };
                for dy in 0..module {
                    for dx in 0..module {
                        let x = bx + fx * module + dx;
                        let y = by + fy * module + dy;
                        bits[(y * stride + x / 8) as usize] |= 0x80 >> (x % 8);
                    }
                }
            }
        }
    }
    let mask = BitMask {
        x: (ox as f64 * k) as f32,
        y: (oy as f64 * k) as f32,
        dpi: DESIGN_DPI,
        px_w: pw,
        px_h: ph,
        stride,
        bits: Arc::new(bits),
        ink: Ink::Black,
    };
    Ok((mask, glyphs, module))
}

/// The pixels of a mask as one filled path: a union of pixel-aligned rectangles, page mm.
fn runs_shape(mask: &BitMask) -> Shape {
    let k = MM_PER_PX;
    let ox = libm::round(f64::from(mask.x) / k) as i64;
    let oy = libm::round(f64::from(mask.y) / k) as i64;
    let (pw, ph) = (mask.px_w, mask.px_h);
    // Horizontal runs of set pixels per row; a run repeated exactly on the rows below it
    // (a vertical stroke) becomes one taller rectangle. Page mm.
    let mut rows: Vec<Vec<(u32, u32, bool)>> = Vec::with_capacity(ph as usize);
    for y in 0..ph {
        let mut runs = Vec::new();
        let mut x = 0;
        while x < pw {
            if !mask.get(x, y) {
                x += 1;
                continue;
            }
            let s = x;
            while x < pw && mask.get(x, y) {
                x += 1;
            }
            runs.push((s, x, false));
        }
        rows.push(runs);
    }
    let mut path = Path::new();
    for y in 0..rows.len() {
        for i in 0..rows[y].len() {
            let (s, e, used) = rows[y][i];
            if used {
                continue;
            }
            let mut y_end = y + 1;
            // Runs of a row are sorted by start: find the same run below by bisection.
            while let Some(r) = rows.get_mut(y_end).and_then(|row| {
                let j = row.binary_search_by_key(&s, |r| r.0).ok()?;
                row.get_mut(j).filter(|r| r.1 == e && !r.2)
            }) {
                r.2 = true;
                y_end += 1;
            }
            let (x0, x1) = (
                ((ox + i64::from(s)) as f64 * k) as f32,
                ((ox + i64::from(e)) as f64 * k) as f32,
            );
            let (y0, y1) = (
                ((oy + y as i64) as f64 * k) as f32,
                ((oy + y_end as i64) as f64 * k) as f32,
            );
            path.move_to(x0, y0);
            path.line_to(x1, y0);
            path.line_to(x1, y1);
            path.line_to(x0, y1);
            path.close();
        }
    }
    Shape {
        path: Arc::new(path),
        paint: Paint::Fill,
        ink: Ink::Black,
    }
}

/// The pixels of a microtext line as a bit mask (see [`microtext_line`]).
pub fn microtext_bits(
    text: &str,
    start: (f32, f32),
    length_mm: f32,
    height_mm: f32,
    vertical: bool,
) -> Result<BitMask> {
    set_line(text, start, length_mm, height_mm, vertical).map(|l| l.0)
}
