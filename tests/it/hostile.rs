//! Hostile input: every case names what debtgate must do with it — analyse it, skip it with a
//! visible note, or exit 2 with a message naming the culprit — and none may panic or exit with
//! anything but 0, 1 or 2. Failures are collected, so one run shows every broken case.

use std::path::PathBuf;
use std::process::Command;

use crate::support::{bin, git_env, git_in, nested_js, nested_python, python_function, Repo};

/// What a case must produce.
enum Expect {
    /// Judged: exit 0 or 1 (`Some(code)` to pin it), with a JSON report.
    Judged(Option<i32>),
    /// Judged, and the report (text) says this.
    Note(&'static str),
    /// Exit 2, and standard error or the report says this.
    NotJudged(&'static str),
}

struct Case {
    name: &'static str,
    /// The directory to run in, the arguments, and what keeps temporary folders alive.
    dir: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    expect: Expect,
    _keep: Vec<Box<dyn std::any::Any>>,
}

/// A repository whose head adds `files` on top of a base commit; the case runs
/// `check --base <base>` plus `extra`.
fn change(name: &'static str, files: Vec<(String, Vec<u8>)>, extra: &[&str], expect: Expect) -> Case {
    let repo = Repo::new();
    repo.write("README.md", "base\n");
    let base = repo.commit("base");
    for (path, content) in &files {
        repo.write(path, content);
    }
    repo.commit("change");
    let mut args = vec![
        "check".to_string(),
        "--base".to_string(),
        base,
        "--no-cache".to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    Case {
        name,
        dir: repo.path().to_path_buf(),
        args,
        env: Vec::new(),
        expect,
        _keep: vec![Box::new(repo)],
    }
}

fn file(path: &str, content: impl Into<Vec<u8>>) -> (String, Vec<u8>) {
    (path.to_string(), content.into())
}

fn tangled() -> Vec<u8> {
    nested_python("tangled", 6).into_bytes()
}

fn cases() -> Vec<Case> {
    let mut cases = vec![
        // --- source text
        change("invalid UTF-8 in source", vec![file("a.py", b"def f(a):\n    return '\xff\xfe'\n".to_vec())], &[], Expect::Judged(Some(0))),
        change("UTF-8 byte order mark", vec![file("a.py", [b"\xef\xbb\xbf".to_vec(), tangled()].concat())], &[], Expect::Judged(Some(1))),
        change("CRLF line endings", vec![file("a.py", nested_python("tangled", 6).replace('\n', "\r\n"))], &[], Expect::Judged(Some(1))),
        change("old Mac CR-only line endings", vec![file("a.js", nested_js("tangled", 6).replace('\n', "\r"))], &[], Expect::Judged(Some(1))),
        change("NUL bytes in a source file", vec![file("a.js", b"function f() {}\0\0\0".to_vec())], &[], Expect::Note("binary content: skipped")),
        change("a PNG named .py", vec![file("img.py", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec())], &[], Expect::Note("binary content: skipped")),
        change("20 MB minified file", vec![file("bundle.js", "var a=1;".repeat(2_600_000))], &[], Expect::NotJudged("bundle.js")),
        change(
            "100,000-deep nesting",
            vec![file("deep.js", format!("var x = {}1{};\n", "[".repeat(100_000), "]".repeat(100_000)))],
            &["--max-file-bytes", "10000000"],
            Expect::Judged(Some(0)),
        ),
        change(
            "100,000-deep parentheses in Python",
            vec![file("deep.py", format!("x = {}1{}\n", "(".repeat(100_000), ")".repeat(100_000)))],
            &[],
            Expect::Judged(Some(0)),
        ),
        change("a 1 MB single line", vec![file("long.js", format!("function f() {{ return [{}]; }}\n", "1,".repeat(500_000)))], &[], Expect::Judged(Some(0))),
        change("empty file", vec![file("empty.py", "")], &[], Expect::Judged(Some(0))),
        change("only a comment", vec![file("c.rs", "// nothing here\n")], &[], Expect::Judged(Some(0))),
        change("Python 2 print statement (the grammar knows it)", vec![file("old.py", "print 'hello'\nexec 'x = 1'\n")], &[], Expect::Judged(Some(0))),
        change("a syntax error on added lines", vec![file("bad.py", "def f(:\n    return\n")], &[], Expect::NotJudged("syntax error")),
        change("unterminated string", vec![file("bad.js", "function f() { return \"unterminated\n}\n")], &[], Expect::NotJudged("syntax error")),
        change(
            "unicode identifiers and emoji",
            vec![file("u.py", format!("# 🎉\n{}", nested_python("ταξινόμηση", 6)))],
            &[],
            Expect::Judged(Some(1)),
        ),
        change("JSX in a .js file", vec![file("c.js", "export const C = () => <div>{a && <b/>}</div>;\n")], &[], Expect::Judged(Some(0))),
        change(
            "TypeScript decorators and generics",
            vec![file("d.ts", "@Component({a: 1})\nclass A<T extends object> { @Input() x?: T; m<U>(u: U): U { return u; } }\n")],
            &[],
            Expect::Judged(Some(0)),
        ),
        change("Rust macro soup", vec![file("m.rs", "macro_rules! m { ($($x:tt)*) => { $($x)* } }\nfn f() { m!(if a { b } else { c }); println!(\"{}\", 1); }\n")], &[], Expect::Judged(Some(0))),
        change("Go generics", vec![file("g.go", "package g\n\nfunc Map[T any, U any](xs []T, f func(T) U) []U {\n\tvar out []U\n\tfor _, x := range xs {\n\t\tout = append(out, f(x))\n\t}\n\treturn out\n}\n")], &[], Expect::Judged(Some(0))),
        change("Java records and sealed types", vec![file("R.java", "sealed interface S permits R {}\nrecord R(int x) implements S { R { if (x < 0) throw new IllegalArgumentException(); } }\n")], &[], Expect::Judged(Some(0))),
        // --- file names
        change("a file name with spaces", vec![file("my dir/a b.py", tangled())], &[], Expect::Judged(Some(1))),
        change("a file name with a newline", vec![file("a\nb.py", tangled())], &[], Expect::Judged(Some(1))),
        change("a unicode file name", vec![file("données/résumé.py", tangled())], &[], Expect::Judged(Some(1))),
        change("a leading dash", vec![file("-rf.py", tangled())], &[], Expect::Judged(Some(1))),
        change("pathspec magic in a name", vec![file(":(glob)*.py", tangled())], &[], Expect::Judged(Some(1))),
        change("glob characters in a name", vec![file("[a]*?.py", tangled())], &[], Expect::Judged(Some(1))),
        change("quotes and backslashes in a name", vec![file("q\"u'o\\te.py", tangled())], &[], Expect::Judged(Some(1))),
        change("terminal escape in a name", vec![file("\x1b[31mred.py", tangled())], &[], Expect::Judged(Some(1))),
        change("a name that is only dots and spaces", vec![file(". .py", tangled())], &[], Expect::Judged(Some(1))),
        change("many files at once", (0..1000).map(|i| file(&format!("m/f{i}.py"), format!("def f{i}(a):\n    return a\n"))).collect(), &[], Expect::Judged(Some(0))),
        // --- coverage reports
        change("coverage: empty report", vec![file("a.py", "x = 1\n"), file("empty.info", "")], &["--coverage", "empty.info"], Expect::NotJudged("empty.info")),
        change("coverage: a directory", vec![file("a.py", "x = 1\n"), file("dir.info/x", "")], &["--coverage", "dir.info"], Expect::NotJudged("dir.info")),
        change("coverage: JSON array", vec![file("a.py", "x = 1\n"), file("c.json", "[]")], &["--coverage", "c.json"], Expect::NotJudged("c.json")),
        change("coverage: ../ traversal only", vec![file("a.py", "x = 1\n"), file("t.info", "SF:../../../../etc/passwd\nDA:1,1\nend_of_record\n")], &["--coverage", "t.info"], Expect::NotJudged("none of the 1 file(s)")),
        change(
            "coverage: ../ traversal beside a real path",
            vec![file("a.py", "x = 1\n"), file("t.info", "SF:../../etc/passwd\nDA:1,1\nend_of_record\nSF:a.py\nDA:1,1\nend_of_record\n")],
            &["--coverage", "t.info"],
            Expect::Note("mapped 1/2 report file(s)"),
        ),
        change("coverage: absolute paths from another machine", vec![file("src/a.py", "x = 1\n"), file("c.info", "SF:C:\\builds\\agent\\src\\a.py\nDA:1,1\nend_of_record\n")], &["--coverage", "c.info"], Expect::Note("mapped 1/1")),
        change("coverage: a line number of 4 billion", vec![file("a.py", "x = 1\n"), file("c.info", "SF:a.py\nDA:4294967295,1\nend_of_record\n")], &["--coverage", "c.info"], Expect::NotJudged("beyond any source file")),
        change("coverage: a Go block spanning 4 billion lines", vec![file("a.go", "package a\n"), file("c.out", "mode: set\na.go:1.1,4000000000.2 1 1\n")], &["--coverage", "c.out"], Expect::NotJudged("c.out")),
        change(
            "coverage: billion laughs",
            vec![file("a.py", "x = 1\n"), file("c.xml", "<?xml version=\"1.0\"?><!DOCTYPE c [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]><coverage>&c;</coverage>")],
            &["--coverage", "c.xml"],
            Expect::NotJudged("entities"),
        ),
        change("coverage: truncated XML", vec![file("a.py", "x = 1\n"), file("c.xml", "<?xml version=\"1.0\"?><coverage><packages><package name=\"p\"><classes><class filename=\"a.py\"><lines><line number=\"1\" hits=")], &["--coverage", "c.xml"], Expect::NotJudged("c.xml")),
        change("coverage: truncated LCOV", vec![file("a.py", "x = 1\n"), file("c.info", "SF:a.py\nDA:1,1\n")], &["--coverage", "c.info"], Expect::NotJudged("truncated")),
        change("coverage: NaN hits", vec![file("a.py", "x = 1\n"), file("c.info", "SF:a.py\nDA:1,NaN\nend_of_record\n")], &["--coverage", "c.info"], Expect::NotJudged("line 2: DA hits \"NaN\"")),
        change("coverage: negative LCOV hits", vec![file("a.py", "x = 1\n"), file("c.info", "SF:a.py\nDA:1,-5\nend_of_record\n")], &["--coverage", "c.info"], Expect::NotJudged("negative")),
        change("coverage: negative Go count", vec![file("a.go", "package a\n"), file("c.out", "mode: set\na.go:1.1,1.10 1 -3\n")], &["--coverage", "c.out"], Expect::NotJudged("negative")),
        change("coverage: negative Cobertura hits", vec![file("a.py", "x = 1\n"), file("c.xml", "<?xml version=\"1.0\"?><coverage><packages><package><classes><class filename=\"a.py\"><lines><line number=\"1\" hits=\"-2\"/></lines></class></classes></package></packages></coverage>\n")], &["--coverage", "c.xml"], Expect::NotJudged("negative")),
        // --- configuration
        change("config: an empty file is the defaults", vec![file("a.py", "x = 1\n")], &["--config", "/dev/null"], Expect::Judged(Some(0))),
        change("config: unknown key", vec![file("debtgate.toml", "[gate]\nfail_on = \"error\"\n"), file("a.py", "x = 1\n")], &["--config-from", "head"], Expect::NotJudged("fail_on")),
        change("config: duplicated-block threshold 0", vec![file("debtgate.toml", "[rules.duplicated-block]\nthreshold = 0\n"), file("a.py", "x = 1\n")], &["--config-from", "head"], Expect::NotJudged("at least 10 tokens")),
        change("config: negative threshold", vec![file("debtgate.toml", "[rules.cognitive-complexity]\nthreshold = -1\n"), file("a.py", "x = 1\n")], &["--config-from", "head"], Expect::NotJudged("debtgate.toml")),
        change("config: NaN percent", vec![file("debtgate.toml", "[gate]\nmin-patch-coverage = nan\n"), file("a.py", "x = 1\n")], &["--config-from", "head"], Expect::NotJudged("min-patch-coverage")),
        change("config: not UTF-8", vec![file("debtgate.toml", b"[gate]\nfail-on = \"\xff\"\n".to_vec()), file("a.py", "x = 1\n")], &["--config-from", "head"], Expect::NotJudged("debtgate.toml")),
        change("config: wrong type", vec![file("debtgate.toml", "exclude = \"vendor\"\n"), file("a.py", "x = 1\n")], &["--config-from", "head"], Expect::NotJudged("line 1")),
        // --- duplication at its worst
        change(
            "duplication: 20,000 identical statements",
            vec![file("gen.py", "x = a + b * c - d\n".repeat(20_000)), file("gen2.py", "x = a + b * c - d\n".repeat(20_000))],
            &[],
            Expect::Judged(Some(0)),
        ),
        change("duplication: a copy inside one new file", vec![file("twice.py", format!("{}\n\n{}", python_function("a"), python_function("b")))], &[], Expect::Judged(Some(1))),
        // --- revisions
        change("unknown --head", vec![file("a.py", "x = 1\n")], &["--head", "no-such-branch"], Expect::NotJudged("no-such-branch")),
        change("--head is a tree, not a commit", vec![file("a.py", "x = 1\n")], &["--head", "HEAD^{tree}"], Expect::NotJudged("--head")),
        // A range of commits that change no file: nothing was added, so nothing fails. (An
        // empty *range*, base resolving to head, is exit 2: `empty_change_exits_2_...`.)
        change("an empty commit", vec![], &[], Expect::Judged(Some(0))),
    ];
    cases.extend(repository_cases());
    cases
}

/// Cases about the repository itself rather than the files in a change.
fn repository_cases() -> Vec<Case> {
    let mut out = Vec::new();
    let plain = |name, repo: Repo, args: Vec<String>, expect| Case {
        name,
        dir: repo.path().to_path_buf(),
        args,
        env: Vec::new(),
        expect,
        _keep: vec![Box::new(repo)],
    };

    // A symlink to a source file, and one to a file outside the repository: never followed.
    let repo = Repo::new();
    repo.write("real.py", "x = 1\n");
    let base = repo.commit("base");
    std::os::unix::fs::symlink("real.py", repo.path().join("link.py")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", repo.path().join("passwd.py")).unwrap();
    repo.commit("links");
    out.push(plain(
        "symlinks are never followed",
        repo,
        vec!["check".into(), "--base".into(), base, "--no-cache".into()],
        Expect::Note("symbolic link: not followed"),
    ));

    // A submodule.
    let inner = Repo::new();
    inner.write("x.py", "x = 1\n");
    inner.commit("inner");
    let repo = Repo::new();
    repo.write("README.md", "x\n");
    let base = repo.commit("base");
    git_in(
        repo.path(),
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            inner.path().to_str().unwrap(),
            "sub",
        ],
    );
    repo.commit("submodule");
    let mut case = plain(
        "a submodule",
        repo,
        vec!["check".into(), "--base".into(), base, "--no-cache".into()],
        Expect::Note("submodule"),
    );
    case._keep.push(Box::new(inner));
    out.push(case);

    // Detached HEAD.
    let repo = Repo::new();
    repo.write("a.py", "x = 1\n");
    let base = repo.commit("base");
    repo.write("b.py", tangled());
    repo.commit("change");
    repo.git(&["checkout", "-q", "--detach", "HEAD"]);
    out.push(plain(
        "detached HEAD",
        repo,
        vec!["check".into(), "--base".into(), base, "--no-cache".into()],
        Expect::Judged(Some(1)),
    ));

    // No merge base.
    let repo = Repo::new();
    repo.write("a.py", "x = 1\n");
    repo.commit("one history");
    repo.git(&["checkout", "-q", "--orphan", "other"]);
    repo.write("b.py", "y = 2\n");
    repo.commit("another history");
    out.push(plain(
        "no merge base",
        repo,
        vec!["check".into(), "--base".into(), "main".into()],
        Expect::NotJudged("no merge-base"),
    ));

    // Base equals head.
    let repo = Repo::new();
    repo.write("a.py", "x = 1\n");
    repo.commit("only");
    out.push(plain(
        "an empty diff (base is head)",
        repo,
        vec!["check".into(), "--base".into(), "HEAD".into()],
        Expect::NotJudged("nothing to judge"),
    ));

    // A shallow clone without the base.
    let origin = Repo::new();
    origin.write("a.py", "x = 1\n");
    let base = origin.commit("base");
    for i in 0..3 {
        origin.write("a.py", format!("x = {i}\n"));
        origin.commit("more");
    }
    let (work, clone) = crate::support::shallow_clone(&origin, &[]);
    out.push(Case {
        name: "a shallow clone without the base",
        dir: clone,
        args: vec!["check".into(), "--base".into(), base],
        env: Vec::new(),
        expect: Expect::NotJudged("fetch"),
        _keep: vec![Box::new(origin), Box::new(work)],
    });

    // Not a git repository.
    let dir = tempfile::tempdir().unwrap();
    out.push(Case {
        name: "not a git repository",
        dir: dir.path().to_path_buf(),
        args: vec!["check".into()],
        env: Vec::new(),
        expect: Expect::NotJudged("not inside a git repository"),
        _keep: vec![Box::new(dir)],
    });

    // git missing from PATH.
    let repo = Repo::new();
    repo.write("a.py", "x = 1\n");
    let base = repo.commit("base");
    repo.write("a.py", "x = 2\n");
    repo.commit("change");
    let mut case = plain(
        "git is not installed",
        repo,
        vec!["check".into(), "--base".into(), base],
        Expect::NotJudged("git"),
    );
    case.env.push(("PATH".into(), "/nonexistent".into()));
    out.push(case);

    // A GitHub event payload that is not JSON.
    let repo = Repo::new();
    repo.write("a.py", "x = 1\n");
    repo.commit("base");
    let event = repo.path().join("event.json");
    std::fs::write(&event, "{ not json").unwrap();
    let mut case = plain(
        "a broken GitHub event payload",
        repo,
        vec!["check".into()],
        Expect::NotJudged("event.json"),
    );
    case.env.push(("GITHUB_EVENT_NAME".into(), "pull_request".into()));
    case.env
        .push(("GITHUB_EVENT_PATH".into(), event.display().to_string()));
    out.push(case);
    out
}

fn run(case: &Case) -> Result<(), String> {
    let mut cmd = Command::new(bin());
    git_env(&mut cmd).current_dir(&case.dir).args(&case.args);
    let mut json = false;
    if !case.args.iter().any(|a| a == "--format") {
        cmd.arg("--format").arg("json");
        json = true;
    }
    for (k, v) in &case.env {
        cmd.env(k, v);
    }
    let out = cmd.output().map_err(|e| format!("cannot run: {e}"))?;
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    let code = out.status.code().ok_or("killed by a signal")?;
    if !(0..=2).contains(&code) {
        return Err(format!("exit {code}: {stderr}"));
    }
    if stderr.contains("internal error") || stderr.contains("panicked") {
        return Err(format!("panicked: {stderr}"));
    }
    let said = format!("{stdout}{stderr}");
    let report: Option<serde_json::Value> = json.then(|| serde_json::from_str(&stdout).ok()).flatten();
    match &case.expect {
        Expect::Judged(pin) => {
            if code == 2 || pin.is_some_and(|p| p != code) {
                return Err(format!("expected exit {pin:?} (judged), got {code}: {said}"));
            }
            if json && report.is_none() {
                return Err(format!("no JSON report: {said}"));
            }
        }
        Expect::Note(text) => {
            if code == 2 {
                return Err(format!("expected a judged run with a note, got exit 2: {said}"));
            }
            if !said.contains(text) {
                return Err(format!("the report does not say {text:?}: {said}"));
            }
        }
        Expect::NotJudged(text) => {
            if code != 2 {
                return Err(format!("expected exit 2, got {code}: {said}"));
            }
            if !said.contains(text) {
                return Err(format!("exit 2 without saying {text:?}: {said}"));
            }
        }
    }
    Ok(())
}

#[test]
fn hostile_inputs_get_the_expected_behaviour() {
    let cases = cases();
    assert_eq!(cases.len(), 67, "the suite holds every case: {} now", cases.len());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| {
            run(c)
                .err()
                .map(|e| format!("- {}: {}", c.name, e.chars().take(600).collect::<String>()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
