//! What `--report-html` shows beyond the report itself, gathered at the
//! end of a run: which written file references which, each image's
//! variants with their quality, and the `<picture>` markup a page got for
//! it (read back from the written pages).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

use aho_corasick::AhoCorasick;

use crate::asset::{ImageFormat, SourceFile};
use crate::graph::Graph;
use crate::hash::Output;
use crate::id::FileId;
use crate::report::html::base as file_name;
use crate::report::FileReport;
use crate::resolve::{resolve, Target};
use crate::transform::variants::Variants;

/// The most `<picture>` markup kept for one image, in bytes.
const MAX_PICTURE: usize = 4096;
/// Pages larger than this are not read back for pictures.
const MAX_PAGE: u64 = 64 << 20;

/// The report's extra data for `--report-html`.
#[derive(Debug, Default, Clone)]
pub struct Details {
    /// For each file of [`crate::Report::files`], the files of that list it
    /// references (indices, sorted).
    pub refs: Vec<Vec<u32>>,
    /// Every image variant written, by image then width then format.
    pub variants: Vec<VariantDetail>,
    /// Upright size of each processed image, by index into the files.
    pub image_sizes: BTreeMap<u32, (u32, u32)>,
    /// The first `<picture>` written for an image, by index into the files.
    pub pictures: BTreeMap<u32, String>,
}

/// One variant of an image.
#[derive(Debug, Clone)]
pub struct VariantDetail {
    /// The image it was made from (index into the files).
    pub source: u32,
    /// Its path in the output.
    pub output: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Its format.
    pub format: ImageFormat,
    /// Its size in bytes.
    pub bytes: u64,
    /// PSNR in dB against the pixels it was made from (infinite: the same).
    pub psnr: Option<f32>,
}

impl Details {
    /// Gathers the details of a run whose files (in `reports`, by path)
    /// were written under `out`, served under the public path `base`.
    pub fn collect(
        files: &[SourceFile],
        graph: &Graph,
        variants: &Variants,
        variant_outputs: &[Output],
        reports: &[FileReport],
        out: &Path,
        base: &str,
    ) -> Details {
        let index: HashMap<&str, u32> = reports
            .iter()
            .enumerate()
            .map(|(i, f)| (f.path.as_str(), i as u32))
            .collect();
        let mut refs = vec![Vec::new(); reports.len()];
        let mut image_sizes = BTreeMap::new();
        let mut list = Vec::new();
        for (id, file) in FileId::all(files.len()).zip(files) {
            let Some(&i) = index.get(file.rel.as_str()) else {
                continue;
            };
            let mut to: Vec<u32> = graph
                .edges
                .get(id.index())
                .into_iter()
                .flatten()
                .filter_map(|j| index.get(files[j.index()].rel.as_str()).copied())
                .collect();
            to.sort_unstable();
            to.dedup();
            refs[i as usize] = to;
            if let Some(size) = variants.size_of(id) {
                image_sizes.insert(i, size);
            }
            for (k, v) in variants.of(id) {
                let Some(output) = variant_outputs.get(k) else {
                    continue;
                };
                list.push(VariantDetail {
                    source: i,
                    output: output.rel.clone(),
                    width: v.width,
                    height: v.height,
                    format: v.format,
                    bytes: output.size,
                    psnr: v.psnr,
                });
            }
        }
        let pictures = pictures(out, base, reports, &list);
        Details {
            refs,
            variants: list,
            image_sizes,
            pictures,
        }
    }
}

/// The first `<picture>` (or `<img srcset>`) markup the written pages hold
/// for each image with variants: each place a variant's file name is
/// written is taken as a URL and resolved from its page as the build
/// resolves references ([`resolve`], under the public path `base`), so
/// only a URL of that very variant counts.
fn pictures(
    out: &Path,
    base: &str,
    reports: &[FileReport],
    variants: &[VariantDetail],
) -> BTreeMap<u32, String> {
    let by_output: HashMap<&str, u32> = variants
        .iter()
        .map(|v| (v.output.as_str(), v.source))
        .collect();
    let outputs: BTreeSet<String> = by_output.keys().map(|o| o.to_string()).collect();
    let names: BTreeSet<&str> = by_output.keys().map(|o| file_name(o)).collect();
    let mut found: BTreeMap<u32, String> = BTreeMap::new();
    let Ok(finder) = AhoCorasick::new(&names) else {
        return found;
    };
    let wanted: HashSet<u32> = by_output.values().copied().collect();
    for page in reports.iter().filter(|f| f.kind == "html") {
        if found.len() == wanted.len() {
            break;
        }
        let path = out.join(&page.output);
        if std::fs::metadata(&path).map_or(true, |m| m.len() > MAX_PAGE) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for m in finder.find_iter(&text) {
            let Some(url) = url_at(&text, m.start(), m.end()) else {
                continue;
            };
            let Target::Asset { rel, .. } = resolve(&page.output, url, base, &outputs) else {
                continue;
            };
            let source = by_output[rel.as_str()];
            if found.contains_key(&source) {
                continue;
            }
            if let Some(markup) = element_around(&text, m.start()) {
                found.insert(source, markup.to_string());
            }
        }
    }
    found
}

/// The URL written in `text` that ends with the file name at `start..end`
/// (a URL in an attribute or a `srcset`), unless the name goes on there.
fn url_at(text: &str, start: usize, end: usize) -> Option<&str> {
    let delimiter = |c: char| matches!(c, '"' | '\'' | ' ' | '\t' | '\n' | '\r' | ',' | '=' | '(');
    let after = text[end..].chars().next();
    if !after.is_none_or(|c| delimiter(c) || matches!(c, '?' | '#' | ')' | '>')) {
        return None;
    }
    let begin = text[..start].rfind(delimiter).map_or(0, |i| i + 1);
    Some(&text[begin..end])
}

/// The `<picture>…</picture>` around byte `at` of `page`, or else the
/// `<img …>` tag around it; `None` past [`MAX_PICTURE`] bytes.
fn element_around(page: &str, at: usize) -> Option<&str> {
    let head = page.get(..at)?;
    let picture = head
        .rfind("<picture")
        .filter(|&p| !page[p..at].contains("</picture>"));
    let (start, end) = match picture {
        Some(p) => (p, at + page[at..].find("</picture>")? + "</picture>".len()),
        None => {
            let img = head.rfind("<img").filter(|&i| !page[i..at].contains('>'))?;
            (img, at + page[at..].find('>')? + 1)
        }
    };
    (end - start <= MAX_PICTURE).then(|| &page[start..end])
}

#[cfg(test)]
mod tests {
    use super::{element_around, url_at};

    fn around_test(page: &str, needle: &str, expected: Option<&str>) {
        let at = page.find(needle).unwrap();
        assert_eq!(element_around(page, at), expected);
    }

    #[test]
    fn finds_the_markup_of_an_image() {
        around_test(
            "<p><picture><source srcset=\"a-480w.webp 480w\"><img src=\"a.jpg\"></picture></p>",
            "a-480w",
            Some("<picture><source srcset=\"a-480w.webp 480w\"><img src=\"a.jpg\"></picture>"),
        );
        around_test(
            "<picture></picture><img src=\"a.jpg\" srcset=\"a-480w.webp 480w\"><p>",
            "a-480w",
            Some("<img src=\"a.jpg\" srcset=\"a-480w.webp 480w\">"),
        );
        around_test("<p>a-480w.webp</p>", "a-480w", None);
    }

    fn url_test(text: &str, name: &str, expected: Option<&str>) {
        let start = text.find(name).unwrap();
        assert_eq!(url_at(text, start, start + name.len()), expected);
    }

    #[test]
    fn finds_whole_urls_only() {
        url_test("srcset=\"../i/a.webp 480w\"", "a.webp", Some("../i/a.webp"));
        url_test("src=a.webp>", "a.webp", Some("a.webp"));
        // The whole URL: it then resolves to another file.
        url_test("src=\"i/my-a.webp\"", "a.webp", Some("i/my-a.webp"));
        url_test("src=\"i/a.webpx\"", "a.webp", None);
    }
}
