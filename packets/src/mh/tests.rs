//! Mobility Header tests: golden bytes built by hand from RFC 6275 §6.1 and the test vector of
//! ../shared/spec/constants.md §4.1, in the deconstruct / construct / parse / emit /
//! impossible-length style, plus every violation the decoder reports.

use super::*;
use crate::checksum;
use crate::ipv6::{Ipv6, OptionsHeader, Routing};
use crate::packet::{decode, LinkType, Packet};
use crate::util::from_hex;

fn a(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

const HOA: &str = "2001:db8:1::100";
const COA: &str = "2001:db8:2::100";
const CN: &str = "2001:db8:3::1";

/// Independent checksum: pseudo-header built byte by byte (RFC 8200 §8.1) + the MH.
fn reference_checksum(src: &str, dst: &str, mh: &[u8]) -> u16 {
    let mut buf = Vec::new();
    buf.extend_from_slice(&a(src).octets());
    buf.extend_from_slice(&a(dst).octets());
    buf.extend_from_slice(&(mh.len() as u32).to_be_bytes());
    buf.extend_from_slice(&[0, 0, 0, 135]);
    let mut m = mh.to_vec();
    m[4] = 0;
    m[5] = 0;
    buf.extend_from_slice(&m);
    checksum::internet(&buf)
}

/// The BU of the constants.md test vector, authenticated, with its checksum computed with the
/// home address (from the Home Address option) as source and the CN as destination.
fn golden_bu_mh() -> Vec<u8> {
    let mut mh =
        from_hex("3b03 0500 0000 0001 8000 0064 0404 0005 0006 050c 20ef 3980 921a 17f8 ccb2 3b0c")
            .unwrap();
    let c = reference_checksum(HOA, CN, &mh);
    mh[4..6].copy_from_slice(&c.to_be_bytes());
    mh
}

/// IPv6 (CoA -> CN) + Destination Options (PadN 2, HAO) + the golden BU.
fn golden_bu_frame() -> Vec<u8> {
    let mh = golden_bu_mh();
    let mut f = from_hex("6000 0000").unwrap();
    f.extend_from_slice(&((24 + mh.len()) as u16).to_be_bytes());
    f.extend_from_slice(&[60, 64]);
    f.extend_from_slice(&a(COA).octets());
    f.extend_from_slice(&a(CN).octets());
    f.extend_from_slice(&[135, 2, 1, 2, 0, 0, 0xc9, 16]);
    f.extend_from_slice(&a(HOA).octets());
    f.extend_from_slice(&mh);
    f
}

fn golden_bu() -> Mobility {
    Mobility::new(
        MhMessage::BindingUpdate(BindingUpdate {
            seq: 1,
            a: true,
            lifetime: 100,
            ..Default::default()
        }),
        vec![
            MhOption::NonceIndices {
                home: 5,
                care_of: 6,
            },
            MhOption::BindingAuthorizationData(from_hex("20ef3980921a17f8ccb23b0c").unwrap()),
        ],
    )
}

fn bu_packet(mh: Mobility) -> Packet {
    Packet::new(vec![
        Layer::Ipv6(Ipv6::new(a(COA), a(CN))),
        Layer::DestOpts(OptionsHeader::home_address(a(HOA))),
        Layer::Mobility(mh),
    ])
}

fn mh_of(d: &crate::packet::Decoded) -> &Mobility {
    d.find(|l| match l {
        Layer::Mobility(m) => Some(m),
        _ => None,
    })
    .expect("a Mobility Header layer")
}

fn rules(d: &crate::packet::Decoded) -> Vec<&'static str> {
    d.violations.iter().map(|v| v.rule).collect()
}

#[test]
fn construct_bu_with_home_address_option() {
    assert_eq!(bu_packet(golden_bu()).emit(), golden_bu_frame());
}

#[test]
fn deconstruct_bu() {
    let d = decode(&golden_bu_frame(), LinkType::Ipv6);
    assert!(d.violations.is_empty(), "{:?}", d.violations);
    assert_eq!(d.offsets, vec![0, 40, 64]);
    let m = mh_of(&d);
    assert_eq!(m.header_len, Some(3));
    assert_eq!(m.payload_proto, 59);
    let MhMessage::BindingUpdate(bu) = &m.message else {
        panic!("not a BU: {:?}", m.message)
    };
    assert_eq!(
        (bu.seq, bu.a, bu.h, bu.l, bu.k, bu.lifetime),
        (1, true, false, false, false, 100)
    );
    assert_eq!(m.options, golden_bu().options);
}

#[test]
fn emit_of_decoded_is_identical() {
    let frame = golden_bu_frame();
    assert_eq!(decode(&frame, LinkType::Ipv6).packet.emit(), frame);
}

#[test]
fn checksum_uses_home_address_as_source() {
    // Same BU without the HAO: the checksum must now be over the CoA, so the golden one is wrong.
    let mut frame = golden_bu_frame();
    frame.drain(40..64);
    frame[6] = 135;
    frame[5] -= 24;
    let d = decode(&frame, LinkType::Ipv6);
    assert_eq!(rules(&d), vec!["mh-checksum"]);
    assert_eq!(d.violations[0].offset, 44);
    assert_eq!(d.violations[0].layer, "mh");
    assert_eq!(d.violations[0].rfc, "RFC 6275 §6.1.1");
}

/// BA from the HA (2001:db8:1::1) to the CoA with a type 2 routing header for the HoA.
fn golden_ba_frame() -> Vec<u8> {
    let mut mh = from_hex("3b01 0600 0000 0080 0064 000f 0102 0000").unwrap();
    // status 0, K set, seq 100, lifetime 15, PadN(2) to the 8-byte boundary.
    let c = reference_checksum("2001:db8:1::1", HOA, &mh);
    mh[4..6].copy_from_slice(&c.to_be_bytes());
    let mut f = from_hex("6000 0000").unwrap();
    f.extend_from_slice(&((24 + mh.len()) as u16).to_be_bytes());
    f.extend_from_slice(&[43, 64]);
    f.extend_from_slice(&a("2001:db8:1::1").octets());
    f.extend_from_slice(&a(COA).octets());
    f.extend_from_slice(&[135, 2, 2, 1, 0, 0, 0, 0]);
    f.extend_from_slice(&a(HOA).octets());
    f.extend_from_slice(&mh);
    f
}

#[test]
fn ba_with_type2_routing_header_round_trips() {
    let p = Packet::new(vec![
        Layer::Ipv6(Ipv6::new(a("2001:db8:1::1"), a(COA))),
        Layer::Routing(Routing::type2(a(HOA))),
        Layer::Mobility(Mobility::new(
            MhMessage::BindingAck(BindingAck {
                status: 0,
                k: true,
                seq: 100,
                lifetime: 15,
                ..Default::default()
            }),
            vec![],
        )),
    ]);
    let golden = golden_ba_frame();
    assert_eq!(p.emit(), golden);
    let d = decode(&golden, LinkType::Ipv6);
    assert!(d.violations.is_empty(), "{:?}", d.violations);
    let MhMessage::BindingAck(ba) = &mh_of(&d).message else {
        panic!("not a BA")
    };
    assert_eq!(
        (ba.status, ba.k, ba.r, ba.seq, ba.lifetime),
        (0, true, false, 100, 15)
    );
    assert_eq!(d.packet.emit(), golden);
}

/// One instance of every message type with every option it can carry, emitted and decoded.
fn every_message() -> Vec<Mobility> {
    let cookie = [1, 2, 3, 4, 5, 6, 7, 8];
    let token = [9, 10, 11, 12, 13, 14, 15, 16];
    vec![
        Mobility::new(MhMessage::BindingRefreshRequest { reserved: 0 }, vec![]),
        Mobility::new(
            MhMessage::HomeTestInit {
                reserved: 0,
                cookie,
            },
            vec![],
        ),
        Mobility::new(
            MhMessage::CareOfTestInit {
                reserved: 0,
                cookie,
            },
            vec![],
        ),
        Mobility::new(
            MhMessage::HomeTest {
                nonce_index: 7,
                cookie,
                token,
            },
            vec![],
        ),
        Mobility::new(
            MhMessage::CareOfTest {
                nonce_index: 8,
                cookie,
                token,
            },
            vec![],
        ),
        Mobility::new(
            MhMessage::BindingUpdate(BindingUpdate {
                seq: 65535,
                a: true,
                h: true,
                l: true,
                k: true,
                m: true,
                r: true,
                p: true,
                f: true,
                t: true,
                b: true,
                s: true,
                d: true,
                reserved: 0,
                lifetime: 65535,
            }),
            vec![
                MhOption::AlternateCareOfAddress(a(COA)),
                MhOption::MobileNetworkPrefix {
                    reserved: 0,
                    prefix_len: 64,
                    prefix: a("2001:db8:100::"),
                },
                MhOption::MobileNodeIdentifier {
                    subtype: 1,
                    identifier: b"mn1@example.net".to_vec(),
                },
                MhOption::Ipv4HomeAddress {
                    prefix_len: 24,
                    p: true,
                    reserved: 0,
                    address: "192.0.2.10".parse().unwrap(),
                },
                MhOption::Ipv4CareOfAddress {
                    reserved: 0,
                    address: "198.51.100.7".parse().unwrap(),
                },
                MhOption::NonceIndices {
                    home: 1,
                    care_of: 2,
                },
                MhOption::BindingAuthorizationData(vec![0xaa; 12]),
            ],
        ),
        Mobility::new(
            MhMessage::BindingAck(BindingAck {
                status: 135,
                k: true,
                r: true,
                p: true,
                t: true,
                b: true,
                s: true,
                d: true,
                reserved: 0,
                seq: 4,
                lifetime: 0,
            }),
            vec![
                MhOption::BindingRefreshAdvice { interval: 10 },
                MhOption::Ipv4AddressAck {
                    status: 130,
                    prefix_len: 24,
                    reserved: 0,
                    address: "192.0.2.10".parse().unwrap(),
                },
                MhOption::NatDetection {
                    f: true,
                    reserved: 0,
                    refresh_time: 110,
                },
                MhOption::BindingAuthorizationData(vec![0xbb; 12]),
            ],
        ),
        Mobility::new(
            MhMessage::BindingError {
                status: 2,
                reserved: 0,
                home_address: a(HOA),
            },
            vec![],
        ),
        // An unknown type's body is opaque: options cannot be told from data.
        Mobility::new(
            MhMessage::Unknown {
                mh_type: 255,
                data: vec![1, 2, 200, 3, 3, 4, 5, 0, 0, 0],
            },
            vec![],
        ),
    ]
}

#[test]
fn every_message_and_option_round_trips_without_violations() {
    for m in every_message() {
        let p = Packet::new(vec![
            Layer::Ipv6(Ipv6::new(a(CN), a(HOA))),
            Layer::Mobility(m.clone()),
        ]);
        let bytes = p.emit();
        assert_eq!(bytes.len() % 8, 0, "{}", m.message.name());
        let d = decode(&bytes, LinkType::Ipv6);
        assert!(
            d.violations.is_empty(),
            "{}: {:?}",
            m.message.name(),
            d.violations
        );
        let got = mh_of(&d);
        assert_eq!(got.message, m.message);
        assert_eq!(got.options, m.options, "{}", m.message.name());
        assert_eq!(got.wire_type(), m.wire_type());
        assert_eq!(d.packet.emit(), bytes);
    }
}

#[test]
fn flag_bits_sit_where_the_rfcs_put_them() {
    let bu = |f: fn(&mut BindingUpdate)| {
        let mut b = BindingUpdate::default();
        f(&mut b);
        b.flags_word()
    };
    assert_eq!(bu(|b| b.a = true), 0x8000);
    assert_eq!(bu(|b| b.h = true), 0x4000);
    assert_eq!(bu(|b| b.l = true), 0x2000);
    assert_eq!(bu(|b| b.k = true), 0x1000);
    assert_eq!(bu(|b| b.r = true), 0x0400);
    assert_eq!(bu(|b| b.f = true), 0x0100);
    let ba = BindingAck {
        r: true,
        ..Default::default()
    };
    assert_eq!(ba.flags_byte(), 0x40);
}

#[test]
fn dsmip_option_bits() {
    let m = Mobility::new(
        MhMessage::BindingUpdate(BindingUpdate::default()),
        vec![MhOption::Ipv4HomeAddress {
            prefix_len: 24,
            p: true,
            reserved: 0,
            address: "192.0.2.1".parse().unwrap(),
        }],
    );
    let b = m.to_bytes(None);
    // Option at 12 (4n): type 29, len 6, prefix_len<<10 | P<<9 = 0x6200, address.
    assert_eq!(&b[12..20], &[29, 6, 0x62, 0x00, 192, 0, 2, 1]);
}

// ---- violations -------------------------------------------------------------------------

fn decode_bu_with(patch: impl FnOnce(&mut Vec<u8>)) -> crate::packet::Decoded {
    let mut f = golden_bu_frame();
    patch(&mut f);
    decode(&f, LinkType::Ipv6)
}

#[test]
fn bad_checksum_is_reported_at_its_offset() {
    let d = decode_bu_with(|f| f[68] ^= 0xff);
    assert_eq!(rules(&d), vec!["mh-checksum"]);
    assert_eq!(d.violations[0].offset, 68);
}

#[test]
fn header_len_below_minimum() {
    // BU with Header Len 0 (minimum 1) in an 8-byte header: checksum recomputed so only the
    // length rule fires; the body no longer fits, so the message is kept as raw bytes.
    let mut m = Mobility::new(MhMessage::BindingUpdate(BindingUpdate::default()), vec![]);
    m.header_len = Some(0);
    let p = Packet::new(vec![
        Layer::Ipv6(Ipv6::new(a(COA), a(CN))),
        Layer::Mobility(m),
    ]);
    let bytes = p.emit();
    let d = decode(&bytes, LinkType::Ipv6);
    // The checksum covers the declared 8 bytes; the 4 bytes after them trail the header.
    assert_eq!(rules(&d), vec!["mh-header-len-short", "trailing-bytes"]);
    let v = d
        .violations
        .iter()
        .find(|v| v.rule == "mh-header-len-short")
        .unwrap();
    assert_eq!((v.offset, v.rfc), (41, "RFC 6275 §9.2"));
    assert!(matches!(
        mh_of(&d).message,
        MhMessage::Unknown { mh_type: 5, .. }
    ));
}

#[test]
fn header_len_beyond_the_packet() {
    let d = decode_bu_with(|f| f[65] = 9);
    assert!(
        rules(&d).contains(&"mh-header-len-beyond"),
        "{:?}",
        d.violations
    );
}

#[test]
fn payload_proto_not_59() {
    let mut m = golden_bu();
    m.payload_proto = 6;
    let d = decode(&bu_packet(m).emit(), LinkType::Ipv6);
    assert_eq!(rules(&d), vec!["mh-payload-proto"]);
    assert_eq!(d.violations[0].offset, 64);
}

#[test]
fn reserved_bits_set() {
    let mut m = golden_bu();
    m.reserved = 1;
    if let MhMessage::BindingUpdate(b) = &mut m.message {
        b.reserved = 0x3;
    }
    let d = decode(&bu_packet(m).emit(), LinkType::Ipv6);
    assert_eq!(rules(&d), vec!["reserved-nonzero", "reserved-nonzero"]);
    assert_eq!(d.violations[0].offset, 67);
    assert_eq!(d.violations[1].offset, 72);
}

#[test]
fn option_overrunning_the_message() {
    let mut m = Mobility::new(MhMessage::BindingUpdate(BindingUpdate::default()), vec![]);
    m.options = vec![
        MhOption::PadN(0),
        MhOption::Other {
            typ: 3,
            data: vec![0; 16],
        },
    ];
    m.header_len = Some(1); // 16 bytes: the Alternate CoA option at 14 overruns it
    let p = Packet::new(vec![
        Layer::Ipv6(Ipv6::new(a(COA), a(CN))),
        Layer::Mobility(m),
    ]);
    let d = decode(&p.emit(), LinkType::Ipv6);
    assert!(rules(&d).contains(&"option-overrun"), "{:?}", d.violations);
    let v = d
        .violations
        .iter()
        .find(|v| v.rule == "option-overrun")
        .unwrap();
    assert_eq!(v.offset, 40 + 14);
}

#[test]
fn option_misaligned() {
    let m = Mobility {
        options: vec![
            MhOption::Pad1,
            MhOption::NonceIndices {
                home: 5,
                care_of: 6,
            },
            MhOption::PadN(3),
        ],
        ..golden_bu()
    };
    let d = decode(&bu_packet(m).emit(), LinkType::Ipv6);
    assert_eq!(rules(&d), vec!["option-misaligned"]);
    assert_eq!(d.violations[0].offset, 64 + 13);
    assert_eq!(d.violations[0].rfc, "RFC 6275 §6.2.6");
}

#[test]
fn binding_authorization_data_not_last() {
    let m = Mobility {
        options: vec![
            MhOption::PadN(4),
            MhOption::BindingAuthorizationData(vec![0; 12]),
            MhOption::NonceIndices {
                home: 5,
                care_of: 6,
            },
        ],
        ..golden_bu()
    };
    let d = decode(&bu_packet(m).emit(), LinkType::Ipv6);
    assert!(rules(&d).contains(&"bad-not-last"), "{:?}", d.violations);
}

#[test]
fn known_option_with_wrong_length_is_kept_raw() {
    let m = Mobility {
        options: vec![
            MhOption::Other {
                typ: 4,
                data: vec![0, 5],
            },
            MhOption::PadN(6),
        ],
        ..golden_bu()
    };
    let bytes = bu_packet(m.clone()).emit();
    let d = decode(&bytes, LinkType::Ipv6);
    assert_eq!(rules(&d), vec!["option-length"]);
    assert_eq!(mh_of(&d).options, m.options);
    assert_eq!(d.packet.emit(), bytes);
}

#[test]
fn option_not_allowed_in_message() {
    let m = Mobility::new(
        MhMessage::BindingUpdate(BindingUpdate::default()),
        vec![MhOption::BindingRefreshAdvice { interval: 1 }],
    );
    let p = Packet::new(vec![
        Layer::Ipv6(Ipv6::new(a(COA), a(CN))),
        Layer::Mobility(m),
    ]);
    let d = decode(&p.emit(), LinkType::Ipv6);
    assert_eq!(rules(&d), vec!["option-not-allowed"]);
}

#[test]
fn unknown_type_and_option_survive() {
    // Type 200 with what would be an unknown option (77) in its body: kept as opaque data.
    let m = Mobility::new(
        MhMessage::Unknown {
            mh_type: 200,
            data: vec![0xde, 0xad, 77, 3, 1, 2, 3, 1, 1, 0],
        },
        vec![],
    );
    let p = Packet::new(vec![
        Layer::Ipv6(Ipv6::new(a(COA), a(CN))),
        Layer::Mobility(m.clone()),
    ]);
    let bytes = p.emit();
    let d = decode(&bytes, LinkType::Ipv6);
    assert!(d.violations.is_empty());
    assert_eq!(
        mh_of(&d),
        &Mobility {
            header_len: Some(1),
            checksum: mh_of(&d).checksum,
            ..m
        }
    );
    assert_eq!(d.packet.emit(), bytes);
}

#[test]
fn overrides_are_sent_as_given() {
    let mut m = golden_bu();
    m.checksum = Some(0xdead);
    m.mh_type = Some(99);
    let bytes = bu_packet(m).emit();
    assert_eq!(&bytes[64 + 4..64 + 6], &[0xde, 0xad]);
    assert_eq!(bytes[64 + 2], 99);
}

#[test]
fn impossible_lengths_never_panic_and_are_reported() {
    let frame = golden_bu_frame();
    for cut in 0..frame.len() {
        let d = decode(&frame[..cut], LinkType::Ipv6);
        assert!(!d.violations.is_empty(), "cut at {cut} gave no violation");
    }
}

#[test]
fn mh_truncated_in_the_packet_but_ipv6_length_is_honest() {
    // IPv6 payload length agrees with the short packet; only the MH is too short.
    let mut f = golden_bu_frame();
    f.truncate(64 + 5);
    f[5] = 29;
    let d = decode(&f, LinkType::Ipv6);
    assert_eq!(rules(&d), vec!["truncated"]);
    assert_eq!(d.violations[0].layer, "mh");
}

#[test]
fn trailing_bytes_after_the_mh_are_reported() {
    let mut f = golden_bu_frame();
    f.extend_from_slice(&[0; 8]);
    f[5] += 8;
    let d = decode(&f, LinkType::Ipv6);
    assert_eq!(rules(&d), vec!["trailing-bytes"]);
}

#[test]
fn option_views_have_absolute_offsets() {
    let d = decode(&golden_bu_frame(), LinkType::Ipv6);
    let v = d.view(golden_bu_frame().len());
    let mh = &v.layers[2];
    assert_eq!(mh.layer, "mh");
    assert_eq!(mh.fields["message"], "binding_update");
    assert_eq!(mh.fields["a"], true);
    assert_eq!(mh.fields["lifetime_seconds"], 400);
    assert_eq!(mh.options[0].name, "nonce_indices");
    assert_eq!(mh.options[0].offset, 64 + 12);
    assert_eq!(mh.options[1].name, "binding_authorization_data");
    assert_eq!(mh.options[1].offset, 64 + 18);
    assert_eq!(mh.options[1].len, Some(12));
}
