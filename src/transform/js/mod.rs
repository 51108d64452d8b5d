//! JavaScript: parse with swc, minify (compress + mangle), print with a
//! source map composed with the input's own map, keep legal comments. The
//! references the code makes are found and rewritten by `references.rs`.

use swc_core::common::comments::{Comment, CommentKind, Comments, SingleThreadedComments};
use swc_core::common::source_map::SourceMapGenConfig;
use swc_core::common::sync::Lrc;
use swc_core::common::{FileName, Globals, Mark, SourceMap, Span, Spanned, GLOBALS};
use swc_core::ecma::ast::{
    BinExpr, CallExpr, Callee, EsVersion, Expr, MemberExpr, Pat, Program, Stmt,
};
use swc_core::ecma::codegen::text_writer::{omit_trailing_semi, JsWriter};
use swc_core::ecma::codegen::{Config as CodegenConfig, Emitter};
use swc_core::ecma::minifier::optimize;
use swc_core::ecma::minifier::option::terser::TerserCompressorOptions;
use swc_core::ecma::minifier::option::{
    ExtraOptions, MangleOptions, MinifyOptions, TopLevelOptions,
};
use swc_core::ecma::parser::{
    parse_file_as_module, parse_file_as_program, parse_file_as_script, EsSyntax, Syntax,
};
use swc_core::ecma::transforms::base::fixer::{fixer, paren_remover};
use swc_core::ecma::transforms::base::resolver;
use swc_core::ecma::visit::{Visit, VisitMutWith, VisitWith};

mod references;
mod rewrite;

use references::find_references;
pub use rewrite::rewrite_source;
use rewrite::Rewrites;

use crate::asset::{JsFlavor, Load};
use crate::error::Loc;
use crate::naming::base_name;
use crate::transform::error::TransformError;
use crate::transform::nesting;

/// Settings of one JavaScript minification.
#[derive(Debug, Clone, Copy)]
pub struct JsOptions {
    /// Newest syntax the output may use.
    pub target: EsVersion,
    /// Produce a source map.
    pub source_map: bool,
    /// Deepest nesting accepted.
    pub max_depth: usize,
}

/// A minified script or module.
#[derive(Debug)]
pub struct JsOutput {
    /// The minified code, ending with a `sourceMappingURL` comment when a map was made.
    pub code: Vec<u8>,
    /// The source map (JSON), to be written beside the code as `<name>.map`.
    pub map: Option<Vec<u8>>,
    /// URLs of other files the code loads, found in its syntax tree.
    pub references: Vec<JsReference>,
    /// Specifiers that are not files of the site.
    pub unresolvable: Unresolvable,
    /// Where the computed ones are, each with what it means: warnings.
    pub left_alone: Vec<TransformError>,
}

/// Imports assetpress leaves alone, counted for the report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Unresolvable {
    /// Bare specifiers (`react`, `lodash/fp`), for a bundler or an import map.
    pub bare: u32,
    /// `import(expression)` and the like, only known at run time.
    pub computed: u32,
}

/// A URL the code loads: the specifier of `import`/`export … from`,
/// `import("…")` or `import.meta.resolve("…")` when it is a relative or
/// root-absolute path; the URL of `new URL("…", import.meta.url)` or
/// `importScripts("…")`; the root-absolute URL of `new Worker("/…")`,
/// `new SharedWorker("/…")` or `navigator.serviceWorker.register("/…")`;
/// each file of a bundler's preload list (Vite's `__vite__mapDeps`). Written
/// as a string literal or as a template literal without `${}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsReference {
    /// The specifier as written (the literal's value).
    pub url: String,
    /// Where the literal starts in the input.
    pub loc: Loc,
    /// How the script loads it.
    pub load: Load,
    /// What a relative `url` is relative to.
    pub relative_to: RelativeTo,
}

/// What the relative URL of a [`JsReference`] is relative to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelativeTo {
    /// The file it is written in.
    File,
    /// The root of the site: the files of a bundler's preload list
    /// (`"assets/lazy-C9F6QpFP.js"`), to which its runtime adds the base it
    /// was built for. They are rewritten in the shape they are written in,
    /// never as absolute URLs under `--public-url` (the base is added to them).
    SiteRoot,
}

/// The path URLs relative to the site root resolve from (a file at the root).
pub const SITE_ROOT: &str = "";

impl JsReference {
    /// The path its URL resolves from, when it is written in the file `rel`.
    pub fn resolves_from<'a>(&self, rel: &'a str) -> &'a str {
        match self.relative_to {
            RelativeTo::File => rel,
            RelativeTo::SiteRoot => SITE_ROOT,
        }
    }
}

/// The new text of a URL written in a file (`None` to keep it as written),
/// given the URL and what it is relative to.
pub type Rewrite<'a> = &'a dyn Fn(&str, RelativeTo) -> Option<String>;

/// A parsed file: its source map (of positions), comments and syntax tree.
pub(super) struct Parsed {
    cm: Lrc<SourceMap>,
    fm: Lrc<swc_core::common::SourceFile>,
    comments: SingleThreadedComments,
    program: Program,
}

impl Parsed {
    fn loc(&self, span: Span) -> Loc {
        let l = self.cm.lookup_char_pos(span.lo);
        Loc {
            line: l.line as u32,
            col: l.col_display as u32 + 1,
        }
    }

    /// Byte offset of `pos` in the source text.
    fn offset(&self, pos: swc_core::common::BytePos) -> usize {
        (pos.0 - self.fm.start_pos.0) as usize
    }
}

/// Parses `src` (the file `rel`) behind the nesting bounds.
pub(super) fn parse(
    rel: &str,
    src: String,
    flavor: JsFlavor,
    max_depth: usize,
) -> Result<Parsed, TransformError> {
    nesting::check_js(&src, max_depth)?;
    let cm: Lrc<SourceMap> = Default::default();
    let name = base_name(rel).to_string();
    let fm = cm.new_source_file(FileName::Custom(name).into(), src);
    let comments = SingleThreadedComments::default();
    let syntax = Syntax::Es(EsSyntax {
        import_attributes: true,
        allow_return_outside_function: matches!(flavor, JsFlavor::Script),
        ..Default::default()
    });
    let loc = |span: Span| {
        let l = cm.lookup_char_pos(span.lo);
        Some(Loc {
            line: l.line as u32,
            col: l.col_display as u32 + 1,
        })
    };
    let mut recovered = Vec::new();
    let target = EsVersion::latest();
    let parsed = match flavor {
        JsFlavor::Module => {
            parse_file_as_module(&fm, syntax, target, Some(&comments), &mut recovered)
                .map(Program::Module)
        }
        JsFlavor::Script => {
            parse_file_as_script(&fm, syntax, target, Some(&comments), &mut recovered)
                .map(Program::Script)
        }
        JsFlavor::Detect => {
            parse_file_as_program(&fm, syntax, target, Some(&comments), &mut recovered)
        }
    };
    let program = match parsed {
        Err(e) => return Err(TransformError::at(e.kind().msg(), loc(e.span()))),
        Ok(_) if !recovered.is_empty() => {
            let e = &recovered[0];
            return Err(TransformError::at(e.kind().msg(), loc(e.span())));
        }
        Ok(p) => p,
    };
    let mut depth = Depth::new(max_depth);
    program.visit_with(&mut depth);
    if let Some(span) = depth.too_deep {
        return Err(nesting::too_deep(loc(span), max_depth));
    }
    Ok(Parsed {
        cm,
        fm,
        comments,
        program,
    })
}

/// Minifies `src` (the file `rel`). `input_map` is called with the file's own
/// `sourceMappingURL` (if any) and returns its existing source map to compose
/// with; `rewrite` gives the new text of a reference's URL, or `None` to keep it.
/// With a map, the code ends with a newline and the caller appends the
/// `sourceMappingURL` comment naming the map's final name.
pub fn minify(
    rel: &str,
    src: String,
    flavor: JsFlavor,
    opts: &JsOptions,
    input_map: &mut dyn FnMut(Option<&str>) -> Option<swc_sourcemap::SourceMap>,
    rewrite: Rewrite,
) -> Result<JsOutput, TransformError> {
    let parsed = parse(rel, src, flavor, opts.max_depth)?;
    let name = base_name(rel).to_string();
    let is_module = matches!(parsed.program, Program::Module(_));
    let (legal, map_url) = scan_comments(&parsed.comments);
    // Found before minifying: compress may drop code (and the imports in it).
    let (found, references, unresolvable, left_alone) = find_references(&parsed);
    let mut new_urls = Rewrites::default();
    for f in &found {
        if let Some(new) = rewrite(&f.url, f.relative_to) {
            new_urls.0.insert(f.span.lo, new);
        }
    }
    let Parsed {
        cm,
        fm,
        comments,
        mut program,
    } = parsed;
    if !new_urls.0.is_empty() {
        program.visit_mut_with(&mut new_urls);
    }

    let program = GLOBALS.set(&Globals::new(), || {
        let unresolved_mark = Mark::new();
        let top_level_mark = Mark::new();
        // As swc's own minify does: parentheses out first, the optimizer
        // assumes an AST without them (jQuery's event code is miscompiled otherwise).
        let program = program
            .apply(paren_remover(Some(&comments)))
            .apply(resolver(unresolved_mark, top_level_mark, false));
        let mut compress = TerserCompressorOptions::default().into_config(cm.clone());
        compress.ecma = opts.target;
        compress.module = is_module;
        // Top-level names of a script are globals other scripts may use.
        compress.top_level = is_module.then_some(TopLevelOptions { functions: true });
        let options = MinifyOptions {
            compress: Some(compress),
            mangle: Some(MangleOptions {
                top_level: Some(is_module),
                ..Default::default()
            }),
            ..Default::default()
        };
        let extra = ExtraOptions {
            unresolved_mark,
            top_level_mark,
            mangle_name_cache: None,
        };
        let program = optimize(program, cm.clone(), Some(&comments), None, &options, &extra);
        program.apply(fixer(None))
    });

    // Only legal comments survive, gathered at the top as esbuild and terser do.
    let kept = SingleThreadedComments::default();
    let start = program.span().lo;
    for c in legal {
        kept.add_leading(start, c);
    }

    let mut code = Vec::with_capacity(fm.src.len() / 2);
    let mut mappings = Vec::new();
    {
        let wr = JsWriter::new(
            cm.clone(),
            "\n",
            &mut code,
            opts.source_map.then_some(&mut mappings),
        );
        let mut emitter = Emitter {
            cfg: CodegenConfig::default()
                .with_minify(true)
                .with_target(opts.target),
            cm: cm.clone(),
            comments: Some(&kept),
            wr: omit_trailing_semi(wr),
        };
        emitter
            .emit_program(&program)
            .map_err(|e| TransformError::new(format!("cannot print minified code: {e}")))?;
    }
    // Called even without maps: the caller learns which input map is now stale.
    let orig = input_map(map_url.as_deref());
    let map = if opts.source_map {
        let mut map = cm.build_source_map(&mappings, orig, MapConfig);
        map.set_file(Some(name.clone()));
        let mut json = Vec::new();
        map.to_writer(&mut json)
            .map_err(|e| TransformError::new(format!("cannot write source map: {e}")))?;
        if !code.ends_with(b"\n") {
            code.push(b'\n');
        }
        Some(json)
    } else {
        None
    };
    Ok(JsOutput {
        code,
        map,
        references,
        unresolvable,
        left_alone,
    })
}

/// Splits the comments into the legal ones to keep (`/*!`, `@license`,
/// `@preserve`, `@cc_on`) and the file's own `sourceMappingURL`, if any.
fn scan_comments(comments: &SingleThreadedComments) -> (Vec<Comment>, Option<String>) {
    let (leading, trailing) = comments.borrow_all();
    let mut all: Vec<&Comment> = leading
        .values()
        .chain(trailing.values())
        .flatten()
        .collect();
    all.sort_by_key(|c| c.span.lo);
    let mut legal = Vec::new();
    let mut map_url = None;
    for c in all {
        let text: &str = &c.text;
        if is_legal(text) {
            legal.push(c.clone());
        } else if c.kind == CommentKind::Line {
            if let Some(url) = text
                .trim_start()
                .strip_prefix("# sourceMappingURL=")
                .or_else(|| text.trim_start().strip_prefix("@ sourceMappingURL="))
            {
                map_url = Some(url.trim().to_string());
            }
        }
    }
    (legal, map_url)
}

fn is_legal(text: &str) -> bool {
    text.starts_with('!')
        || text.contains("@license")
        || text.contains("@preserve")
        || text.contains("@cc_on")
}

/// Source map settings: sources named as the map sees them (the original file
/// sits beside it), with the original text embedded, since the output file of
/// the same name is the minified one.
struct MapConfig;

impl SourceMapGenConfig for MapConfig {
    fn file_name_to_source(&self, f: &FileName) -> String {
        match f {
            FileName::Custom(name) => name.clone(),
            other => other.to_string(),
        }
    }

    fn inline_sources_content(&self, _: &FileName) -> bool {
        true
    }
}

/// What one real level of nesting costs in [`Depth`]; a link of a flat
/// chain costs one.
const LEVEL: usize = 20;

/// Finds the first place where nesting exceeds the limit, growing the stack
/// as it goes so the check itself cannot overflow.
///
/// Only real nesting counts in full. A flat chain — `"a" + b + "c" + …`
/// (1,000 terms are common in generated code), `a.b().c().d()` — is a tree
/// leaning left as deep as the chain is long, but it is one level to whoever
/// reads it: each link below the first costs 1/[`LEVEL`] of a level, so a
/// chain of 20,000 links reaches the default limit of 1,000 (the minifier's
/// time grows faster than the chain: 0.8 s at 10,000 links, 190 s at 100,000).
struct Depth {
    /// Cost of the expressions entered, in 1/[`LEVEL`] levels.
    depth: usize,
    /// The limit in levels.
    max: usize,
    too_deep: Option<Span>,
    /// The next expression entered is the left link of a chain.
    link: bool,
}

impl Depth {
    fn new(max: usize) -> Depth {
        Depth {
            depth: 0,
            max,
            too_deep: None,
            link: false,
        }
    }

    fn enter(&mut self, span: Span, children: impl FnOnce(&mut Self)) {
        let cost = if std::mem::take(&mut self.link) {
            1
        } else {
            LEVEL
        };
        if self.too_deep.is_some() {
            return;
        }
        self.depth += cost;
        if self.depth > self.max.saturating_mul(LEVEL) {
            self.too_deep = Some(span);
        } else {
            stacker::maybe_grow(64 * 1024, 1 << 20, || children(self));
        }
        self.depth -= cost;
    }
}

impl Visit for Depth {
    fn visit_expr(&mut self, n: &Expr) {
        self.enter(n.span(), |v| n.visit_children_with(v));
    }

    fn visit_stmt(&mut self, n: &Stmt) {
        self.link = false;
        self.enter(n.span(), |v| n.visit_children_with(v));
    }

    fn visit_pat(&mut self, n: &Pat) {
        self.link = false;
        self.enter(n.span(), |v| n.visit_children_with(v));
    }

    fn visit_bin_expr(&mut self, n: &BinExpr) {
        self.link = matches!(*n.left, Expr::Bin(_));
        n.left.visit_with(self);
        self.link = false;
        n.right.visit_with(self);
    }

    fn visit_member_expr(&mut self, n: &MemberExpr) {
        self.link = matches!(*n.obj, Expr::Member(_) | Expr::Call(_));
        n.obj.visit_with(self);
        self.link = false;
        n.prop.visit_with(self);
    }

    fn visit_call_expr(&mut self, n: &CallExpr) {
        if let Callee::Expr(callee) = &n.callee {
            self.link = matches!(**callee, Expr::Member(_) | Expr::Call(_));
            callee.visit_with(self);
        }
        self.link = false;
        n.args.visit_with(self);
        n.type_args.visit_with(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> JsOptions {
        JsOptions {
            target: EsVersion::Es2020,
            source_map: false,
            max_depth: 1000,
        }
    }

    /// Minifies `src` as `t.js`, with no input map and no URL rewritten.
    fn run(src: &str, flavor: JsFlavor) -> Result<JsOutput, TransformError> {
        minify(
            "t.js",
            src.to_string(),
            flavor,
            &opts(),
            &mut |_| None,
            &|_, _| None,
        )
    }

    /// Minifies `input` (a script or a module, as its syntax says) and
    /// compares the code with `expected`.
    #[track_caller]
    fn minify_test(input: &str, expected: &str) {
        let out = run(input, JsFlavor::Detect).unwrap();
        assert_eq!(String::from_utf8(out.code).unwrap(), expected);
    }

    /// Minifies `input` as a script and expects an error that reads
    /// `line:col: message`, starting with `expected`.
    #[track_caller]
    fn error_test(input: &str, expected: &str) {
        let err = run(input, JsFlavor::Script).unwrap_err();
        assert!(err.to_string().starts_with(expected), "{err}");
    }

    /// Marks every URL but external ones as rewritten: `!` after one
    /// relative to the file, `!root` after one relative to the site root.
    fn mark(url: &str, relative_to: RelativeTo) -> Option<String> {
        (!url.contains(':')).then(|| match relative_to {
            RelativeTo::File => format!("{url}!"),
            RelativeTo::SiteRoot => format!("{url}!root"),
        })
    }

    /// Rewrites the references of `input` in place ([`mark`]) and compares
    /// the code with `expected`.
    #[track_caller]
    fn ref_test(input: &str, expected: &str) {
        let out = rewrite_source("t.js", input.into(), JsFlavor::Detect, 1000, &mark).unwrap();
        assert_eq!(out.code, expected);
    }

    /// Minifies `input` with its references rewritten ([`mark`]) and
    /// compares the code with `expected`.
    #[track_caller]
    fn minify_ref_test(input: &str, expected: &str) {
        let out = minify(
            "t.js",
            input.into(),
            JsFlavor::Detect,
            &opts(),
            &mut |_| None,
            &mark,
        )
        .unwrap();
        assert_eq!(String::from_utf8(out.code).unwrap(), expected);
    }

    /// Finds the references of `input` and expects what is left alone as
    /// warnings reading `line:col: message`, each starting as in `expected`.
    #[track_caller]
    fn left_alone_test(input: &str, expected: &[&str]) {
        let out = rewrite_source("t.js", input.into(), JsFlavor::Detect, 1000, &mark).unwrap();
        let got: Vec<String> = out.left_alone.iter().map(|e| e.to_string()).collect();
        assert_eq!(got.len(), expected.len(), "{got:#?}");
        for (got, expected) in got.iter().zip(expected) {
            assert!(
                got.starts_with(expected),
                "{got:?} does not start with {expected:?}"
            );
        }
        assert_eq!(out.unresolvable.computed as usize, expected.len());
    }

    #[test]
    fn template_literals_without_expressions_count_as_strings() {
        ref_test("import(`./lazy.js`);", "import(`./lazy.js!`);");
        ref_test(
            "new URL(`../img/x.svg`, import.meta.url);",
            "new URL(`../img/x.svg!`, import.meta.url);",
        );
        ref_test("importScripts(`a.js`);", "importScripts(`a.js!`);");
        ref_test("import(`lodash`);", "import(`lodash`);");
        left_alone_test(
            "import(`./locale/${lang}.js`);",
            &["1:8: import() of a computed URL"],
        );
        minify_ref_test(
            "export const w = new URL(`w.js`, import.meta.url);",
            "export const w=new URL(\"w.js!\",import.meta.url);",
        );
        minify_ref_test(
            "import(`./lazy.js`).then(m => m.run());",
            "import(\"./lazy.js!\").then(n=>n.run());",
        );
    }

    #[test]
    fn rewritten_template_literals_are_escaped() {
        let weird = |url: &str, _| (url == "./a.js").then(|| "./a`${b}\\.js".to_string());
        let out = rewrite_source(
            "t.js",
            "import(`./a.js`)".into(),
            JsFlavor::Detect,
            9,
            &weird,
        )
        .unwrap();
        assert_eq!(out.code, "import(`./a\\`\\${b}\\\\.js`)");
    }

    #[test]
    fn new_url_with_import_meta_url_is_a_url_without_dot_slash() {
        ref_test(
            "new URL(\"worker-Bquf9cF0.js\",import.meta.url)",
            "new URL(\"worker-Bquf9cF0.js!\",import.meta.url)",
        );
        // Vite writes the base as a string added to `import.meta.url`.
        ref_test(
            "new URL(`/assets/w.js`,``+import.meta.url)",
            "new URL(`/assets/w.js!`,``+import.meta.url)",
        );
        ref_test(
            "new URL('x.svg', '' + import.meta.url)",
            "new URL('x.svg!', '' + import.meta.url)",
        );
        ref_test(
            "new URL(\"https://x.test/a.js\", import.meta.url)",
            "new URL(\"https://x.test/a.js\", import.meta.url)",
        );
        // Relative to the page, not to the script: not a reference.
        ref_test(
            "new URL(\"y.svg\", location.href)",
            "new URL(\"y.svg\", location.href)",
        );
        left_alone_test(
            "new URL(name, import.meta.url)",
            &["1:9: new URL(…, import.meta.url) of a computed URL"],
        );
    }

    #[test]
    fn import_scripts_names_urls_relative_to_the_worker() {
        ref_test(
            "importScripts(\"a.js\", './b.js'); self.importScripts(\"c.js\");",
            "importScripts(\"a.js!\", './b.js!'); self.importScripts(\"c.js!\");",
        );
        left_alone_test(
            "importScripts(\"a.js\", base + \"b.js\");",
            &["1:23: importScripts() of a computed URL"],
        );
    }

    #[test]
    fn workers_and_service_workers_resolve_against_the_page() {
        ref_test("new Worker(\"/js/w.js\")", "new Worker(\"/js/w.js!\")");
        ref_test(
            "new SharedWorker(`/js/w.js`)",
            "new SharedWorker(`/js/w.js!`)",
        );
        ref_test(
            "navigator.serviceWorker.register(\"/sw.js\", { scope: \"/\" })",
            "navigator.serviceWorker.register(\"/sw.js!\", { scope: \"/\" })",
        );
        ref_test(
            "window.navigator.serviceWorker.register('/app/sw.js')",
            "window.navigator.serviceWorker.register('/app/sw.js!')",
        );
        ref_test(
            "new Worker(new URL(\"w.js\", import.meta.url))",
            "new Worker(new URL(\"w.js!\", import.meta.url))",
        );
        left_alone_test(
            "new Worker(\"w.js\");\nnavigator.serviceWorker.register(\"./sw.js\");",
            &[
                "1:12: new Worker() of \"w.js\": a relative URL there resolves against the page",
                "2:34: navigator.serviceWorker.register() of \"./sw.js\": a relative URL",
            ],
        );
        left_alone_test(
            "new SharedWorker(url)",
            &["1:18: new SharedWorker() of a computed URL"],
        );
    }

    #[test]
    fn import_meta_resolve_takes_module_specifiers() {
        ref_test(
            "import.meta.resolve(\"./x.js\"); import.meta.resolve(\"lodash\");",
            "import.meta.resolve(\"./x.js!\"); import.meta.resolve(\"lodash\");",
        );
        left_alone_test(
            "import.meta.resolve(name)",
            &["1:21: import.meta.resolve() of a computed URL"],
        );
    }

    #[test]
    fn vite_preload_lists_name_files_from_the_site_root() {
        ref_test(
            "const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=[\"assets/lazy-X.js\",\"assets/x.css\"])))=>i.map(i=>d[i]);",
            "const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=[\"assets/lazy-X.js!root\",\"assets/x.css!root\"])))=>i.map(i=>d[i]);",
        );
        // With a relative base (`base: './'`) they are relative to the file.
        ref_test(
            "const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=[\"./lazy-X.js\"])))=>i.map(i=>d[i]);",
            "const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=[\"./lazy-X.js!\"])))=>i.map(i=>d[i]);",
        );
        // Vite 5.0 and older: the list is the helper's second argument.
        ref_test(
            "p(()=>import(\"./a.js\"),[\"assets/a.js\",\"assets/a.css\"]).then(m=>m.run())",
            "p(()=>import(\"./a.js!\"),[\"assets/a.js!root\",\"assets/a.css!root\"]).then(m=>m.run())",
        );
        // Not a list of scripts and styles: left alone.
        ref_test(
            "load(()=>import(\"./a.js\"),[\"en\",\"fr\"])",
            "load(()=>import(\"./a.js!\"),[\"en\",\"fr\"])",
        );
        ref_test("f(x,[\"assets/a.js\"])", "f(x,[\"assets/a.js\"])");
        minify_ref_test(
            "const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=[\"assets/a.js\"])))=>i.map(i=>d[i]);\nexport { __vite__mapDeps };",
            "let e=(s,t=e,a=t.f||(t.f=[\"assets/a.js!root\"]))=>s.map(e=>a[e]);export{e as __vite__mapDeps};",
        );
    }

    #[test]
    fn vite_preload_helper_urls_are_not_computed_imports() {
        // Vite's helper, as it is built: its URLs are the preload list's.
        let helper = "function preload(base, deps) {\n\
            function resolve(dep) { return import.meta.resolve ? new URL(import.meta.resolve(dep)) : new URL(dep, import.meta.url) }\n\
            function fail(err) { const e = new Event(`vite:preloadError`); throw err }\n\
            return Promise.all(deps.map(resolve)).then(base, fail);\n}\n";
        left_alone_test(helper, &[]);
        // The same, elsewhere, is.
        left_alone_test(
            &format!("{helper}function load(url) {{ return import(url) }}"),
            &["6:36: import() of a computed URL"],
        );
        left_alone_test(
            "function f(x) { return [import(`./${x}.js`), `vite:preloadError`] }",
            &["1:32: import() of a computed URL"],
        );
    }

    #[test]
    fn module_top_level_is_mangled_script_is_not() {
        minify_test(
            "function helperFunction(a) { return a * 2 }\nexport const value = helperFunction(21);\n",
            "export const value=42;",
        );
        minify_test(
            "function helperFunction(a) { return a * 2 }\nvar value = helperFunction(21);\n",
            "function helperFunction(n){return 2*n}var value=helperFunction(21);",
        );
    }

    #[test]
    fn legal_comments_are_kept_others_dropped() {
        minify_test(
            "/*! keep me */\n// drop me\nvar a = 1; /* drop */ console.log(a);\n/** @license MIT */\nfunction f() {}\n// @preserve this\n",
            "/*! keep me *//** @license MIT */// @preserve this\nvar a=1;function f(){}console.log(a);",
        );
    }

    #[test]
    fn syntax_error_has_a_location() {
        error_test("let x = 1;\nlet = = 2;\n", "2:");
    }

    #[test]
    fn too_deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("x = {}1{};", "[".repeat(5000), "]".repeat(5000));
        error_test(&deep, "1:1004: nesting deeper than 1000 levels");
    }

    /// Regression: a 1,000-term concatenation counted as 1,000 levels.
    #[test]
    fn flat_chains_are_not_nesting() {
        // Workers have a stack of 1 GiB (`pipeline::WORKER_STACK`).
        std::thread::Builder::new()
            .stack_size(1 << 30)
            .spawn(flat_chains)
            .unwrap()
            .join()
            .unwrap();
    }

    fn flat_chains() {
        let terms: Vec<String> = (0..5000).map(|i| format!("x{i}")).collect();
        let sum = format!("export const s = {};", terms.join(" + "));
        assert!(run(&sum, JsFlavor::Module).is_ok());
        let calls = format!("export const p = q{};", ".then(f)".repeat(5000));
        assert!(run(&calls, JsFlavor::Module).is_ok());
        // Links cost 1/20 of a level: 25,000 of them pass the limit.
        let terms: Vec<String> = (0..25_000).map(|i| format!("x{i}")).collect();
        let long = format!("var s = {};", terms.join(" + "));
        error_test(&long, "1:9: nesting deeper than 1000 levels");
        // What the right side of a chain holds is nested for real.
        let deep = format!("x = a + {}1{};", "(b + ".repeat(1001), ")".repeat(1001));
        error_test(&deep, "1:");
        let err = run(&deep, JsFlavor::Script).unwrap_err().to_string();
        assert!(err.contains("nesting deeper than 1000 levels"), "{err}");
    }

    #[test]
    fn chains_of_a_million_arrows_are_refused_before_parsing() {
        let arrows = format!("f = {}0;", "a=>".repeat(1_000_000));
        error_test(&arrows, "1:3003: nesting deeper than 1000 levels");
    }

    #[test]
    fn references_are_found_in_the_syntax_tree_before_minifying() {
        let src = r#"import a from "./a.js";
import "/abs/b.js";
import react from "react";
export * from "../c.js";
export { d } from "./d.js";
const url = "./not-a-reference.js";
if (false) { import("./lazy.js"); }
const img = new URL("../img/x.svg", import.meta.url);
const other = new URL("./y.svg", location.href);
const w = new Worker("/js/worker.js", { type: "module" });
const page = new Worker("./relative-to-the-page.js");
"#;
        let out = minify(
            "js/app.js",
            src.into(),
            JsFlavor::Module,
            &opts(),
            &mut |_| None,
            &|_, _| None,
        )
        .unwrap();
        let urls: Vec<(&str, u32, u32)> = out
            .references
            .iter()
            .map(|r| (r.url.as_str(), r.loc.line, r.loc.col))
            .collect();
        assert_eq!(
            urls,
            [
                ("./a.js", 1, 15),
                ("/abs/b.js", 2, 8),
                ("../c.js", 4, 15),
                ("./d.js", 5, 19),
                ("./lazy.js", 7, 21),
                ("../img/x.svg", 8, 21),
                ("/js/worker.js", 10, 22),
            ]
        );
        assert_eq!(
            out.unresolvable,
            Unresolvable {
                bare: 1,
                computed: 1
            }
        );
        let dynamic = run(
            "import(name); import('lodash'); import('./x.js');",
            JsFlavor::Module,
        )
        .unwrap();
        assert_eq!(
            dynamic.unresolvable,
            Unresolvable {
                bare: 1,
                computed: 1
            }
        );
    }

    #[test]
    fn map_comment_is_left_to_the_caller_and_map_names_the_original() {
        let o = JsOptions {
            source_map: true,
            ..opts()
        };
        let out = minify(
            "js/app.js",
            "export function add(a, b) {\n  return a + b;\n}\n".into(),
            JsFlavor::Detect,
            &o,
            &mut |url| {
                assert_eq!(url, None);
                None
            },
            &|_, _| None,
        )
        .unwrap();
        let code = String::from_utf8(out.code).unwrap();
        // The caller appends the comment once the map's final name is known.
        assert!(code.ends_with("}\n"), "{code}");
        assert!(!code.contains("sourceMappingURL"), "{code}");
        let map: serde_json::Value = serde_json::from_slice(&out.map.unwrap()).unwrap();
        assert_eq!(map["sources"][0], "app.js");
        assert!(map["sourcesContent"][0]
            .as_str()
            .unwrap()
            .contains("return a + b"));
    }
}
