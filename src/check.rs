//! `debtgate check`: resolve the change, measure base and head, judge, and say so.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context, Result};
use rayon::prelude::*;

use crate::classify;
use crate::clones;
use crate::config::{Policy, Settings, CONFIG_FILE_NAMES};
use crate::coverage_gate;
use crate::git::{ChangeSet, ChangedFile, EntryKind, Repo, Status};
use crate::identity::{self, Identity};
use crate::lang::{self, Language, ParseLimits, ParseProblem};
use crate::lines::LineSet;
use crate::metrics::complexity::{self, FunctionMetrics};
use crate::metrics::duplication::CloneSettings;
use crate::rules::{self, Metric, Rule, Scope, Severity};
use crate::verdict::{
    fingerprint, Change, Condition, Finding, Notice, Outcome, Related, Summary, Unit, Verdict,
};

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
    let measured = measure_change(&repo, &change, &settings, request.limits, &mut notices)?;
    let identity = identify(&measured);
    let moved = moved_lines(&identity, &measured);
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
        &moved,
    )?;
    let duplication = find_duplication(&repo, request, &change, &settings, &measured)?;
    let verdict = judge(
        &change,
        &settings,
        &measured,
        &identity,
        &moved,
        duplication.as_ref(),
        coverage,
        notices,
    );
    Ok((verdict, settings))
}

/// Matches every head function to its base version across the change.
fn identify(measured: &[MeasuredFile]) -> Identity {
    let sides: Vec<identity::Sides<'_>> = measured
        .iter()
        .map(|m| identity::Sides {
            path: &m.file.path,
            base_path: m.file.base_path(),
            head: &m.head,
            head_bodies: &m.head_bodies,
            base: m.base.as_deref().unwrap_or(&[]),
            base_bodies: &m.base_bodies,
        })
        .collect();
    identity::match_functions(&sides)
}

/// The added lines of functions the change moved, unchanged, from another file: not new code.
fn moved_lines(identity: &Identity, measured: &[MeasuredFile]) -> HashMap<String, LineSet> {
    let mut out: HashMap<String, LineSet> = HashMap::new();
    for m in &identity.moves {
        if m.exact && m.from_path != m.path {
            out.entry(m.path.clone())
                .or_default()
                .insert_range(m.start_line, m.end_line);
        }
    }
    for file in measured {
        if let Some(lines) = out.get_mut(&file.file.path) {
            *lines = file.file.added.intersection(lines);
        }
    }
    out
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

/// The severity of a finding over a limit, and a note on old excess: a function or file
/// already over the limit at base that the change worsens by at most `large` (a share of the
/// limit) is reported as a note, which does not fail the gate. Crossing the limit, or a large
/// worsening, keeps the rule's severity.
fn weigh(rule: &Rule, value: u32, base: Option<u32>, large: f64) -> (Severity, String) {
    match base {
        Some(b) if b > rule.threshold && value > b && large > 0.0 => {
            let step = value - b;
            let allowed = f64::from(rule.threshold) * large;
            if f64::from(step) <= allowed {
                let note = format!(
                    " It was already over the limit at base; the change adds {step}, no more than {}% of the limit, so this is reported but does not fail the gate.",
                    (large * 100.0).round()
                );
                return (Severity::Note.min(rule.severity), note);
            }
            (rule.severity, String::new())
        }
        _ => (rule.severity, String::new()),
    }
}

/// The file-complexity finding of a changed file, when it is new or worse and over the limit.
fn file_complexity_finding(rule: &Rule, file: &MeasuredFile, large: f64) -> Option<Finding> {
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
    let line = file
        .first_added_code_line(1, u32::MAX)
        .or_else(|| file.file.added.first_in(1, u32::MAX))
        .unwrap_or(1);
    let was = base_value.map_or_else(|| " (new file)".to_string(), |b| format!(" (was {b})"));
    let (severity, note) = weigh(rule, value, base_value, large);
    let cost = |v: u32| rule.remediation.minutes(v, rule.threshold);
    Some(Finding {
        rule_id: rule.id.clone(),
        severity,
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
            "the file's functions add up to cyclomatic complexity {value}{was}, over the limit of {}.{note} {}",
            rule.threshold, rule.advice
        ),
        debt_minutes: cost(value).saturating_sub(base_value.map_or(0, cost)),
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

/// Copies the change adds, where the duplicated-block rule applies (not in test code by
/// default); `None` when it applies nowhere.
fn find_duplication(
    repo: &Repo,
    request: &CheckRequest,
    change: &ChangeSet,
    settings: &Settings,
    measured: &[MeasuredFile],
) -> Result<Option<clones::Duplication>> {
    let rule = rules::find(&settings.rules, DUPLICATED_BLOCK)?;
    if rule.threshold < 10 {
        bail!(
            "[rules.{DUPLICATED_BLOCK}] threshold = {}: a duplicated block is at least 10 tokens (every short run of code repeats somewhere)",
            rule.threshold
        );
    }
    let mut targets = HashMap::new();
    for file in measured
        .iter()
        .filter(|m| !m.deleted && !settings.is_excluded(&m.file.path))
    {
        let path = &file.file.path;
        let enabled = |test: bool| {
            rules::find(&settings.rules_for(path, test), DUPLICATED_BLOCK).is_ok_and(|r| r.enabled)
        };
        let mut judged = LineSet::new();
        if enabled(false) {
            judged = file.file.added.difference(&file.test_lines);
        }
        if enabled(true) {
            for r in file.file.added.intersection(&file.test_lines).ranges() {
                judged.insert_range(r.start, r.end);
            }
        }
        let functions = file.head.iter().map(|f| (f.start_line, f.end_line)).collect();
        targets.insert(path.clone(), clones::Target { judged, functions });
    }
    if !rule.enabled && targets.values().all(|t| t.judged.is_empty()) {
        return Ok(None);
    }
    let dir = match &request.cache {
        Cache::Off => None,
        Cache::Dir(dir) => Some(dir.clone()),
        Cache::Default => Some(repo.git_common_dir()?.join("debtgate")),
    };
    let patterns = classify::VENDORED_PATHS
        .iter()
        .copied()
        .chain(settings.duplication.exclude.iter().map(String::as_str));
    let excludes = classify::globs(patterns, "[duplication] exclude")?;
    let clone_settings = CloneSettings {
        min_tokens: rule.threshold as usize,
        min_lines: settings.duplication.min_lines,
        normalize: settings.duplication.normalize,
    };
    clones::find(
        repo,
        change,
        &targets,
        clone_settings,
        &excludes,
        &clones::CacheConfig { dir },
        request.limits,
    )
    .map(Some)
}

/// A finding for each copy the change adds, with the rule as it applies where the copy is.
fn duplication_findings(
    settings: &Settings,
    duplication: &clones::Duplication,
    measured: &HashMap<&str, &MeasuredFile>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for d in &duplication.clones {
        let file = measured.get(d.path.as_str());
        let test = file.is_some_and(|m| m.test_lines.contains(d.first_added_line));
        let rules = settings.rules_for(&d.path, test);
        let Some(rule) = rules.iter().find(|r| r.id == DUPLICATED_BLOCK && r.enabled) else {
            continue;
        };
        let tokens = u32::try_from(d.tokens).unwrap_or(u32::MAX);
        if tokens < rule.threshold {
            continue;
        }
        let (first, rest) = (&d.originals[0], d.originals.len() - 1);
        let more = if rest > 0 {
            format!(" and {rest} more place(s)")
        } else {
            String::new()
        };
        let lines = d.end_line + 1 - d.start_line;
        let line = file
            .and_then(|m| m.first_added_code_line(d.start_line, d.end_line))
            .unwrap_or(d.first_added_line);
        out.push(Finding {
            rule_id: rule.id.clone(),
            severity: rule.severity,
            path: d.path.clone(),
            line,
            column: 1,
            function: String::new(),
            function_line: d.start_line,
            function_end_line: d.end_line,
            metric: Metric::DuplicatedTokens,
            value: tokens,
            base_value: None,
            threshold: rule.threshold,
            change: Change::New,
            message: format!(
                "{} ({lines} lines, {} tokens) duplicate {}:{}{more}. {}",
                describe_lines(d.start_line, d.end_line),
                d.tokens,
                crate::report::escape_control(&first.0),
                describe_range(first.1, first.2),
                rule.advice
            ),
            debt_minutes: rule.remediation.minutes(tokens, rule.threshold.saturating_sub(1)),
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
                    message: format!(
                        "the code copied: {}:{}",
                        crate::report::escape_control(path),
                        describe_range(*start, *end)
                    ),
                })
                .collect(),
            suppressed: None,
            source_line: None,
        });
    }
    out
}

/// `lines 3-9`, or `line 3`.
fn describe_lines(start: u32, end: u32) -> String {
    if start == end {
        format!("line {start}")
    } else {
        format!("lines {start}-{end}")
    }
}

/// `3-9`, or `3`.
fn describe_range(start: u32, end: u32) -> String {
    if start == end {
        start.to_string()
    } else {
        format!("{start}-{end}")
    }
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
        (None, None) => default_base(repo, env, &head)?,
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
    let files = repo.diff(&base, &head, request.limits.max_bytes)?;
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
fn default_base(repo: &Repo, env: &Environment, head: &str) -> Result<(String, String)> {
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
            // actions/checkout checks out a merge of the pull request into the base branch as
            // it is now; the event's base may be older. The merge's first parent is the base
            // the pull request is merged into, so files only the base branch changed since the
            // event was made are not blamed on the pull request.
            let pr_head = event.pointer("/pull_request/head/sha").and_then(|v| v.as_str());
            let parents = repo.parents(head);
            if let ([first, second], Some(pr_head)) = (&parents[..], pr_head) {
                if second == pr_head && first != sha {
                    return Ok((
                        first.clone(),
                        format!(
                            "the first parent of the {name} merge commit (the event's base {} is older)",
                            short(sha)
                        ),
                    ));
                }
            }
            return Ok((sha.to_string(), format!("the {name} event's base")));
        }
        if name == "push" {
            if let Some(before) = event.get("before").and_then(|v| v.as_str()) {
                if !before.bytes().all(|b| b == b'0') {
                    return Ok((before.to_string(), "the push event's `before`".to_string()));
                }
            }
            // A push that creates a branch has no `before`: judge it from where it left the
            // repository's default branch.
            let default = event
                .pointer("/repository/default_branch")
                .and_then(|v| v.as_str());
            if let Some(branch) = default.filter(|b| !b.is_empty() && !b.starts_with('-')) {
                let remote = format!("origin/{branch}");
                if repo.resolve_commit(&remote).is_some() {
                    return Ok((
                        remote,
                        "the default branch of a push that creates a branch".to_string(),
                    ));
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
    /// Empty where the change deletes the file.
    pub head: Vec<FunctionMetrics>,
    /// `None` where the file is new at head.
    pub base: Option<Vec<FunctionMetrics>>,
    /// Bodies of the functions at head and base, for identity (see `identity`).
    pub head_bodies: Vec<identity::Body>,
    pub base_bodies: Vec<identity::Body>,
    /// The inline suppressions at head.
    pub suppressions: Vec<crate::suppress::Suppression>,
    /// The file at head, for code frames.
    pub head_source: std::sync::Arc<[u8]>,
    /// Lines of test code: the whole file for a test path, else Rust's `#[cfg(test)]` modules.
    pub test_lines: LineSet,
    /// Lines at head that hold code (not comments, blank lines or docstrings).
    pub code_lines: LineSet,
    /// The change deletes the file (only its base is measured, for moves and debt removed).
    pub deleted: bool,
}

impl MeasuredFile {
    /// Where a finding about lines `start..=end` is shown: the first line the change added
    /// there that holds code.
    pub fn first_added_code_line(&self, start: u32, end: u32) -> Option<u32> {
        self.file.added.first_in_both(&self.code_lines, start, end)
    }
}

struct Job {
    file: ChangedFile,
    language: Language,
    head: Option<Vec<u8>>,
    base: Option<Vec<u8>>,
    test_path: bool,
}

/// Reads the changed files at both sides and measures them. Files left out of judgement
/// (excluded by the configuration, vendored, generated) are named in a notice with the reason;
/// what is generated or vendored is decided at base where the file exists there, so a change
/// cannot exempt its own code by marking it.
fn measure_change(
    repo: &Repo,
    change: &ChangeSet,
    settings: &Settings,
    limits: ParseLimits,
    notices: &mut Vec<Notice>,
) -> Result<Vec<MeasuredFile>> {
    let mut reader = repo.blob_reader()?;
    let attributes = match repo.blob_id(&change.base, ".gitattributes") {
        Some(blob) => classify::Attributes::parse(&String::from_utf8_lossy(&reader.read(&blob)?)),
        None => classify::Attributes::default(),
    };
    let vendored = classify::globs(classify::VENDORED_PATHS.iter().copied(), "vendored paths")?;
    // Sizes first: a blob over --max-file-bytes is never read.
    let ids: Vec<&str> = change
        .files
        .iter()
        .flat_map(|f| [f.new_blob.as_deref(), f.old_blob.as_deref()])
        .flatten()
        .collect();
    let sizes = repo.blob_sizes(&ids)?;
    let too_large = |id: &str| {
        sizes
            .get(id)
            .copied()
            .filter(|&size| size > limits.max_bytes as u64)
            .map(|size| ParseProblem::TooLarge {
                bytes: usize::try_from(size).unwrap_or(usize::MAX),
                limit: limits.max_bytes,
            })
    };
    let mut jobs = Vec::new();
    for file in &change.files {
        let note = |message: String| Notice {
            path: Some(file.path.clone()),
            level: Severity::Note,
            message,
            blocking: false,
        };
        if file.status == Status::Deleted {
            if let (Some(id), EntryKind::File, Some(language)) =
                (&file.old_blob, file.old_kind, Language::detect(&file.path, None))
            {
                if !settings.is_excluded(&file.path) && attributes.left_out(&file.path).is_none() {
                    let base = reader
                        .read(id)
                        .with_context(|| format!("cannot read {} at base", file.path))?;
                    jobs.push(Job {
                        file: file.clone(),
                        language,
                        head: None,
                        base: Some(base),
                        test_path: settings.is_test_path(&file.path),
                    });
                }
            }
            continue;
        }
        if file.new_kind == EntryKind::Missing {
            continue;
        }
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
        if let Some(problem) = too_large(blob) {
            if Language::detect(&file.path, None).is_some() {
                notices.push(Notice {
                    path: Some(file.path.clone()),
                    level: Severity::Error,
                    message: format!("not analysed at head: {problem}"),
                    blocking: true,
                });
            }
            continue;
        }
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
        let left_out = if settings.is_excluded(&file.path) {
            Some("excluded by the configuration (exclude)".to_string())
        } else if let Some(kind) = attributes.left_out(&file.path) {
            Some(format!("{} (.gitattributes at base)", kind.reason()))
        } else if vendored.is_match(&file.path) {
            Some("vendored code (a dependency folder)".to_string())
        } else {
            None
        };
        if let Some(reason) = left_out {
            notices.push(note(format!("not judged: {reason}")));
            continue;
        }
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
            (Some(id), Some(path), EntryKind::File) if too_large(id).is_some() => {
                notices.extend(too_large(id).map(|problem| base_not_analysed(path, &problem)));
                None
            }
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
        if head.starts_with(b"version https://git-lfs.github.com/spec/") {
            notices.push(note(
                "Git LFS pointer: the content is not in the repository, so it is not analysed".to_string(),
            ));
            continue;
        }
        // Generated code says so in its leading comment: at base where the file exists there.
        let marked = match (&file.old_blob, file.status) {
            (Some(_), Status::Modified | Status::Renamed) => base.as_deref(),
            _ => Some(head.as_slice()),
        };
        if marked.is_some_and(classify::has_generated_marker) {
            notices.push(note(
                "not judged: generated code (a marker in its leading comment)".to_string(),
            ));
            continue;
        }
        jobs.push(Job {
            file: file.clone(),
            language,
            head: Some(head),
            base,
            test_path: settings.is_test_path(&file.path),
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

/// A base version that could not be measured: its functions are judged as new.
fn base_not_analysed(path: &str, problem: &ParseProblem) -> Notice {
    Notice {
        path: Some(path.to_string()),
        level: Severity::Warning,
        message: format!("not analysed at base: {problem}; its functions are judged as new"),
        blocking: false,
    }
}

/// What one side of a file measures to.
struct Side {
    comments: Vec<std::ops::Range<usize>>,
    functions: Vec<FunctionMetrics>,
    bodies: Vec<identity::Body>,
    code_lines: LineSet,
    test_regions: LineSet,
}

fn measure_side(parsed: &lang::ParsedFile) -> Side {
    let functions = complexity::measure(parsed);
    let shape = identity::shape(parsed, &functions);
    Side {
        comments: shape.comments,
        functions,
        bodies: shape.bodies,
        code_lines: shape.code_lines,
        test_regions: classify::test_regions(parsed),
    }
}

/// Parses and measures one file at head and base. No file when the head could not be
/// measured (its notice says why).
fn measure_job(job: Job, limits: ParseLimits) -> (Option<MeasuredFile>, Vec<Notice>) {
    let Job {
        file,
        language,
        head,
        base,
        test_path,
    } = job;
    let mut notices = Vec::new();
    let deleted = head.is_none();
    let head = head.unwrap_or_default();
    let mut suppressions = crate::suppress::scan(&head);
    let head_source: std::sync::Arc<[u8]> = head.as_slice().into();
    let head = if deleted {
        Side {
            comments: Vec::new(),
            functions: Vec::new(),
            bodies: Vec::new(),
            code_lines: LineSet::new(),
            test_regions: LineSet::new(),
        }
    } else {
        match lang::parse(language, head, limits) {
            Ok(parsed) => {
                if let Some(notice) = syntax_error_notice(&parsed, &file) {
                    notices.push(notice);
                }
                measure_side(&parsed)
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
        }
    };
    let base = base.map(|bytes| match lang::parse(language, bytes, limits) {
        Ok(parsed) => {
            let side = measure_side(&parsed);
            (side.functions, side.bodies)
        }
        Err(problem) => {
            notices.extend(file.base_path().map(|path| base_not_analysed(path, &problem)));
            (Vec::new(), Vec::new())
        }
    });
    let (base, base_bodies) = match base {
        Some((functions, bodies)) => (Some(functions), bodies),
        None => (None, Vec::new()),
    };
    crate::suppress::in_comments(&mut suppressions, &head.comments);
    let mut test_lines = head.test_regions;
    if test_path {
        test_lines.insert_range(1, u32::MAX - 1);
    }
    (
        Some(MeasuredFile {
            file,
            language,
            head: head.functions,
            base,
            head_bodies: head.bodies,
            base_bodies,
            suppressions,
            head_source,
            test_lines,
            code_lines: head.code_lines,
            deleted,
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
    let mut in_change = parsed
        .syntax_errors
        .iter()
        .filter(|e| file.added.first_in(e.line, e.end_line).is_some());
    let blocking = in_change
        .clone()
        .find(|e| !is_contained_outside_functions(parsed, e));
    Some(match (blocking, in_change.next()) {
        (Some(e), _) => Notice {
            path: Some(file.path.clone()),
            level: Severity::Error,
            message: format!(
                "not analysed: syntax error at line {}, column {}, on lines this change adds ({grammar}). Fix the syntax, or exclude the file if the grammar does not support it.",
                e.line, e.column
            ),
            blocking: true,
        },
        (None, Some(e)) => Notice {
            path: Some(file.path.clone()),
            level: Severity::Warning,
            message: format!(
                "syntax error at line {}, column {}, on a line this change adds ({grammar}): a statement outside every function that the grammar does not know; nothing measured depends on it",
                e.line, e.column
            ),
            blocking: false,
        },
        (None, None) => Notice {
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

/// Whether a syntax error is small (at most three lines) and inside no function: a top-level
/// statement the grammar does not know (`export type * from "./x"` for an older TypeScript
/// grammar). Too small to hide a function, and no function's numbers depend on it.
fn is_contained_outside_functions(parsed: &lang::ParsedFile, e: &lang::SyntaxError) -> bool {
    if e.end_line.saturating_sub(e.line) > 2 {
        return false;
    }
    let root = parsed.tree.root_node();
    let Some(node) = root.descendant_for_byte_range(e.start_byte, e.end_byte.max(e.start_byte)) else {
        return false;
    };
    let mut at = Some(node);
    while let Some(n) = at {
        let kind = n.kind();
        if ["function", "method", "arrow", "closure", "lambda", "constructor"]
            .iter()
            .any(|k| kind.contains(k))
        {
            return false;
        }
        at = n.parent();
    }
    true
}

/// The finding `rule` makes of function `f` (with `before`, its version at base), if the
/// function is over the limit and in the rule's scope.
fn finding_for(
    rule: &Rule,
    f: &FunctionMetrics,
    before: Option<&FunctionMetrics>,
    file: &MeasuredFile,
    large: f64,
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
    // Show the finding on a line of code the change added, so review tools display it in the
    // diff.
    let line = file
        .first_added_code_line(f.start_line, f.end_line)
        .or_else(|| file.file.added.first_in(f.start_line, f.end_line))
        .unwrap_or(f.start_line);
    let name = identity::display_name(&f.qualified_name);
    let shown = crate::report::escape_control(name);
    let was = base_value.map_or_else(|| " (new function)".to_string(), |b| format!(" (was {b})"));
    let (severity, note) = weigh(rule, value, base_value, large);
    let cost = |v: u32| rule.remediation.minutes(v, rule.threshold);
    let path = &file.file.path;
    Some(Finding {
        rule_id: rule.id.clone(),
        severity,
        path: path.clone(),
        line,
        column: if line == f.start_line { f.start_column } else { 1 },
        function: name.to_string(),
        function_line: f.start_line,
        function_end_line: f.end_line,
        metric: rule.metric,
        value,
        base_value,
        threshold: rule.threshold,
        change,
        message: format!(
            "`{shown}` has {} {value}{was}, over the limit of {}.{note} {}",
            rule.metric.label(),
            rule.threshold,
            rule.advice
        ),
        debt_minutes: cost(value).saturating_sub(base_value.map_or(0, cost)),
        fingerprint: fingerprint(&["debtgate/v1", &rule.id, path, &f.qualified_name]),
        related: related_of(rule, f, path, &shown),
        suppressed: None,
        source_line: None,
    })
}

/// The function's span, and for cognitive complexity each increment at its line, so that a
/// reviewer sees where the total comes from.
fn related_of(rule: &Rule, f: &FunctionMetrics, path: &str, shown: &str) -> Vec<Related> {
    let span = Related {
        path: path.to_string(),
        start_line: f.start_line,
        end_line: f.end_line,
        message: format!("`{shown}` spans lines {}-{}", f.start_line, f.end_line),
    };
    let increments = f.increments.iter().filter(|_| rule.metric == Metric::Cognitive);
    std::iter::once(span)
        .chain(increments.map(|i| Related {
            path: path.to_string(),
            start_line: i.line,
            end_line: i.line,
            message: i.describe(),
        }))
        .collect()
}

/// Holds the measurements against the rules.
#[allow(clippy::too_many_arguments)]
fn judge(
    change: &ChangeSet,
    settings: &Settings,
    measured: &[MeasuredFile],
    identity: &Identity,
    moved: &HashMap<String, LineSet>,
    duplication: Option<&clones::Duplication>,
    coverage: coverage_gate::CoverageOutcome,
    mut notices: Vec<Notice>,
) -> Verdict {
    let by_path: HashMap<&str, &MeasuredFile> = measured
        .iter()
        .filter(|m| !m.deleted)
        .map(|m| (m.file.path.as_str(), m))
        .collect();
    let large = settings.large_worsening;
    let mut findings = coverage_findings(settings, coverage.findings, &by_path);
    let mut conditions = Vec::new();
    notices.extend(coverage.notices);
    if let Some(d) = duplication {
        findings.extend(duplication_findings(settings, d, &by_path));
        let density = d.density();
        conditions.push(Condition {
            name: "duplicated lines in new code".to_string(),
            value: density,
            limit: settings.max_duplicated_lines_percent,
            unit: Unit::Percent,
            passed: density <= settings.max_duplicated_lines_percent,
            judged: true,
            detail: format!(
                "{} of {} added line(s) in copies; {} file(s) indexed",
                d.duplicated_added_lines, d.added_lines, d.files_indexed,
            ),
        });
    }
    let mut functions = 0;
    let mut debt_removed = 0u32;
    let mut new_lines = 0u64;
    for (fi, file) in measured.iter().enumerate() {
        let path = &file.file.path;
        if settings.is_excluded(path) {
            continue;
        }
        // Functions the change deletes (and no head function continues) take their debt.
        let base = file.base.as_deref().unwrap_or(&[]);
        for (k, before) in base.iter().enumerate() {
            if !identity.continued[fi][k] {
                let rules = settings.rules_for(path, file.test_lines.contains(before.start_line));
                debt_removed += rules
                    .iter()
                    .filter(|r| r.enabled)
                    .map(|r| debt_reduction(r, before, None))
                    .sum::<u32>();
            }
        }
        if file.deleted {
            continue;
        }
        let new_code = file
            .file
            .added
            .intersection(&file.code_lines)
            .difference(&file.test_lines);
        let new_code = match moved.get(path) {
            Some(m) => new_code.difference(m),
            None => new_code,
        };
        new_lines += new_code.len();
        functions += file.head.len();
        for (k, f) in file.head.iter().enumerate() {
            let rules = settings.rules_for(path, file.test_lines.contains(f.start_line));
            let before =
                identity.before[fi][k].and_then(|(bf, bk)| measured[bf].base.as_ref().map(|b| &b[bk]));
            let enabled = rules
                .iter()
                .filter(|r| r.enabled && r.metric.is_function_metric());
            findings.extend(enabled.filter_map(|rule| finding_for(rule, f, before, file, large)));
            if let Some(before) = before.filter(|_| !identity.secondary[fi][k]) {
                debt_removed += rules
                    .iter()
                    .filter(|r| r.enabled)
                    .map(|r| debt_reduction(r, before, Some(f)))
                    .sum::<u32>();
            }
        }
        let rules = settings.rules_for(path, settings.is_test_path(path));
        if let Some(rule) = rules.iter().find(|r| r.id == FILE_COMPLEXITY && r.enabled) {
            findings.extend(file_complexity_finding(rule, file, large));
        }
        findings.extend(invalid_suppressions(&rules, file));
    }
    // Ratio conditions say little about a change of a few lines (SonarQube's rule).
    for c in &mut conditions {
        small_change(c, new_lines, settings.min_new_lines);
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
        files_analyzed: measured.iter().filter(|m| !m.deleted).count(),
        functions_analyzed: functions,
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        notes: count(Severity::Note),
        suppressed: findings.iter().filter(|f| f.suppressed.is_some()).count(),
        debt_minutes: debt_added,
        debt_removed_minutes: debt_removed,
        debt_net_minutes: i64::from(debt_added) - i64::from(debt_removed),
        new_lines,
    };
    let mut coverage_conditions = coverage.conditions;
    for c in &mut coverage_conditions {
        if c.name == "patch coverage" {
            small_change(c, new_lines, settings.min_new_lines);
        }
    }
    conditions.extend(coverage_conditions);
    let unsuppressed: u32 = findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .map(|f| f.debt_minutes)
        .sum();
    if let Some(limit) = settings.max_debt_minutes {
        conditions.push(Condition {
            name: "debt added".to_string(),
            value: f64::from(unsuppressed),
            limit: f64::from(limit),
            unit: Unit::Minutes,
            passed: unsuppressed <= limit,
            judged: true,
            detail: format!("{unsuppressed} min added, {debt_removed} min removed"),
        });
    }
    if settings.policy == Policy::DebtRatio {
        let ratio = 100.0 * f64::from(unsuppressed) / (new_lines.max(1) as f64 * MINUTES_PER_LINE);
        let mut c = Condition {
            name: "debt ratio on new code".to_string(),
            value: ratio,
            limit: settings.max_debt_ratio,
            unit: Unit::Percent,
            passed: ratio <= settings.max_debt_ratio,
            judged: true,
            detail: format!(
                "{unsuppressed} min of debt on {new_lines} new line(s) of code ({} min to write)",
                new_lines * MINUTES_PER_LINE as u64
            ),
        };
        small_change(&mut c, new_lines, 1);
        conditions.push(c);
    }
    let findings_fail = settings.policy == Policy::Findings
        && findings
            .iter()
            .any(|f| f.severity >= settings.fail_on && f.suppressed.is_none());
    let outcome = if notices.iter().any(|n| n.blocking) {
        Outcome::NotJudged
    } else if findings_fail || conditions.iter().any(|c| !c.passed) {
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
        moves: identity.moves.clone(),
    }
}

/// SonarQube's cost of writing one line of code, the denominator of the debt ratio.
const MINUTES_PER_LINE: f64 = 30.0;

/// A ratio over new lines is not applied to a change with fewer than `min` of them.
fn small_change(c: &mut Condition, new_lines: u64, min: u32) {
    if c.judged && new_lines < u64::from(min) {
        c.judged = false;
        c.passed = true;
        c.detail = format!(
            "the change adds {new_lines} new line(s) of code, fewer than [gate] min-new-lines = {min}; {}",
            c.detail
        );
    }
}

/// Uncovered-lines findings, with the rule as it applies where each one is.
fn coverage_findings(
    settings: &Settings,
    findings: Vec<Finding>,
    measured: &HashMap<&str, &MeasuredFile>,
) -> Vec<Finding> {
    findings
        .into_iter()
        .filter_map(|mut f| {
            let test = measured
                .get(f.path.as_str())
                .is_some_and(|m| m.test_lines.contains(f.line));
            let rules = settings.rules_for(&f.path, test);
            let rule = rules.iter().find(|r| r.id == f.rule_id && r.enabled)?;
            f.severity = rule.severity;
            Some(f)
        })
        .collect()
}
