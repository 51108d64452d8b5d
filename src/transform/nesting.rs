//! The nesting bound of JS and CSS, checked before parsing: swc's and
//! lightningcss's parsers recurse once per level of nesting, so input nested
//! far deeper than any real code (100k parentheses, a million chained arrows)
//! would exhaust their stacks. A quick scan of the text finds where nesting
//! first exceeds `--max-nesting-depth`, and the file is refused with one
//! diagnostic, whichever language it is in (pages use these checks for their
//! inline styles and scripts too).

use crate::error::{loc_of_offset, Loc};
use crate::transform::error::TransformError;

/// The error for a file nested deeper than `max` (at `loc`, when known).
pub fn too_deep(loc: Option<Loc>, max: usize) -> TransformError {
    TransformError::at(
        format!(
            "nesting deeper than {max} levels (limit: --max-nesting-depth); file copied unchanged"
        ),
        loc,
    )
}

/// Refuses JavaScript nested deeper than `max`, before it is parsed.
pub fn check_js(src: &str, max: usize) -> Result<(), TransformError> {
    match js_too_deep(src.as_bytes(), max) {
        Some(at) => Err(too_deep(Some(loc_of_offset(src.as_bytes(), at)), max)),
        None => Ok(()),
    }
}

/// Refuses CSS nested deeper than `max`, before it is parsed.
pub fn check_css(src: &str, max: usize) -> Result<(), TransformError> {
    match css_too_deep(src.as_bytes(), max) {
        Some(at) => Err(too_deep(Some(loc_of_offset(src.as_bytes(), at)), max)),
        None => Ok(()),
    }
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
/// parsing (`js::Depth`).
fn js_too_deep(src: &[u8], max: usize) -> Option<usize> {
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

/// Nesting as [`js_too_deep`] counts it.
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

/// The byte offset where nesting of `{ ( [` first exceeds `max`, skipping
/// strings, comments and escapes, so the recursive-descent parser is never fed
/// input that could exhaust its stack.
fn css_too_deep(css: &[u8], max: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = 0;
    while i < css.len() {
        match css[i] {
            b'\\' => i += 1,
            b'/' if css.get(i + 1) == Some(&b'*') => {
                i = memchr_end(css, i + 2);
                continue;
            }
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < css.len() && css[i] != q && css[i] != b'\n' {
                    if css[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            // An unquoted `url(…)` is one token up to `)`, quotes included
            // (a quote in it makes it a bad URL, not a string).
            b'(' if css[..i].len() >= 3 && css[i - 3..i].eq_ignore_ascii_case(b"url") && {
                let rest = &css[i + 1..];
                let first = rest.iter().find(|b| !b.is_ascii_whitespace());
                !matches!(first, Some(b'"' | b'\''))
            } =>
            {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
                while i + 1 < css.len() && css[i + 1] != b')' {
                    i += if css[i + 1] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'(' | b'[' => {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
            }
            b'}' | b')' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Index just past the `*/` that closes a comment starting before `from`.
fn memchr_end(css: &[u8], from: usize) -> usize {
    css.get(from..)
        .and_then(|rest| rest.windows(2).position(|w| w == b"*/"))
        .map_or(css.len(), |p| from + p + 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bracket_scan_skips_strings_comments_templates_and_regexps() {
        assert_eq!(js_too_deep(b"f((((x))))", 3), Some(4));
        assert_eq!(
            js_too_deep(b"a = '((((((' + \"[[[[[[\" // ((((((\n/* {{{{{{ */", 3),
            None
        );
        assert_eq!(js_too_deep(b"a = /(((((((\\)/.test(x) && b / (c)", 7), None);
        assert_eq!(js_too_deep(b"return /[(((((]/", 5), None);
        // Regression: `/` after `}` divides here; what follows is code.
        let division = format!("x={{}}/1+{}1{}/2", "(".repeat(50), ")".repeat(50));
        assert!(js_too_deep(division.as_bytes(), 20).is_some());
        assert_eq!(
            js_too_deep(b"s = `(((( ${ f((1)) } (((( ${`${(((x)))}`}`", 4),
            Some(33)
        );
        assert_eq!(js_too_deep(b"s = `a ${ {b: 1} } c`; ((((x))))", 4), None);
    }

    #[test]
    fn unbracketed_chains_count_until_the_statement_ends() {
        assert_eq!(js_too_deep(b"f = a => b => c => d => 1", 3), Some(16));
        assert_eq!(js_too_deep(b"x = !!!!y", 3), Some(6));
        assert_eq!(
            js_too_deep(
                b"a = 1; b = 2; c = 3, d = 4; if (a == b && c <= d) e = -f",
                3
            ),
            None
        );
        assert_eq!(
            js_too_deep(b"a = b ? c : d ?? e?.f; i++ + ++j - -k", 3),
            None
        );
    }

    #[test]
    fn braced_statements_do_not_add_up_but_unbraced_ones_and_else_ifs_do() {
        let sequential =
            "if (a) { b(); }\nfor (;;) { c() } while (x) {} if (y) {} else {}\n".repeat(2000);
        assert_eq!(js_too_deep(sequential.as_bytes(), 10), None);
        assert_eq!(
            js_too_deep(b"if (a) if (b) if (c) if (d) x();", 3),
            Some(17)
        );
        let chain = "if (a) {} else ".repeat(20) + "{}";
        assert!(js_too_deep(chain.as_bytes(), 10).is_some());
        let chain = "if (a) x; else ".repeat(20) + "y;";
        assert!(js_too_deep(chain.as_bytes(), 10).is_some());
        let labels: String = (0..20).map(|i| format!("l{i}: ")).collect::<String>() + "x;";
        assert!(js_too_deep(labels.as_bytes(), 10).is_some());
        let cases = "switch (x) { case 1: a(); break; case 2: b(); break; }\n".repeat(500);
        assert_eq!(js_too_deep(cases.as_bytes(), 10), None);
    }

    #[test]
    fn css_nesting_is_bounded_outside_strings_and_comments() {
        assert_eq!(css_too_deep(b"a{b:c((((x))))}", 3), Some(7));
        assert_eq!(
            css_too_deep(b"a{content:\"((((((\"} /* ((((((( */", 3),
            None
        );
        assert_eq!(css_too_deep(b"a\\{\\{\\{\\{{}", 2), None);
        // Regression: a quote in an unquoted url( is no string; what follows is code.
        let bad_url = format!("a{{b:url(x\"y) {}", "(".repeat(50));
        assert!(css_too_deep(bad_url.as_bytes(), 20).is_some());
        assert_eq!(css_too_deep(b"a{b:url(x\"y)}", 2), None);
    }
}
