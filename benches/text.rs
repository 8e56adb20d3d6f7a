//! Text engine: a 1,000-character vertical paragraph, and the text of one full certificate
//! (about 40 fields of a 住民票, laid out as their boxes ask).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use shomei_engine::text::{layout, FitStep, FontDb, TextStyle, WritingMode};

fn paragraph() -> String {
    let corpus = include_str!("../tests/fixtures/text_corpus.txt");
    let mut s = String::new();
    for line in corpus.lines().cycle() {
        if s.chars().count() >= 1000 {
            break;
        }
        s.push_str(line);
        s.push('、');
    }
    s.chars().take(1000).collect()
}

fn bench(c: &mut Criterion) {
    let db = FontDb::shared().unwrap();
    let para = paragraph();
    let style = TextStyle::default();
    c.bench_function("text/vertical_paragraph_1000_chars", |b| {
        b.iter(|| layout(db, &para, &style, 180.0, 257.0, "p").unwrap())
    });
    // About 40 fields of one certificate: names, dates, addresses, labels, in small boxes
    // with condense and shrink as the layouts ask.
    let fields: Vec<(&str, f32, f32)> = vec![
        ("住所", 24.0, 5.2),
        (
            "見本県架空市本町一丁目2番3号　コーポ見本Ｂ棟101号",
            148.0,
            10.0,
        ),
        ("世帯主", 24.0, 5.2),
        ("見本　太郎", 148.0, 10.0),
        ("フリガナ", 23.0, 5.2),
        ("ミホン　タロウ", 61.5, 5.2),
        ("性別", 23.0, 5.2),
        ("男", 61.5, 5.2),
        ("氏名", 23.0, 7.5),
        ("見本　太郎", 61.5, 7.5),
        ("生年月日", 23.0, 7.5),
        ("昭和60年4月12日", 61.5, 7.5),
        ("続柄", 23.0, 5.2),
        ("世帯主", 61.5, 5.2),
        ("住民となった日", 23.0, 5.2),
        ("昭和60年4月12日", 61.5, 5.2),
        ("住所を定めた日", 23.0, 5.2),
        ("平成27年3月20日", 61.5, 5.2),
        ("届出日", 23.0, 5.2),
        ("平成27年3月25日", 61.5, 5.2),
        ("前住所", 23.0, 5.2),
        ("見本県仮野市旭町三丁目4番5号", 151.0, 5.2),
        ("個人番号", 23.0, 5.2),
        ("1234 5678 9018", 61.5, 5.2),
        ("住民票コード", 23.0, 5.2),
        ("12345678901", 61.5, 5.2),
        ("本籍・筆頭者", 23.0, 5.2),
        (
            "見本県架空市本町四丁目五番地　筆頭者　見本　太郎",
            151.0,
            5.2,
        ),
        ("国籍・地域", 23.0, 5.2),
        ("ベトナム", 61.5, 5.2),
        ("在留資格", 23.0, 5.2),
        ("技術・人文知識・国際業務", 61.5, 5.2),
        ("在留期間", 23.0, 5.2),
        ("5年", 61.5, 5.2),
        ("満了の日", 23.0, 5.2),
        ("令和9年9月30日", 61.5, 5.2),
        ("NGUYEN VAN AN", 61.5, 7.5),
        ("通称　見本　安", 30.0, 3.5),
        (
            "この写しは、世帯全員の住民票の原本と相違ないことを証明する。",
            175.0,
            6.0,
        ),
        ("令和8年11月24日", 80.0, 6.0),
        ("見本県見本市長　見本　一郎", 115.0, 9.0),
    ];
    let style = TextStyle {
        mode: WritingMode::Horizontal,
        size_pt: 9.0,
        fit: vec![FitStep::Condense, FitStep::Shrink],
        ..TextStyle::default()
    };
    c.bench_function("text/certificate_41_fields", |b| {
        b.iter(|| {
            for (t, w, h) in &fields {
                layout(db, t, &style, *w, *h, "f").unwrap();
            }
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
