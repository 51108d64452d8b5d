//! How references are rewritten: which files get a content hash in their name
//! (all but those whose URL is a public contract, `keep_names`), what a hashed
//! name looks like (`stem.<hash>.ext`), and the new text of a URL that points
//! at a hashed file — written the way the author wrote it (relative stays
//! relative, escapes stay escapes, `?query#fragment` kept), with a
//! [`placeholder`] where the hash goes, or absolute under `--public-url`.

use std::collections::BTreeSet;

use crate::asset::{AssetKind, Load, Located, Reference, SourceFile};
use crate::error::Loc;
use crate::id::{FileId, Node};
use crate::naming::{hashed_name, Naming};
use crate::placeholder::{self, Style};
use crate::resolve::{encode_path, percent_decode, resolve, Target};

/// A reference's new text, and the file it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewritten {
    /// The URL to write instead (a placeholder where the hash goes).
    pub text: String,
    /// The referenced (hashed) file.
    pub target: FileId,
}

/// Rewrites URLs written in one run's files.
pub struct Rewriter<'a> {
    files: &'a [SourceFile],
    names: &'a BTreeSet<String>,
    naming: &'a Naming,
    follows: Vec<Option<FileId>>,
}

/// For each file, the file whose name it follows: `x.js.map` beside `x.js`
/// (or `x.css`) is named after it (`x.3f2a9c1b.js.map`), not hashed itself.
pub fn follows(files: &[SourceFile]) -> Vec<Option<FileId>> {
    files
        .iter()
        .map(|f| {
            let owner = f.rel.strip_suffix(".map")?;
            if f.kind != AssetKind::SourceMap {
                return None;
            }
            let i = files.binary_search_by(|g| g.rel.as_str().cmp(owner)).ok()?;
            matches!(files[i].kind, AssetKind::Js | AssetKind::Css).then_some(FileId::new(i))
        })
        .collect()
}

impl<'a> Rewriter<'a> {
    /// A rewriter over the run's `files` (sorted by path), their `names`, and its `naming`.
    pub fn new(
        files: &'a [SourceFile],
        names: &'a BTreeSet<String>,
        naming: &'a Naming,
    ) -> Rewriter<'a> {
        Rewriter {
            files,
            names,
            naming,
            follows: follows(files),
        }
    }

    /// The file whose name the file `id` follows (a source map's code file).
    pub fn follows(&self, id: FileId) -> Option<FileId> {
        self.follows.get(id.index()).copied().flatten()
    }

    /// The naming policy.
    pub fn naming(&self) -> &Naming {
        self.naming
    }

    /// The path of the file `id`.
    pub fn rel(&self, id: FileId) -> &str {
        &self.files[id].rel
    }

    /// The file `rel`.
    pub fn id(&self, rel: &str) -> Option<FileId> {
        self.files
            .binary_search_by(|f| f.rel.as_str().cmp(rel))
            .ok()
            .map(FileId::new)
    }

    /// Where `url`, written in a file resolving from `from`, leads.
    pub fn resolve(&self, from: &str, url: &str) -> Target {
        resolve(from, url, &self.naming.base, self.names)
    }

    /// The input file `url` (written in a file resolving from `from`) names.
    pub fn file(&self, from: &str, url: &str) -> Option<FileId> {
        match self.resolve(from, url) {
            Target::Asset { rel, .. } => self.id(&rel),
            _ => None,
        }
    }

    /// A reference found at `loc` of a file resolving from `from`, with
    /// where it leads: the one place a reference is resolved.
    pub fn reference(&self, from: &str, url: String, loc: Loc, load: Load) -> Reference {
        let to = match self.resolve(from, &url) {
            Target::Asset { rel, .. } => self.id(&rel).map_or(Located::Elsewhere, Located::File),
            Target::Missing(path) => Located::Missing(path),
            Target::OutsideRoot => Located::OutsideRoot,
            Target::External | Target::SameDocument | Target::Folder(_) => Located::Elsewhere,
        };
        Reference {
            url,
            loc,
            from: from.to_string(),
            load,
            navigation: false,
            to,
        }
    }

    /// The new text for `url` (as written, escapes of the host language
    /// decoded) when it points at a file whose name will be hashed; `None`
    /// when it stays as written.
    /// `style` is the placeholder style of the file it is written in.
    pub fn rewrite(&self, from: &str, url: &str, style: Style) -> Option<Rewritten> {
        self.rewrite_as(from, url, style, self.naming.public_url.as_deref())
    }

    /// As [`Rewriter::rewrite`], but always in the shape `url` is written
    /// in, even with `--public-url`: for URLs that code adds a base of its
    /// own to (a bundler's preload list).
    pub fn rewrite_in_shape(&self, from: &str, url: &str, style: Style) -> Option<Rewritten> {
        self.rewrite_as(from, url, style, None)
    }

    /// The new text for `url`, absolute under `public` if given.
    fn rewrite_as(
        &self,
        from: &str,
        url: &str,
        style: Style,
        public: Option<&str>,
    ) -> Option<Rewritten> {
        let Target::Asset { rel, suffix } = self.resolve(from, url) else {
            return None;
        };
        let target = self.id(&rel)?;
        if let Some(owner) = self.follows(target) {
            return self.rewrite_map_url(url, &suffix, owner, style, public);
        }
        if self.naming.keeps_name(&rel) {
            return None;
        }
        let ph = placeholder::make(target.into(), self.naming.hash_length, style);
        let sep = self.naming.separator;
        let text = match public {
            Some(public) => format!("{public}{}{suffix}", encode_hashed(&rel, &ph, sep)),
            None => {
                let url = url.trim_matches(|c: char| c.is_ascii_whitespace());
                let path = &url[..url.len() - suffix.len()];
                format!("{}{suffix}", insert_hash(path, &rel, &ph, sep))
            }
        };
        Some(Rewritten { text, target })
    }
}

impl Rewriter<'_> {
    /// The URL of an image variant (`images/hero-960w.webp`, the node
    /// `variant`) written the way the page wrote the image's `url`: in the
    /// same folder, or under `--public-url`.
    pub fn variant_url(&self, url: &str, variant_rel: &str, variant: Node, style: Style) -> String {
        let ph = placeholder::make(variant, self.naming.hash_length, style);
        let sep = self.naming.separator;
        match &self.naming.public_url {
            Some(public) => format!("{public}{}", encode_hashed(variant_rel, &ph, sep)),
            None => {
                let url = url.trim_matches(|c: char| c.is_ascii_whitespace());
                let path = url.split(['?', '#']).next().unwrap_or(url);
                let dir = path.rfind('/').map_or("", |i| &path[..=i]);
                let base = variant_rel.rsplit('/').next().unwrap_or(variant_rel);
                // A srcset candidate ends at a space.
                format!(
                    "{}{}",
                    dir.replace(' ', "%20"),
                    encode_hashed(base, &ph, sep)
                )
            }
        }
    }

    /// A URL of the source map that follows the file `owner`: it becomes
    /// `<owner's hashed name>.map`.
    fn rewrite_map_url(
        &self,
        url: &str,
        suffix: &str,
        owner: FileId,
        style: Style,
        public: Option<&str>,
    ) -> Option<Rewritten> {
        let owner_rel = &self.files[owner].rel;
        if self.naming.keeps_name(owner_rel) {
            return None;
        }
        let ph = placeholder::make(owner.into(), self.naming.hash_length, style);
        let mapped = format!(
            "{}.map",
            encode_hashed(owner_rel, &ph, self.naming.separator)
        );
        let text = match public {
            Some(public) => format!("{public}{mapped}{suffix}"),
            None => {
                let url = url.trim_matches(|c: char| c.is_ascii_whitespace());
                let path = &url[..url.len() - suffix.len()];
                let dir = path.rfind('/').map_or("", |i| &path[..=i]);
                let base = mapped.rsplit('/').next().unwrap_or(&mapped);
                format!("{dir}{base}{suffix}")
            }
        };
        Some(Rewritten {
            text,
            target: owner,
        })
    }
}

/// The written `path` (which resolved to `rel`) with `hash` inserted into
/// its last segment as [`hashed_name`] does, keeping how it was written.
fn insert_hash(path: &str, rel: &str, hash: &str, sep: char) -> String {
    let (dir, seg) = match path.rfind('/') {
        Some(i) => path.split_at(i + 1),
        None => ("", path),
    };
    let base = rel.rsplit('/').next().unwrap_or(rel);
    let wanted_ext = base.rfind('.').filter(|&d| d > 0).map(|d| &base[d..]);
    let written = match (wanted_ext, seg.rfind('.')) {
        (Some(ext), Some(dot)) if dot > 0 && percent_decode(&seg[dot..]) == ext => {
            Some(format!("{}{sep}{hash}{}", &seg[..dot], &seg[dot..]))
        }
        (None, _) if percent_decode(seg) == base => Some(format!("{seg}{sep}{hash}")),
        _ => None,
    };
    let seg = written.unwrap_or_else(|| encode_hashed(base, hash, sep));
    format!("{dir}{seg}")
}

/// `rel` with `hash` (a placeholder) put in, percent-encoded as a URL path;
/// the placeholder itself is not encoded.
fn encode_hashed(rel: &str, hash: &str, sep: char) -> String {
    encode_path(&hashed_name(rel, "\0", sep)).replace("%00", hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(names: &[&str]) -> Vec<SourceFile> {
        let mut v: Vec<SourceFile> = names
            .iter()
            .map(|n| SourceFile {
                rel: n.to_string(),
                abs: n.into(),
                size: 0,
                kind: AssetKind::of(n).0,
                js_flavor: None,
            })
            .collect();
        v.sort_by(|a, b| a.rel.cmp(&b.rel));
        v
    }

    #[track_caller]
    fn test(naming: &Naming, from: &str, url: &str, expected: Option<&str>) {
        test_as(naming, from, url, expected, false);
    }

    /// As [`test`], with [`Rewriter::rewrite_in_shape`].
    #[track_caller]
    fn in_shape_test(naming: &Naming, from: &str, url: &str, expected: Option<&str>) {
        test_as(naming, from, url, expected, true);
    }

    #[track_caller]
    fn test_as(naming: &Naming, from: &str, url: &str, expected: Option<&str>, in_shape: bool) {
        let f = files(&[
            "index.html",
            "css/app.css",
            "fonts/fa.eot",
            "img/my photo.jpg",
            "img/café.png",
            "LICENSE",
            "js/app.js",
            "js/myapp.js",
            "site.webmanifest",
        ]);
        let names = f.iter().map(|f| f.rel.clone()).collect();
        let r = Rewriter::new(&f, &names, naming);
        let got = match in_shape {
            true => r.rewrite_in_shape(from, url, Style::default()),
            false => r.rewrite(from, url, Style::default()),
        };
        let got = got.map(|r| {
            let ph = placeholder::make(r.target.into(), naming.hash_length, Style::default());
            r.text.replace(&ph, "HASH")
        });
        assert_eq!(got.as_deref(), expected, "{url} from {from}");
    }

    fn naming() -> Naming {
        Naming::new(&[], &[], 8, "/", None).unwrap()
    }

    #[test]
    fn urls_keep_their_written_shape() {
        let n = naming();
        test(
            &n,
            "css/app.css",
            "../fonts/fa.eot?#iefix",
            Some("../fonts/fa.HASH.eot?#iefix"),
        );
        test(&n, "index.html", "/css/app.css", Some("/css/app.HASH.css"));
        test(&n, "index.html", "./js/app.js", Some("./js/app.HASH.js"));
        test(&n, "index.html", "js/myapp.js", Some("js/myapp.HASH.js"));
        test(
            &n,
            "index.html",
            "img/my%20photo.jpg",
            Some("img/my%20photo.HASH.jpg"),
        );
        test(&n, "index.html", "img/café.png", Some("img/café.HASH.png"));
        test(
            &n,
            "index.html",
            "img/caf%C3%A9.png",
            Some("img/caf%C3%A9.HASH.png"),
        );
        test(&n, "index.html", "LICENSE", Some("LICENSE.HASH"));
        test(
            &n,
            "index.html",
            "img/my photo.jpg",
            Some("img/my photo.HASH.jpg"),
        );
    }

    #[test]
    fn kept_names_and_non_assets_stay() {
        let n = naming();
        test(&n, "js/app.js", "../index.html", None);
        test(&n, "index.html", "site.webmanifest", None);
        test(&n, "index.html", "https://cdn.test/app.js", None);
        test(&n, "index.html", "missing.js", None);
        test(&n, "index.html", "#top", None);
    }

    #[test]
    fn public_url_makes_absolute_urls() {
        let n = Naming::new(&[], &[], 8, "/", Some("https://cdn.test/assets")).unwrap();
        test(
            &n,
            "css/app.css",
            "../img/my photo.jpg#x",
            Some("https://cdn.test/assets/img/my%20photo.HASH.jpg#x"),
        );
    }

    #[test]
    fn in_shape_stays_relative_under_a_public_url() {
        let n = Naming::new(&[], &[], 8, "/", Some("https://cdn.test/assets")).unwrap();
        in_shape_test(&n, "", "js/app.js", Some("js/app.HASH.js"));
        in_shape_test(&n, "", "css/app.css?v=2", Some("css/app.HASH.css?v=2"));
        in_shape_test(&n, "", "index.html", None);
        test(
            &n,
            "",
            "js/app.js",
            Some("https://cdn.test/assets/js/app.HASH.js"),
        );
    }
}
