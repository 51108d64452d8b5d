//! Stage 2: transform each file on its own, in parallel. A transform is a pure
//! function of the file's bytes and the options; it never fails the run: a
//! file that cannot be processed is passed through unchanged with an error
//! diagnostic.

mod budget;
pub mod cache_entry;
pub mod css;
pub mod error;
pub mod html;
pub mod image;
pub mod js;
pub mod json;
mod kinds;
mod minify;
pub mod nesting;
pub mod sourcemap;
pub mod variants;
pub mod webmanifest;

pub use kinds::rewrite_linked_manifest;
pub use variants::{variant_rel, Variants};

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::asset::{AssetKind, Reference, SourceFile};
use crate::config::Config;
use crate::error::{Diagnostic, Severity};
use crate::id::{FileId, Node};
use crate::naming::MapComment;
use crate::placeholder::Style;
use crate::rewrite::Rewriter;
use error::TransformError;
use kinds::{process_image, rewrite_code, rewrite_html, rewrite_manifest, rewrite_map};
use minify::minify_text;

/// What a transform made of one file.
#[derive(Debug)]
pub struct Transformed {
    /// The output's contents (new, or the input's when it was read anyway),
    /// or `None` to copy the input file.
    pub bytes: Option<Vec<u8>>,
    /// A source map to write as `<output>.map`.
    pub map: Option<Vec<u8>>,
    /// An input source map that this output replaces (folded into `map`, or
    /// stale because the code changed): it is not copied to the output.
    pub replaces_map: Option<String>,
    /// Minified, copied, or failed.
    pub status: Status,
    /// Why a file that was to be minified kept its input (its references
    /// still rewritten).
    pub left_as_is: Option<LeftAsIs>,
    /// Warnings and errors about this file.
    pub diagnostics: Vec<Diagnostic>,
    /// The URLs the file loads, for the graph stage.
    pub references: Vec<Reference>,
    /// Imports that are not files of the site (bare or computed specifiers).
    pub unresolvable: js::Unresolvable,
    /// For a raster image: its upright size and its responsive variants.
    pub image: Option<ImageInfo>,
    /// The image variants whose placeholders the file's text holds
    /// (`<picture>` markup).
    pub variant_refs: Vec<Node>,
    /// Files a page links as its web app manifest (`<link rel="manifest">`).
    pub linked_manifests: Vec<String>,
    /// The marks of the placeholders in `bytes`.
    pub style: Style,
    /// The comment style of the `sourceMappingURL` line to append once the
    /// map's final name is known (`Some` exactly when `map` is).
    pub map_comment: Option<MapComment>,
    /// Time spent on this file.
    pub time: Duration,
}

/// An image's upright size and the variants made of it.
#[derive(Debug, Clone)]
pub struct ImageInfo {
    /// Width in pixels, after EXIF orientation.
    pub width: u32,
    /// Height in pixels, after EXIF orientation.
    pub height: u32,
    /// Resized copies, by width then format (their bytes taken once written).
    pub variants: Vec<image::Variant>,
}

/// The outcome for one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Minified.
    Minified,
    /// Made smaller losslessly, or stripped of private metadata (images).
    Optimized,
    /// Copied unchanged, as intended.
    Copied,
    /// Could not be processed; copied unchanged.
    Failed,
}

/// Why a JS or CSS file that was to be minified kept its input bytes, only
/// its references rewritten.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeftAsIs {
    /// Minifying did not make it smaller: the minified output, with the
    /// comment naming its map, was at least as large (a file minified
    /// already, a tiny one).
    NotSmaller,
    /// It is over `limits.max_text_size`.
    TooLarge,
}

/// What every transform may look at besides its own file.
pub struct Context<'a> {
    /// The run's settings.
    pub config: &'a Config,
    /// Canonical input root, for reading input source maps.
    pub root: &'a Path,
    /// Relative paths of every discovered file.
    pub files: &'a BTreeSet<String>,
    /// How references are rewritten.
    pub rewriter: &'a Rewriter<'a>,
    /// The image variants made so far (pages are transformed after images).
    pub variants: Option<&'a Variants>,
    /// The cache of transform results, if one is used.
    pub cache: Option<&'a crate::cache::Cache>,
    /// What text transforms depend on besides their own file: the options,
    /// every file's name, every input map, and (for pages) the variants.
    /// Part of their cache keys.
    pub text_context: String,
}

/// Transforms every file in parallel on the current rayon pool; results are in
/// input order.
///
/// Work is handed out largest minification first, from one shared queue: one
/// big library (typescript.js takes seconds) then starts at once instead of
/// last, and the other threads share out the rest meanwhile.
/// `after` gets each result on its worker, as soon as it is made (to write
/// it at once, or put its bytes aside); what it returns is kept beside it.
pub fn transform_all<R: Send>(
    files: &[SourceFile],
    ctx: &Context,
    select: &(dyn Fn(FileId) -> bool + Sync),
    after: &(dyn Fn(FileId, &mut Transformed) -> R + Sync),
) -> Vec<Option<(Transformed, R)>> {
    let mut order: Vec<usize> = (0..files.len())
        .filter(|&i| select(FileId::new(i)))
        .collect();
    order.sort_by_key(|&i| std::cmp::Reverse(cost(&files[i], ctx.config)));
    prefetch(files, ctx, &order);
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<(Transformed, R)>>> =
        files.iter().map(|_| Mutex::new(None)).collect();
    rayon::broadcast(|_| loop {
        let k = next.fetch_add(1, Ordering::Relaxed);
        let Some(&i) = order.get(k) else { break };
        // A panic inside swc or lightningcss is a bug there, not a reason to
        // lose the run: the file becomes an error and is copied unchanged.
        let mut t = std::panic::catch_unwind(AssertUnwindSafe(|| transform(&files[i], ctx)))
            .unwrap_or_else(|panic| {
                let message = format!(
                    "internal error while processing: {}; copied unchanged",
                    panic_message(&panic)
                );
                failed(&files[i], &message)
            });
        let r = after(FileId::new(i), &mut t);
        if let Ok(mut slot) = slots[i].lock() {
            *slot = Some((t, r));
        }
    });
    slots
        .into_iter()
        .zip(files)
        .enumerate()
        .map(|(i, (slot, file))| {
            if !select(FileId::new(i)) {
                return None;
            }
            Some(slot.into_inner().ok().flatten().unwrap_or_else(|| {
                let mut t = failed(file, "internal error: not transformed; copied unchanged");
                let r = after(FileId::new(i), &mut t);
                (t, r)
            }))
        })
        .collect()
}

/// Whether a file is transformed after the others: pages (and SVG files)
/// need the image variants for their `<picture>` markup.
pub fn is_page(file: &SourceFile) -> bool {
    matches!(file.kind, AssetKind::Html | AssetKind::Svg)
}

impl Transformed {
    /// A file copied as it is, nothing known about it yet.
    pub fn copied() -> Transformed {
        Transformed {
            bytes: None,
            map: None,
            replaces_map: None,
            status: Status::Copied,
            left_as_is: None,
            diagnostics: Vec::new(),
            references: Vec::new(),
            unresolvable: Default::default(),
            map_comment: None,
            image: None,
            variant_refs: Vec::new(),
            style: Style::default(),
            linked_manifests: Vec::new(),
            time: Duration::ZERO,
        }
    }
}

/// The result for a file that could not be processed.
fn failed(file: &SourceFile, message: &str) -> Transformed {
    Transformed {
        status: Status::Failed,
        diagnostics: vec![diagnostic(
            file,
            Severity::Error,
            TransformError::new(message),
        )],
        ..Transformed::copied()
    }
}

/// A transform's error about `file`, as the report shows it: the one place
/// where a [`TransformError`] gets the file's path and its severity.
fn diagnostic(file: &SourceFile, severity: Severity, e: TransformError) -> Diagnostic {
    match severity {
        Severity::Error => Diagnostic::error(&file.rel, e.loc, e.message),
        Severity::Warning => Diagnostic::warning(&file.rel, e.loc, e.message),
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

/// With a shared cache, fetches ahead (many at a time) the entries the
/// transforms of `files[order]` will look up.
fn prefetch(files: &[SourceFile], ctx: &Context, order: &[usize]) {
    let Some(cache) = ctx.cache.filter(|c| c.has_remote()) else {
        return;
    };
    let keys: Vec<[u8; 32]> = order
        .par_iter()
        .filter_map(|&i| {
            let bytes = std::fs::read(&files[i].abs).ok()?;
            cache_key(&files[i], ctx, &bytes)
        })
        .collect();
    cache.prefetch(&keys);
}

/// Whether `kind` goes through the text transform's cache.
fn text_cached(kind: AssetKind) -> bool {
    matches!(
        kind,
        AssetKind::Html
            | AssetKind::Svg
            | AssetKind::WebManifest
            | AssetKind::SourceMap
            | AssetKind::Js
            | AssetKind::Css
    )
}

/// The cache key the transform of `file` (its input `bytes`) looks up, if
/// it uses the cache.
pub fn cache_key(file: &SourceFile, ctx: &Context, bytes: &[u8]) -> Option<[u8; 32]> {
    let cache = ctx.cache?;
    if text_cached(file.kind) {
        Some(cache.key("text", &ctx.text_context, &[file.rel.as_bytes(), bytes]))
    } else if file.kind == AssetKind::Image && ctx.config.images.enabled {
        Some(kinds::image_key(cache, &ctx.config.images, bytes))
    } else {
        None
    }
}

/// The work transforming `f` costs, roughly (0: next to none): what orders
/// the transforms and splits them between shards.
pub fn cost(f: &SourceFile, config: &Config) -> u64 {
    match f.kind {
        AssetKind::Js | AssetKind::Css => f.size,
        // Decoding, resizing and encoding a photo costs more per byte.
        AssetKind::Image if config.images.enabled => f.size.saturating_mul(8),
        _ => 0,
    }
}

/// Transforms one file.
pub fn transform(file: &SourceFile, ctx: &Context) -> Transformed {
    match ctx.cache {
        Some(cache) if text_cached(file.kind) => {
            let start = Instant::now();
            let Ok(bytes) = std::fs::read(&file.abs) else {
                return transform_uncached(file, ctx);
            };
            let Some(key) = cache_key(file, ctx, &bytes) else {
                return transform_uncached(file, ctx);
            };
            let mut computed = None;
            let entry = cache.get_or(file.kind.label(), &key, || {
                let t = transform_uncached(file, ctx);
                let e = cache_entry::encode_text(&t);
                computed = Some(t);
                e
            });
            match computed {
                Some(t) => t,
                None => cache_entry::decode_text(entry)
                    .map(|mut t| {
                        t.time = start.elapsed();
                        t
                    })
                    .unwrap_or_else(|| transform_uncached(file, ctx)),
            }
        }
        _ => transform_uncached(file, ctx),
    }
}

/// Settings no text transform reads: which files there are (the file list
/// is part of the key anyway), threads, the exit status, and how the output
/// is written and served. Every other setting of [`Config`] is part of the
/// text cache key, so a new option is in the key unless it is listed here:
/// forgetting one costs a miss, never a stale hit.
const NOT_READ_BY_TEXT_TRANSFORMS: &[&str] = &[
    "/input",
    "/out",
    "/include",
    "/exclude",
    "/jobs",
    "/strict",
    // Where waiting files wait changes no result.
    "/limits/max_held_bytes",
    "/manifest",
    "/manifest_formats",
    "/precompress",
    "/cache_control",
    "/nginx",
    "/headers_file",
    "/headers_json",
    "/cache",
    "/cache_max_size",
    "/cache_url",
    "/cache_read_only",
];

/// The settings a text transform's result depends on, as one string: every
/// setting of `config` but [`NOT_READ_BY_TEXT_TRANSFORMS`], derived from the
/// serialized `Config`.
fn text_options(config: &Config) -> String {
    text_options_of(serde_json::to_value(config).unwrap_or_default())
}

/// [`text_options`] of a serialized `Config`.
fn text_options_of(mut value: serde_json::Value) -> String {
    for pointer in NOT_READ_BY_TEXT_TRANSFORMS {
        let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
        if let Some(serde_json::Value::Object(map)) = value.pointer_mut(parent) {
            map.remove(key);
        }
    }
    value.to_string()
}

/// The part of a text transform's cache key that is the same for every file
/// of a run: the options that change results ([`text_options`]), every
/// file's name (they decide how each URL resolves and which
/// files are hashed), and the content of every input source map (composed
/// into new maps).
pub fn text_context(config: &Config, files: &[SourceFile]) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    // No absolute path: two checkouts in other folders share entries.
    h.update(text_options(config).as_bytes());
    h.update([0]);
    let maps: Vec<Vec<u8>> = files
        .par_iter()
        .filter(|f| f.kind == AssetKind::SourceMap)
        .map(|f| {
            let content = std::fs::read(&f.abs).unwrap_or_default();
            sha2::Sha256::digest(&content).to_vec()
        })
        .collect();
    let mut maps = maps.iter();
    for f in files {
        h.update(f.rel.as_bytes());
        h.update([0]);
        if f.kind == AssetKind::SourceMap {
            h.update(maps.next().map(Vec::as_slice).unwrap_or_default());
        }
    }
    crate::digest::hex(&h.finalize())
}

/// [`text_context`] for pages, which also name the image variants.
pub fn pages_context(text_context: &str, variants: &Variants) -> String {
    crate::digest::sha256_hex(format!("{text_context}\0{:?}", variants.list).as_bytes())
}

/// Transforms one file, without the cache.
fn transform_uncached(file: &SourceFile, ctx: &Context) -> Transformed {
    let start = Instant::now();
    let minify = match file.kind {
        AssetKind::Js => ctx.config.minify_js,
        AssetKind::Css => ctx.config.minify_css,
        _ => false,
    };
    let mut out = Transformed::copied();
    if file.kind == AssetKind::Image && ctx.config.images.enabled {
        process_image(file, ctx, &mut out);
    }
    // Parsing a large script or stylesheet waits for its memory.
    let parsed = matches!(file.kind, AssetKind::Js | AssetKind::Css)
        && file.size <= ctx.config.limits.max_text_size;
    let memory = if parsed {
        // Measuring lines costs a read, worth it where the estimate matters.
        let longest = match file.size > 1 << 20 {
            true => std::fs::read(&file.abs)
                .map(|b| budget::longest_line(&b))
                .unwrap_or(file.size),
            false => file.size,
        };
        budget::text_memory(file.size, longest)
    } else {
        0
    };
    budget::with_memory(memory, || text_transform(file, ctx, minify, &mut out));
    out.time = start.elapsed();
    out
}

/// The transform of a text file, `minify`ing scripts and stylesheets.
fn text_transform(file: &SourceFile, ctx: &Context, minify: bool, out: &mut Transformed) {
    if file.size <= ctx.config.limits.max_text_size {
        match file.kind {
            AssetKind::Html | AssetKind::Svg => rewrite_html(file, ctx, out),
            AssetKind::WebManifest => rewrite_manifest(file, ctx, out),
            AssetKind::SourceMap => rewrite_map(file, ctx, out),
            AssetKind::Js | AssetKind::Css if !minify => {
                rewrite_code(file, ctx, out, false);
            }
            _ => {}
        }
    }
    if minify {
        if file.size > ctx.config.limits.max_text_size {
            // Not parsed at all: parsing alone takes 45 bytes of memory a
            // byte of one-line script. The files it names are mentioned
            // outside any reference, so they keep their names.
            let e = TransformError::new(format!(
                "{} bytes is over the limit of {} (--max-text-size); copied as it is, and the files it names keep their names",
                file.size, ctx.config.limits.max_text_size
            ));
            out.diagnostics.push(diagnostic(file, Severity::Warning, e));
            out.left_as_is = Some(LeftAsIs::TooLarge);
        } else {
            minify_text(file, ctx, out);
            // Copied as it is, but the files it names are renamed: its
            // references are still rewritten where the file can be read.
            if out.status == Status::Failed {
                rewrite_code(file, ctx, out, true);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every setting changes the text cache key, but those listed as not
    /// read by text transforms, which do not.
    #[test]
    fn every_setting_but_the_listed_ones_is_in_the_text_cache_key() {
        let value = serde_json::to_value(Config::new("in", "out").unwrap()).unwrap();
        let base = text_options_of(value.clone());
        fn walk(v: &serde_json::Value, at: String, out: &mut Vec<String>) {
            match v {
                serde_json::Value::Object(m) => {
                    for (k, v) in m {
                        walk(v, format!("{at}/{k}"), out);
                    }
                }
                _ => out.push(at),
            }
        }
        let mut leaves = Vec::new();
        walk(&value, String::new(), &mut leaves);
        assert!(leaves.len() > 40, "{leaves:?}");
        for leaf in leaves {
            let mut changed = value.clone();
            let v = changed.pointer_mut(&leaf).unwrap();
            *v = match v.take() {
                serde_json::Value::Bool(b) => serde_json::Value::Bool(!b),
                serde_json::Value::Number(n) => (n.as_f64().unwrap_or(0.0) + 1.0).into(),
                serde_json::Value::String(s) => format!("{s}x").into(),
                serde_json::Value::Null => "set".into(),
                serde_json::Value::Array(mut a) => {
                    a.push("more".into());
                    a.into()
                }
                other => other,
            };
            let listed = NOT_READ_BY_TEXT_TRANSFORMS
                .iter()
                .any(|p| leaf == *p || leaf.starts_with(&format!("{p}/")));
            assert_eq!(text_options_of(changed) == base, listed, "{leaf}");
        }
    }
}
