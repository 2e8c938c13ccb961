//! ESP framing (RFC 4303 §2). The payload is opaque unless the decoder is told the SA uses NULL
//! encryption (RFC 2410) with an ICV of a known size
//! ([`DecodeOptions::esp_null_icv_len`](crate::DecodeOptions)); then the inner layers and the
//! trailer are exposed: `[.., Esp, <inner layers>, EspTrailer]`.
//!
//! ```text
//! ESP packet (RFC 4303 §2, Figure 1)
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |               Security Parameters Index (SPI)                 |  0  Esp
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                      Sequence Number                          |  4
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Payload Data (variable)                    |  8  inner layers
//! ~                                                               ~
//! +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |               |     Padding (0-255 bytes)                     |     EspTrailer
//! +-+-+-+-+-+-+-+-+               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                               |  Pad Length   | Next Header   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |         Integrity Check Value-ICV   (variable)                |
//! ~                                                               ~
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! Padding defaults to the monotonic sequence 1, 2, 3, ... of RFC 4303 §2.4, as short as it can
//! be while right-aligning Pad Length and Next Header in a 4-byte word.

use crate::packet::{Decoder, EmitCtx, Layer, Next, Step};
use crate::util::{be32, put, to_hex, Fields};
use crate::violation::Violation;
use serde::{Deserialize, Serialize};

mod field {
    pub const SPI: usize = 0;
    pub const SEQ: usize = 4;
    pub const HEADER_LEN: usize = 8;
}

/// Length of the ESP header (SPI and Sequence Number).
pub const HEADER_LEN: usize = field::HEADER_LEN;

/// The ESP header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Esp {
    pub spi: u32,
    #[serde(default)]
    pub seq: u32,
}

/// The ESP trailer of a NULL-encrypted packet: Padding, Pad Length, Next Header and ICV.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EspTrailer {
    /// `None`: the default monotonic padding (1, 2, 3, ...) that makes the ESP payload plus
    /// the 2 trailer bytes a multiple of 4 (RFC 4303 §2.4).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "hex_opt")]
    pub padding: Option<Vec<u8>>,
    /// `None`: the padding length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pad_len: Option<u8>,
    /// `None`: the protocol of the first layer inside the ESP (59 when there is none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_header: Option<u8>,
    /// Integrity Check Value, as it is sent (the codec does not compute it).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "crate::util::hex"
    )]
    pub icv: Vec<u8>,
}

/// serde adapter: `Option<Vec<u8>>` as an optional hex string.
mod hex_opt {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => s.serialize_str(&crate::util::to_hex(b)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(s) => crate::util::from_hex(&s)
                .map(Some)
                .map_err(serde::de::Error::custom),
            None => Ok(None),
        }
    }
}

impl Esp {
    pub fn new(spi: u32, seq: u32) -> Self {
        Esp { spi, seq }
    }

    pub(crate) fn emit(&self, _cx: &EmitCtx, payload: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(&self.spi.to_be_bytes());
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(payload);
    }

    pub(crate) fn fields(&self, f: &mut Fields) {
        put(f, "spi", self.spi);
        put(f, "seq", self.seq);
    }
}

impl EspTrailer {
    /// Bytes a decoded trailer (padding given) takes on the wire.
    pub fn wire_len(&self) -> usize {
        self.padding.as_ref().map_or(0, Vec::len) + 2 + self.icv.len()
    }

    /// A trailer with default padding, pad length and next header, and this ICV.
    pub fn new(icv: Vec<u8>) -> Self {
        EspTrailer {
            icv,
            ..EspTrailer::default()
        }
    }

    /// Emission of a trailer with no ESP layer before it: its bytes as given (no default padding,
    /// as there is no payload to align), then whatever follows it.
    pub(crate) fn emit(&self, cx: &EmitCtx, payload: &[u8], out: &mut Vec<u8>) {
        let padding = self.padding.as_deref().unwrap_or(&[]);
        out.extend_from_slice(padding);
        out.push(self.pad_len.unwrap_or(padding.len() as u8));
        out.push(self.next_header.unwrap_or(cx.next_proto));
        out.extend_from_slice(&self.icv);
        out.extend_from_slice(payload);
    }

    /// Appends the trailer to `out`, which holds the ESP header and the inner payload; `cx` is the
    /// ESP layer's context (its `next_proto` is the first inner layer's protocol).
    pub(crate) fn emit_after(&self, cx: &EmitCtx, out: &mut Vec<u8>) {
        let default_padding;
        let padding = match &self.padding {
            Some(p) => p.as_slice(),
            None => {
                // The ESP header is 8 bytes, so aligning `out` aligns the payload.
                let n = (4 - (out.len() + 2) % 4) % 4;
                default_padding = (1..=n as u8).collect::<Vec<u8>>();
                &default_padding
            }
        };
        out.extend_from_slice(padding);
        out.push(self.pad_len.unwrap_or(padding.len() as u8));
        out.push(self.next_header.unwrap_or(cx.next_proto));
        out.extend_from_slice(&self.icv);
    }

    pub(crate) fn fields(&self, f: &mut Fields) {
        put(f, "padding", to_hex(self.padding.as_deref().unwrap_or(&[])));
        put(f, "pad_len", self.pad_len.unwrap_or(0));
        put(f, "next_header", self.next_header.unwrap_or(0));
        put(f, "icv", to_hex(&self.icv));
    }
}

/// Decodes an ESP header at `off`; with `esp_null_icv_len` set, also splits off the trailer.
pub(crate) fn decode(d: &mut Decoder, off: usize) -> Option<Step> {
    let b = d.rest(off);
    if b.len() < field::HEADER_LEN {
        d.truncated("esp", off, field::HEADER_LEN, "RFC 4303 §2");
        return None;
    }
    let esp = Esp {
        spi: be32(b, field::SPI),
        seq: be32(b, field::SEQ),
    };
    if esp.spi <= 255 {
        d.push(Violation::new(
            "esp",
            "spi",
            off + field::SPI,
            "esp-spi-reserved",
            "RFC 4303 §2.1",
            format!(
                "SPI {} is reserved ({})",
                esp.spi,
                if esp.spi == 0 {
                    "for local use, must not be sent"
                } else {
                    "by IANA"
                }
            ),
        ));
    }
    let opaque = Step {
        layer: Layer::Esp(esp.clone()),
        len: field::HEADER_LEN,
        next: Next::Payload,
    };
    // Only one trailer can be pending: an ESP inside a NULL ESP stays opaque.
    let Some(icv_len) = d.opts.esp_null_icv_len.filter(|_| d.esp_trailer.is_none()) else {
        return Some(opaque);
    };
    let body = b.len() - field::HEADER_LEN;
    if body < icv_len + 2 {
        d.push(Violation::new(
            "esp",
            "trailer",
            off + field::HEADER_LEN,
            "truncated",
            "RFC 4303 §2",
            format!(
                "ESP trailer needs {} bytes (pad length, next header, {icv_len}-byte ICV), only {body} follow the header",
                icv_len + 2
            ),
        ));
        return Some(opaque);
    }
    // Positions relative to `off`.
    let icv_at = b.len() - icv_len;
    let nh_at = icv_at - 1;
    let pl_at = nh_at - 1;
    let pad_len = b[pl_at];
    let room = pl_at - field::HEADER_LEN;
    if usize::from(pad_len) > room {
        d.push(Violation::new(
            "esp_trailer",
            "pad_len",
            off + pl_at,
            "esp-pad-length",
            "RFC 4303 §2.4",
            format!("pad length {pad_len} but only {room} bytes precede it in the ESP payload"),
        ));
        return Some(opaque);
    }
    let pad_at = pl_at - usize::from(pad_len);
    let padding = &b[pad_at..pl_at];
    if let Some(i) = padding
        .iter()
        .enumerate()
        .position(|(i, &x)| usize::from(x) != i + 1)
    {
        d.push(Violation::new(
            "esp_trailer",
            "padding",
            off + pad_at + i,
            "esp-padding",
            "RFC 4303 §2.4",
            format!(
                "padding byte {} is {:#04x}, the default padding is 1, 2, 3, ...",
                i + 1,
                padding[i]
            ),
        ));
    }
    // Payload, padding, pad length and next header end on a 4-byte boundary (the ESP header
    // is 8 bytes, so counting from the SPI is the same).
    if icv_at & 3 != 0 {
        d.push(Violation::new(
            "esp_trailer",
            "pad_len",
            off + pl_at,
            "esp-alignment",
            "RFC 4303 §2.4",
            format!(
                "payload and trailer take {} bytes, not a multiple of 4",
                icv_at - field::HEADER_LEN
            ),
        ));
    }
    let next_header = b[nh_at];
    let trailer = EspTrailer {
        padding: Some(padding.to_vec()),
        pad_len: Some(pad_len),
        next_header: Some(next_header),
        icv: b[icv_at..].to_vec(),
    };
    d.esp_trailer = Some((off + pad_at, trailer));
    d.end = off + pad_at;
    Some(Step {
        layer: Layer::Esp(esp),
        len: field::HEADER_LEN,
        next: Next::Ip(next_header),
    })
}

/// The trailer split off by a NULL-ESP decode, with its frame offset.
pub(crate) fn take_pending_trailer(d: &mut Decoder) -> Option<(usize, EspTrailer)> {
    d.esp_trailer.take()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipv6::Ipv6;
    use crate::packet::{decode, decode_with, DecodeOptions, LinkType, Packet};
    use crate::udp::Udp;
    use std::net::Ipv6Addr;

    fn a6(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    fn null12() -> DecodeOptions {
        DecodeOptions {
            esp_null_icv_len: Some(12),
        }
    }

    const ICV: [u8; 12] = [
        0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb,
    ];

    /// IPv6 / ESP (SPI 0x1000, seq 1) / 16 opaque bytes.
    static OPAQUE: [u8; 64] = [
        0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x32, 0x40, // plen 24, nh 50
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, // 2001:db8::1
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, // 2001:db8::2
        0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x01, // SPI, seq
        0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae,
        0xaf,
    ];

    /// Transport mode, NULL encryption: IPv6 / ESP (seq 7) / UDP 5000 -> 53 "abc" / padding
    /// 1 2 3, pad length 3, next header 17 / 12-byte ICV. The UDP checksum uses the outer
    /// addresses (0xcc43, computed independently).
    static NULL_TRANSPORT: [u8; 76] = [
        0x60, 0x00, 0x00, 0x00, 0x00, 0x24, 0x32, 0x40, // plen 36, nh 50
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, // 2001:db8::1
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, // 2001:db8::2
        0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x07, // SPI, seq
        0x13, 0x88, 0x00, 0x35, 0x00, 0x0b, 0xcc, 0x43, // UDP, len 11
        0x61, 0x62, 0x63, // "abc"
        0x01, 0x02, 0x03, 0x03, 0x11, // padding, pad length 3, next header 17
        0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, // ICV
    ];

    /// Tunnel mode, NULL encryption: IPv6 / ESP (seq 8) / IPv6 (nh 59) / 4 bytes / padding 1 2,
    /// pad length 2, next header 41 / 12-byte ICV.
    static NULL_TUNNEL: [u8; 108] = [
        0x60, 0x00, 0x00, 0x00, 0x00, 0x44, 0x32, 0x40, // plen 68, nh 50
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, // 2001:db8::1
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, // 2001:db8::2
        0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x08, // SPI, seq
        0x60, 0x00, 0x00, 0x00, 0x00, 0x04, 0x3b, 0x40, // inner IPv6, plen 4, nh 59
        0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, // 2001:db8:1::100
        0x20, 0x01, 0x0d, 0xb8, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, // 2001:db8:3::1
        0xde, 0xad, 0xbe, 0xef, // payload
        0x01, 0x02, 0x02, 0x29, // padding, pad length 2, next header 41
        0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, // ICV
    ];

    fn outer() -> Layer {
        Layer::Ipv6(Ipv6::new(a6("2001:db8::1"), a6("2001:db8::2")))
    }

    fn transport_packet() -> Packet {
        Packet::new(vec![
            outer(),
            Layer::Esp(Esp::new(0x1000, 7)),
            Layer::Udp(Udp::new(5000, 53)),
            Layer::Raw(b"abc".to_vec()),
            Layer::EspTrailer(EspTrailer::new(ICV.to_vec())),
        ])
    }

    fn tunnel_packet() -> Packet {
        Packet::new(vec![
            outer(),
            Layer::Esp(Esp::new(0x1000, 8)),
            Layer::Ipv6(Ipv6::new(a6("2001:db8:1::100"), a6("2001:db8:3::1"))),
            Layer::Raw(vec![0xde, 0xad, 0xbe, 0xef]),
            Layer::EspTrailer(EspTrailer::new(ICV.to_vec())),
        ])
    }

    #[test]
    fn opaque() {
        let p = Packet::new(vec![
            outer(),
            Layer::Esp(Esp::new(0x1000, 1)),
            Layer::Raw((0xa0..=0xaf).collect()),
        ]);
        assert_eq!(p.emit(), OPAQUE.to_vec());
        let d = decode(&OPAQUE, LinkType::Ipv6);
        assert!(d.violations.is_empty(), "{:?}", d.violations);
        assert_eq!(d.offsets, vec![0, 40, 48]);
        assert_eq!(d.packet.layers[1], Layer::Esp(Esp::new(0x1000, 1)));
        assert!(matches!(d.packet.layers[2], Layer::Raw(ref r) if r.len() == 16));
        assert_eq!(d.packet.emit(), OPAQUE.to_vec());
        let v = d.view(OPAQUE.len());
        assert_eq!(v.layers[1].fields["spi"], 0x1000);
        assert_eq!(v.layers[1].fields["seq"], 1);
    }

    #[test]
    fn construct_null() {
        assert_eq!(transport_packet().emit(), NULL_TRANSPORT.to_vec());
        assert_eq!(tunnel_packet().emit(), NULL_TUNNEL.to_vec());
    }

    #[test]
    fn deconstruct_null_transport() {
        let d = decode_with(&NULL_TRANSPORT, LinkType::Ipv6, null12());
        assert!(d.violations.is_empty(), "{:?}", d.violations);
        assert_eq!(d.offsets, vec![0, 40, 48, 56, 59]);
        let names: Vec<_> = d.packet.layers.iter().map(Layer::name).collect();
        assert_eq!(names, vec!["ipv6", "esp", "udp", "raw", "esp_trailer"]);
        assert_eq!(d.packet.layers[3], Layer::Raw(b"abc".to_vec()));
        assert_eq!(
            d.packet.layers[4],
            Layer::EspTrailer(EspTrailer {
                padding: Some(vec![1, 2, 3]),
                pad_len: Some(3),
                next_header: Some(17),
                icv: ICV.to_vec(),
            })
        );
        assert_eq!(d.packet.emit(), NULL_TRANSPORT.to_vec());
        assert_eq!(d.packet.emit_layers().offsets, d.offsets);
        assert_eq!(transport_packet().emit_layers().offsets, d.offsets);
        let v = d.view(NULL_TRANSPORT.len());
        let t = &v.layers[4];
        assert_eq!((t.offset, t.length), (59, 17));
        assert_eq!(t.fields["padding"], "010203");
        assert_eq!(t.fields["pad_len"], 3);
        assert_eq!(t.fields["next_header"], 17);
        assert_eq!(t.fields["icv"], "c0c1c2c3c4c5c6c7c8c9cacb");
    }

    #[test]
    fn deconstruct_null_tunnel() {
        let d = decode_with(&NULL_TUNNEL, LinkType::Ipv6, null12());
        assert!(d.violations.is_empty(), "{:?}", d.violations);
        assert_eq!(d.offsets, vec![0, 40, 48, 88, 92]);
        let names: Vec<_> = d.packet.layers.iter().map(Layer::name).collect();
        assert_eq!(names, vec!["ipv6", "esp", "ipv6", "raw", "esp_trailer"]);
        assert_eq!(d.packet.layers[3], Layer::Raw(vec![0xde, 0xad, 0xbe, 0xef]));
        assert_eq!(d.packet.emit(), NULL_TUNNEL.to_vec());
        assert_eq!(d.packet.emit_layers().offsets, d.offsets);
        // Without the option the same bytes stay opaque.
        let d = decode(&NULL_TUNNEL, LinkType::Ipv6);
        assert!(d.violations.is_empty(), "{:?}", d.violations);
        assert_eq!(d.offsets, vec![0, 40, 48]);
        assert_eq!(d.packet.emit(), NULL_TUNNEL.to_vec());
    }

    #[test]
    fn serde_round_trip() {
        let d = decode_with(&NULL_TRANSPORT, LinkType::Ipv6, null12());
        let json = serde_json::to_string(&d.packet).unwrap();
        assert!(json.contains(r#""padding":"010203""#), "{json}");
        let p: Packet = serde_json::from_str(&json).unwrap();
        assert_eq!(p, d.packet);
        let t: EspTrailer = serde_json::from_str(r#"{"icv":"c0c1"}"#).unwrap();
        assert_eq!(t, EspTrailer::new(vec![0xc0, 0xc1]));
        let t: EspTrailer = serde_json::from_str(r#"{"padding":"0102","pad_len":9}"#).unwrap();
        assert_eq!(t.padding, Some(vec![1, 2]));
        assert!(serde_json::from_str::<EspTrailer>(r#"{"pad":1}"#).is_err());
        let e: Esp = serde_json::from_str(r#"{"spi":4096}"#).unwrap();
        assert_eq!(e, Esp::new(4096, 0));
    }

    #[test]
    fn overrides_are_sent_as_given() {
        let mut p = transport_packet();
        p.layers[4] = Layer::EspTrailer(EspTrailer {
            padding: Some(vec![0, 0, 0, 0, 0, 0, 0]),
            pad_len: Some(7),
            next_header: Some(59),
            icv: vec![],
        });
        let b = p.emit();
        assert_eq!(&b[59..], &[0, 0, 0, 0, 0, 0, 0, 7, 59]);
        let d = decode_with(
            &b,
            LinkType::Ipv6,
            DecodeOptions {
                esp_null_icv_len: Some(0),
            },
        );
        let rules: Vec<_> = d.violations.iter().map(|v| (v.rule, v.offset)).collect();
        // Non-default padding; 11 + 7 + 2 = 20 is aligned. Next header 59: the inner bytes are raw.
        assert_eq!(rules, vec![("esp-padding", 59)]);
        assert_eq!(d.packet.emit(), b);
        assert_eq!(d.packet.emit_layers().offsets, d.offsets);
    }

    #[test]
    fn padding_and_alignment_violations() {
        // One padding byte fewer: 11 + 2 + 2 = 15 bytes, misaligned.
        let mut p = transport_packet();
        p.layers[4] = Layer::EspTrailer(EspTrailer {
            padding: Some(vec![1, 2]),
            ..EspTrailer::new(ICV.to_vec())
        });
        let b = p.emit();
        let d = decode_with(&b, LinkType::Ipv6, null12());
        let rules: Vec<_> = d.violations.iter().map(|v| (v.rule, v.offset)).collect();
        assert_eq!(rules, vec![("esp-alignment", 61)]);
        assert_eq!(d.packet.emit(), b);
        // Pad length larger than the payload: the ESP stays opaque.
        let mut b = NULL_TRANSPORT.to_vec();
        b[62] = 200;
        let d = decode_with(&b, LinkType::Ipv6, null12());
        let rules: Vec<_> = d.violations.iter().map(|v| (v.rule, v.offset)).collect();
        assert_eq!(rules, vec![("esp-pad-length", 62)]);
        assert_eq!(d.offsets, vec![0, 40, 48]);
        assert_eq!(d.packet.emit(), b);
        // Wrong padding byte at its absolute offset.
        let mut b = NULL_TRANSPORT.to_vec();
        b[60] = 9;
        let d = decode_with(&b, LinkType::Ipv6, null12());
        let rules: Vec<_> = d.violations.iter().map(|v| (v.rule, v.offset)).collect();
        assert_eq!(rules, vec![("esp-padding", 60)]);
        assert_eq!(d.packet.emit(), b);
    }

    #[test]
    fn inner_checksum_error_at_absolute_offset() {
        let mut b = NULL_TRANSPORT.to_vec();
        b[54] ^= 0x10;
        let d = decode_with(&b, LinkType::Ipv6, null12());
        let rules: Vec<_> = d.violations.iter().map(|v| (v.rule, v.offset)).collect();
        assert_eq!(rules, vec![("udp-checksum", 54)]);
        assert_eq!(d.packet.emit(), b);
    }

    #[test]
    fn reserved_spi() {
        let mut b = OPAQUE.to_vec();
        b[42] = 0;
        let d = decode(&b, LinkType::Ipv6);
        let rules: Vec<_> = d.violations.iter().map(|v| (v.rule, v.offset)).collect();
        assert_eq!(rules, vec![("esp-spi-reserved", 40)]);
    }

    #[test]
    fn impossible_length() {
        // Header cut short.
        let d = decode(&OPAQUE[..44], LinkType::Ipv6);
        assert!(d
            .violations
            .iter()
            .any(|v| v.layer == "esp" && v.rule == "truncated"));
        // Not even room for the trailer: reported, and the payload stays opaque.
        let p = Packet::new(vec![
            outer(),
            Layer::Esp(Esp::new(0x1000, 1)),
            Layer::Raw(vec![1, 2, 3]),
        ]);
        let b = p.emit();
        let d = decode_with(&b, LinkType::Ipv6, null12());
        let rules: Vec<_> = d.violations.iter().map(|v| (v.rule, v.offset)).collect();
        assert_eq!(rules, vec![("truncated", 48)]);
        assert_eq!(d.packet.emit(), b);
    }

    #[test]
    fn every_truncation_is_reported() {
        for (bytes, opts) in [
            (&OPAQUE[..], DecodeOptions::default()),
            (&NULL_TRANSPORT[..], null12()),
            (&NULL_TUNNEL[..], null12()),
            (&NULL_TUNNEL[..], DecodeOptions::default()),
        ] {
            for n in 1..bytes.len() {
                let d = decode_with(&bytes[..n], LinkType::Ipv6, opts);
                assert!(!d.violations.is_empty(), "cut at {n}: no violation");
                let e = d.packet.emit_layers();
                assert_eq!(e.offsets, d.offsets, "cut at {n}");
                let _ = d.view(n);
            }
        }
    }

    #[test]
    fn trailer_without_esp_is_written_as_is() {
        let p = Packet::new(vec![Layer::EspTrailer(EspTrailer {
            padding: Some(vec![1]),
            next_header: Some(4),
            ..EspTrailer::new(vec![0xaa])
        })]);
        assert_eq!(p.emit(), vec![1, 1, 4, 0xaa]);
    }
}
