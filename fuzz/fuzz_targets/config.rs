//! The configuration loader on arbitrary text, as debtgate.toml and as pyproject.toml.
#![no_main]
use debtgate::config::Settings;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(settings) = Settings::from_toml(text, "fuzz.toml") {
        let _ = settings.rules_for("src/a.py", false);
        let _ = settings.rules_for("tests/a.py", true);
        let _ = settings.is_excluded("vendor/x.js");
    }
    let _ = Settings::from_pyproject(text, "pyproject.toml");
});
