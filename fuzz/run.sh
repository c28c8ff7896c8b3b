#!/usr/bin/env bash
# Runs every fuzz target (cargo-fuzz, nightly) for SECONDS each (default 600), two at a time,
# on the committed seed corpora in fuzz/corpus/<target> (grown corpora are not committed).
#   fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-600}
cargo +nightly fuzz build -O
run() {
    cargo +nightly fuzz run -O "$1" "corpus/$1" -- -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 \
        -print_final_stats=1 >"logs/$1.log" 2>&1
    echo "$1: $(grep -E 'stat::number_of_executed_units|Done' "logs/$1.log" | tr '\n' ' ')"
}
mkdir -p logs
for pair in "walkers coverage" "diff config" "cache"; do
    set -- $pair
    run "$1" &
    if [ $# -gt 1 ]; then run "$2" & fi
    wait
done
