//! Deploy targets: `s3://bucket/prefix` (any S3-compatible endpoint),
//! `gs://bucket/prefix`, `az://container/prefix` or a local folder, all
//! through the `object_store` crate, so `deploy` and `clean` are written once.
//! TLS is rustls with the ring provider.

use std::collections::BTreeMap;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures::TryStreamExt;

use object_store::aws::AmazonS3Builder;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{BackoffConfig, ObjectStore, RetryConfig};

use crate::error::{Error, Result};

/// How to reach a target.
#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    /// An S3-compatible endpoint (`http://127.0.0.1:9000`), instead of AWS's.
    pub endpoint: Option<String>,
    /// The S3 region, when neither the environment nor the profile gives one.
    pub region: Option<String>,
    /// Retries of a failed request, with exponential backoff.
    pub retries: usize,
}

/// An object the target holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stored {
    /// When it was stored.
    pub at: SystemTime,
    /// Its size in bytes.
    pub size: u64,
}

/// An opened target: the store and the prefix every key goes under.
pub struct Target {
    /// The target as the user wrote it (never holds credentials).
    pub name: String,
    /// The store.
    pub store: Arc<dyn ObjectStore>,
    /// Every key of this target starts with it (empty for a bucket's root).
    pub prefix: String,
    /// Whether it is a local folder (which stores no headers).
    pub local: bool,
}

impl Target {
    /// The store key of `rel` (a `/`-separated path under the target).
    pub fn key(&self, rel: &str) -> Result<Path> {
        let full = if self.prefix.is_empty() {
            rel.to_string()
        } else {
            format!("{}/{rel}", self.prefix)
        };
        Path::parse(&full).map_err(|e| self.error(format!("{rel}: not a valid object key: {e}")))
    }

    /// `key` relative to the target, or `None` when it lies outside it.
    pub fn rel<'a>(&self, key: &'a Path) -> Option<&'a str> {
        let key = key.as_ref();
        if self.prefix.is_empty() {
            Some(key)
        } else {
            key.strip_prefix(self.prefix.as_str())?.strip_prefix('/')
        }
    }

    /// What the target holds under its folder `sub` (`""`: all of it), by
    /// path under the target.
    pub async fn list(&self, sub: &str) -> Result<BTreeMap<String, Stored>> {
        let prefix = self.prefix_path(sub)?;
        self.store
            .list(prefix.as_ref())
            .map_err(|e| self.error(e))
            .try_filter_map(|m| async move {
                let stored = Stored {
                    at: m.last_modified.into(),
                    size: m.size,
                };
                Ok(self.rel(&m.location).map(|r| (r.to_string(), stored)))
            })
            .try_collect()
            .await
    }

    /// The prefix as a store path, for listing.
    fn prefix_path(&self, sub: &str) -> Result<Option<Path>> {
        let p = [self.prefix.as_str(), sub]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("/");
        if p.is_empty() {
            return Ok(None);
        }
        Path::parse(&p)
            .map(Some)
            .map_err(|e| self.error(format!("{p}: {e}")))
    }

    /// An error about this target.
    pub fn error(&self, message: impl std::fmt::Display) -> Error {
        Error::Remote {
            target: self.name.clone(),
            message: message.to_string(),
        }
    }
}

/// Opens `target`. Credentials come from the environment as each cloud's
/// own tools read them (for S3 also `~/.aws/credentials` and `~/.aws/config`
/// under `AWS_PROFILE`); nothing is sent before the first request. A
/// folder that does not exist is created when `create`, else it is an
/// empty target (a dry run or a clean writes nothing).
pub fn open(target: &str, options: &StoreOptions, create: bool) -> Result<Target> {
    install_tls_provider();
    let config_error = |message: String| Error::Config(format!("{target}: {message}"));
    let retry = RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(15),
            base: 2.0,
        },
        max_retries: options.retries,
        retry_timeout: Duration::from_secs(180),
    };
    let (scheme, rest) = match target.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None => (String::new(), target),
    };
    let (bucket, prefix) = match rest.split_once('/') {
        Some((b, p)) => (b, p.trim_matches('/')),
        None => (rest, ""),
    };
    let remote = |store: Arc<dyn ObjectStore>| Target {
        name: target.to_string(),
        store,
        prefix: prefix.to_string(),
        local: false,
    };
    if !scheme.is_empty() && scheme != "file" && bucket.is_empty() {
        return Err(config_error("give a bucket: s3://BUCKET/PREFIX".into()));
    }
    let built = match scheme.as_str() {
        "s3" | "s3a" => {
            let mut b = AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .with_retry(retry);
            let profile = aws_profile();
            let mut endpoint = options
                .endpoint
                .clone()
                .or_else(|| std::env::var("AWS_ENDPOINT_URL_S3").ok())
                .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok());
            for (key, value) in profile {
                if key == "endpoint_url" {
                    endpoint = endpoint.or(Some(value));
                    continue;
                }
                b = b.with_config(
                    key.parse().map_err(|e| config_error(format!("{e}")))?,
                    value,
                );
            }
            if let Some(endpoint) = endpoint {
                b = b.with_allow_http(endpoint.starts_with("http://"));
                b = b.with_endpoint(endpoint);
            }
            if let Some(region) = &options.region {
                b = b.with_region(region);
            }
            b.build().map(|s| remote(Arc::new(s)))
        }
        "gs" => GoogleCloudStorageBuilder::from_env()
            .with_bucket_name(bucket)
            .with_retry(retry)
            .build()
            .map(|s| remote(Arc::new(s))),
        "az" | "azure" => MicrosoftAzureBuilder::from_env()
            .with_container_name(bucket)
            .with_retry(retry)
            .build()
            .map(|s| remote(Arc::new(s))),
        "" | "file" => {
            let dir = PathBuf::from(if scheme.is_empty() { target } else { rest });
            return open_folder(target, &dir, create);
        }
        other => {
            return Err(config_error(format!(
                "unknown scheme {other}://: give s3://, gs://, az:// or a folder"
            )))
        }
    };
    built.map_err(|e| config_error(e.to_string()))
}

/// A local folder as a target.
fn open_folder(name: &str, dir: &FsPath, create: bool) -> Result<Target> {
    let store: Arc<dyn ObjectStore> = if create || dir.exists() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let store = LocalFileSystem::new_with_prefix(dir).map_err(|e| Error::Remote {
            target: name.to_string(),
            message: e.to_string(),
        })?;
        Arc::new(store)
    } else {
        Arc::new(InMemory::new())
    };
    Ok(Target {
        name: name.to_string(),
        store,
        prefix: String::new(),
        local: true,
    })
}

/// rustls needs one process-wide provider; ring's builds with a C compiler.
fn install_tls_provider() {
    // Err only when one is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The settings of the AWS profile (`AWS_PROFILE`, else `default`) that the
/// environment does not set itself: static keys from the shared credentials
/// file, region and endpoint from the config file, as the AWS CLI reads them.
fn aws_profile() -> Vec<(String, String)> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let home = env("HOME").map(PathBuf::from);
    let file = |var: &str, name: &str| {
        env(var)
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws").join(name)))
    };
    let profile = env("AWS_PROFILE").unwrap_or_else(|| "default".into());
    let read = |p: Option<PathBuf>| p.and_then(|p| std::fs::read_to_string(p).ok());
    let credentials = read(file("AWS_SHARED_CREDENTIALS_FILE", "credentials"));
    let config = read(file("AWS_CONFIG_FILE", "config"));
    let mut out = Vec::new();
    let config_section = if profile == "default" {
        "default".to_string()
    } else {
        format!("profile {profile}")
    };
    let sections = [
        (credentials.as_deref(), profile.as_str()),
        (config.as_deref(), config_section.as_str()),
    ];
    let wanted = [
        ("aws_access_key_id", "AWS_ACCESS_KEY_ID"),
        ("aws_secret_access_key", "AWS_SECRET_ACCESS_KEY"),
        ("aws_session_token", "AWS_SESSION_TOKEN"),
        ("region", "AWS_REGION"),
        ("endpoint_url", "AWS_ENDPOINT_URL"),
    ];
    // Keys from the environment win as a set: a profile's secret never
    // pairs with the environment's key id.
    let env_keys = env("AWS_ACCESS_KEY_ID").is_some();
    for (key, var) in wanted {
        if env(var).is_some() || (env_keys && key.starts_with("aws_")) {
            continue;
        }
        if key == "region" && env("AWS_DEFAULT_REGION").is_some() {
            continue;
        }
        let found = sections
            .iter()
            .find_map(|(text, section)| ini_value(text.as_deref()?, section, key));
        if let Some(value) = found {
            out.push((key.to_string(), value));
        }
    }
    out
}

/// The value of `key` in `[section]` of an INI text (`key = value`).
fn ini_value(text: &str, section: &str, key: &str) -> Option<String> {
    let mut current = None;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = Some(name.trim().to_string());
            continue;
        }
        if current.as_deref() != Some(section) {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            if k.trim() == key {
                return Some(v.trim().to_string());
            }
        }
    }
    None
}

/// A runtime for the store's requests; `jobs` run at once.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Config(format!("cannot start the network runtime: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ini_test(text: &str, section: &str, key: &str, expected: Option<&str>) {
        assert_eq!(ini_value(text, section, key).as_deref(), expected);
    }

    #[test]
    fn profiles_are_read_by_section() {
        let text = "[default]\nregion = eu-west-1\n\n[profile ci]\n# comment\nregion=us-east-2\nendpoint_url = http://127.0.0.1:9000\n";
        ini_test(text, "default", "region", Some("eu-west-1"));
        ini_test(text, "profile ci", "region", Some("us-east-2"));
        ini_test(
            text,
            "profile ci",
            "endpoint_url",
            Some("http://127.0.0.1:9000"),
        );
        ini_test(text, "profile other", "region", None);
    }

    #[test]
    fn keys_stay_under_the_prefix() {
        let t = open_folder("t", &std::env::temp_dir(), false).unwrap();
        let t = Target {
            prefix: "site/v1".into(),
            ..t
        };
        assert_eq!(t.key("a/b.js").unwrap().as_ref(), "site/v1/a/b.js");
        assert!(t.key("../x").is_err());
        assert_eq!(t.rel(&Path::from("site/v1/a.js")), Some("a.js"));
        assert_eq!(t.rel(&Path::from("site/v10/a.js")), None);
    }

    #[test]
    fn unknown_schemes_and_missing_buckets_are_refused() {
        let o = StoreOptions::default();
        assert!(open("ftp://x/y", &o, false).is_err());
        assert!(open("s3:///prefix", &o, false).is_err());
    }
}
