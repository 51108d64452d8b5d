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
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::asset::{AssetKind, SourceFile};
use crate::cache::Cache;
use crate::config::Config;
use crate::discover::{discover, roots, Roots};
use crate::emit::generated::{write_and_commit, Assets, ServerFiles};
use crate::emit::{in_output, Staging, Writer};
use crate::error::{Diagnostic, Error, Result};
use crate::graph::{self, Graph};
use crate::hash::{self, Payload, Settled};
use crate::held::Held;
use crate::id::{FileId, Node};
use crate::keep::{self, Kept};
use crate::mentions;
use crate::naming::Naming;
use crate::report::Report;
use crate::rewrite::Rewriter;
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
    let roots = roots(config)?;
    worker_pool(config.jobs)?.install(|| {
        let mut laps = Laps::new();
        let mut diagnostics = Vec::new();
        // Refused before any work when misplaced.
        let server_files = ServerFiles::place(config, &roots, &mut diagnostics)?;
        let found = discover(config, &roots)?;
        diagnostics.extend(found.diagnostics);
        let files = found.files;
        // Staged early: an unwritable output fails before minutes of work,
        // and a run killed at any point leaves a folder the next run removes.
        let staging = Staging::create(&roots.out)?;
        let mut cache_warnings = Vec::new();
        let cache = open_cache(config, &mut cache_warnings);
        laps.done("discover");

        let names: BTreeSet<String> = files.iter().map(|f| f.rel.clone()).collect();
        let naming = Naming::new(
            &config.keep_names,
            &config.hash,
            config.hash_length,
            &config.base,
            config.public_url.as_deref(),
        )?;
        // Where every name is written, and which names are settled already.
        let follows = crate::rewrite::follows(&files);
        let bundled = keep::bundled(&files);
        let candidates = keep::candidates(&files, &naming, &follows, &bundled);
        let mentions = mentions::find(
            &files,
            &|i| candidates[i.index()],
            config.limits.max_text_size,
        );
        let mut kept = keep::up_front(&files, &naming, &follows, &bundled, &mentions);
        let naming = naming.with_up_front(kept_names(&files, &kept));
        laps.done("mentions");
        let writer = Writer::new(
            &staging,
            &files,
            &naming,
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
            naming: &naming,
            writer: &writer,
            held: &held,
            progress,
        };
        let mut transformed = stage.transform(cache.as_deref())?;
        laps.done("transform");

        // The naming rule, now that every reference is known; files that
        // wrote placeholders for names it keeps are transformed again.
        let references: Vec<&[crate::asset::Reference]> = transformed
            .results
            .iter()
            .map(|r| r.references.as_slice())
            .collect();
        let before = kept.clone();
        diagnostics.extend(keep::after_transform(
            &files,
            &naming,
            &mentions,
            &references,
            &mut kept,
        ));
        naming.decide(kept_names(&files, &kept));
        let now_kept: Vec<bool> = before
            .iter()
            .zip(&kept)
            .map(|(a, b)| a.is_none() && b.is_some())
            .collect();
        stage.redo(&mut transformed, cache.as_deref(), &now_kept)?;
        laps.done("naming");

        let (graph, broken) = graph::build(&files, &transformed.results);
        diagnostics.extend(broken);
        laps.done("graph");

        let hashed = stage.hash(transformed, &graph)?;
        laps.done("hash");

        let mut emitted = writer.finish(hashed.results);
        // Names a bundler hashed are served as hashed names, source maps too.
        let bundler_hashed: BTreeSet<&str> = files
            .iter()
            .enumerate()
            .filter(|&(i, _)| {
                let owner = follows[i].map_or(i, FileId::index);
                kept[owner] == Some(Kept::BundlerHash)
            })
            .map(|(_, f)| f.rel.as_str())
            .collect();
        for out in &mut emitted.out_files {
            let owner = out.rel.strip_suffix(".map").unwrap_or(&out.rel);
            out.hashed |=
                bundler_hashed.contains(out.rel.as_str()) || bundler_hashed.contains(owner);
        }
        diagnostics.extend(emitted.diagnostics);
        let assets = Assets {
            files: &files,
            names: &names,
            outputs: &hashed.outputs,
            variants: (&hashed.variants, &hashed.variant_outputs),
            graph: &graph,
            out_files: emitted.out_files,
        };
        let outputs = write_and_commit(
            config,
            &roots,
            staging,
            server_files,
            assets,
            &mut diagnostics,
        )?;
        let mut cache_counts = BTreeMap::new();
        if let Some(cache) = &cache {
            cache_warnings.extend(cache.take_problems());
            cache_counts = cache.counts();
            cache.prune(config.cache_max_size);
        }
        laps.done("write");
        progress.finish();

        let mut report = Report::new(emitted.files, diagnostics, config.strict);
        report.set_kept(
            files
                .iter()
                .zip(kept)
                .filter_map(|(f, k)| Some((f.rel.clone(), k?))),
        );
        report.cycles = graph.cycles;
        cache_warnings.sort();
        report.cache_warnings = cache_warnings;
        report.outputs = outputs;
        report.totals.variants = emitted.variants;
        report.totals.cache = cache_counts
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        report.totals.unresolved_imports = hashed.unresolved_imports;
        report.totals.held_on_disk = held.spilled();
        report.totals.wall_ms = laps.start.elapsed().as_secs_f64() * 1000.0;
        report.totals.stages = laps.stages;
        report.out_dir = config.out.display().to_string();
        Ok(report)
    })
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
    match Cache::open(dir) {
        Ok(c) => Some(Arc::new(c)),
        // The default folder may simply not be writable here (a read-only
        // home in CI): the run goes on without a cache.
        Err(_) if Some(dir) == crate::cache::default_dir().as_ref() => None,
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

/// What the transform stage hands on: each file's result (references,
/// diagnostics) and where its bytes went, with every image variant numbered.
struct TransformStage {
    results: Vec<Transformed>,
    settled: Vec<Settled>,
    variants: Variants,
}

/// What the hash stage hands on to emit.
struct HashStage {
    results: Vec<Transformed>,
    outputs: Vec<Option<hash::Output>>,
    variants: Variants,
    variant_outputs: Vec<hash::Output>,
    unresolved_imports: Unresolvable,
}

/// What the stages share within one run.
struct Stage<'a> {
    config: &'a Config,
    roots: &'a Roots,
    files: &'a [SourceFile],
    names: &'a BTreeSet<String>,
    naming: &'a Naming,
    writer: &'a Writer<'a>,
    held: &'a Held,
    progress: &'a dyn Progress,
}

impl Stage<'_> {
    /// Transforms every file, pages last (their `<picture>` markup names the
    /// image variants), and settles each on its worker as it is done.
    fn transform(&self, cache: Option<&Cache>) -> Result<TransformStage> {
        self.progress.stage("transform", self.files.len() as u64);
        let (first, pages, variants) = self.pass(cache, &|_| true, None)?;
        let (results, settled): (Vec<Transformed>, Vec<Settled>) = first
            .into_iter()
            .zip(pages)
            .map(|(a, b)| {
                a.or(b)
                    .unwrap_or_else(|| (Transformed::copied(), Settled::input()))
            })
            .unzip();
        let mut stage = TransformStage {
            results,
            settled,
            variants,
        };
        self.linked_manifests(&mut stage, cache, &|_| true)?;
        Ok(stage)
    }

    /// Transforms again the files that wrote a placeholder for a file the
    /// naming rule then kept (or for its source map), with the names it
    /// settled.
    fn redo(
        &self,
        stage: &mut TransformStage,
        cache: Option<&Cache>,
        now_kept: &[bool],
    ) -> Result<()> {
        let follows = crate::rewrite::follows(self.files);
        let now_kept = |to: &crate::asset::Located| match to {
            crate::asset::Located::File(t) => now_kept[follows[t.index()].unwrap_or(*t).index()],
            _ => false,
        };
        let again: Vec<bool> = stage
            .results
            .iter()
            .map(|r| r.references.iter().any(|r| now_kept(&r.to)))
            .collect();
        if !again.contains(&true) {
            return Ok(());
        }
        let select = |i: FileId| again[i.index()];
        let (first, pages, _) = self.pass(cache, &select, Some(&stage.variants))?;
        for (i, r) in first.into_iter().zip(pages).enumerate() {
            if let Some((t, s)) = r.0.or(r.1) {
                stage.results[i] = t;
                stage.settled[i] = s;
            }
        }
        self.linked_manifests(stage, cache, &select)
    }

    /// One pass of transforms over the files `select` picks: the others,
    /// then the pages (with `variants`, or those the first part made).
    #[allow(clippy::type_complexity)]
    fn pass(
        &self,
        cache: Option<&Cache>,
        select: &(dyn Fn(FileId) -> bool + Sync),
        variants: Option<&Variants>,
    ) -> Result<(
        Vec<Option<(Transformed, Settled)>>,
        Vec<Option<(Transformed, Settled)>>,
        Variants,
    )> {
        let files = self.files;
        let rewriter = Rewriter::new(files, self.names, self.naming);
        let ctx = self.context(&rewriter, cache);
        let failure = Mutex::new(None);
        let after = |i: FileId, t: &mut Transformed| -> Settled {
            // After a failed write the run is over: nothing more is written.
            let failed = failure.lock().map(|f| f.is_some()).unwrap_or(true);
            if failed {
                return Settled::input();
            }
            let settled = settle(&files[i], i, t, self.writer, self.held, self.naming);
            self.progress.inc();
            settled.unwrap_or_else(|e| {
                failure
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get_or_insert(e);
                Settled::input()
            })
        };
        let id = |f: &SourceFile| {
            let i = files.binary_search_by(|g| g.rel.cmp(&f.rel));
            i.is_ok_and(|i| select(FileId::new(i)))
        };
        let first = transform_all(files, &ctx, &|f| !is_page(f) && id(f), &after);
        let made;
        let variants = match variants {
            Some(v) => v,
            None => {
                made = Variants::collect(files, &first);
                &made
            }
        };
        let ctx = Context {
            variants: Some(variants),
            text_context: crate::transform::pages_context(&ctx.text_context, variants),
            ..ctx
        };
        let pages = transform_all(files, &ctx, &|f| is_page(f) && id(f), &after);
        if let Some(e) = failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
            return Err(e);
        }
        Ok((first, pages, variants.clone()))
    }

    /// The context of a pass: the text cache key covers the options, the
    /// file list, the input maps and which files keep their names.
    fn context<'r>(&'r self, rewriter: &'r Rewriter<'r>, cache: Option<&'r Cache>) -> Context<'r> {
        Context {
            config: self.config,
            root: &self.roots.input,
            files: self.names,
            rewriter,
            variants: None,
            cache,
            text_context: if cache.is_some() {
                let options =
                    crate::transform::text_context(self.config, &self.roots.input, self.files);
                crate::digest::sha256_hex(format!("{options}\0{}", self.naming.digest()).as_bytes())
            } else {
                String::new()
            },
        }
    }

    /// Rewrites the icon URLs of manifests named like any JSON file, known
    /// once the pages are read (among the files `select` picks).
    fn linked_manifests(
        &self,
        stage: &mut TransformStage,
        cache: Option<&Cache>,
        select: &dyn Fn(FileId) -> bool,
    ) -> Result<()> {
        let linked: BTreeSet<String> = stage
            .results
            .iter()
            .flat_map(|r| r.linked_manifests.iter().cloned())
            .collect();
        if linked.is_empty() {
            return Ok(());
        }
        let rewriter = Rewriter::new(self.files, self.names, self.naming);
        let ctx = self.context(&rewriter, cache);
        let results = stage.results.iter_mut().zip(&mut stage.settled);
        for (i, (file, (result, s))) in self.files.iter().zip(results).enumerate() {
            if linked.contains(&file.rel) && select(FileId::new(i)) {
                rewrite_linked_manifest(file, &ctx, result);
                if let Some(payload) = wait(result, self.held)? {
                    s.payload = payload;
                }
            }
        }
        Ok(())
    }

    /// Names every file and writes those that waited, dependencies first.
    fn hash(&self, transformed: TransformStage, graph: &Graph) -> Result<HashStage> {
        let TransformStage {
            results,
            settled,
            variants,
        } = transformed;
        let unresolved_imports = results.iter().fold(Unresolvable::default(), |mut sum, r| {
            sum.bare += r.unresolvable.bare;
            sum.computed += r.unresolvable.computed;
            sum
        });
        let keep = in_output(&results, self.files);
        let follows = crate::rewrite::follows(self.files);
        // Placeholders may stand for a file's references and the variants
        // its <picture> markup names.
        let references: Vec<Vec<Node>> = graph
            .edges
            .iter()
            .zip(&results)
            .map(|(edges, result)| {
                let files = edges.iter().map(|&j| Node::file(j));
                files.chain(result.variant_refs.iter().copied()).collect()
            })
            .collect();
        // The variants, written already, in the order `variants` numbers them.
        let mut payloads = Vec::with_capacity(settled.len());
        let mut extra: Vec<(String, hash::Output)> = Vec::new();
        for s in settled {
            payloads.push(s.payload);
            extra.extend(s.variants);
        }
        debug_assert!(extra
            .iter()
            .zip(&variants.list)
            .all(|((rel, _), v)| *rel == v.rel));
        let plan = hash::Plan {
            in_output: &keep,
            references: &references,
            follows: &follows,
            naming: self.naming,
        };
        let how: Vec<_> = results.iter().map(|r| (r.status, r.time)).collect();
        self.progress.stage(
            "write",
            payloads
                .iter()
                .zip(&keep)
                .filter(|(p, &k)| k && !matches!(p, Payload::Written(_)))
                .count() as u64,
        );
        let (outputs, variant_outputs) = hash::finalize(
            self.files,
            &results,
            payloads,
            &plan,
            extra,
            &|i, output| {
                self.writer.file(i, how[i].0, how[i].1, output)?;
                self.progress.inc();
                Ok(())
            },
        )?;
        Ok(HashStage {
            results,
            outputs,
            variants,
            variant_outputs,
            unresolved_imports,
        })
    }
}

/// Writes a file as soon as it is transformed when it names no other file
/// (scripts, stylesheets, images and their variants), so compression runs
/// beside the other transforms; otherwise puts its bytes aside for the hash
/// stage.
fn settle(
    file: &SourceFile,
    i: FileId,
    t: &mut Transformed,
    writer: &Writer,
    held: &Held,
    naming: &Naming,
) -> Result<Settled> {
    let mut variants = Vec::new();
    if let Some(info) = &mut t.image {
        for v in &mut info.variants {
            let rel = variant_rel(&file.rel, v);
            let mut output =
                hash::finish_variant(&rel, std::mem::take(&mut v.bytes), naming.hash_length);
            writer.variant(&mut output)?;
            variants.push((rel, output));
        }
    }
    // Written now only when its name is settled: a file the naming rule may
    // still keep waits.
    let alone = matches!(file.kind, AssetKind::Js | AssetKind::Css | AssetKind::Image)
        && naming.is_final(&file.rel);
    if let Some(bytes) = t.bytes.take_if(|_| alone) {
        let map = t.map.as_deref();
        match hash::finish_alone(&file.rel, bytes, map, t.map_comment, t.style, naming) {
            Ok(mut output) => {
                writer.file(i, t.status, t.time, &mut output)?;
                t.map = None;
                return Ok(Settled {
                    payload: Payload::Written(output),
                    variants,
                });
            }
            Err(bytes) => t.bytes = Some(bytes),
        }
    }
    let payload = wait(t, held)?.unwrap_or(Payload::Input);
    Ok(Settled { payload, variants })
}

/// Puts a file's transformed bytes and map aside until the hash stage;
/// `None` when it has no new bytes (the input is copied).
fn wait(t: &mut Transformed, held: &Held) -> Result<Option<Payload>> {
    let Some(bytes) = t.bytes.take() else {
        return Ok(None);
    };
    let body = held.hold(bytes)?;
    held.count(&body);
    let map = t.map.take().map(|m| held.hold(m)).transpose()?;
    Ok(Some(Payload::Waiting { body, map }))
}

/// The files that keep their names by the naming rule's decisions.
fn kept_names(files: &[SourceFile], kept: &[Option<Kept>]) -> std::collections::HashSet<String> {
    files
        .iter()
        .zip(kept)
        .filter(|(_, k)| k.is_some())
        .map(|(f, _)| f.rel.clone())
        .collect()
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
