//! Request limits a platform declares (requests in flight, requests per minute, per account or
//! for the whole integration), enforced per copy of the function.
//!
//! Every copy of a function (Lambda runs several at once, up to the event source's maximum
//! concurrency) enforces its share: the platform's limit divided by the number of copies, at
//! least one, so that all copies together stay within what the platform allows without talking
//! to each other. A "slow down" answer (429, or its equivalent in a body) pauses the copy's
//! requests to that account (or integration) for the wait the platform asked for.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Whom a limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitScope {
    /// Each account (profile, shop) has its own allowance.
    Account,
    /// One allowance for all accounts the integration serves.
    Integration,
}

/// What a platform allows; `None` is no stated limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimits {
    pub in_flight: Option<usize>,
    pub per_minute: Option<u32>,
    pub scope: LimitScope,
}

impl RequestLimits {
    /// No limit stated (the platform's 429s still slow a copy down).
    pub const NONE: RequestLimits = RequestLimits {
        in_flight: None,
        per_minute: None,
        scope: LimitScope::Account,
    };

    /// One copy's share when `copies` copies run at once: each limit divided, at least 1.
    pub fn per_copy(self, copies: u32) -> RequestLimits {
        let copies = copies.max(1);
        RequestLimits {
            in_flight: self.in_flight.map(|n| (n / copies as usize).max(1)),
            per_minute: self.per_minute.map(|n| (n / copies).max(1)),
            scope: self.scope,
        }
    }
}

/// One account's (or the integration's) gate.
#[derive(Debug)]
struct Gate {
    in_flight: Option<Arc<Semaphore>>,
    schedule: tokio::sync::Mutex<Schedule>,
}

#[derive(Debug)]
struct Schedule {
    /// The earliest start of the next request (spacing for the per-minute limit).
    next_start: Instant,
    /// No request starts before this (after a "slow down").
    paused_until: Instant,
}

/// Held while a request is in flight.
#[derive(Debug)]
pub struct Permit {
    _in_flight: Option<OwnedSemaphorePermit>,
}

/// One copy's limiter for one platform, shared by all its uploads.
#[derive(Debug)]
pub struct Limiter {
    limits: RequestLimits,
    spacing: Option<Duration>,
    gates: Mutex<HashMap<String, Arc<Gate>>>,
}

impl Limiter {
    /// The limiter of one of `copies` copies of a platform with `limits`.
    pub fn new(limits: RequestLimits, copies: u32) -> Self {
        let limits = limits.per_copy(copies);
        Self {
            limits,
            spacing: limits
                .per_minute
                .map(|n| Duration::from_secs(60) / n.max(1)),
            gates: Mutex::new(HashMap::new()),
        }
    }

    fn gate(&self, account: &str) -> Arc<Gate> {
        let key = match self.limits.scope {
            LimitScope::Account => account,
            LimitScope::Integration => "",
        };
        let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        let gate = gates.entry(key.to_owned()).or_insert_with(|| {
            let now = Instant::now();
            Arc::new(Gate {
                in_flight: self.limits.in_flight.map(|n| Arc::new(Semaphore::new(n))),
                schedule: tokio::sync::Mutex::new(Schedule {
                    next_start: now,
                    paused_until: now,
                }),
            })
        });
        Arc::clone(gate)
    }

    /// Waits until a request for `account` may start: a slot in flight, its turn under the
    /// per-minute limit, and the end of any pause.
    pub async fn acquire(&self, account: &str) -> Permit {
        let gate = self.gate(account);
        let in_flight = match &gate.in_flight {
            // The semaphore is never closed, so acquiring cannot fail.
            Some(slots) => Arc::clone(slots).acquire_owned().await.ok(),
            None => None,
        };
        let start = {
            let mut schedule = gate.schedule.lock().await;
            let start = Instant::now()
                .max(schedule.next_start)
                .max(schedule.paused_until);
            if let Some(spacing) = self.spacing {
                schedule.next_start = start + spacing;
            }
            start
        };
        tokio::time::sleep_until(start).await;
        Permit {
            _in_flight: in_flight,
        }
    }

    /// Pauses the starts of `account`'s requests for `wait` (the platform said "slow down").
    pub async fn slow_down(&self, account: &str, wait: Duration) {
        let gate = self.gate(account);
        let mut schedule = gate.schedule.lock().await;
        schedule.paused_until = schedule.paused_until.max(Instant::now() + wait);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn copies_share_a_limit_and_each_keeps_at_least_one() {
        let limits = RequestLimits {
            in_flight: Some(5),
            per_minute: Some(2000),
            scope: LimitScope::Integration,
        };
        let share = limits.per_copy(4);
        assert_eq!(share.in_flight, Some(1));
        assert_eq!(share.per_minute, Some(500));
        assert_eq!(limits.per_copy(10).in_flight, Some(1), "never zero");
        assert_eq!(limits.per_copy(0), limits, "no copies count as one");
    }

    /// Runs `tasks` requests of 100 ms through the limiter; returns the most in flight at once.
    async fn most_in_flight(
        limiter: Arc<Limiter>,
        accounts: &[&'static str],
        tasks: usize,
    ) -> usize {
        let now = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let runs = (0..tasks).map(|i| {
            let (limiter, now, most) = (Arc::clone(&limiter), Arc::clone(&now), Arc::clone(&most));
            let account = accounts[i % accounts.len()];
            tokio::spawn(async move {
                let _permit = limiter.acquire(account).await;
                let current = now.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(current, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(100)).await;
                now.fetch_sub(1, Ordering::SeqCst);
            })
        });
        for run in runs.collect::<Vec<_>>() {
            run.await.unwrap();
        }
        most.load(Ordering::SeqCst)
    }

    #[tokio::test(start_paused = true)]
    async fn requests_in_flight_stay_within_the_copys_share() {
        let limits = RequestLimits {
            in_flight: Some(6),
            per_minute: None,
            scope: LimitScope::Integration,
        };
        let limiter = Arc::new(Limiter::new(limits, 2));
        assert_eq!(most_in_flight(limiter, &["a", "b"], 20).await, 3);

        let per_account = RequestLimits {
            scope: LimitScope::Account,
            ..limits
        };
        let limiter = Arc::new(Limiter::new(per_account, 2));
        assert_eq!(
            most_in_flight(limiter, &["a", "b"], 20).await,
            6,
            "each account has its own 3"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_per_minute_limit_spaces_the_starts() {
        let limits = RequestLimits {
            in_flight: None,
            per_minute: Some(120),
            scope: LimitScope::Account,
        };
        let limiter = Limiter::new(limits, 1);
        let began = Instant::now();
        for _ in 0..5 {
            drop(limiter.acquire("a").await);
        }
        // Starts at 0, 0.5, 1.0, 1.5 and 2.0 s: 120 a minute.
        assert_eq!(began.elapsed(), Duration::from_secs(2));
        let other = Instant::now();
        drop(limiter.acquire("b").await);
        assert_eq!(
            other.elapsed(),
            Duration::ZERO,
            "another account is not held up"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn slow_down_pauses_the_accounts_next_requests() {
        let limiter = Limiter::new(RequestLimits::NONE, 1);
        limiter.slow_down("a", Duration::from_secs(7)).await;
        let began = Instant::now();
        drop(limiter.acquire("a").await);
        assert_eq!(began.elapsed(), Duration::from_secs(7));
        drop(limiter.acquire("b").await);
        assert_eq!(
            began.elapsed(),
            Duration::from_secs(7),
            "b waited for nothing"
        );
    }
}
