//! The CloudSuite platform: one order per call, with a bearer token from CloudSuite's OpenID
//! Connect endpoint. Each unit resolves its order (a reference is looked up once per
//! container), then makes its one call; the batch handler runs up to the account's
//! `concurrency` units at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use orderstatus::answer::classify;
use orderstatus::config::Account;
use orderstatus::http::HttpClient;
use orderstatus::message::{PlatformName, StatusMessage};
use orderstatus::oauth2::{AccessToken, TokenRequest, TokenSource};
use orderstatus::platform::{
    Platform, REDACTED, RejectReason, RenderedRequest, Unit, UnitResult, redacted_url,
};
use orderstatus::validate::InvalidMessage;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};

use crate::mapping::{self, Call, CloudSuiteUpload, OrderAddress};
use crate::request::{self, CallRequest, OrderFacts};
use crate::response::{Applied, OrderPage, OrderSummary, read_lookup, read_write};
use crate::settings::{self, CloudSuiteSettings};

/// What CloudSuite is called in errors.
pub const PLATFORM: &str = "CloudSuite";

/// Each looked-up reference's slot: the async lock makes concurrent units of one order wait
/// for one lookup.
type IdSlot = Arc<tokio::sync::Mutex<Option<String>>>;

/// A reference as one account looks it up: (account, webshop, reference).
type ReferenceKey = (String, Option<String>, String);

/// The CloudSuite platform client; one per container.
#[derive(Debug)]
pub struct CloudSuite {
    http: HttpClient,
    tokens: TokenSource,
    /// Order ids by (account, webshop, reference): ids never change, so they are kept for the
    /// container's life.
    ids: Mutex<HashMap<ReferenceKey, IdSlot>>,
}

impl CloudSuite {
    pub fn new(http: HttpClient) -> Self {
        Self {
            tokens: TokenSource::new(http.clone(), PLATFORM),
            http,
            ids: Mutex::new(HashMap::new()),
        }
    }

    /// Tokens fetched so far (for tests and figures).
    pub fn token_fetches(&self) -> usize {
        self.tokens.fetches()
    }

    async fn upload_one(
        &self,
        account: &Account<CloudSuiteSettings>,
        upload: &CloudSuiteUpload,
    ) -> UnitResult {
        let tokens = account.settings.token_request(&account.name);
        let outcome = async {
            let facts = self.facts(account, &tokens, upload).await?;
            let request = request::build(account, &facts, &upload.call);
            self.call(account, &tokens, &request, read_write).await
        };
        match outcome.await {
            Ok(Applied::Done { reference }) => UnitResult::Accepted { reference },
            Ok(Applied::AlreadyThere) => UnitResult::AlreadyApplied,
            Err(result) => result,
        }
    }

    /// What the call needs of the order: its id (looked up by reference when the message has
    /// none) and, for a DESADV without the message's ERP number, CloudSuite's number.
    async fn facts(
        &self,
        account: &Account<CloudSuiteSettings>,
        tokens: &TokenRequest,
        upload: &CloudSuiteUpload,
    ) -> Result<OrderFacts, UnitResult> {
        let id = match &upload.order {
            OrderAddress::Id(id) => id.clone(),
            OrderAddress::Reference(reference) => self.id_of(account, tokens, reference).await?,
        };
        let needs_number = matches!(&upload.call, Call::Delivery(d) if d.order_number.is_none());
        if !needs_number {
            return Ok(OrderFacts { id, number: None });
        }
        // Read afresh: the number may have been set by an earlier message of this container.
        let order: OrderSummary = self
            .call(account, tokens, &request::order(account, &id), read_lookup)
            .await?;
        let facts = OrderFacts {
            id,
            number: order.number(),
        };
        // The number (or, without one, the id) goes into the DESADV.
        facts
            .check()
            .map_err(|problem| UnitResult::rejected(RejectReason::Platform, problem))?;
        Ok(facts)
    }

    /// The id of the account's order with `reference`, looked up once per container.
    async fn id_of(
        &self,
        account: &Account<CloudSuiteSettings>,
        tokens: &TokenRequest,
        reference: &str,
    ) -> Result<String, UnitResult> {
        let key = (
            account.name.clone(),
            account.settings.webshop.clone(),
            reference.to_owned(),
        );
        let slot = Arc::clone(
            self.ids
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(key)
                .or_default(),
        );
        let mut known = slot.lock().await;
        if let Some(id) = known.as_ref() {
            return Ok(id.clone());
        }
        let page: OrderPage = self
            .call(
                account,
                tokens,
                &request::lookup(account, reference),
                read_lookup,
            )
            .await?;
        let id = single_result(account, reference, page)?;
        *known = Some(id.clone());
        Ok(id)
    }

    /// One call with the account's token (renewed once if refused), within the platform's
    /// limits, its answer read by `read` and classified the one common way.
    async fn call<T>(
        &self,
        account: &Account<CloudSuiteSettings>,
        tokens: &TokenRequest,
        request: &CallRequest,
        read: fn(
            &CallRequest,
            &orderstatus::http::HttpResponse,
        ) -> orderstatus::answer::BodySays<T>,
    ) -> Result<T, UnitResult> {
        self.tokens
            .authorized(tokens, |token: AccessToken| {
                let bearer = token.bearer();
                async move {
                    self.http
                        .exchange_for(
                            PLATFORM,
                            &account.name,
                            |client| {
                                let mut builder = client
                                    .request(request.method.clone(), request.url.clone())
                                    .header(AUTHORIZATION, &bearer)
                                    .header(ACCEPT, "application/json");
                                if let Some(content_type) = request.content_type {
                                    builder = builder
                                        .header(CONTENT_TYPE, content_type)
                                        .body(request.body.clone());
                                }
                                builder
                            },
                            |response| {
                                classify(PLATFORM, response, read(request, response), |detail| {
                                    auth_advice(account, detail)
                                })
                            },
                        )
                        .await
                }
            })
            .await
    }
}

/// The one order a reference names, or why there is not exactly one.
fn single_result(
    account: &Account<CloudSuiteSettings>,
    reference: &str,
    page: OrderPage,
) -> Result<String, UnitResult> {
    let within = match &account.settings.webshop {
        Some(webshop) => format!(" in webshop {webshop}"),
        None => String::new(),
    };
    match page.results.as_slice() {
        [order] if page.count <= 1 => Ok(order.id_text()),
        [] => Err(UnitResult::rejected(
            RejectReason::Platform,
            format!("CloudSuite has no order with reference {reference:?}{within} (0 results)"),
        )),
        _ => Err(UnitResult::rejected(
            RejectReason::Platform,
            format!(
                "CloudSuite has {} orders with reference {reference:?}{within}: {}",
                page.count.max(page.results.len()),
                if account.settings.webshop.is_some() {
                    "send order.id instead".to_owned()
                } else {
                    format!(
                        "set webshop in the secret of account {:?}, or send order.id",
                        account.name
                    )
                }
            ),
        )),
    }
}

fn auth_advice(account: &Account<CloudSuiteSettings>, detail: &str) -> String {
    format!(
        "CloudSuite refused the token ({detail}) even after renewing it: check client_id, \
         client_secret, scope and token_url in the secret of account {:?}, and that the API user \
         may change orders",
        account.name
    )
}

impl Platform for CloudSuite {
    type Settings = CloudSuiteSettings;
    type Payload = CloudSuiteUpload;

    const NAME: PlatformName = PlatformName::Cloudsuite;
    const DEFAULT_BATCH_SIZE: usize = 1;
    const MAX_BATCH_SIZE: usize = 1;
    const DEFAULT_CONCURRENCY: usize = 8;
    // A package's DESADV needs the ERP number an earlier message of the order sets.
    const ORDER_BY_ORDER: bool = true;

    fn check_settings(settings: &CloudSuiteSettings) -> Result<(), String> {
        settings::check(settings)
    }

    fn map(
        &self,
        message: &StatusMessage,
        account: &Account<CloudSuiteSettings>,
    ) -> Result<Vec<Unit<CloudSuiteUpload>>, InvalidMessage> {
        mapping::map(message, account)
    }

    async fn upload(
        &self,
        account: &Account<CloudSuiteSettings>,
        batch: &[&CloudSuiteUpload],
    ) -> Vec<UnitResult> {
        let mut results = Vec::with_capacity(batch.len());
        for upload in batch {
            results.push(self.upload_one(account, upload).await);
        }
        results
    }

    fn render(
        &self,
        account: &Account<CloudSuiteSettings>,
        batch: &[&CloudSuiteUpload],
    ) -> Vec<RenderedRequest> {
        batch
            .iter()
            .flat_map(|upload| render_upload(account, upload))
            .collect()
    }
}

/// The calls one upload makes: the lookup when the message names the order by reference
/// (the id it finds stands as `{id of …}`), then the call.
fn render_upload(
    account: &Account<CloudSuiteSettings>,
    upload: &CloudSuiteUpload,
) -> Vec<RenderedRequest> {
    let mut shown = Vec::new();
    let id = match &upload.order {
        OrderAddress::Id(id) => id.clone(),
        OrderAddress::Reference(reference) => {
            shown.push(rendered(&request::lookup(account, reference), None));
            format!("{{id of reference {reference}}}")
        }
    };
    let number_unknown = matches!(&upload.call, Call::Delivery(d) if d.order_number.is_none());
    let facts = OrderFacts {
        number: number_unknown.then(|| format!("{{number of order {id}}}")),
        id: id.clone(),
    };
    if number_unknown && !id.starts_with('{') {
        shown.push(rendered(&request::order(account, &id), None));
    }
    let request = request::build(account, &facts, &upload.call);
    // An id still to be looked up is not a URL segment: show it readably.
    let url = if id.starts_with('{') {
        Some(redacted_url(&request.url).replace(&percent_encoded(&id), &id))
    } else {
        None
    };
    shown.push(rendered(&request, url));
    shown
}

fn percent_encoded(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn rendered(request: &CallRequest, url: Option<String>) -> RenderedRequest {
    let mut headers = vec![
        ("Authorization".to_owned(), format!("Bearer {REDACTED}")),
        ("Accept".to_owned(), "application/json".to_owned()),
    ];
    if let Some(content_type) = request.content_type {
        headers.push(("Content-Type".to_owned(), content_type.to_owned()));
    }
    RenderedRequest {
        method: request.method.to_string(),
        url: url.unwrap_or_else(|| redacted_url(&request.url)),
        headers,
        body: String::from_utf8_lossy(&request.body).into_owned(),
        extras: Vec::new(),
    }
}
