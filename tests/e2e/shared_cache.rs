//! The cache shared by CI runners (`--cache-url`) and sharded runs
//! (`--shard I/N`) against a real S3-compatible server (`moto_server`,
//! started on a free 127.0.0.1 port): runners in other folders with empty
//! local caches share entries, read-only runs write nothing, forged entries
//! are recomputed and never shipped, and three shards plus a final run make
//! the very output of one runner.

use std::collections::BTreeSet;
use std::process::Command;

use crate::deploy::{run_json, Moto, CREDENTIALS};
use crate::util::{copy_tree, repo, tree, TestDir};

const KEY: &str = "a secret every runner of the pipeline holds";

/// `assetpress build` of the checkout `checkout` (a folder of `t` holding
/// the demo site) into `out`, with its own local cache and the shared one.
fn build(t: &TestDir, moto: &Moto, checkout: &str, out: &str, extra: &[&str]) -> Command {
    if !t.path(checkout).exists() {
        copy_tree(&repo().join("testdata/site"), &t.path(checkout));
    }
    let mut c = Command::new(env!("CARGO_BIN_EXE_assetpress"));
    c.args(["build", checkout, "--out", out, "--json", "--cache-dir"])
        .arg(format!("{out}.cache"))
        .args(["--cache-url", "s3://ci-cache/cache"])
        .args(extra)
        .envs(CREDENTIALS)
        .env_remove("AWS_PROFILE")
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .env("ASSETPRESS_CACHE_KEY", KEY)
        .env("XDG_CONFIG_HOME", t.path("config"))
        .current_dir(t.path(""));
    c
}

/// (hits, misses, fetched) over the kinds `kinds` (all when empty).
fn counts(r: &serde_json::Value, kinds: &[&str]) -> (u64, u64, u64) {
    let mut sum = (0, 0, 0);
    for (kind, c) in r["totals"]["cache"].as_object().unwrap() {
        if kinds.is_empty() || kinds.contains(&kind.as_str()) {
            sum.0 += c["hits"].as_u64().unwrap();
            sum.1 += c["misses"].as_u64().unwrap();
            sum.2 += c["fetched"].as_u64().unwrap();
        }
    }
    sum
}

fn warnings(r: &serde_json::Value) -> Vec<String> {
    r["cache_warnings"]
        .as_array()
        .map(|a| a.iter().map(|w| w["message"].to_string()).collect())
        .unwrap_or_default()
}

#[test]
fn runners_share_entries_read_only_runs_write_none_and_forged_ones_are_recomputed() {
    let moto = Moto::start();
    moto.bucket("ci-cache");
    let t = TestDir::new();

    // Runner A fills the shared cache.
    let a = run_json(build(&t, &moto, "one/site", "a", &[]));
    let (hits, misses, _) = counts(&a, &[]);
    assert_eq!(hits, 0);
    assert!(misses >= 30, "{misses}");
    assert_eq!(a["totals"]["cache_remote"]["uploaded"], misses);
    assert!(warnings(&a).is_empty(), "{:?}", warnings(&a));
    let stored = moto.keys("ci-cache", "cache");
    assert_eq!(stored.len() as u64, misses);
    assert!(stored.iter().all(|k| k.starts_with("v3/")), "{stored:?}");

    // Runner B: another checkout folder, an empty local cache: every
    // transform and every compressed copy is a hit, fetched, and the
    // output is byte for byte runner A's.
    let b = run_json(build(&t, &moto, "two/site", "b", &[]));
    assert_eq!(counts(&b, &[]), (misses, 0, misses));
    assert_eq!(b["totals"]["cache_remote"]["uploaded"], 0);
    assert_eq!(b["totals"]["cache_remote"]["fetched"], misses);
    assert_eq!(tree(&t.path("a")), tree(&t.path("b")));

    // A read-only run with a change computes it and writes nothing.
    copy_tree(&repo().join("testdata/site"), &t.path("three/site"));
    let css = t.path("three/site/css/base.css");
    let text = std::fs::read_to_string(&css).unwrap() + "\n.changed { margin: 1px }\n";
    std::fs::write(css, text).unwrap();
    let c = run_json(build(&t, &moto, "three/site", "c", &["--cache-read-only"]));
    let (_, c_misses, _) = counts(&c, &[]);
    assert!(c_misses >= 1);
    assert_eq!(c["totals"]["cache_remote"]["uploaded"], 0);
    assert_eq!(
        moto.keys("ci-cache", "cache"),
        stored,
        "a read-only run wrote"
    );

    // Someone who can write the bucket but lacks the key copies one valid
    // entry over every other (an old result over a new one, say): each
    // moved entry is refused and recomputed, the output is runner A's.
    assert_eq!(moto.copy_first_over_all("ci-cache", "cache"), stored.len());
    let d = run_json(build(&t, &moto, "one/site", "d", &[]));
    assert_eq!(counts(&d, &[]), (1, misses - 1, 1));
    assert_eq!(d["totals"]["cache_remote"]["refused"], misses - 1);
    assert!(
        warnings(&d)
            .iter()
            .any(|w| w.contains("fails its authentication")),
        "{:?}",
        warnings(&d)
    );
    assert_eq!(tree(&t.path("a")), tree(&t.path("d")));
    // The forged entries were replaced: the next runner hits again.
    let e = run_json(build(&t, &moto, "one/site", "e", &[]));
    assert_eq!(counts(&e, &[]), (misses, 0, misses));
    assert_eq!(tree(&t.path("a")), tree(&t.path("e")));

    // Another key (a fork's job without the secret) finds nothing.
    let mut other = build(&t, &moto, "one/site", "f", &["--cache-read-only"]);
    other.env("ASSETPRESS_CACHE_KEY", "another key");
    let f = run_json(other);
    assert_eq!(counts(&f, &[]).0, 0);
}

#[test]
fn three_shards_then_a_final_run_make_the_output_of_one_runner() {
    let moto = Moto::start();
    moto.bucket("ci-cache");
    let t = TestDir::new();
    copy_tree(&repo().join("testdata/site"), &t.path("site"));

    // The reference: one runner, no cache.
    let mut one = Command::new(env!("CARGO_BIN_EXE_assetpress"));
    one.args(["build", "site", "--out", "single", "--no-cache", "-q"])
        .current_dir(t.path(""));
    assert!(one.status().unwrap().success());

    // Three shards at once, each with its own empty local cache.
    let shards: Vec<_> = (1..=3)
        .map(|i| {
            let shard = format!("{i}/3");
            build(
                &t,
                &moto,
                "site",
                &format!("shard{i}"),
                &["--shard", &shard],
            )
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    let sharded = ["js", "css", "image", "webmanifest"];
    let mut made = 0;
    let mut seen = BTreeSet::new();
    for (i, child) in shards.into_iter().enumerate() {
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(r["shard"]["index"], i + 1);
        let (hits, misses, _) = counts(&r, &sharded);
        assert_eq!(hits, 0, "shard {}: nothing to hit yet", i + 1);
        made += misses;
        seen.insert(r["shard"]["files"].as_u64().unwrap() > 0);
        // A shard writes no output.
        assert!(!t.path(&format!("shard{}", i + 1)).exists());
    }
    assert_eq!(seen, BTreeSet::from([true]), "every shard had work");

    // The final run: every script, stylesheet, image and manifest comes
    // from the shards; only pages (which name every shard's image
    // variants) and what depends on the final names are computed.
    let last = run_json(build(&t, &moto, "site", "final", &[]));
    let (hits, misses, fetched) = counts(&last, &sharded);
    assert!(made >= 13, "{made}");
    assert_eq!((hits, misses), (made, 0), "{}", last["totals"]["cache"]);
    assert_eq!(fetched, hits);
    assert_eq!(tree(&t.path("single")), tree(&t.path("final")));
}

/// A 10k-file site (11,497 entries). Regression: every new entry was
/// uploaded at once, without retries, and a third of the uploads failed
/// ("error sending request"; 7,537 arrived), leaving the next runners cold.
/// Then the shared cache goes away while a runner fetches from it: the run
/// stops asking it after a few failed requests (each would otherwise wait
/// out its retries, hours over 10k files), computes the rest and writes the
/// same output.
#[test]
fn thousands_of_entries_reach_the_shared_cache_and_its_loss_mid_run_costs_no_output() {
    let moto = Moto::start();
    moto.bucket("ci-cache");
    let t = TestDir::new();
    let made = Command::new("python3")
        .arg(repo().join("scripts/gen-site.py"))
        .args(["10000", "big/site"])
        .current_dir(t.path(""))
        .status()
        .unwrap();
    assert!(made.success());
    let a = run_json(build(&t, &moto, "big/site", "a", &["--no-nginx"]));
    let (_, misses, _) = counts(&a, &[]);
    assert!(misses >= 10_000, "{misses}");
    assert_eq!(a["totals"]["cache_remote"]["uploaded"], misses);
    assert!(warnings(&a).is_empty(), "{:?}", warnings(&a));
    let c = run_json(build(&t, &moto, "big/site", "c", &["--no-nginx"]));
    assert_eq!(counts(&c, &[]), (misses, 0, misses));

    let mut b = build(&t, &moto, "big/site", "b", &["--no-nginx"]);
    let child = b
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Once it has fetched some entries, the server dies.
    let local = t.path("b.cache/v3");
    let start = std::time::Instant::now();
    while walkdir::WalkDir::new(&local).into_iter().count() < 200 {
        assert!(start.elapsed().as_secs() < 120, "no entry fetched");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    drop(moto);
    let o = child.wait_with_output().unwrap();
    assert!(
        start.elapsed().as_secs() < 180,
        "took {:?}",
        start.elapsed()
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        warnings(&r).iter().any(|w| w.contains("local cache only")),
        "{:?}",
        &warnings(&r)[..warnings(&r).len().min(3)]
    );
    assert_eq!(tree(&t.path("a")), tree(&t.path("b")));
}
