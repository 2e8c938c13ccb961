//! ICMPv6 (RFC 4443, 4861, 6275 §6.5-§6.8). Placeholder declaration; full codec in progress.
use crate::packet::{Decoder, EmitCtx, OptionView, Step};
use crate::util::Fields;
use serde::{Deserialize, Serialize};
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Icmpv6 {
    pub code: u8,
}
impl Icmpv6 {
    pub(crate) fn emit(&self, _cx: &EmitCtx, _p: &[u8], _o: &mut Vec<u8>) {
        unimplemented!()
    }
    pub(crate) fn fields(&self, _f: &mut Fields) {}
    pub(crate) fn option_views(&self, _off: usize) -> Vec<OptionView> {
        Vec::new()
    }
}
pub(crate) fn decode(_d: &mut Decoder, _off: usize) -> Option<Step> {
    None
}
