//! A throwaway git repository and a way to run debtgate against it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

/// Fixed commit dates and an empty git configuration, so commit ids are the same on every
/// machine and the user's settings cannot leak in.
pub fn git_env(cmd: &mut Command) -> &mut Command {
    cmd.env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GITHUB_EVENT_NAME")
        .env_remove("GITHUB_EVENT_PATH")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("PRE_COMMIT_FROM_REF")
        .env_remove("PRE_COMMIT_TO_REF")
        .env_remove("GITHUB_OUTPUT")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env("NO_COLOR", "1")
}

pub struct Repo {
    dir: TempDir,
}

impl Repo {
    pub fn new() -> Repo {
        let dir = tempfile::Builder::new()
            .prefix("debtgate-test")
            .tempdir()
            .expect("tempdir");
        let repo = Repo { dir };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, path: &str, content: impl AsRef<[u8]>) -> &Repo {
        let full = self.dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
        self
    }

    pub fn remove(&self, path: &str) -> &Repo {
        std::fs::remove_file(self.dir.path().join(path)).unwrap();
        self
    }

    pub fn git(&self, args: &[&str]) -> String {
        git_in(self.dir.path(), args)
    }

    /// Commits everything and returns the commit id.
    pub fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }

    pub fn debtgate(&self, args: &[&str]) -> Output {
        debtgate_in(self.dir.path(), args)
    }
}

pub fn git_in(dir: &Path, args: &[&str]) -> String {
    let out = git_env(&mut Command::new("git"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_debtgate"))
}

/// A `--depth 1` clone of `origin` (plus `extra` clone options) in a new temporary folder:
/// the folder, which keeps it, and the clone's path.
pub fn shallow_clone(origin: &Repo, extra: &[&str]) -> (TempDir, PathBuf) {
    let work = tempfile::tempdir().unwrap();
    let clone = work.path().join("clone");
    let url = format!("file://{}", origin.path().display());
    let mut args = vec!["clone", "-q", "--depth", "1"];
    args.extend_from_slice(extra);
    args.extend([url.as_str(), clone.to_str().unwrap()]);
    git_in(work.path(), &args);
    (work, clone)
}

/// `debtgate check --format json` in `dir` as GitHub Actions runs it for a `pull_request`
/// event whose payload is the file `event`.
pub fn check_on_pull_request(dir: &Path, event: &Path) -> Output {
    git_env(&mut Command::new(bin()))
        .current_dir(dir)
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", event)
        .args(["check", "--format", "json"])
        .output()
        .expect("debtgate runs")
}

pub fn debtgate_in(dir: &Path, args: &[&str]) -> Output {
    git_env(&mut Command::new(bin()))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("debtgate runs")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn code(out: &Output) -> i32 {
    out.status.code().expect("exited, not killed")
}

/// A Python function of `depth` nested ifs: cognitive 1+2+...+depth, cyclomatic depth+1.
pub fn nested_python(name: &str, depth: usize) -> String {
    let mut s = format!("def {name}(a):\n");
    for level in 0..depth {
        s.push_str(&"    ".repeat(level + 1));
        s.push_str("if a:\n");
    }
    s.push_str(&"    ".repeat(depth + 1));
    s.push_str("pass\n");
    s
}

/// The same for JavaScript.
pub fn nested_js(name: &str, depth: usize) -> String {
    let mut s = format!("function {name}(a) {{\n");
    for level in 0..depth {
        s.push_str(&format!("{}if (a) {{\n", "  ".repeat(level + 1)));
    }
    for level in (0..depth).rev() {
        s.push_str(&format!("{}}}\n", "  ".repeat(level + 1)));
    }
    s.push_str("}\n");
    s
}

/// The same for Rust.
pub fn nested_rust(name: &str, depth: usize) -> String {
    let mut s = format!("fn {name}(a: bool) {{\n");
    for level in 0..depth {
        s.push_str(&format!("{}if a {{\n", "    ".repeat(level + 1)));
    }
    for level in (0..depth).rev() {
        s.push_str(&format!("{}}}\n", "    ".repeat(level + 1)));
    }
    s.push_str("}\n");
    s
}

/// Runs debtgate with `RAYON_NUM_THREADS` set.
pub fn git_env_command(dir: &Path, threads: &str, args: &[&str]) -> Output {
    git_env(&mut Command::new(bin()))
        .current_dir(dir)
        .env("RAYON_NUM_THREADS", threads)
        .args(args)
        .output()
        .expect("debtgate runs")
}

/// A Python function of about 90 tokens over 12 lines, its names derived from `stem`.
pub fn python_function(stem: &str) -> String {
    format!(
        r#"def {stem}_totals(orders, rates):
    {stem}_sum = 0
    for order in orders:
        if order.status == "paid" and order.amount > 0:
            rate = rates.get(order.currency, 1.0)
            {stem}_sum += order.amount * rate
        elif order.status == "refunded":
            {stem}_sum -= order.amount
        else:
            continue
    report = {{"total": {stem}_sum, "count": len(orders)}}
    return report
"#
    )
}

/// `debtgate check --base BASE --format json` plus `extra`: the exit code and the report.
pub fn check_json(repo: &Repo, base: &str, extra: &[&str]) -> (i32, serde_json::Value) {
    let mut args = vec!["check", "--base", base, "--format", "json"];
    args.extend_from_slice(extra);
    let out = repo.debtgate(&args);
    let value = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)));
    (code(&out), value)
}

/// The findings of one rule in a JSON report.
pub fn findings_of<'a>(report: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .collect()
}

/// A repository whose base commit holds a README and `files`.
pub fn repo_with(files: &[(&str, String)]) -> (Repo, String) {
    let repo = Repo::new();
    repo.write("README.md", "hello\n");
    for (path, content) in files {
        repo.write(path, content);
    }
    let base = repo.commit("base");
    (repo, base)
}

/// The segment files of a token cache folder (`--cache-dir`), in name order.
pub fn cache_segments(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flat_map(|folder| std::fs::read_dir(folder.unwrap().path()).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "seg"))
        .collect();
    out.sort();
    out
}
