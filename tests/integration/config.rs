//! `assetpress.toml`: read from the current directory or `--config`, every
//! flag has a key, flags win.

use crate::util::{tree_by_original, unhashed, TestDir};

#[test]
fn config_file_in_current_directory_is_used_and_flags_win() {
    let t = TestDir::with_fixture("site");
    t.write("assetpress.toml", "input = \"site\"\nout = \"from-config\"\nminify_js = false\nsource_maps = false\nexclude = [\"images/**\"]\n");
    t.run(&["build"]).expect_code(0);
    let out = unhashed(&t.path("from-config"));
    assert_eq!(
        out["js/app.js"],
        t.read("site/js/app.js"),
        "minify_js = false"
    );
    assert!(!out.contains_key("css/main.css.map"), "source_maps = false");
    assert!(!out.keys().any(|k| k.starts_with("images/")), "exclude");
    assert!(
        out["css/main.css"].len() < t.read("site/css/main.css").len(),
        "CSS still minified"
    );
    // A flag overrides the file.
    t.run(&["build", "--out", "flag-out", "--exclude", "fonts/**"])
        .expect_code(0);
    let out = tree_by_original(&t.path("flag-out"));
    assert!(
        out.keys().any(|k| k.starts_with("images/"))
            && !out.keys().any(|k| k.starts_with("fonts/"))
    );
}

#[test]
fn explicit_config_and_bad_keys() {
    let t = TestDir::with_fixture("site");
    t.write("conf/prod.toml", "input = \"../site\"\nout = \"../prod\"\nstrict = true\n[limits]\nmax_nesting_depth = 500\n");
    t.run(&["build", "--config", "conf/prod.toml"])
        .expect_code(0);
    assert!(
        t.path("prod/index.html").exists(),
        "paths are relative to the config file"
    );
    t.write("bad.toml", "minfy_js = false\n");
    let run = t.run(&["build", "site", "--out", "o", "--config", "bad.toml"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("bad.toml") && run.stderr.contains("minfy_js"),
        "{}",
        run.stderr
    );
}

#[test]
fn usage_errors_exit_2() {
    let t = TestDir::with_fixture("site");
    let run = t.run(&["build", "site"]);
    run.expect_code(2);
    assert!(run.stderr.contains("--out"), "{}", run.stderr);
    t.run(&[
        "build",
        "site",
        "--out",
        "o",
        "--targets",
        "no such browser 5",
    ])
    .expect_code(2);
    t.run(&["build", "site", "--out", "o", "--frobnicate"])
        .expect_code(2);
}

#[test]
fn naming_and_manifest_keys() {
    let t = TestDir::with_fixture("site");
    t.write(
        "assetpress.toml",
        "input = \"site\"\nout = \"out\"\nhash_length = 10\nkeep_names = [\"images/**\"]\npublic_url = \"https://cdn.example.test\"\nmanifest = \"meta/assets.json\"\nmanifest_formats = [\"flat\", \"django\"]\n",
    );
    t.run(&["build", "--quiet"]).expect_code(0);
    assert!(t.path("out/images/badge.png").is_file(), "keep_names");
    assert!(t.path("out/rev-manifest.json").is_file() && t.path("out/staticfiles.json").is_file());
    let m: serde_json::Value = serde_json::from_slice(&t.read("out/meta/assets.json")).unwrap();
    assert_eq!(m["hash_length"], 10);
    assert_eq!(m["public_url"], "https://cdn.example.test/");
    let css = m["assets"]["css/main.css"]["file"].as_str().unwrap();
    assert_eq!(css.len(), "css/main..css".len() + 10, "{css}");
    assert!(t
        .read_string("out/index.html")
        .contains(&format!("href=\"https://cdn.example.test/{css}\"")));
    // A flag wins over the file.
    t.run(&["build", "--quiet", "--hash-length", "8", "--out", "out8"])
        .expect_code(0);
    let t8 = t.read_string("out8/meta/assets.json");
    assert!(t8.contains("\"hash_length\": 8"), "{t8}");
    t.run(&["verify", "out", "--manifest", "meta/assets.json"])
        .expect_code(0);
}
