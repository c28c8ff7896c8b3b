//! `debtgate check`: the stages in order — resolve the change, measure it, judge it.

use std::collections::HashMap;

use anyhow::Result;

use crate::clones::Duplication;
use crate::config::Settings;
use crate::coverage_gate;
use crate::git::{ChangeSet, Repo};
use crate::identity::Identity;
use crate::lines::LineSet;
use crate::progress::OnProgress;
use crate::projects::{self, Part};
pub use crate::request::{Cache, CheckRequest, ConfigFrom, Environment};
use crate::rules::{self, Metric};
use crate::shard::Shard;
use crate::verdict::{Notice, Verdict};
use crate::{change, judge, measure};

/// Judges the change `request` names; long stages report to `progress`.
pub fn run(request: &CheckRequest, env: &Environment, progress: OnProgress<'_>) -> Result<Verdict> {
    let repo = Repo::discover(&request.repo_dir)?;
    let change = change::resolve_change(&repo, request, env)?;
    let mut notices = Vec::new();
    let settings = change::load_settings(&repo, request, &change, &mut notices)?;
    let mut measured = measure::measure_change(
        &repo,
        &change,
        &settings,
        request.limits,
        request.shard,
        &mut notices,
    )?;
    let identity = measure::identify(&measured);
    if request.shard.is_some() {
        measure::count_moved_from(&mut measured, &identity, request.limits);
    }
    let moved = measure::moved_lines(&identity, &measured);
    let duplication = measure::find_duplication(&repo, request, &change, &settings, &measured, progress)?;
    let run = Run {
        repo: &repo,
        request,
        settings: &settings,
        files: &measured,
        identity: &identity,
        moved: &moved,
        duplication: duplication.as_ref(),
    };
    let parts = run.judge_parts(&change, notices)?;
    let header = parts[0].1.clone();
    let mut verdict = projects::combine(&header, parts, !settings.projects.is_empty());
    verdict.shard = request.shard;
    verdict.moves.retain(|m| Shard::judges(request.shard, &m.path));
    verdict.links = env.links(&verdict.head);
    Ok(verdict)
}

/// The change as measured, and what every part of it is judged with.
struct Run<'r> {
    repo: &'r Repo,
    request: &'r CheckRequest,
    settings: &'r Settings,
    files: &'r [measure::MeasuredFile],
    identity: &'r Identity,
    moved: &'r HashMap<String, LineSet>,
    duplication: Option<&'r Duplication>,
}

impl Run<'_> {
    /// Each part of the change judged apart, the root's first (with the change's notices).
    fn judge_parts(&self, change: &ChangeSet, mut notices: Vec<Notice>) -> Result<Vec<(String, Verdict)>> {
        let shard = self.request.shard;
        // Each file's part, found once: a monorepo has many parts and many files.
        let holder: HashMap<&str, Part> = self
            .files
            .iter()
            .map(|m| m.file.path.as_str())
            .chain(change.files.iter().map(|f| f.path.as_str()))
            .map(|path| (path, Part::of(self.settings, path)))
            .collect();
        let mut parts = Vec::new();
        for part in Part::all(self.settings) {
            // A shard judges its own files; the whole change still says what was moved and copied.
            let owns = |path: &str| {
                Shard::judges(shard, path)
                    && holder
                        .get(path)
                        .map_or_else(|| part.holds(self.settings, path), |p| *p == part)
            };
            let judged = change.only(owns);
            if judged.files.is_empty() && part != Part::Root {
                continue;
            }
            let notices = std::mem::take(&mut notices);
            let verdict = self.judge_part(part, &judged, &owns, notices)?;
            parts.push((part.name(self.settings).to_string(), verdict));
        }
        Ok(parts)
    }

    /// One part of the change (`judged`, the files `owns` accepts) judged by its own settings
    /// and coverage reports.
    fn judge_part(
        &self,
        part: Part,
        judged: &ChangeSet,
        owns: &dyn Fn(&str) -> bool,
        notices: Vec<Notice>,
    ) -> Result<Verdict> {
        let own = part.settings(self.settings);
        let project = match part {
            Part::Project(i) => Some(&self.settings.projects[i]),
            Part::Root => None,
        };
        let reports = coverage_gate::Reports::for_part(self.repo, self.request, project);
        let coverage_rule = rules::of_metric(&own.rules, Metric::UncoveredLines).filter(|r| r.enabled);
        let coverage = coverage_gate::evaluate(self.repo, judged, own, &reports, coverage_rule, self.moved)?;
        let measurement = judge::Measurement {
            files: self.files,
            identity: self.identity,
            moved: self.moved,
            duplication: self.duplication,
            coverage,
            owns,
        };
        Ok(judge::judge(judged, own, measurement, notices))
    }
}
