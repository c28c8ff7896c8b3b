//! debtgate: a diff-aware quality gate for CI.
//!
//! The pipeline runs one way: [`git`] resolves the change, [`lang`] parses base and head,
//! [`metrics`] measures them, [`check`] holds the measurements against the [`rules`] and
//! [`config`], and [`report`] renders the resulting [`verdict`].

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
pub mod metrics;
pub mod metrics_cmd;
pub mod output;
pub mod progress;
pub mod report;
pub mod request;
pub mod rules;
pub mod suppress;
pub mod verdict;
