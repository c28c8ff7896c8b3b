//! The parse floor: what `debtgate metrics` would cost if measuring were free. It finds the same
//! files (`.gitignore` rules, the same language detection), reads them and parses each with the
//! same grammar and limits on the same thread pool, then walks nothing. `bench/speed.py` runs it
//! beside `metrics` on the same folders.
//!
//!     cargo run --release --example parse_floor -- [--walk] DIR...
//!
//! With `--walk`, each tree is also walked once with one cursor, every node visited (named or
//! not): the least any measuring can add to the parse.
#![allow(clippy::print_stdout)]

use std::path::PathBuf;

use debtgate::lang::{self, Language, ParseLimits};
use rayon::prelude::*;

fn main() -> anyhow::Result<()> {
    let mut args: Vec<_> = std::env::args_os().skip(1).collect();
    let walk = args.first().is_some_and(|a| a == "--walk");
    if walk {
        args.remove(0);
    }
    let roots: Vec<PathBuf> = args.into_iter().map(PathBuf::from).collect();
    anyhow::ensure!(!roots.is_empty(), "usage: parse_floor [--walk] DIR...");
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
                Ok(file) if walk => (1, walked(&file.tree)),
                Ok(file) => (1, file.tree.root_node().descendant_count()),
                Err(_) => (0, 0),
            }
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    println!("{parsed} of {} files parsed, {nodes} nodes", files.len());
    Ok(())
}

/// Visits every node of `tree` in pre-order with one cursor; how many there are.
fn walked(tree: &tree_sitter::Tree) -> usize {
    let mut cursor = tree.walk();
    let mut seen = 1;
    loop {
        if cursor.goto_first_child() || cursor.goto_next_sibling() {
            seen += 1;
            continue;
        }
        loop {
            if !cursor.goto_parent() {
                return seen;
            }
            if cursor.goto_next_sibling() {
                seen += 1;
                break;
            }
        }
    }
}
