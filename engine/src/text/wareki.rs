//! Calendar dates and 和暦: strict ISO parsing, day arithmetic, the era table (明治〜令和) with its
//! boundary rules, and date formatting in 和暦 and 西暦 for every digit style a certificate uses.
//!
//! Rules (certificates.md §3):
//! - Dates before 1873-01-01 (明治6年1月1日, the first Gregorian day in Japan) are refused; old 戸籍
//!   dates pass through as verbatim text instead.
//! - 1912-07-30 and 1926-12-25 belong to both eras: the new era is rendered, and the old one is
//!   accepted when parsing. From 平成 onward the era changes the next day (1989-01-07 is 昭和64年,
//!   1989-01-08 平成元年; 2019-04-30 平成31年, 2019-05-01 令和元年).
//! - Year 1 is always 元年, in every style. Never abbreviated (no R7.11.23).

use std::fmt;

use super::numerals::{
    daiji, digits_to_kanji_in_text, fullwidth_digits, kanji_count, parse_kanji_number, to_daiji,
    RunStyle,
};

/// Why a date was refused. The messages say what is expected and never repeat the value (it may
/// be a birth date); attach the field with [`DateError::at`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateError {
    /// Not of the form `YYYY-MM-DD` (four, two and two ASCII digits with hyphens).
    Malformed,
    /// The month is not 1–12.
    MonthOutOfRange,
    /// The day does not exist in that month (30 February, 31 April, 29 February in a common year).
    NoSuchDay,
    /// Before 1873-01-01, when Japan adopted the Gregorian calendar.
    BeforeGregorian,
    /// After the year 9999.
    YearTooLate,
    /// Not a 和暦 date of the form 令和7年11月23日 (era name, 年, 月, 日; Arabic, full-width or kanji).
    MalformedWareki,
    /// The era year, month and day do not fall inside the named era.
    OutsideEra,
}

impl DateError {
    /// What is expected, without the value.
    pub fn expected(self) -> &'static str {
        match self {
            DateError::Malformed => "expected a date written YYYY-MM-DD, such as 2025-11-23",
            DateError::MonthOutOfRange => "expected a month from 01 to 12",
            DateError::NoSuchDay => {
                "the day does not exist in that month; expected a day the month has \
                 (29 February only in leap years)"
            }
            DateError::BeforeGregorian => {
                "expected a date on or after 1873-01-01 (明治6年1月1日), when Japan adopted the \
                 Gregorian calendar; pass older dates as verbatim text"
            }
            DateError::YearTooLate => "expected a year no later than 9999",
            DateError::MalformedWareki => {
                "expected a 和暦 date such as 令和7年11月23日, 平成元年1月8日 or 令和七年十一月二十三日"
            }
            DateError::OutsideEra => {
                "the date does not fall inside that era; expected a day between the era's first and \
                 last day (昭和 ends on 64年1月7日, 平成 on 31年4月30日)"
            }
        }
    }

    /// This error as an input error on `field` (a JSON path such as `members[1].birth_date`).
    pub fn at(self, field: impl Into<String>) -> crate::error::Error {
        crate::error::Error::input(field, self.expected())
    }
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expected())
    }
}

impl std::error::Error for DateError {}

/// Whether `year` is a Gregorian leap year (2000 yes, 1900 no, 2024 yes).
pub fn is_leap_year(year: i32) -> bool {
    year.rem_euclid(4) == 0 && (year.rem_euclid(100) != 0 || year.rem_euclid(400) == 0)
}

/// The number of days in `month` of `year`, or `None` when the month is not 1–12.
pub fn days_in_month(year: i32, month: u8) -> Option<u8> {
    Some(match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => return None,
    })
}

/// Days from 1970-01-01 to 2000-01-01.
const DAYS_1970_TO_2000: i64 = 10_957;

/// A Gregorian calendar date. Built by [`Date::new`] or [`Date::parse_iso`], which refuse impossible
/// dates and dates before 1873-01-01; the fields are public for matching, and every function that
/// reads a date built by hand validates it again. Ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Gregorian year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u8,
    /// Day of the month, 1–31.
    pub day: u8,
}

/// The first Gregorian day in Japan: 1873-01-01 (明治6年1月1日).
pub const FIRST_GREGORIAN_DAY: Date = Date {
    year: 1873,
    month: 1,
    day: 1,
};

impl Date {
    /// A date, checked: month 1–12, a day the month has (leap years included), between
    /// 1873-01-01 and 9999-12-31.
    pub fn new(year: i32, month: u8, day: u8) -> Result<Date, DateError> {
        let max_day = days_in_month(year, month).ok_or(DateError::MonthOutOfRange)?;
        if day == 0 || day > max_day {
            return Err(DateError::NoSuchDay);
        }
        let date = Date { year, month, day };
        if date < FIRST_GREGORIAN_DAY {
            return Err(DateError::BeforeGregorian);
        }
        if year > 9999 {
            return Err(DateError::YearTooLate);
        }
        Ok(date)
    }

    /// Parses a strict ISO date `YYYY-MM-DD` (exactly ten ASCII characters; no time, no spaces,
    /// no signs) and checks it as [`Date::new`] does.
    pub fn parse_iso(s: &str) -> Result<Date, DateError> {
        let b = s.as_bytes();
        let shape_ok = b.len() == 10
            && b.iter().enumerate().all(|(i, &c)| {
                if i == 4 || i == 7 {
                    c == b'-'
                } else {
                    c.is_ascii_digit()
                }
            });
        if !shape_ok {
            return Err(DateError::Malformed);
        }
        let num = |r: std::ops::Range<usize>| {
            b[r].iter()
                .fold(0u32, |acc, &c| acc * 10 + u32::from(c - b'0'))
        };
        // Four digits fit i32 and two digits fit u8.
        let year = num(0..4) as i32;
        let month = num(5..7) as u8;
        let day = num(8..10) as u8;
        Date::new(year, month, day)
    }

    /// Days from 2000-01-01 to this date (negative before it): 2000-01-01 → 0, 2000-03-01 → 60.
    /// Proleptic Gregorian; does not validate (a hand-built invalid date gives a meaningless
    /// number) and saturates beyond the i32 range.
    pub fn days_since_2000(&self) -> i32 {
        // Howard Hinnant's days_from_civil, in i64 so that no field value can overflow.
        let month = i64::from(self.month);
        let y = i64::from(self.year) - i64::from(month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = if month > 2 { month - 3 } else { month + 9 };
        let doy = (153 * mp + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468 - DAYS_1970_TO_2000;
        i32::try_from(days).unwrap_or(if days < 0 { i32::MIN } else { i32::MAX })
    }

    /// The date `days` days after 2000-01-01 (before it when negative), in the proleptic Gregorian
    /// calendar. The inverse of [`Date::days_since_2000`]. Not range-checked: a result before
    /// 1873 is returned as is and refused later by [`era_of`].
    pub fn from_days_since_2000(days: i32) -> Date {
        // Howard Hinnant's civil_from_days.
        let z = i64::from(days) + DAYS_1970_TO_2000 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        // |days| < 2³¹ keeps |year| under 6 million; month is 1–12 and day 1–31.
        Date {
            year: year as i32,
            month: month as u8,
            day: day as u8,
        }
    }

    /// This date checked again (for dates built by hand through the public fields).
    fn checked(self) -> Result<Date, DateError> {
        Date::new(self.year, self.month, self.day)
    }
}

impl fmt::Display for Date {
    /// ISO `YYYY-MM-DD`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The Japanese eras since the Gregorian switch, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Era {
    /// 明治, from 1868-01-25 (dates are accepted only from 1873-01-01, 明治6年).
    Meiji,
    /// 大正, from 1912-07-30.
    Taisho,
    /// 昭和, from 1926-12-25.
    Showa,
    /// 平成, from 1989-01-08.
    Heisei,
    /// 令和, from 2019-05-01.
    Reiwa,
}

impl Era {
    /// Every era, oldest first.
    pub const ALL: [Era; 5] = [Era::Meiji, Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa];

    /// The era name in kanji: 明治, 大正, 昭和, 平成, 令和.
    pub fn name(self) -> &'static str {
        match self {
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    /// The era whose kanji name is `name`.
    pub fn from_name(name: &str) -> Option<Era> {
        Era::ALL.into_iter().find(|e| e.name() == name)
    }

    /// The first day of the era (明治: 1868-01-25, 慶応4年1月1日, as backdated by the proclamation).
    pub fn first_day(self) -> Date {
        let (year, month, day) = match self {
            Era::Meiji => (1868, 1, 25),
            Era::Taisho => (1912, 7, 30),
            Era::Showa => (1926, 12, 25),
            Era::Heisei => (1989, 1, 8),
            Era::Reiwa => (2019, 5, 1),
        };
        Date { year, month, day }
    }

    /// The last day of the era, `None` for the current one. 明治 and 大正 end on the first day of
    /// the next era (the shared boundary day).
    pub fn last_day(self) -> Option<Date> {
        let (year, month, day) = match self {
            Era::Meiji => (1912, 7, 30),
            Era::Taisho => (1926, 12, 25),
            Era::Showa => (1989, 1, 7),
            Era::Heisei => (2019, 4, 30),
            Era::Reiwa => return None,
        };
        Some(Date { year, month, day })
    }

    /// What to subtract from the Gregorian year to get the era year (令和: 2018).
    pub fn year_offset(self) -> i32 {
        self.first_day().year - 1
    }
}

/// The era and era year of a date; boundary days go to the new era (1912-07-30 → 大正 1,
/// 1989-01-07 → 昭和 64, 1989-01-08 → 平成 1). The date is validated again, so dates before
/// 1873-01-01 are refused here too.
pub fn era_of(date: Date) -> Result<(Era, u32), DateError> {
    let date = date.checked()?;
    let era = Era::ALL
        .into_iter()
        .rev()
        .find(|e| e.first_day() <= date)
        .unwrap_or(Era::Meiji);
    // date ≥ first day, so the era year is at least 1.
    let year =
        u32::try_from(date.year - era.year_offset()).map_err(|_| DateError::BeforeGregorian)?;
    Ok((era, year))
}

/// How the numbers of a date are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigitStyle {
    /// Half-width Arabic digits: 令和7年11月23日.
    Arabic,
    /// Full-width digits: 令和７年１１月２３日.
    FullWidth,
    /// Half-width digits, era year, month and day right-aligned in two characters with an ASCII
    /// space: 令和 7年 1月 5日 (元 is a full-width character and is not padded: 令和元年 5月 1日).
    Padded,
    /// Kanji 命数法 for vertical text: 令和七年十一月二十三日 (西暦 years in 記数法: 二〇二五年).
    Kanji,
    /// 大字 for paper 戸籍 (規則31条): 令和七年拾壱月弐拾参日.
    Daiji,
}

/// One number (month, day or era year) in a style.
fn format_number(n: u32, style: DigitStyle) -> String {
    match style {
        DigitStyle::Arabic => n.to_string(),
        DigitStyle::FullWidth => fullwidth_digits(&n.to_string()),
        DigitStyle::Padded => format!("{n:>2}"),
        DigitStyle::Kanji => kanji_count(u64::from(n)),
        DigitStyle::Daiji => daiji(u64::from(n)),
    }
}

/// Month and day with their 月 and 日.
fn format_month_day(date: Date, style: DigitStyle) -> String {
    format!(
        "{}月{}日",
        format_number(u32::from(date.month), style),
        format_number(u32::from(date.day), style)
    )
}

/// A date in 和暦: 令和7年11月23日, 令和７年１１月２３日, 令和 7年 1月 5日, 令和七年十一月二十三日 or
/// 令和七年拾壱月弐拾参日 by `style`. Year 1 is 元年 in every style (令和元年5月1日). Refuses dates
/// before 1873-01-01 and invalid hand-built dates.
pub fn format_wareki(date: Date, style: DigitStyle) -> Result<String, DateError> {
    let (era, year) = era_of(date)?;
    let year = if year == 1 {
        "元".to_owned()
    } else {
        format_number(year, style)
    };
    Ok(format!(
        "{}{}年{}",
        era.name(),
        year,
        format_month_day(date, style)
    ))
}

/// A date in 西暦: 2025年11月23日, ２０２５年１１月２３日, 2025年 1月 5日, 二〇二五年十一月二十三日
/// (the year in 記数法, month and day in 命数法) or 弐〇弐五年拾壱月弐拾参日 by `style`. Does not
/// validate: a hand-built date is written as its fields are.
pub fn format_seireki(date: Date, style: DigitStyle) -> String {
    let year = date.year.to_string();
    let year = match style {
        DigitStyle::Arabic | DigitStyle::Padded => year,
        DigitStyle::FullWidth => fullwidth_digits(&year),
        DigitStyle::Kanji => digits_to_kanji_in_text(&year, RunStyle::Positional),
        DigitStyle::Daiji => to_daiji(&digits_to_kanji_in_text(&year, RunStyle::Positional)),
    };
    format!("{}年{}", year, format_month_day(date, style))
}

/// One number of a 和暦 date: ASCII or full-width digits, or a kanji numeral (大字 included).
fn parse_number(s: &str) -> Option<u64> {
    let mut digits = 0usize;
    let mut value = 0u64;
    for c in s.chars() {
        let d = match c {
            '0'..='9' => c as u32 - '0' as u32,
            '０'..='９' => c as u32 - '０' as u32,
            _ => return parse_kanji_number(s),
        };
        digits += 1;
        value = value.checked_mul(10)?.checked_add(u64::from(d))?;
    }
    (digits > 0).then_some(value)
}

/// Parses a 和暦 date in any style [`format_wareki`] writes (令和7年11月23日, 令和７年１１月２３日,
/// 令和 7年 1月 5日, 平成元年1月8日, 令和七年十一月二十三日, 令和七年拾壱月弐拾参日). ASCII and
/// ideographic spaces are ignored. The old era is accepted on the two shared boundary days
/// (明治45年7月30日 = 1912-07-30, 大正15年12月25日 = 1926-12-25); any other day outside the named
/// era is refused, as are dates before 1873-01-01.
pub fn parse_wareki(s: &str) -> Result<Date, DateError> {
    let compact: String = s.chars().filter(|&c| c != ' ' && c != '\u{3000}').collect();
    let era = Era::ALL
        .into_iter()
        .find(|e| compact.starts_with(e.name()))
        .ok_or(DateError::MalformedWareki)?;
    let rest = &compact[era.name().len()..];
    let (year, rest) = rest.split_once('年').ok_or(DateError::MalformedWareki)?;
    let (month, rest) = rest.split_once('月').ok_or(DateError::MalformedWareki)?;
    let (day, rest) = rest.split_once('日').ok_or(DateError::MalformedWareki)?;
    if !rest.is_empty() {
        return Err(DateError::MalformedWareki);
    }
    let year = if year == "元" {
        1
    } else {
        parse_number(year).ok_or(DateError::MalformedWareki)?
    };
    if year == 0 {
        return Err(DateError::OutsideEra);
    }
    let month = parse_number(month).ok_or(DateError::MalformedWareki)?;
    let day = parse_number(day).ok_or(DateError::MalformedWareki)?;
    let month = u8::try_from(month).map_err(|_| DateError::MonthOutOfRange)?;
    let day = u8::try_from(day).map_err(|_| DateError::NoSuchDay)?;
    let year =
        i64::from(era.year_offset()) + i64::try_from(year).map_err(|_| DateError::YearTooLate)?;
    let year = i32::try_from(year).map_err(|_| DateError::YearTooLate)?;
    let date = Date::new(year, month, day)?;
    let (actual, _) = era_of(date)?;
    let shared_boundary = era.last_day() == Some(date) && actual.first_day() == date;
    if actual == era || shared_boundary {
        Ok(date)
    } else {
        Err(DateError::OutsideEra)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap (BRIEF_COMMON).
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse_iso(s).unwrap()
    }

    #[test]
    fn parse_iso_valid() {
        assert_eq!(
            d("2025-11-23"),
            Date {
                year: 2025,
                month: 11,
                day: 23
            }
        );
        assert_eq!(
            d("2000-02-29"),
            Date {
                year: 2000,
                month: 2,
                day: 29
            }
        );
        assert_eq!(
            d("2024-02-29"),
            Date {
                year: 2024,
                month: 2,
                day: 29
            }
        );
        assert_eq!(d("1873-01-01"), FIRST_GREGORIAN_DAY);
        assert_eq!(
            d("9999-12-31"),
            Date {
                year: 9999,
                month: 12,
                day: 31
            }
        );
        assert_eq!(Date::new(2025, 4, 30), Ok(d("2025-04-30")));
    }

    #[test]
    fn parse_iso_refusals() {
        let cases = [
            ("1900-02-29", DateError::NoSuchDay),
            ("2023-02-29", DateError::NoSuchDay),
            ("2100-02-29", DateError::NoSuchDay),
            ("2025-02-30", DateError::NoSuchDay),
            ("2025-04-31", DateError::NoSuchDay),
            ("2025-01-32", DateError::NoSuchDay),
            ("2025-01-00", DateError::NoSuchDay),
            ("2025-13-01", DateError::MonthOutOfRange),
            ("2025-00-10", DateError::MonthOutOfRange),
            ("1872-12-31", DateError::BeforeGregorian),
            ("1868-01-25", DateError::BeforeGregorian),
            ("0000-01-01", DateError::BeforeGregorian),
            ("2025-1-23", DateError::Malformed),
            ("2025/11/23", DateError::Malformed),
            ("20251123", DateError::Malformed),
            (" 2025-11-23", DateError::Malformed),
            ("2025-11-23 ", DateError::Malformed),
            ("2025-11-23T00:00", DateError::Malformed),
            ("+025-11-23", DateError::Malformed),
            ("-025-11-23", DateError::Malformed),
            ("２０２５-11-23", DateError::Malformed),
            ("2025-１1-23", DateError::Malformed),
            ("", DateError::Malformed),
            ("令和7年11月23日", DateError::Malformed),
        ];
        for (s, want) in cases {
            assert_eq!(Date::parse_iso(s), Err(want), "{s:?}");
        }
        assert_eq!(Date::new(10_000, 1, 1), Err(DateError::YearTooLate));
        assert_eq!(Date::new(1872, 12, 31), Err(DateError::BeforeGregorian));
    }

    #[test]
    fn error_messages_do_not_echo_the_value() {
        for s in [
            "1872-12-31",
            "1900-02-29",
            "2031-13-01",
            "2031/11/23",
            "1987-06-31",
        ] {
            if let Err(e) = Date::parse_iso(s) {
                let msg = e.to_string();
                assert!(!msg.contains(s), "{msg}");
                assert!(!msg.contains(&s[..4]) || s.starts_with("1873"), "{msg}");
                assert!(
                    msg.starts_with("expected") || msg.contains("expected"),
                    "{msg}"
                );
            }
        }
        let err = DateError::NoSuchDay.at("members[1].birth_date");
        assert_eq!(
            err,
            crate::error::Error::input("members[1].birth_date", DateError::NoSuchDay.expected())
        );
    }

    #[test]
    fn display_is_iso() {
        assert_eq!(d("2025-01-05").to_string(), "2025-01-05");
        assert_eq!(FIRST_GREGORIAN_DAY.to_string(), "1873-01-01");
    }

    #[test]
    fn ordering_is_chronological() {
        assert!(d("1989-01-07") < d("1989-01-08"));
        assert!(d("2019-04-30") < d("2019-05-01"));
        assert!(d("2024-12-31") < d("2025-01-01"));
        assert!(d("2025-02-28") < d("2025-10-01"));
    }

    #[test]
    fn days_since_2000_fixed_points() {
        assert_eq!(d("2000-01-01").days_since_2000(), 0);
        assert_eq!(d("2000-01-02").days_since_2000(), 1);
        assert_eq!(d("2000-03-01").days_since_2000(), 60);
        assert_eq!(d("2001-01-01").days_since_2000(), 366);
        assert_eq!(d("1999-12-31").days_since_2000(), -1);
        assert_eq!(
            Date {
                year: 1970,
                month: 1,
                day: 1
            }
            .days_since_2000(),
            -10_957
        );
        assert_eq!(
            d("2019-05-01").days_since_2000() - d("2019-04-30").days_since_2000(),
            1
        );
        assert_eq!(d("1873-01-01").days_since_2000(), -46_385);
    }

    #[test]
    fn days_since_2000_round_trip() {
        let first = FIRST_GREGORIAN_DAY.days_since_2000();
        let last = d("2200-12-31").days_since_2000();
        let mut prev = Date::from_days_since_2000(first - 1);
        assert_eq!(prev.to_string(), "1872-12-31");
        for n in first..=last {
            let date = Date::from_days_since_2000(n);
            assert_eq!(Date::new(date.year, date.month, date.day), Ok(date), "{n}");
            assert_eq!(date.days_since_2000(), n);
            assert!(prev < date);
            prev = date;
        }
        assert_eq!(prev.to_string(), "2200-12-31");
        for n in [
            i32::MIN,
            i32::MIN + 1,
            -1_000_000_000,
            1_000_000_000,
            i32::MAX - 1,
            i32::MAX,
        ] {
            let date = Date::from_days_since_2000(n);
            assert!((1..=12).contains(&date.month) && (1..=31).contains(&date.day));
            assert_eq!(date.days_since_2000(), n, "{n}");
        }
        // Hand-built nonsense neither panics nor overflows.
        let _ = Date {
            year: i32::MAX,
            month: 255,
            day: 255,
        }
        .days_since_2000();
        let _ = Date {
            year: i32::MIN,
            month: 0,
            day: 0,
        }
        .days_since_2000();
    }

    #[test]
    fn era_table() {
        assert_eq!(
            Era::ALL.map(Era::name),
            ["明治", "大正", "昭和", "平成", "令和"]
        );
        assert_eq!(
            Era::ALL.map(Era::year_offset),
            [1867, 1911, 1925, 1988, 2018]
        );
        assert_eq!(Era::Meiji.first_day().to_string(), "1868-01-25");
        assert_eq!(Era::Reiwa.first_day().to_string(), "2019-05-01");
        assert_eq!(Era::Reiwa.last_day(), None);
        assert_eq!(Era::from_name("平成"), Some(Era::Heisei));
        assert_eq!(Era::from_name("慶応"), None);
        for pair in Era::ALL.windows(2) {
            let last = pair[0].last_day().unwrap();
            let next = pair[1].first_day();
            let gap = next.days_since_2000() - last.days_since_2000();
            let shared = matches!(pair[0], Era::Meiji | Era::Taisho);
            assert_eq!(gap, if shared { 0 } else { 1 }, "{:?}", pair[0]);
        }
    }

    #[test]
    fn era_boundaries_both_sides() {
        let cases = [
            ("1873-01-01", Era::Meiji, 6, "明治6年1月1日"),
            ("1912-07-29", Era::Meiji, 45, "明治45年7月29日"),
            ("1912-07-30", Era::Taisho, 1, "大正元年7月30日"),
            ("1912-07-31", Era::Taisho, 1, "大正元年7月31日"),
            ("1926-12-24", Era::Taisho, 15, "大正15年12月24日"),
            ("1926-12-25", Era::Showa, 1, "昭和元年12月25日"),
            ("1926-12-31", Era::Showa, 1, "昭和元年12月31日"),
            ("1927-01-01", Era::Showa, 2, "昭和2年1月1日"),
            ("1989-01-07", Era::Showa, 64, "昭和64年1月7日"),
            ("1989-01-08", Era::Heisei, 1, "平成元年1月8日"),
            ("1990-01-01", Era::Heisei, 2, "平成2年1月1日"),
            ("2019-04-30", Era::Heisei, 31, "平成31年4月30日"),
            ("2019-05-01", Era::Reiwa, 1, "令和元年5月1日"),
            ("2019-12-31", Era::Reiwa, 1, "令和元年12月31日"),
            ("2020-01-01", Era::Reiwa, 2, "令和2年1月1日"),
            ("2025-11-23", Era::Reiwa, 7, "令和7年11月23日"),
        ];
        for (iso, era, year, text) in cases {
            assert_eq!(era_of(d(iso)), Ok((era, year)), "{iso}");
            assert_eq!(
                format_wareki(d(iso), DigitStyle::Arabic).as_deref(),
                Ok(text),
                "{iso}"
            );
        }
    }

    #[test]
    fn era_of_refuses_hand_built_dates() {
        assert_eq!(
            era_of(Date {
                year: 1872,
                month: 12,
                day: 31
            }),
            Err(DateError::BeforeGregorian)
        );
        assert_eq!(
            era_of(Date {
                year: 1870,
                month: 1,
                day: 1
            }),
            Err(DateError::BeforeGregorian)
        );
        assert_eq!(
            era_of(Date {
                year: 2025,
                month: 2,
                day: 30
            }),
            Err(DateError::NoSuchDay)
        );
        assert_eq!(
            era_of(Date {
                year: 2025,
                month: 0,
                day: 1
            }),
            Err(DateError::MonthOutOfRange)
        );
        assert_eq!(
            format_wareki(Date::from_days_since_2000(-50_000), DigitStyle::Kanji),
            Err(DateError::BeforeGregorian)
        );
    }

    #[test]
    fn wareki_styles() {
        let date = d("2025-11-23");
        let cases = [
            (DigitStyle::Arabic, "令和7年11月23日"),
            (DigitStyle::FullWidth, "令和７年１１月２３日"),
            (DigitStyle::Padded, "令和 7年11月23日"),
            (DigitStyle::Kanji, "令和七年十一月二十三日"),
            (DigitStyle::Daiji, "令和七年拾壱月弐拾参日"),
        ];
        for (style, want) in cases {
            assert_eq!(format_wareki(date, style).as_deref(), Ok(want), "{style:?}");
        }
        assert_eq!(
            format_wareki(d("2025-01-05"), DigitStyle::Padded).as_deref(),
            Ok("令和 7年 1月 5日")
        );
        assert_eq!(
            format_wareki(d("2019-04-30"), DigitStyle::Daiji).as_deref(),
            Ok("平成参拾壱年四月参拾日")
        );
        assert_eq!(
            format_wareki(d("1989-01-07"), DigitStyle::Kanji).as_deref(),
            Ok("昭和六十四年一月七日")
        );
        assert_eq!(
            format_wareki(d("1989-01-07"), DigitStyle::Padded).as_deref(),
            Ok("昭和64年 1月 7日")
        );
        assert_eq!(
            format_wareki(d("2013-03-10"), DigitStyle::Daiji).as_deref(),
            Ok("平成弐拾五年参月拾日")
        );
        for date in ["2025-11-23", "2019-05-01", "1989-01-08", "1912-07-30"] {
            for style in [
                DigitStyle::Arabic,
                DigitStyle::FullWidth,
                DigitStyle::Padded,
                DigitStyle::Kanji,
            ] {
                let s = format_wareki(d(date), style).unwrap();
                assert!(!s.contains(['R', 'H', '.', '/']), "{s}");
            }
        }
    }

    #[test]
    fn gannen_in_every_style() {
        let date = d("2019-05-01");
        let cases = [
            (DigitStyle::Arabic, "令和元年5月1日"),
            (DigitStyle::FullWidth, "令和元年５月１日"),
            (DigitStyle::Padded, "令和元年 5月 1日"),
            (DigitStyle::Kanji, "令和元年五月一日"),
            (DigitStyle::Daiji, "令和元年五月壱日"),
        ];
        for (style, want) in cases {
            assert_eq!(format_wareki(date, style).as_deref(), Ok(want), "{style:?}");
        }
        assert_eq!(
            format_wareki(d("1989-01-08"), DigitStyle::Kanji).as_deref(),
            Ok("平成元年一月八日")
        );
    }

    #[test]
    fn seireki_styles() {
        let date = d("2025-11-23");
        assert_eq!(format_seireki(date, DigitStyle::Arabic), "2025年11月23日");
        assert_eq!(
            format_seireki(date, DigitStyle::FullWidth),
            "２０２５年１１月２３日"
        );
        assert_eq!(
            format_seireki(date, DigitStyle::Kanji),
            "二〇二五年十一月二十三日"
        );
        assert_eq!(
            format_seireki(date, DigitStyle::Daiji),
            "弐〇弐五年拾壱月弐拾参日"
        );
        assert_eq!(
            format_seireki(d("2025-01-05"), DigitStyle::Padded),
            "2025年 1月 5日"
        );
        assert_eq!(
            format_seireki(d("2000-02-29"), DigitStyle::Kanji),
            "二〇〇〇年二月二十九日"
        );
        assert_eq!(
            format_seireki(d("2019-05-01"), DigitStyle::Arabic),
            "2019年5月1日"
        );
        // Hand-built, unvalidated: written as is, no panic.
        assert_eq!(
            format_seireki(
                Date {
                    year: -5,
                    month: 1,
                    day: 1
                },
                DigitStyle::Kanji
            ),
            "-五年一月一日"
        );
    }

    #[test]
    fn parse_wareki_accepts_every_style() {
        let cases = [
            ("令和7年11月23日", "2025-11-23"),
            ("令和７年１１月２３日", "2025-11-23"),
            ("令和 7年 1月 5日", "2025-01-05"),
            ("令和七年十一月二十三日", "2025-11-23"),
            ("令和七年拾壱月弐拾参日", "2025-11-23"),
            ("令和元年5月1日", "2019-05-01"),
            ("平成元年1月8日", "1989-01-08"),
            ("平成31年4月30日", "2019-04-30"),
            ("昭和64年1月7日", "1989-01-07"),
            ("明治6年1月1日", "1873-01-01"),
            ("令和　7年　1月　5日", "2025-01-05"),
            ("平成十二年二月二十九日", "2000-02-29"),
        ];
        for (s, iso) in cases {
            assert_eq!(parse_wareki(s), Ok(d(iso)), "{s}");
        }
    }

    #[test]
    fn parse_wareki_shared_boundary_days() {
        assert_eq!(parse_wareki("明治45年7月30日"), Ok(d("1912-07-30")));
        assert_eq!(parse_wareki("大正元年7月30日"), Ok(d("1912-07-30")));
        assert_eq!(parse_wareki("大正15年12月25日"), Ok(d("1926-12-25")));
        assert_eq!(parse_wareki("昭和元年12月25日"), Ok(d("1926-12-25")));
        assert_eq!(parse_wareki("明治45年7月31日"), Err(DateError::OutsideEra));
        assert_eq!(parse_wareki("大正元年7月29日"), Err(DateError::OutsideEra));
        assert_eq!(parse_wareki("大正15年12月26日"), Err(DateError::OutsideEra));
        assert_eq!(parse_wareki("昭和元年12月24日"), Err(DateError::OutsideEra));
        // From 平成 on, no day is shared.
        assert_eq!(parse_wareki("昭和64年1月8日"), Err(DateError::OutsideEra));
        assert_eq!(parse_wareki("平成元年1月7日"), Err(DateError::OutsideEra));
        assert_eq!(parse_wareki("平成31年5月1日"), Err(DateError::OutsideEra));
        assert_eq!(parse_wareki("令和元年4月30日"), Err(DateError::OutsideEra));
        assert_eq!(parse_wareki("平成32年1月1日"), Err(DateError::OutsideEra));
    }

    #[test]
    fn parse_wareki_refusals() {
        let cases = [
            ("明治5年12月2日", DateError::BeforeGregorian),
            ("明治元年1月25日", DateError::BeforeGregorian),
            ("令和7年2月29日", DateError::NoSuchDay),
            ("令和7年13月1日", DateError::MonthOutOfRange),
            ("令和7年1月300日", DateError::NoSuchDay),
            ("令和0年1月1日", DateError::OutsideEra),
            ("令和9999年1月1日", DateError::YearTooLate),
            ("R7.11.23", DateError::MalformedWareki),
            ("令和7.11.23", DateError::MalformedWareki),
            ("慶応3年1月1日", DateError::MalformedWareki),
            ("令和7年11月23日生", DateError::MalformedWareki),
            ("令和年11月23日", DateError::MalformedWareki),
            ("令和7年元月1日", DateError::MalformedWareki),
            ("令和7年十十月1日", DateError::MalformedWareki),
            ("", DateError::MalformedWareki),
            ("2025-11-23", DateError::MalformedWareki),
        ];
        for (s, want) in cases {
            assert_eq!(parse_wareki(s), Err(want), "{s}");
        }
    }

    #[test]
    fn wareki_round_trip_every_style() {
        let styles = [
            DigitStyle::Arabic,
            DigitStyle::FullWidth,
            DigitStyle::Padded,
            DigitStyle::Kanji,
            DigitStyle::Daiji,
        ];
        let first = FIRST_GREGORIAN_DAY.days_since_2000();
        let last = d("2040-12-31").days_since_2000();
        let boundaries = [
            "1912-07-29",
            "1912-07-30",
            "1926-12-25",
            "1989-01-07",
            "1989-01-08",
            "2019-04-30",
            "2019-05-01",
        ];
        let days = (first..=last)
            .step_by(5)
            .chain(boundaries.iter().map(|s| d(s).days_since_2000()));
        for n in days {
            let date = Date::from_days_since_2000(n);
            for style in styles {
                let text = format_wareki(date, style).unwrap();
                assert_eq!(parse_wareki(&text), Ok(date), "{text}");
            }
        }
    }
}
