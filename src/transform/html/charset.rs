//! The character encoding of a page or an SVG file that is not UTF-8, so
//! its URLs can be rewritten all the same and the file written back in its
//! own encoding. Found as a browser finds it: a byte order mark, then the
//! page's `<meta charset>` (or `http-equiv="Content-Type"`) in its first
//! 1024 bytes, or an XML declaration's `encoding`; a page that declares
//! nothing is read as windows-1252, the HTML standard's fallback. Labels are
//! resolved by `encoding_rs` (the WHATWG Encoding Standard).
//!
//! Decoding and encoding back must give the very same bytes: only then is
//! every byte outside the rewritten URLs sure to stay as it was. Where they
//! do not (a malformed sequence, UTF-16), the file is refused with an error
//! at the first byte that does not round-trip.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};

use crate::error::loc_of_offset;
use crate::transform::error::TransformError;

/// A page's text in UTF-8, and the encoding to write it back in.
pub struct Decoded<'a> {
    /// The text.
    pub text: Cow<'a, str>,
    /// The file's own encoding, when it is not UTF-8.
    pub encoding: Option<&'static Encoding>,
}

/// `text` (the rewritten page) in the file's own `encoding` (`None`:
/// UTF-8). Every URL written comes from the page or is ASCII, so it always
/// encodes; an unmappable character is refused all the same rather than
/// written as a character reference.
pub fn encode(
    encoding: Option<&'static Encoding>,
    text: String,
) -> Result<Vec<u8>, TransformError> {
    let Some(encoding) = encoding else {
        return Ok(text.into_bytes());
    };
    let (bytes, _, unmappable) = encoding.encode(&text);
    if unmappable {
        return Err(TransformError::new(format!(
            "a rewritten URL cannot be written in {}; copied unchanged",
            encoding.name()
        )));
    }
    Ok(bytes.into_owned())
}

/// `bytes` as text: as they are when they are UTF-8, else decoded by the
/// encoding the file declares (`xml`: an SVG file, which may only declare
/// it in its XML declaration).
pub fn decode(bytes: &[u8], xml: bool) -> Result<Decoded<'_>, TransformError> {
    let declared = Encoding::for_bom(bytes)
        .map(|(e, _)| e)
        .or_else(|| declared_xml(bytes))
        .or_else(|| (!xml).then(|| declared_html(bytes)).flatten());
    let encoding = match declared {
        Some(e) if e == UTF_16LE || e == UTF_16BE => {
            return Err(TransformError::at(
                "a UTF-16 file is not rewritten (convert it to UTF-8); copied unchanged",
                Some(loc_of_offset(bytes, 0)),
            ))
        }
        Some(e) => e,
        None => match std::str::from_utf8(bytes) {
            Ok(text) => {
                return Ok(Decoded {
                    text: Cow::Borrowed(text),
                    encoding: None,
                })
            }
            // XML without a declaration is UTF-8, and this is not.
            Err(e) if xml => {
                return Err(TransformError::at(
                    "not valid UTF-8 and no encoding declared; copied unchanged",
                    Some(loc_of_offset(bytes, e.valid_up_to())),
                ))
            }
            Err(_) => WINDOWS_1252,
        },
    };
    // The BOM, if any, stays part of the text (it is written back as is).
    let Some(text) = encoding.decode_without_bom_handling_and_without_replacement(bytes) else {
        let at = first_malformed(bytes, encoding);
        return Err(TransformError::at(
            format!(
                "not valid {} (as it declares); copied unchanged",
                encoding.name()
            ),
            Some(loc_of_offset(bytes, at)),
        ));
    };
    if encoding == UTF_8 {
        return Ok(Decoded {
            text,
            encoding: None,
        });
    }
    // Decoding is not always one to one (ISO-2022-JP's escapes): the bytes
    // must come back.
    let (back, _, _) = encoding.encode(&text);
    if back.as_ref() != bytes {
        let at = back
            .iter()
            .zip(bytes)
            .position(|(a, b)| a != b)
            .unwrap_or(back.len().min(bytes.len()));
        return Err(TransformError::at(
            format!(
                "its {} text does not survive being read and written back; copied unchanged",
                encoding.name()
            ),
            Some(loc_of_offset(bytes, at)),
        ));
    }
    Ok(Decoded {
        text,
        encoding: Some(encoding),
    })
}

/// The offset of the first malformed sequence of `bytes` in `encoding`.
fn first_malformed(bytes: &[u8], encoding: &'static Encoding) -> usize {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(
        decoder
            .max_utf8_buffer_length_without_replacement(bytes.len())
            .unwrap_or(bytes.len() * 3),
    );
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut out, true);
    match result {
        encoding_rs::DecoderResult::Malformed(bad, after) => {
            read.saturating_sub(usize::from(bad) + usize::from(after))
        }
        _ => read,
    }
}

/// The encoding named by the XML declaration at the start of `bytes`.
fn declared_xml(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = bytes.strip_prefix(b"<?xml")?;
    let end = head.iter().take(256).position(|&b| b == b'>')?;
    let decl = &head[..end];
    let at = find(decl, b"encoding")?;
    label_after(&decl[at + 8..], true)
}

/// The encoding a `<meta>` of the first 1024 bytes of `bytes` declares, as
/// the HTML standard's prescan finds it (simplified: comments are not
/// skipped).
fn declared_html(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = bytes[..bytes.len().min(1024)].to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = find(&head[from..], b"<meta") {
        let tag_start = from + at + 5;
        let tag_end = head[tag_start..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(head.len(), |p| tag_start + p);
        let tag = &head[tag_start..tag_end];
        if let Some(c) = find(tag, b"charset") {
            if let Some(e) = label_after(&tag[c + 7..], false) {
                // A page cannot really be UTF-16 if its ASCII was read.
                return Some(if e == UTF_16LE || e == UTF_16BE {
                    UTF_8
                } else {
                    e
                });
            }
        }
        from = tag_end;
    }
    None
}

/// The label after `=` (spaces and quotes around it allowed) at the start
/// of `rest`; `xml`: it must be quoted.
fn label_after(rest: &[u8], xml: bool) -> Option<&'static Encoding> {
    let rest = rest
        .trim_ascii_start()
        .strip_prefix(b"=")?
        .trim_ascii_start();
    let (quote, rest) = match rest.first() {
        Some(&q @ (b'"' | b'\'')) => (Some(q), &rest[1..]),
        _ if xml => return None,
        _ => (None, rest),
    };
    let end = rest
        .iter()
        .position(|&b| match quote {
            Some(q) => b == q,
            None => b.is_ascii_whitespace() || matches!(b, b';' | b'"' | b'\'' | b'>' | b'/'),
        })
        .unwrap_or(rest.len());
    Encoding::for_label(&rest[..end])
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `bytes`, expecting `encoding` (`None`: UTF-8) or, when
    /// `error` is given, an error starting with it.
    fn charset_test(bytes: &[u8], xml: bool, expected: Result<Option<&str>, &str>) {
        match (decode(bytes, xml), expected) {
            (Ok(d), Ok(name)) => assert_eq!(d.encoding.map(|e| e.name()), name),
            (Err(e), Err(msg)) => assert!(e.to_string().starts_with(msg), "{e}"),
            (Ok(d), Err(_)) => panic!("decoded as {:?}", d.encoding.map(|e| e.name())),
            (Err(e), Ok(_)) => panic!("{e}"),
        }
    }

    #[test]
    fn the_declared_encoding_is_found() {
        charset_test(b"<p>caf\xc3\xa9", false, Ok(None));
        charset_test(
            b"<meta charset=\"iso-8859-1\"><p>caf\xe9",
            false,
            Ok(Some("windows-1252")),
        );
        charset_test(
            b"<META CHARSET=latin1><p>caf\xe9",
            false,
            Ok(Some("windows-1252")),
        );
        charset_test(
            b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\"><p>\x93\xfa\x96\x7b",
            false,
            Ok(Some("Shift_JIS")),
        );
        charset_test(
            b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><svg><title>caf\xe9</title></svg>",
            true,
            Ok(Some("windows-1252")),
        );
        // Undeclared and not UTF-8: the standard's fallback for a page.
        charset_test(b"<p>caf\xe9", false, Ok(Some("windows-1252")));
    }

    #[test]
    fn what_cannot_be_read_and_written_back_is_an_error() {
        charset_test(
            b"<svg><title>caf\xe9</title></svg>",
            true,
            Err("1:16: not valid UTF-8"),
        );
        charset_test(b"\xff\xfe<\0p\0>\0", false, Err("1:1: a UTF-16 file"));
        charset_test(
            b"<meta charset=\"shift_jis\">\n<p>\x82",
            false,
            Err("2:4: not valid Shift_JIS"),
        );
    }

    #[test]
    fn a_page_is_written_back_in_its_own_encoding() {
        let page = b"<meta charset=\"iso-8859-1\"><title>caf\xe9</title><link href=\"a.css\">";
        let d = decode(page, false).unwrap();
        let new = d.text.replace("a.css", "a.1234abcd.css");
        assert_eq!(
            encode(d.encoding, new).unwrap(),
            b"<meta charset=\"iso-8859-1\"><title>caf\xe9</title><link href=\"a.1234abcd.css\">"
        );
    }
}
