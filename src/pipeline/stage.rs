//! The transform and hash stages of a run, over what they share
//! ([`Stage`]): transforming every file (pages last), settling each on its
//! worker, transforming again the files the naming rule requires, and naming
//! and writing what waited.

use std::collections::BTreeSet;
use std::sync::Mutex;

use crate::asset::{AssetKind, SourceFile};
use crate::cache::Cache;
use crate::config::Config;
use crate::discover::Roots;
use crate::emit::{in_output, Writer};
use crate::error::Result;
use crate::graph::Graph;
use crate::hash::{self, Payload, Settled};
use crate::held::Held;
use crate::id::{FileId, Node};
use crate::naming::Naming;
use crate::rewrite::Rewriter;
use crate::transform::js::Unresolvable;
use crate::transform::{
    is_page, rewrite_linked_manifest, transform_all, variant_rel, Context, Transformed, Variants,
};

use super::Progress;

/// What the transform stage hands on: each file's result (references,
/// diagnostics) and where its bytes went, with every image variant numbered.
pub(super) struct TransformStage {
    pub(super) results: Vec<Transformed>,
    pub(super) settled: Vec<Settled>,
    pub(super) variants: Variants,
}

/// What the hash stage hands on to emit.
pub(super) struct HashStage {
    pub(super) results: Vec<Transformed>,
    pub(super) outputs: Vec<Option<hash::Output>>,
    pub(super) variants: Variants,
    pub(super) variant_outputs: Vec<hash::Output>,
    pub(super) unresolved_imports: Unresolvable,
}

/// What the stages share within one run.
pub(super) struct Stage<'a> {
    pub(super) config: &'a Config,
    pub(super) roots: &'a Roots,
    pub(super) files: &'a [SourceFile],
    pub(super) names: &'a BTreeSet<String>,
    pub(super) naming: &'a Naming,
    pub(super) writer: &'a Writer<'a>,
    pub(super) held: &'a Held,
    pub(super) progress: &'a dyn Progress,
    /// The part of the text cache key that is the same for every pass of
    /// the run ([`crate::transform::text_context`]: it reads every input
    /// map); empty without a cache.
    pub(super) text_key: String,
}

impl Stage<'_> {
    /// Transforms every file, pages last (their `<picture>` markup names the
    /// image variants), and settles each on its worker as it is done.
    pub(super) fn transform(&self, cache: Option<&Cache>) -> Result<TransformStage> {
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

    /// The work of one shard (`--shard`): transforms the files `mine`
    /// picks, but pages, into the cache (and compresses the files written
    /// at once), writing nothing. Pages wait for the final run: their
    /// `<picture>` markup names the variants of every shard's images.
    /// Returns the files transformed and their diagnostics.
    pub(super) fn shard(
        &self,
        cache: &Cache,
        mine: &(dyn Fn(FileId) -> bool + Sync),
    ) -> Result<(usize, Vec<crate::error::Diagnostic>)> {
        let files = self.files;
        let select = |i: FileId| !is_page(&files[i]) && mine(i);
        let count = FileId::all(files.len()).filter(|&i| select(i)).count();
        self.progress.stage("transform", count as u64);
        let rewriter = Rewriter::new(files, self.names, self.naming);
        let ctx = self.context(&rewriter, Some(cache));
        let failure = FirstError::default();
        let done = transform_all(files, &ctx, &select, &|i, t| {
            // What would wait for the hash stage is dropped (never held):
            // the final run has it.
            if let Err(e) = write_early(&files[i], i, t, self.writer, self.naming) {
                failure.keep(e);
            }
            t.bytes = None;
            t.map = None;
            self.progress.inc();
        });
        failure.into_result()?;
        let done: Vec<Transformed> = done.into_iter().flatten().map(|(t, _)| t).collect();
        let n = done.len();
        Ok((n, done.into_iter().flat_map(|t| t.diagnostics).collect()))
    }

    /// Transforms again the files that wrote a placeholder for a file the
    /// naming rule then kept (or for its source map), with the names it
    /// settled.
    pub(super) fn redo(
        &self,
        stage: &mut TransformStage,
        cache: Option<&Cache>,
        now_kept: &[bool],
    ) -> Result<()> {
        let now_kept = |to: &crate::asset::Located| match to {
            crate::asset::Located::File(t) => now_kept[t.index()],
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
        let failure = FirstError::default();
        let after = |i: FileId, t: &mut Transformed| -> Settled {
            // After a failed write the run is over: nothing more is written.
            if failure.failed() {
                return Settled::input();
            }
            let settled = settle(&files[i], i, t, self.writer, self.held, self.naming);
            self.progress.inc();
            settled.unwrap_or_else(|e| {
                failure.keep(e);
                Settled::input()
            })
        };
        let first = transform_all(files, &ctx, &|i| !is_page(&files[i]) && select(i), &after);
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
        let pages = transform_all(files, &ctx, &|i| is_page(&files[i]) && select(i), &after);
        failure.into_result()?;
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
            // The run's part of the key (options, names, input maps) was
            // computed once; which names are kept changes between passes.
            text_context: if cache.is_some() {
                let run = &self.text_key;
                crate::digest::sha256_hex(format!("{run}\0{}", self.naming.digest()).as_bytes())
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
    pub(super) fn hash(&self, transformed: TransformStage, graph: &Graph) -> Result<HashStage> {
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

/// The first error of workers running in parallel (the run is over after
/// it).
#[derive(Default)]
struct FirstError(Mutex<Option<crate::error::Error>>);

impl FirstError {
    fn keep(&self, e: crate::error::Error) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert(e);
    }

    fn failed(&self) -> bool {
        self.0.lock().map(|f| f.is_some()).unwrap_or(true)
    }

    fn into_result(self) -> Result<()> {
        match self.0.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
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
    let (written, variants) = write_early(file, i, t, writer, naming)?;
    if let Some(output) = written {
        return Ok(Settled {
            payload: Payload::Written(output),
            variants,
        });
    }
    let payload = wait(t, held)?.unwrap_or(Payload::Input);
    Ok(Settled { payload, variants })
}

/// Writes a file's image variants, and the file itself when it names no
/// other file and its name is settled; what it wrote. Its bytes stay in
/// `t` when it must wait.
#[allow(clippy::type_complexity)]
fn write_early(
    file: &SourceFile,
    i: FileId,
    t: &mut Transformed,
    writer: &Writer,
    naming: &Naming,
) -> Result<(Option<hash::Output>, Vec<(String, hash::Output)>)> {
    let mut variants = Vec::new();
    if let Some(info) = &mut t.image {
        for v in &mut info.variants {
            let rel = variant_rel(&file.rel, v);
            let mut output = hash::finish_variant(
                &rel,
                std::mem::take(&mut v.bytes),
                naming.hash_length,
                naming.separator,
            );
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
                return Ok((Some(output), variants));
            }
            Err(bytes) => t.bytes = Some(bytes),
        }
    }
    Ok((None, variants))
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
