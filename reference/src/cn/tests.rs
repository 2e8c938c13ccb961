//! Correspondent node tests, one or more per behaviour of `shared/spec/behaviours.md` sections A
//! (MH-*) and B (CN-*), named after its ID. The node is driven directly: frames built with
//! mip6-packets go in from a test router's MAC, and what comes out is decoded and checked field
//! by field, with the return-routability cryptography recomputed independently.

use super::*;
use crate::config::IfAddr;
use mip6_packets::checksum::Pseudo;
use mip6_packets::icmpv6::Icmpv6;
use mip6_packets::ipv6::{OptionsHeader, RoutingBody};
use mip6_packets::mh::BindingUpdate;
use mip6_packets::util::from_hex;
use mip6_packets::{decode, Decoded, Ethernet, LinkType, MacAddr, Packet};

// ---- fixtures -------------------------------------------------------------------------------

const CN_MAC: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0x01]);
const ROUTER_MAC: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0xfe]);

fn a(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

/// The addresses of the constants.md §4.1 test vector.
fn cn_addr() -> Ipv6Addr {
    a("2001:db8:3::1")
}
fn hoa() -> Ipv6Addr {
    a("2001:db8:1::100")
}
fn coa() -> Ipv6Addr {
    a("2001:db8:2::100")
}
fn router() -> Ipv6Addr {
    a("fe80::1")
}

fn vector_kcn() -> [u8; 20] {
    from_hex("000102030405060708090a0b0c0d0e0f10111213")
        .unwrap()
        .try_into()
        .unwrap()
}

fn t(s: f64) -> Instant {
    Instant::from_secs_f64(s)
}

fn ms(m: u64) -> Instant {
    Instant(Duration::from_millis(m))
}

fn config() -> CnConfig {
    let mut c = CnConfig::new(vec![IfaceConfig {
        name: "eth0".into(),
        mac: CN_MAC,
        addrs: vec![IfAddr {
            addr: cn_addr(),
            prefix_len: 64,
        }],
        default_router: Some(router()),
    }]);
    c.seed = 7;
    c.kcn = Some(vector_kcn());
    c
}

fn scaled_config(scale: f64) -> CnConfig {
    let mut c = config();
    c.timers.time_scale = scale;
    c
}

/// A node whose default router's MAC is already known.
fn node_with(cfg: CnConfig) -> Cn {
    let mut n = Cn::new(cfg);
    n.host.learn(Instant::ZERO, 0, router(), ROUTER_MAC);
    n
}

fn node() -> Cn {
    node_with(config())
}

/// A frame that went out, raw and decoded.
#[derive(Debug, Clone)]
struct Frame {
    raw: Vec<u8>,
    d: Decoded,
}

impl Frame {
    fn ip(&self) -> &Ipv6 {
        self.d
            .find(|l| match l {
                Layer::Ipv6(h) => Some(h),
                _ => None,
            })
            .expect("an IPv6 header")
    }
    fn mh(&self) -> Option<&Mobility> {
        self.d.find(|l| match l {
            Layer::Mobility(m) => Some(m),
            _ => None,
        })
    }
    fn icmp(&self) -> Option<&Icmpv6> {
        self.d.find(|l| match l {
            Layer::Icmpv6(m) => Some(m),
            _ => None,
        })
    }
    /// The type 2 routing header's home address, checking its fixed fields (§6.4.1).
    fn rh2(&self) -> Option<Ipv6Addr> {
        let r = self.d.find(|l| match l {
            Layer::Routing(r) => Some(r),
            _ => None,
        })?;
        assert_eq!(r.routing_type, 2);
        assert_eq!(r.segments_left, 1);
        assert_eq!(r.hdr_ext_len, Some(2));
        match r.body {
            RoutingBody::Type2 { home_address, .. } => Some(home_address),
            _ => panic!("type 2 routing header without a home address"),
        }
    }
    fn hao(&self) -> Option<Ipv6Addr> {
        self.d.packet.layers.iter().find_map(|l| match l {
            Layer::DestOpts(o) => o.home_address_opt(),
            _ => None,
        })
    }
    fn ba(&self) -> BindingAck {
        match &self.mh().expect("a Mobility Header").message {
            MhMessage::BindingAck(b) => b.clone(),
            m => panic!("expected a Binding Acknowledgement, got {}", m.name()),
        }
    }
    fn has_bad(&self) -> bool {
        self.mh()
            .unwrap()
            .options
            .iter()
            .any(|o| matches!(o, MhOption::BindingAuthorizationData(_)))
    }
    /// Recomputes the Binding Authorization Data of this frame's Mobility Header from the raw
    /// bytes (RFC 6275 §6.2.7), independently of the node's code.
    fn bad_valid(&self, kbm: &[u8; 20], care_of: Ipv6Addr, correspondent: Ipv6Addr) -> bool {
        let i = self
            .d
            .packet
            .layers
            .iter()
            .position(|l| matches!(l, Layer::Mobility(_)))
            .unwrap();
        let off = self.d.offsets[i];
        let m = self.mh().unwrap();
        let len = (usize::from(m.header_len.unwrap()) + 1) * 8;
        let bytes = &self.raw[off..off + len];
        let Some(MhOption::BindingAuthorizationData(auth)) = m.options.last() else {
            return false;
        };
        assert_eq!(auth.len(), 12, "RR authenticator is 96 bits");
        let mut data = bytes[..len - 12].to_vec();
        data[4] = 0;
        data[5] = 0;
        let expected = rr::authenticator(kbm, &care_of, &correspondent, &data);
        bytes[len - 12..] == expected[..] && auth[..] == expected[..]
    }
}

/// Everything the node sent, decoded. Every frame must go to the router from the node's MAC
/// and decode without a checksum or length violation.
fn drain(n: &mut Cn) -> Vec<Frame> {
    let mut out = Vec::new();
    while let Some(tx) = n.poll_transmit() {
        assert_eq!(tx.iface, 0);
        let d = decode(&tx.frame, LinkType::Ethernet);
        let Some(Layer::Ethernet(e)) = d.packet.layers.first() else {
            panic!("not Ethernet")
        };
        assert_eq!(e.src, CN_MAC);
        assert_eq!(e.dst, ROUTER_MAC, "every destination is off-link");
        assert!(
            d.violations.is_empty(),
            "frame sent by the CN has violations: {:?}",
            d.violations
        );
        out.push(Frame { raw: tx.frame, d });
    }
    out
}

fn events(n: &mut Cn) -> Vec<Event> {
    std::iter::from_fn(|| n.poll_event()).collect()
}

fn discarded_by(evs: &[Event], id: &str) -> bool {
    evs.iter()
        .any(|e| matches!(e, Event::Discarded { behaviour, .. } if *behaviour == id))
}

/// Puts a packet (IPv6 and up) on the wire to the node, from the router.
fn send(n: &mut Cn, now: Instant, layers: Vec<Layer>) {
    let mut l = vec![Layer::Ethernet(Ethernet::new(ROUTER_MAC, CN_MAC))];
    l.extend(layers);
    n.handle(now, 0, &Packet::new(l).emit());
}

/// IPv6 from `src` to the CN, with a Home Address option when `hao` is given, then `upper`.
fn pkt(src: Ipv6Addr, hao: Option<Ipv6Addr>, upper: Layer) -> Vec<Layer> {
    let mut l = vec![Layer::Ipv6(Ipv6::new(src, cn_addr()))];
    if let Some(h) = hao {
        l.push(Layer::DestOpts(OptionsHeader::home_address(h)));
    }
    l.push(upper);
    l
}

fn echo_request(id: u16) -> Layer {
    Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::EchoRequest {
        ident: id,
        seq: 1,
        data: b"route optimisation".to_vec(),
    }))
}

fn hoti(cookie: u8) -> Layer {
    Layer::Mobility(Mobility::new(
        MhMessage::HomeTestInit {
            reserved: 0,
            cookie: [cookie; 8],
        },
        vec![],
    ))
}

fn coti(cookie: u8) -> Layer {
    Layer::Mobility(Mobility::new(
        MhMessage::CareOfTestInit {
            reserved: 0,
            cookie: [cookie; 8],
        },
        vec![],
    ))
}

fn unknown_mh(t: u8) -> Layer {
    Layer::Mobility(Mobility::new(
        MhMessage::Unknown {
            mh_type: t,
            data: vec![0; 10],
        },
        vec![],
    ))
}

/// What a mobile node learns from return routability.
#[derive(Debug, Clone, Copy)]
struct Tokens {
    home_index: u16,
    home: [u8; 8],
    care_of_index: u16,
    care_of: [u8; 8],
}

impl Tokens {
    fn kbm(&self) -> [u8; 20] {
        rr::kbm(&self.home, Some(&self.care_of))
    }
    fn kbm_dereg(&self) -> [u8; 20] {
        rr::kbm(&self.home, None)
    }
}

/// Home Test Init from `home`, answered; returns (nonce index, token).
fn home_test(n: &mut Cn, now: Instant, home: Ipv6Addr) -> (u16, [u8; 8]) {
    send(n, now, pkt(home, None, hoti(0xa1)));
    let f = drain(n);
    assert_eq!(f.len(), 1, "one Home Test");
    match f[0].mh().unwrap().message {
        MhMessage::HomeTest {
            nonce_index, token, ..
        } => (nonce_index, token),
        ref m => panic!("expected HoT, got {}", m.name()),
    }
}

/// Care-of Test Init from `care_of`, answered; returns (nonce index, token).
fn care_of_test(n: &mut Cn, now: Instant, care_of: Ipv6Addr) -> (u16, [u8; 8]) {
    send(n, now, pkt(care_of, None, coti(0xc1)));
    let f = drain(n);
    assert_eq!(f.len(), 1, "one Care-of Test");
    match f[0].mh().unwrap().message {
        MhMessage::CareOfTest {
            nonce_index, token, ..
        } => (nonce_index, token),
        ref m => panic!("expected CoT, got {}", m.name()),
    }
}

/// The whole return routability procedure for (home, care_of).
fn rr_for(n: &mut Cn, now: Instant, home: Ipv6Addr, care_of: Ipv6Addr) -> Tokens {
    let (home_index, home_token) = home_test(n, now, home);
    let (care_of_index, care_of_token) = care_of_test(n, now, care_of);
    Tokens {
        home_index,
        home: home_token,
        care_of_index,
        care_of: care_of_token,
    }
}

fn rr_default(n: &mut Cn, now: Instant) -> Tokens {
    rr_for(n, now, hoa(), coa())
}

/// A Binding Update with Nonce Indices and a Binding Authorization Data option computed with
/// `kbm` over (`auth_coa`, CN address).
#[allow(clippy::too_many_arguments)]
fn bu_mh(
    seq: u16,
    ack: bool,
    lifetime: u16,
    indices: (u16, u16),
    kbm: &[u8; 20],
    auth_coa: Ipv6Addr,
) -> Mobility {
    let mut m = Mobility::new(
        MhMessage::BindingUpdate(BindingUpdate {
            seq,
            a: ack,
            lifetime,
            ..Default::default()
        }),
        vec![MhOption::NonceIndices {
            home: indices.0,
            care_of: indices.1,
        }],
    );
    m.authenticate(kbm, auth_coa, cn_addr());
    m
}

/// A registration BU (H=0) from the default CoA with a HAO, for `tok`.
fn reg_bu(tok: &Tokens, seq: u16, ack: bool, lifetime: u16) -> Vec<Layer> {
    pkt(
        coa(),
        Some(hoa()),
        Layer::Mobility(bu_mh(
            seq,
            ack,
            lifetime,
            (tok.home_index, tok.care_of_index),
            &tok.kbm(),
            coa(),
        )),
    )
}

/// RR and an accepted registration with A=1; returns the tokens.
fn register(n: &mut Cn, now: Instant, seq: u16, lifetime: u16) -> Tokens {
    let tok = rr_default(n, now);
    send(n, now, reg_bu(&tok, seq, true, lifetime));
    let f = drain(n);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].ba().status, 0);
    events(n);
    tok
}

/// Sends a BU and returns the single Binding Acknowledgement it got.
fn ba_for(n: &mut Cn, now: Instant, layers: Vec<Layer>) -> Frame {
    send(n, now, layers);
    let f = drain(n);
    assert_eq!(f.len(), 1, "expected exactly one Binding Acknowledgement");
    f[0].ba();
    f.into_iter().next().unwrap()
}

fn binding(n: &Cn) -> Option<BindingInfo> {
    n.bindings()
        .into_iter()
        .find(|b| b.local == cn_addr() && b.home_address == hoa())
}

// ---- A. Mobility Header processing (§9.2) ----------------------------------------------------

#[test]
fn mh_1_bad_checksum_is_silently_discarded() {
    let mut n = node();
    let tok = rr_default(&mut n, t(0.0));
    let mut l = reg_bu(&tok, 1, true, 10);
    if let Layer::Mobility(m) = &mut l[2] {
        m.checksum = Some(0x1234);
    }
    send(&mut n, t(0.1), l);
    assert!(drain(&mut n).is_empty(), "no BA, no ICMP");
    assert!(discarded_by(&events(&mut n), "MH-1"));
    assert!(n.bindings().is_empty());

    // Even an unknown MH Type gets no Binding Error when the checksum is wrong.
    let mut m = Mobility::new(
        MhMessage::Unknown {
            mh_type: 99,
            data: vec![0; 10],
        },
        vec![],
    );
    m.checksum = Some(0xbeef);
    send(&mut n, t(0.2), pkt(coa(), None, Layer::Mobility(m)));
    assert!(drain(&mut n).is_empty());
}

#[test]
fn mh_2_checksum_uses_the_home_address_option() {
    let mut n = node();
    let tok = rr_default(&mut n, t(0.0));
    // Checksummed as if the source (the CoA) were the pseudo-header source: wrong.
    let mut m = bu_mh(
        1,
        true,
        10,
        (tok.home_index, tok.care_of_index),
        &tok.kbm(),
        coa(),
    );
    let wrong = m.to_bytes(Some(&Pseudo::V6 {
        src: coa(),
        dst: cn_addr(),
    }));
    m.checksum = Some(u16::from_be_bytes([wrong[4], wrong[5]]));
    send(&mut n, t(0.1), pkt(coa(), Some(hoa()), Layer::Mobility(m)));
    assert!(drain(&mut n).is_empty());
    assert!(discarded_by(&events(&mut n), "MH-1"));
    // The same update checksummed with the home address is accepted.
    let f = ba_for(&mut n, t(0.2), reg_bu(&tok, 1, true, 10));
    assert_eq!(f.ba().status, 0);
}

#[test]
fn mh_3_unknown_type_gets_binding_error_2() {
    let mut n = node();
    send(&mut n, t(0.0), pkt(coa(), None, unknown_mh(42)));
    let f = drain(&mut n);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].ip().src, cn_addr());
    assert_eq!(f[0].ip().dst, coa());
    match f[0].mh().unwrap().message {
        MhMessage::BindingError {
            status,
            home_address,
            ..
        } => {
            assert_eq!(status, 2);
            assert_eq!(home_address, Ipv6Addr::UNSPECIFIED, "no HAO: ::");
        }
        ref m => panic!("expected BE, got {}", m.name()),
    }
    let evs = events(&mut n);
    assert!(discarded_by(&evs, "MH-3"));
    assert!(evs.iter().any(|e| *e
        == Event::BindingErrorSent {
            to: coa(),
            status: 2
        }));
}

#[test]
fn mh_4_payload_proto_not_59_gets_parameter_problem_at_payload_proto() {
    let mut n = node();
    let mut m = Mobility::new(
        MhMessage::HomeTestInit {
            reserved: 0,
            cookie: [1; 8],
        },
        vec![],
    );
    m.payload_proto = 6;
    send(&mut n, t(0.0), pkt(hoa(), None, Layer::Mobility(m.clone())));
    let f = drain(&mut n);
    assert_eq!(f.len(), 1, "a Parameter Problem and no HoT");
    assert_eq!(f[0].ip().dst, hoa());
    let icmp = f[0].icmp().unwrap();
    assert_eq!(icmp.wire_type(), 4);
    assert_eq!(icmp.code, 0);
    match &icmp.msg {
        Icmpv6Msg::ParameterProblem { pointer, invoking } => {
            assert_eq!(
                *pointer, 40,
                "Payload Proto is the first MH byte, after the IPv6 header"
            );
            assert_eq!(invoking[40], 6);
        }
        m => panic!("{m:?}"),
    }
    // Behind a Home Address option (24 bytes) the pointer moves, and the error goes to the
    // wire source without a routing header even when the MN is bound (no Binding Cache use).
    register(&mut n, t(1.0), 1, 100);
    let mut bu = bu_mh(2, true, 100, (0, 0), &[0; 20], coa());
    bu.payload_proto = 17;
    send(&mut n, t(2.0), pkt(coa(), Some(hoa()), Layer::Mobility(bu)));
    let f = drain(&mut n);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].ip().dst, coa());
    assert_eq!(f[0].rh2(), None);
    match &f[0].icmp().unwrap().msg {
        Icmpv6Msg::ParameterProblem { pointer, .. } => assert_eq!(*pointer, 64),
        m => panic!("{m:?}"),
    }
    assert!(discarded_by(&events(&mut n), "MH-4"));
}

#[test]
fn mh_5_header_len_too_small_gets_parameter_problem_at_header_len() {
    let mut n = node();
    // A Binding Update (type 5, minimum Header Len 1) with Header Len 0.
    let m = Mobility::new(
        MhMessage::Unknown {
            mh_type: 5,
            data: vec![0; 2],
        },
        vec![],
    );
    send(&mut n, t(0.0), pkt(coa(), None, Layer::Mobility(m)));
    let f = drain(&mut n);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].ip().dst, coa());
    let icmp = f[0].icmp().unwrap();
    assert_eq!((icmp.wire_type(), icmp.code), (4, 0));
    match &icmp.msg {
        Icmpv6Msg::ParameterProblem { pointer, .. } => assert_eq!(*pointer, 41),
        m => panic!("{m:?}"),
    }
    assert!(discarded_by(&events(&mut n), "MH-5"));
    // A Home Test (minimum 2) with Header Len 1 likewise.
    let m = Mobility::new(
        MhMessage::Unknown {
            mh_type: 3,
            data: vec![0; 10],
        },
        vec![],
    );
    send(&mut n, t(0.1), pkt(coa(), None, Layer::Mobility(m)));
    let f = drain(&mut n);
    match &f[0].icmp().unwrap().msg {
        Icmpv6Msg::ParameterProblem { pointer, .. } => assert_eq!(*pointer, 41),
        m => panic!("{m:?}"),
    }
}

#[test]
fn mh_6_checks_run_in_rfc_order() {
    let mut n = node();
    // Unknown type and a wrong Payload Proto: the type check comes first (BE, not ICMP).
    let mut m = Mobility::new(
        MhMessage::Unknown {
            mh_type: 77,
            data: vec![0; 10],
        },
        vec![],
    );
    m.payload_proto = 6;
    send(&mut n, t(0.0), pkt(coa(), None, Layer::Mobility(m)));
    let f = drain(&mut n);
    assert_eq!(f.len(), 1);
    assert!(matches!(
        f[0].mh().unwrap().message,
        MhMessage::BindingError { status: 2, .. }
    ));
    // Wrong Payload Proto and Header Len too small: the pointer is at Payload Proto.
    let mut m = Mobility::new(
        MhMessage::Unknown {
            mh_type: 5,
            data: vec![0; 2],
        },
        vec![],
    );
    m.payload_proto = 6;
    send(&mut n, t(0.1), pkt(coa(), None, Layer::Mobility(m)));
    let f = drain(&mut n);
    match &f[0].icmp().unwrap().msg {
        Icmpv6Msg::ParameterProblem { pointer, .. } => assert_eq!(*pointer, 40),
        m => panic!("{m:?}"),
    }
}

#[test]
fn mh_7_reserved_fields_are_ignored() {
    let mut n = node();
    // HoTI with its Reserved fields set is still answered.
    let mut m = Mobility::new(
        MhMessage::HomeTestInit {
            reserved: 0xffff,
            cookie: [9; 8],
        },
        vec![],
    );
    m.reserved = 0xff;
    send(&mut n, t(0.0), pkt(hoa(), None, Layer::Mobility(m)));
    let f = drain(&mut n);
    assert_eq!(f.len(), 1);
    let (home_index, home) = match f[0].mh().unwrap().message {
        MhMessage::HomeTest {
            nonce_index,
            cookie,
            token,
        } => {
            assert_eq!(cookie, [9; 8]);
            (nonce_index, token)
        }
        ref m => panic!("{}", m.name()),
    };
    let (care_of_index, care_of) = care_of_test(&mut n, t(0.0), coa());
    let tok = Tokens {
        home_index,
        home,
        care_of_index,
        care_of,
    };
    // A BU with the MH Reserved byte and the flags' reserved bits set is accepted.
    let mut bu = Mobility::new(
        MhMessage::BindingUpdate(BindingUpdate {
            seq: 3,
            a: true,
            k: true, // "Correspondent nodes MUST ignore this bit" (§6.1.7)
            reserved: 0xf,
            lifetime: 10,
            ..Default::default()
        }),
        vec![MhOption::NonceIndices {
            home: home_index,
            care_of: care_of_index,
        }],
    );
    bu.reserved = 0x5a;
    bu.authenticate(&tok.kbm(), coa(), cn_addr());
    let f = ba_for(&mut n, t(0.1), pkt(coa(), Some(hoa()), Layer::Mobility(bu)));
    let ba = f.ba();
    assert_eq!((ba.status, ba.seq, ba.lifetime), (0, 3, 10));
    assert!(!ba.k, "a CN MUST set K to 0");
    assert_eq!(ba.reserved, 0);
    assert_eq!(f.mh().unwrap().reserved, 0);
}

#[test]
fn mh_8_unknown_mobility_options_are_skipped() {
    let mut n = node();
    let tok = rr_default(&mut n, t(0.0));
    let mut bu = Mobility::new(
        MhMessage::BindingUpdate(BindingUpdate {
            seq: 1,
            a: true,
            lifetime: 20,
            ..Default::default()
        }),
        vec![
            MhOption::Other {
                typ: 200,
                data: vec![1, 2, 3, 4, 5],
            },
            MhOption::NonceIndices {
                home: tok.home_index,
                care_of: tok.care_of_index,
            },
            MhOption::Other {
                typ: 201,
                data: vec![],
            },
        ],
    );
    bu.authenticate(&tok.kbm(), coa(), cn_addr());
    let f = ba_for(&mut n, t(0.1), pkt(coa(), Some(hoa()), Layer::Mobility(bu)));
    assert_eq!(f.ba().status, 0);
    assert_eq!(binding(&n).unwrap().lifetime, 20);
}

#[test]
fn mh_9_sent_messages_are_aligned_and_padded() {
    let mut n = node();
    let tok = rr_default(&mut n, t(0.0));
    send(&mut n, t(0.0), pkt(coa(), None, unknown_mh(50)));
    let mut frames = drain(&mut n);
    send(&mut n, t(0.1), reg_bu(&tok, 1, true, 100));
    frames.extend(drain(&mut n));
    // HoT and CoT were checked by drain() in rr_default; here a BE and a BA.
    assert_eq!(frames.len(), 2);
    for f in &frames {
        let m = f.mh().unwrap();
        let len = (usize::from(m.header_len.unwrap()) + 1) * 8;
        assert_eq!(len % 8, 0);
        // drain() already checked: no misaligned option, no bad length, no BAD-not-last.
    }
    let ba = &frames[1];
    let m = ba.mh().unwrap();
    // BAD at MH offset 8n+2 and last, with nothing after it.
    let mut off = m.message.options_offset();
    for o in &m.options {
        if let MhOption::BindingAuthorizationData(_) = o {
            assert_eq!(off % 8, 2);
        }
        off += o.wire_len();
    }
    assert_eq!(off, (usize::from(m.header_len.unwrap()) + 1) * 8);
    assert!(matches!(
        m.options.last(),
        Some(MhOption::BindingAuthorizationData(_))
    ));
    // A BA without options (here a 131) is padded to Header Len 1 (§6.1.8).
    let h1 = Mobility::new(
        MhMessage::BindingUpdate(BindingUpdate {
            seq: 1,
            a: true,
            h: true,
            lifetime: 1,
            ..Default::default()
        }),
        vec![],
    );
    send(
        &mut n,
        t(0.3),
        pkt(a("2001:db8:9::9"), None, Layer::Mobility(h1)),
    );
    let f = drain(&mut n);
    assert_eq!(f[0].mh().unwrap().header_len, Some(1));
}

#[test]
fn mh_10_mh_11_only_a_ba_gets_a_routing_header_and_none_uses_the_binding_cache() {
    let mut n = node();
    let tok = register(&mut n, t(0.0), 1, 100);
    // HoT for a bound home address: straight to the home address.
    send(&mut n, t(1.0), pkt(hoa(), None, hoti(1)));
    let f = drain(&mut n);
    assert_eq!(f[0].ip().dst, hoa());
    assert_eq!(f[0].rh2(), None);
    assert_eq!(f[0].hao(), None);
    // CoT, BE: no routing header, no HAO.
    send(&mut n, t(1.0), pkt(coa(), None, coti(1)));
    send(&mut n, t(1.0), pkt(coa(), Some(hoa()), unknown_mh(33)));
    for f in drain(&mut n) {
        assert_eq!(f.ip().dst, coa());
        assert_eq!(f.rh2(), None);
        assert_eq!(f.hao(), None);
    }
    // The BA is the one exception.
    let f = ba_for(&mut n, t(2.0), reg_bu(&tok, 2, true, 100));
    assert_eq!(f.rh2(), Some(hoa()));
    assert_eq!(f.hao(), None);
}

#[test]
fn mh_12_binding_errors_are_rate_limited() {
    let mut cfg = config();
    cfg.timers.error_burst = 3;
    cfg.timers.error_rate_per_sec = 1;
    let mut n = node_with(cfg);
    for _ in 0..6 {
        send(&mut n, t(0.0), pkt(coa(), None, unknown_mh(100)));
    }
    assert_eq!(drain(&mut n).len(), 3, "the burst");
    let evs = events(&mut n);
    assert_eq!(
        evs.iter()
            .filter(|e| matches!(e, Event::BindingErrorSent { .. }))
            .count(),
        3
    );
    send(&mut n, t(0.5), pkt(coa(), None, unknown_mh(100)));
    assert!(drain(&mut n).is_empty(), "half a token");
    send(&mut n, t(1.0), pkt(coa(), None, unknown_mh(100)));
    assert_eq!(drain(&mut n).len(), 1, "refilled at 1 per second");
    // Binding Errors for CN-1 share the limiter.
    for _ in 0..3 {
        send(&mut n, t(1.0), pkt(coa(), Some(hoa()), echo_request(1)));
    }
    assert!(drain(&mut n).is_empty());
}

#[test]
fn mh_13_binding_error_goes_to_the_source_never_to_non_unicast() {
    let mut n = node();
    // With a HAO: to the source (the CoA), Home Address field = the HAO value.
    send(&mut n, t(0.0), pkt(coa(), Some(hoa()), unknown_mh(66)));
    let f = drain(&mut n);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].ip().dst, coa());
    assert_eq!(f[0].ip().src, cn_addr());
    match f[0].mh().unwrap().message {
        MhMessage::BindingError {
            status,
            home_address,
            ..
        } => assert_eq!((status, home_address), (2, hoa())),
        ref m => panic!("{}", m.name()),
    }
    // Unspecified or multicast sources get nothing.
    send(
        &mut n,
        t(0.1),
        pkt(Ipv6Addr::UNSPECIFIED, None, unknown_mh(66)),
    );
    send(&mut n, t(0.1), pkt(a("ff0e::1"), None, unknown_mh(66)));
    assert!(drain(&mut n).is_empty());
    let evs = events(&mut n);
    assert!(evs.iter().any(|e| matches!(
        e,
        Event::Note {
            behaviour: "MH-13",
            ..
        }
    )));
}

#[test]
fn mh_13_binding_error_for_a_multicast_destination_comes_from_a_unicast_address() {
    let mut n = node();
    let mut l = pkt(coa(), None, unknown_mh(70));
    if let Layer::Ipv6(h) = &mut l[0] {
        h.dst = crate::host::ALL_NODES;
    }
    let mut frame = vec![Layer::Ethernet(Ethernet::new(
        ROUTER_MAC,
        MacAddr::ipv6_multicast(crate::host::ALL_NODES),
    ))];
    frame.extend(l);
    n.handle(t(0.0), 0, &Packet::new(frame).emit());
    let f = drain(&mut n);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].ip().src, cn_addr(), "never a multicast source");
    assert_eq!(f[0].ip().dst, coa());
}

// ---- B. Home Address option and type 2 routing header ----------------------------------------

#[test]
fn cn_1_hao_without_binding_is_dropped_with_binding_error_1() {
    let mut n = node();
    send(&mut n, t(0.0), pkt(coa(), Some(hoa()), echo_request(7)));
    let f = drain(&mut n);
    assert_eq!(f.len(), 1, "a BE and no Echo Reply");
    assert_eq!(f[0].ip().dst, coa());
    match f[0].mh().unwrap().message {
        MhMessage::BindingError {
            status,
            home_address,
            ..
        } => assert_eq!((status, home_address), (1, hoa())),
        ref m => panic!("{}", m.name()),
    }
    assert!(discarded_by(&events(&mut n), "CN-1"));

    // A binding whose care-of address is not the source does not match.
    register(&mut n, t(1.0), 1, 100);
    let other = a("2001:db8:7::7");
    send(&mut n, t(2.0), pkt(other, Some(hoa()), echo_request(8)));
    let f = drain(&mut n);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].ip().dst, other);
    assert!(matches!(
        f[0].mh().unwrap().message,
        MhMessage::BindingError { status: 1, .. }
    ));
}

#[test]
fn cn_1_hao_with_non_routable_home_address_is_dropped_silently() {
    let mut n = node();
    for bad in ["fe80::1234", "ff02::1", "::", "::1"] {
        send(&mut n, t(0.0), pkt(coa(), Some(a(bad)), echo_request(1)));
        assert!(drain(&mut n).is_empty(), "{bad}");
        assert!(discarded_by(&events(&mut n), "CN-1"), "{bad}");
    }
    // Even on a Binding Update (the HAO check comes before MH processing).
    let tok = rr_default(&mut n, t(0.0));
    let bu = bu_mh(
        1,
        true,
        10,
        (tok.home_index, tok.care_of_index),
        &tok.kbm(),
        coa(),
    );
    send(
        &mut n,
        t(0.1),
        pkt(coa(), Some(a("fe80::1234")), Layer::Mobility(bu)),
    );
    assert!(drain(&mut n).is_empty());
}

#[test]
fn cn_1_hao_before_esp_ah_or_mh_is_processed_normally() {
    let mut n = node();
    for next in [proto::ESP, proto::AH] {
        let mut d = OptionsHeader::home_address(hoa());
        d.next_header = Some(next);
        send(
            &mut n,
            t(0.0),
            vec![
                Layer::Ipv6(Ipv6::new(coa(), cn_addr())),
                Layer::DestOpts(d),
                Layer::Raw(vec![0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]),
            ],
        );
        assert!(
            drain(&mut n).is_empty(),
            "no Binding Error for next header {next}"
        );
        assert!(!discarded_by(&events(&mut n), "CN-1"));
    }
    // MH: a HAO-carrying BU without any binding is processed (and accepted).
    let tok = rr_default(&mut n, t(1.0));
    let f = ba_for(&mut n, t(1.0), reg_bu(&tok, 1, true, 10));
    assert_eq!(f.ba().status, 0);
}

#[test]
fn cn_2_hao_with_binding_is_processed_as_from_the_home_address() {
    let mut n = node();
    register(&mut n, t(0.0), 1, 100);
    send(&mut n, t(1.0), pkt(coa(), Some(hoa()), echo_request(0x77)));
    let f = drain(&mut n);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].ip().src, cn_addr());
    assert_eq!(f[0].ip().dst, coa());
    assert_eq!(f[0].rh2(), Some(hoa()));
    match &f[0].icmp().unwrap().msg {
        Icmpv6Msg::EchoReply { ident, seq, data } => {
            assert_eq!((*ident, *seq), (0x77, 1));
            assert_eq!(data, b"route optimisation");
        }
        m => panic!("{m:?}"),
    }
    // The Binding Cache is not changed by a HAO (§6.3).
    let b = binding(&n).unwrap();
    assert_eq!((b.care_of_address, b.seq), (coa(), 1));
}

#[test]
fn cn_3_packets_to_a_bound_home_address_use_a_type_2_routing_header() {
    let mut n = node();
    // No binding: the reply goes to the home address, no routing header.
    send(&mut n, t(0.0), pkt(hoa(), None, echo_request(1)));
    let f = drain(&mut n);
    assert_eq!(f[0].ip().dst, hoa());
    assert_eq!(f[0].rh2(), None);
    // With a binding: to the CoA, RH2 = HoA, Segments Left 1 (checked by rh2()).
    register(&mut n, t(1.0), 1, 100);
    send(&mut n, t(2.0), pkt(hoa(), None, echo_request(2)));
    let f = drain(&mut n);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].ip().dst, coa());
    assert_eq!(f[0].rh2(), Some(hoa()));
    assert!(matches!(
        f[0].icmp().unwrap().msg,
        Icmpv6Msg::EchoReply { ident: 2, .. }
    ));
}

#[test]
fn echo_responder_can_be_switched_off() {
    let mut cfg = config();
    cfg.echo_responder = false;
    let mut n = node_with(cfg);
    send(&mut n, t(0.0), pkt(hoa(), None, echo_request(1)));
    assert!(drain(&mut n).is_empty());
    // A bad ICMP checksum is never answered.
    let mut n = node();
    let mut e = Icmpv6::new(Icmpv6Msg::EchoRequest {
        ident: 1,
        seq: 1,
        data: vec![],
    });
    e.checksum = Some(0x1111);
    send(&mut n, t(0.0), pkt(hoa(), None, Layer::Icmpv6(e)));
    assert!(drain(&mut n).is_empty());
}

// ---- B. Return routability -------------------------------------------------------------------

#[test]
fn cn_4_hoti_gets_hot_with_cookie_index_and_home_keygen_token() {
    let mut n = node();
    send(&mut n, t(0.0), pkt(hoa(), None, hoti(0x5c)));
    let f = drain(&mut n);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].ip().src, cn_addr());
    assert_eq!(f[0].ip().dst, hoa());
    let MhMessage::HomeTest {
        nonce_index,
        cookie,
        token,
    } = f[0].mh().unwrap().message
    else {
        panic!("not a HoT")
    };
    assert_eq!(cookie, [0x5c; 8]);
    assert_eq!(
        nonce_index,
        n.nonces.list.last().unwrap().index,
        "current index"
    );
    let nonce = n.nonce(nonce_index).unwrap();
    assert_eq!(
        token,
        rr::keygen_token(&vector_kcn(), &hoa(), &nonce, rr::TokenKind::Home)
    );
    assert_eq!(f[0].mh().unwrap().header_len, Some(2));
}

#[test]
fn cn_4_cn_5_test_init_with_hao_is_silently_ignored() {
    let mut n = node();
    send(&mut n, t(0.0), pkt(coa(), Some(hoa()), hoti(1)));
    send(&mut n, t(0.0), pkt(coa(), Some(hoa()), coti(1)));
    assert!(drain(&mut n).is_empty());
    let evs = events(&mut n);
    assert!(discarded_by(&evs, "CN-4"));
    assert!(discarded_by(&evs, "CN-5"));
    assert!(n.nonces.list.is_empty(), "no nonce was even needed");
}

#[test]
fn cn_5_coti_gets_cot_with_cookie_index_and_care_of_keygen_token() {
    let mut n = node();
    send(&mut n, t(0.0), pkt(coa(), None, coti(0x3e)));
    let f = drain(&mut n);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].ip().src, cn_addr());
    assert_eq!(f[0].ip().dst, coa());
    let MhMessage::CareOfTest {
        nonce_index,
        cookie,
        token,
    } = f[0].mh().unwrap().message
    else {
        panic!("not a CoT")
    };
    assert_eq!(cookie, [0x3e; 8]);
    let nonce = n.nonce(nonce_index).unwrap();
    assert_eq!(
        token,
        rr::keygen_token(&vector_kcn(), &coa(), &nonce, rr::TokenKind::CareOf)
    );
    // The home and care-of tokens differ for the same address and nonce (the 0/1 octet).
    assert_ne!(
        token,
        rr::keygen_token(&vector_kcn(), &coa(), &nonce, rr::TokenKind::Home)
    );
}

#[test]
fn cn_6_return_routability_keeps_no_per_mn_state() {
    let mut n = node();
    let (i1, t1) = home_test(&mut n, t(0.0), hoa());
    let (i2, t2) = home_test(&mut n, t(1.0), a("2001:db8:1::200"));
    let (i3, _) = care_of_test(&mut n, t(2.0), coa());
    assert_eq!(i1, i2);
    assert_eq!(i1, i3, "one current nonce for everybody");
    assert_ne!(t1, t2);
    assert!(n.bindings().is_empty());
    assert!(n.replays.is_empty());
    assert_eq!(n.nonces.list.len(), 1);
    // A repeated HoTI gets the same answer: nothing was remembered about the first.
    assert_eq!(home_test(&mut n, t(3.0), hoa()), (i1, t1));
}

#[test]
fn cn_7_hot_and_cot_carry_no_hao_and_no_routing_header() {
    let mut n = node();
    register(&mut n, t(0.0), 1, 100);
    send(&mut n, t(1.0), pkt(hoa(), None, hoti(2)));
    send(&mut n, t(1.0), pkt(coa(), None, coti(2)));
    let f = drain(&mut n);
    assert_eq!(f.len(), 2);
    assert_eq!((f[0].ip().dst, f[0].rh2(), f[0].hao()), (hoa(), None, None));
    assert_eq!((f[1].ip().dst, f[1].rh2(), f[1].hao()), (coa(), None, None));
}

#[test]
fn nonce_is_regenerated_after_its_first_use_and_kept_for_its_lifetime() {
    let mut n = node();
    assert_eq!(n.poll_timeout(), None, "an idle CN has no timer");
    let (i1, _) = home_test(&mut n, t(0.0), hoa());
    assert_eq!(
        n.poll_timeout(),
        Some(t(30.0)),
        "regeneration 30 s after first use"
    );
    let (i, _) = home_test(&mut n, t(29.9), hoa());
    assert_eq!(i, i1);
    n.handle_timeout(t(30.0));
    let (i2, _) = home_test(&mut n, t(30.0), hoa());
    assert_eq!(i2, i1.wrapping_add(1), "a new index");
    assert!(n.nonce(i1).is_some(), "the previous nonce is kept");
    // Without use, no further regeneration.
    n.handle_timeout(t(100.0));
    assert_eq!(home_test(&mut n, t(100.0), hoa()).0, i2.wrapping_add(1));
    n.handle_timeout(t(240.0));
    assert!(n.nonce(i1).is_none(), "expired nonces are discarded");
    assert!(n.nonce(i2).is_some());
}

// ---- B. Binding Update validity ----------------------------------------------------------------

#[test]
fn cn_8_bu_failing_mh_checks_gets_nothing() {
    let mut n = node();
    let tok = rr_default(&mut n, t(0.0));
    let mut l = reg_bu(&tok, 1, true, 10);
    if let Layer::Mobility(m) = &mut l[2] {
        m.checksum = Some(m.checksum.unwrap_or(0).wrapping_add(1));
    }
    send(&mut n, t(0.0), l);
    assert!(drain(&mut n).is_empty());
    assert!(n.bindings().is_empty());
}

#[test]
fn cn_9_bu_without_nonce_indices_is_silently_discarded() {
    let mut n = node();
    let tok = rr_default(&mut n, t(0.0));
    let mut bu = Mobility::new(
        MhMessage::BindingUpdate(BindingUpdate {
            seq: 1,
            a: true,
            lifetime: 10,
            ..Default::default()
        }),
        vec![],
    );
    bu.authenticate(&tok.kbm(), coa(), cn_addr());
    send(&mut n, t(0.0), pkt(coa(), Some(hoa()), Layer::Mobility(bu)));
    assert!(drain(&mut n).is_empty());
    assert!(discarded_by(&events(&mut n), "CN-9"));
    assert!(n.bindings().is_empty());
}

#[test]
fn cn_9_bu_without_binding_authorization_data_is_silently_discarded() {
    let mut n = node();
    let tok = rr_default(&mut n, t(0.0));
    let bu = Mobility::new(
        MhMessage::BindingUpdate(BindingUpdate {
            seq: 1,
            a: true,
            lifetime: 10,
            ..Default::default()
        }),
        vec![MhOption::NonceIndices {
            home: tok.home_index,
            care_of: tok.care_of_index,
        }],
    );
    send(&mut n, t(0.0), pkt(coa(), Some(hoa()), Layer::Mobility(bu)));
    assert!(drain(&mut n).is_empty());
    assert!(discarded_by(&events(&mut n), "CN-9"));
}

#[test]
fn cn_9_bad_not_last_or_with_trailing_padding_is_silently_discarded() {
    let mut n = node();
    let tok = rr_default(&mut n, t(0.0));
    // Trailing padding after a correct authenticator.
    let mut bu = bu_mh(
        1,
        true,
        10,
        (tok.home_index, tok.care_of_index),
        &tok.kbm(),
        coa(),
    );
    bu.options.push(MhOption::PadN(6));
    send(&mut n, t(0.0), pkt(coa(), Some(hoa()), Layer::Mobility(bu)));
    assert!(drain(&mut n).is_empty());
    assert!(discarded_by(&events(&mut n), "CN-9"));
    // An option after the BAD.
    let mut bu = bu_mh(
        1,
        true,
        10,
        (tok.home_index, tok.care_of_index),
        &tok.kbm(),
        coa(),
    );
    bu.options.push(MhOption::Other {
        typ: 200,
        data: vec![0; 4],
    });
    send(&mut n, t(0.0), pkt(coa(), Some(hoa()), Layer::Mobility(bu)));
    assert!(drain(&mut n).is_empty());
    assert!(discarded_by(&events(&mut n), "CN-9"));
    assert!(n.bindings().is_empty());
}

#[test]
fn cn_10_wrong_authenticator_is_silently_discarded() {
    let mut n = node();
    let tok = rr_default(&mut n, t(0.0));
    // One bit flipped.
    let mut bu = bu_mh(
        1,
        true,
        10,
        (tok.home_index, tok.care_of_index),
        &tok.kbm(),
        coa(),
    );
    if let Some(MhOption::BindingAuthorizationData(a)) = bu.options.last_mut() {
        a[11] ^= 1;
    }
    send(&mut n, t(0.0), pkt(coa(), Some(hoa()), Layer::Mobility(bu)));
    // Computed over another correspondent address.
    let mut bu = bu_mh(
        1,
        true,
        10,
        (tok.home_index, tok.care_of_index),
        &tok.kbm(),
        coa(),
    );
    bu.authenticate(&tok.kbm(), coa(), a("2001:db8:3::2"));
    send(&mut n, t(0.0), pkt(coa(), Some(hoa()), Layer::Mobility(bu)));
    // Kbm from the home token alone on a registration.
    let bu = bu_mh(
        1,
        true,
        10,
        (tok.home_index, tok.care_of_index),
        &tok.kbm_dereg(),
        coa(),
    );
    send(&mut n, t(0.0), pkt(coa(), Some(hoa()), Layer::Mobility(bu)));
    // Tokens of another home address.
    let other = a("2001:db8:1::999");
    let bu = bu_mh(
        1,
        true,
        10,
        (tok.home_index, tok.care_of_index),
        &tok.kbm(),
        coa(),
    );
    send(&mut n, t(0.0), pkt(coa(), Some(other), Layer::Mobility(bu)));
    assert!(drain(&mut n).is_empty(), "A=1 yet no BA");
    let evs = events(&mut n);
    assert_eq!(
        evs.iter()
            .filter(|e| matches!(
                e,
                Event::Discarded {
                    behaviour: "CN-10",
                    ..
                }
            ))
            .count(),
        4
    );
    assert!(n.bindings().is_empty());
}

#[test]
fn cn_10_authenticator_is_checked_before_the_sequence_number() {
    let mut n = node();
    let tok = register(&mut n, t(0.0), 10, 100);
    // Stale sequence AND a wrong authenticator: silently discarded, no 135 (§9.5.1).
    let mut bu = bu_mh(
        5,
        true,
        10,
        (tok.home_index, tok.care_of_index),
        &tok.kbm(),
        coa(),
    );
    if let Some(MhOption::BindingAuthorizationData(a)) = bu.options.last_mut() {
        a[0] ^= 0x80;
    }
    send(&mut n, t(1.0), pkt(coa(), Some(hoa()), Layer::Mobility(bu)));
    assert!(drain(&mut n).is_empty());
}

#[test]
fn cn_11_expired_home_nonce_gives_136() {
    let mut n = node();
    let (hi, ht) = home_test(&mut n, t(0.0), hoa());
    let (ci, ct) = care_of_test(&mut n, t(100.0), coa()); // a newer nonce
    assert_ne!(hi, ci);
    let tok = Tokens {
        home_index: hi,
        home: ht,
        care_of_index: ci,
        care_of: ct,
    };
    let f = ba_for(&mut n, t(245.0), reg_bu(&tok, 1, true, 10));
    let ba = f.ba();
    assert_eq!((ba.status, ba.seq), (136, 1));
    assert!(!f.has_bad(), "no BAD with 136 (§9.5.4)");
    assert_eq!(f.ip().dst, coa());
    assert_eq!(f.rh2(), Some(hoa()));
    assert!(n.bindings().is_empty());
}

#[test]
fn cn_11_expired_care_of_nonce_gives_137() {
    let mut n = node();
    let (ci, ct) = care_of_test(&mut n, t(0.0), coa());
    let (hi, ht) = home_test(&mut n, t(100.0), hoa());
    let tok = Tokens {
        home_index: hi,
        home: ht,
        care_of_index: ci,
        care_of: ct,
    };
    let f = ba_for(&mut n, t(245.0), reg_bu(&tok, 1, true, 10));
    assert_eq!(f.ba().status, 137);
    assert!(!f.has_bad());
}

#[test]
fn cn_11_both_expired_give_138_even_with_a_0() {
    let mut n = node();
    let tok = rr_default(&mut n, t(0.0));
    let f = ba_for(&mut n, t(240.0), reg_bu(&tok, 9, false, 10));
    let ba = f.ba();
    assert_eq!((ba.status, ba.seq, ba.lifetime), (138, 9, 0));
    assert!(!f.has_bad());
}

#[test]
fn cn_11_unknown_nonce_index_gives_136() {
    let mut n = node();
    let mut tok = rr_default(&mut n, t(0.0));
    tok.home_index = tok.home_index.wrapping_add(1000);
    let f = ba_for(&mut n, t(1.0), reg_bu(&tok, 1, false, 10));
    assert_eq!(f.ba().status, 136);
}

#[test]
fn cn_11_nonces_are_checked_before_the_authenticator() {
    let mut n = node();
    let tok = rr_default(&mut n, t(0.0));
    // Garbage authenticator, expired nonces: the node cannot tell, and answers 138.
    let bu = bu_mh(
        1,
        true,
        10,
        (tok.home_index, tok.care_of_index),
        &[0x55; 20],
        coa(),
    );
    let f = ba_for(
        &mut n,
        t(300.0),
        pkt(coa(), Some(hoa()), Layer::Mobility(bu)),
    );
    assert_eq!(f.ba().status, 138);
}

#[test]
fn cn_11_nonce_expires_240_s_after_first_use() {
    let mut n = node();
    let tok = rr_default(&mut n, t(0.0));
    let f = ba_for(&mut n, ms(239_999), reg_bu(&tok, 1, true, 10));
    assert_eq!(f.ba().status, 0, "still valid just before 240 s");
    let mut n = node();
    let tok = rr_default(&mut n, t(0.0));
    let f = ba_for(&mut n, ms(240_000), reg_bu(&tok, 1, true, 10));
    assert_eq!(
        f.ba().status,
        138,
        "MUST NOT accept beyond MAX_NONCE_LIFETIME"
    );
}

#[test]
fn cn_11_nonce_expiry_scales_with_time_scale() {
    let mut n = node_with(scaled_config(0.01));
    let tok = rr_default(&mut n, t(0.0));
    let f = ba_for(&mut n, ms(2_399), reg_bu(&tok, 1, true, 10));
    assert_eq!(f.ba().status, 0);
    let mut n = node_with(scaled_config(0.01));
    let tok = rr_default(&mut n, t(0.0));
    let f = ba_for(&mut n, ms(2_400), reg_bu(&tok, 1, true, 10));
    assert_eq!(f.ba().status, 138);
    // Regeneration scales too: 0.3 s.
    let mut n = node_with(scaled_config(0.01));
    let (i1, _) = home_test(&mut n, t(0.0), hoa());
    assert_eq!(n.poll_timeout(), Some(ms(300)));
    assert_ne!(home_test(&mut n, ms(300), hoa()).0, i1);
}

#[test]
fn cn_11_nonce_lifetime_counts_from_first_use_not_generation() {
    let mut n = node();
    home_test(&mut n, t(0.0), hoa()); // nonce A used at 0
    n.handle_timeout(t(30.0)); // nonce B generated at 30
    let tok = rr_default(&mut n, t(50.0)); // B first used at 50
                                           // 265 s after B's generation, 235 s after its first use: accepted.
    let f = ba_for(&mut n, t(285.0), reg_bu(&tok, 1, true, 10));
    assert_eq!(f.ba().status, 0);
    let f = ba_for(&mut n, t(290.0), reg_bu(&tok, 2, true, 10));
    assert_eq!(f.ba().status, 138);
}

#[test]
fn cn_12_deregistration_uses_the_home_token_only() {
    let mut n = node();
    let tok = register(&mut n, t(0.0), 1, 100);
    assert!(binding(&n).is_some());
    // Lifetime 0, from the CoA with a HAO; Kbm = SHA1(home token); care-of address in the
    // authenticator = the home address; the care-of nonce index is not even looked at.
    let bu = bu_mh(
        2,
        true,
        0,
        (tok.home_index, 0xdead),
        &tok.kbm_dereg(),
        hoa(),
    );
    let f = ba_for(&mut n, t(1.0), pkt(coa(), Some(hoa()), Layer::Mobility(bu)));
    let ba = f.ba();
    assert_eq!((ba.status, ba.seq, ba.lifetime), (0, 2, 0));
    assert!(f.bad_valid(&tok.kbm_dereg(), hoa(), cn_addr()));
    assert_eq!(f.ip().dst, coa());
    assert_eq!(f.rh2(), Some(hoa()));
    assert!(binding(&n).is_none());
}

#[test]
fn cn_12_deregistration_ignores_a_valid_care_of_nonce_index_too() {
    let mut n = node();
    let tok = register(&mut n, t(0.0), 1, 100);
    // The real (still valid) care-of index, but Kbm from the home token only.
    let bu = bu_mh(
        2,
        true,
        0,
        (tok.home_index, tok.care_of_index),
        &tok.kbm_dereg(),
        hoa(),
    );
    let f = ba_for(&mut n, t(1.0), pkt(coa(), Some(hoa()), Layer::Mobility(bu)));
    assert_eq!(f.ba().status, 0);
    assert!(f.bad_valid(&tok.kbm_dereg(), hoa(), cn_addr()));
    assert!(binding(&n).is_none());
}

#[test]
fn cn_12_deregistration_with_both_tokens_is_discarded() {
    let mut n = node();
    let tok = register(&mut n, t(0.0), 1, 100);
    let bu = bu_mh(
        2,
        true,
        0,
        (tok.home_index, tok.care_of_index),
        &tok.kbm(),
        coa(),
    );
    send(&mut n, t(1.0), pkt(coa(), Some(hoa()), Layer::Mobility(bu)));
    assert!(drain(&mut n).is_empty());
    assert!(binding(&n).is_some());
}

#[test]
fn cn_12_deregistration_ignores_an_expired_care_of_nonce() {
    let mut n = node();
    let tok = register(&mut n, t(0.0), 1, 105);
    let (hi, ht) = home_test(&mut n, t(100.0), hoa());
    let bu = bu_mh(
        2,
        true,
        0,
        (hi, tok.care_of_index),
        &rr::kbm(&ht, None),
        hoa(),
    );
    let f = ba_for(
        &mut n,
        t(250.0),
        pkt(coa(), Some(hoa()), Layer::Mobility(bu)),
    );
    assert_eq!(f.ba().status, 0, "not 137: care-of index not inspected");
    assert!(binding(&n).is_none());
    // With an expired home nonce it is 136.
    let bu = bu_mh(3, true, 0, (tok.home_index, 0), &tok.kbm_dereg(), hoa());
    let f = ba_for(
        &mut n,
        t(251.0),
        pkt(coa(), Some(hoa()), Layer::Mobility(bu)),
    );
    assert_eq!(f.ba().status, 136);
}

#[test]
fn cn_13_stale_sequence_gives_135_with_last_accepted() {
    let mut n = node();
    let tok = register(&mut n, t(0.0), 10, 100);
    for stale in [10u16, 9, 0, 10u16.wrapping_sub(32767)] {
        let f = ba_for(&mut n, t(1.0), reg_bu(&tok, stale, true, 50));
        let ba = f.ba();
        assert_eq!((ba.status, ba.seq), (135, 10), "BU seq {stale}");
        assert!(
            f.bad_valid(&tok.kbm(), coa(), cn_addr()),
            "135 carries a BAD"
        );
    }
    // A=0: still sent.
    let f = ba_for(&mut n, t(1.0), reg_bu(&tok, 3, false, 50));
    assert_eq!((f.ba().status, f.ba().seq), (135, 10));
    let b = binding(&n).unwrap();
    assert_eq!((b.seq, b.lifetime), (10, 100), "entry unchanged");
}

#[test]
fn cn_13_sequence_exactly_32768_ahead_is_not_newer() {
    let mut n = node();
    let tok = register(&mut n, t(0.0), 100, 100);
    let f = ba_for(&mut n, t(1.0), reg_bu(&tok, 100 + 32768, true, 50));
    assert_eq!((f.ba().status, f.ba().seq), (135, 100));
    let f = ba_for(&mut n, t(2.0), reg_bu(&tok, 100 + 32767, true, 50));
    assert_eq!((f.ba().status, f.ba().seq), (0, 100 + 32767));
}

#[test]
fn cn_13_sequence_wraps_from_65535_to_0() {
    let mut n = node();
    let tok = register(&mut n, t(0.0), 65535, 100);
    let f = ba_for(&mut n, t(1.0), reg_bu(&tok, 0, true, 50));
    assert_eq!((f.ba().status, f.ba().seq), (0, 0));
    assert_eq!(binding(&n).unwrap().seq, 0);
    let f = ba_for(&mut n, t(2.0), reg_bu(&tok, 65535, true, 50));
    assert_eq!((f.ba().status, f.ba().seq), (135, 0));
}

#[test]
fn cn_14_without_binding_any_sequence_is_accepted() {
    for seq in [0u16, 1, 32768, 40000, 65535] {
        let mut n = node();
        let tok = rr_default(&mut n, t(0.0));
        let f = ba_for(&mut n, t(0.0), reg_bu(&tok, seq, true, 10));
        assert_eq!((f.ba().status, f.ba().seq), (0, seq));
    }
    // After a de-registration there is no entry: a lower number is accepted.
    let mut n = node();
    let tok = register(&mut n, t(0.0), 1000, 100);
    let bu = bu_mh(1001, false, 0, (tok.home_index, 0), &tok.kbm_dereg(), hoa());
    send(&mut n, t(1.0), pkt(coa(), Some(hoa()), Layer::Mobility(bu)));
    assert!(drain(&mut n).is_empty(), "accepted with A=0: no BA");
    let f = ba_for(&mut n, t(2.0), reg_bu(&tok, 5, true, 10));
    assert_eq!((f.ba().status, f.ba().seq), (0, 5));
}

fn home_reg_bu(seq: u16, ack: bool, with_ni: bool) -> Vec<Layer> {
    let opts = if with_ni {
        vec![MhOption::NonceIndices {
            home: 1,
            care_of: 1,
        }]
    } else {
        vec![MhOption::AlternateCareOfAddress(coa())]
    };
    pkt(
        coa(),
        Some(hoa()),
        Layer::Mobility(Mobility::new(
            MhMessage::BindingUpdate(BindingUpdate {
                seq,
                a: ack,
                h: true,
                l: true,
                lifetime: 100,
                ..Default::default()
            }),
            opts,
        )),
    )
}

#[test]
fn cn_15_home_registration_gets_131() {
    let mut n = node();
    for ack in [true, false] {
        let f = ba_for(&mut n, t(0.0), home_reg_bu(77, ack, false));
        let ba = f.ba();
        assert_eq!((ba.status, ba.seq, ba.lifetime), (131, 77, 0));
        assert!(!f.has_bad(), "no Kbm for a home registration");
        assert_eq!(f.ip().dst, coa());
        assert_eq!(f.rh2(), Some(hoa()));
    }
    assert!(n.bindings().is_empty());
    // H=1 with a Nonce Indices option is invalid (§9.5.1): silently discarded.
    send(&mut n, t(0.0), home_reg_bu(78, true, true));
    assert!(drain(&mut n).is_empty());
}

#[test]
fn cn_16_registration_type_change_gets_139() {
    let mut n = node();
    register(&mut n, t(0.0), 1, 100);
    let f = ba_for(&mut n, t(1.0), home_reg_bu(2, true, false));
    let ba = f.ba();
    assert_eq!((ba.status, ba.seq), (139, 2));
    let b = binding(&n).unwrap();
    assert_eq!((b.care_of_address, b.seq, b.lifetime), (coa(), 1, 100));
    // Whatever the A bit (§9.5.1 MUST send back).
    let f = ba_for(&mut n, t(1.0), home_reg_bu(3, false, false));
    assert_eq!(f.ba().status, 139);
}

#[test]
fn cn_17_non_routable_care_of_address_is_silently_discarded() {
    let mut n = node();
    let tok = rr_default(&mut n, t(0.0));
    for bad in ["ff02::1", "fe80::9", "::", "::1"] {
        let mut bu = Mobility::new(
            MhMessage::BindingUpdate(BindingUpdate {
                seq: 1,
                a: true,
                lifetime: 10,
                ..Default::default()
            }),
            vec![
                MhOption::AlternateCareOfAddress(a(bad)),
                MhOption::NonceIndices {
                    home: tok.home_index,
                    care_of: tok.care_of_index,
                },
            ],
        );
        bu.authenticate(&tok.kbm(), a(bad), cn_addr());
        send(&mut n, t(0.0), pkt(coa(), Some(hoa()), Layer::Mobility(bu)));
        assert!(drain(&mut n).is_empty(), "{bad}");
        assert!(discarded_by(&events(&mut n), "CN-17"), "{bad}");
    }
    // A link-local source and no Alternate Care-of Address option.
    let bu = bu_mh(
        1,
        true,
        10,
        (tok.home_index, tok.care_of_index),
        &tok.kbm(),
        a("fe80::2"),
    );
    send(
        &mut n,
        t(0.0),
        pkt(a("fe80::2"), Some(hoa()), Layer::Mobility(bu)),
    );
    assert!(drain(&mut n).is_empty());
    assert!(n.bindings().is_empty());
}

#[test]
fn cn_17_alternate_care_of_address_is_the_care_of_address() {
    let mut n = node();
    let alt = a("2001:db8:4::100");
    let tok = rr_for(&mut n, t(0.0), hoa(), alt);
    let mut bu = Mobility::new(
        MhMessage::BindingUpdate(BindingUpdate {
            seq: 1,
            a: true,
            lifetime: 10,
            ..Default::default()
        }),
        vec![
            MhOption::AlternateCareOfAddress(alt),
            MhOption::NonceIndices {
                home: tok.home_index,
                care_of: tok.care_of_index,
            },
        ],
    );
    bu.authenticate(&tok.kbm(), alt, cn_addr());
    let f = ba_for(&mut n, t(0.0), pkt(coa(), Some(hoa()), Layer::Mobility(bu)));
    assert_eq!(f.ba().status, 0);
    // The BA goes to the BU's source, not the alternate address (§9.5.4).
    assert_eq!(f.ip().dst, coa());
    assert_eq!(f.rh2(), Some(hoa()));
    assert!(f.bad_valid(&tok.kbm(), alt, cn_addr()));
    assert_eq!(binding(&n).unwrap().care_of_address, alt);
    // Data now goes to the alternate address.
    send(&mut n, t(1.0), pkt(hoa(), None, echo_request(1)));
    assert_eq!(drain(&mut n)[0].ip().dst, alt);
}

// ---- B. Binding Update acceptance --------------------------------------------------------------

#[test]
fn cn_18_lifetime_is_clamped_to_420_s() {
    let mut n = node();
    let tok = rr_default(&mut n, t(0.0));
    let f = ba_for(&mut n, t(0.0), reg_bu(&tok, 1, true, 200));
    assert_eq!(f.ba().lifetime, 105, "420 s in 4 s units");
    let b = binding(&n).unwrap();
    assert_eq!((b.lifetime, b.expires), (105, t(420.0)));
    let evs = events(&mut n);
    assert!(evs.contains(&Event::BindingUpdated {
        home_address: hoa(),
        care_of_address: coa(),
        lifetime_secs: 420,
        home_registration: false,
    }));
    // A shorter request is granted as asked.
    let f = ba_for(&mut n, t(10.0), reg_bu(&tok, 2, true, 50));
    assert_eq!(f.ba().lifetime, 50);
    assert_eq!(binding(&n).unwrap().expires, t(210.0));
    assert_eq!(f.ba().lifetime, 50);
}

#[test]
fn cn_18_granted_lifetime_timer_scales_but_the_wire_value_does_not() {
    let mut n = node_with(scaled_config(0.01));
    let tok = rr_default(&mut n, t(0.0));
    let f = ba_for(&mut n, t(0.0), reg_bu(&tok, 1, true, 65535));
    assert_eq!(f.ba().lifetime, 105);
    assert_eq!(binding(&n).unwrap().expires, ms(4200));
}

#[test]
fn cn_18_update_moves_the_binding_to_a_new_care_of_address() {
    let mut n = node();
    register(&mut n, t(0.0), 1, 100);
    let new_coa = a("2001:db8:5::100");
    let tok = rr_for(&mut n, t(1.0), hoa(), new_coa);
    let bu = bu_mh(
        2,
        true,
        100,
        (tok.home_index, tok.care_of_index),
        &tok.kbm(),
        new_coa,
    );
    let f = ba_for(
        &mut n,
        t(1.0),
        pkt(new_coa, Some(hoa()), Layer::Mobility(bu)),
    );
    assert_eq!(f.ba().status, 0);
    assert_eq!(f.ip().dst, new_coa);
    assert_eq!(binding(&n).unwrap().care_of_address, new_coa);
    assert_eq!(n.bindings().len(), 1);
}

#[test]
fn cn_19_lifetime_zero_deletes_the_binding() {
    let mut n = node();
    let tok = register(&mut n, t(0.0), 1, 100);
    let bu = bu_mh(2, false, 0, (tok.home_index, 0), &tok.kbm_dereg(), hoa());
    send(&mut n, t(1.0), pkt(coa(), Some(hoa()), Layer::Mobility(bu)));
    assert!(drain(&mut n).is_empty(), "A=0");
    assert!(n.bindings().is_empty());
    let evs = events(&mut n);
    assert!(evs.iter().any(
        |e| matches!(e, Event::BindingDeleted { home_address, .. } if *home_address == hoa())
    ));
    // Data goes to the home address again.
    send(&mut n, t(2.0), pkt(hoa(), None, echo_request(1)));
    let f = drain(&mut n);
    assert_eq!((f[0].ip().dst, f[0].rh2()), (hoa(), None));
}

#[test]
fn cn_19_care_of_equal_to_home_deletes_and_the_ba_goes_home_directly() {
    let mut n = node();
    register(&mut n, t(0.0), 1, 100);
    // At home: from the HoA, no HAO, lifetime non-zero but CoA = HoA.
    let (hi, ht) = home_test(&mut n, t(1.0), hoa());
    let bu = bu_mh(2, true, 100, (hi, 0), &rr::kbm(&ht, None), hoa());
    let f = ba_for(&mut n, t(1.0), pkt(hoa(), None, Layer::Mobility(bu)));
    assert_eq!(f.ba().status, 0);
    assert_eq!(f.ba().lifetime, 0);
    assert_eq!(f.ip().dst, hoa());
    assert_eq!(f.rh2(), None, "no routing header to the home address");
    assert!(f.bad_valid(&rr::kbm(&ht, None), hoa(), cn_addr()));
    assert!(n.bindings().is_empty());
}

#[test]
fn cn_19_deregistration_never_creates_an_entry() {
    let mut n = node();
    let (hi, ht) = home_test(&mut n, t(0.0), hoa());
    let bu = bu_mh(2, true, 0, (hi, 0), &rr::kbm(&ht, None), hoa());
    let f = ba_for(&mut n, t(0.0), pkt(coa(), Some(hoa()), Layer::Mobility(bu)));
    assert_eq!(f.ba().status, 0);
    assert!(n.bindings().is_empty());
}

#[test]
fn cn_19_deleted_binding_cannot_be_replayed_while_its_nonces_are_valid() {
    let mut n = node();
    let tok = register(&mut n, t(0.0), 1, 100);
    let bu = bu_mh(2, true, 0, (tok.home_index, 0), &tok.kbm_dereg(), hoa());
    ba_for(&mut n, t(1.0), pkt(coa(), Some(hoa()), Layer::Mobility(bu)));
    // The registration BU (seq 1) replayed: silently discarded (§9.5.3).
    send(&mut n, t(2.0), reg_bu(&tok, 1, true, 100));
    assert!(drain(&mut n).is_empty());
    assert!(n.bindings().is_empty());
    // The MN's own new update (another sequence number) is fine.
    let f = ba_for(&mut n, t(3.0), reg_bu(&tok, 3, true, 100));
    assert_eq!(f.ba().status, 0);
}

#[test]
fn cn_20_full_cache_gives_130_even_with_a_0() {
    let mut cfg = config();
    cfg.max_bindings = 1;
    let mut n = node_with(cfg);
    let tok = register(&mut n, t(0.0), 1, 100);
    let hoa2 = a("2001:db8:1::200");
    let tok2 = rr_for(&mut n, t(1.0), hoa2, coa());
    for ack in [true, false] {
        let bu = bu_mh(
            7,
            ack,
            100,
            (tok2.home_index, tok2.care_of_index),
            &tok2.kbm(),
            coa(),
        );
        let f = ba_for(&mut n, t(1.0), pkt(coa(), Some(hoa2), Layer::Mobility(bu)));
        let ba = f.ba();
        assert_eq!((ba.status, ba.seq), (130, 7));
        assert!(f.bad_valid(&tok2.kbm(), coa(), cn_addr()));
        assert_eq!(f.rh2(), Some(hoa2));
    }
    assert_eq!(n.bindings().len(), 1);
    // Updating the existing entry still works.
    let f = ba_for(&mut n, t(2.0), reg_bu(&tok, 2, true, 100));
    assert_eq!(f.ba().status, 0);
    // max_bindings 0: nothing at all.
    let mut cfg = config();
    cfg.max_bindings = 0;
    let mut n = node_with(cfg);
    let tok = rr_default(&mut n, t(0.0));
    assert_eq!(
        ba_for(&mut n, t(0.0), reg_bu(&tok, 1, false, 1))
            .ba()
            .status,
        130
    );
}

// ---- B. Binding Acknowledgements ---------------------------------------------------------------

#[test]
fn cn_21_discarded_bu_gets_no_ba() {
    let mut n = node();
    let tok = rr_default(&mut n, t(0.0));
    // From a multicast source, A=1.
    let bu = bu_mh(
        1,
        true,
        10,
        (tok.home_index, tok.care_of_index),
        &tok.kbm(),
        coa(),
    );
    let mut l = pkt(coa(), Some(hoa()), Layer::Mobility(bu));
    if let Layer::Ipv6(h) = &mut l[0] {
        h.src = a("ff0e::5");
    }
    send(&mut n, t(0.0), l);
    // Without a HAO from a non-routable source (home address = source).
    let bu = bu_mh(
        1,
        true,
        10,
        (tok.home_index, tok.care_of_index),
        &tok.kbm(),
        coa(),
    );
    send(&mut n, t(0.0), pkt(a("fe80::3"), None, Layer::Mobility(bu)));
    assert!(drain(&mut n).is_empty());
    assert!(discarded_by(&events(&mut n), "CN-21"));
}

#[test]
fn cn_21_non_unicast_source_or_home_address_is_discarded_even_with_an_alternate_care_of() {
    let mut n = node();
    let tok = rr_default(&mut n, t(0.0));
    let alt_bu = || {
        let mut bu = Mobility::new(
            MhMessage::BindingUpdate(BindingUpdate {
                seq: 1,
                a: true,
                lifetime: 10,
                ..Default::default()
            }),
            vec![
                MhOption::AlternateCareOfAddress(coa()),
                MhOption::NonceIndices {
                    home: tok.home_index,
                    care_of: tok.care_of_index,
                },
            ],
        );
        bu.authenticate(&tok.kbm(), coa(), cn_addr());
        Layer::Mobility(bu)
    };
    // Multicast source (§9.5.4: no BA, silently discarded).
    send(&mut n, t(0.0), pkt(a("ff0e::5"), Some(hoa()), alt_bu()));
    assert!(drain(&mut n).is_empty());
    assert!(discarded_by(&events(&mut n), "CN-21"));
    // Link-local source and no HAO: the home address is not unicast routable (§9.5.1).
    send(&mut n, t(0.0), pkt(a("fe80::3"), None, alt_bu()));
    assert!(drain(&mut n).is_empty());
    assert!(discarded_by(&events(&mut n), "CN-21"));
    assert!(n.bindings().is_empty());
    // The same update from the real care-of address is accepted.
    let f = ba_for(&mut n, t(0.0), pkt(coa(), Some(hoa()), alt_bu()));
    assert_eq!(f.ba().status, 0);
}

#[test]
fn cn_22_accepted_bu_with_a_0_gets_no_ba() {
    let mut n = node();
    let tok = rr_default(&mut n, t(0.0));
    send(&mut n, t(0.0), reg_bu(&tok, 1, false, 10));
    assert!(drain(&mut n).is_empty());
    assert_eq!(binding(&n).unwrap().seq, 1);
    // ...but the errors of §9.5.4 are sent with A=0 (135 here; 130/136/137/138 elsewhere).
    send(&mut n, t(1.0), reg_bu(&tok, 1, false, 10));
    let f = drain(&mut n);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].ba().status, 135);
}

#[test]
fn cn_23_ba_sequence_is_the_bu_sequence() {
    let mut n = node();
    let tok = rr_default(&mut n, t(0.0));
    let f = ba_for(&mut n, t(0.0), reg_bu(&tok, 4242, true, 10));
    assert_eq!(f.ba().seq, 4242);
    let f = ba_for(&mut n, t(0.0), reg_bu(&tok, 4243, true, 10));
    assert_eq!(f.ba().seq, 4243);
}

#[test]
fn cn_24_ba_carries_bad_computed_with_kbm() {
    let mut n = node();
    let tok = rr_default(&mut n, t(0.0));
    let f = ba_for(&mut n, t(0.0), reg_bu(&tok, 1, true, 10));
    assert!(f.has_bad());
    assert!(f.bad_valid(&tok.kbm(), coa(), cn_addr()));
    assert!(!f.bad_valid(&tok.kbm_dereg(), coa(), cn_addr()));
    assert!(!f.bad_valid(&tok.kbm(), hoa(), cn_addr()));
    // The codec's verifier agrees.
    assert!(f
        .mh()
        .unwrap()
        .verify_authenticator(&tok.kbm(), coa(), cn_addr()));
    let ba = f.ba();
    assert!(!ba.k);
    // 136/137/138 carry none (checked in the CN-11 tests).
}

#[test]
fn cn_25_ba_goes_to_the_care_of_address_with_a_type_2_routing_header() {
    let mut n = node();
    let tok = rr_default(&mut n, t(0.0));
    let f = ba_for(&mut n, t(0.0), reg_bu(&tok, 1, true, 10));
    assert_eq!(f.ip().src, cn_addr());
    assert_eq!(f.ip().dst, coa());
    assert_eq!(f.rh2(), Some(hoa()));
    // The MH checksum covers the final destination (the home address): drain() decoded it
    // without a checksum violation.
    let evs = events(&mut n);
    assert!(evs.contains(&Event::BindingAckSent {
        home_address: hoa(),
        status: 0
    }));
}

// ---- B. Binding Refresh Requests and expiry --------------------------------------------------

#[test]
fn cn_26_brr_is_sent_to_the_home_address_when_an_entry_in_use_nears_expiry() {
    let mut n = node();
    register(&mut n, t(0.0), 1, 105); // expires at 420, refresh window from 360
    send(&mut n, t(310.0), pkt(hoa(), None, echo_request(1)));
    assert_eq!(drain(&mut n)[0].rh2(), Some(hoa()));
    n.handle_timeout(t(360.0));
    let f = drain(&mut n);
    assert_eq!(f.len(), 1);
    assert!(matches!(
        f[0].mh().unwrap().message,
        MhMessage::BindingRefreshRequest { .. }
    ));
    assert_eq!(f[0].ip().src, cn_addr());
    assert_eq!(f[0].ip().dst, hoa(), "always sent to the home address");
    assert_eq!(
        f[0].rh2(),
        None,
        "an MH message other than a BA: no routing header"
    );
    assert_eq!(f[0].mh().unwrap().header_len, Some(0));
    // Only one.
    send(&mut n, t(380.0), pkt(hoa(), None, echo_request(2)));
    n.handle_timeout(t(390.0));
    let f = drain(&mut n);
    assert_eq!(f.len(), 1, "the Echo Reply only");
    assert!(f[0].icmp().is_some());
}

#[test]
fn cn_26_no_brr_for_an_unused_entry() {
    let mut n = node();
    register(&mut n, t(0.0), 1, 105);
    // Used, but more than the lead time before the refresh point.
    send(&mut n, t(200.0), pkt(coa(), Some(hoa()), echo_request(1)));
    drain(&mut n);
    n.handle_timeout(t(360.0));
    n.handle_timeout(t(400.0));
    assert!(drain(&mut n).is_empty());
    // Used inside the window later: the refresh goes out then.
    send(&mut n, t(401.0), pkt(coa(), Some(hoa()), echo_request(2)));
    let f = drain(&mut n);
    assert_eq!(f.len(), 2);
    assert!(f.iter().any(|f| matches!(
        f.mh().map(|m| &m.message),
        Some(MhMessage::BindingRefreshRequest { .. })
    )));
}

#[test]
fn cn_26_a_received_home_address_option_counts_as_use() {
    let mut cfg = config();
    cfg.echo_responder = false;
    let mut n = node_with(cfg);
    register(&mut n, t(0.0), 1, 105);
    n.handle_timeout(t(360.0));
    assert!(drain(&mut n).is_empty(), "not used yet");
    // A route-optimised packet from the MN (nothing is sent back for it).
    send(&mut n, t(370.0), pkt(coa(), Some(hoa()), echo_request(1)));
    let f = drain(&mut n);
    assert_eq!(f.len(), 1);
    assert!(matches!(
        f[0].mh().unwrap().message,
        MhMessage::BindingRefreshRequest { .. }
    ));
    assert_eq!((f[0].ip().dst, f[0].rh2()), (hoa(), None));
}

#[test]
fn cn_26_no_brr_for_a_binding_shorter_than_the_lead_time() {
    let mut n = node();
    register(&mut n, t(0.0), 1, 10); // 40 s < 60 s lead
    send(&mut n, t(1.0), pkt(hoa(), None, echo_request(1)));
    send(&mut n, t(39.0), pkt(hoa(), None, echo_request(2)));
    let f = drain(&mut n);
    assert_eq!(f.len(), 2);
    assert!(f.iter().all(|f| f.icmp().is_some()));
}

#[test]
fn cn_26_brr_can_be_switched_off_and_stops_after_a_new_bu() {
    let mut cfg = config();
    cfg.binding_refresh_requests = false;
    let mut n = node_with(cfg);
    register(&mut n, t(0.0), 1, 105);
    send(&mut n, t(350.0), pkt(hoa(), None, echo_request(1)));
    drain(&mut n);
    n.handle_timeout(t(360.0));
    assert!(drain(&mut n).is_empty());

    // A refreshing BU before the window moves the refresh point.
    let mut n = node();
    let tok = register(&mut n, t(0.0), 1, 105);
    send(&mut n, t(350.0), pkt(hoa(), None, echo_request(1)));
    drain(&mut n);
    // New RR (the old nonces expired at 240) and BU at 355.
    let _ = tok;
    let tok = rr_default(&mut n, t(355.0));
    ba_for(&mut n, t(355.0), reg_bu(&tok, 2, true, 105));
    n.handle_timeout(t(360.0));
    assert!(
        drain(&mut n).is_empty(),
        "no BRR: the entry was just refreshed"
    );
    assert_eq!(binding(&n).unwrap().expires, t(775.0));
}

#[test]
fn cn_27_binding_expires_and_rh2_stops() {
    let mut n = node();
    register(&mut n, t(0.0), 1, 2); // 8 s
    assert_eq!(binding(&n).unwrap().expires, t(8.0));
    send(&mut n, t(7.9), pkt(hoa(), None, echo_request(1)));
    assert_eq!(drain(&mut n)[0].rh2(), Some(hoa()));
    assert!(n.poll_timeout().unwrap() <= t(8.0));
    n.handle_timeout(t(8.0));
    assert!(n.bindings().is_empty());
    assert!(events(&mut n).iter().any(|e| matches!(
        e,
        Event::BindingDeleted { home_address, reason } if *home_address == hoa() && reason.starts_with("CN-27")
    )));
    send(&mut n, t(8.1), pkt(hoa(), None, echo_request(2)));
    let f = drain(&mut n);
    assert_eq!((f[0].ip().dst, f[0].rh2()), (hoa(), None));
    // The MN's route-optimised packets are now refused.
    send(&mut n, t(8.2), pkt(coa(), Some(hoa()), echo_request(3)));
    let f = drain(&mut n);
    assert!(matches!(
        f[0].mh().unwrap().message,
        MhMessage::BindingError { status: 1, .. }
    ));
}

#[test]
fn cn_27_expired_binding_cannot_be_replayed_while_its_nonces_are_valid() {
    let mut n = node();
    let tok = register(&mut n, t(0.0), 1, 2);
    n.handle_timeout(t(8.0));
    assert!(n.bindings().is_empty());
    // §9.6 → §5.2.8: the accepted BU replayed after expiry is not accepted again.
    send(&mut n, t(9.0), reg_bu(&tok, 1, true, 2));
    assert!(drain(&mut n).is_empty());
    assert!(n.bindings().is_empty());
    // Once a nonce it used has expired, the record goes (the BU would get 138 anyway).
    n.handle_timeout(t(240.0));
    assert!(n.replays.is_empty());
}

#[test]
fn cn_27_expiry_happens_even_if_only_frames_arrive() {
    let mut n = node();
    register(&mut n, t(0.0), 1, 2);
    // No handle_timeout: the next frame finds the entry already gone.
    send(&mut n, t(9.0), pkt(hoa(), None, echo_request(1)));
    assert_eq!(drain(&mut n)[0].rh2(), None);
}

#[test]
fn poll_timeout_walks_nonce_brr_and_expiry_deadlines() {
    let mut n = node();
    register(&mut n, t(0.0), 1, 105);
    let mut seen = Vec::new();
    while let Some(d) = n.poll_timeout() {
        assert!(
            seen.last().is_none_or(|&l| d > l),
            "deadlines strictly advance"
        );
        seen.push(d);
        n.handle_timeout(d);
        assert!(seen.len() < 20);
    }
    // Nonce retired 30 s after first use, discarded at 240, refresh check at 360, expiry 420.
    assert_eq!(seen, vec![t(30.0), t(240.0), t(360.0), t(420.0)]);
    assert!(n.bindings().is_empty());
    assert!(drain(&mut n).is_empty(), "unused entry: no BRR");
}

// ---- whole exchanges -------------------------------------------------------------------------

#[test]
fn full_return_routability_binding_and_route_optimised_echo_with_the_test_vector() {
    let mut n = node();
    // Install the constants.md §4.1 nonces: home nonce index 5 = 11.., care-of index 6 = 22..
    n.nonces.list = vec![Nonce {
        index: 5,
        value: [0x11; 8],
        first_use: None,
    }];
    let (hi, ht) = home_test(&mut n, t(0.0), hoa());
    assert_eq!(
        (hi, ht.to_vec()),
        (5, from_hex("c71a754160cffb9a").unwrap())
    );
    n.nonces.list.push(Nonce {
        index: 6,
        value: [0x22; 8],
        first_use: None,
    });
    let (ci, ct) = care_of_test(&mut n, t(0.0), coa());
    assert_eq!(
        (ci, ct.to_vec()),
        (6, from_hex("ad30f3dfdcfc2d09").unwrap())
    );
    let tok = Tokens {
        home_index: hi,
        home: ht,
        care_of_index: ci,
        care_of: ct,
    };
    assert_eq!(
        tok.kbm().to_vec(),
        from_hex("1bb66dda1addc2a096296a15cfd42e4bc0272552").unwrap()
    );
    // The vector's BU: seq 1, A, lifetime 100.
    let bu = bu_mh(1, true, 100, (5, 6), &tok.kbm(), coa());
    assert_eq!(
        bu.authenticated_data().unwrap(),
        from_hex("3b0305000000000180000064040400050006050c").unwrap()
    );
    assert_eq!(
        bu.options.last(),
        Some(&MhOption::BindingAuthorizationData(
            from_hex("20ef3980921a17f8ccb23b0c").unwrap()
        ))
    );
    let f = ba_for(&mut n, t(0.5), pkt(coa(), Some(hoa()), Layer::Mobility(bu)));
    let ba = f.ba();
    assert_eq!((ba.status, ba.seq, ba.lifetime), (0, 1, 100));
    assert!(f.bad_valid(&tok.kbm(), coa(), cn_addr()));
    assert_eq!(
        binding(&n).unwrap(),
        BindingInfo {
            local: cn_addr(),
            home_address: hoa(),
            care_of_address: coa(),
            seq: 1,
            lifetime: 100,
            expires: t(400.5),
        }
    );
    // Route-optimised echo both ways.
    send(&mut n, t(1.0), pkt(coa(), Some(hoa()), echo_request(0xabc)));
    let f = drain(&mut n);
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].ip().src, f[0].ip().dst), (cn_addr(), coa()));
    assert_eq!(f[0].rh2(), Some(hoa()));
    assert!(matches!(
        f[0].icmp().unwrap().msg,
        Icmpv6Msg::EchoReply { ident: 0xabc, .. }
    ));
    // De-registration with Kbm (dereg) of the vector.
    assert_eq!(
        tok.kbm_dereg().to_vec(),
        from_hex("58d846675f1dfd21cce5949d3a1e1a0c2d888dfa").unwrap()
    );
    let bu = bu_mh(2, true, 0, (5, 0), &tok.kbm_dereg(), hoa());
    let f = ba_for(&mut n, t(2.0), pkt(coa(), Some(hoa()), Layer::Mobility(bu)));
    assert_eq!((f.ba().status, f.ba().lifetime), (0, 0));
    assert!(n.bindings().is_empty());
}

#[test]
fn neighbour_resolution_of_the_router_happens_first() {
    let mut n = Cn::new(config());
    send(&mut n, t(0.0), pkt(hoa(), None, hoti(1)));
    let tx = n.poll_transmit().unwrap();
    let d = decode(&tx.frame, LinkType::Ethernet);
    let ns = d
        .find(|l| match l {
            Layer::Icmpv6(i) => Some(i),
            _ => None,
        })
        .unwrap();
    assert!(matches!(
        ns.msg,
        Icmpv6Msg::NeighborSolicitation { target, .. } if target == router()
    ));
    assert!(n.poll_transmit().is_none(), "the HoT waits for the router");
    // The router answers; the HoT goes out.
    let na = vec![
        Layer::Ethernet(Ethernet::new(ROUTER_MAC, CN_MAC)),
        Layer::Ipv6(Ipv6::new(router(), config().interfaces[0].eui64_link_local()).hop_limit(255)),
        Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::NeighborAdvertisement {
            r: true,
            s: true,
            o: true,
            reserved: 0,
            target: router(),
            options: vec![mip6_packets::icmpv6::NdOption::TargetLinkLayer(ROUTER_MAC)],
        })),
    ];
    n.handle(t(0.1), 0, &Packet::new(na).emit());
    let f = drain(&mut n);
    assert_eq!(f.len(), 1);
    assert!(matches!(
        f[0].mh().unwrap().message,
        MhMessage::HomeTest { .. }
    ));
}

/// The same scenario, driven twice.
fn scenario(seed: u64, kcn: Option<[u8; 20]>) -> Vec<Vec<u8>> {
    let mut cfg = config();
    cfg.seed = seed;
    cfg.kcn = kcn;
    let mut n = node_with(cfg);
    let mut out = Vec::new();
    let mut step = |n: &mut Cn, now: Instant, l: Vec<Layer>| {
        send(n, now, l);
        while let Some(tx) = n.poll_transmit() {
            out.push(tx.frame);
        }
    };
    step(&mut n, t(0.0), pkt(hoa(), None, hoti(1)));
    step(&mut n, t(0.0), pkt(coa(), None, coti(2)));
    n.handle_timeout(t(30.0));
    step(&mut n, t(31.0), pkt(hoa(), None, hoti(3)));
    step(&mut n, t(32.0), pkt(coa(), Some(hoa()), echo_request(4)));
    out
}

#[test]
fn determinism_same_seed_same_frames() {
    assert_eq!(scenario(1, None), scenario(1, None));
    assert_eq!(
        scenario(1, Some(vector_kcn())),
        scenario(1, Some(vector_kcn()))
    );
    assert_ne!(
        scenario(1, None),
        scenario(2, None),
        "tokens depend on the seed"
    );
    let mut a1 = Cn::new({
        let mut c = config();
        c.kcn = None;
        c
    });
    let b1 = Cn::new({
        let mut c = config();
        c.kcn = None;
        c
    });
    assert_eq!(a1.kcn(), b1.kcn());
    assert_ne!(a1.kcn(), vector_kcn());
    a1.handle_timeout(t(0.0));
}
