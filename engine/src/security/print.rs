//! The security print settings of a certificate (`[security]` in a municipality profile, with
//! optional per-layout overrides): which measures are printed, in which ink, how dense, and
//! where the back side's reserved areas lie. Documented in layouts/README.md, "Security print".

use serde::{Deserialize, Serialize};

use super::{DotSet, GuillocheConfig, LatentConfig, LatentVariant, MM_PER_PX};
use crate::display::Ink;
use crate::error::{Error, Result};

/// The ink a security measure is printed in (a solid colorant: never a tint).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrintInk {
    /// Pure K (the default for every measure).
    #[default]
    Black,
    /// The seal vermilion plane.
    Red,
}

impl PrintInk {
    /// The display-list ink.
    pub fn ink(self) -> Ink {
        match self {
            PrintInk::Black => Ink::Black,
            PrintInk::Red => Ink::Red,
        }
    }
}

/// Every security measure of a certificate. `Default` is everything on (security-print.md §1–§3).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecurityPrint {
    /// Master switch: false prints no security layer at all (and no back side). Default: true.
    pub enabled: bool,
    /// Every certificate is a duplex job: each front page is followed by its back page.
    /// Default: true.
    pub back_side: bool,
    /// Distance from the paper edge to the outer edge of the security frame (the microtext
    /// loop), mm, 2–20. Default: 4 (outside most printers' unprintable margin).
    pub frame_inset_mm: f32,
    /// The copy-evident latent pattern (けん制文字).
    pub latent: LatentPrint,
    /// The microtext loop along the frame.
    pub microtext: MicrotextPrint,
    /// The guilloche border (and the back's rosette).
    pub guilloche: GuillochePrint,
    /// The back side: explanation and reserved areas.
    pub back: BackPrint,
}

impl Default for SecurityPrint {
    fn default() -> Self {
        SecurityPrint {
            enabled: true,
            back_side: true,
            frame_inset_mm: 4.0,
            latent: LatentPrint::default(),
            microtext: MicrotextPrint::default(),
            guilloche: GuillochePrint::default(),
            back: BackPrint::default(),
        }
    }
}

/// The copy-evident latent pattern (security-print.md §1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LatentPrint {
    /// Print it. Default: true.
    pub enabled: bool,
    /// On the front pages. Default: true.
    pub front: bool,
    /// On the back pages. Default: true.
    pub back: bool,
    /// Ink. Default: black.
    pub ink: PrintInk,
    /// Dot set (density): `"A"` 16 % coverage, `"B"` 11.1 % (lighter), `"C"` 11.1 % with 1-px
    /// dots. Default: A.
    pub dot_set: DotSet,
    /// The hidden word; none takes the profile's `latent_word` (複写).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub word: Option<String>,
    /// Em size of the word, mm (10–40; design range 15–30). Default: 28.
    pub word_height_mm: f32,
    /// Rotation of the word rows, degrees (−45…45; design 10–30). Default: 20.
    pub angle_deg: f32,
    /// Row pitch of the tiled word, mm (≥ 1.5 × word height). Default: 60.
    pub tile_mm: f32,
    /// `"surviving"` (the word copies dark) or `"dropout"` (it copies white). Default: surviving.
    pub variant: LatentVariant,
    /// Wave knock-out lines and a jittered word edge. Default: true.
    pub camouflage: bool,
    /// Per-printer coverage trim of the background dots, −1…1. Default: 0.
    pub bg_trim: f32,
}

impl Default for LatentPrint {
    fn default() -> Self {
        let c = LatentConfig::default();
        LatentPrint {
            enabled: true,
            front: true,
            back: true,
            ink: PrintInk::Black,
            dot_set: c.dot_set,
            word: None,
            word_height_mm: c.word_height_mm,
            angle_deg: c.angle_deg,
            tile_mm: c.tile_mm,
            variant: c.variant,
            camouflage: c.camouflage,
            bg_trim: c.bg_trim,
        }
    }
}

impl LatentPrint {
    /// The generator's configuration, with the profile's word and seed.
    pub fn config(&self, profile_word: &str, seed: u64) -> LatentConfig {
        LatentConfig {
            word: self
                .word
                .clone()
                .unwrap_or_else(|| profile_word.to_string()),
            dot_set: self.dot_set,
            word_height_mm: self.word_height_mm,
            angle_deg: self.angle_deg,
            tile_mm: self.tile_mm,
            variant: self.variant,
            camouflage: self.camouflage,
            bg_trim: self.bg_trim,
            seed,
        }
    }
}

/// The microtext loop (security-print.md §2).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MicrotextPrint {
    /// Print it. Default: true.
    pub enabled: bool,
    /// On the front pages. Default: true.
    pub front: bool,
    /// On the back pages. Default: true.
    pub back: bool,
    /// Ink. Default: black.
    pub ink: PrintInk,
    /// Character height, mm, 0.2–0.3 (rounded to whole 6-px font rows at 600 dpi: 0.26 mm is
    /// 1 px per font pixel). Default: 0.26.
    pub height_mm: f32,
    /// The repeated text (A–Z, 0–9, '-', space); none gives the profile's id in capitals and its
    /// 団体コード (`MIHON-SHI 999991`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A per-request line with the certificate's serial on the top edge. Default: true.
    pub serial: bool,
    /// Length of the serial line at the right end of the top edge, mm (20–150). Default: 80.
    pub serial_mm: f32,
}

impl Default for MicrotextPrint {
    fn default() -> Self {
        MicrotextPrint {
            enabled: true,
            front: true,
            back: true,
            ink: PrintInk::Black,
            height_mm: 0.26,
            text: None,
            serial: true,
            serial_mm: 80.0,
        }
    }
}

impl MicrotextPrint {
    /// The glyph height actually set: whole 6-px font rows at 600 dpi, mm.
    pub fn set_height_mm(&self) -> f32 {
        let module = (f64::from(self.height_mm) / MM_PER_PX / 6.0)
            .round()
            .max(1.0);
        (module * 6.0 * MM_PER_PX) as f32
    }
}

/// The guilloche border and rosette (security-print.md §3).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GuillochePrint {
    /// Print it. Default: true.
    pub enabled: bool,
    /// On the front pages. Default: true.
    pub front: bool,
    /// On the back pages. Default: true.
    pub back: bool,
    /// Ink. Default: black.
    pub ink: PrintInk,
    /// Width of the woven band, mm (1–30). Default: 3.
    pub band_mm: f32,
    /// Length of one repeat along the frame, mm (10–300). Default: 40.
    pub repeat_mm: f32,
    /// Line width, mm. Default: 0.0847 (2 px at 600 dpi).
    pub line_mm: f32,
    /// Woven curves (density), 1–64; 0 keeps the issuer's draw (12–48, for wide bands).
    /// Default: 6.
    pub curves: u32,
    /// The back's rosette: centre x, y and outer radius, mm; radius 0 for none.
    /// Default: [105, 258, 19].
    pub rosette: [f32; 3],
}

impl Default for GuillochePrint {
    fn default() -> Self {
        GuillochePrint {
            enabled: true,
            front: true,
            back: true,
            ink: PrintInk::Black,
            band_mm: 3.0,
            repeat_mm: 40.0,
            line_mm: (2.0 * MM_PER_PX) as f32,
            curves: 6,
            rosette: [105.0, 258.0, 19.0],
        }
    }
}

impl GuillochePrint {
    /// The generator's configuration; `rosette` adds the rosette.
    pub fn config(&self, rosette: bool) -> GuillocheConfig {
        GuillocheConfig {
            band_mm: self.band_mm,
            repeat_mm: self.repeat_mm,
            line_mm: self.line_mm,
            rosette: (rosette && self.rosette[2] > 0.0).then_some((
                self.rosette[0],
                self.rosette[1],
                self.rosette[2],
            )),
            curves: (self.curves > 0).then_some(self.curves),
        }
    }
}

/// The back side: the explanation for the recipient and the areas reserved for the
/// verification features (x, y, w, h in mm, A4 portrait defaults). Reserved areas stay blank:
/// no latent dots, no text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackPrint {
    /// Print the explanation (title and text). Default: true.
    pub explanation: bool,
    /// Box of the explanation, mm. Default: [15, 12, 180, 50].
    pub explanation_mm: [f32; 4],
    /// Scrambled image of the front (スクランブル画像, security-print.md §4), mm. Default:
    /// [15, 66, 180, 160] (about 700 × 630 modules of 6 px).
    pub scramble_mm: [f32; 4],
    /// Infrared detection image (偽造・改ざん防止検出画像, §5), mm. Default: [15, 236, 45, 45].
    pub ir_mm: [f32; 4],
    /// Print the infrared latent image (a DeviceCMYK rosette hiding 証 in K; only the PDF
    /// carries it) in `ir_mm`. Default: true.
    pub ir: bool,
    /// Signed 2D code (§6), mm. Default: [152, 238, 40, 40] (V7-M at 12 px a module with its
    /// quiet zone is 27 mm).
    pub code_mm: [f32; 4],
    /// Small captions under the reserved areas. Default: true.
    pub captions: bool,
}

impl Default for BackPrint {
    fn default() -> Self {
        BackPrint {
            explanation: true,
            explanation_mm: [15.0, 12.0, 180.0, 50.0],
            scramble_mm: [15.0, 66.0, 180.0, 160.0],
            ir_mm: [15.0, 236.0, 45.0, 45.0],
            ir: true,
            code_mm: [152.0, 238.0, 40.0, 40.0],
            captions: true,
        }
    }
}

fn bad(file: &str, key: &str, msg: &str) -> Error {
    Error::config(file, format!("security.{key}"), msg)
}

fn merge(dst: &mut toml::Table, src: &toml::Table) {
    for (k, v) in src {
        match (dst.get_mut(k), v) {
            (Some(toml::Value::Table(d)), toml::Value::Table(s)) => merge(d, s),
            _ => {
                dst.insert(k.clone(), v.clone());
            }
        }
    }
}

impl SecurityPrint {
    /// These settings with a layout's overrides applied (`[security]` of a layout: the same
    /// keys as a profile's, each optional). `file` names the layout in errors.
    pub fn with_overrides(&self, overrides: &toml::Table, file: &str) -> Result<SecurityPrint> {
        if overrides.is_empty() {
            return Ok(self.clone());
        }
        let mut t = toml::Table::try_from(self)
            .map_err(|e| Error::config(file, "security", e.to_string()))?;
        merge(&mut t, overrides);
        let s: SecurityPrint = toml::Value::Table(t)
            .try_into()
            .map_err(|e: toml::de::Error| Error::config(file, "security", e.message()))?;
        s.validate(file)?;
        Ok(s)
    }

    /// Checks every range; errors name `security.<key>` in `file`.
    pub fn validate(&self, file: &str) -> Result<()> {
        if !(2.0..=20.0).contains(&self.frame_inset_mm) {
            return Err(bad(file, "frame_inset_mm", "a distance of 2–20 mm"));
        }
        let l = &self.latent;
        if !(10.0..=40.0).contains(&l.word_height_mm) {
            return Err(bad(
                file,
                "latent.word_height_mm",
                "10–40 mm (design 15–30)",
            ));
        }
        if !(-45.0..=45.0).contains(&l.angle_deg) {
            return Err(bad(file, "latent.angle_deg", "−45…45 degrees"));
        }
        if !(l.tile_mm >= 1.5 * l.word_height_mm && l.tile_mm <= 200.0) {
            return Err(bad(
                file,
                "latent.tile_mm",
                "1.5 × word_height_mm to 200 mm",
            ));
        }
        if !(-1.0..=1.0).contains(&l.bg_trim) {
            return Err(bad(file, "latent.bg_trim", "a fraction in −1…1"));
        }
        if l.word.as_ref().is_some_and(|w| w.trim().is_empty()) {
            return Err(bad(file, "latent.word", "a word of at least one character"));
        }
        let m = &self.microtext;
        if !(0.2..=0.3).contains(&m.height_mm) {
            return Err(bad(
                file,
                "microtext.height_mm",
                "0.2–0.3 mm (0.26 is 6 px)",
            ));
        }
        if !(20.0..=150.0).contains(&m.serial_mm) {
            return Err(bad(file, "microtext.serial_mm", "20–150 mm"));
        }
        if let Some(t) = &m.text {
            let ok = |c: char| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == ' ';
            if t.trim().is_empty() || !t.chars().all(ok) {
                return Err(bad(
                    file,
                    "microtext.text",
                    "upper-case romaji, digits, '-' and spaces (the microtext font has no more)",
                ));
            }
        }
        let g = &self.guilloche;
        if !(1.0..=30.0).contains(&g.band_mm) {
            return Err(bad(file, "guilloche.band_mm", "1–30 mm"));
        }
        if !(10.0..=300.0).contains(&g.repeat_mm) {
            return Err(bad(file, "guilloche.repeat_mm", "10–300 mm"));
        }
        if !(g.line_mm > 0.0 && g.line_mm <= 0.5) {
            return Err(bad(file, "guilloche.line_mm", "(0, 0.5] mm; 2 px = 0.0847"));
        }
        if g.curves > 64 {
            return Err(bad(
                file,
                "guilloche.curves",
                "0 (the issuer's draw) or 1–64",
            ));
        }
        if !(0.0..=150.0).contains(&g.rosette[2]) {
            return Err(bad(
                file,
                "guilloche.rosette",
                "a radius of 0 (none) to 150 mm",
            ));
        }
        let b = &self.back;
        for (k, r) in [
            ("back.explanation_mm", b.explanation_mm),
            ("back.scramble_mm", b.scramble_mm),
            ("back.ir_mm", b.ir_mm),
            ("back.code_mm", b.code_mm),
        ] {
            if !(r[2] > 0.0 && r[3] > 0.0 && r[0] >= 0.0 && r[1] >= 0.0) {
                return Err(bad(file, k, "x, y ≥ 0 and a positive width and height, mm"));
            }
        }
        Ok(())
    }

    /// Whether a front page is followed by a back page.
    pub fn duplex(&self) -> bool {
        self.enabled && self.back_side
    }
}
