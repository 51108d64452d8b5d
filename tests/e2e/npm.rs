//! The npm distribution: `scripts/npm-packages` packs the launcher package
//! and this platform's binary package, which are installed from their
//! tarballs into an empty project and run with `npx`, as a frontend team
//! would.

use std::path::Path;
use std::process::{Command, Output};

use crate::util::{repo, require_tool, TestDir};

/// npm with no registry to reach: everything comes from the tarballs, and a
/// package that is not there fails at once.
fn npm(dir: &Path, args: &[&str]) -> Output {
    npm_command(dir, args).output().unwrap()
}

fn npm_command(dir: &Path, args: &[&str]) -> Command {
    let mut npm = Command::new("npm");
    npm.args(args)
        .current_dir(dir)
        .env("npm_config_registry", "http://127.0.0.1:9/")
        .env("npm_config_fetch_retries", "0")
        .env("npm_config_audit", "false")
        .env("npm_config_fund", "false")
        .env("npm_config_update_notifier", "false");
    npm
}

#[track_caller]
fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The tarballs `scripts/npm-packages` makes with the binary under test.
fn packages(t: &TestDir) -> (String, String) {
    let made = Command::new(repo().join("scripts/npm-packages"))
        .arg(t.path("packages"))
        .arg(format!(
            "linux-x64-gnu={}",
            env!("CARGO_BIN_EXE_assetpress")
        ))
        .output()
        .unwrap();
    let listed = ok(&made);
    let tarballs: Vec<&str> = listed.lines().collect();
    assert_eq!(tarballs.len(), 2, "{listed}");
    (tarballs[1].to_string(), tarballs[0].to_string())
}

fn package_json(tgz: &str) -> serde_json::Value {
    let o = Command::new("tar")
        .args(["-xzOf", tgz, "package/package.json"])
        .output()
        .unwrap();
    serde_json::from_slice(ok(&o).as_bytes()).unwrap()
}

#[test]
fn npx_assetpress_builds_and_verifies_the_demo_site_from_the_packed_packages() {
    require_tool("npm", "apt-get install nodejs npm");
    let t = TestDir::new();
    let (main, platform) = packages(&t);

    // What npm matches on: the platform package declares where it runs, and
    // the launcher pins every platform package to exactly its own version.
    let launcher = package_json(&main);
    let binary = package_json(&platform);
    let version = launcher["version"].as_str().unwrap();
    assert_eq!(binary["name"], "@assetpress/linux-x64-gnu");
    assert_eq!(binary["version"], version);
    assert_eq!(binary["os"], serde_json::json!(["linux"]));
    assert_eq!(binary["cpu"], serde_json::json!(["x64"]));
    assert_eq!(binary["libc"], serde_json::json!(["glibc"]));
    let optional = launcher["optionalDependencies"].as_object().unwrap();
    assert_eq!(optional.len(), 7, "{optional:?}");
    assert!(optional.values().all(|v| v == version), "{optional:?}");
    assert!(
        launcher.get("scripts").is_none(),
        "nothing runs at install time"
    );

    let project = t.path("project");
    std::fs::create_dir_all(&project).unwrap();
    t.write(
        "project/package.json",
        r#"{ "name": "site", "private": true }"#,
    );
    ok(&npm(&project, &["install", "--save-dev", &main, &platform]));
    let site = repo().join("testdata/site");
    let build = npm(
        &project,
        &[
            "exec",
            "--",
            "assetpress",
            "build",
            site.to_str().unwrap(),
            "--out",
            "cdn",
            "--quiet",
        ],
    );
    ok(&build);
    assert!(project.join("cdn/index.html").is_file());
    assert!(project.join("cdn/assetpress-manifest.json").is_file());
    let verify = ok(&npm(
        &project,
        &["exec", "--", "assetpress", "verify", "cdn"],
    ));
    assert!(verify.contains("ok"), "{verify}");
    // Exit status and output pass through the launcher.
    let bad = npm(
        &project,
        &[
            "exec",
            "--",
            "assetpress",
            "build",
            "no-such-folder",
            "--out",
            "x",
        ],
    );
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("no-such-folder"),
        "{bad:?}"
    );
    // A platform package of another version (a half-updated install) is refused.
    let installed = project.join("node_modules/@assetpress/linux-x64-gnu/package.json");
    let text = std::fs::read_to_string(&installed).unwrap();
    std::fs::write(
        &installed,
        text.replace(&format!("\"{version}\""), "\"0.0.1\""),
    )
    .unwrap();
    let stale = npm(&project, &["exec", "--", "assetpress", "--version"]);
    assert_eq!(stale.status.code(), Some(2), "{stale:?}");
    let err = String::from_utf8_lossy(&stale.stderr);
    assert!(
        err.contains("is version 0.0.1") && err.contains(&format!("assetpress@{version}")),
        "{err}"
    );
}

#[test]
fn a_missing_platform_package_is_a_clear_error_and_assetpress_binary_overrides() {
    require_tool("npm", "apt-get install nodejs npm");
    let t = TestDir::new();
    let (main, _) = packages(&t);
    let project = t.path("project");
    std::fs::create_dir_all(&project).unwrap();
    t.write(
        "project/package.json",
        r#"{ "name": "site", "private": true }"#,
    );
    // As with a lockfile made on another platform: no binary package here.
    ok(&npm(&project, &["install", "--omit=optional", &main]));
    let run = npm(&project, &["exec", "--", "assetpress", "--version"]);
    assert_eq!(run.status.code(), Some(2), "{run:?}");
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("@assetpress/linux-x64-gnu")
            && err.contains("lockfile")
            && err.contains("ASSETPRESS_BINARY"),
        "{err}"
    );
    let run = npm_command(&project, &["exec", "--", "assetpress", "--version"])
        .env("ASSETPRESS_BINARY", env!("CARGO_BIN_EXE_assetpress"))
        .output()
        .unwrap();
    assert!(ok(&run).starts_with("assetpress "), "{run:?}");
}

#[test]
fn the_launcher_passes_a_signal_sent_to_it_alone_on_to_the_binary() {
    require_tool("node", "apt-get install nodejs");
    let t = TestDir::new();
    // A "binary" that says when it is told to stop, and then exits 3.
    let mark = t.path("stopped");
    t.write(
        "bin.sh",
        format!(
            "#!/bin/sh\ntrap 'echo TERM > {}; exit 3' TERM\necho ready\nwhile :; do sleep 0.1; done\n",
            mark.display()
        ),
    );
    let bin = t.path("bin.sh");
    std::fs::set_permissions(&bin, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut launcher = Command::new("node")
        .arg(repo().join("npm/assetpress/bin/assetpress.js"))
        .env("ASSETPRESS_BINARY", &bin)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the binary runs, then signal the launcher's pid only (as a
    // CI timeout or a process manager does).
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(launcher.stdout.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line, "ready\n");
    // SAFETY: a signal to the child we spawned.
    unsafe { libc::kill(launcher.id() as i32, libc::SIGTERM) };
    let status = launcher.wait().unwrap();
    assert_eq!(std::fs::read_to_string(&mark).unwrap(), "TERM\n");
    assert_eq!(status.code(), Some(3), "the binary's own exit status");
}
