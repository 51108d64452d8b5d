//! References that bundlers and frameworks write besides `import … from`
//! (`testdata/bundled`): Vite's preload list, whose files are relative to
//! the site root; template literals; `new URL("x", import.meta.url)`
//! without `./`; workers, `importScripts`, service worker registration and
//! `import.meta.resolve`; Astro's islands and `<link rel="resource">`. And
//! what stays unknown until run time: a warning where it is written.

use crate::util::{assert_refers, manifest, Built, TestDir};

/// `testdata/bundled` built with `--json`.
fn bundled() -> &'static Built {
    TestDir::shared("bundled", &["--json"])
}

#[test]
fn vite_preload_list_is_rewritten_from_the_site_root() {
    assert_refers(
        bundled(),
        "assets/index.js",
        r#"["assets/lazy.[[assets/lazy.js]].js","assets/lazy.[[assets/lazy.css]].css"]"#,
    );
}

#[test]
fn vite_preload_list_keeps_its_shape_under_a_public_url() {
    // Vite's runtime puts its base in front of each file.
    let b = TestDir::build("bundled", &["--public-url", "https://cdn.test/"]);
    assert_refers(
        &b,
        "assets/index.js",
        r#"["assets/lazy.[[assets/lazy.js]].js","assets/lazy.[[assets/lazy.css]].css"]"#,
    );
    assert_refers(
        &b,
        "assets/index.js",
        r#"import("https://cdn.test/assets/lazy.[[assets/lazy.js]].js")"#,
    );
}

#[test]
fn preload_list_files_are_references_of_the_file_that_lists_them() {
    let m = manifest(&bundled().path("out"));
    let refs = &m["assets"]["assets/index.js"]["references"];
    for file in ["assets/lazy.css", "assets/lazy.js", "assets/worker.js"] {
        assert!(
            refs.as_array().unwrap().iter().any(|r| r == file),
            "{file} not in {refs}"
        );
    }
}

#[test]
fn preload_list_files_load_on_demand_in_the_vite_manifest() {
    let b = TestDir::build("bundled", &["--manifest-format", "vite"]);
    let vite: serde_json::Value =
        serde_json::from_str(&b.read_string("out/.vite/manifest.json")).unwrap();
    let index = &vite["assets/index.js"];
    assert_eq!(
        index["dynamicImports"],
        serde_json::json!(["assets/lazy.js"])
    );
    assert!(index.get("css").is_none(), "{index}");
}

#[test]
fn template_literal_import_is_rewritten() {
    assert_refers(
        bundled(),
        "assets/index.js",
        r#"import("./lazy.[[assets/lazy.js]].js")"#,
    );
    let copied = TestDir::build("bundled", &["--no-minify-js"]);
    assert_refers(
        &copied,
        "assets/index.js",
        "import(`./lazy.[[assets/lazy.js]].js`)",
    );
}

#[test]
fn new_url_of_import_meta_url_needs_no_dot_slash() {
    let b = bundled();
    assert_refers(
        b,
        "assets/index.js",
        r#"new URL("icon.[[assets/icon.svg]].svg",import.meta.url)"#,
    );
    assert_refers(
        b,
        "assets/index.js",
        r#"new URL("/assets/worker.[[assets/worker.js]].js",""+import.meta.url)"#,
    );
}

#[test]
fn workers_service_workers_and_imported_scripts_are_rewritten() {
    let b = bundled();
    assert_refers(
        b,
        "assets/index.js",
        r#"new Worker("/assets/classic.[[assets/classic.js]].js")"#,
    );
    assert_refers(
        b,
        "assets/index.js",
        r#"navigator.serviceWorker.register("/push.[[push.js]].js")"#,
    );
    assert_refers(
        b,
        "assets/classic.js",
        // Too small to gain from minifying: kept as written, references rewritten.
        r#"importScripts("helper.[[assets/helper.js]].js", `util/format.[[assets/util/format.js]].js`)"#,
    );
}

#[test]
fn import_meta_resolve_is_rewritten() {
    assert_refers(
        bundled(),
        "assets/index.js",
        r#"import.meta.resolve("./resolved.[[assets/resolved.js]].js")"#,
    );
}

#[test]
fn astro_islands_and_resource_links_are_rewritten() {
    let b = bundled();
    assert_refers(
        b,
        "index.html",
        r#"component-url="/_astro/Counter.[[_astro/Counter.js]].js" component-export="default" renderer-url="/_astro/client.[[_astro/client.js]].js" before-hydration-url="/_astro/hydration.[[_astro/hydration.js]].js""#,
    );
    assert_refers(
        b,
        "index.html",
        r#"<link rel="resource" type="application/l10n" href="locale/locale.[[locale/locale.json]].json">"#,
    );
}

#[test]
fn a_computed_import_is_a_located_warning_that_fails_only_strict_runs() {
    let b = bundled();
    // Vite's preload helper computes URLs too, but those of its list.
    let w = b.run.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].starts_with("assets/index.js:15:8: import() of a computed URL"),
        "{w:?}"
    );
    let u = &b.run.json()["totals"]["unresolved_imports"];
    assert_eq!(
        (u["bare"].as_u64(), u["computed"].as_u64()),
        (Some(0), Some(1))
    );
    b.run(&["build", "bundled", "--out", "strict", "--strict"])
        .expect_code(1);
}

#[test]
fn verify_resolves_preload_lists_from_the_site_root() {
    let b = TestDir::build("bundled", &["--no-minify-js"]);
    b.verify(0);
    let css = b.out_path("out", "assets/lazy.css");
    std::fs::remove_file(b.path(&css)).unwrap();
    let run = b.verify(1);
    let (index, css) = (b.out_path("out", "assets/index.js"), &css["out/".len()..]);
    let expected = format!("{css} does not resolve: no file {css} in the output");
    assert!(
        run.stderr.lines().any(
            |l| l.starts_with(&format!("error: {}:1:", &index["out/".len()..]))
                && l.ends_with(&expected)
        ),
        "{expected}\n{}",
        run.stderr
    );
}
