//! Speed4Trade in the soak: order-level statuses (ACKNOWLEDGED, PAID, SHIPPED with its
//! packages, CANCELED; the rest is not applicable); orders its own workflow canceled are
//! refused.

use std::time::Duration;

use orderstatus::message::PlatformName;
use orderstatus_sandboxes::speed4trade::{Fault, FaultKind};
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::json;

use super::{Accepted, Effect, LifeEvent, OrderLife, SLOW_PAST_TIMEOUT, SoakFault, SoakPlatform};
use crate::speed4trade::{PASSWORD, Speed4TradeScene, key};
use crate::stack::TestStack;

pub struct Speed4TradeSoak {
    scene: Speed4TradeScene,
}

impl Speed4TradeSoak {
    pub async fn start(visibility: Duration) -> Self {
        Self {
            scene: Speed4TradeScene::new(visibility).await,
        }
    }
}

type Statuses = &'static [(&'static str, Option<&'static str>)];

/// What a refused order is sent: only statuses Speed4Trade is called for.
const REFUSED: Statuses = &[
    ("acknowledged", Some("acknowledged")),
    ("paid", Some("paid")),
    ("shipped", Some("shipped")),
];

/// The statuses of a life, each with the state it leaves (`None`: not applicable).
fn statuses(rng: &mut StdRng) -> Statuses {
    match rng.random_range(0..20) {
        0 => &[
            ("acknowledged", Some("acknowledged")),
            ("canceled", Some("canceled")),
        ],
        1..3 => &[
            ("acknowledged", Some("acknowledged")),
            ("paid", Some("paid")),
            ("canceled", Some("canceled")),
        ],
        3 => &[
            ("acknowledged", Some("acknowledged")),
            ("paid", Some("paid")),
            ("shipped", Some("shipped")),
            ("delivered", None),
            ("returned", None),
        ],
        4 => &[
            ("acknowledged", Some("acknowledged")),
            ("paid", Some("paid")),
            ("shipped", Some("shipped")),
            ("failed_delivery", None),
        ],
        _ => &[
            ("acknowledged", Some("acknowledged")),
            ("paid", Some("paid")),
            ("partially_shipped", None),
            ("shipped", Some("shipped")),
            ("delivered", None),
        ],
    }
}

impl SoakPlatform for Speed4TradeSoak {
    fn name(&self) -> PlatformName {
        PlatformName::Speed4trade
    }

    fn stack(&self) -> &TestStack {
        &self.scene.stack
    }

    fn lives(&self, rng: &mut StdRng, first: usize, count: usize) -> Vec<OrderLife> {
        let mut lives = Vec::new();
        for n in first..first + count {
            let number = (500_000 + n).to_string();
            let target = key(&number);
            let refused = rng.random_bool(0.01);
            if refused {
                // Speed4Trade's own workflow canceled it: no update goes in.
                self.scene.sandbox.set_statuses(&[(&target, "CANCELED")]);
            }
            let statuses = if refused { REFUSED } else { statuses(rng) };
            let mut packages = Vec::new();
            let events = statuses
                .iter()
                .enumerate()
                .map(|(step, (status, state))| {
                    let extra = if status.ends_with("shipped") {
                        let tracking = format!("JJD{number}{}", packages.len() + 1);
                        packages.push(super::package("DHL", &tracking, step, &[]));
                        json!({"packages": packages})
                    } else {
                        json!({})
                    };
                    let order = json!({"id": number, "number_prefix": "T2-"});
                    LifeEvent {
                        message: super::message(self.name(), &order, step, status, extra),
                        effects: state.map(|s| Effect::new(&target, s)).into_iter().collect(),
                    }
                })
                .collect();
            lives.push(OrderLife { events, refused });
        }
        lives
    }

    /// Each order a call applied (return code 0) with the data it carried.
    fn accepted(&self) -> Vec<Accepted> {
        self.scene
            .sandbox
            .calls()
            .into_iter()
            .flat_map(|call| call.orders)
            .filter(|order| order.return_code == 0)
            .map(|order| Accepted {
                state: order.status.to_lowercase(),
                facts: format!(
                    "{} | {:?} | {:?} | {:?}",
                    order.status, order.packages, order.payments, order.export_time
                ),
                target: order.key,
            })
            .collect()
    }

    fn requests(&self) -> usize {
        self.scene.sandbox.requests() as usize
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
            SoakFault::ServerErrors(n) => Fault::new(FaultKind::ServerError).times(n),
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
        vec![PASSWORD.to_owned()]
    }
}
