//! `PATCH /api/order/{id}/`: which of `state`, `shipment_state` and `erp_order_number` a body
//! may change on an order. Every field is checked before any is applied, so a refused PATCH
//! changes nothing.

use serde_json::Value;

use super::drf::{ApiError, FieldErrors, message};
use super::orders::{Order, OrderState, ShipmentState};

/// The longest `erp_order_number` CloudSuite stores.
const ERP_ORDER_NUMBER_MAX_CHARS: usize = 64;

/// A checked PATCH: the fields it sets (keys DRF ignores are not here).
#[derive(Debug, Default, PartialEq)]
pub(super) struct OrderPatch {
    state: Option<OrderState>,
    shipment_state: Option<ShipmentState>,
    /// `Some(None)` clears the number.
    erp_order_number: Option<Option<String>>,
}

impl OrderPatch {
    /// Checks `body` against `order` as it is now.
    pub(super) fn read(order: &Order, body: &Value) -> Result<Self, ApiError> {
        let Some(fields) = body.as_object() else {
            let got = python_type(body);
            return Err(ApiError::Invalid(FieldErrors::one(
                "non_field_errors",
                format!("Invalid data. Expected a dictionary, but got {got}."),
            )));
        };
        let mut errors = FieldErrors::default();
        let mut patch = Self::default();
        if let Some(value) = fields.get("state") {
            match state_change(order, value) {
                Ok(state) => patch.state = Some(state),
                Err(problem) => errors.add("state", problem),
            }
        }
        if let Some(value) = fields.get("shipment_state") {
            match shipment_state_change(order, value) {
                Ok(state) => patch.shipment_state = Some(state),
                Err(problem) => errors.add("shipment_state", problem),
            }
        }
        if let Some(value) = fields.get("erp_order_number") {
            match erp_order_number(value) {
                Ok(number) => patch.erp_order_number = Some(number),
                Err(problem) => errors.add("erp_order_number", problem),
            }
        }
        errors.or(patch)
    }

    pub(super) fn apply(self, order: &mut Order) {
        if let Some(state) = self.state {
            order.state = state.as_str().to_owned();
        }
        if let Some(state) = self.shipment_state {
            order.shipment_state = state.as_str().to_owned();
        }
        if let Some(number) = self.erp_order_number {
            order.erp_order_number = number;
        }
    }
}

fn state_change(order: &Order, value: &Value) -> Result<OrderState, String> {
    let to = choice(value, OrderState::parse)?;
    // Orders in the sandbox are checked on the way in, so their state parses.
    let from = OrderState::parse(&order.state).unwrap_or(to);
    if from == to {
        return Ok(to);
    }
    if from == OrderState::Cancel {
        return Err(format!(
            "Order {} is canceled; its state cannot change.",
            order.id
        ));
    }
    if !from.can_become(to) {
        return Err(format!(
            "Order {} cannot change state from \"{from}\" to \"{to}\".",
            order.id
        ));
    }
    Ok(to)
}

fn shipment_state_change(order: &Order, value: &Value) -> Result<ShipmentState, String> {
    let to = choice(value, ShipmentState::parse)?;
    // Writing the value it already has changes nothing, so even a canceled order takes it.
    if order.is_canceled() && order.shipment_state != to.as_str() {
        return Err(format!(
            "Order {} is canceled; its shipment state cannot change.",
            order.id
        ));
    }
    Ok(to)
}

/// A `ChoiceField`'s value.
fn choice<T>(value: &Value, parse: impl Fn(&str) -> Option<T>) -> Result<T, String> {
    match value {
        Value::Null => Err(message::NULL.to_owned()),
        Value::String(name) => parse(name).ok_or_else(|| message::invalid_choice(name)),
        other => Err(message::invalid_choice(&other.to_string())),
    }
}

/// A nullable `CharField(max_length=64)`: like DRF, numbers are taken as their text.
fn erp_order_number(value: &Value) -> Result<Option<String>, String> {
    let number = match value {
        Value::Null => return Ok(None),
        Value::String(text) => text.trim().to_owned(),
        Value::Number(number) => number.to_string(),
        _ => return Err(message::NOT_A_STRING.to_owned()),
    };
    if number.chars().count() > ERP_ORDER_NUMBER_MAX_CHARS {
        return Err(format!(
            "Ensure this field has no more than {ERP_ORDER_NUMBER_MAX_CHARS} characters."
        ));
    }
    Ok(Some(number))
}

/// The Python type name DRF puts in "Expected a dictionary, but got …".
fn python_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(number) if number.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn order(state: &str, shipment_state: &str) -> Order {
        Order {
            id: 12345,
            reference: "CS48193".to_owned(),
            webshop: 1,
            state: state.to_owned(),
            shipment_state: shipment_state.to_owned(),
            erp_order_number: None,
            lines: Vec::new(),
        }
    }

    fn refused(order: &Order, body: Value) -> FieldErrors {
        match OrderPatch::read(order, &body) {
            Err(ApiError::Invalid(errors)) => errors,
            other => panic!("expected a field map, got {other:?}"),
        }
    }

    #[test]
    fn a_body_sets_every_field_it_names_and_ignores_the_rest() {
        let mut order = order("confirmed", "not_sent");
        let body = json!({"state":"processing","shipment_state":"sent","erp_order_number":"ERP-1","note":"x"});
        OrderPatch::read(&order, &body).unwrap().apply(&mut order);
        assert_eq!(order.state, "processing");
        assert_eq!(order.shipment_state, "sent");
        assert_eq!(order.erp_order_number.as_deref(), Some("ERP-1"));
    }

    #[test]
    fn one_bad_field_refuses_the_others_too() {
        let order = order("confirmed", "not_sent");
        let errors = refused(
            &order,
            json!({"state":"shipped","erp_order_number":"ERP-1"}),
        );
        assert_eq!(
            errors.messages("state"),
            ["\"shipped\" is not a valid choice."]
        );
        assert!(errors.messages("erp_order_number").is_empty());
    }

    #[test]
    fn refusals_name_the_order_and_both_states() {
        let errors = refused(&order("done", "sent"), json!({"state":"cancel"}));
        assert_eq!(
            errors.messages("state"),
            ["Order 12345 cannot change state from \"done\" to \"cancel\"."]
        );
        let errors = refused(&order("cancel", "not_sent"), json!({"state":"confirmed"}));
        assert_eq!(
            errors.messages("state"),
            ["Order 12345 is canceled; its state cannot change."]
        );
        let errors = refused(
            &order("cancel", "not_sent"),
            json!({"shipment_state":"sent"}),
        );
        assert_eq!(errors.messages("shipment_state").len(), 1);
    }

    #[test]
    fn the_same_state_again_is_accepted() {
        for state in ["cancel", "done", "processing"] {
            let body = json!({ "state": state });
            assert!(OrderPatch::read(&order(state, "not_sent"), &body).is_ok());
        }
    }

    #[test]
    fn shapes_drf_refuses() {
        let order = order("confirmed", "not_sent");
        let errors = refused(&order, json!("processing"));
        assert_eq!(
            errors.messages("non_field_errors"),
            ["Invalid data. Expected a dictionary, but got str."]
        );
        let errors = refused(&order, json!({"erp_order_number": "x".repeat(65)}));
        assert_eq!(
            errors.messages("erp_order_number"),
            ["Ensure this field has no more than 64 characters."]
        );
        let errors = refused(&order, json!({"state": null}));
        assert_eq!(errors.messages("state"), ["This field may not be null."]);
    }
}
