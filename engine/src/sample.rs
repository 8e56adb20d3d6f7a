//! Fictitious sample data for any layout (`shomei sample`): a seeded household — rare kanji and
//! IVS names, foreign residents, long addresses, era-boundary dates, valid 個人番号 — poured into
//! the layout's field declarations by field-name convention, with a fallback by type.
//!
//! Everything is invented (certificates.md §5) and drawn from ChaCha20 seeded with the caller's
//! seed, so a seed always gives the same JSON. The output binds against the layout for the
//! issue date it was made for: past dates lie on or before it, required fields are present,
//! texts respect `max` and `choices`.

use std::collections::BTreeMap;

use base64::Engine as _;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use serde_json::{Map, Value as Json};

use crate::layout::{kojin_bango_check_digit, FieldDecl, FieldKind, Template};
use crate::seal::{marume, rasterise_for_registration};
use crate::text::wareki::{format_wareki, Date, DigitStyle};

/// Sample data for layout `t`, deterministic per `seed`, with every date consistent with an
/// issue on `issued_on` (births before moves, moves before notifications, all on or before
/// `issued_on`; residence-card expiries and planned move-outs after it).
pub fn sample(t: &Template, seed: u64, issued_on: Date) -> Json {
    let mut g = Gen {
        rng: Rng(ChaCha20Rng::seed_from_u64(seed)),
        issued: issued_on.days_since_2000(),
        seed,
    };
    let koseki = is_koseki(t);
    let w = World::new(&mut g, koseki);
    Json::Object(fill(&mut g, &w, &t.fields, Scope::Top))
}

// ---------------------------------------------------------------------------------------------
// Randomness and dates.

/// ChaCha20, drawn from raw u64 only.
struct Rng(ChaCha20Rng);

impl Rng {
    fn u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// 0..n (0 when n ≤ 1).
    fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            0
        } else {
            (self.u64() % n as u64) as usize
        }
    }

    /// True with probability num/den.
    fn chance(&mut self, num: u64, den: u64) -> bool {
        self.u64() % den.max(1) < num
    }

    /// One element of a non-empty constant table.
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }

    /// lo..=hi (lo when hi ≤ lo).
    fn between(&mut self, lo: i32, hi: i32) -> i32 {
        if hi <= lo {
            lo
        } else {
            lo + (self.u64() % ((hi - lo) as u64 + 1)) as i32
        }
    }
}

/// Days since 2000-01-01 of a constant date.
const fn day(y: i32, m: u8, d: u8) -> Date {
    Date {
        year: y,
        month: m,
        day: d,
    }
}

fn days(d: Date) -> i32 {
    d.days_since_2000()
}

fn iso(d: i32) -> Json {
    let x = Date::from_days_since_2000(d);
    Json::String(format!("{:04}-{:02}-{:02}", x.year, x.month, x.day))
}

/// Whole years as days (mean Gregorian year).
fn years(n: i32) -> i32 {
    n * 365 + n / 4
}

/// Dates on both sides of every era boundary, and leap days (certificates.md §3, §5).
const BOUNDARY: [Date; 14] = [
    day(1912, 7, 29),
    day(1912, 7, 30),
    day(1926, 12, 24),
    day(1926, 12, 25),
    day(1964, 2, 29),
    day(1988, 2, 29),
    day(1989, 1, 7),
    day(1989, 1, 8),
    day(1996, 2, 29),
    day(2000, 2, 29),
    day(2019, 4, 30),
    day(2019, 5, 1),
    day(2024, 2, 29),
    day(2012, 7, 9),
];

/// The oldest birth date the generator makes (大正元年, the day of the succession).
const OLDEST: Date = day(1912, 7, 29);
/// The day foreign residents entered the 住民基本台帳 (外国人住民となった年月日 floor).
const FOREIGN_RESIDENTS_FROM: Date = day(2012, 7, 9);
/// Start of the computerisation of 戸籍 (平成改製).
const KAISEI_FROM: Date = day(1994, 12, 1);

struct Gen {
    rng: Rng,
    issued: i32,
    seed: u64,
}

impl Gen {
    /// A day in lo..=hi, a third of the time an era-boundary or leap day in that range.
    fn date_in(&mut self, lo: i32, hi: i32) -> i32 {
        let lo = lo.max(days(OLDEST)).min(hi);
        if self.rng.chance(1, 3) {
            let hits: Vec<i32> = BOUNDARY
                .iter()
                .map(|d| days(*d))
                .filter(|d| (lo..=hi).contains(d))
                .collect();
            if !hits.is_empty() {
                return hits[self.rng.below(hits.len())];
            }
        }
        self.rng.between(lo, hi)
    }

    /// A notification 0–13 days after `d`, never after the issue date.
    fn notified(&mut self, d: i32) -> i32 {
        (d + self.rng.between(0, 13))
            .min(self.issued)
            .max(d.min(self.issued))
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + (self.rng.u64() % 10) as u8))
            .collect()
    }

    fn kojin_bango(&mut self) -> String {
        let first: Vec<u32> = (0..11).map(|_| (self.rng.u64() % 10) as u32).collect();
        let check = kojin_bango_check_digit(&first);
        first
            .iter()
            .chain(std::iter::once(&check))
            .filter_map(|d| char::from_digit(*d, 10))
            .collect()
    }

    /// 在留カード等の番号: two letters, eight digits, two letters (AB12345678CD).
    fn card_number(&mut self) -> String {
        let mut s = String::new();
        let letter = |r: &mut Rng| char::from(b'A' + (r.u64() % 26) as u8);
        s.push(letter(&mut self.rng));
        s.push(letter(&mut self.rng));
        s.push_str(&self.digits(8));
        s.push(letter(&mut self.rng));
        s.push(letter(&mut self.rng));
        s
    }
}

// ---------------------------------------------------------------------------------------------
// Name and address tables. All fictitious combinations.

/// (surname, reading): the 20 most common surnames.
const SURNAMES: [(&str, &str); 20] = [
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("山口", "ヤマグチ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("清水", "シミズ"),
];

/// Surnames that exercise 外字-class characters. Every IVS here is in the font chains
/// (`mincho` and `mj`), checked by the tests: 辻 with one dot as the Adobe-Japan1 sequence
/// (E0100, BIZ UD) and as the Moji_Joho one (E0102, IPAmj); 葛 with ヒ likewise; 邉 (E0110) and
/// 齋 (E0102) as Moji_Joho variants (IPAmj); 﨑 (FA11) and 塚 (FA10) compatibility ideographs that must not be
/// normalised; 𠮷 outside the BMP (IPAmj only).
pub(crate) const RARE_SURNAMES: [(&str, &str); 14] = [
    ("髙橋", "タカハシ"),
    ("山\u{FA11}", "ヤマザキ"),
    ("\u{20BB7}田", "ヨシダ"),
    ("辻\u{E0100}", "ツジ"),
    ("辻\u{E0102}", "ツジ"),
    ("葛\u{E0100}西", "カサイ"),
    ("葛\u{E0102}西", "カサイ"),
    ("渡邉", "ワタナベ"),
    ("渡邉\u{E0110}", "ワタナベ"),
    ("齋藤", "サイトウ"),
    ("齋\u{E0102}藤", "サイトウ"),
    ("飯\u{FA10}", "イイヅカ"),
    ("佐々木", "ササキ"),
    ("勘解由小路", "カデノコウジ"),
];

const MALE: [(&str, &str); 16] = [
    ("太郎", "タロウ"),
    ("翔", "ショウ"),
    ("蓮", "レン"),
    ("健一", "ケンイチ"),
    ("大輔", "ダイスケ"),
    ("悠真", "ユウマ"),
    ("湊", "ミナト"),
    ("琉生", "リュウセイ"),
    ("一徹", "イッテツ"),
    ("宗右衛門", "ソウエモン"),
    ("勇", "イサム"),
    ("正雄", "マサオ"),
    ("直樹", "ナオキ"),
    ("陽翔", "ハルト"),
    ("恭平", "キョウヘイ"),
    ("譲", "ユズル"),
];

const FEMALE: [(&str, &str); 16] = [
    ("花子", "ハナコ"),
    ("美咲", "ミサキ"),
    ("陽菜", "ヒナ"),
    ("結衣", "ユイ"),
    ("凛", "リン"),
    ("陽子", "ヨウコ"),
    ("恵子", "ケイコ"),
    ("小百合", "サユリ"),
    ("杏珠", "アンジュ"),
    ("千代", "チヨ"),
    ("紗和", "サワ"),
    ("莉子", "リコ"),
    ("ハル", "ハル"),
    ("京香", "キョウカ"),
    ("朱莉", "アカリ"),
    ("美千代", "ミチヨ"),
];

/// A nationality's name tables: (Latin, katakana) surnames, male and female given names.
struct Nation {
    name: &'static str,
    surnames: &'static [(&'static str, &'static str)],
    male: &'static [(&'static str, &'static str)],
    female: &'static [(&'static str, &'static str)],
    /// 通称 surnames in use in this community.
    alias_surnames: &'static [&'static str],
}

const NATIONS: [Nation; 6] = [
    Nation {
        name: "ベトナム",
        surnames: &[
            ("NGUYEN", "グエン"),
            ("TRAN", "チャン"),
            ("LE", "レ"),
            ("PHAM", "ファム"),
        ],
        male: &[
            ("VAN AN", "ヴァン　アン"),
            ("MINH DUC", "ミン　ドゥック"),
            ("QUANG HUY", "クアン　フイ"),
            ("HOANG NAM", "ホアン　ナム"),
            ("THANH TUNG", "タイン　トゥン"),
        ],
        female: &[
            ("THI MAI", "ティ　マイ"),
            ("THI HUONG", "ティ　フオン"),
            ("NGOC ANH", "ゴック　アイン"),
            ("THU TRANG", "トゥー　チャン"),
            ("KIM LIEN", "キム　リエン"),
        ],
        alias_surnames: &["阮", "陳"],
    },
    Nation {
        name: "中国",
        surnames: &[
            ("WANG", "ワン"),
            ("LI", "リー"),
            ("ZHANG", "ジャン"),
            ("LIU", "リウ"),
        ],
        male: &[
            ("XIAOMING", "シャオミン"),
            ("WEI", "ウェイ"),
            ("JUN", "ジュン"),
            ("HAORAN", "ハオラン"),
            ("ZIHAN", "ズーハン"),
        ],
        female: &[
            ("XIULAN", "シウラン"),
            ("FANG", "ファン"),
            ("YAN", "イェン"),
            ("YUTONG", "ユートン"),
            ("XINYI", "シンイー"),
        ],
        alias_surnames: &["王野", "李川"],
    },
    Nation {
        name: "韓国",
        surnames: &[
            ("KIM", "キム"),
            ("LEE", "イ"),
            ("PARK", "パク"),
            ("CHOI", "チェ"),
        ],
        male: &[
            ("MINJUN", "ミンジュン"),
            ("JIHOON", "ジフン"),
            ("SEOJUN", "ソジュン"),
            ("DOYUN", "ドユン"),
            ("YOUNGSOO", "ヨンス"),
        ],
        female: &[
            ("SEOYEON", "ソヨン"),
            ("JIWOO", "ジウ"),
            ("HAYOON", "ハユン"),
            ("SOOJIN", "スジン"),
            ("MINJI", "ミンジ"),
        ],
        alias_surnames: &["金本", "新井", "松山", "木下"],
    },
    Nation {
        name: "フィリピン",
        surnames: &[
            ("SANTOS", "サントス"),
            ("REYES", "レイエス"),
            ("DELA CRUZ", "デラ　クルス"),
            ("BAUTISTA", "バウティスタ"),
        ],
        male: &[
            ("JOSE MIGUEL", "ホセ　ミゲル"),
            ("MARK ANTHONY", "マーク　アンソニー"),
            ("JOHN PAUL", "ジョン　ポール"),
            ("RAFAEL", "ラファエル"),
            ("CHRISTIAN JAY", "クリスチャン　ジェイ"),
        ],
        female: &[
            ("MARIA CLARA", "マリア　クララ"),
            ("JOY", "ジョイ"),
            ("KRISTINE MAE", "クリスティン　メイ"),
            ("ANGELICA", "アンジェリカ"),
            ("RIZA", "リザ"),
        ],
        alias_surnames: &["見本"],
    },
    Nation {
        name: "ブラジル",
        surnames: &[
            ("DA SILVA OLIVEIRA", "ダ　シルヴァ　オリヴェイラ"),
            ("DOS SANTOS PEREIRA", "ドス　サントス　ペレイラ"),
            ("RODRIGUES FERREIRA", "ロドリゲス　フェヘイラ"),
            ("NAKAMURA DE SOUZA", "ナカムラ　デ　ソウザ"),
        ],
        male: &[
            (
                "FERNANDO HENRIQUE GONCALVES",
                "フェルナンド　エンヒキ　ゴンサウヴェス",
            ),
            ("LUCAS GABRIEL", "ルーカス　ガブリエウ"),
            ("JOAO VICTOR", "ジョアン　ヴィトール"),
            ("PEDRO HENRIQUE", "ペドロ　エンヒキ"),
            ("GUSTAVO", "グスタヴォ"),
        ],
        female: &[
            ("ANA CAROLINA", "アナ　カロリーナ"),
            ("JULIANA BEATRIZ", "ジュリアナ　ベアトリス"),
            ("MARIA EDUARDA", "マリア　エドゥアルダ"),
            ("LETICIA", "レチシア"),
            ("BEATRIZ HELENA", "ベアトリス　エレナ"),
        ],
        alias_surnames: &["中村", "見本"],
    },
    Nation {
        name: "ネパール",
        surnames: &[
            ("GURUNG", "グルン"),
            ("SHRESTHA", "シュレスタ"),
            ("TAMANG", "タマン"),
            ("RAI", "ライ"),
        ],
        male: &[
            ("BISHNU BAHADUR", "ビシュヌ　バハドゥル"),
            ("RAM", "ラム"),
            ("SURESH", "スレシュ"),
            ("DIPAK", "ディパク"),
            ("ROHAN", "ロハン"),
        ],
        female: &[
            ("ANJALI", "アンジャリ"),
            ("SITA", "シタ"),
            ("PUJA", "プジャ"),
            ("SABINA", "サビナ"),
            ("KABITA", "カビタ"),
        ],
        alias_surnames: &["見本"],
    },
];

/// 在留資格 with the periods it may carry (empty: none printed).
const STATUSES: [(&str, &[&str]); 7] = [
    ("永住者", &[]),
    ("技術・人文知識・国際業務", &["5年", "3年", "1年"]),
    ("留学", &["4年3月", "2年3月", "1年3月"]),
    ("家族滞在", &["5年", "3年", "1年"]),
    ("特定技能1号", &["1年", "6月", "3年"]),
    ("日本人の配偶者等", &["5年", "3年", "1年"]),
    ("定住者", &["5年", "3年", "1年"]),
];

const TOWNS: [&str; 6] = ["本町", "旭町", "栄町", "緑が丘", "桜台", "見本台"];
/// Former town names kept in the addresses of a merged city (見本市架空町大字…).
const OLD_TOWNS: [&str; 4] = ["架空町", "仮野町", "東見本町", "見本川町"];
const OAZA: [&str; 5] = ["見本", "仮野", "東見本", "上架空", "見本新田"];
const AZA: [&str; 6] = [
    "北ノ原",
    "東山下",
    "西ケ谷戸",
    "中通リ",
    "南沢向",
    "上ノ台前",
];
/// Katakana building names, each with ー.
const BUILDINGS: [&str; 8] = [
    "パークサイドレジデンス",
    "グランドメゾン・ルーチェ",
    "ロイヤルガーデンテラス",
    "セントラルタワー",
    "サンシャインコーポ",
    "リバーサイドコート",
    "グリーンハイム",
    "シティーコート",
];
/// Words long building names add, in this order, one of each at most: a place, a
/// flourish, a number.
const BUILDING_EXTRA: [&[&str]; 4] = [
    &["見本駅前", "東見本", "北ノ原"],
    &[
        "ステーションフロント",
        "グランヒルズ",
        "ウエストウイング",
        "プレミアムスイート",
    ],
    &[
        "レジデンス",
        "ガーデンコート",
        "テラスハウス",
        "ゲートタワー",
    ],
    &["第二", "弐番館", "第三"],
];
const OTHER_CITIES: [&str; 4] = [
    "見本県仮野市",
    "見本県架空市",
    "架空県見本郡仮野町",
    "見本県東見本市",
];
/// The municipality the household lives in (the default profile's).
const HOME: &str = "見本県見本市";

/// Most entries of a list when its declaration sets no `max` (as binding allows).
const DEFAULT_MAX_LIST: usize = 100;

const KANJI_DIGITS: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
const ORDINAL: [&str; 10] = ["長", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

// ---------------------------------------------------------------------------------------------
// The household.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Head,
    Spouse,
    Child,
    ChildSpouse,
    Grandchild,
    Father,
    Mother,
    Lodger,
}

#[derive(Clone, Debug)]
struct Foreign {
    nationality: &'static str,
    kubun: &'static str,
    status: Option<&'static str>,
    period: Option<&'static str>,
    expiry: Option<i32>,
    card_number: Option<String>,
}

#[derive(Clone, Debug)]
struct Event {
    kind: &'static str,
    date: i32,
    place: Option<String>,
    notified_on: Option<i32>,
    notifier: Option<String>,
    spouse: Option<String>,
    former_honseki: Option<String>,
    reason: Option<&'static str>,
}

impl Event {
    fn new(kind: &'static str, date: i32) -> Event {
        Event {
            kind,
            date,
            place: None,
            notified_on: None,
            notifier: None,
            spouse: None,
            former_honseki: None,
            reason: None,
        }
    }
}

#[derive(Clone, Debug)]
struct Person {
    role: Role,
    surname: String,
    given: String,
    kana_surname: String,
    kana_given: String,
    male: bool,
    birth: i32,
    alias: Option<String>,
    old_surname: Option<(String, String)>,
    foreign: Option<Foreign>,
    became_resident: i32,
    address_since: i32,
    notified_on: i32,
    previous_address: Option<String>,
    kojin_bango: String,
    jumin_code: String,
    zokugara: String,
    /// 本籍 and 筆頭者 of the 戸籍 this person is in (none for foreign residents).
    koseki_of: Option<(String, String)>,
    father: Option<String>,
    mother: Option<String>,
    removed: bool,
    events: Vec<Event>,
}

impl Person {
    fn name(&self) -> String {
        if self.foreign.is_some() {
            format!("{} {}", self.surname, self.given)
        } else {
            format!("{}　{}", self.surname, self.given)
        }
    }

    fn kana(&self) -> String {
        format!("{}　{}", self.kana_surname, self.kana_given)
    }

    fn relationship(&self) -> &'static str {
        match (self.role, self.male) {
            (Role::Head, _) => "世帯主",
            (Role::Spouse, true) => "夫",
            (Role::Spouse, false) => "妻",
            (Role::Child, _) => "子",
            (Role::ChildSpouse, true) => "子の夫",
            (Role::ChildSpouse, false) => "子の妻",
            (Role::Grandchild, _) => "孫",
            (Role::Father, _) => "父",
            (Role::Mother, _) => "母",
            (Role::Lodger, _) => "同居人",
        }
    }
}

struct World {
    address: String,
    honseki: String,
    /// 住民票: the household, the 世帯主 first.
    members: Vec<Person>,
    /// 戸籍: 筆頭者, spouse, children (some removed).
    koseki: Vec<Person>,
    compiled_on: i32,
    koseki_events: Vec<Event>,
    move_out_address: String,
    move_out_date: i32,
    /// The person single-person certificates (印鑑登録証明書) are about.
    subject: usize,
}

/// Whether the layout is a 戸籍 certificate: its lists carry parents, 続柄 by birth order or
/// events, or it declares 戸籍事項.
fn is_koseki(t: &Template) -> bool {
    let koseki_key = |k: &str| {
        matches!(
            k,
            "zokugara" | "father" | "mother" | "events" | "koseki_events" | "compiled_on"
        )
    };
    t.fields.iter().any(|(k, d)| {
        koseki_key(k) || (d.kind == FieldKind::List && d.item.keys().any(|k| koseki_key(k)))
    })
}

fn short_address(g: &mut Gen, city: &str) -> String {
    let town = g.rng.pick(&TOWNS);
    let chome = KANJI_DIGITS[1 + g.rng.below(5)];
    format!(
        "{city}{town}{chome}丁目{}番{}号",
        g.rng.between(1, 30),
        g.rng.between(1, 25)
    )
}

/// A long address (60–80 characters): 大字・字, 番地の枝番, a katakana building name with ー,
/// Ｂ棟 and a room number.
fn long_address(g: &mut Gen, city: &str) -> String {
    let mut a = String::new();
    for _ in 0..12 {
        a = long_address_once(g, city);
        if (60..=80).contains(&a.chars().count()) {
            break;
        }
    }
    a
}

fn long_address_once(g: &mut Gen, city: &str) -> String {
    let oaza = g.rng.pick(&OAZA);
    let aza = g.rng.pick(&AZA);
    let old_town = g.rng.pick(&OLD_TOWNS);
    let base = format!(
        "{city}{old_town}大字{oaza}字{aza}{}番地の{}",
        g.rng.between(100, 3999),
        g.rng.between(1, 29)
    );
    let target = 60 + g.rng.below(21);
    let mut building = g.rng.pick(&BUILDINGS).to_string();
    let tou = g.rng.pick(&["Ａ", "Ｂ", "Ｂ", "Ｃ"]);
    let room = format!("{}{:02}", g.rng.between(1, 15), g.rng.between(1, 20));
    let len = |b: &str| base.chars().count() + 1 + b.chars().count() + 2 + room.chars().count() + 1;
    for words in BUILDING_EXTRA {
        let e = g.rng.pick(words);
        if len(&building) >= target || len(&building) + e.chars().count() > 80 {
            break;
        }
        if !building.contains(e) {
            building.push_str(e);
        }
    }
    format!("{base}　{building}{tou}棟{room}号")
}

fn honseki_address(g: &mut Gen, city: &str) -> String {
    if g.rng.chance(1, 2) {
        format!(
            "{city}大字{}字{}{}番地",
            g.rng.pick(&OAZA),
            g.rng.pick(&AZA),
            g.rng.between(1, 3999)
        )
    } else {
        format!(
            "{city}{}{}丁目{}番地",
            g.rng.pick(&TOWNS),
            KANJI_DIGITS[1 + g.rng.below(5)],
            g.rng.between(1, 60)
        )
    }
}

fn japanese_given(g: &mut Gen, male: bool) -> (String, String) {
    let (k, r) = if male {
        g.rng.pick(&MALE)
    } else {
        g.rng.pick(&FEMALE)
    };
    (k.to_string(), r.to_string())
}

fn foreign_given(g: &mut Gen, n: &Nation, male: bool) -> (String, String) {
    let (k, r) = if male {
        g.rng.pick(n.male)
    } else {
        g.rng.pick(n.female)
    };
    (k.to_string(), r.to_string())
}

/// Household composition mode.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Japanese,
    /// Japanese 世帯主, foreign spouse.
    Mixed,
    Foreign,
}

impl World {
    fn new(g: &mut Gen, koseki: bool) -> World {
        let issued = g.issued;
        let n = 1 + g.rng.below(12);
        let mode = match g.rng.below(5) {
            0 if n >= 2 => Mode::Mixed,
            1 if !koseki => Mode::Foreign,
            _ => Mode::Japanese,
        };

        // Composition.
        let mut roles = vec![Role::Head];
        if n >= 2 && (n >= 4 || g.rng.chance(5, 6) || mode == Mode::Mixed) {
            roles.push(Role::Spouse);
        }
        let mut rest = n - roles.len();
        let three_gen = rest >= 3 && g.rng.chance(1, 2);
        if three_gen {
            roles.push(Role::Child);
            roles.push(Role::ChildSpouse);
            rest -= 2;
            let grandchildren = 1 + g.rng.below(rest.min(6));
            roles.extend(std::iter::repeat_n(Role::Grandchild, grandchildren));
            rest -= grandchildren;
        }
        let parents = !three_gen && rest >= 2 && g.rng.chance(1, 3);
        if parents {
            roles.push(Role::Father);
            rest -= 1;
            if g.rng.chance(1, 2) {
                roles.push(Role::Mother);
                rest -= 1;
            }
        }
        if rest >= 1 && g.rng.chance(1, 4) {
            roles.push(Role::Lodger);
            rest -= 1;
        }
        roles.extend(std::iter::repeat_n(Role::Child, rest));
        let children = roles.contains(&Role::Child);

        // The household's surname and nationality.
        let nation = &NATIONS[g.rng.below(NATIONS.len())];
        let (surname, kana_surname) = if mode == Mode::Foreign {
            let (s, k) = g.rng.pick(nation.surnames);
            (s.to_string(), k.to_string())
        } else if g.rng.chance(2, 5) {
            let (s, k) = g.rng.pick(&RARE_SURNAMES);
            (s.to_string(), k.to_string())
        } else {
            let (s, k) = g.rng.pick(&SURNAMES);
            (s.to_string(), k.to_string())
        };

        // The 世帯主's age decides everyone else's.
        let (age_lo, age_hi) = if three_gen {
            (62, 90)
        } else if parents {
            (28, 62)
        } else if children {
            (24, 75)
        } else if n == 1 {
            (18, 115)
        } else {
            (18, 95)
        };
        let head_birth = if n == 1 && g.rng.chance(1, 4) {
            // The oldest residents: born on the days the eras changed.
            days(g.rng.pick(&BOUNDARY[..4]))
        } else {
            g.date_in(issued - years(age_hi), issued - years(age_lo))
        };
        let head_male = g.rng.chance(4, 5);
        let adult = issued - years(18);

        let mut people: Vec<Person> = Vec::with_capacity(n);
        for role in roles {
            let male = match role {
                Role::Head => head_male,
                Role::Spouse => !head_male,
                Role::Father => true,
                Role::Mother => false,
                _ => g.rng.chance(1, 2),
            };
            // Births of the 世帯主's generation and the ones above and below; the rest follow.
            let birth = match role {
                Role::Head => head_birth,
                Role::Spouse => (head_birth + g.rng.between(-years(6), years(6))).min(adult),
                Role::Father | Role::Mother => {
                    g.date_in(head_birth - years(40), head_birth - years(21))
                }
                Role::Child => {
                    let hi = (head_birth + years(45)).min(issued - 1);
                    g.date_in((head_birth + years(20)).min(hi), hi)
                }
                Role::ChildSpouse | Role::Grandchild | Role::Lodger => head_birth,
            };
            let nat: Option<&Nation> = match (mode, role) {
                (_, Role::Lodger) => Some(&NATIONS[g.rng.below(NATIONS.len())]),
                (Mode::Mixed, Role::Spouse) | (Mode::Foreign, _) => Some(nation),
                _ => None,
            };
            let (s, ks) = match nat {
                Some(nt) if role == Role::Lodger || mode == Mode::Mixed => {
                    let (s, k) = g.rng.pick(nt.surnames);
                    (s.to_string(), k.to_string())
                }
                _ => (surname.clone(), kana_surname.clone()),
            };
            // No two members share a given name.
            let mut given = (String::new(), String::new());
            for _ in 0..12 {
                given = match nat {
                    Some(nt) => foreign_given(g, nt, male),
                    None => japanese_given(g, male),
                };
                if !people.iter().any(|p| p.given == given.0) {
                    break;
                }
            }
            let (given, kg) = given;
            people.push(Person {
                role,
                surname: s,
                given,
                kana_surname: ks,
                kana_given: kg,
                male,
                birth,
                alias: None,
                old_surname: None,
                foreign: nat.map(|nt| Foreign {
                    nationality: nt.name,
                    kubun: "中長期在留者",
                    status: None,
                    period: None,
                    expiry: None,
                    card_number: None,
                }),
                became_resident: 0,
                address_since: 0,
                notified_on: 0,
                previous_address: None,
                kojin_bango: g.kojin_bango(),
                jumin_code: g.digits(11),
                zokugara: String::new(),
                koseki_of: None,
                father: None,
                mother: None,
                removed: false,
                events: Vec::new(),
            });
        }

        // Births that depend on others.
        let eldest_child = people
            .iter()
            .filter(|p| p.role == Role::Child)
            .map(|p| p.birth)
            .min();
        let eldest_male = people
            .iter()
            .filter(|p| p.role == Role::Child)
            .min_by_key(|p| p.birth)
            .map(|p| p.male);
        for i in 0..people.len() {
            // A child's spouse is of the other sex to the (married) eldest child.
            if let (Role::ChildSpouse, Some(m)) = (people[i].role, eldest_male) {
                if people[i].male == m {
                    people[i].male = !m;
                    for _ in 0..12 {
                        let (gv, kg) = japanese_given(g, !m);
                        if !people.iter().any(|p| p.given == gv) {
                            people[i].given = gv;
                            people[i].kana_given = kg;
                            break;
                        }
                    }
                }
            }
            let b = match people[i].role {
                Role::ChildSpouse => {
                    let c = eldest_child.unwrap_or(head_birth + years(25));
                    (c + g.rng.between(-years(4), years(4))).min(adult)
                }
                Role::Grandchild => {
                    let c = eldest_child.unwrap_or(head_birth + years(25));
                    let lo = c + years(20);
                    g.date_in(lo.min(issued - 1), issued - 1)
                }
                Role::Lodger => g.date_in(issued - years(60), adult),
                _ => continue,
            };
            people[i].birth = b;
        }
        // A newborn of a foreign household: 出生による経過滞在者 (within 60 days of birth).
        if mode == Mode::Foreign && children && g.rng.chance(1, 3) {
            if let Some(p) = people.iter_mut().rev().find(|p| p.role == Role::Child) {
                p.birth = issued - g.rng.between(1, 59);
                if let Some(f) = &mut p.foreign {
                    f.kubun = "出生による経過滞在者";
                }
            }
        }

        // The order of the 住民票: 世帯主, spouse, children by age with a married child's
        // family after them, the 世帯主's parents, 同居人 last.
        let rank = |r: Role| match r {
            Role::Head => 0,
            Role::Spouse => 1,
            Role::Child => 2,
            Role::ChildSpouse => 3,
            Role::Grandchild => 4,
            Role::Father => 5,
            Role::Mother => 6,
            Role::Lodger => 7,
        };
        people.sort_by_key(|p| (rank(p.role), p.birth));

        // Residence: the household moved in on `moved`; later arrivals on their own day.
        let city_addr = if g.rng.chance(2, 3) {
            long_address(g, HOME)
        } else {
            short_address(g, HOME)
        };
        let first_adult = head_birth + years(18);
        let moved = g.date_in(first_adult.max(days(day(1970, 1, 1))), issued - 30);
        for p in &mut people {
            let joins_later = matches!(p.role, Role::ChildSpouse | Role::Lodger);
            if !joins_later && p.birth >= moved {
                p.became_resident = p.birth;
                p.address_since = p.birth;
                p.notified_on = g.notified(p.birth);
            } else if joins_later {
                let lo = moved.max(p.birth + years(18)).min(issued - 1);
                let j = g.date_in(lo, issued - 1);
                p.became_resident = j;
                p.address_since = j;
                p.notified_on = g.notified(j);
                p.previous_address = Some(other_short(g));
            } else {
                p.address_since = moved;
                p.became_resident = if g.rng.chance(1, 3) {
                    g.date_in(p.birth, moved)
                } else {
                    moved
                };
                p.notified_on = g.notified(moved);
                if g.rng.chance(3, 4) {
                    let city = if p.became_resident < moved {
                        HOME
                    } else {
                        g_city(&mut g.rng)
                    };
                    p.previous_address = Some(if g.rng.chance(1, 2) {
                        long_address(g, city)
                    } else {
                        short_address(g, city)
                    });
                }
            }
            if p.foreign.is_some() {
                p.became_resident = p
                    .became_resident
                    .max(days(FOREIGN_RESIDENTS_FROM))
                    .min(issued);
            }
        }

        // Foreign residents' status.
        for p in &mut people {
            let Some(mut f) = p.foreign.clone() else {
                continue;
            };
            let role = p.role;
            let korean_old = f.nationality == "韓国" && p.birth < days(day(1965, 1, 1));
            if f.kubun == "出生による経過滞在者" {
                f.expiry = Some(p.birth + 60);
            } else if korean_old || (f.nationality == "韓国" && g.rng.chance(1, 3)) {
                // No 在留期間, so no 満了の日: only the certificate number.
                f.kubun = "特別永住者";
                f.card_number = Some(g.card_number());
            } else if role == Role::Lodger && g.rng.chance(1, 2) {
                f.kubun =
                    g.rng
                        .pick(&["一時庇護許可者", "仮滞在許可者", "国籍喪失による経過滞在者"]);
                let span = if f.kubun == "国籍喪失による経過滞在者" {
                    59
                } else {
                    180
                };
                f.expiry = Some(issued + g.rng.between(1, span));
                if f.kubun == "国籍喪失による経過滞在者" {
                    // Lost Japanese nationality within the last 60 days, so moved in no earlier.
                    let since = issued - g.rng.between(1, 59);
                    p.became_resident = since;
                    p.address_since = p.address_since.min(since);
                }
            } else {
                let (status, periods) = match (mode, role) {
                    (Mode::Mixed, Role::Spouse) => STATUSES[5],
                    (_, Role::Lodger) => STATUSES[1 + g.rng.below(STATUSES.len() - 1)],
                    (_, Role::Head) => {
                        g.rng
                            .pick(&[STATUSES[0], STATUSES[1], STATUSES[4], STATUSES[6]])
                    }
                    _ => g.rng.pick(&[STATUSES[0], STATUSES[3], STATUSES[6]]),
                };
                f.status = Some(status);
                f.period = if periods.is_empty() {
                    None
                } else {
                    Some(g.rng.pick(periods))
                };
                // 永住者 have no 在留期間 and so no 満了の日.
                f.expiry = f
                    .period
                    .is_some()
                    .then(|| issued + g.rng.between(30, years(5)));
                f.card_number = Some(g.card_number());
            }
            p.foreign = Some(f);
        }

        // 通称 and 旧氏.
        for p in &mut people {
            if let Some(f) = &p.foreign {
                let wants = f.kubun == "特別永住者" || g.rng.chance(1, 3);
                if (wants && p.role != Role::Lodger)
                    || (p.role == Role::Spouse && mode == Mode::Mixed)
                {
                    let alias_surname = if mode == Mode::Mixed {
                        surname.clone()
                    } else {
                        let n = NATIONS
                            .iter()
                            .find(|x| x.name == f.nationality)
                            .unwrap_or(&NATIONS[0]);
                        g.rng.pick(n.alias_surnames).to_string()
                    };
                    let (given, _) = japanese_given(g, p.male);
                    p.alias = Some(format!("{alias_surname}　{given}"));
                }
            } else if p.role == Role::Spouse && g.rng.chance(1, 3) {
                let (s, k) = g.rng.pick(&SURNAMES);
                if s != surname {
                    p.old_surname = Some((s.to_string(), k.to_string()));
                }
            }
        }

        // The 戸籍: 筆頭者, a Japanese spouse, the Japanese children; a child who married out
        // stays listed, removed.
        let address = city_addr;
        let home = if g.rng.chance(1, 2) {
            HOME
        } else {
            "見本県架空市"
        };
        let honseki = honseki_address(g, home);
        let spouse_idx = people.iter().position(|p| p.role == Role::Spouse);
        let marriage = spouse_idx.map(|s| {
            let lo = people[0].birth.max(people[s].birth) + years(18);
            let hi = eldest_child.unwrap_or(issued).min(issued - 1);
            g.date_in(lo.min(hi), hi)
        });
        // The 筆頭者 is the spouse whose surname the couple kept (here: the husband when both are
        // Japanese), then the other spouse.
        let japanese_spouse = spouse_idx.filter(|&s| people[s].foreign.is_none());
        let couple: Vec<usize> = match japanese_spouse {
            Some(s) if !people[0].male => vec![s, 0],
            Some(s) => vec![0, s],
            None => vec![0],
        };
        let mut koseki: Vec<Person> = Vec::new();
        for (k, &i) in couple.iter().enumerate() {
            let mut h = people[i].clone();
            // The first was born with the family's surname; the second took it at marriage.
            let born_as = if k == 0 {
                h.surname.clone()
            } else {
                match &h.old_surname {
                    Some(o) => o.0.clone(),
                    None => g.rng.pick(&SURNAMES).0.to_string(),
                }
            };
            h.zokugara = format!(
                "{}{}",
                ORDINAL[g.rng.below(3)],
                if h.male { "男" } else { "女" }
            );
            h.father = Some(format!("{born_as}　{}", japanese_given(g, true).0));
            h.mother = Some(format!("{born_as}　{}", japanese_given(g, false).0));
            let notifier = if g.rng.chance(3, 4) { "父" } else { "母" };
            h.events = vec![birth_event(g, h.birth, notifier)];
            if let (Some(s), Some(m)) = (spouse_idx, marriage) {
                let other = if i == 0 { s } else { 0 };
                let mut e = Event::new("婚姻", m);
                e.notified_on = Some(m);
                e.spouse = Some(people[other].name());
                let parent = japanese_given(g, true).0;
                e.former_honseki = Some(format!("{}　{born_as}　{parent}", other_honseki(g)));
                h.events.push(e);
            }
            koseki.push(h);
        }
        let father_name = |ps: &[Person]| -> (Option<String>, Option<String>) {
            let head = &ps[0];
            let sp = spouse_idx.map(|s| ps[s].name());
            if head.male {
                (Some(head.name()), sp)
            } else {
                (sp, Some(head.name()))
            }
        };
        let (father, mother) = father_name(&people);
        let mut kids: Vec<Person> = people
            .iter()
            .filter(|p| p.role == Role::Child && p.foreign.is_none())
            .cloned()
            .collect();
        if three_gen {
            // The eldest child married and heads a 戸籍 of their own: removed from this one.
            if let Some(k) = kids.iter_mut().min_by_key(|k| k.birth) {
                k.removed = true;
            }
        }
        if koseki.len() + kids.len() < 2 && g.rng.chance(1, 2) && head_birth + years(45) < issued {
            // A child who married out, for the boxed 除籍.
            let male = g.rng.chance(1, 2);
            let (given, kg) = japanese_given(g, male);
            let b = g.date_in(
                head_birth + years(20),
                (head_birth + years(40)).min(issued - years(20)),
            );
            kids.push(Person {
                role: Role::Child,
                given,
                kana_given: kg,
                male,
                birth: b,
                removed: true,
                ..people[0].clone()
            });
        }
        kids.sort_by_key(|k| k.birth);
        let (mut sons, mut daughters) = (0usize, 0usize);
        for mut k in kids {
            let ord = if k.male { &mut sons } else { &mut daughters };
            k.zokugara = format!(
                "{}{}",
                ORDINAL[(*ord).min(ORDINAL.len() - 1)],
                if k.male { "男" } else { "女" }
            );
            *ord += 1;
            k.father = father.clone();
            k.mother = mother.clone();
            let notifier = if g.rng.chance(1, 2) { "父" } else { "母" };
            k.events = vec![birth_event(g, k.birth, notifier)];
            if k.removed {
                let lo = (k.birth + years(18)).min(issued - 1);
                let m = g.date_in(lo, issued - 1);
                let mut e = Event::new("婚姻", m);
                e.notified_on = Some(m);
                let (sg, _) = japanese_given(g, !k.male);
                e.spouse = Some(format!("{}　{sg}", g.rng.pick(&SURNAMES).0));
                k.events.push(e);
            }
            koseki.push(k);
        }
        let compiled_on = match marriage {
            Some(m) => m,
            None => {
                let lo = (head_birth + years(20)).min(issued - 1);
                g.date_in(lo, (head_birth + years(35)).min(issued - 1))
            }
        };
        let mut koseki_events = Vec::new();
        let mut e = Event::new(
            if marriage.is_some() {
                "編製"
            } else {
                "分籍"
            },
            compiled_on,
        );
        e.notified_on = Some(compiled_on);
        koseki_events.push(e);
        if compiled_on < days(KAISEI_FROM) {
            let lo = days(KAISEI_FROM);
            let hi = days(day(2008, 3, 31)).min(issued);
            let mut e = Event::new("改製", g.rng.between(lo, hi));
            e.reason = Some("平成6年法務省令第51号附則第2条第1項による改製");
            koseki_events.push(e);
        }

        // Each resident's own 戸籍: the 世帯主's, a married child's (with its spouse and the
        // grandchildren), or the 世帯主's parents'.
        let hittosha = koseki
            .first()
            .map_or_else(|| people[0].name(), Person::name);
        let married_child = if three_gen {
            people
                .iter()
                .enumerate()
                .filter(|(_, p)| p.role == Role::Child)
                .min_by_key(|(_, p)| p.birth)
                .map(|(i, _)| i)
        } else {
            None
        };
        let child_koseki = married_child.map(|i| (other_honseki(g), people[i].name()));
        let parents_koseki = people
            .iter()
            .find(|p| p.role == Role::Father)
            .map(|p| p.name())
            .map(|n| (other_honseki(g), n));
        for (i, p) in people.iter_mut().enumerate() {
            if p.foreign.is_some() {
                continue;
            }
            p.koseki_of = match p.role {
                Role::ChildSpouse | Role::Grandchild => child_koseki.clone(),
                Role::Child if Some(i) == married_child => child_koseki.clone(),
                Role::Father | Role::Mother => parents_koseki.clone(),
                _ => None,
            }
            .or_else(|| Some((honseki.clone(), hittosha.clone())));
        }
        let move_out_address = if g.rng.chance(1, 2) {
            other_long(g)
        } else {
            other_short(g)
        };
        let move_out_date = issued + g.rng.between(1, 14);
        let adults: Vec<usize> = (0..people.len())
            .filter(|&i| people[i].birth <= adult)
            .collect();
        let subject = if adults.is_empty() {
            0
        } else {
            adults[g.rng.below(adults.len())]
        };
        World {
            address,
            honseki,
            members: people,
            koseki,
            compiled_on,
            koseki_events,
            move_out_address,
            move_out_date,
            subject,
        }
    }
}

/// Another (fictitious) municipality.
fn g_city(r: &mut Rng) -> &'static str {
    r.pick(&OTHER_CITIES)
}

fn other_short(g: &mut Gen) -> String {
    let c = g_city(&mut g.rng);
    short_address(g, c)
}

fn other_long(g: &mut Gen) -> String {
    let c = g_city(&mut g.rng);
    long_address(g, c)
}

fn other_honseki(g: &mut Gen) -> String {
    let c = g_city(&mut g.rng);
    honseki_address(g, c)
}

fn birth_event(g: &mut Gen, birth: i32, notifier: &str) -> Event {
    let mut e = Event::new("出生", birth);
    e.place = Some(
        g.rng
            .pick(&["見本県見本市", "見本県架空市", "架空県見本郡仮野町"])
            .to_string(),
    );
    e.notified_on = Some(g.notified(birth));
    e.notifier = Some(notifier.to_string());
    e
}

// ---------------------------------------------------------------------------------------------
// Filling a layout's fields.

#[derive(Clone, Copy)]
enum Scope<'a> {
    Top,
    Person(&'a Person),
    Event(&'a Event),
    Other,
}

fn fill(
    g: &mut Gen,
    w: &World,
    decls: &BTreeMap<String, FieldDecl>,
    scope: Scope<'_>,
) -> Map<String, Json> {
    let mut out = Map::new();
    for (name, d) in decls {
        let v = match known(g, w, scope, name, d) {
            Known::Value(v) => Some(v),
            Known::Absent => None,
            Known::Unknown => {
                if d.required || g.rng.chance(3, 4) {
                    Some(fallback(g, w, scope, name, d))
                } else {
                    None
                }
            }
        };
        let v = match v {
            None if d.required => Some(fallback(g, w, scope, name, d)),
            v => v,
        };
        if let Some(v) = v.and_then(|v| conform(g, v, d)) {
            out.insert(name.clone(), v);
        }
    }
    out
}

enum Known {
    Value(Json),
    /// A field the generator knows, with no value for this person (通称 of a Japanese resident).
    Absent,
    Unknown,
}

fn text(s: impl Into<String>) -> Known {
    Known::Value(Json::String(s.into()))
}

fn opt_text(s: Option<impl Into<String>>) -> Known {
    match s {
        Some(s) => text(s),
        None => Known::Absent,
    }
}

fn opt_date(d: Option<i32>) -> Known {
    match d {
        Some(d) => Known::Value(iso(d)),
        None => Known::Absent,
    }
}

/// Whether a declaration's label asks for the given name only (【名】).
fn given_only(d: &FieldDecl) -> bool {
    d.label.contains('名') && !d.label.contains("氏名")
}

fn known(g: &mut Gen, w: &World, scope: Scope<'_>, name: &str, d: &FieldDecl) -> Known {
    match scope {
        Scope::Top => known_top(g, w, name, d),
        Scope::Person(p) => known_person(g, w, p, name, d),
        Scope::Event(e) => known_event(e, name),
        Scope::Other => Known::Unknown,
    }
}

fn known_top(g: &mut Gen, w: &World, name: &str, d: &FieldDecl) -> Known {
    let head = &w.members[0];
    match name {
        "address" => text(&w.address),
        "head" => text(head.name()),
        "honseki" => text(&w.honseki),
        "hittosha" => text(w.koseki.first().map_or_else(|| head.name(), Person::name)),
        "compiled_on" => Known::Value(iso(w.compiled_on)),
        "move_out_address" => text(&w.move_out_address),
        "move_out_date" => Known::Value(iso(if d.past { g.issued } else { w.move_out_date })),
        // The 転出届 is made at the counter the certificate is issued from.
        "move_out_notified_on" => Known::Value(iso(g.issued)),
        "registration_number" => {
            let n = digit_len(d, 7);
            text(g.digits(n))
        }
        "seal" if d.kind == FieldKind::Image => {
            let p = &w.members[w.subject];
            let surname = match (&p.foreign, &p.alias) {
                (Some(_), Some(a)) => a.split('　').next().unwrap_or("見本").to_string(),
                (Some(_), None) => p
                    .kana_surname
                    .split('　')
                    .next()
                    .unwrap_or("見本")
                    .to_string(),
                _ => p.surname.clone(),
            };
            match seal_image(&surname, g.seed) {
                Some(v) => Known::Value(v),
                None => Known::Unknown,
            }
        }
        "koseki_events" if d.kind == FieldKind::Text => {
            // One line of 戸籍事項 after the 編製: a 転籍 when the 戸籍 has one.
            match w.koseki_events.iter().find(|e| e.kind == "転籍") {
                Some(e) => {
                    let date = Date::from_days_since_2000(e.date);
                    let from = e.former_honseki.clone().unwrap_or_default();
                    let line = match format_wareki(date, DigitStyle::Arabic) {
                        Ok(d) if !from.is_empty() => {
                            format!("転籍　【転籍日】{d}　【従前本籍】{from}")
                        }
                        Ok(d) => format!("転籍　【転籍日】{d}"),
                        Err(_) => return Known::Absent,
                    };
                    if line.chars().count() <= d.max.unwrap_or(120) {
                        text(line)
                    } else {
                        Known::Absent
                    }
                }
                None => Known::Absent,
            }
        }
        "koseki_events" => list_of(g, w, d, &w.koseki_events, Scope::Event),
        _ if d.kind == FieldKind::List => {
            if d.item.contains_key("kind")
                && d.item.contains_key("date")
                && !d.item.contains_key("name")
            {
                list_of(g, w, d, &w.koseki_events, Scope::Event)
            } else if is_person_list(d) {
                let people = if d
                    .item
                    .keys()
                    .any(|k| matches!(k.as_str(), "zokugara" | "father" | "mother" | "events"))
                {
                    &w.koseki
                } else {
                    &w.members
                };
                list_of(g, w, d, people, Scope::Person)
            } else {
                Known::Unknown
            }
        }
        _ => known_person(g, w, &w.members[w.subject], name, d),
    }
}

fn is_person_list(d: &FieldDecl) -> bool {
    d.item
        .keys()
        .any(|k| matches!(k.as_str(), "name" | "birth_date" | "kana" | "gender"))
}

fn list_of<'a, T>(
    g: &mut Gen,
    w: &'a World,
    d: &FieldDecl,
    xs: &'a [T],
    scope: impl Fn(&'a T) -> Scope<'a>,
) -> Known {
    let max = d.max.unwrap_or(DEFAULT_MAX_LIST);
    let min = d.min.unwrap_or(0);
    let mut v: Vec<Json> = xs
        .iter()
        .take(max)
        .map(|x| Json::Object(fill(g, w, &d.item, scope(x))))
        .collect();
    while v.len() < min {
        v.push(Json::Object(fill(g, w, &d.item, Scope::Other)));
    }
    Known::Value(Json::Array(v))
}

fn known_person(g: &mut Gen, w: &World, p: &Person, name: &str, d: &FieldDecl) -> Known {
    let f = p.foreign.as_ref();
    match name {
        "name" if given_only(d) && f.is_none() => text(&p.given),
        "name" | "full_name" => text(p.name()),
        "surname" => text(&p.surname),
        "given_name" => text(&p.given),
        "kana" => text(p.kana()),
        "surname_kana" => text(&p.kana_surname),
        "given_name_kana" => text(&p.kana_given),
        "alias" => opt_text(p.alias.clone()),
        "old_surname" | "kyushi" => opt_text(p.old_surname.as_ref().map(|o| o.0.clone())),
        "old_surname_kana" | "kyushi_kana" => opt_text(p.old_surname.as_ref().map(|o| o.1.clone())),
        "birth_date" => Known::Value(iso(p.birth)),
        "gender" => text(if p.male { "男" } else { "女" }),
        "relationship" => text(p.relationship()),
        "zokugara" => {
            if p.zokugara.is_empty() {
                text(if p.male { "長男" } else { "長女" })
            } else {
                text(&p.zokugara)
            }
        }
        "became_resident" => Known::Value(iso(p.became_resident)),
        "address_since" => Known::Value(iso(p.address_since)),
        "notified_on" => Known::Value(iso(p.notified_on)),
        "previous_address" => opt_text(p.previous_address.clone()),
        "address" => text(&w.address),
        "head" => text(w.members[0].name()),
        "honseki" => opt_text(p.koseki_of.as_ref().map(|k| k.0.clone())),
        "hittosha" => opt_text(p.koseki_of.as_ref().map(|k| k.1.clone())),
        "kojin_bango" => text(&p.kojin_bango),
        "jumin_code" => {
            let n = digit_len(d, 11);
            let mut s = p.jumin_code.clone();
            s.truncate(n);
            while s.len() < n {
                s.push('0');
            }
            text(s)
        }
        "nationality" => opt_text(f.map(|f| f.nationality)),
        "kubun" => opt_text(f.map(|f| f.kubun)),
        "status" => opt_text(f.and_then(|f| f.status)),
        "period" => opt_text(f.and_then(|f| f.period)),
        "expiry" => opt_date(f.and_then(|f| f.expiry)),
        "card_number" => opt_text(f.and_then(|f| f.card_number.clone())),
        "father" => opt_text(p.father.clone()),
        "mother" => opt_text(p.mother.clone()),
        "removed" => match d.kind {
            FieldKind::Bool => Known::Value(Json::Bool(p.removed)),
            _ if p.removed => text("除籍"),
            _ => Known::Absent,
        },
        "events" if d.kind == FieldKind::List => list_of(g, w, d, &p.events, Scope::Event),
        _ => Known::Unknown,
    }
}

fn known_event(e: &Event, name: &str) -> Known {
    match name {
        "kind" => text(e.kind),
        "date" => Known::Value(iso(e.date)),
        "place" => opt_text(e.place.clone()),
        "notified_on" => opt_date(e.notified_on),
        "notifier" => opt_text(e.notifier.clone()),
        "spouse" => opt_text(e.spouse.clone()),
        "former_honseki" => opt_text(e.former_honseki.clone()),
        "reason" => opt_text(e.reason),
        _ => Known::Unknown,
    }
}

fn digit_len(d: &FieldDecl, want: usize) -> usize {
    let lo = d.min.unwrap_or(1).max(1);
    let hi = d.max.unwrap_or(20).max(lo);
    want.clamp(lo, hi)
}

/// A value for a field the generator has no convention for, by its type (and a hint from its
/// name).
fn fallback(g: &mut Gen, w: &World, scope: Scope<'_>, name: &str, d: &FieldDecl) -> Json {
    let person = match scope {
        Scope::Person(p) => p,
        _ => &w.members[w.subject],
    };
    match d.kind {
        FieldKind::Text => {
            if let Some(c) = pick_choice(g, d) {
                return c;
            }
            let s = if ["address", "place", "honseki", "jusho"]
                .iter()
                .any(|k| name.contains(k))
            {
                other_short(g)
            } else if name.contains("kana") {
                person.kana()
            } else if name.contains("name") || name.contains("spouse") || name.contains("notifier")
            {
                person.name()
            } else {
                "見本".to_string()
            };
            Json::String(s)
        }
        FieldKind::Date => {
            let future = ["expiry", "until", "move_out", "planned", "yotei"]
                .iter()
                .any(|k| name.contains(k));
            if future && !d.past {
                iso(g.issued + g.rng.between(7, years(2)))
            } else {
                let lo = person.birth.max(days(day(1990, 1, 1))).min(g.issued);
                iso(g.date_in(lo, g.issued))
            }
        }
        FieldKind::Bool => Json::Bool(false),
        FieldKind::Digits => Json::String(g.digits(digit_len(d, 8))),
        FieldKind::KojinBango => Json::String(g.kojin_bango()),
        FieldKind::Image => seal_image(&person.surname, g.seed).unwrap_or(Json::Null),
        FieldKind::List => {
            let max = d.max.unwrap_or(3).min(3);
            let min = d.min.unwrap_or(0).min(max);
            let n = g.rng.between(min.max(1) as i32, max.max(1) as i32) as usize;
            let n = n.max(min);
            Json::Array(
                (0..n)
                    .map(|_| Json::Object(fill(g, w, &d.item, Scope::Other)))
                    .collect(),
            )
        }
    }
}

fn pick_choice(g: &mut Gen, d: &FieldDecl) -> Option<Json> {
    if d.choices.is_empty() {
        None
    } else {
        Some(Json::String(
            d.choices[g.rng.below(d.choices.len())].clone(),
        ))
    }
}

/// Makes a value fit its declaration: a text in `choices` (or one of them), at most `max`
/// characters, non-empty when required.
fn conform(g: &mut Gen, v: Json, d: &FieldDecl) -> Option<Json> {
    if d.kind != FieldKind::Text {
        return Some(v);
    }
    let Json::String(s) = v else {
        return Some(v);
    };
    if !d.choices.is_empty() && !d.choices.contains(&s) {
        return pick_choice(g, d);
    }
    let max = d.max.unwrap_or(200);
    let mut s: String = s.chars().take(max).collect();
    while s.ends_with(['　', ' ']) {
        s.pop();
    }
    if s.is_empty() {
        if d.required {
            s = "見".to_string();
        } else {
            return None;
        }
    }
    Some(Json::String(s))
}

/// A registered seal: a round 丸印 of the surname (variation selectors dropped, at most four
/// characters), 10.5–18 mm, scanned as a fake registration PNG at 300 dpi.
fn seal_image(surname: &str, seed: u64) -> Option<Json> {
    let clean: String = surname
        .chars()
        .filter(|c| {
            !c.is_whitespace() && !matches!(u32::from(*c), 0xFE00..=0xFE0F | 0xE0100..=0xE01EF)
        })
        .take(4)
        .collect();
    let mut r = Rng(ChaCha20Rng::seed_from_u64(seed ^ 0x5EA1));
    let tenths = 105 + r.u64() % 76;
    let diameter = tenths as f32 / 10.0;
    let items = marume(&clean, diameter, seed)
        .or_else(|_| marume("見本", diameter, seed))
        .ok()?;
    let png = rasterise_for_registration(&items, 300, seed).ok()?;
    let mut obj = Map::new();
    obj.insert(
        "base64".into(),
        Json::String(base64::engine::general_purpose::STANDARD.encode(png)),
    );
    obj.insert(
        "size_mm".into(),
        serde_json::Number::from_f64(tenths as f64 / 10.0).map_or(Json::Null, Json::Number),
    );
    Some(Json::Object(obj))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::Arc;

    use super::*;
    use crate::layout::{bind, default_layout_dir, Catalog, Composer, Request, Value};
    use crate::seal::{decode_impression, ImpressionScale};
    use crate::text::FontDb;

    fn issued() -> Date {
        Date::new(2026, 11, 24).unwrap()
    }

    fn catalog() -> Catalog {
        Catalog::load_dir(&default_layout_dir()).unwrap()
    }

    fn is_vs(c: char) -> bool {
        matches!(u32::from(c), 0xFE00..=0xFE0F | 0xE0100..=0xE01EF)
    }

    /// Base characters with their variation selector, if any.
    fn clusters(s: &str) -> Vec<(char, Option<char>)> {
        let mut out: Vec<(char, Option<char>)> = Vec::new();
        for c in s.chars() {
            match out.last_mut() {
                Some(last) if is_vs(c) => last.1 = Some(c),
                _ => out.push((c, None)),
            }
        }
        out
    }

    #[test]
    fn rare_surnames_are_in_one_face_of_each_chain() {
        let db = FontDb::shared().unwrap();
        for family in ["mincho", "mj"] {
            let chain = db.chain(family).unwrap();
            for (s, _) in RARE_SURNAMES {
                // A name is set in one face: some face of the chain must hold every cluster.
                let ok = chain.iter().any(|&f| {
                    let face = db.get(f).face();
                    clusters(s).iter().all(|&(c, vs)| match vs {
                        Some(v) => face.glyph_variation_index(c, v).is_some(),
                        None => face.glyph_index(c).is_some(),
                    })
                });
                assert!(
                    ok,
                    "{s} ({:?}) is not in one face of {family}",
                    s.chars()
                        .map(|c| format!("U+{:04X}", u32::from(c)))
                        .collect::<Vec<_>>()
                );
            }
        }
    }

    #[test]
    fn rare_surnames_render_in_the_name_box() {
        let c = Arc::new(catalog());
        let composer = Composer::new(FontDb::shared().unwrap(), c);
        let members: Vec<Json> = RARE_SURNAMES
            .iter()
            .map(|(s, k)| {
                serde_json::json!({"name": format!("{s}　宗右衛門"), "kana": format!("{k}　ソウエモン"),
                    "birth_date": "1989-01-08", "gender": "男"})
            })
            .collect();
        for layout in ["juminhyo", "kisai-jiko"] {
            let data = serde_json::json!({"address": "見本県見本市本町一丁目2番3号", "head": "見本　太郎", "members": members});
            let req = Request {
                layout,
                municipality: "mihon-shi",
                data: &data,
                items: None,
                serial: "1",
                issued_on: issued(),
            };
            composer
                .compose(&req)
                .unwrap_or_else(|e| panic!("{layout}: {e}"));
        }
    }

    #[test]
    fn same_seed_same_data_other_seed_other_data() {
        let c = catalog();
        for t in c.layouts() {
            let a = sample(t, 7, issued());
            assert_eq!(a, sample(t, 7, issued()), "{}", t.id);
            assert_ne!(a, sample(t, 8, issued()), "{}", t.id);
        }
    }

    #[test]
    fn binds_for_every_layout_with_every_item() {
        let c = catalog();
        for t in c.layouts() {
            let all: Vec<String> = t.options.keys().cloned().collect();
            for seed in 1..=25 {
                let v = sample(t, seed, issued());
                for items in [None, Some(all.as_slice())] {
                    bind(t, &v, items, issued())
                        .unwrap_or_else(|e| panic!("{} seed {seed}: {e}", t.id));
                }
            }
        }
    }

    fn d(v: &Json, k: &str) -> Option<i32> {
        v.get(k)
            .and_then(Json::as_str)
            .map(|s| days(Date::parse_iso(s).unwrap()))
    }

    #[test]
    fn dates_identifiers_and_lengths_are_consistent() {
        let c = catalog();
        let t = c.layout("tenshutsu").unwrap();
        let today = days(issued());
        for seed in 1..=80 {
            let v = sample(t, seed, issued());
            assert!(d(&v, "move_out_date").unwrap() > today);
            for m in v["members"].as_array().unwrap() {
                let birth = d(m, "birth_date").unwrap();
                let became = d(m, "became_resident").unwrap();
                let since = d(m, "address_since").unwrap();
                let notified = d(m, "notified_on").unwrap();
                assert!(birth <= became && became <= today, "seed {seed}: {m}");
                assert!(
                    birth <= since && since <= notified && notified <= today,
                    "seed {seed}: {m}"
                );
                assert!(notified - since <= 13, "seed {seed}: {m}");
                let code = m["jumin_code"].as_str().unwrap();
                assert!(code.len() == 11 && code.bytes().all(|b| b.is_ascii_digit()));
                assert!(crate::layout::kojin_bango_valid(
                    m["kojin_bango"].as_str().unwrap()
                ));
                if let Some(e) = d(m, "expiry") {
                    assert!(e > today, "seed {seed}: {m}");
                }
                if let Some(card) = m.get("card_number").and_then(Json::as_str) {
                    let b = card.as_bytes();
                    assert!(
                        b.len() == 12
                            && b[..2].iter().chain(&b[10..]).all(u8::is_ascii_uppercase)
                            && b[2..10].iter().all(u8::is_ascii_digit),
                        "{card}"
                    );
                }
                if m.get("nationality").is_some() {
                    assert!(m.get("honseki").is_none() && m.get("hittosha").is_none());
                } else {
                    assert!(m.get("kubun").is_none() && m.get("card_number").is_none());
                }
            }
        }
    }

    #[test]
    fn covers_the_hard_cases_across_seeds() {
        let c = catalog();
        let t = c.layout("juminhyo").unwrap();
        let (mut sizes, mut nations, mut kubun, mut statuses) = (
            BTreeSet::new(),
            BTreeSet::new(),
            BTreeSet::new(),
            BTreeSet::new(),
        );
        let (mut dates, mut surnames, mut relationships) =
            (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        let (mut long_addresses, mut aliases, mut long_latin) = (0, 0, 0);
        for seed in 1..=1000 {
            let v = sample(t, seed, issued());
            let a = v["address"].as_str().unwrap().chars().count();
            assert!(a <= 80);
            if a >= 60 {
                long_addresses += 1;
            }
            let ms = v["members"].as_array().unwrap();
            sizes.insert(ms.len());
            for m in ms {
                for k in ["birth_date", "became_resident", "address_since"] {
                    dates.insert(m[k].as_str().unwrap().to_string());
                }
                let name = m["name"].as_str().unwrap();
                surnames.insert(name.split('　').next().unwrap().to_string());
                relationships.insert(m["relationship"].as_str().unwrap().to_string());
                if name.chars().filter(char::is_ascii_alphabetic).count() >= 40 {
                    long_latin += 1;
                }
                aliases += usize::from(m.get("alias").is_some());
                for (k, set) in [
                    ("nationality", &mut nations),
                    ("kubun", &mut kubun),
                    ("status", &mut statuses),
                ] {
                    if let Some(x) = m.get(k).and_then(Json::as_str) {
                        set.insert(x.to_string());
                    }
                }
            }
        }
        assert_eq!(sizes, (1..=12).collect(), "household sizes");
        assert_eq!(nations.len(), 6, "{nations:?}");
        assert_eq!(kubun.len(), 6, "{kubun:?}");
        assert_eq!(statuses.len(), 7, "{statuses:?}");
        for b in BOUNDARY {
            let s = format!("{:04}-{:02}-{:02}", b.year, b.month, b.day);
            assert!(dates.contains(&s), "no {s}");
        }
        for (s, _) in RARE_SURNAMES {
            assert!(surnames.contains(s), "no {s}");
        }
        for r in [
            "世帯主",
            "妻",
            "夫",
            "子",
            "子の妻",
            "子の夫",
            "孫",
            "父",
            "母",
            "同居人",
        ] {
            assert!(relationships.contains(r), "no {r}");
        }
        assert!(long_addresses > 300 && aliases > 30 && long_latin > 0);
        // 飯塚 keeps its compatibility ideograph (never normalised).
        assert!(surnames.contains("飯\u{FA10}"));
    }

    #[test]
    fn fills_koseki_and_seal_fields_by_convention_and_the_rest_by_type() {
        let toml = r#"
id = "x"
title = "t"
certificate = "c"
mode = "vertical"
[fields]
honseki = { type = "text", required = true, max = 80 }
hittosha = { type = "text", required = true, max = 30 }
compiled_on = { type = "date", required = true, past = true }
registration_number = { type = "digits", required = true, min = 6, max = 8 }
seal = { type = "image", required = true }
mystery = { type = "text", required = true, max = 5, choices = ["甲", "乙"] }
odd_number = { type = "digits", required = true, min = 4, max = 4 }
[fields.koseki_events]
type = "list"
[fields.koseki_events.item]
kind = { type = "text", required = true }
date = { type = "date", required = true, past = true }
reason = { type = "text" }
[fields.persons]
type = "list"
min = 1
[fields.persons.item]
name = { type = "text", required = true, max = 10, label = "名" }
birth_date = { type = "date", required = true, past = true }
father = { type = "text", max = 30 }
mother = { type = "text", max = 30 }
zokugara = { type = "text", required = true, max = 4 }
removed = { type = "bool" }
[fields.persons.item.events]
type = "list"
[fields.persons.item.events.item]
kind = { type = "text", required = true, choices = ["出生", "婚姻", "死亡"] }
date = { type = "date", required = true, past = true }
place = { type = "text" }
notified_on = { type = "date", past = true }
notifier = { type = "text" }
spouse = { type = "text" }
former_honseki = { type = "text" }
"#;
        let t = Template::parse("x.toml", toml).unwrap();
        let mut removed = 0;
        for seed in 1..=6 {
            let v = sample(&t, seed, issued());
            let b = bind(&t, &v, None, issued()).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            assert!(["甲", "乙"].contains(&v["mystery"].as_str().unwrap()));
            let persons = v["persons"].as_array().unwrap();
            let first = &persons[0];
            // 【名】 only: the label asks for the given name.
            assert!(!first["name"].as_str().unwrap().contains('　'), "{first}");
            assert!(["男", "女"]
                .iter()
                .any(|s| first["zokugara"].as_str().unwrap().ends_with(s)));
            let events = first["events"].as_array().unwrap();
            assert_eq!(events[0]["kind"], "出生");
            assert_eq!(events[0]["date"], first["birth_date"]);
            removed += persons.iter().filter(|p| p["removed"] == true).count();
            assert!(!v["koseki_events"].as_array().unwrap().is_empty());
            let Some(Value::Image(img)) = b.fields.get("seal") else {
                panic!("no seal")
            };
            let size = img.size_mm.unwrap();
            assert!((10.5..=18.1).contains(&size));
            let imp = decode_impression(&img.bytes, ImpressionScale::SizeMm(size), "seal").unwrap();
            let (w, h) = imp.size_mm();
            assert!((w.max(h) - size).abs() < 0.01, "{w}×{h} vs {size}");
        }
        assert!(removed > 0, "no 除籍 member in six seeds");
    }
}
