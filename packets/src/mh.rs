//! The Mobility Header (RFC 6275 §6.1) with every RFC 6275 message, the NEMO (RFC 3963) and
//! DSMIPv6 (RFC 5555) flags and options, and unknown types kept for re-emission.
//!
//! ```text
//!  0               1               2               3
//! +---------------+---------------+---------------+---------------+
//! | Payload Proto |  Header Len   |   MH Type     |   Reserved    |  0
//! +---------------+---------------+---------------+---------------+
//! |           Checksum            |        Message Data ...       |  4
//! +-------------------------------+                               |
//! |      ... fixed part of the message, then mobility options     |  6
//! +---------------------------------------------------------------+
//!
//! Header Len: length in 8-octet units, not counting the first 8 octets.
//! Options start at 8 (BRR), 16 (HoTI, CoTI), 24 (HoT, CoT, BE), 12 (BU, BA).
//! ```

use crate::packet::{proto, Decoder, EmitCtx, Layer, Next, OptionView, Step};
use crate::util::{be16, be32, ip4, ip6, put, to_hex, Fields};
use crate::violation::Violation;
use serde::{Deserialize, Serialize};
use std::net::{Ipv4Addr, Ipv6Addr};

mod field {
    pub const PAYLOAD_PROTO: usize = 0;
    pub const HEADER_LEN: usize = 1;
    pub const MH_TYPE: usize = 2;
    pub const RESERVED: usize = 3;
    pub const CHECKSUM: usize = 4;
    pub const DATA: usize = 6;
}

/// Offset of the Checksum field inside the Mobility Header.
pub const CHECKSUM_OFFSET: usize = field::CHECKSUM;

/// MH Type numbers of RFC 6275 §6.1.2–§6.1.9.
pub mod mh_type {
    pub const BRR: u8 = 0;
    pub const HOTI: u8 = 1;
    pub const COTI: u8 = 2;
    pub const HOT: u8 = 3;
    pub const COT: u8 = 4;
    pub const BU: u8 = 5;
    pub const BA: u8 = 6;
    pub const BE: u8 = 7;
}

/// Mobility option type numbers (RFC 6275 §6.2, RFC 3963 §4.3, RFC 4283 §3, RFC 5555 §3).
pub mod opt_type {
    pub const PAD1: u8 = 0;
    pub const PADN: u8 = 1;
    pub const BINDING_REFRESH_ADVICE: u8 = 2;
    pub const ALTERNATE_COA: u8 = 3;
    pub const NONCE_INDICES: u8 = 4;
    pub const BINDING_AUTH_DATA: u8 = 5;
    pub const MOBILE_NETWORK_PREFIX: u8 = 6;
    pub const MN_IDENTIFIER: u8 = 8;
    pub const IPV4_HOME_ADDRESS: u8 = 29;
    pub const IPV4_ADDRESS_ACK: u8 = 30;
    pub const NAT_DETECTION: u8 = 31;
    pub const IPV4_COA: u8 = 32;
}

/// The smallest Header Len allowed for a message type (RFC 6275 §9.2), `None` for unknown types.
pub fn min_header_len(t: u8) -> Option<u8> {
    match t {
        mh_type::BRR => Some(0),
        mh_type::HOTI | mh_type::COTI | mh_type::BU | mh_type::BA => Some(1),
        mh_type::HOT | mh_type::COT | mh_type::BE => Some(2),
        _ => None,
    }
}

fn default_payload_proto() -> u8 {
    proto::NONE
}

fn is_none_proto(v: &u8) -> bool {
    *v == proto::NONE
}

/// A Mobility Header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mobility {
    /// 59 unless a test says otherwise (RFC 6275 §6.1.1).
    #[serde(
        default = "default_payload_proto",
        skip_serializing_if = "is_none_proto"
    )]
    pub payload_proto: u8,
    /// `None`: computed from the length, after zero-padding the header to a multiple of 8 bytes.
    /// `Some`: written as given and the header is not padded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_len: Option<u8>,
    /// `None`: the type of `message`. `Some`: this number with `message`'s body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mh_type: Option<u8>,
    #[serde(default, skip_serializing_if = "crate::util::is_default")]
    pub reserved: u8,
    /// `None`: computed (RFC 6275 §6.1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<u16>,
    pub message: MhMessage,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<MhOption>,
}

/// The type-specific part of a Mobility Header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum MhMessage {
    /// Type 0 (§6.1.2).
    BindingRefreshRequest {
        #[serde(default)]
        reserved: u16,
    },
    /// Type 1 (§6.1.3).
    HomeTestInit {
        #[serde(default)]
        reserved: u16,
        #[serde(with = "hex8")]
        cookie: [u8; 8],
    },
    /// Type 2 (§6.1.4).
    CareOfTestInit {
        #[serde(default)]
        reserved: u16,
        #[serde(with = "hex8")]
        cookie: [u8; 8],
    },
    /// Type 3 (§6.1.5).
    HomeTest {
        nonce_index: u16,
        #[serde(with = "hex8")]
        cookie: [u8; 8],
        #[serde(with = "hex8")]
        token: [u8; 8],
    },
    /// Type 4 (§6.1.6).
    CareOfTest {
        nonce_index: u16,
        #[serde(with = "hex8")]
        cookie: [u8; 8],
        #[serde(with = "hex8")]
        token: [u8; 8],
    },
    /// Type 5 (§6.1.7).
    BindingUpdate(BindingUpdate),
    /// Type 6 (§6.1.8).
    BindingAck(BindingAck),
    /// Type 7 (§6.1.9).
    BindingError {
        status: u8,
        #[serde(default)]
        reserved: u8,
        home_address: Ipv6Addr,
    },
    /// Any other type, or a known type whose Header Len leaves no room for its fixed part:
    /// the bytes from offset 6 to the end of the header.
    Unknown {
        mh_type: u8,
        #[serde(default, with = "crate::util::hex")]
        data: Vec<u8>,
    },
}

/// Binding Update body (RFC 6275 §6.1.7, flags of RFC 3963, 5213, 5555, 5845, 6602, 7161, 8885).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BindingUpdate {
    pub seq: u16,
    #[serde(skip_serializing_if = "crate::util::is_default")]
    pub a: bool,
    #[serde(skip_serializing_if = "crate::util::is_default")]
    pub h: bool,
    #[serde(skip_serializing_if = "crate::util::is_default")]
    pub l: bool,
    #[serde(skip_serializing_if = "crate::util::is_default")]
    pub k: bool,
    #[serde(skip_serializing_if = "crate::util::is_default")]
    pub m: bool,
    /// Mobile Router (NEMO, RFC 3963 §4.1).
    #[serde(skip_serializing_if = "crate::util::is_default")]
    pub r: bool,
    #[serde(skip_serializing_if = "crate::util::is_default")]
    pub p: bool,
    /// Force UDP encapsulation (DSMIPv6, RFC 5555 §3.1.3).
    #[serde(skip_serializing_if = "crate::util::is_default")]
    pub f: bool,
    #[serde(skip_serializing_if = "crate::util::is_default")]
    pub t: bool,
    #[serde(skip_serializing_if = "crate::util::is_default")]
    pub b: bool,
    #[serde(skip_serializing_if = "crate::util::is_default")]
    pub s: bool,
    #[serde(skip_serializing_if = "crate::util::is_default")]
    pub d: bool,
    /// The 4 low bits of the flags word, reserved everywhere.
    #[serde(skip_serializing_if = "crate::util::is_default")]
    pub reserved: u16,
    /// In units of 4 seconds.
    pub lifetime: u16,
}

/// Binding Acknowledgement body (RFC 6275 §6.1.8 and extensions).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BindingAck {
    pub status: u8,
    #[serde(skip_serializing_if = "crate::util::is_default")]
    pub k: bool,
    /// The home agent supports mobile routers (RFC 3963 §4.2).
    #[serde(skip_serializing_if = "crate::util::is_default")]
    pub r: bool,
    #[serde(skip_serializing_if = "crate::util::is_default")]
    pub p: bool,
    #[serde(skip_serializing_if = "crate::util::is_default")]
    pub t: bool,
    #[serde(skip_serializing_if = "crate::util::is_default")]
    pub b: bool,
    #[serde(skip_serializing_if = "crate::util::is_default")]
    pub s: bool,
    #[serde(skip_serializing_if = "crate::util::is_default")]
    pub d: bool,
    /// The low bit of the flags byte.
    #[serde(skip_serializing_if = "crate::util::is_default")]
    pub reserved: u8,
    pub seq: u16,
    /// In units of 4 seconds.
    pub lifetime: u16,
}

const BU_FLAGS: [u16; 12] = [
    0x8000, 0x4000, 0x2000, 0x1000, 0x0800, 0x0400, 0x0200, 0x0100, 0x0080, 0x0040, 0x0020, 0x0010,
];
const BA_FLAGS: [u8; 7] = [0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02];

impl BindingUpdate {
    fn flag_refs(&self) -> [bool; 12] {
        [
            self.a, self.h, self.l, self.k, self.m, self.r, self.p, self.f, self.t, self.b, self.s,
            self.d,
        ]
    }

    /// The 16-bit flags word at MH offset 8.
    pub fn flags_word(&self) -> u16 {
        let mut w = self.reserved & 0x000f;
        for (set, mask) in self.flag_refs().iter().zip(BU_FLAGS) {
            if *set {
                w |= mask;
            }
        }
        w
    }

    fn from_word(seq: u16, w: u16, lifetime: u16) -> Self {
        let f = |m: u16| w & m != 0;
        BindingUpdate {
            seq,
            a: f(0x8000),
            h: f(0x4000),
            l: f(0x2000),
            k: f(0x1000),
            m: f(0x0800),
            r: f(0x0400),
            p: f(0x0200),
            f: f(0x0100),
            t: f(0x0080),
            b: f(0x0040),
            s: f(0x0020),
            d: f(0x0010),
            reserved: w & 0x000f,
            lifetime,
        }
    }
}

impl BindingAck {
    /// The flags byte at MH offset 7.
    pub fn flags_byte(&self) -> u8 {
        let mut v = self.reserved & 1;
        let set = [self.k, self.r, self.p, self.t, self.b, self.s, self.d];
        for (s, m) in set.iter().zip(BA_FLAGS) {
            if *s {
                v |= m;
            }
        }
        v
    }

    fn from_byte(status: u8, v: u8, seq: u16, lifetime: u16) -> Self {
        let f = |m: u8| v & m != 0;
        BindingAck {
            status,
            k: f(0x80),
            r: f(0x40),
            p: f(0x20),
            t: f(0x10),
            b: f(0x08),
            s: f(0x04),
            d: f(0x02),
            reserved: v & 1,
            seq,
            lifetime,
        }
    }
}

impl MhMessage {
    /// The MH Type number of this message.
    pub fn mh_type(&self) -> u8 {
        match self {
            MhMessage::BindingRefreshRequest { .. } => mh_type::BRR,
            MhMessage::HomeTestInit { .. } => mh_type::HOTI,
            MhMessage::CareOfTestInit { .. } => mh_type::COTI,
            MhMessage::HomeTest { .. } => mh_type::HOT,
            MhMessage::CareOfTest { .. } => mh_type::COT,
            MhMessage::BindingUpdate(_) => mh_type::BU,
            MhMessage::BindingAck(_) => mh_type::BA,
            MhMessage::BindingError { .. } => mh_type::BE,
            MhMessage::Unknown { mh_type, .. } => *mh_type,
        }
    }

    /// Stable snake_case name used in the decode view.
    pub fn name(&self) -> &'static str {
        match self {
            MhMessage::BindingRefreshRequest { .. } => "binding_refresh_request",
            MhMessage::HomeTestInit { .. } => "home_test_init",
            MhMessage::CareOfTestInit { .. } => "care_of_test_init",
            MhMessage::HomeTest { .. } => "home_test",
            MhMessage::CareOfTest { .. } => "care_of_test",
            MhMessage::BindingUpdate(_) => "binding_update",
            MhMessage::BindingAck(_) => "binding_ack",
            MhMessage::BindingError { .. } => "binding_error",
            MhMessage::Unknown { .. } => "unknown",
        }
    }

    /// Where mobility options start, from the first byte of the Mobility Header.
    pub fn options_offset(&self) -> usize {
        field::DATA + self.body_len()
    }

    fn body_len(&self) -> usize {
        match self {
            MhMessage::BindingRefreshRequest { .. } => 2,
            MhMessage::HomeTestInit { .. } | MhMessage::CareOfTestInit { .. } => 10,
            MhMessage::HomeTest { .. } | MhMessage::CareOfTest { .. } => 18,
            MhMessage::BindingUpdate(_) | MhMessage::BindingAck(_) => 6,
            MhMessage::BindingError { .. } => 18,
            MhMessage::Unknown { data, .. } => data.len(),
        }
    }

    fn emit(&self, out: &mut Vec<u8>) {
        match self {
            MhMessage::BindingRefreshRequest { reserved } => {
                out.extend_from_slice(&reserved.to_be_bytes())
            }
            MhMessage::HomeTestInit { reserved, cookie }
            | MhMessage::CareOfTestInit { reserved, cookie } => {
                out.extend_from_slice(&reserved.to_be_bytes());
                out.extend_from_slice(cookie);
            }
            MhMessage::HomeTest {
                nonce_index,
                cookie,
                token,
            }
            | MhMessage::CareOfTest {
                nonce_index,
                cookie,
                token,
            } => {
                out.extend_from_slice(&nonce_index.to_be_bytes());
                out.extend_from_slice(cookie);
                out.extend_from_slice(token);
            }
            MhMessage::BindingUpdate(bu) => {
                out.extend_from_slice(&bu.seq.to_be_bytes());
                out.extend_from_slice(&bu.flags_word().to_be_bytes());
                out.extend_from_slice(&bu.lifetime.to_be_bytes());
            }
            MhMessage::BindingAck(ba) => {
                out.push(ba.status);
                out.push(ba.flags_byte());
                out.extend_from_slice(&ba.seq.to_be_bytes());
                out.extend_from_slice(&ba.lifetime.to_be_bytes());
            }
            MhMessage::BindingError {
                status,
                reserved,
                home_address,
            } => {
                out.push(*status);
                out.push(*reserved);
                out.extend_from_slice(&home_address.octets());
            }
            MhMessage::Unknown { data, .. } => out.extend_from_slice(data),
        }
    }

    /// Decodes the fixed part of a known message from `b` (bytes from MH offset 6), if it fits.
    fn decode(t: u8, b: &[u8]) -> Option<MhMessage> {
        let cookie = |o: usize| -> [u8; 8] { b[o..o + 8].try_into().unwrap_or([0; 8]) };
        Some(match t {
            mh_type::BRR if b.len() >= 2 => MhMessage::BindingRefreshRequest {
                reserved: be16(b, 0),
            },
            mh_type::HOTI if b.len() >= 10 => MhMessage::HomeTestInit {
                reserved: be16(b, 0),
                cookie: cookie(2),
            },
            mh_type::COTI if b.len() >= 10 => MhMessage::CareOfTestInit {
                reserved: be16(b, 0),
                cookie: cookie(2),
            },
            mh_type::HOT if b.len() >= 18 => MhMessage::HomeTest {
                nonce_index: be16(b, 0),
                cookie: cookie(2),
                token: cookie(10),
            },
            mh_type::COT if b.len() >= 18 => MhMessage::CareOfTest {
                nonce_index: be16(b, 0),
                cookie: cookie(2),
                token: cookie(10),
            },
            mh_type::BU if b.len() >= 6 => MhMessage::BindingUpdate(BindingUpdate::from_word(
                be16(b, 0),
                be16(b, 2),
                be16(b, 4),
            )),
            mh_type::BA if b.len() >= 6 => {
                MhMessage::BindingAck(BindingAck::from_byte(b[0], b[1], be16(b, 2), be16(b, 4)))
            }
            mh_type::BE if b.len() >= 18 => MhMessage::BindingError {
                status: b[0],
                reserved: b[1],
                home_address: ip6(b, 2),
            },
            _ => return None,
        })
    }

    fn fields(&self, f: &mut Fields) {
        match self {
            MhMessage::BindingRefreshRequest { reserved } => put(f, "reserved2", *reserved),
            MhMessage::HomeTestInit { reserved, cookie }
            | MhMessage::CareOfTestInit { reserved, cookie } => {
                put(f, "reserved2", *reserved);
                put(f, "cookie", to_hex(cookie));
            }
            MhMessage::HomeTest {
                nonce_index,
                cookie,
                token,
            }
            | MhMessage::CareOfTest {
                nonce_index,
                cookie,
                token,
            } => {
                put(f, "nonce_index", *nonce_index);
                put(f, "cookie", to_hex(cookie));
                put(f, "token", to_hex(token));
            }
            MhMessage::BindingUpdate(bu) => {
                put(f, "seq", bu.seq);
                let names = ["a", "h", "l", "k", "m", "r", "p", "f", "t", "b", "s", "d"];
                for (n, v) in names.iter().zip(bu.flag_refs()) {
                    put(f, n, v);
                }
                put(f, "flags_reserved", bu.reserved);
                put(f, "lifetime", bu.lifetime);
                put(f, "lifetime_seconds", u32::from(bu.lifetime) * 4);
            }
            MhMessage::BindingAck(ba) => {
                put(f, "status", ba.status);
                let names = ["k", "r", "p", "t", "b", "s", "d"];
                let set = [ba.k, ba.r, ba.p, ba.t, ba.b, ba.s, ba.d];
                for (n, v) in names.iter().zip(set) {
                    put(f, n, v);
                }
                put(f, "flags_reserved", ba.reserved);
                put(f, "seq", ba.seq);
                put(f, "lifetime", ba.lifetime);
                put(f, "lifetime_seconds", u32::from(ba.lifetime) * 4);
            }
            MhMessage::BindingError {
                status,
                reserved,
                home_address,
            } => {
                put(f, "status", *status);
                put(f, "reserved2", *reserved);
                put(f, "home_address", home_address.to_string());
            }
            MhMessage::Unknown { data, .. } => put(f, "data", to_hex(data)),
        }
    }
}

/// A mobility option (RFC 6275 §6.2 and extensions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum MhOption {
    Pad1,
    /// PadN with this many zero data bytes.
    #[serde(rename = "padn")]
    PadN(u8),
    /// Refresh interval in units of 4 seconds (§6.2.4).
    BindingRefreshAdvice {
        interval: u16,
    },
    /// §6.2.5.
    AlternateCareOfAddress(Ipv6Addr),
    /// §6.2.6.
    NonceIndices {
        home: u16,
        care_of: u16,
    },
    /// The authenticator (§6.2.7): 12 bytes for return routability.
    BindingAuthorizationData(#[serde(with = "crate::util::hex")] Vec<u8>),
    /// RFC 3963 §4.3.
    MobileNetworkPrefix {
        #[serde(default)]
        reserved: u8,
        prefix_len: u8,
        prefix: Ipv6Addr,
    },
    /// RFC 4283 §3: subtype 1 = NAI.
    MobileNodeIdentifier {
        subtype: u8,
        #[serde(with = "crate::util::hex")]
        identifier: Vec<u8>,
    },
    /// RFC 5555 §3.1.1.
    Ipv4HomeAddress {
        #[serde(default)]
        prefix_len: u8,
        #[serde(default)]
        p: bool,
        #[serde(default)]
        reserved: u16,
        address: Ipv4Addr,
    },
    /// RFC 5555 §3.2.1.
    Ipv4AddressAck {
        status: u8,
        #[serde(default)]
        prefix_len: u8,
        #[serde(default)]
        reserved: u8,
        address: Ipv4Addr,
    },
    /// RFC 5555 §3.2.2.
    NatDetection {
        #[serde(default)]
        f: bool,
        #[serde(default)]
        reserved: u16,
        refresh_time: u32,
    },
    /// RFC 5555 §3.1.2.
    Ipv4CareOfAddress {
        #[serde(default)]
        reserved: u16,
        address: Ipv4Addr,
    },
    /// Any other option, or a known type with a length the codec does not accept.
    Other {
        #[serde(rename = "type")]
        typ: u8,
        #[serde(default, with = "crate::util::hex")]
        data: Vec<u8>,
    },
}

impl MhOption {
    pub fn opt_type(&self) -> u8 {
        use opt_type::*;
        match self {
            MhOption::Pad1 => PAD1,
            MhOption::PadN(_) => PADN,
            MhOption::BindingRefreshAdvice { .. } => BINDING_REFRESH_ADVICE,
            MhOption::AlternateCareOfAddress(_) => ALTERNATE_COA,
            MhOption::NonceIndices { .. } => NONCE_INDICES,
            MhOption::BindingAuthorizationData(_) => BINDING_AUTH_DATA,
            MhOption::MobileNetworkPrefix { .. } => MOBILE_NETWORK_PREFIX,
            MhOption::MobileNodeIdentifier { .. } => MN_IDENTIFIER,
            MhOption::Ipv4HomeAddress { .. } => IPV4_HOME_ADDRESS,
            MhOption::Ipv4AddressAck { .. } => IPV4_ADDRESS_ACK,
            MhOption::NatDetection { .. } => NAT_DETECTION,
            MhOption::Ipv4CareOfAddress { .. } => IPV4_COA,
            MhOption::Other { typ, .. } => *typ,
        }
    }

    /// Bytes this option takes on the wire.
    pub fn wire_len(&self) -> usize {
        match self {
            MhOption::Pad1 => 1,
            other => 2 + other.data_len(),
        }
    }

    fn data_len(&self) -> usize {
        match self {
            MhOption::Pad1 => 0,
            MhOption::PadN(n) => usize::from(*n),
            MhOption::BindingRefreshAdvice { .. } => 2,
            MhOption::AlternateCareOfAddress(_) => 16,
            MhOption::NonceIndices { .. } => 4,
            MhOption::BindingAuthorizationData(a) => a.len(),
            MhOption::MobileNetworkPrefix { .. } => 18,
            MhOption::MobileNodeIdentifier { identifier, .. } => 1 + identifier.len(),
            MhOption::Ipv4HomeAddress { .. }
            | MhOption::Ipv4AddressAck { .. }
            | MhOption::NatDetection { .. }
            | MhOption::Ipv4CareOfAddress { .. } => 6,
            MhOption::Other { data, .. } => data.len(),
        }
    }

    /// Alignment `(x, y)`: the Type byte sits at an MH offset ≡ y (mod x).
    pub fn alignment(&self) -> (usize, usize) {
        match self {
            MhOption::BindingRefreshAdvice { .. } | MhOption::NonceIndices { .. } => (2, 0),
            MhOption::AlternateCareOfAddress(_) => (8, 6),
            // Implicit: it is last and the header ends on an 8-byte boundary (§6.2.7).
            MhOption::BindingAuthorizationData(_) => (8, 2),
            MhOption::MobileNetworkPrefix { .. } => (8, 4),
            MhOption::Ipv4HomeAddress { .. }
            | MhOption::Ipv4AddressAck { .. }
            | MhOption::NatDetection { .. }
            | MhOption::Ipv4CareOfAddress { .. } => (4, 0),
            _ => (1, 0),
        }
    }

    /// Stable snake_case name used in the decode view.
    pub fn name(&self) -> &'static str {
        match self {
            MhOption::Other { typ, .. } => opt_name(*typ),
            o => opt_name(o.opt_type()),
        }
    }

    fn emit(&self, out: &mut Vec<u8>) {
        if let MhOption::Pad1 = self {
            out.push(0);
            return;
        }
        out.push(self.opt_type());
        out.push(self.data_len() as u8);
        match self {
            MhOption::Pad1 => {}
            MhOption::PadN(n) => out.resize(out.len() + usize::from(*n), 0),
            MhOption::BindingRefreshAdvice { interval } => {
                out.extend_from_slice(&interval.to_be_bytes())
            }
            MhOption::AlternateCareOfAddress(a) => out.extend_from_slice(&a.octets()),
            MhOption::NonceIndices { home, care_of } => {
                out.extend_from_slice(&home.to_be_bytes());
                out.extend_from_slice(&care_of.to_be_bytes());
            }
            MhOption::BindingAuthorizationData(a) => out.extend_from_slice(a),
            MhOption::MobileNetworkPrefix {
                reserved,
                prefix_len,
                prefix,
            } => {
                out.push(*reserved);
                out.push(*prefix_len);
                out.extend_from_slice(&prefix.octets());
            }
            MhOption::MobileNodeIdentifier {
                subtype,
                identifier,
            } => {
                out.push(*subtype);
                out.extend_from_slice(identifier);
            }
            MhOption::Ipv4HomeAddress {
                prefix_len,
                p,
                reserved,
                address,
            } => {
                let w = (u16::from(*prefix_len & 0x3f) << 10)
                    | (u16::from(*p) << 9)
                    | (reserved & 0x01ff);
                out.extend_from_slice(&w.to_be_bytes());
                out.extend_from_slice(&address.octets());
            }
            MhOption::Ipv4AddressAck {
                status,
                prefix_len,
                reserved,
                address,
            } => {
                out.push(*status);
                out.push((prefix_len << 2) | (reserved & 3));
                out.extend_from_slice(&address.octets());
            }
            MhOption::NatDetection {
                f,
                reserved,
                refresh_time,
            } => {
                let w = (u16::from(*f) << 15) | (reserved & 0x7fff);
                out.extend_from_slice(&w.to_be_bytes());
                out.extend_from_slice(&refresh_time.to_be_bytes());
            }
            MhOption::Ipv4CareOfAddress { reserved, address } => {
                out.extend_from_slice(&reserved.to_be_bytes());
                out.extend_from_slice(&address.octets());
            }
            MhOption::Other { data, .. } => out.extend_from_slice(data),
        }
    }

    /// Decodes a known option of type `t` from its data, if the length is the one it must have.
    fn decode(t: u8, d: &[u8]) -> Option<MhOption> {
        use opt_type::*;
        Some(match (t, d.len()) {
            (PADN, _) if d.iter().all(|&b| b == 0) => MhOption::PadN(d.len() as u8),
            (BINDING_REFRESH_ADVICE, 2) => MhOption::BindingRefreshAdvice {
                interval: be16(d, 0),
            },
            (ALTERNATE_COA, 16) => MhOption::AlternateCareOfAddress(ip6(d, 0)),
            (NONCE_INDICES, 4) => MhOption::NonceIndices {
                home: be16(d, 0),
                care_of: be16(d, 2),
            },
            (BINDING_AUTH_DATA, _) => MhOption::BindingAuthorizationData(d.to_vec()),
            (MOBILE_NETWORK_PREFIX, 18) => MhOption::MobileNetworkPrefix {
                reserved: d[0],
                prefix_len: d[1],
                prefix: ip6(d, 2),
            },
            (MN_IDENTIFIER, n) if n >= 1 => MhOption::MobileNodeIdentifier {
                subtype: d[0],
                identifier: d[1..].to_vec(),
            },
            (IPV4_HOME_ADDRESS, 6) => {
                let w = be16(d, 0);
                MhOption::Ipv4HomeAddress {
                    prefix_len: (w >> 10) as u8,
                    p: w & 0x0200 != 0,
                    reserved: w & 0x01ff,
                    address: ip4(d, 2),
                }
            }
            (IPV4_ADDRESS_ACK, 6) => MhOption::Ipv4AddressAck {
                status: d[0],
                prefix_len: d[1] >> 2,
                reserved: d[1] & 3,
                address: ip4(d, 2),
            },
            (NAT_DETECTION, 6) => {
                let w = be16(d, 0);
                MhOption::NatDetection {
                    f: w & 0x8000 != 0,
                    reserved: w & 0x7fff,
                    refresh_time: be32(d, 2),
                }
            }
            (IPV4_COA, 6) => MhOption::Ipv4CareOfAddress {
                reserved: be16(d, 0),
                address: ip4(d, 2),
            },
            _ => return None,
        })
    }

    fn fields(&self, f: &mut Fields) {
        match self {
            MhOption::Pad1 | MhOption::PadN(_) => {}
            MhOption::BindingRefreshAdvice { interval } => {
                put(f, "refresh_interval", *interval);
                put(f, "refresh_interval_seconds", u32::from(*interval) * 4);
            }
            MhOption::AlternateCareOfAddress(a) => put(f, "address", a.to_string()),
            MhOption::NonceIndices { home, care_of } => {
                put(f, "home_nonce_index", *home);
                put(f, "care_of_nonce_index", *care_of);
            }
            MhOption::BindingAuthorizationData(a) => put(f, "authenticator", to_hex(a)),
            MhOption::MobileNetworkPrefix {
                reserved,
                prefix_len,
                prefix,
            } => {
                put(f, "reserved", *reserved);
                put(f, "prefix_len", *prefix_len);
                put(f, "prefix", prefix.to_string());
            }
            MhOption::MobileNodeIdentifier {
                subtype,
                identifier,
            } => {
                put(f, "subtype", *subtype);
                put(
                    f,
                    "identifier",
                    String::from_utf8_lossy(identifier).into_owned(),
                );
                put(f, "identifier_hex", to_hex(identifier));
            }
            MhOption::Ipv4HomeAddress {
                prefix_len,
                p,
                reserved,
                address,
            } => {
                put(f, "prefix_len", *prefix_len);
                put(f, "p", *p);
                put(f, "reserved", *reserved);
                put(f, "address", address.to_string());
            }
            MhOption::Ipv4AddressAck {
                status,
                prefix_len,
                reserved,
                address,
            } => {
                put(f, "status", *status);
                put(f, "prefix_len", *prefix_len);
                put(f, "reserved", *reserved);
                put(f, "address", address.to_string());
            }
            MhOption::NatDetection {
                f: flag,
                reserved,
                refresh_time,
            } => {
                put(f, "f", *flag);
                put(f, "reserved", *reserved);
                put(f, "refresh_time", *refresh_time);
            }
            MhOption::Ipv4CareOfAddress { reserved, address } => {
                put(f, "reserved", *reserved);
                put(f, "address", address.to_string());
            }
            MhOption::Other { data, .. } => put(f, "data", to_hex(data)),
        }
    }

    /// Message types an RFC-defined option may appear in, `None` when unrestricted or unknown.
    fn allowed_in(&self) -> Option<&'static [u8]> {
        use mh_type::*;
        match self {
            MhOption::BindingRefreshAdvice { .. }
            | MhOption::Ipv4AddressAck { .. }
            | MhOption::NatDetection { .. } => Some(&[BA]),
            MhOption::AlternateCareOfAddress(_)
            | MhOption::NonceIndices { .. }
            | MhOption::Ipv4HomeAddress { .. }
            | MhOption::Ipv4CareOfAddress { .. } => Some(&[BU]),
            MhOption::BindingAuthorizationData(_) | MhOption::MobileNetworkPrefix { .. } => {
                Some(&[BU, BA])
            }
            _ => None,
        }
    }
}

fn opt_name(t: u8) -> &'static str {
    use opt_type::*;
    match t {
        PAD1 => "pad1",
        PADN => "padn",
        BINDING_REFRESH_ADVICE => "binding_refresh_advice",
        ALTERNATE_COA => "alternate_care_of_address",
        NONCE_INDICES => "nonce_indices",
        BINDING_AUTH_DATA => "binding_authorization_data",
        MOBILE_NETWORK_PREFIX => "mobile_network_prefix",
        MN_IDENTIFIER => "mobile_node_identifier",
        IPV4_HOME_ADDRESS => "ipv4_home_address",
        IPV4_ADDRESS_ACK => "ipv4_address_ack",
        NAT_DETECTION => "nat_detection",
        IPV4_COA => "ipv4_care_of_address",
        _ => "unknown",
    }
}

fn opt_rfc(t: u8) -> &'static str {
    use opt_type::*;
    match t {
        BINDING_REFRESH_ADVICE => "RFC 6275 §6.2.4",
        ALTERNATE_COA => "RFC 6275 §6.2.5",
        NONCE_INDICES => "RFC 6275 §6.2.6",
        BINDING_AUTH_DATA => "RFC 6275 §6.2.7",
        MOBILE_NETWORK_PREFIX => "RFC 3963 §4.3",
        MN_IDENTIFIER => "RFC 4283 §3",
        IPV4_HOME_ADDRESS => "RFC 5555 §3.1.1",
        IPV4_ADDRESS_ACK => "RFC 5555 §3.2.1",
        NAT_DETECTION => "RFC 5555 §3.2.2",
        IPV4_COA => "RFC 5555 §3.1.2",
        _ => "RFC 6275 §6.2.1",
    }
}

/// Inserts Pad1/PadN before each option to meet its alignment, and after the last one so the
/// header ends on an 8-byte boundary. `start` is the MH offset of the first option
/// ([`MhMessage::options_offset`]). Existing padding is kept as it is.
pub fn align_options(start: usize, options: Vec<MhOption>) -> Vec<MhOption> {
    crate::util::align_tlv(start, options)
}

impl crate::util::PaddedOption for MhOption {
    fn alignment(&self) -> (usize, usize) {
        MhOption::alignment(self)
    }
    fn wire_len(&self) -> usize {
        MhOption::wire_len(self)
    }
    fn pad1() -> Self {
        MhOption::Pad1
    }
    fn padn(n: u8) -> Self {
        MhOption::PadN(n)
    }
}

impl Mobility {
    /// A Mobility Header for `message` with `options` aligned and padded (RFC 6275 §6.2).
    pub fn new(message: MhMessage, options: Vec<MhOption>) -> Self {
        let options = align_options(message.options_offset(), options);
        Mobility {
            payload_proto: proto::NONE,
            header_len: None,
            mh_type: None,
            reserved: 0,
            checksum: None,
            message,
            options,
        }
    }

    /// The MH Type on the wire.
    pub fn wire_type(&self) -> u8 {
        self.mh_type.unwrap_or_else(|| self.message.mh_type())
    }

    /// The Mobility Header's bytes with the checksum computed for `pseudo` (0 when `None`)
    /// unless it is overridden.
    pub fn to_bytes(&self, pseudo: Option<&crate::checksum::Pseudo>) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.message.options_offset() + 32);
        self.write_unchecksummed(&mut out);
        // The checksum covers the header as its Header Len declares it (RFC 6275 §6.1.1), which
        // with an overridden Header Len may be shorter than the bytes sent.
        let declared = (usize::from(out[field::HEADER_LEN]) + 1) * 8;
        let covered = &out[..declared.min(out.len())];
        let sum = match (self.checksum, pseudo) {
            (Some(c), _) => c,
            (None, Some(p)) => p.checksum(proto::MOBILITY, covered),
            (None, None) => 0,
        };
        out[field::CHECKSUM..field::CHECKSUM + 2].copy_from_slice(&sum.to_be_bytes());
        out
    }

    /// The header with the Checksum field zero, lengths and padding applied.
    fn write_unchecksummed(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.push(self.payload_proto);
        out.push(0);
        out.push(self.wire_type());
        out.push(self.reserved);
        out.extend_from_slice(&[0, 0]);
        self.message.emit(out);
        for o in &self.options {
            o.emit(out);
        }
        let len = out.len() - start;
        let hl = match self.header_len {
            Some(h) => h,
            None => {
                // Zero bytes are Pad1 options: the header stays well-formed.
                let total = len.div_ceil(8).max(1) * 8;
                out.resize(start + total, 0);
                (total / 8 - 1).min(255) as u8
            }
        };
        out[start + field::HEADER_LEN] = hl;
    }

    /// The bytes the Binding Authorization Data authenticator covers (RFC 6275 §6.2.7): the
    /// header with the Checksum zero, up to and including the last option's Type and Length.
    /// `None` if the last option is not Binding Authorization Data.
    pub fn authenticated_data(&self) -> Option<Vec<u8>> {
        let auth_len = self.options.iter().rev().find_map(|o| match o {
            MhOption::BindingAuthorizationData(a) => Some(a.len()),
            MhOption::Pad1 | MhOption::PadN(_) => None,
            _ => Some(usize::MAX),
        })?;
        if auth_len == usize::MAX {
            return None;
        }
        let mut out = Vec::new();
        self.write_unchecksummed(&mut out);
        // The authenticator is the last option: drop it and any padding after it.
        let bad_end = self.message.options_offset()
            + self
                .options
                .iter()
                .rposition(|o| matches!(o, MhOption::BindingAuthorizationData(_)))
                .map(|i| {
                    self.options[..=i]
                        .iter()
                        .map(MhOption::wire_len)
                        .sum::<usize>()
                })?;
        out.truncate(bad_end.checked_sub(auth_len)?);
        Some(out)
    }

    /// Sets the authenticator of the Binding Authorization Data option (adding a 12-byte one,
    /// aligned, if there is none) from `kbm`, the care-of address and the correspondent address.
    pub fn authenticate(&mut self, kbm: &[u8; 20], care_of: Ipv6Addr, correspondent: Ipv6Addr) {
        if !self
            .options
            .iter()
            .any(|o| matches!(o, MhOption::BindingAuthorizationData(_)))
        {
            let mut opts: Vec<MhOption> = self
                .options
                .drain(..)
                .filter(|o| !matches!(o, MhOption::Pad1 | MhOption::PadN(_)))
                .collect();
            opts.push(MhOption::BindingAuthorizationData(vec![0; 12]));
            self.options = align_options(self.message.options_offset(), opts);
        }
        if let Some(data) = self.authenticated_data() {
            let auth = crate::rr::authenticator(kbm, &care_of, &correspondent, &data);
            for o in &mut self.options {
                if let MhOption::BindingAuthorizationData(a) = o {
                    *a = auth.to_vec();
                }
            }
        }
    }

    /// Whether the Binding Authorization Data option carries the right authenticator.
    pub fn verify_authenticator(
        &self,
        kbm: &[u8; 20],
        care_of: Ipv6Addr,
        correspondent: Ipv6Addr,
    ) -> bool {
        let Some(data) = self.authenticated_data() else {
            return false;
        };
        let expected = crate::rr::authenticator(kbm, &care_of, &correspondent, &data);
        self.options.iter().any(|o| match o {
            MhOption::BindingAuthorizationData(a) => a.as_slice() == expected.as_slice(),
            _ => false,
        })
    }

    /// The first option matching `f`.
    pub fn option<'a, T>(&'a self, f: impl Fn(&'a MhOption) -> Option<T>) -> Option<T> {
        self.options.iter().find_map(f)
    }

    pub(crate) fn emit(&self, cx: &EmitCtx, payload: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_bytes(cx.pseudo.as_ref()));
        out.extend_from_slice(payload);
    }

    pub(crate) fn fields(&self, f: &mut Fields) {
        put(f, "payload_proto", self.payload_proto);
        put(f, "header_len", self.header_len.unwrap_or(0));
        put(f, "mh_type", self.wire_type());
        put(f, "message", self.message.name());
        put(f, "reserved", self.reserved);
        put(f, "checksum", self.checksum.unwrap_or(0));
        self.message.fields(f);
    }

    pub(crate) fn option_views(&self, layer_offset: usize) -> Vec<OptionView> {
        let mut pos = layer_offset + self.message.options_offset();
        self.options
            .iter()
            .map(|o| {
                let mut fields = Fields::new();
                o.fields(&mut fields);
                let v = OptionView {
                    typ: o.opt_type(),
                    name: o.name(),
                    len: match o {
                        MhOption::Pad1 => None,
                        o => Some(o.data_len() as u8),
                    },
                    offset: pos,
                    fields,
                };
                pos += o.wire_len();
                v
            })
            .collect()
    }
}

/// serde adapter: `[u8; 8]` as 16 hex digits.
mod hex8 {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &[u8; 8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::util::to_hex(v))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 8], D::Error> {
        let s = String::deserialize(d)?;
        let v = crate::util::from_hex(&s).map_err(serde::de::Error::custom)?;
        v.as_slice().try_into().map_err(|_| {
            serde::de::Error::custom(format!("expected 8 bytes (16 hex digits), got {}", v.len()))
        })
    }
}

pub(crate) fn decode(d: &mut Decoder, off: usize) -> Option<Step> {
    const L: &str = "mh";
    let avail = d.rest(off);
    if avail.len() < field::DATA {
        // The common part, through the Checksum, must be there to interpret anything.
        d.truncated(L, off, field::DATA, "RFC 6275 §6.1.1");
        return None;
    }
    let header_len = avail[field::HEADER_LEN];
    let t = avail[field::MH_TYPE];
    let declared = (usize::from(header_len) + 1) * 8;
    let len = if declared > avail.len() {
        d.push(Violation::new(
            L,
            "header_len",
            off + field::HEADER_LEN,
            "mh-header-len-beyond",
            "RFC 6275 §6.1.1",
            format!(
                "Header Len {header_len} gives {declared} bytes, only {} in the packet",
                avail.len()
            ),
        ));
        avail.len()
    } else {
        declared
    };
    let b = &avail[..len];
    let checksum = be16(b, field::CHECKSUM);
    if declared <= avail.len() {
        if let Some(p) = d.pseudo {
            let expected = p.checksum_excluding(proto::MOBILITY, b, field::CHECKSUM);
            if expected != checksum {
                d.push(Violation::new(
                    L,
                    "checksum",
                    off + field::CHECKSUM,
                    "mh-checksum",
                    "RFC 6275 §6.1.1",
                    format!("checksum {checksum:#06x}, expected {expected:#06x}"),
                ));
            }
        }
    }
    if let Some(min) = min_header_len(t) {
        if header_len < min {
            d.push(Violation::new(
                L,
                "header_len",
                off + field::HEADER_LEN,
                "mh-header-len-short",
                "RFC 6275 §9.2",
                format!("Header Len {header_len} is below {min}, the minimum for MH Type {t}"),
            ));
        }
    }
    let payload_proto = b[field::PAYLOAD_PROTO];
    if payload_proto != proto::NONE {
        d.push(Violation::new(
            L,
            "payload_proto",
            off + field::PAYLOAD_PROTO,
            "mh-payload-proto",
            "RFC 6275 §9.2",
            format!("Payload Proto {payload_proto}, must be 59"),
        ));
    }
    let reserved = b[field::RESERVED];
    if reserved != 0 {
        reserved_violation(
            d,
            "reserved",
            off + field::RESERVED,
            reserved.into(),
            "RFC 6275 §6.1.1",
        );
    }
    let data = &b[field::DATA..];
    let message = match MhMessage::decode(t, data) {
        Some(m) => {
            check_message_reserved(d, off, &m);
            m
        }
        None => MhMessage::Unknown {
            mh_type: t,
            data: data.to_vec(),
        },
    };
    let opt_start = message.options_offset();
    let options = if opt_start < b.len() {
        decode_options(d, off, b, opt_start, &message)
    } else {
        Vec::new()
    };
    let next = if payload_proto == proto::NONE {
        Next::End
    } else {
        Next::Payload
    };
    Some(Step {
        layer: Layer::Mobility(Mobility {
            payload_proto,
            header_len: Some(header_len),
            // A known type always maps back to itself; keep the number only when it says more.
            mh_type: None,
            reserved,
            checksum: Some(checksum),
            message,
            options,
        }),
        len,
        next,
    })
}

fn reserved_violation(
    d: &mut Decoder,
    field: &'static str,
    offset: usize,
    v: u32,
    rfc: &'static str,
) {
    d.push(Violation::new(
        "mh",
        field,
        offset,
        "reserved-nonzero",
        rfc,
        format!("reserved bits are {v:#x}, must be sent as 0"),
    ));
}

fn check_message_reserved(d: &mut Decoder, off: usize, m: &MhMessage) {
    match m {
        MhMessage::BindingRefreshRequest { reserved } if *reserved != 0 => reserved_violation(
            d,
            "reserved2",
            off + 6,
            (*reserved).into(),
            "RFC 6275 §6.1.2",
        ),
        MhMessage::HomeTestInit { reserved, .. } if *reserved != 0 => reserved_violation(
            d,
            "reserved2",
            off + 6,
            (*reserved).into(),
            "RFC 6275 §6.1.3",
        ),
        MhMessage::CareOfTestInit { reserved, .. } if *reserved != 0 => reserved_violation(
            d,
            "reserved2",
            off + 6,
            (*reserved).into(),
            "RFC 6275 §6.1.4",
        ),
        MhMessage::BindingUpdate(bu) if bu.reserved != 0 => reserved_violation(
            d,
            "flags_reserved",
            off + 8,
            bu.reserved.into(),
            "RFC 6275 §6.1.7",
        ),
        MhMessage::BindingAck(ba) if ba.reserved != 0 => reserved_violation(
            d,
            "flags_reserved",
            off + 7,
            ba.reserved.into(),
            "RFC 6275 §6.1.8",
        ),
        MhMessage::BindingError { reserved, .. } if *reserved != 0 => reserved_violation(
            d,
            "reserved2",
            off + 7,
            (*reserved).into(),
            "RFC 6275 §6.1.9",
        ),
        _ => {}
    }
}

fn decode_options(
    d: &mut Decoder,
    off: usize,
    b: &[u8],
    start: usize,
    message: &MhMessage,
) -> Vec<MhOption> {
    const L: &str = "mh";
    let t = message.mh_type();
    let known_type = min_header_len(t).is_some() && !matches!(message, MhMessage::Unknown { .. });
    let mut options = Vec::with_capacity(4);
    let mut i = start;
    let mut after_bad = false;
    while i < b.len() {
        let typ = b[i];
        let idx = options.len();
        if typ == opt_type::PAD1 {
            options.push(MhOption::Pad1);
            i += 1;
            continue;
        }
        if after_bad {
            // Reported on the option that follows the Binding Authorization Data option.
            d.push(Violation::new(
                L,
                format!("options[{idx}]"),
                off + i,
                "bad-not-last",
                "RFC 6275 §6.2.7",
                format!("option type {typ} follows the Binding Authorization Data option, which must be last"),
            ));
            after_bad = false;
        }
        if i + 2 > b.len() || i + 2 + usize::from(b[i + 1]) > b.len() {
            d.push(Violation::new(
                L,
                format!("options[{idx}]"),
                off + i,
                "option-overrun",
                "RFC 6275 §6.2.1",
                format!(
                    "option type {typ} at MH offset {i} runs past the end of the header ({} bytes)",
                    b.len()
                ),
            ));
            // The Length byte may be missing: keep the bytes raw only if it is there.
            if i + 2 <= b.len() {
                options.push(MhOption::Other {
                    typ,
                    data: b[i + 2..].to_vec(),
                });
            }
            break;
        }
        let olen = usize::from(b[i + 1]);
        let data = &b[i + 2..i + 2 + olen];
        let opt = match MhOption::decode(typ, data) {
            Some(o) => o,
            None => {
                let name = opt_name(typ);
                if name != "unknown" {
                    d.push(Violation::new(
                        L,
                        format!("options[{idx}].len"),
                        off + i + 1,
                        if typ == opt_type::PADN {
                            "padn-nonzero"
                        } else {
                            "option-length"
                        },
                        if typ == opt_type::PADN {
                            "RFC 6275 §6.2.3"
                        } else {
                            opt_rfc(typ)
                        },
                        if typ == opt_type::PADN {
                            "PadN option data is not all zero".to_string()
                        } else {
                            format!("{name} option with length {olen}")
                        },
                    ));
                }
                MhOption::Other {
                    typ,
                    data: data.to_vec(),
                }
            }
        };
        let (x, y) = opt.alignment();
        if i % x != y {
            d.push(Violation::new(
                L,
                format!("options[{idx}]"),
                off + i,
                "option-misaligned",
                opt_rfc(typ),
                format!(
                    "{} option at MH offset {i}, alignment is {x}n+{y}",
                    opt.name()
                ),
            ));
        }
        if known_type {
            if let Some(allowed) = opt.allowed_in() {
                if !allowed.contains(&t) {
                    d.push(Violation::new(
                        L,
                        format!("options[{idx}]"),
                        off + i,
                        "option-not-allowed",
                        opt_rfc(typ),
                        format!("{} option in {}", opt.name(), message.name()),
                    ));
                }
            }
        }
        if let MhOption::BindingAuthorizationData(_) = opt {
            after_bad = true;
        }
        options.push(opt);
        i += 2 + olen;
    }
    options
}

#[cfg(test)]
mod tests;
