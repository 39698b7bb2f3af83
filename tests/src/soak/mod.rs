//! The soak run (`scripts/soak`): every platform's functions under kills, redeliveries,
//! reordering and platform faults at once, then a verdict from the sandboxes' own records,
//! the ledger and the queues.
//!
//! A platform joins by implementing [`SoakPlatform`] over its test scene (its order lives and
//! how to read what its sandbox accepted) and by its arm in [`start`], whose `match` over
//! [`PlatformName`] does not compile until every platform of the one list has one.

pub mod checks;
pub mod processes;
pub mod queues;
pub mod report;
pub mod workload;

mod channeladvisor;
mod cloudsuite;
mod cv3;
mod sellercenter;
mod speed4trade;

use std::ops::Range;
use std::time::Duration;

use orderstatus::message::PlatformName;
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use crate::stack::TestStack;

/// What an event leaves on the platform when it is the newest event of `target` there.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Effect {
    /// The ledger's unit: an order, an item, a package, as the sandbox tells them apart.
    pub target: String,
    /// The platform's state of the target after the event, as [`Accepted::state`] names it.
    pub state: String,
}

impl Effect {
    pub fn new(target: impl Into<String>, state: impl Into<String>) -> Self {
        Self {
            target: target.into(),
            state: state.into(),
        }
    }
}

/// One canonical message of an order's life, with what it should leave on the platform.
#[derive(Debug, Clone)]
pub struct LifeEvent {
    /// The canonical message, unwrapped.
    pub message: serde_json::Value,
    /// Empty when the platform has nothing to do for it (not applicable).
    pub effects: Vec<Effect>,
}

/// An order's events, oldest first (their `occurred_at` rise in this order).
#[derive(Debug, Clone, Default)]
pub struct OrderLife {
    pub events: Vec<LifeEvent>,
    /// The sandbox refuses this order's events: each belongs in the dead-letter queue with
    /// reason `platform`.
    pub refused: bool,
}

/// One unit a sandbox accepted, in the order it accepted them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub target: String,
    pub state: String,
    /// Everything the platform was told about the target: the same facts twice is a double
    /// upload.
    pub facts: String,
}

/// The faults the soak injects, each mapped onto a sandbox's own fault switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SoakFault {
    /// HTTP 500 for the next `n` calls.
    ServerErrors(u32),
    /// HTTP 429 with Retry-After (or the platform's throttling answer) for the next call.
    RateLimited,
    /// The next call answers after the functions' HTTP timeout.
    SlowPastTimeout,
    /// The next call answers with a body that is not the platform's format.
    Garbage,
    /// Every token issued so far stops working (platforms with tokens).
    TokenExpiry,
}

impl SoakFault {
    pub fn name(self) -> &'static str {
        match self {
            Self::ServerErrors(_) => "500",
            Self::RateLimited => "429",
            Self::SlowPastTimeout => "slow",
            Self::Garbage => "garbage",
            Self::TokenExpiry => "token expiry",
        }
    }
}

/// How long a slow fault holds a call: past the functions' per-attempt HTTP timeout.
pub const SLOW_PAST_TIMEOUT: Duration =
    Duration::from_secs(orderstatus::runtime::PLATFORM_TIMEOUT.as_secs() + 2);

/// One platform in the soak: its scene (moto resources, sandbox, account secret) and what the
/// checks need to know about it.
pub trait SoakPlatform: Send + Sync {
    fn name(&self) -> PlatformName;
    fn stack(&self) -> &TestStack;
    /// `count` order lives with order numbers from `first`; prepares the sandbox for them
    /// (orders it must hold, orders it must refuse). A few lives should be refused ones.
    fn lives(&self, rng: &mut StdRng, first: usize, count: usize) -> Vec<OrderLife>;
    /// Every unit the sandbox accepted, in the order it applied them.
    fn accepted(&self) -> Vec<Accepted>;
    /// Every API call the sandbox received, faulted ones included.
    fn requests(&self) -> usize;
    /// The faults its sandbox can give; [`SoakPlatform::inject`] takes these.
    fn faults(&self) -> Vec<SoakFault>;
    fn inject(&self, fault: SoakFault);
    fn clear_faults(&self);
    /// Every secret value of the account: none may appear in any log line.
    fn secrets(&self) -> Vec<String>;
}

/// The platform's scene for the soak, with a queue visibility timeout of `visibility`.
pub async fn start(name: PlatformName, visibility: Duration) -> Box<dyn SoakPlatform> {
    match name {
        PlatformName::Cv3 => Box::new(cv3::Cv3Soak::start(visibility).await),
        PlatformName::Sellercenter => {
            Box::new(sellercenter::SellerCenterSoak::start(visibility).await)
        }
        PlatformName::Cloudsuite => Box::new(cloudsuite::CloudSuiteSoak::start(visibility).await),
        PlatformName::Speed4trade => {
            Box::new(speed4trade::Speed4TradeSoak::start(visibility).await)
        }
        PlatformName::Channeladvisor => {
            Box::new(channeladvisor::ChannelAdvisorSoak::start(visibility).await)
        }
    }
}

/// `occurred_at` of the `step`th event of an order's life: an hour apart, in UTC.
pub fn occurred_at(step: usize) -> String {
    let base = chrono::DateTime::parse_from_rfc3339("2026-11-02T08:00:00Z").expect("a date");
    (base + chrono::Duration::hours(step as i64))
        .to_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The canonical message of the `step`th event of an order's life on `platform`: `order` is its
/// `order` object, `extra` fields (packages, lines, reason) are set on it. Its `id` names the
/// order and the step.
pub fn message(
    platform: PlatformName,
    order: &Value,
    step: usize,
    status: &str,
    extra: Value,
) -> Value {
    let key = ["id", "reference"]
        .iter()
        .find_map(|field| order.get(field).and_then(Value::as_str))
        .unwrap_or_default();
    let message = json!({
        "version": 1, "platform": platform.as_str(), "id": format!("erp-{key}-{step}"),
        "order": order, "status": status, "occurred_at": occurred_at(step)
    });
    crate::json::with_fields(message, &extra)
}

/// A package shipped at the `step`th event's time, holding `lines` (none: the whole order).
pub fn package(carrier: &str, tracking: &str, step: usize, lines: &[String]) -> Value {
    let mut package = json!({"carrier": carrier, "tracking_number": tracking,
                             "shipped_at": occurred_at(step)});
    if !lines.is_empty() {
        package["lines"] = lines.iter().map(|id| json!({"line_id": id})).collect();
    }
    package
}

/// One of `lives` (each a weight and its statuses, space-separated), by weight.
pub fn pick(rng: &mut StdRng, lives: &[(u32, &'static str)]) -> Vec<&'static str> {
    let mut at = rng.random_range(0..lives.iter().map(|(weight, _)| weight).sum::<u32>());
    for (weight, life) in lives {
        if at < *weight {
            return life.split(' ').collect();
        }
        at -= weight;
    }
    unreachable!("below the sum of the weights")
}

/// A package a shipping status lists: the `number`th (`P1`, `P2`), which left at the `step`th
/// event, holding these of the order's lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shipped {
    pub number: usize,
    pub step: usize,
    pub lines: Range<usize>,
}

/// The packages the `step`th of `statuses` lists, for an order of `lines` lines (two or more):
/// `partially_shipped` the first line as P1; `shipped` P1 again as it left and the other lines
/// as P2, or every line as P1 when nothing shipped before.
pub fn shipped(statuses: &[&str], step: usize, lines: usize) -> Vec<Shipped> {
    let package = |number, step, lines| Shipped {
        number,
        step,
        lines,
    };
    let partial = statuses.iter().position(|s| *s == "partially_shipped");
    match (statuses[step], partial) {
        ("partially_shipped", _) => vec![package(1, step, 0..1)],
        ("shipped", Some(first)) => vec![package(1, first, 0..1), package(2, step, 1..lines)],
        ("shipped", None) => vec![package(1, step, 0..lines)],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn a_life_ships_its_first_line_then_the_rest() {
        let p = |number, step, lines| Shipped {
            number,
            step,
            lines,
        };
        let life = ["acknowledged", "partially_shipped", "shipped"];
        assert_eq!(shipped(&life, 0, 3), []);
        assert_eq!(shipped(&life, 1, 3), [p(1, 1, 0..1)]);
        assert_eq!(shipped(&life, 2, 3), [p(1, 1, 0..1), p(2, 2, 1..3)]);
        assert_eq!(shipped(&["paid", "shipped"], 1, 2), [p(1, 1, 0..2)]);
    }

    #[test]
    fn lives_are_picked_by_weight() {
        let mut rng = StdRng::seed_from_u64(3);
        let lives = [(3, "acknowledged shipped"), (1, "canceled"), (0, "never")];
        let picks: Vec<Vec<&str>> = (0..400).map(|_| pick(&mut rng, &lives)).collect();
        let canceled = picks.iter().filter(|p| *p == &["canceled"]).count();
        assert!((60..140).contains(&canceled), "{canceled}");
        assert!(picks.iter().all(|p| p != &["never"]));
    }
}
