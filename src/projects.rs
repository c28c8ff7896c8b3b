//! `[[projects]]`: directories of a monorepo judged in one run, each by its own configuration
//! (`debtgate.toml` in the directory, else the root's), its own coverage reports and its own
//! gate conditions. A file belongs to the innermost project whose directory holds it; files
//! in no project are judged by the root configuration.

use std::path::PathBuf;

use anyhow::{bail, Result};
use serde::Deserialize;

use crate::config::{Settings, CONFIG_FILE_NAMES};
use crate::verdict::{Condition, CoverageSummary, Outcome, ProjectVerdict, Summary, Verdict};
use crate::{judge, merge};

/// One `[[projects]]` table as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProjectConfig {
    path: String,
    /// Coverage reports of the project's tests at head, relative to the repository root.
    #[serde(default)]
    coverage: Vec<String>,
    /// Coverage reports of its tests at base.
    #[serde(default)]
    base_coverage: Vec<String>,
}

/// A declared project.
#[derive(Debug, Clone)]
pub struct Project {
    /// Its directory, relative to the repository root, without a trailing slash.
    pub path: String,
    /// Its reports at head and base, relative to the repository root; none: the command
    /// line's apply.
    pub coverage: Vec<PathBuf>,
    pub base_coverage: Vec<PathBuf>,
    /// Its own configuration, once read; none: the root's applies.
    pub settings: Option<Box<Settings>>,
}

/// The projects a root configuration declares, checked: each a plain relative directory,
/// declared once, and its reports inside the repository.
pub fn declared(tables: Vec<ProjectConfig>, origin: &str) -> Result<Vec<Project>> {
    let mut out: Vec<Project> = Vec::new();
    for (i, t) in tables.into_iter().enumerate() {
        let what = format!("{origin}: [[projects]] #{}", i + 1);
        let path = t.path.trim_end_matches('/').to_string();
        if let Some(why) = not_a_plain_directory(&path) {
            bail!("{what}: path = {:?} {why}; write the directory relative to the repository root, like \"services/api\"", t.path);
        }
        if out.iter().any(|p| p.path == path) {
            bail!("{what}: path = {path:?} is declared twice");
        }
        let reports = |list: Vec<String>, key: &str| -> Result<Vec<PathBuf>> {
            list.into_iter()
                .map(|r| match not_a_plain_directory(&r) {
                    Some(why) => {
                        bail!("{what}: {key} = {r:?} {why}; name the report relative to the repository root")
                    }
                    None => Ok(PathBuf::from(r)),
                })
                .collect()
        };
        if t.coverage.is_empty() && !t.base_coverage.is_empty() {
            bail!("{what}: base-coverage needs coverage: the project delta compares the two");
        }
        out.push(Project {
            coverage: reports(t.coverage, "coverage")?,
            base_coverage: reports(t.base_coverage, "base-coverage")?,
            path,
            settings: None,
        });
    }
    // The parts of a verdict are listed in this order, which `merge` can restore.
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

type PathTest = fn(&str) -> bool;

/// Where the projects' own configuration files would be, in the order they are looked for.
pub fn configuration_paths(projects: &[Project]) -> Vec<String> {
    projects
        .iter()
        .flat_map(|p| {
            CONFIG_FILE_NAMES
                .iter()
                .map(move |name| format!("{}/{name}", p.path))
        })
        .collect()
}

/// Reads each project's own configuration, the first of its directory's configuration files
/// that configures debtgate: `text_of(path)` gives a file's text and the name messages call it
/// by, or nothing where there is no such file.
pub fn read_configurations(
    settings: &mut Settings,
    mut text_of: impl FnMut(&str) -> Result<Option<(String, String)>>,
) -> Result<()> {
    let mut projects = std::mem::take(&mut settings.projects);
    for project in &mut projects {
        for name in CONFIG_FILE_NAMES {
            let Some((text, origin)) = text_of(&format!("{}/{name}", project.path))? else {
                continue;
            };
            if let Some(own) = Settings::from_project_file(name, &text, &origin, &project.path, settings)? {
                project.settings = Some(Box::new(own));
                break;
            }
        }
    }
    settings.projects = projects;
    Ok(())
}

/// Why `path` is not a plain relative path inside the repository, if it is not: the first of
/// these tests it fails.
fn not_a_plain_directory(path: &str) -> Option<&'static str> {
    let tests: [(PathTest, &str); 5] = [
        (
            |p| p.is_empty() || p == ".",
            "is the repository root, which the root configuration already judges",
        ),
        (
            |p| p.starts_with('/') || p.contains(['\\', ':']),
            "is not a relative path",
        ),
        (
            |p| p.split('/').any(|c| c.is_empty() || c == "." || c == ".."),
            "has an empty, `.` or `..` component",
        ),
        (
            |p| p.contains(['*', '?', '[', '{']),
            "is a pattern, not a directory",
        ),
        (|p| p.chars().any(char::is_control), "holds a control character"),
    ];
    tests.iter().find(|(fails, _)| fails(path)).map(|(_, why)| *why)
}

/// The innermost project whose directory holds `path`.
pub fn holding(projects: &[Project], path: &str) -> Option<usize> {
    innermost(projects.iter().map(|p| p.path.as_str()), path)
}

/// Of `dirs`, the index of the innermost one that holds `path`.
fn innermost<'d>(dirs: impl Iterator<Item = &'d str>, path: &str) -> Option<usize> {
    dirs.enumerate()
        .filter(|(_, dir)| is_inside(dir, path))
        .max_by_key(|(_, dir)| dir.len())
        .map(|(i, _)| i)
}

/// Whether `path` lies inside directory `dir` (`services/api/a.py` in `services/api`, not
/// `services/api-old/a.py`).
pub fn is_inside(dir: &str, path: &str) -> bool {
    path.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/'))
}

/// A project's patterns, made relative to the repository root.
pub fn under(dir: &str, patterns: &[String]) -> Vec<String> {
    patterns
        .iter()
        .map(|p| format!("{dir}/{}", p.trim_start_matches("./").trim_start_matches('/')))
        .collect()
}

/// What the reports call the part of the files in no project (no project can be `.`).
pub const ROOT: &str = ".";

/// The parts of a change judged apart: the root (files in no project), then each project in
/// the order declared. Without projects, the root alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Root,
    Project(usize),
}

impl Part {
    /// Every part `settings` judges.
    pub fn all(settings: &Settings) -> Vec<Part> {
        std::iter::once(Part::Root)
            .chain((0..settings.projects.len()).map(Part::Project))
            .collect()
    }

    /// The part the file at `path` is judged in.
    pub fn of(settings: &Settings, path: &str) -> Part {
        holding(&settings.projects, path).map_or(Part::Root, Part::Project)
    }

    /// Whether the file at `path` is judged in this part.
    pub fn holds(self, settings: &Settings, path: &str) -> bool {
        Part::of(settings, path) == self
    }

    /// The settings this part is judged by.
    pub fn settings(self, settings: &Settings) -> &Settings {
        match self {
            Part::Root => settings,
            Part::Project(i) => settings.projects[i].settings.as_deref().unwrap_or(settings),
        }
    }

    /// The project's directory; [`ROOT`] for the files in no project.
    pub fn name(self, settings: &Settings) -> &str {
        match self {
            Part::Root => ROOT,
            Part::Project(i) => settings.projects[i].path.as_str(),
        }
    }
}

/// The verdict of a change judged in parts (the root's first): `header`'s commits,
/// configuration and moves, every part's findings and notices, each part's conditions tagged
/// with its project, the counts summed, and the worst outcome. Without projects declared, the
/// root's part is the verdict; with them, the root's part is left out where it judges no file
/// and a project does.
pub fn combine(header: &Verdict, mut parts: Vec<(String, Verdict)>, declared: bool) -> Verdict {
    if !declared && parts.len() == 1 {
        return parts.remove(0).1;
    }
    let root_is_empty = parts
        .first()
        .is_some_and(|(name, v)| name == ROOT && v.summary.files_changed == 0);
    if root_is_empty && parts.len() > 1 {
        let (_, root) = parts.remove(0);
        parts[0].1.notices.extend(root.notices);
    }
    let mut out = Verdict {
        outcome: Outcome::Passed,
        summary: Summary::default(),
        findings: Vec::new(),
        notices: Vec::new(),
        conditions: Vec::new(),
        coverage: None,
        duplication: None,
        projects: Vec::new(),
        ..header.clone()
    };
    for (project, v) in parts {
        merge::add_summary(&mut out.summary, &v.summary);
        out.findings.extend(v.findings);
        out.notices.extend(v.notices);
        // A part that adds no code has nothing for a ratio to judge: its "not applied" line
        // beside every other project's would be noise (its own list keeps it).
        let nothing_to_judge = |c: &&Condition| c.over_new_lines && !c.judged && v.summary.new_lines == 0;
        out.conditions.extend(
            v.conditions
                .iter()
                .filter(|c| !nothing_to_judge(c))
                .cloned()
                .map(|mut c| {
                    c.project = Some(project.clone());
                    c
                }),
        );
        out.coverage = gather_coverage(out.coverage.take(), v.coverage.clone());
        out.duplication = merge::merge_duplication(out.duplication, v.duplication);
        out.outcome = worst(out.outcome, v.outcome);
        out.projects.push(ProjectVerdict {
            project,
            outcome: v.outcome,
            config_source: v.config_source,
            fail_on: v.fail_on,
            policy: v.policy,
            min_new_lines: v.min_new_lines,
            summary: v.summary,
            conditions: v.conditions,
            coverage: v.coverage,
            duplication: v.duplication,
        });
    }
    out.findings
        .sort_by(|a, b| judge::finding_order(a).cmp(&judge::finding_order(b)));
    out.notices.sort();
    out.notices.dedup();
    if out.notices.iter().any(|n| n.blocking) {
        out.outcome = Outcome::NotJudged;
    }
    out
}

/// The parts `combine` made `v` of, each a verdict of its own files (every notice and move goes
/// with each), so that shards' parts can be merged part by part.
pub fn split(v: &Verdict) -> Vec<(String, Verdict)> {
    if v.projects.is_empty() {
        return vec![(ROOT.to_string(), v.clone())];
    }
    let dirs: Vec<&str> = v
        .projects
        .iter()
        .map(|p| p.project.as_str())
        .filter(|p| *p != ROOT)
        .collect();
    let part_of = |path: &str| innermost(dirs.iter().copied(), path).map_or(ROOT, |i| dirs[i]);
    v.projects
        .iter()
        .map(|p| {
            let part = Verdict {
                outcome: p.outcome,
                config_source: p.config_source.clone(),
                fail_on: p.fail_on,
                policy: p.policy,
                min_new_lines: p.min_new_lines,
                summary: p.summary.clone(),
                findings: v
                    .findings
                    .iter()
                    .filter(|f| part_of(&f.path) == p.project)
                    .cloned()
                    .collect(),
                conditions: p.conditions.clone(),
                coverage: p.coverage.clone(),
                duplication: p.duplication,
                projects: Vec::new(),
                ..v.clone()
            };
            (p.project.clone(), part)
        })
        .collect()
}

/// The patches' lines summed, and each project's own reports listed once.
fn gather_coverage(a: Option<CoverageSummary>, b: Option<CoverageSummary>) -> Option<CoverageSummary> {
    let own_reports = match (&a, &b) {
        (Some(a), Some(b)) if a.reports != b.reports => {
            Some((b.reports.clone(), b.report_files, b.mapped_files))
        }
        _ => None,
    };
    let mut out = merge::merge_coverage(a, b)?;
    if let Some((reports, files, mapped)) = own_reports {
        out.reports.extend(reports);
        out.report_files += files;
        out.mapped_files += mapped;
        // One project's figure is not the repository's.
        out.project_percent = None;
        out.base_project_percent = None;
        out.delta_points = None;
    }
    Some(out)
}

fn worst(a: Outcome, b: Outcome) -> Outcome {
    let rank = |o: Outcome| match o {
        Outcome::Passed => 0,
        Outcome::Failed => 1,
        Outcome::NotJudged => 2,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn projects(text: &str) -> Result<Vec<Project>> {
        Settings::from_toml(text, "debtgate.toml").map(|s| s.projects)
    }

    #[test]
    fn a_file_belongs_to_the_innermost_project_that_holds_it() {
        let p =
            projects("[[projects]]\npath = \"services\"\n[[projects]]\npath = \"services/api/\"\n").unwrap();
        assert_eq!(p[1].path, "services/api");
        assert_eq!(holding(&p, "services/api/app.py"), Some(1));
        assert_eq!(holding(&p, "services/web/app.py"), Some(0));
        assert_eq!(holding(&p, "services-old/app.py"), None);
        assert_eq!(holding(&p, "services"), None);
        assert_eq!(holding(&p, "app.py"), None);
    }

    #[test]
    fn a_project_path_must_be_a_plain_directory_declared_once() {
        for (path, why) in [
            ("", "repository root"),
            ("/srv/api", "not a relative path"),
            ("a/../b", "`..`"),
            ("services/*", "a pattern"),
            ("C:\\\\api", "not a relative path"),
        ] {
            let err = projects(&format!("[[projects]]\npath = \"{path}\"\n"))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("[[projects]] #1") && err.contains(why),
                "{path}: {err}"
            );
        }
        let err = projects("[[projects]]\npath = \"a\"\n[[projects]]\npath = \"a/\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("#2") && err.contains("declared twice"), "{err}");
        let err = projects("[[projects]]\npath = \"a\"\ncoverage = [\"../x.info\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("coverage = \"../x.info\""), "{err}");
        let err = projects("[[projects]]\npath = \"a\"\nconfig = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3"), "{err}");
    }

    #[test]
    fn a_part_that_adds_no_code_shows_no_ratio_condition_it_could_not_apply() {
        let sample = crate::report::sample::verdict();
        let part = |new_lines: u64| {
            let mut v = sample.clone();
            v.summary.new_lines = new_lines;
            v.conditions.retain(|c| c.project.is_none());
            for c in &mut v.conditions {
                c.judged = false;
            }
            v
        };
        let parts = vec![("a".to_string(), part(0)), ("b".to_string(), part(3))];
        let combined = combine(&sample, parts, true);
        let ratios = |project: &str| {
            combined
                .conditions
                .iter()
                .filter(|c| c.over_new_lines && c.project.as_deref() == Some(project))
                .count()
        };
        assert_eq!(ratios("a"), 0);
        assert!(ratios("b") > 0);
        // Debt conditions are not ratios over new lines: they stay.
        assert!(combined
            .conditions
            .iter()
            .any(|c| !c.over_new_lines && c.project.as_deref() == Some("a")));
        assert!(combined.projects[0].conditions.iter().any(|c| c.over_new_lines));
    }

    #[test]
    fn a_project_configuration_is_relative_to_its_directory_and_keeps_the_root_excludes() {
        let root = Settings::from_toml("exclude = [\"**/gen/**\"]\n", "debtgate.toml").unwrap();
        let text = "exclude = [\"legacy/**\"]\n[tests]\npaths = [\"checks/**\"]\n";
        let s = Settings::from_project_file("debtgate.toml", text, "api/debtgate.toml", "api", &root)
            .unwrap()
            .unwrap();
        assert!(s.is_excluded("api/legacy/a.py"));
        assert!(!s.is_excluded("legacy/a.py"));
        assert!(s.is_excluded("api/x/gen/a.py"));
        assert!(s.is_test_path("api/checks/a.py"));
        assert!(!s.is_test_path("checks/a.py"));
        let err = Settings::from_project_file(
            "debtgate.toml",
            "[rules.duplicated-block]\nthreshold = 20\n",
            "api/debtgate.toml",
            "api",
            &root,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("api/debtgate.toml: rules.duplicated-block threshold = 20 is below"),
            "{err}"
        );
        let raised = "[rules.duplicated-block]\nthreshold = 200\n";
        assert!(
            Settings::from_project_file("debtgate.toml", raised, "api/debtgate.toml", "api", &root).is_ok()
        );
        for refused in ["[[projects]]\npath = \"b\"\n", "[duplication]\nmin-lines = 9\n"] {
            let err =
                Settings::from_project_file("debtgate.toml", refused, "api/debtgate.toml", "api", &root)
                    .unwrap_err()
                    .to_string();
            assert!(
                err.starts_with("api/debtgate.toml: [") && err.contains("root configuration only"),
                "{err}"
            );
        }
    }
}
