//! Cyclomatic complexity for languages whose counts are lizard's with nothing
//! language-specific left over (Go, Java): a language is a [`Spec`] of node kinds, and the
//! walk that finds its functions tallies each node of a body with [`tally`]. (Cognitive complexity is the engine's, in `engine.rs`.)

use tree_sitter::Node;

use super::children;
use super::engine::Table;
use crate::lang::Language;

/// The node kinds a language's cyclomatic complexity is made of.
pub(crate) struct Spec {
    pub language: Language,
    /// `if` (an `else if` is an `if` of its own).
    pub if_kind: &'static str,
    /// Loops.
    pub loops: &'static [&'static str],
    /// The clauses of a switch; each that is not a default adds one to cyclomatic.
    pub cases: &'static [&'static str],
    pub is_default_case: fn(Node<'_>) -> bool,
    /// `catch`.
    pub catches: &'static [&'static str],
    /// `?:`.
    pub ternaries: &'static [&'static str],
    /// The kind of a binary expression whose `operator` may be `&&` or `||`.
    pub binary: &'static str,
    pub returns: &'static [&'static str],
}

/// What one node of a function body, of kind `kind`, adds to its lizard-compatible cyclomatic
/// complexity and to its returns.
pub(crate) fn tally(spec: &Spec, node: Node<'_>, kind: &str) -> (u32, u32) {
    if spec.is_decision(node, kind) {
        (1, 0)
    } else {
        (0, u32::from(spec.returns.contains(&kind)))
    }
}

impl Spec {
    /// A branch, loop, catch, ternary, non-default case or logical operator.
    fn is_decision(&self, node: Node<'_>, kind: &str) -> bool {
        let case = || self.cases.contains(&kind) && !(self.is_default_case)(node);
        // The operator is looked up only on a binary expression: it is a field read by name.
        let logical =
            || kind == self.binary && matches!(Table::of(self.language).operator(node), "&&" | "||");
        kind == self.if_kind
            || [self.loops, self.catches, self.ternaries]
                .iter()
                .any(|kinds| kinds.contains(&kind))
            || case()
            || logical()
    }
}

/// A switch label that reads `default`.
pub(crate) fn starts_with_default(node: Node<'_>) -> bool {
    children(node).next().is_some_and(|t| t.kind() == "default")
}
