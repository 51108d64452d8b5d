//! Raster images: decoded once behind size limits, turned upright (EXIF
//! orientation), resized with fast_image_resize's Lanczos3 into responsive
//! variants encoded as WebP (libwebp, lossy) and in the source's own format
//! (JPEG with jpeg-encoder, PNG squeezed by oxipng), colour profile kept in
//! every output, other metadata (EXIF, GPS, XMP) left out. The original is
//! never made worse: a PNG goes through oxipng losslessly, a JPEG keeps its
//! compressed data and loses only its privacy-bearing metadata. Animated GIF
//! and WebP pass through unchanged.

use std::io::Cursor;

use fast_image_resize as fr;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader};

use crate::asset::ImageFormat;
use crate::config::Images;
use crate::transform::error::TransformError;

/// One resized (or re-encoded) copy of an image.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Its format.
    pub format: ImageFormat,
    /// The encoded file.
    pub bytes: Vec<u8>,
}

/// What became of one image.
#[derive(Debug, Clone, Default)]
pub struct Processed {
    /// Upright width (after EXIF orientation).
    pub width: u32,
    /// Upright height.
    pub height: u32,
    /// New bytes for the original (smaller, or without private metadata), or
    /// `None` to keep it as it is.
    pub original: Option<Vec<u8>>,
    /// Responsive variants, by width then format. The source's own format
    /// at its own width is left out when the original is as small, and
    /// always for an 8-bit PNG (the same pixels, losslessly).
    pub variants: Vec<Variant>,
}

/// Why an image is passed through untouched (a warning), or `Ok(None)` when
/// that is simply what is done with it (an animation, an icon).
pub type Outcome = Result<Option<Processed>, TransformError>;

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

/// Processes the image `bytes`.
pub fn process(bytes: &[u8], opts: &Images) -> Outcome {
    let Ok(format) = image::guess_format(bytes) else {
        return Err("not an image format assetpress reads; copied unchanged".into());
    };
    let source = match format {
        image::ImageFormat::Jpeg => ImageFormat::Jpeg,
        image::ImageFormat::Png => ImageFormat::Png,
        image::ImageFormat::WebP => ImageFormat::Webp,
        image::ImageFormat::Gif => ImageFormat::Png,
        // .ico, .avif, …: served as they are.
        _ => return Ok(None),
    };
    let reader = || ImageReader::with_format(Cursor::new(bytes), format);
    let (w, h) = reader()
        .into_dimensions()
        .map_err(|e| format!("cannot read the image header ({e}); copied unchanged"))?;
    if u64::from(w) * u64::from(h) > opts.max_pixels {
        return Err(format!(
            "{w}×{h} is over the limit of {} pixels (images.max_pixels); copied unchanged",
            opts.max_pixels
        )
        .into());
    }
    if animated(bytes, format) {
        return Ok(None);
    }
    let mut reader = reader();
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(opts.max_pixels.saturating_mul(16));
    reader.limits(limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| format!("cannot decode ({e}); copied unchanged"))?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    // Only an RGB profile describes RGB output (a CMYK or grey one would be
    // rejected by readers), and one that fits 255 JPEG chunks.
    let icc = decoder
        .icc_profile()
        .ok()
        .flatten()
        .filter(|p| p.len() <= 255 * 65_519 && is_rgb_profile(p));
    let (w0, h0) = decoder.dimensions();
    // Variants are 8-bit: one of a 16-bit source is not its pixels.
    let color = decoder.color_type();
    let deep = color.bytes_per_pixel() > color.channel_count();
    let turned = matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    );
    let (width, height) = if turned { (h0, w0) } else { (w0, h0) };
    let original = match format {
        // oxipng also drops the text and EXIF chunks (privacy): its result
        // is kept unless it is larger.
        image::ImageFormat::Png => {
            optimize_png(bytes, opts.png_level).filter(|b| b.len() <= bytes.len())
        }
        image::ImageFormat::WebP => strip_webp_metadata(bytes),
        image::ImageFormat::Jpeg => {
            let stripped = strip_jpeg_metadata(bytes, orientation_tag(orientation));
            let base = stripped.as_deref().unwrap_or(bytes);
            // Same coefficients, better entropy coding: kept when smaller.
            match optimize_jpeg(base) {
                Some(better) if better.len() < base.len() => Some(better),
                _ => stripped,
            }
        }
        _ => None,
    };
    if !opts.variants {
        return Ok(Some(Processed {
            width,
            height,
            original,
            variants: Vec::new(),
        }));
    }
    let mut img = DynamicImage::from_decoder(decoder)
        .map_err(|e| format!("cannot decode ({e}); copied unchanged"))?;
    img.apply_orientation(orientation);
    // Converted in place where the decoder already gave 8-bit RGB(A).
    let pixels = if img.color().has_alpha() {
        let rgba = img.into_rgba8();
        if rgba.pixels().any(|p| p.0[3] < 255) {
            Pixels::Rgba(rgba.into_raw())
        } else {
            Pixels::Rgb(DynamicImage::ImageRgba8(rgba).into_rgb8().into_raw())
        }
    } else {
        Pixels::Rgb(img.into_rgb8().into_raw())
    };
    let alpha = matches!(pixels, Pixels::Rgba(_));
    // --srgb: variants in sRGB, untagged (what browsers assume), smaller.
    let (pixels, icc, converted) = match (&icc, opts.srgb) {
        (Some(profile), true) => match to_srgb(&pixels, profile) {
            Some(converted) => (converted, None, true),
            None => (pixels, icc, false),
        },
        _ => (pixels, icc, false),
    };
    // A PNG at its own width with the original's very pixels (8-bit, not
    // converted): the original, already through oxipng, serves at that width.
    let same_pixels = format == image::ImageFormat::Png && !deep && !converted;

    // Variant widths: every configured width below the source's, and the
    // source's own when it is below the largest configured one.
    let mut widths: Vec<u32> = opts.widths.iter().copied().filter(|&x| x < width).collect();
    if opts.widths.iter().any(|&x| x >= width) || widths.is_empty() {
        widths.push(width);
    }
    if !opts.variants {
        widths.clear();
    }
    widths.sort_unstable();
    widths.dedup();
    let mut formats: Vec<ImageFormat> = opts.formats.clone();
    // A JPEG made from a transparent image turns the transparency black.
    let own = if alpha && source == ImageFormat::Jpeg {
        ImageFormat::Png
    } else {
        source
    };
    formats.push(own);
    formats.sort_unstable();
    formats.dedup();

    let mut variants = Vec::new();
    let mut resizer = fr::Resizer::new();
    for &vw in &widths {
        let vh = ((u64::from(height) * u64::from(vw) + u64::from(width) / 2) / u64::from(width))
            .max(1) as u32;
        let resized = if vw == width {
            None
        } else {
            Some(pixels.resize(width, height, vw, vh, &mut resizer)?)
        };
        let px = resized.as_ref().unwrap_or(&pixels);
        for &f in &formats {
            if vw == width && f == ImageFormat::Png && same_pixels {
                continue;
            }
            // WebP holds at most 16383 pixels a side, JPEG 65535.
            let max_side = match f {
                ImageFormat::Webp => 16_383,
                ImageFormat::Avif => 8_192,
                _ => 65_535,
            };
            if vw > max_side || vh > max_side {
                continue;
            }
            // A JPEG asked of a transparent image: flattened, never black.
            let flat;
            let px = match px {
                Pixels::Rgba(b) if f == ImageFormat::Jpeg => {
                    flat = Pixels::Rgb(flatten(b, opts.background_rgb()));
                    &flat
                }
                _ => px,
            };
            let encoded = encode(px, vw, vh, f, opts, icc.as_deref())?;
            variants.push(Variant {
                width: vw,
                height: vh,
                format: f,
                bytes: encoded,
            });
        }
    }
    // The source's own format at its own width is only worth having when it
    // is smaller than the (optimised) original; else the original serves.
    let original_len = original.as_ref().map_or(bytes.len(), Vec::len);
    variants.retain(|v| !(v.format == own && v.bytes.len() >= original_len));
    // A variant no smaller than the next wider one of its format is useless.
    let mut kept: Vec<Variant> = Vec::with_capacity(variants.len());
    for v in variants.iter().rev() {
        let wider = kept.iter().rfind(|k| k.format == v.format);
        if wider.is_none_or(|k| v.bytes.len() < k.bytes.len()) {
            kept.push(v.clone());
        }
    }
    kept.reverse();
    Ok(Some(Processed {
        width,
        height,
        original,
        variants: kept,
    }))
}

/// RGBA pixels composited over an opaque `background`.
fn flatten(rgba: &[u8], background: [u8; 3]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rgba.len() / 4 * 3);
    for p in rgba.chunks_exact(4) {
        let a = u16::from(p[3]);
        for c in 0..3 {
            let v = (u16::from(p[c]) * a + u16::from(background[c]) * (255 - a) + 127) / 255;
            out.push(v as u8);
        }
    }
    out
}

/// Whether an ICC profile describes RGB data.
fn is_rgb_profile(icc: &[u8]) -> bool {
    moxcms::ColorProfile::new_from_slice(icc)
        .is_ok_and(|p| p.color_space == moxcms::DataColorSpace::Rgb)
}

/// The pixels converted from the colour space of `icc` to sRGB, or `None`
/// when the profile cannot be read (the pixels then keep their profile).
fn to_srgb(px: &Pixels, icc: &[u8]) -> Option<Pixels> {
    use moxcms::{ColorProfile, Layout, TransformOptions};
    let source = ColorProfile::new_from_slice(icc).ok()?;
    let srgb = ColorProfile::new_srgb();
    let (buf, layout) = match px {
        Pixels::Rgb(b) => (b, Layout::Rgb),
        Pixels::Rgba(b) => (b, Layout::Rgba),
    };
    let transform = source
        .create_transform_8bit(layout, &srgb, layout, TransformOptions::default())
        .ok()?;
    let mut out = vec![0u8; buf.len()];
    transform.transform(buf, &mut out).ok()?;
    Some(match px {
        Pixels::Rgb(_) => Pixels::Rgb(out),
        Pixels::Rgba(_) => Pixels::Rgba(out),
    })
}

/// Decoded pixels, 8 bits per channel.
enum Pixels {
    Rgb(Vec<u8>),
    Rgba(Vec<u8>),
}

impl Pixels {
    fn resize(
        &self,
        w: u32,
        h: u32,
        to_w: u32,
        to_h: u32,
        resizer: &mut fr::Resizer,
    ) -> Result<Pixels, String> {
        let (buf, pt) = match self {
            Pixels::Rgb(b) => (b, fr::PixelType::U8x3),
            Pixels::Rgba(b) => (b, fr::PixelType::U8x4),
        };
        let src = fr::images::ImageRef::new(w, h, buf, pt).map_err(|e| e.to_string())?;
        let mut dst = fr::images::Image::new(to_w, to_h, pt);
        let options = fr::ResizeOptions::new()
            .resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Lanczos3));
        resizer
            .resize(&src, &mut dst, &options)
            .map_err(|e| format!("cannot resize: {e}"))?;
        let out = dst.into_vec();
        Ok(match self {
            Pixels::Rgb(_) => Pixels::Rgb(out),
            Pixels::Rgba(_) => Pixels::Rgba(out),
        })
    }
}

fn encode(
    px: &Pixels,
    w: u32,
    h: u32,
    format: ImageFormat,
    opts: &Images,
    icc: Option<&[u8]>,
) -> Result<Vec<u8>, String> {
    match format {
        ImageFormat::Avif => {
            // ravif writes no ICC profile: a tagged image is converted to
            // sRGB first, so its colours still come out right.
            let converted = icc.and_then(|p| to_srgb(px, p));
            let px = converted.as_ref().unwrap_or(px);
            let enc = ravif::Encoder::new()
                .with_quality(opts.quality.avif.clamp(1.0, 100.0))
                .with_alpha_quality(opts.quality.avif.clamp(1.0, 100.0))
                .with_speed(6)
                .with_num_threads(Some(1));
            let (w, h) = (w as usize, h as usize);
            let encoded = match px {
                Pixels::Rgb(b) => {
                    let pixels: Vec<ravif::RGB8> = b
                        .chunks_exact(3)
                        .map(|c| ravif::RGB8::new(c[0], c[1], c[2]))
                        .collect();
                    enc.encode_rgb(ravif::Img::new(&pixels[..], w, h))
                }
                Pixels::Rgba(b) => {
                    let pixels: Vec<ravif::RGBA8> = b
                        .chunks_exact(4)
                        .map(|c| ravif::RGBA8::new(c[0], c[1], c[2], c[3]))
                        .collect();
                    enc.encode_rgba(ravif::Img::new(&pixels[..], w, h))
                }
            };
            encoded
                .map(|e| e.avif_file)
                .map_err(|e| format!("cannot encode AVIF: {e}"))
        }
        ImageFormat::Webp => {
            let encoder = match px {
                Pixels::Rgb(b) => webp::Encoder::from_rgb(b, w, h),
                Pixels::Rgba(b) => webp::Encoder::from_rgba(b, w, h),
            };
            let data = encoder.encode(opts.quality.webp).to_vec();
            Ok(match icc {
                Some(icc) => {
                    webp_with_icc(&data, icc, w, h, matches!(px, Pixels::Rgba(_))).unwrap_or(data)
                }
                None => data,
            })
        }
        ImageFormat::Jpeg => {
            // mozjpeg (trellis quantisation, optimised progressive scans):
            // about a quarter smaller than a plain encoder at the same quality.
            let moz = std::panic::catch_unwind(|| mozjpeg_encode(px, w, h, opts.quality.jpeg, icc));
            if let Ok(Ok(bytes)) = moz {
                return Ok(bytes);
            }
            let mut out = Vec::new();
            let mut enc = jpeg_encoder::Encoder::new(&mut out, opts.quality.jpeg);
            enc.set_progressive(true);
            enc.set_optimized_huffman_tables(true);
            if let Some(icc) = icc {
                enc.add_icc_profile(icc)
                    .map_err(|e| format!("cannot embed the colour profile: {e}"))?;
            }
            let (buf, ct) = match px {
                Pixels::Rgb(b) => (b, jpeg_encoder::ColorType::Rgb),
                Pixels::Rgba(b) => (b, jpeg_encoder::ColorType::Rgba),
            };
            let (w16, h16) = (u16::try_from(w), u16::try_from(h));
            let (Ok(w16), Ok(h16)) = (w16, h16) else {
                return Err(format!("{w}×{h} is too large for JPEG"));
            };
            enc.encode(buf, w16, h16, ct)
                .map_err(|e| format!("cannot encode JPEG: {e}"))?;
            Ok(out)
        }
        ImageFormat::Png => {
            // Straight from the pixels into oxipng: no PNG encoded only to
            // be decoded again.
            let (buf, color) = match px {
                Pixels::Rgb(b) => (
                    b,
                    oxipng::ColorType::RGB {
                        transparent_color: None,
                    },
                ),
                Pixels::Rgba(b) => (b, oxipng::ColorType::RGBA),
            };
            let mut raw = oxipng::RawImage::new(w, h, color, oxipng::BitDepth::Eight, buf.clone())
                .map_err(|e| format!("cannot encode PNG: {e}"))?;
            if let Some(icc) = icc {
                raw.add_icc_profile(icc);
            }
            raw.create_optimized_png(&png_options(opts.png_level))
                .map_err(|e| format!("cannot encode PNG: {e}"))
        }
    }
}

/// A progressive JPEG by mozjpeg. libjpeg reports errors by unwinding,
/// which the caller catches.
fn mozjpeg_encode(
    px: &Pixels,
    w: u32,
    h: u32,
    quality: u8,
    icc: Option<&[u8]>,
) -> std::io::Result<Vec<u8>> {
    let (buf, space) = match px {
        Pixels::Rgb(b) => (b, mozjpeg::ColorSpace::JCS_RGB),
        Pixels::Rgba(b) => (b, mozjpeg::ColorSpace::JCS_EXT_RGBA),
    };
    let mut c = mozjpeg::Compress::new(space);
    c.set_size(w as usize, h as usize);
    c.set_quality(f32::from(quality));
    c.set_progressive_mode();
    let mut started = c.start_compress(Vec::new())?;
    // APP2 ICC_PROFILE chunks, numbered from 1 as the ICC spec says (the
    // crate's own writer numbers them from 0, which readers reject).
    if let Some(icc) = icc {
        let chunks: Vec<&[u8]> = icc.chunks(65_519).collect();
        for (k, chunk) in chunks.iter().enumerate() {
            let mut data = Vec::with_capacity(chunk.len() + 14);
            data.extend_from_slice(b"ICC_PROFILE\0");
            data.push((k + 1) as u8);
            data.push(chunks.len() as u8);
            data.extend_from_slice(chunk);
            started.write_marker(mozjpeg::Marker::APP(2), &data);
        }
    }
    started.write_scanlines(buf)?;
    started.finish()
}

/// The JPEG losslessly re-encoded by libjpeg (its DCT coefficients copied,
/// Huffman tables optimised for them; progressive scans would save about
/// 1% more of the corpus photos for a third more time), with the original's
/// marker segments (colour profile, orientation) in place of the encoder's;
/// `None` when libjpeg cannot read it.
pub fn optimize_jpeg(bytes: &[u8]) -> Option<Vec<u8>> {
    let coded = std::panic::catch_unwind(|| {
        // SAFETY: the structs are created, used and destroyed in order by
        // libjpeg's documented transcoding sequence; errors unwind out of
        // libjpeg through the C-unwind error handler and are caught above.
        unsafe { transcode(bytes) }
    })
    .ok()??;
    splice_markers(bytes, &coded)
}

unsafe extern "C-unwind" fn jpeg_error_exit(cinfo: &mut mozjpeg_sys::jpeg_common_struct) {
    let _ = cinfo;
    std::panic::resume_unwind(Box::new("libjpeg error"));
}

unsafe extern "C-unwind" fn jpeg_silence(
    _: &mut mozjpeg_sys::jpeg_common_struct,
    _: std::os::raw::c_int,
) {
}

unsafe fn transcode(input: &[u8]) -> Option<Vec<u8>> {
    use mozjpeg_sys::*;
    /// Destroys what libjpeg allocated, also when an error unwinds.
    struct Guard {
        src: jpeg_decompress_struct,
        dst: jpeg_compress_struct,
        out: *mut u8,
        err: jpeg_error_mgr,
    }
    impl Drop for Guard {
        fn drop(&mut self) {
            // SAFETY: both structs were created before the guard was armed,
            // and destroying them twice or after an error is what libjpeg's
            // error recovery does too; `out` is malloc'ed by jpeg_mem_dest.
            unsafe {
                jpeg_destroy_compress(&mut self.dst);
                jpeg_destroy_decompress(&mut self.src);
                if !self.out.is_null() {
                    libc::free(self.out.cast());
                }
            }
        }
    }
    let mut g: Box<Guard> = Box::new(std::mem::zeroed());
    let err: *mut jpeg_error_mgr = std::ptr::addr_of_mut!(g.err);
    jpeg_std_error(&mut *err);
    (*err).error_exit = Some(jpeg_error_exit);
    (*err).emit_message = Some(jpeg_silence);
    g.src.common.err = err;
    g.dst.common.err = err;
    jpeg_create_decompress(&mut g.src);
    jpeg_create_compress(&mut g.dst);
    jpeg_mem_src(&mut g.src, input.as_ptr(), input.len() as _);
    jpeg_read_header(&mut g.src, 1);
    let coefficients = jpeg_read_coefficients(&mut g.src);
    let mut out_len: std::os::raw::c_ulong = 0;
    let out_ptr: *mut *mut u8 = std::ptr::addr_of_mut!(g.out);
    jpeg_mem_dest(&mut g.dst, out_ptr, &mut out_len);
    jpeg_c_set_int_param(
        &mut g.dst,
        J_INT_PARAM::JINT_COMPRESS_PROFILE,
        JINT_COMPRESS_PROFILE_VALUE::JCP_FASTEST as _,
    );
    jpeg_copy_critical_parameters(&g.src, &mut g.dst);
    g.dst.optimize_coding = 1;
    jpeg_write_coefficients(&mut g.dst, coefficients);
    jpeg_finish_compress(&mut g.dst);
    jpeg_finish_decompress(&mut g.src);
    // A file libjpeg had to repair (missing data) is not a lossless copy.
    if (*err).num_warnings > 0 || g.out.is_null() {
        return None;
    }
    Some(std::slice::from_raw_parts(g.out, out_len as usize).to_vec())
}

/// `coded` with its own application segments (JFIF) replaced by those of
/// `original` (colour profile, orientation, Adobe), so nothing but the
/// entropy coding changes.
fn splice_markers(original: &[u8], coded: &[u8]) -> Option<Vec<u8>> {
    // (application/comment segments, the other segments) before the scan,
    // and where the scan starts.
    type Split = (
        Vec<std::ops::Range<usize>>,
        Vec<std::ops::Range<usize>>,
        usize,
    );
    let split = |b: &[u8]| -> Option<Split> {
        if !b.starts_with(&[0xFF, 0xD8]) {
            return None;
        }
        let (mut apps, mut others) = (Vec::new(), Vec::new());
        let mut i = 2;
        while i + 4 <= b.len() && b[i] == 0xFF {
            let marker = b[i + 1];
            if marker == 0xDA {
                return Some((apps, others, i));
            }
            let end = i + 2 + usize::from(u16::from_be_bytes([b[i + 2], b[i + 3]]));
            if end > b.len() {
                return None;
            }
            if (0xE0..=0xEF).contains(&marker) || marker == 0xFE {
                apps.push(i..end);
            } else {
                others.push(i..end);
            }
            i = end;
        }
        None
    };
    let (apps, _, _) = split(original)?;
    let (_, tables, scan) = split(coded)?;
    let mut out = Vec::with_capacity(coded.len() + 1024);
    out.extend_from_slice(&[0xFF, 0xD8]);
    for r in apps {
        out.extend_from_slice(&original[r]);
    }
    for r in tables {
        out.extend_from_slice(&coded[r]);
    }
    out.extend_from_slice(&coded[scan..]);
    Some(out)
}

/// Whether a GIF, WebP or PNG (APNG) is animated.
fn animated(bytes: &[u8], format: image::ImageFormat) -> bool {
    match format {
        image::ImageFormat::Gif => image::codecs::gif::GifDecoder::new(Cursor::new(bytes))
            .map(|d| {
                use image::AnimationDecoder;
                d.into_frames().take(2).count() > 1
            })
            .unwrap_or(false),
        image::ImageFormat::WebP => image::codecs::webp::WebPDecoder::new(Cursor::new(bytes))
            .map(|d| d.has_animation())
            .unwrap_or(false),
        image::ImageFormat::Png => image::codecs::png::PngDecoder::new(Cursor::new(bytes))
            .ok()
            .and_then(|d| d.is_apng().ok())
            .unwrap_or(false),
        _ => false,
    }
}

/// oxipng at preset `level`, keeping only the chunks that change how the
/// image looks (the colour profile among them).
fn png_options(level: u8) -> oxipng::Options {
    let mut opts = oxipng::Options::from_preset(level);
    opts.strip = oxipng::StripChunks::Safe;
    opts
}

/// The PNG optimised losslessly by oxipng (colour profile kept), if it can be.
fn optimize_png(bytes: &[u8], level: u8) -> Option<Vec<u8>> {
    let opts = png_options(level);
    // No timeout: a time limit would make the bytes depend on the machine's
    // load. The preset and the pixel limit bound the work instead.
    oxipng::optimize_from_memory(bytes, &opts).ok()
}

/// The EXIF orientation value (1–8).
fn orientation_tag(o: Orientation) -> u16 {
    match o {
        Orientation::NoTransforms => 1,
        Orientation::FlipHorizontal => 2,
        Orientation::Rotate180 => 3,
        Orientation::FlipVertical => 4,
        Orientation::Rotate90FlipH => 5,
        Orientation::Rotate90 => 6,
        Orientation::Rotate270FlipH => 7,
        Orientation::Rotate270 => 8,
    }
}

/// The JPEG without its EXIF (GPS, camera, dates), XMP, IPTC and comment
/// segments — the compressed image data untouched — or `None` when it has
/// none. An orientation other than 1 is kept in a minimal EXIF segment, so the
/// photo still shows upright.
pub fn strip_jpeg_metadata(bytes: &[u8], orientation: u16) -> Option<Vec<u8>> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut i = 2;
    let mut stripped = false;
    let mut wrote_orientation = false;
    while i + 4 <= bytes.len() && bytes[i] == 0xFF {
        let marker = bytes[i + 1];
        // Start of scan: the rest is image data, copied as it is.
        if marker == 0xDA {
            break;
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        let end = i + 2 + len;
        if len < 2 || end > bytes.len() {
            return None;
        }
        let segment = &bytes[i..end];
        let payload = &segment[4..];
        let private = match marker {
            0xE1 => payload.starts_with(b"Exif\0") || payload.starts_with(b"http://ns.adobe.com/"),
            0xED | 0xFE => true,
            _ => false,
        };
        if private {
            stripped = true;
            if orientation != 1 && !wrote_orientation {
                out.extend_from_slice(&exif_orientation_segment(orientation));
                wrote_orientation = true;
            }
        } else {
            out.extend_from_slice(segment);
        }
        i = end;
    }
    if !stripped {
        return None;
    }
    out.extend_from_slice(&bytes[i..]);
    Some(out)
}

/// The WebP without its `EXIF` and `XMP ` chunks (the extended header's
/// flags cleared to match), or `None` when it has none. Image data and the
/// colour profile are untouched.
pub fn strip_webp_metadata(bytes: &[u8]) -> Option<Vec<u8>> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WEBP" {
        return None;
    }
    let mut out = bytes[..12].to_vec();
    let mut i = 12;
    let mut stripped = false;
    while i + 8 <= bytes.len() {
        let id = &bytes[i..i + 4];
        let len =
            u32::from_le_bytes([bytes[i + 4], bytes[i + 5], bytes[i + 6], bytes[i + 7]]) as usize;
        let end = (i + 8).checked_add(len + (len & 1))?.min(bytes.len());
        if id == b"EXIF" || id == b"XMP " {
            stripped = true;
        } else {
            out.extend_from_slice(&bytes[i..end]);
        }
        i = end;
    }
    if !stripped {
        return None;
    }
    // VP8X flags: bit 3 EXIF, bit 2 XMP.
    if out.len() >= 21 && &out[12..16] == b"VP8X" {
        out[20] &= !0x0C;
    }
    let size = (out.len() - 8) as u32;
    out[4..8].copy_from_slice(&size.to_le_bytes());
    Some(out)
}

/// An APP1 EXIF segment holding only the orientation tag.
fn exif_orientation_segment(orientation: u16) -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"MM\0\x2A\0\0\0\x08"); // big endian, IFD at 8
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes()); // count
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    let mut seg = vec![0xFF, 0xE1];
    let len = (2 + 6 + tiff.len()) as u16;
    seg.extend_from_slice(&len.to_be_bytes());
    seg.extend_from_slice(b"Exif\0\0");
    seg.extend_from_slice(&tiff);
    seg
}

/// A lossy WebP (`RIFF…WEBPVP8 `) rewrapped in the extended container with
/// an `ICCP` chunk, which libwebp's simple encoder cannot write.
fn webp_with_icc(data: &[u8], icc: &[u8], w: u32, h: u32, alpha: bool) -> Option<Vec<u8>> {
    if data.len() < 12 || &data[0..4] != b"RIFF" || &data[8..12] != b"WEBP" {
        return None;
    }
    let body = &data[12..];
    // The simple encoder writes VP8 (or VP8X+ALPH+VP8 for alpha).
    let chunks: Vec<u8> = if body.starts_with(b"VP8X") {
        // Skip its VP8X chunk (18 bytes); ours replaces it.
        body.get(18..)?.to_vec()
    } else {
        body.to_vec()
    };
    let mut vp8x = Vec::with_capacity(18);
    vp8x.extend_from_slice(b"VP8X");
    vp8x.extend_from_slice(&10u32.to_le_bytes());
    let mut flags = 0x20u8; // ICC
    if alpha {
        flags |= 0x10;
    }
    vp8x.push(flags);
    vp8x.extend_from_slice(&[0, 0, 0]);
    vp8x.extend_from_slice(&(w - 1).to_le_bytes()[..3]);
    vp8x.extend_from_slice(&(h - 1).to_le_bytes()[..3]);
    let mut iccp = Vec::with_capacity(8 + icc.len() + 1);
    iccp.extend_from_slice(b"ICCP");
    iccp.extend_from_slice(&(icc.len() as u32).to_le_bytes());
    iccp.extend_from_slice(icc);
    if icc.len() % 2 == 1 {
        iccp.push(0);
    }
    let size = 4 + vp8x.len() + iccp.len() + chunks.len();
    let mut out = Vec::with_capacity(8 + size);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(size as u32).to_le_bytes());
    out.extend_from_slice(b"WEBP");
    out.extend_from_slice(&vp8x);
    out.extend_from_slice(&iccp);
    out.extend_from_slice(&chunks);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        // Smooth, photo-like: a resized copy compresses better than the source.
        let img = RgbImage::from_fn(w, h, |x, y| {
            let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
            Rgb([
                (255.0 * fx) as u8,
                (255.0 * fy) as u8,
                (128.0 + 100.0 * (fx * 6.0).sin()) as u8,
            ])
        });
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&img)
            .unwrap();
        out
    }

    #[test]
    fn variants_never_upscale_and_include_the_source_width() {
        let p = process(&jpeg(1000, 500), &Images::default())
            .unwrap()
            .unwrap();
        let sizes: Vec<(u32, u32, ImageFormat)> = p
            .variants
            .iter()
            .map(|v| (v.width, v.height, v.format))
            .collect();
        assert_eq!(
            sizes,
            [
                (480, 240, ImageFormat::Webp),
                (480, 240, ImageFormat::Jpeg),
                (960, 480, ImageFormat::Webp),
                (960, 480, ImageFormat::Jpeg),
                (1000, 500, ImageFormat::Webp),
                (1000, 500, ImageFormat::Jpeg),
            ]
        );
        assert_eq!((p.width, p.height), (1000, 500));
        // A source exactly as wide as the largest width gets a variant at
        // it: the modern format must reach full resolution.
        let opts = Images {
            widths: vec![480, 1000],
            ..Images::default()
        };
        let exact = process(&jpeg(1000, 500), &opts).unwrap().unwrap();
        assert!(exact
            .variants
            .iter()
            .any(|v| v.width == 1000 && v.format == ImageFormat::Webp));
        let small = process(&jpeg(100, 50), &Images::default())
            .unwrap()
            .unwrap();
        assert_eq!(
            small.variants.iter().map(|v| v.width).collect::<Vec<_>>(),
            [100, 100]
        );
    }

    #[test]
    fn a_png_gets_no_png_variant_at_its_own_width() {
        let img = RgbImage::from_fn(1000, 500, |x, y| Rgb([(x % 251) as u8, (y % 241) as u8, 7]));
        let mut png = Vec::new();
        img.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let p = process(&png, &Images::default()).unwrap().unwrap();
        let sizes: Vec<(u32, ImageFormat)> =
            p.variants.iter().map(|v| (v.width, v.format)).collect();
        // The original (through oxipng) holds the same pixels at 1000.
        assert_eq!(
            sizes,
            [
                (480, ImageFormat::Webp),
                (480, ImageFormat::Png),
                (960, ImageFormat::Webp),
                (960, ImageFormat::Png),
                (1000, ImageFormat::Webp),
            ]
        );
    }

    #[test]
    fn alpha_never_becomes_jpeg() {
        let img = RgbaImage::from_fn(600, 300, |x, _| Rgba([255, 0, 0, (x % 256) as u8]));
        let mut png = Vec::new();
        img.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let p = process(&png, &Images::default()).unwrap().unwrap();
        assert!(p.variants.iter().all(|v| v.format != ImageFormat::Jpeg));
        let webp = p
            .variants
            .iter()
            .find(|v| v.format == ImageFormat::Webp)
            .unwrap();
        let decoded = image::load_from_memory(&webp.bytes).unwrap();
        assert!(decoded.color().has_alpha());
    }

    #[test]
    fn jpeg_metadata_is_stripped_but_orientation_kept() {
        let plain = jpeg(8, 8);
        let mut with_exif = plain[..2].to_vec();
        let payload = b"Exif\0\0GPS secret";
        with_exif.extend_from_slice(&[0xFF, 0xE1]);
        with_exif.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        with_exif.extend_from_slice(payload);
        with_exif.extend_from_slice(&plain[2..]);
        let stripped = strip_jpeg_metadata(&with_exif, 1).unwrap();
        assert_eq!(stripped, plain);
        let rotated = strip_jpeg_metadata(&with_exif, 6).unwrap();
        let mut d = image::codecs::jpeg::JpegDecoder::new(Cursor::new(&rotated)).unwrap();
        assert_eq!(d.orientation().unwrap(), Orientation::Rotate90);
        assert!(!rotated.windows(6).any(|w| w == b"secret"));
        assert_eq!(strip_jpeg_metadata(&plain, 1), None);
    }

    #[test]
    fn jpeg_optimisation_is_lossless_and_keeps_the_profile() {
        let img = RgbImage::from_fn(64, 48, |x, y| Rgb([(x * 4) as u8, (y * 5) as u8, 90]));
        let mut plain = Vec::new();
        let mut enc = jpeg_encoder::Encoder::new(&mut plain, 85);
        enc.add_icc_profile(&[3u8; 300]).unwrap();
        enc.encode(img.as_raw(), 64, 48, jpeg_encoder::ColorType::Rgb)
            .unwrap();
        let better = optimize_jpeg(&plain).unwrap();
        let a = image::load_from_memory(&plain).unwrap().to_rgb8();
        let b = image::load_from_memory(&better).unwrap().to_rgb8();
        assert_eq!(a.as_raw(), b.as_raw(), "same pixels");
        let mut d = image::codecs::jpeg::JpegDecoder::new(Cursor::new(&better)).unwrap();
        assert_eq!(d.icc_profile().unwrap(), Some(vec![3u8; 300]));
        assert_eq!(optimize_jpeg(b"not a jpeg"), None);
    }

    #[test]
    fn sides_over_what_webp_holds_get_no_webp() {
        let img = RgbImage::from_pixel(20, 17_000, Rgb([9, 9, 9]));
        let mut png = Vec::new();
        img.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let p = process(&png, &Images::default()).unwrap().unwrap();
        assert!(p.variants.iter().all(|v| v.format != ImageFormat::Webp));
    }

    #[test]
    fn markers_after_the_tables_are_kept_when_optimising() {
        // An APP2 profile placed after DQT still reaches the output.
        let img = RgbImage::from_fn(32, 32, |x, y| Rgb([(x * 8) as u8, (y * 8) as u8, 7]));
        let mut plain = Vec::new();
        jpeg_encoder::Encoder::new(&mut plain, 80)
            .encode(img.as_raw(), 32, 32, jpeg_encoder::ColorType::Rgb)
            .unwrap();
        let dqt = plain.windows(2).position(|w| w == [0xFF, 0xDB]).unwrap();
        let dqt_end = dqt + 2 + usize::from(u16::from_be_bytes([plain[dqt + 2], plain[dqt + 3]]));
        let mut app2 = vec![0xFF, 0xE2, 0, 0];
        app2.extend_from_slice(b"ICC_PROFILE\0\x01\x01");
        app2.extend_from_slice(&[5u8; 40]);
        let len = (app2.len() - 2) as u16;
        app2[2..4].copy_from_slice(&len.to_be_bytes());
        let mut late = plain.clone();
        late.splice(dqt_end..dqt_end, app2.clone());
        let better = optimize_jpeg(&late).unwrap();
        assert!(better.windows(app2.len()).any(|w| w == app2.as_slice()));
    }

    #[test]
    fn webp_metadata_chunks_are_dropped() {
        let data = webp::Encoder::from_rgb(&[200u8; 8 * 8 * 3], 8, 8)
            .encode(80.0)
            .to_vec();
        let mut with_meta = webp_with_icc(&data, &[1u8; 20], 8, 8, false).unwrap();
        for (id, body) in [
            (b"EXIF", &b"GPS secret"[..]),
            (b"XMP ", &b"<x:xmpmeta/>"[..]),
        ] {
            with_meta.extend_from_slice(id);
            with_meta.extend_from_slice(&(body.len() as u32).to_le_bytes());
            with_meta.extend_from_slice(body);
            if body.len() % 2 == 1 {
                with_meta.push(0);
            }
        }
        with_meta[20] |= 0x0C;
        let size = (with_meta.len() - 8) as u32;
        with_meta[4..8].copy_from_slice(&size.to_le_bytes());
        let clean = strip_webp_metadata(&with_meta).unwrap();
        assert!(!clean.windows(6).any(|w| w == b"secret"));
        assert_eq!(clean[20] & 0x0C, 0);
        let mut d = image::codecs::webp::WebPDecoder::new(Cursor::new(&clean)).unwrap();
        assert_eq!(d.icc_profile().unwrap(), Some(vec![1u8; 20]));
        assert_eq!(strip_webp_metadata(&data), None);
    }

    #[test]
    fn icc_profiles_survive_in_webp() {
        let data = webp::Encoder::from_rgb(&[200u8; 8 * 8 * 3], 8, 8)
            .encode(80.0)
            .to_vec();
        let icc = vec![7u8; 101];
        let wrapped = webp_with_icc(&data, &icc, 8, 8, false).unwrap();
        let mut d = image::codecs::webp::WebPDecoder::new(Cursor::new(&wrapped)).unwrap();
        assert_eq!(d.icc_profile().unwrap(), Some(icc));
        assert_eq!(d.dimensions(), (8, 8));
    }
}
