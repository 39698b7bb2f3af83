//! How a command fails, and the exit code that says so: 1 for failures in the input or the
//! run, 2 for usage or configuration errors. AWS errors are turned into a sentence that says
//! what to do, since the SDK's own text ("dispatch failure", "service error") does not.

use orderstatus::config::ConfigError;

#[derive(Debug)]
pub enum Failure {
    /// Something in the input or the run failed (exit 1).
    Run(String),
    /// Like `Run`, after the command has printed its report (so `--json` output stays one
    /// document): the message is a summary for standard error.
    Reported(String),
    /// The command cannot run as configured (exit 2).
    Usage(String),
    /// Like `Usage`, after the command has printed its report: what it could read, and the
    /// resource that does not exist.
    ReportedUsage(String),
}

impl Failure {
    pub fn message(&self) -> &str {
        match self {
            Self::Run(message)
            | Self::Reported(message)
            | Self::Usage(message)
            | Self::ReportedUsage(message) => message,
        }
    }

    /// Whether the command has printed its report already (with `--json`, standard output
    /// then holds one document, so the error is not printed there again).
    pub fn is_reported(&self) -> bool {
        matches!(self, Self::Reported(_) | Self::ReportedUsage(_))
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Run(_) | Self::Reported(_) => 1,
            Self::Usage(_) | Self::ReportedUsage(_) => 2,
        }
    }
}

impl From<ConfigError> for Failure {
    fn from(error: ConfigError) -> Self {
        match error {
            ConfigError::Unavailable { secret, problem } => {
                aws(&format!("secret {secret:?}"), &problem)
            }
            other => Self::Usage(other.to_string()),
        }
    }
}

/// What the local stack's users run to get its variables.
const LOCAL_STACK: &str = "for the local stack: scripts/dev up; eval \"$(scripts/dev env)\"";

/// An AWS failure while working on `resource` (e.g. `ledger table "t"`), as a sentence that
/// says what to do.
pub fn aws(resource: &str, error_text: &str) -> Failure {
    let text = error_text;
    let has = |needle: &str| text.contains(needle);
    if has("ResourceNotFoundException") || has("NonExistentQueue") || has("QueueDoesNotExist") {
        return Failure::Usage(format!(
            "{resource} does not exist: check the name (flag or environment) or create it ({LOCAL_STACK})"
        ));
    }
    if has("redentials") && (has("load") || has("provider") || has("no ") || has("No ")) {
        return Failure::Usage(format!(
            "no AWS credentials to reach {resource}: set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY ({LOCAL_STACK})"
        ));
    }
    if has("egion") && (has("No region") || has("missing") || has("not set")) {
        return Failure::Usage(format!(
            "no AWS region for {resource}: set AWS_REGION ({LOCAL_STACK})"
        ));
    }
    if has("dispatch failure") || has("onnection refused") || has("error trying to connect") {
        let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| "AWS".to_owned());
        return Failure::Run(format!(
            "cannot reach {endpoint} for {resource}: check AWS_ENDPOINT_URL and the network ({LOCAL_STACK}): {text}"
        ));
    }
    Failure::Run(format!("{resource}: {text}"))
}
