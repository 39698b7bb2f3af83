//! What a platform crate implements, and the units of work that flow through the batch handler.
//!
//! A platform maps one canonical message to one or more [`Unit`]s (an order, or an item of an
//! order: the ledger's targets), and uploads a batch of claimed units in one request, answering
//! one [`UnitResult`] per unit in the same order. Everything else (parsing, the ledger, batching,
//! the dead-letter path, the batch response) is done once, in [`crate::batch`].
//!
//! A platform also [renders](Platform::render) a batch: the exact request(s) `upload` would
//! send, built by the same code, with credentials replaced by [`REDACTED`], so that an operator
//! can see what would go out without sending anything.

use std::future::Future;

use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use url::Url;

use crate::config::Account;
use crate::ledger::LedgerRecord;
use crate::limits::RequestLimits;
use crate::message::{OrderStatus, PlatformName, StatusMessage};
use crate::validate::InvalidMessage;

/// What a ledger entry is about: an order, or one item of an order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Target {
    pub order_id: String,
    pub item_id: Option<String>,
}

impl Target {
    pub fn order(order_id: impl Into<String>) -> Self {
        Self {
            order_id: order_id.into(),
            item_id: None,
        }
    }

    pub fn item(order_id: impl Into<String>, item_id: impl Into<String>) -> Self {
        Self {
            order_id: order_id.into(),
            item_id: Some(item_id.into()),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.item_id {
            None => write!(f, "order {}", self.order_id),
            Some(item) => write!(f, "order {} item {}", self.order_id, item),
        }
    }
}

/// What to do with a unit.
#[derive(Debug, Clone, PartialEq)]
pub enum Action<P> {
    /// Send this payload to the platform.
    Upload(P),
    /// The platform has no call for this status: record it as skipped, send nothing.
    Skip { reason: String },
}

/// One target's share of a message, ready to be claimed in the ledger and uploaded.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit<P> {
    pub target: Target,
    pub status: OrderStatus,
    pub action: Action<P>,
    /// Hash of the mapped payload: the same facts give the same fingerprint.
    pub fingerprint: String,
    /// The tracking numbers this unit uploads (`Carrier: number ; …`), kept in the ledger
    /// history so that platforms can tell a first upload of a tracking set from a repeat.
    pub tracking: Option<String>,
}

impl<P: Serialize> Unit<P> {
    /// A unit whose fingerprint is computed from its target, status and action.
    pub fn new(
        target: Target,
        status: OrderStatus,
        action: Action<P>,
        tracking: Option<String>,
    ) -> Self {
        let fingerprint = fingerprint(&target, status, &action);
        Self {
            target,
            status,
            action,
            fingerprint,
            tracking,
        }
    }
}

fn fingerprint<P: Serialize>(target: &Target, status: OrderStatus, action: &Action<P>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(target.order_id.as_bytes());
    hasher.update([0]);
    hasher.update(target.item_id.as_deref().unwrap_or("").as_bytes());
    hasher.update([0]);
    hasher.update(status.as_str().as_bytes());
    hasher.update([0]);
    match action {
        Action::Upload(payload) => {
            // Serialising a payload cannot fail for the plain structs platforms use; if one
            // ever does, the hash still covers target and status.
            let bytes = serde_json::to_vec(payload).unwrap_or_default();
            hasher.update(b"upload\0");
            hasher.update(&bytes);
        }
        Action::Skip { reason } => {
            hasher.update(b"skip\0");
            hasher.update(reason.as_bytes());
        }
    }
    hex::encode(&hasher.finalize()[..16])
}

/// An id for something the platform keeps once per id (a DESADV number, a seller fulfillment
/// id): `<order>-<part>`, the same for the same order and part in every message, so that the
/// platform recognises a retry; a hash of the two (`OS-…`) when that is longer than `max_chars`
/// or holds white space.
pub fn derived_id(order: &str, part: &str, max_chars: usize) -> String {
    let plain = format!("{order}-{part}");
    if plain.chars().count() <= max_chars && !plain.contains(char::is_whitespace) {
        return plain;
    }
    let digest = Sha256::new()
        .chain_update(order.as_bytes())
        .chain_update([0])
        .chain_update(part.as_bytes())
        .finalize();
    format!("OS-{}", hex::encode(&digest[..12]))
}

/// Why the platform refused a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectReason {
    /// Credentials, signature or access: fix the secret, then redrive.
    Auth,
    /// The platform refused the content or the state change.
    Platform,
}

impl RejectReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::Platform => "platform",
        }
    }
}

/// The platform's answer for one unit.
#[derive(Debug, Clone, PartialEq)]
pub enum UnitResult {
    /// Accepted, with the platform's reference when it gives one.
    Accepted { reference: Option<String> },
    /// The platform says it already has this status.
    AlreadyApplied,
    /// Refused; the message goes to the dead-letter queue with this text.
    Rejected {
        reason: RejectReason,
        message: String,
    },
    /// Could not tell (5xx, 429, timeout): retry later.
    Transient { message: String },
}

impl UnitResult {
    pub fn transient(message: impl Into<String>) -> Self {
        Self::Transient {
            message: message.into(),
        }
    }

    pub fn rejected(reason: RejectReason, message: impl Into<String>) -> Self {
        Self::Rejected {
            reason,
            message: message.into(),
        }
    }
}

/// Checks an account once, when its secret is loaded: its carrier codes are ones the platform
/// reads (a misspelt code would be ignored silently), then the platform's own settings.
pub fn check_account<P: Platform>(account: &Account<P::Settings>) -> Result<(), String> {
    if let Some((carrier, code)) = account.carriers.unknown_code(P::CARRIER_CODES) {
        let reads = match P::CARRIER_CODES {
            [] => "no codes, only a spelling to upload (\"carrier\": \"NAME\")".to_owned(),
            codes => codes.join(", "),
        };
        return Err(format!(
            "carriers: the entry for {carrier:?} gives {code:?}, which {} does not read (it reads {reads})",
            P::NAME.as_str()
        ));
    }
    P::check_settings(&account.settings)
}

/// What stands in for a credential in rendered requests.
pub const REDACTED: &str = "[redacted]";

/// One request as `upload` would send it, for people to read: nothing here is a credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedRequest {
    pub method: String,
    /// The URL with user info and query values redacted (see [`redacted_url`]).
    pub url: String,
    /// Headers as sent, except those that carry credentials.
    pub headers: Vec<(String, String)>,
    /// The body as sent, with credentials inside it replaced by [`REDACTED`].
    pub body: String,
    /// Views that help a reader, named: e.g. CV3's decoded inner document.
    pub extras: Vec<(String, String)>,
}

/// What stands in for a credential inside a URL (brackets would be percent-encoded).
const REDACTED_IN_URL: &str = "REDACTED";

/// A URL fit to show: user name, password and every query value replaced by `REDACTED`
/// (query parameters often carry API keys; their names stay, so the shape is visible).
pub fn redacted_url(url: &Url) -> String {
    let mut shown = url.clone();
    if !shown.username().is_empty() {
        let _ = shown.set_username(REDACTED_IN_URL);
    }
    if shown.password().is_some() {
        let _ = shown.set_password(Some(REDACTED_IN_URL));
    }
    if shown.query().is_some() {
        let names: Vec<String> = shown
            .query_pairs()
            .map(|(name, _)| name.into_owned())
            .collect();
        shown
            .query_pairs_mut()
            .clear()
            .extend_pairs(names.iter().map(|name| (name.as_str(), REDACTED_IN_URL)));
    }
    shown.to_string()
}

/// One sales platform: its settings, its mapping and its upload call.
pub trait Platform: Send + Sync + 'static {
    /// The platform's own fields of the account secret (credentials, templates, …).
    type Settings: DeserializeOwned + std::fmt::Debug + Send + Sync + 'static;
    /// One unit's share of a request.
    type Payload: Serialize + std::fmt::Debug + Clone + Send + Sync + 'static;

    const NAME: PlatformName;

    /// Units per request when the account does not say (`batch_size` in the secret).
    const DEFAULT_BATCH_SIZE: usize;
    /// The most units one request may hold; 1 for a platform that takes one order per call
    /// (the batch handler then fans the units out, concurrently within the limits).
    const MAX_BATCH_SIZE: usize;

    /// Whether one order's calls depend on each other across targets (CloudSuite: a package's
    /// DESADV needs the ERP number an earlier message set on the order). Then messages of one
    /// order in a batch go out one after the other, in the order they came; otherwise only
    /// messages of the same target (order or item) do.
    const ORDER_BY_ORDER: bool = false;

    /// Requests in flight per account when the secret does not set `concurrency` (for a
    /// platform that takes one order per call, how many of its units go out at once).
    const DEFAULT_CONCURRENCY: usize = 1;

    /// What the platform allows (requests in flight, per minute, per account or integration),
    /// enforced per copy of the function by the client [`crate::http::ClientSettings::client`]
    /// builds; calls made with [`crate::http::HttpClient::exchange_for`] stay within it.
    const REQUEST_LIMITS: RequestLimits = RequestLimits::NONE;

    /// Checks an account's settings once, when its secret is loaded.
    fn check_settings(_settings: &Self::Settings) -> Result<(), String> {
        Ok(())
    }

    /// The code names an account's `carriers` entry may give for a carrier (Speed4Trade's
    /// `identifier` and `external_id`, ChannelAdvisor's `carrier` and `class`); a platform that
    /// reads none takes only spellings.
    const CARRIER_CODES: &'static [&'static str] = &[];

    /// Maps one validated message to its units.
    fn map(
        &self,
        message: &StatusMessage,
        account: &Account<Self::Settings>,
    ) -> Result<Vec<Unit<Self::Payload>>, InvalidMessage>;

    /// Adjusts a claimed payload with what the ledger already knew about its target, e.g. to
    /// ask for a customer notification only on the first upload of a tracking set.
    fn prepare(&self, _unit: &mut Unit<Self::Payload>, _prior: Option<&LedgerRecord>) {}

    /// Uploads one batch; answers one result per payload, in the same order.
    fn upload(
        &self,
        account: &Account<Self::Settings>,
        batch: &[&Self::Payload],
    ) -> impl Future<Output = Vec<UnitResult>> + Send;

    /// The exact request(s) `upload` would send first for this batch, built by the same code
    /// but sending nothing, with every credential redacted (URL, headers and body). Required,
    /// so that no platform can ship without a way to show what it sends.
    fn render(
        &self,
        account: &Account<Self::Settings>,
        batch: &[&Self::Payload],
    ) -> Vec<RenderedRequest>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacted_urls_keep_their_shape_but_no_secret() {
        let url =
            Url::parse("https://user:hunter2@api.example.com/v1/orders?key=abc&page=2").unwrap();
        let shown = redacted_url(&url);
        assert!(
            !shown.contains("hunter2") && !shown.contains("abc"),
            "{shown}"
        );
        assert!(shown.starts_with("https://"), "{shown}");
        assert!(shown.contains("api.example.com/v1/orders?key="), "{shown}");
        assert!(shown.contains("page="), "{shown}");
        let plain = Url::parse("https://service.commercev3.com/index.php").unwrap();
        assert_eq!(
            redacted_url(&plain),
            "https://service.commercev3.com/index.php"
        );
    }

    #[test]
    fn derived_ids_are_stable_and_short() {
        assert_eq!(derived_id("12345", "P1", 35), "12345-P1");
        let long = derived_id("CS48193", "JJD00039000777012345678901234", 35);
        assert!(long.starts_with("OS-") && long.len() <= 35, "{long}");
        assert_eq!(
            long,
            derived_id("CS48193", "JJD00039000777012345678901234", 35)
        );
        assert_ne!(
            long,
            derived_id("CS48193", "JJD00039000777012345678901235", 35)
        );
        assert!(derived_id("CS48193", "a b", 35).starts_with("OS-"));
    }

    #[test]
    fn same_facts_give_the_same_fingerprint() {
        let a = Unit::new(
            Target::order("1"),
            OrderStatus::Shipped,
            Action::Upload("x"),
            None,
        );
        let b = Unit::new(
            Target::order("1"),
            OrderStatus::Shipped,
            Action::Upload("x"),
            None,
        );
        assert_eq!(a.fingerprint, b.fingerprint);
        assert_eq!(a.fingerprint.len(), 32);
    }

    #[test]
    fn any_difference_changes_the_fingerprint() {
        let base = Unit::new(
            Target::order("1"),
            OrderStatus::Shipped,
            Action::Upload("x"),
            None,
        );
        let others = [
            Unit::new(
                Target::order("2"),
                OrderStatus::Shipped,
                Action::Upload("x"),
                None,
            ),
            Unit::new(
                Target::item("1", "a"),
                OrderStatus::Shipped,
                Action::Upload("x"),
                None,
            ),
            Unit::new(
                Target::order("1"),
                OrderStatus::Delivered,
                Action::Upload("x"),
                None,
            ),
            Unit::new(
                Target::order("1"),
                OrderStatus::Shipped,
                Action::Upload("y"),
                None,
            ),
            Unit::new(
                Target::order("1"),
                OrderStatus::Shipped,
                Action::Skip { reason: "x".into() },
                None,
            ),
        ];
        for other in others {
            assert_ne!(base.fingerprint, other.fingerprint, "{other:?}");
        }
    }
}
