//! Python: every `def` gets a cyclomatic record (lizard); cognitive complexity is scored on
//! outermost functions only, nested `def`s folding in at +1 nesting (complexipy / SonarPython).

use tree_sitter::Node;

use super::engine::{self, Deeper, Later, Role, Roots, Table, TableSpec};
use super::{named_children, FunctionMetrics, Record};
use crate::lang::ParsedFile;

/// What a node hands its children in the walk that finds and counts functions.
#[derive(Clone, Copy, Default)]
struct Open {
    /// Inside a function (whose cognitive complexity folds nested `def`s in).
    in_function: bool,
    /// Decorated with `@overload`.
    overload: bool,
    /// The record whose cyclomatic complexity and returns the node counts towards: the
    /// innermost `def` whose body holds it.
    counts_for: Option<usize>,
    /// The node is the `def` of this record, whose body (not its parameters) counts for it.
    def: Option<usize>,
}

/// One walk finds the functions and counts each one's cyclomatic complexity and returns on
/// the way, crediting every node to the innermost `def` whose body holds it.
pub fn measure(file: &ParsedFile, rec: &Record<'_>) -> Vec<FunctionMetrics> {
    let mut out: Vec<FunctionMetrics> = Vec::new();
    let mut later = Vec::new();
    let table = Table::of(file.language);
    let scoring = super::walk_scoped(file, rec, Open::default(), |node, parent, scope| {
        let kind = table.kind(node);
        let counts_for = match parent.def {
            Some(def) => (kind == "block").then_some(def),
            None => parent.counts_for,
        };
        let plain = Open {
            counts_for,
            def: None,
            overload: false,
            ..*parent
        };
        match kind {
            // A typing `@overload` stub declares the real function below it; it is not one.
            "function_definition" if parent.overload => None,
            "decorated_definition" => Some(Open {
                overload: has_overload_decorator(rec, node),
                ..plain
            }),
            "function_definition" => {
                let name = field_text(rec, node, "name");
                scope.push(name.clone());
                let mut m = rec.new_function(name, super::qualified(scope, "."), node, node);
                m.params = params(rec, node);
                out.push(m);
                later.push(Later {
                    record: out.len() - 1,
                    roots: Roots::Def(node),
                    own: !parent.in_function,
                });
                Some(Open {
                    in_function: true,
                    def: Some(out.len() - 1),
                    ..plain
                })
            }
            "class_definition" => {
                scope.push(field_text(rec, node, "name"));
                Some(plain)
            }
            _ => {
                super::tally(rec, &mut out, counts_for, node, |node| {
                    cyclomatic_and_returns(node, kind)
                });
                Some(plain)
            }
        }
    });
    engine::score_later(rec, scoring, &mut out, later);
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

/// What one node adds to the cyclomatic complexity (lizard-compatible) and the explicit
/// returns of the function whose body holds it.
fn cyclomatic_and_returns(node: Node<'_>, kind: &str) -> (u32, u32) {
    match kind {
        "if_statement"
        | "elif_clause"
        | "for_statement"
        | "while_statement"
        | "except_clause"
        | "conditional_expression"
        | "boolean_operator"
        | "for_in_clause"
        | "if_clause" => (1, 0),
        "case_clause" if !is_wildcard_case(node) => (1, 0),
        "return_statement" => (0, 1),
        _ => (0, 0),
    }
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
