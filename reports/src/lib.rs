//! mip6-reports: report writers for mip6test.
//!
//! * [`pcap`]: read classic pcap and pcapng files, write both (pcapng with one interface per
//!   link and per-packet comments).
//! * [`results`]: the results of a run (results.json), which every report is rendered from.
//! * [`junit`]: junit.xml; [`html`]: report.html; [`capture`]: one pcapng per test.
//!
//! Nothing here reads a clock or touches a file: the writers return text or bytes and the
//! harness writes them.
#![forbid(unsafe_code)]

pub mod capture;
pub mod html;
pub mod junit;
pub mod label;
pub mod pcap;
pub mod results;
mod time;

pub use capture::test_pcapng;
pub use html::html;
pub use junit::junit;

pub use pcap::{
    read_capture, read_capture_file, read_capture_lenient, Capture, CaptureError, Frame,
    PcapWriter, PcapngWriter,
};
