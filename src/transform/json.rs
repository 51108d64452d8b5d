//! JSON documents that name URLs (web app manifests, import maps, source
//! maps): the strings a caller selects, found with their locations and
//! rewritten in place, every other byte kept as written.

use jsonc_parser::ast::Value;
use jsonc_parser::common::Range;
use jsonc_parser::{parse_to_ast, CollectOptions, ParseOptions};

use crate::error::{loc_of_offset, Loc};
use crate::transform::error::TransformError;

/// A URL a JSON document names, and where its string starts (when it can be found).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonReference {
    /// The URL as written.
    pub url: String,
    /// Where the string literal starts.
    pub loc: Option<Loc>,
}

/// A JSON document whose URL strings were rewritten in place.
#[derive(Debug)]
pub struct RewrittenJson {
    /// The new text: only the rewritten strings differ.
    pub text: String,
    /// The URLs found, in document order.
    pub references: Vec<JsonReference>,
}

/// Validates `text` as strict JSON (serde_json), finds the string values
/// `select` picks in jsonc-parser's tree (which knows where each is), and
/// replaces those `rewrite` has new text for.
pub fn rewrite_json(
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
        references.push(JsonReference {
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
