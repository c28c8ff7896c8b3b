//! Java: every method and constructor is a record (`Outer.Inner.method`), methods of local and
//! anonymous classes included, each from nesting 0; lambdas fold into the enclosing method at
//! +1 nesting. Cyclomatic lizard-compatible: `if`, each loop (`do … while` once), `catch`,
//! `?:`, each `&&`/`||`, each `case` label (not `default`). Cognitive by the white paper.

use super::engine::{self, Deeper, Later, Role, Roots, Table, TableSpec};
use super::lizard::{self, Spec};
use super::{named_children, Credit, FunctionMetrics, Record};
use crate::lang::{Language, ParsedFile};

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

const JAVA: Spec = Spec {
    language: Language::Java,
    if_kind: "if_statement",
    loops: &[
        "for_statement",
        "enhanced_for_statement",
        "while_statement",
        "do_statement",
    ],
    cases: &["switch_label"],
    is_default_case: lizard::starts_with_default,
    catches: &["catch_clause"],
    ternaries: &["ternary_expression"],
    binary: "binary_expression",
    returns: &["return_statement"],
};

/// One walk finds the methods and counts each one's cyclomatic complexity and returns on the
/// way (`Credit`); methods and classes inside a method body are records of their own.
pub fn measure(file: &ParsedFile, rec: &Record<'_>) -> Vec<FunctionMetrics> {
    let mut out = Vec::new();
    let mut later = Vec::new();
    let table = Table::of(file.language);
    let scoring = super::walk_scoped(file, rec, Credit::default(), |node, parent, scope| {
        let kind = table.kind(node);
        if is_method(kind) {
            let name = node
                .child_by_field_name("name")
                .map_or_else(|| "<init>".to_string(), |n| rec.text(n));
            scope.push(name.clone());
            // A body-less declaration (interface, abstract, native) has no code to measure.
            let Some(body) = node.child_by_field_name("body") else {
                return Some(Credit::to(None));
            };
            // The head is the name: annotations and modifiers come before it.
            let head = node.child_by_field_name("name").unwrap_or(node);
            let mut m = rec.new_function(name, super::qualified(scope, "."), node, head);
            m.params = node.child_by_field_name("parameters").map_or(0, |p| {
                named_children(p)
                    .filter(|p| matches!(p.kind(), "formal_parameter" | "spread_parameter"))
                    .count() as u32
            });
            out.push(m);
            later.push(Later {
                record: out.len() - 1,
                roots: Roots::Code(vec![body]),
                own: true,
            });
            return Some(Credit::body(out.len() - 1, Some(body)));
        }
        if is_type(kind) {
            scope.push(
                node.child_by_field_name("name")
                    .map_or_else(|| "<type>".to_string(), |n| rec.text(n)),
            );
            return Some(Credit::to(None));
        }
        if kind == "class_body" {
            return Some(Credit::to(None));
        }
        if kind == "object_creation_expression" && node.child_by_field_name("type").is_some() {
            // An anonymous class: its methods are named after the type it implements.
            if named_children(node).any(|c| c.kind() == "class_body") {
                let ty = node
                    .child_by_field_name("type")
                    .map(|t| rec.text(t))
                    .unwrap_or_default();
                scope.push(format!("<anonymous {}>", ty.split('<').next().unwrap_or(&ty)));
            }
        }
        let record = parent.of_child(node);
        super::tally(rec, &mut out, record, node, |node| {
            lizard::tally(&JAVA, node, kind)
        });
        Some(Credit::to(record))
    });
    engine::score_later(rec, scoring, &mut out, later);
    out
}

/// The cognitive-complexity table (the white paper).
pub(crate) const TABLE: TableSpec = TableSpec {
    roles: &[&[
        ("method_declaration", Role::Skip),
        ("constructor_declaration", Role::Skip),
        ("compact_constructor_declaration", Role::Skip),
        ("class_declaration", Role::Skip),
        ("interface_declaration", Role::Skip),
        ("enum_declaration", Role::Skip),
        ("record_declaration", Role::Skip),
        ("annotation_type_declaration", Role::Skip),
        ("class_body", Role::Skip),
        ("if_statement", Role::If),
        ("lambda_expression", Role::Lambda),
        ("for_statement", Role::Nests(Deeper::Body)),
        ("enhanced_for_statement", Role::Nests(Deeper::Body)),
        ("while_statement", Role::Nests(Deeper::Body)),
        ("do_statement", Role::Nests(Deeper::Body)),
        ("catch_clause", Role::Nests(Deeper::Body)),
        ("switch_expression", Role::Nests(Deeper::BodyOrCases)),
        ("ternary_expression", Role::Ternary),
        ("break_statement", Role::Jump),
        ("continue_statement", Role::Jump),
        ("binary_expression", Role::Binary),
    ]],
    cases: &["switch_label"],
    labels: &["identifier"],
    logical: &["&&", "||"],
    counted: &["&&", "||"],
};
