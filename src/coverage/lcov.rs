//! LCOV tracefiles (`SF:` … `end_of_record`), streamed line by line.
//!
//! Line (`DA`) and branch (`BRDA`) records are read; function records (`FN`, `FNDA`, `FNF`,
//! `FNH`), summaries and record types this version does not know are skipped, as genhtml does.

use std::io::BufRead;

use anyhow::{bail, Context, Result};

use super::{for_each_line, hit_count, number, valid_line, FileCoverage, Report};

pub fn read(input: impl BufRead, report: &mut Report) -> Result<()> {
    // The record being read, merged into the report at its end_of_record: one map lookup a
    // record, not one a line.
    let mut current: Option<(String, FileCoverage)> = None;
    let mut records = 0usize;
    for_each_line(input, |n, line| {
        let at = || format!("line {n}");
        if let Some(fields) = line.strip_prefix(b"DA:") {
            let (_, file) = current
                .as_mut()
                .with_context(|| format!("{}: DA: outside a SF: record", at()))?;
            let mut parts = fields.splitn(3, |&b| b == b',');
            let (Some(l), Some(h)) = (parts.next(), parts.next()) else {
                bail!("{}: malformed DA record: expected DA:<line>,<hits>", at());
            };
            let line_no = digits(l).map_or_else(|| number::<u32>(l, "DA line").with_context(at), Ok)?;
            let line_no = valid_line(u64::from(line_no)).with_context(at)?;
            let hits = match digits(h) {
                Some(h) => u64::from(h),
                None => hit_count(h, "DA hits").with_context(at)?,
            };
            file.hit(line_no, hits);
        } else if let Some(path) = line.strip_prefix(b"SF:") {
            if let Some((open, _)) = &current {
                bail!(
                    "{}: SF:{} starts before the record of {open} ends (end_of_record)",
                    at(),
                    String::from_utf8_lossy(path)
                );
            }
            let path = String::from_utf8_lossy(path).trim().to_string();
            if path.is_empty() {
                bail!("{}: SF: names no file", at());
            }
            current = Some((path, FileCoverage::default()));
        } else if line == b"end_of_record" {
            let (path, file) = current
                .take()
                .with_context(|| format!("{}: end_of_record without a SF: record", at()))?;
            report.file(&path).merge(file);
            records += 1;
        } else if let Some(fields) = line.strip_prefix(b"BRDA:") {
            let (_, file) = current
                .as_mut()
                .with_context(|| format!("{}: BRDA: outside a SF: record", at()))?;
            let parts: Vec<&[u8]> = fields.split(|&b| b == b',').collect();
            let [l, _, _, taken] = parts[..] else {
                bail!(
                    "{}: malformed BRDA record: expected BRDA:<line>,<block>,<branch>,<taken>",
                    at()
                );
            };
            let line_no = valid_line(number(l, "BRDA line").with_context(at)?).with_context(at)?;
            let taken = taken != b"-" && number::<f64>(taken, "BRDA taken").with_context(at)? > 0.0;
            file.branch(line_no, taken);
        }
        Ok(())
    })?;
    if let Some((open, _)) = current {
        bail!("truncated: the record of {open} has no end_of_record");
    }
    if records == 0 {
        bail!("no SF: records: the report covers no file");
    }
    Ok(())
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
