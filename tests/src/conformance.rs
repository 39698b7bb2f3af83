//! The conformance suite: what every platform must do, checked the same way for each, from its
//! fixtures and its sandbox. A platform joins by implementing [`ConformanceScene`] (a few lines
//! over its test scene) and one line of `conformance_tests!` in `tests/tests/conformance.rs`.
//!
//! The checks: the seed example uploads, at 2 ledger writes per target, and its redelivery
//! uploads nothing at 1 write per target; a refused unit sends only its message to the DLQ
//! with the platform's words; messages for the other platforms, and for an account without a
//! secret, go to the DLQ as `platform` and `config` beside the seed; a 500 is retried and
//! nothing is lost; a refused login is `auth`; `render` shows the calls and no secret; and the
//! compiled binary under the Lambda Runtime API gives the same outcomes as the worker.

use std::collections::BTreeMap;
use std::path::Path;

use orderstatus::message::PlatformName;
use orderstatus::platform::Platform;
use orderstatus::worker::WorkerSummary;

use crate::bad_input::processing_for;
use crate::cli::{run, stack_env};
use crate::lambda::LambdaFunction;
use crate::stack::TestStack;

/// One platform's scene, as the suite drives it.
#[allow(async_fn_in_trait)] // used with generics in this crate only, never as `dyn`
pub trait ConformanceScene: Sized {
    type Platform: Platform;

    /// A fresh scene: moto resources with a 1 s visibility timeout, the sandbox, the secret.
    async fn start() -> Self;
    fn stack(&self) -> &TestStack;
    /// The platform as its function builds it.
    fn platform(&self) -> Self::Platform;
    /// The seed example (the platform's fixture file), one message a line.
    fn seed_file(&self) -> &'static str;
    /// How many units the sandbox has applied so far.
    fn applied(&self) -> usize;
    /// A message the platform refuses (arranging the sandbox so), and words of its refusal.
    fn refused(&self) -> (String, &'static str);
    /// The next `times` calls answer HTTP 500.
    fn fail_calls(&self, times: u32);
    /// Every call answers HTTP 500 until [`ConformanceScene::clear_faults`].
    fn fail_every_call(&self) {
        self.fail_calls(100_000);
    }
    /// Drops the faults still queued.
    fn clear_faults(&self);
    /// From now on the sandbox refuses the account's credentials.
    fn refuse_login(&self);
    /// Secret values that must never be shown.
    fn secrets(&self) -> Vec<String>;

    fn seed(&self) -> Vec<String> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(self.seed_file());
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(str::to_owned)
            .collect()
    }

    async fn work(&self) -> WorkerSummary {
        self.stack().work(self.platform(), 20).await
    }
}

fn outcomes(summary: &WorkerSummary) -> BTreeMap<&'static str, usize> {
    summary.outcomes.clone()
}

/// Outcomes that mean "done, nothing wrong": uploaded, or nothing to upload.
fn all_done(summary: &WorkerSummary) -> bool {
    summary
        .messages
        .iter()
        .all(|m| matches!(m.outcome.name(), "uploaded" | "not_applicable"))
}

pub async fn the_seed_uploads_once_at_two_writes_a_target<S: ConformanceScene>() {
    let scene = S::start().await;
    let seed = scene.seed();
    scene.stack().send(&seed).await;
    scene.stack().dynamodb_requests.reset();
    let first = scene.work().await;
    assert_eq!(first.received, seed.len());
    assert!(all_done(&first), "{:?}", first.messages);
    assert!(scene.applied() > 0, "the sandbox applied nothing");
    let targets = scene.stack().ledger_count().await;
    assert_eq!(
        scene.stack().ledger_writes(),
        2 * targets,
        "a claim and a commit per target"
    );

    let applied = scene.applied();
    scene.stack().send(&seed).await;
    scene.stack().dynamodb_requests.reset();
    let again = scene.work().await;
    assert!(
        again
            .messages
            .iter()
            .all(|m| matches!(m.outcome.name(), "duplicate" | "not_applicable")),
        "{:?}",
        again.messages
    );
    assert_eq!(scene.applied(), applied, "a redelivery uploads nothing");
    assert!(
        scene.stack().ledger_writes() <= targets,
        "at most one write per target for a duplicate"
    );
    assert_eq!(scene.stack().depth(&scene.stack().queue_url).await, 0);
}

pub async fn a_refused_unit_sends_only_its_message_to_the_dlq<S: ConformanceScene>() {
    let scene = S::start().await;
    let (refused, words) = scene.refused();
    let mut messages = scene.seed();
    messages.push(refused);
    scene.stack().send(&messages).await;
    let summary = scene.work().await;
    assert_eq!(
        outcomes(&summary).get("rejected"),
        Some(&1),
        "{:?}",
        summary.messages
    );
    let letters = scene.stack().dead_letter_attributes().await;
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert_eq!(letters[0].reason, "platform");
    assert!(letters[0].error.contains(words), "{letters:?}");
    let neighbours = summary
        .messages
        .iter()
        .filter(|m| m.outcome.name() != "rejected");
    for message in neighbours {
        assert!(
            matches!(message.outcome.name(), "uploaded" | "not_applicable"),
            "{message:?}"
        );
    }
}

pub async fn messages_for_other_platforms_and_accounts_are_dead_lettered_beside_the_seed<
    S: ConformanceScene,
>() {
    let scene = S::start().await;
    let this = S::Platform::NAME;
    let mut expected: Vec<(String, String)> = Vec::new();
    let mut messages = scene.seed();
    for (i, other) in PlatformName::ALL
        .into_iter()
        .filter(|p| *p != this)
        .enumerate()
    {
        messages.push(processing_for(other.as_str(), &format!("7700{i}")));
        expected.push((
            "platform".to_owned(),
            format!("platform: this function uploads to {this}, the message is for {other} "),
        ));
    }
    let mut stranger: serde_json::Value =
        serde_json::from_str(&processing_for(this.as_str(), "77009")).unwrap();
    stranger["account"] = "no-such-store".into();
    messages.push(stranger.to_string());
    expected.push(("config".to_owned(), "account: no secret ".to_owned()));
    scene.stack().send(&messages).await;
    let summary = scene.work().await;
    assert_eq!(summary.received, messages.len());
    assert_eq!(outcomes(&summary).get("invalid"), Some(&expected.len()));
    let neighbours = summary
        .messages
        .iter()
        .filter(|m| m.outcome.name() != "invalid");
    for message in neighbours {
        assert!(
            matches!(message.outcome.name(), "uploaded" | "not_applicable"),
            "{message:?}"
        );
    }
    assert!(scene.applied() > 0, "the sandbox applied nothing");
    let mut letters: Vec<(String, String)> = scene
        .stack()
        .dead_letter_attributes()
        .await
        .into_iter()
        .map(|letter| (letter.reason, letter.error))
        .collect();
    letters.sort();
    expected.sort();
    assert_eq!(letters.len(), expected.len(), "{letters:?}");
    for ((reason, error), (expected_reason, start)) in letters.iter().zip(&expected) {
        assert_eq!(reason, expected_reason, "{error}");
        assert!(
            error.starts_with(start.as_str()),
            "{error}, expected {start}…"
        );
    }
}

pub async fn a_server_error_is_retried_and_nothing_is_lost<S: ConformanceScene>() {
    let scene = S::start().await;
    // Two 500s: retried within the invocation. Then 500s for a whole invocation (whatever
    // its number of calls): back to SQS, then uploaded once the platform recovers.
    scene.fail_calls(2);
    scene.stack().send(&scene.seed()).await;
    let first = scene.work().await;
    assert!(all_done(&first), "{:?}", first.messages);

    let second = S::start().await;
    second.fail_every_call();
    second.stack().send(&second.seed()).await;
    let failed = second.stack().work(second.platform(), 1).await;
    second.clear_faults();
    assert!(
        failed
            .messages
            .iter()
            .any(|m| m.outcome.name() == "transient"),
        "{:?}",
        failed.messages
    );
    for _ in 0..10 {
        if second.stack().depth(&second.stack().queue_url).await == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        second.work().await;
    }
    assert_eq!(second.stack().depth(&second.stack().queue_url).await, 0);
    assert!(second.stack().dead_letters().await.is_empty());
    assert!(second.applied() > 0);
}

pub async fn a_refused_login_is_auth<S: ConformanceScene>() {
    let scene = S::start().await;
    scene.refuse_login();
    scene.stack().send(&scene.seed()).await;
    let summary = scene.work().await;
    let letters = scene.stack().dead_letter_attributes().await;
    assert!(!letters.is_empty(), "{:?}", summary.messages);
    for letter in &letters {
        assert_eq!(
            (letter.outcome.as_str(), letter.reason.as_str()),
            ("rejected", "auth"),
            "{letter:?}"
        );
        for secret in scene.secrets() {
            assert!(!letter.error.contains(&secret), "a secret in {letter:?}");
        }
    }
    assert_eq!(scene.applied(), 0);
}

pub async fn render_shows_the_calls_and_no_secret<S: ConformanceScene>() {
    let scene = S::start().await;
    let seed = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(scene.seed_file());
    let platform = S::Platform::NAME.as_str();
    let shown = run(
        &["render", "--platform", platform, seed.to_str().unwrap()],
        &stack_env(scene.stack()),
        None,
    )
    .await;
    shown.expect_code(0);
    assert!(
        shown.stdout.contains("POST http://127.0.0.1:"),
        "{shown:#?}"
    );
    for secret in scene.secrets() {
        assert!(
            !shown.stdout.contains(&secret) && !shown.stderr.contains(&secret),
            "a secret in the render: {shown:#?}"
        );
    }
    assert_eq!(scene.applied(), 0, "render sends nothing");
}

pub async fn the_binary_and_the_worker_agree<S: ConformanceScene>() {
    let by_worker = S::start().await;
    by_worker.stack().send(&by_worker.seed()).await;
    let summary = by_worker.work().await;
    let mut worker: Vec<(String, String)> = summary
        .messages
        .iter()
        .map(|m| {
            (
                m.order_id.clone().unwrap_or_default(),
                m.outcome.name().to_owned(),
            )
        })
        .collect();
    worker.sort();

    let by_binary = S::start().await;
    let name = S::Platform::NAME.as_str();
    let package = format!("orderstatus-{name}");
    let function =
        LambdaFunction::start(&package, &package, by_binary.stack().function_env_vars()).await;
    by_binary.stack().send(&by_binary.seed()).await;
    function.drain(by_binary.stack()).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let mut binary: Vec<(String, String)> = function
        .outcome_lines()
        .iter()
        .map(|line| {
            (
                line["order"].as_str().unwrap_or_default().to_owned(),
                line["outcome"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    binary.sort();
    function.stop().await;
    assert_eq!(binary, worker);
    assert_eq!(by_binary.applied(), by_worker.applied());
}

/// The suite's tests for one scene type, one `#[tokio::test]` each.
#[macro_export]
macro_rules! conformance_tests {
    ($module:ident, $scene:ty) => {
        mod $module {
            use $crate::conformance as suite;

            #[tokio::test]
            async fn the_seed_uploads_once_at_two_writes_a_target() {
                suite::the_seed_uploads_once_at_two_writes_a_target::<$scene>().await;
            }

            #[tokio::test]
            async fn a_refused_unit_sends_only_its_message_to_the_dlq() {
                suite::a_refused_unit_sends_only_its_message_to_the_dlq::<$scene>().await;
            }

            #[tokio::test]
            async fn messages_for_other_platforms_and_accounts_are_dead_lettered_beside_the_seed()
            {
                suite::messages_for_other_platforms_and_accounts_are_dead_lettered_beside_the_seed::<
                    $scene,
                >()
                .await;
            }

            #[tokio::test]
            async fn a_server_error_is_retried_and_nothing_is_lost() {
                suite::a_server_error_is_retried_and_nothing_is_lost::<$scene>().await;
            }

            #[tokio::test]
            async fn a_refused_login_is_auth() {
                suite::a_refused_login_is_auth::<$scene>().await;
            }

            #[tokio::test]
            async fn render_shows_the_calls_and_no_secret() {
                suite::render_shows_the_calls_and_no_secret::<$scene>().await;
            }

            #[tokio::test]
            async fn the_binary_and_the_worker_agree() {
                suite::the_binary_and_the_worker_agree::<$scene>().await;
            }
        }
    };
}
