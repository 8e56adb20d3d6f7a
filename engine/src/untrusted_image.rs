//! Decoding an image someone sent (a registered seal's scan, a verifier's scan of a back):
//! the format is sniffed from the bytes and must be one the caller accepts, the header's
//! dimensions are checked before any pixel is decoded, and the decoder runs under allocation
//! limits. Callers turn a [`Rejection`] into their own field and message.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader, Limits};

/// What an image may be.
#[derive(Clone, Copy, Debug)]
pub struct Guard<'a> {
    /// Accepted formats.
    pub formats: &'a [ImageFormat],
    /// Largest side, px.
    pub max_side: u32,
    /// Largest pixel count.
    pub max_pixels: u64,
    /// Allocation limit of the decoder; none for 8 bytes a pixel of this image plus 64 MiB
    /// (16-bit RGBA and the decoder's own buffers).
    pub max_alloc: Option<u64>,
}

/// Why an image was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Not one of the accepted formats (or no recognisable image at all).
    Format,
    /// A side of zero pixels.
    Empty,
    /// Larger than the guard allows.
    TooLarge {
        /// Width, px.
        w: u32,
        /// Height, px.
        h: u32,
    },
    /// The decoder failed (corrupt data, or over the allocation limit).
    Undecodable(String),
}

/// Decodes `bytes` under `guard`.
pub fn decode(bytes: &[u8], guard: &Guard<'_>) -> Result<DynamicImage, Rejection> {
    let undecodable = |e: &dyn std::fmt::Display| Rejection::Undecodable(e.to_string());
    let open = || {
        ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| undecodable(&e))
    };
    let header = open()?;
    if !header.format().is_some_and(|f| guard.formats.contains(&f)) {
        return Err(Rejection::Format);
    }
    let (w, h) = header.into_dimensions().map_err(|e| undecodable(&e))?;
    if w == 0 || h == 0 {
        return Err(Rejection::Empty);
    }
    if w > guard.max_side || h > guard.max_side || u64::from(w) * u64::from(h) > guard.max_pixels {
        return Err(Rejection::TooLarge { w, h });
    }
    let mut rd = open()?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(guard.max_side);
    limits.max_image_height = Some(guard.max_side);
    limits.max_alloc = Some(
        guard
            .max_alloc
            .unwrap_or(u64::from(w) * u64::from(h) * 8 + (64 << 20)),
    );
    rd.limits(limits);
    rd.decode().map_err(|e| undecodable(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image::GrayImage::new(w, h)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    const GUARD: Guard<'static> = Guard {
        formats: &[ImageFormat::Png],
        max_side: 64,
        max_pixels: 1000,
        max_alloc: None,
    };

    #[test]
    fn refuses_each_way_with_its_reason() {
        assert_eq!(decode(&png(20, 30), &GUARD).unwrap().width(), 20);
        assert_eq!(decode(b"not an image", &GUARD), Err(Rejection::Format));
        let jpeg_only = Guard {
            formats: &[ImageFormat::Jpeg],
            ..GUARD
        };
        assert_eq!(decode(&png(4, 4), &jpeg_only), Err(Rejection::Format));
        assert_eq!(
            decode(&png(65, 2), &GUARD),
            Err(Rejection::TooLarge { w: 65, h: 2 })
        );
        assert_eq!(
            decode(&png(40, 40), &GUARD),
            Err(Rejection::TooLarge { w: 40, h: 40 })
        );
        let mut cut = png(20, 30);
        cut.truncate(cut.len() - 20);
        assert!(matches!(
            decode(&cut, &GUARD),
            Err(Rejection::Undecodable(_))
        ));
    }
}
