//! The `orderstatus-sellercenter` Lambda function: SQS batches of canonical messages → Seller
//! Center's OMS API.

fn main() {}
