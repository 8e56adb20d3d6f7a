//! Numerals for certificates: kanji 命数法 (二十三, 一万二千), 記数法 (二〇二五), 大字 for paper 戸籍
//! (拾壱), full-width digits, and the conversion of digit runs inside running text.
//!
//! Rules (certificates.md §2.4):
//! - **命数法** uses 十百千 inside each group of four digits and 万/億/兆/京 between groups. A 1 before
//!   十, 百 or 千 is never written, in any group: 10 → 十, 1000 → 千, 11000 → 一万千, 10000000 → 千万.
//!   This is the reading (いちまんせん, せんまん) and one rule for every group. 一万一千 is also seen,
//!   mostly in amounts of money; dates, ages and 丁目・番・号 never reach 10000, so the choice only shows
//!   on numbers a certificate does not print in kanji. A 1 before 万 and above is written: 一万, 一億.
//! - **記数法** writes each digit, 〇 for zero: 2025 → 二〇二五.
//! - **大字** (戸籍法施行規則 31条) replaces exactly 一二三十 by 壱弐参拾; 四〜九, 百, 千, 万 and 〇 stay.

/// Kanji digits 0–9 as written in 記数法 and 命数法.
const DIGITS: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/// Units between groups of four digits: none, 万 (10⁴), 億 (10⁸), 兆 (10¹²), 京 (10¹⁶).
/// u64::MAX has 20 digits, so five groups cover every value.
const GROUP_UNITS: [Option<char>; 5] = [None, Some('万'), Some('億'), Some('兆'), Some('京')];

/// 千, 百, 十 inside a group, with their place values.
const SMALL_UNITS: [(u16, char); 3] = [(1000, '千'), (100, '百'), (10, '十')];

/// A number in kanji 命数法: 0 → 〇, 10 → 十, 23 → 二十三, 105 → 百五, 1989 → 千九百八十九,
/// 10000 → 一万, 11000 → 一万千, 12345 → 一万二千三百四十五 (see the module notes on 一 before 千).
pub fn kanji_count(n: u64) -> String {
    if n == 0 {
        return DIGITS[0].to_string();
    }
    let mut groups = [0u16; 5];
    let mut rest = n;
    for g in groups.iter_mut() {
        // Always < 10000, so the cast cannot truncate.
        *g = (rest % 10_000) as u16;
        rest /= 10_000;
    }
    let mut out = String::new();
    for (i, &g) in groups.iter().enumerate().rev() {
        if g == 0 {
            continue;
        }
        push_group(&mut out, g);
        if let Some(unit) = GROUP_UNITS[i] {
            out.push(unit);
        }
    }
    out
}

/// Writes one group (1..=9999) in 命数法, leaving out a 1 before 千, 百 and 十.
fn push_group(out: &mut String, g: u16) {
    for (place, unit) in SMALL_UNITS {
        let d = usize::from((g / place) % 10);
        if d == 0 {
            continue;
        }
        if d != 1 {
            out.push(DIGITS[d]);
        }
        out.push(unit);
    }
    let d = usize::from(g % 10);
    if d != 0 {
        out.push(DIGITS[d]);
    }
}

/// A string of ASCII digits in kanji 記数法, digit by digit: "2025" → "二〇二五", "007" → "〇〇七".
/// `None` when the string is empty or holds anything other than ASCII digits.
pub fn kanji_positional(digits: &str) -> Option<String> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(
        digits
            .bytes()
            .map(|b| DIGITS[usize::from(b - b'0')])
            .collect(),
    )
}

/// Maps a kanji numeral to its 大字 form (規則31条): 一→壱, 二→弐, 三→参, 十→拾; others unchanged.
fn daiji_char(c: char) -> char {
    match c {
        '一' => '壱',
        '二' => '弐',
        '三' => '参',
        '十' => '拾',
        other => other,
    }
}

/// A number in 大字 for paper 戸籍 (戸籍法施行規則 31条): 命数法 with 壱弐参拾 in place of 一二三十.
/// 四〜九, 百, 千, 万 and 〇 stay: 10 → 拾, 11 → 拾壱, 23 → 弐拾参, 30 → 参拾, 31 → 参拾壱.
pub fn daiji(n: u64) -> String {
    kanji_count(n).chars().map(daiji_char).collect()
}

/// 大字 applied to an already written kanji numeral (記数法 included): "二〇二五" → "弐〇弐五".
pub fn to_daiji(kanji: &str) -> String {
    kanji.chars().map(daiji_char).collect()
}

/// ASCII digits 0–9 replaced by full-width ０–９ (U+FF10–U+FF19); every other character unchanged.
pub fn fullwidth_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(0xFF10 + (c as u32 - '0' as u32)).unwrap_or(c),
            other => other,
        })
        .collect()
}

/// The value of an ASCII (0–9) or full-width (０–９) digit.
fn digit_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        '０'..='９' => Some(c as u32 - '０' as u32),
        _ => None,
    }
}

/// How [`digits_to_kanji_in_text`] writes each run of digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunStyle {
    /// 命数法 for a run of 1–4 digits that does not start with 0 (or is just "0"), 記数法 otherwise:
    /// 丁目・番・号 and short 番地 read as numbers, long 番地, room and code numbers digit by digit.
    Auto,
    /// 命数法 for every run; leading zeros are dropped ("05" → 五). A run too long for u64 falls
    /// back to 記数法.
    Count,
    /// 記数法 for every run, leading zeros kept ("05" → 〇五).
    Positional,
}

/// Converts every run of digits inside a text to kanji, leaving everything else as it is:
/// "1丁目23番地4号" → "一丁目二十三番地四号" with [`RunStyle::Auto`]. ASCII and full-width digits
/// are both runs (addresses arrive in either); a run is a maximal sequence of them. Separators
/// such as "-" or "." are not touched, so "1-2-3" becomes "一-二-三".
pub fn digits_to_kanji_in_text(s: &str, style: RunStyle) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    let mut run: Vec<u32> = Vec::new();
    for c in s.chars() {
        if let Some(d) = digit_value(c) {
            run.push(d);
        } else {
            flush_run(&mut out, &run, style);
            run.clear();
            out.push(c);
        }
    }
    flush_run(&mut out, &run, style);
    out
}

/// Writes one run of digit values in the given style.
fn flush_run(out: &mut String, run: &[u32], style: RunStyle) {
    if run.is_empty() {
        return;
    }
    let positional = |out: &mut String| {
        for &d in run {
            out.push(DIGITS[d as usize % 10]);
        }
    };
    let value = || {
        run.iter().try_fold(0u64, |acc, &d| {
            acc.checked_mul(10)?.checked_add(u64::from(d))
        })
    };
    match style {
        RunStyle::Positional => positional(out),
        RunStyle::Auto => {
            let counted = run.len() <= 4 && (run[0] != 0 || run.len() == 1);
            match value() {
                Some(v) if counted => out.push_str(&kanji_count(v)),
                _ => positional(out),
            }
        }
        RunStyle::Count => match value() {
            Some(v) => out.push_str(&kanji_count(v)),
            None => positional(out),
        },
    }
}

/// The value of a kanji digit, 大字 included (壱弐参; 〇 and 零 are zero).
fn kanji_digit(c: char) -> Option<u64> {
    Some(match c {
        '〇' | '零' => 0,
        '一' | '壱' => 1,
        '二' | '弐' => 2,
        '三' | '参' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

/// The place value of 十 (拾), 百 or 千.
fn small_unit(c: char) -> Option<u64> {
    match c {
        '十' | '拾' => Some(10),
        '百' => Some(100),
        '千' => Some(1000),
        _ => None,
    }
}

/// The place value of 万, 億, 兆 or 京.
fn group_unit(c: char) -> Option<u64> {
    match c {
        '万' => Some(10_000),
        '億' => Some(100_000_000),
        '兆' => Some(1_000_000_000_000),
        '京' => Some(10_000_000_000_000_000),
        _ => None,
    }
}

/// Reads a kanji numeral back: 命数法 ("二十三", "千九百八十九", "一万千", "一千", 大字 "弐拾参"),
/// or 記数法 when no unit character appears ("二〇二五" → 2025). `None` when the text is empty,
/// holds another character, is out of order ("十百", "二三十"), or exceeds u64.
pub fn parse_kanji_number(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let has_units = s
        .chars()
        .any(|c| small_unit(c).is_some() || group_unit(c).is_some());
    if !has_units {
        return s.chars().try_fold(0u64, |acc, c| {
            acc.checked_mul(10)?.checked_add(kanji_digit(c)?)
        });
    }
    let mut total: u64 = 0;
    let mut group: u64 = 0;
    let mut pending: Option<u64> = None;
    let mut last_small: u64 = 10_000;
    let mut last_group: u64 = u64::MAX;
    for c in s.chars() {
        if let Some(d) = kanji_digit(c) {
            // 〇 has no place in 命数法, and two digits in a row are 記数法 mixed in.
            if d == 0 || pending.is_some() {
                return None;
            }
            pending = Some(d);
        } else if let Some(u) = small_unit(c) {
            if u >= last_small {
                return None;
            }
            group += pending.take().unwrap_or(1) * u;
            last_small = u;
        } else if let Some(u) = group_unit(c) {
            if u >= last_group {
                return None;
            }
            group += pending.take().unwrap_or(0);
            if group == 0 {
                return None;
            }
            total = total.checked_add(group.checked_mul(u)?)?;
            group = 0;
            last_small = 10_000;
            last_group = u;
        } else {
            return None;
        }
    }
    group += pending.unwrap_or(0);
    total.checked_add(group)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap (BRIEF_COMMON).
mod tests {
    use super::*;

    #[test]
    fn count_small_numbers() {
        let cases = [
            (0, "〇"),
            (1, "一"),
            (9, "九"),
            (10, "十"),
            (11, "十一"),
            (20, "二十"),
            (23, "二十三"),
            (31, "三十一"),
            (99, "九十九"),
            (100, "百"),
            (101, "百一"),
            (105, "百五"),
            (110, "百十"),
            (111, "百十一"),
            (200, "二百"),
            (999, "九百九十九"),
            (1000, "千"),
            (1001, "千一"),
            (1989, "千九百八十九"),
            (2025, "二千二十五"),
            (9999, "九千九百九十九"),
        ];
        for (n, want) in cases {
            assert_eq!(kanji_count(n), want, "{n}");
        }
    }

    #[test]
    fn count_large_numbers() {
        let cases = [
            (10_000, "一万"),
            (10_001, "一万一"),
            (11_000, "一万千"),
            (12_345, "一万二千三百四十五"),
            (20_000, "二万"),
            (100_000, "十万"),
            (1_000_000, "百万"),
            (10_000_000, "千万"),
            (100_000_000, "一億"),
            (100_000_001, "一億一"),
            (123_456_789, "一億二千三百四十五万六千七百八十九"),
            (1_000_000_000_000, "一兆"),
            (10_000_000_000_000_000, "一京"),
            (
                u64::MAX,
                "千八百四十四京六千七百四十四兆七百三十七億九百五十五万千六百十五",
            ),
        ];
        for (n, want) in cases {
            assert_eq!(kanji_count(n), want, "{n}");
        }
    }

    #[test]
    fn positional() {
        assert_eq!(kanji_positional("2025").as_deref(), Some("二〇二五"));
        assert_eq!(kanji_positional("0").as_deref(), Some("〇"));
        assert_eq!(kanji_positional("007").as_deref(), Some("〇〇七"));
        assert_eq!(
            kanji_positional("1234567890").as_deref(),
            Some("一二三四五六七八九〇")
        );
        assert_eq!(kanji_positional(""), None);
        assert_eq!(kanji_positional("20a5"), None);
        assert_eq!(kanji_positional("-1"), None);
        assert_eq!(
            kanji_positional("２０２５"),
            None,
            "full-width is not ASCII"
        );
    }

    #[test]
    fn daiji_examples() {
        let cases = [
            (1, "壱"),
            (2, "弐"),
            (3, "参"),
            (4, "四"),
            (9, "九"),
            (10, "拾"),
            (11, "拾壱"),
            (12, "拾弐"),
            (23, "弐拾参"),
            (30, "参拾"),
            (31, "参拾壱"),
            (100, "百"),
            (123, "百弐拾参"),
            (1000, "千"),
            (10_000, "壱万"),
        ];
        for (n, want) in cases {
            assert_eq!(daiji(n), want, "{n}");
        }
        assert_eq!(to_daiji("二〇二五"), "弐〇弐五");
        for n in 0..2000 {
            let d = daiji(n);
            assert!(!d.contains(['一', '二', '三', '十']), "{n} → {d}");
        }
    }

    #[test]
    fn fullwidth() {
        assert_eq!(fullwidth_digits("0123456789"), "０１２３４５６７８９");
        assert_eq!(fullwidth_digits("令和7年11月23日"), "令和７年１１月２３日");
        assert_eq!(fullwidth_digits("A-1 Ｂ棟２"), "A-１ Ｂ棟２");
        assert_eq!(fullwidth_digits(""), "");
    }

    #[test]
    fn digits_in_text_auto() {
        let auto = |s| digits_to_kanji_in_text(s, RunStyle::Auto);
        assert_eq!(auto("1丁目23番地4号"), "一丁目二十三番地四号");
        assert_eq!(auto("見本町1234番地"), "見本町千二百三十四番地");
        assert_eq!(auto("見本町12345番地"), "見本町一二三四五番地");
        assert_eq!(auto("ハイツ見本0105号室"), "ハイツ見本〇一〇五号室");
        assert_eq!(auto("3番0号"), "三番〇号");
        assert_eq!(
            auto("１丁目２番"),
            "一丁目二番",
            "full-width digits are runs too"
        );
        assert_eq!(auto("1-2-3"), "一-二-三");
        assert_eq!(auto("数字なし"), "数字なし");
        assert_eq!(auto(""), "");
        assert_eq!(auto("10"), "十");
    }

    #[test]
    fn digits_in_text_other_styles() {
        assert_eq!(digits_to_kanji_in_text("05号", RunStyle::Count), "五号");
        assert_eq!(
            digits_to_kanji_in_text("12345番地", RunStyle::Count),
            "一万二千三百四十五番地"
        );
        assert_eq!(
            digits_to_kanji_in_text("123456789012345678901号", RunStyle::Count),
            "一二三四五六七八九〇一二三四五六七八九〇一号",
            "too long for u64: positional"
        );
        assert_eq!(
            digits_to_kanji_in_text("23番05号", RunStyle::Positional),
            "二三番〇五号"
        );
    }

    #[test]
    fn parse_round_trips() {
        for n in (0..=20_000u64).chain([100_000_000, 123_456_789, 1 << 40, u64::MAX]) {
            assert_eq!(parse_kanji_number(&kanji_count(n)), Some(n), "count {n}");
            assert_eq!(parse_kanji_number(&daiji(n)), Some(n), "daiji {n}");
            let digits = n.to_string();
            let pos = kanji_positional(&digits).unwrap();
            assert_eq!(parse_kanji_number(&pos), Some(n), "positional {n}");
        }
    }

    #[test]
    fn parse_variants_and_refusals() {
        assert_eq!(parse_kanji_number("一千"), Some(1000));
        assert_eq!(parse_kanji_number("一万一千"), Some(11_000));
        assert_eq!(parse_kanji_number("壱拾"), Some(10));
        assert_eq!(parse_kanji_number("〇五"), Some(5));
        for bad in [
            "",
            "十十",
            "十百",
            "二三十",
            "百〇五",
            "万",
            "一万万",
            "一万一億",
            "五a",
            "元",
            "一万〇",
        ] {
            assert_eq!(parse_kanji_number(bad), None, "{bad}");
        }
        assert_eq!(parse_kanji_number("二京京"), None);
        assert_eq!(parse_kanji_number("二千京"), None, "overflows u64");
        assert_eq!(
            parse_kanji_number("九九九九九九九九九九九九九九九九九九九九九"),
            None
        );
    }
}
