//! Ethernet II framing (IEEE 802.3 with an EtherType; no VLAN tags are interpreted).
//!
//! ```text
//!  0                   1                   2                   3
//! +-------------------------------+-------------------------------+
//! |                Destination MAC (6)                            |
//! +                               +-------------------------------+
//! |                               |        Source MAC (6)         |
//! +-------------------------------+                               +
//! |                                                               |
//! +-------------------------------+-------------------------------+
//! |        EtherType (2)          |  payload ...
//! +-------------------------------+
//! ```

use crate::packet::{Decoder, EmitCtx, Layer, Next, Step};
use crate::util::{be16, put, Fields};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

mod field {
    use std::ops::Range;
    pub const DST: Range<usize> = 0..6;
    pub const SRC: Range<usize> = 6..12;
    pub const ETHERTYPE: Range<usize> = 12..14;
    pub const HEADER_LEN: usize = 14;
}

pub const HEADER_LEN: usize = field::HEADER_LEN;

/// A 48-bit MAC address, written `02:00:00:00:00:01`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    pub const BROADCAST: MacAddr = MacAddr([0xff; 6]);

    /// The multicast MAC for an IPv6 multicast address (RFC 2464 §7): 33:33 + its last 32 bits.
    pub fn ipv6_multicast(addr: std::net::Ipv6Addr) -> MacAddr {
        let o = addr.octets();
        MacAddr([0x33, 0x33, o[12], o[13], o[14], o[15]])
    }

    pub fn is_multicast(&self) -> bool {
        self.0[0] & 1 != 0
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

impl FromStr for MacAddr {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let err = || {
            format!("invalid MAC address \"{s}\": expected six hex bytes like 02:00:00:00:01:01")
        };
        let parts: Vec<&str> = s.split([':', '-']).collect();
        if parts.len() != 6 {
            return Err(err());
        }
        let mut m = [0u8; 6];
        for (o, p) in m.iter_mut().zip(parts) {
            if p.len() != 2 {
                return Err(err());
            }
            *o = u8::from_str_radix(p, 16).map_err(|_| err())?;
        }
        Ok(MacAddr(m))
    }
}

impl Serialize for MacAddr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MacAddr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// An Ethernet II header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ethernet {
    pub dst: MacAddr,
    pub src: MacAddr,
    /// `None`: taken from the next layer (0x86dd for IPv6, 0x0800 for IPv4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ethertype: Option<u16>,
}

impl Ethernet {
    pub fn new(src: MacAddr, dst: MacAddr) -> Self {
        Ethernet {
            dst,
            src,
            ethertype: None,
        }
    }

    pub(crate) fn emit(&self, cx: &EmitCtx, payload: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(&self.dst.0);
        out.extend_from_slice(&self.src.0);
        out.extend_from_slice(&self.ethertype.unwrap_or(cx.next_ethertype).to_be_bytes());
        out.extend_from_slice(payload);
    }

    pub(crate) fn fields(&self, f: &mut Fields) {
        put(f, "dst", self.dst.to_string());
        put(f, "src", self.src.to_string());
        put(f, "ethertype", self.ethertype.unwrap_or(0));
    }
}

pub(crate) fn decode(d: &mut Decoder, off: usize) -> Option<Step> {
    let b = d.rest(off);
    if b.len() < field::HEADER_LEN {
        d.truncated("ethernet", off, field::HEADER_LEN, "IEEE 802.3 §3.1");
        return None;
    }
    let mut dst = [0u8; 6];
    dst.copy_from_slice(&b[field::DST]);
    let mut src = [0u8; 6];
    src.copy_from_slice(&b[field::SRC]);
    let ethertype = be16(b, field::ETHERTYPE.start);
    Some(Step {
        layer: Layer::Ethernet(Ethernet {
            dst: MacAddr(dst),
            src: MacAddr(src),
            ethertype: Some(ethertype),
        }),
        len: field::HEADER_LEN,
        next: Next::EtherType(ethertype),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{decode, LinkType, Packet};

    static FRAME: [u8; 16] = [
        0x33, 0x33, 0x00, 0x00, 0x00, 0x01, // dst
        0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, // src
        0x12, 0x34, // unknown ethertype
        0xab, 0xcd, // payload
    ];

    #[test]
    fn deconstruct() {
        let d = decode(&FRAME, LinkType::Ethernet);
        assert_eq!(
            d.packet.layers[0],
            Layer::Ethernet(Ethernet {
                dst: "33:33:00:00:00:01".parse().unwrap(),
                src: "02:00:00:00:00:0a".parse().unwrap(),
                ethertype: Some(0x1234),
            })
        );
        assert_eq!(d.packet.layers[1], Layer::Raw(vec![0xab, 0xcd]));
        assert!(d.violations.is_empty());
    }

    #[test]
    fn construct() {
        let p = Packet::new(vec![
            Layer::Ethernet(Ethernet {
                dst: "33:33:00:00:00:01".parse().unwrap(),
                src: "02:00:00:00:00:0a".parse().unwrap(),
                ethertype: Some(0x1234),
            }),
            Layer::Raw(vec![0xab, 0xcd]),
        ]);
        assert_eq!(p.emit(), FRAME.to_vec());
    }

    #[test]
    fn impossible_length() {
        let d = decode(&FRAME[..13], LinkType::Ethernet);
        assert_eq!(d.violations[0].rule, "truncated");
        assert_eq!(d.packet.layers, vec![Layer::Raw(FRAME[..13].to_vec())]);
    }

    #[test]
    fn mac_parse_errors() {
        assert!("02:00:00:00:00".parse::<MacAddr>().is_err());
        assert!("02:00:00:00:00:zz".parse::<MacAddr>().is_err());
        assert_eq!(
            MacAddr::ipv6_multicast("ff02::1:ff00:1".parse().unwrap()).to_string(),
            "33:33:ff:00:00:01"
        );
    }
}
