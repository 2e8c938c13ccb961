//! RFC 3339 timestamps of results.json (`2026-11-23T10:00:00.123Z`), parsed with chrono (already
//! a dependency of quick-junit). No clock is read.

use chrono::{DateTime, FixedOffset};

/// The timestamp, `None` when it is not RFC 3339.
pub fn parse_rfc3339(s: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(s.trim()).ok()
}

/// Nanoseconds since the Unix epoch, `None` when the text is not RFC 3339 or the time is before
/// 1970 or past 2554.
pub fn epoch_ns(s: &str) -> Option<u64> {
    let t = parse_rfc3339(s)?;
    u64::try_from(t.timestamp_nanos_opt()?).ok()
}

/// `t` (RFC 3339) plus `secs` seconds, as nanoseconds since the epoch; a bad or negative offset
/// counts as 0 and the sum saturates.
pub fn epoch_ns_plus(base_ns: u64, secs: f64) -> u64 {
    let add = if secs.is_finite() && secs > 0.0 {
        let ns = secs * 1e9;
        if ns >= u64::MAX as f64 {
            u64::MAX
        } else {
            ns.round() as u64
        }
    } else {
        0
    };
    base_ns.saturating_add(add)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_utc_and_offsets() {
        assert_eq!(epoch_ns("1970-01-01T00:00:01Z"), Some(1_000_000_000));
        assert_eq!(
            epoch_ns("2026-11-23T10:00:00.123Z"),
            Some(1_795_428_000_123_000_000)
        );
        assert_eq!(
            epoch_ns("2026-11-23T11:00:00.123+01:00"),
            epoch_ns("2026-11-23T10:00:00.123Z")
        );
        assert_eq!(epoch_ns("1969-12-31T23:59:59Z"), None);
        assert_eq!(epoch_ns("yesterday"), None);
        assert_eq!(epoch_ns(""), None);
    }

    #[test]
    fn offsets_saturate() {
        assert_eq!(epoch_ns_plus(10, 1.5), 1_500_000_010);
        assert_eq!(epoch_ns_plus(10, -1.0), 10);
        assert_eq!(epoch_ns_plus(10, f64::NAN), 10);
        assert_eq!(epoch_ns_plus(u64::MAX - 1, 1e30), u64::MAX);
    }
}
