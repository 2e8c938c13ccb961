//! The HA's data plane (RFC 6275 §10.4, RFC 2473): packets intercepted on the home link are
//! tunnelled to the primary care-of address, packets from the reverse tunnel are checked and
//! forwarded, and ICMP errors that come back from inside the tunnel are relayed to the
//! original sender.
//!
//! Tunnel packets the HA sends are fragmented when RFC 2473 §7.1 (b) says so; fragmented
//! tunnel packets it receives are reassembled first (module `reassembly`).

use super::Ha;
use crate::host::{is_link_local, Received, MIN_MTU};
use crate::node::Event;
use crate::time::Instant;
use mip6_packets::icmpv6::{dest_unreachable, Icmpv6, Icmpv6Msg};
use mip6_packets::ipv6::{Fragment, Ipv6};
use mip6_packets::packet::proto;
use mip6_packets::{decode, Layer, LinkType};
use std::net::Ipv6Addr;

/// Bytes of the IPv6 header.
const IPV6_HEADER: usize = 40;

/// What the HA reads from the invoking packet of an ICMP error about one of its tunnel packets.
#[derive(Debug, Clone)]
pub(super) struct TunnelPacketInError {
    pub outer_src: Ipv6Addr,
    pub outer_dst: Ipv6Addr,
    /// Length of the tunnel headers (the offset of the original packet).
    pub tunnel_headers: usize,
    pub inner_src: Ipv6Addr,
    /// Size of the original packet according to its header.
    pub inner_len: usize,
    /// The original packet is itself an ICMPv6 error message.
    pub inner_is_icmp_error: bool,
}

/// Reads the invoking packet of an ICMP error as a tunnel packet: an IPv6 header, extension
/// headers (a fragment only if it is the first), then an IPv6 header (RFC 2473 §8).
pub(super) fn parse_tunnel_packet(b: &[u8]) -> Option<TunnelPacketInError> {
    if b.len() < IPV6_HEADER || b[0] >> 4 != 6 {
        return None;
    }
    let addr = |o: usize| -> Option<Ipv6Addr> {
        let a: [u8; 16] = b.get(o..o + 16)?.try_into().ok()?;
        Some(Ipv6Addr::from(a))
    };
    let mut nh = b[6];
    let mut off = IPV6_HEADER;
    loop {
        match nh {
            proto::IPV6 => break,
            proto::HOP_BY_HOP | proto::ROUTING | proto::DEST_OPTS => {
                let len = (usize::from(*b.get(off + 1)?) + 1) * 8;
                nh = *b.get(off)?;
                off += len;
            }
            proto::FRAGMENT => {
                let w = u16::from_be_bytes([*b.get(off + 2)?, *b.get(off + 3)?]);
                if w >> 3 != 0 {
                    return None;
                }
                nh = *b.get(off)?;
                off += 8;
            }
            _ => return None,
        }
    }
    if b.len() < off + IPV6_HEADER || b[off] >> 4 != 6 {
        return None;
    }
    let plen = usize::from(u16::from_be_bytes([b[off + 4], b[off + 5]]));
    Some(TunnelPacketInError {
        outer_src: addr(8)?,
        outer_dst: addr(24)?,
        tunnel_headers: off,
        inner_src: addr(off + 8)?,
        inner_len: IPV6_HEADER + plen,
        inner_is_icmp_error: b[off + 6] == proto::ICMPV6
            && b.get(off + IPV6_HEADER).map(|t| *t < 128).unwrap_or(false),
    })
}

/// The IPv6 packet of `rx` as its Payload Length says (without Ethernet padding); `None` if
/// the frame is shorter than that.
fn ip_packet(rx: &Received) -> Option<&[u8]> {
    let b = rx.ip_bytes();
    let plen = usize::from(rx.ipv6().payload_len.unwrap_or(0));
    b.get(..IPV6_HEADER + plen)
}

/// Layers that send `bytes` (a whole IPv6 packet) as they are.
fn raw_packet(bytes: &[u8]) -> Vec<Layer> {
    let a = |o: usize| Ipv6Addr::from(<[u8; 16]>::try_from(&bytes[o..o + 16]).unwrap_or([0; 16]));
    let w = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    vec![
        Layer::Ipv6(Ipv6 {
            version: Some((w >> 28) as u8),
            traffic_class: (w >> 20) as u8,
            flow_label: w & 0x000f_ffff,
            payload_len: Some(u16::from_be_bytes([bytes[4], bytes[5]])),
            next_header: Some(bytes[6]),
            hop_limit: bytes[7],
            src: a(8),
            dst: a(24),
        }),
        Layer::Raw(bytes[IPV6_HEADER..].to_vec()),
    ]
}

impl Ha {
    /// HA-20: a packet intercepted for a registered home address is tunnelled (RFC 2473) from
    /// the HA's address to the primary care-of address.
    pub(super) fn intercept(&mut self, now: Instant, rx: &Received) {
        let h = rx.ipv6().clone();
        let Some(b) = self.bindings.get(&h.dst).filter(|b| b.is_active()) else {
            return;
        };
        let (src, coa) = (b.ha_addr, b.coa);
        let Some(packet) = ip_packet(rx) else {
            return self.discard("RFC 8200 §3", "intercepted packet shorter than its length");
        };
        // RFC 2473 §3.1 (a): the original packet is forwarded, so its hop limit drops by one.
        if h.hop_limit <= 1 {
            self.host.icmp_error(
                now,
                rx,
                Icmpv6Msg::TimeExceeded {
                    unused: 0,
                    invoking: vec![],
                },
                0,
            );
            return self.discard("RFC 8200 §3", "hop limit exceeded in transit");
        }
        let mut orig = packet.to_vec();
        orig[7] -= 1;
        self.encapsulate(now, src, coa, orig, Some(rx));
    }

    /// HA-21: packets for a mobile node's link-local address are not tunnelled: discard and
    /// answer Destination Unreachable, code 3 (not to a multicast source; Host checks that).
    pub(super) fn refuse_link_local(&mut self, now: Instant, rx: &Received, hoa: Ipv6Addr) {
        let dst = rx.ipv6().dst;
        self.host.icmp_error(
            now,
            rx,
            Icmpv6Msg::DestinationUnreachable {
                unused: 0,
                invoking: vec![],
            },
            dest_unreachable::ADDRESS_UNREACHABLE,
        );
        self.discard(
            "HA-21",
            format!("{dst}, link-local address of {hoa}, is not tunnelled"),
        );
    }

    /// Puts `orig` (an IPv6 packet) in a tunnel packet from `src` to `exit` (RFC 2473 §3.1,
    /// §6.3 hop limit, §7.1 size). `rx` is the packet as received, when there is one, for
    /// ICMP errors; otherwise errors go to the original packet's source.
    pub(super) fn encapsulate(
        &mut self,
        now: Instant,
        src: Ipv6Addr,
        exit: Ipv6Addr,
        orig: Vec<u8>,
        rx: Option<&Received>,
    ) {
        let path_mtu = self
            .pmtu
            .get(&exit)
            .copied()
            .unwrap_or(self.cfg.link_mtu)
            .min(self.cfg.link_mtu) as usize;
        let tunnel_mtu = path_mtu - IPV6_HEADER;
        if orig.len() > tunnel_mtu && orig.len() > MIN_MTU {
            // RFC 2473 §7.1 (a): discard, Packet Too Big with max(tunnel MTU, 1280).
            let mtu = tunnel_mtu.max(MIN_MTU) as u32;
            match rx {
                Some(rx) => self.host.icmp_error(
                    now,
                    rx,
                    Icmpv6Msg::PacketTooBig {
                        mtu,
                        invoking: vec![],
                    },
                    0,
                ),
                None => {
                    let to = raw_src(&orig);
                    self.send_icmp_error(
                        now,
                        to,
                        Icmpv6Msg::PacketTooBig {
                            mtu,
                            invoking: orig.clone(),
                        },
                        0,
                    )
                }
            }
            return self.discard(
                "RFC 2473 §7.1",
                format!(
                    "{}-byte packet does not fit the tunnel MTU {tunnel_mtu}",
                    orig.len()
                ),
            );
        }
        let hop_limit = self.cfg.tunnel_hop_limit;
        let outer = |next: u8| Ipv6 {
            next_header: Some(next),
            ..Ipv6::new(src, exit).hop_limit(hop_limit)
        };
        self.note("HA-20", format!("tunnelled {} bytes to {exit}", orig.len()));
        if IPV6_HEADER + orig.len() <= path_mtu {
            let layers =
                self.protect_outgoing(vec![Layer::Ipv6(outer(proto::IPV6)), Layer::Raw(orig)]);
            self.host.send(now, layers);
            return;
        }
        // RFC 2473 §7.1 (b): a small original packet is encapsulated and the tunnel packet
        // fragmented to the path MTU.
        let chunk = (path_mtu - IPV6_HEADER - 8) / 8 * 8;
        let ident = self.frag_ident;
        self.frag_ident = self.frag_ident.wrapping_add(1);
        for (n, piece) in orig.chunks(chunk).enumerate() {
            let off = n * chunk;
            let layers = vec![
                Layer::Ipv6(outer(proto::FRAGMENT)),
                Layer::Fragment(Fragment {
                    next_header: Some(proto::IPV6),
                    reserved: 0,
                    offset: (off / 8) as u16,
                    res: 0,
                    m: off + piece.len() < orig.len(),
                    ident,
                }),
                Layer::Raw(piece.to_vec()),
            ];
            self.host.send(now, layers);
        }
    }

    /// HA-22: a packet from the reverse tunnel (IPv6 in IPv6 to the HA). The outer source must
    /// be the primary care-of address registered for the inner source, a home address;
    /// anything else is silently discarded (§10.4.5).
    pub(super) fn on_reverse_tunnel(&mut self, now: Instant, rx: &Received, inner: usize) {
        let outer = rx.ipv6().clone();
        let Some(Layer::Ipv6(ih)) = rx.decoded.packet.layers.get(inner) else {
            return;
        };
        let ih = ih.clone();
        let registered = self
            .bindings
            .get(&ih.src)
            .map(|b| b.is_active() && b.coa == outer.src)
            .unwrap_or(false);
        if !registered {
            return self.discard(
                "HA-22",
                format!(
                    "reverse-tunnelled packet from {} with inner source {}: no such binding",
                    outer.src, ih.src
                ),
            );
        }
        let start = rx.decoded.offsets[inner];
        let end = start + IPV6_HEADER + usize::from(ih.payload_len.unwrap_or(0));
        let outer_end =
            rx.decoded.offsets[rx.ip] + IPV6_HEADER + usize::from(outer.payload_len.unwrap_or(0));
        let Some(bytes) = rx.frame.get(start..end).filter(|_| end <= outer_end) else {
            return self.discard(
                "RFC 2473 §3.3",
                "inner packet longer than the tunnel packet",
            );
        };
        let bytes = bytes.to_vec();
        self.forward_from_mobile_node(now, rx, bytes);
    }

    /// Forwards a decapsulated packet (RFC 2473 §3.3): to the HA itself, through another
    /// mobile node's tunnel, or by normal routing. HoTI for a correspondent leaves this way
    /// (HA-23).
    fn forward_from_mobile_node(&mut self, now: Instant, rx: &Received, mut bytes: Vec<u8>) {
        let src = raw_src(&bytes);
        let dst = Ipv6Addr::from(<[u8; 16]>::try_from(&bytes[24..40]).unwrap_or([0; 16]));
        if self.host.is_own(&dst) || self.is_anycast(&dst) {
            let mut frame = rx.frame[..14].to_vec();
            frame.extend_from_slice(&bytes);
            let decoded = decode(&frame, LinkType::Ethernet);
            if !matches!(decoded.packet.layers.get(1), Some(Layer::Ipv6(_))) {
                return;
            }
            let inner = Received {
                iface: rx.iface,
                frame,
                decoded,
                ip: 1,
                src_mac: rx.src_mac,
                proxied: false,
            };
            return self.deliver_local(now, &inner, 1);
        }
        if dst.is_multicast() || is_link_local(&dst) || dst.is_unspecified() {
            // No multicast forwarding and no MN multicast membership (§10.4.3), and link-scope
            // destinations do not leave the tunnel link.
            return self.discard(
                "RFC 6275 §10.4.3",
                format!("reverse-tunnelled packet for {dst} is not forwarded"),
            );
        }
        if bytes[7] <= 1 {
            self.send_icmp_error(
                now,
                src,
                Icmpv6Msg::TimeExceeded {
                    unused: 0,
                    invoking: bytes,
                },
                0,
            );
            return self.discard("RFC 8200 §3", "hop limit exceeded in transit");
        }
        bytes[7] -= 1;
        if let Some(b) = self.bindings.get(&dst).filter(|b| b.is_active()) {
            // To another mobile node of this HA: straight into its tunnel.
            let (ha, coa) = (b.ha_addr, b.coa);
            return self.encapsulate(now, ha, coa, bytes, None);
        }
        self.note(
            "HA-22",
            format!("decapsulated packet from {src} forwarded to {dst}"),
        );
        let layers = raw_packet(&bytes);
        self.host.send(now, layers);
    }

    /// HA-24 (RFC 6275 §9.3.4, RFC 2473 §8): an ICMPv6 error about one of the HA's tunnel
    /// packets is reported to the source of the original packet: hop limit exceeded and
    /// unreachable node as Destination Unreachable code 3 ("address unreachable"), Packet Too
    /// Big (which also sets the tunnel's path MTU) with the tunnel headers taken off the MTU,
    /// only for an original packet above 1280 bytes. Parameter Problems are reported only when
    /// they point at a Tunnel Encapsulation Limit option, which this HA never inserts, so they
    /// are not relayed.
    pub(super) fn on_icmp_error(&mut self, now: Instant, icmp: &Icmpv6) {
        let invoking = match &icmp.msg {
            Icmpv6Msg::DestinationUnreachable { invoking, .. }
            | Icmpv6Msg::PacketTooBig { invoking, .. }
            | Icmpv6Msg::TimeExceeded { invoking, .. }
            | Icmpv6Msg::ParameterProblem { invoking, .. } => invoking,
            _ => return,
        };
        let Some(t) = parse_tunnel_packet(invoking) else {
            return self.note("HA-24", "ICMP error not about a tunnel packet: not relayed");
        };
        if !self.host.is_own(&t.outer_src) {
            return self.note("HA-24", "ICMP error about a tunnel this HA did not send");
        }
        let original = invoking[t.tunnel_headers..].to_vec();
        let (msg, code) = match &icmp.msg {
            Icmpv6Msg::DestinationUnreachable { .. } => (
                Icmpv6Msg::DestinationUnreachable {
                    unused: 0,
                    invoking: original,
                },
                dest_unreachable::ADDRESS_UNREACHABLE,
            ),
            Icmpv6Msg::TimeExceeded { .. } if icmp.code == 0 => (
                Icmpv6Msg::DestinationUnreachable {
                    unused: 0,
                    invoking: original,
                },
                dest_unreachable::ADDRESS_UNREACHABLE,
            ),
            Icmpv6Msg::PacketTooBig { mtu, .. } => {
                // RFC 2473 §8.1: the tunnel MTU follows the path MTU (never below 1280).
                let new = (*mtu).max(MIN_MTU as u32);
                let cur = self.pmtu.entry(t.outer_dst).or_insert(self.cfg.link_mtu);
                *cur = (*cur).min(new);
                if t.inner_len <= MIN_MTU {
                    return self.note(
                        "HA-24",
                        "Packet Too Big for an original packet within 1280 bytes: not relayed",
                    );
                }
                let relayed = mtu
                    .saturating_sub(t.tunnel_headers as u32)
                    .max(MIN_MTU as u32);
                (
                    Icmpv6Msg::PacketTooBig {
                        mtu: relayed,
                        invoking: original,
                    },
                    0,
                )
            }
            _ => {
                return self.note(
                    "HA-24",
                    format!(
                        "ICMP type {} code {} from inside the tunnel is not relayed",
                        icmp.wire_type(),
                        icmp.code
                    ),
                )
            }
        };
        if t.inner_is_icmp_error {
            // RFC 4443 §2.4 (e.1): no error message about an error message.
            return self.note("HA-24", "original packet is an ICMPv6 error: not relayed");
        }
        self.send_icmp_error(now, t.inner_src, msg, code);
    }

    /// Sends an ICMPv6 error about a packet that is not the one received (an original packet
    /// inside a tunnel): from the outgoing interface's address to `to`, quoting as much of the
    /// invoking packet in `msg` as fits the minimum MTU, rate-limited (RFC 4443 §2.4). A mobile
    /// node with a binding is reached through its care-of address ([`Ha::originate`]).
    pub(super) fn send_icmp_error(&mut self, now: Instant, to: Ipv6Addr, msg: Icmpv6Msg, code: u8) {
        if to.is_multicast() || to.is_unspecified() || self.host.is_own(&to) {
            return;
        }
        let Some((iface, _)) = self.host.route(&to) else {
            return self.note(
                "RFC 4861 §5.2",
                format!("no route to {to} for an ICMP error"),
            );
        };
        if !self.host.error_allowed(now) {
            return;
        }
        let src = self.host.ifaces[iface].source_for(&to);
        let via_binding = self
            .bindings
            .get(&to)
            .map(|b| b.is_active())
            .unwrap_or(false);
        let room = MIN_MTU - IPV6_HEADER - 8 - if via_binding { 24 } else { 0 };
        let cut = |v: Vec<u8>| v[..v.len().min(room)].to_vec();
        let msg = match msg {
            Icmpv6Msg::DestinationUnreachable { unused, invoking } => {
                Icmpv6Msg::DestinationUnreachable {
                    unused,
                    invoking: cut(invoking),
                }
            }
            Icmpv6Msg::PacketTooBig { mtu, invoking } => Icmpv6Msg::PacketTooBig {
                mtu,
                invoking: cut(invoking),
            },
            Icmpv6Msg::TimeExceeded { unused, invoking } => Icmpv6Msg::TimeExceeded {
                unused,
                invoking: cut(invoking),
            },
            Icmpv6Msg::ParameterProblem { pointer, invoking } => Icmpv6Msg::ParameterProblem {
                pointer,
                invoking: cut(invoking),
            },
            other => other,
        };
        let icmp = Icmpv6::new(msg).code(code);
        self.event(Event::IcmpErrorSent {
            to,
            icmp_type: icmp.wire_type(),
            code,
        });
        self.originate(
            now,
            vec![Layer::Ipv6(Ipv6::new(src, to)), Layer::Icmpv6(icmp)],
        );
    }
}

/// Source address of a raw IPv6 packet.
fn raw_src(bytes: &[u8]) -> Ipv6Addr {
    Ipv6Addr::from(<[u8; 16]>::try_from(&bytes[8..24]).unwrap_or([0; 16]))
}
