//! Contact updates and (soft) deletion. Creation, reads, lists and merges are in the parent
//! module.

use psa_core::custom_fields::CustomFieldEntity;
use psa_core::{DomainError, Principal};
use psa_kit::Result;
use uuid::Uuid;

use super::Contracts;
use crate::domain::contact::{Contact, normalize_tags};
use crate::{events, repo};

impl Contracts {
    /// Updates the masked fields of contact `id` (see `domain::contact::UPDATABLE`); custom
    /// field values are validated when they change. Records `ContactUpdated`.
    pub async fn update_contact(&self, p: &Principal, id: Uuid, patch: Contact, mask: &[String]) -> Result<Contact> {
        let mut tx = self.tx(p).await?;
        let mut c = repo::contacts::get(&mut tx, p.tenant_id, id, true).await?;
        if c.merged_into.is_some() {
            return Err(
                DomainError::FailedPrecondition("the contact was merged into another; change that one".into()).into()
            );
        }
        let changed = c.apply(patch, mask)?;
        if changed.is_empty() {
            return Ok(c);
        }
        c.fields = c.fields.normalize("contact.")?;
        c.tags = normalize_tags(std::mem::take(&mut c.tags), "contact.tags")?;
        if changed.iter().any(|f| f == "custom_fields") {
            c.custom_fields = super::custom_fields::check(
                &mut tx,
                p.tenant_id,
                CustomFieldEntity::Contact,
                &c.custom_fields,
                "contact.",
            )
            .await?;
        }
        repo::contacts::update(&mut tx, p.tenant_id, c.id, &c.fields).await?;
        let c = repo::contacts::set_extras(&mut tx, p.tenant_id, c.id, &c.tags, &c.custom_fields).await?;
        events::contact_updated(&mut tx, &self.naming, p.user_id, &c, changed).await?;
        tx.commit().await?;
        Ok(c)
    }

    /// Soft-deletes contact `id` (see `repo::contacts::soft_delete`); returns it as it was.
    pub async fn delete_contact(&self, p: &Principal, id: Uuid) -> Result<Contact> {
        let mut tx = self.tx(p).await?;
        let c = repo::contacts::get(&mut tx, p.tenant_id, id, true).await?;
        if c.merged_into.is_some() {
            return Err(DomainError::FailedPrecondition("a merged duplicate cannot be deleted".into()).into());
        }
        repo::contacts::soft_delete(&mut tx, p.tenant_id, id).await?;
        tx.commit().await?;
        Ok(c)
    }
}
