//! The metric walkers, the tokenizer and the suppression scanner on arbitrary bytes; the
//! first byte picks the language.
#![no_main]
use debtgate::lang::{self, ParseLimits, LANGUAGES};
use debtgate::metrics::{complexity, duplication};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let language = LANGUAGES[usize::from(pick) % LANGUAGES.len()].language;
    let _ = debtgate::suppress::scan(rest);
    if let Ok(parsed) = lang::parse(language, rest.to_vec(), ParseLimits::default()) {
        for f in complexity::measure(&parsed) {
            assert!(f.start_line <= f.end_line, "{f:?}");
        }
        let tokens = duplication::tokenize(&parsed, true);
        assert_eq!(tokens.hashes.len(), tokens.lines.len());
    }
});
