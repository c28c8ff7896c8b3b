//! The README's examples and claims, checked against what the binary does.

use std::path::Path;

use crate::support::{code, debtgate_in, stderr, stdout};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The fenced block that follows the line holding `marker`.
fn block_after(marker: &str) -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let lines: Vec<&str> = readme
        .lines()
        .skip_while(|l| !l.contains(marker))
        .skip(2)
        .take_while(|l| !l.starts_with("```"))
        .collect();
    assert!(!lines.is_empty(), "the README has no block after `{marker}`");
    lines.join("\n") + "\n"
}

#[test]
fn the_explain_example_is_what_explain_prints() {
    let out = debtgate_in(root(), &["explain", "tests/fixtures/probes/probe.rs:branches"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        block_after("explain-example"),
        "update the README's explain example"
    );
}

#[test]
fn explain_finds_a_function_by_line_and_says_which_names_exist() {
    let by_line = debtgate_in(root(), &["explain", "tests/fixtures/probes/probe.py:19"]);
    assert_eq!(code(&by_line), 0, "{}", stderr(&by_line));
    assert!(stdout(&by_line).starts_with("tests/fixtures/probes/probe.py:12 branches (python"));
    assert!(stdout(&by_line).contains("| +3 while (incl. 2 for nesting) |"));

    let missing = debtgate_in(root(), &["explain", "tests/fixtures/probes/probe.py:no_such"]);
    assert_eq!(code(&missing), 2);
    assert!(
        stderr(&missing)
            .contains("no function named `no_such`; its functions are: empty (line 7), branches (line 12)"),
        "{}",
        stderr(&missing)
    );
    let rule = debtgate_in(root(), &["explain", "nesting-depth"]);
    assert_eq!(code(&rule), 0);
    assert!(stdout(&rule).starts_with("nesting-depth"));
}

/// docs/claims.md names the test of each README claim; every test it names exists.
#[test]
fn every_test_the_claims_table_names_exists() {
    let claims = std::fs::read_to_string(root().join("docs/claims.md")).unwrap();
    let mut sources = String::new();
    for dir in [
        "tests/it",
        "src",
        "src/report",
        "src/metrics",
        "src/metrics/complexity",
    ] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "rs") {
                sources.push_str(&std::fs::read_to_string(path).unwrap());
            }
        }
    }
    let named: Vec<&str> = claims
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|w| {
            w.len() > 12
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
        .collect();
    assert!(named.len() > 60, "the table names {} tests", named.len());
    let missing: Vec<&&str> = named
        .iter()
        .filter(|t| !sources.contains(&format!("fn {t}(")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/claims.md names tests that do not exist: {missing:?}"
    );
}
