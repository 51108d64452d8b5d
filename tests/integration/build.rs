//! The demo site end to end: what is minified, what is copied, what is reported.

use crate::util::{
    assert_refers, manifest, tiny_png, tree, tree_by_original, unhashed, Built, TestDir,
};

#[test]
fn demo_site_is_minified_hashed_with_maps_and_everything_else_copied() {
    let t = TestDir::with_fixture("site");
    // Images as they are: what becomes of them is tested in images.rs.
    t.run(&["build", "site", "--out", "out", "--no-images"])
        .expect_code(0);
    let input = tree(&t.path("site"));
    let output = unhashed(&t.path("out"));
    let m = manifest(&t.path("out"));
    for (rel, bytes) in &input {
        let out = output
            .get(rel)
            .unwrap_or_else(|| panic!("{rel} missing from the output"));
        let file = m["assets"][rel]["file"].as_str().unwrap();
        let kept = rel.ends_with(".html")
            || [
                "robots.txt",
                "sitemap.xml",
                "favicon.ico",
                "site.webmanifest",
                ".well-known/security.txt",
                // Named only in a comment of css/main.css.
                "fonts/LICENSE-DejaVu.txt",
                // Named by its public URL in `<meta property="og:image">`.
                "images/hero-valley.jpg",
            ]
            .contains(&rel.as_str());
        if kept {
            assert_eq!(file, rel);
        } else {
            let (stem, ext) = rel.rsplit_once('.').unwrap();
            let hash = file
                .strip_prefix(&format!("{stem}."))
                .and_then(|f| f.strip_suffix(&format!(".{ext}")))
                .unwrap_or_else(|| panic!("{rel} became {file}"));
            assert!(
                hash.len() == 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
                "{file}"
            );
        }
        if rel.ends_with(".js") || rel.ends_with(".css") {
            assert!(
                out.len() < bytes.len(),
                "{rel} not smaller: {} -> {}",
                bytes.len(),
                out.len()
            );
            let text = t.read_out_string("out", rel);
            let name = file.rsplit('/').next().unwrap();
            assert!(
                text.contains(&format!("sourceMappingURL={name}.map")),
                "{rel} has no map comment"
            );
            let map: serde_json::Value =
                serde_json::from_slice(&t.read(&format!("out/{file}.map"))).unwrap();
            assert_eq!(map["version"], 3);
            assert!(
                !map["mappings"].as_str().unwrap().is_empty(),
                "{rel}.map has no mappings"
            );
        } else {
            assert_eq!(
                out, bytes,
                "{rel} should be copied unchanged but for the names it references"
            );
        }
    }
    // Only the input files and the maps of minified files.
    for rel in output.keys() {
        assert!(
            input.contains_key(rel) || rel.ends_with(".map"),
            "unexpected output {rel}"
        );
    }
    t.run(&["verify", "out"]).expect_code(0);
}

#[test]
fn legal_comments_survive_and_ordinary_comments_do_not() {
    let t = TestDir::new();
    t.write("in/lib.js", "/*! mylib v1.2.3 | MIT */\n// a note, which is not a license\nexport function greet(name) {\n  // say hello to whoever is named\n  return `hello ${name}`;\n}\n");
    t.write(
        "in/style.css",
        "/*! theme v2 | MIT */\n/* layout: the grid and the spacing of the page */\n.a {\n  color: #ff0000;\n}\n",
    );
    t.run(&["build", "in", "--out", "out"]).expect_code(0);
    let js = t.read_out_string("out", "lib.js");
    assert!(js.starts_with("/*! mylib v1.2.3 | MIT */"), "{js}");
    assert!(!js.contains("a note") && !js.contains("say hello"), "{js}");
    let css = t.read_out_string("out", "style.css");
    assert!(css.starts_with("/*! theme v2 | MIT */"), "{css}");
    assert!(
        css.contains(".a{color:red}") && !css.contains("layout"),
        "{css}"
    );
}

#[test]
fn module_and_script_are_told_apart() {
    let t = TestDir::new();
    let body = "function longHelperName(x) { return x + 1 }\n";
    t.write(
        "in/a.mjs",
        format!("{body}export default longHelperName(1);\n"),
    );
    t.write(
        "in/b.cjs",
        format!("{body}module.exports = longHelperName(1);\n"),
    );
    t.write(
        "in/c.js",
        format!("{body}var result = longHelperName(1);\n"),
    );
    t.write(
        "in/d.js",
        format!("{body}console.log(import.meta.url, longHelperName(2));\n"),
    );
    t.run(&["build", "in", "--out", "out", "--no-source-maps"])
        .expect_code(0);
    assert!(
        !t.read_out_string("out", "a.mjs").contains("longHelperName"),
        "module top level is private"
    );
    assert!(
        t.read_out_string("out", "b.cjs").contains("longHelperName"),
        "script top level is global"
    );
    assert!(
        t.read_out_string("out", "c.js").contains("longHelperName"),
        "script top level is global"
    );
    assert!(
        t.read_out_string("out", "d.js").contains("import.meta"),
        "import.meta makes it a module"
    );
}

#[test]
fn targets_drive_css_prefixes_and_js_syntax() {
    let t = TestDir::new();
    // Comments a minifier drops: room for what old browsers need (a file is
    // never made bigger than its input).
    let room = "/* Cards: not selectable, covering their container. */\n".repeat(4);
    t.write(
        "in/a.css",
        format!("{room}.a {{ user-select: none; inset: 0 }}\n"),
    );
    t.write(
        "in/b.js",
        format!("{room}export function f(x) {{ try {{ return x() }} catch (e) {{ return 0 }} }}\n"),
    );
    t.run(&[
        "build",
        "in",
        "--out",
        "old",
        "--targets",
        "safari 12, ie 11",
    ])
    .expect_code(0);
    let css = t.read_out_string("old", "a.css");
    assert!(
        css.contains("-webkit-user-select:none") && css.contains("top:0"),
        "{css}"
    );
    assert!(
        t.read_out_string("old", "b.js").contains("catch("),
        "no optional catch binding before ES2019"
    );
    t.run(&["build", "in", "--out", "new", "--targets", "chrome >= 120"])
        .expect_code(0);
    let css = t.read_out_string("new", "a.css");
    assert!(
        !css.contains("-webkit-user-select") && css.contains("inset:0"),
        "{css}"
    );
    assert!(
        t.read_out_string("new", "b.js").contains("catch{"),
        "{}",
        t.read_out_string("new", "b.js")
    );
}

// Never bigger: `testdata/minified` holds what bundlers ship, minified
// already (chunks of a line, an empty stylesheet, a script with its map).

fn minified() -> Built {
    TestDir::build("minified", &["--json"])
}

/// Regression: bundler chunks minified already came out bigger, with a
/// `sourceMappingURL` comment and a map the bundler never shipped; an empty
/// stylesheet went from 0 to 51 bytes.
#[test]
fn a_file_minifying_does_not_shrink_keeps_its_input_and_gets_no_map() {
    let b = minified();
    let output = tree_by_original(&b.path("out"));
    for rel in ["empty.css", "shared.js"] {
        assert_eq!(output[rel], b.read(&format!("minified/{rel}")), "{rel}");
        assert!(!output.contains_key(&format!("{rel}.map")), "{rel}");
    }
    let files = b.run.json()["files"].clone();
    let left: Vec<(&str, &str, &str)> = files
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| {
            let why = f["left_as_is"].as_str()?;
            Some((f["path"].as_str()?, f["status"].as_str()?, why))
        })
        .collect();
    assert_eq!(
        left,
        [
            ("app.js", "copied", "not_smaller"),
            ("chunk.js", "copied", "not_smaller"),
            ("empty.css", "copied", "not_smaller"),
            ("shared.js", "copied", "not_smaller"),
        ]
    );
    assert_eq!(b.run.json()["totals"]["left_as_is"], 4);
}

#[test]
fn a_file_left_as_it_was_has_its_references_rewritten() {
    assert_refers(
        &minified(),
        "chunk.js",
        r#"import{a as o}from"./shared.[[shared.js]].js";o();"#,
    );
}

#[test]
fn a_file_left_as_it_was_keeps_its_own_map_named_after_it() {
    let b = minified();
    let h = b.hash("app.js");
    assert_eq!(
        b.text("app.js"),
        format!("console.log(\"app\");\n//# sourceMappingURL=app.{h}.js.map\n")
    );
    let map: serde_json::Value = serde_json::from_slice(&b.read_out("out", "app.js.map")).unwrap();
    assert_eq!(map["file"], format!("app.{h}.js"));
    assert_eq!(map["sources"][0], "src/app.ts");
}

#[test]
fn code_minified_already_is_made_smaller_without_a_map() {
    let b = minified();
    let js = b.text("bundle.js");
    assert!(js.len() < b.read("minified/bundle.js").len(), "{js}");
    assert!(js.contains("console.log(\"ready\",3,"), "{js}");
    assert!(!js.contains("sourceMappingURL"), "{js}");
    let output = tree_by_original(&b.path("out"));
    assert!(!output.contains_key("bundle.js.map"));
    assert_eq!(b.run.json()["files"][2]["status"], "minified");
}

#[test]
fn the_table_counts_the_files_left_as_they_were() {
    let t = TestDir::with_fixture("minified");
    let run = t.run(&["build", "minified", "--out", "out"]);
    run.expect_code(0);
    assert!(
        run.stdout
            .contains("left as they were: 4 (4 not smaller minified)\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn no_minify_flags_copy_files_unchanged() {
    let t = TestDir::with_fixture("site");
    t.run(&[
        "build",
        "site",
        "--out",
        "out",
        "--no-minify-js",
        "--no-minify-css",
        "--no-images",
    ])
    .expect_code(0);
    assert_eq!(tree(&t.path("site")), unhashed(&t.path("out")));
}

#[test]
fn json_report_lists_files_totals_and_diagnostics() {
    let t = TestDir::with_fixture("site");
    let run = t.run(&["build", "site", "--out", "out", "--json"]);
    run.expect_code(0);
    let j = run.json();
    for key in ["files", "totals", "warnings", "errors", "outputs"] {
        assert!(j.get(key).is_some(), "missing {key}: {j}");
    }
    let files = j["files"].as_array().unwrap();
    assert_eq!(files.len(), tree(&t.path("site")).len());
    let app = files
        .iter()
        .find(|f| f["path"] == "js/app.js")
        .expect("js/app.js in report");
    assert_eq!(app["kind"], "js");
    assert_eq!(app["status"], "minified");
    assert!(app["bytes_out"].as_u64().unwrap() < app["bytes_in"].as_u64().unwrap());
    assert!(app["gzip_out"].as_u64().unwrap() > 0);
    assert_eq!(j["totals"]["files"].as_u64().unwrap() as usize, files.len());
    assert!(j["totals"]["kinds"]["css"]["files"].as_u64().unwrap() >= 2);
    assert!(
        run.stderr.is_empty(),
        "nothing on stderr without a terminal: {}",
        run.stderr
    );
}

#[test]
fn table_report_is_printed() {
    let t = TestDir::with_fixture("site");
    let run = t.run(&["build", "site", "--out", "out"]);
    run.expect_code(0);
    for word in [
        "kind",
        "files",
        "gzip",
        "saved",
        "js",
        "css",
        "total",
        "content-hashed names: 14 of 25 files; manifest: ",
        "kept names: 9 keep_names, 1 loaded by nothing, 1 named outside a reference\n",
        "  kept name: images/hero-valley.jpg — named at index.html:10:70\n",
        "done in",
    ] {
        assert!(
            run.stdout.contains(word),
            "{word} missing from\n{}",
            run.stdout
        );
    }
    assert!(
        run.stderr.is_empty(),
        "no progress bar without a terminal: {}",
        run.stderr
    );
    let quiet = t.run(&["build", "site", "--out", "out", "--quiet"]);
    quiet.expect_code(0);
    assert!(quiet.stdout.is_empty() && quiet.stderr.is_empty());
}

#[test]
fn output_is_identical_across_runs_and_thread_counts() {
    let t = TestDir::with_fixture("site");
    t.run(&["build", "site", "--out", "one", "--jobs", "1"])
        .expect_code(0);
    t.run(&["build", "site", "--out", "many", "--jobs", "4"])
        .expect_code(0);
    assert_eq!(tree(&t.path("one")), tree(&t.path("many")));
}

#[test]
fn version_and_help() {
    let t = TestDir::new();
    let v = t.run(&["--version"]);
    v.expect_code(0);
    assert!(v.stdout.starts_with("assetpress "), "{}", v.stdout);
    let h = t.run(&["build", "--help"]);
    h.expect_code(0);
    for flag in [
        "--out",
        "--config",
        "--include",
        "--exclude",
        "--jobs",
        "--targets",
        "--no-minify-js",
        "--no-minify-css",
        "--no-source-maps",
        "--json",
        "--quiet",
        "--strict",
        "Examples:",
    ] {
        assert!(h.stdout.contains(flag), "{flag} missing from help");
    }
}

#[test]
fn progress_bar_is_drawn_on_a_terminal_only() {
    crate::util::require_tool("script", "apt-get install util-linux");
    let t = TestDir::with_fixture("site");
    // `script` gives the run a pseudo-terminal, as a developer's shell would.
    let cmd = format!("{} build site --out out", env!("CARGO_BIN_EXE_assetpress"));
    let o = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("TERM", "xterm")
        .env("XDG_CACHE_HOME", t.cache_home())
        .env("XDG_CONFIG_HOME", t.cache_home().join("config"))
        .current_dir(t.dir.path())
        .output()
        .unwrap();
    let screen = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{screen}");
    assert!(
        screen.contains(" transform [") && screen.contains("/25"),
        "{screen}"
    );
    assert!(screen.contains("done in"), "{screen}");
}

#[test]
fn broken_css_references_are_warnings_with_locations() {
    let t = TestDir::new();
    t.write("in/img/ok.png", tiny_png());
    t.write(
        "in/css/a.css",
        "/* url(in-a-comment.png) */\n.a { background: url(../img/ok.png) }\n.b { background: url(../img/gone.png?v=2) }\n.c { background: url(../../outside.png) }\n.d { background: url(https://cdn.test/x.png) }\n/* The rules above: one found, one missing, one outside, one elsewhere. */\n",
    );
    let run = t.run(&["build", "in", "--out", "out", "--json"]);
    run.expect_code(0);
    let w = run.warnings();
    assert_eq!(
        w,
        [
            "css/a.css:3:22: reference ../img/gone.png?v=2 not found (no file img/gone.png in the input); left as written",
            "css/a.css:4:22: reference ../../outside.png points outside the input folder; left as written",
        ]
    );
    let css = t.read_out_string("out", "css/a.css");
    assert!(
        css.contains("url(../img/gone.png?v=2)") && css.contains("url(../../outside.png)"),
        "{css}"
    );
    t.run(&["build", "in", "--out", "out", "--strict"])
        .expect_code(1);
}

#[test]
fn broken_js_references_are_warnings_with_locations() {
    let t = TestDir::new();
    t.write("in/js/ok.js", "export const ok = 1;\n");
    t.write(
        "in/js/app.js",
        "import { ok } from './ok.js';\nimport gone from './gone.js';\nimport lib from 'some-package';\n// import x from './in-a-comment.js';\nconst s = './just-a-string.js';\nimport('../../outside.js').then(() => ok);\nexport const icon = new URL('../img/missing.svg', import.meta.url);\n",
    );
    let run = t.run(&["build", "in", "--out", "out", "--json"]);
    run.expect_code(0);
    let u = &run.json()["totals"]["unresolved_imports"];
    assert_eq!(
        (u["bare"].as_u64(), u["computed"].as_u64()),
        (Some(1), Some(0)),
        "{u}"
    );
    let w = run.warnings();
    assert_eq!(
        w,
        [
            "js/app.js:2:18: reference ./gone.js not found (no file js/gone.js in the input); left as written",
            "js/app.js:6:8: reference ../../outside.js points outside the input folder; left as written",
            "js/app.js:7:29: reference ../img/missing.svg not found (no file img/missing.svg in the input); left as written",
        ]
    );
}

#[test]
fn broken_html_references_are_warnings_with_locations() {
    let t = TestDir::new();
    t.write("in/img/ok.png", tiny_png());
    t.write("in/static/img/b.png", tiny_png());
    t.write(
        "in/index.html",
        "<!doctype html>\n<link rel=stylesheet href=\"css/gone.css\">\n<link rel=canonical href=\"https://x.test/\">\n<img src=\"img/ok.png\" srcset=\"img/ok.png 1x, img/ok@2x.png 2x\">\n<!-- <img src=\"img/commented.png\"> -->\n<a href=\"nowhere.html\">pages are not checked</a>\n<img src=\"../up.png\">\n",
    );
    t.write(
        "in/sub/page.html",
        "<base href=\"/static/\"><img src=\"img/b.png\"><img src=\"img/c.png\">",
    );
    let run = t.run(&["build", "in", "--out", "out", "--json"]);
    run.expect_code(0);
    let w = run.warnings();
    assert_eq!(
        w,
        [
            "index.html:2:1: reference css/gone.css not found (no file css/gone.css in the input); left as written",
            "index.html:4:1: reference img/ok@2x.png not found (no file img/ok@2x.png in the input); left as written",
            "index.html:7:1: reference ../up.png points outside the input folder; left as written",
            "sub/page.html:1:44: reference img/c.png not found (no file static/img/c.png in the input); left as written",
        ]
    );
    assert_eq!(
        unhashed(&t.path("out"))["index.html"],
        t.read("in/index.html"),
        "pages change only in the names of hashed files"
    );
    assert!(t
        .read_out_string("out", "index.html")
        .contains(&format!("src=\"{}", &t.out_path("out", "img/ok.png")[4..])));
}

#[test]
fn broken_manifest_icons_are_warnings() {
    let t = TestDir::new();
    t.write("in/icons/192.png", tiny_png());
    t.write(
        "in/site.webmanifest",
        "{\n  \"name\": \"x\",\n  \"icons\": [\n    {\"src\": \"icons/192.png\"},\n    {\"src\": \"/icons/512.png\"}\n  ]\n}\n",
    );
    t.write("in/bad.webmanifest", "{ \"icons\": [ }");
    let run = t.run(&["build", "in", "--out", "out", "--json"]);
    run.expect_code(0);
    let w = run.warnings();
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(
        w[0].starts_with("bad.webmanifest:1:") && w[0].contains("not valid JSON"),
        "{w:?}"
    );
    assert_eq!(w[1], "site.webmanifest:5:13: reference /icons/512.png not found (no file icons/512.png in the input); left as written");
}

#[test]
fn broken_svg_references_are_warnings() {
    let t = TestDir::new();
    t.write(
        "in/img/sprite.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><symbol id=\"home\"/></svg>",
    );
    t.write(
        "in/img/icons.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n<use href=\"sprite.svg#home\"/>\n<use xlink:href=\"#local\"/>\n<image href=\"gone.png\"/>\n</svg>\n",
    );
    t.write(
        "in/index.html",
        "<svg><use href=\"img/sprite.svg#home\"></use><use href=\"img/nope.svg#x\"></use></svg>",
    );
    let run = t.run(&["build", "in", "--out", "out", "--json"]);
    run.expect_code(0);
    let w = run.warnings();
    assert_eq!(
        w,
        [
            "img/icons.svg:4:1: reference gone.png not found (no file img/gone.png in the input); left as written",
            "index.html:1:44: reference img/nope.svg#x not found (no file img/nope.svg in the input); left as written",
        ]
    );
}

#[test]
fn reference_cycles_are_listed_not_refused() {
    let t = TestDir::new();
    t.write(
        "in/a.js",
        "import { b } from './b.js';\nexport const a = () => b;\n",
    );
    t.write(
        "in/b.js",
        "import { a } from './a.js';\nexport const b = () => a;\n",
    );
    t.write("in/c.js", "import './d.js';\n");
    t.write("in/d.js", "import './e.js';\n");
    t.write("in/e.js", "import './c.js';\n");
    t.write("in/s.css", "@import 's.css';\n.x { color: red }\n");
    t.write("in/solo.js", "import './a.js';\n");
    let run = t.run(&["build", "in", "--out", "out", "--json"]);
    run.expect_code(0);
    let cycles: Vec<Vec<String>> = serde_json::from_value(run.json()["cycles"].clone()).unwrap();
    assert_eq!(
        cycles,
        [
            vec!["a.js", "b.js"],
            vec!["c.js", "d.js", "e.js"],
            vec!["s.css"]
        ]
    );
    let table = t.run(&["build", "in", "--out", "out"]);
    assert!(
        table.stdout.contains(
            "reference cycles (sharing one hash): a.js <-> b.js, c.js <-> d.js <-> e.js, s.css"
        ),
        "{}",
        table.stdout
    );
}

#[test]
fn root_absolute_urls_resolve_against_the_public_path() {
    let t = TestDir::new();
    t.write("in/img/a.png", tiny_png());
    t.write("in/index.html", "<img src=\"/static/img/a.png\"><img src=\"/static/img/b.png\"><img src=\"/api/avatar.png\">");
    // Served at the root, all three name files that do not exist.
    let root = t.run(&["build", "in", "--out", "out", "--json"]);
    assert_eq!(root.warnings().len(), 3, "{:?}", root.warnings());
    // Served under /static/, only b.png is missing; /api/ is another app's.
    let run = t.run(&[
        "build", "in", "--out", "out", "--json", "--base", "/static/",
    ]);
    assert_eq!(
        run.warnings(),
        ["index.html:1:30: reference /static/img/b.png not found (no file img/b.png in the input); left as written"]
    );
    t.write("assetpress.toml", "base = \"static\"\n");
    assert_eq!(
        t.run(&["build", "in", "--out", "out", "--json"])
            .warnings()
            .len(),
        1
    );
}
