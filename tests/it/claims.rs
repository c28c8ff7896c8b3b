//! README claims that had no test that could fail (docs/claims.md lists every claim and the
//! test that holds it).

use std::process::Command;

use crate::support::{
    bin, check_json, code, findings_of, git_env, git_in, nested_python, python_function, repo_with, stderr,
    stdout, Repo,
};

/// A Python function of `n` ifs one after another: cyclomatic n + 1, cognitive n.
fn flat_python(name: &str, n: usize) -> String {
    let mut s = format!("def {name}(a):\n");
    for i in 0..n {
        s.push_str(&format!("    if a == {i}:\n        return {i}\n"));
    }
    s.push_str("    return -1\n");
    s
}

fn rule_ids(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_function_exactly_at_the_limit_passes_and_one_over_it_fails() {
    let (repo, base) = repo_with(&[]);
    repo.write("at.py", flat_python("at_limit", 9)); // cyclomatic 10, the limit
    repo.commit("at the limit");
    let (exit, report) = check_json(&repo, &base, &[]);
    assert_eq!((exit, rule_ids(&report)), (0, vec![]), "{report}");

    repo.write("over.py", flat_python("over_limit", 10)); // cyclomatic 11
    repo.commit("over the limit");
    let (exit, report) = check_json(&repo, &base, &[]);
    assert_eq!(
        (exit, rule_ids(&report)),
        (1, vec!["cyclomatic-complexity".to_string()])
    );
}

#[test]
fn could_not_judge_wins_over_failed() {
    let (repo, base) = repo_with(&[]);
    repo.write("bad.py", nested_python("tangled", 6));
    repo.write("broken.py", "def broken(a):\n    x = (1,\n    return x +\n");
    repo.commit("a failure and a file that does not parse");
    let (exit, report) = check_json(&repo, &base, &[]);
    assert_eq!(exit, 2, "{report}");
    assert_eq!(report["outcome"], "not-judged");
    assert!(
        !findings_of(&report, "cognitive-complexity").is_empty(),
        "the failure is still reported"
    );
}

#[test]
fn the_change_is_read_from_commits_not_from_the_working_tree() {
    let (repo, base) = repo_with(&[]);
    repo.write("a.py", nested_python("tangled", 6));
    repo.commit("complex");
    // An uncommitted simplification is not what is judged...
    repo.write("a.py", "def tangled(a):\n    return a\n");
    let (exit, _) = check_json(&repo, &base, &[]);
    assert_eq!(exit, 1);
    // ...and neither is uncommitted complexity.
    let (repo, base) = repo_with(&[]);
    repo.write("a.py", "def simple(a):\n    return a\n");
    repo.commit("simple");
    repo.write("a.py", nested_python("simple", 6));
    repo.write("new.py", nested_python("untracked", 6));
    let (exit, report) = check_json(&repo, &base, &[]);
    assert_eq!(exit, 0, "{report}");
}

#[test]
fn a_copied_file_is_new_code() {
    let (repo, base) = repo_with(&[("a.py", nested_python("tangled", 6))]);
    repo.git(&["mv", "a.py", "b.py"]);
    repo.write("a.py", nested_python("tangled", 6));
    repo.commit("copy a.py to b.py");
    let (exit, report) = check_json(&repo, &base, &[]);
    assert_eq!(exit, 1, "{report}");
    let paths: Vec<&str> = findings_of(&report, "cognitive-complexity")
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["b.py"], "the copy is new, the original is not: {report}");
}

#[test]
fn the_base_comes_from_the_github_event_in_the_binary_itself() {
    let (repo, base) = repo_with(&[]);
    for i in 0..3 {
        repo.write("notes.txt", format!("{i}\n"));
        repo.commit(&format!("history {i}"));
    }
    let later = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.write("a.py", nested_python("tangled", 6));
    repo.commit("feature");
    let event = repo.path().join("event.json");
    std::fs::write(
        &event,
        format!(r#"{{"pull_request":{{"base":{{"sha":"{later}"}}}}}}"#),
    )
    .unwrap();
    let out = crate::support::check_on_pull_request(repo.path(), &event);
    let report: serde_json::Value =
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    assert_eq!(report["base"], later.as_str(), "{}", stderr(&out));
    assert_ne!(report["base"], base.as_str());
}

#[test]
fn without_a_base_the_merge_base_with_origin_head_is_used() {
    let origin = Repo::new();
    origin.write("README.md", "hello\n");
    origin.commit("root");
    origin.git(&["checkout", "-q", "-b", "trunk"]);
    origin.write("notes.txt", "trunk\n");
    let trunk = origin.commit("trunk");
    let work = tempfile::tempdir().unwrap();
    let clone = work.path().join("clone");
    git_in(
        work.path(),
        &["clone", "-q", &origin.path().display().to_string(), "clone"],
    );
    git_in(&clone, &["checkout", "-q", "-b", "feature"]);
    std::fs::write(clone.join("a.py"), nested_python("tangled", 6)).unwrap();
    git_in(&clone, &["add", "-A"]);
    git_in(&clone, &["commit", "-q", "-m", "feature"]);
    let out = crate::support::debtgate_in(&clone, &["check", "--format", "json"]);
    let report: serde_json::Value =
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    assert_eq!(
        report["base"],
        trunk.as_str(),
        "origin/HEAD names trunk, not main: {}",
        stderr(&out)
    );
    assert_eq!(code(&out), 1);
}

#[test]
fn columns_count_utf16_code_units() {
    let repo = Repo::new();
    repo.write("a.js", "const s = '😀é'; function f() { return 1; }\n");
    let out = repo.debtgate(&["metrics", "a.js"]);
    let row: serde_json::Value = serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    // `const s = '` is 11 units, the emoji 2, `é';` 3, and the space 1: `function` starts at 18.
    assert_eq!(row["start_column"], 18, "{row}");
}

#[test]
fn sarif_fingerprints_survive_lines_moving() {
    let (repo, base) = repo_with(&[]);
    repo.write("a.py", nested_python("tangled", 6));
    repo.commit("complex");
    let fingerprints = |repo: &Repo| {
        let out = repo.debtgate(&["check", "--base", &base, "--format", "sarif"]);
        let sarif: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["locations"][0]["physicalLocation"]["region"]["startLine"].clone(),
                    r["partialFingerprints"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    let before = fingerprints(&repo);
    repo.write("a.py", format!("import os\n\n\n{}", nested_python("tangled", 6)));
    repo.commit("lines move down");
    let after = fingerprints(&repo);
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_ne!(b.0, a.0, "the finding moved");
        assert_eq!(b.1, a.1, "its fingerprint did not");
    }
}

#[test]
fn metrics_walks_directories_with_gitignore_rules() {
    let repo = Repo::new();
    repo.write(".gitignore", "build/\n");
    repo.write("src/a.py", "def kept():\n    pass\n");
    repo.write("build/b.py", "def ignored():\n    pass\n");
    let out = repo.debtgate(&["metrics", "."]);
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).contains("\"kept\""));
    assert!(!stdout(&out).contains("ignored"), "{}", stdout(&out));
    // A file named directly is always read.
    let out = repo.debtgate(&["metrics", "build/b.py"]);
    assert!(stdout(&out).contains("\"ignored\""));
}

#[test]
fn several_coverage_reports_are_merged() {
    let (repo, base) = repo_with(&[]);
    let code_lines: String = (0..30).map(|i| format!("x{i} = {i}\n")).collect();
    repo.write("a.py", &code_lines);
    repo.commit("thirty lines");
    let lcov = |lines: std::ops::Range<u32>| {
        let mut s = String::from("SF:a.py\n");
        for l in 1..=30 {
            s.push_str(&format!("DA:{l},{}\n", u32::from(lines.contains(&l))));
        }
        s + "end_of_record\n"
    };
    repo.write("first.info", lcov(1..16));
    repo.write("second.info", lcov(16..31));
    let one = ["--coverage", "first.info"];
    let (_, report) = check_json(&repo, &base, &one);
    assert_eq!(report["coverage"]["patch_percent"], 50.0);
    let both = ["--coverage", "first.info", "--coverage", "second.info"];
    let (exit, report) = check_json(&repo, &base, &both);
    assert_eq!(report["coverage"]["patch_percent"], 100.0, "{report}");
    assert_eq!(exit, 0);
}

#[test]
fn report_files_are_written_in_their_formats() {
    let (repo, base) = repo_with(&[]);
    repo.write("a.py", nested_python("tangled", 6));
    repo.commit("complex");
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str| dir.path().join(name).display().to_string();
    let (json, gitlab, junit, sarif, md) = (
        file("r.json"),
        file("cq.json"),
        file("junit.xml"),
        file("r.sarif"),
        file("s.md"),
    );
    let out = repo.debtgate(&[
        "check",
        "--base",
        &base,
        "--json",
        &json,
        "--gitlab",
        &gitlab,
        "--junit",
        &junit,
        "--sarif",
        &sarif,
        "--markdown",
        &md,
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let read = |p: &str| std::fs::read_to_string(p).unwrap();
    let json: serde_json::Value = serde_json::from_str(&read(&json)).unwrap();
    assert_eq!(json["outcome"], "failed");
    let gitlab: serde_json::Value = serde_json::from_str(&read(&gitlab)).unwrap();
    assert_eq!(gitlab[0]["check_name"], "cognitive-complexity");
    assert!(read(&junit).starts_with("<?xml") && read(&junit).contains("<failure"));
    let sarif: serde_json::Value = serde_json::from_str(&read(&sarif)).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(read(&md).starts_with("## ❌ debtgate failed"));
    // The Markdown summary is appended to, as $GITHUB_STEP_SUMMARY wants.
    repo.debtgate(&["check", "--base", &base, "--markdown", &md]);
    assert_eq!(read(&md).matches("## ❌ debtgate failed").count(), 2);
}

#[test]
fn the_pre_commit_range_is_read_from_its_variables() {
    let (repo, first) = repo_with(&[("a.py", nested_python("old", 6))]);
    repo.write("b.py", "def fine():\n    return 1\n");
    let second = repo.commit("fine");
    repo.write("c.py", nested_python("pushed", 6));
    let third = repo.commit("the push");
    let run = |from: &str, to: &str| {
        let out = git_env(&mut Command::new(bin()))
            .current_dir(repo.path())
            .env("PRE_COMMIT_FROM_REF", from)
            .env("PRE_COMMIT_TO_REF", to)
            .args(["check", "--format", "json"])
            .output()
            .unwrap();
        (code(&out), stdout(&out))
    };
    assert_eq!(run(&first, &second).0, 0, "only the pushed range is judged");
    let (exit, report) = run(&second, &third);
    assert_eq!(exit, 1);
    assert!(report.contains("pushed"));
}

/// The terminal comes from util-linux's `script`, which every Linux has (BSD's takes other
/// arguments).
#[cfg(target_os = "linux")]
#[test]
fn colour_is_off_when_piped_and_on_at_a_terminal_without_no_color() {
    let (repo, base) = repo_with(&[]);
    repo.write("a.py", nested_python("tangled", 6));
    repo.commit("complex");
    let piped = repo.debtgate(&["check", "--base", &base]);
    assert!(!stdout(&piped).contains('\u{1b}'));
    let at_terminal = |no_color: Option<&str>| {
        let line = format!("{} check --base {base}", bin().display());
        let mut cmd = Command::new("script");
        git_env(&mut cmd)
            .current_dir(repo.path())
            .args(["-qec", &line, "/dev/null"])
            .env_remove("NO_COLOR");
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        let out = cmd.output().expect("util-linux's script(1) runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(at_terminal(None).contains("\u{1b}["), "a terminal gets colour");
    assert!(
        !at_terminal(Some("1")).contains("\u{1b}["),
        "NO_COLOR turns it off"
    );
}

#[test]
fn configuration_files_are_read_in_order_and_fail_on_warning_fails_a_warning() {
    let long: String = format!("def long():\n{}", "    x = 1\n".repeat(120));
    let (repo, base) = repo_with(&[
        (".debtgate.toml", "[gate]\nfail-on = \"warning\"\n".to_string()),
        (
            "pyproject.toml",
            "[tool.debtgate.gate]\nfail-on = \"error\"\n".to_string(),
        ),
    ]);
    repo.write("a.py", &long);
    repo.commit("a long function: a warning");
    let (exit, report) = check_json(&repo, &base, &[]);
    assert_eq!(rule_ids(&report), ["function-length"]);
    assert_eq!(
        exit, 1,
        ".debtgate.toml comes before pyproject.toml: {}",
        report["config_source"]
    );

    let (repo, base) = repo_with(&[
        ("debtgate.toml", "[gate]\nfail-on = \"error\"\n".to_string()),
        (".debtgate.toml", "[gate]\nfail-on = \"warning\"\n".to_string()),
    ]);
    repo.write("a.py", &long);
    repo.commit("a long function: a warning");
    let (exit, report) = check_json(&repo, &base, &[]);
    assert_eq!(exit, 0, "debtgate.toml comes first: {}", report["config_source"]);
}

#[test]
fn deleting_a_function_over_the_limit_removes_its_debt() {
    let (repo, base) = repo_with(&[
        ("a.py", nested_python("tangled", 6)),
        ("b.py", nested_python("knotted", 7)),
    ]);
    repo.remove("a.py");
    repo.write("b.py", "def knotted(a):\n    return a\n");
    repo.commit("delete one, simplify the other");
    let (exit, report) = check_json(&repo, &base, &[]);
    assert_eq!(exit, 0);
    let removed = report["summary"]["debt_removed_minutes"].as_u64().unwrap();
    // Cognitive 21 and 28 over 15: (10 + 6) + (10 + 13); nesting 6 and 7 over 4: (10 + 2 × 5)
    // + (10 + 3 × 5); cyclomatic 7 and 8 are within 10.
    assert_eq!(removed, 39 + 45, "{}", report["summary"]);
    assert_eq!(report["summary"]["debt_net_minutes"], -84);
}

#[test]
fn duplication_min_lines_and_exclude_are_honoured() {
    let (repo, base) = repo_with(&[("billing/a.py", python_function("billing"))]);
    repo.write("shop/b.py", python_function("billing"));
    repo.commit("copy it");
    let (_, report) = check_json(&repo, &base, &[]);
    assert_eq!(findings_of(&report, "duplicated-block").len(), 1);

    let (repo, base) = repo_with(&[
        ("billing/a.py", python_function("billing")),
        ("debtgate.toml", "[duplication]\nmin-lines = 13\n".to_string()),
    ]);
    repo.write("shop/b.py", python_function("billing"));
    repo.commit("copy it");
    let (_, report) = check_json(&repo, &base, &[]);
    assert!(
        findings_of(&report, "duplicated-block").is_empty(),
        "12 lines < min-lines 13"
    );

    let (repo, base) = repo_with(&[
        ("billing/a.py", python_function("billing")),
        (
            "debtgate.toml",
            "[duplication]\nexclude = [\"shop/**\"]\n".to_string(),
        ),
    ]);
    repo.write("shop/b.py", python_function("billing"));
    repo.commit("copy it");
    let (_, report) = check_json(&repo, &base, &[]);
    assert!(
        findings_of(&report, "duplicated-block").is_empty(),
        "shop/ is excluded"
    );

    let (repo, base) = repo_with(&[("billing/a.py", python_function("billing"))]);
    repo.write("vendor/lib/b.py", python_function("billing"));
    repo.commit("vendor a copy");
    let (_, report) = check_json(&repo, &base, &[]);
    assert!(
        findings_of(&report, "duplicated-block").is_empty(),
        "vendored paths are not indexed by default"
    );
}

#[test]
fn rules_lists_every_rule_with_its_limit() {
    let out = crate::support::debtgate_in(std::path::Path::new("."), &["rules"]);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    for id in [
        "cognitive-complexity",
        "cyclomatic-complexity",
        "duplicated-block",
        "file-complexity",
        "function-length",
        "invalid-suppression",
        "nesting-depth",
        "parameter-count",
        "uncovered-lines",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(id)),
            "{id} missing from:\n{text}"
        );
    }
    assert!(text.contains("cognitive complexity"), "{text}");
}

/// A warm cache is read: with it, an unchanged file's blob is not needed at all, so a run
/// still judges after the blob is gone, where an uncached run must say it is missing.
#[test]
fn the_token_cache_is_read_so_unchanged_blobs_are_not() {
    let (repo, base) = repo_with(&[("old.py", python_function("old"))]);
    repo.write("new.py", "def fresh(y):\n    return y\n");
    repo.commit("change");
    let (exit, _) = check_json(&repo, &base, &[]);
    assert_eq!(exit, 0);
    let id = repo.git(&["rev-parse", "HEAD:old.py"]).trim().to_string();
    std::fs::remove_file(repo.path().join(".git/objects").join(&id[..2]).join(&id[2..])).unwrap();
    let (exit, report) = check_json(&repo, &base, &[]);
    assert_eq!(exit, 0, "the cache stands in for the missing blob: {report}");
    let out = repo.debtgate(&["check", "--base", &base, "--no-cache"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains(&format!("blob {id} is missing")),
        "{}",
        stderr(&out)
    );
}

/// Crossing a limit always keeps the rule's severity, however small the step: from just under
/// it, and from exactly at it (which is not over it).
#[test]
fn a_small_step_across_the_limit_fails() {
    for (from, to) in [(8, 10), (9, 10)] {
        // cyclomatic from + 1 at base, to + 1 at head; the limit is 10
        let (repo, base) = repo_with(&[("a.py", flat_python("grows", from))]);
        repo.write("a.py", flat_python("grows", to));
        repo.commit("one or two more branches");
        let (exit, report) = check_json(&repo, &base, &[]);
        let found = findings_of(&report, "cyclomatic-complexity");
        assert_eq!(found.len(), 1, "{report}");
        assert_eq!(
            found[0]["severity"],
            "error",
            "cyclomatic {} -> {}",
            from + 1,
            to + 1
        );
        assert_eq!(exit, 1);
    }
}

/// `min-new-lines` is the least number of new lines a ratio condition is applied to: a change
/// of exactly that many is judged, one line fewer is not.
#[test]
fn ratio_conditions_apply_from_exactly_min_new_lines() {
    for (lines, judged) in [(3, true), (2, false)] {
        let (repo, base) = repo_with(&[("debtgate.toml", "[gate]\nmin-new-lines = 3\n".to_string())]);
        let code: String = (0..lines).map(|i| format!("x{i} = {i}\n")).collect();
        repo.write("a.py", code);
        repo.commit("a few lines");
        let hits: String = (1..=lines).map(|l| format!("DA:{l},1\n")).collect();
        repo.write("lcov.info", format!("SF:a.py\n{hits}end_of_record\n"));
        let (_, report) = check_json(&repo, &base, &["--coverage", "lcov.info"]);
        let patch = report["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "patch coverage")
            .unwrap();
        assert_eq!(patch["judged"], judged, "{lines} new lines: {patch}");
    }
}
