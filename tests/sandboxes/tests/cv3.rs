//! The CV3 sandbox over real HTTP, as the uploader's client will see it.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use orderstatus_sandboxes::cv3::{
    Cv3Credentials, Cv3Sandbox, Fault, FaultKind, Received, ReceivedConfirmation, ReceivedStatus,
};
use quick_xml::escape::unescape;
use quick_xml::events::Event;
use quick_xml::reader::Reader;
use reqwest::{Client, StatusCode};

const ACTION: &str = "https://service.commercev3.com/index.php/CV3Data";
const AUTH_FAILED: &str = "Authentication failed: invalid user, password or service ID";

fn credentials(pass: &str) -> Cv3Credentials {
    Cv3Credentials {
        user: "shop".to_owned(),
        pass: pass.to_owned(),
        service_id: "svc-1".to_owned(),
    }
}

async fn sandbox() -> Cv3Sandbox {
    Cv3Sandbox::start(credentials("secret")).await.unwrap()
}

fn http() -> Client {
    // A proxy from the environment must not intercept 127.0.0.1.
    Client::builder().no_proxy().build().unwrap()
}

/// An inner document authenticating with `pass`, followed by `rest`.
fn document(pass: &str, rest: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><CV3Data version="2.0"><request><authenticate><user>shop</user><pass>{pass}</pass><serviceID>svc-1</serviceID></authenticate></request>{rest}</CV3Data>"#
    )
}

fn envelope(inner: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body><ns1:CV3Data xmlns:ns1="http://soapinterop.org/"><data>{}</data></ns1:CV3Data></SOAP-ENV:Body></SOAP-ENV:Envelope>"#,
        STANDARD.encode(inner)
    )
}

async fn call(sandbox: &Cv3Sandbox, inner: &str) -> reqwest::Response {
    http()
        .post(sandbox.base_url())
        .header("Content-Type", "text/xml; charset=utf-8")
        .header("SOAPAction", ACTION)
        .body(envelope(inner))
        .send()
        .await
        .unwrap()
}

/// The texts of every element named `local_name`, unescaped.
fn texts(xml: &str, local_name: &str) -> Vec<String> {
    let mut reader = Reader::from_str(xml);
    let mut found = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(start) if start.local_name().as_ref() == local_name.as_bytes() => {
                let raw = reader.read_text(start.name()).unwrap();
                found.push(unescape(&raw).unwrap().into_owned());
            }
            Event::Eof => return found,
            _ => {}
        }
    }
}

/// The decoded response document of a successful SOAP call.
async fn returned_document(response: reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/xml; charset=utf-8"
    );
    let body = response.text().await.unwrap();
    let [returned] = texts(&body, "return").try_into().expect("one <return>");
    String::from_utf8(STANDARD.decode(returned).unwrap()).unwrap()
}

async fn errors(response: reqwest::Response) -> Vec<String> {
    texts(&returned_document(response).await, "error")
}

async fn control(sandbox: &Cv3Sandbox, path: &str, json: &str) -> StatusCode {
    let url = sandbox
        .base_url()
        .replace("/index.php", &format!("/_sandbox/{path}"));
    http()
        .post(url)
        .body(json.to_owned())
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn records_a_valid_request_with_unescaped_values() {
    let sandbox = sandbox().await;
    let rest = r#"<confirm><orderConfirm><orderConf>1000</orderConf></orderConfirm></confirm>
        <orders>
          <status tracking_notification="true"><orderID>1001</orderID><status>Shipped 9/23/2018 &amp; "boxed" &lt;fragile&gt;</status><tracking>UPS: 1Z&amp;&lt;9 ; FedEx: "45"</tracking><custNum>C&amp;1</custNum></status>
          <status><orderID>1002</orderID><status>Processing</status><tracking></tracking></status>
        </orders>"#;

    let document = returned_document(call(&sandbox, &document("secret", rest)).await).await;

    assert_eq!(
        document,
        r#"<?xml version="1.0" encoding="UTF-8"?><CV3Data version="2.0"></CV3Data>"#
    );
    let expected = Received {
        requests: 1,
        authenticated: 1,
        auth_failures: 0,
        statuses: vec![
            ReceivedStatus {
                request: 1,
                order_id: "1001".to_owned(),
                status: r#"Shipped 9/23/2018 & "boxed" <fragile>"#.to_owned(),
                tracking: r#"UPS: 1Z&<9 ; FedEx: "45""#.to_owned(),
                customer_number: "C&1".to_owned(),
                tracking_notification: true,
            },
            ReceivedStatus {
                request: 1,
                order_id: "1002".to_owned(),
                status: "Processing".to_owned(),
                tracking: String::new(),
                customer_number: String::new(),
                tracking_notification: false,
            },
        ],
        confirmations: vec![ReceivedConfirmation {
            request: 1,
            order_id: "1000".to_owned(),
        }],
    };
    assert_eq!(sandbox.received(), expected);

    let url = sandbox
        .base_url()
        .replace("/index.php", "/_sandbox/received");
    let json = http().get(url).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(serde_json::from_slice::<Received>(&json).unwrap(), expected);
}

#[tokio::test]
async fn wrong_password_is_refused_and_nothing_is_recorded() {
    let sandbox = sandbox().await;
    let rest = "<orders><status><orderID>1</orderID><status>Shipped</status></status></orders>";

    let errors = errors(call(&sandbox, &document("stale", rest)).await).await;

    assert_eq!(errors, [AUTH_FAILED]);
    let received = sandbox.received();
    assert!(received.statuses.is_empty(), "{received:?}");
    assert_eq!((received.auth_failures, received.authenticated), (1, 0));
}

#[tokio::test]
async fn rotated_credentials_replace_the_old_ones() {
    let sandbox = sandbox().await;
    let rotation = r#"{"user":"shop","pass":"rotated","service_id":"svc-1"}"#;
    assert_eq!(
        control(&sandbox, "credentials", rotation).await,
        StatusCode::NO_CONTENT
    );

    assert_eq!(
        errors(call(&sandbox, &document("secret", "")).await).await,
        [AUTH_FAILED]
    );
    assert!(
        errors(call(&sandbox, &document("rotated", "")).await)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_bad_status_is_reported_while_its_neighbours_are_applied() {
    let sandbox = sandbox().await;
    sandbox.set_unknown_orders(&["404"]);
    let rest = r#"<orders>
        <status><orderID>12a</orderID><status>Shipped</status></status>
        <status><orderID>1003</orderID><status>Shipped</status></status>
        <status><orderID>404</orderID><status>Shipped</status></status>
        <status><orderID></orderID><status>Shipped</status></status>
      </orders>"#;

    let errors = errors(call(&sandbox, &document("secret", rest)).await).await;

    assert_eq!(
        errors,
        [
            "orderID 12a: order ID must be digits only",
            "orderID 404: order not found",
            "orderID (empty): order ID is required",
        ]
    );
    let applied: Vec<String> = sandbox
        .received()
        .statuses
        .into_iter()
        .map(|s| s.order_id)
        .collect();
    assert_eq!(applied, ["1003"]);
}

#[tokio::test]
async fn an_unusable_document_is_one_error_and_applies_nothing() {
    let sandbox = sandbox().await;
    let old_version = document("secret", "").replace(r#"version="2.0""#, r#"version="1.0""#);
    for inner in ["not xml at all".to_owned(), old_version] {
        let errors = errors(call(&sandbox, &inner).await).await;
        let [error] = errors.as_slice() else {
            panic!("expected one error, got {errors:?}")
        };
        assert!(error.starts_with("Invalid request document: "), "{error}");
    }
    let received = sandbox.received();
    assert_eq!((received.authenticated, received.auth_failures), (0, 0));
}

#[tokio::test]
async fn soap_action_is_required() {
    let sandbox = sandbox().await;
    let response = http()
        .post(sandbox.base_url())
        .header("Content-Type", "text/xml; charset=utf-8")
        .body(envelope(&document("secret", "")))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = response.text().await.unwrap();
    assert_eq!(texts(&body, "faultcode"), ["SOAP-ENV:Client"]);
    assert_eq!(sandbox.received().authenticated, 0);
}

#[tokio::test]
async fn transport_rules_follow_soap_1_1() {
    let sandbox = sandbox().await;
    let inner = document("secret", "");
    let root = sandbox.base_url().replace("/index.php", "/");
    let post = |url: &str, content_type: &str, action: &str| {
        http()
            .post(url)
            .header("Content-Type", content_type)
            .header("SOAPAction", action)
            .body(envelope(&inner))
            .send()
    };

    let json = post(&sandbox.base_url(), "application/json", ACTION)
        .await
        .unwrap();
    assert_eq!(json.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let other_action = post(&sandbox.base_url(), "text/xml", "urn:test")
        .await
        .unwrap();
    assert_eq!(other_action.status(), StatusCode::INTERNAL_SERVER_ERROR);
    // Quoted actions and the bare root path are what other CV3 clients send.
    let quoted = post(&root, "text/xml", &format!("\"{ACTION}\""))
        .await
        .unwrap();
    assert!(errors(quoted).await.is_empty());
}

#[tokio::test]
async fn http500_fault_is_served_once_then_requests_succeed() {
    let sandbox = sandbox().await;
    sandbox.inject(Fault::new(FaultKind::Http500));

    let failed = call(&sandbox, &document("secret", "")).await;
    assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        failed
            .text()
            .await
            .unwrap()
            .contains("500 Internal Server Error")
    );

    let rest = "<orders><status><orderID>7</orderID><status>Shipped</status></status></orders>";
    assert!(
        errors(call(&sandbox, &document("secret", rest)).await)
            .await
            .is_empty()
    );
    let received = sandbox.received();
    assert_eq!(received.requests, 2);
    assert_eq!(
        received.statuses[0].request, 2,
        "numbered after the failed request"
    );
}

#[tokio::test]
async fn slow_fault_delays_the_answer() {
    let sandbox = sandbox().await;
    sandbox.inject(Fault::new(FaultKind::Slow).delay_ms(60_000));
    let rest = "<orders><status><orderID>8</orderID><status>Shipped</status></status></orders>";

    let impatient = http()
        .post(sandbox.base_url())
        .header("Content-Type", "text/xml")
        .header("SOAPAction", ACTION)
        .body(envelope(&document("secret", rest)))
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(
        impatient.is_err_and(|e| e.is_timeout()),
        "a minute's delay outlasts the client"
    );

    sandbox.inject(Fault::new(FaultKind::Slow).delay_ms(10));
    assert!(
        errors(call(&sandbox, &document("secret", rest)).await)
            .await
            .is_empty()
    );
    assert_eq!(
        sandbox.received().statuses.len(),
        1,
        "a slow request is still applied"
    );
}

#[tokio::test]
async fn error_fault_answers_an_error_document_and_applies_nothing() {
    let sandbox = sandbox().await;
    sandbox.inject(Fault::new(FaultKind::Error).message("Database <down> & out"));
    let rest = "<orders><status><orderID>9</orderID><status>Shipped</status></status></orders>";

    assert_eq!(
        errors(call(&sandbox, &document("secret", rest)).await).await,
        ["Database <down> & out"]
    );
    assert!(sandbox.received().statuses.is_empty());
}

#[tokio::test]
async fn garbage_fault_answers_a_non_xml_page() {
    let sandbox = sandbox().await;
    sandbox.inject(Fault::new(FaultKind::Garbage));

    let response = call(&sandbox, &document("secret", "")).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().starts_with("<html>"));
}

#[tokio::test]
async fn soap_fault_answers_a_server_fault() {
    let sandbox = sandbox().await;
    sandbox.inject(Fault::new(FaultKind::SoapFault).message("Maintenance"));

    let response = call(&sandbox, &document("secret", "")).await;

    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = response.text().await.unwrap();
    assert_eq!(texts(&body, "faultcode"), ["SOAP-ENV:Server"]);
    assert_eq!(texts(&body, "faultstring"), ["Maintenance"]);
}

#[tokio::test]
async fn unauthorized_fault_answers_401() {
    let sandbox = sandbox().await;
    sandbox.inject(Fault::new(FaultKind::Unauthorized));

    let response = call(&sandbox, &document("secret", "")).await;

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(sandbox.received().authenticated, 0);
}

#[tokio::test]
async fn faults_queued_over_http_repeat_and_run_in_order() {
    let sandbox = sandbox().await;
    let queued = [
        r#"{"kind":"http500","times":2}"#,
        r#"{"kind":"unauthorized"}"#,
    ];
    for fault in queued {
        assert_eq!(
            control(&sandbox, "faults", fault).await,
            StatusCode::NO_CONTENT
        );
    }

    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(call(&sandbox, &document("secret", "")).await.status());
    }

    assert_eq!(
        statuses,
        [
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::UNAUTHORIZED,
            StatusCode::OK
        ]
    );
}

#[tokio::test]
async fn control_endpoints_set_unknown_orders_and_reset() {
    let sandbox = sandbox().await;
    let unknown = r#"{"order_ids":["55"]}"#;
    assert_eq!(
        control(&sandbox, "unknown_orders", unknown).await,
        StatusCode::NO_CONTENT
    );
    let rest = "<orders><status><orderID>55</orderID><status>Shipped</status></status></orders>";
    let refused = errors(call(&sandbox, &document("secret", rest)).await).await;
    assert_eq!(refused, ["orderID 55: order not found"]);
    sandbox.inject(Fault::new(FaultKind::Unauthorized));

    assert_eq!(control(&sandbox, "reset", "").await, StatusCode::NO_CONTENT);

    assert_eq!(sandbox.received(), Received::default());
    assert!(
        errors(call(&sandbox, &document("secret", rest)).await)
            .await
            .is_empty()
    );
    assert_eq!(sandbox.received().statuses.len(), 1);
}

#[tokio::test]
async fn stop_closes_the_port() {
    let sandbox = sandbox().await;
    let url = sandbox.base_url();
    sandbox.stop().await;

    let refused = http().post(url).body("").send().await;
    assert!(refused.is_err_and(|e| e.is_connect()));
}

#[test]
fn the_binary_announces_its_url_and_exits_cleanly_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cv3-sandbox"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .strip_prefix("cv3-sandbox listening on ")
        .map(str::trim_end);
    assert!(
        url.is_some_and(|url| url.starts_with("http://127.0.0.1:") && url.ends_with("/index.php")),
        "{line:?}"
    );

    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert!(term.unwrap().success());
    assert!(child.wait().unwrap().success());
}
