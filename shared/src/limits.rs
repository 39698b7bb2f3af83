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

impl LimitScope {
    /// The key of `account`'s allowance under this scope.
    fn key(self, account: &str) -> &str {
        match self {
            Self::Account => account,
            Self::Integration => "",
        }
    }
}

/// What a platform allows; `None` is no stated limit. The two limits may count different
/// things: ChannelAdvisor allows 5 requests in flight per integration and 2,000 a minute per
/// account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimits {
    pub in_flight: Option<usize>,
    pub in_flight_scope: LimitScope,
    /// The default; an account may state its own ([`Limiter::set_per_minute`]).
    pub per_minute: Option<u32>,
    pub per_minute_scope: LimitScope,
}

impl RequestLimits {
    /// No limit stated (the platform's 429s still slow a copy down).
    pub const NONE: RequestLimits = RequestLimits {
        in_flight: None,
        in_flight_scope: LimitScope::Account,
        per_minute: None,
        per_minute_scope: LimitScope::Account,
    };

    /// One copy's share when `copies` copies run at once: each limit divided, at least 1.
    pub fn per_copy(self, copies: u32) -> RequestLimits {
        RequestLimits {
            in_flight: self.in_flight.map(|n| (n / copies.max(1) as usize).max(1)),
            per_minute: self.per_minute.map(|n| share(n, copies)),
            ..self
        }
    }
}

/// One copy's share of a per-minute limit, at least 1.
fn share(per_minute: u32, copies: u32) -> u32 {
    (per_minute / copies.max(1)).max(1)
}

/// The time between two starts under a per-minute limit.
fn spacing(per_minute: u32) -> Duration {
    Duration::from_secs(60) / per_minute.max(1)
}

/// When the next request of one allowance may start.
#[derive(Debug)]
struct Schedule {
    /// The time between starts (the per-minute limit), if any.
    spacing: Option<Duration>,
    /// The earliest start of the next request.
    next_start: Instant,
    /// No request starts before this (after a "slow down").
    paused_until: Instant,
}

type Pace = Arc<tokio::sync::Mutex<Schedule>>;

/// Held while a request is in flight.
#[derive(Debug)]
pub struct Permit {
    _in_flight: Option<OwnedSemaphorePermit>,
}

/// One copy's limiter for one platform, shared by all its uploads.
#[derive(Debug)]
pub struct Limiter {
    limits: RequestLimits,
    copies: u32,
    /// In-flight slots per allowance of the in-flight scope.
    slots: Mutex<HashMap<String, Arc<Semaphore>>>,
    /// Start schedules per allowance of the per-minute scope.
    paces: Mutex<HashMap<String, Pace>>,
}

impl Limiter {
    /// The limiter of one of `copies` copies of a platform with `limits`.
    pub fn new(limits: RequestLimits, copies: u32) -> Self {
        Self {
            limits: limits.per_copy(copies),
            copies,
            slots: Mutex::new(HashMap::new()),
            paces: Mutex::new(HashMap::new()),
        }
    }

    fn slots(&self, account: &str) -> Option<Arc<Semaphore>> {
        let n = self.limits.in_flight?;
        let key = self.limits.in_flight_scope.key(account);
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        Some(Arc::clone(
            slots
                .entry(key.to_owned())
                .or_insert_with(|| Arc::new(Semaphore::new(n))),
        ))
    }

    fn pace(&self, account: &str) -> Pace {
        let key = self.limits.per_minute_scope.key(account);
        let mut paces = self.paces.lock().unwrap_or_else(|e| e.into_inner());
        let pace = paces.entry(key.to_owned()).or_insert_with(|| {
            let now = Instant::now();
            Arc::new(tokio::sync::Mutex::new(Schedule {
                spacing: self.limits.per_minute.map(spacing),
                next_start: now,
                paused_until: now,
            }))
        });
        Arc::clone(pace)
    }

    /// `account`'s own per-minute limit (all copies together; this copy keeps its share), e.g.
    /// from its secret. Cheap when unchanged: platforms call it before each upload.
    pub async fn set_per_minute(&self, account: &str, per_minute: u32) {
        let wanted = Some(spacing(share(per_minute, self.copies)));
        let pace = self.pace(account);
        let mut schedule = pace.lock().await;
        schedule.spacing = wanted;
    }

    /// Waits until a request for `account` may start: a slot in flight, its turn under the
    /// per-minute limit, and the end of any pause.
    pub async fn acquire(&self, account: &str) -> Permit {
        let in_flight = match self.slots(account) {
            // The semaphore is never closed, so acquiring cannot fail.
            Some(slots) => slots.acquire_owned().await.ok(),
            None => None,
        };
        let start = {
            let pace = self.pace(account);
            let mut schedule = pace.lock().await;
            let start = Instant::now()
                .max(schedule.next_start)
                .max(schedule.paused_until);
            if let Some(spacing) = schedule.spacing {
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
        let pace = self.pace(account);
        let mut schedule = pace.lock().await;
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
            in_flight_scope: LimitScope::Integration,
            per_minute: Some(2000),
            per_minute_scope: LimitScope::Account,
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
            in_flight_scope: LimitScope::Integration,
            ..RequestLimits::NONE
        };
        let limiter = Arc::new(Limiter::new(limits, 2));
        assert_eq!(most_in_flight(limiter, &["a", "b"], 20).await, 3);

        let per_account = RequestLimits {
            in_flight_scope: LimitScope::Account,
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
            per_minute: Some(120),
            ..RequestLimits::NONE
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
    async fn an_account_may_state_its_own_per_minute_limit_shared_by_the_copies() {
        let limits = RequestLimits {
            per_minute: Some(60_000),
            ..RequestLimits::NONE
        };
        // One of two copies; the account allows 120 a minute: this copy starts one a second.
        let limiter = Limiter::new(limits, 2);
        limiter.set_per_minute("a", 120).await;
        let began = Instant::now();
        for _ in 0..3 {
            drop(limiter.acquire("a").await);
        }
        assert_eq!(began.elapsed(), Duration::from_secs(2));
        let other = Instant::now();
        drop(limiter.acquire("b").await);
        drop(limiter.acquire("b").await);
        assert!(
            other.elapsed() < Duration::from_millis(10),
            "b keeps the default"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn in_flight_and_per_minute_limits_may_count_different_things() {
        // 4 in flight for the integration, and a per-minute limit per account.
        let limits = RequestLimits {
            in_flight: Some(4),
            in_flight_scope: LimitScope::Integration,
            per_minute: Some(60_000),
            per_minute_scope: LimitScope::Account,
        };
        let limiter = Arc::new(Limiter::new(limits, 1));
        assert_eq!(most_in_flight(limiter, &["a", "b", "c"], 30).await, 4);
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
