//! `orderstatus render`: the exact CV3 request for seed 000's example, offline, sending nothing.

use orderstatus_sandboxes::cv3::Cv3Sandbox;
use orderstatus_tests::cli::{Scratch, fixture, run};
use orderstatus_tests::cv3::credentials;
use serde_json::json;

/// An environment in which any AWS call fails at once: a closed port, no credentials.
fn offline_env() -> Vec<(String, String)> {
    vec![
        ("AWS_ENDPOINT_URL".into(), "http://127.0.0.1:9".into()),
        ("AWS_REGION".into(), "us-east-1".into()),
        ("ALLOW_INSECURE_HTTP".into(), "true".into()),
    ]
}

#[tokio::test]
async fn render_shows_seed_000_as_cv3_would_receive_it_and_sends_nothing() {
    // The account points at a live sandbox: had render sent anything, it would have counted it.
    let sandbox = Cv3Sandbox::start(credentials()).await.expect("sandbox");
    let c = credentials();
    let account = json!({"base_url": sandbox.base_url(), "user": c.user, "pass": c.pass,
                         "service_id": c.service_id, "time_zone": "America/New_York"});
    let dir = Scratch::new();
    let config = dir.write("account.json", &account.to_string());
    let seed = fixture("cv3/seed-000.jsonl");
    let args = ["render", "--platform", "cv3", "--config", &config, &seed];

    let shown = run(&args, &offline_env(), None).await;
    shown.expect_code(0);
    assert!(
        shown.stdout.contains("<status>Shipped 9/23/2018</status>"),
        "{shown:#?}"
    );
    assert!(
        shown
            .stdout
            .contains("<tracking>UPS: 1Z3123134135 ; FedEx: 4563543534</tracking>"),
        "{shown:#?}"
    );
    assert!(
        shown
            .stdout
            .contains(&format!("POST {}", sandbox.base_url()))
    );
    assert!(shown.stdout.contains("nothing was sent"));

    let as_json = run(&[&args[..], &["--json"]].concat(), &offline_env(), None).await;
    as_json.expect_code(0);
    let rendered = as_json.json();
    let requests = rendered["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 1, "three orders, one CV3Data call");
    let inner = requests[0]["extras"][0][1].as_str().unwrap();
    assert!(inner.contains("Shipped 9/23/2018"), "{inner}");
    assert_eq!(rendered["units"].as_array().unwrap().len(), 3);

    for output in [&shown.stdout, &shown.stderr, &as_json.stdout] {
        for secret in [&c.user, &c.pass, &c.service_id] {
            assert!(
                !output.contains(secret.as_str()),
                "{secret} leaked: {output}"
            );
        }
    }
    assert_eq!(sandbox.received().requests, 0, "render sent a request");
}

#[tokio::test]
async fn render_names_bad_lines_and_a_bad_account_file() {
    let dir = Scratch::new();
    let config = fixture("cli/cv3-account.example.json");
    let messages = dir.write(
        "messages.jsonl",
        &std::fs::read_to_string(fixture("cv3/invalid.jsonl")).unwrap(),
    );
    let shown = run(
        &[
            "render",
            "--platform",
            "cv3",
            "--config",
            &config,
            &messages,
        ],
        &offline_env(),
        None,
    )
    .await;
    shown.expect_code(1);
    assert!(
        shown
            .stderr
            .contains("line 1: packages[0].tracking_number: empty"),
        "{shown:#?}"
    );

    let broken = dir.write("broken.json", r#"{"base_url": "https://x", "user": "u"}"#);
    let refused = run(
        &[
            "render",
            "--platform",
            "cv3",
            "--config",
            &broken,
            &fixture("cv3/seed-000.jsonl"),
        ],
        &offline_env(),
        None,
    )
    .await;
    refused.expect_code(2);
    assert!(refused.stderr.contains("broken.json"), "{refused:#?}");
    assert!(refused.stderr.contains("pass"), "{refused:#?}");
}
