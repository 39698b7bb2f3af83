//! What became of one message: the outcome table of DESIGN.md.

use crate::platform::RejectReason;

/// Why a message is invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidReason {
    /// Not JSON, wrong shape, a field missing or out of range.
    Schema,
    /// Sent to the wrong platform's queue.
    Platform,
    /// No secret for the account, or the secret is unusable.
    Config,
}

impl InvalidReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Schema => "schema",
            Self::Platform => "platform",
            Self::Config => "config",
        }
    }
}

/// The outcome of one message, deciding what happens to it on the queue.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The platform accepted it (references, when the platform gives them).
    Uploaded { references: Vec<String> },
    /// Already uploaded: nothing sent.
    Duplicate,
    /// Older than what was already uploaded: nothing sent.
    Stale,
    /// The platform has no call for this status: recorded as skipped.
    NotApplicable { reason: String },
    /// Cannot be processed as it is: to the dead-letter queue at once.
    Invalid {
        reason: InvalidReason,
        error: String,
    },
    /// The platform refused it: to the dead-letter queue at once.
    Rejected { reason: RejectReason, error: String },
    /// Could not finish now: reported as a batch item failure, retried by SQS.
    Transient { error: String },
}

impl Outcome {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Uploaded { .. } => "uploaded",
            Self::Duplicate => "duplicate",
            Self::Stale => "stale",
            Self::NotApplicable { .. } => "not_applicable",
            Self::Invalid { .. } => "invalid",
            Self::Rejected { .. } => "rejected",
            Self::Transient { .. } => "transient",
        }
    }

    /// The short reason code (for logs and the dead-letter attribute), if any.
    pub fn reason(&self) -> Option<&'static str> {
        match self {
            Self::Invalid { reason, .. } => Some(reason.as_str()),
            Self::Rejected { reason, .. } => Some(reason.as_str()),
            Self::Transient { .. } => Some("transient"),
            Self::NotApplicable { .. } => Some("not_applicable"),
            _ => None,
        }
    }

    /// The human explanation, if any.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Self::Invalid { error, .. }
            | Self::Rejected { error, .. }
            | Self::Transient { error } => Some(error),
            Self::NotApplicable { reason } => Some(reason),
            _ => None,
        }
    }

    /// Invalid and rejected messages go to the dead-letter queue at once.
    pub fn goes_to_dead_letter_queue(&self) -> bool {
        matches!(self, Self::Invalid { .. } | Self::Rejected { .. })
    }

    pub fn invalid(reason: InvalidReason, error: impl Into<String>) -> Self {
        Self::Invalid {
            reason,
            error: error.into(),
        }
    }

    pub fn transient(error: impl Into<String>) -> Self {
        Self::Transient {
            error: error.into(),
        }
    }
}

/// What became of one unit of a message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum UnitOutcome {
    Uploaded {
        reference: Option<String>,
    },
    Skipped {
        reason: String,
    },
    Duplicate,
    Stale,
    Rejected {
        reason: RejectReason,
        error: String,
    },
    Transient {
        error: String,
    },
    /// Another worker's live lease holds the target until `until_ms` (epoch ms): transient, and
    /// no retry can succeed before then.
    Locked {
        until_ms: i64,
        error: String,
    },
}

/// When a message whose units were refused as locked can be retried with a chance: when the
/// last of those leases ends.
pub(crate) fn locked_until(units: &[UnitOutcome]) -> Option<i64> {
    units
        .iter()
        .filter_map(|unit| match unit {
            UnitOutcome::Locked { until_ms, .. } => Some(*until_ms),
            _ => None,
        })
        .max()
}

/// A message's outcome from its units' outcomes: the worst one decides. A transient unit makes
/// the whole message retry (its uploaded neighbours are duplicates then); a rejected one sends
/// it to the dead-letter queue.
pub(crate) fn combine(units: Vec<UnitOutcome>) -> Outcome {
    let mut references = Vec::new();
    let mut uploaded = false;
    let mut skipped = None;
    let mut duplicate = false;
    let mut rejected = None;
    for unit in units {
        match unit {
            UnitOutcome::Transient { error } | UnitOutcome::Locked { error, .. } => {
                return Outcome::Transient { error };
            }
            UnitOutcome::Rejected { reason, error } => {
                rejected.get_or_insert(Outcome::Rejected { reason, error });
            }
            UnitOutcome::Uploaded { reference } => {
                uploaded = true;
                references.extend(reference);
            }
            UnitOutcome::Skipped { reason } => {
                skipped.get_or_insert(reason);
            }
            UnitOutcome::Duplicate => duplicate = true,
            UnitOutcome::Stale => {}
        }
    }
    if let Some(rejected) = rejected {
        rejected
    } else if uploaded {
        Outcome::Uploaded { references }
    } else if let Some(reason) = skipped {
        Outcome::NotApplicable { reason }
    } else if duplicate {
        Outcome::Duplicate
    } else {
        Outcome::Stale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_unit_decides() {
        let uploaded = || UnitOutcome::Uploaded {
            reference: Some("r".into()),
        };
        let rejected = || UnitOutcome::Rejected {
            reason: RejectReason::Platform,
            error: "no".into(),
        };
        let transient = || UnitOutcome::Transient {
            error: "later".into(),
        };
        assert_eq!(
            combine(vec![uploaded(), transient(), rejected()]).name(),
            "transient"
        );
        assert_eq!(combine(vec![uploaded(), rejected()]).name(), "rejected");
        assert_eq!(
            combine(vec![uploaded(), UnitOutcome::Duplicate]),
            Outcome::Uploaded {
                references: vec!["r".into()]
            }
        );
        assert_eq!(
            combine(vec![UnitOutcome::Duplicate, UnitOutcome::Stale]),
            Outcome::Duplicate
        );
        assert_eq!(combine(vec![UnitOutcome::Stale]), Outcome::Stale);
        assert_eq!(
            combine(vec![
                UnitOutcome::Skipped {
                    reason: "n/a".into()
                },
                UnitOutcome::Duplicate
            ])
            .name(),
            "not_applicable"
        );
    }
}
