//! The settings of the transform cache (`[cache]` in `assetpress.toml`),
//! sizes as they are written there, and `--shard`.

use serde::Deserialize;
use std::path::PathBuf;

/// The most shards a run is split into.
pub const MAX_SHARDS: u32 = 1024;

/// One of N shards of a run (`--shard I/N`, I from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which one, from 1.
    pub index: u32,
    /// How many.
    pub count: u32,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Shard, String> {
        let bad = || format!("{s:?}: give I/N, such as 2/4 (I from 1 to N)");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index == 0 || index > count {
            return Err(bad());
        }
        if count > MAX_SHARDS {
            return Err(format!("{s:?}: at most {MAX_SHARDS} shards"));
        }
        Ok(Shard { index, count })
    }
}

/// The cache of transform results (`[cache]` in `assetpress.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BuildCache {
    /// Use it at all. Default: true.
    pub enabled: bool,
    /// Its folder. Default: `$XDG_CACHE_HOME/assetpress`, else `~/.cache/assetpress`.
    pub dir: Option<PathBuf>,
    /// Size cap: bytes, or a string such as `"2GB"` or `"500 MiB"`. Default: 2 GiB.
    pub max_size: ByteSize,
    /// A cache shared by runners: `s3://bucket/prefix`, `gs://…`, `az://…`
    /// or a folder. Default: none.
    pub url: Option<String>,
    /// Never write the shared cache. Default: false.
    pub read_only: bool,
}

impl Default for BuildCache {
    fn default() -> Self {
        BuildCache {
            enabled: true,
            dir: None,
            max_size: ByteSize(DEFAULT_CACHE_MAX_SIZE),
            url: None,
            read_only: false,
        }
    }
}

/// The default cache size cap: 2 GiB.
pub const DEFAULT_CACHE_MAX_SIZE: u64 = 2 << 30;

/// A size in bytes, written as a number or with a unit (`"2GB"`, `"500 MiB"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub u64);

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Number(n) => Ok(ByteSize(n)),
            Raw::Text(t) => parse_size(&t).map(ByteSize).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "{t:?} is not a size: give bytes or a number with KB, MB, GB (or KiB, MiB, GiB)"
                ))
            }),
        }
    }
}

/// `"2GB"`, `"500 MiB"`, `"1048576"` in bytes (KB, MB, GB are taken as
/// powers of 1024, as in the report).
pub fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => return None,
    };
    Some((n * mult as f64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard_test(text: &str, expected: Option<(u32, u32)>) {
        let got = text.parse::<Shard>().ok().map(|s| (s.index, s.count));
        assert_eq!(got, expected, "{text}");
    }

    #[test]
    fn shards_are_written_i_of_n() {
        shard_test("2/4", Some((2, 4)));
        shard_test(" 1 / 1 ", Some((1, 1)));
        shard_test("1024/1024", Some((1024, 1024)));
        shard_test("0/4", None);
        shard_test("5/4", None);
        shard_test("1/1025", None);
        shard_test("2", None);
        shard_test("a/b", None);
    }
}
