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

use crate::digest::{sha256_hex, sri};
use petgraph::algo::tarjan_scc;
use petgraph::graph::DiGraph;
use rayon::prelude::*;

use crate::asset::SourceFile;
use crate::error::{Error, Result};
use crate::held::Body;
use crate::naming::{append_map_comment, base_name, cycle_hash, hashed_name, MapComment, Naming};
use crate::placeholder::{self, Style};
use crate::transform::{sourcemap, Transformed};

/// One file as it will be written.
#[derive(Debug, Clone)]
pub struct Output {
    /// Its path in the output.
    pub rel: String,
    /// Its final bytes, or `None` to copy the input file as it is.
    pub bytes: Option<Vec<u8>>,
    /// Its source map, written as `<rel>.map` (emptied with the bytes once
    /// written: `Some` still tells that there is one).
    pub map: Option<Vec<u8>>,
    /// Size in bytes.
    pub size: u64,
    /// Subresource Integrity value (`sha384-…`) of the bytes.
    pub integrity: String,
    /// The content hash in its name, if it has one.
    pub hash: Option<String>,
    /// When it shares its hash with the other files of a reference cycle:
    /// the input paths of all of them, sorted.
    pub cycle: Vec<String>,
}

impl Output {
    /// Frees the bytes and the map once written; names, sizes and integrity
    /// stay for the manifest and the report.
    pub fn release(&mut self) {
        self.bytes = None;
        if let Some(map) = &mut self.map {
            *map = Vec::new();
        }
    }
}

/// Where a file's transformed bytes are between its transform and its write.
#[derive(Debug)]
pub enum Payload {
    /// Nothing new: the input file is copied as it is.
    Input,
    /// It names other files, so it waits for the hash stage: its bytes and
    /// its new source map, put aside (in memory or on disk).
    Waiting {
        /// The transformed bytes, placeholders and all.
        body: Body,
        /// Its new source map, if any.
        map: Option<Body>,
    },
    /// It names no other file: named, finished and written as soon as it
    /// was transformed ([`finish_alone`]); bytes released.
    Written(Output),
}

/// A file once its transform is settled: its payload, and its image
/// variants, written already (path before hashing, and output).
#[derive(Debug)]
pub struct Settled {
    /// Where its bytes are.
    pub payload: Payload,
    /// Its image variants, as written.
    pub variants: Vec<(String, Output)>,
}

impl Settled {
    /// A file copied as it is, with no variants.
    pub fn input() -> Settled {
        Settled {
            payload: Payload::Input,
            variants: Vec::new(),
        }
    }
}

/// What the hash stage needs to know about the run besides the files.
pub struct Plan<'a> {
    /// `false` for files left out of the output (input maps folded into new ones).
    pub in_output: &'a [bool],
    /// The files each file references (the graph's edges): a placeholder
    /// is only replaced where its file is one of these, so text in an input
    /// that merely looks like a placeholder stays as it is.
    pub references: &'a [Vec<usize>],
    /// For a source map beside its code file, that file: it follows its name.
    pub follows: &'a [Option<usize>],
    /// The naming policy.
    pub naming: &'a Naming,
}

/// Names every file, produces its final bytes and hands each to `write`
/// (once, with `bytes` set, or `None` to copy the input file; `write`
/// releases them), dependencies first. Files already written
/// ([`Payload::Written`]) are taken as they are; the others are finished
/// from their payloads. `extra` are the image variants, written the same
/// way (their path before hashing, and what was written), numbered after
/// the input files. Returns every output, bytes dropped.
pub fn finalize(
    files: &[SourceFile],
    results: &[Transformed],
    payloads: Vec<Payload>,
    plan: &Plan,
    extra: Vec<(String, Output)>,
    write: &(dyn Fn(usize, &mut Output) -> Result<()> + Sync),
) -> Result<(Vec<Option<Output>>, Vec<Output>)> {
    let (in_output, naming) = (plan.in_output, plan.naming);
    let n_files = files.len();
    // What a placeholder of file `i` may stand for: its references, with a
    // map that follows its code file standing for that file.
    let allowed: Vec<Vec<usize>> = plan
        .references
        .iter()
        .map(Vec::as_slice)
        .chain(extra.iter().map(|_| &[][..]))
        .map(|r| {
            let mut a: Vec<usize> = r
                .iter()
                .map(|&j| plan.follows.get(j).copied().flatten().unwrap_or(j))
                .collect();
            a.sort_unstable();
            a.dedup();
            a
        })
        .collect();
    let n = files.len() + extra.len();
    let width = naming.hash_length;
    if n > placeholder::capacity(width) {
        return Err(Error::Config(format!(
            "{n} files need a longer hash: use --hash-length {}",
            width + 1
        )));
    }
    let hashed: Vec<bool> = files
        .iter()
        .zip(in_output)
        .zip(plan.follows)
        .map(|((f, &w), follows)| w && follows.is_none() && !naming.keeps_name(&f.rel))
        .chain(extra.iter().map(|_| true))
        .collect();
    let (extra_names, extra_done): (Vec<String>, Vec<Output>) = extra.into_iter().unzip();
    let mut done: Vec<Option<Output>> = Vec::with_capacity(n_files);
    let mut bytes: Vec<Option<Body>> = Vec::with_capacity(n_files + extra_done.len());
    let mut maps: Vec<Option<Body>> = Vec::with_capacity(n_files);
    for payload in payloads {
        let (d, b, m) = match payload {
            Payload::Input => (None, None, None),
            Payload::Waiting { body, map } => (None, Some(body), map),
            Payload::Written(output) => (Some(output), None, None),
        };
        done.push(d);
        bytes.push(b);
        maps.push(m);
    }
    bytes.extend(extra_done.iter().map(|_| None));
    let styles: Vec<Style> = results
        .iter()
        .map(|r| r.style)
        .chain(extra_names.iter().map(|_| Style::default()))
        .collect();
    let rel_of = |i: usize| -> &str {
        if i < n_files {
            &files[i].rel
        } else {
            &extra_names[i - n_files]
        }
    };
    // The files a file's placeholders stand for: only files it references
    // (and, for hashes, files that get one); integrity placeholders (in
    // pages) only of written files.
    let found: Vec<(Vec<usize>, Vec<usize>)> = bytes
        .par_iter()
        .zip(&allowed)
        .zip(&styles)
        .map(|((b, allowed), &style)| {
            let Some(b) = b else {
                return Ok((Vec::new(), Vec::new()));
            };
            let b = b.load()?;
            let pick = |found: Vec<(usize, usize)>, keep: &dyn Fn(usize) -> bool| {
                let mut d: Vec<usize> = found
                    .into_iter()
                    .map(|(_, i)| i)
                    .filter(|&i| keep(i) && allowed.binary_search(&i).is_ok())
                    .collect();
                d.sort_unstable();
                d.dedup();
                d
            };
            Ok((
                pick(placeholder::find(&b, width, style), &|i| i < n && hashed[i]),
                pick(placeholder::find_sri(&b, style), &|i| {
                    i < n_files && in_output[i]
                }),
            ))
        })
        .collect::<Result<_>>()?;
    let (deps, sri_deps): (Vec<Vec<usize>>, Vec<Vec<usize>>) = found.into_iter().unzip();
    let sri_needed: Vec<bool> = {
        let mut needed = vec![false; n];
        for &j in sri_deps.iter().flatten() {
            needed[j] = true;
        }
        needed
    };
    // Files are finished after everything their names or integrity values
    // depend on.
    let order: Vec<Vec<usize>> = deps
        .iter()
        .zip(&sri_deps)
        .map(|(d, s)| {
            let mut all: Vec<usize> = d.iter().chain(s).copied().collect();
            all.sort_unstable();
            all.dedup();
            all
        })
        .collect();
    // Files copied as they are: hashed straight from the input.
    let copied: Vec<Option<(String, String, u64)>> = files
        .par_iter()
        .zip(&bytes)
        .zip(in_output)
        .zip(&done)
        .map(|(((f, b), &w), d)| match (b, w, d) {
            (None, true, None) => digest_file(f).map(Some),
            _ => Ok(None),
        })
        .collect::<Result<_>>()?;

    let mut hashes: Vec<Option<String>> = vec![None; n];
    let mut sris: Vec<Option<String>> = vec![None; n];
    let mut cycles: Vec<Vec<String>> = vec![Vec::new(); n];
    // The members of each file's reference cycle: their integrity values
    // stay empty in each other, as when the cycle's hash is computed.
    let mut fellows: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, c) in copied.iter().enumerate() {
        if let Some((sha, integrity, _)) = c {
            if hashed[i] {
                hashes[i] = Some(sha[..width].to_string());
            }
            sris[i] = Some(integrity.clone());
        }
    }
    for (i, d) in done
        .iter()
        .enumerate()
        .filter_map(|(i, d)| Some((i, d.as_ref()?)))
        .chain(extra_done.iter().enumerate().map(|(k, d)| (n_files + k, d)))
    {
        hashes[i] = d.hash.clone();
        sris[i] = Some(d.integrity.clone());
    }
    // The comment naming a file's new map, appended once its name is known.
    let map_comments: Vec<Option<MapComment>> = results
        .iter()
        .zip(&maps)
        .map(|(r, m)| m.as_ref().and(r.map_comment))
        .collect();
    let name_of = |i: usize, hashes: &[Option<String>]| match &hashes[i] {
        Some(h) => hashed_name(rel_of(i), h),
        None => rel_of(i).to_string(),
    };
    // A file's bytes as written: placeholders replaced, then the
    // `sourceMappingURL` comment naming its map after its own final name.
    let load = |i: usize| -> Result<std::borrow::Cow<'_, [u8]>> {
        match &bytes[i] {
            Some(b) => b.load(),
            None => Ok(std::borrow::Cow::Borrowed(&[])),
        }
    };
    let finish = |i: usize,
                  hashes: &[Option<String>],
                  sris: &[Option<String>],
                  fellows: &[Vec<usize>]|
     -> Result<Vec<u8>> {
        let b = load(i)?;
        let b = substitute(&b, styles[i], width, &deps[i], hashes, &[]);
        let mut b = substitute_sri(&b, styles[i], &sri_deps[i], sris, &fellows[i]);
        if let Some(Some(style)) = map_comments.get(i) {
            append_map_comment(&mut b, *style, &name_of(i, hashes));
        }
        Ok(b)
    };
    for level in levels(&order) {
        for component in &level {
            if component.len() > 1 {
                for &i in component {
                    fellows[i] = component.clone();
                }
            }
        }
        let done: Vec<(Vec<usize>, String)> = level
            .par_iter()
            .filter(|c| c.iter().any(|&i| hashed[i] && bytes[i].is_some()))
            .map(|component| {
                let final_bytes = |i: usize, zeroed: &[usize]| -> Result<Vec<u8>> {
                    let b = load(i)?;
                    let b = substitute(&b, styles[i], width, &deps[i], &hashes, zeroed);
                    Ok(substitute_sri(&b, styles[i], &sri_deps[i], &sris, zeroed))
                };
                let hash = if component.len() == 1 && !deps[component[0]].contains(&component[0]) {
                    sha256_hex(&final_bytes(component[0], &[])?)
                } else {
                    let members = component
                        .iter()
                        .map(|&i| Ok((rel_of(i), final_bytes(i, component)?)))
                        .collect::<Result<Vec<_>>>()?;
                    cycle_hash(members.iter().map(|(rel, b)| (*rel, b.as_slice())))
                };
                Ok((component.clone(), hash[..width].to_string()))
            })
            .collect::<Result<_>>()?;
        for (component, hash) in done {
            if component.len() > 1 || deps[component[0]].contains(&component[0]) {
                let mut names: Vec<String> =
                    component.iter().map(|&i| rel_of(i).to_string()).collect();
                names.sort();
                for &i in &component {
                    cycles[i] = names.clone();
                }
            }
            for i in component {
                if hashed[i] {
                    hashes[i] = Some(hash.clone());
                }
            }
        }
        // Integrity values of this level's files that pages name.
        let values: Vec<(usize, String)> = level
            .par_iter()
            .flatten()
            .filter(|&&i| sri_needed[i] && bytes[i].is_some())
            .map(|&i| Ok((i, sri(&finish(i, &hashes, &sris, &fellows)?))))
            .collect::<Result<_>>()?;
        for (i, value) in values {
            sris[i] = Some(value);
        }
    }

    let mut names: Vec<String> = (0..n).map(|i| name_of(i, &hashes)).collect();
    for (i, owner) in plan.follows.iter().enumerate() {
        if let Some(owner) = owner {
            names[i] = format!("{}.map", names[*owner]);
        }
    }
    let outputs = (0..n_files)
        .into_par_iter()
        .map(|i| {
            if !in_output[i] {
                return Ok(None);
            }
            if let Some(d) = &done[i] {
                return Ok(Some(d.clone()));
            }
            let rel = names[i].clone();
            let hash = hashes[i].clone();
            let mut output = if bytes[i].is_none() {
                let (_, integrity, size) = copied[i].clone().unwrap_or_default();
                Output {
                    rel,
                    bytes: None,
                    map: None,
                    size,
                    integrity,
                    hash,
                    cycle: Vec::new(),
                }
            } else {
                let b = finish(i, &hashes, &sris, &fellows)?;
                let map = match &maps[i] {
                    Some(m) => Some(map_named(&m.load()?, &rel, &files[i].rel)),
                    None => None,
                };
                Output {
                    rel,
                    size: b.len() as u64,
                    integrity: sri(&b),
                    bytes: Some(b),
                    map,
                    hash,
                    cycle: cycles[i].clone(),
                }
            };
            write(i, &mut output)?;
            Ok(Some(output))
        })
        .collect::<Result<_>>()?;
    Ok((outputs, extra_done))
}

/// The source map `map` of the file `input_rel`, its `file` naming the
/// output `rel`.
fn map_named(map: &[u8], rel: &str, input_rel: &str) -> Vec<u8> {
    let own = base_name(rel).to_string();
    let old = base_name(input_rel).to_string();
    let text = String::from_utf8_lossy(map);
    sourcemap::rewrite_file(&text, &|f| (f == old).then(|| own.clone()))
        .map(|r| r.text.into_bytes())
        .unwrap_or_else(|_| map.to_vec())
}

/// The output of a file whose transformed `bytes` name no other file, so
/// its name and final bytes are known at once: it is written while other
/// files are still being transformed. `Err` gives the bytes back when they
/// hold a placeholder (the hash stage finishes the file).
pub fn finish_alone(
    input_rel: &str,
    bytes: Vec<u8>,
    map: Option<&[u8]>,
    map_comment: Option<MapComment>,
    style: Style,
    naming: &Naming,
) -> std::result::Result<Output, Vec<u8>> {
    let width = naming.hash_length;
    if !placeholder::find(&bytes, width, style).is_empty()
        || !placeholder::find_sri(&bytes, style).is_empty()
    {
        return Err(bytes);
    }
    let hash = (!naming.keeps_name(input_rel)).then(|| sha256_hex(&bytes)[..width].to_string());
    let rel = match &hash {
        Some(h) => hashed_name(input_rel, h),
        None => input_rel.to_string(),
    };
    let mut b = bytes;
    let map = map.map(|m| {
        if let Some(style) = map_comment {
            append_map_comment(&mut b, style, &rel);
        }
        map_named(m, &rel, input_rel)
    });
    Ok(Output {
        map,
        hash,
        ..output_of(rel, b)
    })
}

/// The output of an image variant: always hashed, named after `rel` (its
/// path before hashing).
pub fn finish_variant(rel: &str, bytes: Vec<u8>, width: usize) -> Output {
    let hash = sha256_hex(&bytes)[..width].to_string();
    Output {
        hash: Some(hash.clone()),
        ..output_of(hashed_name(rel, &hash), bytes)
    }
}

/// An output of `bytes` at `rel`, with no map, hash or cycle.
fn output_of(rel: String, bytes: Vec<u8>) -> Output {
    Output {
        rel,
        size: bytes.len() as u64,
        integrity: sri(&bytes),
        bytes: Some(bytes),
        map: None,
        hash: None,
        cycle: Vec::new(),
    }
}

/// `bytes` with each placeholder of a file it references (`deps`, sorted)
/// replaced by that file's hash, or by zeros for the files in `zeroed` (the
/// members of its own cycle); other placeholder-shaped text stays.
fn substitute(
    bytes: &[u8],
    style: Style,
    width: usize,
    deps: &[usize],
    hashes: &[Option<String>],
    zeroed: &[usize],
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
fn substitute_sri(
    bytes: &[u8],
    style: Style,
    deps: &[usize],
    sris: &[Option<String>],
    zeroed: &[usize],
) -> Vec<u8> {
    // Any other placeholder of the file's style is one of ours whose file
    // is not written as it is: it checks nothing.
    placeholder::replace_sri(bytes, style, |j| {
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
fn levels(deps: &[Vec<usize>]) -> Vec<Vec<Vec<usize>>> {
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
    let mut out: Vec<Vec<Vec<usize>>> = Vec::new();
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
        let mut m: Vec<usize> = members.iter().map(|m| m.index()).collect();
        m.sort_unstable();
        out[l].push(m);
    }
    for l in &mut out {
        l.sort();
    }
    out
}

/// SHA-256 (hex), SRI value and size of an input file, read once.
fn digest_file(f: &SourceFile) -> Result<(String, String, u64)> {
    crate::digest::of_file(&f.abs).map_err(|e| Error::io(&f.abs, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_put_dependencies_first_and_cycles_together() {
        // 0 → 1 → 2 ↔ 3, 4 alone, 5 → 5
        let deps = vec![vec![1], vec![2], vec![3], vec![2], vec![], vec![5]];
        let l = levels(&deps);
        assert_eq!(l[0], vec![vec![2, 3], vec![4], vec![5]]);
        assert_eq!(l[1], vec![vec![1]]);
        assert_eq!(l[2], vec![vec![0]]);
    }
}
