//! The catalog: every layout and municipality profile, loaded and checked once at start-up.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

use super::municipality::Municipality;
use super::template::Template;

/// Layouts and municipalities by id.
#[derive(Debug, Default)]
pub struct Catalog {
    layouts: BTreeMap<String, Template>,
    municipalities: BTreeMap<String, Municipality>,
}

/// The layouts directory: `$SHOMEI_LAYOUTS`, else the repository's `layouts/`.
pub fn default_layout_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("SHOMEI_LAYOUTS") {
        return PathBuf::from(d);
    }
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("../layouts");
    if built.is_dir() {
        return built;
    }
    PathBuf::from("layouts")
}

fn toml_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd = std::fs::read_dir(dir)
        .map_err(|e| Error::config(dir.display().to_string(), "", format!("cannot read: {e}")))?;
    let mut files: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

impl Catalog {
    /// Loads `dir/*.toml` as layouts and `dir/municipalities/*.toml` as profiles. Each id must
    /// equal its file stem.
    pub fn load_dir(dir: &Path) -> Result<Catalog> {
        let mut c = Catalog::default();
        for f in toml_files(dir)? {
            let name = f.display().to_string();
            let text = std::fs::read_to_string(&f)
                .map_err(|e| Error::config(&name, "", format!("cannot read: {e}")))?;
            let t = Template::parse(&name, &text)?;
            check_stem(&f, &t.id, &name)?;
            c.layouts.insert(t.id.clone(), t);
        }
        for f in toml_files(&dir.join("municipalities"))? {
            let name = f.display().to_string();
            let text = std::fs::read_to_string(&f)
                .map_err(|e| Error::config(&name, "", format!("cannot read: {e}")))?;
            let mut m = Municipality::parse(&name, &text)?;
            check_stem(&f, &m.id, &name)?;
            m.load_signer(&name, f.parent().unwrap_or(dir))?;
            m.load_scrambler(&name, f.parent().unwrap_or(dir))?;
            c.municipalities.insert(m.id.clone(), m);
        }
        if c.layouts.is_empty() {
            return Err(Error::config(dir.display().to_string(), "", "no layouts"));
        }
        if c.municipalities.is_empty() {
            return Err(Error::config(
                dir.join("municipalities").display().to_string(),
                "",
                "no municipality profiles",
            ));
        }
        Ok(c)
    }

    /// A layout by id; an unknown id is an input error on `layout`.
    pub fn layout(&self, id: &str) -> Result<&Template> {
        self.layouts.get(id).ok_or_else(|| {
            Error::input(
                "layout",
                format!(
                    "unknown layout; expected one of: {}",
                    self.layouts.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            )
        })
    }

    /// A municipality by id; an unknown id is an input error on `municipality`.
    pub fn municipality(&self, id: &str) -> Result<&Municipality> {
        self.municipalities.get(id).ok_or_else(|| {
            Error::input(
                "municipality",
                format!(
                    "unknown municipality; expected one of: {}",
                    self.municipalities
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })
    }

    /// Every layout, by id.
    pub fn layouts(&self) -> impl Iterator<Item = &Template> {
        self.layouts.values()
    }

    /// The public keys of every municipality that names one.
    pub fn key_ring(&self) -> Result<crate::signed::KeyRing> {
        let mut ring = crate::signed::KeyRing::default();
        for m in self.municipalities.values() {
            if let Some(s) = &m.signing {
                ring.insert(
                    m.code_number(),
                    s.key_id,
                    crate::signed::parse_public_key(&s.public_key, &m.id)?,
                );
            }
        }
        Ok(ring)
    }

    /// The municipality whose 団体コード is `code` (the issuer a signed code names).
    pub fn municipality_by_code(&self, code: u32) -> Option<&Municipality> {
        self.municipalities
            .values()
            .find(|m| m.code_number() == code)
    }

    /// Every municipality, by id.
    pub fn municipalities(&self) -> impl Iterator<Item = &Municipality> {
        self.municipalities.values()
    }
}

fn check_stem(f: &Path, id: &str, name: &str) -> Result<()> {
    if f.file_stem().and_then(|s| s.to_str()) != Some(id) {
        return Err(Error::config(
            name,
            "id",
            "must equal the file name without .toml",
        ));
    }
    Ok(())
}
