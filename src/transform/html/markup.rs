//! The text of a page's markup: character references in attribute values
//! decoded and encoded, `srcset` split as browsers split it, and the
//! `<picture>` written for an `<img>`.

use super::{Picture, Pictures};

/// `<picture>` markup for the `<img>` start tag at `range`: a `<source>` per
/// modern format, then the tag itself with its attribute edits applied
/// and `srcset`, `sizes`, `width`/`height`, `decoding` and `loading` added
/// where it does not say otherwise.
pub(super) fn picture_markup(
    html: &str,
    range: std::ops::Range<usize>,
    attr_edits: &[(usize, usize, String)],
    attr: &dyn Fn(&str) -> Option<String>,
    opts: &Pictures,
    pic: &Picture,
) -> Option<String> {
    let raw = html.get(range.clone())?;
    let mut tag = String::with_capacity(raw.len() + 256);
    let mut last = range.start;
    for (start, end, new) in attr_edits {
        if *start < last || *end > range.end {
            return None;
        }
        tag.push_str(&html[last..*start]);
        tag.push_str(new);
        last = *end;
    }
    tag.push_str(&html[last..range.end]);
    let close = if tag.ends_with("/>") {
        tag.len() - 2
    } else {
        tag.len().checked_sub(1)?
    };
    let (head, tail) = tag.split_at(close);
    let head = head.trim_end();
    let sizes = attr("sizes")
        .map(|s| decode_entities(&s))
        .unwrap_or_else(|| match opts.sizes {
            // The image's own width, or the screen's when that is narrower:
            // an image no CSS sizes keeps the width it had.
            "" => format!("(max-width: {w}px) 100vw, {w}px", w = pic.width),
            sizes => sizes.to_string(),
        });
    let q = |v: &str| encode_attribute(v, b'"', false);
    // The variants of the best modern format every target shows, in the
    // <img>'s own srcset: no wrapper for selectors such as `.card>img` to miss.
    let own = opts.own_srcset.and_then(|mimes| {
        pic.sources
            .iter()
            .find(|(m, _)| mimes.contains(&m.as_str()))
    });
    let mut extra = String::new();
    match own {
        Some((_, srcset)) => extra.push_str(&format!(" srcset=\"{}\"", q(srcset))),
        None => {
            if let Some(srcset) = &pic.img_srcset {
                extra.push_str(&format!(" srcset=\"{}\"", q(srcset)));
            }
        }
    }
    if attr("sizes").is_none() {
        extra.push_str(&format!(" sizes=\"{}\"", q(&sizes)));
    }
    if opts.dimensions && attr("width").is_none() && attr("height").is_none() {
        extra.push_str(&format!(
            " width=\"{}\" height=\"{}\"",
            pic.width, pic.height
        ));
    }
    if attr("decoding").is_none() {
        extra.push_str(" decoding=\"async\"");
    }
    let eager = attr("fetchpriority").is_some_and(|p| p.trim().eq_ignore_ascii_case("high"));
    if attr("loading").is_none() && !eager {
        extra.push_str(" loading=\"lazy\"");
    }
    let end = if tail.starts_with('/') { " />" } else { ">" };
    if own.is_some() {
        return Some(format!("{head}{extra}{end}"));
    }
    let mut out = if opts.style.is_empty() {
        String::from("<picture>")
    } else {
        format!("<picture style=\"{}\">", q(opts.style))
    };
    for (mime, srcset) in &pic.sources {
        out.push_str(&format!(
            "<source type=\"{mime}\" srcset=\"{}\" sizes=\"{}\">",
            q(srcset),
            q(&sizes)
        ));
    }
    out.push_str(head);
    out.push_str(&extra);
    out.push_str(end);
    out.push_str("</picture>");
    Some(out)
}

/// An attribute value written between `quote`s (`=` when unquoted), with
/// `&` escaped when the value as written used character references.
pub(super) fn encode_attribute(value: &str, quote: u8, escape_amp: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' if escape_amp => out.push_str("&amp;"),
            '"' if quote != b'\'' => out.push_str("&quot;"),
            '\'' if quote != b'"' => out.push_str("&#39;"),
            ' ' | '\t' | '\n' | '>' if quote != b'"' && quote != b'\'' => {
                out.push_str(&format!("&#{};", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// The byte ranges of the URLs of a `srcset` (`a.jpg 480w, b.jpg 2x`), as the
/// HTML standard splits them: a URL runs to whitespace, descriptors to a comma
/// outside parentheses, so commas inside URLs (`data:` URLs) stay put.
pub fn srcset_candidates(set: &str) -> Vec<(usize, usize)> {
    let b = set.as_bytes();
    let mut urls = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b',') {
            i += 1;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut end = i;
        let ended_by_comma = end > start && b[end - 1] == b',';
        while end > start && b[end - 1] == b',' {
            end -= 1;
        }
        if end > start {
            urls.push((start, end));
        }
        if !ended_by_comma {
            let mut depth = 0usize;
            while i < b.len() {
                match b[i] {
                    b'(' => depth += 1,
                    b')' => depth = depth.saturating_sub(1),
                    b',' if depth == 0 => break,
                    _ => {}
                }
                i += 1;
            }
        }
    }
    urls
}

/// Decodes the character references that appear in URLs (`&amp;`, `&quot;`,
/// numeric ones); others are kept as written.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            }
        });
        match (decoded, end) {
            (Some(c), Some(e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn srcset_urls(set: &str) -> Vec<&str> {
        srcset_candidates(set)
            .into_iter()
            .map(|(s, e)| &set[s..e])
            .collect()
    }

    #[test]
    fn srcset_splits_like_browsers() {
        assert_eq!(srcset_urls("a.jpg 1x,b.jpg 2x"), ["a.jpg", "b.jpg"]);
        assert!(srcset_urls("").is_empty());
        assert_eq!(srcset_urls(" a.jpg, b.jpg 640w "), ["a.jpg", "b.jpg"]);
        assert_eq!(
            srcset_urls("data:image/png;base64,AAA= 1x, c.png 2x"),
            ["data:image/png;base64,AAA=", "c.png"]
        );
        assert_eq!(srcset_urls("my%20photo.jpg 100w"), ["my%20photo.jpg"]);
    }

    #[test]
    fn entities() {
        assert_eq!(
            decode_entities("a&amp;b&#x26;c&#38;d&copy;e&"),
            "a&b&c&d&copy;e&"
        );
    }
}
