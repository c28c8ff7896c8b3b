//! Rust: every `fn` is a record of its own (nested `fn`s from nesting 0); closures fold into
//! the enclosing `fn` at +1 nesting. Cognitive by the SonarSource white paper, cyclomatic
//! lizard-compatible. Nothing inside a macro invocation counts.

use tree_sitter::Node;

use super::engine::{self, Deeper, Later, Role, Roots, Table, TableSpec};
use super::{children, named_children, Credit, FunctionMetrics, Record};
use crate::lang::{Language, ParsedFile};

/// One walk finds the functions and counts each one's cyclomatic complexity and returns on
/// the way (`Credit`).
pub fn measure(file: &ParsedFile, rec: &Record<'_>) -> Vec<FunctionMetrics> {
    let mut out = Vec::new();
    let mut later = Vec::new();
    let table = Table::of(file.language);
    let scoring = super::walk_scoped(file, rec, Credit::default(), |node, parent, scope| {
        let named = |fallback: &str| {
            node.child_by_field_name("name")
                .map_or_else(|| fallback.to_string(), |n| rec.text(n))
        };
        let kind = table.kind(node);
        match kind {
            "function_item" => {
                let name = named("<anonymous>");
                scope.push(name.clone());
                out.push(function(rec, node, name, super::qualified(scope, "::")));
                let body = node.child_by_field_name("body");
                later.extend(body.map(|body| Later {
                    record: out.len() - 1,
                    roots: Roots::Code(vec![body]),
                    own: true,
                }));
                return Some(Credit::body(out.len() - 1, body));
            }
            "impl_item" => scope.push(impl_name(rec, node)),
            "trait_item" | "mod_item" => scope.push(named("<anonymous>")),
            "macro_invocation" | "macro_definition" => return None,
            _ => {
                let record = parent.of_child(node);
                super::tally(rec, &mut out, record, node, |node| {
                    (decisions(node, kind), u32::from(kind == "return_expression"))
                });
                return Some(Credit::to(record));
            }
        }
        // Items nested in a function body are records (or scopes) of their own.
        Some(Credit::to(None))
    });
    engine::score_later(rec, scoring, &mut out, later);
    out
}

/// One `fn` item's record, its cyclomatic complexity and returns left to the walk.
fn function(rec: &Record<'_>, node: Node<'_>, name: String, qualified: String) -> FunctionMetrics {
    let mut m = rec.new_function(name, qualified, node, node);
    m.params = named_children(node.child_by_field_name("parameters").unwrap_or(node))
        .filter(|p| matches!(p.kind(), "parameter" | "variadic_parameter"))
        .count() as u32;
    // Scored after the walk; a function with no body scores 0.
    m.cognitive = Some(0);
    m
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

/// The decisions one node adds: a branch or loop, a `?`, a `&&` or `||` (each `&&` of a `let`
/// chain), a match arm past the first, a guard, a `let ... else`.
fn decisions(node: Node<'_>, kind: &str) -> u32 {
    let has = |field: &str| u32::from(node.child_by_field_name(field).is_some());
    match kind {
        "if_expression" | "for_expression" | "while_expression" | "try_expression" => 1,
        "binary_expression" => u32::from(matches!(Table::of(Language::Rust).operator(node), "&&" | "||")),
        "let_chain" => children(node).filter(|c| c.kind() == "&&").count() as u32,
        "match_block" => {
            let arms = named_children(node).filter(|c| c.kind() == "match_arm").count() as u32;
            arms.saturating_sub(1)
        }
        "match_pattern" => has("condition"),
        "let_declaration" => has("alternative"),
        _ => 0,
    }
}

/// The cognitive-complexity table (the white paper). Nothing inside a macro counts; a `let`
/// chain is one run of `&&`.
pub(crate) const TABLE: TableSpec = TableSpec {
    roles: &[&[
        ("function_item", Role::Skip),
        ("impl_item", Role::Skip),
        ("trait_item", Role::Skip),
        ("mod_item", Role::Skip),
        ("macro_invocation", Role::Skip),
        ("macro_definition", Role::Skip),
        ("if_expression", Role::If),
        ("else_clause", Role::ElseClause),
        ("match_expression", Role::Nests(Deeper::Body)),
        ("for_expression", Role::Nests(Deeper::Body)),
        ("while_expression", Role::Nests(Deeper::Body)),
        ("loop_expression", Role::Nests(Deeper::Body)),
        ("break_expression", Role::Jump),
        ("continue_expression", Role::Jump),
        ("binary_expression", Role::Binary),
        ("let_chain", Role::LetChain),
        ("closure_expression", Role::Lambda),
    ]],
    cases: &[],
    labels: &["label"],
    logical: &["&&", "||"],
    counted: &["&&", "||"],
};
