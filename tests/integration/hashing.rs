//! Content-hashed names with every reference rewritten: one fixture with
//! every kind of reference (`testdata/refs`), one test per kind; the traps
//! text replacement falls into, cycles, what a change renames, determinism,
//! the manifests and `assetpress verify`.

use std::collections::BTreeMap;

use crate::util::{
    assert_kept, assert_lacks, assert_refers, assert_same_trees, hash_in_name, manifest, tiny_png,
    tree, unhashed, variant_file, Built, TestDir,
};

/// `testdata/refs` built with `--json`, images as they are (`<picture>`
/// markup is tested in images.rs).
fn refs() -> &'static Built {
    TestDir::shared("refs", &["--json", "--no-images"])
}

#[test]
fn the_reference_fixture_warns_only_of_its_computed_import() {
    let w = refs().run.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].starts_with("js/main.js:13:8: import() of a computed URL"),
        "{w:?}"
    );
}

#[test]
fn verify_passes_on_the_reference_fixture() {
    let run = refs().verify(0);
    assert!(run.stdout.starts_with("ok: 40 files"), "{}", run.stdout);
}

#[test]
fn computed_and_bare_imports_are_counted_as_unresolved() {
    let totals = &refs().run.json()["totals"]["unresolved_imports"];
    assert_eq!(totals["bare"].as_u64(), Some(2), "{totals}");
    assert_eq!(totals["computed"].as_u64(), Some(1), "{totals}");
}

// Pages.

#[test]
fn link_stylesheet_icon_and_manifest_are_rewritten() {
    let b = refs();
    assert_refers(
        b,
        "index.html",
        r#"<link rel="stylesheet" href="css/app.[[css/app.css]].css">"#,
    );
    assert_refers(
        b,
        "index.html",
        r#"<link rel="icon" href="img/icon.[[img/icon.png]].png">"#,
    );
    assert_refers(
        b,
        "index.html",
        r#"<link rel="manifest" href="manifest.[[manifest.json]].json">"#,
    );
}

#[test]
fn root_absolute_link_is_rewritten() {
    assert_refers(
        refs(),
        "index.html",
        r#"<link rel="apple-touch-icon" href="/img/icon.[[img/icon.png]].png">"#,
    );
}

#[test]
fn preload_modulepreload_and_prefetch_are_rewritten() {
    let b = refs();
    assert_refers(
        b,
        "index.html",
        r#"<link rel="preload" href="fonts/a.[[fonts/a.woff2]].woff2" as="font""#,
    );
    assert_refers(
        b,
        "index.html",
        r#"<link rel="modulepreload" href="js/main.[[js/main.js]].js">"#,
    );
    assert_refers(
        b,
        "index.html",
        r#"<link rel="prefetch" href="js/lazy.[[js/lazy.js]].js">"#,
    );
}

#[test]
fn preload_imagesrcset_is_rewritten() {
    assert_refers(
        refs(),
        "index.html",
        r#"href="img/a.[[img/a.png]].png" imagesrcset="img/a.[[img/a.png]].png 1x, img/b.[[img/b.png]].png 2x""#,
    );
}

#[test]
fn import_map_entries_are_rewritten_and_outside_urls_kept() {
    assert_refers(
        refs(),
        "index.html",
        r#"{"imports": {"lib": "./js/lib.[[js/lib.js]].js", "react": "https://esm.sh/react"}}"#,
    );
}

#[test]
fn script_src_is_rewritten_for_modules_and_classic_scripts() {
    let b = refs();
    assert_refers(
        b,
        "index.html",
        r#"<script type="module" src="js/c1.[[js/c1.js]].js">"#,
    );
    assert_refers(
        b,
        "index.html",
        r#"<script src="js/myapp.[[js/myapp.js]].js"></script>"#,
    );
}

#[test]
fn a_file_named_in_a_string_keeps_its_name_and_the_report_says_where() {
    let b = refs();
    // js/main.js: `console.log(app.js, "app.js", …)` may load it by name.
    assert_kept(b, "index.html", r#"<script src="js/app.js"></script>"#);
    assert_eq!(
        b.kept("js/app.js"),
        serde_json::json!({"reason": "mentioned", "at": "js/main.js:10:13"})
    );
}

#[test]
fn files_reached_by_links_only_or_by_nothing_keep_their_names() {
    let b = refs();
    assert_eq!(b.kept("docs/guide.pdf")["reason"], "navigation");
    // `rel="alternate"` is read by feed readers, by its URL.
    assert_eq!(b.kept("feed.xml")["reason"], "mentioned");
    assert_eq!(b.kept("index.html")["reason"], "keep_names");
    assert_eq!(b.kept("img/a.png"), serde_json::Value::Null);
}

#[test]
fn inline_module_imports_are_rewritten_and_bare_imports_kept() {
    assert_refers(
        refs(),
        "index.html",
        "import { lib } from \"./js/lib.[[js/lib.js]].js\";\nimport \"lib\";",
    );
}

#[test]
fn inline_style_element_and_attribute_are_rewritten() {
    let b = refs();
    assert_refers(
        b,
        "index.html",
        ".hero { background: url(img/bg.[[img/bg.png]].png) }",
    );
    assert_refers(
        b,
        "index.html",
        r#"style="background-image: url('img/bg.[[img/bg.png]].png')""#,
    );
}

#[test]
fn img_srcset_is_rewritten_with_its_sizes() {
    assert_refers(
        refs(),
        "index.html",
        r#"srcset="img/a.[[img/a.png]].png 480w, img/b.[[img/b.png]].png 960w" sizes="50vw""#,
    );
}

#[test]
fn names_with_spaces_escaped_spaces_and_non_ascii_are_rewritten() {
    assert_refers(
        refs(),
        "index.html",
        r#"<img src="img/my photo.[[img/my photo.jpg]].jpg" alt=""><img src="img/my%20photo.[[img/my photo.jpg]].jpg" alt=""><img src="img/café.[[img/café.png]].png" alt="">"#,
    );
}

#[test]
fn picture_sources_are_rewritten() {
    assert_refers(
        refs(),
        "index.html",
        r#"<source srcset="img/b.[[img/b.png]].png" type="image/png"><source src="img/a.[[img/a.png]].png">"#,
    );
}

#[test]
fn video_poster_track_and_audio_are_rewritten() {
    let b = refs();
    assert_refers(
        b,
        "index.html",
        r#"<video src="media/clip.[[media/clip.mp4]].mp4" poster="img/poster.[[img/poster.png]].png"><track src="media/captions.[[media/captions.vtt]].vtt""#,
    );
    assert_refers(
        b,
        "index.html",
        r#"<audio src="media/sound.[[media/sound.mp3]].mp3">"#,
    );
}

#[test]
fn embed_object_iframe_and_image_input_are_rewritten() {
    let b = refs();
    assert_refers(
        b,
        "index.html",
        r#"<embed src="img/diagram.[[img/diagram.svg]].svg"><object data="img/diagram.[[img/diagram.svg]].svg">"#,
    );
    assert_refers(
        b,
        "index.html",
        r#"<iframe src="img/diagram.[[img/diagram.svg]].svg">"#,
    );
    assert_refers(
        b,
        "index.html",
        r#"<input type="image" src="img/button.[[img/button.png]].png""#,
    );
}

#[test]
fn links_to_files_are_rewritten_with_hash_links_to_pages_and_fragments_are_not() {
    // Links alone keep a file's name (its URL is public): renamed with --hash.
    assert_kept(
        refs(),
        "index.html",
        r##"<a href="docs/guide.pdf">guide</a> <a href="about.html">about</a>"##,
    );
    assert_refers(
        refs_hash_all(),
        "index.html",
        r##"<a href="docs/guide.[[docs/guide.pdf]].pdf">guide</a> <a href="about.html">about</a> <a href="#top">top</a>"##,
    );
}

/// The reference fixture, unminified, with every file renamed that the
/// naming rule would keep (`--hash`).
fn refs_hash_all() -> &'static Built {
    TestDir::shared(
        "refs",
        &[
            "--no-minify-js",
            "--no-minify-css",
            "--no-images",
            "--hash",
            "**",
        ],
    )
}

#[test]
fn inline_svg_use_and_image_are_rewritten() {
    let b = refs();
    assert_refers(
        b,
        "index.html",
        r#"<use href="img/sprite.[[img/sprite.svg]].svg#home""#,
    );
    assert_refers(
        b,
        "index.html",
        r#"<use xlink:href="img/sprite.[[img/sprite.svg]].svg#star""#,
    );
    assert_refers(b, "index.html", r#"<image href="img/a.[[img/a.png]].png""#);
}

#[test]
fn canonical_and_alternate_links_are_left_as_written() {
    let b = refs();
    assert_kept(
        b,
        "index.html",
        r#"<link rel="canonical" href="https://example.test/index.html">"#,
    );
    assert_kept(
        b,
        "index.html",
        r#"<link rel="alternate" type="application/rss+xml" href="feed.xml">"#,
    );
}

#[test]
fn page_comments_local_fragments_data_and_outside_urls_are_left_as_written() {
    let b = refs();
    assert_kept(
        b,
        "index.html",
        "/* .old { background: url(img/commented.png) } */",
    );
    assert_kept(b, "index.html", r##"<use href="#local"/>"##);
    assert_kept(
        b,
        "index.html",
        r#"<img src="data:image/svg+xml,%3Csvg%3E%3C/svg%3E" alt="">"#,
    );
    assert_kept(
        b,
        "index.html",
        r#"<img src="https://cdn.example.test/x.png" alt="">"#,
    );
}

#[test]
fn nothing_but_names_changes_in_a_page() {
    let b = refs();
    let page = unhashed(&b.path("out")).remove("index.html").unwrap();
    assert_eq!(
        String::from_utf8(page).unwrap(),
        b.read_string("refs/index.html")
    );
}

#[test]
fn root_absolute_and_dot_relative_urls_in_other_pages_are_rewritten() {
    let b = refs();
    assert_refers(b, "about.html", r#"href="/css/app.[[css/app.css]].css""#);
    assert_refers(b, "about.html", r#"src="./js/lazy.[[js/lazy.js]].js""#);
}

// Stylesheets.

#[test]
fn css_imports_are_rewritten_with_their_media() {
    assert_refers(
        refs(),
        "css/app.css",
        r#"@import "base.[[css/base.css]].css";@import "print.[[css/print.css]].css" print;"#,
    );
}

#[test]
fn css_font_urls_are_rewritten_keeping_query_and_fragment() {
    let b = refs();
    assert_refers(b, "css/app.css", "url(../fonts/a.[[fonts/a.woff2]].woff2)");
    assert_refers(
        b,
        "css/app.css",
        "url(../fonts/a.[[fonts/a.eot]].eot?#iefix)",
    );
    assert_refers(
        b,
        "css/app.css",
        "url(../fonts/b.[[fonts/b.woff2]].woff2?v=4.7.0)",
    );
}

#[test]
fn css_image_set_is_rewritten() {
    assert_refers(
        refs(),
        "css/app.css",
        "image-set(../img/a.[[img/a.png]].png 1x,../img/b.[[img/b.png]].png 2x)",
    );
}

#[test]
fn css_url_to_an_svg_fragment_is_rewritten() {
    assert_refers(
        refs(),
        "css/app.css",
        "url(../img/sprite.[[img/sprite.svg]].svg#home)",
    );
}

#[test]
fn css_data_urls_and_local_fragments_are_left_as_written() {
    let b = refs();
    assert_kept(b, "css/app.css", "%3Cpath fill='url(%23g)'");
    assert_kept(b, "css/app.css", "url(#clip)");
}

#[test]
fn css_comments_are_minified_away_with_their_urls() {
    assert_lacks(refs(), "css/app.css", "commented");
}

#[test]
fn root_absolute_css_urls_are_rewritten() {
    assert_refers(refs(), "css/base.css", "url(/img/bg.[[img/bg.png]].png)");
}

/// Regression: lightningcss refuses a relative url() in a custom property
/// (PDF.js's viewer.css), so the stylesheet was an error and the run
/// exited 1. It is minified, and the URL resolves from the stylesheet.
#[test]
fn css_urls_in_custom_properties_are_rewritten() {
    let b = TestDir::build("custom-property", &["--json"]);
    assert_eq!(b.run.warnings(), Vec::<String>::new());
    assert_eq!(b.run.json()["files"][3]["path"], "viewer.css");
    assert_eq!(b.run.json()["files"][3]["status"], "minified");
    assert_refers(
        &b,
        "viewer.css",
        r#":root{--toolbar-icon:url(images/toolbar.[[images/toolbar.svg]].svg);--closing-icon:url(images/closing.[[images/closing.svg]].svg);"#,
    );
    assert_refers(&b, "viewer.css", "url(images/logo.[[images/logo.svg]].svg)");
    assert_kept(
        &b,
        "viewer.css",
        "url(\"data:image/svg+xml;charset=UTF-8,<svg",
    );
    b.verify(0);
}

// Scripts.

#[test]
fn js_static_imports_and_reexports_are_rewritten() {
    let b = refs();
    assert_refers(b, "js/main.js", r#"from"./lib.[[js/lib.js]].js""#);
    assert_refers(
        b,
        "js/main.js",
        r#"export{helper}from"./util/helper.[[js/util/helper.js]].js""#,
    );
    assert_refers(b, "js/main.js", r#"export*from"./a.[[js/a.js]].js""#);
}

#[test]
fn js_workers_and_new_url_with_import_meta_are_rewritten() {
    let b = refs();
    assert_refers(
        b,
        "js/main.js",
        r#"new URL("./worker.[[js/worker.js]].js",import.meta.url)"#,
    );
    assert_refers(
        b,
        "js/main.js",
        r#"new Worker("/js/classic-worker.[[js/classic-worker.js]].js")"#,
    );
    assert_refers(
        b,
        "js/main.js",
        r#"new URL("../img/icon.[[img/icon.png]].png",import.meta.url)"#,
    );
}

#[test]
fn js_dynamic_import_is_rewritten() {
    assert_refers(
        refs(),
        "js/main.js",
        r#"import("./lazy.[[js/lazy.js]].js")"#,
    );
}

#[test]
fn js_bare_imports_and_strings_that_name_files_are_left_alone() {
    let b = refs();
    assert_kept(b, "js/main.js", r#"from"react""#);
    assert_kept(b, "js/main.js", r#""app.js""#);
}

#[test]
fn import_scripts_in_a_classic_worker_is_rewritten() {
    assert_refers(
        refs(),
        "js/classic-worker.js",
        r#"importScripts("./imported.[[js/imported.js]].js")"#,
    );
}

// Other text files.

#[test]
fn web_manifest_icons_screenshots_and_shortcut_icons_are_rewritten() {
    let b = refs();
    assert_refers(
        b,
        "manifest.json",
        r#""icons": [{"src": "img/icon.[[img/icon.png]].png""#,
    );
    assert_refers(
        b,
        "manifest.json",
        r#""screenshots": [{"src": "/img/poster.[[img/poster.png]].png""#,
    );
    assert_refers(
        b,
        "manifest.json",
        r#""url": "/about.html", "icons": [{"src": "img/button.[[img/button.png]].png""#,
    );
}

#[test]
fn svg_files_have_their_css_image_and_use_references_rewritten() {
    let b = refs();
    assert_refers(
        b,
        "img/sprite.svg",
        ".t { fill: url(texture.[[img/texture.png]].png); }",
    );
    assert_refers(
        b,
        "img/sprite.svg",
        r#"<image href="icon.[[img/icon.png]].png""#,
    );
    assert_refers(
        b,
        "img/sprite.svg",
        r#"<use xlink:href="diagram.[[img/diagram.svg]].svg#d""#,
    );
}

#[test]
fn svg_local_fragments_are_left_as_written() {
    let b = refs();
    assert_kept(b, "img/sprite.svg", r##"fill="url(#g)""##);
    assert_kept(b, "img/sprite.svg", ".s { fill: url(#g); }");
}

// Traps of text replacement.

/// `testdata/refs` built unminified, so every byte but the references stays
/// visible.
fn refs_unminified() -> &'static Built {
    TestDir::shared(
        "refs",
        &["--no-minify-js", "--no-minify-css", "--no-images"],
    )
}

#[test]
fn a_name_ending_in_another_name_is_rewritten_as_itself() {
    let b = refs_hash_all();
    let (app, myapp) = (b.hash("js/app.js"), b.hash("js/myapp.js"));
    assert_ne!(app, myapp);
    assert_kept(b, "index.html", &format!("src=\"js/myapp.{myapp}.js\""));
    assert_lacks(b, "index.html", &format!("my{app}"));
    assert_lacks(b, "index.html", "myapp.js\"");
}

#[test]
fn a_property_or_a_string_named_like_a_file_is_not_a_reference() {
    let b = refs_unminified();
    assert_kept(b, "js/main.js", "const app = { js: 1 };");
    assert_kept(
        b,
        "js/main.js",
        r#"console.log(app.js, "app.js", format(icon.href)"#,
    );
}

#[test]
fn urls_in_css_comments_and_data_urls_are_not_references() {
    let b = refs_unminified();
    assert_kept(
        b,
        "css/app.css",
        "/* .old { background: url(../img/commented.png) } */",
    );
    assert_kept(
        b,
        "css/app.css",
        "%3Cpath fill='url(%23g)' d='M0 0h1v1z'/%3E",
    );
}

#[test]
fn unminified_output_is_the_input_byte_for_byte_but_the_names() {
    let b = refs_unminified();
    assert_same_trees(&unhashed(&b.path("out")), &tree(&b.path("refs")));
    b.verify(0);
}

// The manifests.

/// `testdata/refs` built with every extra manifest format.
fn refs_with_manifests() -> &'static Built {
    TestDir::shared(
        "refs",
        &[
            "--json",
            "--manifest-format",
            "flat,vite",
            "--manifest-format",
            "propshaft,django",
            // The tests read names as `stem.<hash>.ext` (dashes: below).
            "--hash-separator",
            "dot",
        ],
    )
}

/// An extra manifest of the output, parsed.
#[track_caller]
fn read_json(b: &Built, name: &str) -> serde_json::Value {
    serde_json::from_slice(&b.read(&format!("out/{name}"))).unwrap()
}

#[test]
fn the_report_names_the_manifest() {
    let outputs = &refs_with_manifests().run.json()["outputs"];
    let manifest = outputs["manifest"].as_str().unwrap();
    assert!(
        manifest.ends_with("out/assetpress-manifest.json"),
        "{outputs}"
    );
}

#[test]
fn the_manifest_gives_its_version_hash_and_base() {
    let m = refs_with_manifests().manifest();
    assert_eq!(m["version"].as_u64(), Some(1));
    assert_eq!(m["hash"].as_str(), Some("sha256"));
    assert_eq!(m["base"].as_str(), Some("/"));
}

#[test]
fn a_manifest_entry_gives_file_map_integrity_and_sizes() {
    let b = refs_with_manifests();
    let entry = &b.manifest()["assets"]["css/app.css"];
    let app = b.fill("css/app.[[css/app.css]].css");
    assert_eq!(entry["file"], app.as_str());
    assert_eq!(entry["map"], format!("{app}.map").as_str());
    assert!(entry["integrity"].as_str().unwrap().starts_with("sha384-"));
    assert_eq!(
        entry["size"].as_u64(),
        Some(b.read(&format!("out/{app}")).len() as u64)
    );
    assert_eq!(
        entry["original_size"].as_u64(),
        Some(b.read("refs/css/app.css").len() as u64)
    );
}

#[test]
fn a_manifest_entry_lists_what_the_file_refers_to() {
    let entry = &refs_with_manifests().manifest()["assets"]["css/app.css"];
    assert_eq!(
        entry["references"],
        serde_json::json!([
            "css/base.css",
            "css/print.css",
            "fonts/a.eot",
            "fonts/a.woff2",
            "fonts/b.woff2",
            "img/a.png",
            "img/b.png",
            "img/sprite.svg"
        ])
    );
}

#[test]
fn the_flat_manifest_maps_inputs_to_outputs() {
    let b = refs_with_manifests();
    let flat = read_json(b, "rev-manifest.json");
    assert_eq!(
        flat["css/app.css"],
        b.fill("css/app.[[css/app.css]].css").as_str()
    );
    assert_eq!(flat["index.html"], "index.html");
}

#[test]
fn the_vite_manifest_lists_a_modules_file_imports_and_assets() {
    let b = refs_with_manifests();
    let main = &read_json(b, ".vite/manifest.json")["js/main.js"];
    assert_eq!(main["file"], b.fill("js/main.[[js/main.js]].js").as_str());
    assert_eq!(main["src"], "js/main.js");
    // Modules of `import`/`export … from` by key; workers and
    // `new URL()` files by file, as Vite lists them.
    assert_eq!(
        main["imports"],
        serde_json::json!(["js/a.js", "js/lib.js", "js/util/helper.js"])
    );
    assert_eq!(main["dynamicImports"], serde_json::json!(["js/lazy.js"]));
    assert_eq!(
        main["assets"],
        serde_json::json!([
            b.fill("img/icon.[[img/icon.png]].png"),
            b.fill("js/classic-worker.[[js/classic-worker.js]].js"),
            b.fill("js/worker.[[js/worker.js]].js")
        ])
    );
    assert_eq!(main["name"], "main");
    let lazy = &read_json(b, ".vite/manifest.json")["js/lazy.js"];
    assert_eq!(lazy["isDynamicEntry"], true);
    assert_eq!(lazy["name"], "lazy");
    assert!(main.get("isDynamicEntry").is_none());
}

#[test]
fn the_vite_manifest_marks_what_a_page_loads_as_an_entry() {
    let vite = read_json(refs_with_manifests(), ".vite/manifest.json");
    assert_eq!(vite["js/main.js"]["isEntry"], true);
    assert_eq!(vite["js/lib.js"]["isEntry"], true, "a page imports it");
    assert_eq!(vite["css/app.css"]["isEntry"], true);
    // An entry stylesheet has its name and file name, as Vite writes them.
    assert_eq!(vite["css/app.css"]["name"], "app");
    assert_eq!(vite["css/app.css"]["names"], serde_json::json!(["app.css"]));
    assert!(
        vite["js/util/helper.js"].get("isEntry").is_none(),
        "imported by a module only"
    );
}

#[test]
fn the_propshaft_manifest_gives_digested_path_and_integrity() {
    let b = refs_with_manifests();
    let app = &read_json(b, ".manifest.json")["css/app.css"];
    assert_eq!(
        app["digested_path"],
        b.fill("css/app.[[css/app.css]].css").as_str()
    );
    assert_eq!(
        app["integrity"],
        b.manifest()["assets"]["css/app.css"]["integrity"]
    );
}

#[test]
fn the_django_manifest_gives_version_paths_and_hash() {
    let b = refs_with_manifests();
    let django = read_json(b, "staticfiles.json");
    assert_eq!(django["version"], "1.1");
    assert_eq!(
        django["paths"]["css/app.css"],
        b.fill("css/app.[[css/app.css]].css").as_str()
    );
    assert_eq!(django["hash"].as_str().unwrap().len(), 12);
}

#[test]
fn the_django_manifest_resolves_hashed_names_maps_variants_and_whitenoises_keys() {
    let b = TestDir::build("site", &["--manifest-format", "django", "--widths", "480"]);
    let m = b.manifest();
    let paths = read_json(&b, "staticfiles.json")["paths"].clone();
    let app = m["assets"]["js/app.js"]["file"].as_str().unwrap();
    let map = m["assets"]["js/app.js"]["map"].as_str().unwrap();
    let webp = variant_file(&m, "images/hero-valley.jpg", "webp");
    let stem = app.strip_suffix(".js").unwrap();
    for (key, file) in [
        ("js/app.js", app),
        (app, app),
        ("js/app.js.map", map),
        (map, map),
        // WhiteNoise's name for the map: the extension before the last dropped.
        (&format!("{stem}.map"), map),
        (&webp, &webp),
        ("images/hero-valley-480w.webp", &webp),
    ] {
        assert_eq!(paths[key], file, "{key}");
    }
}

#[test]
fn verify_tells_a_staticfiles_json_rewritten_after_the_build() {
    let b = TestDir::build("site", &["--manifest-format", "django"]);
    b.verify(0);
    // What `collectstatic` into the output leaves: its own manifest.
    let mut django = read_json(&b, "staticfiles.json");
    django["paths"]["js/app.js"] = "js/app.0123456789ab.js".into();
    b.write("out/staticfiles.json", serde_json::to_vec(&django).unwrap());
    let run = b.verify(1);
    assert!(
        run.stderr.contains("staticfiles.json") && run.stderr.contains("collectstatic"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_django_manifest_in_the_input_is_a_warning() {
    let t = TestDir::new();
    t.write("in/css/a.css", "a{color:red}");
    t.write(
        "in/staticfiles.json",
        r#"{"paths":{"css/a.css":"css/a.0123456789ab.css"},"version":"1.1"}"#,
    );
    let run = t.run(&["build", "in", "--out", "out", "--json"]);
    run.expect_code(0);
    assert!(
        run.warnings()
            .iter()
            .any(|w| w.contains("staticfiles.json") && w.contains("StaticFilesStorage")),
        "{:?}",
        run.warnings()
    );
}

#[test]
fn verify_passes_with_every_manifest_format() {
    refs_with_manifests().verify(0);
}

// Smaller fixtures and other flags.

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
    let h = hash_in_name(&t, "out", "img/a.png");
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
    assert_eq!(
        hash_in_name(&t, "one", "js/a.js"),
        hash_in_name(&t, "one", "js/b.js")
    );
    assert_eq!(
        hash_in_name(&t, "one", "js/c1.js"),
        hash_in_name(&t, "one", "js/c3.js")
    );
    // Each member names the others by their final names.
    let h = hash_in_name(&t, "one", "js/a.js");
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
    let h = hash_in_name(&t, "out", "css/app.css");
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
            hash_in_name(&t, "out", "img/my photo.jpg")
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
fn files_that_are_not_parsed_keep_the_names_they_mention() {
    let t = TestDir::new();
    t.write("in/bg.png", tiny_png());
    t.write("in/app.css", ".a { background: url(bg.png) }\n");
    // Over --max-text-size: not even parsed (that alone could take GBs), so
    // the file it names keeps its name.
    let run = t.run(&[
        "build",
        "in",
        "--out",
        "out",
        "--max-text-size",
        "10",
        "--json",
    ]);
    run.expect_code(0);
    assert_eq!(
        t.read_out_string("out", "app.css"),
        t.read_string("in/app.css")
    );
    assert!(t.path("out/bg.png").exists());
    let app = &run.json()["files"][0];
    assert_eq!(app["left_as_is"], "too_large", "{app}");
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
    let h = hash_in_name(&t, "out", "icon.png");
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

/// Regression: `/../x.png` (a browser stays at the root: `/x.png`) was left
/// as written, and 404ed once `x.png` was renamed.
#[test]
fn dot_dot_above_the_root_resolves_as_a_browser_does() {
    let t = TestDir::new();
    t.write("in/img/x.png", b"not really a png".as_slice());
    t.write(
        "in/css/a.css",
        ".a{background:url(../../img/x.png)}.b{background:url(/../img/x.png)}",
    );
    t.write("in/index.html", "<link rel=stylesheet href=/../css/a.css>");
    t.run(&["build", "in", "--out", "out", "--no-images"])
        .expect_code(0);
    let png = t.out_path("out", "img/x.png");
    let png = png.rsplit('/').next().unwrap();
    assert!(png.starts_with("x.") && png != "x.png", "{png}");
    let css = t.read_out_string("out", "css/a.css");
    assert_eq!(css.matches(png).count(), 2, "{css}");
    let page = t.read_string("out/index.html");
    let css_name = t.out_path("out", "css/a.css");
    assert!(page.contains(css_name.trim_start_matches("out/")), "{page}");
}

/// Regression: verify missed an edited source map and files the manifest
/// does not list.
#[test]
fn verify_finds_an_edited_map_and_files_the_build_did_not_write() {
    let b = TestDir::build("refs", &["--quiet", "--manifest-format", "vite,django"]);
    b.verify(0);
    let map = b.out_path("out", "js/main.js.map");
    let mut bytes = b.read(&map);
    bytes.insert(1, b' ');
    b.write(&map, bytes);
    b.write("out/js/extra.js", "alert(1)");
    b.write("out/js/extra.js.gz", "not even gzip");
    let run = b.verify(1);
    let map_name = &map["out/".len()..];
    for expected in [
        format!("error: {map_name}: integrity mismatch: the source map was changed"),
        "error: js/extra.js: not listed in the manifest".to_string(),
        "error: js/extra.js.gz: not listed in the manifest".to_string(),
    ] {
        assert!(
            run.stderr.contains(&expected),
            "missing {expected}:\n{}",
            run.stderr
        );
    }
    // The other manifests are files the build wrote.
    assert!(!run.stderr.contains("staticfiles.json"), "{}", run.stderr);
    assert!(
        !run.stderr.contains(".vite/manifest.json"),
        "{}",
        run.stderr
    );
}

/// Regression: verify read manifest paths outside the output
/// (`../../../etc/passwd`) and reported on them.
#[test]
fn verify_reads_nothing_outside_the_output() {
    let b = TestDir::build("site", &["--quiet"]);
    let path = b.path("out/assetpress-manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    m["assets"]["index.html"]["file"] = "../../../../../../etc/passwd".into();
    std::fs::write(&path, serde_json::to_vec(&m).unwrap()).unwrap();
    let run = b.verify(1);
    assert!(
        run.stderr.contains("a path outside the output; not read"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("bytes, the manifest says"),
        "{}",
        run.stderr
    );
}

/// Regression: a `.gz` bomb beside a file was inflated without bound.
#[test]
fn verify_inflates_a_compressed_copy_no_further_than_its_file() {
    use std::io::Write;
    let b = TestDir::build("site", &["--quiet"]);
    let page = b.path("out/index.html");
    let size = std::fs::metadata(&page).unwrap().len();
    // 64 MiB of zeros in about 64 KB; verify must stop reading just past
    // the page's size.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        gz.write_all(&zeros).unwrap();
    }
    std::fs::write(b.path("out/index.html.gz"), gz.finish().unwrap()).unwrap();
    let run = b.verify(1);
    assert!(
        run.stderr
            .contains("index.html.gz: does not decompress to index.html"),
        "{}",
        run.stderr
    );
    assert!(size < 1 << 20);
}

#[test]
fn dash_joined_hashes_name_files_as_propshaft_does_and_verify_reads_them() {
    // The Propshaft manifest brings dash-joined names unless told otherwise.
    let t = TestDir::build("site", &["--manifest-format", "propshaft"]);
    let m = t.manifest();
    assert_eq!(m["hash_separator"], "dash");
    let dom = m["assets"]["js/lib/dom.js"]["file"].as_str().unwrap();
    assert!(
        dom.len() == "js/lib/dom-12345678.js".len() && dom.starts_with("js/lib/dom-"),
        "{dom}"
    );
    let webp = variant_file(&m, "images/hero-valley.jpg", "webp");
    assert!(webp.starts_with("images/hero-valley-480w-"), "{webp}");
    // References name the dash-joined files, and the snippet matches them.
    let app = t.read_out_string("out", "js/app.js");
    assert!(
        app.contains(&dom["js/".len()..]) || app.contains(dom),
        "{app}"
    );
    let snippet = t.read_string("out.nginx.conf");
    assert!(
        snippet.contains("location ~ \"-[0-9a-f]{8}(?:\\.[^./]+)?(?:\\.map)?$\""),
        "{snippet}"
    );
    t.verify(0);

    // Asked for, dots stay.
    let dots = TestDir::build(
        "site",
        &["--manifest-format", "propshaft", "--hash-separator", "dot"],
    );
    let m = dots.manifest();
    assert!(m["hash_separator"].is_null());
    let dom = m["assets"]["js/lib/dom.js"]["file"].as_str().unwrap();
    assert!(dom.starts_with("js/lib/dom."), "{dom}");
    dots.verify(0);
}

#[test]
fn the_vite_manifest_tells_import_calls_from_preload_lists_and_keeps_an_entrys_styles() {
    let t = TestDir::new();
    t.write(
        "in/index.html",
        r#"<!doctype html><link rel="stylesheet" href="/assets/index-EEEEEEE5.css">
<link rel="modulepreload" href="/assets/shared-CCCCCCC3.js">
<script type="module" src="/assets/index-AAAAAAA1.js"></script>"#,
    );
    t.write(
        "in/assets/index-AAAAAAA1.js",
        r#"const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=["assets/lazy-BBBBBBB2.js","assets/shared-CCCCCCC3.js","assets/lazy-DDDDDDD4.css"])))=>i.map(i=>d[i]);
import { x } from "./shared-CCCCCCC3.js";
document.body.onclick = () => import("./lazy-BBBBBBB2.js").then((m) => m.run(x));
"#,
    );
    t.write(
        "in/assets/lazy-BBBBBBB2.js",
        "import { x } from \"./shared-CCCCCCC3.js\";\nexport const run = (y) => console.log(x + y);\n",
    );
    t.write("in/assets/shared-CCCCCCC3.js", "export const x = 1;\n");
    t.write("in/assets/lazy-DDDDDDD4.css", ".lazy { color: red }\n");
    t.write("in/assets/index-EEEEEEE5.css", "body { margin: 0 }\n");
    t.run(&[
        "build",
        "in",
        "--out",
        "out",
        "--manifest-format",
        "vite",
        "--quiet",
    ])
    .expect_code(0);
    let vite: serde_json::Value =
        serde_json::from_slice(&t.read("out/.vite/manifest.json")).unwrap();
    let entry = &vite["assets/index-AAAAAAA1.js"];
    assert_eq!(entry["isEntry"], true, "{entry}");
    assert_eq!(entry["name"], "index");
    assert_eq!(
        entry["imports"],
        serde_json::json!(["assets/shared-CCCCCCC3.js"])
    );
    // The preload list's files are not the entry's own `import()`s.
    assert_eq!(
        entry["dynamicImports"],
        serde_json::json!(["assets/lazy-BBBBBBB2.js"])
    );
    // The page preloads the shared chunk the entry imports: still its styles.
    assert_eq!(
        entry["css"],
        serde_json::json!(["assets/index-EEEEEEE5.css"])
    );
    let shared = &vite["assets/shared-CCCCCCC3.js"];
    assert!(shared.get("isDynamicEntry").is_none(), "{shared}");
    let lazy = &vite["assets/lazy-BBBBBBB2.js"];
    assert_eq!(lazy["isDynamicEntry"], true);
    assert_eq!(lazy["css"], serde_json::json!(["assets/lazy-DDDDDDD4.css"]));
    assert_eq!(
        lazy["imports"],
        serde_json::json!(["assets/shared-CCCCCCC3.js"])
    );
}
