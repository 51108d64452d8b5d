//! The last part of the emit stage: the generated files that are not assets
//! (the manifests, `_headers`, the nginx snippet, `headers.json`), written
//! once every asset is, then the commit that swaps the staged output into
//! place. Where a server file goes is decided before any work, so a
//! misplaced one fails the run at once.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::headers::{self, OutFile};
use super::{manifest, nginx, Pending, Place, Staging};
use crate::asset::SourceFile;
use crate::config::Config;
use crate::discover::Roots;
use crate::error::{Diagnostic, Error, Result};
use crate::graph::Graph;
use crate::hash::Output;
use crate::transform::Variants;

/// Where the server files go: inside the output, beside it, or nowhere.
pub struct ServerFiles {
    nginx: Option<Place>,
    headers_json: Option<Place>,
}

impl ServerFiles {
    /// Places the nginx snippet and `headers.json`, refusing places inside
    /// the input. The default snippet place beside an output that lies
    /// inside the input is skipped with a warning.
    pub fn place(
        config: &Config,
        roots: &Roots,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Result<ServerFiles> {
        let place = |path: Option<PathBuf>, flag: &str| {
            path.map(|p| Place::of(&p, &roots.input, &roots.out, flag))
                .transpose()
        };
        let nginx = match place(config.nginx_path(), "--nginx") {
            Err(Error::Config(_)) if config.nginx.path.is_none() => {
                diagnostics.push(Diagnostic::warning(
                    &config.out.display().to_string(),
                    None,
                    "no nginx snippet written: beside this output is inside the input; give --nginx FILE",
                ));
                None
            }
            other => other?,
        };
        let headers_json = place(config.headers_json.clone(), "--headers-json")?;
        Ok(ServerFiles {
            nginx,
            headers_json,
        })
    }
}

/// What the assets of the run became, for the generated files.
pub struct Assets<'a> {
    /// The input files.
    pub files: &'a [SourceFile],
    /// Their input paths.
    pub names: &'a BTreeSet<String>,
    /// What each input file became (`None`: left out).
    pub outputs: &'a [Option<Output>],
    /// The image variants and what each became.
    pub variants: (&'a Variants, &'a [Output]),
    /// The resolved references.
    pub graph: &'a Graph,
    /// Every file written so far, sorted by path.
    pub out_files: Vec<OutFile>,
}

/// Writes the manifests and server files, then commits the staged output
/// and the files beside it. Returns the generated files by report key
/// (`manifest`, `nginx`, …) with their paths, and the manifest.
pub fn write_and_commit(
    config: &Config,
    roots: &Roots,
    staging: Staging,
    server: ServerFiles,
    assets: Assets,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<(BTreeMap<String, String>, manifest::Manifest)> {
    let Assets {
        files,
        names,
        outputs,
        variants,
        graph,
        mut out_files,
    } = assets;
    let mut generated: Vec<String> = std::iter::once(config.manifest.clone())
        .chain(
            config
                .manifest_formats
                .iter()
                .map(|f| manifest::path_of(*f).to_string()),
        )
        .chain(config.headers_file.then(|| "_headers".to_string()))
        .chain(
            [&server.nginx, &server.headers_json]
                .into_iter()
                .flatten()
                .filter_map(|p| match p {
                    Place::Inside(rel) => Some(rel.clone()),
                    Place::Outside(_) => None,
                }),
        )
        .collect();
    generated.sort();
    generated.dedup();
    // Files of the output too (an input `_headers` is one already).
    for rel in &generated {
        if !out_files.iter().any(|f| &f.rel == rel) {
            out_files.push(OutFile::plain(rel.clone()));
        }
    }
    out_files.sort_by(|a, b| a.rel.cmp(&b.rel));
    let served_hashed: BTreeSet<&str> = out_files
        .iter()
        .filter(|f| f.hashed)
        .map(|f| f.rel.as_str())
        .collect();
    let mut manifest = manifest::build(
        config,
        files,
        outputs,
        graph,
        variants,
        generated,
        &served_hashed,
    );
    super::sizes::measure(config, &mut manifest, &staging);
    let mut written = BTreeMap::new();
    for (path, bytes) in manifest::render(config, &manifest, files, graph) {
        if names.contains(&path) {
            diagnostics.push(Diagnostic::warning(
                &path,
                None,
                "this input file is overwritten by the manifest of the same path (see --manifest)",
            ));
        }
        staging.write(&path, &bytes)?;
        let key = if path == config.manifest {
            "manifest".to_string()
        } else {
            format!("manifest_{path}")
        };
        written.insert(key, roots.out.join(&path).display().to_string());
    }
    if config.headers_file {
        // After the input's own `_headers`, if it has one.
        let mut text = staging.read("_headers").unwrap_or_default();
        if !text.is_empty() && !text.ends_with(b"\n") {
            text.push(b'\n');
        }
        // The input's own rules count towards the host's limit too.
        let existing = String::from_utf8_lossy(&text)
            .lines()
            .filter(|l| l.starts_with('/') || l.starts_with("https://") || l.starts_with("http://"))
            .count();
        let (rules, warning) = headers::headers_file(&out_files, config, existing);
        text.extend_from_slice(rules.as_bytes());
        if let Some(message) = warning {
            diagnostics.push(Diagnostic::warning("_headers", None, message));
        }
        staging.write("_headers", &text)?;
        written.insert(
            "headers_file".into(),
            roots.out.join("_headers").display().to_string(),
        );
    }
    let out_name = roots
        .out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut pending = Vec::new();
    let snippet = nginx::snippet(&out_files, config, &out_name).into_bytes();
    let headers_json = headers::headers_json(&out_files, config);
    for (key, place, bytes) in [
        ("nginx", server.nginx, snippet),
        ("headers_json", server.headers_json, headers_json),
    ] {
        let Some(place) = place else { continue };
        written.insert(key.into(), place.display(&roots.out));
        match place {
            Place::Inside(rel) => staging.write(&rel, &bytes)?,
            Place::Outside(path) => pending.push(Pending::write(&path, &bytes)?),
        }
    }
    staging.commit()?;
    for p in pending {
        p.finish().map_err(|e| Error::AfterCommit(Box::new(e)))?;
    }
    Ok((written, manifest))
}
