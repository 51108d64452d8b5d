//! assetpress turns a frontend build folder (`dist/`, `public/`, a static
//! site) into CDN-ready output.
//!
//! One run is a pipeline of plain stages; data flows forward only:
//!
//! ```text
//! discover ─► mentions ─► transform (parallel) ─► naming rule ─► graph ─► hash & name ─► emit ─► report
//!  walk,       where each   minify JS (swc),       who keeps its  edges,    content hash    staging dir,  table,
//!  classify    name is      minify CSS             name, and why  cycles    over each file  atomic swap,  --json,
//!              written      (lightningcss),                                 and what it     manifests     exit
//!                           source maps, rewrite                            references                    status
//!                           references with
//!                           hash placeholders
//! ```
//!
//! [`run`] executes it for a [`Config`]. A bad input file never stops a run:
//! it becomes a [`Diagnostic`] and is passed through unchanged.

mod asset;
mod budget;
mod cache;
#[doc(hidden)]
pub mod cli;
mod config;
pub mod deploy;
pub mod diff;
mod digest;
mod discover;
mod emit;
mod encoding;
mod error;
#[doc(hidden)]
pub mod fuzz;
mod graph;
mod hash;
mod held;
mod id;
mod keep;
mod mentions;
mod naming;
mod pipeline;
mod placeholder;
mod report;
mod resolve;
mod rewrite;
pub mod shard;
pub mod store;
mod targets;
mod transform;
mod units;
pub mod verify;

pub use asset::ImageFormat;
pub use cache::Counts as CacheCounts;
pub use config::{
    BuildCache, ByteSize, CacheControl, Config, FileConfig, Images, Limits, ManifestFormat, Nginx,
    Quality,
};
pub use encoding::Encoding;
pub use error::{Diagnostic, Error, Loc, Result, Severity};
pub use pipeline::{NoProgress, Progress};
pub use report::{FileReport, Report, RunTotals, Totals};
pub use targets::Targets;
pub use transform::js::Unresolvable;
pub use transform::Status;

/// Runs the whole pipeline for `config`, without progress output.
pub fn run(config: &Config) -> Result<Report> {
    pipeline::run(config, &NoProgress)
}

/// Runs the whole pipeline for `config`, telling `progress` how it goes.
pub fn run_with_progress(config: &Config, progress: &dyn Progress) -> Result<Report> {
    pipeline::run(config, progress)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    /// The crate's top-level modules (`src/x.rs` or `src/x/`) and, for each,
    /// the other top-level modules its non-test code names as `crate::x`.
    fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut texts: BTreeMap<String, String> = BTreeMap::new();
        for entry in walkdir::WalkDir::new(&src).sort_by_file_name() {
            let entry = entry.unwrap();
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).unwrap();
            let top = rel.components().next().unwrap().as_os_str();
            let top = top.to_string_lossy().trim_end_matches(".rs").to_string();
            if top == "lib" || top == "main" {
                continue;
            }
            let text = std::fs::read_to_string(path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            let code: String = code
                .lines()
                .map(|l| l.split("//").next().unwrap_or_default())
                .collect::<Vec<_>>()
                .join("\n");
            texts.entry(top).or_default().push_str(&code);
        }
        let tops: BTreeSet<String> = texts.keys().cloned().collect();
        let word = |s: &str| -> String {
            s.chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        };
        let prefix = ["crate", "::"].concat();
        texts
            .iter()
            .map(|(top, code)| {
                let mut named = BTreeSet::new();
                for (at, _) in code.match_indices(&prefix) {
                    let rest = &code[at + prefix.len()..];
                    if let Some(group) = rest.strip_prefix('{') {
                        // `use crate::{a, b::c}`: every first segment.
                        let group = group.split('}').next().unwrap_or_default();
                        for part in group.split(',') {
                            named.insert(word(part.trim()));
                        }
                    } else {
                        named.insert(word(rest));
                    }
                }
                named.retain(|n| tops.contains(n) && n != top);
                (top.clone(), named)
            })
            .collect()
    }

    /// Modules that import each other in a circle, by Tarjan's algorithm
    /// (petgraph).
    fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
        let mut g = petgraph::graph::DiGraph::<&str, ()>::new();
        let nodes: BTreeMap<&str, _> = graph.keys().map(|k| (k.as_str(), g.add_node(k))).collect();
        for (from, tos) in graph {
            for to in tos {
                g.add_edge(nodes[from.as_str()], nodes[to.as_str()], ());
            }
        }
        petgraph::algo::tarjan_scc(&g)
            .into_iter()
            .filter(|c| c.len() > 1)
            .map(|c| {
                let mut names: Vec<String> = c.iter().map(|&n| g[n].to_string()).collect();
                names.sort();
                names
            })
            .collect()
    }

    #[test]
    fn imports_flow_one_way() {
        let graph = import_graph();
        assert!(graph.len() > 10, "modules not found: {graph:?}");
        assert_eq!(cycles(&graph), Vec::<Vec<String>>::new(), "{graph:#?}");
    }

    #[test]
    fn vocabulary_modules_are_leaves() {
        let graph = import_graph();
        for leaf in ["digest", "encoding", "id", "resolve"] {
            assert_eq!(graph[leaf], BTreeSet::new(), "{leaf} imports the crate");
        }
        let ids = BTreeSet::from(["id".to_string()]);
        assert_eq!(
            graph["placeholder"], ids,
            "placeholder imports more than ids"
        );
    }

    #[test]
    fn a_cycle_is_found() {
        let mut graph = import_graph();
        graph.get_mut("digest").unwrap().insert("hash".into());
        let found = cycles(&graph);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains(&"digest".to_string()) && found[0].contains(&"hash".to_string()));
    }
}
