//! The sandbox over HTTP, as a client meets it: tokens, Ship, Export, Adjust, the request
//! limits, faults and the control endpoints. This file holds the client the tests share.

mod adjust;
mod auth;
mod control;
mod faults;
mod limits;
mod ship;

use base64::Engine as _;
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use serde_json::{Value, json};

use super::*;

const FIXTURE: &str = include_str!("../../../../fixtures/channeladvisor/orders.json");
const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

struct Reply {
    status: u16,
    retry_after: Option<String>,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The message of either refusal shape.
    fn message(&self) -> String {
        let body = self.json();
        let message = body["error"]["message"]
            .as_str()
            .or(body["Message"].as_str());
        message
            .unwrap_or_else(|| panic!("no message: {body}"))
            .to_owned()
    }
}

/// How a call presents its access token.
#[derive(Clone, Copy)]
enum Token<'a> {
    None,
    Query(&'a str),
    Bearer(&'a str),
}

/// A client of a started sandbox holding the fixture's orders.
struct Api {
    sandbox: ChannelAdvisorSandbox,
    http: reqwest::Client,
    token: String,
}

impl Api {
    async fn start() -> Self {
        Self::start_with(ChannelAdvisorConfig::default()).await
    }

    async fn start_with(config: ChannelAdvisorConfig) -> Self {
        let sandbox = ChannelAdvisorSandbox::start(config).await.expect("start");
        let orders: Vec<Order> = serde_json::from_str(FIXTURE).expect("fixture");
        sandbox.add_orders(orders).expect("fixture orders");
        let mut api = Self {
            sandbox,
            // A proxy from the environment must not intercept 127.0.0.1.
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
            token: String::new(),
        };
        let token = api
            .refresh(
                "sandbox-application",
                "sandbox-shared-secret",
                "sandbox-refresh-token",
            )
            .await;
        assert_eq!(token.status, 200, "{}", token.body);
        api.token = token.json()["access_token"].as_str().unwrap().to_owned();
        api
    }

    /// The refresh-token grant with the application as Basic client.
    async fn refresh(&self, application: &str, secret: &str, refresh_token: &str) -> Reply {
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("{application}:{secret}"));
        let request = self
            .http
            .post(self.sandbox.token_url())
            .header(AUTHORIZATION, format!("Basic {basic}"))
            .header(CONTENT_TYPE, FORM)
            .body(format!(
                "grant_type=refresh_token&refresh_token={refresh_token}"
            ));
        reply(request).await
    }

    async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Token<'_>,
        body: Option<Value>,
    ) -> Reply {
        let mut url = format!("{}{path}", self.sandbox.base_url());
        if let Token::Query(token) = token {
            let separator = if url.contains('?') { '&' } else { '?' };
            url.push_str(&format!("{separator}access_token={token}"));
        }
        let mut request = self.http.request(method, &url);
        if let Token::Bearer(token) = token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, JSON).body(body.to_string());
        }
        reply(request).await
    }

    /// An API call with the client's token in the query, as the platform's samples send it.
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.raw(method, path, Token::Query(&self.token), body)
            .await
    }

    async fn ship(&self, id: u64, value: Value) -> Reply {
        let path = format!("/v1/Orders({id})/Ship");
        self.call(Method::POST, &path, Some(json!({ "Value": value })))
            .await
    }

    async fn export(&self, method: Method, id: u64) -> Reply {
        self.call(method, &format!("/v1/Orders({id})/Export"), None)
            .await
    }

    async fn adjust_order(&self, id: u64, body: Value) -> Reply {
        let path = format!("/v1/Orders({id})/Adjust");
        self.call(Method::POST, &path, Some(body)).await
    }

    async fn adjust_item(&self, id: u64, body: Value) -> Reply {
        let path = format!("/v1/OrderItems({id})/Adjust");
        self.call(Method::POST, &path, Some(body)).await
    }

    /// A control endpoint: `GET` without a body, else `POST`.
    async fn control(&self, path: &str, body: Option<&str>) -> Reply {
        let url = format!("{}/_sandbox/{path}", self.sandbox.base_url());
        let request = match body {
            None => self.http.get(url),
            Some(body) => self.http.post(url).body(body.to_owned()),
        };
        reply(request).await
    }

    fn statuses(&self) -> Vec<u16> {
        self.sandbox
            .calls()
            .iter()
            .map(|call| call.status)
            .collect()
    }
}

async fn reply(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.text().await.expect("body");
    Reply {
        status,
        retry_after,
        body,
    }
}

/// A Ship `Value` by UPS GROUND with `id` as SellerFulfillmentID.
fn shipment(id: &str) -> Value {
    json!({"ShippedDateUtc": "2024-05-01T12:00:00Z", "TrackingNumber": "1Z999AA10123456784",
        "ShippingCarrier": "UPS", "ShippingClass": "GROUND", "DeliveryStatus": "Complete",
        "SellerFulfillmentID": id})
}
