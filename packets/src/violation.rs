//! Findings of the lenient decoder: what is wrong with a received packet, where, and which RFC says so.

use serde::Serialize;
use std::borrow::Cow;

/// One thing wrong with a decoded frame.
///
/// `offset` is the byte offset of the offending field from the first byte of the frame (the
/// Ethernet header when there is one), so a report can point into a hex dump.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Layer name as in the decode JSON: `ipv6`, `dest_opts`, `mh`, `icmpv6`, ...
    pub layer: &'static str,
    /// Field name, e.g. `checksum`, `header_len`, `options[1]`.
    pub field: Cow<'static, str>,
    /// Byte offset of the field from the start of the frame.
    pub offset: usize,
    /// Stable machine-readable rule identifier, e.g. `mh-checksum`.
    pub rule: &'static str,
    /// Human-readable explanation with the values involved.
    pub message: String,
    /// The RFC clause, e.g. `RFC 6275 §6.1.1`.
    pub rfc: &'static str,
}

impl Violation {
    pub fn new(
        layer: &'static str,
        field: impl Into<Cow<'static, str>>,
        offset: usize,
        rule: &'static str,
        rfc: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Violation {
            layer,
            field: field.into(),
            offset,
            rule,
            message: message.into(),
            rfc,
        }
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}.{} @{}: {} [{}; {}]",
            self.layer, self.field, self.offset, self.message, self.rule, self.rfc
        )
    }
}
