//! The QR code: the payload as a 1-bit dot field at print resolution, and reading codes back
//! from a grey image (a render or a scan).

use std::sync::Arc;

use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::{Color, EcLevel};

use crate::display::{BitMask, Ink};
use crate::error::{Error, Result};

/// Resolution the code's modules are designed at.
pub const QR_DPI: u32 = 600;
/// Pixels per module at [`QR_DPI`]: 10 px = 0.423 mm, which a 600 dpi kiosk printer renders
/// exactly and a phone camera or a 300 dpi scan resolves.
pub const MODULE_PX: u32 = 10;
/// Quiet zone around the symbol, modules (ISO/IEC 18004 asks for 4).
const QUIET: u32 = 4;

/// The payload as a QR code (error correction level M, about 15 % of the codewords recoverable,
/// chosen for print-and-scan wear: a 100-byte payload is version 6, 41×41 modules, 20.7 mm
/// square with its quiet zone), its top-left corner at (`x`, `y`) mm.
pub fn qr_mask(payload: &[u8], x: f32, y: f32) -> Result<BitMask> {
    let (n, colors) = encode(payload)?;
    let n = n as u32;
    let side = (n + 2 * QUIET) * MODULE_PX;
    let stride = side.div_ceil(8);
    let mut bits = vec![0u8; (stride * side) as usize];
    // One pixel row per module row, then copied MODULE_PX times.
    let mut row = vec![0u8; stride as usize];
    for my in 0..n {
        row.fill(0);
        for mx in 0..n {
            if colors.get((my * n + mx) as usize) == Some(&true) {
                let x0 = (QUIET + mx) * MODULE_PX;
                set_bits(&mut row, x0 as usize, (x0 + MODULE_PX) as usize);
            }
        }
        let y0 = ((QUIET + my) * MODULE_PX) as usize;
        for py in y0..y0 + MODULE_PX as usize {
            let s = py * stride as usize;
            if let Some(dst) = bits.get_mut(s..s + stride as usize) {
                dst.copy_from_slice(&row);
            }
        }
    }
    Ok(BitMask {
        x,
        y,
        dpi: QR_DPI,
        px_w: side,
        px_h: side,
        stride,
        bits: Arc::new(bits),
        ink: Ink::Black,
    })
}

/// Sets bits `from..to` of a most-significant-bit-first row (those inside it).
fn set_bits(row: &mut [u8], from: usize, to: usize) {
    let to = to.min(row.len() * 8);
    let mut i = from;
    while i < to {
        let (byte, bit) = (i / 8, i % 8);
        let n = (8 - bit).min(to - i);
        // n ones, placed after the first `bit` bits of the byte.
        row[byte] |= ((0xffu16 << (8 - n)) as u8) >> bit;
        i += n;
    }
}

/// The symbol's modules (side, row-major, true = dark) at level M. The same steps as
/// `QrCode::with_error_correction_level`, but the mask is chosen with [`penalty`] on a plain
/// boolean grid: the crate scores its eight candidates through per-module closures, which
/// cost more than everything else a certificate's PDF needs (two codes per certificate).
fn encode(payload: &[u8]) -> Result<(usize, Vec<bool>)> {
    let err = |e: qrcode::types::QrError| Error::Encode(format!("QR: {e}"));
    let bits = qrcode::bits::encode_auto(payload, EcLevel::M).map_err(err)?;
    let version = bits.version();
    let n = version.width() as usize;
    let (data, ec) =
        qrcode::ec::construct_codewords(&bits.into_bytes(), version, EcLevel::M).map_err(err)?;
    let mut canvas = Canvas::new(version, EcLevel::M);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data, &ec);
    let mut best: Option<(u32, Vec<bool>)> = None;
    for pattern in MASKS {
        let mut c = canvas.clone();
        c.apply_mask(pattern);
        let dark: Vec<bool> = c
            .into_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect();
        let score = penalty(&dark, n);
        if best.as_ref().is_none_or(|(b, _)| score < *b) {
            best = Some((score, dark));
        }
    }
    best.map(|(_, d)| (n, d))
        .ok_or_else(|| Error::Encode("QR: no mask pattern".into()))
}

/// The eight mask patterns of a (non-micro) QR symbol, in reference order.
const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// The mask penalty of ISO/IEC 18004 §7.8.3 on an `n`×`n` grid: N1 runs of five or more
/// modules of one colour (3 + run − 5), N2 2×2 blocks of one colour (3 each), N3 finder-like
/// 1:1:3:1:1 patterns with four light modules on one side (40 each), N4 the dark share's
/// distance from 50 % (10 per whole 5 %). Symbols up to [`BITS_MAX`] modules a side (version
/// 10; a certificate's code is version 6) are scored a row or column at a time as bits
/// ([`penalty_bits`]); larger ones module by module ([`penalty_modules`]).
fn penalty(dark: &[bool], n: usize) -> u32 {
    if n <= BITS_MAX && dark.len() >= n * n {
        penalty_bits(dark, n)
    } else {
        penalty_modules(dark, n)
    }
}

/// The penalty as ISO/IEC 18004 words it, module by module: symbols larger than
/// [`BITS_MAX`], and the oracle of [`penalty_bits`] in the tests.
fn penalty_modules(dark: &[bool], n: usize) -> u32 {
    let at = |x: usize, y: usize, vertical: bool| {
        if vertical {
            dark[x * n + y]
        } else {
            dark[y * n + x]
        }
    };
    let mut score = 0u32;
    for vertical in [false, true] {
        for y in 0..n {
            // N1: runs along the line.
            let mut run = 1;
            for x in 1..n {
                if at(x, y, vertical) == at(x - 1, y, vertical) {
                    run += 1;
                } else {
                    if run >= 5 {
                        score += 3 + (run - 5);
                    }
                    run = 1;
                }
            }
            if run >= 5 {
                score += 3 + (run - 5);
            }
            // N3: dark-light-dark-dark-dark-light-dark with four light modules before or after
            // (outside the symbol counts as light).
            let light = |x: isize| x < 0 || x >= n as isize || !at(x as usize, y, vertical);
            for x in 0..n.saturating_sub(6) {
                let p = |i: usize| at(x + i, y, vertical);
                if p(0) && !p(1) && p(2) && p(3) && p(4) && !p(5) && p(6) {
                    let xi = x as isize;
                    let before = (1..=4).all(|k| light(xi - k));
                    let after = (7..=10).all(|k| light(xi + k));
                    if before || after {
                        score += 40;
                    }
                }
            }
        }
    }
    // N2: 2×2 blocks.
    for y in 0..n.saturating_sub(1) {
        for x in 0..n - 1 {
            let c = dark[y * n + x];
            if dark[y * n + x + 1] == c
                && dark[(y + 1) * n + x] == c
                && dark[(y + 1) * n + x + 1] == c
            {
                score += 3;
            }
        }
    }
    score + balance_penalty(dark, n)
}

/// N4: the dark share's distance from 50 %, 10 per whole 5 %.
fn balance_penalty(dark: &[bool], n: usize) -> u32 {
    let d = dark.iter().filter(|d| **d).count();
    let total = (n * n).max(1);
    let pct = (d * 100) / total;
    10 * (pct.abs_diff(50) / 5) as u32
}

/// Largest side scored as bits: a line with four light modules padded on each side, and the
/// four after a finder-like pattern looked at, fits in a `u64` (4 + 56 + 4 ≤ 64).
const BITS_MAX: usize = 56;

/// [`penalty`] with each row and column a `u64` (module `i` at bit `i`): every rule is a few
/// shifts, ANDs and a popcount a line instead of a step a module.
fn penalty_bits(dark: &[bool], n: usize) -> u32 {
    let mut rows = [0u64; BITS_MAX];
    let mut cols = [0u64; BITS_MAX];
    for (y, row) in dark.chunks_exact(n).take(n).enumerate() {
        for (x, &d) in row.iter().enumerate() {
            rows[y] |= u64::from(d) << x;
            cols[x] |= u64::from(d) << y;
        }
    }
    let mut score = 0u32;
    for i in 0..n {
        score += line_penalty_bits(rows[i], n) + line_penalty_bits(cols[i], n);
    }
    // N2: a 2×2 block at x has a[x] = a[x+1] = b[x] = b[x+1]; x < n − 1.
    let inner = (1u64 << (n - 1)) - 1;
    for w in rows[..n].windows(2) {
        let (a, b) = (w[0], w[1]);
        let same = !(a ^ (a >> 1)) & !(a ^ b) & !(a ^ (b >> 1)) & inner;
        score += 3 * same.count_ones();
    }
    score + balance_penalty(dark, n)
}

/// N1 and N3 of one line of `n` ≤ [`BITS_MAX`] modules, module `i` at bit `i`.
fn line_penalty_bits(line: u64, n: usize) -> u32 {
    // N1: a run of L ≥ 5 scores L − 2 = (L − 4) + 2: one per window of five equal modules
    // inside it, and two for the window that starts it.
    let equal_next = !(line ^ (line >> 1)) & ((1u64 << (n - 1)) - 1);
    let e = equal_next;
    let five = e & (e >> 1) & (e >> 2) & (e >> 3);
    let starts = five & !(five << 1);
    let mut score = five.count_ones() + 2 * starts.count_ones();
    // N3: 1011101 (the same read either way) at bit j of the line padded with four light
    // modules before it; light outside the symbol. Its first and last modules are dark, so
    // a match lies inside the symbol, and j + 10 ≤ n + 7 < 64.
    let p = line << 4;
    let pattern = p & !(p >> 1) & (p >> 2) & (p >> 3) & (p >> 4) & !(p >> 5) & (p >> 6);
    let light = !p;
    let light4 = light & (light >> 1) & (light >> 2) & (light >> 3);
    let before = light4 << 4;
    let after = light4 >> 7;
    score += 40 * (pattern & (before | after)).count_ones();
    score
}

/// Every QR code found in a grey image (`w`×`h`, row-major, 0 = black), as raw payload bytes.
pub fn decode_codes(w: usize, h: usize, grey: &[u8]) -> Vec<Vec<u8>> {
    if grey.len() < w * h || w == 0 || h == 0 {
        return Vec::new();
    }
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| grey[y * w + x]);
    let mut out = Vec::new();
    for g in img.detect_grids() {
        let mut bytes = Vec::new();
        if g.decode_to(&mut bytes).is_ok() {
            out.push(bytes);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// N1 and N3 of one row or column, a module at a time: the oracle of
    /// [`line_penalty_bits`].
    fn line_penalty(line: &[bool]) -> u32 {
        let mut score = 0u32;
        // N1: runs along the line.
        let mut run = 1u32;
        for w in line.windows(2) {
            let same = w[0] == w[1];
            score += if !same && run >= 5 { run - 2 } else { 0 };
            run = if same { run + 1 } else { 1 };
        }
        if run >= 5 {
            score += 3 + (run - 5);
        }
        // N3: dark-light-dark-dark-dark-light-dark with four light modules before or after
        // (outside the symbol counts as light). A 15-module window slides over the line padded
        // with four light modules at each end: 4 before, the 7 of the pattern, 4 after.
        const PATTERN: u32 = 0b101_1101;
        let mut win = 0u32;
        let padded = [false; 4].iter().chain(line).chain(&[false; 4]).enumerate();
        for (e, m) in padded {
            win = ((win << 1) | u32::from(*m)) & 0x7fff;
            if e >= 14 && (win >> 4) & 0x7f == PATTERN && (win >> 11 == 0 || win & 0xf == 0) {
                score += 40;
            }
        }
        score
    }

    #[test]
    fn set_bits_sets_exactly_the_range() {
        for from in 0..24 {
            for to in from..=26 {
                let mut row = [0u8; 3];
                set_bits(&mut row, from, to);
                for i in 0..24 {
                    let set = row[i / 8] & (0x80 >> (i % 8)) != 0;
                    assert_eq!(set, (from..to).contains(&i), "{from}..{to} bit {i}");
                }
            }
        }
    }

    #[test]
    fn finder_like_patterns_count_with_light_on_either_side() {
        let line = |s: &str| s.bytes().map(|b| b == b'1').collect::<Vec<bool>>();
        // At the start (the outside is light), at the end, and boxed in by dark on both
        // sides (no four light modules: nothing).
        assert_eq!(line_penalty(&line("10111010000")), 40);
        assert_eq!(line_penalty(&line("00001011101")), 40);
        assert_eq!(line_penalty(&line("1101011101011")), 0);
        // Light on both sides counts once; a run of six light modules adds N1 (3 + 1).
        assert_eq!(line_penalty(&line("000010111010000")), 40);
        assert_eq!(line_penalty(&line("0000001011101")), 40 + 4);
        // The bit scorer agrees on each, and on edge cases of runs.
        for l in [
            "10111010000",
            "00001011101",
            "1101011101011",
            "000010111010000",
            "0000001011101",
            "11111",
            "1111",
            "0000011111000001",
            "1011101",
            "10111011011101",
        ] {
            let bools = line(l);
            let bits = bools
                .iter()
                .enumerate()
                .fold(0u64, |a, (i, d)| a | (u64::from(*d) << i));
            assert_eq!(
                line_penalty_bits(bits, bools.len()),
                line_penalty(&bools),
                "{l}"
            );
        }
    }

    #[test]
    fn line_scoring_matches_the_reference() {
        // Random grids (a fixed xorshift) of several sizes, and grids full of finder-like
        // patterns near the edges, where the light padding matters.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for n in [7usize, 11, 21, 25, 41, 55, 56, 57, 61] {
            for round in 0..40 {
                let dark: Vec<bool> = (0..n * n)
                    .map(|i| match round % 4 {
                        // Pure noise.
                        0 => next() & 1 == 1,
                        // Mostly light, with stripes of the finder ratio.
                        1 => {
                            [
                                true, false, true, true, true, false, true, false, false, false,
                                false,
                            ][(i + round) % 11]
                                && next() % 8 != 0
                        }
                        // Long runs.
                        2 => (i / 7 + round) % 3 == 0,
                        _ => next() % 3 == 0,
                    })
                    .collect();
                assert_eq!(
                    penalty(&dark, n),
                    penalty_modules(&dark, n),
                    "n {n} round {round}"
                );
                if n <= BITS_MAX {
                    let mut line = 0u64;
                    for (i, d) in dark[..n].iter().enumerate() {
                        line |= u64::from(*d) << i;
                    }
                    assert_eq!(
                        line_penalty_bits(line, n),
                        line_penalty(&dark[..n]),
                        "n {n} round {round}, first row"
                    );
                }
            }
        }
    }
}
