//! `mip6test decode` through the built binary: text and JSON output, frame selection, and the
//! exit codes and messages for garbage, truncated and missing files.

use mip6_packets::ipv6::{Ip6Option, Ipv6, OptionsHeader, Routing};
use mip6_packets::{Ethernet, Layer, MacAddr, Packet};
use mip6_reports::pcap::{linktype, PcapWriter, PcapngWriter};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const T0: u64 = 1_700_000_000_123_456_789;

fn a(s: &str) -> std::net::Ipv6Addr {
    s.parse().unwrap()
}

fn eth() -> Layer {
    Layer::Ethernet(Ethernet::new(
        MacAddr([2, 0, 0, 0, 0, 0x0a]),
        MacAddr([2, 0, 0, 0, 0, 0x0b]),
    ))
}

/// MN to CN, with a Home Address option; the payload is opaque (Next Header 59).
fn frame_hao() -> Vec<u8> {
    Packet::new(vec![
        eth(),
        Layer::Ipv6(Ipv6::new(a("2001:db8:2::100"), a("2001:db8:3::1"))),
        Layer::DestOpts(OptionsHeader::home_address(a("2001:db8:1::100"))),
        Layer::Raw(vec![0xde, 0xad, 0xbe, 0xef]),
    ])
    .emit()
}

/// CN to MN, with a type 2 routing header.
fn frame_rh2() -> Vec<u8> {
    Packet::new(vec![
        eth(),
        Layer::Ipv6(Ipv6::new(a("2001:db8:3::1"), a("2001:db8:2::100"))),
        Layer::Routing(Routing::type2(a("2001:db8:1::100"))),
        Layer::Raw(vec![1, 2, 3, 4]),
    ])
    .emit()
}

/// A misaligned Home Address option (offset 2 of the header, must be 8n+6).
fn frame_bad_hao() -> Vec<u8> {
    Packet::new(vec![
        eth(),
        Layer::Ipv6(Ipv6::new(a("2001:db8:2::100"), a("2001:db8:3::1"))),
        Layer::DestOpts(OptionsHeader::new(vec![
            Ip6Option::HomeAddress(a("2001:db8:1::100")),
            Ip6Option::PadN(4),
        ])),
    ])
    .emit()
}

fn tmp(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name)
}

fn write_pcap(name: &str) -> PathBuf {
    let mut w = PcapWriter::new(Vec::new(), linktype::ETHERNET).unwrap();
    w.write_packet(T0, &frame_hao()).unwrap();
    w.write_packet(T0 + 1_000_000, &frame_rh2()).unwrap();
    w.write_packet(T0 + 2_000_000, &frame_bad_hao()).unwrap();
    let p = tmp(name);
    std::fs::write(&p, w.finish().unwrap()).unwrap();
    p
}

fn mip6test(args: &[&str], file: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mip6test"))
        .args(args)
        .arg(file)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

fn json_lines(out: &Output) -> Vec<Value> {
    text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn decodes_pcap_as_text() {
    let f = write_pcap("cli-text.pcap");
    let out = mip6test(&["decode"], &f);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(
        lines[0],
        "frame 1  2023-11-14 22:13:20.123456000 UTC  82 bytes  iface 0"
    );
    assert!(
        lines[1]
            .starts_with("  ethernet @0 (14 bytes)  src=02:00:00:00:00:0a dst=02:00:00:00:00:0b"),
        "{t}"
    );
    assert!(lines[1].contains("ethertype=0x86dd"), "{t}");
    assert!(
        lines[2].starts_with("  ipv6 @14 (40 bytes)  src=2001:db8:2::100 dst=2001:db8:3::1"),
        "{t}"
    );
    assert!(lines[2].contains("next_header=60"), "{t}");
    assert!(lines[3].starts_with("  dest_opts @54 (24 bytes)"), "{t}");
    assert!(lines[3].contains("next_header=59"), "{t}");
    assert_eq!(lines[4], "    padn @56 (type 1, len 2)");
    assert_eq!(
        lines[5],
        "    home_address @60 (type 201, len 16)  home_address=2001:db8:1::100"
    );
    assert_eq!(lines[6], "  raw @78 (4 bytes)  data=deadbeef");
    assert!(
        lines[7].starts_with("frame 2  2023-11-14 22:13:20.124456000 UTC"),
        "{t}"
    );
    assert!(t.contains("  routing @54 (24 bytes)  "), "{t}");
    assert!(t.contains("home_address=2001:db8:1::100"), "{t}");
    assert!(
        t.contains("routing_type=2") && t.contains("segments_left=1"),
        "{t}"
    );
    // The violation of frame 3, after its layers.
    let v = lines
        .iter()
        .position(|l| l.starts_with("  ! "))
        .expect("a violation line");
    assert!(lines[..v].iter().any(|l| l.starts_with("frame 3 ")));
    // Zero padding (six Pad1 options) is one line.
    assert!(lines[..v].contains(&"    pad1 @80 (type 0) x6"), "{t}");
    assert!(
        lines[v].starts_with("  ! dest_opts.options[0] @56: "),
        "{}",
        lines[v]
    );
    assert!(
        lines[v].ends_with("[option-misaligned; RFC 6275 §6.3]"),
        "{}",
        lines[v]
    );
    assert_eq!(*lines.last().unwrap(), "3 frames, 1 violation");
}

#[test]
fn decodes_pcap_as_json_lines() {
    let f = write_pcap("cli-json.pcap");
    let out = mip6test(&["decode", "--json"], &f);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json_lines(&out);
    assert_eq!(v.len(), 3);
    let f1 = &v[0];
    let keys: Vec<&str> = f1.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    for k in [
        "frame",
        "interface",
        "interface_name",
        "timestamp_ns",
        "orig_len",
        "captured_len",
        "link_type",
        "comments",
        "notes",
        "layers",
        "violations",
    ] {
        assert!(keys.contains(&k), "missing {k} in {f1}");
    }
    assert_eq!(f1["frame"], 1);
    assert_eq!(f1["interface"], 0);
    assert_eq!(f1["interface_name"], Value::Null);
    assert_eq!(f1["timestamp_ns"], 1_700_000_000_123_456_000u64);
    assert_eq!(f1["orig_len"], 82);
    assert_eq!(f1["captured_len"], 82);
    assert_eq!(f1["link_type"], 1);
    assert_eq!(f1["comments"], serde_json::json!([]));
    let layers = f1["layers"].as_array().unwrap();
    let names: Vec<&str> = layers
        .iter()
        .map(|l| l["layer"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ethernet", "ipv6", "dest_opts", "raw"]);
    assert_eq!(layers[0]["fields"]["ethertype"], 0x86dd);
    assert_eq!(layers[1]["offset"], 14);
    assert_eq!(layers[1]["length"], 40);
    assert_eq!(layers[1]["fields"]["src"], "2001:db8:2::100");
    assert_eq!(layers[1]["fields"]["next_header"], 60);
    assert_eq!(layers[1]["fields"]["payload_len"], 28);
    let opts = layers[2]["options"].as_array().unwrap();
    assert_eq!(opts[1]["type"], 201);
    assert_eq!(opts[1]["name"], "home_address");
    assert_eq!(opts[1]["len"], 16);
    assert_eq!(opts[1]["offset"], 60);
    assert_eq!(opts[1]["fields"]["home_address"], "2001:db8:1::100");
    assert!(
        layers[1].get("options").is_none(),
        "options only when present"
    );
    assert_eq!(layers[3]["fields"]["data"], "deadbeef");
    assert_eq!(layers[3]["fields"]["length"], 4);
    assert_eq!(f1["violations"], serde_json::json!([]));

    let rh = &v[1]["layers"][2];
    assert_eq!(rh["layer"], "routing");
    assert_eq!(rh["fields"]["routing_type"], 2);
    assert_eq!(rh["fields"]["home_address"], "2001:db8:1::100");

    let viol = &v[2]["violations"][0];
    assert_eq!(viol["layer"], "dest_opts");
    assert_eq!(viol["field"], "options[0]");
    assert_eq!(viol["offset"], 56);
    assert_eq!(viol["rule"], "option-misaligned");
    assert_eq!(viol["rfc"], "RFC 6275 §6.3");
    assert!(viol["message"].as_str().unwrap().contains("8n+6"));
}

#[test]
fn frame_selection() {
    let f = write_pcap("cli-frames.pcap");
    let out = mip6test(&["decode", "--json", "--frames", "2-"], &f);
    assert_eq!(out.status.code(), Some(0));
    let frames: Vec<u64> = json_lines(&out)
        .iter()
        .map(|v| v["frame"].as_u64().unwrap())
        .collect();
    assert_eq!(frames, [2, 3]);
    let out = mip6test(&["decode", "--frames", "1,3"], &f);
    let t = text(&out.stdout);
    assert!(t.contains("frame 1 ") && t.contains("frame 3 ") && !t.contains("frame 2 "));
    assert!(t.ends_with("2 of 3 frames shown, 1 violation\n"), "{t}");
    let out = mip6test(&["decode", "--frames", "3-1"], &f);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("3-1"), "{}", text(&out.stderr));
}

#[test]
fn pcapng_interfaces_comments_and_undecoded_link_types() {
    let mut w = PcapngWriter::new(Vec::new()).unwrap();
    let link0 = w.add_interface(linktype::ETHERNET, "link0").unwrap();
    let lo = w.add_interface(linktype::NULL, "lo0").unwrap();
    let tun = w.add_interface(linktype::IPV6, "tun0").unwrap();
    w.write_packet(link0, T0, &frame_hao(), Some("sent by mn0\nsecond line"))
        .unwrap();
    w.write_packet(lo, T0 + 1, &[0x1e, 0, 0, 0, 0x60], None)
        .unwrap();
    // The IPv6 packet inside frame_rh2, cut to 50 of its 68 bytes.
    let ip = &frame_rh2()[14..];
    w.write_packet_full(tun, T0 + 2, &ip[..50], ip.len() as u32, &[])
        .unwrap();
    let p = tmp("cli-ng.pcapng");
    std::fs::write(&p, w.finish().unwrap()).unwrap();

    let out = mip6test(&["decode"], &p);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    assert!(
        t.starts_with(
            "frame 1  2023-11-14 22:13:20.123456789 UTC  82 bytes  iface 0 (link0)\n  # sent by mn0\n  # second line\n"
        ),
        "{t}"
    );
    assert!(t.contains("frame 2  2023-11-14 22:13:20.123456790 UTC  5 bytes  iface 1 (lo0)\n  note: link type 0 is not decoded"), "{t}");
    assert!(t.contains("  raw @0 (5 bytes)  data=1e00000060\n"), "{t}");
    assert!(t.contains("50 of 68 bytes  iface 2 (tun0)"), "{t}");
    assert!(
        t.contains("note: only 50 of the 68 bytes on the wire were captured"),
        "{t}"
    );
    // Cut inside the routing header: the decoder says so.
    assert!(t.contains("! routing.hdr_ext_len @41: "), "{t}");

    let v = json_lines(&mip6test(&["decode", "--json"], &p));
    assert_eq!(
        v[0]["comments"],
        serde_json::json!(["sent by mn0\nsecond line"])
    );
    assert_eq!(v[0]["interface_name"], "link0");
    assert_eq!(v[0]["timestamp_ns"], T0);
    assert_eq!(v[1]["link_type"], 0);
    assert_eq!(v[1]["layers"][0]["layer"], "raw");
    assert_eq!(v[1]["notes"].as_array().unwrap().len(), 1);
    assert_eq!(v[2]["interface"], 2);
    assert_eq!(v[2]["orig_len"], 68);
    assert_eq!(v[2]["captured_len"], 50);
    assert_eq!(v[2]["layers"][0]["layer"], "ipv6");
}

#[test]
fn garbage_file_is_a_usage_error() {
    let p = tmp("cli-garbage.pcap");
    std::fs::write(&p, b"this is not a capture file\n").unwrap();
    for args in [&["decode"][..], &["decode", "--json"][..]] {
        let out = mip6test(args, &p);
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty());
        let e = text(&out.stderr);
        assert!(e.starts_with("mip6test: error: "), "{e}");
        assert!(e.contains("cli-garbage.pcap"), "{e}");
        assert!(e.contains("not a capture file"), "{e}");
        assert!(e.contains("74 68 69 73"), "{e}");
    }
    let p = tmp("cli-empty.pcap");
    std::fs::write(&p, b"").unwrap();
    let out = mip6test(&["decode"], &p);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("the file is empty"));
}

#[test]
fn truncated_file_prints_good_frames_then_the_error() {
    let full = std::fs::read(write_pcap("cli-full.pcap")).unwrap();
    let p = tmp("cli-truncated.pcap");
    std::fs::write(&p, &full[..full.len() - 20]).unwrap();
    let out = mip6test(&["decode"], &p);
    assert_eq!(out.status.code(), Some(2));
    let t = text(&out.stdout);
    assert!(
        t.contains("frame 1 ") && t.contains("frame 2 ") && !t.contains("frame 3 "),
        "{t}"
    );
    let e = text(&out.stderr);
    assert!(e.contains("cli-truncated.pcap"), "{e}");
    assert!(e.contains("truncated record for frame 3 at offset"), "{e}");
    assert!(e.contains("(after 2 good frames)"), "{e}");

    let out = mip6test(&["decode", "--json"], &p);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json_lines(&out).len(), 2);
    assert!(text(&out.stderr).contains("truncated record"));
}

#[test]
fn missing_file_names_the_path() {
    let p = tmp("cli-no-such-file.pcap");
    let out = mip6test(&["decode"], &p);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let e = text(&out.stderr);
    assert!(e.contains(&p.display().to_string()), "{e}");
    assert!(e.contains("os error 2"), "{e}");
}

#[test]
fn usage_errors_exit_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_mip6test"))
        .args(["decode"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(env!("CARGO_BIN_EXE_mip6test"))
        .args(["frobnicate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(env!("CARGO_BIN_EXE_mip6test"))
        .args(["decode", "--help"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("--esp-null-icv <LEN>"));
}

/// xorshift64*: a tiny deterministic generator.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[test]
fn random_frames_never_panic_in_either_rendering() {
    use mip6_harness::decode::{decode_capture, DecodeOpts};
    use mip6_reports::pcap::read_capture;
    let mut rng = XorShift(0x1234_5678_9abc_def1);
    let mut w = PcapngWriter::new(Vec::new()).unwrap();
    let links = [1u16, 101, 228, 229, 0, 147];
    for l in links {
        w.add_interface(l, "").unwrap();
    }
    let seeds = [frame_hao(), frame_rh2(), frame_bad_hao()];
    for i in 0..600 {
        let iface = i % links.len();
        let mut data = if i % 2 == 0 {
            let len = (rng.next() % 200) as usize;
            (0..len).map(|_| rng.next() as u8).collect::<Vec<u8>>()
        } else {
            // A real frame (without Ethernet on IP links) with a few bytes changed.
            let s = &seeds[i % seeds.len()];
            let mut d = if links[iface] == 1 {
                s.clone()
            } else {
                s[14..].to_vec()
            };
            for _ in 0..1 + rng.next() % 3 {
                let at = (rng.next() % d.len() as u64) as usize;
                d[at] = rng.next() as u8;
            }
            d
        };
        data.truncate((rng.next() % 120 + 10) as usize);
        w.write_packet(iface, i as u64, &data, None).unwrap();
    }
    let cap = read_capture(&w.finish().unwrap()).unwrap();
    for json in [false, true] {
        for esp in [None, Some(12)] {
            let opts = DecodeOpts {
                json,
                esp_null_icv_len: esp,
                frames: None,
            };
            let mut out = Vec::new();
            let s = decode_capture(&cap, &opts, &mut out).unwrap();
            assert_eq!(s.frames_shown, 600);
            assert_eq!(s.undecoded, 200);
            if json {
                let n = text(&out)
                    .lines()
                    .inspect(|l| {
                        serde_json::from_str::<Value>(l).unwrap();
                    })
                    .count();
                assert_eq!(n, 600);
            }
        }
    }
}

#[test]
fn closed_pipe_is_not_an_error() {
    use std::io::Read;
    use std::process::Stdio;
    // Enough frames to fill a pipe buffer.
    let mut w = PcapWriter::new(Vec::new(), linktype::ETHERNET).unwrap();
    for i in 0..3000 {
        w.write_packet(T0 + i, &frame_hao()).unwrap();
    }
    let p = tmp("cli-many.pcap");
    std::fs::write(&p, w.finish().unwrap()).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mip6test"))
        .arg("decode")
        .arg(&p)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}
