//! Duplication a change introduces, against the whole repository at head.
//!
//! Every source file tracked at head is tokenised (or read from the token cache, keyed by blob
//! id); the windows of `min_tokens` tokens that overlap lines the change added are looked up
//! among all windows of all files. Only copies that touch added lines are reported, so old
//! duplication in untouched code is never a finding.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::Path;

use anyhow::Result;
use globset::GlobSet;
use rayon::prelude::*;

use crate::git::{ChangeSet, Repo, Rewrite, Status};
use crate::hashing::HashKeyed;
use crate::lang::{self, Language, ParseLimits};
use crate::lines::LineSet;
use crate::metrics::duplication::{
    extend_matches, is_repetitive_or_data, largest_unit_share, line_span, new_windows, query_index, tokenize,
    window_hashes, ClonePair, CloneSettings, Match, Tokens,
};
use crate::progress::{OnProgress, Progress};

mod cache;

#[doc(hidden)]
pub use cache::parse_token_cache;
use cache::TokenCache;

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
    /// Each judged file's added lines and those of them in copies: the duplicated-lines
    /// condition sums the files of the part it judges.
    pub by_file: BTreeMap<String, AddedLines>,
    pub files_indexed: usize,
    pub cache_hits: usize,
}

/// One file's added lines where duplication is judged (in an indexed source file), and how many
/// of them lie in a copy (either copy, when both are new).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AddedLines {
    pub added: u64,
    pub duplicated: u64,
}

impl Duplication {
    /// The counts behind the duplicated-lines condition of the files `owns` accepts.
    pub fn counts(&self, owns: &dyn Fn(&str) -> bool) -> crate::verdict::DuplicationCounts {
        let mut counts = crate::verdict::DuplicationCounts {
            files_indexed: self.files_indexed,
            ..Default::default()
        };
        for (_, lines) in self.by_file.iter().filter(|(path, _)| owns(path)) {
            counts.added_lines += lines.added;
            counts.duplicated_added_lines += lines.duplicated;
        }
        counts
    }
}

/// How many other occurrences each new window is compared with: the first ones, in path
/// order. Comparing every occurrence with every other would be quadratic in a repository that
/// repeats a window thousands of times; a change that adds 100 copies of a block still has
/// each copy paired with the original.
const MAX_PARTNERS: usize = 16;

/// How the index is built: which files are left out of it, the parse limits, where token
/// caches live (none: no cache), and where progress goes.
#[derive(Clone)]
pub struct IndexOptions<'a> {
    pub excludes: &'a GlobSet,
    pub limits: ParseLimits,
    pub cache_dir: Option<&'a Path>,
    pub progress: OnProgress<'a>,
    /// Tokens of changed blobs the measure stage has made already (by blob id and language),
    /// with the same normalisation and limits: they are not read and parsed again.
    pub prepared: HashMap<(String, Language), Option<Tokens>>,
}

/// A changed file where the change's copies are looked for.
#[derive(Clone, Debug, Default)]
pub struct Target {
    /// The added lines where duplication is judged (not test code, the rule enabled there).
    pub judged: LineSet,
    /// The first and last line of each function at head: a copy must reach the threshold
    /// within one function.
    pub functions: Vec<(u32, u32)>,
    /// The lines of each table of records: copies within one table are its rows, not copies.
    pub tables: Vec<(u32, u32)>,
    /// Another shard reports the file's copies: its added lines still tell which of two new
    /// copies is the copy, as in the whole change.
    pub other_shard: bool,
}

/// Finds the copies the change introduces: runs of at least `min_tokens` tokens on lines the
/// change added that occur more often at head than at base (so an edit inside an old copy, or
/// code moved from one place to another, is not a new copy).
pub fn find(
    repo: &Repo,
    change: &ChangeSet,
    targets: &HashMap<String, Target>,
    settings: CloneSettings,
    index: IndexOptions<'_>,
) -> Result<Duplication> {
    let scope = Scope::of(repo, change, index.excludes, index.limits)?;
    let n = settings.window();
    let (limits, progress) = (index.limits, index.progress);
    let (mut store, cache_hits) = tokenize_uncached(repo, &scope, settings.normalize, n, index)?;
    let empty = Tokens::default();
    let fresh = scope.tokens(&store, &empty);
    let added = judged_added_lines(change, targets, &scope, &fresh);
    let reported_here = |file: &usize| targets.get(&scope.files[*file].0).is_some_and(|t| !t.other_shard);
    let by_file = added
        .iter()
        .filter(|(file, _)| reported_here(file))
        .map(|(file, lines)| {
            let counts = AddedLines {
                added: lines.len(),
                duplicated: 0,
            };
            (scope.files[*file].0.clone(), counts)
        })
        .collect();
    let mut duplication = Duplication {
        by_file,
        files_indexed: scope.files.len(),
        cache_hits,
        ..Duplication::default()
    };
    let looked_for = looked_for_windows(&added, &fresh, n);
    let mut hashes: Vec<u64> = looked_for.keys().copied().collect();
    hashes.sort_unstable();
    let reread = Retokenize {
        normalize: settings.normalize,
        limits,
        progress,
    };
    read_holders(repo, &mut store, &scope, &hashes, reread)?;
    if looked_for.is_empty() {
        return Ok(duplication);
    }
    let tokens = scope.tokens(&store, &empty);
    let base_tokens: Vec<&Tokens> = scope
        .base_blobs
        .iter()
        .map(|b| store.get(&b.0).unwrap_or(&empty))
        .collect();
    let window_sets: Vec<Vec<u64>> = tokens.par_iter().map(|t| window_hashes(&t.hashes, n)).collect();
    let copied = copied_windows(looked_for, &window_sets, &scope.head_changed, &base_tokens, n);
    if copied.is_empty() {
        return Ok(duplication);
    }
    let pairs = extend_matches(pair_occurrences(&window_sets, &copied), &tokens, n);
    let target = |i: usize| targets.get(&scope.files[i].0);
    let rewritten = rewrites_by_file(change, &scope, &store);
    let kept: Vec<&ClonePair> = pairs
        .iter()
        .filter(|pair| {
            let added = added[&pair.new.file];
            is_a_copy_written(pair, &tokens, target(pair.new.file), added, settings)
                && !rewritten
                    .get(&pair.new.file)
                    .is_some_and(|&(rewrites, base)| rewrites_old_code(pair, &tokens, rewrites, base, added))
        })
        .collect();
    let (mut reported, mut duplicated) = copies_to_report(&kept, &scope.files, &tokens, &added);
    reported.retain(|file, _| reported_here(file));
    duplicated.retain(|file, _| reported_here(file));
    for (file, lines) in &duplicated {
        let added = added[file];
        let count: u64 = lines
            .ranges()
            .iter()
            .map(|r| u64::from(added.count_in(r.start, r.end)))
            .sum();
        if let Some(counts) = duplication.by_file.get_mut(&scope.files[*file].0) {
            counts.duplicated = count;
        }
    }
    for (file, copies) in reported {
        let lines = added[&file];
        duplication
            .clones
            .extend(merge_copies(copies, file, &scope.files, &tokens, lines));
    }
    duplication
        .clones
        .sort_by(|a, b| (&a.path, a.start_line).cmp(&(&b.path, b.start_line)));
    Ok(duplication)
}

/// What is indexed: every source file at head (path, blob, language), which of them the
/// change touches, and the base versions of changed files — with the head's counts they give
/// every window's count at base, without indexing the base tree.
struct Scope {
    files: Vec<(String, String, Language)>,
    by_path: HashMap<String, usize>,
    head_changed: Vec<usize>,
    base_blobs: Vec<(String, Language)>,
}

impl Scope {
    fn of(repo: &Repo, change: &ChangeSet, excludes: &GlobSet, limits: ParseLimits) -> Result<Scope> {
        // Files over the size limit are not indexed, and never read.
        let files: Vec<(String, String, Language)> = repo
            .ls_tree_blobs(&change.head)?
            .into_iter()
            .filter(|(path, _, size)| !excludes.is_match(path) && *size <= limits.max_bytes as u64)
            .filter_map(|(path, id, _)| Language::detect(&path, None).map(|l| (path, id, l)))
            .collect();
        let by_path: HashMap<String, usize> =
            files.iter().enumerate().map(|(i, f)| (f.0.clone(), i)).collect();
        let old_ids: Vec<&str> = change
            .files
            .iter()
            .filter_map(|f| f.old_blob.as_deref())
            .collect();
        let base_too_large: std::collections::HashSet<String> = repo
            .blob_sizes(&old_ids)?
            .into_iter()
            .filter(|(_, size)| *size > limits.max_bytes as u64)
            .map(|(id, _)| id)
            .collect();
        let mut head_changed: Vec<usize> = change
            .files
            .iter()
            .filter(|f| f.status != Status::Deleted)
            .filter_map(|f| by_path.get(&f.path).copied())
            .collect();
        head_changed.sort_unstable();
        head_changed.dedup();
        let base_blobs = change
            .files
            .iter()
            .filter(|f| f.status != Status::Added)
            .filter_map(|f| Some((f.old_blob.as_ref()?, f.base_path()?)))
            .filter(|(id, path)| !excludes.is_match(path) && !base_too_large.contains(id.as_str()))
            .filter_map(|(id, path)| Language::detect(path, None).map(|l| (id.clone(), l)))
            .collect();
        Ok(Scope {
            files,
            by_path,
            head_changed,
            base_blobs,
        })
    }

    /// Every blob the comparison may read: head's indexed files, then the base versions.
    fn blobs(&self) -> Vec<(&str, Language)> {
        let head = self.files.iter().map(|f| (f.1.as_str(), f.2));
        head.chain(self.base_blobs.iter().map(|(id, l)| (id.as_str(), *l)))
            .collect()
    }

    /// Each indexed file's tokens as far as `store` holds them (`empty` where it does not).
    fn tokens<'s>(&self, store: &'s TokenCache, empty: &'s Tokens) -> Vec<&'s Tokens> {
        self.files
            .iter()
            .map(|f| store.get(&f.1).unwrap_or(empty))
            .collect()
    }
}

/// The tokens of the blobs the change touches, tokenised afresh whatever the cache says (a
/// cache entry can save time, never decide a verdict), and of every indexed blob the cache does
/// not hold; with how many the cache held. The cached ones are read later, only where they
/// hold a window the change looks for (`read_holders`).
fn tokenize_uncached(
    repo: &Repo,
    scope: &Scope,
    normalize: bool,
    window: usize,
    index: IndexOptions<'_>,
) -> Result<(TokenCache, usize)> {
    let wanted = scope.blobs();
    let mut store = TokenCache::open(index.cache_dir, normalize, window);
    for &i in &scope.head_changed {
        store.forget(&scope.files[i].1);
    }
    for (id, _) in &scope.base_blobs {
        store.forget(id);
    }
    let mut prepared = index.prepared;
    for &(id, language) in &wanted {
        if let Some(tokens) = prepared.remove(&(id.to_string(), language)) {
            store.insert(id.to_string(), tokens);
        }
    }
    let hits = tokenize_missing(repo, &mut store, &wanted, normalize, index.limits, index.progress)?;
    Ok((store, hits))
}

/// What tokenising a blob again takes.
#[derive(Clone, Copy)]
struct Retokenize<'a> {
    normalize: bool,
    limits: ParseLimits,
    progress: OnProgress<'a>,
}

/// Reads from the cache the tokens of the indexed blobs that hold one of the looked-for
/// window `hashes` (sorted), tokenises those whose cached entry cannot be read, and saves the
/// cache with the blobs of this run.
fn read_holders(
    repo: &Repo,
    store: &mut TokenCache,
    scope: &Scope,
    hashes: &[u64],
    how: Retokenize<'_>,
) -> Result<()> {
    let wanted = scope.blobs();
    let ids: std::collections::HashSet<&str> = wanted.iter().map(|w| w.0).collect();
    let unreadable: std::collections::HashSet<String> =
        store.load_holders(hashes, &ids).into_iter().collect();
    if !unreadable.is_empty() {
        let again: Vec<(&str, Language)> = wanted
            .iter()
            .filter(|w| unreadable.contains(w.0))
            .copied()
            .collect();
        tokenize_missing(repo, store, &again, how.normalize, how.limits, how.progress)?;
    }
    store.save(&ids);
    Ok(())
}

/// The judged added lines of each target file that has tokens: where copies are looked for.
fn judged_added_lines<'t>(
    change: &ChangeSet,
    targets: &'t HashMap<String, Target>,
    scope: &Scope,
    tokens: &[&Tokens],
) -> HashMap<usize, &'t LineSet> {
    change
        .files
        .iter()
        .filter(|f| f.status != Status::Deleted)
        .filter_map(|f| Some((targets.get(&f.path)?, *scope.by_path.get(&f.path)?)))
        .filter(|(target, i)| !tokens[*i].is_empty() && !target.judged.is_empty())
        .map(|(target, i)| (i, &target.judged))
        .collect()
}

/// The windows that overlap judged added lines, with where each occurs in new code.
fn looked_for_windows(
    added: &HashMap<usize, &LineSet>,
    tokens: &[&Tokens],
    n: usize,
) -> HashKeyed<Vec<(usize, usize)>> {
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
    query_index(&queries)
}

/// Of the looked-for windows, those the change made more frequent (counted at head and at
/// base): only those are copies it made.
fn copied_windows(
    mut index: HashKeyed<Vec<(usize, usize)>>,
    window_sets: &[Vec<u64>],
    head_changed: &[usize],
    base_tokens: &[&Tokens],
    n: usize,
) -> HashKeyed<Vec<(usize, usize)>> {
    let count_in = |windows: &[u64], counts: &mut HashKeyed<i64>, sign: i64| {
        for h in windows {
            if let Some(c) = counts.get_mut(h) {
                *c += sign;
            }
        }
    };
    let mut at_head: HashKeyed<i64> = index.keys().map(|&h| (h, 0)).collect();
    for windows in window_sets {
        count_in(windows, &mut at_head, 1);
    }
    let mut at_base = at_head.clone();
    for &i in head_changed {
        count_in(&window_sets[i], &mut at_base, -1);
    }
    for t in base_tokens {
        count_in(&window_hashes(&t.hashes, n), &mut at_base, 1);
    }
    index.retain(|h, _| at_head[h] > at_base[h] && at_head[h] > 1);
    index
}

/// Every occurrence of the copied windows, each new one paired with the first few others.
fn pair_occurrences(window_sets: &[Vec<u64>], copied: &HashKeyed<Vec<(usize, usize)>>) -> Vec<Match> {
    let mut occurrences: Vec<(u64, usize, usize)> = window_sets
        .par_iter()
        .enumerate()
        .flat_map_iter(|(of, windows)| {
            windows
                .iter()
                .enumerate()
                .filter(move |(_, h)| copied.contains_key(h))
                .map(move |(op, &h)| (h, of, op))
        })
        .collect();
    occurrences.sort_unstable();
    let mut matches: Vec<Match> = Vec::new();
    for group in occurrences.chunk_by(|a, b| a.0 == b.0) {
        for &(nf, np) in &copied[&group[0].0] {
            let partners = group
                .iter()
                .filter(|&&(_, of, op)| (of, op) != (nf, np))
                .take(MAX_PARTNERS);
            matches.extend(partners.map(|&(_, of, op)| (nf, np, of, op)));
        }
    }
    matches
}

/// The copies to report, by the file of the new copy, and the lines of every file that lie in
/// a copy (both copies count where both are new). Where both copies are new, the later one is
/// reported, pointing at the earlier, unless only the other direction holds a copy the change
/// wrote.
fn copies_to_report(
    kept: &[&ClonePair],
    files: &[(String, String, Language)],
    tokens: &[&Tokens],
    added: &HashMap<usize, &LineSet>,
) -> (BTreeMap<usize, Vec<CopyOf>>, BTreeMap<usize, LineSet>) {
    let kept_keys: std::collections::HashSet<(usize, usize, usize, usize)> = kept
        .iter()
        .map(|p| (p.new.file, p.new.tokens.start, p.other.file, p.other.tokens.start))
        .collect();
    let mut duplicated: BTreeMap<usize, LineSet> = BTreeMap::new();
    let mut reported: BTreeMap<usize, Vec<CopyOf>> = BTreeMap::new();
    for pair in kept {
        let (start, end) = line_span(tokens[pair.new.file], &pair.new.tokens);
        duplicated
            .entry(pair.new.file)
            .or_default()
            .insert_range(start, end);
        let (s, e) = line_span(tokens[pair.other.file], &pair.other.tokens);
        let other_new = added
            .get(&pair.other.file)
            .is_some_and(|lines| lines.count_in(s, e) > 0);
        if other_new {
            duplicated.entry(pair.other.file).or_default().insert_range(s, e);
            let reverse = (
                pair.other.file,
                pair.other.tokens.start,
                pair.new.file,
                pair.new.tokens.start,
            );
            if (&files[pair.new.file].0, start) < (&files[pair.other.file].0, s)
                && kept_keys.contains(&reverse)
            {
                continue;
            }
        }
        reported.entry(pair.new.file).or_default().push((
            pair.new.tokens.clone(),
            pair.other.file,
            pair.other.tokens.clone(),
        ));
    }
    (reported, duplicated)
}

/// The most tokens of `range` on one stretch of consecutive added lines.
fn longest_written_stretch(tokens: &Tokens, range: &Range<usize>, added: &LineSet) -> usize {
    let (first, last) = line_span(tokens, range);
    added
        .ranges()
        .iter()
        .filter(|r| r.start <= last && r.end >= first)
        .map(|r| {
            range
                .clone()
                .filter(|&i| (r.start..=r.end).contains(&tokens.lines[i]))
                .count()
        })
        .max()
        .unwrap_or(0)
}

/// Copies of one new region that overlap become one finding, with every original.
fn merge_copies(
    mut copies: Vec<CopyOf>,
    file: usize,
    files: &[(String, String, Language)],
    tokens: &[&Tokens],
    lines: &LineSet,
) -> Vec<Duplicate> {
    copies.sort_by_key(|(range, of, orange)| (range.start, range.end, *of, orange.start));
    let t = tokens[file];
    let mut out = Vec::new();
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
        out.push(Duplicate {
            path: files[file].0.clone(),
            start_line: start,
            end_line: end,
            first_added_line: lines.first_in(start, end).unwrap_or(start),
            tokens: range.len(),
            originals,
            content_hash: crate::hashing::fnv1a_words(&t.hashes[range.clone()]),
        });
    }
    out
}

/// Tokenises the blobs the cache does not hold, while git is still reading them; returns how
/// many the cache held.
fn tokenize_missing(
    repo: &Repo,
    store: &mut TokenCache,
    wanted: &[(&str, Language)],
    normalize: bool,
    limits: ParseLimits,
    progress: OnProgress<'_>,
) -> Result<usize> {
    let mut missing: Vec<usize> = (0..wanted.len()).filter(|&i| !store.has(wanted[i].0)).collect();
    missing.sort_by_key(|&i| wanted[i].0);
    missing.dedup_by_key(|i| wanted[*i].0);
    let hits = wanted.len() - missing.len();
    if missing.is_empty() {
        return Ok(hits);
    }
    let ids: Vec<&str> = missing.iter().map(|&i| wanted[i].0).collect();
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
        // Reports every 100 ms until the index is complete (woken at once when it is).
        let (done, finished) = (&done, &finished);
        let reporter = scope.spawn(move || {
            while !finished.load(std::sync::atomic::Ordering::Acquire) {
                let done = done.load(std::sync::atomic::Ordering::Relaxed);
                progress(Progress::Indexing { done, total });
                std::thread::park_timeout(std::time::Duration::from_millis(100));
            }
            progress(Progress::Indexed);
        });
        let fresh = rx
            .into_iter()
            .par_bridge()
            .map(|(i, content)| {
                let (id, language) = wanted[i];
                let tokens = tokens_of(language, content, normalize, limits);
                done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                (id.to_string(), tokens)
            })
            .collect();
        finished.store(true, std::sync::atomic::Ordering::Release);
        reporter.thread().unpark();
        let _ = reporter.join();
        let read = reading
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the git reader thread panicked")));
        (fresh, read)
    });
    read?;
    for (id, tokens) in fresh {
        store.insert(id, tokens);
    }
    Ok(hits)
}

/// Whether the change wrote the pair's new side as a copy: in one stretch of added lines (not
/// an edited line beside old code that happens to repeat, nor lines touched here and there in
/// an old near-copy until it matched), within one function, not a row of a table beside its
/// neighbours, and not repetitive code or data.
fn is_a_copy_written(
    pair: &ClonePair,
    tokens: &[&Tokens],
    target: Option<&Target>,
    added: &LineSet,
    settings: CloneSettings,
) -> bool {
    let n = settings.window();
    let t = tokens[pair.new.file];
    let (start, end) = line_span(t, &pair.new.tokens);
    let (functions, tables) = target.map_or((&[][..], &[][..]), |t| (&t.functions[..], &t.tables[..]));
    end + 1 - start >= settings.min_lines
        && !rows_of_one_table(pair, tokens, tables, (start, end))
        && longest_written_stretch(t, &pair.new.tokens, added) * 5 >= n * 4
        && largest_unit_share(t, &pair.new.tokens, functions) >= n
        && !(settings.normalize && is_repetitive_or_data(t, &pair.new.tokens))
}

/// The hunks that rewrote base lines in each indexed file the change modified, with the
/// file's tokens at base (for `rewrites_old_code`).
fn rewrites_by_file<'s>(
    change: &'s ChangeSet,
    scope: &Scope,
    store: &'s TokenCache,
) -> HashMap<usize, (&'s [Rewrite], &'s Tokens)> {
    let rewritten = change.files.iter().filter(|f| !f.rewrites.is_empty());
    rewritten
        .filter_map(|f| {
            let file = *scope.by_path.get(&f.path)?;
            let base = store.get(f.old_blob.as_deref()?)?;
            Some((file, (f.rewrites.as_slice(), base)))
        })
        .collect()
}

/// Tokens compared at most, per side, to tell an old near-copy edited in place (beyond that
/// the pair is taken as written).
const REWRITE_TOKENS_COMPARED: usize = 4_000;

/// Whether the pair's new side is old code edited in place, not a copy written: its added
/// lines stand where the change rewrote base lines (hunks that remove and add), and at least
/// four fifths of their tokens, in order, were there before (a mechanical edit through an old
/// near-copy: parentheses added for a lint, a call renamed, an argument added on every line),
/// so the copy was in the code already, a little under the threshold.
fn rewrites_old_code(
    pair: &ClonePair,
    tokens: &[&Tokens],
    rewrites: &[Rewrite],
    base: &Tokens,
    added: &LineSet,
) -> bool {
    let t = tokens[pair.new.file];
    let (first, last) = line_span(t, &pair.new.tokens);
    let rewritten: Vec<_> = rewrites.iter().filter(|r| r.meets_head(first, last)).collect();
    if rewritten.is_empty() {
        return false;
    }
    let written: Vec<u64> = pair
        .new
        .tokens
        .clone()
        .filter(|&i| added.contains(t.lines[i]))
        .map(|i| t.hashes[i])
        .collect();
    let replaced: Vec<u64> = (0..base.len())
        .filter(|&i| rewritten.iter().any(|r| r.replaces(base.lines[i])))
        .map(|i| base.hashes[i])
        .collect();
    if written.is_empty()
        || written.len() > REWRITE_TOKENS_COMPARED
        || replaced.len() > REWRITE_TOKENS_COMPARED
    {
        return false;
    }
    common_subsequence(&written, &replaced) * 5 >= written.len() * 4
}

/// The length of the longest common subsequence of `a` and `b`.
fn common_subsequence(a: &[u64], b: &[u64]) -> usize {
    let mut row = vec![0usize; b.len() + 1];
    for &x in a {
        let mut diagonal = 0;
        for (j, &y) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if x == y { diagonal + 1 } else { above.max(row[j]) };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Whether both sides of a pair lie in one table of records of the same file: rows added
/// beside the rows they resemble.
fn rows_of_one_table(pair: &ClonePair, tokens: &[&Tokens], tables: &[(u32, u32)], new: (u32, u32)) -> bool {
    if pair.new.file != pair.other.file {
        return false;
    }
    let other = line_span(tokens[pair.other.file], &pair.other.tokens);
    let within = |(a, b): (u32, u32), (s, e): (u32, u32)| s <= a && b <= e;
    tables.iter().any(|&t| within(new, t) && within(other, t))
}

/// A new token range, and the file and token range it copies.
type CopyOf = (Range<usize>, usize, Range<usize>);

/// Tokens of one file; `None` for a file that is not indexed (too large, binary, generated,
/// or unparsable as a whole).
fn tokens_of(language: Language, content: Vec<u8>, normalize: bool, limits: ParseLimits) -> Option<Tokens> {
    if crate::classify::has_generated_marker(&content) {
        return None;
    }
    let parsed = lang::parse(language, content, limits).ok()?;
    tokens_of_parsed(&parsed, normalize)
}

/// The tokens the index holds for a file another stage has parsed already (so that a changed
/// file is parsed once a run); `None` for generated code, as `tokens_of` says.
pub fn tokens_of_parsed(parsed: &lang::ParsedFile, normalize: bool) -> Option<Tokens> {
    if crate::classify::has_generated_marker(&parsed.source) {
        return None;
    }
    Some(tokenize(parsed, normalize))
}
