//! `[images]` in `assetpress.toml`: what is done with raster images, which
//! are also the options of the image transform (and part of its cache key).

use serde::{Deserialize, Serialize};

use crate::asset::ImageFormat;

/// What is done with raster images (`[images]` in `assetpress.toml`). These
/// are also the options of the image transform, and part of its cache key.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Images {
    /// Process images at all (variants, optimisation). Default: true.
    pub enabled: bool,
    /// Make responsive variants; `false` only optimises the originals. Default: true.
    pub variants: bool,
    /// Convert variants to sRGB instead of embedding the source's colour profile. Default: false.
    pub srgb: bool,
    /// Widths of the responsive variants. Default: 480, 960, 1440, 1920.
    pub widths: Vec<u32>,
    /// Modern formats written besides the source's own. Default: webp.
    pub formats: Vec<ImageFormat>,
    /// Lossy quality per format. Default: webp 80, jpeg 80.
    pub quality: Quality,
    /// oxipng preset for PNGs, 0–6. Default: 2.
    pub png_level: u8,
    /// Largest image decoded, in pixels. Default: 100,000,000.
    pub max_pixels: u64,
    /// Largest colour profile embedded in a variant, in bytes: above it the
    /// variant is converted to sRGB instead. Default: 65,536.
    pub max_icc_bytes: usize,
    /// Give plain `<img>` tags the variants. Default: true.
    pub picture: bool,
    /// Write a `<picture>` around the `<img>` (a `<source>` per modern
    /// format, the image's own format as the fallback): `auto` only when a
    /// browser of `--targets` cannot show the modern formats (else the
    /// variants of the best format every target shows go in the `<img>`'s
    /// own `srcset`, and no selector such as `.card>img` or `img+p` can
    /// miss it); `always`. Default: `auto`.
    pub picture_element: PictureElement,
    /// Add `width` and `height` (the image's size) to an `<img>` given
    /// variants that has neither. They reserve its space before it loads,
    /// but CSS that sets only its width (`width: 100%`) then meets a fixed
    /// height and stretches it. Default: false.
    pub dimensions: bool,
    /// `sizes` of an `<img>` given variants that has none. Default: empty,
    /// meaning `(max-width: Wpx) 100vw, Wpx` with W the image's width, so
    /// that an image no CSS sizes keeps its own width.
    pub sizes: String,
    /// `style` of the `<picture>` written around an `<img>`. Default:
    /// `display:contents`, so the `<img>` stays the grid or flex item it was
    /// (set `""` under a Content-Security-Policy without `'unsafe-inline'`
    /// styles, and style `picture` in your CSS instead).
    pub picture_style: String,
    /// Colour (`#rrggbb`) a transparent image is flattened onto when
    /// `formats` asks for JPEG. Default: `#ffffff`.
    pub background: String,
    /// Measure each variant's PSNR against the pixels it was encoded from
    /// (shown by `--report-html`: a run that writes the report sets it). Not read from
    /// `assetpress.toml`. Default: false.
    #[serde(skip)]
    pub measure_quality: bool,
}

/// When an `<img>` given variants is wrapped in a `<picture>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PictureElement {
    /// Only when a browser of the targets cannot show the modern formats.
    Auto,
    /// Always.
    Always,
}

/// Lossy encoder quality, 0–100.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Quality {
    /// WebP. Default: 80.
    pub webp: f32,
    /// AVIF. Default: 60 (about WebP 80's look at half its bytes).
    pub avif: f32,
    /// JPEG. Default: 80.
    pub jpeg: u8,
}

impl Default for Quality {
    fn default() -> Self {
        Quality {
            webp: 80.0,
            avif: 60.0,
            jpeg: 80,
        }
    }
}

impl Default for Images {
    fn default() -> Self {
        Images {
            enabled: true,
            variants: true,
            srgb: false,
            widths: vec![480, 960, 1440, 1920],
            formats: vec![ImageFormat::Webp],
            quality: Quality::default(),
            png_level: 2,
            max_pixels: 100_000_000,
            max_icc_bytes: 65_536,
            picture: true,
            picture_element: PictureElement::Auto,
            dimensions: false,
            sizes: String::new(),
            picture_style: "display:contents".into(),
            background: "#ffffff".into(),
            measure_quality: false,
        }
    }
}

impl Images {
    /// `background` as bytes (validated by [`Config::validate`]; white if not).
    pub fn background_rgb(&self) -> [u8; 3] {
        parse_color(&self.background).unwrap_or([255, 255, 255])
    }
}

/// `#rrggbb` as bytes.
pub(super) fn parse_color(s: &str) -> Option<[u8; 3]> {
    let hex = s.trim().strip_prefix('#')?;
    if hex.len() != 6 {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}
