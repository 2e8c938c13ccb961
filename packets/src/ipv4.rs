//! IPv4 (RFC 791), as the outer header of DSMIPv6 tunnels (RFC 5555 §4) and as a tunnelled
//! packet (IPv4 in IPv6, RFC 2473).
//!
//! ```text
//! IPv4 header (RFC 791 §3.1)
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version|  IHL  |Type of Service|          Total Length         |  0
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |         Identification        |R|D|M|      Fragment Offset    |  4
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  Time to Live |    Protocol   |         Header Checksum       |  8
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                       Source Address                          | 12
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Destination Address                        | 16
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Options                    |    Padding    | 20 (IHL * 4 bytes in all)
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//!
//! R: reserved, must be zero; D: Don't Fragment; M: More Fragments.
//! ```

use crate::checksum::{internet, Pseudo};
use crate::packet::{Decoder, EmitCtx, Layer, Next, Step};
use crate::util::{be16, ip4, put, Fields};
use crate::violation::Violation;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

mod field {
    pub const VER_IHL: usize = 0;
    pub const TOS: usize = 1;
    pub const TOTAL_LEN: usize = 2;
    pub const IDENT: usize = 4;
    pub const FLAGS_FRAG: usize = 6;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: usize = 10;
    pub const SRC: usize = 12;
    pub const DST: usize = 16;
    pub const HEADER_LEN: usize = 20;
}

/// Length of the IPv4 header without options.
pub const HEADER_LEN: usize = field::HEADER_LEN;

const RFC: &str = "RFC 791 §3.1";

fn default_ttl() -> u8 {
    64
}

fn is_default_ttl(v: &u8) -> bool {
    *v == 64
}

/// An IPv4 header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ipv4 {
    /// `None`: 4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u8>,
    /// Header length in 32-bit words. `None`: 5 plus the (padded) options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ihl: Option<u8>,
    /// Type of Service byte (DSCP and ECN, RFC 2474 / RFC 3168).
    #[serde(default, skip_serializing_if = "crate::util::is_default")]
    pub tos: u8,
    /// `None`: header plus everything after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_len: Option<u16>,
    #[serde(default, skip_serializing_if = "crate::util::is_default")]
    pub ident: u16,
    /// The reserved flag bit, which must be zero.
    #[serde(default, skip_serializing_if = "crate::util::is_default")]
    pub reserved_flag: bool,
    /// Don't Fragment.
    #[serde(default, skip_serializing_if = "crate::util::is_default")]
    pub df: bool,
    /// More Fragments.
    #[serde(default, skip_serializing_if = "crate::util::is_default")]
    pub mf: bool,
    /// Fragment offset in 8-byte units (13 bits).
    #[serde(default, skip_serializing_if = "crate::util::is_default")]
    pub frag_offset: u16,
    #[serde(default = "default_ttl", skip_serializing_if = "is_default_ttl")]
    pub ttl: u8,
    /// `None`: the protocol of the next layer (59 when there is none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<u8>,
    /// `None`: the header checksum computed over the header as emitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<u16>,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    /// Option bytes as on the wire; zero-padded (End of Option List) to a multiple of 4.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "crate::util::hex"
    )]
    pub options: Vec<u8>,
}

impl Ipv4 {
    pub fn new(src: Ipv4Addr, dst: Ipv4Addr) -> Self {
        Ipv4 {
            version: None,
            ihl: None,
            tos: 0,
            total_len: None,
            ident: 0,
            reserved_flag: false,
            df: false,
            mf: false,
            frag_offset: 0,
            ttl: 64,
            protocol: None,
            checksum: None,
            src,
            dst,
            options: Vec::new(),
        }
    }

    pub fn ttl(mut self, ttl: u8) -> Self {
        self.ttl = ttl;
        self
    }

    /// Sets the Don't Fragment bit.
    pub fn dont_fragment(mut self) -> Self {
        self.df = true;
        self
    }

    /// Bytes the header takes on the wire: 20 plus the options padded to 4 bytes.
    pub fn header_len(&self) -> usize {
        field::HEADER_LEN + self.options.len().div_ceil(4) * 4
    }

    pub(crate) fn emit(&self, cx: &EmitCtx, payload: &[u8], out: &mut Vec<u8>) {
        let start = out.len();
        let hlen = self.header_len();
        let ihl = self.ihl.unwrap_or((hlen / 4).min(15) as u8);
        out.push((self.version.unwrap_or(4) << 4) | (ihl & 0x0f));
        out.push(self.tos);
        let total = self.total_len.unwrap_or((hlen + payload.len()) as u16);
        out.extend_from_slice(&total.to_be_bytes());
        out.extend_from_slice(&self.ident.to_be_bytes());
        let flags = (u16::from(self.reserved_flag) << 15)
            | (u16::from(self.df) << 14)
            | (u16::from(self.mf) << 13)
            | (self.frag_offset & 0x1fff);
        out.extend_from_slice(&flags.to_be_bytes());
        out.push(self.ttl);
        out.push(self.protocol.unwrap_or(cx.next_proto));
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&self.src.octets());
        out.extend_from_slice(&self.dst.octets());
        out.extend_from_slice(&self.options);
        out.resize(start + hlen, 0);
        let sum = self
            .checksum
            .unwrap_or_else(|| internet(&out[start..start + hlen]));
        out[start + field::CHECKSUM..start + field::CHECKSUM + 2]
            .copy_from_slice(&sum.to_be_bytes());
        out.extend_from_slice(payload);
    }

    pub(crate) fn fields(&self, f: &mut Fields) {
        put(f, "version", self.version.unwrap_or(4));
        put(
            f,
            "ihl",
            self.ihl.unwrap_or((self.header_len() / 4).min(15) as u8),
        );
        put(f, "tos", self.tos);
        put(f, "total_len", self.total_len.unwrap_or(0));
        put(f, "ident", self.ident);
        put(f, "reserved_flag", self.reserved_flag);
        put(f, "df", self.df);
        put(f, "mf", self.mf);
        put(f, "frag_offset", self.frag_offset);
        put(f, "ttl", self.ttl);
        put(f, "protocol", self.protocol.unwrap_or(0));
        put(f, "checksum", self.checksum.unwrap_or(0));
        put(f, "src", self.src.to_string());
        put(f, "dst", self.dst.to_string());
        put(f, "options", crate::util::to_hex(&self.options));
    }
}

/// Decodes an IPv4 header at `off`.
pub(crate) fn decode(d: &mut Decoder, off: usize) -> Option<Step> {
    let b = d.rest(off);
    if b.len() < field::HEADER_LEN {
        d.truncated("ipv4", off, field::HEADER_LEN, RFC);
        return None;
    }
    let version = b[field::VER_IHL] >> 4;
    let ihl = b[field::VER_IHL] & 0x0f;
    if version != 4 {
        d.push(Violation::new(
            "ipv4",
            "version",
            off,
            "ipv4-version",
            RFC,
            format!("version {version}, expected 4"),
        ));
    }
    // An IHL below 5 cannot describe the fixed header: decode the 20 fixed bytes and go on.
    let hlen = if ihl < 5 {
        d.push(Violation::new(
            "ipv4",
            "ihl",
            off,
            "ipv4-ihl",
            RFC,
            format!(
                "IHL {ihl} ({} bytes) is below the minimum of 5",
                usize::from(ihl) * 4
            ),
        ));
        field::HEADER_LEN
    } else {
        usize::from(ihl) * 4
    };
    if b.len() < hlen {
        d.push(Violation::new(
            "ipv4",
            "ihl",
            off,
            "truncated",
            RFC,
            format!(
                "IHL {ihl} gives {hlen} bytes, only {} left in the packet",
                b.len()
            ),
        ));
        return None;
    }
    let flags = be16(b, field::FLAGS_FRAG);
    let total = be16(b, field::TOTAL_LEN);
    let protocol = b[field::PROTOCOL];
    let checksum = be16(b, field::CHECKSUM);
    let hdr = Ipv4 {
        version: Some(version),
        ihl: Some(ihl),
        tos: b[field::TOS],
        total_len: Some(total),
        ident: be16(b, field::IDENT),
        reserved_flag: flags & 0x8000 != 0,
        df: flags & 0x4000 != 0,
        mf: flags & 0x2000 != 0,
        frag_offset: flags & 0x1fff,
        ttl: b[field::TTL],
        protocol: Some(protocol),
        checksum: Some(checksum),
        src: ip4(b, field::SRC),
        dst: ip4(b, field::DST),
        options: b[field::HEADER_LEN..hlen].to_vec(),
    };

    let mut zeroed = [0u8; 60];
    zeroed[..hlen].copy_from_slice(&b[..hlen]);
    zeroed[field::CHECKSUM] = 0;
    zeroed[field::CHECKSUM + 1] = 0;
    let expected = internet(&zeroed[..hlen]);
    if expected != checksum {
        d.push(Violation::new(
            "ipv4",
            "checksum",
            off + field::CHECKSUM,
            "ipv4-checksum",
            RFC,
            format!("header checksum {checksum:#06x}, expected {expected:#06x}"),
        ));
    }
    if hdr.reserved_flag {
        d.push(Violation::new(
            "ipv4",
            "reserved_flag",
            off + field::FLAGS_FRAG,
            "reserved-nonzero",
            RFC,
            "reserved flag bit is set, must be zero",
        ));
    }

    let inner = d.ip_depth > 0;
    d.ip_depth += 1;
    let total = usize::from(total);
    if total < hlen {
        d.push(Violation::new(
            "ipv4",
            "total_len",
            off + field::TOTAL_LEN,
            "ipv4-total-len",
            RFC,
            format!("total length {total} is shorter than the {hlen}-byte header"),
        ));
        d.end = off + hlen;
    } else if total > b.len() {
        d.push(Violation::new(
            "ipv4",
            "total_len",
            off + field::TOTAL_LEN,
            "ip-length-long",
            RFC,
            format!(
                "total length {total} but only {} bytes are left in the frame",
                b.len()
            ),
        ));
    } else if total < b.len() {
        if inner {
            d.push(Violation::new(
                "ipv4",
                "total_len",
                off + field::TOTAL_LEN,
                "ip-length-short",
                "RFC 2473 §3",
                format!(
                    "total length {total} but the enclosing packet carries {} bytes from this header",
                    b.len()
                ),
            ));
        }
        d.end = off + total;
    }
    d.pseudo = Some(Pseudo::V4 {
        src: hdr.src,
        dst: hdr.dst,
    });
    // A fragment's payload cannot be interpreted before reassembly.
    let next = if hdr.mf || hdr.frag_offset != 0 {
        Next::Payload
    } else {
        Next::Ip(protocol)
    };
    Some(Step {
        layer: Layer::Ipv4(hdr),
        len: hlen,
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ethernet::{Ethernet, MacAddr};
    use crate::ipv6::Ipv6;
    use crate::packet::{decode, LinkType, Packet};
    use crate::udp::Udp;

    fn a4(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    fn a6(s: &str) -> std::net::Ipv6Addr {
        s.parse().unwrap()
    }

    /// The widely quoted example header 4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7
    /// (checksum 0xb861), followed by a UDP datagram without checksum (RFC 768: zero = none).
    fn example() -> Vec<u8> {
        let mut v = vec![
            0x45, 0x00, 0x00, 0x73, // version 4, IHL 5, tos 0, total length 115
            0x00, 0x00, 0x40, 0x00, // ident 0, DF, offset 0
            0x40, 0x11, 0xb8, 0x61, // ttl 64, UDP, checksum 0xb861
            0xc0, 0xa8, 0x00, 0x01, // 192.168.0.1
            0xc0, 0xa8, 0x00, 0xc7, // 192.168.0.199
            0x30, 0x39, 0x00, 0x35, // UDP 12345 -> 53
            0x00, 0x5f, 0x00, 0x00, // length 95, no checksum
        ];
        v.extend((0..87u8).map(|i| i.wrapping_mul(7)));
        v
    }

    fn example_packet() -> Packet {
        Packet::new(vec![
            Layer::Ipv4(Ipv4::new(a4("192.168.0.1"), a4("192.168.0.199")).dont_fragment()),
            Layer::Udp(Udp {
                checksum: Some(0),
                ..Udp::new(12345, 53)
            }),
            Layer::Raw((0..87u8).map(|i| i.wrapping_mul(7)).collect()),
        ])
    }

    /// IPv6 in IPv4 (protocol 41), inner IPv6 with no next header.
    static SIX_IN_FOUR: [u8; 60] = [
        0x45, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00, 0x00, // total 60
        0x40, 0x29, 0x8e, 0x62, // ttl 64, proto 41, checksum
        0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x02, // 192.0.2.1 -> 198.51.100.2
        0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3b, 0x40, // IPv6, plen 0, nh 59
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, // 2001:db8::1
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, // 2001:db8::2
    ];

    /// IPv4 in IPv6 (next header 4, RFC 2473), inner IPv4 carrying an ICMP echo request.
    static FOUR_IN_SIX: [u8; 68] = [
        0x60, 0x00, 0x00, 0x00, 0x00, 0x1c, 0x04, 0x40, // plen 28, nh 4
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, // 2001:db8::1
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, // 2001:db8::2
        0x45, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x00, // total 28
        0x40, 0x01, 0x8e, 0xaa, // ttl 64, ICMP, checksum
        0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x02, // 192.0.2.1 -> 198.51.100.2
        0x08, 0x00, 0xf7, 0xfd, 0x00, 0x01, 0x00, 0x01, // ICMP echo request
    ];

    #[test]
    fn construct_example() {
        let b = example_packet().emit();
        assert_eq!(b, example());
        assert_eq!(&b[10..12], &[0xb8, 0x61]);
    }

    #[test]
    fn deconstruct_example() {
        let bytes = example();
        let d = decode(&bytes, LinkType::Ipv4);
        assert!(d.violations.is_empty(), "{:?}", d.violations);
        assert_eq!(d.offsets, vec![0, 20, 28]);
        let Layer::Ipv4(h) = &d.packet.layers[0] else {
            panic!("not ipv4")
        };
        assert_eq!(h.version, Some(4));
        assert_eq!(h.ihl, Some(5));
        assert_eq!(h.total_len, Some(115));
        assert!(h.df && !h.mf && !h.reserved_flag);
        assert_eq!(h.ttl, 64);
        assert_eq!(h.protocol, Some(17));
        assert_eq!(h.checksum, Some(0xb861));
        assert_eq!(h.src, a4("192.168.0.1"));
        assert_eq!(h.dst, a4("192.168.0.199"));
        assert!(matches!(d.packet.layers[1], Layer::Udp(_)));
        assert_eq!(d.packet.emit(), bytes);
    }

    #[test]
    fn decode_view_fields() {
        let bytes = example();
        let d = decode(&bytes, LinkType::Ipv4);
        let v = d.view(bytes.len());
        let f = &v.layers[0].fields;
        let keys: Vec<&str> = f.keys().map(String::as_str).collect();
        for k in [
            "version",
            "ihl",
            "tos",
            "total_len",
            "ident",
            "reserved_flag",
            "df",
            "mf",
            "frag_offset",
            "ttl",
            "protocol",
            "checksum",
            "src",
            "dst",
            "options",
        ] {
            assert!(keys.contains(&k), "missing {k}");
        }
        assert_eq!(f["checksum"], 0xb861);
        assert_eq!(f["src"], "192.168.0.1");
        assert_eq!(v.layers[0].length, 20);
    }

    #[test]
    fn serde_minimal_and_round_trip() {
        let h: Ipv4 = serde_json::from_str(r#"{"src":"192.0.2.1","dst":"192.0.2.2"}"#).unwrap();
        assert_eq!(h, Ipv4::new(a4("192.0.2.1"), a4("192.0.2.2")));
        assert!(
            serde_json::from_str::<Ipv4>(r#"{"src":"192.0.2.1","dst":"192.0.2.2","x":1}"#).is_err()
        );
        let d = decode(&example(), LinkType::Ipv4);
        let json = serde_json::to_string(&d.packet).unwrap();
        let p: Packet = serde_json::from_str(&json).unwrap();
        assert_eq!(p, d.packet);
        let h = Ipv4 {
            options: vec![0x94, 0x04, 0, 0],
            ..Ipv4::new(a4("192.0.2.1"), a4("192.0.2.2"))
        };
        let json = serde_json::to_string(&h).unwrap();
        assert!(json.contains(r#""options":"94040000""#), "{json}");
        assert_eq!(serde_json::from_str::<Ipv4>(&json).unwrap(), h);
    }

    #[test]
    fn six_in_four() {
        let p = Packet::new(vec![
            Layer::Ipv4(Ipv4::new(a4("192.0.2.1"), a4("198.51.100.2"))),
            Layer::Ipv6(Ipv6::new(a6("2001:db8::1"), a6("2001:db8::2"))),
        ]);
        assert_eq!(p.emit(), SIX_IN_FOUR.to_vec());
        let d = decode(&SIX_IN_FOUR, LinkType::Ipv4);
        assert!(d.violations.is_empty(), "{:?}", d.violations);
        assert_eq!(d.offsets, vec![0, 20]);
        assert!(matches!(d.packet.layers[1], Layer::Ipv6(_)));
        assert_eq!(d.packet.emit(), SIX_IN_FOUR.to_vec());
        // The version nibble selects the decoder for raw IP captures.
        let d = decode(&SIX_IN_FOUR, LinkType::RawIp);
        assert!(matches!(d.packet.layers[0], Layer::Ipv4(_)));
    }

    #[test]
    fn four_in_six() {
        let p = Packet::new(vec![
            Layer::Ipv6(Ipv6::new(a6("2001:db8::1"), a6("2001:db8::2"))),
            Layer::Ipv4(Ipv4::new(a4("192.0.2.1"), a4("198.51.100.2"))),
            Layer::Raw(vec![0x08, 0x00, 0xf7, 0xfd, 0x00, 0x01, 0x00, 0x01]),
        ]);
        // The ICMP protocol number (1) has no layer in the codec: set it explicitly.
        let mut p2 = p.clone();
        if let Layer::Ipv4(h) = &mut p2.layers[1] {
            h.protocol = Some(1);
        }
        assert_eq!(p2.emit(), FOUR_IN_SIX.to_vec());
        // Left computed, the protocol is 59 (nothing known follows).
        assert_eq!(p.emit()[49], 59);
        let d = decode(&FOUR_IN_SIX, LinkType::Ipv6);
        assert!(d.violations.is_empty(), "{:?}", d.violations);
        assert_eq!(d.offsets, vec![0, 40, 60]);
        let Layer::Ipv4(h) = &d.packet.layers[1] else {
            panic!("inner IPv4 not decoded")
        };
        assert_eq!(
            (h.protocol, h.checksum, h.total_len),
            (Some(1), Some(0x8eaa), Some(28))
        );
        assert_eq!(d.packet.layers[2], p2.layers[2]);
        assert_eq!(d.packet.emit(), FOUR_IN_SIX.to_vec());
        assert_eq!(d.packet.emit_layers().offsets, d.offsets);
    }

    #[test]
    fn options_are_padded_and_counted() {
        let p = Packet::new(vec![Layer::Ipv4(Ipv4 {
            options: vec![0x94, 0x04, 0x00], // Router Alert, cut short: padded with EOL
            ..Ipv4::new(a4("192.0.2.1"), a4("192.0.2.2"))
        })]);
        let b = p.emit();
        assert_eq!(b.len(), 24);
        assert_eq!(b[0], 0x46);
        assert_eq!(&b[2..4], &[0, 24]);
        assert_eq!(&b[20..], &[0x94, 0x04, 0x00, 0x00]);
        assert_eq!(internet(&b), 0);
        let d = decode(&b, LinkType::Ipv4);
        assert!(d.violations.is_empty(), "{:?}", d.violations);
        let Layer::Ipv4(h) = &d.packet.layers[0] else {
            panic!("not ipv4")
        };
        assert_eq!(h.options, vec![0x94, 0x04, 0, 0]);
        assert_eq!(d.packet.emit(), b);
    }

    #[test]
    fn checksum_error_at_absolute_offset() {
        let mut p = example_packet();
        p.layers.insert(
            0,
            Layer::Ethernet(Ethernet::new(
                MacAddr([2, 0, 0, 0, 0, 1]),
                MacAddr([2, 0, 0, 0, 0, 2]),
            )),
        );
        if let Layer::Ipv4(h) = &mut p.layers[1] {
            h.checksum = Some(0x1234);
        }
        let b = p.emit();
        assert_eq!(&b[12..14], &[0x08, 0x00]);
        let d = decode(&b, LinkType::Ethernet);
        assert_eq!(d.violations.len(), 1, "{:?}", d.violations);
        let v = &d.violations[0];
        assert_eq!((v.layer, v.rule, v.offset), ("ipv4", "ipv4-checksum", 24));
        assert!(v.message.contains("0xb861"), "{}", v.message);
        assert_eq!(d.packet.emit(), b);
    }

    #[test]
    fn bad_version_ihl_and_flags() {
        let mut b = example();
        b[0] = 0x55; // version 5
        b[6] |= 0x80; // reserved flag
        b[10] = 0;
        b[11] = 0;
        let c = internet(&b[..20]);
        b[10..12].copy_from_slice(&c.to_be_bytes());
        let d = decode(&b, LinkType::Ipv4);
        let rules: Vec<_> = d.violations.iter().map(|v| (v.rule, v.offset)).collect();
        assert_eq!(rules, vec![("ipv4-version", 0), ("reserved-nonzero", 6)]);
        assert_eq!(d.packet.emit(), b);

        let mut b = example();
        b[0] = 0x43; // IHL 3
        let d = decode(&b, LinkType::Ipv4);
        assert!(d
            .violations
            .iter()
            .any(|v| v.rule == "ipv4-ihl" && v.offset == 0));
        assert_eq!(d.packet.emit(), b);

        // IHL 15 (60 bytes) in a 40-byte packet.
        let mut b = example()[..40].to_vec();
        b[0] = 0x4f;
        let d = decode(&b, LinkType::Ipv4);
        assert!(d
            .violations
            .iter()
            .any(|v| v.field == "ihl" && v.rule == "truncated"));
        assert!(matches!(d.packet.layers[0], Layer::Raw(_)));
    }

    #[test]
    fn fragments_are_opaque() {
        let mut h = Ipv4::new(a4("192.0.2.1"), a4("192.0.2.2"));
        h.mf = true;
        h.protocol = Some(17);
        let p = Packet::new(vec![
            Layer::Ipv4(h),
            Layer::Raw(vec![1, 2, 3, 4, 5, 6, 7, 8]),
        ]);
        let b = p.emit();
        assert_eq!(&b[6..8], &[0x20, 0x00]);
        let d = decode(&b, LinkType::Ipv4);
        assert!(d.violations.is_empty(), "{:?}", d.violations);
        let Layer::Ipv4(dh) = &d.packet.layers[0] else {
            panic!("not ipv4")
        };
        assert!(dh.mf);
        assert_eq!(dh.protocol, Some(17));
        assert_eq!(d.packet.layers[1], Layer::Raw(vec![1, 2, 3, 4, 5, 6, 7, 8]));
        assert_eq!(d.packet.emit(), b);
    }

    #[test]
    fn impossible_length() {
        // Total length beyond the packet.
        let mut b = example();
        b.truncate(100);
        let d = decode(&b, LinkType::Ipv4);
        assert!(d
            .violations
            .iter()
            .any(|v| v.rule == "ip-length-long" && v.offset == 2));
        // Total length shorter than the header.
        let mut b = SIX_IN_FOUR.to_vec();
        b[3] = 16;
        b[10] = 0;
        b[11] = 0;
        let c = internet(&b[..20]);
        b[10..12].copy_from_slice(&c.to_be_bytes());
        let d = decode(&b, LinkType::Ipv4);
        assert_eq!(d.violations[0].rule, "ipv4-total-len");
        // Inner IPv4 shorter than what the outer IPv6 carries.
        let mut b = FOUR_IN_SIX.to_vec();
        b[5] += 4;
        b.extend_from_slice(&[0; 4]);
        let d = decode(&b, LinkType::Ipv6);
        assert!(d
            .violations
            .iter()
            .any(|v| v.layer == "ipv4" && v.rule == "ip-length-short" && v.offset == 42));
    }

    #[test]
    fn every_truncation_is_reported() {
        for (bytes, link) in [
            (example(), LinkType::Ipv4),
            (SIX_IN_FOUR.to_vec(), LinkType::Ipv4),
            (FOUR_IN_SIX.to_vec(), LinkType::Ipv6),
        ] {
            for n in 1..bytes.len() {
                let d = decode(&bytes[..n], link);
                assert!(!d.violations.is_empty(), "cut at {n}: no violation");
                let _ = d.packet.emit();
                let _ = d.view(n);
            }
        }
    }
}
