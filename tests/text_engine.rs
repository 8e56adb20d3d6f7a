//! The text engine, checked on positions: vertical punctuation, vertical forms, rotation,
//! 縦中横, kinsoku, 均等割り, fallback and IVS, missing glyphs, a corpus in both modes, and
//! Chromium's placement of the same strings.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use shomei_engine::geom::Rect;
use shomei_engine::text::{
    layout, Align, FitStep, FontDb, PlacedUnit, TextBlock, TextStyle, WritingMode,
};
use shomei_engine::Error;

fn db() -> &'static FontDb {
    FontDb::shared().expect("fonts load")
}

fn vertical(text: &str, w: f32, h: f32) -> TextBlock {
    layout(db(), text, &TextStyle::default(), w, h, "t").unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn unit<'a>(b: &'a TextBlock, t: &str) -> &'a PlacedUnit {
    b.lines
        .iter()
        .flat_map(|l| &l.units)
        .find(|u| u.text == t)
        .unwrap_or_else(|| panic!("no unit {t}"))
}

fn font_id(u: &PlacedUnit) -> &str {
    &db().get(u.font).id
}

#[test]
fn vertical_comma_and_full_stop_sit_in_the_upper_right_quarter() {
    for family in ["mincho", "mj"] {
        let style = TextStyle {
            family: family.into(),
            ..TextStyle::default()
        };
        let b = layout(db(), "見本、見本。", &style, 20.0, 100.0, "t").unwrap();
        for p in ["、", "。"] {
            let u = unit(&b, p);
            let ink = u.ink.unwrap();
            let c = u.cell;
            assert!(
                ink.x >= c.x + c.w / 2.0 - 0.01,
                "{family} {p}: ink {ink:?} not in the right half of {c:?}"
            );
            assert!(
                ink.bottom() <= c.y + c.h / 2.0 + 0.01,
                "{family} {p}: ink {ink:?} not in the upper half of {c:?}"
            );
        }
    }
}

#[test]
fn prolonged_sound_mark_and_wave_dash_take_vertical_forms() {
    let b = vertical("コーヒー〜", 20.0, 100.0);
    for p in ["ー", "〜"] {
        let u = unit(&b, p);
        let ink = u.ink.unwrap();
        assert!(!u.rotated, "{p} must be a vertical form, not a rotation");
        assert!(
            ink.h > 2.0 * ink.w,
            "{p}: ink {ink:?} is not taller than wide"
        );
        let nominal = db()
            .get(u.font)
            .face()
            .glyph_index(p.chars().next().unwrap())
            .unwrap()
            .0;
        assert_ne!(
            u.glyphs[0].gid, nominal,
            "{p}: expected the vert substitute"
        );
    }
}

#[test]
fn corner_brackets_are_vertical_forms() {
    let b = vertical("「見本」", 20.0, 100.0);
    for p in ["「", "」"] {
        let u = unit(&b, p);
        let nominal = db()
            .get(u.font)
            .face()
            .glyph_index(p.chars().next().unwrap())
            .unwrap()
            .0;
        assert_ne!(
            u.glyphs[0].gid, nominal,
            "{p}: expected the vert substitute"
        );
        let ink = u.ink.unwrap();
        assert!(
            ink.w > ink.h,
            "{p}: a vertical bracket is wider than tall, got {ink:?}"
        );
    }
    // The opening bracket opens downwards: its ink is in the lower half of its cell.
    let open = unit(&b, "「");
    assert!(open.ink.unwrap().y > open.cell.y + open.cell.h / 2.0);
}

#[test]
fn latin_letters_are_rotated_with_their_baseline_along_the_column() {
    let b = vertical("国籍IL", 20.0, 100.0);
    let i = unit(&b, "I");
    assert!(i.rotated);
    let ink = i.ink.unwrap();
    // An upright I is tall and thin; rotated it lies across the column.
    assert!(ink.w > 2.0 * ink.h, "{ink:?}");
    // Centred on the column.
    let cx = i.cell.x + i.cell.w / 2.0;
    assert!(
        (ink.x + ink.w / 2.0 - cx).abs() < 0.6,
        "{ink:?} vs column centre {cx}"
    );
    // The L's foot (its baseline stroke) lies on the left of the column: tops point right.
    let l = unit(&b, "L");
    assert!(l.glyphs[0].rot90);
}

#[test]
fn two_digits_in_a_date_are_one_tate_chu_yoko_cell() {
    let b = vertical("令和7年12月", 20.0, 100.0);
    let u = unit(&b, "12");
    assert!(u.tcy);
    assert_eq!(u.glyphs.len(), 2);
    let em = 10.5 * 25.4 / 72.0;
    assert!((u.cell.h - em).abs() < 1e-3, "one em along the column");
    assert!(u.cell.w <= em + 1e-3, "within one em across");
    // The two digits sit side by side on one baseline.
    assert!((u.glyphs[0].y - u.glyphs[1].y).abs() < 1e-4);
    assert!(u.glyphs[1].x > u.glyphs[0].x);
    // A single digit is 縦中横 too; a long run is set sideways.
    assert!(unit(&b, "7").tcy);
    let long = vertical("住民票コード12345678901", 20.0, 100.0);
    assert!(long.lines[0]
        .units
        .iter()
        .filter(|u| u.text.len() == 1 && u.text.as_bytes()[0].is_ascii_digit())
        .all(|u| u.rotated));
}

fn assert_kinsoku_and_no_overlap(b: &TextBlock, text: &str) {
    for (k, line) in b.lines.iter().enumerate() {
        if k > 0 {
            if let Some(first) = line.units.first() {
                let c = first.text.chars().next().unwrap();
                assert!(
                    !shomei_engine::text::kinsoku::not_at_line_start(c),
                    "{text}: line {k} starts with {c}"
                );
            }
        }
        if k + 1 < b.lines.len() {
            if let Some(last) = line.units.last() {
                let c = last.text.chars().last().unwrap();
                assert!(
                    !shomei_engine::text::kinsoku::not_at_line_end(c),
                    "{text}: line {k} ends with {c}"
                );
            }
        }
        // Tolerance: proportional Latin of IPAmj overhangs its advance by up to 0.02 mm (V, A).
        let inks: Vec<(&str, Rect)> = line
            .units
            .iter()
            .filter_map(|u| u.ink.map(|i| (u.text.as_str(), i)))
            .collect();
        for i in 0..inks.len() {
            for j in i + 1..inks.len() {
                assert!(
                    !inks[i].1.intersects(&inks[j].1, 0.05),
                    "{text}: ink of {} and {} overlap",
                    inks[i].0,
                    inks[j].0
                );
            }
        }
    }
}

#[test]
fn kinsoku_never_starts_a_line_with_a_comma_or_prolonged_mark() {
    // Columns of exactly ten ems: the eleventh character is the one that may not start a line.
    let em = 10.5 * 25.4 / 72.0;
    for text in [
        "かきくけこさしすせそ、たちつてと",
        "かきくけこさしすせそーたちつてと",
        "かきくけこさしすせ「たちつてとな",
    ] {
        let b = vertical(text, 40.0, em * 10.0 + 0.01);
        assert!(b.lines.len() >= 2, "{text}");
        assert_kinsoku_and_no_overlap(&b, text);
    }
}

#[test]
fn distributed_label_spreads_over_the_whole_width() {
    let em = 10.5 * 25.4 / 72.0;
    for mode in [WritingMode::Horizontal, WritingMode::Vertical] {
        let style = TextStyle {
            mode,
            align: Align::Distribute,
            ..TextStyle::default()
        };
        let (w, h) = if mode == WritingMode::Horizontal {
            (4.0 * em, 10.0)
        } else {
            (10.0, 4.0 * em)
        };
        let b = layout(db(), "氏名", &style, w, h, "label").unwrap();
        let units = &b.lines[0].units;
        assert_eq!(units.len(), 2);
        if mode == WritingMode::Horizontal {
            assert!(units[0].cell.x.abs() < 1e-3);
            assert!(
                (units[1].cell.right() - w).abs() < 1e-3,
                "{:?}",
                units[1].cell
            );
            assert!(
                (units[1].cell.x - units[0].cell.right() - 2.0 * em).abs() < 1e-3,
                "a two-em gap"
            );
        } else {
            assert!(units[0].cell.y.abs() < 1e-3);
            assert!(
                (units[1].cell.bottom() - h).abs() < 1e-3,
                "{:?}",
                units[1].cell
            );
        }
        // A single character is centred.
        let one = layout(db(), "印", &style, w, h, "label").unwrap();
        let c = one.lines[0].units[0].cell;
        if mode == WritingMode::Horizontal {
            assert!((c.x - 1.5 * em).abs() < 1e-3);
        } else {
            assert!((c.y - 1.5 * em).abs() < 1e-3);
        }
    }
}

#[test]
fn an_ivs_selects_another_glyph_than_its_base() {
    let style = TextStyle {
        family: "mj".into(),
        ..TextStyle::default()
    };
    let base = layout(db(), "葛", &style, 20.0, 20.0, "name").unwrap();
    let ivs = layout(db(), "葛\u{E0102}", &style, 20.0, 20.0, "name").unwrap();
    let (b, v) = (&base.lines[0].units[0], &ivs.lines[0].units[0]);
    assert_eq!(font_id(v), "ipamj-mincho");
    assert_eq!(v.glyphs.len(), 1, "the selector leaves no glyph of its own");
    assert_ne!(b.glyphs[0].gid, v.glyphs[0].gid);
    // The selector is part of the unit, never dropped.
    assert_eq!(v.text, "葛\u{E0102}");
}

#[test]
fn an_unsupported_variation_sequence_is_an_error_not_a_silent_base_glyph() {
    // VS17 on a kana: no face has the sequence.
    let err = layout(
        db(),
        "見本あ\u{E0100}",
        &TextStyle::default(),
        20.0,
        50.0,
        "members[0].name",
    )
    .unwrap_err();
    match err {
        Error::MissingGlyph { field, clusters } => {
            assert_eq!(field, "members[0].name");
            assert_eq!(clusters, vec!["U+3042 U+E0100".to_string()]);
        }
        e => panic!("{e}"),
    }
}

#[test]
fn a_character_missing_from_the_body_font_comes_from_the_fallback() {
    let b = vertical("𠮷田", 20.0, 20.0);
    assert_eq!(font_id(unit(&b, "𠮷")), "ipamj-mincho");
    assert_eq!(font_id(unit(&b, "田")), "biz-ud-mincho");
    // A name set in one face where one face has it all.
    let style = TextStyle {
        single_font: true,
        ..TextStyle::default()
    };
    let b = layout(db(), "𠮷田", &style, 20.0, 20.0, "name").unwrap();
    assert!(b.lines[0]
        .units
        .iter()
        .all(|u| font_id(u) == "ipamj-mincho"));
}

#[test]
fn a_character_no_font_has_fails_naming_its_code_point() {
    let err = layout(
        db(),
        "見本\u{10FFFD}",
        &TextStyle::default(),
        20.0,
        20.0,
        "address",
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("U+10FFFD"), "{msg}");
    assert!(msg.starts_with("address:"), "{msg}");
}

#[test]
fn fitting_wraps_condenses_shrinks_and_otherwise_overflows() {
    let text = "見本県架空市大字見本字東ノ原1234番地の5";
    let one_line = |fit: Vec<FitStep>| TextStyle {
        mode: WritingMode::Horizontal,
        fit,
        max_lines: Some(1),
        ..TextStyle::default()
    };
    // Condense alone: one line, narrower glyphs, never below the floor.
    let b = layout(
        db(),
        text,
        &one_line(vec![FitStep::Condense]),
        60.0,
        5.0,
        "f",
    )
    .unwrap();
    assert_eq!(b.lines.len(), 1);
    assert!(b.condense < 1.0 && b.condense >= 0.7);
    assert!(b.ink_bounds().unwrap().right() <= 60.0 + 1e-3);
    // Shrink alone.
    let b = layout(db(), text, &one_line(vec![FitStep::Shrink]), 60.0, 5.0, "f").unwrap();
    assert!(b.size_pt < 10.5 && b.size_pt >= 6.0 && b.condense == 1.0);
    // Wrap into two lines when the box is tall enough.
    let wrap = TextStyle {
        mode: WritingMode::Horizontal,
        ..TextStyle::default()
    };
    let b = layout(db(), text, &wrap, 60.0, 12.0, "f").unwrap();
    assert_eq!(b.lines.len(), 2);
    // Nothing allowed, too long: an overflow naming the field and the sizes.
    let err = layout(
        db(),
        text,
        &one_line(vec![]),
        30.0,
        5.0,
        "members[2].address",
    )
    .unwrap_err();
    match err {
        Error::Overflow {
            field,
            needed_mm,
            room_mm,
            ..
        } => {
            assert_eq!(field, "members[2].address");
            assert!(needed_mm > room_mm && (room_mm - 30.0).abs() < 1e-3);
        }
        e => panic!("{e}"),
    }
    // Even every step at its floor cannot fit a long address in a tiny box.
    let all = TextStyle {
        mode: WritingMode::Horizontal,
        fit: vec![FitStep::Wrap, FitStep::Condense, FitStep::Shrink],
        ..TextStyle::default()
    };
    assert!(matches!(
        layout(db(), text, &all, 20.0, 4.0, "f"),
        Err(Error::Overflow { .. })
    ));
}

#[test]
fn corpus_lays_out_in_both_modes_with_kinsoku_and_no_overlap() {
    let corpus = include_str!("fixtures/text_corpus.txt");
    let lines: Vec<&str> = corpus.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() >= 50);
    for mode in [WritingMode::Vertical, WritingMode::Horizontal] {
        for family in ["mincho", "mj"] {
            let style = TextStyle {
                mode,
                family: family.into(),
                ..TextStyle::default()
            };
            for text in &lines {
                let b = layout(db(), text, &style, 40.0, 60.0, "corpus")
                    .unwrap_or_else(|e| panic!("{text}: {e}"));
                let count: usize = b.lines.iter().map(|l| l.units.len()).sum();
                assert!(count > 0);
                assert_kinsoku_and_no_overlap(&b, text);
                // Nothing outside the box.
                let ink = b.ink_bounds().unwrap();
                assert!(
                    Rect::from_xywh(0.0, 0.0, 40.0, 60.0).contains(&ink, 0.05),
                    "{text}: {ink:?}"
                );
            }
        }
    }
}

#[derive(serde::Deserialize)]
struct RefString {
    id: String,
    text: String,
    #[serde(rename = "box")]
    size: [f32; 2],
    columns: Vec<Vec<RefUnit>>,
}

#[derive(serde::Deserialize)]
struct RefUnit {
    t: String,
    tcy: bool,
    x: f32,
    y: f32,
    h: f32,
}

#[test]
fn vertical_placement_matches_chromium_along_the_column() {
    let refs: Vec<RefString> =
        serde_json::from_str(include_str!("fixtures/chromium-vertical/ref.json")).unwrap();
    assert_eq!(refs.len(), 15);
    for r in refs {
        let b = vertical(&r.text, r.size[0], r.size[1]);
        let ours: Vec<String> = b
            .lines
            .iter()
            .map(|l| l.units.iter().map(|u| u.text.as_str()).collect())
            .collect();
        let theirs: Vec<String> = r
            .columns
            .iter()
            .map(|c| c.iter().map(|u| u.t.as_str()).collect())
            .collect();
        assert_eq!(ours, theirs, "{}: columns differ", r.id);
        // Column pitch matches too (the first column's cross offset differs by a constant:
        // Chromium centres the em in a line box from the font's ascent, we set it flush).
        let x0 = (b.lines[0].units[0].cell.x, r.columns[0][0].x);
        for (line, col) in b.lines.iter().zip(&r.columns) {
            for (u, c) in line.units.iter().zip(col) {
                assert!(
                    (u.cell.y - c.y).abs() <= 0.1,
                    "{} {}: y {} vs {}",
                    r.id,
                    c.t,
                    u.cell.y,
                    c.y
                );
                assert!(
                    (u.cell.h - c.h).abs() <= 0.1,
                    "{} {}: h {} vs {}",
                    r.id,
                    c.t,
                    u.cell.h,
                    c.h
                );
                assert_eq!(u.tcy, c.tcy, "{} {}", r.id, c.t);
                assert!(
                    ((u.cell.x - x0.0) - (c.x - x0.1)).abs() <= 0.1,
                    "{} {}: column position",
                    r.id,
                    c.t
                );
            }
        }
    }
}
