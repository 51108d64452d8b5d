//! The manifest: every input file's output name, sizes, integrity and the
//! files it references — `assetpress-manifest.json` for assetpress's own
//! `verify` and for backends that look names up, plus the formats other
//! tools' readers expect (`--manifest-format flat|vite|propshaft|django`).
//! Keys are sorted; nothing depends on the machine or the clock.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::asset::ImageFormat;
use crate::asset::SourceFile;
use crate::config::{CacheControl, Config, HashSeparator, ManifestFormat};
use crate::graph::Graph;
use crate::hash::Output;
use crate::id::FileId;
use crate::transform::Variants;

mod formats;
use formats::{django, flat, propshaft, vite};

/// `assetpress-manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// Format version: 1.
    pub version: u32,
    /// The hash function of names: `sha256`.
    pub hash: String,
    /// Hex digits of the hash in names.
    pub hash_length: usize,
    /// What joins the hash to a name: `dot` (`app.3f2a9c1b.js`, when
    /// absent) or `dash` (`app-3f2a9c1b.js`).
    #[serde(default, skip_serializing_if = "is_dot")]
    pub hash_separator: HashSeparator,
    /// Public path the output is served under.
    pub base: String,
    /// Absolute URL of the output root, when references were written under it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// The `Cache-Control` of each class of file, as `headers.json` gives
    /// them (`deploy` stores every object with them).
    #[serde(default)]
    pub cache_control: CacheControl,
    /// Input path → what became of it.
    pub assets: BTreeMap<String, Entry>,
    /// The other files the build wrote into the output (this manifest, the
    /// other formats, `_headers`, server files placed inside), sorted: with
    /// the assets, their maps, variants and compressed copies, they are every
    /// file of the output.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub generated: Vec<String>,
}

fn is_dot(sep: &HashSeparator) -> bool {
    *sep == HashSeparator::Dot
}

/// One input file in the manifest.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    /// Output path.
    pub file: String,
    /// Output size in bytes.
    pub size: u64,
    /// Input size in bytes.
    pub original_size: u64,
    /// Subresource Integrity of the output (`sha384-…`).
    pub integrity: String,
    /// Its size under gzip (level 9), when a budget measures it so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gzip: Option<u64>,
    /// Its size under brotli (quality 11), when a budget measures it so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brotli: Option<u64>,
    /// It keeps its name, but a bundler put a content hash in it: it is
    /// served as a hashed file.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bundler_hashed: bool,
    /// Its source map's output path, when one was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map: Option<String>,
    /// Subresource Integrity of its source map, when one was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_integrity: Option<String>,
    /// For a file that references others: the SHA-256 of its bytes with
    /// their hashes blanked, which changes only when its own content does
    /// (a file that references none has its own bytes in `integrity`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Input paths of the files it references.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// The input paths of the files it shares a hash with, when it is part
    /// of a reference cycle (itself included).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cycle: Vec<String>,
    /// For an image: its upright size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// For an image: its upright height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// For an image: its responsive variants.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<VariantEntry>,
}

/// One responsive variant of an image.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VariantEntry {
    /// Output path.
    pub file: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `webp`, `jpeg` or `png`.
    pub format: ImageFormat,
    /// Size in bytes.
    pub size: u64,
    /// Subresource Integrity of the file.
    pub integrity: String,
}

/// Reads a manifest file: the manifest and its bytes.
pub fn read(path: &std::path::Path) -> crate::error::Result<(Manifest, Vec<u8>)> {
    use crate::error::Error;
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let m = serde_json::from_slice(&bytes).map_err(|e| {
        Error::Config(format!(
            "{}: not an assetpress manifest: {e}",
            path.display()
        ))
    })?;
    Ok((m, bytes))
}

/// Builds the manifest of a run.
pub fn build(
    config: &Config,
    files: &[SourceFile],
    outputs: &[Option<Output>],
    graph: &Graph,
    variants: (&Variants, &[Output]),
    generated: Vec<String>,
    served_hashed: &BTreeSet<&str>,
) -> Manifest {
    let mut assets = BTreeMap::new();
    for ((i, file), output) in FileId::all(files.len()).zip(files).zip(outputs) {
        let Some(o) = output else { continue };
        let (table, written) = variants;
        let size = table.size_of(i);
        assets.insert(
            file.rel.clone(),
            Entry {
                file: o.rel.clone(),
                size: o.size,
                original_size: file.size,
                integrity: o.integrity.clone(),
                gzip: None,
                brotli: None,
                bundler_hashed: o.rel == file.rel && served_hashed.contains(o.rel.as_str()),
                map: o.map.as_ref().map(|_| format!("{}.map", o.rel)),
                map_integrity: o.map_integrity.clone(),
                content: o.content.clone(),
                references: graph.edges[i]
                    .iter()
                    .filter(|&&j| outputs[j].is_some())
                    .map(|&j| files[j].rel.clone())
                    .collect(),
                cycle: o.cycle.clone(),
                width: size.map(|s| s.0),
                height: size.map(|s| s.1),
                variants: table
                    .of(i)
                    .filter_map(|(k, v)| {
                        let w = written.get(k)?;
                        Some(VariantEntry {
                            file: w.rel.clone(),
                            width: v.width,
                            height: v.height,
                            format: v.format,
                            size: w.size,
                            integrity: w.integrity.clone(),
                        })
                    })
                    .collect(),
            },
        );
    }
    Manifest {
        version: 1,
        hash: "sha256".into(),
        hash_length: config.hash_length,
        hash_separator: config.hash_separator,
        base: config.base.clone(),
        public_url: config.public_url.clone(),
        cache_control: config.cache_control.clone(),
        assets,
        generated,
    }
}

/// Where a manifest of `format` goes inside the output.
pub fn path_of(format: ManifestFormat) -> &'static str {
    match format {
        ManifestFormat::Flat => "rev-manifest.json",
        ManifestFormat::Vite => ".vite/manifest.json",
        ManifestFormat::Propshaft => ".manifest.json",
        ManifestFormat::Django => "staticfiles.json",
    }
}

/// The files to write for the manifest and the extra formats: (path inside
/// the output, contents).
pub fn render(
    config: &Config,
    manifest: &Manifest,
    files: &[SourceFile],
    graph: &Graph,
) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![(config.manifest.clone(), pretty(manifest))];
    for &format in &config.manifest_formats {
        let bytes =
            render_from(format, manifest).unwrap_or_else(|| pretty(&vite(manifest, files, graph)));
        out.push((path_of(format).to_string(), bytes));
    }
    out
}

/// A manifest of `format` that follows from the manifest alone, as the
/// build writes it: every format but Vite's, which needs the references
/// between files (`verify` uses it to tell a manifest changed after the build).
pub fn render_from(format: ManifestFormat, manifest: &Manifest) -> Option<Vec<u8>> {
    match format {
        ManifestFormat::Flat => Some(pretty(&flat(manifest))),
        ManifestFormat::Vite => None,
        ManifestFormat::Propshaft => Some(pretty(&propshaft(manifest))),
        ManifestFormat::Django => Some(pretty(&django(manifest))),
    }
}

fn pretty<T: Serialize>(value: &T) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(value).unwrap_or_default();
    v.push(b'\n');
    v
}
