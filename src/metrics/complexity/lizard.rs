//! Cyclomatic complexity for languages whose counts are lizard's with nothing
//! language-specific left over (Go, Java): the walk is shared, and a language is a [`Spec`] of
//! node kinds. (Cognitive complexity is the engine's, in `engine.rs`.)

use tree_sitter::Node;

use super::{children, operator};

/// The node kinds a language's cyclomatic complexity is made of.
pub(crate) struct Spec {
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
    /// Subtrees measured as functions of their own (nested methods, classes...).
    pub is_own_function: fn(Node<'_>) -> bool,
    /// Subtrees skipped by cyclomatic (Go function literals, which lizard lists on their own;
    /// cognitive folds them in).
    pub separate_for_cyclomatic: &'static [&'static str],
}

impl Spec {
    fn logical_op<'t>(&self, node: Node<'t>) -> Option<&'t str> {
        let op = operator(node);
        (node.kind() == self.binary && matches!(op, "&&" | "||")).then_some(op)
    }
}

/// Lizard-compatible cyclomatic complexity of a function body, and its return statements.
pub(crate) fn cyclomatic_and_returns(spec: &Spec, body: Node<'_>) -> (u32, u32) {
    let mut cyclomatic = 1;
    let mut returns = 0;
    super::visit_named(body, |node| {
        let kind = node.kind();
        if (spec.is_own_function)(node) || spec.separate_for_cyclomatic.contains(&kind) {
            return false;
        }
        if spec.is_decision(node) {
            cyclomatic += 1;
        } else if spec.returns.contains(&kind) {
            returns += 1;
        }
        true
    });
    (cyclomatic, returns)
}

impl Spec {
    /// A branch, loop, catch, ternary, non-default case or logical operator.
    fn is_decision(&self, node: Node<'_>) -> bool {
        let kind = node.kind();
        let case = || self.cases.contains(&kind) && !(self.is_default_case)(node);
        kind == self.if_kind
            || [self.loops, self.catches, self.ternaries]
                .iter()
                .any(|kinds| kinds.contains(&kind))
            || case()
            || self.logical_op(node).is_some()
    }
}

/// A switch label that reads `default`.
pub(crate) fn starts_with_default(node: Node<'_>) -> bool {
    children(node).next().is_some_and(|t| t.kind() == "default")
}
