//! The hostile inputs: files an attacker or an unlucky CI run hands
//! assetpress, each made here (nothing large is committed). `write` puts
//! every case into a folder beside a small site that names them; the
//! integration test `hostile` runs the binary over it, and
//! `scripts/bench-hostile` (through `examples/hostile.rs`) measures each
//! case alone for BENCHMARKS.md.

use std::io::Write;
use std::path::Path;

/// One hostile file: where it goes, and what the report must say of it.
pub struct Case {
    /// A short name for the BENCHMARKS table.
    pub name: &'static str,
    /// Its path in the input folder.
    pub path: String,
    /// Its bytes (`None`: a symbolic link to `link`).
    pub bytes: Option<Vec<u8>>,
    /// Where a symbolic link points.
    pub link: Option<&'static str>,
    /// A piece of the warning or error the report gives for `path`
    /// (`None`: it is processed without one).
    pub message: Option<&'static str>,
}

fn case(name: &'static str, path: &str, bytes: Vec<u8>, message: Option<&'static str>) -> Case {
    Case {
        name,
        path: path.to_string(),
        bytes: Some(bytes),
        link: None,
        message,
    }
}

/// A PNG chunk: length, type, data, CRC.
fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend(kind);
    out.extend(data);
    out.extend(crc.sum().to_be_bytes());
    out
}

/// `png` with an `iCCP` chunk holding `profile` (zlib-compressed) after its
/// header.
fn with_iccp(png: &[u8], compressed_profile: &[u8]) -> Vec<u8> {
    let mut data = b"icc\0\0".to_vec();
    data.extend(compressed_profile);
    let mut out = png[..33].to_vec();
    out.extend(chunk(b"iCCP", &data));
    out.extend(&png[33..]);
    out
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(data).unwrap();
    z.finish().unwrap()
}

/// A smooth RGB image, photo-like, `w`×`h`.
fn photo(w: u32, h: u32) -> image::RgbImage {
    image::RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
        image::Rgb([
            (255.0 * fx) as u8,
            (255.0 * fy) as u8,
            (128.0 + 100.0 * (fx * 6.0).sin()) as u8,
        ])
    })
}

fn encoded(img: &image::RgbImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), format)
        .unwrap();
    out
}

/// A 35-byte GIF: a 10×10 screen holding a 20000×20000 frame.
pub fn gif_frame_bomb() -> Vec<u8> {
    let mut g = b"GIF89a".to_vec();
    g.extend([10, 0, 10, 0, 0, 0, 0]);
    g.push(0x2c);
    g.extend([0, 0, 0, 0, 0x20, 0x4e, 0x20, 0x4e, 0x80]);
    g.extend([0, 0, 0, 0xff, 0xff, 0xff]);
    g.extend([2, 2, 0x4c, 0x01, 0, 0x3b]);
    g
}

/// A PNG of about 1 MB whose `iCCP` chunk inflates to 1 GiB.
pub fn iccp_bomb() -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..1024 {
        z.write_all(&zeros).unwrap();
    }
    with_iccp(
        &encoded(&photo(64, 64), image::ImageFormat::Png),
        &z.finish().unwrap(),
    )
}

/// A 600×400 PNG carrying a valid Display P3 profile of 4 MB (a long
/// copyright text), which compresses to a few KB inside the file.
pub fn big_profile_png() -> Vec<u8> {
    let mut profile = moxcms::ColorProfile::new_display_p3();
    profile.copyright = Some(moxcms::ProfileText::PlainString("©".repeat(2 << 20)));
    let icc = profile.encode().unwrap();
    assert!(icc.len() > 4_000_000);
    with_iccp(
        &encoded(&photo(600, 400), image::ImageFormat::Png),
        &zlib(&icc),
    )
}

/// A 64×64 JPEG whose frame header says 9999×10000.
pub fn lying_jpeg() -> Vec<u8> {
    let mut j = encoded(&photo(64, 64), image::ImageFormat::Jpeg);
    let sof = j.windows(2).position(|w| w == [0xff, 0xc0]).unwrap();
    j[sof + 5..sof + 9].copy_from_slice(&[0x27, 0x10, 0x27, 0x0f]);
    j
}

/// The first half of a 800×600 JPEG.
pub fn truncated_jpeg() -> Vec<u8> {
    let j = encoded(&photo(800, 600), image::ImageFormat::Jpeg);
    j[..j.len() / 2].to_vec()
}

/// The first half of a 300×200 GIF.
pub fn truncated_gif() -> Vec<u8> {
    let img = image::DynamicImage::ImageRgb8(photo(300, 200)).into_rgba8();
    let mut g = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut g), image::ImageFormat::Gif)
        .unwrap();
    g[..g.len() / 2].to_vec()
}

/// A PNG header declaring 100000×100000 pixels.
pub fn huge_png_header() -> Vec<u8> {
    let mut ihdr = 100_000u32.to_be_bytes().to_vec();
    ihdr.extend(100_000u32.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(chunk(b"IHDR", &ihdr));
    out.extend(chunk(b"IDAT", &zlib(&[0; 1000])));
    out.extend(chunk(b"IEND", &[]));
    out
}

/// The files hostile pages name (cases that are not hostile themselves).
pub const SUPPORT: [&str; 2] = ["site stylesheet", "site image"];

/// Every case. `huge_script_mb` sets the size of the one-line script (the
/// issue's case is 50).
pub fn cases(huge_script_mb: usize) -> Vec<Case> {
    let long = format!("{}.js", "l".repeat(246));
    let mut cases = vec![
        Case {
            name: "symlinked folder outside the input",
            path: "etc-link".into(),
            bytes: None,
            link: Some("/etc"),
            message: Some("symbolic link points outside the input folder"),
        },
        Case {
            name: "symlinked file outside the input",
            path: "passwd.txt".into(),
            bytes: None,
            link: Some("/etc/passwd"),
            message: Some("symbolic link points outside the input folder"),
        },
        case(
            "GIF frame of 20000×20000 on a 10×10 screen (35 B)",
            "img/gif-frame-bomb.gif",
            gif_frame_bomb(),
            Some("incomplete image"),
        ),
        case(
            "PNG iCCP inflating to 1 GiB (1 MB)",
            "img/iccp-bomb.png",
            iccp_bomb(),
            Some("colour profile inflates to more than 16 MB: dropped"),
        ),
        case(
            "PNG with a valid 4 MB ICC profile",
            "img/big-profile.png",
            big_profile_png(),
            None,
        ),
        case(
            "JPEG declaring 9999×10000 over 64×64 of data",
            "img/lying.jpg",
            lying_jpeg(),
            Some("incomplete image"),
        ),
        case(
            "truncated JPEG",
            "img/truncated.jpg",
            truncated_jpeg(),
            Some("incomplete image"),
        ),
        case(
            "truncated GIF",
            "img/truncated.gif",
            truncated_gif(),
            Some("incomplete image"),
        ),
        case(
            "PNG header of 100000×100000",
            "img/huge.png",
            huge_png_header(),
            Some("over the limit of"),
        ),
        case(
            "name of 246 bytes",
            &long,
            b"// one comment\nwindow.long = 1;\n".to_vec(),
            None,
        ),
        case(
            "one-line script over --max-text-size",
            "js/huge-line.js",
            huge_script(huge_script_mb),
            Some("over the limit of"),
        ),
        case(
            "1,000-term string concatenation",
            "js/flat.js",
            {
                let terms: Vec<String> = (0..1000).map(|i| format!("\"p{i}\"")).collect();
                format!("window.s = {};\n", terms.join(" + ")).into_bytes()
            },
            None,
        ),
        case(
            "100,000 nested brackets (JS)",
            "js/deep.js",
            format!("x = {}1{};\n", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
            Some("nesting deeper than"),
        ),
        case(
            "a million chained arrows",
            "js/arrows.js",
            format!("f = {}0;\n", "a=>".repeat(1_000_000)).into_bytes(),
            Some("nesting deeper than"),
        ),
        case(
            "100,000 nested blocks (CSS)",
            "css/deep.css",
            format!("{}color:red{}", "a{".repeat(100_000), "}".repeat(100_000)).into_bytes(),
            Some("nesting deeper than"),
        ),
        case(
            "syntax error",
            "js/syntax.js",
            b"let x = 1;\nlet = = 2;\n".to_vec(),
            Some("Expression expected"),
        ),
        case(
            "stylesheet not UTF-8",
            "css/latin1.css",
            b"/* caf\xe9 */ body { color: red }\n".to_vec(),
            Some("UTF-8"),
        ),
        case(
            "page in ISO-8859-1",
            "latin1.html",
            b"<!doctype html><meta charset=\"iso-8859-1\"><title>Caf\xe9</title>\
              <link rel=stylesheet href=\"css/site.css\"><img src=\"img/dot.png\" alt=\"\">\n"
                .to_vec(),
            None,
        ),
        case(
            "SVG in ISO-8859-1",
            "latin1.svg",
            b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n\
              <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"8\" height=\"8\"><title>caf\xe9</title>\
              <image href=\"img/dot.png\" width=\"8\" height=\"8\"/></svg>\n"
                .to_vec(),
            None,
        ),
        case(
            "root-absolute URL climbing above the root",
            "up.html",
            b"<!doctype html><link rel=stylesheet href=\"/../css/site.css\">\n".to_vec(),
            None,
        ),
    ];
    // What the pages name, so renaming is at stake.
    cases.push(case(
        "site stylesheet",
        "css/site.css",
        b"body { color: #123456; background: url(../img/dot.png) }\n".to_vec(),
        None,
    ));
    cases.push(case(
        "site image",
        "img/dot.png",
        encoded(&photo(8, 8), image::ImageFormat::Png),
        None,
    ));
    let images: String = cases
        .iter()
        .filter(|c| c.path.starts_with("img/"))
        .map(|c| format!("<img src=\"{}\" alt=\"\">\n", c.path))
        .collect();
    let scripts: String = cases
        .iter()
        .filter(|c| c.path.ends_with(".js"))
        .map(|c| format!("<script src=\"{}\"></script>\n", c.path))
        .collect();
    cases.push(case(
        "the page naming them",
        "index.html",
        format!(
            "<!doctype html><title>hostile</title>\n\
             <link rel=stylesheet href=\"css/site.css\"><link rel=stylesheet href=\"css/deep.css\">\n\
             {images}{scripts}"
        )
        .into_bytes(),
        None,
    ));
    cases
}

/// A script of `mb` MB on one line (a minified-looking statement repeated).
fn huge_script(mb: usize) -> Vec<u8> {
    let unit = b"window.a=(window.a||0)+[1,2,3].map(function(x){return x*2}).length;";
    let mut out = Vec::with_capacity(mb << 20);
    while out.len() < mb << 20 {
        out.extend_from_slice(unit);
    }
    out.push(b'\n');
    out
}

/// Writes `cases` into `dir`.
pub fn write(dir: &Path, cases: &[Case]) {
    for c in cases {
        let path = dir.join(&c.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        match (&c.bytes, c.link) {
            (Some(bytes), _) => std::fs::write(&path, bytes).unwrap(),
            (None, Some(target)) => {
                #[cfg(unix)]
                std::os::unix::fs::symlink(target, &path).unwrap();
            }
            (None, None) => {}
        }
    }
}
