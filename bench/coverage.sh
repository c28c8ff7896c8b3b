#!/usr/bin/env bash
# Patch coverage beside diff-cover: real test suites of pinned packages, and a 500k-line
# LCOV at scale. Installs the pinned Python tools (bench/anchors/requirements.txt).
#
#   bench/coverage.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${DEBTGATE_BENCH_CACHE:-$here/.cache}
[ -x "$cache/venv/bin/python" ] || python3 -m venv "$cache/venv"
"$cache/venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/anchors/requirements.txt"
cargo build --release --quiet --manifest-path "$here/../Cargo.toml"
exec "$cache/venv/bin/python" "$here/coverage.py" "$@"
