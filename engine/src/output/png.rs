//! PNG from ink planes: the inks are composited and filtered row by row while the rows stream
//! into fdeflate (the `png` crate's `Compression::Fast` deflate, called directly so the
//! compressed stream goes straight into the output without the `png` crate's extra row
//! copies), as 8-bit grey, RGB or 1-bit; pHYs carries the dpi.
//!
//! Inks lie on paper by multiply: each channel is 255·∏ᵢ(1 − coverageᵢ·(1 − colourᵢ)), so seal
//! red over black stays black and red over paper is the seal colour (or its grey).

use crate::display::Ink;
use crate::error::{Error, Result};
use crate::paint::Planes;

/// Seal vermilion (朱肉) in sRGB, the colour of [`Ink::Red`] in RGB output.
pub const RED_RGB: [u8; 3] = [227, 66, 52];

/// Pixel format of the PNG.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ColorMode {
    /// 8-bit greyscale; red ink becomes [`PngOptions::red_gray`]. The default.
    #[default]
    Gray,
    /// 8-bit RGB; red ink stays [`RED_RGB`].
    Rgb,
    /// 1-bit black and white: the grey composite thresholded at [`PngOptions::mono_threshold`].
    Mono,
}

/// How planes become a PNG.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PngOptions {
    /// Pixel format. Default: [`ColorMode::Gray`].
    pub color: ColorMode,
    /// Grey level (0 = black, 255 = paper) that full red ink prints as in `Gray` and `Mono`.
    /// Default: 96 (a mid-dark grey; black under the default mono threshold).
    pub red_gray: u8,
    /// In `Mono`, a pixel whose grey composite is below this is black. Default: 128.
    pub mono_threshold: u8,
}

impl Default for PngOptions {
    fn default() -> Self {
        PngOptions {
            color: ColorMode::Gray,
            red_gray: 96,
            mono_threshold: 128,
        }
    }
}

/// PNG row filter applied to every row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(not(test), allow(dead_code))] // the others are measured and cross-checked in tests
pub(crate) enum RowFilter {
    None = 0,
    Sub = 1,
    Up = 2,
}

/// The row filter per mode. Measured on a 600 dpi A4 page of 500 glyphs over a full-page dot
/// field (the painter's `page_600dpi_timing` test): for grey, Sub and Up compress alike at
/// fdeflate speed (Sub a little smaller and faster); for RGB and 1-bit, Up gives ~15 % fewer
/// bytes. No filter gives 2.7× the bytes; the `png` crate's adaptive filter costs more time
/// than it saves bytes.
fn filter_for(color: ColorMode) -> RowFilter {
    match color {
        ColorMode::Gray => RowFilter::Sub,
        ColorMode::Rgb | ColorMode::Mono => RowFilter::Up,
    }
}

/// Encodes `planes` as a PNG.
///
/// Errors: [`Error::Encode`] when the planes are malformed (wrong count or size) or encoding fails.
pub fn encode_png(planes: &Planes, opts: &PngOptions) -> Result<Vec<u8>> {
    encode_with(planes, opts, filter_for(opts.color))
}

/// x·y/255 rounded, for x, y in 0..=255.
#[inline]
fn mul255(x: u32, y: u32) -> u32 {
    let p = x * y + 128;
    (p + (p >> 8)) >> 8
}

/// Factor (0..=255) that red coverage `r` leaves of a channel whose ink colour is `c`:
/// 255·(1 − r·(1 − c)).
fn red_lut(c: u8) -> [u8; 256] {
    let mut t = [0u8; 256];
    for (r, v) in t.iter_mut().enumerate() {
        *v = (255 - mul255(r as u32, 255 - u32::from(c))) as u8;
    }
    t
}

fn is_blank(row: &[u8]) -> bool {
    row.iter().fold(0u8, |a, &v| a | v) == 0
}

/// One grey row: (255 − black) · lut[red] / 255.
fn gray_row(black: &[u8], red: &[u8], lut: &[u8; 256], out: &mut [u8]) {
    if is_blank(red) {
        for (o, &b) in out.iter_mut().zip(black) {
            *o = 255 - b;
        }
    } else {
        for ((o, &b), &r) in out.iter_mut().zip(black).zip(red) {
            *o = mul255(255 - u32::from(b), u32::from(lut[usize::from(r)])) as u8;
        }
    }
}

fn rgb_row(black: &[u8], red: &[u8], luts: &[[u8; 256]; 3], out: &mut [u8]) {
    let blank = is_blank(red);
    for ((o, &b), &r) in out.chunks_exact_mut(3).zip(black).zip(red) {
        let paper = 255 - u32::from(b);
        if blank {
            o.fill(paper as u8);
        } else {
            for (c, lut) in o.iter_mut().zip(luts) {
                *c = mul255(paper, u32::from(lut[usize::from(r)])) as u8;
            }
        }
    }
}

/// Packs a grey row to 1 bit per pixel, most significant bit first, 1 = white.
fn mono_row(gray: &[u8], threshold: u8, out: &mut [u8]) {
    for (o, px) in out.iter_mut().zip(gray.chunks(8)) {
        let mut byte = 0u8;
        for (i, &g) in px.iter().enumerate() {
            if g >= threshold {
                byte |= 0x80 >> i;
            }
        }
        *o = byte;
    }
}

fn encode_err(e: impl std::fmt::Display) -> Error {
    Error::Encode(format!("png: {e}"))
}

const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// Appends one chunk: length, type, data, CRC-32 of type and data.
fn push_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) -> Result<()> {
    let len =
        u32::try_from(data.len()).map_err(|_| Error::Encode("png: chunk too large".into()))?;
    out.extend_from_slice(&len.to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
    Ok(())
}

/// Writes `filter`ed `row` (after `prev`) into `dst`, whose first byte is the filter type.
fn filter_row(filter: RowFilter, bpp: usize, row: &[u8], prev: &[u8], dst: &mut [u8]) {
    let Some((kind, body)) = dst.split_first_mut() else {
        return;
    };
    *kind = filter as u8;
    match filter {
        RowFilter::None => body.copy_from_slice(row),
        RowFilter::Up => {
            for ((d, &x), &p) in body.iter_mut().zip(row).zip(prev) {
                *d = x.wrapping_sub(p);
            }
        }
        RowFilter::Sub => {
            let n = bpp.min(row.len());
            body[..n].copy_from_slice(&row[..n]);
            for ((d, &x), &l) in body[n..].iter_mut().zip(&row[n..]).zip(row) {
                *d = x.wrapping_sub(l);
            }
        }
    }
}

/// [`encode_png`] with a chosen row filter.
pub(crate) fn encode_with(
    planes: &Planes,
    opts: &PngOptions,
    filter: RowFilter,
) -> Result<Vec<u8>> {
    if !planes.is_well_formed() || planes.width == 0 || planes.height == 0 {
        return Err(Error::Encode(format!(
            "planes: expected {} planes of {}×{} bytes; paint them with Painter::paint_page or Planes::new",
            Ink::ALL.len(),
            planes.width,
            planes.height
        )));
    }
    let (w, h) = (planes.width as usize, planes.height as usize);
    // (bit depth, colour type, bytes per row, bytes per pixel for the Sub filter)
    let (depth, color_type, row_len, bpp) = match opts.color {
        ColorMode::Gray => (8u8, 0u8, w, 1),
        ColorMode::Rgb => (8, 2, 3 * w, 3),
        ColorMode::Mono => (1, 0, w.div_ceil(8), 1),
    };
    // Room for a well-compressed page; only the pages written to are ever touched.
    let mut out = Vec::with_capacity((row_len + 1) * h / 2 + 4096);
    out.extend_from_slice(&SIGNATURE);
    let mut ihdr = [0u8; 13];
    ihdr[..4].copy_from_slice(&planes.width.to_be_bytes());
    ihdr[4..8].copy_from_slice(&planes.height.to_be_bytes());
    ihdr[8] = depth;
    ihdr[9] = color_type;
    push_chunk(&mut out, b"IHDR", &ihdr)?;
    let ppm = (f64::from(planes.dpi) / 0.0254).round() as u32;
    let mut phys = [1u8; 9];
    phys[..4].copy_from_slice(&ppm.to_be_bytes());
    phys[4..8].copy_from_slice(&ppm.to_be_bytes());
    push_chunk(&mut out, b"pHYs", &phys)?;

    // One IDAT chunk; its length is patched in when the stream is done.
    let idat = out.len();
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(b"IDAT");
    let mut z = fdeflate::Compressor::new(out).map_err(encode_err)?;
    let black = planes.plane(Ink::Black);
    let red = planes.plane(Ink::Red);
    let gray_lut = red_lut(opts.red_gray);
    let rgb_luts = [
        red_lut(RED_RGB[0]),
        red_lut(RED_RGB[1]),
        red_lut(RED_RGB[2]),
    ];
    let mut gray = vec![0u8; w];
    let mut row = vec![0u8; row_len];
    let mut prev = vec![0u8; row_len];
    let mut filtered = vec![0u8; row_len + 1];
    for (b, r) in black.chunks_exact(w).zip(red.chunks_exact(w)) {
        match opts.color {
            ColorMode::Gray => gray_row(b, r, &gray_lut, &mut row),
            ColorMode::Rgb => rgb_row(b, r, &rgb_luts, &mut row),
            ColorMode::Mono => {
                gray_row(b, r, &gray_lut, &mut gray);
                mono_row(&gray, opts.mono_threshold, &mut row);
            }
        }
        filter_row(filter, bpp, &row, &prev, &mut filtered);
        z.write_data(&filtered).map_err(encode_err)?;
        std::mem::swap(&mut row, &mut prev);
    }
    let mut out = z.finish().map_err(encode_err)?;
    let len = out.len() - idat - 8;
    let len = u32::try_from(len)
        .ok()
        .filter(|&l| l <= 0x7FFF_FFFF)
        .ok_or_else(|| Error::Encode("png: image data over 2 GiB; lower the dpi".into()))?;
    out[idat..idat + 4].copy_from_slice(&len.to_be_bytes());
    let crc = crc32fast::hash(&out[idat + 4..]);
    out.extend_from_slice(&crc.to_be_bytes());
    push_chunk(&mut out, b"IEND", &[])?;
    Ok(out)
}

/// The same image through the `png` crate's own encoder (fdeflate, Up), to compare with.
#[cfg(test)]
pub(crate) fn encode_with_png_crate(planes: &Planes, opts: &PngOptions) -> Result<Vec<u8>> {
    use std::io::Write;
    let (w, h) = (planes.width as usize, planes.height as usize);
    let (color, depth, row_len) = match opts.color {
        ColorMode::Gray => (png::ColorType::Grayscale, png::BitDepth::Eight, w),
        ColorMode::Rgb => (png::ColorType::Rgb, png::BitDepth::Eight, 3 * w),
        ColorMode::Mono => (png::ColorType::Grayscale, png::BitDepth::One, w.div_ceil(8)),
    };
    let mut out = Vec::with_capacity(row_len * h / 8 + 1024);
    let mut enc = png::Encoder::new(&mut out, planes.width, planes.height);
    enc.set_color(color);
    enc.set_depth(depth);
    enc.set_compression(png::Compression::Fast);
    enc.set_filter(png::Filter::Up);
    let mut writer = enc.write_header().map_err(encode_err)?;
    let mut stream = writer
        .stream_writer_with_size(1 << 20)
        .map_err(encode_err)?;
    let gray_lut = red_lut(opts.red_gray);
    let rgb_luts = [
        red_lut(RED_RGB[0]),
        red_lut(RED_RGB[1]),
        red_lut(RED_RGB[2]),
    ];
    let mut gray = vec![0u8; w];
    let mut row = vec![0u8; row_len];
    for (b, r) in planes
        .plane(Ink::Black)
        .chunks_exact(w)
        .zip(planes.plane(Ink::Red).chunks_exact(w))
    {
        match opts.color {
            ColorMode::Gray => gray_row(b, r, &gray_lut, &mut row),
            ColorMode::Rgb => rgb_row(b, r, &rgb_luts, &mut row),
            ColorMode::Mono => {
                gray_row(b, r, &gray_lut, &mut gray);
                mono_row(&gray, opts.mono_threshold, &mut row);
            }
        }
        stream.write_all(&row).map_err(encode_err)?;
    }
    stream.finish().map_err(encode_err)?;
    writer.finish().map_err(encode_err)?;
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn planes_with(black: u8, red: u8) -> Planes {
        let mut p = Planes::new((25.4, 25.4), 4);
        p.plane_mut(Ink::Black).fill(black);
        p.plane_mut(Ink::Red).fill(red);
        p
    }

    fn decode(bytes: &[u8]) -> (png::OutputInfo, Vec<u8>, Option<png::PixelDimensions>) {
        let mut r = png::Decoder::new(std::io::Cursor::new(bytes))
            .read_info()
            .unwrap();
        let dims = r.info().pixel_dims;
        let mut buf = vec![0; r.output_buffer_size().unwrap()];
        let info = r.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info, buf, dims)
    }

    #[test]
    fn red_over_black_stays_black() {
        for color in [ColorMode::Gray, ColorMode::Rgb] {
            let opts = PngOptions {
                color,
                ..PngOptions::default()
            };
            let (_, px, _) = decode(&encode_png(&planes_with(255, 255), &opts).unwrap());
            assert!(px.iter().all(|&v| v == 0), "{color:?}: {px:?}");
        }
    }

    #[test]
    fn red_over_paper_is_the_seal_colour_or_its_grey() {
        let opts = PngOptions {
            color: ColorMode::Rgb,
            ..PngOptions::default()
        };
        let (_, px, _) = decode(&encode_png(&planes_with(0, 255), &opts).unwrap());
        assert_eq!(&px[..3], &RED_RGB);
        let opts = PngOptions {
            red_gray: 96,
            ..PngOptions::default()
        };
        let (_, px, _) = decode(&encode_png(&planes_with(0, 255), &opts).unwrap());
        assert!(px.iter().all(|&v| v == 96));
        // Half red over half black: (1 − 0.5)·(1 − 0.5·(1 − 96/255)) ≈ 0.344 → 88.
        let (_, px, _) = decode(&encode_png(&planes_with(128, 128), &opts).unwrap());
        assert!((i32::from(px[0]) - 88).abs() <= 1, "{}", px[0]);
        // Paper is white.
        let (_, px, _) = decode(&encode_png(&planes_with(0, 0), &opts).unwrap());
        assert!(px.iter().all(|&v| v == 255));
    }

    #[test]
    fn output_decodes_with_size_colour_depth_and_phys() {
        let mut p = Planes::new(crate::geom::A4_MM, 50);
        let (w, h) = (p.width, p.height);
        assert_eq!((w, h), crate::geom::page_px(crate::geom::A4_MM, 50));
        // A black square at (10, 20), 8×8 px; red at (40, 40).
        for y in 20..28 {
            p.plane_mut(Ink::Black)[y * w as usize + 10..y * w as usize + 18].fill(255);
        }
        p.plane_mut(Ink::Red)[40 * w as usize + 40] = 255;
        let cases = [
            (
                ColorMode::Gray,
                png::ColorType::Grayscale,
                png::BitDepth::Eight,
            ),
            (ColorMode::Rgb, png::ColorType::Rgb, png::BitDepth::Eight),
            (
                ColorMode::Mono,
                png::ColorType::Grayscale,
                png::BitDepth::One,
            ),
        ];
        for (mode, ct, bd) in cases {
            let opts = PngOptions {
                color: mode,
                ..PngOptions::default()
            };
            let (info, px, dims) = decode(&encode_png(&p, &opts).unwrap());
            assert_eq!((info.width, info.height), (w, h));
            assert_eq!((info.color_type, info.bit_depth), (ct, bd), "{mode:?}");
            let dims = dims.unwrap();
            assert_eq!(
                (dims.xppu, dims.yppu, dims.unit),
                (1969, 1969, png::Unit::Meter)
            );
            let at = |x: usize, y: usize| match mode {
                ColorMode::Gray => px[y * w as usize + x],
                ColorMode::Rgb => px[3 * (y * w as usize + x) + 1],
                ColorMode::Mono => {
                    let stride = (w as usize).div_ceil(8);
                    if px[y * stride + x / 8] & (0x80 >> (x % 8)) != 0 {
                        255
                    } else {
                        0
                    }
                }
            };
            assert_eq!(at(10, 20), 0, "{mode:?}");
            assert_eq!(at(17, 27), 0, "{mode:?}");
            assert_eq!(at(18, 27), 255, "{mode:?}");
            assert_eq!(at(9, 20), 255, "{mode:?}");
            let red_g = match mode {
                ColorMode::Gray => 96,
                ColorMode::Rgb => RED_RGB[1],
                ColorMode::Mono => 0,
            };
            assert_eq!(at(40, 40), red_g, "{mode:?}");
        }
    }

    #[test]
    fn every_filter_decodes_to_what_the_png_crate_writes() {
        let mut p = Planes::new((30.0, 20.0), 100);
        let w = p.width as usize;
        for (i, v) in p.plane_mut(Ink::Black).iter_mut().enumerate() {
            *v = ((i * 37 + i / w * 11) % 256) as u8;
        }
        for (i, v) in p.plane_mut(Ink::Red).iter_mut().enumerate() {
            *v = if (i / w).is_multiple_of(3) {
                (i % 256) as u8
            } else {
                0
            };
        }
        for color in [ColorMode::Gray, ColorMode::Rgb, ColorMode::Mono] {
            let opts = PngOptions {
                color,
                ..PngOptions::default()
            };
            let (_, want, _) = decode(&encode_with_png_crate(&p, &opts).unwrap());
            for f in [RowFilter::None, RowFilter::Sub, RowFilter::Up] {
                let (_, got, _) = decode(&encode_with(&p, &opts, f).unwrap());
                assert!(got == want, "{color:?} {f:?}");
            }
        }
    }

    #[test]
    fn phys_at_600_dpi() {
        let p = Planes::new((2.0, 2.0), 600);
        let (_, _, dims) = decode(&encode_png(&p, &PngOptions::default()).unwrap());
        assert_eq!(dims.unwrap().xppu, 23622);
    }

    #[test]
    fn malformed_planes_are_an_error() {
        let mut p = Planes::new((10.0, 10.0), 72);
        p.planes.pop();
        assert!(matches!(
            encode_png(&p, &PngOptions::default()),
            Err(Error::Encode(_))
        ));
    }
}
