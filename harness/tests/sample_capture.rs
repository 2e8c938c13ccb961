//! docs/samples/corpus.pcapng, which the README's first command decodes, is the codec's sample
//! corpus written as pcapng (one comment per frame naming the sample). This test keeps the file
//! in step with the corpus; `MIP6TEST_BLESS=1 cargo test --test sample_capture` rewrites it.

use mip6_packets::samples::corpus;
use mip6_reports::pcap::{linktype, PcapngOptions, PcapngWriter};
use std::path::PathBuf;

fn render() -> Vec<u8> {
    let opts = PcapngOptions {
        application: Some("mip6test sample corpus".into()),
        comment: Some("Every Mobile IPv6 message, flag and option the codec knows".into()),
        ..PcapngOptions::default()
    };
    let mut w = PcapngWriter::with_options(Vec::new(), opts).unwrap();
    let iface = w.add_interface(linktype::ETHERNET, "link0").unwrap();
    for (i, s) in corpus().iter().enumerate() {
        // One frame a millisecond from 2026-01-01T00:00:00Z, so the file is the same every time.
        let ts = 1_767_225_600_000_000_000 + i as u64 * 1_000_000;
        w.write_packet(iface, ts, &s.packet.emit(), Some(s.name))
            .unwrap();
    }
    w.finish().unwrap()
}

#[test]
fn sample_capture_matches_the_corpus() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/samples/corpus.pcapng");
    let want = render();
    if std::env::var_os("MIP6TEST_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let have = std::fs::read(&path).unwrap_or_default();
    assert!(
        have == want,
        "{} is out of date with mip6_packets::samples::corpus(); regenerate it with \
         MIP6TEST_BLESS=1 cargo test -p mip6-harness --test sample_capture",
        path.display()
    );
}

#[test]
fn the_main_job_decodes_it_without_violations() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/samples/corpus.pcapng");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mip6test"))
        .args(["decode", "--json"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let frames: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(frames.len(), corpus().len());
    for (f, s) in frames.iter().zip(corpus()) {
        assert_eq!(f["comments"][0], s.name);
        assert_eq!(
            f["violations"].as_array().map(Vec::len),
            Some(0),
            "{}",
            s.name
        );
    }
}
