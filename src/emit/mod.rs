//! Stage 5: write the output. Everything is written into a staging folder
//! beside `--out` and swapped into place at the end, so a run that fails or is
//! killed leaves the previous output exactly as it was. The input is never
//! written.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fs;
use std::sync::Mutex;
use std::time::Duration;

pub mod compress;
mod file_report;
pub mod generated;
pub mod headers;
pub mod manifest;
pub mod nginx;
mod sizes;
mod staging;

pub use file_report::FileReport;
pub use staging::{Pending, Place, Staging};

use crate::asset::SourceFile;
use crate::cache::{Cache, Entry};
use crate::encoding::{gzip_size, Encoding};
use crate::error::{Diagnostic, Error, Result};
use crate::hash::Output;
use crate::id::FileId;
use crate::naming::Naming;
use crate::transform::{Status, Transformed};
use headers::OutFile;

/// What the writer wrote, for the report and the generated files.
pub struct Emitted {
    /// One report per file written, in input order.
    pub files: Vec<FileReport>,
    /// The transforms' diagnostics.
    pub diagnostics: Vec<Diagnostic>,
    /// Image variants written, and their bytes.
    pub variants: (u64, u64),
    /// Every file written (maps and variants too), sorted by path.
    pub out_files: Vec<OutFile>,
}

impl Emitted {
    /// Serves the files of the input paths `names` (names a bundler
    /// hashed), and the maps written beside them, as hashed names.
    pub fn serve_as_hashed(&mut self, names: &BTreeSet<&str>) {
        for f in &mut self.out_files {
            let owner = f.rel.strip_suffix(".map").unwrap_or(&f.rel);
            f.hashed |= names.contains(f.rel.as_str()) || names.contains(owner);
        }
    }
}

/// Which files go to the output: all but input source maps that a minified
/// file folded into its own new map (or made stale).
pub fn in_output(results: &[Transformed], files: &[SourceFile]) -> Vec<bool> {
    let replaced: BTreeSet<&str> = results
        .iter()
        .filter_map(|r| r.replaces_map.as_deref())
        .collect();
    files
        .iter()
        .map(|f| !replaced.contains(f.rel.as_str()))
        .collect()
}

/// Writes files into the staging folder as they are finished, from any
/// thread (a file that names no other is written as soon as it is
/// transformed), and keeps what each produced for the report.
pub struct Writer<'a> {
    staging: &'a Staging,
    files: &'a [SourceFile],
    naming: &'a Naming,
    /// Input paths: a compressed copy never replaces a file of the input
    /// that keeps its name (an input that brings its own `app.js.gz`).
    names: &'a BTreeSet<String>,
    encodings: &'a [Encoding],
    /// Where compressed copies are taken from when they were made before.
    cache: Option<&'a Cache>,
    slots: Vec<Mutex<Option<Report>>>,
    variants: Mutex<Vec<(String, u64)>>,
    clashes: Mutex<Vec<Diagnostic>>,
}

impl<'a> Writer<'a> {
    /// A writer of `files` into `staging`, with compressed copies in `encodings`.
    pub fn new(
        staging: &'a Staging,
        files: &'a [SourceFile],
        naming: &'a Naming,
        names: &'a BTreeSet<String>,
        encodings: &'a [Encoding],
        cache: Option<&'a Cache>,
    ) -> Writer<'a> {
        Writer {
            staging,
            files,
            naming,
            names,
            encodings,
            cache,
            slots: files.iter().map(|_| Mutex::new(None)).collect(),
            variants: Mutex::new(Vec::new()),
            clashes: Mutex::new(Vec::new()),
        }
    }

    /// Writes input file `id` as `output` (its bytes, or the input copied
    /// when it has none), with its map and compressed copies, then releases
    /// the bytes.
    pub fn file(
        &self,
        id: FileId,
        status: Status,
        time: Duration,
        output: &mut Output,
    ) -> Result<()> {
        let mut own: Vec<Encoding> = self.encodings.to_vec();
        own.retain(|e| {
            let copy = format!("{}.{}", output.rel, e.extension());
            let free = !(self.names.contains(&copy) && self.naming.keeps_name(&copy));
            if !free {
                lock(&self.clashes).push(Diagnostic::warning(
                    &copy,
                    None,
                    format!(
                        "a file of the input: kept as it is, and no .{} of {} is made",
                        e.extension(),
                        output.rel
                    ),
                ));
            }
            free
        });
        let report = write_one(
            self.staging,
            self.cache,
            &self.files[id],
            status,
            time,
            output,
            &own,
        )?;
        output.release();
        *lock(&self.slots[id]) = Some(report);
        Ok(())
    }

    /// Writes an image variant, then releases its bytes.
    pub fn variant(&self, output: &mut Output) -> Result<()> {
        self.staging
            .write(&output.rel, output.bytes.as_deref().unwrap_or_default())?;
        output.release();
        lock(&self.variants).push((output.rel.clone(), output.size));
        Ok(())
    }

    /// What was written, with the transforms' diagnostics.
    pub fn finish(self, results: Vec<Transformed>) -> Emitted {
        let variants = self
            .variants
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        let variant_totals = (
            variants.len() as u64,
            variants.iter().map(|v| v.1).sum::<u64>(),
        );
        let mut out_files: Vec<OutFile> = variants
            .into_iter()
            .map(|(rel, _)| OutFile {
                rel,
                hashed: true,
                encodings: Vec::new(),
            })
            .collect();
        let mut reports = Vec::with_capacity(self.files.len());
        for (slot, result) in self.slots.into_iter().zip(&results) {
            if let Some((mut report, outs)) = slot.into_inner().unwrap_or_else(|e| e.into_inner()) {
                report.left_as_is = result.left_as_is;
                reports.push(report);
                out_files.extend(outs);
            }
        }
        out_files.sort_by(|a, b| a.rel.cmp(&b.rel));
        let mut diagnostics: Vec<Diagnostic> =
            results.into_iter().flat_map(|r| r.diagnostics).collect();
        diagnostics.extend(self.clashes.into_inner().unwrap_or_else(|e| e.into_inner()));
        Emitted {
            files: reports,
            diagnostics,
            variants: variant_totals,
            out_files,
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What writing one file produced: its report and the files written.
type Report = (FileReport, Vec<OutFile>);

/// The compressed copies of `bytes` worth keeping, taken from `cache` when
/// they were made before.
fn compressed(
    cache: Option<&Cache>,
    bytes: &[u8],
    encodings: &[Encoding],
) -> Vec<(Encoding, Vec<u8>)> {
    let compute = || Entry {
        meta: Vec::new(),
        blobs: encodings.iter().map(|e| e.compress(bytes)).collect(),
    };
    compress::precompress(bytes, encodings, || match cache {
        Some(c) => {
            let key = c.key(
                "precompress",
                &format!("{encodings:?} gzip 9, br 11"),
                &[bytes],
            );
            c.get_or("precompress", &key, compute).blobs
        }
        None => compute().blobs,
    })
}

/// Writes one file (and its map) into the staging folder, with their
/// compressed copies, and reports its sizes.
fn write_one(
    staging: &Staging,
    cache: Option<&Cache>,
    file: &SourceFile,
    status: Status,
    time: Duration,
    output: &Output,
    encodings: &[Encoding],
) -> Result<Report> {
    // `.gz` and `.br` are as long: a name of 253 bytes or more gets no copies.
    let compress = !encodings.is_empty()
        && compress::compressible(&output.rel)
        && crate::naming::name_fits(&output.rel, ".gz".len());
    let data: Option<Cow<[u8]>> = match &output.bytes {
        Some(bytes) => Some(Cow::Borrowed(bytes)),
        None if file.kind.is_text() || compress => Some(Cow::Owned(
            fs::read(&file.abs).map_err(|e| Error::io(&file.abs, e))?,
        )),
        None => None,
    };
    // The compressed copies written, and their sizes.
    let mut copies: Vec<(Encoding, u64)> = Vec::new();
    let mut gzip_out = None;
    let bytes_out = match &data {
        Some(bytes) => {
            staging.write(&output.rel, bytes)?;
            if compress {
                for (encoding, data) in compressed(cache, bytes, encodings) {
                    staging.write(&format!("{}.{}", output.rel, encoding.extension()), &data)?;
                    copies.push((encoding, data.len() as u64));
                }
            }
            let size_of = |e| copies.iter().find(|c| c.0 == e).map(|c| c.1);
            gzip_out =
                size_of(Encoding::Gzip).or_else(|| file.kind.is_text().then(|| gzip_size(bytes)));
            bytes.len() as u64
        }
        None => staging.copy(&output.rel, &file.abs)?,
    };
    let kept: Vec<Encoding> = copies.iter().map(|c| c.0).collect();
    // Renamed files carry a hash, or follow a file that does.
    let hashed = output.rel != file.rel;
    let mut outs = vec![OutFile {
        rel: output.rel.clone(),
        hashed,
        encodings: kept.clone(),
    }];
    let map_bytes = match &output.map {
        Some(map) => {
            let rel = format!("{}.map", output.rel);
            // Maps are not precompressed (see `compress::COMPRESSIBLE`).
            staging.write(&rel, map)?;
            outs.push(OutFile {
                rel,
                hashed,
                encodings: Vec::new(),
            });
            Some(map.len() as u64)
        }
        None => None,
    };
    let report = FileReport {
        path: file.rel.clone(),
        output: output.rel.clone(),
        kind: file.kind.label(),
        status,
        left_as_is: None,
        kept: None,
        bytes_in: file.size,
        bytes_out,
        gzip_out,
        br_out: copies.iter().find(|c| c.0 == Encoding::Br).map(|c| c.1),
        precompressed: kept,
        map_bytes,
        time_ms: time.as_secs_f64() * 1000.0,
    };
    Ok((report, outs))
}
