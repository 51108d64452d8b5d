//! The hostile-input suite: every case of `tests/support/hostile.rs` in one
//! input folder, one run of the real binary over it. No panic, the
//! documented exit status, peak memory under 1 GB (read from the child by
//! `wait4`), a located message for each bad file, nothing from outside the
//! input in the output, and the previous output intact after a failure.

use crate::util::{hostile, run_measured, tree, TestDir};

#[cfg(target_os = "linux")]
#[test]
fn hostile_inputs_end_in_located_messages_within_bounded_memory() {
    let t = TestDir::new();
    let cases = hostile::cases(50);
    hostile::write(&t.path("in"), &cases);
    let (code, stdout, stderr, peak_mb) =
        run_measured(&t, &["build", "in", "--out", "out", "--json"]);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(code, 1, "{stderr}");
    assert!(peak_mb < 1024, "peak memory {peak_mb} MB");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let said: Vec<(String, String)> = ["warnings", "errors"]
        .iter()
        .flat_map(|k| report[k].as_array().unwrap().iter())
        .map(|d| {
            let at = match d["line"].as_u64() {
                Some(line) => format!("{}:{line}", d["path"].as_str().unwrap()),
                None => d["path"].as_str().unwrap().to_string(),
            };
            (at, d["message"].as_str().unwrap().to_string())
        })
        .collect();
    for c in &cases {
        let about: Vec<&(String, String)> = said
            .iter()
            .filter(|(at, _)| at == &c.path || at.starts_with(&format!("{}:", c.path)))
            .collect();
        match c.message {
            Some(m) => assert!(
                about
                    .iter()
                    .any(|(at, msg)| msg.contains(m) || at.contains(m)),
                "{}: expected {m:?}, got {about:?}",
                c.name
            ),
            None => assert!(about.is_empty(), "{}: {about:?}", c.name),
        }
    }
    // Errors are located where the file has lines.
    for e in report["errors"].as_array().unwrap() {
        assert!(e["line"].as_u64().is_some(), "{e}");
    }
    // Nothing from outside the input: no file under the links, no byte of
    // /etc/passwd.
    let out = tree(&t.path("out"));
    let passwd = std::fs::read("/etc/passwd").unwrap();
    for (rel, bytes) in &out {
        assert!(
            !rel.starts_with("etc-link") && !rel.starts_with("passwd"),
            "{rel}"
        );
        assert!(bytes != &passwd, "{rel} is /etc/passwd");
    }
    // A 4 MB colour profile is in no variant: they are converted to sRGB.
    for (rel, bytes) in &out {
        if rel.starts_with("img/big-profile-") {
            assert!(bytes.len() < 50_000, "{rel}: {} bytes", bytes.len());
        }
    }
    // The page in Latin-1 names the stylesheet by its new name.
    let css = crate::util::hash_in_name(&t, "out", "css/site.css");
    let page = t.read("out/latin1.html");
    assert!(String::from_utf8_lossy(&page).contains(&format!("css/site.{css}.css")));
    assert!(page.windows(4).any(|w| w == b"Caf\xe9"));
    // A failure leaves this output as it is, and says why.
    std::fs::create_dir(t.path("taken")).unwrap();
    let (code, _, stderr, _) =
        run_measured(&t, &["build", "in", "--out", "out", "--nginx", "taken"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("taken"), "{stderr}");
    assert_eq!(out, tree(&t.path("out")));
}
