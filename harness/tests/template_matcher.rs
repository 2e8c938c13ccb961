//! The packet-template compiler and the expectation matcher (issue 4): YAML packet trees against
//! the codec's sample corpus, conditions and captures against decoded frames, and return
//! routability end to end against the reference correspondent node.

use mip6_harness::matcher::{frame_findings, match_frame, MatchCtx, MatchError, Mismatch};
use mip6_harness::template::{compile, compile_edits, TemplateCtx};
use mip6_harness::vars::{NameTable, Scope, Vars};
use mip6_packets::samples::{self, corpus};
use mip6_packets::util::to_hex;
use mip6_packets::{decode, Decoded, FrameView, Layer, LinkType, MacAddr, Packet};
use serde_json::{json, Map, Value};

fn yaml(s: &str) -> Value {
    serde_saphyr::from_str::<Value>(s).expect("test YAML parses")
}

fn sample(name: &str) -> Packet {
    corpus()
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no sample {name}"))
        .packet
}

fn names() -> NameTable {
    NameTable::new()
        .with("mn0.hoa", "2001:db8:1::100")
        .with("mn0.coa", "2001:db8:2::100")
        .with("ha0.addr", "2001:db8:1::1")
        .with("iut.addr", "2001:db8:3::1")
        .with("iut.mac", "02:00:00:00:00:01")
        .with("r1.mac", "02:00:00:00:00:fe")
        .with("r1.ll", "fe80::1")
}

/// The Ethernet addresses of a sample, for the context (as `send: {from, to}` gives them).
fn macs(p: &Packet) -> (MacAddr, MacAddr) {
    match &p.layers[0] {
        Layer::Ethernet(e) => (e.src, e.dst),
        other => panic!("sample does not start with Ethernet: {other:?}"),
    }
}

fn received(bytes: &[u8]) -> (Decoded, FrameView) {
    let d = decode(bytes, LinkType::Ethernet);
    let v = d.view(bytes.len());
    (d, v)
}

fn rr_tokens() -> ([u8; 8], [u8; 8]) {
    use mip6_packets::rr::{keygen_token, TokenKind};
    use samples::rr_vector as v;
    (
        keygen_token(
            &v::KCN,
            &samples::addr::HOA,
            &v::HOME_NONCE,
            TokenKind::Home,
        ),
        keygen_token(
            &v::KCN,
            &samples::addr::COA,
            &v::CARE_OF_NONCE,
            TokenKind::CareOf,
        ),
    )
}

// ---- templates: hand-written trees equal to samples --------------------------------------------

#[test]
fn hand_written_trees_emit_the_sample_bytes() {
    let (home, care_of) = rr_tokens();
    let vars = Vars::new()
        .with(
            "hot",
            json!({"nonce_index": 5, "cookie": "0123456789abcdef", "token": to_hex(&home)}),
        )
        .with("cot", json!({"nonce_index": 6, "token": to_hex(&care_of)}))
        .with("kbm", to_hex(&mip6_packets::rr::kbm(&home, Some(&care_of))));
    let names = names();
    let cases: &[(&str, &str)] = &[
        (
            "bu-home-registration-AHLK",
            // Block style, unquoted addresses, keys in a non-canonical order.
            "
mh:
  binding_update: {seq: 100, a: true, h: 1, l: true, k: true, lifetime: 1000}
dest_opts:
  - home_address: mn0.hoa
ipv6:
  src: mn0.coa
  dst: ha0.addr
",
        ),
        (
            "bu-home-registration-AH-alternate-coa-pad1",
            "
ipv6: {src: mn0.coa, dst: ha0.addr}
dest_opts: [{home_address: mn0.hoa}]
mh:
  binding_update: {seq: 101, a: true, h: true, lifetime: 600}
  options:
    - pad1
    - alternate_care_of_address: {address: '2001:db8:4::100'}
",
        ),
        (
            "bu-cn-route-optimisation-nonce-indices-bad",
            "
ipv6: {src: mn0.coa, dst: iut.addr}
dest_opts: [{home_address: mn0.hoa}]
mh:
  binding_update: {seq: 1, a: true, lifetime: 100}
  options:
    - nonce_indices: {home_nonce_index: $hot.nonce_index, care_of_nonce_index: $cot.nonce_index}
    - binding_authorization_data: {auth: computed}
",
        ),
        (
            "ba-accepted-K-binding-refresh-advice",
            "
ipv6: {src: ha0.addr, dst: mn0.coa}
routing: {home_address: mn0.hoa}
mh:
  binding_ack: {status: 0, k: true, seq: 100, lifetime: 1000}
  options: [{binding_refresh_advice: {refresh_interval: 900}}]
",
        ),
        (
            "hoti-at-home",
            "
ipv6: {src: mn0.hoa, dst: iut.addr, traffic_class: '0x20', flow_label: 0x54321, hop_limit: 255}
mh: {home_test_init: {cookie: a5a5a5a5a5a5a5a5}}
",
        ),
        (
            "hot-tunnelled-from-ha",
            "
ipv6: {src: ha0.addr, dst: mn0.coa}
inner:
  ipv6: {src: iut.addr, dst: mn0.hoa}
  mh: {home_test: {nonce_index: 5, cookie: $hot.cookie, token: '${hot.token}'}}
",
        ),
        (
            "ba-cn-route-optimisation-bad",
            "
ipv6: {src: iut.addr, dst: mn0.coa}
routing: {home_address: mn0.hoa}
mh:
  binding_ack: {status: 0, seq: 1, lifetime: 100}
  options: [{binding_authorization_data: computed}]
",
        ),
        (
            "icmpv6-ra-home-agent-H-pio-R-hai-advint-mtu",
            "
ipv6: {src: r1.ll, dst: 'ff02::1'}
icmpv6:
  router_advertisement: {cur_hop_limit: 64, h: true, router_lifetime: 1800,
                         reachable_time: 30000, retrans_timer: 1000}
  options:
    - source_link_layer: '02:00:00:00:00:02'
    - mtu: {mtu: 1500}
    - prefix_information: {prefix_len: 64, l: 1, a: 1, r: 1, valid_lifetime: 86400,
                           preferred_lifetime: 14400, prefix: ha0.addr}
    - advertisement_interval: {interval: 1500}
    - home_agent_information: {preference: 10, lifetime: 1800}
",
        ),
        (
            "icmpv6-param-problem-unrecognized-option-hao",
            // The invoking packet written as a packet tree.
            "
ipv6: {src: iut.addr, dst: mn0.coa}
icmpv6:
  code: 2
  parameter_problem:
    pointer: 46
    invoking:
      ipv6: {src: mn0.coa, dst: iut.addr}
      dest_opts: [{home_address: mn0.hoa}]
      mh: {binding_update: {seq: 3, a: true, lifetime: 100}}
",
        ),
        (
            "dsmip-udp4191-ipv6-echo-request",
            "
ipv4: {src: 192.0.2.100, dst: 198.51.100.1}
udp: {src_port: 49152, dst_port: 4191}
ipv6: {src: mn0.hoa, dst: iut.addr}
icmpv6:
  echo_request: {ident: 0x4444, seq: 2, data: 6d69703674657374206563686f207061796c6f61642030313233343536373839}
",
        ),
        (
            "hbh-pad1-padn-destopts-hao-bu",
            "
ipv6: {src: mn0.coa, dst: ha0.addr}
hop_by_hop: {raw: true, options: [pad1, {padn: 3}]}
dest_opts: [{home_address: mn0.hoa}]
mh: {binding_update: {seq: 200, a: 1, h: 1, k: 1, lifetime: 3600}}
",
        ),
    ];
    for (name, tree) in cases {
        let want = sample(name);
        let (src, dst) = macs(&want);
        let cx = TemplateCtx::new(Scope::new(&vars, &names)).macs(src, dst);
        let tree = yaml(tree);
        let got = compile(&tree, &cx).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            to_hex(&got.emit()),
            to_hex(&want.emit()),
            "{name}: the tree does not emit the sample's bytes"
        );
    }
}

#[test]
fn a_tree_that_differs_from_the_sample_emits_other_bytes() {
    // The comparison above bites: a different sequence number and no echo data.
    let names = names();
    let vars = Vars::new();
    let want = sample("dsmip-udp4191-ipv6-echo-request");
    let (src, dst) = macs(&want);
    let cx = TemplateCtx::new(Scope::new(&vars, &names)).macs(src, dst);
    let tree = yaml(
        "
ipv4: {src: 192.0.2.100, dst: 198.51.100.1}
udp: {src_port: 49152, dst_port: 4191}
ipv6: {src: mn0.hoa, dst: iut.addr}
icmpv6: {echo_request: {ident: 0x4444, seq: 3}}
",
    );
    assert_ne!(compile(&tree, &cx).unwrap().emit(), want.emit());
}

// ---- templates: every sample from its own decode view ------------------------------------------

/// The decode view of a frame written back as an explicit `layers:` tree with every field the
/// view has (view-only fields left out) and options raw, as a suite author could write it.
fn view_tree(v: &FrameView) -> Value {
    let strip = |f: &Map<String, Value>, drop: &[&str]| -> Map<String, Value> {
        f.iter()
            .filter(|(k, _)| !drop.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let option = |o: &mip6_packets::OptionView, nd: bool| -> Value {
        let named_ok = o.name != "unknown"
            && !(o.fields.contains_key("data") && o.fields.len() == 1 && o.name != "router_alert");
        match o.name {
            "pad1" if o.fields.is_empty() => json!("pad1"),
            "padn" if o.fields.is_empty() => json!({"padn": o.len}),
            "router_alert" | "unknown" | "home_address" | "truncated"
                if !named_ok || o.name == "router_alert" =>
            {
                let mut m = json!({"type": o.typ, "data": o.fields["data"]});
                if nd {
                    m["len"] = json!(o.len);
                }
                m
            }
            _ if !named_ok => {
                let mut m = json!({"type": o.typ, "data": o.fields["data"]});
                if nd {
                    m["len"] = json!(o.len);
                }
                m
            }
            name => json!({name: strip(&o.fields, &["refresh_interval_seconds", "identifier"])}),
        }
    };
    let layers: Vec<Value> = v
        .layers
        .iter()
        .map(|l| {
            let f = &l.fields;
            let body = match l.layer {
                "raw" => json!({"data": f["data"]}),
                "hop_by_hop" | "dest_opts" => json!({
                    "next_header": f["next_header"],
                    "hdr_ext_len": f["hdr_ext_len"],
                    "options": {"raw": true, "list": l.options.iter().map(|o| option(o, false)).collect::<Vec<_>>()},
                }),
                "mh" | "icmpv6" => {
                    let header: &[&str] = if l.layer == "mh" {
                        &["payload_proto", "header_len", "mh_type", "reserved", "checksum"]
                    } else {
                        &["type", "code", "checksum"]
                    };
                    let msg = f["message"].as_str().unwrap();
                    let mut m: Map<String, Value> =
                        header.iter().map(|k| (k.to_string(), f[*k].clone())).collect();
                    let mut body = strip(f, &["message", "lifetime_seconds"]);
                    for k in header {
                        body.remove(*k);
                    }
                    if l.layer == "mh" && msg == "unknown" {
                        body.insert("mh_type".into(), f["mh_type"].clone());
                    }
                    m.insert(msg.into(), Value::Object(body));
                    if !l.options.is_empty() {
                        let nd = l.layer == "icmpv6";
                        let list: Vec<Value> = l.options.iter().map(|o| option(o, nd)).collect();
                        m.insert(
                            "options".into(),
                            if nd { json!(list) } else { json!({"raw": true, "list": list}) },
                        );
                    }
                    Value::Object(m)
                }
                _ => Value::Object(f.clone()),
            };
            json!({ l.layer: body })
        })
        .collect();
    json!({ "layers": layers })
}

#[test]
fn every_sample_compiles_back_from_its_decode_view() {
    let vars = Vars::new();
    let names = NameTable::new();
    let cx = TemplateCtx::new(Scope::new(&vars, &names));
    let mut n = 0;
    for s in corpus() {
        let bytes = s.packet.emit();
        let (_, v) = received(&bytes);
        let tree = view_tree(&v);
        let got = compile(&tree, &cx).unwrap_or_else(|e| {
            panic!("{}: {e}\n{}", s.name, serde_json::to_string(&tree).unwrap())
        });
        assert_eq!(
            to_hex(&got.emit()),
            to_hex(&bytes),
            "{}: {}",
            s.name,
            serde_json::to_string(&tree).unwrap()
        );
        n += 1;
    }
    assert!(n >= 70, "the corpus shrank to {n} samples");
}

// ---- template errors ----------------------------------------------------------------------------

fn compile_err(tree: &str, vars: &Vars) -> String {
    let names = names();
    let cx = TemplateCtx::new(Scope::new(vars, &names)).macs(
        "02:00:00:00:00:fe".parse().unwrap(),
        "02:00:00:00:00:01".parse().unwrap(),
    );
    match compile(&yaml(tree), &cx) {
        Ok(p) => panic!("compiled: {p:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn template_errors_name_the_path_and_suggest() {
    let v = Vars::new().with("hoti", json!({"cookie": "0000000000000001"}));
    let base = "ipv6: {src: mn0.coa, dst: iut.addr}\n";
    let cases = [
        (
            "mh: {binding_update: {sequence: 1}}",
            "mh.binding_update.sequence: unknown binding_update field `sequence` (did you mean `seq`?)",
        ),
        (
            "mh: {binding_updte: {seq: 1}}",
            "mh.binding_updte: unknown mh field or message `binding_updte` (did you mean `binding_update`?)",
        ),
        (
            "mh: {binding_update: {seq: $hot.nonce_index}}",
            "mh.binding_update.seq: unknown variable $hot.nonce_index (did you mean `$hoti.nonce_index`?)",
        ),
        (
            "mh: {binding_update: {}, options: [{nonce_indice: {}}]}",
            "mh.options[0].nonce_indice: unknown option `nonce_indice` (did you mean `nonce_indices`?)",
        ),
        (
            "ip6: {}",
            "ip6: unknown layer `ip6` (did you mean `ipv6`?)",
        ),
        (
            "dest_opts: [{home_address: mn0.hao}]",
            "dest_opts[0].home_address.home_address: \"mn0.hao\" is neither an IPv6 address nor a known name (did you mean `mn0.hoa`?)",
        ),
        (
            "mh: {binding_update: {seq: 65536}}",
            "mh.binding_update.seq: 65536 is out of range (0..=65535)",
        ),
        (
            "mh: {binding_update: {a: maybe}}",
            "mh.binding_update.a: expected true/false or 1/0, got \"maybe\"",
        ),
        (
            "mh: {binding_update: {}, binding_ack: {}}",
            "mh: a Mobility Header has one message, this one has binding_ack and binding_update",
        ),
        (
            "mh: {binding_update: {}, options: [{binding_authorization_data: {auth: computed}}]}",
            "mh: no Kbm: set the variable `kbm`",
        ),
    ];
    for (tree, want) in cases {
        let tree = if tree.starts_with("ip6:") {
            tree.to_string()
        } else {
            format!("{base}{tree}")
        };
        let got = compile_err(&tree, &v);
        assert!(
            got.starts_with(want),
            "for {tree}\n got: {got}\nwant: {want}"
        );
    }
}

#[test]
fn edits_name_layers() {
    let vars = Vars::new();
    let names = names();
    let scope = Scope::new(&vars, &names);
    let cx = TemplateCtx::new(scope).macs(
        "02:00:00:00:00:fe".parse().unwrap(),
        "02:00:00:00:00:01".parse().unwrap(),
    );
    let p = compile(
        &yaml("{ipv6: {src: mn0.coa, dst: iut.addr}, mh: {binding_update: {seq: 7}}}"),
        &cx,
    )
    .unwrap();
    let edits = compile_edits(
        &yaml("{patches: [{layer: mh, offset: 4, bytes: ffff}], append: '00'}"),
        &p,
        &scope,
    )
    .unwrap();
    assert_eq!(edits.patches[0].layer, Some(2));
    let e = p.emit_with(&edits).unwrap();
    assert_eq!(&e.bytes[54 + 4..54 + 6], &[0xff, 0xff]);
    assert_eq!(e.bytes.len(), p.emit().len() + 1);
    let (d, _) = received(&e.bytes);
    assert!(
        frame_findings(&d).iter().any(|f| f.contains("mh-checksum")),
        "{:?}",
        frame_findings(&d)
    );
    let err =
        compile_edits(&yaml("{patches: [{layer: hm, bytes: '00'}]}"), &p, &scope).unwrap_err();
    assert_eq!(err.path, "patches[0].layer");
    assert!(err.message.contains("did you mean `mh`"), "{err}");
}

// ---- the matcher ----------------------------------------------------------------------------------

/// A Binding Acknowledgement from the correspondent node, built from a template.
fn ba_frame(status: u8, seq: u16, lifetime: u16) -> Vec<u8> {
    let vars = Vars::new();
    let names = names();
    let cx = TemplateCtx::new(Scope::new(&vars, &names)).macs(
        "02:00:00:00:00:01".parse().unwrap(),
        "02:00:00:00:00:fe".parse().unwrap(),
    );
    let tree = json!({
        "ipv6": {"src": "iut.addr", "dst": "mn0.coa"},
        "routing": {"home_address": "mn0.hoa"},
        "mh": {"binding_ack": {"status": status, "seq": seq, "lifetime": lifetime},
               "options": [{"binding_refresh_advice": {"refresh_interval": 20}}]},
    });
    compile(&tree, &cx).unwrap().emit()
}

fn try_match(
    cond: &str,
    capture: Option<&str>,
    bytes: &[u8],
    vars: &Vars,
) -> Result<mip6_harness::matcher::Captures, MatchError> {
    let names = names();
    let (d, v) = received(bytes);
    let cx = MatchCtx::new(Scope::new(vars, &names));
    let cap = capture.map(yaml);
    match_frame(&yaml(cond), cap.as_ref(), &d, &v, &cx)
}

fn mismatch(cond: &str, bytes: &[u8]) -> Mismatch {
    match try_match(cond, None, bytes, &Vars::new()) {
        Err(MatchError::Mismatch(m)) => m,
        other => panic!("expected a mismatch for {cond}, got {other:?}"),
    }
}

#[test]
fn a_binding_ack_matches_and_a_wrong_status_names_the_field() {
    let cond = "mh: {binding_ack: {status: 0, seq: 100, lifetime: {max: 105}}}";
    try_match(cond, None, &ba_frame(0, 100, 100), &Vars::new()).unwrap();
    let m = mismatch(cond, &ba_frame(135, 100, 0));
    assert_eq!(
        m,
        Mismatch {
            path: "mh.binding_ack.status".into(),
            expected: "0".into(),
            actual: "135".into(),
            note: None
        }
    );
    assert_eq!(m.to_string(), "mh.binding_ack.status: expected 0, got 135");
    let m = mismatch(cond, &ba_frame(0, 100, 106));
    assert_eq!(
        m.to_string(),
        "mh.binding_ack.lifetime: expected at most 105, got 106"
    );
    let m = mismatch("mh: {binding_update: {seq: 100}}", &ba_frame(0, 100, 1));
    assert_eq!(
        m.to_string(),
        "mh.message: expected binding_update, got binding_ack"
    );
}

#[test]
fn literals_compare_as_their_field_type() {
    let f = ba_frame(0, 100, 100);
    let ok = |c: &str| try_match(c, None, &f, &Vars::new()).unwrap_or_else(|e| panic!("{c}: {e}"));
    ok("ipv6: {src: iut.addr, dst: '2001:0db8:0002:0000::0100'}");
    ok("mh: {binding_ack: {seq: '0x64', k: 0, r: false}, payload_proto: 59}");
    ok("routing: {routing_type: 2, segments_left: 1, home_address: mn0.hoa}");
    ok("ethernet: {src: iut.mac, dst: '02:00:00:00:00:FE'}");
    ok("mh: {binding_ack: {lifetime_seconds: 400}}");
    assert_eq!(
        mismatch("ipv6: {hop_limit: 63}", &f).to_string(),
        "ipv6.hop_limit: expected 63, got 64"
    );
    assert_eq!(
        mismatch("ipv6: {dst: mn0.hoa}", &f).to_string(),
        "ipv6.dst: expected mn0.hoa (2001:db8:1::100), got 2001:db8:2::100"
    );
}

#[test]
fn present_absent_one_of_and_options() {
    let f = ba_frame(0, 100, 100);
    let ok = |c: &str| try_match(c, None, &f, &Vars::new()).unwrap_or_else(|e| panic!("{c}: {e}"));
    ok("routing: present");
    ok("dest_opts: absent");
    ok("inner: absent");
    ok("mh: {binding_ack: {status: {one_of: [0, 1]}}}");
    ok("mh: {options: {binding_refresh_advice: present, binding_authorization_data: absent}}");
    ok("mh: {options: {binding_refresh_advice: {refresh_interval: {min: 10, max: 30}, refresh_interval_seconds: 80}}}");
    ok("mh: {options: [{binding_refresh_advice: 20}]}");
    assert_eq!(
        mismatch("routing: absent", &f).to_string(),
        "routing: expected absent, got present at offset 54"
    );
    assert_eq!(
        mismatch("dest_opts: present", &f).to_string(),
        "dest_opts: expected present, got absent (layers here: ethernet, ipv6, routing, mh)"
    );
    assert_eq!(
        mismatch("mh: {binding_ack: {status: {one_of: [128, 135]}}}", &f).to_string(),
        "mh.binding_ack.status: expected one of [128, 135], got 0"
    );
    assert_eq!(
        mismatch("mh: {options: {binding_refresh_advice: absent}}", &f).path,
        "mh.options.binding_refresh_advice"
    );
    assert_eq!(
        mismatch("mh: {options: {nonce_indices: present}}", &f).to_string(),
        "mh.options.nonce_indices: expected present, got absent (options here: binding_refresh_advice)"
    );
    assert_eq!(
        mismatch(
            "mh: {options: {binding_refresh_advice: {refresh_interval: 21}}}",
            &f
        )
        .to_string(),
        "mh.options.binding_refresh_advice.refresh_interval: expected 21, got 20"
    );
    assert_eq!(
        mismatch("inner: {ipv6: present}", &f).to_string(),
        "inner: expected a tunnelled packet, got none"
    );

    // Tunnels: the outer level does not see the inner MH; inner: does.
    let hot = sample("hot-tunnelled-from-ha").emit();
    try_match(
        "{ipv6: {src: ha0.addr}, mh: absent, inner: {ipv6: {src: iut.addr, dst: mn0.hoa}, mh: {home_test: {nonce_index: 5}}}}",
        None,
        &hot,
        &Vars::new(),
    )
    .unwrap();
    // The Home Address option, as an option condition and as a list.
    let bu = sample("bu-home-registration-AHLK").emit();
    try_match(
        "dest_opts: {home_address: mn0.hoa}",
        None,
        &bu,
        &Vars::new(),
    )
    .unwrap();
    try_match(
        "dest_opts: [{home_address: mn0.hoa}, padn]",
        None,
        &bu,
        &Vars::new(),
    )
    .unwrap();
    assert_eq!(
        mismatch("dest_opts: {home_address: mn0.coa}", &bu).to_string(),
        "dest_opts.home_address: expected mn0.coa (2001:db8:2::100), got 2001:db8:1::100"
    );
}

#[test]
fn condition_errors_are_not_mismatches() {
    let f = ba_frame(0, 100, 100);
    let invalid = |c: &str| match try_match(c, None, &f, &Vars::new()) {
        Err(MatchError::Invalid(e)) => e.to_string(),
        other => panic!("{c}: expected an invalid condition, got {other:?}"),
    };
    assert!(invalid("mh: {binding_ack: {stauts: 0}}").starts_with(
        "mh.binding_ack.stauts: unknown binding_ack field `stauts` (did you mean `status`?)"
    ));
    assert!(invalid("mh: {options: {nonce_indice: present}}")
        .starts_with("mh.options.nonce_indice: unknown option `nonce_indice` (did you mean `nonce_indices`?)"));
    assert!(invalid("ipv6: {src: $me}").starts_with("ipv6.src: unknown variable $me"));
    assert!(invalid("mh: {binding_ack: {status: {mni: 1}}}")
        .contains("unknown condition `mni` (did you mean `min`?)"));
    assert!(invalid("mh: {options: {binding_refresh_advice: valid}}")
        .contains("binding_authorization_data only"));
}

#[test]
fn captures_take_layers_and_fields() {
    let hot = sample("hot-tunnelled-from-ha").emit();
    let c = try_match(
        "inner: {mh: {home_test: present}}",
        Some("{hot: inner.mh, outer_src: ipv6.src, idx: inner.mh.home_test.nonce_index}"),
        &hot,
        &Vars::new(),
    )
    .unwrap();
    let (home, _) = rr_tokens();
    assert_eq!(c["hot"]["nonce_index"], json!(5));
    assert_eq!(c["hot"]["token"], json!(to_hex(&home)));
    assert_eq!(c["hot"]["cookie"], json!("0123456789abcdef"));
    assert_eq!(c["outer_src"], json!("2001:db8:1::1"));
    assert_eq!(c["idx"], json!(5));

    let f = ba_frame(0, 100, 37);
    let c = try_match(
        "mh: {binding_ack: {status: 0}}",
        Some("{granted: mh.binding_ack.lifetime, also: mh.lifetime, bra: mh.options.binding_refresh_advice.refresh_interval, hoa: routing.home_address}"),
        &f,
        &Vars::new(),
    )
    .unwrap();
    assert_eq!(c["granted"], json!(37));
    assert_eq!(c["also"], json!(37));
    assert_eq!(c["bra"], json!(20));
    assert_eq!(c["hoa"], json!("2001:db8:1::100"));

    let bu = sample("bu-home-registration-AHLK").emit();
    let c = try_match(
        "{}",
        Some("{hoa: dest_opts.home_address, bu: mh}"),
        &bu,
        &Vars::new(),
    )
    .unwrap();
    assert_eq!(c["hoa"], json!("2001:db8:1::100"));
    assert_eq!(c["bu"]["seq"], json!(100));
    // A captured layer feeds a template: answer a BU with a BA of the same sequence number.
    let vars = Vars::new().with("bu", c["bu"].clone());
    let names = names();
    let cx = TemplateCtx::new(Scope::new(&vars, &names));
    let ba = compile(
        &yaml("{ipv6: {src: ha0.addr, dst: mn0.coa}, mh: {binding_ack: {seq: $bu.seq}}}"),
        &cx,
    )
    .unwrap();
    try_match(
        "mh: {binding_ack: {seq: 100}}",
        None,
        &ba.emit(),
        &Vars::new(),
    )
    .unwrap_err();
    let mut eth = vec![Layer::Ethernet(mip6_packets::Ethernet::new(
        "02:00:00:00:00:01".parse().unwrap(),
        "02:00:00:00:00:02".parse().unwrap(),
    ))];
    eth.extend(ba.layers);
    try_match(
        "mh: {binding_ack: {seq: 100}}",
        None,
        &Packet::new(eth).emit(),
        &Vars::new(),
    )
    .unwrap();

    // Capturing what is not there is a mismatch.
    let m = match try_match(
        "{}",
        Some("{x: mh.options.nonce_indices}"),
        &f,
        &Vars::new(),
    ) {
        Err(MatchError::Mismatch(m)) => m,
        other => panic!("{other:?}"),
    };
    assert_eq!(m.path, "capture.x");
}

#[test]
fn authenticators_are_checked_with_the_current_kbm() {
    let (home, care_of) = rr_tokens();
    let kbm = to_hex(&mip6_packets::rr::kbm(&home, Some(&care_of)));
    let ba = sample("ba-cn-route-optimisation-bad").emit();
    let bu = sample("bu-cn-route-optimisation-nonce-indices-bad").emit();
    let good = Vars::new().with("kbm", kbm.clone());
    let cond = "mh: {options: {binding_authorization_data: valid}}";
    try_match(cond, None, &ba, &good).unwrap();
    try_match(cond, None, &bu, &good).unwrap();
    let wrong = Vars::new().with("kbm", to_hex(&mip6_packets::rr::kbm(&home, None)));
    match try_match(cond, None, &ba, &wrong) {
        Err(MatchError::Mismatch(m)) => {
            assert_eq!(m.path, "mh.options.binding_authorization_data");
            assert_eq!(m.actual, "invalid");
        }
        other => panic!("{other:?}"),
    }
    // A de-registration from home: the care-of address is the home address (§6.2.7).
    let dereg = sample("bu-cn-deregistration-no-flags-bad").emit();
    let k = Vars::new().with("kbm", to_hex(&mip6_packets::rr::kbm(&home, None)));
    try_match(cond, None, &dereg, &k).unwrap();
    // No Kbm at all is the test's error.
    assert!(matches!(
        try_match(cond, None, &ba, &Vars::new()),
        Err(MatchError::Invalid(_))
    ));
}

// ---- return routability end to end against the reference correspondent node ---------------------

mod rr_end_to_end {
    use super::*;
    use mip6_reference::cn::{Cn, CnConfig};
    use mip6_reference::config::{IfAddr, IfaceConfig};
    use mip6_reference::{Instant, Node};
    use std::time::Duration;

    const IUT_MAC: &str = "02:00:00:00:00:01";
    const R1_MAC: &str = "02:00:00:00:00:fe";

    fn cn() -> Cn {
        let mut c = CnConfig::new(vec![IfaceConfig {
            name: "link0".into(),
            mac: IUT_MAC.parse().unwrap(),
            addrs: vec![IfAddr {
                addr: "2001:db8:3::1".parse().unwrap(),
                prefix_len: 64,
            }],
            default_router: Some("fe80::1".parse().unwrap()),
        }]);
        c.seed = 42;
        let mut n = Cn::new(c);
        n.host_mut().learn(
            Instant::ZERO,
            0,
            "fe80::1".parse().unwrap(),
            R1_MAC.parse().unwrap(),
        );
        n
    }

    /// Sends a template to the node and returns what it sends back.
    fn exchange(n: &mut Cn, now: f64, tree: &str, vars: &Vars) -> Vec<Vec<u8>> {
        let names = names();
        let cx = TemplateCtx::new(Scope::new(vars, &names))
            .macs(R1_MAC.parse().unwrap(), IUT_MAC.parse().unwrap());
        let frame = compile(&yaml(tree), &cx).unwrap().emit();
        let t = Instant(Duration::from_secs_f64(now));
        n.handle(t, 0, &frame);
        std::iter::from_fn(|| n.poll_transmit())
            .map(|t| t.frame)
            .collect()
    }

    /// The first frame matching `cond`, its captures added to `vars`.
    fn expect(frames: &[Vec<u8>], cond: &str, capture: Option<&str>, vars: &mut Vars) {
        let mut why = Vec::new();
        for f in frames {
            let (d, _) = received(f);
            assert!(frame_findings(&d).is_empty(), "{:?}", frame_findings(&d));
            match try_match(cond, capture, f, vars) {
                Ok(c) => {
                    vars.extend(c);
                    return;
                }
                Err(e) => why.push(e.to_string()),
            }
        }
        panic!("no frame matches {cond}: {why:?}");
    }

    const BU: &str = "
ipv6: {src: mn0.coa, dst: iut.addr}
dest_opts: [{home_address: mn0.hoa}]
mh:
  binding_update: {seq: 100, a: true, lifetime: 15}
  options:
    - nonce_indices: {home_nonce_index: $hot.nonce_index, care_of_nonce_index: $cot.nonce_index}
    - binding_authorization_data: {auth: computed}
";

    fn return_routability(n: &mut Cn) -> Vars {
        let mut vars = Vars::new();
        let out = exchange(
            n,
            1.0,
            "{ipv6: {src: mn0.hoa, dst: iut.addr}, mh: {home_test_init: {cookie: '0102030405060708'}}}",
            &vars,
        );
        expect(
            &out,
            "{ipv6: {src: iut.addr, dst: mn0.hoa}, mh: {home_test: {cookie: '0102030405060708'}}}",
            Some("{hot: mh}"),
            &mut vars,
        );
        let out = exchange(
            n,
            1.1,
            "{ipv6: {src: mn0.coa, dst: iut.addr}, mh: {care_of_test_init: {cookie: '1112131415161718'}}}",
            &vars,
        );
        expect(
            &out,
            "{ipv6: {src: iut.addr, dst: mn0.coa}, mh: {care_of_test: {cookie: '1112131415161718'}}}",
            Some("{cot: mh}"),
            &mut vars,
        );
        let names = names();
        let kbm = Scope::new(&vars, &names)
            .resolve(
                &yaml("{fn: kbm, home_token: $hot.token, care_of_token: $cot.token}"),
                "set.kbm",
            )
            .unwrap();
        vars.set("kbm", kbm);
        vars
    }

    #[test]
    fn a_binding_update_signed_by_a_template_is_accepted() {
        let mut n = cn();
        let mut vars = return_routability(&mut n);
        let out = exchange(&mut n, 2.0, BU, &vars);
        expect(
            &out,
            "
ipv6: {src: iut.addr, dst: mn0.coa}
routing: {routing_type: 2, home_address: mn0.hoa}
mh:
  binding_ack: {status: 0, seq: 100, lifetime: {min: 1, max: 15}}
  options: {binding_authorization_data: valid, binding_refresh_advice: absent}
",
            Some("{granted: mh.binding_ack.lifetime}"),
            &mut vars,
        );
        assert!(vars
            .get("granted")
            .and_then(Value::as_u64)
            .is_some_and(|l| l >= 1));
        assert_eq!(n.bindings().len(), 1);
    }

    #[test]
    fn a_binding_update_signed_with_another_kbm_is_not() {
        let mut n = cn();
        let mut vars = return_routability(&mut n);
        let (home, care_of) = rr_tokens();
        vars.set("kbm", to_hex(&mip6_packets::rr::kbm(&home, Some(&care_of))));
        let out = exchange(&mut n, 2.0, BU, &vars);
        for f in &out {
            assert!(
                try_match("mh: {binding_ack: {status: 0}}", None, f, &vars).is_err(),
                "a BA accepted a BU with a wrong authenticator"
            );
        }
        assert!(n.bindings().is_empty());
    }
}
