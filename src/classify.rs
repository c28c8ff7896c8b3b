//! What kind of code a file holds: test code (by path conventions or configuration, and Rust's
//! `#[cfg(test)]` modules), generated code (a marker in the file's leading comment, or
//! `linguist-generated` in `.gitattributes`) and vendored code (`linguist-vendored`, or the
//! usual dependency folders).

use anyhow::{Context, Result};
use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::lang::{Language, ParsedFile};
use crate::lines::LineSet;

/// Where each language keeps its tests, by convention. `[tests] paths` replaces the list.
pub const DEFAULT_TEST_PATHS: &[&str] = &[
    "**/test/**",
    "**/tests/**",
    "**/__tests__/**",
    "**/__mocks__/**",
    "**/testdata/**",
    "**/fixtures/**",
    "**/spec/**",
    "**/e2e/**",
    "**/src/test/**",
    "**/src/testFixtures/**",
    "**/src/integrationTest/**",
    "**/test_*.py",
    "**/*_test.py",
    "**/conftest.py",
    "**/*_test.go",
    "**/*.test.*",
    "**/*.spec.*",
    "**/*.test-d.ts",
    "**/*Test.java",
    "**/*Tests.java",
    "**/tests.rs",
];

/// Paths of dependencies and build output checked into a repository.
pub const VENDORED_PATHS: &[&str] = &[
    "**/node_modules/**",
    "**/vendor/**",
    "**/third_party/**",
    "**/*.min.js",
    "**/*.bundle.js",
];

/// Compiles globs, naming the setting in errors.
pub fn globs<'a>(patterns: impl IntoIterator<Item = &'a str>, setting: &str) -> Result<GlobSet> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        builder.add(Glob::new(pattern).with_context(|| format!("{setting}: invalid pattern {pattern:?}"))?);
    }
    builder
        .build()
        .with_context(|| format!("{setting}: invalid patterns"))
}

/// Why a file is left out of judgement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeftOut {
    Generated,
    Vendored,
}

impl LeftOut {
    pub fn reason(self) -> &'static str {
        match self {
            LeftOut::Generated => "generated code",
            LeftOut::Vendored => "vendored code",
        }
    }
}

/// The `linguist-generated` / `linguist-vendored` attributes of a `.gitattributes` file: the
/// last line that sets or unsets an attribute for a matching pattern wins, as in git.
#[derive(Debug, Default)]
pub struct Attributes {
    rules: Vec<(globset::GlobMatcher, LeftOut, bool)>,
}

impl Attributes {
    /// Reads the root `.gitattributes`. Lines it cannot read are ignored, as git ignores them.
    pub fn parse(text: &str) -> Attributes {
        let mut rules = Vec::new();
        for line in text.lines().map(str::trim) {
            if line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_whitespace();
            let Some(glob) = parts.next().and_then(pattern_glob) else {
                continue;
            };
            // A directory pattern (`dist/`, `dist/**`) covers what is under it.
            let under = Glob::new(&format!("{}/**", glob.glob().trim_end_matches('/'))).ok();
            let matchers: Vec<_> = std::iter::once(glob)
                .chain(under)
                .map(|g| g.compile_matcher())
                .collect();
            for (kind, set) in parts.filter_map(left_out_attribute) {
                rules.extend(matchers.iter().map(|m| (m.clone(), kind, set)));
            }
        }
        Attributes { rules }
    }

    pub fn left_out(&self, path: &str) -> Option<LeftOut> {
        let mut generated = None;
        let mut vendored = None;
        for (matcher, kind, set) in &self.rules {
            if matcher.is_match(path) {
                match kind {
                    LeftOut::Generated => generated = Some(*set),
                    LeftOut::Vendored => vendored = Some(*set),
                }
            }
        }
        match (generated, vendored) {
            (Some(true), _) => Some(LeftOut::Generated),
            (_, Some(true)) => Some(LeftOut::Vendored),
            _ => None,
        }
    }
}

/// The glob a `.gitattributes` pattern stands for: one without a `/` matches at any depth.
fn pattern_glob(pattern: &str) -> Option<Glob> {
    let glob = if pattern.contains('/') {
        pattern.trim_start_matches('/').to_string()
    } else {
        format!("**/{pattern}")
    };
    Glob::new(&glob).ok()
}

/// What a `linguist-generated` or `linguist-vendored` attribute says (`-attr` and `attr=false`
/// unset it); other attributes say nothing.
fn left_out_attribute(attr: &str) -> Option<(LeftOut, bool)> {
    let (name, set) = match attr.strip_prefix('-') {
        Some(name) => (name, false),
        None => match attr.split_once('=') {
            Some((name, value)) => (name, !matches!(value, "false" | "0")),
            None => (attr, true),
        },
    };
    let kind = match name {
        "linguist-generated" => LeftOut::Generated,
        "linguist-vendored" => LeftOut::Vendored,
        _ => return None,
    };
    Some((kind, set))
}

/// Whether a file says it was generated, in its leading comment: the comments (and blank lines)
/// before its first line of code, up to 4 KiB. A marker further down, in code or in a string,
/// does not count (`// handles auto-generated ids` is not a marker).
pub fn has_generated_marker(content: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&content[..content.len().min(4096)]);
    let mut in_block = false;
    for line in head.lines().map(str::trim) {
        match leading_comment_line(line, &mut in_block) {
            Some(true) if is_generated_marker(line) => return true,
            Some(true) | None => {}
            Some(false) => return false,
        }
    }
    false
}

/// Whether a line of a file's head is comment (`None` for a blank or `#!` line, which neither
/// is nor ends the leading comment); `in_block` carries an open `/* ... */` across lines.
fn leading_comment_line(line: &str, in_block: &mut bool) -> Option<bool> {
    if *in_block || line.starts_with("/*") {
        *in_block = !line.contains("*/");
        return Some(true);
    }
    if line.is_empty() || line.starts_with("#!") {
        return None;
    }
    Some(line.starts_with("//") || line.starts_with('#') || line.starts_with("--"))
}

fn is_generated_marker(comment: &str) -> bool {
    ["@generated", "DO NOT EDIT", "<auto-generated"]
        .iter()
        .any(|marker| comment.contains(marker))
}

/// The lines of each table of records in a parsed file: a collection literal of three or more
/// elements that are all records of one kind (an array of struct literals, a list of dicts, an
/// array of objects). Rows of one table share their shape by design; a row added beside the
/// others is data, not a copy to extract (the duplication check does not report copies within
/// one table).
pub fn record_tables(parsed: &ParsedFile) -> Vec<(u32, u32)> {
    let (tables, records): (&[&str], &[&str]) = match parsed.language {
        Language::Rust => (&["array_expression"], &["struct_expression", "tuple_expression"]),
        Language::Python => (&["list", "tuple", "set"], &["dictionary", "call", "tuple"]),
        Language::JavaScript | Language::TypeScript | Language::Tsx => (&["array"], &["object", "array"]),
        Language::Go => (&["literal_value"], &["literal_element"]),
        Language::Java => (
            &["array_initializer"],
            &["object_creation_expression", "array_initializer"],
        ),
    };
    let mut out = Vec::new();
    crate::metrics::complexity::visit_named(parsed.tree.root_node(), |node| {
        if !tables.contains(&node.kind()) || !is_table_of(node, records) {
            return true;
        }
        let line = |row: usize| u32::try_from(row + 1).unwrap_or(u32::MAX);
        out.push((line(node.start_position().row), line(node.end_position().row)));
        false
    });
    out
}

/// Three or more elements, comments aside, all records of the same kind (a Go element holding
/// a composite value).
fn is_table_of(node: tree_sitter::Node<'_>, records: &[&str]) -> bool {
    let mut cursor = node.walk();
    let mut elements = node
        .named_children(&mut cursor)
        .filter(|c| !c.kind().contains("comment"))
        .peekable();
    let Some(kind) = elements.peek().map(|e| e.kind()) else {
        return false;
    };
    let record = |e: &tree_sitter::Node<'_>| {
        e.kind() == kind
            && (kind != "literal_element" || e.named_child(0).is_some_and(|v| v.kind() == "literal_value"))
    };
    records.contains(&kind)
        && elements
            .try_fold(0, |n, e| record(&e).then_some(n + 1))
            .is_some_and(|n| n >= 3)
}

/// Lines of a file that hold test code inside a file that is not all test code: Rust's
/// `#[cfg(test)]` modules and `#[test]` functions.
pub fn test_regions(parsed: &ParsedFile) -> LineSet {
    let mut lines = LineSet::new();
    if parsed.language != Language::Rust {
        return lines;
    }
    let mut stack = vec![parsed.tree.root_node()];
    while let Some(node) = stack.pop() {
        let mut cursor = node.walk();
        let mut test_attribute = false;
        for child in node.named_children(&mut cursor) {
            match child.kind() {
                "attribute_item" => test_attribute |= is_test_attribute(parsed, child),
                "line_comment" | "block_comment" => {}
                "mod_item" | "function_item" if test_attribute => {
                    let start = child.start_position().row as u32 + 1;
                    let end = child.end_position().row as u32 + 1;
                    lines.insert_range(start.saturating_sub(1).max(1), end);
                    test_attribute = false;
                }
                kind => {
                    if kind == "mod_item" {
                        stack.extend(child.child_by_field_name("body"));
                    }
                    test_attribute = false;
                }
            }
        }
    }
    lines
}

/// `#[cfg(test)]` or `#[test]`, however spaced.
fn is_test_attribute(parsed: &ParsedFile, attribute: tree_sitter::Node<'_>) -> bool {
    let text = &parsed.source[attribute.byte_range()];
    let text: String = String::from_utf8_lossy(text).split_whitespace().collect();
    text == "#[cfg(test)]" || text == "#[test]"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::{self, ParseLimits};

    #[test]
    fn test_paths_follow_each_languages_conventions() {
        let set = globs(DEFAULT_TEST_PATHS.iter().copied(), "tests").unwrap();
        for path in [
            "tests/test_basic.py",
            "test/retry.ts",
            "src/pkg/__tests__/a.js",
            "pkg/test_utils.py",
            "pkg/utils_test.py",
            "viper_test.go",
            "src/a.test.ts",
            "lib/b.spec.js",
            "src/test/java/org/x/ATest.java",
            "core/FooTest.java",
            "tests/it/main.rs",
            "src/tests.rs",
        ] {
            assert!(set.is_match(path), "{path}");
        }
        for path in [
            "src/flask/app.py",
            "source/core/Ky.ts",
            "src/main/java/org/x/Testing.java",
            "src/lib.rs",
            "latest.py",
            "contest/a.go",
        ] {
            assert!(!set.is_match(path), "{path}");
        }
    }

    #[test]
    fn only_the_leading_comment_marks_generated_code() {
        assert!(has_generated_marker(
            b"// Code generated by protoc-gen-go. DO NOT EDIT.\npackage x\n"
        ));
        assert!(has_generated_marker(
            b"#!/usr/bin/env python\n# @generated by tool\nx = 1\n"
        ));
        assert!(has_generated_marker(
            b"/*\n * This file is @generated\n */\nfoo();\n"
        ));
        assert!(!has_generated_marker(
            b"package x\n// Code generated by hand. DO NOT EDIT.\n"
        ));
        assert!(!has_generated_marker(b"# handles auto-generated ids\nx = 1\n"));
        assert!(!has_generated_marker(b"x = \"@generated\"\n"));
    }

    #[test]
    fn gitattributes_mark_generated_and_vendored_paths() {
        let a = Attributes::parse(
            "*.pb.go linguist-generated\ndist/ linguist-vendored=true\nkeep.pb.go -linguist-generated\n# c\n",
        );
        assert_eq!(a.left_out("api/x.pb.go"), Some(LeftOut::Generated));
        assert_eq!(a.left_out("dist/app.js"), Some(LeftOut::Vendored));
        assert_eq!(a.left_out("keep.pb.go"), None);
        assert_eq!(a.left_out("src/app.js"), None);
    }

    #[test]
    fn cfg_test_modules_are_test_regions() {
        let src = "fn a() {}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn t() {}\n}\n";
        let parsed = lang::parse(Language::Rust, src.as_bytes().to_vec(), ParseLimits::default()).unwrap();
        let regions = test_regions(&parsed);
        assert!(!regions.contains(1));
        assert!(regions.contains(3) && regions.contains(4) && regions.contains(7));
    }
}
