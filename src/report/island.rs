//! The JSON island of `--report-html`: every output file as a compact row,
//! the references between them, the images with their variants, and the
//! baseline's per-file changes, for the page's script to draw from.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::details::Details;
use super::html::{base, dir};
use super::Report;

/// The JSON island the script draws from. Files are rows of
/// `[folder, output name, original name or "" when the same, kind, bytes
/// in, bytes out, gzip, brotli, why]` where `why` is 0 (renamed), a
/// 1-based index into `reasons` (kept), or -1 (an image variant).
pub(super) fn data(report: &Report, details: &Details) -> Value {
    let mut dirs: BTreeMap<&str, usize> = BTreeMap::new();
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &report.files {
        dirs.entry(dir(&f.output)).or_default();
        kinds.entry(f.kind).or_default();
    }
    for v in &details.variants {
        dirs.entry(dir(&v.output)).or_default();
    }
    kinds.entry("image").or_default();
    for (i, v) in dirs.values_mut().enumerate() {
        *v = i;
    }
    for (i, v) in kinds.values_mut().enumerate() {
        *v = i;
    }
    let mut reasons: Vec<&str> = Vec::new();
    let mut at: Vec<Value> = Vec::new();
    let mut rows: Vec<Value> = Vec::with_capacity(report.files.len() + details.variants.len());
    for f in &report.files {
        let why = match &f.kept {
            None => 0,
            Some(k) => {
                let label = k.label();
                let i = match reasons.iter().position(|r| *r == label) {
                    Some(i) => i,
                    None => {
                        reasons.push(label);
                        reasons.len() - 1
                    }
                };
                if let crate::keep::Kept::Navigation { at: w }
                | crate::keep::Kept::Mentioned { at: w } = k
                {
                    at.push(json!([rows.len(), w]));
                }
                i as i64 + 1
            }
        };
        let original = if f.path == f.output {
            ""
        } else if dir(&f.path) == dir(&f.output) {
            base(&f.path)
        } else {
            f.path.as_str()
        };
        let mut row = vec![
            json!(dirs[dir(&f.output)]),
            json!(base(&f.output)),
            json!(original),
            json!(kinds[f.kind]),
            json!(f.bytes_in),
            json!(f.bytes_out),
            json!(f.gzip_out.unwrap_or(0)),
            json!(f.br_out.unwrap_or(0)),
            json!(why),
        ];
        if f.status == crate::Status::Failed {
            row.push(json!(1));
        }
        rows.push(Value::from(row));
    }
    let mut images: BTreeMap<u32, Vec<Value>> = BTreeMap::new();
    for v in &details.variants {
        let i = rows.len();
        let source = &report.files[v.source as usize];
        rows.push(json!([
            dirs[dir(&v.output)],
            base(&v.output),
            base(&source.path),
            kinds["image"],
            0,
            v.bytes,
            0,
            0,
            -1
        ]));
        images.entry(v.source).or_default().push(json!([
            i,
            v.width,
            v.height,
            v.format.ext(),
            v.bytes,
            psnr(v.psnr)
        ]));
    }
    let (sizes, pictures) = (&details.image_sizes, &details.pictures);
    let shown: Vec<usize> = report
        .files
        .iter()
        .enumerate()
        .filter(|(i, f)| {
            images.contains_key(&(*i as u32))
                || (sizes.contains_key(&(*i as u32)) && f.bytes_out < f.bytes_in)
        })
        .map(|(i, _)| i)
        .collect();
    let image_rows: Vec<Value> = shown
        .into_iter()
        .map(|i| {
            let i = i as u32;
            let (w, h) = sizes.get(&i).copied().unwrap_or((0, 0));
            json!([
                i,
                w,
                h,
                images.remove(&i).unwrap_or_default(),
                pictures.get(&i).map_or("", String::as_str)
            ])
        })
        .collect();
    let refs: Vec<Value> = details
        .refs
        .iter()
        .map(|r| Value::from(r.clone()))
        .collect();
    let deltas: Vec<Value> = report
        .baseline
        .as_ref()
        .map(|d| {
            d.deltas
                .iter()
                .map(|x| json!([x.path, x.kind, x.old, x.new, x.delta]))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "dirs": dirs.keys().collect::<Vec<_>>(),
        "kinds": kinds.keys().collect::<Vec<_>>(),
        "reasons": reasons,
        "at": at,
        "files": rows,
        "refs": refs,
        "images": image_rows,
        "deltas": deltas,
    })
}

/// PSNR for the page: dB with one decimal, `"lossless"`, or null.
fn psnr(p: Option<f32>) -> Value {
    match p {
        Some(p) if p.is_finite() => json!((f64::from(p) * 10.0).round() / 10.0),
        Some(_) => json!("lossless"),
        None => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psnr_for_the_page() {
        assert_eq!(psnr(Some(38.26)), json!(38.3));
        assert_eq!(psnr(Some(f32::INFINITY)), json!("lossless"));
        assert_eq!(psnr(None), Value::Null);
    }
}
