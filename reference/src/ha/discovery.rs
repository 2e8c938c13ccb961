//! What the HA tells about itself and its home links: Router Advertisements with the H bit
//! (RFC 6275 §7, RFC 4861 §6.2), the Home Agents List built from other home agents' RAs
//! (§10.1, §10.5.1), Dynamic Home Agent Address Discovery (§10.5) and Mobile Prefix Discovery
//! (§10.6).

use super::{preference_from_wire, preference_to_wire, Ha};
use crate::host::{Received, ALL_NODES, MIN_MTU};
use crate::time::Instant;
use mip6_packets::icmpv6::{Icmpv6, Icmpv6Msg, NdOption};
use mip6_packets::ipv6::{Ipv6, Routing};
use mip6_packets::Layer;
use rand_core::RngCore;
use std::net::Ipv6Addr;
use std::time::Duration;

/// MAX_INITIAL_RTR_ADVERT_INTERVAL (RFC 4861 §10).
const MAX_INITIAL_RTR_ADVERT_INTERVAL: f64 = 16.0;
/// MAX_INITIAL_RTR_ADVERTISEMENTS (RFC 4861 §10).
const MAX_INITIAL_RTR_ADVERTISEMENTS: u32 = 3;
/// MAX_RA_DELAY_TIME (RFC 4861 §10).
const MAX_RA_DELAY_TIME: f64 = 0.5;
/// ICMPv6 rules that make a Router Solicitation or Advertisement invalid (RFC 4861 §6.1).
const ND_INVALID: [&str; 5] = [
    "icmpv6-code",
    "nd-hop-limit",
    "nd-source-not-link-local",
    "nd-option-length-zero",
    "truncated",
];

/// Unsolicited Router Advertisement schedule of a home link.
#[derive(Debug, Clone)]
pub(super) struct RaState {
    pub next: Instant,
    pub last: Option<Instant>,
    /// How many of the first advertisements still have the short interval cap.
    pub initial_left: u32,
}

impl RaState {
    /// The first RA goes out at the node's start; the timers of the next ones up to the
    /// MAX_INITIAL_RTR_ADVERTISEMENTS-th are capped (RFC 4861 §6.2.4).
    pub fn new() -> Self {
        RaState {
            next: Instant::ZERO,
            last: None,
            initial_left: MAX_INITIAL_RTR_ADVERTISEMENTS - 1,
        }
    }
}

/// An entry of the Home Agents List (RFC 6275 §10.1) for another home agent on the link.
#[derive(Debug, Clone)]
pub(super) struct HaListEntry {
    pub link_local: Ipv6Addr,
    pub preference: u16,
    pub expires: Instant,
    /// Global addresses from Prefix Information options with R set, each valid until the
    /// given time (`None`: infinite).
    pub addrs: Vec<(Ipv6Addr, Option<Instant>)>,
}

impl HaListEntry {
    pub fn next_deadline(&self) -> Option<Instant> {
        self.addrs
            .iter()
            .filter_map(|(_, t)| *t)
            .chain(std::iter::once(self.expires))
            .min()
    }
}

/// Mobile Prefix Advertisement state for one mobile node (RFC 6275 §10.6.2).
#[derive(Debug, Clone, Default)]
pub(super) struct MpaState {
    /// When the next unsolicited advertisement or retransmission is due.
    pub next: Option<Instant>,
    /// An unsolicited advertisement waits for its acknowledgement (a Mobile Prefix
    /// Solicitation).
    pub outstanding: bool,
    pub retries_left: u32,
    pub timeout: Duration,
    pub ident: u16,
    /// When the last advertisement went to this mobile node (at most one per second, §6.8).
    pub last_sent: Option<Instant>,
}

impl Ha {
    // ---- Router Advertisements (HA-26) ------------------------------------------------------

    /// Sends the unsolicited RAs that are due and schedules the next ones (RFC 4861 §6.2.4):
    /// a random interval in [MinRtrAdvInterval, MaxRtrAdvInterval], capped at
    /// MAX_INITIAL_RTR_ADVERT_INTERVAL for the first advertisements.
    pub(super) fn run_router_advertisements(&mut self, now: Instant) {
        if !self.cfg.router_advertisements.enabled {
            return;
        }
        for link in 0..self.links.len() {
            if self.links[link].ra.next > now {
                continue;
            }
            self.send_router_advertisement(now, link);
            let ra = &self.cfg.router_advertisements;
            let (min, max) = (ra.min_interval.as_secs_f64(), ra.max_interval.as_secs_f64());
            let mut interval = min + self.random_unit() * (max - min);
            let state = &mut self.links[link].ra;
            if state.initial_left > 0 {
                state.initial_left -= 1;
                interval = interval.min(MAX_INITIAL_RTR_ADVERT_INTERVAL);
            }
            let next = self.after_secs(now, interval);
            let state = &mut self.links[link].ra;
            state.next = next;
            state.last = Some(now);
        }
    }

    /// The Prefix Information options for a home link (RFC 6275 §7.2): L and A set, and R with
    /// the HA's full address when it has one in the prefix. Lifetimes are what remains.
    pub(super) fn prefix_options(&self, now: Instant, link: usize) -> Vec<NdOption> {
        let l = &self.links[link];
        let i = &self.host.ifaces[l.iface];
        l.prefixes
            .iter()
            .filter_map(|p| {
                let (valid, preferred) = self.prefix_remaining(p, now);
                if valid == 0 {
                    return None;
                }
                let own = i
                    .addrs
                    .iter()
                    .map(|a| a.addr)
                    .find(|a| !crate::host::is_link_local(a) && p.contains(a));
                let len = p.prefix_len.min(128);
                let masked = if len == 0 {
                    0
                } else {
                    u128::from(p.prefix) & (u128::MAX << (128 - u32::from(len)))
                };
                Some(NdOption::PrefixInformation {
                    prefix_len: len,
                    l: true,
                    a: true,
                    r: own.is_some(),
                    reserved1: 0,
                    valid_lifetime: valid,
                    preferred_lifetime: preferred,
                    reserved2: 0,
                    prefix: own.unwrap_or(Ipv6Addr::from(masked)),
                })
            })
            .collect()
    }

    /// A multicast RA on a home link: H=1 (§7.1), Source Link-layer Address (a HA MUST include
    /// it, §7.5), prefixes with R (§7.2), Advertisement Interval (§7.3, 20 ms added below
    /// 200 ms, §7.5) and, unless preference and lifetime are the defaults, Home Agent
    /// Information (§7.4).
    fn send_router_advertisement(&mut self, now: Instant, link: usize) {
        let iface = self.links[link].iface;
        let ra = self.cfg.router_advertisements.clone();
        let (src, mac) = {
            let i = &self.host.ifaces[iface];
            (i.link_local(), i.mac)
        };
        let router_lifetime = ra.effective_router_lifetime();
        let mut options = vec![NdOption::SourceLinkLayer(mac)];
        options.extend(self.prefix_options(now, link));
        if ra.advertisement_interval_option {
            let mut ms = ra.max_interval.as_millis().min(u128::from(u32::MAX)) as u32;
            if ms < 200 {
                ms += 20;
            }
            options.push(NdOption::AdvertisementInterval {
                reserved: 0,
                interval: ms,
            });
        }
        let ha_lifetime = self.cfg.ha_lifetime.unwrap_or(router_lifetime);
        if self.cfg.preference != 0 || ha_lifetime != router_lifetime {
            options.push(NdOption::home_agent_information(
                preference_to_wire(self.cfg.preference),
                ha_lifetime,
            ));
        }
        self.note("HA-26", format!("Router Advertisement on link {link}"));
        self.host.send_on(
            now,
            iface,
            vec![
                Layer::Ipv6(Ipv6::new(src, ALL_NODES).hop_limit(255)),
                Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::RouterAdvertisement {
                    cur_hop_limit: ra.cur_hop_limit,
                    m: false,
                    o: false,
                    h: true,
                    reserved: 0,
                    router_lifetime,
                    reachable_time: 0,
                    retrans_timer: 0,
                    options,
                })),
            ],
        );
    }

    /// Whether a received RS or RA fails the validity checks of RFC 4861 §6.1.
    fn nd_invalid(rx: &Received) -> bool {
        rx.decoded
            .violations
            .iter()
            .any(|v| v.layer == "icmpv6" && ND_INVALID.contains(&v.rule))
    }

    /// RFC 4861 §6.2.6: a valid Router Solicitation on a home link brings the next multicast
    /// RA forward to a random time within MAX_RA_DELAY_TIME, no sooner than
    /// MinDelayBetweenRAs after the previous one.
    pub(super) fn on_router_solicitation(&mut self, now: Instant, rx: &Received, icmp: &Icmpv6) {
        if !self.cfg.router_advertisements.enabled {
            return;
        }
        let Some(link) = self.link_of_iface(rx.iface) else {
            return;
        };
        let Icmpv6Msg::RouterSolicitation { options, .. } = &icmp.msg else {
            return;
        };
        let h = rx.ipv6().clone();
        let sll = options.iter().find_map(|o| match o {
            NdOption::SourceLinkLayer(m) => Some(*m),
            _ => None,
        });
        if Self::nd_invalid(rx) || (h.src.is_unspecified() && sll.is_some()) {
            return self.discard("RFC 4861 §6.1.1", "invalid Router Solicitation");
        }
        if let (Some(mac), false) = (sll, h.src.is_unspecified()) {
            self.host.learn(now, rx.iface, h.src, mac);
        }
        let delay = self.random_unit() * MAX_RA_DELAY_TIME;
        let min_gap = self.cfg.router_advertisements.min_delay_between_ras;
        let at = match self.links[link].ra.last {
            Some(last) if now < self.after(last, min_gap) => {
                self.after_secs(self.after(last, min_gap), delay)
            }
            _ => self.after_secs(now, delay),
        };
        let state = &mut self.links[link].ra;
        if at < state.next {
            state.next = at;
        }
    }

    /// HA-26 (§10.5.1): Router Advertisements from other routers on a home link maintain the
    /// Home Agents List.
    pub(super) fn on_router_advertisement(&mut self, now: Instant, rx: &Received, icmp: &Icmpv6) {
        let Some(link) = self.link_of_iface(rx.iface) else {
            return;
        };
        let Icmpv6Msg::RouterAdvertisement {
            h: home_agent,
            router_lifetime,
            options,
            ..
        } = &icmp.msg
        else {
            return;
        };
        if Self::nd_invalid(rx) {
            return self.discard("RFC 4861 §6.1.2", "invalid Router Advertisement");
        }
        let src = rx.ipv6().src;
        if self.host.is_own(&src) {
            return;
        }
        let list = &mut self.links[link].home_agents;
        let at = list.iter().position(|e| e.link_local == src);
        if !home_agent {
            // Not (or no longer) a home agent.
            if let Some(i) = at {
                list.remove(i);
            }
            return;
        }
        let hai = options.iter().find_map(|o| match o {
            NdOption::HomeAgentInformation {
                preference,
                lifetime,
                ..
            } => Some((preference_from_wire(*preference), *lifetime)),
            _ => None,
        });
        let preference = hai.map(|h| h.0).unwrap_or(0);
        let lifetime = hai.map(|h| h.1).unwrap_or(*router_lifetime);
        if lifetime == 0 {
            if let Some(i) = at {
                self.links[link].home_agents.remove(i);
            }
            return;
        }
        let expires = self.after_secs(now, f64::from(lifetime));
        let addrs: Vec<(Ipv6Addr, u32)> = options
            .iter()
            .filter_map(|o| match o {
                NdOption::PrefixInformation {
                    r: true,
                    prefix,
                    valid_lifetime,
                    ..
                } => Some((*prefix, *valid_lifetime)),
                _ => None,
            })
            .collect();
        let addrs: Vec<(Ipv6Addr, Option<Option<Instant>>)> = addrs
            .into_iter()
            .map(|(a, v)| {
                let until = match v {
                    0 => None,
                    u32::MAX => Some(None),
                    v => Some(Some(self.after_secs(now, f64::from(v)))),
                };
                (a, until)
            })
            .collect();
        let list = &mut self.links[link].home_agents;
        let entry = match at {
            Some(i) => &mut list[i],
            None => {
                list.push(HaListEntry {
                    link_local: src,
                    preference,
                    expires,
                    addrs: Vec::new(),
                });
                list.last_mut().expect("just pushed")
            }
        };
        entry.preference = preference;
        entry.expires = expires;
        for (a, until) in addrs {
            entry.addrs.retain(|(x, _)| *x != a);
            // A prefix no longer valid takes the router's address with it (§10.1).
            if let Some(until) = until {
                entry.addrs.push((a, until));
            }
        }
    }

    /// Removes Home Agents List entries and addresses whose lifetime is over (§10.5.1).
    pub(super) fn expire_home_agents(&mut self, now: Instant) {
        for l in &mut self.links {
            l.home_agents.retain(|e| e.expires > now);
            for e in &mut l.home_agents {
                e.addrs.retain(|(_, t)| t.map(|t| t > now).unwrap_or(true));
            }
        }
    }

    // ---- Dynamic Home Agent Address Discovery (HA-27) ----------------------------------------

    /// The home agent addresses of a home link in HAAD Reply order (§10.5.1): home agents by
    /// decreasing preference, equal preferences in random order, each one's addresses in
    /// random order; this HA takes part with its configured preference.
    fn home_agent_addresses(&mut self, now: Instant, link: usize) -> Vec<Ipv6Addr> {
        let l = &self.links[link];
        let own: Vec<Ipv6Addr> = self.host.ifaces[l.iface]
            .addrs
            .iter()
            .map(|a| a.addr)
            .filter(|a| {
                !crate::host::is_link_local(a)
                    && l.prefixes
                        .iter()
                        .any(|p| p.contains(a) && self.prefix_remaining(p, now).0 > 0)
            })
            .collect();
        let mut agents: Vec<(u16, Vec<Ipv6Addr>)> = vec![(self.cfg.preference, own)];
        for e in &l.home_agents {
            if e.expires <= now {
                continue;
            }
            let addrs: Vec<Ipv6Addr> = e
                .addrs
                .iter()
                .filter(|(_, t)| t.map(|t| t > now).unwrap_or(true))
                .map(|(a, _)| *a)
                .collect();
            agents.push((e.preference, addrs));
        }
        self.shuffle(&mut agents);
        // Stable: equal preferences keep the random order.
        agents.sort_by_key(|a| std::cmp::Reverse(a.0));
        let mut out = Vec::new();
        for (_, mut addrs) in agents {
            self.shuffle(&mut addrs);
            out.extend(addrs);
        }
        out
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.rng.next_u64() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }

    /// A Home Agent Address Discovery Request (§10.5): answer from a global address of the HA
    /// on that home link, straight to the request's source (§6.5), same Identifier, the list
    /// cut to fit the minimum IPv6 MTU. R stays 0 (no mobile router support).
    pub(super) fn on_haad_request(&mut self, now: Instant, rx: &Received, ident: u16) {
        let h = rx.ipv6().clone();
        if h.src.is_multicast() || h.src.is_unspecified() {
            return self.discard("HA-27", "HAAD Request from a non-unicast source");
        }
        let found = self.links.iter().enumerate().find_map(|(n, l)| {
            l.prefixes
                .iter()
                .find(|p| p.contains(&h.dst) && self.prefix_remaining(p, now).0 > 0)
                .map(|p| (n, *p))
        });
        let Some((link, prefix)) = found else {
            return self.discard("HA-27", format!("{} is not on a home subnet", h.dst));
        };
        let src = self.link_address(link, Some(&prefix));
        let mut home_agents = self.home_agent_addresses(now, link);
        let fit = (MIN_MTU - 40 - 8) / 16;
        home_agents.truncate(fit);
        self.note(
            "HA-27",
            format!("HAAD Reply with {} address(es)", home_agents.len()),
        );
        self.host.send(
            now,
            vec![
                Layer::Ipv6(Ipv6::new(src, h.src)),
                Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::HaadReply {
                    ident,
                    r: false,
                    reserved: 0,
                    home_agents,
                    trailing: vec![],
                })),
            ],
        );
    }

    // ---- Mobile Prefix Discovery (HA-28, HA-29) ----------------------------------------------

    /// HA-28: a Mobile Prefix Solicitation from a registered mobile node (its home address from
    /// a verified Home Address option, or the inner source of the reverse tunnel) is answered
    /// at once (§10.6.2) and acknowledges an outstanding unsolicited advertisement.
    pub(super) fn on_mobile_prefix_solicitation(
        &mut self,
        now: Instant,
        ident: u16,
        peer: Ipv6Addr,
    ) {
        if !self.cfg.mobile_prefix.enabled {
            return self.discard("HA-28", "Mobile Prefix Discovery is disabled");
        }
        let Some(b) = self.bindings.get(&peer).filter(|b| b.is_active()) else {
            return self.discard(
                "HA-28",
                format!("Mobile Prefix Solicitation from {peer}, which has no home registration"),
            );
        };
        if let Some(last) = b.mpa.last_sent {
            if now < self.after(last, Duration::from_secs(1)) {
                return self.discard(
                    "HA-28",
                    "not more than one Mobile Prefix Advertisement per second (§6.8)",
                );
            }
        }
        self.send_mobile_prefix_advertisement(now, peer, ident);
        let next = self
            .rand_adv_delay(now, peer)
            .map(|d| self.after_secs(now, d));
        if let Some(b) = self.bindings.get_mut(&peer) {
            b.mpa.outstanding = false;
            b.mpa.next = next;
        }
    }

    /// A Mobile Prefix Advertisement (§10.6.3): from the address the mobile node registered
    /// with, to its care-of address with a type 2 routing header holding the home address,
    /// every prefix of the home link, M=O=0 (no DHCPv6 support, §10.4.4).
    fn send_mobile_prefix_advertisement(&mut self, now: Instant, hoa: Ipv6Addr, ident: u16) {
        let Some(b) = self.bindings.get(&hoa) else {
            return;
        };
        let (src, coa, link) = (b.ha_addr, b.coa, b.link);
        let options = self.prefix_options(now, link);
        let layers = self.protect_outgoing(vec![
            Layer::Ipv6(Ipv6::new(src, coa)),
            Layer::Routing(Routing::type2(hoa)),
            Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::MobilePrefixAdvertisement {
                ident,
                m: false,
                o: false,
                reserved: 0,
                options,
            })),
        ]);
        self.note("HA-28", format!("Mobile Prefix Advertisement to {hoa}"));
        self.host.send(now, layers);
        if let Some(b) = self.bindings.get_mut(&hoa) {
            b.mpa.last_sent = Some(now);
        }
    }

    /// RAND_ADV_DELAY of §10.6.2, in seconds: MinMobPfxAdvInterval plus a random part below
    /// |min(MaxMobPfxAdvInterval, preferred lifetime) − MinMobPfxAdvInterval|. `None` when
    /// unsolicited advertisements are off.
    fn rand_adv_delay(&mut self, now: Instant, hoa: Ipv6Addr) -> Option<f64> {
        let c = &self.cfg.mobile_prefix;
        if !c.enabled || !c.unsolicited {
            return None;
        }
        let min = c.min_adv_interval.as_secs_f64().floor();
        let max = c.max_adv_interval.as_secs_f64().floor();
        let preferred = self
            .home_prefix_of(&hoa, now)
            .map(|(_, p)| self.prefix_remaining(&p, now).1)
            .unwrap_or(0);
        let max_schedule = max.min(f64::from(preferred));
        let span = (max_schedule - min).abs() as u64;
        let r = if span == 0 {
            0
        } else {
            self.rng.next_u64() % span
        };
        Some(min + r as f64)
    }

    /// Schedules the first unsolicited advertisement for a new home registration (§10.6.2).
    pub(super) fn schedule_unsolicited_mpa(&mut self, now: Instant, hoa: Ipv6Addr) {
        let next = self
            .rand_adv_delay(now, hoa)
            .map(|d| self.after_secs(now, d));
        if let Some(b) = self.bindings.get_mut(&hoa) {
            b.mpa = MpaState {
                next,
                ..MpaState::default()
            };
        }
    }

    /// HA-29 (§10.6.2): unsolicited advertisements, at most one per second, retransmitted
    /// after PREFIX_ADV_TIMEOUT with the wait doubled each time, up to PREFIX_ADV_RETRIES
    /// times, until a Mobile Prefix Solicitation acknowledges them; then the next is scheduled
    /// RAND_ADV_DELAY later. A binding that ends takes its schedule with it.
    pub(super) fn run_mpa_timers(&mut self, now: Instant) {
        let due: Vec<Ipv6Addr> = self
            .bindings
            .values()
            .filter(|b| b.is_active() && b.mpa.next.map(|t| t <= now).unwrap_or(false))
            .map(|b| b.hoa)
            .collect();
        let timeout0 = self.cfg.mobile_prefix.prefix_adv_timeout;
        let retries = self.cfg.mobile_prefix.prefix_adv_retries;
        for hoa in due {
            let Some(st) = self.bindings.get(&hoa).map(|b| b.mpa.clone()) else {
                continue;
            };
            if st.outstanding {
                if st.retries_left > 0 {
                    self.send_mobile_prefix_advertisement(now, hoa, st.ident);
                    let timeout = st.timeout * 2;
                    let next = self.after(now, timeout);
                    if let Some(b) = self.bindings.get_mut(&hoa) {
                        b.mpa.retries_left -= 1;
                        b.mpa.timeout = timeout;
                        b.mpa.next = Some(next);
                    }
                } else {
                    let next = self
                        .rand_adv_delay(now, hoa)
                        .map(|d| self.after_secs(now, d));
                    self.note(
                        "HA-29",
                        "unsolicited Mobile Prefix Advertisement not acknowledged",
                    );
                    if let Some(b) = self.bindings.get_mut(&hoa) {
                        b.mpa.outstanding = false;
                        b.mpa.next = next;
                    }
                }
                continue;
            }
            if let Some(last) = st.last_sent {
                let earliest = self.after(last, Duration::from_secs(1));
                if now < earliest {
                    if let Some(b) = self.bindings.get_mut(&hoa) {
                        b.mpa.next = Some(earliest);
                    }
                    continue;
                }
            }
            let ident = (self.rng.next_u32() & 0xffff) as u16;
            self.send_mobile_prefix_advertisement(now, hoa, ident);
            let next = self.after(now, timeout0);
            if let Some(b) = self.bindings.get_mut(&hoa) {
                b.mpa.outstanding = true;
                b.mpa.ident = ident;
                b.mpa.retries_left = retries;
                b.mpa.timeout = timeout0;
                b.mpa.next = Some(next);
            }
        }
    }
}
