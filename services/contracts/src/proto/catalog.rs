//! Catalog, contract and service scope conversions (domain ⇄ proto).

use chrono::NaiveDate;
use psa_core::DomainError;
use psa_core::validate::Validator;
use psa_kit::convert::{json_to_struct, opt_id, struct_to_json, timestamp};
use psa_proto::contracts as pb;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::app::agreements::ScopeRequest;
use crate::domain::contract::{BillingCycle, Contract, ContractFields, ContractStatus, ContractType, parse_date};
use crate::domain::money::{format_amount, parse_amount, parse_currency};
use crate::domain::scope::{ScopeFields, ScopeStatus, ServiceScope};
use crate::domain::service::{DeliveryModel, PricingUnit, Service, ServiceFields};
use crate::repo::services::TemplateRow;

/// JSON from a `google.protobuf.Struct`, with whole floats turned back into integers
/// (`Struct` carries every number as a double: `500` arrives as `500.0`).
pub fn struct_json(s: Option<&prost_types::Struct>) -> Value {
    fn integral(v: Value) -> Value {
        match v {
            Value::Number(n) => match n.as_f64() {
                Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(f as i64),
                _ => Value::Number(n),
            },
            Value::Array(a) => Value::Array(a.into_iter().map(integral).collect()),
            Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, integral(v))).collect()),
            other => other,
        }
    }
    integral(s.map_or_else(|| serde_json::json!({}), struct_to_json))
}

fn date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// Whether field `name` must be given: always on create (`mask` = `None`), else when masked.
fn needed(mask: Option<&[String]>, name: &str) -> bool {
    mask.is_none_or(|m| m.iter().any(|x| x == name))
}

fn delivery_model(v: &mut Validator, field: &str, n: i32, required: bool) -> DeliveryModel {
    use pb::DeliveryModel as P;
    match P::try_from(n) {
        Ok(P::Serverless) => DeliveryModel::Serverless,
        Ok(P::OnPremEngineer) => DeliveryModel::OnPremEngineer,
        Ok(P::Hybrid) => DeliveryModel::Hybrid,
        Ok(P::ManagedService) => DeliveryModel::ManagedService,
        Ok(P::Remote) => DeliveryModel::Remote,
        Ok(P::ProfessionalServices) => DeliveryModel::ProfessionalServices,
        Ok(P::Unspecified) => {
            if required {
                v.push(field, "is required");
            }
            DeliveryModel::ManagedService
        }
        Err(_) => {
            v.push(field, "unknown value");
            DeliveryModel::ManagedService
        }
    }
}

fn delivery_model_pb(d: DeliveryModel) -> pb::DeliveryModel {
    use pb::DeliveryModel as P;
    match d {
        DeliveryModel::Serverless => P::Serverless,
        DeliveryModel::OnPremEngineer => P::OnPremEngineer,
        DeliveryModel::Hybrid => P::Hybrid,
        DeliveryModel::ManagedService => P::ManagedService,
        DeliveryModel::Remote => P::Remote,
        DeliveryModel::ProfessionalServices => P::ProfessionalServices,
    }
}

/// A proto pricing unit; `None` for UNSPECIFIED.
fn pricing_unit(v: &mut Validator, field: &str, n: i32) -> Option<PricingUnit> {
    use pb::PricingUnit as P;
    match P::try_from(n) {
        Ok(P::Monthly) => Some(PricingUnit::Monthly),
        Ok(P::Annually) => Some(PricingUnit::Annually),
        Ok(P::PerEndpoint) => Some(PricingUnit::PerEndpoint),
        Ok(P::PerUser) => Some(PricingUnit::PerUser),
        Ok(P::PerDevice) => Some(PricingUnit::PerDevice),
        Ok(P::Hourly) => Some(PricingUnit::Hourly),
        Ok(P::OneTime) => Some(PricingUnit::OneTime),
        Ok(P::Unspecified) => None,
        Err(_) => {
            v.push(field, "unknown value");
            None
        }
    }
}

fn pricing_unit_pb(u: PricingUnit) -> pb::PricingUnit {
    use pb::PricingUnit as P;
    match u {
        PricingUnit::Monthly => P::Monthly,
        PricingUnit::Annually => P::Annually,
        PricingUnit::PerEndpoint => P::PerEndpoint,
        PricingUnit::PerUser => P::PerUser,
        PricingUnit::PerDevice => P::PerDevice,
        PricingUnit::Hourly => P::Hourly,
        PricingUnit::OneTime => P::OneTime,
    }
}

/// A service as its proto message.
pub fn service(s: &Service) -> pb::Service {
    let f = &s.fields;
    pb::Service {
        id: s.id.to_string(),
        name: f.name.clone(),
        category: f.category.clone(),
        description: f.description.clone(),
        delivery_model: delivery_model_pb(f.delivery_model) as i32,
        base_price: format_amount(f.base_price),
        currency: f.currency.clone(),
        pricing_unit: pricing_unit_pb(f.pricing_unit) as i32,
        active: f.active,
        current_template_version: s.current_template_version,
        create_time: Some(timestamp(s.created_at)),
        update_time: Some(timestamp(s.updated_at)),
    }
}

/// The writable fields of a proto service. `mask`: `None` on create (every required field
/// must be given), else the update mask (only masked fields are required).
pub fn service_fields(s: pb::Service, mask: Option<&[String]>) -> Result<ServiceFields, DomainError> {
    let mut v = Validator::new();
    let delivery_model =
        delivery_model(&mut v, "service.delivery_model", s.delivery_model, needed(mask, "delivery_model"));
    let pricing_unit = pricing_unit(&mut v, "service.pricing_unit", s.pricing_unit);
    if pricing_unit.is_none() && s.pricing_unit == 0 && needed(mask, "pricing_unit") {
        v.push("service.pricing_unit", "is required");
    }
    if s.base_price.trim().is_empty() && needed(mask, "base_price") {
        v.push("service.base_price", "is required");
    }
    let base_price = parse_amount(&mut v, "service.base_price", &s.base_price, Decimal::ZERO);
    let currency = if needed(mask, "currency") || !s.currency.is_empty() {
        parse_currency(&mut v, "service.currency", &s.currency)
    } else {
        String::new()
    };
    v.finish()?;
    Ok(ServiceFields {
        name: s.name,
        category: s.category,
        description: s.description,
        delivery_model,
        base_price,
        currency,
        pricing_unit: pricing_unit.unwrap_or(PricingUnit::Monthly),
        active: s.active,
    })
}

/// A template version as its proto message.
pub fn template(t: &TemplateRow) -> pb::ScopeTemplate {
    pb::ScopeTemplate {
        service_id: t.service_id.to_string(),
        version: t.version,
        schema: Some(json_to_struct(&t.schema)),
        create_time: Some(timestamp(t.created_at)),
    }
}

fn contract_type_pb(t: ContractType) -> pb::ContractType {
    use pb::ContractType as P;
    match t {
        ContractType::Msa => P::Msa,
        ContractType::Sow => P::Sow,
        ContractType::ManagedServices => P::ManagedServices,
        ContractType::BlockHours => P::BlockHours,
        ContractType::TimeAndMaterials => P::TimeAndMaterials,
        ContractType::FixedPrice => P::FixedPrice,
        ContractType::Warranty => P::Warranty,
    }
}

fn contract_status_pb(s: ContractStatus) -> pb::ContractStatus {
    use pb::ContractStatus as P;
    match s {
        ContractStatus::Draft => P::Draft,
        ContractStatus::Active => P::Active,
        ContractStatus::Expired => P::Expired,
        ContractStatus::Cancelled => P::Cancelled,
        ContractStatus::Renewed => P::Renewed,
    }
}

fn billing_cycle_pb(b: BillingCycle) -> pb::BillingCycle {
    use pb::BillingCycle as P;
    match b {
        BillingCycle::Monthly => P::Monthly,
        BillingCycle::Quarterly => P::Quarterly,
        BillingCycle::SemiAnnually => P::SemiAnnually,
        BillingCycle::Annually => P::Annually,
        BillingCycle::OneTime => P::OneTime,
    }
}

/// A contract as its proto message.
pub fn contract(c: &Contract) -> pb::Contract {
    let f = &c.fields;
    pb::Contract {
        id: c.id.to_string(),
        number: f.number.clone(),
        name: f.name.clone(),
        company_id: f.company_id.to_string(),
        contract_type: contract_type_pb(f.contract_type) as i32,
        status: contract_status_pb(f.status) as i32,
        start_date: date(Some(f.start_date)),
        end_date: date(f.end_date),
        renewal_date: date(f.renewal_date),
        auto_renew: f.auto_renew,
        renewal_term_months: f.renewal_term_months,
        renewal_terms: f.renewal_terms.clone(),
        billing_cycle: billing_cycle_pb(f.billing_cycle) as i32,
        billing_amount: format_amount(f.billing_amount),
        value: format_amount(f.value),
        currency: f.currency.clone(),
        signed_date: date(f.signed_date),
        signer_contact_id: opt_id(f.signer_contact_id),
        previous_contract_id: opt_id(c.previous_contract_id),
        description: f.description.clone(),
        create_time: Some(timestamp(c.created_at)),
        update_time: Some(timestamp(c.updated_at)),
        custom_fields: Some(psa_kit::convert::json_to_struct(&c.custom_fields)),
    }
}

fn contract_type(v: &mut Validator, n: i32) -> ContractType {
    use pb::ContractType as P;
    match P::try_from(n) {
        Ok(P::Unspecified | P::ManagedServices) => ContractType::ManagedServices,
        Ok(P::Msa) => ContractType::Msa,
        Ok(P::Sow) => ContractType::Sow,
        Ok(P::BlockHours) => ContractType::BlockHours,
        Ok(P::TimeAndMaterials) => ContractType::TimeAndMaterials,
        Ok(P::FixedPrice) => ContractType::FixedPrice,
        Ok(P::Warranty) => ContractType::Warranty,
        Err(_) => {
            v.push("contract.contract_type", "unknown value");
            ContractType::ManagedServices
        }
    }
}

fn contract_status(v: &mut Validator, n: i32, required: bool) -> ContractStatus {
    use pb::ContractStatus as P;
    match P::try_from(n) {
        Ok(P::Unspecified) => {
            if required {
                v.push("contract.status", "is required");
            }
            ContractStatus::Draft
        }
        Ok(P::Draft) => ContractStatus::Draft,
        Ok(P::Active) => ContractStatus::Active,
        Ok(P::Expired) => ContractStatus::Expired,
        Ok(P::Cancelled) => ContractStatus::Cancelled,
        Ok(P::Renewed) => ContractStatus::Renewed,
        Err(_) => {
            v.push("contract.status", "unknown value");
            ContractStatus::Draft
        }
    }
}

fn billing_cycle(v: &mut Validator, n: i32) -> BillingCycle {
    use pb::BillingCycle as P;
    match P::try_from(n) {
        Ok(P::Unspecified | P::Monthly) => BillingCycle::Monthly,
        Ok(P::Quarterly) => BillingCycle::Quarterly,
        Ok(P::SemiAnnually) => BillingCycle::SemiAnnually,
        Ok(P::Annually) => BillingCycle::Annually,
        Ok(P::OneTime) => BillingCycle::OneTime,
        Err(_) => {
            v.push("contract.billing_cycle", "unknown value");
            BillingCycle::Monthly
        }
    }
}

/// The writable fields of a proto contract; `mask` as for [`service_fields`]. On create the
/// status is ignored (new contracts are drafts); `renewal_term_months` 0 means 12.
pub fn contract_fields(c: pb::Contract, mask: Option<&[String]>) -> Result<ContractFields, DomainError> {
    let mut v = Validator::new();
    let company_id = if mask.is_none() { v.uuid("contract.company_id", &c.company_id) } else { None };
    let contract_type = contract_type(&mut v, c.contract_type);
    let status = contract_status(&mut v, c.status, mask.is_some() && needed(mask, "status"));
    let billing_cycle = billing_cycle(&mut v, c.billing_cycle);
    if c.start_date.trim().is_empty() && needed(mask, "start_date") {
        v.push("contract.start_date", "is required");
    }
    let start_date = parse_date(&mut v, "contract.start_date", &c.start_date).unwrap_or_default();
    let end_date = parse_date(&mut v, "contract.end_date", &c.end_date);
    let renewal_date = parse_date(&mut v, "contract.renewal_date", &c.renewal_date);
    let signed_date = parse_date(&mut v, "contract.signed_date", &c.signed_date);
    let signer_contact_id = v.optional_uuid("contract.signer_contact_id", &c.signer_contact_id);
    let billing_amount = parse_amount(&mut v, "contract.billing_amount", &c.billing_amount, Decimal::ZERO);
    let value = parse_amount(&mut v, "contract.value", &c.value, Decimal::ZERO);
    let currency = if needed(mask, "currency") || !c.currency.is_empty() {
        parse_currency(&mut v, "contract.currency", &c.currency)
    } else {
        String::new()
    };
    v.finish()?;
    Ok(ContractFields {
        number: c.number,
        name: c.name,
        company_id: company_id.unwrap_or_default(),
        contract_type,
        status,
        start_date,
        end_date,
        renewal_date,
        auto_renew: c.auto_renew,
        renewal_term_months: if c.renewal_term_months == 0 { 12 } else { c.renewal_term_months },
        renewal_terms: c.renewal_terms,
        billing_cycle,
        billing_amount,
        value,
        currency,
        signed_date,
        signer_contact_id,
        description: c.description,
    })
}

fn scope_status(v: &mut Validator, n: i32) -> ScopeStatus {
    use pb::ServiceScopeStatus as P;
    match P::try_from(n) {
        Ok(P::Unspecified | P::Pending) => ScopeStatus::Pending,
        Ok(P::Active) => ScopeStatus::Active,
        Ok(P::OnHold) => ScopeStatus::OnHold,
        Ok(P::Completed) => ScopeStatus::Completed,
        Err(_) => {
            v.push("service_scope.status", "unknown value");
            ScopeStatus::Pending
        }
    }
}

/// A service scope as its proto message.
pub fn scope(s: &ServiceScope) -> pb::ServiceScope {
    use pb::ServiceScopeStatus as P;
    let f = &s.fields;
    pb::ServiceScope {
        id: s.id.to_string(),
        contract_id: s.contract_id.to_string(),
        company_id: s.company_id.to_string(),
        service_id: s.service_id.to_string(),
        quantity: format_amount(f.quantity),
        unit: pricing_unit_pb(f.unit) as i32,
        unit_price: format_amount(f.unit_price),
        scope_details: Some(json_to_struct(&f.scope_details)),
        template_version: s.template_version,
        status: match f.status {
            ScopeStatus::Pending => P::Pending,
            ScopeStatus::Active => P::Active,
            ScopeStatus::OnHold => P::OnHold,
            ScopeStatus::Completed => P::Completed,
        } as i32,
        create_time: Some(timestamp(s.created_at)),
        update_time: Some(timestamp(s.updated_at)),
        custom_fields: Some(json_to_struct(&s.custom_fields)),
    }
}

type ScopeParts = (Decimal, Option<PricingUnit>, Option<Decimal>, ScopeStatus);

fn scope_parts(s: &pb::ServiceScope, v: &mut Validator) -> ScopeParts {
    let quantity = parse_amount(v, "service_scope.quantity", &s.quantity, Decimal::ONE);
    if quantity.is_zero() {
        v.push("service_scope.quantity", "must be greater than 0");
    }
    let unit = pricing_unit(v, "service_scope.unit", s.unit);
    let unit_price = (!s.unit_price.trim().is_empty())
        .then(|| parse_amount(v, "service_scope.unit_price", &s.unit_price, Decimal::ZERO));
    let status = scope_status(v, s.status);
    (quantity, unit, unit_price, status)
}

/// A new scope from its proto message (`contract_id` comes from the path).
pub fn scope_request(s: pb::ServiceScope) -> Result<ScopeRequest, DomainError> {
    let mut v = Validator::new();
    let service_id = v.uuid("service_scope.service_id", &s.service_id);
    let (quantity, unit, unit_price, status) = scope_parts(&s, &mut v);
    v.finish()?;
    Ok(ScopeRequest {
        service_id: service_id.unwrap_or_default(),
        unit,
        unit_price,
        fields: ScopeFields {
            quantity,
            unit: unit.unwrap_or(PricingUnit::Monthly),
            unit_price: unit_price.unwrap_or_default(),
            scope_details: struct_json(s.scope_details.as_ref()),
            status,
        },
        custom_fields: s.custom_fields.as_ref().map_or_else(|| serde_json::json!({}), psa_kit::convert::struct_to_json),
    })
}

/// The patch of a scope update; masked `unit` and `unit_price` must be given.
pub fn scope_patch(s: pb::ServiceScope, mask: &[String]) -> Result<ScopeFields, DomainError> {
    let mut v = Validator::new();
    let (quantity, unit, unit_price, status) = scope_parts(&s, &mut v);
    if unit.is_none() && s.unit == 0 && needed(Some(mask), "unit") {
        v.push("service_scope.unit", "is required");
    }
    if unit_price.is_none() && needed(Some(mask), "unit_price") {
        v.push("service_scope.unit_price", "is required");
    }
    v.finish()?;
    Ok(ScopeFields {
        quantity,
        unit: unit.unwrap_or(PricingUnit::Monthly),
        unit_price: unit_price.unwrap_or_default(),
        scope_details: struct_json(s.scope_details.as_ref()),
        status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn struct_numbers_come_back_as_integers_when_whole() {
        let s = json_to_struct(&serde_json::json!({"endpoints": 500, "eps": 1.5, "tags": [2, 3.25]}));
        assert_eq!(struct_json(Some(&s)), serde_json::json!({"endpoints": 500, "eps": 1.5, "tags": [2, 3.25]}));
        assert!(struct_json(Some(&s))["endpoints"].is_i64());
        assert_eq!(struct_json(None), serde_json::json!({}));
    }
}
