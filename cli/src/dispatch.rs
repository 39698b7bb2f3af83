//! The one place that knows which platforms this build has: commands that need a platform's
//! mapping or encoding implement [`PlatformCommand`], and [`dispatch`] runs them with the
//! platform named on the command line. A new platform is one match arm here.

use orderstatus::message::PlatformName;
use orderstatus::platform::Platform;
use orderstatus::runtime::PLATFORM_TIMEOUT;

use crate::failure::Failure;

/// A command generic over the platform it works for.
pub trait PlatformCommand {
    type Output;

    async fn run<P: Platform>(self, platform: P) -> Result<Self::Output, Failure>;
}

/// Runs `command` with the platform `name`, built as its Lambda function builds it.
pub async fn dispatch<C: PlatformCommand>(
    name: PlatformName,
    command: C,
) -> Result<C::Output, Failure> {
    match name {
        PlatformName::Cv3 => {
            let platform = orderstatus_cv3::platform(PLATFORM_TIMEOUT).map_err(Failure::Usage)?;
            command.run(platform).await
        }
        PlatformName::Sellercenter => {
            let platform =
                orderstatus_sellercenter::platform(PLATFORM_TIMEOUT).map_err(Failure::Usage)?;
            command.run(platform).await
        }
        other => Err(Failure::Usage(format!(
            "platform {other} has no function in this build yet (built: cv3, sellercenter)"
        ))),
    }
}
