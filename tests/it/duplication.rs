//! The duplication check end to end: copies the change adds, against the whole repository.

use crate::support::python_function as function;

use crate::support::{check_json as check, repo_with};

fn duplicates(report: &serde_json::Value) -> Vec<&serde_json::Value> {
    crate::support::findings_of(report, "duplicated-block")
}

#[test]
fn a_copy_of_old_code_is_found_with_the_original_as_related_location() {
    let (repo, base) = repo_with(&[("billing/a.py", format!("import x\n\n\n{}", function("billing")))]);
    repo.write(
        "shop/b.py",
        format!("\"\"\"Shop.\"\"\"\n\n{}", function("billing")),
    );
    repo.commit("copy it");
    let (exit, report) = check(&repo, &base, &[]);
    let found = duplicates(&report);
    assert_eq!(found.len(), 1, "{report:#}");
    let f = found[0];
    assert_eq!(f["path"], "shop/b.py");
    assert_eq!(f["line"], 3);
    assert_eq!(f["related"][0]["path"], "billing/a.py");
    assert_eq!(f["related"][0]["start_line"], 4);
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("duplicate billing/a.py:4-15"),
        "{f:#}"
    );
    // Every added code line is a copy, but 12 new lines are too few for the density
    // condition (min-new-lines = 20): the finding stands, the condition says why it was not
    // applied, and the warning alone does not fail.
    assert_eq!(exit, 0, "{report:#}");
    let gate = &report["conditions"][0];
    assert_eq!(gate["judged"], false, "{gate:#}");
    assert!(
        gate["detail"].as_str().unwrap().contains("min-new-lines"),
        "{gate:#}"
    );
}

#[test]
fn copies_over_twenty_new_lines_fail_on_the_density() {
    let (repo, base) = repo_with(&[(
        "billing/a.py",
        format!("{}\n\n{}", function("billing"), function("tax")),
    )]);
    repo.write(
        "shop/b.py",
        format!("{}\n\n{}", function("billing"), function("tax")),
    );
    repo.commit("copy both");
    let (exit, report) = check(&repo, &base, &[]);
    assert_eq!(exit, 1, "{report:#}");
    assert_eq!(report["conditions"][0]["passed"], false);
    assert_eq!(report["conditions"][0]["unit"], "percent");
}

#[test]
fn a_renamed_copy_is_a_type_2_clone_and_type_1_mode_misses_it() {
    let (repo, base) = repo_with(&[("billing/a.py", function("billing"))]);
    repo.write("shop/b.py", function("shop"));
    repo.commit("copy with new names");
    let (_, report) = check(&repo, &base, &[]);
    assert_eq!(duplicates(&report).len(), 1, "{report:#}");

    repo.write("debtgate.toml", "[duplication]\nnormalize = false\n");
    let base2 = repo.commit("type-1 only");
    repo.write("shop/c.py", function("cart"));
    repo.commit("another renamed copy");
    let (_, report) = check(&repo, &base2, &[]);
    assert!(duplicates(&report).is_empty(), "{report:#}");
}

#[test]
fn old_duplication_in_untouched_lines_is_never_a_finding() {
    let (repo, base) = repo_with(&[
        ("a.py", function("one")),
        (
            "b.py",
            format!("{}\n\ndef other():\n    return 1\n", function("one")),
        ),
    ]);
    repo.write(
        "b.py",
        format!("{}\n\ndef other():\n    return 2\n", function("one")),
    );
    repo.commit("touch b.py beside the old copy");
    let (exit, report) = check(&repo, &base, &[]);
    assert!(duplicates(&report).is_empty(), "{report:#}");
    assert_eq!(exit, 0, "{report:#}");
}

#[test]
fn two_new_copies_in_one_change_are_one_finding_on_the_later_copy() {
    let (repo, base) = repo_with(&[("keep.py", "x = 1\n".to_string())]);
    repo.write("pkg/first.py", function("first"));
    repo.write("pkg/second.py", function("second"));
    repo.commit("two copies");
    let (exit, report) = check(&repo, &base, &[]);
    let found = duplicates(&report);
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["path"], "pkg/second.py");
    assert_eq!(found[0]["related"][0]["path"], "pkg/first.py");
    assert_eq!(exit, 1);
    let detail = report["conditions"][0]["detail"].as_str().unwrap();
    assert!(detail.starts_with("24 of 24 added line(s)"), "{detail}");
}

#[test]
fn the_density_limit_is_configurable_and_the_finding_stays_a_warning() {
    let (repo, base) = repo_with(&[
        ("a.py", function("one")),
        (
            "debtgate.toml",
            "[gate]\nmax-duplicated-lines-percent = 100\n".to_string(),
        ),
    ]);
    repo.write("b.py", function("two"));
    repo.commit("copy");
    let (exit, report) = check(&repo, &base, &[]);
    assert_eq!(duplicates(&report).len(), 1);
    assert_eq!(duplicates(&report)[0]["severity"], "warning");
    assert_eq!(exit, 0, "{report:#}");
}

#[test]
fn with_the_rule_off_the_repository_is_never_indexed() {
    let (repo, base) = repo_with(&[
        ("a.py", function("one")),
        (
            "debtgate.toml",
            "[rules.duplicated-block]\nenabled = false\n".to_string(),
        ),
    ]);
    repo.write("b.py", function("two"));
    repo.commit("copy");
    let cache = repo.path().join("cache");
    let (exit, report) = check(&repo, &base, &["--cache-dir", cache.to_str().unwrap()]);
    assert!(duplicates(&report).is_empty(), "{report:#}");
    assert_eq!(exit, 0, "{report:#}");
    // No token was read: no cache was written, and the density condition was not measured.
    assert!(!cache.exists(), "the repository was tokenized");
    let conditions = report["conditions"].as_array().unwrap();
    assert!(
        conditions
            .iter()
            .all(|c| c["name"] != "duplicated lines in new code"),
        "{conditions:#?}"
    );
}

#[test]
fn a_short_copy_is_not_a_clone() {
    let (repo, base) = repo_with(&[("a.py", "def f(a, b):\n    return a + b\n".to_string())]);
    repo.write("b.py", "def g(a, b):\n    return a + b\n");
    repo.commit("tiny copy");
    let (exit, report) = check(&repo, &base, &[]);
    assert!(duplicates(&report).is_empty());
    assert_eq!(exit, 0);
}

#[test]
fn the_token_cache_is_written_and_reused_with_identical_results() {
    let (repo, base) = repo_with(&[("a.py", function("one"))]);
    repo.write("b.py", function("two"));
    repo.commit("copy");
    let cache = repo.path().join("cache");
    let cache_arg = cache.to_str().unwrap();
    let (_, cold) = check(&repo, &base, &["--cache-dir", cache_arg]);
    let segments = crate::support::cache_segments(&cache);
    assert_eq!(segments.len(), 1, "one segment: {segments:?}");
    let (_, warm) = check(&repo, &base, &["--cache-dir", cache_arg]);
    assert_eq!(cold, warm);
    assert_eq!(
        crate::support::cache_segments(&cache),
        segments,
        "nothing new to write"
    );
    // A corrupt cache is ignored, never trusted.
    std::fs::write(&segments[0], b"DGSEGv1\n\xff\xff").unwrap();
    let (_, again) = check(&repo, &base, &["--cache-dir", cache_arg]);
    assert_eq!(cold, again);
    let (_, uncached) = check(&repo, &base, &["--no-cache"]);
    assert_eq!(cold, uncached);
}

/// A warm run reads an unchanged file's tokens only through the cache's index of windows, and
/// that is enough to find a copy of it: after runs that each add a segment, the original's
/// blob can be gone from git and the copy is still found, with the original named.
#[test]
fn a_warm_run_finds_a_copy_of_a_cached_file_through_the_index() {
    let (repo, _) = repo_with(&[
        ("billing/a.py", function("billing")),
        ("tax.py", "RATE = 1\n".into()),
    ]);
    let cache = repo.path().join("cache");
    let cache_arg = cache.to_str().unwrap();
    for step in ["one", "two", "three"] {
        repo.write(&format!("{step}.py"), format!("def {step}(x):\n    return x\n"));
        let before = repo.commit(step);
        let (exit, _) = check(&repo, &format!("{before}~1"), &["--cache-dir", cache_arg]);
        assert_eq!(exit, 0);
    }
    assert!(
        crate::support::cache_segments(&cache).len() > 1,
        "runs added segments"
    );
    let id = repo.git(&["rev-parse", "HEAD:billing/a.py"]).trim().to_string();
    std::fs::remove_file(repo.path().join(".git/objects").join(&id[..2]).join(&id[2..])).unwrap();
    repo.write("shop/b.py", function("shop"));
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.commit("copy");
    let (_, report) = check(&repo, &base, &["--cache-dir", cache_arg]);
    let found = duplicates(&report);
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["related"].as_array().unwrap().len(), 1, "{report:#}");
    assert_eq!(found[0]["related"][0]["path"], "billing/a.py", "{report:#}");
}

#[test]
fn copies_in_javascript_go_and_java_are_found_too() {
    let js = |name: &str| {
        format!(
            "export function {name}(items, limit) {{\n  let total = 0;\n  for (const item of items) {{\n    if (item.price > 0 && item.count < limit) {{\n      total += item.price * item.count;\n    }} else {{\n      total -= 1;\n    }}\n  }}\n  return {{ total, size: items.length, ok: total > 0 }};\n}}\n"
        )
    };
    let go = |name: &str| {
        format!(
            "package p\n\nfunc {name}(items []Item, limit int) int {{\n\ttotal := 0\n\tfor _, item := range items {{\n\t\tif item.Price > 0 && item.Count < limit {{\n\t\t\ttotal += item.Price * item.Count\n\t\t}} else {{\n\t\t\ttotal -= 1\n\t\t}}\n\t}}\n\treturn total + len(items)\n}}\n"
        )
    };
    let java = |name: &str| {
        format!(
            "class {name} {{\n  int sum(java.util.List<Item> items, int limit) {{\n    int total = 0;\n    for (Item item : items) {{\n      if (item.price > 0 && item.count < limit) {{\n        total += item.price * item.count;\n      }} else {{\n        total -= 1;\n      }}\n    }}\n    return total + items.size();\n  }}\n}}\n"
        )
    };
    for (old, new) in [
        (("a.js", js("a")), ("b.js", js("b"))),
        (("a.go", go("A")), ("b.go", go("B"))),
        (("A.java", java("A")), ("B.java", java("B"))),
    ] {
        let (repo, base) = repo_with(&[(old.0, old.1.clone())]);
        repo.write(new.0, &new.1);
        repo.commit("copy");
        let (_, report) = check(&repo, &base, &[]);
        let found = duplicates(&report);
        assert_eq!(found.len(), 1, "{}: {report:#}", new.0);
        assert_eq!(found[0]["path"], new.0);
    }
}

/// The library reports indexing progress to its caller instead of printing it.
#[test]
fn indexing_reports_progress_through_the_callers_callback() {
    use debtgate::check::{Cache, CheckRequest, ConfigFrom, Environment};
    use debtgate::progress::Progress;

    let repo = crate::support::Repo::new();
    repo.write("a.py", "def a():\n    return 1\n");
    let base = repo.commit("base");
    repo.write("b.py", "def b():\n    return 2\n");
    repo.commit("head");
    let request = CheckRequest {
        repo_dir: repo.path().to_path_buf(),
        base: Some(base),
        head: None,
        config: None,
        config_from: ConfigFrom::Base,
        limits: debtgate::lang::ParseLimits::default(),
        cache: Cache::Off,
        coverage: Default::default(),
        shard: None,
    };
    let events = std::sync::Mutex::new(Vec::new());
    let verdict = debtgate::check::run(&request, &Environment::default(), &|p| {
        events.lock().unwrap().push(p)
    });
    assert!(verdict.is_ok(), "{:?}", verdict.err());
    let events = events.into_inner().unwrap();
    assert_eq!(events.last(), Some(&Progress::Indexed), "{events:?}");
    // One blob to index: a.py. The changed b.py was parsed by the measure stage, which handed
    // its tokens over instead of having it read and parsed again.
    assert!(
        events[..events.len() - 1]
            .iter()
            .all(|e| matches!(e, Progress::Indexing { done, total: 1 } if *done <= 1)),
        "{events:?}"
    );
}
