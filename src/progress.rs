//! What a long-running stage says while it runs. The library reports; the command line decides
//! whether and how to show it (a line on an interactive terminal, nothing in CI logs).

/// One report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Files tokenised for the duplication index so far, of `total` not in the cache.
    Indexing { done: usize, total: usize },
    /// The index is complete.
    Indexed,
}

/// Where reports go; called from worker threads.
pub type OnProgress<'a> = &'a (dyn Fn(Progress) + Sync);

/// Discards every report.
pub fn quiet(_: Progress) {}
