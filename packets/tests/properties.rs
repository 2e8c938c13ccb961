//! Property tests: emitted packets decode to what was built, and no input makes the decoder panic.

use mip6_packets::ipv6::{Ip6Option, Ipv6, OptionsHeader, Routing};
use mip6_packets::mh::{BindingAck, BindingUpdate, MhMessage, MhOption, Mobility};
use mip6_packets::{decode, Layer, LinkType, Packet};
use proptest::prelude::*;
use std::net::{Ipv4Addr, Ipv6Addr};

fn addr() -> impl Strategy<Value = Ipv6Addr> {
    // Unicast routable addresses (the decoder flags others in a HAO or RH2).
    (any::<[u16; 7]>(), 1u16..)
        .prop_map(|(s, last)| Ipv6Addr::new(0x2001, s[0], s[1], s[2], s[3], s[4], s[5], last))
}

fn v4() -> impl Strategy<Value = Ipv4Addr> {
    any::<u32>().prop_map(Ipv4Addr::from)
}

fn bu() -> impl Strategy<Value = BindingUpdate> {
    (any::<u16>(), any::<[bool; 12]>(), any::<u16>()).prop_map(|(seq, f, lifetime)| BindingUpdate {
        seq,
        a: f[0],
        h: f[1],
        l: f[2],
        k: f[3],
        m: f[4],
        r: f[5],
        p: f[6],
        f: f[7],
        t: f[8],
        b: f[9],
        s: f[10],
        d: f[11],
        reserved: 0,
        lifetime,
    })
}

fn ba() -> impl Strategy<Value = BindingAck> {
    (any::<u8>(), any::<[bool; 7]>(), any::<u16>(), any::<u16>()).prop_map(
        |(status, f, seq, lifetime)| BindingAck {
            status,
            k: f[0],
            r: f[1],
            p: f[2],
            t: f[3],
            b: f[4],
            s: f[5],
            d: f[6],
            reserved: 0,
            seq,
            lifetime,
        },
    )
}

fn message() -> impl Strategy<Value = MhMessage> {
    prop_oneof![
        Just(MhMessage::BindingRefreshRequest { reserved: 0 }),
        any::<[u8; 8]>().prop_map(|cookie| MhMessage::HomeTestInit {
            reserved: 0,
            cookie
        }),
        any::<[u8; 8]>().prop_map(|cookie| MhMessage::CareOfTestInit {
            reserved: 0,
            cookie
        }),
        (any::<u16>(), any::<[u8; 8]>(), any::<[u8; 8]>()).prop_map(
            |(nonce_index, cookie, token)| MhMessage::HomeTest {
                nonce_index,
                cookie,
                token
            }
        ),
        (any::<u16>(), any::<[u8; 8]>(), any::<[u8; 8]>()).prop_map(
            |(nonce_index, cookie, token)| MhMessage::CareOfTest {
                nonce_index,
                cookie,
                token
            }
        ),
        bu().prop_map(MhMessage::BindingUpdate),
        ba().prop_map(MhMessage::BindingAck),
        (1u8..=2, addr()).prop_map(|(status, home_address)| MhMessage::BindingError {
            status,
            reserved: 0,
            home_address
        }),
        // Unknown types: any body that keeps the header a multiple of 8 bytes.
        (8u8.., 0usize..4).prop_flat_map(|(t, n)| {
            proptest::collection::vec(any::<u8>(), 2 + 8 * n)
                .prop_map(move |data| MhMessage::Unknown { mh_type: t, data })
        }),
    ]
}

/// Options valid in `msg` (so the decoder raises no placement violation).
fn options_for(t: u8) -> BoxedStrategy<Vec<MhOption>> {
    let any_msg = prop_oneof![
        (any::<u8>(), proptest::collection::vec(any::<u8>(), 0..20)).prop_map(|(s, id)| {
            MhOption::MobileNodeIdentifier {
                subtype: s,
                identifier: id,
            }
        }),
        (33u8.., proptest::collection::vec(any::<u8>(), 0..12))
            .prop_map(|(typ, data)| MhOption::Other { typ, data }),
    ];
    let strat: BoxedStrategy<MhOption> = match t {
        5 => prop_oneof![
            any_msg,
            addr().prop_map(MhOption::AlternateCareOfAddress),
            (any::<u16>(), any::<u16>())
                .prop_map(|(home, care_of)| MhOption::NonceIndices { home, care_of }),
            (0u8..=128, addr()).prop_map(|(prefix_len, prefix)| MhOption::MobileNetworkPrefix {
                reserved: 0,
                prefix_len,
                prefix
            }),
            (0u8..64, any::<bool>(), v4()).prop_map(|(prefix_len, p, address)| {
                MhOption::Ipv4HomeAddress {
                    prefix_len,
                    p,
                    reserved: 0,
                    address,
                }
            }),
            v4().prop_map(|address| MhOption::Ipv4CareOfAddress {
                reserved: 0,
                address
            }),
        ]
        .boxed(),
        6 => prop_oneof![
            any_msg,
            any::<u16>().prop_map(|interval| MhOption::BindingRefreshAdvice { interval }),
            (any::<u8>(), 0u8..64, v4()).prop_map(|(status, prefix_len, address)| {
                MhOption::Ipv4AddressAck {
                    status,
                    prefix_len,
                    reserved: 0,
                    address,
                }
            }),
            (any::<bool>(), any::<u32>()).prop_map(|(f, refresh_time)| MhOption::NatDetection {
                f,
                reserved: 0,
                refresh_time
            }),
        ]
        .boxed(),
        _ => any_msg.boxed(),
    };
    let with_bad = t == 5 || t == 6;
    (proptest::collection::vec(strat, 0..5), any::<bool>())
        .prop_map(move |(mut v, bad)| {
            if with_bad && bad {
                v.push(MhOption::BindingAuthorizationData(vec![0x5a; 12]));
            }
            v
        })
        .boxed()
}

fn mobility() -> impl Strategy<Value = Mobility> {
    message().prop_flat_map(|m| {
        let t = m.mh_type();
        let opts = if t <= 7 {
            options_for(t)
        } else {
            Just(vec![]).boxed()
        };
        opts.prop_map(move |o| Mobility::new(m.clone(), o))
    })
}

/// Clears the fields the decoder fills with what it read, so a decoded packet can be compared
/// with the one that was built (whose computed fields were left to the emitter).
fn clear_computed(p: &mut Packet) {
    for l in &mut p.layers {
        match l {
            Layer::Ipv6(h) => {
                h.version = None;
                h.payload_len = None;
                h.next_header = None;
            }
            Layer::DestOpts(o) | Layer::HopByHop(o) => {
                o.next_header = None;
                o.hdr_ext_len = None;
            }
            Layer::Routing(r) => {
                r.next_header = None;
                r.hdr_ext_len = None;
            }
            Layer::Mobility(m) => {
                m.header_len = None;
                m.checksum = None;
            }
            _ => {}
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn parse_emit_round_trip(src in addr(), dst in addr(), hao in proptest::option::of(addr()),
                             rh2 in proptest::option::of(addr()), mh in mobility()) {
        let mut layers = vec![Layer::Ipv6(Ipv6::new(src, dst))];
        if let Some(h) = rh2 {
            layers.push(Layer::Routing(Routing::type2(h)));
        }
        if let Some(h) = hao {
            layers.push(Layer::DestOpts(OptionsHeader::home_address(h)));
        }
        layers.push(Layer::Mobility(mh));
        let built = Packet::new(layers);
        let bytes = built.emit();
        let d = decode(&bytes, LinkType::Ipv6);
        prop_assert!(d.violations.is_empty(), "{:?}", d.violations);
        prop_assert_eq!(d.packet.emit(), bytes.clone());
        let mut parsed = d.packet.clone();
        clear_computed(&mut parsed);
        prop_assert_eq!(parsed, built);
    }

    #[test]
    fn destination_options_round_trip(mut opts in proptest::collection::vec(
        (2u8..200, proptest::collection::vec(any::<u8>(), 0..10))
            .prop_map(|(typ, data)| Ip6Option::Other { typ, data }), 0..4),
        hao in proptest::option::of((addr(), any::<prop::sample::Index>()))) {
        if let Some((h, at)) = hao {
            let i = at.index(opts.len() + 1);
            opts.insert(i, Ip6Option::HomeAddress(h));
        }
        let built = Packet::new(vec![
            Layer::Ipv6(Ipv6::new("2001:db8::1".parse().unwrap(), "2001:db8::2".parse().unwrap())),
            Layer::DestOpts(OptionsHeader::new(mip6_packets::ipv6::align_options(opts))),
        ]);
        let bytes = built.emit();
        let d = decode(&bytes, LinkType::Ipv6);
        prop_assert!(d.violations.is_empty(), "{:?}", d.violations);
        let mut parsed = d.packet.clone();
        clear_computed(&mut parsed);
        prop_assert_eq!(parsed, built);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        for link in [LinkType::Ethernet, LinkType::RawIp, LinkType::Ipv6, LinkType::Ipv4] {
            let d = decode(&bytes, link);
            // Layers and offsets stay parallel, and the view can always be built.
            prop_assert_eq!(d.packet.layers.len(), d.offsets.len());
            let _ = d.view(bytes.len());
        }
    }

    /// Random bytes behind a valid IPv6 header reach every upper-layer decoder.
    #[test]
    fn arbitrary_upper_layers_never_panic(nh in prop_oneof![Just(0u8), Just(4), Just(17), Just(41),
            Just(43), Just(44), Just(50), Just(58), Just(60), Just(135), any::<u8>()],
            body in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut f = vec![0x60, 0, 0, 0];
        f.extend_from_slice(&(body.len() as u16).to_be_bytes());
        f.extend_from_slice(&[nh, 64]);
        f.extend_from_slice(&[0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        f.extend_from_slice(&[0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
        f.extend_from_slice(&body);
        let d = decode(&f, LinkType::Ipv6);
        prop_assert_eq!(d.packet.layers.len(), d.offsets.len());
        let _ = d.view(f.len());
    }

    /// Random mutations of a valid BU never make the decoder panic.
    #[test]
    fn mutated_bu_never_panics(mh in mobility(), flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6)) {
        let mut bytes = Packet::new(vec![
            Layer::Ipv6(Ipv6::new("2001:db8::1".parse().unwrap(), "2001:db8::2".parse().unwrap())),
            Layer::DestOpts(OptionsHeader::home_address("2001:db8::3".parse().unwrap())),
            Layer::Mobility(mh),
        ]).emit();
        for (i, v) in flips {
            let n = bytes.len();
            bytes[i % n] = v;
        }
        let d = decode(&bytes, LinkType::Ipv6);
        prop_assert_eq!(d.packet.layers.len(), d.offsets.len());
        let _ = d.view(bytes.len());
    }
}
