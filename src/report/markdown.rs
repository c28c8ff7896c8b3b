//! A Markdown summary, for `$GITHUB_STEP_SUMMARY`, merge-request notes and chat.

use std::fmt::Write;

use crate::verdict::{Outcome, Verdict};

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
            escape(&c.name),
            escape(&c.detail)
        );
    }
    out.push('\n');
}

fn findings(out: &mut String, verdict: &Verdict) {
    if verdict.findings.is_empty() {
        return;
    }
    let _ = writeln!(out, "| | location | rule | finding |\n| --- | --- | --- | --- |");
    for (shown, f) in verdict.findings.iter().enumerate() {
        if out.len() > SIZE_BUDGET {
            let more = verdict.findings.len() - shown;
            let _ = writeln!(out, "\n{more} more finding(s): see the SARIF or JSON report.");
            break;
        }
        let mark = match (f.suppressed.is_some(), f.severity) {
            (true, _) => "🔕",
            (false, crate::rules::Severity::Error) => "🔴",
            (false, crate::rules::Severity::Warning) => "🟡",
            (false, crate::rules::Severity::Note) => "🔵",
        };
        let suppressed = f
            .suppressed
            .as_deref()
            .map(|r| format!(" *(suppressed: {})*", escape(r)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {mark} | {}:{} | `{}` | {}{suppressed} |",
            escape(&f.path),
            f.line,
            f.rule_id,
            escape(&f.message)
        );
    }
    out.push('\n');
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
