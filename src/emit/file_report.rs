//! What became of one input file, as the writer records it for the report.

use serde::Serialize;

use crate::transform::{LeftAsIs, Status};

/// One input file and what became of it.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// Relative path of the input.
    pub path: String,
    /// Relative path of the output (with its content hash, unless it keeps its name).
    pub output: String,
    /// Its kind (`js`, `css`, `html`, …).
    pub kind: &'static str,
    /// `minified`, `copied`, or `failed` (copied unchanged).
    pub status: Status,
    /// Why a script or stylesheet that was to be minified kept its input
    /// bytes: `not_smaller` (its references still rewritten), `too_large` (not
    /// parsed: the files it names keep their names).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_as_is: Option<LeftAsIs>,
    /// Why it keeps its name, when it does (`reason`: `keep_names`,
    /// `bundler_hash`, `unreferenced`, `navigation` or `mentioned`, the last
    /// two with `at`, where).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept: Option<crate::keep::Kept>,
    /// Input size in bytes.
    pub bytes_in: u64,
    /// Output size in bytes.
    pub bytes_out: u64,
    /// Output size after gzip -9, for text files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gzip_out: Option<u64>,
    /// Size of the `.br` copy written beside the output, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub br_out: Option<u64>,
    /// Compressed copies written beside the output (`gzip` → `.gz`, `br` → `.br`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub precompressed: Vec<crate::encoding::Encoding>,
    /// Size of the source map written beside the output, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub map_bytes: Option<u64>,
    /// Time spent transforming it, in milliseconds.
    pub time_ms: f64,
}
