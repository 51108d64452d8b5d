//! `assetpress clean TARGET --keep N --age DURATION`: deletes the hashed
//! objects that only old deploys needed. Kept: every object of the newest
//! record (the version live now), of the `keep` records before it, and of
//! every record younger than `age`; and every object younger than `age`.
//! Only objects a record lists as hashed are ever deleted: the files that
//! keep their names, and anything not stored by `deploy`, are left alone.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant, SystemTime};

use futures::{StreamExt, TryStreamExt};
use object_store::ObjectStoreExt;
use serde::Serialize;

use super::history::{self, Listed, Record};
use crate::error::{Error, Result};
use crate::store::{StoreOptions, Target};

/// How to clean.
#[derive(Debug, Clone)]
pub struct Options {
    /// Older versions kept besides the current one (default 2).
    pub keep: usize,
    /// Versions and objects younger than this are kept (default 1 hour).
    pub age: Duration,
    /// Only list what would be deleted.
    pub dry_run: bool,
    /// Deletions at once.
    pub jobs: usize,
    /// How to reach the target.
    pub store: StoreOptions,
}

/// What a clean did.
#[derive(Debug, Clone, Serialize)]
pub struct Cleaned {
    /// The target, as given.
    pub target: String,
    /// Nothing was deleted.
    pub dry_run: bool,
    /// The records whose objects were kept, oldest first (the last is the current version).
    pub kept_versions: Vec<String>,
    /// Hashed objects deleted (or that would be), sorted.
    pub deleted: Vec<String>,
    /// Their bytes.
    pub bytes: u64,
    /// Hashed objects no kept version needs, kept for being younger than the age.
    pub young: Vec<String>,
    /// Records deleted, every object of theirs being gone or kept by a newer one.
    pub deleted_versions: Vec<String>,
    /// Wall time.
    pub time_ms: f64,
}

/// One record as selection sees it.
pub struct Version {
    /// Its path under the target.
    pub rel: String,
    /// How long ago it was stored.
    pub age: Duration,
    /// Its hashed objects.
    pub hashed: Vec<String>,
    /// All of its objects.
    pub all: Vec<String>,
}

/// What to delete.
#[derive(Debug, PartialEq)]
pub struct Selection {
    /// Indexes of the versions kept.
    pub kept: Vec<usize>,
    /// Objects to delete.
    pub delete: BTreeSet<String>,
    /// Objects spared for their age.
    pub young: BTreeSet<String>,
    /// Indexes of the versions whose records go.
    pub drop: Vec<usize>,
}

/// Chooses what to delete among `versions` (oldest first) and `objects`
/// (path → age of what the target holds now).
pub fn select(
    versions: &[Version],
    objects: &BTreeMap<String, Duration>,
    keep: usize,
    age: Duration,
) -> Selection {
    let n = versions.len();
    let kept: Vec<usize> = (0..n)
        .filter(|&i| i + keep + 1 >= n || versions[i].age < age)
        .collect();
    let needed: BTreeSet<&str> = kept
        .iter()
        .flat_map(|&i| &versions[i].all)
        .map(String::as_str)
        .collect();
    let mut delete = BTreeSet::new();
    let mut young = BTreeSet::new();
    for v in versions {
        for h in &v.hashed {
            if needed.contains(h.as_str()) {
                continue;
            }
            match objects.get(h) {
                Some(a) if *a < age => young.insert(h.clone()),
                Some(_) => delete.insert(h.clone()),
                None => false,
            };
        }
    }
    let drop = (0..n)
        .filter(|i| !kept.contains(i))
        .filter(|&i| versions[i].hashed.iter().all(|h| !young.contains(h)))
        .collect();
    Selection {
        kept,
        delete,
        young,
        drop,
    }
}

/// Cleans `target`.
pub fn clean(target: &str, options: &Options) -> Result<Cleaned> {
    let start = Instant::now();
    let target = crate::store::open(target, &options.store, false)?;
    let runtime = crate::store::runtime()?;
    runtime.block_on(async {
        let now = SystemTime::now();
        let age_of = |t: SystemTime| now.duration_since(t).unwrap_or_default();
        let listed: Vec<Listed> = history::list(&target).await?;
        if listed.is_empty() {
            return Err(target.error(format!(
                "no deploy history under {}: only targets written by assetpress deploy can be cleaned",
                history::DIR
            )));
        }
        let records: Vec<Record> = futures::stream::iter(&listed)
            .map(|l| history::read(&target, &l.rel))
            .buffered(options.jobs.max(1))
            .try_collect()
            .await?;
        let versions: Vec<Version> = listed
            .iter()
            .zip(records)
            .map(|(l, r)| Version {
                rel: l.rel.clone(),
                age: age_of(l.stored),
                all: r.hashed.iter().chain(&r.kept).cloned().collect(),
                hashed: r.hashed,
            })
            .collect();
        let stored = target.list("").await?;
        let ages = stored
            .iter()
            .map(|(k, s)| (k.clone(), age_of(s.at)))
            .collect();
        let s = select(&versions, &ages, options.keep, options.age);
        let bytes = s.delete.iter().filter_map(|k| stored.get(k)).map(|s| s.size).sum();
        let drop: Vec<String> = s.drop.iter().map(|&i| versions[i].rel.clone()).collect();
        if !options.dry_run {
            // Objects first, then the records that listed them: a clean cut
            // short leaves records that a later clean finishes.
            for batch in [s.delete.iter().collect::<Vec<_>>(), drop.iter().collect()] {
                futures::stream::iter(batch)
                    .map(|rel| delete(&target, rel))
                    .buffer_unordered(options.jobs.max(1))
                    .try_collect::<Vec<()>>()
                    .await?;
            }
        }
        Ok(Cleaned {
            target: target.name.clone(),
            dry_run: options.dry_run,
            kept_versions: s.kept.iter().map(|&i| versions[i].rel.clone()).collect(),
            deleted: s.delete.into_iter().collect(),
            bytes,
            young: s.young.into_iter().collect(),
            deleted_versions: drop,
            time_ms: start.elapsed().as_secs_f64() * 1000.0,
        })
    })
}

async fn delete(target: &Target, rel: &str) -> Result<()> {
    let key = target.key(rel)?;
    match target.store.delete(&key).await {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
        Err(e) => Err(Error::Remote {
            target: target.name.clone(),
            message: format!("{rel}: {e}"),
        }),
    }
}

/// The text a person reads after a clean.
pub fn summary(c: &Cleaned) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let verb = if c.dry_run { "would delete" } else { "deleted" };
    for d in &c.deleted {
        let _ = writeln!(s, "{verb} {d}");
    }
    let _ = writeln!(
        s,
        "{}: {verb} {} hashed files ({}) and {} old versions; kept {} versions, and {} files younger than the age",
        c.target,
        c.deleted.len(),
        crate::units::human(c.bytes),
        c.deleted_versions.len(),
        c.kept_versions.len(),
        c.young.len()
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    fn version(name: &str, age_h: u64, hashed: &[&str], kept: &[&str]) -> Version {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        Version {
            rel: name.into(),
            age: HOUR * age_h as u32,
            hashed: s(hashed),
            all: s(hashed).into_iter().chain(s(kept)).collect(),
        }
    }

    fn select_test(
        versions: &[Version],
        objects: &[(&str, u64)],
        keep: usize,
        deleted: &[&str],
        young: &[&str],
    ) {
        let objects = objects
            .iter()
            .map(|(k, h)| (k.to_string(), HOUR * *h as u32))
            .collect();
        let s = select(versions, &objects, keep, HOUR);
        let set = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(s.delete, set(deleted), "deleted");
        assert_eq!(s.young, set(young), "young");
    }

    #[test]
    fn the_current_version_and_keep_older_ones_stay() {
        let v = [
            version("1", 30, &["a.1.js", "f.1.woff2"], &["index.html"]),
            version("2", 20, &["a.2.js", "f.1.woff2"], &["index.html"]),
            version("3", 10, &["a.3.js", "f.1.woff2"], &["index.html"]),
        ];
        let objects = [
            ("a.1.js", 30),
            ("a.2.js", 20),
            ("a.3.js", 10),
            ("f.1.woff2", 30),
            ("index.html", 10),
        ];
        select_test(&v, &objects, 1, &["a.1.js"], &[]);
        select_test(&v, &objects, 0, &["a.1.js", "a.2.js"], &[]);
        select_test(&v, &objects, 2, &[], &[]);
    }

    #[test]
    fn young_versions_and_objects_stay() {
        let v = [
            version("1", 30, &["a.1.js"], &[]),
            version("2", 0, &["a.2.js"], &[]),
            version("3", 0, &["a.3.js"], &[]),
        ];
        select_test(&v, &[("a.1.js", 0), ("a.2.js", 0)], 0, &[], &["a.1.js"]);
    }

    #[test]
    fn only_hashed_objects_of_a_record_are_deleted() {
        let v = [
            version("1", 30, &["a.1.js"], &["old.html"]),
            version("2", 10, &["a.2.js"], &["index.html"]),
        ];
        let objects = [("a.1.js", 30), ("old.html", 30), ("mine.txt", 30)];
        select_test(&v, &objects, 0, &["a.1.js"], &[]);
    }
}
