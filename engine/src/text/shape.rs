//! The only caller of rustybuzz. Shapes one run of one font in one direction; the direction is
//! an argument, never a copy of this code. Plans are built once per face and direction.

use rustybuzz::{script, Direction, Feature, UnicodeBuffer};

use crate::display::FontId;

use super::font::FontDb;

/// One shaped glyph, in font units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShapedGlyph {
    /// Glyph id.
    pub gid: u16,
    /// The cluster value given with the character that produced it.
    pub cluster: u32,
    /// Advance along the line (down the column when vertical), positive.
    pub advance: i32,
    /// Offset of the glyph's origin from the pen, x (right), font units.
    pub x_off: i32,
    /// Offset of the glyph's origin from the pen, y (up), font units.
    pub y_off: i32,
}

/// Features for solid setting with one glyph per character: no kerning, no ligatures.
pub(crate) fn solid_features() -> [Feature; 4] {
    let off = |t: &[u8; 4]| Feature::new(ttf_parser::Tag::from_bytes(t), 0, ..);
    [off(b"kern"), off(b"liga"), off(b"clig"), off(b"palt")]
}

/// Shapes `chars` (each with its cluster value) in `font`, top to bottom when `vertical`
/// (so `vert` applies and vertical metrics are used), left to right otherwise. Appends to `out`.
pub fn shape_run(
    db: &FontDb,
    font: FontId,
    vertical: bool,
    chars: &[(char, u32)],
    out: &mut Vec<ShapedGlyph>,
) {
    if chars.is_empty() {
        return;
    }
    let face = db.get(font);
    let mut buf = UnicodeBuffer::new();
    for &(c, cluster) in chars {
        buf.add(c, cluster);
    }
    buf.set_direction(if vertical {
        Direction::TopToBottom
    } else {
        Direction::LeftToRight
    });
    buf.set_script(script::HAN);
    if let Ok(lang) = "ja".parse() {
        buf.set_language(lang);
    }
    let plan = face.plan(vertical);
    let shaped = rustybuzz::shape_with_plan(face.face(), plan, buf);
    for (info, pos) in shaped.glyph_infos().iter().zip(shaped.glyph_positions()) {
        let advance = if vertical {
            -pos.y_advance
        } else {
            pos.x_advance
        };
        out.push(ShapedGlyph {
            gid: u16::try_from(info.glyph_id).unwrap_or(0),
            cluster: info.cluster,
            advance,
            x_off: pos.x_offset,
            y_off: pos.y_offset,
        });
    }
}
