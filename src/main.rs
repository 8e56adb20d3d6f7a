//! The `shomei` command line: inspect text layout, list layouts, make sample data, render.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Text(a) => cmd_text::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("shomei: {}", e.to_string().replace('\n', " "));
            ExitCode::from(2)
        }
    }
}
