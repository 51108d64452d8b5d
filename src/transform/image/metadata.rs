//! Metadata surgery on encoded files, leaving the image data as it is: the
//! private metadata (EXIF, GPS, XMP, IPTC, comments) cut out of JPEG and
//! WebP originals with the orientation kept, and a colour profile put into
//! a WebP that libwebp wrote without one.

use image::metadata::Orientation;

/// The EXIF orientation value (1–8).
pub(super) fn orientation_tag(o: Orientation) -> u16 {
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
pub(super) fn webp_with_icc(
    data: &[u8],
    icc: &[u8],
    w: u32,
    h: u32,
    alpha: bool,
) -> Option<Vec<u8>> {
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
    use std::io::Cursor;

    use image::ImageDecoder;

    use super::*;
    use crate::transform::image::tests::jpeg;

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
