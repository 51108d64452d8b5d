//! What the pipeline knows about one input file: where it is and what kind of
//! file it is. Produced by [`crate::discover`], consumed by every later stage.

use std::path::PathBuf;

use serde::Serialize;

use crate::error::Loc;
use crate::id::FileId;

/// The extension of the last segment of `rel`, lowercased
/// (`css/App.CSS` → `css`); empty when it has none (`LICENSE`, `.env`).
pub fn extension(rel: &str) -> String {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// Whether a JavaScript file is an ES module or a classic script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JsFlavor {
    /// `.mjs`: always parsed as an ES module.
    Module,
    /// `.cjs`: always parsed as a script (CommonJS).
    Script,
    /// `.js`: a module if it contains `import`/`export` syntax, else a script.
    Detect,
}

/// The kind of an input file, decided by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AssetKind {
    /// `.html`, `.htm`
    Html,
    /// `.css`
    Css,
    /// `.js`, `.mjs`, `.cjs`
    Js,
    /// `.map`
    SourceMap,
    /// `.webmanifest`
    WebManifest,
    /// `.svg`
    Svg,
    /// `.jpg`, `.jpeg`, `.png`, `.gif`, `.webp`, `.avif`, `.ico`
    Image,
    /// `.woff2`, `.woff`, `.ttf`, `.otf`, `.eot`
    Font,
    /// Anything else.
    Other,
}

/// The kind label (`js`, `css`, `image`…) of the file `path`, by its name.
pub fn kind_of(path: &str) -> &'static str {
    AssetKind::of(path).0.label()
}

impl AssetKind {
    /// Every kind, in the order the report lists them.
    pub const ALL: [AssetKind; 9] = [
        AssetKind::Html,
        AssetKind::Css,
        AssetKind::Js,
        AssetKind::SourceMap,
        AssetKind::WebManifest,
        AssetKind::Svg,
        AssetKind::Image,
        AssetKind::Font,
        AssetKind::Other,
    ];

    /// Classifies a file by its name.
    pub fn of(name: &str) -> (AssetKind, Option<JsFlavor>) {
        let ext = extension(name);
        match ext.as_str() {
            "html" | "htm" => (AssetKind::Html, None),
            "css" => (AssetKind::Css, None),
            "js" => (AssetKind::Js, Some(JsFlavor::Detect)),
            "mjs" => (AssetKind::Js, Some(JsFlavor::Module)),
            "cjs" => (AssetKind::Js, Some(JsFlavor::Script)),
            "map" => (AssetKind::SourceMap, None),
            "webmanifest" => (AssetKind::WebManifest, None),
            "svg" => (AssetKind::Svg, None),
            "jpg" | "jpeg" | "png" | "gif" | "webp" | "avif" | "ico" => (AssetKind::Image, None),
            "woff2" | "woff" | "ttf" | "otf" | "eot" => (AssetKind::Font, None),
            _ => (AssetKind::Other, None),
        }
    }

    /// The label used in the report table and in `--json`.
    pub fn label(self) -> &'static str {
        match self {
            AssetKind::Html => "html",
            AssetKind::Css => "css",
            AssetKind::Js => "js",
            AssetKind::SourceMap => "map",
            AssetKind::WebManifest => "webmanifest",
            AssetKind::Svg => "svg",
            AssetKind::Image => "image",
            AssetKind::Font => "font",
            AssetKind::Other => "other",
        }
    }

    /// Whether the kind is text that compresses, so gzip sizes are worth reporting.
    pub fn is_text(self) -> bool {
        !matches!(self, AssetKind::Image | AssetKind::Font)
    }
}

/// A URL one file loads, found by the parser of its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The URL as written (escapes of the host language decoded).
    pub url: String,
    /// Where it was written.
    pub loc: Loc,
    /// The path relative URLs resolve from: the file itself, or for a page
    /// with `<base href>`, a file in the base's folder.
    pub from: String,
    /// How the file loads it.
    pub load: Load,
    /// A link or a frame (`<a href>`, `<iframe src>`): navigated to, not
    /// loaded by the file.
    pub navigation: bool,
    /// Where it leads, resolved once, by the transform that found it.
    pub to: Located,
}

/// How a reference loads what it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
pub enum Load {
    /// With the file: a page's script or stylesheet, a `url()`, a worker,
    /// a `new URL(…, import.meta.url)`.
    #[default]
    With,
    /// A static `import`/`export … from`: a module loaded with the script.
    Import,
    /// A dynamic `import("…")`: loaded on demand.
    Call,
    /// A file of a bundler's preload list: loaded on demand, with the
    /// `import()` it is listed for rather than by one of its own.
    Preload,
}

impl Load {
    /// Loaded on demand rather than with the file.
    pub fn on_demand(self) -> bool {
        matches!(self, Load::Call | Load::Preload)
    }
}

/// Where a reference leads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum Located {
    /// A file of the input.
    File(FileId),
    /// A path in the input where there is no file.
    Missing(String),
    /// A path above the input root.
    OutsideRoot,
    /// Another site, the same document, or a folder: nothing to check.
    Elsewhere,
}

/// One input file found by the walk.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the input root, `/`-separated; also its output path.
    pub rel: String,
    /// Absolute path to read the bytes from.
    pub abs: PathBuf,
    /// Size in bytes when discovered.
    pub size: u64,
    /// What kind of file it is.
    pub kind: AssetKind,
    /// For JavaScript: module, script, or decide by content.
    pub js_flavor: Option<JsFlavor>,
}

/// A format variants can be written in.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    /// AV1 in HEIF (rav1e); slow to encode, about half WebP's bytes.
    Avif,
    /// Lossy WebP (libwebp).
    Webp,
    /// Baseline-compatible progressive JPEG.
    Jpeg,
    /// PNG, optimised by oxipng.
    Png,
}

impl ImageFormat {
    /// The file extension (and the `image/…` subtype).
    pub fn ext(self) -> &'static str {
        match self {
            ImageFormat::Avif => "avif",
            ImageFormat::Webp => "webp",
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Png => "png",
        }
    }

    /// The MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            ImageFormat::Avif => "image/avif",
            ImageFormat::Webp => "image/webp",
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Png => "image/png",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_extension_case_insensitively() {
        assert_eq!(
            AssetKind::of("a/b.MJS"),
            (AssetKind::Js, Some(JsFlavor::Module))
        );
        assert_eq!(
            AssetKind::of("x.cjs"),
            (AssetKind::Js, Some(JsFlavor::Script))
        );
        assert_eq!(AssetKind::of("app.js.map").0, AssetKind::SourceMap);
        assert_eq!(AssetKind::of("README").0, AssetKind::Other);
        assert_eq!(AssetKind::of("photo.JPEG").0, AssetKind::Image);
    }
}
