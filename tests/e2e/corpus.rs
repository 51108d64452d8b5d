//! Real inputs from `../shared/corpus/fetch.sh`: real libraries keep their
//! behaviour after minification (checked by running them in node), real
//! stylesheets still parse, real sites build, real input maps compose.

use std::process::Command;

use crate::util::{corpus, node_tools, repo, require_tool, tree, tree_by_original, TestDir};

fn build(input: &std::path::Path, out: &std::path::Path) -> serde_json::Value {
    let o = Command::new(env!("CARGO_BIN_EXE_assetpress"))
        .env("XDG_CACHE_HOME", out.with_extension("cache"))
        .env(
            "XDG_CONFIG_HOME",
            out.with_extension("cache").join("config"),
        )
        .args([
            "build".as_ref(),
            input.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
            "--json".as_ref(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.code().is_some_and(|c| c <= 1),
        "{}: {}",
        input.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_str(&stdout).unwrap()
}

#[test]
fn js_libraries_compute_the_same_results_minified() {
    require_tool("node", "apt-get install nodejs");
    let tools = node_tools();
    let js = corpus().join("js");
    let t = TestDir::new();
    let report = build(&js, &t.path("out"));
    assert_eq!(
        report["errors"].as_array().unwrap().len(),
        0,
        "{}",
        report["errors"]
    );
    // Every library is smaller; the checker then runs real calls on both builds.
    for f in report["files"].as_array().unwrap() {
        if f["kind"] == "js" {
            assert_eq!(f["status"], "minified", "{f}");
            let (inb, outb) = (
                f["bytes_in"].as_u64().unwrap(),
                f["bytes_out"].as_u64().unwrap(),
            );
            assert!(outb * 10 < inb * 7, "{f}");
        }
    }
    let o = Command::new("node")
        .arg(repo().join("tests/js-semantics/check.mjs"))
        .arg(&js)
        .arg(t.path("out"))
        .env("ASSETPRESS_NODE_TOOLS", tools)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "semantics differ:\n{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let libraries = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "js")
        .count();
    assert!(
        stdout.contains(&format!("{libraries} passed, 0 failed")),
        "{stdout}"
    );
}

#[test]
fn real_stylesheets_minify_and_reparse() {
    let c = corpus();
    let t = TestDir::new();
    for dir in ["css", "fonts/inter"] {
        let out = t.path(dir);
        let report = build(&c.join(dir), &out);
        assert_eq!(
            report["errors"].as_array().unwrap().len(),
            0,
            "{}",
            report["errors"]
        );
        for (rel, bytes) in tree_by_original(&out) {
            if !rel.ends_with(".css") {
                continue;
            }
            let text = String::from_utf8(bytes).unwrap();
            let orig = std::fs::metadata(c.join(dir).join(&rel)).unwrap().len();
            assert!((text.len() as u64) < orig, "{rel} not smaller");
            let opts = lightningcss::stylesheet::ParserOptions::default();
            let reparsed = lightningcss::stylesheet::StyleSheet::parse(&text, opts)
                .map(|_| ())
                .map_err(|e| e.to_string());
            if let Err(e) = reparsed {
                panic!("{dir}/{rel}: minified output does not re-parse: {e}");
            }
        }
    }
    // semantic.css has a rule lightningcss cannot parse strictly: it is a
    // warning with a location, and the rest of the file is kept.
    let report = build(&c.join("css"), &t.path("css2"));
    let w = report["warnings"].to_string();
    assert!(w.contains("semantic.css"), "{w}");
}

#[test]
fn real_sites_build_verify_and_swagger_maps_compose() {
    require_tool("python3", "apt-get install python3");
    let c = corpus();
    let t = TestDir::new();
    for site in ["html5-boilerplate", "agency", "swagger-ui", "reveal"] {
        let out = t.path(site);
        let report = build(&c.join("sites").join(site), &out);
        assert_eq!(
            report["errors"].as_array().unwrap().len(),
            0,
            "{site}: {}",
            report["errors"]
        );
        let built = tree_by_original(&out);
        for input in tree(&c.join("sites").join(site)).keys().filter(|k| {
            !k.ends_with(".map")
                && !k
                    .split('/')
                    .any(|c| c.starts_with('.') && c != ".well-known")
        }) {
            assert!(
                built.contains_key(input),
                "{site}: {input} is not in the output"
            );
        }
        // assetpress's own check, then an independent one.
        let v = t.run(&["verify", site]);
        v.expect_code(0);
        assert!(v.stdout.starts_with("ok: "), "{site}: {}", v.stdout);
        let check = Command::new("python3")
            .arg(repo().join("tests/refcheck.py"))
            .arg(c.join("sites").join(site))
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "{site}: a reference that resolved in the input does not in the output:\n{}{}",
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        );
    }
    // swagger-ui-dist ships swagger-ui.js with swagger-ui.js.map from its own
    // sources: the new map must still name those sources.
    let map: serde_json::Value = serde_json::from_slice(
        &std::fs::read(t.path(&t.out_path("swagger-ui", "swagger-ui.js.map"))).unwrap(),
    )
    .unwrap();
    let sources = map["sources"].as_array().unwrap();
    assert!(
        sources.len() > 50,
        "original module sources kept: {}",
        sources.len()
    );
    assert!(
        sources
            .iter()
            .any(|s| s.as_str().unwrap().contains("src/core")),
        "{:?}",
        &sources[..5]
    );
}
