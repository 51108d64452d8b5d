//! Transformed files waiting for the hash stage. A file that names other
//! files cannot be finished before their hashes are known, so its
//! transformed bytes wait. They wait in memory up to `limits.max_held_bytes`
//! in all, and in a work folder beside the staged output past that, so peak
//! memory does not grow with the size of the site.

use std::borrow::Cow;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use crate::error::{Error, Result};

/// Where waiting bytes are kept.
pub struct Held {
    dir: PathBuf,
    budget: u64,
    used: AtomicU64,
    next: AtomicUsize,
}

/// One file's waiting bytes.
#[derive(Debug)]
pub enum Body {
    /// In memory.
    Memory(Vec<u8>),
    /// In a file of the work folder.
    Disk(PathBuf),
}

impl Held {
    /// Holds up to `budget` bytes in memory; the rest go to files in `dir`,
    /// which is created when first needed and belongs to the caller.
    pub fn new(dir: &Path, budget: u64) -> Held {
        Held {
            dir: dir.to_path_buf(),
            budget,
            used: AtomicU64::new(0),
            next: AtomicUsize::new(0),
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
        fs::create_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        let path = self
            .dir
            .join(self.next.fetch_add(1, Ordering::Relaxed).to_string());
        fs::write(&path, &bytes).map_err(|e| Error::io(&path, e))?;
        Ok(Body::Disk(path))
    }

    /// Bytes held on disk so far, in files.
    pub fn spilled(&self) -> usize {
        self.next.load(Ordering::Relaxed)
    }
}

impl Body {
    /// The bytes, read back when they wait on disk.
    pub fn load(&self) -> Result<Cow<'_, [u8]>> {
        match self {
            Body::Memory(b) => Ok(Cow::Borrowed(b)),
            Body::Disk(path) => fs::read(path)
                .map(Cow::Owned)
                .map_err(|e| Error::io(path, e)),
        }
    }
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
        assert!(matches!(b, Body::Disk(_)));
        assert_eq!(held.spilled(), 1);
        assert_eq!(&*a.load().unwrap(), b"0123456");
        assert_eq!(&*b.load().unwrap(), b"789abcdef");
    }
}
