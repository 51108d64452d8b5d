//! The one error type of the language transforms (JS, CSS, HTML, web app
//! manifests, source maps, images): what went wrong and where in the file.
//! A transform knows neither the file's path nor how bad the problem is for
//! the run; `transform/mod.rs` adds both when it turns a [`TransformError`]
//! into a [`Diagnostic`](crate::error::Diagnostic), in one place.

use std::fmt;

use crate::error::Loc;

/// A problem a transform found in the text or bytes it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransformError {
    /// What went wrong, in one line.
    pub message: String,
    /// Where in the input, when known.
    pub loc: Option<Loc>,
}

impl TransformError {
    /// A problem with no location.
    pub fn new(message: impl Into<String>) -> TransformError {
        TransformError::at(message, None)
    }

    /// A problem at `loc`.
    pub fn at(message: impl Into<String>, loc: Option<Loc>) -> TransformError {
        // Parser messages sometimes span lines; normalised here as a
        // diagnostic is, so a message wrapped in more text reads the same.
        let message = message
            .into()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        TransformError { message, loc }
    }
}

impl From<String> for TransformError {
    fn from(message: String) -> TransformError {
        TransformError::new(message)
    }
}

impl From<&str> for TransformError {
    fn from(message: &str) -> TransformError {
        TransformError::new(message)
    }
}

impl fmt::Display for TransformError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.loc {
            Some(Loc { line, col }) => write!(f, "{line}:{col}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}
