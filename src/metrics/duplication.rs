//! Duplicated code, as `METRICS.md` defines it: runs of at least `min_tokens` tokens that occur
//! at two places. Tokens are tree-sitter leaves with comments dropped; with `normalize` (type-2
//! clones, the default) every identifier becomes one placeholder and every literal another.
//!
//! This module is pure: it turns a parsed file into [`Tokens`] and finds the clones between
//! token sequences. Reading the repository, the cache and the gate live in `crate::clones`.

use std::collections::HashMap;
use std::ops::Range;

use crate::hashing::HashKeyed;
use crate::lang::ParsedFile;
use crate::lines::LineSet;

/// A file's tokens: a 64-bit hash of each (normalised) token and the line it starts on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tokens {
    pub hashes: Vec<u64>,
    pub lines: Vec<u32>,
}

impl Tokens {
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }
}

/// How clones are looked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CloneSettings {
    pub min_tokens: usize,
    pub min_lines: u32,
    /// Type-2: identifiers and literals compare equal whatever their text.
    pub normalize: bool,
}

impl CloneSettings {
    /// The tokens of a hashed window, the shortest copy reported: never zero.
    pub fn window(&self) -> usize {
        self.min_tokens.max(1)
    }
}

impl Default for CloneSettings {
    fn default() -> Self {
        CloneSettings {
            min_tokens: 50,
            min_lines: 6,
            normalize: true,
        }
    }
}

const IDENTIFIER: &[u8] = b"\x01id";
const LITERAL: &[u8] = b"\x01lit";

use crate::hashing::fnv1a;

fn is_literal(kind: &str) -> bool {
    kind.contains("string")
        || kind.contains("number")
        || kind.contains("integer")
        || kind.contains("float")
        || kind.ends_with("char_literal")
        || matches!(
            kind,
            "character_literal" | "rune_literal" | "regex" | "imaginary_literal"
        )
}

fn is_identifier(kind: &str) -> bool {
    kind.ends_with("identifier") || kind == "identifier"
}

const OTHER: u8 = 0;
const SKIPPED: u8 = 1;
const LITERAL_KIND: u8 = 2;
const IDENTIFIER_KIND: u8 = 3;
/// Imports, `use`, `package`, and declarative metadata (attributes, annotations, decorators):
/// no one copies them, and every file of a project repeats them (SonarQube and qlty leave
/// imports out too). Skipped when looking for clones only.
const IMPORT_KIND: u8 = 4;
/// A declaration that may be a CommonJS `require` block; decided by looking inside.
const DECLARATION_KIND: u8 = 5;
/// A decorated definition, which may be a typing `@overload` stub: its signature repeats the
/// real function's, and is no copy anyone made.
const DECORATED_KIND: u8 = 6;

/// Node kinds that are import blocks, in any supported grammar (`kinds_exist_in_some_grammar`
/// checks each name against the grammars).
const IMPORT_KINDS: &[&str] = &[
    "import_statement",
    "import_from_statement",
    "future_import_statement",
    "import_declaration",
    "package_clause",
    "package_declaration",
    "use_declaration",
    "extern_crate_declaration",
    "attribute_item",
    "inner_attribute_item",
    "marker_annotation",
    "annotation",
    "decorator",
    // A TypeScript overload signature (or an ambient declaration): a declaration of the
    // function that follows, not code.
    "function_signature",
];

/// How each node kind of a grammar tokenises, by kind id: deciding by name for every node
/// costs more than the walk itself.
fn kind_classes(language: &tree_sitter::Language) -> Vec<u8> {
    (0..language.node_kind_count())
        .map(|id| {
            let id = id as u16;
            let kind = language.node_kind_for_id(id).unwrap_or("");
            class_of(kind, language.node_kind_is_named(id))
        })
        .collect()
}

fn class_of(kind: &str, named: bool) -> u8 {
    if kind.contains("comment") {
        return SKIPPED;
    }
    if !named {
        return OTHER;
    }
    if IMPORT_KINDS.contains(&kind) {
        return IMPORT_KIND;
    }
    match kind {
        "lexical_declaration" | "variable_declaration" => DECLARATION_KIND,
        "decorated_definition" => DECORATED_KIND,
        k if is_literal(k) => LITERAL_KIND,
        k if is_identifier(k) => IDENTIFIER_KIND,
        _ => OTHER,
    }
}

fn classes_for(language: crate::lang::Language) -> &'static [u8] {
    use std::sync::OnceLock;
    static TABLES: [OnceLock<Vec<u8>>; 16] = [const { OnceLock::new() }; 16];
    TABLES[language as usize].get_or_init(|| kind_classes(&language.grammar()))
}

/// Whether a top-level `const x = require("y")` (every declarator a `require` call, or a
/// member of one) is an import block in CommonJS clothing.
fn is_require_block(node: tree_sitter::Node<'_>, source: &[u8], top_level: bool) -> bool {
    if !top_level {
        return false;
    }
    let mut cursor = node.walk();
    let mut declarators = 0;
    for child in node.named_children(&mut cursor) {
        if child.kind() != "variable_declarator" {
            continue;
        }
        declarators += 1;
        let mut value = child.child_by_field_name("value");
        while let Some(v) = value.filter(|v| v.kind() == "member_expression") {
            value = v.child_by_field_name("object");
        }
        let calls_require = value
            .filter(|v| v.kind() == "call_expression")
            .is_some_and(|call| {
                call.child_by_field_name("function")
                    .is_some_and(|f| &source[f.byte_range()] == b"require")
            });
        if !calls_require {
            return false;
        }
    }
    declarators > 0
}

/// A Python definition decorated with `@overload` (`typing.`, `t.`, `typing_extensions.`).
fn is_overload_stub(node: tree_sitter::Node<'_>, source: &[u8]) -> bool {
    let mut cursor = node.walk();
    let overload = node
        .named_children(&mut cursor)
        .filter(|c| c.kind() == "decorator")
        .any(|d| {
            let text = String::from_utf8_lossy(&source[d.byte_range()]);
            let name = text.trim_start_matches('@').trim();
            name == "overload" || name.ends_with(".overload")
        });
    overload
}

/// The tokens of a parsed file, in order, for clone detection (import blocks left out). A
/// literal (a whole string, interpolations included) is one token. Iterative: deep nesting
/// cannot overflow the stack.
pub fn tokenize(file: &ParsedFile, normalize: bool) -> Tokens {
    tokens_of(file, normalize, true)
}

/// The lines that hold code (a token that is not a comment), imports included.
pub fn token_lines(file: &ParsedFile) -> Vec<u32> {
    tokens_of(file, true, false).lines
}

fn tokens_of(file: &ParsedFile, normalize: bool, skip_imports: bool) -> Tokens {
    let walk = TokenWalk {
        classes: classes_for(file.language),
        source: &file.source,
        normalize,
        skip_imports,
    };
    let mut tokens = Tokens::default();
    let mut cursor = file.tree.walk();
    let mut descend = true;
    loop {
        if descend && walk.visit(&cursor, &mut tokens) && cursor.goto_first_child() {
            continue;
        }
        if cursor.goto_next_sibling() {
            descend = true;
            continue;
        }
        if !cursor.goto_parent() {
            break;
        }
        descend = false;
    }
    tokens
}

/// What the token walk knows of a file.
struct TokenWalk<'a> {
    classes: &'a [u8],
    source: &'a [u8],
    normalize: bool,
    skip_imports: bool,
}

impl TokenWalk<'_> {
    /// Takes the cursor's node's token if it is one; returns whether to look into its
    /// children.
    fn visit(&self, cursor: &tree_sitter::TreeCursor<'_>, tokens: &mut Tokens) -> bool {
        let node = cursor.node();
        let class = self
            .classes
            .get(usize::from(node.kind_id()))
            .copied()
            .unwrap_or(OTHER);
        if class == SKIPPED || node.is_missing() || node.start_byte() == node.end_byte() {
            return false;
        }
        if self.skip_imports && self.is_import(cursor, class) {
            return false;
        }
        // A literal is one token, whatever it holds; any other leaf is one token.
        if class == LITERAL_KIND || node.child_count() == 0 {
            tokens.hashes.push(fnv1a(self.text(node, class)));
            tokens.lines.push(node.start_position().row as u32 + 1);
            return false;
        }
        true
    }

    /// An import, a CommonJS `require` block at the top level, or a Python `@overload` stub.
    /// (The cursor's depth costs the depth of the tree: it is asked only of declarations.)
    fn is_import(&self, cursor: &tree_sitter::TreeCursor<'_>, class: u8) -> bool {
        match class {
            IMPORT_KIND => true,
            DECLARATION_KIND => is_require_block(cursor.node(), self.source, cursor.depth() == 1),
            DECORATED_KIND => is_overload_stub(cursor.node(), self.source),
            _ => false,
        }
    }

    /// The text a token is compared by: in type-2 mode, literals and identifiers are
    /// placeholders.
    fn text(&self, node: tree_sitter::Node<'_>, class: u8) -> &[u8] {
        match (self.normalize, class) {
            (true, LITERAL_KIND) => LITERAL,
            (true, IDENTIFIER_KIND) => IDENTIFIER,
            _ => &self.source[node.byte_range()],
        }
    }
}

const BASE: u64 = crate::hashing::PRIME;

/// The rolling hash of every window of `n` tokens: entry `i` covers tokens `i..i + n`.
pub fn window_hashes(hashes: &[u64], n: usize) -> Vec<u64> {
    if n == 0 || hashes.len() < n {
        return Vec::new();
    }
    let top = (1..n).fold(1u64, |p, _| p.wrapping_mul(BASE));
    let mut h = hashes[..n]
        .iter()
        .fold(0u64, |h, &t| h.wrapping_mul(BASE).wrapping_add(t));
    let mut out = Vec::with_capacity(hashes.len() - n + 1);
    out.push(h);
    for i in n..hashes.len() {
        h = h
            .wrapping_sub(hashes[i - n].wrapping_mul(top))
            .wrapping_mul(BASE)
            .wrapping_add(hashes[i]);
        out.push(h);
    }
    out
}

/// Which windows of a file overlap lines the change added: window `i` does when one of its
/// tokens starts on an added line.
pub fn new_windows(tokens: &Tokens, added: &LineSet, n: usize) -> Vec<bool> {
    if tokens.len() < n || n == 0 {
        return Vec::new();
    }
    let mut prefix = Vec::with_capacity(tokens.len() + 1);
    prefix.push(0u32);
    for &line in &tokens.lines {
        let last = *prefix.last().unwrap_or(&0);
        prefix.push(last + u32::from(added.contains(line)));
    }
    (0..=tokens.len() - n)
        .map(|i| prefix[i + n] > prefix[i])
        .collect()
}

/// One copy of a clone: a file (by index) and a token range in it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Occurrence {
    pub file: usize,
    pub tokens: Range<usize>,
}

/// A pair of equal token runs, the first of which overlaps lines the change added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClonePair {
    pub new: Occurrence,
    pub other: Occurrence,
}

/// A window of a new file that matches a window elsewhere: (new file, position, other file,
/// position).
pub type Match = (usize, usize, usize, usize);

/// Turns window matches into maximal clone pairs: matches on one diagonal (same offset between
/// the two files) at consecutive positions form one run. Runs are checked token by token (a
/// hash collision never makes a clone) and dropped where the two copies overlap each other.
pub fn extend_matches(mut matches: Vec<Match>, tokens: &[&Tokens], n: usize) -> Vec<ClonePair> {
    matches.sort_unstable_by_key(|&(nf, np, of, op)| (nf, of, op as i64 - np as i64, np));
    matches.dedup();
    let mut pairs = Vec::new();
    let mut i = 0;
    while i < matches.len() {
        let (nf, np, of, op) = matches[i];
        let run = diagonal_run(&matches[i..]);
        i += run;
        let mut len = run - 1 + n;
        let (mut np, mut op) = (np, op);
        if nf == of {
            let Some(apart) = apart(np, op, len, n) else {
                continue;
            };
            (np, op, len) = apart;
        }
        let new = np..np + len;
        let other = op..op + len;
        if tokens[nf].hashes.get(new.clone()) != tokens[of].hashes.get(other.clone()) {
            continue;
        }
        pairs.push(ClonePair {
            new: Occurrence {
                file: nf,
                tokens: new,
            },
            other: Occurrence {
                file: of,
                tokens: other,
            },
        });
    }
    pairs
}

/// How many of the sorted matches, from the first, lie on its diagonal at consecutive
/// positions.
fn diagonal_run(matches: &[Match]) -> usize {
    let (nf, np, of, op) = matches[0];
    let offset = op as i64 - np as i64;
    let on_run = |k: usize, &(nf2, np2, of2, op2): &Match| {
        nf2 == nf && of2 == of && op2 as i64 - np2 as i64 == offset && np2 == np + k
    };
    matches
        .iter()
        .enumerate()
        .take_while(|&(k, m)| on_run(k, m))
        .count()
}

/// Two copies in one file that overlap: a run that repeats itself (`a a a a`), or an exact
/// copy placed right after its original, which shares one neighbouring token with it. Keeps
/// the last non-overlapping stretch, `None` when that is shorter than a window (a self-repeat
/// leaves too little).
fn apart(np: usize, op: usize, len: usize, n: usize) -> Option<(usize, usize, usize)> {
    let distance = np.abs_diff(op);
    let cut = len.saturating_sub(distance);
    let len = len - cut;
    (len >= n).then_some((np + cut, op + cut, len))
}

/// The hash a literal token gets in type-2 mode.
pub fn literal_token() -> u64 {
    fnv1a(LITERAL)
}

/// The hashes of brackets and separators, which say nothing of what a table holds.
fn punctuation_tokens() -> &'static [u64] {
    static TABLE: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        ["(", ")", "[", "]", "{", "}", ",", ";", ":", "=>", "->", "=", "&"]
            .iter()
            .map(|p| fnv1a(p.as_bytes()))
            .collect()
    })
}

/// Whether a token run is not clone material, though it repeats: a run of lines of one or a
/// few shapes (a chain of one-line statements, one-line accessors, `case` rows, the rows of a
/// table of mixed rows), or a literal data table (most of its tokens literals). Needs type-2
/// tokens to see literals.
pub fn is_repetitive_or_data(tokens: &Tokens, range: &Range<usize>) -> bool {
    let slice = &tokens.hashes[range.clone()];
    let literals = slice.iter().filter(|&&h| h == literal_token()).count();
    let punctuation = slice.iter().filter(|h| punctuation_tokens().contains(h)).count();
    // A table: most of what is not punctuation is literals.
    if literals * 5 >= (slice.len() - punctuation) * 3 {
        return true;
    }
    let shapes = line_shapes(tokens, range);
    // A few shapes make at least 80 % of the lines: a chain of like statements, accessors,
    // `case` rows, the rows of a table in any order (a few odd lines between). "A few" is one
    // for every three lines, at most four, so a short run must be nearly all one shape.
    if shapes.len() < 4 {
        return false;
    }
    let mut counts: HashKeyed<usize> = HashKeyed::default();
    for shape in &shapes {
        *counts.entry(*shape).or_default() += 1;
    }
    let mut counts: Vec<usize> = counts.into_values().collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let few = (shapes.len() / 3).clamp(1, 4);
    counts.iter().take(few).sum::<usize>() * 5 >= shapes.len() * 4
}

/// The shape of each line `range` holds whole, in order: the hash of its tokens. (The first
/// and last lines may hold only part of theirs.)
fn line_shapes(tokens: &Tokens, range: &Range<usize>) -> Vec<u64> {
    let line_of = |i: usize| tokens.lines[i];
    let mut shapes: Vec<(u32, u64)> = Vec::new();
    for i in range.clone() {
        match shapes.last_mut() {
            Some((line, shape)) if *line == line_of(i) => {
                *shape = (*shape ^ tokens.hashes[i]).wrapping_mul(BASE)
            }
            _ => shapes.push((line_of(i), (fnv1a(b"") ^ tokens.hashes[i]).wrapping_mul(BASE))),
        }
    }
    if range.end < tokens.len() && line_of(range.end) == line_of(range.end - 1) {
        shapes.pop();
    }
    if range.start > 0 && line_of(range.start - 1) == line_of(range.start) && !shapes.is_empty() {
        shapes.remove(0);
    }
    shapes.into_iter().map(|(_, shape)| shape).collect()
}

/// The most tokens of `range` that lie in one piece of code (`spans`: each function's first
/// and last line). The run is cut at the boundaries of the functions it cuts (holds some lines
/// of, not all); a whole function inside it is a piece of its own unless it sits inside a cut
/// one (a callback in a copied block). So a run that reaches the clone threshold only by
/// joining the tail of one function to the head of the next, or by stringing together small
/// whole functions (parallel accessors), is no copy; a copied block inside one function, or a
/// whole function with the functions nested in it, is.
pub fn largest_unit_share(tokens: &Tokens, range: &Range<usize>, spans: &[(u32, u32)]) -> usize {
    let (first, last) = line_span(tokens, range);
    let touching: Vec<(u32, u32)> = spans
        .iter()
        .copied()
        .filter(|&(s, e)| s <= last && e >= first)
        .collect();
    let whole = |&(s, e): &(u32, u32)| first <= s && e <= last;
    let mut counts: HashMap<Option<(u32, u32)>, usize> = HashMap::new();
    for i in range.clone() {
        let line = tokens.lines[i];
        let holding = || {
            touching
                .iter()
                .copied()
                .filter(move |&(s, e)| s <= line && line <= e)
        };
        let innermost_cut = holding()
            .filter(|f| !whole(f))
            .max_by_key(|&(s, e)| (s, std::cmp::Reverse(e)));
        let unit = innermost_cut.or_else(|| holding().min_by_key(|&(s, e)| (s, std::cmp::Reverse(e))));
        *counts.entry(unit).or_insert(0) += 1;
    }
    counts.values().copied().max().unwrap_or(0)
}

/// The lines a token range spans, first to last token's line.
pub fn line_span(tokens: &Tokens, range: &Range<usize>) -> (u32, u32) {
    (tokens.lines[range.start], tokens.lines[range.end - 1])
}

/// Indexes the windows to look for: hash -> (file, position).
pub fn query_index(windows: &[(usize, Vec<u64>, Vec<bool>)]) -> HashKeyed<Vec<(usize, usize)>> {
    let mut index: HashKeyed<Vec<(usize, usize)>> = HashKeyed::default();
    for (file, hashes, is_new) in windows {
        for (pos, (&h, &new)) in hashes.iter().zip(is_new).enumerate() {
            if new {
                index.entry(h).or_default().push((*file, pos));
            }
        }
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::{self, Language, ParseLimits};

    fn tokens(language: Language, src: &str, normalize: bool) -> Tokens {
        let parsed = lang::parse(language, src.as_bytes().to_vec(), ParseLimits::default()).unwrap();
        tokenize(&parsed, normalize)
    }

    #[test]
    fn comments_are_dropped_and_names_normalised() {
        let a = tokens(Language::Python, "x = f(1)  # note\n", true);
        let b = tokens(Language::Python, "y = g(2)\n", true);
        assert_eq!(a.hashes, b.hashes);
        assert_eq!(a.len(), 6); // x = f ( 1 )
        let a = tokens(Language::Python, "x = f(1)\n", false);
        let b = tokens(Language::Python, "y = g(2)\n", false);
        assert_ne!(a.hashes, b.hashes);
    }

    #[test]
    fn import_blocks_are_not_clone_material() {
        let py = tokens(Language::Python, "import os\nfrom a import (b, c)\nx = 1\n", true);
        assert_eq!(py.len(), 3);
        let js = tokens(
            Language::JavaScript,
            "import a from 'a';\nconst b = require('b');\nconst {c} = require('c').d;\nlet e = 1;\n",
            true,
        );
        assert_eq!(js.len(), 5);
        let rs = tokens(Language::Rust, "use std::io;\nextern crate x;\nfn f() {}\n", true);
        assert_eq!(rs.len(), tokens(Language::Rust, "fn f() {}\n", true).len());
        let rs = tokens(
            Language::Rust,
            "#[derive(Debug)]\n#[cfg(test)]\nstruct A;\n",
            true,
        );
        assert_eq!(rs.len(), 3);
        let go = tokens(Language::Go, "package main\nimport \"fmt\"\nvar x = 1\n", true);
        assert_eq!(go.len(), 4);
        let java = tokens(
            Language::Java,
            "package a.b;\nimport java.util.List;\nclass A {}\n",
            true,
        );
        assert_eq!(java.len(), 4);
        let ts = tokens(
            Language::TypeScript,
            "import type {A} from './a';\nlet b: A;\n",
            true,
        );
        assert_eq!(ts.len(), 5);
    }

    #[test]
    fn overload_stubs_are_not_clone_material() {
        let stubs = "@t.overload\ndef f(a: int, b: str = \"x\") -> int: ...\n";
        let py = tokens(Language::Python, &format!("{stubs}def g(): pass\n"), true);
        assert_eq!(py.len(), tokens(Language::Python, "def g(): pass\n", true).len());
        let ts = tokens(
            Language::TypeScript,
            "function f(a: string): string;\nlet b = 1;\n",
            true,
        );
        assert_eq!(ts.len(), 5);
    }

    #[test]
    fn every_import_kind_names_a_node_of_some_grammar() {
        for kind in IMPORT_KINDS {
            let known = crate::lang::LANGUAGES.iter().any(|spec| {
                let grammar = spec.language.grammar();
                grammar.id_for_node_kind(kind, true) != 0
            });
            assert!(known, "{kind} is a node kind of no grammar");
        }
    }

    #[test]
    fn repeated_one_line_statements_and_data_tables_are_not_clone_material() {
        let chain = "if a is not None:\n    bits.append(a)\n".repeat(6);
        let t = tokens(Language::Python, &chain, true);
        assert!(is_repetitive_or_data(&t, &(0..t.len())));
        let table = "ROWS = [\n".to_string() + &"    (\"a\", 1, \"b\"),\n".repeat(10) + "]\n";
        let t = tokens(Language::Python, &table, true);
        assert!(is_repetitive_or_data(&t, &(0..t.len())));
        let rows = "ROLES = [\n".to_string()
            + &"    (\"if\", Role.IF),\n    (\"for\", Role.nests(Deeper.BODY)),\n    (\"x\", Role.SKIP),\n"
                .repeat(2)
            + "    (\"while\", Role.nests(Deeper.BODY)),\n    (\"y\", Role.SKIP),\n]\n";
        let t = tokens(Language::Python, &rows, true);
        assert!(
            is_repetitive_or_data(&t, &(0..t.len())),
            "rows of two shapes in any order"
        );
        let real = crate::metrics::duplication::tests::sample_function();
        let t = tokens(Language::Python, &real, true);
        assert!(!is_repetitive_or_data(&t, &(0..t.len())));
    }

    fn hashes(values: &[u64]) -> Tokens {
        Tokens {
            hashes: values.to_vec(),
            lines: (1..=values.len() as u32).collect(),
        }
    }

    /// Every window match of `t` against itself at `distance` tokens back.
    fn self_matches(t: &Tokens, n: usize, distance: usize) -> Vec<Match> {
        (distance..=t.len() - n)
            .map(|np| (0, np, 0, np - distance))
            .collect()
    }

    fn spans(pairs: &[ClonePair]) -> Vec<(Range<usize>, Range<usize>)> {
        pairs
            .iter()
            .map(|p| (p.new.tokens.clone(), p.other.tokens.clone()))
            .collect()
    }

    #[test]
    fn a_run_overlapping_itself_keeps_its_last_stretch_that_does_not() {
        // Period 4, windows of 3: the run at distance 4 overlaps itself; the last four tokens
        // copy the four before them.
        let t = hashes(&[10, 11, 12, 13, 10, 11, 12, 13, 10, 11, 12, 13]);
        let pairs = extend_matches(self_matches(&t, 3, 4), &[&t], 3);
        assert_eq!(spans(&pairs), [(8..12, 4..8)]);
        // Period 3, windows of 3: what is left is exactly one window, which is kept.
        let t = hashes(&[1, 2, 3, 1, 2, 3, 1, 2, 3]);
        let pairs = extend_matches(self_matches(&t, 3, 3), &[&t], 3);
        assert_eq!(spans(&pairs), [(6..9, 3..6)]);
        // Period 2, windows of 3: a self-repeat leaves less than a window: no copy.
        let t = hashes(&[1, 2, 1, 2, 1, 2, 1, 2]);
        assert!(extend_matches(self_matches(&t, 3, 2), &[&t], 3).is_empty());
    }

    #[test]
    fn matches_on_different_diagonals_are_not_joined() {
        // Window 0 of the new file matches the other at 0, window 1 matches it at 5:
        // consecutive in the new file, but two copies, not one run.
        let new = hashes(&[1, 2, 3, 4]);
        let other = hashes(&[1, 2, 3, 9, 9, 2, 3, 4]);
        let pairs = extend_matches(vec![(0, 0, 1, 0), (0, 1, 1, 5)], &[&new, &other], 3);
        assert_eq!(spans(&pairs), [(0..3, 0..3), (1..4, 5..8)]);
    }

    pub(crate) fn sample_function() -> String {
        "def totals(orders, rates):\n    s = 0\n    for order in orders:\n        if order.status == \"paid\" and order.amount > 0:\n            rate = rates.get(order.currency, 1.0)\n            s += order.amount * rate\n        elif order.status == \"refunded\":\n            s -= order.amount\n        else:\n            continue\n    return s\n".to_string()
    }

    #[test]
    fn an_adjacent_exact_copy_is_kept_and_a_self_repeat_is_dropped() {
        // `x` then two copies of a 10-token block: the run on the diagonal picks up the token
        // before both copies and overlaps itself by one token.
        let block: Vec<u64> = (100..110).collect();
        let mut hashes = vec![109];
        hashes.extend(&block);
        hashes.extend(&block);
        let t = Tokens {
            lines: (1..=hashes.len() as u32).collect(),
            hashes,
        };
        let w = window_hashes(&t.hashes, 5);
        let mut matches = Vec::new();
        for (i, a) in w.iter().enumerate() {
            for (j, b) in w.iter().enumerate() {
                if a == b && i > j {
                    matches.push((0, i, 0, j));
                }
            }
        }
        let pairs = extend_matches(matches, &[&t], 5);
        assert_eq!(pairs.len(), 1, "{pairs:?}");
        assert_eq!(pairs[0].new.tokens.len(), 10);
        assert!(pairs[0].other.tokens.end <= pairs[0].new.tokens.start);
    }

    #[test]
    fn a_run_across_two_functions_counts_the_larger_part() {
        let t = Tokens {
            hashes: vec![1; 10],
            lines: vec![1, 1, 2, 2, 3, 5, 5, 6, 6, 6],
        };
        // The run holds the tail of (0, 3) and the head of (5, 8): cut in two.
        assert_eq!(largest_unit_share(&t, &(2..10), &[(0, 3), (5, 8)]), 5);
        // A whole function is one piece with the functions nested in it; whole functions in a
        // row are a piece each.
        assert_eq!(largest_unit_share(&t, &(0..10), &[(1, 6), (2, 3)]), 10);
        assert_eq!(largest_unit_share(&t, &(0..10), &[(1, 3), (5, 6)]), 5);
        // A block inside one function is one piece, a callback inside it included.
        assert_eq!(largest_unit_share(&t, &(2..8), &[(1, 9)]), 6);
        assert_eq!(largest_unit_share(&t, &(2..8), &[(1, 9), (3, 3)]), 6);
    }

    #[test]
    fn a_string_is_one_token() {
        let t = tokens(Language::JavaScript, "f(\"a b c\", `x${y}z`);\n", true);
        assert_eq!(t.len(), 7); // f ( str , str ) ;
    }

    #[test]
    fn rolling_hash_equals_direct_hash() {
        let hashes: Vec<u64> = (0..100u64)
            .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15))
            .collect();
        let rolled = window_hashes(&hashes, 10);
        for (i, &h) in rolled.iter().enumerate() {
            assert_eq!(h, window_hashes(&hashes[i..i + 10], 10)[0]);
        }
    }

    #[test]
    fn runs_merge_along_a_diagonal_and_self_overlap_is_dropped() {
        let t = Tokens {
            hashes: (0..40).map(|i| i % 20).collect(),
            lines: (1..=40).collect(),
        };
        let w = window_hashes(&t.hashes, 5);
        let mut matches = Vec::new();
        for (i, a) in w.iter().enumerate() {
            for (j, b) in w.iter().enumerate() {
                if a == b && i != j && i >= 20 {
                    matches.push((0, i, 0, j));
                }
            }
        }
        let pairs = extend_matches(matches, &[&t], 5);
        assert_eq!(pairs.len(), 1, "{pairs:?}");
        assert_eq!(pairs[0].new.tokens, 20..40);
        assert_eq!(pairs[0].other.tokens, 0..20);
    }
}
