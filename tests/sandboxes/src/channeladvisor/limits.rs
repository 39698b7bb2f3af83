//! The platform's request limits: so many API requests in flight at once (per integration)
//! and so many in any sliding minute (per profile). A request over either is answered 429
//! with `Retry-After`; one admitted holds its place in flight until its answer is done (or
//! its client leaves). Also the figures a test reports: the most in flight and in a minute.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::refusal::Refusal;
use crate::sync::lock;

/// The span of the per-minute limit (a test may shorten it, so as not to wait a minute).
const WINDOW: Duration = Duration::from_secs(60);

/// What the limits saw since the start (or the last reset).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// The most requests admitted and in flight at once.
    pub most_in_flight: usize,
    /// The most requests admitted within any 60 s.
    pub most_per_minute: usize,
    /// API requests admitted (counted toward the limits): faulted ones are not.
    pub requests: u64,
    /// API requests the limits answered 429 (not the `too_many_requests` fault's).
    pub throttled: u64,
}

#[derive(Debug)]
pub(super) struct Limiter {
    in_flight_limit: usize,
    per_minute_limit: u32,
    /// The span the per-minute limit counts: a minute, unless a test shortened it.
    window: Duration,
    in_flight: usize,
    /// When each request admitted within the last minute arrived, oldest first.
    admitted: VecDeque<Instant>,
    stats: Stats,
}

pub(super) type SharedLimiter = Arc<Mutex<Limiter>>;

/// An admitted request's place in flight, given back when dropped: a handler that ends, or
/// whose client hangs up mid-way, frees it alike.
pub(super) struct InFlight(SharedLimiter);

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut limiter = lock(&self.0);
        limiter.in_flight = limiter.in_flight.saturating_sub(1);
    }
}

impl Limiter {
    pub(super) fn new(in_flight_limit: usize, per_minute_limit: u32) -> Self {
        Self {
            in_flight_limit,
            per_minute_limit,
            window: WINDOW,
            in_flight: 0,
            admitted: VecDeque::new(),
            stats: Stats::default(),
        }
    }

    pub(super) fn set_limits(&mut self, in_flight_limit: usize, per_minute_limit: u32) {
        self.in_flight_limit = in_flight_limit;
        self.per_minute_limit = per_minute_limit;
    }

    /// Counts the per-minute limit over `window` instead of a minute.
    pub(super) fn set_window(&mut self, window: Duration) {
        self.window = window;
    }

    /// New limits and figures; requests in flight stay counted until they end.
    pub(super) fn reset(&mut self, in_flight_limit: usize, per_minute_limit: u32) {
        let in_flight = self.in_flight;
        *self = Self::new(in_flight_limit, per_minute_limit);
        self.in_flight = in_flight;
    }

    /// (in flight, per minute).
    pub(super) fn limits(&self) -> (usize, u32) {
        (self.in_flight_limit, self.per_minute_limit)
    }

    pub(super) fn stats(&self) -> Stats {
        self.stats
    }

    /// Admits a request arriving `now`, or says why not.
    fn admit_at(&mut self, now: Instant) -> Result<(), Refusal> {
        if self.in_flight >= self.in_flight_limit {
            self.stats.throttled += 1;
            return Err(Refusal::TooManyRequests {
                message: "Too many concurrent requests.".to_owned(),
                retry_after: 1,
            });
        }
        while self
            .admitted
            .front()
            .is_some_and(|arrived| now.saturating_duration_since(*arrived) >= self.window)
        {
            self.admitted.pop_front();
        }
        if self.admitted.len() >= self.per_minute_limit as usize {
            self.stats.throttled += 1;
            // The oldest request in the window leaves it first, freeing a slot.
            let wait = self.admitted.front().map_or(self.window, |oldest| {
                (*oldest + self.window).saturating_duration_since(now)
            });
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return Err(Refusal::TooManyRequests {
                message: format!(
                    "Too many requests: more than {} in a minute.",
                    self.per_minute_limit
                ),
                retry_after: seconds.max(1),
            });
        }
        self.admitted.push_back(now);
        self.in_flight += 1;
        self.stats.requests += 1;
        self.stats.most_in_flight = self.stats.most_in_flight.max(self.in_flight);
        self.stats.most_per_minute = self.stats.most_per_minute.max(self.admitted.len());
        Ok(())
    }
}

/// Admits a request arriving now; it stays in flight while the returned guard lives.
pub(super) fn admit(limiter: &SharedLimiter) -> Result<InFlight, Refusal> {
    lock(limiter).admit_at(Instant::now())?;
    Ok(InFlight(Arc::clone(limiter)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retry_after(refusal: Result<(), Refusal>) -> u64 {
        match refusal {
            Err(Refusal::TooManyRequests { retry_after, .. }) => retry_after,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_minute_slides() {
        let mut limiter = Limiter::new(100, 3);
        let start = Instant::now();
        for second in [0, 10, 20] {
            limiter
                .admit_at(start + Duration::from_secs(second))
                .unwrap();
        }
        let at = |seconds: f64| start + Duration::from_secs_f64(seconds);
        assert_eq!(retry_after(limiter.admit_at(at(30.0))), 30);
        assert_eq!(retry_after(limiter.admit_at(at(59.5))), 1);
        limiter.admit_at(at(60.0)).unwrap();
        assert_eq!(retry_after(limiter.admit_at(at(61.0))), 9);
        limiter.admit_at(at(200.0)).unwrap();
        let stats = limiter.stats();
        assert_eq!(stats.most_per_minute, 3);
        assert_eq!((stats.requests, stats.throttled), (5, 3));
    }

    #[test]
    fn places_in_flight_are_held_until_dropped() {
        let limiter: SharedLimiter = Arc::new(Mutex::new(Limiter::new(2, 100)));
        let first = admit(&limiter).unwrap();
        let second = admit(&limiter).unwrap();
        assert!(matches!(
            admit(&limiter).err(),
            Some(Refusal::TooManyRequests { retry_after: 1, .. })
        ));
        drop(first);
        let third = admit(&limiter).unwrap();
        lock(&limiter).reset(2, 100);
        assert!(admit(&limiter).is_err(), "a reset keeps what is in flight");
        drop((second, third));
        assert_eq!(lock(&limiter).stats().most_in_flight, 0);
        let _fourth = admit(&limiter).unwrap();
        assert_eq!(lock(&limiter).stats().most_in_flight, 1);
    }
}
