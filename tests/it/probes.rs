//! Probe fixtures carry their expected values inline (`# expect: cognitive=4 ...` on the line
//! before a function head); the real binary must report exactly those.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::{code, debtgate_in, stderr, stdout};

fn check_probe(file: &str, comment: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/probes");
    let source = std::fs::read_to_string(dir.join(file)).unwrap();
    let marker = format!("{comment} expect:");
    let mut expected: BTreeMap<u32, Vec<(String, String)>> = BTreeMap::new();
    for (i, line) in source.lines().enumerate() {
        if let Some(at) = line.find(&marker) {
            let rest = &line[at + marker.len()..];
            let pairs = rest
                .split_whitespace()
                .map(|kv| {
                    let (k, v) = kv.split_once('=').expect("key=value");
                    (k.to_string(), v.to_string())
                })
                .collect();
            expected.insert(i as u32 + 2, pairs);
        }
    }
    let minimum = if file.ends_with(".tsx") { 2 } else { 10 };
    assert!(expected.len() >= minimum, "{file} has too few probes");

    let out = debtgate_in(&dir, &["metrics", "--format", "jsonl", file]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mut reported: BTreeMap<u32, serde_json::Value> = BTreeMap::new();
    for line in stdout(&out).lines() {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        let start = row["start_line"].as_u64().unwrap() as u32;
        assert!(
            reported.insert(start, row).is_none(),
            "two functions start on line {start}"
        );
    }
    let mut failures = Vec::new();
    for (line, pairs) in &expected {
        let Some(row) = reported.get(line) else {
            failures.push(format!("{file}:{line}: no function reported here"));
            continue;
        };
        for (key, want) in pairs {
            let field = if key == "nesting" {
                "max_nesting"
            } else {
                key.as_str()
            };
            let got = match &row[field] {
                serde_json::Value::Null => "-".to_string(),
                v => v.to_string(),
            };
            if &got != want {
                failures.push(format!(
                    "{file}:{line} {}: {key} is {got}, expected {want}",
                    row["qualified_name"]
                ));
            }
        }
    }
    for (line, row) in &reported {
        if !expected.contains_key(line) {
            failures.push(format!(
                "{file}:{line}: {} is reported but has no `expect:` line",
                row["qualified_name"]
            ));
        }
    }
    assert!(failures.is_empty(), "probe mismatches:\n{}", failures.join("\n"));
}

#[test]
fn python_probes() {
    check_probe("probe.py", "#");
}

#[test]
fn javascript_probes() {
    check_probe("probe.js", "//");
}

#[test]
fn rust_probes() {
    check_probe("probe.rs", "//");
}

#[test]
fn typescript_probes() {
    check_probe("probe.ts", "//");
}

#[test]
fn tsx_probes() {
    check_probe("probe.tsx", "//");
}

#[test]
fn go_probes() {
    check_probe("probe.go", "//");
}

#[test]
fn java_probes() {
    check_probe("probe.java", "//");
}
