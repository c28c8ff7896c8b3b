#!/usr/bin/env bash
# Time and peak memory of `debtgate check` from 10k to 100k files, a 50k-line change and a
# coverage report of up to 1 GB. See bench/scale.py.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cargo build --release --quiet --manifest-path "$here/../Cargo.toml"
exec python3 "$here/scale.py" "$@"
