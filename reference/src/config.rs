//! Protocol constants (RFC 6275 §12, §13; RFC 4861 §10) and interface configuration.
//!
//! Every duration a node waits on is taken from [`Timers`] through [`Timers::scaled`], so a
//! test can run a node with all of its timers shrunk by a common factor.

use mip6_packets::MacAddr;
use serde::{Deserialize, Serialize};
use std::net::Ipv6Addr;
use std::time::Duration;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// Protocol timers and limits. Defaults are the RFC values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Timers {
    /// Multiplies every duration below (1.0 = RFC values).
    pub time_scale: f64,
    /// How long a CN accepts a nonce index after issuing it (RFC 6275 §12: 240 s).
    #[serde(with = "secs_f64")]
    pub max_nonce_lifetime: Duration,
    /// How long a keygen token may be used (RFC 6275 §12: 210 s).
    #[serde(with = "secs_f64")]
    pub max_token_lifetime: Duration,
    /// Upper bound of a binding created with return routability (RFC 6275 §12: 420 s).
    #[serde(with = "secs_f64")]
    pub max_rr_binding_lifetime: Duration,
    /// How often a CN starts a new nonce (RFC 6275 §5.2.2 leaves it to the CN; UMIP: 30 s).
    #[serde(with = "secs_f64")]
    pub nonce_regeneration: Duration,
    /// How long an HA keeps a de-registered entry to answer late BUs (RFC 6275 §12: 10 s).
    #[serde(with = "secs_f64")]
    pub max_delete_bce_timeout: Duration,
    /// ND RetransTimer (RFC 4861 §10: 1 s).
    #[serde(with = "secs_f64")]
    pub retrans_timer: Duration,
    /// DupAddrDetectTransmits (RFC 4862 §5.1: 1).
    pub dup_addr_detect_transmits: u32,
    /// MAX_MULTICAST_SOLICIT (RFC 4861 §10: 3).
    pub max_multicast_solicit: u32,
    /// A CN sends a Binding Refresh Request when an entry in use has less than this left
    /// (RFC 6275 §9.5.5 leaves the threshold open; UMIP uses 60 s).
    #[serde(with = "secs_f64")]
    pub brr_lead_time: Duration,
    /// ICMPv6 / Binding Error rate limit (RFC 4443 §2.4 (f), RFC 6275 §9.3.3): burst size.
    pub error_burst: u32,
    /// Tokens added per second to the error bucket.
    pub error_rate_per_sec: u32,
}

impl Default for Timers {
    fn default() -> Self {
        Timers {
            time_scale: 1.0,
            max_nonce_lifetime: secs(240),
            max_token_lifetime: secs(210),
            max_rr_binding_lifetime: secs(420),
            nonce_regeneration: secs(30),
            max_delete_bce_timeout: secs(10),
            retrans_timer: secs(1),
            dup_addr_detect_transmits: 1,
            max_multicast_solicit: 3,
            brr_lead_time: secs(60),
            error_burst: 50,
            error_rate_per_sec: 10,
        }
    }
}

impl Timers {
    /// `d` multiplied by the time scale.
    pub fn scaled(&self, d: Duration) -> Duration {
        if self.time_scale == 1.0 {
            d
        } else {
            d.mul_f64(self.time_scale.max(0.0))
        }
    }
}

/// An address assigned to an interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IfAddr {
    pub addr: Ipv6Addr,
    /// On-link prefix length (64 for the usual subnet).
    #[serde(default = "default_prefix_len")]
    pub prefix_len: u8,
}

fn default_prefix_len() -> u8 {
    64
}

/// A prefix advertised or served on an interface, with its lifetimes (RFC 4861 §4.6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrefixConfig {
    pub prefix: Ipv6Addr,
    #[serde(default = "default_prefix_len")]
    pub prefix_len: u8,
    /// Seconds; u32::MAX = infinity.
    #[serde(default = "infinite")]
    pub valid_lifetime: u32,
    #[serde(default = "infinite")]
    pub preferred_lifetime: u32,
}

fn infinite() -> u32 {
    u32::MAX
}

impl PrefixConfig {
    pub fn contains(&self, a: &Ipv6Addr) -> bool {
        prefix_match(&self.prefix, a, self.prefix_len)
    }
}

/// Whether the first `len` bits of `a` and `b` agree.
pub fn prefix_match(a: &Ipv6Addr, b: &Ipv6Addr, len: u8) -> bool {
    let (a, b) = (u128::from(*a), u128::from(*b));
    let len = u32::from(len.min(128));
    if len == 0 {
        return true;
    }
    let mask = u128::MAX << (128 - len);
    a & mask == b & mask
}

/// One interface of a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IfaceConfig {
    pub name: String,
    pub mac: MacAddr,
    /// Addresses of the node on this link. A link-local address derived from the MAC
    /// (modified EUI-64) is added when none is given.
    #[serde(default)]
    pub addrs: Vec<IfAddr>,
    /// Where packets for off-link destinations go.
    #[serde(default)]
    pub default_router: Option<Ipv6Addr>,
}

impl IfaceConfig {
    /// The modified EUI-64 link-local address of this interface's MAC (RFC 4291 §2.5.1).
    pub fn eui64_link_local(&self) -> Ipv6Addr {
        let m = self.mac.0;
        Ipv6Addr::from([
            0xfe,
            0x80,
            0,
            0,
            0,
            0,
            0,
            0,
            m[0] ^ 2,
            m[1],
            m[2],
            0xff,
            0xfe,
            m[3],
            m[4],
            m[5],
        ])
    }
}

/// serde adapter: a `Duration` as (fractional) seconds.
pub mod secs_f64 {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let v = f64::deserialize(d)?;
        if !v.is_finite() || v < 0.0 {
            return Err(serde::de::Error::custom(format!(
                "a duration must be a non-negative number of seconds, got {v}"
            )));
        }
        Ok(Duration::from_secs_f64(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        let a: Ipv6Addr = "2001:db8:1::100".parse().unwrap();
        assert!(prefix_match(&a, &"2001:db8:1::".parse().unwrap(), 64));
        assert!(!prefix_match(&a, &"2001:db8:2::".parse().unwrap(), 64));
        assert!(prefix_match(&a, &"::".parse().unwrap(), 0));
        assert!(prefix_match(&a, &a, 128));
    }

    #[test]
    fn eui64() {
        let i = IfaceConfig {
            name: "x".into(),
            mac: MacAddr([0x00, 0x11, 0x22, 0x33, 0x44, 0x55]),
            addrs: vec![],
            default_router: None,
        };
        assert_eq!(
            i.eui64_link_local(),
            "fe80::211:22ff:fe33:4455".parse::<Ipv6Addr>().unwrap()
        );
    }

    #[test]
    fn scaling() {
        let t = Timers {
            time_scale: 0.01,
            ..Timers::default()
        };
        assert_eq!(t.scaled(secs(240)), Duration::from_millis(2400));
    }
}
