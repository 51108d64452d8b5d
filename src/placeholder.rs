//! Fixed-width hash placeholders. A transform that rewrites a reference to a
//! file whose name will carry a content hash writes a placeholder exactly as
//! wide as that hash (`app.!~{0A3}~.js` for `app.3f2a9c1b.js`), because the
//! hash is only known once the referenced file's own final bytes are. The hash
//! stage then replaces placeholders in one pass; nothing moves, so source maps
//! made around a placeholder stay valid.
//!
//! Shape: `!~{` + the referenced file's index in base-64 digits + `}~`. Every
//! character is allowed unescaped in a JS string, a CSS `url()` token, an HTML
//! attribute and a JSON string, and the shape does not occur in real files.

use memchr::memmem;

const OPEN: &[u8] = b"!~{";
const CLOSE: &[u8] = b"}~";
const DIGITS: &[u8; 64] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";

/// Shortest hash (and so placeholder) length.
pub const MIN_WIDTH: usize = 8;

/// How many files placeholders of `width` characters can tell apart.
pub fn capacity(width: usize) -> usize {
    let digits = width.saturating_sub(OPEN.len() + CLOSE.len()) as u32;
    64usize.checked_pow(digits).unwrap_or(usize::MAX)
}

/// The placeholder for the file with index `index`, `width` characters wide.
/// `index` must be below [`capacity`]`(width)`.
pub fn make(index: usize, width: usize) -> String {
    let digits = width - OPEN.len() - CLOSE.len();
    let mut out = vec![b'0'; width];
    out[..OPEN.len()].copy_from_slice(OPEN);
    out[width - CLOSE.len()..].copy_from_slice(CLOSE);
    let mut n = index;
    for i in (0..digits).rev() {
        out[OPEN.len() + i] = DIGITS[n % 64];
        n /= 64;
    }
    String::from_utf8(out).unwrap_or_default()
}

/// Decodes the placeholder at the start of `bytes`, if there is one of `width`.
fn decode(bytes: &[u8], width: usize) -> Option<usize> {
    let p = bytes.get(..width)?;
    if !p.starts_with(OPEN) || !p.ends_with(CLOSE) {
        return None;
    }
    let mut n = 0usize;
    for &c in &p[OPEN.len()..width - CLOSE.len()] {
        let d = DIGITS.iter().position(|&x| x == c)?;
        n = n.checked_mul(64)?.checked_add(d)?;
    }
    Some(n)
}

/// Every placeholder in `bytes`: its offset and the file index it stands for.
pub fn find(bytes: &[u8], width: usize) -> Vec<(usize, usize)> {
    memmem::find_iter(bytes, OPEN)
        .filter_map(|at| decode(&bytes[at..], width).map(|i| (at, i)))
        .collect()
}

/// Replaces every placeholder whose index `with` knows by the text it gives
/// (which must be `width` bytes long, so nothing moves); others stay.
pub fn replace<'a>(bytes: &[u8], width: usize, with: impl Fn(usize) -> Option<&'a str>) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut last = 0;
    for (at, index) in find(bytes, width) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_round_trip_at_every_width() {
        for width in [8, 9, 16, 64] {
            for index in [0, 1, 63, 64, 4095, capacity(8) - 1] {
                let p = make(index, width);
                assert_eq!(p.len(), width);
                assert_eq!(find(p.as_bytes(), width), [(0, index)]);
            }
        }
        assert_eq!(capacity(8), 262_144);
    }

    #[test]
    fn replacement_keeps_length_and_skips_unknown_indices() {
        let text = format!("import'./a.{}.js';x='{}'", make(5, 8), make(6, 8));
        let out = replace(text.as_bytes(), 8, |i| (i == 5).then_some("3f2a9c1b"));
        let out = String::from_utf8(out).unwrap();
        assert_eq!(out, format!("import'./a.3f2a9c1b.js';x='{}'", make(6, 8)));
        assert_eq!(out.len(), text.len());
    }

    #[test]
    fn lookalikes_are_not_placeholders() {
        assert!(find(b"!~{ab}~ !~{a.c}~ !~{", 8).is_empty());
    }
}
