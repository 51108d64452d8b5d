//! What is done to each kind of file besides minifying (`minify.rs`): the
//! images decoded, optimised and resized; pages, SVG files, web app
//! manifests, source maps, and JS or CSS that is not minified read and their
//! references rewritten in place, every other byte kept.

use std::time::Instant;

use crate::asset::{AssetKind, JsFlavor, Load, Reference, SourceFile};
use crate::config::PictureElement;
use crate::error::{Loc, Severity};
use crate::naming::{name_fits, NAME_MAX};
use crate::placeholder::{self, Style};
use crate::resolve::{resolve, Target};
use crate::transform::error::TransformError;
use crate::transform::variants::{picture_for, variant_rel};
use crate::transform::{
    budget, cache_entry, css, diagnostic, html, image, js, json, sourcemap, webmanifest, Context,
    ImageInfo, Status, Transformed,
};

/// The new text of references written in a file (resolving from `from`),
/// with placeholders of `style`.
pub(super) fn rewrite_from<'a>(
    ctx: &'a Context<'a>,
    from: &'a str,
    style: Style,
) -> impl Fn(&str) -> Option<String> + 'a {
    move |url: &str| ctx.rewriter.rewrite(from, url, style).map(|r| r.text)
}

/// [`rewrite_from`] for JavaScript, whose preload lists name files from the
/// site root, in the shape they are written in.
pub(super) fn js_rewrite_from<'a>(
    ctx: &'a Context<'a>,
    from: &'a str,
    style: Style,
) -> impl Fn(&str, js::RelativeTo) -> Option<String> + 'a {
    move |url: &str, relative_to| {
        match relative_to {
            js::RelativeTo::File => ctx.rewriter.rewrite(from, url, style),
            js::RelativeTo::SiteRoot => ctx.rewriter.rewrite_in_shape(js::SITE_ROOT, url, style),
        }
        .map(|r| r.text)
    }
}

/// The cache key of the image transform of `bytes` under `opts`.
pub(super) fn image_key(
    cache: &crate::cache::Cache,
    opts: &crate::config::Images,
    bytes: &[u8],
) -> [u8; 32] {
    cache.key("image", &format!("{opts:?}"), &[bytes])
}

/// Decodes, optimises and resizes a raster image. Decoding is bounded by the
/// shared pixel budget, so peak memory does not grow with `--jobs`.
pub(super) fn process_image(file: &SourceFile, ctx: &Context, out: &mut Transformed) {
    let bytes = match std::fs::read(&file.abs) {
        Ok(b) => b,
        Err(e) => {
            let e = TransformError::new(format!("cannot read: {e}"));
            out.diagnostics.push(diagnostic(file, Severity::Error, e));
            out.status = Status::Failed;
            return;
        }
    };
    // A PNG's profile is inflated with a cap before any decoder sees it.
    let (bounded, dropped) = image::bounded_profile(&bytes, image::MAX_ICC_READ);
    if let Some(why) = dropped {
        out.diagnostics.push(diagnostic(
            file,
            Severity::Warning,
            TransformError::new(why),
        ));
    }
    let opts = &ctx.config.images;
    let memory = budget::image_memory(&bounded, opts);
    let compute = || budget::with_memory(memory, || image::process(&bounded, opts));
    let result = match ctx.cache {
        Some(cache) => {
            let key = image_key(cache, opts, &bytes);
            let entry = cache.get_or("image", &key, || cache_entry::encode_image(&compute()));
            cache_entry::decode_image(entry).unwrap_or_else(compute)
        }
        None => compute(),
    };
    match result {
        Ok(Some(mut p)) => {
            let length = ctx.config.hash_length;
            let too_long = |v: &image::Variant| !name_fits(&variant_rel(&file.rel, v), 1 + length);
            if p.variants.iter().any(too_long) {
                p.variants.retain(|v| !too_long(v));
                let e = TransformError::new(format!(
                    "some variants not made: their names would be longer than {NAME_MAX} bytes"
                ));
                out.diagnostics.push(diagnostic(file, Severity::Warning, e));
            }
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
pub(super) fn rewrite_html(file: &SourceFile, ctx: &Context, out: &mut Transformed) {
    let Some(bytes) = read_for_copy(file, out) else {
        return;
    };
    // A page in another encoding is read in it and written back in it.
    let decoded = match html::charset::decode(bytes, file.kind == AssetKind::Svg) {
        Ok(d) => d,
        Err(e) => {
            out.diagnostics.push(diagnostic(file, Severity::Error, e));
            out.status = Status::Failed;
            return;
        }
    };
    let encoding = decoded.encoding;
    let text: &str = &decoded.text;
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
    let images = &ctx.config.images;
    let shown: Vec<&str> = images
        .formats
        .iter()
        .filter(|&&f| ctx.config.targets.all_show(f))
        .map(|f| f.mime())
        .collect();
    let pictures = html::Pictures {
        sizes: &images.sizes,
        own_srcset: (images.picture_element == PictureElement::Auto).then_some(shown.as_slice()),
        dimensions: images.dimensions,
        style: &images.picture_style,
        find: &find,
    };
    let pictures = (ctx.config.images.picture && ctx.variants.is_some()).then_some(&pictures);
    let integrity = |url: &str| {
        let from = from_for(url)?;
        let id = ctx.rewriter.file(&from, url)?;
        // A map is named after its file and rewritten when it is written:
        // its integrity cannot be known here, and an empty one checks nothing.
        if ctx.rewriter.follows(id).is_some() {
            return Some((String::new(), false));
        }
        let hashed = !ctx.rewriter.naming().keeps_name(ctx.rewriter.rel(id));
        Some((placeholder::make_sri(id, style), hashed))
    };
    let integrity = html::Integrity {
        add: ctx.config.sri,
        cross_origin: ctx.config.public_url.is_some(),
        find: &integrity,
    };
    // Pages only: an SVG file's scripts and styles are left as written.
    let integrity = (file.kind == AssetKind::Html).then_some(&integrity);
    let opts = html::Options {
        max_depth: ctx.config.limits.max_nesting_depth,
        pictures,
        integrity,
    };
    let (new, found) = match html::rewrite(text, &rewrite, &opts) {
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
            let mut reference = ctx.rewriter.reference(&from, r.url, r.loc, Load::With);
            reference.navigation = r.navigation;
            out.references.push(reference);
        }
    }
    if let Some(new) = new {
        match html::charset::encode(encoding, new) {
            Ok(bytes) => out.bytes = Some(bytes),
            Err(e) => {
                out.diagnostics.push(diagnostic(file, Severity::Error, e));
                out.status = Status::Failed;
            }
        }
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
pub(super) fn rewrite_manifest(file: &SourceFile, ctx: &Context, out: &mut Transformed) {
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
            out.references
                .extend(json_references(ctx, file, r.references));
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
fn json_references(
    ctx: &Context,
    file: &SourceFile,
    found: Vec<json::JsonReference>,
) -> Vec<Reference> {
    found
        .into_iter()
        .map(|m| reference(ctx, file, m.url, m.loc.unwrap_or(Loc { line: 1, col: 1 })))
        .collect()
}

/// Rewrites the `file` of a source map that is copied as it is.
pub(super) fn rewrite_map(file: &SourceFile, ctx: &Context, out: &mut Transformed) {
    let Some(text) = read_text(file, out) else {
        return;
    };
    // A broken map is the business of the file that names it.
    if let Ok(r) = sourcemap::rewrite_file(&text, &rewrite_from(ctx, &file.rel, out.style)) {
        out.references
            .extend(json_references(ctx, file, r.references));
        if r.text != text {
            out.bytes = Some(r.text.into_bytes());
        }
    }
}

/// Rewrites the references of JS or CSS that is not minified, in place;
/// whether they could be found. `failed`: minifying it failed already, with
/// an error that says why; a second complaint about the same text is not
/// added.
pub(super) fn rewrite_code(
    file: &SourceFile,
    ctx: &Context,
    out: &mut Transformed,
    failed: bool,
) -> bool {
    let Some(text) = read_text(file, out) else {
        return false;
    };
    let max = ctx.config.limits.max_nesting_depth;
    let result = match file.kind {
        AssetKind::Js => js::rewrite_source(
            &file.rel,
            text.clone(),
            file.js_flavor.unwrap_or(JsFlavor::Detect),
            max,
            &js_rewrite_from(ctx, &file.rel, out.style),
        )
        .map(|r| {
            out.unresolvable = r.unresolvable;
            out.diagnostics.extend(left_alone(file, r.left_alone));
            let refs = r.references.into_iter().map(|r| js_reference(ctx, file, r));
            (r.code, refs.collect::<Vec<_>>())
        }),
        _ => css::rewrite_in_place(&text, max, &rewrite_from(ctx, &file.rel, out.style)).map(|r| {
            let refs = r.references.into_iter();
            (
                r.code,
                refs.map(|r| reference(ctx, file, r.url, r.loc)).collect(),
            )
        }),
    };
    match result {
        Ok((code, refs)) => {
            out.references.extend(refs);
            if code != text {
                out.bytes = Some(code.into_bytes());
            }
            true
        }
        Err(_) if failed => false,
        Err(e) => {
            let e = TransformError::at(format!("{}; references left as written", e.message), e.loc);
            out.diagnostics.push(diagnostic(file, Severity::Warning, e));
            false
        }
    }
}

/// Reads a file that is copied unchanged but parsed for its references, and
/// keeps its bytes in `out` so the write stage does not read it again.
pub(super) fn read_for_copy<'a>(file: &SourceFile, out: &'a mut Transformed) -> Option<&'a [u8]> {
    out.bytes = Some(std::fs::read(&file.abs).ok()?);
    out.bytes.as_deref()
}

/// A reference found in the JavaScript file `file`.
pub(super) fn js_reference(ctx: &Context, file: &SourceFile, r: js::JsReference) -> Reference {
    let from = r.resolves_from(&file.rel).to_string();
    ctx.rewriter.reference(&from, r.url, r.loc, r.load)
}

/// The warnings about what the JavaScript file `file` loads that is only
/// known at run time.
pub(super) fn left_alone(
    file: &SourceFile,
    found: Vec<TransformError>,
) -> impl Iterator<Item = crate::error::Diagnostic> + '_ {
    found
        .into_iter()
        .map(move |e| diagnostic(file, Severity::Warning, e))
}

/// A reference resolved from the file itself.
pub(super) fn reference(ctx: &Context, file: &SourceFile, url: String, loc: Loc) -> Reference {
    ctx.rewriter.reference(&file.rel, url, loc, Load::With)
}
