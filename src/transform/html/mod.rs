//! HTML: the URLs a page loads, found and rewritten by lol_html's streaming
//! parser in the attributes that fetch something (`script[src]`, `link[href]`
//! for stylesheets, icons, the manifest, preloads and resources, `img`/`source`
//! `src` and every `srcset` candidate, media `src`/`poster`, `embed`,
//! `object[data]`, SVG's `use`/`image`/`feImage` `href`, the module URLs of
//! Astro's `<astro-island>`), `a[href]` and `iframe[src]` when
//! they point at a hashed file, and inside the page: `style` attributes and
//! `<style>` blocks (CSS), inline `<script type="module">` imports, and
//! `<script type="importmap">` URLs. `.svg` files go through the same parser.
//! Only the rewritten URLs change; every other byte of the page stays.
//!
//! `element.rs` handles start tags, `markup.rs` the text of attributes and
//! the `<picture>` markup written.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use lol_html::html_content::{Element, TextChunk};
use lol_html::{element, rewrite_str, text, HandlerResult, RewriteStrSettings};

pub mod charset;
mod element;
mod markup;

use markup::decode_entities;

use crate::asset::JsFlavor;
use crate::error::{Loc, LocCursor};
use crate::id::Node;
use crate::transform::error::TransformError;
use crate::transform::{css, js, webmanifest};

/// A URL a page loads, as written (entities decoded), and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlReference {
    /// The URL.
    pub url: String,
    /// Start of the tag that holds it (or of the URL, inside a block).
    pub loc: Loc,
    /// A link or frame (`<a href>`, `<iframe src>`), not a load.
    pub navigation: bool,
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
    pub variant_refs: Vec<Node>,
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
    /// The variant files the markup names.
    pub refs: Vec<Node>,
}

/// How plain `<img>` tags become `<picture>`.
pub struct Pictures<'a> {
    /// `sizes` for an `<img>` that has none (empty: the image's own width,
    /// or less on a narrower screen).
    pub sizes: &'a str,
    /// The MIME type of the modern format every target shows, best first,
    /// when the variants go in the `<img>`'s own `srcset`; `None`: a
    /// `<picture>` is written.
    pub own_srcset: Option<&'a [&'a str]>,
    /// Add `width` and `height` to an `<img>` that has neither.
    pub dimensions: bool,
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

/// A replacement of the page's bytes `start..end`.
type Edit = (usize, usize, String);

/// How a page is rewritten besides its URLs.
pub struct Options<'a> {
    /// Deepest nesting accepted in inline styles and module scripts
    /// (`--max-nesting-depth`).
    pub max_depth: usize,
    /// How plain `<img>` tags become `<picture>`; `None` leaves them.
    pub pictures: Option<&'a Pictures<'a>>,
    /// Integrity values to write; `None` leaves them as written.
    pub integrity: Option<&'a Integrity<'a>>,
}

/// Finds the URLs `html` loads and rewrites those `rewrite` has new text for
/// (given the URL as written, entities decoded). Returns the new page (only
/// when something changed) and what was found. `Err` carries lol_html's
/// message when the document cannot be parsed at all.
pub fn rewrite(
    html: &str,
    rewrite: &dyn Fn(&str) -> Option<String>,
    opts: &Options,
) -> Result<(Option<String>, HtmlReferences), TransformError> {
    let page = Page {
        html,
        rewrite,
        opts,
        found: RefCell::new(HtmlReferences::default()),
        edits: RefCell::new(Vec::new()),
        script: Cell::new(Script::Other),
        style: RefCell::new(Block::default()),
        script_block: RefCell::new(Block::default()),
        cursor: RefCell::new(LocCursor::new(html.as_bytes())),
        in_picture: Rc::new(Cell::new(0)),
    };
    let settings = RewriteStrSettings::new()
        .append_element_content_handler(element!("picture", |el| page.picture_opened(el)))
        .append_element_content_handler(element!("*", |el| page.element(el)))
        .append_element_content_handler(text!("style", |t| {
            page.whole_text(&page.style, t, |text, start| page.style_block(text, start));
            Ok(())
        }))
        .append_element_content_handler(text!("script", |t| {
            page.script_text(t);
            Ok(())
        }));
    rewrite_str(html, settings).map_err(|e| TransformError::new(e.to_string()))?;
    let edits = page.edits.into_inner();
    Ok((apply_edits(html, edits), page.found.into_inner()))
}

/// Finds the URLs `html` loads, without rewriting anything; inline styles
/// and scripts nested deeper than `max_depth` are not looked into.
pub fn references(html: &str, max_depth: usize) -> Result<HtmlReferences, TransformError> {
    let opts = Options {
        max_depth,
        pictures: None,
        integrity: None,
    };
    rewrite(html, &|_| None, &opts).map(|(_, found)| found)
}

/// The text of one element, gathered chunk by chunk.
#[derive(Default)]
struct Block {
    text: String,
    /// Its byte range in the page.
    start: usize,
    end: usize,
    /// Its chunks are not one stretch of the page: it is left as written.
    broken: bool,
}

/// The page with `edits` made, or `None` when there are none.
fn apply_edits(html: &str, mut edits: Vec<Edit>) -> Option<String> {
    if edits.is_empty() {
        return None;
    }
    edits.sort_by_key(|e| e.0);
    let mut out = String::with_capacity(html.len() + edits.len() * 16);
    let mut last = 0;
    for (start, end, new) in edits {
        if start < last
            || end > html.len()
            || !html.is_char_boundary(start)
            || !html.is_char_boundary(end)
        {
            continue;
        }
        out.push_str(&html[last..start]);
        out.push_str(&new);
        last = end;
    }
    out.push_str(&html[last..]);
    Some(out)
}

/// One page being rewritten: what lol_html's handlers share. lol_html only
/// reads; the edits are byte ranges of the page, so every byte that is not
/// a rewritten URL stays exactly as written.
struct Page<'a> {
    html: &'a str,
    rewrite: &'a dyn Fn(&str) -> Option<String>,
    opts: &'a Options<'a>,
    found: RefCell<HtmlReferences>,
    edits: RefCell<Vec<Edit>>,
    /// The kind of the `<script>` whose text comes next.
    script: Cell<Script>,
    /// The `<style>` text gathered so far.
    style: RefCell<Block>,
    /// The `<script>` text gathered so far.
    script_block: RefCell<Block>,
    /// Offsets come in document order: locating them is one pass, not one
    /// scan from the start per element.
    cursor: RefCell<LocCursor<'a>>,
    /// How many `<picture>` elements are open (shared with their end-tag
    /// handlers, which outlive a handler call).
    in_picture: Rc<Cell<usize>>,
}

impl Page<'_> {
    /// The location of byte `offset` of the page.
    fn at(&self, offset: usize) -> Loc {
        self.cursor.borrow_mut().loc(offset)
    }

    /// Records a reference the page loads.
    fn add(&self, loc: Loc, url: String) {
        self.add_as(loc, url, false);
    }

    /// Records a reference, a link or frame if `navigation`.
    fn add_as(&self, loc: Loc, url: String, navigation: bool) {
        self.found.borrow_mut().references.push(HtmlReference {
            url,
            loc,
            navigation,
        });
    }

    /// Records a problem of an inline block or attribute.
    fn problem(&self, message: String, loc: Loc) {
        self.found
            .borrow_mut()
            .problems
            .push(TransformError::at(message, Some(loc)));
    }

    /// The page's location of `inner`, a location inside the block that
    /// starts at byte `start`.
    fn shift(&self, inner: Loc, start: usize) -> Loc {
        let base = self.at(start);
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
    }

    /// The page's location of an error inside the block at `start` (the
    /// block's start when the error has none).
    fn locate(&self, e: &TransformError, start: usize) -> Loc {
        let at_start = self.at(start);
        e.loc.map_or(at_start, |l| self.shift(l, start))
    }

    /// Counts a `<picture>` open until its end tag.
    fn picture_opened(&self, el: &mut Element<'_, '_>) -> HandlerResult {
        self.in_picture.set(self.in_picture.get() + 1);
        let depth = self.in_picture.clone();
        if let Some(handlers) = el.end_tag_handlers() {
            let handler: lol_html::EndTagHandler<'static> =
                Box::new(move |_: &mut lol_html::html_content::EndTag<'_>| {
                    depth.set(depth.get().saturating_sub(1));
                    Ok(())
                });
            handlers.push(handler);
        }
        Ok(())
    }

    /// Collects the chunks of a text node; on the last one, gives the whole
    /// text and where it starts to `f`, and records the edit `f` returns.
    fn whole_text(
        &self,
        block: &RefCell<Block>,
        t: &mut TextChunk,
        f: impl FnOnce(&str, usize) -> Option<String>,
    ) {
        let mut b = block.borrow_mut();
        let at = t.source_location().bytes();
        if b.text.is_empty() && !b.broken {
            b.start = at.start;
        } else if at.start != b.end {
            // Text of another element in between (a `<style>` inside an
            // SVG `<script>`): the pieces are not one stretch of the page.
            b.broken = true;
        }
        b.text.push_str(t.as_str());
        b.end = at.end;
        if !t.last_in_text_node() {
            return;
        }
        let Block {
            text,
            start,
            end,
            broken,
        } = std::mem::take(&mut *b);
        drop(b);
        if broken || end - start != text.len() {
            return;
        }
        if let Some(new) = f(&text, start) {
            self.edits.borrow_mut().push((start, end, new));
        }
    }

    /// The text of a `<script>`: module scripts and import maps name URLs.
    fn script_text(&self, t: &mut TextChunk) {
        match self.script.get() {
            Script::Other => {}
            Script::Module => self.whole_text(&self.script_block, t, |text, start| {
                self.module_script(text, start)
            }),
            Script::ImportMap => self.whole_text(&self.script_block, t, |text, start| {
                self.import_map(text, start)
            }),
        }
    }

    /// A `<style>` block starting at `start`: its URLs, rewritten.
    fn style_block(&self, text: &str, start: usize) -> Option<String> {
        let max_depth = self.opts.max_depth;
        match css::rewrite_in_place(text, max_depth, self.rewrite) {
            Ok(r) => {
                for reference in r.references {
                    self.add(self.shift(reference.loc, start), reference.url);
                }
                (r.code != text).then_some(r.code)
            }
            Err(e) => {
                self.problem(
                    format!("CSS nested deeper than {max_depth}; its URLs are left as written"),
                    self.locate(&e, start),
                );
                None
            }
        }
    }

    /// An inline `<script type="module">` starting at `start`: its imports,
    /// rewritten.
    fn module_script(&self, text: &str, start: usize) -> Option<String> {
        let max_depth = self.opts.max_depth;
        // A page's own script names files relative to the page; a preload
        // list relative to the site root is a bundler's, in a file of its own.
        let rewrite = |url: &str, relative_to| match relative_to {
            js::RelativeTo::File => (self.rewrite)(url),
            js::RelativeTo::SiteRoot => None,
        };
        match js::rewrite_source("", text.to_string(), JsFlavor::Module, max_depth, &rewrite) {
            Ok(r) => {
                for reference in r.references {
                    if reference.relative_to == js::RelativeTo::File {
                        self.add(self.shift(reference.loc, start), reference.url);
                    }
                }
                for e in r.left_alone {
                    let loc = self.locate(&e, start);
                    self.problem(format!("inline module script: {}", e.message), loc);
                }
                let mut f = self.found.borrow_mut();
                f.unresolvable.bare += r.unresolvable.bare;
                f.unresolvable.computed += r.unresolvable.computed;
                (r.code != text).then_some(r.code)
            }
            Err(e) => {
                self.problem(
                    format!(
                        "inline module script: {}; its imports are left as written",
                        e.message
                    ),
                    self.locate(&e, start),
                );
                None
            }
        }
    }

    /// A `<script type="importmap">` starting at `start`: its URLs, rewritten.
    fn import_map(&self, text: &str, start: usize) -> Option<String> {
        match webmanifest::rewrite_import_map(text, self.rewrite) {
            Ok(r) => {
                for reference in r.references {
                    let loc = reference
                        .loc
                        .map_or(self.at(start), |l| self.shift(l, start));
                    self.add(loc, reference.url);
                }
                (r.text != text).then_some(r.text)
            }
            Err(e) => {
                self.problem(
                    format!("import map: {}; left as written", e.message),
                    self.locate(&e, start),
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(html: &str) -> Vec<String> {
        references(html, 1000)
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
        let r = references(
            "<html>\n<head><base href=\"/static/\"></head>\n  <img src=\"a.png\">",
            1000,
        )
        .unwrap();
        assert_eq!(r.base.as_deref(), Some("/static/"));
        assert_eq!(r.references[0].loc, Loc { line: 3, col: 3 });
    }

    /// Rewrites every local URL of `input` (appending `!`) and compares the
    /// page with `expected`.
    #[track_caller]
    /// Found by fuzzing (`fuzz/fuzz_targets/html.rs`): inside SVG, a
    /// `<style>` within an import map's `<script>` fed both handlers the
    /// same text through one shared buffer, and the edit's end fell inside
    /// a character.
    #[test]
    fn a_style_inside_an_svg_script_is_not_torn() {
        for page in [
            "<svg><script type=\"importmap\"><style>url()\n<d\u{20ac}\u{ff}",
            "<svg><script type=\"module\">import 'a.js';<style>url(b.png)</style>import 'c.js';</script></svg>",
        ] {
            let opts = Options {
                max_depth: 100,
                pictures: None,
                integrity: None,
            };
            let (out, _) = rewrite(page, &|u| Some(format!("{u}!")), &opts).unwrap();
            // URLs get a `!`; with those taken out, the page is as it was.
            let out = out.unwrap_or_else(|| page.to_string());
            assert_eq!(out.replace('!', ""), page);
        }
    }

    fn rewrite_test(input: &str, expected: &str) {
        let (out, _) = rewrite(
            input,
            &|u| (!u.starts_with('#') && !u.contains(':')).then(|| format!("{u}!")),
            &Options {
                max_depth: 100,
                pictures: None,
                integrity: None,
            },
        )
        .unwrap();
        assert_eq!(out.as_deref().unwrap_or(input), expected);
    }

    /// Adds integrity placeholders (`SRI(url)`) for every local URL, `x*`
    /// standing for files that keep their names.
    #[track_caller]
    fn integrity_test(input: &str, expected: &str) {
        let find = |u: &str| (!u.contains(':')).then(|| (format!("SRI({u})"), !u.starts_with('x')));
        let sri = Integrity {
            add: true,
            cross_origin: input.contains("data-cdn"),
            find: &find,
        };
        let opts = Options {
            max_depth: 100,
            pictures: None,
            integrity: Some(&sri),
        };
        let (out, _) = rewrite(input, &|_| None, &opts).unwrap();
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
    fn astro_islands_load_their_component_and_renderer() {
        rewrite_test(
            "<astro-island uid=\"Z1\" component-url=\"/_astro/Counter.js\" component-export=\"default\" renderer-url=\"/_astro/client.js\" before-hydration-url=\"/_astro/astro.js\" props=\"{}\"></astro-island>",
            "<astro-island uid=\"Z1\" component-url=\"/_astro/Counter.js!\" component-export=\"default\" renderer-url=\"/_astro/client.js!\" before-hydration-url=\"/_astro/astro.js!\" props=\"{}\"></astro-island>",
        );
        // Only on islands.
        rewrite_test(
            "<div component-url=\"/a.js\"></div>",
            "<div component-url=\"/a.js\"></div>",
        );
    }

    #[test]
    fn resource_links_are_fetched() {
        rewrite_test(
            "<link rel=\"resource\" type=\"application/l10n\" href=\"locale/locale.json\">",
            "<link rel=\"resource\" type=\"application/l10n\" href=\"locale/locale.json!\">",
        );
        rewrite_test(
            "<link rel=apple-touch-startup-image href=splash.png><link rel=compression-dictionary href=/d.dat>",
            "<link rel=apple-touch-startup-image href=splash.png!><link rel=compression-dictionary href=/d.dat!>",
        );
        rewrite_test(
            "<link rel=modulepreload href=m.js><link rel=prefetch href=p.js><link rel=preload as=fetch href=data.json>",
            "<link rel=modulepreload href=m.js!><link rel=prefetch href=p.js!><link rel=preload as=fetch href=data.json!>",
        );
    }

    #[test]
    fn computed_imports_of_inline_module_scripts_are_located() {
        let found = references(
            "<p>\n<script type=module>\nimport(`./${name}.js`);\nimport(`./a.js`)</script>",
            100,
        )
        .unwrap();
        let problems: Vec<String> = found.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("3:8: inline module script: import() of a computed URL"),
            "{problems:?}"
        );
        assert_eq!(found.references[0].url, "./a.js");
        assert_eq!(found.unresolvable.computed, 1);
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
        let found = references("<p>\n<style>\na { b: url(x.png) }</style>", 100).unwrap();
        assert_eq!(found.references[0].loc, Loc { line: 3, col: 8 });
    }
}
