//! JSON Schema (draft 2020-12) of a layout's data, generated from its field declarations.

use serde_json::{json, Map, Value};

use super::template::{FieldDecl, FieldKind, Template};

/// The JSON Schema of the data a layout takes.
pub fn json_schema(t: &Template) -> Value {
    let mut s = object(&t.fields);
    if let Value::Object(m) = &mut s {
        m.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
        m.insert("title".into(), json!(t.title));
        m.insert("description".into(), json!(t.description));
        let opts: Map<String, Value> = t
            .options
            .iter()
            .map(|(k, o)| (k.clone(), json!({ "label": o.label, "default": o.default })))
            .collect();
        m.insert("x-shomei-items".into(), Value::Object(opts));
    }
    s
}

fn object(fields: &std::collections::BTreeMap<String, FieldDecl>) -> Value {
    let props: Map<String, Value> = fields.iter().map(|(k, d)| (k.clone(), field(d))).collect();
    let required: Vec<&String> = fields
        .iter()
        .filter(|(_, d)| d.required)
        .map(|(k, _)| k)
        .collect();
    json!({ "type": "object", "additionalProperties": false, "properties": props, "required": required })
}

fn field(d: &FieldDecl) -> Value {
    let mut v = match d.kind {
        FieldKind::Text => {
            let mut v = json!({ "type": "string", "maxLength": d.max.unwrap_or(super::bind::DEFAULT_MAX_TEXT) });
            if !d.choices.is_empty() {
                v["enum"] = json!(d.choices);
            }
            v
        }
        FieldKind::Date => {
            json!({ "type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" })
        }
        FieldKind::Bool => json!({ "type": "boolean" }),
        FieldKind::KojinBango => json!({ "type": "string", "pattern": "^[0-9]{12}$" }),
        FieldKind::Digits => {
            json!({ "type": "string", "pattern": format!("^[0-9]{{{},{}}}$", d.min.unwrap_or(1), d.max.unwrap_or(20)) })
        }
        FieldKind::List => {
            let mut v = json!({ "type": "array", "items": object(&d.item), "maxItems": d.max.unwrap_or(super::bind::DEFAULT_MAX_LIST) });
            if let Some(m) = d.min {
                v["minItems"] = json!(m);
            }
            v
        }
        FieldKind::Image => json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "base64": { "type": "string", "contentEncoding": "base64", "description": "PNG, JPEG, BMP or TIFF, at most 8 MB and 4096×4096" },
                "size_mm": { "type": "number", "exclusiveMinimum": 0 },
                "dpi": { "type": "number", "exclusiveMinimum": 0 }
            },
            "required": ["base64"]
        }),
    };
    if !d.label.is_empty() {
        v["title"] = json!(d.label);
    }
    if d.past {
        v["description"] = json!("not after the issue date");
    }
    if let Some(o) = &d.option {
        v["x-shomei-item"] = json!(o);
    }
    v
}
