//! The first step of a batch: each record parsed, checked, resolved to its account and mapped
//! to units; everything that needs no ledger or platform.

use std::sync::Arc;

use aws_lambda_events::event::sqs::SqsMessage;

use super::{BatchHandler, Entry, InvalidReason, Outcome, State};
use crate::config::{Account, ConfigError};
use crate::ledger::Position;
use crate::message::StatusMessage;
use crate::metrics::InvocationMetrics;
use crate::platform::Platform;
use crate::validate::{parse_body, salvage_identity};

impl<P: Platform> BatchHandler<P> {
    /// Parses, checks and maps one record; everything that needs no ledger or platform.
    pub(super) async fn prepare<'e>(
        &self,
        record: &'e SqsMessage,
        metrics: &InvocationMetrics,
        arrived_ms: i64,
    ) -> Entry<'e, P::Settings, P::Payload> {
        let mut entry = Entry {
            record,
            message_id: record.message_id.as_deref().unwrap_or_default(),
            group: record.attributes.get("MessageGroupId").map(String::as_str),
            producer_id: None,
            account: None,
            order_id: None,
            state: State::Done(Outcome::transient("not processed")),
            probe: Arc::clone(metrics.unattributed()),
            age_ms: record
                .attributes
                .get("SentTimestamp")
                .and_then(|sent| sent.parse::<i64>().ok())
                .map(|sent| arrived_ms - sent),
            locked_until_ms: None,
        };
        let body = record.body.as_deref().unwrap_or_default();
        entry.state = match parse_body(body) {
            Err(invalid) => {
                (entry.account, entry.order_id) = salvage_identity(body);
                State::Done(Outcome::invalid(InvalidReason::Schema, invalid.to_string()))
            }
            Ok((message, _wrapping)) => {
                entry.producer_id = message.id.clone();
                entry.account = Some(message.account.clone());
                entry.order_id = Some(message.order.key());
                let (state, configured) = self.resolve(&message).await;
                if configured {
                    entry.probe = metrics.account(&message.account);
                }
                state
            }
        };
        entry
    }

    /// The message's state once its account is resolved and it is mapped, and whether its
    /// account is configured (only those get an account of their own in the metrics).
    pub(super) async fn resolve(
        &self,
        message: &StatusMessage,
    ) -> (State<P::Settings, P::Payload>, bool) {
        let account = match self.resolve_account(message).await {
            Ok(account) => account,
            Err(refused) => return (State::Done(refused), false),
        };
        let state = match self.platform.map(message, &account) {
            Ok(units) if units.is_empty() => State::Done(Outcome::NotApplicable {
                reason: "the message maps to nothing to upload".to_owned(),
            }),
            Ok(units) => State::Ready {
                account,
                position: Position::new(message.occurred_at, message.sequence),
                units,
                round: 0,
            },
            Err(invalid) => {
                State::Done(Outcome::invalid(InvalidReason::Schema, invalid.to_string()))
            }
        };
        (state, true)
    }

    /// The message's account, or why the message cannot have one here.
    async fn resolve_account(
        &self,
        message: &StatusMessage,
    ) -> Result<Arc<Account<P::Settings>>, Outcome> {
        if message.platform != P::NAME {
            return Err(Outcome::invalid(
                InvalidReason::Platform,
                format!(
                    "platform: this function uploads to {}, the message is for {} (send it to that platform's queue)",
                    P::NAME,
                    message.platform
                ),
            ));
        }
        self.accounts
            .get(&message.account)
            .await
            .map_err(|e| match e {
                ConfigError::Unavailable { .. } => Outcome::transient(e.to_string()),
                // The message names an account this platform does not have: its `account`
                // field.
                ConfigError::UnknownAccount { .. } => {
                    Outcome::invalid(InvalidReason::Config, format!("account: {e}"))
                }
                e => Outcome::invalid(InvalidReason::Config, e.to_string()),
            })
    }
}
