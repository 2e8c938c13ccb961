//! Capture files: a reader for classic pcap and pcapng, and writers for both. Pure Rust, no libpcap.
//!
//! Reading never panics and never allocates more than the input holds. A damaged file yields a typed
//! [`CaptureError`] that names what is wrong and at which byte offset; [`read_capture_lenient`]
//! also returns the frames read before the damage, so a tool can show them and then the error.
//!
//! ```text
//! classic pcap                      pcapng (every block: type, total length, body, total length)
//! +---------------------------+     +---------------------------------------------+
//! | file header (24 bytes)    |     | Section Header Block   0x0A0D0D0A           |
//! |  magic a1b2c3d4 (us)      |     |  byte-order magic 0x1A2B3C4D, version 1.0   |
//! |     or a1b23c4d (ns)      |     | Interface Description Block   1             |
//! |  version 2.4, snaplen,    |     |  link type, snaplen, if_name, if_tsresol    |
//! |  link type                |     | Enhanced Packet Block         6             |
//! +---------------------------+     |  interface, timestamp, lengths, data,       |
//! | record: ts_sec, ts_frac,  |     |  opt_comment ...                            |
//! |  incl_len, orig_len, data |     | Simple Packet Block 3, Packet Block 2 (old) |
//! +---------------------------+     +---------------------------------------------+
//! ```
//!
//! Writers always write little-endian unless told otherwise ([`ByteOrder`]); [`PcapngWriter`]
//! writes nanosecond timestamps (`if_tsresol` = 9) and per-packet comments.

use mip6_packets::LinkType;
use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// pcap/pcapng link-layer header types (the `LINKTYPE_*` values of the tcpdump registry).
pub mod linktype {
    /// BSD loopback (not decoded by mip6test).
    pub const NULL: u16 = 0;
    /// Ethernet II.
    pub const ETHERNET: u16 = 1;
    /// A bare IPv4 or IPv6 packet, told apart by the version nibble.
    pub const RAW: u16 = 101;
    /// A bare IPv4 packet.
    pub const IPV4: u16 = 228;
    /// A bare IPv6 packet.
    pub const IPV6: u16 = 229;
}

/// The decoder's link type for a pcap `LINKTYPE_*` value, `None` for link types mip6test does not
/// decode (the frame is then shown as raw bytes).
pub fn decoder_link_type(link_type: u16) -> Option<LinkType> {
    match link_type {
        linktype::ETHERNET => Some(LinkType::Ethernet),
        linktype::RAW => Some(LinkType::RawIp),
        linktype::IPV4 => Some(LinkType::Ipv4),
        linktype::IPV6 => Some(LinkType::Ipv6),
        _ => None,
    }
}

/// The pcap `LINKTYPE_*` value for a decoder link type.
pub fn pcap_link_type(link: LinkType) -> u16 {
    match link {
        LinkType::Ethernet => linktype::ETHERNET,
        LinkType::RawIp => linktype::RAW,
        LinkType::Ipv4 => linktype::IPV4,
        LinkType::Ipv6 => linktype::IPV6,
    }
}

const PCAP_MAGIC_US: u32 = 0xa1b2_c3d4;
const PCAP_MAGIC_NS: u32 = 0xa1b2_3c4d;
const PCAP_HEADER_LEN: usize = 24;
const PCAP_RECORD_HEADER_LEN: usize = 16;

/// Block types of pcapng.
pub mod block {
    pub const SECTION_HEADER: u32 = 0x0a0d_0d0a;
    pub const INTERFACE_DESCRIPTION: u32 = 1;
    /// Obsolete Packet Block.
    pub const PACKET: u32 = 2;
    pub const SIMPLE_PACKET: u32 = 3;
    pub const NAME_RESOLUTION: u32 = 4;
    pub const INTERFACE_STATISTICS: u32 = 5;
    pub const ENHANCED_PACKET: u32 = 6;

    /// A readable name for a block type.
    pub fn name(t: u32) -> &'static str {
        match t {
            SECTION_HEADER => "Section Header Block",
            INTERFACE_DESCRIPTION => "Interface Description Block",
            PACKET => "Packet Block",
            SIMPLE_PACKET => "Simple Packet Block",
            NAME_RESOLUTION => "Name Resolution Block",
            INTERFACE_STATISTICS => "Interface Statistics Block",
            ENHANCED_PACKET => "Enhanced Packet Block",
            _ => "unknown block",
        }
    }
}

const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;
const BLOCK_MIN_LEN: usize = 12;
const SHB_MIN_LEN: usize = 28;

const OPT_ENDOFOPT: u16 = 0;
const OPT_COMMENT: u16 = 1;
const SHB_USERAPPL: u16 = 4;
const IF_NAME: u16 = 2;
const IF_TSRESOL: u16 = 9;
const IF_TSOFFSET: u16 = 14;

/// Byte order of a capture file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ByteOrder {
    #[default]
    Little,
    Big,
}

impl ByteOrder {
    fn u16(self, b: &[u8], off: usize) -> Option<u16> {
        let s = b.get(off..off.checked_add(2)?)?;
        let a = [s[0], s[1]];
        Some(match self {
            ByteOrder::Little => u16::from_le_bytes(a),
            ByteOrder::Big => u16::from_be_bytes(a),
        })
    }

    fn u32(self, b: &[u8], off: usize) -> Option<u32> {
        let s = b.get(off..off.checked_add(4)?)?;
        let a = [s[0], s[1], s[2], s[3]];
        Some(match self {
            ByteOrder::Little => u32::from_le_bytes(a),
            ByteOrder::Big => u32::from_be_bytes(a),
        })
    }

    fn u64(self, b: &[u8], off: usize) -> Option<u64> {
        let s = b.get(off..off.checked_add(8)?)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Some(match self {
            ByteOrder::Little => u64::from_le_bytes(a),
            ByteOrder::Big => u64::from_be_bytes(a),
        })
    }

    fn put16(self, out: &mut Vec<u8>, v: u16) {
        out.extend_from_slice(&match self {
            ByteOrder::Little => v.to_le_bytes(),
            ByteOrder::Big => v.to_be_bytes(),
        });
    }

    fn put32(self, out: &mut Vec<u8>, v: u32) {
        out.extend_from_slice(&match self {
            ByteOrder::Little => v.to_le_bytes(),
            ByteOrder::Big => v.to_be_bytes(),
        });
    }

    fn put64(self, out: &mut Vec<u8>, v: u64) {
        out.extend_from_slice(&match self {
            ByteOrder::Little => v.to_le_bytes(),
            ByteOrder::Big => v.to_be_bytes(),
        });
    }
}

impl fmt::Display for ByteOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ByteOrder::Little => "little-endian",
            ByteOrder::Big => "big-endian",
        })
    }
}

/// The kind of a capture file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Classic pcap with microsecond timestamps (magic a1b2c3d4).
    Pcap,
    /// Classic pcap with nanosecond timestamps (magic a1b23c4d).
    PcapNanos,
    Pcapng,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Pcap => "pcap",
            Format::PcapNanos => "pcap (nanosecond)",
            Format::Pcapng => "pcapng",
        })
    }
}

/// One captured frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Position in the file, from 1.
    pub index: usize,
    /// Index into [`Capture::interfaces`]. For a single-section pcapng file this is the
    /// interface ID of the block; classic pcap has a single interface 0.
    pub interface: usize,
    /// pcap `LINKTYPE_*` of the interface (see [`linktype`], [`decoder_link_type`]).
    pub link_type: u16,
    /// Nanoseconds since the Unix epoch. `None` for Simple Packet Blocks (they carry no time)
    /// and for times that do not fit.
    pub timestamp_ns: Option<u64>,
    /// Length of the frame on the wire (may exceed `data.len()` when the capture cut it).
    pub orig_len: u32,
    /// The captured bytes.
    pub data: Vec<u8>,
    /// Packet comments (pcapng `opt_comment`).
    pub comments: Vec<String>,
}

impl Frame {
    /// How the decoder should read this frame, `None` for a link type it does not decode.
    pub fn decoder_link_type(&self) -> Option<LinkType> {
        decoder_link_type(self.link_type)
    }
}

/// An interface of the capture: the single interface of a classic pcap file, or a pcapng
/// Interface Description Block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    /// Which pcapng section (from 0) defined the interface; 0 for classic pcap.
    pub section: usize,
    /// The interface ID inside its section.
    pub id: u32,
    pub link_type: u16,
    /// 0 means no limit.
    pub snaplen: u32,
    /// `if_name`, when present.
    pub name: Option<String>,
    /// `if_tsresol` as on the wire: high bit clear = 10^-n s, set = 2^-n s. 6 by default.
    pub tsresol: u8,
    /// `if_tsoffset`: seconds added to every timestamp. 0 by default.
    pub tsoffset: i64,
}

/// The content of a capture file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture {
    pub format: Format,
    /// Byte order of the file (of its first section for pcapng).
    pub byte_order: ByteOrder,
    pub interfaces: Vec<Interface>,
    pub frames: Vec<Frame>,
}

impl Capture {
    fn new(format: Format, byte_order: ByteOrder) -> Self {
        Capture {
            format,
            byte_order,
            interfaces: Vec::new(),
            frames: Vec::new(),
        }
    }
}

/// Which part of a classic pcap record is cut short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordPart {
    /// The 16-byte record header.
    Header,
    /// The captured bytes announced by the record header.
    Data,
}

/// Why a capture file cannot be read (further).
#[derive(Debug)]
#[non_exhaustive]
pub enum CaptureError {
    /// The file could not be read.
    Io { path: PathBuf, source: io::Error },
    /// The first bytes are not a pcap or pcapng magic number (holds up to 4 of them).
    NotACapture { first_bytes: Vec<u8> },
    /// The file header (pcap) is shorter than it must be.
    TruncatedHeader {
        format: Format,
        offset: usize,
        expected: usize,
        available: usize,
    },
    /// A classic pcap record is cut short.
    TruncatedRecord {
        /// Frame number (from 1) the record would have been.
        frame: usize,
        /// Offset of the record header.
        offset: usize,
        part: RecordPart,
        expected: usize,
        available: usize,
    },
    /// A pcapng block is cut short: its length says `expected` bytes, `available` are left.
    TruncatedBlock {
        offset: usize,
        block_type: Option<u32>,
        expected: usize,
        available: usize,
    },
    /// A pcapng block length that is not a multiple of 4.
    BlockLengthNotAligned {
        offset: usize,
        block_type: u32,
        length: u32,
    },
    /// A pcapng block length below the minimum for its type.
    BlockTooShort {
        offset: usize,
        block_type: u32,
        length: u32,
        minimum: usize,
    },
    /// The total length at the end of a pcapng block differs from the one at its start.
    BlockLengthMismatch {
        offset: usize,
        block_type: u32,
        header: u32,
        trailer: u32,
    },
    /// A Section Header Block whose byte-order magic is neither 1a2b3c4d nor 4d3c2b1a.
    BadByteOrderMagic { offset: usize, found: [u8; 4] },
    /// A major version this reader does not know.
    UnsupportedVersion {
        format: Format,
        offset: usize,
        major: u16,
        minor: u16,
    },
    /// A packet block names an interface that its section has not described.
    UnknownInterface {
        offset: usize,
        block_type: u32,
        interface_id: u32,
        defined: usize,
    },
    /// A packet block's captured length reaches past the end of the block.
    PacketDataOverrun {
        offset: usize,
        block_type: u32,
        captured_len: u32,
        available: usize,
    },
    /// A block option's length reaches past the end of the block.
    OptionOverrun {
        /// Offset of the option's code field.
        offset: usize,
        block_type: u32,
        code: u16,
        length: u16,
        available: usize,
    },
}

impl CaptureError {
    /// The byte offset the error refers to, when it refers to one.
    pub fn offset(&self) -> Option<usize> {
        match self {
            CaptureError::Io { .. } => None,
            CaptureError::NotACapture { .. } => Some(0),
            CaptureError::TruncatedHeader { offset, .. }
            | CaptureError::TruncatedRecord { offset, .. }
            | CaptureError::TruncatedBlock { offset, .. }
            | CaptureError::BlockLengthNotAligned { offset, .. }
            | CaptureError::BlockTooShort { offset, .. }
            | CaptureError::BlockLengthMismatch { offset, .. }
            | CaptureError::BadByteOrderMagic { offset, .. }
            | CaptureError::UnsupportedVersion { offset, .. }
            | CaptureError::UnknownInterface { offset, .. }
            | CaptureError::PacketDataOverrun { offset, .. }
            | CaptureError::OptionOverrun { offset, .. } => Some(*offset),
        }
    }

    /// Whether the file ends before the data it announces (as when a capture is still being
    /// written or was cut by a copy).
    pub fn is_truncation(&self) -> bool {
        matches!(
            self,
            CaptureError::TruncatedHeader { .. }
                | CaptureError::TruncatedRecord { .. }
                | CaptureError::TruncatedBlock { .. }
        )
    }
}

fn hex_bytes(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn block_desc(t: u32) -> String {
    format!("{} (type {t:#010x})", block::name(t))
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaptureError::Io { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            CaptureError::NotACapture { first_bytes } if first_bytes.is_empty() => {
                write!(f, "not a capture file: the file is empty")
            }
            CaptureError::NotACapture { first_bytes } if first_bytes.len() < 4 => write!(
                f,
                "not a capture file: it has only {} byte{} ({}), a pcap or pcapng file starts with a 4-byte magic number",
                first_bytes.len(),
                plural(first_bytes.len()),
                hex_bytes(first_bytes)
            ),
            CaptureError::NotACapture { first_bytes } => write!(
                f,
                "not a capture file: the first 4 bytes at offset 0 are {} ({:?}), not a pcap magic \
                 number (a1 b2 c3 d4 or a1 b2 3c 4d, in either byte order) nor the pcapng one (0a 0d 0d 0a)",
                hex_bytes(first_bytes),
                String::from_utf8_lossy(first_bytes)
            ),
            CaptureError::TruncatedHeader {
                format,
                offset,
                expected,
                available,
            } => write!(
                f,
                "truncated {format} file header at offset {offset}: it needs {expected} bytes, only {available} present"
            ),
            CaptureError::TruncatedRecord {
                frame,
                offset,
                part,
                expected,
                available,
            } => match part {
                RecordPart::Header => write!(
                    f,
                    "truncated record for frame {frame} at offset {offset}: the record header needs {expected} bytes, only {available} left"
                ),
                RecordPart::Data => write!(
                    f,
                    "truncated record for frame {frame} at offset {offset}: the record announces {expected} captured bytes, only {available} left in the file"
                ),
            },
            CaptureError::TruncatedBlock {
                offset,
                block_type,
                expected,
                available,
            } => {
                let what = match block_type {
                    Some(t) => block_desc(*t),
                    None => "block".to_string(),
                };
                write!(
                    f,
                    "truncated pcapng {what} at offset {offset}: expected {expected} bytes, only {available} left in the file"
                )
            }
            CaptureError::BlockLengthNotAligned {
                offset,
                block_type,
                length,
            } => write!(
                f,
                "pcapng {} at offset {offset}: block length {length} is not a multiple of 4",
                block_desc(*block_type)
            ),
            CaptureError::BlockTooShort {
                offset,
                block_type,
                length,
                minimum,
            } => write!(
                f,
                "pcapng {} at offset {offset}: block length {length} is below the minimum of {minimum} bytes",
                block_desc(*block_type)
            ),
            CaptureError::BlockLengthMismatch {
                offset,
                block_type,
                header,
                trailer,
            } => write!(
                f,
                "pcapng {} at offset {offset}: block length {header} at the start but {trailer} at the end",
                block_desc(*block_type)
            ),
            CaptureError::BadByteOrderMagic { offset, found } => write!(
                f,
                "pcapng Section Header Block at offset {offset}: byte-order magic {} is neither 1a 2b 3c 4d nor 4d 3c 2b 1a",
                hex_bytes(found)
            ),
            CaptureError::UnsupportedVersion {
                format,
                offset,
                major,
                minor,
            } => write!(
                f,
                "unsupported {format} version {major}.{minor} at offset {offset} (this reader knows {})",
                if *format == Format::Pcapng { "1.x" } else { "2.x" }
            ),
            CaptureError::UnknownInterface {
                offset,
                block_type,
                interface_id,
                defined,
            } => write!(
                f,
                "pcapng {} at offset {offset}: interface ID {interface_id} is not defined (the section describes {defined} interface{})",
                block_desc(*block_type),
                plural(*defined)
            ),
            CaptureError::PacketDataOverrun {
                offset,
                block_type,
                captured_len,
                available,
            } => write!(
                f,
                "pcapng {} at offset {offset}: captured length {captured_len} exceeds the {available} bytes the block holds",
                block_desc(*block_type)
            ),
            CaptureError::OptionOverrun {
                offset,
                block_type,
                code,
                length,
                available,
            } => write!(
                f,
                "pcapng {} option {code} at offset {offset}: option length {length} exceeds the {available} bytes left in the block",
                block_desc(*block_type)
            ),
        }
    }
}

impl std::error::Error for CaptureError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CaptureError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Reads a whole capture file. Any damage is an error; see [`read_capture_lenient`] to keep
/// the frames before it.
pub fn read_capture(bytes: &[u8]) -> Result<Capture, CaptureError> {
    match read_capture_lenient(bytes) {
        (c, None) => Ok(c),
        (_, Some(e)) => Err(e),
    }
}

/// Reads a capture file from disk ([`read_capture`]).
pub fn read_capture_file(path: impl AsRef<Path>) -> Result<Capture, CaptureError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| CaptureError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_capture(&bytes)
}

/// Reads as much of a capture as is well-formed: the frames read before any damage, and the
/// error that stopped the reader, if one did. For input that is not a capture at all the
/// capture is empty (format [`Format::Pcap`]).
pub fn read_capture_lenient(bytes: &[u8]) -> (Capture, Option<CaptureError>) {
    let magic = match bytes.get(..4) {
        Some(m) => [m[0], m[1], m[2], m[3]],
        None => {
            return (
                Capture::new(Format::Pcap, ByteOrder::Little),
                Some(CaptureError::NotACapture {
                    first_bytes: bytes.to_vec(),
                }),
            )
        }
    };
    let le = u32::from_le_bytes(magic);
    let be = u32::from_be_bytes(magic);
    let (format, order) = if be == block::SECTION_HEADER {
        return read_pcapng(bytes);
    } else if le == PCAP_MAGIC_US {
        (Format::Pcap, ByteOrder::Little)
    } else if be == PCAP_MAGIC_US {
        (Format::Pcap, ByteOrder::Big)
    } else if le == PCAP_MAGIC_NS {
        (Format::PcapNanos, ByteOrder::Little)
    } else if be == PCAP_MAGIC_NS {
        (Format::PcapNanos, ByteOrder::Big)
    } else {
        return (
            Capture::new(Format::Pcap, ByteOrder::Little),
            Some(CaptureError::NotACapture {
                first_bytes: magic.to_vec(),
            }),
        );
    };
    read_pcap(bytes, format, order)
}

fn read_pcap(bytes: &[u8], format: Format, order: ByteOrder) -> (Capture, Option<CaptureError>) {
    let mut cap = Capture::new(format, order);
    if bytes.len() < PCAP_HEADER_LEN {
        return (
            cap,
            Some(CaptureError::TruncatedHeader {
                format,
                offset: 0,
                expected: PCAP_HEADER_LEN,
                available: bytes.len(),
            }),
        );
    }
    // Lengths checked above: these reads cannot fail.
    let major = order.u16(bytes, 4).unwrap_or(0);
    let minor = order.u16(bytes, 6).unwrap_or(0);
    if major != 2 {
        return (
            cap,
            Some(CaptureError::UnsupportedVersion {
                format,
                offset: 4,
                major,
                minor,
            }),
        );
    }
    let snaplen = order.u32(bytes, 16).unwrap_or(0);
    // The upper bits of the link-type field may carry FCS information.
    let link_type = (order.u32(bytes, 20).unwrap_or(0) & 0xffff) as u16;
    cap.interfaces.push(Interface {
        section: 0,
        id: 0,
        link_type,
        snaplen,
        name: None,
        tsresol: if format == Format::PcapNanos { 9 } else { 6 },
        tsoffset: 0,
    });
    let frac_ns: u64 = if format == Format::PcapNanos { 1 } else { 1000 };
    let mut pos = PCAP_HEADER_LEN;
    while pos < bytes.len() {
        let frame = cap.frames.len() + 1;
        let left = bytes.len() - pos;
        if left < PCAP_RECORD_HEADER_LEN {
            return (
                cap,
                Some(CaptureError::TruncatedRecord {
                    frame,
                    offset: pos,
                    part: RecordPart::Header,
                    expected: PCAP_RECORD_HEADER_LEN,
                    available: left,
                }),
            );
        }
        let rd = |o: usize| order.u32(bytes, pos + o).unwrap_or(0);
        let (sec, frac, incl, orig) = (rd(0), rd(4), rd(8), rd(12));
        let avail = left - PCAP_RECORD_HEADER_LEN;
        let incl_len = incl as usize;
        if incl_len > avail {
            return (
                cap,
                Some(CaptureError::TruncatedRecord {
                    frame,
                    offset: pos,
                    part: RecordPart::Data,
                    expected: incl_len,
                    available: avail,
                }),
            );
        }
        let start = pos + PCAP_RECORD_HEADER_LEN;
        let ts = u64::from(sec)
            .checked_mul(1_000_000_000)
            .and_then(|s| s.checked_add(u64::from(frac).saturating_mul(frac_ns)));
        cap.frames.push(Frame {
            index: frame,
            interface: 0,
            link_type,
            timestamp_ns: ts,
            orig_len: orig,
            data: bytes[start..start + incl_len].to_vec(),
            comments: Vec::new(),
        });
        pos = start + incl_len;
    }
    (cap, None)
}

/// Converts a pcapng timestamp in units of `tsresol` to nanoseconds, adding `tsoffset` seconds.
fn pcapng_ts_ns(ts: u64, tsresol: u8, tsoffset: i64) -> Option<u64> {
    let exp = u32::from(tsresol & 0x7f);
    let ns: u128 = if tsresol & 0x80 == 0 {
        if exp <= 9 {
            u128::from(ts) * 10u128.pow(9 - exp)
        } else if exp - 9 <= 30 {
            u128::from(ts) / 10u128.pow(exp - 9)
        } else {
            0
        }
    } else if exp <= 64 {
        (u128::from(ts) * 1_000_000_000) >> exp
    } else {
        0
    };
    let off = i128::from(tsoffset) * 1_000_000_000;
    u64::try_from(i128::try_from(ns).ok()?.checked_add(off)?).ok()
}

/// Options of a pcapng block: (code, value, offset of the option in the file).
fn parse_options(
    body: &[u8],
    start: usize,
    file_off: usize,
    order: ByteOrder,
    block_type: u32,
) -> Result<Vec<(u16, &[u8])>, CaptureError> {
    let mut out = Vec::new();
    let mut pos = start;
    // Fewer than 4 bytes left: padding, or a writer that left out opt_endofopt.
    while body.len().saturating_sub(pos) >= 4 {
        let code = order.u16(body, pos).unwrap_or(0);
        let len = order.u16(body, pos + 2).unwrap_or(0);
        if code == OPT_ENDOFOPT {
            break;
        }
        let avail = body.len() - pos - 4;
        if usize::from(len) > avail {
            return Err(CaptureError::OptionOverrun {
                offset: file_off + pos,
                block_type,
                code,
                length: len,
                available: avail,
            });
        }
        out.push((code, &body[pos + 4..pos + 4 + usize::from(len)]));
        pos += 4 + usize::from(len).div_ceil(4) * 4;
    }
    Ok(out)
}

fn option_string(v: &[u8]) -> String {
    // Some writers include a terminating NUL.
    let v = v.strip_suffix(&[0]).unwrap_or(v);
    String::from_utf8_lossy(v).into_owned()
}

fn read_pcapng(bytes: &[u8]) -> (Capture, Option<CaptureError>) {
    let mut cap = Capture::new(Format::Pcapng, ByteOrder::Little);
    match pcapng_blocks(bytes, &mut cap) {
        Ok(()) => (cap, None),
        Err(e) => (cap, Some(e)),
    }
}

fn pcapng_blocks(bytes: &[u8], cap: &mut Capture) -> Result<(), CaptureError> {
    let mut order = ByteOrder::Little;
    // Whether the block at `pos` is the file's first Section Header Block.
    let mut first = true;
    let mut section = 0usize;
    // Indices into cap.interfaces of the current section's interfaces, by interface ID.
    let mut section_ifaces: Vec<usize> = Vec::new();
    let mut pos = 0usize;
    while pos < bytes.len() {
        let left = bytes.len() - pos;
        let raw_type = bytes.get(pos..pos + 4).map(|t| [t[0], t[1], t[2], t[3]]);
        let is_shb = raw_type.map(u32::from_be_bytes) == Some(block::SECTION_HEADER);
        if is_shb {
            let need = if first { SHB_MIN_LEN } else { BLOCK_MIN_LEN };
            if left < need {
                return Err(if first {
                    CaptureError::TruncatedHeader {
                        format: Format::Pcapng,
                        offset: pos,
                        expected: SHB_MIN_LEN,
                        available: left,
                    }
                } else {
                    CaptureError::TruncatedBlock {
                        offset: pos,
                        block_type: Some(block::SECTION_HEADER),
                        expected: BLOCK_MIN_LEN,
                        available: left,
                    }
                });
            }
            let bom = [
                bytes[pos + 8],
                bytes[pos + 9],
                bytes[pos + 10],
                bytes[pos + 11],
            ];
            order = if u32::from_be_bytes(bom) == BYTE_ORDER_MAGIC {
                ByteOrder::Big
            } else if u32::from_le_bytes(bom) == BYTE_ORDER_MAGIC {
                ByteOrder::Little
            } else {
                return Err(CaptureError::BadByteOrderMagic {
                    offset: pos + 8,
                    found: bom,
                });
            };
            if first {
                cap.byte_order = order;
            }
        }
        if left < BLOCK_MIN_LEN {
            return Err(CaptureError::TruncatedBlock {
                offset: pos,
                block_type: order.u32(bytes, pos),
                expected: BLOCK_MIN_LEN,
                available: left,
            });
        }
        let btype = order.u32(bytes, pos).unwrap_or(0);
        let blen = order.u32(bytes, pos + 4).unwrap_or(0);
        if blen & 3 != 0 {
            return Err(CaptureError::BlockLengthNotAligned {
                offset: pos,
                block_type: btype,
                length: blen,
            });
        }
        let minimum = if is_shb { SHB_MIN_LEN } else { BLOCK_MIN_LEN };
        if (blen as usize) < minimum {
            return Err(CaptureError::BlockTooShort {
                offset: pos,
                block_type: btype,
                length: blen,
                minimum,
            });
        }
        let blen_us = blen as usize;
        if blen_us > left {
            return Err(CaptureError::TruncatedBlock {
                offset: pos,
                block_type: Some(btype),
                expected: blen_us,
                available: left,
            });
        }
        let trailer = order.u32(bytes, pos + blen_us - 4).unwrap_or(0);
        if trailer != blen {
            return Err(CaptureError::BlockLengthMismatch {
                offset: pos,
                block_type: btype,
                header: blen,
                trailer,
            });
        }
        let body = &bytes[pos + 8..pos + blen_us - 4];
        let body_off = pos + 8;
        let too_short = |minimum: usize| CaptureError::BlockTooShort {
            offset: pos,
            block_type: btype,
            length: blen,
            minimum,
        };
        match btype {
            block::SECTION_HEADER => {
                let major = order.u16(body, 4).unwrap_or(0);
                let minor = order.u16(body, 6).unwrap_or(0);
                if major != 1 {
                    return Err(CaptureError::UnsupportedVersion {
                        format: Format::Pcapng,
                        offset: body_off + 4,
                        major,
                        minor,
                    });
                }
                if !first {
                    section += 1;
                }
                section_ifaces.clear();
                first = false;
                // Section options (shb_comment, shb_userappl, ...) are checked but not kept.
                parse_options(body, 16, body_off, order, btype)?;
            }
            block::INTERFACE_DESCRIPTION => {
                if body.len() < 8 {
                    return Err(too_short(BLOCK_MIN_LEN + 8));
                }
                let mut iface = Interface {
                    section,
                    id: section_ifaces.len() as u32,
                    link_type: order.u16(body, 0).unwrap_or(0),
                    snaplen: order.u32(body, 4).unwrap_or(0),
                    name: None,
                    tsresol: 6,
                    tsoffset: 0,
                };
                for (code, v) in parse_options(body, 8, body_off, order, btype)? {
                    match code {
                        IF_NAME => iface.name = Some(option_string(v)),
                        IF_TSRESOL if !v.is_empty() => iface.tsresol = v[0],
                        IF_TSOFFSET if v.len() == 8 => {
                            iface.tsoffset = order.u64(v, 0).unwrap_or(0) as i64
                        }
                        _ => {}
                    }
                }
                section_ifaces.push(cap.interfaces.len());
                cap.interfaces.push(iface);
            }
            block::ENHANCED_PACKET | block::PACKET => {
                // EPB: interface(4) ts_high(4) ts_low(4) caplen(4) origlen(4)
                // PB:  interface(2) drops(2)   ts_high(4) ts_low(4) caplen(4) origlen(4)
                if body.len() < 20 {
                    return Err(too_short(BLOCK_MIN_LEN + 20));
                }
                let iface_id = if btype == block::PACKET {
                    u32::from(order.u16(body, 0).unwrap_or(0))
                } else {
                    order.u32(body, 0).unwrap_or(0)
                };
                let ts_high = order.u32(body, 4).unwrap_or(0);
                let ts_low = order.u32(body, 8).unwrap_or(0);
                let caplen = order.u32(body, 12).unwrap_or(0);
                let orig_len = order.u32(body, 16).unwrap_or(0);
                let global = *section_ifaces.get(iface_id as usize).ok_or(
                    CaptureError::UnknownInterface {
                        offset: pos,
                        block_type: btype,
                        interface_id: iface_id,
                        defined: section_ifaces.len(),
                    },
                )?;
                let avail = body.len() - 20;
                if caplen as usize > avail {
                    return Err(CaptureError::PacketDataOverrun {
                        offset: pos,
                        block_type: btype,
                        captured_len: caplen,
                        available: avail,
                    });
                }
                let data = &body[20..20 + caplen as usize];
                let opts_start = (20 + (caplen as usize).div_ceil(4) * 4).min(body.len());
                let comments = parse_options(body, opts_start, body_off, order, btype)?
                    .into_iter()
                    .filter(|(c, _)| *c == OPT_COMMENT)
                    .map(|(_, v)| option_string(v))
                    .collect();
                let iface = &cap.interfaces[global];
                let ts = (u64::from(ts_high) << 32) | u64::from(ts_low);
                cap.frames.push(Frame {
                    index: cap.frames.len() + 1,
                    interface: global,
                    link_type: iface.link_type,
                    timestamp_ns: pcapng_ts_ns(ts, iface.tsresol, iface.tsoffset),
                    orig_len,
                    data: data.to_vec(),
                    comments,
                });
            }
            block::SIMPLE_PACKET => {
                if body.len() < 4 {
                    return Err(too_short(BLOCK_MIN_LEN + 4));
                }
                let global = *section_ifaces
                    .first()
                    .ok_or(CaptureError::UnknownInterface {
                        offset: pos,
                        block_type: btype,
                        interface_id: 0,
                        defined: 0,
                    })?;
                let iface = &cap.interfaces[global];
                let orig_len = order.u32(body, 0).unwrap_or(0);
                let mut caplen = (orig_len as usize).min(body.len() - 4);
                if iface.snaplen != 0 {
                    caplen = caplen.min(iface.snaplen as usize);
                }
                cap.frames.push(Frame {
                    index: cap.frames.len() + 1,
                    interface: global,
                    link_type: iface.link_type,
                    timestamp_ns: None,
                    orig_len,
                    data: body[4..4 + caplen].to_vec(),
                    comments: Vec::new(),
                });
            }
            _ => {} // Name Resolution, Interface Statistics, custom and unknown blocks.
        }
        pos += blen_us;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Writers

/// Timestamp resolution of a classic pcap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TsResolution {
    /// Magic a1b2c3d4: read by every tool.
    #[default]
    Microsecond,
    /// Magic a1b23c4d.
    Nanosecond,
}

/// Settings of a classic pcap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PcapOptions {
    pub link_type: u16,
    pub resolution: TsResolution,
    pub byte_order: ByteOrder,
    /// Written in the header; frames longer than this are still written whole.
    pub snaplen: u32,
}

impl PcapOptions {
    /// Microsecond, little-endian, snaplen 262144.
    pub fn new(link_type: u16) -> Self {
        PcapOptions {
            link_type,
            resolution: TsResolution::Microsecond,
            byte_order: ByteOrder::Little,
            snaplen: 262_144,
        }
    }
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// Writes a classic pcap file, one link type for every frame.
///
/// ```
/// # use mip6_reports::pcap::{PcapWriter, linktype};
/// let mut w = PcapWriter::new(Vec::new(), linktype::ETHERNET)?;
/// w.write_packet(1_700_000_000_123_456_000, &[0u8; 60])?;
/// let bytes = w.finish()?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct PcapWriter<W: Write> {
    w: W,
    opts: PcapOptions,
    count: usize,
}

impl<W: Write> PcapWriter<W> {
    /// A microsecond, little-endian pcap file with the given `LINKTYPE_*`.
    pub fn new(w: W, link_type: u16) -> io::Result<Self> {
        Self::with_options(w, PcapOptions::new(link_type))
    }

    /// Writes the file header.
    pub fn with_options(mut w: W, opts: PcapOptions) -> io::Result<Self> {
        let o = opts.byte_order;
        let mut h = Vec::with_capacity(PCAP_HEADER_LEN);
        o.put32(
            &mut h,
            match opts.resolution {
                TsResolution::Microsecond => PCAP_MAGIC_US,
                TsResolution::Nanosecond => PCAP_MAGIC_NS,
            },
        );
        o.put16(&mut h, 2);
        o.put16(&mut h, 4);
        o.put32(&mut h, 0); // thiszone
        o.put32(&mut h, 0); // sigfigs
        o.put32(&mut h, opts.snaplen);
        o.put32(&mut h, u32::from(opts.link_type));
        w.write_all(&h)?;
        Ok(PcapWriter { w, opts, count: 0 })
    }

    /// Writes one frame whose wire length is its captured length.
    pub fn write_packet(&mut self, timestamp_ns: u64, data: &[u8]) -> io::Result<()> {
        let orig = u32::try_from(data.len()).unwrap_or(u32::MAX);
        self.write_packet_with_len(timestamp_ns, data, orig)
    }

    /// Writes one frame that was `orig_len` bytes on the wire.
    pub fn write_packet_with_len(
        &mut self,
        timestamp_ns: u64,
        data: &[u8],
        orig_len: u32,
    ) -> io::Result<()> {
        let caplen = u32::try_from(data.len())
            .map_err(|_| invalid(format!("frame of {} bytes is too long", data.len())))?;
        let sec = u32::try_from(timestamp_ns / 1_000_000_000).map_err(|_| {
            invalid(format!(
                "timestamp {timestamp_ns} ns is past what classic pcap can hold (year 2106)"
            ))
        })?;
        let ns = (timestamp_ns % 1_000_000_000) as u32;
        let frac = match self.opts.resolution {
            TsResolution::Microsecond => ns / 1000,
            TsResolution::Nanosecond => ns,
        };
        let o = self.opts.byte_order;
        let mut h = Vec::with_capacity(PCAP_RECORD_HEADER_LEN + data.len());
        o.put32(&mut h, sec);
        o.put32(&mut h, frac);
        o.put32(&mut h, caplen);
        o.put32(&mut h, orig_len);
        h.extend_from_slice(data);
        self.w.write_all(&h)?;
        self.count += 1;
        Ok(())
    }

    /// How many frames have been written.
    pub fn packets_written(&self) -> usize {
        self.count
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.w.flush()?;
        Ok(self.w)
    }
}

/// Settings of a pcapng section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PcapngOptions {
    pub byte_order: ByteOrder,
    /// `shb_userappl`; `None` leaves it out.
    pub application: Option<String>,
    /// `shb_comment`, e.g. the test that produced the capture.
    pub comment: Option<String>,
}

impl Default for PcapngOptions {
    fn default() -> Self {
        PcapngOptions {
            byte_order: ByteOrder::Little,
            application: Some(format!("mip6test {}", env!("CARGO_PKG_VERSION"))),
            comment: None,
        }
    }
}

/// Writes a pcapng file with one section, any number of interfaces (each with its own link
/// type and name) and nanosecond timestamps; packets may carry comments.
///
/// ```
/// # use mip6_reports::pcap::{PcapngWriter, linktype};
/// let mut w = PcapngWriter::new(Vec::new())?;
/// let link0 = w.add_interface(linktype::ETHERNET, "link0")?;
/// let link1 = w.add_interface(linktype::ETHERNET, "link1")?;
/// w.write_packet(link0, 1_000, &[0u8; 60], Some("sent: Binding Update"))?;
/// w.write_packet(link1, 2_000, &[0u8; 60], None)?;
/// let bytes = w.finish()?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct PcapngWriter<W: Write> {
    w: W,
    order: ByteOrder,
    interfaces: Vec<u16>,
    count: usize,
}

/// Appends a pcapng option (code, length, value, padding).
fn put_option(out: &mut Vec<u8>, order: ByteOrder, code: u16, value: &[u8]) -> io::Result<()> {
    let len = u16::try_from(value.len()).map_err(|_| {
        invalid(format!(
            "pcapng option {code} of {} bytes is longer than 65535",
            value.len()
        ))
    })?;
    order.put16(out, code);
    order.put16(out, len);
    out.extend_from_slice(value);
    out.resize(out.len() + (4 - value.len() % 4) % 4, 0);
    Ok(())
}

impl<W: Write> PcapngWriter<W> {
    /// Writes a little-endian Section Header Block naming mip6test as the application.
    pub fn new(w: W) -> io::Result<Self> {
        Self::with_options(w, PcapngOptions::default())
    }

    /// Writes the Section Header Block.
    pub fn with_options(w: W, opts: PcapngOptions) -> io::Result<Self> {
        let order = opts.byte_order;
        let mut body = Vec::with_capacity(64);
        order.put32(&mut body, BYTE_ORDER_MAGIC);
        order.put16(&mut body, 1);
        order.put16(&mut body, 0);
        order.put64(&mut body, u64::MAX); // section length not specified
        let mut any = false;
        if let Some(c) = &opts.comment {
            put_option(&mut body, order, OPT_COMMENT, c.as_bytes())?;
            any = true;
        }
        if let Some(a) = &opts.application {
            put_option(&mut body, order, SHB_USERAPPL, a.as_bytes())?;
            any = true;
        }
        if any {
            put_option(&mut body, order, OPT_ENDOFOPT, &[])?;
        }
        let mut me = PcapngWriter {
            w,
            order,
            interfaces: Vec::new(),
            count: 0,
        };
        me.write_block(block::SECTION_HEADER, &body)?;
        Ok(me)
    }

    fn write_block(&mut self, btype: u32, body: &[u8]) -> io::Result<()> {
        let total = u32::try_from(body.len() + BLOCK_MIN_LEN)
            .map_err(|_| invalid(format!("pcapng block of {} bytes is too long", body.len())))?;
        let mut b = Vec::with_capacity(body.len() + BLOCK_MIN_LEN);
        self.order.put32(&mut b, btype);
        self.order.put32(&mut b, total);
        b.extend_from_slice(body);
        self.order.put32(&mut b, total);
        self.w.write_all(&b)
    }

    /// Describes an interface (an Interface Description Block with `if_name` and nanosecond
    /// `if_tsresol`) and returns its ID for [`write_packet`](Self::write_packet). An empty name
    /// is left out. Interfaces may be added at any time, also after packets.
    pub fn add_interface(&mut self, link_type: u16, name: &str) -> io::Result<usize> {
        let o = self.order;
        let mut body = Vec::with_capacity(32 + name.len());
        o.put16(&mut body, link_type);
        o.put16(&mut body, 0);
        o.put32(&mut body, 0); // snaplen: no limit
        if !name.is_empty() {
            put_option(&mut body, o, IF_NAME, name.as_bytes())?;
        }
        put_option(&mut body, o, IF_TSRESOL, &[9])?;
        put_option(&mut body, o, OPT_ENDOFOPT, &[])?;
        self.write_block(block::INTERFACE_DESCRIPTION, &body)?;
        self.interfaces.push(link_type);
        Ok(self.interfaces.len() - 1)
    }

    /// Link types of the interfaces added so far, by ID.
    pub fn interfaces(&self) -> &[u16] {
        &self.interfaces
    }

    /// Writes an Enhanced Packet Block on interface `iface`, with an optional comment.
    pub fn write_packet(
        &mut self,
        iface: usize,
        timestamp_ns: u64,
        data: &[u8],
        comment: Option<&str>,
    ) -> io::Result<()> {
        let orig = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let comments: &[&str] = match &comment {
            Some(c) => std::slice::from_ref(c),
            None => &[],
        };
        self.write_packet_full(iface, timestamp_ns, data, orig, comments)
    }

    /// Writes an Enhanced Packet Block with a wire length and any number of comments
    /// (one `opt_comment` each).
    pub fn write_packet_full(
        &mut self,
        iface: usize,
        timestamp_ns: u64,
        data: &[u8],
        orig_len: u32,
        comments: &[&str],
    ) -> io::Result<()> {
        if iface >= self.interfaces.len() {
            return Err(invalid(format!(
                "interface {iface} was never added (there are {})",
                self.interfaces.len()
            )));
        }
        let caplen = u32::try_from(data.len())
            .map_err(|_| invalid(format!("frame of {} bytes is too long", data.len())))?;
        let o = self.order;
        let mut body = Vec::with_capacity(data.len() + 32);
        o.put32(&mut body, iface as u32);
        o.put32(&mut body, (timestamp_ns >> 32) as u32);
        o.put32(&mut body, timestamp_ns as u32);
        o.put32(&mut body, caplen);
        o.put32(&mut body, orig_len);
        body.extend_from_slice(data);
        body.resize(body.len() + (4 - data.len() % 4) % 4, 0);
        for c in comments {
            put_option(&mut body, o, OPT_COMMENT, c.as_bytes())?;
        }
        if !comments.is_empty() {
            put_option(&mut body, o, OPT_ENDOFOPT, &[])?;
        }
        self.write_block(block::ENHANCED_PACKET, &body)?;
        self.count += 1;
        Ok(())
    }

    /// How many packets have been written.
    pub fn packets_written(&self) -> usize {
        self.count
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.w.flush()?;
        Ok(self.w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_resolutions() {
        assert_eq!(pcapng_ts_ns(5, 6, 0), Some(5_000));
        assert_eq!(pcapng_ts_ns(5, 9, 0), Some(5));
        assert_eq!(pcapng_ts_ns(5_000, 12, 0), Some(5));
        assert_eq!(pcapng_ts_ns(1 << 10, 0x80 | 10, 0), Some(1_000_000_000));
        assert_eq!(pcapng_ts_ns(0, 9, 2), Some(2_000_000_000));
        assert_eq!(pcapng_ts_ns(0, 9, -2), None);
        assert_eq!(pcapng_ts_ns(u64::MAX, 0, 0), None);
        assert_eq!(pcapng_ts_ns(u64::MAX, 127, 0), Some(0));
        assert_eq!(pcapng_ts_ns(u64::MAX, 0xff, 0), Some(0));
    }

    #[test]
    fn link_type_mapping() {
        for l in [
            LinkType::Ethernet,
            LinkType::RawIp,
            LinkType::Ipv4,
            LinkType::Ipv6,
        ] {
            assert_eq!(decoder_link_type(pcap_link_type(l)), Some(l));
        }
        assert_eq!(decoder_link_type(linktype::NULL), None);
        assert_eq!(decoder_link_type(147), None);
    }

    #[test]
    fn not_a_capture_messages() {
        let e = read_capture(b"").unwrap_err();
        assert_eq!(e.to_string(), "not a capture file: the file is empty");
        let e = read_capture(b"GET / HTTP/1.1").unwrap_err();
        assert!(e.to_string().contains("47 45 54 20"), "{e}");
        assert!(e.to_string().contains("offset 0"), "{e}");
        let e = read_capture(b"\xa1\xb2").unwrap_err();
        assert!(e.to_string().contains("only 2 bytes (a1 b2)"), "{e}");
    }
}
