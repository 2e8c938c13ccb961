//! An AF_PACKET raw socket on one interface: whole Ethernet frames in and out, with the
//! kernel's receive timestamps.
//!
//! The socket belongs to the network namespace of the thread that opened it and stays there
//! (open one in a harness namespace with [`super::Netns::open_packet`]). It is non-blocking:
//! [`AfPacket::recv`] returns `Ok(None)` when nothing is queued; wait with the driver's
//! poll loop ([`super::run_node`]) or [`AfPacket::recv_timeout`].

use super::error::{LiveError, FIX_NET_RAW};
use super::sys;
use mip6_packets::MacAddr;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// The largest frame the socket reads whole: a 64 KiB IP packet (GRO on some drivers hands
/// up that much), an Ethernet header and a VLAN tag.
pub const MAX_FRAME: usize = 65_535 + 14 + 4;

/// When a frame arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RxTimestamp {
    /// Stamped by the kernel as the frame came up from the driver (SO_TIMESTAMPNS,
    /// CLOCK_REALTIME): what a capture file records.
    Kernel(SystemTime),
    /// The kernel gave no stamp: the monotonic clock, read right after the frame was read from
    /// the socket (later than arrival by the time it waited in the socket queue).
    Monotonic(std::time::Instant),
}

/// One received frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The whole Ethernet frame as it came off the wire (no FCS).
    pub frame: Vec<u8>,
    /// The frame's length on the wire: larger than `frame.len()` only when the frame did not
    /// fit in [`MAX_FRAME`] bytes and was cut.
    pub wire_len: usize,
    /// The kernel's stamp, or a monotonic read when there is none.
    pub timestamp: RxTimestamp,
    /// The monotonic clock read right after the frame was read from the socket, always set:
    /// what a driver feeds a node as "now".
    pub read_at: std::time::Instant,
    /// Who the frame was addressed to, as the kernel sees it.
    pub kind: FrameKind,
}

impl Received {
    /// Whether the frame was cut because it was longer than [`MAX_FRAME`].
    pub fn truncated(&self) -> bool {
        self.wire_len > self.frame.len()
    }
}

/// `sll_pkttype`: how the frame's destination MAC relates to the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    /// To the interface's own MAC.
    Host,
    Broadcast,
    Multicast,
    /// To another MAC (seen because the interface is promiscuous, or a veth).
    OtherHost,
    /// Any other value the kernel reports.
    Other(u8),
}

impl FrameKind {
    fn from_pkttype(t: u8) -> FrameKind {
        match t {
            0 => FrameKind::Host,
            1 => FrameKind::Broadcast,
            2 => FrameKind::Multicast,
            3 => FrameKind::OtherHost,
            t => FrameKind::Other(t),
        }
    }
}

/// How to open the socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOptions {
    /// Put the interface in promiscuous mode while the socket is open, so frames to MACs other
    /// than the interface's own (the nodes the harness emulates) and to every multicast group
    /// reach the socket on real NICs. The kernel undoes it when the socket closes.
    pub promiscuous: bool,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions { promiscuous: true }
    }
}

/// An AF_PACKET raw socket bound to one interface, receiving every EtherType.
#[derive(Debug)]
pub struct AfPacket {
    fd: OwnedFd,
    name: String,
    index: u32,
    mac: MacAddr,
    kernel_timestamps: bool,
    /// The receive buffer, reused so an empty poll costs no allocation.
    buf: Mutex<Vec<u8>>,
}

impl AfPacket {
    /// Opens a socket on interface `name` of the calling thread's network namespace, with the
    /// default options (promiscuous).
    pub fn open(name: &str) -> Result<AfPacket, LiveError> {
        Self::open_with(name, OpenOptions::default())
    }

    /// Opens a socket on interface `name` of the calling thread's network namespace.
    pub fn open_with(name: &str, opts: OpenOptions) -> Result<AfPacket, LiveError> {
        Self::open_in(name, opts, None)
    }

    /// `netns`: the namespace's name, for error messages only.
    pub(crate) fn open_in(
        name: &str,
        opts: OpenOptions,
        netns: Option<&str>,
    ) -> Result<AfPacket, LiveError> {
        check_ifname(name)?;
        let iface = Some((name, netns));
        let fd = sys::packet_socket().map_err(|e| {
            LiveError::from_io(
                format!("opening an AF_PACKET socket for {name}"),
                iface,
                e,
                FIX_NET_RAW,
            )
        })?;
        let index = sys::if_index(&fd, name).map_err(|e| {
            LiveError::from_io(
                format!("looking up interface {name}"),
                iface,
                e,
                FIX_NET_RAW,
            )
        })?;
        let (hw_type, mac) = sys::if_hwaddr(&fd, name).map_err(|e| {
            LiveError::from_io(
                format!("reading the MAC address of {name}"),
                iface,
                e,
                FIX_NET_RAW,
            )
        })?;
        if hw_type != sys::ARPHRD_ETHER {
            return Err(LiveError::NotEthernet {
                name: name.to_string(),
                hw_type,
            });
        }
        sys::bind_packet(&fd, index).map_err(|e| {
            LiveError::from_io(
                format!("binding an AF_PACKET socket to {name}"),
                iface,
                e,
                FIX_NET_RAW,
            )
        })?;
        // Older kernels lack the option; outgoing frames are then dropped in `recv`.
        let _ = sys::ignore_outgoing(&fd);
        let kernel_timestamps = sys::enable_timestamps(&fd).is_ok();
        if opts.promiscuous {
            sys::add_promiscuous(&fd, index).map_err(|e| {
                LiveError::from_io(
                    format!("putting {name} in promiscuous mode"),
                    iface,
                    e,
                    FIX_NET_RAW,
                )
            })?;
        }
        Ok(AfPacket {
            fd,
            name: name.to_string(),
            // Interface indexes are positive.
            index: u32::try_from(index).unwrap_or(0),
            mac: MacAddr(mac),
            kernel_timestamps,
            buf: Mutex::new(Vec::new()),
        })
    }

    /// The interface's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The interface's index in its network namespace.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The interface's MAC address when the socket was opened.
    pub fn mac(&self) -> MacAddr {
        self.mac
    }

    /// Whether the kernel stamps received frames ([`RxTimestamp::Kernel`]).
    pub fn kernel_timestamps(&self) -> bool {
        self.kernel_timestamps
    }

    /// Receives the next frame without blocking: `Ok(None)` when none is queued. Frames the
    /// host itself sent (PACKET_OUTGOING, including those of other sockets) are skipped, so a
    /// node never hears itself.
    pub fn recv(&self) -> Result<Option<Received>, LiveError> {
        // A poisoned lock only means another thread panicked while holding the buffer, whose
        // contents do not matter.
        let mut buf = self.buf.lock().unwrap_or_else(|p| p.into_inner());
        buf.resize(MAX_FRAME, 0);
        loop {
            let meta =
                sys::recv_frame(&self.fd, &mut buf[..]).map_err(|e| self.io_err("receiving", e))?;
            let Some(meta) = meta else { return Ok(None) };
            let read_at = std::time::Instant::now();
            if meta.pkttype == sys::PACKET_OUTGOING {
                continue;
            }
            let timestamp = match meta.stamp {
                Some((s, ns)) if s >= 0 => {
                    RxTimestamp::Kernel(SystemTime::UNIX_EPOCH + Duration::new(s as u64, ns))
                }
                _ => RxTimestamp::Monotonic(read_at),
            };
            return Ok(Some(Received {
                frame: buf[..meta.len].to_vec(),
                wire_len: meta.wire_len,
                timestamp,
                read_at,
                kind: FrameKind::from_pkttype(meta.pkttype),
            }));
        }
    }

    /// Waits up to `timeout` for the next frame. `Ok(None)` when none arrived in time.
    pub fn recv_timeout(&self, timeout: Duration) -> Result<Option<Received>, LiveError> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Some(r) = self.recv()? {
                return Ok(Some(r));
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            self.wait(sys::POLLIN, left)?;
        }
    }

    /// Sends one whole Ethernet frame (header included, no FCS). A full send queue is waited
    /// out for up to 100 ms.
    pub fn send(&self, frame: &[u8]) -> Result<(), LiveError> {
        let deadline = std::time::Instant::now() + Duration::from_millis(100);
        loop {
            match sys::send_frame(&self.fd, frame) {
                Ok(n) if n == frame.len() => return Ok(()),
                Ok(n) => {
                    return Err(self.io_err(
                        "sending",
                        io::Error::other(format!("only {n} of {} bytes went out", frame.len())),
                    ))
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                    ) || e.raw_os_error() == Some(libc::ENOBUFS) =>
                {
                    let left = deadline.saturating_duration_since(std::time::Instant::now());
                    if left.is_zero() {
                        return Err(self.io_err("sending (send queue full for 100 ms)", e));
                    }
                    self.wait(sys::POLLOUT, left.min(Duration::from_millis(10)))?;
                }
                Err(e) => return Err(self.io_err("sending", e)),
            }
        }
    }

    fn wait(&self, events: libc::c_short, timeout: Duration) -> Result<(), LiveError> {
        let mut fds = [sys::PollFd {
            fd: self.fd.as_raw_fd(),
            events,
            revents: 0,
        }];
        sys::poll(&mut fds, timeout_ms(timeout))
            .map(|_| ())
            .map_err(|e| self.io_err("waiting", e))
    }

    fn io_err(&self, what: &str, e: io::Error) -> LiveError {
        LiveError::from_io(
            format!("{what} on {}", self.name),
            Some((&self.name, None)),
            e,
            FIX_NET_RAW,
        )
    }
}

impl AsRawFd for AfPacket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// A poll(2) timeout in milliseconds, rounded up so a wait never ends before its deadline.
pub(crate) fn timeout_ms(d: Duration) -> i32 {
    let ms = d.as_nanos().div_ceil(1_000_000);
    i32::try_from(ms).unwrap_or(i32::MAX)
}

/// Checks an interface name the way the kernel does (dev_valid_name): 1 to 15 bytes, not
/// `.` or `..`, no `/`, `:`, whitespace or NUL.
pub(crate) fn check_ifname(name: &str) -> Result<(), LiveError> {
    let bad = |reason| {
        Err(LiveError::InvalidName {
            name: name.to_string(),
            reason,
        })
    };
    if name.is_empty() || name.len() > 15 {
        return bad("an interface name has 1 to 15 bytes");
    }
    if name == "." || name == ".." {
        return bad("`.` and `..` are not interface names");
    }
    if name
        .bytes()
        .any(|b| b == b'/' || b == b':' || b == 0 || b.is_ascii_whitespace())
    {
        return bad("an interface name has no `/`, `:`, whitespace or NUL");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_names_are_checked_like_the_kernel() {
        for ok in ["eth0", "link0", "veth-a.1", "abcdefghijklmno"] {
            assert!(check_ifname(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "a:b",
            "a b",
            "abcdefghijklmnop",
            "a\0",
        ] {
            assert!(check_ifname(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn timeouts_round_up() {
        assert_eq!(timeout_ms(Duration::ZERO), 0);
        assert_eq!(timeout_ms(Duration::from_nanos(1)), 1);
        assert_eq!(timeout_ms(Duration::from_millis(5)), 5);
        assert_eq!(timeout_ms(Duration::from_secs(u64::MAX)), i32::MAX);
    }

    #[test]
    fn without_privileges_the_error_says_how_to_get_them() {
        if sys::is_root() {
            eprintln!("skipped: needs a user other than root");
            return;
        }
        match AfPacket::open("lo") {
            Err(e @ LiveError::NotPermitted { .. }) => assert_eq!(
                e.to_string(),
                format!("opening an AF_PACKET socket for lo: not permitted. {FIX_NET_RAW}")
            ),
            // A process with CAP_NET_RAW gets past the socket, and lo is no Ethernet.
            Err(LiveError::NotEthernet { .. }) => {}
            other => panic!("unexpected: {other:?}"),
        }
    }

    #[test]
    fn a_missing_interface_is_named_with_the_fix() {
        if !sys::is_root() {
            eprintln!("skipped: needs root (AF_PACKET)");
            return;
        }
        let e = AfPacket::open("mip6t-nosuch0").unwrap_err();
        assert!(matches!(e, LiveError::NoInterface { .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            "no interface named mip6t-nosuch0; list them with `ip link`"
        );
    }
}
