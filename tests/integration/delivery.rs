//! The server side of the output: precompressed copies, Subresource
//! Integrity, `_headers` and `headers.json`, the snippet's settings (the
//! snippet on a real nginx is in `tests/e2e/delivery.rs`).

use crate::util::{decompress, manifest, TestDir};

const HASHED: &str = "public, max-age=31536000, immutable";
const IMAGES: &str = "public, max-age=2592000, stale-while-revalidate=86400";
const HTML: &str = "public, max-age=3600, stale-while-revalidate=86400";

#[test]
fn precompressed_copies_are_deterministic_and_only_where_they_pay() {
    let t = TestDir::with_fixture("site");
    for out in ["a", "b"] {
        let o = t.run(&[
            "build",
            "site",
            "--out",
            out,
            "--no-images",
            "--jobs",
            if out == "a" { "1" } else { "2" },
        ]);
        o.expect_code(0);
    }
    crate::util::assert_same_trees(
        &crate::util::tree(&t.path("a")),
        &crate::util::tree(&t.path("b")),
    );
    let tree = crate::util::tree(&t.path("a"));
    let mut copies = 0;
    for (rel, bytes) in &tree {
        let Some((orig, enc)) = rel
            .strip_suffix(".gz")
            .map(|o| (o, "gz"))
            .or_else(|| rel.strip_suffix(".br").map(|o| (o, "br")))
        else {
            continue;
        };
        copies += 1;
        let plain = &tree[orig];
        assert!(plain.len() >= 1024, "{rel}: small files get no copy");
        assert!(bytes.len() * 10 <= plain.len() * 9, "{rel} saves 10%");
        let back = if enc == "gz" {
            assert_eq!(&bytes[4..8], &[0, 0, 0, 0], "{rel}: gzip mtime 0");
            decompress(bytes, true)
        } else {
            decompress(bytes, false)
        };
        assert_eq!(&back, plain, "{rel}");
    }
    assert!(copies >= 6, "{copies}");
    // Images and fonts are compressed already; robots.txt is tiny.
    assert!(!tree
        .keys()
        .any(|k| k.ends_with(".png.gz") || k.ends_with(".woff2.br")));
    assert!(!tree.contains_key("robots.txt.gz"));

    let o = t.run(&[
        "build",
        "site",
        "--out",
        "c",
        "--no-images",
        "--precompress",
        "none",
    ]);
    o.expect_code(0);
    assert!(!crate::util::tree(&t.path("c"))
        .keys()
        .any(|k| k.ends_with(".gz") || k.ends_with(".br")));
    let o = t.run(&[
        "build",
        "site",
        "--out",
        "d",
        "--no-images",
        "--precompress",
        "gzip",
    ]);
    o.expect_code(0);
    let d = crate::util::tree(&t.path("d"));
    assert!(d.keys().any(|k| k.ends_with(".gz")));
    assert!(!d.keys().any(|k| k.ends_with(".br")));
    let bad = t.run(&["build", "site", "--out", "e", "--precompress", "zstd"]);
    bad.expect_code(2);
}

#[test]
fn sri_covers_scripts_and_stylesheets_and_verify_checks_it() {
    let t = TestDir::with_fixture("site");
    let o = t.run(&["build", "site", "--out", "out", "--sri", "--no-images"]);
    o.expect_code(0);
    let m = manifest(&t.path("out"));
    let page = t.read_string("out/index.html");
    for key in [
        "css/main.css",
        "js/app.js",
        "js/analytics.js",
        "js/lib/format.js",
    ] {
        let a = &m["assets"][key];
        let integrity = a["integrity"].as_str().unwrap();
        let file = a["file"].as_str().unwrap();
        // The value holds for the bytes written, map comment included.
        assert_eq!(
            integrity,
            format!("sha384-{}", {
                use base64::Engine;
                use sha2::Digest;
                base64::engine::general_purpose::STANDARD
                    .encode(sha2::Sha384::digest(t.read(&format!("out/{file}"))))
            })
        );
        let tag = page
            .split('<')
            .find(|tag| tag.contains(file))
            .unwrap_or_else(|| panic!("{file} in {page}"));
        assert!(
            tag.contains(&format!("integrity=\"{integrity}\"")) && tag.contains("crossorigin"),
            "{tag}"
        );
    }
    // Not on images or the font preload (their consumers carry no integrity).
    assert!(!page
        .split('<')
        .any(|tag| tag.contains("integrity") && (tag.contains(".png") || tag.contains(".woff2"))));
    let v = t.run(&["verify", "out"]);
    v.expect_code(0);

    // Without --sri, no integrity is added...
    let o = t.run(&["build", "site", "--out", "plain", "--no-images"]);
    o.expect_code(0);
    assert!(!t.read_string("plain/index.html").contains("integrity="));
    // ...but one an input page already had is brought up to date: the
    // minified file no longer matches the author's value.
    let index = t.read_string("site/index.html").replacen(
        "src=\"js/analytics.js\"",
        "src=\"js/analytics.js\" integrity=\"sha384-stale\"",
        1,
    );
    assert!(index.contains("sha384-stale"));
    t.write("site/index.html", index);
    let o = t.run(&["build", "site", "--out", "kept", "--no-images"]);
    o.expect_code(0);
    let page = t.read_string("kept/index.html");
    let m = manifest(&t.path("kept"));
    assert!(!page.contains("sha384-stale"));
    assert!(page.contains(
        m["assets"]["js/analytics.js"]["integrity"]
            .as_str()
            .unwrap()
    ));

    // verify catches a page whose integrity value was changed after the
    // build, and a file changed after it.
    let good = m["assets"]["js/analytics.js"]["integrity"]
        .as_str()
        .unwrap();
    t.write("kept/index.html", page.replace(good, "sha384-edited"));
    let v = t.run(&["verify", "kept"]);
    v.expect_code(1);
    assert!(v.stderr.contains("integrity of"), "{}", v.stderr);
    t.write("kept/index.html", &page);
    t.run(&["verify", "kept"]).expect_code(0);
    let file = m["assets"]["js/analytics.js"]["file"].as_str().unwrap();
    let mut bytes = t.read(&format!("kept/{file}"));
    bytes.extend_from_slice(b"\n;");
    t.write(&format!("kept/{file}"), bytes);
    let v = t.run(&["verify", "kept"]);
    v.expect_code(1);
    assert!(v.stderr.contains("integrity mismatch"), "{}", v.stderr);
}

#[test]
fn headers_json_and_headers_file_give_every_file_one_cache_control() {
    let t = TestDir::with_fixture("site");
    let o = t.run(&[
        "build",
        "site",
        "--out",
        "out",
        "--no-images",
        "--headers-file",
        "--headers-json",
        "--json",
    ]);
    o.expect_code(0);
    let report = o.json();
    for key in ["nginx", "headers_json", "headers_file", "manifest"] {
        assert!(
            report["outputs"][key].is_string(),
            "{key}: {}",
            report["outputs"]
        );
    }
    let json: serde_json::Value = serde_json::from_slice(&t.read("out.headers.json")).unwrap();
    let files = json["files"].as_object().unwrap();
    let tree = crate::util::tree(&t.path("out"));
    // Every file written has its headers, and nothing else is listed.
    let listed: Vec<&String> = files.keys().collect();
    let written: Vec<&String> = tree.keys().collect();
    assert_eq!(listed, written);
    let m = manifest(&t.path("out"));
    let css = m["assets"]["css/main.css"]["file"].as_str().unwrap();
    assert_eq!(files[css]["Cache-Control"], HASHED);
    assert_eq!(files[css]["Content-Type"], "text/css; charset=utf-8");
    assert_eq!(files[&format!("{css}.br")]["Content-Encoding"], "br");
    assert_eq!(files["index.html"]["Cache-Control"], HTML);
    assert_eq!(files["favicon.ico"]["Cache-Control"], IMAGES);
    assert_eq!(files["robots.txt"]["Cache-Control"], "no-cache");

    // _headers: each file matched by exactly one rule, with its class's value.
    let rules = t.read_string("out/_headers");
    let parsed: Vec<(String, String)> = rules
        .split('\n')
        .collect::<Vec<_>>()
        .windows(2)
        .filter(|w| w[0].starts_with('/'))
        .map(|w| {
            let value = w[1].trim().strip_prefix("Cache-Control: ").unwrap();
            (w[0].to_string(), value.to_string())
        })
        .collect();
    // Precompressed copies get no rules (these hosts compress themselves),
    // and the hosts read `_headers` rather than serve it.
    for (rel, headers) in files
        .iter()
        .filter(|(rel, _)| !rel.ends_with(".gz") && !rel.ends_with(".br") && *rel != "_headers")
    {
        let url = format!("/{rel}");
        let matching: Vec<&(String, String)> = parsed
            .iter()
            .filter(|(p, _)| match p.strip_suffix('*') {
                Some(prefix) => url.starts_with(prefix),
                None => *p == url,
            })
            .collect();
        assert_eq!(matching.len(), 1, "{url}: {matching:?}");
        assert_eq!(
            matching[0].1,
            headers["Cache-Control"].as_str().unwrap(),
            "{url}"
        );
    }
}

#[test]
fn cache_values_are_configurable_and_server_files_never_land_in_the_input() {
    let t = TestDir::with_fixture("site");
    t.write(
        "assetpress.toml",
        "[cache_control]\nhtml = \"no-cache\"\nhashed = \"public, max-age=600\"\n[nginx]\nbrotli = true\n",
    );
    let o = t.run(&[
        "build",
        "site",
        "--out",
        "out",
        "--no-images",
        "--nginx",
        "conf/site.conf",
    ]);
    o.expect_code(0);
    let s = t.read_string("conf/site.conf");
    assert!(s.contains("add_header Cache-Control \"no-cache\";"), "{s}");
    assert!(s.contains("add_header Cache-Control \"public, max-age=600\";"));
    assert!(s.contains("brotli_static on;"));
    let o = t.run(&["build", "site", "--out", "out", "--nginx", "site/x.conf"]);
    o.expect_code(2);
    assert!(o.stderr.contains("inside the input"));
    assert!(!t.path("site/x.conf").exists());
    let o = t.run(&[
        "build",
        "site",
        "--out",
        "out2",
        "--no-nginx",
        "--no-images",
    ]);
    o.expect_code(0);
    assert!(!t.path("out2.nginx.conf").exists());
    t.write(
        "assetpress.toml",
        "[cache_control]\nhtml = \"x\\\"; evil\"\n",
    );
    let o = t.run(&["build", "site", "--out", "out3"]);
    o.expect_code(2);
}

#[test]
fn integrity_in_cycles_under_a_cdn_and_next_to_input_copies() {
    let t = TestDir::new();
    // A page that is hashed (upper-case extension) and in a cycle with its script.
    t.write(
        "in/Upper.HTML",
        "<!doctype html><script src=\"c.js\"></script><link rel=preload as=script href=\"c.js.map\" integrity=\"sha384-x\">",
    );
    t.write(
        "in/c.js",
        "export const page = new URL('./Upper.HTML', import.meta.url);\n//# sourceMappingURL=c.js.map\n",
    );
    t.write(
        "in/c.js.map",
        r#"{"version":3,"sources":["c.ts"],"names":[],"mappings":"AAAA"}"#,
    );
    // A page with an author's integrity, built for a CDN.
    let lib = "export function f(a) { return a + 1; }\n".repeat(40);
    t.write("in/lib.js", &lib);
    t.write(
        "in/index.html",
        "<!doctype html><script type=module src=\"lib.js\" integrity=\"sha384-stale\"></script>",
    );
    // A kept file that brings its own (stale) precompressed copy.
    t.write("in/keep/app.js", "console.log('app');\n".repeat(100));
    t.write("in/keep/app.js.gz", "stale");
    t.run(&[
        "build",
        "in",
        "--out",
        "out",
        "--sri",
        "--keep-name",
        "keep/**",
        "--json",
    ])
    .expect_code(0);
    let tree = crate::util::tree(&t.path("out"));
    for (rel, bytes) in &tree {
        assert!(
            !String::from_utf8_lossy(bytes).contains("!~{#"),
            "{rel}: a placeholder is left"
        );
    }
    assert_eq!(tree["keep/app.js.gz"], b"stale", "the input's file is kept");
    assert!(tree.contains_key("keep/app.js.br"));
    t.run(&["verify", "out"]).expect_code(0);

    t.run(&[
        "build",
        "in",
        "--out",
        "cdn",
        "--public-url",
        "https://cdn.example.test/",
    ])
    .expect_code(0);
    let page = t.read_string("cdn/index.html");
    let m = manifest(&t.path("cdn"));
    assert!(
        page.contains(&format!(
            "integrity=\"{}\" crossorigin=\"anonymous\"",
            m["assets"]["lib.js"]["integrity"].as_str().unwrap()
        )),
        "{page}"
    );
    assert!(page.contains("https://cdn.example.test/lib."), "{page}");
    let snippet = t.read_string("cdn.nginx.conf");
    assert!(snippet.contains("add_header Access-Control-Allow-Origin \"*\";"));
}
