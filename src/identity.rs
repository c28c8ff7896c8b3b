//! Which function at head is which function at base.
//!
//! By qualified name first (`Class.method`, `describe("x").it("y")`); where a name occurs
//! more than once, by body before position. A head function no name matches is looked up by
//! its body among the base functions no name matched, in every file of the change: a function
//! renamed, or moved to another file, with its body unchanged keeps its base numbers, and the
//! move is listed.

use std::collections::HashMap;

use crate::hashing::{fnv1a, fnv1a_words};
use crate::lang::{Language, ParsedFile};
use crate::lines::LineSet;
use crate::metrics::complexity::FunctionMetrics;
use crate::verdict::Move;

/// Leaves shorter than this (an empty body, `return x`) are too common to identify a function.
const MIN_BODY_LEAVES: usize = 12;

/// A token of the file: where it starts, its line, and the hash of its text.
struct Leaf {
    byte: usize,
    line: u32,
    hash: u64,
}

/// What the identity and placement passes need of a parsed file.
pub struct Shape {
    /// Lines holding code: a token that is not a comment, blank or docstring.
    pub code_lines: LineSet,
    /// Each function's body, in the order of the functions given.
    pub bodies: Vec<Body>,
    /// The byte ranges of comments, in order.
    pub comments: Vec<std::ops::Range<usize>>,
}

/// A function's tokens, its own name left out: a hash for exact matches, and the sorted hashes
/// of its pairs of consecutive tokens for near ones.
#[derive(Clone, Debug, Default)]
pub struct Body {
    /// `None` for bodies too short to tell apart.
    pub hash: Option<u64>,
    pub bag: Vec<u64>,
}

impl Body {
    /// Whether the sizes of two bodies allow a similarity of `at_least`.
    pub fn may_reach(&self, other: &Body, at_least: f64) -> bool {
        let (a, b) = (self.bag.len(), other.bag.len());
        a.min(b) as f64 >= at_least * a.max(b) as f64
    }

    /// How alike two bodies are, as git's rename detection judges files: the share of tokens
    /// they have in common, of the larger one.
    pub fn similarity(&self, other: &Body) -> f64 {
        let (a, b) = (&self.bag, &other.bag);
        let (mut i, mut j, mut common) = (0, 0, 0usize);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    common += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        common as f64 / a.len().max(b.len()).max(1) as f64
    }
}

/// Reads a parsed file's code lines and its functions' body hashes in one walk.
pub fn shape(parsed: &ParsedFile, functions: &[FunctionMetrics]) -> Shape {
    let (leaves, comments) = leaves(parsed);
    let mut code_lines = LineSet::new();
    for leaf in &leaves {
        code_lines.insert_range(leaf.line, leaf.line);
    }
    // Each token belongs to the innermost function holding it: a function's body is its own
    // tokens, its nested functions' are theirs. So a function whose body moved into a closure
    // it now wraps (or out of one) is told apart by what it holds itself, and the work is linear
    // however deep functions nest. One sweep, functions outermost first.
    let mut words: Vec<Vec<u64>> = vec![Vec::new(); functions.len()];
    let names: Vec<u64> = functions.iter().map(|f| fnv1a(f.name.as_bytes())).collect();
    let mut owners = Owners::new(functions);
    for leaf in &leaves {
        if let Some(i) = owners.innermost(leaf.byte) {
            if leaf.hash != names[i] {
                words[i].push(leaf.hash);
            }
        }
    }
    Shape {
        code_lines,
        bodies: words.into_iter().map(Body::of_words).collect(),
        comments,
    }
}

impl Body {
    /// A body of these token hashes; too few tokens to tell a body apart give no body.
    fn of_words(words: Vec<u64>) -> Body {
        if words.len() < MIN_BODY_LEAVES {
            return Body::default();
        }
        let hash = Some(fnv1a_words(&words));
        let mut bag: Vec<u64> = words.windows(2).map(fnv1a_words).collect();
        bag.sort_unstable();
        Body { hash, bag }
    }
}

/// The functions open at a byte, swept forward once: asked with rising bytes, it answers the
/// innermost function holding each, in time linear in the functions however deep they nest.
struct Owners<'a> {
    functions: &'a [FunctionMetrics],
    /// Function indices by start, outermost first.
    order: Vec<usize>,
    next: usize,
    open: Vec<usize>,
}

impl<'a> Owners<'a> {
    fn new(functions: &'a [FunctionMetrics]) -> Owners<'a> {
        let mut order: Vec<usize> = (0..functions.len()).collect();
        order.sort_by_key(|&i| {
            (
                functions[i].bytes.start,
                std::cmp::Reverse(functions[i].bytes.end),
                i,
            )
        });
        Owners {
            functions,
            order,
            next: 0,
            open: Vec::new(),
        }
    }

    fn innermost(&mut self, byte: usize) -> Option<usize> {
        self.close_before(byte);
        while let Some(&i) = self
            .order
            .get(self.next)
            .filter(|&&i| self.functions[i].bytes.start <= byte)
        {
            self.close_before(self.functions[i].bytes.start);
            if self.functions[i].bytes.end > byte {
                self.open.push(i);
            }
            self.next += 1;
        }
        self.open.last().copied()
    }

    /// Closes the open functions that end at or before `byte`.
    fn close_before(&mut self, byte: usize) {
        while self
            .open
            .last()
            .is_some_and(|&o| self.functions[o].bytes.end <= byte)
        {
            self.open.pop();
        }
    }
}

/// Every token that is not a comment or a Python docstring, in order; and the comments.
fn leaves(parsed: &ParsedFile) -> (Vec<Leaf>, Vec<std::ops::Range<usize>>) {
    let mut out = Vec::new();
    let mut comments = Vec::new();
    let source = &parsed.source;
    let mut cursor = parsed.tree.walk();
    let mut descend = true;
    // The open ancestors, innermost last (asking a node for its parent costs the tree's depth).
    let mut ancestors: Vec<tree_sitter::Node<'_>> = Vec::new();
    loop {
        let node = cursor.node();
        if descend {
            match node_role(parsed, node, ancestors.last().copied()) {
                NodeRole::Comment => comments.push(node.byte_range()),
                NodeRole::NotCode => {}
                NodeRole::Leaf => out.extend(Leaf::of(node, source)),
                NodeRole::Inner => {
                    if cursor.goto_first_child() {
                        ancestors.push(node);
                        continue;
                    }
                }
            }
        }
        if cursor.goto_next_sibling() {
            descend = true;
            continue;
        }
        if !cursor.goto_parent() {
            break;
        }
        ancestors.pop();
        descend = false;
    }
    (out, comments)
}

/// What a node is to the token walk.
enum NodeRole {
    Comment,
    /// A MISSING node or a Python docstring: skipped with what it holds.
    NotCode,
    /// A token (or a whole string literal).
    Leaf,
    Inner,
}

fn node_role(
    parsed: &ParsedFile,
    node: tree_sitter::Node<'_>,
    parent: Option<tree_sitter::Node<'_>>,
) -> NodeRole {
    if node.kind().contains("comment") {
        NodeRole::Comment
    } else if node.is_missing() || is_docstring(parsed.language, node, parent) {
        NodeRole::NotCode
    } else if node.child_count() == 0 || node.kind() == "string" {
        NodeRole::Leaf
    } else {
        NodeRole::Inner
    }
}

impl Leaf {
    /// A token's leaf; an empty token (one tree-sitter inserted) is none.
    fn of(node: tree_sitter::Node<'_>, source: &[u8]) -> Option<Leaf> {
        (node.start_byte() < node.end_byte()).then(|| Leaf {
            byte: node.start_byte(),
            line: node.start_position().row as u32 + 1,
            hash: fnv1a(&source[node.byte_range()]),
        })
    }
}

/// A Python docstring: a string statement first in a module, class or function body.
fn is_docstring(
    language: Language,
    node: tree_sitter::Node<'_>,
    parent: Option<tree_sitter::Node<'_>>,
) -> bool {
    if language != Language::Python || node.kind() != "expression_statement" {
        return false;
    }
    let mut cursor = node.walk();
    let only_string = node.named_child_count() == 1
        && node
            .named_children(&mut cursor)
            .all(|c| matches!(c.kind(), "string" | "concatenated_string"));
    let first = parent.is_some_and(|p| {
        matches!(p.kind(), "module" | "block") && {
            let mut c = p.walk();
            let first = p.named_children(&mut c).find(|n| !n.kind().contains("comment"));
            first == Some(node)
        }
    });
    only_string && first
}

/// One side of a function: the file it is in (index into the measured files) and its index.
pub type At = (usize, usize);

/// The functions of one changed file at both sides, as identity sees them.
pub struct Sides<'a> {
    pub path: &'a str,
    pub base_path: Option<&'a str>,
    pub head: &'a [FunctionMetrics],
    pub head_bodies: &'a [Body],
    pub base: &'a [FunctionMetrics],
    pub base_bodies: &'a [Body],
}

/// The result: each head function's base version, and the moves among them.
#[derive(Debug, Default)]
pub struct Identity {
    /// Per file, per head function: the base function it continues.
    pub before: Vec<Vec<Option<At>>>,
    /// Base functions that continue at head (so were not deleted).
    pub continued: Vec<Vec<bool>>,
    /// Head functions that continue a base function another head function is the heir of
    /// (a wrapper around a moved body): judged against it, but the debt it removes is counted
    /// once, on the heir.
    pub secondary: Vec<Vec<bool>>,
    pub moves: Vec<Move>,
    /// Per file, per base function: the head function that is its heir, in whatever file.
    heir: Vec<Vec<Option<At>>>,
}

impl Identity {
    /// Head function `head` continues base function `base` as its heir.
    fn continue_as_heir(&mut self, base: At, head: At) {
        self.before[head.0][head.1] = Some(base);
        self.continued[base.0][base.1] = true;
        self.heir[base.0][base.1] = Some(head);
    }
}

/// A qualified name without the `#2` debtgate adds to a repeated name.
pub fn display_name(qualified: &str) -> &str {
    match qualified.rsplit_once('#') {
        Some((name, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => qualified,
    }
}

pub fn match_functions(files: &[Sides<'_>]) -> Identity {
    let mut identity = Identity {
        before: files.iter().map(|f| vec![None; f.head.len()]).collect(),
        continued: files.iter().map(|f| vec![false; f.base.len()]).collect(),
        secondary: files.iter().map(|f| vec![false; f.head.len()]).collect(),
        moves: Vec::new(),
        heir: files.iter().map(|f| vec![None; f.base.len()]).collect(),
    };
    for (fi, file) in files.iter().enumerate() {
        match_by_name(fi, file, &mut identity);
    }
    // Bodies of base functions no name matched, in file order.
    let mut by_body: crate::hashing::HashKeyed<Vec<At>> = Default::default();
    for (fi, file) in files.iter().enumerate() {
        for (k, body) in file.base_bodies.iter().enumerate() {
            if let (Some(body), false) = (body.hash, identity.continued[fi][k]) {
                by_body.entry(body).or_default().push((fi, k));
            }
        }
    }
    for (fi, file) in files.iter().enumerate() {
        for (k, body) in file.head_bodies.iter().enumerate() {
            let (Some(body), None) = (body.hash, identity.before[fi][k]) else {
                continue;
            };
            let Some(candidates) = by_body.get_mut(&body) else {
                continue;
            };
            // The same file first, then the first in path order.
            let pick = candidates.iter().position(|&(bf, _)| bf == fi).unwrap_or(0);
            if candidates.is_empty() {
                continue;
            }
            let (bf, bk) = candidates.remove(pick);
            identity.continue_as_heir((bf, bk), (fi, k));
            identity.moves.push(moved(files, (bf, bk), (fi, k), true));
        }
    }
    match_near(files, &mut identity);
    identity.moves.sort();
    identity
}

/// Bodies at least this alike continue one another (git's default rename threshold is 50 %).
/// Alike is measured on pairs of consecutive tokens: single tokens (`(`, `self`, `let`) are
/// shared by any two functions of one language, so unrelated functions of a size reached 60 %.
const NEAR: f64 = 0.6;

/// A function of the same name moved to another file, edited on the way, continues at this:
/// its name is evidence too.
const NEAR_SAME_NAME: f64 = 0.4;

/// A head function no name or exact body matched that is nearly the body of a base function
/// continues it: renamed with an edit (`deepMerge` becoming `deepMergeInternal` beside a new
/// one-line `deepMerge`), or moved to another file with an edit. In its own file it may take a
/// base function over from a head function of the same name that is far less alike; in other
/// files only base functions nothing continues are candidates.
///
/// Pairs are taken best first over the whole change, as git pairs renames: a base function of
/// the same name before one of another name (a file split in two, its functions edited on the
/// way), then the more alike. So a base function goes to the head function most like it, not
/// to the first one in path order that is alike enough.
fn match_near(files: &[Sides<'_>], identity: &mut Identity) {
    for near in near_pairs(files, identity) {
        let (at, new) = (near.base, near.head);
        if identity.before[new.0][new.1].is_none()
            && share_continuation(files, identity, at, new, near.similarity)
        {
            identity.moves.push(moved(files, at, new, false));
        }
    }
}

/// A head function and a base function alike enough to continue it.
struct NearPair {
    head: At,
    base: At,
    same_name: bool,
    similarity: f64,
}

/// Every pair of a head function no name or body matched and a base function it is alike
/// enough to continue, best first: its own file's base functions, and other files' that
/// nothing continues.
fn near_pairs(files: &[Sides<'_>], identity: &Identity) -> Vec<NearPair> {
    // Comparing every new function with every base function is quadratic: past this many
    // pairs across files, only the file's own functions and other files' of the same name are
    // compared (a large change that splits files still keeps its moved functions), unless
    // the name is too common to tell anything (`setUp`, `constructor` in a hundred files).
    const MAX_CROSS_PAIRS: usize = 200_000;
    const MAX_SAME_NAME: usize = 16;
    let new_heads: Vec<At> = every(files, |f| f.head_bodies)
        .filter(|&(fi, k)| identity.before[fi][k].is_none())
        .collect();
    let free_bases: Vec<At> = every(files, |f| f.base_bodies)
        .filter(|&(fi, k)| !identity.continued[fi][k])
        .collect();
    let cross = new_heads.len().saturating_mul(free_bases.len()) <= MAX_CROSS_PAIRS;
    let mut free_by_name: HashMap<&str, Vec<At>> = HashMap::new();
    for &(bf, b) in &free_bases {
        let name = files[bf].base[b].qualified_name.as_str();
        free_by_name.entry(name).or_default().push((bf, b));
    }
    let mut pairs = Vec::new();
    for &(fi, k) in &new_heads {
        let others: &[At] = match cross {
            true => &free_bases,
            false => free_by_name
                .get(files[fi].head[k].qualified_name.as_str())
                .filter(|same| same.len() <= MAX_SAME_NAME)
                .map_or(&[], Vec::as_slice),
        };
        let own = (0..files[fi].base.len()).map(|b| (fi, b));
        let candidates = own.chain(others.iter().copied().filter(|&(bf, _)| bf != fi));
        pairs.extend(candidates.filter_map(|at| near_pair(files, (fi, k), at)));
    }
    pairs.sort_by(|a, b| {
        b.same_name
            .cmp(&a.same_name)
            .then(b.similarity.total_cmp(&a.similarity))
            .then(a.head.cmp(&b.head))
            .then(a.base.cmp(&b.base))
    });
    pairs
}

/// Every function of one side of the change whose body is long enough to tell apart.
fn every<'a>(
    files: &'a [Sides<'_>],
    bodies: fn(&'a Sides<'_>) -> &'a [Body],
) -> impl Iterator<Item = At> + 'a {
    files.iter().enumerate().flat_map(move |(fi, f)| {
        let bodies = bodies(f);
        (0..bodies.len())
            .filter(move |&k| bodies[k].hash.is_some())
            .map(move |k| (fi, k))
    })
}

/// Head function `head` and base function `base`, if alike enough to continue it.
fn near_pair(files: &[Sides<'_>], head: At, base: At) -> Option<NearPair> {
    let body = &files[head.0].head_bodies[head.1];
    let other = &files[base.0].base_bodies[base.1];
    let same_name = files[base.0].base[base.1].qualified_name == files[head.0].head[head.1].qualified_name;
    let near = if same_name { NEAR_SAME_NAME } else { NEAR };
    // Two bodies can be no more alike than the smaller is of the larger: most pairs are ruled
    // out by their sizes, without comparing tokens.
    if other.hash.is_none() || !body.may_reach(other, near) {
        return None;
    }
    let similarity = body.similarity(other);
    (similarity >= near).then_some(NearPair {
        head,
        base,
        same_name,
        similarity,
    })
}

/// The head function that continues base function `at` as its heir, if one does.
fn holder(identity: &Identity, at: At) -> Option<At> {
    identity.heir[at.0][at.1]
}

/// Whether head function `new`, `s` alike to base function `at`, continues it beside the one
/// that already does: the more alike one is the heir, whose debt accounting it carries, the
/// other a wrapper judged against it too. A function no more alike than the one that already
/// continues it is new (a test that happens to read like a small helper), and so is one in
/// another file than the heir's: a base function is not shared across files.
fn share_continuation(files: &[Sides<'_>], identity: &mut Identity, at: At, new: At, s: f64) -> bool {
    let Some((hf, h)) = holder(identity, at) else {
        identity.continue_as_heir(at, new);
        return true;
    };
    if hf != new.0 {
        return false;
    }
    let held = files[hf].head_bodies[h].similarity(&files[at.0].base_bodies[at.1]);
    if held >= s {
        return false;
    }
    if held < s / 2.0 {
        identity.secondary[hf][h] = true;
        identity.continue_as_heir(at, new);
    } else {
        identity.before[new.0][new.1] = Some(at);
        identity.secondary[new.0][new.1] = true;
    }
    true
}

fn moved(files: &[Sides<'_>], (bf, bk): At, (fi, k): At, exact: bool) -> Move {
    let (from, to) = (&files[bf].base[bk], &files[fi].head[k]);
    Move {
        from_path: files[bf].base_path.unwrap_or(files[bf].path).to_string(),
        from_function: display_name(&from.qualified_name).to_string(),
        path: files[fi].path.to_string(),
        function: display_name(&to.qualified_name).to_string(),
        start_line: to.start_line,
        end_line: to.end_line,
        exact,
    }
}

/// Matches a file's head functions to its base functions by name; a name that occurs several
/// times is matched by equal bodies first, the rest in order.
fn match_by_name(fi: usize, file: &Sides<'_>, identity: &mut Identity) {
    let mut base_groups: HashMap<&str, Vec<usize>> = HashMap::new();
    for (k, f) in file.base.iter().enumerate() {
        base_groups
            .entry(display_name(&f.qualified_name))
            .or_default()
            .push(k);
    }
    for (name, heads) in head_groups(file.head) {
        if let Some(bases) = base_groups.get(name) {
            for (k, b) in pair_same_names(file, &heads, bases) {
                identity.continue_as_heir((fi, b), (fi, k));
            }
        }
    }
}

/// The head functions grouped by display name, groups in the order their first function comes.
fn head_groups(head: &[FunctionMetrics]) -> Vec<(&str, Vec<usize>)> {
    let mut groups: Vec<(&str, Vec<usize>)> = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (k, f) in head.iter().enumerate() {
        let name = display_name(&f.qualified_name);
        let slot = *seen.entry(name).or_insert_with(|| {
            groups.push((name, Vec::new()));
            groups.len() - 1
        });
        groups[slot].1.push(k);
    }
    groups
}

/// Pairs head and base functions of one name: where several share it, a head takes the base
/// with its very body first; the rest pair in order.
fn pair_same_names(file: &Sides<'_>, heads: &[usize], bases: &[usize]) -> Vec<(usize, usize)> {
    let mut free: Vec<usize> = bases.to_vec();
    let mut pairs = Vec::new();
    let mut unmatched = Vec::new();
    let several = heads.len() > 1 || bases.len() > 1;
    for &k in heads {
        let body = file.head_bodies[k].hash;
        let same = free
            .iter()
            .position(|&b| several && body.is_some() && file.base_bodies[b].hash == body);
        match same {
            Some(p) => pairs.push((k, free.remove(p))),
            None => unmatched.push(k),
        }
    }
    pairs.extend(unmatched.into_iter().zip(free));
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::{self, ParseLimits};
    use crate::metrics::complexity;

    fn side(src: &str, language: Language) -> (Vec<FunctionMetrics>, Vec<Body>, LineSet) {
        let parsed = lang::parse(language, src.as_bytes().to_vec(), ParseLimits::default()).unwrap();
        let functions = complexity::measure(&parsed);
        let shape = shape(&parsed, &functions);
        (functions, shape.bodies, shape.code_lines)
    }

    /// The sides of one file, `a.py`, at base and head.
    fn one_file<'a>(
        head: &'a [FunctionMetrics],
        head_bodies: &'a [Body],
        base: &'a [FunctionMetrics],
        base_bodies: &'a [Body],
    ) -> [Sides<'a>; 1] {
        [Sides {
            path: "a.py",
            base_path: Some("a.py"),
            head,
            head_bodies,
            base,
            base_bodies,
        }]
    }

    /// `a.py`, whose functions the change takes away, and `b.py`, new at head.
    fn moved_to_another_file<'a>(
        base: &'a [FunctionMetrics],
        base_bodies: &'a [Body],
        head: &'a [FunctionMetrics],
        head_bodies: &'a [Body],
    ) -> [Sides<'a>; 2] {
        [taken_away(base, base_bodies), new_file("b.py", head, head_bodies)]
    }

    /// `a.py`, whose functions the change takes away.
    fn taken_away<'a>(base: &'a [FunctionMetrics], base_bodies: &'a [Body]) -> Sides<'a> {
        Sides {
            path: "a.py",
            base_path: Some("a.py"),
            head: &[],
            head_bodies: &[],
            base,
            base_bodies,
        }
    }

    fn new_file<'a>(path: &'a str, head: &'a [FunctionMetrics], head_bodies: &'a [Body]) -> Sides<'a> {
        Sides {
            path,
            base_path: None,
            head,
            head_bodies,
            base: &[],
            base_bodies: &[],
        }
    }

    const BODY: &str = "    total = 0\n    for x in items:\n        if x > limit:\n            total += x\n    return total\n";

    #[test]
    fn a_renamed_function_keeps_its_identity_and_is_a_move() {
        let (base, base_bodies, _) = side(&format!("def old(items, limit):\n{BODY}"), Language::Python);
        let (head, head_bodies, _) = side(&format!("def new(items, limit):\n{BODY}"), Language::Python);
        let files = one_file(&head, &head_bodies, &base, &base_bodies);
        let identity = match_functions(&files);
        assert_eq!(identity.before[0][0], Some((0, 0)));
        assert_eq!(identity.moves.len(), 1);
        assert_eq!(identity.moves[0].from_function, "old");
        assert_eq!(identity.moves[0].function, "new");
    }

    #[test]
    fn a_repeated_name_is_matched_by_body_before_position() {
        let a = "    x = compute(a, b, c)\n    y = x * 2 + a - b\n    return y\n";
        let b = "    print(a)\n    print(b, c, d, e, f)\n    return None\n";
        let (base, base_bodies, _) = side(
            &format!("if C:\n  def f(a, b, c):\n{a}\nelse:\n  def f(a, b, c):\n{b}"),
            Language::Python,
        );
        let (head, head_bodies, _) = side(
            &format!("if C:\n  def f(a, b, c):\n{b}\nelse:\n  def f(a, b, c):\n{a}"),
            Language::Python,
        );
        let files = one_file(&head, &head_bodies, &base, &base_bodies);
        let identity = match_functions(&files);
        assert_eq!(identity.before[0][0], Some((0, 1)));
        assert_eq!(identity.before[0][1], Some((0, 0)));
        assert!(identity.moves.is_empty());
    }

    #[test]
    fn a_function_renamed_with_an_edit_beside_a_new_wrapper_of_its_old_name_continues() {
        let (base, base_bodies, _) = side(&format!("def merge(items, limit):\n{BODY}"), Language::Python);
        let edited = BODY.replace("return total", "total += 1\n    return total");
        let head_src = format!("def merge_inner(items, limit):\n{edited}\n\ndef merge(items, limit):\n    return merge_inner(items, limit)\n");
        let (head, head_bodies, _) = side(&head_src, Language::Python);
        let files = one_file(&head, &head_bodies, &base, &base_bodies);
        let identity = match_functions(&files);
        assert_eq!(head[0].name, "merge_inner");
        assert_eq!(identity.before[0][0], Some((0, 0)));
        assert!(!identity.secondary[0][0]);
        // The wrapper of the old name is judged against the old function too, as a secondary.
        assert_eq!(identity.before[0][1], Some((0, 0)));
        assert!(identity.secondary[0][1]);
        assert_eq!(identity.moves.len(), 1);
    }

    #[test]
    fn a_function_moved_to_another_file_with_an_edit_continues() {
        let (base, base_bodies, _) = side(&format!("def merge(items, limit):\n{BODY}"), Language::Python);
        let edited = BODY.replace("return total", "total += 1\n    return total");
        let (head, head_bodies, _) = side(&format!("def merge(items, limit):\n{edited}"), Language::Python);
        let files = moved_to_another_file(&base, &base_bodies, &head, &head_bodies);
        let identity = match_functions(&files);
        assert_eq!(identity.before[1][0], Some((0, 0)));
        assert_eq!(identity.moves[0].from_path, "a.py");
    }

    /// `a.py`, whose one function the change takes away, and new files at head, each with
    /// its functions.
    fn moved_apart<'a>(
        base: &'a [FunctionMetrics],
        base_bodies: &'a [Body],
        heads: &'a [(&'a str, Vec<FunctionMetrics>, Vec<Body>)],
    ) -> Vec<Sides<'a>> {
        let mut files = vec![taken_away(base, base_bodies)];
        files.extend(
            heads
                .iter()
                .map(|(path, head, bodies)| new_file(path, head, bodies)),
        );
        files
    }

    #[test]
    fn a_moved_function_has_one_heir_across_files() {
        let (base, base_bodies, _) = side(&format!("def merge(items, limit):\n{BODY}"), Language::Python);
        let edited = BODY.replace("return total", "total += 1\n    return total");
        let other = BODY.replace("return total", "print(total)\n    return total");
        let head = |src: String| side(&src, Language::Python);
        let (b, bb, _) = head(format!("def merge(items, limit):\n{edited}"));
        let (c, cb, _) = head(format!("def combine(items, limit):\n{other}"));
        let heads = [("b.py", b, bb), ("c.py", c, cb)];
        let identity = match_functions(&moved_apart(&base, &base_bodies, &heads));
        assert_eq!(identity.before[1][0], Some((0, 0)), "{identity:?}");
        assert_eq!(
            identity.before[2][0], None,
            "a second file's look-alike is new: {identity:?}"
        );
        assert_eq!(identity.moves.len(), 1);
    }

    #[test]
    fn a_moved_function_goes_to_the_most_alike_not_the_first_in_path_order() {
        let (base, base_bodies, _) = side(&format!("def merge(items, limit):\n{BODY}"), Language::Python);
        let far = BODY
            .replace("total += x", "total += x * x")
            .replace("return total", "log(total)\n    return total");
        let near = BODY.replace("return total", "total += 1\n    return total");
        let head = |src: String| side(&src, Language::Python);
        let (b, bb, _) = head(format!("def squares(items, limit):\n{far}"));
        let (c, cb, _) = head(format!("def merge_all(items, limit):\n{near}"));
        let heads = [("b.py", b, bb), ("c.py", c, cb)];
        let files = moved_apart(&base, &base_bodies, &heads);
        assert!(
            files[1].head_bodies[0].similarity(&base_bodies[0]) >= NEAR,
            "the far one is alike enough on its own"
        );
        let identity = match_functions(&files);
        assert_eq!(identity.before[2][0], Some((0, 0)), "{identity:?}");
        assert_eq!(identity.before[1][0], None, "{identity:?}");
    }

    #[test]
    fn past_the_cross_file_budget_a_function_moved_under_its_own_name_still_continues() {
        let gone: String = (0..500)
            .map(|i| format!("def f{i}(x):\n    return x * {i} + {i} - compute(x, {i})\n\n"))
            .collect();
        let (base, base_bodies, _) = side(
            &format!("{gone}def merge(items, limit):\n{BODY}"),
            Language::Python,
        );
        let edited = BODY.replace("return total", "total += 1\n    return total");
        let added: String = (0..500)
            .map(|i| format!("def g{i}(y):\n    values = [y, {i}]\n    return sorted(values)[{i} % 2]\n\n"))
            .collect();
        let head = |src: String| side(&src, Language::Python);
        let (b, bb, _) = head(format!("def merge(items, limit):\n{edited}"));
        let (c, cb, _) = head(added);
        let heads = [("b.py", b, bb), ("c.py", c, cb)];
        let identity = match_functions(&moved_apart(&base, &base_bodies, &heads));
        assert_eq!(identity.before[1][0], Some((0, 500)), "{:?}", identity.moves);
        assert!(identity.before[2].iter().all(Option::is_none));
    }

    #[test]
    fn a_new_function_of_the_same_words_in_another_order_is_new() {
        let (base, base_bodies, _) = side(
            "def combine(a, b):\n    x = a + b\n    y = a * b\n    z = x - y\n    return z\n",
            Language::Python,
        );
        let (head, head_bodies, _) = side(
            "def other(a, b):\n    z = b - a\n    x = z * a\n    y = x + b\n    return y\n",
            Language::Python,
        );
        let files = moved_to_another_file(&base, &base_bodies, &head, &head_bodies);
        let identity = match_functions(&files);
        assert_eq!(identity.before[1][0], None, "{identity:?}");
        assert!(identity.moves.is_empty());
    }

    #[test]
    fn a_new_function_alike_to_a_helper_that_keeps_its_name_is_new() {
        let (base, base_bodies, _) = side(&format!("def helper(items, limit):\n{BODY}"), Language::Python);
        let alike = BODY.replace("total += x", "total -= x");
        let head_src =
            format!("def helper(items, limit):\n{BODY}\n\ndef test_helper(items, limit):\n{alike}");
        let (head, head_bodies, _) = side(&head_src, Language::Python);
        let files = one_file(&head, &head_bodies, &base, &base_bodies);
        let identity = match_functions(&files);
        assert_eq!(identity.before[0][0], Some((0, 0)), "helper continues itself");
        assert_eq!(identity.before[0][1], None, "the look-alike is new: {identity:?}");
        assert!(identity.moves.is_empty());
    }

    #[test]
    fn a_split_file_keeps_each_function_with_its_own_name() {
        let twin = BODY.replace("total += x", "total += x * 2");
        let (base, base_bodies, _) = side(
            &format!("def first(items, limit):\n{BODY}\n\ndef second(items, limit):\n{twin}"),
            Language::Python,
        );
        // `second` is edited to read like `first` did; it is still `second`.
        let edited = BODY.replace("return total", "total += 1\n    return total");
        let (head, head_bodies, _) = side(&format!("def second(items, limit):\n{edited}"), Language::Python);
        let files = moved_to_another_file(&base, &base_bodies, &head, &head_bodies);
        let identity = match_functions(&files);
        assert_eq!(identity.before[1][0], Some((0, 1)), "{identity:?}");
    }

    #[test]
    fn a_function_whose_body_moved_into_a_closure_it_wraps_is_told_apart() {
        let inner = "        total = 0\n        for x in items:\n            if x > limit:\n                total += x\n        return total\n";
        let (base, base_bodies, _) = side(&format!("def run(items, limit):\n{BODY}"), Language::Python);
        let head_src = format!("def run(items, limit):\n    def work():\n{inner}    return work()\n");
        let (head, head_bodies, _) = side(&head_src, Language::Python);
        let files = one_file(&head, &head_bodies, &base, &base_bodies);
        let identity = match_functions(&files);
        // `run.work` holds what `run` held; `run` is now a wrapper.
        assert_eq!(head[1].qualified_name, "run.work");
        assert_eq!(identity.before[0][1], Some((0, 0)), "{identity:?}");
        assert!(
            identity.secondary[0][0] && !identity.secondary[0][1],
            "{identity:?}"
        );
    }

    #[test]
    fn docstrings_and_comments_are_not_code_lines() {
        let (_, _, code) = side(
            "def f():\n    \"\"\"Doc.\"\"\"\n    # note\n\n    return 1\n",
            Language::Python,
        );
        assert!(code.contains(1) && code.contains(5));
        assert!(!code.contains(2) && !code.contains(3) && !code.contains(4));
    }

    #[test]
    fn display_names_drop_the_repeat_suffix() {
        assert_eq!(display_name("a.b#3"), "a.b");
        assert_eq!(display_name("a#b"), "a#b");
        assert_eq!(display_name("Ky.#run"), "Ky.#run");
    }
}
