//! Binding Update sequence numbers, compared modulo 2^16 (RFC 6275 §9.5.1).

/// Whether `s` is newer than `last`: `(s - last) mod 2^16` lies in 1..=32767. A difference of
/// exactly 32768 is not newer (the RFC's window of 32768 values "less than or equal" includes it).
pub fn newer(s: u16, last: u16) -> bool {
    let d = s.wrapping_sub(last);
    (1..=32767).contains(&d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6275_example() {
        // §9.5.1: with last = 15, 0..=15 and 32783..=65535 are not newer; 16..=32782 are.
        for s in 0..=15u16 {
            assert!(!newer(s, 15), "{s}");
        }
        for s in 32783..=65535u16 {
            assert!(!newer(s, 15), "{s}");
        }
        for s in 16..=32782u16 {
            assert!(newer(s, 15), "{s}");
        }
    }

    #[test]
    fn wrap_around_and_edges() {
        assert!(newer(0, 65535));
        assert!(!newer(100, 100));
        assert!(!newer(99, 100));
        assert!(newer(100 + 32767, 100));
        assert!(!newer(100 + 32768, 100));
    }
}
