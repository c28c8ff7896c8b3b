//! Coverage in `debtgate check`: patch coverage, project delta, every report format.

use crate::support::{code, stderr, stdout, Repo};

const BASE_SRC: &str = "def keep(a):\n    return a\n";
/// Head: lines 4-9 are added; 5, 6, 8, 9 are executable (7 is a comment).
const HEAD_SRC: &str = "def keep(a):\n    return a\n\ndef new(a):\n    if a:\n        return 1\n    # a comment\n    b = a * 2\n    return b\n";

/// A repository whose head adds `new` to pkg/mod.py. Its five new lines are below the default
/// `min-new-lines`, so the configuration lowers it to judge patch coverage on them.
fn repo() -> (Repo, String) {
    repo_with_config("[gate]\nmin-new-lines = 1\n")
}

fn repo_with_config(config: &str) -> (Repo, String) {
    let repo = Repo::new();
    repo.write("pkg/mod.py", BASE_SRC)
        .write("pkg/other.py", "x = 1\n")
        .write("debtgate.toml", config);
    let base = repo.commit("base");
    repo.write("pkg/mod.py", HEAD_SRC);
    repo.commit("add new");
    (repo, base)
}

/// LCOV for pkg/mod.py at head where `covered` lines ran and the other executable ones did not.
fn lcov(path: &str, covered: &[u32]) -> String {
    let mut s = format!("TN:\nSF:{path}\n");
    for line in [1, 2, 4, 5, 6, 8, 9] {
        s.push_str(&format!("DA:{line},{}\n", u32::from(covered.contains(&line))));
    }
    s.push_str("end_of_record\nSF:pkg/other.py\nDA:1,1\nend_of_record\n");
    s
}

fn check(repo: &Repo, base: &str, args: &[&str]) -> (i32, serde_json::Value, String) {
    let mut all = vec!["check", "--base", base, "--format", "json"];
    all.extend_from_slice(args);
    let out = repo.debtgate(&all);
    let json = serde_json::from_str(&stdout(&out)).unwrap_or(serde_json::Value::Null);
    (code(&out), json, stderr(&out))
}

fn condition<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} condition: {report:#}"))
}

#[test]
fn patch_coverage_is_not_applied_to_a_change_of_a_few_lines_but_its_findings_stand() {
    let (repo, base) = repo_with_config("");
    repo.write("lcov.info", lcov("pkg/mod.py", &[1, 2, 4, 5]));
    let (exit, report, err) = check(&repo, &base, &["--coverage", "lcov.info"]);
    assert_eq!(exit, 0, "{err}{report:#}");
    let patch = condition(&report, "patch coverage");
    assert_eq!(patch["judged"], false, "{patch:#}");
    assert!(
        patch["detail"]
            .as_str()
            .unwrap()
            .contains("fewer than [gate] min-new-lines = 20"),
        "{patch:#}"
    );
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule_id"] == "uncovered-lines"));
}

#[test]
fn a_modified_file_the_report_does_not_list_is_not_measured() {
    let (repo, base) = repo();
    // The report knows only pkg/other.py: pkg/mod.py, modified, was left out of the run.
    repo.write("lcov.info", "TN:\nSF:pkg/other.py\nDA:1,1\nend_of_record\n");
    let (exit, report, err) = check(&repo, &base, &["--coverage", "lcov.info"]);
    assert_eq!(exit, 0, "{err}{report:#}");
    assert_eq!(report["coverage"]["patch"]["executable"], 0, "{report:#}");
    // An added file in a measured folder that the report does not know was never imported.
    repo.write("pkg/added.py", "def f(a):\n    return a\n");
    repo.commit("add a module");
    let (exit, report, err) = check(&repo, &base, &["--coverage", "lcov.info"]);
    assert_eq!(exit, 1, "{err}{report:#}");
    assert_eq!(report["coverage"]["patch"]["executable"], 2, "{report:#}");
}

#[test]
fn patch_coverage_below_the_limit_fails_with_the_uncovered_ranges() {
    let (repo, base) = repo();
    repo.write("lcov.info", lcov("pkg/mod.py", &[1, 2, 4, 5]));
    let (exit, report, err) = check(&repo, &base, &["--coverage", "lcov.info"]);
    assert_eq!(exit, 1, "{err}{report:#}");
    let patch = condition(&report, "patch coverage");
    assert_eq!(patch["passed"], false);
    // Added executable lines 4, 5, 6, 8, 9; covered 4, 5: 2 of 5 = 40 %.
    assert_eq!(patch["value"], 40.0);
    assert_eq!(report["coverage"]["patch"]["executable"], 5);
    let uncovered: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "uncovered-lines")
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["function_end_line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        uncovered,
        [(6, 9)],
        "line 7 is not executable and does not split the range"
    );
}

#[test]
fn patch_coverage_at_the_limit_passes() {
    let (repo, base) = repo();
    repo.write("lcov.info", lcov("pkg/mod.py", &[4, 5, 6, 8]));
    let (exit, report, err) = check(&repo, &base, &["--coverage", "lcov.info"]);
    assert_eq!(condition(&report, "patch coverage")["value"], 80.0);
    assert_eq!(exit, 0, "{err}{report:#}");
}

#[test]
fn absolute_paths_from_another_machine_map_by_suffix() {
    let (repo, base) = repo();
    repo.write(
        "lcov.info",
        lcov("/home/runner/work/app/app/pkg/mod.py", &[4, 5, 6, 8, 9]),
    );
    let (exit, report, err) = check(&repo, &base, &["--coverage", "lcov.info"]);
    assert_eq!(exit, 0, "{err}{report:#}");
    assert_eq!(condition(&report, "patch coverage")["value"], 100.0);
    assert_eq!(report["coverage"]["mapped_files"], 2);
}

#[test]
fn a_report_that_maps_to_no_file_is_not_a_pass() {
    let (repo, base) = repo();
    repo.write("lcov.info", "SF:/elsewhere/zzz.py\nDA:1,1\nend_of_record\n");
    let (exit, _, err) = check(&repo, &base, &["--coverage", "lcov.info"]);
    assert_eq!(exit, 2);
    assert!(
        err.contains("none of the 1 file(s) the coverage report names is tracked"),
        "{err}"
    );
    assert!(err.contains("path-map"), "{err}");
}

#[test]
fn bad_reports_exit_2_naming_the_file() {
    let (repo, base) = repo();
    for (name, content, says) in [
        ("missing.info", None, "cannot open"),
        ("bad.info", Some("SF:pkg/mod.py\nDA:one,1\nend_of_record\n"), "line 2"),
        ("cut.info", Some("SF:pkg/mod.py\nDA:4,1\n"), "truncated"),
        ("what.txt", Some("hello\n"), "not a coverage format"),
        (
            "laughs.xml",
            Some("<?xml version=\"1.0\"?><!DOCTYPE c [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]><coverage>&b;</coverage>"),
            "entities",
        ),
    ] {
        if let Some(content) = content {
            repo.write(name, content);
        }
        let (exit, _, err) = check(&repo, &base, &["--coverage", name]);
        assert_eq!(exit, 2, "{name}: {err}");
        assert!(err.contains(name) && err.contains(says), "{name}: {err}");
    }
}

#[test]
fn a_configured_gate_without_a_report_cannot_judge_unless_told_so() {
    let repo = Repo::new();
    repo.write("a.py", "x = 1\n")
        .write("debtgate.toml", "[gate]\nmin-patch-coverage = 90\n");
    let base = repo.commit("base");
    repo.write("a.py", "x = 2\n");
    repo.commit("change");
    let (exit, _, err) = check(&repo, &base, &[]);
    assert_eq!(exit, 2);
    assert!(err.contains("no --coverage report was given"), "{err}");

    repo.write(
        "debtgate.toml",
        "[gate]\nmin-patch-coverage = 90\n[coverage]\nmissing-report = \"not-judged\"\n",
    );
    let base = repo.commit("say not judged");
    repo.write("a.py", "x = 3\n");
    repo.commit("change again");
    let (exit, report, err) = check(&repo, &base, &[]);
    assert_eq!(exit, 0, "{err}");
    let c = condition(&report, "patch coverage");
    assert_eq!(c["judged"], false);
    assert_eq!(
        c["detail"],
        "no coverage report (missing-report = \"not-judged\")"
    );
}

#[test]
fn the_project_delta_compares_head_and_base_reports() {
    let (repo, base) = repo();
    repo.write("head.info", lcov("pkg/mod.py", &[1, 2, 4, 5, 6, 8, 9]));
    repo.write(
        "base.info",
        "SF:pkg/mod.py\nDA:1,1\nDA:2,1\nend_of_record\nSF:pkg/other.py\nDA:1,1\nend_of_record\n",
    );
    let (exit, report, err) = check(
        &repo,
        &base,
        &["--coverage", "head.info", "--base-coverage", "base.info"],
    );
    assert_eq!(exit, 0, "{err}{report:#}");
    let delta = condition(&report, "project coverage delta");
    assert_eq!(delta["judged"], true);
    assert_eq!(delta["value"], 0.0);

    // Head covers 1 of 8 lines where base covered 3 of 3: a drop of 87.5 points.
    repo.write("head.info", lcov("pkg/mod.py", &[]));
    let (exit, report, _) = check(
        &repo,
        &base,
        &["--coverage", "head.info", "--base-coverage", "base.info"],
    );
    assert_eq!(exit, 1);
    let delta = condition(&report, "project coverage delta");
    assert_eq!(delta["passed"], false);
    assert_eq!(delta["value"], -87.5);
}

#[test]
fn a_new_module_no_test_imports_counts_as_uncovered() {
    let (repo, base) = repo();
    repo.write(
        "pkg/fresh.py",
        "# a new module\n\ndef fresh(a):\n    return a + 1\n",
    );
    repo.commit("add a module the tests never import");
    repo.write("lcov.info", lcov("pkg/mod.py", &[4, 5, 6, 8, 9]));
    let (_, report, err) = check(&repo, &base, &["--coverage", "lcov.info"]);
    let patch = &report["coverage"]["patch"];
    // pkg/mod.py: 5 of 5; pkg/fresh.py: code lines 3 and 4, uncovered.
    assert_eq!(
        (patch["covered"].as_u64(), patch["executable"].as_u64()),
        (Some(5), Some(7)),
        "{err}{report:#}"
    );
    let fresh = patch["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "pkg/fresh.py")
        .unwrap();
    assert_eq!(fresh["unmeasured_module"], true);
}

/// The same coverage, written in every format debtgate reads, gives the same patch coverage.
#[test]
fn every_format_gives_the_same_patch_coverage() {
    let (repo, base) = repo();
    let covered = [4u32, 5, 8];
    let executable = [1u32, 2, 4, 5, 6, 8, 9];
    let hits = |l: &u32| u32::from(covered.contains(l) || *l <= 2);
    let cobertura = format!(
        "<?xml version=\"1.0\" ?><coverage version=\"7.6\"><sources><source>/ci/app</source></sources><packages><package name=\"pkg\"><classes><class name=\"mod.py\" filename=\"pkg/mod.py\"><methods/><lines>{}</lines></class></classes></package></packages></coverage>",
        executable.iter().map(|l| format!("<line number=\"{l}\" hits=\"{}\"/>", hits(l))).collect::<String>()
    );
    let jacoco = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE report PUBLIC \"-//JACOCO//DTD Report 1.1//EN\" \"report.dtd\"><report name=\"t\"><package name=\"pkg\"><sourcefile name=\"mod.py\">{}</sourcefile></package></report>",
        executable.iter().map(|l| format!("<line nr=\"{l}\" mi=\"1\" ci=\"{}\" mb=\"0\" cb=\"0\"/>", hits(l))).collect::<String>()
    );
    let list = |f: &dyn Fn(&u32) -> bool| {
        executable
            .iter()
            .filter(|l| f(l))
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let coveragepy = format!(
        "{{\"meta\": {{\"version\": \"7.6.1\"}}, \"files\": {{\"pkg/mod.py\": {{\"executed_lines\": [{}], \"missing_lines\": [{}]}}}}, \"totals\": {{}}}}",
        list(&|l| hits(l) > 0),
        list(&|l| hits(l) == 0)
    );
    let go = format!(
        "mode: set\n{}",
        executable
            .iter()
            .map(|l| format!("example.com/app/pkg/mod.py:{l}.1,{l}.20 1 {}\n", hits(l)))
            .collect::<String>()
    );
    let istanbul = format!(
        "{{\"/ci/app/pkg/mod.py\": {{\"path\": \"/ci/app/pkg/mod.py\", \"statementMap\": {{{}}}, \"s\": {{{}}}, \"branchMap\": {{}}, \"b\": {{}}, \"fnMap\": {{}}, \"f\": {{}}}}}}",
        executable.iter().map(|l| format!("\"{l}\": {{\"start\": {{\"line\": {l}, \"column\": 0}}, \"end\": {{\"line\": {l}, \"column\": 9}}}}")).collect::<Vec<_>>().join(", "),
        executable.iter().map(|l| format!("\"{l}\": {}", hits(l))).collect::<Vec<_>>().join(", ")
    );
    // One region per executable line, each followed by a skipped gap so lines stand alone.
    let llvm = format!(
        "{{\"type\": \"llvm.coverage.json.export\", \"version\": \"2.0.1\", \"data\": [{{\"files\": [{{\"filename\": \"/ci/app/pkg/mod.py\", \"segments\": [{}]}}]}}]}}",
        executable
            .iter()
            .map(|l| format!("[{l}, 1, {}, true, true, false], [{l}, 30, 0, false, false, false]", hits(l)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for (name, content) in [
        ("lcov.info", lcov("pkg/mod.py", &covered)),
        ("coverage.xml", cobertura),
        ("jacoco.xml", jacoco),
        ("coverage.json", coveragepy),
        ("cover.out", go),
        ("coverage-final.json", istanbul),
        ("llvm.json", llvm),
    ] {
        repo.write(name, content);
        let (_, report, err) = check(&repo, &base, &["--coverage", name]);
        let patch = &report["coverage"]["patch"];
        assert_eq!(
            (patch["covered"].as_u64(), patch["executable"].as_u64()),
            (Some(3), Some(5)),
            "{name}: {err}{report:#}"
        );
    }
}

/// Every rule that counts complexity off: what is left is judged as with them on.
const NO_COMPLEXITY: &str = "[gate]\nmin-new-lines = 1\n[rules.cognitive-complexity]\nenabled = false\n[rules.cyclomatic-complexity]\nenabled = false\n[rules.nesting-depth]\nenabled = false\n[rules.file-complexity]\nenabled = false\n[rules.duplicated-block]\nenabled = false\n";

#[test]
fn without_complexity_rules_the_rules_left_judge_as_before() {
    // A 97-line function made 106 lines long by lines added at its end: function length still
    // needs its base (worsened across the limit, not new), though no complexity is counted.
    let body: String = (0..95).map(|k| format!("    a += {k}\n")).collect();
    let longer: String = (0..9).map(|k| format!("    a -= {k}\n")).collect();
    let base_src = format!("def long(a):\n{body}    return a\n");
    for config in [
        NO_COMPLEXITY.to_string(),
        format!("{NO_COMPLEXITY}[rules.function-length]\nenabled = false\n"),
    ] {
        let repo = Repo::new();
        repo.write("pkg/long.py", &base_src)
            .write("debtgate.toml", &config);
        let base = repo.commit("base");
        repo.write("pkg/long.py", format!("{base_src}{longer}"));
        let covered: String = (1..=106)
            .map(|l| format!("DA:{l},{}\n", u32::from(l < 100)))
            .collect();
        repo.write("lcov.info", format!("SF:pkg/long.py\n{covered}end_of_record\n"));
        repo.commit("longer");
        let (exit, report, err) = check(&repo, &base, &["--coverage", "lcov.info"]);
        assert_eq!(exit, 1, "{err}{report:#}");
        let rules: Vec<(&str, &str)> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["rule_id"].as_str().unwrap(), f["change"].as_str().unwrap()))
            .collect();
        let length = ("function-length", "worsened");
        assert_eq!(
            rules.contains(&length),
            !config.contains("function-length"),
            "{report:#}"
        );
        assert!(rules.iter().any(|r| r.0 == "uncovered-lines"), "{report:#}");
        assert_eq!(report["summary"]["new_lines"], 9, "{report:#}");
    }
}
