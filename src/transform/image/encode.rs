//! Encoders: a variant's pixels into WebP (libwebp), AVIF (ravif), JPEG
//! (mozjpeg, jpeg-encoder as a fallback) or PNG (oxipng), its colour
//! profile embedded; and the lossless optimisation of an original JPEG
//! (libjpeg transcoding) or PNG (oxipng).

use crate::asset::ImageFormat;
use crate::config::Images;

use super::metadata::webp_with_icc;
use super::{to_srgb, Pixels};

pub(super) fn encode(
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

/// oxipng at preset `level`, keeping only the chunks that change how the
/// image looks (the colour profile among them).
pub(super) fn png_options(level: u8) -> oxipng::Options {
    let mut opts = oxipng::Options::from_preset(level);
    opts.strip = oxipng::StripChunks::Safe;
    opts
}

/// The PNG optimised losslessly by oxipng (colour profile kept), if it can be.
pub(super) fn optimize_png(bytes: &[u8], level: u8) -> Option<Vec<u8>> {
    let opts = png_options(level);
    // No timeout: a time limit would make the bytes depend on the machine's
    // load. The preset and the pixel limit bound the work instead.
    oxipng::optimize_from_memory(bytes, &opts).ok()
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use image::{ImageDecoder, Rgb, RgbImage};

    use super::*;

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
}
