//! `mip6test decode FILE`: every frame of a pcap or pcapng file as layers, fields, options and
//! RFC violations.
//!
//! Two renderings of the same [`FrameRecord`]:
//! * text, for people: a header line per frame, one line per layer, options indented under their
//!   layer, then the violations (`  ! mh.checksum @82: ... [mh-checksum; RFC 6275 §6.1.1]`);
//! * JSON Lines (`--json`), for machines: one object per frame, documented in docs/decode-json.md.
//!
//! Violations are findings about the frames, not errors: the command succeeds when it could read
//! the whole file. A file that is damaged part-way is decoded up to the damage, then the error is
//! returned ([`HarnessError::Capture`]).

use crate::error::HarnessError;
use mip6_packets::{decode_with, DecodeOptions, Decoded, Layer, LayerView, Packet, Violation};
use mip6_reports::pcap::{read_capture_lenient, Capture, Frame};
use serde::Serialize;
use serde_json::Value;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;
use std::str::FromStr;

/// Settings of the decode command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecodeOpts {
    /// JSON Lines instead of text.
    pub json: bool,
    /// Decode ESP as NULL-encrypted with an ICV of this many bytes.
    pub esp_null_icv_len: Option<usize>,
    /// Only these frames (numbered from 1); `None` for all.
    pub frames: Option<FrameSelection>,
}

impl DecodeOpts {
    fn decoder_options(&self) -> DecodeOptions {
        DecodeOptions {
            esp_null_icv_len: self.esp_null_icv_len,
        }
    }
}

/// A set of frame numbers, written `1-10,15,20-` (ranges inclusive, `N-` open-ended).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameSelection {
    ranges: Vec<(usize, usize)>,
}

impl FrameSelection {
    /// Whether frame `n` (from 1) is selected.
    pub fn contains(&self, n: usize) -> bool {
        self.ranges.iter().any(|&(lo, hi)| lo <= n && n <= hi)
    }
}

impl FromStr for FrameSelection {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let num = |t: &str| -> Result<usize, String> {
            let t = t.trim();
            let n: usize = t.parse().map_err(|_| {
                format!("{t:?} is not a frame number (expected a list like 1-10,15,20-)")
            })?;
            if n == 0 {
                return Err("frame numbers start at 1".to_string());
            }
            Ok(n)
        };
        let mut ranges = Vec::new();
        for part in s.split(',') {
            let part = part.trim();
            if part.is_empty() {
                return Err(format!(
                    "empty item in frame list {s:?} (expected a list like 1-10,15,20-)"
                ));
            }
            let r = match part.split_once('-') {
                None => {
                    let n = num(part)?;
                    (n, n)
                }
                Some((a, b)) if b.trim().is_empty() => (num(a)?, usize::MAX),
                Some((a, b)) => {
                    let (a, b) = (num(a)?, num(b)?);
                    if a > b {
                        return Err(format!("frame range {a}-{b} ends before it starts"));
                    }
                    (a, b)
                }
            };
            ranges.push(r);
        }
        Ok(FrameSelection { ranges })
    }
}

/// What a decode run saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecodeSummary {
    /// Frames read from the file (before any damage).
    pub frames_read: usize,
    /// Frames printed (after `--frames`).
    pub frames_shown: usize,
    /// Violations in the frames printed.
    pub violations: usize,
    /// Frames printed as raw bytes because their link type is not decoded.
    pub undecoded: usize,
}

/// One frame of the decode output: the object printed per line by `--json`
/// (docs/decode-json.md). Field order and names are stable.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrameRecord {
    /// Frame number in the file, from 1.
    pub frame: usize,
    /// Interface index in the file (the pcapng interface ID for a single-section file).
    pub interface: usize,
    /// `if_name` of the interface, when the file names it.
    pub interface_name: Option<String>,
    /// Nanoseconds since the Unix epoch; `null` when the file has no time for the frame.
    pub timestamp_ns: Option<u64>,
    /// Length on the wire.
    pub orig_len: u32,
    /// Bytes in the file.
    pub captured_len: usize,
    /// pcap LINKTYPE_* of the interface.
    pub link_type: u16,
    /// Packet comments from the file.
    pub comments: Vec<String>,
    /// What the decoder could not do with the frame (link type not decoded, frame cut short by
    /// the capture).
    pub notes: Vec<String>,
    pub layers: Vec<LayerView>,
    pub violations: Vec<Violation>,
}

/// Decodes one captured frame.
pub fn frame_record(capture: &Capture, frame: &Frame, opts: &DecodeOpts) -> FrameRecord {
    let mut notes = Vec::new();
    let decoded = match frame.decoder_link_type() {
        Some(link) => decode_with(&frame.data, link, opts.decoder_options()),
        None => {
            notes.push(format!(
                "link type {} is not decoded (decoded: 1 Ethernet, 101 raw IP, 228 IPv4, 229 IPv6); the frame is shown as raw bytes",
                frame.link_type
            ));
            let (layers, offsets) = if frame.data.is_empty() {
                (Vec::new(), Vec::new())
            } else {
                (vec![Layer::Raw(frame.data.clone())], vec![0])
            };
            Decoded {
                packet: Packet::new(layers),
                offsets,
                violations: Vec::new(),
            }
        }
    };
    if (frame.data.len() as u64) < u64::from(frame.orig_len) {
        notes.push(format!(
            "only {} of the {} bytes on the wire were captured",
            frame.data.len(),
            frame.orig_len
        ));
    }
    let view = decoded.view(frame.data.len());
    FrameRecord {
        frame: frame.index,
        interface: frame.interface,
        interface_name: capture
            .interfaces
            .get(frame.interface)
            .and_then(|i| i.name.clone()),
        timestamp_ns: frame.timestamp_ns,
        orig_len: frame.orig_len,
        captured_len: frame.data.len(),
        link_type: frame.link_type,
        comments: frame.comments.clone(),
        notes,
        layers: view.layers,
        violations: view.violations,
    }
}

/// Reads the capture at `path` and writes every selected frame to `out`, as text or JSON Lines.
///
/// A damaged file is decoded up to the damage; the frames before it are written, then
/// [`HarnessError::Capture`] is returned. A file that cannot be read is [`HarnessError::Input`].
pub fn decode_file(
    path: &Path,
    opts: &DecodeOpts,
    out: &mut dyn Write,
) -> Result<DecodeSummary, HarnessError> {
    let bytes = std::fs::read(path).map_err(|source| HarnessError::Input {
        path: path.to_path_buf(),
        source,
    })?;
    let (capture, damage) = read_capture_lenient(&bytes);
    let damage = damage.map(|error| HarnessError::Capture {
        path: path.to_path_buf(),
        error,
        frames_read: capture.frames.len(),
    });
    if capture.frames.is_empty() {
        if let Some(e) = damage {
            // Nothing good to show: not a capture, or damaged before the first frame.
            return Err(e);
        }
    }
    let summary = decode_capture(&capture, opts, out).map_err(HarnessError::Output)?;
    match damage {
        None => Ok(summary),
        Some(e) => Err(e),
    }
}

/// Writes every selected frame of a capture that is already in memory.
pub fn decode_capture(
    capture: &Capture,
    opts: &DecodeOpts,
    out: &mut dyn Write,
) -> io::Result<DecodeSummary> {
    let mut s = DecodeSummary {
        frames_read: capture.frames.len(),
        ..DecodeSummary::default()
    };
    for frame in &capture.frames {
        if let Some(sel) = &opts.frames {
            if !sel.contains(frame.index) {
                continue;
            }
        }
        let rec = frame_record(capture, frame, opts);
        s.frames_shown += 1;
        s.violations += rec.violations.len();
        if frame.decoder_link_type().is_none() {
            s.undecoded += 1;
        }
        if opts.json {
            serde_json::to_writer(&mut *out, &rec).map_err(io::Error::other)?;
            out.write_all(b"\n")?;
        } else {
            out.write_all(render_text(&rec).as_bytes())?;
        }
    }
    if !opts.json {
        writeln!(out, "{}", summary_line(&s))?;
    }
    out.flush()?;
    Ok(s)
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn summary_line(s: &DecodeSummary) -> String {
    let frames = if s.frames_shown == s.frames_read {
        plural(s.frames_read, "frame")
    } else {
        format!("{} of {} frames shown", s.frames_shown, s.frames_read)
    };
    format!("{frames}, {}", plural(s.violations, "violation"))
}

/// The text rendering of one frame (ends with a newline).
pub fn render_text(rec: &FrameRecord) -> String {
    let mut t = String::new();
    let time = rec
        .timestamp_ns
        .map(format_time)
        .unwrap_or_else(|| "no timestamp".to_string());
    let len = if rec.captured_len as u64 == u64::from(rec.orig_len) {
        format!("{} bytes", rec.captured_len)
    } else {
        format!("{} of {} bytes", rec.captured_len, rec.orig_len)
    };
    let iface = match &rec.interface_name {
        Some(n) => format!("iface {} ({n})", rec.interface),
        None => format!("iface {}", rec.interface),
    };
    let _ = writeln!(t, "frame {}  {time}  {len}  {iface}", rec.frame);
    for c in &rec.comments {
        for line in c.lines() {
            let _ = writeln!(t, "  # {line}");
        }
    }
    for n in &rec.notes {
        let _ = writeln!(t, "  note: {n}");
    }
    for l in &rec.layers {
        let _ = write!(
            t,
            "  {} @{} ({})",
            l.layer,
            l.offset,
            plural(l.length, "byte")
        );
        let skip: &[&str] = if l.layer == "raw" { &["length"] } else { &[] };
        write_fields(&mut t, &l.fields, skip);
        t.push('\n');
        let mut i = 0;
        while i < l.options.len() {
            let o = &l.options[i];
            let _ = write!(t, "    {} @{} (type {}", o.name, o.offset, o.typ);
            if let Some(len) = o.len {
                let _ = write!(t, ", len {len}");
            }
            t.push(')');
            // A run of Pad1 options (zero padding) takes one line.
            let run = if o.typ == 0 && o.len.is_none() {
                l.options[i..]
                    .iter()
                    .take_while(|p| p.typ == 0 && p.len.is_none() && p.fields.is_empty())
                    .count()
                    .max(1)
            } else {
                1
            };
            if run > 1 {
                let _ = write!(t, " x{run}");
            }
            write_fields(&mut t, &o.fields, &[]);
            t.push('\n');
            i += run;
        }
    }
    for v in &rec.violations {
        let _ = writeln!(t, "  ! {v}");
    }
    t
}

/// Appends `  k=v k=v ...`, source and destination first, then the rest in map order.
fn write_fields(t: &mut String, fields: &serde_json::Map<String, Value>, skip: &[&str]) {
    let first = ["src", "dst"];
    let ordered = first
        .iter()
        .filter_map(|k| fields.get_key_value(*k))
        .chain(fields.iter().filter(|(k, _)| !first.contains(&k.as_str())))
        .filter(|(k, _)| !skip.contains(&k.as_str()));
    let mut sep = "  ";
    for (k, v) in ordered {
        let _ = write!(t, "{sep}{k}={}", format_value(k, v));
        sep = " ";
    }
}

/// Hex strings longer than this many digits are shortened in text output.
const HEX_SHOWN: usize = 64;

fn format_value(key: &str, v: &Value) -> String {
    match v {
        Value::Number(n) => match (key, n.as_u64()) {
            ("ethertype" | "checksum", Some(x)) => format!("{x:#06x}"),
            _ => n.to_string(),
        },
        Value::String(s) => {
            let is_hex = !s.is_empty() && s.bytes().all(|c| c.is_ascii_hexdigit());
            if is_hex && s.len() > HEX_SHOWN {
                format!("{}…({} bytes)", &s[..HEX_SHOWN - 16], s.len() / 2)
            } else if s.is_empty() || s.chars().any(|c| c.is_whitespace() || c == '"') {
                format!("{s:?}")
            } else {
                s.clone()
            }
        }
        Value::Null => "-".to_string(),
        other => other.to_string(),
    }
}

/// `2023-11-14 22:13:20.123456789 UTC` from nanoseconds since the Unix epoch.
pub fn format_time(ns: u64) -> String {
    let secs = ns / 1_000_000_000;
    let frac = ns % 1_000_000_000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{frac:09} UTC",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day) (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_selection() {
        let s: FrameSelection = "1-3, 7,10-".parse().unwrap();
        assert!(s.contains(1) && s.contains(3) && s.contains(7) && s.contains(10_000));
        assert!(!s.contains(4) && !s.contains(9));
        assert!("0".parse::<FrameSelection>().is_err());
        assert!("5-2".parse::<FrameSelection>().unwrap_err().contains("5-2"));
        assert!("x".parse::<FrameSelection>().is_err());
        assert!("1,,2".parse::<FrameSelection>().is_err());
        assert!("".parse::<FrameSelection>().is_err());
    }

    #[test]
    fn times() {
        assert_eq!(format_time(0), "1970-01-01 00:00:00.000000000 UTC");
        assert_eq!(
            format_time(1_700_000_000_123_456_789),
            "2023-11-14 22:13:20.123456789 UTC"
        );
        assert_eq!(
            format_time(951_782_400_000_000_000),
            "2000-02-29 00:00:00.000000000 UTC"
        );
        // Never panics, even for the largest value.
        assert!(format_time(u64::MAX).starts_with("2554-07-21"));
    }

    #[test]
    fn values() {
        assert_eq!(format_value("ethertype", &Value::from(0x86dd)), "0x86dd");
        assert_eq!(format_value("checksum", &Value::from(0x12)), "0x0012");
        assert_eq!(format_value("next_header", &Value::from(60)), "60");
        assert_eq!(format_value("m", &Value::from(true)), "true");
        assert_eq!(format_value("x", &Value::from("")), "\"\"");
        assert_eq!(format_value("x", &Value::from("a b")), "\"a b\"");
        let long = "ab".repeat(100);
        assert_eq!(
            format_value("data", &Value::from(long)),
            format!("{}…(100 bytes)", "ab".repeat(24))
        );
    }

    #[test]
    fn summary_wording() {
        let s = DecodeSummary {
            frames_read: 3,
            frames_shown: 3,
            violations: 1,
            undecoded: 0,
        };
        assert_eq!(summary_line(&s), "3 frames, 1 violation");
        let s = DecodeSummary {
            frames_shown: 1,
            violations: 0,
            ..s
        };
        assert_eq!(summary_line(&s), "1 of 3 frames shown, 0 violations");
    }
}
