//! The one place the stages are called in order, each timed:
//! discover → transform → graph → hash & name → emit → report. A file that
//! names no other file is hashed, written and compressed as soon as it is
//! transformed, on the same worker; the others wait (in memory up to
//! `limits.max_held_bytes`, then on disk) and are finished in dependency
//! order once every transform is done.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Instant;

use crate::asset::{AssetKind, SourceFile};
use crate::config::Config;
use crate::discover::{discover, roots};
use crate::emit::headers::{self, OutFile};
use crate::emit::{manifest, nginx, written, Pending, Place, Staging, Writer};
use crate::error::{Error, Result};
use crate::graph;
use crate::hash;
use crate::held::Held;
use crate::report::Report;
use crate::rewrite::{Naming, Rewriter};
use crate::transform::js::Unresolvable;
use crate::transform::{
    is_page, rewrite_linked_manifest, transform_all, variant_rel, Context, Transformed, Variants,
};

/// Receives progress as the run goes; the binary draws a progress bar with it.
pub trait Progress: Sync {
    /// A stage with `total` steps begins.
    fn stage(&self, name: &'static str, total: u64);
    /// One step of the current stage is done.
    fn inc(&self);
    /// The run is over.
    fn finish(&self);
}

/// Progress that goes nowhere.
pub struct NoProgress;

impl Progress for NoProgress {
    fn stage(&self, _: &'static str, _: u64) {}
    fn inc(&self) {}
    fn finish(&self) {}
}

/// Stack size of the worker threads: swc and lightningcss are recursive
/// descent, and nesting is bounded by `limits.max_nesting_depth`, not by luck.
const WORKER_STACK: usize = 1 << 30;

/// Runs the pipeline. `Err` only for configuration and output I/O errors; bad
/// input files are diagnostics in the report.
pub fn run(config: &Config, progress: &dyn Progress) -> Result<Report> {
    let mut laps = Laps::new();
    let roots = roots(config)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.jobs)
        .stack_size(WORKER_STACK)
        .thread_name(|i| format!("assetpress-{i}"))
        .build()
        .map_err(|e| Error::Config(format!("cannot start {} worker threads: {e}", config.jobs)))?;

    pool.install(|| {
        // Server files beside the output: refused early when misplaced.
        let place = |path: Option<PathBuf>, flag: &str| {
            path.map(|p| Place::of(&p, &roots.input, &roots.out, flag))
                .transpose()
        };
        let mut early = Vec::new();
        let nginx_place = match place(config.nginx_path(), "--nginx") {
            // The default place beside an output inside the input: skipped.
            Err(Error::Config(_)) if config.nginx.path.is_none() => {
                early.push(crate::error::Diagnostic::warning(
                    &config.out.display().to_string(),
                    None,
                    "no nginx snippet written: beside this output is inside the input; give --nginx FILE",
                ));
                None
            }
            other => other?,
        };
        let headers_place = place(config.headers_json.clone(), "--headers-json")?;
        let found = discover(config, &roots)?;
        let mut diagnostics = found.diagnostics;
        diagnostics.extend(early);
        let files = found.files;
        // Staged early: an unwritable output fails before minutes of work,
        // and a run killed at any point leaves a folder the next run removes.
        let mut staging = Staging::create(&roots.out)?;
        let cache = match &config.cache {
            Some(dir) => match crate::cache::Cache::open(dir) {
                Ok(c) => Some(std::sync::Arc::new(c)),
                // The default folder may simply not be writable here (a
                // read-only home in CI): the run goes on without a cache.
                Err(_) if Some(dir) == crate::cache::default_dir().as_ref() => None,
                Err(message) => {
                    diagnostics.push(crate::error::Diagnostic::warning(
                        &dir.display().to_string(),
                        None,
                        message,
                    ));
                    None
                }
            },
            None => None,
        };
        staging.cache = cache.clone();
        laps.done("discover");

        progress.stage("transform", files.len() as u64);
        let names: BTreeSet<String> = files.iter().map(|f| f.rel.clone()).collect();
        let naming = Naming::new(
            &config.keep_names,
            config.hash_length,
            &config.base,
            config.public_url.as_deref(),
        )?;
        let rewriter = Rewriter::new(&files, &names, &naming);
        let ctx = Context {
            config,
            root: &roots.input,
            files: &names,
            rewriter: &rewriter,
            variants: None,
            cache: cache.as_deref(),
            text_context: if cache.is_some() {
                crate::transform::text_context(config, &roots.input, &files)
            } else {
                String::new()
            },
        };
        let writer = Writer::new(&staging, &files, &naming, &names, &config.precompress);
        let held = Held::new(staging.held_dir(), config.limits.max_held_bytes);
        let failure = std::sync::Mutex::new(None);
        let after = |i: usize, t: &mut Transformed| {
            // After a failed write the run is over: nothing more is written.
            let failed = failure.lock().map(|f| f.is_some()).unwrap_or(true);
            if failed {
                return;
            }
            if let Err(e) = settle(&files[i], i, t, &writer, &held, &naming) {
                failure
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get_or_insert(e);
            }
            progress.inc();
        };
        // Pages last: their <picture> markup names the image variants.
        let first = transform_all(&files, &ctx, &|f| !is_page(f), &after);
        let variants = Variants::collect(&files, &first);
        let ctx = Context {
            variants: Some(&variants),
            text_context: crate::transform::pages_context(&ctx.text_context, &variants),
            ..ctx
        };
        let pages = transform_all(&files, &ctx, &is_page, &after);
        if let Some(e) = failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
            return Err(e);
        }
        let mut results: Vec<Transformed> = first
            .into_iter()
            .zip(pages)
            .map(|(a, b)| a.or(b).unwrap_or_else(Transformed::copied))
            .collect();
        // Manifests named like any JSON file are known once the pages are read.
        let linked: BTreeSet<String> = results
            .iter()
            .flat_map(|r| r.linked_manifests.iter().cloned())
            .collect();
        for (file, result) in files.iter().zip(results.iter_mut()) {
            if linked.contains(&file.rel) {
                rewrite_linked_manifest(file, &ctx, result);
                wait(result, &held)?;
            }
        }
        laps.done("transform");

        let unresolved_imports = results.iter().fold(Unresolvable::default(), |mut sum, r| {
            sum.bare += r.unresolvable.bare;
            sum.computed += r.unresolvable.computed;
            sum
        });
        let (graph, broken) = graph::build(&files, &results, &names, &config.base);
        diagnostics.extend(broken);
        laps.done("graph");

        let keep = written(&results, &files);
        let follows = crate::rewrite::follows(&files);
        // Placeholders may stand for a file's references and the variants
        // its <picture> markup names.
        let mut references = graph.edges.clone();
        for (r, result) in references.iter_mut().zip(&results) {
            r.extend(&result.variant_refs);
        }
        // The variants, written already, in the order `variants` numbers them.
        let extra: Vec<(String, hash::Output)> = results
            .iter_mut()
            .filter_map(|r| r.image.as_mut())
            .flat_map(|info| std::mem::take(&mut info.written))
            .collect();
        debug_assert!(extra
            .iter()
            .zip(&variants.list)
            .all(|((rel, _), v)| *rel == v.rel));
        let plan = hash::Plan {
            written: &keep,
            references: &references,
            follows: &follows,
            naming: &naming,
        };
        let how: Vec<_> = results.iter().map(|r| (r.status, r.time)).collect();
        progress.stage(
            "write",
            results
                .iter()
                .zip(&keep)
                .filter(|(r, &k)| k && r.finished.is_none())
                .count() as u64,
        );
        let (outputs, variant_outputs) =
            hash::finalize(&files, &mut results, &plan, extra, &|i, output| {
                writer.file(i, how[i].0, how[i].1, output)?;
                progress.inc();
                Ok(())
            })?;
        laps.done("hash");
        let written = writer.finish(results);
        diagnostics.extend(written.diagnostics);
        let written_variants = written.variants;
        let mut out_files = written.out_files;
        let manifest = manifest::build(
            config,
            &files,
            &outputs,
            &graph,
            (&variants, &variant_outputs),
        );
        let mut report_outputs = std::collections::BTreeMap::new();
        for (path, bytes) in manifest::render(config, &manifest, &files, &graph) {
            if names.contains(&path) {
                diagnostics.push(crate::error::Diagnostic::warning(
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
            report_outputs.insert(key, roots.out.join(&path).display().to_string());
            out_files.push(OutFile::plain(path));
        }
        // Server files placed inside the output are files of it too.
        if config.headers_file && !out_files.iter().any(|f| f.rel == "_headers") {
            out_files.push(OutFile::plain("_headers".into()));
        }
        for place in [&nginx_place, &headers_place].into_iter().flatten() {
            if let Place::Inside(rel) = place {
                out_files.push(OutFile::plain(rel.clone()));
            }
        }
        out_files.sort_by(|a, b| a.rel.cmp(&b.rel));
        if config.headers_file {
            // After the input's own `_headers`, if it has one.
            let mut text = staging.read("_headers").unwrap_or_default();
            if !text.is_empty() && !text.ends_with(b"\n") {
                text.push(b'\n');
            }
            text.extend_from_slice(headers::headers_file(&out_files, config).as_bytes());
            staging.write("_headers", &text)?;
            report_outputs.insert(
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
            ("nginx", nginx_place, snippet),
            ("headers_json", headers_place, headers_json),
        ] {
            let Some(place) = place else { continue };
            report_outputs.insert(key.into(), place.display(&roots.out));
            match place {
                Place::Inside(rel) => staging.write(&rel, &bytes)?,
                Place::Outside(path) => pending.push(Pending::write(&path, &bytes)?),
            }
        }
        staging.commit()?;
        for p in pending {
            p.finish()?;
        }
        let mut cache_counts = std::collections::BTreeMap::new();
        if let Some(cache) = &cache {
            diagnostics.extend(cache.take_problems());
            cache_counts = cache.counts();
            cache.prune(config.cache_max_size);
        }
        laps.done("write");
        progress.finish();

        let mut report = Report::new(written.files, diagnostics, config.strict);
        report.cycles = graph.cycles;
        report.outputs = report_outputs;
        report.totals.variants = written_variants;
        report.totals.cache = cache_counts
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        report.totals.unresolved_imports = unresolved_imports;
        report.totals.held_on_disk = held.spilled();
        report.totals.wall_ms = laps.start.elapsed().as_secs_f64() * 1000.0;
        report.totals.stages = laps.stages;
        report.out_dir = config.out.display().to_string();
        Ok(report)
    })
}

/// Writes a file as soon as it is transformed when it names no other file
/// (scripts, stylesheets, images and their variants), so compression runs
/// beside the other transforms; otherwise puts its bytes aside for the hash
/// stage.
fn settle(
    file: &SourceFile,
    i: usize,
    t: &mut Transformed,
    writer: &Writer,
    held: &Held,
    naming: &Naming,
) -> Result<()> {
    if let Some(info) = &mut t.image {
        for v in &mut info.variants {
            let rel = variant_rel(&file.rel, v);
            let mut output =
                hash::finish_variant(&rel, std::mem::take(&mut v.bytes), naming.hash_length);
            writer.variant(&mut output)?;
            info.written.push((rel, output));
        }
    }
    let alone = matches!(file.kind, AssetKind::Js | AssetKind::Css | AssetKind::Image);
    if let Some(bytes) = t.bytes.take_if(|_| alone) {
        let map = t.map.as_deref();
        match hash::finish_alone(&file.rel, bytes, map, t.map_comment, t.style, naming) {
            Ok(mut output) => {
                writer.file(i, t.status, t.time, &mut output)?;
                t.map = None;
                t.finished = Some(output);
                return Ok(());
            }
            Err(bytes) => t.bytes = Some(bytes),
        }
    }
    wait(t, held)
}

/// Puts a file's transformed bytes and map aside until the hash stage.
fn wait(t: &mut Transformed, held: &Held) -> Result<()> {
    if let Some(bytes) = t.bytes.take() {
        let body = held.hold(bytes)?;
        held.count(&body);
        t.body = Some(body);
    }
    if let Some(map) = t.map.take() {
        t.map_body = Some(held.hold(map)?);
    }
    Ok(())
}

/// Wall-clock time of each stage.
struct Laps {
    start: Instant,
    lap: Instant,
    stages: Vec<(String, f64)>,
}

impl Laps {
    fn new() -> Laps {
        Laps {
            start: Instant::now(),
            lap: Instant::now(),
            stages: Vec::new(),
        }
    }

    fn done(&mut self, stage: &str) {
        self.stages
            .push((stage.to_string(), self.lap.elapsed().as_secs_f64() * 1000.0));
        self.lap = Instant::now();
    }
}
