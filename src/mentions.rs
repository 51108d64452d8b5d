//! Where the names of files are written in the text of the others, found
//! before any transform in one pass: one Aho–Corasick automaton over the
//! file names (`app.js`, and `a%20b.png` for `a b.png`) runs over every text
//! file (scripts, stylesheets, pages, SVG, JSON, XML, any file that is not
//! binary; source maps excepted). A mention is a name with no name character
//! on either side (`data.js` does not mention `a.js`, `a.js.map` does not
//! mention `a.js`), with the folders written before it (`../build/` in
//! `"../build/pdf.worker.mjs"`).
//!
//! The naming rule (`keep.rs`) compares these mentions with the references
//! the transforms parsed: a file whose name is written anywhere a parser did
//! not find a reference keeps its name.

use std::io::Read;

use aho_corasick::AhoCorasick;
use rayon::prelude::*;

use crate::asset::{AssetKind, SourceFile};
use crate::error::Loc;
use crate::id::FileId;
use crate::resolve::{encode_path, percent_decode};

/// A name written in a file's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// The byte offset where the name starts.
    pub offset: usize,
    /// Where the name starts (line 0 when the file was too large to locate
    /// mentions in: it was scanned as a stream).
    pub loc: Loc,
    /// The name (percent-decoded), as in [`Mentions::name`].
    pub name: u32,
    /// The folders written before the name, decoded, without `.`, `..` and
    /// any scheme and host: `build` in `"../build/pdf.worker.mjs"`.
    pub dirs: String,
}

impl Mention {
    /// Whether this mention may name the file `rel` (whose last segment is
    /// the mention's name): the folders written and those of `rel` agree as
    /// far as both go (one ends the other, segment by segment), since a
    /// relative URL may resolve from any folder and an absolute one may
    /// carry a base path.
    pub fn may_name(&self, rel: &str) -> bool {
        let dirs = rel.rsplit_once('/').map_or("", |(d, _)| d);
        let (a, b) = if dirs.len() >= self.dirs.len() {
            (dirs, self.dirs.as_str())
        } else {
            (self.dirs.as_str(), dirs)
        };
        b.is_empty() || a == b || a.ends_with(&format!("/{b}"))
    }

    /// `path:line:col` of a mention at `loc` in the file `rel` (`path`
    /// alone when it is unlocated).
    pub fn at_loc(rel: &str, loc: Loc) -> String {
        if loc.line == 0 {
            rel.to_string()
        } else {
            format!("{rel}:{}:{}", loc.line, loc.col)
        }
    }
}

/// Every mention of the names of `candidates` in the text files of a run.
#[derive(Debug, Default)]
pub struct Mentions {
    /// Per file (by [`FileId`]), the mentions in its text, in text order.
    pub in_file: Vec<Vec<Mention>>,
    /// Per file, whether its name is written in any text file.
    pub mentioned: Vec<bool>,
    /// The names searched for, decoded.
    names: Vec<String>,
}

impl Mentions {
    /// The name numbered `n`.
    pub fn name(&self, n: u32) -> &str {
        &self.names[n as usize]
    }

    /// The mentions in the file `id`.
    pub fn of(&self, id: FileId) -> &[Mention] {
        self.in_file.get(id.index()).map_or(&[], Vec::as_slice)
    }
}

/// Bytes of a file read before deciding it is text: a NUL among them
/// makes it binary.
const SNIFF: usize = 8192;

/// Bytes of the path before a name that are read for its folders.
const MAX_PATH: usize = 512;

/// Whether a file of `kind` is searched for names.
fn searched(kind: AssetKind) -> bool {
    !matches!(
        kind,
        AssetKind::Image | AssetKind::Font | AssetKind::SourceMap
    )
}

/// Finds the mentions of the names of the files for which `candidate` is
/// true, in every text file of `files` (see [`search`]).
pub fn find(
    files: &[SourceFile],
    candidate: &(dyn Fn(FileId) -> bool + Sync),
    max_text_size: u64,
) -> Mentions {
    let names: Vec<String> = files
        .iter()
        .enumerate()
        .filter(|&(i, _)| candidate(FileId::new(i)))
        .map(|(_, f)| base(&f.rel).to_string())
        .collect();
    let mut out = search(files, names, max_text_size);
    // Which files are mentioned: a file is, when a mention of its name may
    // name it.
    let mut by_name: std::collections::HashMap<&str, Vec<usize>> = Default::default();
    for (i, f) in files.iter().enumerate() {
        if candidate(FileId::new(i)) {
            by_name.entry(base(&f.rel)).or_default().push(i);
        }
    }
    out.mentioned = vec![false; files.len()];
    for m in out.in_file.iter().flatten() {
        for &i in by_name
            .get(out.names[m.name as usize].as_str())
            .into_iter()
            .flatten()
        {
            if !out.mentioned[i] && m.may_name(&files[i].rel) {
                out.mentioned[i] = true;
            }
        }
    }
    out
}

/// Finds where `names` (file names, or any words with no name character
/// on either side) are written in every text file of `files`. Files up to
/// `max_text_size` bytes are read whole, larger ones streamed (their
/// mentions unlocated and with no folders, so they may name any file of
/// that name). A name is also found percent-encoded.
pub fn search(files: &[SourceFile], mut names: Vec<String>, max_text_size: u64) -> Mentions {
    names.sort();
    names.dedup();
    // Pattern → name number.
    let mut patterns: Vec<String> = Vec::with_capacity(names.len());
    let mut pattern_name: Vec<u32> = Vec::with_capacity(names.len());
    for (n, name) in names.iter().enumerate() {
        patterns.push(name.clone());
        pattern_name.push(n as u32);
        let encoded = encode_path(name);
        if encoded != *name {
            patterns.push(encoded);
            pattern_name.push(n as u32);
        }
    }
    let mut out = Mentions {
        in_file: vec![Vec::new(); files.len()],
        mentioned: Vec::new(),
        names,
    };
    if patterns.is_empty() {
        return out;
    }
    let Ok(automaton) = AhoCorasick::new(&patterns) else {
        return out;
    };
    out.in_file = files
        .par_iter()
        .map(|f| {
            if !searched(f.kind) {
                return Vec::new();
            }
            if f.size > max_text_size {
                return stream(f, &automaton, &pattern_name);
            }
            let Ok(bytes) = std::fs::read(&f.abs) else {
                return Vec::new();
            };
            if f.kind == AssetKind::Other
                && memchr::memchr(0, &bytes[..bytes.len().min(SNIFF)]).is_some()
            {
                return Vec::new();
            }
            let mut found = scan(&bytes, &automaton, &pattern_name);
            // A name in a stylesheet's comment, or in a page's text (`<p>a
            // slide made with reveal.js</p>`), loads nothing.
            let skip = match f.kind {
                AssetKind::Css => css_comments(&bytes),
                AssetKind::Html => html_text(&bytes),
                _ => Vec::new(),
            };
            if !skip.is_empty() {
                found.retain(|m| {
                    let k = skip.partition_point(|c| c.1 <= m.offset);
                    skip.get(k).is_none_or(|c| c.0 > m.offset)
                });
            }
            found
        })
        .collect();
    out
}

/// The last segment of `rel`.
fn base(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap_or(rel)
}

/// Whether `b` may be part of a file name (a mention must not have one on
/// either side).
fn name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'~' | b'+' | b'%') || b >= 0x80
}

/// Whether `b` may be part of the URL path written before a name.
fn path_byte(b: u8) -> bool {
    name_byte(b) || matches!(b, b'/' | b':' | b'@')
}

/// The mentions in `text`.
fn scan(text: &[u8], automaton: &AhoCorasick, pattern_name: &[u32]) -> Vec<Mention> {
    // Overlapping matches come in the order they end: sorted by start,
    // they are located in one pass.
    let mut matches: Vec<(usize, usize, u32)> = automaton
        .find_overlapping_iter(text)
        .filter(|m| m.start() == 0 || !name_byte(text[m.start() - 1]))
        .filter(|m| !text.get(m.end()).is_some_and(|&b| name_byte(b)))
        .map(|m| (m.start(), m.end(), pattern_name[m.pattern().as_usize()]))
        .collect();
    matches.sort_unstable();
    let mut cursor = LineCursor::default();
    matches
        .into_iter()
        .map(|(start, _, name)| {
            let mut from = start;
            let limit = start.saturating_sub(MAX_PATH);
            while from > limit && path_byte(text[from - 1]) {
                from -= 1;
            }
            Mention {
                offset: start,
                loc: cursor.loc(text, start),
                name,
                dirs: folders(&String::from_utf8_lossy(&text[from..start])),
            }
        })
        .collect()
}

/// The mentions of a file too large to read whole, found as it streams.
fn stream(file: &SourceFile, automaton: &AhoCorasick, pattern_name: &[u32]) -> Vec<Mention> {
    let Ok(f) = std::fs::File::open(&file.abs) else {
        return Vec::new();
    };
    let mut reader = std::io::BufReader::new(f);
    let mut head = Vec::with_capacity(SNIFF);
    if (&mut reader)
        .take(SNIFF as u64)
        .read_to_end(&mut head)
        .is_err()
        || head.contains(&0)
    {
        return Vec::new();
    }
    let whole = std::io::Cursor::new(head).chain(reader);
    let mut found = Vec::new();
    for m in automaton.stream_find_iter(whole) {
        let Ok(m) = m else { break };
        found.push(Mention {
            offset: m.start(),
            loc: Loc { line: 0, col: 0 },
            name: pattern_name[m.pattern().as_usize()],
            dirs: String::new(),
        });
    }
    found
}

/// The byte ranges of the comments of a stylesheet (outside its strings),
/// in order.
fn css_comments(css: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < css.len() {
        match css[i] {
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < css.len() && css[i] != q && css[i] != b'\n' {
                    i += if css[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'/' if css.get(i + 1) == Some(&b'*') => {
                let end =
                    memchr::memmem::find(&css[i + 2..], b"*/").map_or(css.len(), |e| i + 2 + e + 2);
                out.push((i, end));
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

/// The byte ranges of a page's text, in order: what lies between its tags.
/// Tags (their attributes count), comments (a conditional comment holds
/// markup a browser reads) and the contents of `<script>`, `<style>` and
/// `<textarea>` are not text.
fn html_text(html: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut text_start = 0;
    let lower = |at: usize, word: &[u8]| {
        html.get(at..at + word.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(word))
    };
    while let Some(lt) = memchr::memchr(b'<', &html[i..]).map(|k| i + k) {
        let next = html.get(lt + 1).copied().unwrap_or(0);
        if !(next.is_ascii_alphabetic() || next == b'/' || next == b'!' || next == b'?') {
            i = lt + 1;
            continue;
        }
        if text_start < lt {
            out.push((text_start, lt));
        }
        // The end of this markup: a comment, a tag (quotes respected), then
        // the raw text of script and style, which counts as code.
        let end = if lower(lt, b"<!--") {
            memchr::memmem::find(&html[lt + 4..], b"-->").map_or(html.len(), |k| lt + 4 + k + 3)
        } else {
            let mut k = lt + 1;
            let mut quote = 0u8;
            while k < html.len() {
                let b = html[k];
                if quote != 0 {
                    if b == quote {
                        quote = 0;
                    }
                } else if b == b'"' || b == b'\'' {
                    quote = b;
                } else if b == b'>' {
                    break;
                }
                k += 1;
            }
            let tag_end = (k + 1).min(html.len());
            let raw = [&b"script"[..], b"style", b"textarea"]
                .into_iter()
                .find(|name| {
                    lower(lt + 1, name)
                        && !html
                            .get(lt + 1 + name.len())
                            .is_some_and(u8::is_ascii_alphanumeric)
                });
            match raw {
                Some(name) => {
                    let close = [b"</", name].concat();
                    let mut j = tag_end;
                    loop {
                        match memchr::memmem::find(&html[j..], b"</") {
                            Some(k) if lower(j + k, &close) => break j + k,
                            Some(k) => j += k + 2,
                            None => break html.len(),
                        }
                    }
                }
                None => tag_end,
            }
        };
        i = end.max(lt + 1);
        text_start = i;
    }
    if text_start < html.len() {
        out.push((text_start, html.len()));
    }
    out
}

/// The folders of the URL path `written` before a name: decoded, without
/// a scheme and host, `.`, `..` and empty segments.
fn folders(written: &str) -> String {
    let path = match written.find("//") {
        Some(i) => written[i + 2..].split_once('/').map_or("", |(_, p)| p),
        None => written,
    };
    let path = percent_decode(path);
    path.split('/')
        .filter(|s| !s.is_empty() && *s != "." && *s != "..")
        .collect::<Vec<_>>()
        .join("/")
}

/// Turns offsets, asked for in increasing order, into lines and columns
/// (in characters) in one pass over the text.
#[derive(Default)]
struct LineCursor {
    offset: usize,
    line: u32,
    /// Characters from the line's start to `offset`.
    col: u32,
}

impl LineCursor {
    fn loc(&mut self, text: &[u8], offset: usize) -> Loc {
        let span = &text[self.offset..offset];
        let rest = match memchr::memrchr(b'\n', span) {
            Some(last) => {
                self.line += memchr::memchr_iter(b'\n', span).count() as u32;
                self.col = 0;
                &span[last + 1..]
            }
            None => span,
        };
        // Characters: every byte but UTF-8 continuation bytes.
        self.col += rest.iter().filter(|&&b| b & 0xC0 != 0x80).count() as u32;
        self.offset = offset;
        Loc {
            line: self.line + 1,
            col: self.col + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mentions of `names` in `text`, as `(name, dirs, line:col)`.
    #[track_caller]
    fn scan_test(names: &[&str], text: &str, expected: &[(&str, &str, &str)]) {
        let automaton = AhoCorasick::new(names).unwrap();
        let pattern_name: Vec<u32> = (0..names.len() as u32).collect();
        let found: Vec<(String, String, String)> = scan(text.as_bytes(), &automaton, &pattern_name)
            .into_iter()
            .map(|m| {
                let at = format!("{}:{}", m.loc.line, m.loc.col);
                (names[m.name as usize].to_string(), m.dirs, at)
            })
            .collect();
        let expected: Vec<(String, String, String)> = expected
            .iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect();
        assert_eq!(found, expected, "{text}");
    }

    #[test]
    fn names_are_found_between_non_name_characters() {
        scan_test(&["a.js"], r#"import "./a.js""#, &[("a.js", "", "1:11")]);
        scan_test(&["a.js"], r#"x = "data.js""#, &[]);
        scan_test(&["a.js"], "//# sourceMappingURL=a.js.map", &[]);
        scan_test(&["a.js"], "load('a.js?v=1#x')", &[("a.js", "", "1:7")]);
        scan_test(&["a.js"], "a.js", &[("a.js", "", "1:1")]);
        scan_test(&["a.js"], "ä\n  <script src=a.js>", &[("a.js", "", "2:15")]);
    }

    #[test]
    fn comments_of_stylesheets_are_found_outside_strings() {
        let css = br#"/* a.png */ a { b: url("/*x*/") } /* c */"#;
        assert_eq!(css_comments(css), vec![(0, 11), (34, 41)]);
        assert_eq!(css_comments(b"a /* open"), vec![(2, 9)]);
    }

    #[test]
    fn the_text_of_pages_is_found_outside_tags_scripts_and_comments() {
        let text = |html: &str| -> Vec<String> {
            html_text(html.as_bytes())
                .into_iter()
                .map(|(a, b)| html[a..b].to_string())
                .collect()
        };
        assert_eq!(
            text(r#"<title>reveal.js</title><p class="a>b">x.js</p>"#),
            ["reveal.js", "x.js"]
        );
        assert_eq!(
            text("<script>load('a.js')</script>b.js<!-- c.js -->d.js"),
            ["b.js", "d.js"]
        );
        assert_eq!(text("1 < 2 <STYLE>p{}</style>"), ["1 < 2 "]);
        assert_eq!(text("<script>if (a</b) x('</scrip')</script>z"), ["z"]);
    }

    #[test]
    fn the_folders_written_before_a_name_are_kept() {
        let w = "pdf.worker.mjs";
        scan_test(
            &[w],
            r#"{value:"../build/pdf.worker.mjs"}"#,
            &[(w, "build", "1:18")],
        );
        scan_test(
            &["app.js"],
            r#""/static/js/app.js""#,
            &[("app.js", "static/js", "1:13")],
        );
        scan_test(
            &["app.js"],
            "https://cdn.example/x/app.js",
            &[("app.js", "x", "1:23")],
        );
        scan_test(
            &["b.png"],
            "url(a%20dir/b.png)",
            &[("b.png", "a dir", "1:13")],
        );
        scan_test(&["b.png"], "url(a%2Fb.png)", &[]);
    }

    #[test]
    fn a_mention_may_name_files_whose_folders_agree_with_it() {
        let m = |dirs: &str| Mention {
            offset: 0,
            loc: Loc { line: 1, col: 1 },
            name: 0,
            dirs: dirs.into(),
        };
        assert!(m("").may_name("a/b/x.js"));
        assert!(m("b").may_name("a/b/x.js"));
        assert!(m("a/b").may_name("a/b/x.js"));
        assert!(m("static/a/b").may_name("a/b/x.js"));
        assert!(m("b").may_name("b/x.js"));
        assert!(!m("c").may_name("a/b/x.js"));
        assert!(!m("ab").may_name("b/x.js"));
        // Under a base path `/a/`, `a/x.js` is the root's `x.js`.
        assert!(m("a").may_name("x.js"));
    }
}
