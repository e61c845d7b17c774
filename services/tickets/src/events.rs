//! Events tickets publishes (`psa.tickets.ticket.{created,updated}`,
//! `psa.tickets.note.added`) and consumes (contracts' `psa.contracts.company.*`, into the
//! company projection; `psa.contracts.contact.*`, into the contact projection; identity's
//! `psa.identity.user.*`, into the user projection).

use std::collections::HashMap;

use prost::Message as _;
use psa_kit::db::TenantTx;
use psa_kit::events::{ConsumerSpec, EventMeta, Naming, enqueue};
use psa_proto::events::{self as ev, Envelope};
use uuid::Uuid;

use crate::domain::sla::clock::{ClockKind, SlaSummary};
use crate::domain::ticket::{Note, Ticket, format_number};
use crate::repo;

/// Service name in subjects and stream names.
pub const SERVICE: &str = "tickets";

/// Records `TicketCreated`.
pub async fn ticket_created(tx: &mut TenantTx, naming: &Naming, actor: Uuid, t: &Ticket) -> Result<(), sqlx::Error> {
    ticket_created_by_rules(tx, naming, actor, t, &[]).await
}

/// Records `TicketCreated` for a ticket that automation rules `chain` caused (empty: none).
pub async fn ticket_created_by_rules(
    tx: &mut TenantTx,
    naming: &Naming,
    actor: Uuid,
    t: &Ticket,
    chain: &[Uuid],
) -> Result<(), sqlx::Error> {
    let meta = EventMeta { tenant_id: t.tenant_id, actor_id: actor, subject_id: t.id };
    let automation_rule_chain = chain.iter().map(Uuid::to_string).collect();
    enqueue(
        tx,
        &naming.subject(SERVICE, "ticket", "created"),
        meta,
        &ev::TicketCreated { ticket: Some(crate::proto::ticket(t)), automation_rule_chain },
    )
    .await?;
    Ok(())
}

/// Records `TicketUpdated` with the names of the changed fields.
pub async fn ticket_updated(
    tx: &mut TenantTx,
    naming: &Naming,
    actor: Uuid,
    t: &Ticket,
    changed: Vec<String>,
) -> Result<(), sqlx::Error> {
    ticket_updated_from(tx, naming, actor, t, changed, HashMap::new()).await
}

/// Records `TicketUpdated` with the changed fields' previous values (activity text), for
/// automation's "changed from" conditions.
pub async fn ticket_updated_from(
    tx: &mut TenantTx,
    naming: &Naming,
    actor: Uuid,
    t: &Ticket,
    changed: Vec<String>,
    previous: HashMap<String, String>,
) -> Result<(), sqlx::Error> {
    let meta = EventMeta { tenant_id: t.tenant_id, actor_id: actor, subject_id: t.id };
    let e = ev::TicketUpdated {
        ticket: Some(crate::proto::ticket(t)),
        changed_fields: changed,
        automation_rule_chain: Vec::new(),
        previous_values: previous,
    };
    enqueue(tx, &naming.subject(SERVICE, "ticket", "updated"), meta, &e).await?;
    Ok(())
}

/// Records `TicketUpdated` for changes automation rules made; `chain` lists the rules behind
/// it (the last one made it), so automation never runs them again for it.
pub async fn ticket_updated_by_rules(
    tx: &mut TenantTx,
    naming: &Naming,
    t: &Ticket,
    changed: Vec<String>,
    previous: HashMap<String, String>,
    chain: &[Uuid],
) -> Result<(), sqlx::Error> {
    let meta = EventMeta { tenant_id: t.tenant_id, actor_id: Uuid::nil(), subject_id: t.id };
    let e = ev::TicketUpdated {
        ticket: Some(crate::proto::ticket(t)),
        changed_fields: changed,
        automation_rule_chain: chain.iter().map(Uuid::to_string).collect(),
        previous_values: previous,
    };
    enqueue(tx, &naming.subject(SERVICE, "ticket", "updated"), meta, &e).await?;
    Ok(())
}

/// Records `TicketNoteAdded`.
pub async fn note_added(tx: &mut TenantTx, naming: &Naming, n: &Note) -> Result<(), sqlx::Error> {
    let meta = EventMeta { tenant_id: n.tenant_id, actor_id: n.author_id, subject_id: n.ticket_id };
    enqueue(
        tx,
        &naming.subject(SERVICE, "note", "added"),
        meta,
        &ev::TicketNoteAdded { note: Some(crate::proto::note(n)) },
    )
    .await?;
    Ok(())
}

/// Records `SlaWarning` (`psa.tickets.sla.warning`) for a threshold below 100 % or
/// `SlaBreached` (`psa.tickets.sla.breached`) for 100 %; returns the event id.
pub async fn sla_point(
    tx: &mut TenantTx,
    naming: &Naming,
    t: &Ticket,
    s: &SlaSummary,
    clock: ClockKind,
    threshold: i16,
) -> Result<Uuid, sqlx::Error> {
    let meta = EventMeta { tenant_id: t.tenant_id, actor_id: Uuid::nil(), subject_id: t.id };
    let (pb_clock, due) = match clock {
        ClockKind::FirstResponse => (psa_proto::tickets::SlaClock::FirstResponse, Some(s.first_response_due)),
        ClockKind::Resolution => (psa_proto::tickets::SlaClock::Resolution, s.resolution_due),
    };
    let due_time = psa_kit::convert::opt_timestamp(due);
    let (ticket_id, ticket_number) = (t.id.to_string(), format_number(t.number));
    let (company_id, policy_id) = (t.fields.company_id.to_string(), s.policy_id.to_string());
    if threshold >= crate::domain::sla::policy::BREACH {
        let payload =
            ev::SlaBreached { ticket_id, ticket_number, company_id, policy_id, clock: pb_clock as i32, due_time };
        enqueue(tx, &naming.subject(SERVICE, "sla", "breached"), meta, &payload).await
    } else {
        let payload = ev::SlaWarning {
            ticket_id,
            ticket_number,
            company_id,
            policy_id,
            clock: pb_clock as i32,
            threshold_percent: threshold.into(),
            due_time,
        };
        enqueue(tx, &naming.subject(SERVICE, "sla", "warning"), meta, &payload).await
    }
}

/// The durable consumer that keeps the company projection.
pub fn company_projection() -> ConsumerSpec {
    ConsumerSpec { stream_service: "contracts", durable: "tickets-company-projection", filters: vec![("company", "*")] }
}

/// Applies one contracts event to the projection (other event types are ignored).
///
/// # Errors
/// Database errors (the event is redelivered).
pub async fn apply_company_event(mut tx: TenantTx, envelope: Envelope) -> anyhow::Result<TenantTx> {
    let tenant: Uuid = envelope.tenant_id.parse()?;
    let Some(any) = envelope.payload else { return Ok(tx) };
    let company = if any.type_url.ends_with("/psa.events.v1.CompanyCreated") {
        ev::CompanyCreated::decode(any.value.as_slice())?.company
    } else if any.type_url.ends_with("/psa.events.v1.CompanyUpdated") {
        ev::CompanyUpdated::decode(any.value.as_slice())?.company
    } else {
        None
    };
    if let Some(c) = company {
        let id: Uuid = c.id.parse()?;
        let updated = c
            .update_time
            .map(|t| chrono::DateTime::from_timestamp(t.seconds, t.nanos as u32).unwrap_or_default())
            .unwrap_or_default();
        let status = psa_proto::contracts::CompanyStatus::try_from(c.status)
            .map(|s| s.as_str_name())
            .unwrap_or("COMPANY_STATUS_UNSPECIFIED");
        let status = status.trim_start_matches("COMPANY_STATUS_").to_ascii_lowercase();
        let domains = crate::domain::email::company_domains(&c.email, &c.website);
        repo::companies::upsert(&mut tx, tenant, id, &c.name, &status, &domains, updated).await?;
    }
    Ok(tx)
}

/// The durable consumer that keeps the contact projection (senders of email are matched to
/// contacts by address).
pub fn contact_projection() -> ConsumerSpec {
    ConsumerSpec { stream_service: "contracts", durable: "tickets-contact-projection", filters: vec![("contact", "*")] }
}

/// Applies one of contracts' contact events to the projection (other types are ignored).
///
/// # Errors
/// Database errors (the event is redelivered).
pub async fn apply_contact_event(mut tx: TenantTx, envelope: Envelope) -> anyhow::Result<TenantTx> {
    let tenant: Uuid = envelope.tenant_id.parse()?;
    let Some(any) = envelope.payload else { return Ok(tx) };
    let contact = if any.type_url.ends_with("/psa.events.v1.ContactCreated") {
        ev::ContactCreated::decode(any.value.as_slice())?.contact
    } else if any.type_url.ends_with("/psa.events.v1.ContactUpdated") {
        ev::ContactUpdated::decode(any.value.as_slice())?.contact
    } else {
        None
    };
    if let Some(c) = contact {
        let updated = c
            .update_time
            .map(|t| chrono::DateTime::from_timestamp(t.seconds, t.nanos as u32).unwrap_or_default())
            .unwrap_or_default();
        let name = format!("{} {}", c.first_name, c.last_name).trim().to_owned();
        repo::email::upsert_contact(&mut tx, tenant, c.id.parse()?, c.company_id.parse()?, &c.email, &name, updated)
            .await?;
    }
    Ok(tx)
}

/// The durable consumer that keeps the user projection (staff users automation notifies).
pub fn user_projection() -> ConsumerSpec {
    ConsumerSpec { stream_service: "identity", durable: "tickets-user-projection", filters: vec![("user", "*")] }
}

/// Applies one of identity's user events to the projection (portal users and other event
/// types are ignored).
///
/// # Errors
/// Database errors or malformed ids (the event is redelivered).
pub async fn apply_user_event(mut tx: TenantTx, envelope: Envelope) -> anyhow::Result<TenantTx> {
    let tenant: Uuid = envelope.tenant_id.parse()?;
    let Some(any) = envelope.payload else { return Ok(tx) };
    let user = if any.type_url.ends_with("/psa.events.v1.UserCreated") {
        ev::UserCreated::decode(any.value.as_slice())?.user
    } else if any.type_url.ends_with("/psa.events.v1.UserUpdated") {
        ev::UserUpdated::decode(any.value.as_slice())?.user
    } else {
        None
    };
    if let Some(u) = user.filter(|u| u.kind == "staff") {
        let updated = u
            .update_time
            .map(|t| chrono::DateTime::from_timestamp(t.seconds, t.nanos as u32).unwrap_or_default())
            .unwrap_or_default();
        let staff = repo::users::StaffUser {
            id: u.id.parse()?,
            email: u.email,
            display_name: u.display_name,
            active: u.status == "active",
        };
        repo::users::upsert(&mut tx, tenant, &staff, updated).await?;
    }
    Ok(tx)
}

/// The durable consumer that follows contact merges in contracts
/// (`psa.contracts.contact.merged`).
pub fn contact_merges() -> ConsumerSpec {
    ConsumerSpec {
        stream_service: "contracts",
        durable: "tickets-contact-merges",
        filters: vec![("contact", "merged")],
    }
}

/// Applies `ContactMerged`: tickets of the merged duplicate move to the contact it was merged
/// into (other event types are ignored).
///
/// # Errors
/// Database errors or malformed ids (the event is redelivered).
pub async fn apply_contact_merged(mut tx: TenantTx, envelope: Envelope) -> anyhow::Result<TenantTx> {
    let tenant: Uuid = envelope.tenant_id.parse()?;
    let Some(any) = envelope.payload else { return Ok(tx) };
    if any.type_url.ends_with("/psa.events.v1.ContactMerged") {
        let m = ev::ContactMerged::decode(any.value.as_slice())?;
        repo::tickets::move_contact(&mut tx, tenant, m.source_contact_id.parse()?, m.target_contact_id.parse()?)
            .await?;
    }
    Ok(tx)
}

/// Records `TimeEntryCreated` (`psa.tickets.time_entry.created`); the subject is the entry.
pub async fn time_entry_created(
    tx: &mut TenantTx,
    naming: &Naming,
    actor: Uuid,
    e: &crate::domain::time::TimeEntry,
) -> Result<(), sqlx::Error> {
    let meta = EventMeta { tenant_id: e.tenant_id, actor_id: actor, subject_id: e.id };
    enqueue(
        tx,
        &naming.subject(SERVICE, "time_entry", "created"),
        meta,
        &ev::TimeEntryCreated { entry: Some(crate::proto::time::entry(e)) },
    )
    .await?;
    Ok(())
}

/// Records `TimeEntryApproved` (`psa.tickets.time_entry.approved`) for an entry of a week
/// `approver` approved; the subject is the entry.
pub async fn time_entry_approved(
    tx: &mut TenantTx,
    naming: &Naming,
    approver: Uuid,
    e: &crate::domain::time::TimeEntry,
) -> Result<(), sqlx::Error> {
    let meta = EventMeta { tenant_id: e.tenant_id, actor_id: approver, subject_id: e.id };
    enqueue(
        tx,
        &naming.subject(SERVICE, "time_entry", "approved"),
        meta,
        &ev::TimeEntryApproved { entry: Some(crate::proto::time::entry(e)), approved_by: approver.to_string() },
    )
    .await?;
    Ok(())
}
