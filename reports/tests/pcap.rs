//! Capture reader and writers: round trips, hand-made files in both byte orders, damaged files,
//! and a no-panic sweep over prefixes and pseudo-random input.

use mip6_reports::pcap::{
    block, linktype, read_capture, read_capture_file, read_capture_lenient, ByteOrder,
    CaptureError, Format, PcapOptions, PcapWriter, PcapngOptions, PcapngWriter, RecordPart,
    TsResolution,
};
use std::path::PathBuf;
use std::process::Command;

fn frame(n: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| n.wrapping_mul(31).wrapping_add(i as u8))
        .collect()
}

const T0: u64 = 1_700_000_000_123_456_789;

/// A pcapng block written by hand (independently of the writer).
fn ng_block(be: bool, btype: u32, body: &[u8]) -> Vec<u8> {
    let mut body = body.to_vec();
    while body.len() & 3 != 0 {
        body.push(0);
    }
    let total = (body.len() + 12) as u32;
    let w = |v: u32| if be { v.to_be_bytes() } else { v.to_le_bytes() };
    let mut b = Vec::new();
    b.extend_from_slice(&w(btype));
    b.extend_from_slice(&w(total));
    b.extend_from_slice(&body);
    b.extend_from_slice(&w(total));
    b
}

fn u16b(be: bool, v: u16) -> [u8; 2] {
    if be {
        v.to_be_bytes()
    } else {
        v.to_le_bytes()
    }
}

fn u32b(be: bool, v: u32) -> [u8; 4] {
    if be {
        v.to_be_bytes()
    } else {
        v.to_le_bytes()
    }
}

fn ng_option(be: bool, code: u16, v: &[u8]) -> Vec<u8> {
    let mut o = Vec::new();
    o.extend_from_slice(&u16b(be, code));
    o.extend_from_slice(&u16b(be, v.len() as u16));
    o.extend_from_slice(v);
    while o.len() & 3 != 0 {
        o.push(0);
    }
    o
}

fn ng_shb(be: bool) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&u32b(be, 0x1a2b3c4d));
    body.extend_from_slice(&u16b(be, 1));
    body.extend_from_slice(&u16b(be, 0));
    body.extend_from_slice(&[0xff; 8]);
    ng_block(be, block::SECTION_HEADER, &body)
}

fn ng_idb(be: bool, link: u16, snaplen: u32, opts: &[Vec<u8>]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&u16b(be, link));
    body.extend_from_slice(&[0, 0]);
    body.extend_from_slice(&u32b(be, snaplen));
    for o in opts {
        body.extend_from_slice(o);
    }
    if !opts.is_empty() {
        body.extend_from_slice(&[0; 4]);
    }
    ng_block(be, block::INTERFACE_DESCRIPTION, &body)
}

fn ng_epb(be: bool, iface: u32, ts: u64, data: &[u8], orig: u32, opts: &[Vec<u8>]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&u32b(be, iface));
    body.extend_from_slice(&u32b(be, (ts >> 32) as u32));
    body.extend_from_slice(&u32b(be, ts as u32));
    body.extend_from_slice(&u32b(be, data.len() as u32));
    body.extend_from_slice(&u32b(be, orig));
    body.extend_from_slice(data);
    while body.len() & 3 != 0 {
        body.push(0);
    }
    for o in opts {
        body.extend_from_slice(o);
    }
    if !opts.is_empty() {
        body.extend_from_slice(&[0; 4]);
    }
    ng_block(be, block::ENHANCED_PACKET, &body)
}

/// A classic pcap file written by hand.
fn classic(be: bool, nanos: bool, link: u32, records: &[(u32, u32, &[u8], u32)]) -> Vec<u8> {
    let w = |v: u32| u32b(be, v);
    let mut b = Vec::new();
    b.extend_from_slice(&w(if nanos { 0xa1b23c4d } else { 0xa1b2c3d4 }));
    b.extend_from_slice(&u16b(be, 2));
    b.extend_from_slice(&u16b(be, 4));
    b.extend_from_slice(&w(0));
    b.extend_from_slice(&w(0));
    b.extend_from_slice(&w(65535));
    b.extend_from_slice(&w(link));
    for (sec, frac, data, orig) in records {
        b.extend_from_slice(&w(*sec));
        b.extend_from_slice(&w(*frac));
        b.extend_from_slice(&w(data.len() as u32));
        b.extend_from_slice(&w(*orig));
        b.extend_from_slice(data);
    }
    b
}

fn sample_pcap() -> Vec<u8> {
    let mut w = PcapWriter::new(Vec::new(), linktype::ETHERNET).unwrap();
    w.write_packet(T0, &frame(1, 60)).unwrap();
    w.write_packet_with_len(T0 + 1_000, &frame(2, 64), 1514)
        .unwrap();
    w.write_packet(T0 + 2_000_000_000, &frame(3, 61)).unwrap();
    w.finish().unwrap()
}

fn sample_pcapng() -> Vec<u8> {
    let mut w = PcapngWriter::new(Vec::new()).unwrap();
    let a = w.add_interface(linktype::ETHERNET, "link0").unwrap();
    let b = w.add_interface(linktype::IPV6, "tun0").unwrap();
    w.write_packet(a, T0, &frame(1, 62), Some("sent: BU seq 100"))
        .unwrap();
    w.write_packet(b, T0 + 1, &frame(2, 41), None).unwrap();
    w.write_packet_full(a, T0 + 2, &frame(3, 60), 1500, &["first", "second"])
        .unwrap();
    w.finish().unwrap()
}

#[test]
fn pcap_round_trip_microseconds() {
    let bytes = sample_pcap();
    let c = read_capture(&bytes).unwrap();
    assert_eq!(c.format, Format::Pcap);
    assert_eq!(c.byte_order, ByteOrder::Little);
    assert_eq!(c.interfaces.len(), 1);
    assert_eq!(c.frames.len(), 3);
    let f = &c.frames[1];
    assert_eq!(f.index, 2);
    assert_eq!(f.interface, 0);
    assert_eq!(f.link_type, linktype::ETHERNET);
    assert_eq!(f.data, frame(2, 64));
    assert_eq!(f.orig_len, 1514);
    // Microsecond files drop the nanoseconds.
    assert_eq!(c.frames[0].timestamp_ns, Some(T0 / 1000 * 1000));
    assert_eq!(c.frames[1].timestamp_ns, Some((T0 + 1_000) / 1000 * 1000));
    assert_eq!(c.frames[2].orig_len, 61);
    assert!(c.frames.iter().all(|f| f.comments.is_empty()));
}

#[test]
fn pcap_round_trip_nanoseconds_and_big_endian_writer() {
    for order in [ByteOrder::Little, ByteOrder::Big] {
        let mut opts = PcapOptions::new(linktype::IPV6);
        opts.resolution = TsResolution::Nanosecond;
        opts.byte_order = order;
        let mut w = PcapWriter::with_options(Vec::new(), opts).unwrap();
        w.write_packet(T0, &frame(7, 48)).unwrap();
        assert_eq!(w.packets_written(), 1);
        let bytes = w.finish().unwrap();
        let c = read_capture(&bytes).unwrap();
        assert_eq!(c.format, Format::PcapNanos);
        assert_eq!(c.byte_order, order);
        assert_eq!(c.frames[0].timestamp_ns, Some(T0));
        assert_eq!(c.frames[0].link_type, linktype::IPV6);
        assert_eq!(c.frames[0].data, frame(7, 48));
    }
}

#[test]
fn big_endian_pcap_made_by_hand() {
    let d1 = frame(1, 54);
    let d2 = frame(2, 20);
    let bytes = classic(
        true,
        false,
        1,
        &[
            (1_700_000_000, 999_999, &d1, 54),
            (1_700_000_001, 5, &d2, 100),
        ],
    );
    assert_eq!(&bytes[..4], &[0xa1, 0xb2, 0xc3, 0xd4]);
    let c = read_capture(&bytes).unwrap();
    assert_eq!(c.byte_order, ByteOrder::Big);
    assert_eq!(c.frames.len(), 2);
    assert_eq!(c.frames[0].timestamp_ns, Some(1_700_000_000_999_999_000));
    assert_eq!(c.frames[1].timestamp_ns, Some(1_700_000_001_000_005_000));
    assert_eq!(c.frames[1].orig_len, 100);
    assert_eq!(c.frames[1].data, d2);
    assert_eq!(c.interfaces[0].snaplen, 65535);
    // The same file from the writer is byte-identical.
    let mut opts = PcapOptions::new(1);
    opts.byte_order = ByteOrder::Big;
    opts.snaplen = 65535;
    let mut w = PcapWriter::with_options(Vec::new(), opts).unwrap();
    w.write_packet(1_700_000_000_999_999_000, &d1).unwrap();
    w.write_packet_with_len(1_700_000_001_000_005_000, &d2, 100)
        .unwrap();
    assert_eq!(w.finish().unwrap(), bytes);

    // Little-endian nanosecond by hand, with FCS bits in the link-type field and a record
    // longer than the snaplen (not an error).
    let big = frame(3, 70_000);
    let bytes = classic(false, true, 0x1000_0000 | 229, &[(1, 2, &big, 70_000)]);
    let c = read_capture(&bytes).unwrap();
    assert_eq!(c.format, Format::PcapNanos);
    assert_eq!(c.frames[0].link_type, linktype::IPV6);
    assert_eq!(c.frames[0].timestamp_ns, Some(1_000_000_002));
    assert_eq!(c.frames[0].data.len(), 70_000);
}

#[test]
fn pcapng_round_trip_with_interfaces_and_comments() {
    let bytes = sample_pcapng();
    let c = read_capture(&bytes).unwrap();
    assert_eq!(c.format, Format::Pcapng);
    assert_eq!(c.interfaces.len(), 2);
    assert_eq!(c.interfaces[0].name.as_deref(), Some("link0"));
    assert_eq!(c.interfaces[1].name.as_deref(), Some("tun0"));
    assert_eq!(c.interfaces[1].link_type, linktype::IPV6);
    assert_eq!(c.interfaces[0].tsresol, 9);
    assert_eq!(c.frames.len(), 3);
    let f = &c.frames[0];
    assert_eq!(
        (f.index, f.interface, f.link_type),
        (1, 0, linktype::ETHERNET)
    );
    assert_eq!(f.timestamp_ns, Some(T0));
    assert_eq!(f.data, frame(1, 62));
    assert_eq!(f.comments, vec!["sent: BU seq 100".to_string()]);
    let f = &c.frames[1];
    assert_eq!((f.index, f.interface, f.link_type), (2, 1, linktype::IPV6));
    assert_eq!(f.timestamp_ns, Some(T0 + 1));
    assert_eq!(f.data, frame(2, 41));
    assert!(f.comments.is_empty());
    let f = &c.frames[2];
    assert_eq!(f.orig_len, 1500);
    assert_eq!(f.comments, vec!["first", "second"]);
}

#[test]
fn pcapng_writer_rejects_unknown_interface() {
    let mut w = PcapngWriter::new(Vec::new()).unwrap();
    let e = w.write_packet(0, 0, &[1], None).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    assert!(e.to_string().contains("interface 0"), "{e}");
}

#[test]
fn big_endian_pcapng_made_by_hand() {
    let be = true;
    let d1 = frame(1, 33);
    let d2 = frame(2, 50);
    let d3 = frame(3, 16);
    let mut f = ng_shb(be);
    // Default resolution (microseconds), an if_tsoffset of 10 s, a snaplen of 40.
    f.extend(ng_idb(
        be,
        1,
        40,
        &[
            ng_option(be, 2, b"eth0\0"),
            ng_option(be, 14, &10u64.to_be_bytes()),
        ],
    ));
    f.extend(ng_epb(
        be,
        0,
        1_500_000,
        &d1,
        33,
        &[ng_option(be, 1, b"hello")],
    ));
    // An unknown block is skipped.
    f.extend(ng_block(be, 0x0000_0bad, &[1, 2, 3, 4, 5]));
    // Simple Packet Block: orig_len 50, cut to the snaplen of 40.
    let mut spb = u32b(be, 50).to_vec();
    spb.extend_from_slice(&d2);
    f.extend(ng_block(be, block::SIMPLE_PACKET, &spb));
    // Obsolete Packet Block with a comment.
    let mut pb = Vec::new();
    pb.extend_from_slice(&u16b(be, 0));
    pb.extend_from_slice(&u16b(be, 0));
    pb.extend_from_slice(&u32b(be, 0));
    pb.extend_from_slice(&u32b(be, 7));
    pb.extend_from_slice(&u32b(be, 16));
    pb.extend_from_slice(&u32b(be, 16));
    pb.extend_from_slice(&d3);
    pb.extend(ng_option(be, 1, "old ✓".as_bytes()));
    pb.extend_from_slice(&[0; 4]);
    f.extend(ng_block(be, block::PACKET, &pb));

    let c = read_capture(&f).unwrap();
    assert_eq!(c.byte_order, ByteOrder::Big);
    assert_eq!(c.interfaces[0].name.as_deref(), Some("eth0"));
    assert_eq!(c.interfaces[0].tsoffset, 10);
    assert_eq!(c.frames.len(), 3);
    assert_eq!(c.frames[0].timestamp_ns, Some(11_500_000_000));
    assert_eq!(c.frames[0].comments, vec!["hello"]);
    assert_eq!(c.frames[0].data, d1);
    assert_eq!(c.frames[1].timestamp_ns, None);
    assert_eq!(c.frames[1].orig_len, 50);
    assert_eq!(c.frames[1].data, &d2[..40]);
    assert_eq!(c.frames[2].timestamp_ns, Some(10_000_007_000));
    assert_eq!(c.frames[2].comments, vec!["old ✓"]);
    assert_eq!(c.frames[2].data, d3);

    // The big-endian writer produces a file this reader and tshark agree on.
    let mut w = PcapngWriter::with_options(
        Vec::new(),
        PcapngOptions {
            byte_order: ByteOrder::Big,
            application: None,
            comment: Some("section".into()),
        },
    )
    .unwrap();
    let i = w.add_interface(linktype::RAW, "").unwrap();
    w.write_packet(i, T0, &d1, Some("c")).unwrap();
    let c = read_capture(&w.finish().unwrap()).unwrap();
    assert_eq!(c.byte_order, ByteOrder::Big);
    assert_eq!(c.interfaces[0].name, None);
    assert_eq!(c.frames[0].timestamp_ns, Some(T0));
    assert_eq!(c.frames[0].comments, vec!["c"]);
}

#[test]
fn pcapng_multiple_sections_in_both_byte_orders() {
    let mut f = sample_pcapng();
    let mut second = ng_shb(true);
    second.extend(ng_idb(true, 229, 0, &[ng_option(true, 9, &[9])]));
    second.extend(ng_epb(true, 0, 42, &frame(9, 40), 40, &[]));
    f.extend(second);
    let c = read_capture(&f).unwrap();
    assert_eq!(c.byte_order, ByteOrder::Little);
    assert_eq!(c.interfaces.len(), 3);
    assert_eq!(c.interfaces[2].section, 1);
    assert_eq!(c.interfaces[2].id, 0);
    assert_eq!(c.frames.len(), 4);
    let last = &c.frames[3];
    assert_eq!((last.index, last.interface, last.link_type), (4, 2, 229));
    assert_eq!(last.timestamp_ns, Some(42));
    // Interface IDs are per section: interface 1 of the first section is not visible.
    let mut f = sample_pcapng();
    let mut second = ng_shb(false);
    second.extend(ng_idb(false, 1, 0, &[]));
    second.extend(ng_epb(false, 1, 0, &frame(9, 40), 40, &[]));
    f.extend(second);
    let (c, e) = read_capture_lenient(&f);
    assert_eq!(c.frames.len(), 3);
    let e = e.unwrap();
    assert!(matches!(
        e,
        CaptureError::UnknownInterface {
            interface_id: 1,
            defined: 1,
            ..
        }
    ));
    assert!(
        e.to_string().contains("interface ID 1 is not defined"),
        "{e}"
    );
}

#[test]
fn truncated_files_keep_the_good_frames() {
    let p = sample_pcap();
    // Cut in the middle of the third record's data.
    let cut = p.len() - 10;
    let (c, e) = read_capture_lenient(&p[..cut]);
    assert_eq!(c.frames.len(), 2);
    let e = e.unwrap();
    let third = 24 + 16 + 60 + 16 + 64;
    match &e {
        CaptureError::TruncatedRecord {
            frame,
            offset,
            part,
            expected,
            available,
        } => {
            assert_eq!(
                (*frame, *offset, *part, *expected, *available),
                (3, third, RecordPart::Data, 61, 51)
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(e.is_truncation());
    assert_eq!(e.offset(), Some(third));
    assert_eq!(
        e.to_string(),
        format!("truncated record for frame 3 at offset {third}: the record announces 61 captured bytes, only 51 left in the file")
    );
    assert!(read_capture(&p[..cut]).is_err());
    // Cut inside a record header.
    let (c, e) = read_capture_lenient(&p[..third + 5]);
    assert_eq!(c.frames.len(), 2);
    assert!(matches!(
        e,
        Some(CaptureError::TruncatedRecord {
            part: RecordPart::Header,
            expected: 16,
            available: 5,
            ..
        })
    ));
    // Cut inside the file header.
    let e = read_capture(&p[..10]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "truncated pcap file header at offset 0: it needs 24 bytes, only 10 present"
    );

    let n = sample_pcapng();
    let (c, e) = read_capture_lenient(&n[..n.len() - 3]);
    assert_eq!(c.frames.len(), 2);
    let e = e.unwrap();
    assert!(
        matches!(
            e,
            CaptureError::TruncatedBlock {
                block_type: Some(6),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("truncated pcapng Enhanced Packet Block (type 0x00000006) at offset"),
        "{e}"
    );
}

#[test]
fn damaged_pcapng_blocks() {
    let good = sample_pcapng();
    // Offset of the first EPB: SHB, then two IDBs.
    let shb_len = u32::from_le_bytes(good[4..8].try_into().unwrap()) as usize;
    let idb1 = u32::from_le_bytes(good[shb_len + 4..shb_len + 8].try_into().unwrap()) as usize;
    let idb2_off = shb_len + idb1;
    let idb2 = u32::from_le_bytes(good[idb2_off + 4..idb2_off + 8].try_into().unwrap()) as usize;
    let epb = idb2_off + idb2;
    let epb_len = u32::from_le_bytes(good[epb + 4..epb + 8].try_into().unwrap());

    // Block length not a multiple of 4.
    let mut f = good.clone();
    f[epb + 4..epb + 8].copy_from_slice(&(epb_len + 1).to_le_bytes());
    let (c, e) = read_capture_lenient(&f);
    assert_eq!(c.frames.len(), 0);
    let e = e.unwrap();
    assert!(matches!(e, CaptureError::BlockLengthNotAligned { offset, .. } if offset == epb));
    assert!(e.to_string().contains("not a multiple of 4"), "{e}");
    assert!(e.to_string().contains(&format!("offset {epb}")), "{e}");

    // Trailer length differs from the header length.
    let mut f = good.clone();
    let t = epb + epb_len as usize - 4;
    f[t..t + 4].copy_from_slice(&(epb_len + 4).to_le_bytes());
    let e = read_capture(&f).unwrap_err();
    assert!(
        matches!(e, CaptureError::BlockLengthMismatch { header, trailer, .. } if header == epb_len && trailer == epb_len + 4)
    );
    assert!(e.to_string().contains("at the start but"), "{e}");

    // Block length below 12.
    let mut f = good.clone();
    f[epb + 4..epb + 8].copy_from_slice(&8u32.to_le_bytes());
    assert!(matches!(
        read_capture(&f).unwrap_err(),
        CaptureError::BlockTooShort {
            length: 8,
            minimum: 12,
            ..
        }
    ));

    // Captured length larger than the block.
    let mut f = good.clone();
    f[epb + 20..epb + 24].copy_from_slice(&1000u32.to_le_bytes());
    let e = read_capture(&f).unwrap_err();
    assert!(
        matches!(
            e,
            CaptureError::PacketDataOverrun {
                captured_len: 1000,
                ..
            }
        ),
        "{e:?}"
    );

    // A comment option whose length runs past the block.
    let mut f = good.clone();
    let opt = epb + 28 + 64; // header 8 + fixed 20 + 62 data bytes padded to 64
    assert_eq!(&f[opt..opt + 2], &1u16.to_le_bytes());
    f[opt + 2..opt + 4].copy_from_slice(&200u16.to_le_bytes());
    let e = read_capture(&f).unwrap_err();
    assert!(
        matches!(
            e,
            CaptureError::OptionOverrun {
                code: 1,
                length: 200,
                ..
            }
        ),
        "{e:?}"
    );

    // Bad byte-order magic.
    let mut f = good.clone();
    f[8] = 0x99;
    let e = read_capture(&f).unwrap_err();
    assert!(matches!(
        e,
        CaptureError::BadByteOrderMagic { offset: 8, .. }
    ));

    // Unsupported versions.
    let mut f = good.clone();
    f[12] = 2;
    assert!(matches!(
        read_capture(&f).unwrap_err(),
        CaptureError::UnsupportedVersion { major: 2, .. }
    ));
    let mut p = sample_pcap();
    p[4] = 1;
    let e = read_capture(&p).unwrap_err();
    assert!(e.to_string().contains("version 1.4"), "{e}");
}

#[test]
fn garbage_is_not_a_capture() {
    let e = read_capture(b"\x7fELF\x02\x01\x01").unwrap_err();
    assert!(matches!(&e, CaptureError::NotACapture { first_bytes } if first_bytes == b"\x7fELF"));
    assert!(
        e.to_string()
            .starts_with("not a capture file: the first 4 bytes at offset 0 are 7f 45 4c 46"),
        "{e}"
    );
    let (c, e) = read_capture_lenient(b"hello world");
    assert!(c.frames.is_empty());
    assert!(e.is_some());
}

#[test]
fn read_capture_file_names_the_path() {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("does-not-exist.pcap");
    let e = read_capture_file(&path).unwrap_err();
    assert!(matches!(e, CaptureError::Io { .. }));
    assert!(e.to_string().contains("does-not-exist.pcap"), "{e}");
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("reports-file.pcapng");
    std::fs::write(&path, sample_pcapng()).unwrap();
    assert_eq!(read_capture_file(&path).unwrap().frames.len(), 3);
}

/// xorshift64*: a tiny deterministic generator for the no-panic sweep.
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

fn check_no_panic(bytes: &[u8]) {
    let (c, e) = read_capture_lenient(bytes);
    match read_capture(bytes) {
        Ok(c2) => {
            assert!(e.is_none());
            assert_eq!(c, c2);
        }
        Err(_) => assert!(e.is_some()),
    }
    for (i, f) in c.frames.iter().enumerate() {
        assert_eq!(f.index, i + 1);
        assert!(f.interface < c.interfaces.len());
    }
    if let Some(e) = e {
        let _ = e.to_string();
    }
}

#[test]
fn never_panics_on_prefixes_and_random_input() {
    let mut be_ng = ng_shb(true);
    be_ng.extend(ng_idb(true, 1, 0, &[ng_option(true, 9, &[0x83])]));
    be_ng.extend(ng_epb(
        true,
        0,
        99,
        &frame(1, 21),
        21,
        &[ng_option(true, 1, b"x")],
    ));
    let valid = [sample_pcap(), sample_pcapng(), be_ng];
    for v in &valid {
        let full = read_capture(v).unwrap().frames.len();
        let mut last = 0;
        for n in 0..=v.len() {
            check_no_panic(&v[..n]);
            // A prefix never yields more frames than a longer one.
            let k = read_capture_lenient(&v[..n]).0.frames.len();
            assert!(k >= last && k <= full, "prefix {n}: {k} frames");
            last = k;
        }
    }
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let magics: [&[u8]; 5] = [
        &[0xd4, 0xc3, 0xb2, 0xa1],
        &[0xa1, 0xb2, 0x3c, 0x4d],
        &[0x0a, 0x0d, 0x0d, 0x0a],
        &[],
        &[],
    ];
    for i in 0..2000 {
        let len = (rng.next() % 300) as usize;
        let mut b: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let m = magics[i % magics.len()];
        if b.len() >= m.len() {
            b[..m.len()].copy_from_slice(m);
        }
        check_no_panic(&b);
    }
    // Valid files with a few bytes flipped reach deeper into the parsers.
    for i in 0..2000 {
        let mut b = valid[i % valid.len()].clone();
        for _ in 0..1 + rng.next() % 4 {
            let at = (rng.next() % b.len() as u64) as usize;
            b[at] = rng.next() as u8;
        }
        check_no_panic(&b);
    }
}

fn tshark() -> Option<PathBuf> {
    let out = Command::new("sh")
        .args(["-c", "command -v tshark"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let p = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (!p.is_empty()).then(|| PathBuf::from(p))
}

#[test]
fn tshark_reads_what_we_write() {
    let Some(tshark) = tshark() else {
        println!("skipped: tshark is not installed");
        return;
    };
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let ng = dir.join("reports-tshark.pcapng");
    std::fs::write(&ng, sample_pcapng()).unwrap();
    // Wireshark 3.6+ calls the field frame.comment, older versions pkt_comment.
    let mut found = None;
    for field in ["frame.comment", "pkt_comment"] {
        let out = Command::new(&tshark)
            .arg("-r")
            .arg(&ng)
            .args(["-T", "fields", "-e", field, "-e", "frame.interface_name"])
            .output()
            .unwrap();
        if out.status.success() {
            found = Some(String::from_utf8_lossy(&out.stdout).into_owned());
            break;
        }
    }
    let text = found.expect("tshark could not read the pcapng file");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("sent: BU seq 100"), "{text}");
    assert!(lines[0].ends_with("link0"), "{text}");
    assert!(lines[1].ends_with("tun0"), "{text}");
    assert!(
        lines[2].contains("first") && lines[2].contains("second"),
        "{text}"
    );

    // The big-endian writer's output too.
    let be = dir.join("reports-tshark-be.pcapng");
    let mut w = PcapngWriter::with_options(
        Vec::new(),
        PcapngOptions {
            byte_order: ByteOrder::Big,
            ..PcapngOptions::default()
        },
    )
    .unwrap();
    let i = w.add_interface(linktype::ETHERNET, "be0").unwrap();
    w.write_packet(i, T0, &frame(4, 60), Some("big-endian comment"))
        .unwrap();
    std::fs::write(&be, w.finish().unwrap()).unwrap();
    let out = Command::new(&tshark)
        .arg("-r")
        .arg(&be)
        .args([
            "-T",
            "fields",
            "-e",
            "frame.interface_name",
            "-e",
            "frame.len",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "be0\t60");
    let out = Command::new(&tshark)
        .arg("-r")
        .arg(&be)
        .args(["-V"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("big-endian comment"));

    // Nanosecond timestamps survive, in both file formats.
    let pcap = dir.join("reports-tshark.pcap");
    let mut opts = PcapOptions::new(linktype::ETHERNET);
    opts.resolution = TsResolution::Nanosecond;
    let mut w = PcapWriter::with_options(Vec::new(), opts).unwrap();
    w.write_packet(T0, &frame(1, 60)).unwrap();
    std::fs::write(&pcap, w.finish().unwrap()).unwrap();
    for f in [&ng, &pcap] {
        let out = Command::new(&tshark)
            .arg("-r")
            .arg(f)
            .args(["-c", "1", "-T", "fields", "-e", "frame.time_epoch"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let t = String::from_utf8_lossy(&out.stdout);
        assert!(
            t.trim().starts_with("1700000000.123456789"),
            "{}: {t}",
            f.display()
        );
    }
}
