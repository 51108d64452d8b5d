//! Sizes as people read them.

/// Bytes as B, KB, MB (powers of 1024).
pub fn human(bytes: u64) -> String {
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.1} KB", b / 1024.0)
    } else {
        format!("{:.2} MB", b / (1024.0 * 1024.0))
    }
}

/// A size change with its sign: `+1.2 KB`, `-300 B`, `0 B`.
pub fn signed(delta: i64) -> String {
    let sign = if delta > 0 {
        "+"
    } else if delta < 0 {
        "-"
    } else {
        ""
    };
    format!("{sign}{}", human(delta.unsigned_abs()))
}
