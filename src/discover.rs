//! Stage 1: walk the input folder in sorted order and classify every file.
//!
//! The walk is deterministic (sorted by name), skips dotfiles except
//! `.well-known/` and `.vite/` (Vite's `manifest.json`), skips the output folder when it lies inside the input,
//! follows symbolic links only while they stay inside the input root, and
//! reports symlink loops instead of looping.

use std::path::{Component, Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;
use walkdir::WalkDir;

use crate::asset::{AssetKind, SourceFile};
use crate::config::Config;
use crate::error::{Diagnostic, Error, Result};

/// The files of a run, sorted by relative path, and what the walk had to say.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Every file to process or copy.
    pub files: Vec<SourceFile>,
    /// Skipped links, loops and unreadable entries.
    pub diagnostics: Vec<Diagnostic>,
}

/// The input and output folders as absolute paths, checked against each other.
#[derive(Debug, Clone)]
pub struct Roots {
    /// Canonical input root.
    pub input: PathBuf,
    /// Absolute output folder (it may not exist yet).
    pub out: PathBuf,
}

/// Checks the input exists and the output neither is it nor contains it.
pub fn roots(config: &Config) -> Result<Roots> {
    let input = config
        .input
        .canonicalize()
        .map_err(|e| Error::io(&config.input, e))?;
    if !input.is_dir() {
        return Err(Error::Config(format!(
            "{}: the input is not a folder",
            config.input.display()
        )));
    }
    let out = absolute_out(&config.out)?;
    if out == input {
        return Err(Error::Config(format!(
            "--out {} is the input folder: choose another folder, the input is never written",
            config.out.display()
        )));
    }
    if input.starts_with(&out) {
        return Err(Error::Config(format!(
            "--out {} contains the input folder {}: it is replaced as a whole, so choose a folder outside the input",
            config.out.display(),
            config.input.display()
        )));
    }
    if out.parent().is_none() {
        return Err(Error::Config("--out cannot be the file system root".into()));
    }
    Ok(Roots { input, out })
}

/// The output path made absolute, with `.`/`..` removed and its existing
/// ancestors canonicalized (so a symlinked parent compares equal to its target).
pub fn absolute_out(out: &Path) -> Result<PathBuf> {
    let abs = std::path::absolute(out).map_err(|e| Error::io(out, e))?;
    let mut clean = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                clean.pop();
            }
            Component::CurDir => {}
            c => clean.push(c),
        }
    }
    // Canonicalize the longest existing prefix.
    let mut existing = clean.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (
            existing.file_name().map(|n| n.to_owned()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return Ok(clean),
        }
    }
    let mut canon = existing
        .canonicalize()
        .map_err(|e| Error::io(&existing, e))?;
    canon.extend(rest.iter().rev());
    Ok(canon)
}

fn globset(globs: &[String], flag: &str) -> Result<Option<GlobSet>> {
    if globs.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for g in globs {
        b.add(Glob::new(g).map_err(|e| Error::Config(format!("--{flag} {g:?}: {e}")))?);
    }
    b.build()
        .map(Some)
        .map_err(|e| Error::Config(format!("--{flag}: {e}")))
}

/// Walks the input root and lists the files of the run.
pub fn discover(config: &Config, roots: &Roots) -> Result<Discovered> {
    let include = globset(&config.include, "include")?;
    let exclude = globset(&config.exclude, "exclude")?;
    let root = &roots.input;
    let mut diagnostics = Vec::new();
    let mut files = Vec::new();
    let rel_of = |p: &Path| -> String {
        let rel = p.strip_prefix(root).unwrap_or(p);
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
    };

    let mut walker = WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            let name = e.file_name().to_string_lossy();
            // `.well-known/` is served; `.vite/` holds Vite's manifest,
            // which backends read.
            let kept_dir = matches!(&*name, ".well-known" | ".vite") && e.file_type().is_dir();
            if name.starts_with('.') && !kept_dir {
                return false;
            }
            e.path() != roots.out
        });

    while let Some(entry) = walker.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                let path = err.path().map(rel_of).unwrap_or_default();
                let msg = if err.loop_ancestor().is_some() {
                    "symbolic link loop; skipped".to_string()
                } else {
                    format!(
                        "cannot read: {}; skipped",
                        err.io_error().map_or(err.to_string(), |e| e.to_string())
                    )
                };
                diagnostics.push(Diagnostic::warning(&path, None, msg));
                continue;
            }
        };
        let rel = rel_of(entry.path());
        if entry.path_is_symlink() {
            match entry.path().canonicalize() {
                Ok(target)
                    if target.starts_with(root)
                        && target != roots.out
                        && !target.starts_with(&roots.out) => {}
                Ok(_) => {
                    diagnostics.push(Diagnostic::warning(
                        &rel,
                        None,
                        "symbolic link points outside the input folder; skipped",
                    ));
                    // The walk follows links, so a linked folder would be
                    // descended into next: nothing below it may be read.
                    if entry.file_type().is_dir() {
                        walker.skip_current_dir();
                    }
                    continue;
                }
                Err(e) => {
                    diagnostics.push(Diagnostic::warning(
                        &rel,
                        None,
                        format!("broken symbolic link ({e}); skipped"),
                    ));
                    continue;
                }
            }
        }
        let ft = entry.file_type();
        if ft.is_dir() {
            continue;
        }
        if !ft.is_file() {
            diagnostics.push(Diagnostic::warning(
                &rel,
                None,
                "not a regular file; skipped",
            ));
            continue;
        }
        if entry
            .path()
            .strip_prefix(root)
            .ok()
            .and_then(|p| p.to_str())
            .is_none()
        {
            diagnostics.push(Diagnostic::warning(
                &rel,
                None,
                "file name is not valid UTF-8; skipped",
            ));
            continue;
        }
        if include.as_ref().is_some_and(|g| !g.is_match(&rel))
            || exclude.as_ref().is_some_and(|g| g.is_match(&rel))
        {
            continue;
        }
        if rel == "staticfiles.json" {
            diagnostics.push(Diagnostic::warning(&rel, None, DJANGO_MANIFEST_IN_INPUT));
        }
        let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
        let (kind, js_flavor) = AssetKind::of(&rel);
        files.push(SourceFile {
            rel,
            abs: entry.path().to_path_buf(),
            size,
            kind,
            js_flavor,
        });
    }
    // Sorting by file name per folder is not the same as sorting whole paths
    // ("a-b/x" vs "a/x"); the rest of the pipeline wants whole paths sorted.
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    files.dedup_by(|a, b| a.rel == b.rel);
    let (files, unreadable) = readable(files);
    diagnostics.extend(unreadable);
    Ok(Discovered { files, diagnostics })
}

/// The warning for a Django manifest in the input: `collectstatic` ran with
/// a manifest storage, whose hashed copies and manifest would be published
/// beside assetpress's own.
const DJANGO_MANIFEST_IN_INPUT: &str = "Django's manifest: this folder was collected with \
    ManifestStaticFilesStorage, so it holds Django's hashed copies and a manifest that names \
    them; collect with the plain StaticFilesStorage and let `--manifest-format django` write \
    staticfiles.json";

/// Splits off the files that cannot be opened (no permission, gone since
/// the walk): each is left out with an error naming it, and the run goes on.
/// Opened in parallel: at 50,000 files the checks cost milliseconds.
fn readable(files: Vec<SourceFile>) -> (Vec<SourceFile>, Vec<Diagnostic>) {
    let opened: Vec<Option<String>> = files
        .par_iter()
        .map(|f| std::fs::File::open(&f.abs).err().map(|e| e.to_string()))
        .collect();
    let mut kept = Vec::with_capacity(files.len());
    let mut errors = Vec::new();
    for (file, error) in files.into_iter().zip(opened) {
        match error {
            Some(e) => errors.push(Diagnostic::error(
                &file.rel,
                None,
                format!("cannot read: {e}; left out of the output"),
            )),
            None => kept.push(file),
        }
    }
    (kept, errors)
}
