//! The one place the stages are called in order, each timed:
//! discover → transform → emit → report.

use std::collections::BTreeSet;
use std::time::Instant;

use rayon::prelude::*;

use crate::asset::SourceFile;
use crate::config::Config;
use crate::discover::{discover, roots};
use crate::emit::{gzip_size, Staging};
use crate::error::{Diagnostic, Error, Result};
use crate::report::{FileReport, Report};
use crate::transform::{transform_all, Context, Transformed};

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
        let found = discover(config, &roots)?;
        let mut diagnostics = found.diagnostics;
        let files = found.files;
        laps.done("discover");

        progress.stage("transform", files.len() as u64);
        let names: BTreeSet<String> = files.iter().map(|f| f.rel.clone()).collect();
        let ctx = Context {
            config,
            root: &roots.input,
            files: &names,
        };
        let results = transform_all(&files, &ctx, &|| progress.inc());
        laps.done("transform");

        progress.stage("write", files.len() as u64);
        let staging = Staging::create(&roots.out)?;
        let replaced: BTreeSet<String> = results
            .iter()
            .filter_map(|r| r.replaces_map.clone())
            .collect();
        let generated_maps: BTreeSet<String> = files
            .iter()
            .zip(&results)
            .filter(|(_, r)| r.map.is_some())
            .map(|(f, _)| format!("{}.map", f.rel))
            .collect();
        let written: Vec<Result<Option<FileReport>>> = files
            .par_iter()
            .zip(&results)
            .map(|(file, result)| {
                // Input maps folded into (or made stale by) a minified file are not copied.
                let r = if replaced.contains(&file.rel) || generated_maps.contains(&file.rel) {
                    Ok(None)
                } else {
                    write_one(&staging, file, result).map(Some)
                };
                progress.inc();
                r
            })
            .collect();
        let mut reports = Vec::with_capacity(files.len());
        for w in written {
            if let Some(r) = w? {
                reports.push(r);
            }
        }
        for (file, result) in files.iter().zip(results) {
            if generated_maps.contains(&file.rel) && !replaced.contains(&file.rel) {
                diagnostics.push(Diagnostic::warning(
                    &file.rel,
                    None,
                    "replaced by the source map generated for the minified file of the same name",
                ));
            }
            diagnostics.extend(result.diagnostics);
        }
        staging.commit()?;
        laps.done("write");
        progress.finish();

        let mut report = Report::new(reports, diagnostics, config.strict);
        report.totals.wall_ms = laps.start.elapsed().as_secs_f64() * 1000.0;
        report.totals.stages = laps.stages;
        report.out_dir = config.out.display().to_string();
        Ok(report)
    })
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

/// Writes one file (and its map) into the staging folder and reports its sizes.
fn write_one(staging: &Staging, file: &SourceFile, result: &Transformed) -> Result<FileReport> {
    let (bytes_out, gzip_out) = match &result.bytes {
        Some(bytes) => {
            staging.write(&file.rel, bytes)?;
            (bytes.len() as u64, Some(gzip_size(bytes)))
        }
        None if file.kind.is_text() => {
            let bytes = std::fs::read(&file.abs).map_err(|e| Error::io(&file.abs, e))?;
            staging.write(&file.rel, &bytes)?;
            (bytes.len() as u64, Some(gzip_size(&bytes)))
        }
        None => (staging.copy(&file.rel, &file.abs)?, None),
    };
    let map_bytes = match &result.map {
        Some(map) => {
            staging.write(&format!("{}.map", file.rel), map)?;
            Some(map.len() as u64)
        }
        None => None,
    };
    Ok(FileReport {
        path: file.rel.clone(),
        kind: file.kind.label(),
        status: result.status,
        bytes_in: file.size,
        bytes_out,
        gzip_out,
        map_bytes,
        time_ms: result.time.as_secs_f64() * 1000.0,
    })
}
