//! `mip6test run` and `mip6test list` (issue 4): the starter suites against the built-in
//! reference nodes over the simulated network.

mod common;
use common::{mip6test, text, workspace as root};

#[test]
fn every_starter_suite_passes_against_the_reference() {
    let o = mip6test(&["run"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("PASS CN.RR.HOTI.1  "), "{out}");
    assert!(out.contains("PASS HA.REG.ACCEPT  "), "{out}");
    // Not-applicable cases are those needing a feature the reference lacks (IPsec).
    assert!(out.contains(" 0 failed, 0 skipped; "), "{out}");
    assert!(out.contains(" 0 inconclusive, 0 errors"), "{out}");
    assert!(!out.lines().any(|l| l.starts_with("FAIL ")), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    for (i, l) in lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("N/A "))
    {
        let why = lines.get(i + 1).copied().unwrap_or_default();
        assert!(why.contains("requires ipsec"), "{l}\n{why}");
    }
}

#[test]
fn suites_still_validate() {
    let o = mip6test(&["validate", "testsuites/"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn a_wrong_expectation_fails_with_the_place_the_field_and_the_frames() {
    let dir = std::env::temp_dir().join(format!("mip6test-engine-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let ts = common::scratch_testsuites(&dir);
    let suite =
        std::fs::read_to_string(root().join("testsuites/rfc6275/cn/binding-update.yaml")).unwrap();
    let good = "binding_ack: {status: 0, seq: 100,";
    assert!(suite.contains(good));
    let bad = suite.replacen(good, "binding_ack: {status: 1, seq: 100,", 1);
    // The `- expect:` step holding the changed line.
    let changed = bad
        .lines()
        .position(|l| l.contains("status: 1, seq: 100"))
        .unwrap();
    let step_line = bad
        .lines()
        .take(changed)
        .enumerate()
        .filter(|(_, l)| l.trim() == "- expect:")
        .last()
        .unwrap()
        .0
        + 1;
    // With the shared CN fixtures the suite uses.
    let file = common::scratch_cn_suite(&ts, "binding-update.yaml", |_| bad);

    let o = mip6test(&["run", file.to_str().unwrap()]);
    let out = text(&o);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("FAIL CN.BU.ACCEPT"), "{out}");
    assert!(
        out.contains(&format!("binding-update.yaml:{step_line}: step 2 (expect)")),
        "expected line {step_line}: {out}"
    );
    assert!(
        out.contains("mh.binding_ack.status: expected 1, got 0"),
        "{out}"
    );
    assert!(out.contains("mh binding_ack status=0 seq=100"), "{out}");
    // Only that test fails; the suite's others pass (their count follows the suite).
    assert!(out.contains(" passed, 1 failed, 0 skipped"), "{out}");
    assert!(!out.contains("\nERROR "), "{out}");
}

#[test]
fn list_prints_ids_and_titles() {
    let o = mip6test(&["list"]);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    for id in [
        "CN.RR.HOTI.1",
        "CN.BU.SEQ.SAME",
        "CN.MH.PAYLOAD-PROTO[mh_type=5]",
        "HA.REG.ACCEPT",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(&format!("{id}  "))),
            "{id}: {out}"
        );
    }
    // Filters select exactly the matching cases of the full list (counts follow the suites).
    let all_ha: Vec<&str> = out.lines().filter(|l| l.starts_with("HA.")).collect();
    assert!(!all_ha.is_empty(), "{out}");
    let o = mip6test(&["list", "--id", "HA.*", "--role", "home-agent"]);
    let ha = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(ha.lines().collect::<Vec<_>>(), all_ha, "{ha}");
    let o = mip6test(&["list", "--tag", "checksum"]);
    let tagged = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(tagged.lines().count() >= 2, "{tagged}");
    assert!(
        tagged
            .lines()
            .all(|l| l.contains("CHECKSUM") || l.contains("checksum")),
        "{tagged}"
    );
    assert!(tagged.lines().count() < out.lines().count(), "{tagged}");
}

#[test]
fn a_missing_path_is_a_usage_error() {
    let o = mip6test(&["run", "no/such/dir"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}
