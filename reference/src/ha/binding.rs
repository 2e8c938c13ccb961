//! Binding Updates at the home agent: validation (RFC 6275 §9.5.1), home registration
//! (§10.3.1) with proxy Duplicate Address Detection, de-registration (§10.3.2), Binding
//! Acknowledgements, the Binding Cache's lifetimes, and the unsolicited Neighbor
//! Advertisements that start interception (§10.4.1).

use super::discovery::MpaState;
use super::{home_address_option, is_reserved_anycast, link_local_of, Ha};
use crate::host::Received;
use crate::node::Event;
use crate::seq;
use crate::time::Instant;
use mip6_packets::ipv6::{is_unicast_routable, Ipv6, Routing};
use mip6_packets::mh::{BindingAck, BindingUpdate, MhMessage, MhOption, Mobility};
use mip6_packets::{Layer, MacAddr};
use std::net::Ipv6Addr;

/// Whether a Binding Cache entry is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BceState {
    Active,
    /// De-registered: interception has stopped, the entry only remembers the sequence number
    /// until `until` (MAX_DELETE_BCE_TIMEOUT, RFC 6275 §10.3.2).
    Deleted {
        until: Instant,
    },
}

/// A Binding Cache entry. Every entry of this HA is a home registration.
#[derive(Debug, Clone)]
pub(super) struct Bce {
    pub hoa: Ipv6Addr,
    pub coa: Ipv6Addr,
    /// Index of the home link.
    pub link: usize,
    /// The home link's interface.
    pub iface: usize,
    /// The HA address the mobile node registered with (the BU's destination).
    pub ha_addr: Ipv6Addr,
    /// Last accepted Sequence Number.
    pub seq: u16,
    /// Granted lifetime, seconds (a multiple of 4).
    pub lifetime: u32,
    pub expires: Instant,
    /// The mobile node's link-local address, defended when the BU had L=1.
    pub link_local: Option<Ipv6Addr>,
    pub state: BceState,
    /// Mobile Prefix Advertisement state for this mobile node.
    pub mpa: MpaState,
}

impl Bce {
    pub fn is_active(&self) -> bool {
        self.state == BceState::Active
    }

    /// When the entry next needs attention: expiry, or the end of the invalid period.
    pub fn deadline(&self) -> Instant {
        match self.state {
            BceState::Active => self.expires,
            BceState::Deleted { until } => until,
        }
    }
}

/// What the HA keeps of a Binding Update to answer it.
#[derive(Debug, Clone)]
pub(super) struct BuCtx {
    /// Interface the BU arrived on.
    pub iface: usize,
    pub src: Ipv6Addr,
    pub dst: Ipv6Addr,
    pub src_mac: MacAddr,
    /// The Home Address option, if the packet had one.
    pub hao: Option<Ipv6Addr>,
    pub hoa: Ipv6Addr,
    pub coa: Ipv6Addr,
    pub bu: BindingUpdate,
}

/// A home registration waiting for proxy DAD (HA-7).
#[derive(Debug, Clone)]
pub(super) struct PendingReg {
    pub ctx: BuCtx,
    pub dad: Vec<DadTarget>,
}

#[derive(Debug, Clone)]
pub(super) struct DadTarget {
    pub token: u64,
    pub addr: Ipv6Addr,
    pub done: bool,
}

/// Unsolicited Neighbor Advertisements still to send for an address (RFC 6275 §10.4.1).
#[derive(Debug, Clone)]
pub(super) struct NaJob {
    pub at: Instant,
    pub iface: usize,
    pub target: Ipv6Addr,
    pub left: u32,
    pub hoa: Ipv6Addr,
}

impl Ha {
    /// A valid Mobility Header carrying a Binding Update (RFC 6275 §9.5.1, §10.3).
    pub(super) fn on_binding_update(
        &mut self,
        now: Instant,
        rx: &Received,
        mh: &Mobility,
        bu: &BindingUpdate,
    ) {
        let h = rx.ipv6().clone();
        // §9.5.4: no BA to a non-unicast source; the BU is silently discarded.
        if h.src.is_multicast() || h.src.is_unspecified() {
            return self.discard(
                "RFC 6275 §9.5.4",
                "Binding Update from a non-unicast source",
            );
        }
        let hao = home_address_option(rx);
        let hoa = hao.unwrap_or(h.src);
        // §9.5.1: a unicast routable home address.
        if !is_unicast_routable(&hoa) {
            return self.discard(
                "RFC 6275 §9.5.1",
                format!("home address {hoa} is not unicast routable"),
            );
        }
        let alt = mh.option(|o| match o {
            MhOption::AlternateCareOfAddress(a) => Some(*a),
            _ => None,
        });
        let coa = alt.unwrap_or(h.src);
        // §6.1.7: a BU for a care-of address that is not unicast routable is silently dropped.
        if !is_unicast_routable(&coa) {
            return self.discard(
                "RFC 6275 §6.1.7",
                format!("care-of address {coa} is not unicast routable"),
            );
        }
        let nonce = mh
            .options
            .iter()
            .any(|o| matches!(o, MhOption::NonceIndices { .. }));
        let auth_last = matches!(
            mh.options.last(),
            Some(MhOption::BindingAuthorizationData(_))
        );
        if bu.h {
            // §9.5.1: "If the H bit is set, the Nonce Indices mobility option MUST NOT be
            // present."
            if nonce {
                return self.discard("RFC 6275 §9.5.1", "Nonce Indices in a home registration");
            }
            // HA-1: the IPsec seam.
            if !self.home_registration_protected(rx) {
                return self.discard("HA-1", "home registration without ESP protection");
            }
        } else if !nonce || !auth_last {
            // §9.5.1: a correspondent registration needs Nonce Indices and, last, Binding
            // Authorization Data.
            return self.discard(
                "RFC 6275 §9.5.1",
                "H=0 Binding Update without Nonce Indices and a last Binding Authorization Data",
            );
        }
        // HA-14: lifetime zero or care-of address equal to the home address.
        let dereg = bu.lifetime == 0 || coa == hoa;
        // §10.3.1: a home registration carries a Home Address option; a de-registration sent
        // from home may omit it (§10.3.2).
        if bu.h && !dereg && hao.is_none() {
            return self.discard(
                "RFC 6275 §10.3.1",
                "home registration without a Home Address option",
            );
        }
        let ctx = BuCtx {
            iface: rx.iface,
            src: h.src,
            dst: h.dst,
            src_mac: rx.src_mac,
            hao,
            hoa,
            coa,
            bu: bu.clone(),
        };
        // HA-6 (§9.5.1): a sequence number not newer than the last accepted one (modulo 2^16)
        // gets 135 carrying the last accepted number. De-registered entries still count.
        if let Some(last) = self.bindings.get(&hoa).map(|b| b.seq) {
            if !seq::newer(bu.seq, last) {
                self.note(
                    "HA-6",
                    format!("sequence {} is not newer than {last}", bu.seq),
                );
                return self.send_ba(now, &ctx, 135, last, 0, false, vec![]);
            }
        }
        if !bu.h {
            return self.refuse_correspondent_registration(now, &ctx, dereg);
        }
        if dereg {
            self.deregister(now, &ctx)
        } else {
            self.register(now, &ctx)
        }
    }

    /// A Binding Update with H=0. This HA keeps no correspondent bindings and issues no
    /// return-routability nonces (see the module notes), so after the §9.5.1 tests that do not
    /// need a nonce the answer is 139 against an existing entry (which is a home registration)
    /// and otherwise "nonce index not recognised".
    fn refuse_correspondent_registration(&mut self, now: Instant, ctx: &BuCtx, dereg: bool) {
        if self
            .bindings
            .get(&ctx.hoa)
            .map(Bce::is_active)
            .unwrap_or(false)
        {
            // §9.5.1 / HA-5: registration type change; the stored flag does not change.
            self.note("HA-5", "H=0 Binding Update for a home registration");
            return self.send_ba(now, ctx, 139, ctx.bu.seq, 0, false, vec![]);
        }
        // §9.5.1: no nonce of this node is recognised. A deletion only uses the home nonce.
        let status = if dereg { 136 } else { 138 };
        self.note(
            "RFC 6275 §9.5.1",
            "correspondent registration at a home agent without route optimisation",
        );
        self.send_ba(now, ctx, status, ctx.bu.seq, 0, false, vec![])
    }

    /// §10.3.1 tests, then DAD or an immediate update.
    fn register(&mut self, now: Instant, ctx: &BuCtx) {
        // HA-3: the home address must be on-link for the current Prefix List.
        let Some((link, _)) = self.home_prefix_of(&ctx.hoa, now) else {
            self.note("HA-3", format!("{} is not on a home prefix", ctx.hoa));
            return self.send_ba(now, ctx, 132, ctx.bu.seq, 0, false, vec![]);
        };
        // HA-4: local policy.
        let allowed = self
            .cfg
            .allowed_home_addresses
            .as_ref()
            .map(|l| l.iter().any(|p| p.contains(&ctx.hoa)))
            .unwrap_or(true);
        if !allowed {
            self.note("HA-4", format!("{} is not allowed by policy", ctx.hoa));
            return self.send_ba(now, ctx, 129, ctx.bu.seq, 0, false, vec![]);
        }
        let existing = self
            .bindings
            .get(&ctx.hoa)
            .map(Bce::is_active)
            .unwrap_or(false);
        // HA-4: resources. An update of an existing or pending registration needs none.
        if !existing && !self.pending.contains_key(&ctx.hoa) {
            let used =
                self.bindings.values().filter(|b| b.is_active()).count() + self.pending.len();
            if used >= self.cfg.max_bindings {
                self.note("HA-4", format!("{used} bindings: no room"));
                return self.send_ba(now, ctx, 130, ctx.bu.seq, 0, false, vec![]);
            }
        }
        if existing {
            // HA-7: with a binding already in place, no new DAD.
            return self.accept(now, ctx);
        }
        // HA-7: DAD on the home link for the home address and, with L=1, the link-local
        // address with its interface identifier, before the BA.
        let iface = self.links[link].iface;
        let mut targets = vec![ctx.hoa];
        if ctx.bu.l {
            targets.push(link_local_of(&ctx.hoa));
        }
        if let Some(t) = targets.iter().find(|t| self.address_taken(iface, t)) {
            let t = *t;
            self.pending.remove(&ctx.hoa);
            self.note("HA-7", format!("{t} is already in use on the home link"));
            return self.send_ba(now, ctx, 134, ctx.bu.seq, 0, false, vec![]);
        }
        let mut reg = self.pending.remove(&ctx.hoa).unwrap_or(PendingReg {
            ctx: ctx.clone(),
            dad: Vec::new(),
        });
        // A retransmitted or newer BU during DAD replaces the one to answer; DAD goes on.
        reg.ctx = ctx.clone();
        reg.dad.retain(|d| targets.contains(&d.addr));
        for t in targets {
            if !reg.dad.iter().any(|d| d.addr == t) {
                let token = self.host.start_dad(now, iface, t);
                self.note("HA-7", format!("proxy DAD for {t}"));
                reg.dad.push(DadTarget {
                    token,
                    addr: t,
                    done: false,
                });
            }
        }
        self.pending.insert(ctx.hoa, reg);
    }

    /// Whether `a` cannot be given to a mobile node on `iface`: it is the HA's own, already
    /// defended for someone (another mobile node, or a Home-Agents anycast address), or a
    /// reserved subnet anycast address. DAD against the HA itself cannot see these.
    fn address_taken(&self, iface: usize, a: &Ipv6Addr) -> bool {
        self.host.ifaces[iface].has_addr(a)
            || self.host.is_proxied(iface, a)
            || self
                .links
                .iter()
                .flat_map(|l| l.prefixes.iter())
                .any(|p| is_reserved_anycast(p, a))
    }

    /// Takes proxy DAD results from the host (HA-7).
    pub(super) fn collect_dad(&mut self, now: Instant) {
        while let Some(r) = self.host.poll_dad() {
            let Some(hoa) = self
                .pending
                .iter()
                .find(|(_, p)| p.dad.iter().any(|d| d.token == r.token))
                .map(|(h, _)| *h)
            else {
                continue;
            };
            if r.duplicate {
                if let Some(reg) = self.pending.remove(&hoa) {
                    self.note("HA-7", format!("DAD failed for {}", r.target));
                    self.send_ba(now, &reg.ctx, 134, reg.ctx.bu.seq, 0, false, vec![]);
                }
                continue;
            }
            let Some(reg) = self.pending.get_mut(&hoa) else {
                continue;
            };
            for d in &mut reg.dad {
                if d.token == r.token {
                    d.done = true;
                }
            }
            if reg.dad.iter().all(|d| d.done) {
                if let Some(reg) = self.pending.remove(&hoa) {
                    self.accept(now, &reg.ctx);
                }
            }
        }
    }

    /// Creates or updates the home registration and answers (§10.3.1).
    fn accept(&mut self, now: Instant, ctx: &BuCtx) {
        // The prefix may have run out while DAD went on.
        let Some((link, prefix)) = self.home_prefix_of(&ctx.hoa, now) else {
            self.note("HA-3", format!("{} left the Prefix List", ctx.hoa));
            return self.send_ba(now, ctx, 132, ctx.bu.seq, 0, false, vec![]);
        };
        let (valid, preferred) = self.prefix_remaining(&prefix, now);
        // HA-8: no more than asked, than local policy, than the prefix's valid lifetime.
        let requested = u32::from(ctx.bu.lifetime) * 4;
        let granted = requested.min(self.cfg.max_binding_lifetime).min(valid);
        let units = (granted / 4).min(0xffff) as u16;
        let granted = u32::from(units) * 4;
        // HA-13: status 1 when the prefix is deprecated, or becomes deprecated during the
        // binding's lifetime, or invalid at its end, comparing in units of 4 s (two low bits
        // dropped). One test covers the three cases: a deprecated prefix has 0 units of
        // preferred lifetime left, and the preferred lifetime never exceeds the valid one
        // (checked in `Ha::new`), so a prefix that is invalid at the end is deprecated by then.
        // "During" includes the last instant, as "at the end" does for invalidity. An infinite
        // lifetime (0xffffffff) is far above any binding lifetime (at most 0xffff units).
        let prefix_discovery = preferred >> 2 <= u32::from(units);
        let status = u8::from(prefix_discovery);
        // HA-10: K only when the BU asked for it and the HA can move its IKE endpoint.
        let k = ctx.bu.k && self.cfg.key_management_mobility;
        if units == 0 {
            // Less than one 4-second unit of prefix lifetime is left: nothing to keep.
            self.note(
                "HA-8",
                "the home prefix expires within 4 s: accepted with lifetime 0",
            );
            return self.send_ba(now, ctx, status, ctx.bu.seq, 0, k, vec![]);
        }
        let iface = self.links[link].iface;
        let ll = ctx.bu.l.then(|| link_local_of(&ctx.hoa));
        let old = self
            .bindings
            .get(&ctx.hoa)
            .filter(|b| b.is_active())
            .cloned();
        let mpa = old.as_ref().map(|b| b.mpa.clone()).unwrap_or_default();
        let expires = self.after_secs(now, f64::from(granted));
        self.bindings.insert(
            ctx.hoa,
            Bce {
                hoa: ctx.hoa,
                coa: ctx.coa,
                link,
                iface,
                ha_addr: if self.host.is_own(&ctx.dst) {
                    ctx.dst
                } else {
                    self.link_address(link, Some(&prefix))
                },
                seq: ctx.bu.seq,
                lifetime: granted,
                expires,
                link_local: ll,
                state: BceState::Active,
                mpa,
            },
        );
        // HA-18 / HA-19: defend the addresses from now on; unsolicited NAs for new ones.
        if old.is_none() {
            self.start_defending(now, iface, ctx.hoa, ctx.hoa);
        }
        let old_ll = old.as_ref().and_then(|b| b.link_local);
        if old_ll != ll {
            if let Some(o) = old_ll {
                self.stop_defending(iface, o);
            }
            if let Some(n) = ll {
                self.start_defending(now, iface, n, ctx.hoa);
            }
        }
        if old.is_none() {
            self.schedule_unsolicited_mpa(now, ctx.hoa);
        }
        self.event(Event::BindingUpdated {
            home_address: ctx.hoa,
            care_of_address: ctx.coa,
            lifetime_secs: granted,
            home_registration: true,
        });
        // HA-11: Binding Refresh Advice below the granted lifetime.
        let mut options = Vec::new();
        if self.cfg.binding_refresh_advice && units >= 2 {
            options.push(MhOption::BindingRefreshAdvice {
                interval: units / 2,
            });
        }
        self.send_ba(now, ctx, status, ctx.bu.seq, units, k, options);
    }

    /// §10.3.2: primary care-of address de-registration.
    fn deregister(&mut self, now: Instant, ctx: &BuCtx) {
        let active = self
            .bindings
            .get(&ctx.hoa)
            .map(Bce::is_active)
            .unwrap_or(false);
        if !active {
            if self.pending.remove(&ctx.hoa).is_some() {
                self.note(
                    "HA-15",
                    "de-registration cancels the registration under DAD",
                );
            }
            // HA-15: not home agent for this mobile node.
            self.note("HA-15", format!("no home registration for {}", ctx.hoa));
            return self.send_ba(now, ctx, 133, ctx.bu.seq, 0, false, vec![]);
        }
        let k = ctx.bu.k && self.cfg.key_management_mobility;
        self.stop_serving(ctx.hoa);
        let until = self.after(now, self.host.timers.max_delete_bce_timeout);
        if let Some(b) = self.bindings.get_mut(&ctx.hoa) {
            // HA-16: the entry stays, invalid, for MAX_DELETE_BCE_TIMEOUT with the new
            // sequence number, so a delayed older BU gets 135.
            b.state = BceState::Deleted { until };
            b.seq = ctx.bu.seq;
            b.mpa = MpaState::default();
        }
        self.event(Event::BindingDeleted {
            home_address: ctx.hoa,
            reason: "de-registration (HA-16)",
        });
        self.send_ba(now, ctx, 0, ctx.bu.seq, 0, k, vec![]);
    }

    /// Stops proxy ND and interception for a binding (HA-16, HA-25).
    fn stop_serving(&mut self, hoa: Ipv6Addr) {
        let Some(b) = self.bindings.get(&hoa) else {
            return;
        };
        let (iface, ll) = (b.iface, b.link_local);
        self.stop_defending(iface, hoa);
        if let Some(ll) = ll {
            self.stop_defending(iface, ll);
        }
    }

    fn start_defending(&mut self, now: Instant, iface: usize, target: Ipv6Addr, hoa: Ipv6Addr) {
        self.host.add_proxy(
            iface,
            target,
            // On behalf of a mobile node: Override set, Router clear (RFC 6275 §10.4.1).
            crate::host::Proxy {
                override_flag: true,
                router: false,
            },
        );
        self.nas
            .retain(|j| !(j.iface == iface && j.target == target));
        self.nas.push(NaJob {
            at: now,
            iface,
            target,
            left: self.cfg.unsolicited_na_count,
            hoa,
        });
        self.send_due_nas(now);
    }

    fn stop_defending(&mut self, iface: usize, target: Ipv6Addr) {
        self.host.remove_proxy(iface, &target);
        self.nas
            .retain(|j| !(j.iface == iface && j.target == target));
    }

    /// HA-18: multicast unsolicited NAs for the addresses the HA now defends: Target = the
    /// mobile node's address, Target Link-layer Address = the HA's, R=0, S=0, O=1, from the
    /// HA's address on the interface (§10.4.1), RetransTimer apart (RFC 4861 §7.2.6).
    pub(super) fn send_due_nas(&mut self, now: Instant) {
        let mut due = Vec::new();
        self.nas.retain(|j| {
            if j.at <= now {
                due.push(j.clone());
                false
            } else {
                true
            }
        });
        let retrans = self.host.timers.retrans_timer;
        for j in due {
            let serving = self
                .bindings
                .get(&j.hoa)
                .map(|b| b.is_active())
                .unwrap_or(false)
                && self.host.is_proxied(j.iface, &j.target);
            if !serving || j.left == 0 {
                continue;
            }
            self.host.unsolicited_na(now, j.iface, j.target, true);
            if j.left > 1 {
                let at = self.after(now, retrans);
                self.nas.push(NaJob {
                    at,
                    left: j.left - 1,
                    ..j
                });
            }
        }
    }

    /// HA-25: entries whose lifetime ended are deleted, interception stops; de-registered
    /// entries go when MAX_DELETE_BCE_TIMEOUT is over. (A granted lifetime never passes the
    /// valid lifetime of the home prefix, HA-8, so the binding is gone by the time the prefix
    /// is.)
    pub(super) fn expire_bindings(&mut self, now: Instant) {
        let due: Vec<Ipv6Addr> = self
            .bindings
            .values()
            .filter(|b| b.deadline() <= now)
            .map(|b| b.hoa)
            .collect();
        for hoa in due {
            let active = self.bindings.get(&hoa).map(Bce::is_active).unwrap_or(false);
            if active {
                self.stop_serving(hoa);
                self.bindings.remove(&hoa);
                self.event(Event::BindingDeleted {
                    home_address: hoa,
                    reason: "lifetime expired (HA-25)",
                });
            } else {
                self.bindings.remove(&hoa);
                self.note(
                    "HA-16",
                    format!("de-registered entry for {hoa} removed after MAX_DELETE_BCE_TIMEOUT"),
                );
            }
        }
    }

    /// Sends a Binding Acknowledgement (§9.5.4, §10.3.1): from the address the BU was sent to,
    /// to the BU's source, with a type 2 routing header holding the home address when the BU
    /// had a Home Address option (HA-12, HA-17). Rejections (status >= 128) for a BU that came
    /// from a node on the home link go straight to its link-layer address (HA-17).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn send_ba(
        &mut self,
        now: Instant,
        ctx: &BuCtx,
        status: u8,
        seq: u16,
        lifetime: u16,
        k: bool,
        options: Vec<MhOption>,
    ) {
        let src = if self.host.is_own(&ctx.dst) {
            ctx.dst
        } else {
            match self.home_prefix_of(&ctx.hoa, now) {
                Some((link, p)) => self.link_address(link, Some(&p)),
                None => self.host.ifaces[ctx.iface].source_for(&ctx.src),
            }
        };
        let mut layers = vec![Layer::Ipv6(Ipv6::new(src, ctx.src))];
        if ctx.hao.is_some() {
            layers.push(Layer::Routing(Routing::type2(ctx.hoa)));
        }
        layers.push(Layer::Mobility(Mobility::new(
            MhMessage::BindingAck(BindingAck {
                status,
                k,
                seq,
                lifetime,
                ..BindingAck::default()
            }),
            options,
        )));
        let layers = self.protect_outgoing(layers);
        self.event(Event::BindingAckSent {
            home_address: ctx.hoa,
            status,
        });
        let from_home_link = self.link_of_iface(ctx.iface).is_some()
            && self.host.ifaces[ctx.iface].on_link(&ctx.src);
        if status >= 128 && from_home_link {
            self.host.emit_frame(ctx.iface, ctx.src_mac, layers);
        } else {
            self.host.send(now, layers);
        }
    }
}
