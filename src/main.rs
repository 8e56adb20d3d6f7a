//! The `shomei` command line: inspect text layout, list layouts, make sample data, render.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd_batch;
mod cmd_ir;
mod cmd_render;
mod cmd_sample;
mod cmd_text;
mod cmd_verify;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Renders Japanese municipal certificates.
#[derive(Parser)]
#[command(name = "shomei", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lays out one text in a box and prints its glyph positions or writes a PNG.
    Text(cmd_text::TextArgs),
    /// Lists the layouts: id, title, certificate type, writing mode.
    Layouts(cmd_render::LayoutsArgs),
    /// Prints the JSON Schema of a layout's data.
    Schema(cmd_render::SchemaArgs),
    /// Renders a certificate to PDF or PNG.
    Render(cmd_render::RenderArgs),
    /// Writes a new Ed25519 signing key pair.
    Keygen(cmd_verify::KeygenArgs),
    /// Verifies the signed code of a rendered page or a scan: exit 0 genuine, 3 not, 2 unreadable.
    Verify(cmd_verify::VerifyArgs),
    /// Prints fictitious sample data for a layout as JSON (deterministic per --seed).
    Sample(cmd_sample::SampleArgs),
    /// Renders many requests (JSON lines or a directory) through the render pool.
    RenderBatch(cmd_batch::BatchArgs),
    /// Writes the infrared latent image's visible, IR and copy views as PNGs, with its metrics.
    IrViews(cmd_ir::IrViewsArgs),
}

fn main() -> ExitCode {
    shomei_engine::pool::disable_transparent_huge_pages();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Text(a) => cmd_text::run(a),
        Command::Layouts(a) => cmd_render::layouts(a),
        Command::Schema(a) => cmd_render::schema(a),
        Command::Render(a) => cmd_render::render(a),
        Command::Keygen(a) => cmd_verify::keygen(a),
        Command::Verify(a) => match cmd_verify::verify(a) {
            Ok(code) => return ExitCode::from(code),
            Err(e) => Err(e),
        },
        Command::Sample(a) => cmd_sample::sample(a),
        Command::RenderBatch(a) => cmd_batch::run(a),
        Command::IrViews(a) => cmd_ir::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("shomei: {}", e.to_string().replace('\n', " "));
            ExitCode::from(2)
        }
    }
}
