//! `shomei ir-views`: the infrared latent image of a back page (偽造・改ざん防止検出画像) as the
//! eye, a near-IR camera, and a near-IR camera looking at a colour copy see it, as PNGs, with
//! its acceptance metrics (security-print.md §5; simulated by the block-dye model).

use std::path::PathBuf;

use clap::Args;
use serde_json::json;
use shomei_engine::layout::{default_layout_dir, Catalog};
use shomei_engine::security::ir::{
    back_ir_image, copy_view, ir_metrics, ir_view, visible_view, DyeModel, IR_DPI,
};
use shomei_engine::security::resolve;
use shomei_engine::Error;

/// Arguments of `shomei ir-views`.
#[derive(Args)]
pub(crate) struct IrViewsArgs {
    /// Municipality profile id.
    #[arg(long, default_value = "mihon-shi")]
    municipality: String,
    /// Layout whose security settings apply.
    #[arg(long, default_value = "juminhyo")]
    layout: String,
    /// Output directory: visible.png (RGB), ir.png and copy-ir.png (grey), at the image's 300 dpi.
    #[arg(short, long)]
    out: PathBuf,
}

fn save(path: PathBuf, data: &[u8], w: u32, h: u32, rgb: bool) -> Result<(), Error> {
    let ct = if rgb {
        image::ExtendedColorType::Rgb8
    } else {
        image::ExtendedColorType::L8
    };
    image::save_buffer(&path, data, w, h, ct)
        .map_err(|e| Error::Encode(format!("{}: {e}", path.display())))
}

pub(crate) fn run(a: IrViewsArgs) -> Result<(), Error> {
    let catalog = Catalog::load_dir(&default_layout_dir())?;
    let t = catalog.layout(&a.layout)?;
    let m = catalog.municipality(&a.municipality)?;
    let sec = resolve(m, t)?;
    let img = back_ir_image(&sec, m)?;
    let model = DyeModel::default();
    std::fs::create_dir_all(&a.out)
        .map_err(|e| Error::Encode(format!("{}: {e}", a.out.display())))?;
    let (w, h) = (img.px_w, img.px_h);
    save(
        a.out.join("visible.png"),
        &visible_view(&img, &model).to_srgb8(),
        w,
        h,
        true,
    )?;
    save(
        a.out.join("ir.png"),
        &ir_view(&img, &model).to_srgb8(),
        w,
        h,
        false,
    )?;
    save(
        a.out.join("copy-ir.png"),
        &copy_view(&img, &model).to_srgb8(),
        w,
        h,
        false,
    )?;
    let mt = ir_metrics(&img, IR_DPI, &model);
    println!(
        "{}",
        json!({
            "blocks": mt.blocks,
            "visible_de00_mean": mt.visible_de_mean,
            "visible_de00_max": mt.visible_de_max,
            "ir_weber_original": mt.ir_contrast,
            "ir_weber_copy": mt.copy_contrast,
        })
    );
    Ok(())
}
