//! Mapping the paths a coverage report names onto the files the repository tracks.
//!
//! A report written on another machine names `/home/runner/work/app/app/src/a.py`, a Go
//! profile `example.com/app/pkg/a.go`, coverage.py `src/a.py` or just `a.py`. Each is matched
//! to the tracked file that shares the longest run of trailing path components with it, when
//! exactly one does; `path-map` prefix rewrites from the configuration apply first.

use std::collections::HashMap;

/// A prefix rewrite: a report path starting with `from` starts with `to` instead.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathMap {
    pub from: String,
    pub to: String,
}

/// Why a report path maps to no file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unmapped {
    NoFile,
    /// Several tracked files end the same way (the two best are named).
    Ambiguous(String, String),
}

/// Tracked files, indexed by file name.
pub struct RepoFiles<'a> {
    by_name: HashMap<&'a str, Vec<&'a str>>,
}

impl<'a> RepoFiles<'a> {
    pub fn new(files: impl IntoIterator<Item = &'a str>) -> Self {
        let mut by_name: HashMap<&str, Vec<&str>> = HashMap::new();
        for f in files {
            by_name
                .entry(f.rsplit('/').next().unwrap_or(f))
                .or_default()
                .push(f);
        }
        RepoFiles { by_name }
    }

    /// The tracked file a report path names.
    pub fn map(&self, report_path: &str, rewrites: &[PathMap]) -> Result<&'a str, Unmapped> {
        let path = rewrite(report_path, rewrites);
        let components: Vec<&str> = path.split('/').filter(|c| !c.is_empty() && *c != ".").collect();
        let name = components.last().ok_or(Unmapped::NoFile)?;
        let candidates = self.by_name.get(name).ok_or(Unmapped::NoFile)?;
        let shared = |file: &str| {
            file.rsplit('/')
                .zip(components.iter().rev())
                .take_while(|(a, b)| a == *b)
                .count()
        };
        let mut scored: Vec<(usize, &str)> = candidates.iter().map(|f| (shared(f), *f)).collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        match scored[..] {
            // The whole report path matching one file exactly still decides a tie.
            [(best, file), (second, other), ..] if best == second && file != path => {
                Err(Unmapped::Ambiguous(file.to_string(), other.to_string()))
            }
            [(_, file), ..] => Ok(file),
            [] => Err(Unmapped::NoFile),
        }
    }
}

/// A report path with `\` as `/` and the first `[coverage] path-map` prefix that matches
/// rewritten.
fn rewrite(report_path: &str, rewrites: &[PathMap]) -> String {
    let path = report_path.replace('\\', "/");
    rewrites
        .iter()
        .find_map(|r| path.strip_prefix(&r.from).map(|rest| format!("{}{rest}", r.to)))
        .unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_unambiguous_suffix_wins() {
        let files = [
            "src/app/a.py",
            "tests/a.py",
            "src/app/util/b.py",
            "lib/b.py",
            "x/c.py",
            "y/c.py",
        ];
        let repo = RepoFiles::new(files.iter().copied());
        assert_eq!(
            repo.map("/home/ci/work/app/src/app/a.py", &[]),
            Ok("src/app/a.py")
        );
        assert_eq!(repo.map("app\\util\\b.py", &[]), Ok("src/app/util/b.py"));
        assert_eq!(repo.map("./tests/a.py", &[]), Ok("tests/a.py"));
        assert!(matches!(repo.map("c.py", &[]), Err(Unmapped::Ambiguous(_, _))));
        assert_eq!(repo.map("nothing.py", &[]), Err(Unmapped::NoFile));
        let rewrite = [PathMap {
            from: "/build/".into(),
            to: "x/".into(),
        }];
        assert_eq!(repo.map("/build/c.py", &rewrite), Ok("x/c.py"));
    }
}
