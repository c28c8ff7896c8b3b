//! Probe fixtures carry their expected values inline (`# expect: cognitive=4 ...` on the line
//! before a function head); the real binary must report exactly those. Each line of a scored
//! function also says what it adds to cognitive complexity (`# +2 ...`, several `+N` summed,
//! parenthesised text ignored, no `+N` meaning nothing): the increments are checked line by
//! line, not only their total.

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

    let out = debtgate_in(&dir, &["metrics", "--format", "jsonl", "--increments", file]);
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
    let lines: Vec<&str> = source.lines().collect();
    let span = |r: &serde_json::Value| (r["start_line"].as_u64().unwrap(), r["end_line"].as_u64().unwrap());
    let scored: Vec<(u64, u64)> = reported
        .values()
        .filter(|r| !r["cognitive"].is_null())
        .map(span)
        .collect();
    for row in reported.values() {
        let (start, end) = span(row);
        let inner: Vec<(u64, u64)> = scored
            .iter()
            .copied()
            .filter(|&(s, e)| (s, e) != (start, end) && start <= s && e <= end)
            .collect();
        check_increments(file, comment, &lines, row, &inner, &mut failures);
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

/// Compares a function's increments, line by line, with the `+N` its lines' comments claim.
/// `inner` are the spans of the functions nested in this one that are scored on their own.
fn check_increments(
    file: &str,
    comment: &str,
    lines: &[&str],
    row: &serde_json::Value,
    inner: &[(u64, u64)],
    failures: &mut Vec<String>,
) {
    let Some(increments) = row["increments"].as_array() else {
        return; // a nested def folded into its parent
    };
    let mut reported: BTreeMap<u64, u64> = BTreeMap::new();
    for i in increments {
        *reported.entry(i["line"].as_u64().unwrap()).or_default() += i["amount"].as_u64().unwrap();
    }
    let (start, end) = (
        row["start_line"].as_u64().unwrap(),
        row["end_line"].as_u64().unwrap(),
    );
    for line in start..=end {
        if inner.iter().any(|&(s, e)| s <= line && line <= e) {
            continue; // a nested function scored on its own has its own claims
        }
        let text = lines[line as usize - 1];
        let claimed = [format!("{comment} +"), "/* +".to_string()]
            .iter()
            .find_map(|marker| text.find(marker.as_str()))
            .map_or(0, |at| claimed_increments(&text[at + 2..]));
        let got = reported.get(&line).copied().unwrap_or(0);
        if got != claimed {
            failures.push(format!(
                "{file}:{line} {}: increments add {got} on this line, its comment says {claimed}",
                row["qualified_name"]
            ));
        }
    }
}

/// The sum of the `+N` in a comment, outside parentheses.
fn claimed_increments(comment: &str) -> u64 {
    let mut depth = 0;
    let mut outside = String::new();
    for c in comment.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if depth == 0 => outside.push(c),
            _ => {}
        }
    }
    outside
        .split(|c: char| !(c == '+' || c.is_ascii_digit()))
        .filter_map(|w| w.strip_prefix('+')?.parse::<u64>().ok())
        .sum()
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
