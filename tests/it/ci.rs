//! Where debtgate runs: the GitHub Action's steps in a simulated Actions environment (a
//! pull_request payload, a shallow clone, $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY), workflow
//! command escaping against hostile file names, the other report formats, and the pre-push
//! hook against a bare remote.

use std::path::Path;
use std::process::Command;

use crate::support::{bin, code, git_env, git_in, nested_python, python_function, stderr, stdout, Repo};

fn action_script() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("action/run.sh")
}

/// An "origin" with main and a pull request branch that adds a tangled function and a copy.
fn origin_with_pull_request() -> (Repo, String, String) {
    let origin = Repo::new();
    origin.write("app/a.py", python_function("billing"));
    origin.write("README.md", "hello\n");
    let base = origin.commit("base");
    for i in 0..5 {
        origin.write("notes.txt", format!("{i}\n"));
        origin.commit(&format!("history {i}"));
    }
    origin.git(&["checkout", "-q", "-b", "feature", &base]);
    origin.write(
        "app/b.py",
        format!("{}\n\n{}", nested_python("tangled", 6), python_function("shop")),
    );
    let head = origin.commit("feature");
    (origin, base, head)
}

#[test]
fn the_action_judges_a_pull_request_from_a_shallow_clone() {
    let (origin, base, head) = origin_with_pull_request();
    let (work, clone) = crate::support::shallow_clone(&origin, &["--branch", "feature"]);
    assert_eq!(
        git_in(&clone, &["rev-parse", "--is-shallow-repository"]).trim(),
        "true"
    );
    assert!(
        git_env(&mut Command::new("git"))
            .current_dir(&clone)
            .args(["cat-file", "-e", &format!("{base}^{{commit}}")])
            .output()
            .unwrap()
            .status
            .code()
            != Some(0)
    );

    let event = work.path().join("event.json");
    std::fs::write(
        &event,
        format!(r#"{{"action": "opened", "number": 7, "pull_request": {{"base": {{"sha": "{base}", "ref": "main"}}, "head": {{"sha": "{head}", "ref": "feature"}}}}}}"#),
    )
    .unwrap();
    let output = work.path().join("output");
    let summary = work.path().join("summary.md");
    std::fs::write(&summary, "# earlier step\n").unwrap();
    let out = git_env(&mut Command::new("bash"))
        .arg(action_script())
        .current_dir(&clone)
        .env("DEBTGATE", bin())
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("INPUT_SARIF_FILE", work.path().join("out.sarif"))
        .env("INPUT_HTML_FILE", work.path().join("report.html"))
        .env("INPUT_ARGS", "--no-cache")
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "acme/shop")
        .env(
            "DEBTGATE_DOCS_URL",
            "https://github.com/acme/debtgate/blob/v0/docs/rules",
        )
        .output()
        .unwrap();
    let (out_text, err_text) = (stdout(&out), stderr(&out));
    assert_eq!(code(&out), 1, "{out_text}{err_text}");
    assert!(
        out_text
            .lines()
            .any(|l| l.starts_with("::error file=app/b.py,line=1,")),
        "{out_text}"
    );
    assert!(out_text.contains("debtgate duplicated-block"), "{out_text}");
    let outputs = std::fs::read_to_string(&output).unwrap();
    assert!(outputs.contains("passed=false\n"), "{outputs}");
    assert!(
        outputs
            .lines()
            .any(|l| l.starts_with("findings=") && l != "findings=0"),
        "{outputs}"
    );
    assert!(
        outputs.contains(&format!("sarif-file={}", work.path().join("out.sarif").display())),
        "{outputs}"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("# earlier step\n## ❌ debtgate failed"),
        "appended: {md}"
    );
    // Each finding links its rule's page and its line at the head commit.
    assert!(
        md.contains("[<code>cognitive-complexity</code>](https://github.com/acme/debtgate/blob/v0/docs/rules/cognitive-complexity.md)"),
        "{md}"
    );
    assert!(
        md.contains(&format!("](https://github.com/acme/shop/blob/{head}/app/b.py#L")),
        "{md}"
    );
    assert!(
        md.contains("<code>tangled</code> has cognitive complexity"),
        "{md}"
    );
    let html = std::fs::read_to_string(work.path().join("report.html")).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>") && html.contains("<code>tangled</code>"),
        "{html}"
    );
    assert!(
        html.contains("Where the cognitive complexity comes from"),
        "{html}"
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(work.path().join("out.sarif")).unwrap()).unwrap();
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
}

#[test]
fn a_push_event_judges_before_to_after() {
    let (origin, base, _) = origin_with_pull_request();
    let work = tempfile::tempdir().unwrap();
    let event = work.path().join("event.json");
    std::fs::write(&event, format!(r#"{{"before": "{base}", "after": "x"}}"#)).unwrap();
    let out = git_env(&mut Command::new("bash"))
        .arg(action_script())
        .current_dir(origin.path())
        .env("DEBTGATE", bin())
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_EVENT_PATH", &event)
        .env("INPUT_SARIF_FILE", work.path().join("out.sarif"))
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}{}", stdout(&out), stderr(&out));
}

/// File names can hold newlines, `::`, commas, colons and percent signs; none of them may
/// start or end a workflow command.
#[test]
fn hostile_file_names_cannot_inject_workflow_commands() {
    let repo = Repo::new();
    repo.write("README.md", "x\n");
    let base = repo.commit("base");
    let names = [
        "evil\n::warning file=x::pwned.py",
        "a,line=1::%0Apwned.py",
        "per%cent:colon,comma.py",
    ];
    for name in names {
        repo.write(name, nested_python("tangled", 6));
    }
    repo.commit("hostile names");
    let out = repo.debtgate(&["check", "--base", &base, "--format", "github", "--no-cache"]);
    let text = stdout(&out);
    assert_eq!(code(&out), 1, "{text}{}", stderr(&out));
    let commands: Vec<&str> = text.lines().collect();
    assert!(
        commands
            .iter()
            .all(|l| l.starts_with("::error ") || l.starts_with("::warning ") || l.starts_with("::notice")),
        "{text}"
    );
    assert!(
        !commands.iter().any(|l| l.starts_with("::warning file=x::pwned")),
        "{text}"
    );
    assert!(
        text.contains("file=evil%0A%3A%3Awarning file=x%3A%3Apwned.py,"),
        "{text}"
    );
    assert!(text.contains("file=a%2Cline=1%3A%3A%250Apwned.py,"), "{text}");
    assert!(text.contains("file=per%25cent%3Acolon%2Ccomma.py,"), "{text}");
    // Markdown, JUnit and GitLab outputs stay well-formed too.
    let md = stdout(&repo.debtgate(&["check", "--base", &base, "--format", "markdown", "--no-cache"]));
    assert!(!md.lines().any(|l| l.starts_with("::")), "{md}");
    let junit = stdout(&repo.debtgate(&["check", "--base", &base, "--format", "junit", "--no-cache"]));
    assert!(
        junit.contains("classname=\"evil&#10;::warning file=x::pwned.py\""),
        "{junit}"
    );
    let mut reader = quick_xml::Reader::from_str(&junit);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("JUnit is not well-formed XML: {e}\n{junit}"),
        }
    }
    let gitlab: serde_json::Value = serde_json::from_str(&stdout(&repo.debtgate(&[
        "check",
        "--base",
        &base,
        "--format",
        "gitlab",
        "--no-cache",
    ])))
    .unwrap();
    let paths: Vec<&str> = gitlab
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["location"]["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&names[0]), "{paths:?}");
}

#[test]
fn gitlab_fingerprints_are_stable_and_junit_fails_per_rule_and_file() {
    let repo = Repo::new();
    repo.write("a.py", "def simple(a):\n    return a\n");
    let base = repo.commit("base");
    repo.write("a.py", format!("\n\n{}", nested_python("tangled", 6)));
    repo.commit("add");
    let run =
        |format: &str| stdout(&repo.debtgate(&["check", "--base", &base, "--format", format, "--no-cache"]));
    let first: serde_json::Value = serde_json::from_str(&run("gitlab")).unwrap();
    // Moving the function by unrelated lines keeps its fingerprint.
    repo.write("a.py", format!("\n\n\n\n\n{}", nested_python("tangled", 6)));
    repo.commit("move");
    let second: serde_json::Value = serde_json::from_str(&run("gitlab")).unwrap();
    let prints = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|i| i["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(prints(&first), prints(&second));
    assert!(first
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["check_name"] == "cognitive-complexity" && i["severity"] == "major"));
    let junit = run("junit");
    assert!(
        junit.contains("<testcase classname=\"a.py\" name=\"cognitive-complexity\">"),
        "{junit}"
    );
    assert!(junit.contains("<failure message=\"1 finding(s)\""), "{junit}");
}

#[test]
fn the_pre_push_hook_checks_each_pushed_range() {
    let remote = tempfile::tempdir().unwrap();
    git_in(remote.path(), &["init", "-q", "--bare", "-b", "main"]);
    let repo = Repo::new();
    repo.git(&["remote", "add", "origin", remote.path().to_str().unwrap()]);
    repo.write("a.py", "def simple(a):\n    return a\n");
    repo.commit("base");
    repo.git(&["push", "-q", "origin", "main"]);

    let out = repo.debtgate(&["install-hook"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let hook = repo.path().join(".git/hooks/pre-push");
    assert!(std::fs::read_to_string(&hook)
        .unwrap()
        .contains("debtgate pre-push hook"));
    // Its own hook is updated in place; someone else's is never replaced without --force.
    let again = repo.debtgate(&["install-hook"]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert!(stdout(&again).starts_with("updated "), "{}", stdout(&again));
    std::fs::write(&hook, "#!/bin/sh\nexec lint-staged\n").unwrap();
    let theirs = repo.debtgate(&["install-hook"]);
    assert_eq!(code(&theirs), 2, "no silent overwrite");
    assert!(
        stderr(&theirs).contains("is not debtgate's; pass --force"),
        "{}",
        stderr(&theirs)
    );
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        "#!/bin/sh\nexec lint-staged\n"
    );
    assert_eq!(code(&repo.debtgate(&["install-hook", "--force"])), 0);

    // A simple change pushes.
    repo.write("a.py", "def simple(a):\n    return a + 1\n");
    repo.commit("simple change");
    let push = |repo: &Repo, args: &[&str]| {
        git_env(&mut Command::new("git"))
            .current_dir(repo.path())
            .args(args)
            .output()
            .unwrap()
    };
    let ok = push(&repo, &["push", "-q", "origin", "main"]);
    assert!(ok.status.success(), "{}", stderr(&ok));

    // A tangled function is stopped, with the finding shown.
    repo.write("b.py", nested_python("tangled", 6));
    repo.commit("tangled");
    let blocked = push(&repo, &["push", "-q", "origin", "main"]);
    assert!(!blocked.status.success());
    let said = format!("{}{}", stdout(&blocked), stderr(&blocked));
    assert!(
        said.contains("cognitive-complexity") && said.contains("push blocked"),
        "{said}"
    );

    // A new branch is judged against the default base (origin's main).
    repo.git(&["checkout", "-q", "-b", "topic"]);
    let new_branch = push(&repo, &["push", "-q", "origin", "topic"]);
    assert!(!new_branch.status.success(), "{}", stderr(&new_branch));
}

/// Runs the action's script in `dir` with the given environment; returns the output.
fn run_action(dir: &Path, env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new("bash");
    git_env(&mut cmd)
        .arg(action_script())
        .current_dir(dir)
        .env("DEBTGATE", bin());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn the_action_never_passes_an_input_or_payload_to_git_as_an_option() {
    let (origin, base, _) = origin_with_pull_request();
    let marker = origin.path().join("pwned");
    let hostile = format!("--upload-pack=touch {}", marker.display());
    let out = run_action(origin.path(), &[("INPUT_BASE", &hostile)]);
    assert_eq!(code(&out), 2, "{}{}", stdout(&out), stderr(&out));
    assert!(!marker.exists(), "a base input ran a command");
    assert!(
        stdout(&out).contains("::error title=debtgate could not judge the change::"),
        "{}",
        stdout(&out)
    );

    let event = origin.path().join("event.json");
    std::fs::write(
        &event,
        format!(
            r#"{{"pull_request": {{"base": {{"sha": "--upload-pack=touch {}"}}}}}}"#,
            marker.display()
        ),
    )
    .unwrap();
    let out = run_action(
        origin.path(),
        &[
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
        ],
    );
    assert_eq!(code(&out), 2, "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains("not a commit id"), "{}", stderr(&out));
    assert!(!marker.exists());

    // Extra arguments are not globs: `*` stays `*` even beside a file named like an option.
    origin.write("--config-from=head", "x\n");
    let out = run_action(
        origin.path(),
        &[("INPUT_BASE", &base), ("INPUT_ARGS", "--config *")],
    );
    assert_eq!(code(&out), 2, "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains("configuration file *"), "{}", stderr(&out));
}

#[test]
fn the_action_refuses_pull_request_target_unless_the_workflow_opts_in() {
    let (origin, base, _) = origin_with_pull_request();
    let out = run_action(
        origin.path(),
        &[
            ("GITHUB_EVENT_NAME", "pull_request_target"),
            ("INPUT_BASE", &base),
        ],
    );
    assert_eq!(code(&out), 2, "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains("pull_request_target"), "{}", stderr(&out));
    let out = run_action(
        origin.path(),
        &[
            ("GITHUB_EVENT_NAME", "pull_request_target"),
            ("INPUT_BASE", &base),
            ("INPUT_ALLOW_PULL_REQUEST_TARGET", "true"),
        ],
    );
    assert_eq!(code(&out), 1, "{}{}", stdout(&out), stderr(&out));
}

#[test]
#[cfg(unix)]
fn the_installer_never_reuses_a_binary_it_did_not_build_or_verify() {
    use std::os::unix::fs::PermissionsExt;
    let temp = tempfile::tempdir().unwrap();
    let version = env!("CARGO_PKG_VERSION");
    // A fake that always passes, planted where an earlier step could write.
    let planted = temp.path().join(format!("debtgate-{version}"));
    std::fs::create_dir_all(&planted).unwrap();
    std::fs::write(planted.join("debtgate"), "#!/bin/sh\necho planted\nexit 0\n").unwrap();
    std::fs::set_permissions(planted.join("debtgate"), std::fs::Permissions::from_mode(0o755)).unwrap();
    // `cargo` stands in for the build of the action's source (a real build takes minutes).
    let tools = temp.path().join("tools");
    std::fs::create_dir_all(&tools).unwrap();
    let fake_cargo = "#!/bin/sh\nwhile [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=$2; shift; done\nmkdir -p \"$root/bin\"\nprintf '#!/bin/sh\\necho built debtgate\\n' > \"$root/bin/debtgate\"\nchmod +x \"$root/bin/debtgate\"\n";
    std::fs::write(tools.join("cargo"), fake_cargo).unwrap();
    std::fs::set_permissions(tools.join("cargo"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let output = temp.path().join("output");
    let path = format!("{}:{}", tools.display(), std::env::var("PATH").unwrap());
    let out = Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("action/install.sh"))
        .env("RUNNER_TEMP", temp.path())
        .env("GITHUB_OUTPUT", &output)
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("built debtgate"), "{}", stdout(&out));
    assert!(!stdout(&out).contains("planted"), "{}", stdout(&out));
    let written = std::fs::read_to_string(&output).unwrap();
    assert!(
        !written.contains(&format!("{}/debtgate\n", planted.display())),
        "{written}"
    );
}

#[test]
fn a_push_that_creates_a_branch_is_judged_from_the_default_branch() {
    let (origin, _, _) = origin_with_pull_request();
    let (work, clone) = crate::support::shallow_clone(&origin, &["--single-branch", "--branch", "feature"]);
    let event = work.path().join("event.json");
    std::fs::write(
        &event,
        r#"{"before": "0000000000000000000000000000000000000000", "repository": {"default_branch": "main"}}"#,
    )
    .unwrap();
    let out = run_action(
        &clone,
        &[
            ("GITHUB_EVENT_NAME", "push"),
            ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
        ],
    );
    assert_eq!(code(&out), 1, "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("app/b.py"), "{}", stdout(&out));
}

/// The step summary, the step outputs and the annotation a run left, read back.
fn step_files(work: &Path) -> (String, String) {
    let read = |name: &str| std::fs::read_to_string(work.join(name)).unwrap_or_default();
    (read("summary.md"), read("output"))
}

#[test]
fn a_run_that_cannot_judge_still_writes_its_summary_outputs_and_annotation() {
    let (origin, _, _) = origin_with_pull_request();
    let work = tempfile::tempdir().unwrap();
    let summary = work.path().join("summary.md");
    let output = work.path().join("output");
    let env = |base: &'static str| {
        vec![
            ("INPUT_BASE", base.to_string()),
            ("GITHUB_STEP_SUMMARY", summary.display().to_string()),
            ("GITHUB_OUTPUT", output.display().to_string()),
        ]
    };
    // debtgate itself cannot judge: the base is head, so the change is empty. Its message has
    // two lines; they stay two lines everywhere.
    let vars = env("HEAD");
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = run_action(origin.path(), &vars);
    assert_eq!(code(&out), 2, "{}{}", stdout(&out), stderr(&out));
    let annotation = stdout(&out)
        .lines()
        .find(|l| l.starts_with("::error title=debtgate could not judge the change::"))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no annotation: {}", stdout(&out)));
    assert!(
        annotation.contains("so the change is empty.%0APass --base"),
        "{annotation}"
    );
    assert!(!annotation.contains("\\n"), "{annotation}");
    assert!(
        stderr(&out).contains("the change is empty.\nPass --base"),
        "{}",
        stderr(&out)
    );
    let (md, outputs) = step_files(work.path());
    assert!(
        md.starts_with("## ⚠️ debtgate could not judge the change\n"),
        "{md}"
    );
    assert!(md.contains("Pass --base with the commit"), "{md}");
    assert!(
        outputs.contains("passed=false\n") && outputs.contains("exit-code=2\n"),
        "{outputs}"
    );

    // The action refuses on its own (a base that reads as an option): the same three places.
    std::fs::remove_file(&summary).unwrap();
    std::fs::remove_file(&output).unwrap();
    let vars = env("--output=`x`");
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = run_action(origin.path(), &vars);
    assert_eq!(code(&out), 2, "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("::error title=debtgate could not judge the change::the base input"),
        "{}",
        stdout(&out)
    );
    let (md, outputs) = step_files(work.path());
    assert!(md.contains("```text\nthe base input '--output='x''"), "{md}");
    assert!(outputs.contains("exit-code=2\n"), "{outputs}");
}

#[test]
fn every_judged_run_writes_its_exit_code_output() {
    let (origin, base, _) = origin_with_pull_request();
    let work = tempfile::tempdir().unwrap();
    let output = work.path().join("output");
    let out = run_action(
        origin.path(),
        &[
            ("INPUT_BASE", &base),
            ("INPUT_ARGS", "--no-cache"),
            ("GITHUB_OUTPUT", &output.display().to_string()),
        ],
    );
    assert_eq!(code(&out), 1, "{}{}", stdout(&out), stderr(&out));
    let outputs = std::fs::read_to_string(&output).unwrap();
    assert!(
        outputs.contains("passed=false\n") && outputs.contains("exit-code=1\n"),
        "{outputs}"
    );
}

#[test]
fn two_identical_findings_in_one_file_keep_fingerprints_of_their_own() {
    let repo = Repo::new();
    repo.write("a.py", python_function("shop"));
    let base = repo.commit("base");
    // The same block, copied twice into one new file: two findings of one rule on the same code.
    repo.write(
        "b.py",
        format!(
            "{}\n\nx = 1\n\n{}",
            python_function("shop"),
            python_function("shop")
        ),
    );
    repo.commit("copies");
    let run =
        |format: &str| stdout(&repo.debtgate(&["check", "--base", &base, "--format", format, "--no-cache"]));
    let gitlab: serde_json::Value = serde_json::from_str(&run("gitlab")).unwrap();
    let issues = gitlab.as_array().unwrap();
    let copies: Vec<_> = issues
        .iter()
        .filter(|i| i["check_name"] == "duplicated-block")
        .collect();
    assert_eq!(copies.len(), 2, "{gitlab:#}");
    let mut prints: Vec<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    prints.sort_unstable();
    prints.dedup();
    assert_eq!(prints.len(), issues.len(), "{gitlab:#}");
    for i in issues {
        let lines = &i["location"]["lines"];
        assert!(lines["end"].as_u64() >= lines["begin"].as_u64(), "{i:#}");
    }
    assert!(copies
        .iter()
        .all(|i| i["categories"] == serde_json::json!(["Duplication"])));

    let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).unwrap();
    let mut prints: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["partialFingerprints"]["debtgate/v1"].as_str().unwrap())
        .collect();
    let results = prints.len();
    prints.sort_unstable();
    prints.dedup();
    assert_eq!(prints.len(), results, "{sarif:#}");
}

#[test]
fn the_installer_uses_a_cached_build_only_when_the_cache_restored_it() {
    use std::os::unix::fs::PermissionsExt;
    let temp = tempfile::tempdir().unwrap();
    let tools = temp.path().join("tools");
    std::fs::create_dir_all(&tools).unwrap();
    // `cargo` stands in for the build of the action's source (a real build takes minutes).
    let fake_cargo = "#!/bin/sh\nwhile [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=$2; shift; done\nmkdir -p \"$root/bin\"\nprintf '#!/bin/sh\\necho built debtgate\\n' > \"$root/bin/debtgate\"\nchmod +x \"$root/bin/debtgate\"\n";
    std::fs::write(tools.join("cargo"), fake_cargo).unwrap();
    std::fs::set_permissions(tools.join("cargo"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let cache = temp.path().join("cache");
    let install = |hit: &str| {
        let output = temp.path().join("output");
        let _ = std::fs::remove_file(&output);
        let out = Command::new("bash")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("action/install.sh"))
            .env("RUNNER_TEMP", temp.path())
            .env("GITHUB_OUTPUT", &output)
            .env("DEBTGATE_CACHE_DIR", &cache)
            .env("DEBTGATE_CACHE_HIT", hit)
            .env(
                "PATH",
                format!("{}:{}", tools.display(), std::env::var("PATH").unwrap()),
            )
            .output()
            .unwrap();
        assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
        stdout(&out)
    };
    // The first run builds, and leaves the build where actions/cache saves it from.
    let first = install("");
    assert!(
        first.contains("building the action's source") && first.contains("built debtgate"),
        "{first}"
    );
    assert!(std::fs::read_to_string(cache.join("debtgate"))
        .unwrap()
        .contains("built debtgate"));
    // A run whose cache step restored it uses it, without building.
    let second = install("true");
    assert!(
        second.contains("cached by an earlier run") && !second.contains("building"),
        "{second}"
    );
    // A binary at the cache path that no restore put there is never used.
    std::fs::write(cache.join("debtgate"), "#!/bin/sh\necho planted\n").unwrap();
    let third = install("false");
    assert!(
        third.contains("built debtgate") && !third.contains("planted"),
        "{third}"
    );
    std::fs::remove_file(cache.join("debtgate")).unwrap();
    std::os::unix::fs::symlink(tools.join("cargo"), cache.join("debtgate")).unwrap();
    let fourth = install("true");
    assert!(
        fourth.contains("building the action's source"),
        "a symlink is not a cached build: {fourth}"
    );
}

/// A stand-in for the GitHub REST API on 127.0.0.1: issue comments kept in memory, every
/// request recorded. `forbid` answers writes with 403, as GitHub does for a fork's token.
struct FakeApi {
    url: String,
    state: std::sync::Arc<std::sync::Mutex<ApiState>>,
}

#[derive(Default)]
struct ApiState {
    comments: Vec<(u64, String)>,
    requests: Vec<(String, String, String)>,
    forbid: bool,
}

impl FakeApi {
    fn start() -> FakeApi {
        use std::io::{BufRead, BufReader, Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = std::sync::Arc::new(std::sync::Mutex::new(ApiState::default()));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let mut parts = line.split_whitespace();
                let (method, path) = (
                    parts.next().unwrap_or("").to_string(),
                    parts.next().unwrap_or("").to_string(),
                );
                let (mut length, mut auth) = (0usize, String::new());
                loop {
                    let mut header = String::new();
                    reader.read_line(&mut header).unwrap();
                    if header.trim().is_empty() {
                        break;
                    }
                    let (name, value) = header.split_once(':').unwrap_or((&header, ""));
                    match name.to_ascii_lowercase().as_str() {
                        "content-length" => length = value.trim().parse().unwrap_or(0),
                        "authorization" => auth = value.trim().to_string(),
                        _ => {}
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                let body = String::from_utf8_lossy(&body).to_string();
                let text = |v: &serde_json::Value| v["body"].as_str().unwrap_or("").to_string();
                let mut state = shared.lock().unwrap();
                state.requests.push((method.clone(), path.clone(), auth));
                let (status, reply) = if state.forbid && method != "GET" {
                    (
                        403,
                        serde_json::json!({"message": "Resource not accessible by integration"}),
                    )
                } else if method == "GET" {
                    let list: Vec<_> = state
                        .comments
                        .iter()
                        .map(|(id, b)| serde_json::json!({"id": id, "body": b}))
                        .collect();
                    (200, serde_json::json!(list))
                } else if method == "POST" {
                    let id = 100 + state.comments.len() as u64;
                    state
                        .comments
                        .push((id, text(&serde_json::from_str(&body).unwrap())));
                    (201, serde_json::json!({"id": id}))
                } else {
                    let id: u64 = path.rsplit('/').next().unwrap().parse().unwrap();
                    let new = text(&serde_json::from_str(&body).unwrap());
                    match state.comments.iter_mut().find(|(i, _)| *i == id) {
                        Some(c) => {
                            c.1 = new;
                            (200, serde_json::json!({"id": id}))
                        }
                        None => (404, serde_json::json!({"message": "Not Found"})),
                    }
                };
                let reply = reply.to_string();
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                    reply.len()
                );
            }
        });
        FakeApi { url, state }
    }

    /// Runs the action's comment step against this API; returns its standard output.
    fn comment(&self, work: &Path, mode: &str, exit_code: &str, summary: &str) -> String {
        let event = work.join("event.json");
        std::fs::write(&event, r#"{"pull_request": {"number": 7}}"#).unwrap();
        let summary_file = work.join("summary.md");
        std::fs::write(&summary_file, summary).unwrap();
        let out = Command::new("python3")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("action/comment.py"))
            .env("INPUT_COMMENT", mode)
            .env("EXIT_CODE", exit_code)
            .env("SUMMARY_FILE", &summary_file)
            .env("GITHUB_TOKEN", "s3cret-token")
            .env("GITHUB_API_URL", &self.url)
            .env("GITHUB_REPOSITORY", "acme/shop")
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", &event)
            .env("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567")
            .output()
            .unwrap();
        assert_eq!(
            code(&out),
            0,
            "the comment never fails the step: {}{}",
            stdout(&out),
            stderr(&out)
        );
        assert!(!stdout(&out).contains("s3cret") && !stderr(&out).contains("s3cret"));
        stdout(&out)
    }

    fn comments(&self) -> Vec<String> {
        self.state
            .lock()
            .unwrap()
            .comments
            .iter()
            .map(|(_, b)| b.clone())
            .collect()
    }

    fn writes(&self) -> Vec<String> {
        let state = self.state.lock().unwrap();
        state
            .requests
            .iter()
            .filter(|(m, _, _)| m != "GET")
            .map(|(m, p, _)| format!("{m} {p}"))
            .collect()
    }
}

#[test]
fn the_pull_request_comment_is_one_comment_edited_in_place() {
    let api = FakeApi::start();
    let work = tempfile::tempdir().unwrap();
    // A passing first run under on-failure posts nothing.
    api.comment(work.path(), "on-failure", "0", "## ✅ debtgate passed\n");
    assert!(api.writes().is_empty(), "{:?}", api.writes());
    // A failing push posts the summary, with the hidden marker.
    let out = api.comment(work.path(), "on-failure", "1", "## ❌ debtgate failed\n\nfirst\n");
    assert!(out.contains("commented on pull request #7"), "{out}");
    assert_eq!(api.writes(), ["POST /repos/acme/shop/issues/7/comments"]);
    // The next push edits that comment; it never adds a second.
    api.comment(
        work.path(),
        "on-failure",
        "1",
        "## ❌ debtgate failed\n\nsecond\n",
    );
    assert_eq!(api.writes()[1], "PATCH /repos/acme/shop/issues/comments/100");
    let comments = api.comments();
    assert_eq!(comments.len(), 1);
    assert!(comments[0].starts_with("<!-- debtgate: pull-request summary -->\n## ❌ debtgate failed"));
    assert!(comments[0].contains("second") && !comments[0].contains("first"));
    // Passing again rewrites it to one line.
    api.comment(
        work.path(),
        "on-failure",
        "0",
        "## ✅ debtgate passed\n\nlong table\n",
    );
    let comments = api.comments();
    assert_eq!(comments.len(), 1);
    assert_eq!(
        comments[0],
        "<!-- debtgate: pull-request summary -->\n✅ debtgate passed at `0123456789ab`."
    );
    // Every request carried the token, and only in its Authorization header.
    let state = api.state.lock().unwrap();
    assert!(state
        .requests
        .iter()
        .all(|(_, _, auth)| auth == "Bearer s3cret-token"));
    assert!(state.requests.iter().all(|(_, path, _)| !path.contains("s3cret")));
}

#[test]
fn the_comment_modes_and_a_forks_read_only_token() {
    let api = FakeApi::start();
    let work = tempfile::tempdir().unwrap();
    api.comment(work.path(), "never", "1", "## ❌ debtgate failed\n");
    assert!(
        api.state.lock().unwrap().requests.is_empty(),
        "never makes no request"
    );
    // `always` posts the whole summary when the gate passes too.
    api.comment(work.path(), "always", "0", "## ✅ debtgate passed\n\nthe table\n");
    assert!(api.comments()[0].contains("the table"), "{:?}", api.comments());
    // A fork's token may not write: a warning, and the step still succeeds (exit 0 asserted).
    api.state.lock().unwrap().forbid = true;
    let out = api.comment(work.path(), "on-failure", "1", "## ❌ debtgate failed\n");
    assert!(
        out.contains("::warning title=debtgate comment::could not post the pull-request comment: HTTP 403 (a pull request from a fork gets a read-only token); the check's verdict stands"),
        "{out}"
    );
    // An unknown mode is a warning, not a failure.
    let out = api.comment(work.path(), "sometimes", "1", "x");
    assert!(out.contains("is not always, on-failure or never"), "{out}");
}

/// action.yml and .pre-commit-hooks.yaml are YAML a runner can read (a plain scalar holding
/// `: ` is not), every input and step an expression names exists, and every script a step runs
/// is in the repository.
#[test]
fn the_action_and_the_hooks_are_valid_yaml_that_names_only_what_exists() {
    use yaml_rust2::YamlLoader;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("action.yml")).unwrap();
    let action = &YamlLoader::load_from_str(&text).expect("action.yml is YAML")[0];
    let inputs: Vec<&str> = action["inputs"]
        .as_hash()
        .unwrap()
        .keys()
        .filter_map(|k| k.as_str())
        .collect();
    let steps = action["runs"]["steps"].as_vec().unwrap();
    let ids: Vec<&str> = steps.iter().filter_map(|s| s["id"].as_str()).collect();
    for name in text.split("inputs.").skip(1).map(|rest| {
        rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .next()
            .unwrap()
    }) {
        assert!(
            inputs.contains(&name),
            "action.yml names input `{name}`, which it does not declare"
        );
    }
    for name in text
        .split("steps.")
        .skip(1)
        .map(|rest| rest.split('.').next().unwrap())
    {
        assert!(
            ids.contains(&name),
            "action.yml names step `{name}`, which it does not have"
        );
    }
    for step in steps {
        if let Some(run) = step["run"].as_str() {
            for script in run
                .split_whitespace()
                .filter_map(|w| w.trim_matches('"').strip_prefix("$GITHUB_ACTION_PATH/"))
            {
                assert!(
                    root.join(script).is_file(),
                    "a step runs {script}, which is not in the repository"
                );
            }
        }
    }
    for (name, output) in action["outputs"].as_hash().unwrap() {
        let value = output["value"].as_str().unwrap();
        assert!(value.contains("steps.check.outputs."), "{name:?}: {value}");
    }
    let hooks = std::fs::read_to_string(root.join(".pre-commit-hooks.yaml")).unwrap();
    let hooks = &YamlLoader::load_from_str(&hooks).expect(".pre-commit-hooks.yaml is YAML")[0];
    let languages: Vec<&str> = hooks
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(|h| h["language"].as_str())
        .collect();
    assert_eq!(languages, ["rust", "system"]);
}
