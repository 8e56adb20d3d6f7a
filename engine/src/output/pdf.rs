//! The vector PDF writer: the display list to PDF, with glyphs from embedded font subsets,
//! paths as paths, dot fields as 1-bit image masks and each page's static part as a cached
//! form XObject.
//!
//! # File layout
//!
//! Every page's `base` layer becomes a form XObject with its own resources (its own font
//! subsets, images and graphics state). Those objects are serialised once per
//! [`Page::base_key`](crate::display::Page::base_key), numbered from 1, and kept in the
//! writer's cache. A document starts with its bases, in first-use order, so the first base is
//! copied byte for byte; a later base is renumbered once per starting number and that copy is
//! cached as well. Then come each page's content stream (which draws the base with `/B Do` and
//! then its `own` items) and images, the document's subsets of the fonts its `own` layers use
//! (one subset per font, shared by the pages), the page dictionaries, the page tree, the
//! catalog and the information dictionary. Nothing depends on the clock: the information
//! dictionary carries a creation date only when [`PdfOptions::creation_date`] gives one.
//!
//! # Content
//!
//! Content streams work in page millimetres, y down (one `cm` at the top of each page, the
//! form's `/Matrix` for a base). A glyph is shown with font size 1 and a `Tm` that carries its
//! whole em → mm transform ([`Glyph::transform`] times units per em), so scaling, 長体/平体 and
//! rotation need nothing else. Fonts are CIDFontType2 under a Type0 font with `Identity-H`;
//! glyphs are addressed by glyph id (the subsetter renumbers them and the CID is the new id),
//! so IVS and gaiji glyphs need no character mapping. No `ToUnicode` map is written: the
//! display list does not carry the characters.
//!
//! # Inks
//!
//! Black is DeviceCMYK 0 0 0 1 and is painted plainly. Red is a vermilion, DeviceCMYK
//! 0 0.85 0.8 0, and every red item is painted inside `q /Gm gs … Q` where `/Gm` sets the
//! blend mode `/Multiply`, so the seal never hides the text below it; this is the only
//! transparency in the file.
//!
//! A [`BitMask`] is a 1-bit `/ImageMask` at exactly its design resolution (one bit is
//! 25.4 / dpi mm), `/Interpolate false`, filled with its ink; no soft mask, no transparency.
//!
//! An 8-bit coverage [`Image`] is written as an image of its ink's colour with the coverage
//! as its `/SMask` (alpha = coverage), both at the image's own pixel size. The colour image is
//! `/Indexed /DeviceCMYK` with one entry and 1 bit per pixel, so it costs a few bytes however
//! large the image is. This was chosen over a stencil (1-bit, which loses the impression's
//! anti-aliased edges and its faint parts) and over a Separation colour image (which would hide
//! what lies below where coverage is 0): a soft-masked image of a device colour is supported
//! by every reader and RIP that handles transparency, keeps the ink pure, and composites
//! exactly as the raster painter does.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{
    Chunk, Date, Filter, Finish, Name, Pdf, Rect as PdfRect, Ref, Settings, Str, TextStr,
};
use subsetter::GlyphRemapper;

use crate::display::{
    BitMask, CmykImage, Document, FontId, Glyph, Image, Ink, Item, Layer, ModuleField, Page, Paint,
    PathCmd, Shape,
};
use crate::error::{Error, Result};
use crate::text::{FontDb, FontFace};

/// Points per millimetre.
const PT_PER_MM: f32 = 72.0 / 25.4;

/// Black: pure K.
const BLACK_CMYK: [f32; 4] = [0.0, 0.0, 0.0, 1.0];

/// Seal vermilion (朱肉).
const VERMILION_CMYK: [f32; 4] = [0.0, 0.85, 0.8, 0.0];

/// Modules drawn by one glyph of a module font (two bits a module: a byte a glyph). The
/// module text packs four at a time with one multiply; it must stay 4.
const MODULES_PER_GLYPH: usize = 4;
const _: () = assert!(MODULES_PER_GLYPH == 4);

/// How far a module font's dots are inset from their pixel edges, px.
const DOT_INSET: f32 = 1.0 / 32.0;

/// Deflate level for what is cached (compressed once).
const BASE_LEVEL: u8 = 6;

/// Deflate level for what every request writes.
const OWN_LEVEL: u8 = 1;

/// Renumbered copies of one base kept in the cache (one per starting object number).
const MAX_MOVED: usize = 8;

/// Largest coordinate accepted, mm (anything larger is a bug upstream).
const MAX_COORD: f32 = 1.0e5;

/// Options of one PDF.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PdfOptions {
    /// Document title (`/Title` in the information dictionary).
    pub title: Option<String>,
    /// Creation date, ISO 8601 (`2024-04-01`, `2024-04-01T09:30:00+09:00`). Written only when
    /// given, so the same request gives the same bytes.
    pub creation_date: Option<String>,
}

/// One page base, serialised once: a form XObject (object 1) and its resources (objects
/// 2 ..= `count`).
struct CachedBase {
    /// Page size it was built for, mm.
    size: (f32, f32),
    /// Number of items it was built from (a cheap check against a reused key).
    items: usize,
    /// The objects, numbered from 1.
    chunk: Arc<Chunk>,
    /// Number of objects.
    count: i32,
    /// Copies renumbered to start elsewhere, by starting number.
    moved: Mutex<Vec<(i32, Arc<Chunk>)>>,
}

impl CachedBase {
    /// Whether this cached base was built from a page like `page`.
    fn fits(&self, page: &Page) -> bool {
        self.size == page.size && self.items == page.base.items.len()
    }

    /// The objects, numbered from `start`.
    fn at(&self, start: i32) -> Arc<Chunk> {
        if start == 1 {
            return Arc::clone(&self.chunk);
        }
        let mut moved = self.moved.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, c)) = moved.iter().find(|(s, _)| *s == start) {
            return Arc::clone(c);
        }
        let c = Arc::new(self.chunk.renumber(|r| Ref::new(r.get() + start - 1)));
        if moved.len() < MAX_MOVED {
            moved.push((start, Arc::clone(&c)));
        }
        c
    }
}

/// Writes documents as PDF; keeps every page base it has written, by base key.
pub struct PdfWriter {
    fonts: &'static FontDb,
    cache: RwLock<BTreeMap<u64, Arc<CachedBase>>>,
}

impl std::fmt::Debug for PdfWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self
            .cache
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("PdfWriter")
            .field("cached_bases", &n)
            .finish()
    }
}

impl PdfWriter {
    /// A writer for text shaped with `fonts`, with an empty cache.
    pub fn new(fonts: &'static FontDb) -> PdfWriter {
        PdfWriter {
            fonts,
            cache: RwLock::new(BTreeMap::new()),
        }
    }

    /// Number of page bases in the cache.
    pub fn cached_bases(&self) -> usize {
        self.cache
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Forgets every cached base (after a layout or a municipality's profile changed).
    pub fn clear_cache(&self) {
        self.cache
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Writes `doc` as a PDF: A4 (or whatever each page's size says), vector, deterministic.
    pub fn write(&self, doc: &Document, opts: &PdfOptions) -> Result<Vec<u8>> {
        if doc.pages.is_empty() {
            return Err(Error::input("pages", "a document needs at least one page"));
        }
        for (pi, page) in doc.pages.iter().enumerate() {
            let (w, h) = page.size;
            if !(ok(w) && ok(h) && w > 0.0 && h > 0.0) {
                return Err(Error::input(
                    format!("pages[{pi}].size"),
                    "a positive, finite page size in mm (A4 is 210 × 297)",
                ));
            }
        }
        let date = opts.creation_date.as_deref().map(parse_date).transpose()?;

        // The bases, first, in first-use order: the first is copied verbatim.
        let mut next = 1;
        let mut placed: Vec<(u64, Ref)> = Vec::new();
        let mut chunks = Vec::new();
        let mut page_forms = Vec::with_capacity(doc.pages.len());
        for (pi, page) in doc.pages.iter().enumerate() {
            if let Some((_, r)) = placed.iter().find(|(k, _)| *k == page.base_key) {
                page_forms.push(*r);
                continue;
            }
            let base = self.base(page, pi)?;
            chunks.push(base.at(next));
            placed.push((page.base_key, Ref::new(next)));
            page_forms.push(Ref::new(next));
            next += base.count;
        }
        // Room for the bases and each page's own objects (a scrambled back's modules are
        // 120 KB), so the document is not copied as it grows.
        let own = doc.pages.len() * 160 * 1024 + 64 * 1024;
        let mut pdf = Pdf::with_settings_and_capacity(
            settings(),
            chunks.iter().map(|c| c.len()).sum::<usize>() + own,
        );
        for chunk in &chunks {
            pdf.extend(chunk);
        }

        let mut alloc = Ref::new(next);
        let catalog_id = alloc.bump();
        let tree_id = alloc.bump();
        let page_ids: Vec<Ref> = doc.pages.iter().map(|_| alloc.bump()).collect();

        // Each page's own content and images; the fonts are shared by the pages.
        let mut em = Emitter::new(OWN_LEVEL);
        em.split_modules = true;
        let mut page_res = Vec::with_capacity(doc.pages.len());
        let mut gs_id = None;
        for (pi, page) in doc.pages.iter().enumerate() {
            let (_, h) = page.size;
            em.out.extend_from_slice(b"/B Do\n");
            num(&mut em.out, PT_PER_MM, 6);
            em.out.extend_from_slice(b" 0 0 ");
            num(&mut em.out, -PT_PER_MM, 6);
            em.out.extend_from_slice(b" 0 ");
            num(&mut em.out, h * PT_PER_MM, 4);
            em.out.extend_from_slice(b" cm\n");
            em.layer(self.fonts, &page.own, pi, "own")?;
            let mut content_ids = Vec::with_capacity(1);
            for (part, pack) in em.take_segments() {
                let id = alloc.bump();
                if pack {
                    pdf.stream(id, &deflate(&part, OWN_LEVEL))
                        .filter(Filter::FlateDecode);
                } else {
                    pdf.stream(id, &part);
                }
                content_ids.push(id);
            }
            let images = em.write_images(&mut pdf, &mut alloc)?;
            let multiply = std::mem::take(&mut em.multiply);
            if multiply && gs_id.is_none() {
                gs_id = Some(alloc.bump());
            }
            page_res.push((content_ids, images, multiply));
        }
        let fonts = em.write_fonts(self.fonts, &mut pdf, &mut alloc)?;
        let module_fonts = em.write_module_fonts(&mut pdf, &mut alloc);
        if let Some(id) = gs_id {
            multiply_gs(&mut pdf, id);
        }

        for (pi, page) in doc.pages.iter().enumerate() {
            let (w, h) = page.size;
            let (content_ids, images, multiply) = &page_res[pi];
            let mut p = pdf.page(page_ids[pi]);
            p.parent(tree_id).media_box(PdfRect::new(
                0.0,
                0.0,
                round_to(w * PT_PER_MM, 4),
                round_to(h * PT_PER_MM, 4),
            ));
            match content_ids.as_slice() {
                [one] => p.contents(*one),
                many => p.contents_array(many.iter().copied()),
            };
            let mut res = p.resources();
            write_resources(
                &mut res,
                Some(page_forms[pi]),
                (&fonts, &module_fonts),
                images,
                if *multiply { gs_id } else { None },
            );
            res.finish();
            p.finish();
        }
        let count = i32::try_from(page_ids.len())
            .map_err(|_| Error::input("pages", "too many pages for one PDF"))?;
        pdf.pages(tree_id)
            .kids(page_ids.iter().copied())
            .count(count);
        pdf.catalog(catalog_id).pages(tree_id);

        let info_id = alloc.bump();
        let mut info = pdf.document_info(info_id);
        info.producer(TextStr("shomei"));
        if let Some(t) = &opts.title {
            info.title(TextStr(t));
        }
        if let Some(d) = date {
            info.creation_date(d);
        }
        info.finish();

        Ok(pdf.finish())
    }

    /// The cached base of `page`, built and cached on first use.
    fn base(&self, page: &Page, pi: usize) -> Result<Arc<CachedBase>> {
        let key = page.base_key;
        if let Some(b) = self
            .cache
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
        {
            if b.fits(page) {
                return Ok(Arc::clone(b));
            }
            // The key was reused for a different base: write this one without caching it.
            return self.build_base(page, pi).map(Arc::new);
        }
        let built = Arc::new(self.build_base(page, pi)?);
        let mut cache = self.cache.write().unwrap_or_else(PoisonError::into_inner);
        let entry = cache.entry(key).or_insert_with(|| Arc::clone(&built));
        Ok(if entry.fits(page) {
            Arc::clone(entry)
        } else {
            built
        })
    }

    /// Serialises a page's base as a form XObject (object 1) and its resources.
    fn build_base(&self, page: &Page, pi: usize) -> Result<CachedBase> {
        let (w, h) = page.size;
        let mut em = Emitter::new(BASE_LEVEL);
        em.layer(self.fonts, &page.base, pi, "base")?;
        let content = em.take_stream();
        let packed = deflate(&content, BASE_LEVEL);

        let mut chunk = Chunk::with_settings(settings());
        let form_id = Ref::new(1);
        let mut alloc = Ref::new(2);
        let images = em.write_images(&mut chunk, &mut alloc)?;
        let fonts = em.write_fonts(self.fonts, &mut chunk, &mut alloc)?;
        let module_fonts = em.write_module_fonts(&mut chunk, &mut alloc);
        let gs = if em.multiply {
            let id = alloc.bump();
            multiply_gs(&mut chunk, id);
            Some(id)
        } else {
            None
        };

        let mut form = chunk.form_xobject(form_id, &packed);
        form.filter(Filter::FlateDecode);
        form.bbox(PdfRect::new(0.0, 0.0, w, h));
        form.matrix([
            round_to(PT_PER_MM, 6),
            0.0,
            0.0,
            -round_to(PT_PER_MM, 6),
            0.0,
            round_to(h * PT_PER_MM, 4),
        ]);
        let mut res = form.resources();
        write_resources(&mut res, None, (&fonts, &module_fonts), &images, gs);
        res.finish();
        form.finish();

        Ok(CachedBase {
            size: page.size,
            items: page.base.items.len(),
            chunk: Arc::new(chunk),
            count: alloc.get() - 1,
            moved: Mutex::new(Vec::new()),
        })
    }
}

/// Writes a [`CmykImage`] as a `/DeviceCMYK` image XObject, 8 bits per component, deflated
/// with the PNG Up predictor, `/Interpolate false`; no ICC profile, no output intent, no
/// overprint: the printer gets the K and CMY separations as they are (security-print.md §5).
fn write_cmyk_image(chunk: &mut Chunk, id: Ref, im: &CmykImage, level: u8) -> Result<()> {
    let (w, h) = (im.px_w as usize, im.px_h as usize);
    let row = 4 * w;
    // PNG "Up" filter per row: a type byte, then each byte minus the byte above.
    let mut filtered = Vec::with_capacity((row + 1) * h);
    for y in 0..h {
        filtered.push(2u8);
        let cur = &im.data[y * row..(y + 1) * row];
        if y == 0 {
            filtered.extend_from_slice(cur);
        } else {
            let up = &im.data[(y - 1) * row..y * row];
            filtered.extend(cur.iter().zip(up).map(|(a, b)| a.wrapping_sub(*b)));
        }
    }
    let data = deflate(&filtered, level);
    let mut x = chunk.image_xobject(id, &data);
    x.filter(Filter::FlateDecode);
    x.decode_parms()
        .predictor(pdf_writer::types::Predictor::PngOptimum)
        .colors(4)
        .bits_per_component(8)
        .columns(to_i32(im.px_w)?);
    x.width(to_i32(im.px_w)?).height(to_i32(im.px_h)?);
    x.color_space().device_cmyk();
    x.bits_per_component(8);
    x.interpolate(false);
    Ok(())
}

/// Compact serialisation (no pretty-printing).
fn settings() -> Settings {
    Settings { pretty: false }
}

/// Zlib-wrapped deflate, as `/FlateDecode` wants.
fn deflate(data: &[u8], level: u8) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, level)
}

/// The bytes a literal string must escape: parentheses, backslash and line ends.
const ESCAPED: [bool; 256] = {
    let mut t = [false; 256];
    t[b'(' as usize] = true;
    t[b')' as usize] = true;
    t[b'\\' as usize] = true;
    t[b'\r' as usize] = true;
    t[b'\n' as usize] = true;
    t
};

/// Writes one byte of a literal string at the start of `buf` (at least 4 bytes long): as
/// is, or as an octal escape where PDF reads it otherwise ([`ESCAPED`]). Returns the bytes
/// written.
#[inline]
fn string_byte(buf: &mut [u8], b: u8) -> usize {
    // A table, not a match: on the random codes of a scrambled field the match's range
    // test mispredicts one byte in six.
    if ESCAPED[usize::from(b)] {
        buf[..4].copy_from_slice(&[
            b'\\',
            b'0' + (b >> 6),
            b'0' + ((b >> 3) & 7),
            b'0' + (b & 7),
        ]);
        4
    } else {
        buf[0] = b;
        1
    }
}

/// Writes the `/Multiply` graphics state.
fn multiply_gs(chunk: &mut Chunk, id: Ref) {
    chunk
        .ext_graphics(id)
        .blend_mode(pdf_writer::types::BlendMode::Multiply);
}

/// Fills a resource dictionary: `/B` (the base form), `/F<i>`, `/M<i>`, `/I<i>`, `/Gm`.
fn write_resources(
    res: &mut pdf_writer::writers::Resources<'_>,
    base: Option<Ref>,
    (fonts, module_fonts): (&[Ref], &[Ref]),
    images: &[Ref],
    gs: Option<Ref>,
) {
    if base.is_some() || !images.is_empty() {
        let mut x = res.x_objects();
        if let Some(b) = base {
            x.pair(Name(b"B"), b);
        }
        for (i, r) in images.iter().enumerate() {
            x.pair(Name(format!("I{i}").as_bytes()), *r);
        }
        x.finish();
    }
    if !fonts.is_empty() || !module_fonts.is_empty() {
        let mut f = res.fonts();
        for (i, r) in fonts.iter().enumerate() {
            f.pair(Name(format!("F{i}").as_bytes()), *r);
        }
        for (i, r) in module_fonts.iter().enumerate() {
            f.pair(Name(format!("M{i}").as_bytes()), *r);
        }
        f.finish();
    }
    if let Some(g) = gs {
        res.ext_g_states().pair(Name(b"Gm"), g);
    }
}

/// An image waiting to be written.
enum PendingImage<'a> {
    /// A dot field.
    Mask(&'a BitMask),
    /// A coverage image.
    Coverage(&'a Image),
    /// A DeviceCMYK image.
    Cmyk(&'a CmykImage),
}

/// Turns layers into content streams and collects what they use.
#[derive(Default)]
struct Emitter<'a> {
    /// The content stream being written.
    out: Vec<u8>,
    /// Fonts used, in first-use order (resource `/F<i>`), with their glyphs.
    fonts: Vec<(FontId, GlyphRemapper)>,
    /// Images used by the current stream (resource `/I<i>`).
    images: Vec<PendingImage<'a>>,
    /// Whether the current stream paints red (needs `/Gm`).
    multiply: bool,
    /// Inside `BT … ET`.
    in_text: bool,
    /// Current font slot (`Tf`), if known.
    font: Option<usize>,
    /// Current ink, if set.
    ink: Option<Ink>,
    /// Current line width (mm), if set.
    line_width: Option<f32>,
    /// Deflate level for images and fonts.
    level: u8,
    /// Module fonts used (resource `/M<i>`): module side and the dots of its levels.
    module_fonts: Vec<(u32, Arc<Vec<[u32; 4]>>)>,
    /// Whether module fields go to streams of their own, stored without compression (a
    /// page's contents, which may be an array; not a form's).
    split_modules: bool,
    /// The finished parts of the stream before `out`: (bytes, deflate them).
    segments: Vec<(Vec<u8>, bool)>,
}

impl<'a> Emitter<'a> {
    /// An emitter whose images and fonts are deflated at `level`.
    fn new(level: u8) -> Self {
        Emitter {
            level,
            ..Emitter::default()
        }
    }

    /// Writes every item of `layer`; `pi` and `which` name the field in errors.
    fn layer(&mut self, db: &FontDb, layer: &'a Layer, pi: usize, which: &str) -> Result<()> {
        let field = |i: usize| format!("pages[{pi}].{which}.items[{i}]");
        for (i, item) in layer.items.iter().enumerate() {
            match item {
                Item::Glyph(g) => self.glyph(db, g).map_err(|m| bad(field(i), m))?,
                Item::Shape(s) => self.shape(s).map_err(|m| bad(field(i), m))?,
                Item::Mask(m) => self.mask(m).map_err(|m| bad(field(i), m))?,
                Item::Image(im) => self.image(im).map_err(|m| bad(field(i), m))?,
                Item::Cmyk(im) => self.cmyk(im).map_err(|m| bad(field(i), m))?,
                Item::Modules(f) => self.modules(f).map_err(|m| bad(field(i), m))?,
            }
        }
        Ok(())
    }

    /// Closes the stream and returns its parts in order, each with whether to deflate it:
    /// one part unless module fields were split off. The fonts stay, the state is reset.
    fn take_segments(&mut self) -> Vec<(Vec<u8>, bool)> {
        let last = self.take_stream();
        let mut parts = std::mem::take(&mut self.segments);
        if !last.is_empty() || parts.is_empty() {
            parts.push((last, true));
        }
        parts
    }

    /// Closes the stream and returns it; the fonts stay, the state is reset.
    fn take_stream(&mut self) -> Vec<u8> {
        self.end_text();
        if self.ink == Some(Ink::Red) {
            self.out.extend_from_slice(b"Q\n");
        }
        self.ink = None;
        self.font = None;
        self.line_width = None;
        std::mem::take(&mut self.out)
    }

    fn end_text(&mut self) {
        if self.in_text {
            self.out.extend_from_slice(b"ET\n");
            self.in_text = false;
        }
    }

    /// Sets fill and stroke colour (and the multiply state for red).
    fn set_ink(&mut self, ink: Ink) {
        if self.ink == Some(ink) {
            return;
        }
        self.end_text();
        if self.ink == Some(Ink::Red) {
            self.out.extend_from_slice(b"Q\n");
            self.font = None;
            self.line_width = None;
        }
        let cmyk = match ink {
            Ink::Black => BLACK_CMYK,
            Ink::Red => {
                self.out.extend_from_slice(b"q /Gm gs\n");
                self.multiply = true;
                VERMILION_CMYK
            }
        };
        for op in [&b" k "[..], &b" K\n"[..]] {
            for (j, c) in cmyk.iter().enumerate() {
                if j > 0 {
                    self.out.push(b' ');
                }
                num(&mut self.out, *c, 3);
            }
            self.out.extend_from_slice(op);
        }
        self.ink = Some(ink);
    }

    fn glyph(&mut self, db: &FontDb, g: &Glyph) -> std::result::Result<(), String> {
        if usize::from(g.font) >= db.len() {
            return Err(format!(
                "font {} is not in the font database ({} faces)",
                g.font,
                db.len()
            ));
        }
        let face = db.get(g.font);
        if g.gid >= face.face().number_of_glyphs() {
            return Err(format!("glyph id {} is not in font {}", g.gid, face.id));
        }
        if ![g.x, g.y, g.em, g.sx, g.sy].iter().all(|v| ok(*v)) {
            return Err("glyph position, size or scale is not a finite number".into());
        }
        self.set_ink(g.ink);
        if !self.in_text {
            self.out.extend_from_slice(b"BT\n");
            self.in_text = true;
        }
        let slot = match self.fonts.iter().position(|(f, _)| *f == g.font) {
            Some(s) => s,
            None => {
                self.fonts.push((g.font, GlyphRemapper::new()));
                self.fonts.len() - 1
            }
        };
        let cid = self.fonts[slot].1.remap(g.gid);
        if self.font != Some(slot) {
            self.out.extend_from_slice(b"/F");
            int(&mut self.out, slot as u64);
            self.out.extend_from_slice(b" 1 Tf\n");
            self.font = Some(slot);
        }
        let upem = face.units_per_em();
        let u = f32::from(upem);
        let t = g.transform(upem);
        let o = &mut self.out;
        for v in [t.a * u, t.b * u, t.c * u, t.d * u] {
            num(o, v, 4);
            o.push(b' ');
        }
        num(o, t.e, 3);
        o.push(b' ');
        num(o, t.f, 3);
        o.extend_from_slice(b" Tm<");
        hex4(o, cid);
        o.extend_from_slice(b">Tj\n");
        Ok(())
    }

    fn shape(&mut self, s: &Shape) -> std::result::Result<(), String> {
        if s.path.is_empty() {
            return Ok(());
        }
        self.set_ink(s.ink);
        self.end_text();
        if let Paint::Stroke(w) = s.paint {
            if !(ok(w) && w >= 0.0) {
                return Err("stroke width must be a finite, non-negative number of mm".into());
            }
            if self.line_width != Some(w) {
                num(&mut self.out, w, 4);
                self.out.extend_from_slice(b" w\n");
                self.line_width = Some(w);
            }
        }
        let o = &mut self.out;
        let mut cur: Option<(f32, f32)> = None;
        let mut start = (0.0, 0.0);
        let mut any = false;
        for cmd in &s.path.cmds {
            match *cmd {
                PathCmd::MoveTo(x, y) => {
                    check(&[x, y])?;
                    pts(o, &[x, y]);
                    o.extend_from_slice(b" m\n");
                    cur = Some((x, y));
                    start = (x, y);
                }
                PathCmd::LineTo(x, y) => {
                    check(&[x, y])?;
                    pts(o, &[x, y]);
                    if cur.is_some() {
                        o.extend_from_slice(b" l\n");
                        any = true;
                    } else {
                        o.extend_from_slice(b" m\n");
                        start = (x, y);
                    }
                    cur = Some((x, y));
                }
                PathCmd::QuadTo(cx, cy, x, y) => {
                    check(&[cx, cy, x, y])?;
                    match cur {
                        Some((x0, y0)) => {
                            let c1 = (x0 + (cx - x0) * (2.0 / 3.0), y0 + (cy - y0) * (2.0 / 3.0));
                            let c2 = (x + (cx - x) * (2.0 / 3.0), y + (cy - y) * (2.0 / 3.0));
                            pts(o, &[c1.0, c1.1, c2.0, c2.1, x, y]);
                            o.extend_from_slice(b" c\n");
                            any = true;
                        }
                        None => {
                            pts(o, &[x, y]);
                            o.extend_from_slice(b" m\n");
                            start = (x, y);
                        }
                    }
                    cur = Some((x, y));
                }
                PathCmd::CubicTo(c1x, c1y, c2x, c2y, x, y) => {
                    check(&[c1x, c1y, c2x, c2y, x, y])?;
                    if cur.is_some() {
                        pts(o, &[c1x, c1y, c2x, c2y, x, y]);
                        o.extend_from_slice(b" c\n");
                        any = true;
                    } else {
                        pts(o, &[x, y]);
                        o.extend_from_slice(b" m\n");
                        start = (x, y);
                    }
                    cur = Some((x, y));
                }
                PathCmd::Close => {
                    if cur.is_some() {
                        o.extend_from_slice(b"h\n");
                        cur = Some(start);
                    }
                }
            }
        }
        let paint: &[u8] = if !any {
            b"n\n"
        } else {
            match s.paint {
                Paint::Fill => b"f\n",
                Paint::FillEvenOdd => b"f*\n",
                Paint::Stroke(_) => b"S\n",
            }
        };
        o.extend_from_slice(paint);
        Ok(())
    }

    fn mask(&mut self, m: &'a BitMask) -> std::result::Result<(), String> {
        if m.dpi == 0 || m.px_w == 0 || m.px_h == 0 {
            return Err("a dot field needs a non-zero dpi, width and height".into());
        }
        let row = u64::from(m.px_w).div_ceil(8);
        if u64::from(m.stride) < row {
            return Err(format!(
                "stride {} is shorter than a row of {} px",
                m.stride, m.px_w
            ));
        }
        if (m.bits.len() as u64) < u64::from(m.stride) * u64::from(m.px_h) {
            return Err("the bits are fewer than stride × height".into());
        }
        check(&[m.x, m.y])?;
        let r = m.rect();
        self.set_ink(m.ink);
        self.place(r.x, r.y, r.w, r.h, PendingImage::Mask(m));
        Ok(())
    }

    /// A module field as text in a Type 3 "module font" whose 256 glyphs are every run of
    /// four modules ([`MODULES_PER_GLYPH`]): one byte per four modules, a row of modules a
    /// string. About a quarter of the bytes of the 600-dpi bit mask of the same pixels (random
    /// dots do not compress), and printed the same by every PDF interpreter (a tiling
    /// pattern under an image mask, the other compact form, is not: poppler paints it solid).
    fn modules(&mut self, f: &ModuleField) -> std::result::Result<(), String> {
        f.check()?;
        check(&[f.x, f.y])?;
        if f.dots.len() > 4 {
            return Err("a module field for PDF has at most 4 levels".into());
        }
        let i = match self
            .module_fonts
            .iter()
            .position(|(m, d)| *m == f.module_px && **d == *f.dots)
        {
            Some(i) => i,
            None => {
                self.module_fonts.push((f.module_px, Arc::clone(&f.dots)));
                self.module_fonts.len() - 1
            }
        };
        self.set_ink(f.ink);
        self.end_text();
        self.font = None;
        if self.split_modules && !self.out.is_empty() {
            let before = std::mem::take(&mut self.out);
            self.segments.push((before, true));
        }
        let o = &mut self.out;
        // Text space: one unit is one design pixel, y down like the page's millimetres.
        o.extend_from_slice(b"BT /M");
        int(o, i as u64);
        o.extend_from_slice(b" 1 Tf ");
        // Nine decimals: the advance of a row's last glyph drifts by under 1/1000 px.
        let k = 25.4 / f.dpi as f32;
        num(o, k, 9);
        o.extend_from_slice(b" 0 0 ");
        num(o, k, 9);
        o.push(b' ');
        num(o, f.x, 5);
        o.push(b' ');
        num(o, f.y, 5);
        o.extend_from_slice(b" Tm\n");
        let cols = f.cols as usize;
        for (r, row) in f.levels.chunks(cols.max(1)).enumerate() {
            if r > 0 {
                o.extend_from_slice(b"0 ");
                int(o, u64::from(f.module_px));
                o.extend_from_slice(b" Td\n");
            }
            o.push(b'(');
            // A glyph's code: its modules' levels, 2 bits each, the first in the high bits.
            let code = |group: &[u8]| {
                let c = group.iter().fold(0u8, |c, v| (c << 2) | (v & 3));
                c << (2 * (MODULES_PER_GLYPH - group.len()))
            };
            // Written into room for the worst case (every byte escaped), then cut to size:
            // a `push` a byte keeps reloading the vector's length.
            let start = o.len();
            o.resize(start + 4 * row.len().div_ceil(MODULES_PER_GLYPH), 0);
            let buf = &mut o[start..];
            let mut w = 0;
            let mut groups = row.chunks_exact(MODULES_PER_GLYPH);
            for group in &mut groups {
                // The four 2-bit levels (bytes 0–3 of a little-endian word) gathered into the
                // top byte by one multiply: byte k shifted by 30 − 8k, no carries between.
                let mut four = [0u8; 4];
                four.copy_from_slice(group);
                let x = u32::from_le_bytes(four) & 0x0303_0303;
                let c = (x.wrapping_mul(0x4010_0401) >> 24) as u8;
                w += string_byte(&mut buf[w..], c);
            }
            if !groups.remainder().is_empty() {
                w += string_byte(&mut buf[w..], code(groups.remainder()));
            }
            o.truncate(start + w);
            o.extend_from_slice(b") Tj\n");
        }
        o.extend_from_slice(b"ET\n");
        if self.split_modules {
            // Scrambled modules are noise to LZ77: deflate spends 1.5 ms a sheet for 30 %.
            let modules = std::mem::take(&mut self.out);
            self.segments.push((modules, false));
        }
        Ok(())
    }

    /// Writes the module fonts used so far; returns their ids in resource order.
    fn write_module_fonts(&mut self, chunk: &mut Chunk, alloc: &mut Ref) -> Vec<Ref> {
        let mut ids = Vec::with_capacity(self.module_fonts.len());
        for (m, dots) in std::mem::take(&mut self.module_fonts) {
            let font = alloc.bump();
            let procs: Vec<Ref> = (0..256).map(|_| alloc.bump()).collect();
            let w = (m as usize * MODULES_PER_GLYPH) as f32;
            for (code, id) in procs.iter().enumerate() {
                let mut c = Vec::with_capacity(96);
                // d1: an uncoloured glyph (the text's fill colour, the field's ink).
                num(&mut c, w, 0);
                c.extend_from_slice(b" 0 0 0 ");
                num(&mut c, w, 0);
                c.push(b' ');
                int(&mut c, u64::from(m));
                c.extend_from_slice(b" d1");
                let mut any = false;
                for j in 0..MODULES_PER_GLYPH {
                    let level = (code >> (2 * (MODULES_PER_GLYPH - 1 - j))) & 3;
                    let Some(d) = dots.get(level) else { continue };
                    if d[2] == 0 || d[3] == 0 {
                        continue;
                    }
                    any = true;
                    // Inset by 1/32 px: interpreters that paint every pixel a shape touches
                    // and those that sample pixel centres then paint the same pixels.
                    let x = (j as u32 * m + d[0]) as f32 + DOT_INSET;
                    let y = d[1] as f32 + DOT_INSET;
                    let (dw, dh) = (d[2] as f32 - 2.0 * DOT_INSET, d[3] as f32 - 2.0 * DOT_INSET);
                    for (n, v) in [x, y, dw, dh].iter().enumerate() {
                        c.push(if n == 0 { b'\n' } else { b' ' });
                        num(&mut c, *v, 5);
                    }
                    c.extend_from_slice(b" re");
                }
                if any {
                    c.extend_from_slice(b" f");
                }
                chunk.stream(*id, &c);
            }
            let names: Vec<String> = (0..256).map(|c| format!("m{c}")).collect();
            let mut t3 = chunk.type3_font(font);
            t3.bbox(PdfRect::new(0.0, 0.0, w, m as f32))
                .matrix([1.0, 0.0, 0.0, 1.0, 0.0, 0.0])
                .first_char(0)
                .last_char(255)
                .widths(std::iter::repeat_n(w, 256));
            t3.encoding_custom()
                .differences()
                .consecutive(0, names.iter().map(|n| Name(n.as_bytes())));
            {
                let mut cp = t3.char_procs();
                for (n, id) in names.iter().zip(&procs) {
                    cp.pair(Name(n.as_bytes()), *id);
                }
            }
            t3.resources().finish();
            t3.finish();
            ids.push(font);
        }
        ids
    }

    fn image(&mut self, im: &'a Image) -> std::result::Result<(), String> {
        if im.px_w == 0 || im.px_h == 0 {
            return Err("an image needs a non-zero width and height".into());
        }
        if (im.coverage.len() as u64) < u64::from(im.px_w) * u64::from(im.px_h) {
            return Err("the coverage has fewer than width × height bytes".into());
        }
        let r = im.rect;
        check(&[r.x, r.y, r.w, r.h])?;
        if r.w <= 0.0 || r.h <= 0.0 {
            return Err("an image needs a positive size in mm".into());
        }
        self.set_ink(im.ink);
        self.place(r.x, r.y, r.w, r.h, PendingImage::Coverage(im));
        Ok(())
    }

    fn cmyk(&mut self, im: &'a CmykImage) -> std::result::Result<(), String> {
        if im.px_w == 0 || im.px_h == 0 {
            return Err("a CMYK image needs a non-zero width and height".into());
        }
        if (im.data.len() as u64) < 4 * u64::from(im.px_w) * u64::from(im.px_h) {
            return Err("the CMYK data has fewer than 4 × width × height bytes".into());
        }
        let r = im.rect;
        check(&[r.x, r.y, r.w, r.h])?;
        if r.w <= 0.0 || r.h <= 0.0 {
            return Err("an image needs a positive size in mm".into());
        }
        // Leaves a red ink's `q /Gm gs` (an image under a blend mode is transparency).
        self.set_ink(Ink::Black);
        self.place(r.x, r.y, r.w, r.h, PendingImage::Cmyk(im));
        Ok(())
    }

    /// Draws an image XObject into the rectangle, first row at the top.
    fn place(&mut self, x: f32, y: f32, w: f32, h: f32, img: PendingImage<'a>) {
        self.end_text();
        let n = self.images.len();
        self.images.push(img);
        let o = &mut self.out;
        o.extend_from_slice(b"q ");
        num(o, w, 4);
        o.extend_from_slice(b" 0 0 ");
        num(o, -h, 4);
        o.push(b' ');
        pts(o, &[x, y + h]);
        o.extend_from_slice(b" cm /I");
        int(o, n as u64);
        o.extend_from_slice(b" Do Q\n");
    }

    /// Writes the images of the current stream; returns their ids in resource order.
    fn write_images(&mut self, chunk: &mut Chunk, alloc: &mut Ref) -> Result<Vec<Ref>> {
        let mut ids = Vec::with_capacity(self.images.len());
        for img in std::mem::take(&mut self.images) {
            let id = alloc.bump();
            match img {
                PendingImage::Mask(m) => {
                    let row = m.px_w.div_ceil(8) as usize;
                    let data = if m.stride as usize == row {
                        deflate(&m.bits[..row * m.px_h as usize], self.level)
                    } else {
                        let mut packed = Vec::with_capacity(row * m.px_h as usize);
                        for y in 0..m.px_h as usize {
                            let s = y * m.stride as usize;
                            packed.extend_from_slice(&m.bits[s..s + row]);
                        }
                        deflate(&packed, self.level)
                    };
                    let mut x = chunk.image_xobject(id, &data);
                    x.filter(Filter::FlateDecode);
                    x.width(to_i32(m.px_w)?).height(to_i32(m.px_h)?);
                    x.image_mask(true).bits_per_component(1);
                    // A set bit is ink; an image mask paints where the sample is 0 unless
                    // the decode array is inverted.
                    x.decode([1.0, 0.0]);
                    x.interpolate(false);
                }
                PendingImage::Coverage(im) => {
                    let smask = alloc.bump();
                    let (w, h) = (im.px_w as usize, im.px_h as usize);
                    let colour = deflate(&vec![0u8; w.div_ceil(8) * h], self.level);
                    let lookup = cmyk_bytes(im.ink);
                    let mut x = chunk.image_xobject(id, &colour);
                    x.filter(Filter::FlateDecode);
                    x.width(to_i32(im.px_w)?).height(to_i32(im.px_h)?);
                    x.color_space().indexed(Name(b"DeviceCMYK"), 0, &lookup);
                    x.bits_per_component(1);
                    x.s_mask(smask);
                    x.finish();
                    let cov = deflate(&im.coverage[..w * h], self.level);
                    let mut s = chunk.image_xobject(smask, &cov);
                    s.filter(Filter::FlateDecode);
                    s.width(to_i32(im.px_w)?).height(to_i32(im.px_h)?);
                    s.color_space().device_gray();
                    s.bits_per_component(8);
                }
                PendingImage::Cmyk(im) => write_cmyk_image(chunk, id, im, self.level)?,
            }
            ids.push(id);
        }
        Ok(ids)
    }

    /// Subsets and writes every font used so far; returns the Type0 font ids in resource order.
    fn write_fonts(&mut self, db: &FontDb, chunk: &mut Chunk, alloc: &mut Ref) -> Result<Vec<Ref>> {
        let mut ids = Vec::with_capacity(self.fonts.len());
        for (fid, remap) in std::mem::take(&mut self.fonts) {
            ids.push(write_font(
                db.get(fid),
                fid,
                &remap,
                self.level,
                chunk,
                alloc,
            )?);
        }
        Ok(ids)
    }
}

/// Writes one font subset as Type0 / CIDFontType2 / Identity-H; returns the Type0 font's id.
fn write_font(
    face: &FontFace,
    fid: FontId,
    remap: &GlyphRemapper,
    level: u8,
    chunk: &mut Chunk,
    alloc: &mut Ref,
) -> Result<Ref> {
    let subset = subsetter::subset(face.data(), 0, remap).map_err(|e| Error::Font {
        file: face.file.clone(),
        message: format!("cannot subset for PDF: {e}"),
    })?;
    // A request's own subsets are stored: TrueType outlines deflate by a quarter at level 1,
    // for 12 µs a kilobyte (0.6 ms of a certificate to save 13 kB of 1.7 MB). Cached bases
    // compress once.
    let packed = (level != OWN_LEVEL).then(|| deflate(&subset, level));
    let ttf = face.face();
    let scale = 1000.0 / f32::from(face.units_per_em());
    let to_pdf = |v: f32| (v * scale).round();

    let type0 = alloc.bump();
    let cid = alloc.bump();
    let descriptor = alloc.bump();
    let file = alloc.bump();

    let name = format!(
        "{}+{}",
        subset_tag(fid, remap),
        pdf_name(&face.postscript_name())
    );
    chunk
        .type0_font(type0)
        .base_font(Name(name.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid);

    let mut c = chunk.cid_font(cid);
    c.subtype(CidFontType::Type2)
        .base_font(Name(name.as_bytes()))
        .system_info(SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        })
        .font_descriptor(descriptor)
        .default_width(1000.0);
    let widths: Vec<f32> = remap
        .remapped_gids()
        .map(|g| {
            to_pdf(f32::from(
                ttf.glyph_hor_advance(ttf_parser::GlyphId(g)).unwrap_or(0),
            ))
        })
        .collect();
    c.widths().consecutive(0, widths);
    c.cid_to_gid_map_predefined(Name(b"Identity"));
    c.finish();

    let bb = ttf.global_bounding_box();
    let ascent = to_pdf(f32::from(ttf.ascender()));
    let descent = to_pdf(f32::from(ttf.descender()));
    let cap = ttf
        .capital_height()
        .map_or(ascent, |v| to_pdf(f32::from(v)));
    let mut flags = FontFlags::SYMBOLIC;
    if ttf.is_monospaced() {
        flags |= FontFlags::FIXED_PITCH;
    }
    if ttf.is_italic() {
        flags |= FontFlags::ITALIC;
    }
    let weight = ttf.weight().to_number();
    chunk
        .font_descriptor(descriptor)
        .name(Name(name.as_bytes()))
        .flags(flags)
        .bbox(PdfRect::new(
            to_pdf(f32::from(bb.x_min)),
            to_pdf(f32::from(bb.y_min)),
            to_pdf(f32::from(bb.x_max)),
            to_pdf(f32::from(bb.y_max)),
        ))
        .italic_angle(ttf.italic_angle())
        .ascent(ascent)
        .descent(descent)
        .cap_height(cap)
        .stem_v((10.0 + 0.244 * (f32::from(weight) - 50.0)).round())
        .font_file2(file);

    let mut stream = chunk.stream(file, packed.as_deref().unwrap_or(&subset));
    if packed.is_some() {
        stream.filter(Filter::FlateDecode);
    }
    stream.pair(
        Name(b"Length1"),
        i32::try_from(subset.len()).unwrap_or(i32::MAX),
    );
    Ok(type0)
}

/// Six capital letters that name a subset (PDF 32000 §9.6.4), from the font and its glyphs.
fn subset_tag(fid: FontId, remap: &GlyphRemapper) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |v: u16| {
        for b in v.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    eat(fid);
    for g in remap.remapped_gids() {
        eat(g);
    }
    let mut s = String::with_capacity(6);
    for _ in 0..6 {
        s.push(char::from(b'A' + (h % 26) as u8));
        h /= 26;
    }
    s
}

/// A PostScript name made safe for a PDF name (printable ASCII, no delimiters).
fn pdf_name(s: &str) -> String {
    let n: String = s
        .chars()
        .filter(|c| c.is_ascii_graphic() && !"()<>[]{}/%#".contains(*c))
        .take(100)
        .collect();
    if n.is_empty() {
        "Font".to_string()
    } else {
        n
    }
}

/// The 4 bytes of an ink's CMYK colour, for an indexed colour space.
fn cmyk_bytes(ink: Ink) -> [u8; 4] {
    let c = match ink {
        Ink::Black => BLACK_CMYK,
        Ink::Red => VERMILION_CMYK,
    };
    c.map(|v| (v * 255.0).round() as u8)
}

fn to_i32(v: u32) -> Result<i32> {
    i32::try_from(v).map_err(|_| Error::Encode(format!("image dimension {v} is too large for PDF")))
}

/// An encoding error for an item.
fn bad(field: String, message: String) -> Error {
    Error::Encode(format!("{field}: {message}"))
}

/// Whether a coordinate is usable.
fn ok(v: f32) -> bool {
    v.is_finite() && v.abs() <= MAX_COORD
}

fn check(vs: &[f32]) -> std::result::Result<(), String> {
    if vs.iter().all(|v| ok(*v)) {
        Ok(())
    } else {
        Err(format!(
            "a coordinate is not a finite number below {MAX_COORD} mm"
        ))
    }
}

/// `v` rounded to `dec` decimals.
fn round_to(v: f32, dec: u32) -> f32 {
    let s = 10f64.powi(dec as i32);
    ((f64::from(v) * s).round() / s) as f32
}

/// Writes coordinates (mm, 1 µm resolution) separated by spaces.
fn pts(o: &mut Vec<u8>, vs: &[f32]) {
    for (i, v) in vs.iter().enumerate() {
        if i > 0 {
            o.push(b' ');
        }
        num(o, *v, 3);
    }
}

/// Writes `v` with at most `dec` decimals, trailing zeros dropped (`-1.5`, `0.333`, `12`).
fn num(o: &mut Vec<u8>, v: f32, dec: u32) {
    let scale = 10u64.pow(dec);
    let r = (f64::from(v) * scale as f64).round();
    let r = if r.is_finite() { r as i64 } else { 0 };
    if r < 0 {
        o.push(b'-');
    }
    let a = r.unsigned_abs();
    int(o, a / scale);
    let mut frac = a % scale;
    if frac != 0 {
        o.push(b'.');
        let mut digits = dec;
        while frac.is_multiple_of(10) {
            frac /= 10;
            digits -= 1;
        }
        let mut buf = [b'0'; 20];
        let mut i = digits as usize;
        while i > 0 {
            i -= 1;
            buf[i] = b'0' + (frac % 10) as u8;
            frac /= 10;
        }
        o.extend_from_slice(&buf[..digits as usize]);
    }
}

/// Writes an unsigned integer.
fn int(o: &mut Vec<u8>, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    o.extend_from_slice(&buf[i..]);
}

/// Writes four upper-case hex digits.
fn hex4(o: &mut Vec<u8>, v: u16) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for shift in [12, 8, 4, 0] {
        o.push(HEX[usize::from((v >> shift) & 0xF)]);
    }
}

/// Parses `YYYY-MM-DD[THH:MM[:SS]][Z|±HH:MM]`.
fn parse_date(s: &str) -> Result<Date> {
    let err = || {
        Error::input(
            "creation_date",
            "an ISO 8601 date such as 2024-04-01 or 2024-04-01T09:30:00+09:00",
        )
    };
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Result<u16> {
        let part = b.get(r).ok_or_else(err)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return Err(err());
        }
        Ok(part.iter().fold(0u16, |a, d| a * 10 + u16::from(d - b'0')))
    };
    let sep = |i: usize, c: u8| {
        if b.get(i) == Some(&c) {
            Ok(())
        } else {
            Err(err())
        }
    };
    let year = digits(0..4)?;
    sep(4, b'-')?;
    let month = digits(5..7)?;
    sep(7, b'-')?;
    let day = digits(8..10)?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return Err(err());
    }
    let mut d = Date::new(year).month(month as u8).day(day as u8);
    let mut i = 10;
    if i == b.len() {
        return Ok(d);
    }
    if !matches!(b.get(i), Some(b'T' | b' ')) {
        return Err(err());
    }
    let hour = digits(11..13)?;
    sep(13, b':')?;
    let minute = digits(14..16)?;
    if hour > 23 || minute > 59 {
        return Err(err());
    }
    d = d.hour(hour as u8).minute(minute as u8);
    i = 16;
    if b.get(i) == Some(&b':') {
        let second = digits(17..19)?;
        if second > 59 {
            return Err(err());
        }
        d = d.second(second as u8);
        i = 19;
    }
    match b.get(i) {
        None => Ok(d),
        Some(b'Z') if i + 1 == b.len() => Ok(d.utc_offset_hour(0).utc_offset_minute(0)),
        Some(&c @ (b'+' | b'-')) if b.len() == i + 6 => {
            let oh = digits(i + 1..i + 3)?;
            sep(i + 3, b':')?;
            let om = digits(i + 4..i + 6)?;
            if oh > 23 || om > 59 {
                return Err(err());
            }
            let oh = oh as i8;
            Ok(d.utc_offset_hour(if c == b'-' { -oh } else { oh })
                .utc_offset_minute(om as u8))
        }
        _ => Err(err()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::display::{Layer, Path};
    use crate::geom::{Rect, A4_MM};

    fn db() -> &'static FontDb {
        FontDb::shared().unwrap()
    }

    fn font(id: &str) -> FontId {
        db().by_id(id).unwrap()
    }

    /// Horizontal text with nominal glyphs and advances (no shaper needed).
    fn text(layer: &mut Layer, fid: FontId, s: &str, x: f32, y: f32, em: f32, ink: Ink) {
        let face = db().get(fid);
        let upem = f32::from(face.units_per_em());
        let mut pen = x;
        for ch in s.chars() {
            let gid = face.face().glyph_index(ch).map_or(0, |g| g.0);
            let adv = face
                .face()
                .glyph_hor_advance(ttf_parser::GlyphId(gid))
                .unwrap_or(0);
            layer.push(Item::Glyph(Glyph {
                font: fid,
                gid,
                x: pen,
                y,
                em,
                sx: 1.0,
                sy: 1.0,
                rot90: false,
                ink,
            }));
            pen += f32::from(adv) / upem * em;
        }
    }

    /// A ring (two circles, even-odd) centred at (cx, cy).
    fn ring(cx: f32, cy: f32, r_out: f32, r_in: f32) -> Path {
        let mut p = Path::new();
        for r in [r_out, r_in] {
            let k = 0.552_284_8 * r;
            p.move_to(cx + r, cy);
            p.cubic_to(cx + r, cy + k, cx + k, cy + r, cx, cy + r);
            p.cubic_to(cx - k, cy + r, cx - r, cy + k, cx - r, cy);
            p.cubic_to(cx - r, cy - k, cx - k, cy - r, cx, cy - r);
            p.cubic_to(cx + k, cy - r, cx + r, cy - k, cx + r, cy);
            p.close();
        }
        p
    }

    fn base_layer(repeat_statement: usize) -> Layer {
        let mincho = font("biz-ud-mincho");
        let mut b = Layer::default();
        b.push(Item::Shape(Shape {
            path: Arc::new(Path::rect(Rect::from_xywh(15.0, 15.0, 180.0, 267.0))),
            paint: Paint::Stroke(0.5),
            ink: Ink::Black,
        }));
        b.push(Item::Shape(Shape {
            path: Arc::new(Path::line(15.0, 50.0, 195.0, 50.0)),
            paint: Paint::Stroke(0.25),
            ink: Ink::Black,
        }));
        text(&mut b, mincho, "住民票の写し", 70.0, 35.0, 10.0, Ink::Black);
        text(&mut b, mincho, "氏名", 20.0, 62.0, 5.0, Ink::Black);
        text(&mut b, mincho, "住所", 20.0, 78.0, 5.0, Ink::Black);
        for k in 0..repeat_statement {
            let y = 200.0 + k as f32 * 4.0;
            text(
                &mut b,
                mincho,
                "この写しは、住民票の原本と相違ないことを証明する。",
                20.0,
                y,
                3.5,
                Ink::Black,
            );
        }
        text(
            &mut b,
            mincho,
            "見本市長　見本　太郎",
            90.0,
            250.0,
            5.0,
            Ink::Black,
        );
        // A 600 dpi dot field (a coarse checker of 2×2-px dots), 20 × 10 mm.
        let (pw, ph) = (472u32, 236u32);
        let stride = pw.div_ceil(8);
        let mut bits = vec![0u8; (stride * ph) as usize];
        for y in 0..ph {
            for x in 0..pw {
                if (x / 8 + y / 8) % 2 == 0 && x % 4 < 2 && y % 4 < 2 {
                    bits[(y * stride + x / 8) as usize] |= 0x80 >> (x % 8);
                }
            }
        }
        b.push(Item::Mask(BitMask {
            x: 20.0,
            y: 260.0,
            dpi: 600,
            px_w: pw,
            px_h: ph,
            stride,
            bits: Arc::new(bits),
            ink: Ink::Black,
        }));
        // The official seal: a red ring and red characters, multiplied over the mayor's line.
        b.push(Item::Shape(Shape {
            path: Arc::new(ring(165.0, 248.0, 11.0, 10.0)),
            paint: Paint::FillEvenOdd,
            ink: Ink::Red,
        }));
        text(&mut b, mincho, "見本", 157.0, 247.0, 8.0, Ink::Red);
        text(&mut b, mincho, "之印", 157.0, 256.0, 8.0, Ink::Red);
        b
    }

    fn own_layer(name: &str, extra_lines: usize) -> Layer {
        let gothic = font("biz-ud-gothic");
        let mj = font("ipamj-mincho");
        let mut o = Layer::default();
        text(&mut o, gothic, name, 40.0, 63.0, 6.0, Ink::Black);
        text(
            &mut o,
            mj,
            "見本県見本市中央一丁目２番３号",
            40.0,
            79.0,
            5.0,
            Ink::Black,
        );
        for k in 0..extra_lines {
            text(
                &mut o,
                gothic,
                "令和六年四月一日　転入　見本市中央一丁目２番３号から",
                20.0,
                100.0 + k as f32 * 5.0,
                4.0,
                Ink::Black,
            );
        }
        // Sideways and condensed glyphs.
        let face = db().get(gothic);
        let gid = face.face().glyph_index('A').map_or(0, |g| g.0);
        o.push(Item::Glyph(Glyph {
            font: gothic,
            gid,
            x: 120.0,
            y: 60.0,
            em: 6.0,
            sx: 1.0,
            sy: 1.0,
            rot90: true,
            ink: Ink::Black,
        }));
        let gid = face.face().glyph_index('郎').map_or(0, |g| g.0);
        o.push(Item::Glyph(Glyph {
            font: gothic,
            gid,
            x: 130.0,
            y: 63.0,
            em: 6.0,
            sx: 0.5,
            sy: 1.0,
            rot90: false,
            ink: Ink::Black,
        }));
        // A registered impression: a red coverage disk over the name.
        let n = 96u32;
        let mut cov = vec![0u8; (n * n) as usize];
        for y in 0..n {
            for x in 0..n {
                let d = ((x as f32 - 47.5).powi(2) + (y as f32 - 47.5).powi(2)).sqrt();
                if (38.0..46.0).contains(&d) || (d < 30.0 && (x / 6 + y / 6) % 2 == 0) {
                    cov[(y * n + x) as usize] = 220;
                }
            }
        }
        o.push(Item::Image(Image {
            rect: Rect::from_xywh(60.0, 55.0, 16.0, 16.0),
            px_w: n,
            px_h: n,
            coverage: Arc::new(cov),
            ink: Ink::Red,
        }));
        // A small own dot field with padded rows (stride > row bytes).
        let (pw, ph, stride) = (60u32, 60u32, 10u32);
        let mut bits = vec![0u8; (stride * ph) as usize];
        for y in 0..ph {
            for x in 0..pw {
                if (x * 7 + y * 13) % 5 == 0 {
                    bits[(y * stride + x / 8) as usize] |= 0x80 >> (x % 8);
                }
            }
        }
        o.push(Item::Mask(BitMask {
            x: 170.0,
            y: 20.0,
            dpi: 300,
            px_w: pw,
            px_h: ph,
            stride,
            bits: Arc::new(bits),
            ink: Ink::Black,
        }));
        o
    }

    fn page(key: u64, name: &str) -> Page {
        Page {
            size: A4_MM,
            base: Arc::new(base_layer(3)),
            base_key: key,
            own: own_layer(name, 2),
        }
    }

    fn doc(pages: Vec<Page>) -> Document {
        Document {
            pages,
            ..Document::default()
        }
    }

    fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
        hay.windows(needle.len()).position(|w| w == needle)
    }

    fn cached(w: &PdfWriter, key: u64) -> Vec<u8> {
        w.cache
            .read()
            .unwrap()
            .get(&key)
            .unwrap()
            .chunk
            .as_bytes()
            .to_vec()
    }

    #[test]
    fn writes_a_deterministic_pdf() {
        let w = PdfWriter::new(db());
        let d = doc(vec![page(7, "見本　一郎")]);
        let opts = PdfOptions::default();
        let a = w.write(&d, &opts).unwrap();
        let b = w.write(&d, &opts).unwrap();
        assert!(a.starts_with(b"%PDF-"));
        assert!(a.ends_with(b"%%EOF"));
        assert_eq!(a, b, "two writes differ");
        // A fresh writer (cold cache) writes the same bytes.
        let c = PdfWriter::new(db()).write(&d, &opts).unwrap();
        assert_eq!(a, c, "cold and warm cache differ");
        assert!(find(&a, b"/CreationDate").is_none());
        assert!(find(&a, b"/ImageMask true").is_some());
        assert!(find(&a, b"/Interpolate false").is_some());
        assert!(find(&a, b"/BM /Multiply").is_some() || find(&a, b"/BM/Multiply").is_some());
        assert!(find(&a, b"/Identity-H").is_some());
        assert!(find(&a, b"/CIDFontType2").is_some());
        // Font files: the cached base's deflated, the request's own stored.
        let text = String::from_utf8_lossy(&a);
        let files: Vec<&str> = text
            .split(" obj")
            .filter(|o| o.contains("/Length1"))
            .map(|o| &o[..o.find("stream").unwrap()])
            .collect();
        let deflated = files.iter().filter(|d| d.contains("FlateDecode")).count();
        assert!(deflated >= 1 && deflated < files.len(), "{files:?}");
        for d in files.iter().filter(|d| !d.contains("FlateDecode")) {
            let num = |key: &str| -> &str {
                let at = d.find(key).unwrap() + key.len();
                d[at..].trim_start().split(['/', '>', ' ']).next().unwrap()
            };
            assert_eq!(num("/Length1"), num("/Length "), "a stored font: {d}");
        }
    }

    /// Every stream of a PDF, inflated where it is deflated.
    fn inflated_streams(pdf: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut at = 0;
        while let Some(i) = find(&pdf[at..], b"stream\n") {
            let start = at + i + 7;
            let Some(len) = find(&pdf[start..], b"\nendstream") else {
                break;
            };
            let raw = &pdf[start..start + len];
            out.push(
                miniz_oxide::inflate::decompress_to_vec_zlib(raw).unwrap_or_else(|_| raw.to_vec()),
            );
            at = start + len + b"\nendstream".len();
        }
        out
    }

    /// The bytes of the literal strings shown with `Tj` in a content stream, escapes undone.
    fn shown_strings(content: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < content.len() {
            if content[i] != b'(' {
                i += 1;
                continue;
            }
            let mut s = Vec::new();
            i += 1;
            while i < content.len() && content[i] != b')' {
                if content[i] == b'\\' {
                    let oct = std::str::from_utf8(&content[i + 1..i + 4]).unwrap();
                    s.push(u8::from_str_radix(oct, 8).unwrap());
                    i += 4;
                } else {
                    s.push(content[i]);
                    i += 1;
                }
            }
            out.push(s);
            i += 1;
        }
        out
    }

    #[test]
    fn module_fields_are_text_in_a_type3_font_that_decodes_to_the_levels() {
        // 13 columns (not a multiple of four), every byte that needs escaping in a string:
        // ( ) \ CR LF are 0x28 0x29 0x5C 0x0D 0x0A, i.e. these runs of four levels.
        let special: [[u8; 4]; 5] = [
            [0, 2, 2, 0],
            [0, 2, 2, 1],
            [1, 1, 3, 0],
            [0, 0, 3, 1],
            [0, 0, 2, 2],
        ];
        let (cols, rows) = (13u32, 9u32);
        let mut levels: Vec<u8> = (0..cols * rows)
            .map(|i| ((i * 7 + i / 5) % 4) as u8)
            .collect();
        for (r, run) in special.iter().enumerate() {
            levels[r * cols as usize..r * cols as usize + 4].copy_from_slice(run);
        }
        let field = ModuleField {
            x: 20.0,
            y: 30.0,
            dpi: 600,
            module_px: 6,
            cols,
            rows,
            levels: Arc::new(levels.clone()),
            dots: Arc::new(vec![[0, 0, 0, 0], [1, 2, 4, 3], [1, 1, 5, 5], [0, 0, 6, 6]]),
            ink: Ink::Black,
        };
        let mut p = page(7, "見本　一郎");
        p.own.push(Item::Modules(field.clone()));
        let pdf = PdfWriter::new(db())
            .write(&doc(vec![p]), &PdfOptions::default())
            .unwrap();
        assert!(find(&pdf, b"/Type3").is_some());
        // The modules are a content stream of their own, stored: the page's contents are
        // [own content, modules].
        assert!(find(&pdf, b"/Contents[").is_some());
        let stored = find(&pdf, b"/M0 1 Tf").expect("the module text is stored uncompressed");
        let obj = pdf[..stored]
            .windows(4)
            .rposition(|w| w == b" obj")
            .unwrap();
        assert!(find(&pdf[obj..stored], b"/Filter").is_none());
        let content = inflated_streams(&pdf)
            .into_iter()
            .find(|c| find(c, b"/M0 1 Tf").is_some())
            .expect("a content stream shows the module font");
        let rows_shown: Vec<Vec<u8>> =
            shown_strings(&content[find(&content, b"/M0 1 Tf").unwrap()..])
                .into_iter()
                .take(rows as usize)
                .collect();
        assert_eq!(rows_shown.len(), rows as usize);
        let mut decoded = Vec::new();
        for row in &rows_shown {
            assert_eq!(row.len(), (cols as usize).div_ceil(4));
            let mut l: Vec<u8> = row
                .iter()
                .flat_map(|b| (0..4).map(move |j| (b >> (6 - 2 * j)) & 3))
                .collect();
            // The padding of the last glyph prints nothing (level 0).
            assert!(l[cols as usize..].iter().all(|v| *v == 0));
            l.truncate(cols as usize);
            decoded.extend(l);
        }
        assert_eq!(decoded, levels);
        // Level 3 is a full module: its glyph run fills the width of four modules.
        assert!(find(&pdf, b"0.03125 0.03125 5.9375 5.9375 re").is_some());
        // Bad fields are refused with the item named.
        let mut bad = field;
        bad.levels = Arc::new(vec![0; 3]);
        let mut p = page(8, "見本　一郎");
        p.own.push(Item::Modules(bad));
        let e = PdfWriter::new(db())
            .write(&doc(vec![p]), &PdfOptions::default())
            .unwrap_err();
        assert!(e.to_string().contains("one level per module"), "{e}");
    }

    #[test]
    fn reuses_the_cached_base_byte_for_byte() {
        let w = PdfWriter::new(db());
        let opts = PdfOptions::default();
        let a = w.write(&doc(vec![page(7, "見本　一郎")]), &opts).unwrap();
        let b = w.write(&doc(vec![page(7, "見本　花子")]), &opts).unwrap();
        assert_ne!(a, b);
        assert_eq!(w.cached_bases(), 1);
        let blob = cached(&w, 7);
        assert!(blob.len() > 1000);
        let ia = find(&a, &blob).expect("base not in the first document");
        let ib = find(&b, &blob).expect("base not in the second document");
        assert_eq!(ia, ib, "the base starts the file in both");
        // A document whose second page has another base: the first base is still verbatim.
        let mut p2 = page(8, "見本　次郎");
        p2.base = Arc::new(base_layer(5));
        let m = w
            .write(
                &doc(vec![page(7, "見本　一郎"), p2, page(7, "見本　三郎")]),
                &opts,
            )
            .unwrap();
        assert!(find(&m, &blob).is_some());
        assert_eq!(w.cached_bases(), 2);
    }

    #[test]
    fn reports_bad_items_and_options() {
        let w = PdfWriter::new(db());
        let mut p = page(1, "見本　一郎");
        p.own.items.insert(
            0,
            Item::Glyph(Glyph {
                font: 999,
                gid: 1,
                x: 0.0,
                y: 0.0,
                em: 1.0,
                sx: 1.0,
                sy: 1.0,
                rot90: false,
                ink: Ink::Black,
            }),
        );
        let e = w.write(&doc(vec![p]), &PdfOptions::default()).unwrap_err();
        assert!(e.to_string().contains("pages[0].own.items[0]"), "{e}");
        let mut p = page(1, "見本　一郎");
        p.own.items.push(Item::Shape(Shape {
            path: Arc::new(Path::line(0.0, f32::NAN, 1.0, 1.0)),
            paint: Paint::Fill,
            ink: Ink::Black,
        }));
        let e = w.write(&doc(vec![p]), &PdfOptions::default()).unwrap_err();
        assert!(e.to_string().contains("pages[0].own.items["), "{e}");
        let bad_date = PdfOptions {
            title: None,
            creation_date: Some("2024-13-01".into()),
        };
        let e = w.write(&doc(vec![page(1, "見本")]), &bad_date).unwrap_err();
        assert_eq!(e.field(), Some("creation_date"));
        assert!(w
            .write(&Document::default(), &PdfOptions::default())
            .is_err());
    }

    #[test]
    fn writes_title_and_date_only_when_given() {
        let w = PdfWriter::new(db());
        let opts = PdfOptions {
            title: Some("住民票の写し（見本）".into()),
            creation_date: Some("2024-04-01T09:30:00+09:00".into()),
        };
        let a = w.write(&doc(vec![page(3, "見本　一郎")]), &opts).unwrap();
        assert!(find(&a, b"D:20240401093000+09'00").is_some());
        assert!(find(&a, b"/Title").is_some());
        for ok_date in ["2024-04-01", "2024-04-01T09:30", "2024-04-01T09:30:00Z"] {
            assert!(parse_date(ok_date).is_ok(), "{ok_date}");
        }
        for bad in ["2024-4-1", "2024-04-01T25:00", "2024-04-01T09:30:00+9", "x"] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_writer_is_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<PdfWriter>();
    }

    #[test]
    fn formats_numbers() {
        let f = |v: f32, d: u32| {
            let mut o = Vec::new();
            num(&mut o, v, d);
            String::from_utf8(o).unwrap()
        };
        assert_eq!(f(0.0, 3), "0");
        assert_eq!(f(-0.0001, 3), "0");
        assert_eq!(f(12.5, 3), "12.5");
        assert_eq!(f(-1.0006, 3), "-1.001");
        assert_eq!(f(0.05, 3), "0.05");
        assert_eq!(f(297.0 * PT_PER_MM, 4), "841.8898");
    }

    /// Runs qpdf and pdftoppm on the sample when they are installed.
    #[test]
    fn qpdf_and_poppler_accept_it() {
        let have = |tool: &str| {
            std::process::Command::new(tool)
                .arg("--version")
                .output()
                .is_ok()
        };
        if !have("qpdf") || !have("pdftoppm") {
            eprintln!("note: qpdf or pdftoppm not installed; external PDF checks skipped");
            return;
        }
        let dir = std::env::temp_dir().join("shomei-pdf-test");
        std::fs::create_dir_all(&dir).unwrap();
        let w = PdfWriter::new(db());
        let mut p2 = page(8, "見本　次郎");
        p2.base = Arc::new(base_layer(5));
        let docs = [
            doc(vec![page(7, "見本　一郎")]),
            doc(vec![page(7, "見本　一郎"), p2, page(7, "見本　三郎")]),
        ];
        for (k, d) in docs.iter().enumerate() {
            let bytes = w
                .write(
                    d,
                    &PdfOptions {
                        title: Some("見本".into()),
                        creation_date: None,
                    },
                )
                .unwrap();
            let file = dir.join(format!("sample{k}.pdf"));
            std::fs::write(&file, &bytes).unwrap();
            let out = std::process::Command::new("qpdf")
                .arg("--check")
                .arg(&file)
                .output()
                .unwrap();
            let log = String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "qpdf --check failed: {log}");
            assert!(!log.contains("WARNING"), "qpdf warns: {log}");
            let out = std::process::Command::new("pdftoppm")
                .args(["-r", "150", "-png", "-f", "1", "-l", "1"])
                .arg(&file)
                .arg(dir.join(format!("sample{k}")))
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.success() && err.trim().is_empty(),
                "pdftoppm: {err}"
            );
        }
    }

    /// Writes a certificate-sized page (≈ 600 glyphs in the base, ≈ 300 own) and prints the
    /// time per document with a warm cache. Run with
    /// `cargo test --release -p shomei-engine --lib output::pdf -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn measure_write_time() {
        let mut base = base_layer(24);
        let mincho = font("biz-ud-mincho");
        text(&mut base, mincho, "備考", 20.0, 120.0, 5.0, Ink::Black);
        let mut own = own_layer("見本　一郎", 11);
        text(
            &mut own,
            font("ipamj-mincho"),
            "見本　一郎",
            60.0,
            140.0,
            6.0,
            Ink::Black,
        );
        let count = |l: &Layer| {
            l.items
                .iter()
                .filter(|i| matches!(i, Item::Glyph(_)))
                .count()
        };
        let p = Page {
            size: A4_MM,
            base: Arc::new(base),
            base_key: 42,
            own,
        };
        eprintln!("glyphs: base {}, own {}", count(&p.base), count(&p.own));
        let d = doc(vec![p]);
        let w = PdfWriter::new(db());
        let opts = PdfOptions::default();
        let t = std::time::Instant::now();
        let first = w.write(&d, &opts).unwrap();
        eprintln!(
            "first write (builds the base): {:.2} ms",
            t.elapsed().as_secs_f64() * 1e3
        );
        let n = 200;
        let t = std::time::Instant::now();
        let mut len = 0;
        for _ in 0..n {
            len = w.write(&d, &opts).unwrap().len();
        }
        let per = t.elapsed().as_secs_f64() * 1e3 / f64::from(n);
        eprintln!(
            "warm write: {per:.3} ms per document, {} bytes (first {})",
            len,
            first.len()
        );
        // Where the time goes: the own layer's subsets and their deflate at two levels.
        let mut em = Emitter::new(OWN_LEVEL);
        em.layer(db(), &d.pages[0].own, 0, "own").unwrap();
        let content = em.take_stream();
        let t = std::time::Instant::now();
        let subsets: Vec<Vec<u8>> = em
            .fonts
            .iter()
            .map(|(f, r)| subsetter::subset(db().get(*f).data(), 0, r).unwrap())
            .collect();
        let sub_ms = t.elapsed().as_secs_f64() * 1e3;
        eprintln!(
            "own subsets: {sub_ms:.3} ms, {:?} bytes",
            subsets.iter().map(Vec::len).collect::<Vec<_>>()
        );
        for level in [1u8, 6] {
            let t = std::time::Instant::now();
            let z: usize = subsets
                .iter()
                .map(|s| deflate(s, level).len())
                .sum::<usize>()
                + deflate(&content, level).len();
            eprintln!(
                "deflate level {level}: {:.3} ms, {} → {z} bytes",
                t.elapsed().as_secs_f64() * 1e3,
                subsets.iter().map(Vec::len).sum::<usize>() + content.len()
            );
        }
    }
}
