//! Whether a platform's three schedules are on: EventBridge Scheduler's `GetSchedule` for the
//! names the template gives them (`NAME-<platform>-drain|redrive|sweep`, default group). A
//! schedule that does not exist is "not deployed" (the local stack in moto deploys none).

use orderstatus::message::PlatformName;
use serde_json::Value;

use super::report::{Known, ScheduleState, Severity, Unknown};
use crate::aws_json::{AwsJson, CallError, SCHEDULER};

/// The schedules each platform's block of the template defines.
pub const SCHEDULES: [&str; 3] = ["drain", "redrive", "sweep"];

/// The template's name of `platform`'s `schedule` in `stack`.
pub fn schedule_name(stack: &str, platform: PlatformName, schedule: &str) -> String {
    format!("{stack}-{platform}-{schedule}")
}

/// Every schedule of `platform`, in [`SCHEDULES`] order.
pub async fn states(
    aws: &AwsJson,
    stack: &str,
    platform: PlatformName,
) -> Vec<(&'static str, Known<ScheduleState>)> {
    let mut states = Vec::new();
    for schedule in SCHEDULES {
        let name = schedule_name(stack, platform, schedule);
        states.push((schedule, state(aws, &name).await));
    }
    states
}

async fn state(aws: &AwsJson, name: &str) -> Known<ScheduleState> {
    // Names the template writes are plain (letters, digits, '-'), so they need no escaping.
    let path = format!("/schedules/{name}");
    match aws.call(&SCHEDULER, "GET", &path, &[], &[]).await {
        Ok(answer) => match answer.get("State").and_then(Value::as_str) {
            Some("ENABLED") => Ok(ScheduleState::Enabled),
            Some("DISABLED") => Ok(ScheduleState::Disabled),
            other => Err(Unknown::new(
                Severity::Unavailable,
                format!("schedule {name} has the state {other:?}"),
            )),
        },
        Err(CallError::Service { code, .. }) if code == "ResourceNotFoundException" => {
            Ok(ScheduleState::NotDeployed)
        }
        Err(error) => Err(Unknown::new(
            Severity::Unavailable,
            format!("Scheduler GetSchedule {name}: {error}"),
        )),
    }
}
