//! Renders a verdict in each output format. Every renderer is a pure function from data to
//! bytes; nothing here prints.

pub mod github;
pub mod gitlab;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod text;

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

/// Makes untrusted text safe for a terminal: control characters (newlines, escape sequences)
/// are shown escaped instead of acting on the terminal.
pub fn escape_control(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}
