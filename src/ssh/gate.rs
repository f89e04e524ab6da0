//! Admission of SSH connections that have not signed in yet: a cap on how many may wait at once,
//! in all and from one address, so idle or stalled clients cannot use up the process's file
//! descriptors (which the web site shares).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::config::Settings;

/// How long and how many connections may wait to sign in; see `config.rs` for each setting.
#[derive(Debug, Clone)]
pub struct Limits {
    pub login_grace: Duration,
    pub max_unauthenticated: usize,
    pub max_unauthenticated_per_address: usize,
    pub inactivity_timeout: Duration,
}

impl Limits {
    pub fn from_settings(s: &Settings) -> Limits {
        let count = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        Limits {
            login_grace: Duration::from_secs(s.ssh_login_grace_secs),
            max_unauthenticated: count(s.ssh_max_unauthenticated),
            max_unauthenticated_per_address: count(s.ssh_max_unauthenticated_per_address),
            inactivity_timeout: Duration::from_secs(s.ssh_inactivity_timeout_secs),
        }
    }
}

/// The settings' defaults.
impl Default for Limits {
    fn default() -> Self {
        Limits::from_settings(&Settings::default())
    }
}

/// Why a connection was turned away (for the log).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("等待登录的连接总数已达上限")]
    Total,
    #[error("该地址等待登录的连接已达上限")]
    Address,
}

/// Refused connections are logged at most once per `every`, with how many were refused since the
/// last line: a flood of connections must not become a flood of log lines.
pub struct RefusalLog {
    every: Duration,
    last: Option<Instant>,
    unlogged: u64,
}

impl RefusalLog {
    pub fn new(every: Duration) -> RefusalLog {
        RefusalLog {
            every,
            last: None,
            unlogged: 0,
        }
    }

    /// Counts one refusal at `now`; Some(n) when a log line is due, covering n refusals.
    pub fn note(&mut self, now: Instant) -> Option<u64> {
        self.unlogged += 1;
        let due = self
            .last
            .is_none_or(|last| now.duration_since(last) >= self.every);
        if !due {
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.unlogged))
    }
}

/// Counts the connections that have not signed in, in all and by address.
pub struct Gate {
    limits: Limits,
    waiting: Mutex<Waiting>,
}

#[derive(Default)]
struct Waiting {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

impl Gate {
    pub fn new(limits: Limits) -> Arc<Gate> {
        Arc::new(Gate {
            limits,
            waiting: Mutex::default(),
        })
    }

    /// Admits a connection from `peer`, or says which cap it would break. The slot is held until
    /// the returned [`Pending`] is dropped (signed in, or gone).
    pub fn admit(self: &Arc<Self>, peer: IpAddr) -> Result<Pending, Refused> {
        let address = counted_address(peer);
        let mut waiting = self.lock();
        if waiting.total >= self.limits.max_unauthenticated {
            return Err(Refused::Total);
        }
        let from_address = waiting.by_address.entry(address).or_default();
        if *from_address >= self.limits.max_unauthenticated_per_address {
            return Err(Refused::Address);
        }
        *from_address += 1;
        waiting.total += 1;
        Ok(Pending {
            gate: self.clone(),
            address,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Waiting> {
        // The counts stay consistent even if a holder panicked: each change is one statement.
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }

    #[cfg(test)]
    fn total(&self) -> usize {
        self.lock().total
    }
}

/// One IPv6 host usually owns a whole /64, so its addresses count as one.
fn counted_address(peer: IpAddr) -> IpAddr {
    match peer {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut s = v6.segments();
                s[4..].fill(0);
                IpAddr::V6(s.into())
            }
        },
        v4 => v4,
    }
}

/// A connection's place among those waiting to sign in.
pub struct Pending {
    gate: Arc<Gate>,
    address: IpAddr,
}

impl Drop for Pending {
    fn drop(&mut self) {
        let mut waiting = self.gate.lock();
        waiting.total = waiting.total.saturating_sub(1);
        if let Some(n) = waiting.by_address.get_mut(&self.address) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                waiting.by_address.remove(&self.address);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(total: usize, per_address: usize) -> Arc<Gate> {
        Gate::new(Limits {
            max_unauthenticated: total,
            max_unauthenticated_per_address: per_address,
            ..Limits::default()
        })
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    #[test]
    fn refusals_are_logged_once_per_interval_with_a_count() {
        let mut log = RefusalLog::new(Duration::from_secs(10));
        let t0 = Instant::now();
        assert_eq!(log.note(t0), Some(1));
        for i in 1..=500 {
            assert_eq!(log.note(t0 + Duration::from_millis(i)), None);
        }
        assert_eq!(log.note(t0 + Duration::from_secs(10)), Some(501));
        assert_eq!(log.note(t0 + Duration::from_secs(11)), None);
    }

    #[test]
    fn caps_per_address_and_in_all_and_frees_slots_on_drop() {
        let gate = gate(3, 2);
        let a1 = gate.admit(ip("10.0.0.1")).expect("first");
        let _a2 = gate.admit(ip("10.0.0.1")).expect("second");
        assert_eq!(gate.admit(ip("10.0.0.1")).err(), Some(Refused::Address));
        let _b1 = gate.admit(ip("10.0.0.2")).expect("other address");
        assert_eq!(gate.admit(ip("10.0.0.3")).err(), Some(Refused::Total));
        drop(a1);
        assert_eq!(gate.total(), 2);
        let _a3 = gate.admit(ip("10.0.0.1")).expect("a slot came free");
    }

    #[test]
    fn an_ipv6_slash_64_is_one_address() {
        let gate = gate(10, 1);
        let _a = gate.admit(ip("2001:db8:1:2::1")).expect("first");
        assert_eq!(
            gate.admit(ip("2001:db8:1:2:ffff::9")).err(),
            Some(Refused::Address)
        );
        assert!(gate.admit(ip("2001:db8:1:3::1")).is_ok());
        let _v4 = gate.admit(ip("::ffff:10.0.0.1")).expect("mapped");
        assert_eq!(gate.admit(ip("10.0.0.1")).err(), Some(Refused::Address));
    }
}
