//! Transformed files waiting for the hash stage. A file that names other
//! files cannot be finished before their hashes are known, so its
//! transformed bytes wait. They wait in memory up to `limits.max_held_bytes`
//! in all, and past that in one work file (in a folder beside the staged
//! output), so peak memory does not grow with the size of the site.

use std::borrow::Cow;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};

/// Where waiting bytes are kept.
pub struct Held {
    dir: PathBuf,
    budget: u64,
    used: AtomicU64,
    spilled: AtomicUsize,
    /// One file the bytes past the budget are appended to, and its length.
    file: Mutex<Option<(Arc<Spill>, u64)>>,
}

/// The work file.
#[derive(Debug)]
pub struct Spill {
    file: File,
    path: PathBuf,
}

/// One file's waiting bytes.
#[derive(Debug)]
pub enum Body {
    /// In memory.
    Memory(Vec<u8>),
    /// A stretch of the work file.
    Disk {
        file: Arc<Spill>,
        offset: u64,
        len: usize,
    },
}

impl Held {
    /// Holds up to `budget` bytes in memory; the rest go to a file in `dir`,
    /// which is created when first needed and belongs to the caller.
    pub fn new(dir: &Path, budget: u64) -> Held {
        Held {
            dir: dir.to_path_buf(),
            budget,
            used: AtomicU64::new(0),
            spilled: AtomicUsize::new(0),
            file: Mutex::new(None),
        }
    }

    /// Keeps `bytes` until the hash stage asks for them.
    pub fn hold(&self, bytes: Vec<u8>) -> Result<Body> {
        let len = bytes.len() as u64;
        let fits = self
            .used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                (used + len <= self.budget).then_some(used + len)
            })
            .is_ok();
        if fits {
            return Ok(Body::Memory(bytes));
        }
        let mut slot = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            fs::create_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
            let path = self.dir.join("held");
            let file = File::options()
                .create(true)
                .truncate(true)
                .read(true)
                .write(true)
                .open(&path)
                .map_err(|e| Error::io(&path, e))?;
            *slot = Some((Arc::new(Spill { file, path }), 0));
        }
        let Some((file, end)) = slot.as_mut() else {
            unreachable!("opened above")
        };
        let offset = *end;
        write_at(&file.file, &bytes, offset).map_err(|e| Error::io(&file.path, e))?;
        *end += len;
        Ok(Body::Disk {
            file: Arc::clone(file),
            offset,
            len: bytes.len(),
        })
    }

    /// Counts one more file whose bytes went to disk.
    pub fn count(&self, body: &Body) {
        if matches!(body, Body::Disk { .. }) {
            self.spilled.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// How many files waited on disk (counted with [`Held::count`]).
    pub fn spilled(&self) -> usize {
        self.spilled.load(Ordering::Relaxed)
    }
}

impl Body {
    /// The bytes, read back when they wait on disk.
    pub fn load(&self) -> Result<Cow<'_, [u8]>> {
        match self {
            Body::Memory(b) => Ok(Cow::Borrowed(b)),
            Body::Disk { file, offset, len } => {
                let mut buf = vec![0; *len];
                read_at(&file.file, &mut buf, *offset).map_err(|e| Error::io(&file.path, e))?;
                Ok(Cow::Owned(buf))
            }
        }
    }
}

#[cfg(unix)]
fn write_at(file: &File, bytes: &[u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, offset)
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn write_at(file: &File, mut bytes: &[u8], mut offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !bytes.is_empty() {
        let n = file.seek_write(bytes, offset)?;
        bytes = &bytes[n..];
        offset += n as u64;
    }
    Ok(())
}

#[cfg(windows)]
fn read_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        let n = file.seek_read(buf, offset)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf = &mut buf[n..];
        offset += n as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_past_the_budget_wait_on_disk_and_come_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let held = Held::new(&dir.path().join("work"), 10);
        let a = held.hold(b"0123456".to_vec()).unwrap();
        let b = held.hold(b"789abcdef".to_vec()).unwrap();
        assert!(matches!(a, Body::Memory(_)));
        assert!(matches!(b, Body::Disk { .. }));
        held.count(&a);
        held.count(&b);
        assert_eq!(held.spilled(), 1);
        assert_eq!(&*a.load().unwrap(), b"0123456");
        assert_eq!(&*b.load().unwrap(), b"789abcdef");
    }
}
