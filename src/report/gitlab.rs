//! GitLab Code Quality JSON (`artifacts:reports:codequality`): a list of issues with stable
//! fingerprints, shown in merge requests.

use serde::Serialize;

use crate::rules::{Metric, Severity};
use crate::verdict::Verdict;

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    description: &'a str,
    check_name: &'a str,
    categories: [&'static str; 1],
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
    end: u32,
}

/// The Code Climate category of what a rule measures.
fn category(metric: Metric) -> &'static str {
    match metric {
        Metric::DuplicatedTokens => "Duplication",
        Metric::UncoveredLines => "Coverage",
        Metric::Suppressions => "Style",
        _ => "Complexity",
    }
}

pub fn render(verdict: &Verdict) -> String {
    let issues: Vec<Issue<'_>> = verdict
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .map(|f| Issue {
            kind: "issue",
            description: &f.message,
            check_name: &f.rule_id,
            categories: [category(f.metric)],
            fingerprint: &f.fingerprint,
            severity: match f.severity {
                Severity::Error => "major",
                Severity::Warning => "minor",
                Severity::Note => "info",
            },
            location: Location {
                path: &f.path,
                lines: Lines {
                    begin: f.line,
                    end: f.function_end_line.max(f.line),
                },
            },
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&issues).expect("issues serialise");
    out.push('\n');
    out
}
