//! mip6-reports: report writers for mip6test.
//!
//! * [`pcap`]: read classic pcap and pcapng files, write both (pcapng with one interface per
//!   link and per-packet comments).
//! * [`results`]: the results of a run (results.json), which every report is rendered from.
#![forbid(unsafe_code)]

pub mod pcap;
pub mod results;

pub use pcap::{
    read_capture, read_capture_file, read_capture_lenient, Capture, CaptureError, Frame,
    PcapWriter, PcapngWriter,
};
