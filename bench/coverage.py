#!/usr/bin/env python3
"""Patch coverage: debtgate beside diff-cover, on real test suites and at scale.

    bench/coverage.sh

1. Real cases. For each pinned package, two released versions from PyPI are committed as base
   and head of a fresh repository; the head's own test suite runs under coverage.py, which
   writes Cobertura XML, JSON and LCOV. diff-cover (the anchor) and debtgate judge the same
   change with the same reports; the script prints both figures per file and in total, and
   says where and why they differ.
2. Scale. A generated repository of 5,000 files, a 500,000-line LCOV report and a change that
   adds 50,000 lines: debtgate's time and memory (best of three) beside diff-cover's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from benchlib import GIT_ENV, timed

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("DEBTGATE_BENCH_CACHE", HERE / ".cache"))
VENV = CACHE / "venv" / "bin"
DEBTGATE = str(HERE.parent / "target" / "release" / "debtgate")
# (package, base version, head version, the test command's arguments to pytest)
PACKAGES = [
    ("six", "1.16.0", "1.17.0", ["test_six.py"]),
    ("idna", "3.7", "3.8", ["tests"]),
    ("more-itertools", "10.3.0", "10.5.0", ["tests"]),
]


def run(cmd, cwd, check=True, **kw):
    return subprocess.run(cmd, cwd=cwd, env=GIT_ENV, check=check, capture_output=True, text=True, **kw)


def sdist(name: str, version: str) -> Path:
    dest = CACHE / "downloads" / f"pip-{name}-{version}"
    if not any(dest.glob("*.tar.gz")):
        dest.mkdir(parents=True, exist_ok=True)
        run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:", "-d", str(dest), f"{name}=={version}"], cwd=dest)
    return next(dest.glob("*.tar.gz"))


def unpack(archive: Path, into: Path) -> None:
    with tarfile.open(archive) as t:
        top = t.getnames()[0].split("/")[0]
        t.extractall(into.parent / "unpack", filter="data")
    if into.exists():
        shutil.rmtree(into)
    shutil.move(str(into.parent / "unpack" / top), into)
    shutil.rmtree(into.parent / "unpack")


def replace_tree(repo: Path, src: Path) -> None:
    for item in repo.iterdir():
        if item.name != ".git":
            shutil.rmtree(item) if item.is_dir() else item.unlink()
    for item in src.iterdir():
        shutil.move(str(item), repo / item.name)


def commit_release(repo: Path, work: Path, name: str, version: str, side: str) -> str:
    """Commits the released sdist of `name` `version` as the repository's tree; its id."""
    unpack(sdist(name, version), work / f"{side}-src")
    replace_tree(repo, work / f"{side}-src")
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-q", "-m", f"{name} {version}"], repo)
    return run(["git", "rev-parse", "HEAD"], repo).stdout.strip()


def run_tests(repo: Path, work: Path, name: str, tests: list[str]) -> str:
    """The head's own test suite under coverage.py; writes its XML, JSON and LCOV reports
    beside the repository. Returns pytest's last line."""
    tests_run = run([str(VENV / "coverage"), "run", "--branch", "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests], repo, check=False)
    for kind, out in (("xml", "coverage.xml"), ("json", "coverage.json"), ("lcov", "coverage.lcov")):
        run([str(VENV / "coverage"), kind, "-o", out], repo)
    for f in ("coverage.xml", "coverage.json", "coverage.lcov", ".coverage"):
        (repo / f).rename(work / f"{name}-{f.lstrip('.')}")
    return (tests_run.stdout.strip().splitlines() or ["?"])[-1]


def compare_report(report: str, out: subprocess.CompletedProcess, anchor: dict) -> list[str]:
    """One report's rows: debtgate's figures per file beside diff-cover's."""
    if out.returncode not in (0, 1):
        return [f"| {report} | debtgate could not judge: {out.stderr.strip()[:200]} |"]
    mine = {f["path"]: f for f in json.loads(out.stdout)["coverage"]["patch"]["files"]}
    rows = []
    for path, stats in sorted(anchor.get("src_stats", {}).items()):
        theirs = (len(stats["covered_lines"]), len(stats["covered_lines"]) + len(stats["violation_lines"]))
        m = mine.get(path)
        ours = (m["covered"], m["executable"]) if m else (0, 0)
        rows.append(f"| {report} | {path} | {theirs[0]} / {theirs[1]} | {ours[0]} / {ours[1]} | {'yes' if ours == theirs else 'NO'} |")
    return rows + extra_rows(report, mine, anchor)


def extra_rows(report: str, mine: dict, anchor: dict) -> list[str]:
    """Files debtgate judges that diff-cover's report leaves out, and why."""
    rows = []
    for p in (p for p in mine if p not in anchor.get("src_stats", {}) and mine[p]["executable"] > 0):
        m = mine[p]
        why = "a module the report does not know, in a measured directory" if m["unmeasured_module"] else "?"
        rows.append(f"| {report} | {p} | (not in diff-cover's report) | {m['covered']} / {m['executable']} | differs on purpose: {why} |")
    return rows


def real_case(name: str, old: str, new: str, tests: list[str], work: Path) -> list[str]:
    repo = work / f"{name}-repo"
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir(parents=True)
    run(["git", "init", "-q", "-b", "main"], repo)
    base = commit_release(repo, work, name, old, "base")
    commit_release(repo, work, name, new, "head")
    summary = run_tests(repo, work, name, tests)
    dc = run([str(VENV / "diff-cover"), str(work / f"{name}-coverage.xml"), "--compare-branch", base, "--format", f"json:{work / 'dc.json'}"], repo, check=False)
    anchor = json.loads((work / "dc.json").read_text())
    lines = [f"\n### {name} {old} → {new} (pytest: {summary})\n"]
    lines.append("| report | file | diff-cover covered / lines | debtgate covered / lines | agree |")
    lines.append("| --- | --- | ---: | ---: | --- |")
    for report in ("coverage.xml", "coverage.json", "coverage.lcov"):
        out = run([DEBTGATE, "check", "--base", base, "--coverage", str(work / f"{name}-{report}"), "--format", "json", "--no-cache"], repo, check=False)
        lines += compare_report(report, out, anchor)
    lines.append(f"\ndiff-cover total: {anchor.get('total_percent_covered')} % of {anchor.get('total_num_lines')} lines ({dc.returncode=})")
    return lines


FILES, PER_FILE, ADDED_PER_FILE = 5000, 100, 10


def scale_repo(repo: Path) -> str:
    """5,000 C files (read by no parser: the figure is the coverage path), ten lines appended
    to each at head; the base commit."""
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir(parents=True)
    run(["git", "init", "-q", "-b", "main"], repo)
    (repo / "debtgate.toml").write_text("[rules.duplicated-block]\nenabled = false\n")
    for i in range(FILES):
        d = repo / f"src/m{i // 100:02d}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"f{i:04d}.c").write_text("".join(f"int v{j} = {j};\n" for j in range(PER_FILE - ADDED_PER_FILE)))
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-q", "-m", "base"], repo)
    base = run(["git", "rev-parse", "HEAD"], repo).stdout.strip()
    for i in range(FILES):
        with (repo / f"src/m{i // 100:02d}/f{i:04d}.c").open("a") as f:
            f.write("".join(f"int w{j} = {j};\n" for j in range(ADDED_PER_FILE)))
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-q", "-m", "head"], repo)
    run(["git", "repack", "-adq"], repo)
    return base


def write_lcov(path: Path, prefix: str, lines_per_file: int = PER_FILE) -> None:
    with path.open("w") as out:
        for i in range(FILES):
            out.write(f"SF:{prefix}src/m{i // 100:02d}/f{i:04d}.c\n")
            out.write("".join(f"DA:{j},{(i + j) % 3}\n" for j in range(1, lines_per_file + 1)))
            out.write("end_of_record\n")


def debtgate_row(label: str, repo: Path, base: str, report_path: Path, runs: int = 1) -> str:
    timings = [timed([DEBTGATE, "check", "--base", base, "--coverage", str(report_path), "--format", "json", "--no-cache"], repo) for _ in range(runs)]
    r = json.loads(timings[-1][0].stdout)["coverage"]
    mapped = f" ({r['mapped_files']}/{r['report_files']} files mapped)" if label else ""
    wall, rss = min(t[1] for t in timings), max(t[2] for t in timings)
    return f"| debtgate{label} | {r['patch']['covered']} / {r['patch']['executable']} = {r['patch_percent']:.4f} %{mapped} | {wall:.2f} s | {rss:.0f} MB |"


def diff_cover_row(label: str, repo: Path, base: str, report_path: Path, work: Path) -> str:
    dc_json = work / "dc-scale.json"
    dc_json.unlink(missing_ok=True)
    p, wall, rss = timed([str(VENV / "diff-cover"), str(report_path), "--compare-branch", base, "--format", f"json:{dc_json}"], repo)
    if not dc_json.exists():
        return f"| diff-cover 11.0.1{label} | failed: {p.stderr.strip()[-200:]} | {wall:.2f} s | {rss:.0f} MB |"
    dc = json.loads(dc_json.read_text())
    covered = sum(len(s["covered_lines"]) for s in dc["src_stats"].values())
    return f"| diff-cover 11.0.1{label} | {covered} / {dc['total_num_lines']} = {dc['total_percent_covered']} % (exit {p.returncode}) | {wall:.2f} s | {rss:.0f} MB |"


def huge_row(repo: Path, base: str, work: Path) -> str:
    """A 1 GB LCOV: every file listed with 20,000 lines. Memory must not follow the size."""
    huge = work / "huge.info"
    with huge.open("w") as out:
        for i in range(FILES):
            out.write(f"SF:src/m{i // 100:02d}/f{i:04d}.c\n")
            out.write("".join(f"DA:{j},{j % 2}\n" for j in range(1, 20001)))
            out.write("end_of_record\n")
    p, wall, rss = timed([DEBTGATE, "check", "--base", base, "--coverage", str(huge), "--format", "json", "--no-cache"], repo)
    r = json.loads(p.stdout)["coverage"]
    size = huge.stat().st_size
    huge.unlink()
    return f"| debtgate, {size / 1e9:.2f} GB LCOV ({FILES * 20000:,} lines) | {r['patch_percent']:.4f} % | {wall:.2f} s | {rss:.0f} MB |"


def scale(work: Path) -> list[str]:
    """5,000 files, a 500,000-line LCOV, a change adding 50,000 lines."""
    repo = work / "scale-repo"
    base = scale_repo(repo)
    lcov = work / "scale.info"
    write_lcov(lcov, "")
    # The same report as a CI machine writes it: absolute paths of another checkout.
    elsewhere = work / "scale-elsewhere.info"
    write_lcov(elsewhere, "/build/agent/")
    size = lcov.stat().st_size
    lines = [f"\n### Scale: {FILES:,} files, LCOV of {FILES * PER_FILE:,} lines ({size / 1e6:.1f} MB), change adding {FILES * ADDED_PER_FILE:,} lines\n"]
    lines.append("| tool | patch coverage | wall | peak memory |")
    lines.append("| --- | ---: | ---: | ---: |")
    lines.append(debtgate_row("", repo, base, lcov, runs=3))
    lines.append(diff_cover_row("", repo, base, lcov, work))
    label = ", report paths from another machine"
    lines.append(debtgate_row(label, repo, base, elsewhere))
    lines.append(diff_cover_row(label, repo, base, elsewhere, work))
    if os.environ.get("DEBTGATE_BENCH_HUGE"):
        lines.append(huge_row(repo, base, work))
    return lines


def main() -> None:
    work = CACHE / "coverage"
    work.mkdir(parents=True, exist_ok=True)
    print("command: bench/coverage.sh")
    out = []
    for name, old, new, tests in PACKAGES:
        out += real_case(name, old, new, tests, work)
    out += scale(work)
    print("\n".join(out))


if __name__ == "__main__":
    main()
