//! The results of a run: the source of truth every report is rendered from.
//!
//! The engine (mip6-harness) fills a [`Run`] while it runs and writes it as `results.json`;
//! `mip6test report results.json` reads it back and renders the other formats. Nothing here
//! reads a clock or a file: times are given by the caller.
//!
//! The JSON form is documented in docs/results-json.md; [`SCHEMA_VERSION`] changes when a
//! field changes meaning or disappears (adding a field does not change it).

use serde::{Deserialize, Serialize};

/// The version of the results.json format.
pub const SCHEMA_VERSION: u32 = 1;

/// One run of `mip6test run`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// [`SCHEMA_VERSION`] of the writer.
    pub schema: u32,
    /// `mip6test` and its version.
    pub tool: Tool,
    /// Where the suites ran: `simulated`, `netns:cn`, `netns:ha` or `file:PATH`.
    pub target: String,
    /// The wall-clock start of the run, RFC 3339 in UTC (`2026-11-23T10:00:00.123Z`).
    pub started: String,
    /// The wall-clock end of the run (RFC 3339, UTC); absent while the run is going on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished: Option<String>,
    /// Whether the run was interrupted (Ctrl-C, SIGTERM) before every test ran.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
    /// The suites, in the order they ran.
    pub suites: Vec<SuiteResult>,
    /// Counts over every test of every suite.
    pub summary: Summary,
}

/// The tool that wrote the results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

/// One suite file's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuiteResult {
    /// The suite file as given (relative to the working directory when it was).
    pub path: String,
    /// SHA-256 of the file's bytes, lower-case hex.
    pub sha256: String,
    /// The suite's id (`suite:` key).
    pub suite: String,
    pub title: String,
    /// The IUT's role: `correspondent-node`, `home-agent`, ...
    pub role: String,
    /// The topology's name.
    pub topology: String,
    /// The capability profile the suite ran with: its name and file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<ProfileRef>,
    /// The topology's links, in order: one pcapng interface each.
    pub links: Vec<String>,
    /// The columns of a ladder diagram: the emulated nodes (topology order), then `iut`.
    pub nodes: Vec<String>,
    pub tests: Vec<TestResult>,
}

/// The profile a suite ran with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileRef {
    pub name: String,
    pub path: String,
}

/// One test case (after matrix expansion) and what happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestResult {
    /// The case's id; a matrix variant's id carries its variables (`CN.BU.SEQ[seq=65535]`).
    pub id: String,
    pub title: String,
    /// The suite file line the test starts at.
    pub line: u32,
    /// The RFC clauses the test checks.
    pub refs: Vec<Ref>,
    /// Behaviour ids (MH-1, CN-11, HA-7, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub behaviours: Vec<String>,
    /// The predecessor (TAHI / IPv6 Ready) test ids this test corresponds to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tahi: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    pub verdict: Verdict,
    /// Why the verdict is not pass: where (file:line, step), what (`field: expected X, got Y`),
    /// what arrived instead; the not-applicable or skip reason; the error.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reason: Vec<String>,
    /// Warnings: a SHOULD not met, unexpected frames, checksum or length findings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The wall-clock start of the case (RFC 3339, UTC); absent for cases that did not run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    /// How long the case took, in seconds of the dataplane's clock (virtual time when
    /// simulated).
    pub duration: f64,
    /// The steps in the order they ran (fixture steps first); steps after a failing one are
    /// listed with outcome `not-run`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepRecord>,
    /// Every frame sent and every frame the IUT emitted during the case, in time order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub frames: Vec<FrameRecord>,
    /// The case's capture, relative to the output directory (`pcap/SUITE/ID.pcapng`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pcap: Option<String>,
}

/// An RFC clause a test checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ref {
    pub rfc: u32,
    pub section: String,
    /// `MUST`, `SHOULD`, `MAY` (and their negations) when the test states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
}

impl Ref {
    /// `RFC 6275 §9.5.1`.
    pub fn label(&self) -> String {
        format!("RFC {} §{}", self.rfc, self.section)
    }
}

/// A test case's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Pass,
    /// Passed, with warnings (a SHOULD not met, unexpected frames, frame findings).
    PassWithWarnings,
    Fail,
    /// A setup fixture did not bring the IUT where the test starts.
    Inconclusive,
    /// The profile lacks a feature the test needs.
    NotApplicable,
    /// Not run (the run was interrupted, or the target does not run this suite).
    Skipped,
    /// The test could not be run as written, the IUT died, or the harness failed.
    Error,
}

impl Verdict {
    /// Every verdict, in report order.
    pub const ALL: [Verdict; 7] = [
        Verdict::Pass,
        Verdict::PassWithWarnings,
        Verdict::Fail,
        Verdict::Inconclusive,
        Verdict::NotApplicable,
        Verdict::Skipped,
        Verdict::Error,
    ];

    /// The JSON spelling: `pass`, `pass-with-warnings`, `fail`, ...
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::PassWithWarnings => "pass-with-warnings",
            Verdict::Fail => "fail",
            Verdict::Inconclusive => "inconclusive",
            Verdict::NotApplicable => "not-applicable",
            Verdict::Skipped => "skipped",
            Verdict::Error => "error",
        }
    }

    /// Whether the verdict counts as passed (with or without warnings).
    pub fn passed(&self) -> bool {
        matches!(self, Verdict::Pass | Verdict::PassWithWarnings)
    }
}

/// One step as it ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    /// The step's number within the test or within its fixture (from 1).
    pub index: usize,
    /// The fixture the step belongs to (`use:`), none for the test's own steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixture: Option<String>,
    /// `send`, `expect`, `expect_none`, `wait`, `set`, `responders`.
    pub kind: String,
    /// The suite file line of the step.
    pub line: u32,
    /// The link the step sends on or watches (send, expect, expect_none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// One line: what the step does (`expect on link0 within 1s: mh binding_ack status=0`).
    pub description: String,
    pub outcome: StepOutcome,
    /// The step's packet as written in the suite (send: the template, expect: the conditions),
    /// with variables resolved where they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packet: Option<serde_json::Value>,
    /// The frames the step sent or matched: indexes into [`TestResult::frames`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub frames: Vec<usize>,
    /// When the step started and ended, seconds since the case started.
    pub start: f64,
    pub end: f64,
    /// The failure or error of this step (the first line says where; then
    /// `field: expected X, got Y` and what arrived instead).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub message: Vec<String>,
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepOutcome {
    /// Done as written: sent, matched, nothing matching arrived (expect_none), waited.
    Ok,
    /// An expectation was not met: no matching frame (expect), a matching frame (expect_none),
    /// a frame too early.
    Failed,
    /// The step could not run (a bad template, an unknown variable, the dataplane failed).
    Error,
    /// A step before it stopped the test.
    NotRun,
}

/// One frame on a link during a test case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameRecord {
    /// The link the frame was on (one of [`SuiteResult::links`]).
    pub link: String,
    /// Seconds since the case started (dataplane clock).
    pub time: f64,
    /// Who sent it: an emulated node's name or `iut`.
    pub from: String,
    /// Who it was for: an emulated node's name, `iut`, or the link's name for multicast and
    /// frames to no known node.
    pub to: String,
    pub role: FrameRole,
    /// The step that sent or matched the frame: an index into [`TestResult::steps`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
    /// The comment the frame carries in the pcapng: `sent, step 2`,
    /// `expected, step 3: matched`, `unexpected`, `background (ND)`.
    pub note: String,
    /// A one-line summary of the decoded frame (`ipv6 src=… dst=… | mh binding_ack status=0`).
    pub summary: String,
    /// The frame's bytes from the Ethernet header on, lower-case hex.
    pub bytes: String,
    /// What the decoder found wrong with the frame.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<ViolationRecord>,
}

/// Why a frame is in the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FrameRole {
    /// Sent by the harness for a `send` step.
    Sent,
    /// Sent by the harness on its own: the emulated nodes' ND answers.
    Responder,
    /// From the IUT, matched by an `expect` step.
    Matched,
    /// From the IUT, matched by an `expect_none` step: the frame that should not have come.
    Forbidden,
    /// From the IUT, neighbour discovery or router traffic no step asked for (not a warning).
    Background,
    /// From the IUT, matched by no step.
    Unexpected,
}

/// A decoder finding about a frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViolationRecord {
    pub layer: String,
    pub field: String,
    /// Byte offset of the field from the start of the frame.
    pub offset: usize,
    pub rule: String,
    pub message: String,
    pub rfc: String,
}

impl From<&mip6_packets::Violation> for ViolationRecord {
    fn from(v: &mip6_packets::Violation) -> Self {
        ViolationRecord {
            layer: v.layer.to_string(),
            field: v.field.to_string(),
            offset: v.offset,
            rule: v.rule.to_string(),
            message: v.message.clone(),
            rfc: v.rfc.to_string(),
        }
    }
}

/// Counts of a run (or of a suite).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub total: usize,
    /// Passed, with or without warnings.
    pub passed: usize,
    /// Of `passed`, those with warnings.
    pub warnings: usize,
    pub failed: usize,
    pub inconclusive: usize,
    pub not_applicable: usize,
    pub skipped: usize,
    pub errors: usize,
}

impl Summary {
    /// The counts of these verdicts.
    pub fn of<'a>(verdicts: impl IntoIterator<Item = &'a Verdict>) -> Summary {
        let mut s = Summary::default();
        for v in verdicts {
            s.add(*v);
        }
        s
    }

    pub fn add(&mut self, v: Verdict) {
        self.total += 1;
        match v {
            Verdict::Pass => self.passed += 1,
            Verdict::PassWithWarnings => {
                self.passed += 1;
                self.warnings += 1;
            }
            Verdict::Fail => self.failed += 1,
            Verdict::Inconclusive => self.inconclusive += 1,
            Verdict::NotApplicable => self.not_applicable += 1,
            Verdict::Skipped => self.skipped += 1,
            Verdict::Error => self.errors += 1,
        }
    }

    /// Whether every applicable test passed.
    pub fn ok(&self) -> bool {
        self.failed == 0 && self.errors == 0 && self.inconclusive == 0
    }

    /// `42 passed, 0 failed, 0 skipped; 3 not-applicable, 0 inconclusive, 0 errors` — the
    /// console's last line.
    pub fn line(&self) -> String {
        format!(
            "{} passed, {} failed, {} skipped; {} not-applicable, {} inconclusive, {} errors",
            self.passed,
            self.failed,
            self.skipped,
            self.not_applicable,
            self.inconclusive,
            self.errors
        )
    }
}

impl Run {
    /// Every test of every suite.
    pub fn tests(&self) -> impl Iterator<Item = (&SuiteResult, &TestResult)> {
        self.suites
            .iter()
            .flat_map(|s| s.tests.iter().map(move |t| (s, t)))
    }

    /// Recomputes [`Run::summary`] from the tests.
    pub fn recount(&mut self) {
        let mut s = Summary::default();
        for suite in &self.suites {
            for t in &suite.tests {
                s.add(t.verdict);
            }
        }
        self.summary = s;
    }

    /// Reads results.json text.
    pub fn from_json(text: &str) -> Result<Run, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// results.json text (pretty, stable key order as declared).
    pub fn to_json(&self) -> String {
        // Serialising these plain structs cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// A file name for a test's capture: the id with every character outside `[A-Za-z0-9._-]`
/// replaced by `_` (matrix ids carry `[`, `=` and `,`).
pub fn file_stem(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_spell_as_documented() {
        for v in Verdict::ALL {
            let j = serde_json::to_string(&v).unwrap();
            assert_eq!(j, format!("\"{}\"", v.as_str()));
        }
    }

    #[test]
    fn summary_counts_warnings_as_passed() {
        let s = Summary::of(&[
            Verdict::Pass,
            Verdict::PassWithWarnings,
            Verdict::Fail,
            Verdict::NotApplicable,
        ]);
        assert_eq!((s.total, s.passed, s.warnings, s.failed), (4, 2, 1, 1));
        assert!(!s.ok());
        assert_eq!(
            s.line(),
            "2 passed, 1 failed, 0 skipped; 1 not-applicable, 0 inconclusive, 0 errors"
        );
    }

    #[test]
    fn file_stems_are_safe() {
        assert_eq!(
            file_stem("CN.BU.SEQ[seq=65535, a=1]"),
            "CN.BU.SEQ_seq_65535__a_1_"
        );
        assert_eq!(file_stem("../x"), ".._x");
    }
}
