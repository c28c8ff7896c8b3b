//! What the user asked for, as plain data: the command line fills it, the stages read it.

use std::path::PathBuf;

use crate::lang::ParseLimits;

/// Where the configuration is read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ConfigFrom {
    /// The base commit: a change cannot weaken the gate that judges it.
    Base,
    /// The head commit.
    Head,
}

/// The environment a check runs in, read once by the command line layer.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    pub github_event_name: Option<String>,
    pub github_event_path: Option<PathBuf>,
    /// The pre-commit framework's pre-push range (`PRE_COMMIT_FROM_REF`, `PRE_COMMIT_TO_REF`).
    pub pre_commit_range: Option<(String, String)>,
    /// `GITHUB_SERVER_URL` and `GITHUB_REPOSITORY`: where the reports link a finding's line.
    pub github_server_url: Option<String>,
    pub github_repository: Option<String>,
    /// `DEBTGATE_DOCS_URL`: the folder of the rule pages the reports link to (the action sets it
    /// to its own `docs/rules`); else the package's repository, when it names one.
    pub docs_url: Option<String>,
}

impl Environment {
    pub fn from_process() -> Environment {
        Environment {
            github_event_name: std::env::var("GITHUB_EVENT_NAME").ok().filter(|s| !s.is_empty()),
            github_event_path: std::env::var_os("GITHUB_EVENT_PATH")
                .map(PathBuf::from)
                .filter(|p| !p.as_os_str().is_empty()),
            pre_commit_range: match (
                std::env::var("PRE_COMMIT_FROM_REF"),
                std::env::var("PRE_COMMIT_TO_REF"),
            ) {
                (Ok(from), Ok(to)) if !from.is_empty() && !to.is_empty() => Some((from, to)),
                _ => None,
            },
            github_server_url: non_empty_var("GITHUB_SERVER_URL"),
            github_repository: non_empty_var("GITHUB_REPOSITORY"),
            docs_url: non_empty_var("DEBTGATE_DOCS_URL").or_else(|| {
                let repository = env!("CARGO_PKG_REPOSITORY");
                (!repository.is_empty())
                    .then(|| format!("{repository}/blob/v{}/docs/rules", env!("CARGO_PKG_VERSION")))
            }),
        }
    }

    /// Where the reports of the commit `head` link to, from what the environment says.
    pub fn links(&self, head: &str) -> crate::verdict::Links {
        crate::verdict::Links::new(
            self.github_server_url.as_deref(),
            self.github_repository.as_deref(),
            head,
            self.docs_url.as_deref(),
        )
    }
}

fn non_empty_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// What the user asked for.
#[derive(Clone, Debug)]
pub struct CheckRequest {
    pub repo_dir: PathBuf,
    pub base: Option<String>,
    pub head: Option<String>,
    pub config: Option<PathBuf>,
    pub config_from: ConfigFrom,
    pub limits: ParseLimits,
    pub cache: Cache,
    pub coverage: CoverageRequest,
    /// The part of the change to judge (`--shard I/N`); none for all of it.
    pub shard: Option<crate::shard::Shard>,
}

/// Where the duplication check keeps its token cache.
#[derive(Clone, Debug)]
pub enum Cache {
    /// `debtgate/` in the repository's git directory.
    Default,
    Dir(PathBuf),
    Off,
}

/// What the user gave: reports of the tests at head, and at base.
#[derive(Clone, Debug, Default)]
pub struct CoverageRequest {
    pub head: Vec<PathBuf>,
    pub base: Vec<PathBuf>,
    pub format: Option<crate::coverage::Format>,
}
