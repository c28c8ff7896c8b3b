//! Findings a reviewer agrees with: each kind of finding a reviewer dismisses on real merged
//! changes, built here from a few lines, and what debtgate must do instead.

use crate::support::{code, nested_js, nested_python, python_function as function, stderr, stdout, Repo};

use crate::support::{check_json as check, findings_of as findings, repo_with as base_with};

#[test]
fn an_edit_inside_an_old_copy_is_not_a_new_copy() {
    let (repo, base) = base_with(&[
        ("app/a.py", function("billing")),
        ("app/b.py", function("billing")),
    ]);
    // One line changed inside one of the two old copies (a renamed name, a changed string).
    let edited = function("billing")
        .replace("\"refunded\"", "\"returned\"")
        .replace("rate = ", "factor = ");
    repo.write("app/b.py", edited.replace("* rate", "* factor"));
    repo.commit("edit an old copy");
    let (exit, report) = check(&repo, &base, &[]);
    assert!(findings(&report, "duplicated-block").is_empty(), "{report:#}");
    assert_eq!(exit, 0, "{report:#}");
}

#[test]
fn a_function_moved_to_another_file_is_a_move_not_a_copy_nor_new() {
    let complex = nested_python("tangled", 6); // cognitive 21: over the limit at base already
    let (repo, base) = base_with(&[("app/a.py", format!("{}\n\n{complex}", function("billing")))]);
    repo.write("app/a.py", "X = 1\n");
    repo.write("app/b.py", format!("{}\n\n{complex}", function("billing")));
    repo.commit("split the module");
    let (exit, report) = check(&repo, &base, &[]);
    assert!(findings(&report, "duplicated-block").is_empty(), "{report:#}");
    assert!(findings(&report, "cognitive-complexity").is_empty(), "{report:#}");
    assert_eq!(exit, 0, "{report:#}");
    let moves = report["moves"].as_array().unwrap();
    assert_eq!(moves.len(), 2, "{report:#}");
    assert!(moves
        .iter()
        .any(|m| m["from_path"] == "app/a.py" && m["path"] == "app/b.py" && m["function"] == "tangled"));
    let out = repo.debtgate(&["check", "--base", &base]);
    assert!(
        stdout(&out).contains("moved: app/a.py:tangled -> app/b.py:tangled"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_renamed_function_keeps_its_base_numbers() {
    let (repo, base) = base_with(&[("app/a.py", nested_python("tangled", 6))]);
    repo.write("app/a.py", nested_python("untangle_me_later", 6));
    repo.commit("rename");
    let (exit, report) = check(&repo, &base, &[]);
    assert!(report["findings"].as_array().unwrap().is_empty(), "{report:#}");
    assert_eq!(exit, 0);
    assert_eq!(report["moves"][0]["from_function"], "tangled");
}

#[test]
fn import_blocks_are_not_copies() {
    let imports: String = (0..30)
        .map(|i| format!("import org.example.pkg{i}.Thing{i};\n"))
        .collect();
    let (repo, base) = base_with(&[(
        "src/main/java/a/A.java",
        format!("package a;\n{imports}class A {{}}\n"),
    )]);
    repo.write(
        "src/main/java/a/B.java",
        format!("package a;\n{imports}class B {{}}\n"),
    );
    let py: String = (0..20)
        .map(|i| format!("from pkg.module{i} import name{i}, other{i}\n"))
        .collect();
    repo.write("app/x.py", format!("{py}X = 1\n"));
    repo.write("app/y.py", format!("{py}Y = 2\n"));
    repo.commit("two files with the same imports");
    let (_, report) = check(&repo, &base, &[]);
    assert!(findings(&report, "duplicated-block").is_empty(), "{report:#}");
}

#[test]
fn data_tables_and_chains_of_one_line_statements_are_not_copies() {
    let rows: String = (0..15)
        .map(|i| format!("    (\"case-{i}\", {i}, \"expected-{i}\"),\n"))
        .collect();
    let chain: String = (0..12)
        .map(|i| format!("    if o.f{i} is not None:\n        bits.append(o.f{i})\n"))
        .collect();
    let (repo, base) = base_with(&[(
        "app/a.py",
        format!("ROWS = [\n{rows}]\n\ndef bits_of(o, bits):\n{chain}"),
    )]);
    let rows2 = rows.replace("case-", "other-");
    let chain2 = chain.replace("o.f", "p.g");
    repo.write(
        "app/b.py",
        format!("MORE = [\n{rows2}]\n\ndef more_bits(p, bits):\n{chain2}"),
    );
    repo.commit("another table and chain");
    let (_, report) = check(&repo, &base, &[]);
    assert!(findings(&report, "duplicated-block").is_empty(), "{report:#}");
}

#[test]
fn an_exact_copy_right_after_its_original_is_found() {
    let (repo, base) = base_with(&[("app/a.py", format!("X = 1\n\n\n{}", function("billing")))]);
    repo.write(
        "app/a.py",
        format!("X = 1\n\n\n{}\n\n{}", function("billing"), function("billing")),
    );
    repo.commit("paste it again below");
    let (_, report) = check(&repo, &base, &[]);
    let found = findings(&report, "duplicated-block");
    assert_eq!(found.len(), 1, "{report:#}");
    // git may call either copy the added one; the finding names the other.
    let spans = [
        (
            found[0]["function_line"].as_u64(),
            found[0]["function_end_line"].as_u64(),
        ),
        (
            found[0]["related"][0]["start_line"].as_u64(),
            found[0]["related"][0]["end_line"].as_u64(),
        ),
    ];
    assert!(
        spans.contains(&(Some(4), Some(15))) && spans.contains(&(Some(18), Some(29))),
        "{report:#}"
    );
}

#[test]
fn a_hundred_copies_of_one_block_fail() {
    let (repo, base) = base_with(&[("app/a.py", function("billing"))]);
    let copies: String = (0..100)
        .map(|i| format!("{}\n\n", function(&format!("copy{i}"))))
        .collect();
    repo.write("app/flood.py", copies);
    repo.commit("flood");
    let (exit, report) = check(&repo, &base, &[]);
    assert_eq!(exit, 1, "{}", report["conditions"]);
    assert_eq!(report["conditions"][0]["passed"], false);
    assert!(
        report["conditions"][0]["value"].as_f64().unwrap() > 90.0,
        "{}",
        report["conditions"]
    );
    assert!(!findings(&report, "duplicated-block").is_empty());
}

#[test]
fn a_run_that_joins_the_tail_of_one_function_to_the_head_of_the_next_is_no_copy() {
    let tail = "    for x in items:\n        if x.ok and x.size > 10:\n            total += x.size * rate\n    return total\n";
    let head = "    total = 0\n    rate = lookup(kind, 1.5)\n    items = load(kind)\n";
    let pair = |a: &str, b: &str| format!("def {a}(kind):\n{head}{tail}\n\ndef {b}(kind):\n{head}{tail}");
    let (repo, base) = base_with(&[("app/a.py", pair("one", "two"))]);
    // New functions whose bodies differ, but each ends and the next begins like those above.
    let mixed = format!(
        "def three(kind):\n    print(kind)\n    log(kind, 'three')\n{tail}\n\ndef four(kind):\n{head}    return [kind] * 3\n"
    );
    repo.write("app/b.py", mixed);
    repo.commit("neighbours");
    let (_, report) = check(&repo, &base, &[]);
    assert!(findings(&report, "duplicated-block").is_empty(), "{report:#}");
}

#[test]
fn copies_and_long_files_in_test_code_are_not_judged_and_complexity_limits_are_relaxed() {
    let (repo, base) = base_with(&[("tests/test_a.py", function("billing"))]);
    repo.write(
        "tests/test_b.py",
        format!("{}\n\n{}", function("billing"), nested_python("test_deep", 4)),
    );
    // cognitive 21: over the source limit of 15, under twice it.
    repo.write("pkg/b_test.go", "package pkg\n");
    repo.write("test/deep.py", nested_python("test_deeper", 6));
    repo.commit("tests");
    let (exit, report) = check(&repo, &base, &[]);
    assert!(report["findings"].as_array().unwrap().is_empty(), "{report:#}");
    assert_eq!(exit, 0);
    // [tests] paths replaces the conventions: now tests/ is source code.
    repo.write("debtgate.toml", "[tests]\npaths = [\"spec/**\"]\n");
    let base2 = repo.commit("config");
    repo.write("test/deep2.py", nested_python("test_deepest", 6));
    repo.commit("more");
    let (exit, report) = check(&repo, &base2, &[]);
    assert_eq!(findings(&report, "cognitive-complexity").len(), 1, "{report:#}");
    assert_eq!(exit, 1);
}

#[test]
fn callbacks_in_tests_are_named_from_their_call() {
    let (repo, base) = base_with(&[("src/x.js", "export const x = 1;\n".to_string())]);
    let body = nested_js("inner", 6)
        .replace("function inner(a) {\n", "")
        .replace("\n}\n", "\n");
    repo.write(
        "spec/send.js",
        format!("describe(\"res.send\", () => {{\n  it(\"should set ETag\", (a) => {{\n{body}  }});\n}});\n"),
    );
    repo.commit("a test");
    let out = repo.debtgate(&["metrics", "spec/send.js"]);
    let text = stdout(&out);
    assert!(
        text.contains(r#""qualified_name":"describe(\"res.send\").it(\"should set ETag\")""#),
        "{text}"
    );
    assert!(!text.contains("<anonymous>"), "{text}");
    // A name passes through parentheses and type assertions to the function they wrap.
    repo.write("src/got.ts", "const got = ((url: string) => { return url; }) as Got;\nconst y = (new Promise((resolve) => resolve(1)))!;\n");
    repo.commit("wrapped");
    let text = stdout(&repo.debtgate(&["metrics", "src/got.ts"]));
    assert!(text.contains(r#""qualified_name":"got""#), "{text}");
    assert!(text.contains(r#""qualified_name":"Promise()""#), "{text}");
    let _ = base;
}

#[test]
fn overload_stubs_are_declarations_not_functions() {
    let repo = Repo::new();
    let stub = "@overload\ndef parse(x: int) -> int: ...\n@typing.overload\ndef parse(x: str) -> str: ...\n";
    repo.write(
        "a.py",
        format!("import typing\nfrom typing import overload\n{stub}def parse(x):\n    return x\n"),
    );
    repo.write(
        "b.ts",
        "function f(a: string): string;\nfunction f(a: number): number;\nfunction f(a: any) { return a; }\n",
    );
    repo.commit("base");
    let out = repo.debtgate(&["metrics", "a.py", "b.ts"]);
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(!text.contains("#2"), "{text}");
}

#[test]
fn a_finding_sits_on_the_first_added_line_of_code() {
    let (repo, base) = base_with(&[("app/a.py", "X = 1\n".to_string())]);
    let deep = nested_python("deep", 6).replace(
        "def deep(a):\n",
        "def deep(a):\n    \"\"\"Docstring.\"\"\"\n    # a comment\n\n",
    );
    repo.write("app/a.py", format!("X = 1\n# a new comment\n\n{deep}"));
    repo.commit("deep");
    let (_, report) = check(&repo, &base, &[]);
    let found = findings(&report, "cognitive-complexity");
    // Line 4 is the `def`: the comment above it and the docstring below are not code.
    assert_eq!(found[0]["line"], 4, "{report:#}");
    assert_eq!(found[0]["function_line"], 4);
}

#[test]
fn overrides_reach_every_rule() {
    let (repo, base) = base_with(&[
        ("lib/a.py", function("billing")),
        (
            "debtgate.toml",
            "[[overrides]]\npaths = [\"lib/**\"]\nrules.duplicated-block.enabled = false\n".to_string(),
        ),
    ]);
    repo.write(
        "lib/b.py",
        format!("{}\n\n{}", function("billing"), function("billing")),
    );
    repo.commit("copies in lib");
    let (exit, report) = check(&repo, &base, &[]);
    assert!(findings(&report, "duplicated-block").is_empty(), "{report:#}");
    assert_eq!(exit, 0);
    // And an override can turn duplication back on for test code.
    let (repo, base) = base_with(&[
        ("tests/a.py", function("billing")),
        (
            "debtgate.toml",
            "[[overrides]]\npaths = [\"tests/**\"]\nrules.duplicated-block.enabled = true\n".to_string(),
        ),
    ]);
    repo.write("tests/b.py", function("billing"));
    repo.commit("a copy in tests");
    let (_, report) = check(&repo, &base, &[]);
    assert_eq!(findings(&report, "duplicated-block").len(), 1, "{report:#}");
}

#[test]
fn generated_code_is_decided_at_base_and_listed() {
    let (repo, base) = base_with(&[("app/a.py", "X = 1\n".to_string())]);
    // The change marks its own new code as generated, in .gitattributes and in a comment.
    repo.write(".gitattributes", "app/*.py linguist-generated\n");
    repo.write(
        "app/a.py",
        format!("# @generated\nX = 1\n{}", nested_python("deep", 6)),
    );
    repo.commit("exempt myself");
    let (exit, report) = check(&repo, &base, &[]);
    assert_eq!(findings(&report, "cognitive-complexity").len(), 1, "{report:#}");
    assert_eq!(exit, 1);
    // Marked at base: left out, and said so.
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.write(
        "app/a.py",
        format!("# @generated\nX = 1\n{}", nested_python("deeper", 7)),
    );
    repo.write("app/c.py", nested_python("more", 6));
    repo.commit("edit generated code");
    let (_, report) = check(&repo, &head, &[]);
    assert!(findings(&report, "cognitive-complexity").is_empty(), "{report:#}");
    let notices: Vec<String> = report["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| format!("{} {}", n["path"], n["message"]))
        .collect();
    assert!(
        notices
            .iter()
            .any(|n| n.contains("app/a.py") && n.contains("generated code")),
        "{notices:?}"
    );
    assert!(
        notices
            .iter()
            .any(|n| n.contains("app/c.py") && n.contains(".gitattributes")),
        "{notices:?}"
    );
    // A comment that merely mentions generated ids is no marker.
    let (repo, base) = base_with(&[("app/ids.py", "# handles auto-generated ids\nX = 1\n".to_string())]);
    repo.write(
        "app/ids.py",
        format!(
            "# handles auto-generated ids\nX = 1\n{}",
            nested_python("deep", 6)
        ),
    );
    repo.commit("deep");
    let (_, report) = check(&repo, &base, &[]);
    assert_eq!(findings(&report, "cognitive-complexity").len(), 1, "{report:#}");
}

#[test]
fn a_worsened_file_is_charged_for_the_worsening_only() {
    let big: String = (0..30).map(|i| nested_python(&format!("f{i}"), 6)).collect();
    let (repo, base) = base_with(&[("app/big.py", big.clone())]);
    repo.write("app/big.py", format!("{big}{}", nested_python("one_more", 1)));
    repo.commit("one more");
    let (exit, report) = check(&repo, &base, &[]);
    let file = findings(&report, "file-complexity");
    assert_eq!(file.len(), 1, "{report:#}");
    assert_eq!(file[0]["severity"], "note");
    assert_eq!(file[0]["base_value"], 210);
    assert!(file[0]["debt_minutes"].as_u64().unwrap() < 5, "{report:#}");
    assert_eq!(exit, 0);
}

#[test]
fn overload_stubs_repeating_the_real_signature_are_not_copies() {
    let params = "    text: str,\n    default: str | None = None,\n    hide_input: bool = False,\n    confirmation: bool | str = False,\n    suffix: str = \": \",\n    show_default: bool | str = True,\n    err: bool = False,\n";
    let real = format!("def prompt(\n{params}) -> str:\n    return text\n");
    let (repo, base) = base_with(&[("app/ui.py", format!("import typing as t\n\n\n{real}"))]);
    let stubs = format!("@t.overload\ndef prompt(\n{params}) -> int: ...\n\n\n@t.overload\ndef prompt(\n{params}) -> str: ...\n\n\n");
    repo.write("app/ui.py", format!("import typing as t\n\n\n{stubs}{real}"));
    repo.commit("typed overloads");
    let (exit, report) = check(&repo, &base, &[]);
    assert!(findings(&report, "duplicated-block").is_empty(), "{report:#}");
    assert_eq!(exit, 0);
}

#[test]
fn a_small_unknown_statement_outside_functions_warns_and_one_inside_a_function_blocks() {
    let (repo, base) = base_with(&[("src/index.ts", "export const a = 1;\n".to_string())]);
    // TypeScript 5's `export type *`, which the pinned grammar does not know.
    repo.write(
        "src/index.ts",
        "export const a = 1;\nexport type * from './types.js';\n",
    );
    repo.commit("re-export types");
    let out = repo.debtgate(&["check", "--base", &base]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("nothing measured depends on it"),
        "{}",
        stdout(&out)
    );
    // The same inside a function: its numbers cannot be trusted, so the change is not judged.
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.write("src/index.ts", "export const a = 1;\nexport type * from './types.js';\nfunction f(x) {\n  if (x) { export type * from './t'; }\n}\n");
    repo.commit("inside");
    let out = repo.debtgate(&["check", "--base", &head]);
    assert_eq!(code(&out), 2, "{}{}", stdout(&out), stderr(&out));
}

/// A table of records in each language: `rows` records of five fields, seven lines each, in
/// the collection literal the language writes tables with.
fn record_table(language: &str, rows: std::ops::Range<usize>) -> (String, String) {
    let row = |i: usize| {
        match language {
        "rs" => format!("    Spec {{\n        name: \"a{i}\",\n        exts: &[\"x{i}\", \"y{i}\"],\n        level: {i},\n        grammar: || grammar_{i}::LANGUAGE.into(),\n        on: true,\n    }},\n"),
        "py" => format!("    {{\n        \"name\": \"a{i}\",\n        \"exts\": [\"x{i}\", \"y{i}\"],\n        \"level\": {i},\n        \"grammar\": lambda: grammar_{i}.language(),\n        \"on\": True,\n    }},\n"),
        "js" => format!("  {{\n    name: \"a{i}\",\n    exts: [\"x{i}\", \"y{i}\"],\n    level: {i},\n    grammar: () => grammar{i}.language(),\n    on: true,\n  }},\n"),
        "go" => format!("\t{{\n\t\tName: \"a{i}\",\n\t\tExts: []string{{\"x{i}\", \"y{i}\"}},\n\t\tLevel: {i},\n\t\tGrammar: func() Lang {{ return grammar{i}.Language() }},\n\t\tOn: true,\n\t}},\n"),
        _ => format!("        new Spec(\n            \"a{i}\",\n            new String[] {{\"x{i}\", \"y{i}\"}},\n            {i},\n            () -> Grammar{i}.language(),\n            true,\n            null),\n"),
    }
    };
    let body: String = rows.map(row).collect();
    let text = match language {
        "rs" => format!("pub struct Spec {{ name: &'static str, exts: &'static [&'static str], level: u32, grammar: fn() -> Lang, on: bool }}\n\npub const SPECS: &[Spec] = &[\n{body}];\n"),
        "py" => format!("SPECS = [\n{body}]\n"),
        "js" => format!("export const SPECS = [\n{body}];\n"),
        "go" => format!("package specs\n\ntype Spec struct {{\n\tName string\n\tExts []string\n\tLevel int\n\tGrammar func() Lang\n\tOn bool\n}}\n\nvar Specs = []Spec{{\n{body}}}\n"),
        _ => format!("class Specs {{\n    static final Spec[] SPECS = {{\n{body}    }};\n}}\n"),
    };
    (format!("src/specs.{language}"), text)
}

#[test]
fn rows_added_to_a_table_of_records_are_data_not_copies() {
    for language in ["rs", "py", "js", "go", "java"] {
        let (path, base_text) = record_table(language, 0..3);
        let (repo, base) = base_with(&[(path.as_str(), base_text)]);
        // Four rows added to the table: each row has the shape of the rows beside it.
        let (_, head_text) = record_table(language, 0..7);
        repo.write(&path, head_text);
        repo.commit("four more rows");
        let (_, report) = check(&repo, &base, &[]);
        assert!(
            findings(&report, "duplicated-block").is_empty(),
            "{language}: {report:#}"
        );
    }
}

/// A Python function whose every line reads `item.value`, or calls `item.value()` (as after a
/// property became a method).
fn valued(name: &str, called: bool) -> String {
    let body = r#"def NAME(item, limit, log):
    total = item.value * 2
    if item.value > limit and total < 3 * item.value:
        log.warning("over %s", item.value)
    for part in item.value.parts:
        total += part * item.value
    while total > item.value:
        total -= limit + item.value
    result = {"total": total, "value": item.value}
    return result if item.value else None
"#;
    let body = body.replace("NAME", name);
    match called {
        true => body.replace("item.value", "item.value()"),
        false => body,
    }
}

#[test]
fn a_mechanical_edit_through_an_old_copy_is_not_a_new_copy() {
    let (repo, base) = base_with(&[(
        "app/a.py",
        format!("{}\n\n{}", valued("first", false), valued("second", false)),
    )]);
    // Every line of both old copies rewritten: their new tokens are nowhere at base.
    repo.write(
        "app/a.py",
        format!("{}\n\n{}", valued("first", true), valued("second", true)),
    );
    repo.commit("item.value is a method now");
    let (_, report) = check(&repo, &base, &[]);
    assert!(findings(&report, "duplicated-block").is_empty(), "{report:#}");
}

#[test]
fn a_copy_written_over_other_lines_is_still_a_copy() {
    let other = r#"def second(item, limit, log):
    log.info("checking %s against %s", item, limit)
    names = [n.strip() for n in item.names if n]
    with open(item.path) as handle:
        data = handle.read()
    return names, data
"#;
    let (repo, base) = base_with(&[("app/a.py", format!("{}\n\n{other}", valued("first", false)))]);
    // The lines of `second` replaced by a copy of `first`, both as the method call reads.
    repo.write(
        "app/a.py",
        format!("{}\n\n{}", valued("first", true), valued("second", true)),
    );
    repo.commit("second does what first does");
    let (_, report) = check(&repo, &base, &[]);
    assert_eq!(findings(&report, "duplicated-block").len(), 1, "{report:#}");
}
