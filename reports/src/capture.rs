//! One pcapng per test: `pcap/SUITE/ID.pcapng` in the output directory.
//!
//! * one interface per link of the topology (named after the link, Ethernet, nanosecond
//!   timestamps), in [`SuiteResult::links`] order; a frame on a link the suite does not list
//!   gets an interface of its own after them;
//! * each frame at the case's start ([`TestResult::started`], else the run's start) plus its
//!   time, with its [`FrameRecord::note`] as a packet comment (`sent, step 2`,
//!   `expected, step 3: matched`, `unexpected`), followed by one comment per decoder violation;
//! * the section comment names the test, its verdict and the reason, and lists what the test
//!   expected but never saw (a capture cannot hold a frame that did not come).
//!
//! Pure: returns the file's bytes.

use crate::pcap::{linktype, PcapngOptions, PcapngWriter};
use crate::results::{StepOutcome, SuiteResult, TestResult};
use crate::time::{epoch_ns, epoch_ns_plus};
use std::fmt::Write as _;
use std::io;

/// Longest comment kept whole (a pcapng option holds at most 65535 bytes).
const MAX_COMMENT: usize = 60_000;

fn clip(s: &str) -> &str {
    if s.len() <= MAX_COMMENT {
        return s;
    }
    let mut end = MAX_COMMENT;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The section comment: the test, its verdict and why, and the expected frames that never came.
pub fn section_comment(suite: &SuiteResult, test: &TestResult) -> String {
    let mut c = format!(
        "mip6test {} {}: {}\n{}\nsuite {} ({}:{})",
        suite.suite,
        test.id,
        test.verdict.as_str(),
        test.title,
        suite.suite,
        suite.path,
        test.line
    );
    for r in &test.reason {
        let _ = write!(c, "\n{r}");
    }
    for w in &test.warnings {
        let _ = write!(c, "\nwarning: {w}");
    }
    for s in &test.steps {
        if s.kind == "expect" && s.outcome == StepOutcome::Failed && s.frames.is_empty() {
            let _ = write!(
                c,
                "\nexpected, step {}: missing: {}",
                s.index, s.description
            );
        }
    }
    clip(&c).to_string()
}

/// The pcapng of one test case. `run_start` is the run's RFC 3339 start, used when the test has
/// no start of its own (a bad timestamp counts as the epoch). Frames whose bytes are not hex
/// are left out and named in the section comment.
pub fn test_pcapng(suite: &SuiteResult, test: &TestResult, run_start: &str) -> io::Result<Vec<u8>> {
    let base = test
        .started
        .as_deref()
        .and_then(epoch_ns)
        .or_else(|| epoch_ns(run_start))
        .unwrap_or(0);
    let mut frames = Vec::with_capacity(test.frames.len());
    let mut comment = section_comment(suite, test);
    for (i, f) in test.frames.iter().enumerate() {
        match crate::label::hex_bytes(&f.bytes) {
            Some(b) => frames.push((f, b)),
            None => {
                let _ = write!(
                    comment,
                    "\nframe {} of the record ({}, {}) is left out: its bytes are not hex",
                    i + 1,
                    f.link,
                    f.note
                );
            }
        }
    }
    let opts = PcapngOptions {
        comment: Some(clip(&comment).to_string()),
        ..PcapngOptions::default()
    };
    let mut w = PcapngWriter::with_options(Vec::new(), opts)?;
    let mut links: Vec<String> = Vec::new();
    for l in &suite.links {
        if !links.contains(l) {
            w.add_interface(linktype::ETHERNET, l)?;
            links.push(l.clone());
        }
    }
    for (f, bytes) in &frames {
        let iface = match links.iter().position(|l| *l == f.link) {
            Some(i) => i,
            None => {
                let i = w.add_interface(linktype::ETHERNET, &f.link)?;
                links.push(f.link.clone());
                i
            }
        };
        let mut comments: Vec<String> = vec![clip(&f.note).to_string()];
        for v in &f.violations {
            comments.push(
                clip(&format!(
                    "violation: {}.{} @{}: {} [{}; {}]",
                    v.layer, v.field, v.offset, v.message, v.rule, v.rfc
                ))
                .to_string(),
            );
        }
        comments.retain(|c| !c.is_empty());
        let refs: Vec<&str> = comments.iter().map(String::as_str).collect();
        let orig = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        w.write_packet_full(iface, epoch_ns_plus(base, f.time), bytes, orig, &refs)?;
    }
    w.finish()
}
