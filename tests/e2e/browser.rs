//! End to end in a real browser: the demo site and every corpus site are
//! served by nginx twice, as they are and as assetpress built them (with
//! `--sri` and the generated snippet), and each page is loaded in headless
//! Chromium (tests/browser/check.mjs, driven by playwright-core). The built
//! page must fetch everything the original fetched, raise no console error
//! the original did not, and look the same.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use crate::serve::{Nginx, Site};
use crate::util::{corpus, node_tools, repo, require_tool, TestDir};

/// Share of (4×4-averaged) pixels allowed to differ by more than
/// [`PIXEL_TOLERANCE`] in some channel: room for re-encoded images, none
/// for a missing stylesheet, font or image.
const MAX_DIFFERENT: f64 = 0.005;
const PIXEL_TOLERANCE: u8 = 24;

#[test]
fn demo_site_works_the_same_in_chromium() {
    let _ = check_site("demo", &repo().join("testdata/site"));
}

/// `testdata/naming`: a worker named in a string of a module, a JSON file
/// an inline script fetches by name. Both must still load (the page's
/// title becomes `ok` when they have).
#[test]
fn files_loaded_by_name_still_load_in_chromium() {
    for page in check_site("naming", &repo().join("testdata/naming")) {
        for side in ["orig", "built"] {
            assert_eq!(page[side]["title"], "ok", "{side}: {page}");
        }
    }
}

#[test]
fn corpus_sites_work_the_same_in_chromium() {
    let sites = corpus().join("sites");
    let mut names: Vec<_> = std::fs::read_dir(&sites)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 4, "{names:?}");
    for name in names {
        let _ = check_site(&name, &sites.join(&name));
    }
}

/// Every page of the folder `root`, relative, sorted.
pub fn pages(root: &Path) -> Vec<String> {
    let mut out: Vec<String> = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .map(|e| {
            e.path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    out.sort();
    out
}

/// Loads `pages` (each `{"name", "orig", "built"}`, two URLs) in Chromium
/// with tests/browser/check.mjs, screenshots in `t`'s `shots/`; returns its
/// results, one per page.
pub fn run_check(t: &TestDir, pages: Vec<serde_json::Value>) -> Vec<serde_json::Value> {
    let shots = t.path("shots");
    std::fs::create_dir_all(&shots).unwrap();
    let spec = serde_json::json!({
        "chromium": "/usr/bin/chromium",
        "shots": shots,
        "pages": pages,
    });
    std::fs::write(t.path("spec.json"), spec.to_string()).unwrap();
    serde_json::from_value(node_json("tests/browser/check.mjs", &t.path("spec.json"))).unwrap()
}

/// Runs the node script `script` (a path in the repository) over the spec
/// file `spec` with the pinned node packages; returns the JSON it prints.
pub fn node_json(script: &str, spec: &Path) -> serde_json::Value {
    require_tool("node", "apt-get install nodejs");
    require_tool("chromium", "apt-get install chromium");
    let run = Command::new("node")
        .arg(repo().join(script))
        .arg(spec)
        .env("ASSETPRESS_NODE_TOOLS", node_tools())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    serde_json::from_slice(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&run.stdout)))
}

/// Builds the site `input` and checks it in Chromium against the original
/// (both served by nginx); returns check.mjs's results, one per page.
pub fn check_site(name: &str, input: &Path) -> Vec<serde_json::Value> {
    let t = TestDir::new();
    let out = t.path("out");
    let o = Command::new(env!("CARGO_BIN_EXE_assetpress"))
        .env("XDG_CACHE_HOME", t.cache_home())
        .env("XDG_CONFIG_HOME", t.cache_home().join("config"))
        .args(["build".as_ref(), input.as_os_str(), "--out".as_ref()])
        .arg(&out)
        .args(["--sri", "--nginx-brotli", "--quiet"])
        .output()
        .unwrap();
    assert!(
        o.status.code().is_some_and(|c| c <= 1),
        "{name}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let snippet = t.path("out.nginx.conf");
    let nginx = Nginx::start(
        &t.path("nginx"),
        &[
            Site {
                root: input,
                include: None,
                base: None,
            },
            Site {
                root: &out,
                include: Some(&snippet),
                base: None,
            },
        ],
        "",
    );
    let (orig, built) = (nginx.ports[0], nginx.ports[1]);
    let list: Vec<serde_json::Value> = pages(input)
        .iter()
        .map(|p| {
            serde_json::json!({
                "name": format!("{name}/{p}"),
                "orig": format!("http://127.0.0.1:{orig}/{p}"),
                "built": format!("http://127.0.0.1:{built}/{p}"),
            })
        })
        .collect();
    assert!(!list.is_empty(), "{name} has pages");
    let results = run_check(&t, list);
    let norm = |s: &str| normalize(s, &[orig, built]);
    let mut problems = Vec::new();
    for page in &results {
        let page_name = page["name"].as_str().unwrap();
        let (a, b) = (&page["orig"], &page["built"]);
        for side in [a, b] {
            assert!(side["error"].is_null(), "{page_name}: {}", side["error"]);
        }
        let set = |v: &serde_json::Value, key: &str, field: Option<&str>| -> BTreeSet<String> {
            v[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| norm(field.map_or(x, |f| &x[f]).as_str().unwrap_or_default()))
                .collect()
        };
        let failed_before = set(a, "failed", Some("url"));
        for f in set(b, "failed", Some("url")).difference(&failed_before) {
            problems.push(format!("{page_name}: request failed only when built: {f}"));
        }
        // Nothing new from other sites.
        let blocked_before = set(a, "blocked", None);
        for u in set(b, "blocked", None).difference(&blocked_before) {
            problems.push(format!(
                "{page_name}: loads {u} from another site only when built"
            ));
        }
        if a["title"] != b["title"] {
            problems.push(format!(
                "{page_name}: title {} when built, {} before",
                b["title"], a["title"]
            ));
        }
        let fetched_before = set(a, "ok", None);
        let fetched_after = set(b, "ok", None);
        let console_before = set(a, "console", None);
        for c in set(b, "console", None).difference(&console_before) {
            problems.push(format!("{page_name}: console error only when built: {c}"));
        }
        // Scripts and stylesheets the original loaded are loaded (under
        // their hashed names) by the build.
        for url in &fetched_before {
            if (url.ends_with(".js") || url.ends_with(".css")) && !fetched_after.contains(url) {
                problems.push(format!("{page_name}: {url} is not loaded when built"));
            }
        }
        let diff = screenshot_difference(
            Path::new(a["screenshot"].as_str().unwrap()),
            Path::new(b["screenshot"].as_str().unwrap()),
        );
        eprintln!(
            "{page_name}: {} requests, {:.3}% of pixels differ",
            fetched_after.len(),
            diff * 100.0
        );
        if diff > MAX_DIFFERENT {
            problems.push(format!(
                "{page_name}: screenshots differ in {:.2}% of pixels (shots kept in {})",
                diff * 100.0,
                keep_shots(&t.path("shots")).display()
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{name}:\n{}\nnginx: {}",
        problems.join("\n"),
        nginx.error_log()
    );
    results
}

/// Moves the screenshots out of the test's temporary folder, to look at.
fn keep_shots(shots: &Path) -> std::path::PathBuf {
    let dest = std::env::temp_dir().join(format!("assetpress-shots-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dest);
    for e in std::fs::read_dir(shots).unwrap().flatten() {
        let _ = std::fs::copy(e.path(), dest.join(e.file_name()));
    }
    dest
}

/// A URL or message with the test servers' origins removed and content
/// hashes taken out of file names, so the original and the build compare.
fn normalize(s: &str, ports: &[u16]) -> String {
    let mut s = s.to_string();
    for p in ports {
        s = s.replace(&format!("http://127.0.0.1:{p}"), "");
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        let is_hash = b[i] == b'.'
            && b.len() >= i + 9
            && b[i + 1..i + 9]
                .iter()
                .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
            && b.get(i + 9).is_none_or(|c| !c.is_ascii_alphanumeric());
        if is_hash {
            i += 9;
            continue;
        }
        let c = s[i..].chars().next().unwrap();
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// The share of pixels (after 4×4 averaging, which evens out re-encoding
/// noise) that differ by more than [`PIXEL_TOLERANCE`].
fn screenshot_difference(a: &Path, b: &Path) -> f64 {
    let a = image::open(a).unwrap().to_rgb8();
    let b = image::open(b).unwrap().to_rgb8();
    assert_eq!(a.dimensions(), b.dimensions());
    let (w, h) = (a.width() / 4, a.height() / 4);
    let avg = |img: &image::RgbImage, x: u32, y: u32, c: usize| -> i32 {
        let mut sum = 0u32;
        for dy in 0..4 {
            for dx in 0..4 {
                sum += img.get_pixel(x * 4 + dx, y * 4 + dy)[c] as u32;
            }
        }
        (sum / 16) as i32
    };
    let mut different = 0u64;
    for y in 0..h {
        for x in 0..w {
            if (0..3).any(|c| (avg(&a, x, y, c) - avg(&b, x, y, c)).abs() > PIXEL_TOLERANCE as i32)
            {
                different += 1;
            }
        }
    }
    different as f64 / (w as f64 * h as f64).max(1.0)
}

#[test]
fn normalize_removes_origins_and_hashes() {
    assert_eq!(
        normalize("http://127.0.0.1:80/css/app.3f2a9c1b.css", &[80]),
        "/css/app.css"
    );
    assert_eq!(normalize("/a.3f2a9c1b.js.map", &[]), "/a.js.map");
    assert_eq!(normalize("/a.3f2a9c1bz.js", &[]), "/a.3f2a9c1bz.js");
}
