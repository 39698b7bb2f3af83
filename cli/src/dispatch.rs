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
        PlatformName::Cloudsuite => {
            let platform =
                orderstatus_cloudsuite::platform(PLATFORM_TIMEOUT).map_err(Failure::Usage)?;
            command.run(platform).await
        }
        PlatformName::Speed4trade => {
            let platform =
                orderstatus_speed4trade::platform(PLATFORM_TIMEOUT).map_err(Failure::Usage)?;
            command.run(platform).await
        }
        PlatformName::Channeladvisor => {
            let platform =
                orderstatus_channeladvisor::platform(PLATFORM_TIMEOUT).map_err(Failure::Usage)?;
            command.run(platform).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The platforms [`dispatch`] has a match arm for (the match is exhaustive, so every
    /// variant has one; these tests hold the list to infra/platforms.json).
    const BUILT: [PlatformName; 5] = [
        PlatformName::Cv3,
        PlatformName::Sellercenter,
        PlatformName::Cloudsuite,
        PlatformName::Speed4trade,
        PlatformName::Channeladvisor,
    ];

    /// The names infra/platforms.json lists: the one list of platforms.
    fn listed() -> Vec<String> {
        let text = include_str!("../../infra/platforms.json");
        let list: serde_json::Value = serde_json::from_str(text).expect("platforms.json");
        list["platforms"]
            .as_array()
            .expect("platforms")
            .iter()
            .map(|p| p["name"].as_str().expect("name").to_owned())
            .collect()
    }

    /// Named by the message format (version 1) but not built yet (none: every platform of
    /// version 1 is built; a new name in the format starts here).
    const PLANNED: [PlatformName; 0] = [];

    #[test]
    fn every_platform_the_message_format_names_is_built_or_planned() {
        // A platform leaves PLANNED when it joins BUILT, and with it infra/platforms.json, whose
        // template tests then demand its crate, sandbox, fixtures, demo part and template block.
        for name in PlatformName::ALL {
            assert!(
                BUILT.contains(&name) != PLANNED.contains(&name),
                "{name} must be either built (with a function) or planned, not both or neither"
            );
        }
    }

    #[test]
    fn the_cli_dispatches_exactly_the_listed_platforms() {
        let built: Vec<String> = BUILT.iter().map(|p| p.as_str().to_owned()).collect();
        assert_eq!(built, listed());
        for name in listed() {
            assert!(
                PlatformName::parse(&name).is_some(),
                "{name} is listed but PlatformName does not know it"
            );
        }
    }

    #[tokio::test]
    async fn every_built_platform_has_a_match_arm() {
        struct Named;
        impl PlatformCommand for Named {
            type Output = PlatformName;
            async fn run<P: Platform>(self, _platform: P) -> Result<PlatformName, Failure> {
                Ok(P::NAME)
            }
        }
        for name in BUILT {
            let dispatched = dispatch(name, Named).await.ok();
            assert_eq!(dispatched, Some(name));
        }
    }
}
