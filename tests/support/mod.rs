//! Helpers that make each test a few lines: a temporary folder with
//! fixtures copied in, the real binary run on it, and tree comparisons.
//! Shared by both harnesses (`tests/integration`, `tests/e2e`), which
//! include it as their `util` module; each uses only some of it.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};

pub mod hostile;

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A temporary folder, removed when dropped, with a cache folder of its
/// own beside it (runs never share the user's cache).
pub struct TestDir {
    pub dir: tempfile::TempDir,
    pub cache: tempfile::TempDir,
}

impl TestDir {
    pub fn new() -> TestDir {
        TestDir {
            dir: tempfile::tempdir().expect("tempdir"),
            cache: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// What `XDG_CACHE_HOME` is for this folder's runs: the cache is in
    /// `assetpress/` under it.
    pub fn cache_home(&self) -> &Path {
        self.cache.path()
    }

    /// A fixture folder from `testdata/` copied to `<tmp>/<name>`.
    pub fn with_fixture(name: &str) -> TestDir {
        let t = TestDir::new();
        copy_tree(&repo().join("testdata").join(name), &t.path(name));
        t
    }

    /// The names at the top of the folder (fixtures, outputs, and anything
    /// a run left beside them), sorted.
    pub fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes a file, creating its folders.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, contents).unwrap();
    }

    pub fn read(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    pub fn read_string(&self, rel: &str) -> String {
        String::from_utf8(self.read(rel)).unwrap()
    }

    /// The path, inside the output folder `out`, of what the input file
    /// `original` became (its hashed name), from the output's manifest; an
    /// `original` ending in `.map` that is not an input names the source map
    /// generated for the file without that suffix.
    pub fn out_path(&self, out: &str, original: &str) -> String {
        let m = manifest(&self.path(out));
        let assets = &m["assets"];
        if let Some(file) = assets[original]["file"].as_str() {
            return format!("{out}/{file}");
        }
        if let Some(map) = original
            .strip_suffix(".map")
            .and_then(|o| assets[o]["map"].as_str())
        {
            return format!("{out}/{map}");
        }
        panic!("{original} is not in the manifest of {out}");
    }

    /// The bytes the input file `original` became in the output folder `out`.
    pub fn read_out(&self, out: &str, original: &str) -> Vec<u8> {
        self.read(&self.out_path(out, original))
    }

    /// The text the input file `original` became in the output folder `out`.
    pub fn read_out_string(&self, out: &str, original: &str) -> String {
        self.read_string(&self.out_path(out, original))
    }

    /// Runs `assetpress ARGS` with this folder as the current directory.
    pub fn run(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_assetpress"))
            .args(args)
            .env("XDG_CACHE_HOME", self.cache_home())
            .env("XDG_CONFIG_HOME", self.cache_home().join("config"))
            .current_dir(self.dir.path())
            .output()
            .expect("run assetpress");
        Run::from(out)
    }
}

/// Runs the binary in `t` with `args`; returns its exit code, stdout,
/// stderr and peak memory in MB.
// The child is waited for by wait4, which gives its peak memory.
#[allow(clippy::zombie_processes)]
#[cfg(unix)]
pub fn run_measured(t: &TestDir, args: &[&str]) -> (i32, String, String, i64) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_assetpress"))
        .current_dir(t.path(""))
        .env("XDG_CACHE_HOME", t.cache_home())
        .env("XDG_CONFIG_HOME", t.cache_home().join("config"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr_pipe = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stderr_pipe, &mut s).unwrap();
        s
    });
    let mut stdout = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut stdout).unwrap();
    let (mut status, mut usage) = (0, unsafe { std::mem::zeroed::<libc::rusage>() });
    let pid = child.id() as libc::pid_t;
    assert_eq!(unsafe { libc::wait4(pid, &mut status, 0, &mut usage) }, pid);
    assert!(libc::WIFEXITED(status), "killed by a signal: {status}");
    (
        libc::WEXITSTATUS(status),
        stdout,
        stderr.join().unwrap(),
        usage.ru_maxrss / 1024,
    )
}

/// A fixture built once: `assetpress build <fixture> --out out FLAGS` run
/// in a fresh [`TestDir`] and asserted to succeed. Dereferences to the
/// folder; outputs are reached by the name of the input they came from.
pub struct Built {
    pub dir: TestDir,
    /// The build's run (its `--json` report when that flag was given).
    pub run: Run,
}

impl TestDir {
    /// Copies `testdata/<fixture>` and builds it into `out` with `flags`,
    /// asserting exit status 0.
    #[track_caller]
    pub fn build(fixture: &str, flags: &[&str]) -> Built {
        let dir = TestDir::with_fixture(fixture);
        let mut args = vec!["build", fixture, "--out", "out"];
        args.extend_from_slice(flags);
        let run = dir.run(&args);
        run.expect_code(0);
        Built { dir, run }
    }

    /// [`TestDir::build`] once per test binary for each fixture and flags:
    /// the tests that only read an output share it. A test that changes
    /// the output must build its own.
    #[track_caller]
    pub fn shared(fixture: &str, flags: &[&str]) -> &'static Built {
        type Builds = Mutex<BTreeMap<String, &'static OnceLock<Built>>>;
        static BUILDS: OnceLock<Builds> = OnceLock::new();
        let key = format!("{fixture} {}", flags.join(" "));
        let mut builds = BUILDS
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let cell: &'static OnceLock<Built> = builds
            .entry(key)
            .or_insert_with(|| Box::leak(Box::new(OnceLock::new())))
            .to_owned();
        drop(builds);
        cell.get_or_init(|| TestDir::build(fixture, flags))
    }
}

impl std::ops::Deref for Built {
    type Target = TestDir;
    fn deref(&self) -> &TestDir {
        &self.dir
    }
}

impl Built {
    /// Why the input `path` keeps its name, from the `--json` report of
    /// the build (`null` when it is renamed).
    #[track_caller]
    pub fn kept(&self, path: &str) -> serde_json::Value {
        let json = self.run.json();
        let files = json["files"].as_array().unwrap();
        let f = files.iter().find(|f| f["path"] == path).unwrap();
        f["kept"].clone()
    }

    /// The output's manifest.
    pub fn manifest(&self) -> serde_json::Value {
        manifest(&self.path("out"))
    }

    /// The text the input file `original` became.
    #[track_caller]
    pub fn text(&self, original: &str) -> String {
        self.read_out_string("out", original)
    }

    /// The hash in the output name of the input `original`.
    #[track_caller]
    pub fn hash(&self, original: &str) -> String {
        hash_in_name(&self.dir, "out", original)
    }

    /// `template` with every `[[path]]` replaced by the hash of that input.
    #[track_caller]
    pub fn fill(&self, template: &str) -> String {
        fill_hashes(&self.dir, "out", template)
    }

    /// `assetpress verify out`, asserted to exit with `code`.
    #[track_caller]
    pub fn verify(&self, code: i32) -> Run {
        let run = self.run(&["verify", "out"]);
        run.expect_code(code);
        run
    }
}

/// The hash in the name that the input `original` has in the output `out`.
#[track_caller]
pub fn hash_in_name(t: &TestDir, out: &str, original: &str) -> String {
    let m = manifest(&t.path(out));
    let file = m["assets"][original]["file"]
        .as_str()
        .unwrap_or_else(|| panic!("{original} not in the manifest"))
        .to_string();
    let (stem, ext) = original.rsplit_once('.').unwrap();
    file.strip_prefix(&format!("{stem}."))
        .and_then(|f| f.strip_suffix(&format!(".{ext}")))
        .unwrap_or_else(|| panic!("{original} became {file}, not a hashed name"))
        .to_string()
}

/// Fills `[[path]]` markers in `template` with that input's hash in `out`.
#[track_caller]
pub fn fill_hashes(t: &TestDir, out: &str, template: &str) -> String {
    let mut s = String::new();
    let mut rest = template;
    while let Some(open) = rest.find("[[") {
        let close = open + rest[open..].find("]]").unwrap();
        s.push_str(&rest[..open]);
        s.push_str(&hash_in_name(t, out, &rest[open + 2..close]));
        rest = &rest[close + 2..];
    }
    s.push_str(rest);
    s
}

/// Asserts that what `original` became contains `template` with its
/// `[[path]]` markers filled with hashes: a reference was rewritten.
#[track_caller]
pub fn assert_refers(b: &Built, original: &str, template: &str) {
    assert_has(&b.text(original), original, &b.fill(template));
}

/// Asserts that what `original` became contains `text` exactly as written.
#[track_caller]
pub fn assert_kept(b: &Built, original: &str, text: &str) {
    assert_has(&b.text(original), original, text);
}

/// Asserts that what `original` became does not contain `text`.
#[track_caller]
pub fn assert_lacks(b: &Built, original: &str, text: &str) {
    let got = b.text(original);
    assert!(
        !got.contains(text),
        "{original} has {text}\n--- {original}:\n{got}"
    );
}

/// Asserts `haystack` (the text of `what`) contains `needle`, showing it when not.
#[track_caller]
pub fn assert_has(haystack: &str, what: &str, needle: &str) {
    assert!(
        haystack.contains(needle),
        "{what} lacks {needle}\n--- {what}:\n{haystack}"
    );
}

/// What a run of the binary printed and returned.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Asserts the exit status, showing the output when it differs.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "exit status\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// The `--json` report's warnings, each as `path:line:col: message`.
    pub fn warnings(&self) -> Vec<String> {
        self.json()["warnings"]
            .as_array()
            .expect("warnings in the report")
            .iter()
            .map(|w| {
                format!(
                    "{}:{}:{}: {}",
                    w["path"].as_str().unwrap_or(""),
                    w["line"],
                    w["col"],
                    w["message"].as_str().unwrap_or("")
                )
            })
            .collect()
    }

    /// The `--json` report.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// Copies a folder recursively (regular files and folders only).
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).sort_by_file_name() {
        let entry = entry.unwrap();
        let dest = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// Every file under `root` (no symlinks followed) with its bytes, by relative path.
pub fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// A real 2×2 PNG, for fixtures that need an image but not a particular one.
pub fn tiny_png() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(2, 2, image::Rgb([10, 200, 30]));
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// The manifest of an output folder.
pub fn manifest(out: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(out.join("assetpress-manifest.json"))
        .unwrap_or_else(|e| panic!("manifest of {}: {e}", out.display()));
    serde_json::from_str(&text).unwrap()
}

/// The output tree with each file named by the input it came from (a
/// generated source map as `<input>.map`), the manifest left out: what a
/// build made of each input, whatever the hashes.
pub fn tree_by_original(out: &Path) -> BTreeMap<String, Vec<u8>> {
    let m = manifest(out);
    let mut names = BTreeMap::new();
    for (orig, e) in m["assets"].as_object().unwrap() {
        names.insert(e["file"].as_str().unwrap().to_string(), orig.clone());
        if let Some(map) = e["map"].as_str() {
            names.insert(map.to_string(), format!("{orig}.map"));
        }
        for v in e["variants"].as_array().into_iter().flatten() {
            let ext = match v["format"].as_str().unwrap() {
                "jpeg" => "jpg",
                other => other,
            };
            names.insert(
                v["file"].as_str().unwrap().to_string(),
                format!("{orig}@{}w.{ext}", v["width"]),
            );
        }
    }
    let all = tree(out);
    all.iter()
        .filter(|(rel, _)| *rel != "assetpress-manifest.json" && !is_precompressed_copy(rel, &all))
        .map(|(rel, bytes)| (rel.clone(), bytes.clone()))
        .map(|(rel, bytes)| {
            let name = names
                .get(&rel)
                .unwrap_or_else(|| panic!("{rel} is in the output but not in its manifest"));
            (name.clone(), bytes)
        })
        .collect()
}

/// [`tree_by_original`] with every hashed file name written in a text file
/// put back to its input name: equal to the input tree exactly when a build
/// changed nothing but names.
pub fn unhashed(out: &Path) -> BTreeMap<String, Vec<u8>> {
    let m = manifest(out);
    let mut renames: Vec<(String, String)> = m["assets"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(orig, e)| (base(e["file"].as_str().unwrap()), base(orig)))
        .filter(|(new, old)| new != old)
        .collect();
    renames.sort_by_key(|(new, _)| std::cmp::Reverse(new.len()));
    tree_by_original(out)
        .into_iter()
        .map(|(rel, bytes)| match String::from_utf8(bytes) {
            Ok(mut text) => {
                for (new, old) in &renames {
                    text = text.replace(new.as_str(), old);
                    // Names with spaces are often written escaped.
                    text = text.replace(&new.replace(' ', "%20"), &old.replace(' ', "%20"));
                }
                (rel, text.into_bytes())
            }
            Err(e) => (rel, e.into_bytes()),
        })
        .collect()
}

/// Whether `rel` is the `.gz` or `.br` copy of another file of `tree`;
/// asserts that it decompresses to exactly that file.
pub fn is_precompressed_copy(rel: &str, tree: &BTreeMap<String, Vec<u8>>) -> bool {
    let (original, gzip) = match (rel.strip_suffix(".gz"), rel.strip_suffix(".br")) {
        (Some(o), _) => (o, true),
        (_, Some(o)) => (o, false),
        _ => return false,
    };
    let Some(want) = tree.get(original) else {
        return false;
    };
    let got = decompress(&tree[rel], gzip);
    assert!(&got == want, "{rel} does not decompress to {original}");
    true
}

/// Decompresses gzip (`gzip`) or brotli data.
pub fn decompress(data: &[u8], gzip: bool) -> Vec<u8> {
    use std::io::Read;
    let mut got = Vec::new();
    if gzip {
        flate2::read::GzDecoder::new(data)
            .read_to_end(&mut got)
            .unwrap();
    } else {
        brotli::Decompressor::new(data, 4096)
            .read_to_end(&mut got)
            .unwrap();
    }
    got
}

/// The output path of `key`'s image variant in `format` (the first one).
pub fn variant_file(m: &serde_json::Value, key: &str, format: &str) -> String {
    m["assets"][key]["variants"]
        .as_array()
        .unwrap_or_else(|| panic!("{key} has no variants"))
        .iter()
        .find(|v| v["format"] == format)
        .unwrap_or_else(|| panic!("{key} has no {format} variant"))["file"]
        .as_str()
        .unwrap()
        .to_string()
}

fn base(path: &str) -> String {
    path.rsplit('/').next().unwrap().to_string()
}

/// Asserts two trees are equal, naming the files that differ.
pub fn assert_same_trees(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) {
    let names = |t: &BTreeMap<String, Vec<u8>>| t.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(a), names(b), "file lists differ");
    for (k, v) in a {
        if v != &b[k] {
            panic!(
                "{k} differs:\n--- left\n{}\n--- right\n{}",
                String::from_utf8_lossy(v),
                String::from_utf8_lossy(&b[k])
            );
        }
    }
}

/// The corpus fetched by `../shared/corpus/fetch.sh`, or a panic that says how to get it.
#[track_caller]
pub fn corpus() -> PathBuf {
    let dir = std::env::var_os("ASSETPRESS_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("corpus"));
    assert!(
        dir.join(".complete").exists(),
        "the real-input corpus is missing at {}: run `scripts/test` (it fetches it), or `../shared/corpus/fetch.sh {}` and set ASSETPRESS_CORPUS",
        dir.display(),
        dir.display()
    );
    dir
}

/// The folder holding the pinned node packages (jsdom, playwright-core) that
/// `scripts/test` installs from `tests/js-semantics/package-lock.json`, or a
/// panic that says how to get them.
#[track_caller]
pub fn node_tools() -> PathBuf {
    let dir = std::env::var_os("ASSETPRESS_NODE_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("node-tools"));
    assert!(
        dir.join("node_modules").is_dir(),
        "the node packages are missing at {}: run `scripts/test` (it installs them), or copy tests/js-semantics/package*.json there, run `npm ci` in it and set ASSETPRESS_NODE_TOOLS",
        dir.display()
    );
    dir
}

/// The Python of the venv holding the pinned backends (Django, WhiteNoise,
/// django-vite) that `scripts/test` installs from
/// `tests/backends/requirements.txt`, or a panic that says how to get them.
#[track_caller]
pub fn py_tools() -> PathBuf {
    let dir = std::env::var_os("ASSETPRESS_PY_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("py-tools"));
    let python = dir.join("bin/python");
    assert!(
        python.is_file(),
        "the Python backends are missing at {}: run `scripts/test` (it installs them), or `python3 -m venv {0} && {0}/bin/pip install -r tests/backends/requirements.txt` and set ASSETPRESS_PY_TOOLS",
        dir.display()
    );
    python
}

/// Cargo's target folder.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target"))
}

/// Panics with an install hint when `tool` is not on the PATH.
#[track_caller]
pub fn require_tool(tool: &str, install: &str) {
    let ok = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "`{tool}` is needed by this test but is not installed: {install} (scripts/test does this)"
    );
}

/// Appends rule `n` to `site/css/base.css` in `t`: the demo site's
/// stylesheet and the one importing it are renamed, the pages change.
pub fn edit_site_css(t: &TestDir, n: usize) {
    let css = t.path("site/css/base.css");
    let mut text = std::fs::read_to_string(&css).unwrap();
    text.push_str(&format!("\n.v{n} {{ margin: {n}px }}\n"));
    std::fs::write(css, text).unwrap();
}

/// The hashed objects the deploy record at `path` lists.
pub fn record_hashed(path: &Path) -> BTreeSet<String> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let r: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    r["hashed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().to_string())
        .collect()
}
