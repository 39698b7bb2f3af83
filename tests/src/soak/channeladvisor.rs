//! ChannelAdvisor in the soak: the export flag for `acknowledged`, one Ship per package (each
//! its own target, named by its SellerFulfillmentID), and cancellations of the order or, once
//! part has shipped, of each item left; every other status is not applicable. A refused life's
//! order was canceled on the platform, so it ships nothing.

use std::time::Duration;

use orderstatus::message::PlatformName;
use orderstatus_sandboxes::channeladvisor::{Fault, FaultKind, Order, OrderItem, ReceivedCall};
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use super::{Accepted, Effect, LifeEvent, OrderLife, SLOW_PAST_TIMEOUT, SoakFault, SoakPlatform};
use crate::channeladvisor::{ChannelAdvisorScene, REFRESH_TOKEN, SHARED_SECRET};
use crate::stack::TestStack;

/// The lives, by weight. A cancellation after a partial shipment cancels the items left.
const LIVES: [(u32, &str); 5] = [
    (13, "acknowledged paid partially_shipped shipped delivered"),
    (2, "acknowledged paid canceled"),
    (2, "acknowledged paid partially_shipped canceled"),
    (2, "acknowledged paid shipped delivered returned"),
    (1, "acknowledged paid shipped failed_delivery"),
];

/// A refused life: its canceled order refuses each Ship (it would take an export and an
/// adjustment, and the other statuses are not applicable).
const REFUSED: &str = "partially_shipped shipped";

pub struct ChannelAdvisorSoak {
    scene: ChannelAdvisorScene,
}

impl ChannelAdvisorSoak {
    pub async fn start(visibility: Duration) -> Self {
        Self {
            scene: ChannelAdvisorScene::new(visibility).await,
        }
    }

    fn life(&self, rng: &mut StdRng, id: u64) -> OrderLife {
        let refused = rng.random_bool(0.01);
        let items: Vec<OrderItem> = (0..rng.random_range(2..=3))
            .map(|k| OrderItem {
                id: id * 10 + k + 1,
                sku: ["SKU-RED", "SKU-BLUE", "SKU-GREEN"][k as usize].to_owned(),
                quantity: rng.random_range(1..=3),
                shipped: 0,
                canceled: refused,
            })
            .collect();
        self.scene.sandbox.add_order(Order {
            id,
            exported: false,
            shipping_status: "Unshipped".to_owned(),
            canceled: refused,
            items: items.clone(),
            fulfillments: Vec::new(),
            adjustments: Vec::new(),
        });
        let order = json!({"id": id.to_string()});
        let statuses = if refused {
            REFUSED.split(' ').collect()
        } else {
            super::pick(rng, &LIVES)
        };
        // The account's table gives UPS its class; the others name theirs as the service.
        let (carrier, service) = [
            ("ups ground", "Ground"),
            ("Federal Express", "2Day"),
            ("USPS", "PRIORITY"),
        ][rng.random_range(0..3)];
        let events = (0..statuses.len())
            .map(|step| {
                let shipped = super::shipped(&statuses, step, items.len());
                let packages: Vec<Value> = shipped
                    .iter()
                    .map(|s| {
                        let lines: Vec<Value> = items[s.lines.clone()]
                            .iter()
                            .map(|i| json!({"line_id": i.id.to_string(), "sku": i.sku, "quantity": i.quantity}))
                            .collect();
                        json!({"id": format!("P{}", s.number), "carrier": carrier, "service": service,
                               "tracking_number": format!("1Z{id}{}", s.number),
                               "shipped_at": super::occurred_at(s.step), "lines": lines})
                    })
                    .collect();
                let mut effects: Vec<Effect> = shipped
                    .iter()
                    .map(|s| Effect::new(format!("{id}-P{}", s.number), "shipped"))
                    .collect();
                let mut extra = json!({"packages": (!packages.is_empty()).then_some(packages)});
                match (statuses[step], statuses[..step].contains(&"partially_shipped")) {
                    ("acknowledged", _) => effects.push(Effect::new(id.to_string(), "exported")),
                    // The first item has shipped: the others are canceled, each its own target.
                    ("canceled", true) => {
                        let lines: Vec<Value> = items[1..]
                            .iter()
                            .map(|i| json!({"line_id": i.id.to_string(), "status": "canceled"}))
                            .collect();
                        let each = items[1..].iter().map(|i| format!("item {}", i.id));
                        effects.extend(each.map(|item| Effect::new(item, "canceled")));
                        extra = json!({"reason": "out of stock", "lines": lines});
                    }
                    ("canceled", false) => {
                        effects.push(Effect::new(id.to_string(), "canceled"));
                        extra = json!({"reason": "Customer request"});
                    }
                    _ => {}
                }
                let message =
                    super::message(PlatformName::Channeladvisor, &order, step, statuses[step], extra);
                LifeEvent { message, effects }
            })
            .collect();
        OrderLife { events, refused }
    }
}

impl SoakPlatform for ChannelAdvisorSoak {
    fn name(&self) -> PlatformName {
        PlatformName::Channeladvisor
    }

    fn stack(&self) -> &TestStack {
        &self.scene.stack
    }

    fn lives(&self, rng: &mut StdRng, first: usize, count: usize) -> Vec<OrderLife> {
        (first..first + count)
            .map(|n| self.life(rng, 600_000 + n as u64))
            .collect()
    }

    /// The calls answered 2xx (its faults answer otherwise).
    fn accepted(&self) -> Vec<Accepted> {
        self.scene.accepted().into_iter().map(unit).collect()
    }

    /// API calls and token requests.
    fn requests(&self) -> usize {
        let sandbox = &self.scene.sandbox;
        sandbox.calls().len() + sandbox.tokens().calls().len()
    }

    /// Everything but garbage, which this sandbox does not give.
    fn faults(&self) -> Vec<SoakFault> {
        vec![
            SoakFault::ServerErrors(2),
            SoakFault::RateLimited,
            SoakFault::SlowPastTimeout,
            SoakFault::TokenExpiry,
        ]
    }

    fn inject(&self, fault: SoakFault) {
        let fault = match fault {
            SoakFault::ServerErrors(n) => Fault::new(FaultKind::ServerError).times(n),
            SoakFault::RateLimited => Fault::new(FaultKind::TooManyRequests),
            SoakFault::SlowPastTimeout => {
                Fault::new(FaultKind::Slow).delay_ms(SLOW_PAST_TIMEOUT.as_millis() as u64)
            }
            SoakFault::TokenExpiry => return self.scene.sandbox.tokens().revoke_all(),
            SoakFault::Garbage => return,
        };
        self.scene.sandbox.inject(fault);
    }

    fn clear_faults(&self) {
        self.scene.sandbox.clear_faults();
    }

    fn secrets(&self) -> Vec<String> {
        vec![SHARED_SECRET.to_owned(), REFRESH_TOKEN.to_owned()]
    }
}

/// What a call applied, read from its path (`/v1/Orders(600001)/Ship`,
/// `/v1/OrderItems(6000012)/Adjust`) and body.
fn unit(call: ReceivedCall) -> Accepted {
    let path = call.path.trim_start_matches("/v1/");
    let (resource, action) = path.split_once('/').unwrap_or((path, ""));
    let key = resource.split(['(', ')']).nth(1).unwrap_or_default();
    let body: Value = serde_json::from_str(&call.body).unwrap_or_default();
    let fulfillment = body["Value"]["SellerFulfillmentID"].as_str();
    let (target, state) = match (resource.starts_with("OrderItems"), action) {
        (true, _) => (format!("item {key}"), "canceled"),
        (false, "Ship") => (fulfillment.unwrap_or(key).to_owned(), "shipped"),
        (false, "Adjust") => (key.to_owned(), "canceled"),
        (false, _) if call.method == "DELETE" => (key.to_owned(), "unexported"),
        (false, _) => (key.to_owned(), "exported"),
    };
    Accepted {
        target,
        state: state.to_owned(),
        facts: format!("{} {} {}", call.method, call.path, call.body),
    }
}
