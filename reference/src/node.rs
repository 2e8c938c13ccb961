//! The surface every reference node offers to its driver (simulation or live).

use crate::time::Instant;
use std::net::Ipv6Addr;

/// A frame a node wants sent: on which of its interfaces, and the whole Ethernet frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    pub iface: usize,
    pub frame: Vec<u8>,
}

/// Something a node did that a test or a log may want to see. Every event names the behaviour
/// of `shared/spec/behaviours.md` it carries out, when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A received frame was dropped without any answer.
    Discarded {
        behaviour: &'static str,
        reason: String,
    },
    /// A binding cache entry was created or refreshed.
    BindingUpdated {
        home_address: Ipv6Addr,
        care_of_address: Ipv6Addr,
        lifetime_secs: u32,
        home_registration: bool,
    },
    /// A binding cache entry was removed.
    BindingDeleted {
        home_address: Ipv6Addr,
        reason: &'static str,
    },
    /// A Binding Acknowledgement was sent with this status.
    BindingAckSent { home_address: Ipv6Addr, status: u8 },
    /// A Binding Error was sent.
    BindingErrorSent { to: Ipv6Addr, status: u8 },
    /// An ICMPv6 error was sent.
    IcmpErrorSent {
        to: Ipv6Addr,
        icmp_type: u8,
        code: u8,
    },
    /// Anything else worth a log line.
    Note {
        behaviour: &'static str,
        text: String,
    },
}

/// A sans-IO protocol node.
///
/// The driver calls [`Node::handle`] for every frame received on one of the node's interfaces
/// and [`Node::handle_timeout`] when [`Node::poll_timeout`]'s deadline has passed, then drains
/// [`Node::poll_transmit`] and [`Node::poll_event`].
pub trait Node {
    /// Names of the node's interfaces, in index order.
    fn interfaces(&self) -> Vec<String>;
    /// A frame arrived on interface `iface` at `now`.
    fn handle(&mut self, now: Instant, iface: usize, frame: &[u8]);
    /// Time has advanced to `now`; run whatever timers are due.
    fn handle_timeout(&mut self, now: Instant);
    /// The next frame to send, if any.
    fn poll_transmit(&mut self) -> Option<Transmit>;
    /// The earliest deadline at which [`Node::handle_timeout`] must be called.
    fn poll_timeout(&self) -> Option<Instant>;
    /// The next event, if any.
    fn poll_event(&mut self) -> Option<Event>;
}
