//! The deploy history kept in the target: one record per deployed version,
//! `.assetpress/deploys/000001-<digest>.json`, numbered in deploy order.
//! A record holds the manifest and every object the deploy stored, so
//! `clean` knows which hashed objects each version needs. It is written
//! before the first object of its deploy, so a file that a live page needs
//! is always listed in the newest record.

use std::time::SystemTime;

use futures::TryStreamExt;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde::{Deserialize, Serialize};

use crate::digest::sha256_hex;
use crate::emit::manifest::Manifest;
use crate::error::Result;
use crate::store::Target;

/// Where records live under the target.
pub const DIR: &str = ".assetpress/deploys";

/// One deployed version.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// Format version: 1.
    pub version: u32,
    /// SHA-256 of the manifest file as deployed.
    pub manifest_sha256: String,
    /// The objects with a hashed name it stored, sorted.
    pub hashed: Vec<String>,
    /// The objects that keep their names, sorted.
    pub kept: Vec<String>,
    /// The manifest.
    pub manifest: Manifest,
}

impl Record {
    /// A record of `manifest` (its file's bytes) with these objects.
    pub fn new(manifest: Manifest, bytes: &[u8], hashed: Vec<String>, kept: Vec<String>) -> Self {
        Record {
            version: 1,
            manifest_sha256: sha256_hex(bytes),
            hashed,
            kept,
            manifest,
        }
    }

    /// The name of its file: the number, then the manifest's digest.
    fn file_name(&self, number: u64) -> String {
        format!("{number:06}-{}.json", &self.manifest_sha256[..16])
    }
}

/// A record found in the target.
#[derive(Debug, Clone)]
pub struct Listed {
    /// Path under the target.
    pub rel: String,
    /// Its number.
    pub number: u64,
    /// When it was stored.
    pub stored: SystemTime,
}

/// The records in the target, oldest first.
pub async fn list(target: &Target) -> Result<Vec<Listed>> {
    let prefix = target.prefix_path(DIR)?;
    let metas: Vec<_> = target
        .store
        .list(prefix.as_ref())
        .try_collect()
        .await
        .map_err(|e| target.error(e))?;
    let mut out: Vec<Listed> = metas
        .into_iter()
        .filter_map(|m| {
            let rel = target.rel(&m.location)?.to_string();
            let name = rel.rsplit('/').next()?;
            let number = name.split('-').next()?.parse().ok()?;
            name.ends_with(".json").then_some(Listed {
                rel,
                number,
                stored: m.last_modified.into(),
            })
        })
        .collect();
    out.sort_by(|a, b| (a.number, &a.rel).cmp(&(b.number, &b.rel)));
    Ok(out)
}

/// Reads one record.
pub async fn read(target: &Target, rel: &str) -> Result<Record> {
    let key = target.key(rel)?;
    let bytes = target
        .store
        .get(&key)
        .await
        .map_err(|e| target.error(e))?
        .bytes()
        .await
        .map_err(|e| target.error(e))?;
    serde_json::from_slice(&bytes).map_err(|e| target.error(format!("{rel}: {e}")))
}

/// Stores `record` as the newest, unless the newest is of the same manifest
/// already (a deploy run again). Returns its path under the target.
pub async fn add(target: &Target, record: &Record) -> Result<String> {
    let listed = list(target).await?;
    let digest = &record.manifest_sha256[..16];
    if let Some(last) = listed.last() {
        if last.rel.ends_with(&format!("-{digest}.json")) {
            return Ok(last.rel.clone());
        }
    }
    let number = listed.last().map_or(1, |l| l.number + 1);
    let rel = format!("{DIR}/{}", record.file_name(number));
    let mut bytes = serde_json::to_vec_pretty(record).unwrap_or_default();
    bytes.push(b'\n');
    let key = target.key(&rel)?;
    target
        .store
        .put(&key, PutPayload::from(bytes))
        .await
        .map_err(|e| target.error(e))?;
    Ok(rel)
}
