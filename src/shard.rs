//! `--shard I/N`: which files each of N runners transforms. Every runner
//! sees the same input, so each computes the same split without talking to
//! the others: files with work to them (scripts, stylesheets, images) go,
//! costliest first, to the shard with the least work so far (ties to the
//! lower shard), and the rest by a hash of their path. The split depends on
//! the files' paths and sizes alone.

use sha2::{Digest, Sha256};

use crate::asset::SourceFile;
use crate::config::Shard;

/// The shard (from 0) of each file, for `count` shards; `cost` is the work
/// a file brings (0: spread by its path's hash).
pub fn split(files: &[SourceFile], count: u32, cost: impl Fn(&SourceFile) -> u64) -> Vec<u32> {
    let count = count.max(1);
    let path_hash = |f: &SourceFile| {
        let d = Sha256::digest(f.rel.as_bytes());
        u64::from_le_bytes(d[..8].try_into().expect("8 bytes"))
    };
    let mut out: Vec<u32> = files
        .iter()
        .map(|f| (path_hash(f) % u64::from(count)) as u32)
        .collect();
    let mut costly: Vec<(u64, u64, usize)> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (cost(f), path_hash(f), i))
        .filter(|&(c, _, _)| c > 0)
        .collect();
    // Costliest first; equal costs in an order fixed by the paths.
    costly.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut load = vec![0u64; count as usize];
    for (c, _, i) in costly {
        let (least, _) = load
            .iter()
            .enumerate()
            .min_by_key(|&(k, &l)| (l, k))
            .expect("at least one shard");
        load[least] += c;
        out[i] = least as u32;
    }
    out
}

/// Whether file `i` of the split is shard `shard`'s.
pub fn is_mine(split: &[u32], shard: Shard, i: usize) -> bool {
    split.get(i) == Some(&(shard.index - 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asset::AssetKind;

    fn file(rel: &str, size: u64) -> SourceFile {
        SourceFile {
            rel: rel.into(),
            abs: rel.into(),
            kind: AssetKind::Other,
            size,
            js_flavor: None,
        }
    }

    #[test]
    fn the_costly_files_are_balanced_and_every_file_has_one_shard() {
        let files: Vec<SourceFile> = (0..40)
            .map(|i| file(&format!("img/{i}.jpg"), 1000 + i * 37))
            .chain((0..30).map(|i| file(&format!("f/{i}.woff2"), 0)))
            .collect();
        let split = split(&files, 3, |f| f.size);
        let load = |k: u32| -> u64 {
            files
                .iter()
                .zip(&split)
                .filter(|(_, &s)| s == k)
                .map(|(f, _)| f.size)
                .sum()
        };
        let (a, b, c) = (load(0), load(1), load(2));
        let (max, min) = (a.max(b).max(c), a.min(b).min(c));
        assert!(max - min <= 2443, "{a} {b} {c}");
        // Cost-free files spread over all shards.
        for k in 0..3 {
            assert!(split[40..].contains(&k), "shard {k} got no cost-free file");
        }
        // The same input, the same split.
        assert_eq!(split, super::split(&files, 3, |f| f.size));
    }

    #[test]
    fn one_shard_has_everything() {
        let files = vec![file("a", 5), file("b", 0)];
        assert_eq!(split(&files, 1, |f| f.size), [0, 0]);
    }
}
