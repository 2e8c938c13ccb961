//! UDP (RFC 768), with the checksum rules of RFC 8200 §8.1 over IPv6, and the DSMIPv6 tunnel
//! (RFC 5555 §4.1): on port 4191 the UDP payload is an IPv4 or IPv6 packet.
//!
//! ```text
//! UDP header (RFC 768)
//!  0      7 8     15 16    23 24    31
//! +--------+--------+--------+--------+
//! |   Source Port   |Destination Port |  0
//! +--------+--------+--------+--------+
//! |     Length      |    Checksum     |  4
//! +--------+--------+--------+--------+
//! |          data octets ...             8
//! ```
//!
//! The checksum covers the pseudo-header (RFC 768 for IPv4, RFC 8200 §8.1 for IPv6, whose length
//! is the UDP Length field), the header and the data up to Length. A computed 0 is sent as
//! 0xffff; a received 0 means "no checksum" over IPv4 and is invalid over IPv6.

use crate::checksum::{finish, sum, Pseudo};
use crate::packet::{proto, Decoder, EmitCtx, Layer, Next, Step, DSMIP_UDP_PORT};
use crate::util::{be16, put, Fields};
use crate::violation::Violation;
use serde::{Deserialize, Serialize};

mod field {
    pub const SRC_PORT: usize = 0;
    pub const DST_PORT: usize = 2;
    pub const LENGTH: usize = 4;
    pub const CHECKSUM: usize = 6;
    pub const HEADER_LEN: usize = 8;
}

pub const HEADER_LEN: usize = field::HEADER_LEN;

/// A UDP header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Udp {
    pub src_port: u16,
    pub dst_port: u16,
    /// `None`: 8 plus the payload length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u16>,
    /// `None`: computed under the pseudo-header of the enclosing IP header (0 without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<u16>,
}

impl Udp {
    pub fn new(src_port: u16, dst_port: u16) -> Self {
        Udp {
            src_port,
            dst_port,
            length: None,
            checksum: None,
        }
    }

    /// A DSMIPv6 tunnel header towards the home agent (RFC 5555 §4.1).
    pub fn dsmip(src_port: u16) -> Self {
        Udp::new(src_port, DSMIP_UDP_PORT)
    }

    pub(crate) fn emit(&self, cx: &EmitCtx, payload: &[u8], out: &mut Vec<u8>) {
        let start = out.len();
        let length = self
            .length
            .unwrap_or((field::HEADER_LEN + payload.len()) as u16);
        out.extend_from_slice(&self.src_port.to_be_bytes());
        out.extend_from_slice(&self.dst_port.to_be_bytes());
        out.extend_from_slice(&length.to_be_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(payload);
        let sum = match (self.checksum, cx.pseudo) {
            (Some(c), _) => c,
            (None, Some(p)) => expected_checksum(&p, &out[start..], length),
            (None, None) => 0,
        };
        let at = start + field::CHECKSUM;
        out[at..at + 2].copy_from_slice(&sum.to_be_bytes());
    }

    pub(crate) fn fields(&self, f: &mut Fields) {
        put(f, "src_port", self.src_port);
        put(f, "dst_port", self.dst_port);
        put(f, "length", self.length.unwrap_or(0));
        put(f, "checksum", self.checksum.unwrap_or(0));
    }
}

/// The checksum a sender puts on the wire for `datagram` (header and data, checksum field taken
/// as zero) with `length` in its Length field: the pseudo-header carries `length`, and only the
/// first `length` bytes are covered when the field is shorter than the datagram (as a receiver
/// that trims to Length verifies it). A result of 0 is sent as 0xffff (RFC 768, RFC 8200 §8.1).
fn expected_checksum(p: &Pseudo, datagram: &[u8], length: u16) -> u16 {
    let l = usize::from(length);
    let covered = if (field::HEADER_LEN..=datagram.len()).contains(&l) {
        l
    } else {
        datagram.len()
    };
    let mut acc = p.sum(proto::UDP, l);
    acc = sum(acc, &datagram[..field::CHECKSUM.min(covered)]);
    if covered > field::HEADER_LEN {
        acc = sum(acc, &datagram[field::HEADER_LEN..covered]);
    }
    match finish(acc) {
        0 => 0xffff,
        c => c,
    }
}

/// Decodes a UDP header at `off`.
pub(crate) fn decode(d: &mut Decoder, off: usize) -> Option<Step> {
    let b = d.rest(off);
    if b.len() < field::HEADER_LEN {
        d.truncated("udp", off, field::HEADER_LEN, "RFC 768");
        return None;
    }
    let hdr = Udp {
        src_port: be16(b, field::SRC_PORT),
        dst_port: be16(b, field::DST_PORT),
        length: Some(be16(b, field::LENGTH)),
        checksum: Some(be16(b, field::CHECKSUM)),
    };
    let length = be16(b, field::LENGTH);
    let checksum = be16(b, field::CHECKSUM);
    let l = usize::from(length);
    if l < field::HEADER_LEN {
        d.push(Violation::new(
            "udp",
            "length",
            off + field::LENGTH,
            "udp-length",
            "RFC 768",
            format!("length {length} is shorter than the 8-byte header"),
        ));
    } else if l > b.len() {
        d.push(Violation::new(
            "udp",
            "length",
            off + field::LENGTH,
            "udp-length",
            "RFC 768",
            format!(
                "length {length} but only {} bytes are left in the packet",
                b.len()
            ),
        ));
    } else if l < b.len() {
        d.push(Violation::new(
            "udp",
            "length",
            off + field::LENGTH,
            "udp-length",
            "RFC 768",
            format!(
                "length {length} but the IP packet carries {} bytes from this header",
                b.len()
            ),
        ));
        d.end = off + l;
    }
    match d.pseudo {
        Some(Pseudo::V6 { .. }) if checksum == 0 => d.push(Violation::new(
            "udp",
            "checksum",
            off + field::CHECKSUM,
            "udp-checksum-zero",
            "RFC 8200 §8.1",
            "UDP checksum 0 over IPv6: the checksum is mandatory",
        )),
        // Over IPv4, 0 means the sender computed no checksum.
        Some(Pseudo::V4 { .. }) if checksum == 0 => {}
        Some(p) => {
            let expected = expected_checksum(&p, b, length);
            if checksum != expected {
                d.push(Violation::new(
                    "udp",
                    "checksum",
                    off + field::CHECKSUM,
                    "udp-checksum",
                    match p {
                        Pseudo::V6 { .. } => "RFC 8200 §8.1",
                        Pseudo::V4 { .. } => "RFC 768",
                    },
                    format!("checksum {checksum:#06x}, expected {expected:#06x}"),
                ));
            }
        }
        None => {}
    }
    let next = if hdr.src_port == DSMIP_UDP_PORT || hdr.dst_port == DSMIP_UDP_PORT {
        Next::IpAnyVersion
    } else {
        Next::Payload
    };
    Some(Step {
        layer: Layer::Udp(hdr),
        len: field::HEADER_LEN,
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipv4::Ipv4;
    use crate::ipv6::Ipv6;
    use crate::packet::{decode, LinkType, Packet};
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn a4(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    fn a6(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    /// IPv6 / UDP 5000 -> 53 with 5 data bytes; checksum 0x879c computed independently.
    static UDP6: [u8; 53] = [
        0x60, 0x00, 0x00, 0x00, 0x00, 0x0d, 0x11, 0x40, // plen 13, nh 17
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, // 2001:db8::1
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, // 2001:db8::2
        0x13, 0x88, 0x00, 0x35, 0x00, 0x0d, 0x87, 0x9c, // UDP 5000 -> 53, len 13
        0x01, 0x02, 0x03, 0x04, 0x05,
    ];

    /// DSMIPv6 (RFC 5555 §4.1): IPv4 / UDP 49152 -> 4191 / IPv6 (nh 59) / 4 bytes.
    static DSMIP: [u8; 72] = [
        0x45, 0x00, 0x00, 0x48, 0x00, 0x00, 0x00, 0x00, // total 72
        0x40, 0x11, 0x8e, 0x66, // ttl 64, UDP, checksum
        0xc0, 0x00, 0x02, 0x0a, 0xc6, 0x33, 0x64, 0x01, // 192.0.2.10 -> 198.51.100.1
        0xc0, 0x00, 0x10, 0x5f, 0x00, 0x34, 0xad, 0x8d, // UDP 49152 -> 4191, len 52
        0x60, 0x00, 0x00, 0x00, 0x00, 0x04, 0x3b, 0x40, // IPv6, plen 4, nh 59
        0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, // 2001:db8:1::100
        0x20, 0x01, 0x0d, 0xb8, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, // 2001:db8:3::1
        0xde, 0xad, 0xbe, 0xef,
    ];

    fn udp6_packet() -> Packet {
        Packet::new(vec![
            Layer::Ipv6(Ipv6::new(a6("2001:db8::1"), a6("2001:db8::2"))),
            Layer::Udp(Udp::new(5000, 53)),
            Layer::Raw(vec![1, 2, 3, 4, 5]),
        ])
    }

    fn dsmip_packet() -> Packet {
        Packet::new(vec![
            Layer::Ipv4(Ipv4::new(a4("192.0.2.10"), a4("198.51.100.1"))),
            Layer::Udp(Udp::dsmip(49152)),
            Layer::Ipv6(Ipv6::new(a6("2001:db8:1::100"), a6("2001:db8:3::1"))),
            Layer::Raw(vec![0xde, 0xad, 0xbe, 0xef]),
        ])
    }

    #[test]
    fn construct() {
        assert_eq!(udp6_packet().emit(), UDP6.to_vec());
        assert_eq!(dsmip_packet().emit(), DSMIP.to_vec());
    }

    #[test]
    fn deconstruct_udp6() {
        let d = decode(&UDP6, LinkType::Ipv6);
        assert!(d.violations.is_empty(), "{:?}", d.violations);
        assert_eq!(d.offsets, vec![0, 40, 48]);
        assert_eq!(
            d.packet.layers[1],
            Layer::Udp(Udp {
                src_port: 5000,
                dst_port: 53,
                length: Some(13),
                checksum: Some(0x879c),
            })
        );
        assert_eq!(d.packet.layers[2], Layer::Raw(vec![1, 2, 3, 4, 5]));
        assert_eq!(d.packet.emit(), UDP6.to_vec());
        let v = d.view(UDP6.len());
        let keys: Vec<&str> = v.layers[1].fields.keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 4);
        for k in ["src_port", "dst_port", "length", "checksum"] {
            assert!(keys.contains(&k), "missing {k}");
        }
    }

    #[test]
    fn dsmip_walks_into_inner_ipv6() {
        let d = decode(&DSMIP, LinkType::Ipv4);
        assert!(d.violations.is_empty(), "{:?}", d.violations);
        assert_eq!(d.offsets, vec![0, 20, 28, 68]);
        assert!(matches!(d.packet.layers[0], Layer::Ipv4(_)));
        assert!(matches!(d.packet.layers[1], Layer::Udp(_)));
        let Layer::Ipv6(inner) = &d.packet.layers[2] else {
            panic!("inner IPv6 not decoded: {:?}", d.packet.layers)
        };
        assert_eq!(inner.src, a6("2001:db8:1::100"));
        assert_eq!(d.packet.layers[3], Layer::Raw(vec![0xde, 0xad, 0xbe, 0xef]));
        assert_eq!(d.packet.emit(), DSMIP.to_vec());
        assert_eq!(d.packet.emit_layers().offsets, d.offsets);
        // Either direction: the home agent answers from port 4191.
        let mut p = dsmip_packet();
        p.layers[1] = Layer::Udp(Udp::new(4191, 49152));
        let d = decode(&p.emit(), LinkType::Ipv4);
        assert!(d.violations.is_empty(), "{:?}", d.violations);
        assert!(matches!(d.packet.layers[2], Layer::Ipv6(_)));
        // Other ports: the payload stays opaque.
        p.layers[1] = Layer::Udp(Udp::new(4192, 49152));
        let d = decode(&p.emit(), LinkType::Ipv4);
        assert_eq!(d.packet.layers.len(), 3);
        assert!(matches!(d.packet.layers[2], Layer::Raw(_)));
    }

    #[test]
    fn dsmip_ipv4_in_udp() {
        let p = Packet::new(vec![
            Layer::Ipv4(Ipv4::new(a4("192.0.2.10"), a4("198.51.100.1"))),
            Layer::Udp(Udp::dsmip(49152)),
            Layer::Ipv4(Ipv4::new(a4("10.0.0.1"), a4("10.0.0.2"))),
            Layer::Udp(Udp::new(1000, 2000)),
            Layer::Raw(vec![9; 7]),
        ]);
        let b = p.emit();
        let d = decode(&b, LinkType::Ipv4);
        assert!(d.violations.is_empty(), "{:?}", d.violations);
        assert_eq!(d.offsets, vec![0, 20, 28, 48, 56]);
        assert_eq!(d.packet.emit(), b);
    }

    #[test]
    fn checksum_errors_at_absolute_offsets() {
        // Inner-most UDP of the DSMIPv6 packet: checksum at 20 + 6.
        let mut b = DSMIP.to_vec();
        b[27] ^= 1;
        let d = decode(&b, LinkType::Ipv4);
        assert_eq!(d.violations.len(), 1, "{:?}", d.violations);
        let v = &d.violations[0];
        assert_eq!((v.layer, v.rule, v.offset), ("udp", "udp-checksum", 26));
        assert!(v.message.contains("0xad8d"), "{}", v.message);
        assert_eq!(d.packet.emit(), b);
        // Over IPv6 at 40 + 6.
        let mut b = UDP6.to_vec();
        b[52] ^= 0xff;
        let d = decode(&b, LinkType::Ipv6);
        assert_eq!(d.violations.len(), 1, "{:?}", d.violations);
        assert_eq!(
            (d.violations[0].rule, d.violations[0].offset),
            ("udp-checksum", 46)
        );
    }

    #[test]
    fn zero_checksum() {
        // Over IPv6 it is an error.
        let mut b = UDP6.to_vec();
        b[46] = 0;
        b[47] = 0;
        let d = decode(&b, LinkType::Ipv6);
        assert_eq!(d.violations.len(), 1, "{:?}", d.violations);
        assert_eq!(
            (d.violations[0].rule, d.violations[0].offset),
            ("udp-checksum-zero", 46)
        );
        // Over IPv4 it means "no checksum".
        let mut b = DSMIP.to_vec();
        b[26] = 0;
        b[27] = 0;
        let d = decode(&b, LinkType::Ipv4);
        assert!(d.violations.is_empty(), "{:?}", d.violations);
        assert_eq!(d.packet.emit(), b);
    }

    #[test]
    fn computed_zero_is_sent_as_ffff() {
        // Choose the data word so the checksum computes to 0, then check 0xffff goes out.
        let pseudo = Pseudo::V6 {
            src: a6("2001:db8::1"),
            dst: a6("2001:db8::2"),
        };
        let mut dgram = vec![0x13, 0x88, 0x00, 0x35, 0x00, 0x0a, 0, 0, 0, 0];
        let c = pseudo.checksum(17, &dgram);
        // Adding the checksum value as data makes the one's-complement sum 0xffff.
        dgram[8..10].copy_from_slice(&c.to_be_bytes());
        let p = Packet::new(vec![
            Layer::Ipv6(Ipv6::new(a6("2001:db8::1"), a6("2001:db8::2"))),
            Layer::Udp(Udp::new(5000, 53)),
            Layer::Raw(dgram[8..].to_vec()),
        ]);
        let b = p.emit();
        assert_eq!(&b[46..48], &[0xff, 0xff]);
        let d = decode(&b, LinkType::Ipv6);
        assert!(d.violations.is_empty(), "{:?}", d.violations);
    }

    #[test]
    fn no_pseudo_header_writes_zero() {
        let p = Packet::new(vec![Layer::Udp(Udp::new(1, 2)), Layer::Raw(vec![1])]);
        assert_eq!(p.emit(), vec![0, 1, 0, 2, 0, 9, 0, 0, 1]);
    }

    #[test]
    fn impossible_length() {
        // Length beyond the packet.
        let mut p = udp6_packet();
        p.layers[1] = Layer::Udp(Udp {
            length: Some(40),
            ..Udp::new(5000, 53)
        });
        let b = p.emit();
        let d = decode(&b, LinkType::Ipv6);
        let rules: Vec<_> = d.violations.iter().map(|v| (v.rule, v.offset)).collect();
        assert_eq!(rules, vec![("udp-length", 44)]);
        assert_eq!(d.packet.emit(), b);
        // Length below the header size.
        p.layers[1] = Layer::Udp(Udp {
            length: Some(4),
            ..Udp::new(5000, 53)
        });
        let d = decode(&p.emit(), LinkType::Ipv6);
        let rules: Vec<_> = d.violations.iter().map(|v| (v.rule, v.offset)).collect();
        assert_eq!(rules, vec![("udp-length", 44)]);
        // Length shorter than the IP payload: the UDP payload ends at Length.
        p.layers[1] = Layer::Udp(Udp {
            length: Some(10),
            ..Udp::new(5000, 53)
        });
        let b = p.emit();
        let d = decode(&b, LinkType::Ipv6);
        let rules: Vec<_> = d.violations.iter().map(|v| (v.rule, v.offset)).collect();
        assert_eq!(rules, vec![("udp-length", 44)]);
        assert_eq!(d.packet.layers[2], Layer::Raw(vec![1, 2]));
        // Header cut short.
        let d = decode(&UDP6[..45], LinkType::Ipv6);
        assert!(d
            .violations
            .iter()
            .any(|v| v.layer == "udp" && v.rule == "truncated"));
    }

    #[test]
    fn every_truncation_is_reported() {
        for (bytes, link) in [(&UDP6[..], LinkType::Ipv6), (&DSMIP[..], LinkType::Ipv4)] {
            for n in 1..bytes.len() {
                let d = decode(&bytes[..n], link);
                assert!(!d.violations.is_empty(), "cut at {n}: no violation");
                let _ = d.packet.emit();
                let _ = d.view(n);
            }
        }
    }

    #[test]
    fn serde_minimal() {
        let u: Udp = serde_json::from_str(r#"{"src_port":1,"dst_port":4191}"#).unwrap();
        assert_eq!(u, Udp::new(1, 4191));
        let l: Layer =
            serde_json::from_str(r#"{"udp":{"src_port":1,"dst_port":2,"checksum":0}}"#).unwrap();
        assert_eq!(
            l,
            Layer::Udp(Udp {
                checksum: Some(0),
                ..Udp::new(1, 2)
            })
        );
    }
}
