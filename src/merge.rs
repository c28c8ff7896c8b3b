//! `debtgate merge`: the JSON reports of a change's shards (`check --shard I/N --json F`),
//! combined into the verdict one unsplit run gives: every finding and notice, the summed
//! counts, and the gate conditions computed again from the summed counts (a ratio of sums, not
//! a sum of ratios).

use std::collections::BTreeMap;

use anyhow::{bail, Result};

use crate::coverage::patch::Patch;
use crate::coverage_gate;
use crate::verdict::{Condition, CoverageSummary, DuplicationCounts, Summary, Verdict};
use crate::{judge, projects};

/// One report to merge, and the name its errors call it by.
pub struct Report {
    pub name: String,
    pub verdict: Verdict,
}

/// Reads a report `check --json` wrote; anything else is refused with what to pass instead.
pub fn read(name: &str, text: &str) -> Result<Report> {
    let verdict: Verdict = serde_json::from_str(text).map_err(|e| {
        anyhow::anyhow!(
            "{name}: not a debtgate JSON report ({e}); pass the files that `debtgate check --json FILE` wrote"
        )
    })?;
    Ok(Report {
        name: name.to_string(),
        verdict,
    })
}

/// Combines the shards' reports of one change into one verdict: with `[[projects]]`, each
/// project's parts are merged apart, then gathered as `check` gathers them.
pub fn merge(reports: Vec<Report>) -> Result<Verdict> {
    let Some(first) = reports.first() else {
        bail!("no report to merge");
    };
    for r in &reports {
        same_run(first, r)?;
    }
    complete(&reports)?;
    let verdicts: Vec<Verdict> = reports.into_iter().map(|r| r.verdict).collect();
    let declared = verdicts.iter().any(|v| !v.projects.is_empty());
    // The root's part first, then the projects by path, as `check` lists them.
    let mut groups: BTreeMap<(bool, String), Vec<Verdict>> = BTreeMap::new();
    for v in &verdicts {
        for (project, part) in projects::split(v) {
            groups
                .entry((project != projects::ROOT, project))
                .or_default()
                .push(part);
        }
    }
    let mut header = verdicts[0].clone();
    header.moves = verdicts.iter().flat_map(|v| v.moves.iter().cloned()).collect();
    header.moves.sort();
    header.shard = None;
    let parts = groups
        .into_iter()
        .map(|((_, project), shards)| Ok((project, merge_parts(shards)?)))
        .collect::<Result<Vec<_>>>()?;
    Ok(projects::combine(&header, parts, declared))
}

/// One part's shards merged: their findings, notices and counts, and the conditions computed
/// again from the summed counts.
fn merge_parts(parts: Vec<Verdict>) -> Result<Verdict> {
    let mut verdicts = parts.into_iter();
    let mut out = verdicts.next().expect("one part at least");
    let mut conditions = std::mem::take(&mut out.conditions);
    for v in verdicts {
        add_summary(&mut out.summary, &v.summary);
        out.findings.extend(v.findings);
        out.notices.extend(v.notices);
        out.moves.extend(v.moves);
        conditions.extend(v.conditions);
        out.coverage = merge_coverage(out.coverage.take(), v.coverage);
        out.duplication = merge_duplication(out.duplication, v.duplication);
    }
    out.shard = None;
    out.findings
        .sort_by(|a, b| judge::finding_order(a).cmp(&judge::finding_order(b)));
    out.notices.sort();
    out.notices.dedup();
    out.moves.sort();
    out.moves.dedup();
    out.conditions = merged_conditions(&out, conditions)?;
    out.outcome = judge::outcome(
        out.policy,
        out.fail_on,
        &out.findings,
        &out.conditions,
        &out.notices,
    );
    Ok(out)
}

/// Reports of one release, one change and one configuration, or the merge would mean nothing.
fn same_run(first: &Report, r: &Report) -> Result<()> {
    let (a, b) = (&first.verdict, &r.verdict);
    let ours = env!("CARGO_PKG_VERSION");
    if b.version != ours {
        bail!(
            "{}: written by debtgate {}, and this is debtgate {ours}: merge the reports of the release that merges them",
            r.name,
            b.version
        );
    }
    if (&a.base, &a.head) != (&b.base, &b.head) {
        bail!(
            "{}: judges {}..{}, and {} judges {}..{}: merge the shards of one change",
            r.name,
            short(&b.base),
            short(&b.head),
            first.name,
            short(&a.base),
            short(&a.head)
        );
    }
    let settings = |v: &Verdict| {
        serde_json::to_string(&(&v.rules, v.fail_on, v.policy, v.min_new_lines, &v.config_source)).ok()
    };
    if settings(a) != settings(b) {
        bail!(
            "{}: judged with another configuration than {}: run every shard with the same one",
            r.name,
            first.name
        );
    }
    Ok(())
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// Every shard of the split once: a missing shard would pass its files unjudged.
fn complete(reports: &[Report]) -> Result<()> {
    let mut seen: BTreeMap<u32, &str> = BTreeMap::new();
    let mut count = None;
    for r in reports {
        let Some(shard) = r.verdict.shard else {
            if reports.len() > 1 {
                bail!(
                    "{}: judges the whole change, not a shard: merge only the reports of `check --shard I/N`",
                    r.name
                );
            }
            return Ok(());
        };
        if *count.get_or_insert(shard.count) != shard.count {
            bail!(
                "{}: shard {shard}, of another split than the other reports: merge the shards of one split",
                r.name
            );
        }
        if let Some(other) = seen.insert(shard.index, &r.name) {
            bail!(
                "{}: shard {shard} again (also {other}): merge each shard's report once",
                r.name
            );
        }
    }
    let count = count.unwrap_or(0);
    let missing: Vec<String> = (1..=count)
        .filter(|i| !seen.contains_key(i))
        .map(|i| format!("{i}/{count}"))
        .collect();
    if !missing.is_empty() {
        bail!(
            "shard {} missing: merge every shard's report (a shard left out would pass its files unjudged)",
            missing.join(", ")
        );
    }
    Ok(())
}

pub(crate) fn add_summary(total: &mut Summary, s: &Summary) {
    total.files_changed += s.files_changed;
    total.files_analyzed += s.files_analyzed;
    total.functions_analyzed += s.functions_analyzed;
    total.errors += s.errors;
    total.warnings += s.warnings;
    total.notes += s.notes;
    total.suppressed += s.suppressed;
    total.debt_minutes += s.debt_minutes;
    total.debt_removed_minutes += s.debt_removed_minutes;
    total.debt_net_minutes += s.debt_net_minutes;
    total.new_lines += s.new_lines;
}

/// The patch's lines are summed; the reports read and the project's figures are the same in
/// every shard (each reads the whole report).
pub(crate) fn merge_coverage(
    a: Option<CoverageSummary>,
    b: Option<CoverageSummary>,
) -> Option<CoverageSummary> {
    let (mut a, b) = match (a, b) {
        (Some(a), Some(b)) => (a, b),
        (a, b) => return a.or(b),
    };
    a.patch = Patch {
        executable: a.patch.executable + b.patch.executable,
        covered: a.patch.covered + b.patch.covered,
        branches: (
            a.patch.branches.0 + b.patch.branches.0,
            a.patch.branches.1 + b.patch.branches.1,
        ),
        files: {
            let mut files = a.patch.files;
            files.extend(b.patch.files);
            files.sort_by(|x, y| x.path.cmp(&y.path));
            files
        },
    };
    a.patch_percent = a.patch.percent();
    Some(a)
}

pub(crate) fn merge_duplication(
    a: Option<DuplicationCounts>,
    b: Option<DuplicationCounts>,
) -> Option<DuplicationCounts> {
    match (a, b) {
        (Some(a), Some(b)) => Some(DuplicationCounts {
            added_lines: a.added_lines + b.added_lines,
            duplicated_added_lines: a.duplicated_added_lines + b.duplicated_added_lines,
            files_indexed: a.files_indexed.max(b.files_indexed),
        }),
        (a, b) => a.or(b),
    }
}

/// The order the judge lists the conditions in.
const ORDER: [&str; 5] = [
    judge::DUPLICATED_LINES,
    coverage_gate::PATCH_COVERAGE,
    coverage_gate::PROJECT_COVERAGE_DELTA,
    judge::DEBT_ADDED,
    judge::DEBT_RATIO,
];

/// Each condition once, computed again from the merged counts with the limit the shards held
/// it to; the project's coverage delta, the same in every shard, is kept as the first has it.
fn merged_conditions(v: &Verdict, all: Vec<Condition>) -> Result<Vec<Condition>> {
    let mut by_name: BTreeMap<usize, Condition> = BTreeMap::new();
    for c in all {
        let Some(rank) = ORDER.iter().position(|n| *n == c.name) else {
            bail!("a condition this release cannot merge: {:?}", c.name);
        };
        by_name.entry(rank).or_insert(c);
    }
    let unsuppressed: u32 = v
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .map(|f| f.debt_minutes)
        .sum();
    let s = &v.summary;
    let mut out = Vec::new();
    for (rank, c) in by_name {
        let mut merged = match (ORDER[rank], &v.duplication, &v.coverage) {
            (judge::DUPLICATED_LINES, Some(d), _) => judge::density_condition(c.limit, d),
            (coverage_gate::PATCH_COVERAGE, _, Some(coverage)) => {
                coverage_gate::patch_condition(&coverage.patch, c.limit)
            }
            (judge::DEBT_ADDED, _, _) => {
                judge::debt_added_condition(c.limit, unsuppressed, s.debt_removed_minutes)
            }
            (judge::DEBT_RATIO, _, _) => judge::debt_ratio_condition(c.limit, unsuppressed, s.new_lines),
            _ => c,
        };
        if merged.over_new_lines {
            judge::small_change(&mut merged, s.new_lines, v.min_new_lines);
        }
        out.push(merged);
    }
    Ok(out)
}
