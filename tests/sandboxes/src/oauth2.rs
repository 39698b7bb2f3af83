//! An OAuth2 token endpoint for the sandboxes of platforms that want bearer tokens (CloudSuite,
//! ChannelAdvisor): `POST /oauth/token` issuing expiring tokens to one client, by the
//! `client_credentials` grant (client id and secret in the form) and the `refresh_token` grant
//! (client id and secret by HTTP Basic), answering refusals as RFC 6749 §5.2 says. A platform
//! sandbox mounts [`TokenEndpoint::router`] and checks each call with
//! [`TokenEndpoint::unauthorized`]; [`OAuthSandbox`] serves it alone, with one protected
//! resource, for the shared token source's own tests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde_json::json;

use crate::server::Server;
use crate::sync::lock;

/// One token request as the endpoint saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenCall {
    pub grant_type: String,
    /// How the client authenticated: `form` or `basic`.
    pub client_auth: &'static str,
    pub scope: Option<String>,
}

struct EndpointState {
    client_id: String,
    client_secret: String,
    refresh_token: Option<String>,
    lifetime: Duration,
    /// Issued tokens and when each expires.
    issued: HashMap<String, Instant>,
    calls: Vec<TokenCall>,
    /// How long each token request takes to answer (to make concurrent callers overlap).
    delay: Duration,
}

/// Shows the client and the counts, never the secret, the refresh token or a token.
impl std::fmt::Debug for EndpointState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EndpointState")
            .field("client_id", &self.client_id)
            .field("lifetime", &self.lifetime)
            .field("issued", &self.issued.len())
            .field("calls", &self.calls.len())
            .finish_non_exhaustive()
    }
}

/// The token endpoint's state; cheap to clone, shared with the platform sandbox using it.
#[derive(Debug, Clone)]
pub struct TokenEndpoint(Arc<Mutex<EndpointState>>);

/// The route the endpoint answers on.
pub const TOKEN_PATH: &str = "/oauth/token";

impl TokenEndpoint {
    /// An endpoint for one client, issuing tokens that live `lifetime`.
    pub fn new(client_id: &str, client_secret: &str, lifetime: Duration) -> Self {
        Self(Arc::new(Mutex::new(EndpointState {
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            refresh_token: None,
            lifetime,
            issued: HashMap::new(),
            calls: Vec::new(),
            delay: Duration::ZERO,
        })))
    }

    /// Also accept this refresh token (the `refresh_token` grant).
    pub fn with_refresh_token(self, refresh_token: &str) -> Self {
        lock(&self.0).refresh_token = Some(refresh_token.to_owned());
        self
    }

    /// Every token request so far.
    pub fn calls(&self) -> Vec<TokenCall> {
        lock(&self.0).calls.clone()
    }

    /// Makes every issued token invalid at once, as a revocation (or a restart of the
    /// platform's auth server) does.
    pub fn revoke_all(&self) {
        lock(&self.0).issued.clear();
    }

    /// Answer each token request only after `delay`.
    pub fn set_delay(&self, delay: Duration) {
        lock(&self.0).delay = delay;
    }

    /// Rotates the client secret, as the platform's admin does: later token requests with the
    /// old one are refused (`invalid_client`); tokens already issued stay live.
    pub fn set_client_secret(&self, secret: &str) {
        lock(&self.0).client_secret = secret.to_owned();
    }

    /// Replaces the refresh token the `refresh_token` grant accepts; `None` refuses every
    /// refresh with `invalid_grant`, as a revoked (or, after months unused, expired) refresh
    /// token is refused. Access tokens already issued stay live.
    pub fn set_refresh_token(&self, refresh_token: Option<&str>) {
        lock(&self.0).refresh_token = refresh_token.map(str::to_owned);
    }

    /// Tokens issued from now on live `lifetime`; those already issued keep their expiry.
    pub fn set_lifetime(&self, lifetime: Duration) {
        lock(&self.0).lifetime = lifetime;
    }

    /// Whether `token` was issued here, is not revoked and has not expired: for platforms that
    /// take the token elsewhere than in a Bearer header (ChannelAdvisor's `?access_token=`).
    pub fn live_token(&self, token: &str) -> bool {
        self.expires_at(token)
            .is_some_and(|expires| Instant::now() < expires)
    }

    /// When `token` expires (or expired); `None` when it was never issued here or was revoked.
    /// Lets a test time a call just after a token's end.
    pub fn expires_at(&self, token: &str) -> Option<Instant> {
        lock(&self.0).issued.get(token).copied()
    }

    /// The routes to mount in a platform sandbox.
    pub fn router(&self) -> Router {
        self.router_at(TOKEN_PATH)
    }

    /// The same routes with the endpoint at `path`, for platforms whose token URL is not
    /// [`TOKEN_PATH`] (ChannelAdvisor's `/oauth2/token`).
    pub fn router_at(&self, path: &str) -> Router {
        Router::new()
            .route(path, post(issue))
            .with_state(self.clone())
    }

    /// The 401 a resource server answers (RFC 6750 §3) unless the request carries a live token
    /// this endpoint issued.
    pub fn unauthorized(&self, headers: &HeaderMap) -> Option<Response> {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if token.is_some_and(|token| self.live_token(token)) {
            return None;
        }
        Some(
            (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, r#"Bearer error="invalid_token""#)],
                axum::Json(json!({"detail": "Invalid or expired token."})),
            )
                .into_response(),
        )
    }
}

fn refuse(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// `POST /oauth/token`.
async fn issue(State(endpoint): State<TokenEndpoint>, headers: HeaderMap, body: Bytes) -> Response {
    let delay = lock(&endpoint.0).delay;
    tokio::time::sleep(delay).await;
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
        .and_then(|v| String::from_utf8(v).ok())
        .and_then(|v| {
            v.split_once(':')
                .map(|(id, secret)| (id.to_owned(), secret.to_owned()))
        });
    let grant_type = form.get("grant_type").cloned().unwrap_or_default();
    let mut state = lock(&endpoint.0);
    let (client_auth, client) = match (&basic, form.get("client_id")) {
        (Some((id, secret)), _) => ("basic", Some((id.clone(), secret.clone()))),
        (None, Some(id)) => (
            "form",
            Some((
                id.clone(),
                form.get("client_secret").cloned().unwrap_or_default(),
            )),
        ),
        (None, None) => ("none", None),
    };
    state.calls.push(TokenCall {
        grant_type: grant_type.clone(),
        client_auth,
        scope: form.get("scope").cloned(),
    });
    let Some((id, secret)) = client else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed.",
        );
    };
    if id != state.client_id || secret != state.client_secret {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed.",
        );
    }
    match grant_type.as_str() {
        "client_credentials" if client_auth == "form" => {}
        "refresh_token" => {
            let given = form.get("refresh_token");
            if given.is_none() || given != state.refresh_token.as_ref() {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "The refresh token is invalid or expired.",
                );
            }
        }
        "client_credentials" => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "client_credentials expects the client in the form body",
            );
        }
        other => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!("grant_type {other:?} is not supported"),
            );
        }
    }
    let token = uuid::Uuid::new_v4().simple().to_string();
    let lifetime = state.lifetime;
    state
        .issued
        .insert(token.clone(), Instant::now() + lifetime);
    axum::Json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": lifetime.as_secs(),
    }))
    .into_response()
}

/// The token endpoint served alone, with `GET /resource` answering 200 only to a live token:
/// for the tests of the shared token source.
pub struct OAuthSandbox {
    server: Server,
    pub endpoint: TokenEndpoint,
}

impl OAuthSandbox {
    pub async fn start(endpoint: TokenEndpoint) -> anyhow::Result<OAuthSandbox> {
        let resource = endpoint.clone();
        let router = endpoint.router().route(
            "/resource",
            get(move |headers: HeaderMap| {
                let resource = resource.clone();
                async move {
                    resource
                        .unauthorized(&headers)
                        .unwrap_or_else(|| (StatusCode::OK, "ok").into_response())
                }
            }),
        );
        let server = Server::start(router, 0).await?;
        Ok(OAuthSandbox { server, endpoint })
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    pub async fn stop(self) {
        self.server.stop().await;
    }
}
