#!/usr/bin/env python3
"""Scale: `debtgate check` on generated repositories of 10k, 30k and 100k files, each change
adding 50,000 lines over 5,000 files, with an LCOV report of about 10 KB a file (1 GB at 100k
files). Prints time and peak memory per size and the growth per file, so a quadratic step
would show as a growing ratio.

    bench/scale.sh [FILES...]        # default: 10000 30000 100000
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from benchlib import git, timed

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("DEBTGATE_BENCH_CACHE", HERE / ".cache"))
DEBTGATE = str(HERE.parent / "target" / "release" / "debtgate")
CHANGED_FILES = 5000
ADDED_PER_FILE = 10
LCOV_LINES_PER_FILE = 1000




def source(i: int, extra: int = 0) -> str:
    body = "".join(f"    v{j} = a * {i + j} + {j}\n" for j in range(extra))
    return f"def f{i}(a):\n    if a > {i}:\n        return a - {i}\n{body}    return a + {i}\n"


def build(files: int, work: Path) -> tuple[Path, str, Path]:
    repo = work / f"repo-{files}"
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    for i in range(files):
        d = repo / f"src/d{i // 1000:03d}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"f{i:06d}.py").write_text(source(i))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    base = git(repo, "rev-parse", "HEAD").strip()
    step = files // CHANGED_FILES
    for i in range(0, files, step):
        (repo / f"src/d{i // 1000:03d}/f{i:06d}.py").write_text(source(i, ADDED_PER_FILE))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "head")
    git(repo, "repack", "-adq")
    lcov = work / f"lcov-{files}.info"
    block = "".join(f"DA:{j},{j % 3}\n" for j in range(1, LCOV_LINES_PER_FILE + 1))
    with lcov.open("w") as out:
        for i in range(files):
            out.write(f"SF:/ci/build/src/d{i // 1000:03d}/f{i:06d}.py\n{block}end_of_record\n")
    return repo, base, lcov


def measure(repo: Path, base: str, lcov: Path) -> tuple[float, float, dict]:
    p, wall, rss = timed([DEBTGATE, "check", "--base", base, "--coverage", str(lcov), "--format", "json", "--no-cache"], repo)
    if p.returncode not in (0, 1):
        sys.exit(f"debtgate could not judge: {p.stderr}")
    return wall, rss, json.loads(p.stdout)


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 30_000, 100_000]
    work = CACHE / "scale"
    work.mkdir(parents=True, exist_ok=True)
    print(f"command: bench/scale.sh {' '.join(map(str, sizes))}")
    print(f"machine: {os.cpu_count()} cores\n")
    print("| files | lines | change | LCOV | wall | peak memory | µs per file |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for files in sizes:
        repo, base, lcov = build(files, work)
        lines = sum(1 for p in (repo / "src").rglob("*.py") for _ in p.open())
        runs = [measure(repo, base, lcov) for _ in range(2)]
        wall = min(r[0] for r in runs)
        rss = max(r[1] for r in runs)
        report = runs[0][2]
        added = report["coverage"]["patch"]["executable"] + sum(f["not_executable"] for f in report["coverage"]["patch"]["files"])
        print(
            f"| {files:,} | {lines:,} | {added:,} lines in {report['summary']['files_changed']:,} files | "
            f"{lcov.stat().st_size / 1e9:.2f} GB | {wall:.2f} s | {rss:.0f} MB | {1e6 * wall / files:.1f} |"
        )
        lcov.unlink()
        shutil.rmtree(repo)


if __name__ == "__main__":
    main()
