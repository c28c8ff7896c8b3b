//! Every coverage reader on arbitrary bytes; the first byte picks the reader, and format
//! detection runs on the rest.
#![no_main]
use debtgate::coverage::{read_bytes, Format};
use libfuzzer_sys::fuzz_target;

const FORMATS: [Format; 7] = [
    Format::Lcov,
    Format::Cobertura,
    Format::Jacoco,
    Format::CoveragepyJson,
    Format::GoCoverprofile,
    Format::LlvmJson,
    Format::Istanbul,
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    if let Ok(report) = read_bytes(rest, FORMATS[usize::from(pick) % FORMATS.len()]) {
        for file in report.files.values() {
            let _ = file.counts();
            let _ = file.lines().count();
        }
    }
});
