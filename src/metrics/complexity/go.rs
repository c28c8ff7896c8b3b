//! Go: every `func` declaration and method is a record (`Type.Method` for methods); a function
//! literal is a record of its own for cyclomatic (as lizard lists it, named `outer.func1` the
//! way the Go toolchain names closures) and folds into its enclosing function at +1 nesting for
//! cognitive, as the white paper folds lambdas. Cyclomatic lizard-compatible: `if`, `for`, each
//! non-default `case` clause (of `switch`, type switch and `select`), each `&&`/`||`.

use tree_sitter::Node;

use super::engine::{self, Deeper, Later, Role, Roots, Table, TableSpec};
use super::lizard::{self, Spec};
use super::{named_children, Credit, FunctionMetrics, Record};
use crate::lang::{Language, ParsedFile};

/// One walk finds the functions and counts each one's cyclomatic complexity and returns on
/// the way (`Credit`): a function literal's body counts for the literal, not for the function
/// around it.
pub fn measure(file: &ParsedFile, rec: &Record<'_>) -> Vec<FunctionMetrics> {
    let mut out: Vec<FunctionMetrics> = Vec::new();
    // Per record: how many literals it holds so far, for `outer.funcN`.
    let mut literal_counts: Vec<u32> = Vec::new();
    // The state a node hands its children: the record of the innermost enclosing function,
    // and the credit of its cyclomatic complexity.
    let root: (Option<usize>, Credit) = (None, Credit::default());
    let table = Table::of(file.language);
    let mut later = Vec::new();
    let scoring = super::walk_scoped(file, rec, root, |node, &(enclosing, credit), _| {
        let kind = table.kind(node);
        let (name, qualified, own_cognitive) = match kind {
            "function_declaration" | "method_declaration" => {
                let name = node
                    .child_by_field_name("name")
                    .map_or_else(|| "<anonymous>".to_string(), |n| rec.text(n));
                let qualified = match receiver_type(rec, node) {
                    Some(ty) => format!("{ty}.{name}"),
                    None => name.clone(),
                };
                (name, qualified, true)
            }
            "func_literal" => {
                let (name, qualified) = match enclosing {
                    Some(i) => {
                        literal_counts[i] += 1;
                        let name = format!("func{}", literal_counts[i]);
                        (name.clone(), format!("{}.{name}", out[i].qualified_name))
                    }
                    None => ("func".to_string(), "<package>.func".to_string()),
                };
                // Folded into the enclosing function for cognitive; a package-level literal
                // has none to fold into and is scored on its own.
                (name, qualified, enclosing.is_none())
            }
            _ => {
                let record = credit.of_child(node);
                super::tally(rec, &mut out, record, node, |node| lizard::tally(&GO, node, kind));
                return Some((enclosing, Credit::to(record)));
            }
        };
        out.push(function(rec, node, name, qualified, own_cognitive));
        literal_counts.push(0);
        let record = out.len() - 1;
        if let Some(body) = node.child_by_field_name("body") {
            later.push(Later {
                record,
                roots: Roots::Code(vec![body]),
                own: own_cognitive,
            });
        }
        Some((
            Some(record),
            Credit::body(record, node.child_by_field_name("body")),
        ))
    });
    engine::score_later(rec, scoring, &mut out, later);
    out
}

/// One function's record, its complexity left to the walk.
fn function(
    rec: &Record<'_>,
    node: Node<'_>,
    name: String,
    qualified: String,
    own_cognitive: bool,
) -> FunctionMetrics {
    let mut m = rec.new_function(name, qualified, node, node);
    m.params = node.child_by_field_name("parameters").map_or(0, params);
    // Scored after the walk; an assembly-backed declaration (`func f(x int) int`, no body)
    // scores 0.
    m.cognitive = own_cognitive.then_some(0);
    m
}

/// `Server` for `func (s *Server[T]) Name()`.
fn receiver_type(rec: &Record<'_>, node: Node<'_>) -> Option<String> {
    let receiver = node.child_by_field_name("receiver")?;
    let param = named_children(receiver).find(|p| p.kind() == "parameter_declaration")?;
    let text = rec.text(param.child_by_field_name("type")?);
    let text = text.trim_start_matches('*');
    Some(text.split('[').next().unwrap_or(text).trim().to_string())
}

/// Declared parameters: `a, b int` is two, an unnamed `int` one.
fn params(list: Node<'_>) -> u32 {
    named_children(list)
        .map(|p| match p.kind() {
            "parameter_declaration" => {
                let mut cursor = p.walk();
                let names = p.children_by_field_name("name", &mut cursor).count() as u32;
                names.max(1)
            }
            "variadic_parameter_declaration" => 1,
            _ => 0,
        })
        .sum()
}

const GO: Spec = Spec {
    language: Language::Go,
    if_kind: "if_statement",
    loops: &["for_statement"],
    cases: &[
        "expression_case",
        "type_case",
        "communication_case",
        "default_case",
    ],
    is_default_case: |n| n.kind() == "default_case",
    catches: &[],
    ternaries: &[],
    binary: "binary_expression",
    returns: &["return_statement"],
};

/// The cognitive-complexity table (the white paper).
pub(crate) const TABLE: TableSpec = TableSpec {
    roles: &[&[
        ("if_statement", Role::If),
        ("func_literal", Role::Lambda),
        ("for_statement", Role::Nests(Deeper::Body)),
        ("expression_switch_statement", Role::Nests(Deeper::BodyOrCases)),
        ("type_switch_statement", Role::Nests(Deeper::BodyOrCases)),
        ("select_statement", Role::Nests(Deeper::BodyOrCases)),
        ("goto_statement", Role::Goto),
        ("break_statement", Role::Jump),
        ("continue_statement", Role::Jump),
        ("binary_expression", Role::Binary),
    ]],
    cases: &[
        "expression_case",
        "type_case",
        "communication_case",
        "default_case",
    ],
    labels: &["label_name"],
    logical: &["&&", "||"],
    counted: &["&&", "||"],
};
