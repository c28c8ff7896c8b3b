//! The terminal report.

use std::fmt::Write;

use super::escape_control;
use crate::verdict::{Outcome, Verdict};

pub fn render(verdict: &Verdict) -> String {
    let mut out = String::new();
    for f in &verdict.findings {
        let suppressed = f
            .suppressed
            .as_deref()
            .map(|r| format!(" [suppressed: {}]", escape_control(r)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{}:{}:{}: {}[{}] {}{suppressed}",
            escape_control(&f.path),
            f.line,
            f.column,
            f.severity.as_str(),
            f.rule_id,
            escape_control(&f.message)
        );
    }
    for n in &verdict.notices {
        let place = n
            .path
            .as_deref()
            .map(|p| format!("{}: ", escape_control(p)))
            .unwrap_or_default();
        let _ = writeln!(out, "{place}{}: {}", n.level.as_str(), escape_control(&n.message));
    }
    for c in &verdict.conditions {
        if !c.judged {
            let _ = writeln!(out, "gate: {}: {}", c.name, c.detail);
            continue;
        }
        let _ = writeln!(
            out,
            "gate: {}: {:.2} % (limit {:.2} %): {} ({})",
            c.name,
            c.value,
            c.limit,
            if c.passed { "passed" } else { "FAILED" },
            c.detail
        );
    }
    let s = &verdict.summary;
    let head = match verdict.outcome {
        Outcome::Passed => "debtgate: passed",
        Outcome::Failed => "debtgate: FAILED",
        Outcome::NotJudged => "debtgate: NOT JUDGED (see the errors above)",
    };
    let _ = writeln!(
        out,
        "{head}: {} error(s), {} warning(s), {} note(s){}; {} function(s) in {} of {} changed file(s) analysed; debt {} min added, {} min removed, net {:+} min",
        s.errors,
        s.warnings,
        s.notes,
        if s.suppressed > 0 { format!(", {} suppressed", s.suppressed) } else { String::new() },
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
    let _ = writeln!(
        out,
        "  base {base} ({named}from {}), head {}{}",
        verdict.base_source,
        &verdict.head[..verdict.head.len().min(12)],
        verdict
            .config_source
            .as_deref()
            .map(|c| format!(", config {}", escape_control(c)))
            .unwrap_or_default()
    );
    out
}
