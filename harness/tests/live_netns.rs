//! The live dataplane on real kernel objects: network namespaces, veth pairs, AF_PACKET
//! sockets and the node driver.
//!
//! These tests need root (CI runs as root). Without it each one prints
//! "skipped: needs root (network namespaces)" to stderr and returns. Every namespace, veth
//! and process they create belongs to a `Topology` guard and is removed also when a test fails.
#![cfg(target_os = "linux")]

use mip6_harness::live::{
    ip, is_root, owner_pid, run_node, run_reference_in, stop_on_signals, sweep_stale, AfPacket,
    LinkConfig, LiveError, LiveEvent, Netns, NsChild, RxTimestamp, Topology,
};
use mip6_packets::icmpv6::{Icmpv6, Icmpv6Msg, NdOption};
use mip6_packets::ipv6::Ipv6;
use mip6_packets::mh::{MhMessage, Mobility};
use mip6_packets::{decode, Ethernet, Layer, LinkType, MacAddr, Packet};
use mip6_reference::{Event, Instant, Node, Transmit};
use std::collections::VecDeque;
use std::net::Ipv6Addr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const NODE_MAC: MacAddr = MacAddr([0x02, 0x00, 0x00, 0x00, 0x00, 0x0a]);
const TESTER_MAC: MacAddr = MacAddr([0x02, 0x00, 0x00, 0x00, 0x00, 0x0b]);
const NODE_ADDR: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
const TESTER_ADDR: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2);
const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

/// How long to listen for frames that must not come (or for a duplicate of one that did).
const QUIET: Duration = Duration::from_millis(300);

fn root_or_skip() -> bool {
    if is_root() {
        true
    } else {
        eprintln!("skipped: needs root (network namespaces)");
        false
    }
}

/// The namespaces `ip netns list` shows.
fn listed_namespaces() -> Vec<String> {
    ip(&["netns", "list"])
        .expect("ip netns list")
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

/// Whether a process runs (a zombie does not count: it has exited).
fn running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => false,
        // "pid (comm) S ...": the state follows the last ')'.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
    }
}

/// Waits up to a second for a killed process to be gone.
fn gone_soon(pid: u32) -> bool {
    for _ in 0..100 {
        if !running(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

/// Two namespaces, "node" and "tester", joined by a veth pair `link0` -- `link0`.
fn two_namespaces(t: &mut Topology) -> (Netns, Netns) {
    let node = t.add_namespace("node").expect("create namespace node");
    let tester = t.add_namespace("tester").expect("create namespace tester");
    t.add_veth(&node, "link0", &tester, "link0")
        .expect("create veth pair");
    tester
        .configure_link("link0", &LinkConfig::userspace(Some(TESTER_MAC)))
        .expect("configure tester link0");
    (node, tester)
}

/// Every frame that arrives within `window`.
fn collect(sock: &AfPacket, window: Duration) -> Vec<Vec<u8>> {
    let end = std::time::Instant::now() + window;
    let mut frames = Vec::new();
    loop {
        let left = end.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return frames;
        }
        if let Some(r) = sock.recv_timeout(left).expect("receive") {
            frames.push(r.frame);
        }
    }
}

fn solicited_node(a: Ipv6Addr) -> Ipv6Addr {
    let o = a.octets();
    Ipv6Addr::from([
        0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, o[13], o[14], o[15],
    ])
}

fn neighbor_solicitation(target: Ipv6Addr) -> Vec<u8> {
    let dst = solicited_node(target);
    Packet::new(vec![
        Layer::Ethernet(Ethernet::new(TESTER_MAC, MacAddr::ipv6_multicast(dst))),
        Layer::Ipv6(Ipv6::new(TESTER_ADDR, dst).hop_limit(255)),
        Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::NeighborSolicitation {
            reserved: 0,
            target,
            options: vec![NdOption::SourceLinkLayer(TESTER_MAC)],
        })),
    ])
    .emit()
}

fn echo_request(dst_mac: MacAddr, dst: Ipv6Addr, seq: u16) -> Vec<u8> {
    Packet::new(vec![
        Layer::Ethernet(Ethernet::new(TESTER_MAC, dst_mac)),
        Layer::Ipv6(Ipv6::new(TESTER_ADDR, dst)),
        Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::EchoRequest {
            ident: 0x6d36,
            seq,
            data: b"mip6test live".to_vec(),
        })),
    ])
    .emit()
}

/// A Home Test Init (RFC 6275 §6.1.3): a kernel without Mobile IPv6 answers it with a
/// Parameter Problem (unrecognized next header).
fn home_test_init() -> Vec<u8> {
    Packet::new(vec![
        Layer::Ethernet(Ethernet::new(TESTER_MAC, NODE_MAC)),
        Layer::Ipv6(Ipv6::new(TESTER_ADDR, NODE_ADDR)),
        Layer::Mobility(Mobility::new(
            MhMessage::HomeTestInit {
                reserved: 0,
                cookie: *b"mip6test",
            },
            vec![],
        )),
    ])
    .emit()
}

fn is_param_problem(frame: &[u8]) -> bool {
    matches!(icmpv6(frame), Some((_, _, m)) if matches!(m.msg, Icmpv6Msg::ParameterProblem { .. }))
}

/// The ICMPv6 message of a frame, with its Ethernet and IPv6 headers, if it is one.
fn icmpv6(frame: &[u8]) -> Option<(Ethernet, Ipv6, Icmpv6)> {
    let d = decode(frame, LinkType::Ethernet);
    match d.packet.layers.as_slice() {
        [Layer::Ethernet(e), Layer::Ipv6(i), Layer::Icmpv6(m), ..] => {
            Some((e.clone(), i.clone(), m.clone()))
        }
        _ => None,
    }
}

fn is_echo_reply(frame: &[u8], seq: u16) -> bool {
    matches!(icmpv6(frame), Some((_, ip, m))
        if ip.dst == TESTER_ADDR
            && matches!(&m.msg, Icmpv6Msg::EchoReply { ident: 0x6d36, seq: s, data }
                if *s == seq && data == b"mip6test live"))
}

fn is_na_for(frame: &[u8], target: Ipv6Addr) -> bool {
    matches!(icmpv6(frame), Some((_, _, m))
        if matches!(&m.msg, Icmpv6Msg::NeighborAdvertisement { target: t, .. } if *t == target))
}

fn describe(frames: &[Vec<u8>]) -> String {
    frames
        .iter()
        .map(|f| match icmpv6(f) {
            Some((e, i, m)) => format!("{} {} -> {} {:?}", e.src, i.src, i.dst, m.msg),
            None => format!("{} bytes, not ICMPv6", f.len()),
        })
        .collect::<Vec<_>>()
        .join("\n  ")
}

/// (a) A frame sent into one namespace's end of a veth pair comes out of the other end, byte
/// for byte, stamped by the kernel; the sender does not hear itself.
#[test]
fn a_frame_crosses_a_veth_pair_between_namespaces_unchanged() {
    if !root_or_skip() {
        return;
    }
    let mut t = Topology::new();
    let (node, tester) = two_namespaces(&mut t);
    node.configure_link("link0", &LinkConfig::userspace(Some(NODE_MAC)))
        .expect("configure node link0");
    let a = node.open_packet("link0").expect("socket in node");
    let b = tester.open_packet("link0").expect("socket in tester");
    assert_eq!(a.mac(), NODE_MAC);
    assert_eq!(b.mac(), TESTER_MAC);
    assert_eq!(a.name(), "link0");
    assert!(a.index() > 0);

    // A local experimental EtherType (IEEE 802 0x88b5) and a recognisable payload.
    let mut frame = Vec::new();
    frame.extend_from_slice(&TESTER_MAC.0);
    frame.extend_from_slice(&NODE_MAC.0);
    frame.extend_from_slice(&[0x88, 0xb5]);
    frame.extend((0..200u32).map(|i| (i * 7 + 3) as u8));
    let before = std::time::SystemTime::now();
    a.send(&frame).expect("send from node");
    let got = b
        .recv_timeout(Duration::from_secs(2))
        .expect("receive in tester")
        .expect("the frame arrives within 2 s");
    assert_eq!(got.frame, frame, "the frame arrives byte for byte");
    assert!(!got.truncated());
    match got.timestamp {
        RxTimestamp::Kernel(at) => {
            let lag = at
                .duration_since(before)
                .expect("stamped after it was sent");
            assert!(lag < Duration::from_secs(2), "stamp {lag:?} after sending");
        }
        RxTimestamp::Monotonic(_) => panic!("veth frames carry kernel timestamps"),
    }
    // Nothing else crosses (the kernel's IPv6 is off on both ends), and the sender's socket
    // does not see its own frame.
    assert_eq!(
        collect(&b, QUIET).len(),
        0,
        "no other frame reaches the tester"
    );
    assert_eq!(
        collect(&a, QUIET).len(),
        0,
        "the sender does not hear itself"
    );

    // And the other way.
    let mut back = frame.clone();
    back[..6].copy_from_slice(&NODE_MAC.0);
    back[6..12].copy_from_slice(&TESTER_MAC.0);
    b.send(&back).expect("send from tester");
    let got = a
        .recv_timeout(Duration::from_secs(2))
        .expect("receive in node")
        .expect("the frame arrives within 2 s");
    assert_eq!(got.frame, back);
}

/// A small IPv6 responder for one address: Echo Reply to Echo Requests sent to its address,
/// Neighbor Advertisement to Neighbor Solicitations for it. Everything else is dropped.
struct Responder {
    mac: MacAddr,
    addr: Ipv6Addr,
    out: VecDeque<Transmit>,
    events: VecDeque<Event>,
}

impl Responder {
    fn new(mac: MacAddr, addr: Ipv6Addr) -> Self {
        Responder {
            mac,
            addr,
            out: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    fn send(&mut self, iface: usize, layers: Vec<Layer>, what: String) {
        self.out.push_back(Transmit {
            iface,
            frame: Packet::new(layers).emit(),
        });
        self.events.push_back(Event::Note {
            behaviour: "test-responder",
            text: what,
        });
    }
}

impl Node for Responder {
    fn interfaces(&self) -> Vec<String> {
        vec!["link0".to_string()]
    }

    fn handle(&mut self, _now: Instant, iface: usize, frame: &[u8]) {
        let d = decode(frame, LinkType::Ethernet);
        let [Layer::Ethernet(eth), Layer::Ipv6(ip), Layer::Icmpv6(icmp)] =
            d.packet.layers.as_slice()
        else {
            return;
        };
        if eth.dst != self.mac && !eth.dst.is_multicast() {
            return;
        }
        if !d.violations.is_empty() {
            self.events.push_back(Event::Discarded {
                behaviour: "test-responder",
                reason: format!("{} violation(s)", d.violations.len()),
            });
            return;
        }
        match &icmp.msg {
            Icmpv6Msg::EchoRequest { ident, seq, data } if ip.dst == self.addr => {
                let reply = vec![
                    Layer::Ethernet(Ethernet::new(self.mac, eth.src)),
                    Layer::Ipv6(Ipv6::new(self.addr, ip.src)),
                    Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::EchoReply {
                        ident: *ident,
                        seq: *seq,
                        data: data.clone(),
                    })),
                ];
                self.send(iface, reply, format!("echo reply {seq} to {}", ip.src));
            }
            Icmpv6Msg::NeighborSolicitation {
                target, options, ..
            } if *target == self.addr && ip.hop_limit == 255 => {
                let solicited = !ip.src.is_unspecified();
                let (dst, dst_mac) = if solicited {
                    let mac = options
                        .iter()
                        .find_map(|o| match o {
                            NdOption::SourceLinkLayer(m) => Some(*m),
                            _ => None,
                        })
                        .unwrap_or(eth.src);
                    (ip.src, mac)
                } else {
                    (ALL_NODES, MacAddr::ipv6_multicast(ALL_NODES))
                };
                let na = vec![
                    Layer::Ethernet(Ethernet::new(self.mac, dst_mac)),
                    Layer::Ipv6(Ipv6::new(self.addr, dst).hop_limit(255)),
                    Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::NeighborAdvertisement {
                        r: false,
                        s: solicited,
                        o: true,
                        reserved: 0,
                        target: self.addr,
                        options: vec![NdOption::TargetLinkLayer(self.mac)],
                    })),
                ];
                self.send(iface, na, format!("neighbor advertisement to {dst}"));
            }
            _ => {}
        }
    }

    fn handle_timeout(&mut self, _now: Instant) {}

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        None
    }

    fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }
}

/// (b) A userspace node on an interface with `disable_ipv6=1` is the only one that answers:
/// exactly one Echo Reply and one Neighbor Advertisement, nothing to an all-nodes echo or a
/// Mobility Header, nothing from the kernel -- which, with its IPv6 on, does answer all four
/// (checked first, so the assertions are not vacuous).
#[test]
fn a_node_on_a_disable_ipv6_interface_is_the_only_responder() {
    if !root_or_skip() {
        return;
    }
    let mut t = Topology::new();
    let (node_ns, tester_ns) = two_namespaces(&mut t);
    let tester = tester_ns.open_packet("link0").expect("socket in tester");

    // Control: with the kernel's IPv6 on and NODE_ADDR configured, the kernel answers.
    node_ns
        .configure_link("link0", &LinkConfig::kernel(Some(NODE_MAC)))
        .expect("configure node link0 for the kernel");
    node_ns
        .ip(&[
            "addr",
            "add",
            &format!("{NODE_ADDR}/64"),
            "dev",
            "link0",
            "nodad",
        ])
        .expect("add the node address for the kernel");
    let mut kernel_na = false;
    for _ in 0..10 {
        tester
            .send(&neighbor_solicitation(NODE_ADDR))
            .expect("send NS");
        let frames = collect(&tester, Duration::from_millis(200));
        if frames.iter().any(|f| is_na_for(f, NODE_ADDR)) {
            kernel_na = true;
            break;
        }
    }
    assert!(kernel_na, "control: the kernel with IPv6 on answers an NS");
    tester
        .send(&echo_request(NODE_MAC, NODE_ADDR, 1))
        .expect("send echo");
    tester
        .send(&echo_request(
            MacAddr::ipv6_multicast(ALL_NODES),
            ALL_NODES,
            2,
        ))
        .expect("send multicast echo");
    tester.send(&home_test_init()).expect("send HoTI");
    let frames = collect(&tester, QUIET);
    assert!(
        frames.iter().any(|f| is_param_problem(f)),
        "control: the kernel answers a Mobility Header with a Parameter Problem; got:\n  {}",
        describe(&frames)
    );
    assert!(
        frames.iter().any(|f| is_echo_reply(f, 1)),
        "control: the kernel answers a unicast echo; got:\n  {}",
        describe(&frames)
    );
    assert!(
        frames.iter().any(|f| is_echo_reply(f, 2)),
        "control: the kernel answers an all-nodes echo; got:\n  {}",
        describe(&frames)
    );

    // Now hand the interface to the userspace node.
    node_ns
        .set_kernel_ipv6("link0", false)
        .expect("disable the kernel's IPv6");
    assert!(!node_ns.kernel_ipv6_enabled("link0").expect("read it back"));
    // Whatever the kernel sent while letting go (MLD) is not part of the test.
    let _ = collect(&tester, Duration::from_millis(100));
    let node_sock = node_ns.open_packet("link0").expect("socket in node");

    let stop = AtomicBool::new(false);
    let mut log = Vec::new();
    let (stats, frames) = std::thread::scope(|s| {
        let driver = s.spawn(|| {
            let mut node = Responder::new(NODE_MAC, NODE_ADDR);
            let mut record = |e: LiveEvent| log.push(e);
            run_node(
                &mut node,
                std::slice::from_ref(&node_sock),
                &stop,
                std::time::Instant::now(),
                &mut record,
            )
        });
        let mut seen = Vec::new();
        tester
            .send(&neighbor_solicitation(NODE_ADDR))
            .expect("send NS");
        seen.push(collect(&tester, QUIET));
        tester
            .send(&echo_request(NODE_MAC, NODE_ADDR, 3))
            .expect("send echo");
        seen.push(collect(&tester, QUIET));
        tester
            .send(&echo_request(
                MacAddr::ipv6_multicast(ALL_NODES),
                ALL_NODES,
                4,
            ))
            .expect("send multicast echo");
        seen.push(collect(&tester, QUIET));
        tester.send(&home_test_init()).expect("send HoTI");
        seen.push(collect(&tester, QUIET));
        stop.store(true, Ordering::SeqCst);
        let stats = driver
            .join()
            .expect("driver thread")
            .expect("run_node ends cleanly");
        (stats, seen)
    });

    let [na, echo, multicast, mh] = &frames[..] else {
        unreachable!("four windows were collected")
    };
    assert!(
        na.len() == 1 && is_na_for(&na[0], NODE_ADDR),
        "exactly one NA, the node's; got:\n  {}",
        describe(na)
    );
    let Some((eth, _, m)) = icmpv6(&na[0]) else {
        unreachable!()
    };
    assert_eq!(eth.src, NODE_MAC);
    assert!(
        matches!(&m.msg, Icmpv6Msg::NeighborAdvertisement { s: true, o: true, options, .. }
            if options == &vec![NdOption::TargetLinkLayer(NODE_MAC)])
    );
    assert!(
        echo.len() == 1 && is_echo_reply(&echo[0], 3),
        "exactly one Echo Reply, the node's; got:\n  {}",
        describe(echo)
    );
    assert!(
        multicast.is_empty(),
        "nobody answers the all-nodes echo (the kernel would); got:\n  {}",
        describe(multicast)
    );
    assert!(
        mh.is_empty(),
        "nobody answers the Mobility Header (the kernel would); got:\n  {}",
        describe(mh)
    );
    assert_eq!(stats.received, 4, "the node saw the four requests");
    assert_eq!(stats.sent, 2);
    let notes: Vec<String> = log
        .iter()
        .filter_map(|e| match e {
            LiveEvent::Node {
                event: Event::Note { text, .. },
                ..
            } => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        notes,
        [
            format!("neighbor advertisement to {TESTER_ADDR}"),
            format!("echo reply 3 to {TESTER_ADDR}")
        ],
        "log: {log:?}"
    );
}

/// The entry point of `mip6test reference --target netns:...`: a node on a namespace's
/// interface answers until SIGTERM, and the log warns that the kernel's IPv6 is still on.
/// (The only test of this binary that uses the process-wide signal flag: it is never cleared.)
#[test]
fn run_reference_in_a_namespace_answers_until_sigterm() {
    if !root_or_skip() {
        return;
    }
    let mut t = Topology::new();
    let (node_ns, tester_ns) = two_namespaces(&mut t);
    // Kernel IPv6 on, without NODE_ADDR: the kernel does not answer for it, but it is a
    // configuration the tester must be warned about.
    node_ns
        .configure_link("link0", &LinkConfig::kernel(Some(NODE_MAC)))
        .expect("configure node link0");
    let tester = tester_ns.open_packet("link0").expect("socket in tester");
    // Installed before anything raises a signal, so the signal cannot end the test process.
    let stop = stop_on_signals().expect("signal handlers");
    let (result, log, frames) = std::thread::scope(|s| {
        let driver = s.spawn(|| {
            let mut log = Vec::new();
            let mut node = Responder::new(NODE_MAC, NODE_ADDR);
            let r = run_reference_in(&node_ns, &mut node, &["link0".to_string()], |e| log.push(e));
            (r, log)
        });
        // The node is up once it answers.
        let mut frames = Vec::new();
        for seq in 10..30 {
            tester
                .send(&echo_request(NODE_MAC, NODE_ADDR, seq))
                .expect("send echo");
            frames = collect(&tester, Duration::from_millis(100));
            if frames.iter().any(|f| is_echo_reply(f, seq)) {
                break;
            }
        }
        signal_hook::low_level::raise(signal_hook::consts::SIGTERM).expect("raise SIGTERM");
        let (r, log) = driver.join().expect("driver thread");
        (r, log, frames)
    });
    assert!(stop.load(Ordering::SeqCst));
    let stats = result.expect("run_reference_in ends cleanly on SIGTERM");
    assert!(stats.sent >= 1, "the node answered");
    assert!(
        frames.iter().any(|f| icmpv6(f).is_some_and(
            |(e, _, m)| e.src == NODE_MAC && matches!(m.msg, Icmpv6Msg::EchoReply { .. })
        )),
        "an echo reply from the node; got:\n  {}",
        describe(&frames)
    );
    let warning = log.iter().find_map(|e| match e {
        LiveEvent::Warning { text } => Some(text.clone()),
        _ => None,
    });
    assert_eq!(
        warning.as_deref(),
        Some(
            format!(
                "the kernel's IPv6 is on for link0: next to the node it will answer Neighbor \
                 Solicitations, Echo Requests, and Mobility Headers with Parameter Problems; turn \
                 it off with `ip netns exec {} sysctl -w net.ipv6.conf.link0.disable_ipv6=1`",
                node_ns.name()
            )
            .as_str()
        )
    );
}

/// A node whose only behaviour is a timer: it sends a frame every 100 ms, three times.
struct Beacon {
    mac: MacAddr,
    next: Option<Instant>,
    sent: u16,
    out: VecDeque<Transmit>,
}

impl Node for Beacon {
    fn interfaces(&self) -> Vec<String> {
        vec!["link0".to_string()]
    }
    fn handle(&mut self, _now: Instant, _iface: usize, _frame: &[u8]) {}
    fn handle_timeout(&mut self, now: Instant) {
        let Some(due) = self.next else { return };
        if now < due {
            return;
        }
        let mut frame = Vec::new();
        frame.extend_from_slice(&MacAddr::BROADCAST.0);
        frame.extend_from_slice(&self.mac.0);
        frame.extend_from_slice(&[0x88, 0xb5]);
        frame.extend_from_slice(&self.sent.to_be_bytes());
        frame.resize(60, 0);
        self.out.push_back(Transmit { iface: 0, frame });
        self.sent += 1;
        self.next = (self.sent < 3).then(|| due + Duration::from_millis(100));
    }
    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.pop_front()
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.next
    }
    fn poll_event(&mut self) -> Option<Event> {
        None
    }
}

/// The driver fires a node's timers on time, in the node's own time base.
#[test]
fn the_driver_fires_node_timers_on_time() {
    if !root_or_skip() {
        return;
    }
    let mut t = Topology::new();
    let (node_ns, tester_ns) = two_namespaces(&mut t);
    node_ns
        .configure_link("link0", &LinkConfig::userspace(Some(NODE_MAC)))
        .expect("configure node link0");
    let tester = tester_ns.open_packet("link0").expect("socket in tester");
    let node_sock = node_ns.open_packet("link0").expect("socket in node");
    let stop = AtomicBool::new(false);
    let began = std::time::Instant::now();
    let (stats, arrivals) = std::thread::scope(|s| {
        let driver = s.spawn(|| {
            let mut node = Beacon {
                mac: NODE_MAC,
                next: Some(Instant(Duration::from_millis(100))),
                sent: 0,
                out: VecDeque::new(),
            };
            run_node(
                &mut node,
                std::slice::from_ref(&node_sock),
                &stop,
                began,
                &mut |_| {},
            )
        });
        let mut arrivals = Vec::new();
        while arrivals.len() < 3 {
            match tester
                .recv_timeout(Duration::from_secs(2))
                .expect("receive")
            {
                Some(r) => arrivals.push((r.read_at, r.frame)),
                None => break,
            }
        }
        stop.store(true, Ordering::SeqCst);
        let stats = driver.join().expect("driver thread").expect("run_node");
        (stats, arrivals)
    });
    assert_eq!(arrivals.len(), 3, "three beacons arrive");
    for (i, (_, f)) in arrivals.iter().enumerate() {
        assert_eq!(&f[14..16], &(i as u16).to_be_bytes());
    }
    // Each beacon's timer is due 100 ms after the previous one, in the node's time base that
    // started at `began`. Timers never fire early; the upper bound only catches a stuck loop.
    // Measured from `began`, not between arrivals: on a loaded machine one frame may be read
    // late and the next on time, which makes their gap short without any timer being early.
    for (i, (at, _)) in arrivals.iter().enumerate() {
        let due = Duration::from_millis(100 * (i as u64 + 1));
        let t = at.duration_since(began);
        assert!(
            t >= due && t < due + Duration::from_millis(600),
            "beacon {i} at {t:?}, due at {due:?}"
        );
    }
    assert_eq!(stats.sent, 3);
    assert_eq!(stats.timeouts, 3);
}

/// (c) Dropping a Topology removes its namespaces, veths and processes, also when the test
/// body panics.
#[test]
fn a_dropped_topology_leaves_nothing_behind_even_after_a_panic() {
    if !root_or_skip() {
        return;
    }
    let mut names = Vec::new();
    let mut pids = Vec::new();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let mut t = Topology::new();
        let (a, b) = two_namespaces(&mut t);
        names = vec![a.name().to_string(), b.name().to_string()];
        // A child that leaves a grandchild behind: the guard must get both.
        t.spawn(
            a.command("sh")
                .args(["-c", "sleep 30 & exec sleep 30"])
                .stdout(std::process::Stdio::null()),
        )
        .expect("spawn in namespace");
        for _ in 0..100 {
            pids = a.pids().expect("ip netns pids");
            if pids.len() == 2 {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(pids.len(), 2, "child and grandchild run in the namespace");
        let listed = listed_namespaces();
        assert!(names.iter().all(|n| listed.contains(n)));
        panic!("deliberate panic: the Topology guard must clean up while unwinding");
    }));
    assert!(outcome.is_err(), "the body panicked");
    assert_eq!(names.len(), 2);
    let listed = listed_namespaces();
    for n in &names {
        assert!(!listed.contains(n), "{n} is still listed");
        assert!(!Path::new("/run/netns").join(n).exists());
    }
    for pid in &pids {
        assert!(gone_soon(*pid), "process {pid} still runs");
    }

    // The ordinary path: a child held on its own is killed and reaped when dropped, and an
    // explicit teardown reports no error.
    let mut t = Topology::new();
    let (a, _b) = two_namespaces(&mut t);
    let child = NsChild::spawn(a.command("sleep").arg("30")).expect("spawn");
    let pid = child.id();
    assert!(running(pid));
    drop(child);
    assert!(!running(pid), "a dropped NsChild is killed and reaped");
    let name = a.name().to_string();
    t.teardown().expect("teardown reports no error");
    assert!(!listed_namespaces().contains(&name));
}

/// (d) sweep_stale removes a harness namespace whose owner died, with the processes left in
/// it, and leaves namespaces of running harnesses alone.
#[test]
fn sweep_stale_removes_namespaces_of_dead_runs_only() {
    if !root_or_skip() {
        return;
    }
    // No process can have a pid above pid_max, so this owner is certainly dead.
    let pid_max: u32 = std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .expect("read pid_max")
        .trim()
        .parse()
        .expect("pid_max is a number");
    let stale = format!("mip6t-{}-{}-stale", pid_max + 1, std::process::id());
    let mut live = Topology::new();
    let live_ns = live.add_namespace("alive").expect("create live namespace");
    ip(&["netns", "add", &stale]).expect("create stale namespace");
    // If the test fails before the sweep, still remove it.
    struct Remove(String);
    impl Drop for Remove {
        fn drop(&mut self) {
            if Path::new("/run/netns").join(&self.0).exists() {
                let _ = ip(&["netns", "del", &self.0]);
            }
        }
    }
    let _remove = Remove(stale.clone());
    let mut leftover = Command::new("ip")
        .args(["netns", "exec", &stale, "sleep", "30"])
        .spawn()
        .expect("start a process in the stale namespace");
    let ns = Netns::attach(&stale).expect("attach");
    for _ in 0..100 {
        if ns.pids().expect("pids").len() == 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }

    let report = sweep_stale().expect("sweep");
    assert!(
        report.failed.is_empty(),
        "sweep failures: {:?}",
        report.failed
    );
    // Another harness sweeping at the same moment may have removed it first.
    if let Some((_, killed)) = report.removed.iter().find(|(n, _)| *n == stale) {
        assert_eq!(*killed, 1, "the leftover process was killed");
    }
    assert!(
        !listed_namespaces().contains(&stale),
        "stale namespace removed"
    );
    let status = leftover.wait().expect("reap the leftover");
    assert!(!status.success(), "the leftover was killed: {status}");
    assert!(
        listed_namespaces().contains(&live_ns.name().to_string()),
        "a running harness's namespace survives"
    );
    for (n, _) in &report.removed {
        let owner = owner_pid(n).expect("only harness namespaces are swept");
        assert!(
            !Path::new("/proc").join(owner.to_string()).exists(),
            "{n} belonged to a running process"
        );
    }
}

/// Errors name the missing thing and the command that lists what exists.
#[test]
fn a_missing_interface_or_namespace_is_reported_with_the_fix() {
    if !root_or_skip() {
        return;
    }
    let mut t = Topology::new();
    let ns = t.add_namespace("errors").expect("create namespace");
    let e = ns.open_packet("nosuch0").unwrap_err();
    assert!(matches!(e, LiveError::NoInterface { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!(
            "no interface named nosuch0 in network namespace {0}; list them with `ip -n {0} link`",
            ns.name()
        )
    );
    let e = ns
        .configure_link("nosuch0", &LinkConfig::userspace(None))
        .unwrap_err();
    assert!(matches!(e, LiveError::NoInterface { .. }), "{e:?}");
    let e = ns.open_packet("lo").unwrap_err();
    assert!(matches!(e, LiveError::NotEthernet { .. }), "{e:?}");
    let e = Netns::attach("mip6t-no-such-namespace").unwrap_err();
    assert_eq!(
        e.to_string(),
        "no network namespace named mip6t-no-such-namespace; list them with `ip netns list`"
    );
    let e = t.add_namespace("Bad Label").unwrap_err();
    assert!(matches!(e, LiveError::InvalidName { .. }), "{e:?}");
}
