//! Stage 2: transform each file on its own, in parallel. A transform is a pure
//! function of the file's bytes and the options; it never fails the run: a
//! file that cannot be processed is passed through unchanged with an error
//! diagnostic.

pub mod cache_entry;
pub mod css;
pub mod error;
pub mod html;
pub mod image;
pub mod js;
pub mod json;
pub mod nesting;
pub mod sourcemap;
pub mod webmanifest;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::asset::{AssetKind, ImageFormat, JsFlavor, Reference, SourceFile};
use crate::config::Config;
use crate::error::{require_utf8, Diagnostic, Loc, Severity};
use crate::naming::{variant_name, MapComment};
use crate::placeholder::{self, Style};
use crate::resolve::{resolve, Target};
use crate::rewrite::Rewriter;
use error::TransformError;
use sourcemap::MapRef;

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
    /// Warnings and errors about this file.
    pub diagnostics: Vec<Diagnostic>,
    /// The URLs the file loads, for the graph stage.
    pub references: Vec<Reference>,
    /// Imports that are not files of the site (bare or computed specifiers).
    pub unresolvable: js::Unresolvable,
    /// For a raster image: its upright size and its responsive variants.
    pub image: Option<ImageInfo>,
    /// Indices of image variants (numbered after the input files) whose
    /// placeholders the file's text holds (`<picture>` markup).
    pub variant_refs: Vec<usize>,
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

/// Every image variant of the run, numbered after the input files so the
/// hash stage treats each as one more file.
#[derive(Debug, Default)]
pub struct Variants {
    /// The variants, by image then width then format.
    pub list: Vec<VariantFile>,
    /// For each input file, the range of its variants in `list`.
    by_file: Vec<std::ops::Range<usize>>,
    /// Upright size of each input image.
    sizes: Vec<Option<(u32, u32)>>,
    /// Number of input files.
    first: usize,
}

/// One variant file.
#[derive(Debug, Clone)]
pub struct VariantFile {
    /// Its path before hashing: `images/hero-960w.webp`.
    pub rel: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Its format.
    pub format: ImageFormat,
}

/// The path of a variant of the image `rel`, before hashing:
/// `images/hero-960w.webp`.
pub fn variant_rel(rel: &str, variant: &image::Variant) -> String {
    variant_name(rel, variant.width, variant.format.ext())
}

impl Variants {
    /// Numbers the variants the transforms made; `results` are by input file.
    pub fn collect<R>(files: &[SourceFile], results: &[Option<(Transformed, R)>]) -> Variants {
        let mut v = Variants {
            first: files.len(),
            ..Default::default()
        };
        for (file, r) in files.iter().zip(results) {
            let start = v.list.len();
            let info = r.as_ref().and_then(|(r, _)| r.image.as_ref());
            v.sizes.push(info.map(|i| (i.width, i.height)));
            for var in info.map(|i| i.variants.as_slice()).unwrap_or_default() {
                v.list.push(VariantFile {
                    rel: variant_rel(&file.rel, var),
                    width: var.width,
                    height: var.height,
                    format: var.format,
                });
            }
            v.by_file.push(start..v.list.len());
        }
        v
    }

    /// The upright size of input image `i`, when it was processed.
    pub fn size_of(&self, i: usize) -> Option<(u32, u32)> {
        self.sizes.get(i).copied().flatten()
    }

    /// The index (after the input files) of variant `k` of the list.
    pub fn index(&self, k: usize) -> usize {
        self.first + k
    }

    /// The variants of input file `i`, with their positions in the list.
    pub fn of(&self, i: usize) -> impl Iterator<Item = (usize, &VariantFile)> {
        let range = self.by_file.get(i).cloned().unwrap_or(0..0);
        range.map(move |k| (k, &self.list[k]))
    }
}

/// The `<picture>` of the image `url` (written in a page, resolving from
/// `from`) names, when it has variants and a hashed name.
fn picture_for(ctx: &Context, from: &str, url: &str, style: Style) -> Option<html::Picture> {
    let variants = ctx.variants?;
    let Target::Asset { rel, .. } = ctx.rewriter.resolve(from, url) else {
        return None;
    };
    let i = ctx.rewriter.index(&rel)?;
    let (width, height) = variants.sizes.get(i).copied().flatten()?;
    if ctx.rewriter.naming().keeps_name(&rel) {
        return None;
    }
    let modern = &ctx.config.images.formats;
    let mut sources: Vec<(String, String)> = Vec::new();
    let mut own: Vec<String> = Vec::new();
    let mut refs = Vec::new();
    for (k, v) in variants.of(i) {
        let index = variants.index(k);
        let text = format!(
            "{} {}w",
            ctx.rewriter.variant_url(url, &v.rel, index, style),
            v.width
        );
        refs.push(index);
        if modern.contains(&v.format) {
            let mime = v.format.mime().to_string();
            match sources.iter_mut().find(|(m, _)| *m == mime) {
                Some((_, set)) => {
                    set.push_str(", ");
                    set.push_str(&text);
                }
                None => sources.push((mime, text)),
            }
        } else {
            own.push(text);
        }
    }
    if refs.is_empty() {
        return None;
    }
    // The original stands in for its own format at full width: in that
    // format's <source> when it is a modern one (a WebP original), else in
    // the <img>'s srcset. A srcset candidate cannot hold a space.
    let ext = rel.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    let original_format = match ext.as_deref() {
        Some("jpg" | "jpeg") => Some(ImageFormat::Jpeg),
        Some("png") => Some(ImageFormat::Png),
        Some("webp") => Some(ImageFormat::Webp),
        _ => None,
    };
    let full = |f: ImageFormat| {
        variants
            .of(i)
            .any(|(_, v)| v.width == width && v.format == f)
    };
    let original = || -> Option<String> {
        let text = ctx.rewriter.rewrite(from, url, style)?.text;
        Some(format!("{} {width}w", text.replace(' ', "%20")))
    };
    match original_format {
        Some(f) if modern.contains(&f) => {
            if !full(f) {
                let candidate = original()?;
                match sources.iter_mut().find(|(m, _)| *m == f.mime()) {
                    Some((_, set)) => {
                        set.push_str(", ");
                        set.push_str(&candidate);
                    }
                    None => sources.push((f.mime().to_string(), candidate)),
                }
            }
        }
        _ => {
            let own_full = variants
                .of(i)
                .any(|(_, v)| v.width == width && !modern.contains(&v.format));
            if !own_full && !own.is_empty() {
                own.push(original()?);
            }
        }
    }
    // Modern formats in the order configured.
    sources.sort_by_key(|(m, _)| modern.iter().position(|f| f.mime() == m));
    Some(html::Picture {
        width,
        height,
        sources,
        img_srcset: (!own.is_empty()).then(|| own.join(", ")),
        refs,
    })
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
    select: &(dyn Fn(&SourceFile) -> bool + Sync),
    after: &(dyn Fn(usize, &mut Transformed) -> R + Sync),
) -> Vec<Option<(Transformed, R)>> {
    let mut order: Vec<usize> = (0..files.len()).filter(|&i| select(&files[i])).collect();
    let cost = |f: &SourceFile| match f.kind {
        AssetKind::Js | AssetKind::Css => f.size,
        // Decoding, resizing and encoding a photo costs more per byte.
        AssetKind::Image if ctx.config.images.enabled => f.size.saturating_mul(8),
        _ => 0,
    };
    order.sort_by_key(|&i| std::cmp::Reverse(cost(&files[i])));
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
        let r = after(i, &mut t);
        if let Ok(mut slot) = slots[i].lock() {
            *slot = Some((t, r));
        }
    });
    slots
        .into_iter()
        .zip(files)
        .enumerate()
        .map(|(i, (slot, file))| {
            if !select(file) {
                return None;
            }
            Some(slot.into_inner().ok().flatten().unwrap_or_else(|| {
                let mut t = failed(file, "internal error: not transformed; copied unchanged");
                let r = after(i, &mut t);
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

/// Transforms one file.
pub fn transform(file: &SourceFile, ctx: &Context) -> Transformed {
    let text = matches!(
        file.kind,
        AssetKind::Html
            | AssetKind::Svg
            | AssetKind::WebManifest
            | AssetKind::SourceMap
            | AssetKind::Js
            | AssetKind::Css
    );
    match ctx.cache {
        Some(cache) if text => {
            let start = Instant::now();
            let Ok(bytes) = std::fs::read(&file.abs) else {
                return transform_uncached(file, ctx);
            };
            let key = cache.key("text", &ctx.text_context, &[file.rel.as_bytes(), &bytes]);
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

/// The part of a text transform's cache key that is the same for every file
/// of a run: the options that change results, the input root, every file's
/// name (they decide how each URL resolves and which files are hashed), and
/// the content of every input source map (composed into new maps).
pub fn text_context(config: &Config, root: &Path, files: &[SourceFile]) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    let c = config;
    let options = format!(
        "{:?}",
        (
            &c.targets,
            c.minify_js,
            c.minify_css,
            c.source_maps,
            &c.base,
            // Not max_held_bytes: where waiting files wait changes no result.
            (c.limits.max_nesting_depth, c.limits.max_text_size),
            c.hash_length,
            &c.keep_names,
            &c.public_url,
            c.sri,
            (
                c.images.enabled,
                c.images.picture,
                &c.images.sizes,
                &c.images.picture_style
            ),
            root,
        )
    );
    h.update(options.as_bytes());
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
    if file.size <= ctx.config.limits.max_text_size {
        match file.kind {
            AssetKind::Html | AssetKind::Svg => rewrite_html(file, ctx, &mut out),
            AssetKind::WebManifest => rewrite_manifest(file, ctx, &mut out),
            AssetKind::SourceMap => rewrite_map(file, ctx, &mut out),
            AssetKind::Js | AssetKind::Css if !minify => rewrite_code(file, ctx, &mut out, false),
            _ => {}
        }
    }
    if minify {
        if file.size > ctx.config.limits.max_text_size {
            let e = TransformError::new(format!(
                "{} bytes is over the limit of {} (--max-text-size); copied unminified",
                file.size, ctx.config.limits.max_text_size
            ));
            out.diagnostics.push(diagnostic(file, Severity::Warning, e));
            rewrite_code(file, ctx, &mut out, false);
        } else {
            minify_text(file, ctx, &mut out);
            // Copied as it is, but the files it names are renamed: its
            // references are still rewritten where the file can be read.
            if out.status == Status::Failed {
                rewrite_code(file, ctx, &mut out, true);
            }
        }
    }
    out.time = start.elapsed();
    out
}

/// The new text of references written in a file (resolving from `from`),
/// with placeholders of `style`.
fn rewrite_from<'a>(
    ctx: &'a Context<'a>,
    from: &'a str,
    style: Style,
) -> impl Fn(&str) -> Option<String> + 'a {
    move |url: &str| ctx.rewriter.rewrite(from, url, style).map(|r| r.text)
}

/// Decodes, optimises and resizes a raster image. Decoding is bounded by the
/// shared pixel budget, so peak memory does not grow with `--jobs`.
fn process_image(file: &SourceFile, ctx: &Context, out: &mut Transformed) {
    let bytes = match std::fs::read(&file.abs) {
        Ok(b) => b,
        Err(e) => {
            let e = TransformError::new(format!("cannot read: {e}"));
            out.diagnostics.push(diagnostic(file, Severity::Error, e));
            out.status = Status::Failed;
            return;
        }
    };
    let opts = &ctx.config.images;
    let compute = || image::with_budget(&bytes, opts, || image::process(&bytes, opts));
    let result = match ctx.cache {
        Some(cache) => {
            let key = cache.key("image", &format!("{opts:?}"), &[&bytes]);
            let entry = cache.get_or("image", &key, || cache_entry::encode_image(&compute()));
            cache_entry::decode_image(entry).unwrap_or_else(compute)
        }
        None => compute(),
    };
    match result {
        Ok(Some(p)) => {
            if p.original.is_some() {
                out.status = Status::Optimized;
            }
            out.bytes = p.original;
            out.image = Some(ImageInfo {
                width: p.width,
                height: p.height,
                variants: p.variants,
            });
        }
        Ok(None) => {}
        Err(e) => out.diagnostics.push(diagnostic(file, Severity::Warning, e)),
    }
}

/// Rewrites the URLs a page (or an SVG file) loads; nothing else changes.
fn rewrite_html(file: &SourceFile, ctx: &Context, out: &mut Transformed) {
    let Some(bytes) = read_for_copy(file, out) else {
        return;
    };
    // Pages in legacy encodings are copied without a check.
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    // `<base href>` moves where relative URLs resolve from.
    let from = match html::base_href(text)
        .as_deref()
        .map(|b| resolve(&file.rel, b, &ctx.config.base, ctx.files))
    {
        None | Some(Target::SameDocument) => Some(file.rel.clone()),
        Some(Target::Folder(dir)) if dir.is_empty() => Some("index.html".to_string()),
        Some(Target::Folder(dir)) => Some(format!("{dir}/index.html")),
        Some(Target::Asset { rel, .. } | Target::Missing(rel)) => Some(rel),
        // A base on another site: only root-absolute URLs are still ours.
        Some(Target::External | Target::OutsideRoot) => None,
    };
    let from_for = |url: &str| match (&from, url.trim_start().starts_with('/')) {
        (Some(from), _) => Some(from.clone()),
        (None, true) => Some(file.rel.clone()),
        (None, false) => None,
    };
    let style = Style::for_text(text.as_bytes());
    let rewrite = |url: &str| {
        let from = from_for(url)?;
        ctx.rewriter.rewrite(&from, url, style).map(|r| r.text)
    };
    let find = |url: &str| {
        let from = from_for(url)?;
        picture_for(ctx, &from, url, style)
    };
    let pictures = html::Pictures {
        sizes: &ctx.config.images.sizes,
        style: &ctx.config.images.picture_style,
        find: &find,
    };
    let pictures = (ctx.config.images.picture && ctx.variants.is_some()).then_some(&pictures);
    let integrity = |url: &str| {
        let from = from_for(url)?;
        let Target::Asset { rel, .. } = ctx.rewriter.resolve(&from, url) else {
            return None;
        };
        let index = ctx.rewriter.index(&rel)?;
        // A map is named after its file and rewritten when it is written:
        // its integrity cannot be known here, and an empty one checks nothing.
        if ctx.rewriter.follows(index).is_some() {
            return Some((String::new(), false));
        }
        let hashed = !ctx.rewriter.naming().keeps_name(&rel);
        Some((placeholder::make_sri(index, style), hashed))
    };
    let integrity = html::Integrity {
        add: ctx.config.sri,
        cross_origin: ctx.config.public_url.is_some(),
        find: &integrity,
    };
    // Pages only: an SVG file's scripts and styles are left as written.
    let integrity = (file.kind == AssetKind::Html).then_some(&integrity);
    let (new, found) = match html::rewrite(
        text,
        ctx.config.limits.max_nesting_depth,
        &rewrite,
        pictures,
        integrity,
    ) {
        Ok(r) => r,
        Err(e) => {
            let e = TransformError::new(format!(
                "cannot parse HTML ({}); references not checked",
                e.message
            ));
            out.diagnostics.push(diagnostic(file, Severity::Warning, e));
            return;
        }
    };
    out.style = style;
    out.variant_refs = found.variant_refs;
    for problem in found.problems {
        out.diagnostics
            .push(diagnostic(file, Severity::Warning, problem));
    }
    out.unresolvable = found.unresolvable;
    for m in &found.manifests {
        if let Some(from) = from_for(m) {
            if let Target::Asset { rel, .. } = ctx.rewriter.resolve(&from, m) {
                out.linked_manifests.push(rel);
            }
        }
    }
    for r in found.references {
        if let Some(from) = from_for(&r.url) {
            out.references.push(Reference {
                url: r.url,
                loc: r.loc,
                from,
                dynamic: false,
            });
        }
    }
    if let Some(new) = new {
        out.bytes = Some(new.into_bytes());
    }
}

/// Treats `file`, which a page links with `<link rel="manifest">`, as a web
/// app manifest whatever its name (`manifest.json`): its icon URLs are
/// references, rewritten in place. `out` is its transform so far.
pub fn rewrite_linked_manifest(file: &SourceFile, ctx: &Context, out: &mut Transformed) {
    if file.kind == AssetKind::Other && file.size <= ctx.config.limits.max_text_size {
        let start = Instant::now();
        rewrite_manifest(file, ctx, out);
        out.time += start.elapsed();
    }
}

/// Rewrites the icon URLs of a web app manifest.
fn rewrite_manifest(file: &SourceFile, ctx: &Context, out: &mut Transformed) {
    let Some(text) = read_text(file, out) else {
        if out.bytes.is_some() {
            let e = TransformError::new("not UTF-8; icons not checked");
            out.diagnostics.push(diagnostic(file, Severity::Warning, e));
        }
        return;
    };
    // A byte order mark is no JSON, but browsers accept it.
    let (bom, text) = match text.strip_prefix('\u{feff}') {
        Some(rest) => ("\u{feff}", rest.to_string()),
        None => ("", text),
    };
    match webmanifest::rewrite(&text, &rewrite_from(ctx, &file.rel, out.style)) {
        Ok(r) => {
            out.references.extend(json_references(file, r.references));
            if r.text != text {
                out.bytes = Some(format!("{bom}{}", r.text).into_bytes());
            }
        }
        Err(e) => {
            let e = TransformError::at(format!("{}; icons not checked", e.message), e.loc);
            out.diagnostics.push(diagnostic(file, Severity::Warning, e));
        }
    }
}

/// Reads a UTF-8 file that is rewritten in place (its bytes kept in `out`
/// for the write stage), and picks the placeholder style its text allows.
fn read_text(file: &SourceFile, out: &mut Transformed) -> Option<String> {
    let text = std::str::from_utf8(read_for_copy(file, out)?)
        .ok()?
        .to_string();
    out.style = Style::for_text(text.as_bytes());
    Some(text)
}

/// The references a JSON rewrite found, as the graph wants them.
fn json_references(file: &SourceFile, found: Vec<json::JsonReference>) -> Vec<Reference> {
    found
        .into_iter()
        .map(|m| reference(file, m.url, m.loc.unwrap_or(Loc { line: 1, col: 1 })))
        .collect()
}

/// Rewrites the `file` of a source map that is copied as it is.
fn rewrite_map(file: &SourceFile, ctx: &Context, out: &mut Transformed) {
    let Some(text) = read_text(file, out) else {
        return;
    };
    // A broken map is the business of the file that names it.
    if let Ok(r) = sourcemap::rewrite_file(&text, &rewrite_from(ctx, &file.rel, out.style)) {
        out.references.extend(json_references(file, r.references));
        if r.text != text {
            out.bytes = Some(r.text.into_bytes());
        }
    }
}

/// Rewrites the references of JS or CSS that is not minified, in place.
/// `failed`: minifying it failed already, with an error that says why; a
/// second complaint about the same text is not added.
fn rewrite_code(file: &SourceFile, ctx: &Context, out: &mut Transformed, failed: bool) {
    let Some(text) = read_text(file, out) else {
        return;
    };
    let rewrite = rewrite_from(ctx, &file.rel, out.style);
    let max = ctx.config.limits.max_nesting_depth;
    let result = match file.kind {
        AssetKind::Js => js::rewrite_source(
            &file.rel,
            text.clone(),
            file.js_flavor.unwrap_or(JsFlavor::Detect),
            max,
            &rewrite,
        )
        .map(|r| {
            out.unresolvable = r.unresolvable;
            let refs: Vec<(String, Loc)> =
                r.references.into_iter().map(|r| (r.url, r.loc)).collect();
            (r.code, refs)
        }),
        _ => css::rewrite_in_place(&text, max, &rewrite).map(|r| {
            let refs = r.references.into_iter().map(|r| (r.url, r.loc)).collect();
            (r.code, refs)
        }),
    };
    match result {
        Ok((code, refs)) => {
            out.references
                .extend(refs.into_iter().map(|(url, loc)| reference(file, url, loc)));
            if code != text {
                out.bytes = Some(code.into_bytes());
            }
        }
        Err(_) if failed => {}
        Err(e) => {
            let e = TransformError::at(format!("{}; references left as written", e.message), e.loc);
            out.diagnostics.push(diagnostic(file, Severity::Warning, e));
        }
    }
}

/// Reads a file that is copied unchanged but parsed for its references, and
/// keeps its bytes in `out` so the write stage does not read it again.
fn read_for_copy<'a>(file: &SourceFile, out: &'a mut Transformed) -> Option<&'a [u8]> {
    out.bytes = Some(std::fs::read(&file.abs).ok()?);
    out.bytes.as_deref()
}

/// A reference resolved from the file itself.
fn reference(file: &SourceFile, url: String, loc: Loc) -> Reference {
    Reference {
        url,
        loc,
        from: file.rel.clone(),
        dynamic: false,
    }
}

fn minify_text(file: &SourceFile, ctx: &Context, out: &mut Transformed) {
    let bytes = match std::fs::read(&file.abs) {
        Ok(b) => b,
        Err(e) => {
            out.status = Status::Failed;
            let e = TransformError::new(format!("cannot read: {e}"));
            out.diagnostics.push(diagnostic(file, Severity::Error, e));
            return;
        }
    };
    let src = match require_utf8(&file.rel, &bytes) {
        Ok(s) => s,
        Err(d) => {
            out.status = Status::Failed;
            out.diagnostics.push(d);
            return;
        }
    };
    let style = Style::for_text(src.as_bytes());
    let source_maps = ctx.config.source_maps;
    let new_map_rel = format!("{}.map", file.rel);
    let mut warnings = Vec::new();
    let mut replaces = None;
    // Finds the file's input map and, when maps are written, reads it rebased.
    let mut find_map = |url: Option<&str>| -> Option<(MapRef, Option<String>)> {
        let found = match sourcemap::locate(&file.rel, url, &ctx.config.base, ctx.files) {
            Ok(found) => found?,
            Err(w) => {
                if source_maps {
                    warnings.push(diagnostic(file, Severity::Warning, w));
                }
                return None;
            }
        };
        // Only a map is left out for the new one: a `sourceMappingURL`
        // naming a script or a page does not drop that file.
        if let MapRef::File(m) = &found {
            if AssetKind::of(m).0 == AssetKind::SourceMap {
                replaces = Some(m.clone());
            }
        }
        if !source_maps {
            return None;
        }
        let json = match &found {
            MapRef::File(m) => match sourcemap::read_rebased(ctx.root, m, &new_map_rel) {
                Ok(j) => Some(j),
                Err(w) => {
                    warnings.push(diagnostic(file, Severity::Warning, w));
                    None
                }
            },
            MapRef::DataUrl(_) => None,
        };
        Some((found, json))
    };
    let mut map_warnings = Vec::new();
    let mut references = Vec::new();
    let mut unresolvable = js::Unresolvable::default();
    let result = match file.kind {
        AssetKind::Js => {
            let opts = js::JsOptions {
                target: ctx.config.targets.js,
                source_map: source_maps,
                max_depth: ctx.config.limits.max_nesting_depth,
            };
            let mut load = |url: Option<&str>| {
                let (found, json) = find_map(url)?;
                let parsed = match (&found, json) {
                    (_, Some(json)) => swc_sourcemap::SourceMap::from_slice(json.as_bytes())
                        .map_err(|e| e.to_string()),
                    (MapRef::DataUrl(u), None) => match swc_sourcemap::decode_data_url(u) {
                        Ok(swc_sourcemap::DecodedMap::Regular(m)) => Ok(m),
                        Ok(_) => Err("indexed or Hermes maps are not supported".to_string()),
                        Err(e) => Err(e.to_string()),
                    },
                    _ => return None,
                };
                parsed
                    .map_err(|e| map_warnings.push(unreadable_map(file, &found, &e)))
                    .ok()
            };
            let flavor = file.js_flavor.unwrap_or(JsFlavor::Detect);
            let rewrite = rewrite_from(ctx, &file.rel, style);
            let r = js::minify(
                &file.rel,
                src.to_string(),
                flavor,
                &opts,
                &mut load,
                &rewrite,
            );
            r.map(|o| {
                references.extend(o.references.into_iter().map(|r| Reference {
                    dynamic: r.dynamic,
                    ..reference(file, r.url, r.loc)
                }));
                unresolvable = o.unresolvable;
                (o.code, o.map)
            })
        }
        AssetKind::Css => {
            let opts = css::CssOptions {
                targets: ctx.config.targets.css,
                source_map: source_maps,
                max_depth: ctx.config.limits.max_nesting_depth,
            };
            let mut css_warnings = Vec::new();
            let mut load = |url: Option<&str>| {
                let (found, json) = find_map(url)?;
                let parsed = match (&found, json) {
                    (_, Some(json)) => parcel_sourcemap::SourceMap::from_json("/", &json),
                    (MapRef::DataUrl(u), None) => {
                        parcel_sourcemap::SourceMap::from_data_url("/", u)
                    }
                    _ => return None,
                };
                parsed
                    .map_err(|e| map_warnings.push(unreadable_map(file, &found, &format!("{e:?}"))))
                    .ok()
            };
            let rewrite = rewrite_from(ctx, &file.rel, style);
            let r = css::minify(
                &file.rel,
                src,
                &opts,
                &mut load,
                &mut css_warnings,
                &rewrite,
            )
            .map(|o| {
                references.extend(
                    o.references
                        .into_iter()
                        .map(|r| reference(file, r.url, r.loc)),
                );
                (o.code, o.map)
            });
            out.diagnostics.extend(
                css_warnings
                    .into_iter()
                    .map(|w| diagnostic(file, Severity::Warning, w)),
            );
            r
        }
        _ => return,
    };
    out.diagnostics.append(&mut warnings);
    out.diagnostics.append(&mut map_warnings);
    match result {
        Ok((code, map)) => {
            out.style = style;
            out.map_comment = map.as_ref().map(|_| match file.kind {
                AssetKind::Css => MapComment::Css,
                _ => MapComment::Js,
            });
            out.references = references;
            out.unresolvable = unresolvable;
            out.bytes = Some(code);
            out.map = map;
            out.replaces_map = replaces;
            out.status = Status::Minified;
        }
        Err(e) => {
            out.status = Status::Failed;
            out.diagnostics.push(diagnostic(file, Severity::Error, e));
        }
    }
}

fn unreadable_map(file: &SourceFile, found: &MapRef, e: &str) -> Diagnostic {
    let which = match found {
        MapRef::File(m) => m.as_str(),
        MapRef::DataUrl(_) => "(inline)",
    };
    let e = TransformError::new(format!(
        "input source map {which} cannot be read ({e}); not composed"
    ));
    diagnostic(file, Severity::Warning, e)
}
