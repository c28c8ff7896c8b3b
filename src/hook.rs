//! The git pre-push hook `debtgate install-hook` writes.

/// Quotes a string for a POSIX shell.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The line that marks a hook as debtgate's own: `install-hook` replaces such a hook (a new
/// path to the binary, a newer script) without `--force`.
pub const MARKER: &str = "# debtgate pre-push hook, written by `debtgate install-hook`.";

/// Whether a hook file is one `install-hook` wrote.
pub fn is_own(hook: &[u8]) -> bool {
    hook.split(|&b| b == b'\n')
        .take(3)
        .any(|line| line == MARKER.as_bytes())
}

/// A pre-push hook: git passes `<local ref> <local sha> <remote ref> <remote sha>` lines on
/// standard input; each pushed range is checked against what the remote has (or, for a new
/// branch, debtgate's default base). A failed check blocks the push; one that cannot judge
/// warns and lets it through (`git push --no-verify` skips the hook).
pub fn pre_push(debtgate: &str) -> String {
    format!(
        r#"#!/bin/sh
{MARKER}
debtgate={exe}
[ -x "$debtgate" ] || debtgate=debtgate
status=0
while read -r local_ref local_sha remote_ref remote_sha; do
    case "$local_sha" in *[!0]*) ;; *) continue ;; esac  # a deleted ref
    if case "$remote_sha" in *[!0]*) true ;; *) false ;; esac && git cat-file -e "$remote_sha^{{commit}}" 2>/dev/null; then
        "$debtgate" check --base "$remote_sha" --head "$local_sha"
    else
        "$debtgate" check --head "$local_sha"
    fi
    rc=$?
    if [ "$rc" -eq 1 ]; then
        status=1
    elif [ "$rc" -ne 0 ]; then
        echo "debtgate: could not judge $local_ref (exit $rc); pushing anyway" >&2
    fi
done
if [ "$status" -ne 0 ]; then
    echo "debtgate: push blocked; fix the findings above, or skip once with git push --no-verify" >&2
fi
exit $status
"#,
        exe = shell_quote(debtgate)
    )
}
