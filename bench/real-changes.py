"""How debtgate judges real merged changes, with its default settings.

Reads the bundles of ../shared/real-changes (one branch `change/<label>` per change: the
upstream parent's tree and, on it, the upstream commit's tree), runs `debtgate check` on each
with the defaults, and prints how many changes fail, the findings per rule, and every finding
as `label path:line rule message` so that a person can read them.

    bench/real-changes.sh [--bin PATH] [--work DIR] [--only LABEL-PREFIX] [--json-dir DIR]
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
from pathlib import Path

from benchlib import GIT_ENV

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "real-changes"


def clone(bundle: Path, dest: Path) -> None:
    if not dest.exists():
        subprocess.run(["git", "clone", "-q", "--no-checkout", str(bundle), str(dest)], env=GIT_ENV, check=True,
                       capture_output=True)


def run(binary: Path, repo: Path, label: str) -> tuple[int, dict | None, str]:
    subprocess.run(["git", "branch", "-q", "-f", label, f"origin/change/{label}"], cwd=repo, env=GIT_ENV, check=True)
    proc = subprocess.run([str(binary), "check", "--base", f"{label}~1", "--head", label, "--no-cache",
                           "--format", "json"], cwd=repo, capture_output=True, text=True)
    try:
        verdict = json.loads(proc.stdout) if proc.stdout.strip() else None
    except json.JSONDecodeError:
        verdict = None
    return proc.returncode, verdict, proc.stderr


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", type=Path, default=HERE.parent / "target" / "release" / "debtgate")
    ap.add_argument("--work", type=Path, default=Path("/tmp/debtgate-real-changes"))
    ap.add_argument("--only", default="", help="run only the changes whose label starts with this")
    ap.add_argument("--json-dir", type=Path, help="keep each change's JSON verdict here")
    return ap.parse_args()


class Tally:
    """What the runs found: exit codes, findings per rule, failing conditions, and every line."""

    def __init__(self) -> None:
        self.exits: collections.Counter[int] = collections.Counter()
        self.per_rule: collections.Counter[str] = collections.Counter()
        self.notes: collections.Counter[str] = collections.Counter()
        self.failing_conditions: collections.Counter[str] = collections.Counter()
        self.lines: list[str] = []
        self.failed: list[str] = []
        self.total = 0

    def add(self, label: str, code: int, verdict, stderr: str) -> None:
        self.total += 1
        self.exits[code] += 1
        if code == 1:
            self.failed.append(label)
        if verdict is None:
            last = stderr.strip().splitlines()[-1] if stderr.strip() else "no output"
            self.lines.append(f"{label} exit {code}: {last}")
            return
        for cond in verdict.get("conditions", []):
            if cond.get("judged") and not cond.get("passed"):
                self.failing_conditions[cond["name"]] += 1
                self.lines.append(f"{label} condition failed: {cond['name']}: {cond.get('detail', '')}")
        for f in verdict.get("findings", []):
            if not f.get("suppressed"):
                self.add_finding(label, f)

    def add_finding(self, label: str, f) -> None:
        (self.notes if f["severity"] == "note" else self.per_rule)[f["rule_id"]] += 1
        fn = f" [{f['function']}]" if f.get("function") else ""
        self.lines.append(f"{label} {f['path']}:{f['line']} {f['rule_id']} {f['severity']}{fn} {f['message']}")

    def print(self, binary: Path) -> None:
        counts = lambda c: ", ".join(f"{k} {n}" for k, n in c.most_common()) or "none"
        print("\n".join(self.lines))
        print()
        print(
            f"changes: {self.total}; failed (exit 1): {self.exits[1]}; passed: {self.exits[0]}; "
            f"could not judge (exit 2): {self.exits[2]}"
        )
        print("errors and warnings per rule: " + counts(self.per_rule))
        print("notes (reported, never failing) per rule: " + counts(self.notes))
        print("failing conditions: " + counts(self.failing_conditions))
        print("failed: " + " ".join(self.failed))
        print(f"reproduce: bench/real-changes.sh --bin {binary}")


def main() -> int:
    args = parse_args()
    if not (DATA / "changes.tsv").exists():
        print(f"no data: {DATA}/changes.tsv is missing (this benchmark reads ../shared/real-changes)", file=sys.stderr)
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    if args.json_dir:
        args.json_dir.mkdir(parents=True, exist_ok=True)
    tally = Tally()
    for row in (DATA / "changes.tsv").read_text().splitlines():
        repo_name, label, *_ = row.split("\t")
        if not label.startswith(args.only):
            continue
        repo = args.work / repo_name
        clone(DATA / f"{repo_name}.bundle", repo)
        code, verdict, stderr = run(args.bin, repo, label)
        if args.json_dir and verdict is not None:
            (args.json_dir / f"{label}.json").write_text(json.dumps(verdict, indent=1))
        tally.add(label, code, verdict, stderr)
    tally.print(args.bin)
    return 0


if __name__ == "__main__":
    sys.exit(main())
