//! The key cache entries are authenticated with, and the default cache
//! folder: both from the environment of the run.

use std::fs;
use std::io::Write;
use std::path::PathBuf;

/// The environment variable holding the cache key.
pub const KEY_VAR: &str = "ASSETPRESS_CACHE_KEY";

/// The key entries are authenticated with: `ASSETPRESS_CACHE_KEY` when set,
/// else this user's key file (made on first use with 32 random bytes from
/// the operating system, mode 0600). `Err` with the reason when there is
/// neither: the run then goes on without a cache.
pub fn secret() -> Result<Vec<u8>, String> {
    if let Some(key) = std::env::var_os(KEY_VAR).filter(|k| !k.is_empty()) {
        return Ok(key.into_encoded_bytes());
    }
    let from = |var: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let dir = from("XDG_CONFIG_HOME")
        .or_else(|| from("HOME").map(|h| h.join(".config")))
        .map(|d| d.join("assetpress"))
        .ok_or_else(|| format!("no {KEY_VAR} and no home folder for a cache key"))?;
    let path = dir.join("cache-key");
    match fs::read(&path) {
        Ok(key) if key.len() >= 32 => return Ok(key),
        Ok(_) => return Err(format!("{}: too short for a cache key", path.display())),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(format!("{}: {e}", path.display()))
        }
        Err(_) => {}
    }
    let mut key = vec![0u8; 32];
    getrandom::fill(&mut key).map_err(|e| format!("no random bytes for a cache key: {e}"))?;
    let made = fs::create_dir_all(&dir).and_then(|_| {
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(&path)?.write_all(&key)
    });
    match made {
        Ok(()) => Ok(key),
        // Another run made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))
        }
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// The default cache folder: `$XDG_CACHE_HOME/assetpress`, else
/// `$HOME/.cache/assetpress`.
pub fn default_dir() -> Option<PathBuf> {
    let from = |var: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    from("XDG_CACHE_HOME")
        .or_else(|| from("HOME").map(|h| h.join(".cache")))
        .map(|d| d.join("assetpress"))
}
