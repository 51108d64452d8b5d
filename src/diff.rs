//! `assetpress diff OLD NEW`: what was added, removed and renamed between
//! two builds, and why each file was renamed: its own bytes changed, or it
//! names a file that was renamed — followed down to the files whose bytes
//! changed (`vendor/all.min.css ← webfonts/fa-solid-900.woff2 (bytes changed)`).
//! It reads only the two manifests: each entry's references and its
//! `content` digest (its bytes with the names it holds blanked) tell the
//! two causes apart.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use crate::asset::kind_of;
use crate::emit::manifest::{self, Entry, Manifest};
use crate::error::Result;

/// Chains listed per renamed file; the rest are counted.
const MAX_CHAINS: usize = 8;

/// The difference between two manifests.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Diff {
    /// Input paths only the new manifest has, with their output names.
    pub added: Vec<Named>,
    /// Input paths only the old manifest has.
    pub removed: Vec<Named>,
    /// Files whose output name changed, with why.
    pub renamed: Vec<Rename>,
    /// Files that kept their names but whose bytes changed.
    pub changed: Vec<String>,
    /// Files with the same name and bytes.
    pub unchanged: usize,
    /// A setting that renames every hashed file (hash length or separator).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings: Option<String>,
    /// Size change per file present in both or either (new − old, bytes),
    /// largest change first.
    pub deltas: Vec<Delta>,
    /// Size change per kind (`js`, `css`, `image`...).
    pub kinds: BTreeMap<String, KindDelta>,
}

/// An input path and its output name.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Named {
    /// Input path.
    pub path: String,
    /// Output path.
    pub file: String,
}

/// One renamed file.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Rename {
    /// Input path.
    pub path: String,
    /// Old output path.
    pub old: String,
    /// New output path.
    pub new: String,
    /// Why, in a few words: `bytes changed`, `names renamed files`, …
    pub reason: String,
    /// For a file renamed for what it names: each chain of references down
    /// to a file whose bytes changed (or that is new), the file itself first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub chains: Vec<Vec<String>>,
    /// Chains not listed.
    #[serde(skip_serializing_if = "is_zero")]
    pub more_chains: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One file's size change.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Delta {
    /// Input path.
    pub path: String,
    /// Kind.
    pub kind: String,
    /// Old size (0 when added).
    pub old: u64,
    /// New size (0 when removed).
    pub new: u64,
    /// New − old.
    pub delta: i64,
}

/// One kind's size change.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct KindDelta {
    /// Old total.
    pub old: u64,
    /// New total.
    pub new: u64,
    /// New − old.
    pub delta: i64,
}

/// Diffs two manifest files.
pub fn diff_files(old: &Path, new: &Path) -> Result<Diff> {
    let (old, _) = manifest::read(old)?;
    let (new, _) = manifest::read(new)?;
    Ok(diff(&old, &new))
}

/// Whether a file's own bytes differ between the two entries.
fn own_bytes_changed(old: &Entry, new: &Entry) -> bool {
    match (&old.content, &new.content) {
        (Some(a), Some(b)) => a != b,
        (None, None) => old.integrity != new.integrity,
        // It gained or lost its references: its text changed.
        _ => true,
    }
}

/// Diffs `old` against `new`.
pub fn diff(old: &Manifest, new: &Manifest) -> Diff {
    let settings = if (old.hash_length, old.hash_separator) != (new.hash_length, new.hash_separator)
    {
        Some(format!(
            "hash names changed shape ({} hex digits joined by {:?}, now {} by {:?}): every hashed file is renamed",
            old.hash_length, old.hash_separator, new.hash_length, new.hash_separator
        ))
    } else {
        None
    };
    // The entries of `a` that `b` lacks.
    let only_in = |a: &Manifest, b: &Manifest| -> Vec<Named> {
        a.assets
            .iter()
            .filter(|(k, _)| !b.assets.contains_key(*k))
            .map(|(k, e)| Named {
                path: k.clone(),
                file: e.file.clone(),
            })
            .collect()
    };
    let (added, removed) = (only_in(new, old), only_in(old, new));
    let renamed_set: BTreeSet<&str> = new
        .assets
        .iter()
        .filter(|(k, e)| old.assets.get(*k).is_some_and(|o| o.file != e.file))
        .map(|(k, _)| k.as_str())
        .collect();
    let mut explain = Explain {
        old,
        new,
        renamed: &renamed_set,
        memo: BTreeMap::new(),
    };
    let mut renamed = Vec::new();
    let mut changed = Vec::new();
    let mut unchanged = 0;
    for (k, e) in &new.assets {
        let Some(o) = old.assets.get(k) else { continue };
        if o.file == e.file {
            if o.integrity != e.integrity {
                changed.push(k.clone());
            } else {
                unchanged += 1;
            }
            continue;
        }
        let (reason, chains) = if o.file == *k {
            ("now gets a hashed name".to_string(), Vec::new())
        } else if e.file == *k {
            ("now keeps its name".to_string(), Vec::new())
        } else if own_bytes_changed(o, e) {
            ("bytes changed".to_string(), Vec::new())
        } else {
            let chains = explain.chains(k, &mut BTreeSet::new());
            if chains.is_empty() {
                let why = settings.clone().unwrap_or_else(|| {
                    "the files it names or its integrity values changed".to_string()
                });
                (why, Vec::new())
            } else {
                ("names renamed files".to_string(), chains)
            }
        };
        let more = chains.len().saturating_sub(MAX_CHAINS);
        renamed.push(Rename {
            path: k.clone(),
            old: o.file.clone(),
            new: e.file.clone(),
            reason,
            chains: chains
                .into_iter()
                .take(MAX_CHAINS)
                .map(|c| std::iter::once(k.clone()).chain(c).collect())
                .collect(),
            more_chains: more,
        });
    }
    let (deltas, kinds) = deltas(old, new);
    Diff {
        added,
        removed,
        renamed,
        changed,
        unchanged,
        settings,
        deltas,
        kinds,
    }
}

/// Size changes per file (largest first) and per kind.
fn deltas(old: &Manifest, new: &Manifest) -> (Vec<Delta>, BTreeMap<String, KindDelta>) {
    let keys: BTreeSet<&String> = old.assets.keys().chain(new.assets.keys()).collect();
    let mut kinds: BTreeMap<String, KindDelta> = BTreeMap::new();
    let mut deltas: Vec<Delta> = keys
        .into_iter()
        .map(|k| {
            let o = old.assets.get(k).map_or(0, |e| e.size);
            let n = new.assets.get(k).map_or(0, |e| e.size);
            let kind = kind_of(k).to_string();
            let t = kinds.entry(kind.clone()).or_default();
            t.old += o;
            t.new += n;
            t.delta = t.new as i64 - t.old as i64;
            Delta {
                path: k.clone(),
                kind,
                old: o,
                new: n,
                delta: n as i64 - o as i64,
            }
        })
        .filter(|d| d.delta != 0)
        .collect();
    deltas
        .sort_by(|a, b| (b.delta.unsigned_abs(), &a.path).cmp(&(a.delta.unsigned_abs(), &b.path)));
    (deltas, kinds)
}

/// Follows renamed references down to their causes.
struct Explain<'a> {
    old: &'a Manifest,
    new: &'a Manifest,
    renamed: &'a BTreeSet<&'a str>,
    memo: BTreeMap<String, Vec<Vec<String>>>,
}

impl Explain<'_> {
    /// The chains below `k` (without `k`): each renamed file it names,
    /// followed until a file whose own bytes changed.
    fn chains(&mut self, k: &str, visiting: &mut BTreeSet<String>) -> Vec<Vec<String>> {
        if let Some(c) = self.memo.get(k) {
            return c.clone();
        }
        visiting.insert(k.to_string());
        let mut out = Vec::new();
        let refs = self.new.assets.get(k).map(|e| e.references.clone());
        for r in refs.unwrap_or_default() {
            if visiting.contains(&r) || out.len() > MAX_CHAINS * 4 {
                continue;
            }
            let old = self.old.assets.get(&r);
            let new = &self.new.assets[&r];
            let root = match old {
                None => Some("new"),
                Some(o) if o.file == *r || new.file == *r => None,
                Some(o) if own_bytes_changed(o, new) => Some("bytes changed"),
                Some(_) => None,
            };
            if let Some(why) = root {
                out.push(vec![format!("{r} ({why})")]);
            } else if self.renamed.contains(r.as_str()) {
                for c in self.chains(&r, visiting) {
                    out.push(std::iter::once(r.clone()).chain(c).collect());
                }
            }
        }
        visiting.remove(k);
        self.memo.insert(k.to_string(), out.clone());
        out
    }
}

/// The text a person reads.
pub fn summary(d: &Diff) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    if let Some(w) = &d.settings {
        let _ = writeln!(s, "{w}");
    }
    for a in &d.added {
        let _ = writeln!(s, "added    {}  ({})", a.path, a.file);
    }
    for r in &d.removed {
        let _ = writeln!(s, "removed  {}  ({})", r.path, r.file);
    }
    for r in &d.renamed {
        let _ = writeln!(s, "renamed  {}  {} → {}", r.path, r.old, r.new);
        if r.chains.is_empty() {
            let _ = writeln!(s, "           {}", r.reason);
        }
        for c in &r.chains {
            let _ = writeln!(s, "           {}", c.join(" ← "));
        }
        if r.more_chains > 0 {
            let _ = writeln!(s, "           and {} more", r.more_chains);
        }
    }
    for c in &d.changed {
        let _ = writeln!(s, "changed  {c}  (keeps its name)");
    }
    let _ = writeln!(
        s,
        "{} added, {} removed, {} renamed, {} changed in place, {} unchanged",
        d.added.len(),
        d.removed.len(),
        d.renamed.len(),
        d.changed.len(),
        d.unchanged
    );
    s
}
