//! Fuzzes the lenient decoder: any bytes, under every link type and with NULL-ESP decoding on
//! and off, must decode without panicking; the decode view must build; and a frame that decoded
//! without violations must re-emit to exactly the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mip6_packets::{decode_with, DecodeOptions, LinkType};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, bytes)) = data.split_first() else {
        return;
    };
    let link = match sel & 3 {
        0 => LinkType::Ethernet,
        1 => LinkType::RawIp,
        2 => LinkType::Ipv6,
        _ => LinkType::Ipv4,
    };
    let opts = DecodeOptions {
        esp_null_icv_len: (sel & 4 != 0).then_some(usize::from(sel >> 4)),
    };
    let d = decode_with(bytes, link, opts);
    assert_eq!(d.packet.layers.len(), d.offsets.len());
    let _ = serde_json::to_string(&d.view(bytes.len()));
    if d.violations.is_empty() {
        assert_eq!(d.packet.emit(), bytes, "clean frame did not re-emit identically");
    }
});
