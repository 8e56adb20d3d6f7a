//! Errors. Every error that comes from a request names the field (a JSON path such as
//! `members[1].birth_date`) and says what is expected; none carries a field's value, so an
//! error can be logged without leaking personal data.

use std::fmt;

/// The code points of a cluster, written `U+20BB7 U+E0100`.
pub fn code_points(s: &str) -> String {
    s.chars()
        .map(|c| format!("U+{:04X}", c as u32))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Everything that can go wrong between a request and its bytes.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The request data is invalid: wrong type, missing, unknown, impossible date, too long.
    Input {
        /// JSON path of the offending field.
        field: String,
        /// What is wrong and what is expected (never the value itself).
        expected: String,
    },
    /// No font in the chain has a character or a variation sequence.
    MissingGlyph {
        /// Field being set.
        field: String,
        /// Each missing cluster as code points (`U+20BB7`, `U+8FBB U+E0100`).
        clusters: Vec<String>,
    },
    /// A value does not fit its box even after every fitting step the layout allows.
    Overflow {
        /// Field being set.
        field: String,
        /// Length needed along the line direction at the smallest allowed size, mm.
        needed_mm: f32,
        /// Room available, mm.
        room_mm: f32,
        /// Lines needed at that size, and lines the box allows.
        lines: (usize, usize),
    },
    /// A layout, profile or font manifest is wrong. Reported once at start-up.
    Config {
        /// File that is wrong.
        file: String,
        /// Key inside it (dotted path), or empty.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// A font file could not be read or parsed.
    Font {
        /// File.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// An image (seal impression) is unusable.
    Image {
        /// Field that carried it.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Writing PNG or PDF failed (out of memory, I/O).
    Encode(String),
    /// The render queue is full; try again later.
    Busy,
}

impl Error {
    /// An input error for `field`.
    pub fn input(field: impl Into<String>, expected: impl Into<String>) -> Self {
        Error::Input {
            field: field.into(),
            expected: expected.into(),
        }
    }

    /// A configuration error.
    pub fn config(
        file: impl Into<String>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Config {
            file: file.into(),
            key: key.into(),
            message: message.into(),
        }
    }

    /// A short machine-readable kind (`input`, `missing_glyph`, `overflow` …).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Input { .. } => "input",
            Error::MissingGlyph { .. } => "missing_glyph",
            Error::Overflow { .. } => "overflow",
            Error::Config { .. } => "config",
            Error::Font { .. } => "font",
            Error::Image { .. } => "image",
            Error::Encode(_) => "encode",
            Error::Busy => "busy",
        }
    }

    /// The field the error is about, where there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::Input { field, .. }
            | Error::MissingGlyph { field, .. }
            | Error::Overflow { field, .. }
            | Error::Image { field, .. } => Some(field),
            _ => None,
        }
    }

    /// Replaces an empty field name (errors from the text engine called without one).
    pub fn in_field(mut self, name: &str) -> Self {
        match &mut self {
            Error::Input { field, .. }
            | Error::MissingGlyph { field, .. }
            | Error::Overflow { field, .. }
            | Error::Image { field, .. }
                if field.is_empty() =>
            {
                *field = name.to_string();
            }
            _ => {}
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Input { field, expected } => write!(f, "{field}: {expected}"),
            Error::MissingGlyph { field, clusters } => write!(
                f,
                "{field}: no font in the chain has {}; register the character in a gaiji font \
                 added to the fallback chain, or send the registered MJ/IVS sequence",
                clusters.join(", ")
            ),
            Error::Overflow {
                field,
                needed_mm,
                room_mm,
                lines,
            } => write!(
                f,
                "{field}: does not fit its box even at the smallest size allowed: needs \
                 {needed_mm:.1} mm in {} line(s), the box has {room_mm:.1} mm in {} line(s); \
                 shorten the value or widen the box in the layout",
                lines.0, lines.1
            ),
            Error::Config { file, key, message } => {
                if key.is_empty() {
                    write!(f, "{file}: {message}")
                } else {
                    write!(f, "{file}: {key}: {message}")
                }
            }
            Error::Font { file, message } => write!(f, "font {file}: {message}"),
            Error::Image { field, message } => write!(f, "{field}: {message}"),
            Error::Encode(m) => write!(f, "encoding failed: {m}"),
            Error::Busy => write!(f, "the render queue is full; retry shortly"),
        }
    }
}

impl std::error::Error for Error {}

/// Result with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
