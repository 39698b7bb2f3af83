//! CV3 in the soak: order-level statuses and confirmations; unknown orders are refused.

use std::sync::Mutex;
use std::time::Duration;

use orderstatus::message::PlatformName;
use orderstatus_sandboxes::cv3::{Fault, FaultKind};
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use super::{Accepted, Effect, LifeEvent, OrderLife, SLOW_PAST_TIMEOUT, SoakFault, SoakPlatform};
use crate::cv3::{Cv3Scene, credentials};
use crate::stack::TestStack;

pub struct Cv3Soak {
    scene: Cv3Scene,
    unknown: Mutex<Vec<String>>,
}

impl Cv3Soak {
    pub async fn start(visibility: Duration) -> Self {
        Self {
            scene: Cv3Scene::new(visibility).await,
            unknown: Mutex::default(),
        }
    }
}

fn message(order: &str, step: usize, status: &str, extra: Value) -> Value {
    super::message(
        PlatformName::Cv3,
        &json!({"id": order}),
        step,
        status,
        extra,
    )
}

fn package(order: &str, n: usize, step: usize) -> Value {
    json!({"carrier": "UPS", "service": "Ground", "tracking_number": format!("1Z{order}{n}"),
           "shipped_at": super::occurred_at(step)})
}

/// The statuses of a life, each with the state it leaves (`None`: not applicable).
fn statuses(rng: &mut StdRng) -> Vec<(&'static str, Option<&'static str>)> {
    let start = [("acknowledged", Some("confirmed")), ("paid", None)];
    let rest: &[(&str, Option<&str>)] = match rng.random_range(0..20) {
        0..2 => &[
            ("processing", Some("processing")),
            ("canceled", Some("canceled")),
        ],
        2 => &[("shipped", Some("shipped")), ("returned", Some("returned"))],
        3 => &[
            ("shipped", Some("shipped")),
            ("failed_delivery", Some("failed_delivery")),
        ],
        _ => &[
            ("partially_shipped", Some("partially_shipped")),
            ("shipped", Some("shipped")),
            ("delivered", Some("delivered")),
        ],
    };
    start.iter().chain(rest).copied().collect()
}

impl SoakPlatform for Cv3Soak {
    fn name(&self) -> PlatformName {
        PlatformName::Cv3
    }

    fn stack(&self) -> &TestStack {
        &self.scene.stack
    }

    fn lives(&self, rng: &mut StdRng, first: usize, count: usize) -> Vec<OrderLife> {
        let mut lives = Vec::new();
        for n in first..first + count {
            let order = (300_000 + n).to_string();
            let refused = rng.random_bool(0.01);
            // CV3 refuses an unknown order's statuses (not its confirmation, not a payment,
            // which it never receives): a refused life is statuses only.
            let statuses = match refused {
                true => vec![("processing", None), ("canceled", None)],
                false => statuses(rng),
            };
            let events = statuses
                .into_iter()
                .enumerate()
                .map(|(step, (status, state))| {
                    let extra = match status {
                        "partially_shipped" => json!({"packages": [package(&order, 1, step)]}),
                        "shipped" => json!({"packages": [package(&order, 1, step - 1),
                                                          package(&order, 2, step)]}),
                        _ => json!({}),
                    };
                    LifeEvent {
                        message: message(&order, step, status, extra),
                        effects: state
                            .map(|state| Effect::new(&order, state))
                            .into_iter()
                            .collect(),
                    }
                })
                .collect();
            if refused {
                self.unknown.lock().unwrap().push(order.clone());
            }
            lives.push(OrderLife { events, refused });
        }
        let unknown = self.unknown.lock().unwrap();
        let ids: Vec<&str> = unknown.iter().map(String::as_str).collect();
        self.scene.sandbox.set_unknown_orders(&ids);
        lives
    }

    fn accepted(&self) -> Vec<Accepted> {
        let received = self.scene.sandbox.received();
        let mut units: Vec<(u64, Accepted)> = received
            .confirmations
            .into_iter()
            .map(|c| {
                let unit = Accepted {
                    target: c.order_id,
                    state: "confirmed".into(),
                    facts: "confirm".into(),
                };
                (c.request, unit)
            })
            .chain(received.statuses.into_iter().map(|s| {
                let unit = Accepted {
                    state: state_of(&s.status).to_owned(),
                    facts: format!("{} | {}", s.status, s.tracking),
                    target: s.order_id,
                };
                (s.request, unit)
            }))
            .collect();
        units.sort_by_key(|(request, _)| *request);
        units.into_iter().map(|(_, unit)| unit).collect()
    }

    fn requests(&self) -> usize {
        self.scene.sandbox.received().requests as usize
    }

    fn faults(&self) -> Vec<SoakFault> {
        vec![
            SoakFault::ServerErrors(2),
            SoakFault::SlowPastTimeout,
            SoakFault::Garbage,
        ]
    }

    fn inject(&self, fault: SoakFault) {
        let fault = match fault {
            SoakFault::ServerErrors(n) => Fault::new(FaultKind::Http500).times(n),
            SoakFault::SlowPastTimeout => {
                Fault::new(FaultKind::Slow).delay_ms(SLOW_PAST_TIMEOUT.as_millis() as u64)
            }
            SoakFault::Garbage => Fault::new(FaultKind::Garbage),
            SoakFault::RateLimited | SoakFault::TokenExpiry => return,
        };
        self.scene.sandbox.inject(fault);
    }

    fn clear_faults(&self) {
        self.scene.sandbox.clear_faults();
    }

    fn secrets(&self) -> Vec<String> {
        let c = credentials();
        vec![c.pass, c.service_id]
    }
}

/// The canonical state a CV3 status text stands for (the CMS default texts).
fn state_of(text: &str) -> &'static str {
    const PREFIXES: [(&str, &str); 8] = [
        ("Processing : Last Shipment", "partially_shipped"),
        ("Processing", "processing"),
        ("Shipped", "shipped"),
        ("Delivered", "delivered"),
        ("Canceled", "canceled"),
        ("Return Shipped", "return_shipped_by_customer"),
        ("Returned", "returned"),
        ("Delivery Failed", "failed_delivery"),
    ];
    PREFIXES
        .iter()
        .find(|(prefix, _)| text.starts_with(prefix))
        .map_or("unknown", |(_, state)| state)
}
