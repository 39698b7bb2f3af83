//! The ChannelAdvisor platform: one call per unit with a bearer token from the refresh-token
//! grant, within ChannelAdvisor's request limits: 5 requests in flight per integration and the
//! profile's per-minute limit, each copy of the function keeping its share.

use orderstatus::answer::classify;
use orderstatus::config::Account;
use orderstatus::http::HttpClient;
use orderstatus::limits::{LimitScope, RequestLimits};
use orderstatus::message::{PlatformName, StatusMessage};
use orderstatus::oauth2::{AccessToken, TokenRequest, TokenSource};
use orderstatus::platform::{Platform, REDACTED, RenderedRequest, Unit, UnitResult, redacted_url};
use orderstatus::validate::InvalidMessage;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};

use crate::mapping::{self, ChannelAdvisorUpload};
use crate::request::{self, CallRequest};
use crate::response::{Applied, read};
use crate::settings::{self, ChannelAdvisorSettings, DEFAULT_REQUESTS_PER_MINUTE};

/// What ChannelAdvisor is called in errors.
pub const PLATFORM: &str = "ChannelAdvisor";

/// The ChannelAdvisor platform client; one per container.
#[derive(Debug)]
pub struct ChannelAdvisor {
    http: HttpClient,
    tokens: TokenSource,
}

impl ChannelAdvisor {
    pub fn new(http: HttpClient) -> Self {
        Self {
            tokens: TokenSource::new(http.clone(), PLATFORM),
            http,
        }
    }

    /// Tokens fetched so far (for tests and figures).
    pub fn token_fetches(&self) -> usize {
        self.tokens.fetches()
    }

    async fn upload_one(
        &self,
        account: &Account<ChannelAdvisorSettings>,
        tokens: &TokenRequest,
        upload: &ChannelAdvisorUpload,
    ) -> UnitResult {
        let request = request::build(account, upload);
        let outcome = self
            .tokens
            .authorized(tokens, |token| self.call(account, &request, token))
            .await;
        match outcome {
            Ok(Applied::Done) => UnitResult::Accepted { reference: None },
            Ok(Applied::AlreadyThere) => UnitResult::AlreadyApplied,
            Err(result) => result,
        }
    }

    /// One call, within the limits, its answer classified the one common way.
    async fn call(
        &self,
        account: &Account<ChannelAdvisorSettings>,
        request: &CallRequest,
        token: AccessToken,
    ) -> Result<Applied, UnitResult> {
        let bearer = token.bearer();
        self.http
            .exchange_for(
                PLATFORM,
                &account.name,
                |client| {
                    client
                        .post(request.url.clone())
                        .header(AUTHORIZATION, &bearer)
                        .header(ACCEPT, "application/json")
                        .header(CONTENT_TYPE, "application/json")
                        .body(request.body.clone())
                },
                |response| {
                    classify(PLATFORM, response, read(request, response), |detail| {
                        auth_advice(account, detail)
                    })
                },
            )
            .await
    }
}

fn auth_advice(account: &Account<ChannelAdvisorSettings>, detail: &str) -> String {
    let profile = match &account.settings.profile_id {
        Some(profile) => format!("profile {profile}"),
        None => "the profile".to_owned(),
    };
    format!(
        "ChannelAdvisor refused the access token ({detail}) even after renewing it: check \
         application_id, shared_secret and refresh_token in the secret of account {:?}, and that \
         {profile} still grants the application access",
        account.name
    )
}

impl Platform for ChannelAdvisor {
    type Settings = ChannelAdvisorSettings;
    type Payload = ChannelAdvisorUpload;

    const NAME: PlatformName = PlatformName::Channeladvisor;
    const DEFAULT_BATCH_SIZE: usize = 1;
    const MAX_BATCH_SIZE: usize = 1;
    /// The integration's five, which the limiter shares among the copies anyway.
    const DEFAULT_CONCURRENCY: usize = 5;
    /// "5 concurrent requests per integration", "2,000 requests per minute per profile"
    /// (an account's `requests_per_minute` may say otherwise).
    const REQUEST_LIMITS: RequestLimits = RequestLimits {
        in_flight: Some(5),
        in_flight_scope: LimitScope::Integration,
        per_minute: Some(DEFAULT_REQUESTS_PER_MINUTE),
        per_minute_scope: LimitScope::Account,
    };

    const CARRIER_CODES: &'static [&'static str] = &["carrier", "class"];

    fn check_settings(settings: &ChannelAdvisorSettings) -> Result<(), String> {
        settings::check(settings)
    }

    fn map(
        &self,
        message: &StatusMessage,
        account: &Account<ChannelAdvisorSettings>,
    ) -> Result<Vec<Unit<ChannelAdvisorUpload>>, InvalidMessage> {
        mapping::map(message, account)
    }

    async fn upload(
        &self,
        account: &Account<ChannelAdvisorSettings>,
        batch: &[&ChannelAdvisorUpload],
    ) -> Vec<UnitResult> {
        self.http
            .set_per_minute(&account.name, account.settings.requests_per_minute)
            .await;
        let tokens = account.settings.token_request(&account.name);
        let mut results = Vec::with_capacity(batch.len());
        for upload in batch {
            results.push(self.upload_one(account, &tokens, upload).await);
        }
        results
    }

    fn render(
        &self,
        account: &Account<ChannelAdvisorSettings>,
        batch: &[&ChannelAdvisorUpload],
    ) -> Vec<RenderedRequest> {
        batch
            .iter()
            .map(|upload| {
                let request = request::build(account, upload);
                RenderedRequest {
                    method: "POST".to_owned(),
                    url: redacted_url(&request.url),
                    headers: vec![
                        ("Authorization".to_owned(), format!("Bearer {REDACTED}")),
                        ("Accept".to_owned(), "application/json".to_owned()),
                        ("Content-Type".to_owned(), "application/json".to_owned()),
                    ],
                    body: String::from_utf8_lossy(&request.body).into_owned(),
                    extras: Vec::new(),
                }
            })
            .collect()
    }
}
