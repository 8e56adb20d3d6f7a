//! Seals as display-list items: the registered impression (印影) decoded from a registration
//! scan, the municipality's official seal (公印) from an image asset or generated as a square
//! 角印 from text, and round 丸印 for dummy residents. Everything is emitted in [`Ink::Red`];
//! the painter and PDF writer lay red over text by multiplying. Placement on certificate pages
//! (layout slots) is not done here.
//!
//! [`Ink::Red`]: crate::display::Ink::Red

mod asset;
mod impression;
mod kakuin;
mod marume;
mod noise;
mod outline;
mod raster;
mod scan;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod testutil;

pub use asset::{official_seal_image, seal_over_title, ASSET_DPI};
pub use impression::{
    decode_impression, place_impression, Impression, ImpressionScale, MAX_IMPRESSION_BYTES,
    MAX_IMPRESSION_SIDE_PX, MAX_SEAL_MM, MIN_SEAL_MM,
};
pub use kakuin::{kakuin, kakuin_shapes, KakuinSpec, TEXTURE_DPI};
pub use marume::marume;
pub use scan::rasterise_for_registration;
