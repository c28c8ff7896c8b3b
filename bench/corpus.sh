#!/usr/bin/env bash
# Fetches the pinned real-world corpora the benchmarks and the conformance harness run on:
# code from the package registries that nobody on this project wrote.
#
#   bench/corpus.sh [LANGUAGE...]      # python javascript typescript rust go java (default: all)
#
# Everything lands in bench/.cache/corpus/<language>/ (git-ignored) and is fetched once.
# Needs the network the first time only.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cache=${DEBTGATE_BENCH_CACHE:-$here/.cache}
corpus=$cache/corpus
downloads=$cache/downloads
mkdir -p "$corpus" "$downloads"

say() { printf 'corpus: %s\n' "$*" >&2; }

# npm_package NAME@VERSION LANGUAGE: the published tarball, unpacked.
npm_package() {
    local spec=$1 lang=$2 dest
    dest=$corpus/$lang/$(printf '%s' "$spec" | tr '/@' '__')
    [ -d "$dest" ] && return
    say "npm pack $spec"
    local tgz
    tgz=$(cd "$downloads" && npm pack --silent "$spec" 2>/dev/null | tail -1)
    mkdir -p "$dest"
    tar xzf "$downloads/$tgz" -C "$dest"
}

# pypi_sdist NAME==VERSION: the source distribution, unpacked.
pypi_sdist() {
    local spec=$1 dest
    dest=$corpus/python/${spec/==/-}
    [ -d "$dest" ] && return
    say "pip download $spec"
    local dl=$downloads/pip-${spec/==/-}
    mkdir -p "$dl"
    python3 -m pip download --quiet --no-deps --no-binary :all: -d "$dl" "$spec"
    mkdir -p "$dest"
    tar xzf "$dl"/*.tar.gz -C "$dest"
}

# debian_package NAME=VERSION: a Debian package's files, unpacked (no install, no root).
debian_package() {
    local spec=$1 dest=$downloads/deb-${1//[=~+]/_}
    [ -d "$dest" ] && { printf '%s' "$dest"; return; }
    say "apt-get download $spec"
    mkdir -p "$dest.tmp"
    (cd "$dest.tmp" && apt-get download "$spec" >/dev/null 2>&1) || {
        say "apt-get download $spec failed: is Debian bookworm's archive reachable?"
        exit 2
    }
    dpkg-deb -x "$dest.tmp"/*.deb "$dest"
    rm -rf "$dest.tmp"
    printf '%s' "$dest"
}

python() {
    pypi_sdist Django==5.1.4
    pypi_sdist requests==2.32.3
}

javascript() {
    npm_package webpack@5.97.1 javascript
    npm_package lodash@4.17.21 javascript
    npm_package express@4.21.2 javascript
}

typescript() {
    npm_package effect@3.12.5 typescript
    npm_package @blueprintjs/core@5.16.2 typescript
}

rust() {
    # debtgate's own dependency tree, exactly as Cargo.lock pins it.
    local dest=$corpus/rust/vendor
    [ -d "$dest" ] && return
    say "cargo vendor (debtgate's Cargo.lock)"
    mkdir -p "$corpus/rust"
    cargo vendor --locked --quiet --manifest-path "$root/Cargo.toml" "$dest" >/dev/null
}

go() {
    local dest=$corpus/go/go-1.19.8
    [ -d "$dest" ] && return
    local deb
    deb=$(debian_package golang-1.19-src=1.19.8-2)
    mkdir -p "$dest"
    # The standard library's portable packages: 400k+ lines of Go, no generated tables.
    for pkg in go net encoding crypto text html database image compress archive strconv strings \
        bytes sort fmt regexp time os io bufio math mime; do
        cp -r "$deb/usr/share/go-1.19/src/$pkg" "$dest/$pkg"
    done
    find "$dest" -type d -name testdata -prune -exec rm -rf {} +
}

java() {
    local dest=$corpus/java/openjdk-17.0.19
    [ -d "$dest" ] && return
    local deb
    deb=$(debian_package openjdk-17-source=17.0.19+10-1~deb12u2)
    mkdir -p "$dest"
    local zip
    zip=$(find "$deb" -name src.zip | head -1)
    (cd "$dest" && python3 -m zipfile -e "$zip" . && find . -mindepth 1 -maxdepth 1 ! -name java.base -exec rm -rf {} +)
    # java.base's core packages: java.util, java.lang, java.time, java.io, java.nio, java.net, java.text.
    find "$dest/java.base" -mindepth 1 -maxdepth 1 ! -name java -exec rm -rf {} +
    find "$dest/java.base/java" -mindepth 1 -maxdepth 1 \
        ! -name util ! -name lang ! -name time ! -name io ! -name nio ! -name net ! -name text -exec rm -rf {} +
}

langs=("$@")
[ ${#langs[@]} -eq 0 ] && langs=(python javascript typescript rust go java)
for lang in "${langs[@]}"; do
    case $lang in
        python | javascript | typescript | rust | go | java) "$lang" ;;
        *) say "unknown language '$lang' (python javascript typescript rust go java)"; exit 2 ;;
    esac
done
say "ready in $corpus"
