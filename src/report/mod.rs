//! Renders a verdict in each output format. Every renderer is a pure function from data to
//! bytes; nothing here prints.

pub mod github;
pub mod gitlab;
pub mod html;
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
    /// One self-contained HTML page, with pictures.
    Html,
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
        Format::Html => html::render(verdict),
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

    #[test]
    fn html() {
        insta::assert_snapshot!(html::render(&sample::verdict()));
    }

    /// The HTML report read by an HTML5 tokenizer: no parse error, and nothing that would
    /// fetch anything (no script, stylesheet link, image, frame, `src`, external `href` or CSS
    /// `url(`/`@import`), whatever the sample's hostile names hold.
    #[test]
    fn the_html_report_is_well_formed_and_self_contained() {
        use html5ever::tendril::StrTendril;
        use html5ever::tokenizer::{
            BufferQueue, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
        };
        use std::cell::RefCell;

        /// A tag's name and its attributes' names and values.
        type Tag = (String, Vec<(String, String)>);
        #[derive(Default)]
        struct Seen {
            errors: RefCell<Vec<String>>,
            tags: RefCell<Vec<Tag>>,
            text: RefCell<String>,
        }
        impl TokenSink for Seen {
            type Handle = ();
            fn process_token(&self, token: Token, line: u64) -> TokenSinkResult<()> {
                match token {
                    Token::ParseError(e) => self.errors.borrow_mut().push(format!("line {line}: {e}")),
                    Token::TagToken(tag) => {
                        let attrs = tag
                            .attrs
                            .iter()
                            .map(|a| (a.name.local.to_string(), a.value.to_string()))
                            .collect();
                        self.tags.borrow_mut().push((tag.name.to_string(), attrs));
                    }
                    Token::CharacterTokens(t) => self.text.borrow_mut().push_str(&t),
                    _ => {}
                }
                TokenSinkResult::Continue
            }
        }
        let page = html::render(&sample::verdict());
        let tokenizer = Tokenizer::new(Seen::default(), TokenizerOpts::default());
        let input = BufferQueue::default();
        input.push_back(StrTendril::from(page.as_str()));
        let _ = tokenizer.feed(&input);
        tokenizer.end();
        let seen = &tokenizer.sink;
        assert_eq!(*seen.errors.borrow(), Vec::<String>::new());
        for (name, attrs) in seen.tags.borrow().iter() {
            assert!(
                !matches!(
                    name.as_str(),
                    "script" | "link" | "img" | "iframe" | "object" | "embed" | "base"
                ),
                "<{name}> in the report"
            );
            for (attr, value) in attrs {
                assert!(
                    !matches!(attr.as_str(), "src" | "srcset" | "href" | "action"),
                    "{name} {attr}={value}"
                );
                assert!(!attr.starts_with("on"), "{name} {attr}");
            }
        }
        let text = seen.text.borrow();
        assert!(
            !text.contains("url(") && !text.contains("@import"),
            "CSS fetches nothing"
        );
        // The hostile name arrives as text, not markup.
        assert!(text.contains("render<T>|`x`"), "{text}");
        // The pictures are there: a bar per judged condition, the code frame with its increment.
        let svgs = seen.tags.borrow().iter().filter(|(n, _)| n == "svg").count();
        assert!(svgs >= 3, "{svgs} pictures");
        assert!(
            text.contains("if depth > limit && !self.lenient {")
                && text.contains("+3 if (incl. 2 for nesting)")
        );
    }
}
