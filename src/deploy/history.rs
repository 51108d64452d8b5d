//! The deploy history kept in the target: one record per deployed version,
//! `.assetpress/deploys/000001-<digest>.json`, numbered in deploy order.
//! A record holds the manifest and every object the deploy stored, so
//! `clean` knows which hashed objects each version needs. It is written
//! before the first object of its deploy, so a file that a live page needs
//! is always listed in the newest record.

use std::collections::BTreeMap;
use std::time::SystemTime;

use object_store::{ObjectStoreExt, PutPayload};
use serde::{Deserialize, Serialize};

use crate::digest::sha256_hex;
use crate::emit::manifest::Manifest;
use crate::error::Result;
use crate::store::{Stored, Target};

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
    Ok(records(&target.list(DIR).await?))
}

/// The records among the objects of a listing, oldest first.
pub fn records(listing: &BTreeMap<String, Stored>) -> Vec<Listed> {
    let mut out: Vec<Listed> = listing
        .iter()
        .filter_map(|(rel, stored)| {
            let name = rel.strip_prefix(DIR)?.strip_prefix('/')?;
            let number = name.split('-').next()?.parse().ok()?;
            name.ends_with(".json").then(|| Listed {
                rel: rel.clone(),
                number,
                stored: stored.at,
            })
        })
        .collect();
    out.sort_by(|a, b| (a.number, &a.rel).cmp(&(b.number, &b.rel)));
    out
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

/// Stores `record` as the newest of the records `listed` (oldest first),
/// unless the newest is of the same manifest already (a deploy run again).
/// Returns its path under the target.
pub async fn add(target: &Target, record: &Record, listed: &[Listed]) -> Result<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_the_numbered_files_of_the_history_folder_in_order() {
        let at = SystemTime::UNIX_EPOCH;
        let listing: BTreeMap<String, Stored> = [
            "index.html",
            ".assetpress/deploys/000010-bbbb.json",
            ".assetpress/deploys/000002-aaaa.json",
            ".assetpress/deploys/notes.txt",
            ".assetpress/other/000001-cccc.json",
        ]
        .into_iter()
        .map(|k| (k.to_string(), Stored { at, size: 1 }))
        .collect();
        let found: Vec<(u64, String)> = records(&listing)
            .into_iter()
            .map(|l| (l.number, l.rel))
            .collect();
        assert_eq!(
            found,
            [
                (2, ".assetpress/deploys/000002-aaaa.json".to_string()),
                (10, ".assetpress/deploys/000010-bbbb.json".to_string())
            ]
        );
    }
}
