//! Integration tests: real git repositories in temporary folders, the real binary.

mod check;
mod ci;
mod claims;
mod config;
mod coverage;
mod duplication;
mod hostile;
mod judgement;
mod probes;
mod projects;
mod readme;
mod shards;
mod support;
mod trust;
