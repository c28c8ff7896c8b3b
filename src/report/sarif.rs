//! SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.
//!
//! URIs are repository-relative and percent-encoded, columns count UTF-16 code units (SARIF's
//! default `columnKind`), and nothing run-specific (times, absolute paths) is written, so the
//! same inputs give byte-identical output.

use std::collections::BTreeMap;

use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, Notification,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, RunAutomationDetails, Sarif, Suppression, Tool, ToolComponent,
};

use crate::rules::{Rule, Severity};
use crate::verdict::{Finding, Notice, Verdict};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";

fn result_level(s: Severity) -> ResultLevel {
    match s {
        Severity::Note => ResultLevel::Note,
        Severity::Warning => ResultLevel::Warning,
        Severity::Error => ResultLevel::Error,
    }
}

fn level(s: Severity) -> serde_json::Value {
    serde_json::Value::from(s.as_str())
}

pub fn render(verdict: &Verdict) -> String {
    let mut rules: Vec<&Rule> = verdict.rules.iter().collect();
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    let descriptors: Vec<ReportingDescriptor> = rules
        .iter()
        .map(|r| descriptor(r, verdict.links.rule(&r.id)))
        .collect();
    let index: BTreeMap<&str, i64> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i as i64))
        .collect();
    let results: Vec<SarifResult> = verdict.findings.iter().map(|f| result(f, &index)).collect();
    let notifications: Vec<Notification> = verdict.notices.iter().map(notification).collect();
    let invocation = Invocation::builder()
        .execution_successful(!verdict.notices.iter().any(|n| n.blocking))
        .tool_execution_notifications(notifications)
        .build();
    let driver = ToolComponent::builder()
        .name("debtgate")
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .version(env!("CARGO_PKG_VERSION"))
        .information_uri("https://github.com/debtgate/debtgate")
        .rules(descriptors)
        .build();
    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .invocations(vec![invocation])
        .column_kind(serde_json::Value::from("utf16CodeUnits"))
        .build();
    // A shard's results are their own category: code scanning then keeps every shard's
    // alerts, instead of closing one shard's with the next shard's upload.
    run.automation_details = verdict
        .shard
        .map(|shard| RunAutomationDetails::builder().id(shard.category()).build());
    let sarif = Sarif::builder()
        .schema(SCHEMA)
        .version(serde_json::Value::from("2.1.0"))
        .runs(vec![run])
        .build();
    let mut out = serde_json::to_string_pretty(&sarif).expect("SARIF serialises");
    out.push('\n');
    out
}

/// One finding as a SARIF result: its place, the places that explain it, its numbers as
/// properties, its fingerprint, and its suppression.
fn result(f: &Finding, index: &BTreeMap<&str, i64>) -> SarifResult {
    let region = Region::builder()
        .start_line(i64::from(f.line))
        .start_column(i64::from(f.column))
        .build();
    let related: Vec<Location> = f
        .related
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let span = match r.start_column {
                Some(column) => Region::builder()
                    .start_line(i64::from(r.start_line))
                    .start_column(i64::from(column))
                    .end_line(i64::from(r.end_line))
                    .build(),
                None => Region::builder()
                    .start_line(i64::from(r.start_line))
                    .end_line(i64::from(r.end_line))
                    .build(),
            };
            Location::builder()
                .id(i as i64)
                .physical_location(physical(&r.path, span))
                .message(Message::builder().text(r.message.clone()).build())
                .build()
        })
        .collect();
    let mut props = BTreeMap::new();
    props.insert("metric".to_string(), serde_json::json!(f.metric));
    props.insert("value".to_string(), serde_json::json!(f.value));
    props.insert("baseValue".to_string(), serde_json::json!(f.base_value));
    props.insert("threshold".to_string(), serde_json::json!(f.threshold));
    props.insert("change".to_string(), serde_json::json!(f.change));
    if !f.function.is_empty() {
        props.insert("function".to_string(), serde_json::json!(f.function));
    }
    props.insert("debtMinutes".to_string(), serde_json::json!(f.debt_minutes));
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert("debtgate/v1".to_string(), f.fingerprint.clone());
    let mut result = SarifResult::builder()
        .rule_id(f.rule_id.clone())
        .level(result_level(f.severity))
        .message(Message::builder().text(f.message.clone()).build())
        .locations(vec![Location::builder()
            .physical_location(physical(&f.path, region))
            .build()])
        .related_locations(related)
        .partial_fingerprints(fingerprints)
        .properties(PropertyBag::builder().additional_properties(props).build())
        .build();
    result.rule_index = index.get(f.rule_id.as_str()).copied();
    if let Some(reason) = &f.suppressed {
        result.suppressions = Some(vec![Suppression::builder()
            .kind(serde_json::json!("inSource"))
            .justification(reason.clone())
            .build()]);
    }
    result
}

fn notification(n: &Notice) -> Notification {
    let mut notification = Notification::builder()
        .level(level(n.level))
        .message(Message::builder().text(n.message.clone()).build())
        .build();
    if let Some(path) = &n.path {
        let place = PhysicalLocation::builder()
            .artifact_location(artifact(path))
            .build();
        notification.locations = Some(vec![Location::builder().physical_location(place).build()]);
    }
    notification
}

/// A rule's descriptor; `help_uri` is its page, when the run knows where the pages are.
fn descriptor(rule: &Rule, help_uri: Option<String>) -> ReportingDescriptor {
    let mut props = BTreeMap::new();
    props.insert(
        "tags".to_string(),
        serde_json::json!(["maintainability", "tech-debt"]),
    );
    props.insert("threshold".to_string(), serde_json::json!(rule.threshold));
    props.insert("scope".to_string(), serde_json::json!(rule.scope));
    let mut descriptor = ReportingDescriptor::builder()
        .id(rule.id.clone())
        .name(rule.name.clone())
        .short_description(
            MultiformatMessageString::builder()
                .text(rule.summary.clone())
                .build(),
        )
        .full_description(
            MultiformatMessageString::builder()
                .text(format!("{} (limit {}).", rule.summary, rule.threshold))
                .build(),
        )
        .help(
            MultiformatMessageString::builder()
                .text(rule.help.trim().to_string())
                .markdown(rule.help.trim().to_string())
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(level(rule.severity))
                .enabled(rule.enabled)
                .build(),
        )
        .properties(PropertyBag::builder().additional_properties(props).build())
        .build();
    descriptor.help_uri = help_uri;
    descriptor
}

fn artifact(path: &str) -> ArtifactLocation {
    ArtifactLocation::builder()
        .uri(encode_uri_path(path))
        .uri_base_id(SRCROOT)
        .build()
}

fn physical(path: &str, region: Region) -> PhysicalLocation {
    PhysicalLocation::builder()
        .artifact_location(artifact(path))
        .region(region)
        .build()
}

/// Percent-encodes a repository-relative path as a relative URI reference (RFC 3986):
/// unreserved characters and `/` stay, everything else is `%XX` of the path's bytes (the
/// file's real name, UTF-8 or not).
pub fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in crate::git::path_bytes(path) {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn uri_encoding() {
        assert_eq!(
            super::encode_uri_path("src/a b/ü:x#?.py"),
            "src/a%20b/%C3%BC%3Ax%23%3F.py"
        );
        let name = crate::git::path_from_bytes(b"bad\xff\xfe.py");
        assert_eq!(super::encode_uri_path(&name), "bad%FF%FE.py");
    }
}
