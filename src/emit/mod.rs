//! Stage 5: write the output. Everything is written into a staging folder
//! beside `--out` and swapped into place at the end, so a run that fails or is
//! killed leaves the previous output exactly as it was. The input is never
//! written.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

pub mod compress;
pub mod generated;
pub mod headers;
pub mod manifest;
pub mod nginx;

use crate::asset::SourceFile;
use crate::cache::{Cache, Entry};
use crate::encoding::Encoding;
use crate::error::{Diagnostic, Error, Result};
use crate::hash::Output;
use crate::naming::Naming;
use crate::report::FileReport;
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

    /// Writes input file `i` as `output` (its bytes, or the input copied
    /// when it has none), with its map and compressed copies, then releases
    /// the bytes.
    pub fn file(
        &self,
        i: usize,
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
            &self.files[i],
            status,
            time,
            output,
            &own,
        )?;
        output.release();
        *lock(&self.slots[i]) = Some(report);
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
        for slot in self.slots {
            if let Some((report, outs)) = slot.into_inner().unwrap_or_else(|e| e.into_inner()) {
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
    let compress = !encodings.is_empty() && compress::compressible(&output.rel);
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

/// Where a generated server file (nginx snippet, `headers.json`) goes: in
/// the output, or beside it.
#[derive(Debug, Clone)]
pub enum Place {
    /// Inside the output, at this relative path.
    Inside(String),
    /// Outside the output, at this absolute path.
    Outside(PathBuf),
}

impl Place {
    /// Decides where `path` is, refusing places inside the input (never written).
    pub fn of(path: &Path, input: &Path, out: &Path, flag: &str) -> Result<Place> {
        let abs = crate::discover::absolute_out(path)?;
        if abs.starts_with(input) {
            return Err(Error::Config(format!(
                "{flag} {}: inside the input folder, which is never written",
                path.display()
            )));
        }
        match abs.strip_prefix(out) {
            Ok(rel) => {
                let rel = rel.to_string_lossy().replace('\\', "/");
                if rel.is_empty() {
                    return Err(Error::Config(format!(
                        "{flag} {}: that is the output folder",
                        path.display()
                    )));
                }
                Ok(Place::Inside(rel))
            }
            // Checked now: after the output is replaced it would be too late.
            Err(_) if abs.is_dir() => Err(Error::Config(format!(
                "{flag} {}: that is a folder; give the path of a file",
                path.display()
            ))),
            Err(_) => Ok(Place::Outside(abs)),
        }
    }

    /// The absolute path, for the report.
    pub fn display(&self, out: &Path) -> String {
        match self {
            Place::Inside(rel) => out.join(rel).display().to_string(),
            Place::Outside(p) => p.display().to_string(),
        }
    }
}

/// A file written beside the output under a temporary name, renamed into
/// place by [`Pending::finish`] once the output is, and removed if dropped.
#[derive(Debug)]
pub struct Pending {
    tmp: PathBuf,
    path: PathBuf,
    done: bool,
}

impl Pending {
    /// Writes `bytes` beside `path`.
    pub fn write(path: &Path, bytes: &[u8]) -> Result<Pending> {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Temporary files of runs that were killed.
        if let Some(parent) = path.parent() {
            remove_stale(parent, &format!("{name}.tmp-"), true);
        }
        let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
        fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
        Ok(Pending {
            tmp,
            path: path.to_path_buf(),
            done: false,
        })
    }

    /// Puts the file in place.
    pub fn finish(mut self) -> Result<()> {
        fs::rename(&self.tmp, &self.path).map_err(|e| Error::io(&self.path, e))?;
        self.done = true;
        Ok(())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// A staging folder that becomes `--out` on [`Staging::commit`]; dropped
/// without a commit, it is removed.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    /// Where transformed files wait past the memory budget (see `held`).
    held: PathBuf,
    out: PathBuf,
    committed: bool,
}

const STAGING_TAG: &str = ".assetpress-staging-";
const OLD_TAG: &str = ".assetpress-old-";
const HELD_TAG: &str = ".assetpress-held-";

impl Staging {
    /// Creates a fresh staging folder beside `out` (creating `out`'s parents),
    /// after removing folders left by runs that died.
    pub fn create(out: &Path) -> Result<Staging> {
        let parent = out
            .parent()
            .ok_or_else(|| Error::Config("--out has no parent folder".into()))?;
        let name = out
            .file_name()
            .ok_or_else(|| Error::Config(format!("--out {}: not a folder name", out.display())))?
            .to_string_lossy()
            .into_owned();
        if out.exists() && !out.is_dir() {
            return Err(Error::Config(format!(
                "--out {} exists and is not a folder",
                out.display()
            )));
        }
        fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        restore_interrupted(parent, &name, out)?;
        remove_stale(parent, &name, false);
        let dir = parent.join(format!(".{name}{STAGING_TAG}{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        }
        fs::create_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        let held = parent.join(format!(".{name}{HELD_TAG}{}", std::process::id()));
        let _ = fs::remove_dir_all(&held);
        Ok(Staging {
            dir,
            held,
            out: out.to_path_buf(),
            committed: false,
        })
    }

    /// The work folder for transformed files waiting for the hash stage,
    /// beside the staging folder; removed with it.
    pub fn held_dir(&self) -> &Path {
        &self.held
    }

    /// Writes `bytes` at the relative path `rel`.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let path = self.path_of(rel)?;
        fs::File::create(&path)
            .and_then(|mut f| f.write_all(bytes))
            .map_err(|e| Error::io(&path, e))
    }

    /// Reads back a file written at `rel`, if there is one.
    pub fn read(&self, rel: &str) -> Option<Vec<u8>> {
        fs::read(self.dir.join(rel)).ok()
    }

    /// Copies the file `from` to the relative path `rel`.
    pub fn copy(&self, rel: &str, from: &Path) -> Result<u64> {
        let path = self.path_of(rel)?;
        fs::copy(from, &path).map_err(|e| Error::io(&path, e))
    }

    fn path_of(&self, rel: &str) -> Result<PathBuf> {
        let path = self.dir.join(rel);
        if let Some(p) = path.parent() {
            fs::create_dir_all(p).map_err(|e| Error::io(p, e))?;
        }
        Ok(path)
    }

    /// Puts the staged tree in place of `--out`, atomically where the system
    /// allows (an exchange of the two folders), and removes the old tree.
    pub fn commit(mut self) -> Result<()> {
        let _ = fs::remove_dir_all(&self.held);
        if !self.out.exists() {
            fs::rename(&self.dir, &self.out).map_err(|e| Error::io(&self.out, e))?;
            self.committed = true;
            return Ok(());
        }
        if exchange(&self.dir, &self.out).is_ok() {
            // `dir` now holds the previous output.
            self.committed = true;
            let _ = fs::remove_dir_all(&self.dir);
            return Ok(());
        }
        let parent = self.out.parent().unwrap_or(Path::new("."));
        let name = self
            .out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let old = parent.join(format!(".{name}{OLD_TAG}{}", std::process::id()));
        fs::rename(&self.out, &old).map_err(|e| Error::io(&self.out, e))?;
        if let Err(e) = fs::rename(&self.dir, &self.out) {
            let _ = fs::rename(&old, &self.out);
            return Err(Error::io(&self.out, e));
        }
        self.committed = true;
        let _ = fs::remove_dir_all(&old);
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.held);
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Swaps two directory entries in one step (Linux `renameat2(RENAME_EXCHANGE)`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "no atomic exchange",
    ))
}

/// Puts back the previous output when a run died between the two renames
/// of a commit without an atomic exchange: the output is gone and its old
/// tree (`.<name>.assetpress-old-<pid>`, of a process no longer alive) is
/// the only copy. With an output in place, an old tree is leftover garbage
/// for [`remove_stale`].
fn restore_interrupted(parent: &Path, name: &str, out: &Path) -> Result<()> {
    if out.exists() {
        return Ok(());
    }
    let Ok(entries) = fs::read_dir(parent) else {
        return Ok(());
    };
    let prefix = format!(".{name}{OLD_TAG}");
    let mut olds: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.strip_prefix(&prefix)
                .and_then(|pid| pid.parse::<u32>().ok())
                .is_some_and(|pid| !process_alive(pid))
        })
        .map(|e| e.path())
        .collect();
    // Several can only come from several dead runs; any one is a previous
    // output, and the sorted first makes the choice deterministic.
    olds.sort();
    if let Some(old) = olds.first() {
        fs::rename(old, out).map_err(|e| Error::io(out, e))?;
    }
    Ok(())
}

/// Removes what runs that died left in `parent`: staging and old folders of
/// the output `name` (`.<name>.assetpress-staging-<pid>`), or with `files`,
/// temporary files `.<name><pid>`.
fn remove_stale(parent: &Path, name: &str, files: bool) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(&format!(".{name}")) else {
            continue;
        };
        let pid = if files {
            Some(rest)
        } else {
            rest.strip_prefix(STAGING_TAG)
                .or_else(|| rest.strip_prefix(OLD_TAG))
                .or_else(|| rest.strip_prefix(HELD_TAG))
        };
        if let Some(pid) = pid.and_then(|p| p.parse::<u32>().ok()) {
            if !process_alive(pid) {
                let _ = if files {
                    fs::remove_file(entry.path())
                } else {
                    fs::remove_dir_all(entry.path())
                };
            }
        }
    }
}

fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    if cfg!(target_os = "linux") {
        Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
}

/// Bytes of `data` after gzip at level 9, as a report of what a server would send.
pub fn gzip_size(data: &[u8]) -> u64 {
    let mut counter = Counter(0);
    {
        let mut enc = flate2::write::GzEncoder::new(&mut counter, flate2::Compression::best());
        let _ = enc.write_all(data);
        let _ = enc.finish();
    }
    counter.0
}

struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_replaces_previous_output_and_drop_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("old.txt"), "old").unwrap();

        let s = Staging::create(&out).unwrap();
        s.write("a/new.txt", b"new").unwrap();
        drop(s);
        assert!(out.join("old.txt").exists());
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "staging removed"
        );

        let s = Staging::create(&out).unwrap();
        s.write("a/new.txt", b"new").unwrap();
        s.commit().unwrap();
        assert!(!out.join("old.txt").exists());
        assert_eq!(fs::read_to_string(out.join("a/new.txt")).unwrap(), "new");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "old tree removed"
        );
    }

    #[test]
    fn stale_staging_of_dead_runs_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(format!(".out{STAGING_TAG}999999999"));
        fs::create_dir(&stale).unwrap();
        let s = Staging::create(&dir.path().join("out")).unwrap();
        assert!(!stale.exists());
        s.commit().unwrap();
    }

    #[test]
    fn gzip_size_is_smaller_for_repetitive_text() {
        let text = "hello world ".repeat(1000);
        let n = gzip_size(text.as_bytes());
        assert!(n > 20 && n < 200, "{n}");
    }
}
