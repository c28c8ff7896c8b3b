//! JUnit XML: one test case per rule and file, failed by its findings, for CI systems that show
//! test reports (Jenkins, GitLab, Azure Pipelines, CircleCI).

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::verdict::{Finding, Verdict};

/// Escapes XML text and attribute values; characters XML 1.0 cannot carry are dropped, and
/// line breaks and tabs are character references, so attribute values keep them.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match xml_reference(c) {
            Some(reference) => out.push_str(reference),
            None if is_xml_char(c) => out.push(c),
            None => {}
        }
    }
    out
}

// debtgate: ignore[cyclomatic-complexity] one arm per character, read at a glance: a table
fn xml_reference(c: char) -> Option<&'static str> {
    Some(match c {
        '&' => "&amp;",
        '<' => "&lt;",
        '>' => "&gt;",
        '"' => "&quot;",
        '\'' => "&apos;",
        '\n' => "&#10;",
        '\r' => "&#13;",
        '\t' => "&#9;",
        _ => return None,
    })
}

/// Whether XML 1.0 can carry the character (the line breaks and tab are references above).
fn is_xml_char(c: char) -> bool {
    (c as u32) >= 0x20 && c != '\u{fffe}' && c != '\u{ffff}'
}

pub fn render(verdict: &Verdict) -> String {
    let mut cases: BTreeMap<(&str, &str), Vec<&Finding>> = BTreeMap::new();
    for f in verdict.findings.iter().filter(|f| f.suppressed.is_none()) {
        cases.entry((&f.path, &f.rule_id)).or_default().push(f);
    }
    let failed_conditions: Vec<_> = verdict
        .conditions
        .iter()
        .filter(|c| c.judged && !c.passed)
        .collect();
    // A case fails only where a finding fails the gate: warnings under `fail-on = "error"`,
    // and notes, are reported as output of a passing case, so the test report agrees with the
    // exit code.
    let fails = |findings: &[&Finding]| findings.iter().any(|f| f.severity >= verdict.fail_on);
    let tests = cases.len() + verdict.conditions.len();
    let failures = cases.values().filter(|f| fails(f)).count() + failed_conditions.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"debtgate\" tests=\"{tests}\" failures=\"{failures}\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"debtgate\" tests=\"{tests}\" failures=\"{failures}\">"
    );
    for ((path, rule), findings) in &cases {
        let _ = writeln!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\">",
            escape(path),
            escape(rule)
        );
        let text: Vec<String> = findings
            .iter()
            .map(|f| format!("{}:{}: {}", f.path, f.line, f.message))
            .collect();
        if fails(findings) {
            let _ = writeln!(
                out,
                "      <failure message=\"{} finding(s)\" type=\"{}\">{}</failure>",
                findings.len(),
                escape(rule),
                escape(&text.join("\n"))
            );
        } else {
            let _ = writeln!(out, "      <system-out>{}</system-out>", escape(&text.join("\n")));
        }
        let _ = writeln!(out, "    </testcase>");
    }
    for c in &verdict.conditions {
        let _ = write!(
            out,
            "    <testcase classname=\"gate\" name=\"{}\">",
            escape(&c.label())
        );
        if c.judged && !c.passed {
            let _ = write!(
                out,
                "<failure message=\"{}\">{} (limit {})</failure>",
                escape(&c.detail),
                escape(&c.shown_value()),
                escape(&c.shown_limit())
            );
        } else if !c.judged {
            let _ = write!(out, "<skipped message=\"{}\"/>", escape(&c.detail));
        }
        let _ = writeln!(out, "</testcase>");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
