//! UDP (RFC 768). Placeholder declaration; full codec in progress.
use crate::packet::{Decoder, EmitCtx, Step};
use crate::util::Fields;
use serde::{Deserialize, Serialize};
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Udp {
    pub src_port: u16,
    pub dst_port: u16,
}
impl Udp {
    pub(crate) fn emit(&self, _cx: &EmitCtx, _p: &[u8], _o: &mut Vec<u8>) {
        unimplemented!()
    }
    pub(crate) fn fields(&self, _f: &mut Fields) {}
}
pub(crate) fn decode(_d: &mut Decoder, _off: usize) -> Option<Step> {
    None
}
