//! `mip6test reference` on real interfaces: the binary runs a reference node in one network
//! namespace, this test plays the mobile node and the router from another over a veth pair.
//! Needs root (CI is root); without it each test says it is skipped. Everything created is
//! removed by the Topology guard, also when an assertion fails.
#![cfg(target_os = "linux")]

use mip6_harness::live::{AfPacket, LinkConfig, Netns, Topology};
use mip6_packets::icmpv6::{Icmpv6, Icmpv6Msg, NdOption};
use mip6_packets::ipv6::{Ipv6, OptionsHeader, Routing};
use mip6_packets::mh::{BindingUpdate, MhMessage, MhOption, Mobility};
use mip6_packets::{decode, Ethernet, Layer, LinkType, MacAddr, Packet};
use std::net::Ipv6Addr;
use std::time::{Duration, Instant};

mod common;
use common::root_or_skip;

const NODE_MAC: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0x01]);
const ROUTER_MAC: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0xfe]);
const ROUTER_LL: &str = "fe80::fe";

fn a(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

/// Two namespaces joined by veth `link0`. The node's side keeps the kernel's IPv6 on:
/// `mip6test reference` must turn it off itself.
fn topology(t: &mut Topology) -> (Netns, Netns) {
    let node = t.add_namespace("ref").expect("namespace");
    let tester = t.add_namespace("tester").expect("namespace");
    t.add_veth(&node, "link0", &tester, "link0").expect("veth");
    node.configure_link("link0", &LinkConfig::kernel(Some(NODE_MAC)))
        .expect("configure node link");
    tester
        .configure_link("link0", &LinkConfig::userspace(Some(ROUTER_MAC)))
        .expect("configure tester link");
    (node, tester)
}

fn start(t: &mut Topology, node: &Netns, role: &str, config: &str) -> (std::path::PathBuf, u32) {
    let path = std::env::temp_dir().join(format!(
        "mip6test-ref-{role}-{}-{}.yaml",
        std::process::id(),
        node.name()
    ));
    std::fs::write(&path, config).expect("write config");
    let mut cmd = node.command(env!("CARGO_BIN_EXE_mip6test"));
    cmd.args(["reference", "--role", role, "--iface", "link0", "--config"])
        .arg(&path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let pid = t.spawn(&mut cmd).expect("start mip6test reference");
    (path, pid)
}

fn alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| s.contains(") Z "))
            .unwrap_or(true)
}

fn send(sock: &AfPacket, layers: Vec<Layer>) {
    let mut l = vec![Layer::Ethernet(Ethernet::new(ROUTER_MAC, NODE_MAC))];
    l.extend(layers);
    sock.send(&Packet::new(l).emit()).expect("send");
}

/// Receives frames for up to `window`, answering the node's NS for the router, and returns the
/// first decoded frame `want` accepts, plus everything seen.
fn wait_for(
    sock: &AfPacket,
    window: Duration,
    mut want: impl FnMut(&mip6_packets::Decoded) -> bool,
) -> (Option<mip6_packets::Decoded>, Vec<mip6_packets::Decoded>) {
    let end = Instant::now() + window;
    let mut seen = Vec::new();
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        let Some(r) = sock.recv_timeout(left).expect("receive") else {
            continue;
        };
        let d = decode(&r.frame, LinkType::Ethernet);
        // Play the router: answer address resolution of its link-local address.
        if let Some(Layer::Icmpv6(Icmpv6 {
            msg: Icmpv6Msg::NeighborSolicitation { target, .. },
            ..
        })) = d.packet.layers.get(2)
        {
            if *target == a(ROUTER_LL) {
                let Some(Layer::Ipv6(h)) = d.packet.layers.get(1) else {
                    continue;
                };
                send(
                    sock,
                    vec![
                        Layer::Ipv6(Ipv6::new(a(ROUTER_LL), h.src).hop_limit(255)),
                        Layer::Icmpv6(Icmpv6::new(Icmpv6Msg::NeighborAdvertisement {
                            r: true,
                            s: true,
                            o: true,
                            reserved: 0,
                            target: *target,
                            options: vec![NdOption::TargetLinkLayer(ROUTER_MAC)],
                        })),
                    ],
                );
            }
        }
        if want(&d) {
            return (Some(d), seen);
        }
        seen.push(d);
    }
    (None, seen)
}

fn mh(d: &mip6_packets::Decoded) -> Option<&Mobility> {
    d.find(|l| match l {
        Layer::Mobility(m) => Some(m),
        _ => None,
    })
}

const HA_CONFIG: &str = r#"
interfaces:
  - name: link0
    mac: "02:00:00:00:00:01"
    addrs: [{addr: "2001:db8:1::1", prefix_len: 64}]
    default_router: "fe80::fe"
home_links:
  - interface: link0
    prefixes: [{prefix: "2001:db8:1::", prefix_len: 64}]
seed: 1
timers: {time_scale: 0.2}
"#;

#[test]
fn home_registration_over_veth_gets_a_ba_and_a_proxy_na() {
    if !root_or_skip("home_registration_over_veth_gets_a_ba_and_a_proxy_na") {
        return;
    }
    let mut t = Topology::new();
    let (node, tester) = topology(&mut t);
    let sock = tester.open_packet("link0").expect("tester socket");
    let (cfg, _pid) = start(&mut t, &node, "ha", HA_CONFIG);
    // Let the node come up (it opens its socket, then advertises itself).
    std::thread::sleep(Duration::from_millis(500));

    let (hoa, coa, ha) = (
        a("2001:db8:1::100"),
        a("2001:db8:2::100"),
        a("2001:db8:1::1"),
    );
    send(
        &sock,
        vec![
            Layer::Ipv6(Ipv6::new(coa, ha)),
            Layer::DestOpts(OptionsHeader::home_address(hoa)),
            Layer::Mobility(Mobility::new(
                MhMessage::BindingUpdate(BindingUpdate {
                    seq: 7,
                    a: true,
                    h: true,
                    lifetime: 15,
                    ..Default::default()
                }),
                vec![MhOption::AlternateCareOfAddress(coa)],
            )),
        ],
    );
    let mut proxy_na = false;
    let (ba, seen) = wait_for(&sock, Duration::from_secs(8), |d| {
        if let Some(Layer::Icmpv6(Icmpv6 {
            msg: Icmpv6Msg::NeighborAdvertisement { target, o, .. },
            ..
        })) = d.packet.layers.get(2)
        {
            proxy_na |= *target == hoa && *o;
        }
        matches!(mh(d).map(|m| &m.message), Some(MhMessage::BindingAck(_))) && proxy_na
    });
    let _ = std::fs::remove_file(cfg);
    let ba = ba.unwrap_or_else(|| {
        panic!(
            "no BA with a proxy NA before it; saw: {:#?}",
            seen.iter().map(|d| d.view(0).layers).collect::<Vec<_>>()
        )
    });
    assert!(ba.violations.is_empty(), "{:?}", ba.violations);
    let Some(MhMessage::BindingAck(b)) = mh(&ba).map(|m| &m.message) else {
        unreachable!()
    };
    assert_eq!((b.status, b.seq), (0, 7));
    assert!(b.lifetime > 0 && b.lifetime <= 15);
    assert!(ba.packet.layers.iter().any(|l| l
        == &Layer::Routing(Routing {
            next_header: Some(135),
            hdr_ext_len: Some(2),
            ..Routing::type2(hoa)
        })));
    let Some(Layer::Ipv6(ip)) = ba.packet.layers.get(1) else {
        unreachable!()
    };
    assert_eq!((ip.src, ip.dst), (ha, coa));
    let Some(Layer::Ethernet(eth)) = ba.packet.layers.first() else {
        unreachable!()
    };
    assert_eq!(eth.dst, ROUTER_MAC, "off-link CoA goes through the router");
    t.teardown().expect("teardown");
}

const CN_CONFIG: &str = r#"
interfaces:
  - name: link0
    mac: "02:00:00:00:00:01"
    addrs: [{addr: "2001:db8:3::1", prefix_len: 64}]
    default_router: "fe80::fe"
seed: 1
"#;

#[test]
fn correspondent_node_over_veth_answers_hoti_with_hot() {
    if !root_or_skip("correspondent_node_over_veth_answers_hoti_with_hot") {
        return;
    }
    let mut t = Topology::new();
    let (node, tester) = topology(&mut t);
    let sock = tester.open_packet("link0").expect("tester socket");
    assert!(node.kernel_ipv6_enabled("link0").unwrap());
    let (cfg, pid) = start(&mut t, &node, "cn", CN_CONFIG);
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !node.kernel_ipv6_enabled("link0").unwrap(),
        "mip6test reference leaves the kernel's IPv6 on"
    );
    let (hoa, cn) = (a("2001:db8:1::100"), a("2001:db8:3::1"));
    let cookie = [1, 2, 3, 4, 5, 6, 7, 8];
    send(
        &sock,
        vec![
            Layer::Ipv6(Ipv6::new(hoa, cn)),
            Layer::Mobility(Mobility::new(
                MhMessage::HomeTestInit {
                    reserved: 0,
                    cookie,
                },
                vec![],
            )),
        ],
    );
    let (hot, seen) = wait_for(&sock, Duration::from_secs(5), |d| {
        matches!(mh(d).map(|m| &m.message), Some(MhMessage::HomeTest { .. }))
    });
    let _ = std::fs::remove_file(cfg);
    let hot = hot.unwrap_or_else(|| panic!("no HoT; saw {} frames", seen.len()));
    assert!(hot.violations.is_empty(), "{:?}", hot.violations);
    let Some(MhMessage::HomeTest { cookie: c, .. }) = mh(&hot).map(|m| &m.message) else {
        unreachable!()
    };
    assert_eq!(*c, cookie);
    let Some(Layer::Ipv6(ip)) = hot.packet.layers.get(1) else {
        unreachable!()
    };
    assert_eq!((ip.src, ip.dst), (cn, hoa));
    // SIGTERM ends the node cleanly and gives the interface its kernel IPv6 back.
    std::process::Command::new("kill")
        .arg(pid.to_string())
        .status()
        .expect("kill");
    let end = Instant::now() + Duration::from_secs(5);
    while alive(pid) && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!alive(pid), "mip6test reference did not stop on SIGTERM");
    assert!(
        node.kernel_ipv6_enabled("link0").unwrap(),
        "the kernel's IPv6 was not turned back on"
    );
    t.teardown().expect("teardown");
}

#[test]
fn a_missing_interface_is_an_environment_error_naming_the_fix() {
    if !root_or_skip("a_missing_interface_is_an_environment_error_naming_the_fix") {
        return;
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mip6test"))
        .args(["reference", "--role", "cn", "--iface", "mip6tnoif0"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("mip6tnoif0") && err.contains("ip link"),
        "{err}"
    );
}
