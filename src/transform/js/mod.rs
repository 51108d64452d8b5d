//! JavaScript: parse with swc, minify (compress + mangle), print with a
//! source map composed with the input's own map, keep legal comments. The
//! references the code makes are found and rewritten by `references.rs`.

use swc_core::common::comments::{Comment, CommentKind, Comments, SingleThreadedComments};
use swc_core::common::source_map::SourceMapGenConfig;
use swc_core::common::sync::Lrc;
use swc_core::common::{FileName, Globals, Mark, SourceMap, Span, Spanned, GLOBALS};
use swc_core::ecma::ast::{EsVersion, Expr, Pat, Program, Stmt};
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

pub use references::rewrite_source;
use references::{find_references, Rewrites};

use crate::asset::JsFlavor;
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
/// `import("…")`, `new URL("…", import.meta.url)`, `new Worker("…")` or
/// `importScripts("…")`, when it is a relative or root-absolute path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsReference {
    /// The specifier as written (the string's value).
    pub url: String,
    /// Where the string literal starts in the input.
    pub loc: Loc,
    /// Whether it is a dynamic `import("…")`.
    pub dynamic: bool,
}

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
    let mut depth = Depth {
        depth: 0,
        max: max_depth,
        too_deep: None,
    };
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
    rewrite: &dyn Fn(&str) -> Option<String>,
) -> Result<JsOutput, TransformError> {
    let parsed = parse(rel, src, flavor, opts.max_depth)?;
    let name = base_name(rel).to_string();
    let is_module = matches!(parsed.program, Program::Module(_));
    let (legal, map_url) = scan_comments(&parsed.comments);
    // Found before minifying: compress may drop code (and the imports in it).
    let (found, references, unresolvable) = find_references(&parsed);
    let mut new_urls = Rewrites::default();
    for (url, span, _) in &found.found {
        if let Some(new) = rewrite(url) {
            new_urls.0.insert(span.lo, new);
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

/// Finds the first place where nesting exceeds the limit, growing the stack
/// as it goes so the check itself cannot overflow.
struct Depth {
    depth: usize,
    max: usize,
    too_deep: Option<Span>,
}

impl Depth {
    fn enter(&mut self, span: Span, children: impl FnOnce(&mut Self)) {
        if self.too_deep.is_some() {
            return;
        }
        self.depth += 1;
        if self.depth > self.max {
            self.too_deep = Some(span);
        } else {
            stacker::maybe_grow(64 * 1024, 1 << 20, || children(self));
        }
        self.depth -= 1;
    }
}

impl Visit for Depth {
    fn visit_expr(&mut self, n: &Expr) {
        self.enter(n.span(), |v| n.visit_children_with(v));
    }

    fn visit_stmt(&mut self, n: &Stmt) {
        self.enter(n.span(), |v| n.visit_children_with(v));
    }

    fn visit_pat(&mut self, n: &Pat) {
        self.enter(n.span(), |v| n.visit_children_with(v));
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
            &|_| None,
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
            &|_| None,
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
            &|_| None,
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
