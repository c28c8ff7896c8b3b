//! The token cache's segment reader on arbitrary bytes: it is restored from a CI cache, so anyone who
//! can write that cache controls them. It must refuse or accept without crashing, and never
//! allocate more than the input can hold.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = b"DGSEGv1\n".to_vec();
    // Half the inputs start with the magic, so the fuzzer reaches the entries.
    if data.first().is_some_and(|b| b & 1 == 0) {
        bytes.extend_from_slice(&data[1..]);
    } else {
        bytes = data.to_vec();
    }
    let _ = debtgate::clones::parse_token_cache(&bytes);
});
