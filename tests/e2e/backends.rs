//! Real backends reading the output's manifests unchanged: Django's
//! `ManifestStaticFilesStorage`, WhiteNoise's `CompressedManifestStaticFilesStorage`
//! and django-vite (pinned in tests/backends/requirements.txt), with the
//! output as `STATIC_ROOT` and no `collectstatic`.

use std::path::Path;
use std::process::Command;

use crate::util::{manifest, py_tools, repo, Built, TestDir};

/// The demo site built for Django: served under `/static/`, with the Vite
/// and Django manifests.
fn built() -> Built {
    TestDir::build(
        "site",
        &[
            "--base",
            "/static/",
            "--manifest-format",
            "vite,django",
            "--widths",
            "480,960",
        ],
    )
}

/// The JSON a checker script prints on success.
#[track_caller]
fn json_of(command: &mut Command) -> serde_json::Value {
    let run = command.output().unwrap();
    assert!(
        run.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    serde_json::from_slice(&run.stdout).unwrap()
}

/// What `tests/backends/django_check.py` saw with `storage`.
fn django(t: &TestDir, storage: &str, names: &[&str]) -> serde_json::Value {
    json_of(
        Command::new(py_tools())
            .arg(repo().join("tests/backends/django_check.py"))
            .arg(t.path("out"))
            .arg(storage)
            .args(names),
    )
}

/// Names to resolve: a page's script and stylesheet (which keep their names
/// in the demo site: its pages name them root-absolute, outside `/static/`)
/// and a module whose name is hashed.
const NAMES: &[&str] = &["js/app.js", "css/main.css", "js/lib/lazy-chart.js"];

#[test]
fn django_and_django_vite_resolve_every_name_with_either_storage() {
    let t = built();
    let m = t.manifest();
    let file = |k: &str| m["assets"][k]["file"].as_str().unwrap().to_string();
    for storage in ["manifest", "whitenoise"] {
        let r = django(&t, storage, NAMES);
        assert_eq!(r["checks"], serde_json::json!([]), "{storage}");
        for name in NAMES {
            assert_eq!(
                r["static"][name]["ok"],
                format!("/static/{}", file(name)).as_str(),
                "{storage}: {{% static '{name}' %}}: {}",
                r["static"][name]
            );
        }
        // Every published file resolves under its own name, as django-vite
        // (and any code holding a hashed name) asks for it.
        let urls = r["url"].as_object().unwrap();
        assert!(urls.len() > 20, "{storage}: {urls:?}");
        for (name, got) in urls {
            assert_eq!(
                got["ok"],
                format!("/static/{name}").as_str(),
                "{storage}: staticfiles_storage.url('{name}'): {got}"
            );
        }
        // {% vite_asset %} writes each script as the manifest names it.
        for name in ["js/app.js", "js/lib/lazy-chart.js"] {
            let tag = r["vite_asset"][name]["ok"].as_str().unwrap_or_else(|| {
                panic!("{storage}: {{% vite_asset %}}: {}", r["vite_asset"][name])
            });
            assert!(
                tag.contains(&format!("src=\"/static/{}\"", file(name))),
                "{storage}: {tag}"
            );
            assert!(tag.contains("type=\"module\""), "{storage}: {tag}");
        }
        assert_ne!(file("js/lib/lazy-chart.js"), "js/lib/lazy-chart.js");
    }
}

#[test]
fn whitenoise_serves_every_hashed_file_variant_and_map_as_immutable() {
    let t = built();
    let m = t.manifest();
    let r = django(&t, "whitenoise", NAMES);
    let served = r["served"].as_object().unwrap();
    let (mut variants, mut maps, mut hashed) = (0, 0, 0);
    for (key, entry) in m["assets"].as_object().unwrap() {
        let file = entry["file"].as_str().unwrap();
        let renamed = file != key;
        let mut immutable = vec![];
        if renamed {
            hashed += 1;
            immutable.push(file.to_string());
            if let Some(map) = entry["map"].as_str() {
                maps += 1;
                immutable.push(map.to_string());
            }
        }
        for v in entry["variants"].as_array().into_iter().flatten() {
            variants += 1;
            immutable.push(v["file"].as_str().unwrap().to_string());
        }
        for name in immutable {
            let s = &served[&name];
            assert_eq!(s["status"], 200, "{name}: {s}");
            let cache = s["cache_control"].as_str().unwrap_or("");
            assert!(
                cache.contains("immutable"),
                "{name} is served with {cache:?}"
            );
        }
        if !renamed && key.ends_with(".html") {
            let cache = served[file]["cache_control"].as_str().unwrap_or("");
            assert!(!cache.contains("immutable"), "{file}: {cache}");
        }
    }
    assert!(
        hashed >= 5 && maps >= 3 && variants >= 4,
        "{hashed} {maps} {variants}"
    );
    // The precompressed copies are what WhiteNoise sends to a client that takes them.
    let css = m["assets"]["css/main.css"]["file"].as_str().unwrap();
    assert_eq!(served[css]["content_encoding"], "br", "{}", served[css]);
}

/// What `tests/backends/propshaft_check.rb` (Propshaft's reading and
/// cleaning logic, in Debian's Ruby) makes of the output `out`.
fn propshaft(out: &Path, count: u32, age: u32) -> serde_json::Value {
    crate::util::require_tool("ruby", "apt-get install ruby");
    json_of(
        Command::new("ruby")
            .arg(repo().join("tests/backends/propshaft_check.rb"))
            .arg(out)
            .arg(count.to_string())
            .arg(age.to_string()),
    )
}

#[test]
fn propshaft_resolves_every_name_and_assets_clean_removes_only_old_versions() {
    let t = TestDir::with_fixture("site");
    let build = |out: &str| {
        t.run(&[
            "build",
            "site",
            "--out",
            out,
            "--manifest-format",
            "propshaft",
            "--widths",
            "480",
            "--precompress",
            "none",
            "--quiet",
        ])
        .expect_code(0);
    };
    build("v1");
    let m = manifest(&t.path("v1"));
    let r = propshaft(&t.path("v1"), 2, 3600);
    // The manifest: Propshaft 1.2's shape with main's `app`.
    let entry = &r["entries"]["css/main.css"];
    let css = m["assets"]["css/main.css"]["file"].as_str().unwrap();
    assert_eq!(entry["digested_path"], css);
    assert_eq!(entry["integrity"], m["assets"]["css/main.css"]["integrity"]);
    assert_eq!(entry["app"], true);
    assert_eq!(
        r["resolved"]["css/main.css"],
        format!("/assets/{css}").as_str()
    );
    // Propshaft reads the logical path and digest off every hashed name:
    // the file, its map and its variants.
    let files = &r["files"];
    let mut hashed = 0;
    for (key, e) in m["assets"].as_object().unwrap() {
        let file = e["file"].as_str().unwrap();
        if file == key {
            assert!(files[file]["digest"].is_null(), "{file}: {}", files[file]);
            continue;
        }
        hashed += 1;
        assert_eq!(files[file]["logical_path"], key.as_str(), "{file}");
        if let Some(map) = e["map"].as_str() {
            assert_eq!(
                files[map]["logical_path"],
                format!("{key}.map").as_str(),
                "{map}"
            );
        }
        for v in e["variants"].as_array().into_iter().flatten() {
            let v = v["file"].as_str().unwrap();
            assert!(files[v]["digest"].is_string(), "{v}");
        }
    }
    assert!(hashed >= 5, "{hashed}");

    // A deploy keeps the old versions beside the new; an hour later,
    // `assets:clean[0]` (no old versions kept beyond the hour) removes the
    // old versions and nothing else.
    let old = std::fs::read(t.path("site/css/base.css")).unwrap();
    t.write(
        "site/css/base.css",
        [&old[..], b"\n.new { color: red }\n"].concat(),
    );
    build("v2");
    let public = t.path("public");
    crate::util::copy_tree(&t.path("v1"), &public);
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    for entry in walkdir::WalkDir::new(&public).into_iter().flatten() {
        if entry.file_type().is_file() {
            let f = std::fs::File::options()
                .write(true)
                .open(entry.path())
                .unwrap();
            f.set_modified(hour_ago).unwrap();
        }
    }
    crate::util::copy_tree(&t.path("v2"), &public);
    let r = propshaft(&public, 0, 3600);
    let v1: std::collections::BTreeSet<String> =
        crate::util::tree(&t.path("v1")).into_keys().collect();
    let v2: std::collections::BTreeSet<String> =
        crate::util::tree(&t.path("v2")).into_keys().collect();
    let mut expected: Vec<&String> = v1.difference(&v2).collect();
    expected.sort();
    assert!(
        expected.iter().any(|f| f.starts_with("css/base-")),
        "{expected:?}"
    );
    assert_eq!(r["removed"], serde_json::json!(expected));
}
