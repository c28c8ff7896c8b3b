//! Reads git's diff output: `git diff --raw -z` (statuses, modes, blobs, renames) and
//! `git diff -U0` (the added lines), both untrusted text.

use anyhow::{anyhow, bail, Context, Result};

use super::{path_from_bytes, ChangedFile, EntryKind, Rewrite, Status};
use crate::lines::LineSet;

/// Joins `git diff --raw -z` (statuses, modes, blobs, renames) with `git diff -U0` (the added
/// lines) into the change set. Public for the fuzz target: both are untrusted text.
pub fn combine_diff(raw: &[u8], patch: &[u8]) -> Result<Vec<ChangedFile>> {
    let mut files = parse_raw(raw)?;
    let mut by_new = std::collections::HashMap::new();
    let mut by_old = std::collections::HashMap::new();
    for section in parse_patch(patch)? {
        match (&section.new_path, &section.old_path) {
            (Some(p), _) => by_new.insert(p.clone(), section),
            (None, Some(p)) => by_old.insert(p.clone(), section),
            (None, None) => None,
        };
    }
    // The two listings come from one git and must agree: a file one of them has and the other
    // lacks means the output was cut or is not what git writes, and nothing is judged on it.
    let disagree = |path: &str| {
        anyhow!(
            "git's diff and its file listing disagree about {path:?}: the output looks truncated or is not git's; nothing was judged. Check the git on PATH."
        )
    };
    for file in &mut files {
        if let Some(section) = by_new.remove(&file.path) {
            file.added = section.added;
            file.removed_lines = section.removed_lines;
            file.rewrites = section.rewrites;
            file.binary = section.binary;
        } else if let Some(section) = by_old.get(&file.path) {
            file.binary = section.binary;
        } else {
            return Err(disagree(&file.path));
        }
    }
    if let Some(path) = by_new.keys().min() {
        return Err(disagree(path));
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// The status of a `--raw` record, and whether it names two paths (renames and copies).
fn raw_status(status: &str, first: &str) -> Result<(Status, bool)> {
    Ok(match status.as_bytes().first() {
        Some(b'A') => (Status::Added, false),
        Some(b'M') => (Status::Modified, false),
        Some(b'D') => (Status::Deleted, false),
        Some(b'T') => (Status::TypeChanged, false),
        Some(b'R') => (Status::Renamed, true),
        Some(b'C') => (Status::Copied, true),
        _ => bail!("unsupported `git diff` status {status:?} for {first}"),
    })
}

/// Parses `git diff --raw -z --no-abbrev` output.
fn parse_raw(raw: &[u8]) -> Result<Vec<ChangedFile>> {
    let mut fields = raw.split(|&b| b == 0).filter(|f| !f.is_empty());
    let mut files = Vec::new();
    while let Some(meta) = fields.next() {
        let meta = std::str::from_utf8(meta).context("unexpected `git diff --raw` output")?;
        let meta = meta
            .strip_prefix(':')
            .ok_or_else(|| anyhow!("unexpected `git diff --raw` record: {meta:?}"))?;
        let parts: Vec<&str> = meta.split(' ').collect();
        let [old_mode, new_mode, old_id, new_id, status] = parts[..] else {
            bail!("unexpected `git diff --raw` record: {meta:?}");
        };
        let mut next_path = || {
            fields
                .next()
                .map(path_from_bytes)
                .ok_or_else(|| anyhow!("truncated `git diff --raw` output"))
        };
        let first = next_path()?;
        let (status, two_paths) = raw_status(status, &first)?;
        let (path, old_path) = if two_paths {
            (next_path()?, Some(first))
        } else {
            (first, None)
        };
        let blob = |id: &str| (!id.bytes().all(|b| b == b'0')).then(|| id.to_string());
        files.push(ChangedFile {
            path,
            old_path,
            status,
            old_kind: EntryKind::from_mode(old_mode),
            new_kind: EntryKind::from_mode(new_mode),
            old_blob: blob(old_id),
            new_blob: blob(new_id),
            added: LineSet::new(),
            removed_lines: 0,
            rewrites: Vec::new(),
            binary: false,
        });
    }
    Ok(files)
}

/// What one `diff --git` section of a patch says.
#[derive(Debug, Default)]
struct PatchSection {
    old_path: Option<String>,
    new_path: Option<String>,
    added: LineSet,
    removed_lines: u64,
    rewrites: Vec<Rewrite>,
    binary: bool,
}

/// Parses `git diff -U0` output into the added head lines of each file.
///
/// Content lines are skipped by counting them from the hunk header, so an added line that
/// happens to read `++ x` is never mistaken for a `+++ b/x` header.
fn parse_patch(patch: &[u8]) -> Result<Vec<PatchSection>> {
    let mut sections: Vec<PatchSection> = Vec::new();
    let mut pending: u64 = 0;
    for line in patch.split(|&b| b == b'\n') {
        if pending > 0 {
            pending -= hunk_line(line)?;
        } else if let Some(header) = line.strip_prefix(b"diff --git ") {
            let path = header_path(header);
            sections.push(PatchSection {
                old_path: path.clone(),
                new_path: path,
                ..PatchSection::default()
            });
        } else if let Some(section) = sections.last_mut() {
            pending = section.read_header_line(line)?;
        }
    }
    Ok(sections)
}

/// How many of a hunk's counted lines one content line is: 1 for `+`, `-` and ` `, 0 for
/// `\ No newline at end of file`. Anything else means the output was cut short.
fn hunk_line(line: &[u8]) -> Result<u64> {
    match line.first() {
        Some(b'+' | b'-' | b' ') => Ok(1),
        Some(b'\\') => Ok(0),
        _ => bail!("git diff output ends inside a hunk (it looks truncated); nothing was judged"),
    }
}

impl PatchSection {
    /// Reads one line of the section outside a hunk's content; returns how many content lines
    /// follow it (a hunk header's count, otherwise 0).
    fn read_header_line(&mut self, line: &[u8]) -> Result<u64> {
        let renamed_to = || {
            line.strip_prefix(b"rename to ")
                .or_else(|| line.strip_prefix(b"copy to "))
        };
        let renamed_from = || {
            line.strip_prefix(b"rename from ")
                .or_else(|| line.strip_prefix(b"copy from "))
        };
        if let Some(name) = line.strip_prefix(b"--- ") {
            self.old_path = parse_header_path(name, b"a/");
        } else if let Some(name) = line.strip_prefix(b"+++ ") {
            self.new_path = parse_header_path(name, b"b/");
        } else if let Some(name) = renamed_to() {
            self.new_path = parse_header_path(name, b"");
        } else if let Some(name) = renamed_from() {
            self.old_path = parse_header_path(name, b"");
        } else if line.starts_with(b"new file mode") {
            self.old_path = None;
        } else if line.starts_with(b"deleted file mode") {
            self.new_path = None;
        } else if line.starts_with(b"Binary files ") || line == b"GIT binary patch" {
            self.binary = true;
        } else if line.starts_with(b"@@ ") {
            return self.read_hunk_header(line);
        }
        Ok(0)
    }

    fn read_hunk_header(&mut self, line: &[u8]) -> Result<u64> {
        let ((base_start, removed), (start, count)) = parse_hunk_header(line)?;
        self.removed_lines += u64::from(removed);
        if count > 0 {
            self.added.insert_range(start, start.saturating_add(count - 1));
        }
        if count > 0 && removed > 0 {
            self.rewrites.push(Rewrite {
                base_start,
                base_count: removed,
                head_start: start,
                head_count: count,
            });
        }
        Ok(u64::from(removed) + u64::from(count))
    }
}

/// The path of a `diff --git a/P b/P` header where both sides name the same path (renames
/// and copies are read from their `rename to` lines instead).
fn header_path(header: &[u8]) -> Option<String> {
    if header.first() == Some(&b'"') {
        let end = header.iter().skip(1).position(|&b| b == b'"')? + 2;
        return parse_header_path(&header[..end], b"a/");
    }
    let n = header.len().checked_sub(5)? / 2;
    let (a, b) = (header.get(2..2 + n)?, header.get(2 + n..)?);
    (header.starts_with(b"a/") && b.strip_prefix(b" b/") == Some(a)).then(|| path_from_bytes(a))
}

/// Parses `@@ -a[,b] +c[,d] @@` into (b, c, d).
/// A hunk header's base and head ranges: (first line, count) each.
fn parse_hunk_header(line: &[u8]) -> Result<((u32, u32), (u32, u32))> {
    let text = std::str::from_utf8(line).unwrap_or("");
    let bad = || anyhow!("unexpected hunk header in git diff output: {text:?}");
    let mut parts = text.split(' ').skip(1);
    let old = parts.next().and_then(|p| p.strip_prefix('-')).ok_or_else(bad)?;
    let new = parts.next().and_then(|p| p.strip_prefix('+')).ok_or_else(bad)?;
    let range = |s: &str| -> Result<(u32, u32)> {
        let (a, b) = s.split_once(',').unwrap_or((s, "1"));
        Ok((a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?))
    };
    Ok((range(old)?, range(new)?))
}

/// Reads the path of a `---`/`+++` header: `/dev/null`, `a/path`, or a C-quoted `"a/pa\tth"`.
fn parse_header_path(name: &[u8], prefix: &[u8]) -> Option<String> {
    if name == b"/dev/null" {
        return None;
    }
    let bytes = if name.first() == Some(&b'"') {
        unquote_c(name)?
    } else {
        // git appends a tab when the name contains a space.
        let name = name.strip_suffix(b"\t").unwrap_or(name);
        name.to_vec()
    };
    let bytes = bytes.strip_prefix(prefix)?;
    Some(path_from_bytes(bytes))
}

/// Undoes git's C-style quoting (`core.quotePath`).
fn unquote_c(quoted: &[u8]) -> Option<Vec<u8>> {
    let inner = quoted.strip_prefix(b"\"")?;
    let end = inner.iter().rposition(|&b| b == b'"')?;
    let inner = &inner[..end];
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        if inner[i] != b'\\' {
            out.push(inner[i]);
            i += 1;
            continue;
        }
        let esc = *inner.get(i + 1)?;
        if (b'0'..=b'7').contains(&esc) {
            out.push(octal_byte(inner.get(i + 1..i + 4)?)?);
            i += 4;
        } else {
            out.push(c_escape(esc));
            i += 2;
        }
    }
    Some(out)
}

/// The byte three octal digits name (`\303` is 0xC3); `None` for a digit past 7 or a value
/// past a byte.
fn octal_byte(digits: &[u8]) -> Option<u8> {
    let value = digits.iter().try_fold(0u32, |acc, &d| {
        (b'0'..=b'7').contains(&d).then(|| acc * 8 + u32::from(d - b'0'))
    })?;
    u8::try_from(value).ok()
}

/// The byte a one-letter C escape stands for; any other byte stands for itself (`\"`, `\\`).
fn c_escape(letter: u8) -> u8 {
    match letter {
        b'n' => b'\n',
        b't' => b'\t',
        b'r' => b'\r',
        b'a' => 7,
        b'b' => 8,
        b'f' => 12,
        b'v' => 11,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquotes_c_style_paths() {
        assert_eq!(
            unquote_c(br#""a/sp\303\251cial\tname\n""#).unwrap(),
            "a/spécial\tname\n".as_bytes()
        );
        assert_eq!(unquote_c(br#""a/q\"uote\\""#).unwrap(), b"a/q\"uote\\");
    }

    #[test]
    fn header_paths() {
        assert_eq!(
            parse_header_path(b"b/with space.py\t", b"b/").as_deref(),
            Some("with space.py")
        );
        assert_eq!(parse_header_path(b"/dev/null", b"b/"), None);
    }

    #[test]
    fn patch_content_that_looks_like_headers_is_skipped() {
        let patch = b"diff --git a/x.py b/x.py\nindex 1..2 100644\n--- a/x.py\n+++ b/x.py\n@@ -1,0 +2,2 @@\n+++ b/evil.py\n+@@ -1 +100,5 @@\n@@ -10 +12 @@\n-old\n+new\n";
        let sections = parse_patch(patch).unwrap();
        assert_eq!(sections.len(), 1);
        assert_eq!(sections[0].new_path.as_deref(), Some("x.py"));
        let lines: Vec<u32> = (1..20).filter(|&l| sections[0].added.contains(l)).collect();
        assert_eq!(lines, vec![2, 3, 12]);
    }

    #[test]
    fn hunks_that_remove_and_add_are_rewrites_of_the_base_lines_they_replace() {
        let patch = b"diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -3,2 +3,3 @@\n-a\n-b\n+c\n+d\n+e\n@@ -9,0 +11,2 @@\n+f\n+g\n@@ -20 +22,0 @@\n-h\n@@ -30 +31 @@\n-i\n+j\n";
        let sections = parse_patch(patch).unwrap();
        let rewrite = |base_start, base_count, head_start, head_count| Rewrite {
            base_start,
            base_count,
            head_start,
            head_count,
        };
        assert_eq!(
            sections[0].rewrites,
            vec![rewrite(3, 2, 3, 3), rewrite(30, 1, 31, 1)]
        );
        let first = sections[0].rewrites[0];
        assert!(first.meets_head(5, 9) && !first.meets_head(6, 9) && first.meets_head(1, 3));
        assert!(first.replaces(4) && !first.replaces(5) && !first.replaces(2));
    }

    #[test]
    fn binary_sections_take_their_path_from_the_header() {
        let patch = b"diff --git a/x y.py b/x y.py\nnew file mode 100644\nindex 0..1\nBinary files /dev/null and b/x y.py differ\ndiff --git a/old.py b/new.py\nsimilarity index 100%\nrename from old.py\nrename to new.py\n";
        let sections = parse_patch(patch).unwrap();
        assert_eq!(sections[0].new_path.as_deref(), Some("x y.py"));
        assert_eq!(sections[0].old_path, None);
        assert!(sections[0].binary);
        assert_eq!(sections[1].new_path.as_deref(), Some("new.py"));
        assert_eq!(sections[1].old_path.as_deref(), Some("old.py"));
    }

    #[test]
    fn a_diff_that_disagrees_with_its_listing_or_stops_inside_a_hunk_is_refused() {
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        let raw = format!(":100644 100644 {a} {b} M\0x.py\0");
        let whole = b"diff --git a/x.py b/x.py\nindex 1..2 100644\n--- a/x.py\n+++ b/x.py\n@@ -1 +1,2 @@\n-a\n+b\n+c\n";
        assert!(combine_diff(raw.as_bytes(), whole).is_ok());
        // git exited 0 but wrote nothing: the listing's file has no section.
        let err = combine_diff(raw.as_bytes(), b"").unwrap_err().to_string();
        assert!(err.contains("disagree about \"x.py\""), "{err}");
        // A section for a file the listing does not have.
        let other = b"diff --git a/y.py b/y.py\n--- a/y.py\n+++ b/y.py\n@@ -1 +1 @@\n-a\n+b\n";
        let both = [&whole[..], &other[..]].concat();
        assert!(combine_diff(raw.as_bytes(), &both).is_err());
        // Cut inside a hunk: the header promised two added lines, one came.
        let cut =
            b"diff --git a/x.py b/x.py\nindex 1..2 100644\n--- a/x.py\n+++ b/x.py\n@@ -1 +1,2 @@\n-a\n+b\n";
        assert!(combine_diff(raw.as_bytes(), cut)
            .unwrap_err()
            .to_string()
            .contains("truncated"));
    }

    #[test]
    fn raw_records_with_renames() {
        let z = "0".repeat(40);
        let a = "a".repeat(40);
        let raw = format!(
            ":100644 100644 {a} {a} R100\0old name.py\0new name.py\0:000000 100644 {z} {a} A\0n.rs\0"
        );
        let files = parse_raw(raw.as_bytes()).unwrap();
        assert_eq!(files[0].status, Status::Renamed);
        assert_eq!(files[0].old_path.as_deref(), Some("old name.py"));
        assert_eq!(files[0].path, "new name.py");
        assert_eq!(files[1].status, Status::Added);
        assert_eq!(files[1].old_blob, None);
    }
}
