//! `debtgate check`: the stages in order — resolve the change, measure it, judge it.

use anyhow::Result;

use crate::coverage_gate;
use crate::git::Repo;
use crate::progress::OnProgress;
use crate::projects::{self, Part};
pub use crate::request::{Cache, CheckRequest, ConfigFrom, Environment};
use crate::rules::{self, Metric};
use crate::shard::Shard;
use crate::verdict::Verdict;
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
    let mut parts = Vec::new();
    for part in Part::all(&settings) {
        // A shard judges its own files; the whole change still says what was moved and copied.
        let owns = |path: &str| Shard::judges(request.shard, path) && part.holds(&settings, path);
        let judged = change.only(owns);
        if judged.files.is_empty() && part != Part::Root {
            continue;
        }
        let own = part.settings(&settings);
        let project = match part {
            Part::Project(i) => Some(&settings.projects[i]),
            Part::Root => None,
        };
        let coverage_rule = rules::of_metric(&own.rules, Metric::UncoveredLines).filter(|r| r.enabled);
        let coverage = coverage_gate::evaluate(&repo, &judged, own, request, project, coverage_rule, &moved)?;
        let measurement = judge::Measurement {
            files: &measured,
            identity: &identity,
            moved: &moved,
            duplication: duplication.as_ref(),
            coverage,
            owns: &owns,
        };
        let notices = if part == Part::Root {
            std::mem::take(&mut notices)
        } else {
            Vec::new()
        };
        parts.push((
            part.name(&settings).to_string(),
            judge::judge(&judged, own, measurement, notices),
        ));
    }
    let header = parts[0].1.clone();
    let mut verdict = projects::combine(&header, parts, !settings.projects.is_empty());
    verdict.shard = request.shard;
    verdict.moves.retain(|m| Shard::judges(request.shard, &m.path));
    verdict.links = env.links(&verdict.head);
    Ok(verdict)
}
