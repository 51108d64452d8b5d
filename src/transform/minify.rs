//! Minifying JS and CSS: the file read as UTF-8, its input source map found
//! and read for composing, the language's minifier run with the file's
//! references rewritten, and the result (or the error) recorded in its
//! [`Transformed`]. A file is never made bigger: when the minified output,
//! with the comment naming its map, is not smaller, the file keeps its input
//! with only its references rewritten. A file minified already gets no map
//! unless it brings one of its own.

use crate::asset::{AssetKind, JsFlavor, SourceFile};
use crate::encoding::gzip_size;
use crate::error::{require_utf8, Diagnostic, Severity};
use crate::naming::MapComment;
use crate::naming::{name_fits, NAME_MAX};
use crate::placeholder::Style;
use crate::transform::error::TransformError;
use crate::transform::kinds::{
    js_reference, js_rewrite_from, left_alone, reference, rewrite_code, rewrite_from,
};
use crate::transform::sourcemap::{self, MapRef};
use crate::transform::{css, diagnostic, js, Context, LeftAsIs, Status, Transformed};

/// Minifies a JS or CSS file into `out`.
pub(super) fn minify_text(file: &SourceFile, ctx: &Context, out: &mut Transformed) {
    let bytes = match std::fs::read(&file.abs) {
        Ok(b) => b,
        Err(e) => {
            out.status = Status::Failed;
            let e = TransformError::new(format!("cannot read: {e}"));
            out.diagnostics.push(diagnostic(file, Severity::Error, e));
            return;
        }
    };
    let src = match require_utf8(&file.rel, &bytes) {
        Ok(s) => s,
        Err(d) => {
            out.status = Status::Failed;
            out.diagnostics.push(d);
            return;
        }
    };
    let style = Style::for_text(src.as_bytes());
    // A map of code minified already leads into code no one reads: such a
    // file gets one only to carry its own map on (known once it is parsed;
    // with no `sourceMappingURL` and no map beside it, there is none).
    let minified_already = looks_minified(src);
    let new_map_rel = format!("{}.map", file.rel);
    // A hashed name always leaves room for `.map` (see `keep::NameTooLong`);
    // a kept one of 252 bytes or more does not.
    let map_fits = name_fits(&file.rel, ".map".len());
    if ctx.config.source_maps && !map_fits {
        let e = TransformError::new(format!(
            "no source map: its name would be longer than {NAME_MAX} bytes"
        ));
        out.diagnostics.push(diagnostic(file, Severity::Warning, e));
    }
    let source_maps = ctx.config.source_maps
        && map_fits
        && (!minified_already
            || src.contains("sourceMappingURL")
            || ctx.files.contains(&new_map_rel));
    let mut own_map = false;
    let mut warnings = Vec::new();
    let mut replaces = None;
    // Finds the file's input map and, when maps are written, reads it rebased.
    let mut find_map = |url: Option<&str>| -> Option<(MapRef, Option<String>)> {
        let found = match sourcemap::locate(&file.rel, url, &ctx.config.base, ctx.files) {
            Ok(found) => found?,
            Err(w) => {
                if source_maps {
                    warnings.push(diagnostic(file, Severity::Warning, w));
                }
                return None;
            }
        };
        own_map = true;
        // Only a map is left out for the new one: a `sourceMappingURL`
        // naming a script or a page does not drop that file.
        if let MapRef::File(m) = &found {
            if AssetKind::of(m).0 == AssetKind::SourceMap {
                replaces = Some(m.clone());
            }
        }
        if !source_maps {
            return None;
        }
        let json = match &found {
            MapRef::File(m) => match sourcemap::read_rebased(ctx.root, m, &new_map_rel) {
                Ok(j) => Some(j),
                Err(w) => {
                    warnings.push(diagnostic(file, Severity::Warning, w));
                    None
                }
            },
            MapRef::DataUrl(_) => None,
        };
        Some((found, json))
    };
    let mut map_warnings = Vec::new();
    let mut references = Vec::new();
    let mut unresolvable = js::Unresolvable::default();
    let result = match file.kind {
        AssetKind::Js => {
            let opts = js::JsOptions {
                target: ctx.config.targets.js,
                source_map: source_maps,
                max_depth: ctx.config.limits.max_nesting_depth,
            };
            let mut load = |url: Option<&str>| {
                let (found, json) = find_map(url)?;
                let parsed = match (&found, json) {
                    (_, Some(json)) => swc_sourcemap::SourceMap::from_slice(json.as_bytes())
                        .map_err(|e| e.to_string()),
                    (MapRef::DataUrl(u), None) => match swc_sourcemap::decode_data_url(u) {
                        Ok(swc_sourcemap::DecodedMap::Regular(m)) => Ok(m),
                        Ok(_) => Err("indexed or Hermes maps are not supported".to_string()),
                        Err(e) => Err(e.to_string()),
                    },
                    _ => return None,
                };
                parsed
                    .map_err(|e| map_warnings.push(unreadable_map(file, &found, &e)))
                    .ok()
            };
            let flavor = file.js_flavor.unwrap_or(JsFlavor::Detect);
            let rewrite = js_rewrite_from(ctx, &file.rel, style);
            let r = js::minify(
                &file.rel,
                src.to_string(),
                flavor,
                &opts,
                &mut load,
                &rewrite,
            );
            r.map(|o| {
                references.extend(o.references.into_iter().map(|r| js_reference(ctx, file, r)));
                unresolvable = o.unresolvable;
                warnings.extend(left_alone(file, o.left_alone));
                (o.code, o.map)
            })
        }
        AssetKind::Css => {
            let opts = css::CssOptions {
                targets: ctx.config.targets.css,
                source_map: source_maps,
                max_depth: ctx.config.limits.max_nesting_depth,
            };
            let mut css_warnings = Vec::new();
            let mut load = |url: Option<&str>| {
                let (found, json) = find_map(url)?;
                let parsed = match (&found, json) {
                    (_, Some(json)) => parcel_sourcemap::SourceMap::from_json("/", &json),
                    (MapRef::DataUrl(u), None) => {
                        parcel_sourcemap::SourceMap::from_data_url("/", u)
                    }
                    _ => return None,
                };
                parsed
                    .map_err(|e| map_warnings.push(unreadable_map(file, &found, &format!("{e:?}"))))
                    .ok()
            };
            let rewrite = rewrite_from(ctx, &file.rel, style);
            let r = css::minify(
                &file.rel,
                src,
                &opts,
                &mut load,
                &mut css_warnings,
                &rewrite,
            )
            .map(|o| {
                references.extend(
                    o.references
                        .into_iter()
                        .map(|r| reference(ctx, file, r.url, r.loc)),
                );
                (o.code, o.map)
            });
            out.diagnostics.extend(
                css_warnings
                    .into_iter()
                    .map(|w| diagnostic(file, Severity::Warning, w)),
            );
            r
        }
        _ => return,
    };
    match result {
        Ok((code, map)) => {
            let map = map.filter(|_| own_map || !minified_already);
            let map_comment = map.as_ref().map(|_| match file.kind {
                AssetKind::Css => MapComment::Css,
                _ => MapComment::Js,
            });
            let naming = ctx.rewriter.naming();
            let comment = map_comment.map_or(0, |c| naming.map_comment_len(c, &file.rel));
            let beats = |other: &[u8]| smaller(&code, comment, other);
            // The minified output has the longer names of renamed files
            // already: when it does not beat the input as it is, it is
            // weighed against the input with its references rewritten too.
            if !beats(&bytes) {
                let mut input = Transformed::copied();
                if rewrite_code(file, ctx, &mut input, false)
                    && !beats(input.bytes.as_deref().unwrap_or(&bytes))
                {
                    // Nothing of the minified output is kept: not its map,
                    // nor the warnings about composing it.
                    out.diagnostics.append(&mut input.diagnostics);
                    out.bytes = input.bytes;
                    out.style = input.style;
                    out.references = input.references;
                    out.unresolvable = input.unresolvable;
                    out.status = Status::Copied;
                    out.left_as_is = Some(LeftAsIs::NotSmaller);
                    return;
                }
            }
            out.diagnostics.append(&mut warnings);
            out.diagnostics.append(&mut map_warnings);
            out.style = style;
            out.map_comment = map_comment;
            out.references = references;
            out.unresolvable = unresolvable;
            out.bytes = Some(code);
            out.map = map;
            out.replaces_map = replaces;
            out.status = Status::Minified;
        }
        Err(e) => {
            out.diagnostics.append(&mut warnings);
            out.diagnostics.append(&mut map_warnings);
            out.status = Status::Failed;
            out.diagnostics.push(diagnostic(file, Severity::Error, e));
        }
    }
}

/// Whether minified `code` and a map comment of `comment` bytes are
/// smaller than `input`, as written and as served: in bytes, and, unless
/// they save a quarter or more, after gzip -9 too (a comment naming a map
/// compresses badly: it can make a file that was minified already larger
/// on the wire).
fn smaller(code: &[u8], comment: usize, input: &[u8]) -> bool {
    let size = code.len() + comment;
    size < input.len()
        && (size * 4 <= input.len() * 3 || gzip_size(code) + (comment as u64) < gzip_size(input))
}

/// Whether `text` reads as minified code: lines of 200 bytes or more on
/// average. Code written by people, libraries' readable builds included,
/// averages 11 to 70 bytes a line in the real-world corpus; minifiers put
/// a whole file on a line or a few. A file shorter than that cannot be
/// told, but there the comment naming a map weighs enough that minifying
/// rarely wins.
fn looks_minified(text: &str) -> bool {
    let lines = text.lines().count().max(1);
    text.len() / lines >= 200
}

fn unreadable_map(file: &SourceFile, found: &MapRef, e: &str) -> Diagnostic {
    let which = match found {
        MapRef::File(m) => m.as_str(),
        MapRef::DataUrl(_) => "(inline)",
    };
    let e = TransformError::new(format!(
        "input source map {which} cannot be read ({e}); not composed"
    ));
    diagnostic(file, Severity::Warning, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_minified_already_is_told_by_the_length_of_its_lines() {
        assert!(looks_minified(&format!("{};\n", "f(a,b)".repeat(40))));
        assert!(looks_minified(&format!(
            "{}\n//# sourceMappingURL=a.js.map\n",
            "x".repeat(600)
        )));
        assert!(!looks_minified("function f(a, b) {\n  return a + b;\n}\n"));
        assert!(!looks_minified(&"a { color: red }\n".repeat(100)));
        // Too short to tell.
        assert!(!looks_minified("f();"));
        assert!(!looks_minified(""));
    }
}
