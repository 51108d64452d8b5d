//! Before any pixel is decoded: is the file whole, and could its data hold
//! the pixels its header declares? Decoders fill what is missing with grey
//! and say nothing (a truncated JPEG or GIF), or allocate what the header
//! declares however little data follows (a JPEG declaring 9999×10000 with
//! 64×64 of data, a GIF frame of 20000×20000 in 35 bytes). Variants made of
//! that are garbage, so such a file is passed through unchanged with a
//! warning. Each check walks the container's structure only (markers,
//! blocks, chunks) and compares the compressed data with a lower bound no
//! real encoder can beat.
//!
//! Metadata is bounded here too: a PNG's `iCCP` chunk is inflated with a
//! cap before any decoder sees it (one of 1 MB can inflate to 1 GiB).

use std::borrow::Cow;
use std::io::Read;

/// The largest colour profile read at all, in bytes: JPEG's own limit
/// (255 APP2 segments) rounded up. A PNG whose profile inflates to more
/// loses the profile before it is decoded.
pub const MAX_ICC_READ: usize = 16 << 20;

/// Why the image `bytes` is incomplete, or `None` when it is whole.
pub fn incomplete(bytes: &[u8], format: image::ImageFormat) -> Option<String> {
    match format {
        image::ImageFormat::Jpeg => jpeg(bytes).err(),
        image::ImageFormat::Gif => gif(bytes).err(),
        image::ImageFormat::Png => png(bytes).err(),
        image::ImageFormat::WebP => webp(bytes).err(),
        _ => None,
    }
}

const TRUNCATED: &str = "the file ends before the image does (truncated)";

/// A JPEG must reach its end marker through whole segments, and its
/// entropy-coded data must hold at least one bit per MCU: every MCU codes
/// at least one DC coefficient, whose shortest Huffman code is one bit.
fn jpeg(b: &[u8]) -> Result<(), String> {
    if !b.starts_with(&[0xff, 0xd8]) {
        return Err("no JPEG start marker".into());
    }
    let mut i = 2;
    let mut frame: Option<(u64, u64, u64, u64)> = None;
    let mut entropy_bytes = 0u64;
    loop {
        // To the next marker (decoders skip stray bytes and fill bytes).
        match memchr::memchr(0xff, b.get(i..).unwrap_or_default()) {
            Some(p) => i += p,
            None => return Err(TRUNCATED.into()),
        }
        while b.get(i + 1) == Some(&0xff) {
            i += 1;
        }
        let Some(&marker) = b.get(i + 1) else {
            return Err(TRUNCATED.into());
        };
        i += 2;
        match marker {
            0xd9 => break,
            0x01 | 0xd0..=0xd7 | 0x00 => continue,
            _ => {}
        }
        let Some(len) = b
            .get(i..i + 2)
            .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
        else {
            return Err(TRUNCATED.into());
        };
        let end = i + len;
        if len < 2 || end > b.len() {
            return Err(TRUNCATED.into());
        }
        let segment = &b[i + 2..end];
        match marker {
            // Start of frame (not DHT, JPG, DAC).
            0xc0..=0xcf if !matches!(marker, 0xc4 | 0xc8 | 0xcc) => {
                if segment.len() < 6 {
                    return Err("a frame header too short".into());
                }
                let h = u64::from(u16::from_be_bytes([segment[1], segment[2]]));
                let w = u64::from(u16::from_be_bytes([segment[3], segment[4]]));
                let components = segment[6..].chunks_exact(3).take(usize::from(segment[5]));
                let (mut hmax, mut vmax) = (1u64, 1u64);
                for c in components {
                    hmax = hmax.max(u64::from(c[1] >> 4).max(1));
                    vmax = vmax.max(u64::from(c[1] & 15).max(1));
                }
                frame = Some((w, h, hmax, vmax));
                i = end;
            }
            // Start of scan: the entropy-coded data runs to the next marker
            // that is not a stuffed byte or a restart.
            0xda => {
                let start = end;
                let mut j = start;
                loop {
                    match memchr::memchr(0xff, &b[j..]) {
                        None => return Err(TRUNCATED.into()),
                        Some(p) => j += p,
                    }
                    match b.get(j + 1) {
                        None => return Err(TRUNCATED.into()),
                        Some(0x00 | 0xd0..=0xd7 | 0xff) => j += 1,
                        Some(_) => break,
                    }
                }
                entropy_bytes += (j - start) as u64;
                i = j;
            }
            _ => i = end,
        }
    }
    let Some((w, h, hmax, vmax)) = frame else {
        return Err("no frame header".into());
    };
    let mcus = w.div_ceil(8 * hmax) * h.div_ceil(8 * vmax);
    if entropy_bytes.saturating_mul(8) < mcus {
        return Err(too_little(w, h));
    }
    Ok(())
}

fn too_little(w: u64, h: u64) -> String {
    format!("its data is far too short for the {w}×{h} pixels its header declares")
}

/// A GIF's blocks must be whole (a file may end after a whole block: browsers
/// show it as it is), and each frame's LZW data must be able to produce
/// its pixels: the n-th code stands for at most n pixels.
fn gif(b: &[u8]) -> Result<(), String> {
    if b.len() < 13 {
        return Err(TRUNCATED.into());
    }
    let table = |flags: u8| {
        if flags & 0x80 != 0 {
            3usize << ((flags & 7) + 1)
        } else {
            0
        }
    };
    let mut i = 13 + table(b[10]);
    // Sub-blocks from `i`: (their data bytes, the index after them).
    let sub_blocks = |mut i: usize| -> Result<(u64, usize), String> {
        let mut data = 0u64;
        loop {
            let &n = b.get(i).ok_or(TRUNCATED)?;
            i += 1 + usize::from(n);
            if n == 0 {
                return Ok((data, i));
            }
            if i > b.len() {
                return Err(TRUNCATED.into());
            }
            data += u64::from(n);
        }
    };
    while let Some(&block) = b.get(i) {
        match block {
            0x3b => break,
            0x21 => i = sub_blocks(i + 2)?.1,
            0x2c => {
                let d = b.get(i + 1..i + 10).ok_or(TRUNCATED)?;
                let w = u64::from(u16::from_le_bytes([d[4], d[5]]));
                let h = u64::from(u16::from_le_bytes([d[6], d[7]]));
                i += 10 + table(d[8]);
                let &min_code = b.get(i).ok_or(TRUNCATED)?;
                let (data, next) = sub_blocks(i + 1)?;
                let codes = data * 8 / (u64::from(min_code.min(11)) + 1);
                if w * h > codes.saturating_mul(codes + 1) / 2 {
                    return Err(too_little(w, h));
                }
                i = next;
            }
            // Bytes no decoder reads as a block: decoders stop here.
            _ => break,
        }
    }
    Ok(())
}

/// A PNG's chunks must be whole up to `IEND`, and its image data must be
/// able to inflate to the rows its header declares (deflate expands at
/// most 1032 times).
fn png(b: &[u8]) -> Result<(), String> {
    let mut header = None;
    let mut idat = 0u64;
    for chunk in chunks(b) {
        let (kind, data) = chunk?;
        match kind {
            b"IHDR" if data.len() >= 13 => {
                let w = u64::from(u32::from_be_bytes([data[0], data[1], data[2], data[3]]));
                let h = u64::from(u32::from_be_bytes([data[4], data[5], data[6], data[7]]));
                let channels = match data[9] {
                    0 | 3 => 1,
                    2 => 3,
                    4 => 2,
                    _ => 4,
                };
                let bits = channels * u64::from(data[8]);
                header = Some((w, h, bits));
            }
            b"IDAT" => idat += data.len() as u64,
            b"IEND" => {
                let Some((w, h, bits)) = header else {
                    return Err("no image header".into());
                };
                // Rows of at least one filter byte and w×bits bits (an
                // interlaced image has more rows, never fewer bytes).
                let raw = h.saturating_mul(1 + (w.saturating_mul(bits)).div_ceil(8));
                if idat.saturating_mul(1032) < raw {
                    return Err(too_little(w, h));
                }
                return Ok(());
            }
            _ => {}
        }
    }
    Err(TRUNCATED.into())
}

/// The chunks of a PNG after its signature: `(type, data)`, or an error
/// where one runs past the end of the file.
fn chunks(b: &[u8]) -> impl Iterator<Item = Result<(&[u8; 4], &[u8]), String>> {
    let mut i = 8;
    std::iter::from_fn(move || {
        if i >= b.len() {
            return None;
        }
        let Some(head) = b.get(i..i + 8) else {
            i = b.len();
            return Some(Err(TRUNCATED.into()));
        };
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind: &[u8; 4] = head[4..8].try_into().ok()?;
        let data_end = (i + 8).saturating_add(len);
        if data_end.saturating_add(4) > b.len() {
            i = b.len();
            return Some(Err(TRUNCATED.into()));
        }
        let data = &b[i + 8..data_end];
        i = data_end + 4;
        Some(Ok((kind, data)))
    })
}

/// A WebP must be as long as its RIFF header says.
fn webp(b: &[u8]) -> Result<(), String> {
    let declared = b
        .get(4..8)
        .map(|s| u64::from(u32::from_le_bytes([s[0], s[1], s[2], s[3]])) + 8)
        .ok_or(TRUNCATED)?;
    if (b.len() as u64) < declared {
        return Err(TRUNCATED.into());
    }
    Ok(())
}

/// `bytes` without a PNG `iCCP` chunk that inflates to more than `cap`
/// bytes (or not at all), with the reason it was dropped; other files as
/// they are. Inflating stops at the cap.
pub fn bounded_profile(bytes: &[u8], cap: usize) -> (Cow<'_, [u8]>, Option<String>) {
    if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return (Cow::Borrowed(bytes), None);
    }
    let mut offset = 8;
    for chunk in chunks(bytes) {
        let Ok((kind, data)) = chunk else { break };
        let size = 12 + data.len();
        if kind == b"iCCP" {
            let inflated = data
                .iter()
                .position(|&c| c == 0)
                .and_then(|nul| data.get(nul + 2..))
                .map(|z| {
                    let mut out = Vec::new();
                    let read = flate2::read::ZlibDecoder::new(z)
                        .take(cap as u64 + 1)
                        .read_to_end(&mut out);
                    read.ok().map(|_| out.len())
                });
            let why = match inflated {
                Some(Some(n)) if n <= cap => return (Cow::Borrowed(bytes), None),
                Some(Some(_)) => format!(
                    "its colour profile inflates to more than {} MB: dropped",
                    cap >> 20
                ),
                _ => "its colour profile does not inflate: dropped".to_string(),
            };
            let mut out = bytes[..offset].to_vec();
            out.extend_from_slice(&bytes[offset + size..]);
            return (Cow::Owned(out), Some(why));
        }
        if kind == b"IDAT" {
            break;
        }
        offset += size;
    }
    (Cow::Borrowed(bytes), None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::image::tests::jpeg as make_jpeg;

    fn png_of(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 7]));
        let mut out = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    fn gif_of(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbaImage::from_fn(w, h, |x, y| image::Rgba([x as u8, y as u8, 7, 255]));
        let mut out = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Gif)
            .unwrap();
        out
    }

    fn complete_test(bytes: &[u8], format: image::ImageFormat, expected: Option<&str>) {
        let found = incomplete(bytes, format);
        match (found.as_deref(), expected) {
            (None, None) => {}
            (Some(f), Some(e)) => assert!(f.contains(e), "{f}"),
            _ => panic!("{found:?} where {expected:?} was expected"),
        }
    }

    #[test]
    fn whole_images_are_complete() {
        complete_test(&make_jpeg(300, 200), image::ImageFormat::Jpeg, None);
        complete_test(&png_of(300, 200), image::ImageFormat::Png, None);
        complete_test(&gif_of(60, 40), image::ImageFormat::Gif, None);
    }

    #[test]
    fn truncated_images_are_incomplete() {
        let j = make_jpeg(300, 200);
        complete_test(
            &j[..j.len() / 2],
            image::ImageFormat::Jpeg,
            Some("truncated"),
        );
        let p = png_of(300, 200);
        complete_test(
            &p[..p.len() / 2],
            image::ImageFormat::Png,
            Some("truncated"),
        );
        let g = gif_of(60, 40);
        complete_test(
            &g[..g.len() / 2],
            image::ImageFormat::Gif,
            Some("truncated"),
        );
    }

    #[test]
    fn a_header_declaring_more_pixels_than_the_data_holds_is_incomplete() {
        // A 64×64 JPEG whose frame header says 9999×10000.
        let mut j = make_jpeg(64, 64);
        let sof = j.windows(2).position(|w| w == [0xff, 0xc0]).unwrap();
        j[sof + 5..sof + 9].copy_from_slice(&[0x27, 0x10, 0x27, 0x0f]);
        complete_test(&j, image::ImageFormat::Jpeg, Some("9999×10000"));
    }

    #[test]
    fn an_oversized_profile_is_dropped_before_decoding() {
        let profile = vec![7u8; 3 << 20];
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut z, &profile).unwrap();
        let mut data = b"icc\0\0".to_vec();
        data.extend(z.finish().unwrap());
        let p = png_of(8, 8);
        // After IHDR (8 + 25 bytes).
        let mut with = p[..33].to_vec();
        with.extend((data.len() as u32).to_be_bytes());
        with.extend(b"iCCP");
        with.extend(&data);
        with.extend(flate2::Crc::new().sum().to_be_bytes());
        with.extend(&p[33..]);
        let (kept, why) = bounded_profile(&with, 4 << 20);
        assert!(why.is_none() && kept.len() == with.len());
        let (bounded, why) = bounded_profile(&with, 1 << 20);
        assert_eq!(bounded.as_ref(), p.as_slice());
        assert!(why.unwrap().contains("more than 1 MB"));
    }
}
