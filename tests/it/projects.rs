//! `[[projects]]`: a monorepo's directories judged in one run, each by its own configuration,
//! coverage reports and gate.

use crate::support::{check_json, code, nested_python, python_function, stderr, stdout, Repo};

const ROOT: &str = "[[projects]]\npath = \"services/web\"\n\n[[projects]]\npath = \"services/api\"\ncoverage = [\"services/api/lcov.info\"]\n";

/// The API's own limits are looser and it has a coverage gate of its own; the web service has
/// no configuration, so the root's applies there.
const API: &str =
    "[rules.cognitive-complexity]\nthreshold = 30\n\n[gate]\nmin-patch-coverage = 80\nmin-new-lines = 1\n";

/// A monorepo with the same complex function and file name in the API, the web service and a
/// library in no project; the API's report names its files relative to its directory.
fn monorepo() -> (Repo, String) {
    let repo = Repo::new();
    repo.write("debtgate.toml", ROOT);
    repo.write("services/api/debtgate.toml", API);
    for dir in ["services/api/app", "services/web/app", "lib"] {
        repo.write(&format!("{dir}/util.py"), python_function("kept"));
    }
    let base = repo.commit("base");
    for dir in ["services/api/app", "services/web/app", "lib"] {
        let code = format!("{}\n\n{}", python_function("kept"), nested_python("tangled", 6));
        repo.write(&format!("{dir}/util.py"), code);
    }
    let lcov: String = (1..=20)
        .map(|line| format!("DA:{line},{}\n", u8::from(line <= 14)))
        .collect();
    repo.write(
        "services/api/lcov.info",
        format!("SF:app/util.py\n{lcov}end_of_record\n"),
    );
    repo.commit("head");
    (repo, base)
}

fn paths_of(report: &serde_json::Value, rule: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn each_project_is_judged_by_its_own_configuration_coverage_and_gate() {
    let (repo, base) = monorepo();
    let (exit, report) = check_json(&repo, &base, &["--no-cache"]);
    assert_eq!(exit, 1, "{report:#}");
    // The API's limit is 30; the web service and the library keep the root's 15.
    assert_eq!(
        paths_of(&report, "cognitive-complexity"),
        ["lib/util.py", "services/web/app/util.py"],
        "{report:#}"
    );
    // The API's report maps `app/util.py` inside the API, though the web service has one too.
    let patch: Vec<&serde_json::Value> = report["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["name"] == "patch coverage")
        .collect();
    assert_eq!(patch.len(), 1, "{report:#}");
    assert_eq!(patch[0]["project"], "services/api");
    assert_eq!(patch[0]["passed"], false, "{:#}", patch[0]);
    assert!(patch[0]["value"].as_f64().unwrap() < 80.0, "{:#}", patch[0]);
    let parts: Vec<&serde_json::Value> = report["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["project"])
        .collect();
    assert_eq!(parts, [".", "services/api", "services/web"]);
    let outcome = |i: usize| report["projects"][i]["outcome"].as_str().unwrap().to_string();
    assert_eq!(
        [outcome(0), outcome(1), outcome(2)],
        ["failed", "failed", "failed"]
    );
    assert_eq!(
        report["projects"][1]["config_source"]
            .as_str()
            .unwrap()
            .split(' ')
            .next(),
        Some("services/api/debtgate.toml")
    );
    let files: Vec<u64> = (0..3)
        .map(|i| {
            report["projects"][i]["summary"]["files_changed"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(files, [1, 2, 1], "the API's part holds its report too");
    // The terminal names the project of each condition it shows.
    let text = repo.debtgate(&["check", "--base", &base, "--no-cache"]);
    assert!(
        stdout(&text).contains("gate: patch coverage (services/api): "),
        "{}",
        stdout(&text)
    );
    assert!(
        stdout(&text).contains("note: coverage of services/api: mapped 1/1 report file(s)"),
        "{}",
        stdout(&text)
    );
}

#[test]
fn explain_holds_a_function_to_the_limits_of_its_project() {
    let (repo, _) = monorepo();
    let limit = |path: &str| {
        let out = repo.debtgate(&["explain", &format!("{path}:tangled")]);
        let text = stdout(&out);
        text.lines()
            .find(|l| l.trim_start().starts_with("cognitive complexity"))
            .unwrap_or_else(|| panic!("{text}{}", stderr(&out)))
            .to_string()
    };
    assert!(limit("services/api/app/util.py").contains("within the limit of 30"));
    assert!(limit("services/web/app/util.py").contains("over the limit of 15"));
}

#[test]
fn the_merged_shards_of_a_monorepo_give_the_verdict_of_the_whole() {
    let (repo, base) = monorepo();
    let whole = repo.debtgate(&["check", "--base", &base, "--no-cache", "--format", "json"]);
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let json = format!("shard-{i}.json");
        let out = repo.debtgate(&[
            "check",
            "--base",
            &base,
            "--no-cache",
            "--shard",
            &shard,
            "--json",
            &json,
        ]);
        assert!(code(&out) <= 1, "{}", stderr(&out));
    }
    let merged = repo.debtgate(&[
        "merge",
        "--format",
        "json",
        "shard-1.json",
        "shard-2.json",
        "shard-3.json",
    ]);
    assert_eq!(stdout(&merged), stdout(&whole), "{}", stderr(&merged));
    assert_eq!(code(&merged), code(&whole));
}

#[test]
fn a_wrong_project_configuration_is_an_error_that_names_its_file() {
    let (repo, _) = monorepo();
    repo.write(
        "services/api/debtgate.toml",
        "[rules.cognitive-complexity]\nthreshhold = 30\n",
    );
    repo.git(&["commit", "-qam", "typo"]);
    let out = repo.debtgate(&["check", "--base", "HEAD~1", "--config-from", "head"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("services/api/debtgate.toml (at head") && stderr(&out).contains("line 2"),
        "{}",
        stderr(&out)
    );
    repo.write("debtgate.toml", "[[projects]]\npath = \"../elsewhere\"\n");
    repo.git(&["commit", "-qam", "outside"]);
    let out = repo.debtgate(&["check", "--base", "HEAD~1", "--config-from", "head"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("[[projects]] #1: path = \"../elsewhere\""),
        "{}",
        stderr(&out)
    );
}
