//! One module per subcommand.

pub mod baseline;
pub mod dlq;
pub mod history;
pub mod render;
pub mod send;
pub mod status;
pub mod worker;
