//! The cognitive-complexity engine: one walk for every language.
//!
//! A language is a [`Table`]: the node kinds that matter, each given a [`Role`], resolved to
//! the grammar's kind ids once (an unknown kind name is an error, caught by a test). The walk
//! knows the white paper's rules — a structure costs 1 plus its nesting, `else if` and `else`
//! cost 1, a run of like boolean operators costs 1 — and the roles named after an anchor
//! carry that anchor's quirks (sonarjs's nesting leak, complexipy's comprehensions and nested
//! `def`s, Rust's let chains). It emits every [`Increment`], so a user can see where a total
//! comes from (`debtgate explain FILE:FUNCTION`).

use std::collections::HashSet;
use std::num::NonZeroU16;
use std::sync::OnceLock;

use serde::Serialize;
use tree_sitter::Node;

use super::{named_children, row_to_line, Record};
use crate::lang::{Language, LANGUAGES};

/// One step of a cognitive-complexity total: `amount` at a place, `nesting` of it for depth.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Increment {
    pub line: u32,
    /// 1-based, in UTF-16 code units (as SARIF counts).
    pub column: u32,
    pub amount: u32,
    /// The part of `amount` that the nesting adds.
    pub nesting: u32,
    /// What was counted: the keyword or operator (`if`, `else`, `for`, `&&`, `recursion`).
    pub what: &'static str,
}

impl Increment {
    /// `+2 for (incl. 1 for nesting)`, as SonarQube shows an increment.
    pub fn describe(&self) -> String {
        let what = match self.what {
            "break" | "continue" => format!("{} to a label", self.what),
            w => w.to_string(),
        };
        match self.nesting {
            0 => format!("+{} {what}", self.amount),
            n => format!("+{} {what} (incl. {n} for nesting)", self.amount),
        }
    }
}

/// A function's cognitive complexity with where it comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cognitive {
    pub total: u32,
    pub max_nesting: u32,
    pub increments: Vec<Increment>,
}

/// What a node kind does to cognitive complexity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// Nothing of its own: its children are walked at the same nesting.
    Plain,
    /// Not part of the function (a nested function, type or macro measured on its own, or
    /// not at all).
    Skip,
    /// A JavaScript function: skipped; as a branch of `?:` it leaks one nesting level into the
    /// enclosing function (sonarjs 4.2, see `javascript.rs`).
    Function,
    /// `if`: +1 plus nesting (+1 alone as the `if` of an `else if`); the consequence one
    /// deeper; an `alternative` that is not an else clause is an `else`: +1, one deeper.
    If,
    /// An else clause holding an `if` (an `else if`) or a body (an `else`, +1, one deeper).
    ElseClause,
    /// Python `elif`: +1, its consequence one deeper.
    Elif,
    /// Python `else` of `if`/`for`/`while`/`try`: +1; only an `if`'s `else` nests its body
    /// (complexipy).
    PyElse,
    /// Loops, switches, catches: +1 plus nesting, the children `Deeper` picks one deeper.
    Nests(Deeper),
    /// `?:`: +1 plus nesting, everything but the condition one deeper.
    Ternary,
    /// A lambda or closure folded into the function: one level deeper, no increment.
    Lambda,
    /// `break`/`continue`: +1 when it names a label.
    Jump,
    /// `goto`: +1.
    Goto,
    /// A binary expression: a logical one is read as runs of operators, +1 a run.
    Binary,
    /// Python `and`/`or`: +1 for each operator whose nearest enclosing operator differs.
    BooleanOperator,
    /// A Rust `let` chain: one run of `&&`.
    LetChain,
    /// A Python comprehension (complexipy): each `for` a structure at the comprehension's
    /// nesting, each `if` +1; the element and the `if` conditions one deeper.
    Comprehension,
    /// A Python call: +1 when it calls the function it is in by name (recursion).
    Call,
    /// A nested Python `def`: folded into the enclosing function, one deeper (at the same
    /// nesting for a method of a local class and for the decorator-wrapper pattern).
    Def,
    /// JSX `{...}`: rendering by `cond && <X/>` is not counted (sonarjs).
    JsxExpression,
}

/// Which children of a nesting structure are one level deeper.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Deeper {
    /// The `body` field.
    Body,
    /// The `body` field and the switch's case clauses.
    BodyOrCases,
    /// All of them.
    All,
    /// The `block` children (Python `except`, `match`).
    Blocks,
}

/// A language's table as written: kind names and roles.
pub(crate) struct TableSpec {
    /// Groups of (kind, role), so that grammars of one family can share groups.
    pub roles: &'static [&'static [(&'static str, Role)]],
    /// The clauses of a switch (for [`Deeper::BodyOrCases`]).
    pub cases: &'static [&'static str],
    /// The node kinds of a jump's label.
    pub labels: &'static [&'static str],
    /// The operators of a [`Role::Binary`] that are logical, and those whose runs count.
    pub logical: &'static [&'static str],
    pub counted: &'static [&'static str],
}

/// A table resolved against its grammar.
pub(crate) struct Table {
    /// Each kind id's name, as `Node::kind` gives it (which measures and checks a C string on
    /// every call).
    kinds: Vec<Box<str>>,
    roles: Vec<Role>,
    is_case: Vec<bool>,
    is_label: Vec<bool>,
    logical: &'static [&'static str],
    counted: &'static [&'static str],
    consequence: Option<NonZeroU16>,
    alternative: Option<NonZeroU16>,
    body: Option<NonZeroU16>,
    condition: Option<NonZeroU16>,
    operator: Option<NonZeroU16>,
    left: Option<NonZeroU16>,
    right: Option<NonZeroU16>,
    name: Option<NonZeroU16>,
    function: Option<NonZeroU16>,
    value: Option<NonZeroU16>,
}

impl Table {
    /// Resolves `spec` against `grammar`. Every kind id whose name the spec lists takes its
    /// role (a name can have several ids, through aliases); a name the grammar does not have is
    /// an error.
    pub(crate) fn resolve(spec: &TableSpec, grammar: &tree_sitter::Language) -> Result<Table, String> {
        let count = grammar.node_kind_count();
        let mut roles = vec![Role::Plain; count];
        let mut is_case = vec![false; count];
        let mut is_label = vec![false; count];
        let mut seen: Vec<&str> = Vec::new();
        for id in 0..count {
            let Ok(id16) = u16::try_from(id) else { break };
            if !grammar.node_kind_is_named(id16) {
                continue;
            }
            let Some(kind) = grammar.node_kind_for_id(id16) else {
                continue;
            };
            if let Some(&(name, role)) = spec
                .roles
                .iter()
                .flat_map(|g| g.iter())
                .find(|(name, _)| *name == kind)
            {
                roles[id] = role;
                seen.push(name);
            }
            if let Some(name) = spec.cases.iter().find(|name| **name == kind) {
                is_case[id] = true;
                seen.push(name);
            }
            if let Some(name) = spec.labels.iter().find(|name| **name == kind) {
                is_label[id] = true;
                seen.push(name);
            }
        }
        let listed = spec
            .roles
            .iter()
            .flat_map(|g| g.iter().map(|(name, _)| name))
            .chain(spec.cases)
            .chain(spec.labels);
        if let Some(missing) = listed.into_iter().find(|name| !seen.contains(name)) {
            return Err(format!("the grammar has no named node kind `{missing}`"));
        }
        let field = |name: &str| grammar.field_id_for_name(name);
        let kinds = (0..count)
            .map(|id| {
                let kind = u16::try_from(id).ok().and_then(|id| grammar.node_kind_for_id(id));
                Box::from(kind.unwrap_or(""))
            })
            .collect();
        Ok(Table {
            kinds,
            roles,
            is_case,
            is_label,
            logical: spec.logical,
            counted: spec.counted,
            consequence: field("consequence"),
            alternative: field("alternative"),
            body: field("body"),
            condition: field("condition"),
            operator: field("operator"),
            left: field("left"),
            right: field("right"),
            name: field("name"),
            function: field("function"),
            value: field("value"),
        })
    }

    /// The table of `language`, resolved once.
    pub(crate) fn of(language: Language) -> &'static Table {
        static TABLES: [OnceLock<Table>; LANGUAGES.len()] = [const { OnceLock::new() }; LANGUAGES.len()];
        let index = LANGUAGES
            .iter()
            .position(|spec| spec.language == language)
            .expect("every language has a spec");
        TABLES[index].get_or_init(|| {
            Table::resolve(spec_of(language), &language.grammar())
                .unwrap_or_else(|e| panic!("the {} complexity table: {e}", language.name()))
        })
    }

    /// A node's kind, as `Node::kind` would give it, by its id (every id is below the
    /// grammar's count of kinds).
    pub(crate) fn kind(&self, node: Node<'_>) -> &str {
        self.kinds.get(usize::from(node.kind_id())).map_or("", |k| k)
    }

    fn role(&self, node: Node<'_>) -> Role {
        self.roles
            .get(usize::from(node.kind_id()))
            .copied()
            .unwrap_or(Role::Plain)
    }

    fn field<'t>(&self, node: Node<'t>, field: Option<NonZeroU16>) -> Option<Node<'t>> {
        node.child_by_field_id(field?.get())
    }

    /// The operator token of a binary node (`&&`, `and`...), by the field's id resolved once,
    /// not by its name (looked up among the grammar's field names on every call).
    pub(crate) fn operator<'t>(&self, node: Node<'t>) -> &'t str {
        self.field(node, self.operator).map_or("", |o| o.kind())
    }

    /// The child in a node's `value` field (a default, a `case` value).
    pub(crate) fn value<'t>(&self, node: Node<'t>) -> Option<Node<'t>> {
        self.field(node, self.value)
    }

    fn is_else_form(&self, node: Node<'_>) -> bool {
        matches!(self.role(node), Role::ElseClause | Role::Elif | Role::PyElse)
    }

    /// The operator of a logical binary expression.
    fn logical_op<'t>(&self, node: Node<'t>) -> Option<Node<'t>> {
        if self.role(node) != Role::Binary {
            return None;
        }
        let op = self.field(node, self.operator)?;
        self.logical.contains(&op.kind()).then_some(op)
    }
}

/// The table a language's walker module writes.
fn spec_of(language: Language) -> &'static TableSpec {
    match language {
        Language::Rust => &super::rust::TABLE,
        Language::Python => &super::python::TABLE,
        Language::JavaScript | Language::Tsx => &super::javascript::TABLE,
        Language::TypeScript => &super::javascript::TYPESCRIPT_TABLE,
        Language::Go => &super::go::TABLE,
        Language::Java => &super::java::TABLE,
    }
}

/// How a node was reached, where that changes how it is scored.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Via {
    Plain,
    /// The `if` of an `else if`.
    ElseIf,
    /// An else form reached from its `if`.
    OfIf,
    /// A function that is a branch of a `?:` (sonarjs's leak).
    TernaryBranch,
}

/// One node to visit: its nesting, how it was reached, and (Python) which function's name a
/// recursive call would use.
struct Frame<'t> {
    node: Node<'t>,
    nesting: u32,
    via: Via,
    function: usize,
}

struct Walk<'a, 't> {
    table: &'a Table,
    rec: &'a Record<'a>,
    source: &'a [u8],
    stack: Vec<Frame<'t>>,
    out: Cognitive,
    /// sonarjs's leaked nesting.
    leak: u32,
    /// Python: the names of the function and the `def`s folded into it.
    names: Vec<&'a [u8]>,
    /// Python: nested `def`s that fold in at the same nesting (decorator wrappers).
    flat_defs: Vec<usize>,
    /// One cursor reset onto each node whose children are pushed, not one made per node.
    cursor: Option<tree_sitter::TreeCursor<'t>>,
}

/// Where in a file something can add to a cognitive-complexity total, seen by the walk that
/// finds the functions (`walk_scoped`), so that a function holding nothing of the kind is
/// not walked again to score 0: a structure, an else form, a jump, a logical operator, a
/// comprehension, or a call by a bare name (Python's recursion). It errs one way only: a
/// node the walk did not go into counts as one that scores, unless the engine skips it too.
pub(crate) struct Scoring<'t> {
    table: &'static Table,
    /// Off where complexity is not counted (`functions`).
    on: bool,
    /// Start bytes, in pre-order (so sorted), of the nodes that can score.
    at: Vec<usize>,
    /// Python calls by a bare name: start byte and the name, scoring only where it is a
    /// function's name.
    calls: Vec<(usize, &'t [u8])>,
}

impl<'t> Scoring<'t> {
    pub(crate) fn new(table: &'static Table, rec: &Record<'_>) -> Scoring<'t> {
        Scoring {
            table,
            on: rec.metrics,
            at: Vec::new(),
            calls: Vec::new(),
        }
    }

    /// Notes `node` if it can score (`source` is the file, for a call's name).
    pub(crate) fn see(&mut self, node: Node<'t>, source: &'t [u8]) {
        if !self.on {
            return;
        }
        let table = self.table;
        match table.role(node) {
            Role::Plain | Role::Skip | Role::Function | Role::Lambda | Role::Def | Role::JsxExpression => {}
            Role::Binary if table.logical_op(node).is_none() => {}
            Role::Call => {
                let callee = table
                    .field(node, table.function)
                    .filter(|c| c.kind() == "identifier");
                if let Some(name) = callee.and_then(|c| source.get(c.byte_range())) {
                    self.calls.push((node.start_byte(), name));
                }
            }
            _ => self.at.push(node.start_byte()),
        }
    }

    /// Notes a node whose children the walk leaves out: what is under it may score, unless
    /// the engine leaves it out as well.
    pub(crate) fn pruned(&mut self, node: Node<'t>) {
        if self.on && self.table.role(node) != Role::Skip {
            self.at.push(node.start_byte());
        }
    }

    /// Adds the calls by a name in `names` (the file's function names: such a call may be
    /// recursion) to the nodes that can score.
    fn add_calls_of(&mut self, names: &HashSet<&[u8]>) {
        if self.calls.is_empty() {
            return;
        }
        let calls = std::mem::take(&mut self.calls);
        self.at.extend(
            calls
                .iter()
                .filter(|(_, name)| names.contains(name))
                .map(|&(at, _)| at),
        );
        self.at.sort_unstable();
    }

    /// Whether anything within `bytes` can score.
    fn may_score(&self, bytes: &std::ops::Range<usize>) -> bool {
        let first = self.at.partition_point(|&s| s < bytes.start);
        self.on && self.at.get(first).is_some_and(|&s| s < bytes.end)
    }
}

/// What a function's cognitive complexity is scored on.
pub(crate) enum Roots<'t> {
    /// Its own code, in source order.
    Code(Vec<Node<'t>>),
    /// A Python `def`, its nested `def`s folded in.
    Def(Node<'t>),
}

/// A function's cognitive complexity, left for after the walk that finds the functions: by
/// then `Scoring` knows whether anything in it can score, and most functions hold nothing
/// that does.
pub(crate) struct Later<'t> {
    pub record: usize,
    pub roots: Roots<'t>,
    /// The record keeps its total and increments; else only its nesting (a function folded
    /// into the one around it).
    pub own: bool,
}

/// Scores each function `later` names, walking only those in which something can score;
/// the others get 0.
pub(crate) fn score_later(
    rec: &Record<'_>,
    mut scoring: Scoring<'_>,
    out: &mut [super::FunctionMetrics],
    later: Vec<Later<'_>>,
) {
    let table = scoring.table;
    if !scoring.calls.is_empty() {
        let names: HashSet<&[u8]> = later
            .iter()
            .filter_map(|l| match l.roots {
                Roots::Def(def) => table
                    .field(def, table.name)
                    .and_then(|n| rec.source.get(n.byte_range())),
                Roots::Code(_) => None,
            })
            .collect();
        scoring.add_calls_of(&names);
    }
    for Later { record, roots, own } in later {
        let Some(m) = out.get_mut(record) else { continue };
        let cognitive = if scoring.may_score(&m.bytes) {
            match roots {
                Roots::Code(nodes) => cognitive(table, rec, nodes),
                Roots::Def(def) => cognitive_of_def(table, rec, def),
            }
        } else {
            Cognitive::default()
        };
        m.max_nesting = cognitive.max_nesting;
        m.cognitive = own.then_some(cognitive.total);
        m.increments = if own { cognitive.increments } else { Vec::new() };
    }
}

/// Cognitive complexity of a function whose own code is `roots` (in source order).
pub(crate) fn cognitive<'t>(
    table: &Table,
    rec: &Record<'_>,
    roots: impl IntoIterator<Item = Node<'t>>,
) -> Cognitive {
    if !rec.metrics {
        return Cognitive::default();
    }
    let mut walk = Walk::new(table, rec);
    walk.stack.extend(roots.into_iter().map(|node| Frame {
        node,
        nesting: 0,
        via: Via::Plain,
        function: 0,
    }));
    walk.stack.reverse();
    walk.run()
}

/// Cognitive complexity of a Python `def` with its nested `def`s folded in.
pub(crate) fn cognitive_of_def(table: &Table, rec: &Record<'_>, def: Node<'_>) -> Cognitive {
    if !rec.metrics {
        return Cognitive::default();
    }
    let mut walk = Walk::new(table, rec);
    walk.names.push(walk.name_of(def));
    walk.push_def_body(def, 0, 0);
    walk.run()
}

impl<'a, 't> Walk<'a, 't> {
    fn new(table: &'a Table, rec: &'a Record<'a>) -> Self {
        Walk {
            table,
            rec,
            source: rec.source,
            stack: Vec::new(),
            out: Cognitive::default(),
            leak: 0,
            names: Vec::new(),
            flat_defs: Vec::new(),
            cursor: None,
        }
    }

    /// Visits nodes in source order (sonarjs's leak depends on it): each node's children are
    /// pushed in order, then reversed.
    fn run(mut self) -> Cognitive {
        while let Some(frame) = self.stack.pop() {
            let pushed_from = self.stack.len();
            self.visit(frame);
            self.stack[pushed_from..].reverse();
        }
        self.out.increments.sort_by_key(|i| (i.line, i.column));
        self.out
    }

    fn push(&mut self, node: Node<'t>, nesting: u32, via: Via, function: usize) {
        self.stack.push(Frame {
            node,
            nesting,
            via,
            function,
        });
    }

    /// Pushes every named child, one deeper where `deeper` says so. A plain child with no
    /// named children of its own (most leaves) would add nothing and push nothing, so it is
    /// not pushed.
    fn push_children(&mut self, frame: &Frame<'t>, deeper: impl Fn(Node<'t>) -> bool) {
        let cursor = self.cursor.get_or_insert_with(|| frame.node.walk());
        cursor.reset(frame.node);
        if !cursor.goto_first_child() {
            return;
        }
        let table = self.table;
        loop {
            let child = cursor.node();
            if child.is_named() && (child.named_child_count() > 0 || table.role(child) != Role::Plain) {
                self.stack.push(Frame {
                    node: child,
                    nesting: frame.nesting + u32::from(deeper(child)),
                    via: Via::Plain,
                    function: frame.function,
                });
            }
            if !cursor.goto_next_sibling() {
                return;
            }
        }
    }

    fn add(&mut self, at: Node<'_>, amount: u32, nesting: u32, what: &'static str) {
        self.out.total += amount;
        self.out.increments.push(Increment {
            line: row_to_line(at.start_position().row),
            column: self.rec.column(at),
            amount,
            nesting,
            what,
        });
    }

    /// A structure: +1 plus nesting (and the leak), one level of nesting reached.
    fn structure(&mut self, at: Node<'_>, nesting: u32, what: &'static str) {
        let extra = nesting + self.leak;
        self.add(at, 1 + extra, extra, what);
        self.out.max_nesting = self.out.max_nesting.max(nesting + 1);
    }

    // debtgate: ignore[cyclomatic-complexity] one arm per role, each a single call: a table
    fn visit(&mut self, frame: Frame<'t>) {
        match self.table.role(frame.node) {
            Role::Plain => self.push_children(&frame, |_| false),
            Role::Skip => {}
            Role::Function => self.visit_function(&frame),
            Role::If => self.visit_if(&frame),
            Role::ElseClause => self.visit_else_clause(&frame),
            Role::Elif => self.visit_elif(&frame),
            Role::PyElse => self.visit_py_else(&frame),
            Role::Nests(deeper) => self.visit_nests(&frame, deeper),
            Role::Ternary => self.visit_ternary(&frame),
            Role::Lambda => self.push_children(&frame, |_| true),
            Role::Jump => self.visit_jump(&frame),
            Role::Goto => {
                self.add(frame.node, 1, 0, "goto");
                self.push_children(&frame, |_| false);
            }
            Role::Binary if self.table.logical_op(frame.node).is_some() => self.visit_logical(&frame),
            Role::Binary => self.push_children(&frame, |_| false),
            Role::BooleanOperator => self.visit_boolean_operator(&frame),
            Role::LetChain => self.visit_let_chain(&frame),
            Role::Comprehension => self.visit_comprehension(&frame),
            Role::Call => self.visit_call(&frame),
            Role::Def => self.visit_def(&frame),
            Role::JsxExpression => self.visit_jsx_expression(&frame),
        }
    }

    fn visit_function(&mut self, frame: &Frame<'t>) {
        if frame.via == Via::TernaryBranch {
            self.leak += 1;
        }
    }

    fn visit_else_clause(&mut self, frame: &Frame<'t>) {
        for child in named_children(frame.node) {
            if self.table.role(child) == Role::If {
                self.push(child, frame.nesting, Via::ElseIf, frame.function);
            } else {
                self.add(frame.node, 1, 0, "else");
                self.push(child, frame.nesting + 1, Via::Plain, frame.function);
            }
        }
    }

    fn visit_elif(&mut self, frame: &Frame<'t>) {
        self.add(frame.node, 1, 0, "elif");
        let consequence = self.table.field(frame.node, self.table.consequence);
        self.push_children(frame, |c| Some(c) == consequence);
    }

    fn visit_py_else(&mut self, frame: &Frame<'t>) {
        self.add(frame.node, 1, 0, "else");
        let nested = frame.via == Via::OfIf;
        self.push_children(frame, |_| nested);
    }

    fn visit_nests(&mut self, frame: &Frame<'t>, deeper: Deeper) {
        let (table, node) = (self.table, frame.node);
        self.structure(node, frame.nesting, keyword(node));
        let body = table.field(node, table.body);
        self.push_children(frame, |c| match deeper {
            Deeper::Body => Some(c) == body,
            Deeper::BodyOrCases => Some(c) == body || table.is_case[usize::from(c.kind_id())],
            Deeper::All => true,
            Deeper::Blocks => c.kind() == "block",
        });
    }

    fn visit_jump(&mut self, frame: &Frame<'t>) {
        let table = self.table;
        if named_children(frame.node).any(|c| table.is_label[usize::from(c.kind_id())]) {
            self.add(frame.node, 1, 0, keyword(frame.node));
        }
        self.push_children(frame, |_| false);
    }

    fn visit_let_chain(&mut self, frame: &Frame<'t>) {
        if let Some(op) = super::children(frame.node).find(|c| c.kind() == "&&") {
            self.add(op, 1, 0, "&&");
        }
        self.push_children(frame, |_| false);
    }

    fn visit_call(&mut self, frame: &Frame<'t>) {
        let callee = self.table.field(frame.node, self.table.function);
        if let Some(callee) = callee.filter(|c| c.kind() == "identifier") {
            if self.source.get(callee.byte_range()) == self.names.get(frame.function).copied() {
                self.add(callee, 1, 0, "recursion");
            }
        }
        self.push_children(frame, |_| false);
    }

    fn visit_def(&mut self, frame: &Frame<'t>) {
        let node = frame.node;
        self.names.push(self.name_of(node));
        let inner = self.names.len() - 1;
        let flat = self.flat_defs.contains(&node.id()) || is_method(node);
        self.push_def_body(node, frame.nesting + u32::from(!flat), inner);
    }

    fn visit_jsx_expression(&mut self, frame: &Frame<'t>) {
        for child in named_children(frame.node) {
            if self.table.logical_op(child).is_some() && ends_in_jsx(child) {
                let (_, operands) = self.flatten(child);
                for operand in operands {
                    self.push(operand, frame.nesting, Via::Plain, frame.function);
                }
            } else {
                self.push(child, frame.nesting, Via::Plain, frame.function);
            }
        }
    }

    fn visit_if(&mut self, frame: &Frame<'t>) {
        let (table, node, n) = (self.table, frame.node, frame.nesting);
        if frame.via == Via::ElseIf {
            self.add(node, 1, 0, "else if");
            self.out.max_nesting = self.out.max_nesting.max(n + 1);
        } else {
            self.structure(node, n, "if");
        }
        let consequence = table.field(node, table.consequence);
        let alternative = table.field(node, table.alternative);
        for child in named_children(node) {
            if table.is_else_form(child) {
                self.push(child, n, Via::OfIf, frame.function);
            } else if Some(child) == alternative && table.role(child) == Role::If {
                self.push(child, n, Via::ElseIf, frame.function);
            } else if Some(child) == alternative {
                let at = child
                    .prev_sibling()
                    .filter(|p| p.kind() == "else")
                    .unwrap_or(child);
                self.add(at, 1, 0, "else");
                self.push(child, n + 1, Via::Plain, frame.function);
            } else {
                let deeper = Some(child) == consequence;
                self.push(child, n + u32::from(deeper), Via::Plain, frame.function);
            }
        }
    }

    fn visit_ternary(&mut self, frame: &Frame<'t>) {
        let (table, node, n) = (self.table, frame.node, frame.nesting);
        let what = if keyword(node) == "?" {
            "?:"
        } else {
            "conditional expression"
        };
        self.structure(node, n, what);
        // Python's conditional expression has no fields: `body if condition else other`.
        let condition = table.field(node, table.condition).or_else(|| node.named_child(1));
        for child in named_children(node) {
            let inner = without_parens(child);
            if Some(child) == condition {
                self.push(child, n, Via::Plain, frame.function);
            } else if table.role(inner) == Role::Function {
                self.push(inner, n + 1, Via::TernaryBranch, frame.function);
            } else {
                self.push(child, n + 1, Via::Plain, frame.function);
            }
        }
    }

    fn visit_logical(&mut self, frame: &Frame<'t>) {
        let (ops, operands) = self.flatten(frame.node);
        let mut previous: Option<&str> = None;
        for op in ops {
            let kind = op.kind();
            if self.table.counted.contains(&kind) && previous != Some(kind) {
                self.add(op, 1, 0, word(kind, "operator"));
            }
            previous = Some(kind);
        }
        for operand in operands {
            self.push(operand, frame.nesting, Via::Plain, frame.function);
        }
    }

    /// Reads a tree of logical operators left to right, through parentheses: the operator
    /// tokens in order, and the operands that are not part of the tree.
    fn flatten(&self, node: Node<'t>) -> (Vec<Node<'t>>, Vec<Node<'t>>) {
        enum Step<'t> {
            Visit(Node<'t>),
            Op(Node<'t>),
        }
        let table = self.table;
        let mut ops = Vec::new();
        let mut operands = Vec::new();
        let mut stack = vec![Step::Visit(node)];
        while let Some(step) = stack.pop() {
            let n = match step {
                Step::Op(op) => {
                    ops.push(op);
                    continue;
                }
                Step::Visit(n) => n,
            };
            if let Some(op) = table.logical_op(n) {
                if let Some(right) = table.field(n, table.right) {
                    stack.push(Step::Visit(right));
                }
                stack.push(Step::Op(op));
                if let Some(left) = table.field(n, table.left) {
                    stack.push(Step::Visit(left));
                }
            } else if let Some(inner) = n.named_child(0).filter(|c| {
                n.kind() == "parenthesized_expression"
                    && n.named_child_count() == 1
                    && table.logical_op(*c).is_some()
            }) {
                stack.push(Step::Visit(inner));
            } else {
                operands.push(n);
            }
        }
        (ops, operands)
    }

    /// SonarPython's and complexipy's count: each `and`/`or` whose nearest enclosing operator
    /// (through parentheses) is not the same one starts a sequence, +1.
    /// `(a or b) or (c or d)` is one sequence; `(a or b) and (c or d) and (a or d)` is four.
    fn visit_boolean_operator(&mut self, frame: &Frame<'t>) {
        let table = self.table;
        let is_boolean = |n: Node<'_>| table.role(n) == Role::BooleanOperator;
        let mut stack: Vec<(Node<'t>, Option<&'t str>)> = vec![(frame.node, None)];
        let mut operands = Vec::new();
        while let Some((mut n, parent)) = stack.pop() {
            while n.kind() == "parenthesized_expression" && n.named_child_count() == 1 {
                match n.named_child(0).filter(|c| is_boolean(*c)) {
                    Some(inner) => n = inner,
                    None => break,
                }
            }
            let op = table.field(n, table.operator).filter(|_| is_boolean(n));
            let Some(op) = op else {
                operands.push(n);
                continue;
            };
            if parent != Some(op.kind()) {
                self.add(op, 1, 0, word(op.kind(), "operator"));
            }
            for side in [table.right, table.left] {
                if let Some(side) = table.field(n, side) {
                    stack.push((side, Some(op.kind())));
                }
            }
        }
        // Operands in source order, as the walk visits them.
        operands.sort_by_key(Node::start_byte);
        for operand in operands {
            self.push(operand, frame.nesting, Via::Plain, frame.function);
        }
    }

    fn visit_comprehension(&mut self, frame: &Frame<'t>) {
        let n = frame.nesting;
        for child in named_children(frame.node) {
            match child.kind() {
                "for_in_clause" => {
                    self.structure(child, n, "for");
                    for c in named_children(child) {
                        self.push(c, n, Via::Plain, frame.function);
                    }
                }
                "if_clause" => {
                    self.add(child, 1, 0, "if");
                    for c in named_children(child) {
                        self.push(c, n + 1, Via::Plain, frame.function);
                    }
                }
                _ => self.push(child, n + 1, Via::Plain, frame.function),
            }
        }
    }

    fn name_of(&self, def: Node<'_>) -> &'a [u8] {
        let source: &'a [u8] = self.source;
        self.table
            .field(def, self.table.name)
            .and_then(|n| source.get(n.byte_range()))
            .unwrap_or(b"<anonymous>")
    }

    /// Pushes the body of a `def` at `nesting`, and notes a nested def that is the
    /// decorator-wrapper pattern (`def outer(): def inner(): ...; return inner`), which folds
    /// in at +0.
    fn push_def_body(&mut self, def: Node<'t>, nesting: u32, function: usize) {
        let Some(body) = self.table.field(def, self.table.body) else {
            return;
        };
        if let Some(inner) = wrapper_def(body) {
            self.flat_defs.push(inner.id());
        }
        self.push(body, nesting, Via::Plain, function);
    }
}

/// The words an increment is named by.
const WORDS: &[&str] = &[
    "for", "while", "loop", "do", "switch", "select", "match", "catch", "except", "break", "continue", "?",
    "&&", "||", "??", "and", "or",
];

/// `word` as one of [`WORDS`], else `fallback`.
fn word(word: &str, fallback: &'static str) -> &'static str {
    WORDS.iter().find(|w| **w == word).copied().unwrap_or(fallback)
}

/// The keyword a structure starts with (`for`, `while`, `match`, `catch`).
fn keyword(node: Node<'_>) -> &'static str {
    super::children(node)
        .filter(|c| !c.is_named())
        .find_map(|c| WORDS.iter().find(|w| **w == c.kind()).copied())
        .unwrap_or("structure")
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind name in every table is a named node kind of its grammar.
    /// The kind a table reads by id is the kind `Node::kind` gives, aliases included, on every
    /// node of each probe fixture.
    #[test]
    fn a_kind_read_by_id_is_the_nodes_kind() {
        let probes: [(&str, &str); 7] = [
            (
                "probe.go",
                include_str!("../../../tests/fixtures/probes/probe.go"),
            ),
            (
                "probe.java",
                include_str!("../../../tests/fixtures/probes/probe.java"),
            ),
            (
                "probe.js",
                include_str!("../../../tests/fixtures/probes/probe.js"),
            ),
            (
                "probe.py",
                include_str!("../../../tests/fixtures/probes/probe.py"),
            ),
            (
                "probe.rs",
                include_str!("../../../tests/fixtures/probes/probe.rs"),
            ),
            (
                "probe.ts",
                include_str!("../../../tests/fixtures/probes/probe.ts"),
            ),
            (
                "probe.tsx",
                include_str!("../../../tests/fixtures/probes/probe.tsx"),
            ),
        ];
        for (path, source) in probes {
            let language = Language::detect(path, None).unwrap();
            let parsed =
                crate::lang::parse(language, source.as_bytes().to_vec(), Default::default()).unwrap();
            let table = Table::of(language);
            let mut cursor = parsed.tree.walk();
            let mut seen = 0;
            'walk: loop {
                let node = cursor.node();
                assert_eq!(table.kind(node), node.kind(), "{path}");
                seen += 1;
                if cursor.goto_first_child() || cursor.goto_next_sibling() {
                    continue;
                }
                while cursor.goto_parent() {
                    if cursor.goto_next_sibling() {
                        continue 'walk;
                    }
                }
                break;
            }
            assert!(seen > 100, "{path}: {seen} nodes");
        }
    }

    /// (qualified name, cognitive, max nesting) of each function of `source`.
    fn cognitive_of(path: &str, source: &str) -> Vec<(String, Option<u32>, u32)> {
        let language = Language::detect(path, None).unwrap();
        let parsed = crate::lang::parse(language, source.as_bytes().to_vec(), Default::default()).unwrap();
        super::super::measure(&parsed)
            .into_iter()
            .map(|f| (f.qualified_name, f.cognitive, f.max_nesting))
            .collect()
    }

    /// Only functions in which something can score are walked again for cognitive complexity
    /// (`Scoring`): what scores by a name (recursion, also of a folded `def`), a `goto`, a
    /// jump or one operator is still counted, and a function with nothing scores 0.
    #[test]
    fn a_function_that_scores_only_by_a_name_a_jump_or_an_operator_is_still_scored() {
        type Want = &'static [(&'static str, Option<u32>, u32)];
        let cases: [(&str, &str, Want); 6] = [
            (
                "a.py",
                "def f(n):\n    return f(n)\n\ndef g():\n    def h():\n        h()\n    return 1\n\n\
                 def k():\n    return len([])\n",
                &[("f", Some(1), 0), ("g", Some(1), 0), ("g.h", None, 0), ("k", Some(0), 0)],
            ),
            (
                "a.go",
                "package p\nfunc f() {\n\tgoto L\nL:\n}\nfunc g() bool { return a && b }\nfunc h() {}\n",
                &[("f", Some(1), 0), ("g", Some(1), 0), ("h", Some(0), 0)],
            ),
            (
                "A.java",
                "class A { boolean f() { return a || b; } void g() { x(); } }\n",
                &[("A.f", Some(1), 0), ("A.g", Some(0), 0)],
            ),
            (
                "a.js",
                "function f() { return a && b; }\nfunction g() { return () => x ? 1 : 2; }\nfunction h() { y(); }\n",
                &[("f", Some(1), 0), ("g", Some(0), 0), ("g.<anonymous>", Some(1), 1), ("h", Some(0), 0)],
            ),
            (
                "a.rs",
                "fn f() -> bool { a && b }\nfn g() { let c = || if x { 1 } else { 2 }; }\nfn h() { y!(if a { b }); }\n",
                &[("f", Some(1), 0), ("g", Some(3), 2), ("h", Some(0), 0)],
            ),
            (
                "a.ts",
                "function f(): number { for (;;) { break; } }\nconst g = (): void => {};\n",
                &[("f", Some(1), 1), ("g", Some(0), 0)],
            ),
        ];
        for (path, source, want) in cases {
            let want: Vec<_> = want.iter().map(|&(n, c, m)| (n.to_string(), c, m)).collect();
            assert_eq!(cognitive_of(path, source), want, "{path}");
        }
    }

    #[test]
    fn every_table_resolves_against_its_grammar() {
        for spec in LANGUAGES {
            let table = Table::resolve(spec_of(spec.language), &spec.language.grammar());
            assert!(
                table.is_ok(),
                "{}: {}",
                spec.name,
                table.err().unwrap_or_default()
            );
        }
    }

    #[test]
    fn an_unknown_kind_name_is_an_error() {
        let spec = TableSpec {
            roles: &[&[("if_statement", Role::If), ("iff_statement", Role::If)]],
            cases: &[],
            labels: &[],
            logical: &[],
            counted: &[],
        };
        let error = Table::resolve(&spec, &Language::Python.grammar()).err();
        assert_eq!(
            error.as_deref(),
            Some("the grammar has no named node kind `iff_statement`")
        );
    }
}
