//! Integration tests: the real `assetpress` binary run over fixtures from
//! `testdata/` copied into temporary folders, asserting on output files,
//! printed reports and exit statuses.

mod bad_input;
mod build;
mod config;
mod corpus;
mod hashing;
mod images;
mod safety;
mod sourcemaps;
mod util;
