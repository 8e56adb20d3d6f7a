//! The QR code: the payload as a 1-bit dot field at print resolution, and reading codes back
//! from a grey image (a render or a scan).

use std::sync::Arc;

use qrcode::{Color, EcLevel, QrCode};

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
    let code = QrCode::with_error_correction_level(payload, EcLevel::M)
        .map_err(|e| Error::Encode(format!("QR: {e}")))?;
    let n = code.width() as u32;
    let colors = code.to_colors();
    let side = (n + 2 * QUIET) * MODULE_PX;
    let stride = side.div_ceil(8);
    let mut bits = vec![0u8; (stride * side) as usize];
    for my in 0..n {
        for mx in 0..n {
            if colors.get((my * n + mx) as usize) != Some(&Color::Dark) {
                continue;
            }
            for py in 0..MODULE_PX {
                let row = ((QUIET + my) * MODULE_PX + py) * stride;
                for px in 0..MODULE_PX {
                    let xx = (QUIET + mx) * MODULE_PX + px;
                    if let Some(b) = bits.get_mut((row + xx / 8) as usize) {
                        *b |= 0x80 >> (xx % 8);
                    }
                }
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

/// The side of the printed code with its quiet zone, mm.
pub fn qr_side_mm(payload: &[u8]) -> Result<f32> {
    let code = QrCode::with_error_correction_level(payload, EcLevel::M)
        .map_err(|e| Error::Encode(format!("QR: {e}")))?;
    Ok((code.width() as u32 + 2 * QUIET) as f32 * MODULE_PX as f32 * 25.4 / QR_DPI as f32)
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
