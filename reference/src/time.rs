//! Virtual time. An [`Instant`] is a duration since an epoch chosen by whoever drives the node
//! (the simulation's start, or the live driver's start), so nodes never read a clock.

use std::ops::{Add, Sub};
use std::time::Duration;

/// A point in time, as a duration since the driver's epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(pub Duration);

impl Instant {
    pub const ZERO: Instant = Instant(Duration::ZERO);

    pub fn from_secs_f64(s: f64) -> Self {
        Instant(Duration::from_secs_f64(s))
    }

    /// Time since `earlier`, or zero if `earlier` is later.
    pub fn saturating_since(self, earlier: Instant) -> Duration {
        self.0.saturating_sub(earlier.0)
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0.as_secs_f64()
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(self.0 + d)
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;
    fn sub(self, d: Duration) -> Instant {
        Instant(self.0.saturating_sub(d))
    }
}

impl std::fmt::Display for Instant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.6}s", self.0.as_secs_f64())
    }
}
