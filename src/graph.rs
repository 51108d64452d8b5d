//! Stage 3: resolve every reference the transforms found into an edge between
//! two input files, warn about the ones that lead nowhere, and find the
//! reference cycles (`a.js` imports `b.js` imports `a.js`) for the report.

use petgraph::algo::tarjan_scc;
use petgraph::graph::DiGraph;

use crate::asset::{AssetKind, Load, Located, SourceFile};
use crate::error::Diagnostic;
use crate::id::FileId;
use crate::transform::Transformed;

/// Which file refers to which.
#[derive(Debug, Default)]
pub struct Graph {
    /// For each input file, the files it refers to, sorted, once each.
    pub edges: Vec<Vec<FileId>>,
    /// For each file, the files it only loads with a dynamic `import()`.
    pub dynamic: Vec<Vec<FileId>>,
    /// For each script, the modules it names in a static `import` or
    /// `export … from` (sorted, once each).
    pub imports: Vec<Vec<FileId>>,
    /// For each script, the modules it loads with an `import()` of its
    /// own (not the files of a preload list; sorted, once each).
    pub import_calls: Vec<Vec<FileId>>,
    /// Groups of files that refer to each other in a circle, each sorted by
    /// path, the groups sorted too.
    pub cycles: Vec<Vec<String>>,
}

/// Turns the references of every file (resolved by the transforms) into
/// edges. A reference to a missing file or climbing out of the input is a
/// warning at its location; it is left as written.
pub fn build(files: &[SourceFile], results: &[Transformed]) -> (Graph, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut edges = vec![Vec::new(); files.len()];
    let mut statics = vec![Vec::new(); files.len()];
    let mut dynamic = vec![Vec::new(); files.len()];
    let mut imports = vec![Vec::new(); files.len()];
    let mut import_calls = vec![Vec::new(); files.len()];
    for ((i, file), result) in FileId::all(files.len()).zip(files).zip(results) {
        for r in &result.references {
            let problem = match &r.to {
                Located::File(j) => {
                    edges[i].push(*j);
                    match r.load {
                        Load::Import => imports[i].push(*j),
                        Load::Call => import_calls[i].push(*j),
                        Load::With | Load::Preload => {}
                    }
                    if r.load.on_demand() {
                        dynamic[i].push(*j);
                    } else {
                        statics[i].push(*j);
                    }
                    continue;
                }
                Located::Missing(path) => {
                    format!("{} not found (no file {path} in the input)", r.url)
                }
                Located::OutsideRoot => format!("{} points outside the input folder", r.url),
                Located::Elsewhere => continue,
            };
            // A map's `file` is a label; a stale one breaks nothing.
            if file.kind == AssetKind::SourceMap {
                continue;
            }
            diagnostics.push(Diagnostic::warning(
                &file.rel,
                Some(r.loc),
                format!("reference {problem}; left as written"),
            ));
        }
        edges[i].sort_unstable();
        edges[i].dedup();
        let s = std::mem::take(&mut statics[i]);
        dynamic[i].retain(|j| !s.contains(j));
        dynamic[i].sort_unstable();
        dynamic[i].dedup();
        imports[i].sort_unstable();
        imports[i].dedup();
        import_calls[i].sort_unstable();
        import_calls[i].dedup();
    }
    let cycles = cycles(files, &edges);
    (
        Graph {
            edges,
            dynamic,
            imports,
            import_calls,
            cycles,
        },
        diagnostics,
    )
}

/// The strongly connected components with more than one file, or a file that
/// refers to itself.
fn cycles(files: &[SourceFile], edges: &[Vec<FileId>]) -> Vec<Vec<String>> {
    let mut g = DiGraph::<(), ()>::with_capacity(files.len(), edges.iter().map(Vec::len).sum());
    let nodes: Vec<_> = files.iter().map(|_| g.add_node(())).collect();
    for (from, targets) in FileId::all(files.len()).zip(edges) {
        for &to in targets {
            // A source map naming its code file (`file`) is no cycle worth listing.
            if files[from].rel.strip_suffix(".map") == Some(files[to].rel.as_str()) {
                continue;
            }
            g.add_edge(nodes[from], nodes[to], ());
        }
    }
    let mut cycles: Vec<Vec<String>> = tarjan_scc(&g)
        .into_iter()
        .filter(|c| c.len() > 1 || g.contains_edge(c[0], c[0]))
        .map(|c| {
            let mut names: Vec<String> = c.iter().map(|n| files[n.index()].rel.clone()).collect();
            names.sort();
            names
        })
        .collect();
    cycles.sort();
    cycles
}
