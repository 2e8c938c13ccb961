//! `mip6test run` beyond plain passes and failures (issue 4): the inconclusive verdict of a
//! failed setup fixture, suite hooks and `-j N`.

use std::path::PathBuf;

mod common;
use common::{mip6test, text};

/// A scratch testsuites/ tree (topologies and profiles copied) removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("mip6test-extras-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let ts = common::scratch_testsuites(&dir);
        std::fs::create_dir_all(ts.join("cn")).unwrap();
        Scratch(dir)
    }

    fn suite(&self, name: &str, yaml: &str) -> PathBuf {
        let p = self.0.join("testsuites/cn").join(name);
        std::fs::write(&p, yaml).unwrap();
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const HOTI_TEST: &str = r#"  - id: X.PLAIN
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
"#;

#[test]
fn a_failing_fixture_makes_the_case_inconclusive() {
    let s = Scratch::new("inconclusive");
    let suite = format!(
        r#"suite: x-inconclusive
title: A fixture the reference never satisfies
role: correspondent-node
topology: cn-one-link
fixtures:
  never:
    title: Expects a Home Test with a cookie nobody sent
    steps:
      - send:
          on: link0
          from: mn0
          packet:
            ipv6: {{src: mn0.hoa, dst: iut.addr}}
            mh: {{home_test_init: {{cookie: "0102030405060708"}}}}
      - expect:
          on: link0
          within: 300ms
          packet:
            ipv6: {{src: iut.addr, dst: mn0.hoa}}
            mh: {{home_test: {{cookie: "ffffffffffffffff"}}}}
tests:
{HOTI_TEST}  - id: X.SETUP
    title: Behaviour after a setup that cannot work
    refs: [{{rfc: 6275, section: "9.4.1", level: MUST}}]
    use: [never]
    steps:
      - wait: 10ms
"#
    );
    let file = s.suite("inconclusive.yaml", &suite);
    let o = mip6test(&["run", file.to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("PASS X.PLAIN  "), "{out}");
    assert!(out.contains("INCONCLUSIVE X.SETUP  "), "{out}");
    assert!(
        out.contains("setup fixture \"never\" failed at step 2 (expect)"),
        "{out}"
    );
    assert!(out.contains("fixture never, step 2 (expect)"), "{out}");
    assert!(
        out.contains("1 passed, 0 failed, 0 skipped; 0 not-applicable, 1 inconclusive, 0 errors"),
        "{out}"
    );
}

fn hook_suite(id: &str, hooks: &str) -> String {
    format!(
        r#"suite: {id}
title: Hooks around tests
role: correspondent-node
topology: cn-one-link
hooks: {hooks}
tests:
{HOTI_TEST}  - id: X.SECOND
    title: A second case
    refs: [{{rfc: 6275, section: "9.4.1", level: MUST}}]
    steps:
      - wait: 10ms
"#
    )
}

#[test]
fn hooks_run_around_the_suite_and_each_case_with_their_environment() {
    let s = Scratch::new("hooks");
    let m = s.0.join("markers");
    std::fs::create_dir_all(&m).unwrap();
    let m = m.display();
    let hooks = format!(
        r#"{{before_all: "echo \"$MIP6TEST_SUITE $MIP6TEST_TARGET ${{MIP6TEST_TEST:-none}}\" >> {m}/log",
          before_each: "echo \"before $MIP6TEST_TEST\" >> {m}/log",
          after_each: "echo \"after $MIP6TEST_TEST\" >> {m}/log",
          after_all: "echo end >> {m}/log"}}"#
    );
    let file = s.suite("hooks.yaml", &hook_suite("x-hooks", &hooks));
    let o = mip6test(&["run", file.to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let log = std::fs::read_to_string(s.0.join("markers/log")).unwrap();
    assert_eq!(
        log,
        "x-hooks simulated none\nbefore X.PLAIN\nafter X.PLAIN\nbefore X.SECOND\nafter X.SECOND\nend\n",
        "{out}"
    );
}

#[test]
fn a_failing_before_hook_is_an_error_and_an_after_hook_a_warning() {
    let s = Scratch::new("hookfail");
    let hooks = r#"{before_each: "echo first >&2; echo cannot reset the IUT >&2; exit 1"}"#;
    let file = s.suite("before.yaml", &hook_suite("x-before", hooks));
    let o = mip6test(&["run", file.to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("ERROR X.PLAIN  "), "{out}");
    assert!(
        out.contains("before_each hook `echo first >&2; echo cannot reset the IUT >&2; exit 1` exited with status 1"),
        "{out}"
    );
    assert!(out.contains("    cannot reset the IUT"), "{out}");
    assert!(
        out.contains("0 passed, 0 failed, 0 skipped; 0 not-applicable, 0 inconclusive, 2 errors"),
        "{out}"
    );

    let hooks = r#"{before_all: "exit 2"}"#;
    let file = s.suite("before.yaml", &hook_suite("x-before-all", hooks));
    let o = mip6test(&["run", file.to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("before_all hook `exit 2` exited with status 2"),
        "{out}"
    );
    assert!(out.contains("2 errors"), "{out}");

    let hooks = r#"{after_each: "exit 1", after_all: "exit 1", timeout: 5s}"#;
    let file = s.suite("before.yaml", &hook_suite("x-after", hooks));
    let o = mip6test(&["run", file.to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("PASS X.PLAIN  A Home Test Init is answered  (1 warning)"),
        "{out}"
    );
    assert!(
        out.contains("warning: after_each hook `exit 1` exited with status 1"),
        "{out}"
    );
    assert!(
        out.contains("mip6test: warning: after_all hook `exit 1` exited with status 1"),
        "{out}"
    );
    assert!(out.contains("2 passed, 0 failed"), "{out}");
}

#[test]
fn a_hook_that_runs_too_long_is_killed() {
    let s = Scratch::new("hooktimeout");
    let hooks = r#"{before_each: "sleep 10", timeout: 300ms}"#;
    let file = s.suite("slow.yaml", &hook_suite("x-slow", hooks));
    let t = std::time::Instant::now();
    let o = mip6test(&["run", file.to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("before_each hook `sleep 10` timed out after 0.3s"),
        "{out}"
    );
    assert!(t.elapsed() < std::time::Duration::from_secs(5), "{out}");
}

#[test]
fn four_jobs_give_the_same_report_as_one() {
    let one = mip6test(&["run", "-j", "1"]);
    let four = mip6test(&["run", "-j", "4"]);
    assert_eq!(one.status.code(), Some(0), "{}", text(&one));
    assert_eq!(four.status.code(), one.status.code(), "{}", text(&four));
    assert_eq!(
        String::from_utf8_lossy(&four.stdout),
        String::from_utf8_lossy(&one.stdout)
    );
}

/// Root only: parallel cases on the netns target get namespaces of their own, and hooks see
/// the IUT's namespace and interfaces.
#[cfg(target_os = "linux")]
#[test]
fn netns_jobs_and_hooks() {
    if !mip6_harness::live::is_root() {
        eprintln!("SKIPPED netns_jobs_and_hooks: needs root (network namespaces and AF_PACKET)");
        return;
    }
    let s = Scratch::new("netns");
    let log = s.0.join("log");
    let hooks = format!(
        r#"{{before_each: "ip netns exec {{ns}} ip link show $MIP6TEST_IFACE_LINK0 >/dev/null && echo \"$MIP6TEST_TARGET $MIP6TEST_TEST $MIP6TEST_NETNS\" >> {}"}}"#,
        log.display()
    );
    let file = s.suite("netns.yaml", &hook_suite("x-netns", &hooks));
    let o = mip6test(&[
        "run",
        "--target",
        "netns:cn",
        "-j",
        "2",
        file.to_str().unwrap(),
    ]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("2 passed, 0 failed"), "{out}");
    let log = std::fs::read_to_string(&log).unwrap();
    let mut ns: Vec<&str> = log.lines().map(|l| l.split(' ').nth(2).unwrap()).collect();
    assert_eq!(ns.len(), 2, "{log}");
    assert!(log.lines().all(|l| l.starts_with("netns:cn X.")), "{log}");
    assert!(
        ns.iter()
            .all(|n| n.starts_with("mip6t-") && n.ends_with("-iut")),
        "{log}"
    );
    ns.dedup();
    assert_eq!(ns.len(), 2, "each case its own namespace: {log}");

    // The starter CN suites (fixed copies: their output has no timings that vary live).
    let rr = s.suite("rr.yaml", include_str!("data/cn-rr-starter.yaml"));
    let mh = s.suite("mh.yaml", include_str!("data/cn-mh-starter.yaml"));
    let jobs = |n: &str| {
        mip6test(&[
            "run",
            "--no-out",
            "--target",
            "netns:cn",
            "-j",
            n,
            rr.to_str().unwrap(),
            mh.to_str().unwrap(),
        ])
    };
    let (one, four) = (jobs("1"), jobs("4"));
    assert_eq!(one.status.code(), Some(0), "{}", text(&one));
    assert_eq!(
        String::from_utf8_lossy(&four.stdout),
        String::from_utf8_lossy(&one.stdout)
    );
}

/// A suite's `iut_config:` reaches the IUT, a test's is merged over it, and a key the
/// reference's configuration does not have is a validation error at its line.
#[test]
fn iut_config_configures_the_reference_per_suite_and_test() {
    let s = Scratch::new("iut-config");
    let suite = r#"suite: x-iut-config
title: Router Advertisements switched on by the suite, off again by one test
role: home-agent
topology: ha-one-link
iut_config:
  router_advertisements: {enabled: true, min_interval: 3, max_interval: 4}
tests:
  - id: X.RA.ON
    title: The home agent advertises periodically
    refs: [{rfc: 4861, section: "6.2.4", level: MUST}]
    steps:
      - expect: {on: link0, within: 10s, packet: {icmpv6: {type: 134}}}
  - id: X.RA.OFF
    title: The test switches them off again
    refs: [{rfc: 4861, section: "6.2.4", level: MUST}]
    iut_config: {router_advertisements: {enabled: false}}
    steps:
      - expect_none: {on: link0, for: 10s, packet: {icmpv6: {type: 134}}}
"#;
    let file = s.suite("iut-config.yaml", suite);
    let o = mip6test(&["run", "--no-out", file.to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("PASS X.RA.ON  "), "{out}");
    assert!(out.contains("PASS X.RA.OFF  "), "{out}");

    // Without the suite's setting the first test fails: the default is off.
    let off = s.suite(
        "iut-config.yaml",
        &suite.replace(
            "enabled: true, min_interval",
            "enabled: false, min_interval",
        ),
    );
    let o = mip6test(&["run", "--no-out", off.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));

    let bad = s.suite(
        "iut-config.yaml",
        &suite.replace(
            "{router_advertisements: {enabled: false}}",
            "{max_binding: 3}",
        ),
    );
    let o = mip6test(&["validate", bad.to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("iut-config.yaml:16:17: iut_config: unknown field `max_binding`"),
        "{out}"
    );
    assert!(out.contains("`max_bindings`"), "{out}");
}

/// A SHOULD not met warns, unless the profile claims the SHOULDs (`enforce_should`, as the
/// built-in reference's profiles do): then it fails like a MUST. A MAY always warns.
#[test]
fn enforce_should_makes_a_missed_should_fail() {
    let s = Scratch::new("enforce-should");
    let suite = r#"suite: x-should
title: A SHOULD and a MAY the reference never meets
role: correspondent-node
topology: cn-one-link
tests:
  - id: X.SHOULD
    title: Something the reference never sends
    refs: [{rfc: 6275, section: "9.4.1", level: SHOULD}]
    steps:
      - expect: {on: link0, within: 1s, packet: {icmpv6: {type: 200}}}
  - id: X.MAY
    title: Something optional the reference never sends
    refs: [{rfc: 6275, section: "9.4.1", level: MAY}]
    steps:
      - expect: {on: link0, within: 1s, packet: {icmpv6: {type: 200}}}
"#;
    let file = s.suite("should.yaml", suite);
    let o = mip6test(&["run", "--no-out", file.to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("FAIL X.SHOULD  "), "{out}");
    assert!(out.contains("PASS X.MAY  "), "{out}");

    let lax = s.0.join("lax.yaml");
    let profile = std::fs::read_to_string(s.0.join("testsuites/profiles/reference-cn.yaml"))
        .unwrap()
        .replace("profile: reference-cn", "profile: lax")
        .replace("enforce_should: true", "enforce_should: false");
    std::fs::write(&lax, profile).unwrap();
    let o = mip6test(&[
        "run",
        "--no-out",
        "--profile",
        lax.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("PASS X.SHOULD  "), "{out}");
    assert!(out.contains("SHOULD not met"), "{out}");
}
