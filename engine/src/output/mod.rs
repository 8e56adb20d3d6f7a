//! Encoders from painted planes or the display list to output bytes.

pub mod pdf;
pub mod png;
