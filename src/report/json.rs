//! The verdict as JSON: the stable, machine-readable form of everything debtgate concluded.

use crate::verdict::Verdict;

pub fn render(verdict: &Verdict) -> String {
    let mut out = serde_json::to_string_pretty(verdict).expect("a verdict serialises");
    out.push('\n');
    out
}
