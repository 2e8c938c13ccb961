//! mip6-harness: the mip6test engine and command line.
//!
//! The `mip6test` binary only parses arguments and calls into this library, so every command
//! can also be driven (and tested) from Rust.
//!
//! * [`decode`]: `mip6test decode FILE`, a capture file as layers, fields, options and RFC
//!   violations, for people (text) or machines (JSON Lines, see docs/decode-json.md).
//! * [`exit`]: the documented exit codes.
#![deny(unsafe_code)]

pub mod coverage;
pub mod decode;
pub mod engine;
pub mod error;
#[cfg(target_os = "linux")]
pub mod live;
pub mod matcher;
pub mod reference;
pub mod suite;
pub mod template;
pub mod vars;

pub use error::HarnessError;

/// Exit codes of `mip6test`, the same for every command.
pub mod exit {
    /// Success: all applicable tests passed; `decode` read the whole file (violations found in
    /// frames are findings, not errors).
    pub const OK: i32 = 0;
    /// At least one test failed.
    pub const FAILURE: i32 = 1;
    /// Usage or input error: bad arguments, a suite that does not validate, a capture file that
    /// is missing, unreadable, not a capture or damaged.
    pub const USAGE: i32 = 2;
    /// Environment error: privileges, interfaces, output that cannot be written; also a live
    /// run (`run --target netns:...`) interrupted by SIGINT or SIGTERM, after it removed its
    /// namespaces and stopped the node.
    pub const ENVIRONMENT: i32 = 3;
}
