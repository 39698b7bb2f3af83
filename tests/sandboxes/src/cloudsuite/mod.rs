//! A CloudSuite sandbox: an HTTP server that speaks CloudSuite's REST API (Django REST
//! Framework behind an OAuth2 token endpoint), holds orders under the platform's rules, takes
//! DESADV delivery messages (XML or JSON) and custom order statuses, answers refusals as DRF
//! does, and can be told to misbehave.
//!
//! The API (each call needs `Authorization: Bearer <token>` from `POST /oauth/token`):
//! `GET /api/order/?reference=X[&webshop=N]`, `GET` and `PATCH /api/order/{id}/`,
//! `POST /proxy/des_adv_xml/delivery/?shop=S&user=U`, `POST /proxy/v1/orderstatus/?shop=S`.
//! Besides, JSON control endpoints under `/_sandbox/`: `GET calls`, `orders`, `deliveries`,
//! `timeline/{order_id}`, and `POST orders`, `faults`, `reset`.

mod calls;
mod control;
mod deliveries;
mod desadv;
mod drf;
mod faults;
mod fields;
mod gate;
mod ledger;
mod orders;
mod patch;
mod quantity;
mod routes;
mod timeline;
mod xml;

#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

use crate::oauth2::TokenEndpoint;
use crate::server::Server;
pub use calls::ReceivedCall;
pub use deliveries::{DeliveredItem, Delivery};
pub use faults::{Fault, FaultKind};
use ledger::{Ledger, SharedLedger, lock};
pub use orders::{Order, OrderLine};
pub use timeline::TimelineEntry;

/// The account as CloudSuite is configured for it.
#[derive(Clone)]
pub struct CloudSuiteConfig {
    /// The OAuth2 client (CloudSuite's "supplied username").
    pub client_id: String,
    /// The OAuth2 client secret ("supplied password").
    pub client_secret: String,
    /// How long an issued access token stays live.
    pub token_lifetime: Duration,
    /// The `shop` every proxy call must name.
    pub shop: String,
    /// The `user` a DESADV call must name.
    pub user: String,
}

impl Default for CloudSuiteConfig {
    fn default() -> Self {
        Self {
            client_id: "sandbox-client".to_owned(),
            client_secret: "sandbox-client-secret".to_owned(),
            token_lifetime: Duration::from_secs(300),
            // The documented example: `?shop=1&user=10`.
            shop: "1".to_owned(),
            user: "10".to_owned(),
        }
    }
}

impl fmt::Debug for CloudSuiteConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CloudSuiteConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("token_lifetime", &self.token_lifetime)
            .field("shop", &self.shop)
            .field("user", &self.user)
            .finish()
    }
}

/// What the routes share: the ledger, and the token endpoint whose tokens they accept.
#[derive(Clone)]
struct AppState {
    ledger: SharedLedger,
    tokens: TokenEndpoint,
}

impl AppState {
    /// No orders, calls, deliveries, statuses or faults; the token endpoint back to the
    /// configured secret and no delay (tokens already issued stay live).
    fn reset(&self) {
        let mut ledger = lock(&self.ledger);
        ledger.reset();
        self.tokens.set_client_secret(&ledger.config.client_secret);
        self.tokens.set_delay(Duration::ZERO);
    }
}

/// A running sandbox. It stops when dropped; [`CloudSuiteSandbox::stop`] lets requests finish
/// first.
pub struct CloudSuiteSandbox {
    app: AppState,
    server: Server,
}

impl CloudSuiteSandbox {
    /// Starts on a free port.
    pub async fn start(config: CloudSuiteConfig) -> anyhow::Result<Self> {
        Self::start_on(config, 0).await
    }

    /// Starts on 127.0.0.1:`port` (0 picks a free one).
    pub async fn start_on(config: CloudSuiteConfig, port: u16) -> anyhow::Result<Self> {
        let tokens = TokenEndpoint::new(
            &config.client_id,
            &config.client_secret,
            config.token_lifetime,
        );
        let app = AppState {
            ledger: Arc::new(Mutex::new(Ledger::new(config))),
            tokens,
        };
        let server = Server::start(router(app.clone()), port).await?;
        Ok(Self { app, server })
    }

    /// `http://127.0.0.1:PORT`; the API is at `/api/…` and `/proxy/…` below it.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// Where clients get their tokens: `base_url` + `/oauth/token`.
    pub fn token_url(&self) -> String {
        format!("{}{}", self.base_url(), crate::oauth2::TOKEN_PATH)
    }

    /// The token endpoint, to count token requests, revoke tokens, slow it down or rotate the
    /// client secret.
    pub fn tokens(&self) -> &TokenEndpoint {
        &self.app.tokens
    }

    /// Adds `order`, or replaces the one with its id.
    ///
    /// # Panics
    /// When its state or shipment state is not CloudSuite's: a mistake in the test.
    pub fn add_order(&self, order: Order) {
        lock(&self.app.ledger)
            .orders
            .put(order)
            .unwrap_or_else(|problem| panic!("{problem}"));
    }

    pub fn order(&self, id: u64) -> Option<Order> {
        lock(&self.app.ledger).orders.get(id).cloned()
    }

    /// Every order, by id.
    pub fn orders(&self) -> Vec<Order> {
        lock(&self.app.ledger).orders.all()
    }

    /// Every API call (token requests are not), in arrival order, refused and faulted ones
    /// included, with the status answered.
    pub fn calls(&self) -> Vec<ReceivedCall> {
        lock(&self.app.ledger).calls.all()
    }

    /// The DESADV deliveries accepted, in order.
    pub fn deliveries(&self) -> Vec<Delivery> {
        lock(&self.app.ledger).deliveries.all()
    }

    /// The custom statuses accepted for order `order_id`, oldest first.
    pub fn timeline(&self, order_id: u64) -> Vec<TimelineEntry> {
        lock(&self.app.ledger).timeline.of(order_id)
    }

    /// Queues `fault` for the next `fault.times` API calls.
    pub fn inject(&self, fault: Fault) {
        lock(&self.app.ledger).faults.push(fault);
    }

    /// Drops the faults still queued.
    pub fn clear_faults(&self) {
        lock(&self.app.ledger).faults.clear();
    }

    /// Back to how it started: no orders, calls, deliveries, statuses or faults, the token
    /// endpoint with the configured secret.
    pub fn reset(&self) {
        self.app.reset();
    }

    pub async fn stop(self) {
        self.server.stop().await;
    }
}

impl crate::harness::Running for CloudSuiteSandbox {
    fn base_url(&self) -> String {
        CloudSuiteSandbox::base_url(self)
    }

    async fn stop(self) {
        CloudSuiteSandbox::stop(self).await;
    }
}

fn router(app: AppState) -> Router {
    let not_allowed = routes::method_not_allowed;
    let api = Router::new()
        .route(
            "/api/order/",
            get(routes::list_orders).fallback(not_allowed),
        )
        .route(
            "/api/order/{id}/",
            get(routes::get_order)
                .patch(routes::patch_order)
                .fallback(not_allowed),
        )
        .route(
            "/proxy/des_adv_xml/delivery/",
            post(routes::post_delivery).fallback(not_allowed),
        )
        .route(
            "/proxy/v1/orderstatus/",
            post(routes::post_order_status).fallback(not_allowed),
        )
        // Every path that is not a token or control endpoint is an API call, recorded and
        // checked like the others.
        .fallback(routes::not_found)
        .layer(from_fn_with_state(app.clone(), gate::gate));
    let control = Router::new()
        .route("/_sandbox/calls", get(control::calls))
        .route(
            "/_sandbox/orders",
            get(control::orders).post(control::add_orders),
        )
        .route("/_sandbox/deliveries", get(control::deliveries))
        .route("/_sandbox/timeline/{order_id}", get(control::timeline))
        .route("/_sandbox/faults", post(control::faults))
        .route("/_sandbox/reset", post(control::reset));
    let tokens = app.tokens.router();
    api.merge(control).with_state(app).merge(tokens)
}
