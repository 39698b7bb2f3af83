//! Seller Center in the soak: orders item by item (2–3 items shipped in two packages, now and
//! then one canceled before shipping); items the sandbox does not know are refused.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use orderstatus::message::PlatformName;
use orderstatus_sandboxes::sellercenter::{Fault, FaultKind};
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use super::{Accepted, Effect, LifeEvent, OrderLife, SLOW_PAST_TIMEOUT, SoakFault, SoakPlatform};
use crate::sellercenter::{API_KEY, SellerCenterScene};
use crate::stack::TestStack;

pub struct SellerCenterSoak {
    scene: SellerCenterScene,
    unknown: Mutex<Vec<String>>,
}

impl SellerCenterSoak {
    pub async fn start(visibility: Duration) -> Self {
        Self {
            scene: SellerCenterScene::new(visibility).await,
            unknown: Mutex::default(),
        }
    }
}

/// An order's events as they are written.
struct Life<'a> {
    order: &'a str,
    events: Vec<LifeEvent>,
}

impl<'a> Life<'a> {
    fn of(order: &'a str) -> Self {
        Self {
            order,
            events: vec![],
        }
    }

    /// The next event: `status` with `extra` fields, leaving `state` on `items`.
    fn push(&mut self, status: &str, extra: Value, items: &[String], state: Option<&str>) {
        let (step, order) = (self.events.len(), json!({"id": self.order}));
        let message = super::message(PlatformName::Sellercenter, &order, step, status, extra);
        let effects = items.iter().filter_map(|i| Some(Effect::new(i, state?)));
        let effects = effects.collect();
        self.events.push(LifeEvent { message, effects });
    }

    /// `items` leave in the order's `parcel`th package.
    fn ship(&mut self, status: &str, items: &[String], parcel: usize) {
        let tracking = format!("JD{}{parcel}", self.order);
        let package = super::package("DHL Express", &tracking, self.events.len(), items);
        let extra = json!({"packages": [package]});
        self.push(status, extra, items, Some("shipped"));
    }

    /// `items` set to `status`; `why` holds its reason and status detail when it needs them.
    fn set(&mut self, status: &str, items: &[String], why: Value) {
        let lines: Vec<Value> = items.iter().map(|id| json!({"line_id": id})).collect();
        let extra = crate::json::with_fields(json!({"lines": lines}), &why);
        self.push(status, extra, items, Some(status));
    }
}

/// A life: acknowledged and paid (no item status), then the items' ways.
fn order_life(order: &str, items: &[String], rng: &mut StdRng) -> Vec<LifeEvent> {
    let mut life = Life::of(order);
    life.push("acknowledged", json!({}), &[], None);
    life.push("paid", json!({}), &[], None);
    let kind = rng.random_range(0..20);
    if kind < 2 {
        life.set("canceled", items, json!({"reason": "Customer request"}));
        return life.events;
    }
    let (live, gone) = items.split_at(if kind == 2 { 2 } else { items.len() });
    if let [item] = gone {
        // One item cannot be supplied: canceled on its own, the order goes on.
        let line = json!([{"line_id": item, "status": "canceled", "reason": "Out of stock"}]);
        life.push("processing", json!({"lines": line}), gone, Some("canceled"));
    }
    life.ship("partially_shipped", &live[..1], 1);
    life.ship("shipped", &live[1..], 2);
    let failed = json!({"reason": "Customer not reachable", "detail": "With 3PL on way to Seller"});
    let returned = json!({"reason": "Damaged", "detail": "Returned to Seller"});
    match kind {
        3 => life.set("failed_delivery", live, failed),
        4 => {
            life.set("delivered", live, json!({}));
            life.set("return_shipped_by_customer", &live[..1], json!({}));
            life.set("returned", &live[..1], returned);
        }
        _ => life.set("delivered", live, json!({})),
    }
    life.events
}

impl SoakPlatform for SellerCenterSoak {
    fn name(&self) -> PlatformName {
        PlatformName::Sellercenter
    }

    fn stack(&self) -> &TestStack {
        &self.scene.stack
    }

    fn lives(&self, rng: &mut StdRng, first: usize, count: usize) -> Vec<OrderLife> {
        let mut lives = Vec::new();
        let mut unknown = self.unknown.lock().unwrap();
        for n in first..first + count {
            let order = (400_000 + n).to_string();
            let items: Vec<String> = (1..=rng.random_range(2..=3))
                .map(|i| format!("{order}{i}"))
                .collect();
            let refused = rng.random_bool(0.01);
            let events = if refused {
                // Items Seller Center does not know: every event names them.
                unknown.extend(items.iter().cloned());
                let mut life = Life::of(&order);
                life.ship("shipped", &items, 1);
                life.set("delivered", &items, json!({}));
                life.events
            } else {
                order_life(&order, &items, rng)
            };
            lives.push(OrderLife { events, refused });
        }
        let ids: Vec<&str> = unknown.iter().map(String::as_str).collect();
        self.scene.sandbox.set_unknown_items(&ids);
        lives
    }

    /// Each item a call applied; a status detail is a unit of the item's status at the time.
    fn accepted(&self) -> Vec<Accepted> {
        let mut status: HashMap<String, String> = HashMap::new();
        let mut units = Vec::new();
        for call in self.scene.sandbox.calls() {
            if call.error.is_some() {
                continue;
            }
            for (position, item) in call.items.iter().enumerate() {
                if call.failed_positions.contains(&position) {
                    continue;
                }
                let target = text(&item["id_sales_order_item"]);
                let (state, facts) = if call.action == "UpdateItemsStatus" {
                    let state = text(&item["item_status"]);
                    status.insert(target.clone(), state.clone());
                    (state, item.to_string())
                } else {
                    let state = status.get(&target).cloned().unwrap_or_default();
                    let facts = format!("{state} detail {}", text(&item["status_detail"]));
                    (state, facts)
                };
                units.push(Accepted {
                    target,
                    state,
                    facts,
                });
            }
        }
        units
    }

    fn requests(&self) -> usize {
        self.scene.sandbox.requests() as usize
    }

    fn faults(&self) -> Vec<SoakFault> {
        vec![
            SoakFault::ServerErrors(2),
            SoakFault::RateLimited,
            SoakFault::SlowPastTimeout,
        ]
    }

    fn inject(&self, fault: SoakFault) {
        let fault = match fault {
            SoakFault::ServerErrors(n) => Fault::new(FaultKind::ServerError).times(n),
            SoakFault::RateLimited => Fault::new(FaultKind::HttpTooManyRequests),
            SoakFault::SlowPastTimeout => {
                Fault::new(FaultKind::Slow).delay_ms(SLOW_PAST_TIMEOUT.as_millis() as u64)
            }
            SoakFault::Garbage | SoakFault::TokenExpiry => return,
        };
        self.scene.sandbox.inject(fault);
    }

    fn clear_faults(&self) {
        self.scene.sandbox.clear_faults();
    }

    fn secrets(&self) -> Vec<String> {
        vec![API_KEY.to_owned()]
    }
}

/// A JSON string's text, anything else as JSON (an item id may come as a number).
fn text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}
