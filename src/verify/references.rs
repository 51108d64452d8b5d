//! The local references of one output file, read as the build read it
//! (pages and SVG in their own encoding, stylesheets, scripts, web
//! manifests): each must resolve to a file of the output, and a page's
//! `integrity` must match the file it names.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use crate::asset::{AssetKind, JsFlavor};
use crate::digest::sri;
use crate::emit::manifest::Manifest;
use crate::error::{Diagnostic, Loc};
use crate::resolve::{resolve, Target};
use crate::transform::{css, html, js, webmanifest};

use super::MAX_DEPTH;

/// Checks the local references of one output file (read as `kind`, or as
/// its name says); returns how many were checked, the problems, and the
/// manifests a page links.
pub(super) fn check_references(
    out: &Path,
    rel: &str,
    kind: Option<AssetKind>,
    files: &BTreeSet<String>,
    m: &Manifest,
    integrity_of: &BTreeMap<&str, &str>,
) -> (usize, Vec<Diagnostic>, Vec<String>) {
    let (named, flavor) = AssetKind::of(rel);
    let kind = kind.unwrap_or(named);
    if !matches!(
        kind,
        AssetKind::Html | AssetKind::Svg | AssetKind::Css | AssetKind::Js | AssetKind::WebManifest
    ) {
        return (0, Vec::new(), Vec::new());
    }
    let Ok(bytes) = fs::read(out.join(rel)) else {
        return (0, Vec::new(), Vec::new());
    };
    // Pages in another encoding are read in it, as the build read them.
    let text = match kind {
        AssetKind::Html | AssetKind::Svg => html::charset::decode(&bytes, kind == AssetKind::Svg)
            .map(|d| d.text.into_owned())
            .ok(),
        _ => String::from_utf8(bytes).ok(),
    };
    let Some(text) = text else {
        return (0, Vec::new(), Vec::new());
    };
    let mut manifests = Vec::new();
    let mut integrity = Vec::new();
    let mut from = rel.to_string();
    let mut refs_from_root = Vec::new();
    let refs: Vec<(String, Loc)> = match kind {
        AssetKind::Html | AssetKind::Svg => match html::references(&text, MAX_DEPTH) {
            Ok(found) => {
                if let Some(base) = &found.base {
                    match resolve(rel, base, &m.base, files) {
                        Target::Folder(dir) if dir.is_empty() => from = "index.html".into(),
                        Target::Folder(dir) => from = format!("{dir}/index.html"),
                        Target::Asset { rel, .. } | Target::Missing(rel) => from = rel,
                        Target::External | Target::OutsideRoot => {
                            return (0, Vec::new(), Vec::new())
                        }
                        Target::SameDocument => {}
                    }
                }
                integrity = found.integrity;
                for href in &found.manifests {
                    if let Target::Asset { rel, .. } = resolve(&from, href, &m.base, files) {
                        manifests.push(rel);
                    }
                }
                found
                    .references
                    .into_iter()
                    .map(|r| (r.url, r.loc))
                    .collect()
            }
            Err(_) => Vec::new(),
        },
        AssetKind::Css => css::rewrite_in_place(&text, MAX_DEPTH, &|_| None)
            .map(|r| r.references.into_iter().map(|r| (r.url, r.loc)).collect())
            .unwrap_or_default(),
        AssetKind::Js => js::rewrite_source(
            rel,
            text,
            flavor.unwrap_or(JsFlavor::Detect),
            MAX_DEPTH,
            &|_, _| None,
        )
        .map(|r| {
            let (root, file): (Vec<_>, Vec<_>) = r
                .references
                .into_iter()
                .partition(|r| r.relative_to == js::RelativeTo::SiteRoot);
            refs_from_root = root.into_iter().map(|r| (r.url, r.loc)).collect();
            file.into_iter().map(|r| (r.url, r.loc)).collect()
        })
        .unwrap_or_default(),
        _ => webmanifest::references(&text)
            .map(|r| {
                r.into_iter()
                    .map(|r| (r.url, r.loc.unwrap_or(Loc { line: 1, col: 1 })))
                    .collect()
            })
            .unwrap_or_default(),
    };
    let mut problems = Vec::new();
    let mut checked = 0;
    let local = |url: &str| match m
        .public_url
        .as_deref()
        .map(|p| format!("{}/", p.trim_end_matches('/')))
    {
        Some(p) if url.starts_with(&p) => format!("{}{}", m.base, &url[p.len()..]),
        _ => url.to_string(),
    };
    // Integrity values hold for the bytes they cover.
    for (url, value, loc) in integrity {
        // An empty value checks nothing (a member of a reference cycle).
        if value.trim().is_empty() {
            continue;
        }
        let Target::Asset { rel: target, .. } = resolve(&from, &local(&url), &m.base, files) else {
            continue;
        };
        // Files the manifest does not list (source maps) are read.
        let actual = match integrity_of.get(target.as_str()) {
            Some(v) => v.to_string(),
            None => fs::read(out.join(&target))
                .map(|b| sri(&b))
                .unwrap_or_default(),
        };
        if !value.split_ascii_whitespace().any(|v| v == actual) {
            problems.push(Diagnostic::error(
                rel,
                Some(loc),
                format!("integrity of {url} does not match {target}: it has {actual}"),
            ));
        }
    }
    let refs = refs.into_iter().map(|(url, loc)| (url, loc, from.as_str()));
    let from_root = refs_from_root.into_iter();
    let refs = refs.chain(from_root.map(|(url, loc)| (url, loc, js::SITE_ROOT)));
    for (url, loc, from) in refs {
        let problem = match resolve(from, &local(&url), &m.base, files) {
            Target::Asset { .. } => {
                checked += 1;
                continue;
            }
            Target::Missing(path) => {
                format!("{url} does not resolve: no file {path} in the output")
            }
            Target::OutsideRoot => format!("{url} points outside the output folder"),
            _ => continue,
        };
        checked += 1;
        problems.push(Diagnostic::error(rel, Some(loc), problem));
    }
    (checked, problems, manifests)
}
