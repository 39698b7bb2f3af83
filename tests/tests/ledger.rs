//! The ledger's six guarantees, against a real DynamoDB API (moto server).

use std::time::Duration;

use orderstatus::ledger::{
    BaselineEntry, BaselineOptions, Claim, ClaimOutcome, ClaimRequest, CommitOutcome, Completion,
    EntryKind, HISTORY_LIMIT, Ledger, LedgerKey, Position, now_ms,
};
use orderstatus::message::PlatformName;
use orderstatus::platform::Target;
use orderstatus_tests::stack::TestStack;

const MINUTE: i64 = 60_000;

fn key(order: &str) -> LedgerKey {
    LedgerKey::new(PlatformName::Cv3, "default", Target::order(order))
}

fn position(seconds: i64) -> Position {
    let at = chrono::DateTime::from_timestamp(1_700_000_000 + seconds, 0)
        .unwrap()
        .fixed_offset();
    Position::new(at, None)
}

fn uploaded(status: &str) -> Completion<'_> {
    Completion {
        kind: EntryKind::Uploaded,
        status,
        reference: Some("REF-1"),
        tracking: Some("UPS: 1Z"),
        reason: None,
        message_id: Some("m-1"),
    }
}

async fn setup() -> (TestStack, Ledger) {
    let stack = TestStack::new(Duration::from_secs(30)).await;
    let ledger = Ledger::new(
        stack.clients.dynamodb.clone(),
        &stack.table,
        Duration::from_secs(86_400),
    );
    (stack, ledger)
}

async fn claim(
    ledger: &Ledger,
    key: &LedgerKey,
    fp: &str,
    pos: &Position,
    now: i64,
) -> ClaimOutcome {
    let request = ClaimRequest {
        key,
        fingerprint: fp,
        position: pos,
        tracking: None,
    };
    ledger
        .claim(request, now, now + MINUTE)
        .await
        .expect("claim")
}

fn claimed(outcome: ClaimOutcome) -> Claim {
    match outcome {
        ClaimOutcome::Claimed(claim) => *claim,
        other => panic!("expected a claim, got {other:?}"),
    }
}

async fn upload(ledger: &Ledger, key: &LedgerKey, fp: &str, pos: &Position, now: i64) {
    let claim = claimed(claim(ledger, key, fp, pos, now).await);
    let request = ClaimRequest {
        key,
        fingerprint: fp,
        position: pos,
        tracking: None,
    };
    let done = ledger
        .complete(&claim, &request, uploaded("shipped"), now)
        .await
        .expect("complete");
    assert_eq!(done, CommitOutcome::Recorded);
}

#[tokio::test]
async fn a_new_upload_costs_two_writes_and_a_duplicate_one() {
    let (stack, ledger) = setup().await;
    let key = key("1001");
    let now = now_ms();
    upload(&ledger, &key, "fp-a", &position(0), now).await;
    assert_eq!(
        stack.dynamodb_requests.snapshot().get("UpdateItem"),
        Some(&2)
    );
    assert_eq!(
        stack.dynamodb_requests.total(),
        2,
        "{:?}",
        stack.dynamodb_requests.snapshot()
    );

    stack.dynamodb_requests.reset();
    let again = claim(&ledger, &key, "fp-a", &position(5), now).await;
    assert_eq!(again, ClaimOutcome::Duplicate);
    assert_eq!(
        stack.dynamodb_requests.total(),
        1,
        "one conditional write decides, no read"
    );
}

#[tokio::test]
async fn concurrent_claims_of_one_fingerprint_have_exactly_one_winner() {
    let (_stack, ledger) = setup().await;
    let key = key("2002");
    let pos = position(0);
    let now = now_ms();
    let attempts = (0..16).map(|_| claim(&ledger, &key, "fp-same", &pos, now));
    let outcomes = futures::future::join_all(attempts).await;
    let winners = outcomes
        .iter()
        .filter(|o| matches!(o, ClaimOutcome::Claimed(_)))
        .count();
    assert_eq!(winners, 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, ClaimOutcome::Claimed(_) | ClaimOutcome::Locked { .. })),
        "losers see the live lease: {outcomes:?}"
    );
}

#[tokio::test]
async fn an_older_event_is_stale_after_a_newer_upload() {
    let (_stack, ledger) = setup().await;
    let key = key("3003");
    let now = now_ms();
    upload(&ledger, &key, "fp-delivered", &position(100), now).await;
    let older = claim(&ledger, &key, "fp-shipped", &position(50), now).await;
    assert_eq!(
        older,
        ClaimOutcome::Stale {
            newer: position(100)
        }
    );
    // A newer event with new facts still uploads.
    let newer = claim(&ledger, &key, "fp-returned", &position(200), now).await;
    assert!(matches!(newer, ClaimOutcome::Claimed(_)), "{newer:?}");
}

#[tokio::test]
async fn an_expired_lease_is_taken_over_and_the_old_holder_is_fenced_out() {
    let (_stack, ledger) = setup().await;
    let key = key("4004");
    let pos = position(0);
    let now = now_ms();
    let first = claimed(claim(&ledger, &key, "fp-a", &pos, now).await);

    // While the lease lives, others are locked out.
    let during = claim(&ledger, &key, "fp-a", &pos, now + 1_000).await;
    assert!(matches!(during, ClaimOutcome::Locked { .. }), "{during:?}");

    // After it expires (the worker died), another worker takes over.
    let later = now + 2 * MINUTE;
    let second = claimed(claim(&ledger, &key, "fp-a", &pos, later).await);
    assert_ne!(first.token, second.token);

    // The old holder wakes up: its completion is refused and changes nothing.
    let request = ClaimRequest {
        key: &key,
        fingerprint: "fp-a",
        position: &pos,
        tracking: None,
    };
    let late = ledger
        .complete(&first, &request, uploaded("shipped"), later)
        .await
        .expect("complete");
    assert_eq!(late, CommitOutcome::LeaseLost);
    let record = ledger.record(&key).await.expect("read").expect("record");
    assert_eq!(
        record.fingerprint, None,
        "nothing recorded by the fenced-out worker"
    );
    assert_eq!(
        record.lease.as_ref().map(|l| l.token.as_str()),
        Some(second.token.as_str())
    );

    // The new holder completes normally.
    let done = ledger
        .complete(&second, &request, uploaded("shipped"), later)
        .await
        .expect("complete");
    assert_eq!(done, CommitOutcome::Recorded);
    let record = ledger.record(&key).await.expect("read").expect("record");
    assert_eq!(record.fingerprint.as_deref(), Some("fp-a"));
    assert!(record.lease.is_none());
}

#[tokio::test]
async fn a_released_lease_lets_the_retry_upload() {
    let (_stack, ledger) = setup().await;
    let key = key("5005");
    let pos = position(0);
    let now = now_ms();
    let first = claimed(claim(&ledger, &key, "fp-a", &pos, now).await);
    assert_eq!(
        ledger.release(&key, &first).await.unwrap(),
        CommitOutcome::Recorded
    );
    let retry = claim(&ledger, &key, "fp-a", &pos, now + 10).await;
    assert!(matches!(retry, ClaimOutcome::Claimed(_)), "{retry:?}");
}

#[tokio::test]
async fn a_rejection_is_history_but_does_not_block_a_fixed_retry() {
    let (_stack, ledger) = setup().await;
    let key = key("6006");
    let pos = position(0);
    let now = now_ms();
    let first = claimed(claim(&ledger, &key, "fp-a", &pos, now).await);
    let request = ClaimRequest {
        key: &key,
        fingerprint: "fp-a",
        position: &pos,
        tracking: None,
    };
    let rejected = Completion {
        kind: EntryKind::Rejected,
        status: "shipped",
        reference: None,
        tracking: None,
        reason: Some("auth"),
        message_id: Some("m-9"),
    };
    ledger
        .complete(&first, &request, rejected, now)
        .await
        .unwrap();
    let record = ledger.record(&key).await.unwrap().unwrap();
    assert_eq!(record.history[0].kind, EntryKind::Rejected);
    assert_eq!(record.fingerprint, None);
    let retry = claim(&ledger, &key, "fp-a", &pos, now + 10).await;
    assert!(matches!(retry, ClaimOutcome::Claimed(_)), "{retry:?}");
}

#[tokio::test]
async fn history_is_kept_newest_first_and_bounded_with_a_ttl() {
    let (_stack, ledger) = setup().await;
    let key = key("7007");
    let now = now_ms();
    let uploads = HISTORY_LIMIT + 5;
    for i in 0..uploads {
        upload(
            &ledger,
            &key,
            &format!("fp-{i}"),
            &position(i as i64),
            now + i as i64,
        )
        .await;
    }
    let record = ledger.record(&key).await.unwrap().unwrap();
    assert_eq!(record.history.len(), HISTORY_LIMIT);
    assert_eq!(record.history[0].fingerprint, format!("fp-{}", uploads - 1));
    assert_eq!(
        record.history[HISTORY_LIMIT - 1].fingerprint,
        format!("fp-{}", uploads - HISTORY_LIMIT)
    );
    assert_eq!(record.history[0].reference.as_deref(), Some("REF-1"));
    let expires = record.expires_at.expect("ttl attribute");
    assert!(
        expires > now / 1000 + 86_000,
        "expires_at {expires} is about a day ahead"
    );
}

#[tokio::test]
async fn a_baseline_makes_known_statuses_duplicates_and_is_idempotent() {
    let (stack, ledger) = setup().await;
    let now = now_ms();
    let entries: Vec<BaselineEntry> = (0..60)
        .map(|i| BaselineEntry {
            key: key(&format!("9{i:03}")),
            fingerprint: format!("fp-{i}"),
            position: position(10),
            status: "shipped".into(),
            tracking: None,
            message_id: None,
        })
        .collect();
    let options = BaselineOptions::default();
    let counts = ledger
        .baseline(&entries, now, &options, |_| {})
        .await
        .unwrap();
    assert_eq!(counts.written, 60);
    assert_eq!(counts.write_requests, 3, "60 items in batches of 25");
    assert_eq!(stack.dynamodb_requests.count("BatchWriteItem"), 3);
    assert_eq!(
        stack.dynamodb_requests.count("BatchGetItem"),
        1,
        "one read of 60 keys"
    );
    let again = ledger
        .baseline(&entries, now, &options, |_| {})
        .await
        .unwrap();
    assert_eq!(
        (again.existing, again.written, again.write_requests),
        (60, 0, 0)
    );

    let known = claim(&ledger, &key("9007"), "fp-7", &position(20), now).await;
    assert_eq!(known, ClaimOutcome::Duplicate);
    let older = claim(&ledger, &key("9008"), "fp-other", &position(5), now).await;
    assert!(matches!(older, ClaimOutcome::Stale { .. }), "{older:?}");
    let newer = claim(&ledger, &key("9009"), "fp-delivered", &position(30), now).await;
    assert!(matches!(newer, ClaimOutcome::Claimed(_)), "{newer:?}");
    let records = ledger
        .order_records(&key("9010").partition_key())
        .await
        .unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].history.len(), 1, "rerun left one baseline entry");
    assert_eq!(records[0].history[0].kind, EntryKind::Baseline);
}

#[tokio::test]
async fn a_status_arriving_while_another_is_in_flight_waits_instead_of_being_judged_early() {
    let (_stack, ledger) = setup().await;
    let key = key("8008");
    let now = now_ms();
    upload(&ledger, &key, "fp-shipped", &position(0), now).await;
    // A newer "canceled" is being uploaded…
    let _in_flight = claimed(claim(&ledger, &key, "fp-canceled", &position(10), now).await);
    // …when an even newer event with the old facts arrives: it must not be dropped as a
    // duplicate of "shipped", since "canceled" is about to replace it.
    let later = claim(&ledger, &key, "fp-shipped", &position(20), now).await;
    assert!(matches!(later, ClaimOutcome::Locked { .. }), "{later:?}");
}

#[tokio::test]
async fn a_baseline_never_replaces_a_record_or_a_live_lease() {
    let (_stack, ledger) = setup().await;
    let now = now_ms();
    let uploaded_key = key("7001");
    let leased_key = key("7002");
    upload(&ledger, &uploaded_key, "fp-delivered", &position(50), now).await;
    let _held = claimed(claim(&ledger, &leased_key, "fp-live", &position(50), now).await);
    let entries: Vec<BaselineEntry> = ["7001", "7002", "7003"]
        .iter()
        .map(|order| BaselineEntry {
            key: key(order),
            fingerprint: "fp-old".into(),
            position: position(10),
            status: "shipped".into(),
            tracking: None,
            message_id: None,
        })
        .collect();
    let counts = ledger
        .baseline(&entries, now, &BaselineOptions::default(), |_| {})
        .await
        .unwrap();
    assert_eq!((counts.existing, counts.written), (2, 1));

    let uploaded = ledger.record(&uploaded_key).await.unwrap().unwrap();
    assert_eq!(uploaded.fingerprint.as_deref(), Some("fp-delivered"));
    assert_eq!(uploaded.history[0].kind, EntryKind::Uploaded);
    let leased = ledger.record(&leased_key).await.unwrap().unwrap();
    assert!(leased.lease.is_some(), "the live lease is still there");
    assert_eq!(leased.fingerprint, None);
    let fresh = ledger.record(&key("7003")).await.unwrap().unwrap();
    assert_eq!(fresh.history[0].kind, EntryKind::Baseline);
}

#[tokio::test]
async fn a_baseline_names_a_target_given_twice_and_newest_per_target_keeps_the_newest() {
    let (_stack, ledger) = setup().await;
    let entry = |fp: &str, seconds| BaselineEntry {
        key: key("6001"),
        fingerprint: fp.into(),
        position: position(seconds),
        status: "shipped".into(),
        tracking: None,
        message_id: None,
    };
    let twice = [entry("fp-a", 10), entry("fp-b", 20)];
    let error = ledger
        .baseline(&twice, now_ms(), &BaselineOptions::default(), |_| {})
        .await
        .unwrap_err();
    assert!(error.to_string().contains("order 6001 twice"), "{error}");

    let kept = orderstatus::ledger::newest_per_target(vec![
        entry("fp-a", 10),
        entry("fp-c", 30),
        entry("fp-b", 20),
    ]);
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].fingerprint, "fp-c");
}

#[tokio::test]
async fn after_a_takeover_an_event_older_than_the_abandoned_claims_is_stale() {
    let (stack, ledger) = setup().await;
    let key = key("7007");
    let now = now_ms();
    // The order was at `processing` (position 0)...
    upload(
        &ledger,
        &key,
        "fp-processing",
        &position(0),
        now - 10 * MINUTE,
    )
    .await;
    // ...when a worker claimed its newest event, `shipped` (position 100, tracking UPS: 1Z),
    // uploaded it, and died before its commit: the lease expired a minute ago, uncommitted.
    let shipped = position(100);
    let abandoned = ClaimRequest {
        key: &key,
        fingerprint: "fp-shipped",
        position: &shipped,
        tracking: Some("UPS: 1Z"),
    };
    let started = now - 3 * MINUTE;
    claimed(
        ledger
            .claim(abandoned, started, started + 2 * MINUTE)
            .await
            .expect("claim"),
    );

    // The takeover receives the older `partially_shipped` event first: it is stale, judged
    // by the abandoned claim's position although the ledger still says position 0.
    stack.dynamodb_requests.reset();
    let older = claim(&ledger, &key, "fp-partial", &position(50), now).await;
    assert_eq!(
        older,
        ClaimOutcome::Stale {
            newer: shipped.clone()
        },
        "an older event must not step the platform back behind what it may already have"
    );
    assert_eq!(
        stack.dynamodb_requests.total(),
        1,
        "still one write decides"
    );

    // The redelivered `shipped` event uploads, and its claim shows that the abandoned claim
    // may already have sent the tracking e-mail.
    let redelivered = claimed(claim(&ledger, &key, "fp-shipped", &shipped, now).await);
    let prior = redelivered.prior.expect("the record as it was");
    assert!(prior.may_have_sent_tracking("UPS: 1Z"));
    assert!(!prior.may_have_sent_tracking("UPS: 2"));
}

#[tokio::test]
async fn a_live_claim_for_a_newer_event_makes_an_older_one_wait_not_stale() {
    // While the newer event's worker is alive it may still fail and release its lease, so the
    // older event waits (locked) instead of being dropped.
    let (_stack, ledger) = setup().await;
    let key = key("7008");
    let now = now_ms();
    claimed(claim(&ledger, &key, "fp-new", &position(100), now).await);
    let older = claim(&ledger, &key, "fp-old", &position(50), now + 1_000).await;
    assert!(matches!(older, ClaimOutcome::Locked { .. }), "{older:?}");
}

#[tokio::test]
async fn a_committed_or_released_claim_leaves_no_floor() {
    let (_stack, ledger) = setup().await;
    let key = key("7009");
    let now = now_ms();
    let pos = position(100);
    let held = claimed(claim(&ledger, &key, "fp-new", &pos, now).await);
    ledger.release(&key, &held).await.expect("release");
    let record = ledger.record(&key).await.expect("read").expect("record");
    assert_eq!(record.lease, None, "release removes every lease attribute");
    let older = claim(&ledger, &key, "fp-old", &position(50), now + 1_000).await;
    assert!(matches!(older, ClaimOutcome::Claimed(_)), "{older:?}");
}
