//! Integration tests: the real `assetpress` binary run over fixtures from
//! `testdata/` copied into temporary folders, asserting on output files,
//! printed reports and exit statuses.

mod bad_input;
mod browser;
mod build;
mod cache;
mod config;
mod corpus;
mod delivery;
mod hashing;
mod images;
mod safety;
mod scale;
mod serve;
mod sourcemaps;
mod util;
