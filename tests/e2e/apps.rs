//! The small apps of `tests/apps/`, each built by its real bundler (Vite,
//! webpack, Rollup, esbuild, Parcel: `scripts/build-apps`), then by
//! assetpress with the defaults: served by nginx as the bundler wrote them
//! and as assetpress built them (with its snippet), each must work the same
//! in Chromium — the lazy chunk runs, the worker answers, the imported
//! photo and the CSS font load (the page's title becomes `ok`), no request
//! fails and no console error appears that the original did not have, and
//! the screenshots match.

use std::path::PathBuf;

use crate::browser::check_site;
use crate::util::target_dir;

/// Where `scripts/build-apps` put the apps' builds.
fn apps() -> PathBuf {
    std::env::var_os("ASSETPRESS_APPS")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("apps"))
}

#[test]
fn bundler_apps_work_the_same_in_chromium_after_assetpress() {
    for name in ["esbuild", "parcel", "rollup", "vite", "webpack"] {
        let dist = apps().join(name).join("dist");
        assert!(
            dist.join("index.html").exists(),
            "{} is missing: run scripts/build-apps (scripts/test does), with npm and network for its first run",
            dist.display()
        );
        for page in check_site(&format!("app-{name}"), &dist) {
            for side in ["orig", "built"] {
                assert_eq!(
                    page[side]["title"], "ok",
                    "{name} {side}: the app did not finish: {page}"
                );
            }
        }
    }
}

/// The manifests the bundlers wrote (Vite's `.vite/manifest.json`,
/// webpack-manifest-plugin's `manifest.json`, esbuild's `meta.json`) come
/// out byte-identical, and every file they name is in the output under
/// that name.
#[test]
fn bundler_manifests_stay_true() {
    for (name, manifest) in [
        ("vite", ".vite/manifest.json"),
        ("webpack", "manifest.json"),
        ("esbuild", "meta.json"),
    ] {
        let dist = apps().join(name).join("dist");
        let before = std::fs::read(dist.join(manifest))
            .unwrap_or_else(|e| panic!("{name}: {manifest}: {e} (run scripts/build-apps)"));
        let t = crate::util::TestDir::new();
        let out = t.path("out");
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_assetpress"))
            .env("XDG_CACHE_HOME", t.cache_home())
            .env("XDG_CONFIG_HOME", t.cache_home().join("config"))
            .arg("build")
            .arg(&dist)
            .arg("--out")
            .arg(&out)
            .arg("--quiet")
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(
            std::fs::read(out.join(manifest)).unwrap(),
            before,
            "{name}: {manifest} changed"
        );
        // Every string of the manifest that names a file of the bundle
        // names one of the output.
        let json: serde_json::Value = serde_json::from_slice(&before).unwrap();
        let mut strings = Vec::new();
        collect_strings(&json, &mut strings);
        let mut named = 0;
        for s in strings {
            // esbuild's metafile names outputs from its working folder.
            let rel = s.trim_start_matches('/');
            let rel = rel.strip_prefix("dist/").unwrap_or(rel);
            if !rel.is_empty() && dist.join(rel).is_file() {
                named += 1;
                assert!(
                    out.join(rel).is_file(),
                    "{name}: {manifest} names {s}, not in the output"
                );
            }
        }
        assert!(named >= 3, "{name}: {manifest} names only {named} files");
    }
}

/// Every string in `v`, object keys included.
fn collect_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        serde_json::Value::Object(o) => {
            for (k, x) in o {
                out.push(k.clone());
                collect_strings(x, out);
            }
        }
        _ => {}
    }
}

/// The Vite manifest assetpress writes for the Vite app's output (its own
/// `.vite/manifest.json` left out) says what Vite's says for the same
/// files: the same fields on every chunk, the same entries, dynamic
/// entries, names, imports (as keys) and stylesheets.
#[test]
fn the_vite_manifest_says_what_vites_own_says() {
    let dist = apps().join("vite").join("dist");
    let theirs: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dist.join(".vite/manifest.json")).expect("run scripts/build-apps"),
    )
    .unwrap();
    let t = crate::util::TestDir::new();
    crate::util::copy_tree(&dist, &t.path("in"));
    std::fs::remove_dir_all(t.path("in/.vite")).unwrap();
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
    let ours: serde_json::Value =
        serde_json::from_slice(&t.read("out/.vite/manifest.json")).unwrap();
    // Vite keys chunks by source; ours by input file, which is Vite's `file`.
    // The strings of a list, each through `f`, sorted.
    let sorted = |v: &serde_json::Value, f: &dyn Fn(&str) -> String| -> Vec<String> {
        let mut all: Vec<String> = v
            .as_array()
            .into_iter()
            .flatten()
            .map(|k| f(k.as_str().unwrap()))
            .collect();
        all.sort();
        all
    };
    let files = |v: &serde_json::Value| sorted(v, &|k| k.to_string());
    let file_in = |manifest: &serde_json::Value, v: &serde_json::Value| {
        sorted(v, &|k| manifest[k]["file"].as_str().unwrap().to_string())
    };
    let mut chunks = 0;
    for (key, chunk) in theirs.as_object().unwrap() {
        let file = chunk["file"].as_str().unwrap();
        // Workers are bundles of their own; Vite marks them so.
        if !file.ends_with(".js") || chunk.get("isWorker").is_some() {
            continue;
        }
        chunks += 1;
        let our = &ours[file];
        assert!(our.is_object(), "{file} ({key}) missing: {ours}");
        let fields = |c: &serde_json::Value| -> Vec<String> {
            let mut f: Vec<String> = c.as_object().unwrap().keys().cloned().collect();
            // Vite lists the files a chunk's stylesheets load too.
            f.retain(|k| k != "assets");
            f.sort();
            f
        };
        assert_eq!(
            fields(our),
            fields(chunk),
            "{file}: ours {our}, Vite's {chunk}"
        );
        for flag in ["isEntry", "isDynamicEntry", "name"] {
            assert_eq!(our.get(flag), chunk.get(flag), "{file}: {flag}");
        }
        assert_eq!(files(&our["css"]), files(&chunk["css"]), "{file}: css");
        for list in ["imports", "dynamicImports"] {
            assert_eq!(
                file_in(&ours, &our[list]),
                file_in(&theirs, &chunk[list]),
                "{file}: {list}"
            );
        }
        // What the chunk itself loads is among what Vite lists for it.
        let their_assets = files(&chunk["assets"]);
        for a in files(&our["assets"]) {
            assert!(
                their_assets.contains(&a),
                "{file}: asset {a} not in {their_assets:?}"
            );
        }
    }
    assert_eq!(chunks, 2, "the entry and the lazy chunk");
}
