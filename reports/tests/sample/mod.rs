//! A realistic run built by hand: two suites, every verdict, real frames (from the codec's
//! sample corpus), a failing expect whose frame never came, an unexpected frame, a forbidden
//! frame with a checksum violation, a multicast frame, a frame on a link the suite does not list,
//! bytes that are not hex, and text an IUT could have put there to attack the page.
#![allow(dead_code)]

use mip6_packets::samples::corpus;
use mip6_packets::LinkType;
use mip6_reports::results::*;
use serde_json::json;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The bytes of a corpus frame.
pub fn sample_bytes(name: &str) -> Vec<u8> {
    corpus()
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no sample {name}"))
        .packet
        .emit()
}

#[allow(clippy::too_many_arguments)]
fn frame(
    name: &str,
    link: &str,
    time: f64,
    from: &str,
    to: &str,
    role: FrameRole,
    step: Option<usize>,
    note: &str,
) -> FrameRecord {
    frame_bytes(sample_bytes(name), link, time, from, to, role, step, note)
}

#[allow(clippy::too_many_arguments)]
fn frame_bytes(
    bytes: Vec<u8>,
    link: &str,
    time: f64,
    from: &str,
    to: &str,
    role: FrameRole,
    step: Option<usize>,
    note: &str,
) -> FrameRecord {
    let d = mip6_packets::decode(&bytes, LinkType::Ethernet);
    let view = d.view(bytes.len());
    let summary = view
        .layers
        .iter()
        .filter(|l| l.layer != "ethernet")
        .map(|l| {
            let msg = l
                .fields
                .get("message")
                .and_then(|v| v.as_str())
                .map(|m| format!(" {m}"))
                .unwrap_or_default();
            format!("{}{msg}", l.layer)
        })
        .collect::<Vec<_>>()
        .join(" | ");
    FrameRecord {
        link: link.into(),
        time,
        from: from.into(),
        to: to.into(),
        role,
        step,
        note: note.into(),
        summary,
        bytes: hex(&bytes),
        violations: view.violations.iter().map(ViolationRecord::from).collect(),
    }
}

#[allow(clippy::too_many_arguments)]
fn step(
    index: usize,
    fixture: Option<&str>,
    kind: &str,
    line: u32,
    description: &str,
    outcome: StepOutcome,
    frames: Vec<usize>,
    start: f64,
    end: f64,
    message: Vec<&str>,
) -> StepRecord {
    StepRecord {
        index,
        fixture: fixture.map(str::to_string),
        kind: kind.into(),
        line,
        link: matches!(kind, "send" | "expect" | "expect_none").then(|| "link0".to_string()),
        description: description.into(),
        outcome,
        packet: None,
        frames,
        start,
        end,
        message: message.into_iter().map(str::to_string).collect(),
    }
}

fn r(section: &str, level: Option<&str>) -> Ref {
    Ref {
        rfc: 6275,
        section: section.into(),
        level: level.map(str::to_string),
    }
}

fn test(id: &str, title: &str, line: u32, verdict: Verdict) -> TestResult {
    TestResult {
        id: id.into(),
        title: title.into(),
        line,
        refs: vec![],
        behaviours: vec![],
        tahi: vec![],
        tags: vec![],
        verdict,
        reason: vec![],
        warnings: vec![],
        started: None,
        duration: 0.0,
        steps: vec![],
        frames: vec![],
        pcap: None,
    }
}

const CN: &str = "testsuites/rfc6275/cn/binding-update.yaml";

/// Return routability (fixture rr) as the passing test ran it: frames 0..4 and steps 0..5.
fn rr(frames: &mut Vec<FrameRecord>, steps: &mut Vec<StepRecord>) {
    use FrameRole::*;
    use StepOutcome::Ok as Done;
    frames.push(frame(
        "hoti-at-home",
        "link0",
        0.0,
        "mn0",
        "iut",
        Sent,
        Some(0),
        "sent, fixture rr step 1",
    ));
    frames.push(frame(
        "icmpv6-ns-source-lladdr",
        "link0",
        0.004,
        "iut",
        "link0",
        Background,
        None,
        "background (ND)",
    ));
    frames.push(frame(
        "icmpv6-na-solicited-RSO-target-lladdr",
        "link0",
        0.005,
        "r1",
        "iut",
        Responder,
        None,
        "sent, ND answer of r1",
    ));
    frames.push(frame(
        "hot-tunnelled-from-ha",
        "link0",
        0.012,
        "iut",
        "mn0",
        Matched,
        Some(1),
        "expected, fixture rr step 2: matched",
    ));
    frames.push(frame(
        "coti-direct",
        "link0",
        0.020,
        "mn0",
        "iut",
        Sent,
        Some(2),
        "sent, fixture rr step 3",
    ));
    frames.push(frame(
        "cot-direct",
        "link0",
        0.031,
        "iut",
        "mn0",
        Matched,
        Some(3),
        "expected, fixture rr step 4: matched",
    ));
    steps.push(step(
        1,
        Some("rr"),
        "send",
        10,
        "send on link0 from mn0: ipv6 | mh home_test_init",
        Done,
        vec![0],
        0.0,
        0.0,
        vec![],
    ));
    steps.push(step(
        2,
        Some("rr"),
        "expect",
        16,
        "expect on link0 within 1s: mh home_test cookie=0102030405060708",
        Done,
        vec![3],
        0.0,
        0.012,
        vec![],
    ));
    steps.push(step(
        3,
        Some("rr"),
        "send",
        22,
        "send on link0 from mn0: ipv6 | mh care_of_test_init",
        Done,
        vec![4],
        0.012,
        0.020,
        vec![],
    ));
    steps.push(step(
        4,
        Some("rr"),
        "expect",
        28,
        "expect on link0 within 1s: mh care_of_test cookie=1112131415161718",
        Done,
        vec![5],
        0.020,
        0.031,
        vec![],
    ));
    steps.push(step(
        5,
        Some("rr"),
        "set",
        34,
        "set kbm",
        Done,
        vec![],
        0.031,
        0.031,
        vec![],
    ));
}

/// The sample run. Every time is fixed, so the reports are reproducible.
pub fn sample_run() -> Run {
    use FrameRole::*;
    use StepOutcome::*;

    // 1. Passes.
    let mut accept = test(
        "CN.BU.ACCEPT",
        "A Binding Update with a valid authenticator is accepted with status 0, its sequence number and a lifetime no longer than requested",
        41,
        Verdict::Pass,
    );
    accept.refs = vec![r("9.5.1", Some("MUST")), r("9.5.4", Some("MUST"))];
    accept.behaviours = vec!["CN-18".into(), "CN-22".into()];
    accept.tahi = vec!["CN-1-2".into(), "CN-3-1-2".into()];
    accept.tags = vec!["binding-update".into()];
    accept.started = Some("2026-11-23T10:00:00.100Z".into());
    accept.duration = 0.052;
    rr(&mut accept.frames, &mut accept.steps);
    accept.frames.push(frame(
        "hbh-pad1-padn-destopts-hao-bu",
        "link0",
        0.040,
        "mn0",
        "iut",
        Sent,
        Some(5),
        "sent, step 1",
    ));
    accept.frames.push(frame(
        "ba-accepted-K-binding-refresh-advice",
        "link0",
        0.051,
        "iut",
        "mn0",
        Matched,
        Some(6),
        "expected, step 2: matched",
    ));
    accept.steps.push(step(
        1,
        None,
        "send",
        50,
        "send on link0 from mn0: ipv6 | dest_opts | mh binding_update seq=100 a",
        Ok,
        vec![6],
        0.031,
        0.040,
        vec![],
    ));
    accept.steps.push(step(
        2,
        None,
        "expect",
        61,
        "expect on link0 within 1.5s: mh binding_ack status=0 seq=100",
        Ok,
        vec![7],
        0.040,
        0.051,
        vec![],
    ));
    accept.pcap = Some("pcap/rfc6275-cn-bu-processing/CN.BU.ACCEPT.pcapng".into());

    // 2. Fails: the Binding Acknowledgement never came; a Parameter Problem came instead.
    let mut seq = test(
        "CN.BU.SEQ[seq=65535]",
        "A Binding Update whose sequence number wraps is accepted",
        77,
        Verdict::Fail,
    );
    seq.refs = vec![r("9.5.1", Some("MUST"))];
    seq.behaviours = vec!["CN-19".into()];
    seq.started = Some("2026-11-23T10:00:00.200Z".into());
    seq.duration = 1.541;
    rr(&mut seq.frames, &mut seq.steps);
    seq.frames.push(frame(
        "hbh-pad1-padn-destopts-hao-bu",
        "link0",
        0.040,
        "mn0",
        "iut",
        Sent,
        Some(5),
        "sent, step 1",
    ));
    seq.frames.push(frame(
        "icmpv6-param-problem-unrecognized-option-hao",
        "link0",
        0.049,
        "iut",
        "mn0",
        Unexpected,
        None,
        "unexpected",
    ));
    seq.steps.push(step(
        1,
        None,
        "send",
        88,
        "send on link0 from mn0: ipv6 | dest_opts | mh binding_update seq=65535 a",
        Ok,
        vec![6],
        0.031,
        0.040,
        vec![],
    ));
    let mut expect = step(
        2,
        None,
        "expect",
        99,
        "expect on link0 within 1.5s: mh binding_ack status=0 seq=65535",
        Failed,
        vec![],
        0.040,
        1.540,
        vec![
            "testsuites/rfc6275/cn/binding-update.yaml:99: step 2 (expect) on link0 within 1.5s: no matching frame",
            "mh: expected binding_ack, got nothing from the IUT but icmpv6 parameter_problem",
            "frames from the IUT on link0 that no earlier step matched, up to the end of the window:",
            "  0.049s  ipv6 src=2001:db8:3::1 dst=2001:db8:2::100 | icmpv6 parameter_problem code=2 pointer=66  [mh: expected binding_ack, got icmpv6]",
        ],
    );
    expect.packet = Some(
        json!({"ipv6": {"src": "iut.addr", "dst": "mn0.hoa"}, "mh": {"binding_ack": {"status": 0, "seq": 65535}}}),
    );
    seq.reason = expect.message.clone();
    seq.steps.push(expect);
    seq.steps.push(step(
        3,
        None,
        "expect_none",
        105,
        "expect_none on link0 for 1s: mh binding_error",
        NotRun,
        vec![],
        0.0,
        0.0,
        vec![],
    ));
    seq.warnings =
        vec!["unexpected frame at 0.049s: icmpv6 parameter_problem code=2 pointer=66".into()];
    seq.pcap = Some("pcap/rfc6275-cn-bu-processing/CN.BU.SEQ_seq_65535_.pcapng".into());

    // 3. Fails: a frame that must not come came (with a bad checksum), after a warning.
    let mut none = test(
        "CN.BU.NO-BE",
        "A correspondent node sends no Binding Error for a Home Address option with a binding",
        120,
        Verdict::Fail,
    );
    none.refs = vec![r("9.3.1", Some("MUST NOT"))];
    none.started = Some("2026-11-23T10:00:01.800Z".into());
    none.duration = 0.120;
    let mut be = sample_bytes("be-status1-unknown-binding-for-hao");
    let last = be.len() - 1;
    be[last] ^= 0x5a; // the checksum no longer matches
    none.frames.push(frame(
        "icmpv6-echo-request-route-optimised-hao",
        "link0",
        0.0,
        "mn0",
        "iut",
        Sent,
        Some(0),
        "sent, step 1",
    ));
    none.frames.push(frame_bytes(
        be,
        "link0",
        0.013,
        "iut",
        "mn0",
        Forbidden,
        Some(1),
        "forbidden, step 2: matched",
    ));
    none.steps.push(step(
        1,
        None,
        "send",
        130,
        "send on link0 from mn0: ipv6 | dest_opts | icmpv6 echo_request",
        Ok,
        vec![0],
        0.0,
        0.0,
        vec![],
    ));
    none.steps.push(step(2, None, "expect_none", 138, "expect_none on link0 for 1s: mh binding_error", Failed, vec![1], 0.0, 0.013, vec![
        "testsuites/rfc6275/cn/binding-update.yaml:138: step 2 (expect_none) on link0 for 1s: a matching frame arrived",
        "  0.013s  ipv6 src=2001:db8:3::1 dst=2001:db8:2::100 | mh binding_error status=1 home_address=2001:db8:1::100 ! mh.checksum",
    ]));
    none.reason = none.steps[1].message.clone();
    none.warnings = vec!["frame 2: mh.checksum: checksum does not match".into()];
    none.pcap = Some("pcap/rfc6275-cn-bu-processing/CN.BU.NO-BE.pcapng".into());

    // 4. Passes with a warning (a SHOULD not met).
    let mut warn = test(
        "CN.BU.LIFETIME",
        "The granted lifetime is no longer than the requested one",
        150,
        Verdict::PassWithWarnings,
    );
    warn.refs = vec![r("9.5.1", Some("SHOULD"))];
    warn.started = Some("2026-11-23T10:00:02.000Z".into());
    warn.duration = 0.011;
    warn.warnings = vec!["testsuites/rfc6275/cn/binding-update.yaml:158: step 2: SHOULD not met: mh.binding_ack.lifetime_seconds: expected at most 104, got 420".into()];
    warn.frames.push(frame(
        "bu-home-registration-AHLK",
        "link0",
        0.0,
        "mn0",
        "iut",
        Sent,
        Some(0),
        "sent, step 1",
    ));
    warn.frames.push(frame(
        "ba-accepted-K-binding-refresh-advice",
        "link0",
        0.011,
        "iut",
        "mn0",
        Matched,
        Some(1),
        "expected, step 2: matched",
    ));
    warn.steps.push(step(
        1,
        None,
        "send",
        152,
        "send on link0 from mn0: ipv6 | mh binding_update",
        Ok,
        vec![0],
        0.0,
        0.0,
        vec![],
    ));
    warn.steps.push(step(
        2,
        None,
        "expect",
        158,
        "expect on link0 within 1s: mh binding_ack status=0",
        Ok,
        vec![1],
        0.0,
        0.011,
        vec![],
    ));
    warn.pcap = Some("pcap/rfc6275-cn-bu-processing/CN.BU.LIFETIME.pcapng".into());

    let cn = SuiteResult {
        path: CN.into(),
        sha256: "5f2b8e0c1d4a6b7e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f506".into(),
        suite: "rfc6275-cn-bu-processing".into(),
        title: "Correspondent node — Binding Update processing".into(),
        role: "correspondent-node".into(),
        topology: "cn-one-link".into(),
        profile: Some(ProfileRef {
            name: "reference-cn".into(),
            path: "testsuites/profiles/reference-cn.yaml".into(),
        }),
        links: vec!["link0".into()],
        nodes: vec!["r1".into(), "mn0".into(), "ha0".into(), "iut".into()],
        tests: vec![accept, seq, none, warn],
    };

    // The home agent suite: not applicable, an error with hostile text, skipped.
    let mut na = test(
        "HA.NEMO.REG",
        "A mobile router registers its mobile network prefix",
        12,
        Verdict::NotApplicable,
    );
    na.refs = vec![Ref {
        rfc: 3963,
        section: "6.1".into(),
        level: Some("MUST".into()),
    }];
    na.reason = vec!["the profile lacks nemo (profile reference-ha)".into()];

    let mut err = test(
        "HA.REG.<script>alert(1)</script>",
        "Title with <img src=x onerror=alert(1)> & \"quotes\"",
        40,
        Verdict::Error,
    );
    err.refs = vec![r("10.3.1", None), r("9.5.1", Some("MUST"))];
    err.started = Some("2026-11-23T10:00:03.000Z".into());
    err.duration = 0.002;
    err.reason = vec![
        "testsuites/rfc6275/ha/registration.yaml:44: step 1 (send): the dataplane failed: </script><script>alert('reason')</script>".into(),
    ];
    let mut mcast = frame(
        "icmpv6-ra-home-agent-H-pio-R-hai-advint-mtu",
        "link0",
        0.0,
        "iut",
        "link0",
        Background,
        None,
        "background (ND) </script><!--",
    );
    mcast.summary = "ipv6 | icmpv6 router_advertisement <b>bold</b>".into();
    err.frames.push(mcast);
    err.frames.push(frame(
        "icmpv6-echo-reply-tunnelled",
        "link9",
        0.001,
        "iut",
        "somebody",
        Unexpected,
        None,
        "unexpected",
    ));
    err.frames.push(FrameRecord {
        link: "link0".into(),
        time: 0.002,
        from: "mn0".into(),
        to: "iut".into(),
        role: Sent,
        step: Some(0),
        note: "sent, step 1".into(),
        summary: "not hex at all".into(),
        bytes: "zz<script>".into(),
        violations: vec![],
    });
    err.steps.push(step(1, None, "send", 44, "send on link0 from mn0: ipv6 | mh binding_update", Error, vec![2], 0.0, 0.002, vec![
        "testsuites/rfc6275/ha/registration.yaml:44: step 1 (send): the dataplane failed: </script><script>alert('reason')</script>",
    ]));
    err.pcap = Some("javascript:alert(1)".into());

    let skipped = test("HA.REG.DEREG", "Deregistration", 90, Verdict::Skipped);
    let mut skipped = skipped;
    skipped.reason = vec!["the run was interrupted".into()];

    let ha = SuiteResult {
        path: "testsuites/rfc6275/ha/registration.yaml".into(),
        sha256: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".into(),
        suite: "rfc6275-ha-registration".into(),
        title: "Home agent — registration".into(),
        role: "home-agent".into(),
        topology: "ha-one-link".into(),
        profile: None,
        links: vec!["link0".into()],
        nodes: vec!["r1".into(), "mn0".into(), "cn0".into(), "iut".into()],
        tests: vec![na, err, skipped],
    };

    let mut run = Run {
        schema: SCHEMA_VERSION,
        tool: Tool {
            name: "mip6test".into(),
            version: "0.1.0".into(),
        },
        target: "simulated".into(),
        started: "2026-11-23T10:00:00.000Z".into(),
        finished: Some("2026-11-23T10:00:05.250Z".into()),
        interrupted: true,
        suites: vec![cn, ha],
        summary: Summary::default(),
    };
    run.recount();
    run
}

/// A run with no suite at all.
pub fn empty_run() -> Run {
    Run {
        schema: SCHEMA_VERSION,
        tool: Tool {
            name: "mip6test".into(),
            version: "0.1.0".into(),
        },
        target: "simulated".into(),
        started: "not a time".into(),
        finished: None,
        interrupted: false,
        suites: vec![],
        summary: Summary::default(),
    }
}
