//! Patch coverage and project coverage, as METRICS.md (and diff-cover) define them.

use std::collections::HashMap;

use super::{FileCoverage, Report};
use crate::lines::LineSet;

/// One changed file's share of the patch.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FilePatch {
    pub path: String,
    /// Added lines the report lists (executable).
    pub executable: u32,
    pub covered: u32,
    /// Added lines the report does not list: neither covered nor missed.
    pub not_executable: u32,
    /// Runs of uncovered executable added lines (first, last), merged across lines the report
    /// does not list.
    pub uncovered: Vec<(u32, u32)>,
    /// Branches on added lines: (taken, total).
    pub branches: (u32, u32),
    /// The report does not know the file although it measured its directory: its added code
    /// lines count as uncovered (diff-cover would ignore the file).
    pub unmeasured_module: bool,
}

/// The patch: every changed file with executable added lines.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Patch {
    pub files: Vec<FilePatch>,
    pub executable: u64,
    pub covered: u64,
    pub branches: (u64, u64),
}

impl Patch {
    /// Covered ÷ executable, in percent; `None` when the change adds no executable line.
    pub fn percent(&self) -> Option<f64> {
        (self.executable > 0).then(|| 100.0 * self.covered as f64 / self.executable as f64)
    }

    /// Whether the patch reaches `minimum` percent, decided on integers (no rounding).
    pub fn reaches(&self, minimum: f64) -> bool {
        // covered / executable >= minimum / 100, with minimum in hundredths of a percent.
        let min = (minimum * 100.0).round() as u128;
        u128::from(self.covered) * 10_000 >= min * u128::from(self.executable)
    }
}

/// A changed file as the patch sees it.
pub struct ChangedLines<'a> {
    pub path: &'a str,
    pub added: &'a LineSet,
    /// For a file the report does not know: the added lines that hold code, when the report
    /// measured the file's directory (so the file should have been measured).
    pub code_lines: Option<Vec<u32>>,
}

pub fn patch(changed: &[ChangedLines<'_>], coverage: &HashMap<&str, &FileCoverage>) -> Patch {
    let mut out = Patch::default();
    for c in changed {
        let fp = match (coverage.get(c.path), &c.code_lines) {
            (Some(cov), _) => measured_file(c, cov),
            (None, Some(code)) => unmeasured_file(c, code),
            (None, None) => continue,
        };
        out.executable += u64::from(fp.executable);
        out.covered += u64::from(fp.covered);
        out.branches.0 += u64::from(fp.branches.0);
        out.branches.1 += u64::from(fp.branches.1);
        out.files.push(fp);
    }
    out
}

/// A changed file the report measured: its added lines as the report lists them.
fn measured_file(c: &ChangedLines<'_>, cov: &FileCoverage) -> FilePatch {
    let mut fp = FilePatch {
        path: c.path.to_string(),
        ..FilePatch::default()
    };
    let mut runs = Runs::default();
    for range in c.added.ranges() {
        // A run of uncovered lines never crosses lines the change did not add.
        runs.close();
        for line in range.start..=range.end {
            match cov.get(line) {
                None => fp.not_executable += 1,
                Some(covered) => {
                    fp.executable += 1;
                    fp.covered += u32::from(covered);
                    runs.line(line, covered);
                }
            }
            if let Some(&(t, n)) = cov.branches.get(&line) {
                fp.branches.0 += t;
                fp.branches.1 += n;
            }
        }
    }
    fp.uncovered = runs.finish();
    fp
}

/// A changed file the report does not know although it measured its directory: its added
/// code lines are uncovered, in runs that never cross a line the change did not add.
fn unmeasured_file(c: &ChangedLines<'_>, code: &[u32]) -> FilePatch {
    let mut runs = Runs::default();
    let mut last = None;
    for &line in code {
        let contiguous = last.is_some_and(|e: u32| c.added.count_in(e, line) == line - e + 1);
        if !contiguous {
            runs.close();
        }
        runs.line(line, false);
        last = Some(line);
    }
    let executable = u32::try_from(code.len()).unwrap_or(u32::MAX);
    FilePatch {
        path: c.path.to_string(),
        executable,
        not_executable: u32::try_from(c.added.len()).unwrap_or(u32::MAX) - executable,
        uncovered: runs.finish(),
        unmeasured_module: true,
        ..FilePatch::default()
    }
}

/// Runs of uncovered lines (first, last), built a line at a time.
#[derive(Default)]
struct Runs {
    done: Vec<(u32, u32)>,
    open: Option<(u32, u32)>,
}

impl Runs {
    /// A line, covered or not: an uncovered one extends the open run, a covered one ends it.
    fn line(&mut self, line: u32, covered: bool) {
        if covered {
            self.close();
        } else {
            self.open = Some(self.open.map_or((line, line), |(s, _)| (s, line)));
        }
    }

    fn close(&mut self) {
        self.done.extend(self.open.take());
    }

    fn finish(mut self) -> Vec<(u32, u32)> {
        self.close();
        self.done
    }
}

/// Covered and executable lines over a whole report.
pub fn totals(report: &Report) -> (u64, u64) {
    report.files.values().fold((0, 0), |(c, n), f| {
        let (covered, executable) = f.counts();
        (c + covered, n + executable)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(ranges: &[(u32, u32)]) -> LineSet {
        let mut s = LineSet::new();
        for &(a, b) in ranges {
            s.insert_range(a, b);
        }
        s
    }

    #[test]
    fn patch_coverage_counts_only_executable_added_lines() {
        let mut cov = FileCoverage::default();
        for (l, h) in [(1, 1), (2, 0), (3, 0), (5, 0), (6, 2), (9, 0)] {
            cov.hit(l, h);
        }
        cov.branches.insert(6, (1, 2));
        let added = lines(&[(2, 6), (8, 8)]);
        let map: HashMap<&str, &FileCoverage> = [("a.py", &cov)].into_iter().collect();
        let p = patch(
            &[ChangedLines {
                path: "a.py",
                added: &added,
                code_lines: None,
            }],
            &map,
        );
        let f = &p.files[0];
        assert_eq!((f.executable, f.covered, f.not_executable), (4, 1, 2));
        assert_eq!(
            f.uncovered,
            [(2, 5)],
            "line 4 is not executable and does not split the run"
        );
        assert_eq!(f.branches, (1, 2));
        assert_eq!(p.percent(), Some(25.0));
        assert!(p.reaches(25.0) && !p.reaches(25.01));
    }

    #[test]
    fn the_patch_adds_up_its_files() {
        let mut a = FileCoverage::default();
        a.hit(1, 1);
        a.hit(2, 0);
        a.branches.insert(1, (1, 2));
        let mut b = FileCoverage::default();
        b.hit(1, 3);
        b.branches.insert(1, (2, 4));
        let added = lines(&[(1, 2)]);
        let map: HashMap<&str, &FileCoverage> = [("a.py", &a), ("b.py", &b)].into_iter().collect();
        let changed = |path| ChangedLines {
            path,
            added: &added,
            code_lines: None,
        };
        let p = patch(&[changed("a.py"), changed("b.py")], &map);
        assert_eq!((p.executable, p.covered, p.branches), (3, 2, (3, 6)));
    }

    #[test]
    fn an_unmeasured_module_counts_its_code_lines_as_uncovered() {
        let added = lines(&[(1, 10)]);
        let map = HashMap::new();
        let p = patch(
            &[ChangedLines {
                path: "pkg/new.py",
                added: &added,
                code_lines: Some(vec![1, 2, 5]),
            }],
            &map,
        );
        assert_eq!((p.executable, p.covered), (3, 0));
        assert_eq!(
            p.files[0].not_executable, 7,
            "ten added lines, three of them code"
        );
        assert_eq!(p.files[0].uncovered, [(1, 5)]);
        assert!(p.files[0].unmeasured_module);
        assert_eq!(p.percent(), Some(0.0));
        let none = patch(
            &[ChangedLines {
                path: "x.md",
                added: &added,
                code_lines: None,
            }],
            &map,
        );
        assert_eq!(none.percent(), None);
    }
}

#[cfg(test)]
mod properties {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Patch coverage counts every added line once, as covered, missed or not executable;
        /// uncovered runs hold exactly the missed lines; the percentage and the integer
        /// threshold test agree.
        #[test]
        fn patch_arithmetic(
            report in proptest::collection::btree_map(1u32..200, any::<bool>(), 0..150),
            added in proptest::collection::vec((1u32..200, 0u32..10), 0..20),
            minimum in 0u32..=10_000,
        ) {
            let mut cov = FileCoverage::default();
            for (&line, &ran) in &report {
                cov.hit(line, u64::from(ran));
            }
            let mut set = LineSet::new();
            for &(s, len) in &added {
                set.insert_range(s, s + len);
            }
            let map: HashMap<&str, &FileCoverage> = [("f", &cov)].into_iter().collect();
            let p = patch(&[ChangedLines { path: "f", added: &set, code_lines: None }], &map);
            let lines: Vec<u32> = set.ranges().iter().flat_map(|r| r.start..=r.end).collect();
            let covered = lines.iter().filter(|l| report.get(l) == Some(&true)).count() as u64;
            let missed: Vec<u32> = lines.iter().copied().filter(|l| report.get(l) == Some(&false)).collect();
            prop_assert_eq!(p.covered, covered);
            prop_assert_eq!(p.executable, covered + missed.len() as u64);
            if let Some(f) = p.files.first() {
                prop_assert_eq!(u64::from(f.executable + f.not_executable), set.len());
                let in_runs: Vec<u32> = f.uncovered.iter().flat_map(|&(s, e)| s..=e).filter(|l| missed.contains(l)).collect();
                prop_assert_eq!(in_runs, missed.clone());
                for &(s, e) in &f.uncovered {
                    prop_assert!((s..=e).all(|l| report.get(&l) != Some(&true)), "a run never spans a covered line");
                }
            }
            let minimum = f64::from(minimum) / 100.0;
            if let Some(percent) = p.percent() {
                // The exact test and the float agree away from the boundary.
                if (percent - minimum).abs() > 1e-9 {
                    prop_assert_eq!(p.reaches(minimum), percent > minimum);
                }
            }
        }
    }
}
