//! Block layout: a string in a box. Itemizes into units (a character, a 縦中横 group),
//! picks a font per cluster from the family's fallback chain, shapes each run once, breaks
//! lines with kinsoku, aligns, and fits (wrap → condense → shrink, in the box's order). The
//! result is positioned glyphs in millimetres from the box's top-left corner. Never clips:
//! what does not fit is an [`Error::Overflow`].

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::display::{FontId, Glyph, Ink, Item};
use crate::error::{code_points, Error, Result};
use crate::geom::{pt_to_mm, Rect};

use super::font::FontDb;
use super::kinsoku;
use super::orient::{self, Orientation};
use super::shape::{shape_run, ShapedGlyph};

/// Writing mode of a box.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum WritingMode {
    /// 横書き: rows top to bottom, left to right.
    Horizontal,
    /// 縦書き: columns right to left, top to bottom.
    #[default]
    Vertical,
}

/// Alignment along a line (or of the block of lines across them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    /// Flush to the start (top in vertical, left in horizontal).
    #[default]
    Start,
    /// Centred.
    Center,
    /// Flush to the end.
    End,
    /// Both edges, except the last line, spreading space at break opportunities.
    Justify,
    /// 均等割り: every line, the last included, spread over the whole length; a single unit is centred.
    Distribute,
}

/// One step of the fitting policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FitStep {
    /// Wrap at allowed breaks, up to the box's line count.
    Wrap,
    /// Condense along the line (長体 in vertical, 平体 … in horizontal), down to the floor.
    Condense,
    /// Shrink the size, down to the floor.
    Shrink,
}

/// How a text is set in its box.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TextStyle {
    /// Font family (a fallback chain in fonts.toml). Default: `mincho`.
    pub family: String,
    /// Size in points. Default: 10.5.
    pub size_pt: f32,
    /// Writing mode. Default: vertical.
    pub mode: WritingMode,
    /// Alignment along each line. Default: start.
    pub align: Align,
    /// Alignment of the block of lines across them (start = right in vertical, top in
    /// horizontal). Default: start.
    pub cross_align: Align,
    /// Fitting steps, tried in this order. Default: wrap.
    pub fit: Vec<FitStep>,
    /// Smallest size shrinking may reach, points. Default: 6.
    pub min_size_pt: f32,
    /// Smallest condense ratio. Default: 0.7.
    pub min_condense: f32,
    /// Most lines allowed when wrapping (also bounded by the box). Default: none.
    pub max_lines: Option<usize>,
    /// Distance between lines, in ems. Default: 1.5.
    pub line_pitch: f32,
    /// Runs of ASCII digits up to this length are set 縦中横 in vertical text. Default: 2.
    pub tcy_digits: usize,
    /// Let 、。 hang past the line end (ぶら下げ). Default: false (boxes are ruled).
    pub hanging: bool,
    /// Set the whole text in one face of the chain when one has every character (names).
    /// Default: false.
    pub single_font: bool,
    /// Ink. Default: black.
    #[serde(skip)]
    pub ink: Ink,
}

impl Default for TextStyle {
    fn default() -> Self {
        TextStyle {
            family: "mincho".into(),
            size_pt: 10.5,
            mode: WritingMode::Vertical,
            align: Align::Start,
            cross_align: Align::Start,
            fit: vec![FitStep::Wrap],
            min_size_pt: 6.0,
            min_condense: 0.7,
            max_lines: None,
            line_pitch: 1.5,
            tcy_digits: 2,
            hanging: false,
            single_font: false,
            ink: Ink::Black,
        }
    }
}

/// How a unit is shaped and placed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Shaped along the line direction (upright in vertical; everything in horizontal).
    Along,
    /// Shaped horizontally and rotated 90° clockwise into a vertical column.
    Sideways,
    /// 縦中横: set horizontally inside one em of the column.
    Tcy,
    /// A forced line break.
    Newline,
}

#[derive(Clone, Debug)]
struct Unit {
    range: Range<usize>,
    font: FontId,
    kind: Kind,
    glyphs: Vec<ShapedGlyph>,
    /// Advance along the line, font units (at condense 1).
    advance: i32,
    first: char,
    last: char,
    glue_before: bool,
    space: bool,
}

/// A unit after layout.
#[derive(Clone, Debug, PartialEq)]
pub struct PlacedUnit {
    /// The characters of the unit.
    pub text: String,
    /// The face it is set in.
    pub font: FontId,
    /// The em box it occupies, mm from the box's top-left corner.
    pub cell: Rect,
    /// Inked bounds after every transform, mm from the box's top-left corner; none for a blank.
    pub ink: Option<Rect>,
    /// Rotated 90° clockwise (sideways Latin in a vertical column).
    pub rotated: bool,
    /// Set 縦中横.
    pub tcy: bool,
    /// The glyphs, positioned relative to the box's top-left corner.
    pub glyphs: Vec<Glyph>,
}

/// One line (a column in vertical text).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Line {
    /// Units in reading order.
    pub units: Vec<PlacedUnit>,
}

/// A laid-out text.
#[derive(Clone, Debug, PartialEq)]
pub struct TextBlock {
    /// Size it was set at after fitting, points.
    pub size_pt: f32,
    /// Condense ratio after fitting (1 = none).
    pub condense: f32,
    /// Lines in reading order.
    pub lines: Vec<Line>,
}

impl TextBlock {
    /// Every glyph, moved so the box's top-left corner is at (`x`, `y`) on the page.
    pub fn items_at(&self, x: f32, y: f32) -> impl Iterator<Item = Item> + '_ {
        self.lines
            .iter()
            .flat_map(|l| l.units.iter())
            .flat_map(|u| u.glyphs.iter())
            .map(move |g| {
                Item::Glyph(Glyph {
                    x: g.x + x,
                    y: g.y + y,
                    ..*g
                })
            })
    }

    /// The union of every unit's ink, mm from the box's corner.
    pub fn ink_bounds(&self) -> Option<Rect> {
        self.lines
            .iter()
            .flat_map(|l| l.units.iter())
            .filter_map(|u| u.ink)
            .reduce(|a, b| a.union(&b))
    }
}

const EPS: f32 = 1e-3;

/// Lays out `text` in a `w`×`h` mm box. `field` names the value in errors.
pub fn layout(
    db: &FontDb,
    text: &str,
    style: &TextStyle,
    w: f32,
    h: f32,
    field: &str,
) -> Result<TextBlock> {
    let chain = db.chain(&style.family).ok_or_else(|| {
        Error::config(
            "fonts/fonts.toml",
            format!("family.{}", style.family),
            "no such font family",
        )
    })?;
    let vertical = style.mode == WritingMode::Vertical;
    let mut units = itemize(db, chain, text, style, field)?;
    shape_units(db, text, &mut units, vertical, field)?;

    let (inline_len, cross_len) = if vertical { (h, w) } else { (w, h) };
    // Forced breaks ('\n') make lines of their own, wrapping or not.
    let forced = 1 + units.iter().filter(|u| u.kind == Kind::Newline).count();
    let mut st = FitState {
        wrap: false,
        condense: 1.0,
        size_pt: style.size_pt,
    };
    let fits = |st: &FitState| -> Option<Vec<Range<usize>>> {
        let lines = break_lines(&units, st, style, db, inline_len);
        let cap = line_capacity(st, style, cross_len, forced);
        let ok = lines.len() <= cap
            && lines
                .iter()
                .all(|r| line_length(&units[r.clone()], st, style, db) <= inline_len + EPS);
        ok.then_some(lines)
    };
    let mut found = fits(&st);
    for step in &style.fit {
        if found.is_some() {
            break;
        }
        match step {
            FitStep::Wrap => {
                st.wrap = true;
                found = fits(&st);
            }
            FitStep::Condense => {
                let lo = (style.min_condense.clamp(0.1, 1.0) * 100.0).round() as u32;
                let (best, lines) = search_largest(lo, 100, |p| {
                    fits(&FitState {
                        condense: p as f32 / 100.0,
                        ..st
                    })
                });
                st.condense = best as f32 / 100.0;
                found = lines;
            }
            FitStep::Shrink => {
                // Quarter points, deterministic.
                let lo = (style.min_size_pt.min(style.size_pt) * 4.0).round() as u32;
                let hi = (style.size_pt * 4.0).round() as u32;
                let (best, lines) = search_largest(lo, hi, |q| {
                    fits(&FitState {
                        size_pt: q as f32 / 4.0,
                        ..st
                    })
                });
                st.size_pt = best as f32 / 4.0;
                found = lines;
            }
        }
    }
    let Some(lines) = found else {
        let lines = break_lines(&units, &st, style, db, inline_len);
        let needed = lines
            .iter()
            .map(|r| line_length(&units[r.clone()], &st, style, db))
            .fold(0.0, f32::max);
        let cap = line_capacity(&st, style, cross_len, forced);
        let needed_total = if lines.len() > cap {
            lines
                .iter()
                .map(|r| line_length(&units[r.clone()], &st, style, db))
                .sum::<f32>()
        } else {
            needed
        };
        return Err(Error::Overflow {
            field: field.to_string(),
            needed_mm: needed_total,
            room_mm: inline_len * cap.max(1) as f32,
            lines: (lines.len(), cap),
        });
    };
    Ok(place(db, text, &units, &lines, &st, style, w, h))
}

/// Largest value in `lo..=hi` for which `f` gives `Some`, assuming monotony; `lo` and `None`
/// when none does.
fn search_largest<T>(lo: u32, hi: u32, f: impl Fn(u32) -> Option<T>) -> (u32, Option<T>) {
    if let Some(r) = f(hi) {
        return (hi, Some(r));
    }
    let Some(r_lo) = f(lo) else { return (lo, None) };
    let (mut good, mut good_r, mut bad) = (lo, r_lo, hi);
    while bad - good > 1 {
        let mid = good + (bad - good) / 2;
        match f(mid) {
            Some(r) => {
                good = mid;
                good_r = r;
            }
            None => bad = mid,
        }
    }
    (good, Some(good_r))
}

#[derive(Clone, Copy, Debug)]
struct FitState {
    wrap: bool,
    condense: f32,
    size_pt: f32,
}

impl FitState {
    fn em(&self) -> f32 {
        pt_to_mm(self.size_pt)
    }
}

fn unit_len(u: &Unit, st: &FitState, db: &FontDb) -> f32 {
    let upem = f32::from(db.get(u.font).units_per_em());
    u.advance as f32 / upem * st.em() * st.condense
}

fn line_length(units: &[Unit], st: &FitState, style: &TextStyle, db: &FontDb) -> f32 {
    // Trailing spaces, and a hanging full stop or comma, do not count.
    let mut end = units.len();
    while end > 0 && (units[end - 1].space || units[end - 1].kind == Kind::Newline) {
        end -= 1;
    }
    if style.hanging && end > 0 && kinsoku::may_hang(units[end - 1].first) && end > 1 {
        end -= 1;
    }
    units[..end].iter().map(|u| unit_len(u, st, db)).sum()
}

/// Lines the box holds. Without wrapping, only the text's own lines (`forced`: one more than its
/// forced breaks) can be needed, so the capacity is capped there.
fn line_capacity(st: &FitState, style: &TextStyle, cross_len: f32, forced: usize) -> usize {
    let em = st.em();
    if em > cross_len + EPS {
        return 0;
    }
    let pitch = em * style.line_pitch.max(1.0);
    let n = ((cross_len - em + EPS) / pitch).floor() as usize + 1;
    let n = if st.wrap { n } else { n.min(forced.max(1)) };
    match style.max_lines {
        Some(m) if st.wrap => n.min(m.max(1)),
        _ => n,
    }
}

fn can_break_before(units: &[Unit], i: usize) -> bool {
    if i == 0 || i >= units.len() {
        return true;
    }
    let (a, b) = (&units[i - 1], &units[i]);
    !b.glue_before && !kinsoku::not_at_line_start(b.first) && !kinsoku::not_at_line_end(a.last)
}

fn break_lines(
    units: &[Unit],
    st: &FitState,
    style: &TextStyle,
    db: &FontDb,
    inline_len: f32,
) -> Vec<Range<usize>> {
    let n = units.len();
    let mut lines = Vec::new();
    let mut start = 0;
    while start < n {
        let mut end = start;
        let mut len = 0.0;
        let mut forced = false;
        while end < n {
            let u = &units[end];
            if u.kind == Kind::Newline {
                forced = true;
                break;
            }
            let a = unit_len(u, st, db);
            if st.wrap && end > start && len + a > inline_len + EPS && !u.space {
                if style.hanging && kinsoku::may_hang(u.first) {
                    end += 1;
                }
                break;
            }
            len += a;
            end += 1;
        }
        if !forced && end < n && st.wrap {
            let mut b = end;
            while b > start && !can_break_before(units, b) {
                b -= 1;
            }
            if b > start {
                end = b;
            }
        }
        lines.push(start..end);
        start = if forced { end + 1 } else { end };
        // A line does not begin with a Latin space.
        while start < n && units[start].space {
            start += 1;
        }
    }
    if lines.is_empty() {
        lines.push(0..0);
    }
    lines
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '\u{00C0}'..='\u{024F}' | '\'' | '-' | '.')
}

fn itemize(
    db: &FontDb,
    chain: &[FontId],
    text: &str,
    style: &TextStyle,
    field: &str,
) -> Result<Vec<Unit>> {
    // Clusters: a base character and what extends it.
    let mut clusters: Vec<Range<usize>> = Vec::new();
    for (i, c) in text.char_indices() {
        match clusters.last_mut() {
            Some(last) if orient::is_cluster_extender(c) => last.end = i + c.len_utf8(),
            _ => clusters.push(i..i + c.len_utf8()),
        }
    }
    let has = |font: FontId, s: &str| -> bool {
        let face = db.get(font).face();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\n' {
                continue;
            }
            match chars.peek() {
                Some(&vs) if orient::is_variation_selector(vs) => {
                    if face.glyph_variation_index(c, vs).is_none() {
                        return false;
                    }
                    chars.next();
                }
                _ => {
                    if orient::is_variation_selector(c) || face.glyph_index(c).is_none() {
                        return false;
                    }
                }
            }
        }
        true
    };
    let whole = if style.single_font {
        chain.iter().copied().find(|&f| has(f, text))
    } else {
        None
    };
    let mut missing = Vec::new();
    let mut units = Vec::with_capacity(clusters.len());
    let vertical = style.mode == WritingMode::Vertical;
    let mut i = 0;
    while i < clusters.len() {
        let r = clusters[i].clone();
        let s = &text[r.clone()];
        let first = s.chars().next().unwrap_or(' ');
        if first == '\n' {
            units.push(Unit {
                range: r,
                font: chain[0],
                kind: Kind::Newline,
                glyphs: Vec::new(),
                advance: 0,
                first,
                last: first,
                glue_before: false,
                space: false,
            });
            i += 1;
            continue;
        }
        let font = match whole.or_else(|| chain.iter().copied().find(|&f| has(f, s))) {
            Some(f) => f,
            None => {
                missing.push(code_points(s));
                i += 1;
                continue;
            }
        };
        // A run of ASCII digits: 縦中横 when short enough, else sideways digit by digit.
        if vertical && first.is_ascii_digit() {
            let mut j = i;
            while j < clusters.len()
                && text[clusters[j].clone()]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_digit())
            {
                j += 1;
            }
            let run = clusters[i].start..clusters[j - 1].end;
            let glue = units.last().is_some_and(|u: &Unit| is_word_char(u.last));
            if j - i <= style.tcy_digits {
                let run_font = whole
                    .or_else(|| chain.iter().copied().find(|&f| has(f, &text[run.clone()])))
                    .unwrap_or(font);
                units.push(Unit {
                    range: run.clone(),
                    font: run_font,
                    kind: Kind::Tcy,
                    glyphs: Vec::new(),
                    advance: 0,
                    first,
                    last: text[run].chars().last().unwrap_or(first),
                    glue_before: glue,
                    space: false,
                });
            } else {
                for (k, c) in clusters[i..j].iter().enumerate() {
                    let ch = text[c.clone()].chars().next().unwrap_or('0');
                    let f = whole
                        .or_else(|| chain.iter().copied().find(|&f| has(f, &text[c.clone()])))
                        .unwrap_or(font);
                    units.push(Unit {
                        range: c.clone(),
                        font: f,
                        kind: Kind::Sideways,
                        glyphs: Vec::new(),
                        advance: 0,
                        first: ch,
                        last: ch,
                        glue_before: k > 0 || glue,
                        space: false,
                    });
                }
            }
            i = j;
            continue;
        }
        let kind = if vertical && !orient::orientation(first).shapes_vertically() {
            Kind::Sideways
        } else {
            Kind::Along
        };
        let prev_last = units.last().map(|u: &Unit| u.last);
        let glue = prev_last.is_some_and(|p| {
            (is_word_char(p) && is_word_char(first)) || (kinsoku::inseparable(p) && p == first)
        });
        units.push(Unit {
            range: r,
            font,
            kind,
            glyphs: Vec::new(),
            advance: 0,
            first,
            last: first,
            glue_before: glue,
            space: first == ' ',
        });
        i += 1;
    }
    if !missing.is_empty() {
        return Err(Error::MissingGlyph {
            field: field.to_string(),
            clusters: missing,
        });
    }
    Ok(units)
}

fn shape_units(
    db: &FontDb,
    text: &str,
    units: &mut [Unit],
    vertical: bool,
    field: &str,
) -> Result<()> {
    let mut chars: Vec<(char, u32)> = Vec::new();
    let mut glyphs = Vec::new();
    let mut i = 0;
    let shapes_ttb = |u: &Unit| vertical && u.kind == Kind::Along;
    while i < units.len() {
        if units[i].kind == Kind::Newline {
            i += 1;
            continue;
        }
        // A run: same font, same shaping direction; 縦中横 units are runs of their own.
        let (font, ttb) = (units[i].font, shapes_ttb(&units[i]));
        let mut j = i + 1;
        if units[i].kind != Kind::Tcy {
            while j < units.len()
                && units[j].font == font
                && shapes_ttb(&units[j]) == ttb
                && !matches!(units[j].kind, Kind::Tcy | Kind::Newline)
            {
                j += 1;
            }
        }
        chars.clear();
        for (k, u) in units[i..j].iter().enumerate() {
            let cl = (i + k) as u32;
            chars.extend(text[u.range.clone()].chars().map(|c| (c, cl)));
        }
        glyphs.clear();
        shape_run(db, font, ttb, &chars, &mut glyphs);
        for g in &glyphs {
            if let Some(u) = units.get_mut(g.cluster as usize) {
                u.glyphs.push(*g);
            }
        }
        i = j;
    }
    let mut missing = Vec::new();
    for u in units.iter_mut() {
        if u.kind == Kind::Newline {
            continue;
        }
        let face = db.get(u.font).face();
        // Tr characters without a vertical form in the font are turned sideways.
        if vertical
            && u.kind == Kind::Along
            && orient::orientation(u.first) == Orientation::TransformedRotated
            && u.glyphs.len() == 1
            && face.glyph_index(u.first).map(|g| g.0) == Some(u.glyphs[0].gid)
        {
            if u.first == 'ー' {
                missing.push(format!("{} (vertical form)", code_points("ー")));
                continue;
            }
            u.kind = Kind::Sideways;
            let cs: Vec<(char, u32)> = text[u.range.clone()].chars().map(|c| (c, 0)).collect();
            u.glyphs.clear();
            shape_run(db, u.font, false, &cs, &mut u.glyphs);
        }
        if u.glyphs.iter().any(|g| g.gid == 0) {
            missing.push(code_points(&text[u.range.clone()]));
        }
        u.advance = match u.kind {
            Kind::Tcy => i32::from(db.get(u.font).units_per_em()),
            _ => u.glyphs.iter().map(|g| g.advance).sum(),
        };
    }
    if !missing.is_empty() {
        return Err(Error::MissingGlyph {
            field: field.to_string(),
            clusters: missing,
        });
    }
    Ok(())
}

/// Top of the em box above the baseline, and its centre, font units: the em box is centred on
/// the middle of ascender and descender (as the vertical origin of both fonts is).
fn em_metrics(db: &FontDb, font: FontId) -> (f32, f32) {
    let face = db.get(font).face();
    let upem = f32::from(db.get(font).units_per_em());
    let asc = f32::from(face.ascender());
    let desc = f32::from(face.descender());
    let mid = (asc + desc) / 2.0;
    (mid + upem / 2.0, mid)
}

#[allow(clippy::too_many_arguments)]
fn place(
    db: &FontDb,
    text: &str,
    units: &[Unit],
    lines: &[Range<usize>],
    st: &FitState,
    style: &TextStyle,
    w: f32,
    h: f32,
) -> TextBlock {
    let vertical = style.mode == WritingMode::Vertical;
    let em = st.em();
    let c = st.condense;
    let pitch = em * style.line_pitch.max(1.0);
    let (inline_len, cross_len) = if vertical { (h, w) } else { (w, h) };
    let n = lines.len();
    let block = (n.max(1) - 1) as f32 * pitch + em;
    let cross_off = match style.cross_align {
        Align::Center => (cross_len - block) / 2.0,
        Align::End => cross_len - block,
        _ => 0.0,
    };
    let mut out = Vec::with_capacity(n);
    for (k, r) in lines.iter().enumerate() {
        let us = &units[r.clone()];
        let visible: Vec<usize> = (0..us.len())
            .filter(|&i| us[i].kind != Kind::Newline)
            .collect();
        let len = line_length(us, st, style, db);
        // Gaps at break opportunities, for justify and distribute.
        let gaps: Vec<usize> = visible
            .iter()
            .copied()
            .filter(|&i| i > 0 && !us[i].glue_before)
            .collect();
        let last_line = k + 1 == n;
        let mut start = 0.0;
        let mut gap = 0.0;
        match style.align {
            Align::Center => start = (inline_len - len) / 2.0,
            Align::End => start = inline_len - len,
            Align::Justify if !last_line && !gaps.is_empty() => {
                gap = (inline_len - len) / gaps.len() as f32
            }
            Align::Distribute => {
                if gaps.is_empty() {
                    start = (inline_len - len) / 2.0;
                } else {
                    gap = (inline_len - len) / gaps.len() as f32;
                }
            }
            _ => {}
        }
        let gap = gap.max(0.0);
        // Cross position of the line: the centre of its em box.
        let cross_c = cross_off + k as f32 * pitch + em / 2.0;
        let mut pos = start;
        let mut line = Line::default();
        for &i in &visible {
            let u = &us[i];
            if i > 0 && gaps.contains(&i) {
                pos += gap;
            }
            let adv = unit_len(u, st, db);
            let face = db.get(u.font);
            let upem = f32::from(face.units_per_em());
            let s = em / upem;
            let (em_top, mid) = em_metrics(db, u.font);
            let mut glyphs = Vec::with_capacity(u.glyphs.len());
            let g0 = Glyph {
                font: u.font,
                gid: 0,
                x: 0.0,
                y: 0.0,
                em,
                sx: 1.0,
                sy: 1.0,
                rot90: false,
                ink: style.ink,
            };
            let cell;
            if vertical {
                let xc = w - cross_c;
                match u.kind {
                    Kind::Along => {
                        let mut pen = 0.0;
                        for g in &u.glyphs {
                            glyphs.push(Glyph {
                                gid: g.gid,
                                x: xc + g.x_off as f32 * s,
                                y: pos + (pen - g.y_off as f32) * s * c,
                                sy: c,
                                ..g0
                            });
                            pen += g.advance as f32;
                        }
                        cell = Rect::from_xywh(xc - em / 2.0, pos, em, adv);
                    }
                    Kind::Sideways => {
                        let mut pen = 0.0;
                        for g in &u.glyphs {
                            glyphs.push(Glyph {
                                gid: g.gid,
                                x: xc - mid * s + g.y_off as f32 * s,
                                y: pos + (pen + g.x_off as f32) * s * c,
                                sy: c,
                                rot90: true,
                                ..g0
                            });
                            pen += g.advance as f32;
                        }
                        cell = Rect::from_xywh(xc - em / 2.0, pos, em, adv);
                    }
                    Kind::Tcy => {
                        let width: f32 = u.glyphs.iter().map(|g| g.advance as f32).sum();
                        let k = if width > upem { upem / width } else { 1.0 };
                        let x0 = xc - width * s * k / 2.0;
                        let base = pos + em_top * s * c;
                        let mut pen = 0.0;
                        for g in &u.glyphs {
                            glyphs.push(Glyph {
                                gid: g.gid,
                                x: x0 + (pen + g.x_off as f32) * s * k,
                                y: base - g.y_off as f32 * s * c,
                                sx: k,
                                sy: c,
                                ..g0
                            });
                            pen += g.advance as f32;
                        }
                        cell = Rect::from_xywh(x0, pos, width * s * k, em * c);
                    }
                    Kind::Newline => continue,
                }
            } else {
                let top = cross_c - em / 2.0;
                let base = top + em_top * s;
                let mut pen = 0.0;
                for g in &u.glyphs {
                    glyphs.push(Glyph {
                        gid: g.gid,
                        x: pos + (pen + g.x_off as f32) * s * c,
                        y: base - g.y_off as f32 * s,
                        sx: c,
                        ..g0
                    });
                    pen += g.advance as f32;
                }
                cell = Rect::from_xywh(pos, top, adv, em);
            }
            let ink = glyphs
                .iter()
                .filter_map(|g| glyph_ink(db, g))
                .reduce(|a, b| a.union(&b));
            line.units.push(PlacedUnit {
                text: text[u.range.clone()].to_string(),
                font: u.font,
                cell,
                ink,
                rotated: u.kind == Kind::Sideways,
                tcy: u.kind == Kind::Tcy,
                glyphs,
            });
            pos += adv;
        }
        out.push(line);
    }
    TextBlock {
        size_pt: st.size_pt,
        condense: c,
        lines: out,
    }
}

/// The inked bounds of a placed glyph, mm; none for a blank.
pub fn glyph_ink(db: &FontDb, g: &Glyph) -> Option<Rect> {
    let face = db.get(g.font);
    let bb = face.bbox(g.gid)?;
    let t = g.transform(face.units_per_em());
    let pts = [
        t.apply(f32::from(bb.x_min), f32::from(bb.y_min)),
        t.apply(f32::from(bb.x_max), f32::from(bb.y_min)),
        t.apply(f32::from(bb.x_min), f32::from(bb.y_max)),
        t.apply(f32::from(bb.x_max), f32::from(bb.y_max)),
    ];
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for (x, y) in pts {
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    Some(Rect::from_xywh(x0, y0, x1 - x0, y1 - y0))
}
