//! The measure stage: every changed file parsed at base and head, its functions measured and
//! matched across the change, and the code it copies found.

use std::collections::HashMap;

use anyhow::{bail, Context, Result};
use rayon::prelude::*;

use crate::classify;
use crate::clones;
use crate::config::Settings;
use crate::git::{BlobReader, ChangeSet, ChangedFile, EntryKind, Repo, Status};
use crate::identity::{self, Identity};
use crate::lang::{self, Language, ParseLimits, ParseProblem};
use crate::lines::LineSet;
use crate::metrics::complexity::{self, FunctionMetrics};
use crate::metrics::duplication::{CloneSettings, Tokens};
use crate::progress::OnProgress;
use crate::request::{Cache, CheckRequest};
use crate::rules::{self, Metric, Severity};
use crate::shard::Shard;
use crate::verdict::Notice;

/// Matches every head function to its base version across the change.
pub(crate) fn identify(measured: &[MeasuredFile]) -> Identity {
    let sides: Vec<identity::Sides<'_>> = measured
        .iter()
        .map(|m| identity::Sides {
            path: &m.file.path,
            base_path: m.file.base_path(),
            head: &m.head,
            head_bodies: &m.head_bodies,
            base: m.base.as_deref().unwrap_or(&[]),
            base_bodies: &m.base_bodies,
        })
        .collect();
    identity::match_functions(&sides)
}

/// Measures the base functions of other shards' files that a function of this shard
/// continues (moved from there): a shard judges its functions against their real base values.
pub(crate) fn count_moved_from(measured: &mut [MeasuredFile], identity: &Identity, limits: ParseLimits) {
    let wanted: std::collections::BTreeSet<usize> = identity
        .before
        .iter()
        .enumerate()
        .filter(|(fi, _)| !measured[*fi].other_shard)
        .flat_map(|(_, before)| before.iter().flatten().map(|&(bf, _)| bf))
        .filter(|&bf| measured[bf].other_shard)
        .collect();
    for bf in wanted {
        let file = &mut measured[bf];
        let Some(source) = file.base_source.take() else {
            continue;
        };
        if let Ok(parsed) = lang::parse(file.language, source, limits) {
            let counted = complexity::measure(&parsed);
            // The same functions, in the same order: only their numbers were missing.
            if file.base.as_ref().is_some_and(|b| b.len() == counted.len()) {
                file.base = Some(counted);
            }
        }
    }
}

/// The added lines of functions the change moved, unchanged, from another file: not new code.
pub(crate) fn moved_lines(identity: &Identity, measured: &[MeasuredFile]) -> HashMap<String, LineSet> {
    let mut out: HashMap<String, LineSet> = HashMap::new();
    for m in &identity.moves {
        if m.exact && m.from_path != m.path {
            out.entry(m.path.clone())
                .or_default()
                .insert_range(m.start_line, m.end_line);
        }
    }
    for file in measured {
        if let Some(lines) = out.get_mut(&file.file.path) {
            *lines = file.file.added.intersection(lines);
        }
    }
    out
}

/// Copies the change adds, where the duplicated-block rule applies (not in test code by
/// default); `None` when it applies nowhere.
pub(crate) fn find_duplication(
    repo: &Repo,
    request: &CheckRequest,
    change: &ChangeSet,
    settings: &Settings,
    measured: &[MeasuredFile],
    progress: OnProgress<'_>,
) -> Result<Option<clones::Duplication>> {
    let rule = rules::of_metric(&settings.rules, Metric::DuplicatedTokens)
        .context("the rule pack has no duplicated-block rule")?;
    if rule.threshold < 10 {
        bail!(
            "[rules.{}] threshold = {}: a duplicated block is at least 10 tokens (every short run of code repeats somewhere)",
            rule.id,
            rule.threshold
        );
    }
    let targets: HashMap<String, clones::Target> = measured
        .iter()
        .filter(|m| !m.deleted && !settings.is_excluded(&m.file.path))
        .map(|file| (file.file.path.clone(), duplication_target(settings, file)))
        .collect();
    if !rule.enabled && targets.values().all(|t| t.judged.is_empty() || t.other_shard) {
        return Ok(None);
    }
    let dir = match &request.cache {
        Cache::Off => None,
        Cache::Dir(dir) => Some(dir.clone()),
        Cache::Default => Some(repo.git_common_dir().join("debtgate")),
    };
    let patterns = classify::VENDORED_PATHS
        .iter()
        .copied()
        .chain(settings.duplication.exclude.iter().map(String::as_str));
    let excludes = classify::globs(patterns, "[duplication] exclude")?;
    let clone_settings = CloneSettings {
        min_tokens: rule.threshold as usize,
        min_lines: settings.duplication.min_lines,
        normalize: settings.duplication.normalize,
    };
    let index = clones::IndexOptions {
        excludes: &excludes,
        limits: request.limits,
        cache_dir: dir.as_deref(),
        progress,
        prepared: measured.iter().flat_map(|m| m.tokens.iter().cloned()).collect(),
    };
    clones::find(repo, change, &targets, clone_settings, index).map(Some)
}

/// A changed file's functions at base and head.
pub struct MeasuredFile {
    pub file: ChangedFile,
    pub language: Language,
    /// Empty where the change deletes the file.
    pub head: Vec<FunctionMetrics>,
    /// `None` where the file is new at head.
    pub base: Option<Vec<FunctionMetrics>>,
    /// Bodies of the functions at head and base, for identity (see `identity`).
    pub head_bodies: Vec<identity::Body>,
    pub base_bodies: Vec<identity::Body>,
    /// The inline suppressions at head.
    pub suppressions: Vec<crate::suppress::Suppression>,
    /// The file at head, for code frames.
    pub head_source: std::sync::Arc<[u8]>,
    /// Lines of test code: the whole file for a test path, else Rust's `#[cfg(test)]` modules.
    pub test_lines: LineSet,
    /// Lines at head that hold code (not comments, blank lines or docstrings).
    pub code_lines: LineSet,
    /// The lines of each table of records at head (when the duplication check runs).
    pub tables: Vec<(u32, u32)>,
    /// The change deletes the file (only its base is measured, for moves and debt removed).
    pub deleted: bool,
    /// Another shard judges the file: its functions are found, not measured, so that which
    /// function continues which is decided over the whole change (see `count_moved_from`).
    pub other_shard: bool,
    /// The file at base, kept for a file of another shard: its functions are measured only
    /// where one of this shard's continues one of them.
    pub base_source: Option<Vec<u8>>,
    /// The tokens of the file's blobs at head and base, made while they were parsed here,
    /// for the duplication index (by blob id and the language it indexes them as).
    pub tokens: Vec<((String, Language), Option<Tokens>)>,
}

impl MeasuredFile {
    /// Where a finding about lines `start..=end` is shown: the first line the change added
    /// there that holds code.
    pub fn first_added_code_line(&self, start: u32, end: u32) -> Option<u32> {
        self.file.added.first_in_both(&self.code_lines, start, end)
    }
}

struct Job {
    file: ChangedFile,
    language: Language,
    head: Option<Vec<u8>>,
    base: Option<Vec<u8>>,
    test_path: bool,
    /// Another shard judges the file: only its functions are found, for identity.
    other_shard: bool,
    /// Whether a rule that applies to the file needs its functions' complexity counted.
    complexity: bool,
    /// The duplication index will want the file's tokens (with this normalisation).
    tokens: Option<bool>,
}

/// Where the copies a changed file adds are looked for: its added lines where the
/// duplicated-block rule applies (source and test lines each by the settings for them), and its
/// functions' spans.
fn duplication_target(settings: &Settings, file: &MeasuredFile) -> clones::Target {
    let path = &file.file.path;
    let enabled = |test: bool| {
        rules::of_metric(&settings.rules_for(path, test), Metric::DuplicatedTokens).is_some_and(|r| r.enabled)
    };
    let mut judged = LineSet::new();
    if enabled(false) {
        judged = file.file.added.difference(&file.test_lines);
    }
    if enabled(true) {
        for r in file.file.added.intersection(&file.test_lines).ranges() {
            judged.insert_range(r.start, r.end);
        }
    }
    let functions = file.head.iter().map(|f| (f.start_line, f.end_line)).collect();
    clones::Target {
        judged,
        functions,
        tables: file.tables.clone(),
        other_shard: file.other_shard,
    }
}

/// Reads the changed files at both sides and measures them. Files left out of judgement
/// (excluded by the configuration, vendored, generated) are named in a notice with the reason;
/// what is generated or vendored is decided at base where the file exists there, so a change
/// cannot exempt its own code by marking it.
pub(crate) fn measure_change(
    repo: &Repo,
    change: &ChangeSet,
    settings: &Settings,
    limits: ParseLimits,
    shard: Option<Shard>,
    notices: &mut Vec<Notice>,
) -> Result<Vec<MeasuredFile>> {
    let mut planner = Planner::new(repo, change, settings, limits)?;
    let mut jobs = Vec::new();
    for file in &change.files {
        // A file another shard judges is still read, as that shard reads it, for the functions
        // it holds: which function continues which (moves across files included) is decided
        // over the whole change, so every shard finds the same. What it says is that shard's.
        let judged = Shard::judges(shard, &file.path);
        let mut elsewhere = Vec::new();
        let says = if judged { &mut *notices } else { &mut elsewhere };
        let job = if file.status == Status::Deleted {
            planner.deleted(file)?
        } else {
            planner.changed(file, says)?
        };
        jobs.extend(job.map(|mut job| {
            job.other_shard = !judged;
            job.complexity &= judged;
            job
        }));
    }
    drop(planner);
    let results: Vec<(Option<MeasuredFile>, Vec<Notice>)> =
        jobs.into_par_iter().map(|job| measure_job(job, limits)).collect();
    let mut measured = Vec::with_capacity(results.len());
    for (file, mut file_notices) in results {
        notices.append(&mut file_notices);
        measured.extend(file);
    }
    Ok(measured)
}

/// Decides, file by file, what is read and measured, and says why a file is not.
struct Planner<'a> {
    reader: BlobReader,
    settings: &'a Settings,
    limits: ParseLimits,
    attributes: classify::Attributes,
    vendored: globset::GlobSet,
    /// Blob sizes, read first: a blob over --max-file-bytes is never read.
    sizes: HashMap<String, u64>,
}

impl<'a> Planner<'a> {
    fn new(
        repo: &Repo,
        change: &ChangeSet,
        settings: &'a Settings,
        limits: ParseLimits,
    ) -> Result<Planner<'a>> {
        let mut reader = repo.blob_reader()?;
        let attributes = match repo.blob_id(&change.base, ".gitattributes") {
            Some(blob) => classify::Attributes::parse(&String::from_utf8_lossy(&reader.read(&blob)?)),
            None => classify::Attributes::default(),
        };
        let vendored = classify::globs(classify::VENDORED_PATHS.iter().copied(), "vendored paths")?;
        let ids: Vec<&str> = change
            .files
            .iter()
            .flat_map(|f| [f.new_blob.as_deref(), f.old_blob.as_deref()])
            .flatten()
            .collect();
        let sizes = repo.blob_sizes(&ids)?;
        Ok(Planner {
            reader,
            settings,
            limits,
            attributes,
            vendored,
            sizes,
        })
    }

    fn too_large(&self, id: &str) -> Option<ParseProblem> {
        let size = self
            .sizes
            .get(id)
            .copied()
            .filter(|&size| size > self.limits.max_bytes as u64)?;
        Some(ParseProblem::TooLarge {
            bytes: usize::try_from(size).unwrap_or(usize::MAX),
            limit: self.limits.max_bytes,
        })
    }

    fn job(
        &self,
        file: &ChangedFile,
        language: Language,
        head: Option<Vec<u8>>,
        base: Option<Vec<u8>>,
    ) -> Job {
        Job {
            file: file.clone(),
            language,
            head,
            base,
            test_path: self.settings.is_test_path(&file.path),
            other_shard: false,
            complexity: needs_complexity(self.settings, &file.path),
            tokens: any_rule(self.settings, &file.path, |m| m == Metric::DuplicatedTokens)
                .then_some(self.settings.duplication.normalize),
        }
    }

    /// A deleted file is measured at base, so that a function it held can be found again
    /// elsewhere (a move) and its debt counted as removed.
    fn deleted(&mut self, file: &ChangedFile) -> Result<Option<Job>> {
        let (Some(id), EntryKind::File, Some(language)) =
            (&file.old_blob, file.old_kind, Language::detect(&file.path, None))
        else {
            return Ok(None);
        };
        if self.settings.is_excluded(&file.path) || self.attributes.left_out(&file.path).is_some() {
            return Ok(None);
        }
        let base = self
            .reader
            .read(id)
            .with_context(|| format!("cannot read {} at base", file.path))?;
        Ok(Some(self.job(file, language, None, Some(base))))
    }

    /// An added, modified or renamed file: read at head (and at base where it was there), unless
    /// it is no source file, is left out (with a notice saying why), or cannot be read.
    fn changed(&mut self, file: &ChangedFile, notices: &mut Vec<Notice>) -> Result<Option<Job>> {
        let note = |message: &str| Notice {
            path: Some(file.path.clone()),
            level: Severity::Note,
            message: message.to_string(),
            blocking: false,
        };
        let Some((language, content)) = self.source_at_head(file, notices)? else {
            return Ok(None);
        };
        if let Some(reason) = self.left_out(&file.path) {
            notices.push(note(&format!("not judged: {reason}")));
            return Ok(None);
        }
        if file.binary {
            notices.push(note("binary content: skipped"));
            return Ok(None);
        }
        let head = match (content, &file.new_blob) {
            (Some(c), _) => c,
            (None, Some(blob)) => self
                .reader
                .read(blob)
                .with_context(|| format!("cannot read {} at head", file.path))?,
            (None, None) => return Ok(None),
        };
        let base = self.base_of(file, language, notices)?;
        if let Some(message) = not_source_code(file, &head, base.as_deref()) {
            notices.push(note(message));
            return Ok(None);
        }
        Ok(Some(self.job(file, language, Some(head), base)))
    }

    /// The language of a file at head, and its content where recognising it took reading it (a
    /// file without an extension, recognised by its `#!` line); `None` for a file that is not
    /// source code, not a file, or too large (which says so).
    fn source_at_head(
        &mut self,
        file: &ChangedFile,
        notices: &mut Vec<Notice>,
    ) -> Result<Option<(Language, Option<Vec<u8>>)>> {
        if let Some(message) = not_a_file(file) {
            notices.extend(message.map(|m| Notice {
                path: Some(file.path.clone()),
                level: Severity::Note,
                message: m.to_string(),
                blocking: false,
            }));
            return Ok(None);
        }
        let Some(blob) = &file.new_blob else {
            return Ok(None);
        };
        if let Some(problem) = self.too_large(blob) {
            if Language::detect(&file.path, None).is_some() {
                notices.push(Notice {
                    path: Some(file.path.clone()),
                    level: Severity::Error,
                    message: format!("not analysed at head: {problem}"),
                    blocking: true,
                });
            }
            return Ok(None);
        }
        let has_extension = file.path.rsplit('/').next().is_some_and(|n| n.contains('.'));
        let content = match has_extension {
            true if Language::detect(&file.path, None).is_none() => return Ok(None),
            true => None,
            false => Some(self.reader.read(blob)?),
        };
        Ok(Language::detect(&file.path, content.as_deref()).map(|language| (language, content)))
    }

    /// Why a file is not judged though it is source code: the configuration, `.gitattributes`
    /// at base, or a dependency folder.
    fn left_out(&self, path: &str) -> Option<String> {
        if self.settings.is_excluded(path) {
            Some("excluded by the configuration (exclude)".to_string())
        } else if let Some(kind) = self.attributes.left_out(path) {
            Some(format!("{} (.gitattributes at base)", kind.reason()))
        } else {
            self.vendored
                .is_match(path)
                .then(|| "vendored code (a dependency folder)".to_string())
        }
    }

    /// The file at base, where it was a file of the same language and not too large to read.
    fn base_of(
        &mut self,
        file: &ChangedFile,
        language: Language,
        notices: &mut Vec<Notice>,
    ) -> Result<Option<Vec<u8>>> {
        let (Some(id), Some(path), EntryKind::File) = (&file.old_blob, file.base_path(), file.old_kind)
        else {
            return Ok(None);
        };
        // Where no rule judges functions, the base is read only as where a function may have
        // moved from: a file the change only adds to keeps every function it had.
        let only_added = file.status == Status::Modified && file.removed_lines == 0;
        if only_added && !judges_functions(self.settings, &file.path) {
            return Ok(None);
        }
        if let Some(problem) = self.too_large(id) {
            notices.push(base_not_analysed(path, &problem));
            return Ok(None);
        }
        if Language::detect(path, None).is_some_and(|l| l != language) {
            return Ok(None);
        }
        let base = self
            .reader
            .read(id)
            .with_context(|| format!("cannot read {path} at base"))?;
        Ok(Some(base))
    }
}

/// Why content in a source file's place is not source code to judge: a Git LFS pointer, or
/// generated code (a marker in its leading comment, read at base where the file exists there).
fn not_source_code(file: &ChangedFile, head: &[u8], base: Option<&[u8]>) -> Option<&'static str> {
    if head.starts_with(b"version https://git-lfs.github.com/spec/") {
        return Some("Git LFS pointer: the content is not in the repository, so it is not analysed");
    }
    let marked = match (&file.old_blob, file.status) {
        (Some(_), Status::Modified | Status::Renamed) => base,
        _ => Some(head),
    };
    marked
        .is_some_and(classify::has_generated_marker)
        .then_some("not judged: generated code (a marker in its leading comment)")
}

/// What is at head is not a file to read: `Some(None)` for nothing to say, `Some(message)` for
/// a symbolic link to a source file or a submodule, `None` for a regular file.
fn not_a_file(file: &ChangedFile) -> Option<Option<&'static str>> {
    match file.new_kind {
        EntryKind::Missing => Some(None),
        EntryKind::Symlink if Language::detect(&file.path, None).is_some() => {
            Some(Some("symbolic link: not followed, not analysed"))
        }
        EntryKind::Symlink => Some(None),
        EntryKind::Submodule => Some(Some("submodule: its own repository is not analysed")),
        _ => None,
    }
}

/// A base version that could not be measured: its functions are judged as new.
fn base_not_analysed(path: &str, problem: &ParseProblem) -> Notice {
    Notice {
        path: Some(path.to_string()),
        level: Severity::Warning,
        message: format!("not analysed at base: {problem}; its functions are judged as new"),
        blocking: false,
    }
}

/// Whether any rule that applies to `path` (in source or in test code) counts complexity:
/// without one, a run (coverage alone, say) only finds the functions, for identity.
fn needs_complexity(settings: &Settings, path: &str) -> bool {
    any_rule(settings, path, |metric| {
        matches!(
            metric,
            Metric::Cognitive
                | Metric::Cyclomatic
                | Metric::MaxNesting
                | Metric::Returns
                | Metric::FileCyclomatic
        )
    })
}

/// Whether any rule that applies to `path` judges its functions (or the file's complexity),
/// which needs their base versions.
fn judges_functions(settings: &Settings, path: &str) -> bool {
    any_rule(settings, path, |metric| {
        metric.is_function_metric() || metric == Metric::FileCyclomatic
    })
}

/// Whether a rule over a metric `wanted` accepts is on for `path`, in source or in test code.
fn any_rule(settings: &Settings, path: &str, wanted: impl Fn(Metric) -> bool) -> bool {
    [false, true].into_iter().any(|test| {
        settings
            .rules_for(path, test)
            .iter()
            .any(|r| r.enabled && wanted(r.metric))
    })
}

/// What one side of a file measures to.
#[derive(Default)]
struct Side {
    comments: Vec<std::ops::Range<usize>>,
    functions: Vec<FunctionMetrics>,
    bodies: Vec<identity::Body>,
    code_lines: LineSet,
    test_regions: LineSet,
    /// Tables of records (head only; see `classify::record_tables`).
    tables: Vec<(u32, u32)>,
}

fn measure_side(parsed: &lang::ParsedFile, counted: bool) -> Side {
    let functions = if counted {
        complexity::measure(parsed)
    } else {
        complexity::functions(parsed)
    };
    let shape = identity::shape(parsed, &functions);
    Side {
        comments: shape.comments,
        functions,
        bodies: shape.bodies,
        code_lines: shape.code_lines,
        test_regions: classify::test_regions(parsed),
        tables: Vec::new(),
    }
}

/// Parses and measures one file at head and base. No file when the head could not be
/// measured (its notice says why).
/// A file that cannot be parsed at head: a binary file is skipped with a note; anything else
/// (too large, too deep, not text) cannot be judged.
fn not_analysed_at_head(file: &ChangedFile, language: Language, problem: &ParseProblem) -> Notice {
    let blocking = !matches!(problem, ParseProblem::Binary);
    Notice {
        path: Some(file.path.clone()),
        level: if blocking { Severity::Error } else { Severity::Note },
        message: if blocking {
            format!(
                "not analysed at head: {problem} ({})",
                language.spec().grammar_version
            )
        } else {
            format!("{problem}: skipped")
        },
        blocking,
    }
}

/// One job's measuring: what it says, and the tokens it makes for the duplication index.
struct Measuring<'j> {
    file: &'j ChangedFile,
    language: Language,
    limits: ParseLimits,
    counted: bool,
    normalize: Option<bool>,
    tokens: Vec<((String, Language), Option<Tokens>)>,
    notices: Vec<Notice>,
}

impl Measuring<'_> {
    /// Keeps a parsed blob's tokens as the index makes them (indexed as its path's language).
    fn keep_tokens(&mut self, parsed: &lang::ParsedFile, blob: Option<&String>, path: Option<&str>) {
        if let (Some(normalize), Some(id), Some(path)) = (self.normalize, blob, path) {
            if Language::detect(path, None) == Some(parsed.language) {
                let key = (id.clone(), parsed.language);
                self.tokens
                    .push((key, clones::tokens_of_parsed(parsed, normalize)));
            }
        }
    }

    /// The head side; `Err` with the reason when it cannot be parsed.
    fn head(&mut self, bytes: Vec<u8>) -> Result<Side, ParseProblem> {
        let parsed = lang::parse(self.language, bytes, self.limits)?;
        self.notices.extend(syntax_error_notice(&parsed, self.file));
        self.keep_tokens(&parsed, self.file.new_blob.as_ref(), Some(&self.file.path));
        let mut side = measure_side(&parsed, self.counted);
        if self.normalize.is_some() {
            side.tables = classify::record_tables(&parsed);
        }
        Ok(side)
    }

    /// The base side's functions and bodies; none (and a warning) when it cannot be parsed.
    fn base(&mut self, bytes: Vec<u8>) -> (Vec<FunctionMetrics>, Vec<identity::Body>) {
        match lang::parse(self.language, bytes, self.limits) {
            Ok(parsed) => {
                self.keep_tokens(&parsed, self.file.old_blob.as_ref(), self.file.base_path());
                let side = measure_side(&parsed, self.counted);
                (side.functions, side.bodies)
            }
            Err(problem) => {
                let path = self.file.base_path();
                self.notices
                    .extend(path.map(|path| base_not_analysed(path, &problem)));
                (Vec::new(), Vec::new())
            }
        }
    }
}

fn measure_job(job: Job, limits: ParseLimits) -> (Option<MeasuredFile>, Vec<Notice>) {
    let Job {
        file,
        language,
        head,
        base,
        test_path,
        other_shard,
        complexity,
        tokens,
    } = job;
    let mut measuring = Measuring {
        file: &file,
        language,
        limits,
        counted: complexity,
        normalize: tokens,
        tokens: Vec::new(),
        notices: Vec::new(),
    };
    let deleted = head.is_none();
    let head = head.unwrap_or_default();
    let mut suppressions = crate::suppress::scan(&head);
    let head_source: std::sync::Arc<[u8]> = head.as_slice().into();
    let head = match deleted {
        true => Side::default(),
        false => match measuring.head(head) {
            Ok(side) => side,
            // The shard that judges the file says what is wrong with it.
            Err(_) if other_shard => return (None, Vec::new()),
            Err(problem) => {
                let mut notices = measuring.notices;
                notices.push(not_analysed_at_head(&file, language, &problem));
                return (None, notices);
            }
        },
    };
    let base_source = if other_shard { base.clone() } else { None };
    let (base, base_bodies) = match base.map(|bytes| measuring.base(bytes)) {
        Some((functions, bodies)) => (Some(functions), bodies),
        None => (None, Vec::new()),
    };
    let Measuring { tokens, notices, .. } = measuring;
    crate::suppress::in_comments(&mut suppressions, &head.comments);
    let mut test_lines = head.test_regions;
    if test_path {
        test_lines.insert_range(1, u32::MAX - 1);
    }
    let measured = MeasuredFile {
        file,
        language,
        head: head.functions,
        base,
        head_bodies: head.bodies,
        base_bodies,
        suppressions,
        head_source,
        test_lines,
        code_lines: head.code_lines,
        tables: head.tables,
        deleted,
        other_shard,
        base_source,
        tokens,
    };
    (Some(measured), if other_shard { Vec::new() } else { notices })
}

/// Says where a head file does not parse. An error on a line the change added blocks the
/// verdict (those lines cannot be measured); one elsewhere only leaves out the functions that
/// contain it, which the change did not touch.
fn syntax_error_notice(parsed: &lang::ParsedFile, file: &ChangedFile) -> Option<Notice> {
    let first = parsed.syntax_errors.first()?;
    let grammar = parsed.language.spec().grammar_version;
    let mut in_change = parsed
        .syntax_errors
        .iter()
        .filter(|e| file.added.first_in(e.line, e.end_line).is_some());
    let blocking = in_change
        .clone()
        .find(|e| !is_contained_outside_functions(parsed, e));
    Some(match (blocking, in_change.next()) {
        (Some(e), _) => Notice {
            path: Some(file.path.clone()),
            level: Severity::Error,
            message: format!(
                "not analysed: syntax error at line {}, column {}, on lines this change adds ({grammar}). Fix the syntax, or exclude the file if the grammar does not support it.",
                e.line, e.column
            ),
            blocking: true,
        },
        (None, Some(e)) => Notice {
            path: Some(file.path.clone()),
            level: Severity::Warning,
            message: format!(
                "syntax error at line {}, column {}, on a line this change adds ({grammar}): a statement outside every function that the grammar does not know; nothing measured depends on it",
                e.line, e.column
            ),
            blocking: false,
        },
        (None, None) => Notice {
            path: Some(file.path.clone()),
            level: Severity::Note,
            message: format!(
                "syntax error at line {}, column {} ({grammar}), outside the lines this change adds: functions containing it were not measured",
                first.line, first.column
            ),
            blocking: false,
        },
    })
}

/// Whether a syntax error is small (at most three lines) and inside no function: a top-level
/// statement the grammar does not know (`export type * from "./x"` for an older TypeScript
/// grammar). Too small to hide a function, and no function's numbers depend on it.
fn is_contained_outside_functions(parsed: &lang::ParsedFile, e: &lang::SyntaxError) -> bool {
    if e.end_line.saturating_sub(e.line) > 2 {
        return false;
    }
    let root = parsed.tree.root_node();
    let Some(node) = root.descendant_for_byte_range(e.start_byte, e.end_byte.max(e.start_byte)) else {
        return false;
    };
    let mut at = Some(node);
    while let Some(n) = at {
        let kind = n.kind();
        if ["function", "method", "arrow", "closure", "lambda", "constructor"]
            .iter()
            .any(|k| kind.contains(k))
        {
            return false;
        }
        at = n.parent();
    }
    true
}
