//! junit.xml: the run as a JUnit report (the Jenkins / Ant format that GitLab, Jenkins, GitHub
//! test reporters and most CI systems read), written with quick-junit.
//!
//! * one `<testsuite>` per suite file (`name` = the suite's id), one `<testcase>` per test
//!   (`name` = the test id, `classname` = the suite's id, `file` and `line` = where it is);
//! * verdicts: pass and pass-with-warnings are successes (the warnings go to `system-out`); fail
//!   and inconclusive are `<failure>`; error is `<error>`; not-applicable and skipped are
//!   `<skipped>`. The failure's `message` says where (file:line, step) and which field; its
//!   text holds every reason line. The verdict is also the element's `type`;
//! * properties: `verdict`, one `ref` per RFC clause (`RFC 6275 §9.5.1 MUST`), `behaviour`,
//!   `tahi`, `tag`;
//! * `system-out` carries `[[ATTACHMENT|pcap/SUITE/ID.pcapng]]` when the test has a capture
//!   (GitLab and Jenkins' attachments plugin link it).
//!
//! Pure: the times come from the [`Run`].

use crate::results::{Run, SuiteResult, TestResult, Verdict};
use crate::time::parse_rfc3339;
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use std::time::Duration;

/// The run as junit.xml text.
pub fn junit(run: &Run) -> String {
    let mut report = Report::new(run.tool.name.as_str());
    if let Some(t) = parse_rfc3339(&run.started) {
        report.set_timestamp(t);
    }
    let total: f64 = run.tests().map(|(_, t)| t.duration).sum();
    report.set_time(seconds(total));
    for suite in &run.suites {
        report.add_test_suite(test_suite(run, suite));
    }
    match report.to_string() {
        Ok(s) => s,
        // quick-junit only fails on a writer error, and a String does not fail; keep a
        // well-formed document all the same.
        Err(e) => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"mip6test\" tests=\"0\" failures=\"0\" errors=\"1\"><!-- {} --></testsuites>\n",
            e.to_string().replace("--", "- -")
        ),
    }
}

fn seconds(s: f64) -> Duration {
    if s.is_finite() && s > 0.0 {
        Duration::try_from_secs_f64(s).unwrap_or(Duration::MAX)
    } else {
        Duration::ZERO
    }
}

fn test_suite(run: &Run, suite: &SuiteResult) -> TestSuite {
    let mut ts = TestSuite::new(suite.suite.as_str());
    let first_start = suite
        .tests
        .iter()
        .filter_map(|t| t.started.as_deref())
        .find_map(parse_rfc3339)
        .or_else(|| parse_rfc3339(&run.started));
    if let Some(t) = first_start {
        ts.set_timestamp(t);
    }
    ts.set_time(seconds(suite.tests.iter().map(|t| t.duration).sum()));
    ts.add_property(Property::new("file", suite.path.as_str()));
    ts.add_property(Property::new("sha256", suite.sha256.as_str()));
    ts.add_property(Property::new("title", suite.title.as_str()));
    ts.add_property(Property::new("role", suite.role.as_str()));
    ts.add_property(Property::new("topology", suite.topology.as_str()));
    if let Some(p) = &suite.profile {
        ts.add_property(Property::new("profile", format!("{} ({})", p.name, p.path)));
    }
    ts.add_property(Property::new("target", run.target.as_str()));
    for t in &suite.tests {
        ts.add_test_case(test_case(suite, t));
    }
    ts
}

/// The failure message: the first reason line (where: file:line, step), followed by the second
/// when it is the field (`mh.binding_ack.status: expected 1, got 0`) rather than a frame list.
pub fn failure_message(reason: &[String]) -> String {
    let mut m = reason.first().cloned().unwrap_or_default();
    if let Some(second) = reason.get(1) {
        if !second.starts_with(char::is_whitespace) && !second.trim().is_empty() {
            m.push_str(" — ");
            m.push_str(second.trim_end());
        }
    }
    m
}

fn test_case(suite: &SuiteResult, t: &TestResult) -> TestCase {
    let reason_text = t.reason.join("\n");
    let status = match t.verdict {
        Verdict::Pass | Verdict::PassWithWarnings => TestCaseStatus::success(),
        Verdict::Fail | Verdict::Inconclusive | Verdict::Error => {
            let kind = if t.verdict == Verdict::Error {
                NonSuccessKind::Error
            } else {
                NonSuccessKind::Failure
            };
            let mut s = TestCaseStatus::non_success(kind);
            let message = failure_message(&t.reason);
            s.set_message(if message.is_empty() {
                t.verdict.as_str().to_string()
            } else {
                message
            });
            s.set_type(t.verdict.as_str());
            let mut text = reason_text.clone();
            if !t.warnings.is_empty() {
                text.push_str("\nwarnings:\n");
                text.push_str(&t.warnings.join("\n"));
            }
            if !text.is_empty() {
                s.set_description(text);
            }
            s
        }
        Verdict::NotApplicable | Verdict::Skipped => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(match t.reason.first() {
                Some(r) => format!("{}: {r}", t.verdict.as_str()),
                None => t.verdict.as_str().to_string(),
            });
            s.set_type(t.verdict.as_str());
            if t.reason.len() > 1 {
                s.set_description(reason_text.clone());
            }
            s
        }
    };
    let mut tc = TestCase::new(t.id.as_str(), status);
    tc.set_classname(suite.suite.as_str());
    tc.extra.insert("file".into(), suite.path.as_str().into());
    tc.extra.insert("line".into(), t.line.to_string().into());
    if let Some(ts) = t.started.as_deref().and_then(parse_rfc3339) {
        tc.set_timestamp(ts);
    }
    tc.set_time(seconds(t.duration));
    tc.add_property(Property::new("title", t.title.as_str()));
    tc.add_property(Property::new("verdict", t.verdict.as_str()));
    for r in &t.refs {
        let v = match &r.level {
            Some(l) => format!("{} {l}", r.label()),
            None => r.label(),
        };
        tc.add_property(Property::new("ref", v));
    }
    for b in &t.behaviours {
        tc.add_property(Property::new("behaviour", b.as_str()));
    }
    for x in &t.tahi {
        tc.add_property(Property::new("tahi", x.as_str()));
    }
    for x in &t.tags {
        tc.add_property(Property::new("tag", x.as_str()));
    }
    let mut out = String::new();
    if t.verdict == Verdict::PassWithWarnings && !t.warnings.is_empty() {
        out.push_str("warnings:\n");
        for w in &t.warnings {
            out.push_str("  ");
            out.push_str(w);
            out.push('\n');
        }
    }
    match &t.pcap {
        Some(p) if crate::html::safe_relative(p) => {
            out.push_str(&format!("[[ATTACHMENT|{p}]]\n"));
        }
        Some(p) => out.push_str(&format!("capture: {p}\n")),
        None => {}
    }
    if !out.is_empty() {
        tc.set_system_out(out);
    }
    tc
}
