//! Inline suppressions: `debtgate: ignore[rule-id, other-id] the reason`, in a comment on the
//! line of a finding, the line above it, or the head line of its function (or the line above
//! that). A suppression needs a reason; without one, or naming no rule, it suppresses nothing
//! and is a finding itself. Suppressed findings stay in every report, marked.

/// One `debtgate: ignore[...]` comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    pub line: u32,
    /// Where the marker starts in the file, to tell a comment from a string.
    pub byte: usize,
    pub rules: Vec<String>,
    pub reason: Option<String>,
}

const MARKER: &str = "debtgate: ignore[";

/// Keeps the suppressions whose marker lies inside a comment (`comments`: byte ranges, in
/// order): `"debtgate: ignore[...]"` in a string or a docstring suppresses nothing.
pub fn in_comments(suppressions: &mut Vec<Suppression>, comments: &[std::ops::Range<usize>]) {
    suppressions.retain(|s| {
        let i = comments.partition_point(|c| c.end <= s.byte);
        comments.get(i).is_some_and(|c| c.start <= s.byte)
    });
}

/// Every suppression in a file, in line order (see [`in_comments`]).
pub fn scan(source: &[u8]) -> Vec<Suppression> {
    let mut out = Vec::new();
    // A cheap test first: most files have none.
    if !source.windows(MARKER.len()).any(|w| w == MARKER.as_bytes()) {
        return out;
    }
    let mut offset = 0;
    for (i, line) in source.split(|&b| b == b'\n').enumerate() {
        let start = offset;
        offset += line.len() + 1;
        let Some(byte_at) = line.windows(MARKER.len()).position(|w| w == MARKER.as_bytes()) else {
            continue;
        };
        let text = String::from_utf8_lossy(line);
        let Some(at) = text.find(MARKER) else { continue };
        // Quoted as inline code (`` `debtgate: ignore[rule] why` ``), the marker is the syntax
        // being documented, not a suppression.
        if text[..at].matches('`').count() % 2 == 1 {
            continue;
        }
        let rest = &text[at + MARKER.len()..];
        let (ids, reason) = match rest.split_once(']') {
            Some((ids, reason)) => (ids, reason),
            None => (rest, ""),
        };
        let reason = reason
            .trim()
            .trim_end_matches("*/")
            .trim_end_matches("-->")
            .trim()
            .trim_start_matches([':', '-', '—'])
            .trim();
        out.push(Suppression {
            line: u32::try_from(i + 1).unwrap_or(u32::MAX),
            byte: start + byte_at,
            rules: ids
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            reason: (!reason.is_empty()).then(|| reason.to_string()),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marker_quoted_as_inline_code_documents_the_syntax() {
        let src = b"/// Write `debtgate: ignore[rule-id] the reason` above it.\n// debtgate: ignore[nesting-depth] a table\n# see `x` then debtgate: ignore[a] b\n";
        let found = scan(src);
        assert_eq!(found.iter().map(|s| s.line).collect::<Vec<_>>(), [2, 3]);
    }

    #[test]
    fn parses_rules_and_reasons_in_any_comment_syntax() {
        let src = b"x = 1\n# debtgate: ignore[cognitive-complexity] parser state machine, tested exhaustively\nfn f() {} // debtgate: ignore[a, b]\n/* debtgate: ignore[c] -- generated */\n";
        let s = scan(src);
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].line, 2);
        assert_eq!(s[0].rules, ["cognitive-complexity"]);
        assert_eq!(
            s[0].reason.as_deref(),
            Some("parser state machine, tested exhaustively")
        );
        assert_eq!(s[1].rules, ["a", "b"]);
        assert_eq!(s[1].reason, None);
        assert_eq!(s[2].reason.as_deref(), Some("generated"));
        assert!(scan(b"no marker here\n").is_empty());
    }
}
