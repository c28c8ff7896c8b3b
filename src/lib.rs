//! debtgate: a diff-aware quality gate for CI.
//!
//! The pipeline runs one way, one room per stage ([`check::run`] is the sequence): the
//! [`request`] the command line fills, the [`change`] (commits, files, lines, settings, through
//! [`git`]), [`measure`] (parse with [`lang`], measure with [`metrics`], match with
//! [`identity`], find copies with [`clones`]), [`judge`] (the [`rules`] and conditions, into a
//! [`verdict`]), and [`report`] (one writer per format). README "How the code is laid out" has
//! the whole map.

pub mod change;
pub mod check;
pub mod classify;
pub mod cli;
pub mod clones;
pub mod config;
pub mod coverage;
pub mod coverage_gate;
pub mod explain;
pub mod git;
pub mod hashing;
pub mod hook;
pub mod identity;
pub mod judge;
pub mod lang;
pub mod lines;
pub mod measure;
pub mod merge;
pub mod metrics;
pub mod metrics_cmd;
pub mod output;
pub mod progress;
pub mod projects;
pub mod report;
pub mod request;
pub mod rules;
pub mod shard;
pub mod suppress;
pub mod verdict;
