//! What a check concludes: findings, notices and the outcome. Plain data for the reports.

use serde::{Deserialize, Serialize};

use crate::rules::{Metric, Rule, Scope, Severity};

/// The gate's answer, which maps to the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Exit 0.
    Passed,
    /// Exit 1.
    Failed,
    /// Exit 2: something could not be judged (and was said).
    NotJudged,
}

impl Outcome {
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Passed => 0,
            Outcome::Failed => 1,
            Outcome::NotJudged => 2,
        }
    }
}

/// How a function relates to its version at base.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    New,
    Worsened,
    Unchanged,
    Improved,
}

impl Change {
    /// How `value` relates to `base` (none: the subject is new).
    pub fn between(base: Option<u32>, value: u32) -> Change {
        match base {
            None => Change::New,
            Some(b) if value > b => Change::Worsened,
            Some(b) if value < b => Change::Improved,
            Some(_) => Change::Unchanged,
        }
    }

    /// Whether a rule of `scope` reports a subject that changed this way.
    pub fn in_scope(self, scope: Scope) -> bool {
        match scope {
            Scope::New => self == Change::New,
            Scope::NewOrWorsened => matches!(self, Change::New | Change::Worsened),
            Scope::All => true,
        }
    }
}

/// One rule broken by one function.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Finding {
    pub rule_id: String,
    pub severity: Severity,
    pub path: String,
    /// Where the finding is shown: a line the change added inside the function, else its head.
    pub line: u32,
    /// 1-based, in UTF-16 code units.
    pub column: u32,
    pub function: String,
    pub function_line: u32,
    pub function_end_line: u32,
    pub metric: Metric,
    pub value: u32,
    pub base_value: Option<u32>,
    pub threshold: u32,
    pub change: Change,
    pub message: String,
    pub debt_minutes: u32,
    /// Stable across unrelated edits: rule, path and qualified name (or the copied code),
    /// hashed.
    pub fingerprint: String,
    /// Other places that explain the finding: the function's span, or the code it copies.
    pub related: Vec<Related>,
    /// The reason of the inline suppression that accepts this finding; a suppressed finding
    /// is reported but does not fail the gate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<String>,
    /// The source line the finding points at, for the terminal's code frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_line: Option<String>,
}

/// What a finding is about, which is also what identifies it across edits.
#[derive(Clone, Copy, Debug)]
pub enum Subject<'a> {
    /// A function, by its qualified name (stable when lines move).
    Function {
        qualified_name: &'a str,
        start_line: u32,
        start_column: u32,
        end_line: u32,
    },
    /// A whole file.
    File { end_line: u32 },
    /// Lines of a file, identified by `key` (the copied code's hash, the range's first line).
    Region {
        start_line: u32,
        end_line: u32,
        key: &'a str,
    },
}

impl Finding {
    /// The one way a finding is made: `rule` (as the settings resolved it for `path`) over
    /// `subject`, at `value` now and `base_value` at base. It is placed on the subject's first
    /// line until [`Finding::at`] says otherwise; the debt is what the change adds.
    pub fn new(
        rule: &Rule,
        path: &str,
        subject: Subject<'_>,
        value: u32,
        base_value: Option<u32>,
    ) -> Finding {
        let change = Change::between(base_value, value);
        let floor = rule.metric.debt_floor(rule.threshold);
        let cost = |v: u32| rule.remediation.minutes(v, floor);
        let (function, start, column, end, key) = match subject {
            Subject::Function {
                qualified_name,
                start_line,
                start_column,
                end_line,
            } => (
                crate::identity::display_name(qualified_name).to_string(),
                start_line,
                start_column,
                end_line,
                Some(qualified_name),
            ),
            Subject::File { end_line } => (String::new(), 1, 1, end_line, None),
            Subject::Region {
                start_line,
                end_line,
                key,
            } => (String::new(), start_line, 1, end_line, Some(key)),
        };
        let mut parts = vec!["debtgate/v1", rule.id.as_str(), path];
        parts.extend(key);
        Finding {
            rule_id: rule.id.clone(),
            severity: rule.severity,
            path: path.to_string(),
            line: start,
            column,
            function,
            function_line: start,
            function_end_line: end,
            metric: rule.metric,
            value,
            base_value,
            threshold: rule.threshold,
            change,
            message: String::new(),
            debt_minutes: cost(value).saturating_sub(base_value.map_or(0, cost)),
            fingerprint: fingerprint(&parts),
            related: Vec::new(),
            suppressed: None,
            source_line: None,
        }
    }

    /// Shows the finding on `line` (a line the change added, so review tools show it in the
    /// diff); the column is the subject's own where the line is its first, else 1.
    pub fn at(mut self, line: u32) -> Finding {
        if line != self.line {
            self.column = 1;
        }
        self.line = line;
        self
    }

    pub fn with_message(mut self, message: String) -> Finding {
        self.message = message;
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Finding {
        self.severity = severity;
        self
    }

    pub fn with_related(mut self, related: Vec<Related>) -> Finding {
        self.related = related;
        self
    }
}

/// A place a finding points to besides its own line.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Related {
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
    /// 1-based, in UTF-16 code units; for a place on one line (a complexity increment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_column: Option<u32>,
    pub message: String,
    /// The line of code at `start_line`, for the HTML report's code frames (increments only).
    #[serde(skip)]
    pub source_line: Option<String>,
}

/// What a condition's value and limit are counted in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    Percent,
    /// Percentage points (a difference of two percentages).
    Points,
    Minutes,
}

impl Unit {
    /// A value in this unit, as every report shows it.
    pub fn show(self, value: f64) -> String {
        match self {
            Unit::Percent => format!("{value:.2} %"),
            Unit::Points => format!("{value:.2} pp"),
            Unit::Minutes => format!("{value:.0} min"),
        }
    }
}

/// A gate condition on the change as a whole.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Condition {
    pub name: String,
    /// The measured value, when there was something to measure.
    pub value: f64,
    pub limit: f64,
    pub unit: Unit,
    pub passed: bool,
    /// False when there was nothing to judge it on (then it passes, and says why).
    pub judged: bool,
    pub detail: String,
    /// A ratio over the change's new lines (duplicated lines, patch coverage): not applied to a
    /// change of only a few (`[gate] min-new-lines`).
    #[serde(default)]
    pub over_new_lines: bool,
    /// The `[[projects]]` directory it judges (`.`: the files in no project); none where no
    /// project is declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
}

impl Condition {
    /// Its name as the reports show it: with its project, where it judges one.
    pub fn label(&self) -> String {
        match &self.project {
            Some(p) if p == crate::projects::ROOT => format!("{} (files in no project)", self.name),
            Some(p) => format!("{} ({})", self.name, crate::report::escape_control(p)),
            None => self.name.clone(),
        }
    }

    pub fn shown_value(&self) -> String {
        self.unit.show(self.value)
    }

    pub fn shown_limit(&self) -> String {
        self.unit.show(self.limit)
    }
}

/// Code the change moved (or renamed) rather than wrote: its base numbers follow it, it is not
/// a copy, and its lines are not new code.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Move {
    pub from_path: String,
    pub from_function: String,
    pub path: String,
    pub function: String,
    pub start_line: u32,
    pub end_line: u32,
    /// The body is unchanged (else it is at least 60 % alike, and edited).
    pub exact: bool,
}

/// Something the user must know that is not a finding: a file that was skipped, could not be
/// parsed, or a configuration that changed.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Notice {
    pub path: Option<String>,
    pub level: Severity,
    pub message: String,
    /// A blocking notice means the change could not be fully judged (exit 2).
    pub blocking: bool,
}

impl Notice {
    /// The notice's path as a writer shows it (escaped, with its punctuation), or nothing for
    /// a notice about the whole change.
    pub fn path_shown(&self, show: impl Fn(&str) -> String) -> String {
        self.path.as_deref().map(show).unwrap_or_default()
    }
}

/// Counts for the summary line.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Summary {
    pub files_changed: usize,
    pub files_analyzed: usize,
    pub functions_analyzed: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    /// Findings accepted by an inline suppression (not counted above).
    pub suppressed: usize,
    /// Remediation minutes of the findings (suppressed ones included): the debt the change adds.
    pub debt_minutes: u32,
    /// Remediation minutes the change removes by making functions over a limit simpler.
    pub debt_removed_minutes: u32,
    /// Added minus removed.
    pub debt_net_minutes: i64,
    /// Lines of code the change adds outside test code (not moved, not comments or blank).
    pub new_lines: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Verdict {
    /// The debtgate release that wrote it (`merge` combines only reports of its own release).
    pub version: String,
    pub outcome: Outcome,
    pub base: String,
    pub base_spec: String,
    pub base_source: String,
    pub head: String,
    pub config_source: Option<String>,
    pub fail_on: Severity,
    pub policy: crate::config::Policy,
    /// `[gate] min-new-lines`: ratio conditions are not applied to a smaller change.
    pub min_new_lines: u32,
    /// The part of the change this run judged (`--shard`); none for all of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::shard::Shard>,
    pub summary: Summary,
    pub findings: Vec<Finding>,
    pub notices: Vec<Notice>,
    pub conditions: Vec<Condition>,
    pub coverage: Option<CoverageSummary>,
    /// The duplication counts behind the duplicated-lines condition (none when no
    /// duplicated-block rule applies).
    pub duplication: Option<DuplicationCounts>,
    /// Functions the change moved or renamed, body unchanged.
    pub moves: Vec<Move>,
    /// With `[[projects]]`: each part of the change judged apart (the files in no project,
    /// then each project), whose conditions and counts the ones above gather.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub projects: Vec<ProjectVerdict>,
    /// The rules the findings were judged by, as configured: the writers describe them
    /// (SARIF's `tool.driver.rules`).
    pub rules: Vec<crate::rules::Rule>,
    /// Where the writers link to, when the run knows (in GitHub Actions).
    #[serde(skip)]
    pub links: Links,
}

/// One part of a change judged by its own configuration: a `[[projects]]` directory, or the
/// files in no project.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProjectVerdict {
    /// The project's directory; `.` for the files in no project.
    pub project: String,
    pub outcome: Outcome,
    pub config_source: Option<String>,
    pub fail_on: Severity,
    pub policy: crate::config::Policy,
    pub min_new_lines: u32,
    pub summary: Summary,
    pub conditions: Vec<Condition>,
    pub coverage: Option<CoverageSummary>,
    pub duplication: Option<DuplicationCounts>,
}

/// Where a writer links a finding's line and a rule's page. Both are checked when read from
/// the environment (`Links::new`): a link is never built from text that could break out of it.
#[derive(Clone, Debug, Default)]
pub struct Links {
    /// The head commit's tree: `https://github.com/owner/repo/blob/<sha>`.
    source: Option<String>,
    /// The folder of the rule pages: `…/docs/rules`.
    docs: Option<String>,
}

impl Links {
    /// Links from the GitHub server URL, the `owner/repo` name, the head commit and the rule
    /// pages' folder; any of them that does not read as what it should is left out.
    pub fn new(server: Option<&str>, repository: Option<&str>, head: &str, docs: Option<&str>) -> Links {
        let repository = repository.filter(|r| {
            let mut parts = r.split('/');
            let ok = |p: Option<&str>| {
                p.is_some_and(|p| {
                    !p.is_empty()
                        && p.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
                })
            };
            ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
        });
        let head = Some(head)
            .filter(|h| (h.len() == 40 || h.len() == 64) && h.bytes().all(|b| b.is_ascii_hexdigit()));
        let source = match (server.filter(|s| is_plain_url(s)), repository, head) {
            (Some(server), Some(repository), Some(head)) => Some(format!(
                "{}/{repository}/blob/{head}",
                server.trim_end_matches('/')
            )),
            _ => None,
        };
        let docs = docs
            .filter(|d| is_plain_url(d))
            .map(|d| d.trim_end_matches('/').to_string());
        Links { source, docs }
    }

    /// A line of a file at the head commit.
    pub fn line(&self, path: &str, line: u32) -> Option<String> {
        let source = self.source.as_ref()?;
        Some(format!(
            "{source}/{}#L{line}",
            crate::report::sarif::encode_uri_path(path)
        ))
    }

    /// A rule's page.
    pub fn rule(&self, id: &str) -> Option<String> {
        let docs = self.docs.as_ref()?;
        id.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            .then(|| format!("{docs}/{id}.md"))
    }
}

/// An `http(s)://` URL of characters that need no escaping anywhere a writer puts it.
fn is_plain_url(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && url
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~:/%+".contains(&b))
}

/// What the duplicated-lines condition is computed from: added lines of code in copies, of
/// all added lines of code where duplication is judged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicationCounts {
    pub added_lines: u64,
    pub duplicated_added_lines: u64,
    pub files_indexed: usize,
}

/// The coverage figures a report shows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CoverageSummary {
    pub reports: Vec<String>,
    pub report_files: usize,
    pub mapped_files: usize,
    pub patch: crate::coverage::patch::Patch,
    pub patch_percent: Option<f64>,
    /// Project coverage at head and base, in percent, and the difference in points.
    pub project_percent: Option<f64>,
    pub base_project_percent: Option<f64>,
    pub delta_points: Option<f64>,
}

pub use crate::hashing::fingerprint;

#[cfg(test)]
mod tests {
    use super::Links;

    const HEAD: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn links_are_built_only_from_what_reads_as_a_url_a_repository_and_a_commit() {
        let links = Links::new(
            Some("https://github.com/"),
            Some("acme/shop"),
            HEAD,
            Some("https://x.test/docs/"),
        );
        assert_eq!(
            links.line("src/a b.py", 7).as_deref(),
            Some(
                "https://github.com/acme/shop/blob/0123456789abcdef0123456789abcdef01234567/src/a%20b.py#L7"
            )
        );
        assert_eq!(
            links.rule("nesting-depth").as_deref(),
            Some("https://x.test/docs/nesting-depth.md")
        );
        assert_eq!(links.rule("a)b"), None);
        for (server, repository, head, docs) in [
            ("javascript:alert(1)", "acme/shop", HEAD, "https://x.test/a b"),
            (
                "https://github.com",
                "acme/shop)[x](y",
                HEAD,
                "https://x.test/d\")",
            ),
            ("https://github.com", "acme/shop/extra", HEAD, "ftp://x.test"),
            ("https://github.com", "acme/shop", "main", "https://x.test/<b>"),
        ] {
            let links = Links::new(Some(server), Some(repository), head, Some(docs));
            assert_eq!(links.line("a.py", 1), None, "{server} {repository} {head}");
            assert_eq!(links.rule("nesting-depth"), None, "{docs}");
        }
        assert_eq!(Links::default().line("a.py", 1), None);
    }
}
