"""What `[[projects]]` costs: one real change (flask's 12e95c93, `src/flask` before and after)
made in K copies of the package, each copy a project of the monorepo, judged with the K
projects declared and without them. The findings must be the same (no project sets its own
limits here); the difference in time is what judging K parts apart costs.

    bench/projects.sh [--bin PATH] [--copies 1,10,50,200]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchlib import GIT_ENV, git

HERE = Path(__file__).resolve().parent
BUNDLE = HERE.parent.parent / "shared" / "real-changes" / "flask.bundle"
CHANGE = "change/flask-05-12e95c93"


def export(source: Path, rev: str, dest: Path) -> None:
    archive = subprocess.run(["git", "archive", rev, "src/flask"], cwd=source, env=GIT_ENV, check=True,
                             capture_output=True).stdout
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)


def monorepo(work: Path, source: Path, copies: int) -> Path:
    repo = work / f"mono-{copies}"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    sides = {}
    for side, rev in (("base", f"{CHANGE}~1"), ("head", CHANGE)):
        sides[side] = work / side
        if not sides[side].exists():
            export(source, rev, sides[side])
    for side in ("base", "head"):
        for i in range(copies):
            dest = repo / "services" / f"p{i:03}"
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(sides[side], dest)
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", side)
    return repo


def cpu_run(binary: Path, repo: Path, extra: list[str]) -> tuple[float, float, dict]:
    """(wall s, CPU s, report) of one check, the least of three runs."""
    best = None
    for _ in range(3):
        with tempfile.NamedTemporaryFile("r") as t:
            proc = subprocess.run(["/usr/bin/time", "-o", t.name, "-f", "%e %U %S", str(binary), "check", "--base",
                                   "HEAD~1", "--no-cache", "--format", "json", *extra], cwd=repo,
                                  capture_output=True, text=True)
            wall, user, system = map(float, t.read().strip().splitlines()[-1].split())
        if proc.returncode not in (0, 1):
            sys.exit(f"check failed ({proc.returncode}): {proc.stderr}")
        run = (wall, user + system, json.loads(proc.stdout))
        best = run if best is None or run[1] < best[1] else best
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", type=Path, default=HERE.parent / "target" / "release" / "debtgate")
    parser.add_argument("--copies", default="1,10,50,200")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = work / "flask"
        subprocess.run(["git", "clone", "-q", "--bare", str(BUNDLE), str(source)], env=GIT_ENV, check=True,
                       capture_output=True)
        print("| copies (projects) | changed files | without projects: wall / CPU | with them: wall / CPU | CPU ratio | same findings |")
        print("| ---: | ---: | ---: | ---: | ---: | --- |")
        for copies in map(int, args.copies.split(",")):
            repo = monorepo(work, source, copies)
            config = work / f"projects-{copies}.toml"
            config.write_text("".join(f'[[projects]]\npath = "services/p{i:03}"\n\n' for i in range(copies)))
            plain = work / "plain.toml"
            plain.write_text("")
            w0, c0, r0 = cpu_run(args.bin, repo, ["--config", str(plain)])
            w1, c1, r1 = cpu_run(args.bin, repo, ["--config", str(config)])
            same = [f["fingerprint"] for f in r0["findings"]] == [f["fingerprint"] for f in r1["findings"]]
            print(f"| {copies} | {r0['summary']['files_changed']} | {w0:.2f} s / {c0:.2f} s | {w1:.2f} s / {c1:.2f} s "
                  f"| {c1 / c0:.2f} | {'yes' if same else 'NO'} |")
    print(f"reproduce: bench/projects.sh --bin {args.bin} --copies {args.copies}")


if __name__ == "__main__":
    main()
