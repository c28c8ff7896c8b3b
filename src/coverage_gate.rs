//! The coverage part of `debtgate check`: patch coverage of the change and the project delta,
//! from the coverage reports the tests produced, as findings and gate conditions.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use anyhow::{bail, Result};

use crate::config::{MissingReport, Settings};
use crate::coverage::patch::{self, ChangedLines, Patch};
use crate::coverage::paths::{RepoFiles, Unmapped};
use crate::coverage::{FileCoverage, Format, Report};
use crate::git::{ChangeSet, EntryKind, Repo, Status};
use crate::lang::{self, Language, ParseLimits};
use crate::rules::{Rule, Severity};
use crate::verdict::{Condition, CoverageSummary, Finding, Notice, Related, Subject, Unit};

/// What the user gave: reports of the tests at head, and at base.
#[derive(Clone, Debug, Default)]
pub struct CoverageRequest {
    pub head: Vec<PathBuf>,
    pub base: Vec<PathBuf>,
    pub format: Option<Format>,
}

#[derive(Default)]
pub struct CoverageOutcome {
    pub findings: Vec<Finding>,
    pub conditions: Vec<Condition>,
    pub notices: Vec<Notice>,
    pub summary: Option<CoverageSummary>,
}

pub fn evaluate(
    repo: &Repo,
    change: &ChangeSet,
    settings: &Settings,
    request: &CoverageRequest,
    rule: Option<&Rule>,
    limits: ParseLimits,
    moved: &HashMap<String, crate::lines::LineSet>,
) -> Result<CoverageOutcome> {
    let mut out = CoverageOutcome::default();
    if request.head.is_empty() {
        if !request.base.is_empty() {
            bail!("--base-coverage needs --coverage: the project delta compares the two");
        }
        if settings.coverage.gate_configured {
            let message = "the configuration sets a coverage gate ([gate] min-patch-coverage) but no --coverage report was given";
            match settings.coverage.missing_report {
                MissingReport::Error => bail!(
                    "{message}. Pass the report your tests wrote (--coverage coverage.xml), or set [coverage] missing-report = \"not-judged\"."
                ),
                MissingReport::NotJudged => {
                    out.conditions.push(Condition {
                        over_new_lines: true,
                        name: "patch coverage".to_string(),
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
                }
            }
        }
        return Ok(out);
    }

    let head_report = Report::read_all(&request.head, request.format)?;
    let tracked = repo.ls_tree(&change.head)?;
    let files = RepoFiles::new(tracked.iter().map(String::as_str));
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
    out.notices.push(Notice {
        path: None,
        level: Severity::Note,
        message: format!(
            "coverage: mapped {}/{report_files} report file(s) onto the repository{}",
            report_files - unmapped.len(),
            unmapped.first().map_or_else(String::new, |(p, why)| format!(
                "; not mapped: {p}{why} and {} more",
                unmapped.len() - 1
            ))
        ),
        blocking: false,
    });

    // The directories (and extensions) the report measured: a new file there that the report
    // does not know was never imported by the tests.
    let mut measured: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for path in mapped.keys() {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        measured
            .entry(dir)
            .or_default()
            .insert(name.rsplit_once('.').map_or("", |(_, e)| e));
    }
    let mut reader = repo.blob_reader()?;
    let mut changed = Vec::new();
    for file in &change.files {
        if file.status == Status::Deleted || file.new_kind != EntryKind::File || file.added.is_empty() {
            continue;
        }
        let mut code_lines = None;
        // Only a file the change adds can have been never imported: a modified file the report
        // does not list was left out of the measurement, and is not measured here either.
        if !mapped.contains_key(file.path.as_str()) && file.status == Status::Added {
            let (dir, name) = file.path.rsplit_once('/').unwrap_or(("", &file.path));
            let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
            let language = Language::detect(&file.path, None);
            if let (Some(language), Some(exts), Some(blob)) = (language, measured.get(dir), &file.new_blob) {
                if exts.contains(ext) {
                    let content = reader.read(blob)?;
                    if let Ok(parsed) = lang::parse(language, content, limits) {
                        let tokens = crate::metrics::duplication::tokenize(&parsed, true);
                        let lines: BTreeSet<u32> = tokens
                            .lines
                            .iter()
                            .copied()
                            .filter(|&l| file.added.contains(l))
                            .collect();
                        code_lines = Some(lines.into_iter().collect());
                    }
                }
            }
        }
        changed.push((file, code_lines));
    }
    drop(reader);
    // Code the change moved from elsewhere is not new code to cover.
    let added: Vec<crate::lines::LineSet> = changed
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
    let percent = patch.percent();
    let min = settings.coverage.min_patch;
    out.conditions.push(match percent {
        Some(p) => Condition {
            over_new_lines: true,
            name: "patch coverage".to_string(),
            unit: Unit::Percent,
            value: p,
            limit: min,
            passed: patch.reaches(min),
            judged: true,
            detail: format!(
                "{} of {} changed executable line(s) covered{}",
                patch.covered,
                patch.executable,
                if patch.branches.1 > 0 {
                    format!("; branches {} of {}", patch.branches.0, patch.branches.1)
                } else {
                    String::new()
                }
            ),
        },
        None => Condition {
            over_new_lines: true,
            name: "patch coverage".to_string(),
            unit: Unit::Percent,
            value: 100.0,
            limit: min,
            passed: true,
            judged: true,
            detail: "the change adds no line the coverage report counts as executable".to_string(),
        },
    });

    let project = (total > 0).then(|| 100.0 * covered as f64 / total as f64);
    let mut base_project = None;
    let mut delta = None;
    if request.base.is_empty() {
        out.conditions.push(Condition {
            over_new_lines: false,
            name: "project coverage delta".to_string(),
            unit: Unit::Points,
            value: 0.0,
            limit: -settings.coverage.max_drop,
            passed: true,
            judged: false,
            detail: "no --base-coverage report".to_string(),
        });
    } else {
        let base_report = Report::read_all(&request.base, request.format)?;
        let (bc, bt) = patch::totals(&base_report);
        base_project = (bt > 0).then(|| 100.0 * bc as f64 / bt as f64);
        if let (Some(h), Some(b)) = (project, base_project) {
            let d = h - b;
            delta = Some(d);
            out.conditions.push(Condition {
                over_new_lines: false,
                name: "project coverage delta".to_string(),
                unit: Unit::Points,
                value: d,
                limit: -settings.coverage.max_drop,
                passed: d >= -settings.coverage.max_drop - 1e-9,
                judged: true,
                detail: format!("{h:.2} % at head, {b:.2} % at base"),
            });
        }
    }
    out.summary = Some(CoverageSummary {
        reports: sources
            .iter()
            .map(|(p, f)| format!("{p} ({})", f.name()))
            .collect(),
        report_files,
        mapped_files: report_files - unmapped.len(),
        patch_percent: percent,
        patch,
        project_percent: project,
        base_project_percent: base_project,
        delta_points: delta,
    });
    Ok(out)
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
                message: format!("uncovered lines {start}-{end}"),
            }];
            findings.push(
                Finding::new(rule, &f.path, subject, lines, None)
                    .with_message(format!(
                        "added line(s) {start}-{end} are not covered: {why}. {}",
                        rule.advice
                    ))
                    .with_related(related),
            );
        }
    }
    findings
}
