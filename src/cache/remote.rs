//! The cache shared by CI runners: an object store (`s3://`, `gs://`,
//! `az://`, a folder — the targets of `deploy`, through [`crate::store`])
//! behind the local cache folder. Its entries are the local ones, under the
//! same relative paths (`v3/<2 hex>/<62 hex>`) and authenticated the same
//! way, so a fetched entry is checked before it is used, and one that
//! fails is recomputed, never shipped.
//!
//! What the store held is listed once when the run begins: an entry it does
//! not list is computed without a request, and an entry it lists is never
//! written again. New entries are uploaded in the background, only if absent
//! (a conditional write where the store has one), and only when the run
//! may write: `--cache-read-only` is for jobs that must not (pull requests
//! from forks), since a job that can write the cache can poison it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use object_store::{ObjectStoreExt, PutMode, PutOptions, PutPayload};
use serde::Serialize;

use crate::store::{self, StoreOptions, Target};

/// What the run did with the shared cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RemoteCounts {
    /// Entries the store held when the run began.
    pub listed: u64,
    /// Entries fetched and used (the sum of the kinds' `fetched`).
    pub fetched: u64,
    /// Entries uploaded.
    pub uploaded: u64,
    /// Entries refused: fetched but failing their check.
    pub refused: u64,
}

/// Uploads (and fetches ahead) in flight at once.
const CONCURRENCY: usize = 32;

/// The largest entry fetched: a larger object (which no transform
/// writes, but whoever can write the bucket can) is not read at all.
const MAX_ENTRY: u64 = 256 << 20;

/// The largest entry fetched ahead (32 at a time); larger ones are fetched
/// when needed, one a worker.
const MAX_AHEAD: u64 = 8 << 20;

/// Retries of a failed request to the shared cache, with backoff.
const RETRIES: usize = 3;

/// The shared cache of one run.
pub struct Remote {
    target: Target,
    runtime: tokio::runtime::Runtime,
    read_only: bool,
    /// What the store held when the run began: relative paths and sizes.
    listed: BTreeMap<String, u64>,
    uploads: Mutex<Vec<tokio::task::JoinHandle<Result<bool, String>>>>,
    /// Uploads in flight at most: a worker with one more to send waits,
    /// so entries never pile up in memory faster than they leave.
    in_flight: Arc<tokio::sync::Semaphore>,
    refused: AtomicU64,
    /// Requests that failed in a row; past [`GIVE_UP`], the shared cache is
    /// left alone for the rest of the run.
    failures: Arc<AtomicU64>,
}

/// Failed requests in a row after which a run stops using the shared
/// cache (it went away mid-run): each would otherwise wait out its retries.
const GIVE_UP: u64 = 8;

impl Remote {
    /// Opens the store at `url` and lists what it holds under `layout`.
    pub fn open(url: &str, layout: &str, read_only: bool) -> Result<Remote, String> {
        let options = StoreOptions {
            retries: RETRIES,
            ..StoreOptions::default()
        };
        let target = store::open(url, &options, !read_only).map_err(|e| e.to_string())?;
        let runtime = store::runtime().map_err(|e| e.to_string())?;
        let listed = runtime
            .block_on(target.list(layout))
            .map_err(|e| format!("{e}; running with the local cache only"))?
            .into_iter()
            .map(|(rel, stored)| (rel, stored.size))
            .collect();
        Ok(Remote {
            target,
            runtime,
            read_only,
            listed,
            uploads: Mutex::new(Vec::new()),
            in_flight: Arc::new(tokio::sync::Semaphore::new(CONCURRENCY)),
            refused: AtomicU64::new(0),
            failures: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Whether the shared cache failed too often in a row to be asked again.
    pub(super) fn gone(&self) -> bool {
        self.failures.load(Ordering::Relaxed) >= GIVE_UP
    }

    /// Records how a request went.
    fn outcome<T, E>(&self, r: &Result<T, E>) {
        match r {
            Ok(_) => self.failures.store(0, Ordering::Relaxed),
            Err(_) => {
                self.failures.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The name the user gave it.
    pub fn name(&self) -> &str {
        &self.target.name
    }

    /// The bytes of the entry at `rel`, when the store listed it.
    pub(super) fn fetch(&self, rel: &str) -> Result<Option<Vec<u8>>, String> {
        if self.gone() {
            return Ok(None);
        }
        match self.listed.get(rel) {
            None => return Ok(None),
            Some(&size) if size > MAX_ENTRY => {
                return Err(format!(
                    "{}/{rel}: {size} bytes, more than any entry holds; not read",
                    self.target.name
                ))
            }
            Some(_) => {}
        }
        self.runtime
            .block_on(self.get(rel, MAX_ENTRY))
            .map_err(|e| format!("{}: {e}", self.target.name))
    }

    /// The object at `rel`, when it is there and at most `max` bytes; the
    /// outcome counts towards giving up on the store.
    async fn get(&self, rel: &str, max: u64) -> object_store::Result<Option<Vec<u8>>> {
        let key = match self.target.key(rel) {
            Ok(key) => key,
            Err(_) => return Ok(None),
        };
        let got = match self.target.store.get(&key).await {
            // Replaced since the listing by something too large.
            Ok(got) if got.meta.size > max => Ok(None),
            Ok(got) => got.bytes().await.map(|b| Some(b.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        };
        self.outcome(&got);
        got
    }

    /// Whether `rel` is worth fetching ahead: listed, and small.
    pub(super) fn ahead(&self, rel: &str) -> bool {
        self.listed.get(rel).is_some_and(|&size| size <= MAX_AHEAD)
    }

    /// Fetches the entries `rels` (held by the store), up to 16 at a time,
    /// handing each to `got` as it arrives; a failed one is left out (the
    /// run asks again when it needs it).
    pub(super) fn fetch_many(&self, rels: Vec<String>, got: &(dyn Fn(&str, &[u8]) + Sync)) {
        use futures::StreamExt;
        if self.gone() {
            return;
        }
        self.runtime.block_on(
            futures::stream::iter(rels)
                .map(|rel: String| async move {
                    if self.gone() {
                        return None;
                    }
                    let bytes = self.get(&rel, MAX_AHEAD).await.ok()??;
                    Some((rel, bytes))
                })
                .buffer_unordered(CONCURRENCY)
                .for_each(|r| async move {
                    if let Some((rel, bytes)) = r {
                        got(&rel, &bytes);
                    }
                }),
        );
    }

    /// Counts a fetched entry that failed its check.
    pub(super) fn refused(&self) {
        self.refused.fetch_add(1, Ordering::Relaxed);
    }

    /// Uploads `bytes` as the entry at `rel` in the background, unless the
    /// run is read-only or the store held it (`replace`: it held one that
    /// failed its check, which is overwritten).
    pub(super) fn upload(&self, rel: &str, bytes: Vec<u8>, replace: bool) {
        if self.read_only || self.gone() || (self.listed.contains_key(rel) && !replace) {
            return;
        }
        let Ok(key) = self.target.key(rel) else {
            return;
        };
        let store = self.target.store.clone();
        let name = self.target.name.clone();
        let Ok(permit) = self
            .runtime
            .block_on(self.in_flight.clone().acquire_owned())
        else {
            return;
        };
        let failures = self.failures.clone();
        let task = self.runtime.spawn(async move {
            let _permit = permit;
            let payload = PutPayload::from(bytes);
            let mut mode = if replace {
                PutMode::Overwrite
            } else {
                PutMode::Create
            };
            let mut attempt = 0;
            loop {
                let put = store
                    .put_opts(&key, payload.clone(), PutOptions::from(mode.clone()))
                    .await;
                let e = match put {
                    Ok(_) => {
                        failures.store(0, Ordering::Relaxed);
                        return Ok(true);
                    }
                    // Another runner wrote it first: the same bytes.
                    Err(object_store::Error::AlreadyExists { .. })
                    | Err(object_store::Error::Precondition { .. }) => return Ok(false),
                    Err(e) => e,
                };
                // A store without conditional writes (some answer 501):
                // written plainly, as it was not there when the run began.
                let unsupported = matches!(e, object_store::Error::NotImplemented { .. })
                    || e.to_string().contains("501");
                if unsupported && matches!(mode, PutMode::Create) {
                    mode = PutMode::Overwrite;
                    continue;
                }
                // A conditional write is not retried by the store's client
                // (it is not idempotent): retried here, with backoff.
                attempt += 1;
                if attempt > RETRIES || failures.load(Ordering::Relaxed) >= GIVE_UP {
                    failures.fetch_add(1, Ordering::Relaxed);
                    return Err(format!("{name}: {e}"));
                }
                tokio::time::sleep(std::time::Duration::from_millis(200 << attempt)).await;
            }
        });
        self.uploads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(task);
    }

    /// Waits for every upload (also when the run failed: see the `Drop`);
    /// returns the counts and the first failure with the number of failed
    /// uploads.
    pub fn finish(&self) -> (RemoteCounts, Option<String>) {
        let tasks = std::mem::take(&mut *self.uploads.lock().unwrap_or_else(|e| e.into_inner()));
        let (mut uploaded, mut failed, mut first) = (0, 0, None);
        for t in tasks {
            match self.runtime.block_on(t) {
                Ok(Ok(true)) => uploaded += 1,
                Ok(Ok(false)) => {}
                Ok(Err(e)) => {
                    failed += 1;
                    first.get_or_insert(e);
                }
                Err(e) => {
                    failed += 1;
                    first.get_or_insert(e.to_string());
                }
            }
        }
        let counts = RemoteCounts {
            listed: self.listed.len() as u64,
            // Filled in by the cache, which counts them per kind.
            fetched: 0,
            uploaded,
            refused: self.refused.load(Ordering::Relaxed),
        };
        let problem = first.map(|e| {
            format!("{failed} entries not uploaded to the shared cache (the next runs compute them again): {e}")
        });
        (counts, problem)
    }
}

/// A run that fails after transforming still sends what it computed.
impl Drop for Remote {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}
