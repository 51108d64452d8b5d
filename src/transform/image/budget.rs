//! The pixel budget shared by every worker: an image is decoded only when
//! its pixels fit beside those being processed already, so peak memory does
//! not grow with `--jobs`.

use std::io::Cursor;

use image::ImageReader;

use crate::config::Images;

/// Pixels being decoded at once, over all worker threads. Decoding and
/// encoding 8-bit images hold about 12 bytes a pixel, so on photos peak
/// memory stays near 600 MB whatever `--jobs` is (an image larger than the
/// budget runs alone; a 16-bit PNG near `max_pixels` can still take a few GB).
const PIXEL_BUDGET: u64 = 48_000_000;

static IN_FLIGHT: std::sync::Mutex<u64> = std::sync::Mutex::new(0);
static RELEASED: std::sync::Condvar = std::sync::Condvar::new();

/// Runs `f` (the processing of the image `bytes`) once its pixels fit in
/// the shared budget.
pub fn with_budget<T>(bytes: &[u8], opts: &Images, f: impl FnOnce() -> T) -> T {
    let pixels = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()
        .and_then(|r| r.into_dimensions().ok())
        .map_or(0, |(w, h)| u64::from(w) * u64::from(h))
        .min(opts.max_pixels);
    let Ok(mut in_flight) = IN_FLIGHT.lock() else {
        return f();
    };
    while *in_flight > 0 && *in_flight + pixels > PIXEL_BUDGET {
        in_flight = match RELEASED.wait(in_flight) {
            Ok(g) => g,
            Err(_) => return f(),
        };
    }
    *in_flight += pixels;
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
    let _release = Release(pixels);
    f()
}
