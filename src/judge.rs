//! The judge stage: the measurements held against the rules and gate conditions, into a
//! verdict. Nothing here reads git or files.

use std::collections::HashMap;

use crate::clones;
use crate::config::{Policy, Settings};
use crate::coverage_gate;
use crate::git::ChangeSet;
use crate::identity::{self, Identity};
use crate::lines::LineSet;
use crate::measure::MeasuredFile;
use crate::metrics::complexity::FunctionMetrics;
use crate::rules::{self, Metric, Rule, Severity};
use crate::verdict::{
    Change, Condition, DuplicationCounts, Finding, Notice, Outcome, Related, Subject, Summary, Unit, Verdict,
};

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
    let change = Change::between(base_value, value);
    if value <= rule.threshold
        || !matches!(change, Change::New | Change::Worsened)
        || !change.in_scope(rule.scope)
    {
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
    let message = format!(
        "the file's functions add up to cyclomatic complexity {value}{was}, over the limit of {}.{note} {}",
        rule.threshold, rule.advice
    );
    let related = vec![Related {
        path: path.clone(),
        start_line: 1,
        end_line: end,
        start_column: None,
        message: format!("{} function(s)", file.head.len()),
        source_line: None,
    }];
    Some(
        Finding::new(rule, path, Subject::File { end_line: end }, value, base_value)
            .at(line)
            .with_severity(severity)
            .with_message(message)
            .with_related(related),
    )
}

/// Suppressions the change adds without a reason, or naming no rule.
fn invalid_suppressions(rules: &[Rule], file: &MeasuredFile) -> Vec<Finding> {
    let Some(rule) = rules::of_metric(rules, Metric::Suppressions).filter(|r| r.enabled) else {
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
        let key = s.line.to_string();
        let subject = Subject::Region {
            start_line: s.line,
            end_line: s.line,
            key: &key,
        };
        out.push(
            Finding::new(rule, &file.file.path, subject, 1, None).with_message(format!(
                "this suppression {problem}, so it suppresses nothing. {}",
                rule.advice
            )),
        );
    }
    out
}

/// Gives each finding in a measured file the text of its line, for the terminal's code frame.
fn attach_source_lines(findings: &mut [Finding], measured: &[MeasuredFile]) {
    let by_path: HashMap<&str, &[u8]> = measured
        .iter()
        .map(|m| (m.file.path.as_str(), &m.head_source[..]))
        .collect();
    // Each file with a finding is split into lines once, however many lines are asked of it.
    let mut lines: HashMap<&str, Vec<&[u8]>> = HashMap::new();
    for f in findings.iter_mut() {
        let Some((&path, source)) = by_path.get_key_value(f.path.as_str()) else {
            continue;
        };
        let file = lines
            .entry(path)
            .or_insert_with(|| source.split(|&b| b == b'\n').collect());
        let line_of = |line: u32| {
            let text = file.get(line.saturating_sub(1) as usize)?;
            Some(String::from_utf8_lossy(text.strip_suffix(b"\r").unwrap_or(text)).into_owned())
        };
        f.source_line = line_of(f.line);
        // A complexity increment's line, for the code frames of the HTML report.
        for r in f
            .related
            .iter_mut()
            .filter(|r| r.start_column.is_some() && r.path == f.path)
        {
            r.source_line = line_of(r.start_line);
        }
    }
}

/// Marks the findings an inline suppression with a reason accepts.
fn apply_suppressions(findings: &mut [Finding], measured: &[MeasuredFile]) {
    let by_path: HashMap<&str, &[crate::suppress::Suppression]> = measured
        .iter()
        .map(|m| (m.file.path.as_str(), m.suppressions.as_slice()))
        .collect();
    for f in findings.iter_mut() {
        if f.metric == Metric::Suppressions {
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

/// A finding for each copy the change adds, with the rule as it applies where the copy is.
fn duplication_findings(
    settings: &Settings,
    duplication: &clones::Duplication,
    measured: &HashMap<&str, &MeasuredFile>,
    owns: &dyn Fn(&str) -> bool,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for d in duplication.clones.iter().filter(|d| owns(&d.path)) {
        let file = measured.get(d.path.as_str());
        let test = file.is_some_and(|m| m.test_lines.contains(d.first_added_line));
        let rules = settings.rules_for(&d.path, test);
        let Some(rule) = rules::of_metric(&rules, Metric::DuplicatedTokens).filter(|r| r.enabled) else {
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
        let message = format!(
            "{} ({lines} lines, {} tokens) duplicate {}:{}{more}. {}",
            crate::lines::describe_lines(d.start_line, d.end_line),
            d.tokens,
            crate::report::escape_control(&first.0),
            crate::lines::describe_range(first.1, first.2),
            rule.advice
        );
        let related = d
            .originals
            .iter()
            .map(|(path, start, end)| Related {
                path: path.clone(),
                start_line: *start,
                end_line: *end,
                start_column: None,
                message: format!(
                    "the code copied: {}:{}",
                    crate::report::escape_control(path),
                    crate::lines::describe_range(*start, *end)
                ),
                source_line: None,
            })
            .collect();
        let key = format!("{:016x}", d.content_hash);
        let subject = Subject::Region {
            start_line: d.start_line,
            end_line: d.end_line,
            key: &key,
        };
        out.push(
            Finding::new(rule, &d.path, subject, tokens, None)
                .at(line)
                .with_message(message)
                .with_related(related),
        );
    }
    out
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
    if !Change::between(base_value, value).in_scope(rule.scope) {
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
    let path = &file.file.path;
    let message = format!(
        "`{shown}` has {} {value}{was}, over the limit of {}.{note} {}",
        rule.metric.label(),
        rule.threshold,
        rule.advice
    );
    let subject = Subject::Function {
        qualified_name: &f.qualified_name,
        start_line: f.start_line,
        start_column: f.start_column,
        end_line: f.end_line,
    };
    Some(
        Finding::new(rule, path, subject, value, base_value)
            .at(line)
            .with_severity(severity)
            .with_message(message)
            .with_related(related_of(rule, f, path, &shown)),
    )
}

/// The function's span, and for cognitive complexity each increment at its line, so that a
/// reviewer sees where the total comes from.
fn related_of(rule: &Rule, f: &FunctionMetrics, path: &str, shown: &str) -> Vec<Related> {
    let span = Related {
        path: path.to_string(),
        start_line: f.start_line,
        end_line: f.end_line,
        start_column: None,
        message: format!("`{shown}` spans lines {}-{}", f.start_line, f.end_line),
        source_line: None,
    };
    let increments = f.increments.iter().filter(|_| rule.metric == Metric::Cognitive);
    std::iter::once(span)
        .chain(increments.map(|i| Related {
            path: path.to_string(),
            start_line: i.line,
            end_line: i.line,
            start_column: Some(i.column),
            message: i.describe(),
            source_line: None,
        }))
        .collect()
}

/// What the measure stage hands the judge.
pub(crate) struct Measurement<'m> {
    pub files: &'m [MeasuredFile],
    pub identity: &'m Identity,
    /// Added lines of functions moved, unchanged, from another file.
    pub moved: &'m HashMap<String, LineSet>,
    pub duplication: Option<&'m clones::Duplication>,
    pub coverage: coverage_gate::CoverageOutcome,
    /// Whether a changed file is judged here (its shard's, its project's); the other files
    /// were measured for the moves and copies they explain.
    pub owns: &'m dyn Fn(&str) -> bool,
}

/// Holds the measurements against the rules and the gate conditions.
pub(crate) fn judge(
    change: &ChangeSet,
    settings: &Settings,
    m: Measurement<'_>,
    mut notices: Vec<Notice>,
) -> Verdict {
    let Measurement {
        files: measured,
        identity,
        moved,
        duplication,
        coverage,
        owns,
    } = m;
    let by_path: HashMap<&str, &MeasuredFile> = measured
        .iter()
        .filter(|m| !m.deleted && !m.other_shard && owns(&m.file.path))
        .map(|m| (m.file.path.as_str(), m))
        .collect();
    let mut findings = coverage_findings(settings, coverage.findings, &by_path);
    let mut conditions = Vec::new();
    notices.extend(coverage.notices);
    let duplication_counts = duplication.map(|d| d.counts(owns));
    if let (Some(d), Some(counts)) = (duplication, &duplication_counts) {
        findings.extend(duplication_findings(settings, d, &by_path, owns));
        conditions.push(density_condition(settings.max_duplicated_lines_percent, counts));
    }
    let mut files = judge_files(settings, measured, identity, moved, owns);
    findings.append(&mut files.findings);
    apply_suppressions(&mut findings, measured);
    attach_source_lines(&mut findings, measured);
    findings.retain(|f| !settings.is_excluded(&f.path));
    findings.sort_by(|a, b| finding_order(a).cmp(&finding_order(b)));
    make_fingerprints_unique(&mut findings);
    notices.sort();
    notices.dedup();
    conditions.extend(coverage.conditions);
    // Ratio conditions say little about a change of a few lines (SonarQube's rule).
    for c in conditions.iter_mut().filter(|c| c.over_new_lines) {
        small_change(c, files.new_lines, settings.min_new_lines);
    }
    let unsuppressed: u32 = findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .map(|f| f.debt_minutes)
        .sum();
    conditions.extend(debt_conditions(
        settings,
        unsuppressed,
        files.debt_removed,
        files.new_lines,
    ));
    let summary = summarize(change, &by_path, &findings, &files);
    Verdict {
        version: env!("CARGO_PKG_VERSION").to_string(),
        outcome: outcome(
            settings.policy,
            settings.fail_on,
            &findings,
            &conditions,
            &notices,
        ),
        base: change.base.clone(),
        base_spec: change.base_spec.clone(),
        base_source: change.base_source.clone(),
        head: change.head.clone(),
        config_source: settings.source.clone(),
        fail_on: settings.fail_on,
        policy: settings.policy,
        min_new_lines: settings.min_new_lines,
        shard: None,
        summary,
        findings,
        notices,
        conditions,
        coverage: coverage.summary,
        duplication: duplication_counts,
        moves: identity.moves.clone(),
        projects: Vec::new(),
        rules: settings.rules.clone(),
        links: crate::verdict::Links::default(),
    }
}

/// Findings in the order every report lists them.
/// Two findings of one rule on the same code in one file (two copies of one block, each
/// reported) would share a fingerprint, and GitLab and code scanning would merge them. The
/// second and later, in line order, get their occurrence folded in; the first keeps its own,
/// so adding a copy never changes the fingerprint of the one before it.
fn make_fingerprints_unique(findings: &mut [Finding]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for f in findings.iter_mut() {
        let occurrence = seen.entry(f.fingerprint.clone()).or_default();
        if *occurrence > 0 {
            let index = occurrence.to_string();
            f.fingerprint = crate::hashing::fingerprint(&[&f.fingerprint, &index]);
        }
        *occurrence += 1;
    }
}

pub(crate) fn finding_order(f: &Finding) -> (&str, u32, u32, &str, &str) {
    (&f.path, f.line, f.column, &f.rule_id, &f.function)
}

/// What the changed files' functions and files give: findings, and the counts the summary and
/// the conditions need.
#[derive(Default)]
struct FilesJudged {
    findings: Vec<Finding>,
    functions: usize,
    debt_removed: u32,
    new_lines: u64,
}

fn judge_files(
    settings: &Settings,
    measured: &[MeasuredFile],
    identity: &Identity,
    moved: &HashMap<String, LineSet>,
    owns: &dyn Fn(&str) -> bool,
) -> FilesJudged {
    let mut out = FilesJudged::default();
    for (fi, file) in measured.iter().enumerate() {
        let path = &file.file.path;
        if settings.is_excluded(path) || file.other_shard || !owns(path) {
            continue;
        }
        out.debt_removed += deleted_debt(settings, file, &identity.continued[fi]);
        if file.deleted {
            continue;
        }
        out.new_lines += new_code_lines(file, moved.get(path));
        out.functions += file.head.len();
        for (k, f) in file.head.iter().enumerate() {
            let rules = settings.rules_for(path, file.test_lines.contains(f.start_line));
            let before =
                identity.before[fi][k].and_then(|(bf, bk)| measured[bf].base.as_ref().map(|b| &b[bk]));
            let enabled = rules
                .iter()
                .filter(|r| r.enabled && r.metric.is_function_metric());
            out.findings.extend(
                enabled.filter_map(|rule| finding_for(rule, f, before, file, settings.large_worsening)),
            );
            if let Some(before) = before.filter(|_| !identity.secondary[fi][k]) {
                out.debt_removed += rules
                    .iter()
                    .filter(|r| r.enabled)
                    .map(|r| debt_reduction(r, before, Some(f)))
                    .sum::<u32>();
            }
        }
        let rules = settings.rules_for(path, settings.is_test_path(path));
        if let Some(rule) = rules::of_metric(&rules, Metric::FileCyclomatic).filter(|r| r.enabled) {
            out.findings
                .extend(file_complexity_finding(rule, file, settings.large_worsening));
        }
        out.findings.extend(invalid_suppressions(&rules, file));
    }
    out
}

/// The debt of the file's base functions that the change deletes (no head function continues
/// them).
fn deleted_debt(settings: &Settings, file: &MeasuredFile, continued: &[bool]) -> u32 {
    let base = file.base.as_deref().unwrap_or(&[]);
    base.iter()
        .zip(continued)
        .filter(|(_, continued)| !**continued)
        .map(|(before, _)| {
            let rules = settings.rules_for(&file.file.path, file.test_lines.contains(before.start_line));
            rules
                .iter()
                .filter(|r| r.enabled)
                .map(|r| debt_reduction(r, before, None))
                .sum::<u32>()
        })
        .sum()
}

/// Lines of code the change adds to the file outside test code, not counting code it moved.
fn new_code_lines(file: &MeasuredFile, moved: Option<&LineSet>) -> u64 {
    let new_code = file
        .file
        .added
        .intersection(&file.code_lines)
        .difference(&file.test_lines);
    match moved {
        Some(m) => new_code.difference(m).len(),
        None => new_code.len(),
    }
}

/// The duplicated-lines condition over the added lines where duplication is judged.
pub(crate) fn density_condition(limit: f64, d: &DuplicationCounts) -> Condition {
    let density = if d.added_lines == 0 {
        0.0
    } else {
        100.0 * d.duplicated_added_lines as f64 / d.added_lines as f64
    };
    Condition {
        project: None,
        over_new_lines: true,
        name: DUPLICATED_LINES.to_string(),
        value: density,
        limit,
        unit: Unit::Percent,
        passed: density <= limit,
        judged: true,
        detail: format!(
            "{} of {} added line(s) in copies; {} file(s) indexed",
            d.duplicated_added_lines, d.added_lines, d.files_indexed,
        ),
    }
}

/// The debt conditions the settings ask for: minutes added, and SonarQube's debt ratio.
fn debt_conditions(
    settings: &Settings,
    unsuppressed: u32,
    debt_removed: u32,
    new_lines: u64,
) -> Vec<Condition> {
    let mut out = Vec::new();
    if let Some(limit) = settings.max_debt_minutes {
        out.push(debt_added_condition(f64::from(limit), unsuppressed, debt_removed));
    }
    if settings.policy == Policy::DebtRatio {
        out.push(debt_ratio_condition(
            settings.max_debt_ratio,
            unsuppressed,
            new_lines,
        ));
    }
    out
}

pub(crate) fn debt_added_condition(limit: f64, unsuppressed: u32, debt_removed: u32) -> Condition {
    Condition {
        project: None,
        over_new_lines: false,
        name: DEBT_ADDED.to_string(),
        value: f64::from(unsuppressed),
        limit,
        unit: Unit::Minutes,
        passed: f64::from(unsuppressed) <= limit,
        judged: true,
        detail: format!("{unsuppressed} min added, {debt_removed} min removed"),
    }
}

pub(crate) fn debt_ratio_condition(limit: f64, unsuppressed: u32, new_lines: u64) -> Condition {
    let ratio = 100.0 * f64::from(unsuppressed) / (new_lines.max(1) as f64 * MINUTES_PER_LINE);
    let mut c = Condition {
        project: None,
        over_new_lines: false,
        name: DEBT_RATIO.to_string(),
        value: ratio,
        limit,
        unit: Unit::Percent,
        passed: ratio <= limit,
        judged: true,
        detail: format!(
            "{unsuppressed} min of debt on {new_lines} new line(s) of code ({} min to write)",
            new_lines * MINUTES_PER_LINE as u64
        ),
    };
    small_change(&mut c, new_lines, 1);
    c
}

/// The names of the gate conditions the judge computes (the coverage conditions are named in
/// `coverage_gate`).
pub(crate) const DUPLICATED_LINES: &str = "duplicated lines in new code";
pub(crate) const DEBT_ADDED: &str = "debt added";
pub(crate) const DEBT_RATIO: &str = "debt ratio on new code";

fn summarize(
    change: &ChangeSet,
    analyzed: &HashMap<&str, &MeasuredFile>,
    findings: &[Finding],
    files: &FilesJudged,
) -> Summary {
    let count = |s: Severity| {
        findings
            .iter()
            .filter(|f| f.severity == s && f.suppressed.is_none())
            .count()
    };
    let debt_added: u32 = findings.iter().map(|f| f.debt_minutes).sum();
    Summary {
        files_changed: change.files.len(),
        files_analyzed: analyzed.len(),
        functions_analyzed: files.functions,
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        notes: count(Severity::Note),
        suppressed: findings.iter().filter(|f| f.suppressed.is_some()).count(),
        debt_minutes: debt_added,
        debt_removed_minutes: files.debt_removed,
        debt_net_minutes: i64::from(debt_added) - i64::from(files.debt_removed),
        new_lines: files.new_lines,
    }
}

/// Not judged when a blocking notice says something could not be; failed on a finding at or
/// above `fail-on` (under the findings policy) or a failed condition; else passed.
pub(crate) fn outcome(
    policy: Policy,
    fail_on: Severity,
    findings: &[Finding],
    conditions: &[Condition],
    notices: &[Notice],
) -> Outcome {
    let findings_fail = policy == Policy::Findings
        && findings
            .iter()
            .any(|f| f.severity >= fail_on && f.suppressed.is_none());
    if notices.iter().any(|n| n.blocking) {
        Outcome::NotJudged
    } else if findings_fail || conditions.iter().any(|c| !c.passed) {
        Outcome::Failed
    } else {
        Outcome::Passed
    }
}

/// SonarQube's cost of writing one line of code, the denominator of the debt ratio.
const MINUTES_PER_LINE: f64 = 30.0;

/// A ratio over new lines is not applied to a change with fewer than `min` of them.
pub(crate) fn small_change(c: &mut Condition, new_lines: u64, min: u32) {
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
