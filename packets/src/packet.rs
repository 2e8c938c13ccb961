//! A frame as a stack of layers: lenient decoding into layers plus violations, and exact emission
//! with computed fields that can be overridden and raw bytes that can be patched.
//!
//! The stack is flat, in wire order, as in scapy: `[Ethernet, Ipv6, DestOpts, Mobility]`, or for a
//! tunnel `[Ethernet, Ipv6, Ipv6, Icmpv6]`. Next-header, length and checksum fields are `Option`s:
//! `None` means "compute it from the surrounding layers", `Some(v)` is put on the wire as it is.
//! The decoder always fills them with what it read, so a decoded packet re-emits byte for byte.

use crate::checksum::Pseudo;
use crate::esp::{Esp, EspTrailer};
use crate::ethernet::Ethernet;
use crate::icmpv6::Icmpv6;
use crate::ipv4::Ipv4;
use crate::ipv6::{Fragment, Ipv6, OptionsHeader, Routing};
use crate::mh::Mobility;
use crate::udp::Udp;
use crate::util::Fields;
use crate::violation::Violation;
use serde::{Deserialize, Serialize};

/// IP protocol numbers used by the codec.
pub mod proto {
    pub const HOP_BY_HOP: u8 = 0;
    pub const IPV4: u8 = 4;
    pub const UDP: u8 = 17;
    pub const IPV6: u8 = 41;
    pub const ROUTING: u8 = 43;
    pub const FRAGMENT: u8 = 44;
    pub const ESP: u8 = 50;
    pub const AH: u8 = 51;
    pub const ICMPV6: u8 = 58;
    pub const NONE: u8 = 59;
    pub const DEST_OPTS: u8 = 60;
    pub const MOBILITY: u8 = 135;
}

/// EtherType values.
pub mod ethertype {
    pub const IPV4: u16 = 0x0800;
    pub const IPV6: u16 = 0x86dd;
}

/// UDP port of DSMIPv6 (RFC 5555 §4.1): the payload is an IPv4 or IPv6 packet.
pub const DSMIP_UDP_PORT: u16 = 4191;

/// One layer of a frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Layer {
    Ethernet(Ethernet),
    Ipv4(Ipv4),
    Ipv6(Ipv6),
    HopByHop(OptionsHeader),
    DestOpts(OptionsHeader),
    Routing(Routing),
    Fragment(Fragment),
    #[serde(rename = "mh")]
    Mobility(Mobility),
    Icmpv6(Icmpv6),
    Udp(Udp),
    Esp(Esp),
    EspTrailer(EspTrailer),
    /// Bytes the codec does not interpret (payload, unknown protocol, truncated remainder).
    Raw(#[serde(with = "crate::util::hex")] Vec<u8>),
}

impl Layer {
    /// The layer's name in the decode view and in violations.
    pub fn name(&self) -> &'static str {
        match self {
            Layer::Ethernet(_) => "ethernet",
            Layer::Ipv4(_) => "ipv4",
            Layer::Ipv6(_) => "ipv6",
            Layer::HopByHop(_) => "hop_by_hop",
            Layer::DestOpts(_) => "dest_opts",
            Layer::Routing(_) => "routing",
            Layer::Fragment(_) => "fragment",
            Layer::Mobility(_) => "mh",
            Layer::Icmpv6(_) => "icmpv6",
            Layer::Udp(_) => "udp",
            Layer::Esp(_) => "esp",
            Layer::EspTrailer(_) => "esp_trailer",
            Layer::Raw(_) => "raw",
        }
    }

    /// The IP protocol number announcing this layer, when it has one.
    pub fn ip_proto(&self) -> Option<u8> {
        Some(match self {
            Layer::Ipv4(_) => proto::IPV4,
            Layer::Ipv6(_) => proto::IPV6,
            Layer::HopByHop(_) => proto::HOP_BY_HOP,
            Layer::DestOpts(_) => proto::DEST_OPTS,
            Layer::Routing(_) => proto::ROUTING,
            Layer::Fragment(_) => proto::FRAGMENT,
            Layer::Mobility(_) => proto::MOBILITY,
            Layer::Icmpv6(_) => proto::ICMPV6,
            Layer::Udp(_) => proto::UDP,
            Layer::Esp(_) => proto::ESP,
            _ => return None,
        })
    }

    /// The EtherType announcing this layer, when it has one.
    pub fn ethertype(&self) -> Option<u16> {
        match self {
            Layer::Ipv4(_) => Some(ethertype::IPV4),
            Layer::Ipv6(_) => Some(ethertype::IPV6),
            _ => None,
        }
    }

    fn emit(&self, cx: &EmitCtx, payload: &[u8], out: &mut Vec<u8>) {
        match self {
            Layer::Ethernet(l) => l.emit(cx, payload, out),
            Layer::Ipv4(l) => l.emit(cx, payload, out),
            Layer::Ipv6(l) => l.emit(cx, payload, out),
            Layer::HopByHop(l) | Layer::DestOpts(l) => l.emit(cx, payload, out),
            Layer::Routing(l) => l.emit(cx, payload, out),
            Layer::Fragment(l) => l.emit(cx, payload, out),
            Layer::Mobility(l) => l.emit(cx, payload, out),
            Layer::Icmpv6(l) => l.emit(cx, payload, out),
            Layer::Udp(l) => l.emit(cx, payload, out),
            Layer::Esp(l) => l.emit(cx, payload, out),
            Layer::EspTrailer(l) => l.emit(cx, payload, out),
            Layer::Raw(b) => {
                out.extend_from_slice(b);
                out.extend_from_slice(payload);
            }
        }
    }

    /// The layer's fields for the decode view (see docs/decode-json.md).
    pub fn fields(&self, f: &mut Fields) {
        match self {
            Layer::Ethernet(l) => l.fields(f),
            Layer::Ipv4(l) => l.fields(f),
            Layer::Ipv6(l) => l.fields(f),
            Layer::HopByHop(l) | Layer::DestOpts(l) => l.fields(f),
            Layer::Routing(l) => l.fields(f),
            Layer::Fragment(l) => l.fields(f),
            Layer::Mobility(l) => l.fields(f),
            Layer::Icmpv6(l) => l.fields(f),
            Layer::Udp(l) => l.fields(f),
            Layer::Esp(l) => l.fields(f),
            Layer::EspTrailer(l) => l.fields(f),
            Layer::Raw(b) => {
                crate::util::put(f, "length", b.len());
                crate::util::put(f, "data", crate::util::to_hex(b));
            }
        }
    }

    /// The layer's options for the decode view, with absolute offsets (`layer_offset` is where
    /// the layer starts in the frame).
    pub fn options(&self, layer_offset: usize) -> Vec<OptionView> {
        match self {
            Layer::HopByHop(l) | Layer::DestOpts(l) => l.option_views(layer_offset),
            Layer::Mobility(l) => l.option_views(layer_offset),
            Layer::Icmpv6(l) => l.option_views(layer_offset),
            _ => Vec::new(),
        }
    }
}

/// One option (IPv6 TLV option, mobility option, ND option) in the decode view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptionView {
    #[serde(rename = "type")]
    pub typ: u8,
    /// Stable snake_case name, `unknown` for types the codec does not know.
    pub name: &'static str,
    /// The Length byte as on the wire (absent for Pad1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub len: Option<u8>,
    /// Byte offset of the option's Type byte from the start of the frame.
    pub offset: usize,
    pub fields: Fields,
}

/// What the decoder is told about the first byte of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkType {
    /// Ethernet II (pcap LINKTYPE_ETHERNET, 1).
    Ethernet,
    /// A bare IPv4 or IPv6 packet, told apart by the version nibble (LINKTYPE_RAW, 101).
    RawIp,
    /// A bare IPv6 packet (LINKTYPE_IPV6, 229).
    Ipv6,
    /// A bare IPv4 packet (LINKTYPE_IPV4, 228).
    Ipv4,
}

/// Decoder settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Decode ESP payloads as NULL-encrypted (RFC 2410) with an ICV of this many bytes, exposing
    /// the inner layers and the trailer. `None`: the ESP payload stays opaque.
    pub esp_null_icv_len: Option<usize>,
}

/// A decoded frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub packet: Packet,
    /// Byte offset of each layer in the frame, parallel to `packet.layers`.
    pub offsets: Vec<usize>,
    pub violations: Vec<Violation>,
}

impl Decoded {
    /// The decode view of this frame (layers with fields and options, violations).
    pub fn view(&self, frame_len: usize) -> FrameView {
        let layers = self
            .packet
            .layers
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let offset = self.offsets[i];
                let end = self.offsets.get(i + 1).copied().unwrap_or(frame_len);
                let mut fields = Fields::new();
                l.fields(&mut fields);
                LayerView {
                    layer: l.name(),
                    offset,
                    length: end.saturating_sub(offset),
                    fields,
                    options: l.options(offset),
                }
            })
            .collect();
        FrameView {
            layers,
            violations: self.violations.clone(),
        }
    }

    /// The first layer of a given kind, e.g. `d.find(|l| match l { Layer::Mobility(m) => Some(m), _ => None })`.
    pub fn find<'a, T>(&'a self, f: impl Fn(&'a Layer) -> Option<&'a T>) -> Option<&'a T> {
        self.packet.layers.iter().find_map(f)
    }
}

/// The decode view of one frame: what `mip6test decode --json` prints (docs/decode-json.md).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrameView {
    pub layers: Vec<LayerView>,
    pub violations: Vec<Violation>,
}

/// The decode view of one layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerView {
    pub layer: &'static str,
    pub offset: usize,
    pub length: usize,
    pub fields: Fields,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<OptionView>,
}

/// What the next bytes are, as announced by the layer just decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    EtherType(u16),
    Ip(u8),
    /// The payload of a DSMIPv6 UDP tunnel: an IP packet of either version.
    IpAnyVersion,
    /// Whatever remains is opaque payload.
    Payload,
    /// Nothing should follow (e.g. after ICMPv6 or an MH): leftovers are raw.
    End,
}

/// One decoded layer and how far it reaches.
pub(crate) struct Step {
    pub layer: Layer,
    /// Bytes consumed from `off`.
    pub len: usize,
    pub next: Next,
}

/// The decoder's state while it walks a frame.
pub(crate) struct Decoder<'a> {
    pub buf: &'a [u8],
    /// End of the bytes that belong to the current IP packet (from its length field).
    pub end: usize,
    pub violations: Vec<Violation>,
    /// Pseudo-header for upper-layer checksums: the innermost IP header's addresses, with the
    /// Home Address option replacing the source and a type 2 routing header's address replacing
    /// the destination (RFC 6275 §6.1.1, §6.3, §6.4; RFC 8200 §8.1).
    pub pseudo: Option<Pseudo>,
    pub opts: DecodeOptions,
    /// Whether the last layer decoded was an IPv6 header (for the Hop-by-Hop placement rule).
    pub after_ipv6_header: bool,
    /// How many IP headers have been decoded so far (0 while decoding the outermost one).
    pub ip_depth: usize,
    /// Source, destination and hop limit of the innermost IPv6 header, for rules that tie an
    /// upper layer to its IP header (e.g. ND's hop limit of 255).
    pub ip6: Option<(std::net::Ipv6Addr, std::net::Ipv6Addr, u8)>,
    /// A NULL-ESP trailer split off the end of the packet, placed after the inner layers.
    pub esp_trailer: Option<(usize, EspTrailer)>,
}

impl<'a> Decoder<'a> {
    pub fn push(&mut self, v: Violation) {
        self.violations.push(v);
    }

    /// Records that a header starting at `off` needs `need` bytes but fewer are left.
    pub fn truncated(&mut self, layer: &'static str, off: usize, need: usize, rfc: &'static str) {
        let have = self.end.saturating_sub(off);
        self.push(Violation::new(
            layer,
            "length",
            off,
            "truncated",
            rfc,
            format!("{layer} needs {need} bytes at offset {off}, only {have} left"),
        ));
    }

    /// Bytes from `off` to the end of the current packet.
    pub fn rest(&self, off: usize) -> &'a [u8] {
        &self.buf[off.min(self.end)..self.end]
    }
}

/// Decodes a frame leniently. Never panics: whatever cannot be interpreted ends up in a
/// `Layer::Raw` and the reason in `violations`.
pub fn decode(bytes: &[u8], link: LinkType) -> Decoded {
    decode_with(bytes, link, DecodeOptions::default())
}

/// [`decode`] with explicit options.
pub fn decode_with(bytes: &[u8], link: LinkType, opts: DecodeOptions) -> Decoded {
    let mut d = Decoder {
        buf: bytes,
        end: bytes.len(),
        violations: Vec::new(),
        pseudo: None,
        opts,
        after_ipv6_header: false,
        ip_depth: 0,
        esp_trailer: None,
        ip6: None,
    };
    if bytes.is_empty() {
        d.push(Violation::new(
            "frame",
            "length",
            0,
            "truncated",
            "RFC 8200 §3",
            "empty frame",
        ));
    }
    let mut layers = Vec::with_capacity(6);
    let mut offsets = Vec::with_capacity(6);
    let mut off = 0usize;
    let mut next = match link {
        LinkType::Ethernet => None,
        LinkType::Ipv6 => Some(Next::EtherType(ethertype::IPV6)),
        LinkType::Ipv4 => Some(Next::EtherType(ethertype::IPV4)),
        LinkType::RawIp => Some(Next::IpAnyVersion),
    };
    // Bytes that belong to the frame but not to the outermost IP packet (Ethernet padding).
    let mut outer_end: Option<usize> = None;
    loop {
        if off >= d.end {
            break;
        }
        let step = match next {
            None => crate::ethernet::decode(&mut d, off),
            Some(Next::EtherType(ethertype::IPV6)) => crate::ipv6::decode_ipv6(&mut d, off),
            Some(Next::EtherType(ethertype::IPV4)) => crate::ipv4::decode(&mut d, off),
            Some(Next::IpAnyVersion) => match bytes[off] >> 4 {
                6 => crate::ipv6::decode_ipv6(&mut d, off),
                4 => crate::ipv4::decode(&mut d, off),
                _ => None,
            },
            Some(Next::Ip(p)) => match p {
                proto::HOP_BY_HOP | proto::DEST_OPTS | proto::ROUTING | proto::FRAGMENT => {
                    crate::ipv6::decode_ext(&mut d, off, p)
                }
                proto::IPV6 => crate::ipv6::decode_ipv6(&mut d, off),
                proto::IPV4 => crate::ipv4::decode(&mut d, off),
                proto::MOBILITY => crate::mh::decode(&mut d, off),
                proto::ICMPV6 => crate::icmpv6::decode(&mut d, off),
                proto::UDP => crate::udp::decode(&mut d, off),
                proto::ESP => crate::esp::decode(&mut d, off),
                _ => None,
            },
            Some(Next::EtherType(_)) | Some(Next::Payload) | Some(Next::End) => None,
        };
        let is_ip = matches!(
            step.as_ref().map(|s| &s.layer),
            Some(Layer::Ipv6(_)) | Some(Layer::Ipv4(_))
        );
        match step {
            Some(s) => {
                if is_ip && outer_end.is_none() {
                    outer_end = Some(d.end);
                }
                d.after_ipv6_header = matches!(s.layer, Layer::Ipv6(_));
                layers.push(s.layer);
                offsets.push(off);
                off += s.len;
                next = Some(s.next);
                if let Some(Layer::EspTrailer(_)) = layers.last() {
                    break;
                }
            }
            None => {
                if let Some(Next::End) = next {
                    d.push(Violation::new(
                        layers.last().map(Layer::name).unwrap_or("frame"),
                        "length",
                        off,
                        "trailing-bytes",
                        "RFC 8200 §4",
                        format!("{} bytes follow a header that ends the packet", d.end - off),
                    ));
                }
                layers.push(Layer::Raw(bytes[off..d.end].to_vec()));
                offsets.push(off);
                off = d.end;
                break;
            }
        }
    }
    // An ESP layer decoded as NULL-encrypted leaves its trailer at the end of the packet.
    if let Some((toff, trailer)) = crate::esp::take_pending_trailer(&mut d) {
        if off < toff {
            layers.push(Layer::Raw(bytes[off..toff].to_vec()));
            offsets.push(off);
        }
        off = toff + trailer.wire_len();
        offsets.push(toff);
        layers.push(Layer::EspTrailer(trailer));
    }
    // Bytes that a length field left out of every layer (Ethernet padding, a UDP or inner IP
    // length shorter than its container) are kept, so every frame re-emits byte for byte.
    if off < bytes.len() {
        layers.push(Layer::Raw(bytes[off..].to_vec()));
        offsets.push(off);
    }
    if let Some(end) = outer_end {
        // Anything after the outermost IP packet is Ethernet padding when the frame is at the
        // 60-byte minimum; otherwise the IP length field is wrong.
        let padding_allowed = link == LinkType::Ethernet && bytes.len() <= 60;
        if end < bytes.len() && !padding_allowed {
            let first_ip = layers
                .iter()
                .position(|l| matches!(l, Layer::Ipv6(_) | Layer::Ipv4(_)))
                .unwrap_or(0);
            let name = layers[first_ip].name();
            d.push(Violation::new(
                name,
                if name == "ipv6" {
                    "payload_len"
                } else {
                    "total_len"
                },
                offsets[first_ip] + if name == "ipv6" { 4 } else { 2 },
                "ip-length-short",
                if name == "ipv6" {
                    "RFC 8200 §3"
                } else {
                    "RFC 791 §3.1"
                },
                format!(
                    "{} bytes after the end given by the length field",
                    bytes.len() - end
                ),
            ));
        }
    }
    Decoded {
        packet: Packet { layers },
        offsets,
        violations: d.violations,
    }
}

/// What a layer's emitter learns from its neighbours.
pub(crate) struct EmitCtx {
    /// IP protocol number of the next layer (59 when there is none or it has none).
    pub next_proto: u8,
    /// EtherType of the next layer (0 when there is none).
    pub next_ethertype: u16,
    /// Pseudo-header addresses for an upper-layer checksum at this position.
    pub pseudo: Option<Pseudo>,
}

/// Raw-byte edits applied after emission, so a test can send what no field override can express.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edits {
    /// Byte patches, applied in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub patches: Vec<Patch>,
    /// Cut the frame to this many bytes (before `append`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncate: Option<usize>,
    /// Bytes added at the end of the frame.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "crate::util::hex"
    )]
    pub append: Vec<u8>,
}

/// Overwrite bytes at an offset, from the start of the frame or of a layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patch {
    /// Index of the layer the offset is relative to; `None` for the frame start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<usize>,
    pub offset: usize,
    #[serde(with = "crate::util::hex")]
    pub bytes: Vec<u8>,
}

/// The result of emitting a packet.
#[derive(Debug, Clone, PartialEq)]
pub struct Emitted {
    pub bytes: Vec<u8>,
    /// Byte offset of each layer in `bytes`.
    pub offsets: Vec<usize>,
}

/// Why a set of edits could not be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditError {
    NoSuchLayer {
        layer: usize,
        layers: usize,
    },
    OutOfRange {
        offset: usize,
        len: usize,
        frame: usize,
    },
}

impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EditError::NoSuchLayer { layer, layers } => {
                write!(
                    f,
                    "patch names layer {layer} but the packet has {layers} layers"
                )
            }
            EditError::OutOfRange { offset, len, frame } => write!(
                f,
                "patch of {len} bytes at offset {offset} reaches past the {frame}-byte frame"
            ),
        }
    }
}

impl std::error::Error for EditError {}

/// A frame to send or one that was received: layers in wire order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Packet {
    pub layers: Vec<Layer>,
}

impl Packet {
    pub fn new(layers: Vec<Layer>) -> Self {
        Packet { layers }
    }

    /// Encodes the packet, computing every field left as `None`.
    pub fn emit(&self) -> Vec<u8> {
        self.emit_layers().bytes
    }

    /// Encodes the packet and reports where each layer starts.
    pub fn emit_layers(&self) -> Emitted {
        let pseudos = self.pseudo_headers();
        let mut lens = vec![(0usize, 0usize); self.layers.len()];
        let bytes = self.emit_range(0, self.layers.len(), &pseudos, &mut lens);
        let mut offsets = vec![0usize; self.layers.len()];
        self.assign_offsets(0, self.layers.len(), 0, &lens, &mut offsets);
        Emitted { bytes, offsets }
    }

    /// Mirrors `emit_range` to place each layer: `lens[i]` is (header bytes, inner payload bytes).
    fn assign_offsets(
        &self,
        start: usize,
        end: usize,
        base: usize,
        lens: &[(usize, usize)],
        offsets: &mut [usize],
    ) {
        if start >= end {
            return;
        }
        offsets[start] = base;
        let inner = base + lens[start].0;
        match self.esp_trailer_of(start, end) {
            Some(t) => {
                self.assign_offsets(start + 1, t, inner, lens, offsets);
                offsets[t] = inner + lens[start].1;
                self.assign_offsets(t + 1, end, offsets[t] + lens[t].0, lens, offsets);
            }
            None => self.assign_offsets(start + 1, end, inner, lens, offsets),
        }
    }

    /// For an ESP layer at `start`, the index of the trailer that closes it (before `end`).
    fn esp_trailer_of(&self, start: usize, end: usize) -> Option<usize> {
        match self.layers[start] {
            Layer::Esp(_) => self.layers[start + 1..end]
                .iter()
                .position(|l| matches!(l, Layer::EspTrailer(_)))
                .map(|p| start + 1 + p),
            _ => None,
        }
    }

    /// Encodes the packet and applies raw edits.
    pub fn emit_with(&self, edits: &Edits) -> Result<Emitted, EditError> {
        let mut e = self.emit_layers();
        for p in &edits.patches {
            let base = match p.layer {
                None => 0,
                Some(i) => *e.offsets.get(i).ok_or(EditError::NoSuchLayer {
                    layer: i,
                    layers: e.offsets.len(),
                })?,
            };
            let start = base + p.offset;
            let end = start + p.bytes.len();
            if end > e.bytes.len() {
                return Err(EditError::OutOfRange {
                    offset: start,
                    len: p.bytes.len(),
                    frame: e.bytes.len(),
                });
            }
            e.bytes[start..end].copy_from_slice(&p.bytes);
        }
        if let Some(t) = edits.truncate {
            e.bytes.truncate(t);
        }
        e.bytes.extend_from_slice(&edits.append);
        Ok(e)
    }

    /// The pseudo-header in force at each layer position (for upper-layer checksums).
    fn pseudo_headers(&self) -> Vec<Option<Pseudo>> {
        let mut cur = None;
        let mut out = Vec::with_capacity(self.layers.len());
        for l in &self.layers {
            out.push(cur);
            match l {
                Layer::Ipv6(h) => {
                    cur = Some(Pseudo::V6 {
                        src: h.src,
                        dst: h.dst,
                    })
                }
                Layer::Ipv4(h) => {
                    cur = Some(Pseudo::V4 {
                        src: h.src,
                        dst: h.dst,
                    })
                }
                Layer::DestOpts(o) => {
                    if let (Some(hoa), Some(Pseudo::V6 { dst, .. })) = (o.home_address_opt(), cur) {
                        cur = Some(Pseudo::V6 { src: hoa, dst });
                    }
                }
                Layer::Routing(r) => {
                    if let (Some(fin), Some(Pseudo::V6 { src, .. })) = (r.final_destination(), cur)
                    {
                        cur = Some(Pseudo::V6 { src, dst: fin });
                    }
                }
                _ => {}
            }
        }
        out
    }

    fn emit_range(
        &self,
        start: usize,
        end: usize,
        pseudos: &[Option<Pseudo>],
        lens: &mut [(usize, usize)],
    ) -> Vec<u8> {
        if start >= end {
            return Vec::new();
        }
        let layer = &self.layers[start];
        // ESP wraps the layers up to its trailer; what follows the trailer follows the ESP packet.
        let trailer = self.esp_trailer_of(start, end);
        let inner_end = trailer.unwrap_or(end);
        let payload = self.emit_range(start + 1, inner_end, pseudos, lens);
        let next = self.layers[start + 1..inner_end].first();
        let cx = EmitCtx {
            next_proto: next.and_then(Layer::ip_proto).unwrap_or(proto::NONE),
            next_ethertype: next.and_then(Layer::ethertype).unwrap_or(0),
            pseudo: pseudos[start],
        };
        let mut out = Vec::with_capacity(payload.len() + 64);
        layer.emit(&cx, &payload, &mut out);
        lens[start] = (out.len() - payload.len(), payload.len());
        if let Some(t) = trailer {
            let before = out.len();
            if let Layer::EspTrailer(tr) = &self.layers[t] {
                // The trailer's Next Header is the first inner layer's protocol.
                tr.emit_after(&cx, &mut out);
            }
            lens[t] = (out.len() - before, 0);
            let rest = self.emit_range(t + 1, end, pseudos, lens);
            out.extend_from_slice(&rest);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::icmpv6::{Icmpv6Msg, NdOption};
    use crate::ipv6::Ipv6;
    use crate::udp::Udp;
    use crate::MacAddr;

    fn a(s: &str) -> std::net::Ipv6Addr {
        s.parse().unwrap()
    }

    fn rules(d: &Decoded) -> Vec<&'static str> {
        d.violations.iter().map(|v| v.rule).collect()
    }

    fn ra(src: &str, hop: u8) -> Vec<u8> {
        Packet::new(vec![
            Layer::Ipv6(Ipv6::new(a(src), a("ff02::1")).hop_limit(hop)),
            Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::RouterAdvertisement {
                cur_hop_limit: 64,
                m: false,
                o: false,
                h: true,
                reserved: 0,
                router_lifetime: 1800,
                reachable_time: 0,
                retrans_timer: 0,
                options: vec![NdOption::SourceLinkLayer(MacAddr([2, 0, 0, 0, 0, 1]))],
            })),
        ])
        .emit()
    }

    #[test]
    fn neighbor_discovery_rules_see_the_ipv6_header() {
        assert!(decode(&ra("fe80::1", 255), LinkType::Ipv6)
            .violations
            .is_empty());
        assert_eq!(
            rules(&decode(&ra("fe80::1", 64), LinkType::Ipv6)),
            vec!["nd-hop-limit"]
        );
        assert_eq!(
            rules(&decode(&ra("2001:db8::1", 255), LinkType::Ipv6)),
            vec!["nd-source-not-link-local"]
        );
    }

    #[test]
    fn bytes_outside_every_length_field_are_kept_and_re_emitted() {
        // Ethernet padding of a minimum-size frame: no violation, kept as raw.
        let mut f = Packet::new(vec![
            Layer::Ethernet(Ethernet::new(
                MacAddr([2, 0, 0, 0, 0, 1]),
                MacAddr::BROADCAST,
            )),
            Layer::Ipv6(Ipv6::new(a("2001:db8::1"), a("2001:db8::2"))),
        ])
        .emit();
        f.resize(60, 0);
        let d = decode(&f, LinkType::Ethernet);
        assert!(d.violations.is_empty(), "{:?}", d.violations);
        assert_eq!(d.packet.layers.last(), Some(&Layer::Raw(vec![0; 6])));
        assert_eq!(d.offsets.last(), Some(&54));
        assert_eq!(d.packet.emit(), f);

        // A UDP length shorter than the datagram: the rest is its own raw layer.
        let u = Packet::new(vec![
            Layer::Ipv6(Ipv6::new(a("2001:db8::1"), a("2001:db8::2"))),
            Layer::Udp(Udp {
                length: Some(10),
                ..Udp::new(1000, 2000)
            }),
            Layer::Raw(vec![1, 2, 3, 4]),
        ]);
        let bytes = u.emit();
        let d = decode(&bytes, LinkType::Ipv6);
        assert!(rules(&d).contains(&"udp-length"), "{:?}", d.violations);
        assert_eq!(d.packet.emit(), bytes);
        assert_eq!(d.offsets, vec![0, 40, 48, 50]);
        assert_eq!(d.packet.layers[3], Layer::Raw(vec![3, 4]));
    }

    #[test]
    fn a_non_ethernet_frame_has_no_padding_allowance() {
        let mut f = Packet::new(vec![Layer::Ipv6(Ipv6::new(
            a("2001:db8::1"),
            a("2001:db8::2"),
        ))])
        .emit();
        f.extend_from_slice(&[0; 4]);
        let d = decode(&f, LinkType::Ipv6);
        assert_eq!(rules(&d), vec!["ip-length-short"]);
        assert_eq!(d.violations[0].offset, 4);
    }

    #[test]
    fn edits_patch_truncate_and_append() {
        let p = Packet::new(vec![
            Layer::Ipv6(Ipv6::new(a("2001:db8::1"), a("2001:db8::2"))),
            Layer::Raw(vec![0; 8]),
        ]);
        let e = p
            .emit_with(&Edits {
                patches: vec![
                    Patch {
                        layer: Some(1),
                        offset: 2,
                        bytes: vec![0xaa, 0xbb],
                    },
                    Patch {
                        layer: None,
                        offset: 7,
                        bytes: vec![1],
                    },
                ],
                truncate: Some(46),
                append: vec![0xff],
            })
            .unwrap();
        assert_eq!(e.offsets, vec![0, 40]);
        assert_eq!(&e.bytes[40..], &[0, 0, 0xaa, 0xbb, 0, 0, 0xff]);
        assert_eq!(e.bytes[7], 1);
        assert_eq!(
            p.emit_with(&Edits {
                patches: vec![Patch {
                    layer: Some(5),
                    offset: 0,
                    bytes: vec![1]
                }],
                ..Edits::default()
            }),
            Err(EditError::NoSuchLayer {
                layer: 5,
                layers: 2
            })
        );
        assert!(matches!(
            p.emit_with(&Edits {
                patches: vec![Patch {
                    layer: Some(1),
                    offset: 7,
                    bytes: vec![1, 2]
                }],
                ..Edits::default()
            }),
            Err(EditError::OutOfRange { .. })
        ));
    }
}
