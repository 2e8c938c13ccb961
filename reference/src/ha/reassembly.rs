//! Reassembly of fragmented packets addressed to the HA (RFC 8200 §4.5), so that a tunnel
//! packet the mobile node had to fragment (RFC 2473 §7.1 (b)) is decapsulated whole: "the
//! fragments are reassembled into a complete tunnel packet before determining that an
//! embedded packet is present" (RFC 2473 §7).

use super::Ha;
use crate::host::Received;
use crate::time::Instant;
use mip6_packets::icmpv6::{param_problem, Icmpv6Msg};
use mip6_packets::{decode, Layer, LinkType, MacAddr};
use std::collections::BTreeMap;
use std::net::Ipv6Addr;
use std::time::Duration;

/// How long fragments wait for the rest (RFC 8200 §4.5: 60 seconds).
pub(super) const REASSEMBLY_TIMEOUT: Duration = Duration::from_secs(60);
/// Packets under reassembly at once; the oldest is dropped to make room.
const MAX_REASSEMBLIES: usize = 64;

/// What the first fragment (offset 0) brings.
#[derive(Debug, Clone)]
struct FirstFragment {
    /// The unfragmentable part: IPv6 header and the extension headers before the Fragment
    /// header.
    unfragmentable: Vec<u8>,
    /// Offset of the Next Header field that names the Fragment header.
    next_header_at: usize,
    /// The Next Header value of the Fragment header.
    next_header: u8,
    /// The whole first fragment, quoted in Time Exceeded.
    packet: Vec<u8>,
}

/// One packet under reassembly, identified by source, destination and Identification.
#[derive(Debug, Clone)]
pub(super) struct Reassembly {
    src: Ipv6Addr,
    dst: Ipv6Addr,
    ident: u32,
    first: Option<FirstFragment>,
    /// Fragment data by byte offset.
    pieces: BTreeMap<usize, Vec<u8>>,
    /// Length of the fragmentable part, known from the last fragment.
    total: Option<usize>,
    pub deadline: Instant,
    started: Instant,
    iface: usize,
    eth: Vec<u8>,
    src_mac: MacAddr,
}

impl Ha {
    /// A fragment addressed to the HA; `frag` is the index of its Fragment layer.
    pub(super) fn reassemble(&mut self, now: Instant, rx: &Received, frag: usize, depth: u8) {
        let Some(Layer::Fragment(f)) = rx.decoded.packet.layers.get(frag) else {
            return;
        };
        let f = f.clone();
        let h = rx.ipv6().clone();
        let plen = usize::from(h.payload_len.unwrap_or(0));
        let Some(packet) = rx.ip_bytes().get(..40 + plen) else {
            return self.discard("RFC 8200 §4.5", "fragment shorter than its length");
        };
        let frag_at = rx.ip_offset_of(frag);
        let Some(data) = packet.get(frag_at + 8..) else {
            return self.discard("RFC 8200 §4.5", "truncated Fragment header");
        };
        let offset = usize::from(f.offset) * 8;
        // RFC 8200 §4.5: a fragment that is not the last must be a multiple of 8 bytes, and
        // no fragment may reach past 65535 bytes.
        if f.m && data.len() % 8 != 0 {
            self.host.icmp_error(
                now,
                rx,
                Icmpv6Msg::ParameterProblem {
                    pointer: 4,
                    invoking: vec![],
                },
                param_problem::ERRONEOUS_HEADER_FIELD,
            );
            return self.discard("RFC 8200 §4.5", "fragment length not a multiple of 8");
        }
        if (frag_at - 40) + offset + data.len() > 65535 {
            self.host.icmp_error(
                now,
                rx,
                Icmpv6Msg::ParameterProblem {
                    pointer: (frag_at + 2) as u32,
                    invoking: vec![],
                },
                param_problem::ERRONEOUS_HEADER_FIELD,
            );
            return self.discard("RFC 8200 §4.5", "fragment beyond 65535 bytes");
        }
        let pos = self
            .reassemblies
            .iter()
            .position(|r| r.src == h.src && r.dst == h.dst && r.ident == f.ident);
        let idx = match pos {
            Some(i) => i,
            None => {
                if self.reassemblies.len() >= MAX_REASSEMBLIES {
                    let oldest = (0..self.reassemblies.len())
                        .min_by_key(|&i| self.reassemblies[i].started)
                        .unwrap_or(0);
                    self.reassemblies.remove(oldest);
                }
                let deadline = self.after(now, REASSEMBLY_TIMEOUT);
                self.reassemblies.push(Reassembly {
                    src: h.src,
                    dst: h.dst,
                    ident: f.ident,
                    first: None,
                    pieces: BTreeMap::new(),
                    total: None,
                    deadline,
                    started: now,
                    iface: rx.iface,
                    eth: rx.frame[..rx.decoded.offsets[rx.ip]].to_vec(),
                    src_mac: rx.src_mac,
                });
                self.reassemblies.len() - 1
            }
        };
        let r = &mut self.reassemblies[idx];
        // RFC 5722: overlapping fragments end the whole reassembly.
        let end = offset + data.len();
        let overlaps = r
            .pieces
            .iter()
            .any(|(o, d)| *o < end && offset < o + d.len());
        let bad_total = match (r.total, f.m) {
            (Some(t), false) => t != end,
            (Some(t), true) => end > t,
            (None, _) => false,
        };
        if overlaps || bad_total {
            self.reassemblies.remove(idx);
            return self.discard(
                "RFC 8200 §4.5",
                "overlapping or inconsistent fragments: packet dropped",
            );
        }
        r.pieces.insert(offset, data.to_vec());
        if !f.m {
            r.total = Some(end);
        }
        if offset == 0 {
            let prev = frag - 1;
            r.first = Some(FirstFragment {
                unfragmentable: packet[..frag_at].to_vec(),
                next_header_at: if prev == rx.ip {
                    6
                } else {
                    rx.ip_offset_of(prev)
                },
                next_header: f.next_header.unwrap_or(mip6_packets::packet::proto::NONE),
                packet: packet.to_vec(),
            });
        }
        let (Some(total), Some(first)) = (r.total, r.first.clone()) else {
            return;
        };
        let mut covered = 0;
        for (o, d) in &r.pieces {
            if *o != covered {
                return;
            }
            covered += d.len();
        }
        if covered != total {
            return;
        }
        let r = self.reassemblies.remove(idx);
        let mut whole = first.unfragmentable;
        whole[first.next_header_at] = first.next_header;
        for d in r.pieces.values() {
            whole.extend_from_slice(d);
        }
        let plen = (whole.len() - 40) as u16;
        whole[4..6].copy_from_slice(&plen.to_be_bytes());
        let mut frame = r.eth;
        let ip = frame.len();
        frame.extend_from_slice(&whole);
        let decoded = decode(&frame, LinkType::Ethernet);
        let Some(ipi) = decoded.offsets.iter().position(|o| *o == ip) else {
            return;
        };
        let rx = Received {
            iface: r.iface,
            frame,
            decoded,
            ip: ipi,
            src_mac: r.src_mac,
            proxied: false,
        };
        self.deliver_local(now, &rx, depth);
    }

    /// Reassemblies that ran out of time are dropped; when the first fragment had arrived,
    /// its source hears Time Exceeded, code 1 (RFC 8200 §4.5).
    pub(super) fn expire_reassemblies(&mut self, now: Instant) {
        let (due, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut self.reassemblies)
            .into_iter()
            .partition(|r| r.deadline <= now);
        self.reassemblies = keep;
        for r in due {
            self.discard("RFC 8200 §4.5", "fragment reassembly time exceeded");
            if let Some(first) = r.first {
                self.send_icmp_error(
                    now,
                    r.src,
                    Icmpv6Msg::TimeExceeded {
                        unused: 0,
                        invoking: first.packet,
                    },
                    1,
                );
            }
        }
    }
}
