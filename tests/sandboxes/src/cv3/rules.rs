//! CV3's per-item validation. Each failure is one `<error>` naming the order, so a client can
//! tell which items of a batch were refused.

use std::collections::HashSet;

use super::document::StatusUpdate;

/// CV3 stores status and tracking in 255-character columns.
const MAX_TEXT_CHARS: usize = 255;

/// Checks a status update; on success returns whether the shopper should be e-mailed.
pub(super) fn check_status(
    update: &StatusUpdate,
    unknown_orders: &HashSet<String>,
) -> Result<bool, String> {
    let problem = |problem: &str| format!("orderID {}: {problem}", label(&update.order_id));
    check_order_id(&update.order_id).map_err(problem)?;
    if update.status.trim().is_empty() {
        return Err(problem("status is required"));
    }
    if too_long(&update.status) {
        return Err(problem("status is longer than 255 characters"));
    }
    if too_long(&update.tracking) {
        return Err(problem("tracking is longer than 255 characters"));
    }
    let notify = match update.tracking_notification.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(problem(
                "tracking_notification must be \"true\" or \"false\"",
            ));
        }
    };
    if unknown_orders.contains(&update.order_id) {
        return Err(problem("order not found"));
    }
    Ok(notify)
}

pub(super) fn check_confirmation(order_id: &str) -> Result<(), String> {
    check_order_id(order_id).map_err(|problem| format!("orderConf {}: {problem}", label(order_id)))
}

fn check_order_id(order_id: &str) -> Result<(), &'static str> {
    if order_id.is_empty() {
        Err("order ID is required")
    } else if !order_id.bytes().all(|b| b.is_ascii_digit()) {
        Err("order ID must be digits only")
    } else {
        Ok(())
    }
}

fn label(order_id: &str) -> &str {
    if order_id.is_empty() {
        "(empty)"
    } else {
        order_id
    }
}

fn too_long(text: &str) -> bool {
    text.chars().count() > MAX_TEXT_CHARS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(order_id: &str, status: &str) -> StatusUpdate {
        StatusUpdate {
            order_id: order_id.to_owned(),
            status: status.to_owned(),
            tracking: String::new(),
            customer_number: String::new(),
            tracking_notification: None,
        }
    }

    fn check(update: &StatusUpdate) -> Result<bool, String> {
        check_status(update, &HashSet::from(["404".to_owned()]))
    }

    #[test]
    fn accepts_a_plain_update_and_reads_the_notification_flag() {
        assert_eq!(check(&update("123", "Shipped")), Ok(false));
        let notify = StatusUpdate {
            tracking_notification: Some("true".to_owned()),
            ..update("123", "Shipped")
        };
        assert_eq!(check(&notify), Ok(true));
    }

    #[test]
    fn names_the_order_and_the_problem() {
        let long = "x".repeat(256);
        let cases = [
            (
                update("", "Shipped"),
                "orderID (empty): order ID is required",
            ),
            (
                update("12a", "Shipped"),
                "orderID 12a: order ID must be digits only",
            ),
            (update("1", " "), "orderID 1: status is required"),
            (
                update("1", &long),
                "orderID 1: status is longer than 255 characters",
            ),
            (
                StatusUpdate {
                    tracking: long.clone(),
                    ..update("1", "Shipped")
                },
                "orderID 1: tracking is longer than 255 characters",
            ),
            (
                StatusUpdate {
                    tracking_notification: Some("yes".to_owned()),
                    ..update("1", "S")
                },
                "orderID 1: tracking_notification must be \"true\" or \"false\"",
            ),
            (update("404", "Shipped"), "orderID 404: order not found"),
        ];
        for (update, expected) in cases {
            assert_eq!(check(&update), Err(expected.to_owned()));
        }
    }

    #[test]
    fn limits_count_characters_not_bytes() {
        assert_eq!(check(&update("1", &"é".repeat(255))), Ok(false));
    }

    #[test]
    fn confirmation_needs_a_numeric_order() {
        assert_eq!(check_confirmation("100082"), Ok(()));
        assert_eq!(
            check_confirmation(""),
            Err("orderConf (empty): order ID is required".to_owned())
        );
        assert!(check_confirmation("A1").is_err());
    }
}
