//! The IPv6 host underneath every reference node: interfaces and addresses, routing to on-link
//! neighbours or a default router, Neighbor Discovery (address resolution, answering NS,
//! defending addresses, proxy ND and proxy DAD for a home agent), Echo, and rate-limited ICMPv6
//! errors. Sans-IO: frames in, frames out, time passed in.

use crate::config::{prefix_match, IfAddr, IfaceConfig, Timers};
use crate::node::{Event, Transmit};
use crate::time::Instant;
use mip6_packets::icmpv6::{Icmpv6, Icmpv6Msg, NdOption};
use mip6_packets::ipv6::Ipv6;
use mip6_packets::packet::proto;
use mip6_packets::{decode, Decoded, Ethernet, Layer, LinkType, MacAddr, Packet};
use std::collections::{HashMap, VecDeque};
use std::net::Ipv6Addr;

/// The all-nodes multicast address.
pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
/// The all-routers multicast address.
pub const ALL_ROUTERS: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 2);
/// Minimum IPv6 MTU (RFC 8200 §5): ICMPv6 errors are cut to fit it (RFC 4443 §2.4 (c)).
pub const MIN_MTU: usize = 1280;

/// The solicited-node multicast address of `a` (RFC 4291 §2.7.1).
pub fn solicited_node(a: &Ipv6Addr) -> Ipv6Addr {
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

pub fn is_link_local(a: &Ipv6Addr) -> bool {
    (a.segments()[0] & 0xffc0) == 0xfe80
}

/// One interface at run time.
#[derive(Debug, Clone)]
pub struct Iface {
    pub name: String,
    pub mac: MacAddr,
    pub addrs: Vec<IfAddr>,
    pub default_router: Option<Ipv6Addr>,
}

impl Iface {
    fn from_config(c: &IfaceConfig) -> Self {
        let mut addrs = c.addrs.clone();
        if !addrs.iter().any(|a| is_link_local(&a.addr)) {
            addrs.insert(
                0,
                IfAddr {
                    addr: c.eui64_link_local(),
                    prefix_len: 64,
                },
            );
        }
        Iface {
            name: c.name.clone(),
            mac: c.mac,
            addrs,
            default_router: c.default_router,
        }
    }

    pub fn link_local(&self) -> Ipv6Addr {
        self.addrs
            .iter()
            .map(|a| a.addr)
            .find(is_link_local)
            .unwrap_or(Ipv6Addr::UNSPECIFIED)
    }

    /// The first global address, or the link-local one.
    pub fn global(&self) -> Ipv6Addr {
        self.addrs
            .iter()
            .map(|a| a.addr)
            .find(|a| !is_link_local(a))
            .unwrap_or_else(|| self.link_local())
    }

    pub fn has_addr(&self, a: &Ipv6Addr) -> bool {
        self.addrs.iter().any(|x| x.addr == *a)
    }

    pub fn on_link(&self, a: &Ipv6Addr) -> bool {
        is_link_local(a)
            || self
                .addrs
                .iter()
                .any(|x| !is_link_local(&x.addr) && prefix_match(&x.addr, a, x.prefix_len))
    }

    /// Source address for a packet to `dst` from this interface (RFC 6724, simplified: scope).
    pub fn source_for(&self, dst: &Ipv6Addr) -> Ipv6Addr {
        if is_link_local(dst) || (dst.is_multicast() && (dst.segments()[0] & 0x000f) <= 2) {
            self.link_local()
        } else {
            self.global()
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Neighbor {
    mac: MacAddr,
}

/// A packet waiting for its next hop's link-layer address.
#[derive(Debug, Clone)]
struct Pending {
    iface: usize,
    next_hop: Ipv6Addr,
    packet: Packet,
    solicits_sent: u32,
    deadline: Instant,
}

/// A duplicate address detection run on behalf of someone (proxy DAD, RFC 6275 §10.3.1).
#[derive(Debug, Clone)]
struct DadRun {
    token: u64,
    iface: usize,
    target: Ipv6Addr,
    transmits_left: u32,
    deadline: Instant,
    failed: bool,
}

/// The outcome of a DAD run started with [`Host::start_dad`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DadResult {
    pub token: u64,
    pub target: Ipv6Addr,
    /// Another node claimed the address.
    pub duplicate: bool,
}

/// How a proxied address is answered (RFC 6275 §10.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proxy {
    pub override_flag: bool,
    /// The Router flag of advertisements for this address: clear when advertising on behalf
    /// of a mobile node (RFC 6275 §10.4.1), set for a router's own anycast address.
    pub router: bool,
}

/// A received frame that is addressed to this node (or to an address it proxies).
#[derive(Debug, Clone)]
pub struct Received {
    pub iface: usize,
    pub frame: Vec<u8>,
    pub decoded: Decoded,
    /// Index of the (outermost) IPv6 layer.
    pub ip: usize,
    pub src_mac: MacAddr,
    /// The IPv6 destination is an address this node proxies, not one of its own.
    pub proxied: bool,
}

impl Received {
    pub fn ipv6(&self) -> &Ipv6 {
        match &self.decoded.packet.layers[self.ip] {
            Layer::Ipv6(h) => h,
            _ => unreachable!("Received::ip always indexes an IPv6 layer"),
        }
    }

    /// Layers after the outer IPv6 header.
    pub fn upper(&self) -> &[Layer] {
        &self.decoded.packet.layers[self.ip + 1..]
    }

    /// The bytes of the IPv6 packet (from the IPv6 header to the end its Payload Length gives,
    /// so Ethernet padding is left out), e.g. to quote in an ICMP error.
    pub fn ip_bytes(&self) -> &[u8] {
        let start = self.decoded.offsets[self.ip];
        let len = 40 + usize::from(self.ipv6().payload_len.unwrap_or(0));
        &self.frame[start..(start + len).min(self.frame.len())]
    }

    /// Offset of layer `i` from the start of the IPv6 header (for ICMP Parameter Problem).
    pub fn ip_offset_of(&self, i: usize) -> usize {
        self.decoded.offsets[i] - self.decoded.offsets[self.ip]
    }
}

/// The IPv6 host.
#[derive(Debug)]
pub struct Host {
    pub ifaces: Vec<Iface>,
    pub timers: Timers,
    neighbors: HashMap<(usize, Ipv6Addr), Neighbor>,
    pending: Vec<Pending>,
    proxies: HashMap<(usize, Ipv6Addr), Proxy>,
    dad: Vec<DadRun>,
    dad_done: VecDeque<DadResult>,
    next_token: u64,
    tx: VecDeque<Transmit>,
    pub events: VecDeque<Event>,
    /// Error-rate token bucket: tokens and the last refill time.
    error_tokens: f64,
    error_refill: Instant,
    /// Whether this host forwards (routers answer NS with R=1 and hear ff02::2).
    pub is_router: bool,
}

impl Host {
    pub fn new(ifaces: &[IfaceConfig], timers: Timers, is_router: bool) -> Self {
        let burst = f64::from(timers.error_burst);
        Host {
            ifaces: ifaces.iter().map(Iface::from_config).collect(),
            timers,
            neighbors: HashMap::new(),
            pending: Vec::new(),
            proxies: HashMap::new(),
            dad: Vec::new(),
            dad_done: VecDeque::new(),
            next_token: 1,
            tx: VecDeque::new(),
            events: VecDeque::new(),
            error_tokens: burst,
            error_refill: Instant::ZERO,
            is_router,
        }
    }

    pub fn interface_names(&self) -> Vec<String> {
        self.ifaces.iter().map(|i| i.name.clone()).collect()
    }

    pub fn is_own(&self, a: &Ipv6Addr) -> bool {
        self.ifaces.iter().any(|i| i.has_addr(a))
    }

    // ---- proxy ND -------------------------------------------------------------------------

    /// Start answering NS (and defending DAD) for `addr` on `iface` with our link-layer address.
    pub fn add_proxy(&mut self, iface: usize, addr: Ipv6Addr, p: Proxy) {
        self.proxies.insert((iface, addr), p);
    }

    pub fn remove_proxy(&mut self, iface: usize, addr: &Ipv6Addr) {
        self.proxies.remove(&(iface, *addr));
    }

    pub fn is_proxied(&self, iface: usize, addr: &Ipv6Addr) -> bool {
        self.proxies.contains_key(&(iface, *addr))
    }

    /// The Router flag of an advertisement for `target`: the proxy entry's, else our own.
    fn router_flag(&self, iface: usize, target: &Ipv6Addr) -> bool {
        self.proxies
            .get(&(iface, *target))
            .map_or(self.is_router, |p| p.router)
    }

    /// Sends an unsolicited Neighbor Advertisement for `target` to all-nodes (RFC 4861 §7.2.6),
    /// with our link-layer address; used by an HA for a home address it now defends (§10.4.1).
    pub fn unsolicited_na(
        &mut self,
        now: Instant,
        iface: usize,
        target: Ipv6Addr,
        override_flag: bool,
    ) {
        let router = self.router_flag(iface, &target);
        let i = &self.ifaces[iface];
        let src = i.link_local();
        let mac = i.mac;
        self.send_on(
            now,
            iface,
            vec![
                Layer::Ipv6(Ipv6::new(src, ALL_NODES).hop_limit(255)),
                Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::NeighborAdvertisement {
                    r: router,
                    s: false,
                    o: override_flag,
                    reserved: 0,
                    target,
                    options: vec![NdOption::TargetLinkLayer(mac)],
                })),
            ],
        );
    }

    // ---- proxy DAD ------------------------------------------------------------------------

    /// Starts DAD for `target` on `iface` (NS from ::, RFC 4862 §5.4.2); the result comes out
    /// of [`Host::poll_dad`] after DupAddrDetectTransmits × RetransTimer.
    pub fn start_dad(&mut self, now: Instant, iface: usize, target: Ipv6Addr) -> u64 {
        let token = self.next_token;
        self.next_token += 1;
        self.dad.push(DadRun {
            token,
            iface,
            target,
            transmits_left: self.timers.dup_addr_detect_transmits.max(1),
            deadline: now,
            failed: false,
        });
        self.run_dad(now);
        token
    }

    pub fn poll_dad(&mut self) -> Option<DadResult> {
        self.dad_done.pop_front()
    }

    fn run_dad(&mut self, now: Instant) {
        let retrans = self.timers.scaled(self.timers.retrans_timer);
        let mut sends = Vec::new();
        let mut i = 0;
        while i < self.dad.len() {
            let r = &mut self.dad[i];
            if r.failed {
                self.dad_done.push_back(DadResult {
                    token: r.token,
                    target: r.target,
                    duplicate: true,
                });
                self.dad.remove(i);
                continue;
            }
            if r.deadline <= now {
                if r.transmits_left == 0 {
                    self.dad_done.push_back(DadResult {
                        token: r.token,
                        target: r.target,
                        duplicate: false,
                    });
                    self.dad.remove(i);
                    continue;
                }
                r.transmits_left -= 1;
                r.deadline = now + retrans;
                sends.push((r.iface, r.target));
            }
            i += 1;
        }
        for (iface, target) in sends {
            self.send_on(
                now,
                iface,
                vec![
                    Layer::Ipv6(
                        Ipv6::new(Ipv6Addr::UNSPECIFIED, solicited_node(&target)).hop_limit(255),
                    ),
                    Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::NeighborSolicitation {
                        reserved: 0,
                        target,
                        options: vec![],
                    })),
                ],
            );
        }
    }

    // ---- receive --------------------------------------------------------------------------

    /// Takes a frame from interface `iface`. Neighbor Discovery is handled here; a frame for
    /// this node (or an address it proxies) that is anything else is returned to the caller.
    pub fn receive(&mut self, now: Instant, iface: usize, frame: &[u8]) -> Option<Received> {
        self.refill(now);
        let me = self.ifaces.get(iface)?;
        let decoded = decode(frame, LinkType::Ethernet);
        let Some(Layer::Ethernet(eth)) = decoded.packet.layers.first() else {
            return None;
        };
        if eth.dst != me.mac && !eth.dst.is_multicast() {
            return None;
        }
        let src_mac = eth.src;
        let ip = decoded
            .packet
            .layers
            .iter()
            .position(|l| matches!(l, Layer::Ipv6(_)))?;
        let Layer::Ipv6(h) = &decoded.packet.layers[ip] else {
            return None;
        };
        let dst = h.dst;
        let own = me.has_addr(&dst);
        let proxied = self.is_proxied(iface, &dst);
        let listened = dst == ALL_NODES
            || (dst == ALL_ROUTERS && self.is_router)
            || (dst.is_multicast()
                && (me.addrs.iter().any(|a| solicited_node(&a.addr) == dst)
                    || self
                        .proxies
                        .keys()
                        .any(|(i, a)| *i == iface && solicited_node(a) == dst)
                    || self
                        .dad
                        .iter()
                        .any(|r| r.iface == iface && solicited_node(&r.target) == dst)));
        if !(own || proxied || listened) {
            return None;
        }
        let rx = Received {
            iface,
            frame: frame.to_vec(),
            decoded,
            ip,
            src_mac,
            proxied: proxied && !own,
        };
        if self.handle_nd(now, &rx) {
            return None;
        }
        Some(rx)
    }

    /// Neighbor Discovery for our own and proxied addresses. Returns true when consumed.
    fn handle_nd(&mut self, now: Instant, rx: &Received) -> bool {
        let h = rx.ipv6().clone();
        let Some(Layer::Icmpv6(icmp)) = rx.upper().first() else {
            return false;
        };
        // ND is only valid with hop limit 255 and a correct checksum (RFC 4861 §7.1).
        let is_nd = matches!(
            icmp.msg,
            Icmpv6Msg::NeighborSolicitation { .. } | Icmpv6Msg::NeighborAdvertisement { .. }
        );
        if !is_nd {
            return false;
        }
        if h.hop_limit != 255
            || rx
                .decoded
                .violations
                .iter()
                .any(|v| v.rule == "icmpv6-checksum")
        {
            self.events.push_back(Event::Discarded {
                behaviour: "RFC 4861 §7.1",
                reason: "invalid Neighbor Discovery message (hop limit or checksum)".into(),
            });
            return true;
        }
        match &icmp.msg {
            Icmpv6Msg::NeighborSolicitation {
                target, options, ..
            } => {
                // A DAD probe (from ::) for an address we are testing means someone else wants it.
                if h.src.is_unspecified() {
                    for r in &mut self.dad {
                        if r.iface == rx.iface && r.target == *target {
                            r.failed = true;
                        }
                    }
                }
                let own = self.ifaces[rx.iface].has_addr(target);
                let proxy = self.proxies.get(&(rx.iface, *target)).copied();
                if !own && proxy.is_none() {
                    return true;
                }
                if let Some(mac) = options.iter().find_map(|o| match o {
                    NdOption::SourceLinkLayer(m) => Some(*m),
                    _ => None,
                }) {
                    if !h.src.is_unspecified() {
                        self.learn(now, rx.iface, h.src, mac);
                    }
                }
                let (dst, solicited) = if h.src.is_unspecified() {
                    (ALL_NODES, false)
                } else {
                    (h.src, true)
                };
                let override_flag = proxy.map(|p| p.override_flag).unwrap_or(true);
                let router = if own {
                    self.is_router
                } else {
                    proxy.map_or(self.is_router, |p| p.router)
                };
                let iface = &self.ifaces[rx.iface];
                let src = if own { *target } else { iface.source_for(&dst) };
                let mac = iface.mac;
                let layers = vec![
                    Layer::Ipv6(Ipv6::new(src, dst).hop_limit(255)),
                    Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::NeighborAdvertisement {
                        r: router,
                        s: solicited,
                        o: override_flag,
                        reserved: 0,
                        target: *target,
                        options: vec![NdOption::TargetLinkLayer(mac)],
                    })),
                ];
                if solicited {
                    // Answer straight to the soliciting MAC: it may not be resolved yet.
                    self.emit_frame(rx.iface, rx.src_mac, layers);
                } else {
                    self.send_on(now, rx.iface, layers);
                }
                true
            }
            Icmpv6Msg::NeighborAdvertisement {
                target, options, ..
            } => {
                for r in &mut self.dad {
                    if r.iface == rx.iface && r.target == *target {
                        r.failed = true;
                    }
                }
                if let Some(mac) = options.iter().find_map(|o| match o {
                    NdOption::TargetLinkLayer(m) => Some(*m),
                    _ => None,
                }) {
                    self.learn(now, rx.iface, *target, mac);
                }
                true
            }
            _ => false,
        }
    }

    /// Records a neighbour's link-layer address and sends what was waiting for it.
    pub fn learn(&mut self, _now: Instant, iface: usize, addr: Ipv6Addr, mac: MacAddr) {
        self.neighbors.insert((iface, addr), Neighbor { mac });
        let mut i = 0;
        while i < self.pending.len() {
            if self.pending[i].iface == iface && self.pending[i].next_hop == addr {
                let p = self.pending.remove(i);
                self.emit_frame(iface, mac, p.packet.layers);
            } else {
                i += 1;
            }
        }
    }

    // ---- send -----------------------------------------------------------------------------

    /// Chooses the interface and next hop for `dst` (RFC 4861 §5.2, simplified): on-link
    /// destinations directly, others through the interface's default router.
    pub fn route(&self, dst: &Ipv6Addr) -> Option<(usize, Ipv6Addr)> {
        if let Some(i) = self
            .ifaces
            .iter()
            .position(|i| !is_link_local(dst) && i.on_link(dst))
        {
            return Some((i, *dst));
        }
        self.ifaces
            .iter()
            .enumerate()
            .find_map(|(n, i)| i.default_router.map(|r| (n, r)))
    }

    /// Sends an IPv6 packet (layers starting with the IPv6 header), routing on its destination.
    /// Returns false if there is no route.
    pub fn send(&mut self, now: Instant, layers: Vec<Layer>) -> bool {
        let Some(Layer::Ipv6(h)) = layers.first() else {
            return false;
        };
        let dst = h.dst;
        if dst.is_multicast() || is_link_local(&dst) {
            // Scope-limited destinations need an interface: use the first.
            self.send_on(now, 0, layers);
            return true;
        }
        match self.route(&dst) {
            Some((iface, next_hop)) => {
                self.send_via(now, iface, next_hop, layers);
                true
            }
            None => {
                self.events.push_back(Event::Note {
                    behaviour: "RFC 4861 §5.2",
                    text: format!("no route to {dst}: packet dropped"),
                });
                false
            }
        }
    }

    /// Sends on a given interface to the packet's own destination (multicast or on-link).
    pub fn send_on(&mut self, now: Instant, iface: usize, layers: Vec<Layer>) {
        let Some(Layer::Ipv6(h)) = layers.first() else {
            return;
        };
        let dst = h.dst;
        self.send_via(now, iface, dst, layers);
    }

    /// Sends through `next_hop` on `iface`, resolving its link-layer address first if needed.
    pub fn send_via(&mut self, now: Instant, iface: usize, next_hop: Ipv6Addr, layers: Vec<Layer>) {
        if next_hop.is_multicast() {
            self.emit_frame(iface, MacAddr::ipv6_multicast(next_hop), layers);
            return;
        }
        if let Some(n) = self.neighbors.get(&(iface, next_hop)) {
            let mac = n.mac;
            self.emit_frame(iface, mac, layers);
            return;
        }
        // A packet for a neighbour already being resolved joins its queue and shares its
        // solicitation count and deadline: at most one NS per neighbour per RetransTimer
        // (RFC 4861 §7.2.2).
        let already = self
            .pending
            .iter()
            .find(|p| p.iface == iface && p.next_hop == next_hop)
            .map(|p| (p.solicits_sent, p.deadline));
        self.pending.push(Pending {
            iface,
            next_hop,
            packet: Packet::new(layers),
            solicits_sent: already.map_or(0, |a| a.0),
            deadline: already.map_or(now, |a| a.1),
        });
        if already.is_none() {
            self.solicit(now, iface, next_hop);
        }
    }

    /// Sends a multicast NS for `target` (RFC 4861 §7.2.2) and updates the pending deadline.
    fn solicit(&mut self, now: Instant, iface: usize, target: Ipv6Addr) {
        let retrans = self.timers.scaled(self.timers.retrans_timer);
        for p in &mut self.pending {
            if p.iface == iface && p.next_hop == target {
                p.solicits_sent += 1;
                p.deadline = now + retrans;
            }
        }
        let i = &self.ifaces[iface];
        let src = i.source_for(&target);
        let mac = i.mac;
        let dst = solicited_node(&target);
        self.emit_frame(
            iface,
            MacAddr::ipv6_multicast(dst),
            vec![
                Layer::Ipv6(Ipv6::new(src, dst).hop_limit(255)),
                Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::NeighborSolicitation {
                    reserved: 0,
                    target,
                    options: vec![NdOption::SourceLinkLayer(mac)],
                })),
            ],
        );
    }

    /// Puts a frame on the wire.
    pub fn emit_frame(&mut self, iface: usize, dst_mac: MacAddr, mut layers: Vec<Layer>) {
        let src_mac = self.ifaces[iface].mac;
        layers.insert(0, Layer::Ethernet(Ethernet::new(src_mac, dst_mac)));
        self.tx.push_back(Transmit {
            iface,
            frame: Packet::new(layers).emit(),
        });
    }

    // ---- ICMPv6 ---------------------------------------------------------------------------

    fn refill(&mut self, now: Instant) {
        let dt = now.saturating_since(self.error_refill).as_secs_f64();
        self.error_refill = now;
        self.error_tokens = (self.error_tokens + dt * f64::from(self.timers.error_rate_per_sec))
            .min(f64::from(self.timers.error_burst));
    }

    /// Takes one token from the error rate limiter (RFC 4443 §2.4 (f)); false when empty.
    pub fn error_allowed(&mut self, now: Instant) -> bool {
        self.refill(now);
        if self.error_tokens >= 1.0 {
            self.error_tokens -= 1.0;
            true
        } else {
            self.events.push_back(Event::Note {
                behaviour: "RFC 4443 §2.4",
                text: "error message suppressed by rate limiting".into(),
            });
            false
        }
    }

    /// Sends an ICMPv6 error about `rx` straight to its IPv6 source address (no binding cache
    /// use, RFC 6275 §9.2), quoting as much of the packet as fits the minimum MTU. Not sent for
    /// packets from unspecified or multicast sources, nor (but for Packet Too Big) for packets
    /// sent to a multicast address (RFC 4443 §2.4 (e)).
    pub fn icmp_error(&mut self, now: Instant, rx: &Received, msg: Icmpv6Msg, code: u8) {
        let h = rx.ipv6().clone();
        // RFC 4443 §2.4 (e.3): none in reply to a packet sent to a multicast address, but for
        // Packet Too Big (the other exception, Parameter Problem code 2, is never sent here).
        if h.src.is_unspecified()
            || h.src.is_multicast()
            || (h.dst.is_multicast() && !matches!(msg, Icmpv6Msg::PacketTooBig { .. }))
            || !self.error_allowed(now)
        {
            return;
        }
        let iface = &self.ifaces[rx.iface];
        let src = if iface.has_addr(&h.dst) {
            h.dst
        } else {
            iface.source_for(&h.src)
        };
        let room = MIN_MTU - 40 - 8;
        let invoking = rx.ip_bytes()[..rx.ip_bytes().len().min(room)].to_vec();
        let msg = match msg {
            Icmpv6Msg::ParameterProblem { pointer, .. } => {
                Icmpv6Msg::ParameterProblem { pointer, invoking }
            }
            Icmpv6Msg::DestinationUnreachable { unused, .. } => {
                Icmpv6Msg::DestinationUnreachable { unused, invoking }
            }
            Icmpv6Msg::TimeExceeded { unused, .. } => Icmpv6Msg::TimeExceeded { unused, invoking },
            Icmpv6Msg::PacketTooBig { mtu, .. } => Icmpv6Msg::PacketTooBig { mtu, invoking },
            other => other,
        };
        let icmp_type = Icmpv6::new(msg.clone()).wire_type();
        self.events.push_back(Event::IcmpErrorSent {
            to: h.src,
            icmp_type,
            code,
        });
        let layers = vec![
            Layer::Ipv6(Ipv6::new(src, h.src)),
            Layer::Icmpv6(Icmpv6::new(msg).code(code)),
        ];
        if is_link_local(&h.src) {
            // A link-local source is only reachable on the link the packet came from.
            self.send_on(now, rx.iface, layers);
        } else {
            self.send(now, layers);
        }
    }

    /// The Echo Reply layers for an Echo Request in `rx` (RFC 4443 §4.2), from the address it
    /// was sent to; `None` if `rx` is not an Echo Request.
    pub fn echo_reply(&self, rx: &Received, to: Ipv6Addr) -> Option<Vec<Layer>> {
        let h = rx.ipv6();
        let icmp = rx.upper().iter().find_map(|l| match l {
            Layer::Icmpv6(i) => Some(i),
            _ => None,
        })?;
        let Icmpv6Msg::EchoRequest { ident, seq, data } = &icmp.msg else {
            return None;
        };
        if h.dst.is_multicast() {
            return None;
        }
        Some(vec![
            Layer::Ipv6(Ipv6::new(h.dst, to)),
            Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::EchoReply {
                ident: *ident,
                seq: *seq,
                data: data.clone(),
            })),
        ])
    }

    // ---- timers ---------------------------------------------------------------------------

    pub fn handle_timeout(&mut self, now: Instant) {
        self.run_dad(now);
        let max = self.timers.max_multicast_solicit;
        let mut resolve = Vec::new();
        let mut dropped = Vec::new();
        for p in &self.pending {
            if p.deadline <= now {
                if p.solicits_sent >= max {
                    dropped.push((p.iface, p.next_hop));
                } else {
                    resolve.push((p.iface, p.next_hop));
                }
            }
        }
        resolve.dedup();
        dropped.dedup();
        for (iface, hop) in dropped {
            let before = self.pending.len();
            self.pending
                .retain(|p| !(p.iface == iface && p.next_hop == hop));
            self.events.push_back(Event::Note {
                behaviour: "RFC 4861 §7.2.2",
                text: format!(
                    "address resolution of {hop} failed: {} packet(s) dropped",
                    before - self.pending.len()
                ),
            });
        }
        for (iface, hop) in resolve {
            self.solicit(now, iface, hop);
        }
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        self.pending
            .iter()
            .map(|p| p.deadline)
            .chain(self.dad.iter().map(|r| r.deadline))
            .min()
    }

    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.tx.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }
}

/// The Mobility Header checks every receiver applies first (RFC 6275 §9.2, behaviours MH-1 to
/// MH-5), in the RFC's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MhCheck {
    /// Passed: the index of the Mobility Header layer.
    Valid(usize),
    /// MH-1: bad checksum, drop silently.
    BadChecksum,
    /// MH-3: unknown MH Type: drop, send Binding Error status 2.
    UnknownType(u8),
    /// MH-4 / MH-5: drop, send Parameter Problem code 0 with this pointer (from the start of
    /// the IPv6 header) and the behaviour it implements.
    ParamProblem {
        pointer: u32,
        behaviour: &'static str,
    },
    /// Not a Mobility Header packet.
    NotMh,
}

/// Runs the §9.2 checks on a received packet.
pub fn check_mh(rx: &Received) -> MhCheck {
    let Some(i) = rx
        .decoded
        .packet
        .layers
        .iter()
        .position(|l| matches!(l, Layer::Mobility(_)))
    else {
        return MhCheck::NotMh;
    };
    let Layer::Mobility(m) = &rx.decoded.packet.layers[i] else {
        return MhCheck::NotMh;
    };
    let has = |rule: &str| {
        rx.decoded
            .violations
            .iter()
            .any(|v| v.layer == "mh" && v.rule == rule)
    };
    if has("mh-checksum") || has("mh-header-len-beyond") || has("truncated") {
        // A header longer than the packet cannot be checksummed: it is as good as corrupt.
        return MhCheck::BadChecksum;
    }
    let t = m.wire_type();
    if mip6_packets::mh::min_header_len(t).is_none() {
        return MhCheck::UnknownType(t);
    }
    let base = rx.ip_offset_of(i) as u32;
    if m.payload_proto != proto::NONE {
        return MhCheck::ParamProblem {
            pointer: base,
            behaviour: "MH-4",
        };
    }
    if has("mh-header-len-short") {
        return MhCheck::ParamProblem {
            pointer: base + 1,
            behaviour: "MH-5",
        };
    }
    MhCheck::Valid(i)
}

#[cfg(test)]
mod tests;
