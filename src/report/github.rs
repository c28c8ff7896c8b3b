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

/// GitHub shows at most 10 error, 10 warning and 10 notice annotations of a step.
const SHOWN_PER_LEVEL: usize = 10;

/// Annotations errors first (failed gate conditions, then what could not be judged, then error
/// findings), then warnings, then notices; at most what GitHub shows of each level, and a last
/// notice saying how many more the summary lists.
pub fn render(verdict: &Verdict) -> String {
    // Errors, warnings, notices.
    let mut levels: [Vec<String>; 3] = Default::default();
    for c in verdict.conditions.iter().filter(|c| c.judged && !c.passed) {
        levels[0].push(condition_annotation(c));
    }
    for n in verdict.notices.iter().filter(|n| n.blocking) {
        levels[0].push(notice_annotation(n));
    }
    for f in verdict.findings.iter().filter(|f| f.suppressed.is_none()) {
        let (level, line) = finding_annotation(f);
        levels[level].push(line);
    }
    for n in verdict.notices.iter().filter(|n| !n.blocking) {
        levels[2].push(notice_annotation(n));
    }
    within_limits(&levels)
}

fn condition_annotation(c: &crate::verdict::Condition) -> String {
    format!(
        "::error title={}::{}",
        escape_property("debtgate gate"),
        escape_data(&format!(
            "{}: {} (limit {}): {}",
            c.label(),
            c.shown_value(),
            c.shown_limit(),
            c.detail
        ))
    )
}

fn notice_annotation(n: &crate::verdict::Notice) -> String {
    let level = if n.blocking { "error" } else { "notice" };
    let file = n.path_shown(|p| format!(" file={}", escape_property(p)));
    format!("::{level}{file}::{}", escape_data(&n.message))
}

/// A finding's annotation, and its level's place (0 error, 1 warning, 2 notice).
fn finding_annotation(f: &crate::verdict::Finding) -> (usize, String) {
    let levels = [Severity::Error, Severity::Warning, Severity::Note];
    let level = levels.iter().position(|&s| s == f.severity).unwrap_or(2);
    // A note is what GitHub calls a notice.
    let name = ["error", "warning", "notice"][level];
    let line = format!(
        "::{name} file={},line={},endLine={},col={},title={}::{}",
        escape_property(&f.path),
        f.line,
        f.line,
        f.column,
        escape_property(&format!("debtgate {}", f.rule_id)),
        escape_data(&f.message)
    );
    (level, line)
}

/// At most what GitHub shows of each level, in order, and a last notice saying how many more
/// the summary lists (it takes the last notice's place when the notices are full too).
fn within_limits(levels: &[Vec<String>; 3]) -> String {
    let dropped = |lines: &Vec<String>| lines.len().saturating_sub(SHOWN_PER_LEVEL);
    let over = dropped(&levels[0]) + dropped(&levels[1]) + dropped(&levels[2]) > 0;
    let mut out = String::new();
    let mut more = 0;
    for (i, lines) in levels.iter().enumerate() {
        let room = SHOWN_PER_LEVEL - usize::from(i == 2 && over && lines.len() >= SHOWN_PER_LEVEL);
        for line in lines.iter().take(room) {
            out.push_str(line);
            out.push('\n');
        }
        more += lines.len().saturating_sub(room);
    }
    if more > 0 {
        let _ = writeln!(
            out,
            "::notice title=debtgate::{more} more finding(s) and notice(s) than GitHub shows as annotations; the step summary lists them all"
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
    fn annotations_stay_within_what_github_shows_errors_first() {
        let mut verdict = crate::report::sample::verdict();
        let first = verdict.findings[0].clone();
        let mut warning = first.clone();
        warning.severity = Severity::Warning;
        verdict.findings = std::iter::repeat_n(warning, 14)
            .chain(std::iter::repeat_n(first, 25))
            .collect();
        let out = render(&verdict);
        let count = |prefix: &str| out.lines().filter(|l| l.starts_with(prefix)).count();
        assert_eq!(count("::error"), SHOWN_PER_LEVEL, "{out}");
        assert_eq!(count("::warning"), SHOWN_PER_LEVEL, "{out}");
        assert!(count("::notice") <= SHOWN_PER_LEVEL, "{out}");
        assert!(out
            .lines()
            .next()
            .unwrap()
            .starts_with("::error title=debtgate gate::"));
        // Every error (25 findings, the failed gate, what could not be judged) but 10, 4 of the
        // 14 warnings, and the notices past the room one line leaves them.
        let last = out.lines().last().unwrap();
        assert!(last.starts_with("::notice title=debtgate::"), "{last}");
        let blocking = verdict.notices.iter().filter(|n| n.blocking).count();
        let failed = verdict
            .conditions
            .iter()
            .filter(|c| c.judged && !c.passed)
            .count();
        let notices = verdict.notices.len() - blocking;
        let left_out = (25 + blocking + failed - SHOWN_PER_LEVEL)
            + (14 - SHOWN_PER_LEVEL)
            + notices.saturating_sub(SHOWN_PER_LEVEL - 1);
        assert!(last.contains(&format!("::{left_out} more")), "{last}");
    }

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
