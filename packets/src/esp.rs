//! ESP framing (RFC 4303). Placeholder declaration; full codec in progress.
use crate::packet::{Decoder, EmitCtx, Step};
use crate::util::Fields;
use serde::{Deserialize, Serialize};
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Esp {
    pub spi: u32,
    pub seq: u32,
}
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EspTrailer {
    pub icv: Vec<u8>,
}
impl Esp {
    pub(crate) fn emit(&self, _cx: &EmitCtx, _p: &[u8], _o: &mut Vec<u8>) {
        unimplemented!()
    }
    pub(crate) fn fields(&self, _f: &mut Fields) {}
}
impl EspTrailer {
    pub(crate) fn emit(&self, _cx: &EmitCtx, _p: &[u8], _o: &mut Vec<u8>) {
        unimplemented!()
    }
    pub(crate) fn emit_after(&self, _cx: &EmitCtx, _o: &mut Vec<u8>) {
        unimplemented!()
    }
    pub(crate) fn fields(&self, _f: &mut Fields) {}
}
pub(crate) fn decode(_d: &mut Decoder, _off: usize) -> Option<Step> {
    None
}
pub(crate) fn take_pending_trailer(_d: &mut Decoder) -> Option<(usize, EspTrailer)> {
    None
}
