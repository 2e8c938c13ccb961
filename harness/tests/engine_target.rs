//! `mip6test run --target FILE` (docs/targets.md): a command started in harness-built
//! namespaces, an IUT that dies mid-test, named interfaces the harness only uses, and the
//! errors of bad target files. The live tests need root (CI is root); without it each says
//! it is skipped.
#![cfg(target_os = "linux")]

use mip6_harness::live::{LinkConfig, Topology};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;
use common::{assert_clean, command as mip6test, root_or_skip, text, workspace, TempDir};

const BIN: &str = env!("CARGO_BIN_EXE_mip6test");

/// Runs `cmd` to the end; its pid (the harness's: `ip netns exec` replaces itself with it).
fn run(mut cmd: Command) -> (u32, Output) {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mip6test run");
    let pid = child.id();
    (pid, child.wait_with_output().expect("run"))
}

fn summary(o: &Output) -> String {
    let stdout = String::from_utf8_lossy(&o.stdout);
    stdout
        .lines()
        .rev()
        .find(|l| l.contains(" passed, "))
        .unwrap_or_else(|| panic!("no summary line in:\n{}", text(o)))
        .to_string()
}

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).expect("write target file");
    p
}

/// Fixed starter suites (as first written, so that counts asserted here do not move with the
/// real suites) in a scratch tree with the starter topologies and profiles.
fn starter_suites(dir: &Path, files: &[(&str, &str)]) -> Vec<PathBuf> {
    let ts = common::scratch_testsuites(dir);
    std::fs::create_dir_all(ts.join("suites")).unwrap();
    files
        .iter()
        .map(|(name, body)| {
            let p = ts.join("suites").join(name);
            std::fs::write(&p, body).unwrap();
            p
        })
        .collect()
}

#[test]
fn the_reference_as_a_command_target_passes_the_ha_suites_like_the_simulation() {
    if !root_or_skip("the_reference_as_a_command_target_passes_the_ha_suites_like_the_simulation") {
        return;
    }
    // Two of the HA suites (the whole set is engine_netns's job).
    let suites = [
        "testsuites/rfc6275/ha/home-registration.yaml",
        "testsuites/rfc6275/ha/dhaad.yaml",
    ];
    let want = summary(
        &mip6test(&["run", "--no-out", suites[0], suites[1]])
            .output()
            .unwrap(),
    );
    assert!(want.contains(" 0 failed, 0 skipped;"), "{want}");
    let (pid, out) = run(mip6test(&[
        "run",
        "--no-out",
        "--target",
        "testsuites/targets/reference-ha-command.yaml",
        "-j",
        "2",
        suites[0],
        suites[1],
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(summary(&out), want, "{}", text(&out));
    assert_clean(pid);
}

#[test]
fn an_iut_that_dies_mid_test_is_an_error_and_the_run_goes_on() {
    if !root_or_skip("an_iut_that_dies_mid_test_is_an_error_and_the_run_goes_on") {
        return;
    }
    let dir = TempDir::new("target-dies");
    // For one case the wrapper starts the reference, lets the case begin (the IUT answers the
    // readiness probe), then kills it and exits 7 during the case's 2 s expect_none.
    let file = write(
        dir.path(),
        "dies.yaml",
        r#"target: dies
role: correspondent-node
command: |
  if [ "$MIP6TEST_TEST" = "CN.MH.CHECKSUM[mh_type=1]" ]; then
    {mip6test} reference --role cn --iface {iface:link0} --config {config} &
    sleep 0.5; kill -9 $!; echo "the IUT gives up" >&2; exit 7
  fi
  exec {mip6test} reference --role cn --iface {iface} --config {config}
"#,
    );
    // A fixed six-case suite: the Mobility Header checks as they were first written.
    let suite = starter_suites(
        dir.path(),
        &[("mh.yaml", include_str!("data/cn-mh-starter.yaml"))],
    )
    .remove(0);
    let (pid, out) = run(mip6test(&[
        "run",
        "--no-out",
        "--target",
        file.to_str().unwrap(),
        suite.to_str().unwrap(),
    ]));
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("ERROR CN.MH.CHECKSUM[mh_type=1]"), "{all}");
    assert!(all.contains("exited (exit status: 7)"), "{all}");
    assert!(all.contains("the IUT gives up"), "{all}");
    for later in [
        "PASS CN.MH.CHECKSUM[mh_type=2]",
        "PASS CN.MH.UNKNOWN-TYPE",
        "PASS CN.MH.PAYLOAD-PROTO[mh_type=5]",
    ] {
        assert!(all.contains(later), "{later}:\n{all}");
    }
    assert_eq!(
        summary(&out),
        "5 passed, 0 failed, 0 skipped; 0 not-applicable, 0 inconclusive, 1 errors"
    );
    assert_clean(pid);
}

/// Two namespaces of the test's own joined by a veth pair: `link0` on the IUT's side, `lab0`
/// on the tester's, both with the kernel's IPv6 off (what a lab would set up). Removed by the
/// guard when the test ends, also on a panic.
fn lab() -> (Topology, String, String) {
    let mut topo = Topology::new();
    let iut = topo.add_namespace("vendor").expect("namespace");
    let tester = topo.add_namespace("lab").expect("namespace");
    topo.add_veth(&iut, "link0", &tester, "lab0").expect("veth");
    iut.configure_link("link0", &LinkConfig::userspace(None))
        .expect("link0");
    tester
        .configure_link("lab0", &LinkConfig::userspace(None))
        .expect("lab0");
    let (a, b) = (iut.name().to_string(), tester.name().to_string());
    (topo, a, b)
}

fn run_in(ns: &str, args: &[&str]) -> (u32, Output) {
    let mut c = Command::new("ip");
    c.args(["netns", "exec", ns, BIN])
        .args(args)
        .current_dir(workspace())
        .stdin(Stdio::null());
    run(c)
}

#[test]
fn named_interfaces_are_used_and_nothing_is_created() {
    if !root_or_skip("named_interfaces_are_used_and_nothing_is_created") {
        return;
    }
    let (mut topo, vendor, lab_ns) = lab();
    let dir = TempDir::new("target-ifaces");

    // An IUT the target starts for every case, in the vendor's namespace.
    let file = write(
        dir.path(),
        "lab.yaml",
        &format!(
            "target: lab\nrole: correspondent-node\ninterfaces: {{link0: lab0}}\n\
             command: \"exec ip netns exec {vendor} {{mip6test}} reference --role cn --iface link0 --config {{config}}\"\n"
        ),
    );
    let suites = [
        "testsuites/rfc6275/cn/return-routability.yaml",
        "testsuites/rfc6275/cn/binding-update.yaml",
    ];
    let (pid, out) = run_in(
        &lab_ns,
        &[
            "run",
            "--no-out",
            "--target",
            file.to_str().unwrap(),
            suites[0],
            suites[1],
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let want = summary(
        &mip6test(&["run", "--no-out", suites[0], suites[1]])
            .output()
            .unwrap(),
    );
    assert_eq!(summary(&out), want, "{}", text(&out));
    assert_clean(pid);

    // A long-running IUT (a vendor's box) whose MAC the probe learns; suites for the other
    // role are skipped.
    let t = mip6_harness::suite::load_topology(
        &workspace().join("testsuites/topologies/cn-one-link.yaml"),
    )
    .expect("topology");
    let cfg = mip6_harness::engine::dataplane::reference_config(&t, 7)
        .expect("config")
        .to_yaml()
        .expect("yaml");
    let cfg_path = write(dir.path(), "cn.yaml", &cfg);
    let ns = topo.namespace("vendor").expect("vendor").clone();
    let mut node = ns.command(BIN);
    node.args(["reference", "--role", "cn", "--iface", "link0", "--config"])
        .arg(&cfg_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    topo.spawn(&mut node).expect("start the reference");
    let file = write(
        dir.path(),
        "box.yaml",
        "target: box\nrole: correspondent-node\ninterfaces: {link0: lab0}\n",
    );
    let fixed = starter_suites(
        dir.path(),
        &[
            ("rr.yaml", include_str!("data/cn-rr-starter.yaml")),
            ("dhaad.yaml", include_str!("data/ha-dhaad-starter.yaml")),
        ],
    );
    let (pid, out) = run_in(
        &lab_ns,
        &[
            "run",
            "--no-out",
            "--target",
            file.to_str().unwrap(),
            fixed[0].to_str().unwrap(),
            fixed[1].to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        summary(&out),
        "2 passed, 0 failed, 1 skipped; 0 not-applicable, 0 inconclusive, 0 errors",
        "{}",
        text(&out)
    );
    assert_clean(pid);
    topo.teardown().expect("teardown");
}

#[test]
fn a_suite_with_a_link_the_target_does_not_map_is_skipped() {
    if !root_or_skip("a_suite_with_a_link_the_target_does_not_map_is_skipped") {
        return;
    }
    let (_topo, _vendor, lab_ns) = lab();
    let dir = TempDir::new("target-unmapped");
    // The starter topologies have link0 only: map another link, so link0 is unmapped.
    let file = write(
        dir.path(),
        "other.yaml",
        "target: other\nrole: correspondent-node\ninterfaces: {link1: lab0}\n",
    );
    let (_, out) = run_in(
        &lab_ns,
        &[
            "run",
            "--target",
            file.to_str().unwrap(),
            "testsuites/rfc6275/cn/return-routability.yaml",
        ],
    );
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(all.contains("SKIP CN.RR.HOTI.1"), "{all}");
    assert!(
        all.contains("topology cn-one-link has link link0 which"),
        "{all}"
    );
}

#[test]
fn a_missing_interface_is_an_environment_error_naming_it() {
    if !root_or_skip("a_missing_interface_is_an_environment_error_naming_it") {
        return;
    }
    let dir = TempDir::new("target-missing");
    let file = write(
        dir.path(),
        "gone.yaml",
        "target: gone\nrole: home-agent\ninterfaces: {link0: mip6tnosuch0}\n",
    );
    let out = mip6test(&[
        "run",
        "--target",
        file.to_str().unwrap(),
        "testsuites/rfc6275/ha",
    ])
    .output()
    .unwrap();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert!(
        all.contains(
            "link link0 is mapped to interface mip6tnosuch0, which this host does not have"
        ),
        "{all}"
    );
    assert!(all.contains("`ip link`"), "{all}");
    assert!(!all.contains("PASS") && !all.contains("ERROR "), "{all}");
}

#[test]
fn a_malformed_or_missing_target_file_is_a_usage_error() {
    let dir = TempDir::new("target-bad");
    let file = write(
        dir.path(),
        "bad.yaml",
        "target: bad\nrole: home-agent\ninterfaces: {link0: eth1}\nstop_signl: TERM\n",
    );
    let out = mip6test(&["run", "--target", file.to_str().unwrap()])
        .output()
        .unwrap();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(
        all.contains(&format!(
            "{}:4:1: unknown key \"stop_signl\" — did you mean \"stop_signal\"?",
            file.display()
        )),
        "{all}"
    );

    let file = write(
        dir.path(),
        "placeholder.yaml",
        "target: bad\nrole: home-agent\ncommand: \"{mip6tst} reference\"\n",
    );
    let out = mip6test(&["run", "--target", file.to_str().unwrap()])
        .output()
        .unwrap();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(
        all.contains(":3:10: command: unknown placeholder {mip6tst} — did you mean {mip6test}?"),
        "{all}"
    );

    let out = mip6test(&["run", "--target", "no/such/target.yaml"])
        .output()
        .unwrap();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(
        all.contains("no target file \"no/such/target.yaml\""),
        "{all}"
    );
}

#[test]
fn target_files_validate_and_have_a_schema() {
    let out = mip6test(&["validate", "testsuites/targets"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("2 target files"),
        "{}",
        text(&out)
    );
    let out = mip6test(&["schema", "--kind", "target"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    for key in [
        "interfaces",
        "command",
        "ready",
        "stop_signal",
        "iut",
        "reset",
    ] {
        assert!(v["properties"].get(key).is_some(), "{key}: {v}");
    }
}
