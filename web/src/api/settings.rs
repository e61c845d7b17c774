//! Tenant settings of the contracts service: custom field definitions (proto
//! `psa/contracts/v1/custom_fields.proto`) and rate cards (`RateCardService` in
//! `psa/contracts/v1/commercial.proto`).

use gloo_net::http::Method;
use serde::{Deserialize, Serialize};

use super::{ApiError, ApiResult, ListQuery, encode, get, quote, send_json};

/// The entity types that carry custom fields: (`CUSTOM_FIELD_ENTITY_…`, label).
pub const ENTITY_TYPES: &[(&str, &str)] = &[
    ("CUSTOM_FIELD_ENTITY_COMPANY", "Company"),
    ("CUSTOM_FIELD_ENTITY_CONTACT", "Contact"),
    ("CUSTOM_FIELD_ENTITY_CONTRACT", "Contract"),
    ("CUSTOM_FIELD_ENTITY_SERVICE_SCOPE", "Service scope"),
    ("CUSTOM_FIELD_ENTITY_PROPOSAL", "Proposal"),
    ("CUSTOM_FIELD_ENTITY_SAF", "SAF"),
    ("CUSTOM_FIELD_ENTITY_COC", "COC"),
];

/// The value types of a custom field: (`CUSTOM_FIELD_TYPE_…`, label).
pub const FIELD_TYPES: &[(&str, &str)] = &[
    ("CUSTOM_FIELD_TYPE_TEXT", "Text"),
    ("CUSTOM_FIELD_TYPE_NUMBER", "Number"),
    ("CUSTOM_FIELD_TYPE_DATE", "Date"),
    ("CUSTOM_FIELD_TYPE_BOOLEAN", "Yes / no"),
    ("CUSTOM_FIELD_TYPE_SELECT", "Select (one option)"),
    ("CUSTOM_FIELD_TYPE_MULTI_SELECT", "Multi-select"),
];

/// The label of a `(value, label)` table entry, else the value itself.
pub fn label_of(table: &[(&'static str, &'static str)], value: &str) -> String {
    table.iter().find(|(v, _)| *v == value).map_or_else(|| value.to_string(), |(_, l)| (*l).to_string())
}

/// An admin-defined field of one entity type. Values live in the entity's `customFields`
/// object under `key`: TEXT → string, NUMBER → number, DATE → `YYYY-MM-DD`, BOOLEAN → bool,
/// SELECT → one of `options`, MULTI_SELECT → array of distinct options.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CustomFieldDefinition {
    /// Id (empty on create).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// `CUSTOM_FIELD_ENTITY_…`; fixed after create.
    pub entity_type: String,
    /// `^[a-z][a-z0-9_]{0,63}$`, unique per entity type; fixed after create.
    pub key: String,
    /// Form label and list column title, 1–200 characters.
    pub label: String,
    /// `CUSTOM_FIELD_TYPE_…`; fixed after create.
    pub field_type: String,
    /// SELECT and MULTI_SELECT: 1–200 distinct options.
    pub options: Vec<String>,
    /// A value must be given.
    pub required: bool,
    /// NUMBER: least value; TEXT: least length; MULTI_SELECT: least count.
    pub min: Option<f64>,
    /// NUMBER: greatest value; TEXT: greatest length; MULTI_SELECT: greatest count.
    pub max: Option<f64>,
    /// TEXT: a regular expression the whole value must match (empty for none).
    pub regex: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DefinitionList {
    definitions: Vec<CustomFieldDefinition>,
}

/// The definitions of entity type `entity` (`CUSTOM_FIELD_ENTITY_…`), oldest first (up to 200).
pub async fn list_definitions(entity: &str) -> ApiResult<Vec<CustomFieldDefinition>> {
    let q = ListQuery { filter: format!("entity_type={entity}"), page_size: 200, ..ListQuery::default() };
    get::<DefinitionList>(q.url("/api/v1/custom-field-definitions")).await.map(|l| l.definitions)
}

/// Creates a definition (`custom_fields.write`); field violations on `definition.<field>`.
pub async fn create_definition(d: &CustomFieldDefinition) -> ApiResult<CustomFieldDefinition> {
    send_json(Method::POST, "/api/v1/custom-field-definitions".into(), d).await
}

/// Updates label, options, required, min, max and regex of definition `d.id` (the fields sent
/// make the update mask; `entity_type`, `key` and `field_type` are fixed).
pub async fn update_definition(d: &CustomFieldDefinition) -> ApiResult<CustomFieldDefinition> {
    let body = serde_json::json!({
        "label": d.label,
        "options": d.options,
        "required": d.required,
        "min": d.min,
        "max": d.max,
        "regex": d.regex,
    });
    send_json(Method::PATCH, format!("/api/v1/custom-field-definitions/{}", encode(&d.id)), &body).await
}

/// Deletes a definition; its key is removed from every entity of its type.
pub async fn delete_definition(id: &str) -> ApiResult<CustomFieldDefinition> {
    super::parse(
        &super::call(Method::DELETE, format!("/api/v1/custom-field-definitions/{}", encode(id)), super::Body::Empty)
            .await?,
    )
}

/// The violation reported for custom field `key` (a path ending in `customFields.<key>` or
/// `custom_fields.<key>`).
pub fn custom_field_error(err: Option<&ApiError>, key: &str) -> Option<String> {
    let err = err?;
    err.errors
        .iter()
        .find(|e| {
            let mut parts = e.field.rsplit('.');
            parts.next() == Some(key) && matches!(parts.next(), Some("customFields" | "custom_fields"))
        })
        .map(|e| e.detail.clone())
}

/// The rates of one work type per hour, decimal strings in the card's currency.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RateLine {
    /// The tickets service's work type id.
    pub work_type_id: String,
    /// Display name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub work_type_name: String,
    /// Normal hours.
    pub hourly_rate: String,
    /// Defaults to the hourly rate when empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub after_hours_rate: String,
    /// Defaults to the hourly rate when empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub emergency_rate: String,
}

/// A rate card: the tenant default (no company, no contract), a company's, or a contract's.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RateCard {
    /// Id (empty on create).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// 1–200 characters.
    pub name: String,
    /// The company (fixed; set by the server for contract cards).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub company_id: String,
    /// The contract (fixed).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub contract_id: String,
    /// ISO 4217 code of every rate.
    pub currency: String,
    /// One line per work type.
    pub lines: Vec<RateLine>,
}

/// Which card an editor works on.
#[derive(Clone, Debug, PartialEq)]
pub enum RateCardTarget {
    /// The tenant default.
    Default,
    /// The card of a company (by id).
    Company(String),
    /// The card of a contract (by id).
    Contract(String),
}

impl RateCardTarget {
    /// Whether `card` is this target's card.
    pub fn owns(&self, card: &RateCard) -> bool {
        match self {
            Self::Default => card.company_id.is_empty() && card.contract_id.is_empty(),
            Self::Company(id) => card.company_id == *id && card.contract_id.is_empty(),
            Self::Contract(id) => card.contract_id == *id,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RateCardList {
    rate_cards: Vec<RateCard>,
}

/// The card of `target`, if it has one (`services.read`).
pub async fn find_rate_card(target: &RateCardTarget) -> ApiResult<Option<RateCard>> {
    let filter = match target {
        RateCardTarget::Default => String::new(),
        RateCardTarget::Company(id) => format!("company_id={}", quote(id)),
        RateCardTarget::Contract(id) => format!("contract_id={}", quote(id)),
    };
    let q = ListQuery { filter, page_size: 200, ..ListQuery::default() };
    let list: RateCardList = get(q.url("/api/v1/rate-cards")).await?;
    Ok(list.rate_cards.into_iter().find(|c| target.owns(c)))
}

/// The card that applies to a contract (its own, its company's or the default); `None` when
/// there is none.
pub async fn effective_rate_card(contract_id: &str) -> ApiResult<Option<RateCard>> {
    match get(format!("/api/v1/contracts/{}/rate-card", encode(contract_id))).await {
        Ok(card) => Ok(Some(card)),
        Err(e) if e.status == 404 => Ok(None),
        Err(e) => Err(e),
    }
}

/// Creates a card (`services.write`).
pub async fn create_rate_card(card: &RateCard) -> ApiResult<RateCard> {
    send_json(Method::POST, "/api/v1/rate-cards".into(), card).await
}

/// Replaces name, currency and every line of card `card.id`.
pub async fn update_rate_card(card: &RateCard) -> ApiResult<RateCard> {
    let body = serde_json::json!({ "name": card.name, "currency": card.currency, "lines": card.lines });
    send_json(Method::PATCH, format!("/api/v1/rate-cards/{}", encode(&card.id)), &body).await
}

/// Deletes a card.
pub async fn delete_rate_card(id: &str) -> ApiResult<RateCard> {
    super::parse(&super::call(Method::DELETE, format!("/api/v1/rate-cards/{}", encode(id)), super::Body::Empty).await?)
}
