//! The references of JavaScript: the specifiers of the constructs that load
//! other files (`import`, `export … from`, `import()`, `import.meta.resolve`,
//! `new URL(…, import.meta.url)`, workers, `importScripts`, service worker
//! registration, bundlers' preload lists) found in swc's syntax tree, as
//! string literals or template literals without `${}` (rewritten by
//! `rewrite.rs`). What cannot be known before run time (`import(name)`) is
//! left as written, with where it is.

use swc_core::common::{Span, Spanned};
use swc_core::ecma::ast::{
    ArrayLit, ArrowFunctionBody, BinaryOp, CallExpr, Callee, ExportAll, Expr, ExprOrSpread,
    ImportDecl, Lit, MemberProp, MetaPropKind, NamedExport, NewExpr, Pat, Str, VarDeclarator,
};
use swc_core::ecma::visit::{Visit, VisitWith};

use crate::asset::Load;
use crate::transform::error::TransformError;

use super::{JsReference, Parsed, RelativeTo, Unresolvable};

/// Finds the references of a parsed file: each with its literal, as the
/// caller hands them on, what is left alone (counted), and where the
/// computed ones are (as warnings).
pub(super) fn find_references(
    parsed: &Parsed,
) -> (
    Vec<Found>,
    Vec<JsReference>,
    Unresolvable,
    Vec<TransformError>,
) {
    let mut found = References::default();
    parsed.program.visit_with(&mut found);
    let computed = found.take_computed();
    let unresolvable = Unresolvable {
        bare: found.bare,
        computed: computed.len() as u32,
    };
    let left_alone = computed
        .iter()
        .map(|(span, message)| TransformError::at(message.clone(), Some(parsed.loc(*span))))
        .collect();
    let references = found
        .found
        .iter()
        .map(|f| JsReference {
            url: f.url.clone(),
            loc: parsed.loc(f.span),
            load: f.load,
            relative_to: f.relative_to,
        })
        .collect();
    (found.found, references, unresolvable, left_alone)
}

/// A reference found in the syntax tree.
#[derive(Debug)]
pub(super) struct Found {
    /// The URL (the literal's value).
    pub(super) url: String,
    /// The literal, its quotes included.
    pub(super) span: Span,
    /// Whether the literal is a template (in backquotes).
    pub(super) template: bool,
    /// How the script loads it.
    pub(super) load: Load,
    /// What a relative URL is relative to.
    pub(super) relative_to: RelativeTo,
}

/// A string literal, or a template literal without `${}`.
struct Literal {
    value: String,
    span: Span,
    template: bool,
}

/// The literal `e` is, if it is one.
fn literal(e: &Expr) -> Option<Literal> {
    match e {
        Expr::Lit(Lit::Str(s)) => Some(Literal {
            value: s.value.to_atom_lossy().to_string(),
            span: s.span,
            template: false,
        }),
        Expr::Tpl(t) if t.exprs.is_empty() => match t.quasis.as_slice() {
            // No cooked value: an invalid escape, only allowed in a tagged template.
            [q] => q.cooked.as_ref().map(|c| Literal {
                value: c.to_atom_lossy().to_string(),
                span: t.span,
                template: true,
            }),
            _ => None,
        },
        Expr::Paren(p) => literal(&p.expr),
        _ => None,
    }
}

/// How the argument of a construct that loads a file names it.
#[derive(Clone, Copy)]
enum Names {
    /// A module specifier (`import`, `import.meta.resolve`): relative ones
    /// start with `./` or `../`, others without a scheme are bare.
    Module,
    /// A URL relative to the file (`new URL(…, import.meta.url)`,
    /// `importScripts`): `worker.js` is as relative as `./worker.js`.
    Url,
    /// A URL relative to the page that runs the code (`new Worker`,
    /// `serviceWorker.register`): only a root-absolute one is known here.
    PageUrl,
}

/// Collects the specifiers of the constructs that load other files.
#[derive(Default)]
pub(super) struct References {
    /// The references, in the order they were found.
    pub(super) found: Vec<Found>,
    /// How what is added now is loaded: set while adding the argument of
    /// `import(…)`, the source of an `import`/`export … from`, a file of a
    /// preload list.
    load: Load,
    /// `import "react"`: left to a bundler or an import map.
    bare: u32,
    /// `import(name)` and the like, with where and what they are.
    computed: Vec<(Span, String)>,
    /// The functions being visited, innermost last.
    functions: Vec<Function>,
    /// Computed URLs of Vite's preload helper (indices in `computed`).
    helpers: Vec<usize>,
}

/// A function being visited: whether it holds Vite's preload helper, and
/// the computed URLs inside it whose argument is a variable.
#[derive(Default)]
struct Function {
    vite_preload: bool,
    variables: Vec<usize>,
}

/// The event Vite's preload helper dispatches: the function it is written
/// in is that helper, whose computed URLs are the preload list's files
/// (found where the list is written).
const VITE_PRELOAD_EVENT: &str = "vite:preloadError";

impl References {
    /// The literal `lit`, the argument of `what`, naming a file as `names` says.
    fn add(&mut self, lit: Literal, names: Names, what: &str) {
        let url = lit.value.trim_matches(|c: char| c.is_ascii_whitespace());
        let root_absolute = url.starts_with('/') && !url.starts_with("//");
        let known = match names {
            Names::Module => url.starts_with("./") || url.starts_with("../") || root_absolute,
            Names::Url => true,
            Names::PageUrl => root_absolute || url.starts_with("//") || url.contains(':'),
        };
        if known {
            self.push(lit, RelativeTo::File);
        } else if let Names::PageUrl = names {
            let message = format!(
                "{what} of \"{url}\": a relative URL there resolves against the page, not \
                 this script; left as written (write new URL(\"{url}\", import.meta.url) \
                 or a root-absolute URL)"
            );
            self.computed.push((lit.span, message));
        } else if !url.contains(':') {
            self.bare += 1;
        }
    }

    fn push(&mut self, lit: Literal, relative_to: RelativeTo) {
        self.found.push(Found {
            url: lit.value,
            span: lit.span,
            template: lit.template,
            load: self.load,
            relative_to,
        });
    }

    /// An argument that is not a literal: only known at run time.
    fn add_computed(&mut self, arg: &Expr, what: &str) {
        let message = format!(
            "{what} of a computed URL: only known at run time, so a file it names cannot \
             follow a new name; left as written (give such files stable names with --keep-name)"
        );
        if let (Expr::Ident(_), Some(f)) = (arg, self.functions.last_mut()) {
            f.variables.push(self.computed.len());
        }
        self.computed.push((arg.span(), message));
    }

    /// The first argument of `what`.
    fn add_first(&mut self, args: &[ExprOrSpread], names: Names, what: &str) {
        match args.first() {
            Some(ExprOrSpread { spread: None, expr }) => match literal(expr) {
                Some(lit) => self.add(lit, names, what),
                None => self.add_computed(expr, what),
            },
            Some(arg) => self.add_computed(&arg.expr, what),
            None => {}
        }
    }

    /// Visits a function's body as one [`Function`].
    fn in_function(&mut self, body: impl FnOnce(&mut Self)) {
        self.functions.push(Function::default());
        body(self);
        let f = self.functions.pop().unwrap_or_default();
        if f.vite_preload {
            self.helpers.extend(f.variables);
        } else if let Some(outer) = self.functions.last_mut() {
            outer.variables.extend(f.variables);
        }
    }

    /// Notes a string that marks Vite's preload helper.
    fn note_string(&mut self, value: &str) {
        if value == VITE_PRELOAD_EVENT {
            for f in &mut self.functions {
                f.vite_preload = true;
            }
        }
    }

    /// The computed URLs but those of Vite's preload helper.
    pub(super) fn take_computed(&mut self) -> Vec<(Span, String)> {
        let mut helpers = std::mem::take(&mut self.helpers);
        helpers.sort_unstable();
        std::mem::take(&mut self.computed)
            .into_iter()
            .enumerate()
            .filter(|(i, _)| helpers.binary_search(i).is_err())
            .map(|(_, c)| c)
            .collect()
    }

    /// Runs `add` with what it adds loaded as `load`.
    fn add_as(&mut self, load: Load, add: impl FnOnce(&mut Self)) {
        let outer = std::mem::replace(&mut self.load, load);
        add(self);
        self.load = outer;
    }

    /// A file of a bundler's preload list: relative to the file when
    /// written so (`./x.js`, Vite's relative base), else to the site root.
    /// Loaded with the `import()` it is listed for: on demand.
    fn add_preload(&mut self, lit: Literal) {
        let relative_to = if lit.value.starts_with("./") || lit.value.starts_with("../") {
            RelativeTo::File
        } else {
            RelativeTo::SiteRoot
        };
        self.add_as(Load::Preload, |r| r.push(lit, relative_to));
    }
}

/// `import.meta.url`, or `"" + import.meta.url` as Vite writes it.
fn is_import_meta_url(e: &Expr) -> bool {
    match e {
        Expr::Member(m) => {
            is_import_meta(&m.obj) && matches!(&m.prop, MemberProp::Ident(p) if p.sym == *"url")
        }
        Expr::Bin(b) if b.op == BinaryOp::Add => {
            literal(&b.left).is_some_and(|l| l.value.is_empty()) && is_import_meta_url(&b.right)
        }
        Expr::Paren(p) => is_import_meta_url(&p.expr),
        _ => false,
    }
}

fn is_import_meta(e: &Expr) -> bool {
    matches!(e, Expr::MetaProp(p) if p.kind == MetaPropKind::ImportMeta)
}

/// Whether `e` is `name`, or a property `name` of anything (`self.name`).
fn is_named(e: &Expr, name: &str) -> bool {
    match e {
        Expr::Ident(i) => i.sym == *name,
        Expr::Member(m) => matches!(&m.prop, MemberProp::Ident(p) if p.sym == *name),
        _ => false,
    }
}

/// What a callee loads, if it is one of the calls that load a file.
fn call_kind(callee: &Expr) -> Option<(Names, &'static str)> {
    let m = match callee {
        Expr::Ident(i) if i.sym == *"importScripts" => {
            return Some((Names::Url, "importScripts()"))
        }
        Expr::Member(m) => m,
        _ => return None,
    };
    let MemberProp::Ident(prop) = &m.prop else {
        return None;
    };
    match &*prop.sym {
        "importScripts" if is_named(&m.obj, "self") || is_named(&m.obj, "globalThis") => {
            Some((Names::Url, "importScripts()"))
        }
        "resolve" if is_import_meta(&m.obj) => Some((Names::Module, "import.meta.resolve()")),
        "register" => match &*m.obj {
            Expr::Member(sw)
                if matches!(&sw.prop, MemberProp::Ident(p) if p.sym == *"serviceWorker")
                    && is_named(&sw.obj, "navigator") =>
            {
                Some((Names::PageUrl, "navigator.serviceWorker.register()"))
            }
            _ => None,
        },
        _ => None,
    }
}

/// Whether `e` is a function that returns `import(…)` (with `.then(…)`
/// after it, perhaps): the first argument of Vite's preload helper.
fn is_import_thunk(e: &Expr) -> bool {
    fn is_import(e: &Expr) -> bool {
        match e {
            Expr::Call(c) => match &c.callee {
                Callee::Import(_) => true,
                Callee::Expr(callee) => {
                    matches!(&**callee, Expr::Member(m) if is_import(&m.obj))
                }
                Callee::Super(_) => false,
            },
            Expr::Paren(p) => is_import(&p.expr),
            _ => false,
        }
    }
    match e {
        Expr::Arrow(a) => matches!(&*a.body, ArrowFunctionBody::Expr(body) if is_import(body)),
        Expr::Paren(p) => is_import_thunk(&p.expr),
        _ => false,
    }
}

/// The script and style files of an array literal, if that is all it holds.
fn preload_list(e: &Expr) -> Option<Vec<Literal>> {
    let Expr::Array(a) = e else { return None };
    let mut files = Vec::with_capacity(a.elems.len());
    for elem in &a.elems {
        let lit = match elem {
            Some(ExprOrSpread { spread: None, expr }) => literal(expr)?,
            _ => return None,
        };
        let path = lit.value.split(['?', '#']).next().unwrap_or_default();
        if ![".js", ".mjs", ".css"]
            .iter()
            .any(|ext| path.ends_with(ext))
        {
            return None;
        }
        files.push(lit);
    }
    (!files.is_empty()).then_some(files)
}

/// Collects the files of every array literal inside an expression.
struct PreloadLists<'a>(&'a mut References);

impl Visit for PreloadLists<'_> {
    fn visit_array_lit(&mut self, a: &ArrayLit) {
        for elem in a.elems.iter().flatten() {
            if elem.spread.is_none() {
                if let Some(lit) = literal(&elem.expr) {
                    self.0.add_preload(lit);
                }
            }
        }
        a.visit_children_with(self);
    }
}

impl Visit for References {
    fn visit_function(&mut self, n: &swc_core::ecma::ast::Function) {
        self.in_function(|v| n.visit_children_with(v));
    }

    fn visit_arrow_expr(&mut self, n: &swc_core::ecma::ast::ArrowExpr) {
        self.in_function(|v| n.visit_children_with(v));
    }

    fn visit_str(&mut self, n: &Str) {
        self.note_string(&n.value.to_atom_lossy());
    }

    fn visit_tpl_element(&mut self, n: &swc_core::ecma::ast::TplElement) {
        if let Some(cooked) = &n.cooked {
            self.note_string(&cooked.to_atom_lossy());
        }
    }

    fn visit_import_decl(&mut self, n: &ImportDecl) {
        self.add_as(Load::Import, |r| {
            r.add(str_literal(&n.src), Names::Module, "import")
        });
    }

    fn visit_export_all(&mut self, n: &ExportAll) {
        self.add_as(Load::Import, |r| {
            r.add(str_literal(&n.src), Names::Module, "export")
        });
    }

    fn visit_named_export(&mut self, n: &NamedExport) {
        if let Some(src) = &n.src {
            self.add_as(Load::Import, |r| {
                r.add(str_literal(src), Names::Module, "export")
            });
        }
    }

    fn visit_var_declarator(&mut self, n: &VarDeclarator) {
        // Vite's preload list: `const __vite__mapDeps=(i,m=__vite__mapDeps,
        // d=(m.f||(m.f=["assets/lazy-X.js","assets/x.css"])))=>i.map(i=>d[i])`.
        if let (Pat::Ident(name), Some(init)) = (&n.name, &n.init) {
            if name.id.sym == *"__vite__mapDeps" {
                init.visit_with(&mut PreloadLists(self));
                return;
            }
        }
        n.visit_children_with(self);
    }

    fn visit_call_expr(&mut self, n: &CallExpr) {
        match &n.callee {
            Callee::Import(_) => {
                self.add_as(Load::Call, |r| {
                    r.add_first(&n.args, Names::Module, "import()")
                });
            }
            Callee::Expr(callee) => {
                if let Some((names, what)) = call_kind(callee) {
                    let all = if what == "importScripts()" {
                        n.args.len()
                    } else {
                        1
                    };
                    for i in 0..all {
                        self.add_first(&n.args[i..], names, what);
                    }
                }
                // Vite's preload helper before `__vite__mapDeps` (Vite 5.0
                // and older): `preload(() => import("./x.js"), ["assets/x.js", …])`.
                if let [thunk, list] = n.args.as_slice() {
                    if thunk.spread.is_none() && is_import_thunk(&thunk.expr) {
                        for lit in preload_list(&list.expr).unwrap_or_default() {
                            self.add_preload(lit);
                        }
                    }
                }
            }
            Callee::Super(_) => {}
        }
        n.visit_children_with(self);
    }

    fn visit_new_expr(&mut self, n: &NewExpr) {
        let args = n.args.as_deref().unwrap_or_default();
        if let Expr::Ident(callee) = &*n.callee {
            match &*callee.sym {
                "URL" if args.get(1).is_some_and(|a| is_import_meta_url(&a.expr)) => {
                    self.add_first(args, Names::Url, "new URL(…, import.meta.url)")
                }
                // `new Worker(new URL("./w.js", import.meta.url))`: the URL is
                // the reference, found when the inner expression is visited.
                "Worker" | "SharedWorker"
                    if matches!(args.first().map(|a| &*a.expr), Some(Expr::New(inner))
                        if matches!(&*inner.callee, Expr::Ident(i) if i.sym == *"URL")) => {}
                "Worker" => self.add_first(args, Names::PageUrl, "new Worker()"),
                "SharedWorker" => self.add_first(args, Names::PageUrl, "new SharedWorker()"),
                _ => {}
            }
        }
        n.visit_children_with(self);
    }
}

/// The source string of an `import`/`export … from`.
fn str_literal(s: &Str) -> Literal {
    Literal {
        value: s.value.to_atom_lossy().to_string(),
        span: s.span,
        template: false,
    }
}
