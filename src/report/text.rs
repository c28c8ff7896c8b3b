//! The terminal report, in the style of rustc and ruff: the location first (so editors and
//! terminals link it), then the source line with a marker under it. Colour only when asked
//! (a terminal, and `NO_COLOR` unset).

use std::fmt::Write;

use super::{escape_control, escape_own};
use crate::rules::Severity;
use crate::verdict::{Finding, Outcome, Verdict};

/// ANSI styles, or nothing.
#[derive(Clone, Copy)]
struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

pub fn render(verdict: &Verdict) -> String {
    render_with(verdict, false)
}

/// The report, coloured when `color`.
pub fn render_with(verdict: &Verdict, color: bool) -> String {
    let style = Style { on: color };
    let mut out = String::new();
    for f in &verdict.findings {
        finding(&mut out, f, style);
    }
    for m in &verdict.moves {
        let _ = writeln!(out, "moved: {}", escape_control(&describe_move(m)));
    }
    for n in &verdict.notices {
        let place = n.path_shown(|p| format!("{}: ", escape_control(p)));
        let _ = writeln!(out, "{place}{}: {}", n.level.as_str(), escape_own(&n.message));
    }
    for c in &verdict.conditions {
        let _ = match (c.judged, c.passed) {
            (false, _) => writeln!(out, "gate: {}: not applied: {}", c.label(), c.detail),
            (true, passed) => writeln!(
                out,
                "gate: {}: {} (limit {}): {} ({})",
                c.label(),
                c.shown_value(),
                c.shown_limit(),
                if passed { "passed" } else { "FAILED" },
                c.detail
            ),
        };
    }
    summary(&mut out, verdict);
    out
}

/// `path:line:column: level[rule] message`, and the code frame under it.
fn finding(out: &mut String, f: &Finding, style: Style) {
    let suppressed = f
        .suppressed
        .as_deref()
        .map(|r| style.paint("2", &format!(" [suppressed: {}]", escape_control(r))))
        .unwrap_or_default();
    let level = match (f.suppressed.is_some(), f.severity) {
        (true, s) => style.paint("2", s.as_str()),
        (false, Severity::Error) => style.paint("1;31", "error"),
        (false, Severity::Warning) => style.paint("1;33", "warning"),
        (false, Severity::Note) => style.paint("1;36", "note"),
    };
    let place = style.paint(
        "1",
        &format!("{}:{}:{}", escape_control(&f.path), f.line, f.column),
    );
    let _ = writeln!(
        out,
        "{place}: {level}[{}] {}{suppressed}",
        f.rule_id,
        escape_own(&f.message)
    );
    let Some(source) = &f.source_line else { return };
    let number = f.line.to_string();
    let gutter = " ".repeat(number.len());
    let text = escape_control(source.trim_end());
    let indent = text.len() - text.trim_start().len();
    let width = text.trim().chars().count().clamp(1, 60);
    let bar = style.paint("34", "|");
    let _ = writeln!(out, "{gutter} {bar}");
    let _ = writeln!(out, "{} {bar} {text}", style.paint("34", &number));
    let carets = style.paint("33", &"^".repeat(width));
    let _ = writeln!(out, "{gutter} {bar} {}{carets}", " ".repeat(indent));
}

/// The verdict line, and where base, head and configuration came from.
fn summary(out: &mut String, verdict: &Verdict) {
    let s = &verdict.summary;
    let head = match verdict.outcome {
        Outcome::Passed => "debtgate: passed",
        Outcome::Failed => "debtgate: FAILED",
        Outcome::NotJudged => "debtgate: NOT JUDGED (see the errors above)",
    };
    let suppressed = if s.suppressed > 0 {
        format!(", {} suppressed", s.suppressed)
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{head}: {} error(s), {} warning(s), {} note(s){suppressed}; {} function(s) in {} of {} changed file(s) analysed; debt {} min added, {} min removed, net {:+} min",
        s.errors,
        s.warnings,
        s.notes,
        s.functions_analyzed,
        s.files_analyzed,
        s.files_changed,
        s.debt_minutes,
        s.debt_removed_minutes,
        s.debt_net_minutes
    );
    let base = &verdict.base[..verdict.base.len().min(12)];
    let named = if verdict.base.starts_with(&verdict.base_spec) {
        String::new()
    } else {
        format!("merge-base of {} ", escape_control(&verdict.base_spec))
    };
    let config = verdict
        .config_source
        .as_deref()
        .map(|c| format!(", config {}", escape_control(c)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  base {base} ({named}from {}), head {}{config}",
        verdict.base_source,
        &verdict.head[..verdict.head.len().min(12)]
    );
}

/// `a.py:old -> b.py:new (lines 3-9)`: a function the change moved or renamed.
pub fn describe_move(m: &crate::verdict::Move) -> String {
    let from = if m.from_path == m.path {
        m.from_function.clone()
    } else {
        format!("{}:{}", m.from_path, m.from_function)
    };
    let how = if m.exact {
        "unchanged: not new code"
    } else {
        "with edits"
    };
    format!(
        "{from} -> {}:{} (lines {}-{}), {how}; judged against its base numbers",
        m.path, m.function, m.start_line, m.end_line
    )
}
