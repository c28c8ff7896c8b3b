//! `check --shard I/N` and `merge`: a change split over CI jobs gets the verdict of the whole.

use debtgate::shard::Shard;

use crate::support::{code, nested_python, python_function, stderr, stdout, Repo};

/// Paths under `dir` owned by each of `count` shards, `per` of each, as the shard hash places
/// them: the test puts the two sides of a move and of a copy in different shards on purpose.
fn paths_by_shard(dir: &str, count: u32, per: usize) -> Vec<Vec<String>> {
    let mut out = vec![Vec::new(); count as usize];
    for i in 0.. {
        if out.iter().all(|p| p.len() >= per) {
            break;
        }
        let path = format!("{dir}/m{i}.py");
        let owner = (1..=count)
            .find(|&index| Shard { index, count }.owns(&path))
            .unwrap();
        let bucket = &mut out[owner as usize - 1];
        if bucket.len() < per {
            bucket.push(path);
        }
    }
    out
}

/// A change with something for every part of the verdict, spread over three shards: a complex
/// function moved from a shard-1 file to a shard-2 file (a move, not new), a copy written into
/// files of shards 2 and 3, a new function over the limits, a deleted complex function (debt
/// removed), untested added lines, and a file that does not parse.
fn spread_change() -> (Repo, String, Vec<Vec<String>>) {
    let by_shard = paths_by_shard("app", 3, 3);
    let repo = Repo::new();
    let moved = nested_python("tangled", 6);
    repo.write(
        &by_shard[0][0],
        format!("{}\n\n{moved}", python_function("billing")),
    );
    repo.write(&by_shard[2][1], nested_python("retired", 7));
    for (k, paths) in by_shard.iter().enumerate() {
        repo.write(&paths[2], python_function(&format!("kept{k}")));
    }
    let base = repo.commit("base");
    repo.write(&by_shard[0][0], python_function("billing"));
    repo.write(&by_shard[1][0], format!("X = 1\n\n\n{moved}"));
    repo.write(&by_shard[1][1], python_function("copied"));
    repo.write(&by_shard[2][0], python_function("copied"));
    repo.remove(&by_shard[2][1]);
    repo.write(&by_shard[0][1], FRESH);
    let broken = "def broken(x):\n    y = [1, 2\n    return y +\n";
    repo.write(&by_shard[1][2], format!("{}\n{broken}", python_function("kept1")));
    let lcov: String = by_shard
        .iter()
        .flatten()
        .map(|p| format!("SF:{p}\nDA:1,1\nDA:2,0\nDA:3,0\nend_of_record\n"))
        .collect();
    repo.write("lcov.info", lcov);
    repo.commit("head");
    (repo, base, by_shard)
}

/// A new function over the cognitive limit (22), like no other function of the change.
const FRESH: &str = "def fresh(items, limit):
    for item in items:
        while item.next:
            if item.value > limit:
                for sub in item.children:
                    if sub and sub.ready:
                        try:
                            sub.run()
                        except ValueError:
                            continue
";

fn check(repo: &Repo, base: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["check", "--base", base, "--coverage", "lcov.info", "--no-cache"];
    args.extend_from_slice(extra);
    repo.debtgate(&args)
}

#[test]
fn the_merged_shards_give_the_reports_and_exit_code_of_the_whole_change() {
    let (repo, base, _) = spread_change();
    let dir = repo.path();
    let whole = check(&repo, &base, &["--format", "json", "--sarif", "whole.sarif"]);
    let mut reports = Vec::new();
    for i in 1..=3 {
        let json = format!("shard-{i}.json");
        let out = check(&repo, &base, &["--shard", &format!("{i}/3"), "--json", &json]);
        assert!(code(&out) <= 2, "{}", stderr(&out));
        reports.push(json);
    }
    let mut args = vec!["merge", "--format", "json", "--sarif", "merged.sarif"];
    args.extend(reports.iter().map(String::as_str));
    let merged = repo.debtgate(&args);
    assert_eq!(stdout(&merged), stdout(&whole), "{}", stderr(&merged));
    assert_eq!(code(&merged), code(&whole));
    let sarif = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    assert_eq!(sarif("merged.sarif"), sarif("whole.sarif"));
    // The change has what the merge must get right, so the comparison means something.
    let report: serde_json::Value = serde_json::from_str(&stdout(&whole)).unwrap();
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    for rule in ["cognitive-complexity", "duplicated-block", "uncovered-lines"] {
        assert!(rules.contains(&rule), "{rule}: {report:#}");
    }
    assert!(report["moves"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["function"] == "tangled"));
    assert!(report["summary"]["debt_removed_minutes"].as_u64().unwrap() > 0);
    assert!(report["notices"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["blocking"] == true));
    assert_eq!(
        code(&whole),
        2,
        "the syntax error on added lines cannot be judged"
    );
}

#[test]
fn a_shard_judges_only_its_files_and_its_sarif_is_a_category_of_its_own() {
    let (repo, base, by_shard) = spread_change();
    let out = check(&repo, &base, &["--shard", "2/3", "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        sarif["runs"][0]["automationDetails"]["id"],
        "debtgate/shard-2-of-3/"
    );
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(!uris.is_empty());
    assert!(
        uris.iter().all(|u| by_shard[1].iter().any(|p| p == u)),
        "{uris:?}"
    );
    // The function moved in from shard 1's file is a move here too, not a new function.
    let json = check(&repo, &base, &["--shard", "2/3", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["function"] != "tangled"),
        "{report:#}"
    );
    let whole = check(&repo, &base, &["--format", "sarif"]);
    let whole: serde_json::Value = serde_json::from_str(&stdout(&whole)).unwrap();
    assert!(whole["runs"][0].get("automationDetails").is_none());
}

#[test]
fn merge_refuses_an_incomplete_or_mixed_set_and_says_which_file() {
    let (repo, base, _) = spread_change();
    for i in 1..=3 {
        check(
            &repo,
            &base,
            &["--shard", &format!("{i}/3"), "--json", &format!("s{i}.json")],
        );
    }
    check(&repo, &base, &["--shard", "1/2", "--json", "other-split.json"]);
    check(&repo, &base, &["--json", "whole.json"]);
    repo.write("notes.json", "{\"hello\": 1}");
    let cases: [(&[&str], &str); 6] = [
        (&["s1.json", "s3.json"], "shard 2/3 missing"),
        (
            &["s1.json", "s2.json", "s3.json", "s2.json"],
            "s2.json: shard 2/3 again",
        ),
        (
            &["s1.json", "s2.json", "other-split.json"],
            "other-split.json: shard 1/2, of another split",
        ),
        (&["s1.json", "whole.json"], "whole.json: judges the whole change"),
        (
            &["s1.json", "notes.json"],
            "notes.json: not a debtgate JSON report",
        ),
        (&["s1.json", "absent.json"], "cannot read absent.json"),
    ];
    for (files, says) in cases {
        let mut args = vec!["merge"];
        args.extend_from_slice(files);
        let out = repo.debtgate(&args);
        assert_eq!(code(&out), 2, "{files:?}");
        assert!(stderr(&out).contains(says), "{files:?}: {}", stderr(&out));
    }
    // Another change's shard.
    repo.write("app/late.py", python_function("late"));
    let later = repo.commit("later");
    check(
        &repo,
        &format!("{later}~1"),
        &["--shard", "2/3", "--json", "later.json"],
    );
    let out = repo.debtgate(&["merge", "s1.json", "later.json", "s3.json"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("merge the shards of one change"),
        "{}",
        stderr(&out)
    );
    // One whole report merges to itself.
    let out = repo.debtgate(&["merge", "whole.json", "--format", "json"]);
    let whole = std::fs::read_to_string(repo.path().join("whole.json")).unwrap();
    assert_eq!(stdout(&out), whole);
}

#[test]
fn a_shard_that_is_not_i_of_n_is_a_usage_error() {
    let (repo, base, _) = spread_change();
    for bad in ["0/3", "4/3", "3", "a/b"] {
        let out = check(&repo, &base, &["--shard", bad]);
        assert_eq!(code(&out), 2, "{bad}");
        assert!(stderr(&out).contains("expected I/N"), "{bad}: {}", stderr(&out));
    }
}
