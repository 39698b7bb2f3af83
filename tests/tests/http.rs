//! The shared HTTP client's retry rules, against a scripted local server.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::post;
use orderstatus::http::{HttpClient, RetryPolicy};

/// Status and `Retry-After` of one scripted answer.
type Answer = (u16, Option<String>);

/// A server answering each request with the next scripted (status, Retry-After) pair, then 200.
struct Scripted {
    url: String,
    hits: Arc<Mutex<usize>>,
    task: tokio::task::JoinHandle<()>,
}

impl Scripted {
    async fn start(script: &[(u16, Option<&str>)]) -> Scripted {
        let answers: Arc<Mutex<VecDeque<Answer>>> = Arc::new(Mutex::new(
            script
                .iter()
                .map(|(s, r)| (*s, r.map(str::to_owned)))
                .collect(),
        ));
        let hits = Arc::new(Mutex::new(0));
        let counter = Arc::clone(&hits);
        let app = Router::new().route(
            "/",
            post(move || {
                let answers = Arc::clone(&answers);
                let counter = Arc::clone(&counter);
                async move {
                    *counter.lock().unwrap() += 1;
                    let (status, retry_after) =
                        answers.lock().unwrap().pop_front().unwrap_or((200, None));
                    let mut headers = HeaderMap::new();
                    if let Some(value) = retry_after {
                        headers.insert("retry-after", HeaderValue::from_str(&value).unwrap());
                    }
                    (
                        StatusCode::from_u16(status).unwrap(),
                        headers,
                        format!("answer {status}"),
                    )
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Scripted { url, hits, task }
    }

    fn hits(&self) -> usize {
        *self.hits.lock().unwrap()
    }
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn client() -> HttpClient {
    HttpClient::new(
        Duration::from_secs(5),
        RetryPolicy {
            max_attempts: 3,
            max_delay: Duration::from_secs(2),
        },
    )
    .unwrap()
}

#[tokio::test]
async fn server_errors_are_retried_until_success() {
    let server = Scripted::start(&[(500, None), (503, None)]).await;
    let response = client().send(|c| c.post(&server.url)).await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.attempts, 3);
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn retries_are_bounded_and_the_last_answer_returned() {
    let server = Scripted::start(&[(502, None), (502, None), (502, None), (502, None)]).await;
    let response = client().send(|c| c.post(&server.url)).await.unwrap();
    assert_eq!(response.status, 502);
    assert!(response.is_transient());
    assert_eq!(server.hits(), 3, "max_attempts is 3");
}

#[tokio::test]
async fn other_client_errors_are_not_retried() {
    let server = Scripted::start(&[(400, None)]).await;
    let response = client().send(|c| c.post(&server.url)).await.unwrap();
    assert_eq!(response.status, 400);
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = Scripted::start(&[(429, Some("1"))]).await;
    let started = Instant::now();
    let response = client().send(|c| c.post(&server.url)).await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(server.hits(), 2);
    // A lower bound only: the client must not come back before the platform said it may.
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_retry_after_longer_than_allowed_hands_back_at_once() {
    let server = Scripted::start(&[(429, Some("120"))]).await;
    let response = client().send(|c| c.post(&server.url)).await.unwrap();
    assert_eq!(response.status, 429);
    assert_eq!(server.hits(), 1, "SQS retries it later instead");
}

#[tokio::test]
async fn connection_failures_are_retried_then_reported() {
    // Bind and drop: nothing listens on this port now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/?Signature=abc123");
    let error = client().send(|c| c.post(&url)).await.unwrap_err();
    assert_eq!(error.attempts, 3);
    assert_eq!(error.kind, "connection failed");
    assert!(
        !error.to_string().contains("abc123"),
        "URL query leaked: {error}"
    );
}

#[tokio::test]
async fn a_body_saying_try_again_is_retried_like_a_429() {
    use orderstatus::answer::{BodySays, classify};
    let server = Scripted::start(&[(202, None), (202, None)]).await;
    let read = |response: &orderstatus::http::HttpResponse| {
        // The platform's reader: a 202 means "slow down" on this made-up platform.
        let says = if response.status == 202 {
            BodySays::RetryLater("slow down".to_owned())
        } else {
            BodySays::Answer(response.body.clone())
        };
        classify("P", response, says, |detail| detail.to_owned())
    };
    let answer = client()
        .exchange("P", |c| c.post(&server.url), read)
        .await
        .unwrap();
    assert_eq!(answer, "answer 200");
    assert_eq!(server.hits(), 3);

    let again = Scripted::start(&[(202, None), (202, None), (202, None)]).await;
    let refused = client()
        .exchange("P", |c| c.post(&again.url), read)
        .await
        .unwrap_err();
    assert_eq!(
        refused,
        orderstatus::platform::UnitResult::transient("P: slow down (HTTP 202 after 3 attempt(s))")
    );
    assert_eq!(again.hits(), 3, "bounded like any retry");
}

#[tokio::test]
async fn no_answer_at_all_is_transient_and_names_the_platform() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    drop(listener);
    let refused = client()
        .exchange("P", |c| c.post(&url), |_| Ok(()))
        .await
        .unwrap_err();
    match refused {
        orderstatus::platform::UnitResult::Transient { message } => {
            assert!(
                message.starts_with("P unreachable: connection failed after 3 attempt(s)"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_platforms_limit_holds_the_requests_in_flight_of_one_copy() {
    use orderstatus::answer::{BodySays, classify};
    use orderstatus::http::ClientSettings;
    use orderstatus::limits::{LimitScope, RequestLimits};
    use std::sync::atomic::{AtomicUsize, Ordering};

    // A server that takes 100 ms per request and remembers the most it served at once.
    let now = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (n, m) = (Arc::clone(&now), Arc::clone(&most));
    let app = Router::new().route(
        "/",
        post(move || {
            let (now, most) = (Arc::clone(&n), Arc::clone(&m));
            async move {
                let current = now.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(current, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(100)).await;
                now.fetch_sub(1, Ordering::SeqCst);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    // The platform allows 5 in flight for the integration; this is one of two copies.
    let limits = RequestLimits {
        in_flight: Some(5),
        in_flight_scope: LimitScope::Integration,
        ..RequestLimits::NONE
    };
    let settings = ClientSettings {
        timeout: Duration::from_secs(5),
        copies: 2,
    };
    let client = settings.client(limits).unwrap();
    let calls = (0..12).map(|i| {
        let (client, url) = (&client, &url);
        async move {
            let account = if i % 2 == 0 { "a" } else { "b" };
            client
                .exchange_for(
                    "P",
                    account,
                    |c| c.post(url),
                    |r| classify("P", r, BodySays::Answer(()), |d| d.to_owned()),
                )
                .await
        }
    });
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(
        most.load(Ordering::SeqCst),
        2,
        "5 for two copies is 2 each, whatever the account"
    );
    server.abort();
}
