//! Renders a verdict in each output format. Every renderer is a pure function from data to
//! bytes; nothing here prints.

pub mod github;
pub mod gitlab;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod text;

#[cfg(test)]
pub(crate) mod sample;

/// Output formats of `debtgate check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    /// GitHub Actions workflow commands: annotations on the diff.
    Github,
    Markdown,
    /// GitLab Code Quality JSON.
    Gitlab,
    Junit,
}

/// Renders `verdict` in `format` (the terminal report with ANSI colour when `color`).
pub fn render(format: Format, verdict: &crate::verdict::Verdict, color: bool) -> String {
    match format {
        Format::Text => text::render_with(verdict, color),
        Format::Json => json::render(verdict),
        Format::Sarif => sarif::render(verdict),
        Format::Github => github::render(verdict),
        Format::Markdown => markdown::render(verdict),
        Format::Gitlab => gitlab::render(verdict),
        Format::Junit => junit::render(verdict),
    }
}

/// Makes untrusted text safe for a terminal and a log: control characters (newlines, escape
/// sequences, OSC links and titles) and bidirectional overrides are shown escaped instead of
/// acting on what displays them.
pub fn escape_control(s: &str) -> std::borrow::Cow<'_, str> {
    escape_unless(s, |_| false)
}

/// For debtgate's own messages, whose untrusted parts were escaped where the message was made:
/// as [`escape_control`], but a newline stays a newline.
pub fn escape_own(s: &str) -> std::borrow::Cow<'_, str> {
    escape_unless(s, |c| c == '\n')
}

/// Bidirectional controls (Trojan Source): they reorder what a reader sees.
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// A byte of a file name that is not UTF-8 (see `git::path_from_bytes`).
fn is_raw_byte(c: char) -> bool {
    matches!(u32::from(c), 0xF780..=0xF7FF)
}

fn escape_unless(s: &str, keep: impl Fn(char) -> bool) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| (c.is_control() || is_bidi_control(c) || is_raw_byte(c)) && !keep(c);
    if !s.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A raw byte of a file name as `\xNN`, a bidi control as `\u{...}`, any other control
/// character the way Rust writes it.
fn push_escaped(out: &mut String, c: char) {
    if is_raw_byte(c) {
        out.push_str(&format!("\\x{:02x}", u32::from(c) - 0xF700));
    } else if is_bidi_control(c) {
        out.extend(c.escape_unicode());
    } else {
        out.extend(c.escape_default());
    }
}

#[cfg(test)]
mod escape_tests {
    use super::*;

    #[test]
    fn control_and_bidi_characters_are_shown_escaped() {
        assert_eq!(escape_control("a\nb\x1b[2J"), "a\\nb\\u{1b}[2J");
        assert_eq!(escape_control("x\u{202E}y"), "x\\u{202e}y");
        assert_eq!(
            escape_control("\x1b]8;;http://x\x07"),
            "\\u{1b}]8;;http://x\\u{7}"
        );
        assert_eq!(
            escape_own("line one\nline two\x1b[2J"),
            "line one\nline two\\u{1b}[2J"
        );
        assert_eq!(escape_control("plain"), "plain");
    }
}

/// Every writer on the one shared sample (`sample.rs`).
#[cfg(test)]
mod snapshots {
    use super::*;

    #[test]
    fn text() {
        insta::assert_snapshot!(text::render_with(&sample::verdict(), false));
    }

    #[test]
    fn text_in_colour() {
        insta::assert_snapshot!(text::render_with(&sample::verdict(), true));
    }

    #[test]
    fn json() {
        insta::assert_snapshot!(json::render(&sample::verdict()));
    }

    #[test]
    fn sarif() {
        insta::assert_snapshot!(sarif::render(&sample::verdict()));
    }

    #[test]
    fn github() {
        insta::assert_snapshot!(github::render(&sample::verdict()));
    }

    #[test]
    fn github_step_outputs() {
        let sarif = std::path::Path::new("out/debtgate.sarif");
        insta::assert_snapshot!(github::step_outputs(&sample::verdict(), Some(sarif)));
    }

    #[test]
    fn markdown() {
        insta::assert_snapshot!(markdown::render(&sample::verdict()));
    }

    #[test]
    fn gitlab() {
        insta::assert_snapshot!(gitlab::render(&sample::verdict()));
    }

    #[test]
    fn junit() {
        insta::assert_snapshot!(junit::render(&sample::verdict()));
    }
}
