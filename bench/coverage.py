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


def real_case(name: str, old: str, new: str, tests: list[str], work: Path) -> list[str]:
    repo = work / f"{name}-repo"
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir(parents=True)
    run(["git", "init", "-q", "-b", "main"], repo)
    unpack(sdist(name, old), work / "base-src")
    replace_tree(repo, work / "base-src")
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-q", "-m", f"{name} {old}"], repo)
    base = run(["git", "rev-parse", "HEAD"], repo).stdout.strip()
    unpack(sdist(name, new), work / "head-src")
    replace_tree(repo, work / "head-src")
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-q", "-m", f"{name} {new}"], repo)

    # The head's own test suite, under coverage.py, from the head's tree.
    tests_run = run([str(VENV / "coverage"), "run", "--branch", "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests], repo, check=False)
    summary = (tests_run.stdout.strip().splitlines() or ["?"])[-1]
    for kind, out in (("xml", "coverage.xml"), ("json", "coverage.json"), ("lcov", "coverage.lcov")):
        run([str(VENV / "coverage"), kind, "-o", out], repo)
    for f in ("coverage.xml", "coverage.json", "coverage.lcov", ".coverage"):
        (repo / f).rename(work / f"{name}-{f.lstrip('.')}")

    dc = run([str(VENV / "diff-cover"), str(work / f"{name}-coverage.xml"), "--compare-branch", base, "--format", f"json:{work / 'dc.json'}"], repo, check=False)
    anchor = json.loads((work / "dc.json").read_text())
    lines = [f"\n### {name} {old} → {new} (pytest: {summary})\n"]
    lines.append("| report | file | diff-cover covered / lines | debtgate covered / lines | agree |")
    lines.append("| --- | --- | ---: | ---: | --- |")
    for report in ("coverage.xml", "coverage.json", "coverage.lcov"):
        out = run([DEBTGATE, "check", "--base", base, "--coverage", str(work / f"{name}-{report}"), "--format", "json", "--no-cache"], repo, check=False)
        if out.returncode not in (0, 1):
            lines.append(f"| {report} | debtgate could not judge: {out.stderr.strip()[:200]} |")
            continue
        mine = {f["path"]: f for f in json.loads(out.stdout)["coverage"]["patch"]["files"]}
        for path, stats in sorted(anchor.get("src_stats", {}).items()):
            theirs_total = len(stats["covered_lines"]) + len(stats["violation_lines"])
            theirs = (len(stats["covered_lines"]), theirs_total)
            m = mine.get(path)
            ours = (m["covered"], m["executable"]) if m else (0, 0)
            lines.append(f"| {report} | {path} | {theirs[0]} / {theirs[1]} | {ours[0]} / {ours[1]} | {'yes' if ours == theirs else 'NO'} |")
        extra = [p for p in mine if p not in anchor.get("src_stats", {}) and mine[p]["executable"] > 0]
        for p in extra:
            m = mine[p]
            why = "a module the report does not know, in a measured directory" if m["unmeasured_module"] else "?"
            lines.append(f"| {report} | {p} | (not in diff-cover's report) | {m['covered']} / {m['executable']} | differs on purpose: {why} |")
    lines.append(f"\ndiff-cover total: {anchor.get('total_percent_covered')} % of {anchor.get('total_num_lines')} lines ({dc.returncode=})")
    return lines


def scale(work: Path) -> list[str]:
    """5,000 files, a 500,000-line LCOV, a change adding 50,000 lines."""
    repo = work / "scale-repo"
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir(parents=True)
    run(["git", "init", "-q", "-b", "main"], repo)
    files, per_file, added_per_file = 5000, 100, 10
    (repo / "debtgate.toml").write_text("[rules.duplicated-block]\nenabled = false\n")
    for i in range(files):
        d = repo / f"src/m{i // 100:02d}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"f{i:04d}.c").write_text("".join(f"int v{j} = {j};\n" for j in range(per_file - added_per_file)))
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-q", "-m", "base"], repo)
    base = run(["git", "rev-parse", "HEAD"], repo).stdout.strip()
    for i in range(files):
        p = repo / f"src/m{i // 100:02d}/f{i:04d}.c"
        with p.open("a") as f:
            f.write("".join(f"int w{j} = {j};\n" for j in range(added_per_file)))
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-q", "-m", "head"], repo)
    run(["git", "repack", "-adq"], repo)
    def write_lcov(path: Path, prefix: str) -> None:
        with path.open("w") as out:
            for i in range(files):
                out.write(f"SF:{prefix}src/m{i // 100:02d}/f{i:04d}.c\n")
                for j in range(1, per_file + 1):
                    out.write(f"DA:{j},{(i + j) % 3}\n")
                out.write("end_of_record\n")

    lcov = work / "scale.info"
    write_lcov(lcov, "")
    # The same report as a CI machine writes it: absolute paths of another checkout.
    elsewhere = work / "scale-elsewhere.info"
    write_lcov(elsewhere, "/build/agent/")
    size = lcov.stat().st_size


    ours = [timed([DEBTGATE, "check", "--base", base, "--coverage", str(lcov), "--format", "json", "--no-cache"], repo) for _ in range(3)]
    p = ours[-1][0]
    report = json.loads(p.stdout)
    patch = report["coverage"]["patch"]
    lines = [f"\n### Scale: {files:,} files, LCOV of {files * per_file:,} lines ({size / 1e6:.1f} MB), change adding {files * added_per_file:,} lines\n"]
    lines.append("| tool | patch coverage | wall | peak memory |")
    lines.append("| --- | ---: | ---: | ---: |")
    lines.append(f"| debtgate | {patch['covered']} / {patch['executable']} = {report['coverage']['patch_percent']:.4f} % | {min(o[1] for o in ours):.2f} s | {max(o[2] for o in ours):.0f} MB |")
    for label, report_path in (("", lcov), (", report paths from another machine", elsewhere)):
        if report_path is elsewhere:
            p, wall, rss = timed([DEBTGATE, "check", "--base", base, "--coverage", str(report_path), "--format", "json", "--no-cache"], repo)
            r = json.loads(p.stdout)["coverage"]
            lines.append(f"| debtgate{label} | {r['patch']['covered']} / {r['patch']['executable']} = {r['patch_percent']:.4f} % ({r['mapped_files']}/{r['report_files']} files mapped) | {wall:.2f} s | {rss:.0f} MB |")
        dc_json = work / "dc-scale.json"
        dc_json.unlink(missing_ok=True)
        p, wall, rss = timed([str(VENV / "diff-cover"), str(report_path), "--compare-branch", base, "--format", f"json:{dc_json}"], repo)
        if dc_json.exists():
            dc = json.loads(dc_json.read_text())
            covered = sum(len(s["covered_lines"]) for s in dc["src_stats"].values())
            lines.append(f"| diff-cover 11.0.1{label} | {covered} / {dc['total_num_lines']} = {dc['total_percent_covered']} % (exit {p.returncode}) | {wall:.2f} s | {rss:.0f} MB |")
        else:
            lines.append(f"| diff-cover 11.0.1{label} | failed: {p.stderr.strip()[-200:]} | {wall:.2f} s | {rss:.0f} MB |")
    if os.environ.get("DEBTGATE_BENCH_HUGE"):
        # A 1 GB LCOV: every file listed with 20,000 lines. Memory must not follow the size.
        huge = work / "huge.info"
        with huge.open("w") as out:
            for i in range(files):
                out.write(f"SF:src/m{i // 100:02d}/f{i:04d}.c\n")
                out.write("".join(f"DA:{j},{j % 2}\n" for j in range(1, 20001)))
                out.write("end_of_record\n")
        p, wall, rss = timed([DEBTGATE, "check", "--base", base, "--coverage", str(huge), "--format", "json", "--no-cache"], repo)
        r = json.loads(p.stdout)["coverage"]
        lines.append(f"| debtgate, {huge.stat().st_size / 1e9:.2f} GB LCOV ({files * 20000:,} lines) | {r['patch_percent']:.4f} % | {wall:.2f} s | {rss:.0f} MB |")
        huge.unlink()
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
