//! Source maps: finding the map a JS or CSS file already has (its
//! `sourceMappingURL`, or `<file>.map` beside it), reading it with its
//! `sources` rebased so they stay right from where the new map is written,
//! and rewriting the `file` a map names (the generated file it describes).

use std::collections::BTreeSet;
use std::path::Path;

use crate::resolve::{parent, resolve, Target};
use crate::transform::error::TransformError;
use crate::transform::json::{rewrite_json, RewrittenJson};

/// Where a file's existing source map lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MapRef {
    /// Another file of the input, by relative path.
    File(String),
    /// Inline, as a `data:` URL.
    DataUrl(String),
}

/// Finds the input map of `file_rel` from its `sourceMappingURL` (if any) among
/// the discovered `files` (root-absolute URLs resolve against the public path `base`). `Err` is a one-line warning; `Ok(None)` means the
/// file has no map and claims none.
pub fn locate(
    file_rel: &str,
    url: Option<&str>,
    base: &str,
    files: &BTreeSet<String>,
) -> Result<Option<MapRef>, TransformError> {
    let Some(url) = url else {
        let beside = format!("{file_rel}.map");
        return Ok(files.contains(&beside).then_some(MapRef::File(beside)));
    };
    if url.starts_with("data:") {
        return Ok(Some(MapRef::DataUrl(url.to_string())));
    }
    match resolve(file_rel, url, base, files) {
        Target::Asset { rel, .. } => Ok(Some(MapRef::File(rel))),
        Target::External => Err(format!("input source map {url} is remote; not composed").into()),
        Target::OutsideRoot => Err(format!(
            "input source map {url} points outside the input folder; not composed"
        )
        .into()),
        Target::SameDocument | Target::Folder(_) | Target::Missing(_) => {
            Err(format!("input source map {url} not found; not composed").into())
        }
    }
}

/// The `file` of a source map: the generated file it describes.
pub fn rewrite_file(
    text: &str,
    rewrite: &dyn Fn(&str) -> Option<String>,
) -> Result<RewrittenJson, TransformError> {
    rewrite_json(text, rewrite, |root, out| {
        if let Some(file) = root.as_object().and_then(|o| o.get_string("file")) {
            out.push((file.range, file.value.to_string()));
        }
    })
}

/// Reads the map `map_rel` under `root` and rewrites its `sources` (and
/// `sourceRoot`) relative to `new_map_rel`, the path the composed map gets.
pub fn read_rebased(
    root: &Path,
    map_rel: &str,
    new_map_rel: &str,
) -> Result<String, TransformError> {
    let bytes = std::fs::read(root.join(map_rel))
        .map_err(|e| format!("input source map {map_rel}: {e}; not composed"))?;
    let mut json: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| format!("input source map {map_rel} is not valid JSON ({e}); not composed"))?;
    let from = parent(map_rel);
    let to = parent(new_map_rel);
    if from != to
        || json
            .get("sourceRoot")
            .is_some_and(|r| r.as_str().is_some_and(|s| !s.is_empty()))
    {
        let root_prefix = json
            .get("sourceRoot")
            .and_then(|r| r.as_str())
            .unwrap_or("")
            .to_string();
        if let Some(sources) = json.get_mut("sources").and_then(|s| s.as_array_mut()) {
            for s in sources.iter_mut() {
                if let Some(src) = s.as_str() {
                    let full = if root_prefix.is_empty() {
                        src.to_string()
                    } else {
                        format!("{}/{}", root_prefix.trim_end_matches('/'), src)
                    };
                    if !(full.starts_with('/')
                        || full.contains("://")
                        || full.starts_with("webpack:"))
                    {
                        *s = relative(to, &lexical_join(from, &full)).into();
                    } else {
                        *s = full.into();
                    }
                }
            }
        }
        if let Some(obj) = json.as_object_mut() {
            obj.remove("sourceRoot");
        }
    }
    Ok(json.to_string())
}

/// Like [`join`], but keeps leading `..` segments instead of failing.
fn lexical_join(base: &str, path: &str) -> String {
    let mut parts: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).collect();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// The path of `target` as seen from the folder `from` (both relative to the same root).
fn relative(from: &str, target: &str) -> String {
    let f: Vec<&str> = from.split('/').filter(|s| !s.is_empty()).collect();
    let t: Vec<&str> = target.split('/').filter(|s| !s.is_empty()).collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut out: Vec<&str> = vec![".."; f.len() - common];
    out.extend(&t[common..]);
    out.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn map_beside_the_file_is_found_without_a_comment() {
        let f = files(&["js/app.js", "js/app.js.map"]);
        assert_eq!(
            locate("js/app.js", None, "/", &f),
            Ok(Some(MapRef::File("js/app.js.map".into())))
        );
        assert_eq!(locate("js/other.js", None, "/", &f), Ok(None));
    }

    #[test]
    fn comment_urls_resolve_relative_and_root_absolute() {
        let f = files(&["js/app.js", "maps/app map.js.map"]);
        assert_eq!(
            locate("js/app.js", Some("../maps/app%20map.js.map?v=1"), "/", &f),
            Ok(Some(MapRef::File("maps/app map.js.map".into())))
        );
        assert_eq!(
            locate("js/app.js", Some("/maps/app%20map.js.map"), "/", &f),
            Ok(Some(MapRef::File("maps/app map.js.map".into())))
        );
        assert!(locate("js/app.js", Some("../../etc/passwd"), "/", &f)
            .unwrap_err()
            .message
            .contains("outside"));
        assert!(locate("js/app.js", Some("missing.map"), "/", &f)
            .unwrap_err()
            .message
            .contains("not found"));
        assert!(locate("js/app.js", Some("https://x.test/a.map"), "/", &f)
            .unwrap_err()
            .message
            .contains("remote"));
    }

    #[test]
    fn sources_are_rebased_to_the_new_map_location() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("maps")).unwrap();
        std::fs::write(
            dir.path().join("maps/a.js.map"),
            r#"{"version":3,"sourceRoot":"../src","sources":["a.ts","/abs.ts"],"mappings":""}"#,
        )
        .unwrap();
        let json = read_rebased(dir.path(), "maps/a.js.map", "js/deep/a.js.map").unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["sources"][0], "../../src/a.ts");
        std::fs::write(
            dir.path().join("maps/b.js.map"),
            r#"{"version":3,"sources":["https://x.test/b.ts","b.ts"],"mappings":""}"#,
        )
        .unwrap();
        let json = read_rebased(dir.path(), "maps/b.js.map", "b.js.map").unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["sources"][0], "https://x.test/b.ts");
        assert_eq!(v["sources"][1], "maps/b.ts");
        assert!(v.get("sourceRoot").is_none());
    }
}
