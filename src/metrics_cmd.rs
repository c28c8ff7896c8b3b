//! `debtgate metrics`: per-function metrics of files on disk, one JSON object a line.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use rayon::prelude::*;
use serde::Serialize;

use crate::lang::{self, Language, ParseLimits};
use crate::metrics::complexity::{self, FunctionMetrics};

/// One line of `--format jsonl`.
#[derive(Serialize)]
pub struct Row<'a> {
    pub file: &'a str,
    pub language: &'static str,
    pub name: &'a str,
    pub qualified_name: &'a str,
    pub start_line: u32,
    /// 1-based, in UTF-16 code units (as SARIF and ESLint count).
    pub start_column: u32,
    pub end_line: u32,
    pub cyclomatic: u32,
    pub cognitive: Option<u32>,
    pub params: u32,
    pub lines: u32,
    pub max_nesting: u32,
    pub returns: u32,
    /// Where the cognitive complexity comes from (with `--increments`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub increments: Option<&'a [complexity::Increment]>,
}

/// The functions of one file, and why some or all are missing, if they are.
pub struct FileMetrics {
    pub path: String,
    pub language: Language,
    pub functions: Vec<FunctionMetrics>,
    /// Why the file was not, or not fully, measured.
    pub problem: Option<String>,
    pub source_lines: usize,
}

/// Finds the source files under `paths` (directories walked with `.gitignore` rules;
/// files named directly are always read), measures them in parallel and hands each to `each`
/// in path order, a batch at a time: memory holds one batch's results, not the whole tree's.
pub fn measure_paths(
    paths: &[PathBuf],
    limits: ParseLimits,
    mut each: impl FnMut(FileMetrics) -> Result<()>,
) -> Result<()> {
    let mut files: Vec<(String, Option<Language>)> = Vec::new();
    for root in paths {
        source_files(root, &mut files)?;
    }
    files.sort();
    files.dedup();
    // Enough files per batch to keep every core busy past the slowest file of the batch.
    const BATCH: usize = 256;
    for batch in files.chunks(BATCH) {
        let measured: Vec<Option<FileMetrics>> = batch
            .par_iter()
            .map(|(path, language)| measure_file(path, *language, limits))
            .collect::<Result<_>>()?;
        for file in measured.into_iter().flatten() {
            each(file)?;
        }
    }
    Ok(())
}

/// The source files `root` names: itself when it is a file (its language told from its
/// content if need be), or the files under it that `.gitignore` keeps, by their names.
fn source_files(root: &Path, files: &mut Vec<(String, Option<Language>)>) -> Result<()> {
    if !root.exists() {
        bail!("{}: no such file or directory", root.display());
    }
    if root.is_file() {
        files.push((display_path(root), None));
        return Ok(());
    }
    for entry in ignore::WalkBuilder::new(root).build() {
        let entry = entry?;
        if entry.file_type().is_some_and(|t| t.is_file()) {
            let path = display_path(entry.path());
            files.extend(Language::detect(&path, None).map(|language| (path, Some(language))));
        }
    }
    Ok(())
}

/// Reads and measures one file; `None` for a file in no language debtgate reads.
fn measure_file(path: &str, language: Option<Language>, limits: ParseLimits) -> Result<Option<FileMetrics>> {
    let bytes = std::fs::read(path).map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
    let Some(language) = language.or_else(|| Language::detect(path, Some(&bytes))) else {
        return Ok(None);
    };
    let source_lines = bytes.iter().filter(|&&b| b == b'\n').count();
    let (functions, problem) = match lang::parse(language, bytes, limits) {
        Err(problem) => (Vec::new(), Some(problem.to_string())),
        Ok(parsed) => {
            let problem = parsed.syntax_errors.first().map(|e| {
                format!(
                    "syntax error at line {}, column {} ({}): functions containing it are left out",
                    e.line,
                    e.column,
                    language.spec().grammar_version
                )
            });
            (complexity::measure(&parsed), problem)
        }
    };
    Ok(Some(FileMetrics {
        path: path.to_string(),
        language,
        functions,
        problem,
        source_lines,
    }))
}

fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

impl FileMetrics {
    /// The file's rows; `increments` adds each function's cognitive-complexity increments.
    pub fn rows(&self, increments: bool) -> impl Iterator<Item = Row<'_>> {
        self.functions.iter().map(move |f| Row {
            file: &self.path,
            language: self.language.name(),
            name: &f.name,
            qualified_name: &f.qualified_name,
            start_line: f.start_line,
            start_column: f.start_column,
            end_line: f.end_line,
            cyclomatic: f.cyclomatic,
            cognitive: f.cognitive,
            params: f.params,
            lines: f.lines,
            max_nesting: f.max_nesting,
            returns: f.returns,
            increments: (increments && f.cognitive.is_some()).then_some(f.increments.as_slice()),
        })
    }
}
