//! The change stage: which commits, which files and lines, and the settings that judge them
//! (read from the base commit, so a change cannot weaken its own gate).

use anyhow::{anyhow, bail, Context, Result};

use crate::config::{Settings, CONFIG_FILE_NAMES};
use crate::git::{ChangeSet, Repo};
use crate::request::{CheckRequest, ConfigFrom, Environment};
use crate::rules::Severity;
use crate::verdict::Notice;

/// Resolves base and head to commits and reads the files between them.
pub(crate) fn resolve_change(repo: &Repo, request: &CheckRequest, env: &Environment) -> Result<ChangeSet> {
    let pre_commit = env
        .pre_commit_range
        .as_ref()
        .filter(|_| request.base.is_none() && request.head.is_none());
    let head_spec = request
        .head
        .clone()
        .or_else(|| pre_commit.map(|(_, to)| to.clone()))
        .unwrap_or_else(|| "HEAD".to_string());
    let head = repo.resolve_commit(&head_spec).ok_or_else(|| {
        anyhow!(
            "--head `{head_spec}` does not name a commit in {}",
            repo.root().display()
        )
    })?;
    let (base_spec, base_source) = match (&request.base, pre_commit) {
        (Some(b), _) => (b.clone(), "--base".to_string()),
        (None, Some((from, _))) => (from.clone(), "pre-commit's PRE_COMMIT_FROM_REF".to_string()),
        (None, None) => default_base(repo, env, &head)?,
    };
    let base_commit = repo
        .resolve_commit(&base_spec)
        .ok_or_else(|| missing_base(repo, &base_spec, &base_source))?;
    let base = repo
        .merge_base(&base_commit, &head)
        .ok_or_else(|| no_merge_base(repo, &base_commit, &head))?;
    if base == head {
        bail!(
            "nothing to judge: the base ({base_spec}, from {base_source}) resolves to head {} itself, so the change is empty.\n\
             Pass --base with the commit or branch the change starts from (for example --base origin/main).",
            short(&head)
        );
    }
    let files = repo.diff(&base, &head, request.limits.max_bytes)?;
    Ok(ChangeSet {
        base_spec,
        base_source,
        base,
        head,
        files,
    })
}

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

fn no_merge_base(repo: &Repo, base: &str, head: &str) -> anyhow::Error {
    if repo.is_shallow() {
        anyhow!(
            "this is a shallow clone and the history between base {} and head {} is cut, so their merge-base is unknown.\n\
             Fetch more history (`git fetch --deepen=200`, or `fetch-depth: 0` in actions/checkout) and run again.",
            short(base), short(head)
        )
    } else {
        anyhow!(
            "base {} and head {} share no history (no merge-base); pass a --base on the same history",
            short(base),
            short(head)
        )
    }
}

fn missing_base(repo: &Repo, spec: &str, source: &str) -> anyhow::Error {
    if repo.is_shallow() {
        anyhow!(
            "base `{spec}` (from {source}) is not in this shallow clone.\n\
             Fetch it with `git fetch --no-tags --depth=200 origin {spec}`, or use `fetch-depth: 0` in actions/checkout, and run again."
        )
    } else {
        anyhow!("base `{spec}` (from {source}) does not name a commit in this repository; fetch it or pass --base with an existing revision")
    }
}

/// The base when the user gives none: the GitHub event's, else the default branch.
fn default_base(repo: &Repo, env: &Environment, head: &str) -> Result<(String, String)> {
    if let (Some(name), Some(path)) = (&env.github_event_name, &env.github_event_path) {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!(
                "cannot read the GitHub event payload {} (GITHUB_EVENT_PATH)",
                path.display()
            )
        })?;
        let event: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("the GitHub event payload {} is not JSON", path.display()))?;
        if name.starts_with("pull_request") {
            return pull_request_base(repo, &event, name, path, head);
        }
        if let Some(base) = (name == "push").then(|| push_base(repo, &event)).flatten() {
            return Ok(base);
        }
    }
    if let Ok(out) = repo.git(&["symbolic-ref", "-q", "refs/remotes/origin/HEAD"]) {
        let target = String::from_utf8_lossy(&out).trim().to_string();
        if let Some(branch) = target.strip_prefix("refs/remotes/") {
            return Ok((branch.to_string(), "origin's default branch".to_string()));
        }
    }
    for candidate in ["origin/main", "origin/master", "main", "master"] {
        if repo.resolve_commit(candidate).is_some() {
            return Ok((candidate.to_string(), "the default branch".to_string()));
        }
    }
    bail!("no base given and none found (no GitHub event, no origin/HEAD, main or master); pass --base REV")
}

/// The base of a pull request event: its base commit, or — where actions/checkout checked out
/// the merge of the pull request into the base branch as it is now, and the event's base is
/// older — the merge's first parent, so that files only the base branch changed since the
/// event was made are not blamed on the pull request.
fn pull_request_base(
    repo: &Repo,
    event: &serde_json::Value,
    name: &str,
    path: &std::path::Path,
    head: &str,
) -> Result<(String, String)> {
    let sha = event
        .pointer("/pull_request/base/sha")
        .and_then(|v| v.as_str())
        .ok_or_else(|| {
            anyhow!(
                "the {name} event payload {} has no pull_request.base.sha",
                path.display()
            )
        })?;
    let pr_head = event.pointer("/pull_request/head/sha").and_then(|v| v.as_str());
    let parents = repo.parents(head);
    if let ([first, second], Some(pr_head)) = (&parents[..], pr_head) {
        if second == pr_head && first != sha {
            let why = format!(
                "the first parent of the {name} merge commit (the event's base {} is older)",
                short(sha)
            );
            return Ok((first.clone(), why));
        }
    }
    Ok((sha.to_string(), format!("the {name} event's base")))
}

/// The base of a push event: its `before`, or — for a push that creates a branch, which has
/// none — the repository's default branch, where the branch left it.
fn push_base(repo: &Repo, event: &serde_json::Value) -> Option<(String, String)> {
    let before = event.get("before").and_then(|v| v.as_str());
    if let Some(before) = before.filter(|b| !b.bytes().all(|c| c == b'0')) {
        return Some((before.to_string(), "the push event's `before`".to_string()));
    }
    let branch = event
        .pointer("/repository/default_branch")
        .and_then(|v| v.as_str())?;
    let remote = format!("origin/{branch}");
    (!branch.is_empty() && !branch.starts_with('-') && repo.resolve_commit(&remote).is_some()).then(|| {
        (
            remote,
            "the default branch of a push that creates a branch".to_string(),
        )
    })
}

pub(crate) fn load_settings(
    repo: &Repo,
    request: &CheckRequest,
    change: &ChangeSet,
    notices: &mut Vec<Notice>,
) -> Result<Settings> {
    let (rev, label) = match request.config_from {
        ConfigFrom::Base => (&change.base, "base"),
        ConfigFrom::Head => (&change.head, "head"),
    };
    let mut reader = repo.lazy_reader();
    let mut settings = match &request.config {
        Some(path) => settings_from_disk(path)?,
        None => {
            notices.extend(edited_configurations(repo, &mut reader, change, "", label));
            root_settings(repo, &mut reader, rev, label)?
        }
    };
    read_project_settings(repo, &mut reader, change, (rev, label), &mut settings, notices)?;
    Ok(settings)
}

/// Each `[[projects]]` directory's own configuration at `rev` (one `ls-tree` finds them all),
/// where it has one, and a warning for each that the change edits.
fn read_project_settings(
    repo: &Repo,
    reader: &mut crate::git::LazyReader<'_>,
    change: &ChangeSet,
    (rev, label): (&str, &str),
    settings: &mut Settings,
    notices: &mut Vec<Notice>,
) -> Result<()> {
    if settings.projects.is_empty() {
        return Ok(());
    }
    for project in &settings.projects {
        notices.extend(edited_configurations(repo, reader, change, &project.path, label));
    }
    let candidates = crate::projects::configuration_paths(&settings.projects);
    let blobs = repo.blob_ids(rev, &candidates.iter().map(String::as_str).collect::<Vec<_>>());
    crate::projects::read_configurations(settings, |file| {
        let Some(blob) = blobs.get(file) else {
            return Ok(None);
        };
        let text = utf8(reader.read(blob)?, file, label, rev)?;
        Ok(Some((text, format!("{file} (at {label} {})", short(rev)))))
    })
}

/// The repository root's configuration at `rev`, else the defaults.
fn root_settings(
    repo: &Repo,
    reader: &mut crate::git::LazyReader<'_>,
    rev: &str,
    label: &str,
) -> Result<Settings> {
    for name in CONFIG_FILE_NAMES {
        if let Some(text) = config_text(repo, reader, rev, label, name)? {
            let origin = format!("{name} (at {label} {})", short(rev));
            if let Some(settings) = Settings::from_config_file(name, &text, &origin)? {
                return Ok(settings);
            }
        }
    }
    Settings::defaults()
}

/// The text of the configuration file at `path` in `rev`, if it is there.
fn config_text(
    repo: &Repo,
    reader: &mut crate::git::LazyReader<'_>,
    rev: &str,
    label: &str,
    path: &str,
) -> Result<Option<String>> {
    let Some(blob) = repo.blob_id(rev, path) else {
        return Ok(None);
    };
    utf8(reader.read(&blob)?, path, label, rev).map(Some)
}

fn utf8(bytes: Vec<u8>, path: &str, label: &str, rev: &str) -> Result<String> {
    String::from_utf8(bytes).map_err(|_| anyhow!("{path} at {label} {} is not UTF-8", short(rev)))
}

/// `--config FILE`: a debtgate.toml, or a pyproject.toml with a `[tool.debtgate]` table.
fn settings_from_disk(path: &std::path::Path) -> Result<Settings> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
    let origin = path.display().to_string();
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    Settings::from_config_file(&name, &text, &origin)?
        .with_context(|| format!("{origin} has no [tool.debtgate] table"))
}

/// A warning for each configuration file the change edits (a pyproject.toml only where it has
/// a `[tool.debtgate]` table on either side): the change is judged by the other side's.
fn edited_configurations(
    repo: &Repo,
    reader: &mut crate::git::LazyReader<'_>,
    change: &ChangeSet,
    dir: &str,
    label: &str,
) -> Vec<Notice> {
    let at = |name: &str| {
        if dir.is_empty() {
            name.to_string()
        } else {
            format!("{dir}/{name}")
        }
    };
    let pyproject = at("pyproject.toml");
    let mut has_debtgate_table = |rev: &str| -> bool {
        repo.blob_id(rev, &pyproject)
            .and_then(|b| reader.read(&b).ok())
            .is_some_and(|t| String::from_utf8_lossy(&t).contains("[tool.debtgate"))
    };
    let mut out = Vec::new();
    for name in CONFIG_FILE_NAMES {
        let path = at(name);
        let edited = change
            .files
            .iter()
            .any(|f| f.path == path || f.old_path.as_deref() == Some(path.as_str()));
        if !edited
            || (*name == "pyproject.toml"
                && !has_debtgate_table(&change.base)
                && !has_debtgate_table(&change.head))
        {
            continue;
        }
        out.push(Notice {
            message: format!(
                "this change edits {path}; it was judged with the configuration at {label}. The new configuration applies once merged (or pass --config-from head)."
            ),
            path: Some(path),
            level: Severity::Warning,
            blocking: false,
        });
    }
    out
}
