//! JavaScript: parse with swc, minify (compress + mangle), print with a
//! source map composed with the input's own map, keep legal comments.

use swc_core::common::comments::{Comment, CommentKind, Comments, SingleThreadedComments};
use swc_core::common::source_map::SourceMapGenConfig;
use swc_core::common::sync::Lrc;
use swc_core::common::{FileName, Globals, Mark, SourceMap, Span, Spanned, GLOBALS};
use swc_core::ecma::ast::{
    CallExpr, Callee, EsVersion, ExportAll, Expr, ExprOrSpread, ImportDecl, Lit, MemberProp,
    MetaPropKind, NamedExport, NewExpr, Pat, Program, Stmt, Str,
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
use swc_core::ecma::visit::{Visit, VisitMut, VisitMutWith, VisitWith};

use crate::asset::JsFlavor;
use crate::error::{loc_of_offset, Diagnostic, Loc};
use crate::naming::base_name;

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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
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
struct Parsed {
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
fn parse(rel: &str, src: String, flavor: JsFlavor, max_depth: usize) -> Result<Parsed, Diagnostic> {
    if let Some(at) = brackets_too_deep(src.as_bytes(), max_depth) {
        return Err(too_deep(
            rel,
            Some(loc_of_offset(src.as_bytes(), at)),
            max_depth,
        ));
    }
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
        Err(e) => return Err(Diagnostic::error(rel, loc(e.span()), e.kind().msg())),
        Ok(_) if !recovered.is_empty() => {
            let e = &recovered[0];
            return Err(Diagnostic::error(rel, loc(e.span()), e.kind().msg()));
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
        return Err(too_deep(rel, loc(span), max_depth));
    }
    Ok(Parsed {
        cm,
        fm,
        comments,
        program,
    })
}

/// Finds the references of a parsed file.
fn find_references(parsed: &Parsed) -> (References, Vec<JsReference>, Unresolvable) {
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
) -> Result<RewrittenSource, Diagnostic> {
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
fn map_comment(comments: &SingleThreadedComments) -> Option<(Span, usize, String)> {
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
fn js_string(text: &str, quote: char) -> String {
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
) -> Result<JsOutput, Diagnostic> {
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
        emitter.emit_program(&program).map_err(|e| {
            Diagnostic::error(rel, None, format!("cannot print minified code: {e}"))
        })?;
    }
    // Called even without maps: the caller learns which input map is now stale.
    let orig = input_map(map_url.as_deref());
    let map = if opts.source_map {
        let mut map = cm.build_source_map(&mappings, orig, MapConfig);
        map.set_file(Some(name.clone()));
        let mut json = Vec::new();
        map.to_writer(&mut json)
            .map_err(|e| Diagnostic::error(rel, None, format!("cannot write source map: {e}")))?;
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

/// The error for a file nested deeper than the limit.
pub fn too_deep(rel: &str, loc: Option<Loc>, max: usize) -> Diagnostic {
    Diagnostic::error(
        rel,
        loc,
        format!(
            "nesting deeper than {max} levels (limit: --max-nesting-depth); file copied unchanged"
        ),
    )
}

/// The byte offset where nesting first exceeds `max`.
///
/// swc's parser recurses once per level and only part of it grows its stack,
/// so input nested far deeper than any real code (100k parentheses, a million
/// chained arrows) must be turned away before it is parsed. This scan counts
/// brackets (`( [ { ${`) and, between two `;` or `,` of one bracket level, the
/// tokens that nest without brackets (prefix operators, assignments, `?`,
/// `=>`, `new`, statement keywords). It skips comments, strings, template text
/// and regular expressions (told from division by the token before them, as
/// tokenizers do), so real code is measured right. It may count a little more
/// than the true depth, never less; the syntax tree is measured exactly after
/// parsing ([`Depth`]).
fn brackets_too_deep(src: &[u8], max: usize) -> Option<usize> {
    const KEYWORDS_BEFORE_EXPR: &[&[u8]] = &[
        b"return",
        b"typeof",
        b"instanceof",
        b"in",
        b"of",
        b"new",
        b"delete",
        b"void",
        b"throw",
        b"case",
        b"do",
        b"else",
        b"yield",
        b"await",
    ];
    const NESTING_KEYWORDS: &[&[u8]] = &[
        b"typeof", b"void", b"delete", b"new", b"await", b"yield", b"if", b"else", b"while",
        b"for", b"with", b"do",
    ];
    let mut nest = Nest {
        depth: 0,
        chain: 0,
        saved: Vec::new(),
        saved_sum: 0,
        max,
    };
    // Depths at which a template literal's `${` was opened.
    let mut templates: Vec<usize> = Vec::new();
    // Bracket depths at which the `(…)` head of an `if`/`for`/`while`/`with` opens.
    let mut heads: Vec<usize> = Vec::new();
    // A statement keyword was counted, and its body may still turn out to be
    // a `{…}` block: then the statement does not nest what follows it.
    let mut uncount_if_block = false;
    // A `;` ended a statement; unless `else` follows (an if statement goes on),
    // the statement's nesting ends.
    let mut statement_ended = false;
    // Whether the previous significant token ends an operand (then `/` divides).
    let mut after_operand = false;
    let mut i = 0;
    let n = src.len();
    let skip_string = |mut i: usize, q: u8| {
        i += 1;
        while i < n && src[i] != q && src[i] != b'\n' {
            i += if src[i] == b'\\' { 2 } else { 1 };
        }
        i + 1
    };
    // Scans template text from `i` (just after a backtick or a closing `}`);
    // returns the index after the closing backtick, or after a `${`.
    let skip_template = |mut i: usize| -> (usize, bool) {
        while i < n {
            match src[i] {
                b'\\' => i += 2,
                b'`' => return (i + 1, false),
                b'$' if src.get(i + 1) == Some(&b'{') => return (i + 2, true),
                _ => i += 1,
            }
        }
        (n, false)
    };
    while i < n {
        let c = src[i];
        let next = src.get(i + 1).copied();
        let trivia = matches!(c, b' ' | b'\t' | b'\r' | b'\n')
            || (c == b'/' && matches!(next, Some(b'/' | b'*')));
        if statement_ended && !trivia {
            statement_ended = false;
            let is_else = src[i..].starts_with(b"else")
                && !src.get(i + 4).is_some_and(|&b| {
                    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
                });
            if !is_else {
                nest.chain = 0;
            }
        }
        if uncount_if_block && !trivia {
            uncount_if_block = false;
            if c == b'{' {
                nest.chain = nest.chain.saturating_sub(1);
            }
        }
        // Set when template text continues: after a backtick, or after the
        // `}` that closes a `${`.
        let mut template_from = None;
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'/' if next == Some(b'/') => {
                while i < n && src[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if next == Some(b'*') => {
                i = src[i + 2..]
                    .windows(2)
                    .position(|w| w == b"*/")
                    .map_or(n, |p| i + 2 + p + 2);
            }
            b'/' if !after_operand => {
                // A regular expression literal: up to the unescaped `/` outside a class.
                let start = i;
                i += 1;
                let mut class = false;
                let mut opened = 0usize;
                while i < n && src[i] != b'\n' {
                    match src[i] {
                        b'\\' => i += 1,
                        b'[' => class = true,
                        b']' => class = false,
                        b'/' if !class => break,
                        b'(' | b'{' => opened += 1,
                        _ => {}
                    }
                    i += 1;
                }
                // The guess may be wrong (`{}/1+((…` divides): a "regular
                // expression" that opens more brackets than the limit is
                // refused, as its text would nest that deep if it were code.
                if opened > max {
                    return Some(start);
                }
                i += 1;
                after_operand = true;
            }
            b'"' | b'\'' => {
                i = skip_string(i, c);
                after_operand = true;
            }
            b'`' => template_from = Some(i + 1),
            b'(' | b'[' | b'{' => {
                if nest.open() {
                    return Some(i);
                }
                i += 1;
                after_operand = false;
            }
            b')' | b']' | b'}' => {
                nest.close();
                if c == b')' && heads.last() == Some(&nest.depth) {
                    heads.pop();
                    uncount_if_block = true;
                }
                i += 1;
                after_operand = c != b'}';
                if c == b'}' && templates.last() == Some(&nest.depth) {
                    templates.pop();
                    template_from = Some(i);
                }
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80 => {
                let start = i;
                while i < n
                    && (src[i].is_ascii_alphanumeric()
                        || src[i] == b'_'
                        || src[i] == b'$'
                        || src[i] >= 0x80)
                {
                    i += 1;
                }
                let word = &src[start..i];
                after_operand = !KEYWORDS_BEFORE_EXPR.contains(&word);
                if NESTING_KEYWORDS.contains(&word) {
                    if nest.chain() {
                        return Some(start);
                    }
                    match word {
                        b"if" | b"for" | b"while" | b"with" => heads.push(nest.depth),
                        b"else" | b"do" => uncount_if_block = true,
                        _ => {}
                    }
                }
            }
            b',' => {
                nest.chain = 0;
                i += 1;
                after_operand = false;
            }
            b';' => {
                statement_ended = true;
                i += 1;
                after_operand = false;
            }
            b'+' | b'-' if next == Some(c) => {
                // `++`/`--`: postfix keeps the operand going, prefix keeps waiting for one.
                i += 2;
            }
            _ => {
                let prev = if i > 0 { src[i - 1] } else { b' ' };
                let nests = match c {
                    // `=>` and assignments, not `==`, `<=`, `>=`, `!=`.
                    b'=' => {
                        next == Some(b'>')
                            || (next != Some(b'=') && prev != b'=' && !b"<>!".contains(&prev))
                    }
                    // The conditional operator, not `?.` or `??`.
                    b'?' => next != Some(b'.') && next != Some(b'?') && prev != b'?',
                    // Labels nest the statement they label (and `:` of `? :` counts again).
                    b':' => true,
                    b'!' | b'~' => next != Some(b'='),
                    // Prefix plus and minus.
                    b'+' | b'-' => !after_operand,
                    _ => false,
                };
                if nests && nest.chain() {
                    return Some(i);
                }
                i += 1;
                after_operand = false;
            }
        }
        if let Some(from) = template_from {
            let (next, opened) = skip_template(from);
            i = next;
            after_operand = !opened;
            if opened {
                templates.push(nest.depth);
                if nest.open() {
                    return Some(i - 2);
                }
            }
        }
    }
    None
}

/// Nesting as [`brackets_too_deep`] counts it.
struct Nest {
    /// Open brackets.
    depth: usize,
    /// Unbracketed nesting tokens since the last `;` or `,` of this bracket level.
    chain: usize,
    /// `chain` of each enclosing bracket level, and their sum.
    saved: Vec<usize>,
    saved_sum: usize,
    max: usize,
}

impl Nest {
    /// A bracket opens; true when the limit is exceeded.
    fn open(&mut self) -> bool {
        self.saved.push(self.chain);
        self.saved_sum += self.chain;
        self.chain = 0;
        self.depth += 1;
        self.exceeded()
    }

    /// A bracket closes (unbalanced closers are ignored).
    fn close(&mut self) {
        if let Some(chain) = self.saved.pop() {
            self.saved_sum -= chain;
            self.chain = chain;
            self.depth -= 1;
        }
    }

    /// A token that nests without brackets; true when the limit is exceeded.
    fn chain(&mut self) -> bool {
        self.chain += 1;
        self.exceeded()
    }

    fn exceeded(&self) -> bool {
        self.depth + self.saved_sum + self.chain > self.max
    }
}

/// Replaces the string literals that start at the given positions.
#[derive(Default)]
struct Rewrites(std::collections::HashMap<swc_core::common::BytePos, String>);

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
struct References {
    found: Vec<(String, Span, bool)>,
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

    fn min(src: &str, flavor: JsFlavor) -> String {
        let out = minify(
            "t.js",
            src.to_string(),
            flavor,
            &opts(),
            &mut |_| None,
            &|_| None,
        )
        .unwrap();
        String::from_utf8(out.code).unwrap()
    }

    #[test]
    fn module_top_level_is_mangled_script_is_not() {
        let src = "function helperFunction(a) { return a * 2 }\nexport const value = helperFunction(21);\n";
        assert!(!min(src, JsFlavor::Detect).contains("helperFunction"));
        let script =
            "function helperFunction(a) { return a * 2 }\nvar value = helperFunction(21);\n";
        assert!(min(script, JsFlavor::Detect).contains("helperFunction"));
    }

    #[test]
    fn legal_comments_are_kept_others_dropped() {
        let out = min(
            "/*! keep me */\n// drop me\nvar a = 1; /* drop */ console.log(a);\n/** @license MIT */\nfunction f() {}\n// @preserve this\n",
            JsFlavor::Script,
        );
        assert!(out.contains("/*! keep me */"), "{out}");
        assert!(
            out.contains("/** @license MIT */") && out.contains("// @preserve this"),
            "{out}"
        );
        assert!(!out.contains("drop"), "{out}");
    }

    #[test]
    fn syntax_error_has_a_location() {
        let err = minify(
            "bad.js",
            "let x = 1;\nlet = = 2;\n".into(),
            JsFlavor::Detect,
            &opts(),
            &mut |_| None,
            &|_| None,
        )
        .unwrap_err();
        assert_eq!(err.loc.map(|l| l.line), Some(2));
        assert!(err.to_string().starts_with("bad.js:2:"), "{err}");
    }

    #[test]
    fn too_deep_nesting_is_an_error_not_a_crash() {
        let src = format!("x = {}1{};", "[".repeat(5000), "]".repeat(5000));
        let err = minify(
            "deep.js",
            src,
            JsFlavor::Script,
            &opts(),
            &mut |_| None,
            &|_| None,
        )
        .unwrap_err();
        assert!(err.message.contains("nesting deeper than 1000"), "{err}");
    }

    #[test]
    fn bracket_scan_skips_strings_comments_templates_and_regexps() {
        assert_eq!(brackets_too_deep(b"f((((x))))", 3), Some(4));
        assert_eq!(
            brackets_too_deep(b"a = '((((((' + \"[[[[[[\" // ((((((\n/* {{{{{{ */", 3),
            None
        );
        assert_eq!(
            brackets_too_deep(b"a = /(((((((\\)/.test(x) && b / (c)", 7),
            None
        );
        assert_eq!(brackets_too_deep(b"return /[(((((]/", 5), None);
        // Regression: `/` after `}` divides here; what follows is code.
        let division = format!("x={{}}/1+{}1{}/2", "(".repeat(50), ")".repeat(50));
        assert!(brackets_too_deep(division.as_bytes(), 20).is_some());
        assert_eq!(
            brackets_too_deep(b"s = `(((( ${ f((1)) } (((( ${`${(((x)))}`}`", 4),
            Some(33)
        );
        assert_eq!(
            brackets_too_deep(b"s = `a ${ {b: 1} } c`; ((((x))))", 4),
            None
        );
    }

    #[test]
    fn unbracketed_chains_count_until_the_statement_ends() {
        assert_eq!(brackets_too_deep(b"f = a => b => c => d => 1", 3), Some(16));
        assert_eq!(brackets_too_deep(b"x = !!!!y", 3), Some(6));
        assert_eq!(
            brackets_too_deep(
                b"a = 1; b = 2; c = 3, d = 4; if (a == b && c <= d) e = -f",
                3
            ),
            None
        );
        assert_eq!(
            brackets_too_deep(b"a = b ? c : d ?? e?.f; i++ + ++j - -k", 3),
            None
        );
    }

    #[test]
    fn braced_statements_do_not_add_up_but_unbraced_ones_and_else_ifs_do() {
        let sequential =
            "if (a) { b(); }\nfor (;;) { c() } while (x) {} if (y) {} else {}\n".repeat(2000);
        assert_eq!(brackets_too_deep(sequential.as_bytes(), 10), None);
        assert_eq!(
            brackets_too_deep(b"if (a) if (b) if (c) if (d) x();", 3),
            Some(17)
        );
        let chain = "if (a) {} else ".repeat(20) + "{}";
        assert!(brackets_too_deep(chain.as_bytes(), 10).is_some());
        let chain = "if (a) x; else ".repeat(20) + "y;";
        assert!(brackets_too_deep(chain.as_bytes(), 10).is_some());
        let labels: String = (0..20).map(|i| format!("l{i}: ")).collect::<String>() + "x;";
        assert!(brackets_too_deep(labels.as_bytes(), 10).is_some());
        let cases = "switch (x) { case 1: a(); break; case 2: b(); break; }\n".repeat(500);
        assert_eq!(brackets_too_deep(cases.as_bytes(), 10), None);
    }

    #[test]
    fn chains_of_a_million_arrows_are_refused_before_parsing() {
        let src = format!("f = {}0;", "a=>".repeat(1_000_000));
        let err = minify(
            "arrows.js",
            src,
            JsFlavor::Script,
            &opts(),
            &mut |_| None,
            &|_| None,
        )
        .unwrap_err();
        assert!(err.message.contains("nesting deeper than 1000"), "{err}");
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
        let dynamic = minify(
            "a.js",
            "import(name); import('lodash'); import('./x.js');".into(),
            JsFlavor::Module,
            &opts(),
            &mut |_| None,
            &|_| None,
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
