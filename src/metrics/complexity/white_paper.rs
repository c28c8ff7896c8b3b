//! Cyclomatic and cognitive complexity for languages whose rules are the SonarSource white
//! paper and lizard's counts with nothing language-specific left over (Go, Java): the walk is
//! shared, and a language is a [`Spec`] of node kinds.

use tree_sitter::Node;

use super::{children, flatten_operators, named_children, operator, operator_runs};

/// The node kinds a language's complexity is made of.
pub(crate) struct Spec {
    /// `if`: field `consequence`, field `alternative` (an `if` there is an `else if`).
    pub if_kind: &'static str,
    /// Loops: +1 plus nesting, field `body` one level deeper.
    pub loops: &'static [&'static str],
    /// Switches: +1 plus nesting, once; field `body` (or else each `cases` child) one deeper.
    pub switches: &'static [&'static str],
    /// The clauses of a switch; each that is not a default adds one to cyclomatic.
    pub cases: &'static [&'static str],
    pub is_default_case: fn(Node<'_>) -> bool,
    /// `catch`: +1 plus nesting, field `body` one level deeper.
    pub catches: &'static [&'static str],
    /// `?:`: +1 plus nesting, its branches one level deeper.
    pub ternaries: &'static [&'static str],
    /// Lambdas and closures folded into the function: one level deeper, no increment.
    pub lambdas: &'static [&'static str],
    /// `break`/`continue`: +1 when they name a label.
    pub jumps: &'static [&'static str],
    /// `goto`: +1.
    pub gotos: &'static [&'static str],
    /// The kind of a binary expression whose `operator` may be `&&` or `||`.
    pub binary: &'static str,
    pub returns: &'static [&'static str],
    /// Subtrees measured as functions of their own (nested methods, classes...).
    pub is_own_function: fn(Node<'_>) -> bool,
    /// Subtrees skipped by cyclomatic but folded into cognitive (Go function literals, which
    /// lizard lists on their own).
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
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        let kind = node.kind();
        if (spec.is_own_function)(node) || spec.separate_for_cyclomatic.contains(&kind) {
            continue;
        }
        if kind == spec.if_kind
            || spec.loops.contains(&kind)
            || spec.catches.contains(&kind)
            || spec.ternaries.contains(&kind)
            || (spec.cases.contains(&kind) && !(spec.is_default_case)(node))
            || spec.logical_op(node).is_some()
        {
            cyclomatic += 1;
        } else if spec.returns.contains(&kind) {
            returns += 1;
        }
        stack.extend(named_children(node));
    }
    (cyclomatic, returns)
}

/// Cognitive complexity of a function body by the white paper, and its deepest nesting.
pub(crate) fn cognitive(spec: &Spec, body: Node<'_>) -> (u32, u32) {
    let mut total = 0;
    let mut max_nesting = 0;
    // (node, nesting, is the `if` of an `else if`)
    let mut stack: Vec<(Node<'_>, u32, bool)> = vec![(body, 0, false)];
    while let Some((node, n, else_if)) = stack.pop() {
        let kind = node.kind();
        if (spec.is_own_function)(node) {
            continue;
        }
        let mut structure = |total: &mut u32| {
            *total += 1 + n;
            max_nesting = max_nesting.max(n + 1);
        };
        // Pushes the children, those `deeper` says one level down.
        let mut push = |deeper: &dyn Fn(Node<'_>) -> bool| {
            for child in named_children(node) {
                stack.push((child, if deeper(child) { n + 1 } else { n }, false));
            }
        };
        let field = |name: &str| node.child_by_field_name(name);
        if kind == spec.if_kind {
            if else_if {
                total += 1;
                max_nesting = max_nesting.max(n + 1);
            } else {
                structure(&mut total);
            }
            let (consequence, alternative) = (field("consequence"), field("alternative"));
            for child in named_children(node) {
                if Some(child) == alternative && child.kind() == spec.if_kind {
                    stack.push((child, n, true));
                } else if Some(child) == alternative {
                    total += 1; // else
                    stack.push((child, n + 1, false));
                } else {
                    stack.push((child, if Some(child) == consequence { n + 1 } else { n }, false));
                }
            }
        } else if spec.loops.contains(&kind) || spec.catches.contains(&kind) {
            structure(&mut total);
            let body = field("body");
            push(&|c| Some(c) == body);
        } else if spec.switches.contains(&kind) {
            structure(&mut total);
            let body = field("body");
            push(&|c| Some(c) == body || spec.cases.contains(&c.kind()));
        } else if spec.ternaries.contains(&kind) {
            structure(&mut total);
            let condition = field("condition");
            push(&|c| Some(c) != condition);
        } else if spec.jumps.contains(&kind) {
            if node.named_child_count() > 0 {
                total += 1; // labelled
            }
        } else if spec.gotos.contains(&kind) {
            total += 1;
        } else if spec.logical_op(node).is_some() {
            let (ops, operands) = flatten_operators(node, |n| spec.logical_op(n));
            total += operator_runs(&ops, |_| true);
            stack.extend(operands.into_iter().map(|c| (c, n, false)));
        } else if spec.lambdas.contains(&kind) {
            push(&|_| true);
        } else {
            push(&|_| false);
        }
    }
    (total, max_nesting)
}

/// A switch label that reads `default`.
pub(crate) fn starts_with_default(node: Node<'_>) -> bool {
    children(node).next().is_some_and(|t| t.kind() == "default")
}
