//! What a deploy uploads, with which headers, in which order. Every file of
//! the output is one object; its class and headers follow from the manifest
//! by the rules `headers.json` is written by. Objects go up in stages: every
//! hashed file in a stage after the hashed files it names, then the files
//! that keep their names (pages last, after the kept files they name), then
//! the generated files (manifests). A stage starts when the one before it is
//! complete, so no page is ever visible before an asset it names.

use std::collections::BTreeMap;
use std::path::Path;

use petgraph::algo::tarjan_scc;
use petgraph::graph::DiGraph;
use serde::Serialize;

use crate::emit::headers::{content_type, Class};
use crate::emit::manifest::Manifest;
use crate::error::{Diagnostic, Error, Result};

/// One object to store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Object {
    /// Path inside the output, and under the target.
    pub rel: String,
    /// What its caching and its order go by.
    pub class: Class,
    /// `Cache-Control`.
    pub cache_control: String,
    /// `Content-Type`.
    pub content_type: String,
    /// `Content-Encoding`, for a precompressed copy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<&'static str>,
    /// Size in bytes.
    pub size: u64,
    /// The stage it goes up in (0 first).
    pub stage: usize,
}

/// The objects of an output, sorted by stage, then path.
#[derive(Debug)]
pub struct Plan {
    /// Every object.
    pub objects: Vec<Object>,
    /// Files the manifest does not account for (uploaded last, as kept names).
    pub warnings: Vec<Diagnostic>,
}

/// A group of objects that go up together: a file with its map and
/// compressed copies, or one image variant, or one generated file.
struct Unit {
    hashed: bool,
    /// Generated or unknown: after everything else.
    last: bool,
    deps: Vec<usize>,
}

/// Plans the upload of the output folder `out`, whose manifest is `m`.
pub fn plan(out: &Path, m: &Manifest) -> Result<Plan> {
    let mut units: Vec<Unit> = Vec::new();
    // Output path → (unit, hashed).
    let mut unit_of: BTreeMap<String, (usize, bool)> = BTreeMap::new();
    let mut asset_unit: BTreeMap<&str, usize> = BTreeMap::new();
    let mut variant_units: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let new_unit = |units: &mut Vec<Unit>, hashed: bool, last: bool| {
        units.push(Unit {
            hashed,
            last,
            deps: Vec::new(),
        });
        units.len() - 1
    };
    for (key, e) in &m.assets {
        let hashed = e.file != *key || e.bundler_hashed;
        let u = new_unit(&mut units, hashed, false);
        asset_unit.insert(key, u);
        unit_of.insert(e.file.clone(), (u, hashed));
        if let Some(map) = &e.map {
            unit_of.insert(map.clone(), (u, hashed));
        }
        for v in &e.variants {
            let vu = new_unit(&mut units, true, false);
            unit_of.insert(v.file.clone(), (vu, true));
            variant_units.entry(key).or_default().push(vu);
        }
    }
    for (key, e) in &m.assets {
        let u = asset_unit[key.as_str()];
        for r in &e.references {
            if let Some(&ru) = asset_unit.get(r.as_str()) {
                units[u].deps.push(ru);
                units[u]
                    .deps
                    .extend(variant_units.get(r.as_str()).into_iter().flatten());
            }
        }
    }
    for g in &m.generated {
        if !unit_of.contains_key(g) {
            let u = new_unit(&mut units, false, true);
            unit_of.insert(g.clone(), (u, false));
        }
    }

    // Each object with its unit, whose stage is known once all are found.
    let mut found: Vec<(Object, usize)> = Vec::new();
    let mut warnings = Vec::new();
    for entry in walkdir::WalkDir::new(out)
        .sort_by_file_name()
        .follow_links(false)
    {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(out).to_path_buf();
            Error::io(path, e.into())
        })?;
        if entry.file_type().is_dir() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(out)
            .unwrap_or(entry.path())
            .to_string_lossy()
            .replace('\\', "/");
        if !entry.file_type().is_file() {
            warnings.push(Diagnostic::warning(
                &rel,
                None,
                "not a regular file (a symbolic link?): not uploaded",
            ));
            continue;
        }
        let size = entry
            .metadata()
            .map_err(|e| Error::io(entry.path(), e.into()))?
            .len();
        let copy = [(".gz", "gzip"), (".br", "br")]
            .into_iter()
            .find_map(|(ext, name)| {
                let base = rel.strip_suffix(ext)?;
                unit_of
                    .get(base)
                    .map(|&(u, h)| (u, h, name, base.to_string()))
            });
        let (u, hashed, encoding, base) = match (unit_of.get(&rel), copy) {
            (Some(&(u, h)), _) => (u, h, None, rel.clone()),
            (None, Some((u, h, name, base))) => (u, h, Some(name), base),
            (None, None) => {
                warnings.push(Diagnostic::warning(
                    &rel,
                    None,
                    "the manifest does not list this file: uploaded last, as a file that keeps its name",
                ));
                (new_unit(&mut units, false, true), false, None, rel.clone())
            }
        };
        let class = Class::of_path(&base, hashed);
        let object = Object {
            cache_control: class.cache_control(&m.cache_control).to_string(),
            content_type: content_type(&base),
            content_encoding: encoding,
            class,
            rel,
            size,
            stage: 0,
        };
        found.push((object, u));
    }

    let stages = stages(&units);
    let mut objects: Vec<Object> = found
        .into_iter()
        .map(|(o, u)| Object {
            stage: stages[u],
            ..o
        })
        .collect();
    objects.sort_by(|a, b| (a.stage, &a.rel).cmp(&(b.stage, &b.rel)));
    Ok(Plan { objects, warnings })
}

/// The stage of each unit: hashed units by the depth of the hashed files
/// they name, then kept ones by the depth of the kept files they name,
/// then the last ones.
fn stages(units: &[Unit]) -> Vec<usize> {
    let mut stage = vec![0; units.len()];
    let hashed = levels(units, |u| u.hashed && !u.last);
    let first_kept = hashed.iter().flatten().map(|&l| l + 1).max().unwrap_or(0);
    let kept = levels(units, |u| !u.hashed && !u.last);
    let first_last = kept
        .iter()
        .flatten()
        .map(|&l| first_kept + l + 1)
        .max()
        .unwrap_or(first_kept);
    for (i, u) in units.iter().enumerate() {
        stage[i] = match (hashed[i], kept[i]) {
            (Some(l), _) => l,
            (_, Some(l)) => first_kept + l,
            _ if u.last => first_last,
            _ => 0,
        };
    }
    stage
}

/// The depth of each unit that `member` selects, over the edges between
/// selected units: 0 for one that names none, else one more than the
/// deepest it names; the members of a cycle share one depth.
fn levels(units: &[Unit], member: impl Fn(&Unit) -> bool) -> Vec<Option<usize>> {
    let mut g = DiGraph::<usize, ()>::new();
    let nodes: Vec<_> = (0..units.len()).map(|i| g.add_node(i)).collect();
    for (i, u) in units.iter().enumerate() {
        if !member(u) {
            continue;
        }
        for &d in &u.deps {
            if member(&units[d]) && d != i {
                g.add_edge(nodes[i], nodes[d], ());
            }
        }
    }
    let mut level: Vec<Option<usize>> = vec![None; units.len()];
    // Tarjan's components come out dependencies first.
    for component in tarjan_scc(&g) {
        let members: Vec<usize> = component.iter().map(|&n| g[n]).collect();
        if !members.iter().all(|&i| member(&units[i])) {
            continue;
        }
        let depth = members
            .iter()
            .flat_map(|&i| &units[i].deps)
            .filter(|d| !members.contains(d) && member(&units[**d]))
            .filter_map(|&d| level[d].map(|l| l + 1))
            .max()
            .unwrap_or(0);
        for i in members {
            level[i] = Some(depth);
        }
    }
    level
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(hashed: bool, deps: &[usize]) -> Unit {
        Unit {
            hashed,
            last: false,
            deps: deps.to_vec(),
        }
    }

    fn stages_test(units: Vec<Unit>, expected: &[usize]) {
        assert_eq!(stages(&units), expected);
    }

    #[test]
    fn hashed_files_go_up_before_what_names_them_and_pages_last() {
        // font, css → font, js, page → css + js, page2 → page
        stages_test(
            vec![
                unit(true, &[]),
                unit(true, &[0]),
                unit(true, &[]),
                unit(false, &[1, 2]),
                unit(false, &[3]),
            ],
            &[0, 1, 0, 2, 3],
        );
    }

    #[test]
    fn a_cycle_goes_up_in_one_stage() {
        stages_test(
            vec![unit(true, &[1]), unit(true, &[0]), unit(true, &[0])],
            &[0, 0, 1],
        );
    }

    #[test]
    fn a_hashed_file_naming_a_page_still_goes_first() {
        stages_test(vec![unit(true, &[1]), unit(false, &[0])], &[0, 1]);
    }

    #[test]
    fn generated_files_go_last() {
        let mut units = vec![unit(true, &[]), unit(false, &[0])];
        units.push(Unit {
            hashed: false,
            last: true,
            deps: vec![],
        });
        stages_test(units, &[0, 1, 2]);
    }
}
