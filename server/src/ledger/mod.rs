//! The issuance ledger behind a small trait: one row per issuance, no personal data. SQLite is the
//! embedded default; a shared PostgreSQL ledger for several instances implements the same trait.

mod sqlite;

pub use sqlite::SqliteLedger;

/// One issuance. Holds no name, address or date of birth.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issuance {
    /// Serial, never reused.
    pub serial: u64,
    /// Unix seconds of issue.
    pub issued_at: i64,
    /// Issue date in Japan, `YYYY-MM-DD` (the day the counts group by).
    pub issued_on: String,
    /// Layout id.
    pub layout: String,
    /// Municipality id.
    pub municipality: String,
    /// Pages of one copy.
    pub pages: u32,
    /// Copies printed (発行枚数 = pages × copies).
    pub copies: u32,
    /// Terminal id (自動交付機ID …).
    pub terminal: String,
    /// Category (発行区分): kiosk, counter, convenience, specimen.
    pub category: String,
    /// SHA-256 of the document bytes, hex.
    pub digest: String,
    /// Unix seconds of cancellation (取消年月日), if cancelled.
    pub cancelled_at: Option<i64>,
}

/// One line of a day's counts.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DayCount {
    /// Terminal id.
    pub terminal: String,
    /// Layout id.
    pub layout: String,
    /// Category.
    pub category: String,
    /// Issuances.
    pub issued: u64,
    /// Of which cancelled.
    pub cancelled: u64,
    /// Copies printed.
    pub copies: u64,
    /// Sheets printed (pages × copies).
    pub pages: u64,
}

/// What a cancellation did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cancel {
    /// Cancelled now.
    Cancelled,
    /// Was already cancelled at this time.
    Already(i64),
    /// No such serial.
    NotFound,
}

/// A ledger failure (storage). Carries no request data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerError(pub String);

impl std::fmt::Display for LedgerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ledger: {}", self.0)
    }
}

impl std::error::Error for LedgerError {}

/// Ledger result.
pub type LedgerResult<T> = Result<T, LedgerError>;

/// Durable record of issuances. Every method returns only after the change is on disk.
pub trait Ledger: Send + Sync {
    /// A fresh serial, never handed out before (also across restarts).
    fn next_serial(&self) -> LedgerResult<u64>;
    /// Records an issuance.
    fn record(&self, i: &Issuance) -> LedgerResult<()>;
    /// Cancels an issuance at `at` (Unix seconds).
    fn cancel(&self, serial: u64, at: i64) -> LedgerResult<Cancel>;
    /// One issuance.
    fn get(&self, serial: u64) -> LedgerResult<Option<Issuance>>;
    /// Counts of a day (`YYYY-MM-DD`) per terminal, layout and category, sorted.
    fn counts(&self, day: &str) -> LedgerResult<Vec<DayCount>>;
    /// Whether the store answers.
    fn ping(&self) -> LedgerResult<()>;
}
