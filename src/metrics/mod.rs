//! Measurements of source code.

pub mod complexity;
