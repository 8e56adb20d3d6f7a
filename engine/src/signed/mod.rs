//! The signed 2D code: a compact, versioned payload naming the issuer, the certificate, the
//! serial, the issue time, the page and a digest of every printed field, signed with the
//! municipality's Ed25519 key and printed as a QR code; and its verification.
//!
//! Payload, version 1 (100 bytes, big-endian):
//!
//! | bytes | field |
//! | --- | --- |
//! | 0 | format version (1) |
//! | 1–3 | 団体コード, six decimal digits as a 24-bit integer |
//! | 4 | key id |
//! | 5 | certificate type ([`doc_type`]) |
//! | 6–13 | serial number (u64) |
//! | 14–15 | issue date, days since 2000-01-01 |
//! | 16–17 | issue time, minutes since midnight (JST) |
//! | 18, 19 | page number, page count |
//! | 20–35 | digest: the first 16 bytes of SHA-256 over the canonical certificate data |
//! | 36–99 | Ed25519 signature over `"shomei-seal-v1" ‖ bytes 0–35` |
//!
//! The payload reveals nothing that is not printed: the digest is one-way, the rest is printed
//! on the page. The canonical data ([`canonical_digest`]) is every bound field as sent, sorted
//! by its JSON path, each written `len ‖ path ‖ len ‖ value` (lengths as LEB128 varints), with the
//! chosen optional items as `$items`; no Unicode normalisation (戸籍 variants survive).

mod keys;
mod qr;

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::layout::{Bound, Record, Value};

pub use keys::{generate_key, key_id_of, parse_private_key, parse_public_key, KeyRing, PrivateKey};
pub use qr::{decode_codes, qr_mask, MODULE_PX, QR_DPI};

/// Format version written by this engine.
pub const VERSION: u8 = 1;
/// Length of a version-1 payload.
pub const PAYLOAD_LEN: usize = 100;
const SIGNED_LEN: usize = 36;
const CONTEXT: &[u8] = b"shomei-seal-v1";

/// The signed fields of a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Format version.
    pub version: u8,
    /// 団体コード.
    pub issuer: u32,
    /// Key id within the issuer.
    pub key_id: u8,
    /// Certificate type.
    pub doc_type: u8,
    /// Serial number.
    pub serial: u64,
    /// Issue date, days since 2000-01-01.
    pub days: u16,
    /// Minutes since midnight.
    pub minute: u16,
    /// Page number (1-based).
    pub page: u8,
    /// Page count.
    pub pages: u8,
    /// Digest of the canonical data.
    pub digest: [u8; 16],
}

impl Header {
    fn bytes(&self) -> [u8; SIGNED_LEN] {
        let mut b = [0u8; SIGNED_LEN];
        b[0] = self.version;
        b[1..4].copy_from_slice(&self.issuer.to_be_bytes()[1..4]);
        b[4] = self.key_id;
        b[5] = self.doc_type;
        b[6..14].copy_from_slice(&self.serial.to_be_bytes());
        b[14..16].copy_from_slice(&self.days.to_be_bytes());
        b[16..18].copy_from_slice(&self.minute.to_be_bytes());
        b[18] = self.page;
        b[19] = self.pages;
        b[20..36].copy_from_slice(&self.digest);
        b
    }
}

fn message(header: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(CONTEXT.len() + header.len());
    m.extend_from_slice(CONTEXT);
    m.extend_from_slice(header);
    m
}

/// Signs a header: the payload to print.
pub fn sign(header: &Header, key: &PrivateKey) -> Vec<u8> {
    let h = header.bytes();
    let sig: Signature = key.signing_key().sign(&message(&h));
    let mut out = Vec::with_capacity(PAYLOAD_LEN);
    out.extend_from_slice(&h);
    out.extend_from_slice(&sig.to_bytes());
    out
}

/// Reads the header of a payload without checking its signature.
pub fn parse(payload: &[u8]) -> std::result::Result<Header, Verdict> {
    if payload.first() != Some(&VERSION) {
        return Err(Verdict::UnsupportedVersion);
    }
    if payload.len() != PAYLOAD_LEN {
        return Err(Verdict::Altered);
    }
    let b = payload;
    let mut digest = [0u8; 16];
    digest.copy_from_slice(&b[20..36]);
    let mut serial = [0u8; 8];
    serial.copy_from_slice(&b[6..14]);
    Ok(Header {
        version: b[0],
        issuer: u32::from_be_bytes([0, b[1], b[2], b[3]]),
        key_id: b[4],
        doc_type: b[5],
        serial: u64::from_be_bytes(serial),
        days: u16::from_be_bytes([b[14], b[15]]),
        minute: u16::from_be_bytes([b[16], b[17]]),
        page: b[18],
        pages: b[19],
        digest,
    })
}

/// The outcome of a verification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The signature is valid under the issuer's key and the serial is not cancelled.
    Genuine,
    /// The signature does not match the data: the payload was altered (or forged).
    Altered,
    /// The signature is valid, but under another issuer key than the one the code names.
    WrongKey,
    /// No key is known for the issuer and key id the code names.
    UnknownKey,
    /// Genuine, but the issuer has cancelled this serial (取消).
    Cancelled,
    /// A payload of a format version this engine does not know.
    UnsupportedVersion,
}

impl Verdict {
    /// A short machine-readable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Genuine => "genuine",
            Verdict::Altered => "altered",
            Verdict::WrongKey => "wrong_key",
            Verdict::UnknownKey => "unknown_key",
            Verdict::Cancelled => "cancelled",
            Verdict::UnsupportedVersion => "unsupported_version",
        }
    }
}

/// Verifies a payload against the known keys; `cancelled(issuer, serial)` says whether the
/// issuer has cancelled that serial.
pub fn verify(
    payload: &[u8],
    keys: &KeyRing,
    cancelled: &dyn Fn(u32, u64) -> bool,
) -> (Verdict, Option<Header>) {
    let header = match parse(payload) {
        Ok(h) => h,
        Err(v) => return (v, None),
    };
    let Ok(sig) = <[u8; 64]>::try_from(&payload[SIGNED_LEN..]) else {
        return (Verdict::Altered, Some(header));
    };
    let sig = Signature::from_bytes(&sig);
    let msg = message(&payload[..SIGNED_LEN]);
    let Some(key) = keys.get(header.issuer, header.key_id) else {
        return (Verdict::UnknownKey, Some(header));
    };
    if key.verify_strict(&msg, &sig).is_ok() {
        let v = if cancelled(header.issuer, header.serial) {
            Verdict::Cancelled
        } else {
            Verdict::Genuine
        };
        return (v, Some(header));
    }
    if keys
        .iter()
        .any(|k: &VerifyingKey| k.verify(&msg, &sig).is_ok())
    {
        return (Verdict::WrongKey, Some(header));
    }
    (Verdict::Altered, Some(header))
}

/// Certificate type codes.
pub fn doc_type(certificate: &str) -> u8 {
    match certificate {
        "住民票の写し" => 1,
        "住民票記載事項証明書" => 2,
        "印鑑登録証明書" => 3,
        "戸籍全部事項証明書" => 4,
        "戸籍個人事項証明書" => 5,
        "戸籍の附票の写し" => 6,
        "転出証明書" => 7,
        _ => 0,
    }
}

/// The serial number in a printed serial: its ASCII digits, in order (`見本第000123-01号` → 12301).
pub fn serial_number(printed: &str) -> Result<u64> {
    let digits: String = printed.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() || digits.len() > 19 {
        return Err(Error::input(
            "serial",
            "expected a serial with 1 to 19 ASCII digits, e.g. 見本第000123-01号",
        ));
    }
    digits
        .parse()
        .map_err(|_| Error::input("serial", "expected a serial with 1 to 19 ASCII digits"))
}

fn varint(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn flatten(prefix: &str, rec: &Record, out: &mut Vec<(String, Vec<u8>)>) {
    for (k, v) in rec {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            Value::Text(s) => out.push((path, s.as_bytes().to_vec())),
            Value::Date(d) => out.push((path, d.to_string().into_bytes())),
            Value::Bool(b) => out.push((
                path,
                if *b {
                    b"true".to_vec()
                } else {
                    b"false".to_vec()
                },
            )),
            Value::Image(img) => out.push((path, Sha256::digest(&img.bytes).to_vec())),
            Value::List(l) => {
                for (i, r) in l.iter().enumerate() {
                    flatten(&format!("{path}[{i}]"), r, out);
                }
            }
        }
    }
}

/// The digest of the canonical certificate data (see the module documentation).
pub fn canonical_digest(bound: &Bound) -> [u8; 16] {
    let mut fields = Vec::new();
    flatten("", &bound.fields, &mut fields);
    let items: Vec<&str> = bound.options.iter().map(String::as_str).collect();
    fields.push(("$items".to_string(), items.join(",").into_bytes()));
    fields.sort();
    let mut buf = Vec::new();
    for (p, v) in &fields {
        varint(&mut buf, p.len());
        buf.extend_from_slice(p.as_bytes());
        varint(&mut buf, v.len());
        buf.extend_from_slice(v);
    }
    let d = Sha256::digest(&buf);
    let mut out = [0u8; 16];
    out.copy_from_slice(&d[..16]);
    out
}

/// Re-exported for tests: a signing key from 32 seed bytes.
pub fn signing_key_from_seed(seed: [u8; 32]) -> PrivateKey {
    PrivateKey::from_signing_key(SigningKey::from_bytes(&seed), 1)
}

#[cfg(test)]
mod tests;

/// What a verification of an image found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The verdict.
    pub verdict: Verdict,
    /// The signed fields, where the payload could be read.
    pub header: Option<Header>,
}

/// Verifies every signed code in a grey image (a render, or a scan of a printed page). An empty
/// result means no code could be read.
pub fn verify_image(
    w: usize,
    h: usize,
    grey: &[u8],
    keys: &KeyRing,
    cancelled: &dyn Fn(u32, u64) -> bool,
) -> Vec<Finding> {
    decode_codes(w, h, grey)
        .into_iter()
        .map(|p| {
            let (verdict, header) = verify(&p, keys, cancelled);
            Finding { verdict, header }
        })
        .collect()
}
