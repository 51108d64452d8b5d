//! The nginx snippet: `location` blocks to `include` in the `server {}` that
//! serves the output, giving each class of file exactly one `Cache-Control`
//! (see [`super::headers::Class`]) and serving the precompressed copies.
//!
//! Hashed names are matched by their shape (`.<hex hash>.<ext>`, with `.map`
//! after it for source maps); a file that keeps its name but happens to have
//! that shape gets an exact `location =` of its own class. MIME types that
//! older `mime.types` lack are set per extension in nested locations, and
//! only for extensions the output has.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::headers::{Class, OutFile, IMAGE_EXTENSIONS};
use crate::asset::extension;
use crate::config::Config;
use crate::encoding::Encoding;
use crate::naming::{bundler_token, TokenShape};

/// MIME types the snippet sets itself: missing from the `mime.types` of
/// many nginx versions (`mjs`, `webmanifest`, `map`) or of older ones.
const MIME: &[(&str, &str)] = &[
    ("mjs", "text/javascript"),
    ("webmanifest", "application/manifest+json"),
    ("map", "application/json"),
    ("avif", "image/avif"),
    ("webp", "image/webp"),
    ("woff2", "font/woff2"),
];

/// Whether the last segment of `rel` has the shape of a hashed name of
/// `len` hex digits joined by `sep`, as the snippet's regex sees it.
pub fn has_hashed_shape(rel: &str, len: usize, sep: char) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let parts: Vec<&str> = name.split('.').collect();
    let n = parts.len();
    let is_hex =
        |p: &str| p.len() == len && p.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let hex = |i: usize| {
        i < n
            && match sep {
                '.' => i >= 1 && is_hex(parts[i]),
                _ => parts[i]
                    .rsplit_once(sep)
                    .is_some_and(|(stem, h)| !stem.is_empty() && is_hex(h)),
            }
    };
    // (A dot-joined hash is never the first part: `hex` checks.)
    hex(n - 1)
        || (n >= 2 && hex(n - 2) && !parts[n - 1].is_empty())
        || (n >= 3 && parts[n - 1] == "map" && hex(n - 3) && !parts[n - 2].is_empty())
}

/// The nginx regex of names a bundler hashed in `shape`: matched on the
/// last segment of the URI, as [`has_bundler_shape`] does.
fn bundler_regex(shape: TokenShape) -> String {
    match shape {
        TokenShape::Hex(n) => format!("[/.][0-9a-f]{{{n}}}(?:\\.[^./]+)+"),
        TokenShape::Dash8 => "-[A-Za-z0-9_-]{8}(?:\\.[^./]+)+".to_string(),
        TokenShape::Dot8 => "\\.[A-Za-z0-9_-]{8}(?:\\.[^./]+)+".to_string(),
    }
}

/// Whether the URI of `rel` matches [`bundler_regex`]`(shape)`.
pub fn has_bundler_shape(rel: &str, shape: TokenShape) -> bool {
    let name = format!("/{}", rel.rsplit('/').next().unwrap_or(rel));
    let b = name.as_bytes();
    // `(?:\.[^./]+)+$`: one extension or more, to the end.
    let tail =
        |t: &[u8]| t.first() == Some(&b'.') && t[1..].split(|&c| c == b'.').all(|p| !p.is_empty());
    let b64 = |c: &u8| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_';
    let hex = |c: &u8| matches!(c, b'0'..=b'9' | b'a'..=b'f');
    let (lead, len): (&[u8], usize) = match shape {
        TokenShape::Hex(n) => (b"/.", n),
        TokenShape::Dash8 => (b"-", 8),
        TokenShape::Dot8 => (b".", 8),
    };
    (0..b.len()).any(|p| {
        let token = b.get(p + 1..p + 1 + len);
        lead.contains(&b[p])
            && token.is_some_and(|t| match shape {
                TokenShape::Hex(_) => t.iter().all(hex),
                _ => t.iter().all(b64),
            })
            && tail(&b[p + 1 + len..])
    })
}

/// The shapes of the names a bundler hashed among the hashed `files` that
/// the snippet's own hashed location (`len` hex digits) does not match.
fn bundler_shapes(files: &[OutFile], len: usize, sep: char) -> BTreeSet<TokenShape> {
    files
        .iter()
        .filter(|f| f.hashed && !has_hashed_shape(&f.rel, len, sep))
        .filter_map(|f| bundler_token(f.rel.strip_suffix(".map").unwrap_or(&f.rel)))
        .map(|(_, shape)| shape)
        .collect()
}

/// The snippet for an output of `files`.
pub fn snippet(files: &[OutFile], config: &Config, out_name: &str) -> String {
    let len = config.hash_length;
    let sep = config.hash_separator.char();
    // Extensions per class: hashed, images, other (pages need no type).
    let mut exts: [BTreeSet<String>; 3] = Default::default();
    for f in files {
        match Class::of(f) {
            Class::Hashed => exts[0].insert(extension(&f.rel)),
            Class::Image => exts[1].insert(extension(&f.rel)),
            Class::Other => exts[2].insert(extension(&f.rel)),
            Class::Html => false,
        };
    }
    let precompressed = files.iter().any(|f| !f.encodings.is_empty());
    let brotli = config.nginx.brotli && precompressed;
    // gzip_vary marks only files with a .gz: with .br copies alone, the
    // plain and gzip responses need the Vary too.
    let br_only = brotli && !files.iter().any(|f| f.encodings.contains(&Encoding::Gzip));
    let base = config.base.as_str();
    let include_example = if base == "/" {
        format!(
            "#     server {{
#         listen 80;
#         root /srv/www/{out_name};
#         index index.html;
#         include /etc/nginx/snippets/{out_name}.nginx.conf;
#     }}"
        )
    } else {
        format!(
            "# The output is served under {base} (--base): include it in that location,
# marked ^~ so no regex location elsewhere takes its files:
#
#     server {{
#         listen 80;
#         location ^~ {base} {{
#             alias /srv/www/{out_name}/;
#             index index.html;
#             include /etc/nginx/snippets/{out_name}.nginx.conf;
#         }}
#     }}"
        )
    };

    let mut s = String::new();
    let _ = write!(
        s,
        "\
# nginx cache headers for the assetpress output `{out_name}`.
# Written by assetpress {version}: build again rather than edit.
#
# Include it inside the server {{}} block that serves the output, where
# `root` makes $uri name the output's files:
#
{include_example}
#
# The add_header trap: a location with an add_header of its own drops every
# add_header of the server and http blocks. Each location below sets
# Cache-Control, so headers you set at server level (HSTS, CSP, ...) are not
# sent for these files unless you list them in a file and name it in
# assetpress.toml: [nginx] include = \"/etc/nginx/snippets/headers.conf\";
# it is included in every location here.
#
# Exactly one Cache-Control per response: `expires off` keeps an `expires`
# of the server block from adding a second. These are regex locations,
# tried in order after exact (`location = /favicon.ico`) and `^~` prefix
# locations, and after regex locations written before this include: those
# take the files they match. They win over your other prefix locations
# (`location /api/`): mark those `^~` to keep them.
",
        version = env!("CARGO_PKG_VERSION"),
    );
    let common = |s: &mut String, class: Class, indent: &str| {
        let _ = writeln!(s, "{indent}expires off;");
        let _ = writeln!(
            s,
            "{indent}add_header Cache-Control \"{}\";",
            class.cache_control(&config.cache_control)
        );
        if class == Class::Hashed && config.public_url.is_some() {
            let _ = writeln!(
                s,
                "{indent}# Served to pages on another origin (--public-url): crossorigin loads need it."
            );
            let _ = writeln!(s, "{indent}add_header Access-Control-Allow-Origin \"*\";");
        }
        if let Some(include) = &config.nginx.include {
            let _ = writeln!(s, "{indent}include {};", quote(include));
        }
        if precompressed {
            let _ = writeln!(
                s,
                "{indent}gzip_static on;  # the .gz beside a file, with Vary: Accept-Encoding"
            );
            let _ = writeln!(s, "{indent}gzip_vary on;");
            if br_only {
                let _ = writeln!(s, "{indent}add_header Vary \"Accept-Encoding\";");
            }
            if brotli {
                let _ = writeln!(
                    s,
                    "{indent}brotli_static on;  # the .br beside a file (ngx_brotli)"
                );
            }
        }
        if class == Class::Hashed {
            let _ = writeln!(s, "{indent}try_files $uri =404;");
        }
    };
    let mime = |s: &mut String, class: Class, exts: &BTreeSet<String>| {
        for (ext, ty) in MIME {
            if exts.contains(*ext) {
                let _ = writeln!(s, "    location ~ \"\\.{ext}$\" {{");
                let _ = writeln!(s, "        types {{ }}");
                let _ = writeln!(s, "        default_type {ty};");
                if class == Class::Hashed {
                    let _ = writeln!(s, "        try_files $uri =404;");
                }
                let _ = writeln!(s, "    }}");
            }
        }
    };

    // Files that keep their names but look hashed: exact locations win.
    let shapes = bundler_shapes(files, len, sep);
    for f in files {
        let class = Class::of(f);
        let looks_hashed = has_hashed_shape(&f.rel, len, sep)
            || shapes.iter().any(|&shape| has_bundler_shape(&f.rel, shape));
        if class != Class::Hashed && looks_hashed {
            let _ = writeln!(
                s,
                "\n# Keeps its name, though it looks hashed.\nlocation = {} {{",
                quote(&format!("{}{}", config.base, f.rel))
            );
            common(&mut s, class, "    ");
            if let Some((_, ty)) = MIME.iter().find(|(e, _)| *e == extension(&f.rel)) {
                let _ = writeln!(s, "    types {{ }}\n    default_type {ty};");
            }
            s.push_str("}\n");
        }
    }

    let _ = writeln!(
        s,
        "\n# Content-hashed names never change: cached for good. A missing one is\n\
         # a 404, never a fallback page.\n\
         location ~ \"{}[0-9a-f]{{{len}}}(?:\\.[^./]+)?(?:\\.map)?$\" {{",
        if sep == '.' { "\\." } else { "-" }
    );
    common(&mut s, Class::Hashed, "    ");
    mime(&mut s, Class::Hashed, &exts[0]);
    s.push_str("}\n");
    if !shapes.is_empty() {
        let alternatives: Vec<String> = shapes.iter().map(|&shape| bundler_regex(shape)).collect();
        let _ = writeln!(
            s,
            "\n# Names a bundler content-hashed, kept as they are: cached for good too.\n\
             location ~ \"(?:{})$\" {{",
            alternatives.join("|")
        );
        common(&mut s, Class::Hashed, "    ");
        mime(&mut s, Class::Hashed, &exts[0]);
        s.push_str("}\n");
    }

    let _ = writeln!(
        s,
        "\n# Images that keep their names.\nlocation ~* \"\\.(?:{})$\" {{",
        IMAGE_EXTENSIONS.join("|")
    );
    common(&mut s, Class::Image, "    ");
    mime(&mut s, Class::Image, &exts[1]);
    s.push_str("}\n");

    s.push_str("\n# Pages (a folder's index.html too, by nginx's internal redirect).\nlocation ~* \"\\.html?$\" {\n");
    common(&mut s, Class::Html, "    ");
    s.push_str("}\n");

    // Other files that keep their names: only their type, and their
    // compressed copies; caching is left to the server.
    for (ext, ty) in MIME {
        if exts[2].contains(*ext) {
            let _ = writeln!(
                s,
                "\n# .{ext} files that keep their names: the type mime.types may lack.\nlocation ~ \"\\.{ext}$\" {{\n    types {{ }}\n    default_type {ty};"
            );
            if precompressed {
                s.push_str("    gzip_static on;\n    gzip_vary on;\n");
                if brotli {
                    s.push_str("    brotli_static on;\n");
                }
            }
            s.push_str("}\n");
        }
    }
    s
}

/// `text` as an nginx string: double-quoted, `"` and `\` escaped (neither
/// `location` nor `include` expands variables, so `$` stays as it is).
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_a_bundler_hashed_match_the_regex_of_their_shape() {
        use TokenShape::*;
        for (rel, shape) in [
            ("assets/lazy-C9F6QpFP.js", Dash8),
            ("assets/lazy-C9F6QpFP.js.map", Dash8),
            ("408.da5ecd07ff961d53e649.chunk.js", Hex(20)),
            ("da5ecd07ff961d53e649.js", Hex(20)),
            ("_astro/Counter.BIAAitoF.js", Dot8),
        ] {
            assert!(has_bundler_shape(rel, shape), "{rel}");
        }
        for (rel, shape) in [
            ("app-settings", Dash8),
            ("x-C9F6QpFP.", Dash8),
            ("a.da5ecd07ff961d53e649", Hex(20)),
            ("ada5ecd07ff961d53e649.js", Hex(20)),
        ] {
            assert!(!has_bundler_shape(rel, shape), "{rel}");
        }
        // A name that keeps its name but has the shape gets an exact location.
        let files = [
            OutFile {
                rel: "assets/lazy-C9F6QpFP.js".into(),
                hashed: true,
                encodings: Vec::new(),
            },
            OutFile {
                rel: "js/app-settings.js".into(),
                hashed: false,
                encodings: Vec::new(),
            },
        ];
        let s = snippet(&files, &Config::new("in", "out").unwrap(), "out");
        assert!(
            s.contains("location ~ \"(?:-[A-Za-z0-9_-]{8}(?:\\.[^./]+)+)$\" {"),
            "{s}"
        );
        assert!(s.contains("location = \"/js/app-settings.js\" {"), "{s}");
    }

    #[test]
    fn hashed_shapes() {
        for yes in [
            "app.3f2a9c1b.js",
            "a/b/app.min.3f2a9c1b.js",
            "app.3f2a9c1b.js.map",
            "LICENSE.3f2a9c1b",
            "hero-960w.3f2a9c1b.webp",
        ] {
            assert!(has_hashed_shape(yes, 8, '.'), "{yes}");
        }
        for no in [
            "app.js",
            "app.3F2A9C1B.js",
            "app.3f2a9c1.js",
            "3f2a9c1b.js",
            "app.3f2a9c1b.tar.gz",
            "app.3f2a9c1b..js",
        ] {
            assert!(!has_hashed_shape(no, 8, '.'), "{no}");
        }
    }

    #[test]
    fn snippet_sets_one_cache_control_per_class_and_only_needed_types() {
        let mut cfg = Config::new("in", "out").unwrap();
        cfg.nginx.brotli = true;
        let files = [
            OutFile {
                rel: "app.3f2a9c1b.mjs".into(),
                hashed: true,
                encodings: vec![crate::encoding::Encoding::Gzip],
            },
            OutFile {
                rel: "legacy.0badc0de.js".into(),
                hashed: false,
                encodings: vec![],
            },
        ];
        let s = snippet(&files, &cfg, "out");
        assert!(s.contains("location ~ \"\\.[0-9a-f]{8}(?:\\.[^./]+)?(?:\\.map)?$\" {"));
        assert!(s.contains("location = \"/legacy.0badc0de.js\" {"));
        assert!(s.contains("default_type text/javascript;"));
        assert!(!s.contains("image/avif"));
        assert!(s.contains("brotli_static on;"));
        assert_eq!(s.matches("try_files $uri =404;").count(), 2);
        assert!(!s.contains("Access-Control-Allow-Origin"));
        assert_eq!(quote("a\"b$c"), "\"a\\\"b$c\"");
    }
}
