//! IPv6 (RFC 8200) and the extension headers Mobile IPv6 uses: Hop-by-Hop and Destination
//! Options (with the Home Address option, RFC 6275 §6.3), Routing (type 2, RFC 6275 §6.4) and
//! Fragment.
//!
//! ```text
//! IPv6 header (RFC 8200 §3)
//! +-------+---------------+---------------------------------------+
//! |Version| Traffic Class |              Flow Label               |  0
//! +-------+-------+-------+-------+---------------+---------------+
//! |         Payload Length        |  Next Header  |   Hop Limit   |  4
//! +-------------------------------+---------------+---------------+
//! |                     Source Address (16)                       |  8
//! |                  Destination Address (16)                     | 24
//! +---------------------------------------------------------------+ 40
//!
//! Options header (Hop-by-Hop / Destination Options, RFC 8200 §4.3, §4.6)
//! | Next Header | Hdr Ext Len | options (TLV) ... | (Hdr Ext Len + 1) * 8 bytes
//!
//! Home Address option (RFC 6275 §6.3), alignment 8n+6
//! | Type 201 | Length 16 | Home Address (16) |
//!
//! Type 2 Routing header (RFC 6275 §6.4)
//! | Next Header | Hdr Ext Len=2 | Routing Type=2 | Segments Left=1 |
//! |                      Reserved (4)                             |
//! |                   Home Address (16)                           |
//!
//! Fragment header (RFC 8200 §4.5)
//! | Next Header | Reserved | Fragment Offset (13) | Res (2) | M |
//! |                      Identification (4)                      |
//! ```

use crate::checksum::Pseudo;
use crate::packet::{Decoder, EmitCtx, Layer, Next, OptionView, Step};
use crate::util::{be16, be32, ip6, put, Fields};
use crate::violation::Violation;
use serde::{Deserialize, Serialize};
use std::net::Ipv6Addr;

mod field {
    pub const VER_TC_FLOW: usize = 0;
    pub const PAYLOAD_LEN: usize = 4;
    pub const NEXT_HEADER: usize = 6;
    pub const HOP_LIMIT: usize = 7;
    pub const SRC: usize = 8;
    pub const DST: usize = 24;
    pub const HEADER_LEN: usize = 40;
}

pub const HEADER_LEN: usize = field::HEADER_LEN;
/// Option type of the Home Address destination option (RFC 6275 §6.3).
pub const OPT_HOME_ADDRESS: u8 = 201;

fn default_hop_limit() -> u8 {
    64
}

fn is_default_hop_limit(v: &u8) -> bool {
    *v == 64
}

/// The fixed IPv6 header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ipv6 {
    /// `None`: 6.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u8>,
    #[serde(default, skip_serializing_if = "crate::util::is_default")]
    pub traffic_class: u8,
    #[serde(default, skip_serializing_if = "crate::util::is_default")]
    pub flow_label: u32,
    /// `None`: the length of everything after this header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_len: Option<u16>,
    /// `None`: the protocol of the next layer (59 when there is none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_header: Option<u8>,
    #[serde(
        default = "default_hop_limit",
        skip_serializing_if = "is_default_hop_limit"
    )]
    pub hop_limit: u8,
    pub src: Ipv6Addr,
    pub dst: Ipv6Addr,
}

impl Ipv6 {
    pub fn new(src: Ipv6Addr, dst: Ipv6Addr) -> Self {
        Ipv6 {
            version: None,
            traffic_class: 0,
            flow_label: 0,
            payload_len: None,
            next_header: None,
            hop_limit: 64,
            src,
            dst,
        }
    }

    pub fn hop_limit(mut self, h: u8) -> Self {
        self.hop_limit = h;
        self
    }

    pub(crate) fn emit(&self, cx: &EmitCtx, payload: &[u8], out: &mut Vec<u8>) {
        let word = (u32::from(self.version.unwrap_or(6)) << 28)
            | (u32::from(self.traffic_class) << 20)
            | (self.flow_label & 0x000f_ffff);
        out.extend_from_slice(&word.to_be_bytes());
        let plen = self.payload_len.unwrap_or(payload.len() as u16);
        out.extend_from_slice(&plen.to_be_bytes());
        out.push(self.next_header.unwrap_or(cx.next_proto));
        out.push(self.hop_limit);
        out.extend_from_slice(&self.src.octets());
        out.extend_from_slice(&self.dst.octets());
        out.extend_from_slice(payload);
    }

    pub(crate) fn fields(&self, f: &mut Fields) {
        put(f, "version", self.version.unwrap_or(6));
        put(f, "traffic_class", self.traffic_class);
        put(f, "flow_label", self.flow_label);
        put(f, "payload_len", self.payload_len.unwrap_or(0));
        put(f, "next_header", self.next_header.unwrap_or(0));
        put(f, "hop_limit", self.hop_limit);
        put(f, "src", self.src.to_string());
        put(f, "dst", self.dst.to_string());
    }
}

pub(crate) fn decode_ipv6(d: &mut Decoder, off: usize) -> Option<Step> {
    let b = d.rest(off);
    if b.len() < field::HEADER_LEN {
        d.truncated("ipv6", off, field::HEADER_LEN, "RFC 8200 §3");
        return None;
    }
    let word = be32(b, field::VER_TC_FLOW);
    let version = (word >> 28) as u8;
    let plen = be16(b, field::PAYLOAD_LEN);
    let next_header = b[field::NEXT_HEADER];
    let hdr = Ipv6 {
        version: Some(version),
        traffic_class: (word >> 20) as u8,
        flow_label: word & 0x000f_ffff,
        payload_len: Some(plen),
        next_header: Some(next_header),
        hop_limit: b[field::HOP_LIMIT],
        src: ip6(b, field::SRC),
        dst: ip6(b, field::DST),
    };
    let avail = b.len() - field::HEADER_LEN;
    if version != 6 {
        d.push(Violation::new(
            "ipv6",
            "version",
            off,
            "ipv6-version",
            "RFC 8200 §3",
            format!("version {version}, expected 6"),
        ));
    }
    let inner = d.ip_depth > 0;
    d.ip_depth += 1;
    if usize::from(plen) > avail {
        d.push(Violation::new(
            "ipv6",
            "payload_len",
            off + field::PAYLOAD_LEN,
            "ip-length-long",
            "RFC 8200 §3",
            format!("payload length {plen} but only {avail} bytes follow the header"),
        ));
    } else if usize::from(plen) < avail {
        if inner {
            d.push(Violation::new(
                "ipv6",
                "payload_len",
                off + field::PAYLOAD_LEN,
                "ip-length-short",
                "RFC 2473 §3",
                format!(
                    "payload length {plen} but the enclosing packet carries {avail} bytes after this header"
                ),
            ));
        }
        d.end = off + field::HEADER_LEN + usize::from(plen);
    }
    d.pseudo = Some(Pseudo::V6 {
        src: hdr.src,
        dst: hdr.dst,
    });
    d.ip6 = Some((hdr.src, hdr.dst, hdr.hop_limit));
    Some(Step {
        layer: Layer::Ipv6(hdr),
        len: field::HEADER_LEN,
        next: Next::Ip(next_header),
    })
}

/// An option of a Hop-by-Hop or Destination Options header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Ip6Option {
    /// One zero byte.
    Pad1,
    /// PadN with this many zero data bytes (total size N + 2).
    #[serde(rename = "padn")]
    PadN(u8),
    /// The Home Address option (type 201, length 16).
    HomeAddress(Ipv6Addr),
    /// Any other option, or a known one with a length or content the codec does not accept
    /// (a PadN with non-zero data, a Home Address option with a length other than 16).
    Other {
        #[serde(rename = "type")]
        typ: u8,
        #[serde(with = "crate::util::hex")]
        data: Vec<u8>,
    },
}

impl Ip6Option {
    /// Bytes this option takes on the wire.
    pub fn wire_len(&self) -> usize {
        match self {
            Ip6Option::Pad1 => 1,
            Ip6Option::PadN(n) => 2 + usize::from(*n),
            Ip6Option::HomeAddress(_) => 18,
            Ip6Option::Other { data, .. } => 2 + data.len(),
        }
    }

    /// Alignment requirement `(x, y)`: the type byte sits at an offset ≡ y (mod x).
    pub fn alignment(&self) -> (usize, usize) {
        match self {
            Ip6Option::HomeAddress(_) => (8, 6),
            _ => (1, 0),
        }
    }

    fn emit(&self, out: &mut Vec<u8>) {
        match self {
            Ip6Option::Pad1 => out.push(0),
            Ip6Option::PadN(n) => {
                out.push(1);
                out.push(*n);
                out.resize(out.len() + usize::from(*n), 0);
            }
            Ip6Option::HomeAddress(a) => {
                out.push(OPT_HOME_ADDRESS);
                out.push(16);
                out.extend_from_slice(&a.octets());
            }
            Ip6Option::Other { typ, data } => {
                out.push(*typ);
                out.push(data.len() as u8);
                out.extend_from_slice(data);
            }
        }
    }

    fn view(&self, offset: usize) -> OptionView {
        let mut fields = Fields::new();
        let (typ, name, len) = match self {
            Ip6Option::Pad1 => (0, "pad1", None),
            Ip6Option::PadN(n) => (1, "padn", Some(*n)),
            Ip6Option::HomeAddress(a) => {
                put(&mut fields, "home_address", a.to_string());
                (OPT_HOME_ADDRESS, "home_address", Some(16))
            }
            Ip6Option::Other { typ, data } => {
                put(&mut fields, "data", crate::util::to_hex(data));
                let name = match *typ {
                    0 => "pad1",
                    1 => "padn",
                    OPT_HOME_ADDRESS => "home_address",
                    5 => "router_alert",
                    _ => "unknown",
                };
                (*typ, name, Some(data.len() as u8))
            }
        };
        OptionView {
            typ,
            name,
            len,
            offset,
            fields,
        }
    }
}

/// Inserts Pad1/PadN so every option meets its alignment (offsets counted from the start of the
/// extension header, whose options begin at byte 2) and the header ends on an 8-byte boundary.
/// Existing padding options are kept as they are.
pub fn align_options(options: Vec<Ip6Option>) -> Vec<Ip6Option> {
    crate::util::align_tlv(2, options)
}

impl crate::util::PaddedOption for Ip6Option {
    fn alignment(&self) -> (usize, usize) {
        Ip6Option::alignment(self)
    }
    fn wire_len(&self) -> usize {
        Ip6Option::wire_len(self)
    }
    fn pad1() -> Self {
        Ip6Option::Pad1
    }
    fn padn(n: u8) -> Self {
        Ip6Option::PadN(n)
    }
}

/// A Hop-by-Hop or Destination Options header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionsHeader {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_header: Option<u8>,
    /// `None`: computed from the options, which are zero-padded to a multiple of 8 bytes if
    /// they do not fill one (use [`align_options`] to pad with proper Pad1/PadN options).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hdr_ext_len: Option<u8>,
    #[serde(default)]
    pub options: Vec<Ip6Option>,
}

impl OptionsHeader {
    pub fn new(options: Vec<Ip6Option>) -> Self {
        OptionsHeader {
            next_header: None,
            hdr_ext_len: None,
            options,
        }
    }

    /// A Destination Options header carrying only a correctly aligned Home Address option
    /// (PadN(2) then the option: 24 bytes, as Linux and RFC 6275 §6.3 lay it out).
    pub fn home_address(hoa: Ipv6Addr) -> Self {
        OptionsHeader::new(align_options(vec![Ip6Option::HomeAddress(hoa)]))
    }

    /// The address of the first Home Address option, if any.
    pub fn home_address_opt(&self) -> Option<Ipv6Addr> {
        self.options.iter().find_map(|o| match o {
            Ip6Option::HomeAddress(a) => Some(*a),
            _ => None,
        })
    }

    pub(crate) fn emit(&self, cx: &EmitCtx, payload: &[u8], out: &mut Vec<u8>) {
        let start = out.len();
        out.push(self.next_header.unwrap_or(cx.next_proto));
        let opt_len: usize = self.options.iter().map(Ip6Option::wire_len).sum();
        let total = (2 + opt_len).div_ceil(8) * 8;
        out.push(
            self.hdr_ext_len
                .unwrap_or_else(|| (total / 8 - 1).min(255) as u8),
        );
        for o in &self.options {
            o.emit(out);
        }
        // Zero bytes are Pad1 options: the header stays well-formed.
        out.resize(start + total.max(out.len() - start), 0);
        out.extend_from_slice(payload);
    }

    pub(crate) fn fields(&self, f: &mut Fields) {
        put(f, "next_header", self.next_header.unwrap_or(0));
        put(f, "hdr_ext_len", self.hdr_ext_len.unwrap_or(0));
    }

    pub(crate) fn option_views(&self, layer_offset: usize) -> Vec<OptionView> {
        let mut pos = layer_offset + 2;
        self.options
            .iter()
            .map(|o| {
                let v = o.view(pos);
                pos += o.wire_len();
                v
            })
            .collect()
    }
}

/// A Routing header. Type 2 (RFC 6275 §6.4) is decoded; other types keep their data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Routing {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_header: Option<u8>,
    /// `None`: computed from the body (2 for type 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hdr_ext_len: Option<u8>,
    pub routing_type: u8,
    pub segments_left: u8,
    pub body: RoutingBody,
}

/// The type-specific part of a Routing header, after its first 4 bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RoutingBody {
    /// Type 2: 4 reserved bytes and one home address.
    Type2 {
        #[serde(default)]
        reserved: u32,
        home_address: Ipv6Addr,
    },
    /// Any other layout: the bytes after the first 4.
    Other(#[serde(with = "crate::util::hex")] Vec<u8>),
}

impl Routing {
    /// A well-formed type 2 routing header for `home_address`.
    pub fn type2(home_address: Ipv6Addr) -> Self {
        Routing {
            next_header: None,
            hdr_ext_len: None,
            routing_type: 2,
            segments_left: 1,
            body: RoutingBody::Type2 {
                reserved: 0,
                home_address,
            },
        }
    }

    /// The final destination named by the header, used for upper-layer checksums (RFC 8200 §8.1).
    pub fn final_destination(&self) -> Option<Ipv6Addr> {
        match &self.body {
            RoutingBody::Type2 { home_address, .. } if self.routing_type == 2 => {
                Some(*home_address)
            }
            _ => None,
        }
    }

    pub(crate) fn emit(&self, cx: &EmitCtx, payload: &[u8], out: &mut Vec<u8>) {
        let start = out.len();
        out.push(self.next_header.unwrap_or(cx.next_proto));
        out.push(0); // Hdr Ext Len, filled below
        out.push(self.routing_type);
        out.push(self.segments_left);
        match &self.body {
            RoutingBody::Type2 {
                reserved,
                home_address,
            } => {
                out.extend_from_slice(&reserved.to_be_bytes());
                out.extend_from_slice(&home_address.octets());
            }
            RoutingBody::Other(data) => out.extend_from_slice(data),
        }
        let len = out.len() - start;
        let total = len.div_ceil(8) * 8;
        out.resize(start + total, 0);
        out[start + 1] = self
            .hdr_ext_len
            .unwrap_or_else(|| (total / 8 - 1).min(255) as u8);
        out.extend_from_slice(payload);
    }

    pub(crate) fn fields(&self, f: &mut Fields) {
        put(f, "next_header", self.next_header.unwrap_or(0));
        put(f, "hdr_ext_len", self.hdr_ext_len.unwrap_or(0));
        put(f, "routing_type", self.routing_type);
        put(f, "segments_left", self.segments_left);
        match &self.body {
            RoutingBody::Type2 {
                reserved,
                home_address,
            } => {
                put(f, "reserved", *reserved);
                put(f, "home_address", home_address.to_string());
            }
            RoutingBody::Other(data) => put(f, "data", crate::util::to_hex(data)),
        }
    }
}

/// A Fragment header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fragment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_header: Option<u8>,
    #[serde(default)]
    pub reserved: u8,
    /// Fragment offset in 8-byte units (13 bits).
    #[serde(default)]
    pub offset: u16,
    /// The two reserved bits before M.
    #[serde(default)]
    pub res: u8,
    /// More fragments.
    #[serde(default)]
    pub m: bool,
    #[serde(default)]
    pub ident: u32,
}

impl Fragment {
    pub(crate) fn emit(&self, cx: &EmitCtx, payload: &[u8], out: &mut Vec<u8>) {
        out.push(self.next_header.unwrap_or(cx.next_proto));
        out.push(self.reserved);
        let w = ((self.offset & 0x1fff) << 3) | (u16::from(self.res & 3) << 1) | u16::from(self.m);
        out.extend_from_slice(&w.to_be_bytes());
        out.extend_from_slice(&self.ident.to_be_bytes());
        out.extend_from_slice(payload);
    }

    pub(crate) fn fields(&self, f: &mut Fields) {
        put(f, "next_header", self.next_header.unwrap_or(0));
        put(f, "reserved", self.reserved);
        put(f, "offset", self.offset);
        put(f, "res", self.res);
        put(f, "m", self.m);
        put(f, "ident", self.ident);
    }
}

/// Decodes an extension header of protocol `p` (0, 43, 44 or 60) at `off`.
pub(crate) fn decode_ext(d: &mut Decoder, off: usize, p: u8) -> Option<Step> {
    let name = match p {
        0 => "hop_by_hop",
        43 => "routing",
        44 => "fragment",
        _ => "dest_opts",
    };
    let b = d.rest(off);
    let min = if p == 44 { 8 } else { 2 };
    if b.len() < min {
        d.truncated(name, off, min, "RFC 8200 §4");
        return None;
    }
    if p == 0 && !d.after_ipv6_header {
        d.push(Violation::new(
            name,
            "position",
            off,
            "hbh-not-first",
            "RFC 8200 §4.1",
            "Hop-by-Hop Options header does not immediately follow the IPv6 header",
        ));
    }
    let len = if p == 44 {
        8
    } else {
        (usize::from(b[1]) + 1) * 8
    };
    if b.len() < len {
        d.push(Violation::new(
            name,
            "hdr_ext_len",
            off + 1,
            "truncated",
            "RFC 8200 §4",
            format!(
                "Hdr Ext Len {} gives {len} bytes, only {} left in the packet",
                b[1],
                b.len()
            ),
        ));
        return None;
    }
    let b = &b[..len];
    let next_header = b[0];
    let (layer, next) = match p {
        44 => {
            let w = be16(b, 2);
            let frag = Fragment {
                next_header: Some(next_header),
                reserved: b[1],
                offset: w >> 3,
                res: ((w >> 1) & 3) as u8,
                m: w & 1 == 1,
                ident: be32(b, 4),
            };
            // A fragment's payload cannot be interpreted before reassembly.
            let next = if frag.offset == 0 && !frag.m {
                Next::Ip(next_header)
            } else {
                Next::Payload
            };
            (Layer::Fragment(frag), next)
        }
        43 => (
            Layer::Routing(decode_routing(d, off, b)),
            Next::Ip(next_header),
        ),
        _ => {
            let hdr = decode_options(d, off, b, name);
            if p == 60 {
                if let (Some(hoa), Some(Pseudo::V6 { dst, .. })) =
                    (hdr.home_address_opt(), d.pseudo)
                {
                    d.pseudo = Some(Pseudo::V6 { src: hoa, dst });
                }
            }
            let layer = if p == 0 {
                Layer::HopByHop(hdr)
            } else {
                Layer::DestOpts(hdr)
            };
            (layer, Next::Ip(next_header))
        }
    };
    Some(Step { layer, len, next })
}

fn decode_routing(d: &mut Decoder, off: usize, b: &[u8]) -> Routing {
    let routing_type = b[2];
    let segments_left = b[3];
    let body = if routing_type == 2 && b.len() >= 24 {
        let reserved = be32(b, 4);
        let home_address = ip6(b, 8);
        if b[1] != 2 {
            d.push(Violation::new(
                "routing",
                "hdr_ext_len",
                off + 1,
                "rh2-hdr-ext-len",
                "RFC 6275 §6.4",
                format!("type 2 routing header has Hdr Ext Len {}, must be 2", b[1]),
            ));
        }
        if segments_left != 1 {
            d.push(Violation::new(
                "routing",
                "segments_left",
                off + 3,
                "rh2-segments-left",
                "RFC 6275 §6.4",
                format!("type 2 routing header has Segments Left {segments_left}, must be 1"),
            ));
        }
        if reserved != 0 {
            d.push(Violation::new(
                "routing",
                "reserved",
                off + 4,
                "reserved-nonzero",
                "RFC 6275 §6.4",
                format!("reserved field is {reserved:#010x}, must be sent as 0"),
            ));
        }
        if !is_unicast_routable(&home_address) {
            d.push(Violation::new(
                "routing",
                "home_address",
                off + 8,
                "rh2-home-address",
                "RFC 6275 §6.4",
                format!("home address {home_address} is not a unicast routable address"),
            ));
        }
        if let Some(Pseudo::V6 { src, .. }) = d.pseudo {
            d.pseudo = Some(Pseudo::V6 {
                src,
                dst: home_address,
            });
        }
        if b.len() > 24 {
            // Hdr Ext Len above 2: keep the extra bytes so the header re-emits as received.
            RoutingBody::Other(b[4..].to_vec())
        } else {
            RoutingBody::Type2 {
                reserved,
                home_address,
            }
        }
    } else {
        if routing_type == 2 {
            d.push(Violation::new(
                "routing",
                "hdr_ext_len",
                off + 1,
                "rh2-hdr-ext-len",
                "RFC 6275 §6.4",
                format!("type 2 routing header has Hdr Ext Len {}, must be 2", b[1]),
            ));
        }
        RoutingBody::Other(b[4..].to_vec())
    };
    Routing {
        next_header: Some(b[0]),
        hdr_ext_len: Some(b[1]),
        routing_type,
        segments_left,
        body,
    }
}

fn decode_options(d: &mut Decoder, off: usize, b: &[u8], name: &'static str) -> OptionsHeader {
    let mut options = Vec::with_capacity(4);
    let mut i = 2;
    let mut seen_hao = false;
    while i < b.len() {
        let typ = b[i];
        if typ == 0 {
            options.push(Ip6Option::Pad1);
            i += 1;
            continue;
        }
        if i + 2 > b.len() || i + 2 + usize::from(b[i + 1]) > b.len() {
            d.push(Violation::new(
                name,
                format!("options[{}]", options.len()),
                off + i,
                "option-overrun",
                "RFC 8200 §4.2",
                format!("option type {typ} at offset {i} runs past the end of the header"),
            ));
            options.push(Ip6Option::Other {
                typ,
                data: b.get(i + 2..).unwrap_or(&[]).to_vec(),
            });
            // The option's bytes re-emit as received only if its length byte was present.
            break;
        }
        let olen = usize::from(b[i + 1]);
        let data = &b[i + 2..i + 2 + olen];
        let idx = options.len();
        let opt = match typ {
            1 if data.iter().all(|&x| x == 0) => Ip6Option::PadN(olen as u8),
            OPT_HOME_ADDRESS if olen == 16 => {
                let a = ip6(data, 0);
                if i % 8 != 6 {
                    d.push(Violation::new(
                        name,
                        format!("options[{idx}]"),
                        off + i,
                        "option-misaligned",
                        "RFC 6275 §6.3",
                        format!(
                            "Home Address option at offset {i} of the header, alignment is 8n+6"
                        ),
                    ));
                }
                if seen_hao {
                    d.push(Violation::new(
                        name,
                        format!("options[{idx}]"),
                        off + i,
                        "hao-duplicate",
                        "RFC 6275 §6.3",
                        "more than one Home Address option in the packet",
                    ));
                }
                if name != "dest_opts" {
                    d.push(Violation::new(
                        name,
                        format!("options[{idx}]"),
                        off + i,
                        "hao-wrong-header",
                        "RFC 6275 §6.3",
                        "Home Address option outside a Destination Options header",
                    ));
                }
                if !is_unicast_routable(&a) {
                    d.push(Violation::new(
                        name,
                        format!("options[{idx}].home_address"),
                        off + i + 2,
                        "hao-not-unicast",
                        "RFC 6275 §6.3",
                        format!("home address {a} is not a unicast routable address"),
                    ));
                }
                seen_hao = true;
                Ip6Option::HomeAddress(a)
            }
            OPT_HOME_ADDRESS => {
                d.push(Violation::new(
                    name,
                    format!("options[{idx}].len"),
                    off + i + 1,
                    "option-length",
                    "RFC 6275 §6.3",
                    format!("Home Address option length {olen}, must be 16"),
                ));
                Ip6Option::Other {
                    typ,
                    data: data.to_vec(),
                }
            }
            1 => {
                d.push(Violation::new(
                    name,
                    format!("options[{idx}]"),
                    off + i + 2,
                    "padn-nonzero",
                    "RFC 8200 §4.2",
                    "PadN option data is not all zero",
                ));
                Ip6Option::Other {
                    typ,
                    data: data.to_vec(),
                }
            }
            _ => Ip6Option::Other {
                typ,
                data: data.to_vec(),
            },
        };
        options.push(opt);
        i += 2 + olen;
    }
    OptionsHeader {
        next_header: Some(b[0]),
        hdr_ext_len: Some(b[1]),
        options,
    }
}

/// Unicast and routable: not unspecified, loopback, multicast or link-local (RFC 4291 §2.4).
pub fn is_unicast_routable(a: &Ipv6Addr) -> bool {
    let s = a.segments();
    !(a.is_unspecified() || a.is_loopback() || a.is_multicast() || (s[0] & 0xffc0) == 0xfe80)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{decode, LinkType, Packet};

    fn a(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    /// IPv6 + Destination Options (PadN 2, HAO) + Type 2 RH, no upper layer. Built by hand from
    /// RFC 6275 §6.3/§6.4 and RFC 8200 §3.
    static GOLDEN: [u8; 88] = [
        0x60, 0x00, 0x00, 0x00, // version 6, tc 0, flow 0
        0x00, 0x30, 0x3c, 0x40, // plen 48, nh 60 (dest opts), hop limit 64
        0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
        0x00, // src 2001:db8:2::100
        0x20, 0x01, 0x0d, 0xb8, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, // dst 2001:db8:3::1
        0x2b, 0x02, 0x01, 0x02, 0x00, 0x00, // dest opts: nh 43, len 2, PadN(2)
        0xc9, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, // HAO
        0x3b, 0x02, 0x02, 0x01, 0, 0, 0, 0, // RH: nh 59, len 2, type 2, segleft 1, reserved
        0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, // home address
    ];

    fn golden_packet() -> Packet {
        Packet::new(vec![
            Layer::Ipv6(Ipv6::new(a("2001:db8:2::100"), a("2001:db8:3::1"))),
            Layer::DestOpts(OptionsHeader::home_address(a("2001:db8:1::100"))),
            Layer::Routing(Routing::type2(a("2001:db8:1::100"))),
        ])
    }

    #[test]
    fn construct() {
        assert_eq!(golden_packet().emit(), GOLDEN.to_vec());
    }

    #[test]
    fn deconstruct_and_parse() {
        let d = decode(&GOLDEN, LinkType::Ipv6);
        assert!(d.violations.is_empty(), "{:?}", d.violations);
        assert_eq!(d.offsets, vec![0, 40, 64]);
        let Layer::Ipv6(h) = &d.packet.layers[0] else {
            panic!("not ipv6")
        };
        assert_eq!(h.payload_len, Some(48));
        assert_eq!(h.next_header, Some(60));
        let Layer::DestOpts(o) = &d.packet.layers[1] else {
            panic!("not dest opts")
        };
        assert_eq!(
            o.options,
            vec![
                Ip6Option::PadN(2),
                Ip6Option::HomeAddress(a("2001:db8:1::100"))
            ]
        );
        let Layer::Routing(r) = &d.packet.layers[2] else {
            panic!("not routing")
        };
        assert_eq!(r.final_destination(), Some(a("2001:db8:1::100")));
    }

    #[test]
    fn emit_of_decoded_is_identical() {
        let d = decode(&GOLDEN, LinkType::Ipv6);
        assert_eq!(d.packet.emit(), GOLDEN.to_vec());
    }

    #[test]
    fn impossible_length() {
        // Header cut short.
        let d = decode(&GOLDEN[..39], LinkType::Ipv6);
        assert_eq!(d.violations[0].rule, "truncated");
        assert!(matches!(d.packet.layers[0], Layer::Raw(_)));
        // Payload length larger than the packet.
        let mut b = GOLDEN.to_vec();
        b[5] = 0x40;
        let d = decode(&b, LinkType::Ipv6);
        assert!(d
            .violations
            .iter()
            .any(|v| v.rule == "ip-length-long" && v.offset == 4));
        // Routing header length beyond the packet.
        let d = decode(&GOLDEN[..80], LinkType::Ipv6);
        assert!(d
            .violations
            .iter()
            .any(|v| v.layer == "routing" && v.rule == "truncated"));
    }

    #[test]
    fn misaligned_hao_and_bad_rh2_are_reported() {
        let p = Packet::new(vec![
            Layer::Ipv6(Ipv6::new(a("2001:db8:2::100"), a("2001:db8:3::1"))),
            Layer::DestOpts(OptionsHeader::new(vec![
                Ip6Option::HomeAddress(a("ff02::1")),
                Ip6Option::PadN(4),
            ])),
            Layer::Routing(Routing {
                segments_left: 0,
                body: RoutingBody::Type2 {
                    reserved: 1,
                    home_address: a("2001:db8:1::100"),
                },
                ..Routing::type2(a("::"))
            }),
        ]);
        let d = decode(&p.emit(), LinkType::Ipv6);
        let rules: Vec<_> = d.violations.iter().map(|v| v.rule).collect();
        assert_eq!(
            rules,
            vec![
                "option-misaligned",
                "hao-not-unicast",
                "rh2-segments-left",
                "reserved-nonzero"
            ]
        );
        assert_eq!(d.violations[0].offset, 42);
    }

    #[test]
    fn align_options_places_hao_at_8n_plus_6() {
        let o = align_options(vec![Ip6Option::HomeAddress(a("2001:db8::1"))]);
        assert_eq!(o[0], Ip6Option::PadN(2));
        let o = align_options(vec![
            Ip6Option::Pad1,
            Ip6Option::HomeAddress(a("2001:db8::1")),
        ]);
        assert_eq!(o[1], Ip6Option::PadN(1));
        assert_eq!(o.last(), Some(&Ip6Option::HomeAddress(a("2001:db8::1"))));
    }

    #[test]
    fn fragment_round_trip() {
        let p = Packet::new(vec![
            Layer::Ipv6(Ipv6::new(a("2001:db8::1"), a("2001:db8::2"))),
            Layer::Fragment(Fragment {
                next_header: Some(58),
                reserved: 0,
                offset: 185,
                res: 0,
                m: true,
                ident: 0xdeadbeef,
            }),
            Layer::Raw(vec![1, 2, 3, 4, 5, 6, 7, 8]),
        ]);
        let b = p.emit();
        assert_eq!(&b[40..48], &[58, 0, 0x05, 0xc9, 0xde, 0xad, 0xbe, 0xef]);
        let d = decode(&b, LinkType::Ipv6);
        assert_eq!(d.packet.emit(), b);
        assert!(matches!(d.packet.layers[2], Layer::Raw(_)));
    }

    #[test]
    fn hop_by_hop_must_be_first() {
        let p = Packet::new(vec![
            Layer::Ipv6(Ipv6::new(a("2001:db8::1"), a("2001:db8::2"))),
            Layer::DestOpts(OptionsHeader::new(vec![])),
            Layer::HopByHop(OptionsHeader::new(vec![])),
        ]);
        let d = decode(&p.emit(), LinkType::Ipv6);
        assert_eq!(d.violations[0].rule, "hbh-not-first");
    }
}
