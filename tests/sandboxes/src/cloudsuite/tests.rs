//! The sandbox over HTTP, as a client meets it: tokens, lookups, PATCH rules, DESADV, custom
//! statuses, faults and the control endpoints.

use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use serde_json::{Value, json};

use super::*;

const FIXTURE: &str = include_str!("../../../fixtures/cloudsuite/orders.json");
const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

struct Reply {
    status: u16,
    retry_after: Option<String>,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// A client of a started sandbox holding the seed's orders.
struct Api {
    sandbox: CloudSuiteSandbox,
    http: reqwest::Client,
    token: String,
}

impl Api {
    async fn start() -> Self {
        Self::start_with(CloudSuiteConfig::default()).await
    }

    async fn start_with(config: CloudSuiteConfig) -> Self {
        let sandbox = CloudSuiteSandbox::start(config).await.expect("start");
        let orders: Vec<Order> = serde_json::from_str(FIXTURE).expect("fixture");
        for order in orders {
            sandbox.add_order(order);
        }
        let mut api = Self {
            sandbox,
            // A proxy from the environment must not intercept 127.0.0.1.
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
            token: String::new(),
        };
        api.token = api.login("sandbox-client-secret").await.expect("token");
        api
    }

    /// A token by client credentials in the form, as CloudSuite asks; `Err` is the status.
    async fn login(&self, secret: &str) -> Result<String, u16> {
        let form = format!(
            "grant_type=client_credentials&client_id=sandbox-client&client_secret={secret}&scope=openid"
        );
        let reply = self
            .raw(
                Method::POST,
                &self.sandbox.token_url(),
                None,
                Some(FORM),
                form,
            )
            .await;
        if reply.status != 200 {
            return Err(reply.status);
        }
        Ok(reply.json()["access_token"].as_str().unwrap().to_owned())
    }

    async fn raw(
        &self,
        method: Method,
        url: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: String,
    ) -> Reply {
        let mut request = self.http.request(method, url).body(body);
        if let Some(token) = token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(content_type) = content_type {
            request = request.header(CONTENT_TYPE, content_type);
        }
        let response = request.send().await.expect("send");
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .map(|v| v.to_str().unwrap().to_owned());
        let body = response.text().await.expect("body");
        Reply {
            status,
            retry_after,
            body,
        }
    }

    /// An API call with the client's token.
    async fn call(&self, method: Method, path: &str, content_type: &str, body: String) -> Reply {
        let url = format!("{}{path}", self.sandbox.base_url());
        let content_type = Some(content_type).filter(|c| !c.is_empty());
        self.raw(method, &url, Some(&self.token), content_type, body)
            .await
    }

    async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, "", String::new()).await
    }

    async fn patch(&self, id: u64, body: Value) -> Reply {
        let path = format!("/api/order/{id}/");
        self.call(Method::PATCH, &path, JSON, body.to_string())
            .await
    }

    async fn desadv(&self, content_type: &str, body: String) -> Reply {
        let path = "/proxy/des_adv_xml/delivery/?shop=1&user=10";
        self.call(Method::POST, path, content_type, body).await
    }

    async fn status(&self, body: Value) -> Reply {
        let path = "/proxy/v1/orderstatus/?shop=1";
        self.call(Method::POST, path, JSON, body.to_string()).await
    }

    fn shipment_state(&self, id: u64) -> String {
        self.sandbox.order(id).unwrap().shipment_state
    }
}

/// A DESADV in XML; `items` are (ItemNum, OrderNum, QuantityValue).
fn desadv_xml(number: &str, items: &[(i64, &str, &str)]) -> String {
    let items: String = items
        .iter()
        .map(|(num, order, quantity)| {
            format!(
                "<Item><ItemNum>{num}</ItemNum><OrderNum>{order}</OrderNum>\
                 <QuantityValue>{quantity}</QuantityValue><SellerItemID>124_STUK</SellerItemID></Item>"
            )
        })
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Desadv><DesadvHeader><DesadvNumber>{number}</DesadvNumber><DesadvDate>2024-10-23</DesadvDate>
<PlannedDeliveryDate>2024-10-24</PlannedDeliveryDate><TransportDetails><TransportModeCode>DHL</TransportModeCode>
<MeansOfTransport><Identification>JD014600003</Identification></MeansOfTransport></TransportDetails>
<Comment>Tom &amp; Jerry</Comment></DesadvHeader>
<DesadvDetail><Packaging><LineItems>{items}</LineItems></Packaging></DesadvDetail></Desadv>"#
    )
}

/// The same message in JSON.
fn desadv_json(number: &str, items: &[(i64, &str, f64)]) -> String {
    let items: Vec<Value> = items
        .iter()
        .map(|(num, order, quantity)| {
            json!({"ItemNum": num, "OrderNum": order, "QuantityValue": quantity, "SellerItemID": "124_STUK"})
        })
        .collect();
    json!({"Desadv": {
        "DesadvHeader": {"DesadvNumber": number, "DesadvDate": "2024-10-23", "PlannedDeliveryDate": "2024-10-24",
            "TransportDetails": {"TransportModeCode": "", "MeansOfTransport": {"Identification": ""}}},
        "DesadvDetail": {"Packaging": {"LineItems": {"Item": items}}}}})
    .to_string()
}

#[tokio::test]
async fn calls_without_a_live_token_are_401_and_recorded() {
    let api = Api::start_with(CloudSuiteConfig {
        token_lifetime: Duration::from_millis(300),
        ..CloudSuiteConfig::default()
    })
    .await;
    let url = format!("{}/api/order/12345/", api.sandbox.base_url());
    let anonymous = api.raw(Method::GET, &url, None, None, String::new()).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(
        anonymous.json(),
        json!({"detail": "Invalid or expired token."})
    );
    assert_eq!(api.get("/api/order/12345/").await.status, 200);
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(api.get("/api/order/12345/").await.status, 401);
    let statuses: Vec<u16> = api.sandbox.calls().iter().map(|c| c.status).collect();
    assert_eq!(statuses, [401, 200, 401]);
}

#[tokio::test]
async fn a_rotated_secret_refuses_logins_until_reset() {
    let api = Api::start().await;
    api.sandbox.tokens().set_client_secret("rotated");
    assert_eq!(api.login("sandbox-client-secret").await, Err(401));
    assert!(api.login("rotated").await.is_ok());
    // Tokens issued before the rotation stay live.
    assert_eq!(api.get("/api/order/12345/").await.status, 200);
    api.sandbox.reset();
    assert!(api.login("sandbox-client-secret").await.is_ok());
}

#[tokio::test]
async fn a_reference_in_two_webshops_needs_the_webshop() {
    let api = Api::start().await;
    let both = api.get("/api/order/?reference=CS48195").await.json();
    assert_eq!(both["count"], 2);
    assert_eq!(both["next"], Value::Null);
    let ids: Vec<&Value> = both["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["id"])
        .collect();
    assert_eq!(ids, [&json!(12347), &json!(22001)]);
    let one = api
        .get("/api/order/?reference=CS48195&webshop=2&state=confirmed")
        .await
        .json();
    assert_eq!(one["count"], 1);
    assert_eq!(one["results"][0]["id"], 22001);
    let none = api.get("/api/order/?reference=CS00000").await.json();
    assert_eq!(none["count"], 0);
    let bad = api.get("/api/order/?reference=CS48195&webshop=two").await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json(), json!({"webshop": ["Enter a number."]}));
}

#[tokio::test]
async fn an_order_reads_as_the_platform_shows_it() {
    let api = Api::start().await;
    let order = api.get("/api/order/12345/").await;
    assert_eq!(order.status, 200);
    assert_eq!(
        order.json(),
        json!({"id": 12345, "reference": "CS48193", "webshop": 1, "state": "confirmed",
            "shipment_state": "not_sent", "erp_order_number": null, "order_lines": [
                {"erp_line_number": 11, "product": {"key": "124_STUK"}, "quantity": 1.0},
                {"erp_line_number": 22, "product": {"key": "123_KG"}, "quantity": 2.0}]})
    );
    for path in ["/api/order/99999/", "/api/order/abc/", "/api/orders/"] {
        let missing = api.get(path).await;
        assert_eq!(missing.status, 404, "{path}");
        assert_eq!(missing.json(), json!({"detail": "Not found."}));
    }
    let post = api
        .call(Method::POST, "/api/order/12345/", JSON, "{}".into())
        .await;
    assert_eq!(post.status, 405);
    assert_eq!(
        post.json(),
        json!({"detail": "Method \"POST\" not allowed."})
    );
}

#[tokio::test]
async fn patch_moves_an_order_forward_only() {
    let api = Api::start().await;
    let reply = api
        .patch(
            12345,
            json!({"state": "processing", "erp_order_number": "ERP-124578"}),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["state"], "processing");
    assert_eq!(reply.json()["erp_order_number"], "ERP-124578");
    // The same state again is no change, and fine.
    assert_eq!(
        api.patch(12345, json!({"state": "processing"}))
            .await
            .status,
        200
    );

    let back = api.patch(12345, json!({"state": "confirmed"})).await;
    assert_eq!(back.status, 400);
    assert_eq!(
        back.json(),
        json!({"state": ["Order 12345 cannot change state from \"processing\" to \"confirmed\"."]})
    );

    let done = api
        .patch(
            12348,
            json!({"state": "cancel", "shipment_state": "not_sent"}),
        )
        .await;
    assert_eq!(done.status, 400);
    assert_eq!(
        done.json()["state"],
        json!(["Order 12348 cannot change state from \"done\" to \"cancel\"."])
    );
    // A refused PATCH applies none of its fields.
    let order = api.sandbox.order(12348).unwrap();
    assert_eq!(
        (order.state.as_str(), order.shipment_state.as_str()),
        ("done", "sent")
    );

    assert_eq!(
        api.patch(12346, json!({"state": "cancel"})).await.status,
        200
    );
    let canceled = api.patch(12346, json!({"state": "processing"})).await;
    assert_eq!(
        canceled.json(),
        json!({"state": ["Order 12346 is canceled; its state cannot change."]})
    );
    let shipped = api.patch(12346, json!({"shipment_state": "sent"})).await;
    assert_eq!(shipped.status, 400);
}

#[tokio::test]
async fn patch_refuses_what_drf_refuses() {
    let api = Api::start().await;
    let choice = api.patch(12345, json!({"state": "shipped"})).await;
    assert_eq!(
        choice.json(),
        json!({"state": ["\"shipped\" is not a valid choice."]})
    );
    let shipment = api.patch(12345, json!({"shipment_state": "gone"})).await;
    assert_eq!(
        shipment.json(),
        json!({"shipment_state": ["\"gone\" is not a valid choice."]})
    );
    let not_a_dict = api.patch(12345, json!("processing")).await;
    assert_eq!(
        not_a_dict.json(),
        json!({"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]})
    );
    let unknown = api.patch(99999, json!({"state": "processing"})).await;
    assert_eq!(unknown.status, 404);
    let form = api
        .call(
            Method::PATCH,
            "/api/order/12345/",
            FORM,
            "state=done".into(),
        )
        .await;
    assert_eq!(form.status, 415);
    let broken = api
        .call(Method::PATCH, "/api/order/12345/", JSON, "{".into())
        .await;
    assert_eq!(broken.status, 400);
    assert!(
        broken.json()["detail"]
            .as_str()
            .unwrap()
            .starts_with("JSON parse error")
    );
    assert_eq!(api.sandbox.order(12345).unwrap().state, "confirmed");
}

#[tokio::test]
async fn an_xml_desadv_is_taken_once() {
    let api = Api::start().await;
    let body = desadv_xml("SHIP-1", &[(11, "CS48193", "1.0000"), (22, "CS48193", "2")]);
    let first = api.desadv("application/xml", body.clone()).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.json(), json!({"id": 1, "DesadvNumber": "SHIP-1"}));
    assert_eq!(api.shipment_state(12345), "sent");
    let delivery = &api.sandbox.deliveries()[0];
    assert_eq!(
        (
            delivery.order_id,
            delivery.format.as_str(),
            delivery.tracking.as_str()
        ),
        (12345, "xml", "JD014600003")
    );
    assert_eq!(delivery.items[1].quantity, 2.0);

    let again = api.desadv("text/xml; charset=utf-8", body).await;
    assert_eq!(again.status, 400);
    assert_eq!(
        again.json(),
        json!({"DesadvNumber": ["Delivery with DesadvNumber SHIP-1 already exists."]})
    );
    assert_eq!(api.sandbox.deliveries().len(), 1);
}

#[tokio::test]
async fn a_desadv_naming_an_unknown_line_or_order_applies_nothing() {
    let api = Api::start().await;
    let body = desadv_xml("SHIP-2", &[(11, "CS48193", "1"), (99, "CS48193", "1")]);
    let unknown_line = api.desadv("application/xml", body).await;
    assert_eq!(unknown_line.status, 400);
    assert_eq!(
        unknown_line.json(),
        json!({"ItemNum": ["Order 12345 has no line with ItemNum 99."]})
    );
    let body = desadv_xml("SHIP-3", &[(10, "ERP-000000", "1")]);
    let unknown_order = api.desadv("application/xml", body).await;
    assert_eq!(
        unknown_order.json(),
        json!({"OrderNum": ["No order with number ERP-000000."]})
    );
    // An order the ERP has numbered is named by that number, not its reference.
    let body = desadv_xml("SHIP-4", &[(10, "CS48194", "1")]);
    assert_eq!(api.desadv("application/xml", body).await.status, 400);
    let bad_shape = desadv_xml("SHIP-5", &[(10, "ERP-124579", "1")])
        .replace("<ItemNum>10</ItemNum>", "<ItemNum>ten</ItemNum>");
    assert_eq!(
        api.desadv("application/xml", bad_shape).await.json(),
        json!({"Desadv.DesadvDetail.Packaging.LineItems.Item[0].ItemNum": ["A valid integer is required."]})
    );
    assert!(api.sandbox.deliveries().is_empty());
    assert_eq!(api.shipment_state(12345), "not_sent");
}

#[tokio::test]
async fn a_json_desadv_delivers_part_and_refuses_too_much() {
    let api = Api::start().await;
    let part = api
        .desadv(JSON, desadv_json("SHIP-J1", &[(10, "ERP-124579", 2.0)]))
        .await;
    assert_eq!(part.status, 201, "{}", part.body);
    assert_eq!(api.shipment_state(12346), "partially_sent");
    assert_eq!(api.sandbox.deliveries()[0].format, "json");

    let too_much = api
        .desadv(JSON, desadv_json("SHIP-J2", &[(10, "ERP-124579", 1.5)]))
        .await;
    assert_eq!(too_much.status, 400);
    assert_eq!(
        too_much.json(),
        json!({"QuantityValue": ["Line 10 of order 12346: 3 ordered and 2 delivered, so 1.5 more is too many."]})
    );
    let rest = api
        .desadv(JSON, desadv_json("SHIP-J3", &[(10, "ERP-124579", 1.0)]))
        .await;
    assert_eq!(rest.status, 201);
    assert_eq!(rest.json()["id"], 2);
    assert_eq!(api.shipment_state(12346), "sent");
    assert_eq!(api.sandbox.order(12346).unwrap().lines[0].delivered, 3.0);
}

#[tokio::test]
async fn a_desadv_needs_the_account_and_a_known_body_type() {
    let api = Api::start().await;
    let body = desadv_xml("SHIP-A", &[(11, "CS48193", "1")]);
    let path = "/proxy/des_adv_xml/delivery/?shop=2";
    let reply = api
        .call(Method::POST, path, "application/xml", body.clone())
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.json(),
        json!({"shop": ["Invalid pk \"2\" - object does not exist."], "user": ["This field is required."]})
    );
    let plain = api.desadv("text/plain", body).await;
    assert_eq!(plain.status, 415);
    // One reference in two webshops does not name one order.
    let ambiguous = api
        .desadv(
            "application/xml",
            desadv_xml("SHIP-B", &[(10, "CS48195", "1")]),
        )
        .await;
    assert_eq!(ambiguous.status, 400);
    assert!(ambiguous.json()["OrderNum"].is_array());
}

#[tokio::test]
async fn custom_statuses_land_on_the_timeline() {
    let api = Api::start().await;
    let by_id = api
        .status(json!({"CloudsuiteOrderId": 12345, "stateId": "returned",
            "state": {"lang": "nl_NL", "value": "Retour ontvangen"}, "dateTime": "2024-10-23T14:05:00+02:00"}))
        .await;
    assert_eq!(by_id.status, 201, "{}", by_id.body);
    assert_eq!(by_id.json(), json!({"id": 1}));
    let by_erp = api
        .status(
            json!({"orderId": "ERP-124579", "state": {"lang": "nl_NL", "value": "Onderweg"},
            "dateTime": "2024-10-23T12:00:00Z"}),
        )
        .await;
    assert_eq!(by_erp.status, 201);
    assert_eq!(
        api.sandbox.timeline(12345),
        [TimelineEntry {
            state_id: Some("returned".to_owned()),
            text: "Retour ontvangen".to_owned(),
            lang: "nl_NL".to_owned(),
            date_time: "2024-10-23T14:05:00+02:00".to_owned(),
        }]
    );
    assert_eq!(api.sandbox.timeline(12346)[0].text, "Onderweg");

    let unknown = api
        .status(json!({"CloudsuiteOrderId": 1, "state": {"value": "x"}, "dateTime": "2024-10-23T12:00:00Z"}))
        .await;
    assert_eq!(unknown.status, 404);
    let bad = api
        .status(
            json!({"CloudsuiteOrderId": 12345, "state": {"value": ""}, "dateTime": "yesterday"}),
        )
        .await;
    assert_eq!(bad.status, 400);
    let fields = bad.json();
    assert!(fields["state.value"].is_array() && fields["dateTime"].is_array());
    assert_eq!(api.sandbox.timeline(12345).len(), 1);
}

#[tokio::test]
async fn each_fault_answers_instead_and_applies_nothing() {
    let api = Api::start().await;
    let processing = json!({"state": "processing"});
    api.sandbox.inject(Fault::new(FaultKind::Unauthorized));
    api.sandbox.inject(Fault::new(FaultKind::TooManyRequests));
    api.sandbox.inject(Fault::new(FaultKind::ServerError));
    api.sandbox.inject(Fault::new(FaultKind::Garbage));

    let unauthorized = api.patch(12345, processing.clone()).await;
    assert_eq!(unauthorized.status, 401);
    assert_eq!(
        unauthorized.json(),
        json!({"detail": "Invalid or expired token."})
    );
    let throttled = api.patch(12345, processing.clone()).await;
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.retry_after.as_deref(), Some("1"));
    assert_eq!(
        throttled.json(),
        json!({"detail": "Request was throttled. Expected available in 1 second."})
    );
    assert_eq!(api.patch(12345, processing.clone()).await.status, 500);
    let garbage = api.patch(12345, processing.clone()).await;
    assert_eq!(garbage.status, 200);
    assert!(serde_json::from_str::<Value>(&garbage.body).is_err());
    assert_eq!(api.sandbox.order(12345).unwrap().state, "confirmed");

    assert_eq!(api.patch(12345, processing).await.status, 200);
    let calls = api.sandbox.calls();
    let statuses: Vec<u16> = calls.iter().map(|c| c.status).collect();
    assert_eq!(statuses, [401, 429, 500, 200, 200]);
    // The record tells the garbage 200 from the real one.
    let faults: Vec<Option<FaultKind>> = calls.iter().map(|c| c.fault).collect();
    assert_eq!(
        faults,
        [
            Some(FaultKind::Unauthorized),
            Some(FaultKind::TooManyRequests),
            Some(FaultKind::ServerError),
            Some(FaultKind::Garbage),
            None
        ]
    );
}

#[tokio::test]
async fn a_slow_fault_waits_then_handles_the_call() {
    let api = Api::start().await;
    api.sandbox
        .inject(Fault::new(FaultKind::Slow).delay_ms(200));
    let started = Instant::now();
    let reply = api.patch(12345, json!({"state": "processing"})).await;
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(reply.status, 200);
    assert_eq!(api.sandbox.order(12345).unwrap().state, "processing");
}

#[tokio::test]
async fn the_control_endpoints_steer_the_sandbox() {
    let api = Api::start().await;
    let control = |path: &str| format!("{}/_sandbox/{path}", api.sandbox.base_url());
    let order = json!([{"id": 1, "reference": "CS1", "webshop": 1, "state": "draft",
        "shipment_state": "not_sent", "erp_order_number": null,
        "lines": [{"erp_line_number": 1, "sku": "A", "quantity": 1.0}]}]);
    let added = api
        .raw(
            Method::POST,
            &control("orders"),
            None,
            None,
            order.to_string(),
        )
        .await;
    assert_eq!(added.status, 204);
    assert_eq!(api.sandbox.order(1).unwrap().lines[0].delivered, 0.0);
    let bad = json!([{"id": 2, "reference": "CS2", "webshop": 1, "state": "lost",
        "shipment_state": "not_sent", "erp_order_number": null, "lines": []}]);
    let refused = api
        .raw(
            Method::POST,
            &control("orders"),
            None,
            None,
            bad.to_string(),
        )
        .await;
    assert_eq!(refused.status, 400);
    assert!(api.sandbox.order(2).is_none());

    let fault = api
        .raw(
            Method::POST,
            &control("faults"),
            None,
            None,
            r#"{"kind":"server_error"}"#.into(),
        )
        .await;
    assert_eq!(fault.status, 204);
    assert_eq!(api.get("/api/order/1/").await.status, 500);
    api.status(json!({"CloudsuiteOrderId": 1, "state": {"value": "x"}, "dateTime": "2024-10-23T12:00:00Z"}))
        .await;

    let get = |path: &'static str| {
        let url = control(path);
        let api = &api;
        async move {
            api.raw(Method::GET, &url, None, None, String::new())
                .await
                .json()
        }
    };
    let calls = get("calls").await;
    assert_eq!(calls[0]["path"], "/api/order/1/");
    assert_eq!(calls[0]["status"], 500);
    assert_eq!(calls[1]["query"], "shop=1");
    assert_eq!(calls[1]["content_type"], JSON);
    assert_eq!(get("orders").await.as_array().unwrap().len(), 6);
    assert_eq!(get("timeline/1").await[0]["text"], "x");
    assert_eq!(get("deliveries").await, json!([]));

    let reset = api
        .raw(Method::POST, &control("reset"), None, None, String::new())
        .await;
    assert_eq!(reset.status, 204);
    assert!(api.sandbox.orders().is_empty());
    assert!(api.sandbox.calls().is_empty());
    assert!(api.sandbox.timeline(1).is_empty());
}

#[test]
fn the_config_hides_its_secret() {
    let config = CloudSuiteConfig {
        client_secret: "hunter2".to_owned(),
        ..CloudSuiteConfig::default()
    };
    let shown = format!("{config:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("sandbox-client"));
}

#[test]
fn the_fixture_holds_the_seed_orders() {
    let orders: Vec<Order> = serde_json::from_str(FIXTURE).unwrap();
    let ids: Vec<u64> = orders.iter().map(|o| o.id).collect();
    assert_eq!(ids, [12345, 12346, 12347, 22001, 12348]);
    assert!(orders.iter().all(|o| o.check().is_ok()));
}
