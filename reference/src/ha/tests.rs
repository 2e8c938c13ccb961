//! Home agent tests, one or more per behaviour of `shared/spec/behaviours.md` (sections A and
//! C), named after the behaviour. The HA is driven directly: frames built with mip6_packets,
//! explicit instants, every transmitted frame decoded and checked field by field.

use super::reassembly::REASSEMBLY_TIMEOUT;
use super::*;
use crate::config::IfAddr;
use crate::host::{solicited_node, ALL_NODES};
use mip6_packets::icmpv6::NdOption;
use mip6_packets::ipv6::{Fragment, OptionsHeader, RoutingBody};
use mip6_packets::mh::{mh_type, BindingAck, BindingUpdate, MhOption};
use mip6_packets::{Decoded, Ethernet, MacAddr, Packet};

// ---- addresses --------------------------------------------------------------------------------

fn a(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

const HA_MAC: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0x01]);
const EXT_MAC: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0x02]);
const ROUTER_MAC: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0xfe]);
const EXT_ROUTER_MAC: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0xfd]);
const MN_MAC: MacAddr = MacAddr([0x02, 0, 0, 0, 0x01, 0x00]);
const CN_MAC: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0x50]);
const OTHER_MAC: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0x77]);

fn ha_addr() -> Ipv6Addr {
    a("2001:db8:1::1")
}
fn ha_ll() -> Ipv6Addr {
    a("fe80::ff:fe00:1")
}
fn router_ll() -> Ipv6Addr {
    a("fe80::fe")
}
fn hoa() -> Ipv6Addr {
    a("2001:db8:1::100")
}
fn hoa2() -> Ipv6Addr {
    a("2001:db8:1::200")
}
fn mn_ll() -> Ipv6Addr {
    a("fe80::100")
}
fn coa() -> Ipv6Addr {
    a("2001:db8:2::100")
}
fn coa_b() -> Ipv6Addr {
    a("2001:db8:2::bbb")
}
fn cn_home() -> Ipv6Addr {
    a("2001:db8:1::50")
}
fn cn_far() -> Ipv6Addr {
    a("2001:db8:3::1")
}
fn anycast() -> Ipv6Addr {
    a("2001:db8:1:0:fdff:ffff:ffff:fffe")
}

fn home_iface() -> IfaceConfig {
    IfaceConfig {
        name: "home0".into(),
        mac: HA_MAC,
        addrs: vec![IfAddr {
            addr: ha_addr(),
            prefix_len: 64,
        }],
        default_router: Some(router_ll()),
    }
}

fn prefix(valid: u32, preferred: u32) -> PrefixConfig {
    PrefixConfig {
        prefix: a("2001:db8:1::"),
        prefix_len: 64,
        valid_lifetime: valid,
        preferred_lifetime: preferred,
    }
}

/// One home link, no unsolicited RAs or MPAs (tests that need them turn them on).
fn config() -> HaConfig {
    let mut c = HaConfig::new(
        vec![home_iface()],
        vec![HomeLinkConfig {
            interface: "home0".into(),
            prefixes: vec![prefix(u32::MAX, u32::MAX)],
        }],
    );
    c.router_advertisements.enabled = false;
    c.mobile_prefix.unsolicited = false;
    c.seed = 7;
    c
}

fn secs(s: f64) -> Instant {
    Instant::from_secs_f64(s)
}

// ---- the test bed -----------------------------------------------------------------------------

/// A transmitted frame, decoded.
#[derive(Debug, Clone)]
struct Out {
    iface: usize,
    at: Instant,
    frame: Vec<u8>,
    d: Decoded,
}

impl Out {
    fn layers(&self) -> &[Layer] {
        &self.d.packet.layers
    }
    fn eth(&self) -> &Ethernet {
        match &self.layers()[0] {
            Layer::Ethernet(e) => e,
            l => panic!("not Ethernet: {l:?}"),
        }
    }
    fn ip(&self) -> &Ipv6 {
        match &self.layers()[1] {
            Layer::Ipv6(h) => h,
            l => panic!("not IPv6: {l:?}"),
        }
    }
    fn icmp(&self) -> Option<&Icmpv6> {
        self.layers().iter().find_map(|l| match l {
            Layer::Icmpv6(i) => Some(i),
            _ => None,
        })
    }
    fn mh(&self) -> Option<&Mobility> {
        self.layers().iter().find_map(|l| match l {
            Layer::Mobility(m) => Some(m),
            _ => None,
        })
    }
    fn ba(&self) -> Option<&BindingAck> {
        match &self.mh()?.message {
            MhMessage::BindingAck(b) => Some(b),
            _ => None,
        }
    }
    fn rh2(&self) -> Option<Ipv6Addr> {
        self.layers().iter().find_map(|l| match l {
            Layer::Routing(r) => r.final_destination(),
            _ => None,
        })
    }
    fn is_na_for(&self, target: Ipv6Addr) -> bool {
        matches!(self.icmp().map(|i| &i.msg),
            Some(Icmpv6Msg::NeighborAdvertisement { target: t, .. }) if *t == target)
    }
    fn is_ns_for(&self, target: Ipv6Addr) -> bool {
        matches!(self.icmp().map(|i| &i.msg),
            Some(Icmpv6Msg::NeighborSolicitation { target: t, .. }) if *t == target)
    }
    fn is_ra(&self) -> bool {
        matches!(
            self.icmp().map(|i| &i.msg),
            Some(Icmpv6Msg::RouterAdvertisement { .. })
        )
    }
}

struct Bed {
    ha: Ha,
    now: Instant,
}

impl Bed {
    fn new(cfg: HaConfig) -> Bed {
        let mut ha = Ha::new(cfg).expect("valid configuration");
        // The router on the home link is the way to every care-of address; the
        // correspondent on the home link is known too (answers to it need no NS).
        ha.host.learn(Instant::ZERO, 0, router_ll(), ROUTER_MAC);
        ha.host.learn(Instant::ZERO, 0, cn_home(), CN_MAC);
        ha.host.learn(Instant::ZERO, 0, a("fe80::50"), CN_MAC);
        Bed {
            ha,
            now: Instant::ZERO,
        }
    }

    fn default() -> Bed {
        Bed::new(config())
    }

    /// Frames sent so far, decoded; every checksum must be right.
    fn drain(&mut self) -> Vec<Out> {
        let mut v = Vec::new();
        while let Some(t) = self.ha.poll_transmit() {
            let d = decode(&t.frame, LinkType::Ethernet);
            let bad: Vec<_> = d
                .violations
                .iter()
                .filter(|v| v.rule.contains("checksum") || v.rule.contains("length"))
                .collect();
            assert!(bad.is_empty(), "frame sent with {bad:?}: {:?}", d.packet);
            v.push(Out {
                iface: t.iface,
                at: self.now,
                frame: t.frame,
                d,
            });
        }
        v
    }

    fn events(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.ha.poll_event()).collect()
    }

    /// Delivers a frame on interface 0 at the current time.
    fn send(&mut self, frame: Vec<u8>) -> Vec<Out> {
        self.send_on(0, frame)
    }

    fn send_on(&mut self, iface: usize, frame: Vec<u8>) -> Vec<Out> {
        self.ha.handle(self.now, iface, &frame);
        self.drain()
    }

    /// Runs every timer up to and including `to`, then sets the clock to `to`.
    fn run_until(&mut self, to: Instant) -> Vec<Out> {
        let mut out = Vec::new();
        for _ in 0..100_000 {
            match self.ha.poll_timeout() {
                Some(t) if t <= to => {
                    self.now = self.now.max(t);
                    self.ha.handle_timeout(self.now);
                    out.extend(self.drain());
                }
                _ => {
                    self.now = to;
                    return out;
                }
            }
        }
        panic!("timers do not settle before {to}");
    }

    fn run_for(&mut self, s: f64) -> Vec<Out> {
        let to = self.now + Duration::from_secs_f64(s);
        self.run_until(to)
    }

    /// A home registration that goes through DAD; returns the frames until the BA.
    fn register(&mut self, seq: u16, lifetime: u16, l: bool) -> Vec<Out> {
        let mut out = self.send(bu_frame(hoa(), coa(), home_bu(seq, lifetime, l), vec![]));
        out.extend(self.run_for(1.0));
        let ba = out.iter().find_map(|o| o.ba()).expect("a BA after DAD");
        assert!(ba.status < 128, "registration refused: {ba:?}");
        out
    }
}

fn frame(src: MacAddr, dst: MacAddr, layers: Vec<Layer>) -> Vec<u8> {
    let mut l = vec![Layer::Ethernet(Ethernet::new(src, dst))];
    l.extend(layers);
    Packet::new(l).emit()
}

fn home_bu(seq: u16, lifetime: u16, l: bool) -> BindingUpdate {
    BindingUpdate {
        seq,
        a: true,
        h: true,
        l,
        lifetime,
        ..BindingUpdate::default()
    }
}

/// A BU from `src` through the router, with a Home Address option for `hoa` and an Alternate
/// Care-of Address option equal to the source (RFC 6275 §11.7.1).
fn bu_frame(hoa: Ipv6Addr, src: Ipv6Addr, bu: BindingUpdate, mut opts: Vec<MhOption>) -> Vec<u8> {
    opts.insert(0, MhOption::AlternateCareOfAddress(src));
    frame(
        ROUTER_MAC,
        HA_MAC,
        vec![
            Layer::Ipv6(Ipv6::new(src, ha_addr())),
            Layer::DestOpts(OptionsHeader::home_address(hoa)),
            Layer::Mobility(Mobility::new(MhMessage::BindingUpdate(bu), opts)),
        ],
    )
}

fn mh_frame(src: Ipv6Addr, hao: Option<Ipv6Addr>, mh: Mobility) -> Vec<u8> {
    let mut l = vec![Layer::Ipv6(Ipv6::new(src, ha_addr()))];
    if let Some(h) = hao {
        l.push(Layer::DestOpts(OptionsHeader::home_address(h)));
    }
    l.push(Layer::Mobility(mh));
    frame(ROUTER_MAC, HA_MAC, l)
}

fn echo(src: Ipv6Addr, dst: Ipv6Addr, ident: u16, len: usize) -> Vec<Layer> {
    vec![
        Layer::Ipv6(Ipv6::new(src, dst)),
        Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::EchoRequest {
            ident,
            seq: 1,
            data: vec![0xab; len],
        })),
    ]
}

fn ns(src: Ipv6Addr, dst: Ipv6Addr, target: Ipv6Addr, mac: Option<MacAddr>) -> Vec<Layer> {
    vec![
        Layer::Ipv6(Ipv6::new(src, dst).hop_limit(255)),
        Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::NeighborSolicitation {
            reserved: 0,
            target,
            options: mac.map(NdOption::SourceLinkLayer).into_iter().collect(),
        })),
    ]
}

fn na(src: Ipv6Addr, target: Ipv6Addr, mac: MacAddr) -> Vec<Layer> {
    vec![
        Layer::Ipv6(Ipv6::new(src, ALL_NODES).hop_limit(255)),
        Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::NeighborAdvertisement {
            r: false,
            s: false,
            o: true,
            reserved: 0,
            target,
            options: vec![NdOption::TargetLinkLayer(mac)],
        })),
    ]
}

fn bas(out: &[Out]) -> Vec<(Out, BindingAck)> {
    out.iter()
        .filter_map(|o| o.ba().map(|b| (o.clone(), b.clone())))
        .collect()
}

fn only_ba(out: &[Out]) -> (Out, BindingAck) {
    let v = bas(out);
    assert_eq!(v.len(), 1, "expected exactly one BA in {out:#?}");
    v.into_iter().next().unwrap()
}

fn discarded(ev: &[Event], behaviour: &str) -> bool {
    ev.iter()
        .any(|e| matches!(e, Event::Discarded { behaviour: b, .. } if *b == behaviour))
}

fn tunnelled(out: &[Out]) -> Vec<&Out> {
    out.iter()
        .filter(|o| {
            o.ip().next_header == Some(proto::IPV6)
                || matches!(o.layers().get(2), Some(Layer::Fragment(_)))
        })
        .collect()
}

// ---- configuration and helpers ----------------------------------------------------------------

#[test]
fn home_agents_anycast_follows_rfc_2526() {
    assert_eq!(
        home_agents_anycast(&a("2001:db8:1::"), 64),
        Some(a("2001:db8:1:0:fdff:ffff:ffff:fffe"))
    );
    // Not EUI-64: all ones but the 7-bit anycast ID 126.
    assert_eq!(
        home_agents_anycast(&a("2001:db8:1::"), 48),
        Some(a("2001:db8:1:ffff:ffff:ffff:ffff:fffe"))
    );
    assert_eq!(
        home_agents_anycast(&a("2001:db8:1::"), 120),
        Some(a("2001:db8:1::fe"))
    );
    assert_eq!(home_agents_anycast(&a("2001:db8:1::"), 124), None);
    assert_eq!(link_local_of(&hoa()), mn_ll());
}

#[test]
fn configuration_errors_are_reported() {
    let mut c = config();
    c.home_links.clear();
    assert!(Ha::new(c).is_err());
    let mut c = config();
    c.home_links[0].interface = "nope".into();
    assert!(Ha::new(c).unwrap_err().0.contains("nope"));
    let mut c = config();
    c.interfaces[0].addrs[0].addr = a("2001:db8:9::1");
    assert!(Ha::new(c).unwrap_err().0.contains("no global address"));
    let mut c = config();
    c.ha_lifetime = Some(0);
    assert!(Ha::new(c).is_err());
    let mut c = config();
    c.timers.time_scale = 0.0;
    assert!(Ha::new(c).unwrap_err().0.contains("time_scale"));
    let mut c = config();
    c.home_links[0].prefixes[0].preferred_lifetime = 10;
    c.home_links[0].prefixes[0].valid_lifetime = 5;
    assert!(Ha::new(c).is_err());
    assert!(Ha::new(config()).is_ok());
}

#[test]
fn preference_is_unsigned_on_the_wire() {
    assert_eq!(preference_from_wire(preference_to_wire(0xffff)), 0xffff);
    assert_eq!(preference_from_wire(preference_to_wire(0x8000)), 0x8000);
    assert!(preference_from_wire(preference_to_wire(0x8000)) > 1);
}

// ---- A. Mobility Header processing (RFC 6275 §9.2) ------------------------------------------

#[test]
fn mh_1_bad_checksum_is_silently_discarded() {
    let mut b = Bed::default();
    let mh = Mobility {
        checksum: Some(0x1234),
        ..Mobility::new(MhMessage::BindingUpdate(home_bu(1, 100, false)), vec![])
    };
    let out = b.send(mh_frame(coa(), Some(hoa()), mh));
    assert!(out.is_empty(), "{out:#?}");
    assert!(b.run_for(5.0).is_empty());
    assert!(discarded(&b.events(), "MH-1"));
    assert!(b.ha.binding(&hoa()).is_none());
}

#[test]
fn mh_2_checksum_uses_the_home_address_option() {
    // A BU whose checksum was computed with the care-of address (not the HAO) is corrupt.
    let mut b = Bed::default();
    let mh = Mobility::new(MhMessage::BindingUpdate(home_bu(1, 100, false)), vec![]);
    let wrong = mh.to_bytes(Some(&mip6_packets::checksum::Pseudo::V6 {
        src: coa(),
        dst: ha_addr(),
    }));
    let sum = u16::from_be_bytes([wrong[4], wrong[5]]);
    let bad = Mobility {
        checksum: Some(sum),
        ..mh.clone()
    };
    assert!(b.send(mh_frame(coa(), Some(hoa()), bad)).is_empty());
    assert!(discarded(&b.events(), "MH-1"));
    // The same message with the checksum over the HAO home address is processed.
    let out = b.send(mh_frame(coa(), Some(hoa()), mh));
    assert!(
        out.iter().any(|o| o.is_ns_for(hoa())),
        "DAD starts: {out:#?}"
    );
}

#[test]
fn mh_3_unknown_type_gives_binding_error_status_2() {
    let mut b = Bed::default();
    let mh = Mobility::new(
        MhMessage::Unknown {
            mh_type: 200,
            data: vec![0; 10],
        },
        vec![],
    );
    let out = b.send(mh_frame(coa(), Some(hoa()), mh));
    assert_eq!(out.len(), 1, "{out:#?}");
    let o = &out[0];
    assert_eq!(o.ip().src, ha_addr());
    assert_eq!(
        o.ip().dst,
        coa(),
        "MH-13: to the packet's source, not the HoA"
    );
    assert_eq!(o.rh2(), None, "MH-10: no routing header on a BE");
    assert_eq!(o.eth().dst, ROUTER_MAC);
    match &o.mh().unwrap().message {
        MhMessage::BindingError {
            status,
            home_address,
            ..
        } => {
            assert_eq!(*status, 2);
            assert_eq!(*home_address, hoa(), "HoA field = the HAO value");
        }
        m => panic!("not a BE: {m:?}"),
    }
    assert!(discarded(&b.events(), "MH-3"));
}

#[test]
fn mh_3_binding_error_without_hao_carries_unspecified_home_address() {
    let mut b = Bed::default();
    let mh = Mobility::new(
        MhMessage::Unknown {
            mh_type: 42,
            data: vec![0; 2],
        },
        vec![],
    );
    let out = b.send(mh_frame(cn_far(), None, mh));
    let Some(MhMessage::BindingError {
        status,
        home_address,
        ..
    }) = out.first().and_then(|o| o.mh()).map(|m| &m.message)
    else {
        panic!("no BE: {out:#?}");
    };
    assert_eq!((*status, *home_address), (2, Ipv6Addr::UNSPECIFIED));
    assert_eq!(out[0].ip().dst, cn_far());
}

#[test]
fn mh_4_payload_proto_gives_parameter_problem_pointing_at_it() {
    let mut b = Bed::default();
    let mh = Mobility {
        payload_proto: 6,
        ..Mobility::new(MhMessage::BindingUpdate(home_bu(1, 100, false)), vec![])
    };
    let out = b.send(mh_frame(coa(), Some(hoa()), mh));
    assert_eq!(out.len(), 1, "{out:#?}");
    let icmp = out[0].icmp().expect("ICMPv6");
    assert_eq!(icmp.code, 0);
    let Icmpv6Msg::ParameterProblem { pointer, invoking } = &icmp.msg else {
        panic!("not a Parameter Problem: {icmp:?}");
    };
    // IPv6 header 40 + Destination Options 24: the Payload Proto byte is at 64.
    assert_eq!(*pointer, 64);
    assert_eq!(invoking[64], 6);
    assert_eq!(out[0].ip().dst, coa(), "directly to the source address");
    assert_eq!(out[0].rh2(), None);
    assert!(b.ha.binding(&hoa()).is_none());
    assert!(discarded(&b.events(), "MH-4"));
}

#[test]
fn mh_5_short_header_len_gives_parameter_problem_pointing_at_it() {
    let mut b = Bed::default();
    // A BU cut to 8 bytes (Header Len 0, minimum 1), checksummed over those 8 bytes.
    let mh = Mobility {
        header_len: Some(0),
        ..Mobility::new(
            MhMessage::Unknown {
                mh_type: mh_type::BU,
                data: vec![0, 1],
            },
            vec![],
        )
    };
    let f = mh_frame(coa(), Some(hoa()), mh);
    assert_eq!(f.len(), 14 + 40 + 24 + 8);
    let out = b.send(f);
    let icmp = out.first().and_then(|o| o.icmp()).expect("ICMPv6");
    let Icmpv6Msg::ParameterProblem { pointer, .. } = &icmp.msg else {
        panic!("not a Parameter Problem: {icmp:?}");
    };
    assert_eq!((*pointer, icmp.code), (65, 0));
    assert!(discarded(&b.events(), "MH-5"));
    assert!(b.run_for(3.0).iter().all(|o| o.ba().is_none()));
}

#[test]
fn mh_6_checks_run_in_rfc_order() {
    let mut b = Bed::default();
    // Checksum before type: a corrupt message of unknown type gets no Binding Error.
    let mh = Mobility {
        checksum: Some(0x0101),
        ..Mobility::new(
            MhMessage::Unknown {
                mh_type: 99,
                data: vec![0; 2],
            },
            vec![],
        )
    };
    assert!(b.send(mh_frame(cn_far(), None, mh)).is_empty());
    // Type before Payload Proto: unknown type with a bad Payload Proto gets the BE.
    let mh = Mobility {
        payload_proto: 6,
        ..Mobility::new(
            MhMessage::Unknown {
                mh_type: 99,
                data: vec![0; 2],
            },
            vec![],
        )
    };
    let out = b.send(mh_frame(cn_far(), None, mh));
    assert!(matches!(
        out[0].mh().map(|m| &m.message),
        Some(MhMessage::BindingError { status: 2, .. })
    ));
    // Payload Proto before Header Len: both wrong, the pointer is at Payload Proto.
    let mh = Mobility {
        payload_proto: 6,
        header_len: Some(0),
        ..Mobility::new(
            MhMessage::Unknown {
                mh_type: mh_type::BU,
                data: vec![0, 1],
            },
            vec![],
        )
    };
    let out = b.send(mh_frame(cn_far(), None, mh));
    assert!(matches!(
        out[0].icmp().map(|i| &i.msg),
        Some(Icmpv6Msg::ParameterProblem { pointer: 40, .. })
    ));
}

#[test]
fn mh_7_reserved_fields_are_ignored_and_sent_as_zero() {
    let mut b = Bed::default();
    let mh = Mobility {
        reserved: 0xff,
        ..Mobility::new(
            MhMessage::BindingUpdate(BindingUpdate {
                reserved: 0xf,
                r: true,
                ..home_bu(1, 100, false)
            }),
            vec![MhOption::AlternateCareOfAddress(coa())],
        )
    };
    b.send(mh_frame(coa(), Some(hoa()), mh));
    let (o, ba) = only_ba(&b.run_for(1.0));
    assert_eq!(ba.status, 0);
    assert_eq!(
        (ba.reserved, ba.r, ba.p),
        (0, false, false),
        "NEMO R is not echoed"
    );
    assert_eq!(o.mh().unwrap().reserved, 0);
    assert_eq!(o.frame[14 + 40 + 24 + 3], 0, "MH reserved byte");
}

#[test]
fn mh_11_binding_error_bypasses_the_binding_cache() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    b.run_for(5.0);
    // A message of unknown type from the home address itself: the BE goes to that source
    // address as such, not through the binding's tunnel or routing header.
    let mh = Mobility::new(
        MhMessage::Unknown {
            mh_type: 99,
            data: vec![0; 2],
        },
        vec![],
    );
    let out = b.send(frame(
        MN_MAC,
        HA_MAC,
        vec![
            Layer::Ipv6(Ipv6::new(hoa(), ha_addr())),
            Layer::Mobility(mh),
        ],
    ));
    assert!(tunnelled(&out).is_empty());
    assert!(out.iter().all(|o| o.rh2().is_none()));
    assert!(b.events().iter().any(|e| matches!(e,
        Event::BindingErrorSent { to, status: 2 } if *to == hoa())));
    let out = b.send(frame(MN_MAC, HA_MAC, na(hoa(), hoa(), MN_MAC)));
    let be = out.iter().find(|o| o.mh().is_some()).expect("the BE");
    assert_eq!((be.ip().dst, be.eth().dst, be.rh2()), (hoa(), MN_MAC, None));
}

#[test]
fn mh_8_unknown_mobility_options_are_skipped() {
    let mut b = Bed::default();
    let out = b.send(bu_frame(
        hoa(),
        coa(),
        home_bu(3, 100, false),
        vec![MhOption::Other {
            typ: 200,
            data: vec![1, 2, 3, 4, 5],
        }],
    ));
    assert!(out.iter().any(|o| o.is_ns_for(hoa())));
    let (_, ba) = only_ba(&b.run_for(1.0));
    assert_eq!((ba.status, ba.seq), (0, 3));
}

#[test]
fn mh_9_ba_options_are_aligned_and_header_is_8_byte_multiple() {
    let mut c = config();
    c.binding_refresh_advice = true;
    let mut b = Bed::new(c);
    let out = b.register(1, 100, false);
    let (o, _) = only_ba(&out);
    let mh = o.mh().unwrap();
    let bytes = mh.to_bytes(None);
    assert_eq!(bytes.len() % 8, 0);
    // The Binding Refresh Advice option sits at an even offset (alignment 2n).
    let off = mh.message.options_offset();
    let mut pos = off;
    for opt in &mh.options {
        if matches!(opt, MhOption::BindingRefreshAdvice { .. }) {
            assert_eq!(pos % 2, 0);
        }
        pos += opt.wire_len();
    }
    assert!(o.d.violations.is_empty(), "{:?}", o.d.violations);
}

#[test]
fn mh_12_binding_errors_are_rate_limited() {
    let mut c = config();
    c.timers.error_burst = 2;
    c.timers.error_rate_per_sec = 1;
    let mut b = Bed::new(c);
    let unknown = || {
        Mobility::new(
            MhMessage::Unknown {
                mh_type: 99,
                data: vec![0; 2],
            },
            vec![],
        )
    };
    let mut sent = 0;
    for _ in 0..4 {
        sent += b.send(mh_frame(cn_far(), None, unknown())).len();
    }
    assert_eq!(sent, 2, "burst of 2");
    assert!(discarded(&b.events(), "MH-12"));
    b.run_for(1.0);
    assert_eq!(
        b.send(mh_frame(cn_far(), None, unknown())).len(),
        1,
        "refilled"
    );
}

#[test]
fn mh_13_no_binding_error_to_a_multicast_source() {
    let mut b = Bed::default();
    let mh = Mobility::new(
        MhMessage::Unknown {
            mh_type: 99,
            data: vec![0; 2],
        },
        vec![],
    );
    let out = b.send(mh_frame(a("ff0e::1"), None, mh));
    assert!(out.is_empty(), "{out:#?}");
    assert!(discarded(&b.events(), "MH-3"));
}

#[test]
fn mh_messages_for_mobile_nodes_are_discarded_at_the_ha() {
    let mut b = Bed::default();
    let ba = Mobility::new(
        MhMessage::BindingAck(BindingAck {
            status: 0,
            seq: 1,
            ..BindingAck::default()
        }),
        vec![],
    );
    assert!(b.send(mh_frame(cn_far(), None, ba)).is_empty());
    let hoti = Mobility::new(
        MhMessage::HomeTestInit {
            reserved: 0,
            cookie: [1; 8],
        },
        vec![],
    );
    assert!(b.send(mh_frame(cn_far(), None, hoti)).is_empty());
    let ev = b.events();
    assert!(discarded(&ev, "RFC 6275 §10.2"));
    assert!(discarded(&ev, "HA-23"));
}

// ---- C. Home registration (RFC 6275 §10.3.1) -------------------------------------------------

#[test]
fn ha_1_require_ipsec_discards_unprotected_home_registration() {
    let mut c = config();
    c.require_ipsec = true;
    let mut b = Bed::new(c);
    let mut out = b.send(bu_frame(hoa(), coa(), home_bu(1, 100, false), vec![]));
    out.extend(b.run_for(3.0));
    assert!(out.is_empty(), "{out:#?}");
    assert!(discarded(&b.events(), "HA-1"));
    assert!(b.ha.binding(&hoa()).is_none());
}

#[test]
fn ha_1_without_require_ipsec_unprotected_home_registration_is_accepted() {
    let mut b = Bed::default();
    let out = b.register(1, 100, false);
    assert_eq!(only_ba(&out).1.status, 0);
    assert!(b.ha.binding(&hoa()).is_some());
}

#[test]
fn ha_3_home_address_off_prefix_gives_132() {
    let mut b = Bed::default();
    let off = a("2001:db8:9::100");
    let out = b.send(bu_frame(off, coa(), home_bu(77, 100, false), vec![]));
    let (o, ba) = only_ba(&out);
    assert_eq!((ba.status, ba.seq, ba.lifetime, ba.k), (132, 77, 0, false));
    assert_eq!(o.ip().src, ha_addr());
    assert_eq!(o.ip().dst, coa());
    assert_eq!(o.rh2(), Some(off));
    assert!(
        !out.iter().any(|o| o.is_ns_for(off)),
        "no DAD for a refused BU"
    );
    assert!(b.ha.binding(&off).is_none());
}

#[test]
fn ha_3_expired_home_prefix_is_no_longer_home_subnet() {
    let mut c = config();
    c.home_links[0].prefixes[0] = prefix(100, 50);
    let mut b = Bed::new(c);
    b.run_until(secs(100.0));
    let out = b.send(bu_frame(hoa(), coa(), home_bu(1, 10, false), vec![]));
    assert_eq!(only_ba(&out).1.status, 132);
}

#[test]
fn ha_4_policy_gives_129() {
    let mut c = config();
    c.allowed_home_addresses = Some(vec![AddrPrefix {
        prefix: hoa2(),
        prefix_len: 128,
    }]);
    let mut b = Bed::new(c);
    let out = b.send(bu_frame(hoa(), coa(), home_bu(5, 100, false), vec![]));
    let (_, ba) = only_ba(&out);
    assert_eq!((ba.status, ba.seq), (129, 5));
    // The allowed address is served.
    let out = b.send(bu_frame(hoa2(), coa(), home_bu(5, 100, false), vec![]));
    assert!(out.iter().any(|o| o.is_ns_for(hoa2())));
    assert_eq!(only_ba(&b.run_for(1.0)).1.status, 0);
}

#[test]
fn ha_4_resources_give_130() {
    let mut c = config();
    c.max_bindings = 1;
    let mut b = Bed::new(c);
    b.register(1, 100, false);
    let out = b.send(bu_frame(hoa2(), coa_b(), home_bu(9, 100, false), vec![]));
    let (o, ba) = only_ba(&out);
    assert_eq!((ba.status, ba.seq), (130, 9));
    assert_eq!(o.ip().dst, coa_b());
    // The binding that holds the place can still be refreshed.
    let out = b.send(bu_frame(hoa(), coa(), home_bu(2, 100, false), vec![]));
    assert_eq!(only_ba(&out).1.status, 0);
}

#[test]
fn ha_4_registrations_under_dad_count_against_resources() {
    let mut c = config();
    c.max_bindings = 1;
    let mut b = Bed::new(c);
    b.send(bu_frame(hoa(), coa(), home_bu(1, 100, false), vec![]));
    let out = b.send(bu_frame(hoa2(), coa_b(), home_bu(1, 100, false), vec![]));
    assert_eq!(only_ba(&out).1.status, 130);
}

fn cn_bu(seq: u16, lifetime: u16) -> (BindingUpdate, Vec<MhOption>) {
    (
        BindingUpdate {
            seq,
            a: true,
            lifetime,
            ..BindingUpdate::default()
        },
        vec![
            MhOption::NonceIndices {
                home: 1,
                care_of: 2,
            },
            MhOption::BindingAuthorizationData(vec![0; 12]),
        ],
    )
}

#[test]
fn ha_5_h0_binding_update_for_a_home_registration_gives_139() {
    let mut b = Bed::default();
    b.register(10, 100, false);
    let (bu, opts) = cn_bu(11, 50);
    let out = b.send(bu_frame(hoa(), coa(), bu, opts));
    let (o, ba) = only_ba(&out);
    assert_eq!((ba.status, ba.seq), (139, 11));
    assert_eq!(o.rh2(), Some(hoa()));
    // The home registration is untouched.
    let info = b.ha.binding(&hoa()).unwrap();
    assert_eq!((info.seq, info.active), (10, true));
}

#[test]
fn h0_binding_update_without_nonce_indices_is_silently_discarded() {
    let mut b = Bed::default();
    let bu = BindingUpdate {
        seq: 1,
        a: true,
        lifetime: 10,
        ..BindingUpdate::default()
    };
    assert!(b.send(bu_frame(hoa(), coa(), bu, vec![])).is_empty());
    assert!(discarded(&b.events(), "RFC 6275 §9.5.1"));
}

#[test]
fn h0_binding_update_at_the_ha_gets_nonce_status_136_or_138() {
    let mut b = Bed::default();
    let (bu, opts) = cn_bu(1, 10);
    let (_, ba) = only_ba(&b.send(bu_frame(hoa(), coa(), bu, opts)));
    assert_eq!(ba.status, 138);
    let (bu, opts) = cn_bu(2, 0);
    let (_, ba) = only_ba(&b.send(bu_frame(hoa(), coa(), bu, opts)));
    assert_eq!(ba.status, 136, "a deletion only needs the home nonce");
}

#[test]
fn home_registration_with_nonce_indices_is_silently_discarded() {
    let mut b = Bed::default();
    let opts = vec![MhOption::NonceIndices {
        home: 1,
        care_of: 2,
    }];
    let mut out = b.send(bu_frame(hoa(), coa(), home_bu(1, 100, false), opts));
    out.extend(b.run_for(2.0));
    assert!(out.is_empty(), "{out:#?}");
}

#[test]
fn home_registration_needs_a_home_address_option() {
    let mut b = Bed::default();
    // From the home address, with a different care-of address, no HAO: not a
    // de-registration, and a registration must carry the option (§10.3.1).
    let f = frame(
        ROUTER_MAC,
        HA_MAC,
        vec![
            Layer::Ipv6(Ipv6::new(hoa(), ha_addr())),
            Layer::Mobility(Mobility::new(
                MhMessage::BindingUpdate(home_bu(1, 100, false)),
                vec![MhOption::AlternateCareOfAddress(coa())],
            )),
        ],
    );
    assert!(b.send(f).is_empty());
    assert!(discarded(&b.events(), "RFC 6275 §10.3.1"));
}

#[test]
fn link_local_or_multicast_home_address_is_silently_discarded() {
    let mut b = Bed::default();
    for bad in [mn_ll(), a("ff0e::1")] {
        let mut out = b.send(bu_frame(bad, coa(), home_bu(1, 100, true), vec![]));
        out.extend(b.run_for(2.0));
        assert!(out.is_empty(), "{bad}: {out:#?}");
    }
}

#[test]
fn non_routable_care_of_address_is_silently_discarded() {
    let mut b = Bed::default();
    let f = frame(
        ROUTER_MAC,
        HA_MAC,
        vec![
            Layer::Ipv6(Ipv6::new(coa(), ha_addr())),
            Layer::DestOpts(OptionsHeader::home_address(hoa())),
            Layer::Mobility(Mobility::new(
                MhMessage::BindingUpdate(home_bu(1, 100, false)),
                vec![MhOption::AlternateCareOfAddress(a("ff02::1"))],
            )),
        ],
    );
    assert!(b.send(f).is_empty());
    assert!(discarded(&b.events(), "RFC 6275 §6.1.7"));
}

#[test]
fn ha_6_stale_sequence_gives_135_with_last_accepted() {
    let mut b = Bed::default();
    b.register(15, 100, false);
    for stale in [15u16, 14, 0, 32783, 65535] {
        let out = b.send(bu_frame(hoa(), coa(), home_bu(stale, 100, false), vec![]));
        let (o, ba) = only_ba(&out);
        assert_eq!(
            (ba.status, ba.seq, ba.lifetime),
            (135, 15, 0),
            "seq {stale}"
        );
        assert_eq!(o.rh2(), Some(hoa()));
    }
    // Newer numbers are accepted: 16 and, from there, 32782 + 16.
    let (_, ba) = only_ba(&b.send(bu_frame(hoa(), coa(), home_bu(16, 100, false), vec![])));
    assert_eq!((ba.status, ba.seq), (0, 16));
    let (_, ba) = only_ba(&b.send(bu_frame(hoa(), coa(), home_bu(32783, 100, false), vec![])));
    assert_eq!((ba.status, ba.seq), (0, 32783));
    assert_eq!(b.ha.binding(&hoa()).unwrap().seq, 32783);
}

#[test]
fn ha_6_sequence_wraps_modulo_2_16() {
    let mut b = Bed::default();
    b.register(65535, 100, false);
    let (_, ba) = only_ba(&b.send(bu_frame(hoa(), coa(), home_bu(0, 100, false), vec![])));
    assert_eq!((ba.status, ba.seq), (0, 0));
    // 32768 ahead of 0 is not newer.
    let (_, ba) = only_ba(&b.send(bu_frame(hoa(), coa(), home_bu(32768, 100, false), vec![])));
    assert_eq!((ba.status, ba.seq), (135, 0));
    let (_, ba) = only_ba(&b.send(bu_frame(hoa(), coa(), home_bu(32767, 100, false), vec![])));
    assert_eq!((ba.status, ba.seq), (0, 32767));
}

#[test]
fn ha_7_no_ba_before_dad_completes_and_ba_after() {
    let mut b = Bed::default();
    let out = b.send(bu_frame(hoa(), coa(), home_bu(1, 100, false), vec![]));
    assert!(bas(&out).is_empty(), "no BA before DAD");
    let probes: Vec<_> = out.iter().filter(|o| o.is_ns_for(hoa())).collect();
    assert_eq!(probes.len(), 1, "{out:#?}");
    let p = probes[0];
    assert_eq!(p.ip().src, Ipv6Addr::UNSPECIFIED);
    assert_eq!(p.ip().dst, solicited_node(&hoa()));
    assert_eq!(p.ip().hop_limit, 255);
    assert_eq!(p.eth().dst, MacAddr::ipv6_multicast(solicited_node(&hoa())));
    // RetransTimer × DupAddrDetectTransmits = 1 s.
    let early = b.run_until(secs(0.999));
    assert!(bas(&early).is_empty(), "{early:#?}");
    let out = b.run_until(secs(1.0));
    let (o, ba) = only_ba(&out);
    assert_eq!(o.at, secs(1.0));
    assert_eq!((ba.status, ba.seq), (0, 1));
}

#[test]
fn ha_7_dad_time_follows_dup_addr_detect_transmits() {
    let mut c = config();
    c.timers.dup_addr_detect_transmits = 3;
    let mut b = Bed::new(c);
    b.send(bu_frame(hoa(), coa(), home_bu(1, 100, false), vec![]));
    let out = b.run_until(secs(2.999));
    assert_eq!(out.iter().filter(|o| o.is_ns_for(hoa())).count(), 2);
    assert!(bas(&out).is_empty());
    let out = b.run_until(secs(3.0));
    assert_eq!(only_ba(&out).0.at, secs(3.0));
}

#[test]
fn ha_7_l1_also_probes_the_link_local_address() {
    let mut b = Bed::default();
    let out = b.send(bu_frame(hoa(), coa(), home_bu(1, 100, true), vec![]));
    assert!(out.iter().any(|o| o.is_ns_for(hoa())));
    assert!(out.iter().any(|o| o.is_ns_for(mn_ll())));
    assert_eq!(only_ba(&b.run_for(1.0)).1.status, 0);
    assert_eq!(b.ha.binding(&hoa()).unwrap().link_local, Some(mn_ll()));
}

#[test]
fn ha_7_dad_failure_gives_134() {
    let mut b = Bed::default();
    b.send(bu_frame(hoa(), coa(), home_bu(4, 100, false), vec![]));
    b.now = secs(0.5);
    // Another node on the home link owns the address.
    let out = b.send(frame(OTHER_MAC, HA_MAC, na(hoa(), hoa(), OTHER_MAC)));
    let (o, ba) = only_ba(&out);
    assert_eq!((ba.status, ba.seq, ba.lifetime), (134, 4, 0));
    assert_eq!(o.rh2(), Some(hoa()));
    assert!(b.ha.binding(&hoa()).is_none());
    assert!(b
        .run_for(5.0)
        .iter()
        .all(|o| o.ba().is_none() && !o.is_na_for(hoa())));
    // Not defended: an NS for it is not answered.
    let out = b.send(frame(
        CN_MAC,
        MacAddr::ipv6_multicast(solicited_node(&hoa())),
        ns(cn_home(), solicited_node(&hoa()), hoa(), Some(CN_MAC)),
    ));
    assert!(out.is_empty(), "{out:#?}");
}

#[test]
fn ha_7_dad_failure_on_the_link_local_address_gives_134() {
    let mut b = Bed::default();
    b.send(bu_frame(hoa(), coa(), home_bu(4, 100, true), vec![]));
    // Someone else probes the derived link-local address.
    let out = b.send(frame(
        OTHER_MAC,
        MacAddr::ipv6_multicast(solicited_node(&mn_ll())),
        ns(
            Ipv6Addr::UNSPECIFIED,
            solicited_node(&mn_ll()),
            mn_ll(),
            None,
        ),
    ));
    assert_eq!(only_ba(&out).1.status, 134);
}

#[test]
fn ha_7_link_local_conflict_does_not_matter_with_l0() {
    let mut b = Bed::default();
    b.send(bu_frame(hoa(), coa(), home_bu(4, 100, false), vec![]));
    let out = b.send(frame(OTHER_MAC, HA_MAC, na(mn_ll(), mn_ll(), OTHER_MAC)));
    assert!(bas(&out).is_empty());
    assert_eq!(only_ba(&b.run_for(1.0)).1.status, 0);
}

#[test]
fn ha_7_the_has_own_or_anycast_address_gives_134() {
    let mut b = Bed::default();
    for taken in [ha_addr(), anycast(), a("2001:db8:1::")] {
        let out = b.send(bu_frame(taken, coa(), home_bu(1, 100, false), vec![]));
        assert_eq!(only_ba(&out).1.status, 134, "{taken}");
    }
}

#[test]
fn ha_7_existing_binding_skips_dad() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    b.run_for(10.0);
    let out = b.send(bu_frame(hoa(), coa_b(), home_bu(2, 100, false), vec![]));
    assert!(!out.iter().any(|o| o.is_ns_for(hoa())), "{out:#?}");
    let (o, ba) = only_ba(&out);
    assert_eq!((ba.status, ba.seq), (0, 2));
    assert_eq!(o.ip().dst, coa_b());
    assert_eq!(b.ha.binding(&hoa()).unwrap().care_of_address, coa_b());
}

#[test]
fn ha_7_retransmitted_bu_during_dad_is_answered_once_after_dad() {
    let mut b = Bed::default();
    b.send(bu_frame(hoa(), coa(), home_bu(1, 100, false), vec![]));
    b.now = secs(0.5);
    let out = b.send(bu_frame(hoa(), coa(), home_bu(2, 100, false), vec![]));
    assert!(out.is_empty(), "DAD goes on: {out:#?}");
    let out = b.run_for(0.5);
    let (_, ba) = only_ba(&out);
    assert_eq!((ba.status, ba.seq), (0, 2));
}

#[test]
fn ha_8_lifetime_never_above_requested() {
    let mut b = Bed::default();
    let out = b.register(1, 10, false);
    assert_eq!(only_ba(&out).1.lifetime, 10);
    assert_eq!(b.ha.binding(&hoa()).unwrap().lifetime_secs, 40);
}

#[test]
fn ha_8_lifetime_clamped_to_max_binding_lifetime() {
    let mut c = config();
    c.max_binding_lifetime = 203;
    let mut b = Bed::new(c);
    let out = b.register(1, 1000, false);
    let (_, ba) = only_ba(&out);
    assert_eq!(ba.lifetime, 50, "203 s is 50 units of 4 s");
    assert_eq!(ba.status, 0);
}

#[test]
fn ha_8_lifetime_clamped_to_the_prefix_valid_lifetime() {
    let mut c = config();
    c.home_links[0].prefixes[0] = prefix(1000, 1000);
    let mut b = Bed::new(c);
    b.run_until(secs(598.5));
    b.send(bu_frame(hoa(), coa(), home_bu(1, 0xffff, false), vec![]));
    let out = b.run_for(1.0);
    let (_, ba) = only_ba(&out);
    // At 599.5 s, 400.5 s remain: 100 units.
    assert_eq!(ba.lifetime, 100);
    assert_eq!(
        ba.status, 1,
        "the prefix becomes invalid at the end of the binding"
    );
    let info = b.ha.binding(&hoa()).unwrap();
    assert_eq!(info.lifetime_secs, 400);
    assert!(info.expires <= secs(1000.0));
}

#[test]
fn ha_9_a0_still_gets_a_binding_acknowledgement() {
    let mut b = Bed::default();
    let bu = BindingUpdate {
        a: false,
        ..home_bu(6, 100, false)
    };
    b.send(bu_frame(hoa(), coa(), bu, vec![]));
    let (_, ba) = only_ba(&b.run_for(1.0));
    assert_eq!((ba.status, ba.seq), (0, 6));
    let bu = BindingUpdate {
        a: false,
        ..home_bu(6, 100, false)
    };
    let (_, ba) = only_ba(&b.send(bu_frame(hoa(), coa(), bu, vec![])));
    assert_eq!(ba.status, 135, "rejections too");
}

#[test]
fn ha_10_k_bit_only_when_the_bu_asks_and_the_ha_supports_it() {
    for (supported, asked, expected) in [
        (false, false, false),
        (false, true, false),
        (true, false, false),
        (true, true, true),
    ] {
        let mut c = config();
        c.key_management_mobility = supported;
        let mut b = Bed::new(c);
        let bu = BindingUpdate {
            k: asked,
            ..home_bu(1, 100, false)
        };
        b.send(bu_frame(hoa(), coa(), bu, vec![]));
        let (_, ba) = only_ba(&b.run_for(1.0));
        assert_eq!(ba.k, expected, "supported {supported} asked {asked}");
        // De-registration follows the same rule.
        let bu = BindingUpdate {
            k: asked,
            ..home_bu(2, 0, false)
        };
        let (_, ba) = only_ba(&b.send(bu_frame(hoa(), coa(), bu, vec![])));
        assert_eq!((ba.status, ba.k), (0, expected));
    }
}

#[test]
fn ha_11_binding_refresh_advice_is_below_the_lifetime() {
    let mut c = config();
    c.binding_refresh_advice = true;
    let mut b = Bed::new(c);
    let out = b.register(1, 100, false);
    let (o, ba) = only_ba(&out);
    let advice = o
        .mh()
        .unwrap()
        .option(|o| match o {
            MhOption::BindingRefreshAdvice { interval } => Some(*interval),
            _ => None,
        })
        .expect("Binding Refresh Advice");
    assert!(advice < ba.lifetime);
    assert_eq!(advice, 50);
    // Not in a de-registration's BA.
    let out = b.send(bu_frame(hoa(), coa(), home_bu(2, 0, false), vec![]));
    let (o, _) = only_ba(&out);
    assert!(!o
        .mh()
        .unwrap()
        .options
        .iter()
        .any(|o| matches!(o, MhOption::BindingRefreshAdvice { .. })));
}

#[test]
fn ha_11_no_binding_refresh_advice_unless_configured() {
    let mut b = Bed::default();
    let out = b.register(1, 100, false);
    let (o, _) = only_ba(&out);
    assert!(o
        .mh()
        .unwrap()
        .options
        .iter()
        .all(|o| matches!(o, MhOption::Pad1 | MhOption::PadN(_))));
}

#[test]
fn ha_12_ba_goes_to_the_bu_source_with_rh2_home_address() {
    let mut b = Bed::default();
    // The Alternate Care-of Address option names another address: the binding uses it, the
    // BA still goes to the source address (§9.5.4).
    let f = frame(
        ROUTER_MAC,
        HA_MAC,
        vec![
            Layer::Ipv6(Ipv6::new(coa(), ha_addr())),
            Layer::DestOpts(OptionsHeader::home_address(hoa())),
            Layer::Mobility(Mobility::new(
                MhMessage::BindingUpdate(home_bu(1, 100, false)),
                vec![MhOption::AlternateCareOfAddress(coa_b())],
            )),
        ],
    );
    b.send(f);
    let out = b.run_for(1.0);
    let (o, ba) = only_ba(&out);
    assert_eq!(ba.status, 0);
    assert_eq!(o.ip().src, ha_addr());
    assert_eq!(o.ip().dst, coa());
    assert_eq!(o.eth().dst, ROUTER_MAC);
    let Some(Layer::Routing(r)) = o.layers().get(2) else {
        panic!("no routing header: {:?}", o.layers());
    };
    assert_eq!((r.routing_type, r.segments_left), (2, 1));
    assert!(matches!(r.body, RoutingBody::Type2 { home_address, .. } if home_address == hoa()));
    assert!(o.layers().iter().all(|l| !matches!(l, Layer::DestOpts(_))));
    assert_eq!(b.ha.binding(&hoa()).unwrap().care_of_address, coa_b());
}

#[test]
fn ha_13_status_0_when_the_prefix_outlives_the_binding() {
    let mut c = config();
    c.home_links[0].prefixes[0] = prefix(10_000, 5_000);
    let mut b = Bed::new(c);
    let (_, ba) = only_ba(&b.register(1, 100, false));
    assert_eq!((ba.status, ba.lifetime), (0, 100));
}

#[test]
fn ha_13_status_1_when_the_prefix_becomes_deprecated_during_the_binding() {
    let mut c = config();
    c.home_links[0].prefixes[0] = prefix(10_000, 300);
    let mut b = Bed::new(c);
    let (_, ba) = only_ba(&b.register(1, 100, false));
    assert_eq!((ba.status, ba.lifetime), (1, 100));
}

#[test]
fn ha_13_status_1_when_the_prefix_is_deprecated() {
    let mut c = config();
    c.home_links[0].prefixes[0] = prefix(10_000, 50);
    let mut b = Bed::new(c);
    b.run_until(secs(60.0));
    let (_, ba) = only_ba(&b.register(1, 5, false));
    assert_eq!((ba.status, ba.lifetime), (1, 5));
}

#[test]
fn ha_13_lifetimes_compare_in_units_of_4_seconds() {
    // Preferred lifetime 403 s is 100 units, as is the 400 s binding: deprecated at its end.
    let mut c = config();
    c.home_links[0].prefixes[0] = prefix(10_000, 404);
    let mut b = Bed::new(c);
    b.send(bu_frame(hoa(), coa(), home_bu(1, 100, false), vec![]));
    let (_, ba) = only_ba(&b.run_for(1.0));
    assert_eq!(ba.status, 1);
    // With 408 s (102 units) left at the BA, the prefix outlives the binding.
    let mut c = config();
    c.home_links[0].prefixes[0] = prefix(10_000, 409);
    let mut b = Bed::new(c);
    b.send(bu_frame(hoa(), coa(), home_bu(1, 100, false), vec![]));
    let (_, ba) = only_ba(&b.run_for(1.0));
    assert_eq!(ba.status, 0);
}

// ---- De-registration (RFC 6275 §10.3.2) ------------------------------------------------------

#[test]
fn ha_14_lifetime_zero_is_a_deregistration() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    let (o, ba) = only_ba(&b.send(bu_frame(hoa(), coa(), home_bu(2, 0, false), vec![])));
    assert_eq!((ba.status, ba.seq, ba.lifetime), (0, 2, 0));
    assert_eq!(o.rh2(), Some(hoa()));
    assert!(!b.ha.binding(&hoa()).unwrap().active);
}

#[test]
fn ha_14_care_of_address_equal_to_home_address_is_a_deregistration() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    let f = frame(
        ROUTER_MAC,
        HA_MAC,
        vec![
            Layer::Ipv6(Ipv6::new(coa(), ha_addr())),
            Layer::DestOpts(OptionsHeader::home_address(hoa())),
            Layer::Mobility(Mobility::new(
                MhMessage::BindingUpdate(home_bu(2, 100, false)),
                vec![MhOption::AlternateCareOfAddress(hoa())],
            )),
        ],
    );
    let (_, ba) = only_ba(&b.send(f));
    assert_eq!((ba.status, ba.lifetime), (0, 0));
    assert!(!b.ha.binding(&hoa()).unwrap().active);
}

#[test]
fn ha_15_deregistration_without_binding_gives_133() {
    let mut b = Bed::default();
    let (o, ba) = only_ba(&b.send(bu_frame(hoa(), coa(), home_bu(8, 0, false), vec![])));
    assert_eq!((ba.status, ba.seq), (133, 8));
    assert_eq!(o.ip().dst, coa());
    assert_eq!(o.rh2(), Some(hoa()));
}

#[test]
fn ha_15_deregistration_during_dad_cancels_and_gives_133() {
    let mut b = Bed::default();
    b.send(bu_frame(hoa(), coa(), home_bu(1, 100, false), vec![]));
    let (_, ba) = only_ba(&b.send(bu_frame(hoa(), coa(), home_bu(2, 0, false), vec![])));
    assert_eq!(ba.status, 133);
    assert!(
        bas(&b.run_for(3.0)).is_empty(),
        "the cancelled registration is not answered"
    );
    assert!(b.ha.binding(&hoa()).is_none());
}

#[test]
fn ha_16_deregistration_deletes_the_binding_and_stops_proxy_and_tunnel() {
    let mut b = Bed::default();
    b.register(1, 100, true);
    b.run_for(5.0);
    let out = b.send(bu_frame(hoa(), coa(), home_bu(2, 0, false), vec![]));
    assert_eq!(only_ba(&out).1.status, 0);
    let ev = b.events();
    assert!(ev.iter().any(|e| matches!(e,
        Event::BindingDeleted { home_address, .. } if *home_address == hoa())));
    // No proxy for the home address or the link-local address.
    for t in [hoa(), mn_ll()] {
        let out = b.send(frame(
            CN_MAC,
            MacAddr::ipv6_multicast(solicited_node(&t)),
            ns(cn_home(), solicited_node(&t), t, Some(CN_MAC)),
        ));
        assert!(out.is_empty(), "{t}: {out:#?}");
    }
    // No tunnel: a packet sent to the HA's MAC for the home address is not taken.
    let out = b.send(frame(CN_MAC, HA_MAC, echo(cn_home(), hoa(), 1, 8)));
    assert!(out.is_empty(), "{out:#?}");
}

#[test]
fn ha_16_deleted_entry_answers_a_delayed_bu_with_135_until_max_delete_bce_timeout() {
    let mut b = Bed::default();
    b.register(19, 100, false);
    b.send(bu_frame(hoa(), coa(), home_bu(20, 0, false), vec![]));
    b.run_for(9.0);
    let (_, ba) = only_ba(&b.send(bu_frame(hoa(), coa(), home_bu(19, 100, false), vec![])));
    assert_eq!((ba.status, ba.seq), (135, 20));
    b.run_for(1.5);
    assert!(
        b.ha.binding(&hoa()).is_none(),
        "gone after MAX_DELETE_BCE_TIMEOUT"
    );
    let out = b.send(bu_frame(hoa(), coa(), home_bu(19, 100, false), vec![]));
    assert!(
        out.iter().any(|o| o.is_ns_for(hoa())),
        "a new registration, with DAD"
    );
    assert_eq!(only_ba(&b.run_for(1.0)).1.status, 0);
}

#[test]
fn ha_16_deleted_entry_newer_registration_needs_dad_again() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    b.send(bu_frame(hoa(), coa(), home_bu(2, 0, false), vec![]));
    let out = b.send(bu_frame(hoa(), coa(), home_bu(3, 100, false), vec![]));
    assert!(bas(&out).is_empty());
    assert!(out.iter().any(|o| o.is_ns_for(hoa())));
    let (_, ba) = only_ba(&b.run_for(1.0));
    assert_eq!((ba.status, ba.seq), (0, 3));
    // A second de-registration with no valid entry is 133.
    b.send(bu_frame(hoa(), coa(), home_bu(4, 0, false), vec![]));
    let (_, ba) = only_ba(&b.send(bu_frame(hoa(), coa(), home_bu(5, 0, false), vec![])));
    assert_eq!(ba.status, 133);
}

/// A de-registration sent from home: source = home address, no HAO (§10.3.2, §11.5.5).
fn dereg_from_home(seq: u16) -> Vec<u8> {
    frame(
        MN_MAC,
        HA_MAC,
        vec![
            Layer::Ipv6(Ipv6::new(hoa(), ha_addr())),
            Layer::Mobility(Mobility::new(
                MhMessage::BindingUpdate(home_bu(seq, 0, false)),
                vec![],
            )),
        ],
    )
}

#[test]
fn ha_17_deregistration_from_home_is_answered_without_routing_header() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    let out = b.send(dereg_from_home(2));
    // The HA stopped defending the home address and resolves it now.
    assert!(bas(&out).is_empty());
    let probe = out
        .iter()
        .find(|o| o.is_ns_for(hoa()))
        .expect("NS for the home address");
    assert_eq!(probe.ip().src, ha_addr());
    let out = b.send(frame(MN_MAC, HA_MAC, na(hoa(), hoa(), MN_MAC)));
    let (o, ba) = only_ba(&out);
    assert_eq!((ba.status, ba.lifetime), (0, 0));
    assert_eq!(o.ip().dst, hoa());
    assert_eq!(o.rh2(), None);
    assert_eq!(o.eth().dst, MN_MAC);
}

#[test]
fn ha_17_rejection_from_the_home_link_goes_to_the_bu_link_layer_address() {
    let mut b = Bed::default();
    let out = b.send(dereg_from_home(2));
    let (o, ba) = only_ba(&out);
    assert_eq!(ba.status, 133);
    assert_eq!(o.eth().dst, MN_MAC, "straight to the sender's MAC, no NS");
    assert_eq!(o.ip().dst, hoa());
    assert_eq!(o.rh2(), None);
    assert_eq!(out.len(), 1);
}

#[test]
fn ha_17_rejection_while_the_ha_defends_the_address_goes_to_the_bu_link_layer_address() {
    let mut b = Bed::default();
    b.register(5, 100, false);
    b.run_for(5.0);
    // Stale sequence from home while the binding is in force: the HA itself answers NS for
    // the home address, so only the link-layer address reaches the mobile node.
    let out = b.send(dereg_from_home(5));
    let (o, ba) = only_ba(&out);
    assert_eq!((ba.status, ba.seq), (135, 5));
    assert_eq!(o.eth().dst, MN_MAC);
}

#[test]
fn ha_17_rejection_of_a_bu_from_off_link_is_routed_normally() {
    let mut b = Bed::default();
    // The BU came in through another router; the answer follows the route to the source.
    let mut f = bu_frame(a("2001:db8:9::1"), coa(), home_bu(3, 10, false), vec![]);
    f[6..12].copy_from_slice(&OTHER_MAC.0);
    let (o, ba) = only_ba(&b.send(f));
    assert_eq!(ba.status, 132);
    assert_eq!(o.eth().dst, ROUTER_MAC);
}

#[test]
fn ha_7_link_local_defended_for_another_mobile_node_gives_134() {
    let mut c = config();
    c.home_links[0].prefixes.push(PrefixConfig {
        prefix: a("2001:db8:4::"),
        ..prefix(u32::MAX, u32::MAX)
    });
    let mut b = Bed::new(c);
    b.register(1, 100, true);
    // Same interface identifier on the second home prefix: the same link-local address.
    let other = a("2001:db8:4::100");
    let (_, ba) = only_ba(&b.send(bu_frame(other, coa_b(), home_bu(1, 100, true), vec![])));
    assert_eq!(ba.status, 134);
    // With L=0 the home address alone is tested, and it is free.
    let out = b.send(bu_frame(other, coa_b(), home_bu(2, 100, false), vec![]));
    assert!(out.iter().any(|o| o.is_ns_for(other)));
    assert_eq!(only_ba(&b.run_for(1.0)).1.status, 0);
}

#[test]
fn ha_24_icmp_error_about_a_tunnel_packet_of_another_node_is_not_relayed() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    // IPv6-in-IPv6 sent by someone else.
    let mut inner = echo(cn_far(), hoa(), 1, 8);
    inner.insert(0, Layer::Ipv6(Ipv6::new(a("2001:db8:7::1"), coa())));
    let foreign = Packet::new(inner).emit();
    let out = b.send(icmp_error_from(
        a("2001:db8:5::1"),
        Icmpv6Msg::DestinationUnreachable {
            unused: 0,
            invoking: foreign,
        },
        0,
    ));
    assert!(out.is_empty(), "{out:#?}");
}

// ---- Proxy ND and interception (RFC 6275 §10.4) ----------------------------------------------

fn assert_proxy_na(o: &Out, target: Ipv6Addr, solicited: bool) {
    let Some(Icmpv6Msg::NeighborAdvertisement {
        r,
        s,
        o: ovr,
        target: t,
        options,
        ..
    }) = o.icmp().map(|i| &i.msg)
    else {
        panic!("not an NA: {o:#?}");
    };
    assert_eq!(*t, target);
    assert!(!*r, "R MUST be zero for a mobile node's address");
    assert_eq!(*s, solicited);
    assert!(*ovr, "Override set");
    assert_eq!(options, &vec![NdOption::TargetLinkLayer(HA_MAC)]);
    assert_eq!(o.ip().hop_limit, 255);
    assert_eq!(o.eth().src, HA_MAC);
}

#[test]
fn ha_18_unsolicited_na_with_override_after_registration() {
    let mut b = Bed::default();
    let out = b.register(1, 100, false);
    let nas: Vec<_> = out.iter().filter(|o| o.is_na_for(hoa())).collect();
    assert_eq!(nas.len(), 1, "the first at acceptance");
    assert_proxy_na(nas[0], hoa(), false);
    assert_eq!(nas[0].ip().src, ha_ll(), "an HA address on the interface");
    assert_eq!(nas[0].ip().dst, ALL_NODES);
    assert_eq!(nas[0].eth().dst, MacAddr::ipv6_multicast(ALL_NODES));
    assert_eq!(nas[0].at, secs(1.0));
    // MAX_NEIGHBOR_ADVERTISEMENT in all, RetransTimer apart.
    let later = b.run_for(10.0);
    let times: Vec<Instant> = later
        .iter()
        .filter(|o| o.is_na_for(hoa()))
        .map(|o| o.at)
        .collect();
    assert_eq!(times, vec![secs(2.0), secs(3.0)]);
    assert!(
        !later.iter().any(|o| o.is_na_for(mn_ll())),
        "L=0: no link-local"
    );
}

#[test]
fn ha_18_l1_also_advertises_the_link_local_address() {
    let mut c = config();
    c.unsolicited_na_count = 1;
    let mut b = Bed::new(c);
    let mut out = b.register(1, 100, true);
    out.extend(b.run_for(10.0));
    let ll: Vec<_> = out.iter().filter(|o| o.is_na_for(mn_ll())).collect();
    assert_eq!(ll.len(), 1);
    assert_proxy_na(ll[0], mn_ll(), false);
    assert_eq!(out.iter().filter(|o| o.is_na_for(hoa())).count(), 1);
}

#[test]
fn ha_18_no_new_unsolicited_na_for_a_refresh() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    b.run_for(10.0);
    let mut out = b.send(bu_frame(hoa(), coa(), home_bu(2, 100, false), vec![]));
    out.extend(b.run_for(10.0));
    assert!(!out.iter().any(|o| o.is_na_for(hoa())), "{out:#?}");
}

#[test]
fn ha_19_proxy_answers_neighbor_solicitations_for_the_home_address() {
    let mut b = Bed::default();
    b.register(1, 100, true);
    b.run_for(5.0);
    // Multicast NS with SLLA.
    let out = b.send(frame(
        CN_MAC,
        MacAddr::ipv6_multicast(solicited_node(&hoa())),
        ns(cn_home(), solicited_node(&hoa()), hoa(), Some(CN_MAC)),
    ));
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_proxy_na(&out[0], hoa(), true);
    assert_eq!(out[0].ip().dst, cn_home());
    assert_eq!(out[0].eth().dst, CN_MAC);
    // Unicast NS without SLLA, for the link-local address.
    let out = b.send(frame(CN_MAC, HA_MAC, ns(cn_home(), mn_ll(), mn_ll(), None)));
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_proxy_na(&out[0], mn_ll(), true);
}

#[test]
fn ha_19_proxy_defends_the_home_address_in_dad() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    b.run_for(5.0);
    let out = b.send(frame(
        OTHER_MAC,
        MacAddr::ipv6_multicast(solicited_node(&hoa())),
        ns(Ipv6Addr::UNSPECIFIED, solicited_node(&hoa()), hoa(), None),
    ));
    assert_eq!(out.len(), 1);
    assert_proxy_na(&out[0], hoa(), false);
    assert_eq!(out[0].ip().dst, ALL_NODES);
}

#[test]
fn ha_19_the_has_own_address_is_still_advertised_as_a_router() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    let out = b.send(frame(
        CN_MAC,
        MacAddr::ipv6_multicast(solicited_node(&ha_addr())),
        ns(
            cn_home(),
            solicited_node(&ha_addr()),
            ha_addr(),
            Some(CN_MAC),
        ),
    ));
    let Some(Icmpv6Msg::NeighborAdvertisement { r, .. }) = out[0].icmp().map(|i| &i.msg) else {
        panic!("{out:#?}");
    };
    assert!(*r, "the HA is a router");
}

/// Checks that `t` carries `orig` (the IPv6 packet as it was sent to the HA) from the HA to
/// `exit`, hop limit decremented.
fn assert_tunnel_of(t: &Out, orig: &[u8], exit: Ipv6Addr) {
    let h = t.ip();
    assert_eq!(h.src, ha_addr());
    assert_eq!(h.dst, exit);
    assert_eq!(h.next_header, Some(proto::IPV6));
    assert_eq!(h.hop_limit, 64);
    let inner = &t.frame[14 + 40..];
    assert_eq!(inner.len(), orig.len());
    assert_eq!(inner[7], orig[7] - 1, "inner hop limit decremented");
    assert_eq!(inner[..7], orig[..7]);
    assert_eq!(inner[8..], orig[8..]);
}

#[test]
fn ha_20_intercepted_packet_is_tunnelled_to_coa() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    b.run_for(5.0);
    let f = frame(CN_MAC, HA_MAC, echo(cn_home(), hoa(), 9, 32));
    let orig = f[14..].to_vec();
    let out = b.send(f);
    let t = tunnelled(&out);
    assert_eq!(t.len(), 1, "{out:#?}");
    assert_tunnel_of(t[0], &orig, coa());
    assert_eq!(t[0].eth().dst, ROUTER_MAC);
    // The inner packet decodes as the original echo request.
    assert!(matches!(
        t[0].layers().get(3),
        Some(Layer::Icmpv6(Icmpv6 {
            msg: Icmpv6Msg::EchoRequest { ident: 9, .. },
            ..
        }))
    ));
}

#[test]
fn ha_20_tunnel_follows_the_new_care_of_address() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    b.send(bu_frame(hoa(), coa_b(), home_bu(2, 100, false), vec![]));
    let f = frame(ROUTER_MAC, HA_MAC, echo(cn_far(), hoa(), 1, 8));
    let orig = f[14..].to_vec();
    let out = b.send(f);
    assert_tunnel_of(tunnelled(&out)[0], &orig, coa_b());
}

#[test]
fn ha_20_packet_arriving_on_another_interface_is_tunnelled() {
    let mut c = config();
    c.interfaces.push(IfaceConfig {
        name: "ext0".into(),
        mac: EXT_MAC,
        addrs: vec![IfAddr {
            addr: a("2001:db8:ff::1"),
            prefix_len: 64,
        }],
        default_router: None,
    });
    let mut b = Bed::new(c);
    b.register(1, 100, false);
    let f = frame(EXT_ROUTER_MAC, EXT_MAC, echo(cn_far(), hoa(), 1, 8));
    let orig = f[14..].to_vec();
    let out = b.send_on(1, f);
    let t = tunnelled(&out);
    assert_eq!(t.len(), 1, "{out:#?}");
    assert_tunnel_of(t[0], &orig, coa());
    assert_eq!(t[0].iface, 0);
}

#[test]
fn ha_20_hop_limit_1_is_not_forwarded() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    let mut l = echo(cn_home(), hoa(), 1, 8);
    if let Layer::Ipv6(h) = &mut l[0] {
        h.hop_limit = 1;
    }
    let out = b.send(frame(CN_MAC, HA_MAC, l));
    assert!(tunnelled(&out).is_empty());
    let icmp = out[0].icmp().unwrap();
    assert!(matches!(icmp.msg, Icmpv6Msg::TimeExceeded { .. }));
    assert_eq!(out[0].ip().dst, cn_home());
}

#[test]
fn ha_20_oversized_packet_gets_packet_too_big() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    // 1500-byte original: 40 bytes of tunnel header do not fit a 1500-byte link.
    let out = b.send(frame(CN_MAC, HA_MAC, echo(cn_home(), hoa(), 1, 1500 - 48)));
    assert!(tunnelled(&out).is_empty(), "{out:#?}");
    let icmp = out[0].icmp().unwrap();
    let Icmpv6Msg::PacketTooBig { mtu, .. } = icmp.msg else {
        panic!("{icmp:?}");
    };
    assert_eq!(mtu, 1460);
    assert_eq!(out[0].ip().dst, cn_home());
    // 1460 bytes fit.
    let out = b.send(frame(CN_MAC, HA_MAC, echo(cn_home(), hoa(), 2, 1460 - 48)));
    assert_eq!(tunnelled(&out).len(), 1);
    assert_eq!(tunnelled(&out)[0].frame.len(), 14 + 1500);
}

#[test]
fn ha_21_packet_to_the_mobile_nodes_link_local_address_gets_unreachable_code_3() {
    let mut b = Bed::default();
    b.register(1, 100, true);
    let out = b.send(frame(CN_MAC, HA_MAC, echo(a("fe80::50"), mn_ll(), 1, 8)));
    assert!(tunnelled(&out).is_empty());
    assert_eq!(out.len(), 1, "{out:#?}");
    let icmp = out[0].icmp().unwrap();
    assert!(matches!(icmp.msg, Icmpv6Msg::DestinationUnreachable { .. }));
    assert_eq!(icmp.code, 3);
    assert_eq!(out[0].ip().dst, a("fe80::50"));
    assert!(discarded(&b.events(), "HA-21"));
}

#[test]
fn ha_21_no_unreachable_to_a_multicast_source() {
    let mut b = Bed::default();
    b.register(1, 100, true);
    let out = b.send(frame(CN_MAC, HA_MAC, echo(a("ff02::1"), mn_ll(), 1, 8)));
    assert!(out.is_empty(), "{out:#?}");
    assert!(discarded(&b.events(), "HA-21"));
}

// ---- Reverse tunnel (RFC 6275 §10.4.5) -------------------------------------------------------

/// A packet from the mobile node through the reverse tunnel: outer `outer_src` → HA.
fn reverse(outer_src: Ipv6Addr, inner: Vec<Layer>) -> Vec<u8> {
    let mut l = vec![Layer::Ipv6(Ipv6::new(outer_src, ha_addr()))];
    l.extend(inner);
    frame(ROUTER_MAC, HA_MAC, l)
}

#[test]
fn ha_22_reverse_tunnel_is_decapsulated_and_forwarded() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    let inner = Packet::new(echo(hoa(), cn_far(), 3, 16)).emit();
    let out = b.send(reverse(coa(), echo(hoa(), cn_far(), 3, 16)));
    assert_eq!(out.len(), 1, "{out:#?}");
    let fwd = &out[0].frame[14..];
    assert_eq!(fwd[7], inner[7] - 1, "hop limit decremented");
    assert_eq!(fwd[..7], inner[..7]);
    assert_eq!(fwd[8..], inner[8..]);
    assert_eq!(out[0].eth().dst, ROUTER_MAC);
    // To a node on the home link: delivered there.
    let out = b.send(reverse(coa(), echo(hoa(), cn_home(), 4, 16)));
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!(out[0].eth().dst, CN_MAC);
    assert_eq!((out[0].ip().src, out[0].ip().dst), (hoa(), cn_home()));
}

#[test]
fn ha_22_reverse_tunnel_wrong_outer_source_is_dropped() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    let out = b.send(reverse(coa_b(), echo(hoa(), cn_far(), 3, 16)));
    assert!(out.is_empty(), "{out:#?}");
    assert!(discarded(&b.events(), "HA-22"));
}

#[test]
fn ha_22_reverse_tunnel_wrong_inner_source_is_dropped() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    let out = b.send(reverse(coa(), echo(hoa2(), cn_far(), 3, 16)));
    assert!(out.is_empty(), "{out:#?}");
    assert!(discarded(&b.events(), "HA-22"));
}

#[test]
fn ha_22_reverse_tunnel_without_binding_is_dropped() {
    let mut b = Bed::default();
    let out = b.send(reverse(coa(), echo(hoa(), cn_far(), 3, 16)));
    assert!(out.is_empty());
    assert!(discarded(&b.events(), "HA-22"));
}

#[test]
fn ha_22_reverse_tunnelled_echo_to_the_ha_is_answered_through_the_care_of_address() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    let out = b.send(reverse(coa(), echo(hoa(), ha_addr(), 5, 8)));
    assert_eq!(out.len(), 1, "{out:#?}");
    let o = &out[0];
    assert_eq!(o.ip().src, ha_addr());
    assert_eq!(o.ip().dst, coa());
    assert_eq!(o.rh2(), Some(hoa()));
    assert!(matches!(
        o.icmp().unwrap().msg,
        Icmpv6Msg::EchoReply { ident: 5, .. }
    ));
}

#[test]
fn ha_23_hoti_in_the_reverse_tunnel_is_forwarded_to_the_correspondent() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    let hoti = vec![
        Layer::Ipv6(Ipv6::new(hoa(), cn_far())),
        Layer::Mobility(Mobility::new(
            MhMessage::HomeTestInit {
                reserved: 0,
                cookie: [7; 8],
            },
            vec![],
        )),
    ];
    let out = b.send(reverse(coa(), hoti));
    assert_eq!(out.len(), 1, "{out:#?}");
    let o = &out[0];
    assert_eq!((o.ip().src, o.ip().dst), (hoa(), cn_far()));
    assert!(matches!(
        o.mh().unwrap().message,
        MhMessage::HomeTestInit { cookie, .. } if cookie == [7; 8]
    ));
}

#[test]
fn ha_23_hot_for_the_home_address_is_tunnelled_to_the_mobile_node() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    let hot = vec![
        Layer::Ipv6(Ipv6::new(cn_far(), hoa())),
        Layer::Mobility(Mobility::new(
            MhMessage::HomeTest {
                nonce_index: 3,
                cookie: [7; 8],
                token: [9; 8],
            },
            vec![],
        )),
    ];
    let f = frame(ROUTER_MAC, HA_MAC, hot);
    let orig = f[14..].to_vec();
    let out = b.send(f);
    let t = tunnelled(&out);
    assert_eq!(t.len(), 1, "{out:#?}");
    assert_tunnel_of(t[0], &orig, coa());
    assert!(matches!(
        t[0].mh().unwrap().message,
        MhMessage::HomeTest { nonce_index: 3, .. }
    ));
}

#[test]
fn packets_between_two_mobile_nodes_go_tunnel_to_tunnel() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    b.send(bu_frame(hoa2(), coa_b(), home_bu(1, 100, false), vec![]));
    b.run_for(1.0);
    let out = b.send(reverse(coa(), echo(hoa(), hoa2(), 1, 8)));
    let t = tunnelled(&out);
    assert_eq!(t.len(), 1, "{out:#?}");
    assert_eq!(t[0].ip().dst, coa_b());
}

// ---- ICMP errors from inside the tunnel (RFC 2473 §8) ----------------------------------------

/// Registers, tunnels a packet from the far correspondent and returns the tunnel packet.
fn tunnel_one(b: &mut Bed, len: usize) -> Vec<u8> {
    b.register(1, 100, false);
    b.run_for(5.0);
    let out = b.send(frame(ROUTER_MAC, HA_MAC, echo(cn_far(), hoa(), 1, len)));
    tunnelled(&out)[0].frame[14..].to_vec()
}

fn icmp_error_from(router: Ipv6Addr, msg: Icmpv6Msg, code: u8) -> Vec<u8> {
    frame(
        ROUTER_MAC,
        HA_MAC,
        vec![
            Layer::Ipv6(Ipv6::new(router, ha_addr())),
            Layer::Icmpv6(Icmpv6::new(msg).code(code)),
        ],
    )
}

#[test]
fn ha_24_unreachable_inside_the_tunnel_is_relayed_to_the_original_sender() {
    let mut b = Bed::default();
    let tp = tunnel_one(&mut b, 16);
    let out = b.send(icmp_error_from(
        a("2001:db8:5::1"),
        Icmpv6Msg::DestinationUnreachable {
            unused: 0,
            invoking: tp.clone(),
        },
        0,
    ));
    assert_eq!(out.len(), 1, "{out:#?}");
    let o = &out[0];
    assert_eq!(o.ip().dst, cn_far());
    assert_eq!(o.ip().src, ha_addr());
    let icmp = o.icmp().unwrap();
    assert_eq!(icmp.code, 3);
    let Icmpv6Msg::DestinationUnreachable { invoking, .. } = &icmp.msg else {
        panic!("{icmp:?}");
    };
    assert_eq!(
        invoking,
        &tp[40..].to_vec(),
        "the original packet, tunnel header taken off"
    );
}

#[test]
fn ha_24_hop_limit_exceeded_inside_the_tunnel_is_relayed_as_unreachable() {
    let mut b = Bed::default();
    let tp = tunnel_one(&mut b, 16);
    let out = b.send(icmp_error_from(
        a("2001:db8:5::1"),
        Icmpv6Msg::TimeExceeded {
            unused: 0,
            invoking: tp.clone(),
        },
        0,
    ));
    let icmp = out[0].icmp().unwrap();
    assert!(matches!(icmp.msg, Icmpv6Msg::DestinationUnreachable { .. }));
    assert_eq!((icmp.code, out[0].ip().dst), (3, cn_far()));
    // Reassembly time exceeded (code 1) is not one of the relayed errors.
    let out = b.send(icmp_error_from(
        a("2001:db8:5::1"),
        Icmpv6Msg::TimeExceeded {
            unused: 0,
            invoking: tp,
        },
        1,
    ));
    assert!(out.is_empty(), "{out:#?}");
}

#[test]
fn ha_24_parameter_problem_inside_the_tunnel_is_not_relayed() {
    let mut b = Bed::default();
    let tp = tunnel_one(&mut b, 16);
    let out = b.send(icmp_error_from(
        a("2001:db8:5::1"),
        Icmpv6Msg::ParameterProblem {
            pointer: 6,
            invoking: tp,
        },
        0,
    ));
    assert!(out.is_empty(), "{out:#?}");
}

#[test]
fn ha_24_icmp_error_about_another_packet_is_not_relayed() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    let plain = Packet::new(echo(ha_addr(), cn_far(), 1, 8)).emit();
    let out = b.send(icmp_error_from(
        a("2001:db8:5::1"),
        Icmpv6Msg::DestinationUnreachable {
            unused: 0,
            invoking: plain,
        },
        0,
    ));
    assert!(out.is_empty());
}

#[test]
fn ha_24_packet_too_big_sets_the_tunnel_mtu_and_is_relayed_for_large_packets() {
    let mut b = Bed::default();
    let tp = tunnel_one(&mut b, 1400 - 48);
    assert_eq!(tp.len(), 1440);
    let out = b.send(icmp_error_from(
        a("2001:db8:5::1"),
        Icmpv6Msg::PacketTooBig {
            mtu: 1400,
            invoking: tp.clone(),
        },
        0,
    ));
    assert_eq!(out.len(), 1, "{out:#?}");
    let icmp = out[0].icmp().unwrap();
    let Icmpv6Msg::PacketTooBig { mtu, invoking } = &icmp.msg else {
        panic!("{icmp:?}");
    };
    assert_eq!(*mtu, 1360, "tunnel header taken off");
    assert_eq!(out[0].ip().dst, cn_far());
    assert_eq!(invoking.len(), 1280 - 48, "quoted to fit the minimum MTU");
    assert_eq!(out[0].frame.len(), 14 + 1280);
    // The next large packet is refused at the HA with the new tunnel MTU.
    let out = b.send(frame(
        ROUTER_MAC,
        HA_MAC,
        echo(cn_far(), hoa(), 2, 1400 - 48),
    ));
    let Icmpv6Msg::PacketTooBig { mtu, .. } = out[0].icmp().unwrap().msg else {
        panic!("{out:#?}");
    };
    assert_eq!(mtu, 1360);
}

#[test]
fn ha_24_packet_too_big_for_a_small_packet_is_not_relayed_and_fragments_follow() {
    let mut b = Bed::default();
    let tp = tunnel_one(&mut b, 1280 - 48);
    assert_eq!(tp.len(), 1320);
    let out = b.send(icmp_error_from(
        a("2001:db8:5::1"),
        Icmpv6Msg::PacketTooBig {
            mtu: 1280,
            invoking: tp[..1232].to_vec(),
        },
        0,
    ));
    assert!(out.is_empty(), "original within 1280 bytes: {out:#?}");
    // RFC 2473 §7.1 (b): the next 1280-byte original is encapsulated and fragmented.
    let f = frame(ROUTER_MAC, HA_MAC, echo(cn_far(), hoa(), 2, 1280 - 48));
    let orig = f[14..].to_vec();
    let out = b.send(f);
    assert_eq!(out.len(), 2, "{out:#?}");
    let mut data = Vec::new();
    let mut ident = None;
    for (n, o) in out.iter().enumerate() {
        assert!(o.frame.len() - 14 <= 1280);
        assert_eq!((o.ip().src, o.ip().dst), (ha_addr(), coa()));
        let Some(Layer::Fragment(Fragment {
            next_header,
            offset,
            m,
            ident: id,
            ..
        })) = o.layers().get(2)
        else {
            panic!("not a fragment: {o:#?}");
        };
        assert_eq!(*next_header, Some(proto::IPV6));
        assert_eq!(usize::from(*offset) * 8, data.len());
        assert_eq!(*m, n == 0);
        assert_eq!(*ident.get_or_insert(*id), *id);
        data.extend_from_slice(&o.frame[14 + 48..]);
    }
    assert_eq!(data.len(), orig.len());
    assert_eq!(data[7], orig[7] - 1);
    assert_eq!(data[8..], orig[8..]);
}

// ---- Expiry (HA-25) --------------------------------------------------------------------------

#[test]
fn ha_25_binding_expires_and_proxy_and_tunnel_stop() {
    let mut b = Bed::default();
    b.register(1, 10, true); // 40 s, BA at 1 s
    b.run_until(secs(40.999));
    assert!(b.ha.binding(&hoa()).is_some());
    b.run_until(secs(41.0));
    assert!(b.ha.binding(&hoa()).is_none());
    let ev = b.events();
    assert!(ev.iter().any(|e| matches!(e,
        Event::BindingDeleted { home_address, reason } if *home_address == hoa()
            && reason.contains("HA-25"))));
    for t in [hoa(), mn_ll()] {
        let out = b.send(frame(
            CN_MAC,
            MacAddr::ipv6_multicast(solicited_node(&t)),
            ns(cn_home(), solicited_node(&t), t, Some(CN_MAC)),
        ));
        assert!(out.is_empty(), "{out:#?}");
    }
    assert!(b
        .send(frame(CN_MAC, HA_MAC, echo(cn_home(), hoa(), 1, 8)))
        .is_empty());
    // After expiry there is no entry: any sequence number starts a new registration.
    let out = b.send(bu_frame(hoa(), coa(), home_bu(0, 10, false), vec![]));
    assert!(out.iter().any(|o| o.is_ns_for(hoa())));
}

#[test]
fn ha_25_binding_is_gone_when_the_home_prefix_becomes_invalid() {
    let mut c = config();
    c.home_links[0].prefixes[0] = prefix(100, 100);
    let mut b = Bed::new(c);
    b.register(1, 0xffff, false);
    // Registered at 1 s with 99 s of prefix left: 24 units, 96 s, ending before the prefix.
    let info = b.ha.binding(&hoa()).unwrap();
    assert_eq!((info.lifetime_secs, info.expires), (96, secs(97.0)));
    b.run_until(secs(96.9));
    assert!(b.ha.binding(&hoa()).is_some());
    b.run_until(secs(97.0));
    assert!(b.ha.binding(&hoa()).is_none());
}

#[test]
fn ha_25_refresh_extends_the_lifetime() {
    let mut b = Bed::default();
    b.register(1, 10, false);
    b.run_until(secs(30.0));
    b.send(bu_frame(hoa(), coa(), home_bu(2, 10, false), vec![]));
    b.run_until(secs(69.0));
    assert!(b.ha.binding(&hoa()).is_some());
    b.run_until(secs(70.0));
    assert!(b.ha.binding(&hoa()).is_none());
}

// ---- Router Advertisements and the Home Agents List (HA-26) ----------------------------------

fn ra_config() -> HaConfig {
    let mut c = config();
    c.router_advertisements.enabled = true;
    c
}

fn ra_fields(o: &Out) -> (bool, u16, Vec<NdOption>) {
    match &o.icmp().unwrap().msg {
        Icmpv6Msg::RouterAdvertisement {
            h,
            router_lifetime,
            options,
            m,
            o: other,
            ..
        } => {
            assert!(!m && !other, "M and O stay clear");
            (*h, *router_lifetime, options.clone())
        }
        m => panic!("not an RA: {m:?}"),
    }
}

#[test]
fn ha_26_first_router_advertisement_soon_after_start() {
    let mut b = Bed::new(ra_config());
    let out = b.run_until(Instant::ZERO);
    assert_eq!(out.len(), 1, "{out:#?}");
    let o = &out[0];
    assert!(o.is_ra());
    assert_eq!(o.ip().src, ha_ll());
    assert_eq!(o.ip().dst, ALL_NODES);
    assert_eq!(o.ip().hop_limit, 255);
    let (h, lifetime, options) = ra_fields(o);
    assert!(h, "H bit");
    assert_eq!(lifetime, 1800);
    assert_eq!(
        options,
        vec![
            NdOption::SourceLinkLayer(HA_MAC),
            NdOption::PrefixInformation {
                prefix_len: 64,
                l: true,
                a: true,
                r: true,
                reserved1: 0,
                valid_lifetime: u32::MAX,
                preferred_lifetime: u32::MAX,
                reserved2: 0,
                prefix: ha_addr(),
            },
            NdOption::AdvertisementInterval {
                reserved: 0,
                interval: 600_000,
            },
        ],
        "default preference and lifetime: no Home Agent Information option"
    );
    assert!(o.d.violations.is_empty(), "{:?}", o.d.violations);
}

#[test]
fn ha_26_home_agent_information_when_not_the_defaults() {
    let mut c = ra_config();
    c.preference = 10;
    let mut b = Bed::new(c);
    let (_, _, opts) = ra_fields(&b.run_until(Instant::ZERO)[0]);
    assert!(opts.contains(&NdOption::home_agent_information(10, 1800)));
    let mut c = ra_config();
    c.ha_lifetime = Some(100);
    let mut b = Bed::new(c);
    let (_, _, opts) = ra_fields(&b.run_until(Instant::ZERO)[0]);
    assert!(opts.contains(&NdOption::home_agent_information(0, 100)));
}

#[test]
fn ha_26_first_advertisements_are_close_then_within_the_configured_interval() {
    let mut b = Bed::new(ra_config());
    let out = b.run_until(secs(5000.0));
    let times: Vec<f64> = out
        .iter()
        .filter(|o| o.is_ra())
        .map(|o| o.at.as_secs_f64())
        .collect();
    assert!(times.len() > 6, "{times:?}");
    assert_eq!(times[0], 0.0);
    // MAX_INITIAL_RTR_ADVERTISEMENTS (3) in all come at most 16 s apart.
    for w in times.windows(2).take(2) {
        assert!(w[1] - w[0] <= 16.0 + 1e-9, "initial interval {times:?}");
    }
    for w in times.windows(2).skip(2) {
        let d = w[1] - w[0];
        assert!(
            (198.0 - 1e-9..=600.0 + 1e-9).contains(&d),
            "interval {d} in {times:?}"
        );
    }
}

#[test]
fn ha_26_advertisement_interval_adds_20_ms_below_200_ms() {
    let mut c = ra_config();
    c.router_advertisements.min_interval = Duration::from_millis(50);
    c.router_advertisements.max_interval = Duration::from_millis(100);
    let mut b = Bed::new(c);
    let out = b.run_until(secs(1.0));
    let (_, lifetime, opts) = ra_fields(&out[0]);
    assert!(opts.contains(&NdOption::AdvertisementInterval {
        reserved: 0,
        interval: 120
    }));
    assert_eq!(lifetime, 1, "the Router Lifetime stays at least 1 s");
    assert!(out.iter().filter(|o| o.is_ra()).count() >= 10);
}

#[test]
fn ha_26_advertised_prefix_lifetimes_count_down() {
    let mut c = ra_config();
    c.home_links[0].prefixes[0] = prefix(1000, 500);
    c.router_advertisements.min_interval = Duration::from_secs(100);
    c.router_advertisements.max_interval = Duration::from_secs(100);
    let mut b = Bed::new(c);
    let out = b.run_until(secs(16.0));
    let (_, _, opts) = ra_fields(out.last().unwrap());
    assert!(opts.iter().any(|o| matches!(
        o,
        NdOption::PrefixInformation {
            valid_lifetime: 984,
            preferred_lifetime: 484,
            ..
        }
    )));
}

fn rs(src: Ipv6Addr, mac: Option<MacAddr>) -> Vec<u8> {
    frame(
        MN_MAC,
        MacAddr::ipv6_multicast(crate::host::ALL_ROUTERS),
        vec![
            Layer::Ipv6(Ipv6::new(src, crate::host::ALL_ROUTERS).hop_limit(255)),
            Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::RouterSolicitation {
                reserved: 0,
                options: mac.map(NdOption::SourceLinkLayer).into_iter().collect(),
            })),
        ],
    )
}

#[test]
fn ha_26_router_solicitation_brings_the_next_advertisement_forward() {
    let mut c = ra_config();
    c.router_advertisements.min_interval = Duration::from_secs(500);
    c.router_advertisements.max_interval = Duration::from_secs(600);
    let mut b = Bed::new(c);
    let out = b.run_until(secs(100.0));
    assert_eq!(
        out.iter().filter(|o| o.is_ra()).count(),
        3,
        "the three initial RAs come within 32 s, then >= 500 s"
    );
    b.now = secs(100.0);
    assert!(b.send(rs(Ipv6Addr::UNSPECIFIED, None)).is_empty());
    let out = b.run_until(secs(100.5));
    assert_eq!(
        out.iter().filter(|o| o.is_ra()).count(),
        1,
        "within MAX_RA_DELAY_TIME"
    );
    // A second solicitation right after: no sooner than MinDelayBetweenRAs (3 s).
    let t0 = out[0].at;
    b.send(rs(a("fe80::100"), Some(MN_MAC)));
    let out = b.run_until(t0 + Duration::from_secs(10));
    let ra = out.iter().find(|o| o.is_ra()).expect("an RA");
    assert!(ra.at >= t0 + Duration::from_secs(3), "{} vs {}", ra.at, t0);
    assert!(ra.at <= t0 + Duration::from_secs_f64(3.5));
}

#[test]
fn ha_26_invalid_router_solicitation_is_ignored() {
    let mut c = ra_config();
    c.router_advertisements.min_interval = Duration::from_secs(500);
    c.router_advertisements.max_interval = Duration::from_secs(600);
    let mut b = Bed::new(c);
    b.run_until(secs(100.0));
    // From :: with a Source Link-layer Address option (RFC 4861 §6.1.1).
    b.send(rs(Ipv6Addr::UNSPECIFIED, Some(MN_MAC)));
    assert!(b.run_until(secs(101.0)).is_empty());
    assert!(discarded(&b.events(), "RFC 4861 §6.1.1"));
}

fn other_ha_ra(
    ll: Ipv6Addr,
    h: bool,
    hai: Option<(u16, u16)>,
    addr: Option<(Ipv6Addr, u32)>,
) -> Vec<u8> {
    let mut options = vec![NdOption::SourceLinkLayer(OTHER_MAC)];
    if let Some((addr, valid)) = addr {
        options.push(NdOption::PrefixInformation {
            prefix_len: 64,
            l: true,
            a: true,
            r: true,
            reserved1: 0,
            valid_lifetime: valid,
            preferred_lifetime: valid,
            reserved2: 0,
            prefix: addr,
        });
    }
    if let Some((p, l)) = hai {
        options.push(NdOption::home_agent_information(preference_to_wire(p), l));
    }
    frame(
        OTHER_MAC,
        MacAddr::ipv6_multicast(ALL_NODES),
        vec![
            Layer::Ipv6(Ipv6::new(ll, ALL_NODES).hop_limit(255)),
            Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::RouterAdvertisement {
                cur_hop_limit: 64,
                m: false,
                o: false,
                h,
                reserved: 0,
                router_lifetime: 1800,
                reachable_time: 0,
                retrans_timer: 0,
                options,
            })),
        ],
    )
}

fn haad(b: &mut Bed, ident: u16) -> (Out, Vec<Ipv6Addr>) {
    let f = frame(
        ROUTER_MAC,
        HA_MAC,
        vec![
            Layer::Ipv6(Ipv6::new(coa(), anycast())),
            Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::HaadRequest {
                ident,
                r: false,
                reserved: 0,
                trailing: vec![],
            })),
        ],
    );
    let out = b.send(f);
    assert_eq!(out.len(), 1, "{out:#?}");
    let o = out.into_iter().next().unwrap();
    let Icmpv6Msg::HaadReply {
        ident: id,
        r,
        home_agents,
        ..
    } = &o.icmp().unwrap().msg
    else {
        panic!("not a HAAD Reply: {o:#?}");
    };
    assert_eq!(*id, ident);
    assert!(!r);
    let list = home_agents.clone();
    (o, list)
}

#[test]
fn ha_26_home_agents_list_learns_from_router_advertisements() {
    let mut b = Bed::default();
    let other = a("2001:db8:1::2");
    b.send(other_ha_ra(
        a("fe80::2"),
        true,
        Some((20, 100)),
        Some((other, 3600)),
    ));
    let (_, list) = haad(&mut b, 1);
    assert_eq!(list, vec![other, ha_addr()]);
    // The entry lives for the Home Agent Lifetime (100 s), not the Router Lifetime.
    b.run_for(99.0);
    assert_eq!(haad(&mut b, 2).1, vec![other, ha_addr()]);
    b.run_for(1.0);
    assert_eq!(haad(&mut b, 3).1, vec![ha_addr()]);
}

#[test]
fn ha_26_without_hai_router_lifetime_and_preference_0_are_used() {
    let mut c = config();
    c.preference = 1;
    let mut b = Bed::new(c);
    let other = a("2001:db8:1::2");
    b.send(other_ha_ra(
        a("fe80::2"),
        true,
        None,
        Some((other, u32::MAX)),
    ));
    assert_eq!(haad(&mut b, 1).1, vec![ha_addr(), other]);
    b.run_for(1799.0);
    assert_eq!(haad(&mut b, 2).1.len(), 2);
    b.run_for(1.0);
    assert_eq!(haad(&mut b, 3).1, vec![ha_addr()]);
}

#[test]
fn ha_26_h0_or_lifetime_0_removes_the_entry() {
    let mut b = Bed::default();
    let other = a("2001:db8:1::2");
    b.send(other_ha_ra(
        a("fe80::2"),
        true,
        Some((20, 100)),
        Some((other, 3600)),
    ));
    b.send(other_ha_ra(a("fe80::2"), false, None, None));
    assert_eq!(haad(&mut b, 1).1, vec![ha_addr()]);
    b.send(other_ha_ra(
        a("fe80::2"),
        true,
        Some((20, 100)),
        Some((other, 3600)),
    ));
    b.send(other_ha_ra(a("fe80::2"), true, Some((20, 0)), None));
    assert_eq!(haad(&mut b, 2).1, vec![ha_addr()]);
    // Lifetime 0 for an unknown home agent creates nothing.
    b.send(other_ha_ra(
        a("fe80::3"),
        true,
        Some((20, 0)),
        Some((a("2001:db8:1::3"), 3600)),
    ));
    assert_eq!(haad(&mut b, 3).1, vec![ha_addr()]);
}

#[test]
fn ha_26_updates_preference_and_drops_addresses_with_their_prefix() {
    let mut b = Bed::default();
    let other = a("2001:db8:1::2");
    b.send(other_ha_ra(
        a("fe80::2"),
        true,
        Some((20, 1000)),
        Some((other, 50)),
    ));
    assert_eq!(haad(&mut b, 1).1, vec![other, ha_addr()]);
    b.send(other_ha_ra(a("fe80::2"), true, Some((0, 1000)), None));
    let list = haad(&mut b, 2).1;
    assert_eq!(list.len(), 2);
    b.run_for(50.0);
    assert_eq!(
        haad(&mut b, 3).1,
        vec![ha_addr()],
        "address gone with its prefix"
    );
}

#[test]
fn ha_26_invalid_router_advertisement_is_ignored() {
    let mut b = Bed::default();
    let mut f = other_ha_ra(
        a("fe80::2"),
        true,
        Some((20, 100)),
        Some((a("2001:db8:1::2"), 3600)),
    );
    f[14 + 7] = 64; // hop limit not 255 (checksum does not cover it)
    b.send(f);
    assert_eq!(haad(&mut b, 1).1, vec![ha_addr()]);
    assert!(discarded(&b.events(), "RFC 4861 §6.1.2"));
}

// ---- DHAAD (HA-27) ---------------------------------------------------------------------------

#[test]
fn ha_27_haad_reply_goes_to_the_source_from_the_ha_address() {
    let mut b = Bed::default();
    let (o, list) = haad(&mut b, 0xbeef);
    assert_eq!(o.ip().src, ha_addr());
    assert_eq!(o.ip().dst, coa());
    assert_eq!(o.rh2(), None);
    assert_eq!(o.eth().dst, ROUTER_MAC);
    assert_eq!(list, vec![ha_addr()]);
}

#[test]
fn ha_27_haad_reply_sorted_by_preference() {
    let mut c = config();
    c.preference = 10;
    let mut b = Bed::new(c);
    let (x, y, z) = (a("2001:db8:1::a"), a("2001:db8:1::b"), a("2001:db8:1::c"));
    b.send(other_ha_ra(
        a("fe80::a"),
        true,
        Some((20, 1000)),
        Some((x, 3600)),
    ));
    b.send(other_ha_ra(
        a("fe80::b"),
        true,
        Some((5, 1000)),
        Some((y, 3600)),
    ));
    // 0xffff is the highest preference (RFC 6275 §7.4: unsigned).
    b.send(other_ha_ra(
        a("fe80::c"),
        true,
        Some((0xffff, 1000)),
        Some((z, 3600)),
    ));
    for id in 0..5 {
        assert_eq!(haad(&mut b, id).1, vec![z, x, ha_addr(), y]);
    }
}

#[test]
fn ha_27_equal_preferences_come_in_seeded_random_order() {
    let orders = |seed: u64| {
        let mut c = config();
        c.seed = seed;
        let mut b = Bed::new(c);
        for n in 2..6u16 {
            let addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, n);
            let ll = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, n);
            b.send(other_ha_ra(ll, true, Some((0, 1000)), Some((addr, 3600))));
        }
        (0..8).map(|i| haad(&mut b, i).1).collect::<Vec<_>>()
    };
    let one = orders(1);
    assert_eq!(one, orders(1), "deterministic for a seed");
    let distinct: std::collections::BTreeSet<_> = one.iter().collect();
    assert!(distinct.len() > 1, "randomised between replies: {one:?}");
    assert!(one.iter().all(|l| l.len() == 5));
}

#[test]
fn ha_27_haad_reply_truncated_to_fit_the_minimum_mtu() {
    let mut b = Bed::default();
    for n in 0..100u16 {
        let addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 1, n);
        let ll = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 1, n);
        b.send(other_ha_ra(ll, true, Some((n, 1000)), Some((addr, 3600))));
    }
    let (o, list) = haad(&mut b, 1);
    assert_eq!(list.len(), 77);
    assert!(o.frame.len() - 14 <= 1280);
    assert_eq!(list[0], Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 1, 99));
    assert_eq!(list[76], Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 1, 23));
    assert!(
        !list.contains(&ha_addr()),
        "the lowest preferences are left out"
    );
}

#[test]
fn ha_27_request_to_the_unicast_address_with_reserved_bits_and_r_is_answered_with_r0() {
    let mut b = Bed::default();
    let f = frame(
        ROUTER_MAC,
        HA_MAC,
        vec![
            Layer::Ipv6(Ipv6::new(coa(), ha_addr())),
            Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::HaadRequest {
                ident: 5,
                r: true,
                reserved: 0x1234,
                trailing: vec![],
            })),
        ],
    );
    let out = b.send(f);
    let Icmpv6Msg::HaadReply { ident, r, .. } = &out[0].icmp().unwrap().msg else {
        panic!("{out:#?}");
    };
    assert_eq!((*ident, *r), (5, false));
}

#[test]
fn ha_27_the_anycast_address_is_resolved_with_override_clear() {
    let mut b = Bed::default();
    assert_eq!(b.ha.anycast_addresses(), vec![anycast()]);
    let out = b.send(frame(
        ROUTER_MAC,
        MacAddr::ipv6_multicast(solicited_node(&anycast())),
        ns(
            router_ll(),
            solicited_node(&anycast()),
            anycast(),
            Some(ROUTER_MAC),
        ),
    ));
    let Some(Icmpv6Msg::NeighborAdvertisement { o, r, options, .. }) =
        out.first().and_then(|o| o.icmp()).map(|i| &i.msg)
    else {
        panic!("{out:#?}");
    };
    assert!(!*o, "anycast: Override clear (RFC 4861 §7.2.7)");
    assert!(*r);
    assert_eq!(options, &vec![NdOption::TargetLinkLayer(HA_MAC)]);
}

#[test]
fn ha_27_haad_request_arriving_on_another_interface_is_answered() {
    let mut c = config();
    c.interfaces.push(IfaceConfig {
        name: "ext0".into(),
        mac: EXT_MAC,
        addrs: vec![IfAddr {
            addr: a("2001:db8:ff::1"),
            prefix_len: 64,
        }],
        default_router: None,
    });
    let mut b = Bed::new(c);
    let f = frame(
        EXT_ROUTER_MAC,
        EXT_MAC,
        vec![
            Layer::Ipv6(Ipv6::new(coa(), anycast())),
            Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::HaadRequest {
                ident: 9,
                r: false,
                reserved: 0,
                trailing: vec![],
            })),
        ],
    );
    let out = b.send_on(1, f);
    assert!(
        matches!(
            out.first().and_then(|o| o.icmp()).map(|i| &i.msg),
            Some(Icmpv6Msg::HaadReply { ident: 9, .. })
        ),
        "{out:#?}"
    );
}

// ---- Mobile prefix discovery (HA-28, HA-29) --------------------------------------------------

fn mps(ident: u16) -> Vec<u8> {
    frame(
        ROUTER_MAC,
        HA_MAC,
        vec![
            Layer::Ipv6(Ipv6::new(coa(), ha_addr())),
            Layer::DestOpts(OptionsHeader::home_address(hoa())),
            Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::MobilePrefixSolicitation {
                ident,
                reserved: 0,
                options: vec![],
            })),
        ],
    )
}

fn assert_mpa(o: &Out, ident: Option<u16>) {
    assert_eq!(o.ip().src, ha_addr(), "the address the MN registered with");
    assert_eq!(o.ip().dst, coa());
    assert_eq!(o.rh2(), Some(hoa()));
    let Icmpv6Msg::MobilePrefixAdvertisement {
        ident: id,
        m,
        o: other,
        options,
        ..
    } = &o.icmp().unwrap().msg
    else {
        panic!("not an MPA: {o:#?}");
    };
    if let Some(i) = ident {
        assert_eq!(*id, i);
    }
    assert!(!m && !other);
    assert!(options.iter().any(|p| matches!(p,
        NdOption::PrefixInformation { prefix_len: 64, r: true, prefix, .. } if *prefix == ha_addr())));
}

#[test]
fn ha_28_mobile_prefix_solicitation_gets_an_advertisement_with_rh2() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    let out = b.send(mps(0x4242));
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_mpa(&out[0], Some(0x4242));
}

#[test]
fn ha_28_mobile_prefix_advertisement_carries_current_lifetimes() {
    let mut c = config();
    c.home_links[0].prefixes[0] = prefix(1000, 800);
    let mut b = Bed::new(c);
    b.register(1, 100, false);
    b.run_until(secs(101.0));
    let out = b.send(mps(1));
    let Icmpv6Msg::MobilePrefixAdvertisement { options, .. } = &out[0].icmp().unwrap().msg else {
        panic!();
    };
    assert!(options.iter().any(|p| matches!(
        p,
        NdOption::PrefixInformation {
            valid_lifetime: 899,
            preferred_lifetime: 699,
            ..
        }
    )));
}

#[test]
fn ha_28_solicitation_without_a_home_registration_gets_a_binding_error() {
    let mut b = Bed::default();
    let out = b.send(mps(1));
    assert_eq!(out.len(), 1, "{out:#?}");
    let Some(MhMessage::BindingError {
        status,
        home_address,
        ..
    }) = out[0].mh().map(|m| &m.message)
    else {
        panic!("{out:#?}");
    };
    assert_eq!((*status, *home_address), (1, hoa()));
    assert_eq!(out[0].ip().dst, coa());
}

#[test]
fn ha_28_solicitation_from_the_wrong_care_of_address_gets_a_binding_error() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    b.send(bu_frame(hoa(), coa_b(), home_bu(2, 100, false), vec![]));
    let out = b.send(mps(1));
    assert!(matches!(
        out[0].mh().map(|m| &m.message),
        Some(MhMessage::BindingError { status: 1, .. })
    ));
}

#[test]
fn ha_28_one_advertisement_per_second_at_most() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    assert_eq!(b.send(mps(1)).len(), 1);
    b.now = b.now + Duration::from_millis(500);
    assert!(b.send(mps(2)).is_empty());
    b.now = b.now + Duration::from_millis(500);
    assert_eq!(b.send(mps(3)).len(), 1);
}

#[test]
fn ha_28_solicitation_through_the_reverse_tunnel_is_answered() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    let inner = vec![
        Layer::Ipv6(Ipv6::new(hoa(), ha_addr())),
        Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::MobilePrefixSolicitation {
            ident: 77,
            reserved: 0,
            options: vec![],
        })),
    ];
    let out = b.send(reverse(coa(), inner));
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_mpa(&out[0], Some(77));
}

#[test]
fn ha_28_mobile_prefix_discovery_can_be_disabled() {
    let mut c = config();
    c.mobile_prefix.enabled = false;
    let mut b = Bed::new(c);
    b.register(1, 100, false);
    assert!(b.send(mps(1)).is_empty());
    assert!(discarded(&b.events(), "HA-28"));
}

fn mpa_config() -> HaConfig {
    let mut c = config();
    c.mobile_prefix.unsolicited = true;
    c.mobile_prefix.min_adv_interval = Duration::from_secs(600);
    c.mobile_prefix.max_adv_interval = Duration::from_secs(700);
    c
}

fn mpas(out: &[Out]) -> Vec<(Instant, u16)> {
    out.iter()
        .filter_map(|o| match o.icmp().map(|i| &i.msg) {
            Some(Icmpv6Msg::MobilePrefixAdvertisement { ident, .. }) => {
                assert_mpa(o, None);
                Some((o.at, *ident))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn ha_29_unsolicited_advertisement_is_retransmitted_until_acknowledged() {
    let mut b = Bed::new(mpa_config());
    b.register(1, 0xffff, false);
    let sent = mpas(&b.run_until(secs(800.0)));
    assert_eq!(
        sent.len(),
        4,
        "first send and PREFIX_ADV_RETRIES retransmissions: {sent:?}"
    );
    let t0 = sent[0].0.as_secs_f64();
    assert!(
        (601.0..701.0).contains(&t0),
        "RAND_ADV_DELAY after registration: {t0}"
    );
    let gaps: Vec<f64> = sent
        .windows(2)
        .map(|w| w[1].0.as_secs_f64() - w[0].0.as_secs_f64())
        .collect();
    assert_eq!(gaps, vec![3.0, 6.0, 12.0], "PREFIX_ADV_TIMEOUT doubling");
    assert!(sent.iter().all(|s| s.1 == sent[0].1), "same Identifier");
}

#[test]
fn ha_29_solicitation_acknowledges_the_unsolicited_advertisement() {
    let mut b = Bed::new(mpa_config());
    b.register(1, 0xffff, false);
    let mut sent = Vec::new();
    while sent.is_empty() {
        let next = b.ha.poll_timeout().unwrap();
        sent = mpas(&b.run_until(next));
    }
    let first = sent[0];
    b.run_for(1.0);
    assert_eq!(b.send(mps(1)).len(), 1);
    let t_ack = b.now;
    let later = mpas(&b.run_for(500.0));
    assert!(
        later.is_empty(),
        "no retransmission after the acknowledgement: {later:?}"
    );
    // The next unsolicited advertisement is a new one, RAND_ADV_DELAY after the last.
    let later = mpas(&b.run_for(300.0));
    assert!(!later.is_empty());
    assert!(later[0].0 >= t_ack + Duration::from_secs(600));
    assert_ne!(
        later[0].1, first.1,
        "a new Identifier, not a retransmission"
    );
}

#[test]
fn ha_29_no_unsolicited_advertisement_after_the_binding_ends() {
    let mut b = Bed::new(mpa_config());
    b.register(1, 100, false);
    b.send(bu_frame(hoa(), coa(), home_bu(2, 0, false), vec![]));
    assert!(mpas(&b.run_until(secs(2000.0))).is_empty());
}

// ---- Echo, determinism, time scale -----------------------------------------------------------

#[test]
fn echo_request_to_the_ha_is_answered() {
    let mut b = Bed::default();
    let out = b.send(frame(CN_MAC, HA_MAC, echo(cn_home(), ha_addr(), 3, 20)));
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].ip().src, out[0].ip().dst), (ha_addr(), cn_home()));
    assert!(matches!(
        &out[0].icmp().unwrap().msg,
        Icmpv6Msg::EchoReply { ident: 3, data, .. } if data.len() == 20
    ));
}

#[test]
fn echo_with_a_home_address_option_is_answered_through_the_binding() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    let mut l = echo(coa(), ha_addr(), 4, 8);
    l.insert(1, Layer::DestOpts(OptionsHeader::home_address(hoa())));
    let out = b.send(frame(ROUTER_MAC, HA_MAC, l));
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!(out[0].ip().dst, coa());
    assert_eq!(out[0].rh2(), Some(hoa()));
    assert!(matches!(
        out[0].icmp().unwrap().msg,
        Icmpv6Msg::EchoReply { ident: 4, .. }
    ));
}

#[test]
fn type_2_routing_header_to_the_ha_is_discarded() {
    let mut b = Bed::default();
    let mut l = echo(cn_far(), ha_addr(), 4, 8);
    l.insert(1, Layer::Routing(Routing::type2(ha_addr())));
    assert!(b.send(frame(ROUTER_MAC, HA_MAC, l)).is_empty());
    assert!(discarded(&b.events(), "RFC 6275 §8.2"));
}

/// A scenario exercising every random choice and timer; returns every frame with its time.
fn scenario(seed: u64, scale: f64) -> Vec<(Instant, Vec<u8>)> {
    let mut c = ra_config();
    c.seed = seed;
    c.timers.time_scale = scale;
    c.mobile_prefix.unsolicited = true;
    let mut b = Bed::new(c);
    let mut out = b.run_until(secs(1.0 * scale));
    out.extend(b.send(bu_frame(hoa(), coa(), home_bu(1, 1000, true), vec![])));
    out.extend(b.run_until(secs(3.0 * scale)));
    for n in 2..5u16 {
        let addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, n);
        let ll = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, n);
        b.send(other_ha_ra(
            ll,
            true,
            Some((0, 60_000)),
            Some((addr, u32::MAX)),
        ));
    }
    for i in 0..4 {
        out.extend(b.send(frame(
            ROUTER_MAC,
            HA_MAC,
            vec![
                Layer::Ipv6(Ipv6::new(coa(), anycast())),
                Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::HaadRequest {
                    ident: i,
                    r: false,
                    reserved: 0,
                    trailing: vec![],
                })),
            ],
        )));
    }
    out.extend(b.run_until(secs(5000.0 * scale)));
    out.into_iter().map(|o| (o.at, o.frame)).collect()
}

#[test]
fn same_seed_gives_the_same_frames() {
    let a1 = scenario(11, 1.0);
    assert!(a1.len() > 20);
    assert_eq!(a1, scenario(11, 1.0));
    assert_ne!(
        a1,
        scenario(12, 1.0),
        "the seed drives RA timing and HAAD order"
    );
}

#[test]
fn time_scale_shrinks_every_wait_but_not_the_wire_values() {
    let full = scenario(3, 1.0);
    let scaled = scenario(3, 0.01);
    assert_eq!(full.len(), scaled.len());
    for ((t1, f1), (t2, f2)) in full.iter().zip(&scaled) {
        assert_eq!(f1, f2, "same bytes");
        assert!(
            (t1.as_secs_f64() * 0.01 - t2.as_secs_f64()).abs() < 1e-6,
            "{t1} vs {t2}"
        );
    }
}

#[test]
fn time_scale_applies_to_dad_and_binding_lifetime() {
    let mut c = config();
    c.timers.time_scale = 0.5;
    let mut b = Bed::new(c);
    b.send(bu_frame(hoa(), coa(), home_bu(1, 10, false), vec![]));
    assert!(bas(&b.run_until(secs(0.499))).is_empty());
    let (_, ba) = only_ba(&b.run_until(secs(0.5)));
    assert_eq!(ba.lifetime, 10, "40 s on the wire");
    b.run_until(secs(20.499));
    assert!(b.ha.binding(&hoa()).is_some());
    b.run_until(secs(20.5));
    assert!(
        b.ha.binding(&hoa()).is_none(),
        "40 protocol seconds = 20 s at scale 0.5"
    );
}

#[test]
fn interfaces_are_named() {
    let b = Bed::default();
    assert_eq!(b.ha.interfaces(), vec!["home0".to_string()]);
}

// ---- further edge cases ----------------------------------------------------------------------

#[test]
fn deregistration_from_a_link_local_source_without_hao_is_silently_discarded() {
    let mut b = Bed::default();
    let f = frame(
        MN_MAC,
        HA_MAC,
        vec![
            Layer::Ipv6(Ipv6::new(mn_ll(), ha_addr())),
            Layer::Mobility(Mobility::new(
                MhMessage::BindingUpdate(home_bu(1, 0, false)),
                vec![],
            )),
        ],
    );
    assert!(b.send(f).is_empty(), "the home address would be link-local");
    assert!(discarded(&b.events(), "RFC 6275 §9.5.1"));
}

#[test]
fn h0_binding_update_without_binding_authorization_data_last_is_silently_discarded() {
    let mut b = Bed::default();
    let (bu, _) = cn_bu(1, 10);
    let opts = vec![
        MhOption::BindingAuthorizationData(vec![0; 12]),
        MhOption::NonceIndices {
            home: 1,
            care_of: 2,
        },
    ];
    assert!(b.send(bu_frame(hoa(), coa(), bu, opts)).is_empty());
    let (bu, _) = cn_bu(1, 10);
    let opts = vec![MhOption::NonceIndices {
        home: 1,
        care_of: 2,
    }];
    assert!(b.send(bu_frame(hoa(), coa(), bu, opts)).is_empty());
}

#[test]
fn ha_8_less_than_4_seconds_of_prefix_left_gives_lifetime_0_and_no_binding() {
    let mut c = config();
    c.home_links[0].prefixes[0] = prefix(1002, 1002);
    let mut b = Bed::new(c);
    b.run_until(secs(999.0));
    b.send(bu_frame(hoa(), coa(), home_bu(1, 100, false), vec![]));
    let out = b.run_for(1.0);
    let (_, ba) = only_ba(&out);
    assert_eq!((ba.status, ba.lifetime), (1, 0));
    assert!(!out.iter().any(|o| o.is_na_for(hoa())), "nothing to defend");
    assert!(b.ha.binding(&hoa()).is_none());
}

#[test]
fn ha_19_refresh_with_l0_stops_defending_the_link_local_address() {
    let mut b = Bed::default();
    b.register(1, 100, true);
    b.send(bu_frame(hoa(), coa(), home_bu(2, 100, false), vec![]));
    assert_eq!(b.ha.binding(&hoa()).unwrap().link_local, None);
    let ask = |b: &mut Bed, t: Ipv6Addr| {
        b.send(frame(
            CN_MAC,
            MacAddr::ipv6_multicast(solicited_node(&t)),
            ns(cn_home(), solicited_node(&t), t, Some(CN_MAC)),
        ))
    };
    assert!(ask(&mut b, mn_ll()).is_empty());
    assert_eq!(ask(&mut b, hoa()).len(), 1);
    // And L=1 again: defended again, with a fresh unsolicited NA.
    let out = b.send(bu_frame(hoa(), coa(), home_bu(3, 100, true), vec![]));
    assert!(out.iter().any(|o| o.is_na_for(mn_ll())));
    assert_eq!(ask(&mut b, mn_ll()).len(), 1);
}

#[test]
fn echo_request_to_the_anycast_address_is_answered_from_a_unicast_address() {
    let mut b = Bed::default();
    let out = b.send(frame(ROUTER_MAC, HA_MAC, echo(cn_far(), anycast(), 1, 8)));
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!((out[0].ip().src, out[0].ip().dst), (ha_addr(), cn_far()));
}

#[test]
fn icmpv6_with_a_bad_checksum_is_discarded() {
    let mut b = Bed::default();
    let mut l = echo(cn_home(), ha_addr(), 3, 20);
    if let Layer::Icmpv6(i) = &mut l[1] {
        i.checksum = Some(0x0bad);
    }
    assert!(b.send(frame(CN_MAC, HA_MAC, l)).is_empty());
    assert!(discarded(&b.events(), "RFC 4443 §2.3"));
}

#[test]
fn ha_26_own_router_advertisement_heard_back_is_ignored() {
    let mut b = Bed::default();
    b.send(other_ha_ra(
        ha_ll(),
        true,
        Some((20, 100)),
        Some((a("2001:db8:1::9"), 3600)),
    ));
    assert_eq!(haad(&mut b, 1).1, vec![ha_addr()]);
}

#[test]
fn ha_26_router_solicitation_teaches_the_solicitors_link_layer_address() {
    let mut b = Bed::new(ra_config());
    b.run_until(secs(1.0));
    b.send(rs(a("fe80::100"), Some(MN_MAC)));
    let out = b.send(frame(MN_MAC, HA_MAC, echo(a("fe80::100"), ha_ll(), 1, 8)));
    assert_eq!(out.len(), 1, "{out:#?}");
    assert!(matches!(
        out[0].icmp().unwrap().msg,
        Icmpv6Msg::EchoReply { .. }
    ));
    assert_eq!(out[0].eth().dst, MN_MAC);
}

#[test]
fn ha_26_router_address_with_valid_lifetime_0_is_removed() {
    let mut b = Bed::default();
    let other = a("2001:db8:1::2");
    b.send(other_ha_ra(
        a("fe80::2"),
        true,
        Some((20, 1000)),
        Some((other, 3600)),
    ));
    assert_eq!(haad(&mut b, 1).1, vec![other, ha_addr()]);
    b.send(other_ha_ra(
        a("fe80::2"),
        true,
        Some((20, 1000)),
        Some((other, 0)),
    ));
    assert_eq!(haad(&mut b, 2).1, vec![ha_addr()]);
}

fn two_prefix_config() -> HaConfig {
    let mut c = config();
    c.home_links[0].prefixes.push(PrefixConfig {
        prefix: a("2001:db8:4::"),
        ..prefix(100, 100)
    });
    c.interfaces[0].addrs.push(IfAddr {
        addr: a("2001:db8:4::1"),
        prefix_len: 64,
    });
    c
}

#[test]
fn ha_26_expired_prefix_is_no_longer_advertised() {
    let mut c = two_prefix_config();
    c.router_advertisements.enabled = true;
    let mut b = Bed::new(c);
    let (_, _, opts) = ra_fields(&b.run_until(Instant::ZERO)[0]);
    assert_eq!(
        opts.iter()
            .filter(|o| matches!(o, NdOption::PrefixInformation { .. }))
            .count(),
        2
    );
    let out = b.run_until(secs(2000.0));
    let (_, _, opts) = ra_fields(out.last().unwrap());
    let pios: Vec<_> = opts
        .iter()
        .filter(|o| matches!(o, NdOption::PrefixInformation { .. }))
        .collect();
    assert_eq!(pios.len(), 1, "{pios:?}");
}

#[test]
fn ha_27_request_for_an_expired_home_prefix_is_not_answered() {
    let mut b = Bed::new(two_prefix_config());
    let expired_anycast = a("2001:db8:4:0:fdff:ffff:ffff:fffe");
    let req = |dst: Ipv6Addr| {
        frame(
            ROUTER_MAC,
            HA_MAC,
            vec![
                Layer::Ipv6(Ipv6::new(coa(), dst)),
                Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::HaadRequest {
                    ident: 1,
                    r: false,
                    reserved: 0,
                    trailing: vec![],
                })),
            ],
        )
    };
    let (o, list) = {
        let out = b.send(req(expired_anycast));
        assert_eq!(out.len(), 1);
        let Icmpv6Msg::HaadReply { home_agents, .. } = &out[0].icmp().unwrap().msg else {
            panic!();
        };
        (out[0].clone(), home_agents.clone())
    };
    assert_eq!(
        o.ip().src,
        a("2001:db8:4::1"),
        "from the HA's address on that prefix"
    );
    assert_eq!(list.len(), 2);
    b.run_until(secs(100.0));
    assert!(b.send(req(expired_anycast)).is_empty());
    assert!(discarded(&b.events(), "HA-27"));
    assert_eq!(b.send(req(anycast())).len(), 1);
}

#[test]
fn ha_24_error_about_a_later_fragment_is_not_relayed() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    // Make the HA fragment: learn a 1280 path MTU, then send a 1280-byte original whose data
    // looks like an IPv6 header wherever a fragment boundary falls.
    let big = {
        let out = b.send(frame(
            ROUTER_MAC,
            HA_MAC,
            echo(cn_far(), hoa(), 1, 1400 - 48),
        ));
        tunnelled(&out)[0].frame[14..].to_vec()
    };
    b.send(icmp_error_from(
        a("2001:db8:5::1"),
        Icmpv6Msg::PacketTooBig {
            mtu: 1280,
            invoking: big[..1232].to_vec(),
        },
        0,
    ));
    let mut l = echo(cn_far(), hoa(), 2, 1280 - 48);
    if let Layer::Icmpv6(Icmpv6 {
        msg: Icmpv6Msg::EchoRequest { data, .. },
        ..
    }) = &mut l[1]
    {
        data.iter_mut().for_each(|x| *x = 0x60);
    }
    let out = b.send(frame(ROUTER_MAC, HA_MAC, l));
    assert_eq!(out.len(), 2);
    let second = out[1].frame[14..].to_vec();
    let out = b.send(icmp_error_from(
        a("2001:db8:5::1"),
        Icmpv6Msg::DestinationUnreachable {
            unused: 0,
            invoking: second,
        },
        0,
    ));
    assert!(out.is_empty(), "{out:#?}");
    // The first fragment holds the original header: that one is relayed.
    let first = {
        let mut l = echo(cn_far(), hoa(), 3, 1280 - 48);
        if let Layer::Icmpv6(Icmpv6 {
            msg: Icmpv6Msg::EchoRequest { data, .. },
            ..
        }) = &mut l[1]
        {
            data.iter_mut().for_each(|x| *x = 0x60);
        }
        b.send(frame(ROUTER_MAC, HA_MAC, l))[0].frame[14..].to_vec()
    };
    let out = b.send(icmp_error_from(
        a("2001:db8:5::1"),
        Icmpv6Msg::DestinationUnreachable {
            unused: 0,
            invoking: first[..1232].to_vec(),
        },
        0,
    ));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].ip().dst, cn_far());
}

#[test]
fn ha_24_no_error_about_an_error() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    b.run_for(5.0);
    // A correspondent's ICMP error for the mobile node is tunnelled…
    let err = vec![
        Layer::Ipv6(Ipv6::new(cn_far(), hoa())),
        Layer::Icmpv6(
            Icmpv6::new(Icmpv6Msg::DestinationUnreachable {
                unused: 0,
                invoking: vec![0x60; 48],
            })
            .code(4),
        ),
    ];
    let out = b.send(frame(ROUTER_MAC, HA_MAC, err));
    let tp = tunnelled(&out)[0].frame[14..].to_vec();
    // …and an error about that tunnel packet is not relayed (RFC 4443 §2.4 (e)).
    let out = b.send(icmp_error_from(
        a("2001:db8:5::1"),
        Icmpv6Msg::DestinationUnreachable {
            unused: 0,
            invoking: tp,
        },
        0,
    ));
    assert!(out.is_empty(), "{out:#?}");
}

#[test]
fn ha_22_reverse_tunnelled_link_scope_or_multicast_destinations_are_not_forwarded() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    for dst in [a("fe80::50"), a("ff02::16"), a("ff0e::1")] {
        let out = b.send(reverse(coa(), echo(hoa(), dst, 1, 8)));
        assert!(out.is_empty(), "{dst}: {out:#?}");
    }
    assert!(discarded(&b.events(), "RFC 6275 §10.4.3"));
}

// ---- Reassembly before decapsulation (RFC 2473 §7, RFC 8200 §4.5) ----------------------------

/// The mobile node's tunnel packet for `inner`, cut into fragments of `chunk` bytes.
fn fragmented_reverse(inner: Vec<Layer>, chunk: usize, ident: u32) -> Vec<Vec<u8>> {
    let inner = Packet::new(inner).emit();
    inner
        .chunks(chunk)
        .enumerate()
        .map(|(n, piece)| {
            let off = n * chunk;
            frame(
                ROUTER_MAC,
                HA_MAC,
                vec![
                    Layer::Ipv6(Ipv6::new(coa(), ha_addr())),
                    Layer::Fragment(Fragment {
                        next_header: Some(proto::IPV6),
                        reserved: 0,
                        offset: (off / 8) as u16,
                        res: 0,
                        m: off + piece.len() < inner.len(),
                        ident,
                    }),
                    Layer::Raw(piece.to_vec()),
                ],
            )
        })
        .collect()
}

#[test]
fn ha_22_fragmented_reverse_tunnel_packet_is_reassembled_then_forwarded() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    let inner = echo(hoa(), cn_far(), 8, 600);
    let bytes = Packet::new(inner.clone()).emit();
    let mut frags = fragmented_reverse(inner, 256, 0x55);
    assert_eq!(frags.len(), 3);
    // Out of order.
    frags.swap(0, 2);
    assert!(b.send(frags[0].clone()).is_empty());
    assert!(b.send(frags[1].clone()).is_empty());
    let out = b.send(frags[2].clone());
    assert_eq!(out.len(), 1, "{out:#?}");
    let fwd = &out[0].frame[14..];
    assert_eq!(fwd.len(), bytes.len());
    assert_eq!(fwd[7], bytes[7] - 1);
    assert_eq!(fwd[8..], bytes[8..]);
}

#[test]
fn ha_22_reassembled_packet_from_the_wrong_care_of_address_is_dropped() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    b.send(bu_frame(hoa(), coa_b(), home_bu(2, 100, false), vec![]));
    for f in fragmented_reverse(echo(hoa(), cn_far(), 8, 600), 256, 1) {
        assert!(b.send(f).is_empty());
    }
    assert!(discarded(&b.events(), "HA-22"));
}

#[test]
fn reassembly_time_out_sends_time_exceeded_code_1() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    let frags = fragmented_reverse(echo(hoa(), cn_far(), 8, 600), 256, 2);
    let t0 = b.now;
    b.send(frags[0].clone());
    b.send(frags[2].clone());
    let is_te = |o: &&Out| {
        matches!(
            o.icmp().map(|i| &i.msg),
            Some(Icmpv6Msg::TimeExceeded { .. })
        )
    };
    let early = b.run_until(t0 + Duration::from_secs_f64(59.9));
    assert!(!early.iter().any(|o| is_te(&o)), "{early:#?}");
    let out = b.run_until(t0 + REASSEMBLY_TIMEOUT);
    let te: Vec<_> = out.iter().filter(is_te).collect();
    assert_eq!(te.len(), 1, "{out:#?}");
    let icmp = te[0].icmp().unwrap();
    assert_eq!(icmp.code, 1);
    let Icmpv6Msg::TimeExceeded { invoking, .. } = &icmp.msg else {
        panic!("{icmp:?}");
    };
    assert_eq!(invoking, &frags[0][14..].to_vec(), "the first fragment");
    assert_eq!(te[0].ip().dst, coa());
    // The missing fragment after the time-out starts a new, incomplete reassembly.
    assert!(b.send(frags[1].clone()).is_empty());
}

#[test]
fn reassembly_without_the_first_fragment_times_out_silently() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    let frags = fragmented_reverse(echo(hoa(), cn_far(), 8, 600), 256, 3);
    b.send(frags[1].clone());
    let out = b.run_for(61.0);
    assert!(
        !out.iter().any(|o| matches!(
            o.icmp().map(|i| &i.msg),
            Some(Icmpv6Msg::TimeExceeded { .. })
        )),
        "{out:#?}"
    );
    assert!(discarded(&b.events(), "RFC 8200 §4.5"));
}

#[test]
fn overlapping_fragments_drop_the_packet() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    let frags = fragmented_reverse(echo(hoa(), cn_far(), 8, 600), 256, 4);
    let overlap = fragmented_reverse(echo(hoa(), cn_far(), 8, 600), 128, 4);
    b.send(frags[0].clone());
    b.send(overlap[1].clone()); // bytes 128..256, inside the first fragment
    b.send(frags[1].clone());
    assert!(
        b.send(frags[2].clone()).is_empty(),
        "reassembly was abandoned"
    );
}

#[test]
fn fragment_not_a_multiple_of_8_gets_parameter_problem() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    let f = fragmented_reverse(echo(hoa(), cn_far(), 8, 600), 250, 5);
    let out = b.send(f[0].clone());
    let icmp = out[0].icmp().expect("Parameter Problem");
    assert!(matches!(
        icmp.msg,
        Icmpv6Msg::ParameterProblem { pointer: 4, .. }
    ));
}

#[test]
fn duplicate_fragment_drops_the_packet() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    let frags = fragmented_reverse(echo(hoa(), cn_far(), 8, 600), 256, 6);
    b.send(frags[0].clone());
    b.send(frags[0].clone());
    b.send(frags[1].clone());
    assert!(b.send(frags[2].clone()).is_empty(), "overlap (RFC 5722)");
}

#[test]
fn fragments_of_different_packets_are_kept_apart() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    let one = fragmented_reverse(echo(hoa(), cn_far(), 1, 600), 256, 10);
    let two = fragmented_reverse(echo(hoa(), cn_far(), 2, 600), 256, 11);
    let mut got = Vec::new();
    for (x, y) in one.iter().zip(&two) {
        got.extend(b.send(x.clone()));
        got.extend(b.send(y.clone()));
    }
    let idents: Vec<u16> = got
        .iter()
        .filter_map(|o| match o.icmp().map(|i| &i.msg) {
            Some(Icmpv6Msg::EchoRequest { ident, .. }) => Some(*ident),
            _ => None,
        })
        .collect();
    assert_eq!(idents, vec![1, 2]);
}

#[test]
fn a_gap_is_not_filled_by_a_fragment_beyond_the_end() {
    let mut b = Bed::default();
    b.register(1, 100, false);
    let piece = |offset: u16, m: bool, len: usize| {
        frame(
            ROUTER_MAC,
            HA_MAC,
            vec![
                Layer::Ipv6(Ipv6::new(coa(), ha_addr())),
                Layer::Fragment(Fragment {
                    next_header: Some(proto::IPV6),
                    reserved: 0,
                    offset,
                    res: 0,
                    m,
                    ident: 12,
                }),
                Layer::Raw(vec![0x60; len]),
            ],
        )
    };
    // 0..256 and 344..600 (the last) leave 256..344 open; 1000..1088 has the same length.
    b.send(piece(0, true, 256));
    b.send(piece(125, true, 88));
    assert!(b.send(piece(43, false, 256)).is_empty());
    assert_eq!(b.ha.reassemblies.len(), 1, "still waiting");
    assert!(!discarded(&b.events(), "RFC 2473 §3.3"));
}
