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
