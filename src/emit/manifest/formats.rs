//! The manifests other tools read, made from assetpress's own:
//! gulp-rev's flat map, Vite's `.vite/manifest.json` (with each entry's
//! imports and stylesheets, from the reference graph), Propshaft's
//! `.manifest.json` and Django's `staticfiles.json` (as WhiteNoise and
//! `ManifestStaticFilesStorage` read it).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::asset::{AssetKind, SourceFile};
use crate::digest::sha256_hex;
use crate::graph::Graph;
use crate::id::FileId;

use super::Manifest;

/// gulp-rev / webpack-manifest-plugin: input path → output path.
pub(super) fn flat(m: &Manifest) -> BTreeMap<&str, &str> {
    m.assets
        .iter()
        .map(|(k, e)| (k.as_str(), e.file.as_str()))
        .collect()
}

/// One entry of Vite's `.vite/manifest.json`, its fields in Vite 8's order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ViteChunk {
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
pub(super) fn vite(
    m: &Manifest,
    files: &[SourceFile],
    graph: &Graph,
) -> BTreeMap<String, ViteChunk> {
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
pub(super) struct PropshaftEntry<'a> {
    digested_path: &'a str,
    integrity: &'a str,
    /// The file is the application's own (not a gem's): what
    /// `stylesheet_link_tag :app` lists. Everything assetpress builds is.
    app: bool,
}

/// Rails Propshaft's `.manifest.json` (the shape of Propshaft 1.2 and
/// later): logical path → digested path, integrity and `app`.
pub(super) fn propshaft(m: &Manifest) -> BTreeMap<&str, PropshaftEntry<'_>> {
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
pub(super) struct Django {
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
pub(super) fn django(m: &Manifest) -> Django {
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
