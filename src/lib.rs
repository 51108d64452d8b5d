//! assetpress turns a frontend build folder (`dist/`, `public/`, a static
//! site) into CDN-ready output.
//!
//! One run is a pipeline of plain stages; data flows forward only:
//!
//! ```text
//! discover ─► transform (parallel) ─► graph ─► hash & name ─► emit ─► report
//!  walk,        minify JS (swc),       resolve     content hash    staging dir,   table, --json,
//!  classify     minify CSS             references, over each file  atomic swap,   exit status
//!               (lightningcss),        cycles      and what it     manifests
//!               source maps, rewrite               references
//!               references with
//!               hash placeholders
//! ```
//!
//! [`run`] executes it for a [`Config`]. A bad input file never stops a run:
//! it becomes a [`Diagnostic`] and is passed through unchanged.

pub mod asset;
pub mod cache;
pub mod cli;
pub mod config;
pub mod discover;
pub mod emit;
pub mod error;
pub mod graph;
pub mod hash;
pub mod held;
pub mod pipeline;
pub mod placeholder;
pub mod report;
pub mod resolve;
pub mod rewrite;
pub mod targets;
pub mod transform;
pub mod verify;

pub use config::Config;
pub use error::{Diagnostic, Error, Result};
pub use pipeline::{NoProgress, Progress};
pub use report::Report;

/// Runs the whole pipeline for `config`, without progress output.
pub fn run(config: &Config) -> Result<Report> {
    pipeline::run(config, &NoProgress)
}
