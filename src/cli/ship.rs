//! The flags of the subcommands that work on a built output: `verify`,
//! `deploy`, `clean` and `diff`, with their examples.

use std::path::PathBuf;

use clap::Args;

use crate::config::DEFAULT_MANIFEST;

pub(super) const DEPLOY_EXAMPLES: &str = "\
Examples:
  assetpress deploy cdn s3://my-bucket/site
      Upload cdn/ under site/ in my-bucket (credentials as the AWS CLI reads them).
  assetpress deploy cdn s3://assets --endpoint http://127.0.0.1:9000 --dry-run
      List what would go up to an S3-compatible server, and in which stage.

Exit status: 0 deployed, 2 usage, I/O or network error (the objects stored so far stay; run again).";

pub(super) const CLEAN_EXAMPLES: &str = "\
Examples:
  assetpress clean s3://my-bucket/site
      Keep the current version, the 2 before it, and anything younger than 1 hour.
  assetpress clean /srv/www --keep 5 --age 7d --dry-run
      List what would be deleted.

Exit status: 0 cleaned, 2 usage, I/O or network error.";

pub(super) const DIFF_EXAMPLES: &str = "\
Examples:
  assetpress diff old/assetpress-manifest.json cdn/assetpress-manifest.json
      Added, removed and renamed files, with the chain that explains each rename.

Exit status: 0 the diff was printed, 2 a manifest could not be read.";

/// How to reach a deploy target.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// An S3-compatible endpoint, e.g. http://127.0.0.1:9000 [default: AWS_ENDPOINT_URL, else AWS]
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// The S3 region [default: AWS_REGION, the profile's, else us-east-1]
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Retries of a failed request, with exponential backoff
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub retries: usize,
    /// Requests at once
    #[arg(short, long, value_name = "N", default_value_t = 16)]
    pub jobs: usize,
    /// Print the result as JSON on stdout
    #[arg(long)]
    pub json: bool,
    /// Print only errors
    #[arg(short, long)]
    pub quiet: bool,
    /// Only tell what would be done
    #[arg(long)]
    pub dry_run: bool,
}

impl StoreArgs {
    /// The store options.
    pub fn options(&self) -> crate::store::StoreOptions {
        crate::store::StoreOptions {
            endpoint: self.endpoint.clone(),
            region: self.region.clone(),
            retries: self.retries,
        }
    }
}

/// Flags of `assetpress deploy`.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// The output folder of `assetpress build`
    pub out: PathBuf,
    /// s3://bucket/prefix, gs://bucket/prefix, az://container/prefix or a folder
    pub target: String,
    /// Path of the manifest inside the output
    #[arg(long, value_name = "PATH", default_value = DEFAULT_MANIFEST)]
    pub manifest: String,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Flags of `assetpress clean`.
#[derive(Debug, Args)]
pub struct CleanArgs {
    /// A target written by `assetpress deploy`
    pub target: String,
    /// Older versions kept besides the current one
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub keep: usize,
    /// Versions and files younger than this are kept (3600, 90m, 1h, 7d)
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = parse_duration)]
    pub age: std::time::Duration,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Flags of `assetpress diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The older manifest (assetpress-manifest.json)
    pub old: PathBuf,
    /// The newer manifest
    pub new: PathBuf,
    /// Print the result as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

/// `3600` (seconds), `90m`, `1h`, `7d`.
pub fn parse_duration(s: &str) -> std::result::Result<std::time::Duration, String> {
    if let Ok(secs) = s.trim().parse::<u64>() {
        return Ok(std::time::Duration::from_secs(secs));
    }
    humantime::parse_duration(s.trim())
        .map_err(|e| format!("{s:?}: {e} (give 3600, 90m, 1h or 7d)"))
}

pub(super) const VERIFY_EXAMPLES: &str = "\
Examples:
  assetpress build dist --out cdn && assetpress verify cdn
      Build, then check the result before uploading it.

Exit status: 0 everything holds, 1 problems found (listed on stderr), 2 usage or I/O error.";

/// Flags of `assetpress verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The output folder of `assetpress build`
    pub out: PathBuf,
    /// Path of the manifest inside the output [default: assetpress-manifest.json]
    #[arg(long, value_name = "PATH", default_value = DEFAULT_MANIFEST)]
    pub manifest: String,
    /// Print the result as JSON on stdout
    #[arg(long)]
    pub json: bool,
}
