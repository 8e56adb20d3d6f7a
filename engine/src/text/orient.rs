//! Vertical orientation of characters (UAX #50), with the few corrections certificates need.
//! Knows nothing about fonts: whether a Tr character has a vertical form is decided after shaping.

use icu_properties::props::VerticalOrientation;
use icu_properties::CodePointMapData;

/// How a character stands in a vertical column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Orientation {
    /// Upright (U).
    Upright,
    /// Upright, with a vertical glyph where the font has one (Tu).
    TransformedUpright,
    /// Rotated 90° clockwise (R).
    Rotated,
    /// A vertical glyph where the font has one, otherwise rotated (Tr).
    TransformedRotated,
}

impl Orientation {
    /// Whether the character is shaped top to bottom (U, Tu, Tr) rather than sideways.
    pub fn shapes_vertically(self) -> bool {
        !matches!(self, Orientation::Rotated)
    }
}

/// The UAX #50 orientation of `c`, with the AJ1 practice for ；(upright in AJ1 fonts).
pub fn orientation(c: char) -> Orientation {
    // AJ1 fonts keep the full-width semicolon upright (W3C JL-TF note on UAX #50).
    if c == '\u{FF1B}' {
        return Orientation::Upright;
    }
    match CodePointMapData::<VerticalOrientation>::new().get(c) {
        VerticalOrientation::Upright => Orientation::Upright,
        VerticalOrientation::TransformedUpright => Orientation::TransformedUpright,
        VerticalOrientation::TransformedRotated => Orientation::TransformedRotated,
        _ => Orientation::Rotated,
    }
}

/// Whether `c` is a variation selector (VS1–16 or VS17–256).
pub fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

/// Whether `c` joins the preceding character's cluster (variation selectors, combining marks
/// such as the combining (han)dakuten).
pub fn is_cluster_extender(c: char) -> bool {
    is_variation_selector(c)
        || matches!(c, '\u{0300}'..='\u{036F}' | '\u{3099}'..='\u{309A}' | '\u{200D}' | '\u{20D0}'..='\u{20FF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_of_certificate_characters() {
        assert_eq!(orientation('本'), Orientation::Upright);
        assert_eq!(orientation('〒'), Orientation::Upright);
        assert_eq!(orientation('、'), Orientation::TransformedUpright);
        assert_eq!(orientation('っ'), Orientation::TransformedUpright);
        assert_eq!(orientation('「'), Orientation::TransformedRotated);
        assert_eq!(orientation('ー'), Orientation::TransformedRotated);
        assert_eq!(orientation('（'), Orientation::TransformedRotated);
        assert_eq!(orientation('A'), Orientation::Rotated);
        assert_eq!(orientation('1'), Orientation::Rotated);
        assert_eq!(orientation(' '), Orientation::Rotated);
        assert_eq!(orientation('Ａ'), Orientation::Upright);
        assert_eq!(orientation('；'), Orientation::Upright);
    }
}
