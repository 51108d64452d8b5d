//! The command line: clap's derive types, and their conversion into a
//! validated [`Config`] (flags win over `assetpress.toml`, which wins over the
//! defaults). Clap types stop here; the library never sees them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{
    normalize_base, Config, FileConfig, HashSeparator, Limits, ManifestFormat, CONFIG_FILE_NAME,
};
use crate::error::{Error, Result};
use crate::targets::Targets;

mod ship;
pub use ship::{parse_duration, CleanArgs, DeployArgs, DiffArgs, StoreArgs, VerifyArgs};
use ship::{CLEAN_EXAMPLES, DEPLOY_EXAMPLES, DIFF_EXAMPLES, VERIFY_EXAMPLES};

const EXAMPLES: &str = "\
Examples:
  assetpress build dist --out cdn
      Minify dist/ into cdn/ and print a summary table.
  assetpress build dist --out cdn --json > report.json
      The same, with a machine-readable report on stdout.
  assetpress build public --out out --targets \"chrome >= 100, safari >= 15\" --exclude '**/*.psd'
      Target modern browsers only and leave Photoshop files out.

Exit status: 0 success, 1 some input file failed (or a warning with --strict), 2 usage or I/O error.";

/// Turns a frontend build folder into CDN-ready output.
#[derive(Debug, Parser)]
#[command(name = "assetpress", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Process a build folder into an output folder.
    #[command(after_help = EXAMPLES)]
    Build(Box<BuildArgs>),
    /// Check a built output: names match contents, integrity values hold, every local reference resolves.
    #[command(after_help = VERIFY_EXAMPLES)]
    Verify(VerifyArgs),
    /// Upload a built output to s3://, gs://, az:// or a folder, with its headers, assets before pages.
    #[command(after_help = DEPLOY_EXAMPLES)]
    Deploy(DeployArgs),
    /// Delete the hashed files that no recent deploy of TARGET needs.
    #[command(after_help = CLEAN_EXAMPLES)]
    Clean(CleanArgs),
    /// Tell what changed between two manifests, and why each renamed file was renamed.
    #[command(after_help = DIFF_EXAMPLES)]
    Diff(DiffArgs),
}

/// Flags of `assetpress build`. Each has a key of the same name in `assetpress.toml`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The build folder to read (never modified) [config: input]
    pub input: Option<PathBuf>,
    /// The folder to write; replaced atomically at the end of the run [config: out]
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Config file [default: ./assetpress.toml if present]
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Only process files matching GLOB (relative to the input; repeatable) [config: include]
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Leave files matching GLOB out of the output (repeatable) [config: exclude]
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Worker threads [default: one per core] [config: jobs]
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Browserslist query for CSS prefixes/lowering and the JS output level [default: defaults] [config: targets]
    #[arg(long, value_name = "QUERY")]
    pub targets: Option<String>,
    /// Copy JavaScript unminified [config: minify_js = false]
    #[arg(long)]
    pub no_minify_js: bool,
    /// Copy CSS unminified [config: minify_css = false]
    #[arg(long)]
    pub no_minify_css: bool,
    /// Write no source maps [config: source_maps = false]
    #[arg(long)]
    pub no_source_maps: bool,
    /// Print the report as JSON on stdout [config: json]
    #[arg(long)]
    pub json: bool,
    /// Print only errors [config: quiet]
    #[arg(short, long)]
    pub quiet: bool,
    /// Treat warnings as errors: exit status 1 [config: strict]
    #[arg(long)]
    pub strict: bool,
    /// Public path the output is served under; root-absolute URLs resolve against it [default: /] [config: base]
    #[arg(long, value_name = "PATH")]
    pub base: Option<String>,
    /// Deepest JS/CSS nesting accepted [default: 1000] [config: limits.max_nesting_depth]
    #[arg(long, value_name = "N")]
    pub max_nesting_depth: Option<usize>,
    /// Largest JS/CSS file minified, in bytes [default: 12582912] [config: limits.max_text_size]
    #[arg(long, value_name = "BYTES")]
    pub max_text_size: Option<u64>,
    /// Transformed files held in memory while they wait for the hash stage, in bytes; the rest wait on disk [default: 268435456] [config: limits.max_held_bytes]
    #[arg(long, value_name = "BYTES")]
    pub max_held_bytes: Option<u64>,
    /// Hex digits of the content hash in file names, 8-64 [default: 8] [config: hash_length]
    #[arg(long, value_name = "N")]
    pub hash_length: Option<usize>,
    /// What joins the hash to the name: dot (app.3f2a9c1b.js) or dash (app-3f2a9c1b.js) [default: dot; dash with --manifest-format propshaft] [config: hash_separator]
    #[arg(long, value_name = "SEP")]
    pub hash_separator: Option<HashSeparator>,
    /// Files matching GLOB keep their names, besides pages, robots.txt, service workers... (repeatable) [config: keep_names]
    #[arg(long = "keep-name", value_name = "GLOB")]
    pub keep_names: Vec<String>,
    /// Files matching GLOB get a hashed name even where the naming rule keeps theirs (named in a string, reached by links only, hashed by a bundler) (repeatable) [config: hash]
    #[arg(long = "hash", value_name = "GLOB")]
    pub hash: Vec<String>,
    /// Write references to hashed files as absolute URLs under URL (a CDN) [config: public_url]
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// Path of the manifest inside the output [default: assetpress-manifest.json] [config: manifest]
    #[arg(long, value_name = "PATH")]
    pub manifest: Option<String>,
    /// Also write the manifest for another tool (repeatable or comma-separated) [config: manifest_formats]
    #[arg(long = "manifest-format", value_name = "FORMAT", value_delimiter = ',')]
    pub manifest_formats: Vec<ManifestFormat>,
    /// Copy images as they are: no variants, no optimisation [config: images.enabled = false]
    #[arg(long)]
    pub no_images: bool,
    /// Convert image variants to sRGB instead of keeping their colour profile [config: images.srgb]
    #[arg(long)]
    pub srgb: bool,
    /// Optimise images but make no variants [config: images.variants = false]
    #[arg(long)]
    pub no_variants: bool,
    /// Widths of responsive image variants [default: 480,960,1440,1920] [config: images.widths]
    #[arg(long, value_name = "W,...", value_delimiter = ',')]
    pub widths: Vec<u32>,
    /// Modern formats of image variants, besides the source's own [default: webp] [config: images.formats]
    #[arg(long, value_name = "FORMAT,...", value_delimiter = ',')]
    pub formats: Vec<crate::asset::ImageFormat>,
    /// Leave <img> tags alone instead of writing <picture> with the variants [config: images.picture = false]
    #[arg(long)]
    pub no_picture: bool,
    /// Largest image decoded, in pixels [default: 100000000] [config: images.max_pixels]
    #[arg(long, value_name = "PIXELS")]
    pub max_pixels: Option<u64>,
    /// Largest colour profile embedded in a variant; above it the variant is converted to sRGB [default: 65536] [config: images.max_icc_bytes]
    #[arg(long, value_name = "BYTES")]
    pub max_icc_bytes: Option<usize>,
    /// Compressed copies beside text files over 1 KiB: gzip, br, or none [default: gzip,br] [config: precompress]
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub precompress: Vec<String>,
    /// Add integrity="sha384-..." and crossorigin="anonymous" to scripts, stylesheets and preloads of local files [config: sri]
    #[arg(long)]
    pub sri: bool,
    /// Write the nginx snippet to FILE [default: beside the output, <out>.nginx.conf] [config: nginx.path]
    #[arg(long, value_name = "FILE")]
    pub nginx: Option<PathBuf>,
    /// Write no nginx snippet [config: nginx.enabled = false]
    #[arg(long, conflicts_with = "nginx")]
    pub no_nginx: bool,
    /// Have nginx serve the .br files too: brotli_static on (needs the ngx_brotli module) [config: nginx.brotli]
    #[arg(long)]
    pub nginx_brotli: bool,
    /// Write a _headers file (Netlify, Cloudflare Pages) into the output [config: headers_file]
    #[arg(long)]
    pub headers_file: bool,
    /// Write headers.json, each output path's response headers, for upload scripts [default FILE: beside the output, <out>.headers.json] [config: headers_json]
    #[arg(long, value_name = "FILE", require_equals = true)]
    #[allow(clippy::option_option)]
    pub headers_json: Option<Option<PathBuf>>,
    /// Cache transform results in DIR [default: $XDG_CACHE_HOME/assetpress or ~/.cache/assetpress] [config: cache.dir]
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Use no cache: compute everything, read and write no cache folder [config: cache.enabled = false]
    #[arg(long, conflicts_with = "cache_dir")]
    pub no_cache: bool,
    /// Size cap of the cache, e.g. 2GB [default: 2GB] [config: cache.max_size]
    #[arg(long, value_name = "SIZE", value_parser = parse_size_arg)]
    pub cache_max_size: Option<u64>,
    /// A cache shared by CI runners behind the local one: s3://BUCKET/PREFIX, gs://…, az://… or a folder; entries are checked with ASSETPRESS_CACHE_KEY [config: cache.url]
    #[arg(long, value_name = "URL", conflicts_with = "no_cache")]
    pub cache_url: Option<String>,
    /// Read the shared cache but never write it (jobs that must not, such as pull requests from forks) [config: cache.read_only]
    #[arg(long)]
    pub cache_read_only: bool,
    /// Be shard I of N (CI matrix jobs): transform this shard's share of the files into the cache and write nothing else; a final run without --shard writes the output
    #[arg(long, value_name = "I/N")]
    pub shard: Option<crate::config::Shard>,
    /// Compare with an earlier build's manifest: size changes per file and kind, and why files were renamed [config: baseline]
    #[arg(long, value_name = "MANIFEST")]
    pub baseline: Option<PathBuf>,
    /// Also write the budget and baseline tables as FORMAT (markdown) to FILE, for a pull-request comment [config: report_markdown]
    #[arg(long, num_args = 2, value_names = ["FORMAT", "FILE"])]
    pub report: Vec<String>,
    /// Also write the build report as one self-contained HTML page to FILE (outside the output): summary, treemap, images, names, budgets [config: report_html]
    #[arg(long, value_name = "FILE")]
    pub report_html: Option<PathBuf>,
    /// Show stage and transform times in the HTML report (it then differs from run to run) [config: report_times]
    #[arg(long)]
    pub report_times: bool,
}

fn parse_size_arg(s: &str) -> std::result::Result<u64, String> {
    crate::config::parse_size(s).ok_or_else(|| format!("{s:?}: give bytes or a size such as 2GB"))
}

/// `--precompress gzip,br` / `none`.
fn encodings(list: &[String]) -> Result<Vec<crate::encoding::Encoding>> {
    use crate::encoding::Encoding;
    let mut out = Vec::new();
    for item in list {
        match item.trim().to_ascii_lowercase().as_str() {
            "none" | "" => {}
            "gzip" | "gz" => out.push(Encoding::Gzip),
            "br" | "brotli" => out.push(Encoding::Br),
            other => {
                return Err(Error::Config(format!(
                    "--precompress {other:?}: give gzip, br, both (gzip,br) or none"
                )))
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// How the report is shown; not the library's business.
#[derive(Debug, Clone, Copy, Default)]
pub struct Presentation {
    /// JSON on stdout instead of the table.
    pub json: bool,
    /// Only errors on stderr.
    pub quiet: bool,
}

impl BuildArgs {
    /// Merges the flags over the config file over the defaults.
    pub fn resolve(self) -> Result<(Config, Presentation)> {
        let file = match &self.config {
            Some(path) => FileConfig::load(path)?,
            None => {
                let default = PathBuf::from(CONFIG_FILE_NAME);
                if default.is_file() {
                    FileConfig::load(&default)?
                } else {
                    FileConfig::default()
                }
            }
        };
        let input = self.input.or(file.input).ok_or_else(|| {
            Error::Config(
                "no input folder: give one, e.g. `assetpress build dist --out cdn`".into(),
            )
        })?;
        let out = self
            .out
            .or(file.out)
            .ok_or_else(|| Error::Config("no output folder: add `--out DIR`".into()))?;
        // Every default comes from here.
        let d = Config::new(&input, &out)?;
        let targets = match self.targets.or(file.targets) {
            Some(query) => Targets::from_query(&query)?,
            None => d.targets.clone(),
        };
        let file_limits = file.limits.unwrap_or(d.limits);
        let limits = Limits {
            max_nesting_depth: self
                .max_nesting_depth
                .unwrap_or(file_limits.max_nesting_depth),
            max_text_size: self.max_text_size.unwrap_or(file_limits.max_text_size),
            max_held_bytes: self.max_held_bytes.unwrap_or(file_limits.max_held_bytes),
        };
        if limits.max_nesting_depth == 0 {
            return Err(Error::Config(
                "--max-nesting-depth must be at least 1".into(),
            ));
        }
        let or_file = |flag: Vec<String>, file: Option<Vec<String>>, default: &Vec<String>| {
            if flag.is_empty() {
                file.unwrap_or_else(|| default.clone())
            } else {
                flag
            }
        };
        let mut config = Config {
            include: or_file(self.include, file.include, &d.include),
            exclude: or_file(self.exclude, file.exclude, &d.exclude),
            jobs: self.jobs.or(file.jobs).unwrap_or(d.jobs),
            targets,
            minify_js: !self.no_minify_js && file.minify_js.unwrap_or(d.minify_js),
            minify_css: !self.no_minify_css && file.minify_css.unwrap_or(d.minify_css),
            source_maps: !self.no_source_maps && file.source_maps.unwrap_or(d.source_maps),
            strict: self.strict || file.strict.unwrap_or(d.strict),
            base: match self.base.or(file.base) {
                Some(base) => normalize_base(&base),
                None => d.base.clone(),
            },
            limits,
            hash_length: self
                .hash_length
                .or(file.hash_length)
                .unwrap_or(d.hash_length),
            keep_names: or_file(self.keep_names, file.keep_names, &d.keep_names),
            hash: or_file(self.hash, file.hash, &d.hash),
            public_url: self
                .public_url
                .or(file.public_url)
                .map(|u| format!("{}/", u.trim_end_matches('/')))
                .or(d.public_url.clone()),
            manifest: self
                .manifest
                .or(file.manifest)
                .unwrap_or(d.manifest.clone()),
            manifest_formats: {
                let mut f = if self.manifest_formats.is_empty() {
                    file.manifest_formats
                        .unwrap_or_else(|| d.manifest_formats.clone())
                } else {
                    self.manifest_formats
                };
                f.sort();
                f.dedup();
                f
            },
            ..d
        };
        // Propshaft's `assets:clean` recognises `name-<digest>.ext` only.
        config.hash_separator = self.hash_separator.or(file.hash_separator).unwrap_or(
            if config.manifest_formats.contains(&ManifestFormat::Propshaft) {
                HashSeparator::Dash
            } else {
                HashSeparator::Dot
            },
        );
        let mut images = file.images.clone().unwrap_or_default();
        images.enabled &= !self.no_images;
        images.picture &= !self.no_picture;
        images.variants &= !self.no_variants;
        images.srgb |= self.srgb;
        let report_html = self.report_html.or(file.report_html);
        if !self.widths.is_empty() {
            images.widths = self.widths;
        }
        if !self.formats.is_empty() {
            images.formats = self.formats;
        }
        if let Some(p) = self.max_pixels {
            images.max_pixels = p;
        }
        if let Some(b) = self.max_icc_bytes {
            images.max_icc_bytes = b;
        }
        let precompress = if self.precompress.is_empty() {
            let mut p = file
                .precompress
                .unwrap_or_else(|| config.precompress.clone());
            p.sort();
            p.dedup();
            p
        } else {
            encodings(&self.precompress)?
        };
        let mut nginx = file.nginx.unwrap_or_default();
        nginx.enabled &= !self.no_nginx;
        if let Some(path) = self.nginx {
            nginx.enabled = true;
            nginx.path = Some(path);
        }
        nginx.brotli |= self.nginx_brotli;
        let headers_json = match self.headers_json {
            Some(None) => Some(crate::config::beside(&config.out, "headers.json")),
            Some(Some(p)) => Some(p),
            None => file.headers_json,
        };
        let build_cache = file.cache.clone().unwrap_or_default();
        let cache = if self.no_cache || !build_cache.enabled && self.cache_dir.is_none() {
            None
        } else {
            self.cache_dir
                .or(build_cache.dir)
                .or_else(crate::cache::default_dir)
        };
        let config = Config {
            cache,
            cache_max_size: self.cache_max_size.unwrap_or(build_cache.max_size.0),
            // --no-cache drops the file's shared cache with the local one.
            cache_url: self
                .cache_url
                .or(build_cache.url.filter(|_| !self.no_cache)),
            cache_read_only: self.cache_read_only || build_cache.read_only,
            shard: self.shard,
            images,
            precompress,
            sri: self.sri || file.sri.unwrap_or(config.sri),
            cache_control: file.cache_control.unwrap_or_default(),
            nginx,
            headers_file: self.headers_file || file.headers_file.unwrap_or(config.headers_file),
            headers_json,
            budgets: file.budget.unwrap_or_default(),
            baseline: self.baseline.or(file.baseline),
            report_markdown: match self.report.as_slice() {
                [] => file.report_markdown,
                [format, path] if format == "markdown" => Some(PathBuf::from(path)),
                [format, _] => {
                    return Err(Error::Config(format!(
                        "--report {format}: the one format is markdown"
                    )))
                }
                _ => unreachable!("clap takes two values"),
            },
            report_html,
            report_times: self.report_times || file.report_times.unwrap_or(false),
            ..config
        };
        config.validate()?;
        let presentation = Presentation {
            json: self.json || file.json.unwrap_or(false),
            quiet: self.quiet || file.quiet.unwrap_or(false),
        };
        Ok((config, presentation))
    }
}
