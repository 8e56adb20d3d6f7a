//! Japanese text: fonts and fallback, shaping, vertical orientation, line breaking, block
//! layout and fitting, kanji numerals and 和暦 dates.

mod font;
pub mod numerals;
pub mod wareki;

pub use font::{default_font_dir, FontDb, FontFace};
