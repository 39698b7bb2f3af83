//! The CV3 platform: sends a batch as one `CV3Data` call and reads one result per entry.

use orderstatus::answer::{BodySays, classify};
use orderstatus::config::Account;
use orderstatus::http::{HttpClient, HttpResponse};
use orderstatus::ledger::LedgerRecord;
use orderstatus::message::{PlatformName, StatusMessage};
use orderstatus::platform::{
    Action, Platform, REDACTED, RejectReason, RenderedRequest, Unit, UnitResult, redacted_url,
};
use orderstatus::soap::{self, SoapAnswer};
use orderstatus::validate::InvalidMessage;
use reqwest::Method;

use crate::mapping::{self, Cv3Payload};
use crate::request::{Credentials, DEFAULT_SOAP_ACTION, EncodedCall, encode_call};
use crate::response::{Cv3Answer, is_auth_error, names_order, read_response};
use crate::settings::{self, Cv3Settings};

/// Every `CV3Data` call is one SOAP POST to the account's `base_url`.
const METHOD: Method = Method::POST;

/// The CV3 platform client; one per container.
#[derive(Debug, Clone)]
pub struct Cv3 {
    http: HttpClient,
}

impl Cv3 {
    pub fn new(http: HttpClient) -> Self {
        Self { http }
    }

    /// The exact request body for a batch (what `upload` sends).
    pub fn request_body(account: &Account<Cv3Settings>, batch: &[&Cv3Payload]) -> Vec<u8> {
        let settings = &account.settings;
        let credentials = Credentials {
            user: &settings.user,
            pass: settings.pass.expose(),
            service_id: settings.service_id.expose(),
        };
        Self::encode(account, batch, credentials).envelope
    }

    /// The one place a batch is encoded, for `upload` (real credentials) and `render`
    /// (redacted ones) alike.
    fn encode(
        account: &Account<Cv3Settings>,
        batch: &[&Cv3Payload],
        credentials: Credentials<'_>,
    ) -> EncodedCall {
        // An account that opted out of CV3's shopper e-mails never asks for one.
        encode_call(credentials, batch, account.settings.tracking_notification)
    }

    /// The headers of every call. None carries a credential: CV3 has them in the body.
    pub fn headers(account: &Account<Cv3Settings>) -> [(&'static str, String); 2] {
        let action = account.settings.soap_action.as_deref();
        soap::headers(action.unwrap_or(DEFAULT_SOAP_ACTION))
    }

    /// One call; results per entry, or `None` when an error names no entry of a larger batch.
    async fn call(
        &self,
        account: &Account<Cv3Settings>,
        batch: &[&Cv3Payload],
    ) -> Option<Vec<UnitResult>> {
        // Bytes: each retry attempt shares the one encoded body instead of copying it.
        let body = bytes::Bytes::from(Self::request_body(account, batch));
        let headers = Self::headers(account);
        let answer = self
            .http
            .exchange_for(
                PLATFORM,
                &account.name,
                |client| {
                    let request = client.request(METHOD, account.base_url.clone());
                    headers
                        .iter()
                        .fold(request, |request, (name, value)| {
                            request.header(*name, value.as_str())
                        })
                        .body(body.clone())
                },
                |response| {
                    classify(PLATFORM, response, read_body(account, response), |detail| {
                        auth_advice(account, detail)
                    })
                },
            )
            .await;
        match answer {
            Ok(errors) => errors_to_results(batch, &errors),
            Err(failure) => Some(all(batch, failure)),
        }
    }
}

/// What CV3 is called in errors.
const PLATFORM: &str = "CV3";

/// What a refused login asks the operator to fix.
fn auth_advice(account: &Account<Cv3Settings>, detail: &str) -> String {
    format!(
        "CV3 refused the login ({detail}): check user, pass and service_id in the account {:?} secret; CV3 rotates API passwords",
        account.name
    )
}

/// CV3's part of reading an answer: the `<error>` texts of a document (to map to entries), or
/// what a SOAP fault or an unreadable body says about the whole call.
fn read_body(account: &Account<Cv3Settings>, response: &HttpResponse) -> BodySays<Vec<String>> {
    if !response.status.is_success() {
        // CV3 answers its documents with 200; any other status is about the call.
        return match read_response(&response.body) {
            Cv3Answer::Fault { code, message } if SoapAnswer::is_server_fault(&code) => {
                BodySays::RetryLater(format!("SOAP fault {code}: {message}"))
            }
            _ => BodySays::Unreadable(format!("HTTP {}", response.status.as_u16())),
        };
    }
    match read_response(&response.body) {
        Cv3Answer::Garbage { problem } => BodySays::Unreadable(problem),
        Cv3Answer::Fault { code, message } if is_auth_error(&message) => BodySays::AuthRefused(
            auth_advice(account, &format!("SOAP fault {code}: {message}")),
        ),
        // A `Server` fault is CV3's "try again": retried like an HTTP 503.
        Cv3Answer::Fault { code, message } if SoapAnswer::is_server_fault(&code) => {
            BodySays::RetryLater(format!("SOAP fault {code}: {message}"))
        }
        Cv3Answer::Fault { code, message } => {
            BodySays::Answer(vec![format!("SOAP fault {code}: {message}")])
        }
        Cv3Answer::Document { errors } => match errors.iter().find(|e| is_auth_error(e)) {
            Some(error) => BodySays::AuthRefused(auth_advice(account, error)),
            None => BodySays::Answer(errors),
        },
    }
}

/// Maps `<error>` texts to the entries they name; `None` if one names no entry of a batch of
/// several (so the caller can isolate the culprit).
fn errors_to_results(batch: &[&Cv3Payload], errors: &[String]) -> Option<Vec<UnitResult>> {
    let mut results = vec![UnitResult::Accepted { reference: None }; batch.len()];
    for error in errors {
        let named: Vec<usize> = batch
            .iter()
            .enumerate()
            .filter(|(_, payload)| names_order(error, payload.order_id()))
            .map(|(i, _)| i)
            .collect();
        if named.is_empty() {
            if batch.len() > 1 {
                return None;
            }
            results[0] = UnitResult::rejected(RejectReason::Platform, format!("CV3: {error}"));
        }
        for i in named {
            results[i] = UnitResult::rejected(RejectReason::Platform, format!("CV3: {error}"));
        }
    }
    Some(results)
}

fn all(batch: &[&Cv3Payload], result: UnitResult) -> Vec<UnitResult> {
    vec![result; batch.len()]
}

impl Platform for Cv3 {
    type Settings = Cv3Settings;
    type Payload = Cv3Payload;

    const NAME: PlatformName = PlatformName::Cv3;
    const DEFAULT_BATCH_SIZE: usize = 100;
    const MAX_BATCH_SIZE: usize = 1000;

    fn check_settings(settings: &Cv3Settings) -> Result<(), String> {
        settings::check(settings)
    }

    fn map(
        &self,
        message: &StatusMessage,
        account: &Account<Cv3Settings>,
    ) -> Result<Vec<Unit<Cv3Payload>>, InvalidMessage> {
        mapping::map(message, account)
    }

    fn prepare(&self, unit: &mut Unit<Cv3Payload>, prior: Option<&LedgerRecord>) {
        let first_time = match (&unit.tracking, prior) {
            (Some(tracking), Some(prior)) => !prior.may_have_sent_tracking(tracking),
            (Some(_), None) => true,
            (None, _) => false,
        };
        if let Action::Upload(Cv3Payload::Status(entry)) = &mut unit.action {
            entry.tracking_notification = first_time;
        }
    }

    /// The call `upload` makes first (an error naming no order would make it resend the
    /// entries one by one), with user, pass and serviceID redacted inside the document.
    fn render(
        &self,
        account: &Account<Cv3Settings>,
        batch: &[&Cv3Payload],
    ) -> Vec<RenderedRequest> {
        let redacted = Credentials {
            user: REDACTED,
            pass: REDACTED,
            service_id: REDACTED,
        };
        let call = Self::encode(account, batch, redacted);
        vec![RenderedRequest {
            method: METHOD.as_str().to_owned(),
            url: redacted_url(&account.base_url),
            headers: Self::headers(account)
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect(),
            body: String::from_utf8_lossy(&call.envelope).into_owned(),
            extras: vec![(
                "data (base64-decoded)".to_owned(),
                String::from_utf8_lossy(&call.inner).into_owned(),
            )],
        }]
    }

    async fn upload(
        &self,
        account: &Account<Cv3Settings>,
        batch: &[&Cv3Payload],
    ) -> Vec<UnitResult> {
        if let Some(results) = self.call(account, batch).await {
            return results;
        }
        // An error named no order: send each entry alone so that one bad entry cannot take
        // its neighbours to the dead-letter queue.
        tracing::info!(
            entries = batch.len(),
            "CV3 error named no order; isolating entries"
        );
        let mut results = Vec::with_capacity(batch.len());
        for payload in batch {
            let single = self.call(account, std::slice::from_ref(payload)).await;
            results.extend(
                single.unwrap_or_else(|| vec![UnitResult::transient("CV3 answer unreadable")]),
            );
        }
        results
    }
}
