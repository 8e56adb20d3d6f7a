//! Composition: a bound request on a template becomes a display list, page by page. The static
//! part of each page (frame, labels, statement, mayor's line, official seal, specimen mark) is
//! composed once per (layout, municipality, page variant) and shared; a request composes only
//! its own values.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, RwLock};

use crate::display::{Document, Ink, Item, Layer, Page, Paint, Path, Shape};
use crate::error::{Error, Result};
use crate::geom::Rect;
use crate::seal;
use crate::security::{self, SecurityPrint, Side};
use crate::signed;
use crate::text::numerals::{digits_to_kanji_in_text, fullwidth_digits, to_daiji, RunStyle};
use crate::text::wareki::{format_seireki, format_wareki, Date, DigitStyle};
use crate::text::{layout, FontDb, TextStyle, WritingMode};

use super::bind::{bind, Bound, Record, Value};
use super::catalog::Catalog;
use super::municipality::Municipality;
use super::template::{pieces, rect, ItemDecl, Piece, Template};

/// What a caller asks for.
#[derive(Clone, Debug)]
pub struct Request<'a> {
    /// Layout id.
    pub layout: &'a str,
    /// Municipality id.
    pub municipality: &'a str,
    /// Resident data.
    pub data: &'a serde_json::Value,
    /// Optional items chosen (none: the layout's defaults).
    pub items: Option<&'a [String]>,
    /// Issuance serial as printed.
    pub serial: &'a str,
    /// Issue date.
    pub issued_on: Date,
}

/// Page variant: which `on` conditions hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Variant {
    first: bool,
    last: bool,
    /// The back of the sheet (security print; `first`/`last` are false).
    back: bool,
}

/// Cache key of a static page base: layout id, municipality id, page variant.
type BaseKey = (String, String, Variant);

/// Composes documents; caches the static part of pages.
pub struct Composer {
    fonts: &'static FontDb,
    catalog: Arc<Catalog>,
    bases: RwLock<HashMap<BaseKey, (Arc<Layer>, u64)>>,
    /// The security print of each (layout, municipality): the profile's with the layout's
    /// overrides, merged once.
    security: RwLock<HashMap<(String, String), Arc<SecurityPrint>>>,
}

impl std::fmt::Debug for Composer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Composer").finish_non_exhaustive()
    }
}

/// Values of the issuance and the page, for `$…` placeholders.
struct Context<'a> {
    muni: &'a Municipality,
    t: &'a Template,
    issued_on: Date,
    serial: &'a str,
    page: usize,
    pages: usize,
    count: usize,
}

impl Composer {
    /// A composer over a catalog.
    pub fn new(fonts: &'static FontDb, catalog: Arc<Catalog>) -> Composer {
        Composer {
            fonts,
            catalog,
            bases: RwLock::new(HashMap::new()),
            security: RwLock::new(HashMap::new()),
        }
    }

    /// The security print of a layout for a municipality ([`security::resolve`]), resolved on
    /// first use and cached like the static pages (same key: layout and municipality ids).
    pub fn security(&self, t: &Template, m: &Municipality) -> Result<Arc<SecurityPrint>> {
        let key = (t.id.clone(), m.id.clone());
        if let Some(s) = self.security.read().ok().and_then(|c| c.get(&key).cloned()) {
            return Ok(s);
        }
        let s = Arc::new(security::resolve(m, t)?);
        if let Ok(mut c) = self.security.write() {
            c.entry(key).or_insert_with(|| Arc::clone(&s));
        }
        Ok(s)
    }

    /// The catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Binds and composes a request.
    pub fn compose(&self, req: &Request<'_>) -> Result<Document> {
        let t = self.catalog.layout(req.layout)?;
        let m = self.catalog.municipality(req.municipality)?;
        let bound = bind(t, req.data, req.items, req.issued_on)?;
        self.compose_bound(t, m, &bound, req.serial, req.issued_on)
    }

    /// Composes bound data.
    pub fn compose_bound(
        &self,
        t: &Template,
        m: &Municipality,
        bound: &Bound,
        serial: &str,
        issued_on: Date,
    ) -> Result<Document> {
        let entries: &[Record] = match &t.group {
            Some(g) => match bound.fields.get(&g.field) {
                Some(Value::List(l)) => l,
                _ => &[],
            },
            None => &[],
        };
        let per_page = t.group.as_ref().map_or(1, |g| g.per_page.max(1));
        let pages = entries.len().div_ceil(per_page).max(1);
        let mut doc = Document::default();
        let mut digest: Option<[u8; 16]> = None;
        // ---- security print (engine::security::page) ----
        let sec = self.security(t, m)?;
        let size = (t.size[0], t.size[1]);
        // ---- end security print ----
        for p in 0..pages {
            let variant = Variant {
                first: p == 0,
                last: p + 1 == pages,
                back: false,
            };
            let (base, base_key) = self.base(t, m, variant)?;
            let ctx = Context {
                muni: m,
                t,
                issued_on,
                serial,
                page: p + 1,
                pages,
                count: entries.len(),
            };
            let mut own = Layer::default();
            for (i, it) in t.item.iter().enumerate() {
                self.item(
                    &mut own,
                    it,
                    &ctx,
                    bound,
                    None,
                    "",
                    (0.0, 0.0),
                    variant,
                    false,
                    &format!("item[{i}]"),
                )?;
            }
            if let Some(g) = &t.group {
                let start = p * per_page;
                let end = (start + per_page).min(entries.len());
                for (slot, idx) in (start..end).enumerate() {
                    let origin = g.slot_origin(slot);
                    let prefix = format!("{}[{idx}]", g.field);
                    for (k, it) in g.item.iter().enumerate() {
                        self.item(
                            &mut own,
                            it,
                            &ctx,
                            bound,
                            Some(&entries[idx]),
                            &prefix,
                            origin,
                            variant,
                            false,
                            &format!("group.item[{k}]"),
                        )?;
                    }
                }
                if let (Some(em), true) = (&g.end_mark, variant.last) {
                    let slot = end - start;
                    let r = if slot < per_page {
                        let o = g.slot_origin(slot);
                        rect(em.rect).translate(o.0, o.1)
                    } else {
                        rect(em.full_rect)
                    };
                    let style = t
                        .style(em.style.as_ref())
                        .map_err(|e| Error::config(&t.id, "group.end_mark.style", e))?;
                    let block = layout(self.fonts, &em.text, &style, r.w, r.h, "group.end_mark")?;
                    own.items.extend(block.items_at(r.x, r.y));
                }
            }
            // ---- security print: the serial microtext, then the back of the sheet ----
            own.extend(security::serial_layer(&sec, m, size, Side::Front, serial)?);
            doc.pages.push(Page {
                size,
                base,
                base_key,
                own,
            });
            if sec.duplex() {
                let back = Variant {
                    first: false,
                    last: false,
                    back: true,
                };
                let (base, base_key) = self.base(t, m, back)?;
                let mut own = security::serial_layer(&sec, m, size, Side::Back, serial)?;
                // The signed 2D code of this sheet, centred in the back's reserved area.
                if let Some(key) = &m.signer {
                    let digest = *digest.get_or_insert_with(|| signed::canonical_digest(bound));
                    let header = signed::Header {
                        version: signed::VERSION,
                        issuer: m.code_number(),
                        key_id: key.id(),
                        doc_type: signed::doc_type(&t.certificate),
                        serial: signed::serial_number(serial)?,
                        days: u16::try_from(issued_on.days_since_2000()).map_err(|_| {
                            Error::input("issued_on", "expected a date from 2000-01-01 on")
                        })?,
                        minute: 0,
                        page: u8::try_from(p + 1).unwrap_or(u8::MAX),
                        pages: u8::try_from(pages).unwrap_or(u8::MAX),
                        digest,
                    };
                    let payload = signed::sign(&header, key);
                    let area = sec.back.code_mm;
                    let mut mask = signed::qr_mask(&payload, 0.0, 0.0)?;
                    let side = mask.rect().w;
                    mask.x = area[0] + (area[2] - side) / 2.0;
                    mask.y = area[1] + (area[3] - side) / 2.0;
                    own.push(Item::Mask(mask));
                }
                doc.pages.push(Page {
                    size,
                    base,
                    base_key,
                    own,
                });
            }
            // ---- end security print ----
        }
        doc.data_digest = digest.unwrap_or_else(|| signed::canonical_digest(bound));
        Ok(doc)
    }

    fn base(&self, t: &Template, m: &Municipality, v: Variant) -> Result<(Arc<Layer>, u64)> {
        let key = (t.id.clone(), m.id.clone(), v);
        if let Ok(map) = self.bases.read() {
            if let Some(b) = map.get(&key) {
                return Ok(b.clone());
            }
        }
        let layer = Arc::new(self.compose_base(t, m, v)?);
        let mut h = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut h);
        let entry = (layer, h.finish());
        if let Ok(mut map) = self.bases.write() {
            map.entry(key).or_insert_with(|| entry.clone());
        }
        Ok(entry)
    }

    fn compose_base(&self, t: &Template, m: &Municipality, v: Variant) -> Result<Layer> {
        // ---- security print: the back is its own base ----
        let sec = self.security(t, m)?;
        let size = (t.size[0], t.size[1]);
        if v.back {
            return security::back_layer(self.fonts, &sec, m, &t.id, size);
        }
        // ---- end security print ----
        let ctx = Context {
            muni: m,
            t,
            issued_on: Date::new(2000, 1, 1).map_err(|e| e.at("issued_on"))?,
            serial: "",
            page: 0,
            pages: 0,
            count: 0,
        };
        let empty = Bound {
            fields: Record::new(),
            options: Default::default(),
        };
        let mut layer = Layer::default();
        for (i, it) in t.item.iter().enumerate() {
            self.item(
                &mut layer,
                it,
                &ctx,
                &empty,
                None,
                "",
                (0.0, 0.0),
                v,
                true,
                &format!("item[{i}]"),
            )?;
        }
        if let Some(g) = &t.group {
            for slot in 0..g.per_page {
                let origin = g.slot_origin(slot);
                for (k, it) in g.item.iter().enumerate() {
                    self.item(
                        &mut layer,
                        it,
                        &ctx,
                        &empty,
                        None,
                        "",
                        origin,
                        v,
                        true,
                        &format!("group.item[{k}]"),
                    )?;
                }
            }
        }
        if m.specimen {
            let r = rect(t.specimen_rect);
            let style = TextStyle {
                family: "gothic-bold".into(),
                size_pt: 22.0,
                mode: WritingMode::Horizontal,
                align: crate::text::Align::Distribute,
                cross_align: crate::text::Align::Center,
                fit: vec![crate::text::FitStep::Shrink],
                ..TextStyle::default()
            };
            let inner = Rect::from_xywh(r.x + 2.5, r.y + 1.0, r.w - 5.0, r.h - 2.0);
            let block = layout(self.fonts, "見本", &style, inner.w, inner.h, "specimen")?;
            layer.items.extend(block.items_at(inner.x, inner.y));
            layer.push(Item::Shape(Shape {
                path: Arc::new(Path::rect(r)),
                paint: Paint::Stroke(0.6),
                ink: Ink::Black,
            }));
        }
        // ---- security print: first in the base, under the text ----
        let keep = security::keepouts(self.fonts, &layer, &security::data_text_boxes(t));
        let mut out = security::security_layer(&sec, m, &t.id, size, Side::Front, &keep)?;
        out.extend(layer);
        Ok(out)
        // ---- end security print ----
    }

    #[allow(clippy::too_many_arguments)]
    fn item(
        &self,
        out: &mut Layer,
        it: &ItemDecl,
        ctx: &Context<'_>,
        bound: &Bound,
        entry: Option<&Record>,
        prefix: &str,
        origin: (f32, f32),
        v: Variant,
        base: bool,
        key: &str,
    ) -> Result<()> {
        let t = ctx.t;
        let (present, absent) = match it {
            ItemDecl::Text {
                present, absent, ..
            }
            | ItemDecl::Rule {
                present, absent, ..
            }
            | ItemDecl::Frame {
                present, absent, ..
            } => (present.as_deref(), absent.as_deref()),
            ItemDecl::SealBox { .. } => (None, None),
        };
        let conditional = present.is_some() || absent.is_some();
        if conditional {
            // Conditions depend on the data: such items belong to the request's own layer.
            if base {
                return Ok(());
            }
            let has = |f: &str| lookup(f, entry, bound).is_some_and(has_value);
            if present.is_some_and(|f| !has(f)) || absent.is_some_and(has) {
                return Ok(());
            }
        }
        match it {
            ItemDecl::Rule {
                line, width, on, ..
            } => {
                if base != conditional && on.shows(v.first, v.last) {
                    let p = Path::line(
                        line[0] + origin.0,
                        line[1] + origin.1,
                        line[2] + origin.0,
                        line[3] + origin.1,
                    );
                    out.push(Item::Shape(Shape {
                        path: Arc::new(p),
                        paint: Paint::Stroke(*width),
                        ink: Ink::Black,
                    }));
                }
            }
            ItemDecl::Frame {
                rect: r, width, on, ..
            } => {
                if base != conditional && on.shows(v.first, v.last) {
                    let p = Path::rect(rect(*r).translate(origin.0, origin.1));
                    out.push(Item::Shape(Shape {
                        path: Arc::new(p),
                        paint: Paint::Stroke(*width),
                        ink: Ink::Black,
                    }));
                }
            }
            ItemDecl::SealBox {
                rect: r,
                field,
                frame,
            } => {
                let r = rect(*r).translate(origin.0, origin.1);
                if base {
                    if *frame {
                        out.push(Item::Shape(Shape {
                            path: Arc::new(Path::rect(r)),
                            paint: Paint::Stroke(0.3),
                            ink: Ink::Black,
                        }));
                    }
                } else if let Some(Value::Image(img)) = lookup(field, entry, bound) {
                    let scale = match (img.size_mm, img.dpi) {
                        (Some(s), _) => seal::ImpressionScale::SizeMm(s),
                        (None, Some(d)) => seal::ImpressionScale::Dpi(d),
                        (None, None) => {
                            return Err(Error::input(field.as_str(), "give size_mm or dpi"))
                        }
                    };
                    let imp = seal::decode_impression(&img.bytes, scale, field)?;
                    out.push(Item::Image(seal::place_impression(
                        &imp,
                        r,
                        Ink::Red,
                        field,
                    )?));
                }
            }
            ItemDecl::Text {
                rect: r,
                text,
                style,
                on,
                when,
                empty,
                omitted,
                mayor,
                each,
                ..
            } => {
                if !on.shows(v.first, v.last) {
                    return Ok(());
                }
                let ps =
                    pieces(text).map_err(|e| Error::config(&t.id, format!("{key}.text"), e))?;
                let dynamic = ps.iter().any(|p| match p {
                    Piece::Ph(ph) => {
                        !(ph.name.starts_with("$muni.") || ph.name.starts_with("$layout."))
                    }
                    Piece::Lit(_) => false,
                });
                if (dynamic || conditional) == base {
                    return Ok(());
                }
                let r = rect(*r).translate(origin.0, origin.1);
                let style = t
                    .style(style.as_ref())
                    .map_err(|e| Error::config(&t.id, format!("{key}.style"), e))?;
                let mut field_path = String::new();
                let value = if let Some(w) = when.as_ref().filter(|w| !bound.options.contains(*w)) {
                    let _ = w;
                    match omitted {
                        Some(o) => o.clone(),
                        None => return Ok(()),
                    }
                } else if let Some(list) = each {
                    let recs: &[Record] = match lookup(list, entry, bound) {
                        Some(Value::List(l)) => l,
                        _ => &[],
                    };
                    let base_path =
                        if prefix.is_empty() || entry.is_some_and(|e| !e.contains_key(list)) {
                            list.clone()
                        } else {
                            format!("{prefix}.{list}")
                        };
                    field_path = base_path.clone();
                    let mut lines: Vec<String> = Vec::new();
                    for (j, rec) in recs.iter().enumerate() {
                        lines.extend(expand_lines(
                            &ps,
                            ctx,
                            rec,
                            entry,
                            bound,
                            &format!("{base_path}[{j}]"),
                        )?);
                    }
                    if lines.is_empty() {
                        empty.clone().unwrap_or_else(|| "【空欄】".to_string())
                    } else {
                        lines.join("\n")
                    }
                } else {
                    let mut s = String::new();
                    let mut any_data = false;
                    let mut any_present = false;
                    for p in &ps {
                        match p {
                            Piece::Lit(l) => s.push_str(l),
                            Piece::Ph(ph) => {
                                if let Some(name) = ph.name.strip_prefix('$') {
                                    s.push_str(&special(name, ph.format.as_deref(), ctx)?);
                                } else {
                                    any_data = true;
                                    let path = if entry.is_some_and(|e| e.contains_key(&ph.name)) {
                                        format!("{prefix}[.]{}", ph.name).replace("[.]", ".")
                                    } else {
                                        ph.name.clone()
                                    };
                                    if field_path.is_empty() {
                                        field_path = path.clone();
                                    }
                                    if let Some(val) = lookup(&ph.name, entry, bound) {
                                        // A field of an optional item that was not chosen prints nothing.
                                        let opt = field_option(t, &ph.name, entry.is_some());
                                        if opt.is_some_and(|o| !bound.options.contains(o)) {
                                            continue;
                                        }
                                        any_present = true;
                                        s.push_str(&format_value(
                                            val,
                                            ph.format.as_deref(),
                                            &path,
                                        )?);
                                    }
                                }
                            }
                        }
                    }
                    if any_data && !any_present {
                        empty.clone().unwrap_or_else(|| "【空欄】".to_string())
                    } else {
                        s
                    }
                };
                if value.is_empty() {
                    return Ok(());
                }
                let name = if field_path.is_empty() {
                    format!("{}:{key}", t.id)
                } else {
                    field_path
                };
                let block = layout(self.fonts, &value, &style, r.w, r.h, &name)?;
                out.items.extend(block.items_at(r.x, r.y));
                if *mayor && base {
                    let last = block
                        .lines
                        .iter()
                        .rev()
                        .flat_map(|l| l.units.iter().rev())
                        .find(|u| u.ink.is_some());
                    if let Some(u) = last {
                        let cell = u.cell.translate(r.x, r.y);
                        out.items.extend(self.official_seal(
                            ctx.muni,
                            cell,
                            style.mode == WritingMode::Vertical,
                            t.seal.overlap,
                            t,
                        )?);
                    }
                }
            }
        }
        Ok(())
    }

    fn official_seal(
        &self,
        m: &Municipality,
        last: Rect,
        vertical: bool,
        overlap: f32,
        t: &Template,
    ) -> Result<Vec<Item>> {
        let size = m.seal.size_mm;
        let mut tl = seal::seal_over_title(last, (size, size), vertical, overlap);
        tl.0 = tl.0.clamp(0.0, t.size[0] - size);
        tl.1 = tl.1.clamp(0.0, t.size[1] - size);
        let mut spec = seal::KakuinSpec::new(&m.seal.text, size);
        spec.border_mm = m.seal.border_mm;
        spec.texture_seed = m.seal.texture_seed;
        seal::kakuin(&spec, tl)
    }
}

/// One copy of an `each` template for the list entry `rec`: its lines, less those in which a
/// placeholder has no value. Placeholders name `rec`'s fields first, then the group entry's,
/// then top-level ones.
fn expand_lines(
    ps: &[Piece<'_>],
    ctx: &Context<'_>,
    rec: &Record,
    entry: Option<&Record>,
    bound: &Bound,
    path: &str,
) -> Result<Vec<String>> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    let mut missing = false;
    for p in ps {
        match p {
            Piece::Lit(l) => {
                let mut parts = l.split('\n');
                if let Some(first) = parts.next() {
                    cur.push_str(first);
                }
                for part in parts {
                    let line = std::mem::take(&mut cur);
                    if !missing {
                        lines.push(line);
                    }
                    missing = false;
                    cur.push_str(part);
                }
            }
            Piece::Ph(ph) => {
                if let Some(name) = ph.name.strip_prefix('$') {
                    cur.push_str(&special(name, ph.format.as_deref(), ctx)?);
                    continue;
                }
                match rec.get(&ph.name).or_else(|| lookup(&ph.name, entry, bound)) {
                    Some(v) => {
                        let p = if rec.contains_key(&ph.name) {
                            format!("{path}.{}", ph.name)
                        } else {
                            ph.name.clone()
                        };
                        cur.push_str(&format_value(v, ph.format.as_deref(), &p)?);
                    }
                    None => missing = true,
                }
            }
        }
    }
    if !missing {
        lines.push(cur);
    }
    Ok(lines)
}

/// Whether a value counts as present for `present` / `absent`: anything but `false`.
fn has_value(v: &Value) -> bool {
    !matches!(v, Value::Bool(false))
}

fn field_option<'t>(t: &'t Template, name: &str, in_entry: bool) -> Option<&'t String> {
    let top = t.fields.get(name);
    let item = if in_entry {
        t.group
            .as_ref()
            .and_then(|g| t.fields.get(&g.field))
            .and_then(|l| l.item.get(name))
    } else {
        None
    };
    item.or(top).and_then(|d| d.option.as_ref())
}

fn lookup<'a>(name: &str, entry: Option<&'a Record>, bound: &'a Bound) -> Option<&'a Value> {
    entry
        .and_then(|e| e.get(name))
        .or_else(|| bound.fields.get(name))
}

fn date_style(format: Option<&str>) -> Option<DigitStyle> {
    Some(match format {
        None | Some("wareki") => DigitStyle::Arabic,
        Some("wareki_fw") => DigitStyle::FullWidth,
        Some("wareki_padded") => DigitStyle::Padded,
        Some("wareki_kanji") => DigitStyle::Kanji,
        Some("wareki_daiji") => DigitStyle::Daiji,
        _ => return None,
    })
}

fn format_date(d: Date, format: Option<&str>, path: &str) -> Result<String> {
    match format {
        Some("seireki") => Ok(format_seireki(d, DigitStyle::Arabic)),
        Some("seireki_kanji") => Ok(format_seireki(d, DigitStyle::Kanji)),
        f => {
            let style = date_style(f).ok_or_else(|| {
                Error::config("layout", path, "this format does not apply to a date")
            })?;
            format_wareki(d, style).map_err(|e| e.at(path))
        }
    }
}

fn format_text(s: &str, format: Option<&str>) -> String {
    match format {
        Some("kanji") => digits_to_kanji_in_text(s, RunStyle::Auto),
        Some("daiji") => to_daiji(&digits_to_kanji_in_text(s, RunStyle::Count)),
        Some("fullwidth") => fullwidth_digits(s),
        Some("upper") => s.to_uppercase(),
        Some("postal") if s.len() == 7 && s.is_ascii() => format!("〒{}-{}", &s[..3], &s[3..]),
        Some("kojin_bango") if s.len() == 12 && s.is_ascii() => {
            format!("{} {} {}", &s[..4], &s[4..8], &s[8..])
        }
        _ => s.to_string(),
    }
}

fn format_value(v: &Value, format: Option<&str>, path: &str) -> Result<String> {
    if format == Some("blank") {
        // Prints nothing; the value still counts as present (parallel `each` columns).
        return Ok(String::new());
    }
    Ok(match v {
        Value::Text(s) => format_text(s, format),
        Value::Date(d) => format_date(*d, format, path)?,
        Value::Bool(b) => if *b { "有" } else { "無" }.to_string(),
        Value::List(l) => l.len().to_string(),
        Value::Image(_) => String::new(),
    })
}

fn special(name: &str, format: Option<&str>, ctx: &Context<'_>) -> Result<String> {
    let m = ctx.muni;
    Ok(match name {
        "issue_date" => format_date(ctx.issued_on, format, "issued_on")?,
        "serial" => ctx.serial.to_string(),
        "page" => format_text(&ctx.page.to_string(), format),
        "pages" => format_text(&ctx.pages.to_string(), format),
        "count" => format_text(&ctx.count.to_string(), format),
        "copy" => "1".to_string(),
        "muni.name" => m.name.clone(),
        "muni.prefecture" => m.prefecture.clone(),
        "muni.full_name" => m.full_name(),
        "muni.mayor_title" => m.mayor_title.clone(),
        "muni.mayor_name" => m.mayor_name.clone(),
        "muni.contact" => format_text(&m.contact, format),
        "muni.code" => m.code.clone(),
        "layout.title" => ctx.t.title.clone(),
        _ => {
            return Err(Error::config(
                &ctx.t.id,
                "",
                format!("unknown value ${name}"),
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{FitStep, TextStyle};

    const MUNI: &str = include_str!("../../../layouts/municipalities/mihon-shi.toml");

    const LAYOUT: &str = r#"
id = "t"
title = "t"
certificate = "t"
mode = "horizontal"
[fields.persons]
type = "list"
[fields.persons.item]
name = { type = "text" }
removed = { type = "bool" }
[fields.persons.item.events]
type = "list"
[fields.persons.item.events.item]
kind = { type = "text", required = true }
date = { type = "date", required = true }
place = { type = "text" }
[group]
field = "persons"
per_page = 2
origin = [10, 10]
step = [0, 50]
[[group.item]]
kind = "text"
rect = [0, 0, 100, 40]
text = "{kind}\n{place|blank}"
each = "events"
[[group.item]]
kind = "text"
rect = [0, 0, 100, 5]
text = "除籍"
present = "removed"
"#;

    fn rec(pairs: &[(&str, Value)]) -> Record {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn each_copies_drop_lines_with_an_absent_value() {
        let t = Template::parse("t.toml", LAYOUT).unwrap();
        let m = Municipality::parse("m.toml", MUNI).unwrap();
        let ctx = Context {
            muni: &m,
            t: &t,
            issued_on: Date::new(2026, 11, 24).unwrap(),
            serial: "1",
            page: 1,
            pages: 1,
            count: 1,
        };
        let bound = Bound {
            fields: Record::new(),
            options: Default::default(),
        };
        let ps = pieces("{kind}　【{kind}日】{date|wareki}\n【{kind}地】{place}\n【届出人】{name}\nX{place|blank}").unwrap();
        let d = Value::Date(Date::new(1989, 1, 8).unwrap());
        let birth = rec(&[
            ("kind", Value::Text("出生".into())),
            ("date", d.clone()),
            ("place", Value::Text("見本市".into())),
        ]);
        let person = rec(&[("name", Value::Text("父".into()))]);
        let lines = expand_lines(&ps, &ctx, &birth, Some(&person), &bound, "p").unwrap();
        assert_eq!(
            lines,
            [
                "出生　【出生日】平成元年1月8日",
                "【出生地】見本市",
                "【届出人】父",
                "X"
            ]
        );
        // No place: its line and the blank-format line go; the entry's own fields come first.
        let marriage = rec(&[("kind", Value::Text("婚姻".into())), ("date", d)]);
        let lines = expand_lines(&ps, &ctx, &marriage, None, &bound, "p").unwrap();
        assert_eq!(lines, ["婚姻　【婚姻日】平成元年1月8日"]);
    }

    #[test]
    fn each_and_blank_are_checked_and_false_counts_as_absent() {
        let t = Template::parse("t.toml", LAYOUT).unwrap();
        let bad = LAYOUT.replace("each = \"events\"", "each = \"name\"");
        let e = Template::parse("t.toml", &bad).unwrap_err().to_string();
        assert!(
            e.contains("group.item[0].each") && e.contains("not a list"),
            "{e}"
        );
        let bad = LAYOUT.replace("each = \"events\"\n", "");
        let e = Template::parse("t.toml", &bad).unwrap_err().to_string();
        assert!(e.contains("no field named kind"), "{e}");

        let fonts = FontDb::shared().unwrap();
        let m = Municipality::parse("m.toml", MUNI).unwrap();
        let c = Composer::new(fonts, Arc::new(Catalog::default()));
        let data = serde_json::json!({"persons": [
            {"name": "a", "removed": false, "events": [{"kind": "出生", "date": "2000-01-01"}]},
            {"name": "b", "removed": true, "events": []},
            {"name": "c"}
        ]});
        let day = Date::new(2026, 11, 24).unwrap();
        let bound = bind(&t, &data, None, day).unwrap();
        let doc = c.compose_bound(&t, &m, &bound, "1", day).unwrap();
        // Two sheets, each front followed by its back.
        assert_eq!(doc.pages.len(), 4);
        let glyphs = |p: &Page| {
            p.own
                .items
                .iter()
                .filter(|i| matches!(i, Item::Glyph(_)))
                .count()
        };
        // Page 1: 出生 (2 glyphs) for a, and 除籍 (2) for b only, not for a (removed: false);
        // b's empty events print 【空欄】 (4).
        assert_eq!(glyphs(&doc.pages[0]), 2 + 2 + 4);
    }

    #[test]
    fn forced_breaks_need_no_wrap_step() {
        let fonts = FontDb::shared().unwrap();
        let style = TextStyle {
            mode: WritingMode::Horizontal,
            size_pt: 10.0,
            line_pitch: 1.5,
            fit: vec![FitStep::Condense],
            ..TextStyle::default()
        };
        let b = layout(fonts, "出生\n\n婚姻", &style, 30.0, 20.0, "x").unwrap();
        assert_eq!(b.lines.len(), 3);
        // Still one line for a text without breaks: it overflows rather than wraps.
        let e = layout(fonts, &"長".repeat(20), &style, 30.0, 20.0, "x").unwrap_err();
        assert!(matches!(e, Error::Overflow { lines: (1, 1), .. }), "{e:?}");
        // More lines than the box holds is an overflow.
        assert!(layout(fonts, "一\n二\n三\n四\n五", &style, 30.0, 10.0, "x").is_err());
    }
}
