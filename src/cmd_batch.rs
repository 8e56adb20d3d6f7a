//! `shomei render-batch`: renders a JSON-lines file (or a directory of JSON files) of requests
//! through the render pool, in input order, with a progress bar and a pages-per-second summary.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use shomei_engine::output::png::ColorMode;
use shomei_engine::pool::{Job, Pool, PoolOptions};
use shomei_engine::render::{Format, OutputOptions};
use shomei_engine::text::wareki::Date;
use shomei_engine::Error;

use crate::cmd_render::{renderer, today};

/// Arguments of `shomei render-batch`.
#[derive(Args)]
pub(crate) struct BatchArgs {
    /// A JSON-lines file (one request a line) or a directory of `*.json` requests. A request is
    /// `{layout, municipality?, data, items?, format?, dpi?, color?, serial?, issued_on?}`.
    input: PathBuf,
    /// Output directory: one file per request (`000001.pdf`, PNG pages `000001-2.png`).
    #[arg(short, long)]
    out: Option<PathBuf>,
    /// Render workers. Default: one per core.
    #[arg(long)]
    workers: Option<usize>,
    /// Default format of requests that name none.
    #[arg(long, default_value = "pdf")]
    format: String,
    /// Repeat the input this many times (throughput measurement).
    #[arg(long, default_value_t = 1)]
    repeat: usize,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

fn requests(input: &Path) -> Result<Vec<(String, Value)>, Error> {
    let read = |p: &Path| {
        std::fs::read_to_string(p)
            .map_err(|e| Error::input("input", format!("cannot read {}: {e}", p.display())))
    };
    let parse = |name: String, text: &str| {
        serde_json::from_str::<Value>(text)
            .map(|v| (name.clone(), v))
            .map_err(|e| {
                Error::input(
                    name,
                    format!(
                        "malformed JSON at column {}; expected a request object",
                        e.column()
                    ),
                )
            })
    };
    if input.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(input)
            .map_err(|e| Error::input("input", format!("cannot read the directory: {e}")))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| parse(p.display().to_string(), &read(p)?))
            .collect()
    } else {
        read(input)?
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| parse(format!("line {}", i + 1), l))
            .collect()
    }
}

fn job(v: &Value, index: usize, default_format: Format) -> Result<Job, Error> {
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let layout = s("layout").ok_or_else(|| Error::input("layout", "required"))?;
    let data = v
        .get("data")
        .filter(|d| d.is_object())
        .cloned()
        .ok_or_else(|| Error::input("data", "expected a JSON object"))?;
    let items = match v.get("items") {
        Some(Value::Array(a)) => Some(
            a.iter()
                .map(|x| x.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| Error::input("items", "expected an array of item names"))?,
        ),
        _ => None,
    };
    let format = match s("format").as_deref() {
        None => default_format,
        Some("pdf") => Format::Pdf,
        Some("png") => Format::Png,
        Some(_) => return Err(Error::input("format", "expected pdf or png")),
    };
    let dpi = match v.get("dpi") {
        None => 300,
        Some(d) => d
            .as_u64()
            .and_then(|d| u32::try_from(d).ok())
            .ok_or_else(|| Error::input("dpi", "expected a whole number of dots per inch"))?,
    };
    let color = match v.get("color") {
        None | Some(Value::Bool(false)) => ColorMode::Gray,
        Some(Value::Bool(true)) => ColorMode::Rgb,
        Some(_) => return Err(Error::input("color", "expected true or false")),
    };
    let issued_on = match s("issued_on") {
        Some(d) => Date::parse_iso(&d).map_err(|e| e.at("issued_on"))?,
        None => today(),
    };
    Ok(Job {
        layout,
        municipality: s("municipality").unwrap_or_else(|| "mihon-shi".into()),
        data,
        items,
        serial: s("serial").unwrap_or_else(|| format!("{:06}", index + 1)),
        issued_on,
        output: OutputOptions { format, dpi, color },
    })
}

/// Writes `dir/name` whole or not at all: the bytes go to `name.part`, renamed once written.
fn write_whole(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let part = dir.join(format!("{name}.part"));
    std::fs::write(&part, bytes)
        .and_then(|()| std::fs::rename(&part, dir.join(name)))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&part);
        })
}

pub(crate) fn run(a: BatchArgs) -> Result<(), Error> {
    let default_format = match a.format.as_str() {
        "pdf" => Format::Pdf,
        "png" => Format::Png,
        _ => return Err(Error::input("--format", "expected pdf or png")),
    };
    let reqs = requests(&a.input)?;
    let mut jobs = Vec::with_capacity(reqs.len() * a.repeat.max(1));
    for r in 0..a.repeat.max(1) {
        for (i, (name, v)) in reqs.iter().enumerate() {
            jobs.push(job(v, r * reqs.len() + i, default_format).map_err(|e| {
                Error::input(
                    format!("{name}: {}", e.field().unwrap_or("")),
                    e.to_string(),
                )
            })?);
        }
    }
    if let Some(o) = &a.out {
        std::fs::create_dir_all(o)
            .map_err(|e| Error::Encode(format!("cannot create {}: {e}", o.display())))?;
    }
    let mut opts = PoolOptions::default();
    if let Some(w) = a.workers {
        opts.workers = w.max(1);
        opts.queue = opts.workers * 4;
    }
    let pool = Pool::new(Arc::new(renderer()?), opts)?;
    let n = jobs.len();
    let bar = if a.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(n as u64)
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let start = Instant::now();
    let (mut pages, mut failed) = (0usize, 0usize);
    let mut write_err: Option<Error> = None;
    pool.render_batch_with(jobs, |i, r| {
        bar.inc(1);
        match r {
            Ok(doc) => {
                pages += doc.pages;
                if let Some(dir) = &a.out {
                    let many = doc.files.len() > 1;
                    for (p, bytes) in doc.files.iter().enumerate() {
                        let ext = if bytes.starts_with(b"%PDF") {
                            "pdf"
                        } else {
                            "png"
                        };
                        let name = if many {
                            format!("{:06}-{}.{ext}", i + 1, p + 1)
                        } else {
                            format!("{:06}.{ext}", i + 1)
                        };
                        if let Err(e) = write_whole(dir, &name, bytes) {
                            write_err.get_or_insert(Error::Encode(format!("cannot write: {e}")));
                        }
                    }
                }
            }
            Err(e) => {
                failed += 1;
                let line = format!(
                    "request {}: {}",
                    i % reqs.len().max(1) + 1,
                    e.to_string().replace('\n', " ")
                );
                bar.suspend(|| eprintln!("{line}"));
            }
        }
    });
    bar.finish_and_clear();
    let secs = start.elapsed().as_secs_f64().max(1e-9);
    eprintln!(
        "{n} requests ({failed} failed), {pages} pages in {secs:.2} s on {} workers: {:.1} certificates/s, {:.1} pages/s",
        pool.workers(),
        (n - failed) as f64 / secs,
        pages as f64 / secs
    );
    if let Some(e) = write_err {
        return Err(e);
    }
    if failed > 0 {
        return Err(Error::input(
            "input",
            format!("{failed} of {n} requests failed"),
        ));
    }
    Ok(())
}
