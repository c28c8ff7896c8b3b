#!/usr/bin/env bash
# Mutation testing as a habit: runs cargo-mutants on what a change touches, bounded in time, and
# prints caught / missed / unviable with the command that reproduces it.
#
#   bench/mutants.sh                      # the lines changed since origin/main (--in-diff)
#   BASE=HEAD~3 bench/mutants.sh          # ... since another revision
#   bench/mutants.sh src/judge.rs ...     # every mutant of these files
#   TESTS="judge judgement claims" bench/mutants.sh src/judge.rs
#                                         # only the tests (unit and integration) whose names
#                                         # contain one of these words
#
#   MUTANTS_ARGS="--re weigh" bench/mutants.sh src/judge.rs
#                                         # more cargo-mutants options (here: only mutants whose
#                                         # names match)
#
# Needs cargo-mutants (`cargo install cargo-mutants --locked`). Each mutant is built and tested
# once; MUTANT_TIMEOUT (seconds, default 300) bounds one test run, JOBS (default 1) runs that
# many at once. The results land in bench/.cache/mutants/ (git-ignored); `missed.txt` there
# lists the mutants no test caught.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
out=${DEBTGATE_BENCH_CACHE:-$here/.cache}/mutants
mkdir -p "$out"
cd "$root"

if ! cargo mutants --version >/dev/null 2>&1; then
    echo "mutants: cargo-mutants is not installed: cargo install cargo-mutants --locked" >&2
    exit 2
fi

args=(--output "$out" --timeout "${MUTANT_TIMEOUT:-300}" --jobs "${JOBS:-1}" --no-shuffle)
# shellcheck disable=SC2206
[ -n "${MUTANTS_ARGS:-}" ] && args+=(${MUTANTS_ARGS})
if [ $# -gt 0 ]; then
    for file in "$@"; do args+=(--file "$file"); done
else
    diff=$out/change.diff
    git diff "${BASE:-origin/main}" -- src > "$diff"
    if [ ! -s "$diff" ]; then
        echo "mutants: no change to src/ since ${BASE:-origin/main}" >&2
        exit 0
    fi
    args+=(--in-diff "$diff")
fi
# Every test, or those TESTS names (passed to each test binary as name filters).
test_args=()
if [ -n "${TESTS:-}" ]; then
    # shellcheck disable=SC2086
    test_args=(-- -- $TESTS)
fi

echo "command: ${TESTS:+TESTS=\"$TESTS\" }bench/mutants.sh $*"
start=$(date +%s)
status=0
cargo mutants "${args[@]}" "${test_args[@]}" >"$out/log.txt" 2>&1 || status=$?
elapsed=$(( $(date +%s) - start ))
results=$out/mutants.out
count() { if [ -f "$results/$1.txt" ]; then grep -c . "$results/$1.txt" || true; else echo 0; fi; }
printf 'mutants: %s caught, %s missed, %s unviable, %s timed out, in %s s\n' \
    "$(count caught)" "$(count missed)" "$(count unviable)" "$(count timeout)" "$elapsed"
if [ -s "$results/missed.txt" ]; then
    cp "$results/missed.txt" "$out/missed.txt"
    echo "missed (no test fails with the mutation):"
    sed 's/^/  /' "$results/missed.txt"
fi
# cargo-mutants exits 2 when some mutant was missed and 3 on a timeout: those are results, not
# failures of this script.
case $status in 0 | 2 | 3) exit 0 ;; *) tail -20 "$out/log.txt" >&2; exit "$status" ;; esac
