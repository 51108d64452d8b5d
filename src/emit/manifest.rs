//! The manifest: every input file's output name, sizes, integrity and the
//! files it references — `assetpress-manifest.json` for assetpress's own
//! `verify` and for backends that look names up, plus the formats other
//! tools' readers expect (`--manifest-format flat|vite|propshaft|django`).
//! Keys are sorted; nothing depends on the machine or the clock.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::asset::ImageFormat;
use crate::asset::{AssetKind, SourceFile};
use crate::config::{CacheControl, Config, HashSeparator, ManifestFormat};
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

/// gulp-rev / webpack-manifest-plugin: input path → output path.
fn flat(m: &Manifest) -> BTreeMap<&str, &str> {
    m.assets
        .iter()
        .map(|(k, e)| (k.as_str(), e.file.as_str()))
        .collect()
}

/// One entry of Vite's `.vite/manifest.json`, its fields in Vite 8's order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ViteChunk {
    file: String,
    /// The chunk's name: a script's or an entry stylesheet's file name
    /// without extension and without a bundler's hash (`lazy`).
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    /// An entry stylesheet's file name (`["style.css"]`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    names: Vec<String>,
    src: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    is_entry: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    is_dynamic_entry: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    imports: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dynamic_imports: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    css: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    assets: Vec<String>,
}

/// The file name of `rel` without a bundler's hash: `assets/lazy-C9F6QpFP.js`
/// → `lazy.js`, `js/main.3f2a9c1b.js` → `main.js`.
fn original_file_name(rel: &str) -> String {
    let base = crate::naming::base_name(rel);
    match crate::naming::bundler_token(rel) {
        Some((token, crate::naming::TokenShape::Dash8)) => {
            base.replacen(&format!("-{token}"), "", 1)
        }
        Some((token, _)) => base.replacen(&format!(".{token}"), "", 1),
        None => base.to_string(),
    }
}

/// A chunk's name as Vite writes it: the original file name without its
/// extension.
fn chunk_name(rel: &str) -> String {
    let name = original_file_name(rel);
    match name.rfind('.') {
        Some(dot) if dot > 0 => name[..dot].to_string(),
        _ => name,
    }
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
        let is_dynamic_entry = f.kind == AssetKind::Js
            && referrers[i]
                .iter()
                .any(|&r| graph.import_calls[r].contains(&i));
        let mut chunk = ViteChunk {
            file: entry.file.clone(),
            name: (f.kind == AssetKind::Js || is_entry).then(|| chunk_name(&f.rel)),
            names: if f.kind == AssetKind::Css && is_entry {
                vec![original_file_name(&f.rel)]
            } else {
                Vec::new()
            },
            src: f.rel.clone(),
            is_entry,
            is_dynamic_entry,
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
                    AssetKind::Js if graph.import_calls[i].contains(&t) => {
                        chunk.dynamic_imports.push(files[t].rel.clone())
                    }
                    // A module of a preload list: the chunk's `import()`
                    // loads it, not this file.
                    AssetKind::Js if graph.dynamic[i].contains(&t) => {}
                    AssetKind::Js if graph.imports[i].contains(&t) => {
                        chunk.imports.push(files[t].rel.clone())
                    }
                    // A worker, a `new URL()`: a file, as Vite lists it.
                    AssetKind::Js => chunk.assets.push(target.file.clone()),
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
        if f.kind == AssetKind::Js && is_entry && chunk.css.is_empty() {
            chunk.css = page_styles(m, files, graph, &referrers, i);
        }
        out.insert(f.rel.clone(), chunk);
    }
    // A bundler's preload list names, beside a chunk loaded on demand, the
    // stylesheets it needs: they are that chunk's, as Vite lists them.
    for (i, f) in FileId::all(files.len()).zip(files) {
        if f.kind != AssetKind::Js {
            continue;
        }
        let known = |t: FileId, kind: AssetKind| {
            files[t].kind == kind && m.assets.contains_key(&files[t].rel)
        };
        let chunks: Vec<FileId> = graph.import_calls[i]
            .iter()
            .copied()
            .filter(|&t| known(t, AssetKind::Js))
            .collect();
        for &css in graph.dynamic[i]
            .iter()
            .filter(|&&t| known(t, AssetKind::Css))
        {
            // The chunk of the same name (`lazy-X.js`, `lazy-Y.css`), or
            // the only one.
            let named: Vec<FileId> = chunks
                .iter()
                .copied()
                .filter(|&c| chunk_name(&files[c].rel) == chunk_name(&files[css].rel))
                .collect();
            let owner = match (named.as_slice(), chunks.as_slice()) {
                ([one], _) | ([], [one]) => *one,
                _ => continue,
            };
            if let Some(chunk) = out.get_mut(&files[owner].rel) {
                let file = &m.assets[&files[css].rel].file;
                if !chunk.css.contains(file) {
                    chunk.css.push(file.clone());
                    chunk.css.sort();
                }
            }
        }
    }
    out
}

/// The stylesheets of an entry script as Vite lists them, read off the
/// pages that load it: a bundler extracts the styles a script imports into
/// files the page links beside it, so the stylesheets that every page
/// loading the script links are the script's, when the page loads no other
/// script than the modules the script imports (a bundler's shared chunks,
/// preloaded). None when the pages disagree or load other scripts too.
fn page_styles(
    m: &Manifest,
    files: &[SourceFile],
    graph: &Graph,
    referrers: &[Vec<FileId>],
    script: FileId,
) -> Vec<String> {
    // The modules the script imports, directly or not.
    let mut closure = vec![script];
    let mut next = 0;
    while let Some(&s) = closure.get(next) {
        next += 1;
        for &t in &graph.imports[s] {
            if !closure.contains(&t) {
                closure.push(t);
            }
        }
    }
    let mut styles: Option<Vec<String>> = None;
    for &page in &referrers[script] {
        if files[page].kind != AssetKind::Html {
            continue;
        }
        let loads = |kind: AssetKind| {
            graph.edges[page]
                .iter()
                .filter(move |&&t| files[t].kind == kind && !graph.dynamic[page].contains(&t))
        };
        if loads(AssetKind::Js).any(|&t| t != script && !closure.contains(&t)) {
            return Vec::new();
        }
        let mut css: Vec<String> = loads(AssetKind::Css)
            .filter_map(|&t| m.assets.get(&files[t].rel).map(|e| e.file.clone()))
            .collect();
        css.sort();
        match &styles {
            Some(s) if *s != css => return Vec::new(),
            _ => styles = Some(css),
        }
    }
    styles.unwrap_or_default()
}

#[derive(Serialize)]
struct PropshaftEntry<'a> {
    digested_path: &'a str,
    integrity: &'a str,
    /// The file is the application's own (not a gem's): what
    /// `stylesheet_link_tag :app` lists. Everything assetpress builds is.
    app: bool,
}

/// Rails Propshaft's `.manifest.json` (the shape of Propshaft 1.2 and
/// later): logical path → digested path, integrity and `app`.
fn propshaft(m: &Manifest) -> BTreeMap<&str, PropshaftEntry<'_>> {
    m.assets
        .iter()
        .map(|(k, e)| {
            (
                k.as_str(),
                PropshaftEntry {
                    digested_path: &e.file,
                    integrity: &e.integrity,
                    app: true,
                },
            )
        })
        .collect()
}

#[derive(Serialize)]
struct Django {
    paths: BTreeMap<String, String>,
    version: &'static str,
    hash: String,
}

/// Django's `staticfiles.json` (`ManifestStaticFilesStorage`, manifest
/// version 1.1). Besides every input's name, `paths` has every output file
/// under its own name (so `staticfiles_storage.url()` of a hashed name, as
/// django-vite calls it, resolves), each source map and image variant under
/// its name before hashing, and, for every file whose name carries the hash,
/// the key WhiteNoise derives from that name (`js/app.90ca6bf8.js.map` →
/// `js/app.90ca6bf8.map`): WhiteNoise serves a file as immutable exactly
/// when that key resolves to it.
fn django(m: &Manifest) -> Django {
    let mut paths = BTreeMap::new();
    // Input names first: nothing below overrides one.
    for (k, e) in &m.assets {
        paths.insert(k.clone(), e.file.clone());
    }
    let mut add = |key: String, file: &str| {
        paths.entry(key).or_insert_with(|| file.to_string());
    };
    for (k, e) in &m.assets {
        let hashed = e.file != *k;
        let mut files = vec![(e.file.as_str(), hashed)];
        if let Some(map) = &e.map {
            add(format!("{k}.map"), map);
            files.push((map, hashed));
        }
        for v in &e.variants {
            add(whitenoise_unhashed(&v.file), &v.file);
            files.push((&v.file, true));
        }
        for (file, immutable) in files {
            add(file.to_string(), file);
            if immutable {
                add(whitenoise_unhashed(file), file);
            }
        }
    }
    let json = serde_json::to_vec(&paths).unwrap_or_default();
    Django {
        hash: sha256_hex(&json)[..12].to_string(),
        paths,
        version: "1.1",
    }
}

/// What WhiteNoise takes for the name of a hashed file before hashing
/// (`get_name_without_hash`): the last extension and the one before it
/// dropped, the last put back (`a/b.1f2e.css` → `a/b.css`).
fn whitenoise_unhashed(name: &str) -> String {
    let (with_hash, ext) = splitext(name);
    format!("{}{ext}", splitext(with_hash).0)
}

/// Python's `os.path.splitext`: the last extension of the last segment,
/// leading dots not counting (`.htaccess` has none).
fn splitext(p: &str) -> (&str, &str) {
    let base = p.rfind('/').map_or(0, |i| i + 1);
    let leading = p[base..].len() - p[base..].trim_start_matches('.').len();
    match p[base + leading..].rfind('.') {
        Some(dot) => p.split_at(base + leading + dot),
        None => (p, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitenoise_unhashed_drops_the_extension_before_the_last() {
        let cases = [
            ("js/app.90ca6bf8.js", "js/app.js"),
            ("js/app.90ca6bf8.js.map", "js/app.90ca6bf8.map"),
            ("img/hero-960w.3f2a9c1b.webp", "img/hero-960w.webp"),
            // No extension before the hash: WhiteNoise cannot tell.
            ("LICENSE.3f2a9c1b", "LICENSE.3f2a9c1b"),
            ("a.b/.htaccess", "a.b/.htaccess"),
            ("x/y.js", "x/y.js"),
        ];
        for (name, unhashed) in cases {
            assert_eq!(whitenoise_unhashed(name), unhashed, "{name}");
        }
    }

    #[test]
    fn chunk_names_drop_bundler_hashes_and_the_extension() {
        let cases = [
            ("assets/lazy-C9F6QpFP.js", "lazy", "lazy.js"),
            ("js/main.3f2a9c1b.js", "main", "main.js"),
            ("css/app.min.css", "app.min", "app.min.css"),
            ("chunk", "chunk", "chunk"),
        ];
        for (rel, name, file) in cases {
            assert_eq!(chunk_name(rel), name, "{rel}");
            assert_eq!(original_file_name(rel), file, "{rel}");
        }
    }
}
