//! Java: every method and constructor is a record (`Outer.Inner.method`), methods of local and
//! anonymous classes included, each from nesting 0; lambdas fold into the enclosing method at
//! +1 nesting. Cyclomatic lizard-compatible: `if`, each loop (`do … while` once), `catch`,
//! `?:`, each `&&`/`||`, each `case` label (not `default`). Cognitive by the white paper.

use tree_sitter::Node;

use super::{children, flatten_operators, named_children, operator, operator_runs, FunctionMetrics, Record};
use crate::lang::ParsedFile;

fn is_method(kind: &str) -> bool {
    matches!(
        kind,
        "method_declaration" | "constructor_declaration" | "compact_constructor_declaration"
    )
}

fn is_type(kind: &str) -> bool {
    matches!(
        kind,
        "class_declaration"
            | "interface_declaration"
            | "enum_declaration"
            | "record_declaration"
            | "annotation_type_declaration"
    )
}

pub fn measure(file: &ParsedFile) -> Vec<FunctionMetrics> {
    let rec = Record { source: &file.source };
    let mut out = Vec::new();
    let mut scope: Vec<String> = Vec::new();
    let mut stack: Vec<(Node<'_>, usize)> = vec![(file.tree.root_node(), 0)];
    while let Some((node, depth)) = stack.pop() {
        scope.truncate(depth);
        let kind = node.kind();
        if is_method(kind) {
            let name = node
                .child_by_field_name("name")
                .map_or_else(|| "<init>".to_string(), |n| rec.text(n));
            scope.push(name.clone());
            // A body-less declaration (interface, abstract, native) has no code to measure.
            if let Some(body) = node.child_by_field_name("body") {
                // The head is the name: annotations and modifiers come before it.
                let head = node.child_by_field_name("name").unwrap_or(node);
                let mut m = rec.new_function(name, scope.join("."), node, head);
                m.params = node.child_by_field_name("parameters").map_or(0, |p| {
                    named_children(p)
                        .filter(|p| matches!(p.kind(), "formal_parameter" | "spread_parameter"))
                        .count() as u32
                });
                let (cyclomatic, returns) = cyclomatic_and_returns(body);
                m.cyclomatic = cyclomatic;
                m.returns = returns;
                let (cognitive, max_nesting) = cognitive(body);
                m.cognitive = Some(cognitive);
                m.max_nesting = max_nesting;
                out.push(m);
            }
        } else if is_type(kind) {
            scope.push(
                node.child_by_field_name("name")
                    .map_or_else(|| "<type>".to_string(), |n| rec.text(n)),
            );
        } else if kind == "object_creation_expression" && node.child_by_field_name("type").is_some() {
            // An anonymous class: its methods are named after the type it implements.
            if named_children(node).any(|c| c.kind() == "class_body") {
                let ty = node
                    .child_by_field_name("type")
                    .map(|t| rec.text(t))
                    .unwrap_or_default();
                scope.push(format!("<anonymous {}>", ty.split('<').next().unwrap_or(&ty)));
            }
        }
        let depth = scope.len();
        let kids: Vec<_> = named_children(node).map(|c| (c, depth)).collect();
        stack.extend(kids.into_iter().rev());
    }
    out
}

/// Methods and classes inside a method body are records of their own.
fn is_nested(node: Node<'_>) -> bool {
    let kind = node.kind();
    is_method(kind) || is_type(kind) || kind == "class_body"
}

fn is_logical(op: &str) -> bool {
    matches!(op, "&&" | "||")
}

fn logical_op<'t>(node: Node<'t>) -> Option<&'t str> {
    let op = operator(node);
    (node.kind() == "binary_expression" && is_logical(op)).then_some(op)
}

fn is_case_label(label: Node<'_>) -> bool {
    children(label).next().is_some_and(|t| t.kind() == "case")
}

fn cyclomatic_and_returns(body: Node<'_>) -> (u32, u32) {
    let mut cyclomatic = 1;
    let mut returns = 0;
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        if is_nested(node) {
            continue;
        }
        match node.kind() {
            "if_statement"
            | "for_statement"
            | "enhanced_for_statement"
            | "while_statement"
            | "do_statement"
            | "catch_clause"
            | "ternary_expression" => cyclomatic += 1,
            "switch_label" if is_case_label(node) => cyclomatic += 1,
            "binary_expression" if is_logical(operator(node)) => cyclomatic += 1,
            "return_statement" => returns += 1,
            _ => {}
        }
        stack.extend(named_children(node));
    }
    (cyclomatic, returns)
}

/// Cognitive complexity by the white paper (as SonarJava applies it), lambdas folded in at
/// +1 nesting.
fn cognitive<'t>(body: Node<'t>) -> (u32, u32) {
    let mut total = 0;
    let mut max_nesting = 0;
    // (node, nesting, is the `if` of an `else if`)
    let mut stack: Vec<(Node<'t>, u32, bool)> = vec![(body, 0, false)];
    while let Some((node, n, else_if)) = stack.pop() {
        if is_nested(node) {
            continue;
        }
        let mut structure = |total: &mut u32| {
            *total += 1 + n;
            max_nesting = max_nesting.max(n + 1);
        };
        let nest_field = |field: &str, stack: &mut Vec<(Node<'t>, u32, bool)>| {
            let nested = node.child_by_field_name(field);
            for child in named_children(node) {
                stack.push((child, if Some(child) == nested { n + 1 } else { n }, false));
            }
        };
        match node.kind() {
            "if_statement" => {
                if else_if {
                    total += 1;
                    max_nesting = max_nesting.max(n + 1);
                } else {
                    structure(&mut total);
                }
                let consequence = node.child_by_field_name("consequence");
                let alternative = node.child_by_field_name("alternative");
                for child in named_children(node) {
                    if Some(child) == alternative {
                        if child.kind() == "if_statement" {
                            stack.push((child, n, true));
                        } else {
                            total += 1; // else
                            stack.push((child, n + 1, false));
                        }
                    } else {
                        stack.push((child, if Some(child) == consequence { n + 1 } else { n }, false));
                    }
                }
            }
            "for_statement" | "enhanced_for_statement" | "while_statement" | "do_statement" => {
                structure(&mut total);
                nest_field("body", &mut stack);
            }
            "switch_expression" => {
                structure(&mut total);
                nest_field("body", &mut stack);
            }
            "catch_clause" => {
                structure(&mut total);
                nest_field("body", &mut stack);
            }
            "ternary_expression" => {
                structure(&mut total);
                let condition = node.child_by_field_name("condition");
                for child in named_children(node) {
                    stack.push((child, if Some(child) == condition { n } else { n + 1 }, false));
                }
            }
            "break_statement" | "continue_statement" => {
                if node.named_child_count() > 0 {
                    total += 1; // labelled
                }
            }
            "binary_expression" if is_logical(operator(node)) => {
                let (ops, operands) = flatten_operators(node, logical_op);
                total += operator_runs(&ops, |_| true);
                stack.extend(operands.into_iter().map(|c| (c, n, false)));
            }
            "lambda_expression" => stack.extend(named_children(node).map(|c| (c, n + 1, false))),
            _ => stack.extend(named_children(node).map(|c| (c, n, false))),
        }
    }
    (total, max_nesting)
}
