//! The suite model through its library API: loading valid suites, topologies and profiles,
//! matrix expansion, applicability, untyped packet trees with their places, the JSON Schema.

use mip6_harness::suite::{
    self, applicability, expand, load_profile, load_suite, load_topology, suite_applicability,
    FileKind, Level, Loc, NodeRole, Role, SearchPaths, Step, Tolerance, Window,
};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn valid(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/valid")
        .join(name)
}

fn testsuites(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testsuites")
        .join(sub)
}

fn load(name: &str) -> suite::Suite {
    load_suite(&valid(name)).unwrap_or_else(|ds| {
        panic!(
            "{}",
            ds.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

#[test]
fn a_cn_suite_loads_with_its_topology_and_shared_fixtures() {
    let s = load("cn-binding-update.yaml");
    assert_eq!(s.suite.value, "rfc6275-cn-binding-update");
    assert_eq!(s.role.value, Role::CorrespondentNode);
    assert_eq!(s.tests.len(), 4);
    assert!(s
        .topology_path
        .as_ref()
        .unwrap()
        .ends_with("testsuites/topologies/cn-one-link.yaml"));
    assert!(s.fixture("registered").is_some());
    assert!(s.fixture("rr-complete").is_some(), "shared fixture found");
    assert_eq!(
        s.hooks.before_each.as_deref(),
        Some("ip netns exec {ns} true")
    );

    let t = &s.tests[0];
    assert_eq!(t.id.value, "CN.BU.SEQ.STALE");
    assert_eq!(t.id.loc, Loc::new(30, 9));
    assert_eq!(t.refs[0].rfc, 6275);
    assert_eq!(t.refs[0].section.0, "9.5.1");
    assert_eq!(t.refs[0].level, Level::MUST);
    assert_eq!(t.behaviours, ["CN-13"]);
    assert_eq!(t.tahi, ["CN-2-5-2"]);
    assert_eq!(t.uses[0].name, "rr-complete");
    assert_eq!(t.uses[1].name, "registered");
    assert_eq!(t.uses[1].params["seq"].value, json!(100));
    assert!(!t.strict);

    // Steps: set, send, expect (default window).
    assert_eq!(
        t.steps.iter().map(|s| s.kind()).collect::<Vec<_>>(),
        ["set", "send", "expect"]
    );
    let Step::Send(send) = &t.steps[1].value else {
        panic!()
    };
    assert_eq!(send.on.value, "link0");
    assert_eq!(send.from.as_ref().unwrap().value, "mn0");
    assert_eq!(send.to.as_ref().unwrap().value, "iut");
    // The packet stays untyped, with the place of every node.
    assert_eq!(
        send.packet.value,
        json!({"ipv6": {"src": "mn0.coa", "dst": "iut.addr"},
               "dest_opts": [{"home_address": "mn0.hoa"}],
               "mh": {"binding_update": {"seq": "$stale", "a": true, "lifetime": 60}}})
    );
    assert_eq!(send.packet.loc.line, 45);
    assert_eq!(
        send.packet.loc_at("/dest_opts/0/home_address"),
        Loc::new(46, 40)
    );
    assert_eq!(
        send.packet.loc_at("/mh/binding_update/lifetime"),
        Loc::new(47, 67)
    );
    assert_eq!(send.packet.loc_at("/no/such/node"), send.packet.loc);
    let Step::Expect(exp) = &t.steps[2].value else {
        panic!()
    };
    assert_eq!(exp.window(), Window::Within(Duration::from_secs(3)));
    assert_eq!(exp.capture["ba"].value, json!("mh"));
    let Step::Set(set) = &t.steps[0].value else {
        panic!()
    };
    assert_eq!(
        set["stale"].value,
        json!({"fn": "seq_add", "base": 100, "delta": "$delta"})
    );

    // The second test: edits, expect_none, wait, responders, at with a percentage.
    let t = &s.tests[1];
    assert!(t.strict);
    assert_eq!(t.refs.len(), 2);
    assert_eq!(t.refs[1].section.0, "9");
    assert_eq!(t.refs[1].level, Level::SHOULD);
    let Step::Send(send) = &t.steps[0].value else {
        panic!()
    };
    let edits = send.edits.as_ref().unwrap();
    assert_eq!(edits.patches[0].bytes.0, [0xff, 0xff]);
    assert_eq!(edits.truncate, Some(200));
    assert_eq!(edits.append.as_ref().unwrap().0, [0]);
    let Step::ExpectNone(none) = &t.steps[1].value else {
        panic!()
    };
    assert_eq!(none.duration, Duration::from_millis(1500));
    assert!(matches!(t.steps[2].value, Step::Wait(d) if d == Duration::from_secs(240)));
    assert!(matches!(&t.steps[3].value, Step::Responders(r) if !r.nd.0));
    let Step::Expect(exp) = &t.steps[4].value else {
        panic!()
    };
    assert_eq!(exp.at.as_ref().unwrap().tolerance, Tolerance::Percent(10.0));
    assert_eq!(
        exp.window(),
        Window::At {
            time: Duration::from_secs(420),
            tolerance: Duration::from_secs(42)
        }
    );
    assert!(t.responders.as_ref().unwrap().nd.0);
}

#[test]
fn an_ha_suite_loads() {
    let s = load("ha-home-registration.yaml");
    assert_eq!(s.role.value, Role::HomeAgent);
    let Step::Expect(e) = &s.tests[0].steps[1].value else {
        panic!()
    };
    assert_eq!(e.window(), Window::Within(Duration::from_secs(2)));
    assert_eq!(e.capture["granted"].value, json!("mh.binding_ack.lifetime"));
}

#[test]
fn matrix_expansion_is_stable_and_names_the_values() {
    let s = load("cn-binding-update.yaml");
    let cases = expand(&s.tests[0]);
    let ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "CN.BU.SEQ.STALE[delta=0]",
            "CN.BU.SEQ.STALE[delta=-1]",
            "CN.BU.SEQ.STALE[delta=32768]"
        ]
    );
    assert_eq!(cases[1].variables, [("delta".to_string(), json!(-1))]);
    assert!(std::ptr::eq(cases[0].test, &s.tests[0].value));

    // Two variables, the first varying slowest; a variable named in the id is not repeated
    // in the suffix; titles are substituted.
    let cases = expand(&s.tests[1]);
    let ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "CN.BU.A.true[lifetime=0]",
            "CN.BU.A.true[lifetime=60]",
            "CN.BU.A.false[lifetime=0]",
            "CN.BU.A.false[lifetime=60]"
        ]
    );
    assert_eq!(
        cases[2].title,
        "A Binding Update with A=false is answered only when A is set"
    );
    assert_eq!(
        cases[3].variables,
        [
            ("a".to_string(), json!(false)),
            ("lifetime".to_string(), json!(60))
        ]
    );

    // No matrix: one case, the id as written.
    let cases = expand(&s.tests[2]);
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].id, "CN.BRR.SENT");
    assert!(cases[0].variables.is_empty());

    let ha = load("ha-home-registration.yaml");
    assert_eq!(expand(&ha.tests[0]).len(), 4);
    assert_eq!(expand(&ha.tests[0])[1].id, "HA.REG.VALID[a=1,l=0]");
}

#[test]
fn applicability_follows_the_profile() {
    let s = load("cn-binding-update.yaml");
    let cn = load_profile(&testsuites("profiles/reference-cn.yaml")).unwrap();
    let ha = load_profile(&testsuites("profiles/reference-ha.yaml")).unwrap();
    assert_eq!(cn.timers.time_scale.value, 1.0);

    assert_eq!(suite_applicability(&s, &cn), Ok(()));
    assert_eq!(applicability(&s.tests[0], &cn), Ok(()));
    assert_eq!(applicability(&s.tests[2], &cn), Ok(()));
    let why = applicability(&s.tests[3], &cn).unwrap_err();
    assert!(why.contains("ipsec"), "{why}");
    assert!(why.contains("reference-cn"), "{why}");

    let why = suite_applicability(&s, &ha).unwrap_err();
    assert!(
        why.contains("correspondent-node") && why.contains("home-agent"),
        "{why}"
    );
    assert!(s.applicability(&s.tests[0], &ha).is_err());

    let h = load("ha-home-registration.yaml");
    assert_eq!(h.applicability(&h.tests[1], &ha), Ok(()));
    // A profile without proxy-dad makes the DAD test not applicable, with the reason.
    let mut lacking = ha.clone();
    lacking
        .features
        .retain(|f| f.value != suite::Feature::ProxyDad);
    let why = h.applicability(&h.tests[1], &lacking).unwrap_err();
    assert!(why.contains("proxy-dad"), "{why}");
    assert_eq!(h.applicability(&h.tests[0], &lacking), Ok(()));
}

#[test]
fn shipped_topologies_and_profiles_load() {
    let cn = load_topology(&testsuites("topologies/cn-one-link.yaml")).unwrap();
    assert_eq!(cn.iut.role.value, Role::CorrespondentNode);
    let i = &cn.iut.interfaces["link0"];
    assert_eq!(i.addr.to_string(), "2001:db8:3::1");
    assert_eq!(cn.nodes["mn0"].hoa.unwrap().to_string(), "2001:db8:1::100");
    assert_eq!(cn.nodes["mn0"].coa.unwrap().to_string(), "2001:db8:2::100");
    assert_eq!(cn.nodes["r1"].role, NodeRole::Router);
    assert_eq!(cn.link_of("mn0"), Some("link0"));
    assert_eq!(cn.nodes["r1"].mac.unwrap().to_string(), "02:00:00:00:01:01");

    let ha = load_topology(&testsuites("topologies/ha-one-link.yaml")).unwrap();
    assert_eq!(ha.iut.role.value, Role::HomeAgent);
    let i = &ha.iut.interfaces["link0"];
    assert_eq!(i.addr.to_string(), "2001:db8:1::1");
    let prefix = i.prefix.unwrap();
    assert_eq!(prefix.to_string(), "2001:db8:1::/64");
    assert!(prefix.contains(&ha.nodes["mn0"].hoa.unwrap()));
    assert!(!prefix.contains(&ha.nodes["mn0"].coa.unwrap()));

    let report = suite::validate_paths(&[testsuites("")], &SearchPaths::default());
    assert!(report.is_ok(), "{:?}", report.errors);
    // 2 topologies, 2 profiles and the starter suites of testsuites/rfc6275/.
    assert!(report.files.len() >= 4, "{:?}", report.files);
}

#[test]
fn diagnostics_display_as_file_line_col() {
    let d = suite::Diagnostic::new(Path::new("a/b.yaml"), Loc::new(3, 7), "unknown key");
    assert_eq!(d.to_string(), "a/b.yaml:3:7: unknown key");
    let d = suite::Diagnostic::new(Path::new("a/b.yaml"), Loc::UNKNOWN, "cannot read");
    assert_eq!(d.to_string(), "a/b.yaml: cannot read");

    let ds = load_suite(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/malformed/unknown-link.yaml")
            .as_path(),
    )
    .unwrap_err();
    assert_eq!(ds.len(), 1);
    assert_eq!((ds[0].line, ds[0].col), (11, 15));
}

#[test]
fn schemas_are_json_and_name_the_step_kinds() {
    let s = suite::schema(FileKind::Suite);
    let text = serde_json::to_string(&s).unwrap();
    let back: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(back["title"], "mip6test suite");
    assert!(back["$schema"]
        .as_str()
        .unwrap()
        .contains("json-schema.org"));
    for kind in ["send", "expect", "expect_none", "wait", "set", "responders"] {
        assert!(text.contains(&format!("\"{kind}\"")), "no {kind}");
    }
    // Unknown keys are refused by the schema too.
    assert_eq!(back["additionalProperties"], false);
    assert!(back["required"]
        .as_array()
        .unwrap()
        .contains(&json!("tests")));

    for (kind, key) in [
        (FileKind::Topology, "links"),
        (FileKind::Profile, "features"),
        (FileKind::Fixtures, "fixtures"),
    ] {
        let v = suite::schema(kind);
        assert!(v["properties"].get(key).is_some(), "{kind}: {v}");
    }

    // The binary prints the same schema.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mip6test"))
        .args(["schema", "--kind", "topology"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, suite::schema(FileKind::Topology));
}
