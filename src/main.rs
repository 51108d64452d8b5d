//! The `assetpress` binary: parse the command line, run the pipeline, print
//! the report, and turn it into an exit status (0 ok, 1 a file failed, 2 usage
//! or I/O error).

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Mutex;

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};

use assetpress::cli::{Cli, Command};
use assetpress::Progress;

/// swc allocates many small nodes per file; mimalloc (which @swc/core also
/// uses) makes minification markedly faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A progress bar on stderr, shown only when stderr is a terminal.
struct Bar(Mutex<Option<ProgressBar>>);

impl Progress for Bar {
    fn stage(&self, name: &'static str, total: u64) {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{prefix:>10} [{bar:30}] {pos}/{len} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_prefix(name);
        if let Ok(mut b) = self.0.lock() {
            if let Some(old) = b.replace(bar) {
                old.finish_and_clear();
            }
        }
    }
    fn inc(&self) {
        if let Ok(b) = self.0.lock() {
            if let Some(b) = b.as_ref() {
                b.inc(1);
            }
        }
    }
    fn finish(&self) {
        if let Ok(mut b) = self.0.lock() {
            if let Some(b) = b.take() {
                b.finish_and_clear();
            }
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build(args) => build(*args),
        Command::Verify(args) => verify(args),
        Command::Deploy(args) => deploy(args),
        Command::Clean(args) => clean(args),
        Command::Diff(args) => diff(args),
    }
}

/// A progress bar when stderr is a terminal and output is wanted.
fn bar(quiet: bool) -> Box<dyn Progress> {
    if std::io::stderr().is_terminal() && !quiet {
        Box::new(Bar(Mutex::new(None)))
    } else {
        Box::new(assetpress::NoProgress)
    }
}

/// Prints `e` and returns exit status 2.
fn fail(e: assetpress::Error) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(2)
}

fn deploy(args: assetpress::cli::DeployArgs) -> ExitCode {
    let options = assetpress::deploy::Options {
        manifest: args.manifest.clone(),
        jobs: args.store.jobs,
        dry_run: args.store.dry_run,
        store: args.store.options(),
    };
    let progress = bar(args.store.quiet || args.store.json);
    let d = match assetpress::deploy::deploy(&args.out, &args.target, &options, progress.as_ref()) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("the objects stored so far stay; running the deploy again completes it");
            return ExitCode::from(2);
        }
    };
    for w in &d.warnings {
        eprintln!("warning: {w}");
    }
    if args.store.json {
        println!("{}", serde_json::to_string_pretty(&d).unwrap_or_default());
    } else if !args.store.quiet {
        print!("{}", assetpress::deploy::summary(&d));
    }
    ExitCode::SUCCESS
}

fn clean(args: assetpress::cli::CleanArgs) -> ExitCode {
    let options = assetpress::deploy::clean::Options {
        keep: args.keep,
        age: args.age,
        dry_run: args.store.dry_run,
        jobs: args.store.jobs,
        store: args.store.options(),
    };
    let c = match assetpress::deploy::clean::clean(&args.target, &options) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    if args.store.json {
        println!("{}", serde_json::to_string_pretty(&c).unwrap_or_default());
    } else if !args.store.quiet {
        print!("{}", assetpress::deploy::clean::summary(&c));
    }
    ExitCode::SUCCESS
}

fn diff(args: assetpress::cli::DiffArgs) -> ExitCode {
    let d = match assetpress::diff::diff_files(&args.old, &args.new) {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&d).unwrap_or_default());
    } else {
        print!("{}", assetpress::diff::summary(&d));
    }
    ExitCode::SUCCESS
}

fn verify(args: assetpress::cli::VerifyArgs) -> ExitCode {
    let v = match assetpress::verify::verify(&args.out, &args.manifest) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    for p in &v.problems {
        eprintln!("error: {p}");
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        print!("{}", assetpress::verify::summary(&v));
    }
    ExitCode::from(if v.problems.is_empty() { 0 } else { 1 })
}

fn build(args: assetpress::cli::BuildArgs) -> ExitCode {
    let (config, show) = match args.resolve() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let result = if std::io::stderr().is_terminal() && !show.quiet {
        assetpress::run_with_progress(&config, &Bar(Mutex::new(None)))
    } else {
        assetpress::run(&config)
    };
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            if !e.output_replaced() {
                eprintln!("the previous output, if any, was left unchanged");
            }
            return ExitCode::from(2);
        }
    };
    if show.json {
        println!("{}", report.to_json());
    }
    if show.json || show.quiet {
        for d in &report.errors {
            eprintln!("error: {d}");
        }
        for m in report.budgets.iter().filter_map(|b| b.message()) {
            eprintln!("error: {m}");
        }
        // What --strict counts as errors is printed as errors too.
        if report.strict {
            for d in &report.warnings {
                eprintln!("error (--strict): {d}");
            }
        }
    } else {
        print!("{}", report.to_table());
    }
    let code = report.exit_code();
    if let Some(reason) = report.exit_reason() {
        eprintln!("exit status {code}: {reason}");
    }
    ExitCode::from(code as u8)
}
