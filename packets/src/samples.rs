//! A public corpus of valid, varied Ethernet frames: every Mobility Header message, flag and
//! option the codec knows (and unknown ones), the Home Address option, the type 2 routing header,
//! Hop-by-Hop and Fragment headers, the ICMPv6 errors, ND and Mobile IPv6 ICMPv6 messages with
//! their options, IPv6-in-IPv6, IPv4-in-IPv6, IPv6-in-IPv4, DSMIPv6 UDP encapsulation, plain UDP
//! and opaque ESP.
//!
//! Every frame decodes with no violation. The corpus feeds cross-checks against other decoders
//! (the tshark cross-check of the harness), benchmarks and examples. It is pure: building it does
//! no I/O.
//!
//! Addresses are documentation addresses (RFC 3849 `2001:db8::/32`, RFC 5737 IPv4 blocks) and
//! locally administered MACs:
//!
//! | who | address |
//! | --- | --- |
//! | mobile node home address (HoA) | `2001:db8:1::100`, IPv4 HoA `198.51.100.100` |
//! | home agent (HA) | `2001:db8:1::1` (second HA `2001:db8:1::2`), IPv4 `198.51.100.1` |
//! | care-of address (CoA) | `2001:db8:2::100`, IPv4 CoA `192.0.2.100` (NAT outside `203.0.113.5`) |
//! | access router in the visited network | `fe80::1` / `2001:db8:2::1` |
//! | correspondent node (CN) | `2001:db8:3::1`, IPv4 `203.0.113.10` |
//! | mobile network prefix (NEMO) | `2001:db8:100::/48` |
//!
//! The return-routability values are those of `shared/spec/constants.md` §4.1: the keygen tokens
//! in HoT/CoT, the nonce indices and the Binding Authorization Data authenticators are computed
//! from the test-vector Kcn and nonces.

use crate::esp::Esp;
use crate::ethernet::{Ethernet, MacAddr};
use crate::icmpv6::{Icmpv6, Icmpv6Msg, NdOption};
use crate::ipv4::Ipv4;
use crate::ipv6::{align_options, Fragment, Ip6Option, Ipv6, OptionsHeader, Routing};
use crate::mh::{BindingAck, BindingUpdate, MhMessage, MhOption, Mobility};
use crate::packet::{Layer, Packet};
use crate::rr::{self, TokenKind};
use crate::udp::Udp;
use std::net::{Ipv4Addr, Ipv6Addr};

/// One frame of the corpus: a stable kebab-case name and the packet (Ethernet first).
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: &'static str,
    pub packet: Packet,
}

/// Addresses used by the corpus.
pub mod addr {
    use std::net::{Ipv4Addr, Ipv6Addr};

    /// The mobile node's home address.
    pub const HOA: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 0x100);
    /// The home agent.
    pub const HA: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 1);
    /// A second home agent on the home link.
    pub const HA2: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 2);
    /// Mobile IPv6 Home-Agents anycast address of 2001:db8:1::/64 (RFC 2526 ID 126).
    pub const HA_ANYCAST: Ipv6Addr =
        Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0xfdff, 0xffff, 0xffff, 0xfffe);
    /// The mobile node's care-of address.
    pub const COA: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 2, 0, 0, 0, 0, 0x100);
    /// The correspondent node.
    pub const CN: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 3, 0, 0, 0, 0, 1);
    /// A router on the path (sends ICMPv6 errors).
    pub const ROUTER: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 2, 0, 0, 0, 0, 1);
    /// The access router's link-local address.
    pub const ROUTER_LL: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
    /// The mobile node's link-local address.
    pub const MN_LL: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0xff, 0xfe00, 1);
    /// The mobile network prefix of a NEMO mobile router.
    pub const MNP: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0x100, 0, 0, 0, 0, 0);
    /// A second mobile network prefix.
    pub const MNP2: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0x101, 0, 0, 0, 0, 0);
    /// All-nodes and all-routers link-local multicast.
    pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
    pub const ALL_ROUTERS: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 2);

    /// The mobile node's IPv4 home address (DSMIPv6).
    pub const HOA4: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 100);
    /// The home agent's IPv4 address.
    pub const HA4: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 1);
    /// The mobile node's private IPv4 care-of address.
    pub const COA4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 100);
    /// The NAT's public address in front of the IPv4 care-of address.
    pub const NAT4: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 5);
    /// The correspondent node's IPv4 address.
    pub const CN4: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 10);
}

use addr::*;

/// The mobile node's MAC.
pub const MN_MAC: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0x01]);
/// The access router's (or home agent's) MAC.
pub const ROUTER_MAC: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0x02]);

/// Return-routability inputs of constants.md §4.1.
pub mod rr_vector {
    /// Kcn.
    pub const KCN: [u8; 20] = [
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
        0x0f, 0x10, 0x11, 0x12, 0x13,
    ];
    pub const HOME_NONCE: [u8; 8] = [0x11; 8];
    pub const CARE_OF_NONCE: [u8; 8] = [0x22; 8];
    pub const HOME_NONCE_INDEX: u16 = 5;
    pub const CARE_OF_NONCE_INDEX: u16 = 6;
    /// The authenticator of the test-vector BU (seq 1, A, lifetime 100, Nonce Indices 5/6).
    pub const BU_AUTHENTICATOR: [u8; 12] = [
        0x20, 0xef, 0x39, 0x80, 0x92, 0x1a, 0x17, 0xf8, 0xcc, 0xb2, 0x3b, 0x0c,
    ];
    pub const HOME_INIT_COOKIE: [u8; 8] = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];
    pub const CARE_OF_INIT_COOKIE: [u8; 8] = [0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10];
}

fn home_token() -> [u8; 8] {
    rr::keygen_token(
        &rr_vector::KCN,
        &HOA,
        &rr_vector::HOME_NONCE,
        TokenKind::Home,
    )
}

fn care_of_token() -> [u8; 8] {
    rr::keygen_token(
        &rr_vector::KCN,
        &COA,
        &rr_vector::CARE_OF_NONCE,
        TokenKind::CareOf,
    )
}

// ---- layer helpers ---------------------------------------------------------------------------

/// Mobile node to its router.
fn eth_up() -> Layer {
    Layer::Ethernet(Ethernet::new(MN_MAC, ROUTER_MAC))
}

/// Router to the mobile node.
fn eth_down() -> Layer {
    Layer::Ethernet(Ethernet::new(ROUTER_MAC, MN_MAC))
}

/// From `src` to an IPv6 multicast group.
fn eth_mcast(src: MacAddr, group: Ipv6Addr) -> Layer {
    Layer::Ethernet(Ethernet::new(src, MacAddr::ipv6_multicast(group)))
}

fn v6(src: Ipv6Addr, dst: Ipv6Addr) -> Layer {
    Layer::Ipv6(Ipv6::new(src, dst))
}

/// An IPv6 header with a traffic class, a flow label and a hop limit.
fn v6x(src: Ipv6Addr, dst: Ipv6Addr, tclass: u8, flow: u32, hlim: u8) -> Layer {
    let mut h = Ipv6::new(src, dst).hop_limit(hlim);
    h.traffic_class = tclass;
    h.flow_label = flow;
    Layer::Ipv6(h)
}

fn v4(src: Ipv4Addr, dst: Ipv4Addr) -> Ipv4 {
    Ipv4::new(src, dst)
}

fn hao(home: Ipv6Addr) -> Layer {
    Layer::DestOpts(OptionsHeader::home_address(home))
}

fn rh2(home: Ipv6Addr) -> Layer {
    Layer::Routing(Routing::type2(home))
}

fn mh(message: MhMessage, options: Vec<MhOption>) -> Layer {
    Layer::Mobility(Mobility::new(message, options))
}

fn icmp(msg: Icmpv6Msg) -> Layer {
    Layer::Icmpv6(Icmpv6::new(msg))
}

fn icmp_code(code: u8, msg: Icmpv6Msg) -> Layer {
    Layer::Icmpv6(Icmpv6::new(msg).code(code))
}

fn echo_request(ident: u16, seq: u16) -> Icmpv6Msg {
    Icmpv6Msg::EchoRequest {
        ident,
        seq,
        data: b"mip6test echo payload 0123456789".to_vec(),
    }
}

fn echo_reply(ident: u16, seq: u16) -> Icmpv6Msg {
    Icmpv6Msg::EchoReply {
        ident,
        seq,
        data: b"mip6test echo payload 0123456789".to_vec(),
    }
}

/// A Binding Update with the flags named by letters of `AHLKMRPFTBSD`.
fn bu(seq: u16, flags: &str, lifetime: u16) -> MhMessage {
    let has = |c: char| flags.contains(c);
    MhMessage::BindingUpdate(BindingUpdate {
        seq,
        a: has('A'),
        h: has('H'),
        l: has('L'),
        k: has('K'),
        m: has('M'),
        r: has('R'),
        p: has('P'),
        f: has('F'),
        t: has('T'),
        b: has('B'),
        s: has('S'),
        d: has('D'),
        reserved: 0,
        lifetime,
    })
}

/// A Binding Acknowledgement with the flags named by letters of `KRPTBSD`.
fn ba(status: u8, flags: &str, seq: u16, lifetime: u16) -> MhMessage {
    let has = |c: char| flags.contains(c);
    MhMessage::BindingAck(BindingAck {
        status,
        k: has('K'),
        r: has('R'),
        p: has('P'),
        t: has('T'),
        b: has('B'),
        s: has('S'),
        d: has('D'),
        reserved: 0,
        seq,
        lifetime,
    })
}

fn mnp(prefix: Ipv6Addr, prefix_len: u8) -> MhOption {
    MhOption::MobileNetworkPrefix {
        reserved: 0,
        prefix_len,
        prefix,
    }
}

fn pio(prefix: Ipv6Addr, len: u8, l: bool, a: bool, r: bool) -> NdOption {
    NdOption::PrefixInformation {
        prefix_len: len,
        l,
        a,
        r,
        reserved1: 0,
        valid_lifetime: 86400,
        preferred_lifetime: 14400,
        reserved2: 0,
        prefix,
    }
}

fn solicited_node(a: Ipv6Addr) -> Ipv6Addr {
    let o = a.octets();
    Ipv6Addr::new(
        0xff02,
        0,
        0,
        0,
        0,
        1,
        0xff00 | u16::from(o[13]),
        u16::from_be_bytes([o[14], o[15]]),
    )
}

/// The bytes of a packet without a link layer (for ICMPv6 invoking packets).
fn bytes(layers: Vec<Layer>) -> Vec<u8> {
    Packet::new(layers).emit()
}

fn s(name: &'static str, layers: Vec<Layer>) -> Sample {
    Sample {
        name,
        packet: Packet::new(layers),
    }
}

// ---- the corpus -------------------------------------------------------------------------------

/// The corpus, in a stable order.
pub fn corpus() -> Vec<Sample> {
    let mut v = Vec::with_capacity(80);
    v.extend(mobility_header_samples());
    v.extend(binding_update_samples());
    v.extend(binding_ack_samples());
    v.extend(icmpv6_samples());
    v.extend(tunnel_and_transport_samples());
    v.extend(extension_header_samples());
    v
}

/// BRR, HoTI, CoTI, HoT, CoT, BE and an unknown MH type.
fn mobility_header_samples() -> Vec<Sample> {
    let home_token = home_token();
    let care_of_token = care_of_token();
    vec![
        s(
            "brr-cn-to-mn-rh2",
            vec![
                eth_down(),
                v6(CN, COA),
                rh2(HOA),
                mh(MhMessage::BindingRefreshRequest { reserved: 0 }, vec![]),
            ],
        ),
        s(
            "hoti-reverse-tunnelled-via-ha",
            vec![
                eth_up(),
                v6(COA, HA),
                v6(HOA, CN),
                mh(
                    MhMessage::HomeTestInit {
                        reserved: 0,
                        cookie: rr_vector::HOME_INIT_COOKIE,
                    },
                    vec![],
                ),
            ],
        ),
        s(
            "hoti-at-home",
            vec![
                eth_up(),
                v6x(HOA, CN, 0x20, 0x5_4321, 255),
                mh(
                    MhMessage::HomeTestInit {
                        reserved: 0,
                        cookie: [0xa5; 8],
                    },
                    vec![],
                ),
            ],
        ),
        s(
            "coti-direct",
            vec![
                eth_up(),
                v6(COA, CN),
                mh(
                    MhMessage::CareOfTestInit {
                        reserved: 0,
                        cookie: rr_vector::CARE_OF_INIT_COOKIE,
                    },
                    vec![],
                ),
            ],
        ),
        s(
            "hot-tunnelled-from-ha",
            vec![
                eth_down(),
                v6(HA, COA),
                v6(CN, HOA),
                mh(
                    MhMessage::HomeTest {
                        nonce_index: rr_vector::HOME_NONCE_INDEX,
                        cookie: rr_vector::HOME_INIT_COOKIE,
                        token: home_token,
                    },
                    vec![],
                ),
            ],
        ),
        s(
            "cot-direct",
            vec![
                eth_down(),
                v6(CN, COA),
                mh(
                    MhMessage::CareOfTest {
                        nonce_index: rr_vector::CARE_OF_NONCE_INDEX,
                        cookie: rr_vector::CARE_OF_INIT_COOKIE,
                        token: care_of_token,
                    },
                    vec![],
                ),
            ],
        ),
        s(
            "be-status1-unknown-binding-for-hao",
            vec![
                eth_down(),
                v6(CN, COA),
                mh(
                    MhMessage::BindingError {
                        status: 1,
                        reserved: 0,
                        home_address: HOA,
                    },
                    vec![],
                ),
            ],
        ),
        s(
            "be-status2-unrecognized-mh-type",
            vec![
                eth_down(),
                v6(HA, COA),
                rh2(HOA),
                mh(
                    MhMessage::BindingError {
                        status: 2,
                        reserved: 0,
                        home_address: Ipv6Addr::UNSPECIFIED,
                    },
                    vec![],
                ),
            ],
        ),
        s(
            "mh-unknown-type-60",
            vec![
                eth_up(),
                v6(COA, CN),
                hao(HOA),
                mh(
                    MhMessage::Unknown {
                        mh_type: 60,
                        data: vec![0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05],
                    },
                    vec![],
                ),
            ],
        ),
    ]
}

/// Binding Updates: every flag, every option a BU may carry, return-routability authentication.
fn binding_update_samples() -> Vec<Sample> {
    // Route-optimisation BU to the CN, authenticated as in constants.md §4.1.
    let kbm = rr::kbm(&home_token(), Some(&care_of_token()));
    let mut ro_bu = Mobility::new(
        bu(1, "A", 100),
        vec![MhOption::NonceIndices {
            home: rr_vector::HOME_NONCE_INDEX,
            care_of: rr_vector::CARE_OF_NONCE_INDEX,
        }],
    );
    ro_bu.authenticate(&kbm, COA, CN);
    // De-registration with the CN from home: no care-of token, the care-of address is the HoA.
    let kbm_dereg = rr::kbm(&home_token(), None);
    let mut dereg_bu = Mobility::new(
        bu(2, "", 0),
        vec![MhOption::NonceIndices {
            home: rr_vector::HOME_NONCE_INDEX,
            care_of: 0,
        }],
    );
    dereg_bu.authenticate(&kbm_dereg, HOA, CN);

    // DSMIPv6: IPv4 care-of address behind a NAT, the BU in IPv4/UDP 4191 (RFC 5555 §4.1).
    let mut outer4 = v4(COA4, HA4).ttl(63);
    outer4.ident = 0x1c46;
    outer4.df = true;

    vec![
        s(
            "bu-home-registration-AHLK",
            vec![
                eth_up(),
                v6(COA, HA),
                hao(HOA),
                mh(bu(100, "AHLK", 1000), vec![]),
            ],
        ),
        s(
            "bu-home-registration-AH-alternate-coa-pad1",
            vec![
                eth_up(),
                v6(COA, HA),
                hao(HOA),
                // align_options adds a second Pad1 to put the Alternate CoA at 8n+6 (MH offset 14).
                mh(
                    bu(101, "AH", 600),
                    vec![
                        MhOption::Pad1,
                        MhOption::AlternateCareOfAddress(Ipv6Addr::new(
                            0x2001, 0xdb8, 4, 0, 0, 0, 0, 0x100,
                        )),
                    ],
                ),
            ],
        ),
        s(
            "bu-home-deregistration-AH-lifetime0",
            vec![eth_up(), v6(HOA, HA), mh(bu(102, "AH", 0), vec![])],
        ),
        s(
            "bu-cn-route-optimisation-nonce-indices-bad",
            vec![eth_up(), v6(COA, CN), hao(HOA), Layer::Mobility(ro_bu)],
        ),
        s(
            "bu-cn-deregistration-no-flags-bad",
            vec![eth_up(), v6(HOA, CN), Layer::Mobility(dereg_bu)],
        ),
        s(
            "bu-all-flags-AHLKMRPFTBSD",
            vec![
                eth_up(),
                v6(COA, HA),
                hao(HOA),
                mh(bu(0xffff, "AHLKMRPFTBSD", 0xffff), vec![]),
            ],
        ),
        s(
            "bu-nemo-mobile-router-AHR-two-mnp",
            vec![
                eth_up(),
                v6(COA, HA),
                hao(HOA),
                mh(bu(7, "AHR", 1800), vec![mnp(MNP, 48), mnp(MNP2, 48)]),
            ],
        ),
        s(
            "bu-hmipv6-map-registration-AM",
            vec![
                eth_up(),
                v6(COA, HA),
                hao(HOA),
                mh(bu(8, "AM", 300), vec![]),
            ],
        ),
        s(
            "bu-proxy-registration-AP-mn-identifier",
            vec![
                eth_up(),
                v6(ROUTER, HA),
                mh(
                    bu(9, "AP", 3600),
                    vec![MhOption::MobileNodeIdentifier {
                        subtype: 1,
                        identifier: b"mn1@example.com".to_vec(),
                    }],
                ),
            ],
        ),
        s(
            "bu-tlv-header-format-AHT",
            vec![
                eth_up(),
                v6(COA, HA),
                hao(HOA),
                mh(bu(10, "AHT", 3600), vec![]),
            ],
        ),
        s(
            "bu-bulk-binding-AHB",
            vec![
                eth_up(),
                v6(COA, HA),
                hao(HOA),
                mh(bu(11, "AHB", 3600), vec![]),
            ],
        ),
        s(
            "bu-multicast-subscription-AHS",
            vec![
                eth_up(),
                v6(COA, HA),
                hao(HOA),
                mh(bu(12, "AHS", 3600), vec![]),
            ],
        ),
        s(
            "bu-dmm-AHD",
            vec![
                eth_up(),
                v6(COA, HA),
                hao(HOA),
                mh(bu(13, "AHD", 3600), vec![]),
            ],
        ),
        s(
            "bu-mn-identifier-nai-K",
            vec![
                eth_up(),
                v6(COA, HA),
                hao(HOA),
                mh(
                    bu(14, "AHK", 3600),
                    vec![MhOption::MobileNodeIdentifier {
                        subtype: 1,
                        identifier: b"mobile-node-7@mip6.example.org".to_vec(),
                    }],
                ),
            ],
        ),
        s(
            "bu-unknown-mobility-option-200",
            vec![
                eth_up(),
                v6(COA, HA),
                hao(HOA),
                mh(
                    bu(15, "AH", 3600),
                    vec![MhOption::Other {
                        typ: 200,
                        data: vec![0xca, 0xfe, 0xba, 0xbe, 0x01, 0x02],
                    }],
                ),
            ],
        ),
        s(
            "bu-dsmip-ipv4-hoa-prefix-P",
            vec![
                eth_up(),
                v6(COA, HA),
                hao(HOA),
                mh(
                    bu(16, "AH", 3600),
                    vec![MhOption::Ipv4HomeAddress {
                        prefix_len: 24,
                        p: true,
                        reserved: 0,
                        address: HOA4,
                    }],
                ),
            ],
        ),
        s(
            "bu-dsmip-udp4191-ipv4-coa-F",
            vec![
                eth_up(),
                Layer::Ipv4(outer4),
                Layer::Udp(Udp::dsmip(49152)),
                v6(HOA, HA),
                mh(
                    bu(17, "AHF", 3600),
                    vec![
                        MhOption::Ipv4HomeAddress {
                            prefix_len: 0,
                            p: false,
                            reserved: 0,
                            address: Ipv4Addr::UNSPECIFIED,
                        },
                        MhOption::Ipv4CareOfAddress {
                            reserved: 0,
                            address: COA4,
                        },
                    ],
                ),
            ],
        ),
        s(
            "hoti-in-ipv6-in-ipv4-tunnel",
            vec![
                eth_up(),
                Layer::Ipv4(v4(COA4, HA4)),
                v6(HOA, CN),
                mh(
                    MhMessage::HomeTestInit {
                        reserved: 0,
                        cookie: [0x3c; 8],
                    },
                    vec![],
                ),
            ],
        ),
    ]
}

/// Binding Acknowledgements: every flag, the options a BA may carry.
fn binding_ack_samples() -> Vec<Sample> {
    let kbm = rr::kbm(&home_token(), Some(&care_of_token()));
    let mut ro_ba = Mobility::new(ba(0, "", 1, 100), vec![]);
    ro_ba.authenticate(&kbm, COA, CN);

    let mut outer4 = v4(HA4, NAT4);
    outer4.ident = 0x2b01;
    outer4.tos = 0x10;

    vec![
        s(
            "ba-accepted-K-binding-refresh-advice",
            vec![
                eth_down(),
                v6(HA, COA),
                rh2(HOA),
                mh(
                    ba(0, "K", 100, 1000),
                    vec![MhOption::BindingRefreshAdvice { interval: 900 }],
                ),
            ],
        ),
        s(
            "ba-all-flags-KRPTBSD",
            vec![
                eth_down(),
                v6(HA, COA),
                rh2(HOA),
                mh(ba(1, "KRPTBSD", 0xffff, 0xffff), vec![]),
            ],
        ),
        s(
            "ba-no-flags-rejected-135-sequence",
            vec![
                eth_down(),
                v6(HA, COA),
                rh2(HOA),
                mh(ba(135, "", 99, 0), vec![]),
            ],
        ),
        s(
            "ba-nemo-R-mnp",
            vec![
                eth_down(),
                v6(HA, COA),
                rh2(HOA),
                mh(ba(0, "R", 7, 1800), vec![mnp(MNP, 48)]),
            ],
        ),
        s(
            "ba-proxy-tlv-PT",
            vec![eth_down(), v6(HA, ROUTER), mh(ba(0, "PT", 9, 3600), vec![])],
        ),
        s(
            "ba-bulk-multicast-dmm-BSD",
            vec![
                eth_down(),
                v6(HA, COA),
                rh2(HOA),
                mh(ba(0, "BSD", 11, 3600), vec![]),
            ],
        ),
        s(
            "ba-cn-route-optimisation-bad",
            vec![eth_down(), v6(CN, COA), rh2(HOA), Layer::Mobility(ro_ba)],
        ),
        s(
            "ba-dsmip-udp4191-nat-detected",
            vec![
                eth_down(),
                Layer::Ipv4(outer4),
                Layer::Udp(Udp::new(4191, 40123)),
                v6(HA, HOA),
                mh(
                    ba(0, "", 17, 3600),
                    vec![
                        MhOption::Ipv4AddressAck {
                            status: 0,
                            prefix_len: 24,
                            reserved: 0,
                            address: HOA4,
                        },
                        MhOption::NatDetection {
                            f: true,
                            reserved: 0,
                            refresh_time: 110,
                        },
                    ],
                ),
            ],
        ),
        s(
            "ba-dsmip-ipv4-ack-rejected-no-nat",
            vec![
                eth_down(),
                v6(HA, COA),
                rh2(HOA),
                mh(
                    ba(0, "K", 16, 3600),
                    vec![
                        MhOption::Ipv4AddressAck {
                            status: 129,
                            prefix_len: 0,
                            reserved: 0,
                            address: Ipv4Addr::UNSPECIFIED,
                        },
                        MhOption::NatDetection {
                            f: false,
                            reserved: 0,
                            refresh_time: 0xffff_ffff,
                        },
                    ],
                ),
            ],
        ),
    ]
}

/// ICMPv6 errors, echo, Neighbor Discovery and the Mobile IPv6 ICMPv6 messages.
fn icmpv6_samples() -> Vec<Sample> {
    // The BU a node without Mobile IPv6 support rejects.
    let bu_to_cn = bytes(vec![v6(COA, CN), hao(HOA), mh(bu(3, "A", 100), vec![])]);
    let bu_to_cn_no_hao = bytes(vec![v6(HOA, CN), mh(bu(4, "A", 100), vec![])]);
    let bad_header_len = {
        let mut m = Mobility::new(bu(5, "A", 100), vec![]);
        m.header_len = Some(1);
        bytes(vec![v6(COA, HA), hao(HOA), Layer::Mobility(m)])
    };
    let echo_to_hoa = bytes(vec![v6(CN, HOA), icmp(echo_request(0x0a0b, 1))]);
    let tunnelled = bytes(vec![
        v6(HA, COA),
        v6(CN, HOA),
        icmp(echo_request(0x0a0b, 2)),
    ]);
    let hlim1 = bytes(vec![v6x(HOA, CN, 0, 0, 1), icmp(echo_request(0x0a0b, 3))]);
    let ra_hl = 255;
    vec![
        s(
            "icmpv6-param-problem-unrecognized-option-hao",
            vec![
                eth_down(),
                v6(CN, COA),
                icmp_code(
                    2,
                    Icmpv6Msg::ParameterProblem {
                        pointer: 46,
                        invoking: bu_to_cn,
                    },
                ),
            ],
        ),
        s(
            "icmpv6-param-problem-unrecognized-next-header-mh",
            vec![
                eth_down(),
                v6(CN, HOA),
                icmp_code(
                    1,
                    Icmpv6Msg::ParameterProblem {
                        pointer: 6,
                        invoking: bu_to_cn_no_hao,
                    },
                ),
            ],
        ),
        s(
            "icmpv6-param-problem-erroneous-mh-header-len",
            vec![
                eth_down(),
                v6(HA, COA),
                icmp_code(
                    0,
                    Icmpv6Msg::ParameterProblem {
                        pointer: 65,
                        invoking: bad_header_len,
                    },
                ),
            ],
        ),
        s(
            "icmpv6-dest-unreachable-address",
            vec![
                eth_down(),
                v6(HA, CN),
                icmp_code(
                    3,
                    Icmpv6Msg::DestinationUnreachable {
                        unused: 0,
                        invoking: echo_to_hoa,
                    },
                ),
            ],
        ),
        s(
            "icmpv6-packet-too-big-tunnel",
            vec![
                eth_down(),
                v6(ROUTER, HA),
                icmp(Icmpv6Msg::PacketTooBig {
                    mtu: 1280,
                    invoking: tunnelled,
                }),
            ],
        ),
        s(
            "icmpv6-time-exceeded-hop-limit",
            vec![
                eth_down(),
                v6x(ROUTER, HOA, 0, 0, 255),
                icmp_code(
                    0,
                    Icmpv6Msg::TimeExceeded {
                        unused: 0,
                        invoking: hlim1,
                    },
                ),
            ],
        ),
        s(
            "icmpv6-echo-request-route-optimised-hao",
            vec![
                eth_up(),
                v6x(COA, CN, 0xb8, 0xb_eef0, 64),
                hao(HOA),
                icmp(echo_request(0x1234, 1)),
            ],
        ),
        s(
            "icmpv6-echo-reply-route-optimised-rh2",
            vec![
                eth_down(),
                v6x(CN, COA, 0xb8, 0xb_eef1, 60),
                rh2(HOA),
                icmp(echo_reply(0x1234, 1)),
            ],
        ),
        s(
            "icmpv6-echo-request-reverse-tunnelled",
            vec![
                eth_up(),
                v6(COA, HA),
                v6(HOA, CN),
                icmp(echo_request(0x1234, 2)),
            ],
        ),
        s(
            "icmpv6-echo-reply-tunnelled",
            vec![
                eth_down(),
                v6(HA, COA),
                v6x(CN, HOA, 0, 0x1_0001, 63),
                icmp(echo_reply(0x1234, 2)),
            ],
        ),
        s(
            "icmpv6-rs-source-lladdr",
            vec![
                eth_mcast(MN_MAC, ALL_ROUTERS),
                v6x(MN_LL, ALL_ROUTERS, 0, 0, ra_hl),
                icmp(Icmpv6Msg::RouterSolicitation {
                    reserved: 0,
                    options: vec![NdOption::SourceLinkLayer(MN_MAC)],
                }),
            ],
        ),
        s(
            "icmpv6-ra-home-agent-H-pio-R-hai-advint-mtu",
            vec![
                eth_mcast(ROUTER_MAC, ALL_NODES),
                v6x(ROUTER_LL, ALL_NODES, 0, 0, ra_hl),
                icmp(Icmpv6Msg::RouterAdvertisement {
                    cur_hop_limit: 64,
                    m: false,
                    o: false,
                    h: true,
                    reserved: 0,
                    router_lifetime: 1800,
                    reachable_time: 30000,
                    retrans_timer: 1000,
                    options: vec![
                        NdOption::SourceLinkLayer(ROUTER_MAC),
                        NdOption::Mtu {
                            reserved: 0,
                            mtu: 1500,
                        },
                        pio(HA, 64, true, true, true),
                        NdOption::AdvertisementInterval {
                            reserved: 0,
                            interval: 1500,
                        },
                        NdOption::home_agent_information(10, 1800),
                    ],
                }),
            ],
        ),
        s(
            "icmpv6-ra-nemo-hai-R-high-preference",
            vec![
                eth_mcast(ROUTER_MAC, ALL_NODES),
                v6x(ROUTER_LL, ALL_NODES, 0, 0, ra_hl),
                icmp(Icmpv6Msg::RouterAdvertisement {
                    cur_hop_limit: 0,
                    m: false,
                    o: true,
                    h: true,
                    reserved: 0,
                    router_lifetime: 600,
                    reachable_time: 0,
                    retrans_timer: 0,
                    options: vec![
                        pio(HA2, 64, true, false, true),
                        NdOption::HomeAgentInformation {
                            r: true,
                            reserved: 0,
                            preference: 65531,
                            lifetime: 65535,
                        },
                    ],
                }),
            ],
        ),
        s(
            "icmpv6-ra-visited-router-MO-pio",
            vec![
                eth_mcast(ROUTER_MAC, ALL_NODES),
                v6x(ROUTER_LL, ALL_NODES, 0, 0, ra_hl),
                icmp(Icmpv6Msg::RouterAdvertisement {
                    cur_hop_limit: 255,
                    m: true,
                    o: true,
                    h: false,
                    reserved: 0,
                    router_lifetime: 9000,
                    reachable_time: 0,
                    retrans_timer: 0,
                    options: vec![
                        NdOption::SourceLinkLayer(ROUTER_MAC),
                        NdOption::prefix_information(
                            Ipv6Addr::new(0x2001, 0xdb8, 2, 0, 0, 0, 0, 0),
                            64,
                            2_592_000,
                            604_800,
                        ),
                        NdOption::AdvertisementInterval {
                            reserved: 0,
                            interval: 70,
                        },
                    ],
                }),
            ],
        ),
        s(
            "icmpv6-ns-source-lladdr",
            vec![
                eth_mcast(MN_MAC, solicited_node(ROUTER_LL)),
                v6x(MN_LL, solicited_node(ROUTER_LL), 0, 0, 255),
                icmp(Icmpv6Msg::NeighborSolicitation {
                    reserved: 0,
                    target: ROUTER_LL,
                    options: vec![NdOption::SourceLinkLayer(MN_MAC)],
                }),
            ],
        ),
        s(
            "icmpv6-ns-dad-no-options",
            vec![
                eth_mcast(MN_MAC, solicited_node(COA)),
                v6x(Ipv6Addr::UNSPECIFIED, solicited_node(COA), 0, 0, 255),
                icmp(Icmpv6Msg::NeighborSolicitation {
                    reserved: 0,
                    target: COA,
                    options: vec![],
                }),
            ],
        ),
        s(
            "icmpv6-na-solicited-RSO-target-lladdr",
            vec![
                eth_down(),
                v6x(ROUTER_LL, MN_LL, 0, 0, 255),
                icmp(Icmpv6Msg::NeighborAdvertisement {
                    r: true,
                    s: true,
                    o: true,
                    reserved: 0,
                    target: ROUTER_LL,
                    options: vec![NdOption::TargetLinkLayer(ROUTER_MAC)],
                }),
            ],
        ),
        s(
            "icmpv6-na-ha-proxy-for-hoa-O",
            vec![
                eth_mcast(ROUTER_MAC, ALL_NODES),
                v6x(HA, ALL_NODES, 0, 0, 255),
                icmp(Icmpv6Msg::NeighborAdvertisement {
                    r: false,
                    s: false,
                    o: true,
                    reserved: 0,
                    target: HOA,
                    options: vec![NdOption::TargetLinkLayer(ROUTER_MAC)],
                }),
            ],
        ),
        s(
            "icmpv6-redirect-target-lladdr",
            vec![
                eth_down(),
                v6x(ROUTER_LL, MN_LL, 0, 0, 255),
                icmp(Icmpv6Msg::Redirect {
                    reserved: 0,
                    target: Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 3),
                    destination: CN,
                    options: vec![NdOption::TargetLinkLayer(MacAddr([2, 0, 0, 0, 0, 3]))],
                }),
            ],
        ),
        s(
            "icmpv6-haad-request",
            vec![
                eth_up(),
                v6(COA, HA_ANYCAST),
                icmp(Icmpv6Msg::HaadRequest {
                    ident: 0x4a21,
                    r: false,
                    reserved: 0,
                    trailing: vec![],
                }),
            ],
        ),
        s(
            "icmpv6-haad-request-nemo-R",
            vec![
                eth_up(),
                v6(COA, HA_ANYCAST),
                icmp(Icmpv6Msg::HaadRequest {
                    ident: 0x4a22,
                    r: true,
                    reserved: 0,
                    trailing: vec![],
                }),
            ],
        ),
        s(
            "icmpv6-haad-reply-two-home-agents",
            vec![
                eth_down(),
                v6(HA, COA),
                icmp(Icmpv6Msg::HaadReply {
                    ident: 0x4a21,
                    r: false,
                    reserved: 0,
                    home_agents: vec![HA, HA2],
                    trailing: vec![],
                }),
            ],
        ),
        s(
            "icmpv6-haad-reply-nemo-R",
            vec![
                eth_down(),
                v6(HA2, COA),
                icmp(Icmpv6Msg::HaadReply {
                    ident: 0x4a22,
                    r: true,
                    reserved: 0,
                    home_agents: vec![HA2],
                    trailing: vec![],
                }),
            ],
        ),
        s(
            "icmpv6-mobile-prefix-solicitation",
            vec![
                eth_up(),
                v6(COA, HA),
                hao(HOA),
                icmp(Icmpv6Msg::MobilePrefixSolicitation {
                    ident: 0x7001,
                    reserved: 0,
                    options: vec![],
                }),
            ],
        ),
        s(
            "icmpv6-mobile-prefix-advertisement-MO-pio-R",
            vec![
                eth_down(),
                v6(HA, COA),
                rh2(HOA),
                icmp(Icmpv6Msg::MobilePrefixAdvertisement {
                    ident: 0x7001,
                    m: true,
                    o: true,
                    reserved: 0,
                    options: vec![
                        pio(HA, 64, false, true, true),
                        pio(MNP, 48, false, false, false),
                    ],
                }),
            ],
        ),
        s(
            "icmpv6-mobile-prefix-advertisement-unsolicited",
            vec![
                eth_down(),
                v6(HA, COA),
                rh2(HOA),
                icmp(Icmpv6Msg::MobilePrefixAdvertisement {
                    ident: 0,
                    m: false,
                    o: false,
                    reserved: 0,
                    options: vec![NdOption::prefix_information(
                        Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 0),
                        64,
                        3600,
                        1800,
                    )],
                }),
            ],
        ),
    ]
}

/// IPv4-in-IPv6, IPv6-in-IPv4, DSMIPv6 data, UDP and ESP.
fn tunnel_and_transport_samples() -> Vec<Sample> {
    let mut inner4 = v4(HOA4, CN4).ttl(64).dont_fragment();
    inner4.ident = 0x4d2;
    let payload = b"hello from the IPv4 home address".to_vec();
    vec![
        s(
            "ipv4-in-ipv6-reverse-tunnel-udp",
            vec![
                eth_up(),
                v6(COA, HA),
                Layer::Ipv4(inner4.clone()),
                Layer::Udp(Udp::new(40000, 40001)),
                Layer::Raw(payload.clone()),
            ],
        ),
        s(
            "ipv4-in-ipv6-forward-tunnel-raw",
            vec![
                eth_down(),
                v6(HA, COA),
                Layer::Ipv4(Ipv4 {
                    protocol: Some(253),
                    ..v4(CN4, HOA4).ttl(50)
                }),
                Layer::Raw(vec![0x55; 24]),
            ],
        ),
        s(
            "ipv4-fragment-in-ipv6-forward-tunnel",
            vec![
                eth_down(),
                v6(HA, COA),
                Layer::Ipv4(Ipv4 {
                    ident: 0x7777,
                    frag_offset: 185,
                    protocol: Some(17),
                    ..v4(CN4, HOA4).ttl(57)
                }),
                Layer::Raw(vec![0x42; 40]),
            ],
        ),
        s(
            "ipv6-in-ipv4-echo-request",
            vec![
                eth_up(),
                Layer::Ipv4(v4(COA4, HA4)),
                v6(HOA, CN),
                icmp(echo_request(0x4444, 1)),
            ],
        ),
        s(
            "dsmip-udp4191-ipv6-echo-request",
            vec![
                eth_up(),
                Layer::Ipv4(v4(COA4, HA4)),
                Layer::Udp(Udp::dsmip(49152)),
                v6(HOA, CN),
                icmp(echo_request(0x4444, 2)),
            ],
        ),
        s(
            "dsmip-udp4191-ipv4-data",
            vec![
                eth_down(),
                Layer::Ipv4(v4(HA4, NAT4)),
                Layer::Udp(Udp::new(4191, 40123)),
                Layer::Ipv4(v4(CN4, HOA4)),
                Layer::Udp(Udp::new(40001, 40000)),
                Layer::Raw(payload.clone()),
            ],
        ),
        s(
            "udp-over-ipv6",
            vec![
                eth_up(),
                v6x(COA, CN, 0x28, 0xa_bcde, 64),
                Layer::Udp(Udp::new(40000, 40001)),
                Layer::Raw(payload.clone()),
            ],
        ),
        s(
            "udp-over-ipv6-with-hao",
            vec![
                eth_up(),
                v6(COA, CN),
                hao(HOA),
                Layer::Udp(Udp::new(40002, 40003)),
                Layer::Raw(payload.clone()),
            ],
        ),
        s(
            "udp-over-ipv6-with-rh2",
            vec![
                eth_down(),
                v6(CN, COA),
                rh2(HOA),
                Layer::Udp(Udp::new(40003, 40002)),
                Layer::Raw(payload),
            ],
        ),
        s(
            "esp-transport-bu-to-ha-opaque",
            vec![
                eth_up(),
                v6(COA, HA),
                hao(HOA),
                Layer::Esp(Esp::new(0x0000_1001, 1)),
                Layer::Raw((0u8..48).map(|i| i.wrapping_mul(37) ^ 0x5a).collect()),
            ],
        ),
        s(
            "esp-tunnel-mode-opaque",
            vec![
                eth_down(),
                v6(HA, COA),
                Layer::Esp(Esp::new(0xc0ff_ee01, 0x0102_0304)),
                Layer::Raw((0u8..64).map(|i| i.wrapping_mul(91) ^ 0xa5).collect()),
            ],
        ),
    ]
}

/// Hop-by-Hop and Fragment headers.
fn extension_header_samples() -> Vec<Sample> {
    let router_alert = Ip6Option::Other {
        typ: 5,
        data: vec![0, 0],
    };
    // The first 48 bytes of an ICMPv6 echo request's payload; the rest comes in a later fragment.
    let echo = bytes(vec![
        v6(COA, CN),
        icmp(Icmpv6Msg::EchoRequest {
            ident: 0x5151,
            seq: 9,
            data: vec![0x61; 1400],
        }),
    ]);
    vec![
        s(
            "hbh-router-alert-echo-request",
            vec![
                eth_up(),
                v6(COA, CN),
                Layer::HopByHop(OptionsHeader::new(align_options(vec![router_alert]))),
                icmp(echo_request(0x2222, 1)),
            ],
        ),
        s(
            "hbh-pad1-padn-destopts-hao-bu",
            vec![
                eth_up(),
                v6(COA, HA),
                Layer::HopByHop(OptionsHeader::new(vec![
                    Ip6Option::Pad1,
                    Ip6Option::PadN(3),
                ])),
                hao(HOA),
                mh(bu(200, "AHK", 3600), vec![]),
            ],
        ),
        s(
            "fragment-first-of-echo-request",
            vec![
                eth_up(),
                v6(COA, CN),
                Layer::Fragment(Fragment {
                    next_header: Some(58),
                    reserved: 0,
                    offset: 0,
                    res: 0,
                    m: true,
                    ident: 0x0bad_cafe,
                }),
                Layer::Raw(echo[40..40 + 1232].to_vec()),
            ],
        ),
        s(
            "fragment-last-of-echo-request",
            vec![
                eth_up(),
                v6(COA, CN),
                Layer::Fragment(Fragment {
                    next_header: Some(58),
                    reserved: 0,
                    offset: 154,
                    res: 0,
                    m: false,
                    ident: 0x0bad_cafe,
                }),
                Layer::Raw(echo[40 + 1232..].to_vec()),
            ],
        ),
        s(
            "fragment-atomic-brr",
            vec![
                eth_down(),
                v6(CN, COA),
                rh2(HOA),
                Layer::Fragment(Fragment {
                    next_header: None,
                    reserved: 0,
                    offset: 0,
                    res: 0,
                    m: false,
                    ident: 0x0000_0042,
                }),
                mh(MhMessage::BindingRefreshRequest { reserved: 0 }, vec![]),
            ],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mh::opt_type;
    use crate::packet::{decode, LinkType};
    use std::collections::BTreeSet;

    fn decoded() -> Vec<(Sample, Vec<u8>, crate::Decoded)> {
        corpus()
            .into_iter()
            .map(|s| {
                let b = s.packet.emit();
                let d = decode(&b, LinkType::Ethernet);
                (s, b, d)
            })
            .collect()
    }

    #[test]
    fn samples_emit_and_decode_without_violations() {
        let all = decoded();
        assert!(all.len() >= 60, "only {} samples", all.len());
        for (s, b, d) in &all {
            assert!(
                d.violations.is_empty(),
                "sample {}: {:#?}",
                s.name,
                d.violations
            );
            assert!(
                matches!(d.packet.layers[0], Layer::Ethernet(_)),
                "sample {} is not an Ethernet frame",
                s.name
            );
            assert_eq!(&d.packet.emit(), b, "sample {} does not re-emit", s.name);
        }
    }

    #[test]
    fn sample_names_are_unique() {
        let mut seen = BTreeSet::new();
        for s in corpus() {
            assert!(seen.insert(s.name), "duplicate sample name {}", s.name);
            assert!(
                s.name
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-'),
                "sample name {:?} is not kebab-case",
                s.name
            );
        }
    }

    #[test]
    fn corpus_is_pure() {
        assert_eq!(corpus(), corpus());
    }

    #[test]
    fn authenticator_matches_the_constants_test_vector() {
        let c = corpus();
        let s = c
            .iter()
            .find(|s| s.name == "bu-cn-route-optimisation-nonce-indices-bad")
            .unwrap();
        let m = s
            .packet
            .layers
            .iter()
            .find_map(|l| match l {
                Layer::Mobility(m) => Some(m),
                _ => None,
            })
            .unwrap();
        let bad = m
            .option(|o| match o {
                MhOption::BindingAuthorizationData(a) => Some(a.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(bad, rr_vector::BU_AUTHENTICATOR.to_vec());
        assert_eq!(
            crate::util::to_hex(&home_token()),
            "c71a754160cffb9a",
            "home keygen token"
        );
        assert_eq!(crate::util::to_hex(&care_of_token()), "ad30f3dfdcfc2d09");
    }

    /// The coverage the corpus promises, checked on the decoded frames.
    #[test]
    fn corpus_covers_every_message_flag_and_option() {
        let mut mh_types = BTreeSet::new();
        let mut mh_opts = BTreeSet::new();
        let mut bu_flags = BTreeSet::new();
        let mut ba_flags = BTreeSet::new();
        let mut bu_all = false;
        let mut bu_none = false;
        let mut ba_all = false;
        let mut ba_none = false;
        let mut icmp_types = BTreeSet::new();
        let mut nd_opts = BTreeSet::new();
        let mut layers = BTreeSet::new();
        let mut ip6_opts = BTreeSet::new();
        let (mut ra_h, mut pio_r, mut haad_r, mut haad_no_r, mut hai_r) =
            (false, false, false, false, false);
        let mut frag_first = false;
        let mut frag_later = false;
        let mut routing2 = false;
        let mut unknown_mh_opt = false;
        let mut tunnels = BTreeSet::new();
        for (_, _, d) in decoded() {
            let names: Vec<&str> = d.packet.layers.iter().map(Layer::name).collect();
            for w in names.windows(2) {
                tunnels.insert(format!("{}>{}", w[0], w[1]));
            }
            for l in &d.packet.layers {
                layers.insert(l.name());
                match l {
                    Layer::Mobility(m) => {
                        mh_types.insert(m.wire_type());
                        for o in &m.options {
                            mh_opts.insert(o.opt_type());
                            if let MhOption::Other { .. } = o {
                                unknown_mh_opt = true;
                            }
                        }
                        match &m.message {
                            MhMessage::BindingUpdate(b) => {
                                let w = b.flags_word();
                                for (i, c) in "AHLKMRPFTBSD".chars().enumerate() {
                                    if w & (0x8000 >> i) != 0 {
                                        bu_flags.insert(c);
                                    }
                                }
                                bu_all |= w == 0xfff0;
                                bu_none |= w == 0;
                            }
                            MhMessage::BindingAck(b) => {
                                let f = b.flags_byte();
                                for (i, c) in "KRPTBSD".chars().enumerate() {
                                    if f & (0x80 >> i) != 0 {
                                        ba_flags.insert(c);
                                    }
                                }
                                ba_all |= f == 0xfe;
                                ba_none |= f == 0;
                            }
                            _ => {}
                        }
                    }
                    Layer::Icmpv6(i) => {
                        icmp_types.insert(i.wire_type());
                        if let Some((_, opts)) = i.msg.options() {
                            for o in opts {
                                nd_opts.insert(o.typ());
                                match o {
                                    NdOption::PrefixInformation { r: true, .. } => pio_r = true,
                                    NdOption::HomeAgentInformation { r: true, .. } => hai_r = true,
                                    _ => {}
                                }
                            }
                        }
                        match &i.msg {
                            Icmpv6Msg::RouterAdvertisement { h: true, .. } => ra_h = true,
                            Icmpv6Msg::HaadRequest { r, .. } | Icmpv6Msg::HaadReply { r, .. } => {
                                if *r {
                                    haad_r = true
                                } else {
                                    haad_no_r = true
                                }
                            }
                            _ => {}
                        }
                    }
                    Layer::DestOpts(o) | Layer::HopByHop(o) => {
                        for x in &o.options {
                            ip6_opts.insert(match x {
                                Ip6Option::Pad1 => 0,
                                Ip6Option::PadN(_) => 1,
                                Ip6Option::HomeAddress(_) => 201,
                                Ip6Option::Other { typ, .. } => *typ,
                            });
                        }
                    }
                    Layer::Routing(r) => routing2 |= r.routing_type == 2,
                    Layer::Fragment(f) => {
                        if f.offset == 0 && f.m {
                            frag_first = true;
                        }
                        if f.offset != 0 {
                            frag_later = true;
                        }
                    }
                    _ => {}
                }
            }
        }
        assert!(
            (0..=7).all(|t| mh_types.contains(&t)),
            "MH types {mh_types:?}"
        );
        assert!(mh_types.iter().any(|t| *t > 7), "no unknown MH type");
        assert_eq!(
            bu_flags.iter().collect::<String>(),
            "ABDFHKLMPRST",
            "BU flags"
        );
        assert_eq!(ba_flags.iter().collect::<String>(), "BDKPRST", "BA flags");
        assert!(bu_all && bu_none && ba_all && ba_none);
        for t in [
            opt_type::PAD1,
            opt_type::PADN,
            opt_type::BINDING_REFRESH_ADVICE,
            opt_type::ALTERNATE_COA,
            opt_type::NONCE_INDICES,
            opt_type::BINDING_AUTH_DATA,
            opt_type::MOBILE_NETWORK_PREFIX,
            opt_type::MN_IDENTIFIER,
            opt_type::IPV4_HOME_ADDRESS,
            opt_type::IPV4_ADDRESS_ACK,
            opt_type::NAT_DETECTION,
            opt_type::IPV4_COA,
        ] {
            assert!(mh_opts.contains(&t), "mobility option {t} missing");
        }
        assert!(unknown_mh_opt, "no unknown mobility option");
        for t in [1, 2, 3, 4, 128, 129, 133, 134, 135, 136, 144, 145, 146, 147] {
            assert!(icmp_types.contains(&t), "ICMPv6 type {t} missing");
        }
        for t in [1, 2, 3, 5, 7, 8] {
            assert!(nd_opts.contains(&t), "ND option {t} missing");
        }
        assert!(ra_h && pio_r && haad_r && haad_no_r && hai_r);
        for t in [0, 1, 5, 201] {
            assert!(ip6_opts.contains(&t), "IPv6 option {t} missing");
        }
        assert!(routing2 && frag_first && frag_later);
        for l in [
            "hop_by_hop",
            "dest_opts",
            "routing",
            "fragment",
            "mh",
            "icmpv6",
            "udp",
            "esp",
            "ipv4",
        ] {
            assert!(layers.contains(l), "layer {l} missing");
        }
        for t in [
            "ipv6>ipv6",
            "ipv6>ipv4",
            "ipv4>ipv6",
            "udp>ipv6",
            "udp>ipv4",
            "ipv6>udp",
            "ipv6>esp",
        ] {
            assert!(tunnels.contains(t), "no {t} in the corpus");
        }
    }
}
