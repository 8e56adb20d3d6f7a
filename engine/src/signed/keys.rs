//! Ed25519 keys: generation, the file formats (base64 of the 32-byte seed or public key), key
//! ids, and the ring of public keys a verifier trusts. A private key never appears in `Debug`
//! output, logs or renders.

use std::collections::BTreeMap;

use base64::Engine as _;
use ed25519_dalek::{SigningKey, VerifyingKey};

use crate::error::{Error, Result};

/// A private signing key with its key id. `Debug` prints only the id.
#[derive(Clone)]
pub struct PrivateKey {
    key: SigningKey,
    id: u8,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey {{ id: {}, .. }}", self.id)
    }
}

impl PrivateKey {
    /// Wraps a signing key.
    pub fn from_signing_key(key: SigningKey, id: u8) -> PrivateKey {
        PrivateKey { key, id }
    }

    /// The key id.
    pub fn id(&self) -> u8 {
        self.id
    }

    /// The public half.
    pub fn public(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    /// The public key as base64, as a profile names it.
    pub fn public_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.public().as_bytes())
    }

    /// The private key file's contents: base64 of the 32-byte seed and a newline.
    pub fn to_file_contents(&self) -> String {
        format!(
            "{}\n",
            base64::engine::general_purpose::STANDARD.encode(self.key.to_bytes())
        )
    }
}

/// A new random key with `id`, from the operating system's entropy.
pub fn generate_key(id: u8) -> Result<PrivateKey> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| Error::Encode(format!("no entropy: {e}")))?;
    Ok(PrivateKey {
        key: SigningKey::from_bytes(&seed),
        id,
    })
}

/// A key id derived from a public key (its first SHA-256 byte), for `keygen` without `--id`.
pub fn key_id_of(public: &VerifyingKey) -> u8 {
    use sha2::Digest;
    sha2::Sha256::digest(public.as_bytes())[0]
}

fn b64_32(text: &str, what: &str, source: &str) -> Result<[u8; 32]> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim().as_bytes())
        .map_err(|_| Error::config(source, what, "not base64"))?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| Error::config(source, what, "expected 32 bytes"))
}

/// Parses a private key file's contents (base64 seed). `source` names it in errors (never the
/// contents).
pub fn parse_private_key(text: &str, id: u8, source: &str) -> Result<PrivateKey> {
    Ok(PrivateKey {
        key: SigningKey::from_bytes(&b64_32(text, "private key", source)?),
        id,
    })
}

/// Parses a public key (base64 of 32 bytes).
pub fn parse_public_key(text: &str, source: &str) -> Result<VerifyingKey> {
    VerifyingKey::from_bytes(&b64_32(text, "public_key", source)?)
        .map_err(|_| Error::config(source, "public_key", "not an Ed25519 public key"))
}

/// The public keys a verifier trusts, by (団体コード, key id).
#[derive(Clone, Debug, Default)]
pub struct KeyRing {
    keys: BTreeMap<(u32, u8), VerifyingKey>,
}

impl KeyRing {
    /// Adds a key.
    pub fn insert(&mut self, issuer: u32, key_id: u8, key: VerifyingKey) {
        self.keys.insert((issuer, key_id), key);
    }

    /// The key for an issuer and key id.
    pub fn get(&self, issuer: u32, key_id: u8) -> Option<&VerifyingKey> {
        self.keys.get(&(issuer, key_id))
    }

    /// Every key.
    pub fn iter(&self) -> impl Iterator<Item = &VerifyingKey> {
        self.keys.values()
    }

    /// Whether the ring is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}
