//! The `shomei` command line: inspect text layout, list layouts, make sample data, render.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd_batch;
mod cmd_render;
mod cmd_text;

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
    /// Renders many requests (JSON lines or a directory) through the render pool.
    RenderBatch(cmd_batch::BatchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Text(a) => cmd_text::run(a),
        Command::Layouts(a) => cmd_render::layouts(a),
        Command::Schema(a) => cmd_render::schema(a),
        Command::Render(a) => cmd_render::render(a),
        Command::RenderBatch(a) => cmd_batch::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("shomei: {}", e.to_string().replace('\n', " "));
            ExitCode::from(2)
        }
    }
}
