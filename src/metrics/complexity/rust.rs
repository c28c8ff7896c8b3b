//! Rust: every `fn` is a record of its own (nested `fn`s from nesting 0); closures fold into
//! the enclosing `fn` at +1 nesting. Cognitive by the SonarSource white paper, cyclomatic
//! lizard-compatible. Nothing inside a macro invocation counts.

use tree_sitter::Node;

use super::{children, flatten_operators, named_children, operator, operator_runs, FunctionMetrics, Record};
use crate::lang::ParsedFile;

pub fn measure(file: &ParsedFile) -> Vec<FunctionMetrics> {
    let rec = Record { source: &file.source };
    let mut out = Vec::new();
    let mut scope: Vec<String> = Vec::new();
    let mut stack: Vec<(Node<'_>, usize)> = vec![(file.tree.root_node(), 0)];
    while let Some((node, depth)) = stack.pop() {
        scope.truncate(depth);
        match node.kind() {
            "function_item" => {
                let name = node
                    .child_by_field_name("name")
                    .map_or_else(|| "<anonymous>".to_string(), |n| rec.text(n));
                scope.push(name.clone());
                let mut m = rec.new_function(name, super::qualified(&scope, "::"), node, node);
                m.params = named_children(node.child_by_field_name("parameters").unwrap_or(node))
                    .filter(|p| matches!(p.kind(), "parameter" | "variadic_parameter"))
                    .count() as u32;
                if let Some(body) = node.child_by_field_name("body") {
                    let (cyclomatic, returns) = cyclomatic_and_returns(body);
                    m.cyclomatic = cyclomatic;
                    m.returns = returns;
                    let (cognitive, max_nesting) = cognitive(body);
                    m.cognitive = Some(cognitive);
                    m.max_nesting = max_nesting;
                } else {
                    m.cognitive = Some(0);
                }
                out.push(m);
            }
            "impl_item" => scope.push(impl_name(&rec, node)),
            "trait_item" | "mod_item" => {
                let name = node
                    .child_by_field_name("name")
                    .map_or_else(|| "<anonymous>".to_string(), |n| rec.text(n));
                scope.push(name);
            }
            "macro_invocation" | "macro_definition" => continue,
            _ => {}
        }
        let depth = scope.len();
        let kids: Vec<_> = named_children(node).map(|c| (c, depth)).collect();
        stack.extend(kids.into_iter().rev());
    }
    out
}

/// `Type` for an inherent impl, `<Type as Trait>` for a trait impl; generic arguments are
/// dropped so that a changed bound does not rename every method.
fn impl_name(rec: &Record<'_>, node: Node<'_>) -> String {
    let strip = |n: Node<'_>| {
        let text = rec.text(n);
        match text.find('<') {
            Some(i) if i > 0 => text[..i].trim().to_string(),
            _ => text,
        }
    };
    let ty = node
        .child_by_field_name("type")
        .map_or_else(|| "<type>".to_string(), strip);
    match node.child_by_field_name("trait") {
        Some(t) => format!("<{ty} as {}>", strip(t)),
        None => ty,
    }
}

/// Items nested in a function body are records (or scopes) of their own.
fn is_nested_item(kind: &str) -> bool {
    matches!(
        kind,
        "function_item" | "impl_item" | "trait_item" | "mod_item" | "macro_invocation" | "macro_definition"
    )
}

fn cyclomatic_and_returns(body: Node<'_>) -> (u32, u32) {
    let mut cyclomatic = 1;
    let mut returns = 0;
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        let kind = node.kind();
        if is_nested_item(kind) {
            continue;
        }
        match kind {
            "if_expression" | "for_expression" | "while_expression" | "try_expression" => cyclomatic += 1,
            "binary_expression" if matches!(operator(node), "&&" | "||") => cyclomatic += 1,
            "let_chain" => cyclomatic += children(node).filter(|c| c.kind() == "&&").count() as u32,
            "match_block" => {
                let arms = named_children(node).filter(|c| c.kind() == "match_arm").count() as u32;
                cyclomatic += arms.saturating_sub(1);
            }
            "match_pattern" if node.child_by_field_name("condition").is_some() => cyclomatic += 1,
            "let_declaration" if node.child_by_field_name("alternative").is_some() => cyclomatic += 1,
            "return_expression" => returns += 1,
            _ => {}
        }
        stack.extend(named_children(node));
    }
    (cyclomatic, returns)
}

fn cognitive(body: Node<'_>) -> (u32, u32) {
    let mut total = 0;
    let mut max_nesting = 0;
    // (node, nesting, is the `if` of an `else if`)
    let mut stack: Vec<(Node<'_>, u32, bool)> = vec![(body, 0, false)];
    while let Some((node, n, else_if)) = stack.pop() {
        let kind = node.kind();
        if is_nested_item(kind) {
            continue;
        }
        let mut structure = |total: &mut u32| {
            *total += 1 + n;
            max_nesting = max_nesting.max(n + 1);
        };
        match kind {
            "if_expression" => {
                if else_if {
                    total += 1;
                    max_nesting = max_nesting.max(n + 1);
                } else {
                    structure(&mut total);
                }
                let consequence = node.child_by_field_name("consequence");
                for child in named_children(node) {
                    stack.push((child, if Some(child) == consequence { n + 1 } else { n }, false));
                }
            }
            "else_clause" => {
                for child in named_children(node) {
                    if child.kind() == "if_expression" {
                        stack.push((child, n, true));
                    } else {
                        total += 1;
                        stack.push((child, n + 1, false));
                    }
                }
            }
            "match_expression" | "for_expression" | "while_expression" | "loop_expression" => {
                structure(&mut total);
                let body = node.child_by_field_name("body");
                for child in named_children(node) {
                    stack.push((child, if Some(child) == body { n + 1 } else { n }, false));
                }
            }
            "break_expression" | "continue_expression" => {
                if named_children(node).any(|c| c.kind() == "label") {
                    total += 1;
                }
                stack.extend(named_children(node).map(|c| (c, n, false)));
            }
            "binary_expression" if matches!(operator(node), "&&" | "||") => {
                let (ops, operands) = flatten_operators(node, logical_op);
                total += operator_runs(&ops, |_| true);
                stack.extend(operands.into_iter().map(|c| (c, n, false)));
            }
            "let_chain" => {
                // `let P = e && cond && ...` is one run of `&&`.
                if children(node).any(|c| c.kind() == "&&") {
                    total += 1;
                }
                stack.extend(named_children(node).map(|c| (c, n, false)));
            }
            "closure_expression" => stack.extend(named_children(node).map(|c| (c, n + 1, false))),
            _ => stack.extend(named_children(node).map(|c| (c, n, false))),
        }
    }
    (total, max_nesting)
}

fn logical_op<'t>(node: Node<'t>) -> Option<&'t str> {
    let op = operator(node);
    (node.kind() == "binary_expression" && matches!(op, "&&" | "||")).then_some(op)
}
