//! `mip6test coverage` (issue 6): the behaviour → tests matrix, gaps, and its errors.

mod common;
use common::{mip6test, text, TempDir};

#[test]
fn the_matrix_names_the_tests_of_each_behaviour() {
    let o = mip6test(&["coverage"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let line = out
        .lines()
        .find(|l| l.starts_with("HA-27 "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("HA.DHAAD.REPLY"), "{line}");
    assert!(out.contains(" behaviours: "), "{out}");
    // Every behaviour of the catalogue has a test or the reason it cannot have one.
    let o = mip6test(&["coverage", "--check"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn check_fails_on_a_gap_or_an_unknown_behaviour() {
    let d = TempDir::new("coverage");
    let cat = d.path().join("behaviours.yaml");
    std::fs::write(
        &cat,
        r#"behaviours:
  - {id: CN-4, rfc: 6275, section: "9.4.1", level: MUST, summary: HoTI answered, roles: [cn]}
  - {id: CN-99, rfc: 6275, section: "9.4.1", level: MUST, summary: nothing tests it, roles: [cn]}
  - {id: CN-98, rfc: 6275, section: "9.4", level: MUST, summary: no state, roles: [cn], untested: not visible on the wire}
"#,
    )
    .unwrap();
    let suite = "testsuites/rfc6275/cn/return-routability.yaml";
    let o = mip6test(&[
        "coverage",
        suite,
        "--behaviours",
        cat.to_str().unwrap(),
        "--check",
    ]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("CN-99   MUST   §9.4.1     cn       0  NO TEST"),
        "{out}"
    );
    assert!(out.contains("untested: not visible on the wire"), "{out}");
    assert!(out.contains("no test: CN-99 (cn)"), "{out}");
    // Behaviours the suite names that this catalogue lacks.
    assert!(out.contains("is not in"), "{out}");
    // Without --check the matrix is only information.
    let o = mip6test(&["coverage", suite, "--behaviours", cat.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn a_malformed_catalogue_names_the_line() {
    let d = TempDir::new("coverage-bad");
    let cat = d.path().join("behaviours.yaml");
    std::fs::write(
        &cat,
        "behaviours:\n  - {id: CN-4, rfc: 6275, section: \"9.4.1\", level: MUST, summary: x, roles: [cm]}\n  - {id: CN-4, rfc: 6275, section: \"9.4.1\", level: MUST, summary: x}\n",
    )
    .unwrap();
    let o = mip6test(&["coverage", "--behaviours", cat.to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(out.contains("behaviours.yaml:2:"), "{out}");
    assert!(out.contains("unknown role \"cm\""), "{out}");
    assert!(
        out.contains("behaviour CN-4 is also listed at line 2"),
        "{out}"
    );
}
