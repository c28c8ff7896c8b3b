//! A Markdown summary, for `$GITHUB_STEP_SUMMARY`, merge-request notes and chat.

use std::fmt::Write;

use crate::rules::{Metric, Severity};
use crate::verdict::{Finding, Outcome, Verdict};

/// GitHub refuses a step summary over 1 MiB; the findings stop well before.
const SIZE_BUDGET: usize = 900 * 1024;

/// Escapes text for a Markdown table cell or paragraph: no markup, no HTML, no table breaks,
/// no mentions.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            // A mention in a summary reused as a pull-request comment would notify someone.
            '@' => out.push_str("&#64;"),
            c if c.is_control() || super::is_bidi_control(c) => {
                out.push_str(&super::escape_control(&c.to_string()))
            }
            c => out.push(c),
        }
    }
    out
}

/// The summary of a run that could not judge the change (exit 2): why, a line a paragraph.
pub fn not_judged(message: &str) -> String {
    let mut out = String::from("## ⚠️ debtgate could not judge the change\n\n");
    for line in message.lines().filter(|l| !l.trim().is_empty()) {
        let _ = writeln!(out, "{}\n", escape(line.trim()));
    }
    out.push_str("The gate did not pass: fix the cause above and run again.\n");
    out
}

pub fn render(verdict: &Verdict) -> String {
    let mut out = String::new();
    headline(&mut out, verdict);
    conditions(&mut out, verdict);
    findings(&mut out, verdict);
    let moves: Vec<String> = verdict
        .moves
        .iter()
        .map(|m| escape(&super::text::describe_move(m)))
        .collect();
    folded(
        &mut out,
        &format!("{} function(s) moved or renamed", moves.len()),
        &moves,
    );
    let left_out: Vec<String> = verdict
        .notices
        .iter()
        .filter(|n| n.message.starts_with("not judged:"))
        .map(|n| {
            format!(
                "{}: {}",
                escape(n.path.as_deref().unwrap_or("")),
                escape(&n.message)
            )
        })
        .collect();
    folded(
        &mut out,
        &format!("{} file(s) not judged", left_out.len()),
        &left_out,
    );
    for n in verdict.notices.iter().filter(|n| n.blocking) {
        let path = n.path_shown(|p| format!("{}: ", escape(p)));
        let _ = writeln!(out, "> ⚠️ {path}{}\n", escape(&n.message));
    }
    let _ = writeln!(
        out,
        "<sub>base `{}` ({}), head `{}`</sub>",
        &verdict.base[..verdict.base.len().min(12)],
        escape(&verdict.base_source),
        &verdict.head[..verdict.head.len().min(12)]
    );
    out
}

fn headline(out: &mut String, verdict: &Verdict) {
    let (icon, word) = match verdict.outcome {
        Outcome::Passed => ("✅", "passed"),
        Outcome::Failed => ("❌", "failed"),
        Outcome::NotJudged => ("⚠️", "could not judge this change"),
    };
    let s = &verdict.summary;
    let suppressed = if s.suppressed > 0 {
        format!(", {} suppressed", s.suppressed)
    } else {
        String::new()
    };
    let _ = writeln!(out, "## {icon} debtgate {word}\n");
    let _ = writeln!(
        out,
        "{} error(s), {} warning(s), {} note(s){suppressed} in {} of {} changed file(s). Debt: {} min added, {} min removed, net {:+} min.\n",
        s.errors, s.warnings, s.notes, s.files_analyzed, s.files_changed, s.debt_minutes, s.debt_removed_minutes, s.debt_net_minutes
    );
}

fn conditions(out: &mut String, verdict: &Verdict) {
    if verdict.conditions.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "| gate condition | value | limit | result |\n| --- | ---: | ---: | --- |"
    );
    for c in &verdict.conditions {
        let (value, result) = match (c.judged, c.passed) {
            (true, true) => (c.shown_value(), "passed"),
            (true, false) => (c.shown_value(), "**failed**"),
            (false, _) => ("—".to_string(), "not applied"),
        };
        let limit = c.shown_limit();
        let _ = writeln!(
            out,
            "| {} ({}) | {value} | {limit} | {result} |",
            escape(&c.label()),
            escape(&c.detail)
        );
    }
    out.push('\n');
}

/// Rows shown before the rest of the errors and warnings are folded away.
const SHOWN_ROWS: usize = 30;

/// Errors first, then warnings, in the table; notes (old excess made a little worse, never
/// failing) and suppressed findings folded below it.
fn findings(out: &mut String, verdict: &Verdict) {
    let active = |f: &&Finding| f.suppressed.is_none();
    let mut failing: Vec<&Finding> = verdict
        .findings
        .iter()
        .filter(active)
        .filter(|f| f.severity > Severity::Note)
        .collect();
    failing.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let notes: Vec<&Finding> = verdict
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none() && f.severity == Severity::Note)
        .collect();
    let suppressed: Vec<&Finding> = verdict
        .findings
        .iter()
        .filter(|f| f.suppressed.is_some())
        .collect();
    let (shown, more) = failing.split_at(failing.len().min(SHOWN_ROWS));
    table(out, verdict, shown);
    if !more.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>{} more error(s) and warning(s)</summary>\n",
            more.len()
        );
        table(out, verdict, more);
        let _ = writeln!(out, "</details>\n");
    }
    for (list, what) in [
        (
            &notes,
            "note(s): old excess made a little worse, reported, never failing",
        ),
        (&suppressed, "suppressed finding(s), with their reasons"),
    ] {
        if !list.is_empty() {
            let _ = writeln!(out, "<details><summary>{} {what}</summary>\n", list.len());
            table(out, verdict, list);
            let _ = writeln!(out, "</details>\n");
        }
    }
}

fn table(out: &mut String, verdict: &Verdict, findings: &[&Finding]) {
    if findings.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "| | rule | where | base → head | finding |\n| --- | --- | --- | --- | --- |"
    );
    for (shown, f) in findings.iter().enumerate() {
        if out.len() > SIZE_BUDGET {
            let more = findings.len() - shown;
            let _ = writeln!(out, "\n{more} more finding(s): see the SARIF or JSON report.");
            break;
        }
        let mark = match (f.suppressed.is_some(), f.severity) {
            (true, _) => "🔕",
            (false, Severity::Error) => "🔴",
            (false, Severity::Warning) => "🟡",
            (false, Severity::Note) => "🔵",
        };
        let rule = link(&code(&f.rule_id), verdict.links.rule(&f.rule_id));
        let place = format!("{}:{}", f.path, f.line);
        let place = link(&code(&place), verdict.links.line(&f.path, f.line));
        let suppressed = f
            .suppressed
            .as_deref()
            .map(|r| format!(" *(suppressed: {})*", escape(r)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {mark} | {rule} | {place} | {} | {}{suppressed} |",
            values(f),
            message(verdict, f)
        );
    }
    out.push('\n');
}

/// A function finding's value at base and at head against its limit; a copy's size; the
/// uncovered lines.
fn values(f: &Finding) -> String {
    match f.metric {
        Metric::DuplicatedTokens => format!("{} tokens", f.value),
        Metric::UncoveredLines => format!("{} line(s)", f.value),
        Metric::Suppressions => "—".to_string(),
        _ => match f.base_value {
            Some(base) => format!("{base} → **{}** (limit {})", f.value, f.threshold),
            None => format!("new: **{}** (limit {})", f.value, f.threshold),
        },
    }
}

/// The message without the rule's advice (the rule's page gives it), its function's name as
/// code, any other `` `quoted` `` span as code too, the rest escaped.
fn message(verdict: &Verdict, f: &Finding) -> String {
    let advice = verdict
        .rules
        .iter()
        .find(|r| r.id == f.rule_id)
        .map(|r| r.advice.as_str());
    let text = advice
        .filter(|a| !a.is_empty())
        .and_then(|a| f.message.strip_suffix(a))
        .map_or(f.message.as_str(), str::trim_end);
    if f.function.is_empty() {
        return with_code(text);
    }
    let quoted = format!("`{}`", f.function);
    text.split(quoted.as_str())
        .map(with_code)
        .collect::<Vec<_>>()
        .join(&code(&f.function))
}

/// Text whose `` `quoted` `` spans become code; everything escaped.
fn with_code(text: &str) -> String {
    text.split('`')
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { code(part) } else { escape(part) })
        .collect()
}

/// Untrusted text as inline code: an HTML `<code>` element with every character Markdown or
/// HTML could read as markup given as a character reference, so a name holding `` ` ``, `|`
/// or `<` shows as itself.
fn code(text: &str) -> String {
    let mut out = String::from("<code>");
    for c in text.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            c if c.is_control() || super::is_bidi_control(c) => out.push_str(&escape(&c.to_string())),
            c if "&<>`|*_[]\\~#!@$".contains(c) => {
                let _ = write!(out, "&#{};", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push_str("</code>");
    out
}

/// `text` linked to `url` when there is one (`url` was checked when the links were made).
fn link(text: &str, url: Option<String>) -> String {
    match url {
        Some(url) => format!("[{text}]({url})"),
        None => text.to_string(),
    }
}

/// A folded list (`<details>`), written only when it has items.
fn folded(out: &mut String, summary: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "<details><summary>{summary}</summary>\n");
    for item in items {
        let _ = writeln!(out, "- {item}");
    }
    let _ = writeln!(out, "\n</details>\n");
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_and_html_are_neutralised() {
        assert_eq!(
            super::escape("a|b <img src=x> **c**\nd"),
            "a\\|b \\<img src=x\\> \\*\\*c\\*\\* d"
        );
        assert_eq!(
            super::escape("cc @org/team and @user"),
            "cc &#64;org/team and &#64;user"
        );
        assert_eq!(super::escape("a\u{202e}b"), "a\\u{202e}b");
    }
}
