//! `assetpress verify <OUT>`: checks a built output on its own, the way a CI
//! step after `build` would — every file the manifest lists exists, its
//! integrity value matches its bytes, a hashed name matches its content (by
//! the rules of [`crate::hash`]), every local URL written in a page,
//! stylesheet, script, SVG or web manifest resolves to a file of the output,
//! and no text names a renamed file by its old name (`stale.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;
use walkdir::WalkDir;

use crate::encoding::{decompress, Encoding};

use crate::asset::AssetKind;
use crate::digest::{sha256_hex, sri};
use crate::emit::manifest::Manifest;
use crate::error::{Diagnostic, Error, Result};
use crate::naming::{cycle_hash, hash_in_name, variant_name, without_map_comment};

mod references;
mod stale;
use references::check_references;

/// The deepest nesting read; deeper files were copied as they are by `build`
/// (its default `--max-nesting-depth`), and are not read here either.
const MAX_DEPTH: usize = crate::config::DEFAULT_MAX_NESTING_DEPTH;

/// What `verify` found.
#[derive(Debug, Default, Serialize)]
pub struct Verified {
    /// Files listed in the manifest.
    pub files: usize,
    /// Names with a content hash that were recomputed.
    pub hashed: usize,
    /// Local references checked.
    pub references: usize,
    /// Precompressed copies (`.gz`, `.br`) checked against their files.
    pub precompressed: usize,
    /// Everything wrong, with output paths and locations.
    pub problems: Vec<Diagnostic>,
}

/// Verifies the output folder `out`, whose manifest is at `manifest` inside it.
pub fn verify(out: &Path, manifest: &str) -> Result<Verified> {
    let manifest_path = out.join(manifest);
    let (m, _) = crate::emit::manifest::read(&manifest_path)?;
    if !(8..=64).contains(&m.hash_length) {
        return Err(Error::Config(format!(
            "{}: hash_length {} is not between 8 and 64",
            manifest_path.display(),
            m.hash_length
        )));
    }
    // Parsers recurse: the same stack and nesting bounds as `build`.
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(1 << 30)
        .build()
        .map_err(|e| Error::Config(format!("cannot start worker threads: {e}")))?;
    pool.install(|| check_all(out, &m))
}

fn check_all(out: &Path, m: &Manifest) -> Result<Verified> {
    let m = m.clone();
    let mut v = Verified {
        files: m.assets.len(),
        ..Default::default()
    };

    // Integrity and standalone hashes, in parallel.
    let checks: Vec<(Vec<Diagnostic>, bool)> = m
        .assets
        .par_iter()
        .map(|(key, entry)| check_entry(out, &m, key, entry))
        .collect();
    for (problems, hashed) in checks {
        v.problems.extend(problems);
        v.hashed += hashed as usize;
    }
    // Cycles share one hash over all their members.
    let groups: BTreeSet<&Vec<String>> = m
        .assets
        .values()
        .filter(|e| !e.cycle.is_empty())
        .map(|e| &e.cycle)
        .collect();
    for group in groups {
        v.problems.extend(check_cycle(out, &m, group));
    }

    // Every local reference of every output file resolves.
    let files: BTreeSet<String> = WalkDir::new(out)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            e.path()
                .strip_prefix(out)
                .ok()
                .map(|p| p.to_string_lossy().replace('\\', "/"))
        })
        .collect();
    // Each output file's integrity, as the manifest lists it (checked
    // against the bytes above): what a page's `integrity` must say.
    let integrity: BTreeMap<&str, &str> = m
        .assets
        .values()
        .flat_map(|e| {
            std::iter::once((e.file.as_str(), e.integrity.as_str())).chain(
                e.variants
                    .iter()
                    .map(|v| (v.file.as_str(), v.integrity.as_str())),
            )
        })
        .collect();
    let found: Vec<(usize, Vec<Diagnostic>, Vec<String>)> = files
        .par_iter()
        .map(|rel| check_references(out, rel, None, &files, &m, &integrity))
        .collect();
    let mut linked = BTreeSet::new();
    for (n, problems, manifests) in found {
        v.references += n;
        v.problems.extend(problems);
        linked.extend(manifests);
    }
    // Precompressed copies hold exactly their file's bytes (a `.gz` the
    // input brought is a file of the manifest, not a copy).
    let listed: BTreeSet<&str> = m.assets.values().map(|e| e.file.as_str()).collect();
    let copies: Vec<Diagnostic> = files
        .par_iter()
        .filter(|rel| !listed.contains(rel.as_str()))
        .filter_map(|rel| {
            let (original, encoding) = if let Some(o) = rel.strip_suffix(".gz") {
                (o, Encoding::Gzip)
            } else {
                (rel.strip_suffix(".br")?, Encoding::Br)
            };
            if !files.contains(original) {
                return None;
            }
            let want = fs::read(out.join(original)).ok()?;
            // Inflated no further than the file it must equal.
            let got = fs::read(out.join(rel))
                .ok()
                .and_then(|c| decompress(encoding, &c, want.len() as u64).ok().flatten());
            (got.as_deref() != Some(&want[..])).then(|| {
                Diagnostic::error(
                    rel,
                    None,
                    format!(
                        "does not decompress to {original}: a stale or broken precompressed copy"
                    ),
                )
            })
        })
        .collect();
    v.precompressed = files
        .iter()
        .filter(|f| (f.ends_with(".gz") || f.ends_with(".br")) && !listed.contains(f.as_str()))
        .count();
    v.problems.extend(copies);
    v.problems.extend(unlisted(&m, &files));
    v.problems.extend(rewritten_manifests(out, &m));
    v.problems.extend(stale::stale_names(out, &m, &files));
    // JSON files that pages link as their web app manifest.
    for rel in linked {
        if AssetKind::of(&rel).0 == AssetKind::Other {
            let (n, problems, _) = check_references(
                out,
                &rel,
                Some(AssetKind::WebManifest),
                &files,
                &m,
                &integrity,
            );
            v.references += n;
            v.problems.extend(problems);
        }
    }
    v.problems
        .sort_by(|a, b| (&a.path, a.loc).cmp(&(&b.path, b.loc)));
    Ok(v)
}

/// The bytes a name's hash covers: for a file with a map assetpress wrote
/// (`entry.map`), the file without the `sourceMappingURL` line naming that
/// map, which is appended after hashing.
fn hashed_bytes<'a>(bytes: &'a [u8], entry: &crate::emit::manifest::Entry) -> &'a [u8] {
    match entry.map {
        Some(_) => without_map_comment(bytes, &entry.file),
        None => bytes,
    }
}

/// Whether `rel` is a plain relative path that stays inside the output.
fn inside(rel: &str) -> bool {
    !rel.is_empty()
        && !rel.starts_with('/')
        && !rel.contains('\\')
        && rel.split('/').all(|s| !matches!(s, "" | "." | ".."))
}

/// The extra manifests (`--manifest-format`) that no longer say what the
/// build wrote: above all Django's, which `collectstatic` rewrites when it
/// is run into the output after the build.
fn rewritten_manifests(out: &Path, m: &Manifest) -> Vec<Diagnostic> {
    use crate::config::ManifestFormat::{Django, Flat, Propshaft};
    let mut problems = Vec::new();
    for format in [Flat, Propshaft, Django] {
        let rel = crate::emit::manifest::path_of(format);
        if !m.generated.iter().any(|g| g == rel) {
            continue;
        }
        let (Ok(bytes), Some(want)) = (
            fs::read(out.join(rel)),
            crate::emit::manifest::render_from(format, m),
        ) else {
            continue;
        };
        if bytes != want {
            let why = if format == Django {
                ": was `collectstatic` run into the output after the build? It replaces \
                 staticfiles.json with one naming its own copies; collect into a plain folder \
                 before assetpress instead"
            } else {
                ""
            };
            problems.push(Diagnostic::error(
                rel,
                None,
                format!("not the manifest the build wrote{why}"),
            ));
        }
    }
    problems
}

/// Files of the output that the manifest does not account for: not an
/// asset, its map or variant, a generated file, or a compressed copy of one.
fn unlisted(m: &Manifest, files: &BTreeSet<String>) -> Vec<Diagnostic> {
    let mut known: BTreeSet<&str> = m.generated.iter().map(String::as_str).collect();
    for e in m.assets.values() {
        known.insert(&e.file);
        known.extend(e.map.as_deref());
        known.extend(e.variants.iter().map(|v| v.file.as_str()));
    }
    files
        .iter()
        .filter(|f| {
            let copy_of = f.strip_suffix(".gz").or_else(|| f.strip_suffix(".br"));
            !known.contains(f.as_str()) && !copy_of.is_some_and(|o| known.contains(o))
        })
        .map(|f| {
            Diagnostic::error(
                f,
                None,
                "not listed in the manifest: a file the build did not write",
            )
        })
        .collect()
}

fn check_entry(
    out: &Path,
    m: &Manifest,
    key: &str,
    entry: &crate::emit::manifest::Entry,
) -> (Vec<Diagnostic>, bool) {
    let mut problems = Vec::new();
    let paths = std::iter::once(entry.file.as_str())
        .chain(entry.map.as_deref())
        .chain(entry.variants.iter().map(|v| v.file.as_str()));
    for path in paths {
        if !inside(path) {
            problems.push(Diagnostic::error(
                key,
                None,
                format!("the manifest names {path:?}, a path outside the output; not read"),
            ));
            return (problems, false);
        }
    }
    let path = out.join(&entry.file);
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            problems.push(Diagnostic::error(
                &entry.file,
                None,
                format!("listed in the manifest for {key}, but cannot be read: {e}"),
            ));
            return (problems, false);
        }
    };
    if sri(&bytes) != entry.integrity {
        problems.push(Diagnostic::error(
            &entry.file,
            None,
            format!("integrity mismatch: the manifest says {}", entry.integrity),
        ));
    }
    if bytes.len() as u64 != entry.size {
        problems.push(Diagnostic::error(
            &entry.file,
            None,
            format!("{} bytes, the manifest says {}", bytes.len(), entry.size),
        ));
    }
    if let Some(map) = &entry.map {
        match fs::read(out.join(map)) {
            Err(_) => problems.push(Diagnostic::error(
                &entry.file,
                None,
                format!("its source map {map} is missing"),
            )),
            Ok(bytes) => {
                if entry
                    .map_integrity
                    .as_ref()
                    .is_some_and(|i| *i != sri(&bytes))
                {
                    problems.push(Diagnostic::error(
                        map,
                        None,
                        "integrity mismatch: the source map was changed after the build",
                    ));
                }
            }
        }
    }
    // Image variants: there, whole, named after their content.
    for v in &entry.variants {
        let Ok(bytes) = fs::read(out.join(&v.file)) else {
            problems.push(Diagnostic::error(
                &v.file,
                None,
                format!("a variant of {key} listed in the manifest is missing"),
            ));
            continue;
        };
        if sri(&bytes) != v.integrity {
            problems.push(Diagnostic::error(&v.file, None, "integrity mismatch"));
        }
        let name = variant_name(key, v.width, v.format.ext());
        let actual = sha256_hex(&bytes);
        if hash_in_name(&name, &v.file, m.hash_length, m.hash_separator.char()).as_deref()
            != actual.get(..m.hash_length)
        {
            problems.push(Diagnostic::error(
                &v.file,
                None,
                "content does not match the hash in its name",
            ));
        }
    }
    let Some(hash) = hash_in_name(key, &entry.file, m.hash_length, m.hash_separator.char()) else {
        return (problems, false);
    };
    if entry.cycle.is_empty() {
        let actual = sha256_hex(hashed_bytes(&bytes, entry));
        if actual.get(..m.hash_length) != Some(hash.as_str()) {
            problems.push(Diagnostic::error(
                &entry.file,
                None,
                format!(
                    "content does not match the hash in its name (content hashes to {})",
                    &actual[..m.hash_length]
                ),
            ));
        }
    }
    (problems, true)
}

/// Recomputes the shared hash of a reference cycle.
fn check_cycle(out: &Path, m: &Manifest, group: &[String]) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let entries: Vec<(&String, &crate::emit::manifest::Entry)> = group
        .iter()
        .filter_map(|k| m.assets.get_key_value(k))
        .collect();
    let Some(hash) = entries
        .iter()
        .find_map(|(k, e)| hash_in_name(k, &e.file, m.hash_length, m.hash_separator.char()))
    else {
        return problems;
    };
    let zeros = "0".repeat(hash.len());
    let mut members = Vec::new();
    for (key, entry) in &entries {
        if !inside(&entry.file) {
            return problems;
        }
        let Ok(bytes) = fs::read(out.join(&entry.file)) else {
            return problems;
        };
        let content = hashed_bytes(&bytes, entry);
        members.push((
            key.as_str(),
            replace_all(content, hash.as_bytes(), zeros.as_bytes()),
        ));
    }
    let actual = cycle_hash(members.iter().map(|(k, b)| (*k, b.as_slice())));
    if actual[..hash.len()] != hash {
        for (_, entry) in &entries {
            problems.push(Diagnostic::error(
                &entry.file,
                None,
                format!(
                    "the files of its reference cycle do not match the hash in their names ({})",
                    &actual[..hash.len()]
                ),
            ));
        }
    }
    problems
}

fn replace_all(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut last = 0;
    for at in memchr::memmem::find_iter(bytes, from) {
        if at < last {
            continue;
        }
        out.extend_from_slice(&bytes[last..at]);
        out.extend_from_slice(to);
        last = at + from.len();
    }
    out.extend_from_slice(&bytes[last..]);
    out
}

/// A summary line per problem kind, for the table.
pub fn summary(v: &Verified) -> String {
    let mut by: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &v.problems {
        *by.entry(p.path.as_str()).or_default() += 1;
    }
    if v.problems.is_empty() {
        format!(
            "ok: {} files, {} hashed names recomputed, {} local references resolve, {} precompressed copies match\n",
            v.files, v.hashed, v.references, v.precompressed
        )
    } else {
        format!(
            "{} problems in {} files ({} files, {} hashed names, {} local references checked)\n",
            v.problems.len(),
            by.len(),
            v.files,
            v.hashed,
            v.references
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_found_in_names() {
        assert_eq!(
            hash_in_name("css/app.css", "css/app.3f2a9c1b.css", 8, '.').as_deref(),
            Some("3f2a9c1b")
        );
        assert_eq!(
            hash_in_name("LICENSE", "LICENSE.3f2a9c1b", 8, '.').as_deref(),
            Some("3f2a9c1b")
        );
        assert_eq!(hash_in_name("index.html", "index.html", 8, '.'), None);
        assert_eq!(hash_in_name("a.css", "b.3f2a9c1b.css", 8, '.'), None);
        // Regression: the zeros of a stem were taken for the hash's place.
        assert_eq!(
            hash_in_name("img/00000000.png", "img/00000000.3f2a9c1b.png", 8, '.').as_deref(),
            Some("3f2a9c1b")
        );
        assert_eq!(hash_in_name("ab.css", "abé0000000.css", 8, '.'), None);
        assert_eq!(hash_in_name("a.css", "a.3F2A9C1B.css", 8, '.'), None);
    }

    #[test]
    fn own_map_comment_is_not_hashed() {
        let entry = |file: &str, map: bool| crate::emit::manifest::Entry {
            file: file.into(),
            size: 0,
            original_size: 0,
            integrity: String::new(),
            map: map.then(|| format!("{file}.map")),
            ..Default::default()
        };
        let b = b"x=1;\n//# sourceMappingURL=app.3f2a9c1b.js.map\n";
        assert_eq!(
            hashed_bytes(b, &entry("js/app.3f2a9c1b.js", true)),
            b"x=1;\n"
        );
        assert_eq!(hashed_bytes(b, &entry("js/other.js", true)), &b[..]);
        // A comment that came with the input is part of what is hashed.
        assert_eq!(hashed_bytes(b, &entry("js/app.3f2a9c1b.js", false)), &b[..]);
    }
}
