//! A content-addressed cache of transform results, so a run over mostly
//! unchanged input redoes almost nothing. An entry is keyed by the SHA-256 of
//! everything its result depends on: the kind of transform, the options that
//! affect it, the input bytes, and the build of assetpress ([`BUILD_ID`]:
//! any other build misses every entry).
//!
//! Entries are files `<dir>/v3/<2 hex>/<62 hex>`, written under a temporary
//! name and renamed into place, so concurrent and killed runs never leave a
//! torn entry. A hit refreshes the entry's modification time, and
//! [`Cache::prune`] removes the least recently used entries beyond the size
//! cap.
//!
//! **The cache is trusted input**: an entry is published as it is. So each
//! entry is authenticated with a key kept outside the cache — HMAC-SHA-256
//! of its own cache key and its payload, checked on read, so an entry
//! moved to another entry's place fails too — and the key is part of every entry's
//! path: whoever can write the cache folder (a CI cache restored from
//! another branch's job) but does not hold the key can neither forge an
//! entry nor even name one. An entry that fails the check is a miss
//! (reported, recomputed and rewritten). The key is `ASSETPRESS_CACHE_KEY`
//! when set (a CI secret shared by the jobs that may share a cache), else a
//! random key made once in `$XDG_CONFIG_HOME/assetpress/cache-key` (or
//! `~/.config/…`), readable by its owner only.
//!
//! Behind the local folder there may be a cache shared by CI runners
//! ([`Remote`], `--cache-url`): a local miss is fetched from it (and
//! checked like a local entry), and a computed entry is uploaded to it.

mod entry;
mod remote;
mod secret;

pub use entry::Entry;
use entry::{decode, encode};
pub use remote::{Remote, RemoteCounts};
pub use secret::{default_dir, secret, KEY_VAR};

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::SystemTime;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::digest::hex;
use crate::error::Diagnostic;

/// Layout version of the folder and of an entry.
const LAYOUT: &str = "v3";
/// What this build of assetpress is: a SHA-256 (hex) of its sources,
/// `Cargo.toml`, `Cargo.lock`, target and profile, computed by `build.rs`
/// at compile time — the same guarantee as hashing the binary, for nothing
/// at run time.
pub const BUILD_ID: &str = env!("ASSETPRESS_BUILD_ID");

/// What goes into every key for the build: [`BUILD_ID`], unless it was
/// made without a `Cargo.lock` (the dependencies' versions unknown at
/// compile time), in which case the running binary's own SHA-256.
fn build_identity() -> [u8; 32] {
    if env!("ASSETPRESS_BUILD_LOCKED") != "1" {
        if let Ok(exe) = std::env::current_exe().and_then(fs::read) {
            return Sha256::digest(&exe).into();
        }
    }
    Sha256::digest(BUILD_ID).into()
}

/// Hits and misses of one kind of transform.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Results taken from the cache.
    pub hits: u64,
    /// Results computed (and stored).
    pub misses: u64,
    /// Of the hits, those fetched from the shared cache.
    pub fetched: u64,
}

/// The cache of one run.
#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
    /// The build identity: part of every key.
    build: [u8; 32],
    /// The key entries are authenticated with.
    secret: Vec<u8>,
    counts: Mutex<BTreeMap<&'static str, Counts>>,
    problems: Mutex<Vec<Diagnostic>>,
    written: AtomicU64,
    /// The cache shared by runners, behind this one.
    remote: Option<Remote>,
    /// Entries fetched ahead from it and not used yet.
    prefetched: Mutex<std::collections::HashSet<[u8; 32]>>,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote")
            .field("name", &self.name())
            .finish()
    }
}

impl Cache {
    /// Opens (creating) the cache in `dir`, its entries authenticated with
    /// `secret` (see [`secret`]). `None`, with the reason, when it cannot be
    /// used: the run goes on without it.
    pub fn open(dir: &Path, secret: Vec<u8>) -> Result<Cache, String> {
        let root = dir.join(LAYOUT);
        fs::create_dir_all(root.join("tmp")).map_err(|e| {
            format!(
                "cache folder {}: {e}; running without a cache",
                dir.display()
            )
        })?;
        Ok(Cache {
            dir: root,
            build: build_identity(),
            secret,
            counts: Mutex::new(BTreeMap::new()),
            problems: Mutex::new(Vec::new()),
            written: AtomicU64::new(0),
            remote: None,
            prefetched: Mutex::new(std::collections::HashSet::new()),
        })
    }

    /// Puts the shared cache `remote` behind this one.
    pub fn with_remote(self, remote: Remote) -> Cache {
        Cache {
            remote: Some(remote),
            ..self
        }
    }

    /// Whether a shared cache is behind this one.
    pub fn has_remote(&self) -> bool {
        self.remote.is_some()
    }

    /// Fetches ahead, many at a time, the entries of `keys` that the shared
    /// cache holds and the local one lacks (a request each would otherwise
    /// wait on one worker). Each is checked before it is stored locally;
    /// one that fails is left for [`Cache::get_or`] to refuse and replace.
    pub fn prefetch(&self, keys: &[[u8; 32]]) {
        let Some(remote) = &self.remote else {
            return;
        };
        let wanted: Vec<String> = keys
            .iter()
            .filter(|k| !self.path(k).is_file())
            .map(Cache::rel)
            .filter(|rel| remote.ahead(rel))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if wanted.is_empty() {
            return;
        }
        remote.fetch_many(wanted, &|rel, bytes| {
            let Some(key) = key_of(rel) else { return };
            if decode(bytes, &self.secret, &key).is_some() {
                self.store(&self.path(&key), bytes);
                self.prefetched
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(key);
            }
        });
    }

    /// The layout folder entries live in, locally and in a shared cache.
    pub fn layout() -> &'static str {
        LAYOUT
    }

    /// Waits for the uploads to the shared cache; its counts, if there is
    /// one (a failed upload is a warning: the next runs compute it again).
    pub fn finish_remote(&self) -> Option<RemoteCounts> {
        let remote = self.remote.as_ref()?;
        let (mut counts, problem) = remote.finish();
        counts.fetched = self.counts().values().map(|c| c.fetched).sum();
        if let Some(problem) = problem {
            self.problem(remote.name(), problem);
        }
        if remote.gone() {
            self.problem(
                remote.name(),
                "the shared cache stopped answering (requests failed in a row); the rest of the run used the local cache only",
            );
        }
        Some(counts)
    }

    fn problem(&self, path: &str, message: impl Into<String>) {
        self.problems
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Diagnostic::warning(path, None, message.into()));
    }

    /// The key of a result of `kind` computed with `options` from `parts`.
    pub fn key(&self, kind: &str, options: &str, parts: &[&[u8]]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.build);
        // The key's own digest: another key's entries are other files.
        h.update(Sha256::digest(&self.secret));
        for p in [kind.as_bytes(), options.as_bytes()].iter().chain(parts) {
            h.update((p.len() as u64).to_le_bytes());
            h.update(p);
        }
        h.finalize().into()
    }

    fn path(&self, key: &[u8; 32]) -> PathBuf {
        let k = hex(key);
        self.dir.join(&k[..2]).join(&k[2..])
    }

    /// The entry's path in a shared cache: free of any local folder, so two
    /// checkouts (and two runners) name an entry the same.
    fn rel(key: &[u8; 32]) -> String {
        let k = hex(key);
        format!("{LAYOUT}/{}/{}", &k[..2], &k[2..])
    }

    /// The entry of `key`, computing and storing it with `compute` on a miss.
    pub fn get_or(
        &self,
        kind: &'static str,
        key: &[u8; 32],
        compute: impl FnOnce() -> Entry,
    ) -> Entry {
        let path = self.path(key);
        if let Some(entry) = self.read(&path, key) {
            self.count(kind, true);
            let ahead = self
                .prefetched
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(key);
            if ahead {
                self.count_fetched(kind);
            }
            // Recently used: pruned last.
            if let Ok(f) = fs::File::options().append(true).open(&path) {
                let _ = f.set_modified(SystemTime::now());
            }
            return entry;
        }
        // A shared entry that fails its check is replaced.
        let mut replace = false;
        if let Some(remote) = &self.remote {
            let rel = Cache::rel(key);
            match remote.fetch(&rel) {
                Ok(Some(bytes)) => match decode(&bytes, &self.secret, key) {
                    Some(entry) => {
                        self.count(kind, true);
                        self.count_fetched(kind);
                        self.store(&path, &bytes);
                        return entry;
                    }
                    None => {
                        remote.refused();
                        replace = true;
                        self.problem(
                            &format!("{}/{rel}", remote.name()),
                            "shared cache entry fails its authentication (corrupt, forged, or written with another cache key): recomputed",
                        );
                    }
                },
                Ok(None) => {}
                Err(e) => self.problem(remote.name(), format!("{e}; recomputed")),
            }
        }
        self.count(kind, false);
        let entry = compute();
        let bytes = encode(&entry, &self.secret, key);
        self.store(&path, &bytes);
        if let Some(remote) = &self.remote {
            remote.upload(&Cache::rel(key), bytes, replace);
        }
        entry
    }

    fn count(&self, kind: &'static str, hit: bool) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let c = counts.entry(kind).or_default();
        if hit {
            c.hits += 1;
        } else {
            c.misses += 1;
        }
    }

    fn count_fetched(&self, kind: &'static str) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.entry(kind).or_default().fetched += 1;
    }

    /// Reads and checks an entry; a corrupt one is reported and ignored.
    fn read(&self, path: &Path, key: &[u8; 32]) -> Option<Entry> {
        let problem = match fs::read(path) {
            Ok(bytes) => match decode(&bytes, &self.secret, key) {
                Some(entry) => return Some(entry),
                None => "cache entry fails its authentication (corrupt, or not written with this cache key): recomputed",
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(_) if path.is_dir() => "cache entry is a folder: replaced",
            Err(_) => "unreadable cache entry: recomputed",
        };
        self.problem(&path.display().to_string(), problem);
        None
    }

    /// Stores an encoded entry: a temporary file renamed into place. A
    /// failure only costs the next run the work.
    fn store(&self, path: &Path, bytes: &[u8]) {
        let Some(parent) = path.parent() else { return };
        let _ = fs::create_dir_all(parent);
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let tmp = self.dir.join("tmp").join(format!(
            "{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        // Whatever stands in the entry's place (a folder, say) is replaced,
        // so a damaged cache heals instead of missing on every run.
        if path.is_dir() {
            let _ = fs::remove_dir_all(path);
        }
        let ok = fs::File::create(&tmp)
            .and_then(|mut f| f.write_all(bytes))
            .and_then(|_| fs::rename(&tmp, path));
        if ok.is_err() {
            let _ = fs::remove_file(&tmp);
        } else {
            self.written
                .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        }
    }

    /// Hits and misses per kind so far.
    pub fn counts(&self) -> BTreeMap<&'static str, Counts> {
        self.counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Corrupt entries met so far, as warnings.
    pub fn take_problems(&self) -> Vec<Diagnostic> {
        std::mem::take(&mut *self.problems.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Removes the least recently used entries while the cache is over
    /// `max_size` bytes (down to 90% of it), and temporary files of runs that
    /// died. Returns the bytes removed.
    pub fn prune(&self, max_size: u64) -> u64 {
        let mut entries: Vec<(SystemTime, u64, PathBuf)> = Vec::new();
        let mut total = 0u64;
        for e in walkdir::WalkDir::new(&self.dir)
            .min_depth(2)
            .max_depth(2)
            .into_iter()
            .filter_map(|e| e.ok())
        {
            let Ok(meta) = e.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            let in_tmp = e.path().parent().is_some_and(|p| p.ends_with("tmp"));
            let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            if in_tmp {
                // Older than a day: left by a run that was killed.
                if modified.elapsed().is_ok_and(|age| age.as_secs() > 86_400) {
                    let _ = fs::remove_file(e.path());
                }
                continue;
            }
            total += meta.len();
            entries.push((modified, meta.len(), e.into_path()));
        }
        if total <= max_size {
            return 0;
        }
        entries.sort();
        let target = max_size / 10 * 9;
        let mut removed = 0;
        for (_, size, path) in entries {
            if total - removed <= target {
                break;
            }
            if fs::remove_file(&path).is_ok() {
                removed += size;
            }
        }
        removed
    }
}

/// The key an entry's relative path (`v3/ab/cdef…`) names.
fn key_of(rel: &str) -> Option<[u8; 32]> {
    let hex: String = rel
        .strip_prefix(LAYOUT)?
        .chars()
        .filter(|&c| c != '/')
        .collect();
    let mut key = [0u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    (hex.len() == 64).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_misses_and_a_corrupt_entry() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path(), b"test key".to_vec()).unwrap();
        let key = cache.key("k", "opts", &[b"input"]);
        assert_ne!(key, cache.key("k", "opts2", &[b"input"]));
        assert_ne!(key, cache.key("k", "opt", &[b"sinput"]));
        let make = || Entry {
            meta: b"m".to_vec(),
            blobs: vec![b"result".to_vec()],
        };
        assert_eq!(cache.get_or("k", &key, make), make());
        assert_eq!(cache.get_or("k", &key, || unreachable!()), make());
        assert_eq!(
            cache.counts()["k"],
            Counts {
                hits: 1,
                misses: 1,
                fetched: 0
            }
        );
        // Flip a byte of the stored entry: recomputed, and reported.
        let path = cache.path(&key);
        let mut bytes = fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        fs::write(&path, bytes).unwrap();
        assert_eq!(cache.get_or("k", &key, make), make());
        assert_eq!(cache.take_problems().len(), 1);
        assert_eq!(cache.get_or("k", &key, || unreachable!()), make());
    }

    #[test]
    fn an_entry_path_names_its_key() {
        let key: [u8; 32] = std::array::from_fn(|i| (i * 37) as u8);
        assert_eq!(key_of(&Cache::rel(&key)), Some(key));
        assert_eq!(key_of("v3/ab/cd"), None);
        assert_eq!(key_of("v1/00/".to_string().as_str()), None);
    }

    #[test]
    fn prune_removes_least_recently_used_first() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path(), b"test key".to_vec()).unwrap();
        let keys: Vec<[u8; 32]> = (0..10u8).map(|i| cache.key("k", "", &[&[i]])).collect();
        for (i, k) in keys.iter().enumerate() {
            cache.get_or("k", k, || Entry {
                meta: Vec::new(),
                blobs: vec![vec![0; 1000]],
            });
            let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000 + i as u64);
            fs::File::options()
                .append(true)
                .open(cache.path(k))
                .unwrap()
                .set_modified(t)
                .unwrap();
        }
        let size = fs::metadata(cache.path(&keys[0])).unwrap().len();
        assert!(cache.prune(size * 20) == 0);
        let removed = cache.prune(size * 5);
        assert!(removed >= size * 5, "{removed}");
        assert!(!cache.path(&keys[0]).exists(), "oldest gone");
        assert!(cache.path(&keys[9]).exists(), "newest kept");
    }
}
