//! A self-contained HTML report (`--format html`, `--html FILE`): one file, its style inline,
//! its pictures inline SVG; no script, no font, no image and no link it must fetch. Everything
//! the repository wrote (paths, names, messages, code) is escaped as HTML text.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::rules::{Metric, Severity};
use crate::verdict::{Condition, Finding, Outcome, Verdict};

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in super::escape_control(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1f2328}\
h1{font-size:1.6rem;margin:0 0 .3rem}h2{font-size:1.15rem;margin:2rem 0 .6rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}\
.sub{color:#59636e}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eaeef2;padding:.35rem .5rem;text-align:left;vertical-align:top}\
th{font-weight:600;background:#f6f8fa}code,pre{font:12px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}\
.error{color:#cf222e}.warning{color:#9a6700}.note{color:#0969da}.ok{color:#1a7f37}\
pre.frame{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:.5rem;overflow:auto}\
pre.frame .inc{background:#fff8c5;display:block}pre.frame .ln{color:#8c959f;user-select:none}\
pre.frame .why{color:#9a6700;font-weight:600}svg text{font:11px system-ui,sans-serif}";

pub fn render(verdict: &Verdict) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>debtgate: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        outcome_word(verdict.outcome)
    );
    headline(&mut out, verdict);
    conditions(&mut out, &verdict.conditions);
    debt_per_file(&mut out, verdict);
    worsened(&mut out, verdict);
    frames(&mut out, verdict);
    findings(&mut out, verdict);
    out.push_str("</body>\n</html>\n");
    out
}

fn outcome_word(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Passed => "passed",
        Outcome::Failed => "failed",
        Outcome::NotJudged => "could not judge the change",
    }
}

fn headline(out: &mut String, verdict: &Verdict) {
    let class = match verdict.outcome {
        Outcome::Passed => "ok",
        Outcome::Failed => "error",
        Outcome::NotJudged => "warning",
    };
    let s = &verdict.summary;
    let _ = writeln!(
        out,
        "<h1 class=\"{class}\">debtgate {}</h1>\n<p class=\"sub\">base <code>{}</code> ({}) → head <code>{}</code> · {} error(s), {} warning(s), {} note(s), {} suppressed in {} of {} changed file(s) · debt {} min added, {} min removed, net {:+} min</p>",
        outcome_word(verdict.outcome),
        escape(short(&verdict.base)),
        escape(&verdict.base_source),
        escape(short(&verdict.head)),
        s.errors,
        s.warnings,
        s.notes,
        s.suppressed,
        s.files_analyzed,
        s.files_changed,
        s.debt_minutes,
        s.debt_removed_minutes,
        s.debt_net_minutes
    );
}

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

/// Each condition as a bar against its limit (a tick).
fn conditions(out: &mut String, conditions: &[Condition]) {
    if conditions.is_empty() {
        return;
    }
    out.push_str("<h2>Gate conditions</h2>\n<table>\n<tr><th>condition</th><th>value against its limit</th><th>result</th></tr>\n");
    for c in conditions {
        let (class, result) = match (c.judged, c.passed) {
            (true, true) => ("ok", "passed"),
            (true, false) => ("error", "failed"),
            (false, _) => ("sub", "not applied"),
        };
        let picture = if c.judged {
            format!(
                "{} {}",
                bar(c.value, c.limit, class == "ok"),
                escape(&c.shown_value())
            )
        } else {
            "—".to_string()
        };
        let _ = writeln!(
            out,
            "<tr><td>{}<br><span class=\"sub\">{}</span></td><td>{picture} (limit {})</td><td class=\"{class}\">{result}</td></tr>",
            escape(&c.label()),
            escape(&c.detail),
            escape(&c.shown_limit())
        );
    }
    out.push_str("</table>\n");
}

/// A 240-pixel bar of `value`, with `limit` as a tick, on a scale that holds both.
fn bar(value: f64, limit: f64, good: bool) -> String {
    const WIDTH: f64 = 240.0;
    let scale = value.max(limit).max(f64::MIN_POSITIVE) * 1.25;
    let x = |v: f64| (v.max(0.0) / scale * WIDTH).round();
    let fill = if good { "#2da44e" } else { "#cf222e" };
    format!(
        "<svg width=\"{WIDTH}\" height=\"16\" role=\"img\" aria-label=\"{value:.2} against a limit of {limit:.2}\"><rect width=\"{WIDTH}\" height=\"16\" fill=\"#eaeef2\"/><rect width=\"{}\" height=\"16\" fill=\"{fill}\"/><rect x=\"{}\" width=\"2\" height=\"16\" fill=\"#1f2328\"/></svg>",
        x(value),
        x(limit).min(WIDTH - 2.0)
    )
}

/// The debt the change adds, file by file, as bars.
fn debt_per_file(out: &mut String, verdict: &Verdict) {
    let mut per_file: BTreeMap<&str, u32> = BTreeMap::new();
    for f in verdict.findings.iter().filter(|f| f.suppressed.is_none()) {
        *per_file.entry(&f.path).or_default() += f.debt_minutes;
    }
    per_file.retain(|_, minutes| *minutes > 0);
    if per_file.is_empty() {
        return;
    }
    let most = per_file.values().copied().max().unwrap_or(1).max(1);
    out.push_str("<h2>Debt added, per file</h2>\n<table>\n<tr><th>file</th><th>minutes of remediation the change adds</th></tr>\n");
    for (path, minutes) in &per_file {
        let width = (f64::from(*minutes) / f64::from(most) * 240.0).round().max(2.0);
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td><svg width=\"240\" height=\"14\" role=\"img\" aria-label=\"{minutes} min\"><rect width=\"{width}\" height=\"14\" fill=\"#bf8700\"/></svg> {minutes} min</td></tr>",
            escape(path)
        );
    }
    let _ = writeln!(
        out,
        "</table>\n<p class=\"sub\">The change also removes {} min of debt (functions it simplified or deleted).</p>",
        verdict.summary.debt_removed_minutes
    );
}

/// Each function finding's value at base and at head, against the limit.
fn worsened(out: &mut String, verdict: &Verdict) {
    let functions: Vec<&Finding> = verdict
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none() && f.metric.is_function_metric())
        .collect();
    if functions.is_empty() {
        return;
    }
    out.push_str("<h2>Functions over a limit: base → head</h2>\n<table>\n<tr><th>function</th><th>metric</th><th>base → head against the limit</th></tr>\n");
    for f in functions {
        let base = f.base_value.map_or_else(|| "new".to_string(), |b| b.to_string());
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code><br><span class=\"sub\">{}:{}</span></td><td>{}</td><td>{} {base} → <b>{}</b> (limit {})</td></tr>",
            escape(&f.function),
            escape(&f.path),
            f.line,
            escape(f.metric.label()),
            two_bars(f.base_value, f.value, f.threshold),
            f.value,
            f.threshold
        );
    }
    out.push_str("</table>\n");
}

/// Base (grey) and head (red) as two bars, the limit as a tick.
fn two_bars(base: Option<u32>, head: u32, limit: u32) -> String {
    let scale = f64::from(head.max(limit).max(base.unwrap_or(0)).max(1)) * 1.25;
    let x = |v: u32| (f64::from(v) / scale * 240.0).round();
    format!(
        "<svg width=\"240\" height=\"22\" role=\"img\" aria-label=\"base {} head {head} limit {limit}\"><rect width=\"{}\" height=\"9\" fill=\"#8c959f\"/><rect y=\"11\" width=\"{}\" height=\"9\" fill=\"#cf222e\"/><rect x=\"{}\" width=\"2\" height=\"22\" fill=\"#1f2328\"/></svg>",
        base.map_or_else(|| "none".to_string(), |b| b.to_string()),
        x(base.unwrap_or(0)),
        x(head),
        x(limit).min(238.0)
    )
}

/// A cognitive-complexity finding's increments beside their lines of code.
fn frames(out: &mut String, verdict: &Verdict) {
    let with_increments: Vec<&Finding> = verdict
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none() && f.metric == Metric::Cognitive)
        .filter(|f| f.related.iter().any(|r| r.start_column.is_some()))
        .collect();
    if with_increments.is_empty() {
        return;
    }
    out.push_str("<h2>Where the cognitive complexity comes from</h2>\n");
    for f in with_increments {
        let _ = writeln!(
            out,
            "<p><code>{}</code> <span class=\"sub\">{}, cognitive complexity {}</span></p>\n<pre class=\"frame\">",
            escape(&f.function),
            escape(&f.path),
            f.value
        );
        // One line of code a row, with every increment on it.
        let mut lines: BTreeMap<u32, (&str, Vec<&str>)> = BTreeMap::new();
        for r in f.related.iter().filter(|r| r.start_column.is_some()) {
            let entry = lines
                .entry(r.start_line)
                .or_insert((r.source_line.as_deref().unwrap_or(""), Vec::new()));
            entry.1.push(&r.message);
        }
        for (line, (code, why)) in lines {
            let _ = write!(
                out,
                "<span class=\"inc\"><span class=\"ln\">{line:>5} </span>{}  <span class=\"why\">{}</span></span>",
                escape(&code.replace('\t', "    ")),
                escape(&why.join(", "))
            );
        }
        out.push_str("</pre>\n");
    }
}

fn findings(out: &mut String, verdict: &Verdict) {
    if verdict.findings.is_empty() {
        return;
    }
    out.push_str(
        "<h2>Findings</h2>\n<table>\n<tr><th></th><th>rule</th><th>where</th><th>finding</th></tr>\n",
    );
    let mut ordered: Vec<&Finding> = verdict.findings.iter().collect();
    ordered.sort_by_key(|f| (f.suppressed.is_some(), std::cmp::Reverse(f.severity)));
    for f in ordered {
        let (class, word) = match (f.suppressed.is_some(), f.severity) {
            (true, _) => ("sub", "suppressed"),
            (false, Severity::Error) => ("error", "error"),
            (false, Severity::Warning) => ("warning", "warning"),
            (false, Severity::Note) => ("note", "note"),
        };
        let reason = f
            .suppressed
            .as_deref()
            .map(|r| format!("<br><span class=\"sub\">suppressed: {}</span>", escape(r)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<tr><td class=\"{class}\">{word}</td><td><code>{}</code></td><td><code>{}:{}</code></td><td>{}{reason}</td></tr>",
            escape(&f.rule_id),
            escape(&f.path),
            f.line,
            escape(&f.message)
        );
    }
    out.push_str("</table>\n");
}
