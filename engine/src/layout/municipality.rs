//! Municipality profiles (`layouts/municipalities/*.toml`): name, 団体コード, the mayor, the
//! official seal, the contact line, security print settings, and whether it is a specimen.

use serde::Deserialize;

use crate::error::{Error, Result};

/// How the official seal is made.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OfficialSeal {
    /// Text of a generated 角印, read in the traditional order (見本市長之印).
    pub text: String,
    /// Side of the square, mm. Default: 21.
    #[serde(default = "default_seal_size")]
    pub size_mm: f32,
    /// Border weight, mm. Default: 1.2.
    #[serde(default = "default_border")]
    pub border_mm: f32,
    /// Seed of the ink texture; none for a flat impression.
    #[serde(default)]
    pub texture_seed: Option<u64>,
    /// Image asset (PNG or SVG) instead of generating from text, relative to the profile.
    #[serde(default)]
    pub image: Option<String>,
}

fn default_seal_size() -> f32 {
    21.0
}

fn default_border() -> f32 {
    1.2
}

/// A municipality.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Municipality {
    /// Id (the file stem).
    pub id: String,
    /// 都道府県.
    pub prefecture: String,
    /// 市区町村 (見本市).
    pub name: String,
    /// 団体コード, six digits.
    pub code: String,
    /// The mayor's title as printed (見本市長).
    pub mayor_title: String,
    /// The mayor's name as printed (fictitious).
    pub mayor_name: String,
    /// Contact line (課, telephone).
    pub contact: String,
    /// Prefix of the issuance serial.
    #[serde(default)]
    pub serial_prefix: String,
    /// A specimen profile puts a visible 見本 mark on every page.
    pub specimen: bool,
    /// The official seal.
    pub seal: OfficialSeal,
    /// Seed of the municipality's own guilloche and textures.
    #[serde(default)]
    pub seed: u64,
    /// The latent word of the copy-evident background. Default: 複写.
    #[serde(default = "default_latent")]
    pub latent_word: String,
    /// Security print (latent pattern, microtext, guilloche, back side). Default: all on.
    #[serde(default)]
    pub security: crate::security::SecurityPrint,
}

fn default_latent() -> String {
    "複写".into()
}

impl Municipality {
    /// Parses and checks a profile.
    pub fn parse(file: &str, text: &str) -> Result<Municipality> {
        let m: Municipality =
            toml::from_str(text).map_err(|e| Error::config(file, "", e.message().to_string()))?;
        if m.code.len() != 6 || !m.code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::config(file, "code", "団体コード must be six digits"));
        }
        if !(8.0..=40.0).contains(&m.seal.size_mm) {
            return Err(Error::config(
                file,
                "seal.size_mm",
                "an official seal is 8 to 40 mm",
            ));
        }
        if m.seal.text.chars().count() == 0 && m.seal.image.is_none() {
            return Err(Error::config(
                file,
                "seal",
                "give the seal's text or an image",
            ));
        }
        m.security.validate(file)?;
        Ok(m)
    }

    /// 都道府県 + 市区町村.
    pub fn full_name(&self) -> String {
        format!("{}{}", self.prefecture, self.name)
    }
}
