//! The reference Correspondent Node (RFC 6275 §9): route optimisation with return
//! routability, a Binding Cache, Binding Acknowledgements and Binding Errors, and an Echo
//! responder so that route optimisation can be observed from outside.
//!
//! Every behaviour of `shared/spec/behaviours.md` sections A (MH-*) and B (CN-*) that this node
//! carries out is named in a comment where it is done and in the `behaviour` of the events it
//! emits. The IPv6 host underneath ([`Host`]) does routing, Neighbor Discovery, rate limiting
//! and ICMPv6 errors, and the §9.2 Mobility Header checks ([`check_mh`]).
//!
//! Readings of the RFC that the fact sheets state differently (the RFC wins):
//! * A nonce is accepted for `max_nonce_lifetime` after its **first use** in a Home or Care-of
//!   Test, not after it was generated (§5.2.7). The current nonce is replaced
//!   `nonce_regeneration` after its first use, so a token handed out is honoured for between
//!   MAX_TOKEN_LIFETIME and MAX_NONCE_LIFETIME (210..240 s with the defaults, §5.2.7).
//! * A Binding Refresh Request is a Mobility Header message: it is sent to the home address
//!   *without* a type 2 routing header and without using the Binding Cache (§6.1, §9.5.5:
//!   "always sent to the home address"), i.e. it reaches the mobile node through its home agent.
//! * A Binding Acknowledgement goes to the Binding Update's IPv6 Source Address, with a type 2
//!   routing header carrying the home address unless that source is the home address (§9.5.4);
//!   an Alternate Care-of Address option does not change where it goes.
//! * Status 139 is sent whatever the A bit (§9.5.1 "MUST send back"), as are 131 (§10.3.1
//!   "MUST also return") and 135/136/137/138/130 (§9.5.4).
//!
//! Time: wire values (Lifetime fields) are protocol seconds; every wait (binding expiry, nonce
//! lifetimes, Binding Refresh Request lead time) is scaled by [`Timers::time_scale`].
//!
//! IPsec seam: RFC 6275 needs IPsec only for home registrations, which a correspondent node
//! refuses (131). Packets whose Home Address option is followed by ESP or AH are exempt from
//! the binding check (§9.3.1) and then handed to the upper-layer dispatch, where an IPsec
//! implementation would decapsulate them; today they are dropped with a note.

use crate::config::{IfaceConfig, Timers};
use crate::host::{check_mh, Host, MhCheck, Received};
use crate::node::{Event, Node, Transmit};
use crate::seq::newer;
use crate::time::Instant;
use mip6_packets::icmpv6::Icmpv6Msg;
use mip6_packets::ipv6::{is_unicast_routable, Ipv6, Routing};
use mip6_packets::mh::{BindingAck, MhMessage, MhOption, Mobility, CHECKSUM_OFFSET};
use mip6_packets::packet::proto;
use mip6_packets::rr::{self, TokenKind};
use mip6_packets::Layer;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::Ipv6Addr;
use std::time::Duration;

/// Binding Acknowledgement status values a correspondent node sends (RFC 6275 §6.1.8).
pub mod status {
    pub const ACCEPTED: u8 = 0;
    pub const INSUFFICIENT_RESOURCES: u8 = 130;
    pub const HOME_REGISTRATION_NOT_SUPPORTED: u8 = 131;
    pub const SEQUENCE_OUT_OF_WINDOW: u8 = 135;
    pub const EXPIRED_HOME_NONCE: u8 = 136;
    pub const EXPIRED_CARE_OF_NONCE: u8 = 137;
    pub const EXPIRED_NONCES: u8 = 138;
    pub const REGISTRATION_TYPE_CHANGE: u8 = 139;
}

/// Binding Error status values (RFC 6275 §6.1.9).
pub mod be_status {
    /// Unknown binding for Home Address destination option.
    pub const UNKNOWN_BINDING: u8 = 1;
    /// Unrecognized MH Type value.
    pub const UNKNOWN_MH_TYPE: u8 = 2;
}

fn default_max_bindings() -> usize {
    1024
}

fn yes() -> bool {
    true
}

/// Configuration of a correspondent node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CnConfig {
    pub interfaces: Vec<IfaceConfig>,
    #[serde(default)]
    pub timers: Timers,
    /// Seeds the generator of Kcn (when not given) and of the nonces and nonce indices.
    #[serde(default)]
    pub seed: u64,
    /// The node key Kcn (RFC 6275 §5.2.1) as 40 hex digits; random from `seed` when absent.
    #[serde(default, with = "kcn_hex", skip_serializing_if = "Option::is_none")]
    pub kcn: Option<[u8; rr::KCN_LEN]>,
    /// Binding Cache size. A Binding Update that would create an entry beyond it is refused
    /// with status 130 (RFC 6275 §9.5.2, behaviour CN-20).
    #[serde(default = "default_max_bindings")]
    pub max_bindings: usize,
    /// Send a Binding Refresh Request when an entry in use nears expiry (§9.5.5, CN-26).
    #[serde(default = "yes")]
    pub binding_refresh_requests: bool,
    /// Answer ICMPv6 Echo Requests (so route optimisation can be observed).
    #[serde(default = "yes")]
    pub echo_responder: bool,
}

impl CnConfig {
    /// A configuration with RFC defaults for everything but the interfaces.
    pub fn new(interfaces: Vec<IfaceConfig>) -> Self {
        CnConfig {
            interfaces,
            timers: Timers::default(),
            seed: 0,
            kcn: None,
            max_bindings: default_max_bindings(),
            binding_refresh_requests: true,
            echo_responder: true,
        }
    }
}

/// serde adapter: `Option<[u8; 20]>` as hex.
mod kcn_hex {
    use mip6_packets::rr::KCN_LEN;
    use mip6_packets::util::{from_hex, to_hex};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<[u8; KCN_LEN]>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(k) => s.serialize_some(&to_hex(k)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<[u8; KCN_LEN]>, D::Error> {
        let Some(s) = Option::<String>::deserialize(d)? else {
            return Ok(None);
        };
        let b = from_hex(&s).map_err(serde::de::Error::custom)?;
        let n = b.len();
        b.try_into().map(Some).map_err(|_| {
            serde::de::Error::custom(format!(
                "kcn must be {KCN_LEN} bytes ({} hex digits), got {n} bytes",
                KCN_LEN * 2
            ))
        })
    }
}

/// A nonce (RFC 6275 §5.2.2).
#[derive(Debug, Clone)]
struct Nonce {
    index: u16,
    value: [u8; 8],
    /// When it was first used in a Home or Care-of Test (§5.2.7); `None` while unused.
    first_use: Option<Instant>,
}

/// The nonces the node keeps: the current one (last) and the previous ones still valid.
#[derive(Debug, Clone)]
struct Nonces {
    list: Vec<Nonce>,
    next_index: u16,
}

impl Nonces {
    /// How long after its first use the current nonce is still handed out.
    fn retire_after(t: &Timers) -> Duration {
        t.scaled(t.nonce_regeneration.min(t.max_nonce_lifetime))
    }

    fn lifetime(t: &Timers) -> Duration {
        t.scaled(t.max_nonce_lifetime)
    }

    fn generate(&mut self, rng: &mut ChaCha8Rng) {
        // A new nonce gets a new index (§5.2.2); skip any index still in the list.
        let mut index = self.next_index;
        while self.list.iter().any(|n| n.index == index) {
            index = index.wrapping_add(1);
        }
        self.next_index = index.wrapping_add(1);
        self.list.push(Nonce {
            index,
            value: rng.next_u64().to_be_bytes(),
            first_use: None,
        });
    }

    /// The nonce to put in a Home or Care-of Test now, marking its first use (§9.4.1: the node
    /// MUST have a nonce, producing one if it has none yet).
    fn issue(&mut self, now: Instant, t: &Timers, rng: &mut ChaCha8Rng) -> (u16, [u8; 8]) {
        self.run(now, t, rng);
        if self.list.is_empty() {
            self.generate(rng);
        }
        let cur = self.list.last_mut().expect("a current nonce exists");
        cur.first_use.get_or_insert(now);
        (cur.index, cur.value)
    }

    /// The nonce with this index, if it is still recognised at `now`: known, and not more than
    /// MAX_NONCE_LIFETIME past its first use (§5.2.7).
    fn valid(&self, index: u16, now: Instant, t: &Timers) -> Option<&Nonce> {
        let life = Self::lifetime(t);
        self.list
            .iter()
            .find(|n| n.index == index)
            .filter(|n| n.first_use.is_none_or(|f| now < f + life))
    }

    /// When the nonce with this index stops being accepted.
    fn expiry(&self, index: u16, now: Instant, t: &Timers) -> Instant {
        let life = Self::lifetime(t);
        self.list
            .iter()
            .find(|n| n.index == index)
            .map(|n| n.first_use.unwrap_or(now) + life)
            .unwrap_or(now)
    }

    /// Regenerates the current nonce when due and discards expired ones (§5.2.2 "Expired values
    /// MUST be discarded"; a previous nonce never used cannot be in any token and goes too).
    fn run(&mut self, now: Instant, t: &Timers, rng: &mut ChaCha8Rng) {
        let retire = Self::retire_after(t);
        if let Some(f) = self.list.last().and_then(|c| c.first_use) {
            if now >= f + retire {
                self.generate(rng);
            }
        }
        let life = Self::lifetime(t);
        let last = self.list.len().saturating_sub(1);
        let mut i = 0;
        self.list.retain(|n| {
            let keep = i == last || n.first_use.is_some_and(|f| now < f + life);
            i += 1;
            keep
        });
    }

    fn next_deadline(&self, t: &Timers) -> Option<Instant> {
        let life = Self::lifetime(t);
        let retire = Self::retire_after(t);
        let last = self.list.len().saturating_sub(1);
        self.list
            .iter()
            .enumerate()
            .filter_map(|(i, n)| {
                let f = n.first_use?;
                Some(if i == last { f + retire } else { f + life })
            })
            .min()
    }
}

/// The Binding Refresh Request state of an entry (§9.5.5, CN-26).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Brr {
    /// Check at `brr_at` whether the entry is in use.
    Pending,
    /// It was not in use at `brr_at`: send one when it is used before expiry.
    Waiting,
    /// Sent (or not applicable) for this registration.
    Done,
}

/// A Binding Update the node accepted: remembered while its nonces are valid so it cannot be
/// replayed once the binding is gone (§5.2.8, §9.5.3, §9.6).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Authorised {
    coa: Ipv6Addr,
    home_index: u16,
    care_of_index: u16,
    seq: u16,
    /// When the first of its two nonces expires.
    until: Instant,
}

/// A Binding Cache entry (RFC 6275 §9.1). A correspondent node never holds home registrations.
#[derive(Debug, Clone)]
struct Bce {
    coa: Ipv6Addr,
    /// The Sequence Number of the last accepted Binding Update.
    seq: u16,
    /// Granted lifetime, 4-second units as on the wire.
    lifetime: u16,
    expires: Instant,
    brr_at: Instant,
    brr: Brr,
    /// Last time the entry was used for route optimisation: a packet sent with a type 2 routing
    /// header or received with a Home Address option.
    last_used: Option<Instant>,
    authorised: Vec<Authorised>,
}

/// A Binding Cache entry as seen from outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingInfo {
    /// The node's own address the binding was made with (one cache per address, §9.1).
    pub local: Ipv6Addr,
    pub home_address: Ipv6Addr,
    pub care_of_address: Ipv6Addr,
    pub seq: u16,
    /// Granted lifetime in 4-second units.
    pub lifetime: u16,
    pub expires: Instant,
}

/// Where a Binding Acknowledgement goes and how it is authenticated.
#[derive(Debug, Clone, Copy)]
struct Reply {
    local: Ipv6Addr,
    /// The Binding Update's IPv6 Source Address.
    to: Ipv6Addr,
    hoa: Ipv6Addr,
    /// The care-of address in the authenticator: the home address for a de-registration.
    auth_coa: Ipv6Addr,
}

/// The reference Correspondent Node.
#[derive(Debug)]
pub struct Cn {
    host: Host,
    rng: ChaCha8Rng,
    kcn: [u8; rr::KCN_LEN],
    nonces: Nonces,
    /// Keyed by (own address, home address).
    bindings: BTreeMap<(Ipv6Addr, Ipv6Addr), Bce>,
    /// Accepted Binding Updates of deleted entries: (own address, home address, update).
    replays: Vec<(Ipv6Addr, Ipv6Addr, Authorised)>,
    max_bindings: usize,
    brr_enabled: bool,
    echo_responder: bool,
}

impl Cn {
    pub fn new(cfg: CnConfig) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        // §5.2.1: Kcn MUST be a random number, 20 octets in length.
        let kcn = cfg.kcn.unwrap_or_else(|| {
            let mut k = [0u8; rr::KCN_LEN];
            rng.fill_bytes(&mut k);
            k
        });
        let next_index = rng.next_u32() as u16;
        Cn {
            host: Host::new(&cfg.interfaces, cfg.timers, false),
            rng,
            kcn,
            nonces: Nonces {
                list: Vec::new(),
                next_index,
            },
            bindings: BTreeMap::new(),
            replays: Vec::new(),
            max_bindings: cfg.max_bindings,
            brr_enabled: cfg.binding_refresh_requests,
            echo_responder: cfg.echo_responder,
        }
    }

    pub fn host(&self) -> &Host {
        &self.host
    }

    pub fn host_mut(&mut self) -> &mut Host {
        &mut self.host
    }

    /// The node key.
    pub fn kcn(&self) -> [u8; rr::KCN_LEN] {
        self.kcn
    }

    /// The value of the nonce with this index, if the node still keeps it (for inspection).
    pub fn nonce(&self, index: u16) -> Option<[u8; 8]> {
        self.nonces
            .list
            .iter()
            .find(|n| n.index == index)
            .map(|n| n.value)
    }

    /// The Binding Cache, ordered by (own address, home address).
    pub fn bindings(&self) -> Vec<BindingInfo> {
        self.bindings
            .iter()
            .map(|(&(local, home_address), b)| BindingInfo {
                local,
                home_address,
                care_of_address: b.coa,
                seq: b.seq,
                lifetime: b.lifetime,
                expires: b.expires,
            })
            .collect()
    }

    fn timers(&self) -> &Timers {
        &self.host.timers
    }

    fn discard(&mut self, behaviour: &'static str, reason: impl Into<String>) {
        self.host.events.push_back(Event::Discarded {
            behaviour,
            reason: reason.into(),
        });
    }

    fn note(&mut self, behaviour: &'static str, text: impl Into<String>) {
        self.host.events.push_back(Event::Note {
            behaviour,
            text: text.into(),
        });
    }

    // ---- timers ---------------------------------------------------------------------------

    /// Runs the node's own timers: nonce regeneration and expiry, binding expiry (CN-27) and
    /// Binding Refresh Requests (CN-26).
    fn run_timers(&mut self, now: Instant) {
        let t = self.host.timers.clone();
        self.nonces.run(now, &t, &mut self.rng);
        self.replays.retain(|(_, _, a)| a.until > now);

        // CN-27: an entry MUST be deleted when its lifetime expires (§9.5.2, §9.6).
        let expired: Vec<_> = self
            .bindings
            .iter()
            .filter(|(_, b)| b.expires <= now)
            .map(|(k, _)| *k)
            .collect();
        for key in expired {
            self.delete_binding(now, key, "CN-27: lifetime expired");
        }

        // CN-26: near expiry, an entry in active use gets a Binding Refresh Request.
        let lead = t.scaled(t.brr_lead_time);
        let due: Vec<_> = self
            .bindings
            .iter()
            .filter(|(_, b)| b.brr == Brr::Pending && b.brr_at <= now)
            .map(|(k, b)| {
                (
                    *k,
                    b.last_used.is_some_and(|u| now.saturating_since(u) < lead),
                )
            })
            .collect();
        for (key, active) in due {
            if active && self.brr_enabled {
                self.send_brr(now, key);
            } else if let Some(b) = self.bindings.get_mut(&key) {
                b.brr = Brr::Waiting;
            }
        }
    }

    fn delete_binding(&mut self, now: Instant, key: (Ipv6Addr, Ipv6Addr), reason: &'static str) {
        if let Some(b) = self.bindings.remove(&key) {
            // §9.6 / §5.2.8: deleting an entry must not let its Binding Updates be replayed
            // while their nonces are valid.
            self.replays.extend(
                b.authorised
                    .into_iter()
                    .filter(|a| a.until > now)
                    .map(|a| (key.0, key.1, a)),
            );
            self.host.events.push_back(Event::BindingDeleted {
                home_address: key.1,
                reason,
            });
        }
    }

    /// CN-26: one Binding Refresh Request to the home address. It is a Mobility Header
    /// message, so no type 2 routing header and no Binding Cache use (§6.1, §9.5.5, MH-10/11).
    fn send_brr(&mut self, now: Instant, key: (Ipv6Addr, Ipv6Addr)) {
        let Some(b) = self.bindings.get_mut(&key) else {
            return;
        };
        b.brr = Brr::Done;
        let (local, hoa) = key;
        self.host.send(
            now,
            vec![
                Layer::Ipv6(Ipv6::new(local, hoa)),
                Layer::Mobility(Mobility::new(
                    MhMessage::BindingRefreshRequest { reserved: 0 },
                    vec![],
                )),
            ],
        );
        self.note(
            "CN-26",
            format!("Binding Refresh Request sent to {hoa} (entry in use, near expiry)"),
        );
    }

    /// Records route-optimisation use of an entry; in the refresh window this sends the
    /// Binding Refresh Request that was waiting for the entry to be in use (CN-26).
    fn touch(&mut self, now: Instant, key: (Ipv6Addr, Ipv6Addr)) {
        let Some(b) = self.bindings.get_mut(&key) else {
            return;
        };
        b.last_used = Some(now);
        let in_window = now >= b.brr_at && now < b.expires;
        if self.brr_enabled && b.brr != Brr::Done && in_window {
            self.send_brr(now, key);
        }
    }

    // ---- receive --------------------------------------------------------------------------

    fn process(&mut self, now: Instant, rx: Received) {
        let h = rx.ipv6().clone();
        let upper = rx.ip + 1 + rx.upper().iter().take_while(|l| is_ext(l)).count();

        // The Home Address option of the outer packet (it sits after any routing header).
        let hao = rx.decoded.packet.layers[rx.ip + 1..upper]
            .iter()
            .find_map(|l| match l {
                Layer::DestOpts(o) => o
                    .home_address_opt()
                    .map(|a| (a, o.next_header.unwrap_or(proto::NONE))),
                _ => None,
            });
        let mut from = h.src;
        if let Some((hoa, next)) = hao {
            // CN-1: a Home Address option with a home address that is not unicast routable
            // MUST be dropped (§9.3.1).
            if !is_unicast_routable(&hoa) {
                self.discard(
                    "CN-1",
                    format!("Home Address option {hoa} is not a unicast routable address"),
                );
                return;
            }
            // CN-1: unless an ESP, AH or Mobility Header follows, the packet needs a Binding
            // Cache entry for the home address whose care-of address is the source (§9.3.1).
            if !matches!(next, proto::ESP | proto::AH | proto::MOBILITY) {
                let key = (h.dst, hoa);
                let matches = self.bindings.get(&key).is_some_and(|b| b.coa == h.src);
                if !matches {
                    self.discard(
                        "CN-1",
                        format!("Home Address option {hoa} from {} has no binding", h.src),
                    );
                    self.binding_error(now, &rx, be_status::UNKNOWN_BINDING, hoa, "CN-1");
                    return;
                }
                // CN-2: processed as if it came from the home address.
                self.touch(now, key);
            }
            from = hoa;
        }

        match rx.decoded.packet.layers.get(upper) {
            Some(Layer::Mobility(_)) => self.mobility(now, &rx, hao.map(|(a, _)| a)),
            _ => self.upper_layer(now, &rx, upper, from),
        }
    }

    /// A packet with a Mobility Header: the §9.2 checks, then the message.
    fn mobility(&mut self, now: Instant, rx: &Received, hao: Option<Ipv6Addr>) {
        let i = match check_mh(rx) {
            MhCheck::Valid(i) => i,
            MhCheck::NotMh => return,
            // MH-1 (and MH-2, in the pseudo-header the codec uses): silently discard.
            MhCheck::BadChecksum => {
                self.discard("MH-1", "Mobility Header checksum is wrong");
                return;
            }
            // MH-3: unknown MH Type: discard, Binding Error status 2 (§9.2, §9.3.3).
            MhCheck::UnknownType(t) => {
                self.discard("MH-3", format!("unknown MH Type {t}"));
                let home = hao.unwrap_or(Ipv6Addr::UNSPECIFIED);
                self.binding_error(now, rx, be_status::UNKNOWN_MH_TYPE, home, "MH-3");
                return;
            }
            // MH-4 / MH-5: Parameter Problem code 0 straight to the source (§9.2).
            MhCheck::ParamProblem { pointer, behaviour } => {
                self.discard(
                    behaviour,
                    format!("Mobility Header field at offset {pointer} is invalid"),
                );
                self.host.icmp_error(
                    now,
                    rx,
                    Icmpv6Msg::ParameterProblem {
                        pointer,
                        invoking: Vec::new(),
                    },
                    0,
                );
                return;
            }
        };
        let Layer::Mobility(m) = &rx.decoded.packet.layers[i] else {
            return;
        };
        // MH-7: reserved fields are not looked at; MH-8: options the node does not use are
        // skipped (the codec decoded them by their length).
        match &m.message {
            MhMessage::HomeTestInit { cookie, .. } => {
                let cookie = *cookie;
                self.test_init(now, rx, hao, cookie, TokenKind::Home)
            }
            MhMessage::CareOfTestInit { cookie, .. } => {
                let cookie = *cookie;
                self.test_init(now, rx, hao, cookie, TokenKind::CareOf)
            }
            MhMessage::BindingUpdate(_) => self.binding_update(now, rx, i, hao),
            other => {
                let name = other.name();
                self.discard(
                    "RFC 6275 §9.5",
                    format!("{name}: a known MH Type a correspondent node does not process"),
                );
            }
        }
    }

    /// CN-4 / CN-5 / CN-6: a Home or Care-of Test Init gets its Test message; nothing about the
    /// mobile node is kept (§9.4).
    fn test_init(
        &mut self,
        now: Instant,
        rx: &Received,
        hao: Option<Ipv6Addr>,
        cookie: [u8; 8],
        kind: TokenKind,
    ) {
        let (behaviour, name) = match kind {
            TokenKind::Home => ("CN-4", "Home Test Init"),
            TokenKind::CareOf => ("CN-5", "Care-of Test Init"),
        };
        let h = rx.ipv6();
        let (src, local) = (h.src, h.dst);
        // §9.4.1 / §9.4.2: a Test Init with a Home Address option MUST be silently ignored.
        if hao.is_some() {
            self.discard(behaviour, format!("{name} with a Home Address option"));
            return;
        }
        if src.is_unspecified() || src.is_multicast() || local.is_multicast() {
            self.discard(
                behaviour,
                format!("{name} from {src} to {local}: no unicast pair to answer"),
            );
            return;
        }
        let t = self.host.timers.clone();
        let (index, nonce) = self.nonces.issue(now, &t, &mut self.rng);
        // §5.2.5: token = First(64, HMAC_SHA1(Kcn, address | nonce | 0 or 1)); the address is
        // the Test Init's source (the home address, or the care-of address).
        let token = rr::keygen_token(&self.kcn, &src, &nonce, kind);
        let message = match kind {
            TokenKind::Home => MhMessage::HomeTest {
                nonce_index: index,
                cookie,
                token,
            },
            TokenKind::CareOf => MhMessage::CareOfTest {
                nonce_index: index,
                cookie,
                token,
            },
        };
        // CN-7 / MH-10 / MH-11: straight to the source, no routing header, no Binding Cache.
        self.host.send(
            now,
            vec![
                Layer::Ipv6(Ipv6::new(local, src)),
                Layer::Mobility(Mobility::new(message, vec![])),
            ],
        );
        self.note(
            behaviour,
            format!("{name} from {src}: answered with nonce index {index}"),
        );
    }

    /// CN-8 .. CN-25: a Binding Update (§9.5).
    fn binding_update(&mut self, now: Instant, rx: &Received, mi: usize, hao: Option<Ipv6Addr>) {
        let h = rx.ipv6();
        let (src, local) = (h.src, h.dst);
        let Layer::Mobility(m) = &rx.decoded.packet.layers[mi] else {
            return;
        };
        let MhMessage::BindingUpdate(bu) = &m.message else {
            return;
        };
        let bu = bu.clone();
        // CN-21 (§9.5.4): a source that is not unicast: no BA, silently discard.
        if src.is_unspecified() || src.is_multicast() {
            self.discard("CN-21", format!("Binding Update from non-unicast {src}"));
            return;
        }
        if local.is_multicast() || !self.host.is_own(&local) {
            self.discard(
                "CN-21",
                format!("Binding Update to {local}, not a unicast address of this node"),
            );
            return;
        }
        // §9.5.1: the home address (HAO, else source) MUST be unicast routable.
        let hoa = hao.unwrap_or(src);
        if !is_unicast_routable(&hoa) {
            self.discard(
                "CN-21",
                format!("home address {hoa} is not unicast routable (§9.5.1)"),
            );
            return;
        }
        // CN-17: the care-of address (Alternate Care-of Address option, else source) MUST be
        // unicast routable, or the Binding Update is silently discarded (§6.1.7).
        let coa = m
            .option(|o| match o {
                MhOption::AlternateCareOfAddress(a) => Some(*a),
                _ => None,
            })
            .unwrap_or(src);
        if !is_unicast_routable(&coa) {
            self.discard(
                "CN-17",
                format!("care-of address {coa} is not unicast routable"),
            );
            return;
        }
        // CN-19: Lifetime 0, or a care-of address equal to the home address, asks for deletion
        // (§9.5.1, §11.7.2); the authenticator then uses the home address (§6.2.7).
        let dereg = bu.lifetime == 0 || coa == hoa;
        let reply = Reply {
            local,
            to: src,
            hoa,
            auth_coa: if dereg { hoa } else { coa },
        };
        let key = (local, hoa);
        let indices = m.option(|o| match o {
            MhOption::NonceIndices { home, care_of } => Some((*home, *care_of)),
            _ => None,
        });

        if bu.h {
            // §9.5.1: with H set the Nonce Indices option MUST NOT be present.
            if indices.is_some() {
                self.discard("CN-15", "home registration with a Nonce Indices option");
                return;
            }
            // CN-16: an entry exists (a correspondent registration: a CN has no other kind)
            // and its home registration flag differs from H: 139, entry unchanged (§9.5.1).
            if self.bindings.contains_key(&key) {
                self.send_ba(
                    now,
                    reply,
                    status::REGISTRATION_TYPE_CHANGE,
                    bu.seq,
                    0,
                    None,
                );
                return;
            }
            // CN-15: not a home agent: 131 (§10.3.1 "MUST also return a BA"). No Kbm exists
            // for an unauthorised home registration, so no Binding Authorization Data.
            self.send_ba(
                now,
                reply,
                status::HOME_REGISTRATION_NOT_SUPPORTED,
                bu.seq,
                0,
                None,
            );
            return;
        }

        // CN-9: a Nonce Indices option and a Binding Authorization Data option that is the last
        // option, without trailing padding, MUST be present (§9.5.1).
        let Some((home_index, care_of_index)) = indices else {
            self.discard("CN-9", "Binding Update without a Nonce Indices option");
            return;
        };
        let auth_len = match m.options.last() {
            Some(MhOption::BindingAuthorizationData(a)) => a.len(),
            _ => {
                self.discard(
                    "CN-9",
                    "Binding Authorization Data missing, not last, or followed by padding",
                );
                return;
            }
        };

        // CN-11 / CN-12: the nonce indices must still be recognised; the care-of index is not
        // inspected for a de-registration (§9.5.1). The authenticator cannot be checked
        // without the nonces, so this comes first, and the BA carries no BAD (§9.5.4).
        let t = self.host.timers.clone();
        let home_nonce = self.nonces.valid(home_index, now, &t).map(|n| n.value);
        let care_of_nonce = if dereg {
            None
        } else {
            self.nonces.valid(care_of_index, now, &t).map(|n| n.value)
        };
        let expired = match (home_nonce.is_some(), dereg || care_of_nonce.is_some()) {
            (true, true) => None,
            (false, true) => Some(status::EXPIRED_HOME_NONCE),
            (true, false) => Some(status::EXPIRED_CARE_OF_NONCE),
            (false, false) => Some(status::EXPIRED_NONCES),
        };
        if let Some(st) = expired {
            self.send_ba(now, reply, st, bu.seq, 0, None);
            return;
        }
        let home_nonce = home_nonce.expect("checked above");

        // CN-10: recompute the tokens and Kbm and verify the authenticator (§5.2.6, §9.5.1).
        let home_token = rr::keygen_token(&self.kcn, &hoa, &home_nonce, TokenKind::Home);
        let kbm = match care_of_nonce {
            Some(n) => {
                let care_of_token = rr::keygen_token(&self.kcn, &coa, &n, TokenKind::CareOf);
                rr::kbm(&home_token, Some(&care_of_token))
            }
            None => rr::kbm(&home_token, None),
        };
        if !authenticator_ok(rx, mi, auth_len, &kbm, reply.auth_coa, local) {
            self.discard("CN-10", "Binding Authorization Data authenticator is wrong");
            return;
        }

        // §9.5.3 / §5.2.8: an accepted update of a deleted entry, replayed while its nonces
        // are valid, is illegal.
        let replayed = self.replays.iter().any(|(l, hh, a)| {
            *l == local
                && *hh == hoa
                && a.coa == coa
                && a.home_index == home_index
                && a.care_of_index == care_of_index
                && a.seq == bu.seq
                && a.until > now
        });
        if replayed {
            self.discard(
                "CN-19",
                "replay of a Binding Update for a deleted binding whose nonces are still valid (§9.5.3)",
            );
            return;
        }

        // CN-13 / CN-14: with an entry, the sequence number must be newer (mod 2^16); 135
        // carries the last accepted one. Without an entry any value is accepted.
        if let Some(b) = self.bindings.get(&key) {
            if !newer(bu.seq, b.seq) {
                let last = b.seq;
                self.send_ba(
                    now,
                    reply,
                    status::SEQUENCE_OUT_OF_WINDOW,
                    last,
                    0,
                    Some(kbm),
                );
                return;
            }
        }

        if dereg {
            // CN-19: delete any entry, never create one (§9.5.3).
            self.delete_binding(now, key, "CN-19: de-registration");
            // CN-22: an accepted update is acknowledged only when A is set.
            if bu.a {
                self.send_ba(now, reply, status::ACCEPTED, bu.seq, 0, Some(kbm));
            }
            return;
        }

        // CN-20: no room for a new entry: 130, sent whatever A (§9.5.2, §9.5.4).
        if !self.bindings.contains_key(&key) && self.bindings.len() >= self.max_bindings {
            self.send_ba(
                now,
                reply,
                status::INSUFFICIENT_RESOURCES,
                bu.seq,
                0,
                Some(kbm),
            );
            return;
        }

        // CN-18: create or update; lifetime ≤ requested and ≤ MAX_RR_BINDING_LIFETIME (§5.2.6,
        // §9.5.2). The wire value is in protocol seconds; the timer is scaled.
        let max_units = (t.max_rr_binding_lifetime.as_secs() / 4).min(u64::from(u16::MAX)) as u16;
        let granted = bu.lifetime.min(max_units);
        let life = t.scaled(Duration::from_secs(u64::from(granted) * 4));
        let lead = t.scaled(t.brr_lead_time);
        let expires = now + life;
        // A Binding Refresh Request only makes sense for an entry that lives longer than the
        // refresh lead time; shorter ones are "near expiry" from the start.
        let (brr_at, brr) = if life > lead {
            (expires - lead, Brr::Pending)
        } else {
            (expires, Brr::Done)
        };
        let until = self
            .nonces
            .expiry(home_index, now, &t)
            .min(self.nonces.expiry(care_of_index, now, &t));
        let entry = self.bindings.entry(key).or_insert_with(|| Bce {
            coa,
            seq: bu.seq,
            lifetime: granted,
            expires,
            brr_at,
            brr,
            last_used: None,
            authorised: Vec::new(),
        });
        entry.coa = coa;
        entry.seq = bu.seq;
        entry.lifetime = granted;
        entry.expires = expires;
        entry.brr_at = brr_at;
        entry.brr = brr;
        entry.authorised.retain(|a| a.until > now);
        entry.authorised.push(Authorised {
            coa,
            home_index,
            care_of_index,
            seq: bu.seq,
            until,
        });
        self.host.events.push_back(Event::BindingUpdated {
            home_address: hoa,
            care_of_address: coa,
            lifetime_secs: u32::from(granted) * 4,
            home_registration: false,
        });
        // CN-22: A=1 ⇒ BA MUST be sent; A=0 ⇒ SHOULD NOT for an accepted update.
        if bu.a {
            self.send_ba(now, reply, status::ACCEPTED, bu.seq, granted, Some(kbm));
        }
    }

    /// CN-23..CN-25: a Binding Acknowledgement. Sequence # as given (the BU's, or the last
    /// accepted one for 135); K = 0 (§6.1.8); Binding Authorization Data with Kbm when `kbm`
    /// is given (all statuses but 136/137/138, §9.5.4); sent to the BU's source, with a type 2
    /// routing header carrying the home address unless that source is the home address.
    fn send_ba(
        &mut self,
        now: Instant,
        r: Reply,
        st: u8,
        seq: u16,
        lifetime: u16,
        kbm: Option<[u8; 20]>,
    ) {
        let mut mh = Mobility::new(
            MhMessage::BindingAck(BindingAck {
                status: st,
                seq,
                lifetime,
                ..BindingAck::default()
            }),
            vec![],
        );
        if let Some(k) = kbm {
            mh.authenticate(&k, r.auth_coa, r.local);
        }
        let mut layers = vec![Layer::Ipv6(Ipv6::new(r.local, r.to))];
        if r.to != r.hoa {
            layers.push(Layer::Routing(Routing::type2(r.hoa)));
        }
        layers.push(Layer::Mobility(mh));
        self.host.send(now, layers);
        self.host.events.push_back(Event::BindingAckSent {
            home_address: r.hoa,
            status: st,
        });
    }

    /// MH-12 / MH-13: a Binding Error straight to the offending packet's source (the wire
    /// value), never to a non-unicast source, rate-limited like ICMPv6 errors (§9.3.3).
    fn binding_error(
        &mut self,
        now: Instant,
        rx: &Received,
        st: u8,
        home_address: Ipv6Addr,
        behaviour: &'static str,
    ) {
        let h = rx.ipv6();
        let (src, dst) = (h.src, h.dst);
        if src.is_unspecified() || src.is_multicast() {
            self.note(
                "MH-13",
                format!("no Binding Error ({behaviour}): source {src} is not unicast"),
            );
            return;
        }
        if !self.host.error_allowed(now) {
            self.note("MH-12", format!("Binding Error ({behaviour}) rate-limited"));
            return;
        }
        let local = if self.host.is_own(&dst) && !dst.is_multicast() {
            dst
        } else {
            self.host.ifaces[rx.iface].source_for(&src)
        };
        self.host.send(
            now,
            vec![
                Layer::Ipv6(Ipv6::new(local, src)),
                Layer::Mobility(Mobility::new(
                    MhMessage::BindingError {
                        status: st,
                        reserved: 0,
                        home_address,
                    },
                    vec![],
                )),
            ],
        );
        self.host.events.push_back(Event::BindingErrorSent {
            to: src,
            status: st,
        });
    }

    /// Everything that is not a Mobility Header, `from` being the source after the Home
    /// Address option swap (CN-2).
    fn upper_layer(&mut self, now: Instant, rx: &Received, upper: usize, from: Ipv6Addr) {
        match rx.decoded.packet.layers.get(upper) {
            Some(Layer::Icmpv6(icmp)) if matches!(icmp.msg, Icmpv6Msg::EchoRequest { .. }) => {
                if rx
                    .decoded
                    .violations
                    .iter()
                    .any(|v| v.rule == "icmpv6-checksum")
                {
                    self.discard("RFC 4443 §2.3", "Echo Request with a bad checksum");
                    return;
                }
                if !self.echo_responder {
                    return;
                }
                if let Some(layers) = self.host.echo_reply(rx, from) {
                    self.send_data(now, layers);
                }
            }
            Some(Layer::Esp(_)) => self.note(
                "CN-1",
                "ESP payload: IPsec is not implemented by the reference CN; dropped",
            ),
            other => {
                let what = other.map(Layer::name).unwrap_or("nothing");
                self.note(
                    "upper-layer",
                    format!("no upper-layer handler for {what}; dropped"),
                );
            }
        }
    }

    /// CN-3: sends a packet the node originates (not a Mobility Header or ND message), routing
    /// it by way of the care-of address with a type 2 routing header when the destination has
    /// a Binding Cache entry (§9.3.2).
    fn send_data(&mut self, now: Instant, mut layers: Vec<Layer>) {
        let Some(Layer::Ipv6(ip)) = layers.first_mut() else {
            return;
        };
        let key = (ip.src, ip.dst);
        if let Some(b) = self.bindings.get(&key) {
            let hoa = ip.dst;
            ip.dst = b.coa;
            layers.insert(1, Layer::Routing(Routing::type2(hoa)));
            self.touch(now, key);
        }
        self.host.send(now, layers);
    }
}

/// An IPv6 extension header that comes before the upper layer.
fn is_ext(l: &Layer) -> bool {
    matches!(
        l,
        Layer::HopByHop(_) | Layer::DestOpts(_) | Layer::Routing(_) | Layer::Fragment(_)
    )
}

/// CN-10: checks the Binding Authorization Data of the Mobility Header at layer `mi` on the
/// received bytes (§6.2.7): the header with a zero Checksum, up to the option's Length byte.
fn authenticator_ok(
    rx: &Received,
    mi: usize,
    auth_len: usize,
    kbm: &[u8; 20],
    care_of: Ipv6Addr,
    correspondent: Ipv6Addr,
) -> bool {
    let Layer::Mobility(m) = &rx.decoded.packet.layers[mi] else {
        return false;
    };
    let start = rx.decoded.offsets[mi];
    let len = (usize::from(m.header_len.unwrap_or(0)) + 1) * 8;
    let Some(bytes) = rx.frame.get(start..start + len) else {
        return false;
    };
    // The option is last with no trailing padding: the authenticator ends the header.
    let Some(data_len) = len.checked_sub(auth_len) else {
        return false;
    };
    let mut data = bytes[..data_len].to_vec();
    data[CHECKSUM_OFFSET] = 0;
    data[CHECKSUM_OFFSET + 1] = 0;
    let expected = rr::authenticator(kbm, &care_of, &correspondent, &data);
    bytes[data_len..] == expected[..]
}

impl Node for Cn {
    fn interfaces(&self) -> Vec<String> {
        self.host.interface_names()
    }

    fn handle(&mut self, now: Instant, iface: usize, frame: &[u8]) {
        // Timers that fell due before this frame run first (a driver may not have called
        // handle_timeout exactly at the deadline).
        self.run_timers(now);
        if let Some(rx) = self.host.receive(now, iface, frame) {
            self.process(now, rx);
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.host.handle_timeout(now);
        self.run_timers(now);
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.host.poll_transmit()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        let t = self.timers();
        let nonces = self.nonces.next_deadline(t);
        let bindings = self.bindings.values().flat_map(|b| {
            let brr = (self.brr_enabled && b.brr == Brr::Pending).then_some(b.brr_at);
            [Some(b.expires), brr]
        });
        [self.host.poll_timeout(), nonces]
            .into_iter()
            .chain(bindings)
            .flatten()
            .min()
    }

    fn poll_event(&mut self) -> Option<Event> {
        self.host.poll_event()
    }
}

#[cfg(test)]
mod tests;
