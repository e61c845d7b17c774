//! Company attachments (issue 3: companies have "notes and attachments") and contract documents
//! (contracts have "documents": files of the contract's company linked to the contract): checked
//! and stored by [`psa_kit::attachments::AttachmentStore`] (the rules ticket attachments follow
//! too), bytes in the object store under `<tenant>/companies/<company>/<attachment id>`,
//! metadata in `company_attachments` (audited), an activity entry on the company for every
//! upload and delete. Staff only, like notes: a portal user of the company gets
//! PERMISSION_DENIED, of another company NOT_FOUND.

use chrono::Utc;
use psa_core::{DomainError, Principal};
use psa_kit::Result;
use psa_kit::db::TenantTx;
use psa_kit::list::ListParams;
use uuid::Uuid;

use super::{Contracts, staff_only};
use crate::domain::activity::ActivityKind;
use crate::domain::attachment::{self, AttachedTo, CompanyAttachment};
use crate::repo;

impl Contracts {
    /// The company `to` belongs to, after checking that the principal may see it (staff only).
    ///
    /// # Errors
    /// NOT_FOUND for a company or contract the principal cannot see; PERMISSION_DENIED for a
    /// portal user of the company.
    async fn attachment_company(&self, tx: &mut TenantTx, p: &Principal, to: AttachedTo) -> Result<Uuid> {
        let company = match to {
            AttachedTo::Company(company) => {
                staff_only(p, company)?;
                repo::companies::get(tx, p.tenant_id, company, false).await?;
                company
            }
            AttachedTo::Contract(contract) => {
                let company = repo::contracts::get(tx, p.tenant_id, contract, false).await?.fields.company_id;
                if p.portal_company().is_some_and(|own| own != company) {
                    return Err(DomainError::NotFound { entity: "contract" }.into());
                }
                staff_only(p, company)?;
                company
            }
        };
        Ok(company)
    }

    /// Stores an upload on `to`: a company's file, or a contract's document (also a file of
    /// the contract's company).
    ///
    /// # Errors
    /// NOT_FOUND for a company or contract the principal cannot see; INVALID_ARGUMENT on
    /// `content` (empty, too large, an executable) or `file_name` (see
    /// [`psa_kit::attachments::check`]).
    pub async fn upload_attachment(
        &self,
        p: &Principal,
        to: AttachedTo,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<CompanyAttachment> {
        let mut tx = self.tx(p).await?;
        let company = self.attachment_company(&mut tx, p, to).await?;
        let checked = self.attachments.check(file_name, &bytes)?;
        let id = Uuid::now_v7();
        let a = CompanyAttachment {
            id,
            tenant_id: p.tenant_id,
            company_id: company,
            contract_id: match to {
                AttachedTo::Contract(contract) => Some(contract),
                AttachedTo::Company(_) => None,
            },
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

    /// One page of the attachments of `to`, newest first. Staff only.
    ///
    /// # Errors
    /// NOT_FOUND for a company or contract the principal cannot see; INVALID_ARGUMENT on a bad
    /// page token.
    pub async fn list_attachments(
        &self,
        p: &Principal,
        to: AttachedTo,
        params: &ListParams,
    ) -> Result<(Vec<CompanyAttachment>, String)> {
        let plan = repo::attachments::LIST.plan(params)?;
        let mut tx = self.tx(p).await?;
        self.attachment_company(&mut tx, p, to).await?;
        repo::attachments::list(&mut tx, p.tenant_id, to, &plan).await
    }

    /// Attachment `id` of `to` with its bytes.
    ///
    /// # Errors
    /// NOT_FOUND for a company, contract or attachment the principal cannot see.
    pub async fn attachment_content(
        &self,
        p: &Principal,
        to: AttachedTo,
        id: Uuid,
    ) -> Result<(CompanyAttachment, Vec<u8>)> {
        let mut tx = self.tx(p).await?;
        self.attachment_company(&mut tx, p, to).await?;
        let a = repo::attachments::get(&mut tx, p.tenant_id, to, id)
            .await?
            .ok_or(DomainError::NotFound { entity: "attachment" })?;
        drop(tx);
        let bytes = self.attachments.get(&a.storage_key).await?;
        Ok((a, bytes))
    }

    /// Deletes attachment `id` of `to`: the row (audited) and an activity entry in one
    /// transaction, then the bytes (a failure there is logged; the file is unreachable).
    ///
    /// # Errors
    /// NOT_FOUND for a company, contract or attachment the principal cannot see.
    pub async fn delete_attachment(&self, p: &Principal, to: AttachedTo, id: Uuid) -> Result<()> {
        let mut tx = self.tx(p).await?;
        let company = self.attachment_company(&mut tx, p, to).await?;
        let a = repo::attachments::delete(&mut tx, p.tenant_id, to, id)
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
