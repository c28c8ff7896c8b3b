//! The rule pack: tech-debt rules as data (`rules/*.toml`, embedded at build time), adjusted
//! by the user's configuration.

use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::metrics::complexity::FunctionMetrics;

include!(concat!(env!("OUT_DIR"), "/rule_files.rs"));

/// How serious a finding is. Ordered: `Note < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Which functions a rule may judge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Only functions the change adds.
    New,
    /// Functions the change adds, and existing ones it makes worse.
    NewOrWorsened,
    /// Every function in a changed file that is over the limit.
    All,
}

impl Scope {
    /// What the rule judges, in words.
    pub fn describe(self) -> &'static str {
        match self {
            Scope::New => "what the change adds",
            Scope::NewOrWorsened => "what the change adds, and what it makes worse while over the limit",
            Scope::All => "everything over the limit in the files the change touches",
        }
    }
}

/// A function metric a rule can hold a threshold against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Cognitive,
    Cyclomatic,
    Lines,
    Params,
    MaxNesting,
    Returns,
    /// The length of a duplicated block, in tokens (not a function metric).
    DuplicatedTokens,
    /// Added lines no test ran, in one range (not a function metric).
    UncoveredLines,
    /// The sum of a file's functions' cyclomatic complexity (not a function metric).
    FileCyclomatic,
    /// A malformed inline suppression (not a function metric).
    Suppressions,
}

impl Metric {
    /// The value of this metric for a function; `None` where the function has none (a nested
    /// Python def folded into its parent for cognitive complexity).
    pub fn of(self, f: &FunctionMetrics) -> Option<u32> {
        match self {
            Metric::Cognitive => f.cognitive,
            Metric::Cyclomatic => Some(f.cyclomatic),
            Metric::Lines => Some(f.lines),
            Metric::Params => Some(f.params),
            Metric::MaxNesting => Some(f.max_nesting),
            Metric::Returns => Some(f.returns),
            Metric::DuplicatedTokens
            | Metric::UncoveredLines
            | Metric::FileCyclomatic
            | Metric::Suppressions => None,
        }
    }

    /// The value from which a finding's debt is counted: a duplicated block is a finding *at*
    /// its threshold ("at least 50 tokens"), every other metric only *over* it.
    pub fn debt_floor(self, threshold: u32) -> u32 {
        match self {
            Metric::DuplicatedTokens => threshold.saturating_sub(1),
            _ => threshold,
        }
    }

    /// Whether the metric is measured per function (so test code gets relaxed limits).
    pub fn is_function_metric(self) -> bool {
        matches!(
            self,
            Metric::Cognitive
                | Metric::Cyclomatic
                | Metric::Lines
                | Metric::Params
                | Metric::MaxNesting
                | Metric::Returns
        )
    }

    /// How the metric reads in a message.
    pub fn label(self) -> &'static str {
        match self {
            Metric::Cognitive => "cognitive complexity",
            Metric::Cyclomatic => "cyclomatic complexity",
            Metric::Lines => "length (lines)",
            Metric::Params => "parameter count",
            Metric::MaxNesting => "nesting depth",
            Metric::Returns => "return points",
            Metric::DuplicatedTokens => "duplicated tokens",
            Metric::UncoveredLines => "uncovered lines",
            Metric::FileCyclomatic => "file complexity",
            Metric::Suppressions => "suppressions",
        }
    }
}

/// Minutes of work to bring a finding back under its limit.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Remediation {
    pub base_minutes: f64,
    pub minutes_per_unit: f64,
}

impl Remediation {
    /// The cost of `value` over `threshold`; zero when not over.
    pub fn minutes(&self, value: u32, threshold: u32) -> u32 {
        if value <= threshold {
            return 0;
        }
        let over = f64::from(value - threshold);
        (self.base_minutes + self.minutes_per_unit * over)
            .round()
            .max(0.0) as u32
    }
}

/// One rule, as `rules/<id>.toml` defines it and the configuration adjusts it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub metric: Metric,
    pub threshold: u32,
    pub scope: Scope,
    pub severity: Severity,
    pub summary: String,
    /// One sentence on what to do, appended to every finding's message.
    pub advice: String,
    pub remediation: Remediation,
    pub help: String,
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
}

impl Rule {
    /// The threshold as a sentence: most are a limit, a copy's size is a minimum.
    pub fn limit_in_words(&self) -> String {
        match self.metric {
            Metric::DuplicatedTokens => format!(
                "Finds: a copy of {} tokens or more (and at least six lines; `[duplication] min-lines`)",
                self.threshold
            ),
            Metric::UncoveredLines => "Finds: added code lines that no test runs".to_string(),
            Metric::Suppressions => {
                "Finds: a suppression the change adds without a reason or with an unknown rule".to_string()
            }
            metric => format!("Limit: {} of at most {}", metric.label(), self.threshold),
        }
    }

    /// What the severity means for the gate, in words.
    pub fn severity_in_words(&self) -> &'static str {
        match self.severity {
            Severity::Error => "error: fails the gate",
            Severity::Warning => {
                "warning: reported; fails the gate only under `[gate] fail-on = \"warning\"`"
            }
            Severity::Note => "note: reported, never fails the gate",
        }
    }

    /// The rule in plain words, as `debtgate explain RULE` prints it.
    pub fn in_words(&self) -> String {
        format!(
            "{}: {}\n\n{}.\nJudges: {}.\nSeverity: {}.\n\n{}",
            self.id,
            self.summary,
            self.limit_in_words(),
            self.scope.describe(),
            self.severity_in_words(),
            self.help.trim()
        )
    }

    /// The rule's page in the repository's documentation (`docs/rules/<id>.md`), linked from
    /// the Markdown summary and SARIF's `helpUri`.
    pub fn doc_page(&self) -> String {
        format!(
            "# `{}`\n\n<!-- written from rules/{}.toml by `DEBTGATE_WRITE_DOCS=1 cargo test --locked rule_pages`; edit the rule, not this page -->\n\n{}.\n\n- {}.\n- Judges: {}.\n- Severity: {}.\n\n{}\n\nTo change it, in `debtgate.toml`:\n\n```toml\n[rules.{}]\nthreshold = {}\nseverity = \"{}\"   # error | warning | note\nenabled = true\n```\n\nA line's finding is silenced with a reason: `debtgate: ignore[{}] why`.\n",
            self.id,
            self.id,
            self.summary,
            self.limit_in_words(),
            self.scope.describe(),
            self.severity_in_words(),
            self.help.trim(),
            self.id,
            self.threshold,
            self.severity.as_str(),
            self.id
        )
    }
}

fn enabled_by_default() -> bool {
    true
}

/// Loads the embedded default rule pack.
pub fn default_rules() -> Result<Vec<Rule>> {
    RULE_FILES
        .iter()
        .map(|(file, text)| parse_rule(file, text))
        .collect()
}

fn parse_rule(file: &str, text: &str) -> Result<Rule> {
    let rule: Rule = toml::from_str(text).with_context(|| format!("rules/{file} is not a valid rule"))?;
    let expected = format!("{}.toml", rule.id);
    if file != expected {
        bail!(
            "rules/{file} defines rule `{}`; rename the file to {expected}",
            rule.id
        );
    }
    if rule.help.trim().is_empty() || rule.summary.trim().is_empty() {
        bail!("rules/{file} needs a summary and help text");
    }
    Ok(rule)
}

/// Finds a rule by id, with a message listing the known ids when there is none.
pub fn find<'r>(rules: &'r [Rule], id: &str) -> Result<&'r Rule> {
    rules.iter().find(|r| r.id == id).ok_or_else(|| {
        let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        anyhow!("unknown rule `{id}`; the rules are: {}", ids.join(", "))
    })
}

/// The rule over `metric`: each metric has one rule (a test holds the pack to that), so a
/// stage asks for the rule by what it measures, never by its id.
pub fn of_metric(rules: &[Rule], metric: Metric) -> Option<&Rule> {
    rules.iter().find(|r| r.metric == metric)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_metric_has_one_rule() {
        let rules = default_rules().unwrap();
        for r in &rules {
            let same: Vec<&str> = rules
                .iter()
                .filter(|o| o.metric == r.metric)
                .map(|o| o.id.as_str())
                .collect();
            assert_eq!(same, [r.id.as_str()], "one rule per metric");
        }
    }

    #[test]
    fn every_rule_file_loads_and_has_docs() {
        let rules = default_rules().unwrap();
        assert_eq!(rules.len(), RULE_FILES.len());
        for rule in &rules {
            assert!(rule.help.len() > 80, "rule {} needs real help text", rule.id);
            assert!(
                !rule.name.contains(' '),
                "rule names are PascalCase: {}",
                rule.name
            );
        }
        let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        let mut sorted = ids.clone();
        sorted.dedup();
        assert_eq!(ids, sorted, "rule ids are unique");
    }

    #[test]
    fn remediation_minutes() {
        let r = Remediation {
            base_minutes: 10.0,
            minutes_per_unit: 1.0,
        };
        assert_eq!(r.minutes(15, 15), 0);
        assert_eq!(r.minutes(22, 15), 17);
    }
}

#[cfg(test)]
mod readme {
    use super::*;

    /// Each rule has its page in `docs/rules/`, written from the rule; the pages cannot drift
    /// from the pack. `DEBTGATE_WRITE_DOCS=1` rewrites them.
    #[test]
    fn rule_pages_are_written_from_the_rules() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
        let rules = default_rules().unwrap();
        if std::env::var_os("DEBTGATE_WRITE_DOCS").is_some() {
            std::fs::create_dir_all(&dir).unwrap();
            for r in &rules {
                std::fs::write(dir.join(format!("{}.md", r.id)), r.doc_page()).unwrap();
            }
        }
        for r in &rules {
            let page = std::fs::read_to_string(dir.join(format!("{}.md", r.id))).unwrap_or_default();
            assert_eq!(
                page,
                r.doc_page(),
                "docs/rules/{}.md is stale: run `DEBTGATE_WRITE_DOCS=1 cargo test --locked rule_pages`",
                r.id
            );
        }
        let pages = std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(pages, rules.len(), "docs/rules/ holds a page for no rule");
    }

    /// The README's rules table is checked against `rules/`, so the two cannot drift.
    #[test]
    fn readme_rules_table_matches_the_rule_pack() {
        let readme = include_str!("../README.md");
        let table: Vec<&str> = readme
            .lines()
            .skip_while(|l| !l.contains("rules-table"))
            .skip(3)
            .take_while(|l| l.starts_with('|'))
            .collect();
        let expected: Vec<String> = default_rules()
            .unwrap()
            .iter()
            .map(|r| {
                let metric = serde_json::to_value(r.metric).unwrap();
                let scope = serde_json::to_value(r.scope).unwrap();
                format!(
                    "| `{}` | {} | {} | {} | {} |",
                    r.id,
                    metric.as_str().unwrap(),
                    r.threshold,
                    r.severity.as_str(),
                    scope.as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(table, expected, "update the README's rules table");
    }
}
