//! Entry points for the fuzz targets in `fuzz/` (`cargo +nightly fuzz`):
//! one function per parser or rewriter that takes file bytes, each running
//! it as a build would, with every URL rewritten (so the rewriting paths
//! run too) and small limits. Not part of the supported API; compiled into
//! every build so the targets cannot drift from the code they exercise
//! (the unit tests below run each on a seed).

use std::collections::BTreeSet;

use crate::asset::JsFlavor;
use crate::config::Images;
use crate::id::Node;
use crate::placeholder::{self, Style};
use crate::transform::html::{self, Picture, Pictures};
use crate::transform::js::{JsOptions, RelativeTo};
use crate::transform::{css, image, js, nesting, webmanifest};

/// The nesting limit of the targets.
const MAX_DEPTH: usize = 1000;

/// The default browser targets, resolved once.
fn default_targets() -> crate::Targets {
    static TARGETS: std::sync::OnceLock<crate::Targets> = std::sync::OnceLock::new();
    TARGETS
        .get_or_init(|| {
            crate::Targets::from_query(crate::config::DEFAULT_TARGETS)
                .expect("the default targets are a valid query")
        })
        .clone()
}

/// Runs `f` on a stack as large as a worker's, as the pipeline does.
fn on_worker_stack<T>(f: impl FnOnce() -> T) -> T {
    stacker::grow(256 << 20, f)
}

/// Every URL without a scheme gets `!` appended.
fn mark(url: &str) -> Option<String> {
    (!url.contains(':')).then(|| format!("{url}!"))
}

/// JavaScript: the nesting pre-scan, reference collection and rewriting in
/// place, and minifying with references rewritten, as a module and as a
/// script.
pub fn js(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    on_worker_stack(|| {
        let rewrite = |url: &str, _: RelativeTo| mark(url);
        for flavor in [JsFlavor::Detect, JsFlavor::Script] {
            let _ = js::rewrite_source("f.js", src.to_string(), flavor, MAX_DEPTH, &rewrite);
            let opts = JsOptions {
                target: default_targets().js,
                source_map: true,
                max_depth: MAX_DEPTH,
            };
            let _ = js::minify(
                "f.js",
                src.to_string(),
                flavor,
                &opts,
                &mut |_| None,
                &rewrite,
            );
        }
    });
}

/// CSS: the nesting pre-scan, `url()` rewriting in place, and minifying
/// with URLs rewritten.
pub fn css(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    on_worker_stack(|| {
        let _ = css::rewrite_in_place(src, MAX_DEPTH, &mark);
        let opts = css::CssOptions {
            targets: default_targets().css,
            source_map: true,
            max_depth: MAX_DEPTH,
        };
        let _ = css::minify("f.css", src, &opts, &mut |_| None, &mut Vec::new(), &mark);
    });
}

/// A page (or, with `xml`, an SVG file): decoded by its declared encoding,
/// rewritten with picture markup and integrity values, encoded back.
pub fn html(data: &[u8], xml: bool) {
    on_worker_stack(|| {
        let Ok(decoded) = html::charset::decode(data, xml) else {
            return;
        };
        let find = |url: &str| {
            url.ends_with(".png").then(|| Picture {
                width: 640,
                height: 480,
                sources: vec![("image/webp".into(), format!("{url}-480w.webp 480w"))],
                img_srcset: Some(format!("{url}-480w.png 480w")),
                refs: vec![Node::new(1)],
            })
        };
        let pictures = Pictures {
            sizes: "",
            own_srcset: None,
            dimensions: true,
            style: "display:contents",
            find: &find,
        };
        let integrity = |url: &str| mark(url).map(|_| ("sha384-x".to_string(), true));
        let integrity = html::Integrity {
            add: true,
            cross_origin: true,
            find: &integrity,
        };
        let opts = html::Options {
            max_depth: MAX_DEPTH,
            pictures: Some(&pictures),
            integrity: Some(&integrity),
        };
        if let Ok((Some(new), _)) = html::rewrite(&decoded.text, &mark, &opts) {
            let _ = html::charset::encode(decoded.encoding, new);
        }
        let _ = html::base_href(&decoded.text);
    });
}

/// JSON: web app manifests and import maps, rewritten.
pub fn json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = webmanifest::rewrite(text, &mark);
    let _ = webmanifest::rewrite_import_map(text, &mark);
    let _ = webmanifest::references(text);
}

/// Source-map composition: a small script and a stylesheet minified with
/// `data` as their input map.
pub fn source_map(data: &[u8]) {
    on_worker_stack(|| {
        let opts = JsOptions {
            target: swc_core::ecma::ast::EsVersion::Es2020,
            source_map: true,
            max_depth: MAX_DEPTH,
        };
        let src = "export function add(a, b) {\n  return a + b;\n}\nconsole.log(add(1, 2));\n//# sourceMappingURL=f.js.map\n";
        let mut input = |_: Option<&str>| swc_sourcemap::SourceMap::from_slice(data).ok();
        let rewrite = |url: &str, _: RelativeTo| mark(url);
        let _ = js::minify(
            "f.js",
            src.into(),
            JsFlavor::Detect,
            &opts,
            &mut input,
            &rewrite,
        );
        let Ok(json) = std::str::from_utf8(data) else {
            return;
        };
        let css_opts = css::CssOptions {
            targets: default_targets().css,
            source_map: true,
            max_depth: MAX_DEPTH,
        };
        let mut input = |_: Option<&str>| parcel_sourcemap::SourceMap::from_json("/", json).ok();
        let css_src = ".a {\n  color: red;\n}\n/*# sourceMappingURL=f.css.map */\n";
        let _ = css::minify(
            "f.css",
            css_src,
            &css_opts,
            &mut input,
            &mut Vec::new(),
            &mark,
        );
    });
}

/// Images: the completeness checks, the bounded profile, and decoding,
/// resizing and encoding with small limits.
pub fn image(data: &[u8]) {
    let opts = Images {
        max_pixels: 1 << 20,
        widths: vec![16, 64],
        ..Images::default()
    };
    let (bounded, _) = image::bounded_profile(data, 1 << 20);
    let _ = image::process(&bounded, &opts);
}

/// Placeholders: found, decoded and replaced in arbitrary bytes, and made
/// for arbitrary nodes.
pub fn placeholders(data: &[u8]) {
    let style = Style::for_text(data);
    for width in [placeholder::capacity(8).max(8), 16, 64] {
        let _ = placeholder::replace(data, width, style, |_| None);
        for (_, node) in placeholder::find(data, width, style) {
            let made = placeholder::make(node, width, style);
            assert_eq!(made.len(), width);
        }
    }
    let _ = placeholder::replace_sri(data, style, |_| None);
}

/// URL resolution: `data` split at its first newline into the referrer and
/// the URL, resolved against a few files and two bases.
pub fn resolve(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (referrer, url) = text.split_once('\n').unwrap_or(("index.html", text));
    let files: BTreeSet<String> = ["index.html", "a/b.css", "a/c d.png", "x.js"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for base in ["/", "/static/"] {
        let _ = crate::resolve::resolve(referrer, url, base, &files);
    }
    let _ = crate::resolve::encode_path(url);
    let _ = crate::resolve::percent_decode(url);
}

/// The nesting pre-scans alone, with a small limit (so they are driven to
/// it).
pub fn nesting(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let _ = nesting::check_js(src, 16);
    let _ = nesting::check_css(src, 16);
}

/// A fuzz target: its name, its entry point, and the endings of the file
/// names of its seeds.
pub type Target = (&'static str, fn(&[u8]), &'static [&'static str]);

/// Every target.
pub const TARGETS: &[Target] = &[
    ("js", js, &[".js", ".mjs"]),
    ("css", css, &[".css"]),
    ("html", |d| html(d, false), &[".html", ".htm"]),
    ("svg", |d| html(d, true), &[".svg"]),
    ("json", json, &[".json", ".webmanifest"]),
    ("source_map", source_map, &[".map"]),
    ("image", image, &[".png", ".jpg", ".jpeg", ".gif", ".webp"]),
    ("placeholders", placeholders, &[".html", ".css", ".js"]),
    ("resolve", resolve, &[".html"]),
    ("nesting", nesting, &[".js", ".css"]),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// What CI runs of the fuzz targets without libFuzzer: every fixture of
    /// `testdata/` through the target of its kind, and every input a fuzzer
    /// once crashed on (`testdata/fuzz/<target>/`) through its target.
    #[test]
    fn every_target_takes_every_seed_and_every_past_crash() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
        let mut runs = 0;
        for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
            let entry = entry.unwrap();
            if !entry.file_type().is_file() || entry.metadata().unwrap().len() > 256 << 10 {
                continue;
            }
            let rel = entry
                .path()
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .to_string();
            let data = std::fs::read(entry.path()).unwrap();
            for (name, target, endings) in TARGETS {
                let past_crash = rel.starts_with(&format!("fuzz/{name}/"));
                if past_crash || endings.iter().any(|e| rel.ends_with(e)) {
                    target(&data);
                    runs += 1;
                }
            }
        }
        assert!(runs > 100, "{runs}");
    }

    #[test]
    fn every_entry_point_runs_on_a_seed() {
        js(b"import a from './a.js'; export const b = () => import('./b.js');");
        css(b"@import 'a.css'; .a { background: url(b.png) }");
        html(
            b"<meta charset=latin1><link rel=stylesheet href=a.css><img src=b.png>",
            false,
        );
        html(
            b"<svg xmlns='http://www.w3.org/2000/svg'><image href='a.png'/></svg>",
            true,
        );
        json(br#"{"icons": [{"src": "a.png"}], "imports": {"a": "./a.js"}}"#);
        source_map(br#"{"version":3,"sources":["a.ts"],"names":[],"mappings":"AAAA"}"#);
        let mut png = Vec::new();
        ::image::RgbImage::new(8, 8)
            .write_to(
                &mut std::io::Cursor::new(&mut png),
                ::image::ImageFormat::Png,
            )
            .unwrap();
        image(&png);
        placeholders(b"!~{00000000}~ and more");
        resolve(b"a/index.html\n../a/c%20d.png?x#y");
        nesting(b"a{b{c{}}} (((x)))");
    }
}
