//! The clock the server reads issue times from; tests fix it. Issue dates are Japan time (UTC+9).

use std::time::{SystemTime, UNIX_EPOCH};

use shomei_engine::text::wareki::Date;

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> SystemTime;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock stopped at one instant (tests).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub SystemTime);

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        self.0
    }
}

/// Offset of Japan Standard Time from UTC, seconds.
pub const JST_OFFSET_S: i64 = 9 * 3600;

/// Unix seconds of a time (0 before the epoch).
pub fn unix_seconds(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The calendar date in Japan of a Unix time.
pub fn jst_date(unix: i64) -> Date {
    let days_since_1970 = (unix + JST_OFFSET_S).div_euclid(86_400) as i32;
    Date::from_days_since_2000(days_since_1970 - 10_957)
}

/// `YYYY-MM-DD`.
pub fn iso_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

/// RFC 3339 in Japan time: `2026-11-24T10:30:00+09:00`.
pub fn rfc3339_jst(unix: i64) -> String {
    let d = jst_date(unix);
    let secs = (unix + JST_OFFSET_S).rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}+09:00",
        iso_date(d),
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japan_date_and_time() {
        // 2026-11-24T15:30:00Z is 2026-11-25 00:30 in Japan.
        let t = 1_795_534_200;
        assert_eq!(rfc3339_jst(t), "2026-11-25T00:30:00+09:00");
        assert_eq!(iso_date(jst_date(t)), "2026-11-25");
        assert_eq!(rfc3339_jst(0), "1970-01-01T09:00:00+09:00");
    }
}
