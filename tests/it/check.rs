//! `debtgate check` end to end.

use crate::support::{
    code, git_in, nested_js, nested_python, nested_rust, python_function, stderr, stdout, Repo,
};

/// A repository whose base commit holds a simple function and, where asked, a complex one.
fn base_repo(with_complex: bool) -> (Repo, String) {
    let repo = Repo::new();
    let mut src = "def simple(a):\n    return a\n\n\n".to_string();
    if with_complex {
        src.push_str(&nested_python("complex", 6));
    }
    repo.write("app/a.py", src).write("README.md", "hello\n");
    let base = repo.commit("base");
    (repo, base)
}

fn sarif(repo: &Repo, base: &str) -> (i32, serde_json::Value) {
    let out = repo.debtgate(&["check", "--base", base, "--format", "sarif"]);
    let value = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)));
    (code(&out), value)
}

#[test]
fn new_complex_function_fails_with_a_result_on_its_line() {
    let (repo, base) = base_repo(false);
    let mut src = std::fs::read_to_string(repo.path().join("app/a.py")).unwrap();
    src.push_str(&nested_python("tangled", 6)); // cognitive 21, cyclomatic 7
    let def_line = src.lines().position(|l| l.starts_with("def tangled")).unwrap() + 1;
    repo.write("app/a.py", src);
    repo.commit("add tangled");

    let (exit, log) = sarif(&repo, &base);
    assert_eq!(exit, 1);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let cognitive: Vec<_> = results
        .iter()
        .filter(|r| r["ruleId"] == "cognitive-complexity")
        .collect();
    assert_eq!(cognitive.len(), 1, "{results:#?}");
    let r = cognitive[0];
    assert_eq!(r["level"], "error");
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "app/a.py");
    assert_eq!(loc["region"]["startLine"], def_line as u64);
    assert!(r["message"]["text"]
        .as_str()
        .unwrap()
        .contains("cognitive complexity 21 (new function), over the limit of 15"));
    assert!(!r["partialFingerprints"]["debtgate/v1"]
        .as_str()
        .unwrap()
        .is_empty());
}

#[test]
fn unchanged_old_complex_function_passes() {
    let (repo, base) = base_repo(true);
    let src = std::fs::read_to_string(repo.path().join("app/a.py")).unwrap();
    repo.write(
        "app/a.py",
        src.replace("    return a\n", "    b = a\n    return b\n"),
    );
    repo.commit("edit simple");
    let out = repo.debtgate(&["check", "--base", &base]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("debtgate: passed"), "{}", stdout(&out));
}

#[test]
fn worsened_function_fails_and_improved_one_passes() {
    let (repo, base) = base_repo(true);
    let src = std::fs::read_to_string(repo.path().join("app/a.py")).unwrap();
    let worse = src.replace(&nested_python("complex", 6), &nested_python("complex", 8));
    repo.write("app/a.py", &worse);
    repo.commit("worse");
    let out = repo.debtgate(&["check", "--base", &base]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    assert!(
        stdout(&out).contains("cognitive complexity 36 (was 21)"),
        "{}",
        stdout(&out)
    );

    // A later change that makes it simpler, though still over the limit, passes.
    let worse_commit = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.write("app/a.py", src);
    repo.commit("better");
    let out = repo.debtgate(&["check", "--base", &worse_commit]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
}

#[test]
fn old_excess_made_a_little_worse_is_a_note_and_crossing_the_limit_fails() {
    let (repo, base) = base_repo(true);
    let src = std::fs::read_to_string(repo.path().join("app/a.py")).unwrap();
    // 21 -> 28 over a limit of 15: a worsening of 7, at most half the limit.
    repo.write(
        "app/a.py",
        src.replace(&nested_python("complex", 6), &nested_python("complex", 7)),
    );
    repo.commit("a little worse");
    let out = repo.debtgate(&["check", "--base", &base, "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(code(&out), 0, "{report:#}");
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "cognitive-complexity")
        .unwrap();
    assert_eq!(f["severity"], "note");
    assert_eq!(f["base_value"], 21);
    assert_eq!(f["value"], 28);
    // Charged for the worsening only: 7 minutes at one minute a point.
    assert_eq!(f["debt_minutes"], 7);
    // The same worsening fails when every worsening is to fail.
    let out = repo.debtgate(&[
        "check",
        "--base",
        &base,
        "--config",
        &write_config(&repo, "[gate]\nlarge-worsening-percent = 0\n"),
    ]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    // A function that crosses the limit fails, however small the step: 10 -> 21 over 15.
    let (repo, _) = base_repo(false);
    repo.write("app/b.py", nested_python("growing", 4));
    let under = repo.commit("under the limit");
    repo.write("app/b.py", nested_python("growing", 6));
    repo.commit("over it");
    let out = repo.debtgate(&["check", "--base", &under]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    assert!(
        stdout(&out).contains("cognitive complexity 21 (was 10)"),
        "{}",
        stdout(&out)
    );
}

/// Writes a configuration file outside the repository's history (read with --config).
fn write_config(repo: &Repo, text: &str) -> String {
    let path = repo.path().join("extra-config.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn rename_without_edits_passes() {
    let (repo, base) = base_repo(true);
    repo.git(&["mv", "app/a.py", "app/b.py"]);
    repo.commit("rename");
    let out = repo.debtgate(&["check", "--base", &base, "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["summary"]["files_analyzed"], 1);
    assert_eq!(v["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn deleted_file_passes() {
    let (repo, base) = base_repo(true);
    repo.remove("app/a.py");
    repo.commit("delete");
    let out = repo.debtgate(&["check", "--base", &base]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
}

#[test]
fn binary_file_is_skipped_with_a_note() {
    let (repo, base) = base_repo(false);
    repo.write("app/blob.py", b"def f():\n\0\0\0 pass\n");
    repo.commit("binary");
    let out = repo.debtgate(&["check", "--base", &base]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(
        stdout(&out).contains("app/blob.py: note: binary content: skipped"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn unknown_revision_exits_2_naming_it() {
    let (repo, _) = base_repo(false);
    let out = repo.debtgate(&["check", "--base", "no-such-branch"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("no-such-branch"), "{}", stderr(&out));
}

#[test]
fn empty_change_exits_2_instead_of_passing_silently() {
    let (repo, base) = base_repo(false);
    let out = repo.debtgate(&["check", "--base", &base]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("nothing to judge"), "{}", stderr(&out));
}

#[test]
fn default_base_is_the_merge_base_with_main() {
    let (repo, _) = base_repo(false);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("app/c.py", nested_python("deep", 6));
    repo.commit("feature work");
    let out = repo.debtgate(&["check"]);
    assert_eq!(code(&out), 1, "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("(merge-base of main from the default branch)"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn shallow_clone_without_the_base_says_how_to_fetch_it() {
    let (repo, base) = base_repo(false);
    repo.write("app/c.py", "x = 1\n");
    repo.commit("second");
    repo.write("app/d.py", "y = 1\n");
    repo.commit("third");
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", repo.path().display());
    git_in(clone.path(), &["clone", "-q", "--depth", "1", &url, "shallow"]);
    let out = crate::support::debtgate_in(&clone.path().join("shallow"), &["check", "--base", &base]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("shallow clone") && err.contains("git fetch"),
        "{err}"
    );
}

#[test]
fn syntax_error_at_head_is_not_judged() {
    let (repo, base) = base_repo(false);
    repo.write("app/broken.py", "def f(:\n    pass\n");
    repo.commit("broken");
    let out = repo.debtgate(&["check", "--base", &base]);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    assert!(
        stdout(&out).contains(
            "app/broken.py: error: not analysed: syntax error at line 1, column 7, on lines this change adds"
        ),
        "{}",
        stdout(&out)
    );
}

#[test]
fn syntax_error_outside_the_change_is_a_note_and_the_rest_is_judged() {
    let repo = Repo::new();
    let old = "def broken(:\n    pass\n\n\ndef fine(a):\n    return a\n";
    repo.write("m.py", old);
    let base = repo.commit("base with a grammar gap");
    repo.write("m.py", format!("{old}\n\n{}", nested_python("added", 6)));
    repo.commit("add a complex function below");
    let out = repo.debtgate(&["check", "--base", &base]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains("m.py: note: syntax error at line 1, column"),
        "{text}"
    );
    assert!(text.contains("`added` has cognitive complexity 21"), "{text}");
}

#[test]
fn javascript_and_rust_functions_are_judged() {
    let repo = Repo::new();
    repo.write("web/a.js", "function ok() {}\n")
        .write("src/lib.rs", "fn ok() {}\n");
    let base = repo.commit("base");
    repo.write(
        "web/a.js",
        format!("function ok() {{}}\n{}", nested_js("deepJs", 6)),
    );
    repo.write(
        "src/lib.rs",
        format!("fn ok() {{}}\n{}", nested_rust("deep_rs", 6)),
    );
    repo.commit("deep");
    let out = repo.debtgate(&["check", "--base", &base]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(
        text.contains("web/a.js:2:1: error[cognitive-complexity] `deepJs`"),
        "{text}"
    );
    assert!(
        text.contains("src/lib.rs:2:1: error[cognitive-complexity] `deep_rs`"),
        "{text}"
    );
}

#[test]
fn configuration_is_read_from_the_base_commit() {
    let (repo, base) = base_repo(false);
    // The change raises the limit in the same commit that adds a complex function:
    // the base's (default) limit still judges it.
    repo.write("debtgate.toml", "[rules.cognitive-complexity]\nthreshold = 100\n");
    repo.write("app/c.py", nested_python("deep", 6));
    repo.commit("sneaky");
    let out = repo.debtgate(&["check", "--base", &base]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    assert!(
        stdout(&out).contains("this change edits debtgate.toml"),
        "{}",
        stdout(&out)
    );
    let out = repo.debtgate(&["check", "--base", &base, "--config-from", "head"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
}

#[test]
fn unknown_configuration_key_exits_2_naming_file_and_line() {
    let (repo, base) = base_repo(false);
    repo.write("app/c.py", "x = 1\n");
    repo.commit("c");
    repo.write(
        "custom.toml",
        "[gate]\nfail-on = \"error\"\n[rules.cognitive-complexity]\nlimit = 3\n",
    );
    let out = repo.debtgate(&["check", "--base", &base, "--config", "custom.toml"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("custom.toml: line 4") && err.contains("threshold"),
        "{err}"
    );
}

#[test]
fn reports_are_byte_identical_across_runs_thread_counts_and_clone_locations() {
    let (repo, base) = base_repo(false);
    for i in 0..8 {
        repo.write(&format!("m{i}.py"), nested_python(&format!("f{i}"), 6));
    }
    // Copies and uncovered lines too, so every kind of finding takes part.
    repo.write("copy1.py", python_function("one"));
    repo.write("copy2.py", python_function("two"));
    repo.write(
        "lcov.info",
        "SF:copy1.py\nDA:1,1\nDA:2,0\nDA:3,0\nend_of_record\n",
    );
    repo.commit("many");
    let run = |dir: &std::path::Path, threads: &str, format: &str| {
        let out = crate::support::git_env_command(
            dir,
            threads,
            &[
                "check",
                "--base",
                &base,
                "--format",
                format,
                "--coverage",
                "lcov.info",
                "--no-cache",
            ],
        );
        stdout(&out)
    };
    // Two clones in different places, different path lengths.
    let elsewhere = tempfile::tempdir().unwrap();
    let clone = elsewhere.path().join("a/much/deeper/clone");
    git_in(
        elsewhere.path(),
        &[
            "clone",
            "-q",
            repo.path().to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );
    std::fs::copy(repo.path().join("lcov.info"), clone.join("lcov.info")).unwrap();
    for format in ["sarif", "json", "gitlab", "junit", "markdown", "text"] {
        let one = run(repo.path(), "1", format);
        assert!(one.len() > 100, "{format}: {one}");
        for threads in ["2", "8"] {
            assert_eq!(
                one,
                run(repo.path(), threads, format),
                "{format} with {threads} threads"
            );
        }
        assert_eq!(one, run(repo.path(), "1", format), "{format}, run twice");
        assert_eq!(one, run(&clone, "8", format), "{format} in another clone");
    }
}

#[test]
fn text_report_snapshot() {
    let (repo, base) = base_repo(true);
    let src = std::fs::read_to_string(repo.path().join("app/a.py")).unwrap();
    repo.write(
        "app/a.py",
        src.replace(&nested_python("complex", 6), &nested_python("complex", 7)),
    );
    repo.write(
        "app/new.py",
        format!(
            "{}\n\n{}",
            nested_python("fresh", 6),
            "def many(a, b, c, d, e, f, g):\n    return a\n"
        ),
    );
    repo.commit("change");
    let out = repo.debtgate(&["check", "--base", &base]);
    assert_eq!(code(&out), 1);
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn sarif_snapshot() {
    let (repo, base) = base_repo(false);
    repo.write("app/spaced name ü.py", nested_python("fresh", 6));
    repo.commit("change");
    let out = repo.debtgate(&["check", "--base", &base, "--format", "sarif"]);
    assert_eq!(code(&out), 1);
    insta::assert_snapshot!(stdout(&out));
}

/// Validates SARIF with Microsoft's SARIF multitool when `SARIF_MULTITOOL` names it
/// (`.ci/run` installs it); otherwise says it did not run.
/// Under CI the validator must be there: a failed install cannot hide behind an ignored test.
#[test]
fn under_ci_the_sarif_validator_is_given() {
    let given = cfg!(sarif_validator);
    if std::env::var_os("CI").is_some() {
        assert!(
            given,
            "under CI the SARIF validator must run: set SARIF_MULTITOOL"
        );
    }
}

#[test]
#[cfg_attr(
    not(sarif_validator),
    ignore = "needs Microsoft's SARIF multitool: set SARIF_MULTITOOL (.ci/run installs it)"
)]
fn sarif_passes_the_multitool_validator() {
    let tool = std::env::var_os("SARIF_MULTITOOL").expect("SARIF_MULTITOOL names the validator");
    let (repo, base) = base_repo(true);
    repo.write("app/x y.py", nested_python("fresh", 7));
    repo.write("app/broken.py", "def f(:\n");
    // Two copies in the change: a result with the other copy as a related location.
    repo.write("app/copy1.py", python_function("one"));
    repo.write("app/copy2.py", python_function("two"));
    repo.commit("change");
    let sarif_path = repo.path().join("out.sarif");
    let out = repo.debtgate(&["check", "--base", &base, "--sarif", sarif_path.to_str().unwrap()]);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    let log = std::fs::read_to_string(&sarif_path).unwrap();
    assert!(log.contains("\"ruleId\": \"duplicated-block\""), "{log}");
    let validation = std::process::Command::new(tool)
        .args([
            "validate",
            "-o",
            repo.path().join("validation.sarif").to_str().unwrap(),
        ])
        .arg(&sarif_path)
        .output()
        .expect("the SARIF multitool runs");
    let report = std::fs::read_to_string(repo.path().join("validation.sarif")).unwrap_or_default();
    let parsed: serde_json::Value = serde_json::from_str(&report).unwrap_or_default();
    let errors: Vec<serde_json::Value> = parsed["runs"][0]["results"]
        .as_array()
        .map(|results| {
            results
                .iter()
                .filter(|r| r["level"] == "error")
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    assert!(
        validation.status.success() && errors.is_empty() && !report.is_empty(),
        "validator: {}\n{}\nerrors: {errors:#?}",
        String::from_utf8_lossy(&validation.stdout),
        String::from_utf8_lossy(&validation.stderr)
    );
}

/// Every language debtgate supports is judged end to end: the same tangled function in each
/// fails the gate on its own line, and only there.
#[test]
fn a_new_complex_function_fails_in_every_language() {
    let nested = |open: &str, close: &str, depth: usize| -> String {
        let mut body = String::new();
        for level in 0..depth {
            body.push_str(&"    ".repeat(level + 1));
            body.push_str(open);
            body.push('\n');
        }
        for level in (0..depth).rev() {
            body.push_str(&"    ".repeat(level + 1));
            body.push_str(close);
            body.push('\n');
        }
        body
    };
    let cases = [
        (
            "src/t.ts",
            "export function tangled(x: number) {\n",
            "if (x > 0) {",
            "}",
            "}\n",
        ),
        (
            "src/t.tsx",
            "export function tangled(x: number) {\n",
            "if (x > 0) {",
            "}",
            "}\n",
        ),
        (
            "t.go",
            "package t\n\nfunc tangled(x int) {\n",
            "if x > 0 {",
            "}",
            "}\n",
        ),
        (
            "T.java",
            "class T {\nvoid tangled(int x) {\n",
            "if (x > 0) {",
            "}",
            "}\n}\n",
        ),
    ];
    for (path, head, open, close, tail) in cases {
        let repo = Repo::new();
        repo.write("README", "base\n");
        let base = repo.commit("base");
        let source = format!("{head}{}{tail}", nested(open, close, 6)); // cognitive 21
        let line = source.lines().position(|l| l.contains("tangled")).unwrap() + 1;
        repo.write(path, source);
        repo.commit("add tangled");
        let (exit, log) = sarif(&repo, &base);
        assert_eq!(exit, 1, "{path}");
        let results = log["runs"][0]["results"].as_array().unwrap();
        let cognitive: Vec<_> = results
            .iter()
            .filter(|r| r["ruleId"] == "cognitive-complexity")
            .collect();
        assert_eq!(cognitive.len(), 1, "{path}: {results:#?}");
        let loc = &cognitive[0]["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], path);
        assert_eq!(loc["region"]["startLine"], line as u64, "{path}");
        assert!(
            cognitive[0]["message"]["text"]
                .as_str()
                .unwrap()
                .contains("cognitive complexity 21"),
            "{path}: {}",
            cognitive[0]["message"]["text"]
        );
    }
}
