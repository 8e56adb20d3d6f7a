//! Encoders from painted planes or the display list to output bytes.

pub mod png;
