#!/usr/bin/env bash
# What [[projects]] costs: see bench/projects.py.
set -euo pipefail
cd "$(dirname "$0")"
exec python3 projects.py "$@"
