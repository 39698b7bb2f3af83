//! The soak's workload: order lives spread over the platforms, sent in a seeded random
//! interleaving with out-of-order events, exact redeliveries, three wrappings and bad bodies.

use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde_json::{Value, json};

use super::{OrderLife, SoakPlatform};

/// Shares of the workload, as the issue gives them.
pub const REDELIVERED: f64 = 0.20;
pub const OUT_OF_ORDER: f64 = 0.10;
pub const BAD: f64 = 0.03;
/// A redelivery sent right behind its original, so that two workers may take both at once.
const REDELIVERED_AT_ONCE: f64 = 0.5;

/// What one SQS body of the workload is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// The `event`th event of life `life` (an index into [`PlatformWorkload::lives`]).
    Event { life: usize, event: usize },
    /// The same body again.
    Redelivery { life: usize, event: usize },
    /// A body of the bad-input corpus.
    Bad,
}

#[derive(Debug, Clone)]
pub struct Planned {
    pub body: String,
    pub kind: Kind,
}

/// One platform's lives and the bodies for its queue, in sending order.
#[derive(Debug, Default)]
pub struct PlatformWorkload {
    pub lives: Vec<OrderLife>,
    pub sends: Vec<Planned>,
}

impl PlatformWorkload {
    pub fn count(&self, f: impl Fn(&Kind) -> bool) -> usize {
        self.sends.iter().filter(|s| f(&s.kind)).count()
    }

    /// Every body that belongs in the dead-letter queue: the bad ones and the refused
    /// orders' events.
    pub fn expected_dead_letters(&self) -> Vec<&str> {
        self.sends
            .iter()
            .filter(|s| match s.kind {
                Kind::Bad => true,
                Kind::Event { life, .. } | Kind::Redelivery { life, .. } => {
                    self.lives[life].refused
                }
            })
            .map(|s| s.body.as_str())
            .collect()
    }
}

/// `messages` bodies for `platform`'s queue (about: lives are whole).
pub fn plan(
    platform: &dyn SoakPlatform,
    rng: &mut StdRng,
    messages: usize,
    bad_bodies: &[String],
) -> PlatformWorkload {
    let redelivered = (messages as f64 * REDELIVERED).round() as usize;
    let bad = if bad_bodies.is_empty() {
        0
    } else {
        ((messages as f64 * BAD).round() as usize).max(1)
    };
    let events_wanted = messages.saturating_sub(redelivered + bad).max(1);

    let mut lives: Vec<OrderLife> = Vec::new();
    let mut events = 0;
    while events < events_wanted {
        let batch = ((events_wanted - events) / 6).clamp(1, 500);
        for life in platform.lives(rng, lives.len(), batch) {
            events += life.events.len();
            lives.push(life);
        }
    }

    // Each life's sending order: some events after the newer one that follows them.
    let orders: Vec<Vec<usize>> = lives
        .iter()
        .map(|life| sending_order(life.events.len(), rng))
        .collect();
    // A random interleaving of the lives that keeps each life's own sending order.
    let mut slots: Vec<usize> = orders
        .iter()
        .enumerate()
        .flat_map(|(life, order)| std::iter::repeat_n(life, order.len()))
        .collect();
    slots.shuffle(rng);
    let mut next = vec![0; lives.len()];
    let mut sends: Vec<Planned> = slots
        .into_iter()
        .map(|life| {
            let event = orders[life][next[life]];
            next[life] += 1;
            let message = &lives[life].events[event].message;
            Planned {
                body: wrap(message, rng),
                kind: Kind::Event { life, event },
            }
        })
        .collect();

    for _ in 0..redelivered {
        let original = rng.random_range(0..sends.len());
        let Kind::Event { life, event } = sends[original].kind else {
            continue;
        };
        let copy = Planned {
            body: sends[original].body.clone(),
            kind: Kind::Redelivery { life, event },
        };
        let at = if rng.random_bool(REDELIVERED_AT_ONCE) {
            original + 1
        } else {
            rng.random_range(original + 1..=sends.len())
        };
        sends.insert(at, copy);
    }

    let name = platform.name().as_str();
    let usable: Vec<&String> = bad_bodies
        .iter()
        .filter(|body| !names_platform(body, name))
        .collect();
    for i in 0..bad.min(usable.len() * 4) {
        let body = usable[(i + rng.random_range(0..usable.len())) % usable.len()].clone();
        let at = rng.random_range(0..=sends.len());
        sends.insert(
            at,
            Planned {
                body,
                kind: Kind::Bad,
            },
        );
    }
    PlatformWorkload { lives, sends }
}

/// Event indices in sending order: each event, with probability [`OUT_OF_ORDER`], swapped
/// with the newer one after it.
fn sending_order(events: usize, rng: &mut StdRng) -> Vec<usize> {
    let mut order: Vec<usize> = (0..events).collect();
    let mut i = 0;
    while i + 1 < events {
        if rng.random_bool(OUT_OF_ORDER) {
            order.swap(i, i + 1);
            i += 2;
        } else {
            i += 1;
        }
    }
    order
}

/// A corpus body that parses as a message for `platform` (one written to be bad only on
/// another platform's queue, or only for another platform's mapping) is not bad here.
fn names_platform(body: &str, platform: &str) -> bool {
    orderstatus::validate::parse_body(body)
        .is_ok_and(|(message, _)| message.platform.as_str() == platform)
}

/// The message as a producer sends it: raw (60 %), in an SNS notification (20 %) or in an
/// EventBridge event (20 %).
fn wrap(message: &Value, rng: &mut StdRng) -> String {
    let id = format!("{:032x}", rng.random::<u128>());
    match rng.random_range(0..10) {
        0..6 => message.to_string(),
        6..8 => json!({
            "Type": "Notification", "MessageId": id,
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:order-status",
            "Message": message.to_string(), "Timestamp": "2026-11-02T08:00:00.000Z",
            "SignatureVersion": "1", "Signature": "c29haw==",
            "SigningCertURL": "https://sns.us-east-1.amazonaws.com/cert.pem"
        })
        .to_string(),
        _ => json!({
            "version": "0", "id": id, "detail-type": "Order Status Changed",
            "source": "erp.orders", "account": "123456789012",
            "time": "2026-11-02T08:00:00Z", "region": "us-east-1", "resources": [],
            "detail": message
        })
        .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn sending_order_keeps_every_event_once() {
        let mut rng = StdRng::seed_from_u64(7);
        for events in 0..12 {
            let mut order = sending_order(events, &mut rng);
            order.sort();
            assert_eq!(order, (0..events).collect::<Vec<_>>());
        }
    }

    #[test]
    fn wrapped_bodies_unwrap_to_the_message() {
        let mut rng = StdRng::seed_from_u64(11);
        let message = json!({"version": 1, "platform": "cv3", "order": {"id": "1"},
                             "occurred_at": "2026-11-02T08:00:00Z"});
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..50 {
            let body = wrap(&message, &mut rng);
            let (text, wrapping) = orderstatus::envelope::unwrap(&body).unwrap();
            assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), message);
            seen.insert(format!("{wrapping:?}"));
        }
        assert_eq!(seen.len(), 3, "{seen:?}");
    }
}
