//! CloudSuite in the soak, with DESADV: the order's state by PATCH (`processing`, `done`,
//! `cancel`), one delivery per package (each its own target, named by its DesadvNumber), and
//! the timeline for the statuses CloudSuite has no field for. Orders hold their ERP number and
//! line numbers from the start; a quarter of the lives name the order by reference, half send
//! the ERP number. A refused life's order is already canceled on the platform.

use std::time::Duration;

use orderstatus::message::PlatformName;
use orderstatus_sandboxes::cloudsuite::{Fault, FaultKind, Order, OrderLine, ReceivedCall};
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use super::{Accepted, Effect, LifeEvent, OrderLife, SLOW_PAST_TIMEOUT, SoakFault, SoakPlatform};
use crate::cloudsuite::{CLIENT_SECRET, CloudSuiteScene};
use crate::stack::TestStack;

/// The lives, by weight, in the order the sandbox's state machine takes their statuses.
const LIVES: [(u32, &str); 5] = [
    (14, "acknowledged paid partially_shipped shipped delivered"),
    (2, "acknowledged paid canceled"),
    (
        2,
        "acknowledged paid shipped delivered return_shipped_by_customer returned",
    ),
    (1, "acknowledged paid shipped failed_delivery"),
    (
        1,
        "acknowledged backordered paid partially_shipped shipped delivered",
    ),
];

/// A refused life: its canceled order refuses each of these (it would take a timeline entry,
/// and `paid` is not applicable).
const REFUSED: &str = "acknowledged partially_shipped shipped delivered";

pub struct CloudSuiteSoak {
    scene: CloudSuiteScene,
}

impl CloudSuiteSoak {
    pub async fn start(visibility: Duration) -> Self {
        let extra = json!({"desadv": true, "timeline": {
            "returned": "Retour ontvangen", "failed_delivery": "Bezorging mislukt",
            "return_shipped_by_customer": "Retour onderweg", "backordered": "In nabestelling"}});
        Self {
            scene: CloudSuiteScene::with_secret(visibility, extra).await,
        }
    }

    fn life(&self, rng: &mut StdRng, id: u64) -> OrderLife {
        let refused = rng.random_bool(0.01);
        let lines: Vec<OrderLine> = (0..rng.random_range(2..=4))
            .map(|k| OrderLine {
                erp_line_number: Some(10 * (k + 1)),
                sku: ["124_STUK", "123_KG", "310_DOOS", "455_STUK"][k as usize].to_owned(),
                quantity: f64::from(rng.random_range(1..=3)),
                delivered: 0.0,
            })
            .collect();
        let erp_number = format!("ERP-{id}");
        self.scene.sandbox.add_order(Order {
            id,
            reference: format!("CS{id}"),
            webshop: 1,
            state: if refused { "cancel" } else { "confirmed" }.to_owned(),
            shipment_state: "not_sent".to_owned(),
            erp_order_number: Some(erp_number.clone()),
            lines: lines.clone(),
        });
        let by_reference = !refused && rng.random_bool(0.25);
        let (field, name) = if by_reference {
            ("reference", format!("CS{id}"))
        } else {
            ("id", id.to_string())
        };
        let mut order = json!({ field: name });
        if rng.random_bool(0.5) {
            order["erp_order_number"] = json!(erp_number);
        }
        let statuses = if refused {
            REFUSED.split(' ').collect()
        } else {
            super::pick(rng, &LIVES)
        };
        let carrier = ["PostNL", "DHL", "dpd"][rng.random_range(0..3)];
        let events = (0..statuses.len())
            .map(|step| {
                let shipped = super::shipped(&statuses, step, lines.len());
                let packages: Vec<Value> = shipped
                    .iter()
                    .map(|s| {
                        let lines: Vec<Value> = lines[s.lines.clone()]
                            .iter()
                            .map(|l| json!({"line_id": l.erp_line_number.unwrap_or_default().to_string(),
                                            "sku": l.sku, "quantity": l.quantity}))
                            .collect();
                        json!({"id": format!("P{}", s.number), "carrier": carrier,
                               "tracking_number": format!("3S{id}{}", s.number),
                               "shipped_at": super::occurred_at(s.step), "lines": lines})
                    })
                    .collect();
                let mut effects: Vec<Effect> = shipped
                    .iter()
                    .map(|s| Effect::new(format!("{name}-P{}", s.number), "shipped"))
                    .collect();
                let state = match statuses[step] {
                    "paid" | "partially_shipped" | "shipped" => None,
                    "acknowledged" => Some("processing"),
                    "delivered" => Some("done"),
                    "canceled" => Some("cancel"),
                    timeline => Some(timeline),
                };
                effects.extend(state.map(|state| Effect::new(id.to_string(), state)));
                let extra = json!({"packages": (!packages.is_empty()).then_some(packages),
                                   "reason": (state == Some("cancel")).then_some("Customer request")});
                let message =
                    super::message(PlatformName::Cloudsuite, &order, step, statuses[step], extra);
                LifeEvent { message, effects }
            })
            .collect();
        OrderLife { events, refused }
    }
}

impl SoakPlatform for CloudSuiteSoak {
    fn name(&self) -> PlatformName {
        PlatformName::Cloudsuite
    }

    fn stack(&self) -> &TestStack {
        &self.scene.stack
    }

    fn lives(&self, rng: &mut StdRng, first: usize, count: usize) -> Vec<OrderLife> {
        (first..first + count)
            .map(|n| self.life(rng, 500_000 + n as u64))
            .collect()
    }

    /// The writes answered 2xx by CloudSuite itself (a garbage 200 applied nothing).
    fn accepted(&self) -> Vec<Accepted> {
        self.scene
            .sandbox
            .calls()
            .into_iter()
            .filter(|c| c.method != "GET" && (200..300).contains(&c.status))
            .filter(|c| c.fault.is_none_or(|kind| kind == FaultKind::Slow))
            .map(unit)
            .collect()
    }

    /// API calls and token requests.
    fn requests(&self) -> usize {
        let sandbox = &self.scene.sandbox;
        sandbox.calls().len() + sandbox.tokens().calls().len()
    }

    fn faults(&self) -> Vec<SoakFault> {
        vec![
            SoakFault::ServerErrors(2),
            SoakFault::RateLimited,
            SoakFault::SlowPastTimeout,
            SoakFault::Garbage,
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
            SoakFault::Garbage => Fault::new(FaultKind::Garbage),
            SoakFault::TokenExpiry => return self.scene.sandbox.tokens().revoke_all(),
        };
        self.scene.sandbox.inject(fault);
    }

    fn clear_faults(&self) {
        self.scene.sandbox.clear_faults();
    }

    fn secrets(&self) -> Vec<String> {
        vec![CLIENT_SECRET.to_owned()]
    }
}

/// What a write applied: a PATCH the order's state, a DESADV its package, a timeline entry
/// its status on the order.
fn unit(call: ReceivedCall) -> Accepted {
    let body: Value = serde_json::from_str(&call.body).unwrap_or_default();
    let (target, state) = if call.path.contains("/des_adv_xml/") {
        let number = call.body.split("<DesadvNumber>").nth(1).unwrap_or_default();
        (
            number.split('<').next().unwrap_or_default().to_owned(),
            "shipped",
        )
    } else if call.path.contains("/orderstatus/") {
        let state = body["stateId"].as_str().unwrap_or("timeline");
        (body["CloudsuiteOrderId"].to_string(), state)
    } else {
        let id = call.path.trim_end_matches('/').rsplit('/').next();
        let state = body["state"].as_str().or(body["shipment_state"].as_str());
        (id.unwrap_or_default().to_owned(), state.unwrap_or("patch"))
    };
    Accepted {
        target,
        state: state.to_owned(),
        facts: format!("{} {} {}", call.method, call.path, call.body),
    }
}
