//! GitHub Actions workflow commands (`::error file=…,line=…::message`): annotations on the
//! pull request's diff. Every value is escaped as the runner expects, so no file name or
//! message can end the command early or start another one.

use std::fmt::Write;

use crate::rules::Severity;
use crate::verdict::Verdict;

/// Escapes a command's message: `%`, CR and LF as the runner decodes them; escape sequences and
/// bidirectional controls shown escaped (the log renders them otherwise).
pub fn escape_data(s: &str) -> String {
    super::escape_own(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: as data, plus `:` and `,`, which separate properties.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(verdict: &Verdict) -> String {
    let mut out = String::new();
    for f in &verdict.findings {
        if f.suppressed.is_some() {
            continue;
        }
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let _ = writeln!(
            out,
            "::{level} file={},line={},endLine={},col={},title={}::{}",
            escape_property(&f.path),
            f.line,
            f.line,
            f.column,
            escape_property(&format!("debtgate {}", f.rule_id)),
            escape_data(&f.message)
        );
    }
    for n in &verdict.notices {
        let level = if n.blocking { "error" } else { "notice" };
        let file = n.path_shown(|p| format!(" file={}", escape_property(p)));
        let _ = writeln!(out, "::{level}{file}::{}", escape_data(&n.message));
    }
    for c in verdict.conditions.iter().filter(|c| c.judged && !c.passed) {
        let _ = writeln!(
            out,
            "::error title={}::{}",
            escape_property("debtgate gate"),
            escape_data(&format!(
                "{}: {} (limit {}): {}",
                c.name,
                c.shown_value(),
                c.shown_limit(),
                c.detail
            ))
        );
    }
    out
}

/// The step outputs (`$GITHUB_OUTPUT` lines): passed, findings, patch-coverage, debt-minutes,
/// sarif-file.
pub fn step_outputs(verdict: &Verdict, sarif: Option<&std::path::Path>) -> String {
    let s = &verdict.summary;
    let coverage = verdict
        .coverage
        .as_ref()
        .and_then(|c| c.patch_percent)
        .map_or_else(String::new, |p| format!("{p:.2}"));
    let sarif = sarif.map_or_else(String::new, |p| p.display().to_string());
    format!(
        "passed={}\nfindings={}\nexit-code={}\npatch-coverage={coverage}\ndebt-minutes={}\nsarif-file={}\n",
        verdict.outcome == crate::verdict::Outcome::Passed,
        s.errors + s.warnings + s.notes,
        verdict.outcome.exit_code(),
        s.debt_minutes,
        sarif.replace(['\n', '\r'], " ")
    )
}

/// The step outputs of a run that could not judge the change (exit 2): nothing passed, no
/// findings, no SARIF log to upload.
pub fn not_judged_outputs() -> String {
    let code = crate::verdict::Outcome::NotJudged.exit_code();
    format!("passed=false\nfindings=0\nexit-code={code}\npatch-coverage=\ndebt-minutes=\nsarif-file=\n")
}

/// An error annotation saying why the change could not be judged; the message keeps its lines.
pub fn not_judged_annotation(message: &str) -> String {
    format!(
        "::error title=debtgate could not judge the change::{}\n",
        escape_data(message)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_hostile_survives() {
        assert_eq!(escape_data("50%\r\n::error::x"), "50%25\\r%0A::error::x");
        assert_eq!(escape_property("a,b:c%\n"), "a%2Cb%3Ac%25%0A");
        assert_eq!(
            escape_data("\x1b[2J\u{202E}gnp.exe"),
            "\\u{1b}[2J\\u{202e}gnp.exe"
        );
        assert_eq!(escape_property("\x1b]0;title\x07.py"), "\\u{1b}]0;title\\u{7}.py");
    }
}
