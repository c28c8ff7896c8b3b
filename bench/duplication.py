#!/usr/bin/env python3
"""Planted-clone benchmark for `debtgate check`'s duplication pass, side by side with jscpd.

    bench/duplication.sh                 # fetches the corpus and jscpd, then runs this

It commits a pinned real package (Django 5.1.4's sdist, ~500k lines of Python, code nobody here
wrote) as the base of a fresh repository, then plants known clones of its own functions in a
head commit spread over 20 new files: type-1 (verbatim), type-2 (every identifier renamed,
every literal changed) and type-3 (a statement inserted in the middle). It prints, for debtgate
and for jscpd on the same tree: recall per clone type, findings that match no planted clone,
findings on lines the change did not add, wall time and peak memory; for debtgate both a cold
run (empty token cache) and a warm one.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import keyword
import os
import random
import shutil
import subprocess
import sys
import textwrap
import tokenize
from pathlib import Path

from benchlib import git, timed

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("DEBTGATE_BENCH_CACHE", HERE / ".cache"))
CORPUS = CACHE / "corpus" / "python" / "Django-5.1.4" / "Django-5.1.4"
BUILTINS = set(dir(__builtins__)) | {"self", "cls", "super"}




def candidates(root: Path, rng: random.Random) -> list[tuple[str, str]]:
    """Top-level functions and methods of 10-40 lines, as (source path, dedented text)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if "/tests/" not in f"/{rel}":
            found += [(rel, body) for body in clone_sized_functions(path.read_text(errors="replace"))]
    rng.shuffle(found)
    return found


def clone_sized_functions(text: str) -> list[str]:
    """The undecorated functions of 10-40 lines holding 60 tokens or more: a clone is 50
    tokens or more (METRICS.md), and a docstring-heavy function of 10 lines may hold fewer."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    lines = text.splitlines()
    bodies = (
        textwrap.dedent("\n".join(lines[node.lineno - 1 : node.end_lineno])) + "\n"
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and not node.decorator_list
        and 10 <= node.end_lineno - node.lineno + 1 <= 40
    )
    return [body for body in bodies if code_tokens(body) >= 60]


def code_tokens(source: str) -> int:
    """Tokens as a clone detector counts them: no comments, no layout."""
    layout = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    try:
        return sum(1 for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type not in layout)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return 0


def rename(source: str, salt: str) -> str | None:
    """Type-2: every identifier renamed, every number and plain string changed."""
    try:
        tokens = tokenize.generate_tokens(io.StringIO(source).readline)
        return tokenize.untokenize([(t.type, renamed(t.type, t.string, salt)) for t in tokens])
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None


def renamed(kind: int, text: str, salt: str) -> str:
    if kind == tokenize.NAME and not keyword.iskeyword(text) and text not in BUILTINS:
        return f"{text}_{salt}"
    if kind == tokenize.NUMBER:
        return "7" if text != "7" else "8"
    if kind == tokenize.STRING and text[:1] in "'\"" and "\n" not in text:
        return repr(f"changed {salt}")
    return text


def insert_statement(source: str) -> str | None:
    """Type-3: one statement inserted halfway through the body."""
    lines = source.splitlines()
    for i in range(len(lines) // 2, len(lines)):
        line = lines[i]
        stripped = line.lstrip()
        prev = lines[i - 1].rstrip()
        if stripped and not stripped.startswith(("#", ")", "]", "}", "else", "elif", "except", "finally")) and not prev.endswith(("(", "[", "{", ",", "\\")):
            indent = line[: len(line) - len(stripped)]
            planted = lines[:i] + [f"{indent}planted_marker = locals()"] + lines[i:]
            text = "\n".join(planted) + "\n"
            try:
                ast.parse(text)
            except SyntaxError:
                return None
            return text
    return None


def build(repo: Path, per_type: int, seed: int):
    rng = random.Random(seed)
    shutil.copytree(CORPUS, repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base: Django 5.1.4")
    base = git(repo, "rev-parse", "HEAD").strip()

    pool = candidates(repo, rng)
    planted = []  # (path, start, end, type, source path)
    files = {i: [] for i in range(20)}
    chosen = 0
    for kind in ("type-1", "type-2", "type-3"):
        made = 0
        while made < per_type and chosen < len(pool):
            src, text = pool[chosen]
            chosen += 1
            if kind == "type-2":
                text = rename(text, f"r{chosen}")
            elif kind == "type-3":
                text = insert_statement(text)
            if text is None:
                continue
            files[(len(planted)) % 20].append((kind, src, text))
            planted.append(None)
            made += 1
    planted = []
    for i, items in files.items():
        path = f"planted/module_{i:02d}.py"
        lines = ['"""Planted clones for the duplication benchmark."""', ""]
        for kind, src, text in items:
            lines += ["", ""]
            start = len(lines) + 1
            lines += text.rstrip("\n").splitlines()
            planted.append((path, start, len(lines), kind, src))
        (repo / "planted").mkdir(exist_ok=True)
        (repo / path).write_text("\n".join(lines) + "\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "head: planted clones")
    # Packed, as a CI clone is.
    git(repo, "repack", "-adq")
    return base, planted




def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def found(regions: list[tuple[str, int, int]], clone) -> bool:
    """Whether a reported region overlaps the planted clone."""
    return any(r[0] == clone[0] and overlaps((r[1], r[2]), (clone[1], clone[2])) for r in regions)


def recall_cells(regions: list[tuple[str, int, int]], planted) -> str:
    """Each clone type's recall, as the table's cells."""
    cells = []
    for kind in ("type-1", "type-2", "type-3"):
        mine = [p for p in planted if p[3] == kind]
        hit = sum(1 for p in mine if found(regions, p))
        cells.append(f"{hit}/{len(mine)} = {100.0 * hit / max(len(mine), 1):.1f} %")
    return " | ".join(cells)


def score(name: str, regions: list[tuple[str, int, int]], planted, added_paths: set[str], wall: str, rss: float):
    """regions: (path, start, end) of every reported copy (either side, for jscpd)."""
    unmatched = [r for r in regions if r[0] in added_paths and not found(planted, r)]
    outside = [r for r in regions if r[0] not in added_paths]
    print(f"| {name} | {recall_cells(regions, planted)} | {len(unmatched)} | {len(outside)} | {wall} | {rss:.0f} MB |")
    if os.environ.get("DEBTGATE_BENCH_MISSED"):
        for p in (p for p in planted if not found(regions, p)):
            print(f"    missed {p[3]} {p[0]}:{p[1]}-{p[2]} (copy of {p[4]})", file=sys.stderr)


def debtgate_runs(debtgate: str, repo: Path, base: str, work: Path, planted, added_paths: set[str]):
    """Cold (an empty token cache every time) and warm, the best of three each; returns the
    gate's duplicated-lines condition."""

    def run(cache: Path):
        proc, wall, rss = timed([debtgate, "check", "--base", base, "--format", "json", "--cache-dir", str(cache)], repo)
        if proc.returncode not in (0, 1):
            sys.exit(f"debtgate failed:\n{proc.stderr}")
        return json.loads(proc.stdout), wall, rss

    cold = [run(work / f"token-cache-{rep}") for rep in range(3)]
    warm = [run(work / "token-cache-2") for _ in range(3)]
    if len({json.dumps(r[0], sort_keys=True) for r in cold + warm}) != 1:
        sys.exit("debtgate gave different reports for the same inputs")
    for label, measured in (("debtgate (cold cache)", cold), ("debtgate (warm cache)", warm)):
        regions = copies_reported(measured[0][0])
        score(label, regions, planted, added_paths, f"{min(m[1] for m in measured):.2f} s", max(m[2] for m in measured))
    return next(iter(cold[0][0].get("conditions", [])), None)


def copies_reported(report: dict) -> list[tuple[str, int, int]]:
    """The copies debtgate reports, as (path, start, end)."""
    return [(f["path"], f["function_line"], f["function_end_line"]) for f in report["findings"] if f["rule_id"] == "duplicated-block"]


def jscpd_regions(report: dict, repo: Path) -> list[tuple[str, int, int]]:
    """Both sides of every copy jscpd reports, as repository paths."""
    regions = []
    for d in report.get("duplicates", []):
        for f in (d["firstFile"], d["secondFile"]):
            name = f["name"]
            name = os.path.relpath(name, repo) if os.path.isabs(name) else name.removeprefix("./")
            regions.append((name, f.get("start", f.get("startLoc", {}).get("line")), f.get("end", f.get("endLoc", {}).get("line"))))
    return regions


def jscpd_runs(jscpd: Path, repo: Path, work: Path, planted, added_paths: set[str]) -> None:
    version = subprocess.run([str(jscpd), "--version"], capture_output=True, text=True).stdout.strip()
    for label, extra in (
        (f"{version} (defaults)", []),
        (f"{version} (--ignore-identifiers --ignore-literals)", ["--ignore-identifiers", "--ignore-literals"]),
        (f"{version} (type-2 flags, --max-gap-lines 2)", ["--ignore-identifiers", "--ignore-literals", "--max-gap-lines", "2"]),
    ):
        out = work / f"jscpd-{len(extra)}"
        cmd = [str(jscpd), "--min-tokens", "50", "--min-lines", "6", "--format", "python", "--reporters", "json", "--output", str(out), *extra, "."]
        best = [timed(cmd, repo) for _ in range(3)]
        wall, rss = min(b[1] for b in best), max(b[2] for b in best)
        reports = list(out.rglob("*.json"))
        if not reports:
            print(f"| {label} | failed: {best[-1][0].stderr.strip()[:200]} |")
            continue
        regions = jscpd_regions(json.loads(reports[0].read_text()), repo)
        # jscpd judges the whole tree: only copies touching the planted files are comparable.
        score(label, [r for r in regions if r[0] in added_paths], planted, added_paths, f"{wall:.2f} s", rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-type", type=int, default=60)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--debtgate", default=str(HERE.parent / "target" / "release" / "debtgate"))
    parser.add_argument("--jscpd", default=str(HERE / "anchors" / "node_modules" / ".bin" / "jscpd"))
    args = parser.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"{CORPUS}: no corpus; run bench/corpus.sh python first")

    work = CACHE / "duplication"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    repo = work / "repo"
    base, planted = build(repo, args.per_type, args.seed)
    lines = sum(1 for p in repo.rglob("*.py") for _ in open(p, errors="replace"))
    added_paths = {p[0] for p in planted}
    print(f"repository: Django 5.1.4 + {len(planted)} planted clones in 20 new files; {lines:,} lines of Python at head")
    print(f"command: bench/duplication.sh --per-type {args.per_type} --seed {args.seed}\n")
    print("| tool | type-1 recall | type-2 recall | type-3 recall | findings matching no planted clone | findings outside added lines | wall | peak memory |")
    print("| --- | --- | --- | --- | ---: | ---: | ---: | ---: |")

    # Each figure is the best of three runs (this machine is shared and noisy).
    density = debtgate_runs(args.debtgate, repo, base, work, planted, added_paths)
    jscpd = Path(args.jscpd)
    if jscpd.exists():
        jscpd_runs(jscpd, repo, work, planted, added_paths)
    else:
        print(f"| jscpd | not installed at {jscpd} (bench/duplication.sh installs it) |")
    if density:
        print(f"\ndebtgate gate condition: {density['name']} = {density['value']:.2f} % ({density['detail']})")


if __name__ == "__main__":
    main()
