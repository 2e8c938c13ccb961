//! `mip6test validate` on malformed suites, topologies and profiles (tests/malformed/): each
//! is refused with exit code 2 and a `FILE:LINE:COL: message` naming the right line, never a
//! panic; valid files pass with a one-line summary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(sub)
}

fn validate(args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mip6test"))
        .arg("validate")
        .args(args)
        .output()
        .expect("mip6test runs")
}

/// (file stem, line, column, words the message must contain).
const CASES: &[(&str, u32, u32, &[&str])] = &[
    ("alias-bomb", 7, 11, &["too large", "aliases"]),
    ("matrix-too-large", 9, 18, &["1000000000000 test cases"]),
    ("multiple-documents", 3, 1, &["one YAML document"]),
    (
        "at-without-tolerance",
        16,
        16,
        &["missing key \"tolerance\""],
    ),
    (
        "bad-duration",
        16,
        19,
        &["unknown unit \"seconds\"", "2 seconds"],
    ),
    ("bad-level", 8, 49, &["\"must\"", "did you mean \"MUST\"?"]),
    ("bad-tolerance", 16, 39, &["150%", "between 0% and 100%"]),
    (
        "duplicate-id",
        14,
        9,
        &["duplicate test id \"T.A\"", "line 6"],
    ),
    ("duplicate-key", 8, 5, &["duplicate key \"title\""]),
    ("duration-no-unit", 14, 15, &["no unit", "5s"]),
    ("empty-refs", 8, 11, &["has no refs"]),
    ("empty", 1, 1, &["the file is empty"]),
    (
        "fixture-unknown-param",
        14,
        31,
        &["no parameter \"seqq\"", "did you mean \"seq\"?"],
    ),
    ("huge-duration", 14, 15, &["too large"]),
    ("huge-number-in-packet", 13, 84, &["too large"]),
    ("huge-number", 8, 18, &["whole number", "4294967295"]),
    ("invalid-yaml", 13, 19, &["unclosed bracket"]),
    (
        "matrix-duplicate-case",
        6,
        9,
        &["duplicate test id \"T.A[delta=0]\""],
    ),
    ("matrix-not-list", 9, 14, &["list of values"]),
    ("missing-on", 12, 11, &["missing key \"on\""]),
    ("missing-ref", 6, 9, &["has no refs"]),
    ("not-a-mapping", 1, 1, &["must be a mapping"]),
    (
        "profile-bad-role",
        2,
        7,
        &["\"correspondent\"", "did you mean \"correspondent-node\"?"],
    ),
    ("profile-bad-scale", 6, 22, &["time_scale", "positive"]),
    (
        "profile-unknown-feature",
        5,
        5,
        &["did you mean \"route-optimisation\"?"],
    ),
    (
        "profile-unknown-key",
        6,
        27,
        &["unknown key \"time_scal\"", "did you mean \"time_scale\"?"],
    ),
    ("role-mismatch", 3, 7, &["home-agent", "correspondent-node"]),
    ("section-float", 8, 33, &["section as a string"]),
    ("tabs", 11, 15, &["tab"]),
    ("topology-bad-address", 13, 10, &["invalid IPv6 address"]),
    ("topology-bad-mac", 7, 10, &["invalid MAC address"]),
    (
        "topology-behind-unknown",
        11,
        13,
        &["unknown node \"r2\"", "did you mean \"r1\"?"],
    ),
    (
        "topology-iut-unknown-link",
        17,
        11,
        &["unknown link \"lnk0\"", "did you mean \"link0\"?"],
    ),
    (
        "topology-link-and-behind",
        11,
        13,
        &["both link and behind"],
    ),
    (
        "topology-name-mismatch",
        1,
        11,
        &["something-else", "file name"],
    ),
    (
        "topology-unknown-key",
        12,
        5,
        &["unknown key \"hao\"", "did you mean \"hoa\"?"],
    ),
    (
        "unknown-feature",
        5,
        12,
        &["did you mean \"return-routability\"?"],
    ),
    (
        "unknown-fixture",
        13,
        11,
        &[
            "unknown fixture \"rr-complet\"",
            "did you mean \"rr-complete\"?",
        ],
    ),
    (
        "unknown-key-test",
        9,
        5,
        &["unknown key \"behaviour\"", "did you mean \"behaviours\"?"],
    ),
    (
        "unknown-key-top",
        2,
        1,
        &["unknown key \"titel\"", "did you mean \"title\"?"],
    ),
    (
        "unknown-kind",
        1,
        1,
        &["unknown key \"suit\"", "did you mean \"suite\"?"],
    ),
    (
        "unknown-link",
        11,
        15,
        &["unknown link \"link1\"", "did you mean \"link0\"?"],
    ),
    (
        "unknown-matrix-var",
        6,
        9,
        &["$dleta", "did you mean \"delta\"?"],
    ),
    (
        "unknown-node",
        12,
        17,
        &["unknown node \"mn1\"", "did you mean \"mn0\"?"],
    ),
    (
        "unknown-step",
        10,
        9,
        &["\"sned\"", "did you mean \"send\"?"],
    ),
    (
        "unknown-topology",
        4,
        11,
        &["\"cn-one-lnk\" not found", "did you mean \"cn-one-link\"?"],
    ),
    ("within-and-after", 14, 9, &["both within and after"]),
    ("wrong-type-refs", 8, 11, &["expected a list"]),
];

#[test]
fn every_malformed_file_is_refused_at_its_line() {
    let mut failures = Vec::new();
    for (stem, line, col, words) in CASES {
        let file = dir("malformed").join(format!("{stem}.yaml"));
        let out = validate(&[&file]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let want = format!("{}:{line}:{col}: ", file.display());
        let first = stderr.lines().next().unwrap_or("");
        let ok = out.status.code() == Some(2)
            && !stderr.contains("panicked")
            && first.starts_with(&want)
            && words.iter().all(|w| first.contains(w))
            && out.stdout.is_empty();
        if !ok {
            failures.push(format!(
                "{stem}: exit {:?}, want {want}{words:?}, stderr:\n{stderr}",
                out.status.code()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_file_in_the_malformed_directory_has_a_case() {
    let mut stems: Vec<String> = std::fs::read_dir(dir("malformed"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    stems.sort();
    let mut cases: Vec<&str> = CASES.iter().map(|c| c.0).collect();
    cases.sort();
    assert_eq!(stems, cases);
    assert!(CASES.len() >= 20);
}

#[test]
fn the_whole_directory_reports_every_file() {
    let out = validate(&[&dir("malformed")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"));
    for (stem, line, _, _) in CASES {
        let at = format!("{stem}.yaml:{line}:");
        assert!(stderr.contains(&at), "no {at} in\n{stderr}");
    }
    let last = stderr.lines().last().unwrap();
    assert!(last.starts_with("mip6test: error: "), "{last}");
    assert!(
        last.contains(&format!("of {} files", CASES.len())),
        "{last}"
    );
}

#[test]
fn valid_files_pass_with_a_one_line_summary() {
    // A fixed set of files, so the summary is exact: the starter suites under
    // testsuites/rfc6275 grow, and are validated by the engine tests.
    let testsuites = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testsuites");
    let out = validate(&[
        &dir("valid"),
        &testsuites.join("topologies"),
        &testsuites.join("profiles"),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    // The topologies directory grows with the suites.
    let topologies = std::fs::read_dir(testsuites.join("topologies"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "yaml"))
        })
        .count();
    assert!(
        stdout.starts_with(&format!(
            "{} files valid: 2 suites (6 tests, 14 test cases), {topologies} topologies, 2 profiles, 1 fixture file",
            5 + topologies
        )),
        "{stdout}"
    );
}

#[test]
fn missing_paths_and_ids_repeated_across_files_are_errors() {
    let out = validate(&[Path::new("/nonexistent/suite.yaml")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("/nonexistent/suite.yaml: no such file or directory"),
        "{stderr}"
    );

    // The same test id in two suites validated together.
    let tmp = std::env::temp_dir().join(format!("mip6test-suite-dup-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let suite = |name: &str| {
        format!(
            "suite: {name}\ntitle: t\nrole: correspondent-node\ntopology: cn-one-link\ntests:\n  - id: SAME.ID\n    title: t\n    refs: [{{rfc: 6275, section: \"9\", level: MUST}}]\n    steps:\n      - wait: 1s\n"
        )
    };
    std::fs::write(tmp.join("a.yaml"), suite("a")).unwrap();
    std::fs::write(tmp.join("b.yaml"), suite("b")).unwrap();
    let topologies = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testsuites/topologies");
    let out = Command::new(env!("CARGO_BIN_EXE_mip6test"))
        .arg("validate")
        .arg("--topologies")
        .arg(&topologies)
        .arg(&tmp)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    std::fs::remove_dir_all(&tmp).ok();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let first = stderr.lines().next().unwrap();
    assert!(
        first.contains("b.yaml:6:9: test id \"SAME.ID\" is also used in"),
        "{first}"
    );
    assert!(first.contains("a.yaml:6"), "{first}");
}
