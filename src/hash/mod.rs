//! Stage 4: content hashes and final names. A file's final bytes are its
//! transformed bytes with every placeholder replaced by the hash of the file
//! it stands for, so a name covers everything the file references,
//! transitively: a changed image renames the stylesheet that uses it and the
//! pages' references to that stylesheet, and nothing else.
//!
//! Files are hashed dependencies first (petgraph's Tarjan components come out
//! in that order), each level of independent components in parallel. A file
//! outside any cycle is named after the SHA-256 of its final bytes. The files
//! of a cycle (`a.js` imports `b.js` imports `a.js`) share one hash: the
//! SHA-256 of the members, sorted by path, each as `path NUL length bytes`
//! with the hashes of fellow members written as zeros — so it changes when any
//! member or anything they reach changes. `assetpress verify` recomputes both.

mod nodes;
mod output;

use petgraph::algo::tarjan_scc;
use petgraph::graph::DiGraph;

use crate::asset::SourceFile;
use crate::error::{Error, Result};
use crate::id::{FileId, Node};
use crate::naming::Naming;
use crate::placeholder::{self, Style};
use crate::transform::Transformed;
use nodes::Nodes;
pub use output::{finish_alone, finish_variant, Output, Payload, Settled};

/// What the hash stage needs to know about the run besides the files.
pub struct Plan<'a> {
    /// `false` for files left out of the output (input maps folded into new ones).
    pub in_output: &'a [bool],
    /// The files each file references (the graph's edges): a placeholder
    /// is only replaced where its file is one of these, so text in an input
    /// that merely looks like a placeholder stays as it is.
    /// (Each input file's, by [`FileId`]; a file's `<picture>` variants too.)
    pub references: &'a [Vec<Node>],
    /// For a source map beside its code file, that file: it follows its name.
    pub follows: &'a [Option<FileId>],
    /// The naming policy.
    pub naming: &'a Naming,
}

/// Names every file, produces its final bytes and hands each to `write`
/// (once, with `bytes` set, or `None` to copy the input file; `write`
/// releases them), dependencies first. Files already written
/// ([`Payload::Written`]) are taken as they are; the others are finished
/// from their payloads. `extra` are the image variants, written the same
/// way (their path before hashing, and what was written), the nodes after
/// the input files. Returns every input file's output, bytes dropped, and
/// the variants'.
///
/// The phases, in order: number the nodes ([`Nodes::new`]); find what each
/// node's placeholders stand for ([`Nodes::links`]); take the names already
/// known (copied inputs hashed from disk, files written early); name the
/// rest level by level, dependencies first ([`Nodes::name_level`]); finish
/// and write every waiting file ([`Nodes::write_all`]).
pub fn finalize(
    files: &[SourceFile],
    results: &[Transformed],
    payloads: Vec<Payload>,
    plan: &Plan,
    extra: Vec<(String, Output)>,
    write: &(dyn Fn(FileId, &mut Output) -> Result<()> + Sync),
) -> Result<(Vec<Option<Output>>, Vec<Output>)> {
    let width = plan.naming.hash_length;
    let n = files.len() + extra.len();
    if n > placeholder::capacity(width) {
        return Err(Error::Config(format!(
            "{n} files need a longer hash: use --hash-length {}",
            width + 1
        )));
    }
    let (nodes, mut early) = Nodes::new(files, results, payloads, plan, extra);
    let links = nodes.links()?;
    let mut names = nodes.known_names(&mut early)?;
    for level in levels(&links.order()) {
        nodes.name_level(&level, &links, &mut names)?;
    }
    let outputs = nodes.write_all(&links, &early, &names, write)?;
    Ok((outputs, early.variants))
}

/// `bytes` with each placeholder of a file it references (`deps`, sorted)
/// replaced by that file's hash, or by zeros for the files in `zeroed` (the
/// members of its own cycle); other placeholder-shaped text stays.
pub(super) fn substitute(
    bytes: &[u8],
    style: Style,
    width: usize,
    deps: &[Node],
    hashes: &[Option<String>],
    zeroed: &[Node],
) -> Vec<u8> {
    let zeros = "0".repeat(width);
    placeholder::replace(bytes, width, style, |j| {
        deps.binary_search(&j).ok()?;
        if zeroed.contains(&j) {
            Some(zeros.as_str())
        } else {
            hashes[j].as_deref()
        }
    })
}

/// `bytes` with each integrity placeholder of a file it names (`deps`,
/// sorted) replaced by that file's integrity value — empty for the members
/// of its own cycle (`zeroed`), whose values cannot be known before the
/// cycle's hash; an empty `integrity` checks nothing.
pub(super) fn substitute_sri(
    bytes: &[u8],
    style: Style,
    deps: &[Node],
    sris: &[Option<String>],
    zeroed: &[Node],
) -> Vec<u8> {
    // Any other placeholder of the file's style is one of ours whose file
    // is not written as it is: it checks nothing.
    placeholder::replace_sri(bytes, style, |j| {
        let j = Node::file(j);
        if deps.binary_search(&j).is_err() || zeroed.contains(&j) {
            Some("")
        } else {
            Some(sris[j].as_deref().unwrap_or(""))
        }
    })
}

/// The components of the graph `deps`, grouped in levels: each component's
/// dependencies are all in earlier levels (a component's own members may
/// depend on each other). Within a level, components are sorted.
fn levels(deps: &[Vec<Node>]) -> Vec<Vec<Vec<Node>>> {
    let n = deps.len();
    let mut g = DiGraph::<(), ()>::with_capacity(n, deps.iter().map(Vec::len).sum());
    let nodes: Vec<_> = (0..n).map(|_| g.add_node(())).collect();
    for (from, targets) in deps.iter().enumerate() {
        for &to in targets {
            g.add_edge(nodes[from], nodes[to], ());
        }
    }
    // Tarjan yields components dependencies first.
    let components = tarjan_scc(&g);
    let mut component_of = vec![0usize; n];
    for (c, members) in components.iter().enumerate() {
        for m in members {
            component_of[m.index()] = c;
        }
    }
    let mut level = vec![0usize; components.len()];
    let mut out: Vec<Vec<Vec<Node>>> = Vec::new();
    for (c, members) in components.iter().enumerate() {
        let l = members
            .iter()
            .flat_map(|m| &deps[m.index()])
            .map(|&d| component_of[d])
            .filter(|&dc| dc != c)
            .map(|dc| level[dc] + 1)
            .max()
            .unwrap_or(0);
        level[c] = l;
        if out.len() <= l {
            out.resize(l + 1, Vec::new());
        }
        let mut m: Vec<Node> = members.iter().map(|m| Node::new(m.index())).collect();
        m.sort_unstable();
        out[l].push(m);
    }
    for l in &mut out {
        l.sort();
    }
    out
}

/// SHA-256 (hex), SRI value and size of an input file, read once.
pub(super) fn digest_file(f: &SourceFile) -> Result<(String, String, u64)> {
    crate::digest::of_file(&f.abs).map_err(|e| Error::io(&f.abs, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_put_dependencies_first_and_cycles_together() {
        // 0 → 1 → 2 ↔ 3, 4 alone, 5 → 5
        let n = |list: &[usize]| list.iter().map(|&i| Node::new(i)).collect::<Vec<_>>();
        let deps = vec![n(&[1]), n(&[2]), n(&[3]), n(&[2]), n(&[]), n(&[5])];
        let l = levels(&deps);
        assert_eq!(l[0], vec![n(&[2, 3]), n(&[4]), n(&[5])]);
        assert_eq!(l[1], vec![n(&[1])]);
        assert_eq!(l[2], vec![n(&[0])]);
    }
}
