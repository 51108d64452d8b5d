//! The naming rule: a file gets a content-hashed name only when every
//! mention of its name is a reference assetpress rewrites, and something
//! loads it. Decided in two steps:
//!
//! - **Up front**, before any transform ([`up_front`]): files matching
//!   `keep_names`, names a bundler already hashed, and files whose name is
//!   written nowhere keep their names; the others are renamed for now.
//! - **After the transforms** ([`after_transform`]): each file's mentions
//!   (`mentions.rs`) are matched with the references its transform parsed,
//!   in text order. A mention no reference accounts for keeps the name it
//!   may be (a string in a script, a JSON file, a sitemap). A file reached
//!   only by links and frames, or by nothing, keeps its name too: its URL
//!   is public.
//!
//! `hash` patterns rename a file whatever the rule says (but never one that
//! matches `keep_names`).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Serialize;

use crate::asset::{Located, Reference, SourceFile};
use crate::config::Config;
use crate::error::{Diagnostic, Loc, Result};
use crate::id::FileId;
use crate::mentions::{self, Mention, Mentions};
use crate::naming::{bundler_token, Naming, TokenShape};
use crate::resolve::percent_decode;
use crate::rewrite;
use crate::transform::Transformed;

/// The naming rule of one run: the policy (which `Rewriter` and the hash
/// stage ask), where every name is written, and what was decided up front.
pub struct Rule {
    /// The policy: `keep_names`, `hash`, and the decisions so far.
    pub naming: Naming,
    mentions: Mentions,
    follows: Vec<Option<FileId>>,
    up_front: Vec<Option<Kept>>,
}

/// What the rule decided once every reference was known.
pub struct Decided {
    /// Why each file keeps its name (`None`: it is renamed).
    pub kept: Vec<Option<Kept>>,
    /// The files it kept after the transforms, and the source maps that
    /// follow them: a file that wrote a placeholder for one of these is
    /// transformed again.
    pub now_kept: Vec<bool>,
    /// Where a file `hash` renames is named outside a reference.
    pub warnings: Vec<Diagnostic>,
}

impl Rule {
    /// The rule for `files` under `config`, with what needs no transform
    /// decided: the mentions are found here.
    pub fn new(config: &Config, files: &[SourceFile]) -> Result<Rule> {
        let naming = Naming::new(
            &config.keep_names,
            &config.hash,
            config.hash_length,
            &config.base,
            config.public_url.as_deref(),
        )?
        .with_separator(config.hash_separator.char());
        let follows = rewrite::follows(files);
        let bundled = bundled(files);
        let look_for = candidates(files, &naming, &follows, &bundled);
        let mentions = mentions::find(files, &|i| look_for[i.index()], config.limits.max_text_size);
        let up_front = up_front(files, &naming, &follows, &bundled, &mentions);
        Ok(Rule {
            naming: naming.with_up_front(kept_names(files, &up_front)),
            mentions,
            follows,
            up_front,
        })
    }

    /// Decides every name from the transforms' `results`, and settles the
    /// policy.
    pub fn decide(&self, files: &[SourceFile], results: &[Transformed]) -> Decided {
        let references: Vec<&[Reference]> =
            results.iter().map(|r| r.references.as_slice()).collect();
        let mut kept = self.up_front.clone();
        let warnings = after_transform(
            files,
            &self.naming,
            &self.mentions,
            &self.follows,
            &references,
            &mut kept,
        );
        self.naming.decide(kept_names(files, &kept));
        let now_kept = (0..files.len())
            .map(|i| {
                let owner = self.follows[i].map_or(i, FileId::index);
                self.up_front[owner].is_none() && kept[owner].is_some()
            })
            .collect();
        Decided {
            kept,
            now_kept,
            warnings,
        }
    }

    /// The files whose names a bundler hashed, and their source maps: they
    /// are served as hashed names (immutable).
    pub fn bundler_hashed<'f>(
        &self,
        files: &'f [SourceFile],
        kept: &[Option<Kept>],
    ) -> BTreeSet<&'f str> {
        files
            .iter()
            .enumerate()
            .filter(|&(i, _)| {
                let owner = self.follows[i].map_or(i, FileId::index);
                kept[owner] == Some(Kept::BundlerHash)
            })
            .map(|(_, f)| f.rel.as_str())
            .collect()
    }
}

/// The files that keep their names by the decisions `kept`.
fn kept_names(files: &[SourceFile], kept: &[Option<Kept>]) -> HashSet<String> {
    files
        .iter()
        .zip(kept)
        .filter(|(_, k)| k.is_some())
        .map(|(f, _)| f.rel.clone())
        .collect()
}

/// Why a file keeps its name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Kept {
    /// It matches `keep_names` (pages, `robots.txt`, service workers, …, and
    /// the patterns given): its URL is public.
    KeepNames,
    /// A bundler already put a content hash in its name.
    BundlerHash,
    /// Its name with a hash and `.map` added would be longer than a file
    /// name may be (255 bytes).
    NameTooLong,
    /// Nothing loads it or names it.
    Unreferenced,
    /// Only links and frames lead to it (`<a href>`, `<iframe src>`): its
    /// URL is public.
    Navigation {
        /// Where the first link is, `path:line:col`.
        at: String,
    },
    /// Its name is written where assetpress rewrites nothing (a string in a
    /// script, a JSON or XML file, an inline script, a comment).
    Mentioned {
        /// Where, `path:line:col`.
        at: String,
    },
}

impl Kept {
    /// The reason in a few words, for the table.
    pub fn label(&self) -> &'static str {
        match self {
            Kept::KeepNames => "keep_names",
            Kept::BundlerHash => "already hashed by a bundler",
            Kept::NameTooLong => "name too long to add a hash",
            Kept::Unreferenced => "loaded by nothing",
            Kept::Navigation { .. } => "reached by links only",
            Kept::Mentioned { .. } => "named outside a reference",
        }
    }
}

/// How far after a reference's location the name it accounts for may be
/// written: a page's references are located at their tag, whose
/// attributes may span lines.
const SAME_TAG_LINES: u32 = 64;

/// The decisions that need no transform: `keep_names`, bundler hashes
/// (shape, and at least two names of that shape in the build, or hex),
/// names written nowhere. `None`: renamed, for now. Source maps that
/// follow their code file get `None` (they follow it).
fn up_front(
    files: &[SourceFile],
    naming: &Naming,
    follows: &[Option<FileId>],
    bundled: &[bool],
    mentions: &Mentions,
) -> Vec<Option<Kept>> {
    files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            if follows[i].is_some() {
                None
            } else if naming.kept_by_pattern(&f.rel) {
                Some(Kept::KeepNames)
            } else if !naming.hash_fits(&f.rel) {
                Some(Kept::NameTooLong)
            } else if naming.hashed_anyway(&f.rel) {
                None
            } else if bundled[i] {
                Some(Kept::BundlerHash)
            } else if !mentions.mentioned[i] {
                Some(Kept::Unreferenced)
            } else {
                None
            }
        })
        .collect()
}

/// Which files carry a bundler's content hash: a hex hash, or a base64url
/// one whose shape at least one other file of the build shares.
fn bundled(files: &[SourceFile]) -> Vec<bool> {
    let shapes: Vec<Option<TokenShape>> = files
        .iter()
        .map(|f| bundler_token(&f.rel).map(|(_, s)| s))
        .collect();
    let mut count: HashMap<TokenShape, usize> = HashMap::new();
    for s in shapes.iter().flatten() {
        *count.entry(*s).or_default() += 1;
    }
    shapes
        .iter()
        .map(|s| match s {
            Some(TokenShape::Hex(_)) => true,
            Some(s) => count[s] >= 2,
            None => false,
        })
        .collect()
}

/// The files to look for the names of: all but those decided up front
/// without the scan (`keep_names`, bundler hashes, source maps). Files
/// `hash` renames are looked for, to warn where their names stay.
fn candidates(
    files: &[SourceFile],
    naming: &Naming,
    follows: &[Option<FileId>],
    bundled: &[bool],
) -> Vec<bool> {
    files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            follows[i].is_none()
                && !naming.kept_by_pattern(&f.rel)
                && naming.hash_fits(&f.rel)
                && (naming.hashed_anyway(&f.rel) || !bundled[i])
        })
        .collect()
}

/// What the references of one file account for.
#[derive(Default)]
struct Reached {
    /// Loaded by a reference that is not a link.
    loaded: bool,
    /// The first link to it, `path:line:col`.
    linked: Option<String>,
}

/// Completes `kept` (from [`up_front`]) once every file's references are
/// known (`references[i]` of file `i`). Returns a warning for each file
/// `hash` renames whose name is written where it is not rewritten.
fn after_transform(
    files: &[SourceFile],
    naming: &Naming,
    mentions: &Mentions,
    follows: &[Option<FileId>],
    references: &[&[Reference]],
    kept: &mut [Option<Kept>],
) -> Vec<Diagnostic> {
    // Still to decide: not decided up front (`keep_names`, bundler
    // hashes, names written nowhere), not a source map that follows its
    // file, not renamed by `hash`.
    let open = |i: usize, kept: &[Option<Kept>]| {
        kept[i].is_none() && follows[i].is_none() && !naming.hashed_anyway(&files[i].rel)
    };
    let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, f) in files.iter().enumerate() {
        by_name
            .entry(f.rel.rsplit('/').next().unwrap_or(&f.rel))
            .or_default()
            .push(i);
    }
    let mut reached: Vec<Reached> = files.iter().map(|_| Reached::default()).collect();
    // Where each file's name is first written outside a reference.
    let mut mentioned_at: Vec<Option<(usize, Loc)>> = vec![None; files.len()];
    for (from, file) in files.iter().enumerate() {
        let found = mentions.of(FileId::new(from));
        let mut claimed = vec![false; found.len()];
        let mut refs: Vec<&Reference> = references[from].iter().collect();
        refs.sort_by_key(|r| (r.loc.line, r.loc.col));
        for r in refs {
            if let Located::File(to) = &r.to {
                let at = || format!("{}:{}:{}", file.rel, r.loc.line, r.loc.col);
                let to = to.index();
                if r.navigation {
                    reached[to].linked.get_or_insert_with(at);
                } else if !file.rel.ends_with(".map") {
                    reached[to].loaded = true;
                }
            }
            // The first unclaimed mention of its name at or after it. Only
            // a reference to a file of the input is rewritten: one leading
            // elsewhere (another host, a missing file) explains nothing.
            if !matches!(r.to, Located::File(_)) {
                continue;
            }
            let name = url_name(&r.url);
            // Mentions of a file too large to locate them in (line 0) may
            // be any reference's.
            let unlocated = found.partition_point(|m| m.loc.line == 0);
            let start =
                found.partition_point(|m| (m.loc.line, m.loc.col) < (r.loc.line, r.loc.col));
            let claim = (0..unlocated)
                .chain(
                    (start.max(unlocated)..found.len())
                        .take_while(|&k| within_reach(r.loc, found[k].loc)),
                )
                .find(|&k| !claimed[k] && mentions.name(found[k].name) == name);
            if let Some(k) = claim {
                claimed[k] = true;
            }
        }
        for (m, _) in found.iter().zip(&claimed).filter(|(_, &c)| !c) {
            for &i in by_name.get(mentions.name(m.name)).into_iter().flatten() {
                if mentioned_at[i].is_none() && m.may_name(&files[i].rel) {
                    mentioned_at[i] = Some((from, m.loc));
                }
            }
        }
    }
    let at = |(from, loc): (usize, Loc)| Mention::at_loc(&files[from].rel, loc);
    let mut warnings = Vec::new();
    for i in 0..files.len() {
        let rel = &files[i].rel;
        if naming.hashed_anyway(rel) && !naming.kept_by_pattern(rel) {
            if let Some((from, loc)) = mentioned_at[i] {
                warnings.push(Diagnostic::warning(
                    &files[from].rel,
                    (loc.line > 0).then_some(loc),
                    format!("names {rel}, which --hash renames: this mention is not rewritten"),
                ));
            }
        }
        if !open(i, kept) {
            continue;
        }
        kept[i] = if let Some(place) = mentioned_at[i].take() {
            Some(Kept::Mentioned { at: at(place) })
        } else if reached[i].loaded {
            None
        } else if let Some(at) = reached[i].linked.take() {
            Some(Kept::Navigation { at })
        } else {
            Some(Kept::Unreferenced)
        };
    }
    warnings
}

/// Whether the mention at `m` may be the URL of the reference at `r`: at or
/// after it, on its line or a few lines on (a tag's attributes).
fn within_reach(r: Loc, m: Loc) -> bool {
    (m.line == r.line && m.col >= r.col) || (m.line > r.line && m.line - r.line <= SAME_TAG_LINES)
}

/// The last path segment of `url`, decoded, without query or fragment.
fn url_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    percent_decode(path.rsplit('/').next().unwrap_or(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_names_its_last_segment() {
        assert_eq!(url_name("../a/b%20c.png?x#y"), "b c.png");
        assert_eq!(url_name("app.js"), "app.js");
    }

    #[test]
    fn a_mention_follows_its_reference_on_its_line_or_a_few_after() {
        let l = |line, col| Loc { line, col };
        assert!(within_reach(l(3, 5), l(3, 5)));
        assert!(within_reach(l(3, 5), l(3, 90)));
        assert!(within_reach(l(3, 5), l(5, 1)));
        assert!(!within_reach(l(3, 5), l(3, 4)));
        assert!(!within_reach(l(3, 5), l(2, 9)));
        assert!(!within_reach(l(3, 5), l(300, 1)));
    }
}
