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
