//! The coverage part of `debtgate check`: patch coverage of the change and the project delta,
//! from the coverage reports the tests produced, as findings and gate conditions.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use anyhow::{bail, Result};

use crate::config::{MissingReport, Settings};
use crate::coverage::patch::{self, ChangedLines, Patch};
use crate::coverage::paths::{RepoFiles, Unmapped};
use crate::coverage::{FileCoverage, Report};
use crate::git::{ChangeSet, ChangedFile, EntryKind, Repo, Status};
use crate::lang::{self, Language, ParseLimits};
use crate::lines::LineSet;
use crate::projects::Project;
use crate::request::{CheckRequest, CoverageRequest};
use crate::rules::{Rule, Severity};
use crate::verdict::{Condition, CoverageSummary, Finding, Notice, Related, Subject, Unit};

/// The names of the coverage conditions.
pub(crate) const PATCH_COVERAGE: &str = "patch coverage";
pub(crate) const PROJECT_COVERAGE_DELTA: &str = "project coverage delta";

#[derive(Default)]
pub struct CoverageOutcome {
    pub findings: Vec<Finding>,
    pub conditions: Vec<Condition>,
    pub notices: Vec<Notice>,
    pub summary: Option<CoverageSummary>,
}

/// The reports one part of a change is judged with: a project's own (its files are named
/// relative to its directory, so they are mapped among its files only), else the command line's.
pub struct Reports {
    pub request: CoverageRequest,
    pub limits: ParseLimits,
    /// The project whose own reports these are.
    pub project: Option<String>,
}

impl Reports {
    pub fn for_part(repo: &Repo, request: &CheckRequest, project: Option<&Project>) -> Reports {
        let Some(p) = project.filter(|p| !p.coverage.is_empty()) else {
            return Reports {
                request: request.coverage.clone(),
                limits: request.limits,
                project: None,
            };
        };
        let at_root = |list: &[std::path::PathBuf]| list.iter().map(|r| repo.root().join(r)).collect();
        Reports {
            request: CoverageRequest {
                head: at_root(&p.coverage),
                base: at_root(&p.base_coverage),
                format: request.coverage.format,
            },
            limits: request.limits,
            project: Some(p.path.clone()),
        }
    }

    /// Whether a tracked file can be what a report names.
    fn in_scope(&self, path: &str) -> bool {
        self.project
            .as_ref()
            .is_none_or(|dir| crate::projects::is_inside(dir, path))
    }
}

/// Reads the coverage reports, maps them onto the repository, and judges the lines the change
/// adds (patch coverage, uncovered-lines findings) and the project's coverage against base.
pub fn evaluate(
    repo: &Repo,
    change: &ChangeSet,
    settings: &Settings,
    scope: &Reports,
    rule: Option<&Rule>,
    moved: &HashMap<String, LineSet>,
) -> Result<CoverageOutcome> {
    let reports = &scope.request;
    if reports.head.is_empty() {
        return without_a_report(settings, reports);
    }
    let mut out = CoverageOutcome::default();
    let head_report = Report::read_all(&reports.head, reports.format)?;
    let tracked = repo.ls_tree(&change.head)?;
    let files = RepoFiles::new(tracked.iter().filter(|f| scope.in_scope(f)).map(String::as_str));
    let report_files = head_report.files.len();
    let (covered, total) = patch::totals(&head_report);
    let sources = head_report.sources.clone();
    let (mapped, unmapped) = map_report(head_report, &files, settings);
    if mapped.is_empty() {
        let example = unmapped
            .first()
            .map_or_else(String::new, |(p, why)| format!(" (first: {p}{why})"));
        bail!(
            "none of the {report_files} file(s) the coverage report names is tracked at head {}{example}.\n\
             The report was written elsewhere or for another checkout: map its paths with [coverage] path-map = [{{ from = \"/ci/build/\", to = \"\" }}] in debtgate.toml.",
            &change.head[..change.head.len().min(12)]
        );
    }
    out.notices
        .push(mapping_notice(scope.project.as_deref(), report_files, &unmapped));
    let changed = changed_files(repo, change, &mapped, scope.limits)?;
    // Code the change moved from elsewhere is not new code to cover.
    let added: Vec<LineSet> = changed
        .iter()
        .map(|(file, _)| {
            moved
                .get(&file.path)
                .map_or_else(|| file.added.clone(), |m| file.added.difference(m))
        })
        .collect();
    let lines: Vec<ChangedLines<'_>> = changed
        .iter()
        .zip(&added)
        .map(|((file, code), added)| ChangedLines {
            path: &file.path,
            added,
            code_lines: code.clone(),
        })
        .collect();
    let coverage_by_path: HashMap<&str, &FileCoverage> = mapped.iter().map(|(p, c)| (*p, c)).collect();
    let patch = patch::patch(&lines, &coverage_by_path);
    if let Some(rule) = rule {
        out.findings = uncovered_findings(rule, &patch);
    }
    out.conditions
        .push(patch_condition(&patch, settings.coverage.min_patch));
    let project_percent = (total > 0).then(|| 100.0 * covered as f64 / total as f64);
    let (mut delta_condition, base_project) = project_delta(settings, reports, project_percent)?;
    if let Some(c) = delta_condition
        .as_mut()
        .filter(|c| !c.judged && scope.project.is_some())
    {
        c.detail = "no base-coverage report in its [[projects]] table".to_string();
    }
    let delta = delta_condition.as_ref().filter(|c| c.judged).map(|c| c.value);
    out.conditions.extend(delta_condition);
    out.summary = Some(CoverageSummary {
        reports: sources
            .iter()
            .map(|(p, f)| format!("{p} ({})", f.name()))
            .collect(),
        report_files,
        mapped_files: report_files - unmapped.len(),
        patch_percent: patch.percent(),
        patch,
        project_percent,
        base_project_percent: base_project,
        delta_points: delta,
    });
    Ok(out)
}

/// No --coverage report: an error, or a condition not judged, when the configuration asks for a
/// coverage gate; else nothing.
fn without_a_report(settings: &Settings, reports: &CoverageRequest) -> Result<CoverageOutcome> {
    if !reports.base.is_empty() {
        bail!("--base-coverage needs --coverage: the project delta compares the two");
    }
    let mut out = CoverageOutcome::default();
    if !settings.coverage.gate_configured {
        return Ok(out);
    }
    let message = "the configuration sets a coverage gate ([gate] min-patch-coverage) but no --coverage report was given";
    if settings.coverage.missing_report == MissingReport::Error {
        bail!(
            "{message}. Pass the report your tests wrote (--coverage coverage.xml), or set [coverage] missing-report = \"not-judged\"."
        );
    }
    out.conditions.push(Condition {
        project: None,
        over_new_lines: true,
        name: PATCH_COVERAGE.to_string(),
        unit: Unit::Percent,
        value: 0.0,
        limit: settings.coverage.min_patch,
        passed: true,
        judged: false,
        detail: "no coverage report (missing-report = \"not-judged\")".to_string(),
    });
    out.notices.push(Notice {
        path: None,
        level: Severity::Warning,
        message: format!("{message}: patch coverage is not judged"),
        blocking: false,
    });
    Ok(out)
}

/// `coverage: mapped N/M report file(s) onto the repository`, and the first that was not.
fn mapping_notice(project: Option<&str>, report_files: usize, unmapped: &[(String, String)]) -> Notice {
    // The project is said in the message: a notice's path is a file annotations point at.
    let of = project.map_or_else(String::new, |p| {
        format!(" of {}", crate::report::escape_control(p))
    });
    Notice {
        path: None,
        level: Severity::Note,
        message: format!(
            "coverage{of}: mapped {}/{report_files} report file(s) onto the repository{}",
            report_files - unmapped.len(),
            unmapped.first().map_or_else(String::new, |(p, why)| format!(
                "; not mapped: {p}{why} and {} more",
                unmapped.len() - 1
            ))
        ),
        blocking: false,
    }
}

/// A changed file coverage judges, and its code lines where the report should have measured it.
type Judged<'c> = (&'c ChangedFile, Option<Vec<u32>>);

/// The files whose added lines coverage judges, each with its code lines where the report
/// should have measured it and did not (a file the change adds, in a directory — and of an
/// extension — the report measured, was never imported by the tests).
fn changed_files<'c>(
    repo: &Repo,
    change: &'c ChangeSet,
    mapped: &BTreeMap<&str, FileCoverage>,
    limits: ParseLimits,
) -> Result<Vec<Judged<'c>>> {
    let mut measured: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for path in mapped.keys() {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        measured.entry(dir).or_default().insert(extension(name));
    }
    let mut reader = repo.blob_reader()?;
    let mut changed = Vec::new();
    for file in &change.files {
        if file.status == Status::Deleted || file.new_kind != EntryKind::File || file.added.is_empty() {
            continue;
        }
        let unmeasured = never_imported(file, mapped, &measured);
        let code_lines = match (unmeasured, Language::detect(&file.path, None), &file.new_blob) {
            (true, Some(language), Some(blob)) => {
                code_lines(language, reader.read(blob)?, &file.added, limits)
            }
            _ => None,
        };
        changed.push((file, code_lines));
    }
    Ok(changed)
}

/// A file the change adds, in a directory (and of an extension) the report measured, that the
/// report does not know. Only an added file can have been never imported: a modified file the
/// report does not list was left out of the measurement, and is not measured here either.
fn never_imported(
    file: &ChangedFile,
    mapped: &BTreeMap<&str, FileCoverage>,
    measured: &BTreeMap<&str, BTreeSet<&str>>,
) -> bool {
    let (dir, name) = file.path.rsplit_once('/').unwrap_or(("", &file.path));
    file.status == Status::Added
        && !mapped.contains_key(file.path.as_str())
        && measured
            .get(dir)
            .is_some_and(|exts| exts.contains(extension(name)))
}

fn extension(name: &str) -> &str {
    name.rsplit_once('.').map_or("", |(_, e)| e)
}

/// The added lines of a file that hold code (a token that is not a comment).
fn code_lines(
    language: Language,
    content: Vec<u8>,
    added: &LineSet,
    limits: ParseLimits,
) -> Option<Vec<u32>> {
    let parsed = lang::parse(language, content, limits).ok()?;
    let tokens = crate::metrics::duplication::tokenize(&parsed, true);
    let lines: BTreeSet<u32> = tokens
        .lines
        .iter()
        .copied()
        .filter(|&l| added.contains(l))
        .collect();
    Some(lines.into_iter().collect())
}

pub(crate) fn patch_condition(patch: &Patch, min: f64) -> Condition {
    let branches = if patch.branches.1 > 0 {
        format!("; branches {} of {}", patch.branches.0, patch.branches.1)
    } else {
        String::new()
    };
    let (value, passed, detail) = match patch.percent() {
        Some(p) => (
            p,
            patch.reaches(min),
            format!(
                "{} of {} changed executable line(s) covered{branches}",
                patch.covered, patch.executable
            ),
        ),
        None => (
            100.0,
            true,
            "the change adds no line the coverage report counts as executable".to_string(),
        ),
    };
    Condition {
        project: None,
        over_new_lines: true,
        name: PATCH_COVERAGE.to_string(),
        unit: Unit::Percent,
        value,
        limit: min,
        passed,
        judged: true,
        detail,
    }
}

/// The project coverage delta condition (not judged without --base-coverage), and the
/// project coverage at base.
fn project_delta(
    settings: &Settings,
    reports: &CoverageRequest,
    project: Option<f64>,
) -> Result<(Option<Condition>, Option<f64>)> {
    let condition = |value: f64, passed, judged, detail: String| Condition {
        project: None,
        over_new_lines: false,
        name: PROJECT_COVERAGE_DELTA.to_string(),
        unit: Unit::Points,
        value,
        limit: -settings.coverage.max_drop,
        passed,
        judged,
        detail,
    };
    if reports.base.is_empty() {
        let not_judged = condition(0.0, true, false, "no --base-coverage report".to_string());
        return Ok((Some(not_judged), None));
    }
    let base_report = Report::read_all(&reports.base, reports.format)?;
    let (bc, bt) = patch::totals(&base_report);
    let base_project = (bt > 0).then(|| 100.0 * bc as f64 / bt as f64);
    let (Some(h), Some(b)) = (project, base_project) else {
        return Ok((None, base_project));
    };
    let d = h - b;
    let passed = d >= -settings.coverage.max_drop - 1e-9;
    Ok((
        Some(condition(
            d,
            passed,
            true,
            format!("{h:.2} % at head, {b:.2} % at base"),
        )),
        base_project,
    ))
}

/// Report files by the tracked file they name (several report paths for one file merge), and
/// the report paths that name none, with why.
fn map_report<'a>(
    report: Report,
    files: &RepoFiles<'a>,
    settings: &Settings,
) -> (BTreeMap<&'a str, FileCoverage>, Vec<(String, String)>) {
    let mut mapped: BTreeMap<&str, FileCoverage> = BTreeMap::new();
    let mut unmapped = Vec::new();
    for (path, coverage) in report.files {
        match files.map(&path, &settings.coverage.path_map) {
            Ok(file) => {
                mapped.entry(file).or_default().merge(coverage);
            }
            Err(Unmapped::NoFile) => unmapped.push((path, String::new())),
            Err(Unmapped::Ambiguous(a, b)) => unmapped.push((path, format!(" (could be {a} or {b})"))),
        }
    }
    (mapped, unmapped)
}

fn uncovered_findings(rule: &Rule, patch: &Patch) -> Vec<Finding> {
    let mut findings = Vec::new();
    for f in &patch.files {
        for &(start, end) in &f.uncovered {
            let lines = end - start + 1;
            let why = if f.unmeasured_module {
                "no test imports this file, although the tests measured its directory"
            } else {
                "no test ran them"
            };
            // Uncovered lines have no name of their own: the range identifies them.
            let key = start.to_string();
            let subject = Subject::Region {
                start_line: start,
                end_line: end,
                key: &key,
            };
            let related = vec![Related {
                path: f.path.clone(),
                start_line: start,
                end_line: end,
                start_column: None,
                message: format!("uncovered {}", crate::lines::describe_lines(start, end)),
                source_line: None,
            }];
            findings.push(
                Finding::new(rule, &f.path, subject, lines, None)
                    .with_message(format!(
                        "added {} {} not covered: {why}. {}",
                        crate::lines::describe_lines(start, end),
                        if start == end { "is" } else { "are" },
                        rule.advice
                    ))
                    .with_related(related),
            );
        }
    }
    findings
}
