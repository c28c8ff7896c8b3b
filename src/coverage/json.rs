//! The JSON formats: coverage.py's `coverage json`, `llvm-cov export` (cargo-llvm-cov --json)
//! and Istanbul's `coverage-final.json` (nyc, c8, jest, vitest).

use std::collections::BTreeMap;
use std::io::Read;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use super::{read_to_end, valid_line, Report};

#[derive(Deserialize)]
struct CoveragePy {
    files: BTreeMap<String, CoveragePyFile>,
}

#[derive(Deserialize)]
struct CoveragePyFile {
    #[serde(default)]
    executed_lines: Vec<u32>,
    #[serde(default)]
    missing_lines: Vec<u32>,
    #[serde(default)]
    executed_branches: Vec<(i64, i64)>,
    #[serde(default)]
    missing_branches: Vec<(i64, i64)>,
}

pub fn read_coveragepy(input: impl Read, report: &mut Report) -> Result<()> {
    let doc: CoveragePy = serde_json::from_slice(&read_to_end(input)?).context("not coverage.py JSON")?;
    for (path, f) in doc.files {
        f.add_to(report.file(&path))?;
    }
    Ok(())
}

impl CoveragePyFile {
    fn add_to(self, file: &mut super::FileCoverage) -> Result<()> {
        let lines = self.executed_lines.iter().map(|&l| (l, 1));
        for (l, hits) in lines.chain(self.missing_lines.iter().map(|&l| (l, 0))) {
            file.hit(valid_line(u64::from(l))?, hits);
        }
        let executed = self.executed_branches.iter().map(|b| (b, true));
        for ((from, _), taken) in executed.chain(self.missing_branches.iter().map(|b| (b, false))) {
            if let Ok(line) = u32::try_from(*from) {
                file.branch(line, taken);
            }
        }
        Ok(())
    }
}

#[derive(Deserialize)]
struct Llvm {
    data: Vec<LlvmExport>,
}

#[derive(Deserialize)]
struct LlvmExport {
    files: Vec<LlvmFile>,
}

#[derive(Deserialize)]
struct LlvmFile {
    filename: String,
    /// [line, column, count, has_count, is_region_entry, (is_gap_region)]
    segments: Vec<Vec<serde_json::Value>>,
    /// [line_start, col_start, line_end, col_end, true_count, false_count, ...]
    #[serde(default)]
    branches: Vec<Vec<serde_json::Value>>,
}

struct Segment {
    line: u32,
    count: u64,
    has_count: bool,
    region_entry: bool,
    gap: bool,
}

pub fn read_llvm(input: impl Read, report: &mut Report) -> Result<()> {
    let doc: Llvm = serde_json::from_slice(&read_to_end(input)?).context("not llvm-cov export JSON")?;
    for f in doc.data.iter().flat_map(|export| &export.files) {
        let segments = f.segments()?;
        let file = report.file(&f.filename);
        for (line, hits) in llvm_lines(&segments) {
            file.hit(line, hits);
        }
        for br in &f.branches {
            let n = |i: usize| br.get(i).and_then(serde_json::Value::as_u64);
            if let (Some(line), Some(t), Some(fa)) = (n(0), n(4), n(5)) {
                let line = u32::try_from(line).unwrap_or(u32::MAX);
                file.branch(line, t > 0);
                file.branch(line, fa > 0);
            }
        }
    }
    Ok(())
}

impl LlvmFile {
    /// The file's segments, in line order (llvm-cov writes them so; a report that does not is
    /// put in order).
    fn segments(&self) -> Result<Vec<Segment>> {
        let mut segments = Vec::with_capacity(self.segments.len());
        for s in &self.segments {
            let n = |i: usize| s.get(i).and_then(serde_json::Value::as_u64);
            let b = |i: usize| s.get(i).and_then(serde_json::Value::as_bool).unwrap_or(false);
            let (Some(line), Some(count)) = (n(0), n(2)) else {
                bail!("{}: malformed segment {s:?}", self.filename);
            };
            segments.push(Segment {
                line: valid_line(line)?,
                count,
                has_count: b(3),
                region_entry: b(4),
                gap: b(5),
            });
        }
        segments.sort_by_key(|s| s.line);
        Ok(segments)
    }
}

/// Line execution counts from region segments, as `llvm-cov` computes them
/// (`LineCoverageStats`): a line is mapped when a region starts on it or a counted region
/// wraps into it, unless it starts a skipped region; its count is the largest among the
/// regions that start on it and the one that wraps into it.
fn llvm_lines(segments: &[Segment]) -> Vec<(u32, u64)> {
    let mut out = Vec::new();
    let (Some(first), Some(last)) = (segments.first(), segments.last()) else {
        return out;
    };
    let mut wrapped: Option<&Segment> = None;
    let mut i = 0;
    for line in first.line..=last.line {
        let start = i;
        while i < segments.len() && segments[i].line == line {
            i += 1;
        }
        let on_line = &segments[start..i];
        out.extend(llvm_line_count(on_line, wrapped).map(|count| (line, count)));
        wrapped = on_line.last().or(wrapped);
    }
    out
}

/// The count of a line with these segments on it and this one wrapping into it; `None` for a
/// line that is not mapped.
fn llvm_line_count(on_line: &[Segment], wrapped: Option<&Segment>) -> Option<u64> {
    let is_start = |s: &&Segment| !s.gap && s.has_count && s.region_entry;
    let skipped = on_line.first().is_some_and(|s| !s.has_count && s.region_entry);
    let starts = on_line.iter().filter(is_start).map(|s| s.count).max();
    let counted_wrap = wrapped.is_some_and(|w| w.has_count);
    if skipped || (!counted_wrap && starts.is_none()) {
        return None;
    }
    Some(wrapped.map_or(0, |w| w.count).max(starts.unwrap_or(0)))
}

#[derive(Deserialize)]
struct Position {
    line: u32,
}

#[derive(Deserialize)]
struct Location {
    start: Position,
}

#[derive(Deserialize)]
struct IstanbulBranch {
    #[serde(default)]
    line: Option<u32>,
    loc: Option<Location>,
}

#[derive(Deserialize)]
struct IstanbulFile {
    #[serde(default)]
    path: Option<String>,
    #[serde(rename = "statementMap")]
    statement_map: BTreeMap<String, Location>,
    s: BTreeMap<String, u64>,
    #[serde(rename = "branchMap", default)]
    branch_map: BTreeMap<String, IstanbulBranch>,
    #[serde(default)]
    b: BTreeMap<String, Vec<u64>>,
}

pub fn read_istanbul(input: impl Read, report: &mut Report) -> Result<()> {
    let doc: BTreeMap<String, IstanbulFile> =
        serde_json::from_slice(&read_to_end(input)?).context("not Istanbul coverage JSON")?;
    if doc.is_empty() {
        bail!("the report covers no file");
    }
    for (key, f) in doc {
        let lines = f.line_counts()?;
        let file = report.file(f.path.as_deref().unwrap_or(&key));
        for (line, hits) in lines {
            file.hit(line, hits);
        }
        for (id, branch) in &f.branch_map {
            let line = branch.line.or(branch.loc.as_ref().map(|l| l.start.line));
            if let (Some(line), Some(counts)) = (line, f.b.get(id)) {
                for &c in counts {
                    file.branch(line, c > 0);
                }
            }
        }
    }
    Ok(())
}

impl IstanbulFile {
    /// A line's count is the largest of the statements that start on it (istanbul's
    /// getLineCoverage).
    fn line_counts(&self) -> Result<BTreeMap<u32, u64>> {
        let mut lines: BTreeMap<u32, u64> = BTreeMap::new();
        for (id, loc) in &self.statement_map {
            let hits = self.s.get(id).copied().unwrap_or(0);
            let entry = lines.entry(valid_line(u64::from(loc.start.line))?).or_insert(0);
            *entry = (*entry).max(hits);
        }
        Ok(lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coveragepy() {
        let text = r#"{"meta": {"version": "7.6.1"}, "files": {"pkg/a.py": {"executed_lines": [1, 2], "missing_lines": [4], "excluded_lines": [], "executed_branches": [[2, 4]], "missing_branches": [[2, 5]]}}, "totals": {}}"#;
        let mut r = Report::default();
        read_coveragepy(text.as_bytes(), &mut r).unwrap();
        let f = &r.files["pkg/a.py"];
        assert_eq!(f.lines().collect::<Vec<_>>(), [(1, true), (2, true), (4, false)]);
        assert_eq!(f.branches[&2], (1, 2));
    }

    #[test]
    fn llvm_line_counts_follow_llvm_cov() {
        // fn f() {        line 1: region entry, count 1
        //   if x {        line 2: (wrapped 1) + region entry at count 0 for the body
        //     y();        line 3: wrapped 0
        //   }             line 4: region entry count 1 (after the if)
        // }
        let text = r#"{"type":"llvm.coverage.json.export","version":"2.0.1","data":[{"files":[{"filename":"src/lib.rs","segments":[[1,10,1,true,true,false],[2,10,0,true,true,false],[4,4,1,true,false,false],[5,2,0,false,false,false]]}]}]}"#;
        let mut r = Report::default();
        read_llvm(text.as_bytes(), &mut r).unwrap();
        let f = &r.files["src/lib.rs"];
        assert_eq!(
            f.lines().collect::<Vec<_>>(),
            [(1, true), (2, true), (3, false), (4, false), (5, true)]
        );
    }

    #[test]
    fn istanbul_takes_the_largest_statement_count_of_a_line() {
        let text = r#"{"/w/src/a.js": {"path": "/w/src/a.js", "statementMap": {"0": {"start": {"line": 1, "column": 0}, "end": {"line": 1, "column": 9}}, "1": {"start": {"line": 1, "column": 10}, "end": {"line": 1, "column": 20}}, "2": {"start": {"line": 2, "column": 0}, "end": {"line": 2, "column": 5}}}, "s": {"0": 0, "1": 3, "2": 0}, "branchMap": {"0": {"loc": {"start": {"line": 2, "column": 0}, "end": {"line": 2, "column": 5}}, "type": "if", "locations": []}}, "b": {"0": [1, 0]}, "fnMap": {}, "f": {}}}"#;
        let mut r = Report::default();
        read_istanbul(text.as_bytes(), &mut r).unwrap();
        let f = &r.files["/w/src/a.js"];
        assert_eq!(f.get(1), Some(true));
        assert_eq!(f.get(2), Some(false));
        assert_eq!(f.branches[&2], (1, 2));
    }
}
