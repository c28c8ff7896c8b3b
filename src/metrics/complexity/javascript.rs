//! JavaScript, TypeScript and TSX (one walker: the TypeScript grammars extend the JavaScript
//! one): every function, method, arrow and function expression is scored on its own,
//! nesting restarting at 0 (eslint-plugin-sonarjs S3776 for cognitive, ESLint `complexity`
//! for cyclomatic).

use tree_sitter::Node;

use super::{children, flatten_operators, named_children, operator, operator_runs, FunctionMetrics, Record};
use crate::lang::ParsedFile;

fn is_function(kind: &str) -> bool {
    matches!(
        kind,
        "function_declaration"
            | "generator_function_declaration"
            | "function_expression"
            | "generator_function"
            | "arrow_function"
            | "method_definition"
    )
}

/// A name (and head node) that a parent gives an anonymous function or class below it.
#[derive(Clone)]
struct Hint<'t> {
    name: String,
    head: Option<Node<'t>>,
}

pub fn measure(file: &ParsedFile) -> Vec<FunctionMetrics> {
    let rec = Record { source: &file.source };
    let mut out = Vec::new();
    let mut scope: Vec<String> = Vec::new();
    let mut stack: Vec<(Node<'_>, usize, Option<Hint<'_>>)> = vec![(file.tree.root_node(), 0, None)];
    while let Some((node, depth, hint)) = stack.pop() {
        scope.truncate(depth);
        let kind = node.kind();
        if is_function(kind) {
            let name = match node.child_by_field_name("name") {
                Some(n) if kind != "arrow_function" => rec.text(n),
                _ => hint
                    .as_ref()
                    .map_or_else(|| "<anonymous>".to_string(), |h| h.name.clone()),
            };
            scope.push(name.clone());
            let head = function_head(node, hint.as_ref().and_then(|h| h.head));
            let mut m = rec.new_function(name, super::qualified(&scope, "."), node, head);
            m.params = params(node);
            let (cyclomatic, returns) = cyclomatic_and_returns(node);
            m.cyclomatic = cyclomatic;
            m.returns = returns;
            let (cognitive, max_nesting) = cognitive(node);
            m.cognitive = Some(cognitive);
            m.max_nesting = max_nesting;
            out.push(m);
        } else if matches!(kind, "class_declaration" | "abstract_class_declaration" | "class") {
            let name = node
                .child_by_field_name("name")
                .map(|n| rec.text(n))
                .or_else(|| hint.as_ref().map(|h| h.name.clone()))
                .unwrap_or_else(|| "<anonymous class>".to_string());
            scope.push(name);
        } else if matches!(kind, "internal_module" | "module") {
            // TypeScript `namespace N { ... }` / `module M { ... }`
            if let Some(name) = node.child_by_field_name("name") {
                scope.push(rec.text(name));
            }
        } else if kind == "object" {
            if let Some(h) = &hint {
                scope.push(h.name.clone());
            }
        }
        let depth = scope.len();
        let child_hint = |child: Node<'_>| -> Option<Hint<'_>> {
            let (name_node, head) = match kind {
                "variable_declarator" if node.child_by_field_name("value") == Some(child) => {
                    (node.child_by_field_name("name")?, None)
                }
                "assignment_expression" if node.child_by_field_name("right") == Some(child) => {
                    (node.child_by_field_name("left")?, None)
                }
                "pair" if node.child_by_field_name("value") == Some(child) => {
                    (node.child_by_field_name("key")?, Some(node))
                }
                "field_definition" if node.child_by_field_name("value") == Some(child) => {
                    (node.child_by_field_name("property")?, Some(node))
                }
                "public_field_definition" if node.child_by_field_name("value") == Some(child) => {
                    (node.child_by_field_name("name")?, Some(node))
                }
                // A callback takes its name from the call, handed down through `arguments`
                // (asking a node for its parent costs the depth of the tree).
                "call_expression" | "new_expression" if child.kind() == "arguments" => {
                    return Some(Hint {
                        name: callback_name(&rec, node)?,
                        head: None,
                    })
                }
                "arguments" if is_function(child.kind()) => return hint.clone(),
                // `const got = ((url) => {...}) as Got`: the name passes through the wrapping.
                "parenthesized_expression"
                | "as_expression"
                | "satisfies_expression"
                | "non_null_expression"
                | "type_assertion" => return hint.clone(),
                _ => return None,
            };
            Some(Hint {
                name: rec.text(name_node),
                head,
            })
        };
        let kids: Vec<_> = named_children(node).map(|c| (c, depth, child_hint(c))).collect();
        stack.extend(kids.into_iter().rev());
    }
    out
}

/// The name of a function passed to a call, from the call: `describe("res.send")`,
/// `it("sets ETag")`, `items.map()`. Test frameworks name their cases this way, and the name
/// stays the same when cases are added around it.
fn callback_name(rec: &Record<'_>, call: Node<'_>) -> Option<String> {
    let arguments = call.child_by_field_name("arguments")?;
    let callee = match call.kind() {
        "call_expression" => call.child_by_field_name("function")?,
        "new_expression" => call.child_by_field_name("constructor")?,
        _ => return None,
    };
    let short = |text: String, max: usize| -> String {
        let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.chars().count() > max {
            format!("{}…", text.chars().take(max).collect::<String>())
        } else {
            text
        }
    };
    let label = named_children(arguments)
        .next()
        .filter(|a| matches!(a.kind(), "string" | "template_string"))
        .map(|a| short(rec.text(a), 60))
        .unwrap_or_default();
    Some(format!("{}({label})", short(rec.text(callee), 40)))
}

/// Where ESLint puts a function's head (`getFunctionHeadLoc`): the start of the property,
/// method or class field that holds it, else the `=>` of an arrow, else the function's start.
fn function_head<'t>(node: Node<'t>, keyed: Option<Node<'t>>) -> Node<'t> {
    let after_decorators = |n: Node<'t>| children(n).find(|c| c.kind() != "decorator").unwrap_or(n);
    match (keyed, node.kind()) {
        (Some(holder), _) => after_decorators(holder),
        (None, "method_definition") => after_decorators(node),
        (None, "arrow_function") => children(node).find(|c| c.kind() == "=>").unwrap_or(node),
        (None, _) => node,
    }
}

fn params(func: Node<'_>) -> u32 {
    if let Some(params) = func.child_by_field_name("parameters") {
        named_children(params)
            .filter(|p| p.kind() != "comment" && !is_this_parameter(*p))
            .count() as u32
    } else {
        u32::from(func.child_by_field_name("parameter").is_some())
    }
}

/// TypeScript's `this: Type` pseudo-parameter.
fn is_this_parameter(param: Node<'_>) -> bool {
    param.kind() == "required_parameter"
        && param
            .child_by_field_name("pattern")
            .is_some_and(|p| p.kind() == "this")
}

/// The parts of a function that belong to it: everything but nested functions, which are
/// scored on their own.
fn own_children<'t>(func: Node<'t>) -> impl Iterator<Item = Node<'t>> {
    named_children(func).filter(|c| !matches!(c.kind(), "decorator"))
}

/// ESLint's `complexity` rule (classic variant): default values (`AssignmentPattern`) and
/// `?.` count, as ESLint 9 counts them.
fn cyclomatic_and_returns(func: Node<'_>) -> (u32, u32) {
    let mut cyclomatic = 1;
    let mut returns = 0;
    let mut stack: Vec<Node<'_>> = own_children(func).collect();
    while let Some(node) = stack.pop() {
        let kind = node.kind();
        if is_function(kind) {
            continue;
        }
        match kind {
            "if_statement" | "ternary_expression" | "for_statement" | "for_in_statement"
            | "while_statement" | "do_statement" | "catch_clause" => cyclomatic += 1,
            "switch_case" if node.child_by_field_name("value").is_some() => cyclomatic += 1,
            "assignment_pattern" | "object_assignment_pattern" | "optional_chain" => cyclomatic += 1,
            // The TypeScript grammars leave a call's `?.` an anonymous token.
            "call_expression" if children(node).any(|c| c.kind() == "?.") => cyclomatic += 1,
            // TypeScript parameters carry their default as a field, not as a pattern node.
            "required_parameter" | "optional_parameter" if node.child_by_field_name("value").is_some() => {
                cyclomatic += 1
            }
            "binary_expression" if is_logical(operator(node)) => cyclomatic += 1,
            "augmented_assignment_expression" if matches!(operator(node), "||=" | "&&=" | "??=") => {
                cyclomatic += 1
            }
            "return_statement" => returns += 1,
            _ => {}
        }
        stack.extend(named_children(node));
    }
    (cyclomatic, returns)
}

fn is_logical(op: &str) -> bool {
    matches!(op, "&&" | "||" | "??")
}

/// How a node was reached, where that changes how sonarjs scores it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Via {
    Plain,
    /// The `if` of an `else if`.
    ElseIf,
    /// A function that is the consequent or alternate of a `?:`.
    TernaryBranch,
}

/// eslint-plugin-sonarjs S3776 cognitive complexity of one function, and its deepest nesting.
///
/// sonarjs 4.2 counts the nesting of a function's own control flow with a counter that it
/// raises on entering a nesting node and lowers on leaving one. When the nesting node is itself
/// a function (an arrow as a branch of `?:`), the raise lands on the enclosing function's
/// counter and the lowering on the inner function's, so every later structure of the enclosing
/// function weighs one more. debtgate reproduces that (`leak`), as its anchor's numbers are the
/// ones users can check.
fn cognitive(func: Node<'_>) -> (u32, u32) {
    let mut total = 0;
    let mut max_nesting = 0;
    let mut leak = 0;
    let mut stack: Vec<(Node<'_>, u32, Via)> = own_children(func).map(|c| (c, 0, Via::Plain)).collect();
    stack.reverse();
    while let Some((node, n, via)) = stack.pop() {
        // Children are pushed in source order and reversed below: the walk visits nodes in
        // source order, as ESLint does, which `leak` depends on.
        let pushed_from = stack.len();
        let kind = node.kind();
        if is_function(kind) {
            if via == Via::TernaryBranch {
                leak += 1;
            }
            continue;
        }
        let else_if = via == Via::ElseIf;
        let mut structure = |total: &mut u32| {
            *total += 1 + n + leak;
            max_nesting = max_nesting.max(n + 1);
        };
        match kind {
            "if_statement" => {
                if else_if {
                    total += 1;
                    max_nesting = max_nesting.max(n + 1);
                } else {
                    structure(&mut total);
                }
                let consequence = node.child_by_field_name("consequence");
                for child in named_children(node) {
                    stack.push((
                        child,
                        if Some(child) == consequence { n + 1 } else { n },
                        Via::Plain,
                    ));
                }
            }
            "else_clause" => {
                for child in named_children(node) {
                    if child.kind() == "if_statement" {
                        stack.push((child, n, Via::ElseIf));
                    } else {
                        total += 1;
                        stack.push((child, n + 1, Via::Plain));
                    }
                }
            }
            "switch_statement" => {
                structure(&mut total);
                let body = node.child_by_field_name("body");
                for child in named_children(node) {
                    stack.push((child, if Some(child) == body { n + 1 } else { n }, Via::Plain));
                }
            }
            "for_statement" | "for_in_statement" | "while_statement" | "do_statement" => {
                structure(&mut total);
                let body = node.child_by_field_name("body");
                for child in named_children(node) {
                    stack.push((child, if Some(child) == body { n + 1 } else { n }, Via::Plain));
                }
            }
            "catch_clause" => {
                structure(&mut total);
                stack.extend(named_children(node).map(|c| (c, n + 1, Via::Plain)));
            }
            "ternary_expression" => {
                structure(&mut total);
                let condition = node.child_by_field_name("condition");
                for child in named_children(node) {
                    if Some(child) == condition {
                        stack.push((child, n, Via::Plain));
                    } else if is_function(without_parens(child).kind()) {
                        stack.push((without_parens(child), n + 1, Via::TernaryBranch));
                    } else {
                        stack.push((child, n + 1, Via::Plain));
                    }
                }
            }
            "break_statement" | "continue_statement" => {
                if node.child_by_field_name("label").is_some() {
                    total += 1;
                }
            }
            "binary_expression" if is_logical(operator(node)) => {
                let (ops, operands) = flatten_operators(node, logical_op);
                total += operator_runs(&ops, |op| op == "&&");
                stack.extend(operands.into_iter().map(|c| (c, n, Via::Plain)));
            }
            "jsx_expression" => {
                // `{cond && <X/>}` renders conditionally; sonarjs does not count it.
                for child in named_children(node) {
                    if child.kind() == "binary_expression"
                        && is_logical(operator(child))
                        && ends_in_jsx(child)
                    {
                        let (_, operands) = flatten_operators(child, logical_op);
                        stack.extend(operands.into_iter().map(|c| (c, n, Via::Plain)));
                    } else {
                        stack.push((child, n, Via::Plain));
                    }
                }
            }
            _ => stack.extend(named_children(node).map(|c| (c, n, Via::Plain))),
        }
        stack[pushed_from..].reverse();
    }
    (total, max_nesting)
}

fn without_parens(mut node: Node<'_>) -> Node<'_> {
    while node.kind() == "parenthesized_expression" {
        match node.named_child(0) {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}

fn ends_in_jsx(expr: Node<'_>) -> bool {
    let mut right = expr;
    loop {
        match right.kind() {
            "binary_expression" => match right.child_by_field_name("right") {
                Some(r) => right = r,
                None => return false,
            },
            "parenthesized_expression" => match right.named_child(0) {
                Some(inner) => right = inner,
                None => return false,
            },
            kind => return matches!(kind, "jsx_element" | "jsx_self_closing_element" | "jsx_fragment"),
        }
    }
}

fn logical_op<'t>(node: Node<'t>) -> Option<&'t str> {
    let op = operator(node);
    (node.kind() == "binary_expression" && is_logical(op)).then_some(op)
}
