//! mip6-harness: the mip6test engine and command line.
#![forbid(unsafe_code)]
