//! `--report-html FILE`: one self-contained page per build. The summary,
//! the budgets and the baseline's totals are plain HTML (readable without
//! JavaScript); the treemap, the images, the names and the per-file
//! changes are drawn by the inline script from a JSON island. Inline CSS
//! and JS only, no request of any kind, and the same bytes for the same
//! build (timings only with `--report-times`).

use std::fmt::Write as _;

use super::details::Details;
use super::island;
use super::{human, Report};
use crate::units::signed;

const CSS: &str = include_str!("page.css");
const JS: &str = include_str!("page.js");
/// Diagnostics listed in the page; the rest are counted (all are in `--json`).
const MAX_LISTED: usize = 500;
/// Largest per-file changes listed in the page without JavaScript.
const STATIC_DELTAS: usize = 20;

/// The page for `report`, with `details` gathered by the run; `times`
/// (`--report-times`) adds the timings, which differ from run to run.
pub fn render(report: &Report, details: &Details, times: bool) -> String {
    let mut page = String::with_capacity(64 * 1024 + report.files.len() * 160);
    page.push_str(concat!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">",
        "<meta name=\"color-scheme\" content=\"light dark\">",
        // No favicon request either.
        "<link rel=\"icon\" href=\"data:,\">",
        "<title>assetpress build report</title><style>"
    ));
    page.push_str(CSS);
    page.push_str("</style></head>\n<body>\n");
    nav(&mut page, report);
    page.push_str("<main>\n");
    summary(&mut page, report, times);
    page.push_str(concat!(
        "<section id=\"treemap\" aria-labelledby=\"h-treemap\"><h2 id=\"h-treemap\">Output treemap</h2>",
        "<noscript><p>The treemap, the images, the names and the per-file changes need JavaScript; the summary above does not.</p></noscript>",
        "<div class=\"tm-bar\" hidden><div class=\"crumbs\" aria-label=\"Folder\"></div>",
        "<label>Size <select id=\"tm-measure\"><option value=\"br\">brotli</option><option value=\"gz\">gzip</option><option value=\"raw\">raw</option></select></label>",
        "<input id=\"search\" type=\"search\" placeholder=\"Find a file by original or output name  ( / )\" aria-label=\"Find a file\" autocomplete=\"off\"></div>",
        "<div id=\"results\" class=\"vlist\" hidden role=\"listbox\" aria-label=\"Files found\"></div>",
        "<div id=\"tm\" role=\"tree\" aria-label=\"Output treemap\"></div><div class=\"legend\"></div><div id=\"tm-detail\" aria-live=\"polite\"></div>",
        "<div id=\"tip\" role=\"tooltip\" hidden></div></section>\n",
        "<section id=\"images\" aria-labelledby=\"h-images\"><h2 id=\"h-images\">Images</h2><div class=\"img-bar\" hidden>",
        "<input id=\"img-filter\" type=\"search\" placeholder=\"Filter images\" aria-label=\"Filter images\" autocomplete=\"off\"></div>",
        "<div id=\"img-list\"></div></section>\n",
        "<section id=\"names\" aria-labelledby=\"h-names\"><h2 id=\"h-names\">Names</h2><div class=\"names-bar\" hidden>",
        "<input id=\"names-filter\" type=\"search\" placeholder=\"Filter names\" aria-label=\"Filter names\" autocomplete=\"off\">",
        "<label><input type=\"checkbox\" id=\"names-kept\"> kept names only</label></div>",
        "<div class=\"names-split\"><div id=\"names-list\" class=\"vlist\" role=\"listbox\" aria-label=\"Files\"></div>",
        "<div id=\"names-detail\" aria-live=\"polite\"></div></div></section>\n"
    ));
    budgets(&mut page, report);
    page.push_str("</main>\n<script type=\"application/json\" id=\"data\">");
    // `<` only occurs inside JSON strings, where `\u003c` means the same:
    // no `</script>` or `<!--` can end the island early.
    page.push_str(
        &island::data(report, details)
            .to_string()
            .replace('<', "\\u003c"),
    );
    page.push_str("</script>\n<script>");
    page.push_str(JS);
    page.push_str("</script>\n</body></html>\n");
    page
}

fn nav(page: &mut String, report: &Report) {
    page.push_str("<header><nav aria-label=\"Sections\"><strong>assetpress</strong>");
    let mut links = vec![
        ("summary", "Summary"),
        ("treemap", "Treemap"),
        ("images", "Images"),
        ("names", "Names"),
    ];
    if !report.budgets.is_empty() || report.baseline.is_some() {
        links.push(("budgets", "Budgets and baseline"));
    }
    for (id, label) in links {
        let _ = write!(page, "<a href=\"#{id}\">{label}</a>");
    }
    page.push_str("</nav></header>\n");
}

fn summary(page: &mut String, report: &Report, times: bool) {
    let t = &report.totals.all;
    page.push_str(
        "<section id=\"summary\" aria-labelledby=\"h-summary\"><h2 id=\"h-summary\">Summary</h2>",
    );
    let code = report.exit_code();
    match report.exit_reason() {
        Some(reason) => {
            let _ = write!(
                page,
                "<p class=\"status bad\">Exit status {code}: {}</p>",
                esc(&reason)
            );
        }
        None => {
            page.push_str("<p class=\"status ok\">Exit status 0: every file was processed.</p>")
        }
    }
    let (vfiles, vbytes) = report.totals.variants;
    page.push_str("<dl class=\"cards\">");
    let mut card = |label: &str, value: String, note: String| {
        let _ = write!(
            page,
            "<div><dt>{label}</dt><dd>{}</dd><dd class=\"note\">{}</dd></div>",
            esc(&value),
            esc(&note)
        );
    };
    card(
        "Files",
        t.files.to_string(),
        format!("{} image variants", vfiles),
    );
    card(
        "Bytes in → out",
        format!("{} → {}", human(t.bytes_in), human(t.bytes_out)),
        saved(t.bytes_in, t.bytes_out),
    );
    card(
        "gzip",
        human(t.gzip_out),
        "of the text files, level 9".into(),
    );
    card(
        "brotli",
        human(t.br_out),
        format!("{} compressed copies written", t.precompressed),
    );
    card("Image variants", human(vbytes), format!("{vfiles} files"));
    card(
        "Diagnostics",
        format!(
            "{} errors, {} warnings",
            report.errors.len(),
            report.warnings.len()
        ),
        "each with its path:line:col".into(),
    );
    page.push_str("</dl>");

    page.push_str("<h3>By kind</h3><table class=\"num\"><thead><tr><th>kind</th><th>files</th><th>in</th><th>out</th><th>saved</th><th>gzip</th><th>brotli</th>");
    if times {
        page.push_str("<th>time</th>");
    }
    page.push_str("</tr></thead><tbody>");
    let rows = report
        .totals
        .kinds
        .iter()
        .map(|(k, t)| (*k, t))
        .chain([("total", t)]);
    for (kind, k) in rows {
        let _ = write!(
            page,
            "<tr><td><span class=\"sw k-{kind}\"></span>{kind}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            k.files,
            human(k.bytes_in),
            human(k.bytes_out),
            saved(k.bytes_in, k.bytes_out),
            dash(k.gzip_out),
            dash(k.br_out),
        );
        if times {
            let _ = write!(page, "<td>{:.0} ms</td>", k.time_ms);
        }
        page.push_str("</tr>");
    }
    page.push_str("</tbody></table>");

    if times {
        let _ = write!(
            page,
            "<h3>Stage times</h3><p>Wall time {:.0} ms.</p><table class=\"num\"><thead><tr><th>stage</th><th>wall time</th></tr></thead><tbody>",
            report.totals.wall_ms
        );
        for (stage, ms) in &report.totals.stages {
            let _ = write!(page, "<tr><td>{}</td><td>{ms:.0} ms</td></tr>", esc(stage));
        }
        page.push_str("</tbody></table>");
    } else {
        page.push_str("<p class=\"note\">Stage times are left out so that the same build gives the same page; <code>--report-times</code> adds them.</p>");
    }

    let written: Vec<String> = report
        .outputs
        .iter()
        .filter(|(k, _)| k.as_str() != "report_html")
        .map(|(k, path)| {
            // Absolute paths of this machine stay out of the page.
            let name = std::path::Path::new(path)
                .file_name()
                .map_or_else(|| path.clone(), |n| n.to_string_lossy().into_owned());
            format!("{k}: {name}")
        })
        .collect();
    if !written.is_empty() {
        let _ = write!(page, "<p>Also written: {}.</p>", esc(&written.join(", ")));
    }
    if !report.cache_warnings.is_empty() {
        // They name this machine's cache folder: counted, not listed.
        let _ = write!(
            page,
            "<p class=\"warn\">{} cache warnings (the cache was not used for some files; they are printed with the run and in <code>--json</code>).</p>",
            report.cache_warnings.len()
        );
    }
    for (title, list, class) in [
        ("Errors", &report.errors, "bad"),
        ("Warnings", &report.warnings, "warn"),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = write!(
            page,
            "<h3>{title} ({})</h3><ul class=\"diag {class}\">",
            list.len()
        );
        for d in list.iter().take(MAX_LISTED) {
            let _ = write!(page, "<li><code>{}</code></li>", esc(&d.to_string()));
        }
        if list.len() > MAX_LISTED {
            let _ = write!(
                page,
                "<li>and {} more (all are in <code>--json</code>)</li>",
                list.len() - MAX_LISTED
            );
        }
        page.push_str("</ul>");
    }
    if !report.cycles.is_empty() {
        let _ = write!(
            page,
            "<h3>Reference cycles ({})</h3><ul>",
            report.cycles.len()
        );
        for c in report.cycles.iter().take(MAX_LISTED) {
            let _ = write!(page, "<li><code>{}</code></li>", esc(&c.join(" → ")));
        }
        page.push_str("</ul>");
    }
    page.push_str("</section>\n");
}

fn budgets(page: &mut String, report: &Report) {
    if report.budgets.is_empty() && report.baseline.is_none() {
        return;
    }
    page.push_str("<section id=\"budgets\" aria-labelledby=\"h-budgets\"><h2 id=\"h-budgets\">Budgets and baseline</h2>");
    if !report.budgets.is_empty() {
        page.push_str("<table class=\"num\"><thead><tr><th>budget</th><th>measured</th><th>use</th><th>limit</th><th></th><th>files</th><th>since baseline</th><th></th></tr></thead><tbody>");
        for b in &report.budgets {
            let share = b.limit.filter(|l| *l > 0).map(|l| b.size as f64 / l as f64);
            let bar =
                share.map_or(String::new(), |s| {
                    format!(
                    "<span class=\"meter{}\"><span style=\"width:{:.1}%\"></span></span> {:.0}%",
                    if s > 1.0 { " over" } else if s > 0.9 { " near" } else { "" },
                    (s * 100.0).min(100.0),
                    s * 100.0
                )
                });
            let count = match b.max_count {
                Some(m) => format!("{} of {m}", b.count),
                None => b.count.to_string(),
            };
            let _ = write!(
                page,
                "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"bar\">{bar}</td><td>{count}</td><td>{}</td><td>{}</td></tr>",
                if b.over { "bad" } else { "" },
                esc(&b.name),
                crate::budget::compression_name(b.compression),
                human(b.size),
                b.limit.map_or("-".into(), human),
                b.baseline
                    .map_or("-".into(), |old| signed(b.size as i64 - old as i64)),
                if b.over { "over" } else { "ok" },
            );
        }
        page.push_str("</tbody></table>");
    }
    if let Some(d) = &report.baseline {
        let _ = write!(
            page,
            "<h3>Since the baseline</h3><p>{} added, {} removed, {} renamed, {} changed in place, {} unchanged.</p>",
            d.added.len(),
            d.removed.len(),
            d.renamed.len(),
            d.changed.len(),
            d.unchanged
        );
        if let Some(s) = &d.settings {
            let _ = write!(page, "<p class=\"warn\">{}</p>", esc(s));
        }
        page.push_str("<table class=\"num\"><thead><tr><th>kind</th><th>baseline</th><th>now</th><th>change</th></tr></thead><tbody>");
        let mut kinds: Vec<_> = d.kinds.iter().collect();
        kinds.sort_by_key(|(k, v)| (std::cmp::Reverse(v.delta.unsigned_abs()), k.as_str()));
        for (kind, k) in kinds {
            let _ = write!(
                page,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(kind),
                human(k.old),
                human(k.new),
                signed(k.delta)
            );
        }
        page.push_str("</tbody></table><h3>Largest changes</h3><div id=\"deltas\"><table class=\"num\"><thead><tr><th>file</th><th>kind</th><th>baseline</th><th>now</th><th>change</th></tr></thead><tbody>");
        for x in d.deltas.iter().take(STATIC_DELTAS) {
            let _ = write!(
                page,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&x.path),
                esc(&x.kind),
                human(x.old),
                human(x.new),
                signed(x.delta)
            );
        }
        page.push_str("</tbody></table></div>");
        if !d.renamed.is_empty() {
            page.push_str("<h3>Renamed since the baseline, and why</h3><ul class=\"renames\">");
            for r in d.renamed.iter().take(MAX_LISTED) {
                let _ = write!(
                    page,
                    "<li><code>{}</code> → <code>{}</code>: {}",
                    esc(&r.old),
                    esc(&r.new),
                    esc(&r.reason)
                );
                for chain in &r.chains {
                    let _ = write!(page, "<br><small>{}</small>", esc(&chain.join(" ← ")));
                }
                page.push_str("</li>");
            }
            page.push_str("</ul>");
        }
    }
    page.push_str("</section>\n");
}

fn saved(before: u64, after: u64) -> String {
    if before == 0 {
        return "-".into();
    }
    let share = 100.0 * (before as f64 - after as f64) / before as f64;
    if share < 0.0 {
        format!("{:.1}% larger", -share)
    } else {
        format!("{share:.1}% saved")
    }
}

fn dash(n: u64) -> String {
    if n > 0 {
        human(n)
    } else {
        "-".into()
    }
}

/// The folder part of a relative path ("" at the top).
pub(super) fn dir(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// The last part of a relative path.
pub(super) fn base(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// `s` escaped for HTML text and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn diagnostics_are_text() {
        let mut report = Report::new(Vec::new(), Vec::new(), false);
        report.errors.push(crate::Diagnostic::error(
            "a.html",
            None,
            "</script><script>alert(1)</script>".to_string(),
        ));
        let page = render(&report, &Details::default(), false);
        assert_eq!(page.matches("</script>").count(), 2, "{page}");
        assert!(page.contains("&lt;/script&gt;"));
    }
}
