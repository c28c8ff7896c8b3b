#!/usr/bin/env bash
# Where debtgate's time goes, beside the parse floor, diff-cover and jscpd, and how it scales.
#
#   bench/speed.sh [floor] [coverage] [duplication] [scaling] [duplication-scaling]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/corpus.sh" python javascript typescript rust go java
cargo build --release --locked --quiet --manifest-path "$here/../Cargo.toml" --bin debtgate --example parse_floor
exec python3 "$here/speed.py" "$@"
