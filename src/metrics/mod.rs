//! Measurements of source code.

pub mod complexity;
pub mod duplication;
