#!/usr/bin/env bash
# Planted-clone recall, false positives, speed and memory of debtgate's duplication pass,
# beside jscpd (npm, exact version in bench/anchors/package-lock.json) on the same tree.
#
#   bench/duplication.sh [--per-type N] [--seed S]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/corpus.sh" python
if [ ! -x "$here/anchors/node_modules/.bin/jscpd" ]; then
    (cd "$here/anchors" && npm ci --no-audit --no-fund --silent)
fi
cargo build --release --quiet --manifest-path "$here/../Cargo.toml"
exec python3 "$here/duplication.py" "$@"
