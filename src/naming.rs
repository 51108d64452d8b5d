//! How files are named, in one place for the build and for `verify`: which
//! files keep their names (`keep_names`, and what the naming rule of
//! `keep.rs` decided), what a hashed name looks like (ours, and the shapes
//! bundlers write: [`bundler_token`]),
//! `stem.<hash>.ext`, and how to read the hash back out of one, how an image
//! variant is named, the comment that names a file's source map (appended
//! after hashing, so it is not covered by the hash), and the digest that the
//! files of a reference cycle share.

use std::collections::HashSet;
use std::sync::OnceLock;

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
    /// `hash` patterns: renamed although the naming rule would keep them.
    hash_anyway: GlobSet,
    /// Files known to keep their names before any transform (besides
    /// `keep`): already hashed by a bundler, or named nowhere.
    up_front: HashSet<String>,
    /// Every file that keeps its name (besides `keep`), once the naming
    /// rule has seen every reference; until then, `up_front` answers.
    decided: OnceLock<HashSet<String>>,
    /// Hex digits of the hash in names (8–64).
    pub hash_length: usize,
    /// Public path of the output root (`/`, `/static/`).
    pub base: String,
    /// Absolute URL of the output root, ending in `/`, when references to
    /// hashed files are written absolute.
    pub public_url: Option<String>,
    /// What joins the hash to the name (`.` or `-`).
    pub separator: char,
}

impl Naming {
    /// A policy keeping the names that match `keep_globs` (the defaults are
    /// always included) and hashing the rest.
    pub fn new(
        keep_globs: &[String],
        hash_globs: &[String],
        hash_length: usize,
        base: &str,
        public_url: Option<&str>,
    ) -> Result<Naming> {
        let defaults: Vec<String> = DEFAULT_KEEP_NAMES.iter().map(|s| s.to_string()).collect();
        Ok(Naming {
            keep: glob_set("keep_names", defaults.iter().chain(keep_globs))?,
            hash_anyway: glob_set("hash", hash_globs.iter())?,
            up_front: HashSet::new(),
            decided: OnceLock::new(),
            hash_length,
            base: base.to_string(),
            public_url: public_url.map(|u| format!("{}/", u.trim_end_matches('/'))),
            separator: '.',
        })
    }

    /// The policy with `separator` joining hashes to names.
    pub fn with_separator(mut self, separator: char) -> Naming {
        self.separator = separator;
        self
    }

    /// Whether the file `rel` keeps its name: by `keep_names`, or by what
    /// the naming rule decided (so far).
    pub fn keeps_name(&self, rel: &str) -> bool {
        self.keep.is_match(rel)
            || match self.decided.get() {
                Some(kept) => kept.contains(rel),
                None => self.up_front.contains(rel),
            }
    }

    /// Whether `rel` matches `keep_names`.
    pub fn kept_by_pattern(&self, rel: &str) -> bool {
        self.keep.is_match(rel)
    }

    /// Whether `rel` can take a hash: its name with `.<hash>` and `.map`
    /// added fits in [`NAME_MAX`].
    pub fn hash_fits(&self, rel: &str) -> bool {
        name_fits(rel, 1 + self.hash_length + ".map".len())
    }

    /// Whether `rel` matches `hash`: renamed whatever the naming rule says.
    pub fn hashed_anyway(&self, rel: &str) -> bool {
        self.hash_anyway.is_match(rel)
    }

    /// Whether the name of `rel` is known for good: it is kept by
    /// `keep_names` or up front, or the naming rule has decided.
    pub fn is_final(&self, rel: &str) -> bool {
        self.decided.get().is_some() || self.keep.is_match(rel) || self.up_front.contains(rel)
    }

    /// The policy with `kept` keeping their names from the start.
    pub fn with_up_front(mut self, kept: HashSet<String>) -> Naming {
        self.up_front = kept;
        self
    }

    /// Settles the names: `kept` (a superset of the files kept up front)
    /// keep theirs, every other file not matching `keep_names` is hashed.
    pub fn decide(&self, kept: HashSet<String>) {
        let _ = self.decided.set(kept);
    }

    /// A digest of which files keep their names as things stand: part of
    /// the cache key of every transform that rewrites references.
    pub fn digest(&self) -> String {
        let kept = self.decided.get().unwrap_or(&self.up_front);
        let mut list: Vec<&str> = kept.iter().map(String::as_str).collect();
        list.sort_unstable();
        crate::digest::sha256_hex(list.join("\0").as_bytes())
    }

    /// The bytes the comment naming its map adds to the output of the input
    /// `rel`, known before its hash is (every hash is as long).
    pub fn map_comment_len(&self, style: MapComment, rel: &str) -> usize {
        let out = if self.keeps_name(rel) {
            rel.to_string()
        } else {
            hashed_name(rel, &"0".repeat(self.hash_length), self.separator)
        };
        style.line(&own_map_url(&out)).len()
    }
}

/// The glob set of `patterns`, for the setting `what`.
fn glob_set<'a>(what: &str, patterns: impl Iterator<Item = &'a String>) -> Result<GlobSet> {
    let mut set = GlobSetBuilder::new();
    for g in patterns {
        let glob = GlobBuilder::new(g)
            .literal_separator(true)
            .build()
            .map_err(|e| Error::Config(format!("{what}: bad glob {g:?}: {e}")))?;
        set.add(glob);
    }
    set.build()
        .map_err(|e| Error::Config(format!("{what}: {e}")))
}

/// The kinds of content hash bundlers put in names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TokenShape {
    /// `.<hex>.` of this many digits (webpack `[contenthash]`, Parcel,
    /// Create React App, Next.js, and assetpress itself):
    /// `main.3f2a9c1b.js`, `408.da5ecd07ff961d53e649.chunk.js`.
    Hex(usize),
    /// `-` and eight base64url characters before the extension (Vite,
    /// Rollup, esbuild): `lazy-C9F6QpFP.js`, `chunk-FYGV23ET.js`.
    Dash8,
    /// `.` and eight base64url characters before the extension (Astro):
    /// `Counter.BIAAitoF.js`.
    Dot8,
}

/// The content hash a bundler wrote into the last segment of `rel`, if it
/// has the shape of one, with that shape. A hex run of 8 to 64 digits needs
/// a digit and a letter; eight base64url characters need a digit, `-`/`_`,
/// or three capitals (so that `app-settings.js` and `app-Settings.js` are
/// not hashes). Whether such a name really is a bundler's is decided with
/// the rest of the build (`keep.rs`).
pub fn bundler_token(rel: &str) -> Option<(&str, TokenShape)> {
    let name = base_name(rel);
    let parts: Vec<&str> = name.split('.').collect();
    // The parts before the extension (and before `.map` after it).
    let end = match parts.as_slice() {
        [.., _, _, "map"] => parts.len() - 2,
        _ => parts.len() - 1,
    };
    if end == 0 || parts[0].is_empty() {
        return None;
    }
    let hex = |p: &str| {
        (8..=64).contains(&p.len())
            && p.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            && p.bytes().any(|b| b.is_ascii_digit())
            && p.bytes().any(|b| b.is_ascii_alphabetic())
    };
    if let Some(p) = parts[..end].iter().find(|p| hex(p)) {
        return Some((p, TokenShape::Hex(p.len())));
    }
    let random = |t: &str| {
        t.len() == 8
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && t.bytes().any(|b| b.is_ascii_alphabetic())
            && (t
                .bytes()
                .any(|b| b.is_ascii_digit() || b == b'-' || b == b'_')
                || t.bytes().filter(u8::is_ascii_uppercase).count() >= 3)
    };
    let stem_len = parts[..end].join(".").len();
    if stem_len > 9 && name.as_bytes()[stem_len - 9] == b'-' {
        let token = &name[stem_len - 8..stem_len];
        if random(token) {
            return Some((token, TokenShape::Dash8));
        }
    }
    if end >= 2 && random(parts[end - 1]) {
        return Some((parts[end - 1], TokenShape::Dot8));
    }
    None
}

/// The longest file name, in bytes, that common file systems allow
/// (`NAME_MAX` of ext4, XFS, APFS, NTFS): names that grow are checked
/// against it before anything is written.
pub const NAME_MAX: usize = 255;

/// Whether the last segment of `rel` with `extra` bytes added fits in
/// [`NAME_MAX`].
pub fn name_fits(rel: &str, extra: usize) -> bool {
    base_name(rel).len() + extra <= NAME_MAX
}

/// `rel` with `hash` put before its extension, joined by `sep` (`.` or
/// `-`): `css/app.css` → `css/app.<hash>.css` (`css/app-<hash>.css`);
/// `LICENSE` → `LICENSE.<hash>`.
pub fn hashed_name(rel: &str, hash: &str, sep: char) -> String {
    let (dir, base) = match rel.rsplit_once('/') {
        Some((d, b)) => (Some(d), b),
        None => (None, rel),
    };
    let base = match base.rfind('.') {
        Some(dot) if dot > 0 => format!("{}{sep}{hash}{}", &base[..dot], &base[dot..]),
        _ => format!("{base}{sep}{hash}"),
    };
    match dir {
        Some(d) => format!("{d}/{base}"),
        None => base,
    }
}

/// The hash in the output name `file` of the input `key`, if it has one:
/// `file` must be `key` with `sep` and hex of `length` digits put where
/// [`hashed_name`] puts them.
pub fn hash_in_name(key: &str, file: &str, length: usize, sep: char) -> Option<String> {
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
        .strip_prefix(sep)?
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

    /// The bundler hash `bundler_token` finds in `rel`.
    #[track_caller]
    fn token_test(rel: &str, expected: Option<(&str, TokenShape)>) {
        assert_eq!(bundler_token(rel), expected, "{rel}");
    }

    #[test]
    fn bundler_hashes_are_recognised_by_their_shape() {
        use TokenShape::*;
        token_test("assets/lazy-C9F6QpFP.js", Some(("C9F6QpFP", Dash8)));
        token_test("assets/index-DcwB1_I0.js", Some(("DcwB1_I0", Dash8)));
        token_test("assets/index-B-x3_aQz.css", Some(("B-x3_aQz", Dash8)));
        token_test("chunk-FYGV23ET.js", Some(("FYGV23ET", Dash8)));
        token_test("app.worker-LBFSOULG.js", Some(("LBFSOULG", Dash8)));
        token_test("x-C9F6QpFP.js.map", Some(("C9F6QpFP", Dash8)));
        token_test("_astro/Counter.BIAAitoF.js", Some(("BIAAitoF", Dot8)));
        token_test(
            "408.da5ecd07ff961d53e649.chunk.js",
            Some(("da5ecd07ff961d53e649", Hex(20))),
        );
        token_test("static/js/main.3f2a9c1b.js", Some(("3f2a9c1b", Hex(8))));
        token_test(
            "photo.bdc19b4e970c07e8dbd6.jpg",
            Some(("bdc19b4e970c07e8dbd6", Hex(20))),
        );
        token_test("js/app-settings.js", None);
        token_test("js/app-Settings.js", None);
        token_test("js/jquery-3.7.1.min.js", None);
        token_test("js/app.settings.js", None);
        token_test("backup-20231215.tar", None);
        token_test("deadbeef.js", None);
        token_test("3f2a9c1b", None);
    }

    #[test]
    fn names_get_the_hash_before_the_extension() {
        assert_eq!(
            hashed_name("css/app.min.css", "h", '.'),
            "css/app.min.h.css"
        );
        assert_eq!(
            hashed_name("css/app.min.css", "h", '-'),
            "css/app.min-h.css"
        );
        assert_eq!(hashed_name("LICENSE", "h", '.'), "LICENSE.h");
        assert_eq!(hashed_name("a/.htaccess", "h", '.'), "a/.htaccess.h");
    }

    #[test]
    fn default_kept_names() {
        let n = Naming::new(&["legal/*.pdf".into()], &[], 8, "/", None).unwrap();
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
            let name = hashed_name(rel, "0123abcd", '.');
            assert_eq!(
                hash_in_name(rel, &name, 8, '.').as_deref(),
                Some("0123abcd"),
                "{rel}"
            );
            assert_eq!(hash_in_name(rel, &name, 9, '.'), None);
            assert_eq!(hash_in_name(rel, &name, 8, '-'), None);
        }
        assert_eq!(hash_in_name("a/b.js", "c/b.0123abcd.js", 8, '.'), None);
        assert_eq!(
            hash_in_name("a/b.js", "a/b-0123abcd.js", 8, '-').as_deref(),
            Some("0123abcd")
        );
        assert_eq!(hash_in_name("b.js", "b.js", 8, '.'), None);
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
        let n = Naming::new(&[], &[], 10, "/", None).unwrap();
        for (style, rel) in [(MapComment::Js, "js/a b.js"), (MapComment::Css, "sw.js")] {
            let out = if n.keeps_name(rel) {
                rel.to_string()
            } else {
                hashed_name(rel, "0123456789", '.')
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
