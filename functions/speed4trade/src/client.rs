//! The Speed4Trade platform: sends a batch as one `updateOrderStatus` call and reads one
//! report per order.

use bytes::Bytes;
use orderstatus::answer::{BodySays, classify};
use orderstatus::config::Account;
use orderstatus::http::{HttpClient, HttpResponse};
use orderstatus::ledger::LedgerRecord;
use orderstatus::message::{OrderStatus, PlatformName, StatusMessage};
use orderstatus::platform::{
    Action, Platform, REDACTED, RejectReason, RenderedRequest, Unit, UnitResult, redacted_url,
};
use orderstatus::soap;
use orderstatus::validate::InvalidMessage;
use reqwest::Method;

use crate::mapping::{self, IGNORED_AFTER_SHIPPED, OrderUpdate};
use crate::request::{EncodedCall, PARAMETER, encode_call, reference_id};
use crate::response::{Report, S4tAnswer, read_response};
use crate::settings::{self, Speed4TradeSettings};

/// Every call is one SOAP POST to the account's `base_url` (its WSDL's endpoint).
const METHOD: Method = Method::POST;

/// What Speed4Trade is called in errors.
const PLATFORM: &str = "Speed4Trade";

/// The Speed4Trade platform client; one per container.
#[derive(Debug, Clone)]
pub struct Speed4Trade {
    http: HttpClient,
}

impl Speed4Trade {
    pub fn new(http: HttpClient) -> Self {
        Self { http }
    }

    /// The one place a batch is encoded, for `upload` and `render` alike.
    pub fn encode(account: &Account<Speed4TradeSettings>, batch: &[&OrderUpdate]) -> EncodedCall {
        encode_call(account.settings.soap_namespace(), batch)
    }

    /// The headers of every call but `Authorization` (HTTP Basic, added by `upload`).
    pub fn headers(account: &Account<Speed4TradeSettings>) -> [(&'static str, String); 2] {
        soap::headers(account.settings.soap_action())
    }

    /// One call; one result per order of the batch.
    async fn call(
        &self,
        account: &Account<Speed4TradeSettings>,
        batch: &[&OrderUpdate],
    ) -> Vec<UnitResult> {
        // Bytes: each retry attempt shares the one encoded body instead of copying it.
        let body = Bytes::from(Self::encode(account, batch).envelope);
        let headers = Self::headers(account);
        let settings = &account.settings;
        let answer = self
            .http
            .exchange_for(
                PLATFORM,
                &account.name,
                |client| {
                    let request = client
                        .request(METHOD, account.base_url.clone())
                        .basic_auth(&settings.username, Some(settings.password.expose()));
                    headers
                        .iter()
                        .fold(request, |request, (name, value)| {
                            request.header(*name, value.as_str())
                        })
                        .body(body.clone())
                },
                |response| {
                    classify(PLATFORM, response, read_body(response), |detail| {
                        auth_advice(account, detail)
                    })
                },
            )
            .await;
        match answer {
            Ok(reports) => results(batch, &reports),
            Err(failure) => vec![failure; batch.len()],
        }
    }
}

/// What a refused login asks the operator to fix.
fn auth_advice(account: &Account<Speed4TradeSettings>, detail: &str) -> String {
    format!(
        "Speed4Trade refused the login ({detail}): check username and password in the account {:?} secret",
        account.name
    )
}

/// Speed4Trade's part of reading an answer: the reports, or what a SOAP fault or an
/// unreadable body says about the whole call. A fault is "try again" (the server could not
/// handle the call now); HTTP 401 is decided by the status before the body.
fn read_body(response: &HttpResponse) -> BodySays<Vec<Report>> {
    match read_response(&response.body) {
        S4tAnswer::Reports(reports) => BodySays::Answer(reports),
        S4tAnswer::Fault { code, message } => {
            BodySays::RetryLater(format!("SOAP fault {code}: {message}"))
        }
        S4tAnswer::Garbage { problem } => BodySays::Unreadable(problem),
    }
}

/// One result per order: its report by `reference_id`, else by position when every report
/// leaves the id out; an order no report names is transient (it may not have been applied).
pub fn results(batch: &[&OrderUpdate], reports: &[Report]) -> Vec<UnitResult> {
    let mut matched: Vec<Option<&Report>> = vec![None; batch.len()];
    let by_position = reports.len() == batch.len();
    let mut unattributed = Vec::new();
    for (position, report) in reports.iter().enumerate() {
        let index = match &report.reference_id {
            Some(reference) => (0..batch.len()).find(|&i| reference_id(i) == *reference),
            None if by_position => Some(position),
            None => None,
        };
        match index {
            Some(i) if matched[i].is_none() => matched[i] = Some(report),
            _ => unattributed.push(report),
        }
    }
    if !unattributed.is_empty() {
        tracing::warn!(
            reports = reports.len(),
            orders = batch.len(),
            unattributed = unattributed.len(),
            "Speed4Trade reports that name no order of the call"
        );
    }
    matched
        .into_iter()
        .zip(batch)
        .map(|(report, update)| match report {
            Some(report) if report.is_ok() => UnitResult::Accepted { reference: None },
            Some(report) => UnitResult::rejected(
                RejectReason::Platform,
                format!(
                    "Speed4Trade refused {} (return_code {}): {}",
                    update.describe(),
                    report.return_code,
                    report
                        .error_description
                        .as_deref()
                        .unwrap_or("no error_description")
                ),
            ),
            None => UnitResult::transient(format!(
                "Speed4Trade's answer has no report for {} ({} reports for {} orders)",
                update.describe(),
                reports.len(),
                batch.len()
            )),
        })
        .collect()
}

impl Platform for Speed4Trade {
    type Settings = Speed4TradeSettings;
    type Payload = OrderUpdate;

    const NAME: PlatformName = PlatformName::Speed4trade;
    const DEFAULT_BATCH_SIZE: usize = 100;
    const MAX_BATCH_SIZE: usize = 1000;

    const CARRIER_CODES: &'static [&'static str] = &["identifier", "external_id"];

    fn check_settings(settings: &Speed4TradeSettings) -> Result<(), String> {
        settings::check(settings)
    }

    fn map(
        &self,
        message: &StatusMessage,
        account: &Account<Speed4TradeSettings>,
    ) -> Result<Vec<Unit<OrderUpdate>>, InvalidMessage> {
        mapping::map(message, account)
    }

    /// A SHIPPED whose packages differ from the SHIPPED already uploaded (its fingerprint is
    /// new, or the claim would have been a duplicate) would be ignored by Speed4Trade: it is
    /// recorded as not applicable instead of being sent.
    fn prepare(&self, unit: &mut Unit<OrderUpdate>, prior: Option<&LedgerRecord>) {
        let upload = matches!(unit.action, Action::Upload(_));
        if upload && unit.status == OrderStatus::Shipped && mapping::ignored_after_shipped(prior) {
            tracing::warn!(
                unit = %unit.target,
                tracking = unit.tracking.as_deref().unwrap_or(""),
                "{IGNORED_AFTER_SHIPPED}: not sent"
            );
            unit.action = Action::Skip {
                reason: IGNORED_AFTER_SHIPPED.to_owned(),
            };
        }
    }

    /// The call `upload` makes, with the Basic credentials redacted, and the decoded request
    /// document beside it.
    fn render(
        &self,
        account: &Account<Speed4TradeSettings>,
        batch: &[&OrderUpdate],
    ) -> Vec<RenderedRequest> {
        let call = Self::encode(account, batch);
        let mut headers: Vec<(String, String)> =
            vec![("Authorization".to_owned(), format!("Basic {REDACTED}"))];
        headers.extend(
            Self::headers(account)
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value)),
        );
        vec![RenderedRequest {
            method: METHOD.as_str().to_owned(),
            url: redacted_url(&account.base_url),
            headers,
            body: String::from_utf8_lossy(&call.envelope).into_owned(),
            extras: vec![(format!("{PARAMETER} (decoded)"), call.document)],
        }]
    }

    async fn upload(
        &self,
        account: &Account<Speed4TradeSettings>,
        batch: &[&OrderUpdate],
    ) -> Vec<UnitResult> {
        self.call(account, batch).await
    }
}
