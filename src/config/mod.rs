//! The settings of one run. [`Config`] is what the library sees: plain values,
//! validated once. [`FileConfig`] is `assetpress.toml`, merged under the
//! command-line flags by [`crate::cli`].

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::encoding::Encoding;
use crate::error::{Error, Result};
use crate::targets::Targets;

mod budget;
mod cache;
mod images;
pub use budget::{Budget, Compression};
pub use cache::{parse_size, BuildCache, ByteSize, Shard, DEFAULT_CACHE_MAX_SIZE};
use images::parse_color;
pub use images::{Images, PictureElement, Quality};

/// Everything the pipeline needs to know.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    /// The build folder to read. Never written to.
    pub input: PathBuf,
    /// The folder to write; replaced as a whole at the end of a successful run.
    pub out: PathBuf,
    /// Only files matching one of these globs (relative to `input`) are processed. Default: all.
    pub include: Vec<String>,
    /// Files matching any of these globs are left out of the output. Default: none.
    pub exclude: Vec<String>,
    /// Worker threads; 0 means one per core. Default: 0.
    pub jobs: usize,
    /// Browser targets for CSS and JS output. Default: the browserslist query `defaults`.
    pub targets: Targets,
    /// Minify JavaScript. Default: true.
    pub minify_js: bool,
    /// Minify CSS. Default: true.
    pub minify_css: bool,
    /// Write source maps for minified files. Default: true.
    pub source_maps: bool,
    /// Treat warnings as errors (exit status 1). Default: false.
    pub strict: bool,
    /// The public path the output is served under: root-absolute URLs
    /// (`/static/app.js`) resolve against it. Always starts and ends with `/`.
    /// Default: `/`.
    pub base: String,
    /// Limits that keep hostile or broken input from exhausting the machine.
    pub limits: Limits,
    /// Hex digits of the content hash in file names, 8–64. Default: 8.
    pub hash_length: usize,
    /// What joins the hash to the name: `app.3f2a9c1b.js` or
    /// `app-3f2a9c1b.js`. Default: a dot, a dash with the Propshaft manifest.
    pub hash_separator: HashSeparator,
    /// Globs of files that keep their names, besides
    /// [`crate::naming::DEFAULT_KEEP_NAMES`]. Default: none.
    pub keep_names: Vec<String>,
    /// Globs of files renamed even though the naming rule would keep their
    /// names (their name is written where assetpress rewrites nothing, or
    /// only links lead to them, or a bundler hashed it): for when you know
    /// better. Never wins over `keep_names`. Default: none.
    pub hash: Vec<String>,
    /// Absolute URL the output root is served from (a CDN); references to
    /// hashed files are written as absolute URLs under it. Default: none.
    pub public_url: Option<String>,
    /// Path of the manifest inside the output. Default: `assetpress-manifest.json`.
    pub manifest: String,
    /// Manifests for other tools' readers, written besides assetpress's own. Default: none.
    pub manifest_formats: Vec<ManifestFormat>,
    /// Responsive images. Default: see [`Images`].
    pub images: Images,
    /// Compressed copies written beside text files. Default: gzip and br.
    pub precompress: Vec<Encoding>,
    /// Add `integrity` and `crossorigin` to scripts, stylesheets and
    /// preloads of local files. Default: false.
    pub sri: bool,
    /// `Cache-Control` values per class of file. Default: see [`CacheControl`].
    pub cache_control: CacheControl,
    /// The nginx snippet. Default: see [`Nginx`].
    pub nginx: Nginx,
    /// Write `_headers` (Netlify, Cloudflare Pages) into the output. Default: false.
    pub headers_file: bool,
    /// Where to write `headers.json` (path → response headers, for upload
    /// scripts), if at all. Default: not written.
    pub headers_json: Option<PathBuf>,
    /// The cache of transform results, if one is used. Default: see [`BuildCache`].
    pub cache: Option<PathBuf>,
    /// The cache's size cap in bytes; least recently used entries go first.
    /// Default: 2 GiB.
    pub cache_max_size: u64,
    /// A cache shared by CI runners behind the local one: `s3://bucket/prefix`,
    /// `gs://…`, `az://…` or a folder. Default: none.
    pub cache_url: Option<String>,
    /// Read the shared cache but never write it (untrusted jobs, such as
    /// pull requests from forks). Default: false.
    pub cache_read_only: bool,
    /// Run as one of N shards: transform this shard's share of the files
    /// into the cache and write nothing else. Default: none.
    #[serde(skip)]
    pub shard: Option<Shard>,
    /// Size budgets (`[[budget]]`); going over one is an error. Default: none.
    #[serde(skip)]
    pub budgets: Vec<Budget>,
    /// An earlier build's manifest: the report adds each file's and each
    /// kind's size change, and why renamed files were renamed. Default: none.
    #[serde(skip)]
    pub baseline: Option<PathBuf>,
    /// Where to write the budget and baseline tables as Markdown (for a
    /// pull-request comment). Default: not written.
    #[serde(skip)]
    pub report_markdown: Option<PathBuf>,
    /// Where to write the build report as one self-contained HTML page
    /// (outside the output). Default: not written.
    #[serde(skip)]
    pub report_html: Option<PathBuf>,
    /// Show stage and transform times in that page (then it differs from
    /// run to run). Default: false.
    #[serde(skip)]
    pub report_times: bool,
}

/// `Cache-Control` per class of output file (`[cache_control]` in `assetpress.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CacheControl {
    /// Files with a content hash in their name: they never change.
    /// Default: `public, max-age=31536000, immutable`.
    pub hashed: String,
    /// Images that keep their names (favicons, social images).
    /// Default: `public, max-age=2592000, stale-while-revalidate=86400`.
    pub images: String,
    /// Pages. Default: `public, max-age=3600, stale-while-revalidate=86400`.
    pub html: String,
    /// Every other file that keeps its name (service workers, web app
    /// manifests, robots.txt), in `headers.json` and `_headers`; the nginx
    /// snippet leaves them to the server. Default: `no-cache`.
    pub other: String,
}

impl Default for CacheControl {
    fn default() -> Self {
        CacheControl {
            hashed: "public, max-age=31536000, immutable".into(),
            images: "public, max-age=2592000, stale-while-revalidate=86400".into(),
            html: "public, max-age=3600, stale-while-revalidate=86400".into(),
            other: "no-cache".into(),
        }
    }
}

/// The nginx snippet (`[nginx]` in `assetpress.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Nginx {
    /// Write it at all. Default: true.
    pub enabled: bool,
    /// Where. Default: beside the output folder, `<out>.nginx.conf`.
    pub path: Option<PathBuf>,
    /// Add `brotli_static on;` (needs the ngx_brotli module). Default: false.
    pub brotli: bool,
    /// A file of your own `add_header` lines, included in every location
    /// of the snippet (nginx drops server-level `add_header`s in a location
    /// that sets its own). Default: none.
    pub include: Option<String>,
}

impl Default for Nginx {
    fn default() -> Self {
        Nginx {
            enabled: true,
            path: None,
            brotli: false,
            include: None,
        }
    }
}

/// A manifest format other tools read.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum ManifestFormat {
    /// `manifest.json`: `{"css/app.css": "css/app.3f2a9c1b.css"}` (gulp-rev, webpack-manifest-plugin).
    Flat,
    /// `.vite/manifest.json`, as Vite's backend integrations read it.
    Vite,
    /// `.manifest.json`, as Rails' Propshaft reads it.
    Propshaft,
    /// `staticfiles.json`, as Django's `ManifestStaticFilesStorage` reads it.
    Django,
}

/// What joins the content hash to a file's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum HashSeparator {
    /// `app.3f2a9c1b.js`, as webpack, Parcel and Django name files.
    #[default]
    Dot,
    /// `app-3f2a9c1b.js`, as Rails' Propshaft and Sprockets name files (and
    /// recognise them in `assets:clean`).
    Dash,
}

impl HashSeparator {
    /// The character itself.
    pub fn char(self) -> char {
        match self {
            HashSeparator::Dot => '.',
            HashSeparator::Dash => '-',
        }
    }
}

/// Bounds on the work one input file may cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Deepest nesting of expressions, statements or blocks in a JS or CSS
    /// file; deeper files are copied unchanged with an error. Default: 1000.
    pub max_nesting_depth: usize,
    /// Largest JS or CSS file to parse, in bytes; larger ones are copied
    /// unchanged with a warning, and the files they name keep their names.
    /// Minifying a one-line script holds about 60 bytes a byte, so the
    /// default keeps one file near 750 MB. Default: 12 MiB.
    pub max_text_size: u64,
    /// Bytes of transformed files held in memory while they wait for the
    /// files they name to be hashed; past it, they wait in a work folder
    /// beside the output. Default: 256 MiB.
    pub max_held_bytes: u64,
}

/// The default of `limits.max_nesting_depth`.
pub const DEFAULT_MAX_NESTING_DEPTH: usize = 1000;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_nesting_depth: DEFAULT_MAX_NESTING_DEPTH,
            max_text_size: 12 << 20,
            max_held_bytes: 256 << 20,
        }
    }
}

impl Config {
    /// A configuration with every default, for `input` → `out`.
    pub fn new(input: impl Into<PathBuf>, out: impl Into<PathBuf>) -> Result<Config> {
        Ok(Config {
            input: input.into(),
            out: out.into(),
            include: Vec::new(),
            exclude: Vec::new(),
            jobs: 0,
            targets: Targets::from_query(DEFAULT_TARGETS)?,
            minify_js: true,
            minify_css: true,
            source_maps: true,
            strict: false,
            base: "/".into(),
            limits: Limits::default(),
            hash_length: 8,
            hash_separator: HashSeparator::Dot,
            keep_names: Vec::new(),
            hash: Vec::new(),
            public_url: None,
            manifest: DEFAULT_MANIFEST.into(),
            manifest_formats: Vec::new(),
            images: Images::default(),
            precompress: vec![Encoding::Gzip, Encoding::Br],
            sri: false,
            cache_control: CacheControl::default(),
            nginx: Nginx::default(),
            headers_file: false,
            headers_json: None,
            cache: None,
            cache_max_size: DEFAULT_CACHE_MAX_SIZE,
            cache_url: None,
            cache_read_only: false,
            shard: None,
            budgets: Vec::new(),
            baseline: None,
            report_markdown: None,
            report_html: None,
            report_times: false,
        })
    }

    /// Where the nginx snippet goes, if it is written: `nginx.path`, or
    /// beside the output folder as `<out>.nginx.conf`.
    pub fn nginx_path(&self) -> Option<PathBuf> {
        self.nginx.enabled.then(|| {
            self.nginx
                .path
                .clone()
                .unwrap_or_else(|| beside(&self.out, "nginx.conf"))
        })
    }

    /// Checks the values that flags and the config file cannot constrain by type.
    pub fn validate(&self) -> Result<()> {
        for b in &self.budgets {
            b.matcher()?;
        }
        if self.cache.is_none() {
            if self.cache_url.is_some() {
                return Err(Error::Config(
                    "--cache-url: the shared cache sits behind the local one; drop --no-cache (or cache.enabled = false)".into(),
                ));
            }
            if let Some(s) = self.shard {
                return Err(Error::Config(format!(
                    "--shard {}/{}: a shard's work goes into the cache; drop --no-cache (or cache.enabled = false)",
                    s.index, s.count
                )));
            }
        }
        if !(8..=64).contains(&self.hash_length) {
            return Err(Error::Config(format!(
                "--hash-length {} is out of range: 8 to 64 hex digits",
                self.hash_length
            )));
        }
        if let Some(url) = &self.public_url {
            let ok = ["https://", "http://", "//"]
                .iter()
                .any(|p| url.starts_with(p))
                && !url.contains(['?', '#', ' ']);
            if !ok {
                return Err(Error::Config(format!(
                    "--public-url {url:?}: give an absolute URL such as https://cdn.example.com/assets/"
                )));
            }
        }
        let i = &self.images;
        if i.widths.is_empty() || i.widths.contains(&0) {
            return Err(Error::Config(
                "--widths: give widths in pixels, such as 480,960,1440".into(),
            ));
        }
        if !(0.0..=100.0).contains(&i.quality.webp)
            || !(1.0..=100.0).contains(&i.quality.avif)
            || !(1..=100).contains(&i.quality.jpeg)
        {
            return Err(Error::Config(
                "images.quality: 0-100 for webp, 1-100 for avif and jpeg".into(),
            ));
        }
        if parse_color(&i.background).is_none() {
            return Err(Error::Config(format!(
                "images.background {:?}: give a colour such as \"#ffffff\"",
                i.background
            )));
        }
        if i.png_level > 6 {
            return Err(Error::Config("--png-level: 0 to 6".into()));
        }
        for (key, value) in [
            ("hashed", &self.cache_control.hashed),
            ("images", &self.cache_control.images),
            ("html", &self.cache_control.html),
            ("other", &self.cache_control.other),
        ] {
            if value.trim().is_empty() || value.contains(['"', '\n', '\r', ';', '{', '}']) {
                return Err(Error::Config(format!(
                    "cache_control.{key} {value:?}: give a Cache-Control value such as \"public, max-age=3600\""
                )));
            }
        }
        let m = &self.manifest;
        if m.is_empty() || m.starts_with('/') || m.split('/').any(|s| matches!(s, "" | "." | ".."))
        {
            return Err(Error::Config(format!(
                "--manifest {m:?}: give a relative path inside the output, such as assetpress-manifest.json"
            )));
        }
        Ok(())
    }
}

/// `<out>.<suffix>` in the folder that holds `out`.
pub fn beside(out: &Path, suffix: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    out.with_file_name(format!("{name}.{suffix}"))
}

/// The default path of the manifest inside the output.
pub const DEFAULT_MANIFEST: &str = "assetpress-manifest.json";

/// Normalizes a public path to start and end with `/` (`static` → `/static/`).
pub fn normalize_base(base: &str) -> String {
    let inner = base.trim().trim_matches('/');
    if inner.is_empty() {
        "/".into()
    } else {
        format!("/{inner}/")
    }
}

/// The default browserslist query.
pub const DEFAULT_TARGETS: &str = "defaults";

/// The name of the config file looked for in the current directory.
pub const CONFIG_FILE_NAME: &str = "assetpress.toml";

/// `assetpress.toml`: every key is optional and mirrors a flag of `assetpress build`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Input folder, relative to the config file.
    pub input: Option<PathBuf>,
    /// Output folder, relative to the config file.
    pub out: Option<PathBuf>,
    /// Globs of files to process.
    pub include: Option<Vec<String>>,
    /// Globs of files to leave out.
    pub exclude: Option<Vec<String>>,
    /// Worker threads (0 = one per core).
    pub jobs: Option<usize>,
    /// Browserslist query.
    pub targets: Option<String>,
    /// Minify JavaScript.
    pub minify_js: Option<bool>,
    /// Minify CSS.
    pub minify_css: Option<bool>,
    /// Write source maps.
    pub source_maps: Option<bool>,
    /// Print the machine-readable report.
    pub json: Option<bool>,
    /// Print nothing but errors.
    pub quiet: Option<bool>,
    /// Treat warnings as errors.
    pub strict: Option<bool>,
    /// Public path.
    pub base: Option<String>,
    /// Resource limits.
    pub limits: Option<Limits>,
    /// Hex digits of the hash in names.
    pub hash_length: Option<usize>,
    /// What joins the hash to the name.
    pub hash_separator: Option<HashSeparator>,
    /// Globs of files that keep their names (added to the defaults).
    pub keep_names: Option<Vec<String>>,
    /// Globs of files renamed whatever the naming rule says.
    pub hash: Option<Vec<String>>,
    /// Absolute URL of the output root.
    pub public_url: Option<String>,
    /// Manifest path inside the output.
    pub manifest: Option<String>,
    /// Extra manifest formats.
    pub manifest_formats: Option<Vec<ManifestFormat>>,
    /// Responsive images.
    pub images: Option<Images>,
    /// Precompressed copies: `["gzip", "br"]`, or `[]` for none.
    pub precompress: Option<Vec<Encoding>>,
    /// Subresource Integrity on scripts and stylesheets.
    pub sri: Option<bool>,
    /// Cache-Control values.
    pub cache_control: Option<CacheControl>,
    /// The nginx snippet.
    pub nginx: Option<Nginx>,
    /// Write `_headers` into the output.
    pub headers_file: Option<bool>,
    /// Where to write `headers.json`, relative to the config file.
    pub headers_json: Option<PathBuf>,
    /// The cache of transform results.
    pub cache: Option<BuildCache>,
    /// Size budgets.
    pub budget: Option<Vec<Budget>>,
    /// The manifest of an earlier build to compare with, relative to the config file.
    pub baseline: Option<PathBuf>,
    /// Where to write the Markdown report, relative to the config file.
    pub report_markdown: Option<PathBuf>,
    /// Where to write the HTML report, relative to the config file.
    pub report_html: Option<PathBuf>,
    /// Times in the HTML report.
    pub report_times: Option<bool>,
}

impl FileConfig {
    /// Reads and parses a config file; paths inside it are made relative to its folder.
    pub fn load(path: &Path) -> Result<FileConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut cfg: FileConfig = toml::from_str(&text)
            .map_err(|e| Error::Config(format!("{}: {}", path.display(), e.to_string().trim())))?;
        let base = path.parent().unwrap_or(Path::new(""));
        let nginx_path = cfg.nginx.as_mut().and_then(|n| n.path.as_mut());
        let cache_dir = cfg.cache.as_mut().and_then(|c| c.dir.as_mut());
        for p in [
            &mut cfg.input,
            &mut cfg.out,
            &mut cfg.headers_json,
            &mut cfg.baseline,
            &mut cfg.report_markdown,
            &mut cfg.report_html,
        ]
        .into_iter()
        .flatten()
        .chain(nginx_path)
        .chain(cache_dir)
        {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_rejected_with_the_file_name() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("assetpress.toml");
        std::fs::write(&p, "minify_jss = false\n").unwrap();
        let e = FileConfig::load(&p).unwrap_err().to_string();
        assert!(
            e.contains("assetpress.toml") && e.contains("minify_jss"),
            "{e}"
        );
    }

    #[test]
    fn base_is_normalized() {
        for (given, expected) in [
            ("", "/"),
            ("/", "/"),
            ("static", "/static/"),
            ("/static", "/static/"),
            ("/a/b/", "/a/b/"),
        ] {
            assert_eq!(normalize_base(given), expected);
        }
    }

    #[test]
    fn paths_are_relative_to_the_config_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("assetpress.toml");
        std::fs::write(&p, "input = \"dist\"\n[limits]\nmax_nesting_depth = 50\n").unwrap();
        let cfg = FileConfig::load(&p).unwrap();
        assert_eq!(cfg.input.unwrap(), dir.path().join("dist"));
        assert_eq!(cfg.limits.unwrap().max_nesting_depth, 50);
        assert_eq!(
            cfg.limits.unwrap().max_text_size,
            Limits::default().max_text_size
        );
    }

    /// A README default cell against the value `Config::new` has; `None`
    /// when the cell describes the default in words.
    fn readme_default_holds(key_cell: &str, cell: &str, value: &serde_json::Value) -> Option<bool> {
        use serde_json::Value;
        if key_cell.ends_with("= false`") {
            return Some(value == &Value::Bool(true));
        }
        if cell == "off" || cell.starts_with("off ") {
            return Some(matches!(value, Value::Bool(false) | Value::Null));
        }
        if cell == "none" {
            return Some(value.is_null() || value.as_array().is_some_and(|a| a.is_empty()));
        }
        let text = cell.strip_prefix('`').and_then(|c| c.strip_suffix('`'));
        let text = match text {
            Some(t) if !t.contains('`') => t,
            _ if cell.parse::<f64>().is_ok() => cell,
            _ => return None,
        };
        Some(match value {
            Value::String(s) => s == text,
            Value::Number(n) => {
                let n = n.as_f64();
                text.parse::<f64>().ok() == n || parse_size(text).map(|b| b as f64) == n
            }
            Value::Array(items) => {
                let items: Vec<String> = items
                    .iter()
                    .map(|i| i.as_str().map_or(i.to_string(), str::to_string))
                    .collect();
                items.join(",") == text
            }
            _ => false,
        })
    }

    /// The option table of the README states the defaults of [`Config::new`]
    /// (and so of the flags and the config file, which start from it).
    #[test]
    fn the_readme_states_every_default_there_is() {
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        let defaults = serde_json::to_value(Config::new("in", "out").unwrap()).unwrap();
        // Config keys whose field has another name in `Config`.
        let field = |key: &str| match key {
            "cache.max_size" => "cache_max_size".to_string(),
            "cache.url" => "cache_url".to_string(),
            "cache.read_only" => "cache_read_only".to_string(),
            k => k.to_string(),
        };
        let mut checked = Vec::new();
        for row in readme.lines().filter(|l| l.starts_with("| ")) {
            let cells: Vec<&str> = row
                .trim_matches(|c| c == '|' || c == ' ')
                .split(" | ")
                .collect();
            let [_, key_cell, default_cell, ..] = cells[..] else {
                continue;
            };
            let keys: Vec<&str> = key_cell
                .split(", ")
                .map(|k| k.trim_matches('`').split(' ').next().unwrap_or_default())
                .collect();
            let cells: Vec<&str> = if keys.len() > 1 {
                default_cell.split(", ").collect()
            } else {
                vec![default_cell]
            };
            for (key, cell) in keys.iter().zip(cells) {
                let path = format!("/{}", field(key).replace('.', "/"));
                let Some(value) = defaults.pointer(&path) else {
                    continue;
                };
                if let Some(holds) = readme_default_holds(key_cell, cell, value) {
                    assert!(holds, "README says {key} defaults to {cell}; it is {value}");
                    checked.push(key.to_string());
                }
            }
        }
        assert!(checked.len() >= 30, "too few defaults checked: {checked:?}");
    }

    /// Regression: `--manifest .` failed only after the whole build.
    #[test]
    fn a_manifest_path_must_name_a_file_inside_the_output() {
        for bad in [
            ".",
            "./",
            "a/./b.json",
            "../m.json",
            "/m.json",
            "a//b.json",
            "",
        ] {
            let mut c = Config::new("in", "out").unwrap();
            c.manifest = bad.into();
            assert!(c.validate().is_err(), "{bad:?}");
        }
        let mut c = Config::new("in", "out").unwrap();
        c.manifest = "meta/manifest.json".into();
        assert!(c.validate().is_ok());
    }
}
