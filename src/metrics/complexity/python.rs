//! Python: every `def` gets a cyclomatic record (lizard); cognitive complexity is scored on
//! outermost functions only, nested `def`s folding in at +1 nesting (complexipy / SonarPython).

use tree_sitter::Node;

use super::{named_children, operator, FunctionMetrics, Record};
use crate::lang::ParsedFile;

pub fn measure(file: &ParsedFile) -> Vec<FunctionMetrics> {
    let rec = Record { source: &file.source };
    let mut out = Vec::new();
    let mut scope: Vec<String> = Vec::new();
    // (node, scope depth, inside a function, decorated with @overload)
    let mut stack: Vec<(Node<'_>, usize, bool, bool)> = vec![(file.tree.root_node(), 0, false, false)];
    while let Some((node, depth, in_function, overload)) = stack.pop() {
        scope.truncate(depth);
        let mut child_in_function = in_function;
        let mut child_overload = false;
        match node.kind() {
            // A typing `@overload` stub declares the real function below it; it is not one.
            "function_definition" if overload => continue,
            "decorated_definition" => child_overload = has_overload_decorator(&rec, node),
            "function_definition" => {
                let name = field_text(&rec, node, "name");
                scope.push(name.clone());
                let mut m = rec.new_function(name, super::qualified(&scope, "."), node, node);
                m.params = params(&rec, node);
                let (cyclomatic, returns) = cyclomatic_and_returns(node);
                m.cyclomatic = cyclomatic;
                m.returns = returns;
                let (cognitive, max_nesting) = cognitive(&rec, node);
                m.max_nesting = max_nesting;
                if !in_function {
                    m.cognitive = Some(cognitive);
                }
                out.push(m);
                child_in_function = true;
            }
            "class_definition" => scope.push(field_text(&rec, node, "name")),
            _ => {}
        }
        let depth = scope.len();
        let kids: Vec<Node<'_>> = named_children(node).collect();
        stack.extend(
            kids.into_iter()
                .rev()
                .map(|c| (c, depth, child_in_function, child_overload)),
        );
    }
    out
}

/// A decorated definition whose decorators include `@overload` / `@typing.overload` (or
/// typing_extensions').
fn has_overload_decorator(rec: &Record<'_>, decorated: Node<'_>) -> bool {
    named_children(decorated)
        .filter(|c| c.kind() == "decorator")
        .any(|d| {
            let text = rec.text(d);
            let name = text.trim_start_matches('@').trim();
            matches!(
                name,
                "overload" | "typing.overload" | "typing_extensions.overload" | "t.overload"
            )
        })
}

fn field_text(rec: &Record<'_>, node: Node<'_>, field: &str) -> String {
    node.child_by_field_name(field)
        .map_or_else(|| "<anonymous>".to_string(), |n| rec.text(n))
}

/// Declared parameters, `self`/`cls` excluded.
fn params(rec: &Record<'_>, func: Node<'_>) -> u32 {
    let Some(params) = func.child_by_field_name("parameters") else {
        return 0;
    };
    let mut count = 0;
    for (i, p) in named_children(params).enumerate() {
        match p.kind() {
            "identifier" if i == 0 && matches!(&rec.source[p.byte_range()], b"self" | b"cls") => {}
            "identifier"
            | "typed_parameter"
            | "default_parameter"
            | "typed_default_parameter"
            | "list_splat_pattern"
            | "dictionary_splat_pattern"
            | "tuple_pattern" => count += 1,
            _ => {}
        }
    }
    count
}

/// Cyclomatic complexity (lizard-compatible) and explicit returns of one `def`, not counting
/// nested `def`s, which are records of their own.
fn cyclomatic_and_returns(func: Node<'_>) -> (u32, u32) {
    let mut cyclomatic = 1;
    let mut returns = 0;
    let mut stack: Vec<Node<'_>> = named_children(func).filter(|c| c.kind() == "block").collect();
    while let Some(node) = stack.pop() {
        match node.kind() {
            "function_definition" => continue,
            "if_statement"
            | "elif_clause"
            | "for_statement"
            | "while_statement"
            | "except_clause"
            | "conditional_expression"
            | "boolean_operator"
            | "for_in_clause"
            | "if_clause" => cyclomatic += 1,
            "case_clause" if !is_wildcard_case(node) => cyclomatic += 1,
            "return_statement" => returns += 1,
            _ => {}
        }
        stack.extend(named_children(node));
    }
    (cyclomatic, returns)
}

/// `case _:` (the default case) adds no path of its own.
fn is_wildcard_case(case: Node<'_>) -> bool {
    let mut patterns = named_children(case).filter(|c| c.kind() == "case_pattern");
    match (patterns.next(), patterns.next()) {
        (Some(p), None) => p.named_child_count() == 0 && p.end_byte() - p.start_byte() == 1,
        _ => false,
    }
}

/// Cognitive complexity of a function with its nested `def`s folded in, and its deepest
/// nesting.
fn cognitive(rec: &Record<'_>, func: Node<'_>) -> (u32, u32) {
    let mut total = 0;
    let mut max_nesting = 0;
    let mut names: Vec<String> = vec![field_text(rec, func, "name")];
    let mut flat_defs: Vec<usize> = Vec::new();
    // (node, nesting, index of the innermost function's name)
    let mut stack: Vec<(Node<'_>, u32, usize)> = Vec::new();
    push_def_body(func, 0, 0, &mut stack, &mut flat_defs);
    let mut structure = |n: u32, total: &mut u32| {
        *total += 1 + n;
        max_nesting = max_nesting.max(n + 1);
    };
    while let Some((node, n, f)) = stack.pop() {
        match node.kind() {
            "if_statement" => {
                structure(n, &mut total);
                for child in named_children(node) {
                    let nesting = if node.child_by_field_name("consequence") == Some(child) {
                        n + 1
                    } else {
                        n
                    };
                    stack.push((child, nesting, f));
                }
            }
            "elif_clause" => {
                total += 1;
                push_fields(node, n, f, &mut stack);
            }
            "else_clause" => {
                // `else` of if / for / while / try: +1 (the white paper and SonarPython count
                // the loop and try `else` too; complexipy does not). Only an `if`'s `else`
                // nests its body; the others' bodies stay at the statement's level, as in
                // complexipy.
                total += 1;
                let nested = node.parent().is_some_and(|p| p.kind() == "if_statement");
                stack.extend(named_children(node).map(|c| (c, if nested { n + 1 } else { n }, f)));
            }
            "for_statement" | "while_statement" => {
                structure(n, &mut total);
                for child in named_children(node) {
                    let nesting = if node.child_by_field_name("body") == Some(child) {
                        n + 1
                    } else {
                        n
                    };
                    stack.push((child, nesting, f));
                }
            }
            "except_clause" => {
                structure(n, &mut total);
                for child in named_children(node) {
                    let nesting = if child.kind() == "block" { n + 1 } else { n };
                    stack.push((child, nesting, f));
                }
            }
            "conditional_expression" => {
                structure(n, &mut total);
                // children: body, condition, alternative
                for (i, child) in named_children(node).enumerate() {
                    stack.push((child, if i == 1 { n } else { n + 1 }, f));
                }
            }
            "match_statement" => {
                structure(n, &mut total);
                for child in named_children(node) {
                    let nesting = if child.kind() == "block" { n + 1 } else { n };
                    stack.push((child, nesting, f));
                }
            }
            "case_clause" => {
                for child in named_children(node) {
                    if child.kind() == "if_clause" {
                        // a guard is not a comprehension `if`
                        stack.extend(named_children(child).map(|c| (c, n, f)));
                    } else {
                        stack.push((child, n, f));
                    }
                }
            }
            "boolean_operator" => {
                let (sequences, operands) = boolean_sequences(node);
                total += sequences;
                stack.extend(operands.into_iter().map(|c| (c, n, f)));
            }
            "list_comprehension"
            | "set_comprehension"
            | "dictionary_comprehension"
            | "generator_expression" => {
                // As complexipy: each `for` is a structure at the comprehension's nesting, each
                // `if` +1; the element and the `if` conditions sit one level deeper, the
                // iterables do not.
                for child in named_children(node) {
                    match child.kind() {
                        "for_in_clause" => {
                            structure(n, &mut total);
                            stack.extend(named_children(child).map(|c| (c, n, f)));
                        }
                        "if_clause" => {
                            total += 1;
                            stack.extend(named_children(child).map(|c| (c, n + 1, f)));
                        }
                        _ => stack.push((child, n + 1, f)),
                    }
                }
            }
            "lambda" => stack.extend(named_children(node).map(|c| (c, n + 1, f))),
            "function_definition" => {
                names.push(field_text(rec, node, "name"));
                let inner = names.len() - 1;
                // A method of a class defined in the function, and the inner def of the
                // decorator-wrapper pattern, fold in at the current nesting.
                let nesting = if flat_defs.contains(&node.id()) || is_method(node) {
                    n
                } else {
                    n + 1
                };
                push_def_body(node, nesting, inner, &mut stack, &mut flat_defs);
            }
            "class_definition" => stack.extend(named_children(node).map(|c| (c, n, f))),
            "call" => {
                if let Some(callee) = node.child_by_field_name("function") {
                    if callee.kind() == "identifier"
                        && rec.source[callee.byte_range()] == *names[f].as_bytes()
                    {
                        total += 1;
                    }
                }
                stack.extend(named_children(node).map(|c| (c, n, f)));
            }
            _ => stack.extend(named_children(node).map(|c| (c, n, f))),
        }
    }
    (total, max_nesting)
}

fn push_fields<'t>(node: Node<'t>, n: u32, f: usize, stack: &mut Vec<(Node<'t>, u32, usize)>) {
    for child in named_children(node) {
        let nesting = if node.child_by_field_name("consequence") == Some(child) {
            n + 1
        } else {
            n
        };
        stack.push((child, nesting, f));
    }
}

/// Pushes the body of a `def` at `nesting`, and notes a nested def that is the
/// decorator-wrapper pattern (`def outer(): def inner(): ...; return inner`), which folds in
/// at +0.
fn push_def_body<'t>(
    func: Node<'t>,
    nesting: u32,
    name_index: usize,
    stack: &mut Vec<(Node<'t>, u32, usize)>,
    flat_defs: &mut Vec<usize>,
) {
    let Some(body) = func.child_by_field_name("body") else {
        return;
    };
    if let Some(inner) = wrapper_def(body) {
        flat_defs.push(inner.id());
    }
    stack.push((body, nesting, name_index));
}

fn wrapper_def(body: Node<'_>) -> Option<Node<'_>> {
    // A docstring is a statement: with one, the function is not the pattern (as complexipy).
    let statements: Vec<Node<'_>> = named_children(body).filter(|s| s.kind() != "comment").collect();
    let [def, ret] = statements[..] else { return None };
    let def = match def.kind() {
        "function_definition" => def,
        "decorated_definition" => def
            .child_by_field_name("definition")
            .filter(|d| d.kind() == "function_definition")?,
        _ => return None,
    };
    // Whatever it returns: complexipy (and SonarPython) look at the statement kinds only.
    (ret.kind() == "return_statement").then_some(def)
}

/// A `def` directly in a class body (decorated or not).
fn is_method(def: Node<'_>) -> bool {
    let mut parent = def.parent();
    if parent.is_some_and(|p| p.kind() == "decorated_definition") {
        parent = parent.and_then(|p| p.parent());
    }
    parent
        .and_then(|block| block.parent())
        .is_some_and(|p| p.kind() == "class_definition")
}

/// SonarPython's and complexipy's count of boolean operators: each `and`/`or` whose nearest
/// enclosing operator (through parentheses) is not the same one starts a sequence, +1.
/// `(a or b) or (c or d)` is one sequence; `(a or b) and (c or d) and (a or d)` is four.
/// Returns the sequences and the operands that are not boolean operators.
fn boolean_sequences(node: Node<'_>) -> (u32, Vec<Node<'_>>) {
    let mut sequences = 0;
    let mut operands = Vec::new();
    let mut stack: Vec<(Node<'_>, Option<&str>)> = vec![(node, None)];
    while let Some((mut n, parent)) = stack.pop() {
        while n.kind() == "parenthesized_expression" && n.named_child_count() == 1 {
            match n.named_child(0).filter(|c| boolean_op(*c).is_some()) {
                Some(inner) => n = inner,
                None => break,
            }
        }
        let Some(op) = boolean_op(n) else {
            operands.push(n);
            continue;
        };
        if parent != Some(op) {
            sequences += 1;
        }
        for field in ["right", "left"] {
            if let Some(side) = n.child_by_field_name(field) {
                stack.push((side, Some(op)));
            }
        }
    }
    (sequences, operands)
}

fn boolean_op<'t>(node: Node<'t>) -> Option<&'t str> {
    (node.kind() == "boolean_operator").then(|| operator(node))
}
