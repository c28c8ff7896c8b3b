#!/usr/bin/env bash
# Memory and time of `debtgate metrics` and `debtgate check` on JavaScript arrow functions
# nested N deep (a hostile input): both must grow linearly with the depth.
#
#   bench/nesting.sh [DEPTH...]        # default 2500 5000 10000 20000
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cargo build --release --quiet --manifest-path "$here/../Cargo.toml"
bin=$here/../target/release/debtgate
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
depths=("$@")
[ ${#depths[@]} -gt 0 ] || depths=(2500 5000 10000 20000)
printf '| depth | file bytes | metrics wall | metrics peak | check wall | check peak |\n| ---: | ---: | ---: | ---: | ---: | ---: |\n'
for depth in "${depths[@]}"; do
    repo=$work/d$depth
    mkdir -p "$repo"
    git -C "$repo" init -q
    echo "x" >"$repo/README.md"
    git -C "$repo" add -A
    git -C "$repo" -c user.name=b -c user.email=b@b commit -qm base
    python3 - "$depth" >"$repo/deep.js" <<'PY'
import sys
n = int(sys.argv[1])
print("f(" + "(a) => g(" * n + "1" + ")" * n + ");")
PY
    git -C "$repo" add -A
    git -C "$repo" -c user.name=b -c user.email=b@b commit -qm deep
    size=$(wc -c <"$repo/deep.js")
    m=$( { /usr/bin/time -f '%e %M' "$bin" metrics "$repo/deep.js" >/dev/null; } 2>&1 | tail -1)
    c=$( { (cd "$repo" && /usr/bin/time -f '%e %M' "$bin" check --base HEAD~1 --no-cache --format json >/dev/null); } 2>&1 | tail -1)
    read -r mw mk <<<"$m"
    read -r cw ck <<<"$c"
    printf '| %s | %s | %s s | %s MB | %s s | %s MB |\n' "$depth" "$size" "$mw" "$((mk / 1024))" "$cw" "$((ck / 1024))"
done
echo "command: bench/nesting.sh ${depths[*]}"
