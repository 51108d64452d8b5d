//! How files are named, in one place for the build and for `verify`: which
//! files keep their names (`keep_names`), what a hashed name looks like
//! (`stem.<hash>.ext`) and how to read the hash back out of one, how an image
//! variant is named, the comment that names a file's source map (appended
//! after hashing, so it is not covered by the hash), and the digest that the
//! files of a reference cycle share.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use sha2::{Digest, Sha256};

use crate::digest::hex;
use crate::error::{Error, Result};
use crate::resolve::encode_path;

/// Files whose URL is a public contract keep their names by default: pages,
/// crawler and platform files, service workers (their URL is their scope),
/// web app manifests.
pub const DEFAULT_KEEP_NAMES: &[&str] = &[
    "**/*.html",
    "**/*.htm",
    "robots.txt",
    "sitemap*.xml",
    "favicon.ico",
    "**/sw.js",
    "**/service-worker.js",
    ".well-known/**",
    "**/*.webmanifest",
    "_headers",
    "_redirects",
    "ads.txt",
    "app-ads.txt",
    "humans.txt",
    "browserconfig.xml",
    "crossdomain.xml",
    "CNAME",
];

/// The naming policy of a run.
#[derive(Debug, Clone)]
pub struct Naming {
    keep: GlobSet,
    /// Hex digits of the hash in names (8–64).
    pub hash_length: usize,
    /// Public path of the output root (`/`, `/static/`).
    pub base: String,
    /// Absolute URL of the output root, ending in `/`, when references to
    /// hashed files are written absolute.
    pub public_url: Option<String>,
}

impl Naming {
    /// A policy keeping the names that match `keep_globs` (the defaults are
    /// always included) and hashing the rest.
    pub fn new(
        keep_globs: &[String],
        hash_length: usize,
        base: &str,
        public_url: Option<&str>,
    ) -> Result<Naming> {
        let mut set = GlobSetBuilder::new();
        for g in DEFAULT_KEEP_NAMES
            .iter()
            .map(|s| s.to_string())
            .chain(keep_globs.iter().cloned())
        {
            let glob = GlobBuilder::new(&g)
                .literal_separator(true)
                .build()
                .map_err(|e| Error::Config(format!("keep_names: bad glob {g:?}: {e}")))?;
            set.add(glob);
        }
        let keep = set
            .build()
            .map_err(|e| Error::Config(format!("keep_names: {e}")))?;
        Ok(Naming {
            keep,
            hash_length,
            base: base.to_string(),
            public_url: public_url.map(|u| format!("{}/", u.trim_end_matches('/'))),
        })
    }

    /// Whether the file `rel` keeps its name.
    pub fn keeps_name(&self, rel: &str) -> bool {
        self.keep.is_match(rel)
    }

    /// The bytes the comment naming its map adds to the output of the input
    /// `rel`, known before its hash is (every hash is as long).
    pub fn map_comment_len(&self, style: MapComment, rel: &str) -> usize {
        let out = if self.keeps_name(rel) {
            rel.to_string()
        } else {
            hashed_name(rel, &"0".repeat(self.hash_length))
        };
        style.line(&own_map_url(&out)).len()
    }
}

/// `rel` with `hash` put before its extension: `css/app.css` →
/// `css/app.<hash>.css`; `LICENSE` → `LICENSE.<hash>`.
pub fn hashed_name(rel: &str, hash: &str) -> String {
    let (dir, base) = match rel.rsplit_once('/') {
        Some((d, b)) => (Some(d), b),
        None => (None, rel),
    };
    let base = match base.rfind('.') {
        Some(dot) if dot > 0 => format!("{}.{hash}{}", &base[..dot], &base[dot..]),
        _ => format!("{base}.{hash}"),
    };
    match dir {
        Some(d) => format!("{d}/{base}"),
        None => base,
    }
}

/// The hash in the output name `file` of the input `key`, if it has one:
/// `file` must be `key` with `.<hex>` of `length` digits put where
/// [`hashed_name`] puts it.
pub fn hash_in_name(key: &str, file: &str, length: usize) -> Option<String> {
    if key == file {
        return None;
    }
    let (dir, base) = key.rsplit_once('/').map_or(("", key), |(d, b)| (d, b));
    let (file_dir, file_base) = file.rsplit_once('/').map_or(("", file), |(d, b)| (d, b));
    if dir != file_dir {
        return None;
    }
    let (stem, ext) = match base.rfind('.') {
        Some(dot) if dot > 0 => base.split_at(dot),
        _ => (base, ""),
    };
    let hash = file_base
        .strip_prefix(stem)?
        .strip_prefix('.')?
        .strip_suffix(ext)?;
    (hash.len() == length && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .then(|| hash.to_string())
}

/// The path of the `width`-pixel variant in format `ext` of the image
/// `rel`, before hashing: `images/hero.jpg` → `images/hero-960w.webp`.
pub fn variant_name(rel: &str, width: u32, ext: &str) -> String {
    let stem = rel.rsplit_once('.').map_or(rel, |(s, _)| s);
    format!("{stem}-{width}w.{ext}")
}

/// The last path segment of a `/`-separated relative path.
pub fn base_name(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap_or(rel)
}

/// How a file names its source map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapComment {
    /// `//# sourceMappingURL=…`
    Js,
    /// `/*# sourceMappingURL=… */`
    Css,
}

impl MapComment {
    /// The comment line naming `map_url`, newline included.
    pub fn line(self, map_url: &str) -> String {
        match self {
            MapComment::Js => format!("//# sourceMappingURL={map_url}\n"),
            MapComment::Css => format!("/*# sourceMappingURL={map_url} */\n"),
        }
    }
}

/// Appends the comment naming the map of the output `rel` (`<rel>.map`,
/// beside it, so the comment names it by its last segment).
pub fn append_map_comment(bytes: &mut Vec<u8>, style: MapComment, rel: &str) {
    bytes.extend_from_slice(style.line(&own_map_url(rel)).as_bytes());
}

/// `bytes` of the output `rel` without a trailing comment naming its own
/// map: what its hash covers.
pub fn without_map_comment<'a>(bytes: &'a [u8], rel: &str) -> &'a [u8] {
    let own = own_map_url(rel);
    for style in [MapComment::Js, MapComment::Css] {
        if let Some(rest) = bytes.strip_suffix(style.line(&own).as_bytes()) {
            return rest;
        }
    }
    bytes
}

/// The URL, relative to the output `rel`, of its map.
fn own_map_url(rel: &str) -> String {
    encode_path(&format!("{}.map", base_name(rel)))
}

/// The hash the files of a reference cycle share: SHA-256 over the members
/// sorted by input path, each as `path NUL length(u64 LE) bytes`, with the
/// hashes of fellow members written as zeros in `bytes`.
pub fn cycle_hash<'a>(members: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> String {
    let mut members: Vec<(&str, &[u8])> = members.into_iter().collect();
    members.sort_by(|a, b| a.0.cmp(b.0));
    let mut h = Sha256::new();
    for (rel, bytes) in members {
        h.update(rel.as_bytes());
        h.update([0]);
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    }
    hex(&h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_get_the_hash_before_the_extension() {
        assert_eq!(hashed_name("css/app.min.css", "h"), "css/app.min.h.css");
        assert_eq!(hashed_name("LICENSE", "h"), "LICENSE.h");
        assert_eq!(hashed_name("a/.htaccess", "h"), "a/.htaccess.h");
    }

    #[test]
    fn default_kept_names() {
        let n = Naming::new(&["legal/*.pdf".into()], 8, "/", None).unwrap();
        for kept in [
            "index.html",
            "a/b/page.htm",
            "robots.txt",
            "sitemap-1.xml",
            ".well-known/security.txt",
            "sw.js",
            "app/site.webmanifest",
            "legal/terms.pdf",
        ] {
            assert!(n.keeps_name(kept), "{kept}");
        }
        for hashed in [
            "css/app.css",
            "img/robots.txt",
            "a/favicon.ico",
            "legal/x/terms.pdf",
        ] {
            assert!(!n.keeps_name(hashed), "{hashed}");
        }
    }

    #[test]
    fn a_hashed_name_reads_back() {
        for rel in ["css/app.min.css", "LICENSE", "a/.htaccess", "x.js"] {
            let name = hashed_name(rel, "0123abcd");
            assert_eq!(
                hash_in_name(rel, &name, 8).as_deref(),
                Some("0123abcd"),
                "{rel}"
            );
            assert_eq!(hash_in_name(rel, &name, 9), None);
        }
        assert_eq!(hash_in_name("a/b.js", "c/b.0123abcd.js", 8), None);
        assert_eq!(hash_in_name("b.js", "b.js", 8), None);
    }

    #[test]
    fn a_map_comment_is_appended_and_taken_off() {
        for style in [MapComment::Js, MapComment::Css] {
            let mut b = b"x".to_vec();
            append_map_comment(&mut b, style, "js/a b.12345678.js");
            assert!(String::from_utf8_lossy(&b).contains("a%20b.12345678.js.map"));
            assert_eq!(without_map_comment(&b, "js/a b.12345678.js"), b"x");
            assert_eq!(without_map_comment(&b, "js/other.js"), &b[..]);
        }
    }

    #[test]
    fn a_map_comment_is_measured_before_hashing() {
        let n = Naming::new(&[], 10, "/", None).unwrap();
        for (style, rel) in [(MapComment::Js, "js/a b.js"), (MapComment::Css, "sw.js")] {
            let out = if n.keeps_name(rel) {
                rel.to_string()
            } else {
                hashed_name(rel, "0123456789")
            };
            let mut b = Vec::new();
            append_map_comment(&mut b, style, &out);
            assert_eq!(n.map_comment_len(style, rel), b.len(), "{rel}");
        }
    }

    #[test]
    fn a_cycle_hash_does_not_depend_on_member_order() {
        let a = cycle_hash([("a.js", &b"1"[..]), ("b.js", &b"2"[..])]);
        assert_eq!(a, cycle_hash([("b.js", &b"2"[..]), ("a.js", &b"1"[..])]));
        assert_ne!(a, cycle_hash([("a.js", &b"2"[..]), ("b.js", &b"1"[..])]));
    }
}
