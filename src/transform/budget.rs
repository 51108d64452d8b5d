//! The memory budget shared by every worker: the transforms that take the
//! most memory — decoding an image, parsing a large script or stylesheet —
//! start only when their estimated peak fits beside those running already,
//! so peak memory does not grow with `--jobs`. One that needs more than the
//! whole budget runs alone.

use std::io::Cursor;

use image::ImageReader;

use crate::config::Images;

/// Bytes of estimated peak memory in flight at once, over all workers
/// (48 million pixels of 8-bit image work).
const BUDGET: u64 = 48_000_000 * BYTES_PER_PIXEL;

/// Decoding, resizing and encoding 8-bit images hold about 12 bytes a pixel
/// (on photos peak memory stays near 600 MB whatever `--jobs` is).
const BYTES_PER_PIXEL: u64 = 12;

/// Parsing and minifying a script with its source map holds up to 60
/// bytes a byte of input (a one-line script of 10 MiB: 632 MB; a
/// multi-line one or a stylesheet half that: typescript.js, 9.1 MB in
/// 200k lines, peaks at 273 MB for the whole run).
const BYTES_PER_TEXT_BYTE: u64 = 60;

/// A line longer than this makes text "one-line" (minified).
const LONG_LINE: u64 = 64 << 10;

static IN_FLIGHT: std::sync::Mutex<u64> = std::sync::Mutex::new(0);
static RELEASED: std::sync::Condvar = std::sync::Condvar::new();

/// The estimated peak memory of processing the image `bytes`.
pub fn image_memory(bytes: &[u8], opts: &Images) -> u64 {
    ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()
        .and_then(|r| r.into_dimensions().ok())
        .map_or(0, |(w, h)| u64::from(w) * u64::from(h))
        .min(opts.max_pixels)
        * BYTES_PER_PIXEL
}

/// The estimated peak memory of parsing and minifying `len` bytes of text
/// whose longest line is `longest` bytes: half for text of short lines, so
/// a large readable library does not keep an image from starting beside it.
pub fn text_memory(len: u64, longest: u64) -> u64 {
    let full = len.saturating_mul(BYTES_PER_TEXT_BYTE);
    if longest <= LONG_LINE {
        full / 2
    } else {
        full
    }
}

/// The length of the longest line of `text`.
pub fn longest_line(text: &[u8]) -> u64 {
    let mut longest = 0;
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', text).chain([text.len()]) {
        longest = longest.max(end - start);
        start = end + 1;
    }
    longest as u64
}

/// Runs `f` once `memory` bytes fit in the shared budget.
pub fn with_memory<T>(memory: u64, f: impl FnOnce() -> T) -> T {
    if memory == 0 {
        return f();
    }
    let Ok(mut in_flight) = IN_FLIGHT.lock() else {
        return f();
    };
    while *in_flight > 0 && *in_flight + memory > BUDGET {
        in_flight = match RELEASED.wait(in_flight) {
            Ok(g) => g,
            Err(_) => return f(),
        };
    }
    *in_flight += memory;
    drop(in_flight);
    struct Release(u64);
    impl Drop for Release {
        fn drop(&mut self) {
            if let Ok(mut n) = IN_FLIGHT.lock() {
                *n -= self.0;
            }
            RELEASED.notify_all();
        }
    }
    let _release = Release(memory);
    f()
}

#[cfg(test)]
mod tests {
    use super::{longest_line, text_memory};

    #[test]
    fn short_lines_need_half_the_memory_of_one_long_line() {
        assert_eq!(text_memory(10_000_000, 10_000_000), 600_000_000);
        assert_eq!(text_memory(9_112_572, 2_000), 273_377_160);
        assert_eq!(text_memory(1_000_000, 65_536), 30_000_000);
        assert_eq!(text_memory(1_000_000, 65_537), 60_000_000);
    }

    #[test]
    fn the_longest_line_counts_not_the_average() {
        assert_eq!(longest_line(b""), 0);
        assert_eq!(longest_line(b"ab\ncde\n"), 3);
        // One long minified line among many short ones.
        let mut text = vec![b'x'; 100_000];
        text.extend(b"\n".repeat(50_000));
        assert_eq!(longest_line(&text), 100_000);
    }
}
