//! The reference Home Agent (RFC 6275 §10).
//!
//! A sans-IO state machine on top of [`Host`]: Ethernet frames and timeouts go in, frames, the
//! next deadline and [`Event`]s come out. Time comes only from the `now` passed in, randomness
//! only from a `ChaCha8Rng` seeded from [`HaConfig::seed`], so two runs with the same inputs
//! produce the same frames.
//!
//! What it does, by behaviour ID of `shared/spec/behaviours.md`:
//! * Mobility Header checks of RFC 6275 §9.2 through [`crate::host::check_mh`] (MH-1 … MH-13).
//! * Home registration and de-registration (§10.3.1, §10.3.2; HA-1 … HA-17), with proxy DAD
//!   before the first Binding Acknowledgement and a de-registered entry kept, marked invalid,
//!   for MAX_DELETE_BCE_TIMEOUT so that a delayed older Binding Update still gets 135.
//! * Proxy Neighbor Discovery, interception and IPv6-in-IPv6 tunnelling (RFC 2473) to the
//!   primary care-of address, the reverse tunnel, and relaying of ICMP errors from inside the
//!   tunnel (§10.4; HA-18 … HA-25) — module `tunnel`.
//! * Router Advertisements with the H bit, the Home Agents List, Dynamic Home Agent Address
//!   Discovery and Mobile Prefix Discovery (§7, §10.5, §10.6; HA-26 … HA-29) — see
//!   module `discovery`.
//!
//! Choices where the RFC leaves room (each is repeated where it is implemented):
//! * **IPsec.** RFC 6275 §5.1 / RFC 3776 require ESP on home registrations (HA-1). ESP is a
//!   later issue: with [`HaConfig::require_ipsec`] `false` (the default) the HA accepts
//!   unprotected Binding Updates. The seam is `Ha::home_registration_protected` for input
//!   and `Ha::protect_outgoing` for output; with `require_ipsec` `true` every home
//!   registration is discarded until ESP processing exists (the HA cannot open ESP yet).
//! * **No route optimisation.** The HA is not a correspondent node (the CN lives in its own
//!   module): it keeps no return-routability nonces. A Binding Update with H=0 is checked as
//!   §9.5.1 says — without a Nonce Indices and a last Binding Authorization Data option it is
//!   silently discarded; against an existing (home) entry it gets 139; otherwise none of its
//!   nonce indices can be recognised, since this node issued none, so it gets 136 (deletion,
//!   where only the home nonce counts) or 138. Home Test Init / Care-of Test Init addressed
//!   to the HA itself are discarded.
//! * **No multicast membership control** (§10.4.3): MLD from mobile nodes is ignored and no
//!   multicast packet is ever tunnelled.
//! * **No NEMO** (RFC 3963): the R flags of Binding Updates and HAAD Requests are reserved
//!   bits to this HA, ignored on receipt; BAs and HAAD Replies carry R=0, which RFC 3963 §5.3
//!   tells a mobile router to read as "no mobile router support".
//! * **No stateful address configuration support** (§10.4.4): M and O stay clear in RAs and
//!   Mobile Prefix Advertisements.
//! * **Prefix lifetimes** of [`HomeLinkConfig::prefixes`] count down in real time from the
//!   node's epoch ([`Instant::ZERO`]), so a prefix can become deprecated and invalid while the
//!   HA runs (RFC 4861 §6.2.1 allows decrementing lifetimes); `u32::MAX` never expires.
//! * **Time scale.** Every duration the HA waits on is scaled by [`Timers::time_scale`]
//!   (binding and prefix lifetimes included); values on the wire stay in protocol units.

mod binding;
mod discovery;
mod reassembly;
mod tunnel;

#[cfg(test)]
mod tests;

use crate::config::{prefix_match, secs_f64, IfaceConfig, PrefixConfig, Timers};
use crate::host::{check_mh, is_link_local, Host, MhCheck, Proxy, Received};
use crate::node::{Event, Node, Transmit};
use crate::time::Instant;
use mip6_packets::icmpv6::{param_problem, Icmpv6, Icmpv6Msg};
use mip6_packets::ipv6::{is_unicast_routable, Ipv6, Routing};
use mip6_packets::mh::{MhMessage, Mobility};
use mip6_packets::packet::{ethertype, proto};
use mip6_packets::{decode, Layer, LinkType};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::Ipv6Addr;
use std::time::Duration;

use binding::{Bce, NaJob, PendingReg};
use discovery::{HaListEntry, RaState};

/// MAX_NEIGHBOR_ADVERTISEMENT (RFC 4861 §10).
pub const MAX_NEIGHBOR_ADVERTISEMENT: u32 = 3;
/// Largest Binding Acknowledgement Lifetime, 0xffff units of 4 s (RFC 6275 §6.1.8).
pub const MAX_LIFETIME_SECS: u32 = 0xffff * 4;
/// RFC 2526 anycast ID of the Mobile IPv6 Home-Agents anycast address.
pub const HOME_AGENTS_ANYCAST_ID: u8 = 126;

/// Configuration of a [`Ha`]. Only `interfaces` and `home_links` are required; everything else
/// has the default named on its field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HaConfig {
    /// The HA's interfaces. Off-link destinations (care-of addresses) go through an
    /// interface's `default_router`.
    pub interfaces: Vec<IfaceConfig>,
    /// The links on which this node serves as home agent (at least one). The HA must have a
    /// global address inside one of each link's prefixes.
    pub home_links: Vec<HomeLinkConfig>,
    /// Protocol timers; every duration the HA waits on is scaled by `timers.time_scale`.
    #[serde(default)]
    pub timers: Timers,
    /// Seed of the HA's random number generator (RA intervals, HAAD tie order, MPA delays).
    #[serde(default)]
    pub seed: u64,
    /// Home Agent Preference advertised in the Home Agent Information option (RFC 6275 §7.4,
    /// a 16-bit unsigned value, higher is better). Default 0.
    #[serde(default)]
    pub preference: u16,
    /// Home Agent Lifetime in seconds (RFC 6275 §7.4); `None`: the Router Lifetime. The Home
    /// Agent Information option is sent only when preference or lifetime is not the default.
    #[serde(default)]
    pub ha_lifetime: Option<u16>,
    /// Upper bound of a granted home registration, in seconds (local policy, RFC 6275
    /// §10.3.1). Default 262140, the largest the Lifetime field can carry.
    #[serde(default = "default_max_binding_lifetime")]
    pub max_binding_lifetime: u32,
    /// Whether the HA can move its key management endpoint to a new care-of address (the K
    /// bit, RFC 6275 §10.3.1). Until IPsec exists this stands for "the SAs were established
    /// dynamically and the HA can move them". Default false.
    #[serde(default)]
    pub key_management_mobility: bool,
    /// Home addresses this HA agrees to serve (addresses or prefixes); others get status 129
    /// (administratively prohibited). `None` (the default): any address on a home prefix.
    #[serde(default)]
    pub allowed_home_addresses: Option<Vec<AddrPrefix>>,
    /// How many home registrations (including those waiting for DAD) the HA holds; beyond it a
    /// new one gets status 130 (insufficient resources). Default 1024.
    #[serde(default = "default_max_bindings")]
    pub max_bindings: usize,
    /// Unsolicited Router Advertisements on the home links.
    #[serde(default)]
    pub router_advertisements: RaConfig,
    /// Include a Binding Refresh Advice option (half the granted lifetime) in accepting BAs
    /// (RFC 6275 §10.3.1 MAY). Default false.
    #[serde(default)]
    pub binding_refresh_advice: bool,
    /// Discard home registrations that are not protected by ESP (HA-1). Default false: ESP is
    /// not implemented yet, and with `true` every home registration is discarded.
    #[serde(default)]
    pub require_ipsec: bool,
    /// Mobile Prefix Discovery (RFC 6275 §10.6).
    #[serde(default)]
    pub mobile_prefix: MobilePrefixConfig,
    /// MTU of every link, and the initial path MTU towards care-of addresses (RFC 2473 §6.7).
    /// Default 1500.
    #[serde(default = "default_link_mtu")]
    pub link_mtu: u32,
    /// Hop limit of tunnel headers (RFC 2473 §6.3: 64 for routers).
    #[serde(default = "default_tunnel_hop_limit")]
    pub tunnel_hop_limit: u8,
    /// How many unsolicited Neighbor Advertisements the HA multicasts for each address it
    /// starts defending, RetransTimer apart (RFC 6275 §10.4.1: one, "MAY retransmit up to
    /// MAX_NEIGHBOR_ADVERTISEMENT times"; RFC 4861 §7.2.6). Default 3, at least 1.
    #[serde(default = "default_unsolicited_na_count")]
    pub unsolicited_na_count: u32,
}

fn default_max_binding_lifetime() -> u32 {
    MAX_LIFETIME_SECS
}
fn default_max_bindings() -> usize {
    1024
}
fn default_link_mtu() -> u32 {
    1500
}
fn default_tunnel_hop_limit() -> u8 {
    64
}
fn default_unsolicited_na_count() -> u32 {
    MAX_NEIGHBOR_ADVERTISEMENT
}

impl HaConfig {
    /// A configuration with every optional field at its default.
    pub fn new(interfaces: Vec<IfaceConfig>, home_links: Vec<HomeLinkConfig>) -> Self {
        HaConfig {
            interfaces,
            home_links,
            timers: Timers::default(),
            seed: 0,
            preference: 0,
            ha_lifetime: None,
            max_binding_lifetime: default_max_binding_lifetime(),
            key_management_mobility: false,
            allowed_home_addresses: None,
            max_bindings: default_max_bindings(),
            router_advertisements: RaConfig::default(),
            binding_refresh_advice: false,
            require_ipsec: false,
            mobile_prefix: MobilePrefixConfig::default(),
            link_mtu: default_link_mtu(),
            tunnel_hop_limit: default_tunnel_hop_limit(),
            unsolicited_na_count: default_unsolicited_na_count(),
        }
    }
}

/// A link on which the node is a home agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HomeLinkConfig {
    /// Name of one of [`HaConfig::interfaces`].
    pub interface: String,
    /// The home subnet prefixes (the HA's Prefix List for this link). Lifetimes count down
    /// from the node's start; `u32::MAX` is infinite.
    pub prefixes: Vec<PrefixConfig>,
}

/// An address (`prefix_len` 128, the default) or a prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddrPrefix {
    pub prefix: Ipv6Addr,
    #[serde(default = "full_len")]
    pub prefix_len: u8,
}

fn full_len() -> u8 {
    128
}

impl AddrPrefix {
    pub fn contains(&self, a: &Ipv6Addr) -> bool {
        prefix_match(&self.prefix, a, self.prefix_len)
    }
}

/// Router Advertisement settings (RFC 4861 §6.2.1, RFC 6275 §7.5). Defaults are RFC 4861's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RaConfig {
    /// Send unsolicited RAs and answer Router Solicitations. Default true.
    pub enabled: bool,
    /// MinRtrAdvInterval, seconds (default 198 = 0.33 × MaxRtrAdvInterval; RFC 6275 §7.5
    /// allows down to 0.03).
    #[serde(with = "secs_f64")]
    pub min_interval: Duration,
    /// MaxRtrAdvInterval, seconds (default 600; RFC 6275 §7.5 allows down to 0.07).
    #[serde(with = "secs_f64")]
    pub max_interval: Duration,
    /// MinDelayBetweenRAs, seconds (RFC 6275 §13: 3, may be as low as 0.03).
    #[serde(with = "secs_f64")]
    pub min_delay_between_ras: Duration,
    /// Router Lifetime, seconds; `None`: 3 × MaxRtrAdvInterval, at least 1 (RFC 6275 §7.5),
    /// at most 9000.
    pub router_lifetime: Option<u16>,
    /// Include the Advertisement Interval option (RFC 6275 §7.3). Default true.
    pub advertisement_interval_option: bool,
    /// Cur Hop Limit advertised. Default 64.
    pub cur_hop_limit: u8,
}

impl Default for RaConfig {
    fn default() -> Self {
        RaConfig {
            enabled: true,
            min_interval: Duration::from_secs(198),
            max_interval: Duration::from_secs(600),
            min_delay_between_ras: Duration::from_secs(3),
            router_lifetime: None,
            advertisement_interval_option: true,
            cur_hop_limit: 64,
        }
    }
}

impl RaConfig {
    /// The Router Lifetime field.
    pub fn effective_router_lifetime(&self) -> u16 {
        self.router_lifetime.unwrap_or_else(|| {
            (self.max_interval.as_secs_f64() * 3.0)
                .ceil()
                .clamp(1.0, 9000.0) as u16
        })
    }
}

/// Mobile Prefix Discovery settings (RFC 6275 §10.6, §12, §13).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MobilePrefixConfig {
    /// Answer Mobile Prefix Solicitations and send unsolicited advertisements (RFC 6275 §8.4:
    /// this MUST be configurable). Default true.
    pub enabled: bool,
    /// Send unsolicited Mobile Prefix Advertisements (§10.6.2). Default true.
    pub unsolicited: bool,
    /// MinMobPfxAdvInterval (600 s).
    #[serde(with = "secs_f64")]
    pub min_adv_interval: Duration,
    /// MaxMobPfxAdvInterval (86400 s).
    #[serde(with = "secs_f64")]
    pub max_adv_interval: Duration,
    /// PREFIX_ADV_TIMEOUT (3 s).
    #[serde(with = "secs_f64")]
    pub prefix_adv_timeout: Duration,
    /// PREFIX_ADV_RETRIES (3).
    pub prefix_adv_retries: u32,
}

impl Default for MobilePrefixConfig {
    fn default() -> Self {
        MobilePrefixConfig {
            enabled: true,
            unsolicited: true,
            min_adv_interval: Duration::from_secs(600),
            max_adv_interval: Duration::from_secs(86400),
            prefix_adv_timeout: Duration::from_secs(3),
            prefix_adv_retries: 3,
        }
    }
}

/// A configuration the HA cannot run with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HaConfigError(pub String);

impl std::fmt::Display for HaConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "home agent configuration: {}", self.0)
    }
}

impl std::error::Error for HaConfigError {}

/// The codec's type for the Home Agent Preference field. RFC 6275 §7.4 makes it unsigned; when
/// the codec moves from `i16` to `u16`, this alias is the one line to change.
pub(crate) type WirePreference = u16;

/// Home Agent Preference from the wire, as the unsigned value RFC 6275 §7.4 defines.
#[allow(clippy::unnecessary_cast)]
pub(crate) fn preference_from_wire(p: WirePreference) -> u16 {
    p as u16
}

/// Home Agent Preference for the wire.
#[allow(clippy::unnecessary_cast)]
pub(crate) fn preference_to_wire(p: u16) -> WirePreference {
    p as WirePreference
}

/// The Mobile IPv6 Home-Agents anycast address of a subnet (RFC 2526 §2, anycast ID 126):
/// for a 64-bit EUI-64 interface identifier `fdff:ffff:ffff:fffe`, otherwise all ones but the
/// anycast ID. `None` for prefixes longer than 121 bits.
pub fn home_agents_anycast(prefix: &Ipv6Addr, prefix_len: u8) -> Option<Ipv6Addr> {
    if prefix_len > 121 {
        return None;
    }
    let host_mask = if prefix_len == 0 {
        u128::MAX
    } else {
        u128::MAX >> prefix_len
    };
    let net = u128::from(*prefix) & !host_mask;
    let mut iid = (host_mask & !0x7f) | u128::from(HOME_AGENTS_ANYCAST_ID);
    if prefix_len == 64 {
        // EUI-64 format: the universal/local bit of the interface identifier is zero.
        iid &= !(0x0200_0000_0000_0000u128);
    }
    Some(Ipv6Addr::from(net | iid))
}

/// Whether `a` is one of the subnet's reserved anycast addresses: the Subnet-Router anycast
/// address (RFC 4291 §2.6.1) or one of the 128 RFC 2526 subnet anycast addresses.
fn is_reserved_anycast(prefix: &PrefixConfig, a: &Ipv6Addr) -> bool {
    if !prefix.contains(a) {
        return false;
    }
    let len = prefix.prefix_len.min(128);
    let host_mask = if len == 0 {
        u128::MAX
    } else {
        u128::MAX >> len
    };
    let iid = u128::from(*a) & host_mask;
    if iid == 0 {
        return true;
    }
    home_agents_anycast(&prefix.prefix, len)
        .map(|any| (u128::from(any) & host_mask) | 0x7f == iid | 0x7f)
        .unwrap_or(false)
}

/// The link-local address with the interface identifier of `a` (RFC 6275 §10.3.1, L=1).
pub fn link_local_of(a: &Ipv6Addr) -> Ipv6Addr {
    let mut o = a.octets();
    o[..8].copy_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0]);
    Ipv6Addr::from(o)
}

/// A home link at run time.
#[derive(Debug)]
struct HomeLink {
    iface: usize,
    prefixes: Vec<PrefixConfig>,
    /// Home-Agents anycast address of each prefix, parallel to `prefixes`.
    anycast: Vec<Option<Ipv6Addr>>,
    ra: RaState,
    /// Other home agents heard on this link (RFC 6275 §10.1); this HA's own entry is made
    /// from its configuration when needed.
    home_agents: Vec<HaListEntry>,
}

/// A binding as the harness may want to see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingInfo {
    pub home_address: Ipv6Addr,
    pub care_of_address: Ipv6Addr,
    /// Last accepted Sequence Number.
    pub seq: u16,
    /// Granted lifetime, seconds.
    pub lifetime_secs: u32,
    pub expires: Instant,
    /// The link-local address defended for the mobile node (L=1).
    pub link_local: Option<Ipv6Addr>,
    /// Still in force; false while a de-registered entry waits out MAX_DELETE_BCE_TIMEOUT.
    pub active: bool,
}

/// The reference Home Agent.
#[derive(Debug)]
pub struct Ha {
    cfg: HaConfig,
    host: Host,
    rng: ChaCha8Rng,
    links: Vec<HomeLink>,
    /// The Binding Cache: home registrations only, by home address.
    bindings: BTreeMap<Ipv6Addr, Bce>,
    /// Home registrations waiting for proxy DAD, by home address.
    pending: BTreeMap<Ipv6Addr, PendingReg>,
    /// Unsolicited Neighbor Advertisements still to send.
    nas: Vec<NaJob>,
    /// Path MTU towards tunnel exit points learned from Packet Too Big (RFC 2473 §6.7).
    pmtu: BTreeMap<Ipv6Addr, u32>,
    /// Identification of the next fragmented tunnel packet.
    frag_ident: u32,
    /// Fragmented packets addressed to the HA, waiting for their other fragments.
    reassemblies: Vec<reassembly::Reassembly>,
}

impl Ha {
    /// Builds a home agent, checking the configuration.
    pub fn new(cfg: HaConfig) -> Result<Ha, HaConfigError> {
        let err = |s: String| Err(HaConfigError(s));
        if cfg.home_links.is_empty() {
            return err("at least one home link is needed".into());
        }
        let scale = cfg.timers.time_scale;
        if !(scale.is_finite() && scale > 0.0) {
            return err(format!("time_scale must be a positive number, got {scale}"));
        }
        if cfg.unsolicited_na_count == 0 {
            return err("unsolicited_na_count must be at least 1 (RFC 6275 §10.4.1)".into());
        }
        if cfg.link_mtu < 1280 {
            return err(format!(
                "link_mtu {} is below the IPv6 minimum 1280",
                cfg.link_mtu
            ));
        }
        let ra = &cfg.router_advertisements;
        if ra.max_interval < Duration::from_millis(70)
            || ra.min_interval < Duration::from_millis(30)
            || ra.min_interval > ra.max_interval
        {
            return err(
                "router advertisement intervals must satisfy 0.03 s <= min <= max, max >= 0.07 s \
                 (RFC 6275 §7.5)"
                    .into(),
            );
        }
        if cfg.ha_lifetime.unwrap_or(ra.effective_router_lifetime()) == 0 {
            return err("the Home Agent Lifetime must not be 0 (RFC 6275 §7.4)".into());
        }
        let mut host = Host::new(&cfg.interfaces, cfg.timers.clone(), true);
        let mut links: Vec<HomeLink> = Vec::new();
        for hl in &cfg.home_links {
            let Some(iface) = cfg.interfaces.iter().position(|i| i.name == hl.interface) else {
                return err(format!(
                    "home link interface {:?} is not configured",
                    hl.interface
                ));
            };
            if links.iter().any(|l| l.iface == iface) {
                return err(format!("interface {:?} is listed twice", hl.interface));
            }
            if hl.prefixes.is_empty() {
                return err(format!("home link {:?} has no prefix", hl.interface));
            }
            for p in &hl.prefixes {
                if p.prefix_len > 128 || p.preferred_lifetime > p.valid_lifetime {
                    return err(format!(
                        "prefix {}/{}: bad length or preferred lifetime above valid lifetime",
                        p.prefix, p.prefix_len
                    ));
                }
            }
            let has_global = host.ifaces[iface].addrs.iter().any(|a| {
                !is_link_local(&a.addr) && hl.prefixes.iter().any(|p| p.contains(&a.addr))
            });
            if !has_global {
                return err(format!(
                    "the home agent has no global address on a home prefix of {:?}",
                    hl.interface
                ));
            }
            let anycast: Vec<Option<Ipv6Addr>> = hl
                .prefixes
                .iter()
                .map(|p| home_agents_anycast(&p.prefix, p.prefix_len))
                .collect();
            for a in anycast.iter().flatten() {
                // RFC 4861 §7.2.7: an anycast address is advertised with Override clear.
                host.add_proxy(
                    iface,
                    *a,
                    Proxy {
                        override_flag: false,
                        router: true,
                    },
                );
            }
            links.push(HomeLink {
                iface,
                prefixes: hl.prefixes.clone(),
                anycast,
                ra: RaState::new(),
                home_agents: Vec::new(),
            });
        }
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        let frag_ident = rng.next_u32();
        Ok(Ha {
            cfg,
            host,
            rng,
            links,
            bindings: BTreeMap::new(),
            pending: BTreeMap::new(),
            nas: Vec::new(),
            pmtu: BTreeMap::new(),
            frag_ident,
            reassemblies: Vec::new(),
        })
    }

    /// The configuration the HA runs with.
    pub fn config(&self) -> &HaConfig {
        &self.cfg
    }

    /// The home registration for `hoa`, if the Binding Cache holds one.
    pub fn binding(&self, hoa: &Ipv6Addr) -> Option<BindingInfo> {
        self.bindings.get(hoa).map(|b| BindingInfo {
            home_address: b.hoa,
            care_of_address: b.coa,
            seq: b.seq,
            lifetime_secs: b.lifetime,
            expires: b.expires,
            link_local: b.link_local,
            active: b.is_active(),
        })
    }

    /// The Home-Agents anycast addresses this HA answers on.
    pub fn anycast_addresses(&self) -> Vec<Ipv6Addr> {
        self.links
            .iter()
            .flat_map(|l| l.anycast.iter().flatten().copied())
            .collect()
    }

    // ---- small helpers ----------------------------------------------------------------------

    fn event(&mut self, e: Event) {
        self.host.events.push_back(e);
    }

    fn discard(&mut self, behaviour: &'static str, reason: impl Into<String>) {
        self.event(Event::Discarded {
            behaviour,
            reason: reason.into(),
        });
    }

    fn note(&mut self, behaviour: &'static str, text: impl Into<String>) {
        self.event(Event::Note {
            behaviour,
            text: text.into(),
        });
    }

    /// `now` plus `d` scaled by the time scale.
    fn after(&self, now: Instant, d: Duration) -> Instant {
        now + self.host.timers.scaled(d)
    }

    /// `now` plus `secs` protocol seconds, scaled.
    fn after_secs(&self, now: Instant, secs: f64) -> Instant {
        self.after(now, Duration::from_secs_f64(secs.clamp(0.0, 1e12)))
    }

    /// Protocol seconds elapsed since the node's epoch (time divided by the time scale).
    fn proto_secs(&self, now: Instant) -> f64 {
        let s = self.host.timers.time_scale;
        if s > 0.0 {
            now.as_secs_f64() / s
        } else {
            f64::INFINITY
        }
    }

    /// Remaining (valid, preferred) lifetime of a prefix at `now`, whole seconds rounded down;
    /// `u32::MAX` is infinite.
    fn prefix_remaining(&self, p: &PrefixConfig, now: Instant) -> (u32, u32) {
        let elapsed = self.proto_secs(now);
        let left = |l: u32| {
            if l == u32::MAX {
                u32::MAX
            } else {
                (f64::from(l) - elapsed).floor().max(0.0) as u32
            }
        };
        (left(p.valid_lifetime), left(p.preferred_lifetime))
    }

    /// The home link and prefix `a` is on, among prefixes still valid at `now` (the HA's
    /// current Prefix List, RFC 6275 §10.3.1).
    fn home_prefix_of(&self, a: &Ipv6Addr, now: Instant) -> Option<(usize, PrefixConfig)> {
        self.links.iter().enumerate().find_map(|(n, l)| {
            l.prefixes
                .iter()
                .find(|p| p.contains(a) && self.prefix_remaining(p, now).0 > 0)
                .map(|p| (n, *p))
        })
    }

    /// The home link whose interface is `iface`.
    fn link_of_iface(&self, iface: usize) -> Option<usize> {
        self.links.iter().position(|l| l.iface == iface)
    }

    /// Whether `a` is a Home-Agents anycast address of ours.
    fn is_anycast(&self, a: &Ipv6Addr) -> bool {
        self.links
            .iter()
            .any(|l| l.anycast.iter().flatten().any(|x| x == a))
    }

    /// The HA's global address on home link `link` inside `prefix` (or any on that link).
    fn link_address(&self, link: usize, within: Option<&PrefixConfig>) -> Ipv6Addr {
        let i = &self.host.ifaces[self.links[link].iface];
        i.addrs
            .iter()
            .map(|a| a.addr)
            .find(|a| !is_link_local(a) && within.map(|p| p.contains(a)).unwrap_or(true))
            .unwrap_or_else(|| i.global())
    }

    /// Uniform random number in [0, 1).
    fn random_unit(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    // ---- IPsec seam -------------------------------------------------------------------------

    /// HA-1: whether a received home registration Binding Update carried the protection RFC
    /// 6275 §5.1 / RFC 3776 §4 require (ESP transport mode, SA chosen by the home address).
    ///
    /// This is where the ESP check goes when the IPsec issue lands. Until then, with
    /// `require_ipsec` false the HA accepts unprotected Binding Updates (and the MH is only
    /// visible to it when unprotected); with `require_ipsec` true nothing can pass, because the
    /// HA cannot process ESP yet.
    fn home_registration_protected(&self, _rx: &Received) -> bool {
        !self.cfg.require_ipsec
    }

    /// Where ESP is applied to what the HA sends to a mobile node: Binding Acknowledgements
    /// (transport mode, RFC 3776 §4.1, HA-12), Mobile Prefix Advertisements (§10.6.3, HA-28),
    /// and return-routability messages in the tunnel (tunnel mode, §10.4.6, HA-23). Identity
    /// until the IPsec issue lands.
    fn protect_outgoing(&self, layers: Vec<Layer>) -> Vec<Layer> {
        layers
    }

    // ---- sending ----------------------------------------------------------------------------

    /// Sends a packet this HA originates. A packet for a mobile node with an active binding
    /// goes by way of its care-of address with a type 2 routing header (RFC 6275 §10.4.2 first
    /// paragraph, §9.3.2). Not for Mobility Header messages, which bypass the Binding Cache
    /// (MH-11).
    fn originate(&mut self, now: Instant, mut layers: Vec<Layer>) {
        if let Some(Layer::Ipv6(h)) = layers.first_mut() {
            if let Some(b) = self.bindings.get(&h.dst).filter(|b| b.is_active()) {
                let hoa = h.dst;
                h.dst = b.coa;
                layers.insert(1, Layer::Routing(Routing::type2(hoa)));
            }
        }
        self.host.send(now, layers);
    }

    /// Sends a Binding Error (RFC 6275 §9.3.3) about `rx`: to the packet's IPv6 source as it
    /// was on the wire (MH-13), never to a non-unicast source, rate-limited like ICMPv6
    /// errors (MH-12), without the Binding Cache (MH-11).
    fn send_binding_error(
        &mut self,
        now: Instant,
        rx: &Received,
        status: u8,
        behaviour: &'static str,
    ) {
        let h = rx.ipv6().clone();
        let hoa = home_address_option(rx).unwrap_or(Ipv6Addr::UNSPECIFIED);
        if h.src.is_multicast() || h.src.is_unspecified() {
            self.discard(
                behaviour,
                "no Binding Error to a non-unicast source (MH-13)",
            );
            return;
        }
        if !self.host.error_allowed(now) {
            self.discard("MH-12", "Binding Error suppressed by rate limiting");
            return;
        }
        let src = self.reply_source(rx);
        self.event(Event::BindingErrorSent { to: h.src, status });
        self.host.send(
            now,
            vec![
                Layer::Ipv6(Ipv6::new(src, h.src)),
                Layer::Mobility(Mobility::new(
                    MhMessage::BindingError {
                        status,
                        reserved: 0,
                        home_address: hoa,
                    },
                    vec![],
                )),
            ],
        );
    }

    /// The source for a reply to `rx`: the address it was sent to when that is one of ours and
    /// unicast, else an address of the receiving interface.
    fn reply_source(&self, rx: &Received) -> Ipv6Addr {
        let h = rx.ipv6();
        if self.host.is_own(&h.dst) && !h.dst.is_multicast() {
            h.dst
        } else if let Some((link, p)) = self.links.iter().enumerate().find_map(|(n, l)| {
            l.prefixes
                .iter()
                .find(|p| p.contains(&h.dst))
                .map(|p| (n, *p))
        }) {
            self.link_address(link, Some(&p))
        } else {
            self.host.ifaces[rx.iface].source_for(&h.src)
        }
    }

    // ---- receive path -----------------------------------------------------------------------

    fn receive(&mut self, now: Instant, iface: usize, frame: &[u8]) -> Option<Received> {
        self.host.receive(now, iface, frame)
    }

    /// A frame that Host did not take: a router receives packets for the home link on its
    /// other interfaces too. Packets for a registered home address or a Home-Agents anycast
    /// address arriving on another interface are handled as if intercepted on the home link.
    fn receive_routed(&mut self, now: Instant, iface: usize, frame: &[u8]) {
        let Some(dst) = peek_ipv6_dst(frame) else {
            return;
        };
        let Some(me) = self.host.ifaces.get(iface) else {
            return;
        };
        if frame[0..6] != me.mac.0 {
            return;
        }
        let ours = self.is_anycast(&dst)
            || self
                .bindings
                .get(&dst)
                .map(|b| b.is_active() && b.iface != iface)
                .unwrap_or(false);
        if !ours {
            return;
        }
        let decoded = decode(frame, LinkType::Ethernet);
        let Some(ip) = decoded
            .packet
            .layers
            .iter()
            .position(|l| matches!(l, Layer::Ipv6(_)))
        else {
            return;
        };
        let src_mac = mip6_packets::MacAddr(frame[6..12].try_into().unwrap_or([0; 6]));
        let rx = Received {
            iface,
            frame: frame.to_vec(),
            decoded,
            ip,
            src_mac,
            proxied: true,
        };
        self.dispatch(now, rx);
    }

    fn dispatch(&mut self, now: Instant, rx: Received) {
        let dst = rx.ipv6().dst;
        if rx.proxied {
            if self.is_anycast(&dst) {
                return self.deliver_local(now, &rx, 0);
            }
            if let Some(b) = self
                .bindings
                .values()
                .find(|b| b.is_active() && b.link_local == Some(dst))
            {
                let hoa = b.hoa;
                return self.refuse_link_local(now, &rx, hoa);
            }
            if self.bindings.get(&dst).map(Bce::is_active).unwrap_or(false) {
                return self.intercept(now, &rx);
            }
            return self.discard("HA-25", format!("{dst} is no longer served"));
        }
        self.deliver_local(now, &rx, 0)
    }

    /// A packet addressed to the HA itself (or to one of its anycast or multicast groups).
    /// `depth` is 1 for a packet that came out of the reverse tunnel.
    fn deliver_local(&mut self, now: Instant, rx: &Received, depth: u8) {
        let h = rx.ipv6().clone();
        let layers = &rx.decoded.packet.layers;
        // Extension headers in order (RFC 8200 §4.1).
        let mut hao: Option<(Ipv6Addr, u8)> = None;
        let mut i = rx.ip + 1;
        while let Some(l) = layers.get(i) {
            match l {
                Layer::HopByHop(_) => {}
                Layer::DestOpts(o) => {
                    if let Some(a) = o.home_address_opt() {
                        hao = Some((a, o.next_header.unwrap_or(proto::NONE)));
                    }
                }
                Layer::Routing(r) => {
                    if r.routing_type == 2 {
                        // RFC 6275 §8.2: a node that is not a mobile node ignores type 2
                        // routing headers and silently discards the packet.
                        return self.discard("RFC 6275 §8.2", "type 2 routing header at the HA");
                    }
                    if r.segments_left > 0 {
                        // RFC 8200 §4.4: unknown routing type with segments left.
                        let pointer = (rx.ip_offset_of(i) + 2) as u32;
                        self.host.icmp_error(
                            now,
                            rx,
                            Icmpv6Msg::ParameterProblem {
                                pointer,
                                invoking: vec![],
                            },
                            param_problem::ERRONEOUS_HEADER_FIELD,
                        );
                        return self.discard("RFC 8200 §4.4", "unsupported routing header");
                    }
                }
                Layer::Fragment(_) => return self.reassemble(now, rx, i, depth),
                _ => break,
            }
            i += 1;
        }
        let upper = layers.get(i);
        // RFC 6275 §9.3.1: the Home Address option. Packets whose option is followed by ESP, AH
        // or a Mobility Header are processed normally; others need a binding whose care-of
        // address is the packet's source.
        let mut peer = h.src;
        if let Some((a, next)) = hao {
            if !is_unicast_routable(&a) {
                return self.discard("RFC 6275 §9.3.1", format!("home address option {a}"));
            }
            if !matches!(next, proto::ESP | proto::AH | proto::MOBILITY) {
                let ok = self
                    .bindings
                    .get(&a)
                    .map(|b| b.is_active() && b.coa == h.src)
                    .unwrap_or(false);
                if !ok {
                    self.send_binding_error(now, rx, 1, "RFC 6275 §9.3.1");
                    return self.discard(
                        "RFC 6275 §9.3.1",
                        format!("home address option {a} without a binding from {}", h.src),
                    );
                }
                peer = a;
            }
        }
        let multicast = h.dst.is_multicast();
        match upper {
            Some(Layer::Mobility(_)) if !multicast => self.on_mobility(now, rx),
            Some(Layer::Icmpv6(icmp)) => {
                if rx
                    .decoded
                    .violations
                    .iter()
                    .any(|v| v.rule == "icmpv6-checksum")
                {
                    return self.discard("RFC 4443 §2.3", "ICMPv6 checksum is wrong");
                }
                let icmp = icmp.clone();
                self.on_icmpv6(now, rx, &icmp, peer, depth);
            }
            Some(Layer::Ipv6(_)) if !multicast && depth == 0 => self.on_reverse_tunnel(now, rx, i),
            Some(Layer::Esp(_)) => self.discard(
                "HA-1",
                "ESP is not processed yet by the reference HA (IPsec issue pending)",
            ),
            _ if multicast => {}
            _ => self.discard("RFC 8200 §4", "no handler for this packet at the HA"),
        }
    }

    fn on_icmpv6(&mut self, now: Instant, rx: &Received, icmp: &Icmpv6, peer: Ipv6Addr, depth: u8) {
        let h = rx.ipv6().clone();
        let unicast = !h.dst.is_multicast();
        match &icmp.msg {
            Icmpv6Msg::RouterAdvertisement { .. } if depth == 0 => {
                self.on_router_advertisement(now, rx, icmp)
            }
            Icmpv6Msg::RouterSolicitation { .. } if depth == 0 => {
                self.on_router_solicitation(now, rx, icmp)
            }
            Icmpv6Msg::EchoRequest { .. } if unicast => {
                if let Some(mut layers) = self.host.echo_reply(rx, peer) {
                    if let Some(Layer::Ipv6(out)) = layers.first_mut() {
                        if !self.host.is_own(&out.src) {
                            out.src = self.reply_source(rx);
                        }
                    }
                    self.originate(now, layers);
                }
            }
            Icmpv6Msg::HaadRequest { ident, .. } if unicast => {
                self.on_haad_request(now, rx, *ident)
            }
            Icmpv6Msg::MobilePrefixSolicitation { ident, .. } if unicast => {
                self.on_mobile_prefix_solicitation(now, *ident, peer)
            }
            Icmpv6Msg::DestinationUnreachable { .. }
            | Icmpv6Msg::PacketTooBig { .. }
            | Icmpv6Msg::TimeExceeded { .. }
            | Icmpv6Msg::ParameterProblem { .. } => self.on_icmp_error(now, icmp),
            _ => {}
        }
    }

    /// Mobility Header processing (RFC 6275 §9.2, §10.2).
    fn on_mobility(&mut self, now: Instant, rx: &Received) {
        match check_mh(rx) {
            MhCheck::NotMh => {}
            MhCheck::BadChecksum => {
                // MH-1: silently discard, no Binding Error, no ICMP.
                self.discard("MH-1", "Mobility Header checksum is wrong")
            }
            MhCheck::UnknownType(t) => {
                // MH-3: discard and send Binding Error status 2.
                self.send_binding_error(now, rx, 2, "MH-3");
                self.discard("MH-3", format!("unknown MH Type {t}"));
            }
            MhCheck::ParamProblem { pointer, behaviour } => {
                // MH-4 / MH-5: Parameter Problem code 0 straight to the source.
                self.host.icmp_error(
                    now,
                    rx,
                    Icmpv6Msg::ParameterProblem {
                        pointer,
                        invoking: vec![],
                    },
                    param_problem::ERRONEOUS_HEADER_FIELD,
                );
                self.discard(behaviour, format!("Parameter Problem, pointer {pointer}"));
            }
            MhCheck::Valid(i) => {
                let Layer::Mobility(mh) = &rx.decoded.packet.layers[i] else {
                    return;
                };
                let mh = mh.clone();
                match &mh.message {
                    MhMessage::BindingUpdate(bu) => self.on_binding_update(now, rx, &mh, bu),
                    MhMessage::HomeTestInit { .. } | MhMessage::CareOfTestInit { .. } => self
                        .discard(
                            "HA-23",
                            "return routability addressed to the HA itself: it is no \
                             correspondent node",
                        ),
                    m => {
                        let name = m.name();
                        self.discard("RFC 6275 §10.2", format!("{name} is not for a home agent"))
                    }
                }
            }
        }
    }

    // ---- timers ----------------------------------------------------------------------------

    fn run_timers(&mut self, now: Instant) {
        self.host.handle_timeout(now);
        self.collect_dad(now);
        self.expire_bindings(now);
        self.send_due_nas(now);
        self.run_mpa_timers(now);
        self.run_router_advertisements(now);
        self.expire_home_agents(now);
        self.expire_reassemblies(now);
    }
}

impl Node for Ha {
    fn interfaces(&self) -> Vec<String> {
        self.host.interface_names()
    }

    fn handle(&mut self, now: Instant, iface: usize, frame: &[u8]) {
        let rx = self.receive(now, iface, frame);
        // A received NS or NA may have ended a proxy DAD: report it at once.
        self.host.handle_timeout(now);
        self.collect_dad(now);
        match rx {
            Some(rx) => self.dispatch(now, rx),
            None => self.receive_routed(now, iface, frame),
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.run_timers(now);
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.host.poll_transmit()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        let mut t = self.host.poll_timeout();
        let mut at = |d: Option<Instant>| {
            if let Some(d) = d {
                t = Some(t.map_or(d, |x| x.min(d)));
            }
        };
        for b in self.bindings.values() {
            at(Some(b.deadline()));
            at(b.mpa.next);
        }
        for j in &self.nas {
            at(Some(j.at));
        }
        for r in &self.reassemblies {
            at(Some(r.deadline));
        }
        for l in &self.links {
            if self.cfg.router_advertisements.enabled {
                at(Some(l.ra.next));
            }
            for e in &l.home_agents {
                at(e.next_deadline());
            }
        }
        t
    }

    fn poll_event(&mut self) -> Option<Event> {
        self.host.poll_event()
    }
}

/// The Home Address option of a received packet, if any.
fn home_address_option(rx: &Received) -> Option<Ipv6Addr> {
    rx.decoded.packet.layers[rx.ip + 1..]
        .iter()
        .take_while(|l| !matches!(l, Layer::Ipv6(_)))
        .find_map(|l| match l {
            Layer::DestOpts(o) => o.home_address_opt(),
            _ => None,
        })
}

/// The IPv6 destination of an Ethernet frame carrying IPv6, without decoding it.
fn peek_ipv6_dst(frame: &[u8]) -> Option<Ipv6Addr> {
    if frame.len() < 54 || u16::from_be_bytes([frame[12], frame[13]]) != ethertype::IPV6 {
        return None;
    }
    let o: [u8; 16] = frame[38..54].try_into().ok()?;
    Some(Ipv6Addr::from(o))
}
