//! The compressed sizes budgets measure, recorded in the manifest so that a
//! later build's `--baseline` compares like with like: a `.gz`/`.br` copy's
//! size where the build wrote one, else the file compressed the same way.

use rayon::prelude::*;

use super::manifest::Manifest;
use super::Staging;
use crate::asset::kind_of;
use crate::config::{Compression, Config};
use crate::encoding::Encoding;

/// Fills `gzip` and `brotli` of every entry a budget measures so.
pub fn measure(config: &Config, m: &mut Manifest, staging: &Staging) {
    let budgets: Vec<_> = config
        .budgets
        .iter()
        .filter(|b| b.compression != Compression::None)
        .filter_map(|b| Some((b.compression, b.matcher().ok()?)))
        .collect();
    if budgets.is_empty() {
        return;
    }
    m.assets.par_iter_mut().for_each(|(key, entry)| {
        let kind = kind_of(key);
        for (compression, matcher) in &budgets {
            if !matcher.matches(key, kind) {
                continue;
            }
            let (encoding, slot) = match compression {
                Compression::Gzip => (Encoding::Gzip, &mut entry.gzip),
                _ => (Encoding::Br, &mut entry.brotli),
            };
            if slot.is_some() {
                continue;
            }
            let copy = format!("{}.{}", entry.file, encoding.extension());
            *slot = staging
                .size(&copy)
                .or_else(|| Some(encoding.compress(&staging.read(&entry.file)?).len() as u64));
        }
    });
}
