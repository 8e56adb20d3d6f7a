//! The whole flow for one request: bind → compose → (paint) → encode. One `Renderer` serves
//! every thread; its caches (static page bases, glyphs, PDF bases) fill once and are shared.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::layout::{Catalog, Composer, Request};
use crate::output::pdf::{PdfOptions, PdfWriter};
use crate::output::png::{encode_png, ColorMode, PngOptions};
use crate::paint::Painter;
use crate::text::FontDb;
use crate::Document;

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Vector PDF, every page in one file.
    Pdf,
    /// One PNG per page.
    Png,
}

/// How to encode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputOptions {
    /// Format. Default: PDF.
    pub format: Format,
    /// Raster resolution (PNG). Default: 300.
    pub dpi: u32,
    /// PNG pixel format. Default: grey.
    pub color: ColorMode,
}

impl Default for OutputOptions {
    fn default() -> Self {
        OutputOptions {
            format: Format::Pdf,
            dpi: 300,
            color: ColorMode::Gray,
        }
    }
}

/// Lowest and highest raster resolution accepted.
pub const DPI_RANGE: (u32, u32) = (50, 1200);

fn check_dpi(out: &OutputOptions) -> Result<()> {
    if out.dpi < DPI_RANGE.0 || out.dpi > DPI_RANGE.1 {
        return Err(Error::input(
            "dpi",
            format!(
                "expected a resolution from {} to {} dpi",
                DPI_RANGE.0, DPI_RANGE.1
            ),
        ));
    }
    Ok(())
}

/// What a render produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// One PDF, or one PNG per page.
    pub files: Vec<Vec<u8>>,
    /// Number of pages.
    pub pages: usize,
    /// The digest of the certificate's data, as its signed codes carry it (what the issuance
    /// ledger records).
    pub data_digest: [u8; 16],
}

/// Renders requests.
pub struct Renderer {
    fonts: &'static FontDb,
    composer: Composer,
    painter: Painter,
    pdf: PdfWriter,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer").finish_non_exhaustive()
    }
}

impl Renderer {
    /// A renderer over a catalog.
    pub fn new(fonts: &'static FontDb, catalog: Arc<Catalog>) -> Renderer {
        Renderer {
            fonts,
            composer: Composer::new(fonts, catalog),
            painter: Painter::new(fonts),
            pdf: PdfWriter::new(fonts),
        }
    }

    /// The catalog.
    pub fn catalog(&self) -> &Catalog {
        self.composer.catalog()
    }

    /// The fonts.
    pub fn fonts(&self) -> &'static FontDb {
        self.fonts
    }

    /// The composer.
    pub fn composer(&self) -> &Composer {
        &self.composer
    }

    /// The painter.
    pub fn painter(&self) -> &Painter {
        &self.painter
    }

    /// Binds and composes a request into its display list; the back of each sheet gets its
    /// front's scrambled image ([`Renderer::scramble_backs`]).
    pub fn compose(&self, req: &Request<'_>) -> Result<Document> {
        let mut doc = self.composer.compose(req)?;
        self.scramble_backs(&mut doc, req)?;
        Ok(doc)
    }

    /// Puts the scrambled image of each front page (security-print.md §4,
    /// [`crate::security::scramble`]) into the own layer of the back page that follows it.
    /// Only for a duplex certificate of a municipality with a scramble key; the front is
    /// painted at the source dpi (its base comes from the painter's cache).
    pub fn scramble_backs(&self, doc: &mut Document, req: &Request<'_>) -> Result<()> {
        let cat = self.catalog();
        let m = cat.municipality(req.municipality)?;
        let Some(master) = &m.scrambler else {
            return Ok(());
        };
        let sec = self.composer.security(cat.layout(req.layout)?, m)?;
        if !sec.duplex() {
            return Ok(());
        }
        let serial = crate::signed::serial_number(req.serial)?;
        for (p, pair) in doc.pages.chunks_mut(2).enumerate() {
            if let [front, back] = pair {
                let page = u8::try_from(p + 1).unwrap_or(u8::MAX);
                let field = crate::security::scramble::scramble_front(
                    &self.painter,
                    front,
                    &sec,
                    master,
                    serial,
                    page,
                )?;
                back.own.push(crate::display::Item::Modules(field));
            }
        }
        Ok(())
    }

    /// Encodes a composed document.
    pub fn encode(&self, doc: &Document, title: &str, out: &OutputOptions) -> Result<Rendered> {
        let pages = doc.pages.len();
        let files = match out.format {
            Format::Pdf => vec![self.pdf.write(
                doc,
                &PdfOptions {
                    title: Some(title.to_string()),
                    creation_date: None,
                },
            )?],
            Format::Png => {
                check_dpi(out)?;
                let opts = PngOptions {
                    color: out.color,
                    ..PngOptions::default()
                };
                // Painted into this thread's scratch planes (reused between jobs on a worker).
                crate::paint::with_scratch_planes(|planes| {
                    doc.pages
                        .iter()
                        .map(|p| {
                            self.painter.paint_page_into(p, out.dpi, planes);
                            encode_png(planes, &opts)
                        })
                        .collect::<Result<Vec<_>>>()
                })?
            }
        };
        Ok(Rendered {
            files,
            pages,
            data_digest: doc.data_digest,
        })
    }

    /// The whole flow.
    pub fn render(&self, req: &Request<'_>, out: &OutputOptions) -> Result<Rendered> {
        // Reject a bad resolution before composing anything.
        if out.format == Format::Png {
            check_dpi(out)?;
        }
        let doc = self.compose(req)?;
        let title = self.catalog().layout(req.layout)?.title.clone();
        self.encode(&doc, &title, out)
    }
}
