//! Integration tests: real git repositories in temporary folders, the real binary.

mod check;
mod probes;
mod support;
