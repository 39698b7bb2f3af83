//! Where `orderstatus status` reads: the queues and the ledger table from the settings the
//! other commands use (flags, `<PLATFORM>_QUEUE_URL`, `LEDGER_TABLE`, …), or from a deployed
//! stack's names (`--stack NAME`): the template names the queues `NAME-<platform>` and
//! `NAME-<platform>-dlq`, and CloudFormation names the table `NAME-LedgerTable-<suffix>`.
//! Everything missing is named in one error (exit 2) before anything is read.

use aws_sdk_dynamodb::Client as DynamoDb;
use aws_sdk_sqs::Client as Sqs;
use orderstatus::aws::error_text;
use orderstatus::message::PlatformName;

use crate::failure::{self, Failure};
use crate::settings::{DEAD_LETTER_QUEUE_URL, LEDGER_TABLE, QUEUE_URL, Settings};

/// One platform's queues.
#[derive(Debug, Clone)]
pub struct PlatformSource {
    pub platform: PlatformName,
    pub queue_url: String,
    pub dead_letter_queue_url: String,
}

/// What to read.
#[derive(Debug, Clone)]
pub struct Sources {
    pub table: String,
    pub platforms: Vec<PlatformSource>,
}

/// What the command line says about where to read.
pub struct Wanted<'a> {
    pub platforms: &'a [PlatformName],
    pub stack: Option<&'a str>,
    pub table: Option<&'a String>,
    pub queue_url: Option<&'a String>,
    pub dead_letter_queue_url: Option<&'a String>,
}

/// The queue's name: the last segment of its URL (CloudWatch's `QueueName` dimension).
pub fn queue_name(url: &str) -> &str {
    url.trim_end_matches('/').rsplit('/').next().unwrap_or(url)
}

/// The template's names for a platform's queues in stack `stack`.
pub fn stack_queue_names(stack: &str, platform: PlatformName) -> (String, String) {
    let queue = format!("{stack}-{platform}");
    let dead_letter_queue = format!("{queue}-dlq");
    (queue, dead_letter_queue)
}

/// The sources `wanted` names; `region` is for the messages.
pub async fn resolve(
    wanted: &Wanted<'_>,
    region: &str,
    sqs: &Sqs,
    dynamodb: &DynamoDb,
) -> Result<Sources, Failure> {
    match wanted.stack {
        Some(stack) => from_stack(wanted, stack, region, sqs, dynamodb).await,
        None => from_settings(wanted),
    }
}

fn from_settings(wanted: &Wanted<'_>) -> Result<Sources, Failure> {
    let mut missing = Vec::new();
    let mut platforms = Vec::new();
    // `QUEUE_URL` is one function's queue: it may stand for the one platform asked for, never
    // for every platform at once.
    let one = wanted.platforms.len() == 1;
    let table = Settings::new(wanted.platforms[0])
        .with(LEDGER_TABLE, wanted.table)
        .get(LEDGER_TABLE.0);
    if table.is_none() {
        missing.push("the ledger table (--table or LEDGER_TABLE)".to_owned());
    }
    for &platform in wanted.platforms {
        let settings = Settings::new(platform)
            .with(QUEUE_URL, wanted.queue_url)
            .with(DEAD_LETTER_QUEUE_URL, wanted.dead_letter_queue_url);
        let prefix = platform.as_str().to_ascii_uppercase();
        let mut url = |(name, flag): (&str, &str)| {
            let value = if one {
                settings.get(name)
            } else {
                settings.get_prefixed(name)
            };
            if value.is_none() {
                let variables = if one {
                    format!("{flag}, {prefix}_{name} or {name}")
                } else {
                    format!("{prefix}_{name}")
                };
                let what = name.to_ascii_lowercase().replace('_', " ");
                missing.push(format!("{platform}'s {what} ({variables})"));
            }
            value.unwrap_or_default()
        };
        let queue_url = url(QUEUE_URL);
        let dead_letter_queue_url = url(DEAD_LETTER_QUEUE_URL);
        platforms.push(PlatformSource {
            platform,
            queue_url,
            dead_letter_queue_url,
        });
    }
    if !missing.is_empty() {
        return Err(Failure::Usage(format!(
            "not configured: {}; set them, or pass --stack NAME to find a deployed stack's queues and table by their names (for the local stack: eval \"$(scripts/dev env)\")",
            missing.join(", ")
        )));
    }
    Ok(Sources {
        table: table.unwrap_or_default(),
        platforms,
    })
}

async fn from_stack(
    wanted: &Wanted<'_>,
    stack: &str,
    region: &str,
    sqs: &Sqs,
    dynamodb: &DynamoDb,
) -> Result<Sources, Failure> {
    let mut missing = Vec::new();
    let mut platforms = Vec::new();
    for &platform in wanted.platforms {
        let (queue, dead_letter_queue) = stack_queue_names(stack, platform);
        let queue_url = queue_url_or_none(sqs, &queue).await?;
        let dead_letter_queue_url = queue_url_or_none(sqs, &dead_letter_queue).await?;
        for (name, url) in [
            (&queue, &queue_url),
            (&dead_letter_queue, &dead_letter_queue_url),
        ] {
            if url.is_none() {
                missing.push(format!("queue {name}"));
            }
        }
        platforms.push(PlatformSource {
            platform,
            queue_url: queue_url.unwrap_or_default(),
            dead_letter_queue_url: dead_letter_queue_url.unwrap_or_default(),
        });
    }
    let table = match wanted.table {
        Some(table) => Some(table.clone()),
        None => stack_table(dynamodb, stack).await?,
    };
    if table.is_none() {
        missing.push(format!(
            "a ledger table named {stack}-LedgerTable-… (or pass --table NAME)"
        ));
    }
    if missing.is_empty() {
        return Ok(Sources {
            table: table.unwrap_or_default(),
            platforms,
        });
    }
    let found_any = table.is_some()
        || platforms
            .iter()
            .any(|p| !p.queue_url.is_empty() || !p.dead_letter_queue_url.is_empty());
    Err(Failure::Usage(if found_any {
        format!(
            "stack {stack:?} is incomplete: no {} in {region} (is it deployed from this version's template?)",
            missing.join(", no ")
        )
    } else {
        format!(
            "stack {stack:?} not found in {region}: none of its queues ({stack}-<platform>, …-dlq) nor its ledger table exist; check --stack, AWS_REGION and AWS_PROFILE"
        )
    }))
}

/// `GetQueueUrl`; `None` when the queue does not exist.
async fn queue_url_or_none(sqs: &Sqs, name: &str) -> Result<Option<String>, Failure> {
    match sqs.get_queue_url().queue_name(name).send().await {
        Ok(output) => Ok(output.queue_url().map(str::to_owned)),
        Err(error) => {
            let text = error_text(&error);
            if text.contains("NonExistentQueue") || text.contains("QueueDoesNotExist") {
                Ok(None)
            } else {
                Err(failure::aws(&format!("queue {name}"), &text))
            }
        }
    }
}

/// Pages of `ListTables` to look through for the stack's table (100 names each).
const TABLE_PAGES: usize = 50;

/// The one table CloudFormation named for the stack's `LedgerTable`, if there is one.
async fn stack_table(dynamodb: &DynamoDb, stack: &str) -> Result<Option<String>, Failure> {
    let prefix = format!("{stack}-LedgerTable-");
    let mut found = Vec::new();
    let mut start: Option<String> = None;
    for _ in 0..TABLE_PAGES {
        let page = dynamodb
            .list_tables()
            .set_exclusive_start_table_name(start)
            .send()
            .await
            .map_err(|e| {
                let resource = format!(
                    "the ledger tables (to find stack {stack:?}'s; --table NAME skips this)"
                );
                failure::aws(&resource, &error_text(&e))
            })?;
        found.extend(
            page.table_names()
                .iter()
                .filter(|name| name.starts_with(&prefix))
                .cloned(),
        );
        start = page.last_evaluated_table_name;
        if start.is_none() {
            break;
        }
    }
    match found.len() {
        0 | 1 => Ok(found.pop()),
        _ => Err(Failure::Usage(format!(
            "stack {stack:?} has several ledger tables ({}): pass --table NAME",
            found.join(", ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_names_come_from_urls_and_the_stacks_convention() {
        assert_eq!(
            queue_name("https://sqs.eu-west-1.amazonaws.com/123456789012/os-cv3-dlq"),
            "os-cv3-dlq"
        );
        assert_eq!(
            stack_queue_names("os", PlatformName::Sellercenter),
            (
                "os-sellercenter".to_owned(),
                "os-sellercenter-dlq".to_owned()
            )
        );
    }
}
