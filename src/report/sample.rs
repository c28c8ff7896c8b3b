//! One verdict that holds something of every kind — a finding of every rule, a suppressed one,
//! an old excess reported as a note, conditions in every unit (one not applied), notices,
//! moves, coverage, and untrusted text that must stay inert — rendered by every writer and
//! snapshotted, so that a new field shows up in all seven at once.

use crate::config::Settings;
use crate::coverage::patch::{FilePatch, Patch};
use crate::rules::{self, Metric, Rule, Severity};
use crate::verdict::{
    Condition, CoverageSummary, Finding, Move, Notice, Outcome, Related, Subject, Summary, Unit, Verdict,
};

fn rule(rules: &[Rule], metric: Metric) -> &Rule {
    rules::of_metric(rules, metric).expect("the pack has a rule for every metric")
}

fn function<'a>(name: &'a str, start: u32, end: u32) -> Subject<'a> {
    Subject::Function {
        qualified_name: name,
        start_line: start,
        start_column: 5,
        end_line: end,
    }
}

fn region(start_line: u32, end_line: u32, key: &str) -> Subject<'_> {
    Subject::Region {
        start_line,
        end_line,
        key,
    }
}

fn findings(rules: &[Rule]) -> Vec<Finding> {
    let parse = "src/parser.rs";
    let cognitive = Finding::new(
        rule(rules, Metric::Cognitive),
        parse,
        function("Parser::parse", 10, 60),
        18,
        Some(12),
    )
    .at(22)
    .with_message("`Parser::parse` has cognitive complexity 18 (was 12), over the limit of 15.".into())
    .with_related(vec![
        Related {
            path: parse.into(),
            start_line: 10,
            end_line: 60,
            start_column: None,
            message: "`Parser::parse` spans lines 10-60".into(),
            source_line: None,
        },
        Related {
            path: parse.into(),
            start_line: 22,
            end_line: 22,
            start_column: Some(13),
            message: "+3 if (incl. 2 for nesting)".into(),
            source_line: Some("            if depth > limit && !self.lenient {".into()),
        },
    ]);
    let cyclomatic = Finding::new(
        rule(rules, Metric::Cyclomatic),
        parse,
        function("Parser::parse", 10, 60),
        12,
        None,
    )
    .with_message(
        "`Parser::parse` has cyclomatic complexity 12 (new function), over the limit of 10.".into(),
    );
    let hostile = "app/we ird\u{1b}[31m.py";
    let length = Finding::new(rule(rules, Metric::Lines), hostile, function("render<T>|`x`", 3, 180), 178, Some(170))
        .at(40)
        .with_severity(Severity::Note)
        .with_message("`render<T>|`x`` has length (lines) 178 (was 170), over the limit of 100. It was already over the limit at base.".into());
    let nesting = Finding::new(
        rule(rules, Metric::MaxNesting),
        parse,
        function("Parser::block", 70, 90),
        5,
        None,
    )
    .with_message("`Parser::block` has nesting depth 5 (new function), over the limit of 4.".into());
    let mut params = Finding::new(
        rule(rules, Metric::Params),
        parse,
        function("Parser::new", 100, 104),
        8,
        None,
    )
    .with_message("`Parser::new` has parameter count 8 (new function), over the limit of 6.".into());
    params.suppressed = Some("the builder replaces it next release".into());
    let file = Finding::new(
        rule(rules, Metric::FileCyclomatic),
        parse,
        Subject::File { end_line: 400 },
        230,
        Some(190),
    )
    .at(22)
    .with_message(
        "the file's functions add up to cyclomatic complexity 230 (was 190), over the limit of 200.".into(),
    );
    let copied = region(120, 131, "00c0ffee00c0ffee");
    let duplicate = Finding::new(rule(rules, Metric::DuplicatedTokens), parse, copied, 64, None)
        .at(121)
        .with_message("lines 120-131 (12 lines, 64 tokens) duplicate src/lexer.rs:40-51.".into())
        .with_related(vec![Related {
            path: "src/lexer.rs".into(),
            start_line: 40,
            end_line: 51,
            start_column: None,
            message: "the code copied: src/lexer.rs:40-51".into(),
            source_line: None,
        }]);
    let suppression = region(140, 140, "140");
    let invalid = Finding::new(rule(rules, Metric::Suppressions), parse, suppression, 1, None)
        .with_message("this suppression gives no reason, so it suppresses nothing.".into());
    let uncovered = region(150, 152, "150");
    let untested = Finding::new(rule(rules, Metric::UncoveredLines), parse, uncovered, 3, None)
        .with_message("added lines 150-152 are not covered: no test ran them.".into());
    vec![
        cognitive, cyclomatic, nesting, file, duplicate, invalid, untested, params, length,
    ]
}

fn conditions() -> Vec<Condition> {
    let condition = |name: &str, value, limit, unit, passed, judged, detail: &str| Condition {
        project: None,
        over_new_lines: name == "patch coverage" || name == "duplicated lines in new code",
        name: name.into(),
        value,
        limit,
        unit,
        passed,
        judged,
        detail: detail.into(),
    };
    vec![
        condition(
            "duplicated lines in new code",
            9.38,
            3.0,
            Unit::Percent,
            false,
            true,
            "12 of 128 added line(s) in copies; 40 file(s) indexed",
        ),
        condition(
            "patch coverage",
            85.0,
            80.0,
            Unit::Percent,
            true,
            true,
            "17 of 20 added executable line(s) covered",
        ),
        Condition {
            project: Some("services/<api>_v2".into()),
            ..condition(
                "patch coverage",
                62.5,
                80.0,
                Unit::Percent,
                false,
                true,
                "5 of 8 added executable line(s) covered",
            )
        },
        condition(
            "project coverage drop",
            0.0,
            1.0,
            Unit::Points,
            true,
            false,
            "no --base-coverage report",
        ),
        condition(
            "debt added",
            51.0,
            60.0,
            Unit::Minutes,
            true,
            true,
            "51 min added, 5 min removed",
        ),
    ]
}

fn coverage() -> CoverageSummary {
    let file = FilePatch {
        path: "src/parser.rs".into(),
        executable: 20,
        covered: 17,
        not_executable: 4,
        uncovered: vec![(150, 152)],
        branches: (3, 4),
        unmeasured_module: false,
    };
    CoverageSummary {
        reports: vec!["lcov.info".into()],
        report_files: 12,
        mapped_files: 12,
        patch: Patch {
            files: vec![file],
            executable: 20,
            covered: 17,
            branches: (3, 4),
        },
        patch_percent: Some(85.0),
        project_percent: Some(81.25),
        base_project_percent: None,
        delta_points: None,
    }
}

/// The shared sample.
pub(crate) fn verdict() -> Verdict {
    let rules = Settings::defaults().expect("the built-in rules load").rules;
    let findings = findings(&rules);
    let counted = |s: Severity| {
        findings
            .iter()
            .filter(|f| f.severity == s && f.suppressed.is_none())
            .count()
    };
    let summary = Summary {
        files_changed: 4,
        files_analyzed: 3,
        functions_analyzed: 27,
        errors: counted(Severity::Error),
        warnings: counted(Severity::Warning),
        notes: counted(Severity::Note),
        suppressed: 1,
        debt_minutes: findings.iter().map(|f| f.debt_minutes).sum(),
        debt_removed_minutes: 5,
        debt_net_minutes: i64::from(findings.iter().map(|f| f.debt_minutes).sum::<u32>()) - 5,
        new_lines: 128,
    };
    let head = "2222222222222222222222222222222222222222";
    Verdict {
        links: crate::verdict::Links::new(
            Some("https://github.com"),
            Some("acme/parser"),
            head,
            Some("https://github.com/acme/debtgate/blob/v0.1.0/docs/rules"),
        ),
        outcome: Outcome::Failed,
        base: "1111111111111111111111111111111111111111".into(),
        base_spec: "origin/main".into(),
        base_source: "origin/HEAD".into(),
        head: head.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        config_source: Some("debtgate.toml at base".into()),
        fail_on: Severity::Error,
        policy: crate::config::Policy::Findings,
        min_new_lines: 20,
        shard: None,
        summary,
        findings,
        notices: vec![
            Notice {
                path: Some("assets/logo.png".into()),
                level: Severity::Note,
                message: "binary content: skipped".into(),
                blocking: false,
            },
            Notice {
                path: Some("src/schema_pb.js".into()),
                level: Severity::Note,
                message: "not judged: generated code (a marker in its leading comment)".into(),
                blocking: false,
            },
        ],
        conditions: conditions(),
        coverage: Some(coverage()),
        duplication: Some(crate::verdict::DuplicationCounts {
            added_lines: 128,
            duplicated_added_lines: 12,
            files_indexed: 40,
        }),
        projects: Vec::new(),
        moves: vec![Move {
            from_path: "src/old.rs".into(),
            from_function: "helper".into(),
            path: "src/util.rs".into(),
            function: "helper".into(),
            start_line: 5,
            end_line: 20,
            exact: true,
        }],
        rules,
    }
}
