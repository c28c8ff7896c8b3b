//! LCOV tracefiles (`SF:` … `end_of_record`), streamed line by line.
//!
//! Line (`DA`) and branch (`BRDA`) records are read; function records (`FN`, `FNDA`, `FNF`,
//! `FNH`), summaries and record types this version does not know are skipped, as genhtml does.

use std::io::BufRead;

use anyhow::{bail, Context, Result};

use super::{for_each_line, hit_count, number, valid_line, FileCoverage, Report};

pub fn read(input: impl BufRead, report: &mut Report) -> Result<()> {
    let mut tracefile = Tracefile {
        current: None,
        records: 0,
        report,
    };
    for_each_line(input, |n, line| {
        tracefile.line(line).with_context(|| format!("line {n}"))
    })?;
    if let Some((open, _)) = tracefile.current {
        bail!("truncated: the record of {open} has no end_of_record");
    }
    if tracefile.records == 0 {
        bail!("no SF: records: the report covers no file");
    }
    Ok(())
}

/// A tracefile being read.
struct Tracefile<'r> {
    /// The record being read, merged into the report at its end_of_record: one map lookup a
    /// record, not one a line.
    current: Option<(String, FileCoverage)>,
    records: usize,
    report: &'r mut Report,
}

impl Tracefile<'_> {
    fn line(&mut self, line: &[u8]) -> Result<()> {
        if let Some(fields) = line.strip_prefix(b"DA:") {
            self.line_hits(fields)
        } else if let Some(path) = line.strip_prefix(b"SF:") {
            self.start(path)
        } else if line == b"end_of_record" {
            self.end()
        } else if let Some(fields) = line.strip_prefix(b"BRDA:") {
            self.branch(fields)
        } else {
            Ok(())
        }
    }

    /// The record a `DA:` or `BRDA:` line belongs to.
    fn record(&mut self, what: &str) -> Result<&mut FileCoverage> {
        let (_, file) = self
            .current
            .as_mut()
            .with_context(|| format!("{what} outside a SF: record"))?;
        Ok(file)
    }

    /// `DA:<line>,<hits>[,<checksum>]`.
    fn line_hits(&mut self, fields: &[u8]) -> Result<()> {
        let file = self.record("DA:")?;
        let mut parts = fields.splitn(3, |&b| b == b',');
        let (Some(l), Some(h)) = (parts.next(), parts.next()) else {
            bail!("malformed DA record: expected DA:<line>,<hits>");
        };
        let line_no = digits(l).map_or_else(|| number::<u32>(l, "DA line"), Ok)?;
        let line_no = valid_line(u64::from(line_no))?;
        let hits = digits(h).map_or_else(|| hit_count(h, "DA hits"), |h| Ok(u64::from(h)))?;
        file.hit(line_no, hits);
        Ok(())
    }

    /// `SF:<path>`.
    fn start(&mut self, path: &[u8]) -> Result<()> {
        if let Some((open, _)) = &self.current {
            bail!(
                "SF:{} starts before the record of {open} ends (end_of_record)",
                String::from_utf8_lossy(path)
            );
        }
        let path = String::from_utf8_lossy(path).trim().to_string();
        if path.is_empty() {
            bail!("SF: names no file");
        }
        self.current = Some((path, FileCoverage::default()));
        Ok(())
    }

    fn end(&mut self) -> Result<()> {
        let (path, file) = self
            .current
            .take()
            .context("end_of_record without a SF: record")?;
        self.report.file(&path).merge(file);
        self.records += 1;
        Ok(())
    }

    /// `BRDA:<line>,<block>,<branch>,<taken>`; `-` is a branch never reached.
    fn branch(&mut self, fields: &[u8]) -> Result<()> {
        let file = self.record("BRDA:")?;
        let parts: Vec<&[u8]> = fields.split(|&b| b == b',').collect();
        let [l, _, _, taken] = parts[..] else {
            bail!("malformed BRDA record: expected BRDA:<line>,<block>,<branch>,<taken>");
        };
        let line_no = valid_line(number(l, "BRDA line")?)?;
        let taken = taken != b"-" && number::<f64>(taken, "BRDA taken")? > 0.0;
        file.branch(line_no, taken);
        Ok(())
    }
}

/// A field of ASCII digits as a number (the common case, without UTF-8 or float parsing).
fn digits(field: &[u8]) -> Option<u32> {
    if field.is_empty() || field.len() > 9 {
        return None;
    }
    field.iter().try_fold(0u32, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Report> {
        let mut report = Report::default();
        read(text.as_bytes(), &mut report).map(|()| report)
    }

    #[test]
    fn reads_lines_branches_and_skips_unknown_records() {
        let r = parse(
            "TN:\nSF:src/a.py\nFN:1,f\nFNDA:1,f\nDA:1,1\nDA:2,0\nDA:3,2,abc\nBRDA:2,0,0,1\nBRDA:2,0,1,-\nXYZ:who knows\nLF:3\nLH:2\nend_of_record\nSF:b.py\nDA:1,0\nend_of_record\n",
        )
        .unwrap();
        let a = &r.files["src/a.py"];
        assert_eq!(a.lines().collect::<Vec<_>>(), [(1, true), (2, false), (3, true)]);
        assert_eq!(a.branches[&2], (1, 2));
        assert_eq!(r.files["b.py"].get(1), Some(false));
    }

    #[test]
    fn malformed_and_truncated_reports_are_errors_with_a_line() {
        let e = parse("SF:a\nDA:x,1\nend_of_record\n").unwrap_err();
        assert!(format!("{e:#}").contains("line 2"), "{e:#}");
        let e = parse("SF:a\nDA:1,1\n").unwrap_err();
        assert!(e.to_string().contains("truncated"), "{e}");
        assert!(parse("").is_err());
        let r = parse("SF:a\r\nDA:1,3\r\nend_of_record\r\n").unwrap();
        assert_eq!(r.files["a"].get(1), Some(true));
    }
}
