//! The start-tag handler of a page: which attributes of which elements
//! fetch a URL, the `srcset` candidates, CSS in `style` and SVG presentation
//! attributes, Subresource Integrity, and the `<img>` that becomes a
//! `<picture>`.

use lol_html::html_content::Element;
use lol_html::HandlerResult;

use super::markup::{decode_entities, encode_attribute, picture_markup, srcset_candidates};
use super::{Edit, Page, Script};
use crate::error::Loc;
use crate::transform::css;

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
    // A file a script reads by the link's `href` (PDF.js's locale list).
    "resource",
    "apple-touch-startup-image",
    "compression-dictionary",
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

/// Reads an attribute of the element being handled.
type Attr<'a> = &'a dyn Fn(&str) -> Option<String>;

impl Page<'_> {
    /// A start tag: the URLs of its attributes found and rewritten, its
    /// integrity written, and a plain `<img>` of an image with variants
    /// turned into a `<picture>`.
    pub(super) fn element(&self, el: &mut Element<'_, '_>) -> HandlerResult {
        let tag = el.tag_name();
        let tag_loc = self.at(el.source_location().bytes().start);
        if tag == "base" {
            let mut f = self.found.borrow_mut();
            if f.base.is_none() {
                f.base = el.get_attribute("href").map(|h| decode_entities(&h));
            }
        }
        let attr = |name: &str| el.get_attribute(name);
        if tag == "script" {
            let ty = attr("type").unwrap_or_default().trim().to_ascii_lowercase();
            self.script.set(match ty.as_str() {
                "module" => Script::Module,
                "importmap" => Script::ImportMap,
                _ => Script::Other,
            });
        }
        if tag == "link" {
            self.note_manifest(&attr);
        }
        let mut sets = self.fetching_attributes(&tag, &attr, tag_loc);
        if matches!(tag.as_str(), "img" | "source" | "link") {
            self.srcset_attributes(&attr, tag_loc, &mut sets);
        }
        self.css_attributes(&attr, tag_loc, &mut sets);
        let mut attr_edits = self.attribute_edits(el, sets);
        self.integrity(el, &tag, &attr, tag_loc, &mut attr_edits);
        if tag == "img" && self.picture(el, &attr, &attr_edits) {
            return Ok(());
        }
        self.edits.borrow_mut().extend(attr_edits);
        Ok(())
    }

    /// Records the `href` of a `<link rel="manifest">`.
    fn note_manifest(&self, attr: Attr) {
        let is_manifest = attr("rel").is_some_and(|r| {
            r.to_ascii_lowercase()
                .split_ascii_whitespace()
                .any(|r| r == "manifest")
        });
        if is_manifest {
            if let Some(href) = attr("href") {
                self.found
                    .borrow_mut()
                    .manifests
                    .push(decode_entities(&href));
            }
        }
    }

    /// The URL attributes of `tag` (`src`, `href`, `poster`, `data`): each
    /// one that fetches is a reference; returns the new values of those
    /// rewritten, as `(attribute, value)`.
    fn fetching_attributes(&self, tag: &str, attr: Attr, tag_loc: Loc) -> Vec<(String, String)> {
        let fetching_link = || {
            let rel = attr("rel").unwrap_or_default().to_ascii_lowercase();
            rel.split_ascii_whitespace()
                .any(|r| FETCHING_RELS.contains(&r))
        };
        // (attribute, whether it is loaded: not a link or a frame)
        let names: &[(&str, bool)] = match tag {
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
            // Astro's islands: the modules imported to hydrate them.
            "astro-island" => &[
                ("component-url", true),
                ("renderer-url", true),
                ("before-hydration-url", true),
            ],
            _ => &[],
        };
        let mut sets = Vec::new();
        for &(name, loaded) in names {
            let Some(raw) = attr(name) else { continue };
            let url = decode_entities(&raw);
            let new = (self.rewrite)(&url);
            // A link to a file that keeps its name is not checked: it may
            // lead anywhere the server knows.
            if loaded || new.is_some() {
                self.add_as(tag_loc, url, !loaded);
            }
            if let Some(new) = new {
                sets.push((name.to_string(), new));
            }
        }
        sets
    }

    /// Every candidate of `srcset` and `imagesrcset`: references, rewritten
    /// in place in the set.
    fn srcset_attributes(&self, attr: Attr, tag_loc: Loc, sets: &mut Vec<(String, String)>) {
        for name in ["srcset", "imagesrcset"] {
            let Some(raw) = attr(name) else { continue };
            let set = decode_entities(&raw);
            let mut new = String::with_capacity(set.len());
            let mut last = 0;
            for (start, end) in srcset_candidates(&set) {
                let url = &set[start..end];
                self.add(tag_loc, url.to_string());
                if let Some(r) = (self.rewrite)(url) {
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

    /// The `style` attribute and SVG presentation attributes holding
    /// `url()`: CSS, its URLs rewritten.
    fn css_attributes(&self, attr: Attr, tag_loc: Loc, sets: &mut Vec<(String, String)>) {
        let max_depth = self.opts.max_depth;
        let mut css_attrs: Vec<&str> = vec!["style"];
        css_attrs.extend(URL_ATTRIBUTES);
        for name in css_attrs {
            let Some(raw) = attr(name) else { continue };
            if name != "style" && !raw.contains("url(") {
                continue;
            }
            let value = decode_entities(&raw);
            match css::rewrite_in_place(&value, max_depth, self.rewrite) {
                Ok(r) => {
                    for reference in r.references {
                        self.add(tag_loc, reference.url);
                    }
                    if r.code != value {
                        sets.push((name.to_string(), r.code));
                    }
                }
                Err(_) => self.problem(
                    format!("{name} attribute nested deeper than {max_depth}; left as written"),
                    tag_loc,
                ),
            }
        }
    }

    /// The edits that give the attributes of `el` their new values, each
    /// encoded for the quotes it is written in.
    fn attribute_edits(&self, el: &Element<'_, '_>, sets: Vec<(String, String)>) -> Vec<Edit> {
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
                .and_then(|q| self.html.as_bytes().get(q))
                .copied()
                .unwrap_or(b'"');
            let encoded = encode_attribute(&value, quote, a.value().contains('&'));
            attr_edits.push((range.start, range.end, encoded));
        }
        attr_edits
    }

    /// Records the `integrity` written on a script, stylesheet or preload,
    /// and with [`Options::integrity`], writes its placeholder (and
    /// `crossorigin` where the check needs a CORS request).
    fn integrity(
        &self,
        el: &Element<'_, '_>,
        tag: &str,
        attr: Attr,
        tag_loc: Loc,
        attr_edits: &mut Vec<Edit>,
    ) {
        let url = integrity_target(tag, attr)
            .and_then(attr)
            .map(|raw| decode_entities(&raw));
        if let (Some(url), Some(value)) = (&url, attr("integrity")) {
            self.found
                .borrow_mut()
                .integrity
                .push((url.clone(), decode_entities(&value), tag_loc));
        }
        let Some(sri) = self.opts.integrity else {
            return;
        };
        let Some((placeholder, hashed)) = url.and_then(|u| (sri.find)(&u)) else {
            return;
        };
        let existing = el.attributes().iter().find(|a| a.name() == "integrity");
        // New attributes go before the end of the start tag.
        let tag_range = el.source_location().bytes();
        let raw = &self.html.as_bytes()[tag_range.clone()];
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

    /// A plain `<img>` (not in a `<picture>`, no `srcset`) of an image with
    /// variants becomes a `<picture>`: true when its markup replaced the tag.
    fn picture(&self, el: &Element<'_, '_>, attr: Attr, attr_edits: &[Edit]) -> bool {
        let picture = match (self.opts.pictures, attr("src")) {
            (Some(p), Some(src)) if self.in_picture.get() == 0 && attr("srcset").is_none() => {
                (p.find)(&decode_entities(&src)).map(|pic| (p, pic))
            }
            _ => None,
        };
        let Some((opts, pic)) = picture else {
            return false;
        };
        let tag_range = el.source_location().bytes();
        let Some(markup) =
            picture_markup(self.html, tag_range.clone(), attr_edits, attr, opts, &pic)
        else {
            return false;
        };
        self.found.borrow_mut().variant_refs.extend(pic.refs);
        self.edits
            .borrow_mut()
            .push((tag_range.start, tag_range.end, markup));
        true
    }
}
