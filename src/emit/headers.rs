//! Response headers for every output file, for the servers and CDNs the
//! output is uploaded to: the class of each file (hashed, image, page, other)
//! and its `Cache-Control`, `Content-Type` and `Content-Encoding`, written as
//! `headers.json` (for upload scripts: S3, GCS) and as a `_headers` file
//! (Netlify, Cloudflare Pages). The nginx snippet is in [`super::nginx`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::asset::extension;
use crate::config::{CacheControl, Config};
use crate::encoding::Encoding;
use crate::resolve::encode_path;

/// One file of the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutFile {
    /// Path inside the output.
    pub rel: String,
    /// Whether its name carries a content hash (or follows a file that does,
    /// as a source map does).
    pub hashed: bool,
    /// The compressed copies written beside it.
    pub encodings: Vec<Encoding>,
}

impl OutFile {
    /// A file that keeps its name and has no compressed copies (a manifest,
    /// a server file).
    pub fn plain(rel: String) -> OutFile {
        OutFile {
            rel,
            hashed: false,
            encodings: Vec::new(),
        }
    }
}

/// How long a file may be cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// A content hash in the name: it never changes.
    Hashed,
    /// An image that keeps its name.
    Image,
    /// A page.
    Html,
    /// Anything else that keeps its name.
    Other,
}

/// Extensions of images that keep their names (favicons, social images).
pub const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "gif", "webp", "avif", "svg", "ico"];

impl Class {
    /// The class of an output file.
    pub fn of(file: &OutFile) -> Class {
        Class::of_path(&file.rel, file.hashed)
    }

    /// The class of the output file `rel`, which carries a hash or not.
    pub fn of_path(rel: &str, hashed: bool) -> Class {
        let ext = extension(rel);
        if hashed {
            Class::Hashed
        } else if IMAGE_EXTENSIONS.contains(&ext.as_str()) {
            Class::Image
        } else if ext == "html" || ext == "htm" {
            Class::Html
        } else {
            Class::Other
        }
    }

    /// Its `Cache-Control` value.
    pub fn cache_control(self, cache: &CacheControl) -> &str {
        match self {
            Class::Hashed => &cache.hashed,
            Class::Image => &cache.images,
            Class::Html => &cache.html,
            Class::Other => &cache.other,
        }
    }
}

/// The `Content-Type` of a file, by extension: what browsers expect for the
/// web's formats (`text/javascript`, `application/manifest+json`), UTF-8 for text.
pub fn content_type(rel: &str) -> String {
    let ext = extension(rel);
    let mime = match ext.as_str() {
        "js" | "mjs" | "cjs" => "text/javascript".to_string(),
        "map" | "json" => "application/json".to_string(),
        "webmanifest" => "application/manifest+json".to_string(),
        "wasm" => "application/wasm".to_string(),
        "woff2" => "font/woff2".to_string(),
        "avif" => "image/avif".to_string(),
        "ico" => "image/x-icon".to_string(),
        _ => mime_guess::from_ext(&ext)
            .first_or_octet_stream()
            .essence_str()
            .to_string(),
    };
    let text = mime.starts_with("text/")
        || mime.ends_with("+json")
        || mime.ends_with("+xml")
        || mime == "application/json"
        || mime == "application/xml";
    if text {
        format!("{mime}; charset=utf-8")
    } else {
        mime
    }
}

/// Headers of one object, as upload tools name them, and its class (what
/// upload order and cleaning go by).
#[derive(Debug, Serialize)]
struct Headers<'a> {
    class: Class,
    #[serde(rename = "Cache-Control")]
    cache_control: &'a str,
    #[serde(rename = "Content-Type")]
    content_type: String,
    #[serde(rename = "Content-Encoding", skip_serializing_if = "Option::is_none")]
    content_encoding: Option<&'static str>,
}

/// `headers.json`: every file of the output, compressed copies included,
/// with the headers to store it with.
pub fn headers_json(files: &[OutFile], config: &Config) -> Vec<u8> {
    let mut map: BTreeMap<String, Headers> = BTreeMap::new();
    for f in files {
        let class = Class::of(f);
        let headers = |encoding: Option<Encoding>| Headers {
            class,
            cache_control: class.cache_control(&config.cache_control),
            content_type: content_type(&f.rel),
            content_encoding: encoding.map(Encoding::name),
        };
        map.insert(f.rel.clone(), headers(None));
        for &e in &f.encodings {
            map.insert(format!("{}.{}", f.rel, e.extension()), headers(Some(e)));
        }
    }
    #[derive(Serialize)]
    struct Doc<'a> {
        version: u32,
        files: BTreeMap<String, Headers<'a>>,
    }
    let mut out = serde_json::to_vec_pretty(&Doc {
        version: 1,
        files: map,
    })
    .unwrap_or_default();
    out.push(b'\n');
    out
}

/// The most rules Cloudflare Pages reads from a `_headers` file.
pub const PAGES_MAX_RULES: usize = 100;

/// A `_headers` file, with a warning when Cloudflare Pages would not read
/// all of it with the `existing` rules of the input's own `_headers` before it. No two rules ever match the same path (both hosts join the
/// values of rules that do); a page `dir/index.html` is also served as
/// `dir/`, and `about.html` as `about`.
///
/// A host answers a request for a missing file with the rules of its path:
/// with a `404.html` at the root, that is a 404 the hosts send with
/// `no-store`, so folders whose files all share a class get one rule
/// (`/assets/*`). Without one, Cloudflare Pages serves `index.html` for it
/// (its single-page-app mode), and a folder rule would make that page
/// `immutable` under a stale or not yet published hashed URL: then every
/// rule names one file.
pub fn headers_file(
    files: &[OutFile],
    config: &Config,
    existing: usize,
) -> (String, Option<String>) {
    // Every path with its class. Compressed copies are left out: these
    // hosts compress themselves and would serve them only by their own name.
    // `_headers` itself is read by the host, not served.
    let all: BTreeMap<String, Class> = files
        .iter()
        .filter(|f| f.rel != "_headers")
        .map(|f| (f.rel.clone(), Class::of(f)))
        .collect();
    let not_found_page = all.contains_key("404.html");
    // The class of each folder's whole subtree, when it has one.
    let mut folders: BTreeMap<String, Option<Class>> = BTreeMap::new();
    for (rel, &class) in &all {
        let mut dir = rel.as_str();
        while let Some(i) = dir.rfind('/') {
            dir = &dir[..i];
            folders
                .entry(dir.to_string())
                .and_modify(|c| {
                    if *c != Some(class) {
                        *c = None
                    }
                })
                .or_insert(Some(class));
        }
    }
    let uniform = |dir: &str| folders.get(dir).copied().flatten();
    // The highest uniform folder above `rel`, if any.
    let covering = |rel: &str| -> Option<String> {
        if !not_found_page {
            return None;
        }
        let mut end = 0;
        while let Some(i) = rel[end..].find('/') {
            end += i;
            let dir = &rel[..end];
            if uniform(dir).is_some() {
                return Some(dir.to_string());
            }
            end += 1;
        }
        None
    };
    let mut rules: BTreeMap<String, Class> = BTreeMap::new();
    for (rel, &class) in &all {
        match covering(rel) {
            Some(dir) => {
                rules.insert(format!("{}/*", encode_path(&dir)), class);
            }
            None => {
                rules.insert(encode_path(rel), class);
                // Pages are also served by their "pretty" URLs.
                if let Some(dir) = rel.strip_suffix("index.html") {
                    if dir.is_empty() || dir.ends_with('/') {
                        rules.insert(encode_path(dir), class);
                    }
                } else if let Some(page) = rel.strip_suffix(".html") {
                    rules.insert(encode_path(page), class);
                }
            }
        }
    }
    let total = existing + rules.len();
    let warning = (total > PAGES_MAX_RULES).then(|| {
        let why = if not_found_page {
            ""
        } else {
            ": without a 404.html every rule names one file (a folder rule would make the page \
             Cloudflare Pages serves for a missing file immutable); add a 404.html to the output \
             and one rule per folder suffices"
        };
        let input = if existing > 0 {
            format!(" ({existing} of the input's own)")
        } else {
            String::new()
        };
        format!(
            "{total} rules{input}, and Cloudflare Pages reads only the first {PAGES_MAX_RULES} \
             (Netlify reads all){why}"
        )
    });
    let base = config.base.trim_end_matches('/');
    let mut s = String::from(
        "# Cache-Control for every file of this folder, written by assetpress:\n\
         # no two rules match one path.\n",
    );
    for (path, class) in rules {
        s.push_str(&format!(
            "{base}/{path}\n  Cache-Control: {}\n",
            class.cache_control(&config.cache_control)
        ));
        if class == Class::Hashed && config.public_url.is_some() {
            s.push_str("  Access-Control-Allow-Origin: *\n");
        }
    }
    (s, warning)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rel: &str, hashed: bool) -> OutFile {
        OutFile {
            rel: rel.into(),
            hashed,
            encodings: if rel.ends_with(".js") {
                vec![Encoding::Gzip, Encoding::Br]
            } else {
                vec![]
            },
        }
    }

    #[test]
    fn content_types_of_web_formats() {
        assert_eq!(content_type("a.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("a.mjs"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("x.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("i.html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("m.webmanifest"),
            "application/manifest+json; charset=utf-8"
        );
        assert_eq!(content_type("p.webp"), "image/webp");
        assert_eq!(content_type("f.woff2"), "font/woff2");
        assert_eq!(content_type("i.svg"), "image/svg+xml; charset=utf-8");
        assert_eq!(content_type("LICENSE"), "application/octet-stream");
    }

    fn rule_paths(files: &[OutFile]) -> Vec<String> {
        let cfg = Config::new("in", "out").unwrap();
        let (text, warning) = headers_file(files, &cfg, 0);
        assert_eq!(warning, None);
        text.lines()
            .filter(|l| l.starts_with('/'))
            .map(String::from)
            .collect()
    }

    const SITE: &[(&str, bool)] = &[
        ("assets/app.3f2a9c1b.js", true),
        ("assets/logo.3f2a9c1b.png", true),
        ("index.html", false),
        ("about.html", false),
        ("blog/index.html", false),
        ("blog/cover.jpg", false),
        ("favicon.ico", false),
        ("sw.js", false),
    ];

    #[test]
    fn with_a_404_page_a_uniform_folder_has_one_rule() {
        let mut files: Vec<OutFile> = SITE.iter().map(|&(r, h)| file(r, h)).collect();
        files.push(file("404.html", false));
        assert_eq!(
            rule_paths(&files),
            [
                "/",
                "/404",
                "/404.html",
                "/about",
                "/about.html",
                "/assets/*",
                "/blog/",
                "/blog/cover.jpg",
                "/blog/index.html",
                "/favicon.ico",
                "/index.html",
                "/sw.js"
            ]
        );
        let cfg = Config::new("in", "out").unwrap();
        let text = headers_file(&files, &cfg, 0).0;
        assert!(text.contains("/assets/*\n  Cache-Control: public, max-age=31536000, immutable\n"));
        assert!(text.contains("/sw.js\n  Cache-Control: no-cache\n"));
    }

    #[test]
    fn without_a_404_page_every_rule_names_one_file() {
        let files: Vec<OutFile> = SITE.iter().map(|&(r, h)| file(r, h)).collect();
        assert_eq!(
            rule_paths(&files),
            [
                "/",
                "/about",
                "/about.html",
                "/assets/app.3f2a9c1b.js",
                "/assets/logo.3f2a9c1b.png",
                "/blog/",
                "/blog/cover.jpg",
                "/blog/index.html",
                "/favicon.ico",
                "/index.html",
                "/sw.js"
            ]
        );
    }

    #[test]
    fn more_rules_than_cloudflare_pages_reads_is_a_warning() {
        let cfg = Config::new("in", "out").unwrap();
        let files: Vec<OutFile> = (0..PAGES_MAX_RULES + 1)
            .map(|i| file(&format!("js/c{i}.3f2a9c1b.js"), true))
            .collect();
        let warning = headers_file(&files, &cfg, 0).1.unwrap();
        assert!(
            warning.starts_with("101 rules") && warning.contains("404.html"),
            "{warning}"
        );
    }

    #[test]
    fn the_inputs_own_rules_count_towards_the_limit() {
        let cfg = Config::new("in", "out").unwrap();
        // Three rules: /404, /404.html and /js/*.
        let files = [file("404.html", false), file("js/a.3f2a9c1b.js", true)];
        assert_eq!(headers_file(&files, &cfg, 97).1, None);
        let warning = headers_file(&files, &cfg, 98).1.unwrap();
        assert!(
            warning.starts_with("101 rules (98 of the input's own)"),
            "{warning}"
        );
    }

    #[test]
    fn headers_json_lists_compressed_copies_with_their_encoding() {
        let cfg = Config::new("in", "out").unwrap();
        let json: serde_json::Value =
            serde_json::from_slice(&headers_json(&[file("a.3f2a9c1b.js", true)], &cfg)).unwrap();
        let br = &json["files"]["a.3f2a9c1b.js.br"];
        assert_eq!(br["Content-Encoding"], "br");
        assert_eq!(br["Content-Type"], "text/javascript; charset=utf-8");
        assert_eq!(
            json["files"]["a.3f2a9c1b.js"]["Cache-Control"],
            "public, max-age=31536000, immutable"
        );
        assert!(json["files"]["a.3f2a9c1b.js"]
            .get("Content-Encoding")
            .is_none());
    }
}
