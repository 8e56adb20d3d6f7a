//! Encoders: the display list to bytes (vector PDF).

pub mod pdf;
