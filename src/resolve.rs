//! What a URL written in one file points at: another file of the input (with
//! the query and fragment it was written with), something outside assetpress's
//! concern (another site, a `data:` URL, a fragment of the same document), a
//! folder, or nothing — a missing file or a path that climbs out of the root.
//!
//! Resolution is the browser's: relative URLs against the referrer's folder,
//! root-absolute ones against the public path (`base`), percent-escapes
//! decoded so `my%20photo.jpg` finds `my photo.jpg`.

use std::collections::BTreeSet;

/// Where a written URL leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A file of the input: its relative path, and the `?query#fragment` as written.
    Asset {
        /// Relative path of the file, `/`-separated.
        rel: String,
        /// Query and fragment exactly as written (`?v=4#iefix`), or empty.
        suffix: String,
    },
    /// Not a file of this site: a scheme (`https:`, `data:`, `mailto:`), a
    /// protocol-relative `//host` URL, or a root-absolute path outside `base`.
    External,
    /// The referring document itself: empty, or only a `?query`/`#fragment`.
    SameDocument,
    /// A folder (`blog/`, `/`): served by the web server, not an asset.
    Folder(String),
    /// Inside the root, but no such file was found.
    Missing(String),
    /// Climbs above the input root with `..`.
    OutsideRoot,
}

/// Resolves `url`, written in the file `referrer` (a relative path), against
/// the public path `base` (such as `/` or `/static/`) and the input's `files`.
pub fn resolve(referrer: &str, url: &str, base: &str, files: &BTreeSet<String>) -> Target {
    let url = url.trim_matches(|c: char| c.is_ascii_whitespace());
    if url.is_empty() || url.starts_with('#') || url.starts_with('?') {
        return Target::SameDocument;
    }
    if url.starts_with("//") || url.starts_with("\\\\") || has_scheme(url) {
        return Target::External;
    }
    let split = url.find(['?', '#']).unwrap_or(url.len());
    let (path, suffix) = url.split_at(split);
    let path = percent_decode(path);
    // The URL path as a browser builds it, under the public path `base`.
    let base_parts: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).collect();
    let absolute = path.starts_with('/');
    let (parts, clamped) = if absolute {
        url_path(path.split('/'))
    } else {
        let dir = parent(referrer);
        url_path(
            base_parts
                .iter()
                .copied()
                .chain(dir.split('/'))
                .chain(path.split('/')),
        )
    };
    let Some(rest) = parts.strip_prefix(base_parts.as_slice()) else {
        // Another path of the same host: not a file of this output.
        return if absolute {
            Target::External
        } else {
            Target::OutsideRoot
        };
    };
    let rel = rest.join("/");
    if rel.is_empty() || path.ends_with('/') {
        return Target::Folder(rel);
    }
    if files.contains(&rel) {
        Target::Asset {
            rel,
            suffix: suffix.to_string(),
        }
    } else if files
        .range(format!("{rel}/")..)
        .next()
        .is_some_and(|f| f.starts_with(&format!("{rel}/")))
    {
        Target::Folder(rel)
    } else if clamped {
        // `..` above the root: a browser stays at the root, and no such
        // file is there; the author most likely meant a file outside.
        Target::OutsideRoot
    } else {
        Target::Missing(rel)
    }
}

/// The segments of a URL path with `.` and `..` resolved as a browser
/// resolves them: `..` at the root stays at the root (`/../x.png` is
/// `/x.png`). Also tells whether that happened.
fn url_path<'a>(segments: impl Iterator<Item = &'a str>) -> (Vec<&'a str>, bool) {
    let mut parts = Vec::new();
    let mut clamped = false;
    for seg in segments {
        match seg {
            "" | "." => {}
            ".." => clamped |= parts.pop().is_none(),
            s => parts.push(s),
        }
    }
    (parts, clamped)
}

/// Whether `url` starts with a URL scheme such as `https:` or `data:`.
fn has_scheme(url: &str) -> bool {
    let Some(colon) = url.find(':') else {
        return false;
    };
    let scheme = &url[..colon];
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// The folder part of a `/`-separated relative path ("" at the root).
pub fn parent(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(p, _)| p)
}

/// Decodes `%XX` escapes as UTF-8; invalid escapes, or escapes that do not
/// make UTF-8, leave the text as written.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (
                b.get(i + 1).and_then(|&c| hex(c)),
                b.get(i + 2).and_then(|&c| hex(c)),
            ) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// Percent-encodes what cannot stand in a URL path (space, `%`, `?`, `#`,
/// non-ASCII, controls); `/` separates segments.
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> BTreeSet<String> {
        [
            "index.html",
            "css/app.css",
            "css/fonts/fa.eot",
            "img/bg.png",
            "img/my photo.jpg",
            "img/café.png",
            "blog/index.html",
            "static/js/app.js",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    fn asset(rel: &str, suffix: &str) -> Target {
        Target::Asset {
            rel: rel.into(),
            suffix: suffix.into(),
        }
    }

    fn test(referrer: &str, url: &str, expected: Target) {
        assert_eq!(
            resolve(referrer, url, "/", &files()),
            expected,
            "{url} from {referrer}"
        );
    }

    #[test]
    fn relative_and_root_absolute() {
        test("css/app.css", "../img/bg.png", asset("img/bg.png", ""));
        test(
            "css/app.css",
            "./fonts/fa.eot",
            asset("css/fonts/fa.eot", ""),
        );
        test("blog/index.html", "/img/bg.png", asset("img/bg.png", ""));
        test("index.html", "img/bg.png", asset("img/bg.png", ""));
        test("index.html", " img/bg.png\n", asset("img/bg.png", ""));
    }

    #[test]
    fn query_and_fragment_are_kept_as_written() {
        test(
            "css/app.css",
            "fonts/fa.eot?#iefix",
            asset("css/fonts/fa.eot", "?#iefix"),
        );
        test(
            "css/app.css",
            "fonts/fa.eot?v=4.7.0",
            asset("css/fonts/fa.eot", "?v=4.7.0"),
        );
        test(
            "index.html",
            "img/bg.png#frag",
            asset("img/bg.png", "#frag"),
        );
    }

    #[test]
    fn escapes_and_non_ascii_names() {
        test(
            "index.html",
            "img/my%20photo.jpg",
            asset("img/my photo.jpg", ""),
        );
        test("index.html", "img/caf%C3%A9.png", asset("img/café.png", ""));
        test("index.html", "img/café.png", asset("img/café.png", ""));
        test(
            "index.html",
            "img/%zz.png",
            Target::Missing("img/%zz.png".into()),
        );
    }

    #[test]
    fn outside_concerns() {
        for url in [
            "https://cdn.test/a.js",
            "//cdn.test/a.js",
            "data:image/svg+xml,%3Csvg%3E",
            "mailto:a@b.test",
            "blob:x",
            "javascript:void(0)",
        ] {
            test("index.html", url, Target::External);
        }
        for url in ["", "#top", "?page=2"] {
            test("index.html", url, Target::SameDocument);
        }
    }

    #[test]
    fn missing_escaping_and_folders() {
        test(
            "css/app.css",
            "../img/nope.png",
            Target::Missing("img/nope.png".into()),
        );
        test("css/app.css", "../../secret.txt", Target::OutsideRoot);
        // Browsers stay at the root: `/../x.png` is `/x.png`.
        test(
            "index.html",
            "/../img/bg.png",
            Target::Asset {
                rel: "img/bg.png".into(),
                suffix: String::new(),
            },
        );
        test(
            "css/app.css",
            "../../../img/bg.png",
            Target::Asset {
                rel: "img/bg.png".into(),
                suffix: String::new(),
            },
        );
        test("index.html", "/../x.png", Target::OutsideRoot);
        test("index.html", "blog/", Target::Folder("blog".into()));
        test("index.html", "/", Target::Folder(String::new()));
        test("index.html", "blog", Target::Folder("blog".into()));
    }

    #[test]
    fn public_path_base() {
        let f = files();
        // With a public path, /static/ is the root: static/js/app.js would be /static/static/js/app.js.
        assert_eq!(
            resolve("index.html", "/static/js/app.js", "/static/", &f),
            Target::Missing("js/app.js".into())
        );
        assert_eq!(
            resolve("index.html", "/static/img/bg.png", "/static/", &f),
            asset("img/bg.png", "")
        );
        assert_eq!(
            resolve("index.html", "/api/users", "/static/", &f),
            Target::External
        );
        assert_eq!(
            resolve("index.html", "/staticfoo/x.png", "/static/", &f),
            Target::External
        );
    }
}
