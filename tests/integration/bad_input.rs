//! Bad input never stops a run: the file gets one `path:line:col: message`
//! error, is copied through unchanged, every other file is still processed,
//! and the exit status is 1.

use crate::util::{hostile, repo, run_measured, tree, tree_by_original, TestDir};

/// `testdata/bad` (syntax errors, random bytes, Latin-1, recoverable CSS)
/// plus files nested far deeper than any real code, made here to keep the
/// repository small.
fn bad_site() -> TestDir {
    let t = TestDir::with_fixture("bad");
    std::fs::rename(t.path("bad"), t.path("in")).unwrap();
    t.write(
        "in/deep.js",
        format!("var x = {}0{};\n", "[".repeat(100_000), "]".repeat(100_000)),
    );
    t.write(
        "in/deep-parens.js",
        format!("var y = {}0{};\n", "(".repeat(100_000), ")".repeat(100_000)),
    );
    t.write(
        "in/deep.css",
        format!(
            ".a {{ width: {}1px{} }}\n",
            "calc(".repeat(100_000),
            ")".repeat(100_000)
        ),
    );
    // swc parses a long else-if chain in quadratic time: turned away before parsing.
    t.write(
        "in/deep-else.js",
        format!("if (a) x();{}\n", " else if (a) x();".repeat(100_000)),
    );
    t.write(
        "in/deep-chain.js",
        format!("f = {}0;\n", "a => !".repeat(200_000)),
    );
    t.write(
        "in/deep-blocks.js",
        format!("{}{}\n", "{".repeat(100_000), "}".repeat(100_000)),
    );
    // Regression: the nesting pre-scans took `/` after `}` for a regular
    // expression and a quote in an unquoted url( for a string, and skipped
    // what followed on the line, which the parsers then nested into.
    t.write(
        "in/deep-division.js",
        format!(
            "x = {{}}/1+{}1{};\n",
            "(".repeat(100_000),
            ")".repeat(100_000)
        ),
    );
    t.write(
        "in/deep-url.css",
        format!("a {{ b: url(x\"y) {}\n", "(".repeat(100_000)),
    );
    t
}

#[test]
fn bad_files_are_errors_copied_unchanged_and_the_run_finishes() {
    let t = bad_site();
    let run = t.run(&["build", "in", "--out", "out", "--json"]);
    run.expect_code(1);
    let j = run.json();
    let errors: Vec<String> = j["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{}:{}:{}", e["path"].as_str().unwrap(), e["line"], e["col"]))
        .collect();
    let bad = [
        "deep-blocks.js",
        "deep-chain.js",
        "deep-division.js",
        "deep-else.js",
        "deep-parens.js",
        "deep-url.css",
        "deep.css",
        "deep.js",
        "latin1.css",
        "noise.css",
        "noise.js",
        "syntax.js",
    ];
    let paths: Vec<&str> = errors
        .iter()
        .map(|e| e.split(':').next().unwrap())
        .collect();
    assert_eq!(paths, bad, "one error per bad file: {errors:?}");
    assert!(errors.contains(&"syntax.js:2:10".to_string()), "{errors:?}");
    assert!(
        errors.contains(&"latin1.css:1:19".to_string()),
        "{errors:?}"
    );
    // The same errors on stderr, one line each, as path:line:col: message.
    for e in &errors {
        assert!(
            run.stderr.contains(&format!("error: {e}: ")),
            "{e} not on stderr:\n{}",
            run.stderr
        );
    }
    let input = tree(&t.path("in"));
    let output = tree_by_original(&t.path("out"));
    for name in bad {
        assert_eq!(input[name], output[name], "{name} must be copied unchanged");
        assert!(!output.contains_key(&format!("{name}.map")));
    }
    assert_eq!(
        t.read_out_string("out", "good.css")
            .trim_end()
            .lines()
            .next()
            .unwrap(),
        ".ok{color:#fff}"
    );
    let good = t.read_out_string("out", "good.js");
    assert!(
        good.lines().next().unwrap().len() < input["good.js"].len() - 5,
        "{good}"
    );
    for f in j["files"].as_array().unwrap() {
        let expect = if bad.contains(&f["path"].as_str().unwrap()) {
            "failed"
        } else {
            "minified"
        };
        assert_eq!(f["status"], expect, "{f}");
    }
}

#[test]
fn table_shows_errors_with_locations() {
    let t = bad_site();
    let run = t.run(&["build", "in", "--out", "out"]);
    run.expect_code(1);
    assert!(run.stdout.contains("12 errors:"), "{}", run.stdout);
    assert!(run.stdout.contains("  syntax.js:2:10: "), "{}", run.stdout);
}

#[test]
fn recoverable_css_is_minified_with_warnings_and_strict_fails() {
    let t = TestDir::new();
    t.write(
        "in/vendor.css",
        std::fs::read(repo().join("testdata/bad/vendor.css")).unwrap(),
    );
    let run = t.run(&["build", "in", "--out", "out", "--json"]);
    run.expect_code(0);
    let j = run.json();
    let w = &j["warnings"].as_array().unwrap()[0];
    assert_eq!(
        (w["path"].as_str(), w["line"].as_u64(), w["col"].as_u64()),
        (Some("vendor.css"), Some(2), Some(10)),
        "{w}"
    );
    let css = t.read_out_string("out", "vendor.css");
    assert!(
        css.contains(".a{color:red}") && css.contains(".d{margin:0}"),
        "{css}"
    );
    t.run(&["build", "in", "--out", "out", "--strict"])
        .expect_code(1);
}

#[test]
fn nesting_limit_is_configurable() {
    let t = TestDir::new();
    t.write(
        "in/a.js",
        format!("var x = {}0{};\n", "[".repeat(50), "]".repeat(50)),
    );
    t.run(&["build", "in", "--out", "out"]).expect_code(0);
    let run = t.run(&["build", "in", "--out", "out", "--max-nesting-depth", "20"]);
    run.expect_code(1);
    assert!(
        run.stdout.contains("a.js:1:") && run.stdout.contains("nesting deeper than 20"),
        "{}",
        run.stdout
    );
}

#[test]
fn oversized_files_are_copied_with_a_warning() {
    let t = TestDir::new();
    t.write("in/big.js", format!("var a = \"{}\";\n", "x".repeat(2000)));
    let run = t.run(&["build", "in", "--out", "out", "--max-text-size", "1000"]);
    run.expect_code(0);
    assert!(
        run.stdout
            .contains("big.js: 2012 bytes is over the limit of 1000"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("left as they were: 1 (1 over --max-text-size)"),
        "{}",
        run.stdout
    );
    assert_eq!(t.read_out("out", "big.js"), t.read("in/big.js"));
}

/// Regression: `--strict` with `-q` or `--json` exited 1 and printed no
/// reason; the reason is on stderr and in the JSON in every mode.
#[test]
fn a_non_zero_exit_always_says_why() {
    let t = TestDir::new();
    t.write("in/index.html", "<link rel=stylesheet href=missing.css>");
    for mode in [&["-q"][..], &["--json"], &["--json", "-q"]] {
        let mut args = vec!["build", "in", "--out", "out", "--strict"];
        args.extend_from_slice(mode);
        let run = t.run(&args);
        run.expect_code(1);
        assert!(
            run.stderr.contains("missing.css")
                && run.stderr.contains("--strict: 1 warning count as errors"),
            "{mode:?}: {}",
            run.stderr
        );
        if mode.contains(&"--json") {
            let json = run.json();
            assert_eq!(json["exit_status"], 1, "{mode:?}");
            assert_eq!(json["exit_reason"], "--strict: 1 warning count as errors");
        }
    }
}

/// Regression: the frames of a GIF were decoded without limits to tell
/// whether it is animated, so this 35-byte file took 419 MB (2–4 GB on
/// other builds) even with --max-pixels 1000000.
#[cfg(unix)]
#[test]
fn a_gif_frame_larger_than_its_screen_is_decoded_within_the_pixel_limit() {
    let t = TestDir::new();
    t.write("in/bomb.gif", hostile::gif_frame_bomb());
    let args = [
        "build",
        "in",
        "--out",
        "out",
        "--json",
        "--max-pixels",
        "1000000",
    ];
    let (code, stdout, _, peak_mb) = run_measured(&t, &args);
    assert_eq!(code, 0, "{stdout}");
    assert!(peak_mb < 200, "peak {peak_mb} MB");
    assert!(stdout.contains("incomplete image"), "{stdout}");
    assert_eq!(t.read("out/bomb.gif"), hostile::gif_frame_bomb());
}

/// Regression: pages and SVG in a legacy encoding were copied silently
/// with stale references (exit 0, no warning, `verify` ok). They are now
/// read in the encoding they declare and written back in it.
#[test]
fn pages_in_a_legacy_encoding_are_rewritten_in_their_encoding() {
    let t = TestDir::new();
    t.write("in/css/site.css", "body { color: #123456 }\n");
    t.write("in/img/dot.png", crate::util::tiny_png());
    t.write(
        "in/latin1.html",
        b"<meta charset=\"iso-8859-1\"><title>Caf\xe9</title><link rel=stylesheet href=\"css/site.css\">\n",
    );
    t.write(
        "in/latin1.svg",
        b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><title>caf\xe9</title><image href=\"img/dot.png\"/></svg>\n",
    );
    // Shift_JIS: "日本" in the title.
    t.write(
        "in/sjis.html",
        b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\"><title>\x93\xfa\x96\x7b</title><link rel=stylesheet href=\"css/site.css\">\n",
    );
    let run = t.run(&["build", "in", "--out", "out", "--no-picture", "--json"]);
    run.expect_code(0);
    assert!(run.warnings().is_empty(), "{:?}", run.warnings());
    let css = crate::util::hash_in_name(&t, "out", "css/site.css");
    let png = crate::util::hash_in_name(&t, "out", "img/dot.png");
    let mut latin1 =
        b"<meta charset=\"iso-8859-1\"><title>Caf\xe9</title><link rel=stylesheet href=\"".to_vec();
    latin1.extend(format!("css/site.{css}.css\">\n").bytes());
    assert_eq!(t.read("out/latin1.html"), latin1);
    let svg = t.read("out/latin1.svg");
    assert!(svg.windows(4).any(|w| w == b"caf\xe9"));
    assert!(String::from_utf8_lossy(&svg).contains(&format!("href=\"img/dot.{png}.png\"")));
    let sjis = t.read("out/sjis.html");
    assert!(sjis.windows(4).any(|w| w == b"\x93\xfa\x96\x7b"));
    assert!(String::from_utf8_lossy(&sjis).contains(&format!("href=\"css/site.{css}.css\"")));
    t.run(&["verify", "out"]).expect_code(0);
}

/// A page whose bytes are not what it declares cannot be written back
/// byte for byte: a located error, the page copied unchanged, exit 1 (and
/// the stylesheet it names keeps its name).
#[test]
fn a_page_not_in_the_encoding_it_declares_is_a_located_error() {
    let t = TestDir::new();
    t.write("in/css/site.css", "body { color: #123456 }\n");
    let page: &[u8] =
        b"<meta charset=\"shift_jis\">\n<link rel=stylesheet href=\"css/site.css\"><p>\x82";
    t.write("in/bad.html", page);
    let run = t.run(&["build", "in", "--out", "out"]);
    run.expect_code(1);
    assert!(
        run.stdout.contains("bad.html:2:") && run.stdout.contains("not valid Shift_JIS"),
        "{}",
        run.stdout
    );
    assert_eq!(t.read("out/bad.html"), page);
    assert!(t.path("out/css/site.css").exists());
}
