//! Drives a sans-IO [`Node`] on real interfaces: frames from AF_PACKET sockets go in, the
//! node's frames go out, its timers fire on the monotonic clock, its events go to a log.

use super::afpacket::{timeout_ms, AfPacket};
use super::error::LiveError;
use super::sys;
use mip6_reference::{Event, Instant, Node};
use std::fmt;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How often the loop rechecks its stop flag when nothing else wakes it.
const STOP_CHECK: Duration = Duration::from_millis(50);

/// Frames read from one socket before the others get a turn.
const BURST: usize = 64;

/// Something the driver or the node reports while running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveEvent {
    /// An event of the node.
    Node { at: Instant, event: Event },
    /// The node asked to send a frame that could not be sent.
    SendFailed {
        at: Instant,
        iface: usize,
        error: String,
    },
    /// A received frame that was not given to the node.
    FrameDropped {
        at: Instant,
        iface: usize,
        reason: String,
    },
    /// Something the person running the node should know (an interface went down, the
    /// kernel's own IPv6 is on).
    Warning { text: String },
}

impl fmt::Display for LiveEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LiveEvent::Node { at, event } => write!(f, "{at} {event:?}"),
            LiveEvent::SendFailed { at, iface, error } => {
                write!(f, "{at} send on interface {iface} failed: {error}")
            }
            LiveEvent::FrameDropped { at, iface, reason } => {
                write!(f, "{at} frame on interface {iface} dropped: {reason}")
            }
            LiveEvent::Warning { text } => write!(f, "warning: {text}"),
        }
    }
}

/// Counters of one [`run_node`] call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DriverStats {
    /// Frames handed to the node.
    pub received: u64,
    /// Frames the node sent.
    pub sent: u64,
    /// Calls of [`Node::handle_timeout`].
    pub timeouts: u64,
}

/// The node's time for a monotonic clock reading: the duration since `epoch`.
pub fn node_time(epoch: std::time::Instant, t: std::time::Instant) -> Instant {
    Instant(t.saturating_duration_since(epoch))
}

/// Runs `node` on `ifaces` (socket `i` is the node's interface `i`) until `stop` is set, then
/// returns, so every guard of the caller drops normally.
///
/// Each turn: fire the node's timer if due, send what it queued, log its events, then poll(2)
/// every socket until the node's next deadline (at most 50 ms, to see `stop`), and hand each
/// received frame to the node with the time it was read. Frames the host sent itself are
/// never handed over. Send failures and interfaces going down are logged and the node keeps
/// running; other socket errors end the run with an error.
pub fn run_node(
    node: &mut dyn Node,
    ifaces: &[AfPacket],
    stop: &AtomicBool,
    epoch: std::time::Instant,
    log: &mut dyn FnMut(LiveEvent),
) -> Result<DriverStats, LiveError> {
    let names = node.interfaces();
    if names.len() != ifaces.len() {
        return Err(LiveError::InterfaceCount {
            node: names,
            sockets: ifaces.len(),
        });
    }
    let mut stats = DriverStats::default();
    let mut fds: Vec<sys::PollFd> = ifaces
        .iter()
        .map(|s| sys::PollFd {
            fd: s.as_raw_fd(),
            events: sys::POLLIN,
            revents: 0,
        })
        .collect();
    let now = || node_time(epoch, std::time::Instant::now());
    while !stop.load(Ordering::SeqCst) {
        let t = now();
        let mut fired = false;
        if node.poll_timeout().is_some_and(|d| d <= t) {
            node.handle_timeout(t);
            stats.timeouts += 1;
            fired = true;
        }
        drain(node, ifaces, t, &mut stats, log);
        let wait = match node.poll_timeout() {
            Some(d) => d.saturating_since(now()).min(STOP_CHECK),
            None => STOP_CHECK,
        };
        let mut ms = timeout_ms(wait);
        if ms == 0 && fired {
            // The node kept a deadline it was just told about: do not spin on it.
            ms = 1;
        }
        sys::poll(&mut fds, ms).map_err(|e| LiveError::Io {
            what: "waiting for frames".to_string(),
            source: e,
        })?;
        for (i, pfd) in fds.iter().enumerate() {
            if pfd.revents & (sys::POLLIN | sys::POLLERR) == 0 {
                continue;
            }
            let sock = &ifaces[i];
            for _ in 0..BURST {
                let r = match sock.recv() {
                    Ok(Some(r)) => r,
                    Ok(None) => break,
                    Err(LiveError::Io { source, .. })
                        if source.raw_os_error() == Some(libc::ENETDOWN) =>
                    {
                        log(LiveEvent::Warning {
                            text: format!(
                                "interface {} went down; bring it up with `ip link set dev {} up`",
                                sock.name(),
                                sock.name()
                            ),
                        });
                        break;
                    }
                    Err(e) => return Err(e),
                };
                let at = node_time(epoch, r.read_at);
                if r.truncated() {
                    log(LiveEvent::FrameDropped {
                        at,
                        iface: i,
                        reason: format!(
                            "{} bytes on the wire, longer than the {} bytes read",
                            r.wire_len,
                            r.frame.len()
                        ),
                    });
                    continue;
                }
                node.handle(at, i, &r.frame);
                stats.received += 1;
                drain(node, ifaces, at, &mut stats, log);
            }
        }
    }
    Ok(stats)
}

/// Sends every frame the node queued and logs every event it has.
fn drain(
    node: &mut dyn Node,
    ifaces: &[AfPacket],
    at: Instant,
    stats: &mut DriverStats,
    log: &mut dyn FnMut(LiveEvent),
) {
    while let Some(t) = node.poll_transmit() {
        match ifaces.get(t.iface) {
            Some(sock) => match sock.send(&t.frame) {
                Ok(()) => stats.sent += 1,
                Err(e) => log(LiveEvent::SendFailed {
                    at,
                    iface: t.iface,
                    error: e.to_string(),
                }),
            },
            None => log(LiveEvent::SendFailed {
                at,
                iface: t.iface,
                error: format!(
                    "the node has no interface {} (it has {})",
                    t.iface,
                    ifaces.len()
                ),
            }),
        }
    }
    while let Some(event) = node.poll_event() {
        log(LiveEvent::Node { at, event });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_time_counts_from_the_epoch() {
        let epoch = std::time::Instant::now();
        let later = epoch + Duration::from_millis(1500);
        assert_eq!(
            node_time(epoch, later),
            Instant(Duration::from_millis(1500))
        );
        // A reading before the epoch is time zero, never a panic.
        assert_eq!(node_time(later, epoch), Instant::ZERO);
    }
}
