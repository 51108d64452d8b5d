//! Size budgets (`[[budget]]` in `assetpress.toml`), shaped like
//! size-limit's: which files (globs over their input names, `!` to leave
//! some out, or a kind), how compressed, and the most bytes and files
//! allowed. Budgets key on input names, so two branches compare without
//! normalising hashes.

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use super::ByteSize;
use crate::asset::AssetKind;
use crate::error::{Error, Result};

/// How a budget measures a file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// Brotli at quality 11, as the `.br` copies.
    #[default]
    Brotli,
    /// gzip at level 9, as the `.gz` copies.
    Gzip,
    /// The file's own size.
    None,
}

/// One glob or a list of them.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Paths {
    /// No globs.
    #[default]
    None,
    /// One glob.
    One(String),
    /// Several; those starting with `!` exclude.
    Many(Vec<String>),
}

/// One `[[budget]]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// What the report calls it. Default: its globs, or its kind.
    pub name: Option<String>,
    /// Globs over input paths; `!glob` leaves files out.
    #[serde(default)]
    pub path: Paths,
    /// Only files of this kind (`js`, `css`, `image`, …): a per-kind total.
    pub kind: Option<String>,
    /// The most bytes the files may take together: `"170 kB"`.
    pub limit: Option<ByteSize>,
    /// How they are measured. Default: brotli.
    #[serde(default)]
    pub compression: Compression,
    /// The most files it may match.
    pub count: Option<usize>,
}

/// A budget ready to match paths.
#[derive(Debug, Clone)]
pub struct Matcher {
    include: Option<GlobSet>,
    exclude: GlobSet,
    kind: Option<String>,
}

impl Matcher {
    /// Whether the input path `path` of kind `kind` counts towards it.
    pub fn matches(&self, path: &str, kind: &str) -> bool {
        self.include.as_ref().is_none_or(|g| g.is_match(path))
            && !self.exclude.is_match(path)
            && self.kind.as_deref().is_none_or(|k| k == kind)
    }
}

impl Budget {
    /// Its globs, as written.
    pub fn globs(&self) -> Vec<&str> {
        match &self.path {
            Paths::None => Vec::new(),
            Paths::One(g) => vec![g.as_str()],
            Paths::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }

    /// Its name in the report.
    pub fn label(&self) -> String {
        if let Some(n) = &self.name {
            return n.clone();
        }
        let globs = self.globs().join(", ");
        match (&self.kind, globs.is_empty()) {
            (Some(k), true) => format!("all {k}"),
            (Some(k), false) => format!("{globs} ({k})"),
            (None, _) => globs,
        }
    }

    /// Checks it and compiles its globs.
    pub fn matcher(&self) -> Result<Matcher> {
        let bad = |m: String| Error::Config(format!("[[budget]] {:?}: {m}", self.label()));
        if self.globs().is_empty() && self.kind.is_none() {
            return Err(bad("give path (globs over input names) or kind".into()));
        }
        if self.limit.is_none() && self.count.is_none() {
            return Err(bad("give limit (\"170 kB\") or count".into()));
        }
        if let Some(k) = &self.kind {
            let kinds = AssetKind::ALL.map(AssetKind::label);
            if !kinds.contains(&k.as_str()) {
                return Err(bad(format!("kind {k:?}: give one of {}", kinds.join(", "))));
            }
        }
        let (mut include, mut exclude) = (GlobSetBuilder::new(), GlobSetBuilder::new());
        let mut includes = 0;
        for g in self.globs() {
            let (set, glob) = match g.strip_prefix('!') {
                Some(rest) => (&mut exclude, rest),
                None => {
                    includes += 1;
                    (&mut include, g)
                }
            };
            set.add(Glob::new(glob).map_err(|e| bad(format!("{g:?}: {e}")))?);
        }
        let build = |b: GlobSetBuilder| b.build().map_err(|e| bad(e.to_string()));
        Ok(Matcher {
            include: if includes > 0 {
                Some(build(include)?)
            } else {
                None
            },
            exclude: build(exclude)?,
            kind: self.kind.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(toml_text: &str) -> Budget {
        toml::from_str(toml_text).unwrap()
    }

    fn matches_test(toml_text: &str, path: &str, kind: &str, expected: bool) {
        let m = budget(toml_text).matcher().unwrap();
        assert_eq!(m.matches(path, kind), expected, "{toml_text} / {path}");
    }

    #[test]
    fn globs_and_exclusions_and_kinds_select_files() {
        let js = "path = [\"js/**/*.js\", \"!js/legacy/**\"]\nlimit = \"170 kB\"";
        matches_test(js, "js/app.js", "js", true);
        matches_test(js, "js/legacy/old.js", "js", false);
        matches_test(js, "css/a.css", "css", false);
        matches_test("kind = \"css\"\nlimit = 1000", "a/b.css", "css", true);
        matches_test("kind = \"css\"\nlimit = 1000", "a/b.js", "js", false);
        matches_test("path = \"!*.map\"\ncount = 3", "a.js", "js", true);
    }

    #[test]
    fn a_budget_needs_files_and_a_limit() {
        assert!(budget("limit = 10").matcher().is_err());
        assert!(budget("path = \"*.js\"").matcher().is_err());
        assert!(budget("kind = \"jss\"\nlimit = 1").matcher().is_err());
        assert_eq!(
            budget("path = \"*.js\"\nlimit = \"170 kB\"").limit,
            Some(ByteSize(170 * 1024))
        );
    }
}
