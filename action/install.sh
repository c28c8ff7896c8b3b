#!/usr/bin/env bash
# Obtains the debtgate binary for the GitHub Action: the release asset for this runner,
# verified against the SHA-256 in action/checksums.txt (committed in this repository), or,
# when there is no verified asset, a build of the action's own source with cargo.
# Writes `path=<binary>` to $GITHUB_OUTPUT.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
version=${DEBTGATE_VERSION:-$(sed -n 's/^version = "\(.*\)"/\1/p' "$here/Cargo.toml" | head -1)}
case "${RUNNER_OS:-$(uname -s)}-${RUNNER_ARCH:-$(uname -m)}" in
    Linux-X64 | Linux-x86_64) target=x86_64-unknown-linux-gnu ;;
    Linux-ARM64 | Linux-aarch64) target=aarch64-unknown-linux-gnu ;;
    macOS-ARM64 | Darwin-arm64) target=aarch64-apple-darwin ;;
    macOS-X64 | Darwin-x86_64) target=x86_64-apple-darwin ;;
    Windows-X64 | MINGW*) target=x86_64-pc-windows-msvc ;;
    *) target="" ;;
esac
# A fresh folder every run: a binary already on disk (left there by code that ran earlier in
# the job, such as the pull request's tests) is never reused.
dest=$(mktemp -d "${RUNNER_TEMP:-/tmp}/debtgate-$version.XXXXXXXX")
asset=debtgate-$version-$target.tar.gz
expected=$(awk -v a="$asset" '$2 == a { print $1 }' "$here/action/checksums.txt" 2>/dev/null || true)
bin=$dest/debtgate
if [ -n "$target" ] && [ -n "$expected" ] && [ -n "${DEBTGATE_REPOSITORY:-}" ]; then
    url=https://github.com/$DEBTGATE_REPOSITORY/releases/download/v$version/$asset
    if curl --fail --silent --show-error --location --retry 3 --output "$dest/$asset" "$url"; then
        actual=$( (sha256sum "$dest/$asset" 2>/dev/null || shasum -a 256 "$dest/$asset") | awk '{ print $1 }')
        if [ "$actual" = "$expected" ]; then
            tar -xzf "$dest/$asset" -C "$dest"
        else
            echo "::warning::debtgate: $asset has SHA-256 $actual, not $expected from action/checksums.txt; building from source instead"
            rm -f "$dest/$asset"
        fi
    fi
fi
cache=${DEBTGATE_CACHE_DIR:-}
if [ ! -f "$dest/$asset" ] || [ ! -x "$bin" ]; then
    rm -f "$bin"
    # A build of this very source that actions/cache restored in this job, just now (its key
    # hashes the source). Anything else at that path — left by code that ran earlier in the
    # job, or a restore that missed — is never used.
    if [ -n "$cache" ] && [ "${DEBTGATE_CACHE_HIT:-}" = true ] && [ -f "$cache/debtgate" ] && [ ! -L "$cache/debtgate" ]; then
        mkdir -p "$dest/cached"
        cp "$cache/debtgate" "$dest/cached/debtgate"
        chmod +x "$dest/cached/debtgate"
        bin=$dest/cached/debtgate
        echo "debtgate: using the build of this source cached by an earlier run"
    else
        echo "debtgate: no verified release asset for ${target:-this runner} at $version; building the action's source"
        cargo install --locked --quiet --path "$here" --root "$dest/cargo"
        bin=$dest/cargo/bin/debtgate
        if [ -n "$cache" ]; then
            # What actions/cache saves at the end of the job, for the next run.
            rm -rf "$cache"
            mkdir -p "$cache"
            cp "$bin" "$cache/debtgate"
        fi
    fi
fi
"$bin" --version
echo "path=$bin" >>"${GITHUB_OUTPUT:-/dev/stdout}"
