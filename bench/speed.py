#!/usr/bin/env python3
"""Where debtgate's time goes, side by side with the floor and the peers, in one run.

    bench/speed.sh                        # fetches what it needs, builds, runs this

1. `metrics` beside the parse floor (examples/parse_floor.rs: the same files parsed with the
   same grammars on the same threads, nothing measured), per corpus language, and beside the
   walk floor (the same, plus one bare cursor walk over every node).
2. A coverage-only `check` (every other rule off) beside diff-cover 11.0.1 on the same change
   and LCOV: Django's Python files with ten lines added to each.
3. Duplication on the planted-clone repository of bench/duplication.sh (Django-sized), cold
   (empty token cache) and warm, beside jscpd 5.3.3 on the same tree.
4. Scaling: `metrics` on the Python corpus copied 1x, 2x, 4x and 8x; CPU seconds per 100k
   lines should stay flat.
5. Duplication scaling: Django copied 1x, 2x, 4x and 8x (each copy's files made distinct
   blobs), one new file that copies 200 lines of one of them. A cold run grows with the tree;
   a warm one reads only the cached blobs that hold a window of the change, so it should not.

Every figure is the smallest CPU time (user + system) of three runs (DEBTGATE_BENCH_RUNS) and
the largest peak memory: the machine is shared, and noise only ever adds time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchlib import GIT_ENV

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("DEBTGATE_BENCH_CACHE", HERE / ".cache"))
CORPUS = CACHE / "corpus"
DEBTGATE = str(HERE.parent / "target" / "release" / "debtgate")
FLOOR = str(HERE.parent / "target" / "release" / "examples" / "parse_floor")
DIFF_COVER = CACHE / "venv" / "bin" / "diff-cover"
JSCPD = HERE / "anchors" / "node_modules" / ".bin" / "jscpd"
LANGUAGES = ["python", "javascript", "typescript", "rust", "go", "java"]
RUNS = int(os.environ.get("DEBTGATE_BENCH_RUNS", "3"))


def cpu(cmd: list[str], cwd: Path | None = None, runs: int = RUNS, setup=None) -> tuple[float, float]:
    """Smallest CPU seconds and largest peak MB of `runs` runs (`setup` before each)."""
    best, peak = float("inf"), 0.0
    for _ in range(runs):
        if setup:
            setup()
        with tempfile.NamedTemporaryFile("r") as t:
            subprocess.run(["/usr/bin/time", "-o", t.name, "-f", "%U %S %M", *cmd], cwd=cwd,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=GIT_ENV)
            user, system, rss = t.read().strip().splitlines()[-1].split()
        best = min(best, float(user) + float(system))
        peak = max(peak, int(rss) / 1024)
    return best, peak


def lines_of(root: Path, suffixes: tuple[str, ...]) -> int:
    return sum(sum(1 for _ in open(p, "rb")) for p in root.rglob("*") if p.suffix in suffixes and p.is_file())


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, env=GIT_ENV, check=True, capture_output=True, text=True).stdout


def parse_floor() -> list[str]:
    out = ["\n### 1. `metrics` beside the parse floor\n",
           "The walk floor adds one bare cursor walk over every node to the parse: the least a measure can cost.\n",
           "| language | floor CPU s | walk floor CPU s | metrics CPU s | ratio | ratio to the walk floor | metrics peak MB |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for lang in LANGUAGES:
        root = CORPUS / lang
        if not root.is_dir():
            out.append(f"| {lang} | no corpus (bench/corpus.sh {lang}) | | | | | |")
            continue
        floor, _ = cpu([FLOOR, str(root)])
        walk, _ = cpu([FLOOR, "--walk", str(root)])
        metrics, rss = cpu([DEBTGATE, "metrics", "--format", "jsonl", str(root)])
        out.append(f"| {lang} | {floor:.2f} | {walk:.2f} | {metrics:.2f} | {metrics / floor:.2f}x | {metrics / walk:.2f}x | {rss:.0f} |")
    return out


def coverage_repo(repo: Path, source: Path, files: list[Path]) -> None:
    """Django's Python files at base; ten lines added to each at head; LCOV of every line."""
    shutil.rmtree(repo, ignore_errors=True)
    shutil.copytree(source, repo / "django")
    git(repo, "init", "-q", "-b", "main")
    rules = ["cognitive-complexity", "cyclomatic-complexity", "duplicated-block", "file-complexity",
             "function-length", "nesting-depth", "parameter-count", "invalid-suppression"]
    (repo / "debtgate.toml").write_text("".join(f"[rules.{r}]\nenabled = false\n" for r in rules))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    for f in files:
        with open(repo / "django" / f, "a") as out:
            out.write("".join(f"\n_bench_{k} = {k}" for k in range(10)) + "\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "head")
    with open(repo / "coverage.info", "w") as lcov:
        for f in files:
            n = sum(1 for _ in open(repo / "django" / f, "rb"))
            lcov.write(f"SF:django/{f}\n" + "".join(f"DA:{j},{j % 3}\n" for j in range(1, n + 1)) + "end_of_record\n")


def coverage_only(work: Path) -> list[str]:
    source = CORPUS / "python" / "Django-5.1.4" / "Django-5.1.4" / "django"
    repo = work / "coverage-repo"
    files = sorted(p.relative_to(source) for p in source.rglob("*.py"))
    if not (repo / ".git").is_dir():
        coverage_repo(repo, source, files)
    base = git(repo, "rev-parse", "HEAD~1").strip()
    out = [f"\n### 2. Coverage only: {len(files):,} Python files, {10 * len(files):,} added lines, LCOV of every line\n",
           "| tool | CPU s | peak MB | ratio |", "| --- | ---: | ---: | ---: |"]
    ours, rss = cpu([DEBTGATE, "check", "--base", base, "--coverage", "coverage.info", "--no-cache", "--format", "json"], repo)
    if not DIFF_COVER.exists():
        return out + [f"| debtgate | {ours:.2f} | {rss:.0f} | (no diff-cover at {DIFF_COVER}) |"]
    theirs, their_rss = cpu([str(DIFF_COVER), "coverage.info", "--compare-branch", base], repo)
    return out + [f"| debtgate | {ours:.2f} | {rss:.0f} | {ours / theirs:.2f}x |",
                  f"| diff-cover 11.0.1 | {theirs:.2f} | {their_rss:.0f} | 1 |"]


def duplication() -> list[str]:
    repo = CACHE / "duplication" / "repo"
    if not (repo / ".git").is_dir():
        return ["\n### 3. Duplication: no planted-clone repository (run bench/duplication.sh once)"]
    base = git(repo, "rev-list", "--max-parents=0", "HEAD").split()[0]
    cache = Path(tempfile.mkdtemp())
    out = ["\n### 3. Duplication on the planted-clone repository (Django 5.1.4 + 20 files)\n",
           "| tool | CPU s | peak MB | CPU ratio | memory ratio |", "| --- | ---: | ---: | ---: | ---: |"]
    check = [DEBTGATE, "check", "--base", base, "--format", "json", "--cache-dir", str(cache)]
    cold = cpu(check, repo, setup=lambda: shutil.rmtree(cache, ignore_errors=True))
    warm = cpu(check, repo)
    shutil.rmtree(cache, ignore_errors=True)
    rows = [("debtgate, cold cache", cold), ("debtgate, warm cache", warm)]
    if JSCPD.exists():
        report = Path(tempfile.mkdtemp())
        theirs = cpu([str(JSCPD), "--min-tokens", "50", "--min-lines", "6", "--format", "python", "--reporters", "json",
                      "--output", str(report), "--silent", "."], repo)
        shutil.rmtree(report, ignore_errors=True)
        for label, (c, m) in rows:
            out.append(f"| {label} | {c:.2f} | {m:.0f} | {c / theirs[0]:.2f}x | {m / theirs[1]:.2f}x |")
        out.append(f"| jscpd 5.3.3 | {theirs[0]:.2f} | {theirs[1]:.0f} | 1 | 1 |")
    else:
        out += [f"| {label} | {c:.2f} | {m:.0f} | | |" for label, (c, m) in rows]
    return out


def scaling(work: Path) -> list[str]:
    source = CORPUS / "python"
    lines = lines_of(source, (".py",))
    out = ["\n### 4. Scaling: `metrics` on the Python corpus copied N times\n",
           "| copies | lines | CPU s | CPU s per 100k lines | peak MB |", "| ---: | ---: | ---: | ---: | ---: |"]
    for n in (1, 2, 4, 8):
        root = work / f"scale-{n}"
        if not root.is_dir():
            for k in range(n):
                shutil.copytree(source, root / f"copy{k}", copy_function=os.link)
        c, m = cpu([DEBTGATE, "metrics", "--format", "jsonl", str(root)])
        out.append(f"| {n} | {n * lines:,} | {c:.2f} | {100_000 * c / (n * lines):.3f} | {m:.0f} |")
    return out


def duplication_tree(root: Path, copies: int) -> None:
    """Django copied `copies` times, a line appended to each file so no two copies share a
    blob; then a commit that adds one file copying 200 lines of the first copy."""
    source = CORPUS / "python" / "Django-5.1.4" / "Django-5.1.4" / "django"
    shutil.rmtree(root, ignore_errors=True)
    for k in range(copies):
        shutil.copytree(source, root / f"copy{k}")
        for f in (root / f"copy{k}").rglob("*.py"):
            with open(f, "a") as out:
                out.write(f"# copy {k}\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    query = (root / "copy0" / "db" / "models" / "query.py").read_text().splitlines(keepends=True)
    (root / "copy0" / "new_module.py").write_text("".join(query[:200]))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "copy")


def duplication_scaling(work: Path) -> list[str]:
    out = ["\n### 5. Duplication scaling: a one-file change on Django copied N times\n",
           "| copies | files | cold CPU s | cold peak MB | warm CPU s | warm peak MB |",
           "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    for n in (1, 2, 4, 8):
        root = work / f"dup-scale-{n}"
        if not (root / ".git").is_dir():
            duplication_tree(root, n)
        cache = Path(tempfile.mkdtemp())
        check = [DEBTGATE, "check", "--base", "HEAD~1", "--format", "json", "--cache-dir", str(cache)]
        cold = cpu(check, root, setup=lambda: shutil.rmtree(cache, ignore_errors=True))
        warm = cpu(check, root)
        shutil.rmtree(cache, ignore_errors=True)
        files = len(git(root, "ls-files").splitlines())
        out.append(f"| {n} | {files:,} | {cold[0]:.2f} | {cold[1]:.0f} | {warm[0]:.2f} | {warm[1]:.0f} |")
    return out


def main() -> None:
    for tool in (DEBTGATE, FLOOR):
        if not Path(tool).exists():
            sys.exit(f"{tool}: missing; run bench/speed.sh (it builds both)")
    work = CACHE / "speed"
    work.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True).stdout.strip()
    print(f"command: bench/speed.sh   ({os.cpu_count()} cores, debtgate at {commit}; CPU = user + system, best of {RUNS})")
    sections = sys.argv[1:] or ["floor", "coverage", "duplication", "scaling", "duplication-scaling"]
    runs = {"floor": parse_floor, "coverage": lambda: coverage_only(work), "duplication": duplication,
            "scaling": lambda: scaling(work), "duplication-scaling": lambda: duplication_scaling(work)}
    for name in sections:
        print("\n".join(runs[name]()), flush=True)


if __name__ == "__main__":
    main()
