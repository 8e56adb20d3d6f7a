//! Layouts: the template model (data, not code), binding of resident data, composition of
//! pages into display lists, pagination, and the catalog of layouts and municipalities.

mod bind;
mod catalog;
mod compose;
mod municipality;
mod schema;
mod template;

pub use bind::{
    bind, bind_json, kojin_bango_check_digit, kojin_bango_valid, Bound, ImageValue, Record, Value,
};
pub use catalog::{default_layout_dir, Catalog};
pub use compose::{Composer, Request};
pub use municipality::{Municipality, OfficialSeal, Signing};
pub use schema::json_schema;
pub use template::{FieldDecl, FieldKind, ItemDecl, OptionDecl, Template};
