#!/usr/bin/env bash
# debtgate with its defaults on the 60 real merged changes in ../shared/real-changes (reads
# that folder; not a test): how many fail, findings per rule, and every finding to read.
#
#   bench/real-changes.sh [--bin PATH] [--only LABEL-PREFIX] [--json-dir DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cargo build --release --quiet --manifest-path "$here/../Cargo.toml"
exec python3 "$here/real-changes.py" "$@"
