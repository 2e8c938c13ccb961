//! The live dataplane: real frames on real (or veth) interfaces.
//!
//! * [`AfPacket`]: an AF_PACKET raw socket on one interface (whole Ethernet frames, kernel
//!   receive timestamps, the host's own outgoing frames filtered out).
//! * [`Topology`], [`Netns`], [`NsChild`], [`sweep_stale`]: network namespaces, veth pairs and
//!   child processes the harness creates and always removes.
//! * [`IutProcess`]: an implementation under test started for one test case, in a process
//!   group of its own, stopped with everything it started.
//! * [`run_node`]: drives a sans-IO [`mip6_reference::Node`] on a set of sockets until a stop
//!   flag is set; [`run_reference`] and [`run_reference_in`] open the sockets by name and stop
//!   on SIGINT/SIGTERM (`mip6test reference --iface IF`, `--target netns:...`).
//!
//! Live traffic goes only to interfaces the tester named or to namespaces the harness
//! created. Everything here needs root (or CAP_NET_RAW for sockets on existing interfaces,
//! CAP_SYS_ADMIN and CAP_NET_ADMIN for namespaces); errors say so. Linux only; no C library
//! beyond the platform's libc.
#![cfg(target_os = "linux")]

mod afpacket;
mod driver;
mod error;
mod iut;
mod netns;
#[allow(unsafe_code)]
mod sys;

pub use afpacket::{AfPacket, FrameKind, OpenOptions, Received, RxTimestamp, MAX_FRAME};
pub use driver::{node_time, run_node, DriverStats, LiveEvent};
pub use error::LiveError;
pub use iut::{log_tail, signal_number, IutProcess};
pub use netns::{
    ip, kernel_ipv6_enabled, owner_pid, set_kernel_ipv6, sweep_stale, LinkConfig, Netns, NsChild,
    SweepReport, Topology, NAME_PREFIX,
};

use mip6_reference::Node;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};

/// Whether the process runs as root (effective uid 0). Tests that need namespaces skip with a
/// message when it does not.
pub fn is_root() -> bool {
    sys::is_root()
}

/// Runs a reference node on the named interfaces of the harness's own namespace until SIGINT
/// or SIGTERM (a second SIGINT/SIGTERM exits at once). Warns through `log` about each
/// interface on which the kernel's own IPv6 is on, since the kernel would then answer ND and
/// ICMPv6 next to the node: `sysctl -w net.ipv6.conf.IF.disable_ipv6=1` turns it off.
pub fn run_reference(
    node: &mut dyn Node,
    iface_names: &[String],
    mut log: impl FnMut(LiveEvent),
) -> Result<DriverStats, LiveError> {
    let mut sockets = Vec::with_capacity(iface_names.len());
    for name in iface_names {
        sockets.push(AfPacket::open(name)?);
        if kernel_ipv6_enabled(name)? {
            log(kernel_ipv6_warning(name, None));
        }
    }
    run_until_signal(node, &sockets, &mut log)
}

/// [`run_reference`] on interfaces of namespace `ns` (the driver runs on the calling thread;
/// only the sockets live in `ns`).
pub fn run_reference_in(
    ns: &Netns,
    node: &mut dyn Node,
    iface_names: &[String],
    mut log: impl FnMut(LiveEvent),
) -> Result<DriverStats, LiveError> {
    let mut sockets = Vec::with_capacity(iface_names.len());
    for name in iface_names {
        sockets.push(ns.open_packet(name)?);
        if ns.kernel_ipv6_enabled(name)? {
            log(kernel_ipv6_warning(name, Some(ns)));
        }
    }
    run_until_signal(node, &sockets, &mut log)
}

fn kernel_ipv6_warning(name: &str, ns: Option<&Netns>) -> LiveEvent {
    let prefix = ns.map_or(String::new(), |ns| format!("ip netns exec {ns} "));
    LiveEvent::Warning {
        text: format!(
            "the kernel's IPv6 is on for {name}: next to the node it will answer Neighbor \
             Solicitations, Echo Requests, and Mobility Headers with Parameter Problems; turn it \
             off with `{prefix}sysctl -w net.ipv6.conf.{name}.disable_ipv6=1`"
        ),
    }
}

/// [`run_node`] with the epoch now and the process's [`stop_on_signals`] flag: it returns
/// after the first SIGINT or SIGTERM (at once if one already came).
pub fn run_until_signal(
    node: &mut dyn Node,
    sockets: &[AfPacket],
    log: &mut dyn FnMut(LiveEvent),
) -> Result<DriverStats, LiveError> {
    let stop = stop_on_signals()?;
    run_node(node, sockets, &stop, std::time::Instant::now(), log)
}

/// The process's stop flag: set by the first SIGINT or SIGTERM; a second one exits at once
/// with status 128 + the signal (guards do not run then: [`sweep_stale`] removes what they
/// leave). The handlers are installed on the first call and stay for the life of the process,
/// so Ctrl-C keeps working between runs; the flag is never cleared, so a run started after a
/// signal ends at once. Use it for everything that must wind down on Ctrl-C (a whole suite).
pub fn stop_on_signals() -> Result<Arc<AtomicBool>, LiveError> {
    static FLAG: OnceLock<Result<Arc<AtomicBool>, (i32, String)>> = OnceLock::new();
    FLAG.get_or_init(|| {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let stop = Arc::new(AtomicBool::new(false));
        for sig in [SIGINT, SIGTERM] {
            let err = |e: std::io::Error| (sig, e.to_string());
            // Registered first, so it sees the flag as the previous signal left it.
            signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, Arc::clone(&stop))
                .map_err(err)?;
            signal_hook::flag::register(sig, Arc::clone(&stop)).map_err(err)?;
        }
        Ok(stop)
    })
    .clone()
    .map_err(|(sig, e)| LiveError::Io {
        what: format!("installing a handler for signal {sig}"),
        source: std::io::Error::other(e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mip6_reference::{Event, Instant, Transmit};
    use std::sync::atomic::Ordering;

    /// A node without interfaces or timers: the driver only waits for its stop flag.
    struct Idle;

    impl Node for Idle {
        fn interfaces(&self) -> Vec<String> {
            Vec::new()
        }
        fn handle(&mut self, _: Instant, _: usize, _: &[u8]) {}
        fn handle_timeout(&mut self, _: Instant) {}
        fn poll_transmit(&mut self) -> Option<Transmit> {
            None
        }
        fn poll_timeout(&self) -> Option<Instant> {
            None
        }
        fn poll_event(&mut self) -> Option<Event> {
            None
        }
    }

    #[test]
    fn sigterm_stops_a_running_node_and_the_process_survives() {
        let stop = stop_on_signals().expect("install handlers");
        assert!(Arc::ptr_eq(&stop, &stop_on_signals().expect("again")));
        let raiser = std::thread::spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(100));
            // One signal only: a second would exit the test process.
            signal_hook::low_level::raise(signal_hook::consts::SIGTERM).expect("raise");
        });
        let started = std::time::Instant::now();
        let stats = run_until_signal(&mut Idle, &[], &mut |_| {}).expect("run");
        raiser.join().expect("raiser");
        assert!(stop.load(Ordering::SeqCst));
        assert_eq!(stats, DriverStats::default());
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}
