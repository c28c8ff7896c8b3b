//! Splitting one change over several CI jobs: `check --shard I/N` judges the changed files
//! whose path hashes to shard I, and `debtgate merge` combines the shards' JSON reports into
//! the one verdict an unsplit run gives.

use std::fmt;

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};

/// Shard `index` of `count`, counted from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

/// More shards than this is a typo, not a plan (and would make each shard's run mostly
/// fixed cost).
const MAX_SHARDS: u32 = 256;

impl Shard {
    /// Reads `I/N` (1 ≤ I ≤ N ≤ 256), as a CI matrix writes it.
    pub fn parse(text: &str) -> Result<Shard> {
        let usage =
            || format!("--shard {text:?}: expected I/N, shard I of N counted from 1 (for example 2/4)");
        let Some((index, count)) = text.split_once('/') else {
            bail!("{}", usage());
        };
        let (Ok(index), Ok(count)) = (index.trim().parse::<u32>(), count.trim().parse::<u32>()) else {
            bail!("{}", usage());
        };
        if count == 0 || index == 0 || index > count {
            bail!("{}: I must be between 1 and N", usage());
        }
        if count > MAX_SHARDS {
            bail!("--shard {text:?}: at most {MAX_SHARDS} shards");
        }
        Ok(Shard { index, count })
    }

    /// Whether this shard judges the file at `path`: a fixed hash of the path (the same on
    /// every machine and every release), so each file belongs to exactly one shard and stays
    /// in it from run to run.
    pub fn owns(&self, path: &str) -> bool {
        crate::hashing::fnv1a(path.as_bytes()) % u64::from(self.count) == u64::from(self.index - 1)
    }

    /// Whether `shard` (none: the whole change) judges `path`.
    pub fn judges(shard: Option<Shard>, path: &str) -> bool {
        shard.is_none_or(|s| s.owns(path))
    }

    /// The SARIF run's category (`automationDetails.id`), so that code scanning keeps each
    /// shard's results apart instead of closing one shard's alerts with another's upload.
    pub fn category(&self) -> String {
        format!("debtgate/shard-{}-of-{}/", self.index, self.count)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::Shard;

    #[test]
    fn a_shard_is_read_as_i_of_n_and_anything_else_is_refused_with_the_form() {
        assert_eq!(Shard::parse("2/4").unwrap(), Shard { index: 2, count: 4 });
        assert_eq!(Shard::parse("1/1").unwrap().to_string(), "1/1");
        for bad in ["", "2", "0/4", "5/4", "1/0", "a/b", "-1/4", "1/300"] {
            let e = Shard::parse(bad).unwrap_err().to_string();
            assert!(e.contains("--shard"), "{bad}: {e}");
        }
    }

    #[test]
    fn every_path_belongs_to_exactly_one_shard_and_the_shards_share_the_work() {
        let paths: Vec<String> = (0..1000)
            .map(|i| format!("services/s{}/src/f{i}.py", i % 7))
            .collect();
        let shards: Vec<Shard> = (1..=4).map(|index| Shard { index, count: 4 }).collect();
        let mut sizes = [0; 4];
        for p in &paths {
            let owners: Vec<usize> = (0..4).filter(|&k| shards[k].owns(p)).collect();
            assert_eq!(owners.len(), 1, "{p}");
            sizes[owners[0]] += 1;
        }
        assert!(sizes.iter().all(|&n| n > 200), "{sizes:?}");
        // Fixed: the same path is in the same shard in every release.
        assert!(Shard { index: 3, count: 4 }.owns("src/lib.rs"));
    }
}
