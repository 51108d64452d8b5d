//! Output text that still names a file absent from the output under that
//! name: the old path of a renamed file (`js/app.js`, now
//! `js/app.3f2a9c1b.js`), or the content hash a bundler put in the name of
//! a renamed file (what a webpack chunk map computes a chunk's name from:
//! `{408:"da5ecd07ff961d53e649"}`). The build renames no such file unless
//! told to (`--hash`); this catches it whoever wrote the output.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::asset::{AssetKind, SourceFile};
use crate::emit::manifest::Manifest;
use crate::error::Diagnostic;
use crate::mentions;
use crate::naming::{base_name, bundler_token};

/// Files larger than this are searched as a stream.
const WHOLE: u64 = 64 << 20;

/// Every place an output text file names a renamed file by its old name
/// (or its old bundler hash) where no file of that name is in the output.
pub(super) fn stale_names(out: &Path, m: &Manifest, files: &BTreeSet<String>) -> Vec<Diagnostic> {
    let renamed: Vec<(&str, &str)> = m
        .assets
        .iter()
        .filter(|(key, e)| **key != e.file)
        .map(|(key, e)| (key.as_str(), e.file.as_str()))
        .collect();
    if renamed.is_empty() {
        return Vec::new();
    }
    let mut names = Vec::new();
    for (old, _) in &renamed {
        names.push(base_name(old).to_string());
        names.extend(bundler_token(old).map(|(t, _)| t.to_string()));
    }
    // The generated files (manifests list old names on purpose), source
    // maps (their `sources`) and compressed copies are not read.
    let generated: BTreeSet<&str> = m.generated.iter().map(String::as_str).collect();
    let texts: Vec<SourceFile> = files
        .iter()
        .filter(|rel| !generated.contains(rel.as_str()))
        .filter(|rel| !rel.ends_with(".gz") && !rel.ends_with(".br"))
        .map(|rel| {
            let abs = out.join(rel);
            let size = std::fs::metadata(&abs).map_or(0, |m| m.len());
            let (kind, js_flavor) = AssetKind::of(rel);
            SourceFile {
                rel: rel.clone(),
                abs,
                size,
                kind,
                js_flavor,
            }
        })
        .collect();
    let found = mentions::search(&texts, names, WHOLE);
    let mut present: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for f in files {
        present.entry(base_name(f)).or_default().push(f);
    }
    let mut problems = Vec::new();
    for (file, mentions) in texts.iter().zip(&found.in_file) {
        for mention in mentions {
            let name = found.name(mention.name);
            let here = present.get(name).into_iter().flatten();
            if here.clone().any(|rel| mention.may_name(rel)) {
                continue;
            }
            let stale = renamed.iter().find_map(|&(old, new)| {
                if base_name(old) == name && mention.may_name(old) {
                    Some(format!(
                        "names {old}, which is not in the output under that name (it is {new})"
                    ))
                } else if bundler_token(old).is_some_and(|(t, _)| t == name) {
                    Some(format!(
                        "names {name}, the hash in the old name of {old}, which is not in the output under that name (it is {new})"
                    ))
                } else {
                    None
                }
            });
            if let Some(message) = stale {
                let loc = (mention.loc.line > 0).then_some(mention.loc);
                problems.push(Diagnostic::error(&file.rel, loc, message));
            }
        }
    }
    problems
}
