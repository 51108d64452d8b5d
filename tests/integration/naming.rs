//! The naming rule: a file is renamed only when every mention of its name
//! is a reference assetpress rewrites and something loads it
//! (`testdata/naming`: a PDF.js-like viewer naming its worker in a string,
//! an inline script fetching a JSON file by name, a search description,
//! a link to a PDF, a file nothing names).

use crate::util::*;

fn naming() -> &'static Built {
    TestDir::shared("naming", &["--json", "--no-images"])
}

#[test]
fn a_file_named_in_a_string_of_a_script_keeps_its_name() {
    assert_eq!(
        naming().kept("build/pdf.worker.js"),
        serde_json::json!({"reason": "mentioned", "at": "web/viewer.js:1:45"})
    );
    assert_kept(
        naming(),
        "web/viewer.js",
        r#"value: "../build/pdf.worker.js""#,
    );
}

/// The page was transformed with a placeholder for the worker first, and
/// again once the rule kept its name.
#[test]
fn references_to_a_file_the_rule_keeps_are_left_as_written() {
    assert_kept(
        naming(),
        "index.html",
        r#"<link rel="modulepreload" href="build/pdf.worker.js">"#,
    );
    assert_refers(
        naming(),
        "index.html",
        r#"<script type="module" src="web/viewer.[[web/viewer.js]].js">"#,
    );
}

#[test]
fn a_file_an_inline_script_fetches_by_name_keeps_its_name() {
    assert_eq!(
        naming().kept("_static/glossary.json"),
        serde_json::json!({"reason": "mentioned", "at": "index.html:16:18"})
    );
}

#[test]
fn links_searches_and_files_nothing_names_keep_their_names() {
    let b = naming();
    assert_eq!(
        b.kept("docs/manual.pdf"),
        serde_json::json!({"reason": "navigation", "at": "index.html:23:1"})
    );
    assert_eq!(b.kept("opensearch.xml")["reason"], "mentioned");
    assert_eq!(b.kept("objects.inv")["reason"], "unreferenced");
    assert_eq!(b.kept("index.html")["reason"], "keep_names");
    assert_kept(b, "index.html", r#"<a href="docs/manual.pdf">"#);
}

#[test]
fn a_name_in_a_stylesheet_comment_does_not_keep_it() {
    let b = naming();
    // css/site.css names img/logo.png in a comment only.
    assert_eq!(b.kept("img/logo.png"), serde_json::Value::Null);
    assert_eq!(b.kept("img/bg.png"), serde_json::Value::Null);
    assert_eq!(b.kept("web/util.js"), serde_json::Value::Null);
    assert_refers(b, "css/site.css", "url(../img/bg.[[img/bg.png]].png)");
}

#[test]
fn the_table_lists_each_file_named_outside_a_reference_with_where() {
    let t = TestDir::with_fixture("naming");
    let run = t.run(&["build", "naming", "--out", "out", "--no-images"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains(
            "kept names: 1 keep_names, 1 loaded by nothing, 3 named outside a reference, 1 reached by links only\n\
             \x20 kept name: _static/glossary.json — named at index.html:16:18\n\
             \x20 kept name: build/pdf.worker.js — named at web/viewer.js:1:45\n\
             \x20 kept name: opensearch.xml — named at index.html:7:71\n"
        ),
        "{}",
        run.stdout
    );
    t.run(&["verify", "out"]).expect_code(0);
}

#[test]
fn hash_renames_a_file_the_rule_would_keep() {
    let b = TestDir::build(
        "naming",
        &[
            "--json",
            "--no-images",
            "--hash",
            "build/*.js",
            "--hash",
            "*.html",
        ],
    );
    assert_eq!(b.kept("build/pdf.worker.js"), serde_json::Value::Null);
    assert_refers(
        &b,
        "index.html",
        r#"<link rel="modulepreload" href="build/pdf.worker.[[build/pdf.worker.js]].js">"#,
    );
    // Never over keep_names: pages keep theirs.
    assert_eq!(b.kept("index.html")["reason"], "keep_names");
}

#[test]
fn names_a_bundler_hashed_are_kept_and_served_as_hashed() {
    let t = TestDir::new();
    t.write(
        "dist/index.html",
        "<script type=\"module\" src=\"/assets/index-DcwB1_I0.js\"></script>\n",
    );
    t.write(
        "dist/assets/index-DcwB1_I0.js",
        "import(`./lazy-C9F6QpFP.js`).then((m) => m.run());\n",
    );
    t.write(
        "dist/assets/lazy-C9F6QpFP.js",
        "export function run() { return 1; }\n",
    );
    let run = t.run(&["build", "dist", "--out", "out", "--json", "--headers-json"]);
    run.expect_code(0);
    let json = run.json();
    for f in json["files"].as_array().unwrap() {
        if f["path"] != "index.html" {
            assert_eq!(f["output"], f["path"]);
            assert_eq!(f["kept"]["reason"], "bundler_hash", "{f}");
        }
    }
    let headers: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(t.path("out.headers.json")).unwrap())
            .unwrap();
    let lazy = &headers["files"]["assets/lazy-C9F6QpFP.js"]["Cache-Control"];
    assert!(lazy.as_str().unwrap().contains("immutable"), "{headers}");
    let nginx = std::fs::read_to_string(t.path("out.nginx.conf")).unwrap();
    assert!(
        nginx.contains("location ~ \"(?:-[A-Za-z0-9_-]{8}(?:\\.[^./]+)+)$\" {"),
        "{nginx}"
    );
}

/// `--hash` renames a file whose name a script writes in a string: the
/// build warns where, and `verify` fails there.
#[test]
fn verify_fails_where_text_names_a_file_by_a_name_it_no_longer_has() {
    let t = TestDir::with_fixture("naming");
    let run = t.run(&[
        "build",
        "naming",
        "--out",
        "out",
        "--no-images",
        "--hash",
        "build/*.js",
    ]);
    run.expect_code(0);
    assert!(
        run.stdout.contains(
            "web/viewer.js:1:45: names build/pdf.worker.js, which --hash renames: this mention is not rewritten"
        ),
        "{}",
        run.stdout
    );
    let verify = t.run(&["verify", "out"]);
    verify.expect_code(1);
    let text = format!("{}{}", verify.stdout, verify.stderr);
    assert!(
        text.contains(&format!(
            "web/viewer.{}.js:1:45: names build/pdf.worker.js, which is not in the output under that name (it is build/pdf.worker.{}.js)",
            hash_in_name(&t, "out", "web/viewer.js"),
            hash_in_name(&t, "out", "build/pdf.worker.js"),
        )),
        "{text}"
    );
}

/// A chunk map names a renamed chunk by the hash its bundler gave it.
#[test]
fn verify_fails_where_text_holds_the_bundler_hash_of_a_renamed_file() {
    let t = TestDir::new();
    t.write(
        "dist/index.html",
        "<script src=\"main.0123456789abcdef0123.js\"></script>\n",
    );
    t.write(
        "dist/main.0123456789abcdef0123.js",
        "var u=e=>e+\".\"+{408:\"da5ecd07ff961d53e649\"}[e]+\".chunk.js\";\nimport(\"./408.da5ecd07ff961d53e649.chunk.js\");\n",
    );
    t.write(
        "dist/408.da5ecd07ff961d53e649.chunk.js",
        "export default 1;\n",
    );
    t.run(&["build", "dist", "--out", "kept", "--quiet"])
        .expect_code(0);
    t.run(&["verify", "kept"]).expect_code(0);
    t.run(&[
        "build",
        "dist",
        "--out",
        "out",
        "--quiet",
        "--hash",
        "*.chunk.js",
    ])
    .expect_code(0);
    let verify = t.run(&["verify", "out"]);
    verify.expect_code(1);
    let text = format!("{}{}", verify.stdout, verify.stderr);
    assert!(
        text.contains("names da5ecd07ff961d53e649, the hash in the old name of 408.da5ecd07ff961d53e649.chunk.js"),
        "{text}"
    );
}

/// A source map follows its file's name: it is neither kept nor counted
/// as loaded by nothing, even when no comment names it.
#[test]
fn a_source_map_follows_its_file_and_has_no_reason_of_its_own() {
    let t = TestDir::new();
    t.write("in/index.html", "<script src=\"app.js\"></script>\n");
    t.write("in/app.js", "console.log(1);\n");
    t.write(
        "in/app.js.map",
        "{\"version\":3,\"sources\":[\"app.ts\"],\"names\":[],\"mappings\":\"AAAA\"}\n",
    );
    let run = t.run(&["build", "in", "--out", "out", "--json", "--no-minify-js"]);
    run.expect_code(0);
    let b = Built { run, dir: t };
    let h = b.hash("app.js");
    assert_eq!(b.kept("app.js.map"), serde_json::Value::Null);
    assert!(b.path(&format!("out/app.{h}.js.map")).is_file());
    assert!(!b.run.stdout.contains("unreferenced"), "{}", b.run.stdout);
}
