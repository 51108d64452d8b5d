//! The cache of transform results: a warm run is byte-identical to a cold
//! one, anything that changes a result misses, corrupt entries are
//! recomputed, concurrent runs share it safely, and `--no-cache` leaves no trace.

use crate::util::{tree, TestDir};

/// Hits and misses of `kind` in a `--json` report.
fn counts(report: &serde_json::Value, kind: &str) -> (u64, u64) {
    let c = &report["totals"]["cache"][kind];
    (
        c["hits"].as_u64().unwrap_or(0),
        c["misses"].as_u64().unwrap_or(0),
    )
}

fn build(t: &TestDir, out: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "build", "site", "--out", out, "--json", "--widths", "480,960",
    ];
    args.extend_from_slice(extra);
    let r = t.run(&args);
    r.expect_code(0);
    r.json()
}

#[test]
fn a_warm_run_is_identical_and_computes_nothing_again() {
    let t = TestDir::with_fixture("site");
    let cold = build(&t, "a", &[]);
    let (hits, misses) = counts(&cold, "image");
    assert_eq!(hits, 0);
    assert!(misses >= 4, "{}", cold["totals"]["cache"]);
    assert!(counts(&cold, "precompress").1 >= 6);
    assert!(t.cache_home().join("assetpress/v3").is_dir());

    let warm = build(&t, "b", &[]);
    assert_eq!(counts(&warm, "image"), (misses, 0));
    for kind in [
        "precompress",
        "js",
        "css",
        "html",
        "svg",
        "map",
        "webmanifest",
    ] {
        assert_eq!(
            counts(&warm, kind).1,
            0,
            "{kind}: {}",
            warm["totals"]["cache"]
        );
    }
    assert!(counts(&warm, "js").0 >= 5);
    let (a, b) = (tree(&t.path("a")), tree(&t.path("b")));
    crate::util::assert_same_trees(&a, &b);

    // One changed image: only it is encoded again.
    let mut png = image::open(t.path("site/images/badge.png"))
        .unwrap()
        .to_rgba8();
    png.put_pixel(0, 0, image::Rgba([1, 2, 3, 255]));
    png.save(t.path("site/images/badge.png")).unwrap();
    let one = build(&t, "c", &[]);
    assert_eq!(counts(&one, "image"), (misses - 1, 1));
    assert_eq!(counts(&one, "js").1, 0);
    // One changed script: only it is minified again (its dependents are
    // renamed by the hash stage, which always runs).
    let app = t.read_string("site/js/lib/format.js");
    t.write(
        "site/js/lib/format.js",
        format!("{app}\nexport const added = 1;\n"),
    );
    let js = build(&t, "e", &[]);
    assert_eq!(counts(&js, "js").1, 1, "{}", js["totals"]["cache"]);
    assert_eq!(counts(&js, "html").1, 0);
    assert_ne!(
        crate::util::manifest(&t.path("e"))["assets"]["js/app.js"]["file"],
        crate::util::manifest(&t.path("c"))["assets"]["js/app.js"]["file"],
        "the importer is renamed"
    );

    // An option that changes image results misses them all.
    let q = build(&t, "d", &["--widths", "480,800"]);
    assert_eq!(counts(&q, "image").0, 0, "{}", q["totals"]["cache"]);
}

#[test]
fn quality_changes_miss_and_corrupt_entries_are_recomputed() {
    let t = TestDir::with_fixture("site");
    build(&t, "a", &[]);
    t.write("assetpress.toml", "[images.quality]\nwebp = 70\n");
    let r = build(&t, "b", &[]);
    assert!(counts(&r, "image").1 > 0, "{}", r["totals"]["cache"]);
    std::fs::remove_file(t.path("assetpress.toml")).unwrap();
    // Other browser targets: scripts and stylesheets miss, images still hit.
    let r = build(&t, "t", &["--targets", "chrome >= 120"]);
    assert_eq!(counts(&r, "js").0, 0, "{}", r["totals"]["cache"]);
    assert_eq!(counts(&r, "css").0, 0);
    assert_eq!(counts(&r, "image").1, 0);

    // Flip the last byte of every entry.
    let mut n = 0;
    for e in entries(&t) {
        let mut b = std::fs::read(&e).unwrap();
        let last = b.len() - 1;
        b[last] ^= 0x5a;
        std::fs::write(&e, b).unwrap();
        n += 1;
    }
    assert!(n > 10, "{n}");
    let r = t.run(&[
        "build", "site", "--out", "c", "--json", "--widths", "480,960",
    ]);
    r.expect_code(0);
    let report = r.json();
    assert!(
        report["cache_warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["message"]
                .as_str()
                .unwrap_or("")
                .contains("fails its authentication")),
        "{}",
        report["cache_warnings"]
    );
    assert_eq!(counts(&report, "image").0, 0);
    crate::util::assert_same_trees(&tree(&t.path("a")), &tree(&t.path("c")));
    // Rewritten: the next run hits again.
    let r = build(&t, "d", &[]);
    assert_eq!(counts(&r, "image").1, 0);
}

#[test]
fn concurrent_runs_share_the_cache_and_no_cache_leaves_no_trace() {
    let t = TestDir::with_fixture("site");
    let spawn = |out: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_assetpress"))
            .args([
                "build", "site", "--out", out, "--quiet", "--widths", "480,960",
            ])
            .env("XDG_CACHE_HOME", t.cache_home())
            .env("XDG_CONFIG_HOME", t.cache_home().join("config"))
            .current_dir(t.dir.path())
            .spawn()
            .unwrap()
    };
    let (mut a, mut b) = (spawn("a"), spawn("b"));
    assert!(a.wait().unwrap().success());
    assert!(b.wait().unwrap().success());
    crate::util::assert_same_trees(&tree(&t.path("a")), &tree(&t.path("b")));
    let r = build(&t, "c", &[]);
    assert_eq!(counts(&r, "image").1, 0, "both runs left whole entries");
    crate::util::assert_same_trees(&tree(&t.path("a")), &tree(&t.path("c")));

    let fresh = TestDir::with_fixture("site");
    fresh
        .run(&["build", "site", "--out", "out", "--no-cache", "--json"])
        .expect_code(0);
    assert_eq!(
        std::fs::read_dir(fresh.cache_home()).unwrap().count(),
        0,
        "--no-cache writes no cache folder"
    );
    let explicit = fresh.path("my-cache");
    fresh
        .run(&[
            "build",
            "site",
            "--out",
            "out2",
            "--cache-dir",
            explicit.to_str().unwrap(),
        ])
        .expect_code(0);
    assert!(explicit.join("v3").is_dir());
    assert!(!fresh.cache_home().join("assetpress").exists());
}

#[test]
fn an_unusable_cache_folder_is_no_reason_to_fail() {
    let t = TestDir::with_fixture("site");
    t.write("not-a-folder", "x");
    let run = |args: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_assetpress"))
            .args(args)
            .env("XDG_CACHE_HOME", t.path("not-a-folder"))
            .env("XDG_CONFIG_HOME", t.path("not-a-folder").join("config"))
            .current_dir(t.dir.path())
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    };
    // The default folder cannot be made: built without a cache, even --strict.
    let (code, _) = run(&["build", "site", "--out", "a", "--strict", "--no-images"]);
    assert_eq!(code, Some(0));
    // A folder asked for by name is worth a warning.
    let (code, out) = run(&[
        "build",
        "site",
        "--out",
        "b",
        "--no-images",
        "--cache-dir",
        "not-a-folder/cache",
        "--json",
    ]);
    assert_eq!(code, Some(0));
    assert!(out.contains("running without a cache"), "{out}");
    crate::util::assert_same_trees(&tree(&t.path("a")), &tree(&t.path("b")));
}

#[test]
fn the_size_cap_prunes_the_least_recently_used_sizes() {
    let t = TestDir::with_fixture("site");
    let sizes = || {
        entries(&t)
            .iter()
            .map(|e| std::fs::metadata(e).unwrap().len())
            .collect::<Vec<u64>>()
    };
    build(&t, "a", &[]);
    let full: u64 = sizes().iter().sum();
    assert!(full > 100_000, "{full}");
    // A cap of a third: what is left after the run fits in 90% of it.
    let cap = full / 3;
    build(&t, "b", &["--cache-max-size", &cap.to_string()]);
    let left: u64 = sizes().iter().sum();
    assert!(left <= cap / 10 * 9 && left > 0, "{left} of {cap}");
    // What was pruned is computed again, and the output is the same.
    let r = build(&t, "c", &[]);
    let misses: u64 = ["image", "precompress", "js", "css", "html"]
        .iter()
        .map(|k| counts(&r, k).1)
        .sum();
    assert!(misses > 0);
    crate::util::assert_same_trees(&tree(&t.path("a")), &tree(&t.path("c")));
}

/// Regression: an entry replaced by a folder was recomputed on every run and
/// never healed, and a damaged cache made `--strict` fail.
#[test]
fn a_damaged_cache_heals_and_never_changes_the_exit_status() {
    let t = TestDir::with_fixture("site");
    build(&t, "a", &[]);
    let entries = entries(&t);
    assert!(entries.len() > 10, "{}", entries.len());
    for e in &entries {
        std::fs::remove_file(e).unwrap();
        std::fs::create_dir(e).unwrap();
    }
    let r = t.run(&[
        "build", "site", "--out", "b", "--json", "--strict", "--widths", "480,960",
    ]);
    r.expect_code(0);
    let report = r.json();
    assert!(
        report["cache_warnings"]
            .to_string()
            .contains("cache entry is a folder"),
        "{}",
        report["cache_warnings"]
    );
    assert_eq!(report["warnings"], serde_json::json!([]));
    // Healed: the next run hits every entry again.
    let r = build(&t, "c", &[]);
    for kind in ["js", "css", "image"] {
        assert_eq!(counts(&r, kind).1, 0, "{kind}: {}", r["totals"]["cache"]);
    }
    crate::util::assert_same_trees(&tree(&t.path("a")), &tree(&t.path("c")));
}

/// Every cache entry of `t`'s default cache.
fn entries(t: &TestDir) -> Vec<std::path::PathBuf> {
    walkdir::WalkDir::new(t.cache_home().join("assetpress/v3"))
        .min_depth(2)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file() && !e.path().parent().unwrap().ends_with("tmp"))
        .map(|e| e.into_path())
        .collect()
}

/// Regression: entries carried only their own checksum, so whoever could
/// write the cache (a CI cache restored from another branch's job) could
/// ship code: a forged entry's script was published and `verify` passed.
#[test]
fn a_forged_cache_entry_is_never_published() {
    let t = TestDir::new();
    t.write(
        "in/app.js",
        "export function greet(name) {\n  return 'hello ' + name;\n}\n",
    );
    let key = ("ASSETPRESS_CACHE_KEY", "the CI secret");
    let build = |out: &str| {
        let run = std::process::Command::new(env!("CARGO_BIN_EXE_assetpress"))
            .env("XDG_CACHE_HOME", t.cache_home())
            .env("XDG_CONFIG_HOME", t.cache_home().join("config"))
            .env(key.0, key.1)
            .args(["build", "in", "--out", out, "--json"])
            .current_dir(t.path(""))
            .output()
            .unwrap();
        crate::util::Run::from(run)
    };
    build("a").expect_code(0);
    // The attacker knows the format, not the key: the script's entry gets
    // other code of the same length and a fresh SHA-256 where the old
    // format kept its checksum.
    let mut forged = 0;
    for path in entries(&t) {
        let mut bytes = std::fs::read(&path).unwrap();
        let Some(at) = bytes.windows(5).position(|w| w == b"hello") else {
            continue;
        };
        bytes[at..at + 5].copy_from_slice(b"pwned");
        let sum = <sha2::Sha256 as sha2::Digest>::digest(&bytes[40..]);
        bytes[8..40].copy_from_slice(&sum);
        std::fs::write(&path, bytes).unwrap();
        forged += 1;
    }
    assert!(forged > 0, "no entry holds the script");
    let run = build("b");
    run.expect_code(0);
    let report = run.json();
    assert!(
        report["cache_warnings"]
            .to_string()
            .contains("fails its authentication"),
        "{}",
        report["cache_warnings"]
    );
    let published: Vec<u8> = tree(&t.path("b")).into_values().flatten().collect();
    assert!(
        !published.windows(5).any(|w| w == b"pwned"),
        "forged code published"
    );
    // Another key (another branch's job, a fork) reads none of these entries.
    let other = std::process::Command::new(env!("CARGO_BIN_EXE_assetpress"))
        .env("XDG_CACHE_HOME", t.cache_home())
        .env("XDG_CONFIG_HOME", t.cache_home().join("config"))
        .env(key.0, "another secret")
        .args(["build", "in", "--out", "c", "--json"])
        .current_dir(t.path(""))
        .output()
        .unwrap();
    let other = crate::util::Run::from(other);
    other.expect_code(0);
    assert_eq!(counts(&other.json(), "js"), (0, 1));
}

/// Without `ASSETPRESS_CACHE_KEY`, the key is made once in the user's
/// config folder, readable by its owner only, and kept.
#[cfg(unix)]
#[test]
fn the_cache_key_is_made_once_outside_the_cache() {
    use std::os::unix::fs::PermissionsExt;
    let t = TestDir::with_fixture("site");
    build(&t, "a", &[]);
    let key_file = t.cache_home().join("config/assetpress/cache-key");
    let key = std::fs::read(&key_file).unwrap();
    assert_eq!(key.len(), 32);
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let warm = build(&t, "b", &[]);
    assert_eq!(counts(&warm, "js").1, 0, "{}", warm["totals"]["cache"]);
    assert_eq!(std::fs::read(&key_file).unwrap(), key);
}
