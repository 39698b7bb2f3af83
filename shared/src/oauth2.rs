//! OAuth2 access tokens for platforms that want a bearer token (CloudSuite, ChannelAdvisor).
//!
//! One [`TokenSource`] per container holds each account's token: fetched on first use, shared by
//! every upload of the account, renewed shortly before it expires, and fetched **once** when many
//! uploads need it at the same moment (they wait for the one fetch). [`TokenSource::authorized`]
//! runs a call with the token and, when the platform refuses it as unauthorised, renews the token
//! and runs the call once more: a token revoked early costs one retry, not a message.
//!
//! Two grants: `client_credentials` (client id and secret in the form body, with `scope`) and
//! `refresh_token` (client id and secret by HTTP Basic, as ChannelAdvisor asks). A refusal by the
//! token endpoint (`invalid_client`, `invalid_grant`, …) is `auth`, saying which secret field to
//! fix. Tokens and secrets are [`SecretString`]s: no `Debug`, log line or error shows them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde::Deserialize;
use url::Url;

use crate::answer::{BodySays, classify, excerpt};
use crate::config::SecretString;
use crate::http::{HttpClient, HttpResponse};
use crate::platform::{RejectReason, UnitResult};

/// The longest a token is used before its stated expiry: renewal happens this long (or half
/// the token's lifetime, if shorter) before, so that a call never starts with a dying token.
const RENEW_BEFORE: Duration = Duration::from_secs(60);

/// Assumed lifetime when the token endpoint does not say (`expires_in` is only RECOMMENDED).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// How an account obtains its tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// `grant_type=client_credentials`, the client authenticating in the form body.
    ClientCredentials {
        client_id: String,
        client_secret: SecretString,
        scope: Option<String>,
    },
    /// `grant_type=refresh_token`, the client authenticating with HTTP Basic.
    RefreshToken {
        client_id: String,
        client_secret: SecretString,
        refresh_token: SecretString,
    },
}

impl Grant {
    fn name(&self) -> &'static str {
        match self {
            Self::ClientCredentials { .. } => "client_credentials",
            Self::RefreshToken { .. } => "refresh_token",
        }
    }

    fn client_id(&self) -> &str {
        match self {
            Self::ClientCredentials { client_id, .. } | Self::RefreshToken { client_id, .. } => {
                client_id
            }
        }
    }
}

/// Where and how one account gets its tokens (read from the account's secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// The account name, for the cache and for errors that say which secret to fix.
    pub account: String,
    pub token_url: Url,
    pub grant: Grant,
}

impl TokenRequest {
    /// What the cache is keyed by: a changed secret (another client or URL) gets a new token.
    fn cache_key(&self) -> String {
        format!(
            "{}\u{0}{}\u{0}{}",
            self.account,
            self.token_url,
            self.grant.client_id()
        )
    }
}

/// A bearer token. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(SecretString);

impl AccessToken {
    /// The `Authorization` header's value, for the one place that sends it.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.0.expose())
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessToken([redacted])")
    }
}

/// A token and when to stop using it.
#[derive(Debug, Clone)]
struct Cached {
    token: AccessToken,
    renew_at: Instant,
}

/// Each account's slot: the async lock makes concurrent callers wait for one fetch.
type Slot = Arc<tokio::sync::Mutex<Option<Cached>>>;

/// The tokens of one platform's accounts, for the life of the container.
#[derive(Debug)]
pub struct TokenSource {
    http: HttpClient,
    /// The platform people know (`CloudSuite`), for errors.
    platform: &'static str,
    slots: Mutex<HashMap<String, Slot>>,
    fetches: std::sync::atomic::AtomicUsize,
}

/// The token endpoint's answer (RFC 6749 §5.1), or its error (§5.2).
#[derive(Deserialize)]
struct TokenAnswer {
    #[serde(default)]
    access_token: Option<SecretString>,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

impl TokenSource {
    pub fn new(http: HttpClient, platform: &'static str) -> Self {
        Self {
            http,
            platform,
            slots: Mutex::new(HashMap::new()),
            fetches: Default::default(),
        }
    }

    /// How many tokens were fetched from token endpoints so far (for tests and figures).
    pub fn fetches(&self) -> usize {
        self.fetches.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn slot(&self, request: &TokenRequest) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(slots.entry(request.cache_key()).or_default())
    }

    /// The account's token: the cached one while it is fresh, else one fetched now (once, however
    /// many callers are waiting).
    pub async fn token(&self, request: &TokenRequest) -> Result<AccessToken, UnitResult> {
        let slot = self.slot(request);
        let mut cached = slot.lock().await;
        if let Some(current) = cached.as_ref()
            && Instant::now() < current.renew_at
        {
            return Ok(current.token.clone());
        }
        let fresh = self.fetch(request).await?;
        let token = fresh.token.clone();
        *cached = Some(fresh);
        Ok(token)
    }

    /// Forgets `rejected` if it is still the account's token, so that the next [`token`] fetches
    /// a new one; a token already replaced (another caller renewed it) is kept.
    ///
    /// [`token`]: Self::token
    async fn forget(&self, request: &TokenRequest, rejected: &AccessToken) {
        let slot = self.slot(request);
        let mut cached = slot.lock().await;
        if cached.as_ref().is_some_and(|c| &c.token == rejected) {
            *cached = None;
        }
    }

    /// Runs `call` with the account's token; if the platform refuses it as unauthorised (an
    /// `auth` rejection), renews the token and runs `call` once more.
    pub async fn authorized<T, F, Fut>(
        &self,
        request: &TokenRequest,
        call: F,
    ) -> Result<T, UnitResult>
    where
        F: Fn(AccessToken) -> Fut,
        Fut: std::future::Future<Output = Result<T, UnitResult>>,
    {
        let token = self.token(request).await?;
        match call(token.clone()).await {
            Err(UnitResult::Rejected {
                reason: RejectReason::Auth,
                message,
            }) => {
                tracing::info!(account = %request.account, %message, "token refused; renewing it once");
                self.forget(request, &token).await;
                let renewed = self.token(request).await?;
                call(renewed).await
            }
            other => other,
        }
    }

    /// One request to the token endpoint (retried like any call on 429 and 5xx).
    async fn fetch(&self, request: &TokenRequest) -> Result<Cached, UnitResult> {
        self.fetches
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let form = form_body(&request.grant);
        let label = format!("{}'s token endpoint", self.platform);
        let answer = self
            .http
            .exchange(
                &label,
                |client| {
                    let mut builder = client
                        .post(request.token_url.clone())
                        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                        .header(ACCEPT, "application/json")
                        .body(form.clone());
                    if let Grant::RefreshToken {
                        client_id,
                        client_secret,
                        ..
                    } = &request.grant
                    {
                        builder = builder.basic_auth(client_id, Some(client_secret.expose()));
                    }
                    builder
                },
                |response| self.read(request, response),
            )
            .await?;
        let lifetime = answer.1.unwrap_or(DEFAULT_LIFETIME);
        let early = RENEW_BEFORE.min(lifetime / 2);
        Ok(Cached {
            token: answer.0,
            renew_at: Instant::now() + lifetime - early,
        })
    }

    /// The token and its lifetime, or why the endpoint refused.
    fn read(
        &self,
        request: &TokenRequest,
        response: &HttpResponse,
    ) -> Result<(AccessToken, Option<Duration>), UnitResult> {
        let says = match serde_json::from_str::<TokenAnswer>(&response.body) {
            Ok(TokenAnswer {
                error: Some(code),
                error_description,
                ..
            }) => refusal(self.platform, request, &code, error_description.as_deref()),
            Ok(TokenAnswer {
                access_token: Some(token),
                expires_in,
                ..
            }) if response.status.is_success() => {
                BodySays::Answer((AccessToken(token), expires_in.map(Duration::from_secs)))
            }
            Ok(_) => BodySays::Unreadable("no access_token in the answer".to_owned()),
            Err(e) => BodySays::Unreadable(format!("not JSON ({e}): {}", excerpt(&response.body))),
        };
        classify(self.platform, response, says, |detail| {
            advice(
                self.platform,
                request,
                detail,
                "check client_id and client_secret",
            )
        })
    }
}

/// `grant_type=…&client_id=…` as the grant asks.
fn form_body(grant: &Grant) -> String {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.append_pair("grant_type", grant.name());
    match grant {
        Grant::ClientCredentials {
            client_id,
            client_secret,
            scope,
        } => {
            form.append_pair("client_id", client_id);
            form.append_pair("client_secret", client_secret.expose());
            if let Some(scope) = scope {
                form.append_pair("scope", scope);
            }
        }
        Grant::RefreshToken { refresh_token, .. } => {
            form.append_pair("refresh_token", refresh_token.expose());
        }
    }
    form.finish()
}

/// What a token endpoint's error code asks the operator to fix.
fn refusal<T>(
    platform: &str,
    request: &TokenRequest,
    code: &str,
    description: Option<&str>,
) -> BodySays<T> {
    let detail = match description {
        Some(text) => format!("{code}: {}", excerpt(text)),
        None => code.to_owned(),
    };
    let fix = match (code, &request.grant) {
        ("invalid_client" | "unauthorized_client", _) => {
            "check client_id and client_secret, and that the client may use this grant"
        }
        ("invalid_grant", Grant::RefreshToken { .. }) => {
            "the refresh_token is expired or revoked: authorise the application again and store the new refresh_token"
        }
        ("invalid_grant", Grant::ClientCredentials { .. }) => {
            "check client_id and client_secret (the grant was refused)"
        }
        ("invalid_scope", _) => "check scope",
        ("temporarily_unavailable" | "server_error", _) => {
            return BodySays::RetryLater(format!("token endpoint: {detail}"));
        }
        _ => "check the token settings",
    };
    BodySays::AuthRefused(advice(platform, request, &detail, fix))
}

fn advice(platform: &str, request: &TokenRequest, detail: &str, fix: &str) -> String {
    format!(
        "{platform}'s token endpoint {} refused the {} grant ({detail}); in the secret of account {:?}, {fix}",
        request.token_url,
        request.grant.name(),
        request.account
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client_credentials(scope: Option<&str>) -> Grant {
        Grant::ClientCredentials {
            client_id: "shop-client".into(),
            client_secret: SecretString::new("s3cr3t&=x"),
            scope: scope.map(str::to_owned),
        }
    }

    #[test]
    fn form_bodies_carry_what_each_grant_asks() {
        assert_eq!(
            form_body(&client_credentials(Some("openid"))),
            "grant_type=client_credentials&client_id=shop-client&client_secret=s3cr3t%26%3Dx&scope=openid"
        );
        let refresh = Grant::RefreshToken {
            client_id: "app".into(),
            client_secret: SecretString::new("secret"),
            refresh_token: SecretString::new("r/1"),
        };
        // The client authenticates by HTTP Basic: id and secret stay out of the body.
        assert_eq!(
            form_body(&refresh),
            "grant_type=refresh_token&refresh_token=r%2F1"
        );
    }

    #[test]
    fn nothing_secret_is_printed() {
        let request = TokenRequest {
            account: "shop".into(),
            token_url: "https://auth.example.com/token".parse().unwrap(),
            grant: client_credentials(None),
        };
        let shown = format!(
            "{request:?} {:?}",
            AccessToken(SecretString::new("tok-123"))
        );
        assert!(
            !shown.contains("s3cr3t") && !shown.contains("tok-123"),
            "{shown}"
        );
        let says: BodySays<()> = refusal("P", &request, "invalid_client", Some("bad secret"));
        let BodySays::AuthRefused(text) = says else {
            panic!("{says:?}")
        };
        assert!(
            text.contains("in the secret of account \"shop\", check client_id and client_secret"),
            "{text}"
        );
        assert!(!text.contains("s3cr3t"), "{text}");
    }
}
