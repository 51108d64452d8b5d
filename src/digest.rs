//! Digests every stage speaks of: SHA-256 in lowercase hex (content hashes,
//! cache keys) and Subresource Integrity values (`sha384-…`). A leaf: it
//! imports nothing of the crate.

use sha2::{Digest, Sha256, Sha384};

/// The Subresource Integrity value of `bytes`.
pub fn sri(bytes: &[u8]) -> String {
    format!("sha384-{}", base64(&Sha384::digest(bytes)))
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// SHA-256 (hex), SRI value and size of the file at `path`, read once.
pub fn of_file(path: &std::path::Path) -> std::io::Result<(String, String, u64)> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut sha256 = Sha256::new();
    let mut sha384 = Sha384::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let k = file.read(&mut buf)?;
        if k == 0 {
            break;
        }
        sha256.update(&buf[..k]);
        sha384.update(&buf[..k]);
        size += k as u64;
    }
    Ok((
        hex(&sha256.finalize()),
        format!("sha384-{}", base64(&sha384.finalize())),
        size,
    ))
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sri_of_the_empty_string() {
        assert_eq!(
            sri(b""),
            "sha384-OLBgp1GsljhM2TJ+sbHjaiH9txEUvgdDTAzHv2P24donTt6/529l+9Ua0vFImLlb"
        );
    }
}
