//! The nginx snippet proven on a real nginx: cache headers, content types,
//! precompressed copies and a build served under a base path.

use crate::serve::{get, Nginx, Site};
use crate::util::{decompress, manifest, variant_file, TestDir};

const HASHED: &str = "public, max-age=31536000, immutable";
const IMAGES: &str = "public, max-age=2592000, stale-while-revalidate=86400";
const HTML: &str = "public, max-age=3600, stale-while-revalidate=86400";

#[test]
fn nginx_serves_the_snippets_cache_headers_and_precompressed_files() {
    let t = TestDir::with_fixture("site");
    let o = t.run(&[
        "build",
        "site",
        "--out",
        "out",
        "--nginx-brotli",
        "--widths",
        "480",
    ]);
    o.expect_code(0);
    let snippet = t.path("out.nginx.conf");
    assert!(snippet.exists(), "the snippet is written beside the output");
    assert!(!t.path("out/out.nginx.conf").exists());
    let m = manifest(&t.path("out"));
    let file = |k: &str| format!("/{}", m["assets"][k]["file"].as_str().unwrap());
    let css = file("css/main.css");
    let hashed_png = file("images/icons/icon-192.png");
    let webp = format!("/{}", variant_file(&m, "images/hero-valley.jpg", "webp"));

    // A server block as people write them: an `expires` and an add_header
    // of its own must not lead to a second Cache-Control.
    let nginx = Nginx::start(
        &t.path("nginx"),
        &[Site {
            root: &t.path("out"),
            include: Some(&snippet),
            base: None,
        }],
        "expires 1h; add_header X-Server-Level yes;",
    );
    let port = nginx.ports[0];
    for (path, cache, ty) in [
        (css.as_str(), HASHED, "text/css"),
        (hashed_png.as_str(), HASHED, "image/png"),
        (webp.as_str(), HASHED, "image/webp"),
        ("/favicon.ico", IMAGES, "image/"),
        ("/", HTML, "text/html"),
        ("/about.html", HTML, "text/html"),
        ("/blog/first-post.html", HTML, "text/html"),
    ] {
        let r = get(port, path, &[]);
        assert_eq!(r.status, 200, "{path}: {}", nginx.error_log());
        assert_eq!(r.one("cache-control"), cache, "{path}");
        assert!(r.all("expires").is_empty(), "{path}: {:?}", r.headers);
        assert!(
            r.one("content-type").starts_with(ty),
            "{path}: {:?}",
            r.headers
        );
        let on_disk = t.read(&format!(
            "out{}",
            if path == "/" { "/index.html" } else { path }
        ));
        assert_eq!(r.body, on_disk, "{path}");
    }
    // Source maps and web app manifests get their types, hashed or not.
    let map = format!("/{}", m["assets"]["js/app.js"]["map"].as_str().unwrap());
    assert_eq!(get(port, &map, &[]).one("content-type"), "application/json");
    let wm = get(port, "/site.webmanifest", &[]);
    assert_eq!(wm.status, 200);
    assert_eq!(wm.one("content-type"), "application/manifest+json");

    // The precompressed copies, byte-identical once decompressed.
    for path in [css.as_str(), "/index.html"] {
        let plain = t.read(&format!("out{path}"));
        assert!(t.path(&format!("out{path}.gz")).exists(), "{path}.gz");
        let gz = get(port, path, &[("Accept-Encoding", "gzip")]);
        assert_eq!(gz.one("content-encoding"), "gzip", "{path}");
        assert_eq!(gz.one("vary"), "Accept-Encoding", "{path}");
        assert_eq!(gz.body, t.read(&format!("out{path}.gz")));
        assert_eq!(decompress(&gz.body, true), plain, "{path}");
        let br = get(port, path, &[("Accept-Encoding", "br, gzip")]);
        assert_eq!(br.one("content-encoding"), "br", "{path}");
        assert_eq!(br.one("vary"), "Accept-Encoding", "{path}");
        assert_eq!(decompress(&br.body, false), plain, "{path}");
        assert!(br.one("cache-control").starts_with("public"));
        // A client that takes neither gets the file as it is.
        let plain_r = get(port, path, &[]);
        assert!(plain_r.all("content-encoding").is_empty());
        assert_eq!(plain_r.body, plain);
    }

    // A hashed name that does not exist is a 404, not a page, and not
    // cached for a year.
    let missing = get(port, "/css/main.0123abcd.css", &[]);
    assert_eq!(missing.status, 404);
    assert!(!missing
        .all("cache-control")
        .iter()
        .any(|c| c.contains("immutable")));
    drop(nginx);
}

#[test]
fn nginx_serves_a_build_under_a_base_path_and_brotli_alone_varies() {
    let t = TestDir::with_fixture("site");
    // Its root-absolute `/css/main.css` lies outside `/static/`: a name
    // written where nothing is rewritten, which would keep main.css's.
    std::fs::remove_file(t.path("site/404.html")).unwrap();
    t.run(&[
        "build",
        "site",
        "--out",
        "out",
        "--base",
        "/static/",
        "--no-images",
        "--precompress",
        "br",
        "--nginx-brotli",
    ])
    .expect_code(0);
    let snippet = t.path("out.nginx.conf");
    assert!(t
        .read_string("out.nginx.conf")
        .contains("location ^~ /static/"));
    let nginx = Nginx::start(
        &t.path("nginx"),
        &[Site {
            root: &t.path("out"),
            include: Some(&snippet),
            base: Some("/static/"),
        }],
        "",
    );
    let port = nginx.ports[0];
    let m = manifest(&t.path("out"));
    let css = format!(
        "/static/{}",
        m["assets"]["css/main.css"]["file"].as_str().unwrap()
    );
    let r = get(port, &css, &[]);
    assert_eq!(r.status, 200, "{}", nginx.error_log());
    assert_eq!(r.one("cache-control"), HASHED);
    // With .br copies alone, the plain response varies too.
    assert_eq!(r.one("vary"), "Accept-Encoding");
    let br = get(port, &css, &[("Accept-Encoding", "br")]);
    assert_eq!(br.one("content-encoding"), "br");
    assert!(!br.all("vary").is_empty());
    let page = get(port, "/static/", &[]);
    assert_eq!(page.status, 200);
    assert_eq!(page.one("cache-control"), HTML);
    assert_eq!(get(port, "/static/css/main.0123abcd.css", &[]).status, 404);
}

/// Names a bundler hashed keep their names and are served as hashed names
/// by the snippet: immutable, their maps too, and a missing one is a 404;
/// a file that keeps its name but looks like one (the manifest) is not.
#[test]
fn nginx_serves_names_a_bundler_hashed_as_immutable() {
    let t = TestDir::new();
    t.write(
        "dist/index.html",
        "<script type=\"module\" src=\"/assets/index-DcwB1_I0.js\"></script>\n",
    );
    t.write(
        "dist/assets/index-DcwB1_I0.js",
        "import(\"./lazy-C9F6QpFP.js\").then((m) => m.run());\n//# sourceMappingURL=index-DcwB1_I0.js.map\n",
    );
    t.write(
        "dist/assets/index-DcwB1_I0.js.map",
        "{\"version\":3,\"sources\":[],\"names\":[],\"mappings\":\"\"}\n",
    );
    t.write(
        "dist/assets/lazy-C9F6QpFP.js",
        "export function run() { return 1; }\n",
    );
    t.write(
        "dist/webpack.8914f74bc5740a4ffdbe.css",
        "body { margin: 0 }\n",
    );
    t.write(
        "dist/more.html",
        "<link rel=\"stylesheet\" href=\"webpack.8914f74bc5740a4ffdbe.css\">\n",
    );
    t.run(&["build", "dist", "--out", "out", "--quiet"])
        .expect_code(0);
    for kept in [
        "assets/index-DcwB1_I0.js",
        "assets/lazy-C9F6QpFP.js",
        "webpack.8914f74bc5740a4ffdbe.css",
    ] {
        assert!(t.path("out").join(kept).is_file(), "{kept} kept its name");
    }
    let snippet = t.path("out.nginx.conf");
    let nginx = Nginx::start(
        &t.path("nginx"),
        &[Site {
            root: &t.path("out"),
            include: Some(&snippet),
            base: None,
        }],
        "",
    );
    let port = nginx.ports[0];
    for path in [
        "/assets/index-DcwB1_I0.js",
        "/assets/index-DcwB1_I0.js.map",
        "/assets/lazy-C9F6QpFP.js",
        "/webpack.8914f74bc5740a4ffdbe.css",
    ] {
        let r = get(port, path, &[]);
        assert_eq!(r.status, 200, "{path}: {}", nginx.error_log());
        assert_eq!(r.one("cache-control"), HASHED, "{path}");
    }
    assert_eq!(get(port, "/assets/gone-AAAAAAAA.js", &[]).status, 404);
    // The manifest looks hashed (`-manifest.json`) but keeps its name: not immutable.
    let m = get(port, "/assetpress-manifest.json", &[]);
    assert_eq!(m.status, 200);
    assert_ne!(m.all("cache-control"), vec![HASHED]);
    assert_eq!(get(port, "/index.html", &[]).one("cache-control"), HTML);
}
