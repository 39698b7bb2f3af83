//! The conformance suite (`orderstatus_tests::conformance`) for every platform: one line each.

orderstatus_tests::conformance_tests!(cv3, orderstatus_tests::cv3::Cv3Scene);
orderstatus_tests::conformance_tests!(
    sellercenter,
    orderstatus_tests::sellercenter::SellerCenterScene
);
orderstatus_tests::conformance_tests!(cloudsuite, orderstatus_tests::cloudsuite::CloudSuiteScene);
orderstatus_tests::conformance_tests!(
    speed4trade,
    orderstatus_tests::speed4trade::Speed4TradeScene
);
orderstatus_tests::conformance_tests!(
    channeladvisor,
    orderstatus_tests::channeladvisor::ChannelAdvisorScene
);
