//! Custom field definition conversions (domain ⇄ proto).

use psa_core::DomainError;
use psa_core::custom_fields::{CustomFieldDefinition, CustomFieldEntity, CustomFieldType};
use psa_core::validate::Validator;
use psa_kit::convert::timestamp;
use psa_proto::contracts as pb;

use crate::repo::custom_fields::StoredDefinition;

/// A stored definition as its proto message.
pub fn definition(s: &StoredDefinition) -> pb::CustomFieldDefinition {
    use pb::CustomFieldEntity as E;
    use pb::CustomFieldType as T;
    let d = &s.def;
    pb::CustomFieldDefinition {
        id: s.id.to_string(),
        entity_type: match d.entity_type {
            CustomFieldEntity::Company => E::Company,
            CustomFieldEntity::Contact => E::Contact,
            CustomFieldEntity::Contract => E::Contract,
            CustomFieldEntity::ServiceScope => E::ServiceScope,
            CustomFieldEntity::Proposal => E::Proposal,
            CustomFieldEntity::Saf => E::Saf,
            CustomFieldEntity::Coc => E::Coc,
            CustomFieldEntity::Ticket => E::Unspecified,
        } as i32,
        key: d.key.clone(),
        label: d.label.clone(),
        field_type: match d.field_type {
            CustomFieldType::Text => T::Text,
            CustomFieldType::Number => T::Number,
            CustomFieldType::Date => T::Date,
            CustomFieldType::Boolean => T::Boolean,
            CustomFieldType::Select => T::Select,
            CustomFieldType::MultiSelect => T::MultiSelect,
        } as i32,
        options: d.options.clone(),
        required: d.required,
        min: d.min,
        max: d.max,
        regex: d.regex.clone().unwrap_or_default(),
        create_time: Some(timestamp(s.created_at)),
        update_time: Some(timestamp(s.updated_at)),
    }
}

/// A proto definition: on create (`mask` = `None`) `entity_type` and `field_type` are
/// required; on update they are ignored (fixed).
///
/// # Errors
/// [`DomainError::Invalid`] for missing or unknown enum values.
pub fn definition_fields(
    d: pb::CustomFieldDefinition,
    mask: Option<&[String]>,
) -> Result<CustomFieldDefinition, DomainError> {
    use pb::CustomFieldEntity as E;
    use pb::CustomFieldType as T;
    let create = mask.is_none();
    let mut v = Validator::new();
    let entity_type = match E::try_from(d.entity_type) {
        Ok(E::Company) => CustomFieldEntity::Company,
        Ok(E::Contact) => CustomFieldEntity::Contact,
        Ok(E::Contract) => CustomFieldEntity::Contract,
        Ok(E::ServiceScope) => CustomFieldEntity::ServiceScope,
        Ok(E::Proposal) => CustomFieldEntity::Proposal,
        Ok(E::Saf) => CustomFieldEntity::Saf,
        Ok(E::Coc) => CustomFieldEntity::Coc,
        Ok(E::Unspecified) => {
            if create {
                v.push("definition.entity_type", "is required");
            }
            CustomFieldEntity::Company
        }
        Err(_) => {
            v.push("definition.entity_type", "unknown value");
            CustomFieldEntity::Company
        }
    };
    let field_type = match T::try_from(d.field_type) {
        Ok(T::Text) => CustomFieldType::Text,
        Ok(T::Number) => CustomFieldType::Number,
        Ok(T::Date) => CustomFieldType::Date,
        Ok(T::Boolean) => CustomFieldType::Boolean,
        Ok(T::Select) => CustomFieldType::Select,
        Ok(T::MultiSelect) => CustomFieldType::MultiSelect,
        Ok(T::Unspecified) => {
            if create {
                v.push("definition.field_type", "is required");
            }
            CustomFieldType::Text
        }
        Err(_) => {
            v.push("definition.field_type", "unknown value");
            CustomFieldType::Text
        }
    };
    v.finish()?;
    Ok(CustomFieldDefinition {
        entity_type,
        key: d.key,
        label: d.label,
        field_type,
        options: d.options,
        required: d.required,
        min: d.min,
        max: d.max,
        regex: Some(d.regex),
    })
}
