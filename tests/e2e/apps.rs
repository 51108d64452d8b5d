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
