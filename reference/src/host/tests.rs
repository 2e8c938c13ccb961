//! Host stack tests: Neighbor Discovery, routing, proxy ND/DAD, ICMP errors and the §9.2 checks.

use super::*;
use crate::config::{IfAddr, IfaceConfig, Timers};
use mip6_packets::ipv6::OptionsHeader;
use mip6_packets::mh::{BindingUpdate, MhMessage, Mobility};

const ME_MAC: MacAddr = MacAddr([2, 0, 0, 0, 0, 1]);
const R1_MAC: MacAddr = MacAddr([2, 0, 0, 0, 0, 0x11]);
const PEER_MAC: MacAddr = MacAddr([2, 0, 0, 0, 0, 0x22]);

fn a(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

fn t(s: f64) -> Instant {
    Instant::from_secs_f64(s)
}

fn host() -> Host {
    Host::new(
        &[IfaceConfig {
            name: "eth0".into(),
            mac: ME_MAC,
            addrs: vec![IfAddr {
                addr: a("2001:db8:1::1"),
                prefix_len: 64,
            }],
            default_router: Some(a("fe80::11")),
        }],
        Timers::default(),
        false,
    )
}

fn frame(src_mac: MacAddr, dst_mac: MacAddr, layers: Vec<Layer>) -> Vec<u8> {
    let mut l = vec![Layer::Ethernet(Ethernet::new(src_mac, dst_mac))];
    l.extend(layers);
    Packet::new(l).emit()
}

fn ns(src: Ipv6Addr, dst: Ipv6Addr, target: Ipv6Addr, slla: Option<MacAddr>) -> Vec<Layer> {
    vec![
        Layer::Ipv6(Ipv6::new(src, dst).hop_limit(255)),
        Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::NeighborSolicitation {
            reserved: 0,
            target,
            options: slla.map(NdOption::SourceLinkLayer).into_iter().collect(),
        })),
    ]
}

fn na(src: Ipv6Addr, dst: Ipv6Addr, target: Ipv6Addr, tlla: MacAddr) -> Vec<Layer> {
    vec![
        Layer::Ipv6(Ipv6::new(src, dst).hop_limit(255)),
        Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::NeighborAdvertisement {
            r: true,
            s: true,
            o: true,
            reserved: 0,
            target,
            options: vec![NdOption::TargetLinkLayer(tlla)],
        })),
    ]
}

fn sent(h: &mut Host) -> Vec<Decoded> {
    std::iter::from_fn(|| h.poll_transmit())
        .map(|t| {
            let d = decode(&t.frame, LinkType::Ethernet);
            assert!(
                d.violations.is_empty(),
                "host sent a bad frame: {:?}",
                d.violations
            );
            d
        })
        .collect()
}

fn icmp(d: &Decoded) -> &Icmpv6Msg {
    d.find(|l| match l {
        Layer::Icmpv6(i) => Some(&i.msg),
        _ => None,
    })
    .expect("an ICMPv6 message")
}

fn ip(d: &Decoded) -> &Ipv6 {
    d.find(|l| match l {
        Layer::Ipv6(h) => Some(h),
        _ => None,
    })
    .expect("an IPv6 header")
}

fn eth(d: &Decoded) -> &Ethernet {
    match &d.packet.layers[0] {
        Layer::Ethernet(e) => e,
        _ => panic!("no Ethernet"),
    }
}

#[test]
fn answers_ns_for_its_address_with_a_solicited_na() {
    let mut h = host();
    let f = frame(
        PEER_MAC,
        MacAddr::ipv6_multicast(solicited_node(&a("2001:db8:1::1"))),
        ns(
            a("2001:db8:1::22"),
            solicited_node(&a("2001:db8:1::1")),
            a("2001:db8:1::1"),
            Some(PEER_MAC),
        ),
    );
    assert!(
        h.receive(t(0.0), 0, &f).is_none(),
        "ND is consumed by the host"
    );
    let out = sent(&mut h);
    assert_eq!(out.len(), 1);
    assert_eq!(eth(&out[0]).dst, PEER_MAC);
    assert_eq!(
        (ip(&out[0]).src, ip(&out[0]).dst, ip(&out[0]).hop_limit),
        (a("2001:db8:1::1"), a("2001:db8:1::22"), 255)
    );
    let Icmpv6Msg::NeighborAdvertisement {
        s,
        o,
        target,
        options,
        ..
    } = icmp(&out[0])
    else {
        panic!("not an NA")
    };
    assert!(*s && *o);
    assert_eq!(*target, a("2001:db8:1::1"));
    assert_eq!(options, &vec![NdOption::TargetLinkLayer(ME_MAC)]);
}

#[test]
fn ignores_ns_for_other_targets_and_nd_with_hop_limit_below_255() {
    let mut h = host();
    let other = frame(
        PEER_MAC,
        MacAddr::BROADCAST,
        ns(a("2001:db8:1::22"), ALL_NODES, a("2001:db8:1::99"), None),
    );
    assert!(h.receive(t(0.0), 0, &other).is_none());
    let mut forwarded = ns(
        a("2001:db8:1::22"),
        a("2001:db8:1::1"),
        a("2001:db8:1::1"),
        Some(PEER_MAC),
    );
    if let Layer::Ipv6(ip) = &mut forwarded[0] {
        ip.hop_limit = 64;
    }
    assert!(h
        .receive(t(0.0), 0, &frame(PEER_MAC, ME_MAC, forwarded))
        .is_none());
    assert!(sent(&mut h).is_empty());
}

#[test]
fn dad_probe_for_its_address_is_defended_to_all_nodes() {
    let mut h = host();
    let f = frame(
        PEER_MAC,
        MacAddr::ipv6_multicast(solicited_node(&a("2001:db8:1::1"))),
        ns(
            Ipv6Addr::UNSPECIFIED,
            solicited_node(&a("2001:db8:1::1")),
            a("2001:db8:1::1"),
            None,
        ),
    );
    h.receive(t(0.0), 0, &f);
    let out = sent(&mut h);
    assert_eq!(ip(&out[0]).dst, ALL_NODES);
    assert!(matches!(
        icmp(&out[0]),
        Icmpv6Msg::NeighborAdvertisement { s: false, .. }
    ));
}

#[test]
fn off_link_packets_wait_for_the_router_to_be_resolved() {
    let mut h = host();
    let pkt = vec![
        Layer::Ipv6(Ipv6::new(a("2001:db8:1::1"), a("2001:db8:9::9"))),
        Layer::Raw(vec![1, 2, 3]),
    ];
    assert!(h.send(t(0.0), pkt));
    let out = sent(&mut h);
    assert_eq!(out.len(), 1, "only the NS goes out first");
    let Icmpv6Msg::NeighborSolicitation { target, .. } = icmp(&out[0]) else {
        panic!("not an NS")
    };
    assert_eq!(*target, a("fe80::11"));
    assert_eq!(ip(&out[0]).dst, solicited_node(&a("fe80::11")));
    // The router answers: the queued packet goes out to its MAC.
    let ll = h.ifaces[0].link_local();
    h.receive(
        t(0.5),
        0,
        &frame(R1_MAC, ME_MAC, na(a("fe80::11"), ll, a("fe80::11"), R1_MAC)),
    );
    let out = sent(&mut h);
    assert_eq!(out.len(), 1);
    assert_eq!(eth(&out[0]).dst, R1_MAC);
    assert_eq!(ip(&out[0]).dst, a("2001:db8:9::9"));
}

#[test]
fn address_resolution_retries_then_gives_up() {
    let mut h = host();
    h.send(
        t(0.0),
        vec![Layer::Ipv6(Ipv6::new(
            a("2001:db8:1::1"),
            a("2001:db8:1::77"),
        ))],
    );
    assert_eq!(sent(&mut h).len(), 1);
    assert_eq!(h.poll_timeout(), Some(t(1.0)));
    h.handle_timeout(t(1.0));
    h.handle_timeout(t(2.0));
    assert_eq!(sent(&mut h).len(), 2, "MAX_MULTICAST_SOLICIT = 3 in all");
    h.handle_timeout(t(3.0));
    assert!(sent(&mut h).is_empty());
    assert_eq!(h.poll_timeout(), None);
    assert!(h.events.iter().any(|e| matches!(
        e,
        Event::Note {
            behaviour: "RFC 4861 §7.2.2",
            ..
        }
    )));
}

#[test]
fn proxied_address_is_answered_and_announced() {
    let mut h = host();
    // A router (like a home agent) still advertises a proxied address with R clear.
    h.is_router = true;
    let hoa = a("2001:db8:1::100");
    h.add_proxy(
        0,
        hoa,
        Proxy {
            override_flag: false,
            router: false,
        },
    );
    h.unsolicited_na(t(0.0), 0, hoa, true);
    let out = sent(&mut h);
    assert_eq!(ip(&out[0]).dst, ALL_NODES);
    assert!(
        matches!(icmp(&out[0]), Icmpv6Msg::NeighborAdvertisement { o: true, s: false, r: false, target, .. } if *target == hoa)
    );
    let q = frame(
        PEER_MAC,
        ME_MAC,
        ns(
            a("2001:db8:1::22"),
            solicited_node(&hoa),
            hoa,
            Some(PEER_MAC),
        ),
    );
    h.receive(t(1.0), 0, &q);
    let out = sent(&mut h);
    assert!(
        matches!(icmp(&out[0]), Icmpv6Msg::NeighborAdvertisement { o: false, s: true, r: false, target, options, .. }
        if *target == hoa && options == &vec![NdOption::TargetLinkLayer(ME_MAC)])
    );
    // Packets to the proxied address are handed up, marked as proxied.
    let data = frame(
        PEER_MAC,
        ME_MAC,
        vec![Layer::Ipv6(Ipv6::new(a("2001:db8:1::22"), hoa))],
    );
    assert!(h.receive(t(1.0), 0, &data).expect("handed up").proxied);
    h.remove_proxy(0, &hoa);
    assert!(h.receive(t(2.0), 0, &q).is_none());
    assert!(sent(&mut h).is_empty());
}

#[test]
fn proxy_dad_succeeds_after_retrans_timer_and_fails_on_an_answer() {
    let mut h = host();
    let hoa = a("2001:db8:1::100");
    let tok = h.start_dad(t(0.0), 0, hoa);
    let out = sent(&mut h);
    assert_eq!(ip(&out[0]).src, Ipv6Addr::UNSPECIFIED);
    assert_eq!(ip(&out[0]).dst, solicited_node(&hoa));
    h.handle_timeout(t(0.999));
    assert_eq!(h.poll_dad(), None);
    h.handle_timeout(t(1.0));
    assert_eq!(
        h.poll_dad(),
        Some(DadResult {
            token: tok,
            target: hoa,
            duplicate: false
        })
    );

    let tok = h.start_dad(t(5.0), 0, hoa);
    sent(&mut h);
    h.receive(
        t(5.5),
        0,
        &frame(
            PEER_MAC,
            MacAddr::BROADCAST,
            na(hoa, ALL_NODES, hoa, PEER_MAC),
        ),
    );
    h.handle_timeout(t(5.5));
    assert_eq!(
        h.poll_dad(),
        Some(DadResult {
            token: tok,
            target: hoa,
            duplicate: true
        })
    );
}

fn bu_frame(mh: Mobility) -> Vec<u8> {
    frame(
        R1_MAC,
        ME_MAC,
        vec![
            Layer::Ipv6(Ipv6::new(a("2001:db8:2::100"), a("2001:db8:1::1"))),
            Layer::DestOpts(OptionsHeader::home_address(a("2001:db8:1::100"))),
            Layer::Mobility(mh),
        ],
    )
}

fn bu() -> Mobility {
    Mobility::new(
        MhMessage::BindingUpdate(BindingUpdate {
            seq: 1,
            a: true,
            h: true,
            lifetime: 10,
            ..Default::default()
        }),
        vec![],
    )
}

#[test]
fn mh_checks_follow_section_9_2_order() {
    let mut h = host();
    let rx = |h: &mut Host, m: Mobility| h.receive(t(0.0), 0, &bu_frame(m)).expect("for us");
    let r = rx(&mut h, bu());
    assert!(matches!(check_mh(&r), MhCheck::Valid(3)));
    // Checksum first: a bad checksum hides every other fault.
    let mut m = bu();
    m.checksum = Some(1);
    m.payload_proto = 6;
    m.mh_type = Some(200);
    assert_eq!(check_mh(&rx(&mut h, m)), MhCheck::BadChecksum);
    // Then the type, before Payload Proto.
    let mut m = bu();
    m.payload_proto = 6;
    m.mh_type = Some(200);
    assert_eq!(check_mh(&rx(&mut h, m)), MhCheck::UnknownType(200));
    // Then Payload Proto (pointer 64 = 40 + 24 bytes of Destination Options), before Header Len.
    let mut m = bu();
    m.payload_proto = 6;
    m.header_len = Some(0);
    assert_eq!(
        check_mh(&rx(&mut h, m)),
        MhCheck::ParamProblem {
            pointer: 64,
            behaviour: "MH-4"
        }
    );
    let mut m = bu();
    m.header_len = Some(0);
    assert_eq!(
        check_mh(&rx(&mut h, m)),
        MhCheck::ParamProblem {
            pointer: 65,
            behaviour: "MH-5"
        }
    );
}

#[test]
fn icmp_errors_go_to_the_source_quote_the_packet_and_are_rate_limited() {
    let mut h = Host::new(
        &[IfaceConfig {
            name: "eth0".into(),
            mac: ME_MAC,
            addrs: vec![IfAddr {
                addr: a("2001:db8:1::1"),
                prefix_len: 64,
            }],
            default_router: Some(a("fe80::11")),
        }],
        Timers {
            error_burst: 2,
            error_rate_per_sec: 1,
            ..Timers::default()
        },
        false,
    );
    h.learn(t(0.0), 0, a("fe80::11"), R1_MAC);
    let f = bu_frame(bu());
    let r = h.receive(t(0.0), 0, &f).unwrap();
    for _ in 0..3 {
        h.icmp_error(
            t(0.0),
            &r,
            Icmpv6Msg::ParameterProblem {
                pointer: 64,
                invoking: vec![],
            },
            0,
        );
    }
    let out = sent(&mut h);
    assert_eq!(out.len(), 2, "burst of 2");
    assert_eq!(
        ip(&out[0]).dst,
        a("2001:db8:2::100"),
        "straight to the source, not the HoA"
    );
    assert_eq!(ip(&out[0]).src, a("2001:db8:1::1"));
    let Icmpv6Msg::ParameterProblem { pointer, invoking } = icmp(&out[0]) else {
        panic!("not a Parameter Problem")
    };
    assert_eq!(*pointer, 64);
    assert_eq!(invoking.as_slice(), &f[14..]);
    // One token a second comes back.
    h.icmp_error(
        t(1.0),
        &r,
        Icmpv6Msg::ParameterProblem {
            pointer: 64,
            invoking: vec![],
        },
        0,
    );
    assert_eq!(sent(&mut h).len(), 1);
}

#[test]
fn quoted_packet_leaves_out_ethernet_padding() {
    let mut h = host();
    h.learn(t(0.0), 0, a("2001:db8:1::22"), PEER_MAC);
    let mut f = frame(
        PEER_MAC,
        ME_MAC,
        vec![Layer::Ipv6(Ipv6::new(
            a("2001:db8:1::22"),
            a("2001:db8:1::1"),
        ))],
    );
    f.resize(60, 0); // a 54-byte frame padded to the Ethernet minimum
    let r = h.receive(t(0.0), 0, &f).unwrap();
    assert_eq!(r.ip_bytes(), &f[14..54]);
    h.icmp_error(
        t(0.0),
        &r,
        Icmpv6Msg::ParameterProblem {
            pointer: 6,
            invoking: vec![],
        },
        1,
    );
    let out = sent(&mut h);
    let Icmpv6Msg::ParameterProblem { invoking, .. } = icmp(&out[0]) else {
        panic!("not a Parameter Problem")
    };
    assert_eq!(invoking.len(), 40);
}

#[test]
fn echo_reply_mirrors_the_request() {
    let mut h = host();
    let f = frame(
        R1_MAC,
        ME_MAC,
        vec![
            Layer::Ipv6(Ipv6::new(a("2001:db8:5::5"), a("2001:db8:1::1"))),
            Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::EchoRequest {
                ident: 7,
                seq: 9,
                data: vec![1, 2],
            })),
        ],
    );
    let r = h.receive(t(0.0), 0, &f).unwrap();
    let reply = h.echo_reply(&r, a("2001:db8:5::5")).unwrap();
    assert_eq!(
        reply[1],
        Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::EchoReply {
            ident: 7,
            seq: 9,
            data: vec![1, 2]
        }))
    );
}

#[test]
fn frames_for_other_macs_and_addresses_are_ignored() {
    let mut h = host();
    let f = frame(
        PEER_MAC,
        MacAddr([2, 9, 9, 9, 9, 9]),
        vec![Layer::Ipv6(Ipv6::new(
            a("2001:db8:1::22"),
            a("2001:db8:1::1"),
        ))],
    );
    assert!(h.receive(t(0.0), 0, &f).is_none());
    let f = frame(
        PEER_MAC,
        ME_MAC,
        vec![Layer::Ipv6(Ipv6::new(
            a("2001:db8:1::22"),
            a("2001:db8:1::5"),
        ))],
    );
    assert!(h.receive(t(0.0), 0, &f).is_none());
    assert!(h.receive(t(0.0), 0, &[1, 2, 3]).is_none());
    assert!(h.receive(t(0.0), 7, &f).is_none());
}

#[test]
fn icmp_error_to_a_link_local_source_leaves_by_the_arrival_interface() {
    let cfg = |name: &str, mac: MacAddr| IfaceConfig {
        name: name.into(),
        mac,
        addrs: vec![],
        default_router: None,
    };
    let mut h = Host::new(
        &[
            cfg("eth0", ME_MAC),
            cfg("eth1", MacAddr([2, 0, 0, 0, 0, 2])),
        ],
        Timers::default(),
        false,
    );
    let me1 = h.ifaces[1].link_local();
    h.learn(t(0.0), 1, a("fe80::22"), PEER_MAC);
    let f = frame(
        PEER_MAC,
        MacAddr([2, 0, 0, 0, 0, 2]),
        vec![Layer::Ipv6(Ipv6::new(a("fe80::22"), me1))],
    );
    let r = h.receive(t(0.0), 1, &f).expect("for us on eth1");
    h.icmp_error(
        t(0.0),
        &r,
        Icmpv6Msg::ParameterProblem {
            pointer: 6,
            invoking: vec![],
        },
        1,
    );
    let tx = h.poll_transmit().expect("an error is sent");
    assert_eq!(tx.iface, 1);
    let d = decode(&tx.frame, LinkType::Ethernet);
    assert_eq!((ip(&d).src, ip(&d).dst), (me1, a("fe80::22")));
}
