//! A ChannelAdvisor sandbox: an HTTP server that speaks ChannelAdvisor's REST API v1 (OData
//! v3 style) behind its OAuth2 token endpoint, holds orders under the platform's rules,
//! enforces its request limits (5 in flight, 2,000 a minute), and can be told to misbehave.
//!
//! Tokens: `POST /oauth2/token`, the `refresh_token` grant with the application as HTTP Basic
//! client. The API (each call needs a live token as `?access_token=` or
//! `Authorization: Bearer`): `POST /v1/Orders(id)/Ship`, `POST` and `DELETE
//! /v1/Orders(id)/Export`, `POST /v1/Orders(id)/Adjust`, `POST /v1/OrderItems(id)/Adjust`.
//! Besides, JSON control endpoints under `/_sandbox/`: `GET calls`, `orders`, `stats`, and
//! `POST orders`, `faults`, `limits`, `reset`.

mod adjust;
mod calls;
mod config;
mod control;
mod faults;
mod fields;
mod gate;
mod ledger;
mod limits;
mod orders;
mod refusal;
mod resource;
mod routes;
mod ship;

#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

use crate::oauth2::TokenEndpoint;
use crate::server::Server;
use crate::sync::lock as lock_limits;
pub use calls::ReceivedCall;
pub use config::{ChannelAdvisorConfig, IN_FLIGHT_LIMIT, PER_MINUTE_LIMIT};
pub use faults::{Fault, FaultKind};
use ledger::{Ledger, SharedLedger, lock};
pub use limits::Stats;
use limits::{Limiter, SharedLimiter};
pub use orders::{Adjustment, Fulfillment, Order, OrderItem};

/// Where clients get their tokens, below the base URL.
pub const TOKEN_PATH: &str = "/oauth2/token";

/// What the routes share: the ledger, the request limits, and the token endpoint whose
/// tokens they accept.
#[derive(Clone)]
struct AppState {
    ledger: SharedLedger,
    limits: SharedLimiter,
    tokens: TokenEndpoint,
}

impl AppState {
    /// Adds or replaces each of `orders`; all or nothing.
    fn add_orders(&self, orders: Vec<Order>) -> Result<(), String> {
        let mut ledger = lock(&self.ledger);
        // Tried on a copy, so that a refusal of the last order leaves the first ones out too.
        let mut trial = ledger.orders.clone();
        for order in orders {
            trial.put(order)?;
        }
        ledger.orders = trial;
        Ok(())
    }

    fn stats(&self) -> Stats {
        lock_limits(&self.limits).stats()
    }

    fn limits(&self) -> (usize, u32) {
        lock_limits(&self.limits).limits()
    }

    fn set_limits(&self, in_flight: usize, per_minute: u32) {
        lock_limits(&self.limits).set_limits(in_flight, per_minute);
    }

    /// No orders, calls, faults or figures; the configured limits; the token endpoint back to
    /// the configured secret, refresh token and lifetime, without delay (access tokens already
    /// issued stay live).
    fn reset(&self) {
        let mut ledger = lock(&self.ledger);
        ledger.reset();
        let config = &ledger.config;
        lock_limits(&self.limits).reset(config.in_flight_limit, config.per_minute_limit);
        self.tokens.set_client_secret(&config.shared_secret);
        self.tokens.set_refresh_token(Some(&config.refresh_token));
        self.tokens.set_lifetime(config.token_lifetime);
        self.tokens.set_delay(Duration::ZERO);
    }
}

/// A running sandbox. It stops when dropped; [`ChannelAdvisorSandbox::stop`] lets requests
/// finish first.
pub struct ChannelAdvisorSandbox {
    app: AppState,
    server: Server,
}

impl ChannelAdvisorSandbox {
    /// Starts on a free port.
    pub async fn start(config: ChannelAdvisorConfig) -> anyhow::Result<Self> {
        Self::start_on(config, 0).await
    }

    /// Starts on 127.0.0.1:`port` (0 picks a free one).
    pub async fn start_on(config: ChannelAdvisorConfig, port: u16) -> anyhow::Result<Self> {
        let tokens = TokenEndpoint::new(
            &config.application_id,
            &config.shared_secret,
            config.token_lifetime,
        )
        .with_refresh_token(&config.refresh_token);
        let limiter = Limiter::new(config.in_flight_limit, config.per_minute_limit);
        let app = AppState {
            ledger: Arc::new(Mutex::new(Ledger::new(config))),
            limits: Arc::new(Mutex::new(limiter)),
            tokens,
        };
        let server = Server::start(router(app.clone()), port).await?;
        Ok(Self { app, server })
    }

    /// `http://127.0.0.1:PORT`; the API is at `/v1/…` below it.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// Where clients get their tokens: `base_url` + `/oauth2/token`.
    pub fn token_url(&self) -> String {
        format!("{}{TOKEN_PATH}", self.base_url())
    }

    /// The token endpoint, to count token requests, revoke access tokens, revoke the refresh
    /// token (`set_refresh_token(None)`), slow it down or rotate the shared secret.
    pub fn tokens(&self) -> &TokenEndpoint {
        &self.app.tokens
    }

    /// Adds `order`, or replaces the one with its id.
    ///
    /// # Panics
    /// When the order does not check (an unknown shipping status, an item shipped beyond its
    /// quantity) or one of its item ids is another order's: a mistake in the test.
    pub fn add_order(&self, order: Order) {
        self.app
            .add_orders(vec![order])
            .unwrap_or_else(|problem| panic!("{problem}"));
    }

    /// Adds or replaces each of `orders`, all or nothing: refused (naming the problem) as
    /// `add_order` panics, for orders read from a file.
    pub fn add_orders(&self, orders: Vec<Order>) -> Result<(), String> {
        self.app.add_orders(orders)
    }

    pub fn order(&self, id: u64) -> Option<Order> {
        lock(&self.app.ledger).orders.get(id).cloned()
    }

    /// Every order, by id.
    pub fn orders(&self) -> Vec<Order> {
        lock(&self.app.ledger).orders.all()
    }

    /// Every API call (token requests are not), in arrival order, refused, throttled and
    /// faulted ones included, with the status answered.
    pub fn calls(&self) -> Vec<ReceivedCall> {
        lock(&self.app.ledger).calls.all()
    }

    /// The most API requests admitted and in flight at once.
    pub fn most_in_flight(&self) -> usize {
        self.app.stats().most_in_flight
    }

    /// The most API requests admitted within any 60 s.
    pub fn most_per_minute(&self) -> usize {
        self.app.stats().most_per_minute
    }

    /// All the figures of the limits, as `GET /_sandbox/stats` shows them.
    pub fn stats(&self) -> Stats {
        self.app.stats()
    }

    /// Changes the limits from the next request on (`reset` restores the configured ones).
    pub fn set_limits(&self, in_flight: usize, per_minute: u32) {
        self.app.set_limits(in_flight, per_minute);
    }

    /// Counts the per-minute limit over `window` instead of a minute, so that a test of its
    /// 429s need not wait a minute (`Retry-After` then counts in that window too). Until reset.
    pub fn set_limit_window(&self, window: Duration) {
        lock_limits(&self.app.limits).set_window(window);
    }

    /// Queues `fault` for the next `fault.times` API calls.
    pub fn inject(&self, fault: Fault) {
        lock(&self.app.ledger).faults.push(fault);
    }

    /// Drops the faults still queued.
    pub fn clear_faults(&self) {
        lock(&self.app.ledger).faults.clear();
    }

    /// Back to how it started: no orders, calls, faults or figures, the configured limits,
    /// the token endpoint with the configured secret and refresh token.
    pub fn reset(&self) {
        self.app.reset();
    }

    pub async fn stop(self) {
        self.server.stop().await;
    }
}

impl crate::harness::Running for ChannelAdvisorSandbox {
    fn base_url(&self) -> String {
        ChannelAdvisorSandbox::base_url(self)
    }

    async fn stop(self) {
        ChannelAdvisorSandbox::stop(self).await;
    }
}

fn router(app: AppState) -> Router {
    // Every path that is not a token or control endpoint is an API call, recorded, limited
    // and checked like the others; the route reads the OData path itself.
    let api = Router::new()
        .fallback(routes::dispatch)
        .layer(from_fn_with_state(app.clone(), gate::gate));
    let control = Router::new()
        .route("/_sandbox/calls", get(control::calls))
        .route(
            "/_sandbox/orders",
            get(control::orders).post(control::add_orders),
        )
        .route("/_sandbox/stats", get(control::stats))
        .route("/_sandbox/faults", post(control::faults))
        .route("/_sandbox/limits", post(control::limits))
        .route("/_sandbox/reset", post(control::reset));
    let tokens = app.tokens.router_at(TOKEN_PATH);
    api.merge(control).with_state(app).merge(tokens)
}
