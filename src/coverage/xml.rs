//! Cobertura (coverage.py, c8/nyc, gcovr, cargo-llvm-cov --cobertura...) and JaCoCo XML,
//! streamed with quick-xml. A document type that declares entities is refused: no entity is
//! ever expanded, so a billion-laughs report cannot exhaust memory.

use std::io::BufRead;

use anyhow::{bail, Context, Result};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::{valid_line, Report};

/// The attributes of an element, unescaped, by name.
fn attr(e: &BytesStart<'_>, name: &str) -> Result<Option<String>> {
    for a in e.attributes() {
        let a = a.context("malformed attribute")?;
        if a.key.as_ref() == name {
            #[allow(deprecated)]
            let value = a.unescape_value().context("malformed attribute value")?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}

fn required(e: &BytesStart<'_>, name: &str) -> Result<String> {
    attr(e, name)?.with_context(|| format!("<{}> has no {name}=\"…\" attribute", e.name().as_ref()))
}

fn num<T: std::str::FromStr>(e: &BytesStart<'_>, name: &str) -> Result<Option<T>> {
    attr(e, name)?
        .map(|v| {
            v.trim()
                .parse()
                .ok()
                .with_context(|| format!("{name}=\"{v}\" is not a number"))
        })
        .transpose()
}

/// What the readers see of a document.
enum Item<'a, 'e> {
    Start(&'a BytesStart<'e>),
    End(&'a str),
    Text(&'a str),
}

/// Walks the events of a document, refusing entity declarations, and hands starts (and empty
/// elements, followed by their end), ends and text to `on`.
fn walk(input: impl BufRead, mut on: impl FnMut(Item<'_, '_>) -> Result<()>) -> Result<()> {
    let mut reader = Reader::from_reader(input);
    reader.config_mut().trim_text(true);
    let mut buf = Vec::new();
    let mut elements = 0usize;
    loop {
        let position = reader.buffer_position();
        let event = reader
            .read_event_into(&mut buf)
            .with_context(|| format!("malformed XML near byte {position}"))?;
        elements += usize::from(matches!(event, Event::Start(_) | Event::Empty(_)));
        match event {
            Event::Eof => break,
            event => hand_on(event, &mut on)?,
        }
        buf.clear();
    }
    if elements == 0 {
        bail!("no XML elements");
    }
    Ok(())
}

/// Hands one event to a reader as the items it stands for.
fn hand_on(event: Event<'_>, on: &mut impl FnMut(Item<'_, '_>) -> Result<()>) -> Result<()> {
    match event {
        Event::DocType(d) if d.xml10_content().contains("<!ENTITY") => {
            bail!("the document type declares entities; debtgate never expands them (remove the DOCTYPE)")
        }
        Event::Start(e) => on(Item::Start(&e)),
        Event::Empty(e) => {
            on(Item::Start(&e))?;
            on(Item::End(e.name().as_ref()))
        }
        Event::End(e) => on(Item::End(e.name().as_ref())),
        Event::Text(t) => on(Item::Text(&t.xml10_content())),
        Event::GeneralRef(r) => {
            let name = r.xml10_content();
            match predefined_entity(&name).or_else(|| r.resolve_char_ref().ok().flatten()) {
                Some(c) => on(Item::Text(&c.to_string())),
                None => bail!("unknown entity &{name}; (debtgate expands no declared entity)"),
            }
        }
        _ => Ok(()),
    }
}

/// The five entities XML predefines.
fn predefined_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => return None,
    })
}

/// A coverage format read from XML events: its root element, and what it does with starts, ends
/// and text.
trait Document {
    const ROOT: &'static str;
    fn start(&mut self, e: &BytesStart<'_>) -> Result<()>;
    fn end(&mut self, name: &str);
    fn text(&mut self, _text: &str) {}
}

/// Reads a document; one without the format's root element is an error.
fn read_document<D: Document>(input: impl BufRead, doc: &mut D) -> Result<()> {
    let mut saw_root = false;
    walk(input, |item| {
        match item {
            Item::Start(e) => {
                saw_root |= e.name().as_ref() == D::ROOT;
                return doc.start(e);
            }
            Item::End(name) => doc.end(name),
            Item::Text(t) => doc.text(t),
        }
        Ok(())
    })?;
    if !saw_root {
        bail!("no <{}> root element", D::ROOT);
    }
    Ok(())
}

/// Cobertura: `<class filename>` holds `<lines><line number hits branch condition-coverage>`;
/// the `<lines>` inside `<methods>` repeat them and are skipped. Filenames are relative to the
/// `<source>` entries; with exactly one, it is joined to them.
pub fn read_cobertura(input: impl BufRead, report: &mut Report) -> Result<()> {
    let mut cobertura = Cobertura {
        report,
        sources: Vec::new(),
        source_text: None,
        class: None,
        in_methods: 0,
    };
    read_document(input, &mut cobertura)
}

/// A Cobertura document being read.
struct Cobertura<'r> {
    report: &'r mut Report,
    sources: Vec<String>,
    /// The text of the `<source>` being read.
    source_text: Option<String>,
    /// The path of the `<class>` being read.
    class: Option<String>,
    /// How many `<methods>` are open.
    in_methods: usize,
}

impl Document for Cobertura<'_> {
    const ROOT: &'static str = "coverage";

    fn start(&mut self, e: &BytesStart<'_>) -> Result<()> {
        match e.name().as_ref() {
            "source" => self.source_text = Some(String::new()),
            "methods" => self.in_methods += 1,
            "class" => {
                let path = cobertura_path(&self.sources, required(e, "filename")?);
                self.class = Some(open_file(self.report, path));
            }
            "line" if self.in_methods == 0 => {
                if let Some(path) = &self.class {
                    cobertura_line(e, self.report.file(path))?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, name: &str) {
        match name {
            "source" => {
                let text = self.source_text.take().unwrap_or_default();
                self.sources.push(text.trim().to_string());
            }
            "methods" => self.in_methods = self.in_methods.saturating_sub(1),
            "class" => self.class = None,
            _ => {}
        }
    }

    fn text(&mut self, text: &str) {
        if let Some(source) = &mut self.source_text {
            source.push_str(text);
        }
    }
}

/// Enters a file in the report, so that a file the tests never ran is known as measured.
fn open_file(report: &mut Report, path: String) -> String {
    report.file(&path);
    path
}

/// A `<line>`'s line number, from its `attribute`.
fn line_number(e: &BytesStart<'_>, attribute: &str) -> Result<u32> {
    let line: u64 = num(e, attribute)?.with_context(|| format!("<line> has no {attribute}=\"…\""))?;
    valid_line(line)
}

/// Branch counts a report gives for a line as a whole (taken, of all); two records of the
/// line keep the larger counts.
fn branch_counts(file: &mut super::FileCoverage, line: u32, taken: u32, total: u32) {
    let entry = file.branches.entry(line).or_insert((0, 0));
    *entry = (entry.0.max(taken), entry.1.max(total));
}

/// A `<class filename>` relative to the report's one `<source>`, where it has exactly one.
fn cobertura_path(sources: &[String], filename: String) -> String {
    let filename = filename.replace('\\', "/");
    match sources {
        [one] if !filename.starts_with('/') && !one.is_empty() => {
            format!(
                "{}/{filename}",
                one.trim_end_matches(['/', '\\']).replace('\\', "/")
            )
        }
        _ => filename,
    }
}

/// One `<line number hits branch condition-coverage>`.
fn cobertura_line(e: &BytesStart<'_>, file: &mut super::FileCoverage) -> Result<()> {
    let line = line_number(e, "number")?;
    file.hit(line, hits_of(e)?);
    if attr(e, "branch")?.as_deref() != Some("true") {
        return Ok(());
    }
    if let Some((taken, total)) = attr(e, "condition-coverage")?
        .as_deref()
        .and_then(condition_coverage)
    {
        branch_counts(file, line, taken, total);
    }
    Ok(())
}

/// A `<line>`'s `hits`, 0 when it has none.
fn hits_of(e: &BytesStart<'_>) -> Result<u64> {
    attr(e, "hits")?.map_or(Ok(0), |v| super::hit_count(v.as_bytes(), "hits"))
}

/// `50% (1/2)`: branches taken, of all.
fn condition_coverage(text: &str) -> Option<(u32, u32)> {
    let inner = text.split('(').nth(1)?.strip_suffix(')')?;
    let (taken, total) = inner.split_once('/')?;
    Some((
        taken.trim().parse().unwrap_or(0),
        total.trim().parse().unwrap_or(0),
    ))
}

/// JaCoCo: `<package name="a/b">` holds `<sourcefile name="C.java">` with
/// `<line nr mi ci mb cb>`; a line is covered when one of its instructions ran (ci > 0).
pub fn read_jacoco(input: impl BufRead, report: &mut Report) -> Result<()> {
    let mut jacoco = Jacoco {
        report,
        package: String::new(),
        file: None,
    };
    read_document(input, &mut jacoco)
}

/// A JaCoCo document being read.
struct Jacoco<'r> {
    report: &'r mut Report,
    package: String,
    /// The path of the `<sourcefile>` being read.
    file: Option<String>,
}

impl Document for Jacoco<'_> {
    const ROOT: &'static str = "report";

    fn start(&mut self, e: &BytesStart<'_>) -> Result<()> {
        match e.name().as_ref() {
            "package" => self.package = required(e, "name")?,
            "sourcefile" => {
                let path = jacoco_path(&self.package, required(e, "name")?);
                self.file = Some(open_file(self.report, path));
            }
            "line" => {
                if let Some(path) = &self.file {
                    jacoco_line(e, self.report.file(path))?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, name: &str) {
        match name {
            "sourcefile" => self.file = None,
            "package" => self.package.clear(),
            _ => {}
        }
    }
}

/// A `<sourcefile name>` in its `<package name>`.
fn jacoco_path(package: &str, name: String) -> String {
    if package.is_empty() {
        name
    } else {
        format!("{package}/{name}")
    }
}

/// One `<line nr mi ci mb cb>`: covered instructions, missed and covered branches.
fn jacoco_line(e: &BytesStart<'_>, file: &mut super::FileCoverage) -> Result<()> {
    let line = line_number(e, "nr")?;
    let covered: u64 = num(e, "ci")?.unwrap_or(0);
    let (missed_b, covered_b): (u32, u32) = (num(e, "mb")?.unwrap_or(0), num(e, "cb")?.unwrap_or(0));
    file.hit(line, covered);
    if missed_b + covered_b > 0 {
        branch_counts(file, line, covered_b, missed_b + covered_b);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cobertura_lines_branches_and_sources() {
        let xml = r#"<?xml version="1.0" ?>
<coverage version="7.6"><sources><source>/ci/work/src</source></sources>
<packages><package name="pkg"><classes><class name="a.py" filename="pkg/a.py">
<methods><method name="f"><lines><line number="1" hits="1"/></lines></method></methods>
<lines><line number="1" hits="1"/><line number="2" hits="0" branch="true" condition-coverage="50% (1/2)"/></lines>
</class></classes></package></packages></coverage>"#;
        let mut r = Report::default();
        read_cobertura(xml.as_bytes(), &mut r).unwrap();
        let f = &r.files["/ci/work/src/pkg/a.py"];
        assert_eq!(f.get(1), Some(true));
        assert_eq!(f.get(2), Some(false));
        assert_eq!(f.branches[&2], (1, 2));
    }

    #[test]
    fn jacoco_lines() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd"><report name="x"><package name="com/ex"><sourcefile name="A.java"><line nr="3" mi="0" ci="2" mb="1" cb="1"/><line nr="4" mi="3" ci="0" mb="0" cb="0"/></sourcefile></package></report>"#;
        let mut r = Report::default();
        read_jacoco(xml.as_bytes(), &mut r).unwrap();
        let f = &r.files["com/ex/A.java"];
        assert!(f.get(3) == Some(true) && f.get(4) == Some(false));
        assert_eq!(f.branches[&3], (1, 2));
    }

    #[test]
    fn entity_declarations_are_refused() {
        let xml = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><coverage><sources><source>&lol2;</source></sources></coverage>"#;
        let e = read_cobertura(xml.as_bytes(), &mut Report::default()).unwrap_err();
        assert!(e.to_string().contains("entities"), "{e}");
    }
}
