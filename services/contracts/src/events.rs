//! Events contracts publishes (subjects `psa.contracts.company.{created,updated,status_changed}`,
//! `psa.contracts.site.{created,updated,deleted}`, `psa.contracts.contact.{created,merged}`,
//! `psa.contracts.company_note.added`, `psa.contracts.team_assignment.{created,deleted}`,
//! `psa.contracts.contract.{created,updated,…}`, `psa.contracts.coc.*`), written to the outbox in
//! the same transaction as the change. Every event about a company or something it owns also
//! appends an entry to that company's activity timeline (`company_activity`) in the same
//! transaction: the timeline is a projection of this service's own events.

use psa_kit::db::TenantTx;
use psa_kit::events::{EventMeta, Naming, enqueue};
use psa_proto::events as ev;
use uuid::Uuid;

use crate::domain::activity::{ActivityKind, StatusChange};
use crate::domain::coc::Coc;
use crate::domain::company::Company;
use crate::domain::contact::Contact;
use crate::domain::contract::Contract;
use crate::domain::note::CompanyNote;
use crate::domain::site::Site;
use crate::domain::team::TeamAssignment;
use crate::repo::activity::record;

/// Service name in subjects and stream names.
pub const SERVICE: &str = "contracts";

/// Records `CompanyCreated`.
pub async fn company_created(tx: &mut TenantTx, naming: &Naming, actor: Uuid, c: &Company) -> Result<(), sqlx::Error> {
    let meta = EventMeta { tenant_id: c.tenant_id, actor_id: actor, subject_id: c.id };
    enqueue(
        tx,
        &naming.subject(SERVICE, "company", "created"),
        meta,
        &ev::CompanyCreated { company: Some(crate::proto::company(c)) },
    )
    .await?;
    let summary = format!("Company {} created ({})", c.fields.name, c.fields.status.as_str());
    record(tx, c.tenant_id, c.id, ActivityKind::CompanyCreated, &summary, actor, c.id).await
}

/// Records `ContactCreated` (`psa.contracts.contact.created`; tickets matches email senders
/// to contacts with it).
pub async fn contact_published(
    tx: &mut TenantTx,
    naming: &Naming,
    actor: Uuid,
    c: &Contact,
) -> Result<(), sqlx::Error> {
    let meta = EventMeta { tenant_id: c.tenant_id, actor_id: actor, subject_id: c.id };
    enqueue(
        tx,
        &naming.subject(SERVICE, "contact", "created"),
        meta,
        &ev::ContactCreated { contact: Some(crate::proto::contact(c)) },
    )
    .await?;
    Ok(())
}

/// Records `CompanyUpdated` with the names of the changed fields.
pub async fn company_updated(
    tx: &mut TenantTx,
    naming: &Naming,
    actor: Uuid,
    c: &Company,
    changed: Vec<String>,
) -> Result<(), sqlx::Error> {
    let meta = EventMeta { tenant_id: c.tenant_id, actor_id: actor, subject_id: c.id };
    enqueue(
        tx,
        &naming.subject(SERVICE, "company", "updated"),
        meta,
        &ev::CompanyUpdated { company: Some(crate::proto::company(c)), changed_fields: changed.clone() },
    )
    .await?;
    let summary = format!("Company updated: {}", changed.join(", "));
    record(tx, c.tenant_id, c.id, ActivityKind::CompanyUpdated, &summary, actor, c.id).await
}

/// Records `ContractCreated` (`psa.contracts.contract.created`).
pub async fn contract_created(
    tx: &mut TenantTx,
    naming: &Naming,
    actor: Uuid,
    c: &Contract,
) -> Result<(), sqlx::Error> {
    let meta = EventMeta { tenant_id: c.tenant_id, actor_id: actor, subject_id: c.id };
    enqueue(
        tx,
        &naming.subject(SERVICE, "contract", "created"),
        meta,
        &ev::ContractCreated { contract: Some(crate::proto::catalog::contract(c)) },
    )
    .await?;
    let summary = format!("Contract {} created: {}", c.fields.number, c.fields.name);
    record(tx, c.tenant_id, c.fields.company_id, ActivityKind::ContractCreated, &summary, actor, c.id).await
}

/// Records `ContractUpdated` (`psa.contracts.contract.updated`) with the changed field names.
pub async fn contract_updated(
    tx: &mut TenantTx,
    naming: &Naming,
    actor: Uuid,
    c: &Contract,
    changed: Vec<String>,
) -> Result<(), sqlx::Error> {
    let meta = EventMeta { tenant_id: c.tenant_id, actor_id: actor, subject_id: c.id };
    enqueue(
        tx,
        &naming.subject(SERVICE, "contract", "updated"),
        meta,
        &ev::ContractUpdated { contract: Some(crate::proto::catalog::contract(c)), changed_fields: changed },
    )
    .await?;
    Ok(())
}

/// Records `ContractExpiring` (`psa.contracts.contract.expiring`, `threshold` 90/60/30) or, for
/// threshold 0, `ContractExpired` (`psa.contracts.contract.expired`). System event: no actor.
pub async fn contract_expiry(
    tx: &mut TenantTx,
    naming: &Naming,
    c: &Contract,
    threshold: i32,
) -> Result<(), sqlx::Error> {
    let meta = EventMeta { tenant_id: c.tenant_id, actor_id: Uuid::nil(), subject_id: c.id };
    let contract = Some(crate::proto::catalog::contract(c));
    if threshold == 0 {
        enqueue(tx, &naming.subject(SERVICE, "contract", "expired"), meta, &ev::ContractExpired { contract }).await?;
    } else {
        let e = ev::ContractExpiring { contract, threshold_days: threshold };
        enqueue(tx, &naming.subject(SERVICE, "contract", "expiring"), meta, &e).await?;
    }
    Ok(())
}

/// Records `CocExpiring` (`psa.contracts.coc.expiring`) or, for threshold 0, `CocExpired`
/// (`psa.contracts.coc.expired`). System event: no actor.
pub async fn coc_expiry(tx: &mut TenantTx, naming: &Naming, c: &Coc, threshold: i32) -> Result<(), sqlx::Error> {
    let meta = EventMeta { tenant_id: c.tenant_id, actor_id: Uuid::nil(), subject_id: c.id };
    let coc = Some(crate::proto::saf::coc(c));
    if threshold == 0 {
        enqueue(tx, &naming.subject(SERVICE, "coc", "expired"), meta, &ev::CocExpired { coc }).await?;
    } else {
        enqueue(
            tx,
            &naming.subject(SERVICE, "coc", "expiring"),
            meta,
            &ev::CocExpiring { coc, threshold_days: threshold },
        )
        .await?;
    }
    Ok(())
}

/// Records `CompanyStatusChanged` (`psa.contracts.company.status_changed`).
pub async fn company_status_changed(
    tx: &mut TenantTx,
    naming: &Naming,
    tenant: Uuid,
    change: &StatusChange,
) -> Result<(), sqlx::Error> {
    let meta = EventMeta { tenant_id: tenant, actor_id: change.actor_id, subject_id: change.company_id };
    let e = ev::CompanyStatusChanged { change: Some(crate::proto::clients::status_change(change)) };
    enqueue(tx, &naming.subject(SERVICE, "company", "status_changed"), meta, &e).await?;
    let mut summary = match change.from {
        Some(from) => format!("Status changed from {} to {}", from.as_str(), change.to.as_str()),
        None => format!("Status set to {}", change.to.as_str()),
    };
    if !change.reason.is_empty() {
        summary = format!("{summary}: {}", change.reason);
    }
    record(tx, tenant, change.company_id, ActivityKind::StatusChanged, &summary, change.actor_id, change.company_id)
        .await
}

/// Which site event to record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteChange {
    Created,
    Updated,
    Deleted,
}

/// Records `SiteCreated` / `SiteUpdated` / `SiteDeleted` (`psa.contracts.site.*`).
pub async fn site_changed(
    tx: &mut TenantTx,
    naming: &Naming,
    actor: Uuid,
    s: &Site,
    change: SiteChange,
    changed: Vec<String>,
) -> Result<(), sqlx::Error> {
    let meta = EventMeta { tenant_id: s.tenant_id, actor_id: actor, subject_id: s.id };
    let site = Some(crate::proto::clients::site(s));
    let name = &s.fields.name;
    let (kind, summary) = match change {
        SiteChange::Created => {
            enqueue(tx, &naming.subject(SERVICE, "site", "created"), meta, &ev::SiteCreated { site }).await?;
            (ActivityKind::SiteCreated, format!("Site {name} added"))
        }
        SiteChange::Updated => {
            let summary = format!("Site {name} updated: {}", changed.join(", "));
            let e = ev::SiteUpdated { site, changed_fields: changed };
            enqueue(tx, &naming.subject(SERVICE, "site", "updated"), meta, &e).await?;
            (ActivityKind::SiteUpdated, summary)
        }
        SiteChange::Deleted => {
            enqueue(tx, &naming.subject(SERVICE, "site", "deleted"), meta, &ev::SiteDeleted { site }).await?;
            (ActivityKind::SiteDeleted, format!("Site {name} removed"))
        }
    };
    record(tx, s.tenant_id, s.fields.company_id, kind, &summary, actor, s.id).await
}

/// Adds the timeline entry of a new contact (no event yet: nothing consumes one).
pub async fn contact_created(tx: &mut TenantTx, actor: Uuid, c: &Contact) -> Result<(), sqlx::Error> {
    let summary = format!("Contact {} {} added", c.fields.first_name, c.fields.last_name);
    record(tx, c.tenant_id, c.fields.company_id, ActivityKind::ContactCreated, summary.trim_end(), actor, c.id).await
}

/// Records `ContactMerged` (`psa.contracts.contact.merged`); the subject is the duplicate.
pub async fn contact_merged(
    tx: &mut TenantTx,
    naming: &Naming,
    actor: Uuid,
    source: &Contact,
    target: &Contact,
) -> Result<(), sqlx::Error> {
    let meta = EventMeta { tenant_id: source.tenant_id, actor_id: actor, subject_id: source.id };
    let e = ev::ContactMerged {
        source_contact_id: source.id.to_string(),
        target_contact_id: target.id.to_string(),
        company_id: target.fields.company_id.to_string(),
    };
    enqueue(tx, &naming.subject(SERVICE, "contact", "merged"), meta, &e).await?;
    let name = |c: &Contact| format!("{} {}", c.fields.first_name, c.fields.last_name).trim_end().to_owned();
    let summary = format!("Contact {} merged into {}", name(source), name(target));
    record(tx, target.tenant_id, target.fields.company_id, ActivityKind::ContactMerged, &summary, actor, target.id)
        .await
}

/// Records `CompanyNoteAdded` (`psa.contracts.company_note.added`).
pub async fn note_added(tx: &mut TenantTx, naming: &Naming, n: &CompanyNote) -> Result<(), sqlx::Error> {
    let meta = EventMeta { tenant_id: n.tenant_id, actor_id: n.author_id, subject_id: n.id };
    let e = ev::CompanyNoteAdded { note: Some(crate::proto::clients::note(n)) };
    enqueue(tx, &naming.subject(SERVICE, "company_note", "added"), meta, &e).await?;
    let mut excerpt: String = n.body.chars().take(80).collect();
    if excerpt.len() < n.body.len() {
        excerpt.push('…');
    }
    let summary = format!("Note: {excerpt}");
    record(tx, n.tenant_id, n.company_id, ActivityKind::NoteAdded, &summary, n.author_id, n.id).await
}

/// Records `TeamAssignmentCreated` / `TeamAssignmentDeleted`
/// (`psa.contracts.team_assignment.{created,deleted}`).
pub async fn team_changed(
    tx: &mut TenantTx,
    naming: &Naming,
    actor: Uuid,
    a: &TeamAssignment,
    created: bool,
) -> Result<(), sqlx::Error> {
    let meta = EventMeta { tenant_id: a.tenant_id, actor_id: actor, subject_id: a.id };
    let team_assignment = Some(crate::proto::clients::team_assignment(a));
    let role = a.role.as_str().replace('_', " ");
    let (kind, summary) = if created {
        let e = ev::TeamAssignmentCreated { team_assignment };
        enqueue(tx, &naming.subject(SERVICE, "team_assignment", "created"), meta, &e).await?;
        (ActivityKind::TeamMemberAssigned, format!("User {} assigned as {role}", a.user_id))
    } else {
        let e = ev::TeamAssignmentDeleted { team_assignment };
        enqueue(tx, &naming.subject(SERVICE, "team_assignment", "deleted"), meta, &e).await?;
        (ActivityKind::TeamMemberRemoved, format!("User {} removed as {role}", a.user_id))
    };
    record(tx, a.tenant_id, a.company_id, kind, &summary, actor, a.id).await
}

/// The durable consumer of the tickets service's `TimeEntryApproved`
/// (`psa.tickets.time_entry.approved`), which draws block hours.
pub fn time_approvals() -> psa_kit::events::ConsumerSpec {
    psa_kit::events::ConsumerSpec {
        stream_service: "tickets",
        durable: "contracts-block-hours",
        filters: vec![("time_entry", "approved")],
    }
}

/// Applies `TimeEntryApproved`: a billable entry with a company draws its rounded duration
/// (hours, 2 decimal places) from the contract it names when that contract is the company's
/// and has a block-hour policy (a named contract without one draws nothing: the time is billed
/// under it otherwise); an entry naming no contract draws from the company's ACTIVE contract
/// with a block-hour policy covering the entry's date (see `repo::hours::contract_for`); an entry approved again
/// replaces what it drew, and one no longer billable gives its hours back. The psa-kit inbox
/// makes each event apply once; the unique time entry per usage makes each entry draw once.
/// Other event types are ignored.
///
/// # Errors
/// Database errors (the event is redelivered).
pub async fn apply_time_entry_approved(
    mut tx: TenantTx,
    envelope: psa_proto::events::Envelope,
) -> anyhow::Result<TenantTx> {
    use prost::Message as _;
    let tenant: Uuid = envelope.tenant_id.parse()?;
    let Some(any) = envelope.payload else { return Ok(tx) };
    if !any.type_url.ends_with("/psa.events.v1.TimeEntryApproved") {
        return Ok(tx);
    }
    let Some(e) = ev::TimeEntryApproved::decode(any.value.as_slice())?.entry else { return Ok(tx) };
    let (Ok(entry), Ok(company), Ok(date)) =
        (e.id.parse::<Uuid>(), e.company_id.parse::<Uuid>(), chrono::NaiveDate::parse_from_str(&e.date, "%Y-%m-%d"))
    else {
        // Time not booked to a company (internal work) draws nothing.
        return Ok(tx);
    };
    let billable = e.billable.unwrap_or(
        e.billing_status != psa_proto::tickets::TimeBillingStatus::Unbilled as i32
            && e.billing_status != psa_proto::tickets::TimeBillingStatus::Unspecified as i32,
    );
    if !billable {
        crate::repo::hours::remove_usage(&mut tx, tenant, entry).await?;
        return Ok(tx);
    }
    let minutes = if e.rounded_minutes > 0 { e.rounded_minutes } else { e.duration_minutes };
    let contract = match e.contract_id.parse::<Uuid>() {
        Ok(named) => crate::repo::hours::named_contract(&mut tx, tenant, named, company).await?,
        Err(_) => crate::repo::hours::contract_for(&mut tx, tenant, company, date).await?,
    };
    if contract.is_none() {
        crate::repo::hours::remove_usage(&mut tx, tenant, entry).await?;
    }
    if let Some(contract) = contract {
        let hours = crate::domain::hours::minutes_to_hours(minutes);
        crate::repo::hours::record_usage(&mut tx, tenant, contract, entry, date, hours, e.user_id.parse().ok()).await?;
    }
    Ok(tx)
}

/// Records `ContactUpdated` (`psa.contracts.contact.updated`; tickets' contact projection
/// follows it).
pub async fn contact_updated(
    tx: &mut TenantTx,
    naming: &Naming,
    actor: Uuid,
    c: &Contact,
    changed: Vec<String>,
) -> Result<(), sqlx::Error> {
    let meta = EventMeta { tenant_id: c.tenant_id, actor_id: actor, subject_id: c.id };
    enqueue(
        tx,
        &naming.subject(SERVICE, "contact", "updated"),
        meta,
        &ev::ContactUpdated { contact: Some(crate::proto::contact(c)), changed_fields: changed },
    )
    .await?;
    Ok(())
}
