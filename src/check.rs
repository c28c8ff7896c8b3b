//! `debtgate check`: resolve the change, measure base and head, judge, and say so.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context, Result};
use rayon::prelude::*;

use crate::clones;
use crate::config::{Settings, CONFIG_FILE_NAMES};
use crate::coverage_gate;
use crate::git::{ChangeSet, ChangedFile, EntryKind, Repo, Status};
use crate::lang::{self, Language, ParseLimits, ParseProblem};
use crate::metrics::complexity::{self, FunctionMetrics};
use crate::metrics::duplication::CloneSettings;
use crate::rules::{self, Metric, Rule, Scope, Severity};
use crate::verdict::{fingerprint, Change, Condition, Finding, Notice, Outcome, Related, Summary, Verdict};

/// Where the configuration is read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ConfigFrom {
    /// The base commit: a change cannot weaken the gate that judges it.
    Base,
    /// The head commit.
    Head,
}

/// The environment a check runs in, read once by the command line layer.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    pub github_event_name: Option<String>,
    pub github_event_path: Option<PathBuf>,
    /// The pre-commit framework's pre-push range (`PRE_COMMIT_FROM_REF`, `PRE_COMMIT_TO_REF`).
    pub pre_commit_range: Option<(String, String)>,
}

impl Environment {
    pub fn from_process() -> Environment {
        Environment {
            github_event_name: std::env::var("GITHUB_EVENT_NAME").ok().filter(|s| !s.is_empty()),
            github_event_path: std::env::var_os("GITHUB_EVENT_PATH")
                .map(PathBuf::from)
                .filter(|p| !p.as_os_str().is_empty()),
            pre_commit_range: match (
                std::env::var("PRE_COMMIT_FROM_REF"),
                std::env::var("PRE_COMMIT_TO_REF"),
            ) {
                (Ok(from), Ok(to)) if !from.is_empty() && !to.is_empty() => Some((from, to)),
                _ => None,
            },
        }
    }
}

/// What the user asked for.
#[derive(Clone, Debug)]
pub struct CheckRequest {
    pub repo_dir: PathBuf,
    pub base: Option<String>,
    pub head: Option<String>,
    pub config: Option<PathBuf>,
    pub config_from: ConfigFrom,
    pub limits: ParseLimits,
    pub cache: Cache,
    pub coverage: coverage_gate::CoverageRequest,
}

/// Where the duplication check keeps its token cache.
#[derive(Clone, Debug)]
pub enum Cache {
    /// `debtgate/` in the repository's git directory.
    Default,
    Dir(PathBuf),
    Off,
}

pub fn run(request: &CheckRequest, env: &Environment) -> Result<(Verdict, Settings)> {
    let repo = Repo::discover(&request.repo_dir)?;
    let change = resolve_change(&repo, request, env)?;
    let mut notices = Vec::new();
    let settings = load_settings(&repo, request, &change, &mut notices)?;
    let measured = measure_change(&repo, &change, request.limits, &mut notices)?;
    let duplication = match rules::find(&settings.rules, DUPLICATED_BLOCK) {
        Ok(rule) if rule.enabled => Some(find_duplication(&repo, request, &change, &settings, rule)?),
        _ => None,
    };
    let coverage_rule = rules::find(&settings.rules, coverage_gate::UNCOVERED_LINES)
        .ok()
        .filter(|r| r.enabled);
    let coverage = coverage_gate::evaluate(
        &repo,
        &change,
        &settings,
        &request.coverage,
        coverage_rule,
        request.limits,
    )?;
    let verdict = judge(
        &change,
        &settings,
        &measured,
        duplication.as_ref(),
        coverage,
        notices,
    );
    Ok((verdict, settings))
}

const DUPLICATED_BLOCK: &str = "duplicated-block";
const FILE_COMPLEXITY: &str = "file-complexity";
const INVALID_SUPPRESSION: &str = "invalid-suppression";

/// The remediation minutes a function's version at head (`None`: deleted) saves on `rule`
/// against its version at base.
fn debt_reduction(rule: &Rule, before: &FunctionMetrics, after: Option<&FunctionMetrics>) -> u32 {
    let Some(was) = rule.metric.of(before) else {
        return 0;
    };
    let now = after.and_then(|a| rule.metric.of(a)).unwrap_or(0);
    let cost = |v: u32| rule.remediation.minutes(v, rule.threshold);
    cost(was).saturating_sub(cost(now))
}

/// The file-complexity finding of a changed file, when it is new or worse and over the limit.
fn file_complexity_finding(rule: &Rule, file: &MeasuredFile) -> Option<Finding> {
    let total = |fs: &[FunctionMetrics]| fs.iter().map(|f| f.cyclomatic).sum::<u32>();
    let value = total(&file.head);
    let base_value = file.base.as_deref().map(total);
    let change = match base_value {
        None => Change::New,
        Some(b) if value > b => Change::Worsened,
        Some(_) => return None,
    };
    if value <= rule.threshold || (rule.scope == Scope::New && change != Change::New) {
        return None;
    }
    let path = &file.file.path;
    let end = file.head.iter().map(|f| f.end_line).max().unwrap_or(1);
    let line = file.file.added.first_in(1, u32::MAX).unwrap_or(1);
    let was = base_value.map_or_else(|| " (new file)".to_string(), |b| format!(" (was {b})"));
    Some(Finding {
        rule_id: rule.id.clone(),
        severity: rule.severity,
        path: path.clone(),
        line,
        column: 1,
        function: String::new(),
        function_line: 1,
        function_end_line: end,
        metric: Metric::FileCyclomatic,
        value,
        base_value,
        threshold: rule.threshold,
        change,
        message: format!(
            "the file's functions add up to cyclomatic complexity {value}{was}, over the limit of {}. {}",
            rule.threshold, rule.advice
        ),
        debt_minutes: rule.remediation.minutes(value, rule.threshold),
        fingerprint: fingerprint(&["debtgate/v1", &rule.id, path]),
        related: vec![Related {
            path: path.clone(),
            start_line: 1,
            end_line: end,
            message: format!("{} function(s)", file.head.len()),
        }],
        suppressed: None,
        source_line: None,
    })
}

/// Suppressions the change adds without a reason, or naming no rule.
fn invalid_suppressions(rules: &[Rule], file: &MeasuredFile) -> Vec<Finding> {
    let Some(rule) = rules.iter().find(|r| r.id == INVALID_SUPPRESSION && r.enabled) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for s in &file.suppressions {
        if !file.file.added.contains(s.line) {
            continue;
        }
        let unknown: Vec<&str> = s
            .rules
            .iter()
            .filter(|id| !rules.iter().any(|r| &r.id == *id))
            .map(String::as_str)
            .collect();
        let problem = if s.rules.is_empty() {
            "names no rule".to_string()
        } else if !unknown.is_empty() {
            format!("names no rule debtgate has ({})", unknown.join(", "))
        } else if s.reason.is_none() {
            "gives no reason".to_string()
        } else {
            continue;
        };
        out.push(Finding {
            rule_id: rule.id.clone(),
            severity: rule.severity,
            path: file.file.path.clone(),
            line: s.line,
            column: 1,
            function: String::new(),
            function_line: s.line,
            function_end_line: s.line,
            metric: Metric::Suppressions,
            value: 1,
            base_value: None,
            threshold: rule.threshold,
            change: Change::New,
            message: format!(
                "this suppression {problem}, so it suppresses nothing. {}",
                rule.advice
            ),
            debt_minutes: rule.remediation.minutes(1, 0),
            fingerprint: fingerprint(&["debtgate/v1", &rule.id, &file.file.path, &s.line.to_string()]),
            related: Vec::new(),
            suppressed: None,
            source_line: None,
        });
    }
    out
}

/// Gives each finding in a measured file the text of its line, for the terminal's code frame.
fn attach_source_lines(findings: &mut [Finding], measured: &[MeasuredFile]) {
    let by_path: HashMap<&str, &[u8]> = measured
        .iter()
        .map(|m| (m.file.path.as_str(), &m.head_source[..]))
        .collect();
    for f in findings.iter_mut() {
        let Some(source) = by_path.get(f.path.as_str()) else {
            continue;
        };
        let line = source
            .split(|&b| b == b'\n')
            .nth(f.line.saturating_sub(1) as usize);
        f.source_line =
            line.map(|l| String::from_utf8_lossy(l.strip_suffix(b"\r").unwrap_or(l)).into_owned());
    }
}

/// Marks the findings an inline suppression with a reason accepts.
fn apply_suppressions(findings: &mut [Finding], measured: &[MeasuredFile]) {
    let by_path: HashMap<&str, &[crate::suppress::Suppression]> = measured
        .iter()
        .map(|m| (m.file.path.as_str(), m.suppressions.as_slice()))
        .collect();
    for f in findings.iter_mut() {
        if f.rule_id == INVALID_SUPPRESSION {
            continue;
        }
        let Some(suppressions) = by_path.get(f.path.as_str()) else {
            continue;
        };
        let lines = [
            f.line,
            f.line.saturating_sub(1),
            f.function_line,
            f.function_line.saturating_sub(1),
        ];
        f.suppressed = suppressions
            .iter()
            .find(|s| lines.contains(&s.line) && s.rules.contains(&f.rule_id) && s.reason.is_some())
            .and_then(|s| s.reason.clone());
    }
}

fn find_duplication(
    repo: &Repo,
    request: &CheckRequest,
    change: &ChangeSet,
    settings: &Settings,
    rule: &Rule,
) -> Result<clones::Duplication> {
    let dir = match &request.cache {
        Cache::Off => None,
        Cache::Dir(dir) => Some(dir.clone()),
        Cache::Default => Some(repo.git_common_dir()?.join("debtgate")),
    };
    if rule.threshold < 10 {
        bail!(
            "[rules.{DUPLICATED_BLOCK}] threshold = {}: a duplicated block is at least 10 tokens (every short run of code repeats somewhere)",
            rule.threshold
        );
    }
    let excludes = clones::exclusions(&settings.duplication.exclude)?;
    let clone_settings = CloneSettings {
        min_tokens: rule.threshold as usize,
        min_lines: settings.duplication.min_lines,
        normalize: settings.duplication.normalize,
    };
    clones::find(
        repo,
        change,
        clone_settings,
        &excludes,
        &clones::CacheConfig { dir },
        request.limits,
    )
}

/// A finding for each copy the change adds.
fn duplication_findings(rule: &Rule, duplication: &clones::Duplication) -> Vec<Finding> {
    duplication
        .clones
        .iter()
        .map(|d| {
            let (first, rest) = (&d.originals[0], d.originals.len() - 1);
            let more = if rest > 0 {
                format!(" and {rest} more place(s)")
            } else {
                String::new()
            };
            let lines = d.end_line + 1 - d.start_line;
            Finding {
                rule_id: rule.id.clone(),
                severity: rule.severity,
                path: d.path.clone(),
                line: d.first_added_line,
                column: 1,
                function: String::new(),
                function_line: d.start_line,
                function_end_line: d.end_line,
                metric: Metric::DuplicatedTokens,
                value: u32::try_from(d.tokens).unwrap_or(u32::MAX),
                base_value: None,
                threshold: rule.threshold,
                change: Change::New,
                message: format!(
                    "lines {}-{} ({lines} lines, {} tokens) duplicate {}:{}-{}{more}. {}",
                    d.start_line, d.end_line, d.tokens, first.0, first.1, first.2, rule.advice
                ),
                debt_minutes: rule.remediation.minutes(
                    u32::try_from(d.tokens).unwrap_or(u32::MAX),
                    rule.threshold.saturating_sub(1),
                ),
                fingerprint: fingerprint(&[
                    "debtgate/v1",
                    &rule.id,
                    &d.path,
                    &format!("{:016x}", d.content_hash),
                ]),
                related: d
                    .originals
                    .iter()
                    .map(|(path, start, end)| Related {
                        path: path.clone(),
                        start_line: *start,
                        end_line: *end,
                        message: format!("the code copied: {path}:{start}-{end}"),
                    })
                    .collect(),
                suppressed: None,
                source_line: None,
            }
        })
        .collect()
}

/// Resolves base and head to commits and reads the files between them.
fn resolve_change(repo: &Repo, request: &CheckRequest, env: &Environment) -> Result<ChangeSet> {
    let pre_commit = env
        .pre_commit_range
        .as_ref()
        .filter(|_| request.base.is_none() && request.head.is_none());
    let head_spec = request
        .head
        .clone()
        .or_else(|| pre_commit.map(|(_, to)| to.clone()))
        .unwrap_or_else(|| "HEAD".to_string());
    let head = repo.resolve_commit(&head_spec).ok_or_else(|| {
        anyhow!(
            "--head `{head_spec}` does not name a commit in {}",
            repo.root().display()
        )
    })?;
    let (base_spec, base_source) = match (&request.base, pre_commit) {
        (Some(b), _) => (b.clone(), "--base".to_string()),
        (None, Some((from, _))) => (from.clone(), "pre-commit's PRE_COMMIT_FROM_REF".to_string()),
        (None, None) => default_base(repo, env)?,
    };
    let base_commit = repo
        .resolve_commit(&base_spec)
        .ok_or_else(|| missing_base(repo, &base_spec, &base_source))?;
    let base = repo.merge_base(&base_commit, &head).ok_or_else(|| {
        if repo.is_shallow() {
            anyhow!(
                "this is a shallow clone and the history between base {} and head {} is cut, so their merge-base is unknown.\n\
                 Fetch more history (`git fetch --deepen=200`, or `fetch-depth: 0` in actions/checkout) and run again.",
                short(&base_commit), short(&head)
            )
        } else {
            anyhow!("base {} and head {} share no history (no merge-base); pass a --base on the same history", short(&base_commit), short(&head))
        }
    })?;
    if base == head {
        bail!(
            "nothing to judge: the base ({base_spec}, from {base_source}) resolves to head {} itself, so the change is empty.\n\
             Pass --base with the commit or branch the change starts from (for example --base origin/main).",
            short(&head)
        );
    }
    let files = repo.diff(&base, &head)?;
    Ok(ChangeSet {
        base_spec,
        base_source,
        base,
        head,
        files,
    })
}

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

fn missing_base(repo: &Repo, spec: &str, source: &str) -> anyhow::Error {
    if repo.is_shallow() {
        anyhow!(
            "base `{spec}` (from {source}) is not in this shallow clone.\n\
             Fetch it with `git fetch --no-tags --depth=200 origin {spec}`, or use `fetch-depth: 0` in actions/checkout, and run again."
        )
    } else {
        anyhow!("base `{spec}` (from {source}) does not name a commit in this repository; fetch it or pass --base with an existing revision")
    }
}

/// The base when the user gives none: the GitHub event's, else the default branch.
fn default_base(repo: &Repo, env: &Environment) -> Result<(String, String)> {
    if let (Some(name), Some(path)) = (&env.github_event_name, &env.github_event_path) {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!(
                "cannot read the GitHub event payload {} (GITHUB_EVENT_PATH)",
                path.display()
            )
        })?;
        let event: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("the GitHub event payload {} is not JSON", path.display()))?;
        if name.starts_with("pull_request") {
            let sha = event
                .pointer("/pull_request/base/sha")
                .and_then(|v| v.as_str())
                .ok_or_else(|| {
                    anyhow!(
                        "the {name} event payload {} has no pull_request.base.sha",
                        path.display()
                    )
                })?;
            return Ok((sha.to_string(), format!("the {name} event's base")));
        }
        if name == "push" {
            if let Some(before) = event.get("before").and_then(|v| v.as_str()) {
                if !before.bytes().all(|b| b == b'0') {
                    return Ok((before.to_string(), "the push event's `before`".to_string()));
                }
            }
        }
    }
    if let Ok(out) = repo.git(&["symbolic-ref", "-q", "refs/remotes/origin/HEAD"]) {
        let target = String::from_utf8_lossy(&out).trim().to_string();
        if let Some(branch) = target.strip_prefix("refs/remotes/") {
            return Ok((branch.to_string(), "origin's default branch".to_string()));
        }
    }
    for candidate in ["origin/main", "origin/master", "main", "master"] {
        if repo.resolve_commit(candidate).is_some() {
            return Ok((candidate.to_string(), "the default branch".to_string()));
        }
    }
    bail!("no base given and none found (no GitHub event, no origin/HEAD, main or master); pass --base REV")
}

fn load_settings(
    repo: &Repo,
    request: &CheckRequest,
    change: &ChangeSet,
    notices: &mut Vec<Notice>,
) -> Result<Settings> {
    if let Some(path) = &request.config {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
        let origin = path.display().to_string();
        if path.file_name().is_some_and(|n| n == "pyproject.toml") {
            return Settings::from_pyproject(&text, &origin)?
                .with_context(|| format!("{origin} has no [tool.debtgate] table"));
        }
        return Settings::from_toml(&text, &origin);
    }
    let (rev, label) = match request.config_from {
        ConfigFrom::Base => (&change.base, "base"),
        ConfigFrom::Head => (&change.head, "head"),
    };
    let mut reader = repo.blob_reader()?;
    let has_debtgate_table = |reader: &mut crate::git::BlobReader, rev: &str| -> bool {
        repo.blob_id(rev, "pyproject.toml")
            .and_then(|b| reader.read(&b).ok())
            .is_some_and(|t| String::from_utf8_lossy(&t).contains("[tool.debtgate"))
    };
    for name in CONFIG_FILE_NAMES {
        let edited = change
            .files
            .iter()
            .any(|f| f.path == *name || f.old_path.as_deref() == Some(name));
        let relevant = *name != "pyproject.toml"
            || has_debtgate_table(&mut reader, &change.base)
            || has_debtgate_table(&mut reader, &change.head);
        if edited && relevant {
            notices.push(Notice {
                path: Some((*name).to_string()),
                level: Severity::Warning,
                message: format!(
                    "this change edits {name}; it was judged with the configuration at {label}. The new configuration applies once merged (or pass --config-from head)."
                ),
                blocking: false,
            });
        }
    }
    for name in CONFIG_FILE_NAMES {
        let Some(blob) = repo.blob_id(rev, name) else {
            continue;
        };
        let bytes = reader.read(&blob)?;
        let text =
            String::from_utf8(bytes).map_err(|_| anyhow!("{name} at {label} {} is not UTF-8", short(rev)))?;
        let origin = format!("{name} (at {label} {})", short(rev));
        if *name == "pyproject.toml" {
            match Settings::from_pyproject(&text, &origin)? {
                Some(settings) => return Ok(settings),
                None => continue,
            }
        }
        return Settings::from_toml(&text, &origin);
    }
    Settings::defaults()
}

/// A changed file's functions at base and head.
pub struct MeasuredFile {
    pub file: ChangedFile,
    pub language: Language,
    pub head: Vec<FunctionMetrics>,
    /// `None` where the file is new at head.
    pub base: Option<Vec<FunctionMetrics>>,
    /// The inline suppressions at head.
    pub suppressions: Vec<crate::suppress::Suppression>,
    /// The file at head, for code frames.
    pub head_source: std::sync::Arc<[u8]>,
}

struct Job {
    file: ChangedFile,
    language: Language,
    head: Vec<u8>,
    base: Option<Vec<u8>>,
}

fn measure_change(
    repo: &Repo,
    change: &ChangeSet,
    limits: ParseLimits,
    notices: &mut Vec<Notice>,
) -> Result<Vec<MeasuredFile>> {
    let mut reader = repo.blob_reader()?;
    let mut jobs = Vec::new();
    for file in &change.files {
        if file.status == Status::Deleted || file.new_kind == EntryKind::Missing {
            continue;
        }
        let note = |message: String| Notice {
            path: Some(file.path.clone()),
            level: Severity::Note,
            message,
            blocking: false,
        };
        match file.new_kind {
            EntryKind::Symlink => {
                if Language::detect(&file.path, None).is_some() {
                    notices.push(note("symbolic link: not followed, not analysed".to_string()));
                }
                continue;
            }
            EntryKind::Submodule => {
                notices.push(note("submodule: its own repository is not analysed".to_string()));
                continue;
            }
            _ => {}
        }
        let Some(blob) = &file.new_blob else { continue };
        let has_extension = file.path.rsplit('/').next().is_some_and(|n| n.contains('.'));
        let content = if has_extension {
            if Language::detect(&file.path, None).is_none() {
                continue;
            }
            None
        } else {
            Some(reader.read(blob)?)
        };
        let Some(language) = Language::detect(&file.path, content.as_deref()) else {
            continue;
        };
        if file.binary {
            notices.push(note("binary content: skipped".to_string()));
            continue;
        }
        let head = match content {
            Some(c) => c,
            None => reader
                .read(blob)
                .with_context(|| format!("cannot read {} at head", file.path))?,
        };
        let base = match (&file.old_blob, file.base_path(), file.old_kind) {
            (Some(id), Some(path), EntryKind::File)
                if Language::detect(path, None).is_none_or(|l| l == language) =>
            {
                Some(
                    reader
                        .read(id)
                        .with_context(|| format!("cannot read {path} at base"))?,
                )
            }
            _ => None,
        };
        jobs.push(Job {
            file: file.clone(),
            language,
            head,
            base,
        });
    }
    drop(reader);

    let results: Vec<(Option<MeasuredFile>, Vec<Notice>)> =
        jobs.into_par_iter().map(|job| measure_job(job, limits)).collect();
    let mut measured = Vec::with_capacity(results.len());
    for (file, mut file_notices) in results {
        notices.append(&mut file_notices);
        measured.extend(file);
    }
    Ok(measured)
}

/// Parses and measures one file at head and base. No file when the head could not be
/// measured (its notice says why).
fn measure_job(job: Job, limits: ParseLimits) -> (Option<MeasuredFile>, Vec<Notice>) {
    let Job {
        file,
        language,
        head,
        base,
    } = job;
    let mut notices = Vec::new();
    let suppressions = crate::suppress::scan(&head);
    let head_source: std::sync::Arc<[u8]> = head.as_slice().into();
    let head = match lang::parse(language, head, limits) {
        Ok(parsed) => {
            if let Some(notice) = syntax_error_notice(&parsed, &file) {
                notices.push(notice);
            }
            complexity::measure(&parsed)
        }
        Err(problem) => {
            let blocking = !matches!(problem, ParseProblem::Binary);
            notices.push(Notice {
                path: Some(file.path.clone()),
                level: if blocking { Severity::Error } else { Severity::Note },
                message: if blocking {
                    format!(
                        "not analysed at head: {problem} ({})",
                        language.spec().grammar_version
                    )
                } else {
                    format!("{problem}: skipped")
                },
                blocking,
            });
            return (None, notices);
        }
    };
    let base = base.map(|bytes| match lang::parse(language, bytes, limits) {
        Ok(parsed) => complexity::measure(&parsed),
        Err(problem) => {
            notices.push(Notice {
                path: file.base_path().map(str::to_string),
                level: Severity::Warning,
                message: format!("not analysed at base: {problem}; its functions are judged as new"),
                blocking: false,
            });
            Vec::new()
        }
    });
    (
        Some(MeasuredFile {
            file,
            language,
            head,
            base,
            suppressions,
            head_source,
        }),
        notices,
    )
}

/// Says where a head file does not parse. An error on a line the change added blocks the
/// verdict (those lines cannot be measured); one elsewhere only leaves out the functions that
/// contain it, which the change did not touch.
fn syntax_error_notice(parsed: &lang::ParsedFile, file: &ChangedFile) -> Option<Notice> {
    let first = parsed.syntax_errors.first()?;
    let grammar = parsed.language.spec().grammar_version;
    let in_change = parsed
        .syntax_errors
        .iter()
        .find(|e| file.added.first_in(e.line, e.end_line).is_some());
    Some(match in_change {
        Some(e) => Notice {
            path: Some(file.path.clone()),
            level: Severity::Error,
            message: format!(
                "not analysed: syntax error at line {}, column {}, on lines this change adds ({grammar}). Fix the syntax, or exclude the file if the grammar does not support it.",
                e.line, e.column
            ),
            blocking: true,
        },
        None => Notice {
            path: Some(file.path.clone()),
            level: Severity::Note,
            message: format!(
                "syntax error at line {}, column {} ({grammar}), outside the lines this change adds: functions containing it were not measured",
                first.line, first.column
            ),
            blocking: false,
        },
    })
}

/// The finding `rule` makes of function `f` (with `before`, its version at base), if the
/// function is over the limit and in the rule's scope.
fn finding_for(
    rule: &Rule,
    f: &FunctionMetrics,
    before: Option<&FunctionMetrics>,
    file: &ChangedFile,
) -> Option<Finding> {
    let value = rule.metric.of(f).filter(|&v| v > rule.threshold)?;
    let base_value = before.and_then(|b| rule.metric.of(b));
    let change = match base_value {
        None => Change::New,
        Some(b) if value > b => Change::Worsened,
        Some(b) if value < b => Change::Improved,
        Some(_) => Change::Unchanged,
    };
    let in_scope = match rule.scope {
        Scope::New => change == Change::New,
        Scope::NewOrWorsened => matches!(change, Change::New | Change::Worsened),
        Scope::All => true,
    };
    if !in_scope {
        return None;
    }
    // Show the finding on a line the change added, so review tools display it in the diff.
    let line = file
        .added
        .first_in(f.start_line, f.end_line)
        .unwrap_or(f.start_line);
    let was = base_value.map_or_else(|| " (new function)".to_string(), |b| format!(" (was {b})"));
    let cost = |v: u32| rule.remediation.minutes(v, rule.threshold);
    Some(Finding {
        rule_id: rule.id.clone(),
        severity: rule.severity,
        path: file.path.clone(),
        line,
        column: if line == f.start_line { f.start_column } else { 1 },
        function: f.qualified_name.clone(),
        function_line: f.start_line,
        function_end_line: f.end_line,
        metric: rule.metric,
        value,
        base_value,
        threshold: rule.threshold,
        change,
        message: format!(
            "`{}` has {} {value}{was}, over the limit of {}. {}",
            f.qualified_name,
            rule.metric.label(),
            rule.threshold,
            rule.advice
        ),
        debt_minutes: cost(value).saturating_sub(base_value.map_or(0, cost)),
        fingerprint: fingerprint(&["debtgate/v1", &rule.id, &file.path, &f.qualified_name]),
        related: vec![Related {
            path: file.path.clone(),
            start_line: f.start_line,
            end_line: f.end_line,
            message: format!(
                "`{}` spans lines {}-{}",
                f.qualified_name, f.start_line, f.end_line
            ),
        }],
        suppressed: None,
        source_line: None,
    })
}

/// Holds the measurements against the rules.
fn judge(
    change: &ChangeSet,
    settings: &Settings,
    measured: &[MeasuredFile],
    duplication: Option<&clones::Duplication>,
    coverage: coverage_gate::CoverageOutcome,
    mut notices: Vec<Notice>,
) -> Verdict {
    let mut findings = coverage.findings;
    let mut conditions = Vec::new();
    notices.extend(coverage.notices);
    if let (Some(d), Ok(rule)) = (duplication, rules::find(&settings.rules, DUPLICATED_BLOCK)) {
        findings.extend(duplication_findings(rule, d));
        let density = d.density();
        conditions.push(Condition {
            name: "duplicated lines in new code".to_string(),
            value: density,
            limit: settings.max_duplicated_lines_percent,
            passed: density <= settings.max_duplicated_lines_percent,
            judged: true,
            detail: format!(
                "{} of {} added line(s) in copies; {} file(s) indexed{}",
                d.duplicated_added_lines,
                d.added_lines,
                d.files_indexed,
                if d.skipped_common_windows > 0 {
                    format!(
                        "; {} repetitive window(s) too common to compare",
                        d.skipped_common_windows
                    )
                } else {
                    String::new()
                }
            ),
        });
    }
    let mut functions = 0;
    let mut debt_removed = 0u32;
    for file in measured {
        if settings.is_excluded(&file.file.path) {
            continue;
        }
        functions += file.head.len();
        let rules = settings.rules_for(&file.file.path);
        let base: HashMap<&str, &FunctionMetrics> = file
            .base
            .iter()
            .flatten()
            .map(|f| (f.qualified_name.as_str(), f))
            .collect();
        for f in &file.head {
            let before = base.get(f.qualified_name.as_str()).copied();
            let enabled = rules.iter().filter(|r| r.enabled);
            findings.extend(enabled.filter_map(|rule| finding_for(rule, f, before, &file.file)));
            if let Some(before) = before {
                debt_removed += rules
                    .iter()
                    .filter(|r| r.enabled)
                    .map(|r| debt_reduction(r, before, Some(f)))
                    .sum::<u32>();
            }
        }
        // Functions the change deletes take their debt with them.
        let kept: std::collections::HashSet<&str> =
            file.head.iter().map(|f| f.qualified_name.as_str()).collect();
        for (name, before) in &base {
            if !kept.contains(name) {
                debt_removed += rules
                    .iter()
                    .filter(|r| r.enabled)
                    .map(|r| debt_reduction(r, before, None))
                    .sum::<u32>();
            }
        }
        if let Some(rule) = rules.iter().find(|r| r.id == FILE_COMPLEXITY && r.enabled) {
            findings.extend(file_complexity_finding(rule, file));
        }
        findings.extend(invalid_suppressions(&rules, file));
    }
    apply_suppressions(&mut findings, measured);
    attach_source_lines(&mut findings, measured);
    findings.retain(|f| !settings.is_excluded(&f.path));
    findings.sort_by(|a, b| {
        (&a.path, a.line, a.column, &a.rule_id, &a.function).cmp(&(
            &b.path,
            b.line,
            b.column,
            &b.rule_id,
            &b.function,
        ))
    });
    notices.sort();
    notices.dedup();
    let count = |s: Severity| {
        findings
            .iter()
            .filter(|f| f.severity == s && f.suppressed.is_none())
            .count()
    };
    let debt_added: u32 = findings.iter().map(|f| f.debt_minutes).sum();
    let summary = Summary {
        files_changed: change.files.len(),
        files_analyzed: measured.len(),
        functions_analyzed: functions,
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        notes: count(Severity::Note),
        suppressed: findings.iter().filter(|f| f.suppressed.is_some()).count(),
        debt_minutes: debt_added,
        debt_removed_minutes: debt_removed,
        debt_net_minutes: i64::from(debt_added) - i64::from(debt_removed),
    };
    conditions.extend(coverage.conditions);
    if let Some(limit) = settings.max_debt_minutes {
        let unsuppressed: u32 = findings
            .iter()
            .filter(|f| f.suppressed.is_none())
            .map(|f| f.debt_minutes)
            .sum();
        conditions.push(Condition {
            name: "debt added (minutes)".to_string(),
            value: f64::from(unsuppressed),
            limit: f64::from(limit),
            passed: unsuppressed <= limit,
            judged: true,
            detail: format!("{unsuppressed} min added, {debt_removed} min removed"),
        });
    }
    let outcome = if notices.iter().any(|n| n.blocking) {
        Outcome::NotJudged
    } else if findings
        .iter()
        .any(|f| f.severity >= settings.fail_on && f.suppressed.is_none())
        || conditions.iter().any(|c| !c.passed)
    {
        Outcome::Failed
    } else {
        Outcome::Passed
    };
    Verdict {
        outcome,
        base: change.base.clone(),
        base_spec: change.base_spec.clone(),
        base_source: change.base_source.clone(),
        head: change.head.clone(),
        config_source: settings.source.clone(),
        fail_on: settings.fail_on,
        summary,
        findings,
        notices,
        conditions,
        coverage: coverage.summary,
    }
}
