//! Web app manifests (`*.webmanifest`): the image URLs they name —
//! `icons[].src`, `screenshots[].src`, `shortcuts[].icons[].src` — which
//! resolve against the manifest's own URL.

use crate::error::{loc_of_offset, Loc};

/// A URL the manifest names, and where its string starts (when it can be found).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestReference {
    /// The URL as written.
    pub url: String,
    /// Where the string literal starts.
    pub loc: Option<Loc>,
}

/// The image URLs of a manifest, in document order; `Err` is a JSON syntax
/// error with its location.
pub fn references(text: &str) -> Result<Vec<ManifestReference>, (String, Loc)> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        (
            format!("not valid JSON: {e}"),
            Loc {
                line: e.line() as u32,
                col: e.column() as u32,
            },
        )
    })?;
    let mut urls = Vec::new();
    let srcs = |list: Option<&serde_json::Value>, urls: &mut Vec<String>| {
        for item in list.and_then(|l| l.as_array()).into_iter().flatten() {
            if let Some(src) = item.get("src").and_then(|s| s.as_str()) {
                urls.push(src.to_string());
            }
        }
    };
    srcs(json.get("icons"), &mut urls);
    srcs(json.get("screenshots"), &mut urls);
    for shortcut in json
        .get("shortcuts")
        .and_then(|s| s.as_array())
        .into_iter()
        .flatten()
    {
        srcs(shortcut.get("icons"), &mut urls);
    }
    // Locate each string in the text, searching onward from the previous one.
    let mut from = 0;
    let mut out = Vec::with_capacity(urls.len());
    for url in urls {
        let literal = serde_json::to_string(&url).unwrap_or_default();
        let at = text
            .get(from..)
            .and_then(|rest| rest.find(&literal))
            .map(|i| from + i);
        if let Some(at) = at {
            from = at + literal.len();
        }
        out.push(ManifestReference {
            url,
            loc: at.map(|at| loc_of_offset(text.as_bytes(), at)),
        });
    }
    Ok(out)
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
    fn syntax_errors_are_located() {
        let (msg, loc) = references("{\n  \"icons\": [,]\n}").unwrap_err();
        assert!(msg.starts_with("not valid JSON"), "{msg}");
        assert_eq!(loc.line, 2);
    }
}
