//! Web app manifests (`*.webmanifest`): the image URLs they name —
//! `icons[].src`, `screenshots[].src`, `shortcuts[].icons[].src` — which
//! resolve against the manifest's own URL.

use jsonc_parser::ast::{Array, Object, Value};
use jsonc_parser::common::Range;
use jsonc_parser::{parse_to_ast, CollectOptions, ParseOptions};

use crate::error::{loc_of_offset, Loc};
use crate::transform::error::TransformError;

/// A URL the manifest names, and where its string starts (when it can be found).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestReference {
    /// The URL as written.
    pub url: String,
    /// Where the string literal starts.
    pub loc: Option<Loc>,
}

/// A manifest (or other JSON) whose URL strings were rewritten in place.
#[derive(Debug)]
pub struct RewrittenJson {
    /// The new text: only the rewritten strings differ.
    pub text: String,
    /// The URLs found, in document order.
    pub references: Vec<ManifestReference>,
}

/// The image URLs of a manifest, in document order, rewritten in place with
/// `rewrite`; `Err` is a JSON syntax error with its location.
pub fn rewrite(
    text: &str,
    rewrite: &dyn Fn(&str) -> Option<String>,
) -> Result<RewrittenJson, TransformError> {
    rewrite_json(text, rewrite, |root, out| {
        let Some(root) = root.as_object() else { return };
        let srcs = |list: Option<&Array<'_>>, out: &mut Vec<(Range, String)>| {
            for item in list.into_iter().flat_map(|l| l.elements.iter()) {
                if let Some(src) = item.as_object().and_then(|o| o.get_string("src")) {
                    out.push((src.range, src.value.to_string()));
                }
            }
        };
        srcs(root.get_array("icons"), out);
        srcs(root.get_array("screenshots"), out);
        for shortcut in root
            .get_array("shortcuts")
            .into_iter()
            .flat_map(|a| a.elements.iter())
        {
            srcs(shortcut.as_object().and_then(|o| o.get_array("icons")), out);
        }
    })
}

/// The URLs of an import map (`imports` values and every scope's values),
/// rewritten in place.
pub fn rewrite_import_map(
    text: &str,
    rewrite: &dyn Fn(&str) -> Option<String>,
) -> Result<RewrittenJson, TransformError> {
    rewrite_json(text, rewrite, |root, out| {
        let Some(root) = root.as_object() else { return };
        let values = |map: Option<&Object<'_>>, out: &mut Vec<(Range, String)>| {
            for prop in map.into_iter().flat_map(|m| m.properties.iter()) {
                if let Some(s) = prop.value.as_string_lit() {
                    out.push((s.range, s.value.to_string()));
                }
            }
        };
        values(root.get_object("imports"), out);
        for scope in root
            .get_object("scopes")
            .into_iter()
            .flat_map(|s| s.properties.iter())
        {
            values(scope.value.as_object(), out);
        }
    })
}

/// The `file` of a source map: the generated file it describes.
pub fn rewrite_map_file(
    text: &str,
    rewrite: &dyn Fn(&str) -> Option<String>,
) -> Result<RewrittenJson, TransformError> {
    rewrite_json(text, rewrite, |root, out| {
        if let Some(file) = root.as_object().and_then(|o| o.get_string("file")) {
            out.push((file.range, file.value.to_string()));
        }
    })
}

/// Validates `text` as strict JSON (serde_json), finds the string values
/// `select` picks in jsonc-parser's tree (which knows where each is), and
/// replaces those `rewrite` has new text for.
fn rewrite_json(
    text: &str,
    rewrite: &dyn Fn(&str) -> Option<String>,
    select: impl Fn(&Value<'_>, &mut Vec<(Range, String)>),
) -> Result<RewrittenJson, TransformError> {
    serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|e| {
        let loc = Loc {
            line: e.line() as u32,
            col: e.column() as u32,
        };
        TransformError::at(format!("not valid JSON: {e}"), Some(loc))
    })?;
    let parsed =
        parse_to_ast(text, &CollectOptions::default(), &ParseOptions::default()).map_err(|e| {
            let loc = loc_of_offset(text.as_bytes(), e.range().start);
            TransformError::at(format!("not valid JSON: {e}"), Some(loc))
        })?;
    let mut strings = Vec::new();
    if let Some(root) = &parsed.value {
        select(root, &mut strings);
    }
    strings.sort_by_key(|(r, _)| r.start);
    let mut out = String::with_capacity(text.len());
    let mut references = Vec::with_capacity(strings.len());
    let mut last = 0;
    for (range, url) in strings {
        references.push(ManifestReference {
            url: url.clone(),
            loc: Some(loc_of_offset(text.as_bytes(), range.start)),
        });
        if let Some(new) = rewrite(&url) {
            if range.start >= last {
                out.push_str(&text[last..range.start]);
                out.push_str(&serde_json::to_string(&new).unwrap_or_default());
                last = range.end;
            }
        }
    }
    out.push_str(&text[last..]);
    Ok(RewrittenJson {
        text: out,
        references,
    })
}

/// The image URLs of a manifest, in document order; `Err` is a JSON syntax
/// error with its location.
pub fn references(text: &str) -> Result<Vec<ManifestReference>, TransformError> {
    rewrite(text, &|_| None).map(|r| r.references)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icons_screenshots_and_shortcut_icons() {
        let text = r#"{
  "name": "x",
  "icons": [{"src": "icons/192.png", "sizes": "192x192"}, {"src": "/icons/512.png"}],
  "screenshots": [{"src": "shot.png"}],
  "shortcuts": [{"name": "s", "url": "/s", "icons": [{"src": "s.png"}]}]
}"#;
        let r = references(text).unwrap();
        let urls: Vec<&str> = r.iter().map(|r| r.url.as_str()).collect();
        assert_eq!(
            urls,
            ["icons/192.png", "/icons/512.png", "shot.png", "s.png"]
        );
        assert_eq!(r[0].loc, Some(Loc { line: 3, col: 21 }));
    }

    #[test]
    fn strings_are_rewritten_in_place() {
        let text = "{\n  \"icons\": [ {\"src\": \"a.png\"}, {\"src\": \"\\/b.png\"} ],\n  \"name\": \"a.png\"\n}";
        let r = rewrite(text, &|u| Some(format!("{u}?x"))).unwrap();
        assert_eq!(r.text, "{\n  \"icons\": [ {\"src\": \"a.png?x\"}, {\"src\": \"/b.png?x\"} ],\n  \"name\": \"a.png\"\n}");
    }

    #[test]
    fn import_maps() {
        let text =
            r#"{"imports":{"app":"./js/app.js","lib/":"./lib/"},"scopes":{"/x/":{"y":"/y.js"}}}"#;
        let r = rewrite_import_map(text, &|_| None).unwrap();
        let urls: Vec<&str> = r.references.iter().map(|r| r.url.as_str()).collect();
        assert_eq!(urls, ["./js/app.js", "./lib/", "/y.js"]);
    }

    #[test]
    fn syntax_errors_are_located() {
        let e = references("{\n  \"icons\": [,]\n}").unwrap_err();
        assert!(e.message.starts_with("not valid JSON"), "{e}");
        assert_eq!(e.loc.map(|l| l.line), Some(2));
    }
}
