//! Per-function complexity, computed on tree-sitter syntax trees as `METRICS.md` defines it.
//!
//! Each language has a walker module; all of them walk with an explicit stack, so a deeply
//! nested file cannot overflow the thread's stack.

mod go;
mod java;
mod javascript;
mod python;
mod rust;
mod white_paper;

use serde::Serialize;
use tree_sitter::Node;

use crate::lang::{Language, ParsedFile};

/// The metrics of one function.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FunctionMetrics {
    /// The function's own name (`<anonymous>` when it has none).
    pub name: String,
    /// The chain of enclosing scopes and the name; stable across line moves, used to match a
    /// function at base with the same function at head.
    pub qualified_name: String,
    /// The line of the function head (see METRICS.md, "Which functions are reported").
    pub start_line: u32,
    /// 1-based column of the head, in UTF-16 code units (as SARIF counts).
    pub start_column: u32,
    pub end_line: u32,
    pub cyclomatic: u32,
    /// `None` where the function is folded into its enclosing function for cognitive
    /// complexity (a nested Python `def`).
    pub cognitive: Option<u32>,
    pub params: u32,
    pub lines: u32,
    pub max_nesting: u32,
    pub returns: u32,
    /// The function's bytes in the file, to tell whether a syntax error lies inside it.
    #[serde(skip)]
    pub bytes: std::ops::Range<usize>,
}

/// Measures every function of a parsed file, in source order. A function that contains a
/// syntax error is left out, as its numbers would not be reliable; callers report the errors.
pub fn measure(file: &ParsedFile) -> Vec<FunctionMetrics> {
    let mut functions = match file.language {
        Language::Python => python::measure(file),
        Language::JavaScript | Language::TypeScript | Language::Tsx => javascript::measure(file),
        Language::Go => go::measure(file),
        Language::Java => java::measure(file),
        Language::Rust => rust::measure(file),
    };
    functions.sort_by_key(|f| (f.start_line, f.start_column));
    disambiguate(&mut functions);
    if !file.syntax_errors.is_empty() {
        functions.retain(|f| !file.has_error_within(f.bytes.clone()));
    }
    functions
}

/// Gives functions that share a qualified name a `#2`, `#3`... suffix in source order.
fn disambiguate(functions: &mut [FunctionMetrics]) {
    let mut seen: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    for f in functions.iter_mut() {
        let count = seen.entry(f.qualified_name.clone()).or_insert(0);
        *count += 1;
        if *count > 1 {
            f.qualified_name = format!("{}#{}", f.qualified_name, count);
        }
    }
}

/// Segments of a qualified name kept from each end: a name stays bounded however deep
/// functions nest (20,000 nested closures would otherwise hold names of 20,000 segments each,
/// memory growing with the square of the depth).
const NAME_SEGMENTS_KEPT: usize = 8;

/// The qualified name of a scope chain, `sep`-joined; past `2 * NAME_SEGMENTS_KEPT` segments
/// the middle is replaced by how many were left out.
pub(crate) fn qualified(scope: &[String], sep: &str) -> String {
    if scope.len() <= 2 * NAME_SEGMENTS_KEPT {
        return scope.join(sep);
    }
    let (head, tail) = (
        &scope[..NAME_SEGMENTS_KEPT],
        &scope[scope.len() - NAME_SEGMENTS_KEPT..],
    );
    let left_out = scope.len() - 2 * NAME_SEGMENTS_KEPT;
    format!("{}{sep}…{left_out}…{sep}{}", head.join(sep), tail.join(sep))
}

/// Shared state for building one function's record.
pub(crate) struct Record<'a> {
    pub source: &'a [u8],
}

impl Record<'_> {
    pub fn text(&self, node: Node<'_>) -> String {
        String::from_utf8_lossy(&self.source[node.byte_range()]).into_owned()
    }

    /// Builds the common fields of a record; the walker fills in the counts. `head` is the
    /// node whose start is the function head (the function itself, its key, or `=>`).
    pub fn new_function(
        &self,
        name: String,
        qualified_name: String,
        node: Node<'_>,
        head: Node<'_>,
    ) -> FunctionMetrics {
        let end_line = row_to_line(node.end_position().row);
        FunctionMetrics {
            name,
            qualified_name,
            start_line: row_to_line(head.start_position().row),
            start_column: utf16_column(self.source, head),
            end_line,
            cyclomatic: 1,
            cognitive: None,
            params: 0,
            lines: end_line - row_to_line(node.start_position().row) + 1,
            max_nesting: 0,
            returns: 0,
            bytes: node.byte_range(),
        }
    }
}

pub(crate) fn row_to_line(row: usize) -> u32 {
    u32::try_from(row + 1).unwrap_or(u32::MAX)
}

/// The 1-based column where `node` starts, in UTF-16 code units.
pub(crate) fn utf16_column(source: &[u8], node: Node<'_>) -> u32 {
    let end = node.start_byte().min(source.len());
    let line_start = end - node.start_position().column.min(end);
    let bytes = &source[line_start..end];
    // Most lines are ASCII, where a byte is a code unit: a fast scan, not a decode.
    if bytes.is_ascii() {
        return u32::try_from(bytes.len() + 1).unwrap_or(u32::MAX);
    }
    let prefix = String::from_utf8_lossy(bytes);
    u32::try_from(prefix.encode_utf16().count() + 1).unwrap_or(u32::MAX)
}

/// Children of a node in order, read with a cursor: `Node::child(i)` costs O(i), so index
/// loops are quadratic on wide nodes.
pub(crate) struct Children<'t> {
    cursor: tree_sitter::TreeCursor<'t>,
    state: ChildState,
    named_only: bool,
}

#[derive(PartialEq)]
enum ChildState {
    Start,
    Walking,
    Done,
}

impl<'t> Iterator for Children<'t> {
    type Item = Node<'t>;

    fn next(&mut self) -> Option<Node<'t>> {
        loop {
            let moved = match self.state {
                ChildState::Done => return None,
                ChildState::Start => {
                    self.state = ChildState::Walking;
                    self.cursor.goto_first_child()
                }
                ChildState::Walking => self.cursor.goto_next_sibling(),
            };
            if !moved {
                self.state = ChildState::Done;
                return None;
            }
            let node = self.cursor.node();
            if !self.named_only || node.is_named() {
                return Some(node);
            }
        }
    }
}

/// Named children of a node, in order.
pub(crate) fn named_children(node: Node<'_>) -> Children<'_> {
    Children {
        cursor: node.walk(),
        state: ChildState::Start,
        named_only: true,
    }
}

/// All children of a node, in order.
pub(crate) fn children(node: Node<'_>) -> Children<'_> {
    Children {
        cursor: node.walk(),
        state: ChildState::Start,
        named_only: false,
    }
}

/// Counts the +1s a boolean-operator run adds: the operators of a flattened logical
/// expression, read left to right, counted once per run of like operators.
/// `counts` says which operators take part in runs at all.
pub(crate) fn operator_runs(ops: &[&str], counts: impl Fn(&str) -> bool) -> u32 {
    let mut total = 0;
    let mut previous: Option<&str> = None;
    for &op in ops {
        if counts(op) && previous != Some(op) {
            total += 1;
        }
        previous = Some(op);
    }
    total
}

/// Reads a tree of logical operators left to right, through parentheses, returning the
/// operators in order and the operands that are not themselves part of the tree.
/// `op_of` gives the operator of a node that belongs to the tree.
pub(crate) fn flatten_operators<'t>(
    node: Node<'t>,
    op_of: impl Fn(Node<'t>) -> Option<&'t str>,
) -> (Vec<&'t str>, Vec<Node<'t>>) {
    enum Step<'t> {
        Visit(Node<'t>),
        Op(&'t str),
    }
    let mut ops = Vec::new();
    let mut operands = Vec::new();
    let mut stack = vec![Step::Visit(node)];
    while let Some(step) = stack.pop() {
        let Step::Visit(n) = step else {
            if let Step::Op(op) = step {
                ops.push(op);
            }
            continue;
        };
        if let Some(op) = op_of(n) {
            if let Some(right) = n.child_by_field_name("right") {
                stack.push(Step::Visit(right));
            }
            stack.push(Step::Op(op));
            if let Some(left) = n.child_by_field_name("left") {
                stack.push(Step::Visit(left));
            }
        } else if let Some(inner) = n.named_child(0).filter(|c| {
            n.kind() == "parenthesized_expression" && n.named_child_count() == 1 && op_of(*c).is_some()
        }) {
            stack.push(Step::Visit(inner));
        } else {
            operands.push(n);
        }
    }
    (ops, operands)
}

/// The operator token of a binary node (`&&`, `and`...).
pub(crate) fn operator<'t>(node: Node<'t>) -> &'t str {
    node.child_by_field_name("operator").map_or("", |o| o.kind())
}
