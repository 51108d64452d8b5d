//! Precompressed copies for servers that send them as they are (nginx
//! `gzip_static`/`brotli_static`, most CDNs' origin fetch): `name.gz` (gzip
//! level 9, header mtime 0, no file name) and `name.br` (brotli quality 11)
//! beside each compressible text file of at least [`MIN_SIZE`] bytes, kept only
//! when they save at least 10%. The bytes depend on the input alone.

use std::io::Write;

use serde::{Deserialize, Serialize};

/// A `Content-Encoding` written ahead of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// `.gz`, `Content-Encoding: gzip`.
    Gzip,
    /// `.br`, `Content-Encoding: br`.
    Br,
}

impl Encoding {
    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Encoding::Gzip => "gz",
            Encoding::Br => "br",
        }
    }

    /// The `Content-Encoding` value.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Gzip => "gzip",
            Encoding::Br => "br",
        }
    }

    /// Compresses `data`.
    pub fn compress(self, data: &[u8]) -> Vec<u8> {
        match self {
            Encoding::Gzip => gzip(data),
            Encoding::Br => brotli(data),
        }
    }
}

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
/// `encodings`, taken from `cache` when it has them.
pub fn precompress(
    data: &[u8],
    encodings: &[Encoding],
    cache: Option<&crate::cache::Cache>,
) -> Vec<(Encoding, Vec<u8>)> {
    if data.len() < MIN_SIZE {
        return Vec::new();
    }
    let compute = || crate::cache::Entry {
        meta: Vec::new(),
        blobs: encodings.iter().map(|e| e.compress(data)).collect(),
    };
    let copies = match cache {
        Some(c) => {
            let key = c.key(
                "precompress",
                &format!("{encodings:?} gzip 9, br 11"),
                &[data],
            );
            c.get_or("precompress", &key, compute).blobs
        }
        None => compute().blobs,
    };
    let limit = (data.len() as f64 * MAX_RATIO) as usize;
    encodings
        .iter()
        .copied()
        .zip(copies)
        .filter(|(_, c)| c.len() <= limit)
        .collect()
}

/// gzip at level 9 with a fixed header: no mtime, no name, OS "unknown".
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(
            Vec::with_capacity(data.len() / 3 + 64),
            flate2::Compression::best(),
        );
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

/// brotli at quality 11 with a window of up to 16 MiB (`brotli -q 11`'s;
/// every browser decodes it), no larger than the data needs: the encoder's
/// tables grow with the window.
pub fn brotli(data: &[u8]) -> Vec<u8> {
    let bits = usize::BITS - data.len().saturating_sub(1).leading_zeros();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: bits.clamp(10, 24) as i32,
        size_hint: data.len(),
        ..Default::default()
    };
    let mut out = Vec::with_capacity(data.len() / 4 + 64);
    let mut input = data;
    // Reading a slice and writing a Vec cannot fail.
    let _ = brotli::BrotliCompress(&mut input, &mut out, &params);
    out
}

/// Decompresses `data` written in `encoding` (for `assetpress verify`).
pub fn decompress(encoding: Encoding, data: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    match encoding {
        Encoding::Gzip => {
            flate2::read::GzDecoder::new(data).read_to_end(&mut out)?;
        }
        Encoding::Br => {
            brotli::Decompressor::new(data, 1 << 16).read_to_end(&mut out)?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text() -> Vec<u8> {
        (0..400)
            .map(|i| format!("function f{i}(a) {{ return a * {i}; }}\n"))
            .collect::<String>()
            .into_bytes()
    }

    #[test]
    fn round_trips_and_is_deterministic() {
        let data = text();
        for e in [Encoding::Gzip, Encoding::Br] {
            let a = e.compress(&data);
            assert_eq!(a, e.compress(&data));
            assert!(a.len() * 4 < data.len(), "{e:?} {}", a.len());
            assert_eq!(decompress(e, &a).unwrap(), data);
        }
    }

    #[test]
    fn gzip_header_has_no_time_and_no_name() {
        let gz = gzip(&text());
        assert_eq!(&gz[..4], &[0x1f, 0x8b, 8, 0], "no FNAME flag");
        assert_eq!(&gz[4..8], &[0, 0, 0, 0], "mtime 0");
    }

    #[test]
    fn small_and_incompressible_data_get_no_copies() {
        assert!(precompress(&text()[..1000], &[Encoding::Gzip], None).is_empty());
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
        assert!(precompress(&noise, &[Encoding::Gzip, Encoding::Br], None).is_empty());
        let kept = precompress(&text(), &[Encoding::Br, Encoding::Gzip], None);
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
