//! The gate as a security boundary: nothing from the repository or the environment changes
//! what is judged, runs a program, or reaches the network.

use std::process::Command;

use crate::support::{code, git_env, git_in, nested_python, stderr, stdout, Repo};

/// A repository whose last commit adds a function far over the limits: exit 1.
fn failing_repo() -> (Repo, String) {
    let repo = Repo::new();
    repo.write("app/a.py", "X = 1\n");
    let base = repo.commit("base");
    repo.write("app/a.py", format!("X = 1\n{}", nested_python("tangled", 8)));
    repo.commit("tangle");
    (repo, base)
}

#[test]
fn an_exported_git_dir_does_not_redirect_the_check() {
    let (target, base) = failing_repo();
    let other = Repo::new();
    other.write("b.py", "Y = 1\n");
    other.commit("one");
    other.write("b.py", "Y = 2\n");
    other.commit("two");
    let out = git_env(&mut Command::new(crate::support::bin()))
        .current_dir(other.path())
        .env("GIT_DIR", other.path().join(".git"))
        .env("GIT_WORK_TREE", other.path())
        .args(["check", "--repo"])
        .arg(target.path())
        .args(["--base", &base])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("app/a.py"), "{}", stdout(&out));
}

#[test]
fn replace_refs_do_not_change_what_is_judged() {
    let (repo, base) = failing_repo();
    let real = repo.git(&["rev-parse", "HEAD:app/a.py"]).trim().to_string();
    repo.write("innocent.py", "X = 1\n");
    let innocent = repo.git(&["hash-object", "-w", "innocent.py"]).trim().to_string();
    repo.git(&["replace", &real, &innocent]);
    assert_eq!(
        repo.git(&["cat-file", "-p", &real]),
        "X = 1\n",
        "the replace ref is in force for git"
    );
    let out = repo.debtgate(&["check", "--base", &base]);
    assert_eq!(code(&out), 1, "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("tangled"), "{}", stdout(&out));
}

#[test]
fn a_partial_clone_with_missing_blobs_is_exit_2_and_fetches_nothing() {
    let (source, _) = failing_repo();
    source.git(&["config", "uploadpack.allowFilter", "true"]);
    let dir = tempfile::tempdir().unwrap();
    let clone = dir.path().join("clone");
    let url = format!("file://{}", source.path().display());
    git_in(
        dir.path(),
        &[
            "clone",
            "-q",
            "--no-checkout",
            "--filter=blob:none",
            &url,
            clone.to_str().unwrap(),
        ],
    );
    // Were git to fetch the missing blobs, it would run this "upload-pack" and leave a mark.
    let marker = dir.path().join("fetched");
    let script = dir.path().join("upload-pack.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ntouch '{}'\nexec git-upload-pack \"$@\"\n",
            marker.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    git_in(
        &clone,
        &["config", "remote.origin.uploadpack", script.to_str().unwrap()],
    );
    let out = crate::support::debtgate_in(
        &clone,
        &["check", "--base", "origin/main~1", "--head", "origin/main"],
    );
    assert_eq!(code(&out), 2, "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains("missing"), "{}", stderr(&out));
    assert!(stderr(&out).contains("git fetch --refetch"), "{}", stderr(&out));
    assert!(!marker.exists(), "git ran the repository's upload-pack");
}

/// A token cache segment that marks every blob "not indexable", in the cache's own format:
/// a header (window, bucket bits, entries, postings, entry-table bytes), the entry table, one
/// empty bucket.
fn blank_cache(ids: &[String]) -> Vec<u8> {
    let mut table = Vec::new();
    for id in ids {
        table.push(id.len() as u8);
        table.extend_from_slice(id.as_bytes());
        table.push(0);
        table.extend_from_slice(&0u32.to_le_bytes());
        table.extend_from_slice(&0u64.to_le_bytes());
    }
    let mut out = b"DGSEGv1\n".to_vec();
    for field in [50u32, 0, ids.len() as u32, 0] {
        out.extend_from_slice(&field.to_le_bytes());
    }
    out.extend_from_slice(&(table.len() as u64).to_le_bytes());
    out.extend_from_slice(&table);
    out.extend_from_slice(&[0; 8]);
    out
}

#[test]
fn a_tampered_token_cache_cannot_turn_a_failure_into_a_pass() {
    let repo = Repo::new();
    let function = crate::support::python_function;
    repo.write(
        "billing/a.py",
        format!("# the original\n{}\n\n{}", function("billing"), function("tax")),
    );
    let base = repo.commit("base");
    repo.write(
        "shop/b.py",
        format!("{}\n\n{}", function("billing"), function("tax")),
    );
    repo.commit("copy both");
    let cache = repo.path().join(".cache-dir");
    let args = ["check", "--base", &base, "--cache-dir", cache.to_str().unwrap()];
    let out = repo.debtgate(&args);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let ids: Vec<String> = repo
        .git(&["ls-tree", "-r", "--format=%(objectname)", "HEAD"])
        .lines()
        .map(str::to_string)
        .collect();
    let files = crate::support::cache_segments(&cache);
    assert!(!files.is_empty());
    for file in &files {
        std::fs::write(file, blank_cache(&ids)).unwrap();
    }
    // Neither the change's blobs nor the original (unchanged, marked "not indexable") are
    // taken from such a cache: the verdict and the report are the same.
    let again = repo.debtgate(&args);
    assert_eq!(code(&again), 1, "{}", stdout(&again));
    assert_eq!(stdout(&again), stdout(&out));
    assert!(stdout(&out).contains("billing/a.py"), "{}", stdout(&out));
    // A cache of 40 bytes claiming four billion entries is ignored, not allocated.
    for file in &files {
        let mut bytes = b"DGSEGv1\n".to_vec();
        for field in [50u32, 0, u32::MAX, 0] {
            bytes.extend_from_slice(&field.to_le_bytes());
        }
        bytes.extend_from_slice(&u64::MAX.to_le_bytes());
        bytes.extend_from_slice(&[0; 8]);
        std::fs::write(file, bytes).unwrap();
    }
    let third = repo.debtgate(&args);
    assert_eq!(code(&third), 1, "{}{}", stdout(&third), stderr(&third));
}

#[test]
fn a_suppression_counts_only_inside_a_comment() {
    let repo = Repo::new();
    repo.write("app/a.py", "X = 1\n");
    let base = repo.commit("base");
    let deep = nested_python("tangled", 6).replace(
        "def tangled(a):\n",
        "def tangled(a):\n    \"\"\"debtgate: ignore[cognitive-complexity] a docstring is no comment\"\"\"\n    s = \"debtgate: ignore[cognitive-complexity] nor is a string\"\n",
    );
    repo.write("app/a.py", format!("X = 1\n{deep}"));
    repo.commit("tangle");
    let out = repo.debtgate(&["check", "--base", &base, "--format", "json"]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "cognitive-complexity")
        .unwrap();
    assert!(f.get("suppressed").is_none(), "{f:#}");
    // The same words in a comment suppress it.
    repo.write(
        "app/a.py",
        format!(
            "X = 1\n# debtgate: ignore[cognitive-complexity] a state machine\n{}",
            nested_python("tangled", 6)
        ),
    );
    repo.commit("comment");
    let out = repo.debtgate(&["check", "--base", &base]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
}

#[test]
#[cfg(unix)]
fn a_coverage_report_that_is_not_a_regular_file_is_refused() {
    let (repo, base) = failing_repo();
    let fifo = repo.path().join("cov.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let out = repo.debtgate(&["check", "--base", &base, "--coverage", fifo.to_str().unwrap()]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("not a regular file"), "{}", stderr(&out));
    let out = repo.debtgate(&[
        "check",
        "--base",
        &base,
        "--coverage",
        repo.path().join("app").to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

#[test]
fn escape_sequences_and_bidi_controls_never_reach_a_terminal_or_log_raw() {
    let repo = Repo::new();
    repo.write("src/x.js", "export const x = 1;\n");
    let base = repo.commit("base");
    let body = crate::support::nested_js("inner", 6)
        .replace("function inner(a) {\n", "")
        .replace("\n}\n", "\n");
    let hostile = "\u{1b}[2J\u{1b}]0;owned\u{7}\u{202e}txt.exe";
    repo.write(
        "src/\u{202e}name.js",
        format!("run(\"{hostile}\", (a) => {{\n{body}}});\n// debtgate: ignore[cyclomatic-complexity] \u{1b}[31mreason\n"),
    );
    repo.commit("hostile names");
    for format in ["text", "github", "markdown"] {
        let out = repo.debtgate(&["check", "--base", &base, "--format", format, "--no-cache"]);
        let text = stdout(&out);
        assert_eq!(code(&out), 1, "{format}: {text}{}", stderr(&out));
        assert!(!text.contains('\u{1b}'), "{format}: {text:?}");
        assert!(!text.contains('\u{202e}'), "{format}: {text:?}");
        assert!(!text.contains('\u{7}'), "{format}: {text:?}");
    }
}

#[test]
fn the_markdown_summary_stays_under_githubs_step_summary_limit() {
    let repo = Repo::new();
    repo.write("README.md", "x\n");
    let base = repo.commit("base");
    // 3,000 files with two findings each: far more than 1 MiB of table rows.
    for i in 0..3000 {
        repo.write(
            &format!("app/m{i}.py"),
            nested_python(&format!("f{i}_with_a_long_name_{}", "x".repeat(60)), 6),
        );
    }
    repo.commit("many findings");
    let out = repo.debtgate(&["check", "--base", &base, "--format", "markdown", "--no-cache"]);
    let text = stdout(&out);
    assert_eq!(code(&out), 1);
    assert!(text.len() < 1024 * 1024, "{} bytes", text.len());
    assert!(
        text.contains("more finding(s): see the SARIF or JSON report"),
        "{}",
        &text[text.len() - 300..]
    );
}

#[test]
fn a_stale_event_base_does_not_blame_the_base_branchs_changes_on_the_pull_request() {
    let repo = Repo::new();
    repo.write("README.md", "x\n");
    let b0 = repo.commit("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("pr.py", nested_python("from_the_pull_request", 6));
    let pr_head = repo.commit("pull request");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("main_only.py", nested_python("from_the_base_branch", 6));
    repo.commit("the base branch moves on");
    // What actions/checkout checks out for a pull request: a merge into the base branch as it
    // is now, first parent the base branch, second the pull request.
    repo.git(&["merge", "-q", "--no-ff", "-m", "merge", "feature"]);
    let event = repo.path().join("event.json");
    std::fs::write(
        &event,
        format!(r#"{{"pull_request": {{"base": {{"sha": "{b0}"}}, "head": {{"sha": "{pr_head}"}}}}}}"#),
    )
    .unwrap();
    let out = crate::support::check_on_pull_request(repo.path(), &event);
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let paths: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"pr.py"), "{report:#}");
    assert!(!paths.contains(&"main_only.py"), "{report:#}");
    assert!(
        report["base_source"].as_str().unwrap().contains("first parent"),
        "{report:#}"
    );
}

#[test]
fn names_of_deeply_nested_functions_stay_bounded() {
    let repo = Repo::new();
    let depth = 3000;
    repo.write(
        "deep.js",
        format!("f({}1{});\n", "(a) => g(".repeat(depth), ")".repeat(depth)),
    );
    repo.commit("deep");
    let out = repo.debtgate(&["metrics", "deep.js"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), depth);
    // Each name keeps its first and last segments and says how many it left out.
    let longest = text.lines().map(str::len).max().unwrap();
    assert!(longest < 2000, "{longest} bytes");
    assert!(text.contains("…2984…"), "{}", text.lines().last().unwrap());
}

#[test]
fn a_reader_that_stops_early_does_not_change_the_exit_code() {
    let (repo, base) = failing_repo();
    for args in [vec!["check", "--base", base.as_str()], vec!["metrics", "app"]] {
        let mut child = git_env(&mut Command::new(crate::support::bin()))
            .current_dir(repo.path())
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let expected = if args[0] == "check" { 1 } else { 0 };
        assert_eq!(code(&out), expected, "{args:?}: {}", stderr(&out));
        assert!(
            !stderr(&out).contains("Broken pipe"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn a_git_lfs_pointer_is_skipped_with_a_note_not_a_syntax_error() {
    let repo = Repo::new();
    repo.write("README.md", "x\n");
    let base = repo.commit("base");
    repo.write(
        "model.py",
        "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n",
    );
    repo.commit("lfs");
    let out = repo.debtgate(&["check", "--base", &base]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("Git LFS pointer"), "{}", stdout(&out));
}

#[test]
fn a_bare_repository_is_judged_from_its_objects() {
    let (repo, base) = failing_repo();
    let dir = tempfile::tempdir().unwrap();
    let bare = dir.path().join("bare.git");
    git_in(
        dir.path(),
        &[
            "clone",
            "-q",
            "--bare",
            repo.path().to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
    );
    let out = crate::support::debtgate_in(&bare, &["check", "--base", &base, "--head", "main"]);
    assert_eq!(code(&out), 1, "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("app/a.py"), "{}", stdout(&out));
}

#[test]
#[cfg(unix)]
fn a_git_that_stops_answering_is_stopped_at_the_deadline() {
    use std::os::unix::fs::PermissionsExt;
    let (repo, base) = failing_repo();
    let real_git = String::from_utf8(
        Command::new("sh")
            .args(["-c", "command -v git"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let tools = tempfile::tempdir().unwrap();
    // A git whose blob reader hangs; every other command is the real git's.
    let script = format!(
        "#!/bin/sh\nfor a in \"$@\"; do [ \"$a\" = --batch ] && exec sleep 600; done\nexec {} \"$@\"\n",
        real_git.trim()
    );
    std::fs::write(tools.path().join("git"), script).unwrap();
    std::fs::set_permissions(tools.path().join("git"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", tools.path().display(), std::env::var("PATH").unwrap());
    let out = git_env(&mut Command::new(crate::support::bin()))
        .current_dir(repo.path())
        .env("PATH", path)
        // Long enough for every real git command on a loaded machine; the hang outlasts it.
        .args(["check", "--base", &base, "--git-timeout", "5"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{}{}", stdout(&out), stderr(&out));
    assert!(
        stderr(&out).contains("did not answer within 5 s"),
        "{}",
        stderr(&out)
    );
}

#[test]
#[cfg(unix)]
fn a_sarif_uri_names_a_non_utf8_file_by_its_real_bytes() {
    use std::os::unix::ffi::OsStrExt;
    let repo = Repo::new();
    repo.write("README.md", "x\n");
    let base = repo.commit("base");
    let name = std::ffi::OsStr::from_bytes(b"bad\xff\xfe.py");
    std::fs::write(repo.path().join(name), nested_python("tangled", 6)).unwrap();
    repo.commit("a file whose name is not UTF-8");
    let out = repo.debtgate(&["check", "--base", &base, "--format", "sarif"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let uri = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(uri, "bad%FF%FE.py");
    let text = stdout(&repo.debtgate(&["check", "--base", &base]));
    assert!(text.contains("bad\\xff\\xfe.py"), "{text}");
}
