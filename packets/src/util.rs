//! Small helpers shared by the layer modules: big-endian reads, hex (de)serialisation, field maps.

use serde::{Deserialize, Deserializer, Serializer};

/// Reads a big-endian u16 at `off`. Callers check the length first.
#[inline]
pub(crate) fn be16(b: &[u8], off: usize) -> u16 {
    u16::from_be_bytes([b[off], b[off + 1]])
}

/// Reads a big-endian u32 at `off`. Callers check the length first.
#[inline]
pub(crate) fn be32(b: &[u8], off: usize) -> u32 {
    u32::from_be_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

#[inline]
pub(crate) fn ip6(b: &[u8], off: usize) -> std::net::Ipv6Addr {
    let mut a = [0u8; 16];
    a.copy_from_slice(&b[off..off + 16]);
    std::net::Ipv6Addr::from(a)
}

#[inline]
pub(crate) fn ip4(b: &[u8], off: usize) -> std::net::Ipv4Addr {
    std::net::Ipv4Addr::new(b[off], b[off + 1], b[off + 2], b[off + 3])
}

/// serde `skip_serializing_if` helper: the value is its type's default (0, false, empty).
pub(crate) fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// Lower-case hex without separators.
pub fn to_hex(data: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(data.len() * 2);
    for b in data {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Parses hex, ignoring spaces, colons and an optional `0x` prefix.
pub fn from_hex(s: &str) -> Result<Vec<u8>, String> {
    let s = s.trim();
    let s = s.strip_prefix("0x").unwrap_or(s);
    let digits: Vec<u8> = s
        .bytes()
        .filter(|c| !matches!(c, b' ' | b':' | b'_' | b'\n' | b'\t'))
        .collect();
    if !digits.len().is_multiple_of(2) {
        return Err(format!(
            "hex string has an odd number of digits ({})",
            digits.len()
        ));
    }
    digits
        .chunks(2)
        .map(|p| {
            let hi = (p[0] as char).to_digit(16);
            let lo = (p[1] as char).to_digit(16);
            match (hi, lo) {
                (Some(h), Some(l)) => Ok((h * 16 + l) as u8),
                _ => Err(format!("not a hex byte: {:?}", String::from_utf8_lossy(p))),
            }
        })
        .collect()
}

/// serde adapter: `Vec<u8>` as a hex string.
pub mod hex {
    use super::*;
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&to_hex(v))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        from_hex(&s).map_err(serde::de::Error::custom)
    }
}

/// A TLV option that has an alignment requirement and Pad1/PadN forms (IPv6 options, RFC 8200
/// §4.2; mobility options, RFC 6275 §6.2).
pub trait PaddedOption: Sized {
    /// `(x, y)`: the option's Type byte must sit at an offset ≡ y (mod x).
    fn alignment(&self) -> (usize, usize);
    /// Bytes the option takes on the wire.
    fn wire_len(&self) -> usize;
    fn pad1() -> Self;
    /// PadN with `n` data bytes.
    fn padn(n: u8) -> Self;
}

/// Inserts Pad1/PadN before each option to meet its alignment, counting offsets from `start`,
/// and after the last one so the container ends on an 8-byte boundary. Existing padding is
/// kept as it is.
pub fn align_tlv<T: PaddedOption>(start: usize, options: Vec<T>) -> Vec<T> {
    let mut out = Vec::with_capacity(options.len() + 2);
    let mut pos = start;
    let pad = |out: &mut Vec<T>, n: usize| match n {
        0 => {}
        1 => out.push(T::pad1()),
        n => out.push(T::padn((n - 2) as u8)),
    };
    for o in options {
        let (x, y) = o.alignment();
        let n = (y + x - pos % x) % x;
        pad(&mut out, n);
        pos += n + o.wire_len();
        out.push(o);
    }
    pad(&mut out, (8 - pos % 8) % 8);
    out
}

/// The field map of one layer in the decode view (JSON object).
pub type Fields = serde_json::Map<String, serde_json::Value>;

/// Inserts a value into a field map.
#[inline]
pub(crate) fn put(f: &mut Fields, k: &str, v: impl Into<serde_json::Value>) {
    f.insert(k.to_string(), v.into());
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn hex_round_trip() {
        assert_eq!(to_hex(&[0, 0xab, 0x10]), "00ab10");
        assert_eq!(from_hex("0x00 ab:10").unwrap(), vec![0, 0xab, 0x10]);
        assert!(from_hex("abc").is_err());
        assert!(from_hex("zz").is_err());
    }
}
