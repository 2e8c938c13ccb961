//! The test command of mutation testing (issue 7, `ci/mutants.sh`): every suite under
//! `testsuites/` against the built-in reference nodes over the simulated network, in process.
//!
//! cargo-mutants mutates the reference's protocol logic (`.cargo/mutants.toml`) and runs only
//! this test (`cargo test -p mip6-harness --test suites_mutants`), so a mutant counts as caught
//! exactly when a YAML test case no longer passes, never because of the reference's own unit
//! tests. It is an ordinary test too: the suites must pass against the unmutated reference.

use std::path::{Path, PathBuf};

use mip6_harness::engine::{run_command, RunOpts, Target};

#[test]
fn every_suite_passes_against_the_simulated_reference() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf();
    let opts = RunOpts {
        target: Target::Simulated,
        paths: vec![root.join(PathBuf::from("testsuites"))],
        jobs: 1,
        ..RunOpts::default()
    };
    let mut out = Vec::new();
    let mut err = Vec::new();
    let r = run_command(&opts, &mut out, &mut err);
    let out = String::from_utf8_lossy(&out);
    let err = String::from_utf8_lossy(&err);
    // Only the cases that did not pass (and their details) in the failure message: with ~300
    // cases the full listing would bury them. cargo-mutants keeps this in mutants.out/logs/.
    let not_passed: String = out
        .split_inclusive('\n')
        .filter(|l| !l.starts_with("PASS ") && !l.starts_with("# "))
        .collect();
    match r {
        Ok(sum) => assert!(sum.ok(), "{}\n{not_passed}{err}", sum.line()),
        Err(e) => panic!("mip6test run did not complete: {e}\n{not_passed}{err}"),
    }
    assert!(
        out.lines().any(|l| l.starts_with("PASS ")),
        "no test case ran:\n{out}{err}"
    );
}
