//! Service scopes (seed 001 ServiceScope, a.k.a. contract items): one service on a contract,
//! with quantity, unit, price and the scope details its template asks for.

use chrono::{DateTime, Utc};
use psa_core::{DomainError, text_enum};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::domain::service::PricingUnit;

text_enum!(
    /// Delivery status of a scope.
    ScopeStatus { Pending => "pending", Active => "active", OnHold => "on_hold", Completed => "completed" }
);

/// The writable fields of a scope.
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeFields {
    /// > 0.
    pub quantity: Decimal,
    pub unit: PricingUnit,
    /// Price of one unit in the contract's currency, ≥ 0.
    pub unit_price: Decimal,
    /// A JSON object valid against the service's template version `template_version`.
    pub scope_details: serde_json::Value,
    pub status: ScopeStatus,
}

/// A stored scope.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceScope {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub contract_id: Uuid,
    pub company_id: Uuid,
    pub service_id: Uuid,
    pub fields: ScopeFields,
    /// 0 when the service had no template.
    pub template_version: i32,
    /// Values of the tenant's custom fields for this entity type (a JSON object), validated
    /// against the definitions on write.
    pub custom_fields: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Field names an update mask may name.
pub const UPDATABLE: &[&str] = &["quantity", "unit", "unit_price", "scope_details", "status"];

impl ScopeFields {
    /// Copies the fields named in `mask` from `patch`; returns the names that changed.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] on `update_mask` for an empty mask or an unknown name.
    pub fn apply(&mut self, patch: ScopeFields, mask: &[String]) -> Result<Vec<String>, DomainError> {
        crate::domain::lifecycle::apply_mask(self, mask, UPDATABLE, |this, name| {
            match name {
                "quantity" => this.quantity = patch.quantity,
                "unit" => this.unit = patch.unit,
                "unit_price" => this.unit_price = patch.unit_price,
                "scope_details" => this.scope_details = patch.scope_details.clone(),
                "status" => this.status = patch.status,
                _ => {}
            }
            Ok(())
        })
    }
}
