//! mip6-packets: the Mobile IPv6 wire codec of mip6test.
//!
//! * Decoding is lenient and diagnostic: [`decode`] turns any byte string into the layers it has
//!   plus a list of [`Violation`]s (layer, field, byte offset, RFC clause). It never panics.
//! * Encoding is exact and overridable: [`Packet::emit`] computes next-header values, lengths,
//!   checksums and padding for every field left as `None`; a `Some` value is sent as it is, and
//!   [`Edits`] patch raw bytes afterwards.
//! * [`rr`] holds the return-routability cryptography (RFC 6275 §5.2).
//!
//! No I/O, no clock: this crate is pure functions over bytes.
#![forbid(unsafe_code)]

pub mod checksum;
pub mod esp;
pub mod ethernet;
pub mod icmpv6;
pub mod ipv4;
pub mod ipv6;
pub mod mh;
pub mod packet;
pub mod rr;
pub mod samples;
pub mod udp;
pub mod util;
pub mod violation;

pub use ethernet::{Ethernet, MacAddr};
pub use packet::{
    decode, decode_with, DecodeOptions, Decoded, EditError, Edits, Emitted, FrameView, Layer,
    LayerView, LinkType, OptionView, Packet, Patch,
};
pub use violation::Violation;
