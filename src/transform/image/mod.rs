//! Raster images: decoded once behind size limits, turned upright (EXIF
//! orientation), resized with fast_image_resize's Lanczos3 into responsive
//! variants encoded as WebP (libwebp, lossy) and in the source's own format
//! (JPEG with jpeg-encoder, PNG squeezed by oxipng), colour profile kept in
//! every output, other metadata (EXIF, GPS, XMP) left out. The original is
//! never made worse: a PNG goes through oxipng losslessly, a JPEG keeps its
//! compressed data and loses only its privacy-bearing metadata. Animated GIF
//! and WebP pass through unchanged.
//!
//! This module decodes and plans the variants; the completeness checks, the
//! encoders and the metadata surgery are its submodules (the memory budget
//! they run in is `transform::budget`).

use std::io::Cursor;

use fast_image_resize as fr;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader};

mod complete;
mod encode;
mod metadata;

pub use complete::{bounded_profile, MAX_ICC_READ};
use encode::{encode, optimize_jpeg, optimize_png};
use metadata::{orientation_tag, strip_jpeg_metadata, strip_webp_metadata};

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
    /// Its PSNR in dB against the pixels it was encoded from (infinite when
    /// they are the same), when `images.measure_quality` asked for it and
    /// its format can be decoded here (not AVIF).
    pub psnr: Option<f32>,
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
    if let Some(why) = complete::incomplete(bytes, format) {
        return Err(format!("incomplete image: {why}; copied unchanged, no variants").into());
    }
    // Every decode, every frame, within what the header declares (what the
    // shared budget reserved): 16 bytes a pixel hold a 16-bit RGBA image
    // and its conversion; 64 MiB at least, for the decoders' own tables.
    let mut limits = image::Limits::default();
    limits.max_alloc = Some((u64::from(w) * u64::from(h)).max(4 << 20) * 16);
    if animated(bytes, format, &limits) {
        return Ok(None);
    }
    let mut reader = reader();
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
    let widths = variant_widths(width, opts);
    // A JPEG wider than its widest variant needs is decoded scaled down
    // by libjpeg (DCT scaling, n/8), as libvips does: fewer pixels to
    // decode and to resize, and the variant still comes from more pixels
    // than it has.
    let widest = widths.iter().copied().max().unwrap_or(width);
    let tallest = variant_height(width, height, widest);
    let scaled = match format {
        image::ImageFormat::Jpeg if !deep => {
            decode_jpeg_scaled(bytes, (w0, h0), turned, (widest, tallest))
        }
        _ => None,
    };
    let mut img = match scaled {
        Some(img) => img,
        None => DynamicImage::from_decoder(decoder)
            .map_err(|e| format!("cannot decode ({e}); copied unchanged"))?,
    };
    img.apply_orientation(orientation);
    let (src_w, src_h) = (img.width(), img.height());
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
    // A profile over images.max_icc_bytes would be copied into every
    // variant (a 480-pixel WebP of 4 MB): those are converted too.
    let (pixels, icc, converted) = match &icc {
        Some(profile) if opts.srgb || profile.len() > opts.max_icc_bytes => {
            match to_srgb(&pixels, profile) {
                Some(converted) => (converted, None, true),
                None if profile.len() > opts.max_icc_bytes => {
                    return Err(format!(
                        "its colour profile of {} bytes is over images.max_icc_bytes and cannot be converted to sRGB; copied unchanged, no variants",
                        profile.len()
                    )
                    .into())
                }
                None => (pixels, icc, false),
            }
        }
        _ => (pixels, icc, false),
    };
    // A PNG at its own width with the original's very pixels (8-bit, not
    // converted): the original, already through oxipng, serves at that width.
    let same_pixels = format == image::ImageFormat::Png && !deep && !converted;

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
        let vh = variant_height(width, height, vw);
        let resized = if (vw, vh) == (src_w, src_h) {
            None
        } else {
            Some(pixels.resize(src_w, src_h, vw, vh, &mut resizer)?)
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
            let psnr = if opts.measure_quality {
                psnr(px, &encoded, f)
            } else {
                None
            };
            variants.push(Variant {
                width: vw,
                height: vh,
                format: f,
                bytes: encoded,
                psnr,
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

/// The PSNR (dB, over every channel) of `encoded`, decoded, against the
/// pixels `px` it was encoded from: infinite when they are the same; `None`
/// when it cannot be decoded here (AVIF: no AV1 decoder in the binary).
fn psnr(px: &Pixels, encoded: &[u8], format: ImageFormat) -> Option<f32> {
    let format = match format {
        ImageFormat::Webp => image::ImageFormat::WebP,
        ImageFormat::Jpeg => image::ImageFormat::Jpeg,
        ImageFormat::Png => image::ImageFormat::Png,
        _ => return None,
    };
    let decoded = image::load_from_memory_with_format(encoded, format).ok()?;
    let (reference, back) = match px {
        Pixels::Rgb(b) => (b, decoded.into_rgb8().into_raw()),
        Pixels::Rgba(b) => (b, decoded.into_rgba8().into_raw()),
    };
    psnr_of(reference, &back)
}

/// The PSNR of `b` against `a`, two buffers of 8-bit samples of the same
/// length, rounded to tenths of a dB (so that the value a cache entry
/// keeps is the very one measured): infinite when they are equal.
fn psnr_of(a: &[u8], b: &[u8]) -> Option<f32> {
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    let squared: u64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| u64::from(x.abs_diff(y)).pow(2))
        .sum();
    if squared == 0 {
        return Some(f32::INFINITY);
    }
    let mse = squared as f64 / a.len() as f64;
    let tenths = (100.0 * (255.0f64 * 255.0 / mse).log10()).round();
    Some(tenths as f32 / 10.0)
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

/// Variant widths of an image `width` pixels wide: every configured width
/// below it, and its own when it is below the largest configured one.
fn variant_widths(width: u32, opts: &Images) -> Vec<u32> {
    let mut widths: Vec<u32> = opts.widths.iter().copied().filter(|&x| x < width).collect();
    if opts.widths.iter().any(|&x| x >= width) || widths.is_empty() {
        widths.push(width);
    }
    if !opts.variants {
        widths.clear();
    }
    widths.sort_unstable();
    widths.dedup();
    widths
}

/// The height of the variant `vw` wide of a `width`×`height` image.
fn variant_height(width: u32, height: u32, vw: u32) -> u32 {
    ((u64::from(height) * u64::from(vw) + u64::from(width) / 2) / u64::from(width)).max(1) as u32
}

/// The JPEG `bytes` (stored `w0`×`h0`, `turned` when its orientation swaps
/// the sides) decoded as 8-bit RGB at the smallest scale n/8 whose upright
/// size still covers `need`; `None` when only the full size does, or when
/// libjpeg cannot (CMYK, an error): the caller decodes it in full.
fn decode_jpeg_scaled(
    bytes: &[u8],
    (w0, h0): (u32, u32),
    turned: bool,
    need: (u32, u32),
) -> Option<DynamicImage> {
    let (need_w, need_h) = if turned { (need.1, need.0) } else { need };
    let covers = |side: u32, n: u32, need: u32| {
        (u64::from(side) * u64::from(n)).div_ceil(8) >= u64::from(need)
    };
    let n = (1..8u32).find(|&n| covers(w0, n, need_w) && covers(h0, n, need_h))?;
    let decoded = std::panic::catch_unwind(|| -> std::io::Result<(usize, usize, Vec<u8>)> {
        let mut d = mozjpeg::Decompress::new_mem(bytes)?;
        d.scale(n as u8);
        let mut started = d.rgb()?;
        let (w, h) = (started.width(), started.height());
        let px: Vec<u8> = started.read_scanlines()?;
        started.finish()?;
        Ok((w, h, px))
    });
    let (w, h, px) = decoded.ok()?.ok()?;
    let (w, h) = (u32::try_from(w).ok()?, u32::try_from(h).ok()?);
    // Never less than the variants need.
    if w < need_w || h < need_h {
        return None;
    }
    image::RgbImage::from_raw(w, h, px).map(DynamicImage::ImageRgb8)
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

/// Whether a GIF, WebP or PNG (APNG) is animated. A GIF's frames are
/// decoded to tell, within `limits` (a frame may be far larger than the
/// image's own size: 20000×20000 in a 10×10 GIF of 35 bytes).
fn animated(bytes: &[u8], format: image::ImageFormat, limits: &image::Limits) -> bool {
    match format {
        image::ImageFormat::Gif => image::codecs::gif::GifDecoder::new(Cursor::new(bytes))
            .ok()
            .and_then(|mut d| {
                use image::{AnimationDecoder, ImageDecoder};
                d.set_limits(limits.clone()).ok()?;
                Some(d.into_frames().take(2).take_while(Result::is_ok).count() > 1)
            })
            .unwrap_or(false),
        image::ImageFormat::WebP => image::codecs::webp::WebPDecoder::new(Cursor::new(bytes))
            .map(|d| d.has_animation())
            .unwrap_or(false),
        image::ImageFormat::Png => {
            image::codecs::png::PngDecoder::with_limits(Cursor::new(bytes), limits.clone())
                .ok()
                .and_then(|d| d.is_apng().ok())
                .unwrap_or(false)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    pub(super) fn jpeg(w: u32, h: u32) -> Vec<u8> {
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
    fn psnr_of_samples() {
        assert_eq!(psnr_of(&[7, 9], &[7, 9]), Some(f32::INFINITY));
        // MSE 255²/4: 10·log10(4) dB.
        assert_eq!(psnr_of(&[0, 0, 0, 0], &[255, 0, 0, 0]), Some(6.0));
        // MSE 1/4: 10·log10(4·255²) = 54.15 dB, kept in tenths.
        assert_eq!(psnr_of(&[0, 0, 0, 0], &[1, 0, 0, 0]), Some(54.2));
        assert_eq!(psnr_of(&[1], &[1, 2]), None);
    }

    #[test]
    fn variants_are_measured_only_when_asked() {
        let plain = process(&jpeg(600, 300), &Images::default())
            .unwrap()
            .unwrap();
        assert!(plain.variants.iter().all(|v| v.psnr.is_none()));
        let opts = Images {
            measure_quality: true,
            formats: vec![ImageFormat::Webp, ImageFormat::Avif],
            ..Images::default()
        };
        let measured = process(&jpeg(600, 300), &opts).unwrap().unwrap();
        for v in &measured.variants {
            match v.format {
                // No AV1 decoder here.
                ImageFormat::Avif => assert_eq!(v.psnr, None),
                _ => {
                    let p = v.psnr.unwrap();
                    assert!((30.0..60.0).contains(&p), "{v:?}");
                }
            }
        }
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

    /// `decode_jpeg_scaled(jpeg(w, h), turned, need)`'s size, if it scales.
    fn scaled_test(w: u32, h: u32, turned: bool, need: (u32, u32), expected: Option<(u32, u32)>) {
        let got = decode_jpeg_scaled(&jpeg(w, h), (w, h), turned, need);
        assert_eq!(
            got.map(|i| (i.width(), i.height())),
            expected,
            "{w}x{h} {need:?}"
        );
    }

    #[test]
    fn a_large_jpeg_is_decoded_at_the_smallest_scale_its_variants_allow() {
        scaled_test(2000, 1000, false, (480, 240), Some((500, 250)));
        scaled_test(2000, 1000, false, (1000, 500), Some((1000, 500)));
        scaled_test(2000, 1000, false, (1001, 501), Some((1250, 625)));
        scaled_test(2000, 1000, false, (1800, 900), None);
        // Upright 1000×2000 (stored sideways): the need is turned too.
        scaled_test(2000, 1000, true, (240, 480), Some((500, 250)));
        scaled_test(2000, 1000, true, (480, 960), Some((1000, 500)));
    }

    #[test]
    fn variants_of_a_scaled_decode_keep_their_size_and_colours() {
        // Red left half, blue right half.
        let img = RgbImage::from_fn(1600, 800, |x, _| {
            if x < 800 {
                Rgb([220, 20, 20])
            } else {
                Rgb([20, 20, 220])
            }
        });
        let mut bytes = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90)
            .encode_image(&img)
            .unwrap();
        let opts = Images {
            widths: vec![400],
            ..Images::default()
        };
        let p = process(&bytes, &opts).unwrap().unwrap();
        assert_eq!((p.width, p.height), (1600, 800));
        for v in &p.variants {
            assert_eq!((v.width, v.height), (400, 200), "{:?}", v.format);
            let out = image::load_from_memory(&v.bytes).unwrap().to_rgb8();
            assert_eq!(out.dimensions(), (400, 200));
            let (left, right) = (out.get_pixel(50, 100).0, out.get_pixel(350, 100).0);
            assert!(
                left[0] > 180 && left[2] < 60,
                "{:?} left {left:?}",
                v.format
            );
            assert!(
                right[2] > 180 && right[0] < 60,
                "{:?} right {right:?}",
                v.format
            );
        }
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
    fn sides_over_what_webp_holds_get_no_webp() {
        let img = RgbImage::from_pixel(20, 17_000, Rgb([9, 9, 9]));
        let mut png = Vec::new();
        img.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let p = process(&png, &Images::default()).unwrap().unwrap();
        assert!(p.variants.iter().all(|v| v.format != ImageFormat::Webp));
    }
}
