//! Per-function complexity, computed on tree-sitter syntax trees as `METRICS.md` defines it.
//!
//! Each language has a module that finds and names its functions, counts their parameters and
//! cyclomatic complexity, and writes its cognitive-complexity table; one engine (`engine.rs`)
//! scores cognitive complexity from those tables and says where each increment comes from.
//! Every walk uses an explicit stack, so a deeply nested file cannot overflow the thread's
//! stack.

mod engine;
mod go;
mod java;
mod javascript;
mod lizard;
mod python;
mod rust;

use serde::Serialize;
use tree_sitter::Node;

pub use engine::Increment;
use engine::Scoring;

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
    /// Where the cognitive complexity comes from, in source order (empty where `cognitive`
    /// is `None`).
    #[serde(skip)]
    pub increments: Vec<Increment>,
    /// The function's bytes in the file, to tell whether a syntax error lies inside it.
    #[serde(skip)]
    pub bytes: std::ops::Range<usize>,
}

/// Measures every function of a parsed file, in source order. A function that contains a
/// syntax error is left out, as its numbers would not be reliable; callers report the errors.
pub fn measure(file: &ParsedFile) -> Vec<FunctionMetrics> {
    measure_as(file, true)
}

/// The functions of a parsed file as `measure` finds and names them, with no complexity
/// counted (cyclomatic 1, cognitive 0): for what needs only their places and names (which
/// function continues which), at a fraction of the cost.
pub fn functions(file: &ParsedFile) -> Vec<FunctionMetrics> {
    measure_as(file, false)
}

fn measure_as(file: &ParsedFile, metrics: bool) -> Vec<FunctionMetrics> {
    let rec = Record::new(&file.source, metrics);
    let mut functions = match file.language {
        Language::Python => python::measure(file, &rec),
        Language::JavaScript | Language::TypeScript | Language::Tsx => javascript::measure(file, &rec),
        Language::Go => go::measure(file, &rec),
        Language::Java => java::measure(file, &rec),
        Language::Rust => rust::measure(file, &rec),
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

/// Shared state for building one file's function records.
pub(crate) struct Record<'a> {
    pub source: &'a [u8],
    columns: Columns,
    /// Whether complexity is counted, or only the functions found (see `functions`).
    pub metrics: bool,
}

impl<'a> Record<'a> {
    pub fn new(source: &'a [u8], metrics: bool) -> Record<'a> {
        Record {
            source,
            columns: Columns::of(source),
            metrics,
        }
    }

    /// The 1-based column where `node` starts, in UTF-16 code units.
    pub fn column(&self, node: Node<'_>) -> u32 {
        self.columns.at(self.source, node)
    }
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
            start_column: self.column(head),
            end_line,
            cyclomatic: 1,
            cognitive: None,
            params: 0,
            lines: end_line - row_to_line(node.start_position().row) + 1,
            max_nesting: 0,
            returns: 0,
            increments: Vec::new(),
            bytes: node.byte_range(),
        }
    }
}

pub(crate) fn row_to_line(row: usize) -> u32 {
    u32::try_from(row + 1).unwrap_or(u32::MAX)
}

/// UTF-16 columns of a file's nodes at the cost of a binary search, whatever the length of
/// the line: a minified bundle holds tens of thousands of functions on one line, and counting
/// each one's column from the line's start made measuring it quadratic. Holds, for each
/// character that is not ASCII, the byte offset just after it and how many more bytes than
/// UTF-16 code units the file holds up to there (a byte sequence that is not UTF-8 counts as
/// one code unit, the U+FFFD it reads as).
pub(crate) struct Columns {
    wide: Vec<(usize, usize)>,
}

impl Columns {
    pub fn of(source: &[u8]) -> Columns {
        let mut wide = Vec::new();
        if source.is_ascii() {
            return Columns { wide };
        }
        let (mut at, mut excess) = (0, 0);
        for chunk in source.utf8_chunks() {
            for c in chunk.valid().chars() {
                at += c.len_utf8();
                if !c.is_ascii() {
                    excess += c.len_utf8() - c.len_utf16();
                    wide.push((at, excess));
                }
            }
            if !chunk.invalid().is_empty() {
                at += chunk.invalid().len();
                excess += chunk.invalid().len() - 1;
                wide.push((at, excess));
            }
        }
        Columns { wide }
    }

    /// Bytes more than code units in the file before `at`.
    fn excess_before(&self, at: usize) -> usize {
        match self.wide.partition_point(|&(after, _)| after <= at) {
            0 => 0,
            i => self.wide[i - 1].1,
        }
    }

    /// The 1-based column where `node` starts, in UTF-16 code units.
    pub fn at(&self, source: &[u8], node: Node<'_>) -> u32 {
        let end = node.start_byte().min(source.len());
        let line_start = end - node.start_position().column.min(end);
        let units = (end - line_start) - (self.excess_before(end) - self.excess_before(line_start));
        u32::try_from(units + 1).unwrap_or(u32::MAX)
    }
}

/// Visits a file's nodes (the named ones) in pre-order with one cursor (no cursor and no
/// list of children per node), keeping a scope of names and a state handed down the tree:
/// `visit` gets a node with the state its parent gave it, may push names onto the scope
/// (they hold for the node's subtree), and returns the state its children get, or `None` to
/// leave them out. Returns where in the file something can score cognitive complexity, seen
/// on every node visited and every node left out (for `engine::score_later`).
pub(crate) fn walk_scoped<'t, S>(
    file: &'t ParsedFile,
    rec: &Record<'_>,
    root_state: S,
    mut visit: impl FnMut(Node<'t>, &S, &mut Vec<String>) -> Option<S>,
) -> Scoring<'t> {
    let mut scoring = Scoring::new(engine::Table::of(file.language), rec);
    let source = &file.source[..];
    let root = file.tree.root_node();
    let mut visit = |node: Node<'t>, parent: &S, scope: &mut Vec<String>| {
        scoring.see(node, source);
        let state = visit(node, parent, scope);
        if state.is_none() {
            scoring.pruned(node);
        }
        state
    };
    walk_named(root, root_state, &mut visit);
    scoring
}

/// `walk_scoped`'s walk.
fn walk_named<'t, S>(
    root: Node<'t>,
    root_state: S,
    visit: &mut impl FnMut(Node<'t>, &S, &mut Vec<String>) -> Option<S>,
) {
    let mut scope: Vec<String> = Vec::new();
    let Some(state) = visit(root, &root_state, &mut scope) else {
        return;
    };
    // One entry per open node on the cursor's path: its scope length and its children's state.
    let mut open: Vec<(usize, S)> = vec![(scope.len(), state)];
    let mut cursor = root.walk();
    if !cursor.goto_first_child() {
        return;
    }
    loop {
        let node = cursor.node();
        let entered = node.is_named() && {
            let (depth, parent) = &open[open.len() - 1];
            scope.truncate(*depth);
            match visit(node, parent, &mut scope) {
                Some(state) if cursor.goto_first_child() => {
                    open.push((scope.len(), state));
                    true
                }
                _ => false,
            }
        };
        if !entered && !next_sibling_or_above(&mut cursor, &mut open) {
            return;
        }
    }
}

/// Moves the cursor to the next node in pre-order that is not under the current one, closing
/// the nodes it climbs out of; false when there is none under the walk's root.
fn next_sibling_or_above<S>(cursor: &mut tree_sitter::TreeCursor<'_>, open: &mut Vec<S>) -> bool {
    while !cursor.goto_next_sibling() {
        if open.len() == 1 || !cursor.goto_parent() {
            return false;
        }
        open.pop();
    }
    true
}

/// Which record a node's cyclomatic complexity and returns count towards, handed down the
/// walk that finds the functions (`walk_scoped`): the innermost function whose body holds the
/// node. A function's parameters and a nested item outside any function count for none.
#[derive(Clone, Copy, Default)]
pub(crate) struct Credit {
    to: Option<usize>,
    /// The node is a function: only its body (this node id) counts, for this record.
    body_of: Option<(usize, usize)>,
}

impl Credit {
    /// Children count for `record`.
    pub fn to(record: Option<usize>) -> Credit {
        Credit {
            to: record,
            body_of: None,
        }
    }

    /// Children of the function of `record` count for it if they are its `body`.
    pub fn body(record: usize, body: Option<Node<'_>>) -> Credit {
        Credit {
            to: None,
            body_of: body.map(|b| (b.id(), record)),
        }
    }

    /// The record a child of the node holding this credit counts for.
    pub fn of_child(self, child: Node<'_>) -> Option<usize> {
        match self.body_of {
            Some((body, record)) => (child.id() == body).then_some(record),
            None => self.to,
        }
    }
}

/// Adds what `node` adds to the cyclomatic complexity and returns (`tally`) of the record it
/// counts for, if any and if complexity is counted.
pub(crate) fn tally(
    rec: &Record<'_>,
    out: &mut [FunctionMetrics],
    record: Option<usize>,
    node: Node<'_>,
    tally: impl FnOnce(Node<'_>) -> (u32, u32),
) {
    if let Some(m) = record.filter(|_| rec.metrics).and_then(|i| out.get_mut(i)) {
        let (decisions, returns) = tally(node);
        m.cyclomatic += decisions;
        m.returns += returns;
    }
}

/// Visits `start` and the named nodes under it in pre-order, moving one cursor (no cursor and
/// no list of children per node); `visit` returns whether to go into a node's children.
pub(crate) fn visit_named<'t>(start: Node<'t>, mut visit: impl FnMut(Node<'t>) -> bool) {
    if !visit(start) {
        return;
    }
    let mut cursor = start.walk();
    if !cursor.goto_first_child() {
        return;
    }
    let mut depth = 1usize;
    loop {
        let node = cursor.node();
        if node.is_named() && visit(node) && cursor.goto_first_child() {
            depth += 1;
            continue;
        }
        while !cursor.goto_next_sibling() {
            if depth == 1 || !cursor.goto_parent() {
                return;
            }
            depth -= 1;
        }
    }
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

#[cfg(test)]
mod tests {
    use crate::lang::{self, Language, ParseLimits};

    /// The head column of each function in `src`, as its record gives it.
    fn head_columns(src: &str) -> Vec<u32> {
        let parsed = lang::parse(
            Language::JavaScript,
            src.as_bytes().to_vec(),
            ParseLimits::default(),
        )
        .unwrap();
        super::measure(&parsed).iter().map(|f| f.start_column).collect()
    }

    /// (name, cyclomatic, returns) of each function of `src`.
    fn counts(language: Language, src: &str) -> Vec<(String, u32, u32)> {
        let parsed = lang::parse(language, src.as_bytes().to_vec(), ParseLimits::default()).unwrap();
        let functions = super::measure(&parsed);
        functions
            .into_iter()
            .map(|f| (f.qualified_name, f.cyclomatic, f.returns))
            .collect()
    }

    /// Each function's decisions and returns are its body's own: a nested function's count for
    /// it, not for the function around it, and a parameter's default counts for neither.
    #[test]
    fn decisions_count_for_the_innermost_function_whose_body_holds_them() {
        let got = [
            counts(
                Language::Python,
                "def outer(a):\n    if a:\n        return 1\n    def inner(b=1 if x else 2):\n        \
                 for i in b:\n            return i\n        return 0\n    return inner\n",
            ),
            counts(
                Language::JavaScript,
                "function outer(a) { if (a) return 1; const inner = (b) => { while (b) { return b; } \
                 return 0; }; return inner; }\n",
            ),
            counts(
                Language::Go,
                "package p\nfunc outer(a int) int {\n if a > 0 { return 1 }\n inner := func(b int) int \
                 { for b > 0 { return b }; return 0 }\n return inner(a)\n}\n",
            ),
            counts(
                Language::Java,
                "class C { int outer(int a) { if (a > 0) { return 1; } Object o = new Object() { \
                 int inner(int b) { while (b > 0) { return b; } return 0; } }; return 2; } }\n",
            ),
            counts(
                Language::Rust,
                "fn outer(a: bool) -> u32 {\n if a { return 1; }\n fn inner(b: bool) -> u32 \
                 { while b { return 2; } return 0; }\n inner(a)\n}\n",
            ),
        ];
        let want: [&[(&str, u32, u32)]; 5] = [
            &[("outer", 2, 2), ("outer.inner", 2, 2)],
            &[("outer", 2, 2), ("outer.inner", 2, 2)],
            &[("outer", 2, 2), ("outer.func1", 2, 2)],
            &[("C.outer", 2, 2), ("C.outer.<anonymous Object>.inner", 2, 2)],
            &[("outer", 2, 1), ("outer::inner", 2, 2)],
        ];
        for (got, want) in got.iter().zip(want) {
            let want: Vec<_> = want.iter().map(|(n, c, r)| (n.to_string(), *c, *r)).collect();
            assert_eq!(got, &want);
        }
    }

    #[test]
    fn walk_scoped_hands_each_node_its_parents_state_in_pre_order_and_prunes_on_none() {
        let src = "function a() { function b() { function d() {} } }\nfunction c() { y(); }\n";
        let parsed = lang::parse(
            Language::JavaScript,
            src.as_bytes().to_vec(),
            ParseLimits::default(),
        )
        .unwrap();
        let mut seen = Vec::new();
        let rec = super::Record::new(&parsed.source, true);
        super::walk_scoped(&parsed, &rec, 0u32, |node, &depth, scope| {
            if node.kind() != "function_declaration" {
                return Some(depth);
            }
            let name = node.child_by_field_name("name").unwrap();
            let name = name.utf8_text(src.as_bytes()).unwrap().to_string();
            seen.push((scope.join("."), name.clone(), depth));
            scope.push(name.clone());
            // Nothing under `b` is visited.
            (name != "b").then_some(depth + 1)
        });
        let want = [("", "a", 0), ("a", "b", 1), ("", "c", 0)];
        let want: Vec<_> = want
            .iter()
            .map(|(s, n, d)| (s.to_string(), n.to_string(), *d))
            .collect();
        assert_eq!(seen, want);
    }

    #[test]
    fn columns_count_utf16_code_units_on_long_lines_and_after_wide_characters() {
        // é is 2 bytes and 1 unit, 😀 is 4 bytes and 2 units, ✓ is 3 bytes and 1 unit.
        let src = "x = 'é😀'; function a() {} y = '✓'; function b() {}\n'😀'; function c() {}\n";
        assert_eq!(head_columns(src), vec![12, 37, 7]);
        let long = format!("{}function d() {{}}\n", "'é'; ".repeat(10_000));
        assert_eq!(head_columns(&long), vec![50_001]);
    }

    #[test]
    fn a_byte_that_is_not_utf8_counts_as_the_one_code_unit_it_reads_as() {
        let mut src = b"x = '".to_vec();
        src.extend_from_slice(&[0xff, 0xfe]);
        src.extend_from_slice(b"'; function a() {}\n");
        let parsed = lang::parse(Language::JavaScript, src, ParseLimits::default()).unwrap();
        let columns: Vec<u32> = super::measure(&parsed).iter().map(|f| f.start_column).collect();
        let before = parsed.source.len() - "function a() {}\n".len();
        let lossy = String::from_utf8_lossy(&parsed.source[..before]);
        assert_eq!(columns, vec![lossy.encode_utf16().count() as u32 + 1]);
    }
}
