//! `mip6test decode` on captures written by another tool: a few corpus frames are dumped as hex
//! (`0000 xx xx ...` lines), turned into a classic pcap by Wireshark's `text2pcap`, converted to
//! pcapng by `editcap -F pcapng`, and both files are decoded by the built `mip6test` binary.
//! Each frame must come back with the layers, key fields (MH type, BU/BA sequence numbers and
//! flags, addresses) and no violation, exactly as the corpus packet that produced it.
//!
//! Without text2pcap/editcap the test is skipped with a message on stderr, except when `CI` is
//! set: then it fails.

use mip6_packets::mh::MhMessage;
use mip6_packets::samples::{corpus, Sample};
use mip6_packets::{decode, Layer, LinkType};
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

mod common;
use common::{tools_or_skip, TempDir};

/// The corpus frames written through text2pcap.
const FRAMES: &[&str] = &[
    "bu-home-registration-AHLK",
    "bu-all-flags-AHLKMRPFTBSD",
    "bu-cn-deregistration-no-flags-bad",
    "ba-accepted-K-binding-refresh-advice",
    "ba-all-flags-KRPTBSD",
    "bu-dsmip-udp4191-ipv4-coa-F",
    "hoti-reverse-tunnelled-via-ha",
    "icmpv6-haad-reply-two-home-agents",
];

/// text2pcap's input: for each frame, lines of `offset xx xx ...` (16 bytes a line, offsets in
/// hex from 0), frames separated by a blank line.
fn hexdump(frames: &[Vec<u8>]) -> String {
    let mut s = String::new();
    for f in frames {
        for (i, chunk) in f.chunks(16).enumerate() {
            let _ = write!(s, "{:04x} ", i * 16);
            for b in chunk {
                let _ = write!(s, " {b:02x}");
            }
            s.push('\n');
        }
        s.push('\n');
    }
    s
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `mip6test decode FILE --json`: one object per frame.
fn mip6test_decode(file: &Path) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_mip6test"))
        .arg("decode")
        .arg(file)
        .arg("--json")
        .output()
        .expect("run mip6test");
    assert!(
        out.status.success(),
        "mip6test decode {} exited with {}: {}",
        file.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8 output")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn layer<'a>(rec: &'a Value, name: &str) -> &'a Value {
    rec["layers"]
        .as_array()
        .and_then(|ls| ls.iter().find(|l| l["layer"] == name))
        .unwrap_or_else(|| panic!("no {name} layer in {rec}"))
}

/// The key fields of a frame, from the corpus packet (not from the decoder).
fn check_key_fields(sample: &Sample, rec: &Value, ctx: &str) {
    let layers = &sample.packet.layers;
    if let Some(m) = layers.iter().find_map(|l| match l {
        Layer::Mobility(m) => Some(m),
        _ => None,
    }) {
        let mh = &layer(rec, "mh")["fields"];
        assert_eq!(mh["mh_type"], m.wire_type(), "{ctx}: MH type");
        match &m.message {
            MhMessage::BindingUpdate(bu) => {
                assert_eq!(mh["message"], "binding_update", "{ctx}");
                assert_eq!(mh["seq"], bu.seq, "{ctx}: BU sequence number");
                assert_eq!(mh["lifetime"], bu.lifetime, "{ctx}: BU lifetime");
                let flags = [
                    ("a", bu.a),
                    ("h", bu.h),
                    ("l", bu.l),
                    ("k", bu.k),
                    ("m", bu.m),
                    ("r", bu.r),
                    ("p", bu.p),
                    ("f", bu.f),
                    ("t", bu.t),
                    ("b", bu.b),
                    ("s", bu.s),
                    ("d", bu.d),
                ];
                for (name, set) in flags {
                    assert_eq!(mh[name], set, "{ctx}: BU flag {name}");
                }
            }
            MhMessage::BindingAck(ba) => {
                assert_eq!(mh["message"], "binding_ack", "{ctx}");
                assert_eq!(mh["status"], ba.status, "{ctx}: BA status");
                assert_eq!(mh["seq"], ba.seq, "{ctx}: BA sequence number");
                let flags = [
                    ("k", ba.k),
                    ("r", ba.r),
                    ("p", ba.p),
                    ("t", ba.t),
                    ("b", ba.b),
                    ("s", ba.s),
                    ("d", ba.d),
                ];
                for (name, set) in flags {
                    assert_eq!(mh[name], set, "{ctx}: BA flag {name}");
                }
            }
            MhMessage::HomeTestInit { cookie, .. } => {
                assert_eq!(mh["message"], "home_test_init", "{ctx}");
                let hex: String = cookie.iter().map(|b| format!("{b:02x}")).collect();
                assert_eq!(mh["cookie"], hex, "{ctx}: HoTI cookie");
            }
            other => panic!("{ctx}: add key-field checks for {other:?}"),
        }
        // The options by name, in order.
        let names: Vec<&str> = m.options.iter().map(|o| o.name()).collect();
        let decoded: Vec<&str> = layer(rec, "mh")["options"]
            .as_array()
            .map(|a| a.iter().filter_map(|o| o["name"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(decoded, names, "{ctx}: mobility options");
    }
    // The addresses of every IPv6 header, outer to inner.
    let ours: Vec<String> = layers
        .iter()
        .filter_map(|l| match l {
            Layer::Ipv6(h) => Some(format!("{}>{}", h.src, h.dst)),
            _ => None,
        })
        .collect();
    let theirs: Vec<String> = rec["layers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["layer"] == "ipv6")
        .map(|l| {
            format!(
                "{}>{}",
                l["fields"]["src"].as_str().unwrap(),
                l["fields"]["dst"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(theirs, ours, "{ctx}: IPv6 addresses");
}

fn check_capture(file: &Path, samples: &[&Sample], frames: &[Vec<u8>], format: &str) {
    let records = mip6test_decode(file);
    assert_eq!(
        records.len(),
        samples.len(),
        "{format}: mip6test decoded {} frames, text2pcap was given {}",
        records.len(),
        samples.len()
    );
    for (i, ((sample, frame), rec)) in samples.iter().zip(frames).zip(&records).enumerate() {
        let ctx = format!("{format} frame {} ({})", i + 1, sample.name);
        assert_eq!(rec["frame"], i + 1, "{ctx}");
        assert_eq!(rec["link_type"], 1, "{ctx}: link type");
        assert_eq!(rec["captured_len"], frame.len(), "{ctx}: captured length");
        assert_eq!(rec["orig_len"], frame.len(), "{ctx}: original length");
        assert!(rec["timestamp_ns"].is_u64(), "{ctx}: no timestamp");
        assert_eq!(rec["violations"], Value::Array(vec![]), "{ctx}: violations");
        // The layers, fields and options are those of the frame decoded in memory.
        let view = decode(frame, LinkType::Ethernet).view(frame.len());
        let expected = serde_json::to_value(&view.layers).expect("serialise the view");
        assert_eq!(rec["layers"], expected, "{ctx}: layers differ");
        // The layer stack is the corpus packet's.
        let names: Vec<&str> = rec["layers"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|l| l["layer"].as_str())
            .collect();
        let corpus_names: Vec<&str> = sample.packet.layers.iter().map(Layer::name).collect();
        assert_eq!(names, corpus_names, "{ctx}: layer stack");
        check_key_fields(sample, rec, &ctx);
    }
}

#[test]
fn text2pcap_and_editcap_captures_decode_like_the_corpus() {
    if !tools_or_skip("foreign capture test", &["text2pcap", "editcap"]) {
        return;
    }
    let all = corpus();
    let samples: Vec<&Sample> = FRAMES
        .iter()
        .map(|n| {
            all.iter()
                .find(|s| s.name == *n)
                .unwrap_or_else(|| panic!("no corpus sample {n}"))
        })
        .collect();
    let frames: Vec<Vec<u8>> = samples.iter().map(|s| s.packet.emit()).collect();

    let dir = TempDir::new("foreign");
    let txt = dir.path().join("frames.txt");
    let pcap = dir.path().join("frames.pcap");
    let pcapng = dir.path().join("frames.pcapng");
    std::fs::write(&txt, hexdump(&frames)).expect("write the hex dump");
    // text2pcap 4.0 writes pcapng unless told otherwise; Ethernet is its default link type.
    run(Command::new("text2pcap")
        .args(["-q", "-F", "pcap", "-l", "1"])
        .arg(&txt)
        .arg(&pcap));
    run(Command::new("editcap")
        .args(["-F", "pcapng"])
        .arg(&pcap)
        .arg(&pcapng));

    let head = |p: &Path| std::fs::read(p).expect("read capture")[..4].to_vec();
    let magic = head(&pcap);
    assert!(
        magic == [0xd4, 0xc3, 0xb2, 0xa1] || magic == [0xa1, 0xb2, 0xc3, 0xd4],
        "text2pcap did not write a classic pcap: magic {magic:02x?}"
    );
    assert_eq!(
        head(&pcapng),
        [0x0a, 0x0d, 0x0d, 0x0a],
        "editcap did not write pcapng"
    );

    check_capture(&pcap, &samples, &frames, "pcap (text2pcap)");
    check_capture(&pcapng, &samples, &frames, "pcapng (editcap)");
}
