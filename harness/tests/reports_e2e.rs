//! Issue 5 end to end: one `mip6test run --out DIR` writes results.json, junit.xml,
//! report.html and a pcapng per test; `mip6test report DIR/results.json --out DIR2` renders the
//! same junit.xml and report.html again from the results alone.
//!
//! The run is of the CN Binding Update suite with one expectation made wrong on purpose
//! (`status: 1` where the reference answers 0), so the reports have a failure to explain.
//! The external checks (xmllint with the committed XSD, junitparser, headless Chromium, tshark)
//! are reports/tests/support, shared with the reports crate's own tests.

use std::path::{Path, PathBuf};

mod common;
#[path = "../../reports/tests/support/mod.rs"]
mod support;

use common::{mip6test, text};
use mip6_reports::results::{FrameRole, Run, Verdict};

/// The CN Binding Update suite, with CN.BU.ACCEPT expecting status 1, in `dir/testsuites`.
fn failing_suite(dir: &Path) -> PathBuf {
    let ts = common::scratch_testsuites(dir);
    common::scratch_cn_suite(&ts, "binding-update.yaml", |suite| {
        let good = "binding_ack: {status: 0, seq: 100,";
        assert!(suite.contains(good), "the suite changed: update this test");
        suite.replacen(good, "binding_ack: {status: 1, seq: 100,", 1)
    })
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn one_run_writes_all_four_reports_and_report_renders_them_again() {
    let tmp = support::TempDir::new("reports-e2e");
    let file = failing_suite(tmp.path());
    let out = tmp.path().join("out");
    let o = mip6test(&[
        "run",
        "--out",
        out.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    let console = text(&o);
    assert_eq!(o.status.code(), Some(1), "{console}");
    assert!(console.contains("FAIL CN.BU.ACCEPT"), "{console}");

    // 1. results.json: the model every other report comes from.
    let run = Run::from_json(&read(&out.join("results.json"))).expect("results.json parses");
    let (suite, accept) = run
        .tests()
        .find(|(_, t)| t.id == "CN.BU.ACCEPT")
        .expect("CN.BU.ACCEPT in results.json");
    assert_eq!(accept.verdict, Verdict::Fail);
    assert!(
        accept
            .reason
            .iter()
            .any(|l| l.contains("mh.binding_ack.status: expected 1, got 0")),
        "{:?}",
        accept.reason
    );
    assert!(
        !accept.frames.is_empty(),
        "the failing test's frames are recorded"
    );
    assert!(accept.frames.iter().any(|f| f.role == FrameRole::Sent));
    assert_eq!(run.summary.failed, 1, "{:?}", run.summary);

    // 2. junit.xml: valid against the committed schema, read by a real consumer, the failure
    // names the step and the field and points at the capture.
    let junit = out.join("junit.xml");
    let junit_text = read(&junit);
    assert_eq!(
        junit_text,
        mip6_reports::junit(&run),
        "junit.xml is junit(results.json)"
    );
    if support::have_xmllint("reports_e2e junit.xml") {
        if let Err(e) = support::xmllint_junit(&junit) {
            panic!("junit.xml does not validate: {e}");
        }
    }
    if support::have_junitparser("reports_e2e junit.xml") {
        let lines = support::junitparser(&junit);
        let case: Vec<&str> = lines
            .iter()
            .find(|l| l.split('\t').nth(2) == Some("CN.BU.ACCEPT"))
            .unwrap_or_else(|| panic!("no CN.BU.ACCEPT: {lines:#?}"))
            .split('\t')
            .collect();
        assert_eq!(case[1], suite.suite, "classname is the suite");
        assert_eq!(case[3], "failure");
        assert!(case[4].contains("step 2 (expect)"), "{case:?}");
        assert!(
            case[4].contains("mh.binding_ack.status: expected 1, got 0"),
            "{case:?}"
        );
        assert!(case[5].contains("[[ATTACHMENT|pcap/"), "{case:?}");
    }

    // 3. report.html: renders, runs its script, no console error, no request.
    let page = out.join("report.html");
    let html = read(&page);
    assert!(html.contains("CN.BU.ACCEPT"));
    assert!(html.contains("mh.binding_ack.status: expected 1, got 0"));
    if support::have_chromium("reports_e2e report.html") {
        let png = support::artifacts_dir().join("report-e2e.png");
        let r = support::chromium_render(&page, "", Some(&png));
        assert!(r.problems().is_empty(), "console: {:#?}", r.console);
        assert!(r.dom.contains("data-ready=\"1\""));
    }

    // 4. one pcapng per test that has frames, with the frames' notes as packet comments.
    let mut captures = 0;
    for (_, t) in run.tests() {
        let Some(p) = &t.pcap else { continue };
        let f = out.join(p);
        assert!(f.exists(), "{}: no {}", t.id, f.display());
        let cap = mip6_reports::read_capture_file(&f).expect("the pcapng reads");
        assert_eq!(cap.frames.len(), t.frames.len(), "{}", t.id);
        for (got, want) in cap.frames.iter().zip(&t.frames) {
            assert_eq!(got.comments.first(), Some(&want.note), "{}", t.id);
        }
        captures += 1;
    }
    assert!(captures > 0, "no test has a capture");
    let accept_pcap = out.join(accept.pcap.as_deref().expect("CN.BU.ACCEPT has a capture"));
    if support::have_tshark("reports_e2e pcapng") {
        let comments = support::tshark_comments(&accept_pcap);
        assert_eq!(comments.len(), accept.frames.len());
        assert!(
            comments.iter().any(|c| c.starts_with("sent, step")),
            "{comments:?}"
        );
    }

    // `mip6test report` renders the same files from results.json alone.
    let again = tmp.path().join("again");
    let o = mip6test(&[
        "report",
        out.join("results.json").to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(read(&again.join("junit.xml")), junit_text);
    assert_eq!(read(&again.join("report.html")), html);
}
