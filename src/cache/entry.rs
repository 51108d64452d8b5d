//! One cache entry on disk: `MAGIC`, an HMAC-SHA-256 (under the key kept
//! outside the cache) of the entry's own cache key and its payload, then
//! the payload — a description and the byte strings it refers to.

use sha2::Sha256;

/// First bytes of every entry.
const MAGIC: &[u8; 8] = b"APCACHE3";

/// HMAC-SHA-256, the entries' authentication.
type Mac = hmac::Hmac<Sha256>;

/// One result: a small description and the byte strings it refers to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    /// What the result is (JSON, or anything the kind's user wants).
    pub meta: Vec<u8>,
    /// Its bytes (files, in an order the meta gives meaning to).
    pub blobs: Vec<Vec<u8>>,
}

/// The HMAC of the entry of `key` holding `payload`, under `secret`: the
/// key is covered too, so a valid entry copied to another entry's place
/// (an older result over a newer one) fails its check.
fn mac(secret: &[u8], key: &[u8; 32], payload: &[u8]) -> Mac {
    let mut mac =
        <Mac as hmac::KeyInit>::new_from_slice(secret).expect("HMAC takes keys of any length");
    hmac::Mac::update(&mut mac, key);
    hmac::Mac::update(&mut mac, payload);
    mac
}

/// `MAGIC`, the HMAC-SHA-256 of the key and the payload, then the
/// payload: the meta and each blob, each as a little-endian u64 length and
/// its bytes.
pub(super) fn encode(entry: &Entry, secret: &[u8], key: &[u8; 32]) -> Vec<u8> {
    let mut payload = Vec::with_capacity(
        16 + entry.meta.len() + entry.blobs.iter().map(|b| b.len() + 8).sum::<usize>(),
    );
    payload.extend_from_slice(&(entry.meta.len() as u64).to_le_bytes());
    payload.extend_from_slice(&entry.meta);
    for b in &entry.blobs {
        payload.extend_from_slice(&(b.len() as u64).to_le_bytes());
        payload.extend_from_slice(b);
    }
    let mut out = Vec::with_capacity(payload.len() + 40);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&hmac::Mac::finalize(mac(secret, key, &payload)).into_bytes());
    out.extend_from_slice(&payload);
    out
}

/// The entry `bytes` hold, when their HMAC under `secret` checks for the
/// entry of `key`.
pub(super) fn decode(bytes: &[u8], secret: &[u8], key: &[u8; 32]) -> Option<Entry> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let (tag, payload) = rest.split_at_checked(32)?;
    // Compared in constant time.
    hmac::Mac::verify_slice(mac(secret, key, payload), tag).ok()?;
    let mut parts = Vec::new();
    let mut p = payload;
    while !p.is_empty() {
        let (len, rest) = p.split_at_checked(8)?;
        let len = usize::try_from(u64::from_le_bytes(len.try_into().ok()?)).ok()?;
        let (part, rest) = rest.split_at_checked(len)?;
        parts.push(part.to_vec());
        p = rest;
    }
    let mut parts = parts.into_iter();
    Some(Entry {
        meta: parts.next()?,
        blobs: parts.collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;

    #[test]
    fn entries_round_trip_and_corruption_is_detected() {
        let e = Entry {
            meta: b"{\"a\":1}".to_vec(),
            blobs: vec![vec![], b"xyz".to_vec()],
        };
        let k = [7u8; 32];
        let bytes = encode(&e, b"key", &k);
        assert_eq!(decode(&bytes, b"key", &k), Some(e));
        for i in [0, 10, 45, bytes.len() - 1] {
            let mut bad = bytes.clone();
            bad[i] ^= 1;
            assert_eq!(decode(&bad, b"key", &k), None, "byte {i}");
        }
        assert_eq!(decode(&bytes[..bytes.len() - 1], b"key", &k), None);
        // The entry of another key: a valid entry moved to another place.
        assert_eq!(decode(&bytes, b"key", &[8u8; 32]), None);
    }

    /// Regression: entries carried only their own checksum, so whoever could
    /// write the cache could ship code.
    #[test]
    fn an_entry_made_without_the_key_is_refused() {
        let e = Entry {
            meta: b"{}".to_vec(),
            blobs: vec![b"alert(1)".to_vec()],
        };
        let k = [7u8; 32];
        assert_eq!(decode(&encode(&e, b"another key", &k), b"key", &k), None);
        // The old scheme: a plain SHA-256 of the payload.
        let mut forged = encode(&e, b"key", &k);
        let sum = Sha256::digest(&forged[40..]);
        forged[8..40].copy_from_slice(&sum);
        assert_eq!(decode(&forged, b"key", &k), None);
    }
}
