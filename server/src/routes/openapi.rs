//! `GET /openapi.json`: the OpenAPI 3.1 document of the routes (a test checks it lists every one).

use axum::Json;
use serde_json::{json, Value};

fn err(desc: &str) -> Value {
    json!({ "description": desc, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

/// The document.
pub fn document() -> Value {
    let auth = json!([{ "bearer": [] }]);
    json!({
        "openapi": "3.1.0",
        "info": { "title": "shomei", "version": env!("CARGO_PKG_VERSION"),
                  "description": "Renders Japanese municipal certificates and records each issuance (no personal data)." },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "Error": { "type": "object", "required": ["error", "message"], "properties": {
                    "error": { "type": "string" }, "field": { "type": "string" }, "message": { "type": "string" } } },
                "VerifyRequest": { "type": "object", "required": ["payload"], "additionalProperties": false, "properties": {
                    "payload": { "type": "string", "description": "the code's bytes, hex or base64 (standard or URL-safe)" } } },
                "VerifyResult": { "type": "object", "required": ["verdict", "codes"], "properties": {
                    "verdict": { "$ref": "#/components/schemas/Verdict" },
                    "codes": { "type": "array", "items": { "type": "object", "required": ["verdict"], "properties": {
                        "verdict": { "$ref": "#/components/schemas/Verdict" },
                        "issuer": { "type": "string", "description": "団体コード, six digits" },
                        "key_id": { "type": "integer" }, "doc_type": { "type": "integer" },
                        "serial": { "type": "integer" }, "issued_on": { "type": "string", "format": "date" },
                        "page": { "type": "integer" }, "pages": { "type": "integer" },
                        "digest": { "type": "string", "description": "digest of the signed data, hex" },
                        "in_ledger": { "type": "boolean", "description": "this server's ledger holds the serial for this issuer" } } } } } },
                "Verdict": { "enum": ["genuine", "altered", "wrong_key", "unknown_key", "cancelled", "unsupported_version"] },
                "CertificateRequest": { "type": "object", "required": ["layout", "municipality", "data"], "additionalProperties": false, "properties": {
                    "layout": { "type": "string" }, "municipality": { "type": "string" },
                    "data": { "type": "object", "description": "see GET /v1/layouts/{id}/schema" },
                    "items": { "type": "array", "items": { "type": "string" } },
                    "format": { "enum": ["pdf", "png"], "default": "pdf" },
                    "dpi": { "type": "integer", "default": 300, "minimum": 50, "maximum": 1200 },
                    "color": { "oneOf": [ { "type": "boolean" }, { "enum": ["gray", "rgb", "mono"] } ] },
                    "copies": { "type": "integer", "minimum": 1, "maximum": 20, "default": 1 } } }
            }
        },
        "paths": {
            "/v1/certificates": { "post": {
                "summary": "Issue a certificate: the server assigns the serial and the issue date",
                "security": auth,
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CertificateRequest" } } } },
                "responses": {
                    "200": { "description": "PDF; PNG (one page) or multipart/mixed of PNG pages",
                             "headers": { "X-Shomei-Serial": { "schema": { "type": "string" } }, "X-Shomei-Pages": { "schema": { "type": "integer" } },
                                          "X-Shomei-Issued-At": { "schema": { "type": "string", "format": "date-time" } },
                                          "X-Shomei-Copies": { "schema": { "type": "integer" } },
                                          "X-Shomei-Data-Digest": { "description": "digest of the signed data (hex), as the codes carry it and the ledger records it", "schema": { "type": "string" } } },
                             "content": { "application/pdf": {}, "image/png": {}, "multipart/mixed": {} } },
                    "400": err("malformed JSON"), "401": err("no or bad token"), "403": err("role may not"),
                    "413": err("body too large"), "422": err("invalid field (named in `field`)"), "429": err("terminal over its rate"),
                    "503": err("queue full or render timeout; see Retry-After") } } },
            "/v1/verify": { "post": {
                "summary": "Verify a signed 2D code: its payload (JSON) or a scan of the sheet's back (PNG, JPEG or TIFF body); every role",
                "security": auth,
                "requestBody": { "required": true, "content": {
                    "application/json": { "schema": { "$ref": "#/components/schemas/VerifyRequest" } },
                    "image/png": { "schema": { "type": "string", "format": "binary" } },
                    "image/jpeg": { "schema": { "type": "string", "format": "binary" } },
                    "image/tiff": { "schema": { "type": "string", "format": "binary" } } } },
                "responses": {
                    "200": { "description": "the verdict and each code's signed fields",
                             "content": { "application/json": { "schema": { "$ref": "#/components/schemas/VerifyResult" } } } },
                    "400": err("malformed JSON"), "401": err("no or bad token"), "413": err("scan larger than max_scan_bytes"),
                    "415": err("not JSON, PNG, JPEG or TIFF"), "422": err("nothing readable: bad payload encoding, undecodable image, or no code found"),
                    "503": err("pool busy; see Retry-After") } } },
            "/v1/layouts": { "get": { "summary": "Layouts and municipalities", "security": auth,
                "responses": { "200": { "description": "layouts and municipalities" }, "401": err("no or bad token") } } },
            "/v1/layouts/{id}/schema": { "get": { "summary": "JSON Schema of a layout's data", "security": auth,
                "parameters": [ { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } } ],
                "responses": { "200": { "description": "JSON Schema" }, "401": err("no or bad token"), "404": err("no such layout") } } },
            "/v1/issuances/{serial}/cancel": { "post": { "summary": "Cancel an issuance (admin)", "security": auth,
                "parameters": [ { "name": "serial", "in": "path", "required": true, "schema": { "type": "string" } } ],
                "responses": { "200": { "description": "cancelled" }, "401": err("no or bad token"), "403": err("not admin"),
                               "404": err("no such serial"), "409": err("already cancelled"), "422": err("bad serial") } } },
            "/v1/issuances": { "get": { "summary": "A day's counts per terminal, layout and category (admin)", "security": auth,
                "parameters": [ { "name": "date", "in": "query", "required": false, "schema": { "type": "string", "format": "date" } } ],
                "responses": { "200": { "description": "counts" }, "401": err("no or bad token"), "403": err("not admin"), "422": err("bad date") } } },
            "/healthz": { "get": { "summary": "Liveness", "responses": { "200": { "description": "ok" } } } },
            "/readyz": { "get": { "summary": "Readiness", "responses": { "200": { "description": "ready" }, "503": err("not ready") } } },
            "/metrics": { "get": { "summary": "Prometheus metrics", "responses": { "200": { "description": "text exposition" } } } },
            "/openapi.json": { "get": { "summary": "This document", "responses": { "200": { "description": "OpenAPI 3.1" } } } }
        }
    })
}

/// Serves the document.
pub async fn openapi() -> Json<Value> {
    Json(document())
}
