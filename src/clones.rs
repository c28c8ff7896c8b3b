//! Duplication a change introduces, against the whole repository at head.
//!
//! Every source file tracked at head is tokenised (or read from the token cache, keyed by blob
//! id); the windows of `min_tokens` tokens that overlap lines the change added are looked up
//! among all windows of all files. Only copies that touch added lines are reported, so old
//! duplication in untouched code is never a finding.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;

use crate::git::{ChangeSet, Repo, Status};
use crate::lang::{self, Language, ParseLimits};
use crate::lines::LineSet;
use crate::metrics::duplication::{
    extend_matches, line_span, new_windows, query_index, tokenize, window_hashes, CloneSettings, Match,
    Tokens,
};

/// Paths never indexed: dependencies and build output checked into the repository.
const VENDORED: &[&str] = &[
    "**/node_modules/**",
    "**/vendor/**",
    "**/third_party/**",
    "**/*.min.js",
    "**/*.bundle.js",
];

/// One copy the change made, with what it copies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Duplicate {
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
    /// The first line of the copy the change added (where the finding is shown).
    pub first_added_line: u32,
    pub tokens: usize,
    /// The other copies: path, first and last line.
    pub originals: Vec<(String, u32, u32)>,
    /// A hash of the copy's normalised tokens: stable when the copy moves.
    pub content_hash: u64,
}

/// What the duplication pass found.
#[derive(Clone, Debug, Default)]
pub struct Duplication {
    pub clones: Vec<Duplicate>,
    /// Lines the change added in indexed source files.
    pub added_lines: u64,
    /// Of those, the lines that lie in a copy (either copy, when both are new).
    pub duplicated_added_lines: u64,
    pub files_indexed: usize,
    pub cache_hits: usize,
    /// Windows of the change left out because they occur more than `MAX_OCCURRENCES` times.
    pub skipped_common_windows: usize,
}

/// How often one window may occur in the repository and still be compared.
const MAX_OCCURRENCES: u32 = 64;

impl Duplication {
    /// Duplicated lines in new code, in percent (0 when the change adds no source lines).
    pub fn density(&self) -> f64 {
        if self.added_lines == 0 {
            0.0
        } else {
            100.0 * self.duplicated_added_lines as f64 / self.added_lines as f64
        }
    }
}

/// Where token caches live, and whether to use one.
#[derive(Clone, Debug)]
pub struct CacheConfig {
    pub dir: Option<PathBuf>,
}

pub fn exclusions(extra: &[String]) -> Result<GlobSet> {
    let mut builder = GlobSetBuilder::new();
    for pattern in VENDORED.iter().copied().chain(extra.iter().map(String::as_str)) {
        builder.add(Glob::new(pattern).with_context(|| format!("invalid exclude pattern {pattern:?}"))?);
    }
    Ok(builder.build()?)
}

/// Finds the copies the change introduces.
pub fn find(
    repo: &Repo,
    change: &ChangeSet,
    settings: CloneSettings,
    excludes: &GlobSet,
    cache: &CacheConfig,
    limits: ParseLimits,
) -> Result<Duplication> {
    let files: Vec<(String, String, Language)> = repo
        .ls_tree_blobs(&change.head)?
        .into_iter()
        .filter(|(path, _)| !excludes.is_match(path))
        .filter_map(|(path, id)| Language::detect(&path, None).map(|l| (path, id, l)))
        .collect();

    let mut store = TokenCache::open(cache.dir.as_deref(), settings.normalize);
    let missing: Vec<usize> = (0..files.len()).filter(|&i| !store.has(&files[i].1)).collect();
    let cache_hits = files.len() - missing.len();
    if !missing.is_empty() {
        let ids: Vec<&str> = missing.iter().map(|&i| files[i].1.as_str()).collect();
        let mut reader = repo.blob_reader()?;
        // Parse while git is still reading: blobs flow through a bounded channel to the pool.
        let done = std::sync::atomic::AtomicUsize::new(0);
        let finished = std::sync::atomic::AtomicBool::new(false);
        let (fresh, read): (Vec<(String, Option<Tokens>)>, Result<()>) = std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, Vec<u8>)>(256);
            let missing = &missing;
            let reading = scope.spawn(move || {
                reader.read_each(&ids, |k, content| {
                    let _ = tx.send((missing[k], content));
                })
            });
            let total = missing.len();
            // A progress line on an interactive terminal, for the first (uncached) indexing of
            // a large repository; nothing in CI logs.
            let show = total > 500 && std::io::IsTerminal::is_terminal(&std::io::stderr());
            let progress = show.then(|| {
                let (done, finished) = (&done, &finished);
                scope.spawn(move || {
                    use std::io::Write as _;
                    while !finished.load(std::sync::atomic::Ordering::Relaxed) {
                        let n = done.load(std::sync::atomic::Ordering::Relaxed);
                        let _ = write!(
                            std::io::stderr(),
                            "\rdebtgate: indexing {n}/{total} files for duplication"
                        );
                        std::thread::sleep(std::time::Duration::from_millis(100));
                    }
                    let _ = write!(std::io::stderr(), "\r\x1b[2K");
                })
            });
            let fresh = rx
                .into_iter()
                .par_bridge()
                .map(|(i, content)| {
                    let (_, id, language) = &files[i];
                    let tokens = tokens_of(*language, content, settings.normalize, limits);
                    done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    (id.clone(), tokens)
                })
                .collect();
            finished.store(true, std::sync::atomic::Ordering::Relaxed);
            if let Some(p) = progress {
                let _ = p.join();
            }
            let read = reading
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("the git reader thread panicked")));
            (fresh, read)
        });
        read?;
        for (id, tokens) in fresh {
            store.insert(id, tokens);
        }
        store.save(files.iter().map(|f| f.1.as_str()));
    }
    let empty = Tokens::default();
    let tokens: Vec<&Tokens> = files.iter().map(|f| store.get(&f.1).unwrap_or(&empty)).collect();

    // The windows to look for: those of changed files that overlap added lines.
    let by_path: HashMap<&str, usize> = files.iter().enumerate().map(|(i, f)| (f.0.as_str(), i)).collect();
    let mut added: HashMap<usize, &LineSet> = HashMap::new();
    let mut added_lines = 0;
    for file in &change.files {
        if file.status == Status::Deleted {
            continue;
        }
        if let Some(&i) = by_path.get(file.path.as_str()) {
            if !tokens[i].is_empty() {
                added.insert(i, &file.added);
                added_lines += file.added.len();
            }
        }
    }
    let n = settings.min_tokens.max(1);
    let queries: Vec<(usize, Vec<u64>, Vec<bool>)> = added
        .iter()
        .map(|(&i, lines)| {
            (
                i,
                window_hashes(&tokens[i].hashes, n),
                new_windows(tokens[i], lines, n),
            )
        })
        .collect();
    let index = query_index(&queries);
    let mut duplication = Duplication {
        added_lines,
        files_indexed: files.len(),
        cache_hits,
        ..Duplication::default()
    };
    if index.is_empty() {
        return Ok(duplication);
    }

    // A window that occurs very often (generated tables, `x = 0` a thousand times) is not a
    // copy anyone made, and pairing every occurrence with every other would be quadratic:
    // such windows are counted first and left out.
    let window_sets: Vec<Vec<u64>> = tokens.par_iter().map(|t| window_hashes(&t.hashes, n)).collect();
    let mut occurrences: HashMap<u64, u32> = HashMap::with_capacity(index.len());
    for windows in &window_sets {
        for h in windows {
            if index.contains_key(h) {
                *occurrences.entry(*h).or_insert(0) += 1;
            }
        }
    }
    let too_common: std::collections::HashSet<u64> = occurrences
        .iter()
        .filter(|(_, &count)| count > MAX_OCCURRENCES)
        .map(|(h, _)| *h)
        .collect();
    let matches: Vec<Match> = window_sets
        .par_iter()
        .enumerate()
        .flat_map_iter(|(of, windows)| {
            let mut found = Vec::new();
            for (op, h) in windows.iter().enumerate() {
                if too_common.contains(h) {
                    continue;
                }
                if let Some(hits) = index.get(h) {
                    for &(nf, np) in hits {
                        if (nf, np) != (of, op) {
                            found.push((nf, np, of, op));
                        }
                    }
                }
            }
            found
        })
        .collect();
    duplication.skipped_common_windows = too_common.len();
    let pairs = extend_matches(matches, &tokens, n);

    // Lines in copies, for the density: both copies count where both are new.
    let mut duplicated: BTreeMap<usize, LineSet> = BTreeMap::new();
    // The copies to report, by new copy: (file, first token, last token) -> originals.
    let mut reported: BTreeMap<usize, Vec<CopyOf>> = BTreeMap::new();
    for pair in &pairs {
        let (start, end) = line_span(tokens[pair.new.file], &pair.new.tokens);
        if end + 1 - start < settings.min_lines {
            continue;
        }
        duplicated
            .entry(pair.new.file)
            .or_default()
            .insert_range(start, end);
        let other_new = added.get(&pair.other.file).is_some_and(|lines| {
            let (s, e) = line_span(tokens[pair.other.file], &pair.other.tokens);
            lines.count_in(s, e) > 0
        });
        if other_new {
            let (s, e) = line_span(tokens[pair.other.file], &pair.other.tokens);
            duplicated.entry(pair.other.file).or_default().insert_range(s, e);
            // Both copies are new: report the later one, pointing at the earlier.
            let this = (&files[pair.new.file].0, start);
            let that = (&files[pair.other.file].0, s);
            if this < that {
                continue;
            }
        }
        reported.entry(pair.new.file).or_default().push((
            pair.new.tokens.clone(),
            pair.other.file,
            pair.other.tokens.clone(),
        ));
    }
    duplication.duplicated_added_lines = duplicated
        .iter()
        .map(|(file, lines)| {
            let added = added[file];
            lines
                .ranges()
                .iter()
                .map(|r| u64::from(added.count_in(r.start, r.end)))
                .sum::<u64>()
        })
        .sum();

    for (file, mut copies) in reported {
        copies.sort_by_key(|(range, of, orange)| (range.start, range.end, *of, orange.start));
        let t = tokens[file];
        let lines = added[&file];
        // Copies of one new region that overlap merge into one finding.
        let mut i = 0;
        while i < copies.len() {
            let mut range = copies[i].0.clone();
            let mut originals = Vec::new();
            let mut j = i;
            while j < copies.len() && copies[j].0.start < range.end {
                range.end = range.end.max(copies[j].0.end);
                let (of, orange) = (copies[j].1, &copies[j].2);
                let (s, e) = line_span(tokens[of], orange);
                originals.push((files[of].0.clone(), s, e));
                j += 1;
            }
            i = j;
            originals.sort();
            originals.dedup();
            let (start, end) = line_span(t, &range);
            let content_hash = t.hashes[range.clone()]
                .iter()
                .fold(0xcbf2_9ce4_8422_2325u64, |h, &x| {
                    (h ^ x).wrapping_mul(0x0000_0100_0000_01b3)
                });
            duplication.clones.push(Duplicate {
                path: files[file].0.clone(),
                start_line: start,
                end_line: end,
                first_added_line: lines.first_in(start, end).unwrap_or(start),
                tokens: range.len(),
                originals,
                content_hash,
            });
        }
    }
    duplication
        .clones
        .sort_by(|a, b| (&a.path, a.start_line).cmp(&(&b.path, b.start_line)));
    Ok(duplication)
}

/// A new token range, and the file and token range it copies.
type CopyOf = (Range<usize>, usize, Range<usize>);

/// Tokens of one file; `None` for a file that is not indexed (too large, binary, generated,
/// or unparsable as a whole).
fn tokens_of(language: Language, content: Vec<u8>, normalize: bool, limits: ParseLimits) -> Option<Tokens> {
    if is_generated(&content) {
        return None;
    }
    let parsed = lang::parse(language, content, limits).ok()?;
    Some(tokenize(&parsed, normalize))
}

/// The markers code generators leave in their first lines.
fn is_generated(content: &[u8]) -> bool {
    let head = &content[..content.len().min(1024)];
    let head = String::from_utf8_lossy(head);
    head.lines().take(5).any(|l| {
        l.contains("@generated")
            || l.contains("DO NOT EDIT")
            || l.contains("Code generated")
            || l.contains("auto-generated")
    })
}

/// Per-blob tokens on disk: one file per normalisation setting, rewritten (with only the blobs
/// of the current tree) when new blobs were tokenised. A cache that cannot be read is ignored,
/// one that cannot be written is skipped: the cache only ever saves time.
struct TokenCache {
    path: Option<PathBuf>,
    entries: HashMap<String, Option<Tokens>>,
    dirty: bool,
}

/// Bumped whenever tokenisation changes; grammar versions are part of the key too.
fn cache_key(normalize: bool) -> String {
    let grammars: Vec<&str> = lang::LANGUAGES.iter().map(|l| l.grammar_version).collect();
    let seed = crate::verdict::fingerprint(&[env!("CARGO_PKG_VERSION"), &grammars.join(",")]);
    format!(
        "tokens-v1-{}-{}.bin",
        if normalize { "type2" } else { "type1" },
        &seed[..8]
    )
}

impl TokenCache {
    fn open(dir: Option<&Path>, normalize: bool) -> TokenCache {
        let path = dir.map(|d| d.join(cache_key(normalize)));
        let entries = path
            .as_deref()
            .and_then(|p| read_cache(p).ok())
            .unwrap_or_default();
        TokenCache {
            path,
            entries,
            dirty: false,
        }
    }

    fn has(&self, id: &str) -> bool {
        self.entries.contains_key(id)
    }

    fn get(&self, id: &str) -> Option<&Tokens> {
        self.entries.get(id).and_then(Option::as_ref)
    }

    fn insert(&mut self, id: String, tokens: Option<Tokens>) {
        self.entries.insert(id, tokens);
        self.dirty = true;
    }

    fn save<'a>(&self, keep: impl Iterator<Item = &'a str>) {
        let (Some(path), true) = (&self.path, self.dirty) else {
            return;
        };
        let _ = write_cache(path, keep.filter_map(|id| self.entries.get_key_value(id)));
    }
}

const MAGIC: &[u8; 8] = b"DGTOKv1\n";

fn read_cache(path: &Path) -> Result<HashMap<String, Option<Tokens>>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.read_to_end(&mut bytes)?;
    let mut r = Reader { bytes: &bytes, at: 0 };
    anyhow::ensure!(r.take(8)? == MAGIC, "not a debtgate token cache");
    let count = r.u32()? as usize;
    let mut entries = HashMap::with_capacity(count);
    for _ in 0..count {
        let id_len = r.u32()? as usize;
        let id = String::from_utf8(r.take(id_len)?.to_vec())?;
        let indexed = r.take(1)?[0] == 1;
        let n = r.u32()? as usize;
        let mut tokens = Tokens {
            hashes: Vec::with_capacity(n),
            lines: Vec::with_capacity(n),
        };
        for chunk in r.take(n * 8)?.chunks_exact(8) {
            tokens.hashes.push(u64::from_le_bytes(chunk.try_into()?));
        }
        for chunk in r.take(n * 4)?.chunks_exact(4) {
            tokens.lines.push(u32::from_le_bytes(chunk.try_into()?));
        }
        entries.insert(id, indexed.then_some(tokens));
    }
    Ok(entries)
}

fn write_cache<'a>(
    path: &Path,
    entries: impl Iterator<Item = (&'a String, &'a Option<Tokens>)>,
) -> Result<()> {
    let entries: Vec<_> = entries.collect();
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    for (id, tokens) in entries {
        out.extend_from_slice(&(id.len() as u32).to_le_bytes());
        out.extend_from_slice(id.as_bytes());
        out.push(u8::from(tokens.is_some()));
        let empty = Tokens::default();
        let t = tokens.as_ref().unwrap_or(&empty);
        out.extend_from_slice(&(t.len() as u32).to_le_bytes());
        for h in &t.hashes {
            out.extend_from_slice(&h.to_le_bytes());
        }
        for l in &t.lines {
            out.extend_from_slice(&l.to_le_bytes());
        }
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::File::create(&tmp)?.write_all(&out)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.context("truncated token cache")?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into()?))
    }
}
