//! The diff parser on arbitrary `git diff --raw -z` and `git diff -U0` output.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first NUL-NUL separates the raw part from the patch part.
    let split = data.windows(2).position(|w| w == b"\0\0").unwrap_or(data.len());
    let (raw, patch) = data.split_at(split);
    let _ = debtgate::git::combine_diff(raw, patch.get(2..).unwrap_or(&[]));
});
