//! Inline suppressions: `debtgate: ignore[rule-id, other-id] the reason`, in a comment on the
//! line of a finding, the line above it, or the head line of its function (or the line above
//! that). A suppression needs a reason; without one, or naming no rule, it suppresses nothing
//! and is a finding itself. Suppressed findings stay in every report, marked.

/// One `debtgate: ignore[...]` comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    pub line: u32,
    pub rules: Vec<String>,
    pub reason: Option<String>,
}

const MARKER: &str = "debtgate: ignore[";

/// Every suppression in a file, in line order.
pub fn scan(source: &[u8]) -> Vec<Suppression> {
    let mut out = Vec::new();
    // A cheap test first: most files have none.
    if !source.windows(MARKER.len()).any(|w| w == MARKER.as_bytes()) {
        return out;
    }
    for (i, line) in source.split(|&b| b == b'\n').enumerate() {
        let text = String::from_utf8_lossy(line);
        let Some(at) = text.find(MARKER) else { continue };
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
