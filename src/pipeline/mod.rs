//! The one place the stages are called in order, each timed:
//! discover → mentions → transform → naming rule → graph → hash & name →
//! emit → report. A file whose name is settled before the transforms (it
//! keeps it) and that names no other file is written and compressed as
//! soon as it is transformed, on the same worker; the others wait (in
//! memory up to `limits.max_held_bytes`, then on disk) and are finished in
//! dependency order once the naming rule has decided every name. Files
//! that wrote a placeholder for a file the rule then kept are transformed
//! again.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use crate::cache::Cache;
use crate::config::Config;
use crate::discover::{discover, roots};
use crate::emit::generated::{write_and_commit, Assets, ServerFiles};
use crate::emit::{Place, Staging, Writer};
use crate::error::{Diagnostic, Error, Result};
use crate::graph;
use crate::held::Held;
use crate::keep::Rule;
use crate::report::Report;

mod stage;
use stage::Stage;

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
    // The HTML report shows each variant's PSNR, measured as it is encoded.
    let measured;
    let config = if config.report_html.is_some() && !config.images.measure_quality {
        let mut c = config.clone();
        c.images.measure_quality = true;
        measured = c;
        &measured
    } else {
        config
    };
    let roots = roots(config)?;
    worker_pool(config.jobs)?.install(|| {
        let mut laps = Laps::new();
        let mut diagnostics = Vec::new();
        // Refused before any work when misplaced.
        let server_files = ServerFiles::place(config, &roots, &mut diagnostics)?;
        let markdown = outside(&config.report_markdown, &roots, "--report markdown")?;
        let html_report = outside(&config.report_html, &roots, "--report-html")?;
        let baseline = match &config.baseline {
            Some(p) => Some(crate::emit::manifest::read(p)?.0),
            None => None,
        };
        let found = discover(config, &roots)?;
        diagnostics.extend(found.diagnostics);
        let files = found.files;
        // Staged early: an unwritable output fails before minutes of work,
        // and a run killed at any point leaves a folder the next run removes.
        // A shard writes no output.
        let staging = match config.shard {
            Some(_) => Staging::discarding(),
            None => Staging::create(&roots.out)?,
        };
        let mut cache_warnings = Vec::new();
        let cache = open_cache(config, &mut cache_warnings);
        laps.done("discover");

        let names: BTreeSet<String> = files.iter().map(|f| f.rel.clone()).collect();
        // Where every name is written, and which names are settled already.
        let rule = Rule::new(config, &files)?;
        let naming = &rule.naming;
        laps.done("mentions");
        let writer = Writer::new(
            &staging,
            &files,
            naming,
            &names,
            &config.precompress,
            cache.as_deref(),
        );
        let held = Held::new(staging.held_dir(), config.limits.max_held_bytes);
        let stage = Stage {
            config,
            roots: &roots,
            files: &files,
            names: &names,
            naming,
            writer: &writer,
            held: &held,
            progress,
            text_key: match cache {
                Some(_) => crate::transform::text_context(config, &files),
                None => String::new(),
            },
        };
        if let Some(shard) = config.shard {
            let Some(cache) = cache.as_deref() else {
                return Err(Error::Config(format!(
                    "--shard {}/{}: the cache cannot be used here (see the warning above), and a shard's work goes nowhere else",
                    shard.index, shard.count
                )));
            };
            let split = crate::shard::split(&files, shard.count, |f| {
                crate::transform::cost(f, config)
            });
            let mine = |i: crate::id::FileId| crate::shard::is_mine(&split, shard, i.index());
            let (done, found) = stage.shard(cache, &mine)?;
            laps.done("transform");
            diagnostics.extend(found);
            progress.finish();
            let closed = close_cache(Some(cache), cache_warnings);
            let mut report = Report::new(Vec::new(), diagnostics, config.strict);
            closed.into_report(&mut report);
            report.shard = Some(crate::report::ShardRun {
                index: shard.index,
                count: shard.count,
                files: done,
            });
            report.totals.wall_ms = laps.start.elapsed().as_secs_f64() * 1000.0;
            report.totals.stages = laps.stages;
            return Ok(report);
        }
        let mut transformed = stage.transform(cache.as_deref())?;
        laps.done("transform");

        // The naming rule, now that every reference is known; files that
        // wrote placeholders for names it keeps are transformed again.
        let decided = rule.decide(&files, &transformed.results);
        diagnostics.extend(decided.warnings);
        stage.redo(&mut transformed, cache.as_deref(), &decided.now_kept)?;
        laps.done("naming");

        let (mut graph, broken) = graph::build(&files, &transformed.results);
        diagnostics.extend(broken);
        laps.done("graph");

        let hashed = stage.hash(transformed, &graph)?;
        laps.done("hash");

        let mut emitted = writer.finish(hashed.results);
        emitted.serve_as_hashed(&rule.bundler_hashed(&files, &decided.kept));
        diagnostics.extend(emitted.diagnostics);
        let assets = Assets {
            files: &files,
            names: &names,
            outputs: &hashed.outputs,
            variants: (&hashed.variants, &hashed.variant_outputs),
            graph: &graph,
            out_files: emitted.out_files,
        };
        let (mut outputs, manifest) = write_and_commit(
            config,
            &roots,
            staging,
            server_files,
            assets,
            &mut diagnostics,
        )?;
        let closed = close_cache(cache.as_deref(), cache_warnings);
        if let Some(cache) = &cache {
            cache.prune(config.cache_max_size);
        }
        laps.done("write");
        progress.finish();

        let mut report = Report::new(emitted.files, diagnostics, config.strict);
        report.set_kept(
            files
                .iter()
                .zip(decided.kept)
                .filter_map(|(f, k)| Some((f.rel.clone(), k?))),
        );
        report.cycles = std::mem::take(&mut graph.cycles);
        report.budgets = crate::budget::check(config, &manifest, baseline.as_ref());
        report.baseline = baseline.map(|old| crate::diff::diff(&old, &manifest));
        if let Some(path) = markdown {
            let text = crate::budget::markdown(&report.budgets, report.baseline.as_ref());
            crate::emit::Pending::write(&path, text.as_bytes())
                .and_then(|p| p.finish())
                .map_err(|e| Error::AfterCommit(Box::new(e)))?;
            outputs.insert("report_markdown".into(), path.display().to_string());
        }
        closed.into_report(&mut report);
        report.outputs = outputs;
        report.totals.variants = emitted.variants;
        report.totals.unresolved_imports = hashed.unresolved_imports;
        report.totals.held_on_disk = held.spilled();
        report.totals.wall_ms = laps.start.elapsed().as_secs_f64() * 1000.0;
        report.totals.stages = laps.stages;
        report.out_dir = config.out.display().to_string();
        if let Some(path) = html_report {
            let details = crate::report::details::Details::collect(
                &files,
                &graph,
                &hashed.variants,
                &hashed.variant_outputs,
                &report.files,
                &roots.out,
                &config.base,
            );
            let page = crate::report::html::render(&report, &details, config.report_times);
            crate::emit::Pending::write(&path, page.as_bytes())
                .and_then(|p| p.finish())
                .map_err(|e| Error::AfterCommit(Box::new(e)))?;
            report
                .outputs
                .insert("report_html".into(), path.display().to_string());
        }
        Ok(report)
    })
}

/// The place of a report file given by `flag`: outside the output folder
/// (and the input), or a configuration error.
fn outside(
    path: &Option<std::path::PathBuf>,
    roots: &crate::discover::Roots,
    flag: &str,
) -> Result<Option<std::path::PathBuf>> {
    let Some(p) = path else {
        return Ok(None);
    };
    match Place::of(p, &roots.input, &roots.out, flag)? {
        Place::Outside(path) => Ok(Some(path)),
        Place::Inside(_) => Err(Error::Config(format!(
            "{flag} {}: inside the output folder; give a file outside it",
            p.display()
        ))),
    }
}

/// The rayon pool every stage runs on.
fn worker_pool(jobs: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .stack_size(WORKER_STACK)
        .thread_name(|i| format!("assetpress-{i}"))
        .build()
        .map_err(|e| Error::Config(format!("cannot start {jobs} worker threads: {e}")))
}

/// The cache of the run, if one is used and can be opened.
fn open_cache(config: &Config, diagnostics: &mut Vec<Diagnostic>) -> Option<Arc<Cache>> {
    let dir = config.cache.as_ref()?;
    let opened = crate::cache::secret()
        .map_err(|e| format!("{e}; running without a cache"))
        .and_then(|secret| Cache::open(dir, secret));
    match opened {
        Ok(c) => Some(Arc::new(with_remote(c, config, diagnostics))),
        // The default folder (or key) may simply not be writable here (a
        // read-only home in CI): the run goes on without a cache.
        // (Unless a shared cache or a shard needs it: then it is said.)
        Err(_)
            if Some(dir) == crate::cache::default_dir().as_ref()
                && config.cache_url.is_none()
                && config.shard.is_none() =>
        {
            None
        }
        Err(message) => {
            diagnostics.push(Diagnostic::warning(
                &dir.display().to_string(),
                None,
                message,
            ));
            None
        }
    }
}

/// What the cache did in a run, for its report.
struct ClosedCache {
    counts: BTreeMap<&'static str, crate::cache::Counts>,
    remote: Option<crate::cache::RemoteCounts>,
    warnings: Vec<Diagnostic>,
}

/// Waits for the shared cache's uploads and collects the cache's counts and
/// problems after `warnings` (those of opening it).
fn close_cache(cache: Option<&Cache>, mut warnings: Vec<Diagnostic>) -> ClosedCache {
    let (mut counts, mut remote) = (BTreeMap::new(), None);
    if let Some(cache) = cache {
        remote = cache.finish_remote();
        warnings.extend(cache.take_problems());
        counts = cache.counts();
    }
    warnings.sort();
    ClosedCache {
        counts,
        remote,
        warnings,
    }
}

impl ClosedCache {
    fn into_report(self, report: &mut Report) {
        report.cache_warnings = self.warnings;
        report.totals.cache = self
            .counts
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        report.totals.cache_remote = self.remote;
    }
}

/// `cache` with the shared cache of `--cache-url` behind it, when one is
/// given and can be listed (else a warning, and the local cache alone).
fn with_remote(cache: Cache, config: &Config, diagnostics: &mut Vec<Diagnostic>) -> Cache {
    let Some(url) = &config.cache_url else {
        return cache;
    };
    if std::env::var_os(crate::cache::KEY_VAR).is_none_or(|k| k.is_empty()) {
        diagnostics.push(Diagnostic::warning(
            url,
            None,
            format!(
                "no {}: entries are checked with this machine's own key, so only its runs can use them; give every runner the same secret key",
                crate::cache::KEY_VAR
            ),
        ));
    }
    match crate::cache::Remote::open(url, Cache::layout(), config.cache_read_only) {
        Ok(remote) => cache.with_remote(remote),
        Err(message) => {
            diagnostics.push(Diagnostic::warning(url, None, message));
            cache
        }
    }
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
