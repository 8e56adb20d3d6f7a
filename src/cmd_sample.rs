//! `shomei sample LAYOUT [--seed N]`: prints fictitious data for a layout as JSON (a contract:
//! other checks call it exactly so). Deterministic per seed; see `shomei_engine::sample`.

use clap::Args;
use shomei_engine::layout::{default_layout_dir, Catalog};
use shomei_engine::text::wareki::Date;
use shomei_engine::Error;

/// Arguments of `shomei sample`.
#[derive(Args)]
pub(crate) struct SampleArgs {
    /// Layout id (see `shomei layouts`).
    layout: String,
    /// Seed: the same seed prints the same data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Issue date the data must be valid for, YYYY-MM-DD (every past date lies on or before
    /// it). Default: today (UTC).
    #[arg(long)]
    issued_on: Option<String>,
}

pub(crate) fn sample(a: SampleArgs) -> Result<(), Error> {
    let issued_on = match &a.issued_on {
        Some(s) => Date::parse_iso(s).map_err(|e| e.at("--issued-on"))?,
        None => crate::cmd_render::today(),
    };
    let catalog = Catalog::load_dir(&default_layout_dir())?;
    let t = catalog.layout(&a.layout)?;
    let v = shomei_engine::sample::sample(t, a.seed, issued_on);
    println!(
        "{}",
        serde_json::to_string_pretty(&v).map_err(|e| Error::Encode(e.to_string()))?
    );
    Ok(())
}
