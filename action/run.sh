#!/usr/bin/env bash
# Runs `debtgate check` in GitHub Actions: makes sure the base commit is in the (often shallow)
# clone, then writes annotations (stdout), the Markdown summary ($GITHUB_STEP_SUMMARY), the
# step outputs ($GITHUB_OUTPUT) and SARIF. The exit code is debtgate's: 0 passed, 1 failed,
# 2 could not judge.
set -uo pipefail
debtgate=${DEBTGATE:-debtgate}

# debtgate writes its Markdown summary here; it is appended to the step summary and is the
# pull-request comment's body (action/comment.py).
if [ -n "${RUNNER_TEMP:-}" ]; then
    summary_file=$RUNNER_TEMP/debtgate-summary.md
    rm -f "$summary_file"
else
    summary_file=$(mktemp "${TMPDIR:-/tmp}/debtgate-summary.XXXXXXXX")
fi

publish_summary() {
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$summary_file" ]; then
        cat "$summary_file" >>"$GITHUB_STEP_SUMMARY"
    fi
}

# The action's own refusals are reported where debtgate's are: an annotation, the step
# summary and the step outputs, then exit 2 (could not judge).
fail() {
    local data=${1//%/%25}
    data=${data//$'\r'/%0D}
    echo "::error title=debtgate could not judge the change::${data//$'\n'/%0A}"
    echo "debtgate: $1" >&2
    # Markdown is not interpreted: the message names inputs the workflow gave.
    printf '## ⚠️ debtgate could not judge the change\n\n```text\n%s\n```\n' "${1//\`/\'}" >"$summary_file"
    publish_summary
    if [ -n "${GITHUB_OUTPUT:-}" ]; then
        printf 'passed=false\nfindings=0\nexit-code=2\npatch-coverage=\ndebt-minutes=\nsarif-file=\n' >>"$GITHUB_OUTPUT"
    fi
    exit 2
}

# pull_request_target runs with the base repository's secrets and a write token: judging the
# pull request's code there is for workflows that chose it.
if [ "${GITHUB_EVENT_NAME:-}" = pull_request_target ] && [ "${INPUT_ALLOW_PULL_REQUEST_TARGET:-false}" != true ]; then
    fail "refusing to run under pull_request_target, where a pull request's code runs with the base repository's secrets. Use the pull_request event, or set allow-pull-request-target: true if this workflow checks out only trusted code."
fi

base=${INPUT_BASE:-}
# A base from the input is a revision, never an option (`--upload-pack=...` would run a command).
case "$base" in
    -*) fail "the base input '$base' starts with '-': give a commit id or a branch name" ;;
esac
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
        case "$base" in
            *[!0]*) ;;
            *)  # a push that created the branch: judge it from the default branch
                base=""
                default=$(python3 -c 'import json, sys
print((json.load(open(sys.argv[1])).get("repository") or {}).get("default_branch") or "")' "$GITHUB_EVENT_PATH")
                if printf '%s' "$default" | grep -Eq '^[A-Za-z0-9._/][A-Za-z0-9._/-]*$' &&
                    git fetch --no-tags --quiet --depth=50 --end-of-options origin "+refs/heads/$default:refs/remotes/origin/$default"; then
                    base=$(git rev-parse --verify --quiet --end-of-options "refs/remotes/origin/$default^{commit}")
                fi
                ;;
        esac
        # The payload is data: only a full object id is taken from it.
        if [ -n "$base" ] && ! printf '%s' "$base" | grep -Eq '^([0-9a-f]{40}|[0-9a-f]{64})$'; then
            fail "the event payload's $key is not a commit id: ${base:0:80}"
        fi
    fi
fi

# A shallow clone (actions/checkout's default) lacks the base: fetch it, then deepen until
# base and head share history.
if [ -n "$base" ]; then
    if ! git rev-parse --verify --quiet --end-of-options "$base^{commit}" >/dev/null; then
        git fetch --no-tags --quiet --depth=1 --end-of-options origin "$base" || true
    fi
    tries=0
    while [ "$(git rev-parse --is-shallow-repository)" = true ] && ! git merge-base --end-of-options "$base" HEAD >/dev/null 2>&1 && [ $tries -lt 12 ]; do
        git fetch --no-tags --quiet --deepen=50 --end-of-options origin "$base" "$(git rev-parse HEAD)" 2>/dev/null ||
            git fetch --no-tags --quiet --deepen=50 origin || break
        tries=$((tries + 1))
    done
fi

args=(check --format github --sarif "${INPUT_SARIF_FILE:-debtgate.sarif}")
[ -n "$base" ] && args+=(--base "$base")
args+=(--markdown "$summary_file")
[ -n "${INPUT_HTML_FILE:-}" ] && args+=(--html "$INPUT_HTML_FILE")
[ -n "${GITHUB_OUTPUT:-}" ] && args+=(--github-output "$GITHUB_OUTPUT")
while IFS= read -r report; do
    [ -n "$report" ] && args+=(--coverage "$report")
done <<<"${INPUT_COVERAGE:-}"
while IFS= read -r report; do
    [ -n "$report" ] && args+=(--base-coverage "$report")
done <<<"${INPUT_BASE_COVERAGE:-}"
# Extra arguments are words, as on a command line, but never globs: `--format *` must not
# expand to the checkout's file names.
set -f
# shellcheck disable=SC2206
extra=(${INPUT_ARGS:-})
set +f
"$debtgate" "${args[@]}" "${extra[@]}"
status=$?
publish_summary
exit $status
