//! The report writers (issue 5) on a hand-built run with every verdict: junit.xml (snapshot,
//! the committed XSD via xmllint, the `junitparser` package), report.html (escaping, headless
//! Chromium: renders, scripts run, no console error, no request; a screenshot for CI's
//! artefacts), the per-test pcapng (our reader and tshark see the comments).

mod sample;
mod support;

use mip6_reports::results::{Run, Verdict};
use mip6_reports::{html, junit, read_capture, test_pcapng};
use sample::{empty_run, sample_run};
use support::*;

// ---- junit.xml ----------------------------------------------------------------------------------

#[test]
fn junit_snapshot() {
    insta::assert_snapshot!("junit_sample", junit(&sample_run()));
}

#[test]
fn junit_maps_every_verdict() {
    let x = junit(&sample_run());
    // Two suites, seven cases; fail → failure, error → error, n/a and skipped → skipped.
    assert!(
        x.contains(
            "<testsuites name=\"mip6test\" tests=\"7\" skipped=\"2\" failures=\"2\" errors=\"1\""
        ),
        "{x}"
    );
    assert!(x.contains("classname=\"rfc6275-cn-bu-processing\""), "{x}");
    // The failure message says where (file:line, step) and which field.
    assert!(
        x.contains("message=\"testsuites/rfc6275/cn/binding-update.yaml:99: step 2 (expect) on link0 within 1.5s: no matching frame — mh: expected binding_ack, got nothing"),
        "{x}"
    );
    assert!(
        x.contains("<property name=\"ref\" value=\"RFC 6275 §9.5.1 MUST\"/>"),
        "{x}"
    );
    assert!(
        x.contains("<property name=\"verdict\" value=\"pass-with-warnings\"/>"),
        "{x}"
    );
    assert!(
        x.contains("<property name=\"tahi\" value=\"CN-1-2\"/>"),
        "{x}"
    );
    assert!(
        x.contains("[[ATTACHMENT|pcap/rfc6275-cn-bu-processing/CN.BU.ACCEPT.pcapng]]"),
        "{x}"
    );
    assert!(
        x.contains("<skipped message=\"not-applicable: the profile lacks nemo"),
        "{x}"
    );
    assert!(
        x.contains("SHOULD not met"),
        "warnings of a pass go to system-out: {x}"
    );
    // Hostile text is escaped.
    assert!(!x.contains("<script>"), "{x}");
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn junit_validates_against_the_committed_xsd() {
    if !have_xmllint("junit_validates_against_the_committed_xsd") {
        return;
    }
    let d = TempDir::new("junit-xsd");
    for (name, run) in [("sample.xml", sample_run()), ("empty.xml", empty_run())] {
        let f = write(d.path(), name, &junit(&run));
        if let Err(e) = xmllint_junit(&f) {
            panic!("{name} does not validate: {e}");
        }
    }
    // The schema is not a rubber stamp: a document outside the format is refused.
    let bad = write(
        d.path(),
        "bad.xml",
        "<testsuites><testsuite name=\"x\" tests=\"1\"><testcase><failure/></testcase></testsuite></testsuites>",
    );
    assert!(
        xmllint_junit(&bad).is_err(),
        "a testcase without a name must not validate"
    );
}

#[test]
fn junit_reads_back_with_junitparser() {
    if !have_junitparser("junit_reads_back_with_junitparser") {
        return;
    }
    let d = TempDir::new("junitparser");
    let f = write(d.path(), "junit.xml", &junit(&sample_run()));
    let lines = junitparser(&f);
    assert_eq!(lines[0], "totals 7 2 1 2", "{lines:#?}");
    let case = |name: &str| -> Vec<String> {
        let l = lines
            .iter()
            .find(|l| l.split('\t').nth(2) == Some(name))
            .unwrap_or_else(|| panic!("no case {name}: {lines:#?}"));
        l.split('\t').map(str::to_string).collect()
    };
    let ok = case("CN.BU.ACCEPT");
    assert_eq!(ok[0], "rfc6275-cn-bu-processing");
    assert_eq!(ok[1], "rfc6275-cn-bu-processing");
    assert_eq!(ok[3], "pass");
    assert_eq!(
        ok[5],
        "[[ATTACHMENT|pcap/rfc6275-cn-bu-processing/CN.BU.ACCEPT.pcapng]]\\n"
    );
    let fail = case("CN.BU.SEQ[seq=65535]");
    assert_eq!(fail[3], "failure");
    assert!(
        fail[4].contains("step 2 (expect)") && fail[4].contains("mh: expected binding_ack"),
        "{fail:?}"
    );
    assert_eq!(case("CN.BU.NO-BE")[3], "failure");
    assert_eq!(case("CN.BU.LIFETIME")[3], "pass");
    assert_eq!(case("HA.NEMO.REG")[3], "skipped");
    assert_eq!(case("HA.REG.DEREG")[3], "skipped");
    assert_eq!(case("HA.REG.<script>alert(1)</script>")[3], "error");
}

// ---- report.html --------------------------------------------------------------------------------

#[test]
fn html_is_self_contained_and_escapes_everything() {
    let h = html(&sample_run());
    assert!(h.starts_with("<!DOCTYPE html>"));
    assert!(h.contains("content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\""));
    // Nothing to fetch: no external URL in any attribute (the SVG namespace is a name, not a
    // request).
    for bad in [
        "src=\"",
        "src='",
        "href=\"http",
        "href=\"//",
        "url(",
        "@import",
        "fetch(",
        "XMLHttpRequest",
    ] {
        assert!(!h.contains(bad), "found {bad:?}");
    }
    // The IUT's text cannot open a tag or leave the JSON block.
    assert!(!h.contains("<script>alert"), "unescaped script");
    assert!(!h.contains("<img src=x"), "unescaped img");
    assert!(!h.contains("<b>bold</b>"), "unescaped frame summary");
    assert_eq!(
        h.matches("</script>").count(),
        2,
        "only the two script elements close"
    );
    assert!(
        !h.contains("href=\"javascript:"),
        "a scheme in a pcap path is not a link"
    );
    // Grouped by RFC and section, failing tests open.
    for heading in [
        "<h2>RFC 3963",
        "<h2>RFC 6275",
        "<h3>RFC 6275 §9.5.1",
        "Tests that cite no RFC clause",
    ] {
        assert!(h.contains(heading), "{heading}");
    }
    assert!(h.find("<h2>RFC 3963").unwrap() < h.find("<h2>RFC 6275").unwrap());
    assert!(h.contains("data-v=\"fail\" data-id=\"CN.BU.SEQ[seq=65535]\""));
    let seq = &h[h.find("data-id=\"CN.BU.SEQ[seq=65535]\"").unwrap()..];
    assert!(
        seq[..seq.find('>').unwrap()].ends_with(" open"),
        "failing tests start open"
    );
    // The ladder: columns, labelled arrows, the missing and the unexpected frame.
    assert!(h.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"seq\""));
    assert!(h.contains(">mn0</text>") && h.contains(">iut</text>"));
    assert!(h.contains("BU seq="), "decoded label on the arrow");
    assert!(h.contains("class=\"ev missing\""));
    assert!(h.contains(">✗ missing: mh binding_ack status=0 seq=65535</text>"));
    assert!(h.contains("class=\"ev r-unexpected\""));
    assert!(h.contains("class=\"ev r-forbidden\""));
    // The pcap link is relative and percent-encoded.
    assert!(h.contains("href=\"pcap/rfc6275-cn-bu-processing/CN.BU.SEQ_seq_65535_.pcapng\""));
    // Size: well under 10 KB a test for this sample.
    assert!(h.len() < 200 * 1024, "{} bytes", h.len());
}

#[test]
fn html_stays_small_for_a_full_run() {
    // ~350 tests (50 copies of the sample's 7, frames and all): the page must stay easy to mail.
    let mut run = sample_run();
    let suites = run.suites.clone();
    for i in 1..50 {
        for s in &suites {
            let mut s = s.clone();
            s.suite = format!("{}-{i}", s.suite);
            run.suites.push(s);
        }
    }
    run.recount();
    assert_eq!(run.summary.total, 350);
    let h = html(&run);
    assert!(h.len() < 4 * 1024 * 1024, "{} bytes for 350 tests", h.len());
}

#[test]
fn html_of_an_empty_run() {
    let h = html(&empty_run());
    assert!(h.contains("No tests ran."));
    assert!(h.ends_with("</html>\n"));
}

#[test]
fn html_renders_in_headless_chromium() {
    if !have_chromium("html_renders_in_headless_chromium") {
        return;
    }
    // The page is kept beside its screenshot, for people to open.
    let page = write(&artifacts_dir(), "report.html", &html(&sample_run()));
    let png = artifacts_dir().join("report.png");
    let _ = std::fs::remove_file(&png);
    let r = chromium_render(&page, "", Some(&png));
    assert!(r.problems().is_empty(), "console: {:#?}", r.console);
    // The script ran to its end and rendered what it renders.
    assert!(r.dom.contains("data-ready=\"1\""), "{}", r.dom);
    assert!(r.dom.contains("7 of 7 tests shown"));
    // The forbidden frame of a failing test starts open: its fields and hex dump are there,
    // with the checksum's field and bytes marked.
    assert!(
        r.dom.contains("<pre class=\"hexdump\">"),
        "no hex dump rendered"
    );
    assert!(
        r.dom.contains("<tr class=\"bad\"><th>checksum</th>"),
        "checksum row not marked"
    );
    assert!(r.dom.contains("class=\"b L"), "bytes coloured by layer");
    // Hostile text stayed text.
    assert!(!r.dom.contains("<script>alert"));
    let meta = std::fs::metadata(&png).expect("screenshot");
    assert!(meta.len() > 10_000, "screenshot of {} bytes", meta.len());

    // The filter, driven by the query string: only failures, then a text.
    let r = chromium_render(&page, "?v=fail,error", None);
    assert!(r.problems().is_empty(), "console: {:#?}", r.console);
    assert!(r.dom.contains("3 of 7 tests shown"), "{}", r.dom);
    let r = chromium_render(&page, "?q=9.3.1", None);
    assert!(r.dom.contains("1 of 7 tests shown"));
}

#[test]
fn chromium_check_catches_requests_and_script_errors() {
    // The check above is only worth something if it fails on a bad page.
    if !have_chromium("chromium_check_catches_requests_and_script_errors") {
        return;
    }
    let d = TempDir::new("html-negative");
    let h = html(&sample_run()).replace(
        "</main>",
        "<img src=\"https://192.0.2.1/pixel.png\" alt=\"\"></main>",
    );
    let page = write(d.path(), "fetches.html", &h);
    let r = chromium_render(&page, "", None);
    assert!(
        !r.problems().is_empty(),
        "a blocked request went unnoticed: {:#?}",
        r.console
    );
    let h = html(&sample_run()).replace("'use strict';", "'use strict'; undefinedFunction();");
    let page = write(d.path(), "throws.html", &h);
    let r = chromium_render(&page, "", None);
    assert!(
        !r.problems().is_empty(),
        "a script error went unnoticed: {:#?}",
        r.console
    );
    assert!(!r.dom.contains("data-ready=\"1\""));
}

// ---- pcapng -------------------------------------------------------------------------------------

fn all_captures(run: &Run) -> Vec<(String, Vec<u8>)> {
    run.tests()
        .map(|(s, t)| {
            (
                t.id.clone(),
                test_pcapng(s, t, &run.started).unwrap_or_else(|e| panic!("{}: {e}", t.id)),
            )
        })
        .collect()
}

#[test]
fn pcapng_has_a_link_per_interface_and_the_notes_as_comments() {
    let run = sample_run();
    let caps = all_captures(&run);
    let (_, seq) = caps
        .iter()
        .find(|(id, _)| id == "CN.BU.SEQ[seq=65535]")
        .unwrap();
    let c = read_capture(seq).unwrap();
    assert_eq!(c.interfaces.len(), 1);
    assert_eq!(c.interfaces[0].name.as_deref(), Some("link0"));
    assert_eq!(c.frames.len(), 8);
    assert_eq!(c.frames[0].comments, vec!["sent, fixture rr step 1"]);
    assert_eq!(c.frames[7].comments, vec!["unexpected"]);
    // The case started at 10:00:00.200; the unexpected frame came 49 ms later.
    assert_eq!(c.frames[7].timestamp_ns, Some(1_795_428_000_249_000_000));

    // The forbidden frame carries its violation as a second comment.
    let (_, none) = caps.iter().find(|(id, _)| id == "CN.BU.NO-BE").unwrap();
    let c = read_capture(none).unwrap();
    assert_eq!(c.frames[1].comments[0], "forbidden, step 2: matched");
    assert!(
        c.frames[1].comments[1].starts_with("violation: mh.checksum"),
        "{:?}",
        c.frames[1].comments
    );

    // A frame on a link the suite does not list gets its own interface; bad hex is left out.
    let (_, err) = caps
        .iter()
        .find(|(id, _)| id.starts_with("HA.REG.<script>"))
        .unwrap();
    let c = read_capture(err).unwrap();
    let names: Vec<_> = c
        .interfaces
        .iter()
        .map(|i| i.name.clone().unwrap_or_default())
        .collect();
    assert_eq!(names, vec!["link0", "link9"]);
    assert_eq!(c.frames.len(), 2);
    assert_eq!(c.frames[1].interface, 1);

    // A test that did not run has an empty capture that still reads.
    let (_, skipped) = caps.iter().find(|(id, _)| id == "HA.REG.DEREG").unwrap();
    assert!(read_capture(skipped).unwrap().frames.is_empty());
}

#[test]
fn pcapng_section_comment_names_the_test_and_the_missing_frame() {
    let run = sample_run();
    let (s, t) = run
        .tests()
        .find(|(_, t)| t.verdict == Verdict::Fail)
        .unwrap();
    let c = mip6_reports::capture::section_comment(s, t);
    assert!(
        c.starts_with("mip6test rfc6275-cn-bu-processing CN.BU.SEQ[seq=65535]: fail\n"),
        "{c}"
    );
    assert!(
        c.contains("expected, step 2: missing: expect on link0 within 1.5s"),
        "{c}"
    );
}

#[test]
fn tshark_reads_the_comments() {
    if !have_tshark("tshark_reads_the_comments") {
        return;
    }
    let run = sample_run();
    let d = TempDir::new("pcapng-tshark");
    for (id, bytes) in all_captures(&run) {
        let f = d
            .path()
            .join(format!("{}.pcapng", mip6_reports::results::file_stem(&id)));
        std::fs::write(&f, bytes).unwrap();
        let comments = tshark_comments(&f);
        let (_, t) = run.tests().find(|(_, t)| t.id == id).unwrap();
        let expected: Vec<&str> = t
            .frames
            .iter()
            .filter(|f| mip6_reports::label::hex_bytes(&f.bytes).is_some())
            .map(|f| f.note.as_str())
            .collect();
        assert_eq!(comments.len(), expected.len(), "{id}: {comments:?}");
        for (got, want) in comments.iter().zip(&expected) {
            assert!(
                got.starts_with(want),
                "{id}: tshark says {got:?}, want {want:?}"
            );
        }
    }
}

#[test]
fn odd_data_does_not_panic() {
    let mut run = sample_run();
    run.started = "garbage".into();
    for s in &mut run.suites {
        s.nodes.clear();
        s.links.clear();
        for t in &mut s.tests {
            t.duration = f64::NAN;
            t.started = Some("13:00".into());
            t.refs.iter_mut().for_each(|r| r.section = "§§.x..".into());
            for st in &mut t.steps {
                st.frames.push(999);
                st.start = f64::INFINITY;
                st.end = -1.0;
            }
            for f in &mut t.frames {
                f.time = -5.0;
                f.to = String::new();
                f.note = "x".repeat(70_000);
                f.step = Some(1_000);
            }
        }
    }
    let x = junit(&run);
    let h = html(&run);
    assert!(h.ends_with("</html>\n"));
    for (s, t) in run.tests() {
        let bytes = test_pcapng(s, t, &run.started).unwrap();
        let c = read_capture(&bytes).unwrap();
        assert!(c.frames.iter().all(|f| f.timestamp_ns == Some(0)));
    }
    if have_xmllint("odd_data_does_not_panic") {
        let d = TempDir::new("junit-odd");
        let f = write(d.path(), "odd.xml", &x);
        if let Err(e) = xmllint_junit(&f) {
            panic!("{e}");
        }
    }
}
