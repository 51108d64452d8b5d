//! Size budgets checked after a build, and the tables of the build report:
//! each budget's use against its limit (with its change since `--baseline`),
//! and the baseline's size changes per file and per kind, also as Markdown
//! for a pull-request comment.

use std::fmt::Write;

use serde::Serialize;

use crate::asset::kind_of;
use crate::config::{Budget, Compression, Config};
use crate::diff::Diff;
use crate::emit::manifest::{Entry, Manifest};
use crate::units::{human, signed};

/// Files named in a budget's error.
const NAMED_FILES: usize = 10;

/// One budget, measured.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Checked {
    /// Its name.
    pub name: String,
    /// How it measures.
    pub compression: Compression,
    /// Its limit in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    /// What its files take.
    pub size: u64,
    /// Its files.
    pub count: usize,
    /// The most files allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_count: Option<usize>,
    /// What its files took in the baseline (when the baseline measured them so).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<u64>,
    /// Over its limit or count.
    pub over: bool,
    /// Its files (input path, measured size), largest first.
    pub files: Vec<(String, u64)>,
}

impl Checked {
    /// The error when it is over: the overshoot and the files.
    pub fn message(&self) -> Option<String> {
        if !self.over {
            return None;
        }
        let mut parts = Vec::new();
        if let Some(limit) = self.limit.filter(|l| self.size > *l) {
            parts.push(format!(
                "{} {} against a limit of {}: {} over",
                human(self.size),
                compression_name(self.compression),
                human(limit),
                human(self.size - limit)
            ));
        }
        if let Some(max) = self.max_count.filter(|m| self.count > *m) {
            parts.push(format!("{} files against at most {max}", self.count));
        }
        let files: Vec<String> = self
            .files
            .iter()
            .take(NAMED_FILES)
            .map(|(p, s)| format!("{p} {}", human(*s)))
            .collect();
        let more = self.files.len().saturating_sub(NAMED_FILES);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        Some(format!(
            "budget {:?}: {}; files: {}{more}",
            self.name,
            parts.join(", "),
            files.join(", ")
        ))
    }
}

/// How a budget measures, in a word.
pub(crate) fn compression_name(c: Compression) -> &'static str {
    match c {
        Compression::Brotli => "brotli",
        Compression::Gzip => "gzip",
        Compression::None => "uncompressed",
    }
}

/// An entry's size as `c` measures it.
fn measured(e: &Entry, c: Compression) -> Option<u64> {
    match c {
        Compression::None => Some(e.size),
        Compression::Gzip => e.gzip,
        Compression::Brotli => e.brotli,
    }
}

/// Measures one budget over `m`: its files and their total, or `None` when
/// `m` lacks a size it needs (a baseline built without this budget).
fn measure(b: &Budget, m: &Manifest) -> Option<(u64, Vec<(String, u64)>)> {
    let matcher = b.matcher().ok()?;
    let mut files = Vec::new();
    for (key, e) in &m.assets {
        if matcher.matches(key, kind_of(key)) {
            files.push((key.clone(), measured(e, b.compression)?));
        }
    }
    files.sort_by(|a, b| (b.1, &a.0).cmp(&(a.1, &b.0)));
    Some((files.iter().map(|f| f.1).sum(), files))
}

/// Checks every budget of `config` against the manifest `m`.
pub fn check(config: &Config, m: &Manifest, baseline: Option<&Manifest>) -> Vec<Checked> {
    config
        .budgets
        .iter()
        .map(|b| {
            let (size, files) = measure(b, m).unwrap_or_default();
            let limit = b.limit.map(|l| l.0);
            let over = limit.is_some_and(|l| size > l) || b.count.is_some_and(|c| files.len() > c);
            Checked {
                name: b.label(),
                compression: b.compression,
                limit,
                size,
                count: files.len(),
                max_count: b.count,
                baseline: baseline.and_then(|old| measure(b, old)).map(|(s, _)| s),
                over,
                files,
            }
        })
        .collect()
}

/// One budget's cells: name, limit, size, change since the baseline,
/// files, status.
fn budget_row(b: &Checked) -> [String; 6] {
    let change = b
        .baseline
        .map(|old| signed(b.size as i64 - old as i64))
        .unwrap_or_else(|| "-".into());
    let status = match (b.over, b.limit) {
        (false, Some(l)) => format!("ok, {:.0}% used", b.size as f64 * 100.0 / l.max(1) as f64),
        (false, None) => "ok".into(),
        (true, Some(l)) if b.size > l => format!("OVER by {}", human(b.size - l)),
        (true, _) => "OVER: too many files".into(),
    };
    [
        format!("{} ({})", b.name, compression_name(b.compression)),
        b.limit.map(human).unwrap_or_else(|| "-".into()),
        human(b.size),
        change,
        b.count.to_string(),
        status,
    ]
}

/// The kinds whose size changed: kind, before, after, change.
fn kind_rows(d: &Diff) -> Vec<[String; 4]> {
    d.kinds
        .iter()
        .filter(|(_, k)| k.delta != 0)
        .map(|(kind, k)| [kind.clone(), human(k.old), human(k.new), signed(k.delta)])
        .collect()
}

/// Each renamed file with why: its chain, or its reason.
fn rename_lines(d: &Diff) -> Vec<String> {
    d.renamed
        .iter()
        .map(|r| match r.chains.first() {
            Some(c) => c.join(" ← "),
            None => format!("{} ({})", r.path, r.reason),
        })
        .collect()
}

/// One line counting what changed since the baseline.
fn counts(d: &Diff) -> String {
    format!(
        "{} added, {} removed, {} renamed, {} changed in place since the baseline",
        d.added.len(),
        d.removed.len(),
        d.renamed.len(),
        d.changed.len()
    )
}

/// The budget table and the baseline's changes, as plain text.
pub fn text(budgets: &[Checked], baseline: Option<&Diff>) -> String {
    let mut s = String::new();
    if !budgets.is_empty() {
        let _ = writeln!(
            s,
            "\n{:<32} {:>10} {:>10} {:>10} {:>6}  status",
            "budget", "limit", "size", "change", "files"
        );
        for b in budgets {
            let [name, limit, size, change, files, status] = budget_row(b);
            let _ = writeln!(
                s,
                "{name:<32} {limit:>10} {size:>10} {change:>10} {files:>6}  {status}"
            );
        }
    }
    if let Some(d) = baseline {
        let _ = writeln!(s, "\n{}", counts(d));
        for [kind, old, new, change] in kind_rows(d) {
            let _ = writeln!(s, "  {kind:<12} {old:>10} → {new:>10}  {change}");
        }
        for f in d.deltas.iter().take(10) {
            let _ = writeln!(s, "  {:<40} {:>10}", f.path, signed(f.delta));
        }
        for line in rename_lines(d) {
            let _ = writeln!(s, "  renamed {line}");
        }
    }
    s
}

/// A Markdown table row of `cells`, `|` escaped.
fn md_row(s: &mut String, cells: &[String]) {
    let cells: Vec<String> = cells.iter().map(|c| c.replace('|', "\\|")).collect();
    let _ = writeln!(s, "| {} |", cells.join(" | "));
}

/// The same as Markdown, for a pull-request comment.
pub fn markdown(budgets: &[Checked], baseline: Option<&Diff>) -> String {
    let mut s = String::from("## assetpress\n");
    if !budgets.is_empty() {
        s.push_str(
            "\n| Budget | Limit | Size | Change | Files | Status |\n|---|--:|--:|--:|--:|---|\n",
        );
        for b in budgets {
            let [name, limit, size, change, files, status] = budget_row(b);
            let mark = if b.over { "❌" } else { "✅" };
            md_row(
                &mut s,
                &[
                    format!("`{name}`"),
                    limit,
                    size,
                    change,
                    files,
                    format!("{mark} {status}"),
                ],
            );
        }
    }
    if let Some(d) = baseline {
        let _ = writeln!(s, "\n{}.", counts(d));
        let kinds = kind_rows(d);
        if !kinds.is_empty() {
            s.push_str("\n| Kind | Before | After | Change |\n|---|--:|--:|--:|\n");
            for row in kinds {
                md_row(&mut s, &row);
            }
        }
        if !d.deltas.is_empty() {
            s.push_str("\n| File | Kind | Before | After | Change |\n|---|---|--:|--:|--:|\n");
            for f in d.deltas.iter().take(25) {
                md_row(
                    &mut s,
                    &[
                        format!("`{}`", f.path),
                        f.kind.clone(),
                        human(f.old),
                        human(f.new),
                        signed(f.delta),
                    ],
                );
            }
        }
        let renames = rename_lines(d);
        if !renames.is_empty() {
            s.push_str("\n<details><summary>Why files were renamed</summary>\n\n");
            for line in renames {
                let _ = writeln!(s, "- `{line}`");
            }
            s.push_str("\n</details>\n");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(size: u64, limit: Option<u64>, count: usize, max: Option<usize>) -> Checked {
        let files = (0..count).map(|i| (format!("f{i}.js"), size / count.max(1) as u64));
        Checked {
            name: "js".into(),
            compression: Compression::Brotli,
            limit,
            size,
            count,
            max_count: max,
            baseline: None,
            over: limit.is_some_and(|l| size > l) || max.is_some_and(|m| count > m),
            files: files.collect(),
        }
    }

    #[test]
    fn an_overshoot_names_the_files_and_the_excess() {
        let m = checked(2048, Some(1024), 2, None).message().unwrap();
        assert_eq!(
            m,
            "budget \"js\": 2.0 KB brotli against a limit of 1.0 KB: 1.0 KB over; files: f0.js 1.0 KB, f1.js 1.0 KB"
        );
        assert!(checked(1000, Some(1024), 2, None).message().is_none());
        let m = checked(10, None, 3, Some(2)).message().unwrap();
        assert!(m.contains("3 files against at most 2"), "{m}");
    }
}
