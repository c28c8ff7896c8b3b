#!/usr/bin/env bash
# Runs `debtgate check` in GitHub Actions: makes sure the base commit is in the (often shallow)
# clone, then writes annotations (stdout), the Markdown summary ($GITHUB_STEP_SUMMARY), the
# step outputs ($GITHUB_OUTPUT) and SARIF. The exit code is debtgate's: 0 passed, 1 failed,
# 2 could not judge.
set -uo pipefail
debtgate=${DEBTGATE:-debtgate}
base=${INPUT_BASE:-}
if [ -z "$base" ] && [ -n "${GITHUB_EVENT_PATH:-}" ] && [ -f "$GITHUB_EVENT_PATH" ]; then
    case "${GITHUB_EVENT_NAME:-}" in
        pull_request*) key=pull_request.base.sha ;;
        push) key=before ;;
        *) key="" ;;
    esac
    if [ -n "$key" ]; then
        base=$(python3 -c 'import json, sys
value = json.load(open(sys.argv[1]))
for part in sys.argv[2].split("."):
    value = value.get(part) if isinstance(value, dict) else None
print(value or "")' "$GITHUB_EVENT_PATH" "$key")
        case "$base" in *[!0]*) ;; *) base="" ;; esac  # a push that created the branch
    fi
fi

# A shallow clone (actions/checkout's default) lacks the base: fetch it, then deepen until
# base and head share history.
if [ -n "$base" ]; then
    if ! git cat-file -e "$base^{commit}" 2>/dev/null; then
        git fetch --no-tags --quiet --depth=1 origin "$base" || true
    fi
    tries=0
    while [ "$(git rev-parse --is-shallow-repository)" = true ] && ! git merge-base "$base" HEAD >/dev/null 2>&1 && [ $tries -lt 12 ]; do
        git fetch --no-tags --quiet --deepen=50 origin "$base" "$(git rev-parse HEAD)" 2>/dev/null ||
            git fetch --no-tags --quiet --deepen=50 origin || break
        tries=$((tries + 1))
    done
fi

args=(check --format github --sarif "${INPUT_SARIF_FILE:-debtgate.sarif}")
[ -n "$base" ] && args+=(--base "$base")
[ -n "${GITHUB_STEP_SUMMARY:-}" ] && args+=(--markdown "$GITHUB_STEP_SUMMARY")
[ -n "${GITHUB_OUTPUT:-}" ] && args+=(--github-output "$GITHUB_OUTPUT")
while IFS= read -r report; do
    [ -n "$report" ] && args+=(--coverage "$report")
done <<<"${INPUT_COVERAGE:-}"
while IFS= read -r report; do
    [ -n "$report" ] && args+=(--base-coverage "$report")
done <<<"${INPUT_BASE_COVERAGE:-}"
# shellcheck disable=SC2206 # extra arguments are words, as on a command line
extra=(${INPUT_ARGS:-})
"$debtgate" "${args[@]}" "${extra[@]}"
