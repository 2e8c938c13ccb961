//! mip6-reference: sans-IO reference Mobile IPv6 nodes.
//!
//! Each node is a state machine ([`Node`]): frames and timeouts go in, frames to send, the next
//! deadline and observable events come out. Nothing here opens a socket, starts a thread or
//! reads a clock: time is a value passed in ([`Instant`]) and randomness comes from a seeded
//! generator, so a simulation is identical every time it runs.
#![forbid(unsafe_code)]

pub mod cn;
pub mod config;
pub mod ha;
pub mod host;
pub mod node;
pub mod seq;
pub mod sim;
pub mod time;

pub use node::{Event, Node, Transmit};
pub use time::Instant;
