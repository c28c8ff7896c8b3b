//! Reads a change from git by running the `git` command line.
//!
//! Every call pins the settings that would otherwise change the output's shape (quoting,
//! prefixes, external diff drivers, textconv, colour), so that a user's git configuration
//! cannot make debtgate misread a diff. Blobs are read from the object database through one
//! `git cat-file --batch` process, never from the working tree.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use anyhow::{anyhow, bail, Context, Result};
use serde::Serialize;

use crate::lines::LineSet;

mod diff;
pub use diff::combine_diff;

/// A repository and the git binary to run against it.
#[derive(Debug, Clone)]
pub struct Repo {
    root: PathBuf,
    /// The git directory shared by all worktrees, absolute (where the cache lives).
    common_dir: PathBuf,
    /// The root files every run asks for (the configuration, `.gitattributes`), listed with one
    /// `ls-tree` per commit the first time one is asked for: commit → path → blob id.
    root_files: std::sync::Arc<std::sync::Mutex<HashMap<String, HashMap<String, String>>>>,
}

/// The files at a tree's root that a run reads: the configuration and `.gitattributes`.
const ROOT_FILES: &[&str] = &[
    "debtgate.toml",
    ".debtgate.toml",
    "pyproject.toml",
    ".gitattributes",
];

/// How a file changed between base and head.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Added,
    Modified,
    Renamed,
    Copied,
    Deleted,
    TypeChanged,
}

/// What kind of object a path holds on one side of the diff.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    File,
    Symlink,
    Submodule,
    Missing,
}

impl EntryKind {
    fn from_mode(mode: &str) -> EntryKind {
        match mode {
            "000000" => EntryKind::Missing,
            "120000" => EntryKind::Symlink,
            "160000" => EntryKind::Submodule,
            _ => EntryKind::File,
        }
    }
}

/// One file of a change set. `path` is the head path (the base path for a deletion).
#[derive(Clone, Debug, Serialize)]
pub struct ChangedFile {
    pub path: String,
    pub old_path: Option<String>,
    pub status: Status,
    pub old_kind: EntryKind,
    pub new_kind: EntryKind,
    #[serde(skip)]
    pub old_blob: Option<String>,
    #[serde(skip)]
    pub new_blob: Option<String>,
    /// Lines added or modified at head (head coordinates).
    pub added: LineSet,
    /// How many lines of the base the change removes or rewrites.
    pub removed_lines: u64,
    /// The hunks that rewrite base lines (they remove lines and add others in their place).
    #[serde(skip)]
    pub rewrites: Vec<Rewrite>,
    /// True when git reported the content as binary.
    pub binary: bool,
}

/// A hunk that replaces `base_count` lines of the base from `base_start` with `head_count`
/// lines of the head from `head_start` (1-based, both counts above 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rewrite {
    pub base_start: u32,
    pub base_count: u32,
    pub head_start: u32,
    pub head_count: u32,
}

impl Rewrite {
    /// Whether the hunk's head lines meet `first..=last`.
    pub fn meets_head(&self, first: u32, last: u32) -> bool {
        self.head_start <= last && u64::from(self.head_start) + u64::from(self.head_count) > u64::from(first)
    }

    /// Whether base line `line` is one the hunk replaces.
    pub fn replaces(&self, line: u32) -> bool {
        line >= self.base_start && u64::from(line) < u64::from(self.base_start) + u64::from(self.base_count)
    }
}

impl ChangedFile {
    /// The path this file had at base, if it existed there.
    pub fn base_path(&self) -> Option<&str> {
        match self.status {
            Status::Added => None,
            Status::Renamed | Status::Copied => self.old_path.as_deref(),
            _ => Some(&self.path),
        }
    }
}

/// The resolved change: commits and the files that differ between them.
#[derive(Clone, Debug, Serialize)]
pub struct ChangeSet {
    /// The base revision as the user or environment named it.
    pub base_spec: String,
    /// Where the base came from (flag, GitHub event, default branch...).
    pub base_source: String,
    /// The commit the diff starts from: the merge-base of base and head.
    pub base: String,
    pub head: String,
    pub files: Vec<ChangedFile>,
}

impl ChangeSet {
    /// The same change, with only the files whose path `keep` accepts.
    pub fn only(&self, keep: impl Fn(&str) -> bool) -> ChangeSet {
        ChangeSet {
            base_spec: self.base_spec.clone(),
            base_source: self.base_source.clone(),
            base: self.base.clone(),
            head: self.head.clone(),
            files: self.files.iter().filter(|f| keep(&f.path)).cloned().collect(),
        }
    }
}

impl Repo {
    /// Finds the repository that contains `dir`.
    pub fn discover(dir: &Path) -> Result<Repo> {
        // One call in a work tree; a bare repository (a CI mirror, a server-side hook) has no
        // work tree, so `--show-toplevel` fails there and its git directory serves: everything
        // is read from objects anyway.
        let worktree = run_git(
            dir,
            &[
                "rev-parse",
                "--path-format=absolute",
                "--git-common-dir",
                "--show-toplevel",
            ],
        );
        let out = match worktree {
            Ok(out) => out,
            Err(_) => run_git(
                dir,
                &["rev-parse", "--path-format=absolute", "--git-common-dir", "--absolute-git-dir"],
            )
            .map_err(|e| {
                anyhow!("{} is not inside a git repository (or git could not read it): {e:#}\nRun debtgate from a git checkout, or pass --repo DIR.", dir.display())
            })?,
        };
        let text = String::from_utf8(trim_newline(&out).to_vec())
            .context("the repository path is not valid UTF-8")?;
        let mut lines = text.lines();
        let (Some(common_dir), Some(top)) = (lines.next(), lines.next()) else {
            bail!("git rev-parse gave no repository path for {}", dir.display());
        };
        Ok(Repo {
            root: PathBuf::from(top),
            common_dir: PathBuf::from(common_dir),
            root_files: Default::default(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn git(&self, args: &[&str]) -> Result<Vec<u8>> {
        run_git(&self.root, args)
    }

    pub fn is_shallow(&self) -> bool {
        self.git(&["rev-parse", "--is-shallow-repository"])
            .map(|o| trim_newline(&o) == b"true")
            .unwrap_or(false)
    }

    /// Resolves a revision to a full commit id, or `None` if it does not name a commit here.
    pub fn resolve_commit(&self, rev: &str) -> Option<String> {
        let spec = format!("{rev}^{{commit}}");
        let out = self
            .git(&["rev-parse", "--verify", "--quiet", "--end-of-options", &spec])
            .ok()?;
        let id = String::from_utf8(trim_newline(&out).to_vec()).ok()?;
        (!id.is_empty()).then_some(id)
    }

    /// The sizes of blobs, in bytes, asked of git before anything is read: a blob over the
    /// size limit is never read whole.
    pub fn blob_sizes(&self, ids: &[&str]) -> Result<HashMap<String, u64>> {
        let mut sizes = HashMap::new();
        if ids.is_empty() {
            return Ok(sizes);
        }
        let mut child = spawn_cat_file(&self.root, "--batch-check=%(objectname) %(objectsize)")?;
        let mut stdin = child.stdin.take().context("git cat-file: no stdin")?;
        let input: String = ids.iter().map(|id| format!("{id}\n")).collect();
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let output = child.wait_with_output().context("git cat-file --batch-check")?;
        let _ = writer.join();
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            if let Some((id, size)) = line.split_once(' ') {
                if let Ok(size) = size.parse() {
                    sizes.insert(id.to_string(), size);
                }
            }
        }
        Ok(sizes)
    }

    /// The parents of a commit, in order (none when it cannot be read).
    pub fn parents(&self, commit: &str) -> Vec<String> {
        self.git(&["rev-list", "--parents", "-n", "1", "--end-of-options", commit])
            .map(|out| {
                String::from_utf8_lossy(&out)
                    .split_whitespace()
                    .skip(1)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn merge_base(&self, a: &str, b: &str) -> Option<String> {
        let out = self.git(&["merge-base", a, b]).ok()?;
        let id = String::from_utf8(trim_newline(&out).to_vec()).ok()?;
        (!id.is_empty()).then_some(id)
    }

    /// The files that differ between `base` and `head` (both full commit ids), with the line
    /// ranges each head file adds.
    /// The files between two commits and the lines each adds. A blob over `max_bytes` is
    /// diffed as binary (`core.bigFileThreshold`), so its text is never held in memory.
    pub fn diff(&self, base: &str, head: &str, max_bytes: usize) -> Result<Vec<ChangedFile>> {
        let raw = self.git(&[
            "diff",
            "--raw",
            "-z",
            "--no-abbrev",
            "-M",
            "--no-ext-diff",
            "--no-textconv",
            "--ignore-submodules=none",
            base,
            head,
            "--",
        ])?;
        let threshold = format!("core.bigFileThreshold={max_bytes}");
        let patch = self.git(&[
            "-c",
            &threshold,
            "diff",
            "-U0",
            "-M",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            "--ignore-submodules=none",
            base,
            head,
            "--",
        ])?;
        combine_diff(&raw, &patch)
    }

    /// Paths of every file tracked at `rev`.
    pub fn ls_tree(&self, rev: &str) -> Result<Vec<String>> {
        let out = self.git(&["ls-tree", "-r", "-z", "--name-only", "--full-tree", rev])?;
        Ok(out
            .split(|&b| b == 0)
            .filter(|p| !p.is_empty())
            .map(path_from_bytes)
            .collect())
    }

    /// The git directory shared by all worktrees, absolute.
    pub fn git_common_dir(&self) -> &Path {
        &self.common_dir
    }

    /// Every regular file tracked at `rev`, with its blob id (symlinks and submodules left out).
    /// Regular files at `rev`: path, blob id and size in bytes.
    pub fn ls_tree_blobs(&self, rev: &str) -> Result<Vec<(String, String, u64)>> {
        let out = self.git(&["ls-tree", "-r", "-z", "-l", "--full-tree", rev])?;
        let mut files = Vec::new();
        for entry in out.split(|&b| b == 0).filter(|e| !e.is_empty()) {
            let Some(tab) = entry.iter().position(|&b| b == b'\t') else {
                continue;
            };
            let meta = String::from_utf8_lossy(&entry[..tab]);
            let mut parts = meta.split(' ').filter(|p| !p.is_empty());
            let (Some(mode), Some(kind), Some(id), size) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            if kind == "blob" && EntryKind::from_mode(mode) == EntryKind::File {
                files.push((
                    path_from_bytes(&entry[tab + 1..]),
                    id.to_string(),
                    size.and_then(|s| s.parse().ok()).unwrap_or(0),
                ));
            }
        }
        Ok(files)
    }

    /// The blob id of `path` at `rev`, if the path holds a regular file there.
    pub fn blob_id(&self, rev: &str, path: &str) -> Option<String> {
        if !ROOT_FILES.contains(&path) {
            return self.blob_ids(rev, &[path]).remove(path);
        }
        let mut known = self.root_files.lock().unwrap_or_else(|e| e.into_inner());
        if !known.contains_key(rev) {
            known.insert(rev.to_string(), self.blob_ids(rev, ROOT_FILES));
        }
        known.get(rev)?.get(path).cloned()
    }

    /// The blob ids of those of `paths` that hold a regular file at `rev`, with one `ls-tree`.
    pub fn blob_ids(&self, rev: &str, paths: &[&str]) -> HashMap<String, String> {
        let mut args = vec!["ls-tree", "-z", "--full-tree", rev, "--"];
        args.extend(paths);
        let Ok(out) = self.git(&args) else {
            return HashMap::new();
        };
        out.split(|&b| b == 0)
            .filter_map(|entry| {
                let tab = entry.iter().position(|&b| b == b'\t')?;
                let meta = std::str::from_utf8(&entry[..tab]).ok()?;
                let mut parts = meta.split(' ');
                let (mode, kind, id) = (parts.next()?, parts.next()?, parts.next()?);
                (kind == "blob" && EntryKind::from_mode(mode) == EntryKind::File)
                    .then(|| (path_from_bytes(&entry[tab + 1..]), id.to_string()))
            })
            .collect()
    }

    pub fn blob_reader(&self) -> Result<BlobReader> {
        BlobReader::start(&self.root)
    }

    /// A reader that starts git only when it is first asked for a blob: most runs read no
    /// configuration at all.
    pub fn lazy_reader(&self) -> LazyReader<'_> {
        LazyReader {
            repo: self,
            reader: None,
        }
    }
}
/// Runs git with the settings debtgate relies on and returns its standard output.
fn run_git(dir: &Path, args: &[&str]) -> Result<Vec<u8>> {
    let mut child = git_command(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| git_spawn_error(&e))?;
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let out = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let err = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let started = std::time::Instant::now();
    let mut pause = std::time::Duration::from_millis(1);
    let status = loop {
        if let Some(status) = child.try_wait().context("waiting for git")? {
            break status;
        }
        if started.elapsed() > deadline() {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "`git {}` did not finish within {} s and was stopped (--git-timeout sets the limit)",
                args.join(" "),
                deadline().as_secs()
            );
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(std::time::Duration::from_millis(20));
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    if !status.success() {
        let stderr = String::from_utf8_lossy(&stderr);
        if let Some(id) = missing_object(&stderr) {
            bail!("{}", missing_blob_message(id));
        }
        bail!("`git {}` failed: {}", args.join(" "), stderr.trim());
    }
    Ok(stdout)
}

/// How long one git command may run, and how long the blob reader may go without answering.
static DEADLINE: std::sync::OnceLock<std::time::Duration> = std::sync::OnceLock::new();

/// Sets the deadline of every git child (`--git-timeout`); once, before any git runs.
pub fn set_deadline(deadline: std::time::Duration) {
    let _ = DEADLINE.set(deadline);
}

fn deadline() -> std::time::Duration {
    DEADLINE
        .get()
        .copied()
        .unwrap_or(std::time::Duration::from_secs(300))
}

/// A path as git gives it (bytes) as a string that maps back to the same bytes: valid UTF-8
/// as it is, each byte that is not UTF-8 as U+F700 + the byte (a private-use character that
/// no real name holds), so a SARIF URI can name the real file.
pub fn path_from_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for &b in chunk.invalid() {
            out.push(char::from_u32(0xF700 + u32::from(b)).unwrap_or(char::REPLACEMENT_CHARACTER));
        }
    }
    out
}

/// The bytes of a path made by [`path_from_bytes`].
pub fn path_bytes(path: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(path.len());
    for c in path.chars() {
        match u32::from(c) {
            n @ 0xF780..=0xF7FF => out.push((n - 0xF700) as u8),
            _ => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    out
}

/// Variables that would make git read another repository than the one in `current_dir`.
const REPOSITORY_VARIABLES: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_SHALLOW_FILE",
];

/// The object a git that may not fetch says it could not fetch (a partial clone's missing blob).
fn missing_object(stderr: &str) -> Option<&str> {
    let after = |marker: &str| {
        stderr
            .split(marker)
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
    };
    if stderr.contains("lazy fetching disabled") {
        if let Some(id) = after("could not fetch ") {
            return Some(id);
        }
    }
    after("fatal: unable to read ").filter(|id| id.len() >= 40 && id.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn missing_blob_message(id: &str) -> String {
    format!(
        "blob {id} is missing from this repository (a partial clone, `--filter=blob:none`, or an incomplete copy?). debtgate never fetches objects: \
         fetch them with `git fetch --refetch`, or use a full clone (actions/checkout fetches whole objects by default), and run again."
    )
}

/// An empty graft file: grafts are off.
const NO_GRAFTS: &str = if cfg!(windows) { "NUL" } else { "/dev/null" };

fn git_command(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .args([
            "-c",
            "core.quotePath=true",
            "-c",
            "diff.noprefix=false",
            "-c",
            "diff.mnemonicPrefix=false",
            "-c",
            "diff.relative=false",
            "-c",
            "diff.renames=true",
            "-c",
            "color.ui=false",
            "-c",
            "core.fsmonitor=false",
            "-c",
            "advice.graftFileDeprecated=false",
        ])
        .env("GIT_LITERAL_PATHSPECS", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        // What is judged is what the commits hold: no fetch of missing objects (a partial
        // clone's lazy fetch runs the remote's upload-pack and uses the network), no replace
        // refs or grafts standing in for the real objects.
        .env("GIT_NO_LAZY_FETCH", "1")
        .env("GIT_NO_REPLACE_OBJECTS", "1")
        .env("GIT_GRAFT_FILE", NO_GRAFTS)
        .env("LC_ALL", "C")
        .env_remove("GIT_EXTERNAL_DIFF")
        .env_remove("GIT_DIFF_OPTS");
    // The repository is the one debtgate was pointed at (`--repo`, else the current folder),
    // never one an exported variable names.
    for var in REPOSITORY_VARIABLES {
        cmd.env_remove(var);
    }
    cmd
}

fn git_spawn_error(e: &std::io::Error) -> anyhow::Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        anyhow!("git was not found on PATH; debtgate reads the change through the git command line, so install git and try again")
    } else {
        anyhow!("could not run git: {e}")
    }
}

fn trim_newline(bytes: &[u8]) -> &[u8] {
    let mut b = bytes;
    while let [rest @ .., b'\n' | b'\r'] = b {
        b = rest;
    }
    b
}

/// A [`BlobReader`] started on first use.
pub struct LazyReader<'r> {
    repo: &'r Repo,
    reader: Option<BlobReader>,
}

impl LazyReader<'_> {
    pub fn read(&mut self, id: &str) -> Result<Vec<u8>> {
        if self.reader.is_none() {
            self.reader = Some(self.repo.blob_reader()?);
        }
        self.reader.as_mut().expect("started above").read(id)
    }
}

/// One long-running `git cat-file --batch` process, watched: if it goes longer than the
/// deadline without answering a request, it is killed and the read fails saying so.
pub struct BlobReader {
    child: std::sync::Arc<std::sync::Mutex<Child>>,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    watch: Watch,
}

/// The watchdog's view: when the reader last made progress on a request (0: idle), whether the
/// watchdog killed git, and when to stop watching.
struct Watch {
    waiting_since_ms: std::sync::Arc<std::sync::atomic::AtomicU64>,
    killed: std::sync::Arc<std::sync::atomic::AtomicBool>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    epoch: std::time::Instant,
}

impl Watch {
    fn start(child: std::sync::Arc<std::sync::Mutex<Child>>) -> Watch {
        use std::sync::atomic::Ordering::Relaxed;
        let epoch = std::time::Instant::now();
        let waiting_since_ms = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let killed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (w, k, st) = (waiting_since_ms.clone(), killed.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !st.load(Relaxed) {
                std::thread::park_timeout(std::time::Duration::from_millis(50));
                let since = w.load(Relaxed);
                let now = epoch.elapsed().as_millis() as u64;
                if since != 0 && now.saturating_sub(since) > deadline().as_millis() as u64 {
                    // Said before the kill: the reader sees the end of git's output as soon
                    // as git dies, and must know why.
                    k.store(true, std::sync::atomic::Ordering::SeqCst);
                    if let Ok(mut child) = child.lock() {
                        let _ = child.kill();
                    }
                    return;
                }
            }
        });
        Watch {
            waiting_since_ms,
            killed,
            stop,
            thread: Some(thread),
            epoch,
        }
    }

    /// A request is under way, or an answer just came: the clock restarts.
    fn progress(&self) {
        let now = (self.epoch.elapsed().as_millis() as u64).max(1);
        self.waiting_since_ms
            .store(now, std::sync::atomic::Ordering::Relaxed);
    }

    fn idle(&self) {
        self.waiting_since_ms
            .store(0, std::sync::atomic::Ordering::Relaxed);
    }

    /// The error to give when a read failed: the watchdog's, if it killed git.
    fn explain(&self, e: anyhow::Error) -> anyhow::Error {
        if self.killed.load(std::sync::atomic::Ordering::SeqCst) {
            anyhow!(
                "`git cat-file --batch` did not answer within {} s and was stopped (--git-timeout sets the limit)",
                deadline().as_secs()
            )
        } else {
            e
        }
    }
}

/// `git cat-file MODE`, reading object names on its standard input.
fn spawn_cat_file(root: &Path, mode: &str) -> Result<std::process::Child> {
    git_command(root)
        .args(["cat-file", mode])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| git_spawn_error(&e))
}

impl BlobReader {
    fn start(root: &Path) -> Result<BlobReader> {
        let mut child = spawn_cat_file(root, "--batch")?;
        let stdin = child.stdin.take().context("git cat-file: no stdin")?;
        let stdout = BufReader::new(child.stdout.take().context("git cat-file: no stdout")?);
        let child = std::sync::Arc::new(std::sync::Mutex::new(child));
        let watch = Watch::start(child.clone());
        Ok(BlobReader {
            child,
            stdin,
            stdout,
            watch,
        })
    }

    /// Streams many blobs to `each` (with their index in `ids`), in order, as they arrive: the
    /// ids are written from a second thread while the contents are read, so there is no round
    /// trip per blob.
    pub fn read_each(&mut self, ids: &[&str], mut each: impl FnMut(usize, Vec<u8>)) -> Result<()> {
        let BlobReader {
            stdin, stdout, watch, ..
        } = self;
        watch.progress();
        let result = std::thread::scope(|scope| {
            let writer = scope.spawn(move || -> std::io::Result<()> {
                let mut w = std::io::BufWriter::new(&mut *stdin);
                for id in ids {
                    writeln!(w, "{id}")?;
                }
                w.flush()
            });
            for (i, id) in ids.iter().enumerate() {
                let content = read_object(stdout, id)?;
                watch.progress();
                each(i, content);
            }
            writer
                .join()
                .map_err(|_| anyhow!("git cat-file writer panicked"))?
                .context("git cat-file stopped")?;
            Ok(())
        });
        watch.idle();
        result.map_err(|e| watch.explain(e))
    }

    /// Reads the content of a blob by its id.
    pub fn read(&mut self, id: &str) -> Result<Vec<u8>> {
        self.watch.progress();
        let result = (|| {
            writeln!(self.stdin, "{id}").context("git cat-file stopped")?;
            self.stdin.flush().context("git cat-file stopped")?;
            read_object(&mut self.stdout, id)
        })();
        self.watch.idle();
        result.map_err(|e| self.watch.explain(e))
    }
}

/// Reads one `git cat-file --batch` answer.
fn read_object(stdout: &mut BufReader<ChildStdout>, id: &str) -> Result<Vec<u8>> {
    let mut header = String::new();
    stdout.read_line(&mut header).context("git cat-file stopped")?;
    let mut parts = header.split_whitespace();
    let (_, kind, size) = (parts.next(), parts.next(), parts.next());
    if kind == Some("missing") {
        bail!("{}", missing_blob_message(id));
    }
    if kind != Some("blob") {
        bail!("git object {id} is not a readable blob ({})", header.trim());
    }
    let size: usize = size
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow!("unexpected git cat-file header: {}", header.trim()))?;
    let mut content = vec![0; size];
    stdout.read_exact(&mut content)?;
    let mut newline = [0u8; 1];
    stdout.read_exact(&mut newline)?;
    Ok(content)
}

impl Drop for BlobReader {
    fn drop(&mut self) {
        self.watch.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(thread) = self.watch.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
        if let Ok(mut child) = self.child.lock() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_are_not_utf8_map_back_to_their_bytes() {
        let raw = b"bad\xff\xfe\xc3\xa9.py";
        let path = path_from_bytes(raw);
        assert_eq!(path_bytes(&path), raw);
        assert!(path.ends_with("\u{e9}.py"));
        assert_eq!(path_bytes("plain/ü.py"), "plain/ü.py".as_bytes());
    }
}
