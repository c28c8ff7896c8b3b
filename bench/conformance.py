#!/usr/bin/env python3
"""Conformance of debtgate's complexity numbers with the reference tools METRICS.md anchors them to.

    bench/conformance.sh [LANGUAGE...]        # sets up the anchors, then runs this

For every language it runs `debtgate metrics` and the anchor(s) over the same pinned corpus
(bench/corpus.sh), pairs the functions both report (same file, same start line; several on
one line are paired in column order) and prints, per metric and anchor: how many functions the
anchor reports, how many of them debtgate reports too (coverage), the exact-match and
within-±1 rates, and the worst disagreements with file:line so anyone can look.

Anchors:  JavaScript/TypeScript cognitive = eslint-plugin-sonarjs S3776, cyclomatic = ESLint
`complexity`; Python cognitive = complexipy, cyclomatic = lizard; Rust, Go, Java cyclomatic =
lizard. Python cognitive differences are classified against the two divergences METRICS.md
documents (`else` of for/while/try counted; keyword-argument expressions visited).
"""

from __future__ import annotations

import argparse
import ast
import bisect
import collections
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("DEBTGATE_BENCH_CACHE", HERE / ".cache"))
CORPUS = CACHE / "corpus"

EXTENSIONS = {
    "python": (".py",),
    "javascript": (".js", ".cjs", ".mjs", ".jsx"),
    "typescript": (".ts", ".tsx", ".mts", ".cts"),
    "rust": (".rs",),
    "go": (".go",),
    "java": (".java",),
}
TARGETS = {  # (metric, anchor) -> (rate, threshold) from the issue; printed beside the figure.
    ("javascript", "cognitive"): ("exact", 99.0),
    ("typescript", "cognitive"): ("exact", 99.0),
    ("python", "cognitive"): ("exact", 97.0),
    ("javascript", "cyclomatic"): ("exact", 97.0),
    ("typescript", "cyclomatic"): ("exact", 97.0),
    ("python", "cyclomatic"): ("exact", 97.0),
    ("rust", "cyclomatic"): ("within1", 97.0),
    ("go", "cyclomatic"): ("within1", 97.0),
    ("java", "cyclomatic"): ("within1", 97.0),
}


def source_files(root: Path, language: str) -> list[Path]:
    exts = EXTENSIONS[language]
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "node_modules")
        for name in sorted(filenames):
            if name.endswith(exts) and not name.endswith(".d.ts") and not name.endswith(".min.js"):
                files.append(Path(dirpath, name))
    return files


def run_debtgate(binary: str, root: Path, language: str) -> list[dict]:
    out = subprocess.run(
        [binary, "metrics", "--format", "jsonl", "."], cwd=root, capture_output=True, text=True
    )
    if out.returncode not in (0, 2):
        sys.exit(f"debtgate metrics failed in {root}:\n{out.stderr}")
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    exts = EXTENSIONS[language]
    return [r for r in rows if r["file"].endswith(exts)]


# ---------------------------------------------------------------- anchors


def lizard_file(path: str) -> list[dict]:
    import lizard  # noqa: PLC0415 (only inside the venv)

    info = lizard.analyze_file(path)
    return [
        {"line": f.start_line, "end": f.end_line, "name": f.name, "value": f.cyclomatic_complexity}
        for f in info.function_list
    ]


def has_body(lines: list[str], start: int) -> bool:
    """Whether the declaration starting on `start` has a body: lizard also lists bodiless
    declarations (Rust trait methods, Java interface and abstract methods, Go assembly stubs),
    which are not functions with code."""
    depth = 0
    for line in lines[start - 1 : start + 200]:
        for ch in line.split("//")[0]:
            if ch in "([":
                depth += 1
            elif ch in ")]":
                depth -= 1
            elif depth == 0 and ch == "{":
                return True
            elif depth == 0 and ch == ";":
                return False
    return True


RUST_NOISE = re.compile(r'//[^\n]*|/\*.*?\*/|b?r(#*)".*?"\1|b?"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])\'', re.S)


def rust_code(text: str) -> str:
    """Rust source with comments, strings and char literals blanked (newlines kept)."""
    return RUST_NOISE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def macro_ranges(code: str) -> list[tuple[int, int]]:
    """Line ranges of `macro_rules!` definitions and of macro invocations' arguments."""
    ranges = []
    for m in re.finditer(r"\b[A-Za-z_][A-Za-z0-9_]*!\s*(?:[A-Za-z_][A-Za-z0-9_]*\s*)?([({\[])", code):
        open_at = m.end() - 1
        close = {"(": ")", "{": "}", "[": "]"}[code[open_at]]
        depth = 0
        for i in range(open_at, len(code)):
            if code[i] == code[open_at]:
                depth += 1
            elif code[i] == close:
                depth -= 1
                if depth == 0:
                    ranges.append((code.count("\n", 0, open_at) + 1, code.count("\n", 0, i) + 1, open_at, i))
                    break
    return ranges


def lizard_rust_artifacts(code: str, lines_from: int, lines_to: int, macros) -> int:
    """What lizard 1.24 counts in a Rust function that METRICS.md does not: `where` (a
    documented deviation), decisions inside macro arguments (documented), and two token
    artifacts: a `||` that opens a closure and a `&&` that is a double reference."""
    starts = [0] + [i + 1 for i, c in enumerate(code) if c == "\n"]
    lo = starts[lines_from - 1]
    hi = starts[lines_to] if lines_to < len(starts) else len(code)
    inside = [(a, b) for _, _, a, b in macros if lo <= a < hi]
    extra = 0
    for m in re.finditer(r"\bwhere\b|&&|\|\||\b(?:if|for|while|case)\b|\?", code[lo:hi]):
        pos = lo + m.start()
        in_macro = any(a < pos < b for a, b in inside)
        extra += m.group(0) == "where" or in_macro or is_token_artifact(m.group(0), code[lo:pos].rstrip())
    return extra


def is_token_artifact(token: str, before: str) -> bool:
    """A `||` that opens a closure, or a `&&` that is a double reference (from what precedes)."""
    if token == "||":
        return not before or before[-1] in "(,=|{;>" or bool(re.search(r"\b(move|return|in)$", before))
    if token == "&&":
        return not before or before[-1] in "(,:<=&[{;" or bool(re.search(r"\b(mut|as|in|return|dyn|impl)$|->$", before))
    return False


def run_lizard(root: Path, language: str) -> dict[str, list[dict]]:
    files = [str(p) for p in source_files(root, language)]
    out = {}
    with ProcessPoolExecutor() as pool:
        for path, functions in zip(files, pool.map(lizard_file, files, chunksize=16)):
            out[os.path.relpath(path, root)] = comparable_functions(path, functions, language)
    return out


def comparable_functions(path: str, functions: list[dict], language: str) -> list[dict]:
    """lizard's functions that METRICS.md measures: with a body, and (Rust) not macro text."""
    if language == "python":
        return functions
    text = Path(path).read_text(errors="replace")
    lines = text.splitlines()
    functions = [f for f in functions if has_body(lines, f["line"])]
    if language != "rust":
        return functions
    # Functions in macro_rules! templates or macro arguments are macro text, which METRICS.md
    # does not measure.
    code = rust_code(text)
    macros = macro_ranges(code)
    return [
        dict(f, artifacts=lizard_rust_artifacts(code, f["line"], f["end"], macros))
        for f in functions
        if "$" not in f["name"] and not any(a < f["line"] <= b for a, b, _, _ in macros)
    ]


def complexipy_file(path: str) -> list[dict]:
    import complexipy  # noqa: PLC0415

    try:
        result = complexipy.file_complexity(path)
    except Exception as e:  # noqa: BLE001 (a file the anchor cannot read is left out, and counted)
        return [{"error": str(e)}]
    # complexipy starts a decorated function at its first decorator; METRICS.md at its `def`.
    def_line = {}
    try:
        for node in ast.walk(ast.parse(Path(path).read_bytes())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.decorator_list:
                def_line[min(d.lineno for d in node.decorator_list)] = node.lineno
    except (SyntaxError, ValueError):
        pass
    return [
        {"line": def_line.get(f.line_start, f.line_start), "name": f.name, "value": f.complexity}
        for f in result.functions
    ]


def run_complexipy(root: Path) -> dict[str, list[dict]]:
    files = [str(p) for p in source_files(root, "python")]
    out = {}
    with ProcessPoolExecutor() as pool:
        for path, functions in zip(files, pool.map(complexipy_file, files, chunksize=16)):
            out[os.path.relpath(path, root)] = [f for f in functions if "error" not in f]
    return out


def run_eslint(root: Path, language: str) -> tuple[dict, dict, int]:
    out = subprocess.run(
        ["node", str(HERE / "anchors" / "eslint.mjs"), str(root)], capture_output=True, text=True
    )
    if out.returncode != 0:
        sys.exit(f"the ESLint anchor failed:\n{out.stderr}")
    cyclomatic, cognitive, fatal = eslint_rows(out.stdout, EXTENSIONS[language])
    return cyclomatic, with_zero_cognitive(cyclomatic, cognitive), fatal


def eslint_rows(output: str, language_exts: tuple[str, ...]) -> tuple[dict, dict, int]:
    """The anchor's cyclomatic and cognitive rows per file, and how many files it could not
    parse (left out: not comparable)."""
    cyclomatic, cognitive = collections.defaultdict(list), collections.defaultdict(list)
    fatal = 0
    for line in output.splitlines():
        m = json.loads(line)
        if not m["file"].endswith(language_exts) or cyclomatic.get(m["file"], []) is None:
            continue
        if "fatal" in m:
            fatal += 1
            cyclomatic[m["file"]] = None
            continue
        # ESLint also scores class field initializers and static blocks; they are not functions.
        if m["rule"] == "complexity" and m["message"].startswith(("Class field", "Class static")):
            continue
        row = {"line": m["line"], "column": m["column"], "value": m["value"], "name": m["message"]}
        (cyclomatic if m["rule"] == "complexity" else cognitive)[m["file"]].append(row)
    return {f: v for f, v in cyclomatic.items() if v is not None}, cognitive, fatal


def with_zero_cognitive(cyclomatic: dict, cognitive: dict) -> dict:
    """sonarjs is silent about functions that score 0: every function ESLint lists that sonarjs
    does not is a 0. sonarjs puts its message on a declaration's name and on an arrow's `=>`,
    ESLint on the `function` keyword and on the key of a property holding an arrow: a sonarjs
    message belongs to the function whose ESLint head is the last one not after it."""
    full_cognitive = {}
    for file, functions in cyclomatic.items():
        heads = sorted(((r["line"], r["column"]) for r in functions))
        values = {}
        for m in cognitive.get(file, []):
            i = bisect.bisect_right(heads, (m["line"], m["column"])) - 1
            if i >= 0:
                values[heads[i]] = m["value"]
        full_cognitive[file] = [dict(r, value=values.get((r["line"], r["column"]), 0)) for r in functions]
    return full_cognitive


# ---------------------------------------------------------------- pairing and scoring


def pair(ours: list[dict], theirs: dict[str, list[dict]], metric: str):
    """Yields (anchor row, our row or None) for every function the anchor reports."""
    by_file = collections.defaultdict(lambda: collections.defaultdict(list))
    for r in ours:
        if r.get(metric) is not None:
            by_file[r["file"]][r["start_line"]].append(r)
    for file, functions in sorted(theirs.items()):
        for a, r in pair_in_file(by_file[file], functions):
            yield file, a, r


def pair_in_file(ours_by_line: dict, functions: list[dict]):
    """The anchor's functions of one file with ours on the same line, in column order; none
    where the two do not report as many functions on that line."""
    anchor_by_line = collections.defaultdict(list)
    for f in functions:
        anchor_by_line[f["line"]].append(f)
    for line, anchored in sorted(anchor_by_line.items()):
        mine = sorted(ours_by_line.get(line, []), key=lambda r: r["start_column"])
        anchored.sort(key=lambda f: f.get("column", 0))
        same = len(mine) == len(anchored)
        for i, a in enumerate(anchored):
            yield a, (mine[i] if same else None)


# Expressions complexipy 8.3 does not descend into (found by probing it, see docs/metrics.md):
# keyword arguments, binary-operator operands (`"%s" % (...)`), subscripts, await, yield,
# f-strings, starred expressions, and a call under `not`. debtgate visits every expression.
SKIPPED_BY_COMPLEXIPY = (ast.keyword, ast.BinOp, ast.Subscript, ast.Await, ast.Yield, ast.YieldFrom, ast.JoinedStr, ast.Starred)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def divergence_cost(path: Path, line: int) -> int | None:
    """What debtgate's documented divergences from complexipy add to the function on `line`:
    +1 per `else` of for/while/try, plus the cognitive cost of the expressions complexipy does
    not visit. None when the file does not parse here."""
    target = function_at(path, line)
    if target is None:
        return None
    nesting_nodes = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.ExceptHandler, ast.Match, ast.IfExp, ast.Lambda) + COMPREHENSIONS
    total = 0
    stack = [(child, 0, False, target) for child in ast.iter_child_nodes(target)]
    while stack:
        node, nesting, skipped, parent = stack.pop()
        total += isinstance(node, (ast.For, ast.AsyncFor, ast.While, ast.Try)) and bool(node.orelse)
        skipped = skipped or not_visited(node, parent)
        if skipped:
            total += unvisited_cost(node, nesting)
        child_nesting = nesting + (1 if isinstance(node, nesting_nodes) else 0)
        stack += [(child, child_nesting, skipped, node) for child in ast.iter_child_nodes(node)]
    return total


def not_visited(node, parent) -> bool:
    """Whether complexipy leaves `node` (and all under it) out."""
    return isinstance(node, SKIPPED_BY_COMPLEXIPY) or (isinstance(node, ast.Call) and isinstance(parent, ast.UnaryOp))


def function_at(path: Path, line: int):
    """The `def` on `line` of the file, if it parses here."""
    try:
        tree = ast.parse(path.read_bytes())
    except (SyntaxError, ValueError):
        return None
    functions = (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
    return next((n for n in functions if n.lineno == line), None)


def unvisited_cost(node, nesting: int) -> int:
    """The cognitive cost of one node inside an expression complexipy does not visit."""
    if isinstance(node, ast.IfExp):
        return 1 + nesting
    if isinstance(node, ast.BoolOp):
        return 1
    if isinstance(node, COMPREHENSIONS):
        return sum(1 + nesting + len(g.ifs) for g in node.generators)
    return 0


def score(run: tuple[str, str, str, dict], ours: list[dict], root: Path, worst: int):
    """One anchor's agreement: `run` is (language, metric, anchor, the anchor's functions)."""
    language, metric, anchor, theirs = run
    pairs = list(pair(ours, theirs, metric))
    matched = [(f, a, r) for f, a, r in pairs if r is not None]
    explained, diffs = disagreements(language, metric, root, matched)
    missing = [(f, a) for f, a, r in pairs if r is None]
    return agreement_row(run, pairs, matched, explained), diffs[:worst], missing[:worst]


def disagreements(language: str, metric: str, root: Path, matched) -> tuple[int, list]:
    """How many differences a documented divergence explains, and the rest, largest first."""
    found = [disagreement(language, metric, root, m) for m in matched]
    diffs = [d for d in found if d is not None and d != "explained"]
    diffs.sort(key=lambda d: (-d[0], d[1], d[2]["start_line"]))
    return found.count("explained"), diffs


def disagreement(language: str, metric: str, root: Path, match):
    """None where ours equals the anchor's value, "explained" where a documented divergence
    accounts for the difference, else (size, file, ours, anchor's, note)."""
    f, a, r = match
    if r[metric] == a["value"]:
        return None
    note = ""
    if language == "python" and metric == "cognitive":
        divergence = divergence_cost(root / f, r["start_line"])
        if divergence is not None and r[metric] - a["value"] == divergence:
            return "explained"
        note = f" (divergences account for {divergence})"
    if language == "rust" and metric == "cyclomatic" and a["value"] - r[metric] == a.get("artifacts"):
        return "explained"
    return (abs(r[metric] - a["value"]), f, r, a, note)


def agreement_counts(matched, metric: str) -> tuple[int, int, int]:
    """Functions equal to the anchor, within 1 of it, and within 1 of lizard's Rust figures
    less what METRICS.md documents it counts and debtgate does not."""
    exact = sum(1 for _, a, r in matched if r[metric] == a["value"])
    within1 = sum(1 for _, a, r in matched if abs(r[metric] - a["value"]) <= 1)
    adjusted = sum(1 for _, a, r in matched if abs(r[metric] - (a["value"] - a.get("artifacts", 0))) <= 1)
    return exact, within1, adjusted


def agreement_row(run, pairs, matched, explained: int) -> dict:
    language, metric, anchor, _ = run
    exact, within1, adjusted_within1 = agreement_counts(matched, metric)
    pct = lambda n: 100.0 * n / len(matched) if matched else 0.0  # noqa: E731
    documented = (language, metric) in (("python", "cognitive"), ("rust", "cyclomatic"))
    return {
        "language": language,
        "metric": metric,
        "anchor": anchor,
        "functions": len(pairs),
        "coverage": 100.0 * len(matched) / len(pairs) if pairs else 0.0,
        "exact": pct(exact),
        "within1": pct(within1),
        "adjusted_within1": pct(adjusted_within1) if language == "rust" else None,
        "explained": pct(exact + explained) if documented else None,
    }


def anchor_runs(language: str, root: Path) -> list[tuple[str, str, str, dict]]:
    """(language, metric, anchor, its functions) for each anchor of the language."""
    if language in ("javascript", "typescript"):
        cyclomatic, cognitive, fatal = run_eslint(root, language)
        if fatal:
            print(f"{language}: ESLint could not parse {fatal} file(s); they are left out")
        return [(language, "cognitive", "sonarjs 4.2.2", cognitive), (language, "cyclomatic", "eslint 9.39.5", cyclomatic)]
    if language == "python":
        return [(language, "cognitive", "complexipy 8.3.0", run_complexipy(root)), (language, "cyclomatic", "lizard 1.24.3", run_lizard(root, language))]
    return [(language, "cyclomatic", "lizard 1.24.3", run_lizard(root, language))]


def print_disagreements(run, diffs, missing) -> None:
    language, metric, anchor, _ = run
    print(f"\n## {language} {metric} vs {anchor}: worst disagreements (ours vs anchor)")
    for d, f, r, a, note in diffs:
        print(f"  {f}:{r['start_line']} {r['qualified_name']}: {r[metric]} vs {a['value']}{note}")
    if missing:
        print(f"  functions the anchor reports that we do not pair (first {len(missing)}):")
        for f, a in missing:
            print(f"    {f}:{a['line']} {a['name'][:60]}")


def table_line(r: dict) -> str:
    exact = f"{r['exact']:.2f} %"
    if r["explained"] is not None:
        exact += f" ({r['explained']:.2f} % with the documented divergences)"
    kind, threshold = TARGETS.get((r["language"], r["metric"]), ("exact", 0))
    within1 = f"{r['within1']:.2f} %"
    if r["adjusted_within1"] is not None:
        within1 += f" ({r['adjusted_within1']:.2f} % with the documented divergences)"
    if kind == "within1" and r["adjusted_within1"] is not None:
        value = r["adjusted_within1"]
    else:
        value = r["explained"] if r["explained"] is not None and kind == "exact" else r[kind]
    verdict = "met" if value >= threshold and r["coverage"] >= 99.0 else "NOT met"
    return (
        f"| {r['language']} | {r['metric']} | {r['anchor']} | {r['functions']} | {r['coverage']:.2f} % "
        f"| {exact} | {within1} | {kind} ≥ {threshold} %, coverage ≥ 99 %: {verdict} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("languages", nargs="*", default=list(EXTENSIONS))
    parser.add_argument("--debtgate", default=str(HERE.parent / "target" / "release" / "debtgate"))
    parser.add_argument("--worst", type=int, default=8, help="disagreements listed per metric")
    args = parser.parse_args()

    table = []
    for language in args.languages:
        root = CORPUS / language
        if not root.is_dir():
            sys.exit(f"{root}: no corpus; run bench/corpus.sh {language} first")
        ours = run_debtgate(args.debtgate, root, language)
        for run in anchor_runs(language, root):
            row, diffs, missing = score(run, ours, root, args.worst)
            table.append(row)
            print_disagreements(run, diffs, missing)

    print("\n| language | metric | anchor | functions | coverage | exact | within ±1 | target |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | --- |")
    for r in table:
        print(table_line(r))


if __name__ == "__main__":
    main()
