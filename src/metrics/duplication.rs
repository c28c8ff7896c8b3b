//! Duplicated code, as `METRICS.md` defines it: runs of at least `min_tokens` tokens that occur
//! at two places. Tokens are tree-sitter leaves with comments dropped; with `normalize` (type-2
//! clones, the default) every identifier becomes one placeholder and every literal another.
//!
//! This module is pure: it turns a parsed file into [`Tokens`] and finds the clones between
//! token sequences. Reading the repository, the cache and the gate live in `crate::clones`.

use std::collections::HashMap;
use std::ops::Range;

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

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

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

/// How each node kind of a grammar tokenises, by kind id: deciding by name for every node
/// costs more than the walk itself.
fn kind_classes(language: &tree_sitter::Language) -> Vec<u8> {
    (0..language.node_kind_count())
        .map(|id| {
            let id = id as u16;
            let kind = language.node_kind_for_id(id).unwrap_or("");
            let named = language.node_kind_is_named(id);
            if kind.contains("comment") {
                SKIPPED
            } else if named && is_literal(kind) {
                LITERAL_KIND
            } else if named && is_identifier(kind) {
                IDENTIFIER_KIND
            } else {
                OTHER
            }
        })
        .collect()
}

fn classes_for(language: crate::lang::Language) -> &'static [u8] {
    use std::sync::OnceLock;
    static TABLES: [OnceLock<Vec<u8>>; 16] = [const { OnceLock::new() }; 16];
    TABLES[language as usize].get_or_init(|| kind_classes(&language.grammar()))
}

/// The tokens of a parsed file, in order. A literal (a whole string, interpolations included)
/// is one token. Iterative: deep nesting cannot overflow the stack.
pub fn tokenize(file: &ParsedFile, normalize: bool) -> Tokens {
    let classes = classes_for(file.language);
    let mut tokens = Tokens::default();
    let source = &file.source;
    let mut cursor = file.tree.walk();
    let mut descend = true;
    loop {
        let node = cursor.node();
        let mut leaf = false;
        if descend {
            let class = classes.get(usize::from(node.kind_id())).copied().unwrap_or(OTHER);
            if class == SKIPPED || node.is_missing() || node.start_byte() == node.end_byte() {
                leaf = true;
            } else if class == LITERAL_KIND || node.child_count() == 0 {
                // A literal is one token, whatever it holds; any other leaf is one token.
                let text: &[u8] = match (normalize, class) {
                    (true, LITERAL_KIND) => LITERAL,
                    (true, IDENTIFIER_KIND) => IDENTIFIER,
                    _ => &source[node.byte_range()],
                };
                tokens.hashes.push(fnv1a(text));
                tokens.lines.push(node.start_position().row as u32 + 1);
                leaf = true;
            }
        }
        if descend && !leaf && cursor.goto_first_child() {
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

const BASE: u64 = 0x0000_0100_0000_01b3;

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
        let mut end = np;
        let mut j = i + 1;
        while j < matches.len() {
            let (nf2, np2, of2, op2) = matches[j];
            if nf2 == nf && of2 == of && op2 as i64 - np2 as i64 == op as i64 - np as i64 && np2 == end + 1 {
                end = np2;
                j += 1;
            } else {
                break;
            }
        }
        i = j;
        let len = end - np + n;
        let new = np..np + len;
        let other = op..op + len;
        if nf == of && new.start < other.end && other.start < new.end {
            continue; // a run that repeats itself (`a a a a`), not a copy
        }
        let (a, b) = (tokens[nf], tokens[of]);
        if a.hashes.get(new.clone()) != b.hashes.get(other.clone()) {
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

/// The lines a token range spans, first to last token's line.
pub fn line_span(tokens: &Tokens, range: &Range<usize>) -> (u32, u32) {
    (tokens.lines[range.start], tokens.lines[range.end - 1])
}

/// Indexes the windows to look for: hash -> (file, position).
pub fn query_index(windows: &[(usize, Vec<u64>, Vec<bool>)]) -> HashMap<u64, Vec<(usize, usize)>> {
    let mut index: HashMap<u64, Vec<(usize, usize)>> = HashMap::new();
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
