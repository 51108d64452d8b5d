//! After the build: `deploy` to a folder, `clean` of old versions, `diff`
//! of two manifests, size budgets and the baseline. (`deploy` and `clean`
//! against an S3-compatible server, and a page of an old version in
//! Chromium, are in tests/e2e/deploy.rs.)

use std::collections::{BTreeMap, BTreeSet};

use crate::util::{edit_site_css, record_hashed, tree, Run, TestDir};

/// Builds the current `site` into `name` and deploys it to `target`.
fn build_and_deploy(t: &TestDir, name: &str) -> serde_json::Value {
    t.run(&["build", "site", "--out", name, "-q"])
        .expect_code(0);
    let run = t.run(&["deploy", name, "target", "--json"]);
    run.expect_code(0);
    run.json()
}

/// The output paths each step of a deploy names, by key: its references'
/// output files (and their variants).
fn named_files(out: &serde_json::Value) -> BTreeMap<String, Vec<String>> {
    let assets = out["assets"].as_object().unwrap();
    let mut named = BTreeMap::new();
    for e in assets.values() {
        let mut files = Vec::new();
        for r in e["references"].as_array().into_iter().flatten() {
            let target = &assets[r.as_str().unwrap()];
            files.push(target["file"].as_str().unwrap().to_string());
            for v in target["variants"].as_array().into_iter().flatten() {
                files.push(v["file"].as_str().unwrap().to_string());
            }
        }
        named.insert(e["file"].as_str().unwrap().to_string(), files);
    }
    named
}

#[test]
fn deploy_to_a_folder_puts_every_file_up_after_what_it_names() {
    let t = TestDir::with_fixture("site");
    let d = build_and_deploy(&t, "out");
    let out = tree(&t.path("out"));
    let target = tree(&t.path("target"));
    for (rel, bytes) in &out {
        assert_eq!(target.get(rel), Some(bytes), "{rel} deployed as it is");
    }
    let record = d["record"].as_str().unwrap();
    assert!(
        record.starts_with(".assetpress/deploys/000001-"),
        "{record}"
    );
    assert_eq!(target.len(), out.len() + 1, "the files and one record");

    // Every hashed file was stored in a stage before any file naming it;
    // pages after every hashed file.
    let steps = d["steps"].as_array().unwrap();
    assert_eq!(steps.len(), out.len());
    let stage: BTreeMap<&str, u64> = steps
        .iter()
        .map(|s| (s["key"].as_str().unwrap(), s["stage"].as_u64().unwrap()))
        .collect();
    let manifest = crate::util::manifest(&t.path("out"));
    let hashed_max = steps
        .iter()
        .filter(|s| s["class"] == "hashed")
        .map(|s| s["stage"].as_u64().unwrap())
        .max()
        .unwrap();
    let mut checked = 0;
    for (file, names) in named_files(&manifest) {
        for n in names {
            let hashed = steps
                .iter()
                .any(|s| s["key"] == n && s["class"] == "hashed");
            if hashed {
                assert!(
                    stage[n.as_str()] < stage[file.as_str()],
                    "{n} before {file}"
                );
                checked += 1;
            }
        }
        if file.ends_with(".html") {
            assert!(
                stage[file.as_str()] > hashed_max,
                "{file} after every hashed file"
            );
        }
    }
    assert!(checked > 10, "references checked: {checked}");

    // The same output again: only the files that keep their names go up.
    let again = t.run(&["deploy", "out", "target", "--json"]);
    let again = again.expect_code(0).json();
    let kept = steps.iter().filter(|s| s["class"] != "hashed").count();
    assert_eq!(again["uploaded"], kept);
    assert_eq!(again["skipped"], steps.len() - kept);
    assert_eq!(again["record"], d["record"], "no second record");
}

#[test]
fn a_dry_run_deploy_writes_nothing_and_lists_the_order() {
    let t = TestDir::with_fixture("site");
    t.run(&["build", "site", "--out", "out", "-q"])
        .expect_code(0);
    let run = t.run(&["deploy", "out", "target", "--dry-run"]);
    run.expect_code(0);
    assert!(!t.path("target").exists(), "a dry run creates nothing");
    assert!(
        run.stdout.contains("stage  0  upload  hashed"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("would deploy"), "{}", run.stdout);
}

#[test]
fn a_failed_deploy_says_why_and_never_prints_credentials() {
    let t = TestDir::with_fixture("site");
    t.run(&["build", "site", "--out", "out", "-q"])
        .expect_code(0);
    let secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_assetpress"))
        .args(["deploy", "out", "s3://bucket/site", "--retries", "0"])
        // Nothing listens on port 1.
        .args(["--endpoint", "http://127.0.0.1:1"])
        .env("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEKEYID")
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .current_dir(t.path(""))
        .output()
        .unwrap();
    let run = Run::from(out);
    run.expect_code(2);
    assert!(
        run.stderr.contains("error: s3://bucket/site: "),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("running the deploy again completes it"),
        "{}",
        run.stderr
    );
    for leak in [secret, "AKIAEXAMPLEKEYID"] {
        assert!(
            !run.stderr.contains(leak) && !run.stdout.contains(leak),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn deploy_refuses_a_folder_without_a_manifest() {
    let t = TestDir::with_fixture("site");
    let run = t.run(&["deploy", "site", "target"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("assetpress-manifest.json"),
        "{}",
        run.stderr
    );
}

#[test]
fn clean_keeps_the_current_and_recent_versions_and_deletes_the_rest() {
    let t = TestDir::with_fixture("site");
    let mut records = Vec::new();
    for n in 1..=3 {
        edit_site_css(&t, n);
        let d = build_and_deploy(&t, &format!("out{n}"));
        records.push(d["record"].as_str().unwrap().to_string());
    }
    let before: BTreeSet<String> = tree(&t.path("target")).into_keys().collect();

    // By default everything is younger than an hour: nothing goes.
    let run = t.run(&["clean", "target", "--json"]);
    let c = run.expect_code(0).json();
    assert_eq!(c["deleted"].as_array().unwrap().len(), 0, "{c}");
    assert_eq!(c["kept_versions"].as_array().unwrap().len(), 3, "{c}");

    let dry = t.run(&["clean", "target", "--keep", "1", "--age", "0", "--dry-run"]);
    dry.expect_code(0);
    assert!(dry.stdout.contains("would delete"), "{}", dry.stdout);
    assert_eq!(
        tree(&t.path("target")).len(),
        before.len(),
        "a dry run deletes nothing"
    );

    let [h1, h2, h3] = [0, 1, 2].map(|i| record_hashed(&t.path(&format!("target/{}", records[i]))));
    let c = t
        .run(&["clean", "target", "--keep", "1", "--age", "0", "--json"])
        .expect_code(0)
        .json();
    let gone: BTreeSet<String> = h1.difference(&(&h2 | &h3)).cloned().collect();
    assert!(gone.iter().any(|g| g.starts_with("css/base.")), "{gone:?}");
    let deleted: BTreeSet<String> = c["deleted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap().to_string())
        .collect();
    assert_eq!(deleted, gone);
    let mut expected = before.clone();
    expected.retain(|k| !gone.contains(k) && *k != records[0]);
    let after: BTreeSet<String> = tree(&t.path("target")).into_keys().collect();
    assert_eq!(after, expected);
    // The previous version's files are all there.
    for h in &h2 {
        assert!(after.contains(h), "{h} of the previous version kept");
    }
}

#[test]
fn clean_refuses_a_target_without_history() {
    let t = TestDir::new();
    t.write("target/a.txt", "x");
    let run = t.run(&["clean", "target"]);
    run.expect_code(2);
    assert!(run.stderr.contains("no deploy history"), "{}", run.stderr);
    assert!(t.path("target/a.txt").exists());
    t.run(&["clean", "missing"]).expect_code(2);
    assert!(!t.path("missing").exists(), "clean creates nothing");
}

fn diff(t: &TestDir, old: &str, new: &str) -> serde_json::Value {
    let m = |o: &str| format!("{o}/assetpress-manifest.json");
    t.run(&["diff", &m(old), &m(new), "--json"])
        .expect_code(0)
        .json()
}

#[test]
fn diff_explains_a_rename_by_the_file_whose_bytes_changed() {
    let t = TestDir::with_fixture("site");
    t.run(&["build", "site", "--out", "a", "-q"]).expect_code(0);
    let font = t.path("site/fonts/dejavu-sans-latin.woff2");
    let mut bytes = std::fs::read(&font).unwrap();
    bytes.push(0);
    std::fs::write(&font, bytes).unwrap();
    t.run(&["build", "site", "--out", "b", "-q"]).expect_code(0);
    let d = diff(&t, "a", "b");
    let renamed = d["renamed"].as_array().unwrap();
    let by_path = |p: &str| renamed.iter().find(|r| r["path"] == p).unwrap().clone();
    assert_eq!(
        by_path("fonts/dejavu-sans-latin.woff2")["reason"],
        "bytes changed"
    );
    let css = by_path("css/main.css");
    assert_eq!(css["reason"], "names renamed files");
    assert_eq!(
        css["chains"][0],
        serde_json::json!([
            "css/main.css",
            "fonts/dejavu-sans-latin.woff2 (bytes changed)"
        ])
    );
    assert_eq!(renamed.len(), 2, "{d}");
    assert!(d["changed"]
        .as_array()
        .unwrap()
        .contains(&"index.html".into()));
    let text = t.run(&[
        "diff",
        "a/assetpress-manifest.json",
        "b/assetpress-manifest.json",
    ]);
    assert!(
        text.stdout
            .contains("css/main.css ← fonts/dejavu-sans-latin.woff2 (bytes changed)"),
        "{}",
        text.stdout
    );
    // Nothing changed: nothing renamed.
    let same = diff(&t, "b", "b");
    assert_eq!(same["renamed"].as_array().unwrap().len(), 0);
    assert_eq!(same["deltas"].as_array().unwrap().len(), 0);
}

const BUDGETS: &str = r#"
[[budget]]
name = "scripts"
path = ["**/*.js", "!js/analytics.js"]
limit = "LIMIT"

[[budget]]
kind = "css"
limit = "50 kB"
compression = "gzip"
"#;

fn budget_build(t: &TestDir, limit: &str, extra: &[&str]) -> Run {
    t.write("assetpress.toml", BUDGETS.replace("LIMIT", limit));
    let mut args = vec!["build", "site", "--out", "out", "--json"];
    args.extend_from_slice(extra);
    t.run(&args)
}

#[test]
fn a_budget_over_its_limit_fails_the_build_naming_files_and_overshoot() {
    let t = TestDir::with_fixture("site");
    let run = budget_build(&t, "1 kB", &[]);
    run.expect_code(1);
    let b = &run.json()["budgets"];
    assert_eq!(b[0]["name"], "scripts");
    assert_eq!(b[0]["over"], true);
    let files: Vec<&str> = b[0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f[0].as_str().unwrap())
        .collect();
    assert!(
        files.contains(&"js/app.js") && !files.contains(&"js/analytics.js"),
        "{files:?}"
    );
    // Measured as the .br copies are.
    let manifest = crate::util::manifest(&t.path("out"));
    let app = &manifest["assets"]["js/app.js"];
    let br = std::fs::metadata(t.path(&format!("out/{}.br", app["file"].as_str().unwrap())))
        .unwrap()
        .len();
    assert_eq!(app["brotli"], br);
    assert_eq!(b[1]["name"], "all css");
    assert_eq!(b[1]["over"], false);
    assert!(
        run.stderr.contains("error: budget \"scripts\": ")
            && run.stderr.contains("over; files: js/app.js"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("exit status 1: 1 budget exceeded"),
        "{}",
        run.stderr
    );
    budget_build(&t, "100 kB", &[]).expect_code(0);
}

#[test]
fn a_baseline_adds_deltas_and_a_markdown_table() {
    let t = TestDir::with_fixture("site");
    budget_build(&t, "100 kB", &[]).expect_code(0);
    std::fs::rename(t.path("out"), t.path("base")).unwrap();
    edit_site_css(&t, 1);
    let run = budget_build(
        &t,
        "100 kB",
        &[
            "--baseline",
            "base/assetpress-manifest.json",
            "--report",
            "markdown",
            "pr.md",
        ],
    );
    let json = run.expect_code(0).json();
    let css = &json["budgets"][1];
    assert!(
        css["size"].as_u64().unwrap() > css["baseline"].as_u64().unwrap(),
        "{css}"
    );
    let baseline = &json["baseline"];
    assert_eq!(baseline["deltas"][0]["path"], "css/base.css");
    assert!(baseline["kinds"]["css"]["delta"].as_i64().unwrap() > 0);
    assert!(json["outputs"]["report_markdown"]
        .as_str()
        .unwrap()
        .ends_with("pr.md"));
    let md = t.read_string("pr.md");
    assert!(md.contains("| `scripts (brotli)` | 100.0 KB |"), "{md}");
    assert!(md.contains("| `css/base.css` | css |"), "{md}");
    assert!(
        md.contains("`css/main.css ← css/base.css (bytes changed)`"),
        "{md}"
    );
}

#[test]
fn a_bad_budget_is_a_usage_error() {
    let t = TestDir::with_fixture("site");
    t.write("assetpress.toml", "[[budget]]\nkind = \"jss\"\nlimit = 1\n");
    let run = t.run(&["build", "site", "--out", "out"]);
    run.expect_code(2);
    assert!(run.stderr.contains("kind \"jss\""), "{}", run.stderr);
    assert!(!t.path("out").exists());
}
