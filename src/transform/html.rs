//! HTML: the URLs a page loads, found and rewritten by lol_html's streaming
//! parser in the attributes that fetch something (`script[src]`, `link[href]`
//! for stylesheets, icons, the manifest and preloads, `img`/`source` `src` and
//! every `srcset` candidate, media `src`/`poster`, `embed`, `object[data]`,
//! SVG's `use`/`image`/`feImage` `href`), `a[href]` and `iframe[src]` when
//! they point at a hashed file, and inside the page: `style` attributes and
//! `<style>` blocks (CSS), inline `<script type="module">` imports, and
//! `<script type="importmap">` URLs. `.svg` files go through the same parser.
//! Only the rewritten URLs change; every other byte of the page stays.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use lol_html::html_content::TextChunk;
use lol_html::{element, rewrite_str, text, RewriteStrSettings};

use crate::asset::JsFlavor;
use crate::error::{Loc, LocCursor};
use crate::transform::error::TransformError;
use crate::transform::{css, js, webmanifest};

/// A URL a page loads, as written (entities decoded), and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlReference {
    /// The URL.
    pub url: String,
    /// Start of the tag that holds it (or of the URL, inside a block).
    pub loc: Loc,
}

/// What a page refers to, and the `<base href>` its relative URLs resolve against.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct HtmlReferences {
    /// Every fetching URL, in document order.
    pub references: Vec<HtmlReference>,
    /// The first `<base href>`, as written.
    pub base: Option<String>,
    /// Problems inside inline blocks (a script that does not parse), with
    /// their locations; the block is left as written.
    pub problems: Vec<TransformError>,
    /// Imports of inline module scripts that are not files of the site.
    pub unresolvable: js::Unresolvable,
    /// The `href`s of `<link rel="manifest">`: web app manifests, whatever
    /// their file name.
    pub manifests: Vec<String>,
    /// Image variants the `<picture>` markup written names.
    pub variant_refs: Vec<usize>,
    /// `integrity` values as written, with the URL they cover and the tag's location.
    pub integrity: Vec<(String, String, Loc)>,
}

/// What an `<img>` becomes: the variants of its image, as URL text with
/// placeholders, from the caller (who knows the images).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// The image's upright size.
    pub width: u32,
    /// The image's upright height.
    pub height: u32,
    /// `(MIME type, srcset)` of each modern format, best first.
    pub sources: Vec<(String, String)>,
    /// `srcset` of the variants in the image's own format, if any.
    pub img_srcset: Option<String>,
    /// Indices of the variant files the markup names.
    pub refs: Vec<usize>,
}

/// How plain `<img>` tags become `<picture>`.
pub struct Pictures<'a> {
    /// `sizes` for an `<img>` that has none.
    pub sizes: &'a str,
    /// `style` of the `<picture>` written (`display:contents`, so the
    /// `<img>` keeps its place in a grid or flex layout), or empty.
    pub style: &'a str,
    /// The variants of the image a URL names, if it has any.
    pub find: &'a dyn Fn(&str) -> Option<Picture>,
}

/// Subresource Integrity for a page's scripts, stylesheets and preloads.
pub struct Integrity<'a> {
    /// Add `integrity` (and `crossorigin="anonymous"`) to the elements of
    /// hashed files that have none; an `integrity` already written for a
    /// local file is always replaced, since the file may have changed.
    pub add: bool,
    /// Hashed files are loaded from another origin (`--public-url`): an
    /// integrity check there needs a CORS request, so `crossorigin` is
    /// added wherever an integrity value is written.
    pub cross_origin: bool,
    /// For a URL as written (entities decoded): the placeholder of its
    /// file's integrity value, and whether the file's name is hashed.
    pub find: &'a dyn Fn(&str) -> Option<(String, bool)>,
}

/// The attribute of an element that loads what an `integrity` attribute
/// covers: `script[src]`, `link[href]` for stylesheets and module preloads,
/// and preloads of scripts and styles (their consumers carry integrity too;
/// a font or image preload would not be matched by its consumer).
fn integrity_target(tag: &str, attr: &dyn Fn(&str) -> Option<String>) -> Option<&'static str> {
    match tag {
        "script" => Some("src"),
        "link" => {
            let rel = attr("rel").unwrap_or_default().to_ascii_lowercase();
            let rels: Vec<&str> = rel.split_ascii_whitespace().collect();
            let as_ = attr("as").unwrap_or_default().trim().to_ascii_lowercase();
            let ok = rels.contains(&"stylesheet")
                || rels.contains(&"modulepreload")
                || (rels.contains(&"preload") && (as_ == "script" || as_ == "style"));
            ok.then_some("href")
        }
        _ => None,
    }
}

/// `link` relations whose `href` the page fetches as a subresource.
const FETCHING_RELS: &[&str] = &[
    "stylesheet",
    "icon",
    "shortcut",
    "apple-touch-icon",
    "apple-touch-icon-precomposed",
    "mask-icon",
    "manifest",
    "preload",
    "modulepreload",
    "prefetch",
];

/// SVG presentation attributes that may hold `url()`.
const URL_ATTRIBUTES: &[&str] = &[
    "fill",
    "stroke",
    "filter",
    "clip-path",
    "mask",
    "marker-start",
    "marker-mid",
    "marker-end",
];

/// The first `<base href>` of a page, as written (entities decoded).
pub fn base_href(html: &str) -> Option<String> {
    let found = RefCell::new(None);
    let settings =
        RewriteStrSettings::new().append_element_content_handler(element!("base[href]", |el| {
            let mut f = found.borrow_mut();
            if f.is_none() {
                *f = el.get_attribute("href").map(|h| decode_entities(&h));
            }
            Ok(())
        }));
    rewrite_str(html, settings).ok()?;
    found.into_inner()
}

/// What kind of inline script the text handler is in.
#[derive(Clone, Copy, PartialEq)]
enum Script {
    Other,
    Module,
    ImportMap,
}

/// Finds the URLs `html` loads and rewrites those `rewrite` has new text for
/// (given the URL as written, entities decoded). Returns the new page (only
/// when something changed) and what was found. `Err` carries lol_html's
/// message when the document cannot be parsed at all.
pub fn rewrite(
    html: &str,
    max_depth: usize,
    rewrite: &dyn Fn(&str) -> Option<String>,
    pictures: Option<&Pictures>,
    integrity: Option<&Integrity>,
) -> Result<(Option<String>, HtmlReferences), TransformError> {
    let in_picture = Rc::new(Cell::new(0usize));
    let found = RefCell::new(HtmlReferences::default());
    // (start, end, replacement) in the page's bytes: lol_html only reads,
    // so every byte that is not a rewritten URL stays exactly as written.
    let edits: RefCell<Vec<(usize, usize, String)>> = RefCell::new(Vec::new());
    let script = RefCell::new(Script::Other);
    let block = RefCell::new((String::new(), 0usize));
    // Offsets come in document order: locating them is one pass, not one
    // scan from the start per element.
    let cursor = RefCell::new(LocCursor::new(html.as_bytes()));
    let at = |offset: usize| cursor.borrow_mut().loc(offset);
    let add = |loc: Loc, url: String| {
        found
            .borrow_mut()
            .references
            .push(HtmlReference { url, loc });
    };
    // Collects the chunks of a text node; on the last one, gives the whole
    // text and where it starts to `f`, and records what `f` returns.
    let whole_text = |t: &mut TextChunk, f: &dyn Fn(&str, usize) -> Option<String>| {
        let mut b = block.borrow_mut();
        if b.0.is_empty() {
            b.1 = t.source_location().bytes().start;
        }
        b.0.push_str(t.as_str());
        if !t.last_in_text_node() {
            return;
        }
        let (text, start) = std::mem::take(&mut *b);
        if let Some(new) = f(&text, start) {
            edits.borrow_mut().push((start, start + text.len(), new));
        }
    };
    // Locations inside a block are relative to it; make them the page's.
    let shift = |inner: Loc, start: usize| {
        let base = at(start);
        if inner.line <= 1 {
            Loc {
                line: base.line,
                col: base.col + inner.col.saturating_sub(1),
            }
        } else {
            Loc {
                line: base.line + inner.line - 1,
                col: inner.col,
            }
        }
    };
    let css_block = |text: &str, start: usize| -> Option<String> {
        match css::rewrite_in_place(text, max_depth, rewrite) {
            Ok(r) => {
                for reference in r.references {
                    add(shift(reference.loc, start), reference.url);
                }
                (r.code != text).then_some(r.code)
            }
            Err(e) => {
                found.borrow_mut().problems.push(TransformError::at(
                    format!("CSS nested deeper than {max_depth}; its URLs are left as written"),
                    Some(e.loc.map_or(at(start), |l| shift(l, start))),
                ));
                None
            }
        }
    };
    let picture_depth = in_picture.clone();
    let settings = RewriteStrSettings::new()
        .append_element_content_handler(element!("picture", |el| {
            picture_depth.set(picture_depth.get() + 1);
            let depth = picture_depth.clone();
            if let Some(handlers) = el.end_tag_handlers() {
                let handler: lol_html::EndTagHandler<'static> =
                    Box::new(move |_: &mut lol_html::html_content::EndTag<'_>| {
                        depth.set(depth.get().saturating_sub(1));
                        Ok(())
                    });
                handlers.push(handler);
            }
            Ok(())
        }))
        .append_element_content_handler(element!("*", |el| {
            let tag = el.tag_name();
            let tag_loc = at(el.source_location().bytes().start);
            if tag == "base" {
                let mut f = found.borrow_mut();
                if f.base.is_none() {
                    f.base = el.get_attribute("href").map(|h| decode_entities(&h));
                }
            }
            let attr = |name: &str| el.get_attribute(name);
            if tag == "script" {
                let ty = attr("type").unwrap_or_default().trim().to_ascii_lowercase();
                *script.borrow_mut() = match ty.as_str() {
                    "module" => Script::Module,
                    "importmap" => Script::ImportMap,
                    _ => Script::Other,
                };
            }
            let fetching_link = || {
                let rel = attr("rel").unwrap_or_default().to_ascii_lowercase();
                rel.split_ascii_whitespace()
                    .any(|r| FETCHING_RELS.contains(&r))
            };
            // (attribute, whether it is a reference even when not rewritten)
            let names: &[(&str, bool)] = match tag.as_str() {
                "script" | "img" | "audio" | "track" | "embed" | "source" => &[("src", true)],
                "video" => &[("src", true), ("poster", true)],
                "object" => &[("data", true)],
                "input" if attr("type").is_some_and(|t| t.eq_ignore_ascii_case("image")) => {
                    &[("src", true)]
                }
                "link" if fetching_link() => &[("href", true)],
                "a" => &[("href", false)],
                "iframe" => &[("src", false)],
                // SVG, inline or in its own file.
                "use" | "image" | "feimage" => &[("href", true), ("xlink:href", true)],
                _ => &[],
            };
            if tag == "link"
                && attr("rel").is_some_and(|r| {
                    r.to_ascii_lowercase()
                        .split_ascii_whitespace()
                        .any(|r| r == "manifest")
                })
            {
                if let Some(href) = attr("href") {
                    found.borrow_mut().manifests.push(decode_entities(&href));
                }
            }
            let mut sets: Vec<(String, String)> = Vec::new();
            for &(name, always) in names {
                let Some(raw) = attr(name) else { continue };
                let url = decode_entities(&raw);
                let new = rewrite(&url);
                if always || new.is_some() {
                    add(tag_loc, url);
                }
                if let Some(new) = new {
                    sets.push((name.to_string(), new));
                }
            }
            if matches!(tag.as_str(), "img" | "source" | "link") {
                for name in ["srcset", "imagesrcset"] {
                    let Some(raw) = attr(name) else { continue };
                    let set = decode_entities(&raw);
                    let mut new = String::with_capacity(set.len());
                    let mut last = 0;
                    for (start, end) in srcset_candidates(&set) {
                        let url = &set[start..end];
                        add(tag_loc, url.to_string());
                        if let Some(r) = rewrite(url) {
                            new.push_str(&set[last..start]);
                            new.push_str(&r);
                            last = end;
                        }
                    }
                    if last > 0 {
                        new.push_str(&set[last..]);
                        sets.push((name.to_string(), new));
                    }
                }
            }
            let mut css_attrs: Vec<&str> = vec!["style"];
            css_attrs.extend(URL_ATTRIBUTES);
            for name in css_attrs {
                let Some(raw) = attr(name) else { continue };
                if name != "style" && !raw.contains("url(") {
                    continue;
                }
                let value = decode_entities(&raw);
                match css::rewrite_in_place(&value, max_depth, rewrite) {
                    Ok(r) => {
                        for reference in r.references {
                            add(tag_loc, reference.url);
                        }
                        if r.code != value {
                            sets.push((name.to_string(), r.code));
                        }
                    }
                    Err(_) => found.borrow_mut().problems.push(TransformError::at(
                        format!("{name} attribute nested deeper than {max_depth}; left as written"),
                        Some(tag_loc),
                    )),
                }
            }
            let mut attr_edits = Vec::new();
            for (name, value) in sets {
                let Some(a) = el.attributes().iter().find(|a| a.name() == name) else {
                    continue;
                };
                let Some(range) = a.value_source_location().map(|l| l.bytes()) else {
                    continue;
                };
                let quote = range
                    .start
                    .checked_sub(1)
                    .and_then(|q| html.as_bytes().get(q))
                    .copied()
                    .unwrap_or(b'"');
                let encoded = encode_attribute(&value, quote, a.value().contains('&'));
                attr_edits.push((range.start, range.end, encoded));
            }
            let url = integrity_target(&tag, &attr)
                .and_then(&attr)
                .map(|raw| decode_entities(&raw));
            if let (Some(url), Some(value)) = (&url, attr("integrity")) {
                found
                    .borrow_mut()
                    .integrity
                    .push((url.clone(), decode_entities(&value), tag_loc));
            }
            if let Some(sri) = integrity {
                if let Some((placeholder, hashed)) = url.and_then(|u| (sri.find)(&u)) {
                    let existing = el.attributes().iter().find(|a| a.name() == "integrity");
                    // New attributes go before the end of the start tag.
                    let tag_range = el.source_location().bytes();
                    let raw = &html.as_bytes()[tag_range.clone()];
                    let self_closing = raw.ends_with(b"/>")
                        && raw.len() > 2
                        && matches!(raw[raw.len() - 3], b' ' | b'\t' | b'\n' | b'"' | b'\'');
                    let end = tag_range.end - if self_closing { 2 } else { 1 };
                    let mut add = String::new();
                    let has_value = existing.is_some_and(|a| a.value_source_location().is_some());
                    match existing.and_then(|a| a.value_source_location()) {
                        Some(range) => {
                            let range = range.bytes();
                            attr_edits.push((range.start, range.end, placeholder));
                        }
                        // `integrity` without a value checks nothing: left so.
                        None if existing.is_none() && sri.add && hashed => {
                            add = format!(" integrity=\"{placeholder}\"");
                        }
                        None => {}
                    }
                    // A check needs a CORS request: from a CDN (--public-url),
                    // and wherever a value is added.
                    let needs_cors = (has_value && sri.cross_origin && hashed) || !add.is_empty();
                    if needs_cors && attr("crossorigin").is_none() {
                        add.push_str(" crossorigin=\"anonymous\"");
                    }
                    if !add.is_empty() {
                        if self_closing {
                            add.push(' ');
                        }
                        attr_edits.push((end, end, add));
                    }
                }
            }
            // A plain <img> of an image with variants becomes <picture>.
            let picture = match (pictures, attr("src")) {
                (Some(p), Some(src))
                    if tag == "img" && in_picture.get() == 0 && attr("srcset").is_none() =>
                {
                    (p.find)(&decode_entities(&src)).map(|pic| (p, pic))
                }
                _ => None,
            };
            if let Some((opts, pic)) = picture {
                let tag_range = el.source_location().bytes();
                if let Some(markup) =
                    picture_markup(html, tag_range.clone(), &attr_edits, &attr, opts, &pic)
                {
                    found.borrow_mut().variant_refs.extend(pic.refs);
                    edits
                        .borrow_mut()
                        .push((tag_range.start, tag_range.end, markup));
                    return Ok(());
                }
            }
            edits.borrow_mut().extend(attr_edits);
            Ok(())
        }))
        .append_element_content_handler(text!("style", |t| {
            whole_text(t, &css_block);
            Ok(())
        }))
        .append_element_content_handler(text!("script", |t| {
            let kind = *script.borrow();
            if kind == Script::Other {
                return Ok(());
            }
            whole_text(t, &|text, start| match kind {
                Script::Module => {
                    match js::rewrite_source(
                        "",
                        text.to_string(),
                        JsFlavor::Module,
                        max_depth,
                        rewrite,
                    ) {
                        Ok(r) => {
                            for reference in r.references {
                                add(shift(reference.loc, start), reference.url);
                            }
                            let mut f = found.borrow_mut();
                            f.unresolvable.bare += r.unresolvable.bare;
                            f.unresolvable.computed += r.unresolvable.computed;
                            (r.code != text).then_some(r.code)
                        }
                        Err(e) => {
                            let loc = e.loc.map_or(at(start), |l| shift(l, start));
                            found.borrow_mut().problems.push(TransformError::at(
                                format!(
                                    "inline module script: {}; its imports are left as written",
                                    e.message
                                ),
                                Some(loc),
                            ));
                            None
                        }
                    }
                }
                Script::ImportMap => match webmanifest::rewrite_import_map(text, rewrite) {
                    Ok(r) => {
                        for reference in r.references {
                            let loc = reference.loc.map_or(at(start), |l| shift(l, start));
                            add(loc, reference.url);
                        }
                        (r.text != text).then_some(r.text)
                    }
                    Err(e) => {
                        found.borrow_mut().problems.push(TransformError::at(
                            format!("import map: {}; left as written", e.message),
                            Some(e.loc.map_or(at(start), |l| shift(l, start))),
                        ));
                        None
                    }
                },
                Script::Other => None,
            });
            Ok(())
        }));
    rewrite_str(html, settings).map_err(|e| TransformError::new(e.to_string()))?;
    let found = found.into_inner();
    let mut edits = edits.into_inner();
    if edits.is_empty() {
        return Ok((None, found));
    }
    edits.sort_by_key(|e| e.0);
    let mut out = String::with_capacity(html.len() + edits.len() * 16);
    let mut last = 0;
    for (start, end, new) in edits {
        if start < last || end > html.len() {
            continue;
        }
        out.push_str(&html[last..start]);
        out.push_str(&new);
        last = end;
    }
    out.push_str(&html[last..]);
    Ok((Some(out), found))
}

/// Finds the URLs `html` loads, without rewriting anything.
pub fn references(html: &str) -> Result<HtmlReferences, TransformError> {
    rewrite(
        html,
        crate::config::DEFAULT_MAX_NESTING_DEPTH,
        &|_| None,
        None,
        None,
    )
    .map(|(_, found)| found)
}

/// `<picture>` markup for the `<img>` start tag at `range`: a `<source>` per
/// modern format, then the tag itself with its attribute edits applied
/// and `srcset`, `sizes`, `width`/`height`, `decoding` and `loading` added
/// where it does not say otherwise.
fn picture_markup(
    html: &str,
    range: std::ops::Range<usize>,
    attr_edits: &[(usize, usize, String)],
    attr: &dyn Fn(&str) -> Option<String>,
    opts: &Pictures,
    pic: &Picture,
) -> Option<String> {
    let raw = html.get(range.clone())?;
    let mut tag = String::with_capacity(raw.len() + 256);
    let mut last = range.start;
    for (start, end, new) in attr_edits {
        if *start < last || *end > range.end {
            return None;
        }
        tag.push_str(&html[last..*start]);
        tag.push_str(new);
        last = *end;
    }
    tag.push_str(&html[last..range.end]);
    let close = if tag.ends_with("/>") {
        tag.len() - 2
    } else {
        tag.len().checked_sub(1)?
    };
    let (head, tail) = tag.split_at(close);
    let head = head.trim_end();
    let sizes = attr("sizes")
        .map(|s| decode_entities(&s))
        .unwrap_or_else(|| opts.sizes.to_string());
    let q = |v: &str| encode_attribute(v, b'"', false);
    let mut extra = String::new();
    if let Some(srcset) = &pic.img_srcset {
        extra.push_str(&format!(" srcset=\"{}\"", q(srcset)));
    }
    if attr("sizes").is_none() {
        extra.push_str(&format!(" sizes=\"{}\"", q(&sizes)));
    }
    if attr("width").is_none() && attr("height").is_none() {
        extra.push_str(&format!(
            " width=\"{}\" height=\"{}\"",
            pic.width, pic.height
        ));
    }
    if attr("decoding").is_none() {
        extra.push_str(" decoding=\"async\"");
    }
    let eager = attr("fetchpriority").is_some_and(|p| p.trim().eq_ignore_ascii_case("high"));
    if attr("loading").is_none() && !eager {
        extra.push_str(" loading=\"lazy\"");
    }
    let mut out = if opts.style.is_empty() {
        String::from("<picture>")
    } else {
        format!("<picture style=\"{}\">", q(opts.style))
    };
    for (mime, srcset) in &pic.sources {
        out.push_str(&format!(
            "<source type=\"{mime}\" srcset=\"{}\" sizes=\"{}\">",
            q(srcset),
            q(&sizes)
        ));
    }
    out.push_str(head);
    out.push_str(&extra);
    out.push_str(if tail.starts_with('/') { " />" } else { ">" });
    out.push_str("</picture>");
    Some(out)
}

/// An attribute value written between `quote`s (`=` when unquoted), with
/// `&` escaped when the value as written used character references.
fn encode_attribute(value: &str, quote: u8, escape_amp: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' if escape_amp => out.push_str("&amp;"),
            '"' if quote != b'\'' => out.push_str("&quot;"),
            '\'' if quote != b'"' => out.push_str("&#39;"),
            ' ' | '\t' | '\n' | '>' if quote != b'"' && quote != b'\'' => {
                out.push_str(&format!("&#{};", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// The byte ranges of the URLs of a `srcset` (`a.jpg 480w, b.jpg 2x`), as the
/// HTML standard splits them: a URL runs to whitespace, descriptors to a comma
/// outside parentheses, so commas inside URLs (`data:` URLs) stay put.
pub fn srcset_candidates(set: &str) -> Vec<(usize, usize)> {
    let b = set.as_bytes();
    let mut urls = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b',') {
            i += 1;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut end = i;
        let ended_by_comma = end > start && b[end - 1] == b',';
        while end > start && b[end - 1] == b',' {
            end -= 1;
        }
        if end > start {
            urls.push((start, end));
        }
        if !ended_by_comma {
            let mut depth = 0usize;
            while i < b.len() {
                match b[i] {
                    b'(' => depth += 1,
                    b')' => depth = depth.saturating_sub(1),
                    b',' if depth == 0 => break,
                    _ => {}
                }
                i += 1;
            }
        }
    }
    urls
}

/// Decodes the character references that appear in URLs (`&amp;`, `&quot;`,
/// numeric ones); others are kept as written.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            }
        });
        match (decoded, end) {
            (Some(c), Some(e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(html: &str) -> Vec<String> {
        references(html)
            .unwrap()
            .references
            .into_iter()
            .map(|r| r.url)
            .collect()
    }

    #[test]
    fn fetching_attributes_are_found() {
        let html = r#"<!doctype html><html><head>
<link rel="stylesheet" href="css/a.css"><link rel="canonical" href="https://x.test/">
<link rel="icon" href="/favicon.ico"><link rel="modulepreload" href="js/m.js">
<link rel="alternate" href="feed.xml"><script src="js/app.js?v=1&amp;x=2"></script>
</head><body><img src="img/a.png" srcset="img/a-480.png 480w, img/a-960.png 960w">
<picture><source srcset="img/b.webp" type="image/webp"><img src="img/b.png"></picture>
<video src="v.mp4" poster="p.jpg"></video><a href="about.html">about</a>
<input type="image" src="btn.png"><input type="text" src="no.png">
<!-- <img src="commented.png"> --><script>var s = "<img src='in-script.png'>";</script>
</body></html>"#;
        assert_eq!(
            urls(html),
            [
                "css/a.css",
                "/favicon.ico",
                "js/m.js",
                "js/app.js?v=1&x=2",
                "img/a.png",
                "img/a-480.png",
                "img/a-960.png",
                "img/b.webp",
                "img/b.png",
                "v.mp4",
                "p.jpg",
                "btn.png"
            ]
        );
    }

    #[test]
    fn svg_references() {
        let svg = r##"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">
<use href="sprite.svg#home"/><use xlink:href="#local"/><image href="photo.jpg"/><a href="page.html"><text>x</text></a></svg>"##;
        assert_eq!(urls(svg), ["sprite.svg#home", "#local", "photo.jpg"]);
    }

    #[test]
    fn locations_and_base() {
        let r = references("<html>\n<head><base href=\"/static/\"></head>\n  <img src=\"a.png\">")
            .unwrap();
        assert_eq!(r.base.as_deref(), Some("/static/"));
        assert_eq!(r.references[0].loc, Loc { line: 3, col: 3 });
    }

    fn srcset_urls(set: &str) -> Vec<&str> {
        srcset_candidates(set)
            .into_iter()
            .map(|(s, e)| &set[s..e])
            .collect()
    }

    #[test]
    fn srcset_splits_like_browsers() {
        assert_eq!(srcset_urls("a.jpg 1x,b.jpg 2x"), ["a.jpg", "b.jpg"]);
        assert!(srcset_urls("").is_empty());
        assert_eq!(srcset_urls(" a.jpg, b.jpg 640w "), ["a.jpg", "b.jpg"]);
        assert_eq!(
            srcset_urls("data:image/png;base64,AAA= 1x, c.png 2x"),
            ["data:image/png;base64,AAA=", "c.png"]
        );
        assert_eq!(srcset_urls("my%20photo.jpg 100w"), ["my%20photo.jpg"]);
    }

    #[test]
    fn entities() {
        assert_eq!(
            decode_entities("a&amp;b&#x26;c&#38;d&copy;e&"),
            "a&b&c&d&copy;e&"
        );
    }

    /// Rewrites every local URL of `input` (appending `!`) and compares the
    /// page with `expected`.
    fn rewrite_test(input: &str, expected: &str) {
        let (out, _) = rewrite(
            input,
            100,
            &|u| (!u.starts_with('#') && !u.contains(':')).then(|| format!("{u}!")),
            None,
            None,
        )
        .unwrap();
        assert_eq!(out.as_deref().unwrap_or(input), expected);
    }

    /// Adds integrity placeholders (`SRI(url)`) for every local URL, `x*`
    /// standing for files that keep their names.
    fn integrity_test(input: &str, expected: &str) {
        let find = |u: &str| (!u.contains(':')).then(|| (format!("SRI({u})"), !u.starts_with('x')));
        let sri = Integrity {
            add: true,
            cross_origin: input.contains("data-cdn"),
            find: &find,
        };
        let (out, _) = rewrite(input, 100, &|_| None, None, Some(&sri)).unwrap();
        assert_eq!(out.as_deref().unwrap_or(input), expected);
    }

    #[test]
    fn integrity_is_added_to_scripts_stylesheets_and_their_preloads() {
        integrity_test(
            "<script src=a.js></script>",
            "<script src=a.js integrity=\"SRI(a.js)\" crossorigin=\"anonymous\"></script>",
        );
        integrity_test(
            "<link rel=stylesheet href='s.css' crossorigin=use-credentials />",
            "<link rel=stylesheet href='s.css' crossorigin=use-credentials  integrity=\"SRI(s.css)\" />",
        );
        integrity_test(
            "<link rel=modulepreload href=m.js><link rel=preload as=style href=p.css>",
            "<link rel=modulepreload href=m.js integrity=\"SRI(m.js)\" crossorigin=\"anonymous\"><link rel=preload as=style href=p.css integrity=\"SRI(p.css)\" crossorigin=\"anonymous\">",
        );
        // Fonts, images and icons are not covered; files on other sites neither.
        for same in [
            "<link rel=preload as=font href=f.woff2>",
            "<link rel=icon href=i.png>",
            "<img src=a.png>",
            "<script src=https://cdn.test/x.js></script>",
            "<script>inline()</script>",
        ] {
            integrity_test(same, same);
        }
        // A file that keeps its name gets none added, but a stale value is replaced.
        integrity_test("<script src=x.js></script>", "<script src=x.js></script>");
        integrity_test(
            "<script src=x.js integrity=\"sha384-old\"></script>",
            "<script src=x.js integrity=\"SRI(x.js)\"></script>",
        );
        // From a CDN (--public-url), a replaced value needs a CORS request too.
        integrity_test(
            "<script src=a.js integrity=\"sha384-old\" data-cdn></script>",
            "<script src=a.js integrity=\"SRI(a.js)\" data-cdn crossorigin=\"anonymous\"></script>",
        );
    }

    #[test]
    fn only_urls_change_quotes_and_self_closing_tags_stay() {
        rewrite_test("<img src='a.png'>", "<img src='a.png!'>");
        rewrite_test("<img src=a.png alt=x>", "<img src=a.png! alt=x>");
        rewrite_test(
            "<svg><use href=\"s.svg#i\"/></svg>",
            "<svg><use href=\"s.svg#i!\"/></svg>",
        );
        rewrite_test(
            "<img srcset=\"a.png 1x,  b.png 2x\" src=\"https://x.test/c.png\">",
            "<img srcset=\"a.png! 1x,  b.png! 2x\" src=\"https://x.test/c.png\">",
        );
        rewrite_test(
            "<a href=\"doc.pdf?a=1&amp;b=2\">x</a>",
            "<a href=\"doc.pdf?a=1&amp;b=2!\">x</a>",
        );
        rewrite_test(
            "<link rel=canonical href=\"c.html\"><link rel=stylesheet href=\"s.css\">",
            "<link rel=canonical href=\"c.html\"><link rel=stylesheet href=\"s.css!\">",
        );
    }

    #[test]
    fn inline_styles_scripts_and_import_maps() {
        rewrite_test(
            "<style>\n/* url(x.png) */ a { b: url('y.png') }\n</style><p style=\"c: url(z.png)\">",
            "<style>\n/* url(x.png) */ a { b: url('y.png!') }\n</style><p style=\"c: url(z.png!)\">",
        );
        rewrite_test(
            "<script type=module>import a from './a.js'; import 'react'; const u = './n.js';</script><script>import('./classic.js')</script>",
            "<script type=module>import a from './a.js!'; import 'react'; const u = './n.js';</script><script>import('./classic.js')</script>",
        );
        rewrite_test(
            "<script type=\"importmap\">{\"imports\": {\"a\": \"./a.js\"}}</script>",
            "<script type=\"importmap\">{\"imports\": {\"a\": \"./a.js!\"}}</script>",
        );
    }

    #[test]
    fn locations_inside_blocks_are_the_pages() {
        let (_, found) = rewrite(
            "<p>\n<style>\na { b: url(x.png) }</style>",
            100,
            &|_| None,
            None,
            None,
        )
        .unwrap();
        assert_eq!(found.references[0].loc, Loc { line: 3, col: 8 });
    }
}
