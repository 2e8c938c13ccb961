//! Where test frames go and come from: a [`Dataplane`] puts frames on named links and returns
//! the frames the implementation under test sends, on a clock the engine can advance.
//!
//! [`SimDataplane`] is the built-in one: the reference correspondent node or home agent
//! (mip6-reference) built from the topology's `iut:` section, on the in-process simulated
//! network ([`mip6_reference::sim::Sim`]) with a virtual clock. A fresh one is built for every
//! test case, so no state leaks between tests.

use crate::suite::{Prefix, Role, Topology};
use mip6_packets::MacAddr;
use mip6_reference::cn::{Cn, CnConfig};
use mip6_reference::config::{IfAddr, IfaceConfig, PrefixConfig};
use mip6_reference::ha::{Ha, HaConfig, HomeLinkConfig};
use mip6_reference::sim::{LinkId, Sim};
use mip6_reference::{Instant, Node};
use std::fmt;
use std::time::Duration;

/// A frame the IUT sent, with the link it was seen on and when (time since the dataplane
/// started).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RxFrame {
    pub link: String,
    pub at: Duration,
    pub bytes: Vec<u8>,
}

/// A dataplane that cannot do what it was asked (an unknown link, a simulation that stalls,
/// an IUT that cannot be built from the topology).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataplaneError(pub String);

impl fmt::Display for DataplaneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DataplaneError {}

/// Links to the implementation under test and a clock.
pub trait Dataplane {
    /// Puts a frame on `link`, now.
    fn send(&mut self, link: &str, frame: Vec<u8>) -> Result<(), DataplaneError>;
    /// Lets time run up to `deadline` (time since the start) and returns the frames the IUT
    /// sent on any link meanwhile, in the order they were sent.
    fn recv_until(&mut self, deadline: Duration) -> Result<Vec<RxFrame>, DataplaneError>;
    /// The current time, since the dataplane started.
    fn now(&self) -> Duration;
    /// When the case's clock starts: the first step's window opens then. By default now; a
    /// dataplane that started the IUT says when the IUT started, so that what the IUT does
    /// from its start (a first Router Advertisement, its timers) is measured as in the
    /// simulated network, where the IUT starts with the case.
    fn case_start(&self) -> Duration {
        self.now()
    }
    /// Lets `by` pass; the frames the IUT sent meanwhile.
    fn advance(&mut self, by: Duration) -> Result<Vec<RxFrame>, DataplaneError> {
        let to = self.now() + by;
        self.recv_until(to)
    }
}

impl<D: Dataplane + ?Sized> Dataplane for &mut D {
    fn send(&mut self, link: &str, frame: Vec<u8>) -> Result<(), DataplaneError> {
        (**self).send(link, frame)
    }
    fn recv_until(&mut self, deadline: Duration) -> Result<Vec<RxFrame>, DataplaneError> {
        (**self).recv_until(deadline)
    }
    fn now(&self) -> Duration {
        (**self).now()
    }
    fn case_start(&self) -> Duration {
        (**self).case_start()
    }
}

/// The built-in reference node as the IUT, on the simulated network.
pub struct SimDataplane {
    sim: Sim,
    links: Vec<(String, LinkId)>,
}

impl fmt::Debug for SimDataplane {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimDataplane")
            .field("links", &self.links)
            .field("now", &self.sim.now())
            .finish_non_exhaustive()
    }
}

fn mac(m: &crate::suite::MacAddr) -> MacAddr {
    (*m).into()
}

/// The IUT's interfaces as the reference node's, in the topology's link order, with the
/// default router of each link (an emulated router on it routing `::/0`).
fn interfaces(t: &Topology) -> Result<Vec<IfaceConfig>, DataplaneError> {
    let mut out = Vec::new();
    for link in &t.links {
        let Some(i) = t.iut.interfaces.get(&link.value) else {
            continue;
        };
        let m = i.mac.as_ref().ok_or_else(|| {
            DataplaneError(format!(
                "the simulated IUT needs a MAC address on {} (iut.interfaces.{}.mac)",
                link.value, link.value
            ))
        })?;
        let prefix_len = i.prefix.as_ref().map_or(64, |p| p.len);
        let mut addrs = vec![IfAddr {
            addr: i.addr,
            prefix_len,
        }];
        if let Some(ll) = i.ll {
            addrs.insert(
                0,
                IfAddr {
                    addr: ll,
                    prefix_len: 64,
                },
            );
        }
        let default_router = t
            .nodes
            .values()
            .find(|n| {
                n.link.as_ref().is_some_and(|l| l.value == link.value)
                    && n.routes.iter().any(|r| r.len == 0)
            })
            .and_then(|n| n.ll);
        out.push(IfaceConfig {
            name: link.value.clone(),
            mac: mac(m),
            addrs,
            default_router,
        });
    }
    if out.is_empty() {
        return Err(DataplaneError(
            "the topology's IUT has no interface on any of its links".into(),
        ));
    }
    Ok(out)
}

fn prefix_config(p: &Prefix) -> PrefixConfig {
    PrefixConfig {
        prefix: p.addr,
        prefix_len: p.len,
        valid_lifetime: u32::MAX,
        preferred_lifetime: u32::MAX,
    }
}

/// The reference node's configuration for the topology's IUT, as both dataplanes build it:
/// the simulated one in-process, the netns one as `mip6test reference --config FILE`.
#[derive(Debug, Clone)]
pub enum ReferenceConfig {
    Cn(CnConfig),
    Ha(HaConfig),
}

impl ReferenceConfig {
    /// The configuration as YAML, as `mip6test reference --config` reads it.
    pub fn to_yaml(&self) -> Result<String, DataplaneError> {
        let r = match self {
            ReferenceConfig::Cn(c) => serde_saphyr::to_string(c),
            ReferenceConfig::Ha(c) => serde_saphyr::to_string(c),
        };
        r.map_err(|e| DataplaneError(format!("cannot write the IUT's configuration: {e}")))
    }

    /// The same node with its clock running `scale` times as fast as the RFC's: every
    /// duration it waits on is multiplied by `scale` (the profile's `timers.time_scale`).
    pub fn with_time_scale(mut self, scale: f64) -> Self {
        match &mut self {
            ReferenceConfig::Cn(c) => c.timers.time_scale = scale,
            ReferenceConfig::Ha(c) => c.timers.time_scale = scale,
        }
        self
    }

    /// The node's interface names, in its interface order.
    pub fn interfaces(&self) -> Vec<String> {
        let ifaces = match self {
            ReferenceConfig::Cn(c) => &c.interfaces,
            ReferenceConfig::Ha(c) => &c.interfaces,
        };
        ifaces.iter().map(|i| i.name.clone()).collect()
    }
}

/// The reference node's configuration for the topology's IUT role, with the topology's
/// `iut.config` (and the suite's and test's `iut_config:`, see
/// [`Topology::with_iut_config`]) applied.
pub fn reference_config(t: &Topology, seed: u64) -> Result<ReferenceConfig, DataplaneError> {
    let base = derived_config(t, seed)?;
    match &t.iut.config {
        None => Ok(base),
        Some(over) => apply_iut_config(base, &over.value).map_err(DataplaneError),
    }
}

/// `base` with `over` merged in: through the configuration's serialised form, so the keys
/// and value types are exactly those `mip6test reference --config` reads, and a key it does
/// not know is an error naming it.
pub fn apply_iut_config(
    base: ReferenceConfig,
    over: &crate::suite::IutConfig,
) -> Result<ReferenceConfig, String> {
    fn merged<C: serde::Serialize + serde::de::DeserializeOwned>(
        c: &C,
        over: &crate::suite::IutConfig,
    ) -> Result<C, String> {
        let mut v = match serde_json::to_value(c) {
            Ok(serde_json::Value::Object(m)) => m,
            Ok(_) => return Err("the IUT's configuration is not a mapping".into()),
            Err(e) => return Err(format!("cannot write the IUT's configuration: {e}")),
        };
        crate::suite::merge_iut_config(&mut v, over);
        serde_json::from_value(serde_json::Value::Object(v)).map_err(|e| format!("iut_config: {e}"))
    }
    Ok(match base {
        ReferenceConfig::Cn(c) => ReferenceConfig::Cn(merged(&c, over)?),
        ReferenceConfig::Ha(c) => ReferenceConfig::Ha(merged(&c, over)?),
    })
}

fn derived_config(t: &Topology, seed: u64) -> Result<ReferenceConfig, DataplaneError> {
    let ifaces = interfaces(t)?;
    match t.iut.role.value {
        Role::CorrespondentNode => {
            let mut c = CnConfig::new(ifaces);
            c.seed = seed;
            Ok(ReferenceConfig::Cn(c))
        }
        Role::HomeAgent => {
            let home_links: Vec<HomeLinkConfig> = t
                .iut
                .interfaces
                .iter()
                .filter_map(|(link, i)| {
                    let p = i.prefix.as_ref()?;
                    Some(HomeLinkConfig {
                        interface: link.clone(),
                        prefixes: vec![prefix_config(p)],
                    })
                })
                .collect();
            if home_links.is_empty() {
                return Err(DataplaneError(
                    "a home agent needs a home prefix: iut.interfaces.<link>.prefix".into(),
                ));
            }
            let mut c = HaConfig::new(ifaces, home_links);
            c.seed = seed;
            // Tests ask for what they check: no periodic advertisements in between.
            c.router_advertisements.enabled = false;
            c.mobile_prefix.unsolicited = false;
            Ok(ReferenceConfig::Ha(c))
        }
        other => Err(DataplaneError(format!(
            "there is no built-in reference {other} to test"
        ))),
    }
}

/// Builds the reference node for the topology's IUT role, its timers scaled by `scale`.
pub fn reference_node(
    t: &Topology,
    seed: u64,
    scale: f64,
) -> Result<Box<dyn Node>, DataplaneError> {
    match reference_config(t, seed)?.with_time_scale(scale) {
        ReferenceConfig::Cn(c) => Ok(Box::new(Cn::new(c))),
        ReferenceConfig::Ha(c) => {
            let ha = Ha::new(c).map_err(|e| DataplaneError(e.to_string()))?;
            Ok(Box::new(ha))
        }
    }
}

impl SimDataplane {
    /// A fresh simulated network with the topology's links and the reference node for its
    /// IUT attached to them.
    pub fn new(t: &Topology, seed: u64) -> Result<Self, DataplaneError> {
        Self::with_time_scale(t, seed, 1.0)
    }

    /// As [`SimDataplane::new`], the reference node's timers scaled by `scale`.
    pub fn with_time_scale(t: &Topology, seed: u64, scale: f64) -> Result<Self, DataplaneError> {
        let node = reference_node(t, seed, scale)?;
        let mut sim = Sim::new(seed);
        let id = sim.add_node(node);
        let mut links = Vec::new();
        for l in &t.links {
            let lid = sim.add_link(&l.value);
            links.push((l.value.clone(), lid));
        }
        let mut iface = 0;
        for l in &t.links {
            if t.iut.interfaces.contains_key(&l.value) {
                let lid = sim.link_id(&l.value).expect("added above");
                sim.attach(id, iface, lid);
                iface += 1;
            }
        }
        Ok(SimDataplane { sim, links })
    }

    fn link(&self, name: &str) -> Result<LinkId, DataplaneError> {
        self.links
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| *id)
            .ok_or_else(|| DataplaneError(format!("no link \"{name}\"")))
    }
}

impl Dataplane for SimDataplane {
    fn send(&mut self, link: &str, frame: Vec<u8>) -> Result<(), DataplaneError> {
        let id = self.link(link)?;
        self.sim.inject(id, frame);
        Ok(())
    }

    fn recv_until(&mut self, deadline: Duration) -> Result<Vec<RxFrame>, DataplaneError> {
        let until = Instant(deadline.max(self.now()));
        self.sim
            .run_until(until)
            .map_err(|e| DataplaneError(format!("the simulation stalled: {e}")))?;
        self.sim.take_events();
        let mut out = Vec::new();
        for (name, id) in &self.links {
            for f in self.sim.take_frames(*id) {
                out.push(RxFrame {
                    link: name.clone(),
                    at: f.at.0,
                    bytes: f.frame,
                });
            }
        }
        out.sort_by_key(|f| f.at);
        Ok(out)
    }

    fn now(&self) -> Duration {
        self.sim.now().0
    }
}
