//! Files attached to a company (issue 3: "notes and attachments"), some of them a contract's
//! documents (linked to the contract as well). The upload rules (size,
//! file name, type detected from the bytes) are psa-kit's, shared with ticket attachments:
//! [`psa_kit::attachments::check`].

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A stored company attachment's metadata; the bytes are in the object store under
/// `storage_key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyAttachment {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub company_id: Uuid,
    /// The contract it documents, if it was uploaded as one of a contract's documents.
    pub contract_id: Option<Uuid>,
    /// 1–255 characters, no path separators.
    pub file_name: String,
    /// `type/subtype` detected from the bytes.
    pub content_type: String,
    pub size_bytes: i64,
    /// Object-store key: `<tenant>/companies/<company>/<attachment id>`.
    pub storage_key: String,
    /// Identity user id of the uploader.
    pub uploaded_by: Uuid,
    pub created_at: DateTime<Utc>,
}

/// The object-store key of attachment `id` of `company` in `tenant`.
pub fn storage_key(tenant: Uuid, company: Uuid, id: Uuid) -> String {
    format!("{tenant}/companies/{company}/{id}")
}

/// What attachments are listed, read or deleted through: a company (all its files) or a
/// contract (its documents only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachedTo {
    Company(Uuid),
    Contract(Uuid),
}
