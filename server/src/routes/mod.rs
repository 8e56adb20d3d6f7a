//! One module per endpoint group.

pub mod certificates;
pub mod health;
pub mod issuances;
pub mod layouts;
pub mod openapi;
pub mod verify;
