#!/usr/bin/env bash
# `debtgate metrics` throughput on pinned real code (bench/corpus.sh), per language and over
# the whole corpus: lines per wall-second, lines per CPU-second, peak memory.
#
#   bench/throughput.sh [LANGUAGE...]      # python javascript typescript rust go java
#
# The target (issue 3): >= 150k lines per CPU-second, both cores busy.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cache=${DEBTGATE_BENCH_CACHE:-$here/.cache}
langs=("$@")
[ ${#langs[@]} -eq 0 ] && langs=(python javascript typescript rust go java)

"$here/corpus.sh" "${langs[@]}"
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin=$root/target/release/debtgate
echo "command: bench/throughput.sh ${langs[*]}"
echo "machine: $(nproc) cores, $(uname -m), $(git -C "$root" rev-parse --short HEAD)"
printf '%-11s %10s %9s %8s %8s %12s %12s %8s\n' language lines functions wall-s cpu-s lines/wall-s lines/cpu-s peak-MB

measure() { # label dir...
    local label=$1
    shift
    local out=$cache/throughput-$label.jsonl
    # Warm the page cache so that the figure is parsing, not the disk.
    find "$@" -type f -exec cat {} + >/dev/null
    # Exit 2 is expected: a few corpus files do not parse (Python 2 test data, say), and
    # debtgate says so on stderr.
    /usr/bin/time -o "$cache/time-$label" -f '%e %U %S %M' "$bin" metrics --format jsonl "$@" >"$out" 2>"$cache/stderr-$label" || true
    read -r wall user sys rss < <(tail -1 "$cache/time-$label")
    local lines
    lines=$(find "$@" -type f \( -name '*.py' -o -name '*.js' -o -name '*.mjs' -o -name '*.cjs' -o -name '*.jsx' \
        -o -name '*.ts' -o -name '*.tsx' -o -name '*.mts' -o -name '*.cts' -o -name '*.rs' -o -name '*.go' -o -name '*.java' \) \
        -print0 | xargs -0 cat | wc -l)
    local functions
    functions=$(wc -l <"$out")
    python3 - "$label" "$lines" "$functions" "$wall" "$user" "$sys" "$rss" <<'PY'
import sys
label, lines, functions, wall, user, sys_, rss = sys.argv[1:]
lines, functions, wall, cpu = int(lines), int(functions), float(wall), float(user) + float(sys_)
print(f"{label:<11} {lines:>10} {functions:>9} {wall:>8.2f} {cpu:>8.2f} {lines / max(wall, 0.01):>12,.0f} {lines / max(cpu, 0.01):>12,.0f} {int(rss) / 1024:>8.0f}")
PY
}

dirs=()
for lang in "${langs[@]}"; do
    measure "$lang" "$cache/corpus/$lang"
    dirs+=("$cache/corpus/$lang")
done
[ ${#dirs[@]} -gt 1 ] && measure all "${dirs[@]}"
