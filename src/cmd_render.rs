//! `shomei layouts`, `shomei schema`, `shomei render`: the certificate commands (contracts other
//! checks call exactly so).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, ValueEnum};
use serde_json::json;
use shomei_engine::layout::{default_layout_dir, json_schema, Catalog, Request};
use shomei_engine::output::png::ColorMode;
use shomei_engine::render::{Format, OutputOptions, Renderer};
use shomei_engine::text::wareki::Date;
use shomei_engine::text::FontDb;
use shomei_engine::Error;

/// The renderer over the default fonts and layouts.
pub(crate) fn renderer() -> Result<Renderer, Error> {
    let fonts = FontDb::shared()?;
    let catalog = Catalog::load_dir(&default_layout_dir())?;
    Ok(Renderer::new(fonts, Arc::new(catalog)))
}

/// Arguments of `shomei layouts`.
#[derive(Args)]
pub(crate) struct LayoutsArgs {
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn layouts(a: LayoutsArgs) -> Result<(), Error> {
    let catalog = Catalog::load_dir(&default_layout_dir())?;
    let list: Vec<_> = catalog
        .layouts()
        .map(|t| {
            let mode = match t.mode {
                shomei_engine::text::WritingMode::Vertical => "vertical",
                shomei_engine::text::WritingMode::Horizontal => "horizontal",
            };
            (t.id.clone(), t.title.clone(), t.certificate.clone(), mode)
        })
        .collect();
    if a.json {
        let v: Vec<_> = list.iter().map(|(id, title, cert, mode)| json!({"id": id, "title": title, "certificate": cert, "mode": mode})).collect();
        println!("{}", serde_json::Value::Array(v));
    } else {
        for (id, title, cert, mode) in list {
            println!("{id}\t{title}\t{cert}\t{mode}");
        }
    }
    Ok(())
}

/// Arguments of `shomei schema`.
#[derive(Args)]
pub(crate) struct SchemaArgs {
    /// Layout id.
    layout: String,
}

pub(crate) fn schema(a: SchemaArgs) -> Result<(), Error> {
    let catalog = Catalog::load_dir(&default_layout_dir())?;
    let t = catalog.layout(&a.layout)?;
    println!(
        "{}",
        serde_json::to_string_pretty(&json_schema(t)).map_err(|e| Error::Encode(e.to_string()))?
    );
    Ok(())
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum FormatArg {
    Png,
    Pdf,
}

/// Arguments of `shomei render`.
#[derive(Args)]
pub(crate) struct RenderArgs {
    /// Layout id (see `shomei layouts`).
    #[arg(long)]
    layout: String,
    /// Municipality id. Default: mihon-shi.
    #[arg(long, default_value = "mihon-shi")]
    municipality: String,
    /// Resident data, a JSON file, or - for standard input.
    #[arg(long)]
    data: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "pdf")]
    format: FormatArg,
    /// Raster resolution for PNG.
    #[arg(long, default_value_t = 300)]
    dpi: u32,
    /// Colour PNG (the seal red); default grey.
    #[arg(long)]
    color: bool,
    /// 1-bit PNG.
    #[arg(long, conflicts_with = "color")]
    mono: bool,
    /// Issuance serial as printed.
    #[arg(long, default_value = "000001")]
    serial: String,
    /// Issue date, YYYY-MM-DD. Default: today (UTC).
    #[arg(long)]
    issued_on: Option<String>,
    /// Optional items chosen by the requester, comma separated (see `shomei schema`).
    #[arg(long)]
    items: Option<String>,
    /// The registered seal impression as an image file (PNG, JPEG, BMP or TIFF), for a layout
    /// with an image field; replaces that field of the data. Give --seal-size-mm or --seal-dpi.
    #[arg(long)]
    seal: Option<PathBuf>,
    /// Physical size of the impression (longer side or diameter), mm.
    #[arg(long, requires = "seal")]
    seal_size_mm: Option<f64>,
    /// Resolution the impression was scanned at.
    #[arg(long, requires = "seal")]
    seal_dpi: Option<f64>,
    /// Output path. PNG with several pages: stem-1.png, stem-2.png …
    #[arg(short, long)]
    out: PathBuf,
}

/// Today's date (UTC), for a CLI run that names none.
pub(crate) fn today() -> Date {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days_since_1970 = (secs / 86_400) as i32;
    Date::from_days_since_2000(days_since_1970 - 10_957)
}

pub(crate) fn read_data(arg: &str) -> Result<String, Error> {
    let mut s = String::new();
    if arg == "-" {
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Error::input("--data", format!("cannot read standard input: {e}")))?;
    } else {
        s = std::fs::read_to_string(arg)
            .map_err(|e| Error::input("--data", format!("cannot read the file: {e}")))?;
    }
    Ok(s)
}

pub(crate) fn render(a: RenderArgs) -> Result<(), Error> {
    let issued_on = match &a.issued_on {
        Some(s) => Date::parse_iso(s).map_err(|e| e.at("--issued-on"))?,
        None => today(),
    };
    let text = read_data(&a.data)?;
    let mut data: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Error::input(
            "data",
            format!(
                "malformed JSON at line {} column {}: expected a JSON object",
                e.line(),
                e.column()
            ),
        )
    })?;
    let items: Option<Vec<String>> = a.items.as_ref().map(|s| {
        s.split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect()
    });
    let r = renderer()?;
    if let Some(path) = &a.seal {
        attach_seal(&r, &a, path, &mut data)?;
    }
    let req = Request {
        layout: &a.layout,
        municipality: &a.municipality,
        data: &data,
        items: items.as_deref(),
        serial: &a.serial,
        issued_on,
    };
    let out = OutputOptions {
        format: match a.format {
            FormatArg::Png => Format::Png,
            FormatArg::Pdf => Format::Pdf,
        },
        dpi: a.dpi,
        color: if a.color {
            ColorMode::Rgb
        } else if a.mono {
            ColorMode::Mono
        } else {
            ColorMode::Gray
        },
    };
    let rendered = r.render(&req, &out)?;
    write_outputs(&a.out, &rendered.files)
}

/// Puts the impression file into the layout's image field, as the API would carry it.
fn attach_seal(
    r: &Renderer,
    a: &RenderArgs,
    path: &Path,
    data: &mut serde_json::Value,
) -> Result<(), Error> {
    use base64::Engine as _;
    let t = r.catalog().layout(&a.layout)?;
    let field = t
        .fields
        .iter()
        .find(|(_, d)| d.kind == shomei_engine::layout::FieldKind::Image)
        .map(|(k, _)| k.clone())
        .ok_or_else(|| Error::input("--seal", "this layout has no seal impression field"))?;
    let meta =
        std::fs::metadata(path).map_err(|e| Error::input("--seal", format!("cannot read: {e}")))?;
    if meta.len() > 8 * 1024 * 1024 {
        return Err(Error::Image {
            field: "--seal".into(),
            message: "the image file is larger than 8 MB; send a smaller scan".into(),
        });
    }
    let bytes =
        std::fs::read(path).map_err(|e| Error::input("--seal", format!("cannot read: {e}")))?;
    let mut v = json!({ "base64": base64::engine::general_purpose::STANDARD.encode(bytes) });
    match (a.seal_size_mm, a.seal_dpi) {
        (Some(s), _) => v["size_mm"] = json!(s),
        (None, Some(d)) => v["dpi"] = json!(d),
        (None, None) => return Err(Error::input("--seal", "give --seal-size-mm or --seal-dpi")),
    }
    let obj = data
        .as_object_mut()
        .ok_or_else(|| Error::input("data", "expected a JSON object"))?;
    obj.insert(field, v);
    Ok(())
}

/// Writes every file, or none: each goes to a temporary name first and is renamed at the end.
fn write_outputs(out: &Path, files: &[Vec<u8>]) -> Result<(), Error> {
    let paths: Vec<PathBuf> = if files.len() == 1 {
        vec![out.to_path_buf()]
    } else {
        let stem = out
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "page".into());
        let ext = out
            .extension()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "png".into());
        (1..=files.len())
            .map(|i| out.with_file_name(format!("{stem}-{i}.{ext}")))
            .collect()
    };
    let tmps: Vec<PathBuf> = paths.iter().map(|p| p.with_extension("partial")).collect();
    let cleanup = |tmps: &[PathBuf]| {
        for t in tmps {
            let _ = std::fs::remove_file(t);
        }
    };
    for (t, bytes) in tmps.iter().zip(files) {
        if let Err(e) = std::fs::write(t, bytes) {
            cleanup(&tmps);
            return Err(Error::Encode(format!("cannot write {}: {e}", t.display())));
        }
    }
    for (t, p) in tmps.iter().zip(&paths) {
        if let Err(e) = std::fs::rename(t, p) {
            cleanup(&tmps);
            return Err(Error::Encode(format!("cannot write {}: {e}", p.display())));
        }
    }
    Ok(())
}
