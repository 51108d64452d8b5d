//! Fixed-width hash placeholders. A transform that rewrites a reference to a
//! file whose name will carry a content hash writes a placeholder exactly as
//! wide as that hash (`app.!~{0A3}~.js` for `app.3f2a9c1b.js`), because the
//! hash is only known once the referenced file's own final bytes are. The hash
//! stage then replaces placeholders in one pass; nothing moves, so source maps
//! made around a placeholder stay valid.
//!
//! Shape: `!~{` + the referenced file's index in base-64 digits + `}~`. Every
//! character is allowed unescaped in a JS string, a CSS `url()` token, an HTML
//! attribute and a JSON string. A file whose own text already contains `!~{`
//! gets placeholders of another [`Style`] (`!~[…]~`, …), one its text does
//! not contain, so nothing the author wrote is ever taken for a placeholder.

use memchr::memmem;

use crate::id::{FileId, Node};

/// The opening and closing marks of each style.
const STYLES: [(&[u8; 3], &[u8; 2]); 4] = [
    (b"!~{", b"}~"),
    (b"!~[", b"]~"),
    (b"!~^", b"^~"),
    (b"!~|", b"|~"),
];
const OPEN_LEN: usize = 3;
const CLOSE_LEN: usize = 2;

/// Which marks a file's placeholders use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style(u8);

impl Style {
    /// The style's number, to store it.
    pub fn index(self) -> u8 {
        self.0
    }

    /// The style numbered `index` (see [`Style::index`]).
    pub fn from_index(index: u8) -> Style {
        Style(index % STYLES.len() as u8)
    }

    /// The first style whose opening mark `text` does not contain (the
    /// first style when it contains them all).
    pub fn for_text(text: &[u8]) -> Style {
        let found = (0..STYLES.len()).find(|&s| memmem::find(text, STYLES[s].0).is_none());
        Style(found.unwrap_or(0) as u8)
    }

    fn marks(self) -> (&'static [u8], &'static [u8]) {
        let (open, close) = STYLES[self.0 as usize % STYLES.len()];
        (open, close)
    }
}
const DIGITS: &[u8; 64] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";

/// How many files placeholders of `width` characters can tell apart.
pub fn capacity(width: usize) -> usize {
    let digits = width.saturating_sub(OPEN_LEN + CLOSE_LEN) as u32;
    64usize.checked_pow(digits).unwrap_or(usize::MAX)
}

/// The placeholder for `node`, `width` characters wide.
/// Its number must be below [`capacity`]`(width)`.
pub fn make(node: Node, width: usize, style: Style) -> String {
    let (open, close) = style.marks();
    let digits = width - OPEN_LEN - CLOSE_LEN;
    let mut out = vec![b'0'; width];
    out[..OPEN_LEN].copy_from_slice(open);
    out[width - CLOSE_LEN..].copy_from_slice(close);
    let mut n = node.index();
    for i in (0..digits).rev() {
        out[OPEN_LEN + i] = DIGITS[n % 64];
        n /= 64;
    }
    String::from_utf8(out).unwrap_or_default()
}

/// Decodes the placeholder at the start of `bytes`, if there is one of `width`.
fn decode(bytes: &[u8], width: usize, close: &[u8]) -> Option<Node> {
    let p = bytes.get(..width)?;
    if !p.ends_with(close) {
        return None;
    }
    let mut n = 0usize;
    for &c in &p[OPEN_LEN..width - CLOSE_LEN] {
        let d = DIGITS.iter().position(|&x| x == c)?;
        n = n.checked_mul(64)?.checked_add(d)?;
    }
    u32::try_from(n).ok().map(|n| Node::new(n as usize))
}

/// Every placeholder of `style` in `bytes`: its offset and the node it stands for.
pub fn find(bytes: &[u8], width: usize, style: Style) -> Vec<(usize, Node)> {
    let (open, close) = style.marks();
    memmem::find_iter(bytes, open)
        .filter_map(|at| decode(&bytes[at..], width, close).map(|i| (at, i)))
        .collect()
}

/// Replaces every placeholder of `style` whose node `with` knows by the
/// text it gives (which must be `width` bytes long, so nothing moves);
/// others stay.
pub fn replace<'a>(
    bytes: &[u8],
    width: usize,
    style: Style,
    with: impl Fn(Node) -> Option<&'a str>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut last = 0;
    for (at, index) in find(bytes, width, style) {
        if at < last {
            continue;
        }
        if let Some(text) = with(index) {
            debug_assert_eq!(text.len(), width);
            out.extend_from_slice(&bytes[last..at]);
            out.extend_from_slice(text.as_bytes());
            last = at + width;
        }
    }
    out.extend_from_slice(&bytes[last..]);
    out
}

/// Digits of an integrity placeholder: up to 64⁵ files.
const SRI_DIGITS: usize = 5;
/// Width of an integrity placeholder.
const SRI_WIDTH: usize = OPEN_LEN + 1 + SRI_DIGITS + CLOSE_LEN;

/// The placeholder for the Subresource Integrity value of the input file `file`
/// (`!~{#0000A}~`), written where a page's `integrity` attribute goes. It is
/// replaced by a value of its own length, so it only stands in files
/// without source maps (pages). Hash placeholders never match it.
pub fn make_sri(file: FileId, style: Style) -> String {
    let (open, close) = style.marks();
    let mut out = Vec::with_capacity(SRI_WIDTH);
    out.extend_from_slice(open);
    out.push(b'#');
    let mut digits = [b'0'; SRI_DIGITS];
    let mut n = file.index();
    for d in digits.iter_mut().rev() {
        *d = DIGITS[n % 64];
        n /= 64;
    }
    out.extend_from_slice(&digits);
    out.extend_from_slice(close);
    String::from_utf8(out).unwrap_or_default()
}

/// Every integrity placeholder of `style` in `bytes`: its offset and the input file.
pub fn find_sri(bytes: &[u8], style: Style) -> Vec<(usize, FileId)> {
    let (open, close) = style.marks();
    memmem::find_iter(bytes, open)
        .filter_map(|at| {
            let p = bytes.get(at..at + SRI_WIDTH)?;
            if p[OPEN_LEN] != b'#' || !p.ends_with(close) {
                return None;
            }
            let mut n = 0usize;
            for &c in &p[OPEN_LEN + 1..SRI_WIDTH - CLOSE_LEN] {
                n = n * 64 + DIGITS.iter().position(|&x| x == c)?;
            }
            Some((at, FileId::new(n)))
        })
        .collect()
}

/// Replaces every integrity placeholder of `style` whose file `with`
/// knows by the text it gives (of any length); others stay.
pub fn replace_sri<'a>(
    bytes: &[u8],
    style: Style,
    with: impl Fn(FileId) -> Option<&'a str>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 128);
    let mut last = 0;
    for (at, index) in find_sri(bytes, style) {
        if let (true, Some(text)) = (at >= last, with(index)) {
            out.extend_from_slice(&bytes[last..at]);
            out.extend_from_slice(text.as_bytes());
            last = at + SRI_WIDTH;
        }
    }
    out.extend_from_slice(&bytes[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_round_trip_at_every_width() {
        for width in [8, 9, 16, 64] {
            for index in [0, 1, 63, 64, 4095, capacity(8) - 1] {
                let index = Node::new(index);
                for style in [Style(0), Style(1), Style(3)] {
                    let p = make(index, width, style);
                    assert_eq!(p.len(), width);
                    assert_eq!(find(p.as_bytes(), width, style), [(0, index)]);
                }
            }
        }
        assert_eq!(capacity(8), 262_144);
    }

    #[test]
    fn replacement_keeps_length_and_skips_unknown_indices() {
        let s = Style::default();
        let (five, six) = (Node::new(5), Node::new(6));
        let text = format!(
            "import'./a.{}.js';x='{}'",
            make(five, 8, s),
            make(six, 8, s)
        );
        let out = replace(text.as_bytes(), 8, s, |i| (i == five).then_some("3f2a9c1b"));
        let out = String::from_utf8(out).unwrap();
        assert_eq!(
            out,
            format!("import'./a.3f2a9c1b.js';x='{}'", make(six, 8, s))
        );
        assert_eq!(out.len(), text.len());
    }

    #[test]
    fn integrity_placeholders_round_trip_and_are_not_hash_placeholders() {
        let s = Style(1);
        for index in [0, 1, 4095, 64usize.pow(5) - 1] {
            let index = FileId::new(index);
            let p = make_sri(index, s);
            assert_eq!(find_sri(p.as_bytes(), s), [(0, index)]);
            for width in [8, 11, 12] {
                assert!(find(p.as_bytes(), width, s).is_empty());
            }
        }
        let seven = FileId::new(7);
        let text = format!("<script integrity=\"{}\">", make_sri(seven, s));
        let out = replace_sri(text.as_bytes(), s, |i| (i == seven).then_some("sha384-abc"));
        assert_eq!(out, b"<script integrity=\"sha384-abc\">");
        assert!(find_sri(make(Node::new(7), 11, s).as_bytes(), s).is_empty());
    }

    #[test]
    fn lookalikes_are_not_placeholders() {
        assert!(find(b"!~{ab}~ !~{a.c}~ !~{", 8, Style::default()).is_empty());
    }

    #[test]
    fn a_text_with_placeholder_marks_gets_other_marks() {
        assert_eq!(Style::for_text(b"plain"), Style(0));
        assert_eq!(Style::for_text(b"a !~{001}~ b"), Style(1));
        assert_eq!(Style::for_text(b"!~{ !~[ !~^"), Style(3));
        let text = b"<p>!~{001}~</p>";
        assert!(find(text, 8, Style::for_text(text)).is_empty());
    }
}
