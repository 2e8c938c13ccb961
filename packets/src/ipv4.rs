//! IPv4 (RFC 791). Placeholder declaration; full codec in progress.
use crate::packet::{Decoder, EmitCtx, Step};
use crate::util::Fields;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ipv4 {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
}
impl Ipv4 {
    pub(crate) fn emit(&self, _cx: &EmitCtx, _p: &[u8], _o: &mut Vec<u8>) {
        unimplemented!()
    }
    pub(crate) fn fields(&self, _f: &mut Fields) {}
}
pub(crate) fn decode(_d: &mut Decoder, _off: usize) -> Option<Step> {
    None
}
