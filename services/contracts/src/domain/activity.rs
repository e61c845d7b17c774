//! The per-company activity timeline (PRD §3.3.1 "Activity history"): one entry per event the
//! contracts service records about a company or something it owns (sites, contacts, notes,
//! team, contracts, attachments), written in the same transaction as the outbox event, newest first.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use psa_core::text_enum;

text_enum!(
    /// What happened.
    ActivityKind {
        CompanyCreated => "company_created",
        CompanyUpdated => "company_updated",
        StatusChanged => "status_changed",
        SiteCreated => "site_created",
        SiteUpdated => "site_updated",
        SiteDeleted => "site_deleted",
        ContactCreated => "contact_created",
        ContactMerged => "contact_merged",
        NoteAdded => "note_added",
        TeamMemberAssigned => "team_member_assigned",
        TeamMemberRemoved => "team_member_removed",
        ContractCreated => "contract_created",
        AttachmentAdded => "attachment_added",
        AttachmentDeleted => "attachment_deleted"
    }
);

/// One timeline entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub id: Uuid,
    pub company_id: Uuid,
    pub kind: ActivityKind,
    /// One human-readable line, e.g. `Status changed from active to renewal: contract ends`.
    pub summary: String,
    /// Who did it (nil for system events).
    pub actor_id: Uuid,
    /// The changed record (company, site, contact, note, assignment or contract).
    pub subject_id: Uuid,
    pub occurred_at: DateTime<Utc>,
}

/// One lifecycle status change (the company's creation included, `from` = `None`).
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange {
    pub id: Uuid,
    pub company_id: Uuid,
    pub from: Option<super::company::CompanyStatus>,
    pub to: super::company::CompanyStatus,
    pub reason: String,
    pub actor_id: Uuid,
    pub changed_at: DateTime<Utc>,
}
