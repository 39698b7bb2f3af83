//! The status-detail endpoint Seller Center calls.

fn main() {}
