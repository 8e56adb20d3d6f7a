//! shomei's engine: renders Japanese municipal certificates from layouts and resident data.
//!
//! The flow runs one way: bind (validate and format data) → compose (shape and place text,
//! build the display list) → paint (ink planes, raster outputs only) → encode (PNG, PDF).

#![warn(missing_docs)]

pub mod display;
pub mod error;
pub mod geom;
pub mod layout;
pub mod output;
pub mod paint;
pub mod pool;
pub mod render;
pub mod sample;
pub mod seal;
pub mod security;
pub mod signed;
pub mod text;
pub mod untrusted_image;

pub use display::{Document, Ink, Item, Page};
pub use error::{Error, Result};
