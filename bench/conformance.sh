#!/usr/bin/env bash
# Conformance of debtgate's complexity numbers with their anchors (METRICS.md), on pinned
# real code. Installs the anchors (exact versions) into bench/.cache, fetches the corpora,
# builds debtgate, and prints the table.
#
#   bench/conformance.sh [LANGUAGE...]     # python javascript typescript rust go java
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${DEBTGATE_BENCH_CACHE:-$here/.cache}

if [ ! -x "$cache/venv/bin/python" ]; then
    python3 -m venv "$cache/venv"
fi
"$cache/venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/anchors/requirements.txt"
if [ ! -d "$here/anchors/node_modules" ]; then
    # npm 11's `npm ci` refuses this lock (jscpd's optional per-platform packages are absent
    # from it by design); `npm install` installs the same pinned tree from it.
    (cd "$here/anchors" && { npm ci --no-audit --no-fund --silent 2>/dev/null ||
        npm install --no-audit --no-fund --silent; })
fi
"$here/corpus.sh" "$@"
cargo build --release --quiet --manifest-path "$here/../Cargo.toml"
echo "command: bench/conformance.sh $*"
exec "$cache/venv/bin/python" "$here/conformance.py" "$@"
