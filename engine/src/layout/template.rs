//! The template model: what a layout file (`layouts/*.toml`) says, checked once at start-up.
//! Errors name the file, the key and what is wrong. Knows nothing about resident data.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::geom::Rect;
use crate::text::{FitStep, TextStyle, WritingMode};

/// A field declaration: the type and limits of one value in the request data.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FieldDecl {
    /// `text`, `date`, `bool`, `list`, `image`, `kojin_bango`, `digits`.
    #[serde(rename = "type")]
    pub kind: FieldKind,
    /// Whether the field must be present. Default: false.
    #[serde(default)]
    pub required: bool,
    /// Longest text, in characters (text), or most entries (list).
    #[serde(default)]
    pub max: Option<usize>,
    /// Fewest entries (list) or exact digit count (digits).
    #[serde(default)]
    pub min: Option<usize>,
    /// Allowed values (text).
    #[serde(default)]
    pub choices: Vec<String>,
    /// A date that may not lie after the issue date (birth dates). Default: false.
    #[serde(default)]
    pub past: bool,
    /// Human-readable name, for the schema and errors.
    #[serde(default)]
    pub label: String,
    /// The optional item (requester's choice) this field belongs to.
    #[serde(default)]
    pub option: Option<String>,
    /// Entries of a list.
    #[serde(default)]
    pub item: BTreeMap<String, FieldDecl>,
}

/// Type of a field.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// A string.
    Text,
    /// An ISO date `YYYY-MM-DD`.
    Date,
    /// true / false.
    Bool,
    /// An array of objects declared by `item`.
    List,
    /// A seal impression: `{ "png_base64": …, "size_mm": … | "dpi": … }`.
    Image,
    /// A 12-digit 個人番号 with its check digit.
    KojinBango,
    /// A string of ASCII digits of length `min`..=`max`.
    Digits,
}

/// An optional item the requester may choose (本籍・筆頭者, 個人番号 …).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OptionDecl {
    /// What the requester sees.
    pub label: String,
    /// Chosen when the request names no items. Default: false.
    #[serde(default)]
    pub default: bool,
}

/// Which pages an item appears on.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum On {
    /// Every page.
    #[default]
    All,
    /// The first page only.
    First,
    /// The last page only (the statement, the date, the mayor's line, the seal).
    Last,
    /// Every page but the last.
    NotLast,
}

impl On {
    /// Whether the item shows on a page.
    pub fn shows(self, first: bool, last: bool) -> bool {
        match self {
            On::All => true,
            On::First => first,
            On::Last => last,
            On::NotLast => !last,
        }
    }
}

/// A style: a named one from `[styles]`, or inline.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum StyleRef {
    /// The name of a style in `[styles]`.
    Named(String),
    /// An inline style.
    Inline(Box<StyleDecl>),
}

/// A style as written in a layout: every key optional, falling back to the layout's `base` style.
#[derive(Clone, Debug, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct StyleDecl {
    /// Another named style this one starts from.
    pub inherit: Option<String>,
    /// Font family.
    pub family: Option<String>,
    /// Size, points.
    pub size: Option<f32>,
    /// Writing mode.
    pub mode: Option<WritingMode>,
    /// Alignment along the line.
    pub align: Option<crate::text::Align>,
    /// Alignment of the block across lines.
    pub cross: Option<crate::text::Align>,
    /// Fitting steps.
    pub fit: Option<Vec<FitStep>>,
    /// Smallest size, points.
    pub min_size: Option<f32>,
    /// Smallest condense ratio.
    pub min_condense: Option<f32>,
    /// Most lines.
    pub max_lines: Option<usize>,
    /// Line pitch, ems.
    pub line_pitch: Option<f32>,
    /// 縦中横 digit count.
    pub tcy_digits: Option<usize>,
    /// One face for the whole text.
    pub single_font: Option<bool>,
}

/// One thing placed on a page (or in a group slot).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ItemDecl {
    /// A text box: static text or a template with `{field|format}` placeholders.
    Text {
        /// x, y, w, h in mm.
        rect: [f32; 4],
        /// The text or template.
        text: String,
        /// Style.
        #[serde(default)]
        style: Option<StyleRef>,
        /// Pages.
        #[serde(default)]
        on: On,
        /// Shown only when this optional item is chosen.
        #[serde(default)]
        when: Option<String>,
        /// Printed when a placeholder's value is absent. Default: 【空欄】 when the template has
        /// placeholders.
        #[serde(default)]
        empty: Option<String>,
        /// Printed instead when `when` names an item that was not chosen. Default: nothing.
        #[serde(default)]
        omitted: Option<String>,
        /// This text is the mayor's title line: the official seal overlaps its end.
        #[serde(default)]
        mayor: bool,
        /// Shown only when this field has a value (e.g. the foreign-resident rows).
        #[serde(default)]
        present: Option<String>,
        /// Shown only when this field has no value.
        #[serde(default)]
        absent: Option<String>,
        /// Repeat the text once per entry of this list field (a list of the group's entry, or a
        /// top-level one), each copy starting on a new line; placeholders name the entry's fields
        /// first. A line of a copy in which a placeholder has no value is left out, so one
        /// template serves entries with different items (身分事項: 出生, 婚姻 …).
        #[serde(default)]
        each: Option<String>,
    },
    /// A straight line.
    Rule {
        /// x0, y0, x1, y1 in mm.
        line: [f32; 4],
        /// Width in mm. Default: 0.25.
        #[serde(default = "default_rule")]
        width: f32,
        /// Pages.
        #[serde(default)]
        on: On,
        /// Shown only when this field has a value.
        #[serde(default)]
        present: Option<String>,
        /// Shown only when this field has no value.
        #[serde(default)]
        absent: Option<String>,
    },
    /// A rectangle outline.
    Frame {
        /// x, y, w, h in mm.
        rect: [f32; 4],
        /// Width in mm. Default: 0.25.
        #[serde(default = "default_rule")]
        width: f32,
        /// Pages.
        #[serde(default)]
        on: On,
        /// Shown only when this field has a value.
        #[serde(default)]
        present: Option<String>,
        /// Shown only when this field has no value.
        #[serde(default)]
        absent: Option<String>,
    },
    /// The registered seal impression's box (印鑑登録証明書).
    SealBox {
        /// x, y, w, h in mm.
        rect: [f32; 4],
        /// The image field.
        field: String,
        /// Draw the box's frame. Default: true.
        #[serde(default = "default_true")]
        frame: bool,
    },
}

fn default_rule() -> f32 {
    0.25
}

fn default_true() -> bool {
    true
}

/// A repeated group: one slot per entry of a list field, flowing onto continuation pages.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GroupDecl {
    /// The list field.
    pub field: String,
    /// Slots per page.
    pub per_page: usize,
    /// Top-left of the first slot, mm.
    pub origin: [f32; 2],
    /// Offset from one slot to the next, mm (negative x for vertical pages).
    pub step: [f32; 2],
    /// Items of a slot, relative to its origin.
    #[serde(default)]
    pub item: Vec<ItemDecl>,
    /// Text right after the last entry (以下余白), relative to the next slot's origin.
    #[serde(default)]
    pub end_mark: Option<EndMark>,
}

/// The 以下余白 mark.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EndMark {
    /// The text. Default: 以下余白.
    #[serde(default = "default_end_mark")]
    pub text: String,
    /// Box relative to the slot after the last entry.
    pub rect: [f32; 4],
    /// Box, absolute on the page, used when the last page's slots are all taken.
    pub full_rect: [f32; 4],
    /// Style.
    #[serde(default)]
    pub style: Option<StyleRef>,
}

impl GroupDecl {
    /// Top-left of slot `slot` (0-based) on a page, mm.
    pub fn slot_origin(&self, slot: usize) -> (f32, f32) {
        (
            self.origin[0] + self.step[0] * slot as f32,
            self.origin[1] + self.step[1] * slot as f32,
        )
    }
}

fn default_end_mark() -> String {
    "以下余白".into()
}

/// Where the official seal goes relative to the mayor's line.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SealPlacement {
    /// Fraction of the last character's advance the seal covers (⅓ to ½). Default: 0.5.
    #[serde(default = "default_overlap")]
    pub overlap: f32,
}

fn default_overlap() -> f32 {
    0.5
}

impl Default for SealPlacement {
    fn default() -> Self {
        SealPlacement {
            overlap: default_overlap(),
        }
    }
}

/// A layout file.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Id (the file stem).
    pub id: String,
    /// Title shown in listings.
    pub title: String,
    /// Certificate type (住民票の写し …).
    pub certificate: String,
    /// The main writing mode, for listings.
    pub mode: WritingMode,
    /// Page size in mm, portrait A4 by default.
    #[serde(default = "default_size")]
    pub size: [f32; 2],
    /// Documentation of the layout (shown by `shomei schema`).
    #[serde(default)]
    pub description: String,
    /// Optional items the requester may choose.
    #[serde(default)]
    pub options: BTreeMap<String, OptionDecl>,
    /// Data declarations.
    pub fields: BTreeMap<String, FieldDecl>,
    /// The style every other starts from.
    #[serde(default)]
    pub base_style: StyleDecl,
    /// Named styles.
    #[serde(default)]
    pub styles: BTreeMap<String, StyleDecl>,
    /// Page items.
    #[serde(default)]
    pub item: Vec<ItemDecl>,
    /// The repeated group, if any.
    #[serde(default)]
    pub group: Option<GroupDecl>,
    /// Where the official seal goes.
    #[serde(default)]
    pub seal: SealPlacement,
    /// Where the specimen mark goes (x, y, w, h mm). Default: top-left margin.
    #[serde(default = "default_specimen")]
    pub specimen_rect: [f32; 4],
    /// Layout-level overrides of the municipality's security print: the keys of a profile's
    /// `[security]`, each optional (layouts/README.md, "Security print").
    #[serde(default)]
    pub security: Option<toml::Table>,
}

fn default_size() -> [f32; 2] {
    [210.0, 297.0]
}

fn default_specimen() -> [f32; 4] {
    [8.0, 6.0, 28.0, 14.0]
}

/// A rect from its array form.
pub(crate) fn rect(r: [f32; 4]) -> Rect {
    Rect::from_xywh(r[0], r[1], r[2], r[3])
}

impl Template {
    /// Parses and checks a layout file. `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Template> {
        let t: Template = toml::from_str(text).map_err(|e| {
            let key = e.span().map(|s| line_of(text, s.start)).unwrap_or_default();
            Error::config(file, key, e.message().to_string())
        })?;
        t.check(file)?;
        if let Some(o) = &t.security {
            crate::security::SecurityPrint::default().with_overrides(o, file)?;
        }
        Ok(t)
    }

    /// Resolves a style reference against `[styles]` and `base_style`.
    pub fn style(&self, r: Option<&StyleRef>) -> std::result::Result<TextStyle, String> {
        let mut chain: Vec<&StyleDecl> = Vec::new();
        let mut cur = match r {
            None => None,
            Some(StyleRef::Named(n)) => Some(
                self.styles
                    .get(n)
                    .ok_or_else(|| format!("no style named {n}"))?,
            ),
            Some(StyleRef::Inline(d)) => Some(d.as_ref()),
        };
        while let Some(d) = cur {
            if chain.len() > 8 {
                return Err("style inheritance is too deep or circular".into());
            }
            chain.push(d);
            cur = match &d.inherit {
                Some(n) => Some(
                    self.styles
                        .get(n)
                        .ok_or_else(|| format!("no style named {n}"))?,
                ),
                None => None,
            };
        }
        chain.push(&self.base_style);
        let mut s = TextStyle {
            mode: self.mode,
            ..TextStyle::default()
        };
        for d in chain.iter().rev() {
            apply(&mut s, d);
        }
        Ok(s)
    }

    fn check(&self, file: &str) -> Result<()> {
        let bad = |key: String, m: String| Err(Error::config(file, key, m));
        if self.size[0] <= 0.0 || self.size[1] <= 0.0 {
            return bad("size".into(), "page size must be positive".into());
        }
        let check_items = |items: &[ItemDecl], prefix: &str, in_group: bool| -> Result<()> {
            for (i, it) in items.iter().enumerate() {
                let key = format!("{prefix}[{i}]");
                match it {
                    ItemDecl::Text {
                        rect: r,
                        text,
                        style,
                        when,
                        each,
                        ..
                    } => {
                        if r[2] <= 0.0 || r[3] <= 0.0 {
                            return bad(
                                format!("{key}.rect"),
                                "width and height must be positive".into(),
                            );
                        }
                        if !in_group
                            && (r[0] < 0.0
                                || r[1] < 0.0
                                || r[0] + r[2] > self.size[0]
                                || r[1] + r[3] > self.size[1])
                        {
                            return bad(format!("{key}.rect"), "the box leaves the page".into());
                        }
                        self.style(style.as_ref())
                            .map_err(|m| Error::config(file, format!("{key}.style"), m))?;
                        if let Some(w) = when {
                            if !self.options.contains_key(w) {
                                return bad(format!("{key}.when"), format!("no option named {w}"));
                            }
                        }
                        let inner = match each {
                            Some(e) => Some(self.list_decl(e, in_group).ok_or_else(|| {
                                Error::config(
                                    file,
                                    format!("{key}.each"),
                                    format!("{e} is not a list field"),
                                )
                            })?),
                            None => None,
                        };
                        for p in placeholders(text) {
                            let p = p.map_err(|m| Error::config(file, format!("{key}.text"), m))?;
                            if inner.is_some_and(|d| d.item.contains_key(&p.name)) {
                                check_format(&p)
                                    .map_err(|m| Error::config(file, format!("{key}.text"), m))?;
                                continue;
                            }
                            self.check_placeholder(&p, in_group)
                                .map_err(|m| Error::config(file, format!("{key}.text"), m))?;
                        }
                    }
                    ItemDecl::SealBox { field, rect: r, .. } => {
                        if self.fields.get(field).map(|f| f.kind) != Some(FieldKind::Image) {
                            return bad(
                                format!("{key}.field"),
                                format!("{field} is not an image field"),
                            );
                        }
                        if r[2] <= 0.0 || r[3] <= 0.0 {
                            return bad(
                                format!("{key}.rect"),
                                "width and height must be positive".into(),
                            );
                        }
                    }
                    ItemDecl::Rule { width, .. } | ItemDecl::Frame { width, .. } => {
                        if *width <= 0.0 {
                            return bad(format!("{key}.width"), "must be positive".into());
                        }
                    }
                }
            }
            Ok(())
        };
        check_items(&self.item, "item", false)?;
        if let Some(g) = &self.group {
            if self.fields.get(&g.field).map(|f| f.kind) != Some(FieldKind::List) {
                return bad(
                    "group.field".into(),
                    format!("{} is not a list field", g.field),
                );
            }
            if g.per_page == 0 {
                return bad("group.per_page".into(), "must be at least 1".into());
            }
            check_items(&g.item, "group.item", true)?;
        }
        for (name, f) in &self.fields {
            if let Some(o) = &f.option {
                if !self.options.contains_key(o) {
                    return bad(
                        format!("fields.{name}.option"),
                        format!("no option named {o}"),
                    );
                }
            }
        }
        for (name, s) in &self.styles {
            self.style(Some(&StyleRef::Named(name.clone())))
                .map_err(|m| Error::config(file, format!("styles.{name}"), m))?;
            if let Some(f) = &s.family {
                if f.is_empty() {
                    return bad(format!("styles.{name}.family"), "empty".into());
                }
            }
        }
        Ok(())
    }

    /// The declaration of a list field named by `each`: one of the group entry's (in a group),
    /// else a top-level one.
    fn list_decl(&self, name: &str, in_group: bool) -> Option<&FieldDecl> {
        let in_entry = if in_group {
            self.group
                .as_ref()
                .and_then(|g| self.fields.get(&g.field))
                .and_then(|l| l.item.get(name))
        } else {
            None
        };
        in_entry
            .or_else(|| self.fields.get(name))
            .filter(|d| d.kind == FieldKind::List)
    }

    fn check_placeholder(
        &self,
        p: &Placeholder,
        in_group: bool,
    ) -> std::result::Result<(), String> {
        if let Some(name) = p.name.strip_prefix('$') {
            const KNOWN: [&str; 14] = [
                "issue_date",
                "serial",
                "page",
                "pages",
                "muni.name",
                "muni.prefecture",
                "muni.mayor_title",
                "muni.mayor_name",
                "muni.contact",
                "muni.code",
                "copy",
                "count",
                "muni.full_name",
                "layout.title",
            ];
            if !KNOWN.contains(&name) {
                return Err(format!(
                    "unknown value ${name}; known: {}",
                    KNOWN.join(", ")
                ));
            }
        } else {
            let decl = if in_group {
                self.group
                    .as_ref()
                    .and_then(|g| self.fields.get(&g.field))
                    .and_then(|l| l.item.get(&p.name))
                    .or_else(|| self.fields.get(&p.name))
            } else {
                self.fields.get(&p.name)
            };
            if decl.is_none() {
                return Err(format!("no field named {}", p.name));
            }
        }
        check_format(p)
    }
}

fn check_format(p: &Placeholder) -> std::result::Result<(), String> {
    if let Some(f) = &p.format {
        if !FORMATS.contains(&f.as_str()) {
            return Err(format!("unknown format {f}; known: {}", FORMATS.join(", ")));
        }
    }
    Ok(())
}

/// Formatters a placeholder may name.
/// `blank` prints nothing but keeps the line of an `each` copy: a column of labels kept in step
/// with the column of values beside it.
pub(crate) const FORMATS: [&str; 14] = [
    "wareki",
    "wareki_fw",
    "wareki_padded",
    "wareki_kanji",
    "wareki_daiji",
    "seireki",
    "seireki_kanji",
    "kanji",
    "fullwidth",
    "postal",
    "kojin_bango",
    "upper",
    "daiji",
    "blank",
];

fn apply(s: &mut TextStyle, d: &StyleDecl) {
    if let Some(v) = &d.family {
        s.family = v.clone();
    }
    if let Some(v) = d.size {
        s.size_pt = v;
        s.min_size_pt = s.min_size_pt.min(v);
    }
    if let Some(v) = d.mode {
        s.mode = v;
    }
    if let Some(v) = d.align {
        s.align = v;
    }
    if let Some(v) = d.cross {
        s.cross_align = v;
    }
    if let Some(v) = &d.fit {
        s.fit = v.clone();
    }
    if let Some(v) = d.min_size {
        s.min_size_pt = v;
    }
    if let Some(v) = d.min_condense {
        s.min_condense = v;
    }
    if let Some(v) = d.max_lines {
        s.max_lines = Some(v);
    }
    if let Some(v) = d.line_pitch {
        s.line_pitch = v;
    }
    if let Some(v) = d.tcy_digits {
        s.tcy_digits = v;
    }
    if let Some(v) = d.single_font {
        s.single_font = v;
    }
}

/// A `{name|format}` placeholder of a text template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Placeholder {
    /// Field name, or `$…` for a value of the issuance or the municipality.
    pub name: String,
    /// Formatter.
    pub format: Option<String>,
}

/// A piece of a text template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    /// Literal text.
    Lit(&'a str),
    /// A placeholder.
    Ph(Placeholder),
}

/// Splits a template into literal text and placeholders. `{{` and `}}` are literal braces.
pub(crate) fn pieces(text: &str) -> std::result::Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(['{', '}']) {
        let (lit, tail) = rest.split_at(i);
        if !lit.is_empty() {
            out.push(Piece::Lit(lit));
        }
        if let Some(r) = tail.strip_prefix("{{") {
            out.push(Piece::Lit("{"));
            rest = r;
            continue;
        }
        if let Some(r) = tail.strip_prefix("}}") {
            out.push(Piece::Lit("}"));
            rest = r;
            continue;
        }
        if tail.starts_with('}') {
            return Err("unmatched }".into());
        }
        let end = tail.find('}').ok_or("unclosed {")?;
        let inner = &tail[1..end];
        let (name, format) = match inner.split_once('|') {
            Some((n, f)) => (n.trim(), Some(f.trim().to_string())),
            None => (inner.trim(), None),
        };
        if name.is_empty() {
            return Err("empty placeholder {}".into());
        }
        out.push(Piece::Ph(Placeholder {
            name: name.to_string(),
            format,
        }));
        rest = &tail[end + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Lit(rest));
    }
    Ok(out)
}

fn placeholders(text: &str) -> Vec<std::result::Result<Placeholder, String>> {
    match pieces(text) {
        Ok(ps) => ps
            .into_iter()
            .filter_map(|p| match p {
                Piece::Ph(p) => Some(Ok(p)),
                Piece::Lit(_) => None,
            })
            .collect(),
        Err(e) => vec![Err(e)],
    }
}

fn line_of(text: &str, offset: usize) -> String {
    let line = text[..offset.min(text.len())].matches('\n').count() + 1;
    format!("line {line}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_pieces() {
        let p = pieces("{name}（{birth_date|wareki}生）{{x}}").unwrap();
        assert_eq!(p.len(), 7);
        assert_eq!(
            p[2],
            Piece::Ph(Placeholder {
                name: "birth_date".into(),
                format: Some("wareki".into())
            })
        );
        assert!(pieces("{unclosed").is_err());
    }

    #[test]
    fn errors_name_file_and_key() {
        let text = "id = \"x\"\ntitle = \"t\"\ncertificate = \"c\"\nmode = \"horizontal\"\n[fields]\nname = { type = \"text\" }\n[[item]]\nkind = \"text\"\nrect = [10, 10, 50, 10]\ntext = \"{nam}\"\n";
        let e = Template::parse("layouts/x.toml", text)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("layouts/x.toml")
                && e.contains("item[0].text")
                && e.contains("no field named nam"),
            "{e}"
        );
        let e = Template::parse("layouts/x.toml", "id = 1")
            .unwrap_err()
            .to_string();
        assert!(e.contains("layouts/x.toml") && e.contains("line 1"), "{e}");
    }
}
