//! HTML: the URLs a page loads, found by lol_html's streaming parser in the
//! attributes that fetch something (`script[src]`, `link[href]` for
//! stylesheets, icons, the manifest and preloads, `img`/`source` `src` and
//! every `srcset` candidate, media `src`/`poster`, `embed`, `object[data]`),
//! resolved against `<base href>` when the page has one, and SVG's
//! `use`/`image`/`feImage` `href` (inline, or in `.svg` files, which the same
//! parser reads). Pages are copied unchanged for now; their references are
//! checked.

use std::cell::RefCell;

use lol_html::html_content::Element;
use lol_html::{element, rewrite_str, RewriteStrSettings};

use crate::error::{loc_of_offset, Loc};

/// A URL a page loads, as written (entities decoded), and where its tag starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlReference {
    /// The URL.
    pub url: String,
    /// Start of the tag that holds it.
    pub loc: Loc,
}

/// What a page refers to, and the `<base href>` its relative URLs resolve against.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct HtmlReferences {
    /// Every fetching URL, in document order.
    pub references: Vec<HtmlReference>,
    /// The first `<base href>`, as written.
    pub base: Option<String>,
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

/// Finds the URLs `html` loads. `Err` carries lol_html's message when the
/// document cannot be parsed at all.
pub fn references(html: &str) -> Result<HtmlReferences, String> {
    let found = RefCell::new(HtmlReferences::default());
    // Records a URL (entities already decoded) at the start of its tag.
    let add = |el: &Element, url: String| {
        let loc = loc_of_offset(html.as_bytes(), el.source_location().bytes().start);
        found
            .borrow_mut()
            .references
            .push(HtmlReference { url, loc });
    };
    let settings = RewriteStrSettings::new().append_element_content_handler(element!("*", |el| {
        let tag = el.tag_name();
        let attr = |name: &str| el.get_attribute(name);
        if tag == "base" {
            let mut f = found.borrow_mut();
            if f.base.is_none() {
                f.base = attr("href").map(|h| decode_entities(&h));
            }
        }
        let fetching_link = || {
            let rel = attr("rel").unwrap_or_default().to_ascii_lowercase();
            rel.split_ascii_whitespace()
                .any(|r| FETCHING_RELS.contains(&r))
        };
        let names: &[&str] = match tag.as_str() {
            "script" | "img" | "audio" | "track" | "embed" | "source" => &["src"],
            "video" => &["src", "poster"],
            "object" => &["data"],
            "input" if attr("type").is_some_and(|t| t.eq_ignore_ascii_case("image")) => &["src"],
            "link" if fetching_link() => &["href"],
            // SVG, inline or in its own file.
            "use" | "image" | "feimage" => &["href", "xlink:href"],
            _ => &[],
        };
        for name in names {
            if let Some(url) = attr(name) {
                add(el, decode_entities(&url));
            }
        }
        if matches!(tag.as_str(), "img" | "source" | "link") {
            for name in ["srcset", "imagesrcset"] {
                for url in attr(name)
                    .map(|set| srcset_urls(&decode_entities(&set)))
                    .unwrap_or_default()
                {
                    add(el, url);
                }
            }
        }
        Ok(())
    }));
    rewrite_str(html, settings).map_err(|e| e.to_string())?;
    Ok(found.into_inner())
}

/// The URLs of a `srcset` (`a.jpg 480w, b.jpg 2x`), as the HTML standard
/// splits them: a URL runs to whitespace, descriptors to a comma outside
/// parentheses, so commas inside URLs (`data:` URLs) stay put.
pub fn srcset_urls(set: &str) -> Vec<String> {
    let mut urls = Vec::new();
    let chars: Vec<char> = set.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && (chars[i].is_ascii_whitespace() || chars[i] == ',') {
            i += 1;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut url: String = chars[start..i].iter().collect();
        let ended_by_comma = url.ends_with(',');
        while url.ends_with(',') {
            url.pop();
        }
        if !url.is_empty() {
            urls.push(url);
        }
        if !ended_by_comma {
            let mut depth = 0usize;
            while i < chars.len() {
                match chars[i] {
                    '(' => depth += 1,
                    ')' => depth = depth.saturating_sub(1),
                    ',' if depth == 0 => break,
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

    #[test]
    fn srcset_splits_like_browsers() {
        assert_eq!(srcset_urls("a.jpg 1x,b.jpg 2x"), ["a.jpg", "b.jpg"]);
        assert_eq!(srcset_urls(""), Vec::<String>::new());
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
}
