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

/// The README's synopsis of `check` names every flag `check --help` lists (and no other), and
/// every report format.
#[test]
fn the_check_synopsis_is_the_binarys() {
    let help = debtgate_in(root(), &["check", "--help"]);
    assert_eq!(code(&help), 0, "{}", stderr(&help));
    let help = stdout(&help);
    let flags = |text: &str| -> std::collections::BTreeSet<String> {
        text.split(|c: char| c.is_whitespace() || "[]|,.".contains(c))
            .filter(|w| w.starts_with("--") && w.len() > 2 && w != &"--help")
            .map(|w| w.split('=').next().unwrap_or(w).to_string())
            .collect()
    };
    let listed: std::collections::BTreeSet<String> = help
        .lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with("--") || l.starts_with("-o, --"))
        .flat_map(|l| flags(l.split(" <").next().unwrap_or(l)))
        .collect();
    let synopsis = block_after("check-synopsis");
    assert_eq!(flags(&synopsis), listed, "update the README's synopsis of check");
    let formats = help
        .split("--format <FORMAT>")
        .nth(1)
        .and_then(|rest| rest.split("[default").next())
        .unwrap_or_default();
    let formats: Vec<&str> = formats
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- "))
        .map(|l| l.split(':').next().unwrap_or(l))
        .collect();
    assert_eq!(formats.len(), 8, "{help}");
    let shown = format!("--format {}", formats.join("|"));
    assert!(synopsis.contains(&shown), "the synopsis should read `{shown}`");
}

#[test]
fn help_and_version_go_to_standard_output() {
    for args in [
        &["--help"][..],
        &["--version"],
        &["help", "check"],
        &["check", "--help"],
    ] {
        let out = debtgate_in(root(), args);
        assert_eq!(code(&out), 0, "{args:?}");
        assert!(!stdout(&out).is_empty(), "{args:?} printed nothing on stdout");
        assert!(stderr(&out).is_empty(), "{args:?}: {}", stderr(&out));
    }
    let wrong = debtgate_in(root(), &["check", "--no-such-flag"]);
    assert_eq!(code(&wrong), 2);
    assert!(stdout(&wrong).is_empty() && !stderr(&wrong).is_empty());
}

#[test]
fn explain_says_a_rule_in_plain_words() {
    let out = stdout(&debtgate_in(root(), &["explain", "cognitive-complexity"]));
    assert!(
        out.starts_with(
            "cognitive-complexity: Function is hard to understand (cognitive complexity over the limit)\n\n\
             Limit: cognitive complexity of at most 15.\n\
             Judges: what the change adds, and what it makes worse while over the limit.\n\
             Severity: error: fails the gate.\n"
        ),
        "{out}"
    );
    let copies = stdout(&debtgate_in(root(), &["explain", "duplicated-block"]));
    assert!(copies.contains("Finds: a copy of 50 tokens or more"), "{copies}");
    for rust_name in ["NewOrWorsened", "CognitiveComplexity", "DuplicatedBlock"] {
        assert!(
            !out.contains(rust_name) && !copies.contains(rust_name),
            "{out}{copies}"
        );
    }
}

#[test]
fn explain_shows_the_limits_the_repository_configures() {
    let repo = crate::support::Repo::new();
    repo.write("app/a.py", crate::support::nested_python("deep", 3));
    repo.write("debtgate.toml", "[rules.nesting-depth]\nthreshold = 2\n");
    repo.commit("base");
    let out = repo.debtgate(&["explain", "app/a.py:deep"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("nesting depth               3  over the limit of 2 (nesting-depth)"),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains("test code"), "{}", stdout(&out));
    let rule = repo.debtgate(&["explain", "nesting-depth"]);
    assert!(
        stdout(&rule).contains("Limit: nesting depth of at most 2."),
        "{}",
        stdout(&rule)
    );
}

/// docs/claims.md names the test of each README claim; every test it names exists.
#[test]
fn every_test_the_claims_table_names_exists() {
    let claims = std::fs::read_to_string(root().join("docs/claims.md")).unwrap();
    let mut sources = String::new();
    let mut folders = vec![root().join("tests/it"), root().join("src")];
    while let Some(dir) = folders.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
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
