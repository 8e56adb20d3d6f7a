//! Japanese text: fonts and fallback, shaping, vertical orientation (UAX #50), kinsoku line
//! breaking, block layout and fitting, kanji numerals and 和暦 dates.

mod font;
pub mod kinsoku;
mod layout;
pub mod numerals;
pub mod orient;
mod shape;
pub mod wareki;

pub use font::{default_font_dir, FontDb, FontFace};
pub use layout::{
    glyph_ink, layout, Align, FitStep, Line, PlacedUnit, TextBlock, TextStyle, WritingMode,
};
pub use shape::{shape_run, ShapedGlyph};
