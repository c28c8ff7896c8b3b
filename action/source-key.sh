#!/usr/bin/env bash
# The cache key of the binary the action builds: the runner, and a SHA-256 of every file the
# build reads (the manifest, the lock file, the sources, the rules). A change to any of them is
# a new key, so a cached binary is always a build of exactly this source.
# Writes `key=<key>` and `dir=<cache folder>` to $GITHUB_OUTPUT.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
digest=$(cd "$here" && find Cargo.toml Cargo.lock build.rs src rules -type f -print0 2>/dev/null |
    LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | awk '{ print $1 }')
{
    echo "key=debtgate-${RUNNER_OS:-$(uname -s)}-${RUNNER_ARCH:-$(uname -m)}-$digest"
    echo "dir=${RUNNER_TEMP:-/tmp}/debtgate-build-cache"
} >>"${GITHUB_OUTPUT:-/dev/stdout}"
