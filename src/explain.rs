//! `debtgate explain FILE:FUNCTION`: a function's metrics against the default limits, with its
//! code and each cognitive-complexity increment beside the line it comes from, the way
//! SonarQube shows them.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::lang::{self, Language, ParseLimits};
use crate::metrics::complexity::{self, FunctionMetrics};
use crate::report::escape_control;
use crate::rules::Rule;

/// A `FILE:FUNCTION` or `FILE:LINE` target, split at its last `:`.
pub struct Target<'a> {
    pub path: &'a Path,
    pub function: &'a str,
}

impl<'a> Target<'a> {
    /// `None` when `text` names no existing file before a `:` (then it is a rule id).
    pub fn parse(text: &'a str) -> Option<Target<'a>> {
        let (path, function) = text.rsplit_once(':')?;
        let path = Path::new(path);
        (path.is_file() && !function.is_empty()).then_some(Target { path, function })
    }
}

/// The explanation of one function, as text.
/// `note`, when not empty, says where the limits come from (test code's, an override's).
pub fn function(target: &Target<'_>, rules: &[Rule], note: &str, limits: ParseLimits) -> Result<String> {
    let shown_path = escape_control(&target.path.to_string_lossy()).into_owned();
    let source = std::fs::read(target.path).with_context(|| format!("cannot read {shown_path}"))?;
    let Some(language) = Language::detect(&target.path.to_string_lossy(), Some(&source)) else {
        bail!("{shown_path}: not a file of a language debtgate measures (see README, \"Languages\")");
    };
    let parsed = lang::parse(language, source, limits).map_err(|e| anyhow::anyhow!("{shown_path}: {e}"))?;
    let functions = complexity::measure(&parsed);
    let f = pick(&functions, target.function).map_err(|e| anyhow::anyhow!("{shown_path}: {e}"))?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{shown_path}:{} {} ({}, lines {}-{})",
        f.start_line,
        escape_control(crate::identity::display_name(&f.qualified_name)),
        language.name(),
        f.start_line,
        f.end_line
    );
    if !note.is_empty() {
        let _ = writeln!(out, "  ({note})");
    }
    for rule in rules.iter().filter(|r| r.enabled && r.metric.of(f).is_some()) {
        let value = rule.metric.of(f).unwrap_or(0);
        let verdict = if value > rule.threshold { "over" } else { "within" };
        let _ = writeln!(
            out,
            "  {:<24} {value:>4}  {verdict} the limit of {} ({})",
            rule.metric.label(),
            rule.threshold,
            rule.id
        );
    }
    if f.cognitive.is_none() {
        let _ = writeln!(
            out,
            "  cognitive complexity: counted in the enclosing function (a nested def, as complexipy counts it)"
        );
    }
    out.push('\n');
    code_frame(&mut out, &parsed.source, f);
    Ok(out)
}

/// Finds the function `wanted` names: a qualified name, else a unique short name, else a line
/// inside it (the innermost function there).
fn pick<'f>(functions: &'f [FunctionMetrics], wanted: &str) -> Result<&'f FunctionMetrics, String> {
    if let Ok(line) = wanted.parse::<u32>() {
        return functions
            .iter()
            .filter(|f| f.start_line <= line && line <= f.end_line)
            .min_by_key(|f| f.end_line - f.start_line)
            .ok_or_else(|| format!("no function spans line {line}"));
    }
    if let Some(f) = functions.iter().find(|f| f.qualified_name == wanted) {
        return Ok(f);
    }
    let named: Vec<&FunctionMetrics> = functions
        .iter()
        .filter(|f| f.name == wanted || crate::identity::display_name(&f.qualified_name) == wanted)
        .collect();
    match named[..] {
        [f] => Ok(f),
        [] => Err(format!(
            "no function named `{}`; its functions are: {}",
            escape_control(wanted),
            list(functions.iter())
        )),
        _ => Err(format!(
            "{} functions are named `{}`; name one by its qualified name or a line in it: {}",
            named.len(),
            escape_control(wanted),
            list(named.into_iter())
        )),
    }
}

fn list<'f>(functions: impl Iterator<Item = &'f FunctionMetrics>) -> String {
    let names: Vec<String> = functions
        .take(20)
        .map(|f| format!("{} (line {})", escape_control(&f.qualified_name), f.start_line))
        .collect();
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

/// The function's lines, each with the increments it adds.
fn code_frame(out: &mut String, source: &[u8], f: &FunctionMetrics) {
    let text = String::from_utf8_lossy(source);
    let lines: Vec<&str> = text.lines().collect();
    let notes: Vec<(u32, String)> = f.increments.iter().map(|i| (i.line, i.describe())).collect();
    let width = notes
        .iter()
        .map(|(_, n)| n.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(10, 40);
    let total = f.increments.iter().map(|i| i.amount).sum::<u32>();
    for line in f.start_line..=f.end_line {
        let code = lines.get(line as usize - 1).copied().unwrap_or("");
        let code = escape_control(&code.replace('\t', "    ")).into_owned();
        let here: Vec<&str> = notes
            .iter()
            .filter(|(l, _)| *l == line)
            .map(|(_, n)| n.as_str())
            .collect();
        let first = here.first().copied().unwrap_or("");
        let _ = writeln!(out, "{line:>6} | {first:<width$} | {code}");
        for more in here.iter().skip(1) {
            let _ = writeln!(out, "{:>6} | {more:<width$} |", "");
        }
    }
    if f.cognitive.is_some() {
        let _ = writeln!(out, "{:>6}   {:<width$}   = cognitive complexity {total}", "", "");
    }
}
