#!/usr/bin/env bash
# Planted-clone recall, false positives, speed and memory of debtgate's duplication pass,
# beside jscpd (npm, exact version in bench/anchors/package-lock.json) on the same tree.
#
#   bench/duplication.sh [--per-type N] [--seed S]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/corpus.sh" python
if [ ! -x "$here/anchors/node_modules/.bin/jscpd" ]; then
    # npm 11's `npm ci` refuses this lock (jscpd's optional per-platform packages are absent
    # from it by design); `npm install` installs the same pinned tree from it.
    (cd "$here/anchors" && { npm ci --no-audit --no-fund --silent 2>/dev/null ||
        npm install --no-audit --no-fund --silent; })
fi
cargo build --release --quiet --manifest-path "$here/../Cargo.toml"
exec python3 "$here/duplication.py" "$@"
