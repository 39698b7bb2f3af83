//! The `argRequestData` document of `updateOrderStatus`, read against seed 002's field table,
//! and the `<response>` document written back.

use serde::{Deserialize, Serialize};

use crate::xml::{self, Element};

pub(super) const METHOD: &str = "updateOrderStatus";
pub(super) const VERSION: &str = "1.0.0";

/// The seed's `significant_key` values.
pub(super) const SIGNIFICANT_KEYS: [&str; 8] = [
    "order_number",
    "order_number_and_prefix",
    "external_order_number_1",
    "external_order_number_2",
    "marketplace_order_id_1",
    "marketplace_order_id_2",
    "transaction_id_1",
    "transaction_id_2",
];

/// The seed's `status` values.
pub(super) const STATUSES: [&str; 5] = ["FETCHED", "PAID", "SHIPPED", "CANCELED", "ACKNOWLEDGED"];

/// One package of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    pub tracking_number: String,
    pub shipping_provider_identifier: Option<String>,
    pub shipping_provider_external_id: Option<String>,
    pub shipping_date: Option<String>,
}

/// One `<order>` as read, before the rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRequest {
    pub reference_id: Option<String>,
    /// `mandator_id|significant_key|key values`: how the sandbox finds the order.
    pub key: String,
    pub status: String,
    pub packages: Vec<Package>,
    /// `payment_status_identifier` or `payment_status_id`, as written.
    pub payments: Vec<String>,
    pub export_time: Option<String>,
}

/// An order the field table refuses: its reference and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Refused {
    pub(super) reference_id: Option<String>,
    pub(super) problem: String,
}

/// Reads the document: the orders (each read or refused on its own), or why the whole
/// request is refused.
pub(super) fn read(document: &str) -> Result<Vec<Result<OrderRequest, Refused>>, String> {
    let root = Element::parse(document).map_err(|e| format!("argRequestData is not XML ({e})"))?;
    if root.name() != "request" {
        return Err(format!(
            "root element is <{}>, expected <request>",
            root.name()
        ));
    }
    if root.attribute("method") != Some(METHOD) {
        return Err(format!("method must be \"{METHOD}\""));
    }
    if root.attribute("version") != Some(VERSION) {
        return Err(format!("version must be \"{VERSION}\""));
    }
    let mut seen = Vec::new();
    let mut orders = Vec::new();
    for order in root.children("order") {
        let reference_id = order.attribute("reference_id").map(str::to_owned);
        if let Some(reference) = &reference_id {
            if seen.contains(reference) {
                return Err(format!(
                    "reference_id {reference:?} is not unique in the request"
                ));
            }
            seen.push(reference.clone());
        }
        orders.push(read_order(order).map_err(|problem| Refused {
            reference_id: reference_id.clone(),
            problem,
        }));
    }
    Ok(orders)
}

fn read_order(order: &Element) -> Result<OrderRequest, String> {
    let key = order
        .attribute("significant_key")
        .ok_or("significant_key is required")?;
    if !SIGNIFICANT_KEYS.contains(&key) {
        return Err(format!(
            "significant_key {key:?} is not one of {}",
            SIGNIFICANT_KEYS.join(", ")
        ));
    }
    let mandator = order
        .child("mandator_id")
        .ok_or("mandator_id is required")?
        .text();
    integer("mandator_id", mandator)?;
    if let Some(number) = order.child("order_number") {
        integer("order_number", number.text())?;
    }
    let needed: &[&str] = match key {
        "order_number" => &["order_number"],
        "order_number_and_prefix" => &["order_number", "order_number_prefix"],
        other => &[other][..],
    };
    let mut values = vec![mandator.trim().to_owned(), key.to_owned()];
    for field in needed {
        let value = order.child_text(field).trim();
        if value.is_empty() {
            return Err(format!("{field} is required for significant_key {key}"));
        }
        values.push(value.to_owned());
    }
    let status = order.child_text("status").trim();
    if !STATUSES.contains(&status) {
        return Err(format!(
            "status {status:?} is not one of {}",
            STATUSES.join(", ")
        ));
    }
    let mut packages = Vec::new();
    if let Some(wrapper) = order.child("shipping_informations") {
        for (i, package) in wrapper.children("shipping_information").enumerate() {
            let tracking_number = package.child_text("tracking_number").trim();
            if tracking_number.is_empty() {
                return Err(format!(
                    "shipping_information[{i}]: tracking_number is required"
                ));
            }
            let optional = |name| {
                package
                    .child(name)
                    .map(|e| e.text().trim().to_owned())
                    .filter(|v| !v.is_empty())
            };
            packages.push(Package {
                tracking_number: tracking_number.to_owned(),
                shipping_provider_identifier: optional("shipping_provider_identifier"),
                shipping_provider_external_id: optional("shipping_provider_external_id"),
                shipping_date: optional("shipping_date"),
            });
        }
        if packages.is_empty() {
            return Err("shipping_informations needs at least one shipping_information".into());
        }
    }
    let mut payments = Vec::new();
    if let Some(wrapper) = order.child("payment_informations") {
        for payment in wrapper.children("payment_information") {
            if let Some(id) = payment.child("payment_status_id") {
                integer("payment_status_id", id.text())?;
            }
            let value = payment.child_text("payment_status_id").trim().to_owned()
                + payment.child_text("payment_status_identifier").trim();
            payments.push(value);
        }
        if payments.is_empty() {
            return Err("payment_informations needs at least one payment_information".into());
        }
    }
    let export_time = match order.child("acknowledgement_informations") {
        None => None,
        Some(wrapper) => {
            let info = wrapper
                .child("acknowledgement_information")
                .ok_or("acknowledgement_informations needs an acknowledgement_information")?;
            let time = info.child_text("export_time").trim();
            if time.is_empty() {
                return Err("acknowledgement_information: export_time is required".into());
            }
            Some(time.to_owned())
        }
    };
    Ok(OrderRequest {
        reference_id: order.attribute("reference_id").map(str::to_owned),
        key: values.join("|"),
        status: status.to_owned(),
        packages,
        payments,
        export_time,
    })
}

fn integer(field: &str, text: &str) -> Result<(), String> {
    text.trim()
        .parse::<i64>()
        .map(|_| ())
        .map_err(|_| format!("{field} {text:?} is not an integer"))
}

/// One `<report>` of the response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub reference_id: Option<String>,
    pub return_code: i64,
    pub error_description: Option<String>,
}

/// The `<response>` document.
pub(super) fn response(reports: &[Report]) -> String {
    let bytes = xml::document(|writer| {
        writer
            .create_element("response")
            .with_attributes([("method", METHOD), ("version", VERSION)])
            .write_inner_content(|writer| {
                for report in reports {
                    let code = report.return_code.to_string();
                    let mut element = writer
                        .create_element("report")
                        .with_attribute(("return_code", code.as_str()));
                    if let Some(reference) = &report.reference_id {
                        element = element.with_attribute(("reference_id", reference.as_str()));
                    }
                    match &report.error_description {
                        None => {
                            element.write_empty()?;
                        }
                        Some(description) => {
                            element.write_inner_content(|writer| {
                                writer
                                    .create_element("error_description")
                                    .write_text_content(quick_xml::events::BytesText::new(
                                        description,
                                    ))?;
                                Ok(())
                            })?;
                        }
                    }
                }
                Ok(())
            })?;
        Ok(())
    });
    String::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(orders: &str) -> String {
        format!("<request method=\"updateOrderStatus\" version=\"1.0.0\">{orders}</request>")
    }

    const SEED: &str = "<order significant_key=\"order_number_and_prefix\" reference_id=\"1\"><mandator_id>1</mandator_id><order_number>100</order_number><order_number_prefix>T2-</order_number_prefix><status>SHIPPED</status><shipping_informations><shipping_information><tracking_number>32123461123</tracking_number><shipping_provider_identifier>DHL</shipping_provider_identifier><shipping_provider_external_id>dhl_ext</shipping_provider_external_id></shipping_information></shipping_informations></order>";

    #[test]
    fn the_seed_example_reads() {
        let orders = read(&request(SEED)).unwrap();
        let order = orders[0].as_ref().unwrap();
        assert_eq!(order.key, "1|order_number_and_prefix|100|T2-");
        assert_eq!(order.packages[0].tracking_number, "32123461123");
    }

    #[test]
    fn the_field_table_refuses_what_it_does_not_allow() {
        assert!(read("<request method=\"x\" version=\"1.0.0\"/>").is_err());
        assert!(read("<request method=\"updateOrderStatus\" version=\"2\"/>").is_err());
        let cases = [
            (
                SEED.replace("order_number_and_prefix", "order_id"),
                "significant_key",
            ),
            (
                SEED.replace("<mandator_id>1</mandator_id>", ""),
                "mandator_id",
            ),
            (SEED.replace("SHIPPED", "DELIVERED"), "status"),
            (
                SEED.replace("<tracking_number>32123461123</tracking_number>", ""),
                "tracking_number",
            ),
            (
                SEED.replace("<order_number_prefix>T2-</order_number_prefix>", ""),
                "order_number_prefix",
            ),
            (SEED.replace(">100<", ">1x<"), "order_number"),
        ];
        for (order, field) in cases {
            let orders = read(&request(&order)).unwrap();
            let refused = orders[0].as_ref().unwrap_err();
            assert!(refused.problem.contains(field), "{field}: {refused:?}");
            assert_eq!(refused.reference_id.as_deref(), Some("1"));
        }
        let twice = read(&request(&format!("{SEED}{SEED}"))).unwrap_err();
        assert!(twice.contains("not unique"), "{twice}");
    }
}
