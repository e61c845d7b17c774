//! Custom field definitions (admin) and the validation of entities' `custom_fields` against
//! them (rules in `psa_core::custom_fields`).

use psa_core::custom_fields::{CustomFieldDefinition, CustomFieldEntity, validate_values};
use psa_core::{DomainError, Principal};
use psa_kit::Result;
use psa_kit::db::TenantTx;
use psa_kit::list::ListParams;
use uuid::Uuid;

use super::Contracts;
use crate::repo;
use crate::repo::custom_fields::StoredDefinition;

/// Fields of a definition an update mask may name.
pub const UPDATABLE: &[&str] = &["label", "options", "required", "min", "max", "regex"];

/// Validates `values` (an entity's `custom_fields`) against the tenant's definitions for
/// `entity`; returns them normalised. Violations are named `<prefix>custom_fields.<key>`.
///
/// # Errors
/// INVALID_ARGUMENT listing every problem; database errors.
pub async fn check(
    tx: &mut TenantTx,
    tenant: Uuid,
    entity: CustomFieldEntity,
    values: &serde_json::Value,
    prefix: &str,
) -> Result<serde_json::Value> {
    let defs = repo::custom_fields::of_entity(tx, tenant, entity).await?;
    Ok(validate_values(&defs, values, prefix)?)
}

/// The custom-field step of a masked update: validates `new` values (when the mask named
/// `custom_fields`) like [`check`] and, when they differ from `current`, stores them on record
/// `id` and replaces `current`. Returns whether they changed.
///
/// # Errors
/// INVALID_ARGUMENT listing every problem; database errors.
pub async fn replace(
    tx: &mut TenantTx,
    tenant: Uuid,
    entity: CustomFieldEntity,
    prefix: &str,
    id: Uuid,
    current: &mut serde_json::Value,
    new: Option<serde_json::Value>,
) -> Result<bool> {
    let Some(values) = new else { return Ok(false) };
    let values = check(tx, tenant, entity, &values, prefix).await?;
    if values == *current {
        return Ok(false);
    }
    repo::custom_fields::set_values(tx, tenant, entity, id, &values).await?;
    *current = values;
    Ok(true)
}

impl Contracts {
    /// Creates a definition (`key` unique per entity type).
    pub async fn create_custom_field(&self, p: &Principal, d: CustomFieldDefinition) -> Result<StoredDefinition> {
        let d = d.normalize("definition.")?;
        if repo::custom_fields::table(d.entity_type).is_none() {
            return Err(DomainError::invalid("definition.entity_type", "not an entity of this service").into());
        }
        let mut tx = self.tx(p).await?;
        let out = repo::custom_fields::insert(&mut tx, p.tenant_id, &d).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The definition `id`.
    pub async fn get_custom_field(&self, p: &Principal, id: Uuid) -> Result<StoredDefinition> {
        let mut tx = self.tx(p).await?;
        repo::custom_fields::get(&mut tx, p.tenant_id, id, false).await
    }

    /// Updates the masked fields of definition `id` (see [`UPDATABLE`]).
    pub async fn update_custom_field(
        &self,
        p: &Principal,
        id: Uuid,
        patch: CustomFieldDefinition,
        mask: &[String],
    ) -> Result<StoredDefinition> {
        if mask.is_empty() {
            return Err(DomainError::invalid("update_mask", "name at least one field").into());
        }
        let mut tx = self.tx(p).await?;
        let mut s = repo::custom_fields::get(&mut tx, p.tenant_id, id, true).await?;
        let changed = psa_core::mask::apply(&mut s.def, mask, UPDATABLE, |d, name| {
            match name {
                "label" => d.label = patch.label.clone(),
                "options" => d.options = patch.options.clone(),
                "required" => d.required = patch.required,
                "min" => d.min = patch.min,
                "max" => d.max = patch.max,
                "regex" => d.regex = patch.regex.clone(),
                _ => {}
            }
            Ok(())
        })?;
        if changed.is_empty() {
            return Ok(s);
        }
        s.def = s.def.normalize("definition.")?;
        let out = repo::custom_fields::update(&mut tx, &s).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Deletes definition `id` and strips its key from its entities; returns it.
    pub async fn delete_custom_field(&self, p: &Principal, id: Uuid) -> Result<StoredDefinition> {
        let mut tx = self.tx(p).await?;
        let s = repo::custom_fields::get(&mut tx, p.tenant_id, id, true).await?;
        repo::custom_fields::delete(&mut tx, &s).await?;
        tx.commit().await?;
        Ok(s)
    }

    /// One page of definitions.
    pub async fn list_custom_fields(
        &self,
        p: &Principal,
        params: &ListParams,
    ) -> Result<(Vec<StoredDefinition>, String)> {
        let plan = repo::custom_fields::LIST.plan(params)?;
        let mut tx = self.tx(p).await?;
        repo::custom_fields::list(&mut tx, p.tenant_id, &plan).await
    }
}
