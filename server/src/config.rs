//! The configuration file (TOML; see `server/config.example.toml`). Every key is optional: with
//! none the server listens on 127.0.0.1:8080, serves the repository's layouts and keeps its data
//! under `./shomei-data` (or `$SHOMEI_DATA`).

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A terminal's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A self-service kiosk: issues.
    Kiosk,
    /// A counter printer: issues.
    Counter,
    /// A QA station: renders specimen municipalities only.
    Qa,
    /// Administration: issues, cancels, reads the day's counts.
    Admin,
}

impl Role {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Role::Kiosk => "kiosk",
            Role::Counter => "counter",
            Role::Qa => "qa",
            Role::Admin => "admin",
        }
    }

    /// The issuance category a role records by default.
    pub fn default_category(self) -> &'static str {
        match self {
            Role::Kiosk => "kiosk",
            Role::Counter | Role::Admin => "counter",
            Role::Qa => "specimen",
        }
    }
}

/// The categories an issuance may carry (発行区分).
pub const CATEGORIES: &[&str] = &["kiosk", "counter", "convenience", "specimen"];

/// One terminal's token.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// Terminal id (自動交付機ID, counter printer id …), logged and recorded.
    pub terminal: String,
    /// Role.
    pub role: Role,
    /// SHA-256 of the token, 64 lower-case hex digits. The token itself is never stored.
    pub sha256: String,
    /// Issuance category (kiosk, counter, convenience, specimen). Default: from the role.
    #[serde(default)]
    pub category: Option<String>,
}

/// The whole configuration.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on. Default: 127.0.0.1:8080.
    #[serde(default)]
    pub listen: Option<String>,
    /// Data directory (the ledger). Default: `$SHOMEI_DATA`, else `./shomei-data`.
    #[serde(default)]
    pub data_dir: Option<PathBuf>,
    /// Layouts directory. Default: `$SHOMEI_LAYOUTS`, else the repository's `layouts/`.
    #[serde(default)]
    pub layouts_dir: Option<PathBuf>,
    /// Render workers. Default: one per core.
    #[serde(default)]
    pub workers: Option<usize>,
    /// Render queue length beyond the workers. Default: 4 per worker.
    #[serde(default)]
    pub queue: Option<usize>,
    /// Largest request body, bytes. Default: 4 MiB.
    #[serde(default)]
    pub max_body_bytes: Option<usize>,
    /// Largest scan sent to `POST /v1/verify`, bytes. Default: 20 MiB.
    #[serde(default)]
    pub max_scan_bytes: Option<usize>,
    /// Longest wait for a render, ms, before answering 503. Default: 10000.
    #[serde(default)]
    pub render_timeout_ms: Option<u64>,
    /// Retry-After sent with 503, seconds. Default: 1.
    #[serde(default)]
    pub retry_after_s: Option<u32>,
    /// Certificates one terminal may request per minute (429 beyond). Default: unlimited.
    #[serde(default)]
    pub rate_per_minute: Option<u32>,
    /// Terminals.
    #[serde(default)]
    pub tokens: Vec<TokenConfig>,
    /// TLS: certificate, key and optional client CA (PEM files). Default: plain HTTP.
    #[serde(default)]
    pub tls: Option<crate::tls::TlsConfig>,
}

impl Config {
    /// Reads and checks a configuration file.
    pub fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        Config::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses and checks configuration text.
    pub fn parse(text: &str) -> Result<Config, String> {
        let c: Config = toml::from_str(text).map_err(|e| e.message().to_string())?;
        for (i, t) in c.tokens.iter().enumerate() {
            if t.sha256.len() != 64 || !t.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!(
                    "tokens[{i}].sha256: expected 64 hex digits (sha256sum of the token)"
                ));
            }
            if t.terminal.is_empty() {
                return Err(format!("tokens[{i}].terminal: must not be empty"));
            }
            if let Some(cat) = &t.category {
                if !CATEGORIES.contains(&cat.as_str()) {
                    return Err(format!(
                        "tokens[{i}].category: expected one of {}",
                        CATEGORIES.join(", ")
                    ));
                }
            }
        }
        Ok(c)
    }
}

/// SHA-256 of a token, lower-case hex.
pub fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(token.as_bytes()))
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_config_parses() {
        let text = include_str!("../config.example.toml");
        let c = Config::parse(text).unwrap();
        assert!(!c.tokens.is_empty());
    }

    #[test]
    fn bad_hash_is_named() {
        let e =
            Config::parse("[[tokens]]\nterminal='k1'\nrole='kiosk'\nsha256='abc'\n").unwrap_err();
        assert!(e.contains("tokens[0].sha256"), "{e}");
    }
}
