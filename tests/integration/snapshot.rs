//! The demo site's whole output as snapshots (insta, in `snapshots/`): the
//! file list with sizes, the manifest, the nginx snippet and the built
//! `index.html`, real hashes included, so any change to the output, or
//! hashing that is not stable, shows up in review. After an intended change:
//! `cargo insta review` (or `INSTA_UPDATE=always cargo test --test
//! integration snapshot`) and commit the `.snap` files.

use crate::util::{tree, Built, TestDir};

/// The demo site built with default flags (and no cache, so nothing from an
/// earlier run can show).
fn demo() -> Built {
    TestDir::build("site", &["--no-cache"])
}

/// Every output file with its size, one a line, sorted by path.
fn file_list(b: &Built) -> String {
    tree(&b.path("out"))
        .iter()
        .map(|(path, bytes)| format!("{:>8}  {path}\n", bytes.len()))
        .collect()
}

/// The four renderings of a build, by snapshot name.
fn rendered(b: &Built) -> [(&'static str, String); 4] {
    [
        ("demo_site_files", file_list(b)),
        (
            "demo_site_manifest",
            b.read_string("out/assetpress-manifest.json"),
        ),
        ("demo_site_nginx_conf", b.read_string("out.nginx.conf")),
        ("demo_site_index_html", b.read_string("out/index.html")),
    ]
}

#[test]
fn demo_site_output_matches_the_snapshots() {
    for (name, text) in rendered(&demo()) {
        insta::assert_snapshot!(name, text);
    }
}
