//! The HTML build report in headless Chromium (tests/browser/report.mjs,
//! driven by playwright-core), opened from disk and served by nginx: no
//! console error, no request beyond the page itself, one treemap rectangle
//! per output file, a folder that zooms when clicked, a search that finds a
//! hashed name by its original name, and a screenshot with something in it.

use std::path::Path;

use crate::browser::node_json;
use crate::serve::{Nginx, Site};
use crate::util::{corpus, repo, TestDir};

/// What tests/browser/report.mjs saw of the report at `url`.
fn open(t: &TestDir, url: &str, search: &str, shot: &Path) -> serde_json::Value {
    let spec = serde_json::json!({
        "chromium": "/usr/bin/chromium",
        "url": url,
        "shot": shot,
        "search": search,
        "shotAt": "#treemap",
    });
    let file = t.path("report-spec.json");
    std::fs::write(&file, spec.to_string()).unwrap();
    let seen = node_json("tests/browser/report.mjs", &file);
    assert!(seen["error"].is_null(), "{url}: {}", seen["error"]);
    seen
}

/// Builds `input` with `--report-html`, opens the page from disk and from
/// nginx and checks both; returns the disk load's screenshot.
fn check_report(name: &str, input: &Path) -> (TestDir, std::path::PathBuf) {
    let t = TestDir::new();
    let report = t.path("reports/report.html");
    let input = input.to_str().unwrap();
    let run = t.run(&[
        "build",
        input,
        "--out",
        "out",
        "--report-html",
        "reports/report.html",
        "--json",
        "--quiet",
    ]);
    assert!(run.code <= 1, "{name}: {}", run.stderr);
    let json = run.json();
    let files = json["files"].as_array().unwrap();
    let rects = files.len() as u64 + json["totals"]["variants"][0].as_u64().unwrap();
    // A renamed file, found by the last part of its original name.
    let renamed = files
        .iter()
        .filter(|f| f["path"] != f["output"] && f["kept"].is_null())
        .max_by_key(|f| f["bytes_out"].as_u64())
        .unwrap_or_else(|| panic!("{name}: no renamed file"));
    let (path, output) = (
        renamed["path"].as_str().unwrap(),
        renamed["output"].as_str().unwrap(),
    );
    let query = path.rsplit('/').next().unwrap();

    let nginx = Nginx::start(
        &t.path("nginx"),
        &[Site {
            root: &t.path("reports"),
            include: None,
            base: None,
        }],
        "",
    );
    let served = format!("http://127.0.0.1:{}/report.html", nginx.ports[0]);
    let from_disk = format!("file://{}", report.display());
    let shot = t.path("report.png");
    for (url, shot) in [(&from_disk, shot.clone()), (&served, t.path("served.png"))] {
        let seen = open(&t, url, query, &shot);
        assert_eq!(seen["console"], serde_json::json!([]), "{name} {url}");
        assert_eq!(seen["requests"], serde_json::json!([url]), "{name} {url}");
        assert_eq!(
            seen["files"], rects,
            "{name} {url}: one rectangle per output file"
        );
        let found: Vec<&str> = seen["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r.as_str())
            .collect();
        assert!(
            found
                .iter()
                .any(|r| r.starts_with(path) && r.contains(&format!("→ {output}"))),
            "{name} {url}: searching {query:?} should find {path} → {output}: {found:?}"
        );
        // Hovering the file found shows both names and its sizes.
        let tip = seen["tip"].as_str().unwrap_or_default();
        assert!(
            tip.starts_with(output)
                && tip.contains(&format!("original: {path}"))
                && tip.contains("out")
                && tip.contains("saved"),
            "{name} {url}: tooltip {tip:?}"
        );
        // Sized by raw bytes, the output weighs more than by brotli.
        let total = |k: &str| seen["totals"][k].as_str().unwrap().to_string();
        assert_ne!(total("br"), total("raw"), "{name} {url}");
        let zoomed = &seen["zoomed"];
        let folder = zoomed["folder"].as_str().unwrap();
        assert!(
            zoomed["crumbs"]
                .as_str()
                .unwrap()
                .starts_with(&format!("output/{folder}")),
            "{name} {url}: {zoomed}"
        );
        // Every file under the folder, and only those: what the output holds
        // there, less compressed copies and maps.
        let inside = walkdir::WalkDir::new(t.path("out").join(folder))
            .into_iter()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_file())
            .filter(|e| {
                let n = e.file_name().to_string_lossy();
                !(n.ends_with(".gz") || n.ends_with(".br") || n.ends_with(".map"))
            })
            .count() as u64;
        assert_eq!(
            zoomed["files"].as_u64(),
            Some(inside),
            "{name} {url}: after zooming into {folder}: {zoomed}"
        );
        let keys = &seen["keyboard"];
        let entered = format!("output/{}", keys["folder"].as_str().unwrap_or("?"));
        assert!(
            keys["entered"].as_str().unwrap().starts_with(&entered)
                && keys["focusKept"] == true
                && keys["after"] == keys["before"],
            "{name} {url}: keyboard: {keys}"
        );
        // Something drawn: many colours, none covering nearly everything.
        let colours = seen["shot"]["colours"].as_u64().unwrap();
        let dominant = seen["shot"]["dominant"].as_f64().unwrap();
        assert!(
            colours >= 16 && dominant < 0.9,
            "{name} {url}: blank-looking screenshot: {}",
            seen["shot"]
        );
    }
    (t, shot)
}

#[test]
fn demo_site_report_works_in_chromium() {
    let (_t, shot) = check_report("demo", &repo().join("testdata/site"));
    // `ASSETPRESS_UPDATE_SCREENSHOT=1 scripts/test` refreshes the README's picture.
    if std::env::var_os("ASSETPRESS_UPDATE_SCREENSHOT").is_some() {
        std::fs::copy(&shot, repo().join("docs/report.png")).unwrap();
    }
}

#[test]
fn corpus_site_reports_work_in_chromium() {
    for site in ["agency", "reveal"] {
        let _ = check_report(site, &corpus().join("sites").join(site));
    }
}

/// A folder of 6,000 files: the treemap draws the largest up to its cap of
/// 4,000 rectangles and one block for the rest, and the search still finds
/// a file of the block.
#[test]
fn a_flat_folder_of_many_files_stays_within_the_treemap_cap() {
    let t = TestDir::new();
    for k in 0..6000 {
        t.write(&format!("site/flat/f{k:04}.txt"), "x".repeat(1 + k % 97));
    }
    t.write(
        "site/index.html",
        "<!doctype html><title>flat</title><p>flat",
    );
    t.run(&[
        "build",
        "site",
        "--out",
        "out",
        "--report-html",
        "report.html",
        "--quiet",
    ])
    .expect_code(0);
    let url = format!("file://{}", t.path("report.html").display());
    let seen = open(&t, &url, "f0000.txt", &t.path("shot.png"));
    assert_eq!(seen["console"], serde_json::json!([]));
    let drawn = seen["files"].as_u64().unwrap();
    assert!((3000..4000).contains(&drawn), "{seen}");
    assert_eq!(seen["rest"], 1, "one block for the smallest files");
    // f0000.txt is among the smallest (1 byte): in the block, still found.
    let found = seen["results"].as_array().unwrap();
    assert!(
        found
            .iter()
            .any(|r| r.as_str().unwrap().starts_with("flat/f0000.txt")),
        "{found:?}"
    );
}
