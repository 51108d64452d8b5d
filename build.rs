//! The build identity: a SHA-256 of everything that decides what this
//! binary does (its sources, `Cargo.toml`, `Cargo.lock`, the compiler's
//! version, the target, profile, flags and features), fixed at compile
//! time. The transform cache keys every entry with it, so any other build
//! of assetpress misses every entry — without reading the binary at every
//! run. Built without its own `Cargo.lock` (as a dependency of another
//! crate), the dependencies' versions are unknown here: the build says so
//! (`ASSETPRESS_BUILD_LOCKED=0`) and the cache hashes the binary instead.

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let mut files = vec![root.join("Cargo.toml"), root.join("Cargo.lock")];
    collect(&root.join("src"), &mut files);
    files.sort();
    let mut h = Sha256::new();
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f.strip_prefix(&root).unwrap_or(f);
        // A missing Cargo.lock (a library consumer) counts as empty.
        let bytes = fs::read(f).unwrap_or_default();
        for part in [rel.to_string_lossy().as_bytes(), &bytes] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part);
        }
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = std::process::Command::new(rustc)
        .arg("-vV")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let mut vars: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| k.starts_with("CARGO_FEATURE_") || k.starts_with("CARGO_CFG_TARGET_"))
        .collect();
    vars.sort();
    for var in [
        "TARGET",
        "PROFILE",
        "OPT_LEVEL",
        "CARGO_PKG_VERSION",
        "CARGO_ENCODED_RUSTFLAGS",
        "CC",
        "CFLAGS",
    ] {
        vars.push((var.into(), std::env::var(var).unwrap_or_default()));
        println!("cargo:rerun-if-env-changed={var}");
    }
    vars.push(("rustc -vV".into(), version));
    for (k, v) in &vars {
        for part in [k.as_bytes(), v.as_bytes()] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part);
        }
    }
    let locked = root.join("Cargo.lock").is_file();
    println!(
        "cargo:rustc-env=ASSETPRESS_BUILD_LOCKED={}",
        if locked { 1 } else { 0 }
    );
    println!("cargo:rerun-if-changed=src");
    let digest: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    println!("cargo:rustc-env=ASSETPRESS_BUILD_ID={digest}");
}

/// Every file under `dir`, in any order (sorted by the caller).
fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => collect(&p, out),
            Ok(t) if t.is_file() => out.push(p),
            _ => {}
        }
    }
}
