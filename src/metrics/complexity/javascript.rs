//! JavaScript, TypeScript and TSX (one walker: the TypeScript grammars extend the JavaScript
//! one): every function, method, arrow and function expression is scored on its own,
//! nesting restarting at 0 (eslint-plugin-sonarjs S3776 for cognitive, ESLint `complexity`
//! for cyclomatic).

use std::num::NonZeroU16;
use std::sync::OnceLock;

use tree_sitter::Node;

use super::engine::{self, Deeper, Later, Role, Roots, Table, TableSpec};
use super::{children, named_children, FunctionMetrics, Record};
use crate::lang::{Language, ParsedFile, LANGUAGES};

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

/// What a node hands its children in the walk that finds and counts functions.
#[derive(Clone)]
struct Open<'t> {
    /// The node itself, its kind and the hint it was given, from which each child's own hint
    /// follows.
    node: Node<'t>,
    kind: &'t str,
    hint: Option<Hint<'t>>,
    /// Where the node names the value one of its fields holds (`NAMING_FIELDS`): how, and
    /// that child's id, looked up once for all its children.
    naming: Option<Naming>,
    named_value: Option<usize>,
    /// An `arguments` node's call, which names a function passed in it.
    call: Option<Node<'t>>,
    /// The record whose cyclomatic complexity and returns the node's children count towards:
    /// the innermost function that holds them.
    counts_for: Option<usize>,
    /// The node is the function of this record (its decorators are not its own code).
    function: Option<usize>,
}

/// One walk finds the functions and counts each one's cyclomatic complexity and returns on
/// the way, crediting every node to the innermost function that holds it.
pub fn measure(file: &ParsedFile, rec: &Record<'_>) -> Vec<FunctionMetrics> {
    let (table, namings) = (Table::of(file.language), namings(file.language));
    let mut out: Vec<FunctionMetrics> = Vec::new();
    let mut later = Vec::new();
    let root: Option<Open<'_>> = None;
    let scoring = super::walk_scoped(file, rec, root, |node, parent, scope| {
        // A node's kind is read once, from the table (`Node::kind` measures and checks a C
        // string).
        let kind = table.kind(node);
        let hint = parent.as_ref().and_then(|p| child_hint(rec, p, node, kind));
        let counts_for = parent.as_ref().and_then(|p| match p.function {
            Some(_) if kind == "decorator" => None,
            Some(function) => Some(function),
            None => p.counts_for,
        });
        let mut function = None;
        if is_function(kind) {
            out.push(measure_function(rec, node, hint.as_ref(), scope));
            function = Some(out.len() - 1);
            later.push(Later {
                record: out.len() - 1,
                roots: Roots::Code(own_children(node).collect()),
                own: true,
            });
        } else {
            scope.extend(scope_name(rec, node, kind, hint.as_ref()));
            super::tally(rec, &mut out, counts_for, node, |node| {
                (
                    u32::from(is_decision(table, node, kind)),
                    u32::from(kind == "return_statement"),
                )
            });
        }
        let naming = namings.get(usize::from(node.kind_id())).copied().flatten();
        let call = parent
            .as_ref()
            .filter(|p| kind == "arguments" && matches!(p.kind, "call_expression" | "new_expression"))
            .map(|p| p.node);
        let named_value = naming
            .and_then(|n| node.child_by_field_id(n.value?.get()))
            .map(|value| value.id());
        Some(Some(Open {
            node,
            kind,
            hint,
            naming,
            named_value,
            call,
            counts_for,
            function,
        }))
    });
    engine::score_later(rec, scoring, &mut out, later);
    out
}

/// One function's record, its complexity left to the walk, and its scope opened (an arrow
/// takes its name from its hint, as do anonymous functions).
fn measure_function<'t>(
    rec: &Record<'_>,
    node: Node<'t>,
    hint: Option<&Hint<'t>>,
    scope: &mut Vec<String>,
) -> FunctionMetrics {
    let name = match node.child_by_field_name("name") {
        Some(n) if node.kind() != "arrow_function" => rec.text(n),
        _ => hint.map_or_else(|| "<anonymous>".to_string(), |h| h.name.clone()),
    };
    scope.push(name.clone());
    let head = function_head(node, hint.and_then(|h| h.head));
    let mut m = rec.new_function(name, super::qualified(scope, "."), node, head);
    m.params = params(node);
    m
}

/// The scope a class, a TypeScript `namespace N { ... }` / `module M { ... }`, or an object
/// literal with a hint opens.
fn scope_name(rec: &Record<'_>, node: Node<'_>, kind: &str, hint: Option<&Hint<'_>>) -> Option<String> {
    let name = || node.child_by_field_name("name").map(|n| rec.text(n));
    match kind {
        "class_declaration" | "abstract_class_declaration" | "class" => Some(
            name()
                .or_else(|| hint.map(|h| h.name.clone()))
                .unwrap_or_else(|| "<anonymous class>".to_string()),
        ),
        "internal_module" | "module" => name(),
        "object" => hint.map(|h| h.name.clone()),
        _ => None,
    }
}

/// Where a parent names the function held by one of its fields: (parent kind, the field
/// holding the value, the field holding the name, whether the parent is the function's head).
const NAMING_FIELDS: &[(&str, &str, &str, bool)] = &[
    ("variable_declarator", "value", "name", false),
    ("assignment_expression", "right", "left", false),
    ("pair", "value", "key", true),
    ("field_definition", "value", "property", true),
    ("public_field_definition", "value", "name", true),
];

/// One row of `NAMING_FIELDS` resolved against a grammar: the field ids of the value and of
/// its name, and whether the parent is the function's head.
#[derive(Clone, Copy)]
struct Naming {
    value: Option<NonZeroU16>,
    name: Option<NonZeroU16>,
    keyed: bool,
}

/// `NAMING_FIELDS` of `language`, by the parent's kind id, resolved once: the walk looks each
/// node up by index instead of comparing its kind with every row and a field's name with the
/// grammar's.
fn namings(language: Language) -> &'static [Option<Naming>] {
    static RESOLVED: [OnceLock<Vec<Option<Naming>>>; LANGUAGES.len()] =
        [const { OnceLock::new() }; LANGUAGES.len()];
    let index = LANGUAGES
        .iter()
        .position(|spec| spec.language == language)
        .unwrap_or_default();
    RESOLVED[index].get_or_init(|| {
        let grammar = language.grammar();
        let mut by_kind = vec![None; grammar.node_kind_count()];
        for (id, slot) in by_kind.iter_mut().enumerate() {
            let kind = u16::try_from(id).ok().and_then(|id| grammar.node_kind_for_id(id));
            *slot = NAMING_FIELDS
                .iter()
                .find(|row| Some(row.0) == kind)
                .map(|&(_, value, name, keyed)| Naming {
                    value: grammar.field_id_for_name(value),
                    name: grammar.field_id_for_name(name),
                    keyed,
                });
        }
        by_kind
    })
}

/// The name a node (`parent`) hands down to its child `child`, of kind `child_kind`.
fn child_hint<'t>(
    rec: &Record<'_>,
    parent: &Open<'t>,
    child: Node<'t>,
    child_kind: &str,
) -> Option<Hint<'t>> {
    let (node, kind, hint) = (parent.node, parent.kind, parent.hint.as_ref());
    if let Some(naming) = parent.naming {
        if parent.named_value != Some(child.id()) {
            return None;
        }
        return Some(Hint {
            name: rec.text(node.child_by_field_id(naming.name?.get())?),
            head: naming.keyed.then_some(node),
        });
    }
    match kind {
        // A callback takes its name from the call around its `arguments` (asking a node for
        // its parent costs the depth of the tree). The name is built only for a function that
        // takes it: it costs several strings, and most calls pass no function.
        "arguments" if is_function(child_kind) => {
            let name = callback_name(rec, parent.call?)?;
            Some(Hint { name, head: None })
        }
        // `const got = ((url) => {...}) as Got`: the name passes through the wrapping.
        "parenthesized_expression"
        | "as_expression"
        | "satisfies_expression"
        | "non_null_expression"
        | "type_assertion" => hint.cloned(),
        _ => None,
    }
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

/// Whether a node is a decision of ESLint's `complexity` rule (classic variant): default
/// values (`AssignmentPattern`) and `?.` count, as ESLint 9 counts them.
fn is_decision(table: &Table, node: Node<'_>, kind: &str) -> bool {
    let has_value = || table.value(node).is_some();
    match kind {
        "if_statement" | "ternary_expression" | "for_statement" | "for_in_statement" | "while_statement"
        | "do_statement" | "catch_clause" => true,
        "assignment_pattern" | "object_assignment_pattern" | "optional_chain" => true,
        "switch_case" => has_value(),
        // The TypeScript grammars leave a call's `?.` an anonymous token.
        "call_expression" => children(node).any(|c| c.kind() == "?."),
        // TypeScript parameters carry their default as a field, not as a pattern node.
        "required_parameter" | "optional_parameter" => has_value(),
        "binary_expression" => is_logical(table.operator(node)),
        "augmented_assignment_expression" => matches!(table.operator(node), "||=" | "&&=" | "??="),
        _ => false,
    }
}

fn is_logical(op: &str) -> bool {
    matches!(op, "&&" | "||" | "??")
}

/// eslint-plugin-sonarjs S3776 cognitive complexity: every function is scored on its own.
///
/// sonarjs 4.2 counts the nesting of a function's own control flow with a counter that it
/// raises on entering a nesting node and lowers on leaving one. When the nesting node is itself
/// a function (an arrow as a branch of `?:`), the raise lands on the enclosing function's
/// counter and the lowering on the inner function's, so every later structure of the enclosing
/// function weighs one more. debtgate reproduces that ([`Role::Function`]), as its anchor's
/// numbers are the ones users can check. Only runs of `&&` count (sonarjs).
pub(crate) const TABLE: TableSpec = TableSpec {
    roles: &[ROLES, &[("jsx_expression", Role::JsxExpression)]],
    ..TYPESCRIPT_TABLE
};

/// TypeScript's grammar has no JSX (TSX's has).
pub(crate) const TYPESCRIPT_TABLE: TableSpec = TableSpec {
    roles: &[ROLES],
    cases: &[],
    labels: &["statement_identifier"],
    logical: &["&&", "||", "??"],
    counted: &["&&"],
};

const ROLES: &[(&str, Role)] = &[
    ("function_declaration", Role::Function),
    ("generator_function_declaration", Role::Function),
    ("function_expression", Role::Function),
    ("generator_function", Role::Function),
    ("arrow_function", Role::Function),
    ("method_definition", Role::Function),
    ("if_statement", Role::If),
    ("else_clause", Role::ElseClause),
    ("switch_statement", Role::Nests(Deeper::Body)),
    ("for_statement", Role::Nests(Deeper::Body)),
    ("for_in_statement", Role::Nests(Deeper::Body)),
    ("while_statement", Role::Nests(Deeper::Body)),
    ("do_statement", Role::Nests(Deeper::Body)),
    ("catch_clause", Role::Nests(Deeper::All)),
    ("ternary_expression", Role::Ternary),
    ("break_statement", Role::Jump),
    ("continue_statement", Role::Jump),
    ("binary_expression", Role::Binary),
];
