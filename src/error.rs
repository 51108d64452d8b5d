//! Errors that stop a run, and diagnostics that do not.
//!
//! A run stops only for a configuration problem or an I/O error on the output
//! side ([`Error`]); a bad input file is a [`Diagnostic`] attached to the
//! report, and the file is passed through unchanged.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// An error that stops the run (exit status 2). Every variant names a path or
/// the setting at fault, so the message tells the user what to fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is invalid (bad flag combination, bad config file, bad glob).
    #[error("{0}")]
    Config(String),
    /// An I/O operation on `path` failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory the operation was about.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A request to an object store (or a deploy target folder) failed.
    #[error("{target}: {message}")]
    Remote {
        /// The target, as given (it never holds credentials).
        target: String,
        /// What failed.
        message: String,
    },
    /// The new output is in place, but a file beside it could not be put
    /// in place after it.
    #[error("{0} (the new output is in place)")]
    AfterCommit(Box<Error>),
}

impl Error {
    /// Whether the output was already replaced when the run stopped.
    pub fn output_replaced(&self) -> bool {
        matches!(self, Error::AfterCommit(_))
    }

    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result alias for the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something was suspicious but the output is complete.
    Warning,
    /// A file could not be processed and was passed through unchanged.
    Error,
}

/// A 1-based line and column in an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Loc {
    /// Line, starting at 1.
    pub line: u32,
    /// Column, starting at 1.
    pub col: u32,
}

/// A problem with one input file, shown as `path:line:col: message`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Diagnostic {
    /// Path of the file, relative to the input root, with `/` separators.
    pub path: String,
    /// Where in the file, when known.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub loc: Option<Loc>,
    /// Warning or error.
    pub severity: Severity,
    /// What went wrong, in one line.
    pub message: String,
}

impl Diagnostic {
    /// A warning about `path`.
    pub fn warning(path: &str, loc: Option<Loc>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, path, loc, message)
    }

    /// An error about `path`: the file is passed through unchanged.
    pub fn error(path: &str, loc: Option<Loc>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, path, loc, message)
    }

    fn new(severity: Severity, path: &str, loc: Option<Loc>, message: impl Into<String>) -> Self {
        // Parser messages sometimes span lines; a diagnostic is one line.
        let message = message
            .into()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        Diagnostic {
            path: path.to_string(),
            loc,
            severity,
            message,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.loc {
            Some(Loc { line, col }) => write!(f, "{}:{line}:{col}: {}", self.path, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// Turns byte offsets into locations, each call continuing from the last
/// one: linear over a document whose offsets come in order (an offset
/// before the last one starts over). Columns count characters.
pub struct LocCursor<'a> {
    text: &'a [u8],
    offset: usize,
    line: u32,
    col: u32,
}

impl<'a> LocCursor<'a> {
    /// A cursor at the start of `text`.
    pub fn new(text: &'a [u8]) -> LocCursor<'a> {
        LocCursor {
            text,
            offset: 0,
            line: 1,
            col: 1,
        }
    }

    /// The location of byte `offset`.
    pub fn loc(&mut self, offset: usize) -> Loc {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            *self = LocCursor::new(self.text);
        }
        let span = &self.text[self.offset..offset];
        let mut from = 0;
        for nl in memchr::memchr_iter(b'\n', span) {
            self.line += 1;
            from = nl + 1;
            self.col = 1;
        }
        self.col += span[from..].iter().filter(|&&b| b & 0xC0 != 0x80).count() as u32;
        self.offset = offset;
        Loc {
            line: self.line,
            col: self.col,
        }
    }
}

/// The 1-based line and column of byte `offset` in `text`, counting columns in
/// characters.
pub fn loc_of_offset(text: &[u8], offset: usize) -> Loc {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = before.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
    let col = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count() as u32
        + 1;
    Loc { line, col }
}

/// Checks that `bytes` are UTF-8, or returns a diagnostic pointing at the first bad byte.
pub fn require_utf8<'a>(path: &str, bytes: &'a [u8]) -> std::result::Result<&'a str, Diagnostic> {
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        Diagnostic::error(
            path,
            Some(loc_of_offset(bytes, at)),
            format!(
                "not valid UTF-8 (byte 0x{:02x} at offset {at}); file copied unchanged",
                bytes[at]
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loc_counts_lines_and_characters() {
        assert_eq!(loc_of_offset(b"ab\ncd", 0), Loc { line: 1, col: 1 });
        assert_eq!(loc_of_offset(b"ab\ncd", 4), Loc { line: 2, col: 2 });
        assert_eq!(
            loc_of_offset("é\nxé".as_bytes(), 6),
            Loc { line: 2, col: 3 }
        );
    }

    #[test]
    fn invalid_utf8_is_located() {
        let d = require_utf8("a.js", b"ok\nx\xffy").unwrap_err();
        assert_eq!(
            d.to_string(),
            "a.js:2:2: not valid UTF-8 (byte 0xff at offset 4); file copied unchanged"
        );
    }

    #[test]
    fn diagnostics_are_one_line() {
        let d = Diagnostic::warning("a.css", None, "bad\n  thing");
        assert_eq!(d.to_string(), "a.css: bad thing");
    }

    #[test]
    fn cursor_agrees_with_loc_of_offset() {
        let text = "ab\ncé\n\nxyz é".as_bytes();
        let mut c = LocCursor::new(text);
        for offset in [0, 1, 3, 5, 6, 8, 9, 12, 2, 14] {
            assert_eq!(c.loc(offset), loc_of_offset(text, offset), "{offset}");
        }
    }
}
