//! The user's configuration (`debtgate.toml`, `.debtgate.toml`, or `[tool.debtgate]` in
//! `pyproject.toml`), resolved once into [`Settings`] that the rest of the pipeline reads.
//!
//! Unknown keys are errors that name the file, the line and the accepted keys: a typo must
//! never silently turn a check off.

use std::collections::BTreeMap;

use anyhow::{bail, Result};
use serde::Deserialize;

use crate::rules::{self, Metric, Rule, Severity};

/// Function limits in test code are this many times a rule's threshold: measured on six real
/// projects, 0.02-0.06 % of test functions exceed the source limits, and none exceed twice them.
pub const DEFAULT_TEST_LIMIT_FACTOR: f64 = 2.0;

/// Names of the configuration file, in the order they are looked for at the repository root.
pub const CONFIG_FILE_NAMES: &[&str] = &["debtgate.toml", ".debtgate.toml", "pyproject.toml"];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    /// Paths never judged (globs).
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    rules: BTreeMap<String, RuleOverride>,
    /// Rule settings for some paths only, applied in order after `[rules]`.
    #[serde(default)]
    overrides: Vec<OverrideConfig>,
    #[serde(default)]
    gate: GateConfig,
    #[serde(default)]
    duplication: DuplicationConfig,
    #[serde(default)]
    coverage: CoverageConfig,
    #[serde(default)]
    tests: TestsConfig,
    /// Directories judged as projects of their own (root configuration only).
    #[serde(default)]
    projects: Vec<crate::projects::ProjectConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct TestsConfig {
    /// Globs of test code; replaces the per-language conventions.
    paths: Option<Vec<String>>,
    /// Function limits in test code are this many times the rule's threshold (default 2).
    limit_factor: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct CoverageConfig {
    /// Prefix rewrites applied to report paths before they are matched to tracked files.
    #[serde(default)]
    path_map: Vec<crate::coverage::paths::PathMap>,
    missing_report: Option<MissingReport>,
}

/// What a configured coverage gate does when no report is given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MissingReport {
    /// Exit 2: the gate cannot judge.
    #[default]
    Error,
    /// Say "not judged" and go on.
    NotJudged,
}

#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct DuplicationConfig {
    /// A copy must span at least this many lines (default 6).
    min_lines: Option<u32>,
    /// Type-2 clones: identifiers and literals compare equal (default true).
    normalize: Option<bool>,
    /// Globs of paths never indexed, beyond vendored code.
    #[serde(default)]
    exclude: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleOverride {
    threshold: Option<u32>,
    severity: Option<Severity>,
    enabled: Option<bool>,
}

impl RuleOverride {
    fn apply(&self, rule: &mut Rule) {
        if let Some(t) = self.threshold {
            rule.threshold = t;
        }
        if let Some(s) = self.severity {
            rule.severity = s;
        }
        if let Some(e) = self.enabled {
            rule.enabled = e;
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideConfig {
    paths: Vec<String>,
    #[serde(default)]
    rules: BTreeMap<String, RuleOverride>,
}

/// `pyproject.toml`: only `[tool.debtgate]` is read.
#[derive(Debug, Default, Deserialize)]
struct Pyproject {
    #[serde(default)]
    tool: PyprojectTool,
}

#[derive(Debug, Default, Deserialize)]
struct PyprojectTool {
    debtgate: Option<ConfigFile>,
}

/// Rule settings that apply to the paths some globs match.
#[derive(Debug, Clone)]
pub struct PathOverride {
    globs: globset::GlobSet,
    rules: BTreeMap<String, RuleOverride>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct GateConfig {
    /// The lowest severity of a new finding that fails the gate.
    fail_on: Option<Severity>,
    /// The most duplicated lines in new code, in percent, before the gate fails.
    max_duplicated_lines_percent: Option<f64>,
    /// The least patch coverage, in percent.
    min_patch_coverage: Option<f64>,
    /// The most remediation minutes a change may add.
    max_debt_minutes: Option<u32>,
    /// The most the project's coverage may drop, in percentage points.
    max_coverage_drop: Option<f64>,
    /// Conditions that are a ratio over new lines are not applied below this many new lines.
    min_new_lines: Option<u32>,
    /// A function or file already over a limit at base fails only when the change worsens it by
    /// at least this share of the limit, in percent (0: any worsening fails).
    large_worsening_percent: Option<f64>,
    /// What fails the gate: findings over their limits, or the debt ratio of new code.
    policy: Option<Policy>,
    /// With `policy = "debt-ratio"`: the most remediation minutes per 30 minutes of new code
    /// (one new line), in percent.
    max_debt_ratio: Option<f64>,
}

/// What makes the gate fail.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// A finding at or above `fail-on` fails the gate (old excess worsened a little is
    /// reported, not failed), as do the gate conditions.
    #[default]
    Findings,
    /// SonarQube's way: findings are reported; the gate fails on the debt ratio of new code
    /// (remediation minutes ÷ (new lines × 30 min)) and the other conditions.
    DebtRatio,
}

/// How the duplication check runs (its token threshold is the `duplicated-block` rule's).
#[derive(Debug, Clone)]
pub struct DuplicationSettings {
    pub min_lines: u32,
    pub normalize: bool,
    pub exclude: Vec<String>,
}

/// The coverage gate.
#[derive(Debug, Clone)]
pub struct CoverageSettings {
    pub min_patch: f64,
    pub max_drop: f64,
    /// The configuration sets a coverage gate explicitly: a missing report is not silence.
    pub gate_configured: bool,
    pub missing_report: MissingReport,
    pub path_map: Vec<crate::coverage::paths::PathMap>,
}

/// What counts as test code, and how it is judged.
#[derive(Debug, Clone)]
pub struct TestSettings {
    pub globs: globset::GlobSet,
    pub limit_factor: f64,
}

/// Everything the pipeline needs to judge a change.
#[derive(Debug, Clone)]
pub struct Settings {
    pub rules: Vec<Rule>,
    pub fail_on: Severity,
    /// Duplicated lines in new code above this percentage fail the gate.
    pub max_duplicated_lines_percent: f64,
    pub duplication: DuplicationSettings,
    pub coverage: CoverageSettings,
    /// The most remediation minutes a change may add, if limited.
    pub max_debt_minutes: Option<u32>,
    exclude: globset::GlobSet,
    /// The `exclude` patterns as written, which a project's configuration adds to.
    exclude_patterns: Vec<String>,
    overrides: Vec<PathOverride>,
    /// `[[projects]]`: directories judged by their own configuration and gate.
    pub projects: Vec<crate::projects::Project>,
    /// Where the configuration came from (`"debtgate.toml at base abc1234"`), if anywhere.
    pub source: Option<String>,
    pub tests: TestSettings,
    /// Ratio conditions (duplicated lines, patch coverage) need at least this many new lines.
    pub min_new_lines: u32,
    /// The share of a limit (0..1) a worsening of old excess must reach to fail.
    pub large_worsening: f64,
    pub policy: Policy,
    /// The most debt per new line, as a share of 30 minutes, in percent (`policy = "debt-ratio"`).
    pub max_debt_ratio: f64,
}

impl Settings {
    /// The default rule pack with no configuration.
    pub fn defaults() -> Result<Settings> {
        Ok(Settings {
            rules: rules::default_rules()?,
            fail_on: Severity::Error,
            max_duplicated_lines_percent: 3.0,
            duplication: DuplicationSettings {
                min_lines: 6,
                normalize: true,
                exclude: Vec::new(),
            },
            coverage: CoverageSettings {
                min_patch: 80.0,
                max_drop: 1.0,
                gate_configured: false,
                missing_report: MissingReport::Error,
                path_map: Vec::new(),
            },
            max_debt_minutes: None,
            exclude: globset::GlobSet::empty(),
            exclude_patterns: Vec::new(),
            overrides: Vec::new(),
            projects: Vec::new(),
            source: None,
            tests: TestSettings {
                globs: crate::classify::globs(crate::classify::DEFAULT_TEST_PATHS.iter().copied(), "tests")?,
                limit_factor: DEFAULT_TEST_LIMIT_FACTOR,
            },
            min_new_lines: 20,
            large_worsening: 0.5,
            policy: Policy::Findings,
            max_debt_ratio: 5.0,
        })
    }

    /// Reads a configuration's text. `origin` names it in messages.
    pub fn from_toml(text: &str, origin: &str) -> Result<Settings> {
        let file: ConfigFile = match toml::from_str(text) {
            Ok(f) => f,
            Err(e) => bail!("{origin}: {}", describe_toml_error(&e, text)),
        };
        Settings::from_file(file, origin, None)
    }

    /// Reads `[tool.debtgate]` from a pyproject.toml; `None` when it has no such table.
    pub fn from_pyproject(text: &str, origin: &str) -> Result<Option<Settings>> {
        Settings::parse_config("pyproject.toml", text, origin, None)
    }

    /// Reads a configuration file by its name: `[tool.debtgate]` of a pyproject.toml (`None`
    /// when it has no such table), else the whole file.
    pub fn from_config_file(name: &str, text: &str, origin: &str) -> Result<Option<Settings>> {
        Settings::parse_config(name, text, origin, None)
    }

    /// Reads the configuration file `name` of the project in directory `project`, whose
    /// patterns are relative to that directory; `root`'s `exclude` still applies there.
    pub fn from_project_file(
        name: &str,
        text: &str,
        origin: &str,
        project: &str,
        root: &Settings,
    ) -> Result<Option<Settings>> {
        let settings = Settings::parse_config(name, text, origin, Some((project, root)))?;
        if let Some(own) = &settings {
            own.same_duplication_window(root, origin)?;
        }
        Ok(settings)
    }

    /// One index of windows serves every project: a project's copies are found at the root's
    /// `duplicated-block` threshold, so a project cannot ask for a lower one.
    fn same_duplication_window(&self, root: &Settings, origin: &str) -> Result<()> {
        let threshold =
            |s: &Settings| rules::of_metric(&s.rules, Metric::DuplicatedTokens).map(|r| r.threshold);
        if let (Some(root_t), Some(own)) = (threshold(root), threshold(self)) {
            if own < root_t {
                bail!(
                    "{origin}: rules.duplicated-block threshold = {own} is below the root configuration's {root_t}; one index finds every project's copies at the root's threshold, so lower it there"
                );
            }
        }
        Ok(())
    }

    fn parse_config(
        name: &str,
        text: &str,
        origin: &str,
        project: Option<(&str, &Settings)>,
    ) -> Result<Option<Settings>> {
        let (file, origin) = if name == "pyproject.toml" {
            let file: Pyproject = match toml::from_str(text) {
                Ok(f) => f,
                Err(e) => bail!("{origin}: {}", describe_toml_error(&e, text)),
            };
            match file.tool.debtgate {
                Some(config) => (config, format!("{origin} [tool.debtgate]")),
                None => return Ok(None),
            }
        } else {
            match toml::from_str(text) {
                Ok(f) => (f, origin.to_string()),
                Err(e) => bail!("{origin}: {}", describe_toml_error(&e, text)),
            }
        };
        Settings::from_file(file, &origin, project).map(Some)
    }

    /// The settings the file at `path` is judged by: those of the innermost project that holds
    /// it, else these.
    pub fn for_path(&self, path: &str) -> &Settings {
        match crate::projects::holding(&self.projects, path) {
            Some(i) => self.projects[i].settings.as_deref().unwrap_or(self),
            None => self,
        }
    }

    /// Whether `path` is test code by its name (`[tests] paths`, else the conventions), by the
    /// settings of the project that holds it.
    pub fn is_test_path(&self, path: &str) -> bool {
        self.for_path(path).tests.globs.is_match(path)
    }

    /// The rules as they apply to code at `path` (by the settings of the project that holds
    /// it), test code or not: the test-code defaults
    /// (duplication and file complexity off, function limits `limit-factor` times higher),
    /// then `[[overrides]]`, which can change either.
    pub fn rules_for(&self, path: &str, test_code: bool) -> std::borrow::Cow<'_, [Rule]> {
        self.for_path(path).own_rules_for(path, test_code)
    }

    /// `rules_for` by these settings' own rules and overrides.
    fn own_rules_for(&self, path: &str, test_code: bool) -> std::borrow::Cow<'_, [Rule]> {
        let matching: Vec<&PathOverride> = self.overrides.iter().filter(|o| o.globs.is_match(path)).collect();
        if matching.is_empty() && !test_code {
            return std::borrow::Cow::Borrowed(&self.rules);
        }
        let mut rules = self.rules.clone();
        if test_code {
            for rule in &mut rules {
                if matches!(rule.metric, Metric::DuplicatedTokens | Metric::FileCyclomatic) {
                    rule.enabled = false;
                } else if rule.metric.is_function_metric() {
                    rule.threshold = (f64::from(rule.threshold) * self.tests.limit_factor).round() as u32;
                }
            }
        }
        for o in matching {
            for (id, change) in &o.rules {
                if let Some(rule) = rules.iter_mut().find(|r| &r.id == id) {
                    change.apply(rule);
                }
            }
        }
        std::borrow::Cow::Owned(rules)
    }

    /// Whether the configuration's `exclude` globs (the project's, where one holds `path`) take
    /// `path` out of judgement.
    pub fn is_excluded(&self, path: &str) -> bool {
        self.for_path(path).exclude.is_match(path)
    }

    /// `project`: the directory of the project this file configures (its patterns are
    /// relative to it), and the root's settings.
    fn from_file(mut file: ConfigFile, origin: &str, project: Option<(&str, &Settings)>) -> Result<Settings> {
        let mut settings = Settings::defaults()?;
        settings.apply_rules(&file.rules, origin)?;
        if let Some((dir, root)) = project {
            file.relative_to(dir, root, origin)?;
        }
        settings.apply_paths(
            std::mem::take(&mut file.exclude),
            file.overrides,
            &file.tests,
            origin,
        )?;
        settings.projects = crate::projects::declared(file.projects, origin)?;
        settings.apply_gate(file.gate, origin)?;
        settings.coverage.path_map = file.coverage.path_map;
        settings.coverage.missing_report = file
            .coverage
            .missing_report
            .unwrap_or(settings.coverage.missing_report);
        settings.apply_duplication(file.duplication, origin)?;
        settings.source = Some(origin.to_string());
        Ok(settings)
    }

    /// What the configuration says about paths: `exclude`, `[[overrides]]` and `[tests]`.
    fn apply_paths(
        &mut self,
        exclude: Vec<String>,
        overrides: Vec<OverrideConfig>,
        tests: &TestsConfig,
        origin: &str,
    ) -> Result<()> {
        self.exclude = globs(&exclude, origin, "exclude")?;
        self.exclude_patterns = exclude;
        for (i, o) in overrides.into_iter().enumerate() {
            self.apply_override(o, i, origin)?;
        }
        self.apply_tests(tests, origin)
    }

    fn apply_rules(&mut self, rules: &BTreeMap<String, RuleOverride>, origin: &str) -> Result<()> {
        for (id, o) in rules {
            let Some(rule) = self.rules.iter_mut().find(|r| &r.id == id) else {
                return Err(self.unknown_rule(origin, "[rules.", id));
            };
            o.apply(rule);
        }
        Ok(())
    }

    fn apply_tests(&mut self, tests: &TestsConfig, origin: &str) -> Result<()> {
        if let Some(paths) = &tests.paths {
            self.tests.globs = globs(paths, origin, "[tests] paths")?;
        }
        if let Some(f) = tests.limit_factor {
            self.tests.limit_factor = within(origin, "[tests] limit-factor", f, 1.0, 100.0)?;
        }
        Ok(())
    }

    fn apply_duplication(&mut self, d: DuplicationConfig, origin: &str) -> Result<()> {
        self.duplication.min_lines = d.min_lines.unwrap_or(self.duplication.min_lines);
        self.duplication.normalize = d.normalize.unwrap_or(self.duplication.normalize);
        // Checked here, compiled where the duplication search runs.
        globs(&d.exclude, origin, "[duplication] exclude")?;
        self.duplication.exclude = d.exclude;
        Ok(())
    }

    /// The `index`-th `[[overrides]]` table (0-based), checked: it names paths, and only rules
    /// that exist.
    fn apply_override(&mut self, o: OverrideConfig, index: usize, origin: &str) -> Result<()> {
        if o.paths.is_empty() {
            bail!("{origin}: [[overrides]] #{} has no paths = [...]", index + 1);
        }
        let known = |id: &&String| self.rules.iter().any(|r| &r.id == *id);
        if let Some(id) = o.rules.keys().find(|id| !known(id)) {
            return Err(self.unknown_rule(origin, "[[overrides]] rules.", id));
        }
        self.overrides.push(PathOverride {
            globs: globs(&o.paths, origin, "[[overrides]] paths")?,
            rules: o.rules,
        });
        Ok(())
    }

    fn apply_gate(&mut self, gate: GateConfig, origin: &str) -> Result<()> {
        let percent = |key: &str, v: Option<f64>| {
            v.map(|v| within(origin, &format!("[gate] {key}"), v, 0.0, 100.0))
                .transpose()
        };
        self.max_debt_minutes = gate.max_debt_minutes;
        self.min_new_lines = gate.min_new_lines.unwrap_or(self.min_new_lines);
        if let Some(p) = gate.large_worsening_percent {
            self.large_worsening = within(origin, "[gate] large-worsening-percent", p, 0.0, 1000.0)? / 100.0;
        }
        self.policy = gate.policy.unwrap_or(self.policy);
        self.max_debt_ratio = percent("max-debt-ratio", gate.max_debt_ratio)?.unwrap_or(self.max_debt_ratio);
        self.fail_on = gate.fail_on.unwrap_or(self.fail_on);
        self.max_duplicated_lines_percent =
            percent("max-duplicated-lines-percent", gate.max_duplicated_lines_percent)?
                .unwrap_or(self.max_duplicated_lines_percent);
        if let Some(p) = percent("min-patch-coverage", gate.min_patch_coverage)? {
            self.coverage.min_patch = p;
            self.coverage.gate_configured = true;
        }
        self.coverage.max_drop =
            percent("max-coverage-drop", gate.max_coverage_drop)?.unwrap_or(self.coverage.max_drop);
        Ok(())
    }

    fn unknown_rule(&self, origin: &str, table: &str, id: &str) -> anyhow::Error {
        let ids: Vec<&str> = self.rules.iter().map(|r| r.id.as_str()).collect();
        anyhow::anyhow!(
            "{origin}: {table}{id}] names no rule; the rules are: {}",
            ids.join(", ")
        )
    }
}

impl ConfigFile {
    /// A project's configuration in directory `dir`: its patterns made relative to the
    /// repository root, after the root's `exclude`. It cannot set what is one for the whole
    /// repository: the projects, and the duplication index.
    fn relative_to(&mut self, dir: &str, root: &Settings, origin: &str) -> Result<()> {
        if !self.projects.is_empty() {
            bail!("{origin}: [[projects]] is read from the root configuration only; declare every project there");
        }
        if self.duplication != DuplicationConfig::default() {
            bail!(
                "{origin}: [duplication] is read from the root configuration only (one index covers the repository); move it there, or set rules.duplicated-block here"
            );
        }
        let own = crate::projects::under(dir, &self.exclude);
        self.exclude = root.exclude_patterns.iter().cloned().chain(own).collect();
        for o in &mut self.overrides {
            o.paths = crate::projects::under(dir, &o.paths);
        }
        if let Some(paths) = &mut self.tests.paths {
            *paths = crate::projects::under(dir, paths);
        }
        Ok(())
    }
}

/// The globs of one setting, an error naming the file and the setting if one is wrong.
fn globs(patterns: &[String], origin: &str, setting: &str) -> Result<globset::GlobSet> {
    crate::classify::globs(
        patterns.iter().map(String::as_str),
        &format!("{origin}: {setting}"),
    )
}

/// `value` when it lies in `low..=high` (NaN does not), else an error naming the setting.
fn within(origin: &str, key: &str, value: f64, low: f64, high: f64) -> Result<f64> {
    if !(low..=high).contains(&value) {
        bail!("{origin}: {key} must be between {low} and {high}, not {value}");
    }
    Ok(value)
}

/// A commented configuration with every setting at its default, for `debtgate init`. Every
/// line that sets something is commented out, so the file changes nothing until edited.
pub fn template(rules: &[Rule]) -> String {
    let mut out = String::from(
        "# debtgate configuration. It is read from the base commit of a change, so a change\n\
         # cannot loosen the gate that judges it. Every setting below is commented out at its\n\
         # default: uncomment what you change. `debtgate explain RULE` tells what a rule measures.\n\n\
         # Paths never judged.\n# exclude = [\"vendor/**\", \"**/generated/**\"]\n\n",
    );
    for r in rules {
        out.push_str(&format!(
            "# {}\n# [rules.{}]\n# threshold = {}\n# severity = \"{}\"          # error | warning | note\n# enabled = true\n\n",
            r.summary,
            r.id,
            r.threshold,
            r.severity.as_str()
        ));
    }
    out.push_str(
        "# Rule settings for some paths only, applied in order.\n\
         # [[overrides]]\n# paths = [\"tests/**\"]\n# rules.cognitive-complexity.threshold = 25\n\n\
         # [gate]\n\
         # fail-on = \"error\"                   # the lowest severity of a finding that fails\n\
         # max-duplicated-lines-percent = 3.0   # duplicated lines in new code\n\
         # min-patch-coverage = 80.0            # with --coverage; setting it makes a report required\n\
         # max-coverage-drop = 1.0              # project coverage, points, with --base-coverage\n\
         # max-debt-minutes = 60                # remediation minutes a change may add (off by default)\n\
         # min-new-lines = 20                   # ratio conditions need this many new lines of code\n\
         # large-worsening-percent = 50         # old excess fails only when worsened by more (% of limit)\n\
         # policy = \"findings\"                  # or \"debt-ratio\" (SonarQube's gate)\n\
         # max-debt-ratio = 5.0                 # with policy = \"debt-ratio\"\n\n\
         # Test code: duplication and file complexity are not judged there, function limits\n\
         # are limit-factor times higher. paths replaces the per-language conventions.\n\
         # [tests]\n# paths = DEFAULT_TEST_PATHS\n# limit-factor = 2.0\n\n\
         # [duplication]\n# min-lines = 6\n# normalize = true                     # false: identical copies only\n# exclude = [\"migrations/**\"]\n\n\
         # [coverage]\n# path-map = [{ from = \"/build/agent/\", to = \"\" }]\n# missing-report = \"error\"            # or \"not-judged\"\n\n\
         # Monorepos: directories judged by their own debtgate.toml, reports and gate.\n\
         # [[projects]]\n# path = \"services/api\"\n# coverage = [\"services/api/coverage.xml\"]\n",
    );
    let defaults: Vec<String> = crate::classify::DEFAULT_TEST_PATHS
        .iter()
        .map(|p| format!("{p:?}"))
        .collect();
    let out = out.replace("DEFAULT_TEST_PATHS", &format!("[{}]", defaults.join(", ")));
    out
}

/// toml's message already names the line and column and shows the line; put it on one
/// readable block.
fn describe_toml_error(e: &toml::de::Error, text: &str) -> String {
    let line = e
        .span()
        .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
    let message = e.message().trim();
    match line {
        Some(l) => format!("line {l}: {message}"),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_apply() {
        let s = Settings::from_toml(
            "[rules.cognitive-complexity]\nthreshold = 20\nseverity = \"warning\"\n[gate]\nfail-on = \"warning\"\n",
            "debtgate.toml",
        )
        .unwrap();
        let rule = rules::find(&s.rules, "cognitive-complexity").unwrap();
        assert_eq!(rule.threshold, 20);
        assert_eq!(rule.severity, Severity::Warning);
        assert_eq!(s.fail_on, Severity::Warning);
    }

    #[test]
    fn unknown_keys_name_the_line_and_the_accepted_keys() {
        let err = Settings::from_toml(
            "[rules.cognitive-complexity]\nthreshhold = 3\n",
            "x/debtgate.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("x/debtgate.toml: line 2"), "{err}");
        assert!(err.contains("threshold"), "{err}");
        let err = Settings::from_toml("[rules.nope]\n", "debtgate.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("cognitive-complexity"), "{err}");
        let err = Settings::from_toml("[gate]\nfail-on = 3\n", "debtgate.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
    }
}

#[cfg(test)]
mod template_tests {
    use super::*;

    /// Every setting `debtgate init` writes, uncommented, is a valid configuration that changes
    /// nothing about the rules' defaults.
    #[test]
    fn the_template_changes_nothing_and_parses_when_uncommented() {
        let rules = rules::default_rules().unwrap();
        let text = template(&rules);
        assert!(text.lines().all(|l| l.is_empty() || l.starts_with('#')));
        let code: String = text
            .lines()
            .filter_map(|l| l.strip_prefix("# "))
            .filter(|l| {
                l.starts_with('[')
                    || l.split_once(" = ").is_some_and(|(k, _)| {
                        k.chars().all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
                    })
            })
            .map(|l| format!("{l}\n"))
            .collect();
        let settings = Settings::from_toml(&code, "template").unwrap_or_else(|e| panic!("{e}\n{code}"));
        for (a, b) in settings.rules.iter().zip(&rules) {
            assert_eq!(
                (a.threshold, a.severity, a.enabled),
                (b.threshold, b.severity, b.enabled)
            );
        }
    }
}
