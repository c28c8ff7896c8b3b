//! The parse floor: what `debtgate metrics` would cost if measuring were free. It finds the same
//! files (`.gitignore` rules, the same language detection), reads them and parses each with the
//! same grammar and limits on the same thread pool, then walks nothing. `bench/speed.py` runs it
//! beside `metrics` on the same folders.
//!
//!     cargo run --release --example parse_floor -- DIR...
#![allow(clippy::print_stdout)]

use std::path::PathBuf;

use debtgate::lang::{self, Language, ParseLimits};
use rayon::prelude::*;

fn main() -> anyhow::Result<()> {
    let roots: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    anyhow::ensure!(!roots.is_empty(), "usage: parse_floor DIR...");
    let mut files = Vec::new();
    for root in &roots {
        for entry in ignore::WalkBuilder::new(root).build() {
            let entry = entry?;
            if entry.file_type().is_some_and(|t| t.is_file()) {
                let path = entry.path().to_path_buf();
                if let Some(language) = Language::detect(&path.to_string_lossy(), None) {
                    files.push((path, language));
                }
            }
        }
    }
    files.sort();
    let (parsed, nodes): (usize, usize) = files
        .par_iter()
        .map(|(path, language)| {
            let bytes = std::fs::read(path).unwrap_or_default();
            match lang::parse(*language, bytes, ParseLimits::default()) {
                Ok(file) => (1, file.tree.root_node().descendant_count()),
                Err(_) => (0, 0),
            }
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    println!("{parsed} of {} files parsed, {nodes} nodes", files.len());
    Ok(())
}
