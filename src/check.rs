//! `debtgate check`: the stages in order — resolve the change, measure it, judge it.

use std::borrow::Cow;

use anyhow::Result;

use crate::coverage_gate;
use crate::git::Repo;
use crate::progress::OnProgress;
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
    // A shard judges its own files; the whole change still says what was moved and copied.
    let judged = match request.shard {
        Some(shard) => Cow::Owned(change.only(|path| shard.owns(path))),
        None => Cow::Borrowed(&change),
    };
    let coverage_rule = rules::of_metric(&settings.rules, Metric::UncoveredLines).filter(|r| r.enabled);
    let coverage = coverage_gate::evaluate(&repo, &judged, &settings, request, coverage_rule, &moved)?;
    let duplication = measure::find_duplication(&repo, request, &change, &settings, &measured, progress)?;
    let measurement = judge::Measurement {
        files: &measured,
        identity: &identity,
        moved: &moved,
        duplication: duplication.as_ref(),
        coverage,
    };
    let mut verdict = judge::judge(&judged, &settings, measurement, notices);
    verdict.shard = request.shard;
    verdict.moves.retain(|m| Shard::judges(request.shard, &m.path));
    verdict.links = env.links(&verdict.head);
    Ok(verdict)
}
