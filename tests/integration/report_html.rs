//! `--report-html FILE`: one self-contained page per build. (Chromium
//! opening it is tested in tests/e2e/report_html.rs.)

use crate::util::{edit_site_css, TestDir};

/// The JSON island of a report page.
fn island(page: &str) -> serde_json::Value {
    let start = page
        .find("<script type=\"application/json\" id=\"data\">")
        .expect("data island")
        + "<script type=\"application/json\" id=\"data\">".len();
    let end = start + page[start..].find("</script>").unwrap();
    serde_json::from_str(&page[start..end]).unwrap()
}

#[test]
fn the_page_is_self_contained_and_the_same_for_the_same_build() {
    let t = TestDir::with_fixture("site");
    let a = t.run(&[
        "build",
        "site",
        "--out",
        "out",
        "--report-html",
        "a.html",
        "--json",
    ]);
    let json = a.expect_code(0).json();
    assert!(json["outputs"]["report_html"]
        .as_str()
        .unwrap()
        .ends_with("a.html"));
    // Again, without the cache: the same page.
    t.run(&[
        "build",
        "site",
        "--out",
        "out",
        "--report-html",
        "b.html",
        "--no-cache",
    ])
    .expect_code(0);
    let page = t.read_string("a.html");
    assert!(page == t.read_string("b.html"), "a.html and b.html differ");

    // Nothing to fetch: no external script, stylesheet, image or font.
    for banned in [
        "<script src",
        "<link rel=\"stylesheet\"",
        "<img",
        "url(",
        "@import",
        "<iframe",
    ] {
        assert!(!page.contains(banned), "{banned}");
    }
    assert_eq!(page.matches("<link ").count(), 1, "only the data: icon");
    assert!(page.contains("<link rel=\"icon\" href=\"data:,\">"));
    // Readable without JavaScript: the summary is markup.
    assert!(page.contains("Exit status 0: every file was processed."));
    assert!(page.contains("<td><span class=\"sw k-js\"></span>js</td><td>5</td>"));

    let data = island(&page);
    let files = data["files"].as_array().unwrap();
    let variants = json["totals"]["variants"][0].as_u64().unwrap() as usize;
    assert_eq!(
        files.len(),
        json["files"].as_array().unwrap().len() + variants
    );
    // A renamed script: its folder, hashed name, original name.
    let dirs = data["dirs"].as_array().unwrap();
    let app = files
        .iter()
        .find(|f| f[2] == "app.js")
        .expect("js/app.js renamed");
    assert_eq!(dirs[app[0].as_u64().unwrap() as usize], "js");
    assert!(
        app[1].as_str().unwrap().starts_with("app.") && app[1] != "app.js",
        "{app}"
    );
    // Each WebP variant of the photo with its PSNR.
    let images = data["images"].as_array().unwrap();
    let hero = images
        .iter()
        .find(|i| files[i[0].as_u64().unwrap() as usize][1] == "hero-valley.jpg")
        .expect("the photo");
    assert_eq!(
        (hero[1].as_u64(), hero[2].as_u64()),
        (Some(1600), Some(1000))
    );
    let webp: Vec<&serde_json::Value> = hero[3]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v[3] == "webp")
        .collect();
    assert!(webp.len() >= 3, "{hero}");
    for v in webp {
        let psnr = v[5].as_f64().unwrap();
        assert!((25.0..60.0).contains(&psnr), "{v}");
    }
    // The markup a page got for it.
    assert!(hero[4].as_str().unwrap().contains("-480w."), "{}", hero[4]);
    // Why a file keeps its name, with where it is named.
    let reasons = data["reasons"].as_array().unwrap();
    let kept = files
        .iter()
        .position(|f| f[1] == "hero-valley.jpg")
        .unwrap();
    let why = files[kept][8].as_u64().unwrap() as usize;
    assert_eq!(reasons[why - 1], "named outside a reference");
    assert!(data["at"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a[0] == kept && a[1].as_str().unwrap().starts_with("index.html:")));
    // What index.html references.
    let index = files.iter().position(|f| f[1] == "index.html").unwrap();
    let refs = data["refs"][index].as_array().unwrap();
    assert!(refs
        .iter()
        .any(|r| files[r.as_u64().unwrap() as usize][2] == "main.css"));
}

#[test]
fn times_only_when_asked() {
    let t = TestDir::with_fixture("site");
    t.run(&["build", "site", "--out", "a", "--report-html", "a.html"])
        .expect_code(0);
    assert!(!t.read_string("a.html").contains("<h3>Stage times</h3>"));
    t.write(
        "assetpress.toml",
        "report_html = \"reports/b.html\"\nreport_times = true\n",
    );
    t.run(&["build", "site", "--out", "b"]).expect_code(0);
    let page = t.read_string("reports/b.html");
    assert!(
        page.contains("<h3>Stage times</h3>"),
        "from assetpress.toml"
    );
    assert!(page.contains("<tr><td>transform</td><td>"));
}

#[test]
fn the_page_is_never_written_into_the_output_or_the_input() {
    let t = TestDir::with_fixture("site");
    let run = t.run(&[
        "build",
        "site",
        "--out",
        "out",
        "--report-html",
        "out/r.html",
    ]);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("--report-html out/r.html: inside the output folder"),
        "{}",
        run.stderr
    );
    t.run(&[
        "build",
        "site",
        "--out",
        "out",
        "--report-html",
        "site/r.html",
    ])
    .expect_code(2);
    assert!(!t.path("site/r.html").exists());
}

#[test]
fn errors_budgets_and_the_baseline_are_in_the_page() {
    let t = TestDir::with_fixture("site");
    t.write(
        "assetpress.toml",
        "[[budget]]\nname = \"scripts\"\npath = \"**/*.js\"\nlimit = \"1 kB\"\n",
    );
    t.run(&["build", "site", "--out", "base"]).expect_code(1);
    edit_site_css(&t, 1);
    t.write("site/js/broken.js", "let x = ;\n");
    let run = t.run(&[
        "build",
        "site",
        "--out",
        "out",
        "--baseline",
        "base/assetpress-manifest.json",
        "--report-html",
        "r.html",
    ]);
    run.expect_code(1);
    let page = t.read_string("r.html");
    assert!(
        page.contains("<p class=\"status bad\">Exit status 1: 1 error (the files were copied unchanged), and 1 budget exceeded</p>"),
        "{page}"
    );
    assert!(page.contains("<code>js/broken.js:1:9: "), "path:line:col");
    assert!(page.contains("<tr class=\"bad\"><td>scripts</td><td>brotli</td>"));
    assert!(page.contains("<h2 id=\"h-budgets\">Budgets and baseline</h2>"));
    // The largest change first: the stylesheet edited.
    let first = page.find("<h3>Largest changes</h3>").unwrap();
    assert!(
        page[first..].find("<td>css/base.css</td>").unwrap()
            < page[first..].find("</tbody>").unwrap()
    );
    assert!(page.contains("css/main.css ← css/base.css (bytes changed)"));
    let data = island(&page);
    assert!(data["deltas"].as_array().unwrap().len() >= 2);
}

/// Regression: a file name is data, never markup, in the page or its island.
#[test]
fn odd_file_names_stay_text() {
    let t = TestDir::with_fixture("site");
    let odd = "odd<!--<script>'\"&.txt";
    t.write(&format!("site/{odd}"), "text");
    t.run(&["build", "site", "--out", "out", "--report-html", "r.html"])
        .expect_code(0);
    let page = t.read_string("r.html");
    assert!(!page.contains("<!--"), "no comment opened by a name");
    assert_eq!(
        page.matches("<script").count(),
        2,
        "the island and the script"
    );
    let data = island(&page);
    assert!(data["files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f[1] == odd));
}
