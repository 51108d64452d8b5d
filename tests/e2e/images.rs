//! Images from the corpus: an animated GIF keeps every frame, and the lossy
//! variants of the corpus photos keep their quality.

use std::io::Cursor;

use crate::util::{corpus, manifest, TestDir};

#[test]
fn animated_gif_keeps_every_frame() {
    let t = TestDir::new();
    let gif = std::fs::read(corpus().join("images/cases/animated-42-frames.gif")).unwrap();
    t.write("in/anim.gif", &gif);
    t.write("in/index.html", "<img src=\"anim.gif\" alt=\"\">");
    t.run(&["build", "in", "--out", "out", "--quiet"])
        .expect_code(0);
    assert_eq!(t.read_out("out", "anim.gif"), gif, "passed through");
    let m = manifest(&t.path("out"));
    assert!(m["assets"]["anim.gif"]["variants"].is_null());
    let page = t.read_out_string("out", "index.html");
    assert!(!page.contains("<picture"), "{page}");
    use image::AnimationDecoder;
    let frames = image::codecs::gif::GifDecoder::new(Cursor::new(t.read_out("out", "anim.gif")))
        .unwrap()
        .into_frames()
        .count();
    assert_eq!(frames, 42);
}

/// Peak signal-to-noise ratio of two RGB images of the same size, in dB.
fn psnr(a: &image::RgbImage, b: &image::RgbImage) -> f64 {
    let mse: f64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum::<f64>()
        / a.as_raw().len() as f64;
    10.0 * (255.0f64 * 255.0 / mse.max(1e-9)).log10()
}

#[test]
fn lossy_variants_of_the_corpus_photos_keep_their_quality() {
    let photos = corpus().join("images/photos");
    let t = TestDir::new();
    let run = t.run(&[
        "build",
        photos.to_str().unwrap(),
        "--out",
        "out",
        "--json",
        "--widths",
        "640,1280",
    ]);
    run.expect_code(0);
    let m = manifest(&t.path("out"));
    let mut checked = 0;
    for (name, e) in m["assets"].as_object().unwrap() {
        let source = image::open(photos.join(name)).unwrap();
        for v in e["variants"].as_array().unwrap() {
            let (w, h) = (
                v["width"].as_u64().unwrap() as u32,
                v["height"].as_u64().unwrap() as u32,
            );
            let reference = source
                .resize_exact(w, h, image::imageops::FilterType::Lanczos3)
                .to_rgb8();
            let variant =
                image::load_from_memory(&t.read(&format!("out/{}", v["file"].as_str().unwrap())))
                    .unwrap()
                    .to_rgb8();
            let db = psnr(&reference, &variant);
            assert!(db >= 30.0, "{name} {v}: {db:.1} dB");
            checked += 1;
        }
    }
    assert!(checked >= 26, "{checked} variants checked");
}
