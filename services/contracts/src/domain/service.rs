//! Catalog services (seed 000 "Dynamic Service Catalog", seed 001 Service): what the MSP sells,
//! how it is delivered and its base price.

use chrono::{DateTime, Utc};
use psa_core::validate::Validator;
use psa_core::{DomainError, text_enum};
use rust_decimal::Decimal;
use uuid::Uuid;

text_enum!(
    /// How a service is delivered (seed 000: serverless, on-prem engineer, …).
    DeliveryModel {
        Serverless => "serverless",
        OnPremEngineer => "on_prem_engineer",
        Hybrid => "hybrid",
        ManagedService => "managed_service",
        Remote => "remote",
        ProfessionalServices => "professional_services",
    }
);
text_enum!(
    /// What one unit of a price buys.
    PricingUnit {
        Monthly => "monthly",
        Annually => "annually",
        PerEndpoint => "per_endpoint",
        PerUser => "per_user",
        PerDevice => "per_device",
        Hourly => "hourly",
        OneTime => "one_time",
    }
);

/// The writable fields of a service.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceFields {
    /// 1–200 characters, unique per tenant (case-insensitive).
    pub name: String,
    /// Free text (e.g. `MDR`), at most 100 characters.
    pub category: String,
    /// At most 10,000 characters.
    pub description: String,
    pub delivery_model: DeliveryModel,
    /// Base price per `pricing_unit`, ≥ 0, in `currency`.
    pub base_price: Decimal,
    /// ISO 4217 code.
    pub currency: String,
    pub pricing_unit: PricingUnit,
    /// False once archived.
    pub active: bool,
}

/// A stored service.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub fields: ServiceFields,
    /// Newest scope template version, 0 when none.
    pub current_template_version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Field names an update mask may name.
pub const UPDATABLE: &[&str] =
    &["name", "category", "description", "delivery_model", "base_price", "currency", "pricing_unit", "active"];

impl ServiceFields {
    /// Trims text and checks lengths, naming fields under `prefix` (e.g. `service.`).
    ///
    /// # Errors
    /// [`DomainError::Invalid`] listing every bad field.
    pub fn normalize(mut self, prefix: &str) -> Result<Self, DomainError> {
        for s in [&mut self.name, &mut self.category, &mut self.description] {
            *s = s.trim().to_owned();
        }
        let f = |n: &str| format!("{prefix}{n}");
        let mut v = Validator::new();
        v.required(&f("name"), &self.name).max_chars(&f("name"), &self.name, 200);
        v.max_chars(&f("category"), &self.category, 100).max_chars(&f("description"), &self.description, 10_000);
        v.finish()?;
        Ok(self)
    }

    /// Copies the fields named in `mask` from `patch`; returns the names that changed.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] on `update_mask` for a name not in [`UPDATABLE`] or an empty mask.
    pub fn apply(&mut self, patch: ServiceFields, mask: &[String]) -> Result<Vec<String>, DomainError> {
        crate::domain::lifecycle::apply_mask(self, mask, UPDATABLE, |this, name| {
            match name {
                "name" => this.name = patch.name.clone(),
                "category" => this.category = patch.category.clone(),
                "description" => this.description = patch.description.clone(),
                "delivery_model" => this.delivery_model = patch.delivery_model,
                "base_price" => this.base_price = patch.base_price,
                "currency" => this.currency = patch.currency.clone(),
                "pricing_unit" => this.pricing_unit = patch.pricing_unit,
                "active" => this.active = patch.active,
                _ => {}
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> ServiceFields {
        ServiceFields {
            name: " MDR ".into(),
            category: "Detection".into(),
            description: String::new(),
            delivery_model: DeliveryModel::Serverless,
            base_price: Decimal::new(1250, 0),
            currency: "USD".into(),
            pricing_unit: PricingUnit::PerEndpoint,
            active: true,
        }
    }

    #[test]
    fn normalizes_and_applies_masks() {
        let mut f = fields().normalize("service.").unwrap();
        assert_eq!(f.name, "MDR");
        let patch = ServiceFields { name: "MDR Pro".into(), active: false, ..fields() };
        assert_eq!(f.apply(patch.clone(), &["name".into(), "category".into()]).unwrap(), ["name"]);
        assert!(f.active);
        assert!(f.apply(patch.clone(), &["id".into()]).is_err());
        assert!(f.apply(patch, &[]).is_err());
        let Err(DomainError::Invalid(v)) = ServiceFields { name: " ".into(), ..fields() }.normalize("service.") else {
            panic!()
        };
        assert_eq!(v[0].field, "service.name");
    }

    #[test]
    fn enum_names_match_sql_checks() {
        assert_eq!(DeliveryModel::parse("ON_PREM_ENGINEER"), Some(DeliveryModel::OnPremEngineer));
        assert_eq!(PricingUnit::NAMES.len(), 7);
    }
}
