//! Configuration, overrides, excludes, pyproject, suppressions and debt accounting, end to end.

use crate::support::{code, nested_python, stderr, stdout, Repo};

fn json(repo: &Repo, base: &str) -> (i32, serde_json::Value, String) {
    let out = repo.debtgate(&["check", "--base", base, "--format", "json"]);
    let value = serde_json::from_str(&stdout(&out)).unwrap_or(serde_json::Value::Null);
    (code(&out), value, stderr(&out))
}

fn rule_ids(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}:{}",
                f["path"].as_str().unwrap(),
                f["rule_id"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn path_overrides_and_excludes_apply_to_their_paths_only() {
    let repo = Repo::new();
    repo.write(
        "debtgate.toml",
        "exclude = [\"gen/**\"]\n\n[[overrides]]\npaths = [\"tests/**\"]\nrules.cognitive-complexity.threshold = 40\nrules.cyclomatic-complexity.enabled = false\n",
    );
    repo.write("README.md", "x\n");
    let base = repo.commit("base");
    for path in ["src/a.py", "tests/test_a.py", "gen/b.py"] {
        repo.write(path, nested_python("tangled", 6)); // cognitive 21, cyclomatic 7
    }
    repo.write("src/c.py", nested_python("wide", 11)); // cyclomatic 12
    repo.write("tests/test_c.py", nested_python("wide", 11));
    repo.commit("add");
    let (exit, report, err) = json(&repo, &base);
    assert_eq!(exit, 1, "{err}");
    let ids = rule_ids(&report);
    assert!(
        ids.contains(&"src/a.py:cognitive-complexity".to_string()),
        "{ids:?}"
    );
    assert!(
        ids.contains(&"src/c.py:cyclomatic-complexity".to_string()),
        "{ids:?}"
    );
    assert!(!ids.iter().any(|i| i.starts_with("gen/")), "excluded: {ids:?}");
    assert!(
        !ids.contains(&"tests/test_a.py:cognitive-complexity".to_string()),
        "raised limit: {ids:?}"
    );
    assert!(
        !ids.contains(&"tests/test_c.py:cyclomatic-complexity".to_string()),
        "disabled: {ids:?}"
    );
    assert!(
        ids.contains(&"tests/test_c.py:cognitive-complexity".to_string()),
        "{ids:?}"
    );
}

#[test]
fn pyproject_tool_debtgate_is_read_from_the_base_commit() {
    let repo = Repo::new();
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"x\"\n\n[tool.debtgate.rules.cognitive-complexity]\nthreshold = 30\n",
    );
    let base = repo.commit("base");
    repo.write("a.py", nested_python("tangled", 6)); // cognitive 21
    repo.commit("add");
    let (exit, report, err) = json(&repo, &base);
    assert!(
        !rule_ids(&report)
            .iter()
            .any(|i| i.ends_with("cognitive-complexity")),
        "{err}{report:#}"
    );
    assert_eq!(exit, 0, "{err}");
    assert!(
        report["config_source"]
            .as_str()
            .unwrap()
            .contains("pyproject.toml"),
        "{report:#}"
    );

    // A typo in [tool.debtgate] names the file and line.
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"x\"\n\n[tool.debtgate.gate]\nfail_on = \"error\"\n",
    );
    let base = repo.commit("typo");
    repo.write("b.py", "x = 1\n");
    repo.commit("more");
    let (exit, _, err) = json(&repo, &base);
    assert_eq!(exit, 2);
    assert!(
        err.contains("pyproject.toml") && err.contains("line 5") && err.contains("fail-on"),
        "{err}"
    );
}

#[test]
fn wrong_types_and_unknown_rules_in_overrides_exit_2() {
    let repo = Repo::new();
    for (config, says) in [
        ("[gate]\nmin-patch-coverage = \"high\"\n", "line 2"),
        (
            "[[overrides]]\npaths = [\"a/**\"]\nrules.nope.threshold = 3\n",
            "names no rule",
        ),
        (
            "[[overrides]]\nrules.cognitive-complexity.threshold = 3\n",
            "paths",
        ),
        ("exclude = [\"a/[\"]\n", "exclude"),
        (
            "[gate]\nmax-duplicated-lines-percent = 300\n",
            "between 0 and 100",
        ),
    ] {
        repo.write("debtgate.toml", config);
        let base = repo.commit("config");
        repo.write("x.py", format!("x = {}\n", config.len()));
        repo.commit("change");
        let (exit, _, err) = json(&repo, &base);
        assert_eq!(exit, 2, "{config}: {err}");
        assert!(
            err.contains("debtgate.toml") && err.contains(says),
            "{config}: {err}"
        );
    }
}

#[test]
fn a_suppression_with_a_reason_is_reported_but_does_not_fail() {
    let repo = Repo::new();
    repo.write("README.md", "x\n");
    let base = repo.commit("base");
    let src = format!(
        "# debtgate: ignore[cognitive-complexity] a state machine; each branch is a documented state\n{}",
        nested_python("tangled", 6)
    );
    repo.write("a.py", src);
    repo.commit("add");
    let (exit, report, err) = json(&repo, &base);
    assert_eq!(exit, 0, "{err}{report:#}");
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "cognitive-complexity")
        .expect("the suppressed finding is still reported");
    assert_eq!(
        f["suppressed"],
        "a state machine; each branch is a documented state"
    );
    assert_eq!(report["summary"]["suppressed"], 1);
    // The text report says so, and SARIF carries an inSource suppression.
    let text = stdout(&repo.debtgate(&["check", "--base", &base]));
    assert!(text.contains("[suppressed: a state machine"), "{text}");
    let sarif: serde_json::Value = serde_json::from_str(&stdout(
        &repo.debtgate(&["check", "--base", &base, "--format", "sarif"]),
    ))
    .unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let suppressed: Vec<_> = results.iter().filter(|r| r["suppressions"].is_array()).collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "inSource");
}

#[test]
fn a_suppression_without_reason_or_rule_suppresses_nothing_and_is_a_finding() {
    for comment in [
        "# debtgate: ignore[cognitive-complexity]",
        "# debtgate: ignore[no-such-rule] because",
    ] {
        let repo = Repo::new();
        repo.write("README.md", "x\n");
        let base = repo.commit("base");
        repo.write("a.py", format!("{comment}\n{}", nested_python("tangled", 6)));
        repo.commit("add");
        let (exit, report, err) = json(&repo, &base);
        assert_eq!(exit, 1, "{err}");
        let ids = rule_ids(&report);
        assert!(
            ids.contains(&"a.py:invalid-suppression".to_string()),
            "{comment}: {ids:?}"
        );
        let complexity = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == "cognitive-complexity")
            .unwrap();
        assert!(complexity.get("suppressed").is_none(), "{comment}");
    }
}

#[test]
fn debt_removed_counts_functions_made_simpler_and_the_debt_gate_holds() {
    let repo = Repo::new();
    repo.write("a.py", nested_python("tangled", 8)); // cognitive 36
    repo.write("debtgate.toml", "[gate]\nmax-debt-minutes = 10\n");
    let base = repo.commit("base");
    repo.write("a.py", nested_python("tangled", 3)); // cognitive 6: under every limit
    repo.commit("simplify");
    let (exit, report, err) = json(&repo, &base);
    assert_eq!(exit, 0, "{err}");
    let s = &report["summary"];
    assert!(s["debt_removed_minutes"].as_u64().unwrap() > 0, "{s:#}");
    assert_eq!(s["debt_minutes"], 0);
    assert!(s["debt_net_minutes"].as_i64().unwrap() < 0);

    repo.write("b.py", nested_python("again", 8));
    repo.commit("add debt");
    let head = repo.git(&["rev-parse", "HEAD~1"]);
    let (exit, report, _) = json(&repo, head.trim());
    assert_eq!(exit, 1);
    let gate = report["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "debt added")
        .unwrap();
    assert_eq!(gate["passed"], false);
    assert_eq!(gate["unit"], "minutes");
}

#[test]
fn file_complexity_is_judged_when_a_change_makes_a_file_worse() {
    let repo = Repo::new();
    repo.write("debtgate.toml", "[rules.file-complexity]\nthreshold = 20\n");
    let mut src = String::new();
    for i in 0..4 {
        src.push_str(&nested_python(&format!("f{i}"), 4)); // cyclomatic 5 each: 20
    }
    repo.write("big.py", &src);
    let base = repo.commit("base: at the limit");
    src.push_str(&nested_python("one_more", 2));
    repo.write("big.py", &src);
    repo.commit("worse");
    let (_, report, err) = json(&repo, &base);
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "file-complexity")
        .unwrap_or_else(|| panic!("{err}{report:#}"));
    assert_eq!(f["value"], 23);
    assert_eq!(f["base_value"], 20);
}

#[test]
fn init_writes_a_commented_configuration_once() {
    let repo = Repo::new();
    let out = repo.debtgate(&["init"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = std::fs::read_to_string(repo.path().join("debtgate.toml")).unwrap();
    assert!(text.contains("# [rules.cognitive-complexity]"));
    let again = repo.debtgate(&["init"]);
    assert_eq!(code(&again), 2);
    assert!(stderr(&again).contains("--force"));
}
