//! The command line: arguments are parsed and resolved here, once, into library requests.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use crate::check::{self, CheckRequest, ConfigFrom, Environment};
use crate::config::Settings;
use crate::lang::ParseLimits;
use crate::metrics_cmd;
use crate::progress::Progress;
use crate::report::{self, escape_control, Format};
use crate::rules;
use crate::verdict::Outcome;

#[derive(Parser, Debug)]
#[command(name = "debtgate", version, about = "A diff-aware quality gate: fails a change that adds complexity, duplication or untested code", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Judge a change (base..head) against the rules; exit 0 passed, 1 failed, 2 not judged.
    Check(Box<CheckArgs>),
    /// Combine the JSON reports of a change's shards (`check --shard I/N`) into one verdict,
    /// with the same reports and exit code.
    Merge(MergeArgs),
    /// Print per-function metrics of files or directories.
    Metrics(MetricsArgs),
    /// List the rules and their limits.
    Rules,
    /// Show a rule's full help, or a function's metrics with where its cognitive complexity
    /// comes from (`debtgate explain src/lib.rs:parse`).
    Explain {
        /// A rule id, as `debtgate rules` lists it; or FILE:FUNCTION (a qualified or short
        /// name) or FILE:LINE (the function around that line), held against the default limits.
        target: String,
    },
    /// Install a git pre-push hook that checks every pushed range.
    InstallHook {
        /// The repository.
        #[arg(long, default_value = ".")]
        repo: PathBuf,
        /// Replace an existing pre-push hook.
        #[arg(long)]
        force: bool,
    },
    /// Write a commented debtgate.toml with every setting and its default.
    Init {
        /// Where to write it.
        #[arg(long, default_value = "debtgate.toml")]
        path: PathBuf,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// The revision the change starts from [default: the GitHub event's base, else the
    /// merge-base with origin's default branch, else main/master].
    #[arg(long)]
    base: Option<String>,
    /// The revision to judge [default: HEAD].
    #[arg(long)]
    head: Option<String>,
    /// A configuration file on disk, instead of debtgate.toml at the base commit.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Which commit's debtgate.toml to use when --config is not given.
    #[arg(long, value_enum, default_value = "base")]
    config_from: ConfigFrom,
    #[command(flatten)]
    report: ReportArgs,
    /// The repository to check.
    #[arg(long, default_value = ".")]
    repo: PathBuf,
    /// Files larger than this are not parsed (and say so).
    #[arg(long, default_value_t = ParseLimits::default().max_bytes)]
    max_file_bytes: usize,
    /// Seconds one git command may run (or the blob reader go without answering) before it is
    /// stopped and the check exits 2.
    #[arg(long, value_name = "SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    git_timeout: u64,
    /// Where to keep the per-blob token cache of the duplication check [default: debtgate/
    /// in the repository's git directory].
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Do not read or write the token cache.
    #[arg(long, conflicts_with = "cache_dir")]
    no_cache: bool,
    /// A coverage report of the tests at head (repeatable; several are merged). LCOV,
    /// Cobertura, JaCoCo, coverage.py JSON, Go coverprofile, llvm-cov JSON and Istanbul JSON
    /// are recognised by their content.
    #[arg(long, value_name = "FILE")]
    coverage: Vec<PathBuf>,
    /// A coverage report of the tests at base (repeatable), for the project coverage delta.
    #[arg(long, value_name = "FILE")]
    base_coverage: Vec<PathBuf>,
    /// The format of every coverage report, instead of recognising it.
    #[arg(long, value_enum)]
    coverage_format: Option<crate::coverage::Format>,
    /// Judge only shard I of N of the changed files (split by a fixed hash of the path), for
    /// a CI matrix; `debtgate merge` combines the shards' --json reports into one verdict.
    #[arg(long, value_name = "I/N", value_parser = crate::shard::Shard::parse)]
    shard: Option<crate::shard::Shard>,
}

/// Where the verdict is written: one main report, and any others beside it.
#[derive(clap::Args, Debug)]
struct ReportArgs {
    /// Format of the report on standard output (or --output).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Also write SARIF 2.1.0 to this file.
    #[arg(long)]
    sarif: Option<PathBuf>,
    /// Also write the JSON report to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Also write the Markdown summary to this file (appended to, for $GITHUB_STEP_SUMMARY).
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// Also write GitLab Code Quality JSON to this file.
    #[arg(long)]
    gitlab: Option<PathBuf>,
    /// Also write JUnit XML to this file.
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Also write the HTML report (one self-contained page) to this file.
    #[arg(long)]
    html: Option<PathBuf>,
    /// Append the outcome as step outputs (passed, findings, exit-code, patch-coverage,
    /// debt-minutes, sarif-file) to this file: pass "$GITHUB_OUTPUT".
    #[arg(long, value_name = "FILE")]
    github_output: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct MergeArgs {
    /// The shards' JSON reports (`check --shard I/N --json FILE`), every shard once.
    #[arg(required = true, value_name = "REPORT")]
    reports: Vec<PathBuf>,
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(clap::Args, Debug)]
struct MetricsArgs {
    /// Files or directories (walked with .gitignore rules) [default: .].
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "jsonl")]
    format: MetricsFormat,
    /// Add each function's cognitive-complexity increments (line, column, amount, nesting,
    /// what) to the JSON lines.
    #[arg(long)]
    increments: bool,
    /// Files larger than this are not parsed (and say so).
    #[arg(long, default_value_t = ParseLimits::default().max_bytes)]
    max_file_bytes: usize,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum MetricsFormat {
    Jsonl,
    Text,
}

/// Runs the command line and returns the exit code. Errors are written once, to `stderr`.
pub fn run(args: impl IntoIterator<Item = OsString>, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => return show_clap_outcome(&e, stdout, stderr),
    };
    match dispatch(cli, stdout, stderr) {
        Ok(code) => code,
        Err(e) => {
            if is_broken_pipe(&e) {
                return 0;
            }
            let _ = writeln!(
                stderr,
                "debtgate: error: {}",
                report::escape_own(&format!("{e:#}"))
            );
            2
        }
    }
}

/// Help and the version are what was asked for: standard output, exit 0 (`debtgate --help |
/// less`). A usage error goes to standard error, exit 2. Colour only for a person at a terminal.
fn show_clap_outcome(e: &clap::Error, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    let (out, terminal): (&mut dyn Write, bool) = if e.use_stderr() {
        (stderr, std::io::IsTerminal::is_terminal(&std::io::stderr()))
    } else {
        (stdout, std::io::IsTerminal::is_terminal(&std::io::stdout()))
    };
    let color = terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let _ = if color {
        write!(out, "{}", e.render().ansi())
    } else {
        write!(out, "{}", e.render())
    };
    if e.use_stderr() {
        2
    } else {
        0
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<serde_json::Error>()
            .is_some_and(|j| j.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
            || c.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn dispatch(cli: Cli, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<i32> {
    match cli.command {
        Command::Check(args) => check(*args, stdout),
        Command::Merge(args) => merge(args, stdout),
        Command::Metrics(args) => metrics(args, stdout, stderr),
        Command::InstallHook { repo, force } => install_hook(&repo, force, stdout),
        Command::Init { path, force } => init(&path, force, stdout),
        Command::Rules => list_rules(stdout),
        Command::Explain { target } => explain(&target, stdout),
    }
}

fn install_hook(repo: &std::path::Path, force: bool, stdout: &mut dyn Write) -> Result<i32> {
    let path = pre_push_path(&crate::git::Repo::discover(repo)?)?;
    let existing = std::fs::read(&path).ok();
    refuse_a_foreign_hook(&path, existing.as_deref(), force)?;
    let exe = std::env::current_exe().context("cannot find the debtgate executable")?;
    std::fs::create_dir_all(path.parent().expect("hooks dir"))?;
    write_file(&path, &crate::hook::pre_push(&exe.display().to_string()))?;
    make_executable(&path)?;
    let done = if existing.is_some() {
        "updated"
    } else {
        "installed"
    };
    writeln!(stdout, "{done} {}", path.display())?;
    Ok(0)
}

/// Someone else's hook is replaced only with `--force`; debtgate's own is updated.
fn refuse_a_foreign_hook(path: &std::path::Path, existing: Option<&[u8]>, force: bool) -> Result<()> {
    if existing.is_some_and(|hook| !crate::hook::is_own(hook)) && !force {
        anyhow::bail!(
            "{} already exists and is not debtgate's; pass --force to replace it (or call debtgate from it)",
            path.display()
        );
    }
    Ok(())
}

/// Where git looks for the repository's pre-push hook (`core.hooksPath` respected).
fn pre_push_path(repo: &crate::git::Repo) -> Result<PathBuf> {
    let hooks = repo.git(&["rev-parse", "--path-format=absolute", "--git-path", "hooks"])?;
    Ok(PathBuf::from(String::from_utf8_lossy(&hooks).trim()).join("pre-push"))
}

fn init(path: &std::path::Path, force: bool, stdout: &mut dyn Write) -> Result<i32> {
    if path.exists() && !force {
        anyhow::bail!("{} already exists; pass --force to replace it", path.display());
    }
    let text = crate::config::template(&Settings::defaults()?.rules);
    write_file(path, &text)?;
    writeln!(stdout, "wrote {}", path.display())?;
    Ok(0)
}

fn list_rules(stdout: &mut dyn Write) -> Result<i32> {
    let settings = Settings::defaults()?;
    for r in &settings.rules {
        writeln!(
            stdout,
            "{:<24} {:<8} {:<22} > {:<4} {}",
            r.id,
            r.severity.as_str(),
            r.metric.label(),
            r.threshold,
            r.summary
        )?;
    }
    Ok(0)
}

fn explain(target: &str, stdout: &mut dyn Write) -> Result<i32> {
    let (settings, root) = working_tree_settings()?;
    if let Some(function) = crate::explain::Target::parse(target) {
        // The limits that hold for this file: its overrides, and test code's relaxed limits.
        let path = repository_path(function.path, root.as_deref());
        let test = settings.is_test_path(&path);
        let rules = settings.rules_for(&path, test);
        let note = if test {
            "test code: [tests] limit-factor times the limits, as `check` judges it"
        } else {
            ""
        };
        let text = crate::explain::function(&function, &rules, note, ParseLimits::default())?;
        stdout.write_all(text.as_bytes())?;
        return Ok(0);
    }
    let r = rules::find(&settings.rules, target)?;
    writeln!(stdout, "{}", r.in_words())?;
    Ok(0)
}

/// The configuration in the working tree of the repository around the current directory
/// (what `explain` and a reader at the terminal see), else the defaults; and that root.
fn working_tree_settings() -> Result<(Settings, Option<PathBuf>)> {
    let Ok(repo) = crate::git::Repo::discover(std::path::Path::new(".")) else {
        return Ok((Settings::defaults()?, None));
    };
    let root = repo.root().to_path_buf();
    for name in crate::config::CONFIG_FILE_NAMES {
        let path = root.join(name);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        if let Some(mut settings) = Settings::from_config_file(name, &text, &path.display().to_string())? {
            read_project_settings(&mut settings, &root)?;
            return Ok((settings, Some(root)));
        }
    }
    Ok((Settings::defaults()?, Some(root)))
}

/// Each `[[projects]]` directory's own configuration in the working tree, where it has one.
fn read_project_settings(settings: &mut Settings, root: &std::path::Path) -> Result<()> {
    crate::projects::read_configurations(settings, |file| {
        let path = root.join(file);
        Ok(std::fs::read_to_string(&path)
            .ok()
            .map(|text| (text, path.display().to_string())))
    })
}

/// A path given on the command line as the repository names it (`/`-separated, from its root).
fn repository_path(path: &std::path::Path, root: Option<&std::path::Path>) -> String {
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let relative = root
        .and_then(|r| std::fs::canonicalize(r).ok())
        .and_then(|r| absolute.strip_prefix(r).ok().map(std::path::Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf());
    relative.to_string_lossy().replace('\\', "/")
}

fn check(args: CheckArgs, stdout: &mut dyn Write) -> Result<i32> {
    crate::git::set_deadline(std::time::Duration::from_secs(args.git_timeout));
    let verdict = check::run(&args.request(), &Environment::from_process(), &show_progress);
    report_or_say_why(&args.report, verdict, stdout)
}

fn merge(args: MergeArgs, stdout: &mut dyn Write) -> Result<i32> {
    report_or_say_why(&args.report, merge_reports(&args.reports), stdout)
}

/// Writes the verdict, or, when there is none, says why where the reports would have gone
/// (the places a CI step reads, not only standard error).
fn report_or_say_why(
    args: &ReportArgs,
    verdict: Result<crate::verdict::Verdict>,
    stdout: &mut dyn Write,
) -> Result<i32> {
    match verdict {
        Ok(verdict) => write_reports(args, &verdict, stdout),
        Err(e) => {
            write_not_judged(args, &format!("{e:#}"), stdout)?;
            Err(e)
        }
    }
}

fn merge_reports(paths: &[PathBuf]) -> Result<crate::verdict::Verdict> {
    let mut reports = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {name}"))?;
        reports.push(crate::merge::read(&name, &text)?);
    }
    let mut verdict = crate::merge::merge(reports)?;
    verdict.links = Environment::from_process().links(&verdict.head);
    Ok(verdict)
}

/// Writes the verdict where `args` ask, and gives its exit code.
fn write_reports(
    args: &ReportArgs,
    verdict: &crate::verdict::Verdict,
    stdout: &mut dyn Write,
) -> Result<i32> {
    // Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org).
    let color = args.output.is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stdout())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    write_report_files(args, verdict, color)?;
    let main_report = report::render(args.format, verdict, color);
    if let Some(path) = &args.output {
        write_file(path, &main_report)?;
        return Ok(verdict.outcome.exit_code());
    }
    // A reader that stops early (`| head`) does not change the verdict.
    match stdout
        .write_all(main_report.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(verdict.outcome.exit_code()),
    }
}

/// What a run that could not judge writes where the reports would go: the Markdown summary,
/// the step outputs, and an error annotation when the main format is GitHub's.
fn write_not_judged(args: &ReportArgs, message: &str, stdout: &mut dyn Write) -> Result<()> {
    if let Some(path) = &args.markdown {
        append_file(path, &report::markdown::not_judged(message))?;
    }
    if let Some(path) = &args.github_output {
        append_file(path, &report::github::not_judged_outputs())?;
    }
    if args.format == Format::Github && args.output.is_none() {
        stdout.write_all(report::github::not_judged_annotation(message).as_bytes())?;
    }
    Ok(())
}

impl CheckArgs {
    /// The request these flags make, in the pipeline's own types.
    fn request(&self) -> CheckRequest {
        CheckRequest {
            repo_dir: self.repo.clone(),
            base: self.base.clone(),
            head: self.head.clone(),
            config: self.config.clone(),
            config_from: self.config_from,
            limits: ParseLimits {
                max_bytes: self.max_file_bytes,
                ..ParseLimits::default()
            },
            coverage: crate::request::CoverageRequest {
                head: self.coverage.clone(),
                base: self.base_coverage.clone(),
                format: self.coverage_format,
            },
            shard: self.shard,
            cache: match (&self.cache_dir, self.no_cache) {
                (_, true) => check::Cache::Off,
                (Some(dir), false) => check::Cache::Dir(dir.clone()),
                (None, false) => check::Cache::Default,
            },
        }
    }
}

/// The reports `--sarif`, `--json`, `--gitlab`, `--junit`, `--html`, `--markdown` and `--github-output`
/// ask for, beside the main one.
fn write_report_files(args: &ReportArgs, verdict: &crate::verdict::Verdict, color: bool) -> Result<()> {
    let render = |format: Format| report::render(format, verdict, color);
    for (path, format) in [
        (&args.sarif, Format::Sarif),
        (&args.json, Format::Json),
        (&args.gitlab, Format::Gitlab),
        (&args.junit, Format::Junit),
        (&args.html, Format::Html),
    ] {
        if let Some(path) = path {
            write_file(path, &render(format))?;
        }
    }
    if let Some(path) = &args.markdown {
        append_file(path, &render(Format::Markdown))?;
    }
    if let Some(path) = &args.github_output {
        append_file(
            path,
            &report::github::step_outputs(verdict, args.sarif.as_deref()),
        )?;
    }
    Ok(())
}

/// A progress line on an interactive terminal, for the first (uncached) indexing of a large
/// repository; nothing in CI logs or when stderr is a file.
fn show_progress(progress: Progress) {
    static SHOWING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    let mut stderr = std::io::stderr();
    match progress {
        Progress::Indexing { done, total } if total > 500 && std::io::IsTerminal::is_terminal(&stderr) => {
            SHOWING.store(true, std::sync::atomic::Ordering::Relaxed);
            let _ = write!(
                stderr,
                "\rdebtgate: indexing {done}/{total} files for duplication"
            );
        }
        Progress::Indexed if SHOWING.swap(false, std::sync::atomic::Ordering::Relaxed) => {
            let _ = write!(stderr, "\r\x1b[2K");
        }
        _ => {}
    }
}

#[cfg(unix)]
fn make_executable(path: &PathBuf) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot make {} executable", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_: &PathBuf) -> Result<()> {
    Ok(())
}

fn append_file(path: &PathBuf, contents: &str) -> Result<()> {
    use std::io::Write as _;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(contents.as_bytes()))
        .with_context(|| format!("cannot write {}", path.display()))
}

fn write_file(path: &std::path::Path, contents: &str) -> Result<()> {
    crate::output::write_atomically(path, contents.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// One function's row of `debtgate metrics`.
fn write_row(out: &mut impl Write, row: &metrics_cmd::Row<'_>, format: MetricsFormat) -> Result<()> {
    match format {
        MetricsFormat::Jsonl => {
            serde_json::to_writer(&mut *out, row)?;
            writeln!(out)?;
        }
        MetricsFormat::Text => writeln!(
            out,
            "{}:{}: {} cyclomatic={} cognitive={} params={} lines={} nesting={} returns={}",
            escape_control(row.file),
            row.start_line,
            escape_control(row.qualified_name),
            row.cyclomatic,
            row.cognitive.map_or_else(|| "-".to_string(), |c| c.to_string()),
            row.params,
            row.lines,
            row.max_nesting,
            row.returns
        )?,
    }
    Ok(())
}

fn metrics(args: MetricsArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<i32> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths
    };
    let limits = ParseLimits {
        max_bytes: args.max_file_bytes,
        ..ParseLimits::default()
    };
    let mut out = std::io::BufWriter::new(stdout);
    let mut unmeasured = 0;
    metrics_cmd::measure_paths(&paths, limits, |file| {
        if let Some(problem) = &file.problem {
            unmeasured += 1;
            writeln!(
                stderr,
                "debtgate: {}: not measured: {problem}",
                escape_control(&file.path)
            )?;
        }
        for row in file.rows(args.increments) {
            write_row(&mut out, &row, args.format)?;
        }
        Ok(())
    })?;
    out.flush()?;
    Ok(if unmeasured > 0 {
        Outcome::NotJudged.exit_code()
    } else {
        0
    })
}
