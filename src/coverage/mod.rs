//! Coverage reports: reading every common format into one model, mapping report paths onto the
//! repository, and the patch-coverage and project-delta arithmetic METRICS.md defines.
//!
//! Readers stream (LCOV, Go coverprofiles, XML): memory grows with the number of executable
//! lines, never with the size of the report text.

mod json;
mod lcov;
pub mod patch;
pub mod paths;
mod text;
mod xml;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use anyhow::{bail, Context, Result};

/// The formats debtgate reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    Lcov,
    Cobertura,
    Jacoco,
    /// coverage.py's `coverage json`.
    CoveragepyJson,
    /// Go's `-coverprofile`.
    GoCoverprofile,
    /// `llvm-cov export` JSON (cargo-llvm-cov --json).
    LlvmJson,
    /// Istanbul/nyc/c8 `coverage-final.json`.
    Istanbul,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Lcov => "LCOV",
            Format::Cobertura => "Cobertura XML",
            Format::Jacoco => "JaCoCo XML",
            Format::CoveragepyJson => "coverage.py JSON",
            Format::GoCoverprofile => "Go coverprofile",
            Format::LlvmJson => "llvm-cov JSON",
            Format::Istanbul => "Istanbul JSON",
        }
    }
}

/// One source file's coverage: which lines are executable and which of those ran, as two
/// bit sets (a quarter byte a line, so a report of 100 million lines fits in 25 MB), and
/// branches per line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileCoverage {
    executable: Vec<u64>,
    covered: Vec<u64>,
    /// line -> (branches taken, branches)
    pub branches: BTreeMap<u32, (u32, u32)>,
}

impl FileCoverage {
    /// Several records of one line (two reports, two blocks) make a union: the line ran if
    /// any record says so.
    pub fn hit(&mut self, line: u32, hits: u64) {
        let (word, bit) = ((line / 64) as usize, 1u64 << (line % 64));
        if self.executable.len() <= word {
            self.executable.resize(word + 1, 0);
            self.covered.resize(word + 1, 0);
        }
        self.executable[word] |= bit;
        if hits > 0 {
            self.covered[word] |= bit;
        }
    }

    /// `Some(ran)` for an executable line, `None` for a line the report does not list.
    pub fn get(&self, line: u32) -> Option<bool> {
        let (word, bit) = ((line / 64) as usize, 1u64 << (line % 64));
        let executable = self.executable.get(word).is_some_and(|w| w & bit != 0);
        executable.then(|| self.covered[word] & bit != 0)
    }

    /// The executable lines, in order, and whether each ran.
    pub fn lines(&self) -> impl Iterator<Item = (u32, bool)> + '_ {
        self.executable.iter().enumerate().flat_map(move |(word, &bits)| {
            let covered = self.covered[word];
            (0..64u32)
                .filter(move |b| bits & (1 << b) != 0)
                .map(move |b| (word as u32 * 64 + b, covered & (1 << b) != 0))
        })
    }

    /// (covered lines, executable lines)
    pub fn counts(&self) -> (u64, u64) {
        let ones = |v: &[u64]| v.iter().map(|w| u64::from(w.count_ones())).sum::<u64>();
        (ones(&self.covered), ones(&self.executable))
    }

    pub fn branch(&mut self, line: u32, taken: bool) {
        let entry = self.branches.entry(line).or_insert((0, 0));
        entry.0 += u32::from(taken);
        entry.1 += 1;
    }

    pub fn merge(&mut self, other: FileCoverage) {
        if self.executable.len() < other.executable.len() {
            self.executable.resize(other.executable.len(), 0);
            self.covered.resize(other.executable.len(), 0);
        }
        for (i, (&e, &c)) in other.executable.iter().zip(&other.covered).enumerate() {
            self.executable[i] |= e;
            self.covered[i] |= c;
        }
        for (line, (taken, total)) in other.branches {
            let entry = self.branches.entry(line).or_insert((0, 0));
            // Branch records of one line from two runs describe the same branches.
            entry.0 = entry.0.max(taken);
            entry.1 = entry.1.max(total);
        }
    }
}

/// A coverage report (or several merged), keyed by the paths the report names.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub files: BTreeMap<String, FileCoverage>,
    /// The reports read, for messages: path and format.
    pub sources: Vec<(String, Format)>,
}

impl Report {
    pub fn file(&mut self, path: &str) -> &mut FileCoverage {
        if !self.files.contains_key(path) {
            self.files.insert(path.to_string(), FileCoverage::default());
        }
        self.files.get_mut(path).expect("just inserted")
    }

    pub fn merge(&mut self, other: Report) {
        for (path, coverage) in other.files {
            self.file(&path).merge(coverage);
        }
        self.sources.extend(other.sources);
    }

    /// Reads and merges several reports; the format of each is detected unless forced.
    pub fn read_all(paths: &[std::path::PathBuf], forced: Option<Format>) -> Result<Report> {
        let mut report = Report::default();
        for path in paths {
            report.merge(read(path, forced)?);
        }
        Ok(report)
    }
}

/// Reads one report file. Errors name the file and say what is wrong with it.
pub fn read(path: &Path, forced: Option<Format>) -> Result<Report> {
    let shown = path.display().to_string();
    // A FIFO with no writer would block forever, a device would never end.
    let meta =
        std::fs::metadata(path).with_context(|| format!("{shown}: cannot open the coverage report"))?;
    if !meta.is_file() {
        anyhow::bail!("{shown}: not a regular file (a folder, a FIFO or a device); pass the report file the tests wrote");
    }
    let file = File::open(path).with_context(|| format!("{shown}: cannot open the coverage report"))?;
    let mut input = BufReader::with_capacity(1 << 16, file);
    let format = match forced {
        Some(f) => f,
        None => detect(&mut input)
            .with_context(|| format!("{shown}: cannot read the coverage report"))?
            .with_context(|| format!("{shown}: {UNKNOWN_FORMAT}"))?,
    };
    let mut report = Report::default();
    read_format(input, format, &mut report)
        .with_context(|| format!("{shown}: invalid {} report", format.name()))?;
    report.sources.push((shown, format));
    Ok(report)
}

const UNKNOWN_FORMAT: &str = "not a coverage format debtgate recognises (LCOV, Cobertura or JaCoCo XML, coverage.py JSON, Go coverprofile, llvm-cov JSON, Istanbul JSON); name it with --coverage-format";

/// Reads a report held in memory, in a known format (the fuzz targets' entry).
pub fn read_bytes(bytes: &[u8], format: Format) -> Result<Report> {
    let mut report = Report::default();
    read_format(bytes, format, &mut report)?;
    Ok(report)
}

fn read_format(input: impl BufRead, format: Format, report: &mut Report) -> Result<()> {
    match format {
        Format::Lcov => lcov::read(input, report),
        Format::GoCoverprofile => text::read_go(input, report),
        Format::Cobertura => xml::read_cobertura(input, report),
        Format::Jacoco => xml::read_jacoco(input, report),
        Format::CoveragepyJson => json::read_coveragepy(input, report),
        Format::LlvmJson => json::read_llvm(input, report),
        Format::Istanbul => json::read_istanbul(input, report),
    }
}

/// Recognises a report by its first bytes, without consuming them.
fn detect(input: &mut BufReader<File>) -> Result<Option<Format>> {
    let head = input.fill_buf()?;
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let text = String::from_utf8_lossy(&head[..head.len().min(8192)]);
    let trimmed = text.trim_start();
    Ok(if trimmed.starts_with('<') {
        xml_format(trimmed)
    } else if trimmed.starts_with('{') {
        json_format(trimmed)
    } else if trimmed.starts_with("mode:") {
        Some(Format::GoCoverprofile)
    } else {
        let lcov = trimmed
            .lines()
            .take(20)
            .any(|l| l.starts_with("SF:") || l.starts_with("TN:"));
        lcov.then_some(Format::Lcov)
    })
}

/// The root element decides: `<coverage>` is Cobertura, `<report>` JaCoCo.
fn xml_format(head: &str) -> Option<Format> {
    let root = head
        .split('<')
        .skip(1)
        .find(|tag| !tag.starts_with('?') && !tag.starts_with('!'))?;
    if root.starts_with("coverage") {
        Some(Format::Cobertura)
    } else if root.starts_with("report") {
        Some(Format::Jacoco)
    } else {
        None
    }
}

/// The JSON formats, told apart by the keys of their first bytes.
fn json_format(head: &str) -> Option<Format> {
    if head.contains("\"llvm.coverage.json.export\"") {
        Some(Format::LlvmJson)
    } else if head.contains("\"meta\"") && head.contains("\"files\"") {
        Some(Format::CoveragepyJson)
    } else if head.contains("\"statementMap\"") || head.contains("\"path\"") || head == "{}" {
        Some(Format::Istanbul)
    } else {
        None
    }
}

/// Reads `input` line by line into a reused buffer, handing each line (without its line
/// ending) and its 1-based number to `each`.
pub(crate) fn for_each_line(
    mut input: impl BufRead,
    mut each: impl FnMut(usize, &[u8]) -> Result<()>,
) -> Result<()> {
    let mut buf = Vec::with_capacity(256);
    let mut number = 0;
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            return Ok(());
        }
        number += 1;
        let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        each(number, line)?;
    }
}

/// The largest line number a report may name. No source file is longer, and a file's bit sets
/// grow with its last line: a hostile `DA:4294967295,1` must not allocate a gigabyte.
pub const MAX_LINE: u32 = 10_000_000;

/// Checks a line number a report names.
pub(crate) fn valid_line(line: u64) -> Result<u32> {
    if line > u64::from(MAX_LINE) {
        bail!("line number {line} is beyond any source file (the limit is {MAX_LINE})");
    }
    Ok(line as u32)
}

/// Parses a decimal number field, with a message naming what it is.
/// A hit count, the same way in every reader: whole numbers as they are; a fraction above zero
/// ran; a negative count, NaN or infinity is a broken report (an error, never "uncovered").
pub(crate) fn hit_count(field: &[u8], what: &str) -> Result<u64> {
    let text = String::from_utf8_lossy(field);
    let text = text.trim();
    if let Ok(n) = text.parse::<u64>() {
        return Ok(n);
    }
    match text.parse::<f64>() {
        Ok(f) if f.is_finite() && f >= 0.0 => Ok(u64::from(f > 0.0)),
        Ok(_) => bail!("{what} {text:?} is negative or not a finite number: the report is broken"),
        Err(_) => bail!("{what} is not a number: {text:?}"),
    }
}

pub(crate) fn number<T: std::str::FromStr>(field: &[u8], what: &str) -> Result<T> {
    std::str::from_utf8(field)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .with_context(|| format!("{what} is not a number: {:?}", String::from_utf8_lossy(field)))
}

/// Reads a whole (JSON) report, refusing absurd sizes with a message instead of exhausting
/// memory.
pub(crate) fn read_to_end(mut input: impl Read) -> Result<Vec<u8>> {
    const LIMIT: u64 = 2 << 30;
    let mut bytes = Vec::new();
    input.by_ref().take(LIMIT + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > LIMIT {
        bail!("larger than 2 GiB: split it, or convert it to LCOV, which debtgate streams");
    }
    Ok(bytes)
}
