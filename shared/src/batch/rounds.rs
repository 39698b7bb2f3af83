//! Rounds and FIFO order: messages touching the same ledger target (or FIFO group) go to
//! successive rounds, and for a platform whose calls of one order depend on each other
//! ([`Platform::ORDER_BY_ORDER`]) messages touching the same order do; a round claims, uploads and records its units; a failed FIFO message
//! holds its group's later messages.

use std::collections::HashMap;
use std::sync::Arc;

use super::outcome::{UnitOutcome, combine, locked_until};
use super::{BatchHandler, Entry, Outcome, State, Work};
use crate::ledger::LedgerKey;
use crate::platform::Platform;

impl<P: Platform> BatchHandler<P> {
    pub(super) async fn run_round<'e>(
        &self,
        entries: &mut [Entry<'e, P::Settings, P::Payload>],
        round: usize,
        deadline_ms: Option<i64>,
        failed_groups: &mut Vec<&'e str>,
    ) {
        // Sized once: a 10,000-record batch's units are the largest thing it holds, and a
        // vector grown by doubling would hold up to twice their room (and both copies while
        // it moves).
        let units_in_round = entries
            .iter()
            .map(|entry| match &entry.state {
                State::Ready {
                    round: r, units, ..
                } if *r == round => units.len(),
                _ => 0,
            })
            .sum();
        let mut work = Vec::with_capacity(units_in_round);
        for (index, entry) in entries.iter_mut().enumerate() {
            let State::Ready { round: r, .. } = &entry.state else {
                continue;
            };
            if *r != round {
                continue;
            }
            if let Some(group) = entry.group
                && failed_groups.contains(&group)
            {
                entry.state = held_in_order(group);
                continue;
            }
            let State::Ready {
                account,
                position,
                units,
                ..
            } = std::mem::replace(
                &mut entry.state,
                State::Done(Outcome::transient("in progress")),
            )
            else {
                continue;
            };
            for unit in units {
                work.push(Work {
                    entry: index,
                    key: LedgerKey::new(P::NAME, &account.name, unit.target.clone()),
                    account: Arc::clone(&account),
                    probe: Arc::clone(&entry.probe),
                    position: position.clone(),
                    unit,
                    claim: None,
                    outcome: None,
                });
            }
        }
        if work.is_empty() {
            return;
        }
        Box::pin(self.claim_all(&mut work, deadline_ms)).await;
        Box::pin(self.upload_all(&mut work)).await;
        Box::pin(self.complete_all(&mut work, entries)).await;

        let mut per_entry: HashMap<usize, Vec<UnitOutcome>> = HashMap::new();
        for item in work {
            let outcome = item.outcome.unwrap_or_else(|| UnitOutcome::Transient {
                error: "unit was not processed".to_owned(),
            });
            per_entry.entry(item.entry).or_default().push(outcome);
        }
        for (index, outcomes) in per_entry {
            entries[index].locked_until_ms = locked_until(&outcomes);
            let outcome = combine(outcomes);
            if let (Outcome::Transient { .. }, Some(group)) = (&outcome, entries[index].group) {
                failed_groups.push(group);
            }
            entries[index].state = State::Done(outcome);
        }
    }
}

/// The state of a FIFO message whose group already failed in this batch.
fn held_in_order<S, P>(group: &str) -> State<S, P> {
    State::Done(Outcome::transient(format!(
        "an earlier message of FIFO group {group} failed; kept in order behind it"
    )))
}

/// FIFO order across failures before any upload: once a message of a group failed while being
/// prepared (Secrets Manager unreachable, say), the group's later messages wait too.
pub(super) fn hold_behind_failures<'e, S, P>(
    entries: &mut [Entry<'e, S, P>],
    failed_groups: &mut Vec<&'e str>,
) {
    for entry in entries.iter_mut() {
        let Some(group) = entry.group else { continue };
        if failed_groups.contains(&group) {
            if matches!(entry.state, State::Ready { .. }) {
                entry.state = held_in_order(group);
            }
        } else if matches!(entry.state, State::Done(Outcome::Transient { .. })) {
            failed_groups.push(group);
        }
    }
}

/// Puts each ready message in the first round after every earlier message it conflicts with
/// (same ledger target, or same FIFO group). Returns the number of rounds.
pub(super) fn assign_rounds<S, P>(entries: &mut [Entry<'_, S, P>], by_order: bool) -> usize {
    // The key a message waits behind: its targets, or only their orders.
    let key = |account: &str, target: &crate::platform::Target| {
        let item = if by_order {
            None
        } else {
            target.item_id.clone()
        };
        (account.to_owned(), target.order_id.clone(), item)
    };
    let mut last_round_of_target: HashMap<(String, String, Option<String>), usize> = HashMap::new();
    let mut last_round_of_group: HashMap<&str, usize> = HashMap::new();
    let mut rounds = 0;
    for entry in entries.iter_mut() {
        let group = entry.group;
        let State::Ready {
            account,
            units,
            round,
            ..
        } = &mut entry.state
        else {
            continue;
        };
        let mut next = 0;
        if let Some(group) = group
            && let Some(r) = last_round_of_group.get(group)
        {
            next = next.max(r + 1);
        }
        for unit in units.iter() {
            if let Some(r) = last_round_of_target.get(&key(&account.name, &unit.target)) {
                next = next.max(r + 1);
            }
        }
        *round = next;
        if let Some(group) = group {
            last_round_of_group.insert(group, next);
        }
        for unit in units.iter() {
            last_round_of_target.insert(key(&account.name, &unit.target), next);
        }
        rounds = rounds.max(next + 1);
    }
    rounds
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::event::sqs::SqsMessage;

    use crate::config::{Account, BatchLimits};
    use crate::ledger::Position;
    use crate::platform::Unit;
    use crate::platform::{Action, Target};

    type Settings = HashMap<String, serde_json::Value>;

    fn record(id: &str, group: &str) -> SqsMessage {
        let mut record = SqsMessage::default();
        record.message_id = Some(id.to_owned());
        record
            .attributes
            .insert("MessageGroupId".into(), group.into());
        record
    }

    fn ready(order: &str) -> State<Settings, ()> {
        ready_target(Target::order(order))
    }

    fn ready_target(target: Target) -> State<Settings, ()> {
        let limits = BatchLimits {
            default_size: 10,
            max_size: 10,
            default_concurrency: 1,
        };
        let account =
            Account::from_json("a", "s", r#"{"base_url":"https://x"}"#, limits, false).unwrap();
        let at = "2024-01-01T00:00:00Z".parse().unwrap();
        State::Ready {
            account: Arc::new(account),
            position: Position::new(at, None),
            units: vec![Unit::new(
                target,
                crate::message::OrderStatus::Shipped,
                Action::Upload(()),
                None,
            )],
            round: 0,
        }
    }

    fn entry<'e>(record: &'e SqsMessage, state: State<Settings, ()>) -> Entry<'e, Settings, ()> {
        Entry {
            record,
            message_id: record.message_id.as_deref().unwrap(),
            group: record.attributes.get("MessageGroupId").map(String::as_str),
            producer_id: None,
            account: None,
            order_id: None,
            state,
            probe: Default::default(),
            age_ms: None,
            locked_until_ms: None,
        }
    }

    fn is_ready(entry: &Entry<'_, Settings, ()>) -> bool {
        matches!(entry.state, State::Ready { .. })
    }

    #[test]
    fn a_fifo_failure_while_preparing_holds_only_the_later_messages_of_its_group() {
        let records = [
            record("1", "g"),
            record("2", "g"),
            record("3", "h"),
            record("0", "g"),
        ];
        let mut entries = vec![
            entry(&records[3], ready("0")),
            entry(
                &records[0],
                State::Done(Outcome::transient("secrets unavailable")),
            ),
            entry(&records[1], ready("2")),
            entry(&records[2], ready("3")),
        ];
        let mut failed = Vec::new();
        hold_behind_failures(&mut entries, &mut failed);
        assert!(
            is_ready(&entries[0]),
            "an earlier message of the group goes ahead"
        );
        assert!(!is_ready(&entries[2]), "the later one waits");
        assert!(is_ready(&entries[3]), "other groups go ahead");
        assert_eq!(failed, vec!["g"]);
    }

    #[test]
    fn messages_sharing_a_target_or_fifo_group_go_to_successive_rounds() {
        let records = [
            record("1", "g"),
            record("2", "g"),
            record("3", "h"),
            record("4", "i"),
        ];
        let mut entries = vec![
            entry(&records[0], ready("A")),
            entry(&records[1], ready("B")),
            entry(&records[2], ready("A")),
            entry(&records[3], ready("C")),
        ];
        assert_eq!(assign_rounds(&mut entries, false), 2);
        assert_eq!(rounds_of(&entries), vec![0, 1, 1, 0]);
    }

    fn rounds_of(entries: &[Entry<'_, Settings, ()>]) -> Vec<usize> {
        entries
            .iter()
            .map(|e| match e.state {
                State::Ready { round, .. } => round,
                State::Done(_) => usize::MAX,
            })
            .collect()
    }

    #[test]
    fn items_of_one_order_share_a_round_unless_the_platform_orders_by_order() {
        let records = [record("1", "g"), record("2", "h"), record("3", "i")];
        let entries = || {
            vec![
                entry(&records[0], ready("A")),
                entry(&records[1], ready_target(Target::item("A", "package P1"))),
                entry(&records[2], ready_target(Target::item("A", "package P2"))),
            ]
        };
        let mut by_target = entries();
        assert_eq!(assign_rounds(&mut by_target, false), 1);
        let mut by_order = entries();
        assert_eq!(assign_rounds(&mut by_order, true), 3);
        assert_eq!(rounds_of(&by_order), vec![0, 1, 2]);
    }
}
