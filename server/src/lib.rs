//! shomei's HTTP server: authenticated terminals issue certificates rendered on the engine's pool,
//! each issuance recorded in a ledger that holds no personal data.

#![warn(missing_docs)]

pub mod app;
pub mod auth;
pub mod clock;
pub mod config;
pub mod error;
pub mod ledger;
pub mod metrics;
pub mod render_bridge;
pub mod routes;
pub mod state;
pub mod tls;

pub use app::{app, serve, serve_tls};
pub use config::Config;
pub use state::AppState;
