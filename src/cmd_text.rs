//! `shomei text`: the text engine's inspection command (a contract other checks call exactly so).

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::json;
use shomei_engine::text::{layout, Align, FitStep, FontDb, TextStyle, WritingMode};
use shomei_engine::Error;

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Mode {
    Vertical,
    Horizontal,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum FontArg {
    Mincho,
    Gothic,
    #[value(name = "gothic-bold")]
    GothicBold,
    Mj,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum AlignArg {
    Start,
    Center,
    End,
    Justify,
    Distribute,
}

/// Arguments of `shomei text`.
#[derive(Args)]
pub(crate) struct TextArgs {
    /// Writing mode.
    #[arg(long, value_enum, default_value = "vertical")]
    mode: Mode,
    /// Font family.
    #[arg(long, value_enum, default_value = "mincho")]
    font: FontArg,
    /// Size in points.
    #[arg(long, default_value_t = 10.5)]
    size: f32,
    /// Box in millimetres, WxH.
    #[arg(long = "box", default_value = "100x100")]
    box_mm: String,
    /// Alignment along each line.
    #[arg(long, value_enum, default_value = "start")]
    align: AlignArg,
    /// Fitting steps in order, comma separated: wrap, condense, shrink.
    #[arg(long, default_value = "wrap")]
    fit: String,
    /// Smallest size shrinking may reach, points.
    #[arg(long)]
    min_size: Option<f32>,
    /// Resolution of the PNG.
    #[arg(long, default_value_t = 300)]
    dpi: u32,
    /// Print the glyph positions as JSON.
    #[arg(long)]
    json: bool,
    /// Write a PNG of the box.
    #[arg(short, long)]
    out: Option<PathBuf>,
    /// The text.
    text: String,
}

fn parse_box(s: &str) -> Result<(f32, f32), Error> {
    let bad = || Error::input("--box", "expected WxH in millimetres, e.g. 40x120");
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let w: f32 = w.trim().parse().map_err(|_| bad())?;
    let h: f32 = h.trim().parse().map_err(|_| bad())?;
    if !(w > 0.0 && h > 0.0 && w <= 1000.0 && h <= 1000.0) {
        return Err(bad());
    }
    Ok((w, h))
}

fn parse_fit(s: &str) -> Result<Vec<FitStep>, Error> {
    s.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| match p.trim() {
            "wrap" => Ok(FitStep::Wrap),
            "condense" => Ok(FitStep::Condense),
            "shrink" => Ok(FitStep::Shrink),
            _ => Err(Error::input(
                "--fit",
                "expected a comma-separated list of wrap, condense, shrink",
            )),
        })
        .collect()
}

pub(crate) fn run(a: TextArgs) -> Result<(), Error> {
    let db = FontDb::shared()?;
    let (w, h) = parse_box(&a.box_mm)?;
    let style = TextStyle {
        family: match a.font {
            FontArg::Mincho => "mincho",
            FontArg::Gothic => "gothic",
            FontArg::GothicBold => "gothic-bold",
            FontArg::Mj => "mj",
        }
        .into(),
        size_pt: a.size,
        mode: match a.mode {
            Mode::Vertical => WritingMode::Vertical,
            Mode::Horizontal => WritingMode::Horizontal,
        },
        align: match a.align {
            AlignArg::Start => Align::Start,
            AlignArg::Center => Align::Center,
            AlignArg::End => Align::End,
            AlignArg::Justify => Align::Justify,
            AlignArg::Distribute => Align::Distribute,
        },
        fit: parse_fit(&a.fit)?,
        min_size_pt: a.min_size.unwrap_or(6.0).min(a.size),
        ..TextStyle::default()
    };
    if !(style.size_pt > 0.0 && style.size_pt <= 500.0) {
        return Err(Error::input(
            "--size",
            "expected a size in points between 0 and 500",
        ));
    }
    let block = layout(db, &a.text, &style, w, h, "text")?;
    if a.json {
        let r4 = |v: f32| (f64::from(v) * 1000.0).round() / 1000.0;
        let rect = |r: shomei_engine::geom::Rect| json!([r4(r.x), r4(r.y), r4(r.w), r4(r.h)]);
        let lines: Vec<_> = block
            .lines
            .iter()
            .map(|l| {
                let glyphs: Vec<_> = l
                    .units
                    .iter()
                    .map(|u| {
                        json!({
                            "text": u.text,
                            "font": db.get(u.font).id,
                            "glyph_id": u.glyphs.first().map(|g| g.gid),
                            "glyph_ids": u.glyphs.iter().map(|g| g.gid).collect::<Vec<_>>(),
                            "cell": rect(u.cell),
                            "ink": u.ink.map(rect),
                            "rotated": u.rotated,
                            "tcy": u.tcy,
                        })
                    })
                    .collect();
                json!({ "glyphs": glyphs })
            })
            .collect();
        let out = json!({ "size_pt": block.size_pt, "condense": block.condense, "lines": lines });
        println!("{out}");
    }
    if let Some(path) = a.out {
        write_png(db, &block, (w, h), a.dpi, &path)?;
    }
    Ok(())
}

/// Paints the box (its outline in light grey is not drawn: only the text) and writes a PNG.
fn write_png(
    db: &'static FontDb,
    block: &shomei_engine::text::TextBlock,
    size: (f32, f32),
    dpi: u32,
    path: &std::path::Path,
) -> Result<(), Error> {
    use shomei_engine::display::Layer;
    use shomei_engine::output::png::{encode_png, PngOptions};
    use shomei_engine::paint::{Painter, Planes};
    if !(50..=1200).contains(&dpi) {
        return Err(Error::input(
            "--dpi",
            "expected a resolution from 50 to 1200 dpi",
        ));
    }
    let mut layer = Layer::default();
    layer.items.extend(block.items_at(0.0, 0.0));
    let mut planes = Planes::new(size, dpi);
    Painter::new(db).paint_layer(&mut planes, &layer);
    let bytes = encode_png(&planes, &PngOptions::default())?;
    std::fs::write(path, bytes)
        .map_err(|e| Error::Encode(format!("cannot write {}: {e}", path.display())))
}
