//! What the hash stage makes of each file ([`Output`]), where a file's bytes
//! are on their way there ([`Payload`], [`Settled`]), and the files finished
//! before the stage proper: a file that names no other file, and every image
//! variant, is named and written as soon as it is transformed.

use crate::digest::{sha256_hex, sri};
use crate::held::Body;
use crate::naming::{append_map_comment, base_name, hashed_name, MapComment, Naming};
use crate::placeholder::{self, Style};
use crate::transform::sourcemap;

/// One file as it will be written.
#[derive(Debug, Clone)]
pub struct Output {
    /// Its path in the output.
    pub rel: String,
    /// Its final bytes, or `None` to copy the input file as it is.
    pub bytes: Option<Vec<u8>>,
    /// Its source map, written as `<rel>.map` (emptied with the bytes once
    /// written: `Some` still tells that there is one).
    pub map: Option<Vec<u8>>,
    /// Size in bytes.
    pub size: u64,
    /// Subresource Integrity value (`sha384-…`) of the bytes.
    pub integrity: String,
    /// The integrity value of its source map, when it has one (the manifest
    /// records it, so `verify` catches an edited map).
    pub map_integrity: Option<String>,
    /// The content hash in its name, if it has one.
    pub hash: Option<String>,
    /// When it shares its hash with the other files of a reference cycle:
    /// the input paths of all of them, sorted.
    pub cycle: Vec<String>,
    /// For a file that names others: the SHA-256 of its bytes with their
    /// hashes and integrity values blanked, which changes only when its
    /// own content does (`assetpress diff` tells the two causes apart).
    pub content: Option<String>,
}

impl Output {
    /// The output with `map` as its source map.
    pub(super) fn with_map(mut self, map: Option<Vec<u8>>) -> Output {
        self.map_integrity = map.as_deref().map(sri);
        self.map = map;
        self
    }

    /// Frees the bytes and the map once written; names, sizes and integrity
    /// stay for the manifest and the report.
    pub fn release(&mut self) {
        self.bytes = None;
        if let Some(map) = &mut self.map {
            *map = Vec::new();
        }
    }
}

/// Where a file's transformed bytes are between its transform and its write.
#[derive(Debug)]
pub enum Payload {
    /// Nothing new: the input file is copied as it is.
    Input,
    /// It names other files, so it waits for the hash stage: its bytes and
    /// its new source map, put aside (in memory or on disk).
    Waiting {
        /// The transformed bytes, placeholders and all.
        body: Body,
        /// Its new source map, if any.
        map: Option<Body>,
    },
    /// It names no other file: named, finished and written as soon as it
    /// was transformed ([`finish_alone`]); bytes released.
    Written(Output),
}

/// A file once its transform is settled: its payload, and its image
/// variants, written already (path before hashing, and output).
#[derive(Debug)]
pub struct Settled {
    /// Where its bytes are.
    pub payload: Payload,
    /// Its image variants, as written.
    pub variants: Vec<(String, Output)>,
}

impl Settled {
    /// A file copied as it is, with no variants.
    pub fn input() -> Settled {
        Settled {
            payload: Payload::Input,
            variants: Vec::new(),
        }
    }
}

/// The source map `map` of the file `input_rel`, its `file` naming the
/// output `rel`.
pub(super) fn map_named(map: &[u8], rel: &str, input_rel: &str) -> Vec<u8> {
    let own = base_name(rel).to_string();
    let old = base_name(input_rel).to_string();
    let text = String::from_utf8_lossy(map);
    sourcemap::rewrite_file(&text, &|f| (f == old).then(|| own.clone()))
        .map(|r| r.text.into_bytes())
        .unwrap_or_else(|_| map.to_vec())
}

/// The output of a file whose transformed `bytes` name no other file, so
/// its name and final bytes are known at once: it is written while other
/// files are still being transformed. `Err` gives the bytes back when they
/// hold a placeholder (the hash stage finishes the file).
pub fn finish_alone(
    input_rel: &str,
    bytes: Vec<u8>,
    map: Option<&[u8]>,
    map_comment: Option<MapComment>,
    style: Style,
    naming: &Naming,
) -> std::result::Result<Output, Vec<u8>> {
    let width = naming.hash_length;
    if !placeholder::find(&bytes, width, style).is_empty()
        || !placeholder::find_sri(&bytes, style).is_empty()
    {
        return Err(bytes);
    }
    let hash = (!naming.keeps_name(input_rel)).then(|| sha256_hex(&bytes)[..width].to_string());
    let rel = match &hash {
        Some(h) => hashed_name(input_rel, h, naming.separator),
        None => input_rel.to_string(),
    };
    let mut b = bytes;
    let map = map.map(|m| {
        if let Some(style) = map_comment {
            append_map_comment(&mut b, style, &rel);
        }
        map_named(m, &rel, input_rel)
    });
    Ok(Output {
        hash,
        ..output_of(rel, b)
    }
    .with_map(map))
}

/// The output of an image variant: always hashed, named after `rel` (its
/// path before hashing), the hash joined by `sep`.
pub fn finish_variant(rel: &str, bytes: Vec<u8>, width: usize, sep: char) -> Output {
    let hash = sha256_hex(&bytes)[..width].to_string();
    Output {
        hash: Some(hash.clone()),
        ..output_of(hashed_name(rel, &hash, sep), bytes)
    }
}

/// An output of `bytes` at `rel`, with no map, hash or cycle.
pub(super) fn output_of(rel: String, bytes: Vec<u8>) -> Output {
    Output {
        rel,
        size: bytes.len() as u64,
        integrity: sri(&bytes),
        bytes: Some(bytes),
        map: None,
        map_integrity: None,
        hash: None,
        cycle: Vec::new(),
        content: None,
    }
}
