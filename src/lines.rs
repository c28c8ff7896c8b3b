//! Sets of 1-based line numbers, stored as sorted, disjoint, non-adjacent ranges.

use serde::Serialize;

/// An inclusive range of 1-based line numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LineRange {
    pub start: u32,
    pub end: u32,
}

/// A set of lines. Ranges are kept sorted, disjoint and merged when adjacent,
/// so two sets with the same lines compare equal.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct LineSet {
    ranges: Vec<LineRange>,
}

impl LineSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `start..=end`. Ranges may arrive in any order.
    pub fn insert_range(&mut self, start: u32, end: u32) {
        if start > end {
            return;
        }
        // Fast path: git emits hunks in order, so most inserts append.
        if let Some(last) = self.ranges.last_mut() {
            if start > last.end.saturating_add(1) {
                self.ranges.push(LineRange { start, end });
                return;
            }
            if start >= last.start {
                last.end = last.end.max(end);
                return;
            }
        } else {
            self.ranges.push(LineRange { start, end });
            return;
        }
        self.ranges.push(LineRange { start, end });
        self.normalize();
    }

    fn normalize(&mut self) {
        self.ranges.sort_unstable();
        let mut merged: Vec<LineRange> = Vec::with_capacity(self.ranges.len());
        for r in self.ranges.drain(..) {
            match merged.last_mut() {
                Some(last) if r.start <= last.end.saturating_add(1) => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        self.ranges = merged;
    }

    pub fn contains(&self, line: u32) -> bool {
        let idx = self.ranges.partition_point(|r| r.end < line);
        self.ranges.get(idx).is_some_and(|r| r.start <= line)
    }

    /// The first line of the set within `start..=end`, if any.
    pub fn first_in(&self, start: u32, end: u32) -> Option<u32> {
        let idx = self.ranges.partition_point(|r| r.end < start);
        let r = self.ranges.get(idx)?;
        let first = r.start.max(start);
        (first <= end).then_some(first)
    }

    /// How many lines of the set lie within `start..=end`.
    pub fn count_in(&self, start: u32, end: u32) -> u32 {
        let idx = self.ranges.partition_point(|r| r.end < start);
        self.ranges[idx..]
            .iter()
            .take_while(|r| r.start <= end)
            .map(|r| r.end.min(end) - r.start.max(start) + 1)
            .sum()
    }

    pub fn len(&self) -> u64 {
        self.ranges.iter().map(|r| u64::from(r.end - r.start) + 1).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    pub fn ranges(&self) -> &[LineRange] {
        &self.ranges
    }

    /// The lines of this set that `other` holds too.
    pub fn intersection(&self, other: &LineSet) -> LineSet {
        let mut out = LineSet::new();
        let (mut i, mut j) = (0, 0);
        while i < self.ranges.len() && j < other.ranges.len() {
            let (a, b) = (self.ranges[i], other.ranges[j]);
            out.insert_range(a.start.max(b.start), a.end.min(b.end));
            if a.end < b.end {
                i += 1;
            } else {
                j += 1;
            }
        }
        out
    }

    /// The lines of this set that `other` does not hold.
    pub fn difference(&self, other: &LineSet) -> LineSet {
        let mut out = LineSet::new();
        for r in &self.ranges {
            let mut start = r.start;
            let idx = other.ranges.partition_point(|o| o.end < r.start);
            for o in other.ranges[idx..].iter().take_while(|o| o.start <= r.end) {
                if o.start > start {
                    out.insert_range(start, o.start - 1);
                }
                start = o.end.saturating_add(1);
            }
            if start <= r.end && start > 0 {
                out.insert_range(start, r.end);
            }
        }
        out
    }

    /// The first line of the set within `start..=end` that `wanted` also holds.
    pub fn first_in_both(&self, wanted: &LineSet, start: u32, end: u32) -> Option<u32> {
        let idx = self.ranges.partition_point(|r| r.end < start);
        for r in self.ranges[idx..].iter().take_while(|r| r.start <= end) {
            let (s, e) = (r.start.max(start), r.end.min(end));
            if let Some(line) = wanted.first_in(s, e) {
                return Some(line);
            }
        }
        None
    }
}

/// `line 3`, or `lines 3-9`.
pub fn describe_lines(start: u32, end: u32) -> String {
    if start == end {
        format!("line {start}")
    } else {
        format!("lines {start}-{end}")
    }
}

/// `3-9`, or `3`.
pub fn describe_range(start: u32, end: u32) -> String {
    if start == end {
        start.to_string()
    } else {
        format!("{start}-{end}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intersection_difference_and_first_in_both() {
        let a = set(&[(1, 10), (20, 30)]);
        let b = set(&[(5, 22), (29, 40)]);
        assert_eq!(a.intersection(&b), set(&[(5, 10), (20, 22), (29, 30)]));
        assert_eq!(a.difference(&b), set(&[(1, 4), (23, 28)]));
        assert_eq!(b.difference(&a), set(&[(11, 19), (31, 40)]));
        assert_eq!(a.difference(&LineSet::new()), a);
        assert_eq!(a.first_in_both(&b, 1, 40), Some(5));
        assert_eq!(a.first_in_both(&b, 11, 28), Some(20));
        assert_eq!(a.first_in_both(&set(&[(12, 15)]), 1, 40), None);
    }

    fn set(ranges: &[(u32, u32)]) -> LineSet {
        let mut s = LineSet::new();
        for &(a, b) in ranges {
            s.insert_range(a, b);
        }
        s
    }

    #[test]
    fn merges_overlapping_and_adjacent_ranges_in_any_order() {
        let s = set(&[(10, 12), (1, 2), (3, 4), (11, 20), (30, 30)]);
        assert_eq!(
            s.ranges(),
            &[
                LineRange { start: 1, end: 4 },
                LineRange { start: 10, end: 20 },
                LineRange { start: 30, end: 30 }
            ]
        );
        assert_eq!(s.len(), 4 + 11 + 1);
    }

    #[test]
    fn queries() {
        let s = set(&[(5, 7), (10, 10)]);
        assert!(!s.contains(4));
        assert!(s.contains(5) && s.contains(7) && s.contains(10));
        assert!(!s.contains(8));
        assert_eq!(s.first_in(1, 4), None);
        assert_eq!(s.first_in(6, 20), Some(6));
        assert_eq!(s.first_in(8, 20), Some(10));
        assert_eq!(s.count_in(1, 100), 4);
        assert_eq!(s.count_in(6, 10), 3);
        assert_eq!(s.count_in(8, 9), 0);
    }

    #[test]
    fn empty_and_inverted_ranges() {
        let s = set(&[(3, 2)]);
        assert!(s.is_empty());
        assert_eq!(s.first_in(1, 10), None);
    }
}

#[cfg(test)]
mod properties {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::LineSet;

    fn ranges() -> impl Strategy<Value = Vec<(u32, u32)>> {
        proptest::collection::vec((1u32..400, 0u32..30), 0..40)
            .prop_map(|v| v.into_iter().map(|(s, len)| (s, s + len)).collect())
    }

    proptest! {
        /// A LineSet answers exactly as the plain set of its lines does, whatever order and
        /// overlap the ranges came in.
        #[test]
        fn line_set_matches_a_plain_set(input in ranges(), probes in proptest::collection::vec((0u32..450, 0u32..60), 1..20)) {
            let mut set = LineSet::new();
            let mut model = BTreeSet::new();
            for &(s, e) in &input {
                set.insert_range(s, e);
                model.extend(s..=e);
            }
            prop_assert_eq!(set.len(), model.len() as u64);
            prop_assert_eq!(set.is_empty(), model.is_empty());
            for w in set.ranges().windows(2) {
                prop_assert!(w[0].end + 1 < w[1].start, "ranges are disjoint, sorted and merged");
            }
            for &(s, len) in &probes {
                let e = s + len;
                prop_assert_eq!(set.contains(s), model.contains(&s));
                prop_assert_eq!(set.count_in(s, e) as usize, model.range(s..=e).count());
                prop_assert_eq!(set.first_in(s, e), model.range(s..=e).next().copied());
            }
        }

        /// Insertion order does not matter: the same lines give an equal set.
        #[test]
        fn line_sets_are_canonical(input in ranges()) {
            let mut forward = LineSet::new();
            let mut backward = LineSet::new();
            for &(s, e) in &input {
                forward.insert_range(s, e);
            }
            for &(s, e) in input.iter().rev() {
                backward.insert_range(s, e);
            }
            prop_assert_eq!(forward, backward);
        }
    }
}
