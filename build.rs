//! Embeds every rule file of `rules/` into the binary, so that adding a rule over an existing
//! metric touches only `rules/`.

use std::{env, fs, path::Path};

fn main() {
    // Tests that need Microsoft's SARIF validator run when it is given (`.ci/run` installs it
    // and sets SARIF_MULTITOOL) and show as ignored when it is not.
    println!("cargo::rustc-check-cfg=cfg(sarif_validator)");
    println!("cargo:rerun-if-env-changed=SARIF_MULTITOOL");
    if env::var_os("SARIF_MULTITOOL").is_some_and(|v| !v.is_empty()) {
        println!("cargo:rustc-cfg=sarif_validator");
    }
    let dir = Path::new("rules");
    println!("cargo:rerun-if-changed=rules");
    let mut files: Vec<String> = fs::read_dir(dir)
        .expect("rules/ exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    files.sort();
    let mut out = String::from(
        "/// The default rule pack: (file name, contents).\npub const RULE_FILES: &[(&str, &str)] = &[\n",
    );
    for f in &files {
        println!("cargo:rerun-if-changed=rules/{f}");
        out.push_str(&format!(
            "    ({f:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/rules/{f}\"))),\n"
        ));
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("rule_files.rs");
    fs::write(dest, out).expect("write rule_files.rs");
}
