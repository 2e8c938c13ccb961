//! The Internet checksum (RFC 1071) and the IPv6 / IPv4 pseudo-headers (RFC 8200 §8.1, RFC 768).

use std::net::{Ipv4Addr, Ipv6Addr};

/// Adds `data` to a running one's-complement sum (not yet complemented). `data` is taken to
/// start at an even offset of the checksummed stream.
pub fn sum(acc: u32, data: &[u8]) -> u32 {
    // One's-complement addition is associative and commutative, so 32-bit words can be summed
    // into a wide accumulator and folded once (RFC 1071 §2).
    let mut wide = u64::from(acc);
    let mut words = data.chunks_exact(4);
    for w in &mut words {
        wide += u64::from(u32::from_be_bytes([w[0], w[1], w[2], w[3]]));
    }
    let rest = words.remainder();
    let mut pairs = rest.chunks_exact(2);
    for p in &mut pairs {
        wide += u64::from(u16::from_be_bytes([p[0], p[1]]));
    }
    if let [last] = pairs.remainder() {
        wide += u64::from(*last) << 8;
    }
    // Fold 64 -> 16 bits; the result fits a u32 accumulator for further calls.
    wide = (wide & 0xffff_ffff) + (wide >> 32);
    wide = (wide & 0xffff) + (wide >> 16);
    wide = (wide & 0xffff) + (wide >> 16);
    wide as u32
}

/// Folds a running sum to 16 bits and returns its one's complement: the value to put on the wire.
pub fn finish(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

/// Addresses of the pseudo-header used for an upper-layer checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pseudo {
    V6 { src: Ipv6Addr, dst: Ipv6Addr },
    V4 { src: Ipv4Addr, dst: Ipv4Addr },
}

impl Pseudo {
    /// Running sum of the pseudo-header for an upper-layer packet of `len` bytes with protocol `proto`.
    pub fn sum(&self, proto: u8, len: usize) -> u32 {
        match self {
            Pseudo::V6 { src, dst } => {
                let mut acc = sum(0, &src.octets());
                acc = sum(acc, &dst.octets());
                acc = sum(acc, &(len as u32).to_be_bytes());
                sum(acc, &[0, 0, 0, proto])
            }
            Pseudo::V4 { src, dst } => {
                let mut acc = sum(0, &src.octets());
                acc = sum(acc, &dst.octets());
                sum(acc, &[0, proto, (len >> 8) as u8, len as u8])
            }
        }
    }

    /// Checksum of `data` (with its checksum field already zeroed) under this pseudo-header.
    pub fn checksum(&self, proto: u8, data: &[u8]) -> u16 {
        finish(sum(self.sum(proto, data.len()), data))
    }

    /// Checksum of `data` as received, treating the two bytes at `field` as zero.
    pub fn checksum_excluding(&self, proto: u8, data: &[u8], field: usize) -> u16 {
        let mut acc = self.sum(proto, data.len());
        acc = sum(acc, &data[..field.min(data.len())]);
        if field + 2 <= data.len() {
            // Keep 16-bit alignment of the rest: the field sits on an even offset in every header we use.
            acc = sum(acc, &data[field + 2..]);
        }
        finish(acc)
    }
}

/// Plain Internet checksum of `data` (IPv4 header checksum).
pub fn internet(data: &[u8]) -> u16 {
    finish(sum(0, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2, complement 0x220d.
        assert_eq!(
            internet(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
            0x220d
        );
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(internet(&[0x12]), !0x1200);
    }

    #[test]
    fn excluding_matches_zeroed() {
        let p = Pseudo::V6 {
            src: "2001:db8::1".parse().unwrap(),
            dst: "2001:db8::2".parse().unwrap(),
        };
        let mut data = vec![
            0x3b, 1, 5, 0, 0xde, 0xad, 0, 1, 0x80, 0, 0, 0x10, 1, 2, 0, 0,
        ];
        let with_field = p.checksum_excluding(135, &data, 4);
        data[4] = 0;
        data[5] = 0;
        assert_eq!(with_field, p.checksum(135, &data));
    }
}
