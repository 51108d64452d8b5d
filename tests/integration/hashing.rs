//! Content-hashed names with every reference rewritten: one fixture with
//! every kind of reference (`testdata/refs`), the traps text replacement
//! falls into, cycles, what a change renames, determinism, the manifests and
//! `assetpress verify`.

use std::collections::BTreeMap;

use crate::util::{assert_same_trees, manifest, tiny_png, tree, unhashed, TestDir};

/// The hash in the output name of the input `original`.
fn hash_of(t: &TestDir, out: &str, original: &str) -> String {
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

/// Fills `[[path]]` markers in `template` with that input's hash.
fn fill(t: &TestDir, out: &str, template: &str) -> String {
    let mut s = String::new();
    let mut rest = template;
    while let Some(open) = rest.find("[[") {
        let close = open + rest[open..].find("]]").unwrap();
        s.push_str(&rest[..open]);
        s.push_str(&hash_of(t, out, &rest[open + 2..close]));
        rest = &rest[close + 2..];
    }
    s.push_str(rest);
    s
}

/// Asserts `text` contains each template, filled.
fn contains_all(t: &TestDir, out: &str, what: &str, text: &str, templates: &[&str]) {
    for template in templates {
        let expected = fill(t, out, template);
        assert!(
            text.contains(&expected),
            "{what} lacks {expected}\n--- {what}:\n{text}"
        );
    }
}

#[test]
fn every_reference_kind_is_rewritten_and_verify_passes() {
    let t = TestDir::with_fixture("refs");
    // Images as they are: <picture> markup is tested in images.rs.
    let run = t.run(&["build", "refs", "--out", "out", "--json", "--no-images"]);
    run.expect_code(0);
    assert_eq!(run.warnings(), Vec::<String>::new());
    let o = "out";
    let page = t.read_out_string(o, "index.html");
    contains_all(
        &t,
        o,
        "index.html",
        &page,
        &[
            r#"<link rel="stylesheet" href="css/app.[[css/app.css]].css">"#,
            r#"<link rel="icon" href="img/icon.[[img/icon.png]].png">"#,
            r#"<link rel="apple-touch-icon" href="/img/icon.[[img/icon.png]].png">"#,
            r#"<link rel="manifest" href="manifest.[[manifest.json]].json">"#,
            r#"<link rel="preload" href="fonts/a.[[fonts/a.woff2]].woff2" as="font""#,
            r#"<link rel="modulepreload" href="js/main.[[js/main.js]].js">"#,
            r#"<link rel="prefetch" href="js/lazy.[[js/lazy.js]].js">"#,
            r#"href="img/a.[[img/a.png]].png" imagesrcset="img/a.[[img/a.png]].png 1x, img/b.[[img/b.png]].png 2x""#,
            r#"{"imports": {"lib": "./js/lib.[[js/lib.js]].js", "react": "https://esm.sh/react"}}"#,
            r#"<script type="module" src="js/c1.[[js/c1.js]].js">"#,
            r#"<script src="js/app.[[js/app.js]].js"></script>"#,
            r#"<script src="js/myapp.[[js/myapp.js]].js"></script>"#,
            "import { lib } from \"./js/lib.[[js/lib.js]].js\";\nimport \"lib\";",
            ".hero { background: url(img/bg.[[img/bg.png]].png) }",
            r#"srcset="img/a.[[img/a.png]].png 480w, img/b.[[img/b.png]].png 960w" sizes="50vw""#,
            r#"<img src="img/my photo.[[img/my photo.jpg]].jpg" alt=""><img src="img/my%20photo.[[img/my photo.jpg]].jpg" alt=""><img src="img/café.[[img/café.png]].png" alt="">"#,
            r#"<source srcset="img/b.[[img/b.png]].png" type="image/png"><source src="img/a.[[img/a.png]].png">"#,
            r#"<video src="media/clip.[[media/clip.mp4]].mp4" poster="img/poster.[[img/poster.png]].png"><track src="media/captions.[[media/captions.vtt]].vtt""#,
            r#"<audio src="media/sound.[[media/sound.mp3]].mp3">"#,
            r#"<embed src="img/diagram.[[img/diagram.svg]].svg"><object data="img/diagram.[[img/diagram.svg]].svg">"#,
            r#"<input type="image" src="img/button.[[img/button.png]].png""#,
            r##"<a href="docs/guide.[[docs/guide.pdf]].pdf">guide</a> <a href="about.html">about</a> <a href="#top">top</a>"##,
            r#"<iframe src="img/diagram.[[img/diagram.svg]].svg">"#,
            r#"style="background-image: url('img/bg.[[img/bg.png]].png')""#,
            r#"<use href="img/sprite.[[img/sprite.svg]].svg#home""#,
            r#"<use xlink:href="img/sprite.[[img/sprite.svg]].svg#star""#,
            r#"<image href="img/a.[[img/a.png]].png""#,
        ],
    );
    // Left exactly as written.
    for same in [
        r#"<link rel="canonical" href="https://example.test/index.html">"#,
        r#"<link rel="alternate" type="application/rss+xml" href="feed.xml">"#,
        "/* .old { background: url(img/commented.png) } */",
        r##"<use href="#local"/>"##,
        r#"<img src="data:image/svg+xml,%3Csvg%3E%3C/svg%3E" alt="">"#,
        r#"<img src="https://cdn.example.test/x.png" alt="">"#,
    ] {
        assert!(page.contains(same), "index.html lost {same}");
    }
    // Nothing but names changed in the page.
    assert_eq!(
        String::from_utf8(unhashed(&t.path(o))["index.html"].clone()).unwrap(),
        t.read_string("refs/index.html")
    );

    let css = t.read_out_string(o, "css/app.css");
    contains_all(
        &t,
        o,
        "css/app.css",
        &css,
        &[
            r#"@import "base.[[css/base.css]].css";@import "print.[[css/print.css]].css" print;"#,
            "url(../fonts/a.[[fonts/a.woff2]].woff2)",
            "url(../fonts/a.[[fonts/a.eot]].eot?#iefix)",
            "url(../fonts/b.[[fonts/b.woff2]].woff2?v=4.7.0)",
            "image-set(../img/a.[[img/a.png]].png 1x,../img/b.[[img/b.png]].png 2x)",
            "url(../img/sprite.[[img/sprite.svg]].svg#home)",
        ],
    );
    assert!(
        css.contains("%3Cpath fill='url(%23g)'"),
        "data: URL kept: {css}"
    );
    assert!(
        css.contains("url(#clip)") && !css.contains("commented"),
        "{css}"
    );
    contains_all(
        &t,
        o,
        "css/base.css",
        &t.read_out_string(o, "css/base.css"),
        &["url(/img/bg.[[img/bg.png]].png)"],
    );

    let js = t.read_out_string(o, "js/main.js");
    contains_all(
        &t,
        o,
        "js/main.js",
        &js,
        &[
            r#"from"./lib.[[js/lib.js]].js""#,
            r#"export{helper}from"./util/helper.[[js/util/helper.js]].js""#,
            r#"export*from"./a.[[js/a.js]].js""#,
            r#"new URL("./worker.[[js/worker.js]].js",import.meta.url)"#,
            r#"new Worker("/js/classic-worker.[[js/classic-worker.js]].js")"#,
            r#"new URL("../img/icon.[[img/icon.png]].png",import.meta.url)"#,
            r#"import("./lazy.[[js/lazy.js]].js")"#,
        ],
    );
    assert!(
        js.contains(r#"from"react""#) && js.contains(r#""app.js""#),
        "{js}"
    );
    contains_all(
        &t,
        o,
        "classic-worker.js",
        &t.read_out_string(o, "js/classic-worker.js"),
        &[r#"importScripts("./imported.[[js/imported.js]].js")"#],
    );
    contains_all(
        &t,
        o,
        "manifest.json",
        &t.read_out_string(o, "manifest.json"),
        &[
            r#""icons": [{"src": "img/icon.[[img/icon.png]].png""#,
            r#""screenshots": [{"src": "/img/poster.[[img/poster.png]].png""#,
            r#""url": "/about.html", "icons": [{"src": "img/button.[[img/button.png]].png""#,
        ],
    );
    let svg = t.read_out_string(o, "img/sprite.svg");
    contains_all(
        &t,
        o,
        "img/sprite.svg",
        &svg,
        &[
            ".t { fill: url(texture.[[img/texture.png]].png); }",
            r#"<image href="icon.[[img/icon.png]].png""#,
            r#"<use xlink:href="diagram.[[img/diagram.svg]].svg#d""#,
        ],
    );
    assert!(svg.contains(r##"fill="url(#g)""##) && svg.contains(".s { fill: url(#g); }"));
    contains_all(
        &t,
        o,
        "about.html",
        &t.read_out_string(o, "about.html"),
        &[
            r#"href="/css/app.[[css/app.css]].css""#,
            r#"src="./js/lazy.[[js/lazy.js]].js""#,
        ],
    );
    let totals = &run.json()["totals"]["unresolved_imports"];
    assert_eq!(
        (totals["bare"].as_u64(), totals["computed"].as_u64()),
        (Some(2), Some(1)),
        "{totals}"
    );

    let verify = t.run(&["verify", "out"]);
    verify.expect_code(0);
    assert!(
        verify.stdout.starts_with("ok: 40 files"),
        "{}",
        verify.stdout
    );
}

#[test]
fn names_change_by_parsing_never_by_text_replacement() {
    let t = TestDir::with_fixture("refs");
    // Unminified, so every byte but the references stays visible.
    t.run(&[
        "build",
        "refs",
        "--out",
        "out",
        "--no-minify-js",
        "--no-minify-css",
        "--no-images",
    ])
    .expect_code(0);
    let (app, myapp) = (
        hash_of(&t, "out", "js/app.js"),
        hash_of(&t, "out", "js/myapp.js"),
    );
    assert_ne!(app, myapp);
    let page = t.read_out_string("out", "index.html");
    assert!(
        page.contains(&format!("src=\"js/myapp.{myapp}.js\"")),
        "{page}"
    );
    assert!(!page.contains(&format!("my{app}")) && !page.contains("myapp.js\""));
    let js = t.read_out_string("out", "js/main.js");
    // A property named like a file and a string equal to a file name are not references.
    assert!(js.contains("const app = { js: 1 };"), "{js}");
    assert!(
        js.contains(r#"console.log(app.js, "app.js", format(icon.href)"#),
        "{js}"
    );
    let css = t.read_out_string("out", "css/app.css");
    assert!(
        css.contains("/* .old { background: url(../img/commented.png) } */"),
        "{css}"
    );
    assert!(
        css.contains("%3Cpath fill='url(%23g)' d='M0 0h1v1z'/%3E"),
        "{css}"
    );
    // Everything but the names is byte for byte the input.
    assert_same_trees(&unhashed(&t.path("out")), &tree(&t.path("refs")));
    t.run(&["verify", "out"]).expect_code(0);
}

#[test]
fn public_path_and_relative_climbs_resolve() {
    let t = TestDir::new();
    t.write("in/img/a.png", tiny_png());
    t.write(
        "in/sub/deeper/page.html",
        "<img src=\"../../img/a.png\"><img src=\"/static/img/a.png\"><img src=\"/api/a.png\">",
    );
    t.write(
        "in/css/x.css",
        ".a{background:url(/static/img/a.png)}.b{background:url(../img/a.png)}",
    );
    t.run(&[
        "build",
        "in",
        "--out",
        "out",
        "--base",
        "/static/",
        "--no-images",
    ])
    .expect_code(0);
    let h = hash_of(&t, "out", "img/a.png");
    assert_eq!(
        t.read_out_string("out", "sub/deeper/page.html"),
        format!("<img src=\"../../img/a.{h}.png\"><img src=\"/static/img/a.{h}.png\"><img src=\"/api/a.png\">")
    );
    let css = t.read_out_string("out", "css/x.css");
    assert!(
        css.starts_with(&format!(
            ".a{{background:url(/static/img/a.{h}.png)}}.b{{background:url(../img/a.{h}.png)}}"
        )),
        "{css}"
    );
    assert_eq!(manifest(&t.path("out"))["base"], "/static/");
    t.run(&["verify", "out"]).expect_code(0);
}

#[test]
fn escaping_and_missing_references_are_warnings_strict_makes_them_errors() {
    let t = TestDir::new();
    t.write(
        "in/index.html",
        "<img src=\"../outside.png\">\n<script src=\"js/a.js\"></script>",
    );
    t.write(
        "in/js/a.js",
        "window.a = 1;\n//# sourceMappingURL=gone.js.map\n",
    );
    let run = t.run(&["build", "in", "--out", "out", "--json", "--no-minify-js"]);
    run.expect_code(0);
    assert_eq!(
        run.warnings(),
        [
            "index.html:1:1: reference ../outside.png points outside the input folder; left as written",
            "js/a.js:2:22: reference gone.js.map not found (no file js/gone.js.map in the input); left as written",
        ]
    );
    assert!(t
        .read_out_string("out", "js/a.js")
        .ends_with("sourceMappingURL=gone.js.map\n"));
    t.run(&["build", "in", "--out", "out", "--strict", "--quiet"])
        .expect_code(1);
}

#[test]
fn cycles_share_one_hash_and_change_together() {
    let t = TestDir::with_fixture("refs");
    t.run(&["build", "refs", "--out", "one", "--quiet"])
        .expect_code(0);
    let m = manifest(&t.path("one"));
    assert_eq!(
        m["assets"]["js/a.js"]["cycle"],
        serde_json::json!(["js/a.js", "js/b.js"])
    );
    assert_eq!(
        m["assets"]["js/c2.js"]["cycle"],
        serde_json::json!(["js/c1.js", "js/c2.js", "js/c3.js"])
    );
    assert_eq!(hash_of(&t, "one", "js/a.js"), hash_of(&t, "one", "js/b.js"));
    assert_eq!(
        hash_of(&t, "one", "js/c1.js"),
        hash_of(&t, "one", "js/c3.js")
    );
    // Each member names the others by their final names.
    let h = hash_of(&t, "one", "js/a.js");
    assert!(t
        .read_out_string("one", "js/a.js")
        .contains(&format!("./b.{h}.js")));
    assert!(t
        .read_out_string("one", "js/b.js")
        .contains(&format!("./a.{h}.js")));
    t.run(&["verify", "one"]).expect_code(0);

    // Changing one member renames the whole cycle and what imports it.
    t.write(
        "refs/js/b.js",
        "import { a } from \"./a.js\";\nexport const b = () => a() + 1;\n",
    );
    t.run(&["build", "refs", "--out", "two", "--quiet"])
        .expect_code(0);
    let changed = differing(&t, "one", "two", "file");
    assert_eq!(changed, ["js/a.js", "js/b.js", "js/main.js"]);
    t.run(&["verify", "two"]).expect_code(0);
}

/// The inputs whose manifest `field` (`file`: the name, `integrity`: the
/// bytes) differs between two builds.
fn differing(t: &TestDir, a: &str, b: &str, field: &str) -> Vec<String> {
    let (ma, mb) = (manifest(&t.path(a)), manifest(&t.path(b)));
    ma["assets"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, e)| mb["assets"][k.as_str()][field] != e[field])
        .map(|(k, _)| k.clone())
        .collect()
}

#[test]
fn changing_a_font_renames_exactly_the_stylesheets_that_use_it() {
    let t = TestDir::with_fixture("refs");
    t.run(&["build", "refs", "--out", "before", "--quiet"])
        .expect_code(0);
    t.write("refs/fonts/b.woff2", b"wOF2 a different font");
    t.run(&["build", "refs", "--out", "after", "--quiet"])
        .expect_code(0);
    // b.woff2 is used by css/app.css only; the pages keep their names but
    // their references to the stylesheet change.
    assert_eq!(
        differing(&t, "before", "after", "file"),
        ["css/app.css", "fonts/b.woff2"]
    );
    assert_eq!(
        differing(&t, "before", "after", "integrity"),
        ["about.html", "css/app.css", "fonts/b.woff2", "index.html"]
    );
    t.run(&["verify", "after"]).expect_code(0);
}

#[test]
fn output_is_byte_identical_across_runs_and_thread_counts() {
    let t = TestDir::with_fixture("refs");
    copy_site_into(&t, "refs");
    for (out, jobs) in [("a", "1"), ("b", "2"), ("c", "4")] {
        t.run(&["build", "refs", "--out", out, "--jobs", jobs, "--quiet"])
            .expect_code(0);
    }
    let a = tree(&t.path("a"));
    assert_eq!(a, tree(&t.path("b")), "--jobs 1 vs --jobs 2");
    assert_eq!(a, tree(&t.path("c")), "--jobs 1 vs --jobs 4");
    t.run(&["build", "refs", "--out", "a", "--jobs", "2", "--quiet"])
        .expect_code(0);
    assert_eq!(a, tree(&t.path("a")), "a second run");
}

/// Adds the demo site to a fixture folder, so determinism covers minified
/// code, maps, fonts and photos too.
fn copy_site_into(t: &TestDir, dir: &str) {
    crate::util::copy_tree(
        &crate::util::repo().join("testdata/site"),
        &t.path(&format!("{dir}/site")),
    );
}

#[test]
fn manifests_for_other_tools() {
    let t = TestDir::with_fixture("refs");
    let run = t.run(&[
        "build",
        "refs",
        "--out",
        "out",
        "--json",
        "--manifest-format",
        "flat,vite",
        "--manifest-format",
        "propshaft,django",
    ]);
    run.expect_code(0);
    let outputs = &run.json()["outputs"];
    assert!(
        outputs["manifest"]
            .as_str()
            .unwrap()
            .ends_with("out/assetpress-manifest.json"),
        "{outputs}"
    );
    let read = |p: &str| -> serde_json::Value {
        serde_json::from_slice(&t.read(&format!("out/{p}"))).unwrap()
    };
    let app = format!("css/app.{}.css", hash_of(&t, "out", "css/app.css"));

    let m = manifest(&t.path("out"));
    assert_eq!(
        (
            m["version"].as_u64(),
            m["hash"].as_str(),
            m["base"].as_str()
        ),
        (Some(1), Some("sha256"), Some("/"))
    );
    let entry = &m["assets"]["css/app.css"];
    assert_eq!(entry["file"], app.as_str());
    assert_eq!(entry["map"], format!("{app}.map").as_str());
    assert!(entry["integrity"].as_str().unwrap().starts_with("sha384-"));
    assert_eq!(
        entry["size"].as_u64().unwrap(),
        t.read(&format!("out/{app}")).len() as u64
    );
    assert_eq!(
        entry["original_size"].as_u64().unwrap(),
        t.read("refs/css/app.css").len() as u64
    );
    let refs: Vec<&str> = entry["references"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(
        refs,
        [
            "css/base.css",
            "css/print.css",
            "fonts/a.eot",
            "fonts/a.woff2",
            "fonts/b.woff2",
            "img/a.png",
            "img/b.png",
            "img/sprite.svg"
        ]
    );

    let flat = read("rev-manifest.json");
    assert_eq!(flat["css/app.css"], app.as_str());
    assert_eq!(flat["index.html"], "index.html");

    let vite = read(".vite/manifest.json");
    let main = &vite["js/main.js"];
    assert_eq!(
        main["file"],
        format!("js/main.{}.js", hash_of(&t, "out", "js/main.js")).as_str()
    );
    assert_eq!(main["src"], "js/main.js");
    assert_eq!(main["isEntry"], true);
    assert_eq!(
        main["imports"],
        serde_json::json!([
            "js/a.js",
            "js/classic-worker.js",
            "js/lib.js",
            "js/util/helper.js",
            "js/worker.js"
        ])
    );
    assert_eq!(main["dynamicImports"], serde_json::json!(["js/lazy.js"]));
    assert_eq!(
        main["assets"],
        serde_json::json!([format!(
            "img/icon.{}.png",
            hash_of(&t, "out", "img/icon.png")
        )])
    );
    assert!(
        vite["js/util/helper.js"].get("isEntry").is_none(),
        "imported by a module only"
    );
    assert_eq!(vite["js/lib.js"]["isEntry"], true, "a page imports it");
    assert_eq!(vite["css/app.css"]["isEntry"], true);

    let propshaft = read(".manifest.json");
    assert_eq!(propshaft["css/app.css"]["digested_path"], app.as_str());
    assert_eq!(propshaft["css/app.css"]["integrity"], entry["integrity"]);

    let django = read("staticfiles.json");
    assert_eq!(django["version"], "1.1");
    assert_eq!(django["paths"]["css/app.css"], app.as_str());
    assert_eq!(django["hash"].as_str().unwrap().len(), 12);
    t.run(&["verify", "out"]).expect_code(0);
}

#[test]
fn public_url_hash_length_and_kept_names() {
    let t = TestDir::with_fixture("refs");
    t.run(&[
        "build",
        "refs",
        "--out",
        "out",
        "--quiet",
        "--public-url",
        "https://cdn.example.test/assets",
        "--hash-length",
        "12",
        "--keep-name",
        "docs/**",
    ])
    .expect_code(0);
    let h = hash_of(&t, "out", "css/app.css");
    assert_eq!(h.len(), 12);
    let page = t.read_out_string("out", "index.html");
    assert!(
        page.contains(&format!(
            "href=\"https://cdn.example.test/assets/css/app.{h}.css\""
        )),
        "{page}"
    );
    assert!(
        page.contains(&format!(
            "src=\"https://cdn.example.test/assets/img/my%20photo.{}.jpg\"",
            hash_of(&t, "out", "img/my photo.jpg")
        )),
        "{page}"
    );
    assert!(
        page.contains("<a href=\"docs/guide.pdf\">"),
        "kept name: {page}"
    );
    assert!(t.path("out/docs/guide.pdf").exists());
    t.run(&["verify", "out"]).expect_code(0);
    for bad in [
        ["--hash-length", "7"],
        ["--hash-length", "65"],
        ["--public-url", "cdn.example.test"],
    ] {
        let run = t.run(&["build", "refs", "--out", "bad", bad[0], bad[1]]);
        run.expect_code(2);
        assert!(run.stderr.contains(bad[0]), "{}", run.stderr);
    }
}

#[test]
fn verify_finds_tampering_and_broken_references() {
    let t = TestDir::with_fixture("refs");
    t.run(&["build", "refs", "--out", "out", "--quiet"])
        .expect_code(0);
    let lib = t.out_path("out", "js/lib.js");
    let mut bytes = t.read(&lib);
    bytes.extend_from_slice(b"\n");
    t.write(&lib, bytes);
    let lazy = t.out_path("out", "js/lazy.js");
    std::fs::remove_file(t.path(&lazy)).unwrap();
    let run = t.run(&["verify", "out"]);
    run.expect_code(1);
    let lib_name = &lib["out/".len()..];
    let lazy_name = &lazy["out/".len()..];
    for expected in [
        format!("error: {lib_name}: integrity mismatch"),
        format!("error: {lib_name}: content does not match the hash in its name"),
        format!("error: {lazy_name}: listed in the manifest for js/lazy.js, but cannot be read"),
        "error: about.html:4:1: ./js/lazy.".to_string(),
        "error: index.html:12:1: js/lazy.".to_string(),
    ] {
        assert!(
            run.stderr.contains(&expected),
            "missing {expected}:\n{}",
            run.stderr
        );
    }
    assert!(run.stdout.contains("problems in"), "{}", run.stdout);
    t.run(&["verify", "nowhere"]).expect_code(2);
}

#[test]
fn reference_kinds_are_listed_per_file_in_the_manifest() {
    let t = TestDir::with_fixture("refs");
    t.run(&["build", "refs", "--out", "out", "--quiet"])
        .expect_code(0);
    let m = manifest(&t.path("out"));
    let refs = |k: &str| -> Vec<String> {
        m["assets"][k]["references"]
            .as_array()
            .map(|a| a.iter().map(|r| r.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    };
    let mut by_file: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for k in [
        "about.html",
        "manifest.json",
        "img/sprite.svg",
        "js/classic-worker.js",
    ] {
        by_file.insert(k, refs(k));
    }
    assert_eq!(by_file["about.html"], ["css/app.css", "js/lazy.js"]);
    assert_eq!(
        by_file["manifest.json"],
        ["img/button.png", "img/icon.png", "img/poster.png"]
    );
    assert_eq!(
        by_file["img/sprite.svg"],
        ["img/diagram.svg", "img/icon.png", "img/texture.png"]
    );
    assert_eq!(by_file["js/classic-worker.js"], ["js/imported.js"]);
}

#[test]
fn text_that_looks_like_a_placeholder_is_left_alone() {
    let t = TestDir::new();
    t.write("in/a.css", ".a{background:url(b.png)}");
    t.write("in/b.png", tiny_png());
    // Regression: such text was taken for a placeholder: an index past the
    // file list crashed the hash stage, a small one was replaced by a hash.
    t.write(
        "in/index.html",
        "<link rel=stylesheet href=\"a.css\"><p>!~{zzz}~ !~{001}~ !~{000}~</p>",
    );
    t.run(&["build", "in", "--out", "out", "--quiet"])
        .expect_code(0);
    let page = t.read_out_string("out", "index.html");
    assert!(
        page.ends_with("<p>!~{zzz}~ !~{001}~ !~{000}~</p>"),
        "{page}"
    );
    t.run(&["verify", "out"]).expect_code(0);
}

#[test]
fn files_that_are_not_minified_still_follow_renames() {
    let t = TestDir::new();
    t.write("in/bg.png", tiny_png());
    t.write("in/app.css", ".a { background: url(bg.png) }\n");
    // Over --max-text-size: copied unminified, references rewritten.
    t.run(&[
        "build",
        "in",
        "--out",
        "out",
        "--max-text-size",
        "10",
        "--quiet",
    ])
    .expect_code(0);
    let h = hash_of(&t, "out", "bg.png");
    assert_eq!(
        t.read_out_string("out", "app.css"),
        format!(".a {{ background: url(bg.{h}.png) }}\n")
    );
    // A script that does not parse is copied as it is, errors and all.
    t.write("in/syntax.js", "import \"./lib.js\";\nlet = ;\n");
    t.write("in/lib.js", "export const lib = 1;\n");
    t.run(&["build", "in", "--out", "out2", "--quiet"])
        .expect_code(1);
    assert_eq!(
        t.read_out_string("out2", "syntax.js"),
        t.read_string("in/syntax.js")
    );
}

#[test]
fn a_map_beside_its_file_follows_the_files_name() {
    let t = TestDir::new();
    t.write(
        "in/app.js",
        "window.a = 1;\n//# sourceMappingURL=app.js.map\n",
    );
    t.write(
        "in/app.js.map",
        "{\"version\":3,\"file\":\"app.js\",\"sources\":[\"app.ts\"],\"names\":[],\"mappings\":\"AAAA\"}",
    );
    t.write(
        "in/index.html",
        "<script src=\"app.js\"></script><a href=\"app.js.map\">map</a>",
    );
    for (out, flag) in [("copied", "--no-minify-js"), ("minified", "--jobs=2")] {
        t.run(&["build", "in", "--out", out, flag, "--quiet"])
            .expect_code(0);
        let js = t.out_path(out, "app.js");
        let name = js.rsplit('/').next().unwrap();
        assert!(t.path(&format!("{js}.map")).is_file(), "{out}: {js}.map");
        assert!(
            t.read_string(&js)
                .ends_with(&format!("//# sourceMappingURL={name}.map\n")),
            "{out}: {}",
            t.read_string(&js)
        );
        let map: serde_json::Value = serde_json::from_slice(&t.read(&format!("{js}.map"))).unwrap();
        assert_eq!(map["file"], name, "{out}");
        assert!(
            t.read_out_string(out, "index.html")
                .contains(&format!("<a href=\"{name}.map\">")),
            "{out}"
        );
        t.run(&["verify", out]).expect_code(0);
    }
}

#[test]
fn manifests_with_a_byte_order_mark_are_read() {
    let t = TestDir::new();
    t.write("in/icon.png", tiny_png());
    t.write(
        "in/app.webmanifest",
        "\u{feff}{\"icons\": [{\"src\": \"icon.png\"}]}",
    );
    t.run(&["build", "in", "--out", "out", "--quiet"])
        .expect_code(0);
    let h = hash_of(&t, "out", "icon.png");
    assert_eq!(
        t.read_out_string("out", "app.webmanifest"),
        format!("\u{feff}{{\"icons\": [{{\"src\": \"icon.{h}.png\"}}]}}")
    );
}

#[test]
fn verify_follows_public_urls() {
    let t = TestDir::with_fixture("refs");
    t.run(&[
        "build",
        "refs",
        "--out",
        "out",
        "--quiet",
        "--public-url",
        "https://cdn.example.test/assets",
    ])
    .expect_code(0);
    t.run(&["verify", "out"]).expect_code(0);
    std::fs::remove_file(t.path(&t.out_path("out", "img/bg.png"))).unwrap();
    let run = t.run(&["verify", "out"]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("index.html:29:")
            && run
                .stderr
                .contains("https://cdn.example.test/assets/img/bg."),
        "{}",
        run.stderr
    );
}
