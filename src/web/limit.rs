//! A simple per-address rate limit for sign-in and password forms (one node's memory; the
//! database's per-account lockout and per-address slowdown hold across nodes).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// Form posts allowed per address per minute.
pub const SIGN_IN_PER_MINUTE: u32 = 20;

pub struct Limiter {
    per_minute: u32,
    windows: Mutex<HashMap<IpAddr, (i64, u32)>>,
}

impl Limiter {
    pub fn new(per_minute: u32) -> Limiter {
        Limiter {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt; false when the address is over its limit this minute.
    pub fn allow(&self, ip: IpAddr, now: i64) -> bool {
        let minute = now.div_euclid(60);
        let Ok(mut windows) = self.windows.lock() else {
            return true;
        };
        if windows.len() > 100_000 {
            windows.retain(|_, (m, _)| *m == minute);
        }
        let entry = windows.entry(ip).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        entry.1 += 1;
        entry.1 <= self.per_minute
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_address_and_minute() {
        let l = Limiter::new(3);
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        assert!((0..3).all(|_| l.allow(a, 120)));
        assert!(!l.allow(a, 150));
        assert!(l.allow(b, 150));
        assert!(l.allow(a, 180));
    }
}
