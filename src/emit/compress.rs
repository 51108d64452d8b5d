//! Precompressed copies for servers that send them as they are (nginx
//! `gzip_static`/`brotli_static`, most CDNs' origin fetch): `name.gz` (gzip
//! level 9, header mtime 0, no file name) and `name.br` (brotli quality 11)
//! beside each compressible text file of at least [`MIN_SIZE`] bytes, kept only
//! when they save at least 10%. The bytes depend on the input alone.

use crate::encoding::Encoding;

/// Smaller files are not worth a second request path: one TCP packet either way.
pub const MIN_SIZE: usize = 1024;

/// A compressed copy is kept only when it is at most this share of the original.
pub const MAX_RATIO: f64 = 0.9;

/// Extensions of text (and text-like) formats that compress well. Images,
/// fonts in WOFF/WOFF2, audio, video and archives are compressed already.
/// Source maps are left out: only developer tools fetch them, and brotli
/// at quality 11 over maps (often three times their code) would double the
/// cost for nothing a visitor sees.
const COMPRESSIBLE: &[&str] = &[
    "html",
    "htm",
    "css",
    "js",
    "mjs",
    "cjs",
    "json",
    "webmanifest",
    "svg",
    "xml",
    "txt",
    "md",
    "csv",
    "wasm",
    "ico",
    "ttf",
    "otf",
    "eot",
    "rss",
    "atom",
    "vtt",
];

/// Whether the file `rel` is of a format worth precompressing.
pub fn compressible(rel: &str) -> bool {
    COMPRESSIBLE.contains(&crate::asset::extension(rel).as_str())
}

/// The compressed copies of `data` worth keeping, in the order of
/// `encodings`; `compress` makes one copy per encoding, in that order (the
/// caller may take them from a cache).
pub fn precompress(
    data: &[u8],
    encodings: &[Encoding],
    compress: impl FnOnce() -> Vec<Vec<u8>>,
) -> Vec<(Encoding, Vec<u8>)> {
    if data.len() < MIN_SIZE {
        return Vec::new();
    }
    let copies = compress();
    let limit = (data.len() as f64 * MAX_RATIO) as usize;
    encodings
        .iter()
        .copied()
        .zip(copies)
        // An empty copy is a failed one (an encoder out of memory): none.
        .filter(|(_, c)| !c.is_empty() && c.len() <= limit)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::tests::text;

    fn copies(data: &[u8], encodings: &[Encoding]) -> Vec<Vec<u8>> {
        encodings.iter().map(|e| e.compress(data)).collect()
    }

    #[test]
    fn small_and_incompressible_data_get_no_copies() {
        assert!(precompress(&text()[..1000], &[Encoding::Gzip], || unreachable!()).is_empty());
        // Pseudo-random bytes do not compress by 10%.
        let mut x = 0x2545f4914f6cdd1du64;
        let noise: Vec<u8> = (0..4096)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let both = [Encoding::Gzip, Encoding::Br];
        assert!(precompress(&noise, &both, || copies(&noise, &both)).is_empty());
        let order = [Encoding::Br, Encoding::Gzip];
        let kept = precompress(&text(), &order, || copies(&text(), &order));
        assert_eq!(
            kept.iter().map(|k| k.0).collect::<Vec<_>>(),
            [Encoding::Br, Encoding::Gzip]
        );
    }

    #[test]
    fn compressible_is_decided_by_extension() {
        for yes in ["a.js", "x/y.CSS", "i.html", "m.webmanifest", "f.svg"] {
            assert!(compressible(yes), "{yes}");
        }
        for no in [
            "a.png", "f.woff2", "LICENSE", ".js", "a.gz", "v.mp4", "a.js.map",
        ] {
            assert!(!compressible(no), "{no}");
        }
    }
}
