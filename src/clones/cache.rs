//! The token cache: each blob's tokens on disk, with an index of the windows they hold, so a
//! warm run reads the tokens of only those blobs that hold a window the change looks for.
//!
//! The cache is a folder of segments. Each is written once, atomically, and never changed:
//!
//! ```text
//! header   "DGSEGv1\n", window length, bucket bits, entries, postings (u32 each),
//!          bytes of the entry table (u64)
//! entries  per blob: id length (u8), id, indexed (u8), token count (u32), data offset (u64)
//! buckets  2^bits + 1 offsets (u32) into the postings
//! postings per bucket, (fingerprint u32, entry u32): one per distinct window of each blob
//! data     per indexed blob: its token hashes (u64 each), then their lines (u32 each)
//! ```
//!
//! A window's hash, mixed once, files it: its top bits name the bucket, its low 32 bits are
//! the fingerprint. A run writes the entries it made as one new segment. When the segment
//! before it is no more than twice the size of the newer ones together, they are merged. So
//! sizes halve from the oldest segment to the newest, and each entry is rewritten a
//! logarithmic number of times. A merge keeps only the blobs of the current tree, and when
//! dead entries outweigh live ones, everything is merged. Where two segments hold a blob, the
//! newer one counts.
//!
//! The cache is untrusted input (restored from a CI cache, written by anyone who could write
//! there). Every count and offset is checked against the file before anything is read or
//! allocated. Its index only chooses which cached tokens to read: every count and match is
//! made from the tokens themselves, so a lying index can cost time or hide an original
//! outside the change, as forged tokens could, and never make a copy or hide one the change
//! wrote (the change's own blobs are always tokenised afresh).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::lang;
use crate::metrics::duplication::{window_hashes, Tokens};

const MAGIC: &[u8; 8] = b"DGSEGv1\n";
const HEADER_BYTES: u64 = 32;
/// An entry holds at least an id length, a 40-digit id, a flag, a count and an offset.
const MIN_ENTRY_BYTES: u64 = 1 + 40 + 1 + 4 + 8;
const MAX_BUCKET_BITS: u32 = 20;
/// Postings per bucket a segment is laid out for.
const POSTINGS_PER_BUCKET: usize = 16;
const MIX: u64 = 0x9e37_79b9_7f4a_7c15;
/// Postings between two wanted buckets that are read through rather than sought past.
const READ_GAP: u32 = 512;

/// Bumped whenever tokenisation or the layout changes; grammar versions are part of the key.
fn folder_name(normalize: bool) -> String {
    let grammars: Vec<&str> = lang::LANGUAGES.iter().map(|l| l.grammar_version).collect();
    let seed = crate::verdict::fingerprint(&[env!("CARGO_PKG_VERSION"), &grammars.join(",")]);
    format!(
        "tokens-v4-{}-{}",
        if normalize { "type2" } else { "type1" },
        &seed[..8]
    )
}

/// A window hash's bucket in a segment of `bits` bucket bits, and its fingerprint.
fn filing(hash: u64, bits: u32) -> (usize, u32) {
    let mixed = hash.wrapping_mul(MIX);
    let bucket = mixed.checked_shr(64 - bits).unwrap_or(0);
    (bucket as usize, mixed as u32)
}

/// Where a segment's bytes are: a file, or bytes in memory (the fuzzer's).
enum Source {
    File(File),
    Bytes(Vec<u8>),
}

impl Source {
    fn len(&self) -> Result<u64> {
        Ok(match self {
            Source::File(f) => f.metadata()?.len(),
            Source::Bytes(b) => b.len() as u64,
        })
    }

    /// `len` bytes from `at`; the caller has checked that they lie inside.
    fn read_at(&mut self, at: u64, len: usize) -> Result<Vec<u8>> {
        match self {
            Source::File(f) => {
                let mut out = vec![0; len];
                f.seek(SeekFrom::Start(at))?;
                f.read_exact(&mut out)?;
                Ok(out)
            }
            Source::Bytes(b) => {
                let start = usize::try_from(at)?;
                let end = start.checked_add(len).filter(|&e| e <= b.len());
                Ok(b[start..end.context("truncated token cache")?].to_vec())
            }
        }
    }
}

struct Entry {
    id: String,
    indexed: bool,
    count: u32,
    offset: u64,
}

impl Entry {
    /// What a merge rewrites of it: the entry, and each token.
    fn weight(&self) -> u64 {
        1 + u64::from(self.count)
    }
}

/// One segment, its entry table and buckets read; its postings and data are read on demand.
struct Segment {
    path: Option<PathBuf>,
    source: Source,
    window: u32,
    bits: u32,
    entries: Vec<Entry>,
    buckets: Vec<u32>,
    postings_at: u64,
    data_at: u64,
}

/// Little-endian fields off the front of a byte slice, each checked against what remains.
struct Fields<'a>(&'a [u8]);

impl<'a> Fields<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        anyhow::ensure!(n <= self.0.len(), "truncated token cache");
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into()?))
    }

    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into()?))
    }
}

/// Where a segment's parts lie, from its header, each checked against the file's length.
struct Layout {
    window: u32,
    bits: u32,
    count: u32,
    postings: u32,
    entry_bytes: u64,
    bucket_bytes: u64,
    postings_at: u64,
    data_at: u64,
}

impl Layout {
    fn of(header: &[u8], len: u64) -> Result<Layout> {
        let mut h = Fields(header);
        anyhow::ensure!(h.take(8)? == MAGIC, "not a debtgate token cache");
        let (window, bits, count, postings) = (h.u32()?, h.u32()?, h.u32()?, h.u32()?);
        let entry_bytes = h.u64()?;
        anyhow::ensure!(bits <= MAX_BUCKET_BITS, "token cache: {bits} bucket bits");
        let bucket_bytes = ((1u64 << bits) + 1) * 4;
        let postings_at = HEADER_BYTES
            .checked_add(entry_bytes)
            .and_then(|n| n.checked_add(bucket_bytes))
            .filter(|&n| n <= len)
            .context("token cache: its tables cannot fit")?;
        let data_at = postings_at + u64::from(postings) * 8;
        anyhow::ensure!(data_at <= len, "token cache: its postings cannot fit");
        anyhow::ensure!(
            u64::from(count) <= entry_bytes / MIN_ENTRY_BYTES,
            "token cache: {count} entries cannot fit"
        );
        Ok(Layout {
            window,
            bits,
            count,
            postings,
            entry_bytes,
            bucket_bytes,
            postings_at,
            data_at,
        })
    }
}

/// A bucket table: `2^bits + 1` offsets from 0 to the number of postings, in order.
fn read_buckets(table: &[u8], postings: u32) -> Result<Vec<u32>> {
    let buckets: Vec<u32> = table
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap_or_default()))
        .collect();
    anyhow::ensure!(
        buckets.first() == Some(&0)
            && buckets.last() == Some(&postings)
            && buckets.windows(2).all(|w| w[0] <= w[1]),
        "token cache: buckets out of order"
    );
    Ok(buckets)
}

impl Segment {
    /// Reads a segment's header, entry table and buckets, checking every count and offset
    /// against its length.
    fn open(path: Option<PathBuf>, mut source: Source) -> Result<Segment> {
        let len = source.len()?;
        anyhow::ensure!(len >= HEADER_BYTES, "truncated token cache");
        let at = Layout::of(&source.read_at(0, HEADER_BYTES as usize)?, len)?;
        let tables = source.read_at(HEADER_BYTES, (at.entry_bytes + at.bucket_bytes) as usize)?;
        let (entry_table, bucket_table) = tables.split_at(at.entry_bytes as usize);
        let mut fields = Fields(entry_table);
        let entries = (0..at.count)
            .map(|_| read_entry(&mut fields, len - at.data_at))
            .collect::<Result<Vec<_>>>()?;
        anyhow::ensure!(
            fields.0.is_empty(),
            "token cache: trailing bytes in its entry table"
        );
        Ok(Segment {
            path,
            source,
            window: at.window,
            bits: at.bits,
            entries,
            buckets: read_buckets(bucket_table, at.postings)?,
            postings_at: at.postings_at,
            data_at: at.data_at,
        })
    }

    /// The entries that hold a window of one of `hashes`, as far as the index says. Wanted
    /// buckets that lie close together are read at once, so a large change reads the postings
    /// in a few long reads rather than one per bucket.
    fn holders(&mut self, hashes: &[u64]) -> Result<HashSet<usize>> {
        let mut wanted: BTreeMap<usize, HashSet<u32>> = BTreeMap::new();
        for &h in hashes {
            let (bucket, fingerprint) = filing(h, self.bits);
            wanted.entry(bucket).or_default().insert(fingerprint);
        }
        let mut out = HashSet::new();
        let mut wanted = wanted.into_iter().peekable();
        while let Some(first) = wanted.next() {
            let start = self.buckets[first.0];
            let mut group = vec![first];
            while let Some(next) = wanted
                .next_if(|(b, _)| self.buckets[*b] - self.buckets[group[group.len() - 1].0 + 1] <= READ_GAP)
            {
                group.push(next);
            }
            let end = self.buckets[group[group.len() - 1].0 + 1];
            let bytes = self.source.read_at(
                self.postings_at + u64::from(start) * 8,
                (end - start) as usize * 8,
            )?;
            for (bucket, fingerprints) in group {
                let from = (self.buckets[bucket] - start) as usize * 8;
                let to = (self.buckets[bucket + 1] - start) as usize * 8;
                scan_bucket(&bytes[from..to], &fingerprints, self.entries.len(), &mut out);
            }
        }
        Ok(out)
    }

    /// One entry's tokens (`None` for a blob marked not indexable).
    fn tokens(&mut self, entry: usize) -> Result<Option<Tokens>> {
        let Entry {
            indexed,
            count,
            offset,
            ..
        } = self.entries[entry];
        if !indexed {
            return Ok(None);
        }
        let n = count as usize;
        let bytes = self.source.read_at(self.data_at + offset, n * 12)?;
        let (hashes, lines) = bytes.split_at(n * 8);
        let tokens = Tokens {
            hashes: hashes
                .chunks_exact(8)
                .map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default()))
                .collect(),
            lines: lines
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes(c.try_into().unwrap_or_default()))
                .collect(),
        };
        anyhow::ensure!(
            tokens.lines.windows(2).all(|w| w[0] <= w[1]),
            "token cache: lines out of order"
        );
        Ok(Some(tokens))
    }
}

/// Adds to `out` the entries of one bucket's postings whose fingerprint is among `wanted`.
fn scan_bucket(postings: &[u8], wanted: &HashSet<u32>, entries: usize, out: &mut HashSet<usize>) {
    for posting in postings.chunks_exact(8) {
        let fingerprint = u32::from_le_bytes(posting[..4].try_into().unwrap_or_default());
        let entry = u32::from_le_bytes(posting[4..].try_into().unwrap_or_default()) as usize;
        if entry < entries && wanted.contains(&fingerprint) {
            out.insert(entry);
        }
    }
}

/// One entry of an entry table whose data section is `data_len` bytes long.
fn read_entry(fields: &mut Fields<'_>, data_len: u64) -> Result<Entry> {
    let id_len = fields.u8()? as usize;
    let id = std::str::from_utf8(fields.take(id_len)?)?.to_string();
    anyhow::ensure!(
        (id.len() == 40 || id.len() == 64) && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "token cache: {id:?} is not an object id"
    );
    let indexed = match fields.u8()? {
        0 => false,
        1 => true,
        other => anyhow::bail!("token cache: bad flag {other}"),
    };
    let (count, offset) = (fields.u32()?, fields.u64()?);
    anyhow::ensure!(
        indexed || count == 0,
        "token cache: tokens for a blob marked not indexable"
    );
    let end = offset.checked_add(u64::from(count) * 12);
    anyhow::ensure!(
        end.is_some_and(|e| e <= data_len),
        "token cache: {id}'s tokens lie outside the file"
    );
    Ok(Entry {
        id,
        indexed,
        count,
        offset,
    })
}

/// Reads a segment's bytes as `debtgate check` would, every posting and every entry's tokens
/// (for the fuzzer): the entries it accepts, or why it refuses the segment.
#[doc(hidden)]
pub fn parse_token_cache(bytes: &[u8]) -> Result<usize> {
    let mut segment = Segment::open(None, Source::Bytes(bytes.to_vec()))?;
    for b in 0..segment.buckets.len() - 1 {
        let (start, end) = (segment.buckets[b], segment.buckets[b + 1]);
        let at = segment.postings_at + u64::from(start) * 8;
        segment.source.read_at(at, (end - start) as usize * 8)?;
    }
    for i in 0..segment.entries.len() {
        segment.tokens(i)?;
    }
    Ok(segment.entries.len())
}

/// The index of `entries`' windows of `window` tokens: its bucket bits, its buckets, and its
/// postings as they are written. The postings are counted into their buckets in one pass over
/// the tokens and placed in a second (a window hash costs a multiply and an add), so nothing
/// but the postings is held besides the tokens.
fn index_of(entries: &[(&str, Option<&Tokens>)], window: usize) -> (u32, Vec<u32>, Vec<u8>) {
    let windows_of = |t: &Tokens| window_hashes(&t.hashes, window);
    let total: usize = entries
        .iter()
        .filter_map(|e| e.1)
        .map(|t| (t.len() + 1).saturating_sub(window.max(1)))
        .sum();
    let bits = (usize::BITS - (total / POSTINGS_PER_BUCKET).leading_zeros()).min(MAX_BUCKET_BITS);
    let mut buckets = vec![0u32; (1 << bits) + 1];
    for h in entries.iter().filter_map(|e| e.1).flat_map(windows_of) {
        buckets[filing(h, bits).0 + 1] += 1;
    }
    for b in 1..buckets.len() {
        buckets[b] += buckets[b - 1];
    }
    let mut next: Vec<u32> = buckets[..buckets.len() - 1].to_vec();
    let mut postings = vec![0u8; buckets[buckets.len() - 1] as usize * 8];
    for (i, (_, tokens)) in entries.iter().enumerate() {
        for h in tokens.map(windows_of).unwrap_or_default() {
            let (bucket, fingerprint) = filing(h, bits);
            let at = next[bucket] as usize * 8;
            next[bucket] += 1;
            postings[at..at + 4].copy_from_slice(&fingerprint.to_le_bytes());
            postings[at + 4..at + 8].copy_from_slice(&(i as u32).to_le_bytes());
        }
    }
    (bits, buckets, postings)
}

/// The entry table of `entries`, their tokens laid out one after another in that order.
fn entry_table(entries: &[(&str, Option<&Tokens>)]) -> Vec<u8> {
    let mut table = Vec::new();
    let mut offset = 0u64;
    for (id, tokens) in entries {
        let count = tokens.map_or(0, |t| t.len() as u32);
        table.push(id.len() as u8);
        table.extend_from_slice(id.as_bytes());
        table.push(u8::from(tokens.is_some()));
        table.extend_from_slice(&count.to_le_bytes());
        table.extend_from_slice(&offset.to_le_bytes());
        offset += u64::from(count) * 12;
    }
    table
}

/// Every indexed entry's token hashes, then lines.
fn write_tokens(out: &mut dyn Write, entries: &[(&str, Option<&Tokens>)]) -> std::io::Result<()> {
    for t in entries.iter().filter_map(|e| e.1) {
        for h in &t.hashes {
            out.write_all(&h.to_le_bytes())?;
        }
        for l in &t.lines {
            out.write_all(&l.to_le_bytes())?;
        }
    }
    Ok(())
}

/// Writes one segment of `entries` (sorted by id), its index made for windows of `window`
/// tokens.
fn write_segment(path: &Path, window: usize, entries: &[(&str, Option<&Tokens>)]) -> Result<()> {
    let (bits, buckets, postings) = index_of(entries, window);
    let table = entry_table(entries);
    let mut head = MAGIC.to_vec();
    let counts = [
        window as u32,
        bits,
        entries.len() as u32,
        (postings.len() / 8) as u32,
    ];
    for field in counts {
        head.extend_from_slice(&field.to_le_bytes());
    }
    head.extend_from_slice(&(table.len() as u64).to_le_bytes());
    head.extend_from_slice(&table);
    for b in &buckets {
        head.extend_from_slice(&b.to_le_bytes());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    crate::output::write_atomically_with(path, |out| {
        out.write_all(&head)?;
        out.write_all(&postings)?;
        write_tokens(out, entries)
    })?;
    Ok(())
}

/// The segments of one cache folder, oldest first, by the numbers that name them. A segment
/// that cannot be read is left out: the cache only ever saves time.
fn open_segments(folder: &Path) -> Vec<(u64, Segment)> {
    let Ok(listing) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut numbered: Vec<(u64, PathBuf)> = listing
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "seg"))
        .filter_map(|p| Some((p.file_stem()?.to_str()?.parse().ok()?, p)))
        .collect();
    numbered.sort();
    numbered
        .into_iter()
        .filter_map(|(n, path)| {
            let file = File::open(&path).ok()?;
            Some((n, Segment::open(Some(path), Source::File(file)).ok()?))
        })
        .collect()
}

/// Removes the single-file token caches earlier versions wrote (`tokens-v3-….bin`): nothing
/// reads them any more.
fn remove_single_file_caches(dir: Option<&Path>) {
    let Some(listing) = dir.and_then(|d| std::fs::read_dir(d).ok()) else {
        return;
    };
    for path in listing.filter_map(|e| e.ok()).map(|e| e.path()) {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.starts_with("tokens-v") && name.ends_with(".bin") && path.is_file() {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// Per-blob tokens: those on disk (read on demand), and those this run made.
pub(super) struct TokenCache {
    folder: Option<PathBuf>,
    window: usize,
    segments: Vec<(u64, Segment)>,
    /// The newest entry of each cached blob: segment and entry.
    located: HashMap<String, (usize, usize)>,
    /// The tokens read or made this run.
    loaded: HashMap<String, Option<Tokens>>,
    /// The blobs whose entries this run made differ from the cache's (or it had none).
    made: HashSet<String>,
    /// Entries of the blobs the change touches, as the cache had them.
    suspect: HashMap<String, (usize, usize)>,
}

impl TokenCache {
    /// The cache in `dir` (none: no cache) for one normalisation, queried with windows of
    /// `window` tokens.
    pub(super) fn open(dir: Option<&Path>, normalize: bool, window: usize) -> TokenCache {
        let folder = dir.map(|d| d.join(folder_name(normalize)));
        let segments = folder.as_deref().map(open_segments).unwrap_or_default();
        let mut located = HashMap::new();
        for (s, (_, segment)) in segments.iter().enumerate() {
            for (e, entry) in segment.entries.iter().enumerate() {
                located.insert(entry.id.clone(), (s, e));
            }
        }
        TokenCache {
            folder,
            window,
            segments,
            located,
            loaded: HashMap::new(),
            made: HashSet::new(),
            suspect: HashMap::new(),
        }
    }

    fn entry(&self, (s, e): (usize, usize)) -> &Entry {
        &self.segments[s].1.entries[e]
    }

    /// Whether the cache holds tokens for a blob. A "not indexable" entry is not taken on
    /// trust (it would hide the blob from the comparison): such blobs are checked again, which
    /// is cheap for the usual reasons (a generated marker in the first 4 KiB, the size limit).
    pub(super) fn has(&self, id: &str) -> bool {
        match self.loaded.get(id) {
            Some(tokens) => tokens.is_some(),
            None => self.located.get(id).is_some_and(|&at| self.entry(at).indexed),
        }
    }

    /// The tokens read or made this run.
    pub(super) fn get(&self, id: &str) -> Option<&Tokens> {
        self.loaded.get(id).and_then(Option::as_ref)
    }

    /// Sets an entry aside, to be computed again; a recomputed entry equal to it is not
    /// written again.
    pub(super) fn forget(&mut self, id: &str) {
        if let Some(at) = self.located.remove(id) {
            self.suspect.insert(id.to_string(), at);
        }
    }

    pub(super) fn insert(&mut self, id: String, tokens: Option<Tokens>) {
        let cached = self
            .suspect
            .remove(&id)
            .or_else(|| self.located.get(&id).copied());
        let same = cached.is_some_and(|(s, e)| self.segments[s].1.tokens(e).ok().as_ref() == Some(&tokens));
        if same {
            self.located.insert(id.clone(), cached.unwrap_or_default());
        } else {
            self.located.remove(&id);
            self.made.insert(id.clone());
        }
        self.loaded.insert(id, tokens);
    }

    /// Reads the cached tokens of the blobs among `wanted` that hold a window of `hashes`,
    /// by the index (all of a segment's blobs where it was made for another window length).
    /// Returns the blobs whose entries could not be read: the caller tokenises them.
    pub(super) fn load_holders(&mut self, hashes: &[u64], wanted: &HashSet<&str>) -> Vec<String> {
        let mut holders: Vec<(usize, usize)> = Vec::new();
        for (s, (_, segment)) in self.segments.iter_mut().enumerate() {
            let found = if segment.window as usize == self.window {
                segment
                    .holders(hashes)
                    .unwrap_or_else(|_| (0..segment.entries.len()).collect())
            } else {
                (0..segment.entries.len()).collect()
            };
            holders.extend(found.into_iter().map(|e| (s, e)));
        }
        holders.sort_unstable();
        let mut unreadable = Vec::new();
        for at in holders {
            let id = &self.entry(at).id;
            if self.loaded.contains_key(id)
                || self.located.get(id) != Some(&at)
                || !wanted.contains(id.as_str())
            {
                continue;
            }
            let id = id.clone();
            match self.segments[at.0].1.tokens(at.1) {
                Ok(tokens) => {
                    self.loaded.insert(id, tokens);
                }
                Err(_) => {
                    self.located.remove(&id);
                    unreadable.push(id);
                }
            }
        }
        unreadable
    }

    /// Writes the entries this run made as a new segment, merged with the newest segments
    /// where they are no more than twice its size (everything, where dead entries outweigh
    /// live ones or a segment was made for another window length). Only the blobs of `keep`
    /// are kept. A cache that cannot be written is left as it is.
    pub(super) fn save(&mut self, keep: &HashSet<&str>) {
        let Some(folder) = self.folder.clone() else {
            return;
        };
        let weights: Vec<(u64, u64)> = (0..self.segments.len())
            .map(|s| self.live_and_dead(s, keep))
            .collect();
        let (live, dead): (u64, u64) = weights.iter().fold((0, 0), |a, w| (a.0 + w.0, a.1 + w.1));
        let other_window = self.segments.iter().any(|s| s.1.window as usize != self.window);
        let everything = dead > live || other_window;
        if self.made.is_empty() && !everything {
            return;
        }
        let mut newer: u64 = self
            .made
            .iter()
            .map(|id| 1 + self.get(id).map_or(0, |t| t.len() as u64))
            .sum();
        let mut from = self.segments.len();
        while from > 0 && (everything || weights[from - 1].0 <= 2 * newer) {
            from -= 1;
            newer += weights[from].0;
        }
        if self.write_merged(&folder, from, keep).is_ok() {
            remove_single_file_caches(folder.parent());
        }
    }

    /// What segment `s` holds that is live (the newest entry of a blob of `keep`), and what is
    /// dead, by weight.
    fn live_and_dead(&self, s: usize, keep: &HashSet<&str>) -> (u64, u64) {
        let mut live_dead = (0, 0);
        for (e, entry) in self.segments[s].1.entries.iter().enumerate() {
            let live = self.located.get(&entry.id) == Some(&(s, e)) && keep.contains(entry.id.as_str());
            if live {
                live_dead.0 += entry.weight();
            } else {
                live_dead.1 += entry.weight();
            }
        }
        live_dead
    }

    /// Writes the entries made this run and the live entries of segments `from..` as one
    /// segment, then removes those segments.
    fn write_merged(&mut self, folder: &Path, from: usize, keep: &HashSet<&str>) -> Result<()> {
        let mut live: Vec<(String, (usize, usize))> = self
            .located
            .iter()
            .filter(|(id, at)| at.0 >= from && keep.contains(id.as_str()) && !self.loaded.contains_key(*id))
            .map(|(id, &at)| (id.clone(), at))
            .collect();
        live.sort_unstable();
        let mut read: BTreeMap<String, Option<Tokens>> = BTreeMap::new();
        for (id, (s, e)) in live {
            if let Ok(tokens) = self.segments[s].1.tokens(e) {
                read.insert(id, tokens);
            }
        }
        let in_this_run = self.loaded.iter().filter(|(id, _)| {
            let here = self
                .located
                .get(*id)
                .map_or(self.made.contains(*id), |at| at.0 >= from);
            here && keep.contains(id.as_str())
        });
        let mut entries: Vec<(&str, Option<&Tokens>)> = in_this_run
            .chain(read.iter())
            .map(|(id, t)| (id.as_str(), t.as_ref()))
            .collect();
        entries.sort_unstable_by_key(|e| e.0);
        let number = self.segments.last().map_or(1, |s| s.0 + 1);
        write_segment(&folder.join(format!("{number:08}.seg")), self.window, &entries)?;
        for (_, segment) in self.segments.drain(from..) {
            if let Some(path) = segment.path {
                let _ = std::fs::remove_file(path);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(values: &[u64]) -> Tokens {
        Tokens {
            hashes: values.to_vec(),
            lines: (1..=values.len() as u32).collect(),
        }
    }

    fn id(c: char) -> String {
        c.to_string().repeat(40)
    }

    #[test]
    fn a_segment_whose_counts_cannot_fit_is_refused_before_allocating() {
        let mut bytes = MAGIC.to_vec();
        for field in [50u32, 0, u32::MAX, 0] {
            bytes.extend_from_slice(&field.to_le_bytes());
        }
        bytes.extend_from_slice(&0u64.to_le_bytes());
        bytes.extend_from_slice(&[0; 8]);
        let refused = parse_token_cache(&bytes).unwrap_err().to_string();
        assert!(refused.contains("cannot fit"), "{refused}");
        let mut bytes = MAGIC.to_vec();
        for field in [50u32, 0, 0, 0] {
            bytes.extend_from_slice(&field.to_le_bytes());
        }
        bytes.extend_from_slice(&u64::MAX.to_le_bytes());
        assert!(parse_token_cache(&bytes).is_err());
    }

    #[test]
    fn the_index_finds_exactly_the_blobs_that_hold_a_window() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("00000001.seg");
        let (a, b, c) = (tokens(&[1, 2, 3, 4]), tokens(&[9, 2, 3, 8]), tokens(&[5, 6, 7]));
        let ids = [id('a'), id('b'), id('c'), id('d')];
        let entries = [
            (ids[0].as_str(), Some(&a)),
            (ids[1].as_str(), Some(&b)),
            (ids[2].as_str(), Some(&c)),
            (ids[3].as_str(), None),
        ];
        write_segment(&path, 2, &entries).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(parse_token_cache(&bytes).unwrap(), 4);
        let mut segment = Segment::open(None, Source::Bytes(bytes)).unwrap();
        let of = |t: &Tokens, i: usize| window_hashes(&t.hashes, 2)[i];
        // [2, 3] is in a and b; [6, 7] in c only; [3, 2] in none.
        let found = segment.holders(&[of(&a, 1)]).unwrap();
        assert_eq!(found, HashSet::from([0, 1]));
        assert_eq!(segment.holders(&[of(&c, 1)]).unwrap(), HashSet::from([2]));
        assert!(segment.holders(&[of(&tokens(&[3, 2]), 0)]).unwrap().is_empty());
        assert_eq!(segment.tokens(1).unwrap(), Some(b));
        assert_eq!(segment.tokens(3).unwrap(), None);
    }

    /// The bytes of one segment of `blobs` (ids from their positions), its index made for
    /// windows of `window` tokens, as `write_segment` writes it.
    fn segment_of(blobs: &[Tokens], window: usize) -> Vec<u8> {
        let ids: Vec<String> = (0..blobs.len()).map(|i| format!("{i:040x}")).collect();
        let entries: Vec<(&str, Option<&Tokens>)> = ids
            .iter()
            .map(String::as_str)
            .zip(blobs.iter().map(Some))
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("00000001.seg");
        write_segment(&path, window, &entries).unwrap();
        std::fs::read(&path).unwrap()
    }

    /// Many blobs, so the index has many buckets: for every window of every blob, and for
    /// windows no blob has, the holders are exactly those a scan of every blob finds.
    #[test]
    fn the_index_agrees_with_a_scan_of_every_blob() {
        let mut state = 7u64;
        let mut next = || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (state >> 33) % 40
        };
        let blobs: Vec<Tokens> = (0..300)
            .map(|i| tokens(&(0..20 + i % 50).map(|_| next()).collect::<Vec<_>>()))
            .collect();
        let mut segment = Segment::open(None, Source::Bytes(segment_of(&blobs, 3))).unwrap();
        assert!(segment.bits >= 8, "{} bucket bits", segment.bits);
        let windows: Vec<Vec<u64>> = blobs.iter().map(|t| window_hashes(&t.hashes, 3)).collect();
        let mut asked: Vec<u64> = windows.iter().flatten().copied().step_by(7).collect();
        asked.extend(window_hashes(&[41, 42, 43, 44], 3));
        for h in asked {
            let scanned: HashSet<usize> = (0..blobs.len()).filter(|&i| windows[i].contains(&h)).collect();
            assert_eq!(segment.holders(&[h]).unwrap(), scanned);
        }
    }

    /// A segment with bytes flipped, cut short or lengthened is read or refused, never a
    /// panic, and whatever is read of it stays inside it.
    #[test]
    fn a_damaged_segment_is_refused_or_read_without_a_panic() {
        let blobs: Vec<Tokens> = (0..40u64)
            .map(|i| tokens(&(0..30).map(|t| (t * i) % 7).collect::<Vec<_>>()))
            .collect();
        let good = segment_of(&blobs, 3);
        let mut state = 11u64;
        for round in 0..3000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1442695040888963407);
            let mut bytes = good.clone();
            let at = (state >> 20) as usize % bytes.len();
            match round % 3 {
                0 => bytes[at] ^= (state >> 8) as u8 | 1,
                1 => bytes.truncate(at),
                _ => bytes.splice(at..at, [0xff; 9]).for_each(drop),
            }
            let _ = parse_token_cache(&bytes);
            if let Ok(mut segment) = Segment::open(None, Source::Bytes(bytes)) {
                let _ = segment.holders(&[state, state >> 3, 42]);
            }
        }
    }

    #[test]
    fn a_warm_cache_reads_only_holders_and_segments_merge_as_they_grow() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (tokens(&[1, 2, 3, 4]), tokens(&[5, 6, 7, 8]));
        let (ia, ib, ic) = (id('a'), id('b'), id('c'));
        let keep: HashSet<&str> = [ia.as_str(), ib.as_str(), ic.as_str()].into();
        let mut cache = TokenCache::open(Some(dir.path()), true, 2);
        cache.insert(ia.clone(), Some(a.clone()));
        cache.insert(ib.clone(), Some(b.clone()));
        cache.save(&keep);
        let folder = dir.path().join(folder_name(true));
        let count = || std::fs::read_dir(&folder).unwrap().count();
        assert_eq!(count(), 1);
        let old_format = dir.path().join("tokens-v3-type2-0123abcd.bin");
        std::fs::write(&old_format, b"DGTOKv1\n").unwrap();

        let mut warm = TokenCache::open(Some(dir.path()), true, 2);
        assert!(warm.has(&ia) && warm.has(&ib) && !warm.has(&ic));
        assert!(warm.get(&ia).is_none(), "nothing is read before it is asked for");
        let looked_for = window_hashes(&[6, 7], 2);
        assert!(warm.load_holders(&looked_for, &keep).is_empty());
        assert_eq!(warm.get(&ib), Some(&b));
        assert!(warm.get(&ia).is_none(), "a holds no window looked for");
        // A small new entry is a segment of its own; nothing old is rewritten.
        warm.insert(ic.clone(), Some(tokens(&[1, 2])));
        warm.save(&keep);
        assert_eq!(count(), 2);
        assert!(!old_format.exists(), "a cache of the old format is removed");
        // Once the newer entries reach half the older segment's size, they merge into one.
        let mut third = TokenCache::open(Some(dir.path()), true, 2);
        third.forget(&ia);
        third.insert(ia.clone(), Some(tokens(&[1, 2, 3, 4, 5, 6, 7, 8, 9])));
        third.save(&keep);
        assert_eq!(count(), 1);
        let mut again = TokenCache::open(Some(dir.path()), true, 2);
        assert!(again.load_holders(&window_hashes(&[8, 9], 2), &keep).is_empty());
        assert_eq!(again.get(&ia).unwrap().len(), 9, "the newer entry wins");
    }

    #[test]
    fn an_entry_made_again_as_it_was_is_not_written_again() {
        let dir = tempfile::tempdir().unwrap();
        let ia = id('a');
        let keep: HashSet<&str> = [ia.as_str()].into();
        let mut cache = TokenCache::open(Some(dir.path()), false, 2);
        cache.insert(ia.clone(), None);
        cache.save(&keep);
        let folder = dir.path().join(folder_name(false));
        let before: Vec<_> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        let mut warm = TokenCache::open(Some(dir.path()), false, 2);
        assert!(!warm.has(&ia), "a not-indexable entry is checked again");
        warm.insert(ia.clone(), None);
        warm.save(&keep);
        let after: Vec<_> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(before, after);
    }
}
