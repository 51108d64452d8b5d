//! End-to-end tests that need tools a fresh clone does not have: a real
//! nginx (with the brotli static module), headless Chromium, node with the
//! pinned jsdom and playwright-core, and the real-input corpus. Not run by a
//! plain `cargo test` (`test = false` in Cargo.toml): `scripts/test` installs
//! what they need and runs them with `cargo test --test e2e`. A missing tool
//! fails the test with a hint on how to install it; nothing is skipped.

mod apps;
mod backends;
mod browser;
mod ci_files;
mod corpus;
mod delivery;
mod deploy;
mod images;
mod layout;
mod npm;
mod pages;
mod pdfjs;
mod report_html;
mod serve;
mod shared_cache;
#[path = "../support/mod.rs"]
mod util;
