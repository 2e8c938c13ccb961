//! [`NetnsDataplane`]: the built-in reference node as a separate process
//! (`mip6test reference`) in its own network namespace, reached over veth pairs from a second
//! namespace where the harness sends and receives through AF_PACKET (`mip6test run --target
//! netns:cn|netns:ha`).
//!
//! Like the simulated dataplane, a fresh one is built for every test case: namespaces
//! `mip6t-<pid>-<n>-iut` and `mip6t-<pid>-<n>-tester`, one veth pair per topology link (named
//! after the link on both sides), the node's configuration derived from the topology exactly
//! as [`super::dataplane::reference_config`] derives it for the simulation. Time is real: the
//! case's clock starts once the node answers a probe, and received frames are stamped with the
//! time they were read, since then. Everything is removed when the dataplane drops (the
//! [`Topology`] guard), also on a panic.
//!
//! The node is ready when it answers a duplicate address detection probe (a Neighbor
//! Solicitation from `::` for its first address, which it answers with an NA to all-nodes):
//! that leaves no state in the node. The probe and its answers are drained before the case
//! starts.
#![cfg(target_os = "linux")]

use super::dataplane::{reference_config, Dataplane, DataplaneError, ReferenceConfig, RxFrame};
use crate::live::{AfPacket, LinkConfig, Topology};
use crate::suite::{self, Role};
use mip6_packets::icmpv6::{Icmpv6, Icmpv6Msg};
use mip6_packets::ipv6::Ipv6;
use mip6_packets::{decode, Ethernet, Layer, LinkType, MacAddr, Packet};
use std::net::Ipv6Addr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the node gets to answer the readiness probe.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);

/// How often the readiness probe is repeated.
const PROBE_EVERY: Duration = Duration::from_millis(50);

/// The message of the [`DataplaneError`] a dataplane returns once the stop flag is set.
pub const INTERRUPTED: &str = "interrupted";

/// How a [`NetnsDataplane`] is started.
#[derive(Debug, Clone)]
pub struct NetnsOpts {
    /// The `mip6test` binary whose `reference` command runs the node (normally
    /// `std::env::current_exe()`).
    pub program: PathBuf,
    /// Set by SIGINT/SIGTERM ([`crate::live::stop_on_signals`]): `send` and `recv_until` fail
    /// with [`INTERRUPTED`] once it is set, so a running case stops within a tick.
    pub stop: Option<Arc<AtomicBool>>,
    /// The node's timers run this many times as fast as the RFC's (the profile's
    /// `timers.time_scale`).
    pub time_scale: f64,
}

/// The built-in reference node in a network namespace, as the IUT.
pub struct NetnsDataplane {
    // Dropped in this order: sockets, then the topology (the node, the veths, the namespaces).
    links: Vec<(String, AfPacket)>,
    topo: Topology,
    pid: u32,
    files: Vec<PathBuf>,
    log: PathBuf,
    start: Instant,
    stop: Option<Arc<AtomicBool>>,
}

impl std::fmt::Debug for NetnsDataplane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetnsDataplane")
            .field("run_id", &self.topo.run_id())
            .field(
                "links",
                &self.links.iter().map(|l| &l.0).collect::<Vec<_>>(),
            )
            .field("pid", &self.pid)
            .finish_non_exhaustive()
    }
}

fn live(e: crate::live::LiveError) -> DataplaneError {
    DataplaneError(e.to_string())
}

fn solicited_node(a: Ipv6Addr) -> Ipv6Addr {
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

fn multicast_mac(a: Ipv6Addr) -> MacAddr {
    let o = a.octets();
    MacAddr([0x33, 0x33, o[12], o[13], o[14], o[15]])
}

/// The MAC the tester's side of `link` takes: the first emulated node's on it (its router's),
/// so frames the IUT sends there are addressed to the tester's own interface.
fn tester_mac(t: &suite::Topology, link: &str) -> Option<MacAddr> {
    t.nodes
        .values()
        .find(|n| n.link.as_ref().is_some_and(|l| l.value == link))
        .and_then(|n| n.mac.as_ref())
        .map(|m| MacAddr(m.0))
}

impl NetnsDataplane {
    /// Builds the namespaces and links for topology `t`, starts the node and waits until it
    /// answers.
    pub fn new(t: &suite::Topology, seed: u64, opts: &NetnsOpts) -> Result<Self, DataplaneError> {
        let cfg = reference_config(t, seed)?.with_time_scale(opts.time_scale);
        let role = match &cfg {
            ReferenceConfig::Cn(_) => "cn",
            ReferenceConfig::Ha(_) => "ha",
        };
        let yaml = cfg.to_yaml()?;
        let mut topo = Topology::new();
        let iut = topo.add_namespace("iut").map_err(live)?;
        let tester = topo.add_namespace("tester").map_err(live)?;
        let mut links = Vec::new();
        for l in &t.links {
            let name = l.value.as_str();
            topo.add_veth(&iut, name, &tester, name).map_err(live)?;
            let mac = t
                .iut
                .interfaces
                .get(name)
                .and_then(|i| i.mac.as_ref())
                .map(|m| MacAddr(m.0));
            iut.configure_link(name, &LinkConfig::userspace(mac))
                .map_err(live)?;
            tester
                .configure_link(name, &LinkConfig::userspace(tester_mac(t, name)))
                .map_err(live)?;
            links.push((name.to_string(), tester.open_packet(name).map_err(live)?));
        }
        let base = std::env::temp_dir().join(format!("mip6test-{}", topo.run_id()));
        let config = base.with_extension("yaml");
        let log = base.with_extension("log");
        let mut dp = NetnsDataplane {
            links,
            topo,
            pid: 0,
            files: vec![config.clone(), log.clone()],
            log: log.clone(),
            start: Instant::now(),
            stop: opts.stop.clone(),
        };
        std::fs::write(&config, yaml)
            .map_err(|e| DataplaneError(format!("cannot write {}: {e}", config.display())))?;
        let log_file = std::fs::File::create(&log)
            .map_err(|e| DataplaneError(format!("cannot create {}: {e}", log.display())))?;
        let mut cmd = iut.command(&opts.program);
        cmd.args(["reference", "--role", role, "--iface"])
            .arg(cfg.interfaces().join(","))
            .arg("--config")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(log_file);
        dp.pid = dp.topo.spawn(&mut cmd).map_err(live)?;
        dp.wait_ready(t)?;
        Ok(dp)
    }

    /// The node's process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(10)..].join("\n    ");
        if tail.is_empty() {
            "(its log is empty)".into()
        } else {
            format!("its log ends:\n    {tail}")
        }
    }

    /// An error when the node's process has ended.
    fn check_alive(&mut self) -> Result<(), DataplaneError> {
        let status = match self.topo.child(self.pid) {
            Some(c) => c.try_wait().map_err(live)?,
            None => None,
        };
        match status {
            None => Ok(()),
            Some(s) => Err(DataplaneError(format!(
                "the IUT (mip6test reference, pid {}) exited ({s}); {}",
                self.pid,
                self.log_tail()
            ))),
        }
    }

    fn check_stop(&self) -> Result<(), DataplaneError> {
        if self.stop.as_ref().is_some_and(|s| s.load(Ordering::SeqCst)) {
            Err(DataplaneError(INTERRUPTED.into()))
        } else {
            Ok(())
        }
    }

    /// Probes until the node answers a DAD probe for its first address, then drains.
    fn wait_ready(&mut self, t: &suite::Topology) -> Result<(), DataplaneError> {
        let (link, target) = t
            .links
            .iter()
            .find_map(|l| Some((l.value.clone(), t.iut.interfaces.get(&l.value)?.addr)))
            .ok_or_else(|| DataplaneError("the IUT has no interface".into()))?;
        let src = tester_mac(t, &link).unwrap_or(MacAddr([0x02, 0, 0, 0, 0x7e, 0x57]));
        let group = solicited_node(target);
        let probe = Packet::new(vec![
            Layer::Ethernet(Ethernet::new(src, multicast_mac(group))),
            Layer::Ipv6(Ipv6::new(Ipv6Addr::UNSPECIFIED, group).hop_limit(255)),
            Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::NeighborSolicitation {
                reserved: 0,
                target,
                options: Vec::new(),
            })),
        ])
        .emit();
        let began = Instant::now();
        let li = self
            .links
            .iter()
            .position(|(n, _)| *n == link)
            .expect("a socket per link");
        let mut ready = false;
        while !ready {
            self.check_stop()?;
            if began.elapsed() > STARTUP_TIMEOUT {
                return Err(DataplaneError(format!(
                    "the IUT (mip6test reference, pid {}) did not answer within {}s; {}",
                    self.pid,
                    STARTUP_TIMEOUT.as_secs(),
                    self.log_tail()
                )));
            }
            let sock = &self.links[li].1;
            sock.send(&probe).map_err(live)?;
            let until = Instant::now() + PROBE_EVERY;
            while let Some(left) = until.checked_duration_since(Instant::now()) {
                let Some(r) = sock.recv_timeout(left).map_err(live)? else {
                    break;
                };
                let d = decode(&r.frame, LinkType::Ethernet);
                ready |= d.packet.layers.iter().any(|l| {
                    matches!(l, Layer::Icmpv6(Icmpv6 {
                        msg: Icmpv6Msg::NeighborAdvertisement { target: a, .. },
                        ..
                    }) if *a == target)
                });
            }
            if !ready {
                self.check_alive()?;
            }
        }
        // Whatever else the probe caused is not part of the case.
        std::thread::sleep(Duration::from_millis(20));
        for (_, s) in &self.links {
            while s.recv().map_err(live)?.is_some() {}
        }
        self.start = Instant::now();
        Ok(())
    }
}

impl NetnsDataplane {
    /// The name of the IUT's network namespace (`mip6t-<pid>-<n>-iut`).
    pub fn iut_namespace(&self) -> &str {
        self.topo.namespace("iut").map_or("", |n| n.name())
    }

    /// The IUT's interface on each link, (link, interface): named after the link.
    pub fn iut_interfaces(&self) -> Vec<(String, String)> {
        self.links
            .iter()
            .map(|(l, _)| (l.clone(), l.clone()))
            .collect()
    }
}

impl Drop for NetnsDataplane {
    fn drop(&mut self) {
        for f in &self.files {
            let _ = std::fs::remove_file(f);
        }
    }
}

impl Dataplane for NetnsDataplane {
    fn send(&mut self, link: &str, frame: Vec<u8>) -> Result<(), DataplaneError> {
        self.check_stop()?;
        let sock = &self
            .links
            .iter()
            .find(|(n, _)| n == link)
            .ok_or_else(|| DataplaneError(format!("no link \"{link}\"")))?
            .1;
        sock.send(&frame).map_err(live)
    }

    fn recv_until(&mut self, deadline: Duration) -> Result<Vec<RxFrame>, DataplaneError> {
        self.check_stop()?;
        self.check_alive()?;
        let end = self.start + deadline;
        let mut out = Vec::new();
        loop {
            for (name, s) in &self.links {
                while let Some(r) = s.recv().map_err(live)? {
                    out.push(RxFrame {
                        link: name.clone(),
                        at: r.read_at.saturating_duration_since(self.start),
                        bytes: r.frame,
                    });
                }
            }
            let Some(left) = end.checked_duration_since(Instant::now()) else {
                break;
            };
            if left.is_zero() {
                break;
            }
            // One link: sleep on its socket; several: look at each every millisecond.
            let wait = if self.links.len() == 1 {
                left
            } else {
                left.min(Duration::from_millis(1))
            };
            if let Some((name, s)) = self.links.first() {
                if let Some(r) = s.recv_timeout(wait).map_err(live)? {
                    out.push(RxFrame {
                        link: name.clone(),
                        at: r.read_at.saturating_duration_since(self.start),
                        bytes: r.frame,
                    });
                }
            } else {
                std::thread::sleep(wait);
            }
        }
        out.sort_by_key(|f| f.at);
        Ok(out)
    }

    fn now(&self) -> Duration {
        self.start.elapsed()
    }
}

/// Which built-in reference node a `netns:` target runs.
pub fn target_role(name: &str) -> Option<Role> {
    match name {
        "cn" => Some(Role::CorrespondentNode),
        "ha" => Some(Role::HomeAgent),
        _ => None,
    }
}

/// The program the node runs from: this executable.
pub fn current_program() -> Result<PathBuf, DataplaneError> {
    std::env::current_exe()
        .map_err(|e| DataplaneError(format!("cannot find the mip6test executable: {e}")))
}
