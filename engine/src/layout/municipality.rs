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

/// The municipality's signing key for the 2D code.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Signing {
    /// Key id printed in the code.
    pub key_id: u8,
    /// The public key, base64 of 32 bytes (what verifiers trust).
    pub public_key: String,
    /// Environment variable holding the private key (base64 of the 32-byte seed); tried first.
    #[serde(default)]
    pub private_key_env: Option<String>,
    /// File holding the private key, relative to the profile; used when the variable is unset.
    #[serde(default)]
    pub private_key_file: Option<String>,
    /// A test key shipped with a specimen profile: its private half is public knowledge.
    #[serde(default)]
    pub test_key: bool,
}

/// The municipality's scramble master secret (security-print.md §4): 32 bytes, base64.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScrambleSecret {
    /// Environment variable holding the key (base64 of 32 bytes); tried first.
    #[serde(default)]
    pub key_env: Option<String>,
    /// File holding the key, relative to the profile; used when the variable is unset.
    #[serde(default)]
    pub key_file: Option<String>,
    /// A test key shipped with a specimen profile: public knowledge.
    #[serde(default)]
    pub test_key: bool,
}

/// A municipality.
#[derive(Clone, Debug, Deserialize)]
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
    /// The key that signs the 2D code; none prints no code.
    #[serde(default)]
    pub signing: Option<Signing>,
    /// The private key, loaded at start-up (never logged, never printed).
    #[serde(skip)]
    pub signer: Option<crate::signed::PrivateKey>,
    /// Where the scramble master secret comes from; none prints no scrambled image.
    #[serde(default)]
    pub scramble: Option<ScrambleSecret>,
    /// The scramble master secret, loaded at start-up (never logged, never printed).
    #[serde(skip)]
    pub scrambler: Option<crate::security::scramble::ScrambleKey>,
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

    /// Loads the private signing key named by the profile (`dir` is the profile's directory):
    /// from the environment variable if it is set, else from the file. A profile with a public
    /// key but no private key can verify, not sign.
    pub fn load_signer(&mut self, file: &str, dir: &std::path::Path) -> Result<()> {
        let Some(s) = &self.signing else {
            return Ok(());
        };
        let public = crate::signed::parse_public_key(&s.public_key, file)?;
        let text = match (&s.private_key_env, &s.private_key_file) {
            (Some(var), _) if std::env::var_os(var).is_some() => {
                std::env::var(var).map_err(|_| {
                    Error::config(
                        file,
                        "signing.private_key_env",
                        "the variable is not valid UTF-8",
                    )
                })?
            }
            (_, Some(f)) => std::fs::read_to_string(dir.join(f)).map_err(|e| {
                Error::config(
                    file,
                    "signing.private_key_file",
                    format!("cannot read: {e}"),
                )
            })?,
            _ => return Ok(()),
        };
        let key = crate::signed::parse_private_key(
            &text,
            s.key_id,
            &format!("{file}: signing private key"),
        )?;
        if key.public() != public {
            return Err(Error::config(
                file,
                "signing.public_key",
                "does not match the private key",
            ));
        }
        self.signer = Some(key);
        Ok(())
    }

    /// Loads the scramble master secret named by the profile (`dir` is the profile's
    /// directory): from the environment variable if it is set, else from the file. A profile
    /// that names neither prints no scrambled image and cannot descramble.
    pub fn load_scrambler(&mut self, file: &str, dir: &std::path::Path) -> Result<()> {
        let Some(s) = &self.scramble else {
            return Ok(());
        };
        let text = match (&s.key_env, &s.key_file) {
            (Some(var), _) if std::env::var_os(var).is_some() => {
                std::env::var(var).map_err(|_| {
                    Error::config(file, "scramble.key_env", "the variable is not valid UTF-8")
                })?
            }
            (_, Some(f)) => std::fs::read_to_string(dir.join(f)).map_err(|e| {
                Error::config(file, "scramble.key_file", format!("cannot read: {e}"))
            })?,
            _ => return Ok(()),
        };
        let key =
            crate::security::scramble::ScrambleKey::parse(&text, "scramble key").map_err(|_| {
                Error::config(
                    file,
                    "scramble",
                    "the key must be base64 of 32 bytes (e.g. `head -c32 /dev/urandom | base64`)",
                )
            })?;
        self.scrambler = Some(key);
        Ok(())
    }

    /// The 団体コード as a number.
    pub fn code_number(&self) -> u32 {
        self.code.parse().unwrap_or(0)
    }

    /// 都道府県 + 市区町村.
    pub fn full_name(&self) -> String {
        format!("{}{}", self.prefecture, self.name)
    }
}
