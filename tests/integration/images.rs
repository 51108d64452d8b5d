//! Responsive images: orientation, colour profiles, metadata, alpha,
//! limits, variant widths and `<picture>` markup, on images made here (a few
//! pixels of content, real headers and metadata). Animation and quality on
//! the corpus images are in `tests/e2e/images.rs`.

use std::io::Cursor;

use image::{ImageDecoder, ImageFormat};

use crate::util::{manifest, TestDir};

/// A smooth, photo-like picture, `w`×`h`.
fn photo(w: u32, h: u32) -> image::RgbImage {
    image::RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
        image::Rgb([
            (255.0 * fx) as u8,
            (255.0 * fy) as u8,
            (128.0 + 100.0 * (fx * 9.0 + fy * 4.0).sin()) as u8,
        ])
    })
}

/// A JPEG of `img`, with an ICC profile and an APP1 EXIF segment (orientation,
/// and GPS coordinates when `gps`) right after SOI.
fn jpeg(img: &image::RgbImage, orientation: u16, gps: bool, icc: Option<&[u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, 90);
    if let Some(icc) = icc {
        enc.add_icc_profile(icc).unwrap();
    }
    enc.encode(
        img.as_raw(),
        img.width() as u16,
        img.height() as u16,
        jpeg_encoder::ColorType::Rgb,
    )
    .unwrap();
    let exif = exif(orientation, gps);
    let mut seg = vec![0xFF, 0xE1];
    seg.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    seg.extend_from_slice(&exif);
    out.splice(2..2, seg);
    out
}

/// `Exif\0\0` + a big-endian TIFF: IFD0 with Orientation and a GPS IFD
/// pointer; the GPS IFD with latitude and longitude references.
fn exif(orientation: u16, gps: bool) -> Vec<u8> {
    let mut t = b"MM\0\x2A\0\0\0\x08".to_vec();
    let entries: u16 = if gps { 2 } else { 1 };
    t.extend_from_slice(&entries.to_be_bytes());
    let entry = |t: &mut Vec<u8>, tag: u16, ty: u16, count: u32, value: [u8; 4]| {
        t.extend_from_slice(&tag.to_be_bytes());
        t.extend_from_slice(&ty.to_be_bytes());
        t.extend_from_slice(&count.to_be_bytes());
        t.extend_from_slice(&value);
    };
    let o = orientation.to_be_bytes();
    entry(&mut t, 0x0112, 3, 1, [o[0], o[1], 0, 0]);
    let gps_at = 8 + 2 + 12 * u32::from(entries) + 4;
    if gps {
        entry(&mut t, 0x8825, 4, 1, gps_at.to_be_bytes());
    }
    t.extend_from_slice(&0u32.to_be_bytes());
    if gps {
        t.extend_from_slice(&2u16.to_be_bytes());
        entry(&mut t, 0x0001, 2, 2, *b"N\0\0\0");
        entry(&mut t, 0x0003, 2, 2, *b"W\0\0\0");
        t.extend_from_slice(&0u32.to_be_bytes());
    }
    let mut out = b"Exif\0\0".to_vec();
    out.extend_from_slice(&t);
    out
}

/// Every file the build made of `original`: its own output and its variants.
fn outputs_of(t: &TestDir, out: &str, original: &str) -> Vec<(String, Vec<u8>)> {
    let m = manifest(&t.path(out));
    let e = &m["assets"][original];
    let mut files = vec![e["file"].as_str().unwrap().to_string()];
    for v in e["variants"].as_array().into_iter().flatten() {
        files.push(v["file"].as_str().unwrap().to_string());
    }
    files
        .into_iter()
        .map(|f| {
            let bytes = t.read(&format!("{out}/{f}"));
            (f, bytes)
        })
        .collect()
}

fn icc_of(bytes: &[u8]) -> Option<Vec<u8>> {
    let format = image::guess_format(bytes).unwrap();
    let mut d = image::ImageReader::with_format(Cursor::new(bytes), format)
        .into_decoder()
        .unwrap();
    d.icc_profile().unwrap()
}

#[test]
fn exif_orientation_is_applied_and_pages_get_upright_sizes() {
    let t = TestDir::new();
    let landscape = photo(600, 400);
    t.write("in/six.jpg", jpeg(&landscape, 6, false, None));
    t.write("in/eight.jpg", jpeg(&landscape, 8, false, None));
    t.write(
        "in/index.html",
        "<img src=\"six.jpg\" alt=\"\">\n<img src=\"eight.jpg\" alt=\"\">\n",
    );
    t.run(&[
        "build", "in", "--out", "out", "--quiet", "--widths", "200,480",
    ])
    .expect_code(0);
    let m = manifest(&t.path("out"));
    for name in ["six.jpg", "eight.jpg"] {
        let e = &m["assets"][name];
        assert_eq!(
            (e["width"].as_u64(), e["height"].as_u64()),
            (Some(400), Some(600)),
            "{name}"
        );
        for v in e["variants"].as_array().unwrap() {
            let bytes = t.read(&format!("out/{}", v["file"].as_str().unwrap()));
            let img = image::load_from_memory(&bytes).unwrap();
            let (w, h) = (v["width"].as_u64().unwrap(), v["height"].as_u64().unwrap());
            assert!(h > w, "{name}: variant {v} is not portrait");
            assert_eq!((img.width() as u64, img.height() as u64), (w, h), "{v}");
        }
        // The original keeps its pixels and says how to turn them.
        let orig = t.read_out("out", name);
        let mut d = image::codecs::jpeg::JpegDecoder::new(Cursor::new(&orig)).unwrap();
        assert_ne!(
            d.orientation().unwrap(),
            image::metadata::Orientation::NoTransforms
        );
    }
    // The image's own width, upright, bounds its `sizes`.
    let page = t.read_out_string("out", "index.html");
    assert_eq!(
        page.matches("sizes=\"(max-width: 400px) 100vw, 400px\"")
            .count(),
        2,
        "{page}"
    );
}

#[test]
fn display_p3_profile_is_in_every_output() {
    let t = TestDir::new();
    let p3 = moxcms::ColorProfile::new_display_p3().encode().unwrap();
    t.write("in/p3.jpg", jpeg(&photo(1000, 600), 1, false, Some(&p3)));
    t.run(&[
        "build",
        "in",
        "--out",
        "out",
        "--quiet",
        "--formats",
        "webp",
    ])
    .expect_code(0);
    let outputs = outputs_of(&t, "out", "p3.jpg");
    assert!(outputs.len() >= 5, "original and variants: {outputs:?}");
    for (name, bytes) in outputs {
        assert_eq!(icc_of(&bytes).as_deref(), Some(p3.as_slice()), "{name}");
    }
    // --srgb: variants converted (untagged sRGB, colours moved), the
    // original keeps its profile (it is never re-encoded lossily).
    t.run(&["build", "in", "--out", "srgb", "--quiet", "--srgb"])
        .expect_code(0);
    let outputs = outputs_of(&t, "srgb", "p3.jpg");
    assert_eq!(icc_of(&outputs[0].1).as_deref(), Some(p3.as_slice()));
    for (name, bytes) in &outputs[1..] {
        assert_eq!(icc_of(bytes), None, "{name}");
    }
    let tagged = image::load_from_memory(&outputs_of(&t, "out", "p3.jpg")[1].1)
        .unwrap()
        .to_rgb8();
    let converted = image::load_from_memory(&outputs[1].1).unwrap().to_rgb8();
    let diff: u64 = tagged
        .as_raw()
        .iter()
        .zip(converted.as_raw())
        .map(|(&a, &b)| u64::from(a.abs_diff(b)))
        .sum();
    assert!(
        diff > tagged.as_raw().len() as u64,
        "P3 → sRGB changes the numbers"
    );
}

#[test]
fn gps_and_other_exif_are_absent_from_every_output() {
    let t = TestDir::new();
    let with_gps = jpeg(&photo(700, 500), 1, true, None);
    assert!(with_gps.windows(6).any(|w| w == b"Exif\0\0"));
    t.write("in/gps.jpg", &with_gps);
    t.run(&["build", "in", "--out", "out", "--quiet"])
        .expect_code(0);
    for (name, bytes) in outputs_of(&t, "out", "gps.jpg") {
        assert!(
            !bytes.windows(4).any(|w| w == b"Exif"),
            "{name} carries EXIF"
        );
    }
    // The original is only made smaller losslessly: the same pixels.
    let out = t.read_out("out", "gps.jpg");
    assert!(out.len() < with_gps.len());
    let a = image::load_from_memory(&with_gps).unwrap().to_rgb8();
    let b = image::load_from_memory(&out).unwrap().to_rgb8();
    assert_eq!(a.as_raw(), b.as_raw());
}

#[test]
fn transparent_png_keeps_alpha_and_becomes_jpeg_only_when_asked() {
    let t = TestDir::new();
    let img = image::RgbaImage::from_fn(800, 400, |x, y| {
        image::Rgba([200, (y % 256) as u8, 40, (x * 255 / 800) as u8])
    });
    let mut png = Vec::new();
    img.write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .unwrap();
    t.write("in/alpha.png", &png);
    t.run(&["build", "in", "--out", "out", "--quiet"])
        .expect_code(0);
    let m = manifest(&t.path("out"));
    let variants = m["assets"]["alpha.png"]["variants"]
        .as_array()
        .unwrap()
        .clone();
    let formats: Vec<&str> = variants
        .iter()
        .map(|v| v["format"].as_str().unwrap())
        .collect();
    // PNG variants appear only where they are smaller than the original.
    assert!(formats.contains(&"webp"), "{formats:?}");
    assert!(!formats.contains(&"jpeg"), "{formats:?}");
    for v in &variants {
        let bytes = t.read(&format!("out/{}", v["file"].as_str().unwrap()));
        let decoded = image::load_from_memory(&bytes).unwrap().to_rgba8();
        assert!(decoded.pixels().any(|p| p.0[3] < 128), "{v}: alpha lost");
    }
    // Asked for JPEG: flattened onto the configured background, not black.
    t.write(
        "images.toml",
        "[images]\nformats = [\"webp\", \"jpeg\"]\nbackground = \"#00ff00\"\n",
    );
    t.run(&[
        "build",
        "in",
        "--out",
        "out2",
        "--quiet",
        "--config",
        "images.toml",
    ])
    .expect_code(0);
    let m = manifest(&t.path("out2"));
    let jpeg = m["assets"]["alpha.png"]["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["format"] == "jpeg")
        .expect("a JPEG variant")
        .clone();
    let img = image::load_from_memory(&t.read(&format!("out2/{}", jpeg["file"].as_str().unwrap())))
        .unwrap()
        .to_rgb8();
    // The fully transparent left edge shows the background.
    let p = img.get_pixel(0, img.height() / 2).0;
    assert!(p[1] > 200 && p[0] < 60 && p[2] < 60, "{p:?}");
}

#[test]
fn an_image_over_the_pixel_limit_is_a_warning_and_passed_through() {
    // A PNG claiming 60000×60000 pixels (3.6 GP), with almost no data.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&60000u32.to_be_bytes());
    ihdr.extend_from_slice(&60000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    // The start of the image data: one empty row, compressed.
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut z, &[0u8; 16]).unwrap();
    let mut idat = b"IDAT".to_vec();
    idat.extend_from_slice(&z.finish().unwrap());
    png.extend_from_slice(&((idat.len() - 4) as u32).to_be_bytes());
    png.extend_from_slice(&idat);
    png.extend_from_slice(&crc32(&idat).to_be_bytes());
    png.extend_from_slice(&[0, 0, 0, 0]);
    png.extend_from_slice(b"IEND");
    png.extend_from_slice(&crc32(b"IEND").to_be_bytes());
    let t = TestDir::new();
    t.write("in/huge.png", &png);
    let run = t.run(&["build", "in", "--out", "out", "--json"]);
    run.expect_code(0);
    let w = run.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].starts_with("huge.png:") && w[0].contains("60000×60000"),
        "{w:?}"
    );
    assert_eq!(t.read_out("out", "huge.png"), png);
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn a_source_narrower_than_every_width_gets_variants_at_its_own_width_only() {
    let t = TestDir::new();
    t.write("in/small.jpg", jpeg(&photo(300, 200), 1, false, None));
    t.run(&["build", "in", "--out", "out", "--quiet"])
        .expect_code(0);
    let m = manifest(&t.path("out"));
    let variants = m["assets"]["small.jpg"]["variants"].as_array().unwrap();
    assert!(!variants.is_empty());
    for v in variants {
        assert_eq!(
            (v["width"].as_u64(), v["height"].as_u64()),
            (Some(300), Some(200)),
            "{v}"
        );
    }
}

#[test]
fn img_tags_become_picture_only_when_they_should() {
    let t = TestDir::new();
    t.write("in/a.jpg", jpeg(&photo(1200, 800), 1, false, None));
    t.write(
        "in/index.html",
        concat!(
            "<img src=\"a.jpg\" alt=\"plain\">\n",
            "<img src=\"a.jpg\" srcset=\"a.jpg 1x\" alt=\"own srcset\">\n",
            "<picture><source srcset=\"a.jpg\"><img src=\"a.jpg\" alt=\"in picture\"></picture>\n",
            "<img src=\"a.jpg\" loading=\"eager\" sizes=\"50vw\" width=\"600\" alt=\"eager\">\n",
            "<img src=\"https://cdn.example.test/elsewhere.jpg\" alt=\"external\">\n",
        ),
    );
    // By default (every target shows WebP) the variants go in the <img>'s
    // own srcset: no wrapper, no width and height.
    t.run(&["build", "in", "--out", "own", "--quiet"])
        .expect_code(0);
    let own = t.read_out_string("own", "index.html");
    let own_lines: Vec<&str> = own.lines().collect();
    let a = t.out_path("own", "a.jpg")["own/".len()..].to_string();
    let m = manifest(&t.path("own"));
    let webp = |w: u64| {
        m["assets"]["a.jpg"]["variants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["width"] == w && v["format"] == "webp")
            .map(|v| v["file"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(
        own_lines[0],
        format!(
            "<img src=\"{a}\" alt=\"plain\" srcset=\"{} 480w, {} 960w, {} 1200w\" sizes=\"(max-width: 1200px) 100vw, 1200px\" decoding=\"async\" loading=\"lazy\">",
            webp(480),
            webp(960),
            webp(1200)
        )
    );
    assert!(
        own_lines[3].starts_with(&format!(
            "<img src=\"{a}\" loading=\"eager\" sizes=\"50vw\" width=\"600\" alt=\"eager\" srcset=\"{} 480w"
        , webp(480))),
        "{}",
        own_lines[3]
    );
    assert!(!own.contains("<picture style"), "{own}");
    t.run(&["verify", "own"]).expect_code(0);
    // With a <picture> always, and width and height.
    t.write(
        "assetpress.toml",
        "[images]\npicture_element = \"always\"\ndimensions = true\nsizes = \"100vw\"\n",
    );
    t.run(&["build", "in", "--out", "out", "--quiet"])
        .expect_code(0);
    let page = t.read_out_string("out", "index.html");
    let lines: Vec<&str> = page.lines().collect();
    let h = |v: &str| t.out_path("out", v)["out/".len()..].to_string();
    let a = h("a.jpg");
    let m = manifest(&t.path("out"));
    let vfile = |w: u64, f: &str| {
        m["assets"]["a.jpg"]["variants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["width"] == w && v["format"] == f)
            .map(|v| v["file"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no {w} {f} variant"))
    };
    assert_eq!(
        lines[0],
        format!(
            "<picture style=\"display:contents\"><source type=\"image/webp\" srcset=\"{} 480w, {} 960w, {} 1200w\" sizes=\"100vw\"><img src=\"{a}\" alt=\"plain\" srcset=\"{} 480w, {} 960w, {} 1200w\" sizes=\"100vw\" width=\"1200\" height=\"800\" decoding=\"async\" loading=\"lazy\"></picture>",
            vfile(480, "webp"),
            vfile(960, "webp"),
            vfile(1200, "webp"),
            vfile(480, "jpeg"),
            vfile(960, "jpeg"),
            vfile(1200, "jpeg"),
        )
    );
    assert_eq!(
        lines[1],
        format!("<img src=\"{a}\" srcset=\"{a} 1x\" alt=\"own srcset\">")
    );
    assert_eq!(
        lines[2],
        format!("<picture><source srcset=\"{a}\"><img src=\"{a}\" alt=\"in picture\"></picture>")
    );
    assert!(
        lines[3].starts_with("<picture style=\"display:contents\"><source type=\"image/webp\""),
        "{}",
        lines[3]
    );
    assert!(
        lines[3].contains(&format!(
            "<img src=\"{a}\" loading=\"eager\" sizes=\"50vw\" width=\"600\" alt=\"eager\" srcset="
        )),
        "{}",
        lines[3]
    );
    assert!(
        !lines[3].contains("lazy") && !lines[3].contains("height="),
        "{}",
        lines[3]
    );
    assert!(
        lines[3].contains("sizes=\"50vw\"><img"),
        "the source takes the img's sizes: {}",
        lines[3]
    );
    assert_eq!(
        lines[4],
        "<img src=\"https://cdn.example.test/elsewhere.jpg\" alt=\"external\">"
    );
    t.run(&["verify", "out"]).expect_code(0);
    // --no-picture leaves every tag alone.
    t.run(&["build", "in", "--out", "plain", "--quiet", "--no-picture"])
        .expect_code(0);
    assert!(!t
        .read_out_string("plain", "index.html")
        .contains("<picture style"));
}

#[test]
fn avif_is_available_and_comes_first_when_listed_first() {
    let t = TestDir::new();
    t.write("in/a.jpg", jpeg(&photo(240, 160), 1, false, None));
    t.write("in/index.html", "<img src=\"a.jpg\" alt=\"\">");
    t.write("always.toml", "[images]\npicture_element = \"always\"\n");
    t.run(&[
        "build",
        "in",
        "--out",
        "out",
        "--quiet",
        "--config",
        "always.toml",
        "--formats",
        "avif,webp",
        "--widths",
        "120,480",
    ])
    .expect_code(0);
    let m = manifest(&t.path("out"));
    let variants = m["assets"]["a.jpg"]["variants"].as_array().unwrap();
    let avif: Vec<&serde_json::Value> = variants.iter().filter(|v| v["format"] == "avif").collect();
    assert_eq!(avif.len(), 2, "{variants:?}");
    for v in avif {
        let bytes = t.read(&format!("out/{}", v["file"].as_str().unwrap()));
        assert_eq!(&bytes[4..12], b"ftypavif", "{v}");
        assert!(v["file"].as_str().unwrap().ends_with(".avif"));
    }
    let page = t.read_out_string("out", "index.html");
    let avif_at = page.find("type=\"image/avif\"").expect("an AVIF source");
    let webp_at = page.find("type=\"image/webp\"").expect("a WebP source");
    assert!(avif_at < webp_at, "{page}");
    t.run(&["verify", "out"]).expect_code(0);
    // Without a <picture>, the best format every target shows.
    let own = |targets: &str, out: &str| {
        t.run(&[
            "build",
            "in",
            "--out",
            out,
            "--quiet",
            "--formats",
            "avif,webp",
            "--widths",
            "120,480",
            "--targets",
            targets,
        ])
        .expect_code(0);
        t.read_out_string(out, "index.html")
    };
    let page = own("chrome >= 100", "chrome");
    assert!(
        !page.contains("<picture") && page.contains(".avif 120w"),
        "{page}"
    );
    let page = own("safari 15", "safari");
    assert!(
        !page.contains("<picture") && page.contains(".webp 120w"),
        "{page}"
    );
    assert!(!page.contains(".avif"), "{page}");
    let page = own("ie 11", "ie");
    assert!(page.contains("<picture"), "{page}");
}

#[test]
fn picture_markup_follows_public_url_and_configured_sizes() {
    let t = TestDir::new();
    t.write("in/img/a b.jpg", jpeg(&photo(300, 200), 1, false, None));
    t.write("in/index.html", "<img src=\"img/a%20b.jpg\" alt=\"\">");
    t.write(
        "assetpress.toml",
        "[images]\nsizes = \"(min-width: 40rem) 50vw, 100vw\"\npicture_element = \"always\"\n",
    );
    t.run(&[
        "build",
        "in",
        "--out",
        "out",
        "--quiet",
        "--public-url",
        "https://cdn.example.test",
    ])
    .expect_code(0);
    let page = t.read_out_string("out", "index.html");
    let m = manifest(&t.path("out"));
    let webp = crate::util::variant_file(&m, "img/a b.jpg", "webp").replace(' ', "%20");
    assert!(
        page.contains(&format!(
            "<source type=\"image/webp\" srcset=\"https://cdn.example.test/{webp} 300w\" sizes=\"(min-width: 40rem) 50vw, 100vw\">"
        )),
        "{page}"
    );
    t.run(&["verify", "out"]).expect_code(0);
}
