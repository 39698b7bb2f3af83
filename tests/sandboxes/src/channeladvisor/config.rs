//! The account as ChannelAdvisor is set up for it: the application that may get tokens, the
//! refresh token granted to it, the request limits, and the shipping carriers it has.

use std::fmt;
use std::time::Duration;

/// The platform's own limits: 5 requests in flight per integration, 2,000 per minute per
/// profile (developer.channeladvisor.com, "REST API request limits").
pub const IN_FLIGHT_LIMIT: usize = 5;
pub const PER_MINUTE_LIMIT: u32 = 2000;

#[derive(Clone)]
pub struct ChannelAdvisorConfig {
    /// The developer application (the Basic user of token requests).
    pub application_id: String,
    /// The application's shared secret (the Basic password).
    pub shared_secret: String,
    /// The refresh token the account granted the application.
    pub refresh_token: String,
    /// How long an access token lives (an hour on the platform).
    pub token_lifetime: Duration,
    /// More API requests than this in flight at once are answered 429.
    pub in_flight_limit: usize,
    /// More API requests than this in any sliding 60 s are answered 429.
    pub per_minute_limit: u32,
    /// The account's "Account Shipping Carriers" list as (carrier, class): a Ship naming a pair
    /// not in it is refused with "Carrier and Class is invalid.".
    pub carriers: Vec<(String, String)>,
}

impl ChannelAdvisorConfig {
    /// Whether `carrier` with `class` is in the account's list. Exact, as the client must
    /// send the list's own names.
    pub(super) fn knows_carrier(&self, carrier: &str, class: &str) -> bool {
        self.carriers
            .iter()
            .any(|(known, known_class)| known == carrier && known_class == class)
    }
}

impl Default for ChannelAdvisorConfig {
    fn default() -> Self {
        let carriers = [
            ("UPS", "GROUND"),
            ("UPS", "NEXTDAY"),
            ("FedEx", "GROUND"),
            ("FedEx", "2Day"),
            ("USPS", "PRIORITY"),
            ("DHL", "EXPRESS"),
        ];
        Self {
            application_id: "sandbox-application".to_owned(),
            shared_secret: "sandbox-shared-secret".to_owned(),
            refresh_token: "sandbox-refresh-token".to_owned(),
            token_lifetime: Duration::from_secs(3600),
            in_flight_limit: IN_FLIGHT_LIMIT,
            per_minute_limit: PER_MINUTE_LIMIT,
            carriers: carriers
                .iter()
                .map(|(carrier, class)| ((*carrier).to_owned(), (*class).to_owned()))
                .collect(),
        }
    }
}

/// Shows everything but the shared secret and the refresh token.
impl fmt::Debug for ChannelAdvisorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelAdvisorConfig")
            .field("application_id", &self.application_id)
            .field("shared_secret", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("token_lifetime", &self.token_lifetime)
            .field("in_flight_limit", &self.in_flight_limit)
            .field("per_minute_limit", &self.per_minute_limit)
            .field("carriers", &self.carriers)
            .finish()
    }
}
