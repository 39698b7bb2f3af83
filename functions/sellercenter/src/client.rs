//! The Seller Center platform: a batch of item updates as one `UpdateItemsStatus` call, then
//! one `UpdateItemsInformation` call for the status details, and one result per item.

use bytes::Bytes;
use chrono::Utc;
use orderstatus::answer::{BodySays, classify};
use orderstatus::config::Account;
use orderstatus::http::{HttpClient, HttpResponse};
use orderstatus::message::{PlatformName, StatusMessage};
use orderstatus::platform::{
    Platform, RejectReason, RenderedRequest, Unit, UnitResult, redacted_url,
};
use orderstatus::validate::InvalidMessage;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderName};

use crate::mapping::{self, ItemUpdate};
use crate::request::{DetailItem, OmsAction, information_body, signed_url, status_body};
use crate::response::{CallError, ItemError, OmsAnswer, codes, is_already_applied, read_answer};
use crate::settings::{self, SellerCenterSettings};

/// The headers of every OMS call (none carries a credential: the signature is in the query).
const HEADERS: [(HeaderName, &str); 2] = [
    (ACCEPT, "application/json"),
    (CONTENT_TYPE, "application/json"),
];

/// The Seller Center platform client; one per container.
#[derive(Debug, Clone)]
pub struct SellerCenter {
    http: HttpClient,
}

impl SellerCenter {
    pub fn new(http: HttpClient) -> Self {
        Self { http }
    }

    /// One OMS call; `Ok` holds a success or the per-item errors. Each HTTP attempt is signed
    /// afresh, so a retry after a 429, an `E429`, a 5xx or an expired timestamp (`E003`) carries
    /// a new timestamp; the body is shared, not copied.
    async fn call(
        &self,
        account: &Account<SellerCenterSettings>,
        action: OmsAction,
        body: Bytes,
    ) -> Result<OmsAnswer, UnitResult> {
        self.http
            .exchange_for(
                PLATFORM,
                &account.name,
                |client| {
                    let mut request = client.post(signed_url(account, action, Utc::now()));
                    for (name, value) in HEADERS {
                        request = request.header(name, value);
                    }
                    request.body(body.clone())
                },
                |response| {
                    classify(PLATFORM, response, read_body(account, response), |detail| {
                        auth_advice(account, detail)
                    })
                },
            )
            .await
    }
}

/// What Seller Center is called in errors.
const PLATFORM: &str = "Seller Center";

/// Seller Center's part of reading an answer. Its errors come in an `ErrorResponse` whatever
/// the HTTP status (often 200), so the body is always read: `E429` and the internal errors are
/// "try again" exactly like an HTTP 429.
fn read_body(
    account: &Account<SellerCenterSettings>,
    response: &HttpResponse,
) -> BodySays<OmsAnswer> {
    let error = match read_answer(&response.body) {
        answer @ (OmsAnswer::Success | OmsAnswer::ItemErrors(_)) => {
            return BodySays::Answer(answer);
        }
        OmsAnswer::Unreadable { problem } => return BodySays::Unreadable(problem),
        OmsAnswer::CallError(error) => error,
    };
    call_error(account, error)
}

fn call_error(account: &Account<SellerCenterSettings>, error: CallError) -> BodySays<OmsAnswer> {
    let message = error.message;
    match error.code {
        Some(codes::TIMESTAMP_EXPIRED) => BodySays::RetryLater(format!(
            "{message} (signed afresh on each attempt: is the clock of Seller Center or of this \
             function off?)"
        )),
        Some(codes::SIGNATURE_MISMATCH) => BodySays::AuthRefused(format!(
            "Seller Center refused the signature ({message}): check api_key and service_name in \
             the secret of account {:?} against the venture's System Credentials",
            account.name
        )),
        Some(codes::ACCESS_DENIED) => BodySays::AuthRefused(format!(
            "Seller Center denied access ({message}): the function's egress IP must be on the \
             venture's allow-list for the {:?} client system, and api_key in the secret of \
             account {:?} must be the one issued for it",
            account.settings.service_name, account.name
        )),
        Some(
            codes::TOO_MANY_REQUESTS | codes::INTERNAL_ERROR | codes::INTERNAL_APPLICATION_ERROR,
        ) => BodySays::RetryLater(message),
        Some(codes::REQUEST_TOO_BIG) => BodySays::Refused(format!(
            "{message} (lower batch_size in the secret of account {:?})",
            account.name
        )),
        _ => BodySays::Refused(message),
    }
}

fn auth_advice(account: &Account<SellerCenterSettings>, detail: &str) -> String {
    format!(
        "Seller Center refused access ({detail}): check api_key and service_name in the secret \
         of account {:?}, and that the function's egress IP is on the venture's allow-list",
        account.name
    )
}

/// The item an error is about: its `Position`, else the item whose id the text names.
fn item_of(error: &ItemError, ids: &[&str]) -> Option<usize> {
    error.position.filter(|&p| p < ids.len()).or_else(|| {
        ids.iter().position(|id| {
            error
                .message
                .split(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_')
                .any(|word| word == *id)
        })
    })
}

/// Per-item results of a status call's errors (items not named were accepted).
fn status_results(batch: &[&ItemUpdate], errors: &[ItemError]) -> Vec<UnitResult> {
    let ids: Vec<&str> = batch
        .iter()
        .map(|u| u.item.id_sales_order_item.as_str())
        .collect();
    let mut results = vec![UnitResult::Accepted { reference: None }; batch.len()];
    let mut unattributed = Vec::new();
    for error in errors {
        let Some(i) = item_of(error, &ids) else {
            unattributed.push(error.message.as_str());
            continue;
        };
        if is_already_applied(&error.message) {
            if matches!(results[i], UnitResult::Accepted { .. }) {
                results[i] = UnitResult::AlreadyApplied;
            }
        } else if !matches!(results[i], UnitResult::Rejected { .. }) {
            results[i] = UnitResult::rejected(
                RejectReason::Platform,
                format!("Seller Center: {}", error.message),
            );
        }
    }
    if !unattributed.is_empty() {
        // Some item of the call failed but the answer does not say which: retry the ones not
        // known to have failed; those that went through come back as "already has status".
        let text = format!(
            "Seller Center refused an item without saying which: {}",
            unattributed.join("; ")
        );
        for result in &mut results {
            if matches!(result, UnitResult::Accepted { .. }) {
                *result = UnitResult::transient(text.clone());
            }
        }
    }
    results
}

impl SellerCenter {
    /// Sets the status details of the items whose status is in place, updating their results.
    async fn set_details(
        &self,
        account: &Account<SellerCenterSettings>,
        batch: &[&ItemUpdate],
        results: &mut [UnitResult],
    ) {
        let (indices, items): (Vec<usize>, Vec<DetailItem<'_>>) = batch
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                matches!(
                    results[*i],
                    UnitResult::Accepted { .. } | UnitResult::AlreadyApplied
                )
            })
            .filter_map(|(i, update)| Some((i, DetailItem::of(update)?)))
            .unzip();
        if items.is_empty() {
            return;
        }
        let body = Bytes::from(information_body(&items));
        let errors = match self
            .call(account, OmsAction::UpdateItemsInformation, body)
            .await
        {
            Ok(OmsAnswer::ItemErrors(errors)) => errors,
            Ok(_) => Vec::new(),
            Err(result) => {
                for &i in &indices {
                    results[i] = result.clone();
                }
                return;
            }
        };
        // A new detail is an upload even when the status was already there.
        for &i in &indices {
            results[i] = UnitResult::Accepted { reference: None };
        }
        let ids: Vec<&str> = items.iter().map(|d| d.id_sales_order_item).collect();
        for error in &errors {
            let Some(k) = item_of(error, &ids) else {
                for &i in &indices {
                    results[i] = UnitResult::transient(format!(
                        "Seller Center refused a status detail without saying which: {}",
                        error.message
                    ));
                }
                return;
            };
            let update = batch[indices[k]];
            results[indices[k]] = UnitResult::rejected(
                RejectReason::Platform,
                format!(
                    "Seller Center set item {} to {} but refused its status detail {:?}: {}",
                    update.item.id_sales_order_item,
                    update.item.item_status,
                    items[k].status_detail,
                    error.message
                ),
            );
        }
    }
}

impl Platform for SellerCenter {
    type Settings = SellerCenterSettings;
    type Payload = ItemUpdate;

    const NAME: PlatformName = PlatformName::Sellercenter;
    const DEFAULT_BATCH_SIZE: usize = 4000;
    /// The OMS API's limit per `UpdateItemsStatus` call.
    const MAX_BATCH_SIZE: usize = 4000;

    fn check_settings(settings: &SellerCenterSettings) -> Result<(), String> {
        settings::check(settings)
    }

    fn map(
        &self,
        message: &StatusMessage,
        account: &Account<SellerCenterSettings>,
    ) -> Result<Vec<Unit<ItemUpdate>>, InvalidMessage> {
        mapping::map(message, account)
    }

    /// The status call, and the status-detail call as it goes out when every status is
    /// accepted; the URL shows the query's names, not its values (the signature among them).
    fn render(
        &self,
        account: &Account<SellerCenterSettings>,
        batch: &[&ItemUpdate],
    ) -> Vec<RenderedRequest> {
        let rendered = |action: OmsAction, body: Vec<u8>| RenderedRequest {
            method: "POST".to_owned(),
            url: redacted_url(&signed_url(account, action, Utc::now())),
            headers: HEADERS
                .iter()
                .map(|(name, value)| (name.as_str().to_owned(), (*value).to_owned()))
                .collect(),
            body: String::from_utf8_lossy(&body).into_owned(),
            extras: vec![("Action".to_owned(), action.as_str().to_owned())],
        };
        let mut requests = vec![rendered(OmsAction::UpdateItemsStatus, status_body(batch))];
        let details: Vec<DetailItem<'_>> = batch
            .iter()
            .filter_map(|update| DetailItem::of(update))
            .collect();
        if !details.is_empty() {
            requests.push(rendered(
                OmsAction::UpdateItemsInformation,
                information_body(&details),
            ));
        }
        requests
    }

    async fn upload(
        &self,
        account: &Account<SellerCenterSettings>,
        batch: &[&ItemUpdate],
    ) -> Vec<UnitResult> {
        let body = Bytes::from(status_body(batch));
        let mut results = match self.call(account, OmsAction::UpdateItemsStatus, body).await {
            Ok(OmsAnswer::ItemErrors(errors)) => status_results(batch, &errors),
            Ok(_) => vec![UnitResult::Accepted { reference: None }; batch.len()],
            Err(result) => return vec![result; batch.len()],
        };
        self.set_details(account, batch, &mut results).await;
        results
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item_status::ItemStatus;
    use crate::mapping::StatusItem;
    use orderstatus::config::BatchLimits;
    use reqwest::StatusCode;
    use reqwest::header::HeaderMap;

    fn update(id: &str) -> ItemUpdate {
        ItemUpdate {
            item: StatusItem {
                id_sales_order_item: id.to_owned(),
                item_status: ItemStatus::Delivered,
                package_status: String::new(),
                cancel_reason: String::new(),
                return_reason: String::new(),
                failed_delivery_reason: String::new(),
                shipping_carrier: String::new(),
                tracking_code: String::new(),
                status_event_time: "2024-01-01 10:00:00".into(),
            },
            status_detail: None,
        }
    }

    fn error(position: Option<usize>, message: &str) -> ItemError {
        ItemError {
            position,
            message: message.to_owned(),
        }
    }

    fn account() -> Account<SellerCenterSettings> {
        let limits = BatchLimits {
            default_size: 4000,
            max_size: 4000,
            default_concurrency: 1,
        };
        Account::from_json(
            "venture",
            "s",
            r#"{"base_url":"https://sc.example.com","api_key":"k"}"#,
            limits,
            false,
        )
        .unwrap()
    }

    fn response(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status: StatusCode::from_u16(status).unwrap(),
            headers: HeaderMap::new(),
            body: body.to_owned(),
            attempts: 1,
        }
    }

    fn error_body(code: &str, message: &str) -> String {
        serde_json::json!({"ErrorResponse": {"Head": {"ErrorType": "Sender", "ErrorCode": code,
            "ErrorMessage": message}, "Body": ""}})
        .to_string()
    }

    #[test]
    fn positions_map_errors_back_to_their_items() {
        let updates = [update("8"), update("12"), update("22")];
        let batch: Vec<&ItemUpdate> = updates.iter().collect();
        let results = status_results(
            &batch,
            &[
                error(
                    Some(2),
                    "Cannot change status of Order Item with src_id: 22",
                ),
                error(
                    Some(0),
                    "Order Item with src_id: 8 already has status delivered",
                ),
            ],
        );
        assert_eq!(results[0], UnitResult::AlreadyApplied);
        assert_eq!(results[1], UnitResult::Accepted { reference: None });
        assert_eq!(
            results[2],
            UnitResult::rejected(
                RejectReason::Platform,
                "Seller Center: Cannot change status of Order Item with src_id: 22"
            )
        );
    }

    #[test]
    fn an_error_without_a_usable_position_is_found_by_its_id_or_retried() {
        let updates = [update("8"), update("12")];
        let batch: Vec<&ItemUpdate> = updates.iter().collect();
        let by_id = status_results(
            &batch,
            &[error(
                Some(7),
                "Error while updating data for Order Item with id: 12",
            )],
        );
        assert_eq!(by_id[0], UnitResult::Accepted { reference: None });
        assert!(matches!(by_id[1], UnitResult::Rejected { .. }));
        let unknown = status_results(&batch, &[error(None, "Error while updating data")]);
        assert!(
            unknown
                .iter()
                .all(|r| matches!(r, UnitResult::Transient { .. }))
        );
    }

    #[test]
    fn call_errors_are_classified_by_code() {
        let account = account();
        let reason_of = |status, body: &str| {
            let response = response(status, body);
            let says = read_body(&account, &response);
            match classify(PLATFORM, &response, says, |d| auth_advice(&account, d)) {
                Err(UnitResult::Rejected { reason, message }) => {
                    format!("{}: {message}", reason.as_str())
                }
                Err(UnitResult::Transient { .. }) => "transient".into(),
                Err(other) => format!("{other:?}"),
                Ok(answer) => format!("{answer:?}"),
            }
        };
        let expired = reason_of(200, &error_body("3", "E003: Timestamp has expired"));
        assert_eq!(expired, "transient", "retried, signed afresh");
        assert_eq!(
            reason_of(200, &error_body("429", "E429: Too many requests")),
            "transient",
            "E429 under HTTP 200 (the documented shape) is retried like HTTP 429"
        );
        let signature = reason_of(
            200,
            &error_body("7", "E007: Login failed. Signature mismatching"),
        );
        assert!(signature.starts_with("auth: "), "{signature}");
        assert!(signature.contains("api_key"), "{signature}");
        let denied = reason_of(200, &error_body("9", "E009: Access Denied"));
        assert!(denied.starts_with("auth: "), "{denied}");
        assert!(denied.contains("egress IP"), "{denied}");
        assert_eq!(
            reason_of(429, &error_body("429", "E429: Too many requests")),
            "transient"
        );
        assert_eq!(reason_of(500, "<html>oops</html>"), "transient");
        assert_eq!(reason_of(200, "<html>proxy</html>"), "transient");
        assert!(reason_of(403, "Forbidden").starts_with("auth: "));
        let bad = reason_of(200, &error_body("5", "E005: Invalid Request Format"));
        assert_eq!(
            bad,
            "platform: Seller Center refused the call: E005: Invalid Request Format"
        );
    }

    #[test]
    fn render_shows_both_calls_without_the_key_or_signature() {
        let platform = SellerCenter::new(
            HttpClient::new(std::time::Duration::from_secs(1), Default::default()).unwrap(),
        );
        let account = Account::from_json(
            "venture",
            "s",
            r#"{"base_url":"https://sc.example.com","api_key":"very-secret-key"}"#,
            BatchLimits {
                default_size: 4000,
                max_size: 4000,
                default_concurrency: 1,
            },
            false,
        )
        .unwrap();
        let plain = update("8");
        let mut detailed = update("12");
        detailed.status_detail = Some("Returned to Seller".into());

        let requests = platform.render(&account, &[&plain, &detailed]);

        assert_eq!(requests.len(), 2);
        let actions: Vec<&str> = requests.iter().map(|r| r.extras[0].1.as_str()).collect();
        assert_eq!(actions, ["UpdateItemsStatus", "UpdateItemsInformation"]);
        for request in &requests {
            assert_eq!(request.method, "POST");
            assert!(
                request.url.starts_with("https://sc.example.com/oms-api/?"),
                "{}",
                request.url
            );
            assert!(
                request.url.contains("Signature=REDACTED"),
                "{}",
                request.url
            );
            assert!(!format!("{request:?}").contains("very-secret-key"));
        }
        assert!(requests[0].body.contains(r#""id_sales_order_item":"8""#));
        assert!(requests[0].body.contains(r#""id_sales_order_item":"12""#));
        assert_eq!(
            requests[1].body,
            r#"{"Request":{"Items":[{"id_sales_order_item":"12","status_detail":"Returned to Seller"}]}}"#
        );

        // Without any status detail there is only the status call.
        assert_eq!(platform.render(&account, &[&plain]).len(), 1);
    }
}
