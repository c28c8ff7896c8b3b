//! GitLab Code Quality JSON (`artifacts:reports:codequality`): a list of issues with stable
//! fingerprints, shown in merge requests.

use serde::Serialize;

use crate::rules::Severity;
use crate::verdict::Verdict;

#[derive(Serialize)]
struct Issue<'a> {
    description: &'a str,
    check_name: &'a str,
    fingerprint: &'a str,
    severity: &'static str,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
}

pub fn render(verdict: &Verdict) -> String {
    let issues: Vec<Issue<'_>> = verdict
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .map(|f| Issue {
            description: &f.message,
            check_name: &f.rule_id,
            fingerprint: &f.fingerprint,
            severity: match f.severity {
                Severity::Error => "major",
                Severity::Warning => "minor",
                Severity::Note => "info",
            },
            location: Location {
                path: &f.path,
                lines: Lines { begin: f.line },
            },
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&issues).expect("issues serialise");
    out.push('\n');
    out
}
