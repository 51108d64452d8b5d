//! The references of JavaScript: the specifiers of the constructs that load
//! other files (`import`, `export … from`, `import()`, `new URL(…,
//! import.meta.url)`, workers, `importScripts`) found in swc's syntax tree,
//! and rewritten either in the tree (before minifying) or in place in the
//! text (a file that is not minified, an inline module script).

use swc_core::common::comments::{CommentKind, SingleThreadedComments};
use swc_core::common::Span;
use swc_core::ecma::ast::{
    CallExpr, Callee, ExportAll, Expr, ExprOrSpread, ImportDecl, Lit, MemberProp, MetaPropKind,
    NamedExport, NewExpr, Str,
};
use swc_core::ecma::visit::{Visit, VisitMut, VisitWith};

use crate::asset::JsFlavor;
use crate::error::loc_of_offset;
use crate::transform::error::TransformError;

use super::{parse, JsReference, Parsed, Unresolvable};

/// Finds the references of a parsed file.
pub(super) fn find_references(parsed: &Parsed) -> (References, Vec<JsReference>, Unresolvable) {
    let mut found = References::default();
    parsed.program.visit_with(&mut found);
    let unresolvable = Unresolvable {
        bare: found.bare,
        computed: found.computed,
    };
    let references = found
        .found
        .iter()
        .map(|(url, span, dynamic)| JsReference {
            url: url.clone(),
            loc: parsed.loc(*span),
            dynamic: *dynamic,
        })
        .collect();
    (found, references, unresolvable)
}

/// A file whose references were rewritten in place, its text otherwise untouched.
#[derive(Debug)]
pub struct RewrittenSource {
    /// The new text.
    pub code: String,
    /// The references found (the `sourceMappingURL` comment among them).
    pub references: Vec<JsReference>,
    /// Specifiers that are not files of the site.
    pub unresolvable: Unresolvable,
}

/// Rewrites the references of `src` (the file `rel`) in place without
/// minifying: each string literal that `rewrite` gives new text for is
/// replaced, and so is the URL of a `sourceMappingURL` comment.
pub fn rewrite_source(
    rel: &str,
    src: String,
    flavor: JsFlavor,
    max_depth: usize,
    rewrite: &dyn Fn(&str) -> Option<String>,
) -> Result<RewrittenSource, TransformError> {
    let parsed = parse(rel, src, flavor, max_depth)?;
    let (found, mut references, unresolvable) = find_references(&parsed);
    let text: &str = &parsed.fm.src;
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for (url, span, _) in &found.found {
        if let Some(new) = rewrite(url) {
            let (lo, hi) = (parsed.offset(span.lo), parsed.offset(span.hi));
            let quote = if text.as_bytes().get(lo) == Some(&b'\'') {
                '\''
            } else {
                '"'
            };
            edits.push((lo, hi, js_string(&new, quote)));
        }
    }
    if let Some((span, url_at, url)) = map_comment(&parsed.comments) {
        let lo = parsed.offset(span.lo) + url_at;
        references.push(JsReference {
            url: url.clone(),
            loc: loc_of_offset(text.as_bytes(), lo),
            dynamic: false,
        });
        if let Some(new) = rewrite(&url) {
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

/// Replaces the string literals that start at the given positions.
#[derive(Default)]
pub(super) struct Rewrites(pub(super) std::collections::HashMap<swc_core::common::BytePos, String>);

impl VisitMut for Rewrites {
    fn visit_mut_str(&mut self, s: &mut Str) {
        if let Some(new) = self.0.get(&s.span.lo) {
            s.value = new.as_str().into();
            s.raw = None;
        }
    }
}

/// Collects the string specifiers of the constructs that load other files.
#[derive(Default)]
pub(super) struct References {
    /// Each specifier, the span of its string literal, and whether it is
    /// a dynamic `import("…")`.
    pub(super) found: Vec<(String, Span, bool)>,
    /// Set while visiting the argument of `import(…)`.
    dynamic: bool,
    /// `import "react"`: left to a bundler or an import map.
    bare: u32,
    /// `import(name)`: not knowable before run time.
    computed: u32,
}

impl References {
    fn add(&mut self, s: &Str) {
        let url = s.value.to_atom_lossy().to_string();
        if url.starts_with("./") || url.starts_with("../") || url.starts_with('/') {
            self.found.push((url, s.span, self.dynamic));
        } else if !url.contains(':') {
            self.bare += 1;
        }
    }

    fn add_first_string(&mut self, args: &[ExprOrSpread]) {
        match args.first() {
            Some(ExprOrSpread { spread: None, expr })
                if matches!(&**expr, Expr::Lit(Lit::Str(_))) =>
            {
                if let Expr::Lit(Lit::Str(s)) = &**expr {
                    self.add(s);
                }
            }
            Some(_) => self.computed += 1,
            None => {}
        }
    }
}

impl Visit for References {
    fn visit_import_decl(&mut self, n: &ImportDecl) {
        self.add(&n.src);
    }

    fn visit_export_all(&mut self, n: &ExportAll) {
        self.add(&n.src);
    }

    fn visit_named_export(&mut self, n: &NamedExport) {
        if let Some(src) = &n.src {
            self.add(src);
        }
    }

    fn visit_call_expr(&mut self, n: &CallExpr) {
        match &n.callee {
            Callee::Import(_) => {
                self.dynamic = true;
                self.add_first_string(&n.args);
                self.dynamic = false;
            }
            Callee::Expr(callee) if matches!(&**callee, Expr::Ident(i) if i.sym == *"importScripts") => {
                for arg in &n.args {
                    if let Expr::Lit(Lit::Str(s)) = &*arg.expr {
                        self.add(s);
                    }
                }
            }
            _ => {}
        }
        n.visit_children_with(self);
    }

    fn visit_new_expr(&mut self, n: &NewExpr) {
        let args = n.args.as_deref().unwrap_or_default();
        if let Expr::Ident(callee) = &*n.callee {
            let import_meta_url = matches!(args.get(1).map(|a| &*a.expr), Some(Expr::Member(m))
                if matches!(&*m.obj, Expr::MetaProp(p) if p.kind == MetaPropKind::ImportMeta)
                    && matches!(&m.prop, MemberProp::Ident(p) if p.sym == *"url"));
            match &*callee.sym {
                "URL" if import_meta_url => self.add_first_string(args),
                // `new Worker(new URL("./w.js", import.meta.url))`: the URL is
                // the reference, found when the inner expression is visited.
                "Worker" | "SharedWorker"
                    if matches!(args.first().map(|a| &*a.expr), Some(Expr::New(inner))
                        if matches!(&*inner.callee, Expr::Ident(i) if i.sym == *"URL")) => {}
                // A worker's URL resolves against the page, not the script:
                // only a root-absolute one is known here.
                "Worker" | "SharedWorker" => match args.first().map(|a| &*a.expr) {
                    Some(Expr::Lit(Lit::Str(s))) if s.value.to_atom_lossy().starts_with('/') => {
                        self.add(s)
                    }
                    Some(_) => self.computed += 1,
                    None => {}
                },
                _ => {}
            }
        }
        n.visit_children_with(self);
    }
}
