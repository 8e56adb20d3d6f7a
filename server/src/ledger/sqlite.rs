//! The SQLite ledger: WAL, `synchronous=FULL` (every commit is fsynced before the call returns),
//! serials handed out from durably reserved blocks so that none is ever reused.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};

use super::{Cancel, DayCount, Issuance, Ledger, LedgerError, LedgerResult};

/// Serials reserved per write of the high-water mark.
const BLOCK: u64 = 64;

/// A ledger in one SQLite file.
pub struct SqliteLedger {
    conn: Mutex<Connection>,
    /// Next serial to hand out and the end (exclusive) of the reserved block.
    serials: Mutex<(u64, u64)>,
}

impl std::fmt::Debug for SqliteLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteLedger").finish_non_exhaustive()
    }
}

fn err(e: rusqlite::Error) -> LedgerError {
    LedgerError(e.to_string())
}

impl SqliteLedger {
    /// Opens (creating) the ledger file.
    pub fn open(path: &Path) -> LedgerResult<SqliteLedger> {
        let conn = Connection::open(path).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(err)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS issuance (
                serial INTEGER PRIMARY KEY,
                issued_at INTEGER NOT NULL,
                issued_on TEXT NOT NULL,
                layout TEXT NOT NULL,
                municipality TEXT NOT NULL,
                pages INTEGER NOT NULL,
                copies INTEGER NOT NULL,
                terminal TEXT NOT NULL,
                category TEXT NOT NULL,
                digest TEXT NOT NULL,
                cancelled_at INTEGER
             );
             CREATE INDEX IF NOT EXISTS issuance_day ON issuance(issued_on);",
        )
        .map_err(err)?;
        Ok(SqliteLedger {
            conn: Mutex::new(conn),
            serials: Mutex::new((0, 0)),
        })
    }

    fn lock(&self) -> LedgerResult<std::sync::MutexGuard<'_, Connection>> {
        self.conn
            .lock()
            .map_err(|_| LedgerError("poisoned lock".into()))
    }
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Issuance> {
    Ok(Issuance {
        serial: r.get::<_, i64>(0)? as u64,
        issued_at: r.get(1)?,
        issued_on: r.get(2)?,
        layout: r.get(3)?,
        municipality: r.get(4)?,
        pages: r.get(5)?,
        copies: r.get(6)?,
        terminal: r.get(7)?,
        category: r.get(8)?,
        digest: r.get(9)?,
        cancelled_at: r.get(10)?,
    })
}

impl Ledger for SqliteLedger {
    fn next_serial(&self) -> LedgerResult<u64> {
        let mut s = self
            .serials
            .lock()
            .map_err(|_| LedgerError("poisoned lock".into()))?;
        if s.0 >= s.1 {
            let mut conn = self.lock()?;
            let tx = conn.transaction().map_err(err)?;
            let hw: Option<i64> = tx
                .query_row("SELECT value FROM meta WHERE key = 'serial_hw'", [], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(err)?;
            let max: Option<i64> = tx
                .query_row("SELECT MAX(serial) FROM issuance", [], |r| r.get(0))
                .map_err(err)?;
            let start = (hw.unwrap_or(1).max(max.unwrap_or(0) + 1)).max(1) as u64;
            let end = start + BLOCK;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('serial_hw', ?1)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![end as i64],
            )
            .map_err(err)?;
            tx.commit().map_err(err)?;
            *s = (start, end);
        }
        let n = s.0;
        s.0 += 1;
        Ok(n)
    }

    fn record(&self, i: &Issuance) -> LedgerResult<()> {
        self.lock()?
            .execute(
                "INSERT INTO issuance (serial, issued_at, issued_on, layout, municipality, pages,
                 copies, terminal, category, digest, cancelled_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    i.serial as i64,
                    i.issued_at,
                    i.issued_on,
                    i.layout,
                    i.municipality,
                    i.pages,
                    i.copies,
                    i.terminal,
                    i.category,
                    i.digest,
                    i.cancelled_at
                ],
            )
            .map_err(err)?;
        Ok(())
    }

    fn cancel(&self, serial: u64, at: i64) -> LedgerResult<Cancel> {
        let mut conn = self.lock()?;
        let tx = conn.transaction().map_err(err)?;
        let cur: Option<Option<i64>> = tx
            .query_row(
                "SELECT cancelled_at FROM issuance WHERE serial = ?1",
                params![serial as i64],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        let out = match cur {
            None => Cancel::NotFound,
            Some(Some(t)) => Cancel::Already(t),
            Some(None) => {
                tx.execute(
                    "UPDATE issuance SET cancelled_at = ?2 WHERE serial = ?1",
                    params![serial as i64, at],
                )
                .map_err(err)?;
                Cancel::Cancelled
            }
        };
        tx.commit().map_err(err)?;
        Ok(out)
    }

    fn get(&self, serial: u64) -> LedgerResult<Option<Issuance>> {
        self.lock()?
            .query_row(
                "SELECT serial, issued_at, issued_on, layout, municipality, pages, copies,
                 terminal, category, digest, cancelled_at FROM issuance WHERE serial = ?1",
                params![serial as i64],
                row,
            )
            .optional()
            .map_err(err)
    }

    fn counts(&self, day: &str) -> LedgerResult<Vec<DayCount>> {
        let conn = self.lock()?;
        let mut st = conn
            .prepare(
                "SELECT terminal, layout, category, COUNT(*),
                        SUM(cancelled_at IS NOT NULL), SUM(copies), SUM(pages * copies)
                 FROM issuance WHERE issued_on = ?1
                 GROUP BY terminal, layout, category ORDER BY terminal, layout, category",
            )
            .map_err(err)?;
        let rows = st
            .query_map(params![day], |r| {
                Ok(DayCount {
                    terminal: r.get(0)?,
                    layout: r.get(1)?,
                    category: r.get(2)?,
                    issued: r.get::<_, i64>(3)? as u64,
                    cancelled: r.get::<_, i64>(4)? as u64,
                    copies: r.get::<_, i64>(5)? as u64,
                    pages: r.get::<_, i64>(6)? as u64,
                })
            })
            .map_err(err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(err)
    }

    fn ping(&self) -> LedgerResult<()> {
        self.lock()?
            .query_row("SELECT 1", [], |_| Ok(()))
            .map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuance(serial: u64, terminal: &str) -> Issuance {
        Issuance {
            serial,
            issued_at: 1_795_500_000,
            issued_on: "2026-11-24".into(),
            layout: "juminhyo".into(),
            municipality: "mihon-shi".into(),
            pages: 2,
            copies: 1,
            terminal: terminal.into(),
            category: "kiosk".into(),
            digest: "00".into(),
            cancelled_at: None,
        }
    }

    #[test]
    fn serials_are_never_reused_across_reopen() {
        let dir = std::env::temp_dir().join(format!("shomei-ledger-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ledger.sqlite3");
        let first = {
            let l = SqliteLedger::open(&path).unwrap();
            let a = l.next_serial().unwrap();
            let b = l.next_serial().unwrap();
            assert_eq!(b, a + 1);
            l.record(&issuance(a, "k1")).unwrap();
            l.record(&issuance(b, "k1")).unwrap();
            assert_eq!(l.cancel(a, 1_795_500_100).unwrap(), Cancel::Cancelled);
            assert_eq!(l.cancel(a, 1).unwrap(), Cancel::Already(1_795_500_100));
            assert_eq!(l.cancel(9999, 1).unwrap(), Cancel::NotFound);
            b
        };
        let l = SqliteLedger::open(&path).unwrap();
        assert!(l.next_serial().unwrap() > first);
        let c = l.counts("2026-11-24").unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].issued, c[0].cancelled, c[0].pages), (2, 1, 4));
        assert!(l.counts("2026-11-25").unwrap().is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
