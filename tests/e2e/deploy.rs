//! `assetpress deploy` and `clean` against a real S3-compatible server
//! (`moto_server`, PyPI `moto[server]`, started on a free 127.0.0.1 port and
//! stopped by its pid), read back with boto3; and a page of the previous
//! deploy, loaded in Chromium from a cleaned target, finding every asset.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::browser::run_check;
use crate::serve::{free_port, get, Nginx, Site};
use crate::util::{
    copy_tree, edit_site_css, manifest, py_tools, record_hashed, repo, require_tool, tree, TestDir,
};

/// A running moto_server; killed by its pid when dropped.
pub struct Moto {
    pub port: u16,
    child: Child,
}

impl Moto {
    pub fn start() -> Moto {
        let moto = py_tools().with_file_name("moto_server");
        assert!(
            moto.is_file(),
            "{} is missing: scripts/test installs moto[server] from tests/backends/requirements.txt",
            moto.display()
        );
        let port = free_port();
        let child = Command::new(&moto)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let m = Moto { port, child };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "moto_server did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        m
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Creates a bucket (moto takes unsigned requests).
    pub fn bucket(&self, name: &str) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let req = format!(
            "PUT /{name} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        s.write_all(req.as_bytes()).unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }

    /// Overwrites every object under `prefix/` (with boto3) with the
    /// first one's bytes (by key), as anyone who can write the bucket
    /// could; returns how many.
    pub fn copy_first_over_all(&self, bucket: &str, prefix: &str) -> usize {
        let o = Command::new(py_tools())
            .arg(repo().join("tests/deploy/s3_overwrite.py"))
            .args([&self.endpoint(), bucket, prefix, "FIRST"])
            .envs(CREDENTIALS)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).trim().parse().unwrap()
    }

    /// The keys under `prefix/` (an unsigned listing, up to 1000).
    pub fn keys(&self, bucket: &str, prefix: &str) -> BTreeSet<String> {
        let r = get(
            self.port,
            &format!("/{bucket}?prefix={prefix}/&max-keys=1000"),
            &[],
        );
        let body = String::from_utf8_lossy(&r.body);
        body.split("<Key>")
            .skip(1)
            .filter_map(|k| k.split("</Key>").next())
            .map(|k| k[prefix.len() + 1..].to_string())
            .collect()
    }

    /// Every object under `prefix/` with its headers and size, read back with boto3.
    pub fn state(&self, bucket: &str, prefix: &str) -> BTreeMap<String, serde_json::Value> {
        let o = Command::new(py_tools())
            .arg(repo().join("tests/deploy/s3_state.py"))
            .args([&self.endpoint(), bucket, prefix])
            .envs(CREDENTIALS)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub const CREDENTIALS: [(&str, &str); 5] = [
    ("AWS_ACCESS_KEY_ID", "test"),
    ("AWS_SECRET_ACCESS_KEY", "test"),
    ("AWS_REGION", "us-east-1"),
    ("AWS_CONFIG_FILE", "/nonexistent"),
    ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
];

/// `assetpress ARGS` in `t` with the test credentials.
fn assetpress(t: &TestDir, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_assetpress"));
    c.args(args)
        .envs(CREDENTIALS)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env("XDG_CACHE_HOME", t.cache_home())
        .env("XDG_CONFIG_HOME", t.cache_home().join("config"))
        .current_dir(t.path(""));
    c
}

#[track_caller]
pub fn run_json(mut c: impl std::borrow::BorrowMut<Command>) -> serde_json::Value {
    let c: &mut Command = c.borrow_mut();
    let o = c.output().unwrap();
    assert!(
        o.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

fn deploy(t: &TestDir, moto: &Moto, out: &str, target: &str) -> serde_json::Value {
    let endpoint = moto.endpoint();
    run_json(assetpress(
        t,
        &["deploy", out, target, "--endpoint", &endpoint, "--json"],
    ))
}

/// Asserts that every object of `headers.json` is stored with exactly its
/// headers and its file's size.
#[track_caller]
fn assert_stored(t: &TestDir, out: &str, state: &BTreeMap<String, serde_json::Value>) {
    let headers: serde_json::Value =
        serde_json::from_slice(&t.read(&format!("{out}.headers.json"))).unwrap();
    let files = headers["files"].as_object().unwrap();
    assert!(!files.is_empty());
    for (rel, h) in files {
        let got = state.get(rel).unwrap_or_else(|| panic!("{rel} not stored"));
        for name in ["Cache-Control", "Content-Type", "Content-Encoding"] {
            assert_eq!(got.get(name), h.get(name), "{rel}: {name}");
        }
        let size = std::fs::metadata(t.path(&format!("{out}/{rel}")))
            .unwrap()
            .len();
        assert_eq!(got["size"], size, "{rel}: size");
    }
    let extra: Vec<&String> = state
        .keys()
        .filter(|k| !files.contains_key(*k) && !k.starts_with(".assetpress/deploys/"))
        .collect();
    assert!(extra.is_empty(), "stored but not in the output: {extra:?}");
}

#[test]
fn deploy_stores_every_object_with_the_headers_of_headers_json() {
    let moto = Moto::start();
    moto.bucket("site");
    let t = TestDir::with_fixture("site");
    for (out, flags) in [
        ("out", &[][..]),
        ("custom", &["--config", "custom.toml"][..]),
    ] {
        // A custom hashed Cache-Control must not change the order or the headers.
        t.write(
            "custom.toml",
            "[cache_control]\nhashed = \"public, max-age=600\"\nhtml = \"no-cache\"\n",
        );
        let mut args = vec!["build", "site", "--out", out, "--headers-json", "-q"];
        args.extend_from_slice(flags);
        assert!(assetpress(&t, &args).status().unwrap().success());
        let target = format!("s3://site/{out}");
        let d = deploy(&t, &moto, out, &target);
        assert_eq!(d["skipped"], 0);
        let state = moto.state("site", out);
        assert_stored(&t, out, &state);
        let encoded = state
            .values()
            .filter(|v| v.get("Content-Encoding").is_some());
        assert!(
            encoded.count() >= 20,
            "the .gz/.br copies carry their encoding"
        );

        // Again: only the files that keep their names go up.
        let again = deploy(&t, &moto, out, &target);
        let steps = d["steps"].as_array().unwrap();
        let kept = steps.iter().filter(|s| s["class"] != "hashed").count();
        assert_eq!(again["uploaded"], kept, "{again}");
        assert_eq!(again["skipped"], steps.len() - kept);
        assert_eq!(moto.state("site", out), state);
    }
}

#[test]
fn a_large_file_goes_up_in_parts_with_its_headers() {
    let moto = Moto::start();
    moto.bucket("large");
    let t = TestDir::new();
    // Over the 64 MiB from which files go up in parts, and not a multiple of a part.
    let big: Vec<u8> = (0..(70u32 << 20) + 12345)
        .map(|i| (i % 251) as u8)
        .collect();
    t.write("in/media/intro.webm", &big);
    t.write(
        "in/index.html",
        "<!doctype html><video src=\"media/intro.webm\"></video>\n",
    );
    assert!(
        assetpress(&t, &["build", "in", "--out", "out", "--headers-json", "-q"])
            .status()
            .unwrap()
            .success()
    );
    deploy(&t, &moto, "out", "s3://large/site");
    let state = moto.state("large", "site");
    assert_stored(&t, "out", &state);
    let name = manifest(&t.path("out"))["assets"]["media/intro.webm"]["file"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(state[&name]["size"], big.len());
    assert_eq!(state[&name]["Content-Type"], "video/webm");
}

#[test]
fn deploy_reads_a_named_aws_profile() {
    let moto = Moto::start();
    moto.bucket("prof");
    let t = TestDir::with_fixture("site");
    t.write(
        "aws/credentials",
        "[default]\naws_access_key_id = wrong\n\n[ci]\naws_access_key_id = test\naws_secret_access_key = test\n",
    );
    t.write(
        "aws/config",
        format!(
            "[profile ci]\nregion = eu-west-1\nendpoint_url = {}\n",
            moto.endpoint()
        ),
    );
    assert!(assetpress(&t, &["build", "site", "--out", "out", "-q"])
        .status()
        .unwrap()
        .success());
    let d = run_json(
        assetpress(&t, &["deploy", "out", "s3://prof/p", "--json"])
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_REGION")
            .env("AWS_PROFILE", "ci")
            .env("AWS_SHARED_CREDENTIALS_FILE", t.path("aws/credentials"))
            .env("AWS_CONFIG_FILE", t.path("aws/config")),
    );
    assert!(d["uploaded"].as_u64().unwrap() > 20, "{d}");
    assert!(moto.keys("prof", "p").contains("index.html"));
}

/// A site of `pages` pages, each loading `per_page` scripts of its own.
/// The pages' names sort before the scripts': only the plan's stages, not
/// the order of names, put the scripts first.
fn many_scripts(t: &TestDir, pages: usize, per_page: usize) {
    for p in 0..pages {
        let mut html = String::from("<!doctype html><title>p</title>\n");
        for s in 0..per_page {
            let name = format!("scripts/p{p}s{s}.js");
            t.write(
                &format!("big/{name}"),
                format!("window.v{p}_{s} = {p} * {s};\n"),
            );
            html.push_str(&format!("<script src=\"{name}\"></script>\n"));
        }
        t.write(&format!("big/a{p}.html"), html);
    }
}

#[test]
fn a_deploy_killed_halfway_never_shows_a_page_without_its_assets_and_converges() {
    let moto = Moto::start();
    moto.bucket("big");
    let t = TestDir::new();
    // 600 scripts, then 200 pages: a long window with pages going up.
    many_scripts(&t, 200, 3);
    assert!(assetpress(
        &t,
        &["build", "big", "--out", "out", "--headers-json", "-q"]
    )
    .status()
    .unwrap()
    .success());
    let m = manifest(&t.path("out"));
    // Each page's output name → the output names of the scripts it loads.
    let needs: BTreeMap<String, Vec<String>> = m["assets"]
        .as_object()
        .unwrap()
        .values()
        .filter(|e| e["file"].as_str().unwrap().ends_with(".html"))
        .map(|e| {
            let refs = e["references"].as_array().unwrap();
            let files = refs
                .iter()
                .map(|r| {
                    m["assets"][r.as_str().unwrap()]["file"]
                        .as_str()
                        .unwrap()
                        .to_string()
                })
                .collect();
            (e["file"].as_str().unwrap().to_string(), files)
        })
        .collect();
    assert_eq!(needs.len(), 200);
    let endpoint = moto.endpoint();
    let mut child = assetpress(
        &t,
        &[
            "deploy",
            "out",
            "s3://big/site",
            "--endpoint",
            &endpoint,
            "--jobs",
            "1",
            "--json",
        ],
    )
    .stdout(Stdio::null())
    .spawn()
    .unwrap();
    // Watch the bucket as the deploy goes, then kill it halfway.
    // Polls that saw some pages up; every page seen had its scripts.
    let mut with_pages = 0;
    let start = Instant::now();
    loop {
        let keys = moto.keys("big", "site");
        let mut pages = 0;
        for (page, files) in &needs {
            if keys.contains(page) {
                pages += 1;
                let missing: Vec<&String> = files.iter().filter(|f| !keys.contains(*f)).collect();
                assert!(missing.is_empty(), "{page} visible before {missing:?}");
            }
        }
        with_pages += usize::from(pages > 0);
        if pages >= 20 && with_pages >= 3 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the deploy ended before it was killed"
        );
        assert!(start.elapsed() < Duration::from_secs(120));
        std::thread::sleep(Duration::from_millis(10));
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    child.wait().unwrap();
    let partial = moto.keys("big", "site");
    let pages = partial.iter().filter(|k| k.ends_with(".html")).count();
    assert!(
        pages < needs.len(),
        "killed before every page was up: {pages}"
    );

    // Run again: it converges, skipping what went up before the kill.
    let d = deploy(&t, &moto, "out", "s3://big/site");
    assert!(d["skipped"].as_u64().unwrap() >= 600, "{d}");
    assert_stored(&t, "out", &moto.state("big", "site"));
}

/// Builds `site` (after `edit`) into `out` and deploys it to the bucket and the folder.
fn build_and_deploy_both(t: &TestDir, moto: &Moto, n: usize) -> String {
    edit_site_css(t, n);
    if n == 3 {
        let js = t.path("site/js/app.js");
        let mut text = std::fs::read_to_string(&js).unwrap();
        text.push_str("\nwindow.version = 3;\n");
        std::fs::write(js, text).unwrap();
    }
    let out = format!("out{n}");
    assert!(assetpress(t, &["build", "site", "--out", &out, "-q"])
        .status()
        .unwrap()
        .success());
    let a = deploy(t, moto, &out, "s3://clean/site");
    let b = run_json(assetpress(t, &["deploy", &out, "folder", "--json"]));
    assert_eq!(a["record"], b["record"]);
    a["record"].as_str().unwrap().to_string()
}

#[test]
fn clean_keeps_what_open_tabs_need_in_the_bucket_and_in_chromium() {
    require_tool("node", "apt-get install nodejs");
    require_tool("chromium", "apt-get install chromium");
    let moto = Moto::start();
    moto.bucket("clean");
    let t = TestDir::with_fixture("site");
    let records: Vec<String> = (1..=3)
        .map(|n| build_and_deploy_both(&t, &moto, n))
        .collect();
    let [h1, h2, h3] = [0, 1, 2].map(|i| record_hashed(&t.path(&format!("folder/{}", records[i]))));
    let before: BTreeSet<String> = moto.keys("clean", "site");
    assert_eq!(
        before,
        tree(&t.path("folder")).into_keys().collect::<BTreeSet<_>>()
    );

    let endpoint = moto.endpoint();
    let a = run_json(assetpress(
        &t,
        &[
            "clean",
            "s3://clean/site",
            "--keep",
            "1",
            "--age",
            "0",
            "--endpoint",
            &endpoint,
            "--json",
        ],
    ));
    let b = run_json(assetpress(
        &t,
        &["clean", "folder", "--keep", "1", "--age", "0", "--json"],
    ));
    assert_eq!(a["deleted"], b["deleted"]);
    let gone: BTreeSet<String> = h1.difference(&(&h2 | &h3)).cloned().collect();
    assert!(gone.len() >= 2, "{gone:?}");
    let mut expected = before.clone();
    expected.retain(|k| !gone.contains(k) && *k != records[0]);
    assert_eq!(moto.keys("clean", "site"), expected);
    assert_eq!(
        tree(&t.path("folder")).into_keys().collect::<BTreeSet<_>>(),
        expected
    );

    // An open tab of the previous deploy: its page, with everything else
    // from the cleaned target.
    let tab = t.path("tab");
    copy_tree(&t.path("folder"), &tab);
    for page in ["index.html", "about.html", "blog/first-post.html"] {
        std::fs::copy(t.path(&format!("out2/{page}")), tab.join(page)).unwrap();
    }
    let results = chromium(
        &t,
        &t.path("out2"),
        &tab,
        &["index.html", "about.html", "blog/first-post.html"],
    );
    for page in &results {
        let (orig, built) = (&page["orig"], &page["built"]);
        assert_eq!(built["failed"], serde_json::json!([]), "{page}");
        assert_eq!(built["console"], serde_json::json!([]), "{page}");
        let paths = |side: &serde_json::Value| -> BTreeSet<String> {
            side["ok"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| {
                    u.as_str()
                        .unwrap()
                        .splitn(4, '/')
                        .nth(3)
                        .unwrap_or("")
                        .to_string()
                })
                .collect()
        };
        assert_eq!(paths(built), paths(orig), "{}", page["name"]);
        assert!(
            paths(built).iter().any(|p| p.starts_with("css/main.")),
            "{page}"
        );
    }
}

/// Loads `pages` from `orig` and from `built` (both served by nginx) in
/// Chromium ([`run_check`]); returns its results.
fn chromium(t: &TestDir, orig: &Path, built: &Path, pages: &[&str]) -> Vec<serde_json::Value> {
    let nginx = Nginx::start(
        &t.path("nginx"),
        &[
            Site {
                root: orig,
                include: None,
                base: None,
            },
            Site {
                root: built,
                include: None,
                base: None,
            },
        ],
        "",
    );
    let (o, b) = (nginx.ports[0], nginx.ports[1]);
    let pages = pages
        .iter()
        .map(|p| {
            serde_json::json!({
                "name": p,
                "orig": format!("http://127.0.0.1:{o}/{p}"),
                "built": format!("http://127.0.0.1:{b}/{p}"),
            })
        })
        .collect();
    run_check(t, pages)
}
