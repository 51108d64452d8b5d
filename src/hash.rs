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
use crate::transform::{webmanifest, Transformed};

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
    /// The integrity value of its source map, when it has one (the manifest
    /// records it, so `verify` catches an edited map).
    pub map_integrity: Option<String>,
    /// The content hash in its name, if it has one.
    pub hash: Option<String>,
    /// When it shares its hash with the other files of a reference cycle:
    /// the input paths of all of them, sorted.
    pub cycle: Vec<String>,
}

impl Output {
    /// The output with `map` as its source map.
    fn with_map(mut self, map: Option<Vec<u8>>) -> Output {
        self.map_integrity = map.as_deref().map(sri);
        self.map = map;
        self
    }

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
    write: &(dyn Fn(usize, &mut Output) -> Result<()> + Sync),
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
    let links = nodes.links(plan)?;
    let mut names = nodes.known_names(&mut early)?;
    for level in levels(&links.order()) {
        nodes.name_level(&level, &links, &mut names)?;
    }
    let outputs = nodes.write_all(&links, &early, &names, write)?;
    Ok((outputs, early.variants))
}

/// Every file of the hash stage, numbered as placeholders number them:
/// the input files in path order, then the image variants in the order the
/// transform stage listed them. Each vector is indexed by that number.
struct Nodes<'a> {
    files: &'a [SourceFile],
    plan: &'a Plan<'a>,
    /// The image variants' paths before hashing.
    variant_rels: Vec<String>,
    /// Whether it gets a hash in its name.
    hashed: Vec<bool>,
    /// Its transformed bytes, when they waited for this stage.
    bytes: Vec<Option<Body>>,
    /// The marks of its placeholders.
    styles: Vec<Style>,
    /// The comment naming its new map (input files only).
    map_comments: Vec<Option<MapComment>>,
    /// Its new source map, when it waited (input files only).
    maps: Vec<Option<Body>>,
}

/// Files finished before this stage: input files that named no other
/// file (by input index) and every image variant (in variant order).
struct Early {
    files: Vec<Option<Output>>,
    variants: Vec<Output>,
    /// SHA-256, integrity and size of each input file copied as it is.
    copied: Vec<Option<(String, String, u64)>>,
}

/// What each node's placeholders stand for.
struct Links {
    /// The nodes whose hash it names (sorted).
    deps: Vec<Vec<usize>>,
    /// The nodes whose integrity value it names (sorted).
    sri_deps: Vec<Vec<usize>>,
    /// Whether a page names its integrity value.
    sri_needed: Vec<bool>,
}

impl Links {
    /// Everything a node's name or integrity value depends on.
    fn order(&self) -> Vec<Vec<usize>> {
        self.deps
            .iter()
            .zip(&self.sri_deps)
            .map(|(d, s)| {
                let mut all: Vec<usize> = d.iter().chain(s).copied().collect();
                all.sort_unstable();
                all.dedup();
                all
            })
            .collect()
    }
}

/// What is known of each node's name so far.
struct Names {
    hashes: Vec<Option<String>>,
    sris: Vec<Option<String>>,
    /// For a member of a reference cycle, the input paths of all members.
    cycles: Vec<Vec<String>>,
    /// The members of its reference cycle: their integrity values stay empty
    /// in each other, as when the cycle's hash is computed.
    fellows: Vec<Vec<usize>>,
}

impl<'a> Nodes<'a> {
    fn new(
        files: &'a [SourceFile],
        results: &[Transformed],
        payloads: Vec<Payload>,
        plan: &'a Plan<'a>,
        extra: Vec<(String, Output)>,
    ) -> (Nodes<'a>, Early) {
        let mut early = Early {
            files: Vec::with_capacity(files.len()),
            variants: Vec::with_capacity(extra.len()),
            copied: Vec::new(),
        };
        let mut bytes = Vec::with_capacity(files.len() + extra.len());
        let mut maps = Vec::with_capacity(files.len());
        for payload in payloads {
            let (written, body, map) = match payload {
                Payload::Input => (None, None, None),
                Payload::Waiting { body, map } => (None, Some(body), map),
                Payload::Written(output) => (Some(output), None, None),
            };
            early.files.push(written);
            bytes.push(body);
            maps.push(map);
        }
        let mut hashed: Vec<bool> = files
            .iter()
            .zip(plan.in_output)
            .zip(plan.follows)
            .map(|((f, &w), follows)| w && follows.is_none() && !plan.naming.keeps_name(&f.rel))
            .collect();
        let mut variant_rels = Vec::with_capacity(extra.len());
        for (r, output) in extra {
            variant_rels.push(r);
            early.variants.push(output);
        }
        hashed.extend(variant_rels.iter().map(|_| true));
        bytes.extend(variant_rels.iter().map(|_| None));
        let styles = results
            .iter()
            .map(|r| r.style)
            .chain(variant_rels.iter().map(|_| Style::default()))
            .collect();
        let map_comments = results
            .iter()
            .zip(&maps)
            .map(|(r, m)| m.as_ref().and(r.map_comment))
            .collect();
        let nodes = Nodes {
            files,
            plan,
            variant_rels,
            hashed,
            bytes,
            styles,
            map_comments,
            maps,
        };
        (nodes, early)
    }

    fn len(&self) -> usize {
        self.files.len() + self.variant_rels.len()
    }

    /// Node `i`'s path before hashing.
    fn rel(&self, i: usize) -> &str {
        match self.files.get(i) {
            Some(f) => &f.rel,
            None => &self.variant_rels[i - self.files.len()],
        }
    }

    fn width(&self) -> usize {
        self.plan.naming.hash_length
    }

    /// The files each node's placeholders stand for: only files it
    /// references (a map that follows its code file standing for that file)
    /// and, for hashes, files that get one; integrity placeholders (in
    /// pages) only of input files in the output.
    fn links(&self, plan: &Plan) -> Result<Links> {
        let (n, n_files, width) = (self.len(), self.files.len(), self.width());
        let allowed: Vec<Vec<usize>> = plan
            .references
            .iter()
            .map(Vec::as_slice)
            .chain((n_files..n).map(|_| &[][..]))
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
        let found: Vec<(Vec<usize>, Vec<usize>)> = self
            .bytes
            .par_iter()
            .zip(&allowed)
            .zip(&self.styles)
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
                    pick(placeholder::find(&b, width, style), &|i| {
                        i < n && self.hashed[i]
                    }),
                    pick(placeholder::find_sri(&b, style), &|i| {
                        i < n_files && plan.in_output[i]
                    }),
                ))
            })
            .collect::<Result<_>>()?;
        let (deps, sri_deps): (Vec<Vec<usize>>, Vec<Vec<usize>>) = found.into_iter().unzip();
        let mut sri_needed = vec![false; n];
        for &j in sri_deps.iter().flatten() {
            sri_needed[j] = true;
        }
        Ok(Links {
            deps,
            sri_deps,
            sri_needed,
        })
    }

    /// The names and integrity values known before any file is finished:
    /// input files copied as they are (hashed straight from the input, which
    /// fills `early.copied`) and files written early.
    fn known_names(&self, early: &mut Early) -> Result<Names> {
        let (n, width) = (self.len(), self.width());
        early.copied = self
            .files
            .par_iter()
            .zip(&self.bytes)
            .zip(self.plan.in_output)
            .zip(&early.files)
            .map(|(((f, b), &w), d)| match (b, w, d) {
                (None, true, None) => digest_file(f).map(Some),
                _ => Ok(None),
            })
            .collect::<Result<_>>()?;
        let mut names = Names {
            hashes: vec![None; n],
            sris: vec![None; n],
            cycles: vec![Vec::new(); n],
            fellows: vec![Vec::new(); n],
        };
        for (i, c) in early.copied.iter().enumerate() {
            if let Some((sha, integrity, _)) = c {
                if self.hashed[i] {
                    names.hashes[i] = Some(sha[..width].to_string());
                }
                names.sris[i] = Some(integrity.clone());
            }
        }
        let n_files = self.files.len();
        for (i, d) in early
            .files
            .iter()
            .enumerate()
            .filter_map(|(i, d)| Some((i, d.as_ref()?)))
            .chain(
                early
                    .variants
                    .iter()
                    .enumerate()
                    .map(|(k, d)| (n_files + k, d)),
            )
        {
            names.hashes[i] = d.hash.clone();
            names.sris[i] = Some(d.integrity.clone());
        }
        Ok(names)
    }

    /// The output name of node `i`, once its hash is known.
    fn name_of(&self, i: usize, hashes: &[Option<String>]) -> String {
        match &hashes[i] {
            Some(h) => hashed_name(self.rel(i), h),
            None => self.rel(i).to_string(),
        }
    }

    /// Node `i`'s bytes with every placeholder it may fill replaced, the
    /// hashes and integrity values of the nodes in `zeroed` (its cycle's
    /// members) left as zeros and empty.
    fn substituted(
        &self,
        i: usize,
        links: &Links,
        names: &Names,
        zeroed_hashes: &[usize],
        zeroed_sris: &[usize],
    ) -> Result<Vec<u8>> {
        let b = match &self.bytes[i] {
            Some(b) => b.load()?,
            None => std::borrow::Cow::Borrowed(&[][..]),
        };
        let (style, width) = (self.styles[i], self.width());
        let b = substitute(
            &b,
            style,
            width,
            &links.deps[i],
            &names.hashes,
            zeroed_hashes,
        );
        Ok(substitute_sri(
            &b,
            style,
            &links.sri_deps[i],
            &names.sris,
            zeroed_sris,
        ))
    }

    /// Node `i`'s bytes as written: placeholders replaced, then the
    /// `sourceMappingURL` comment naming its map after its own final name.
    fn finished(&self, i: usize, links: &Links, names: &Names) -> Result<Vec<u8>> {
        let mut b = self.substituted(i, links, names, &[], &names.fellows[i])?;
        if let Some(Some(style)) = self.map_comments.get(i) {
            append_map_comment(&mut b, *style, &self.name_of(i, &names.hashes));
        }
        Ok(b)
    }

    /// Names the components of one level (their dependencies are named
    /// already), in parallel, then computes the integrity values pages name.
    fn name_level(&self, level: &[Vec<usize>], links: &Links, names: &mut Names) -> Result<()> {
        for component in level {
            if component.len() > 1 {
                for &i in component {
                    names.fellows[i] = component.clone();
                }
            }
        }
        let width = self.width();
        let in_cycle = |c: &[usize]| c.len() > 1 || links.deps[c[0]].contains(&c[0]);
        let named: Vec<(&Vec<usize>, String)> = level
            .par_iter()
            .filter(|c| c.iter().any(|&i| self.hashed[i] && self.bytes[i].is_some()))
            .map(|component| {
                let hash = if !in_cycle(component) {
                    sha256_hex(&self.substituted(component[0], links, names, &[], &[])?)
                } else {
                    let members = component
                        .iter()
                        .map(|&i| {
                            let b = self.substituted(i, links, names, component, component)?;
                            Ok((self.rel(i), b))
                        })
                        .collect::<Result<Vec<_>>>()?;
                    cycle_hash(members.iter().map(|(rel, b)| (*rel, b.as_slice())))
                };
                Ok((component, hash[..width].to_string()))
            })
            .collect::<Result<_>>()?;
        for (component, hash) in named {
            if in_cycle(component) {
                let mut members: Vec<String> =
                    component.iter().map(|&i| self.rel(i).to_string()).collect();
                members.sort();
                for &i in component {
                    names.cycles[i] = members.clone();
                }
            }
            for &i in component {
                if self.hashed[i] {
                    names.hashes[i] = Some(hash.clone());
                }
            }
        }
        let values: Vec<(usize, String)> = level
            .par_iter()
            .flatten()
            .filter(|&&i| links.sri_needed[i] && self.bytes[i].is_some())
            .map(|&i| Ok((i, sri(&self.finished(i, links, names)?))))
            .collect::<Result<_>>()?;
        for (i, value) in values {
            names.sris[i] = Some(value);
        }
        Ok(())
    }

    /// Finishes every input file in the output that was not written early
    /// and hands it to `write`; returns every input file's output.
    fn write_all(
        &self,
        links: &Links,
        early: &Early,
        names: &Names,
        write: &(dyn Fn(usize, &mut Output) -> Result<()> + Sync),
    ) -> Result<Vec<Option<Output>>> {
        let mut rels: Vec<String> = (0..self.len())
            .map(|i| self.name_of(i, &names.hashes))
            .collect();
        for (i, owner) in self.plan.follows.iter().enumerate() {
            if let Some(owner) = owner {
                rels[i] = format!("{}.map", rels[*owner]);
            }
        }
        (0..self.files.len())
            .into_par_iter()
            .map(|i| {
                if !self.plan.in_output[i] {
                    return Ok(None);
                }
                if let Some(d) = &early.files[i] {
                    return Ok(Some(d.clone()));
                }
                let rel = rels[i].clone();
                let hash = names.hashes[i].clone();
                let mut output = if self.bytes[i].is_none() {
                    let (_, integrity, size) = early.copied[i].clone().unwrap_or_default();
                    Output {
                        rel,
                        bytes: None,
                        map: None,
                        map_integrity: None,
                        size,
                        integrity,
                        hash,
                        cycle: Vec::new(),
                    }
                } else {
                    let b = self.finished(i, links, names)?;
                    let map = match &self.maps[i] {
                        Some(m) => Some(map_named(&m.load()?, &rel, &self.files[i].rel)),
                        None => None,
                    };
                    Output {
                        rel,
                        size: b.len() as u64,
                        integrity: sri(&b),
                        bytes: Some(b),
                        map: None,
                        map_integrity: None,
                        hash,
                        cycle: names.cycles[i].clone(),
                    }
                    .with_map(map)
                };
                write(i, &mut output)?;
                Ok(Some(output))
            })
            .collect()
    }
}

/// The source map `map` of the file `input_rel`, its `file` naming the
/// output `rel`.
fn map_named(map: &[u8], rel: &str, input_rel: &str) -> Vec<u8> {
    let own = base_name(rel).to_string();
    let old = base_name(input_rel).to_string();
    let text = String::from_utf8_lossy(map);
    webmanifest::rewrite_map_file(&text, &|f| (f == old).then(|| own.clone()))
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
        hash,
        ..output_of(rel, b)
    }
    .with_map(map))
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
        map_integrity: None,
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
