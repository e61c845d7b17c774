//! Company attachments (issue 3: companies have "notes and attachments"): checked and stored by
//! [`psa_kit::attachments::AttachmentStore`] (the rules ticket attachments follow too), bytes in
//! the object store under `<tenant>/companies/<company>/<attachment id>`, metadata in
//! `company_attachments` (audited), an activity entry for every upload and delete.
//! Staff only, like notes: a portal user of the company gets PERMISSION_DENIED, of another
//! company NOT_FOUND.

use chrono::Utc;
use psa_core::{DomainError, Principal};
use psa_kit::Result;
use psa_kit::list::ListParams;
use uuid::Uuid;

use super::{Contracts, staff_only};
use crate::domain::activity::ActivityKind;
use crate::domain::attachment::{self, CompanyAttachment};
use crate::repo;

impl Contracts {
    /// Stores an upload on company `company`.
    ///
    /// # Errors
    /// NOT_FOUND for a company the principal cannot see; INVALID_ARGUMENT on `content` (empty,
    /// too large, an executable) or `file_name` (see [`psa_kit::attachments::check`]).
    pub async fn upload_company_attachment(
        &self,
        p: &Principal,
        company: Uuid,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<CompanyAttachment> {
        staff_only(p, company)?;
        let checked = self.attachments.check(file_name, &bytes)?;
        let mut tx = self.tx(p).await?;
        repo::companies::get(&mut tx, p.tenant_id, company, false).await?;
        let id = Uuid::now_v7();
        let a = CompanyAttachment {
            id,
            tenant_id: p.tenant_id,
            company_id: company,
            file_name: checked.file_name,
            content_type: checked.content_type,
            size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            storage_key: attachment::storage_key(p.tenant_id, company, id),
            uploaded_by: p.user_id,
            created_at: Utc::now(),
        };
        self.attachments.put(&a.storage_key, bytes).await?;
        repo::attachments::insert(&mut tx, &a).await?;
        let summary = format!("Attachment added: {}", a.file_name);
        repo::activity::record(&mut tx, p.tenant_id, company, ActivityKind::AttachmentAdded, &summary, p.user_id, id)
            .await?;
        tx.commit().await?;
        Ok(a)
    }

    /// One page of a company's attachments, newest first. Staff only.
    ///
    /// # Errors
    /// NOT_FOUND for a company the principal cannot see; INVALID_ARGUMENT on a bad page token.
    pub async fn list_company_attachments(
        &self,
        p: &Principal,
        company: Uuid,
        params: &ListParams,
    ) -> Result<(Vec<CompanyAttachment>, String)> {
        staff_only(p, company)?;
        let plan = repo::attachments::LIST.plan(params)?;
        let mut tx = self.tx(p).await?;
        repo::companies::get(&mut tx, p.tenant_id, company, false).await?;
        repo::attachments::list(&mut tx, p.tenant_id, company, &plan).await
    }

    /// Attachment `id` of company `company` with its bytes.
    ///
    /// # Errors
    /// NOT_FOUND for a company or attachment the principal cannot see.
    pub async fn company_attachment_content(
        &self,
        p: &Principal,
        company: Uuid,
        id: Uuid,
    ) -> Result<(CompanyAttachment, Vec<u8>)> {
        staff_only(p, company)?;
        let mut tx = self.tx(p).await?;
        let a = repo::attachments::get(&mut tx, p.tenant_id, company, id)
            .await?
            .ok_or(DomainError::NotFound { entity: "attachment" })?;
        drop(tx);
        let bytes = self.attachments.get(&a.storage_key).await?;
        Ok((a, bytes))
    }

    /// Deletes attachment `id` of company `company`: the row (audited) and an activity entry
    /// in one transaction, then the bytes (a failure there is logged; the file is unreachable).
    ///
    /// # Errors
    /// NOT_FOUND for a company or attachment the principal cannot see.
    pub async fn delete_company_attachment(&self, p: &Principal, company: Uuid, id: Uuid) -> Result<()> {
        staff_only(p, company)?;
        let mut tx = self.tx(p).await?;
        let a = repo::attachments::delete(&mut tx, p.tenant_id, company, id)
            .await?
            .ok_or(DomainError::NotFound { entity: "attachment" })?;
        let summary = format!("Attachment deleted: {}", a.file_name);
        repo::activity::record(&mut tx, p.tenant_id, company, ActivityKind::AttachmentDeleted, &summary, p.user_id, id)
            .await?;
        tx.commit().await?;
        if let Err(e) = self.attachments.delete(&a.storage_key).await {
            tracing::warn!(error = %e, key = %a.storage_key, "deleted attachment's bytes remain in the store");
        }
        Ok(())
    }
}
