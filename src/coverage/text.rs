//! Go coverprofiles (`go test -coverprofile`): `mode:` then one block a line,
//! `file.go:startLine.startCol,endLine.endCol statements count`.

use std::io::BufRead;

use anyhow::{bail, Context, Result};

use super::{for_each_line, hit_count, number, valid_line, Report};

pub fn read_go(input: impl BufRead, report: &mut Report) -> Result<()> {
    let mut blocks = 0usize;
    for_each_line(input, |n, line| {
        if line.is_empty() || line.starts_with(b"mode:") {
            return Ok(()); // concatenated profiles repeat the mode line
        }
        let text = String::from_utf8_lossy(line);
        let (file, lines, hits) = block(&text).with_context(|| format!("line {n}"))?;
        let coverage = report.file(file);
        for l in lines {
            coverage.hit(l, hits);
        }
        blocks += 1;
        Ok(())
    })?;
    if blocks == 0 {
        bail!("no blocks: the profile covers no file");
    }
    Ok(())
}

/// One block: `file.go:startLine.startCol,endLine.endCol statements count`, as its file, its
/// lines and its count.
fn block(text: &str) -> Result<(&str, std::ops::RangeInclusive<u32>, u64)> {
    let mut fields = text.rsplitn(3, ' ');
    let (Some(count), Some(_statements), Some(location)) = (fields.next(), fields.next(), fields.next())
    else {
        bail!("malformed block: expected <file>:<start>,<end> <statements> <count>");
    };
    let (file, range) = location
        .rsplit_once(':')
        .with_context(|| format!("malformed block location {location:?}"))?;
    let (start, end) = range
        .split_once(',')
        .with_context(|| format!("malformed block range {range:?}"))?;
    let line_of = |pos: &str| -> Result<u32> {
        let l = pos.split('.').next().unwrap_or(pos);
        valid_line(u64::from(number::<u32>(l.as_bytes(), "block line")?))
    };
    let (first, last) = (line_of(start)?, line_of(end)?);
    if last < first {
        bail!("block ends (line {last}) before it starts (line {first})");
    }
    let hits = hit_count(count.as_bytes(), "block count")?;
    Ok((file, first..=last, hits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cover_their_lines_and_a_line_in_a_covered_block_is_covered() {
        let mut r = Report::default();
        let text = "mode: set\nexample.com/m/a.go:3.10,5.2 2 1\nexample.com/m/a.go:5.2,7.3 1 0\nmode: set\n";
        read_go(text.as_bytes(), &mut r).unwrap();
        let a = &r.files["example.com/m/a.go"];
        assert_eq!(a.lines().map(|(l, _)| l).collect::<Vec<_>>(), [3, 4, 5, 6, 7]);
        assert!(a.get(5) == Some(true) && a.get(6) == Some(false));
        assert!(read_go("mode: set\nbad\n".as_bytes(), &mut Report::default()).is_err());
    }
}
