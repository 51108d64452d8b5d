//! Stage 6: what a run did — per-file sizes and times, totals per kind,
//! warnings and errors with locations — rendered as a table for people or as
//! JSON for machines, and mapped to an exit status.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::asset::AssetKind;
pub use crate::emit::FileReport;
use crate::error::{Diagnostic, Severity};
use crate::transform::LeftAsIs;

pub mod details;
pub mod html;
mod island;

/// Sums over a set of files.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    /// Number of files.
    pub files: u64,
    /// Scripts and stylesheets that kept their input instead of being
    /// minified (see [`FileReport::left_as_is`]).
    pub left_as_is: u64,
    /// Input bytes.
    pub bytes_in: u64,
    /// Output bytes (source maps not included).
    pub bytes_out: u64,
    /// Gzip -9 bytes of the text outputs.
    pub gzip_out: u64,
    /// Bytes of the `.br` copies written.
    pub br_out: u64,
    /// Compressed copies (`.gz`, `.br`) written beside outputs (not counting maps').
    pub precompressed: u64,
    /// Source maps written.
    pub maps: u64,
    /// Bytes of the source maps written.
    pub map_bytes: u64,
    /// Transform time summed over files (CPU time across threads), in milliseconds.
    pub time_ms: f64,
}

impl Totals {
    fn add(&mut self, f: &FileReport) {
        self.files += 1;
        self.left_as_is += u64::from(f.left_as_is.is_some());
        self.bytes_in += f.bytes_in;
        self.bytes_out += f.bytes_out;
        self.gzip_out += f.gzip_out.unwrap_or(0);
        self.br_out += f.br_out.unwrap_or(0);
        self.precompressed += f.precompressed.len() as u64;
        if let Some(m) = f.map_bytes {
            self.maps += 1;
            self.map_bytes += m;
        }
        self.time_ms += f.time_ms;
    }
}

/// Totals of the run, overall and per kind.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunTotals {
    /// All files.
    #[serde(flatten)]
    pub all: Totals,
    /// Per kind, by kind label.
    pub kinds: BTreeMap<&'static str, Totals>,
    /// Wall-clock time of the whole run, in milliseconds.
    pub wall_ms: f64,
    /// Wall-clock time of each stage, in milliseconds, in pipeline order.
    pub stages: Vec<(String, f64)>,
    /// Responsive image variants written: files and bytes.
    pub variants: (u64, u64),
    /// Files whose transformed bytes waited on disk for the hash stage
    /// (past `limits.max_held_bytes`).
    pub held_on_disk: usize,
    /// JS imports left alone: bare specifiers (`react`) and computed ones (`import(name)`).
    pub unresolved_imports: crate::transform::js::Unresolvable,
    /// Cache hits and misses per kind of transform (empty without a cache).
    pub cache: BTreeMap<String, crate::cache::Counts>,
    /// What the run did with the shared cache (`--cache-url`), if one was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_remote: Option<crate::cache::RemoteCounts>,
}

/// What a shard's run did (`--shard I/N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ShardRun {
    /// Which shard, from 1.
    pub index: u32,
    /// Of how many.
    pub count: u32,
    /// Files it transformed into the cache.
    pub files: usize,
}

/// The result of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Every input file, sorted by path.
    pub files: Vec<FileReport>,
    /// Sums.
    pub totals: RunTotals,
    /// Warnings, sorted by path and location.
    pub warnings: Vec<Diagnostic>,
    /// Errors (files passed through unchanged), sorted by path and location.
    pub errors: Vec<Diagnostic>,
    /// Problems of the cache (an unusable folder, corrupt entries, all
    /// recomputed): shown, but they never change the exit status, not even
    /// under `--strict` — the output is the same without a cache.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cache_warnings: Vec<Diagnostic>,
    /// Generated files that are not assets (manifest, server config), by name.
    pub outputs: BTreeMap<String, String>,
    /// The shard this run was, if it was one: it wrote no output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardRun>,
    /// Groups of files that refer to each other in a circle (allowed; listed for information).
    pub cycles: Vec<Vec<String>>,
    /// The size budgets, measured; one over makes the exit status 1.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub budgets: Vec<crate::budget::Checked>,
    /// What changed since `--baseline`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<crate::diff::Diff>,
    /// The output folder.
    #[serde(skip)]
    pub out_dir: String,
    /// Whether warnings count as errors.
    #[serde(skip)]
    pub strict: bool,
}

impl Report {
    /// Builds the report from per-file results and diagnostics.
    pub fn new(files: Vec<FileReport>, diagnostics: Vec<Diagnostic>, strict: bool) -> Report {
        let mut totals = RunTotals::default();
        for f in &files {
            totals.all.add(f);
            totals.kinds.entry(f.kind).or_default().add(f);
        }
        let (mut errors, mut warnings): (Vec<_>, Vec<_>) = diagnostics
            .into_iter()
            .partition(|d| d.severity == Severity::Error);
        errors.sort();
        warnings.sort();
        Report {
            files,
            totals,
            warnings,
            errors,
            cache_warnings: Vec::new(),
            outputs: BTreeMap::new(),
            shard: None,
            cycles: Vec::new(),
            budgets: Vec::new(),
            baseline: None,
            out_dir: String::new(),
            strict,
        }
    }

    /// Records why files keep their names, by path.
    pub fn set_kept(&mut self, kept: impl Iterator<Item = (String, crate::keep::Kept)>) {
        for (path, why) in kept {
            if let Ok(i) = self.files.binary_search_by(|f| f.path.cmp(&path)) {
                self.files[i].kept = Some(why);
            }
        }
    }

    /// 0 when every file was processed; 1 when a file failed (or, with
    /// `--strict`, anything was warned about).
    pub fn exit_code(&self) -> i32 {
        i32::from(self.exit_reason().is_some())
    }

    /// Why the exit status is not 0, when it is not.
    pub fn exit_reason(&self) -> Option<String> {
        let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        let over = self.budgets.iter().filter(|b| b.over).count();
        let budgets = match over {
            0 => String::new(),
            n => plural(n, "budget") + " exceeded",
        };
        if !self.errors.is_empty() {
            let and = if over > 0 {
                format!(", and {budgets}")
            } else {
                String::new()
            };
            Some(format!(
                "{} (the files were copied unchanged){and}",
                plural(self.errors.len(), "error")
            ))
        } else if over > 0 {
            Some(budgets)
        } else if self.strict && !self.warnings.is_empty() {
            Some(format!(
                "--strict: {} count as errors",
                plural(self.warnings.len(), "warning")
            ))
        } else {
            None
        }
    }

    /// The report as pretty-printed JSON, with the exit status and its reason.
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct WithStatus<'a> {
            #[serde(flatten)]
            report: &'a Report,
            exit_status: i32,
            exit_reason: Option<String>,
        }
        let with = WithStatus {
            report: self,
            exit_status: self.exit_code(),
            exit_reason: self.exit_reason(),
        };
        serde_json::to_string_pretty(&with).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// How many files keep their names, by reason, and each one whose name
    /// is written where nothing is rewritten (up to 20), with where.
    fn kept_names(&self, s: &mut String) {
        let mut by_reason: BTreeMap<&str, usize> = BTreeMap::new();
        for k in self.files.iter().filter_map(|f| f.kept.as_ref()) {
            *by_reason.entry(k.label()).or_default() += 1;
        }
        if by_reason.is_empty() {
            return;
        }
        let counts: Vec<String> = by_reason.iter().map(|(r, n)| format!("{n} {r}")).collect();
        let _ = writeln!(s, "kept names: {}", counts.join(", "));
        const SHOWN: usize = 20;
        let named: Vec<&FileReport> = self
            .files
            .iter()
            .filter(|f| matches!(f.kept, Some(crate::keep::Kept::Mentioned { .. })))
            .collect();
        for f in named.iter().take(SHOWN) {
            if let Some(crate::keep::Kept::Mentioned { at }) = &f.kept {
                let _ = writeln!(s, "  kept name: {} — named at {at}", f.path);
            }
        }
        if named.len() > SHOWN {
            let _ = writeln!(
                s,
                "  … and {} more (--json lists them; --hash GLOB renames anyway)",
                named.len() - SHOWN
            );
        }
    }

    /// The cache's hits and misses, and the shared cache's counts.
    fn cache_lines(&self, s: &mut String) {
        if !self.totals.cache.is_empty() {
            let kinds: Vec<String> = self
                .totals
                .cache
                .iter()
                .map(|(k, c)| format!("{k} {} hits, {} misses", c.hits, c.misses))
                .collect();
            let _ = writeln!(s, "cache: {}", kinds.join("; "));
        }
        if let Some(r) = &self.totals.cache_remote {
            let _ = writeln!(
                s,
                "shared cache: {} entries fetched, {} uploaded, {} refused ({} held when the run began)",
                r.fetched, r.uploaded, r.refused, r.listed
            );
        }
    }

    /// Cache warnings, warnings and errors, each under a title.
    fn diagnostic_lines(&self, s: &mut String) {
        for (title, list) in [
            ("cache warning", &self.cache_warnings),
            ("warning", &self.warnings),
            ("error", &self.errors),
        ] {
            if !list.is_empty() {
                let _ = writeln!(
                    s,
                    "\n{} {}{}:",
                    list.len(),
                    title,
                    if list.len() == 1 { "" } else { "s" }
                );
                for d in list {
                    let _ = writeln!(s, "  {d}");
                }
            }
        }
    }

    /// The human summary: a table per kind with totals, then diagnostics.
    pub fn to_table(&self) -> String {
        let mut s = String::new();
        if let Some(shard) = &self.shard {
            let _ = writeln!(
                s,
                "shard {}/{}: {} files transformed into the cache, no output written (a run without --shard writes it)",
                shard.index, shard.count, shard.files
            );
            self.cache_lines(&mut s);
            self.diagnostic_lines(&mut s);
            return s;
        }
        let _ = writeln!(
            s,
            "{:<12} {:>6} {:>10} {:>10} {:>10} {:>10} {:>7} {:>8}",
            "kind", "files", "in", "out", "gzip", "br", "saved", "time"
        );
        for kind in AssetKind::ALL {
            if let Some(t) = self.totals.kinds.get(kind.label()) {
                row(&mut s, kind.label(), t);
            }
        }
        let _ = writeln!(s, "{}", "-".repeat(80));
        row(&mut s, "total", &self.totals.all);
        if self.totals.all.maps > 0 {
            let _ = writeln!(
                s,
                "source maps: {} written, {}",
                self.totals.all.maps,
                human(self.totals.all.map_bytes)
            );
        }
        if self.totals.variants.0 > 0 {
            let _ = writeln!(
                s,
                "image variants: {} written, {}",
                self.totals.variants.0,
                human(self.totals.variants.1)
            );
        }
        self.cache_lines(&mut s);
        if self.totals.all.precompressed > 0 {
            let _ = writeln!(
                s,
                "precompressed: {} .gz/.br copies written",
                self.totals.all.precompressed
            );
        }
        for (key, label) in [
            ("nginx", "nginx snippet"),
            ("headers_json", "headers.json"),
            ("headers_file", "_headers"),
        ] {
            if let Some(path) = self.outputs.get(key) {
                let _ = writeln!(s, "{label}: {path}");
            }
        }
        if self.totals.all.left_as_is > 0 {
            let count = |why| {
                self.files
                    .iter()
                    .filter(|f| f.left_as_is == Some(why))
                    .count()
            };
            let why: Vec<String> = [
                (LeftAsIs::NotSmaller, "not smaller minified"),
                (LeftAsIs::TooLarge, "over --max-text-size"),
            ]
            .into_iter()
            .filter_map(|(why, label)| {
                let n = count(why);
                (n > 0).then(|| format!("{n} {label}"))
            })
            .collect();
            let _ = writeln!(
                s,
                "left as they were: {} ({})",
                self.totals.all.left_as_is,
                why.join(", ")
            );
        }
        let u = self.totals.unresolved_imports;
        if u.bare + u.computed > 0 {
            let _ = writeln!(
                s,
                "imports left alone: {} bare specifiers, {} computed",
                u.bare, u.computed
            );
        }
        let hashed = self.files.iter().filter(|f| f.output != f.path).count();
        let _ = write!(
            s,
            "content-hashed names: {hashed} of {} files",
            self.files.len()
        );
        match self.outputs.get("manifest") {
            Some(m) => {
                let _ = writeln!(s, "; manifest: {m}");
            }
            None => s.push('\n'),
        }
        self.kept_names(&mut s);
        if !self.cycles.is_empty() {
            let _ = writeln!(
                s,
                "reference cycles (sharing one hash): {}",
                self.cycles
                    .iter()
                    .map(|c| c.join(" <-> "))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        s.push_str(&crate::budget::text(&self.budgets, self.baseline.as_ref()));
        for m in self.budgets.iter().filter_map(|b| b.message()) {
            let _ = writeln!(s, "error: {m}");
        }
        self.diagnostic_lines(&mut s);
        let stages: Vec<String> = self
            .totals
            .stages
            .iter()
            .map(|(n, ms)| format!("{n} {}", secs(*ms)))
            .collect();
        let _ = writeln!(
            s,
            "\ndone in {} ({}) -> {}",
            secs(self.totals.wall_ms),
            stages.join(", "),
            self.out_dir
        );
        s
    }
}

fn row(s: &mut String, label: &str, t: &Totals) {
    let saved = if t.bytes_in > 0 {
        format!(
            "{:.1}%",
            100.0 * (t.bytes_in as f64 - t.bytes_out as f64) / t.bytes_in as f64
        )
    } else {
        "-".into()
    };
    let size = |n: u64| if n > 0 { human(n) } else { "-".into() };
    let _ = writeln!(
        s,
        "{:<12} {:>6} {:>10} {:>10} {:>10} {:>10} {:>7} {:>8}",
        label,
        t.files,
        human(t.bytes_in),
        human(t.bytes_out),
        size(t.gzip_out),
        size(t.br_out),
        saved,
        secs(t.time_ms)
    );
}

pub use crate::units::human;

fn secs(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.0}ms")
    } else {
        format!("{:.2}s", ms / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::Status;

    fn file(path: &str, kind: &'static str, status: Status, inb: u64, outb: u64) -> FileReport {
        FileReport {
            path: path.into(),
            output: path.into(),
            kind,
            status,
            left_as_is: None,
            kept: None,
            bytes_in: inb,
            bytes_out: outb,
            gzip_out: Some(outb / 2),
            br_out: None,
            precompressed: Vec::new(),
            map_bytes: None,
            time_ms: 1.0,
        }
    }

    #[test]
    fn exit_code_follows_errors_and_strictness() {
        let files = vec![file("a.js", "js", Status::Minified, 100, 50)];
        let warn = vec![Diagnostic::warning("a.js", None, "w")];
        assert_eq!(
            Report::new(files.clone(), warn.clone(), false).exit_code(),
            0
        );
        let strict = Report::new(files.clone(), warn, true);
        assert_eq!(strict.exit_code(), 1);
        assert_eq!(
            strict.exit_reason().as_deref(),
            Some("--strict: 1 warning count as errors")
        );
        let json: serde_json::Value = serde_json::from_str(&strict.to_json()).unwrap();
        assert_eq!(json["exit_status"], 1);
        assert_eq!(json["exit_reason"], "--strict: 1 warning count as errors");
        assert_eq!(
            Report::new(files, vec![Diagnostic::error("a.js", None, "e")], false).exit_code(),
            1
        );
    }

    #[test]
    fn table_has_kinds_totals_and_diagnostics() {
        let files = vec![
            file("a.js", "js", Status::Minified, 2048, 1024),
            file("b.css", "css", Status::Failed, 100, 100),
        ];
        let r = Report::new(
            files,
            vec![Diagnostic::error(
                "b.css",
                Some(crate::error::Loc { line: 3, col: 4 }),
                "bad",
            )],
            false,
        );
        let t = r.to_table();
        assert!(
            t.contains("js                1     2.0 KB     1.0 KB"),
            "{t}"
        );
        assert!(t.contains("50.0%"), "{t}");
        assert!(t.contains("total             2"), "{t}");
        assert!(t.contains("1 error:\n  b.css:3:4: bad"), "{t}");
        assert!(!t.contains("left as they were"), "{t}");
    }

    #[test]
    fn files_left_as_they_were_are_counted_with_their_reason() {
        let left = |path, why| FileReport {
            left_as_is: Some(why),
            ..file(path, "js", Status::Copied, 80, 80)
        };
        let files = vec![
            file("a.js", "js", Status::Minified, 2048, 1024),
            left("b.js", LeftAsIs::NotSmaller),
            left("c.js", LeftAsIs::NotSmaller),
            left("d.js", LeftAsIs::TooLarge),
        ];
        let r = Report::new(files, Vec::new(), false);
        let t = r.to_table();
        assert!(
            t.contains("left as they were: 3 (2 not smaller minified, 1 over --max-text-size)\n"),
            "{t}"
        );
        let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(json["files"][0].get("left_as_is"), None);
        assert_eq!(json["files"][1]["left_as_is"], "not_smaller");
        assert_eq!(json["files"][3]["left_as_is"], "too_large");
        assert_eq!(json["totals"]["left_as_is"], 3);
        assert_eq!(json["totals"]["kinds"]["js"]["left_as_is"], 3);
    }
}
