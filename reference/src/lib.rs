//! Sans-IO reference Mobile IPv6 nodes. The correspondent node and home agent arrive with issue 3.
#![forbid(unsafe_code)]
