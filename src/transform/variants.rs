//! The image variants of a run and the `<picture>` each image gets: the
//! variants the image transforms made are numbered after the input files
//! (so the hash stage treats each as one more file), and a page's plain
//! `<img>` of such an image is planned as a `<picture>` of them, with the
//! original standing in at its own width.

use crate::asset::{ImageFormat, SourceFile};
use crate::id::{FileId, Node};
use crate::naming::variant_name;
use crate::placeholder::Style;
use crate::transform::{html, image, Context, Transformed};

/// Every image variant of the run, numbered after the input files so the
/// hash stage treats each as one more file.
#[derive(Debug, Default, Clone)]
pub struct Variants {
    /// The variants, by image then width then format.
    pub list: Vec<VariantFile>,
    /// For each input file, the range of its variants in `list`.
    by_file: Vec<std::ops::Range<usize>>,
    /// Upright size of each input image.
    sizes: Vec<Option<(u32, u32)>>,
    /// Number of input files.
    first: usize,
}

/// One variant file.
#[derive(Debug, Clone)]
pub struct VariantFile {
    /// Its path before hashing: `images/hero-960w.webp`.
    pub rel: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Its format.
    pub format: ImageFormat,
    /// Its PSNR against the pixels it was made from, when measured.
    pub psnr: Option<f32>,
}

/// The path of a variant of the image `rel`, before hashing:
/// `images/hero-960w.webp`.
pub fn variant_rel(rel: &str, variant: &image::Variant) -> String {
    variant_name(rel, variant.width, variant.format.ext())
}

impl Variants {
    /// Numbers the variants the transforms made; `results` are by input file.
    pub fn collect<R>(files: &[SourceFile], results: &[Option<(Transformed, R)>]) -> Variants {
        let mut v = Variants {
            first: files.len(),
            ..Default::default()
        };
        for (file, r) in files.iter().zip(results) {
            let start = v.list.len();
            let info = r.as_ref().and_then(|(r, _)| r.image.as_ref());
            v.sizes.push(info.map(|i| (i.width, i.height)));
            for var in info.map(|i| i.variants.as_slice()).unwrap_or_default() {
                v.list.push(VariantFile {
                    rel: variant_rel(&file.rel, var),
                    width: var.width,
                    height: var.height,
                    format: var.format,
                    psnr: var.psnr,
                });
            }
            v.by_file.push(start..v.list.len());
        }
        v
    }

    /// The upright size of input image `id`, when it was processed.
    pub fn size_of(&self, id: FileId) -> Option<(u32, u32)> {
        self.sizes.get(id.index()).copied().flatten()
    }

    /// The node of variant `k` of the list.
    pub fn node(&self, k: usize) -> Node {
        Node::variant(self.first, k)
    }

    /// The variants of input file `id`, with their positions in the list.
    pub fn of(&self, id: FileId) -> impl Iterator<Item = (usize, &VariantFile)> {
        let range = self.by_file.get(id.index()).cloned().unwrap_or(0..0);
        range.map(move |k| (k, &self.list[k]))
    }
}

/// The `<picture>` of the image `url` (written in a page, resolving from
/// `from`) names, when it has variants (whether or not the image keeps its
/// own name).
pub(super) fn picture_for(
    ctx: &Context,
    from: &str,
    url: &str,
    style: Style,
) -> Option<html::Picture> {
    let variants = ctx.variants?;
    let id = ctx.rewriter.file(from, url)?;
    let (width, height) = variants.size_of(id)?;
    let rel = ctx.rewriter.rel(id);
    let modern = &ctx.config.images.formats;
    let mut sources: Vec<(String, String)> = Vec::new();
    let mut own: Vec<String> = Vec::new();
    let mut refs = Vec::new();
    for (k, v) in variants.of(id) {
        let node = variants.node(k);
        let text = format!(
            "{} {}w",
            ctx.rewriter.variant_url(url, &v.rel, node, style),
            v.width
        );
        refs.push(node);
        if modern.contains(&v.format) {
            let mime = v.format.mime().to_string();
            match sources.iter_mut().find(|(m, _)| *m == mime) {
                Some((_, set)) => {
                    set.push_str(", ");
                    set.push_str(&text);
                }
                None => sources.push((mime, text)),
            }
        } else {
            own.push(text);
        }
    }
    if refs.is_empty() {
        return None;
    }
    // The original stands in for its own format at full width: in that
    // format's <source> when it is a modern one (a WebP original), else in
    // the <img>'s srcset. A srcset candidate cannot hold a space.
    let ext = rel.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    let original_format = match ext.as_deref() {
        Some("jpg" | "jpeg") => Some(ImageFormat::Jpeg),
        Some("png") => Some(ImageFormat::Png),
        Some("webp") => Some(ImageFormat::Webp),
        _ => None,
    };
    let full = |f: ImageFormat| {
        variants
            .of(id)
            .any(|(_, v)| v.width == width && v.format == f)
    };
    let original = || -> String {
        let text = match ctx.rewriter.rewrite(from, url, style) {
            Some(r) => r.text,
            None => url
                .trim_matches(|c: char| c.is_ascii_whitespace())
                .to_string(),
        };
        format!("{} {width}w", text.replace(' ', "%20"))
    };
    match original_format {
        Some(f) if modern.contains(&f) => {
            if !full(f) {
                let candidate = original();
                match sources.iter_mut().find(|(m, _)| *m == f.mime()) {
                    Some((_, set)) => {
                        set.push_str(", ");
                        set.push_str(&candidate);
                    }
                    None => sources.push((f.mime().to_string(), candidate)),
                }
            }
        }
        _ => {
            let own_full = variants
                .of(id)
                .any(|(_, v)| v.width == width && !modern.contains(&v.format));
            if !own_full && !own.is_empty() {
                own.push(original());
            }
        }
    }
    // Modern formats in the order configured.
    sources.sort_by_key(|(m, _)| modern.iter().position(|f| f.mime() == m));
    Some(html::Picture {
        width,
        height,
        sources,
        img_srcset: (!own.is_empty()).then(|| own.join(", ")),
        refs,
    })
}
