//! Fonts: loaded once per process from `fonts/fonts.toml`, shared by every thread.
//!
//! A *family* (`mincho`, `gothic`, `gothic-bold`, `mj`) is a fallback chain of faces: a
//! cluster is set in the first face of the chain that has it (see `fallback`). Nothing here
//! shapes or lays out text.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use serde::Deserialize;

use crate::display::FontId;
use crate::error::{Error, Result};

/// One loaded face.
pub struct FontFace {
    /// Id from the manifest (`biz-ud-mincho`).
    pub id: String,
    /// File name inside the font directory.
    pub file: String,
    data: &'static [u8],
    face: rustybuzz::Face<'static>,
    /// Shaping plans, horizontal and vertical, built on first use.
    plans: [OnceLock<rustybuzz::ShapePlan>; 2],
    /// Each glyph's outline bounds, packed ([`pack_bbox`]), filled on first use.
    bboxes: Vec<AtomicU64>,
}

/// A [`FontFace::bbox`] slot not yet filled.
const BBOX_UNKNOWN: u64 = u64::MAX;
/// A [`FontFace::bbox`] slot of a glyph with no outline (x_min > x_max: no real box).
const BBOX_NONE: u64 = 0x0001_0001_0000_0000;

fn pack_bbox(r: ttf_parser::Rect) -> u64 {
    [r.x_min, r.y_min, r.x_max, r.y_max]
        .iter()
        .fold(0u64, |a, v| (a << 16) | u64::from(*v as u16))
}

fn unpack_bbox(v: u64) -> ttf_parser::Rect {
    let at = |i: u32| (v >> (48 - 16 * i)) as u16 as i16;
    ttf_parser::Rect {
        x_min: at(0),
        y_min: at(1),
        x_max: at(2),
        y_max: at(3),
    }
}

impl FontFace {
    /// The tight bounds of a glyph's outline, font units (as
    /// `ttf_parser::Face::glyph_bounding_box`, which outlines the glyph); none for a glyph
    /// without an outline. Outlined once per glyph and face, then read without locking.
    pub fn bbox(&self, gid: u16) -> Option<ttf_parser::Rect> {
        let Some(slot) = self.bboxes.get(usize::from(gid)) else {
            return self.face.glyph_bounding_box(ttf_parser::GlyphId(gid));
        };
        let v = match slot.load(Ordering::Relaxed) {
            BBOX_UNKNOWN => {
                let v = self
                    .face
                    .glyph_bounding_box(ttf_parser::GlyphId(gid))
                    .map_or(BBOX_NONE, pack_bbox);
                // A box that packs to a sentinel stays uncached (outlined each time).
                if v != BBOX_UNKNOWN {
                    slot.store(v, Ordering::Relaxed);
                }
                v
            }
            v => v,
        };
        (v != BBOX_NONE).then(|| unpack_bbox(v))
    }

    /// The face, for shaping (derefs to `ttf_parser::Face`).
    pub fn face(&self) -> &rustybuzz::Face<'static> {
        &self.face
    }

    /// The shaping plan for one direction (built once, shared by all threads).
    pub(crate) fn plan(&self, vertical: bool) -> &rustybuzz::ShapePlan {
        self.plans[usize::from(vertical)].get_or_init(|| {
            let dir = if vertical {
                rustybuzz::Direction::TopToBottom
            } else {
                rustybuzz::Direction::LeftToRight
            };
            let lang: Option<rustybuzz::Language> = "ja".parse().ok();
            rustybuzz::ShapePlan::new(
                &self.face,
                dir,
                Some(rustybuzz::script::HAN),
                lang.as_ref(),
                &super::shape::solid_features(),
            )
        })
    }

    /// The font file's bytes.
    pub fn data(&self) -> &'static [u8] {
        self.data
    }

    /// Units per em.
    pub fn units_per_em(&self) -> u16 {
        u16::try_from(self.face.units_per_em()).unwrap_or(1000)
    }

    /// The PostScript name, for PDF.
    pub fn postscript_name(&self) -> String {
        self.face
            .names()
            .into_iter()
            .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
            .find_map(|n| n.to_string())
            .unwrap_or_else(|| self.id.clone())
    }
}

impl std::fmt::Debug for FontFace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FontFace")
            .field("id", &self.id)
            .field("file", &self.file)
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    font: Vec<ManifestFont>,
    family: BTreeMap<String, ManifestFamily>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestFont {
    id: String,
    file: String,
    #[serde(default)]
    #[allow(dead_code)]
    license: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestFamily {
    chain: Vec<String>,
}

/// Every face, and the fallback chain of each family.
#[derive(Debug)]
pub struct FontDb {
    faces: Vec<FontFace>,
    families: BTreeMap<String, Vec<FontId>>,
    dir: PathBuf,
}

/// The font directory: `$SHOMEI_FONTS`, else the repository's `fonts/`.
pub fn default_font_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("SHOMEI_FONTS") {
        return PathBuf::from(d);
    }
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fonts");
    if built.join("fonts.toml").exists() {
        return built;
    }
    PathBuf::from("fonts")
}

static DEFAULT_DB: OnceLock<std::result::Result<FontDb, Error>> = OnceLock::new();

impl FontDb {
    /// The process-wide database loaded from [`default_font_dir`], loaded on first use.
    pub fn shared() -> Result<&'static FontDb> {
        DEFAULT_DB
            .get_or_init(|| FontDb::load(&default_font_dir()))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Loads `dir/fonts.toml` and every face it names. Each file is read once and kept for the
    /// life of the process (the bytes are leaked on purpose: faces borrow them).
    pub fn load(dir: &Path) -> Result<FontDb> {
        Self::load_with_extra(dir, &[])
    }

    /// Like [`FontDb::load`], and appends extra faces (a municipality's gaiji font) to the end of
    /// every family's chain. Each extra is `(id, path)`.
    pub fn load_with_extra(dir: &Path, extra: &[(String, PathBuf)]) -> Result<FontDb> {
        let manifest_path = dir.join("fonts.toml");
        let manifest_name = manifest_path.display().to_string();
        let text = std::fs::read_to_string(&manifest_path)
            .map_err(|e| Error::config(&manifest_name, "", format!("cannot read: {e}")))?;
        let manifest: Manifest =
            toml::from_str(&text).map_err(|e| Error::config(&manifest_name, "", e.to_string()))?;
        let mut faces = Vec::new();
        let mut ids = BTreeMap::new();
        let all = manifest
            .font
            .iter()
            .map(|f| (f.id.clone(), dir.join(&f.file)))
            .chain(extra.iter().cloned())
            .collect::<Vec<_>>();
        for (i, (id, path)) in all.iter().enumerate() {
            let file = path.display().to_string();
            let mut bytes = std::fs::read(path).map_err(|e| Error::Font {
                file: file.clone(),
                message: format!("cannot read: {e}"),
            })?;
            drop_glyph_names(&mut bytes);
            let data: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            let face = rustybuzz::Face::from_slice(data, 0).ok_or_else(|| Error::Font {
                file: file.clone(),
                message: "not a font".into(),
            })?;
            let fid = FontId::try_from(i)
                .map_err(|_| Error::config(&manifest_name, "font", "too many fonts"))?;
            if ids.insert(id.clone(), fid).is_some() {
                return Err(Error::config(
                    &manifest_name,
                    format!("font[{i}].id"),
                    format!("duplicate id {id}"),
                ));
            }
            let file_name = path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            let glyphs = face.number_of_glyphs();
            faces.push(FontFace {
                id: id.clone(),
                file: file_name,
                data,
                face,
                plans: [OnceLock::new(), OnceLock::new()],
                bboxes: (0..glyphs).map(|_| AtomicU64::new(BBOX_UNKNOWN)).collect(),
            });
        }
        let mut families = BTreeMap::new();
        for (name, fam) in &manifest.family {
            let mut chain = Vec::new();
            for (k, id) in fam.chain.iter().enumerate() {
                let fid = ids.get(id).ok_or_else(|| {
                    Error::config(
                        &manifest_name,
                        format!("family.{name}.chain[{k}]"),
                        format!("unknown font id {id}"),
                    )
                })?;
                chain.push(*fid);
            }
            for (id, _) in extra {
                if let Some(fid) = ids.get(id) {
                    chain.push(*fid);
                }
            }
            if chain.is_empty() {
                return Err(Error::config(
                    &manifest_name,
                    format!("family.{name}.chain"),
                    "empty chain",
                ));
            }
            families.insert(name.clone(), chain);
        }
        Ok(FontDb {
            faces,
            families,
            dir: dir.to_path_buf(),
        })
    }

    /// The face with this id.
    ///
    /// # Panics
    /// Never for ids handed out by this database; an id from another database is a bug.
    pub fn get(&self, id: FontId) -> &FontFace {
        &self.faces[usize::from(id)]
    }

    /// Number of faces.
    pub fn len(&self) -> usize {
        self.faces.len()
    }

    /// Whether there are no faces.
    pub fn is_empty(&self) -> bool {
        self.faces.is_empty()
    }

    /// The fallback chain of a family.
    pub fn chain(&self, family: &str) -> Option<&[FontId]> {
        self.families.get(family).map(Vec::as_slice)
    }

    /// Family names, sorted.
    pub fn families(&self) -> impl Iterator<Item = &str> {
        self.families.keys().map(String::as_str)
    }

    /// The face id for a manifest id.
    pub fn by_id(&self, id: &str) -> Option<FontId> {
        self.faces
            .iter()
            .position(|f| f.id == id)
            .and_then(|i| FontId::try_from(i).ok())
    }

    /// The directory the fonts came from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// Makes a TrueType file's `post` table version 3 (no glyph names), in place: the version
/// field and the table's length in the directory (and its checksum) are rewritten, the name
/// data stays behind, unreferenced. Nothing shomei does reads glyph names — shaping goes by
/// `cmap` and GSUB, the PDF's CID fonts by glyph id (Identity-H, `/CIDToGIDMap /Identity`) —
/// but the subsetter would otherwise rebuild the names for every subset, collecting all of
/// a 60 000-glyph font's names each time (3 % of a certificate). A file that is not a plain
/// TrueType file, or whose `post` is not version 2, is left as it is.
fn drop_glyph_names(font: &mut [u8]) {
    let be32 = |b: &[u8], at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
    };
    let Some(version) = be32(font, 0) else {
        return;
    };
    if version != 0x0001_0000 && version != u32::from_be_bytes(*b"true") {
        return;
    }
    let Some(count) = font
        .get(4..6)
        .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
    else {
        return;
    };
    for i in 0..count {
        let rec = 12 + 16 * i;
        if font.get(rec..rec + 4) != Some(b"post".as_slice()) {
            continue;
        }
        let (Some(offset), Some(len)) = (be32(font, rec + 8), be32(font, rec + 12)) else {
            return;
        };
        let (offset, len) = (offset as usize, len as usize);
        let is_v2 = matches!(be32(font, offset), Some(0x0002_0000 | 0x0002_5000));
        if !is_v2 || len < POST_HEADER || offset + POST_HEADER > font.len() {
            return;
        }
        font[offset..offset + 4].copy_from_slice(&0x0003_0000u32.to_be_bytes());
        let sum = font[offset..offset + POST_HEADER]
            .chunks(4)
            .filter_map(|c| c.try_into().ok().map(u32::from_be_bytes))
            .fold(0u32, u32::wrapping_add);
        font[rec + 4..rec + 8].copy_from_slice(&sum.to_be_bytes());
        font[rec + 12..rec + 16].copy_from_slice(&(POST_HEADER as u32).to_be_bytes());
        return;
    }
}

/// Bytes of a `post` table's fixed header (all of a version 3 table).
const POST_HEADER: usize = 32;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cached_bounds_are_the_outline_bounds() {
        let db = FontDb::shared().unwrap();
        for i in 0..db.len() {
            let f = db.get(i as FontId);
            let n = f.face().number_of_glyphs();
            // Every 7th glyph, the space and the last, each asked twice (fill, then hit).
            let space = f.face().glyph_index(' ').map_or(0, |g| g.0);
            for gid in (0..n).step_by(7).chain([space, n - 1]) {
                let want = f.face().glyph_bounding_box(ttf_parser::GlyphId(gid));
                assert_eq!(f.bbox(gid), want, "{} glyph {gid}", f.id);
                assert_eq!(f.bbox(gid), want, "{} glyph {gid} (cached)", f.id);
            }
            assert_eq!(f.bbox(space), None, "{}: the space has no outline", f.id);
            // Past the last glyph: what ttf-parser says (nothing), no panic.
            assert_eq!(
                f.bbox(n),
                f.face().glyph_bounding_box(ttf_parser::GlyphId(n))
            );
        }
        for r in [(-1i16, -1, -1, -1), (1, 1, 0, 0), (-32768, 12, 32767, -5)] {
            let rect = ttf_parser::Rect {
                x_min: r.0,
                y_min: r.1,
                x_max: r.2,
                y_max: r.3,
            };
            assert_eq!(unpack_bbox(pack_bbox(rect)), rect);
        }
    }

    /// The `post` table of every loaded face is version 3 and 32 bytes, its header values
    /// (underline, italic angle, fixed pitch) are those of the file, and a subset for the PDF
    /// carries a 32-byte `post` too.
    #[test]
    fn glyph_names_are_dropped_at_load_and_nothing_else_changes() {
        let db = FontDb::shared().unwrap();
        let post_of = |font: &[u8]| -> (usize, Vec<u8>) {
            let face = ttf_parser::RawFace::parse(font, 0).unwrap();
            let t = face.table(ttf_parser::Tag::from_bytes(b"post")).unwrap();
            (t.len(), t.to_vec())
        };
        let mut had_names = 0;
        for i in 0..db.len() {
            let f = db.get(i as FontId);
            let file = std::fs::read(db.dir().join(&f.file)).unwrap();
            let (orig_len, orig) = post_of(&file);
            had_names += usize::from(orig[..4] == [0, 2, 0, 0]);
            let (len, now) = post_of(f.data());
            assert_eq!(len, POST_HEADER, "{}", f.id);
            assert_eq!(&now[..4], &[0, 3, 0, 0], "{}", f.id);
            assert!(orig_len >= POST_HEADER, "{}", f.id);
            assert_eq!(&now[4..], &orig[4..POST_HEADER], "{}: header kept", f.id);
            let a = ttf_parser::Face::parse(&file, 0).unwrap();
            let b = f.face();
            assert_eq!(a.underline_metrics(), b.underline_metrics(), "{}", f.id);
            assert_eq!(a.italic_angle(), b.italic_angle(), "{}", f.id);
            assert_eq!(a.is_monospaced(), b.is_monospaced(), "{}", f.id);
            assert_eq!(a.number_of_glyphs(), b.number_of_glyphs(), "{}", f.id);

            let mut remap = subsetter::GlyphRemapper::new();
            for g in [0u16, 1, 100, b.number_of_glyphs() - 1] {
                remap.remap(g);
            }
            let sub = subsetter::subset(f.data(), 0, &remap).unwrap();
            assert_eq!(post_of(&sub).0, POST_HEADER, "{}: the subset's post", f.id);
        }
        assert!(had_names > 0, "IPAmj Mincho ships a version 2 post table");
        // Not a font, a short file, a collection: left alone, no panic.
        for mut junk in [vec![], vec![0, 1, 0, 0, 0, 9], b"ttcf\0\0\0\0".to_vec()] {
            let before = junk.clone();
            drop_glyph_names(&mut junk);
            assert_eq!(junk, before);
        }
    }
}
