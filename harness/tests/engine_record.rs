//! What `mip6test run` records (issue 4 verdicts, issue 5 results.json): SHOULD-level
//! expectations that warn instead of failing, the results.json of a failing test, the time
//! scale, colour, and the output directory's errors.

use serde_json::Value;
use std::path::{Path, PathBuf};

mod common;
use common::{command, mip6test, text, TempDir};

/// A scratch testsuites/ tree with the starter topologies and profiles.
/// A scratch testsuites/ tree whose reference CN profile does not claim the SHOULDs (the
/// built-in one does, `enforce_should`), so SHOULD-level checks warn as for most IUTs.
fn scratch(tag: &str) -> TempDir {
    let d = TempDir::new(tag);
    let ts = common::scratch_testsuites(d.path());
    std::fs::create_dir_all(ts.join("cn")).unwrap();
    let p = ts.join("profiles/reference-cn.yaml");
    let profile = std::fs::read_to_string(&p).unwrap();
    assert!(profile.contains("enforce_should: true"), "{profile}");
    std::fs::write(
        &p,
        profile.replace("enforce_should: true", "enforce_should: false"),
    )
    .unwrap();
    d
}

fn write_suite(d: &TempDir, yaml: &str) -> PathBuf {
    let p = d.path().join("testsuites/cn/x.yaml");
    std::fs::write(&p, yaml).unwrap();
    p
}

fn results(dir: &Path) -> Value {
    let t = std::fs::read_to_string(dir.join("results.json")).expect("results.json written");
    serde_json::from_str(&t).expect("results.json parses")
}

fn test<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["suites"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["tests"].as_array().unwrap())
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("no test {id} in {r}"))
}

const SUITE: &str = r#"suite: x-record
title: What the record keeps
role: correspondent-node
topology: cn-one-link
tests:
  - id: X.HOT
    title: A Home Test Init is answered
    refs: [{rfc: 6275, section: "9.4.1", level: MUST}]
    steps:
      - send:
          on: link0
          from: mn0
          packet:
            ipv6: {src: mn0.hoa, dst: iut.addr}
            mh: {home_test_init: {cookie: "0102030405060708"}}
      - expect:
          on: link0
          packet:
            ipv6: {src: iut.addr, dst: mn0.hoa}
            mh: {home_test: {cookie: "0102030405060708"}}
  - id: X.WRONG
    title: A Home Test with a cookie nobody sent (fails)
    refs: [{rfc: 6275, section: "9.4.1", level: MUST}]
    steps:
      - send:
          on: link0
          from: mn0
          packet:
            ipv6: {src: mn0.hoa, dst: iut.addr}
            mh: {home_test_init: {cookie: "0102030405060708"}}
      - expect:
          on: link0
          within: 500ms
          packet:
            ipv6: {src: iut.addr, dst: mn0.hoa}
            mh: {home_test: {cookie: "ffffffffffffffff"}}
      - wait: 1s
  - id: X.SHOULD-STEP
    title: A SHOULD step that is not met warns, and the test goes on to a MUST that is met
    refs: [{rfc: 6275, section: "9.4.1", level: MUST}]
    steps:
      - send:
          on: link0
          from: mn0
          packet:
            ipv6: {src: mn0.hoa, dst: iut.addr}
            mh: {home_test_init: {cookie: "0102030405060708"}}
      - expect:
          on: link0
          within: 500ms
          level: SHOULD
          packet:
            ipv6: {src: iut.addr, dst: mn0.hoa}
            mh: {home_test: {cookie: "ffffffffffffffff"}}
      - send:
          on: link0
          from: mn0
          packet:
            ipv6: {src: mn0.hoa, dst: iut.addr}
            mh: {home_test_init: {cookie: "0a0b0c0d0e0f1011"}}
      - expect:
          on: link0
          packet:
            ipv6: {src: iut.addr, dst: mn0.hoa}
            mh: {home_test: {cookie: "0a0b0c0d0e0f1011"}}
  - id: X.SHOULD-TEST
    title: A test of a SHOULD only that is not met passes with a warning
    refs: [{rfc: 6275, section: "9.4.1", level: SHOULD}]
    steps:
      - send:
          on: link0
          from: mn0
          packet:
            ipv6: {src: mn0.hoa, dst: iut.addr}
            mh: {home_test_init: {cookie: "0102030405060708"}}
      - expect_none:
          on: link0
          for: 500ms
          packet:
            mh: {home_test: {}}
"#;

#[test]
fn results_json_records_verdicts_steps_and_frames() {
    let d = scratch("record");
    let suite = write_suite(&d, SUITE);
    let out = d.path().join("out");
    let o = mip6test(&[
        "run",
        suite.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(
        t.contains("3 passed, 1 failed, 0 skipped; 0 not-applicable, 0 inconclusive, 0 errors"),
        "{t}"
    );
    // The console, as a user reads it (the scratch directory's name masked).
    let console =
        String::from_utf8_lossy(&o.stdout).replace(&d.path().display().to_string(), "<DIR>");
    insta::assert_snapshot!("console_summary", console);
    let r = results(&out);
    assert_eq!(r["schema"], 1);
    assert_eq!(r["target"], "simulated");
    assert!(r["finished"].is_string(), "{r}");
    assert_eq!(r["summary"]["failed"], 1);
    assert_eq!(r["summary"]["warnings"], 2);
    let s = &r["suites"][0];
    assert_eq!(s["suite"], "x-record");
    assert_eq!(s["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(s["nodes"].as_array().unwrap().last().unwrap(), "iut");

    let pass = test(&r, "X.HOT");
    assert_eq!(pass["verdict"], "pass");
    let roles: Vec<&str> = pass["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["role"].as_str().unwrap())
        .collect();
    assert!(
        roles.contains(&"sent") && roles.contains(&"matched"),
        "{roles:?}"
    );
    let matched = pass["frames"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["role"] == "matched")
        .unwrap();
    assert_eq!(matched["from"], "iut");
    assert_eq!(matched["to"], "mn0");
    assert_eq!(matched["note"], "expected, step 2: matched");
    assert!(pass["steps"][1]["frames"][0].as_u64().is_some());

    let fail = test(&r, "X.WRONG");
    assert_eq!(fail["verdict"], "fail");
    let reason = fail["reason"].to_string();
    assert!(reason.contains("x.yaml:"), "{reason}");
    assert!(reason.contains("step 2 (expect)"), "{reason}");
    assert!(reason.contains("mh.home_test.cookie"), "{reason}");
    assert_eq!(fail["steps"][1]["outcome"], "failed");
    assert_eq!(fail["steps"][2]["outcome"], "not-run");
    assert_eq!(fail["steps"][2]["description"], "wait 1s");
    // The Home Test that arrived is in the record, matched by no step.
    assert!(
        fail["frames"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["role"] == "unexpected"
                && f["summary"].as_str().unwrap().contains("home_test")),
        "{fail}"
    );

    let soft = test(&r, "X.SHOULD-STEP");
    assert_eq!(soft["verdict"], "pass-with-warnings", "{soft}");
    assert!(soft["warnings"][0]
        .as_str()
        .unwrap()
        .starts_with("SHOULD not met: "));
    assert_eq!(soft["steps"][1]["outcome"], "failed");
    assert_eq!(soft["steps"][3]["outcome"], "ok");

    let soft = test(&r, "X.SHOULD-TEST");
    assert_eq!(soft["verdict"], "pass-with-warnings", "{soft}");
    assert!(soft["warnings"][0]
        .as_str()
        .unwrap()
        .starts_with("SHOULD not met: "));
    assert!(
        soft["frames"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["role"] == "forbidden"),
        "{soft}"
    );
}

#[test]
fn a_time_scale_shortens_every_wait_of_the_test_and_the_reference() {
    let d = TempDir::new("scale");
    let suite = "testsuites/rfc6275/ha/home-registration.yaml";
    let duration = |scale: &str| -> f64 {
        let out = d.path().join(scale);
        let o = mip6test(&[
            "run",
            suite,
            "--time-scale",
            scale,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        test(&results(&out), "HA.REG.ACCEPT")["duration"]
            .as_f64()
            .unwrap()
    };
    let (full, quarter) = (duration("1"), duration("0.25"));
    assert!(full > 1.0, "DAD alone takes a second: {full}");
    assert!(quarter < full / 2.0, "{quarter} vs {full}");

    let o = mip6test(&["run", suite, "--no-out", "--time-scale", "0"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--time-scale must be a positive number"));
}

#[test]
fn colour_is_asked_for_or_off_and_no_color_is_respected() {
    let suite = "testsuites/rfc6275/cn/return-routability.yaml";
    let o = mip6test(&["run", suite, "--no-out", "--color", "always"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("\x1b[32mPASS\x1b[0m"));
    // Not a terminal: no colour, no progress bar.
    let o = mip6test(&["run", suite, "--no-out"]);
    assert!(!text(&o).contains('\x1b'), "{}", text(&o));
    let o = command(&["run", suite, "--no-out", "--color", "auto"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!text(&o).contains('\x1b'));
    let o = mip6test(&["run", suite, "--no-out", "--color", "sometimes"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn an_output_directory_that_cannot_be_made_is_an_environment_error() {
    let d = TempDir::new("badout");
    let file = d.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let out = file.join("results");
    let o = mip6test(&[
        "run",
        "testsuites/rfc6275/cn/return-routability.yaml",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        text(&o).contains(&format!("cannot write {}", out.display())),
        "{}",
        text(&o)
    );
}

#[test]
fn fixture_parameters_do_not_replace_the_tests_variables() {
    let d = scratch("scope");
    let suite = write_suite(
        &d,
        r#"suite: x-scope
title: Fixture parameters are the fixture's own
role: correspondent-node
topology: cn-one-link
fixtures:
  hoti:
    title: A Home Test Init with cookie $cookie is answered
    params: {cookie: "0102030405060708"}
    steps:
      - send:
          on: link0
          from: mn0
          packet:
            ipv6: {src: mn0.hoa, dst: iut.addr}
            mh: {home_test_init: {cookie: $cookie}}
      - expect:
          on: link0
          packet:
            mh: {home_test: {cookie: "0102030405060708"}}
          capture: {first: mh}
tests:
  - id: X.SCOPE
    title: After the fixture, $cookie is the matrix value again; the fixture's capture stays
    refs: [{rfc: 6275, section: "9.4.1", level: MUST}]
    matrix: {cookie: ["0a0b0c0d0e0f1011"]}
    use: [hoti]
    steps:
      - send:
          on: link0
          from: mn0
          packet:
            ipv6: {src: mn0.hoa, dst: iut.addr}
            mh: {home_test_init: {cookie: $cookie}}
      - expect:
          on: link0
          packet:
            mh: {home_test: {cookie: "0a0b0c0d0e0f1011", nonce_index: $first.nonce_index}}
"#,
    );
    let o = mip6test(&["run", "--no-out", suite.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn run_takes_the_same_filters_as_list() {
    let listed = mip6test(&["list", "--id", "CN.RR.*", "--skip-tag", "slow"]);
    let n = String::from_utf8_lossy(&listed.stdout).lines().count();
    assert!(n > 1, "{}", text(&listed));
    let o = mip6test(&["run", "--no-out", "--id", "CN.RR.*", "--skip-tag", "slow"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains(&format!("{n} passed, 0 failed")), "{out}");
    assert!(!out.contains("PASS CN.BU."), "{out}");
    // No slow test runs with --skip-tag slow; each one is listed with --tag slow.
    let slow = mip6test(&["list", "--tag", "slow"]);
    for line in String::from_utf8_lossy(&slow.stdout).lines() {
        let id = line.split_whitespace().next().unwrap();
        let o = mip6test(&["list", "--id", id, "--skip-tag", "slow"]);
        assert!(o.stdout.is_empty(), "{id}");
    }
}
