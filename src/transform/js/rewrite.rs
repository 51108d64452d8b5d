//! Writes the new URLs of found references: in the syntax tree before
//! minifying ([`Rewrites`]), or in place in the text of a file that is not
//! minified ([`rewrite_source`]: only the literals and the
//! `sourceMappingURL` comment change, byte for byte the rest stays).

use swc_core::common::comments::{CommentKind, SingleThreadedComments};
use swc_core::common::Span;
use swc_core::ecma::ast::{Str, Tpl};
use swc_core::ecma::visit::{VisitMut, VisitMutWith};

use crate::asset::{JsFlavor, Load};
use crate::error::loc_of_offset;
use crate::transform::error::TransformError;

use super::references::find_references;
use super::{parse, JsReference, RelativeTo, Rewrite, Unresolvable};

/// A file whose references were rewritten in place, its text otherwise untouched.
#[derive(Debug)]
pub struct RewrittenSource {
    /// The new text.
    pub code: String,
    /// The references found (the `sourceMappingURL` comment among them).
    pub references: Vec<JsReference>,
    /// Specifiers that are not files of the site.
    pub unresolvable: Unresolvable,
    /// Where the computed ones are, each with what it means: warnings.
    pub left_alone: Vec<TransformError>,
}

/// Rewrites the references of `src` (the file `rel`) in place without
/// minifying: each literal that `rewrite` gives new text for is replaced,
/// and so is the URL of a `sourceMappingURL` comment.
pub fn rewrite_source(
    rel: &str,
    src: String,
    flavor: JsFlavor,
    max_depth: usize,
    rewrite: Rewrite,
) -> Result<RewrittenSource, TransformError> {
    let parsed = parse(rel, src, flavor, max_depth)?;
    let (found, mut references, unresolvable, left_alone) = find_references(&parsed);
    let text: &str = &parsed.fm.src;
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for f in &found {
        if let Some(new) = rewrite(&f.url, f.relative_to) {
            let (lo, hi) = (parsed.offset(f.span.lo), parsed.offset(f.span.hi));
            let literal = match text.as_bytes().get(lo) {
                _ if f.template => format!("`{}`", template_text(&new)),
                Some(b'\'') => js_string(&new, '\''),
                _ => js_string(&new, '"'),
            };
            edits.push((lo, hi, literal));
        }
    }
    if let Some((span, url_at, url)) = map_comment(&parsed.comments) {
        let lo = parsed.offset(span.lo) + url_at;
        references.push(JsReference {
            url: url.clone(),
            loc: loc_of_offset(text.as_bytes(), lo),
            load: Load::With,
            relative_to: RelativeTo::File,
        });
        if let Some(new) = rewrite(&url, RelativeTo::File) {
            edits.push((lo, lo + url.len(), new));
        }
    }
    edits.sort_by_key(|e| e.0);
    let mut code = String::with_capacity(text.len());
    let mut last = 0;
    for (lo, hi, new) in edits {
        if lo < last {
            continue;
        }
        code.push_str(&text[last..lo]);
        code.push_str(&new);
        last = hi;
    }
    code.push_str(&text[last..]);
    Ok(RewrittenSource {
        code,
        references,
        unresolvable,
        left_alone,
    })
}

/// The file's own `//# sourceMappingURL=` comment: its span, where the URL
/// starts inside the comment (from the span's start), and the URL.
pub(super) fn map_comment(comments: &SingleThreadedComments) -> Option<(Span, usize, String)> {
    let (leading, trailing) = comments.borrow_all();
    let mut found = None;
    for c in leading.values().chain(trailing.values()).flatten() {
        if c.kind != CommentKind::Line {
            continue;
        }
        let text: &str = &c.text;
        let trimmed = text.trim_start();
        let Some(rest) = trimmed
            .strip_prefix("# sourceMappingURL=")
            .or_else(|| trimmed.strip_prefix("@ sourceMappingURL="))
        else {
            continue;
        };
        let url = rest.trim_end();
        if url.is_empty() || url.starts_with("data:") {
            continue;
        }
        // `//` then the text up to the URL.
        let at = 2 + (text.len() - trimmed.len()) + "# sourceMappingURL=".len();
        if found
            .as_ref()
            .is_none_or(|(s, _, _): &(Span, usize, String)| s.lo < c.span.lo)
        {
            found = Some((c.span, at, url.to_string()));
        }
    }
    found
}

/// A JS string literal of `text` in `quote`s.
pub(super) fn js_string(text: &str, quote: char) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// The text between the backquotes of a template literal whose value is `text`.
pub(super) fn template_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '`' => out.push_str("\\`"),
            // A line break would be kept, but `\r` is read as `\n`.
            '\r' => out.push_str("\\r"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out
}

/// Replaces the string and template literals that start at the given positions.
#[derive(Default)]
pub(super) struct Rewrites(pub(super) std::collections::HashMap<swc_core::common::BytePos, String>);

impl VisitMut for Rewrites {
    fn visit_mut_str(&mut self, s: &mut Str) {
        if let Some(new) = self.0.get(&s.span.lo) {
            s.value = new.as_str().into();
            s.raw = None;
        }
    }

    fn visit_mut_tpl(&mut self, t: &mut Tpl) {
        match (self.0.get(&t.span.lo), t.quasis.as_mut_slice()) {
            (Some(new), [quasi]) if t.exprs.is_empty() => {
                quasi.cooked = Some(new.as_str().into());
                quasi.raw = template_text(new).into();
            }
            _ => t.visit_mut_children_with(self),
        }
    }
}
