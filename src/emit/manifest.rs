//! The manifest: every input file's output name, sizes, integrity and the
//! files it references — `assetpress-manifest.json` for assetpress's own
//! `verify` and for backends that look names up, plus the formats other
//! tools' readers expect (`--manifest-format flat|vite|propshaft|django`).
//! Keys are sorted; nothing depends on the machine or the clock.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::asset::ImageFormat;
use crate::asset::{AssetKind, SourceFile};
use crate::config::{Config, ManifestFormat};
use crate::digest::sha256_hex;
use crate::graph::Graph;
use crate::hash::Output;
use crate::id::FileId;
use crate::transform::Variants;

/// `assetpress-manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// Format version: 1.
    pub version: u32,
    /// The hash function of names: `sha256`.
    pub hash: String,
    /// Hex digits of the hash in names.
    pub hash_length: usize,
    /// Public path the output is served under.
    pub base: String,
    /// Absolute URL of the output root, when references were written under it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// Input path → what became of it.
    pub assets: BTreeMap<String, Entry>,
    /// The other files the build wrote into the output (this manifest, the
    /// other formats, `_headers`, server files placed inside), sorted: with
    /// the assets, their maps, variants and compressed copies, they are every
    /// file of the output.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub generated: Vec<String>,
}

/// One input file in the manifest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    /// Output path.
    pub file: String,
    /// Output size in bytes.
    pub size: u64,
    /// Input size in bytes.
    pub original_size: u64,
    /// Subresource Integrity of the output (`sha384-…`).
    pub integrity: String,
    /// Its source map's output path, when one was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map: Option<String>,
    /// Subresource Integrity of its source map, when one was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_integrity: Option<String>,
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

/// Builds the manifest of a run.
pub fn build(
    config: &Config,
    files: &[SourceFile],
    outputs: &[Option<Output>],
    graph: &Graph,
    variants: (&Variants, &[Output]),
    generated: Vec<String>,
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
                map: o.map.as_ref().map(|_| format!("{}.map", o.rel)),
                map_integrity: o.map_integrity.clone(),
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
        base: config.base.clone(),
        public_url: config.public_url.clone(),
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
    for format in &config.manifest_formats {
        let value = match format {
            ManifestFormat::Flat => serde_json::to_value(flat(manifest)),
            ManifestFormat::Vite => serde_json::to_value(vite(manifest, files, graph)),
            ManifestFormat::Propshaft => serde_json::to_value(propshaft(manifest)),
            ManifestFormat::Django => serde_json::to_value(django(manifest)),
        };
        out.push((
            path_of(*format).to_string(),
            pretty(&value.unwrap_or_default()),
        ));
    }
    out
}

fn pretty<T: Serialize>(value: &T) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(value).unwrap_or_default();
    v.push(b'\n');
    v
}

/// gulp-rev / webpack-manifest-plugin: input path → output path.
fn flat(m: &Manifest) -> BTreeMap<&str, &str> {
    m.assets
        .iter()
        .map(|(k, e)| (k.as_str(), e.file.as_str()))
        .collect()
}

/// One entry of Vite's `.vite/manifest.json`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ViteChunk {
    file: String,
    src: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    is_entry: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    imports: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dynamic_imports: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    css: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    assets: Vec<String>,
}

/// Vite's backend-integration manifest: scripts and stylesheets that pages
/// load (or nothing loads) are entries; `imports`/`dynamicImports` name other
/// entries' keys, `css`/`assets` output files, as Vite writes them.
fn vite(m: &Manifest, files: &[SourceFile], graph: &Graph) -> BTreeMap<String, ViteChunk> {
    let mut referrers: Vec<Vec<FileId>> = vec![Vec::new(); files.len()];
    for (i, targets) in FileId::all(files.len()).zip(&graph.edges) {
        for &t in targets {
            referrers[t].push(i);
        }
    }
    let mut out = BTreeMap::new();
    for (i, f) in FileId::all(files.len()).zip(files) {
        let Some(entry) = m.assets.get(&f.rel) else {
            continue;
        };
        let code = matches!(f.kind, AssetKind::Js | AssetKind::Css);
        let is_entry = code
            && (referrers[i].is_empty()
                || referrers[i]
                    .iter()
                    .any(|&r| matches!(files[r].kind, AssetKind::Html)));
        let mut chunk = ViteChunk {
            file: entry.file.clone(),
            src: f.rel.clone(),
            is_entry,
            imports: Vec::new(),
            dynamic_imports: Vec::new(),
            css: Vec::new(),
            assets: Vec::new(),
        };
        if f.kind == AssetKind::Js {
            for &t in &graph.edges[i] {
                let Some(target) = m.assets.get(&files[t].rel) else {
                    continue;
                };
                match files[t].kind {
                    AssetKind::Js if graph.dynamic[i].contains(&t) => {
                        chunk.dynamic_imports.push(files[t].rel.clone())
                    }
                    AssetKind::Js => chunk.imports.push(files[t].rel.clone()),
                    // Styles of a chunk loaded on demand (a preload list's)
                    // are not the module's own.
                    AssetKind::Css if graph.dynamic[i].contains(&t) => {}
                    AssetKind::Css => chunk.css.push(target.file.clone()),
                    _ => chunk.assets.push(target.file.clone()),
                }
            }
        } else if f.kind == AssetKind::Css {
            for &t in &graph.edges[i] {
                if let Some(target) = m.assets.get(&files[t].rel) {
                    match files[t].kind {
                        AssetKind::Css => chunk.css.push(target.file.clone()),
                        _ => chunk.assets.push(target.file.clone()),
                    }
                }
            }
        }
        out.insert(f.rel.clone(), chunk);
    }
    out
}

#[derive(Serialize)]
struct PropshaftEntry<'a> {
    digested_path: &'a str,
    integrity: &'a str,
}

/// Rails Propshaft's `.manifest.json`: logical path → digested path and integrity.
fn propshaft(m: &Manifest) -> BTreeMap<&str, PropshaftEntry<'_>> {
    m.assets
        .iter()
        .map(|(k, e)| {
            (
                k.as_str(),
                PropshaftEntry {
                    digested_path: &e.file,
                    integrity: &e.integrity,
                },
            )
        })
        .collect()
}

#[derive(Serialize)]
struct Django<'a> {
    paths: BTreeMap<&'a str, &'a str>,
    version: &'static str,
    hash: String,
}

/// Django's `staticfiles.json` (`ManifestStaticFilesStorage`, manifest version 1.1).
fn django(m: &Manifest) -> Django<'_> {
    let paths = flat(m);
    let json = serde_json::to_vec(&paths).unwrap_or_default();
    Django {
        hash: sha256_hex(&json)[..12].to_string(),
        paths,
        version: "1.1",
    }
}
