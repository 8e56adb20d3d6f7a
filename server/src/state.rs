//! The shared state: pool, ledger, terminals, clock, metrics and limits, built once at start-up.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use shomei_engine::layout::{default_layout_dir, Catalog};
use shomei_engine::pool::{Pool, PoolOptions};
use shomei_engine::render::Renderer;
use shomei_engine::signed::KeyRing;
use shomei_engine::text::FontDb;

use crate::auth::Caller;
use crate::clock::{Clock, SystemClock};
use crate::config::{token_hash, Config};
use crate::ledger::{Ledger, SqliteLedger};
use crate::metrics::Metrics;

/// Limits applied to requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest body, bytes.
    pub max_body_bytes: usize,
    /// Longest wait for a render.
    pub render_timeout: Duration,
    /// Retry-After on 503, seconds.
    pub retry_after_s: u32,
    /// Certificates per terminal per minute.
    pub rate_per_minute: Option<u32>,
    /// Largest scan sent to `POST /v1/verify`, bytes.
    pub max_scan_bytes: usize,
}

/// Everything handlers share.
pub struct Inner {
    /// The render pool.
    pub pool: Pool,
    /// The issuance ledger.
    pub ledger: Arc<dyn Ledger>,
    /// The public keys of every municipality that signs its codes (for `POST /v1/verify`).
    pub keys: Arc<KeyRing>,
    /// Terminals by token hash.
    pub tokens: BTreeMap<String, Caller>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Metrics.
    pub metrics: Metrics,
    /// Limits.
    pub limits: Limits,
    /// Per-terminal rate windows: minute start and count.
    pub rates: Mutex<HashMap<String, (Instant, u32)>>,
}

/// Cloneable handle on the shared state.
#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// The data directory: the configuration's, else `$SHOMEI_DATA`, else `./shomei-data`.
pub fn data_dir(config: &Config) -> PathBuf {
    config
        .data_dir
        .clone()
        .or_else(|| std::env::var_os("SHOMEI_DATA").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("shomei-data"))
}

impl AppState {
    /// Builds the state: loads fonts and layouts, starts the pool, opens the ledger under the
    /// data directory (created), registers the terminals (plus `dev_token` as terminal `dev`,
    /// role admin, when given).
    pub fn build(
        config: &Config,
        dev_token: Option<&str>,
        clock: Arc<dyn Clock>,
    ) -> Result<AppState, String> {
        let fonts = FontDb::shared().map_err(|e| e.to_string())?;
        let dir = config
            .layouts_dir
            .clone()
            .unwrap_or_else(default_layout_dir);
        let catalog = Catalog::load_dir(&dir).map_err(|e| e.to_string())?;
        let keys = Arc::new(catalog.key_ring().map_err(|e| e.to_string())?);
        let renderer = Arc::new(Renderer::new(fonts, Arc::new(catalog)));
        let mut opts = PoolOptions::default();
        if let Some(w) = config.workers {
            opts.workers = w.max(1);
            opts.queue = opts.workers * 4;
        }
        if let Some(q) = config.queue {
            opts.queue = q;
        }
        let pool = Pool::new(renderer, opts).map_err(|e| e.to_string())?;
        let data = data_dir(config);
        std::fs::create_dir_all(&data)
            .map_err(|e| format!("{}: cannot create the data directory: {e}", data.display()))?;
        let ledger = open_ledger(&data.join("ledger.sqlite3"))?;
        let mut tokens = BTreeMap::new();
        for t in &config.tokens {
            tokens.insert(
                t.sha256.to_ascii_lowercase(),
                Caller {
                    terminal: t.terminal.clone(),
                    role: t.role,
                    category: t
                        .category
                        .clone()
                        .unwrap_or_else(|| t.role.default_category().to_string()),
                },
            );
        }
        if let Some(tok) = dev_token {
            tokens.insert(
                token_hash(tok),
                Caller {
                    terminal: "dev".into(),
                    role: crate::config::Role::Admin,
                    category: "counter".into(),
                },
            );
        }
        Ok(AppState(Arc::new(Inner {
            pool,
            ledger,
            keys,
            tokens,
            clock,
            metrics: Metrics::default(),
            limits: Limits {
                max_body_bytes: config.max_body_bytes.unwrap_or(4 << 20),
                render_timeout: Duration::from_millis(config.render_timeout_ms.unwrap_or(10_000)),
                retry_after_s: config.retry_after_s.unwrap_or(1),
                rate_per_minute: config.rate_per_minute,
                max_scan_bytes: config.max_scan_bytes.unwrap_or(20 << 20),
            },
            rates: Mutex::new(HashMap::new()),
        })))
    }

    /// [`AppState::build`] on the system clock.
    pub fn from_config(config: &Config, dev_token: Option<&str>) -> Result<AppState, String> {
        AppState::build(config, dev_token, Arc::new(SystemClock))
    }

    /// Counts one certificate request of a terminal; false when over its rate.
    pub fn take_rate(&self, terminal: &str) -> bool {
        let Some(limit) = self.limits.rate_per_minute else {
            return true;
        };
        let Ok(mut m) = self.rates.lock() else {
            return true;
        };
        let now = Instant::now();
        let e = m.entry(terminal.to_string()).or_insert((now, 0));
        if now.duration_since(e.0) >= Duration::from_secs(60) {
            *e = (now, 0);
        }
        if e.1 >= limit {
            return false;
        }
        e.1 += 1;
        true
    }
}

fn open_ledger(path: &Path) -> Result<Arc<dyn Ledger>, String> {
    let l = SqliteLedger::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Arc::new(l))
}
