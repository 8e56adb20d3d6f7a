//! Binding: checks the request data against the layout's field declarations and turns it into
//! typed values. Errors name the JSON path and say what is expected, never the value itself.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use serde_json::Value as Json;

use crate::error::{Error, Result};
use crate::text::wareki::Date;

use super::template::{FieldDecl, FieldKind, Template};

/// Longest text accepted when a declaration sets no `max`, in characters.
pub(crate) const DEFAULT_MAX_TEXT: usize = 200;
/// Most entries of a list when a declaration sets no `max`.
pub(crate) const DEFAULT_MAX_LIST: usize = 100;

/// A registered seal impression as sent: the file's bytes and its physical scale.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageValue {
    /// The encoded image (PNG, JPEG, BMP or TIFF).
    pub bytes: Vec<u8>,
    /// Physical size of the impression's longer side, mm.
    pub size_mm: Option<f32>,
    /// Resolution of the scan.
    pub dpi: Option<f32>,
}

/// A bound value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Text, exactly as sent (no normalisation: 戸籍 variants must survive).
    Text(String),
    /// A date.
    Date(Date),
    /// A flag.
    Bool(bool),
    /// Entries of a list.
    List(Vec<Record>),
    /// An image.
    Image(ImageValue),
}

/// The fields of an object.
pub type Record = BTreeMap<String, Value>;

/// The request data after binding.
#[derive(Clone, Debug, PartialEq)]
pub struct Bound {
    /// Top-level fields.
    pub fields: Record,
    /// Optional items chosen.
    pub options: BTreeSet<String>,
}

/// Binds `data` (JSON text) to the template. `items` are the requester's optional items (none:
/// the layout's defaults); `issued_on` bounds dates that must lie in the past.
pub fn bind_json(
    t: &Template,
    data: &str,
    items: Option<&[String]>,
    issued_on: Date,
) -> Result<Bound> {
    let json: Json = serde_json::from_str(data).map_err(|e| {
        Error::input(
            "data",
            format!(
                "malformed JSON at line {} column {}: {}",
                e.line(),
                e.column(),
                classify(&e)
            ),
        )
    })?;
    bind(t, &json, items, issued_on)
}

fn classify(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Eof => "the document ends too early",
        serde_json::error::Category::Syntax => "syntax error; expected a JSON object",
        serde_json::error::Category::Data => "unexpected data",
        serde_json::error::Category::Io => "could not be read",
    }
}

/// Binds parsed JSON.
pub fn bind(t: &Template, data: &Json, items: Option<&[String]>, issued_on: Date) -> Result<Bound> {
    let options = match items {
        None => t
            .options
            .iter()
            .filter(|(_, o)| o.default)
            .map(|(k, _)| k.clone())
            .collect(),
        Some(list) => {
            let mut set = BTreeSet::new();
            for (i, it) in list.iter().enumerate() {
                if !t.options.contains_key(it) {
                    let known: Vec<&str> = t.options.keys().map(String::as_str).collect();
                    return Err(Error::input(
                        format!("items[{i}]"),
                        format!(
                            "unknown optional item; this layout offers: {}",
                            if known.is_empty() {
                                "none".into()
                            } else {
                                known.join(", ")
                            }
                        ),
                    ));
                }
                set.insert(it.clone());
            }
            set
        }
    };
    let fields = bind_object(&t.fields, data, "", issued_on)?;
    Ok(Bound { fields, options })
}

fn path(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn bind_object(
    decls: &BTreeMap<String, FieldDecl>,
    data: &Json,
    prefix: &str,
    issued_on: Date,
) -> Result<Record> {
    let here = if prefix.is_empty() {
        "data".to_string()
    } else {
        prefix.to_string()
    };
    let obj = data
        .as_object()
        .ok_or_else(|| Error::input(&here, "expected a JSON object"))?;
    for key in obj.keys() {
        if !decls.contains_key(key) {
            let known: Vec<&str> = decls.keys().map(String::as_str).collect();
            return Err(Error::input(
                path(prefix, key),
                format!("unknown field; expected one of: {}", known.join(", ")),
            ));
        }
    }
    let mut out = Record::new();
    for (key, decl) in decls {
        let p = path(prefix, key);
        match obj.get(key) {
            None | Some(Json::Null) => {
                if decl.required {
                    return Err(Error::input(
                        p,
                        format!("missing; expected {}", expected(decl)),
                    ));
                }
            }
            Some(v) => {
                out.insert(key.clone(), bind_value(decl, v, &p, issued_on)?);
            }
        }
    }
    Ok(out)
}

fn expected(d: &FieldDecl) -> String {
    let what = match d.kind {
        FieldKind::Text => format!(
            "a string of at most {} characters",
            d.max.unwrap_or(DEFAULT_MAX_TEXT)
        ),
        FieldKind::Date => "a date written YYYY-MM-DD".into(),
        FieldKind::Bool => "true or false".into(),
        FieldKind::List => "an array of objects".into(),
        FieldKind::Image => "an object { \"base64\": …, \"size_mm\": … or \"dpi\": … }".into(),
        FieldKind::KojinBango => "a 12-digit 個人番号 string".into(),
        FieldKind::Digits => "a string of digits".into(),
    };
    if d.label.is_empty() {
        what
    } else {
        format!("{} ({what})", d.label)
    }
}

fn bind_value(d: &FieldDecl, v: &Json, p: &str, issued_on: Date) -> Result<Value> {
    let want = || Error::input(p, format!("wrong type; expected {}", expected(d)));
    match d.kind {
        FieldKind::Text => {
            let s = v.as_str().ok_or_else(want)?;
            let max = d.max.unwrap_or(DEFAULT_MAX_TEXT);
            let n = s.chars().count();
            if n > max {
                return Err(Error::input(
                    p,
                    format!("too long: {n} characters, at most {max} allowed"),
                ));
            }
            if d.required && s.trim().is_empty() {
                return Err(Error::input(p, format!("empty; expected {}", expected(d))));
            }
            if s.chars().any(|c| c.is_control()) {
                return Err(Error::input(
                    p,
                    "contains a control character (newline, tab …); send one line of text",
                ));
            }
            if !d.choices.is_empty() && !d.choices.iter().any(|c| c == s) {
                return Err(Error::input(
                    p,
                    format!("expected one of: {}", d.choices.join(", ")),
                ));
            }
            Ok(Value::Text(s.to_string()))
        }
        FieldKind::Digits | FieldKind::KojinBango => {
            let s = v.as_str().ok_or_else(want)?;
            let (lo, hi) = match d.kind {
                FieldKind::KojinBango => (12, 12),
                _ => (d.min.unwrap_or(1), d.max.unwrap_or(20)),
            };
            let n = s.len();
            if !s.bytes().all(|b| b.is_ascii_digit()) || n < lo || n > hi {
                let len = if lo == hi {
                    format!("{lo}")
                } else {
                    format!("{lo} to {hi}")
                };
                return Err(Error::input(p, format!("expected {len} ASCII digits")));
            }
            if d.kind == FieldKind::KojinBango && !kojin_bango_valid(s) {
                return Err(Error::input(
                    p,
                    "the check digit of this 個人番号 is wrong; check the number",
                ));
            }
            Ok(Value::Text(s.to_string()))
        }
        FieldKind::Date => {
            let s = v.as_str().ok_or_else(want)?;
            let date = Date::parse_iso(s).map_err(|e| e.at(p))?;
            if d.past && date > issued_on {
                return Err(Error::input(p, "lies after the issue date; expected a date in the past (a birth date cannot be in the future)"));
            }
            Ok(Value::Date(date))
        }
        FieldKind::Bool => Ok(Value::Bool(v.as_bool().ok_or_else(want)?)),
        FieldKind::List => {
            let arr = v.as_array().ok_or_else(want)?;
            let max = d.max.unwrap_or(DEFAULT_MAX_LIST);
            let min = d.min.unwrap_or(0);
            if arr.len() > max {
                return Err(Error::input(
                    p,
                    format!("too many entries: {}, at most {max}", arr.len()),
                ));
            }
            if arr.len() < min {
                return Err(Error::input(
                    p,
                    format!("too few entries: {}, at least {min}", arr.len()),
                ));
            }
            let mut out = Vec::with_capacity(arr.len());
            for (i, e) in arr.iter().enumerate() {
                out.push(bind_object(&d.item, e, &format!("{p}[{i}]"), issued_on)?);
            }
            Ok(Value::List(out))
        }
        FieldKind::Image => {
            let obj = v.as_object().ok_or_else(want)?;
            for k in obj.keys() {
                if !matches!(k.as_str(), "base64" | "size_mm" | "dpi") {
                    return Err(Error::input(
                        format!("{p}.{k}"),
                        "unknown field; expected base64, size_mm or dpi",
                    ));
                }
            }
            let b64 = obj.get("base64").and_then(Json::as_str).ok_or_else(|| {
                Error::input(
                    format!("{p}.base64"),
                    "missing; expected the image file in base64",
                )
            })?;
            // A decompression-bomb guard before decoding: 8 MB of file at most.
            if b64.len() > 8 * 1024 * 1024 * 4 / 3 + 4 {
                return Err(Error::Image {
                    field: p.to_string(),
                    message: "the image file is larger than 8 MB; send a smaller scan".into(),
                });
            }
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64.as_bytes())
                .map_err(|_| Error::input(format!("{p}.base64"), "not valid base64"))?;
            let num = |k: &str| -> Result<Option<f32>> {
                match obj.get(k) {
                    None | Some(Json::Null) => Ok(None),
                    Some(x) => x
                        .as_f64()
                        .filter(|f| f.is_finite() && *f > 0.0)
                        .map(|f| Some(f as f32))
                        .ok_or_else(|| {
                            Error::input(format!("{p}.{k}"), "expected a positive number")
                        }),
                }
            };
            let (size_mm, dpi) = (num("size_mm")?, num("dpi")?);
            if size_mm.is_none() && dpi.is_none() {
                return Err(Error::input(
                    p,
                    "give the impression's physical size (size_mm) or the scan's dpi",
                ));
            }
            Ok(Value::Image(ImageValue {
                bytes,
                size_mm,
                dpi,
            }))
        }
    }
}

/// Whether a 12-digit 個人番号 has the right check digit (総務省令第85号 第5条).
pub fn kojin_bango_valid(s: &str) -> bool {
    let d: Vec<u32> = s.bytes().map(|b| u32::from(b.wrapping_sub(b'0'))).collect();
    if d.len() != 12 || d.iter().any(|&x| x > 9) {
        return false;
    }
    d[11] == kojin_bango_check_digit(&d[..11])
}

/// The check digit for the first eleven digits of a 個人番号.
pub fn kojin_bango_check_digit(first11: &[u32]) -> u32 {
    let sum: u32 = (1..=11u32)
        .map(|n| {
            let p = first11[11 - n as usize];
            let q = if n <= 6 { n + 1 } else { n - 5 };
            p * q
        })
        .sum();
    let r = sum % 11;
    if r <= 1 {
        0
    } else {
        11 - r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kojin_bango_check() {
        assert!(kojin_bango_valid("123456789018"));
        assert!(!kojin_bango_valid("123456789012"));
    }
}
