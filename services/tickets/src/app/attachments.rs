//! Uploading, downloading and deleting ticket attachments (PRD §3.4): checked and stored by
//! [`psa_kit::attachments::AttachmentStore`], bytes in the object store under
//! `<tenant>/<ticket>/<attachment id>`, metadata in `ticket_attachments`, an activity entry.

use chrono::Utc;
use psa_core::{DomainError, Principal};
use psa_kit::Result;
use psa_kit::db::TenantTx;
use uuid::Uuid;

use super::Tickets;
use crate::repo;
use crate::repo::attachments::Attachment;
use crate::repo::ticket_actions::Change;

impl Tickets {
    /// Stores an upload on ticket `ticket` (optionally on note `note`, staff only).
    ///
    /// # Errors
    /// NOT_FOUND for a ticket the principal cannot see; INVALID_ARGUMENT (see
    /// [`psa_kit::attachments::check`]; `note_id` of another ticket).
    pub async fn upload_attachment(
        &self,
        p: &Principal,
        ticket: Uuid,
        note: Option<Uuid>,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<Attachment> {
        let checked = self.email.store.check(file_name, &bytes)?;
        let mut tx = self.tx(p).await?;
        let t = self.visible(&mut tx, p, ticket, true).await?;
        let note = if p.portal_company().is_some() { None } else { note };
        if let Some(n) = note
            && !repo::attachments::note_of(&mut tx, p.tenant_id, ticket, n).await?
        {
            return Err(DomainError::invalid("note_id", "not a note of this ticket").into());
        }
        let id = Uuid::now_v7();
        let key = format!("{}/{}/{}", t.tenant_id, t.id, id);
        let row = Attachment {
            id,
            tenant_id: t.tenant_id,
            ticket_id: t.id,
            note_id: note,
            file_name: checked.file_name,
            content_type: checked.content_type,
            size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            content_id: String::new(),
            inline: false,
            storage_key: key.clone(),
            created_at: Utc::now(),
        };
        self.email.store.put(&key, bytes).await?;
        repo::attachments::insert(&mut tx, &row).await?;
        files_changed(
            &mut tx,
            p,
            ticket,
            Change { action: "attachment_added", field: "", old: "", new: &row.file_name },
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Attachment `id` of ticket `ticket` with its bytes.
    ///
    /// # Errors
    /// NOT_FOUND for a ticket or attachment the principal cannot see (portal users: those of
    /// internal notes, other companies' tickets).
    pub async fn attachment_content(&self, p: &Principal, ticket: Uuid, id: Uuid) -> Result<(Attachment, Vec<u8>)> {
        let mut tx = self.tx(p).await?;
        self.visible(&mut tx, p, ticket, false).await?;
        let a = repo::attachments::get(&mut tx, p.tenant_id, ticket, id, p.portal_company().is_some())
            .await?
            .ok_or(DomainError::NotFound { entity: "attachment" })?;
        drop(tx);
        let bytes = self.email.store.get(&a.storage_key).await?;
        Ok((a, bytes))
    }

    /// Deletes attachment `id` of ticket `ticket`: its row, then its bytes (a store failure
    /// after the commit only leaves orphaned bytes, logged); records `attachment_deleted` in
    /// the ticket's activity.
    ///
    /// # Errors
    /// PERMISSION_DENIED for portal users; NOT_FOUND for a ticket or attachment the principal
    /// cannot see.
    pub async fn delete_attachment(&self, p: &Principal, ticket: Uuid, id: Uuid) -> Result<()> {
        if p.portal_company().is_some() {
            return Err(DomainError::PermissionDenied("tickets.write".into()).into());
        }
        let mut tx = self.tx(p).await?;
        self.visible(&mut tx, p, ticket, true).await?;
        let a = repo::attachments::delete(&mut tx, p.tenant_id, ticket, id)
            .await?
            .ok_or(DomainError::NotFound { entity: "attachment" })?;
        files_changed(
            &mut tx,
            p,
            ticket,
            Change { action: "attachment_deleted", field: "", old: &a.file_name, new: "" },
        )
        .await?;
        tx.commit().await?;
        if let Err(e) = self.email.store.delete(&a.storage_key).await {
            tracing::warn!(error = %e, key = %a.storage_key, "deleted ticket attachment's bytes remain in the store");
        }
        Ok(())
    }
}

/// A file of `ticket` was added or deleted: the ticket's update time moves (so clients
/// showing it refresh) and its activity records `change` by the principal.
async fn files_changed(tx: &mut TenantTx, p: &Principal, ticket: Uuid, change: Change<'_>) -> Result<()> {
    repo::tickets::touch(tx, p.tenant_id, ticket).await?;
    repo::ticket_actions::record(tx, p.tenant_id, ticket, p.user_id, change).await
}
