//! Where the output is put together: a staging folder beside `--out`,
//! swapped into place at the end (one atomic exchange where the file system
//! allows, two renames where it does not), files placed beside the output
//! once it is, and the cleanup of what killed runs left behind. A run that
//! fails or is killed leaves the previous output exactly as it was.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

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
    /// Writes nothing (a shard's run): see [`Staging::discarding`].
    discard: bool,
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
            discard: false,
        })
    }

    /// A staging folder that keeps nothing and never becomes an output
    /// (the run of a shard, whose work goes into the cache, and which
    /// holds no file for a hash stage: it has no work folder either).
    pub fn discarding() -> Staging {
        Staging {
            dir: PathBuf::new(),
            held: PathBuf::new(),
            out: PathBuf::new(),
            committed: false,
            discard: true,
        }
    }

    /// The work folder for transformed files waiting for the hash stage,
    /// beside the staging folder; removed with it.
    pub fn held_dir(&self) -> &Path {
        &self.held
    }

    /// Writes `bytes` at the relative path `rel`.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        if self.discard {
            return Ok(());
        }
        let path = self.path_of(rel)?;
        fs::File::create(&path)
            .and_then(|mut f| f.write_all(bytes))
            .map_err(|e| Error::io(&path, e))
    }

    /// Reads back a file written at `rel`, if there is one.
    pub fn read(&self, rel: &str) -> Option<Vec<u8>> {
        if self.discard {
            return None;
        }
        fs::read(self.dir.join(rel)).ok()
    }

    /// The size of a file written at `rel`, if there is one.
    pub fn size(&self, rel: &str) -> Option<u64> {
        if self.discard {
            return None;
        }
        fs::metadata(self.dir.join(rel)).ok().map(|m| m.len())
    }

    /// Copies the file `from` to the relative path `rel`.
    pub fn copy(&self, rel: &str, from: &Path) -> Result<u64> {
        if self.discard {
            return fs::metadata(from)
                .map(|m| m.len())
                .map_err(|e| Error::io(from, e));
        }
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
        if self.discard {
            return;
        }
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
    type Renameat2 = unsafe extern "C" fn(
        libc::c_int,
        *const libc::c_char,
        libc::c_int,
        *const libc::c_char,
        libc::c_uint,
    ) -> libc::c_int;
    // glibc has the wrapper from 2.28 on; the release binaries are linked
    // against 2.17, so it is looked up when the run starts (which also
    // finds a preloaded one), and the system call made directly without it.
    // SAFETY: `dlsym` with a NUL-terminated name; a symbol of that name is
    // glibc's (or an interposer's) `renameat2`, of exactly this signature.
    let wrapper = unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"renameat2".as_ptr()) };
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
    let r = unsafe {
        if wrapper.is_null() {
            libc::syscall(
                libc::SYS_renameat2,
                libc::AT_FDCWD,
                a.as_ptr(),
                libc::AT_FDCWD,
                b.as_ptr(),
                libc::RENAME_EXCHANGE,
            ) as libc::c_int
        } else {
            let renameat2: Renameat2 = std::mem::transmute(wrapper);
            renameat2(
                libc::AT_FDCWD,
                a.as_ptr(),
                libc::AT_FDCWD,
                b.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        }
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
}
