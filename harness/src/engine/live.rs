//! The live dataplanes (Linux): real frames over AF_PACKET, in real time.
//!
//! * [`NetnsDataplane`] (`--target netns:cn|netns:ha`, or a target file without
//!   `interfaces:`): for every test case, namespaces `mip6t-<pid>-<n>-iut` and
//!   `mip6t-<pid>-<n>-tester`, one veth pair per topology link (named after the link on both
//!   sides), and the IUT started inside the IUT's namespace: the built-in reference
//!   (`mip6test reference`, configured from the topology exactly as
//!   [`super::dataplane::reference_config`] configures the simulation) or a target file's
//!   `command`. Everything is removed when the dataplane drops (the IUT's process group, then
//!   the [`Topology`] guard), also on a panic.
//! * [`IfaceDataplane`] (a target file with `interfaces:`): existing interfaces of this host,
//!   the only ones it opens; it creates, deletes and reconfigures nothing.
//!
//! Both share [`Links`], the AF_PACKET send/receive loop, and the readiness probe: the IUT is
//! ready when it answers a duplicate address detection probe (a Neighbor Solicitation from
//! `::` for its address on the link, answered with an NA to all-nodes), which leaves no state in
//! it. The probe's answers are drained and the case's clock starts after them; received frames
//! are stamped with the time they were read, since then. An IUT process that exits during a
//! case makes the dataplane fail, so the case is an error.
#![cfg(target_os = "linux")]

use super::dataplane::{reference_config, Dataplane, DataplaneError, ReferenceConfig, RxFrame};
use super::hooks::{self, HookEnv};
use crate::live::{signal_number, AfPacket, IutProcess, LinkConfig, LiveError, Topology};
use crate::suite::{self, Role, TargetFile};
use crate::HarnessError;
use mip6_packets::icmpv6::{Icmpv6, Icmpv6Msg};
use mip6_packets::ipv6::Ipv6;
use mip6_packets::{decode, Ethernet, Layer, LinkType, MacAddr, Packet};
use std::collections::BTreeMap;
use std::io::Write;
use std::net::Ipv6Addr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the node gets to become ready unless a target file says otherwise.
pub const STARTUP_TIMEOUT: Duration = suite::Ready::DEFAULT_TIMEOUT;

/// How often the readiness probe is repeated.
const PROBE_EVERY: Duration = Duration::from_millis(50);

/// How often a wait for frames looks whether the IUT still runs.
const LIVENESS_EVERY: Duration = Duration::from_millis(50);

/// How many lines of the IUT's output an error shows.
const LOG_LINES: usize = 10;

/// The message of the [`DataplaneError`] a dataplane returns once the stop flag is set.
pub const INTERRUPTED: &str = "interrupted";

static FILE_COUNTER: AtomicU32 = AtomicU32::new(0);

/// How a [`NetnsDataplane`] is started.
#[derive(Debug, Clone)]
pub struct NetnsOpts {
    /// The `mip6test` binary whose `reference` command runs the node (normally
    /// `std::env::current_exe()`); `{mip6test}` in a target file's command.
    pub program: PathBuf,
    /// Set by SIGINT/SIGTERM ([`crate::live::stop_on_signals`]): `send` and `recv_until` fail
    /// with [`INTERRUPTED`] once it is set, so a running case stops within a tick.
    pub stop: Option<Arc<AtomicBool>>,
    /// The node's timers run this many times as fast as the RFC's (the profile's
    /// `timers.time_scale`).
    pub time_scale: f64,
    /// A target file without `interfaces:`: its command, readiness, stop signal and IUT.
    pub target: Option<Arc<TargetFile>>,
}

/// How an [`IfaceDataplane`] is started.
#[derive(Debug, Clone)]
pub struct IfaceOpts {
    /// A target file with `interfaces:`.
    pub target: Arc<TargetFile>,
    /// `{mip6test}` in the target file's commands.
    pub program: PathBuf,
    /// As [`NetnsOpts::stop`].
    pub stop: Option<Arc<AtomicBool>>,
    /// As [`NetnsOpts::time_scale`]: for the reference configuration `{config}` names.
    pub time_scale: f64,
}

fn live(e: LiveError) -> DataplaneError {
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

/// Whether `frame`, received on `link`, is a Neighbor Advertisement for the IUT's address
/// there: an answer to the readiness probe (harness traffic, not the case's).
fn answers_probe(t: &suite::Topology, link: &str, frame: &[u8]) -> bool {
    let Some(target) = t.iut.interfaces.get(link).map(|i| i.addr) else {
        return false;
    };
    decode(frame, LinkType::Ethernet)
        .packet
        .layers
        .iter()
        .any(|l| {
            matches!(l, Layer::Icmpv6(Icmpv6 {
                msg: Icmpv6Msg::NeighborAdvertisement { target: a, .. },
                ..
            }) if *a == target)
        })
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

// ---------------------------------------------------------------------------------------------
// The shared AF_PACKET loop

/// One AF_PACKET socket per link and the case's clock: what both live dataplanes send and
/// receive through.
struct Links {
    socks: Vec<(String, AfPacket)>,
    start: Instant,
    /// What an IUT the harness started sent while it was becoming ready (its start-up
    /// Router Advertisement, say), handed to the case first.
    early: Vec<RxFrame>,
    /// The harness started the IUT for this case: the case's clock starts when the IUT
    /// did, as in the simulated network, and what it sent meanwhile is kept. Otherwise (a
    /// node already running on named interfaces) the clock starts once it is ready.
    keep_early: bool,
}

impl Links {
    fn sock(&self, link: &str) -> Result<&AfPacket, DataplaneError> {
        self.socks
            .iter()
            .find(|(n, _)| n == link)
            .map(|(_, s)| s)
            .ok_or_else(|| DataplaneError(format!("no link \"{link}\"")))
    }

    fn send(&self, link: &str, frame: &[u8]) -> Result<(), DataplaneError> {
        self.sock(link)?.send(frame).map_err(live)
    }

    fn push(&self, out: &mut Vec<RxFrame>, link: &str, r: crate::live::Received) {
        out.push(RxFrame {
            link: link.to_string(),
            at: r.read_at.saturating_duration_since(self.start),
            bytes: r.frame,
        });
    }

    /// The frames received until `deadline` (since the start), in arrival order; `check`
    /// (interruption, the IUT's liveness) runs first and then every [`LIVENESS_EVERY`].
    fn recv_until(
        &mut self,
        deadline: Duration,
        check: &mut dyn FnMut() -> Result<(), DataplaneError>,
    ) -> Result<Vec<RxFrame>, DataplaneError> {
        check()?;
        let end = self.start + deadline;
        let mut out = std::mem::take(&mut self.early);
        loop {
            for (name, s) in &self.socks {
                while let Some(r) = s.recv().map_err(live)? {
                    self.push(&mut out, name, r);
                }
            }
            let Some(left) = end.checked_duration_since(Instant::now()) else {
                break;
            };
            if left.is_zero() {
                break;
            }
            // One link: sleep on its socket; several: look at each every millisecond.
            let wait = if self.socks.len() == 1 {
                left.min(LIVENESS_EVERY)
            } else {
                left.min(Duration::from_millis(1))
            };
            if let Some((name, s)) = self.socks.first() {
                if let Some(r) = s.recv_timeout(wait).map_err(live)? {
                    self.push(&mut out, name, r);
                }
            } else {
                std::thread::sleep(wait);
            }
            check()?;
        }
        out.sort_by_key(|f| f.at);
        Ok(out)
    }

    /// When the case's clock starts: at the IUT's start when the harness started it, now
    /// otherwise (see [`Dataplane::case_start`]).
    fn case_start(&self) -> Duration {
        if self.keep_early {
            Duration::ZERO
        } else {
            self.start.elapsed()
        }
    }

    /// After the readiness probe: takes whatever is queued and, when [`Links::keep_early`],
    /// keeps it (but not the answers to the probe) on the clock that started with the IUT;
    /// otherwise drops it and starts the clock now.
    fn restart(&mut self, probe: &suite::Topology) -> Result<(), DataplaneError> {
        std::thread::sleep(Duration::from_millis(20));
        let mut early = std::mem::take(&mut self.early);
        for (name, s) in &self.socks {
            while let Some(r) = s.recv().map_err(live)? {
                if self.keep_early && !answers_probe(probe, name, &r.frame) {
                    self.push(&mut early, name, r);
                }
            }
        }
        if self.keep_early {
            self.early = early;
        } else {
            self.start = Instant::now();
        }
        Ok(())
    }
}

/// The part both live dataplanes share, for a struct with the fields `links` ([`Links`]),
/// `iut` (the IUT's process, if the harness started it), `files` (removed when dropped) and
/// `stop` (the run's interruption flag): dropping stops the IUT, then removes its files; the
/// [`Dataplane`] goes through the links, checking for an interruption and for the IUT's exit.
macro_rules! live_dataplane {
    ($t:ident) => {
        impl Drop for $t {
            fn drop(&mut self) {
                if let Some(mut p) = self.iut.take() {
                    p.stop();
                }
                for f in &self.files {
                    let _ = std::fs::remove_file(f);
                }
            }
        }

        impl Dataplane for $t {
            fn send(&mut self, link: &str, frame: Vec<u8>) -> Result<(), DataplaneError> {
                check(&self.stop, &mut None)?;
                self.links.send(link, &frame)
            }

            fn recv_until(&mut self, deadline: Duration) -> Result<Vec<RxFrame>, DataplaneError> {
                let $t {
                    links, iut, stop, ..
                } = self;
                links.recv_until(deadline, &mut || check(stop, iut))
            }

            fn now(&self) -> Duration {
                self.links.start.elapsed()
            }

            fn case_start(&self) -> Duration {
                self.links.case_start()
            }
        }
    };
}

/// What the readiness checks need to know and say.
struct Readiness<'a> {
    ready: &'a suite::Ready,
    /// `ready.file`, its placeholders replaced.
    file: Option<PathBuf>,
    /// The interface on each link, for messages (`link0 (eth1)`).
    iface: &'a dyn Fn(&str) -> String,
    /// The IUT's output, if the harness started it.
    log: Option<&'a Path>,
}

/// Waits for `ready.wait`, then `ready.file`, then (when probing) an answer to the DAD probe
/// on every IUT link; returns the MAC each answer came from, and adds the other frames read
/// meanwhile to `early`. `check` runs between waits.
fn wait_ready(
    links: &Links,
    early: &mut Vec<RxFrame>,
    t: &suite::Topology,
    r: &Readiness<'_>,
    check: &mut dyn FnMut() -> Result<(), DataplaneError>,
    iut: &dyn Fn() -> String,
) -> Result<BTreeMap<String, MacAddr>, DataplaneError> {
    let began = Instant::now();
    let timeout = r.ready.timeout();
    let late = |what: String| {
        DataplaneError(format!(
            "the IUT ({}) {what} within {}s (ready.timeout in a target file); {}",
            iut(),
            timeout.as_secs_f64(),
            r.log.map_or_else(
                || "is it running?".to_string(),
                |l| crate::live::log_tail(l, LOG_LINES)
            )
        ))
    };
    if let Some(w) = r.ready.wait {
        let end = began + w;
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            check()?;
            std::thread::sleep(left.min(PROBE_EVERY));
        }
    }
    if let Some(f) = &r.file {
        while !f.exists() {
            check()?;
            if began.elapsed() > timeout {
                return Err(late(format!("did not create {}", f.display())));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    let mut macs = BTreeMap::new();
    if !r.ready.probe() {
        return Ok(macs);
    }
    let probes: Vec<(String, Ipv6Addr, Vec<u8>)> = t
        .links
        .iter()
        .filter_map(|l| {
            let target = t.iut.interfaces.get(&l.value)?.addr;
            let src = tester_mac(t, &l.value).unwrap_or(MacAddr([0x02, 0, 0, 0, 0x7e, 0x57]));
            let group = solicited_node(target);
            let frame = Packet::new(vec![
                Layer::Ethernet(Ethernet::new(src, multicast_mac(group))),
                Layer::Ipv6(Ipv6::new(Ipv6Addr::UNSPECIFIED, group).hop_limit(255)),
                Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::NeighborSolicitation {
                    reserved: 0,
                    target,
                    options: Vec::new(),
                })),
            ])
            .emit();
            Some((l.value.clone(), target, frame))
        })
        .collect();
    if probes.is_empty() {
        return Err(DataplaneError("the IUT has no interface".into()));
    }
    while macs.len() < probes.len() {
        check()?;
        if began.elapsed() > timeout {
            let (link, addr, _) = probes
                .iter()
                .find(|p| !macs.contains_key(&p.0))
                .expect("a link still unanswered");
            return Err(late(format!(
                "did not answer a Neighbor Solicitation for {addr} on {}",
                (r.iface)(link)
            )));
        }
        for (link, _, frame) in probes.iter().filter(|p| !macs.contains_key(&p.0)) {
            links.send(link, frame)?;
        }
        let until = Instant::now() + PROBE_EVERY;
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            for (link, target, _) in &probes {
                let s = links.sock(link)?;
                let Some(rx) = s
                    .recv_timeout(left.min(Duration::from_millis(5)))
                    .map_err(live)?
                else {
                    continue;
                };
                let d = decode(&rx.frame, LinkType::Ethernet);
                let answered = d.packet.layers.iter().any(|l| {
                    matches!(l, Layer::Icmpv6(Icmpv6 {
                        msg: Icmpv6Msg::NeighborAdvertisement { target: a, .. },
                        ..
                    }) if a == target)
                });
                let src = d.packet.layers.iter().find_map(|l| match l {
                    Layer::Ethernet(e) => Some(e.src),
                    _ => None,
                });
                if let (true, Some(src)) = (answered, src) {
                    macs.insert(link.clone(), src);
                } else if !answered {
                    links.push(early, link, rx);
                }
            }
        }
    }
    Ok(macs)
}

/// The error when the IUT's process has ended, `None` while it runs.
fn exited(iut: &mut Option<IutProcess>) -> Option<DataplaneError> {
    let p = iut.as_mut()?;
    let s = p.exited()?;
    Some(DataplaneError(format!(
        "the IUT ({}, pid {}) exited ({s}); {}",
        p.what(),
        p.id(),
        p.log_tail(LOG_LINES)
    )))
}

fn check(
    stop: &Option<Arc<AtomicBool>>,
    iut: &mut Option<IutProcess>,
) -> Result<(), DataplaneError> {
    if stop.as_ref().is_some_and(|s| s.load(Ordering::SeqCst)) {
        return Err(DataplaneError(INTERRUPTED.into()));
    }
    match exited(iut) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// What a target file's placeholders stand for.
struct Fill<'a> {
    topo: &'a suite::Topology,
    iface: &'a dyn Fn(&str) -> String,
    config: Result<&'a Path, &'a str>,
    program: &'a Path,
}

fn role_word(r: Role) -> &'static str {
    match r {
        Role::CorrespondentNode => "cn",
        Role::HomeAgent => "ha",
        Role::MobileNode => "mn",
        Role::MobileRouter => "mr",
    }
}

fn fill(what: &str, text: &str, f: &Fill<'_>) -> Result<String, DataplaneError> {
    let t = f.topo;
    let links: Vec<&str> = t.links.iter().map(|l| l.value.as_str()).collect();
    suite::fill_placeholders(text, |name, arg| {
        let link = || match arg {
            Some(l) if t.has_link(l) => Ok(l.to_string()),
            Some(l) => Err(format!(
                "{{{name}:{l}}}: topology {} has no link {l} (its links: {})",
                t.topology.value,
                links.join(", ")
            )),
            None if links.len() == 1 => Ok(links[0].to_string()),
            None => Err(format!(
                "{{{name}}}: topology {} has {} links: write {{{name}:LINK}}",
                t.topology.value,
                links.len()
            )),
        };
        match name {
            "iface" => Ok((f.iface)(&link()?)),
            "mac" => {
                let l = link()?;
                t.iut
                    .interfaces
                    .get(&l)
                    .and_then(|i| i.mac)
                    .map(|m| m.to_string())
                    .ok_or_else(|| {
                        format!("{{mac:{l}}}: the IUT's MAC on {l} is not known (give it in the target file: iut: {{{l}: {{mac: ...}}}})")
                    })
            }
            "config" => f
                .config
                .map(|p| p.display().to_string())
                .map_err(|e| format!("{{config}}: {e}")),
            "mip6test" => Ok(f.program.display().to_string()),
            "role" => Ok(role_word(t.iut.role.value).to_string()),
            other => Err(format!("unknown placeholder {{{other}}}")),
        }
    })
    .map_err(|e| DataplaneError(format!("{what}: {e}")))
}

/// A command as messages name it: its first line, shortened.
fn short(text: &str) -> String {
    let first = text.lines().next().unwrap_or("").trim();
    let mut s: String = first.chars().take(72).collect();
    if s.len() < first.len() || text.trim().lines().count() > 1 {
        s.push_str(" …");
    }
    format!("`{s}`")
}

/// The files of one case: the reference configuration and the IUT's output.
fn case_files(tag: &str) -> (PathBuf, PathBuf) {
    let base = std::env::temp_dir().join(format!("mip6test-{tag}"));
    (base.with_extension("yaml"), base.with_extension("log"))
}

fn write_config(
    cfg: &Result<ReferenceConfig, DataplaneError>,
    path: &Path,
) -> Result<(), DataplaneError> {
    if let Ok(c) = cfg {
        std::fs::write(path, c.to_yaml()?)
            .map_err(|e| DataplaneError(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(())
}

fn remove_ready_file(f: &Option<PathBuf>) -> Result<(), DataplaneError> {
    if let Some(f) = f {
        match std::fs::remove_file(f) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(DataplaneError(format!(
                    "cannot remove the ready file {}: {e}",
                    f.display()
                )))
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Namespaces

/// The IUT in a network namespace the harness built for the test case.
pub struct NetnsDataplane {
    // Dropped in this order: sockets, the IUT's process group, then the topology (what is
    // left in the namespaces, the veths, the namespaces).
    links: Links,
    iut: Option<IutProcess>,
    topo: Topology,
    files: Vec<PathBuf>,
    stop: Option<Arc<AtomicBool>>,
}

impl std::fmt::Debug for NetnsDataplane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetnsDataplane")
            .field("run_id", &self.topo.run_id())
            .field(
                "links",
                &self.links.socks.iter().map(|l| &l.0).collect::<Vec<_>>(),
            )
            .field("pid", &self.pid())
            .finish_non_exhaustive()
    }
}

impl NetnsDataplane {
    /// Builds the namespaces and links for topology `t`, starts the IUT and waits until it is
    /// ready.
    pub fn new(t: &suite::Topology, seed: u64, opts: &NetnsOpts) -> Result<Self, DataplaneError> {
        Self::start(t, seed, opts, &HookEnv::default())
    }

    /// [`NetnsDataplane::new`] for one test case: a target file's command gets `env`'s
    /// variables (MIP6TEST_TEST...) and MIP6TEST_NETNS / MIP6TEST_IFACE_<LINK>.
    pub fn start(
        t: &suite::Topology,
        seed: u64,
        opts: &NetnsOpts,
        env: &HookEnv,
    ) -> Result<Self, DataplaneError> {
        let target = opts.target.as_deref();
        let command = target
            .and_then(|f| f.command.as_ref())
            .map(|c| c.value.as_str());
        let cfg = reference_config(t, seed).map(|c| c.with_time_scale(opts.time_scale));
        if command.is_none() {
            if let Err(e) = &cfg {
                return Err(e.clone());
            }
        }
        let kernel_ipv6 = target
            .and_then(|f| f.kernel_ipv6.as_ref())
            .is_some_and(|k| k.value);
        let mut topo = Topology::new();
        let iut_ns = topo.add_namespace("iut").map_err(live)?;
        let tester = topo.add_namespace("tester").map_err(live)?;
        let mut socks = Vec::new();
        for l in &t.links {
            let name = l.value.as_str();
            topo.add_veth(&iut_ns, name, &tester, name).map_err(live)?;
            let mac = t
                .iut
                .interfaces
                .get(name)
                .and_then(|i| i.mac.as_ref())
                .map(|m| MacAddr(m.0));
            let cfg = if kernel_ipv6 {
                LinkConfig::kernel(mac)
            } else {
                LinkConfig::userspace(mac)
            };
            iut_ns.configure_link(name, &cfg).map_err(live)?;
            tester
                .configure_link(name, &LinkConfig::userspace(tester_mac(t, name)))
                .map_err(live)?;
            socks.push((name.to_string(), tester.open_packet(name).map_err(live)?));
        }
        let (config, log) = case_files(topo.run_id());
        let mut dp = NetnsDataplane {
            links: Links {
                socks,
                start: Instant::now(),
                early: Vec::new(),
                keep_early: true,
            },
            iut: None,
            topo,
            files: vec![config.clone(), log.clone()],
            stop: opts.stop.clone(),
        };
        write_config(&cfg, &config)?;
        let iface = |l: &str| l.to_string();
        let cfg_err = cfg.as_ref().err().map(|e| e.0.clone()).unwrap_or_default();
        let f = Fill {
            topo: t,
            iface: &iface,
            config: if cfg.is_ok() {
                Ok(&config)
            } else {
                Err(&cfg_err)
            },
            program: &opts.program,
        };
        let default_ready = suite::Ready::default();
        let ready = target.map_or(&default_ready, |f| &f.ready);
        let ready_file = match ready.file.as_ref() {
            Some(p) => Some(PathBuf::from(fill("ready.file", &p.value, &f)?)),
            None => None,
        };
        remove_ready_file(&ready_file)?;
        let stop_signal = signal_number(target.map_or("TERM", |f| f.stop_signal()));
        let env = HookEnv {
            netns: Some(iut_ns.name().to_string()),
            ifaces: t
                .links
                .iter()
                .map(|l| (l.value.clone(), l.value.clone()))
                .collect(),
            ..env.clone()
        };
        let (mut cmd, what) = match (command, &cfg) {
            (Some(text), _) => {
                let text = fill("command", text, &f)?;
                let mut c = iut_ns.command("sh");
                c.arg("-c").arg(&text).envs(env.vars());
                (c, short(&text))
            }
            (None, Ok(cfg)) => {
                let role = match cfg {
                    ReferenceConfig::Cn(_) => "cn",
                    ReferenceConfig::Ha(_) => "ha",
                };
                let mut c = iut_ns.command(&opts.program);
                c.args(["reference", "--role", role, "--iface"])
                    .arg(cfg.interfaces().join(","))
                    .arg("--config")
                    .arg(&config);
                (c, "mip6test reference".to_string())
            }
            (None, Err(e)) => return Err(e.clone()),
        };
        dp.links.start = Instant::now();
        dp.iut = Some(IutProcess::spawn(&mut cmd, what, &log, stop_signal).map_err(live)?);
        if let Some(r) = target.and_then(|f| f.reset.as_ref()) {
            let text = fill("reset", &r.value, &f)?;
            let timeout = target
                .and_then(|f| f.reset_timeout)
                .unwrap_or(suite::Hooks::DEFAULT_TIMEOUT);
            hooks::run_hook("reset", &text, &env, timeout)
                .map_err(|d| DataplaneError(d.join("; ")))?;
        }
        let r = Readiness {
            ready,
            file: ready_file,
            iface: &iface,
            log: Some(&log),
        };
        let NetnsDataplane {
            links, iut, stop, ..
        } = &mut dp;
        let describe = {
            let p = iut
                .as_ref()
                .map(|p| format!("{}, pid {}", p.what(), p.id()));
            move || p.clone().unwrap_or_default()
        };
        let mut early = Vec::new();
        wait_ready(
            links,
            &mut early,
            t,
            &r,
            &mut || check(stop, iut),
            &describe,
        )?;
        dp.links.early = early;
        dp.links.restart(t)?;
        Ok(dp)
    }

    /// The IUT's process id (0 once stopped).
    pub fn pid(&self) -> u32 {
        self.iut.as_ref().map_or(0, IutProcess::id)
    }

    /// The name of the IUT's network namespace (`mip6t-<pid>-<n>-iut`).
    pub fn iut_namespace(&self) -> &str {
        self.topo.namespace("iut").map_or("", |n| n.name())
    }

    /// The IUT's interface on each link, (link, interface): named after the link.
    pub fn iut_interfaces(&self) -> Vec<(String, String)> {
        self.links
            .socks
            .iter()
            .map(|(l, _)| (l.clone(), l.clone()))
            .collect()
    }
}

live_dataplane!(NetnsDataplane);

// ---------------------------------------------------------------------------------------------
// Named interfaces

/// The IUT on existing interfaces of this host (a target file with `interfaces:`). Opens
/// AF_PACKET sockets on exactly those interfaces and changes nothing on them (promiscuous mode
/// lasts as long as the sockets); starts the target's `command` for the case when it has one
/// and stops its process group when dropped.
pub struct IfaceDataplane {
    links: Links,
    iut: Option<IutProcess>,
    files: Vec<PathBuf>,
    stop: Option<Arc<AtomicBool>>,
    learned: BTreeMap<String, MacAddr>,
    names: Vec<(String, String)>,
}

impl std::fmt::Debug for IfaceDataplane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IfaceDataplane")
            .field("interfaces", &self.names)
            .finish_non_exhaustive()
    }
}

impl IfaceOpts {
    /// Why a suite with topology `t` cannot run on this target: a link no interface is named
    /// for.
    pub fn skip_reason(&self, t: &suite::Topology) -> Option<String> {
        let missing = self
            .target
            .unmapped_links(t.links.iter().map(|l| l.value.as_str()));
        if missing.is_empty() {
            return None;
        }
        Some(format!(
            "topology {} has link{} {} which {} does not map to an interface (interfaces:)",
            t.topology.value,
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            self.target.path.display()
        ))
    }

    /// The topology a suite runs with: the target's `iut:` applied. (Each case then takes the
    /// IUT's MAC from the readiness probe where the target gives none:
    /// [`IfaceDataplane::topology`].)
    pub fn topology(&self, t: &suite::Topology) -> suite::Topology {
        self.target.apply(t)
    }

    fn given_mac(&self, link: &str) -> bool {
        self.target.iut.get(link).and_then(|o| o.mac).is_some()
    }

    fn iface(&self, link: &str) -> String {
        self.target.interface(link).unwrap_or(link).to_string()
    }
}

/// Opens a socket on interface `name`, named for `link` in target file `file`.
fn open_named(file: &Path, link: &str, name: &str) -> Result<AfPacket, LiveError> {
    AfPacket::open(name).map_err(|e| match e {
        LiveError::NoInterface { .. } => LiveError::TargetInterface {
            file: file.to_path_buf(),
            link: link.to_string(),
            name: name.to_string(),
        },
        e => e,
    })
}

impl IfaceDataplane {
    /// Opens the target's interfaces for topology `t` (from [`IfaceOpts::topology`]), starts
    /// its command, runs its reset and waits until the IUT is ready.
    pub fn new(
        t: &suite::Topology,
        seed: u64,
        opts: &IfaceOpts,
        env: &HookEnv,
    ) -> Result<Self, DataplaneError> {
        let target = &*opts.target;
        let mut socks = Vec::new();
        let mut names = Vec::new();
        for l in &t.links {
            let link = l.value.as_str();
            let Some(name) = target.interface(link) else {
                return Err(DataplaneError(format!(
                    "{} maps no interface to link {link}",
                    target.path.display()
                )));
            };
            socks.push((
                link.to_string(),
                open_named(&target.path, link, name).map_err(live)?,
            ));
            names.push((link.to_string(), name.to_string()));
        }
        let tag = format!(
            "{}-if{}",
            std::process::id(),
            FILE_COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let (config, log) = case_files(&tag);
        let mut dp = IfaceDataplane {
            links: Links {
                socks,
                start: Instant::now(),
                early: Vec::new(),
                keep_early: target.command.is_some(),
            },
            iut: None,
            files: vec![config.clone(), log.clone()],
            stop: opts.stop.clone(),
            learned: BTreeMap::new(),
            names,
        };
        let cfg = reference_config(t, seed).map(|c| c.with_time_scale(opts.time_scale));
        write_config(&cfg, &config)?;
        let iface = |l: &str| opts.iface(l);
        let cfg_err = cfg.as_ref().err().map(|e| e.0.clone()).unwrap_or_default();
        let f = Fill {
            topo: t,
            iface: &iface,
            config: if cfg.is_ok() {
                Ok(&config)
            } else {
                Err(&cfg_err)
            },
            program: &opts.program,
        };
        let env = HookEnv {
            ifaces: dp.names.clone(),
            ..env.clone()
        };
        let ready_file = match target.ready.file.as_ref() {
            Some(p) => Some(PathBuf::from(fill("ready.file", &p.value, &f)?)),
            None => None,
        };
        remove_ready_file(&ready_file)?;
        if let Some(c) = &target.command {
            let text = fill("command", &c.value, &f)?;
            let mut cmd = Command::new("sh");
            cmd.arg("-c").arg(&text).envs(env.vars());
            dp.links.start = Instant::now();
            dp.iut = Some(
                IutProcess::spawn(
                    &mut cmd,
                    short(&text),
                    &log,
                    signal_number(target.stop_signal()),
                )
                .map_err(live)?,
            );
        }
        if let Some(r) = &target.reset {
            let text = fill("reset", &r.value, &f)?;
            let timeout = target
                .reset_timeout
                .unwrap_or(suite::Hooks::DEFAULT_TIMEOUT);
            hooks::run_hook("reset", &text, &env, timeout)
                .map_err(|d| DataplaneError(d.join("; ")))?;
        }
        let iface_desc = |l: &str| format!("{l} ({})", opts.iface(l));
        let r = Readiness {
            ready: &target.ready,
            file: ready_file,
            iface: &iface_desc,
            log: target.command.as_ref().map(|_| log.as_path()),
        };
        let IfaceDataplane {
            links, iut, stop, ..
        } = &mut dp;
        let describe = {
            let p = iut
                .as_ref()
                .map(|p| format!("{}, pid {}", p.what(), p.id()));
            let file = target.path.display().to_string();
            move || p.clone().unwrap_or_else(|| format!("of {file}"))
        };
        let mut early = Vec::new();
        let learned = wait_ready(
            links,
            &mut early,
            t,
            &r,
            &mut || check(stop, iut),
            &describe,
        )?;
        if links.keep_early {
            links.early = early;
        }
        for l in &t.links {
            let needed = t.iut.interfaces.contains_key(&l.value);
            if needed && !opts.given_mac(&l.value) && !learned.contains_key(&l.value) {
                return Err(DataplaneError(format!(
                    "the IUT's MAC on {} is not known: give it in {} (iut: {{{}: {{mac: ...}}}}) or leave ready.probe on to learn it",
                    iface_desc(&l.value),
                    target.path.display(),
                    l.value
                )));
            }
        }
        dp.learned = learned
            .into_iter()
            .filter(|(l, _)| !opts.given_mac(l))
            .collect();
        dp.links.restart(t)?;
        Ok(dp)
    }

    /// Topology `t` (from [`IfaceOpts::topology`]) with the IUT's MAC on each link where the
    /// target file gives none: the one the readiness probe's answer came from (the
    /// topology's describes the built-in reference, not this IUT).
    pub fn topology(&self, t: &suite::Topology) -> suite::Topology {
        let mut t = t.clone();
        for (link, mac) in &self.learned {
            if let Some(i) = t.iut.interfaces.get_mut(link) {
                i.value.mac = Some(suite::MacAddr(mac.0));
            }
        }
        t
    }

    /// The interface on each link, (link, interface).
    pub fn iut_interfaces(&self) -> Vec<(String, String)> {
        self.names.clone()
    }
}

live_dataplane!(IfaceDataplane);

// ---------------------------------------------------------------------------------------------
// Setting up a run

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

fn program_or_current(program: Option<PathBuf>) -> Result<PathBuf, HarnessError> {
    match program {
        Some(p) => Ok(p),
        None => current_program().map_err(|e| HarnessError::Usage(e.0)),
    }
}

/// The options of a netns run: checks privileges, installs the SIGINT/SIGTERM handlers and
/// removes the leftovers of dead runs (saying so on `err`).
pub fn netns_opts(
    program: Option<PathBuf>,
    target: Option<Arc<TargetFile>>,
    err: &mut dyn Write,
) -> Result<NetnsOpts, HarnessError> {
    if !crate::live::is_root() {
        return Err(LiveError::NotPermitted {
            what: "--target netns: creating network namespaces and AF_PACKET sockets".into(),
            fix: "needs root or CAP_NET_ADMIN/CAP_NET_RAW: run as root",
        }
        .into());
    }
    let stop = crate::live::stop_on_signals()?;
    let swept = crate::live::sweep_stale()?;
    for (name, procs) in &swept.removed {
        writeln!(
            err,
            "mip6test: removed namespace {name} of a run that died ({procs} process(es) in it)"
        )
        .map_err(HarnessError::Output)?;
    }
    Ok(NetnsOpts {
        program: program_or_current(program)?,
        stop: Some(stop),
        target,
        time_scale: 1.0,
    })
}

/// Where a target file runs its suites.
#[derive(Debug, Clone)]
pub enum FileEnv {
    /// No `interfaces:`: namespaces per test case.
    Netns(NetnsOpts),
    /// `interfaces:`: those interfaces only.
    Ifaces(IfaceOpts),
}

/// Loads target file `path` (its diagnostics on `err`, then a usage error) and prepares the
/// run: for a netns target as [`netns_opts`]; for named interfaces, checks that each exists
/// and is Ethernet (an environment error naming the interface otherwise), warns on `err`
/// where the kernel's IPv6 is on (mip6test changes nothing there) and that `-j` is ignored.
pub fn file_env(
    path: &Path,
    program: Option<PathBuf>,
    jobs: usize,
    err: &mut dyn Write,
) -> Result<FileEnv, HarnessError> {
    let out = |e| HarnessError::Output(e);
    let target = match suite::load_target(path) {
        Ok(t) => Arc::new(t),
        Err(ds) => {
            for d in &ds {
                writeln!(err, "{d}").map_err(out)?;
            }
            return Err(HarnessError::Usage(format!(
                "{}: the target file is not valid (see docs/targets.md)",
                path.display()
            )));
        }
    };
    let Some(ifaces) = target.interfaces.as_ref() else {
        return netns_opts(program, Some(target), err).map(FileEnv::Netns);
    };
    for (link, name) in &ifaces.value {
        let s = AfPacket::open_with(&name.value, crate::live::OpenOptions { promiscuous: false })
            .map_err(|e| match e {
            LiveError::NoInterface { .. } => LiveError::TargetInterface {
                file: path.to_path_buf(),
                link: link.clone(),
                name: name.value.clone(),
            },
            e => e,
        })?;
        drop(s);
        if crate::live::kernel_ipv6_enabled(&name.value).unwrap_or(false) {
            writeln!(
                err,
                "mip6test: warning: the kernel's IPv6 is on for {} (link {link}): this host may \
                 send its own Router Solicitations and MLD reports there; mip6test leaves it as \
                 it is (off: `sysctl -w net.ipv6.conf.{}.disable_ipv6=1`)",
                name.value, name.value
            )
            .map_err(out)?;
        }
    }
    if jobs > 1 {
        writeln!(
            err,
            "mip6test: warning: -j {jobs} ignored: the IUT on {} runs one test case at a time",
            path.display()
        )
        .map_err(out)?;
    }
    Ok(FileEnv::Ifaces(IfaceOpts {
        program: program_or_current(program)?,
        stop: Some(crate::live::stop_on_signals()?),
        target,
        time_scale: 1.0,
    }))
}
