//! Languages debtgate understands: how a file is recognised and how it is parsed.
//!
//! A language is a data record ([`LanguageSpec`]); the metric walkers for it live in
//! `metrics::complexity::<language>`.

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use serde::Serialize;
use tree_sitter::{Node, ParseOptions, Parser, Tree};

/// A supported language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Rust,
    Python,
    JavaScript,
    TypeScript,
    Tsx,
    Go,
    Java,
}

/// What debtgate knows about a language.
pub struct LanguageSpec {
    pub language: Language,
    /// The name used in output (`"javascript"`).
    pub name: &'static str,
    pub extensions: &'static [&'static str],
    /// Interpreter names recognised on a `#!` line of a file without a known extension.
    pub interpreters: &'static [&'static str],
    /// The grammar crate and its pinned version, for messages.
    pub grammar_version: &'static str,
    grammar: fn() -> tree_sitter::Language,
}

pub const LANGUAGES: &[LanguageSpec] = &[
    LanguageSpec {
        language: Language::Rust,
        name: "rust",
        extensions: &["rs"],
        interpreters: &[],
        grammar_version: "tree-sitter-rust 0.24.2",
        grammar: || tree_sitter_rust::LANGUAGE.into(),
    },
    LanguageSpec {
        language: Language::Python,
        name: "python",
        extensions: &["py", "pyi", "pyw"],
        interpreters: &["python", "python2", "python3"],
        grammar_version: "tree-sitter-python 0.25.0",
        grammar: || tree_sitter_python::LANGUAGE.into(),
    },
    LanguageSpec {
        language: Language::JavaScript,
        name: "javascript",
        extensions: &["js", "mjs", "cjs", "jsx"],
        interpreters: &["node", "nodejs"],
        grammar_version: "tree-sitter-javascript 0.25.0",
        grammar: || tree_sitter_javascript::LANGUAGE.into(),
    },
    LanguageSpec {
        language: Language::TypeScript,
        name: "typescript",
        extensions: &["ts", "mts", "cts"],
        interpreters: &["ts-node", "tsx", "deno", "bun"],
        grammar_version: "tree-sitter-typescript 0.23.2",
        grammar: || tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
    },
    LanguageSpec {
        language: Language::Tsx,
        name: "tsx",
        extensions: &["tsx"],
        interpreters: &[],
        grammar_version: "tree-sitter-typescript 0.23.2 (tsx)",
        grammar: || tree_sitter_typescript::LANGUAGE_TSX.into(),
    },
    LanguageSpec {
        language: Language::Go,
        name: "go",
        extensions: &["go"],
        interpreters: &[],
        grammar_version: "tree-sitter-go 0.25.0",
        grammar: || tree_sitter_go::LANGUAGE.into(),
    },
    LanguageSpec {
        language: Language::Java,
        name: "java",
        extensions: &["java"],
        interpreters: &[],
        grammar_version: "tree-sitter-java 0.23.5",
        grammar: || tree_sitter_java::LANGUAGE.into(),
    },
];

impl Language {
    pub fn spec(self) -> &'static LanguageSpec {
        LANGUAGES
            .iter()
            .find(|s| s.language == self)
            .expect("every language has a spec")
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn grammar(self) -> tree_sitter::Language {
        (self.spec().grammar)()
    }

    /// Recognises a language by file extension, or by a `#!` line for files without one.
    pub fn detect(path: &str, content: Option<&[u8]>) -> Option<Language> {
        let file_name = path.rsplit('/').next().unwrap_or(path);
        if let Some((_, ext)) = file_name.rsplit_once('.') {
            let ext = ext.to_ascii_lowercase();
            let spec = LANGUAGES.iter().find(|s| s.extensions.contains(&ext.as_str()))?;
            return Some(spec.language);
        }
        let program = shebang_program(content?)?;
        LANGUAGES
            .iter()
            .find(|s| {
                s.interpreters
                    .iter()
                    .any(|i| i.trim_end_matches(|c: char| c.is_ascii_digit()) == program)
            })
            .map(|s| s.language)
    }
}

/// The program a `#!` line runs, without its directory or version (`#!/usr/bin/env -S
/// python3.12 -u` is `python`).
fn shebang_program(content: &[u8]) -> Option<&str> {
    let first_line = content.split(|&b| b == b'\n').next()?;
    let shebang = std::str::from_utf8(first_line.strip_prefix(b"#!")?).ok()?;
    let mut words = shebang.split_whitespace();
    let mut program = words.next()?.rsplit('/').next()?;
    if program == "env" {
        program = words.find(|w| !w.starts_with('-'))?;
    }
    Some(program.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.'))
}

/// Limits on what one file may cost.
#[derive(Clone, Copy, Debug)]
pub struct ParseLimits {
    pub max_bytes: usize,
    pub timeout: Duration,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            max_bytes: 4 * 1024 * 1024,
            timeout: Duration::from_secs(10),
        }
    }
}

/// A source file and its syntax tree.
pub struct ParsedFile {
    pub language: Language,
    pub source: Vec<u8>,
    pub tree: Tree,
    /// Where the grammar could not parse the file (ERROR and MISSING nodes), in order.
    /// Functions that contain one are not measured; see `metrics::complexity::measure`.
    pub syntax_errors: Vec<SyntaxError>,
}

/// A region the grammar could not parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    /// The bytes the grammar could not place (empty for a MISSING node).
    pub start_byte: usize,
    pub end_byte: usize,
}

impl ParsedFile {
    /// Whether any syntax error lies within `bytes` (a function's span): a function whose
    /// every token the grammar placed keeps its numbers even when its line holds an error.
    pub fn has_error_within(&self, bytes: std::ops::Range<usize>) -> bool {
        self.syntax_errors
            .iter()
            .any(|e| e.start_byte < bytes.end && e.end_byte.max(e.start_byte + 1) > bytes.start)
    }
}

/// Why a file was not measured. Always reported, never silently skipped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ParseProblem {
    TooLarge { bytes: usize, limit: usize },
    TimedOut { seconds: u64 },
    Binary,
}

impl std::fmt::Display for ParseProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseProblem::TooLarge { bytes, limit } => write!(
                f,
                "file is {bytes} bytes, over the {limit}-byte limit for parsing (raise --max-file-bytes or exclude the file)"
            ),
            ParseProblem::TimedOut { seconds } => {
                write!(f, "parsing took longer than {seconds} s; exclude the file if it is generated")
            }
            ParseProblem::Binary => write!(f, "file holds binary data (a NUL byte)"),
        }
    }
}

/// Parses `source` as `language`, within `limits`.
pub fn parse(language: Language, source: Vec<u8>, limits: ParseLimits) -> Result<ParsedFile, ParseProblem> {
    if source.len() > limits.max_bytes {
        return Err(ParseProblem::TooLarge {
            bytes: source.len(),
            limit: limits.max_bytes,
        });
    }
    if source.contains(&0) {
        return Err(ParseProblem::Binary);
    }
    let mut parser = Parser::new();
    parser
        .set_language(&language.grammar())
        .expect("grammar ABI is checked by tests");
    let started = Instant::now();
    let mut progress = |_: &tree_sitter::ParseState| {
        if started.elapsed() > limits.timeout {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let len = source.len();
    let tree = parser
        .parse_with_options(
            &mut |offset, _| if offset < len { &source[offset..] } else { &[] },
            None,
            Some(ParseOptions::new().progress_callback(&mut progress)),
        )
        .ok_or(ParseProblem::TimedOut {
            seconds: limits.timeout.as_secs(),
        })?;
    let syntax_errors = syntax_errors(tree.root_node());
    Ok(ParsedFile {
        language,
        source,
        tree,
        syntax_errors,
    })
}

/// Where the grammar gave up: MISSING nodes, and the tokens an ERROR node holds directly, in
/// document order. A well-formed subtree inside an ERROR node (a complete function the
/// grammar could not fit into a larger construct it failed on) is not an error: functions in
/// it keep their numbers, while those that hold a stray token are left out.
fn syntax_errors(root: Node<'_>) -> Vec<SyntaxError> {
    let mut errors = Vec::new();
    if !root.has_error() {
        return errors;
    }
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.is_missing() || (node.is_error() && node.child_count() == 0) {
            errors.push(SyntaxError::at(node));
            continue;
        }
        look_into(node, &mut errors, &mut stack);
    }
    errors.sort_by_key(|e| (e.line, e.column));
    errors
}

/// A token an ERROR node holds directly is an error; any other child is looked into when it
/// holds one.
fn look_into<'t>(node: Node<'t>, errors: &mut Vec<SyntaxError>, stack: &mut Vec<Node<'t>>) {
    let stray = |c: &Node<'_>| node.is_error() && c.child_count() == 0;
    let mut cursor = node.walk();
    let children: Vec<Node<'_>> = node
        .children(&mut cursor)
        .filter(|c| c.has_error() || (stray(c) && !c.is_extra()))
        .collect();
    for child in children.into_iter().rev() {
        if stray(&child) && !child.is_missing() {
            errors.push(SyntaxError::at(child));
        } else {
            stack.push(child);
        }
    }
}

impl SyntaxError {
    fn at(node: Node<'_>) -> SyntaxError {
        let (start, end) = (node.start_position(), node.end_position());
        let line = |row: usize| u32::try_from(row + 1).unwrap_or(u32::MAX);
        SyntaxError {
            line: line(start.row),
            column: u32::try_from(start.column + 1).unwrap_or(u32::MAX),
            end_line: line(end.row),
            start_byte: node.start_byte(),
            end_byte: node.end_byte(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_grammar_loads() {
        for spec in LANGUAGES {
            let mut parser = Parser::new();
            parser
                .set_language(&(spec.grammar)())
                .unwrap_or_else(|e| panic!("{} grammar does not load: {e}", spec.name));
        }
    }

    #[test]
    fn detects_by_extension_and_shebang() {
        assert_eq!(Language::detect("a/b.rs", None), Some(Language::Rust));
        assert_eq!(Language::detect("x.PY", None), Some(Language::Python));
        assert_eq!(Language::detect("x.mjs", None), Some(Language::JavaScript));
        assert_eq!(Language::detect("x.txt", Some(b"#!/usr/bin/python3\n")), None);
        assert_eq!(
            Language::detect("bin/tool", Some(b"#!/usr/bin/env python3\nprint()")),
            Some(Language::Python)
        );
        assert_eq!(
            Language::detect("bin/tool", Some(b"#!/usr/bin/env -S node --x\n")),
            Some(Language::JavaScript)
        );
        assert_eq!(Language::detect("bin/tool", Some(b"#!/bin/sh\n")), None);
        assert_eq!(Language::detect("Makefile", None), None);
    }

    #[test]
    fn syntax_errors_are_located() {
        let src = b"def ok():\n    pass\n\ndef f(:\n    pass\n".to_vec();
        let parsed = parse(Language::Python, src, ParseLimits::default()).unwrap();
        assert_eq!(parsed.syntax_errors.first().map(|e| e.line), Some(4));
        // Line 4 starts at byte 20; lines 1-2 are bytes 0..19.
        assert!(parsed.has_error_within(20..27));
        assert!(!parsed.has_error_within(0..19));
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let mut src = "x = ".to_string();
        src.push_str(&"[".repeat(50_000));
        src.push_str(&"]".repeat(50_000));
        src.push('\n');
        let parsed = parse(Language::Python, src.into_bytes(), ParseLimits::default());
        assert!(parsed.is_ok());
    }
}
