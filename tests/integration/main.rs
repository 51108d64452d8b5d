//! Integration tests: the real `assetpress` binary run over fixtures from
//! `testdata/` copied into temporary folders, asserting on output files,
//! printed reports and exit statuses. They need nothing but a built crate
//! (and python3 and util-linux's `script`, on every machine): tests that
//! need nginx, Chromium, node or the real-input corpus are in `tests/e2e/`.

mod bad_input;
mod build;
mod bundled;
mod cache;
mod config;
mod delivery;
mod hashing;
mod hostile;
mod images;
mod naming;
mod report_html;
mod safety;
mod scale;
mod ship;
mod snapshot;
mod sourcemaps;
#[path = "../support/mod.rs"]
mod util;
