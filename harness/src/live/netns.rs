//! Network namespaces, veth pairs and child processes that the harness creates for a test or
//! for `--target netns:...`, and always removes again.
//!
//! * Every namespace is named `mip6t-<pid>-<n>-<label>`: the owning process id, a counter
//!   unique within that process, and a label ("ha", "mn", "link0"...). [`sweep_stale`] uses
//!   the pid to find the leftovers of runs that crashed or were killed.
//! * [`Topology`] is the guard: its `Drop` kills the child processes it holds, deletes the veth
//!   pairs and then the namespaces it created, also while unwinding from a panic.
//! * Veth pairs are created directly inside the namespaces (`ip -n A link add IF type veth peer
//!   name IF2 netns B`), so no interface ever appears in the host's own namespace and the
//!   names inside (`link0`, `eth0`) cannot collide with anything.
//! * [`Netns::run`] runs a closure on a fresh thread moved into the namespace (setns(2));
//!   sockets opened there stay in that namespace when the thread ends, so
//!   [`Netns::open_packet`] returns an [`AfPacket`] the caller uses from any thread.
//! * [`Netns::command`] builds `ip netns exec NAME program`; [`NsChild`] kills and reaps the
//!   process when dropped.
//!
//! Only the `ip` program (iproute2) is needed; sysctls are written through /proc from a thread
//! inside the namespace.

use super::afpacket::{check_ifname, AfPacket, OpenOptions};
use super::error::{LiveError, FIX_NETNS};
use super::sys;
use mip6_packets::MacAddr;
use std::fmt;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The prefix of every namespace the harness creates.
pub const NAME_PREFIX: &str = "mip6t-";

/// Where `ip netns` keeps its named namespaces.
const NETNS_DIR: &str = "/run/netns";

/// How long a child gets to exit after SIGTERM before it is killed.
const CHILD_GRACE: Duration = Duration::from_secs(1);

static TOPOLOGY_COUNTER: AtomicU32 = AtomicU32::new(0);

/// Runs `ip ARGS...` and returns its standard output.
pub fn ip(args: &[&str]) -> Result<String, LiveError> {
    let out = Command::new("ip")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                LiveError::ToolMissing {
                    program: "ip",
                    package: "iproute2",
                }
            } else {
                LiveError::Io {
                    what: "running `ip`".to_string(),
                    source: e,
                }
            }
        })?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(LiveError::Command {
            command: format!("ip {}", args.join(" ")),
            status: out.status.code(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }
}

/// A named network namespace (`ip netns`), created by a [`Topology`] or attached by name.
/// The handle does not own the namespace: cloning and dropping it changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Netns {
    name: String,
}

impl fmt::Display for Netns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// How to set up one interface in a namespace ([`Netns::configure_link`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkConfig {
    /// Set this MAC address.
    pub mac: Option<MacAddr>,
    /// Leave the kernel's own IPv6 on the interface (`false`: `disable_ipv6=1`, so only a
    /// userspace node answers ND, ICMPv6 and MH; AF_PACKET still sees every frame).
    pub kernel_ipv6: bool,
    /// Bring the interface up.
    pub up: bool,
}

impl LinkConfig {
    /// For an interface handed to a userspace node: kernel IPv6 off, up.
    pub fn userspace(mac: Option<MacAddr>) -> LinkConfig {
        LinkConfig {
            mac,
            kernel_ipv6: false,
            up: true,
        }
    }

    /// For an interface of a kernel IPv6 stack (an implementation under test): IPv6 on, up.
    pub fn kernel(mac: Option<MacAddr>) -> LinkConfig {
        LinkConfig {
            mac,
            kernel_ipv6: true,
            up: true,
        }
    }
}

impl Netns {
    /// An existing namespace that the harness did not create (the tester named it). It is
    /// never deleted by the harness.
    pub fn attach(name: &str) -> Result<Netns, LiveError> {
        check_netns_name(name)?;
        let ns = Netns {
            name: name.to_string(),
        };
        if !ns.path().exists() {
            return Err(LiveError::NoNamespace {
                name: name.to_string(),
            });
        }
        Ok(ns)
    }

    /// The namespace's name, as `ip netns list` shows it.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn path(&self) -> PathBuf {
        Path::new(NETNS_DIR).join(&self.name)
    }

    /// Runs `f` on a new thread that has entered this namespace, and returns its result. A
    /// panic in `f` is resumed on the calling thread. File descriptors `f` opens (sockets)
    /// stay in this namespace for their whole life.
    pub fn run<R, F>(&self, f: F) -> Result<R, LiveError>
    where
        F: FnOnce() -> R + Send,
        R: Send,
    {
        let file = File::open(self.path()).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                LiveError::NoNamespace {
                    name: self.name.clone(),
                }
            } else {
                LiveError::from_io(
                    format!("opening network namespace {}", self.name),
                    None,
                    e,
                    FIX_NETNS,
                )
            }
        })?;
        let name = &self.name;
        std::thread::scope(|s| {
            let handle = std::thread::Builder::new()
                .name(format!("netns {name}"))
                .spawn_scoped(s, move || {
                    sys::setns_net(&file).map_err(|e| {
                        LiveError::from_io(
                            format!("entering network namespace {name}"),
                            None,
                            e,
                            FIX_NETNS,
                        )
                    })?;
                    Ok(f())
                })
                .map_err(|e| LiveError::Io {
                    what: format!("starting a thread for network namespace {name}"),
                    source: e,
                })?;
            match handle.join() {
                Ok(r) => r,
                Err(panic) => std::panic::resume_unwind(panic),
            }
        })
    }

    /// Opens an AF_PACKET socket (promiscuous) on interface `ifname` of this namespace.
    pub fn open_packet(&self, ifname: &str) -> Result<AfPacket, LiveError> {
        self.open_packet_with(ifname, OpenOptions::default())
    }

    /// Opens an AF_PACKET socket on interface `ifname` of this namespace.
    pub fn open_packet_with(&self, ifname: &str, opts: OpenOptions) -> Result<AfPacket, LiveError> {
        let name = self.name.clone();
        self.run(move || AfPacket::open_in(ifname, opts, Some(&name)))?
    }

    /// Turns the kernel's IPv6 on `ifname` in this namespace on or off
    /// (`net.ipv6.conf.IF.disable_ipv6`).
    pub fn set_kernel_ipv6(&self, ifname: &str, enabled: bool) -> Result<(), LiveError> {
        let name = self.name.clone();
        self.run(move || set_kernel_ipv6_here(ifname, enabled, Some(&name)))?
    }

    /// Whether the kernel's IPv6 is on for `ifname` in this namespace.
    pub fn kernel_ipv6_enabled(&self, ifname: &str) -> Result<bool, LiveError> {
        let name = self.name.clone();
        self.run(move || kernel_ipv6_enabled_here(ifname, Some(&name)))?
    }

    /// Runs `ip -n NAME ARGS...` and returns its output.
    pub fn ip(&self, args: &[&str]) -> Result<String, LiveError> {
        let mut all = vec!["-n", self.name.as_str()];
        all.extend_from_slice(args);
        ip(&all).map_err(|e| self.no_device(e, args))
    }

    /// `Cannot find device "X"` from `ip` becomes [`LiveError::NoInterface`].
    fn no_device(&self, e: LiveError, args: &[&str]) -> LiveError {
        if let LiveError::Command { stderr, .. } = &e {
            if stderr.contains("Cannot find device") {
                let name = args
                    .iter()
                    .position(|a| *a == "dev")
                    .and_then(|i| args.get(i + 1))
                    .unwrap_or(&"?");
                return LiveError::NoInterface {
                    name: name.to_string(),
                    netns: Some(self.name.clone()),
                };
            }
        }
        e
    }

    /// Sets up interface `ifname`: first its kernel IPv6 (while the link is still down, so a
    /// disabled kernel never sends a Router Solicitation, DAD or MLD frame), then the MAC, then
    /// up.
    pub fn configure_link(&self, ifname: &str, cfg: &LinkConfig) -> Result<(), LiveError> {
        check_ifname(ifname)?;
        self.set_kernel_ipv6(ifname, cfg.kernel_ipv6)?;
        if let Some(mac) = cfg.mac {
            self.ip(&["link", "set", "dev", ifname, "address", &mac.to_string()])?;
        }
        if cfg.up {
            self.ip(&["link", "set", "dev", ifname, "up"])?;
        }
        Ok(())
    }

    /// A command that runs `program` inside this namespace (`ip netns exec NAME program`).
    /// Add arguments and stdio to it, then start it with [`NsChild::spawn`] or
    /// [`Topology::spawn`]. Standard input is closed unless the caller sets it.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name]);
        c.arg(program);
        c.stdin(Stdio::null());
        c
    }

    /// The ids of the processes inside this namespace (`ip netns pids`).
    pub fn pids(&self) -> Result<Vec<u32>, LiveError> {
        let out = ip(&["netns", "pids", &self.name])?;
        Ok(out
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect())
    }

    /// Kills (SIGKILL) every process left in the namespace. Never the harness itself.
    fn kill_all(&self) -> Result<(), LiveError> {
        let me = std::process::id();
        for pid in self.pids()? {
            if pid != me {
                // The process may have exited since it was listed.
                let _ = sys::signal(pid, sys::SIGKILL);
            }
        }
        Ok(())
    }
}

/// Turns the kernel's IPv6 on `ifname` on or off in the calling thread's namespace.
pub fn set_kernel_ipv6(ifname: &str, enabled: bool) -> Result<(), LiveError> {
    set_kernel_ipv6_here(ifname, enabled, None)
}

/// Whether the kernel's IPv6 is on for `ifname` in the calling thread's namespace. A kernel
/// without IPv6 (booted with `ipv6.disable=1`) answers `false`.
pub fn kernel_ipv6_enabled(ifname: &str) -> Result<bool, LiveError> {
    kernel_ipv6_enabled_here(ifname, None)
}

fn disable_ipv6_path(ifname: &str) -> PathBuf {
    Path::new("/proc/sys/net/ipv6/conf")
        .join(ifname)
        .join("disable_ipv6")
}

fn ipv6_sysctl_error(ifname: &str, netns: Option<&str>, e: io::Error, what: String) -> LiveError {
    if e.kind() == io::ErrorKind::NotFound {
        LiveError::NoInterface {
            name: ifname.to_string(),
            netns: netns.map(str::to_string),
        }
    } else {
        LiveError::from_io(what, None, e, FIX_NETNS)
    }
}

fn kernel_ipv6_enabled_here(ifname: &str, netns: Option<&str>) -> Result<bool, LiveError> {
    check_ifname(ifname)?;
    if !Path::new("/proc/sys/net/ipv6").exists() {
        return Ok(false);
    }
    let path = disable_ipv6_path(ifname);
    let v = std::fs::read_to_string(&path)
        .map_err(|e| ipv6_sysctl_error(ifname, netns, e, format!("reading {}", path.display())))?;
    Ok(v.trim() == "0")
}

fn set_kernel_ipv6_here(ifname: &str, enabled: bool, netns: Option<&str>) -> Result<(), LiveError> {
    check_ifname(ifname)?;
    if !Path::new("/proc/sys/net/ipv6").exists() {
        if enabled {
            return Err(LiveError::Io {
                what: format!("turning IPv6 on for {ifname}"),
                source: io::Error::other(
                    "this kernel has no IPv6 (booted with ipv6.disable=1?); boot it with IPv6",
                ),
            });
        }
        return Ok(());
    }
    let path = disable_ipv6_path(ifname);
    std::fs::write(&path, if enabled { "0" } else { "1" })
        .map_err(|e| ipv6_sysctl_error(ifname, netns, e, format!("writing {}", path.display())))?;
    if kernel_ipv6_enabled_here(ifname, netns)? != enabled {
        return Err(LiveError::Io {
            what: format!("setting {}", path.display()),
            source: io::Error::other("the value did not stick"),
        });
    }
    Ok(())
}

/// A child process running in a namespace; killed and reaped when dropped.
#[derive(Debug)]
pub struct NsChild {
    child: Option<Child>,
    what: String,
}

impl NsChild {
    /// Starts `cmd` (usually from [`Netns::command`]).
    pub fn spawn(cmd: &mut Command) -> Result<NsChild, LiveError> {
        let what = format!("{cmd:?}");
        let child = cmd.spawn().map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                LiveError::ToolMissing {
                    program: "ip",
                    package: "iproute2",
                }
            } else {
                LiveError::Io {
                    what: format!("starting {what}"),
                    source: e,
                }
            }
        })?;
        Ok(NsChild {
            child: Some(child),
            what,
        })
    }

    /// The process id (the program's own: `ip netns exec` replaces itself with it).
    pub fn id(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// The exit status if the process has ended, without waiting.
    pub fn try_wait(&mut self) -> Result<Option<ExitStatus>, LiveError> {
        match self.child.as_mut() {
            None => Ok(None),
            Some(c) => c.try_wait().map_err(|e| LiveError::Io {
                what: format!("checking on {}", self.what),
                source: e,
            }),
        }
    }

    /// Stops the process: SIGTERM, up to one second to exit, then SIGKILL; reaps it.
    pub fn stop(mut self) -> Result<ExitStatus, LiveError> {
        self.stop_inner()
    }

    fn stop_inner(&mut self) -> Result<ExitStatus, LiveError> {
        let Some(mut child) = self.child.take() else {
            return Err(LiveError::Io {
                what: format!("stopping {}", self.what),
                source: io::Error::other("already stopped"),
            });
        };
        let io_err = |e| LiveError::Io {
            what: format!("stopping {}", self.what),
            source: e,
        };
        if let Some(status) = child.try_wait().map_err(io_err)? {
            return Ok(status);
        }
        let _ = sys::signal(child.id(), sys::SIGTERM);
        let deadline = Instant::now() + CHILD_GRACE;
        while Instant::now() < deadline {
            if let Some(status) = child.try_wait().map_err(io_err)? {
                return Ok(status);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        // Exited in the meantime is fine: wait() below reaps it either way.
        let _ = child.kill();
        child.wait().map_err(io_err)
    }
}

impl Drop for NsChild {
    fn drop(&mut self) {
        if self.child.is_some() {
            if let Err(e) = self.stop_inner() {
                eprintln!("mip6test: {e}");
            }
        }
    }
}

/// The guard for everything a test or run creates: namespaces, veth pairs, child processes.
/// Dropping it (also while a panic unwinds) removes all of it: children first (SIGTERM, then
/// SIGKILL), then any process still inside its namespaces, then its veth pairs, then its
/// namespaces. Namespaces attached with [`Netns::attach`] are never deleted.
#[derive(Debug)]
pub struct Topology {
    run_id: String,
    namespaces: Vec<(String, Netns)>,
    veths: Vec<(Netns, String)>,
    children: Vec<NsChild>,
}

impl Default for Topology {
    fn default() -> Self {
        Self::new()
    }
}

impl Topology {
    /// An empty topology with a fresh run id (`<pid>-<n>`). Creates nothing yet.
    pub fn new() -> Topology {
        let n = TOPOLOGY_COUNTER.fetch_add(1, Ordering::Relaxed);
        Topology {
            run_id: format!("{}-{n}", std::process::id()),
            namespaces: Vec::new(),
            veths: Vec::new(),
            children: Vec::new(),
        }
    }

    /// `<pid>-<n>`: part of every namespace name this topology creates.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// The namespaces created so far, in order.
    pub fn namespaces(&self) -> impl Iterator<Item = &Netns> {
        self.namespaces.iter().map(|(_, ns)| ns)
    }

    /// The namespace created with `label`, if any.
    pub fn namespace(&self, label: &str) -> Option<&Netns> {
        self.namespaces
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, ns)| ns)
    }

    /// Creates namespace `mip6t-<run id>-<label>` with its loopback up. `label`: 1 to 24
    /// lowercase letters, digits or `-`, starting with a letter or digit, unique in this
    /// topology.
    pub fn add_namespace(&mut self, label: &str) -> Result<Netns, LiveError> {
        check_label(label)?;
        if self.namespace(label).is_some() {
            return Err(LiveError::InvalidName {
                name: label.to_string(),
                reason: "this topology already has a namespace with that label",
            });
        }
        let ns = Netns {
            name: format!("{NAME_PREFIX}{}-{label}", self.run_id),
        };
        ip(&["netns", "add", &ns.name])?;
        // From here on Drop removes it, whatever fails next.
        self.namespaces.push((label.to_string(), ns.clone()));
        ns.ip(&["link", "set", "dev", "lo", "up"])?;
        Ok(ns)
    }

    /// Creates a veth pair: `a_if` in `a`, `b_if` in `b` (both down; see
    /// [`Netns::configure_link`]). The pair never exists in the host's namespace.
    pub fn add_veth(
        &mut self,
        a: &Netns,
        a_if: &str,
        b: &Netns,
        b_if: &str,
    ) -> Result<(), LiveError> {
        check_ifname(a_if)?;
        check_ifname(b_if)?;
        a.ip(&[
            "link", "add", a_if, "type", "veth", "peer", "name", b_if, "netns", &b.name,
        ])?;
        self.veths.push((a.clone(), a_if.to_string()));
        Ok(())
    }

    /// Starts `cmd` (from [`Netns::command`]) and keeps it: it is stopped when the topology
    /// drops, before the namespaces go. Returns its process id.
    pub fn spawn(&mut self, cmd: &mut Command) -> Result<u32, LiveError> {
        let child = NsChild::spawn(cmd)?;
        let id = child.id();
        self.children.push(child);
        Ok(id)
    }

    /// A child started with [`Topology::spawn`], by process id.
    pub fn child(&mut self, pid: u32) -> Option<&mut NsChild> {
        self.children.iter_mut().find(|c| c.id() == pid)
    }

    /// Removes everything now and reports every failure (Drop does the same but can only
    /// print them).
    pub fn teardown(mut self) -> Result<(), Vec<LiveError>> {
        let errors = self.teardown_inner();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn teardown_inner(&mut self) -> Vec<LiveError> {
        let mut errors = Vec::new();
        while let Some(mut child) = self.children.pop() {
            if let Err(e) = child.stop_inner() {
                errors.push(e);
            }
        }
        for (_, ns) in self.namespaces.iter().rev() {
            // A namespace someone else deleted has no processes left to kill.
            if let Err(e) = ns.kill_all() {
                if ns.path().exists() {
                    errors.push(e);
                }
            }
        }
        for (ns, ifname) in self.veths.drain(..).rev() {
            // Gone already is fine: its namespace may have been deleted by someone else.
            if let Err(e) = ns.ip(&["link", "del", "dev", &ifname]) {
                if !is_missing(&e) && ns.path().exists() {
                    errors.push(e);
                }
            }
        }
        while let Some((_, ns)) = self.namespaces.pop() {
            if let Err(e) = ip(&["netns", "del", &ns.name]) {
                if ns.path().exists() {
                    errors.push(e);
                }
            }
        }
        errors
    }
}

fn is_missing(e: &LiveError) -> bool {
    match e {
        LiveError::NoInterface { .. } => true,
        LiveError::Command { stderr, .. } => {
            stderr.contains("Cannot find device") || stderr.contains("No such file")
        }
        _ => false,
    }
}

impl Drop for Topology {
    fn drop(&mut self) {
        for e in self.teardown_inner() {
            eprintln!("mip6test: cleaning up: {e}");
        }
    }
}

/// What [`sweep_stale`] did.
#[derive(Debug, Default)]
pub struct SweepReport {
    /// Namespaces removed, with the number of processes killed inside each.
    pub removed: Vec<(String, usize)>,
    /// Namespaces that should have gone but could not be removed.
    pub failed: Vec<(String, LiveError)>,
}

/// The owning process id encoded in a harness namespace name (`mip6t-<pid>-...`).
pub fn owner_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(NAME_PREFIX)?;
    let (pid, _) = rest.split_once('-')?;
    pid.parse().ok().filter(|p| *p > 0)
}

fn process_alive(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

/// Removes the leftovers of harness runs that died without cleaning up: every `mip6t-<pid>-*`
/// namespace whose owning process no longer runs, after killing any process still inside it
/// (its veths go with it). Namespaces of running harnesses and all other namespaces are not
/// touched. Call it when a run starts.
pub fn sweep_stale() -> Result<SweepReport, LiveError> {
    let mut report = SweepReport::default();
    let entries = match std::fs::read_dir(NETNS_DIR) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(report),
        Err(e) => {
            return Err(LiveError::from_io(
                format!("listing {NETNS_DIR}"),
                None,
                e,
                FIX_NETNS,
            ))
        }
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| matches!(owner_pid(n), Some(pid) if !process_alive(pid)))
        .collect();
    names.sort();
    for name in names {
        let ns = Netns { name: name.clone() };
        let result = ns.pids().and_then(|pids| {
            let n = pids.len();
            ns.kill_all()?;
            ip(&["netns", "del", &name])?;
            Ok(n)
        });
        match result {
            Ok(n) => report.removed.push((name, n)),
            // Another harness swept it first.
            Err(_) if !ns.path().exists() => {}
            Err(e) => report.failed.push((name, e)),
        }
    }
    Ok(report)
}

fn check_label(label: &str) -> Result<(), LiveError> {
    let ok = !label.is_empty()
        && label.len() <= 24
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !label.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(LiveError::InvalidName {
            name: label.to_string(),
            reason: "a namespace label has 1 to 24 lowercase letters, digits or `-`, and does not start with `-`",
        })
    }
}

fn check_netns_name(name: &str) -> Result<(), LiveError> {
    if name.is_empty() || name == "." || name == ".." || name.contains('/') || name.contains('\0') {
        return Err(LiveError::InvalidName {
            name: name.to_string(),
            reason: "a namespace name is a file name in /run/netns (no `/`, not `.` or `..`)",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_pid_is_read_from_harness_names_only() {
        assert_eq!(owner_pid("mip6t-1234-0-ha"), Some(1234));
        assert_eq!(owner_pid("mip6t-77-12-link0"), Some(77));
        assert_eq!(owner_pid("mip6t-0-1-x"), None);
        assert_eq!(owner_pid("mip6t-abc-1-x"), None);
        assert_eq!(owner_pid("mip6t-1234"), None);
        assert_eq!(owner_pid("other-1234-0-ha"), None);
        assert_eq!(owner_pid("blue"), None);
    }

    #[test]
    fn labels_are_checked() {
        for ok in ["ha", "mn0", "link-a", "a23456789012345678901234"] {
            assert!(check_label(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-a",
            "HA",
            "a b",
            "a/b",
            "a_b",
            "a234567890123456789012345",
        ] {
            assert!(check_label(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn namespace_names_are_checked() {
        assert!(check_netns_name("blue").is_ok());
        for bad in ["", ".", "..", "a/b", "../x"] {
            assert!(check_netns_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn topologies_get_distinct_run_ids() {
        let a = Topology::new();
        let b = Topology::new();
        assert_ne!(a.run_id(), b.run_id());
        assert!(a.run_id().starts_with(&format!("{}-", std::process::id())));
    }
}
