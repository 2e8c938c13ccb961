//! The handful of Linux system calls the live dataplane needs and `std` does not offer:
//! AF_PACKET sockets (socket, ioctl, bind, setsockopt, recvmsg, send), poll(2), setns(2),
//! kill(2) and geteuid(2).
//!
//! This is the only module of the crate allowed to use `unsafe`. Each function is a thin,
//! safe wrapper: it checks its inputs, keeps every pointer it hands the kernel alive and
//! correctly sized for the duration of the call, and turns the C return convention into an
//! `io::Result`. Everything above this module is safe Rust (`live/mod.rs` allows
//! `unsafe_code` for this module alone).

use std::fs::File;
use std::io;
use std::mem::{size_of, zeroed};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// Every EtherType (linux/if_ether.h).
pub(crate) const ETH_P_ALL: u16 = 0x0003;
/// `sll_pkttype` of a frame this host sent (linux/if_packet.h).
pub(crate) const PACKET_OUTGOING: u8 = 4;
/// Socket option: do not deliver outgoing frames to this socket (Linux 4.20).
const PACKET_IGNORE_OUTGOING: libc::c_int = 23;
/// Socket option: add a membership (here: promiscuous mode while the socket is open).
const PACKET_ADD_MEMBERSHIP: libc::c_int = 1;
const PACKET_MR_PROMISC: libc::c_ushort = 1;
/// `sa_family` of an Ethernet device's hardware address (linux/if_arp.h).
pub(crate) const ARPHRD_ETHER: u16 = 1;

fn check(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// A non-blocking, close-on-exec AF_PACKET raw socket that receives nothing yet: protocol 0
/// means no frame is queued until [`bind_packet`] names the protocol and the interface, so no
/// frame of another interface slips in between.
pub(crate) fn packet_socket() -> io::Result<OwnedFd> {
    // SAFETY: socket(2) takes no pointers; the result is checked before use.
    let fd = check(unsafe {
        libc::socket(
            libc::AF_PACKET,
            libc::SOCK_RAW | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
        )
    })?;
    // SAFETY: `fd` is a descriptor socket(2) just returned; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// An `ifreq` naming `name`. The caller has checked that the name is 1..IFNAMSIZ-1 bytes
/// without NUL; anything else is refused here too.
fn ifreq(name: &str) -> io::Result<libc::ifreq> {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() >= libc::IFNAMSIZ || bytes.contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "interface name must be 1 to 15 bytes without NUL",
        ));
    }
    // SAFETY: `ifreq` is plain old data (a char array and a union of plain data); all-zero
    // bytes are a valid value of it.
    let mut req: libc::ifreq = unsafe { zeroed() };
    for (d, s) in req.ifr_name.iter_mut().zip(bytes) {
        *d = *s as libc::c_char;
    }
    Ok(req)
}

/// The index of interface `name` in the socket's network namespace (SIOCGIFINDEX).
pub(crate) fn if_index(fd: &OwnedFd, name: &str) -> io::Result<i32> {
    let mut req = ifreq(name)?;
    // SAFETY: SIOCGIFINDEX reads `ifr_name` and writes `ifr_ifindex` inside the `ifreq` we
    // pass by pointer; the struct outlives the call.
    check(unsafe { libc::ioctl(fd.as_raw_fd(), libc::SIOCGIFINDEX as _, &mut req) })?;
    // SAFETY: after a successful SIOCGIFINDEX the union holds `ifru_ifindex`, a plain int.
    Ok(unsafe { req.ifr_ifru.ifru_ifindex })
}

/// The hardware address family and the first 6 bytes of the hardware address of interface
/// `name` (SIOCGIFHWADDR).
pub(crate) fn if_hwaddr(fd: &OwnedFd, name: &str) -> io::Result<(u16, [u8; 6])> {
    let mut req = ifreq(name)?;
    // SAFETY: SIOCGIFHWADDR reads `ifr_name` and writes `ifr_hwaddr` (a `sockaddr`) inside
    // the `ifreq` we pass; the struct outlives the call.
    check(unsafe { libc::ioctl(fd.as_raw_fd(), libc::SIOCGIFHWADDR as _, &mut req) })?;
    // SAFETY: after a successful SIOCGIFHWADDR the union holds `ifru_hwaddr`, a plain
    // `sockaddr` whose every bit pattern is valid.
    let sa = unsafe { req.ifr_ifru.ifru_hwaddr };
    let mut mac = [0u8; 6];
    for (d, s) in mac.iter_mut().zip(sa.sa_data.iter()) {
        *d = *s as u8;
    }
    Ok((sa.sa_family, mac))
}

/// Binds the socket to every EtherType on interface `ifindex`.
pub(crate) fn bind_packet(fd: &OwnedFd, ifindex: i32) -> io::Result<()> {
    // SAFETY: `sockaddr_ll` is plain old data; all-zero is valid.
    let mut sll: libc::sockaddr_ll = unsafe { zeroed() };
    sll.sll_family = libc::AF_PACKET as libc::c_ushort;
    sll.sll_protocol = ETH_P_ALL.to_be();
    sll.sll_ifindex = ifindex;
    // SAFETY: we pass a pointer to a live `sockaddr_ll` and its exact size.
    check(unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&sll as *const libc::sockaddr_ll).cast(),
            size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    })?;
    Ok(())
}

fn setsockopt<T>(fd: &OwnedFd, level: libc::c_int, opt: libc::c_int, val: &T) -> io::Result<()> {
    // SAFETY: `val` points to a live `T` and we pass its exact size; the kernel copies it.
    check(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            opt,
            (val as *const T).cast(),
            size_of::<T>() as libc::socklen_t,
        )
    })?;
    Ok(())
}

/// Asks the kernel to stamp every received frame (SO_TIMESTAMPNS, CLOCK_REALTIME).
pub(crate) fn enable_timestamps(fd: &OwnedFd) -> io::Result<()> {
    setsockopt(
        fd,
        libc::SOL_SOCKET,
        libc::SO_TIMESTAMPNS,
        &(1 as libc::c_int),
    )
}

/// Asks the kernel not to hand this socket the frames the host sends (Linux 4.20 and later).
pub(crate) fn ignore_outgoing(fd: &OwnedFd) -> io::Result<()> {
    setsockopt(
        fd,
        libc::SOL_PACKET,
        PACKET_IGNORE_OUTGOING,
        &(1 as libc::c_int),
    )
}

/// Puts interface `ifindex` in promiscuous mode for as long as the socket stays open (the
/// kernel drops the membership when the socket closes, so nothing outlives the harness).
pub(crate) fn add_promiscuous(fd: &OwnedFd, ifindex: i32) -> io::Result<()> {
    // SAFETY: `packet_mreq` is plain old data; all-zero is valid.
    let mut mr: libc::packet_mreq = unsafe { zeroed() };
    mr.mr_ifindex = ifindex;
    mr.mr_type = PACKET_MR_PROMISC;
    setsockopt(fd, libc::SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr)
}

/// What `recvmsg` said about one frame.
pub(crate) struct RecvMeta {
    /// Bytes written to the buffer.
    pub len: usize,
    /// The frame's length on the wire (more than `len` when the buffer was too small).
    pub wire_len: usize,
    /// `sll_pkttype`: host, broadcast, multicast, other host, outgoing.
    pub pkttype: u8,
    /// The kernel's receive time (seconds, nanoseconds since the Unix epoch), if stamped.
    pub stamp: Option<(i64, u32)>,
}

/// Receives one frame into `buf` without blocking. `Ok(None)` when no frame is queued.
pub(crate) fn recv_frame(fd: &OwnedFd, buf: &mut [u8]) -> io::Result<Option<RecvMeta>> {
    // SAFETY: `sockaddr_ll` is plain old data; all-zero is valid.
    let mut from: libc::sockaddr_ll = unsafe { zeroed() };
    // 8-byte aligned room for a few control messages (a timespec needs 32 bytes).
    let mut control = [0u64; 16];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: `msghdr` is plain old data (pointers may be null); all-zero is valid, and it
    // also zeroes the padding fields some C libraries add.
    let mut msg: libc::msghdr = unsafe { zeroed() };
    msg.msg_name = (&mut from as *mut libc::sockaddr_ll).cast();
    msg.msg_namelen = size_of::<libc::sockaddr_ll>() as libc::socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = size_of::<[u64; 16]>() as _;
    // SAFETY: every pointer in `msg` refers to a live local (`from`, `iov` -> `buf`,
    // `control`) with the size stated next to it; they all outlive the call.
    let n = unsafe { libc::recvmsg(fd.as_raw_fd(), &mut msg, libc::MSG_TRUNC) };
    if n < 0 {
        let e = io::Error::last_os_error();
        return match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(None),
            _ => Err(e),
        };
    }
    let wire_len = n as usize;
    let mut stamp = None;
    // SAFETY: the CMSG_* helpers walk the control buffer the kernel just filled, bounded by
    // `msg.msg_controllen`; each header they return lies inside `control`. The timestamp is
    // read unaligned and only when the message is exactly one `timespec` long.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            let h = &*c;
            let want = libc::CMSG_LEN(size_of::<libc::timespec>() as u32) as usize;
            if h.cmsg_level == libc::SOL_SOCKET
                && h.cmsg_type == libc::SCM_TIMESTAMPNS
                && h.cmsg_len as usize == want
            {
                let ts: libc::timespec =
                    std::ptr::read_unaligned(libc::CMSG_DATA(c).cast::<libc::timespec>());
                if ts.tv_nsec >= 0 && ts.tv_nsec < 1_000_000_000 {
                    stamp = Some((ts.tv_sec as i64, ts.tv_nsec as u32));
                }
            }
            c = libc::CMSG_NXTHDR(&msg, c);
        }
    }
    Ok(Some(RecvMeta {
        len: wire_len.min(buf.len()),
        wire_len,
        pkttype: from.sll_pkttype,
        stamp,
    }))
}

/// Sends one whole frame on the interface the socket is bound to.
pub(crate) fn send_frame(fd: &OwnedFd, frame: &[u8]) -> io::Result<usize> {
    // SAFETY: `frame` is a live slice and we pass its exact length.
    let n = unsafe { libc::send(fd.as_raw_fd(), frame.as_ptr().cast(), frame.len(), 0) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// Which of `fds` became ready, as returned `revents`.
pub(crate) struct PollFd {
    pub fd: libc::c_int,
    pub events: libc::c_short,
    pub revents: libc::c_short,
}

pub(crate) const POLLIN: libc::c_short = libc::POLLIN;
pub(crate) const POLLOUT: libc::c_short = libc::POLLOUT;
pub(crate) const POLLERR: libc::c_short = libc::POLLERR;

/// poll(2) on `fds` for at most `timeout_ms` milliseconds. An interrupting signal is not an
/// error: it returns `Ok(0)` so the caller rechecks its stop flag.
pub(crate) fn poll(fds: &mut [PollFd], timeout_ms: i32) -> io::Result<usize> {
    let mut raw: Vec<libc::pollfd> = fds
        .iter()
        .map(|p| libc::pollfd {
            fd: p.fd,
            events: p.events,
            revents: 0,
        })
        .collect();
    // SAFETY: `raw` is a live array of `raw.len()` pollfd structs.
    let n = unsafe { libc::poll(raw.as_mut_ptr(), raw.len() as libc::nfds_t, timeout_ms) };
    if n < 0 {
        let e = io::Error::last_os_error();
        if e.kind() == io::ErrorKind::Interrupted {
            return Ok(0);
        }
        return Err(e);
    }
    for (p, r) in fds.iter_mut().zip(&raw) {
        p.revents = r.revents;
    }
    Ok(n as usize)
}

/// Moves the calling thread into the network namespace `ns` (an open /run/netns/NAME).
pub(crate) fn setns_net(ns: &File) -> io::Result<()> {
    // SAFETY: setns(2) takes a descriptor we keep open for the call and a flag; it changes
    // only the calling thread's network namespace.
    check(unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) })?;
    Ok(())
}

/// Signals to send with [`signal`].
pub(crate) const SIGTERM: libc::c_int = libc::SIGTERM;
pub(crate) const SIGKILL: libc::c_int = libc::SIGKILL;

/// Sends `sig` to the single process `pid`. Process groups, "every process" (0, -1) and
/// init (1) are refused, so a bad pid can never fan out.
pub(crate) fn signal(pid: u32, sig: libc::c_int) -> io::Result<()> {
    let p = libc::pid_t::try_from(pid)
        .ok()
        .filter(|p| *p > 1)
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("refusing to signal pid {pid}"),
            )
        })?;
    // SAFETY: kill(2) takes no pointers; `p` is a single process id above 1.
    check(unsafe { libc::kill(p, sig) })?;
    Ok(())
}

/// Sends `sig` to process group `pgid` (a group the harness created for a child with
/// `process_group(0)`). Groups 0 and 1 and the harness's own group are refused.
pub(crate) fn signal_group(pgid: u32, sig: libc::c_int) -> io::Result<()> {
    // SAFETY: getpgrp(2) takes no arguments and cannot fail.
    let own = unsafe { libc::getpgrp() };
    let p = libc::pid_t::try_from(pgid)
        .ok()
        .filter(|p| *p > 1 && *p != own)
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("refusing to signal process group {pgid}"),
            )
        })?;
    // SAFETY: kill(2) takes no pointers; `-p` names one process group above 1.
    check(unsafe { libc::kill(-p, sig) })?;
    Ok(())
}

/// Whether the process runs with effective user id 0.
pub(crate) fn is_root() -> bool {
    // SAFETY: geteuid(2) takes no arguments and cannot fail.
    unsafe { libc::geteuid() == 0 }
}
