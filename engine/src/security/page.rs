//! The security print of a certificate page: the static layer of a front or back side (latent
//! dot field, guilloche border, microtext loop), the back's explanation and reserved areas,
//! and the small per-request microtext line that carries the serial.
//!
//! Geometry, from the paper edge inwards (defaults, mm): the microtext loop at
//! `frame_inset_mm` (4), 0.26 high; a 0.5 gap; the guilloche band (3); a 0.5 gap; then the
//! latent field covers everything inside. Text of the layout that reaches into the frame zone
//! (static glyphs by their ink box, data-dependent boxes by their rectangle) is kept clear:
//! the border and the microtext break around it.

use std::sync::Arc;

use super::ir::back_ir_image;
use super::print::SecurityPrint;
use super::{guilloche, latent_pattern, microtext_bits, DESIGN_DPI, MM_PER_PX};
use crate::display::{BitMask, Item, Layer, Path, PathCmd};
use crate::error::{Error, Result};
use crate::geom::Rect;
use crate::layout::{ItemDecl, Municipality, Template};
use crate::text::{glyph_ink, layout, Align, FitStep, FontDb, TextStyle, WritingMode};

/// Which side of the sheet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The certificate itself.
    Front,
    /// The back: explanation, reserved verification areas, security layers.
    Back,
}

/// The security print of a layout for a municipality: the profile's `[security]` with the
/// layout's overrides (checked at start-up, so this only fails on a profile or layout built
/// in code).
pub fn resolve(m: &Municipality, t: &Template) -> Result<SecurityPrint> {
    match &t.security {
        Some(o) => m.security.with_overrides(o, &t.id),
        None => Ok(m.security.clone()),
    }
}

/// Gap between the microtext loop, the band and the latent field, mm.
const GAP_MM: f32 = 0.5;
/// Padding around kept-out text, mm.
const KEEPOUT_PAD_MM: f32 = 0.6;
/// Gap between the static top line and the serial line, mm.
const SERIAL_GAP_MM: f32 = 1.0;

/// The rings of the security frame.
#[derive(Clone, Copy, Debug)]
struct Geom {
    /// Outer edge of the microtext loop.
    micro: Rect,
    /// Glyph height of the microtext as set, mm.
    h: f32,
    /// Outer edge of the guilloche band.
    band: Rect,
    /// The latent field.
    inner: Rect,
}

fn inset(r: Rect, d: f32) -> Rect {
    Rect::from_xywh(r.x + d, r.y + d, r.w - 2.0 * d, r.h - 2.0 * d)
}

fn geom(sec: &SecurityPrint, size: (f32, f32)) -> Result<Geom> {
    let page = Rect::from_xywh(0.0, 0.0, size.0, size.1);
    let h = sec.microtext.set_height_mm();
    let micro = inset(page, sec.frame_inset_mm);
    let band = inset(micro, h + GAP_MM);
    let inner = inset(band, sec.guilloche.band_mm + GAP_MM);
    if inner.w < 20.0 || inner.h < 20.0 {
        return Err(Error::input(
            "security.frame_inset_mm",
            "a frame that leaves at least 20 mm inside; reduce frame_inset_mm or guilloche.band_mm",
        ));
    }
    Ok(Geom {
        micro,
        h,
        band,
        inner,
    })
}

/// The area inside the security frame of a page of `size` (mm): the latent field, where a
/// certificate's content lies; the page less 8 mm a side when the security print is off.
pub fn inner_rect(sec: &SecurityPrint, size: (f32, f32)) -> Result<Rect> {
    if !sec.enabled {
        return Ok(inset(Rect::from_xywh(0.0, 0.0, size.0, size.1), 8.0));
    }
    Ok(geom(sec, size)?.inner)
}

/// Names an input error's field under the profile's `security` section.
fn within(e: Error, section: &str) -> Error {
    match e {
        Error::Input { field, expected } => {
            let last = field.rsplit('.').next().unwrap_or_default();
            Error::input(format!("{section}.{last}"), expected)
        }
        other => other,
    }
}

fn rect(r: [f32; 4]) -> Rect {
    Rect::from_xywh(r[0], r[1], r[2], r[3])
}

/// The microtext's repeated text: the configured one, or the profile id in capitals and the
/// 団体コード, followed by a space.
fn ident(sec: &SecurityPrint, m: &Municipality) -> String {
    let t = match &sec.microtext.text {
        Some(t) => t.clone(),
        None => {
            let id: String =
                m.id.chars()
                    .map(|c| c.to_ascii_uppercase())
                    .filter(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '-')
                    .collect();
            format!("{id} {}", m.code)
        }
    };
    format!("{} ", t.trim())
}

/// The serial as the microtext font can set it: capitals, digits and '-'; other characters
/// (a kanji prefix) are left out.
fn serial_text(serial: &str) -> String {
    serial
        .chars()
        .map(|c| c.to_ascii_uppercase())
        .filter(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '-')
        .collect()
}

/// Clears the mask's pixels inside `r` (page mm).
fn clear_rect(mask: &mut BitMask, r: Rect) {
    let k = MM_PER_PX as f32;
    let x0 = ((r.x - mask.x) / k).round().max(0.0) as u32;
    let y0 = ((r.y - mask.y) / k).round().max(0.0) as u32;
    let x1 = (((r.right() - mask.x) / k).round().max(0.0) as u32).min(mask.px_w);
    let y1 = (((r.bottom() - mask.y) / k).round().max(0.0) as u32).min(mask.px_h);
    if x0 >= x1 || y0 >= y1 {
        return;
    }
    let stride = mask.stride;
    let bits = Arc::make_mut(&mut mask.bits);
    for y in y0..y1 {
        for x in x0..x1 {
            if let Some(b) = bits.get_mut((y * stride + x / 8) as usize) {
                *b &= !(0x80u8 >> (x % 8));
            }
        }
    }
}

/// `path` with every vertex inside a keep-out rectangle dropped, splitting it into open
/// polylines (a polyline path of moves, lines and closes; curves are kept whole).
fn cut_path(path: &Path, keep: &[Rect]) -> Option<Path> {
    let inside = |x: f32, y: f32| {
        keep.iter()
            .any(|r| x >= r.x && x <= r.right() && y >= r.y && y <= r.bottom())
    };
    let hit = path.cmds.iter().any(|c| match *c {
        PathCmd::MoveTo(x, y) | PathCmd::LineTo(x, y) => inside(x, y),
        _ => false,
    });
    if !hit {
        return None;
    }
    let mut out = Path::new();
    let mut run: Vec<(f32, f32)> = Vec::new();
    let mut start = None;
    let flush = |run: &mut Vec<(f32, f32)>, out: &mut Path| {
        if run.len() >= 2 {
            out.move_to(run[0].0, run[0].1);
            for p in &run[1..] {
                out.line_to(p.0, p.1);
            }
        }
        run.clear();
    };
    let visit = |x: f32, y: f32, run: &mut Vec<(f32, f32)>, out: &mut Path| {
        if inside(x, y) {
            flush(run, out);
        } else {
            run.push((x, y));
        }
    };
    for c in &path.cmds {
        match *c {
            PathCmd::MoveTo(x, y) => {
                flush(&mut run, &mut out);
                start = Some((x, y));
                visit(x, y, &mut run, &mut out);
            }
            PathCmd::LineTo(x, y) => visit(x, y, &mut run, &mut out),
            PathCmd::Close => {
                if let Some((x, y)) = start {
                    visit(x, y, &mut run, &mut out);
                }
                flush(&mut run, &mut out);
            }
            PathCmd::QuadTo(..) | PathCmd::CubicTo(..) => {}
        }
    }
    flush(&mut run, &mut out);
    Some(out)
}

/// Free intervals of [a, b] after removing `cuts`, each at least `min` long.
fn free_intervals(a: f32, b: f32, mut cuts: Vec<(f32, f32)>, min: f32) -> Vec<(f32, f32)> {
    cuts.sort_by(|p, q| p.0.total_cmp(&q.0));
    let mut out = Vec::new();
    let mut pos = a;
    for (c0, c1) in cuts {
        if c0 > pos && c0.min(b) - pos >= min {
            out.push((pos, c0.min(b)));
        }
        pos = pos.max(c1);
        if pos >= b {
            break;
        }
    }
    if b - pos >= min {
        out.push((pos, b));
    }
    out
}

/// Sets microtext along [a, b] (x for a horizontal line at `y`, y for a vertical line at
/// `x`), skipping keep-outs.
#[allow(clippy::too_many_arguments)]
fn micro_run(
    out: &mut Layer,
    text: &str,
    sec: &SecurityPrint,
    vertical: bool,
    across: f32,
    (a, b): (f32, f32),
    h: f32,
    keep: &[Rect],
) -> Result<()> {
    let cuts = keep
        .iter()
        .filter_map(|r| {
            if vertical {
                (r.x < across + h && r.right() > across).then_some((r.y, r.bottom()))
            } else {
                (r.y < across + h && r.bottom() > across).then_some((r.x, r.right()))
            }
        })
        .collect();
    // A glyph advances 6 font pixels, as many as it is high: two glyphs at least.
    for (s, e) in free_intervals(a, b, cuts, 2.0 * h) {
        let start = if vertical { (across, s) } else { (s, across) };
        let mut bits = microtext_bits(text, start, e - s, sec.microtext.height_mm, vertical)
            .map_err(|e| within(e, "security.microtext"))?;
        bits.ink = sec.microtext.ink.ink();
        out.push(Item::Mask(bits));
    }
    Ok(())
}

/// Ink boxes of the glyphs in `layer` (padded by 0.6 mm), and the given rectangles as they
/// are: what the security frame must keep clear of. `data_boxes` are the boxes of text that depends on the request
/// (its glyphs are not known when the static base is built).
pub fn keepouts(fonts: &FontDb, layer: &Layer, data_boxes: &[Rect]) -> Vec<Rect> {
    let mut out: Vec<Rect> = data_boxes.to_vec();
    out.extend(layer.items.iter().filter_map(|it| match it {
        Item::Glyph(g) => glyph_ink(fonts, g).map(|r| {
            Rect::from_xywh(
                r.x - KEEPOUT_PAD_MM,
                r.y - KEEPOUT_PAD_MM,
                r.w + 2.0 * KEEPOUT_PAD_MM,
                r.h + 2.0 * KEEPOUT_PAD_MM,
            )
        }),
        _ => None,
    }));
    out
}

/// Whether a layout text is composed per request (it names data, the serial, the date or the
/// page, or depends on an optional item or a field's presence).
fn is_data_text(text: &str) -> bool {
    let mut rest = text;
    while let Some(i) = rest.find('{') {
        let name = &rest[i + 1..];
        if !(name.starts_with("$muni.") || name.starts_with("$layout.")) {
            return true;
        }
        rest = name;
    }
    false
}

/// The boxes of a layout's request-dependent text (group slots included), for [`keepouts`].
pub fn data_text_boxes(t: &Template) -> Vec<Rect> {
    fn add(out: &mut Vec<Rect>, items: &[ItemDecl], o: (f32, f32)) {
        for it in items {
            if let ItemDecl::Text {
                rect: r,
                text,
                when,
                present,
                absent,
                ..
            } = it
            {
                if is_data_text(text) || when.is_some() || present.is_some() || absent.is_some() {
                    out.push(Rect::from_xywh(r[0] + o.0, r[1] + o.1, r[2], r[3]));
                }
            }
        }
    }
    let mut out = Vec::new();
    add(&mut out, &t.item, (0.0, 0.0));
    if let Some(g) = &t.group {
        for slot in 0..g.per_page {
            let o = (
                g.origin[0] + g.step[0] * slot as f32,
                g.origin[1] + g.step[1] * slot as f32,
            );
            add(&mut out, &g.item, o);
            if let Some(em) = &g.end_mark {
                let r = em.rect;
                out.push(Rect::from_xywh(r[0] + o.0, r[1] + o.1, r[2], r[3]));
            }
        }
        if let Some(em) = &g.end_mark {
            out.push(rect(em.full_rect));
        }
    }
    out
}

/// The static security layer of one side of a page of `size` (mm): the latent dot field (a
/// 600-dpi [`BitMask`] over the area inside the frame; on the back, blank in the reserved
/// areas), the guilloche border (vector, from the issuer's code and seed and the layout id;
/// the back adds the rosette) and the microtext loop (vector), both broken around `keep`
/// (see [`keepouts`]). The top edge leaves room for the per-request serial line
/// ([`serial_layer`]). Goes first in a page's base, under the text.
pub fn security_layer(
    sec: &SecurityPrint,
    m: &Municipality,
    layout_id: &str,
    size: (f32, f32),
    side: Side,
    keep: &[Rect],
) -> Result<Layer> {
    let mut out = Layer::default();
    if !sec.enabled {
        return Ok(out);
    }
    let g = geom(sec, size)?;
    let front = side == Side::Front;
    // Only what reaches outside the latent field matters to the frame.
    let keep: Vec<Rect> = keep
        .iter()
        .filter(|r| !g.inner.contains(r, 0.0))
        .copied()
        .collect();

    let l = &sec.latent;
    if l.enabled && (if front { l.front } else { l.back }) {
        let cfg = l.config(&m.latent_word, m.seed);
        let mut mask =
            latent_pattern(&cfg, g.inner, DESIGN_DPI).map_err(|e| within(e, "security.latent"))?;
        mask.ink = l.ink.ink();
        if !front {
            let b = &sec.back;
            for r in [b.scramble_mm, b.ir_mm, b.code_mm] {
                clear_rect(&mut mask, rect(r));
            }
        }
        out.push(Item::Mask(mask));
    }

    let gp = &sec.guilloche;
    if gp.enabled && (if front { gp.front } else { gp.back }) {
        let issuer = format!("{}:{}", m.code, m.seed);
        let gl = guilloche(&issuer, layout_id, g.band, &gp.config(!front))
            .map_err(|e| within(e, "security.guilloche"))?;
        for mut s in gl.shapes {
            if let Some(p) = cut_path(&s.path, &keep) {
                s.path = Arc::new(p);
            }
            s.ink = gp.ink.ink();
            if !s.path.is_empty() {
                out.push(Item::Shape(s));
            }
        }
    }

    let mt = &sec.microtext;
    if mt.enabled && (if front { mt.front } else { mt.back }) {
        let text = ident(sec, m);
        let (h, r) = (g.h, g.micro);
        let top_end = if mt.serial {
            r.right() - mt.serial_mm - SERIAL_GAP_MM
        } else {
            r.right()
        };
        micro_run(&mut out, &text, sec, false, r.y, (r.x, top_end), h, &keep)?;
        micro_run(
            &mut out,
            &text,
            sec,
            false,
            r.bottom() - h,
            (r.x, r.right()),
            h,
            &keep,
        )?;
        let side_span = (r.y + h + GAP_MM, r.bottom() - h - GAP_MM);
        micro_run(&mut out, &text, sec, true, r.x, side_span, h, &keep)?;
        micro_run(
            &mut out,
            &text,
            sec,
            true,
            r.right() - h,
            side_span,
            h,
            &keep,
        )?;
    }
    Ok(out)
}

/// The per-request microtext line: the identity and the serial (`MIHON-SHI 999991 NO 000001`,
/// repeated) at the right end of the top edge, where the static loop leaves room. Empty when
/// microtext or the serial line is off, or the serial has nothing the font can set.
pub fn serial_layer(
    sec: &SecurityPrint,
    m: &Municipality,
    size: (f32, f32),
    side: Side,
    serial: &str,
) -> Result<Layer> {
    let mut out = Layer::default();
    let mt = &sec.microtext;
    let on_side = if side == Side::Front {
        mt.front
    } else {
        mt.back
    };
    if !(sec.enabled && mt.enabled && mt.serial && on_side) {
        return Ok(out);
    }
    let s = serial_text(serial);
    if s.is_empty() {
        return Ok(out);
    }
    let g = geom(sec, size)?;
    let text = format!("{}NO {s} ", ident(sec, m));
    let start = (g.micro.right() - mt.serial_mm, g.micro.y);
    let mut bits = microtext_bits(&text, start, mt.serial_mm, mt.height_mm, false)
        .map_err(|e| within(e, "security.microtext.serial"))?;
    bits.ink = mt.ink.ink();
    out.push(Item::Mask(bits));
    Ok(out)
}

/// The explanation printed on the back for whoever receives the certificate.
/// `ir_word` is the character of the infrared image when the back carries one.
fn explanation(word: &str, m: &Municipality, ir_word: Option<&str>) -> (String, String) {
    let ir = ir_word.map_or(String::new(), |w| {
        format!("偽造・改ざん防止検出画像は、赤外線カメラで撮影すると「{w}」の文字が現れます。")
    });
    let title = "この証明書の偽造・改ざん防止について".to_string();
    let body = format!(
        "1．この証明書は普通紙に印刷しています。専用の用紙は使っていませんが、表と裏の全面に偽造・改ざんを防ぐための模様を印刷しています。\n\
         2．地模様には「{word}」の文字が隠れています。原本ではほとんど見えませんが、複写機でコピーすると「{word}」の文字が浮かび上がります。この文字が見える用紙は原本ではありません。\n\
         3．用紙の周囲の細い線は、発行元の名称と団体コード、発行番号を高さ約0.26mmの極小文字で並べたものです。原本ではルーペで読めますが、コピーすると文字がつぶれます。枠の彩紋は発行元ごとに異なる模様です。\n\
         4．確認の方法：下の欄のスクランブル画像、偽造・改ざん防止検出画像及び二次元コードにより、記載内容が発行時のものと同じかどうかを確かめることができます。{ir}ご不明な点は発行元にお問い合わせください。\n\
         発行元：{}　{}",
        m.full_name(),
        m.contact
    );
    (title, body)
}

/// The static base of a back page: the infrared latent image in its area (unless
/// `back.ir` is off; see [`super::ir`]), its security layer (the latent field blank in the
/// reserved areas for the scrambled image, the infrared image and the signed code), then the
/// explanation and the captions of the reserved areas. The scramble and code areas stay empty.
pub fn back_layer(
    fonts: &FontDb,
    sec: &SecurityPrint,
    m: &Municipality,
    layout_id: &str,
    size: (f32, f32),
) -> Result<Layer> {
    let b = &sec.back;
    for (k, r) in [
        ("security.back.explanation_mm", b.explanation_mm),
        ("security.back.scramble_mm", b.scramble_mm),
        ("security.back.ir_mm", b.ir_mm),
        ("security.back.code_mm", b.code_mm),
    ] {
        if r[0] + r[2] > size.0 || r[1] + r[3] > size.1 {
            return Err(Error::config(
                layout_id,
                k,
                "the reserved area must lie on the page",
            ));
        }
    }
    let mut text = Layer::default();
    if b.explanation {
        let word = sec.latent.word.as_deref().unwrap_or(&m.latent_word);
        let ir_word = b.ir.then_some(super::ir::IR_WORD);
        let (title, body) = explanation(word, m, ir_word);
        let r = rect(b.explanation_mm);
        let ts = TextStyle {
            family: "gothic-bold".into(),
            size_pt: 12.0,
            mode: WritingMode::Horizontal,
            align: Align::Center,
            cross_align: Align::Center,
            fit: vec![FitStep::Shrink],
            ..TextStyle::default()
        };
        let tb = layout(fonts, &title, &ts, r.w, 8.0, "security.back.title")?;
        text.items.extend(tb.items_at(r.x, r.y));
        let bs = TextStyle {
            family: "mincho".into(),
            size_pt: 8.5,
            mode: WritingMode::Horizontal,
            align: Align::Start,
            cross_align: Align::Start,
            fit: vec![FitStep::Wrap, FitStep::Shrink],
            min_size_pt: 6.5,
            line_pitch: 1.55,
            ..TextStyle::default()
        };
        let bb = layout(
            fonts,
            &body,
            &bs,
            r.w,
            (r.h - 9.0).max(5.0),
            "security.back.explanation",
        )?;
        text.items.extend(bb.items_at(r.x, r.y + 9.0));
    }
    if b.captions {
        let cs = TextStyle {
            family: "gothic".into(),
            size_pt: 7.0,
            mode: WritingMode::Horizontal,
            align: Align::Center,
            cross_align: Align::Start,
            fit: vec![FitStep::Condense, FitStep::Shrink],
            ..TextStyle::default()
        };
        for (r, c) in [
            (b.scramble_mm, "スクランブル画像"),
            (b.ir_mm, "偽造・改ざん防止検出画像"),
            (b.code_mm, "二次元コード"),
        ] {
            let r = rect(r);
            let blk = layout(fonts, c, &cs, r.w, 4.0, "security.back.captions")?;
            text.items.extend(blk.items_at(r.x, r.bottom() + 0.8));
        }
    }
    let keep = keepouts(fonts, &text, &[]);
    let mut out = Layer::default();
    if sec.enabled && b.ir {
        // First, under the security layer: the image is opaque in a PDF.
        out.push(Item::Cmyk(back_ir_image(sec, m)?));
    }
    out.extend(security_layer(sec, m, layout_id, size, Side::Back, &keep)?);
    out.extend(text);
    Ok(out)
}

#[cfg(test)]
mod tests;
