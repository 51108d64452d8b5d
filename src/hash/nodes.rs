//! The hash stage's table of nodes and its phases: every file numbered as
//! placeholders number them, what each node's placeholders stand for, the
//! names known before the stage, naming level by level, and the final write.

use rayon::prelude::*;

use super::output::{map_named, output_of, Output, Payload};
use super::{digest_file, substitute, substitute_sri, Plan};
use crate::asset::SourceFile;
use crate::digest::{sha256_hex, sri};
use crate::error::Result;
use crate::held::Body;
use crate::id::{FileId, Node};
use crate::naming::{append_map_comment, cycle_hash, hashed_name, MapComment};
use crate::placeholder::{self, Style};
use crate::transform::Transformed;

/// Every file of the hash stage, numbered as placeholders number them:
/// the input files in path order, then the image variants in the order the
/// transform stage listed them. Each vector is indexed by that number.
pub(super) struct Nodes<'a> {
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
pub(super) struct Early {
    files: Vec<Option<Output>>,
    pub(super) variants: Vec<Output>,
    /// SHA-256, integrity and size of each input file copied as it is.
    copied: Vec<Option<(String, String, u64)>>,
}

/// What each node's placeholders stand for.
pub(super) struct Links {
    /// The nodes whose hash it names (sorted).
    deps: Vec<Vec<Node>>,
    /// The nodes whose integrity value it names (sorted; input files only).
    sri_deps: Vec<Vec<Node>>,
    /// Whether a page names its integrity value.
    sri_needed: Vec<bool>,
}

impl Links {
    /// Everything a node's name or integrity value depends on.
    pub(super) fn order(&self) -> Vec<Vec<Node>> {
        self.deps
            .iter()
            .zip(&self.sri_deps)
            .map(|(d, s)| {
                let mut all: Vec<Node> = d.iter().chain(s).copied().collect();
                all.sort_unstable();
                all.dedup();
                all
            })
            .collect()
    }
}

/// What is known of each node's name so far.
pub(super) struct Names {
    hashes: Vec<Option<String>>,
    sris: Vec<Option<String>>,
    /// For a member of a reference cycle, the input paths of all members.
    cycles: Vec<Vec<String>>,
    /// The members of its reference cycle: their integrity values stay empty
    /// in each other, as when the cycle's hash is computed.
    fellows: Vec<Vec<Node>>,
}

impl<'a> Nodes<'a> {
    pub(super) fn new(
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

    /// Every node, input files first.
    fn all(&self) -> impl Iterator<Item = Node> {
        (0..self.len()).map(Node::new)
    }

    /// The input file node `i` is, if it is one.
    fn file(&self, i: Node) -> Option<FileId> {
        i.as_file(self.files.len())
    }

    /// Node `i`'s path before hashing.
    fn rel(&self, i: Node) -> &str {
        match self.file(i) {
            Some(f) => &self.files[f].rel,
            None => &self.variant_rels[i.index() - self.files.len()],
        }
    }

    fn width(&self) -> usize {
        self.plan.naming.hash_length
    }

    /// The files each node's placeholders stand for: only files it
    /// references (a map that follows its code file standing for that file)
    /// and, for hashes, files that get one; integrity placeholders (in
    /// pages) only of input files in the output.
    pub(super) fn links(&self) -> Result<Links> {
        let plan = self.plan;
        let (n, n_files, width) = (self.len(), self.files.len(), self.width());
        // A reference to a map stands for the code file the map follows.
        let follow = |j: Node| match self.file(j).and_then(|f| plan.follows[f]) {
            Some(owner) => Node::file(owner),
            None => j,
        };
        let allowed: Vec<Vec<Node>> = plan
            .references
            .iter()
            .map(Vec::as_slice)
            .chain((n_files..n).map(|_| &[][..]))
            .map(|r| {
                let mut a: Vec<Node> = r.iter().map(|&j| follow(j)).collect();
                a.sort_unstable();
                a.dedup();
                a
            })
            .collect();
        let found: Vec<(Vec<Node>, Vec<Node>)> = self
            .bytes
            .par_iter()
            .zip(&allowed)
            .zip(&self.styles)
            .map(|((b, allowed), &style)| {
                let Some(b) = b else {
                    return Ok((Vec::new(), Vec::new()));
                };
                let b = b.load()?;
                let pick = |found: Vec<Node>, keep: &dyn Fn(Node) -> bool| {
                    let mut d: Vec<Node> = found
                        .into_iter()
                        .filter(|&i| keep(i) && allowed.binary_search(&i).is_ok())
                        .collect();
                    d.sort_unstable();
                    d.dedup();
                    d
                };
                let hashes = placeholder::find(&b, width, style);
                let sris = placeholder::find_sri(&b, style);
                Ok((
                    pick(hashes.into_iter().map(|(_, i)| i).collect(), &|i| {
                        i.index() < n && self.hashed[i]
                    }),
                    pick(
                        sris.into_iter().map(|(_, f)| Node::file(f)).collect(),
                        &|i| self.file(i).is_some_and(|f| plan.in_output[f]),
                    ),
                ))
            })
            .collect::<Result<_>>()?;
        let (deps, sri_deps): (Vec<Vec<Node>>, Vec<Vec<Node>>) = found.into_iter().unzip();
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
    pub(super) fn known_names(&self, early: &mut Early) -> Result<Names> {
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
        for (i, c) in self.all().zip(&early.copied) {
            if let Some((sha, integrity, _)) = c {
                if self.hashed[i] {
                    names.hashes[i] = Some(sha[..width].to_string());
                }
                names.sris[i] = Some(integrity.clone());
            }
        }
        let written = early.files.iter().map(Option::as_ref);
        let variants = early.variants.iter().map(Some);
        for (i, d) in self.all().zip(written.chain(variants)) {
            let Some(d) = d else { continue };
            names.hashes[i] = d.hash.clone();
            names.sris[i] = Some(d.integrity.clone());
        }
        Ok(names)
    }

    /// The output name of node `i`, once its hash is known.
    fn name_of(&self, i: Node, hashes: &[Option<String>]) -> String {
        match &hashes[i] {
            Some(h) => hashed_name(self.rel(i), h, self.plan.naming.separator),
            None => self.rel(i).to_string(),
        }
    }

    /// Node `i`'s bytes with every placeholder it may fill replaced, the
    /// hashes and integrity values of the nodes in `zeroed` (its cycle's
    /// members) left as zeros and empty.
    fn substituted(
        &self,
        i: Node,
        links: &Links,
        names: &Names,
        zeroed_hashes: &[Node],
        zeroed_sris: &[Node],
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
    fn finished(&self, i: Node, links: &Links, names: &Names) -> Result<Vec<u8>> {
        let mut b = self.substituted(i, links, names, &[], &names.fellows[i])?;
        if let Some(Some(style)) = self.map_comments.get(i.index()) {
            append_map_comment(&mut b, *style, &self.name_of(i, &names.hashes));
        }
        Ok(b)
    }

    /// Names the components of one level (their dependencies are named
    /// already), in parallel, then computes the integrity values pages name.
    pub(super) fn name_level(
        &self,
        level: &[Vec<Node>],
        links: &Links,
        names: &mut Names,
    ) -> Result<()> {
        for component in level {
            if component.len() > 1 {
                for &i in component {
                    names.fellows[i] = component.clone();
                }
            }
        }
        let width = self.width();
        let in_cycle = |c: &[Node]| c.len() > 1 || links.deps[c[0]].contains(&c[0]);
        let named: Vec<(&Vec<Node>, String)> = level
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
        let values: Vec<(Node, String)> = level
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
    pub(super) fn write_all(
        &self,
        links: &Links,
        early: &Early,
        names: &Names,
        write: &(dyn Fn(FileId, &mut Output) -> Result<()> + Sync),
    ) -> Result<Vec<Option<Output>>> {
        let mut rels: Vec<String> = self.all().map(|i| self.name_of(i, &names.hashes)).collect();
        for (i, owner) in FileId::all(self.files.len()).zip(self.plan.follows) {
            if let Some(owner) = owner {
                rels[i.index()] = format!("{}.map", rels[owner.index()]);
            }
        }
        // Largest first, one file per task: compressing one long page must
        // not be left to run alone on one core at the end (rayon would
        // otherwise hand a thread a quarter of the list to run in one go).
        let mut order: Vec<usize> = (0..self.files.len()).collect();
        order.sort_by_key(|&f| std::cmp::Reverse(self.files[f].size));
        let mut done: Vec<(usize, Option<Output>)> = order
            .into_par_iter()
            .with_max_len(1)
            .map(|f| (f, FileId::new(f)))
            .map(|(k, f)| -> Result<(usize, Option<Output>)> {
                Ok((k, self.write_one(f, links, early, names, &rels, write)?))
            })
            .collect::<Result<_>>()?;
        done.sort_unstable_by_key(|(k, _)| *k);
        Ok(done.into_iter().map(|(_, o)| o).collect())
    }

    /// Finishes input file `f` (unless it was written early or is not in
    /// the output) and hands it to `write`.
    fn write_one(
        &self,
        f: FileId,
        links: &Links,
        early: &Early,
        names: &Names,
        rels: &[String],
        write: &(dyn Fn(FileId, &mut Output) -> Result<()> + Sync),
    ) -> Result<Option<Output>> {
        let i = Node::file(f);
        if !self.plan.in_output[f] {
            return Ok(None);
        }
        if let Some(d) = &early.files[f] {
            return Ok(Some(d.clone()));
        }
        let rel = rels[i].clone();
        let hash = names.hashes[i].clone();
        let mut output = if self.bytes[i].is_none() {
            let (_, integrity, size) = early.copied[f].clone().unwrap_or_default();
            Output {
                rel,
                bytes: None,
                map: None,
                map_integrity: None,
                size,
                integrity,
                hash,
                cycle: Vec::new(),
                content: None,
            }
        } else {
            let b = self.finished(i, links, names)?;
            let map = match &self.maps[f] {
                Some(m) => Some(map_named(&m.load()?, &rel, &self.files[f].rel)),
                None => None,
            };
            let names_others = !links.deps[i].is_empty() || !links.sri_deps[i].is_empty();
            let content = match names_others {
                true => Some(sha256_hex(&self.substituted(
                    i,
                    links,
                    names,
                    &links.deps[i],
                    &links.sri_deps[i],
                )?)),
                false => None,
            };
            Output {
                hash,
                cycle: names.cycles[i].clone(),
                content,
                ..output_of(rel, b)
            }
            .with_map(map)
        };
        write(f, &mut output)?;
        Ok(Some(output))
    }
}
