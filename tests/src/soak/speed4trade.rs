//! STUB: to be written (the soak adapter of speed4trade).

use std::time::Duration;

use orderstatus::message::PlatformName;
use rand::rngs::StdRng;

use super::{Accepted, OrderLife, SoakFault, SoakPlatform};
use crate::stack::TestStack;

pub struct Speed4TradeSoak {
    scene: crate::speed4trade::Speed4TradeScene,
}

impl Speed4TradeSoak {
    pub async fn start(_visibility: Duration) -> Self {
        todo!()
    }
}

impl SoakPlatform for Speed4TradeSoak {
    fn name(&self) -> PlatformName {
        todo!()
    }
    fn stack(&self) -> &TestStack {
        &self.scene.stack
    }
    fn lives(&self, _rng: &mut StdRng, _first: usize, _count: usize) -> Vec<OrderLife> {
        todo!()
    }
    fn accepted(&self) -> Vec<Accepted> {
        todo!()
    }
    fn requests(&self) -> usize {
        todo!()
    }
    fn faults(&self) -> Vec<SoakFault> {
        todo!()
    }
    fn inject(&self, _fault: SoakFault) {
        todo!()
    }
    fn clear_faults(&self) {
        todo!()
    }
    fn secrets(&self) -> Vec<String> {
        todo!()
    }
}
