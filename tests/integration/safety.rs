//! The promises a build script relies on: the input is never written, a failed
//! run leaves the previous output as it was, the output cannot swallow the
//! input, and the walk never leaves the input root.

use crate::util::{tree, tree_by_original, TestDir};

#[test]
fn input_tree_is_byte_identical_after_a_run() {
    let t = TestDir::with_fixture("site");
    let before = tree(&t.path("site"));
    t.run(&["build", "site", "--out", "out"]).expect_code(0);
    assert_eq!(before, tree(&t.path("site")));
}

/// Runs the binary with its file size limit (`RLIMIT_FSIZE`) at `max`
/// bytes and `SIGXFSZ` ignored: writing a bigger file fails with `EFBIG`,
/// a real I/O error mid-write.
#[cfg(target_os = "linux")]
fn run_with_file_size_limit(t: &TestDir, args: &[&str], max: u64) -> crate::util::Run {
    use std::os::unix::process::CommandExt;
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_assetpress"));
    command
        .args(args)
        .env("XDG_CACHE_HOME", t.cache_home())
        .env("XDG_CONFIG_HOME", t.cache_home().join("config"))
        .current_dir(t.dir.path());
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        command.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: max,
                rlim_max: max,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    crate::util::Run::from(command.output().expect("run assetpress"))
}

/// A file bigger than the limit of [`run_with_file_size_limit`] can set
/// while the rest of the demo site fits under it.
fn big_file(t: &TestDir) {
    let bytes: Vec<u8> = (0..3_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(t.path("site/big.bin"), bytes).unwrap();
}

#[cfg(target_os = "linux")]
#[test]
fn failed_run_leaves_previous_output_intact() {
    let t = TestDir::with_fixture("site");
    t.run(&["build", "site", "--out", "out"]).expect_code(0);
    let previous = tree(&t.path("out"));
    // Writing a file of 3 MB fails mid-write (the limit is 2 MB).
    big_file(&t);
    // Every file waiting for the hash stage waits on disk: the work file
    // must go with the failed run too.
    let args = [
        "build",
        "site",
        "--out",
        "out",
        "--max-held-bytes",
        "0",
        "--no-cache",
    ];
    let run = run_with_file_size_limit(&t, &args, 2_000_000);
    run.expect_code(2);
    assert!(
        run.stderr.contains("error: ") && run.stderr.contains("File too large"),
        "{}",
        run.stderr
    );
    assert_eq!(
        previous,
        tree(&t.path("out")),
        "previous output must survive"
    );
    let leftovers: Vec<String> = t
        .entries()
        .into_iter()
        .filter(|n| n.contains("assetpress"))
        .collect();
    assert!(leftovers.is_empty(), "staging left behind: {leftovers:?}");
}

#[test]
fn killed_run_leaves_previous_output_intact() {
    let t = TestDir::new();
    for i in 0..400 {
        t.write(
            &format!("in/m{i:03}.js"),
            format!(
                "export function f{i}(a, b) {{ return [a, b].map(x => x * {i}).join(','); }}\n"
            )
            .repeat(40),
        );
    }
    std::fs::create_dir(t.path("out")).unwrap();
    t.write("out/keep.txt", "previous output");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_assetpress"))
        .env("XDG_CACHE_HOME", t.cache_home())
        .env("XDG_CONFIG_HOME", t.cache_home().join("config"))
        .args(["build", "in", "--out", "out", "--jobs", "1", "--quiet"])
        .current_dir(t.dir.path())
        .spawn()
        .unwrap();
    // Wait until the run is under way (its staging folder exists), then kill it.
    let started = std::time::Instant::now();
    while !t.entries().iter().any(|n| n.contains("assetpress-staging")) {
        assert!(
            started.elapsed().as_secs() < 30,
            "no staging folder appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    std::thread::sleep(std::time::Duration::from_millis(100));
    let _ = child.kill();
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the run should have been killed mid-way; make the input larger"
    );
    assert_eq!(t.read_string("out/keep.txt"), "previous output");
    assert_eq!(tree(&t.path("out")).len(), 1);
    // The next run cleans up what the killed one left and succeeds.
    t.run(&["build", "in", "--out", "out", "--quiet"])
        .expect_code(0);
    assert!(!t.path("out/keep.txt").exists());
    assert_eq!(
        t.entries(),
        ["in", "out", "out.nginx.conf"],
        "only the input, the output and its snippet remain"
    );
}

#[test]
fn output_equal_to_or_containing_the_input_is_refused() {
    let t = TestDir::with_fixture("site");
    let same = t.run(&["build", "site", "--out", "site"]);
    same.expect_code(2);
    assert!(
        same.stderr.contains("is the input folder"),
        "{}",
        same.stderr
    );
    let parent = t.run(&["build", "site", "--out", "."]);
    parent.expect_code(2);
    assert!(
        parent.stderr.contains("contains the input folder"),
        "{}",
        parent.stderr
    );
    let missing = t.run(&["build", "nope", "--out", "out"]);
    missing.expect_code(2);
    assert!(missing.stderr.contains("nope"), "{}", missing.stderr);
}

#[test]
fn output_inside_the_input_is_skipped_by_the_walk() {
    let t = TestDir::with_fixture("site");
    t.run(&["build", "site", "--out", "site/dist"])
        .expect_code(0);
    let first = tree(&t.path("site/dist"));
    t.run(&["build", "site", "--out", "site/dist"])
        .expect_code(0);
    let second = tree(&t.path("site/dist"));
    assert_eq!(first, second, "the previous output is not read as input");
    assert!(!second.keys().any(|k| k.starts_with("dist/")));
    // The snippet's default place, beside the output, is inside the input.
    assert!(!t.path("site/dist.nginx.conf").exists());
    let r = t.run(&["build", "site", "--out", "site/dist", "--json"]);
    r.expect_code(0);
    assert!(
        r.warnings().iter().any(|w| w.contains("no nginx snippet")),
        "{:?}",
        r.warnings()
    );
}

#[test]
fn dotfiles_are_skipped_except_well_known() {
    let t = TestDir::new();
    t.write("in/index.html", "<p>hi</p>");
    t.write("in/.env", "SECRET=1");
    t.write("in/.git/config", "[core]");
    t.write(
        "in/.well-known/security.txt",
        "Contact: mailto:a@example.com",
    );
    t.run(&["build", "in", "--out", "out"]).expect_code(0);
    let names: Vec<String> = tree_by_original(&t.path("out")).into_keys().collect();
    assert_eq!(names, [".well-known/security.txt", "index.html"]);
}

#[cfg(unix)]
#[test]
fn symlinks_stay_inside_the_root_and_loops_end() {
    use std::os::unix::fs::symlink;
    let t = TestDir::new();
    t.write("secret.txt", "outside");
    t.write("in/real/a.css", ".a { color: red }");
    symlink(t.path("secret.txt"), t.path("in/leak.txt")).unwrap();
    symlink(t.path("in/real/a.css"), t.path("in/alias.css")).unwrap();
    symlink(t.path("in"), t.path("in/real/loop")).unwrap();
    symlink(t.path("nowhere"), t.path("in/broken.txt")).unwrap();
    let run = t.run(&["build", "in", "--out", "out", "--json"]);
    run.expect_code(0);
    let names: Vec<String> = tree_by_original(&t.path("out")).into_keys().collect();
    // A stylesheet this small is not made smaller: kept, with no map.
    assert_eq!(names, ["alias.css", "real/a.css"]);
    let warnings = run.json()["warnings"].to_string();
    assert!(
        warnings.contains("leak.txt") && warnings.contains("outside the input folder"),
        "{warnings}"
    );
    assert!(warnings.contains("loop"), "{warnings}");
    assert!(warnings.contains("broken.txt"), "{warnings}");
}

/// Regression: a link to a folder outside the input was reported as skipped,
/// yet the walk still descended into it and published what it held.
#[cfg(unix)]
#[test]
fn a_symlinked_folder_outside_the_root_is_not_descended_into() {
    use std::os::unix::fs::symlink;
    let t = TestDir::new();
    t.write("outside/private/key.pem", "-----BEGIN PRIVATE KEY-----");
    t.write("outside/shadow", "root:x:0:0");
    t.write("in/index.html", "<p>hi</p>");
    symlink(t.path("outside"), t.path("in/etc-link")).unwrap();
    let run = t.run(&["build", "in", "--out", "out", "--json"]);
    run.expect_code(0);
    let names: Vec<String> = tree_by_original(&t.path("out")).into_keys().collect();
    assert_eq!(names, ["index.html"]);
    let out = tree(&t.path("out"));
    assert!(
        out.values()
            .all(|bytes| !String::from_utf8_lossy(bytes).contains("root:x")),
        "content from outside the input was published"
    );
    let warnings = run.json()["warnings"].to_string();
    assert!(
        warnings.contains("etc-link") && warnings.contains("outside the input folder"),
        "{warnings}"
    );
}

#[test]
fn include_and_exclude_globs_select_files() {
    let t = TestDir::with_fixture("site");
    t.run(&[
        "build",
        "site",
        "--out",
        "out",
        "--include",
        "**/*.css",
        "--include",
        "*.html",
        "--exclude",
        "css/base.css",
    ])
    .expect_code(0);
    let names: Vec<String> = tree_by_original(&t.path("out")).into_keys().collect();
    assert!(
        names
            .iter()
            .all(|n| n.ends_with(".css") || n.ends_with(".html") || n.ends_with(".css.map")),
        "{names:?}"
    );
    assert!(
        names.contains(&"css/main.css".to_string()) && names.contains(&"index.html".to_string())
    );
    assert!(!names.contains(&"css/base.css".to_string()));
    let bad = t.run(&["build", "site", "--out", "out", "--include", "a/[b"]);
    bad.expect_code(2);
    assert!(bad.stderr.contains("--include"), "{}", bad.stderr);
}

/// A shared library that makes `renameat2` fail with `EINVAL`, as on file
/// systems without `RENAME_EXCHANGE` (NFS, some FUSE mounts; macOS has no
/// such call), so the commit takes its two-rename fallback. Built with the
/// C compiler the crate's C dependencies need anyway.
#[cfg(target_os = "linux")]
fn no_exchange_shim(t: &TestDir) -> std::path::PathBuf {
    t.write(
        "shim/no_exchange.c",
        "#include <errno.h>\n#include <stdio.h>\n#include <stdlib.h>\n\
         int renameat2(int a, const char *b, int c, const char *d, unsigned int e) {\n\
           (void)a; (void)b; (void)c; (void)d; (void)e;\n\
           const char *mark = getenv(\"SHIM_MARK\");\n\
           if (mark) { FILE *f = fopen(mark, \"w\"); if (f) fclose(f); }\n\
           errno = EINVAL;\n  return -1;\n}\n",
    );
    let so = t.path("shim/no_exchange.so");
    let status = std::process::Command::new("cc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(&so)
        .arg(t.path("shim/no_exchange.c"))
        .status()
        .expect("cc (the C compiler the build needs) runs");
    assert!(status.success());
    so
}

#[cfg(target_os = "linux")]
#[test]
fn the_commit_without_an_atomic_exchange_replaces_the_output() {
    let t = TestDir::with_fixture("site");
    t.write("out/stale.txt", "from an older build");
    let shim = no_exchange_shim(&t);
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_assetpress"))
        .env("XDG_CACHE_HOME", t.cache_home())
        .env("XDG_CONFIG_HOME", t.cache_home().join("config"))
        .env("LD_PRELOAD", &shim)
        .env("SHIM_MARK", t.path("shim/called"))
        .args(["build", "site", "--out", "out", "--quiet"])
        .current_dir(t.dir.path())
        .status()
        .unwrap();
    assert!(run.success());
    assert!(t.path("shim/called").exists(), "the exchange was not tried");
    let names: Vec<String> = tree_by_original(&t.path("out")).into_keys().collect();
    assert!(names.contains(&"index.html".to_string()), "{names:?}");
    assert!(!t.path("out/stale.txt").exists());
    let leftovers: Vec<String> = t
        .entries()
        .into_iter()
        .filter(|n| n.contains("assetpress"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Regression: a run killed between the two renames of the fallback commit
/// left the previous output only as `.out.assetpress-old-PID`, and the next
/// run deleted it; if that run failed too, nothing was left.
#[cfg(target_os = "linux")]
#[test]
fn a_previous_output_left_aside_by_a_killed_commit_is_put_back() {
    let t = TestDir::with_fixture("site");
    t.run(&["build", "site", "--out", "out"]).expect_code(0);
    let previous = tree(&t.path("out"));
    // What a kill between the renames leaves: no output, the old tree aside
    // under the name of a process that no longer runs.
    std::fs::rename(t.path("out"), t.path(".out.assetpress-old-999999999")).unwrap();
    // The next run fails before its commit (a file too big to write).
    big_file(&t);
    let args = ["build", "site", "--out", "out", "--no-cache"];
    let run = run_with_file_size_limit(&t, &args, 2_000_000);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("previous output, if any, was left unchanged"),
        "{}",
        run.stderr
    );
    assert_eq!(
        previous,
        tree(&t.path("out")),
        "the previous output is back"
    );
    assert!(!t.path(".out.assetpress-old-999999999").exists());
}

/// Regression: `--nginx` or `--headers-json` naming an existing folder failed
/// only after the output was replaced, saying it was left unchanged.
#[test]
fn a_server_file_path_that_is_a_folder_fails_before_any_work() {
    let t = TestDir::with_fixture("site");
    t.run(&["build", "site", "--out", "out"]).expect_code(0);
    let previous = tree(&t.path("out"));
    std::fs::create_dir(t.path("a-folder")).unwrap();
    for flag in ["--nginx", "--headers-json=a-folder"] {
        let mut args = vec!["build", "site", "--out", "out", flag];
        if flag == "--nginx" {
            args.push("a-folder");
        }
        let run = t.run(&args);
        run.expect_code(2);
        assert!(run.stderr.contains("that is a folder"), "{}", run.stderr);
        assert_eq!(previous, tree(&t.path("out")));
    }
}

/// Regression: a name of 246 bytes or more aborted the whole build (exit 2,
/// `ENAMETOOLONG` once `.<hash>.ext` was added).
#[test]
fn names_too_long_for_a_hash_keep_their_names_and_the_run_goes_on() {
    let t = TestDir::with_fixture("site");
    let css = format!("{}.css", "c".repeat(246));
    let js = format!("{}.js", "j".repeat(250));
    t.write(
        &format!("site/{css}"),
        format!(
            "{}body {{ color: red }}\n",
            "/* a comment minifying drops */\n".repeat(20)
        ),
    );
    t.write(
        &format!("site/{js}"),
        "// dropped\n// dropped\nexport const a = 1;\n",
    );
    t.write(
        "site/long.html",
        format!("<link rel=stylesheet href=\"{css}\"><script type=module src=\"{js}\"></script>\n"),
    );
    let run = t.run(&["build", "site", "--out", "out", "--json"]);
    run.expect_code(0);
    let report = run.json();
    for name in [&css, &js] {
        let file = report["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == name.as_str())
            .unwrap();
        assert_eq!(file["output"], name.as_str(), "{file}");
        assert_eq!(file["kept"]["reason"], "name_too_long", "{file}");
    }
    // Minified all the same; the script's map would need 254 + 4 bytes.
    let minified = t.read_string(&format!("out/{css}"));
    assert!(minified.starts_with("body{color:red}"), "{minified}");
    assert!(!t.path(&format!("out/{js}.map")).exists());
    let warned = report["warnings"].as_array().unwrap().iter().any(|d| {
        d["path"] == js.as_str()
            && d["message"] == "no source map: its name would be longer than 255 bytes"
    });
    assert!(warned, "{}", report["warnings"]);
    t.run(&["verify", "out"]).expect_code(0);
}

/// Regression: an unreadable file aborted the build. Made unreadable twice
/// over: no permission (enough unless run as root) and a shim that makes
/// opening it fail with `EACCES` (enough as root too).
#[cfg(target_os = "linux")]
#[test]
fn an_unreadable_file_is_left_out_with_an_error_and_the_run_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    let t = TestDir::with_fixture("site");
    t.write("site/unreadable.txt", "secret");
    std::fs::set_permissions(
        t.path("site/unreadable.txt"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    t.write(
        "shim/no_open.c",
        "#define _GNU_SOURCE\n#include <dlfcn.h>\n#include <errno.h>\n#include <stdarg.h>\n#include <string.h>\n\
         typedef int (*open_fn)(const char *, int, ...);\n\
         static int shimmed(const char *name, const char *p, int flags, va_list ap) {\n\
           int mode = va_arg(ap, int);\n\
           if (strstr(p, \"unreadable\")) { errno = EACCES; return -1; }\n\
           open_fn real = (open_fn)dlsym(RTLD_NEXT, name);\n\
           return real(p, flags, mode);\n}\n\
         int open(const char *p, int flags, ...) { va_list ap; va_start(ap, flags); int r = shimmed(\"open\", p, flags, ap); va_end(ap); return r; }\n\
         int open64(const char *p, int flags, ...) { va_list ap; va_start(ap, flags); int r = shimmed(\"open64\", p, flags, ap); va_end(ap); return r; }\n",
    );
    let so = t.path("shim/no_open.so");
    let status = std::process::Command::new("cc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(&so)
        .arg(t.path("shim/no_open.c"))
        .arg("-ldl")
        .status()
        .expect("cc (the C compiler the build needs) runs");
    assert!(status.success());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_assetpress"))
        .env("XDG_CACHE_HOME", t.cache_home())
        .env("XDG_CONFIG_HOME", t.cache_home().join("config"))
        .env("LD_PRELOAD", &so)
        .args(["build", "site", "--out", "out", "--json"])
        .current_dir(t.dir.path())
        .output()
        .unwrap();
    let run = crate::util::Run::from(out);
    run.expect_code(1);
    assert!(
        run.stderr.contains("unreadable.txt")
            && run.stderr.contains("cannot read: Permission denied"),
        "{}",
        run.stderr
    );
    assert!(!t.path("out/unreadable.txt").exists());
    assert!(t.path("out/index.html").exists(), "the rest is built");
}
