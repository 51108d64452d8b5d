//! CSS: parse with lightningcss in error-recovery mode (third-party CSS is
//! often slightly invalid), minify for the browser targets, print with a
//! source map composed with the input's own map. License comments (`/*!`)
//! are kept by lightningcss. Its URLs are found by lightningcss; where it
//! will not report them (a relative `url()` in a custom property), the
//! printed stylesheet's URLs are found with the CSS tokenizer instead.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use lightningcss::dependencies::{Dependency, DependencyOptions};
use lightningcss::error::{PrinterError, PrinterErrorKind};
use lightningcss::stylesheet::{
    MinifyOptions, ParserOptions, PrinterOptions, StyleSheet, ToCssResult,
};
use lightningcss::targets::Targets;
use parcel_sourcemap::SourceMap;

use crate::error::Loc;
use crate::naming::base_name;
use crate::transform::error::TransformError;
use crate::transform::nesting;

/// Settings of one CSS minification.
#[derive(Debug, Clone, Copy)]
pub struct CssOptions {
    /// Browser targets: prefixes and syntax lowering follow them.
    pub targets: Targets,
    /// Produce a source map.
    pub source_map: bool,
    /// Deepest nesting of blocks, parentheses and brackets accepted.
    pub max_depth: usize,
}

/// A minified stylesheet.
#[derive(Debug)]
pub struct CssOutput {
    /// The minified CSS, ending with a `sourceMappingURL` comment when a map was made.
    pub code: Vec<u8>,
    /// The source map (JSON).
    pub map: Option<Vec<u8>>,
    /// Every `url()` and `@import` found by lightningcss (never in comments).
    pub references: Vec<CssReference>,
}

/// A URL the stylesheet refers to, as written, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CssReference {
    /// The URL as written (unescaped by the CSS parser).
    pub url: String,
    /// Where in the input stylesheet.
    pub loc: Loc,
}

/// Minifies the stylesheet `src` (the file `rel`). Recovered parse problems are
/// pushed to `warnings`; a stylesheet that cannot be processed at all is an `Err`.
///
/// `rewrite` gives the new text of a URL, or `None` to keep it as written.
/// With a map, the code ends with a newline and the caller appends the
/// `sourceMappingURL` comment naming the map's final name.
pub fn minify(
    rel: &str,
    src: &str,
    opts: &CssOptions,
    input_map: &mut dyn FnMut(Option<&str>) -> Option<SourceMap>,
    warnings: &mut Vec<TransformError>,
    rewrite: &dyn Fn(&str) -> Option<String>,
) -> Result<CssOutput, TransformError> {
    nesting::check_css(src, opts.max_depth)?;
    let name = base_name(rel).to_string();
    let parse_warnings = Arc::new(RwLock::new(Vec::new()));
    let parser_options = ParserOptions {
        filename: name.clone(),
        error_recovery: true,
        warnings: Some(parse_warnings.clone()),
        ..Default::default()
    };
    let loc = |l: Option<lightningcss::error::ErrorLocation>| {
        l.map(|l| Loc {
            line: l.line + 1,
            col: l.column,
        })
    };
    let mut sheet = StyleSheet::parse(src, parser_options)
        .map_err(|e| TransformError::at(e.kind.to_string(), loc(e.loc.clone())))?;
    if let Ok(list) = parse_warnings.read() {
        for w in list.iter() {
            warnings.push(TransformError::at(w.kind.to_string(), loc(w.loc.clone())));
        }
    }
    sheet
        .minify(MinifyOptions {
            targets: opts.targets,
            ..Default::default()
        })
        .map_err(|e| TransformError::at(e.kind.to_string(), loc(e.loc.clone())))?;
    let map_url = sheet.source_map_urls.first().cloned().flatten();
    let printer_error = |e: PrinterError| TransformError::at(e.kind.to_string(), loc(e.loc));

    let (code, mut map, references) = match print(&sheet, src, &name, opts, true) {
        Ok((printed, mut map)) => {
            let dependencies = printed.dependencies.unwrap_or_default();
            let references = dependencies
                .iter()
                .map(|d| {
                    let (url, l) = match d {
                        Dependency::Url(u) => (&u.url, &u.loc),
                        Dependency::Import(i) => (&i.url, &i.loc),
                    };
                    CssReference {
                        url: url.clone(),
                        loc: Loc {
                            line: l.start.line,
                            col: l.start.column,
                        },
                    }
                })
                .collect();
            let code = restore_urls(
                &printed.code,
                &dependencies,
                opts.source_map.then_some(&mut map),
                rewrite,
            );
            (code, map, references)
        }
        // lightningcss reports no relative url() in a custom property (a
        // browser resolves it where the property is used, which may be
        // another stylesheet); browsers accept it all the same. Such a URL
        // is taken, as every other, from the stylesheet that declares it:
        // where it points whenever the property is used in a stylesheet or
        // page of the same folder (PDF.js's viewer.css and viewer.html).
        Err(e)
            if matches!(
                e.kind,
                PrinterErrorKind::AmbiguousUrlInCustomProperty { .. }
            ) =>
        {
            let (printed, mut map) =
                print(&sheet, src, &name, opts, false).map_err(printer_error)?;
            let references = scan_urls(src)
                .into_iter()
                .filter(|u| !matches!(u.shape, Shape::Raw))
                .map(|u| CssReference {
                    url: u.url,
                    loc: u.loc,
                })
                .collect();
            let code = rewrite_printed(&printed.code, opts.source_map.then_some(&mut map), rewrite);
            (code, map, references)
        }
        Err(e) => return Err(printer_error(e)),
    };
    let mut code = code.into_bytes();
    // Called even without maps: the caller learns which input map is now stale.
    let orig = input_map(map_url.as_deref());
    if !opts.source_map {
        return Ok(CssOutput {
            code,
            map: None,
            references,
        });
    }
    if let Some(mut orig) = orig {
        if let Err(e) = map.extends(&mut orig) {
            warnings.push(TransformError::new(format!(
                "input source map not composed: {e:?}"
            )));
        }
    }
    let json = map
        .to_json(None)
        .map_err(|e| TransformError::new(format!("cannot write source map: {e:?}")))?;
    code.push(b'\n');
    Ok(CssOutput {
        code,
        map: Some(json.into_bytes()),
        references,
    })
}

/// Prints the minified `sheet` (of the text `src`, named `name`) with a
/// fresh source map; with `dependencies`, lightningcss finds every url()
/// and @import (not those in comments or strings) and prints a placeholder
/// in its place.
fn print(
    sheet: &StyleSheet,
    src: &str,
    name: &str,
    opts: &CssOptions,
    dependencies: bool,
) -> Result<(ToCssResult, SourceMap), PrinterError> {
    let mut map = SourceMap::new("/");
    let source = map.add_source(name);
    let _ = map.set_source_content(source as usize, src);
    let printed = sheet.to_css(PrinterOptions {
        minify: true,
        source_map: opts.source_map.then_some(&mut map),
        targets: opts.targets,
        analyze_dependencies: dependencies.then_some(DependencyOptions {
            remove_imports: false,
        }),
        ..Default::default()
    })?;
    Ok((printed, map))
}

/// Rewrites the URLs of stylesheet `code` printed without placeholders,
/// found with the tokenizer as [`rewrite_in_place`] finds them, moving the
/// source map's columns by what each rewrite adds or removes.
fn rewrite_printed(
    code: &str,
    map: Option<&mut SourceMap>,
    rewrite: &dyn Fn(&str) -> Option<String>,
) -> String {
    let urls = scan_urls(code);
    splice(code, &url_edits(code, &urls, rewrite), map)
}

/// Puts each URL back where lightningcss printed its placeholder (unquoted
/// when CSS allows, as lightningcss itself prints them), moving the source
/// map's columns by what each substitution adds or removes.
fn restore_urls(
    code: &str,
    dependencies: &[Dependency],
    map: Option<&mut SourceMap>,
    rewrite: &dyn Fn(&str) -> Option<String>,
) -> String {
    let mut texts: HashMap<&str, String> = HashMap::new();
    for d in dependencies {
        let (placeholder, text) = match d {
            Dependency::Url(u) => (
                u.placeholder.as_str(),
                url_token(&rewrite(&u.url).unwrap_or_else(|| u.url.clone())),
            ),
            Dependency::Import(i) => (
                i.placeholder.as_str(),
                css_string(&rewrite(&i.url).unwrap_or_else(|| i.url.clone())),
            ),
        };
        texts.entry(placeholder).or_insert(text);
    }
    let mut lengths: Vec<usize> = texts.keys().map(|p| p.len()).collect();
    lengths.sort_unstable();
    lengths.dedup();
    // One pass: at each quote, is a placeholder and its closing quote next?
    let bytes = code.as_bytes();
    let mut edits = Vec::new();
    let mut last = 0;
    for at in memchr::memchr_iter(b'"', bytes) {
        if at < last {
            continue;
        }
        let Some((len, text)) = lengths.iter().find_map(|&len| {
            let end = at + 1 + len;
            (bytes.get(end) == Some(&b'"'))
                .then(|| code.get(at + 1..end))
                .flatten()
                .and_then(|p| texts.get(p))
                .map(|t| (len + 2, t))
        }) else {
            continue;
        };
        edits.push(Edit {
            start: at,
            end: at + len,
            text: text.clone(),
        });
        last = at + len;
    }
    splice(code, &edits, map)
}

/// A piece of text replaced: bytes `start..end` by `text`.
struct Edit {
    start: usize,
    end: usize,
    text: String,
}

/// `code` with `edits` (in order, not overlapping) made. With a map, its
/// columns after each edit move by what the edit adds or removes: the line
/// and UTF-16 column of the output are kept as it grows.
fn splice(code: &str, edits: &[Edit], mut map: Option<&mut SourceMap>) -> String {
    let mut out = String::with_capacity(code.len());
    let (mut line, mut col) = (0u32, 0u32);
    let mut last = 0;
    for e in edits {
        if e.start < last {
            continue;
        }
        let chunk = &code[last..e.start];
        if map.is_some() {
            match chunk.rfind('\n') {
                Some(nl) => {
                    line += chunk.matches('\n').count() as u32;
                    col = chunk[nl + 1..].encode_utf16().count() as u32;
                }
                None => col += chunk.encode_utf16().count() as u32,
            }
        }
        out.push_str(chunk);
        if let Some(map) = map.as_deref_mut() {
            let removed = code[e.start..e.end].encode_utf16().count() as i64;
            let added = e.text.encode_utf16().count() as u32;
            let _ = map.offset_columns(line, col + 1, added as i64 - removed);
            col += added;
        }
        out.push_str(&e.text);
        last = e.end;
    }
    out.push_str(&code[last..]);
    out
}

/// CSS whose references were rewritten in place, its text otherwise untouched.
#[derive(Debug)]
pub struct RewrittenCss {
    /// The new text.
    pub code: String,
    /// The references found, with locations in the given text.
    pub references: Vec<CssReference>,
}

/// Where in a stylesheet (or a `style` attribute, or a `<style>` block) the
/// URLs are: `url()` in both spellings, the string of `@import`, the strings
/// of `image-set()`, and the `sourceMappingURL` comment. Found with the CSS
/// tokenizer lightningcss itself uses, so comments and strings are skipped
/// exactly as a browser skips them; nothing but the URLs changes.
pub fn rewrite_in_place(
    src: &str,
    max_depth: usize,
    rewrite: &dyn Fn(&str) -> Option<String>,
) -> Result<RewrittenCss, TransformError> {
    nesting::check_css(src, max_depth)?;
    let urls = scan_urls(src);
    let code = splice(src, &url_edits(src, &urls, rewrite), None);
    let references = urls
        .into_iter()
        .map(|u| CssReference {
            url: u.url,
            loc: u.loc,
        })
        .collect();
    Ok(RewrittenCss { code, references })
}

/// The URLs of the stylesheet `src`, in order (see [`rewrite_in_place`]).
/// Its nesting must have been checked.
fn scan_urls(src: &str) -> Vec<FoundUrl> {
    let mut input = cssparser::ParserInput::new(src);
    let mut parser = cssparser::Parser::new(&mut input);
    let mut found = Found::default();
    scan(&mut parser, &mut found, Context::Plain);
    found.urls
}

/// The edits that rewrite `urls` of `src`, each written in the shape it
/// had; a URL `rewrite` keeps is not touched.
fn url_edits(src: &str, urls: &[FoundUrl], rewrite: &dyn Fn(&str) -> Option<String>) -> Vec<Edit> {
    urls.iter()
        .filter_map(|u| {
            let new = rewrite(&u.url)?;
            let text = match u.shape {
                Shape::UrlToken => format!("url({})", url_token(&new)),
                Shape::String => {
                    let quote = if src.as_bytes()[u.start] == b'\'' {
                        '\''
                    } else {
                        '"'
                    };
                    css_quoted(&new, quote)
                }
                Shape::Raw => new,
            };
            Some(Edit {
                start: u.start,
                end: u.end,
                text,
            })
        })
        .collect()
}

#[derive(Default)]
struct Found {
    urls: Vec<FoundUrl>,
}

struct FoundUrl {
    url: String,
    start: usize,
    end: usize,
    loc: Loc,
    shape: Shape,
}

/// How a URL was written, so its replacement is written the same way.
#[derive(Clone, Copy)]
enum Shape {
    /// `url(x)` (the whole token).
    UrlToken,
    /// A quoted string (the whole string).
    String,
    /// The URL of a comment.
    Raw,
}

#[derive(Clone, Copy, PartialEq)]
enum Context {
    Plain,
    /// Inside `url(` with a quoted string, or `image-set(`: strings are URLs.
    Strings,
}

fn scan(p: &mut cssparser::Parser, found: &mut Found, ctx: Context) {
    use cssparser::Token;
    let mut import = false;
    loop {
        let start = p.position();
        let l = p.current_source_location();
        let loc = Loc {
            line: l.line + 1,
            col: l.column,
        };
        let token = match p.next_including_whitespace_and_comments() {
            Ok(t) => t.clone(),
            Err(_) => break,
        };
        let end = p.position();
        let mut add = |url: &str, shape| {
            found.urls.push(FoundUrl {
                url: url.to_string(),
                start: start.byte_index(),
                end: end.byte_index(),
                loc,
                shape,
            })
        };
        match token {
            Token::UnquotedUrl(url) => add(&url, Shape::UrlToken),
            Token::QuotedString(s) if ctx == Context::Strings || import => {
                add(&s, Shape::String);
                import = false;
            }
            Token::AtKeyword(k) => import = k.eq_ignore_ascii_case("import"),
            Token::Comment(text) => {
                let t = text.trim_start();
                if let Some(rest) = t
                    .strip_prefix("# sourceMappingURL=")
                    .or_else(|| t.strip_prefix("@ sourceMappingURL="))
                {
                    let url = rest.trim_end();
                    if !url.is_empty() && !url.starts_with("data:") {
                        let at = start.byte_index() + 2 + (text.len() - t.len()) + 19;
                        found.urls.push(FoundUrl {
                            url: url.to_string(),
                            start: at,
                            end: at + url.len(),
                            loc,
                            shape: Shape::Raw,
                        });
                    }
                }
            }
            Token::Function(name) => {
                let inner = if name.eq_ignore_ascii_case("url")
                    || name.eq_ignore_ascii_case("src")
                    || name.to_ascii_lowercase().ends_with("image-set")
                {
                    Context::Strings
                } else {
                    Context::Plain
                };
                let _ = p.parse_nested_block(|p| {
                    scan(p, found, inner);
                    Ok::<(), cssparser::ParseError<()>>(())
                });
            }
            Token::CurlyBracketBlock | Token::SquareBracketBlock | Token::ParenthesisBlock => {
                let _ = p.parse_nested_block(|p| {
                    scan(p, found, Context::Plain);
                    Ok::<(), cssparser::ParseError<()>>(())
                });
            }
            Token::WhiteSpace(_) => {}
            _ => import = false,
        }
    }
}

/// `url()` contents: bare when nothing needs quoting, else a quoted string.
fn url_token(url: &str) -> String {
    let bare = !url.is_empty()
        && !url.chars().any(|c| {
            c.is_whitespace() || matches!(c, '"' | '\'' | '(' | ')' | '\\') || c.is_control()
        });
    if bare {
        url.to_string()
    } else {
        css_string(url)
    }
}

/// A double-quoted CSS string.
fn css_string(s: &str) -> String {
    css_quoted(s, '"')
}

/// A CSS string in `quote`s.
fn css_quoted(s: &str, quote: char) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\a "),
            c if c.is_control() => out.push_str(&format!("\\{:x} ", c as u32)),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> CssOptions {
        CssOptions {
            targets: Targets::default(),
            source_map: false,
            max_depth: 100,
        }
    }

    /// Minifies `src` as `t.css` with `opts`, no input map and no URL
    /// rewritten: the output and the warnings.
    fn run(src: &str, opts: &CssOptions) -> (CssOutput, Vec<TransformError>) {
        run_rewriting(src, opts, &|_| None)
    }

    /// [`run`], with URLs rewritten by `rewrite`.
    fn run_rewriting(
        src: &str,
        opts: &CssOptions,
        rewrite: &dyn Fn(&str) -> Option<String>,
    ) -> (CssOutput, Vec<TransformError>) {
        let mut w = Vec::new();
        let out = minify("t.css", src, opts, &mut |_| None, &mut w, rewrite).unwrap();
        (out, w)
    }

    fn min(src: &str) -> (String, Vec<TransformError>) {
        let (out, w) = run(src, &opts());
        (String::from_utf8(out.code).unwrap(), w)
    }

    /// Minifies `input` and compares the code with `expected`; no warnings.
    #[track_caller]
    fn minify_test(input: &str, expected: &str) {
        let (out, w) = min(input);
        assert_eq!(out, expected);
        assert_eq!(w, []);
    }

    #[test]
    fn minifies_and_keeps_license_comments() {
        minify_test(
            "/*! license */\n.a { color: #ff0000; margin: 0px 0px 0px 0px }\n/* gone */\n",
            "/*! license */\n.a{color:red;margin:0}",
        );
    }

    #[test]
    fn bad_rules_are_warnings_with_locations() {
        let (out, w) = min(".a{color:red}\n.b:hover:nonsense{color:blue}\n@media screen { .e ! x { top: 0 } }\n.d{top:0}");
        assert_eq!(out, ".a{color:red}.b:hover:nonsense{color:#00f}.d{top:0}");
        let w: Vec<String> = w.iter().map(|d| d.to_string()).collect();
        assert!(
            w[0].starts_with("2:10: 'nonsense' is not recognized"),
            "{w:?}"
        );
        assert!(w[1].starts_with("3:"), "{w:?}");
    }

    #[test]
    fn urls_are_found_outside_comments_and_kept_as_written() {
        let src = "@import \"base.css\";\n/* url(not-here.png) */\n.a { background: url( 'img/a b.png' ) }\n.b { background: url(img/c.png#x) }\n.c { background: url(data:image/png;base64,AAAA) }\n";
        let (out, _) = run(src, &opts());
        let code = String::from_utf8(out.code).unwrap();
        assert_eq!(
            code,
            "@import \"base.css\";.a{background:url(\"img/a b.png\")}.b{background:url(img/c.png#x)}.c{background:url(data:image/png;base64,AAAA)}"
        );
        let urls: Vec<(&str, u32, u32)> = out
            .references
            .iter()
            .map(|r| (r.url.as_str(), r.loc.line, r.loc.col))
            .collect();
        assert_eq!(urls[0], ("base.css", 1, 9));
        assert_eq!(urls[1].0, "img/a b.png");
        assert_eq!(urls[1].1, 3);
        assert_eq!(urls[2].0, "img/c.png#x");
        assert!(!urls.iter().any(|u| u.0.contains("not-here")));
    }

    #[test]
    fn map_columns_follow_restored_urls() {
        let src = ".a{background:url(a-rather-long-file-name.png)}\n.x{content:\"\\\"q\";background:url('x y.png'),url(a-rather-long-file-name.png)}\n.b{color:red}\n";
        let o = CssOptions {
            source_map: true,
            ..opts()
        };
        let (out, _) = run(src, &o);
        let code = String::from_utf8(out.code).unwrap();
        let mut map = parcel_sourcemap::SourceMap::from_json(
            "/",
            std::str::from_utf8(&out.map.unwrap()).unwrap(),
        )
        .unwrap();
        let col = code.find(".b{").unwrap() as u32;
        let m = map.find_closest_mapping(0, col).unwrap();
        let orig = m.original.unwrap();
        assert_eq!((m.generated_column, orig.original_line), (col, 2), "{code}");
        assert!(
            code.contains("url(\"x y.png\"),url(a-rather-long-file-name.png)"),
            "{code}"
        );
    }

    /// The test rewrite: `!` appended to every URL but fragments and
    /// `data:` URLs.
    fn bang(u: &str) -> Option<String> {
        (!u.starts_with('#') && !u.starts_with("data:")).then(|| format!("{u}!"))
    }

    /// Rewrites every URL of `input` in place with [`bang`] and compares
    /// with `expected`.
    #[track_caller]
    fn rewrite_test(input: &str, expected: &str) {
        let r = rewrite_in_place(input, 100, &bang).unwrap();
        assert_eq!(r.code, expected);
    }

    /// Minifies `input` rewriting its URLs with [`bang`], and compares the
    /// code with `expected` and the references found with `urls` (as
    /// written, with their line in the input); no warnings.
    #[track_caller]
    fn minify_rewrite_test(input: &str, expected: &str, urls: &[(&str, u32)]) {
        let (out, w) = run_rewriting(input, &opts(), &bang);
        assert_eq!(String::from_utf8(out.code).unwrap(), expected);
        let found: Vec<(&str, u32)> = out
            .references
            .iter()
            .map(|r| (r.url.as_str(), r.loc.line))
            .collect();
        assert_eq!(found, urls);
        assert_eq!(w, []);
    }

    #[test]
    fn urls_are_rewritten_when_minified() {
        minify_rewrite_test(
            "@import 'a.css';\n.a { background: url( 'x y.png' ) }\n.b{background:url(data:image/png;base64,AA)}",
            "@import \"a.css!\";.a{background:url(\"x y.png!\")}.b{background:url(data:image/png;base64,AA)}",
            &[("a.css", 1), ("x y.png", 2), ("data:image/png;base64,AA", 3)],
        );
    }

    /// Regression: lightningcss refuses to report a relative url() in a
    /// custom property (PDF.js's viewer.css), and the stylesheet failed.
    #[test]
    fn relative_urls_in_custom_properties_are_minified_and_rewritten() {
        minify_test(
            ":root { --icon: url(images/x.svg) }\n.a { background: var(--icon) }",
            ":root{--icon:url(images/x.svg)}.a{background:var(--icon)}",
        );
        minify_rewrite_test(
            ":root {\n  --icon: url(images/x.svg);\n  --q: url('images/a b.svg') }\n.a { background: var(--icon), url(\"c.png\") }\n/*# sourceMappingURL=t.css.map */",
            ":root{--icon:url(images/x.svg!);--q:url(\"images/a b.svg!\")}.a{background:var(--icon), url(c.png!)}",
            &[("images/x.svg", 2), ("images/a b.svg", 3), ("c.png", 4)],
        );
    }

    #[test]
    fn map_columns_follow_urls_rewritten_in_custom_properties() {
        let src = ":root{--a:url(a-rather-long-file-name.png)}\n.b{color:red}\n";
        let o = CssOptions {
            source_map: true,
            ..opts()
        };
        let mut w = Vec::new();
        let long = |u: &str| Some(format!("{u}?{}", "x".repeat(40)));
        let out = minify("t.css", src, &o, &mut |_| None, &mut w, &long).unwrap();
        let code = String::from_utf8(out.code).unwrap();
        let mut map = parcel_sourcemap::SourceMap::from_json(
            "/",
            std::str::from_utf8(&out.map.unwrap()).unwrap(),
        )
        .unwrap();
        let col = code.find(".b{").unwrap() as u32;
        let m = map.find_closest_mapping(0, col).unwrap();
        assert_eq!(
            (m.generated_column, m.original.unwrap().original_line),
            (col, 1),
            "{code}"
        );
    }

    #[test]
    fn urls_are_rewritten_in_place_in_every_spelling() {
        rewrite_test("a{b:url(x.png)}", "a{b:url(x.png!)}");
        rewrite_test("a { b: url( 'x y.png' ) }", "a { b: url( 'x y.png!' ) }");
        rewrite_test("a{b:url(\"q.png\")}", "a{b:url(\"q.png!\")}");
        rewrite_test(
            "@import 'a.css' screen;\n@import url(b.css);",
            "@import 'a.css!' screen;\n@import url(b.css!);",
        );
        rewrite_test(
            "a{b:-webkit-image-set(\"1.png\" 1x, url(2.png) 2x)}",
            "a{b:-webkit-image-set(\"1.png!\" 1x, url(2.png!) 2x)}",
        );
        rewrite_test(
            "@font-face{src:url(f.eot?#iefix) format('embedded-opentype')}",
            "@font-face{src:url(f.eot?#iefix!) format('embedded-opentype')}",
        );
        rewrite_test(
            "a{x:url(a.png)}\n/*# sourceMappingURL=a.css.map */\n",
            "a{x:url(a.png!)}\n/*# sourceMappingURL=a.css.map! */\n",
        );
    }

    #[test]
    fn comments_strings_fragments_and_data_urls_stay() {
        for same in [
            "/* url(c.png) */a{b:url(#g)}",
            "a{content:\"url(x.png)\"}",
            "a{b:url(\"data:image/svg+xml,%3Csvg%3E%3Cpath fill='url(%23g)'/%3E%3C/svg%3E\")}",
            "a{b:attr(data-x url)}",
        ] {
            rewrite_test(same, same);
        }
    }
}
