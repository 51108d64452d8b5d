//! The transform cache's entries: a text transform's [`Transformed`] and an
//! image's [`Outcome`], each stored as one [`Entry`] whose `meta` is the
//! serde_json of an entry type below and whose blobs are the byte strings
//! (output, map, encoded images) in the order the entry says. An entry that
//! does not read as its type (one from an older build) is a miss: the file
//! is transformed again.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::asset::{ImageFormat, Load, Located, Reference};
use crate::cache::Entry;
use crate::error::{Diagnostic, Loc, Severity};
use crate::id::Node;
use crate::naming::MapComment;
use crate::placeholder::Style;
use crate::transform::error::TransformError;
use crate::transform::image::{Outcome, Processed, Variant};
use crate::transform::js::Unresolvable;
use crate::transform::{LeftAsIs, Status, Transformed};

/// A text transform's result, but for its bytes and map (the blobs).
#[derive(Serialize, Deserialize)]
struct TextEntry {
    /// Whether the output's bytes are the first blob.
    bytes: bool,
    /// Whether a source map is the next blob.
    map: bool,
    replaces_map: Option<String>,
    status: Status,
    left_as_is: Option<LeftAsIs>,
    diagnostics: Vec<DiagnosticEntry>,
    references: Vec<ReferenceEntry>,
    unresolvable: Unresolvable,
    variant_refs: Vec<Node>,
    linked_manifests: Vec<String>,
    /// [`Style::index`].
    style: u8,
    map_comment: Option<MapCommentEntry>,
}

/// A [`Diagnostic`] (which only serialises, for the report).
#[derive(Serialize, Deserialize)]
struct DiagnosticEntry {
    path: String,
    /// Line and column.
    loc: Option<(u32, u32)>,
    error: bool,
    message: String,
}

/// A [`Reference`].
#[derive(Serialize, Deserialize)]
struct ReferenceEntry {
    url: String,
    line: u32,
    col: u32,
    from: String,
    load: Load,
    navigation: bool,
    to: Located,
}

/// A [`MapComment`].
#[derive(Serialize, Deserialize)]
enum MapCommentEntry {
    Js,
    Css,
}

/// A text transform's result as a cache entry.
pub fn encode_text(t: &Transformed) -> Entry {
    let meta = TextEntry {
        bytes: t.bytes.is_some(),
        map: t.map.is_some(),
        replaces_map: t.replaces_map.clone(),
        status: t.status,
        left_as_is: t.left_as_is,
        diagnostics: t
            .diagnostics
            .iter()
            .map(|d| DiagnosticEntry {
                path: d.path.clone(),
                loc: d.loc.map(|l| (l.line, l.col)),
                error: d.severity == Severity::Error,
                message: d.message.clone(),
            })
            .collect(),
        references: t
            .references
            .iter()
            .map(|r| ReferenceEntry {
                url: r.url.clone(),
                line: r.loc.line,
                col: r.loc.col,
                from: r.from.clone(),
                load: r.load,
                navigation: r.navigation,
                to: r.to.clone(),
            })
            .collect(),
        unresolvable: t.unresolvable,
        variant_refs: t.variant_refs.clone(),
        linked_manifests: t.linked_manifests.clone(),
        style: t.style.index(),
        map_comment: t.map_comment.map(|c| match c {
            MapComment::Js => MapCommentEntry::Js,
            MapComment::Css => MapCommentEntry::Css,
        }),
    };
    Entry {
        meta: serde_json::to_vec(&meta).unwrap_or_default(),
        blobs: t.bytes.iter().chain(&t.map).cloned().collect(),
    }
}

/// The [`Transformed`] of a cache entry of [`encode_text`]; `None` if it
/// does not read as one.
pub fn decode_text(entry: Entry) -> Option<Transformed> {
    let m: TextEntry = serde_json::from_slice(&entry.meta).ok()?;
    let mut blobs = entry.blobs.into_iter();
    let bytes = if m.bytes { Some(blobs.next()?) } else { None };
    let map = if m.map { Some(blobs.next()?) } else { None };
    let loc = |(line, col): (u32, u32)| Loc { line, col };
    Some(Transformed {
        bytes,
        map,
        replaces_map: m.replaces_map,
        status: m.status,
        left_as_is: m.left_as_is,
        diagnostics: m
            .diagnostics
            .into_iter()
            .map(|d| {
                let at = d.loc.map(loc);
                if d.error {
                    Diagnostic::error(&d.path, at, d.message)
                } else {
                    Diagnostic::warning(&d.path, at, d.message)
                }
            })
            .collect(),
        references: m
            .references
            .into_iter()
            .map(|r| Reference {
                url: r.url,
                loc: loc((r.line, r.col)),
                from: r.from,
                load: r.load,
                navigation: r.navigation,
                to: r.to,
            })
            .collect(),
        unresolvable: m.unresolvable,
        image: None,
        variant_refs: m.variant_refs,
        linked_manifests: m.linked_manifests,
        style: Style::from_index(m.style),
        map_comment: m.map_comment.map(|c| match c {
            MapCommentEntry::Js => MapComment::Js,
            MapCommentEntry::Css => MapComment::Css,
        }),
        time: Duration::ZERO,
    })
}

/// What became of an image, but for the encoded files (the blobs: the new
/// original first, when there is one, then the variants').
#[derive(Serialize, Deserialize)]
enum ImageEntry {
    /// Passed through with this warning.
    Warning(String),
    /// Passed through, as is done with it (an animation, an icon).
    Untouched,
    /// Processed.
    Processed {
        width: u32,
        height: u32,
        original: bool,
        variants: Vec<VariantEntry>,
    },
}

/// A [`Variant`] but for its bytes.
#[derive(Serialize, Deserialize)]
struct VariantEntry {
    width: u32,
    height: u32,
    format: ImageFormat,
    /// PSNR in tenths of a dB (as measured), `u32::MAX` for the same pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    psnr: Option<u32>,
}

/// An image's [`Outcome`] as a cache entry.
pub fn encode_image(outcome: &Outcome) -> Entry {
    let (meta, blobs) = match outcome {
        Err(e) => (ImageEntry::Warning(e.message.clone()), Vec::new()),
        Ok(None) => (ImageEntry::Untouched, Vec::new()),
        Ok(Some(p)) => (
            ImageEntry::Processed {
                width: p.width,
                height: p.height,
                original: p.original.is_some(),
                variants: p
                    .variants
                    .iter()
                    .map(|v| VariantEntry {
                        width: v.width,
                        height: v.height,
                        format: v.format,
                        psnr: v.psnr.map(|p| {
                            if p.is_finite() {
                                (p.max(0.0) * 10.0).round() as u32
                            } else {
                                u32::MAX
                            }
                        }),
                    })
                    .collect(),
            },
            p.original
                .iter()
                .chain(p.variants.iter().map(|v| &v.bytes))
                .cloned()
                .collect(),
        ),
    };
    Entry {
        meta: serde_json::to_vec(&meta).unwrap_or_default(),
        blobs,
    }
}

/// The [`Outcome`] a cache entry of [`encode_image`] holds; `None` if it
/// does not read as one.
pub fn decode_image(entry: Entry) -> Option<Outcome> {
    let meta: ImageEntry = serde_json::from_slice(&entry.meta).ok()?;
    let (width, height, original, variants) = match meta {
        ImageEntry::Warning(message) => return Some(Err(TransformError::new(message))),
        ImageEntry::Untouched => return Some(Ok(None)),
        ImageEntry::Processed {
            width,
            height,
            original,
            variants,
        } => (width, height, original, variants),
    };
    let mut blobs = entry.blobs.into_iter();
    let original = if original { Some(blobs.next()?) } else { None };
    let variants = variants
        .into_iter()
        .map(|v| {
            Some(Variant {
                width: v.width,
                height: v.height,
                format: v.format,
                bytes: blobs.next()?,
                psnr: v.psnr.map(|p| match p {
                    u32::MAX => f32::INFINITY,
                    p => p as f32 / 10.0,
                }),
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Ok(Some(Processed {
        width,
        height,
        original,
        variants,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::FileId;

    #[test]
    fn a_text_result_reads_back_as_it_was() {
        let t = Transformed {
            bytes: Some(b"code".to_vec()),
            map: Some(b"{}".to_vec()),
            replaces_map: Some("a.js.map".into()),
            status: Status::Copied,
            left_as_is: Some(LeftAsIs::NotSmaller),
            diagnostics: vec![
                Diagnostic::warning("a.js", Some(Loc { line: 2, col: 3 }), "w"),
                Diagnostic::error("a.js", None, "e"),
            ],
            references: vec![Reference {
                url: "./b.js".into(),
                loc: Loc { line: 1, col: 8 },
                from: "a.js".into(),
                load: Load::Preload,
                navigation: true,
                to: Located::File(FileId::new(4)),
            }],
            unresolvable: Unresolvable {
                bare: 1,
                computed: 2,
            },
            variant_refs: vec![Node::new(7)],
            linked_manifests: vec!["m.json".into()],
            style: Style::from_index(1),
            map_comment: Some(MapComment::Css),
            ..Transformed::copied()
        };
        let back = decode_text(encode_text(&t)).unwrap();
        assert_eq!(format!("{back:?}"), format!("{t:?}"));
        let copied = Transformed::copied();
        let back = decode_text(encode_text(&copied)).unwrap();
        assert_eq!(format!("{back:?}"), format!("{copied:?}"));
    }

    #[test]
    fn an_image_outcome_reads_back_as_it_was() {
        let processed: Outcome = Ok(Some(Processed {
            width: 10,
            height: 5,
            original: Some(vec![1]),
            variants: vec![Variant {
                width: 4,
                height: 2,
                format: ImageFormat::Webp,
                bytes: vec![2, 3],
                psnr: Some(38.3),
            }],
        }));
        for outcome in [processed, Ok(None), Err(TransformError::new("too big"))] {
            let back = decode_image(encode_image(&outcome)).unwrap();
            assert_eq!(format!("{back:?}"), format!("{outcome:?}"));
        }
    }

    #[test]
    fn an_entry_of_another_shape_is_a_miss() {
        let old = Entry {
            meta: br#"{"width":1,"height":1,"original":false,"variants":[]}"#.to_vec(),
            blobs: Vec::new(),
        };
        assert!(decode_image(old.clone()).is_none());
        assert!(decode_text(old).is_none());
    }
}
