//! The scale generator (`scripts/gen-site.py`) and a build of its 1,000-file
//! site: every reference resolves, nothing fails. `scripts/bench-scale`
//! runs the same at 1k, 10k and 50k files for the timing curve.

use std::process::Command;

use crate::util::{repo, require_tool, TestDir};

#[test]
fn a_generated_site_of_1000_files_builds_and_verifies() {
    require_tool("python3", "apt-get install python3");
    let t = TestDir::new();
    let gen = |dir: &str| {
        let o = Command::new("python3")
            .arg(repo().join("scripts/gen-site.py"))
            .args(["1000", dir])
            .current_dir(t.dir.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    gen("site");
    gen("again");
    // Deterministic: the same bytes twice.
    assert_eq!(
        crate::util::tree(&t.path("site")),
        crate::util::tree(&t.path("again"))
    );
    let r = t.run(&[
        "build",
        "site",
        "--out",
        "out",
        "--json",
        "--precompress",
        "gzip",
    ]);
    r.expect_code(0);
    let report = r.json();
    assert_eq!(report["totals"]["files"], 1000);
    assert_eq!(report["errors"].as_array().unwrap().len(), 0);
    assert_eq!(
        report["warnings"].as_array().unwrap().len(),
        0,
        "{}",
        report["warnings"]
    );
    let kinds = &report["totals"]["kinds"];
    assert_eq!(kinds["js"]["files"], 400 - 1);
    assert_eq!(kinds["html"]["files"], 201);
    assert!(
        !report["cycles"].as_array().unwrap().is_empty(),
        "small cycles"
    );
    let v = t.run(&["verify", "out"]);
    v.expect_code(0);
    let refs: u64 = v
        .stdout
        .split(", ")
        .find_map(|part| part.strip_suffix(" local references resolve"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(refs > 4000, "{}", v.stdout);
}

#[test]
fn files_that_wait_on_disk_give_the_same_output() {
    // Every reference kind, two import cycles, integrity values, pictures
    // and a source map beside a file, each run with every waiting file in
    // memory and with every one on disk.
    for fixture in ["refs", "site"] {
        let t = TestDir::with_fixture(fixture);
        let build = |out: &str, held: &str| {
            let r = t.run(&[
                "build",
                fixture,
                "--out",
                out,
                "--json",
                "--sri",
                "--no-cache",
                "--max-held-bytes",
                held,
            ]);
            r.expect_code(0);
            r.json()["totals"]["held_on_disk"].as_u64().unwrap()
        };
        assert_eq!(build("memory", "1000000000"), 0);
        let on_disk = build("disk", "0");
        // Pages and every file naming another waited on disk.
        assert!(on_disk >= 3, "{fixture}: {on_disk} files on disk");
        crate::util::assert_same_trees(
            &crate::util::tree(&t.path("memory")),
            &crate::util::tree(&t.path("disk")),
        );
        // The work folder (and the staging folder) go with the run.
        let left: Vec<String> = t
            .entries()
            .into_iter()
            .filter(|n| n.contains("assetpress"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
        t.run(&["verify", "disk"]).expect_code(0);
    }
}
