//! Content encodings written ahead of time (`.gz`, `.br`) and their codecs,
//! fixed so the bytes depend on the input alone: gzip level 9 with a header
//! of mtime 0 and no name, brotli quality 11. A leaf: it imports nothing of
//! the crate.

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

/// Bytes of `data` after gzip at level 9 (what a server sends), counted
/// without keeping them.
pub fn gzip_size(data: &[u8]) -> u64 {
    struct Counter(u64);
    impl Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len() as u64;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    {
        let mut enc = flate2::write::GzEncoder::new(&mut counter, flate2::Compression::best());
        let _ = enc.write_all(data);
        let _ = enc.finish();
    }
    counter.0
}

/// brotli at quality 11 with a window of up to 16 MiB (`brotli -q 11`'s;
/// every browser decodes it), no larger than the data needs: the encoder's
/// tables grow with the window. The encoder is `mbrotli`, a port of
/// Google's reference encoder that writes its very bytes, about 1.3× faster
/// here than the `brotli` crate's at quality 11 (BENCHMARKS.md).
pub fn brotli(data: &[u8]) -> Vec<u8> {
    let bits = usize::BITS - data.len().saturating_sub(1).leading_zeros();
    let encode = || -> Option<Vec<u8>> {
        let window = mbrotli::Window::standard(bits.clamp(10, 24) as u8).ok()?;
        let config = mbrotli::EncoderConfig::default()
            .with_quality(mbrotli::Quality::Q11)
            .with_window(window);
        mbrotli::Compressor::new(config).ok()?.compress(data).ok()
    };
    // Legal settings and a slice in memory: it cannot fail.
    encode().unwrap_or_default()
}

/// Decompresses `data` written in `encoding` (for `assetpress verify`),
/// stopping past `limit` bytes: `Ok(None)` when it would inflate to more,
/// so a decompression bomb costs at most `limit` bytes of memory.
pub fn decompress(encoding: Encoding, data: &[u8], limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let mut out = Vec::new();
    let reader: Box<dyn Read + '_> = match encoding {
        Encoding::Gzip => Box::new(flate2::read::GzDecoder::new(data)),
        Encoding::Br => Box::new(brotli::Decompressor::new(data, 1 << 16)),
    };
    reader.take(limit.saturating_add(1)).read_to_end(&mut out)?;
    Ok((out.len() as u64 <= limit).then_some(out))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn gzip_size_is_the_length_of_the_gzip() {
        let text = "hello world ".repeat(1000);
        let n = gzip_size(text.as_bytes());
        assert!(n > 20 && n < 200, "{n}");
        assert_eq!(n as usize, gzip(text.as_bytes()).len());
    }

    /// Text that compresses well, for the tests of compression.
    pub(crate) fn text() -> Vec<u8> {
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
            assert_eq!(
                decompress(e, &a, data.len() as u64).unwrap(),
                Some(data.clone())
            );
            assert_eq!(decompress(e, &a, data.len() as u64 - 1).unwrap(), None);
        }
    }

    #[test]
    fn gzip_header_has_no_time_and_no_name() {
        let gz = gzip(&text());
        assert_eq!(&gz[..4], &[0x1f, 0x8b, 8, 0], "no FNAME flag");
        assert_eq!(&gz[4..8], &[0, 0, 0, 0], "mtime 0");
    }
}
