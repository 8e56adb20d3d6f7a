//! `shomei keygen` and `shomei verify` (a contract: exit 0 genuine; 3 signature invalid, data
//! altered, unknown key or cancelled; 2 nothing readable).

use std::path::PathBuf;

use clap::Args;
use serde_json::json;
use shomei_engine::layout::{default_layout_dir, Catalog};
use shomei_engine::security::scramble;
use shomei_engine::security::sim::GrayF32;
use shomei_engine::signed::{self, generate_key, key_id_of, parse_public_key, KeyRing, Verdict};
use shomei_engine::text::wareki::Date;
use shomei_engine::Error;

/// Arguments of `shomei keygen`.
#[derive(Args)]
pub(crate) struct KeygenArgs {
    /// Directory to write NAME.key (private) and NAME.pub (public) into.
    #[arg(long)]
    out: PathBuf,
    /// File name stem.
    #[arg(long, default_value = "signing")]
    name: String,
    /// Key id printed in the code (default: derived from the public key).
    #[arg(long)]
    id: Option<u8>,
}

pub(crate) fn keygen(a: KeygenArgs) -> Result<(), Error> {
    let tmp = generate_key(0)?;
    let id = a.id.unwrap_or_else(|| key_id_of(&tmp.public()));
    let key = signed::parse_private_key(&tmp.to_file_contents(), id, "generated key")?;
    std::fs::create_dir_all(&a.out)
        .map_err(|e| Error::Encode(format!("cannot create {}: {e}", a.out.display())))?;
    let private = a.out.join(format!("{}.key", a.name));
    let public = a.out.join(format!("{}.pub", a.name));
    if private.exists() {
        return Err(Error::input(
            "--out",
            format!("{} exists; refusing to overwrite a key", private.display()),
        ));
    }
    write_private(&private, &key.to_file_contents())?;
    std::fs::write(&public, format!("{}\n", key.public_base64()))
        .map_err(|e| Error::Encode(e.to_string()))?;
    println!("key id {id}");
    println!("public key {}", key.public_base64());
    println!(
        "private key written to {} (keep it secret; name it in the profile's [signing])",
        private.display()
    );
    Ok(())
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, contents: &str) -> Result<(), Error> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::Encode(format!("cannot write {}: {e}", path.display())))?;
    f.write_all(contents.as_bytes())
        .map_err(|e| Error::Encode(e.to_string()))
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, contents: &str) -> Result<(), Error> {
    std::fs::write(path, contents).map_err(|e| Error::Encode(e.to_string()))
}

/// Arguments of `shomei verify`.
#[derive(Args)]
pub(crate) struct VerifyArgs {
    /// A rendered PNG, or a scan of a printed page (PNG, JPEG or TIFF).
    file: PathBuf,
    /// Trust this public key (base64 in a file) for the issuer the code names, instead of the
    /// profiles' keys.
    #[arg(long)]
    key: Option<PathBuf>,
    /// Write the descrambled front here (needs the scrambled image on the back).
    #[arg(long)]
    descramble: Option<PathBuf>,
    /// Serials the issuer has cancelled, comma separated (as the ledger reports them).
    #[arg(long)]
    cancelled: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Exit code for a verification: 0 genuine, 3 not, 2 nothing readable.
pub(crate) fn verify(a: VerifyArgs) -> Result<u8, Error> {
    let img = image::ImageReader::open(&a.file)
        .map_err(|e| Error::input("FILE", format!("cannot read: {e}")))?
        .with_guessed_format()
        .map_err(|e| Error::input("FILE", format!("cannot read: {e}")))?;
    let img = img
        .decode()
        .map_err(|e| Error::input("FILE", format!("not a PNG, JPEG or TIFF image: {e}")))?;
    let grey = img.to_luma8();
    let (w, h) = (grey.width() as usize, grey.height() as usize);
    let trusted = match &a.key {
        Some(p) => Some(parse_public_key(
            &std::fs::read_to_string(p)
                .map_err(|e| Error::input("--key", format!("cannot read: {e}")))?,
            "--key",
        )?),
        None => None,
    };
    let cancelled: Vec<u64> = a
        .cancelled
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| signed::serial_number(s.trim()))
        .collect::<Result<_, _>>()?;
    let is_cancelled = |_: u32, serial: u64| cancelled.contains(&serial);
    let codes = signed::decode_codes(w, h, grey.as_raw());
    let mut findings = Vec::new();
    for payload in codes {
        let ring = match (&trusted, signed::parse(&payload)) {
            (Some(k), Ok(hd)) => {
                let mut r = KeyRing::default();
                r.insert(hd.issuer, hd.key_id, *k);
                r
            }
            _ => Catalog::load_dir(&default_layout_dir())?.key_ring()?,
        };
        let (verdict, header) = signed::verify(&payload, &ring, &is_cancelled);
        findings.push((verdict, header));
    }
    if findings.is_empty() {
        if a.json {
            println!("{}", json!({ "verdict": "unreadable", "codes": [] }));
        } else {
            println!("unreadable: no signed code found in {}", a.file.display());
        }
        return Ok(2);
    }
    if let Some(out) = &a.descramble {
        descramble(&grey, &findings, out)?;
    }
    let all_genuine = findings.iter().all(|(v, _)| *v == Verdict::Genuine);
    let list: Vec<_> = findings
        .iter()
        .map(|(v, h)| {
            let mut o = json!({ "verdict": v.as_str() });
            if let Some(h) = h {
                o["issuer"] = json!(format!("{:06}", h.issuer));
                o["key_id"] = json!(h.key_id);
                o["doc_type"] = json!(h.doc_type);
                o["serial"] = json!(h.serial);
                o["issued_on"] = json!(Date::from_days_since_2000(i32::from(h.days)).to_string());
                o["issued_minute"] = json!(h.minute);
                o["page"] = json!(h.page);
                o["pages"] = json!(h.pages);
                o["digest"] = json!(h
                    .digest
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>());
            }
            o
        })
        .collect();
    if a.json {
        let verdict = if all_genuine {
            "genuine"
        } else {
            findings
                .iter()
                .map(|(v, _)| v.as_str())
                .find(|v| *v != "genuine")
                .unwrap_or("altered")
        };
        println!("{}", json!({ "verdict": verdict, "codes": list }));
    } else {
        for o in &list {
            println!(
                "{}: 団体コード {} key {} type {} serial {} issued {} page {}/{}",
                o["verdict"].as_str().unwrap_or(""),
                o["issuer"].as_str().unwrap_or("?"),
                o["key_id"],
                o["doc_type"],
                o["serial"],
                o["issued_on"].as_str().unwrap_or("?"),
                o["page"],
                o["pages"]
            );
        }
    }
    Ok(if all_genuine { 0 } else { 3 })
}

/// `--descramble OUT`: reads the scrambled image on the back, with the serial and page of the
/// signed code on the same page and the scramble key of the issuer's profile, and writes the
/// recovered front as a grey PNG.
fn descramble(
    grey: &image::GrayImage,
    findings: &[(Verdict, Option<signed::Header>)],
    out: &std::path::Path,
) -> Result<(), Error> {
    let Some(h) = findings.iter().find_map(|(_, h)| *h) else {
        return Err(Error::input(
            "--descramble",
            "a signed code whose serial can be read (the serial keys the scramble)",
        ));
    };
    let catalog = Catalog::load_dir(&default_layout_dir())?;
    let m = catalog.municipality_by_code(h.issuer).ok_or_else(|| {
        Error::input(
            "--descramble",
            format!("a profile for 団体コード {:06} in the catalog", h.issuer),
        )
    })?;
    let key = m.scrambler.as_ref().ok_or_else(|| {
        Error::input(
            "--descramble",
            format!(
                "a scramble key in profile {} ([scramble] key_env or key_file); it has none",
                m.id
            ),
        )
    })?;
    let scan = GrayF32 {
        w: grey.width(),
        h: grey.height(),
        dpi: 300,
        data: grey
            .as_raw()
            .iter()
            .map(|v| 1.0 - f32::from(*v) / 255.0)
            .collect(),
    };
    let d = scramble::descramble(&scan, key, h.serial, h.page)?;
    d.image
        .to_gray()
        .write_png(out)
        .map_err(|e| Error::Encode(format!("--descramble: {e}")))?;
    eprintln!(
        "descrambled front ({}×{} px at {} dpi) written to {}",
        d.image.w,
        d.image.h,
        d.image.dpi,
        out.display()
    );
    Ok(())
}
