//! Source maps: written beside each minified file, and composed with the map
//! the input already had so positions still reach the original sources.

use crate::util::{tree_by_original, TestDir};

const GREET: &str = "// Greets people.\nexport function greet(name) {\n  const message = \"hello, \" + name;\n  return message.toUpperCase();\n}\n";

/// The file name of the source map written for the input `original`.
fn map_name(t: &TestDir, out: &str, original: &str) -> String {
    let path = t.out_path(out, &format!("{original}.map"));
    path.rsplit('/').next().unwrap().to_string()
}

/// Finds `needle` in `code` and returns its 0-based line and column.
fn position(code: &str, needle: &str) -> (u32, u32) {
    let at = code
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in {code}"));
    let line = code[..at].matches('\n').count() as u32;
    let col = (at - code[..at].rfind('\n').map_or(0, |i| i + 1)) as u32;
    (line, col)
}

#[test]
fn map_points_back_to_the_original_lines() {
    let t = TestDir::new();
    t.write("in/greet.js", GREET);
    t.run(&["build", "in", "--out", "out"]).expect_code(0);
    let code = t.read_out_string("out", "greet.js");
    let map = swc_sourcemap::SourceMap::from_slice(&t.read_out("out", "greet.js.map")).unwrap();
    let (l, c) = position(&code, "\"hello, \"");
    let tok = map.lookup_token(l, c).unwrap();
    assert_eq!(
        tok.get_source().map(|s| s.to_string()).as_deref(),
        Some("greet.js")
    );
    assert_eq!(
        tok.get_src_line(),
        2,
        "the string literal is on line 3 of the original"
    );
    assert_eq!(
        map.get_source_contents(0).map(|s| s.to_string()),
        Some(GREET.to_string())
    );
}

#[test]
fn existing_map_elsewhere_is_composed_and_rebased() {
    let t = TestDir::new();
    // First pass: a readable source becomes "compiled" code with a map.
    t.write("src/greet.js", GREET);
    t.run(&["build", "src", "--out", "mid"]).expect_code(0);
    // Second pass: that compiled code lives elsewhere, its map in maps/.
    let map_name = map_name(&t, "mid", "greet.js");
    let compiled = t.read_out_string("mid", "greet.js").replace(
        &format!("sourceMappingURL={map_name}"),
        "sourceMappingURL=../maps/app.js.map",
    );
    t.write("in/js/app.js", compiled);
    t.write("in/maps/app.js.map", t.read_out("mid", "greet.js.map"));
    let run = t.run(&["build", "in", "--out", "out", "--json"]);
    run.expect_code(0);
    assert_eq!(
        run.json()["warnings"].as_array().unwrap().len(),
        0,
        "{}",
        run.stdout
    );
    let out = tree_by_original(&t.path("out"));
    assert!(
        !out.contains_key("maps/app.js.map"),
        "the input map is folded into the new one"
    );
    let map = swc_sourcemap::SourceMap::from_slice(&out["js/app.js.map"]).unwrap();
    let code = String::from_utf8(out["js/app.js"].clone()).unwrap();
    let (l, c) = position(&code, "\"hello, \"");
    let tok = map.lookup_token(l, c).unwrap();
    assert_eq!(
        tok.get_source().map(|s| s.to_string()).as_deref(),
        Some("../maps/greet.js"),
        "source rebased from maps/ to js/"
    );
    assert_eq!(tok.get_src_line(), 2, "still the original line 3");
    assert!(map
        .get_source_contents(tok.get_src_id())
        .unwrap()
        .contains("Greets people"));
}

#[test]
fn inline_data_url_map_is_composed() {
    let t = TestDir::new();
    t.write("src/greet.js", GREET);
    t.run(&["build", "src", "--out", "mid"]).expect_code(0);
    let map = t.read_out("mid", "greet.js.map");
    let b64 = base64_encode(&map);
    let compiled = t.read_out_string("mid", "greet.js").replace(
        &format!("sourceMappingURL={}", map_name(&t, "mid", "greet.js")),
        &format!("sourceMappingURL=data:application/json;base64,{b64}"),
    );
    t.write("in/app.js", compiled);
    t.run(&["build", "in", "--out", "out"]).expect_code(0);
    let out = swc_sourcemap::SourceMap::from_slice(&t.read_out("out", "app.js.map")).unwrap();
    let code = t.read_out_string("out", "app.js");
    assert!(!code.contains("base64"), "the inline map is replaced");
    let (l, c) = position(&code, "\"hello, \"");
    assert_eq!(out.lookup_token(l, c).unwrap().get_src_line(), 2);
}

#[test]
fn broken_or_missing_input_maps_are_warnings_not_failures() {
    let t = TestDir::new();
    t.write(
        "in/a.js",
        "export const a = 1;\n//# sourceMappingURL=a.js.map\n",
    );
    t.write("in/a.js.map", "{ not json");
    t.write(
        "in/b.js",
        "export const b = 2;\n//# sourceMappingURL=missing.map\n",
    );
    t.write(
        "in/c.css",
        ".c { color: red }\n/*# sourceMappingURL=c.css.map */\n",
    );
    t.write(
        "in/c.css.map",
        "{\"version\":3,\"sources\":[\"c.scss\"],\"names\":[],\"mappings\":\"AAAA\"}",
    );
    let run = t.run(&["build", "in", "--out", "out", "--json"]);
    run.expect_code(0);
    let warnings = run.json()["warnings"].to_string();
    assert!(
        warnings.contains("a.js.map") && warnings.contains("not valid JSON"),
        "{warnings}"
    );
    assert!(
        warnings.contains("missing.map") && warnings.contains("not found"),
        "{warnings}"
    );
    assert!(!warnings.contains("c.css"), "{warnings}");
    assert!(t.read_out_string("out", "a.js").ends_with(&format!(
        "//# sourceMappingURL={}\n",
        map_name(&t, "out", "a.js")
    )));
    let css_map: serde_json::Value =
        serde_json::from_slice(&t.read_out("out", "c.css.map")).unwrap();
    assert!(
        css_map["sources"].to_string().contains("c.scss"),
        "{css_map}"
    );
}

#[test]
fn without_source_maps_stale_input_maps_are_dropped() {
    let t = TestDir::new();
    t.write(
        "in/a.js",
        "export const a = 1;\n//# sourceMappingURL=a.js.map\n",
    );
    t.write(
        "in/a.js.map",
        "{\"version\":3,\"sources\":[\"a.ts\"],\"mappings\":\"\"}",
    );
    t.write("in/unrelated.map", "{}");
    t.run(&["build", "in", "--out", "out", "--no-source-maps"])
        .expect_code(0);
    let names: Vec<String> = tree_by_original(&t.path("out")).into_keys().collect();
    assert_eq!(names, ["a.js", "unrelated.map"]);
    assert!(!t
        .read_out_string("out", "a.js")
        .contains("sourceMappingURL"));
}

fn base64_encode(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                s.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

#[test]
fn a_source_mapping_url_naming_a_script_does_not_drop_that_script() {
    let t = TestDir::new();
    t.write(
        "in/a.js",
        "export const a = 1;\n//# sourceMappingURL=b.js\n",
    );
    t.write("in/b.js", "export const b = 2;\n");
    let run = t.run(&["build", "in", "--out", "out", "--json"]);
    run.expect_code(0);
    // b.js is written, reported and in the manifest, like any script.
    let names: Vec<String> = tree_by_original(&t.path("out")).into_keys().collect();
    assert!(names.contains(&"b.js".to_string()), "{names:?}");
    assert!(t.read_out_string("out", "b.js").contains("const b"));
    let m = crate::util::manifest(&t.path("out"));
    assert!(m["assets"]["b.js"].is_object(), "{m}");
    t.run(&["verify", "out"]).expect_code(0);
}
