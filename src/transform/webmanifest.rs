//! Web app manifests (`*.webmanifest`): the image URLs they name —
//! `icons[].src`, `screenshots[].src`, `shortcuts[].icons[].src` — which
//! resolve against the manifest's own URL.

use jsonc_parser::ast::{Array, Object};
use jsonc_parser::common::Range;

use crate::transform::error::TransformError;
use crate::transform::json::{rewrite_json, JsonReference, RewrittenJson};

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

/// The image URLs of a manifest, in document order; `Err` is a JSON syntax
/// error with its location.
pub fn references(text: &str) -> Result<Vec<JsonReference>, TransformError> {
    rewrite(text, &|_| None).map(|r| r.references)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Loc;

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
