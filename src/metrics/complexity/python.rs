//! Python: every `def` gets a cyclomatic record (lizard); cognitive complexity is scored on
//! outermost functions only, nested `def`s folding in at +1 nesting (complexipy / SonarPython).

use tree_sitter::Node;

use super::engine::{self, Deeper, Role, Table, TableSpec};
use super::{named_children, FunctionMetrics, Record};
use crate::lang::{Language, ParsedFile};

pub fn measure(file: &ParsedFile, rec: &Record<'_>) -> Vec<FunctionMetrics> {
    let mut out = Vec::new();
    // The state a node hands its children: (inside a function, decorated with @overload).
    super::walk_scoped(
        file.tree.root_node(),
        (false, false),
        |node, &(in_function, overload), scope| {
            match node.kind() {
                // A typing `@overload` stub declares the real function below it; it is not one.
                "function_definition" if overload => None,
                "decorated_definition" => Some((in_function, has_overload_decorator(rec, node))),
                "function_definition" => {
                    let name = field_text(rec, node, "name");
                    scope.push(name.clone());
                    let mut m = rec.new_function(name, super::qualified(scope, "."), node, node);
                    m.params = params(rec, node);
                    let (cyclomatic, returns) = rec.cyclomatic(|| cyclomatic_and_returns(node));
                    m.cyclomatic = cyclomatic;
                    m.returns = returns;
                    let cognitive = engine::cognitive_of_def(Table::of(Language::Python), rec, node);
                    m.max_nesting = cognitive.max_nesting;
                    if !in_function {
                        m.cognitive = Some(cognitive.total);
                        m.increments = cognitive.increments;
                    }
                    out.push(m);
                    Some((true, false))
                }
                "class_definition" => {
                    scope.push(field_text(rec, node, "name"));
                    Some((in_function, false))
                }
                _ => Some((in_function, false)),
            }
        },
    );
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
    let mut visit = |node: Node<'_>| {
        match node.kind() {
            "function_definition" => return false,
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
        true
    };
    for block in named_children(func).filter(|c| c.kind() == "block") {
        super::visit_named(block, &mut visit);
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

/// The cognitive-complexity table (complexipy / SonarPython).
pub(crate) const TABLE: TableSpec = TableSpec {
    roles: &[&[
        ("if_statement", Role::If),
        ("elif_clause", Role::Elif),
        ("else_clause", Role::PyElse),
        ("for_statement", Role::Nests(Deeper::Body)),
        ("while_statement", Role::Nests(Deeper::Body)),
        ("except_clause", Role::Nests(Deeper::Blocks)),
        ("match_statement", Role::Nests(Deeper::Blocks)),
        ("conditional_expression", Role::Ternary),
        ("boolean_operator", Role::BooleanOperator),
        ("list_comprehension", Role::Comprehension),
        ("set_comprehension", Role::Comprehension),
        ("dictionary_comprehension", Role::Comprehension),
        ("generator_expression", Role::Comprehension),
        ("lambda", Role::Lambda),
        ("function_definition", Role::Def),
        ("call", Role::Call),
    ]],
    cases: &[],
    labels: &[],
    logical: &[],
    counted: &[],
};
