//! Ticket use cases. Free of tonic.
//!
//! Portal principals (client users) are confined to their own company: lists are restricted
//! to it, other companies' tickets answer NOT_FOUND, they see and write only public notes,
//! and they cannot edit tickets.

use chrono::Utc;
use psa_core::{DomainError, Principal, PrincipalKind};
use psa_kit::Result;
use psa_kit::db::{self, TenantTx};
use psa_kit::events::Naming;
use psa_kit::list::ListParams;
use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::ticket::{Note, NoteVisibility, Ticket, TicketFields, TicketSource, check_note_body, format_number};
use crate::repo::ticket_actions::Change;
use crate::{events, repo};

pub mod attachments;
pub mod automation;
pub mod desk;
pub mod email;
pub mod kb;
pub mod sla;
pub mod templates;
pub mod ticket_actions;
pub mod time;
pub mod timesheets;

/// What the tickets service needs at run time.
pub struct Tickets {
    pub pool: PgPool,
    /// Ticket numbers' pool ([`repo::tickets::next_number`]), beside `pool`.
    pub numbers: PgPool,
    pub naming: Naming,
    pub email: email::EmailRuntime,
    pub automation: automation::AutomationRuntime,
}

impl Tickets {
    async fn tx(&self, p: &Principal) -> Result<TenantTx> {
        Ok(db::begin(&self.pool, p.tenant_id).await?)
    }

    /// Loads a ticket the principal may see.
    async fn visible(&self, tx: &mut TenantTx, p: &Principal, id: Uuid, lock: bool) -> Result<Ticket> {
        let t = repo::tickets::get(tx, p.tenant_id, id, lock).await?;
        match p.portal_company() {
            Some(c) if c != t.fields.company_id => Err(DomainError::NotFound { entity: "ticket" }.into()),
            _ => Ok(t),
        }
    }

    /// Creates a ticket (numbered per tenant) and records `TicketCreated`.
    pub async fn create_ticket(&self, p: &Principal, mut fields: TicketFields) -> Result<Ticket> {
        if let Some(c) = p.portal_company() {
            fields.company_id = c;
            fields.source = TicketSource::Portal;
            fields.assignee_id = None;
        }
        let mut fields = fields.normalize("ticket.")?;
        if p.portal_company().is_some() {
            // Portal users choose none of the desk configuration (nor links).
            fields.links =
                crate::domain::ticket::TicketLinks { custom_fields: fields.links.custom_fields, ..Default::default() };
        }
        let number = repo::tickets::next_number(&self.numbers, p.tenant_id).await?;
        let mut tx = self.tx(p).await?;
        self.prepare_desk_fields(&mut tx, p.tenant_id, &mut fields, None).await?;
        let t = self.insert_numbered(&mut tx, p.tenant_id, p.user_id, &fields, &[], number).await?;
        tx.commit().await?;
        Ok(t)
    }

    /// Inserts a (normalised) ticket in `tx`: number, SLA clocks, activity, `TicketCreated`.
    pub(crate) async fn insert_ticket(
        &self,
        tx: &mut TenantTx,
        tenant: Uuid,
        actor: Uuid,
        fields: &TicketFields,
    ) -> Result<Ticket> {
        self.insert_ticket_chained(tx, tenant, actor, fields, &[]).await
    }

    /// [`Tickets::insert_ticket`] for a ticket automation rules `chain` create.
    pub(crate) async fn insert_ticket_chained(
        &self,
        tx: &mut TenantTx,
        tenant: Uuid,
        actor: Uuid,
        fields: &TicketFields,
        chain: &[Uuid],
    ) -> Result<Ticket> {
        let number = repo::tickets::next_number(&self.numbers, tenant).await?;
        self.insert_numbered(tx, tenant, actor, fields, chain, number).await
    }

    /// [`Tickets::insert_ticket_chained`] with the ticket's `number` already taken
    /// ([`repo::tickets::next_number`]).
    async fn insert_numbered(
        &self,
        tx: &mut TenantTx,
        tenant: Uuid,
        actor: Uuid,
        fields: &TicketFields,
        chain: &[Uuid],
        number: i64,
    ) -> Result<Ticket> {
        let t = repo::tickets::insert(tx, tenant, fields, actor, number).await?;
        repo::sla_state::record_status(tx, tenant, t.id, t.fields.status, t.created_at).await?;
        sla::start(tx, &self.naming, &t, t.created_at).await?;
        let t = repo::tickets::get(tx, tenant, t.id, false).await?;
        repo::ticket_actions::record(
            tx,
            tenant,
            t.id,
            actor,
            Change { action: "created", field: "", old: "", new: &format_number(t.number) },
        )
        .await?;
        events::ticket_created_by_rules(tx, &self.naming, actor, &t, chain).await?;
        Ok(t)
    }

    /// The ticket `id`.
    pub async fn get_ticket(&self, p: &Principal, id: Uuid) -> Result<Ticket> {
        let mut tx = self.tx(p).await?;
        self.visible(&mut tx, p, id, false).await
    }

    /// Updates the masked fields, stamps resolve/close times, records `TicketUpdated`.
    pub async fn update_ticket(&self, p: &Principal, id: Uuid, patch: TicketFields, mask: &[String]) -> Result<Ticket> {
        if p.kind == PrincipalKind::Portal {
            return Err(DomainError::PermissionDenied("tickets.write".into()).into());
        }
        let mut tx = self.tx(p).await?;
        let mut t = self.visible(&mut tx, p, id, true).await?;
        let before = t.fields.clone();
        if t.fields.apply(&patch, mask)?.is_empty() {
            return Ok(t);
        }
        t.fields = t.fields.normalize("ticket.")?;
        let status = self.prepare_desk_fields(&mut tx, p.tenant_id, &mut t.fields, Some(&before)).await?;
        let changed = desk::changed_fields(&before, &t.fields);
        if changed.is_empty() {
            return Ok(t);
        }
        let now = Utc::now();
        if before.links.status_id != t.fields.links.status_id || before.status != t.fields.status {
            (t.resolved_at, t.closed_at) = desk::stamps(&status, t.resolved_at, t.closed_at, now);
        }
        let t = repo::tickets::update(&mut tx, &t).await?;
        if changed.iter().any(|c| c == "status" || c == "status_id") {
            repo::sla_state::record_status(&mut tx, p.tenant_id, t.id, t.fields.status, now).await?;
        }
        let reselect = changed.iter().any(|c| c == "company_id" || c == "contract_id");
        sla::refresh(&mut tx, &self.naming, &t, now, reselect, false).await?;
        let t = repo::tickets::get(&mut tx, p.tenant_id, t.id, false).await?;
        let previous: std::collections::HashMap<String, String> =
            changed.iter().map(|f| (f.clone(), before.value_text(f))).collect();
        // A move to another kind is one `status` entry; `status_id` is recorded on its own
        // only for moves between statuses of the same kind.
        let kind_changed = changed.iter().any(|c| c == "status");
        for field in changed.iter().filter(|c| !(kind_changed && *c == "status_id")) {
            let (old, new) = (before.value_text(field), t.fields.value_text(field));
            repo::ticket_actions::record(
                &mut tx,
                p.tenant_id,
                t.id,
                p.user_id,
                Change { action: "field_changed", field, old: &old, new: &new },
            )
            .await?;
        }
        events::ticket_updated_from(&mut tx, &self.naming, p.user_id, &t, changed, previous).await?;
        tx.commit().await?;
        Ok(t)
    }

    /// One page of tickets.
    ///
    /// Besides [`repo::tickets::LIST`]'s fields, the filter may name custom fields:
    /// `custom_fields.<key> = "v"` / `!=` / `:` (see
    /// [`psa_kit::list::ListSpec::plan_with_custom_fields`]).
    pub async fn list_tickets(&self, p: &Principal, params: &ListParams) -> Result<(Vec<Ticket>, String)> {
        let plan = repo::tickets::LIST.plan_with_custom_fields(params, "t.custom_fields")?;
        let mut tx = self.tx(p).await?;
        repo::tickets::list(&mut tx, p.tenant_id, &plan, p.portal_company()).await
    }

    /// Adds a note and records `TicketNoteAdded`; a staff user's public note is also queued
    /// as an email to the client (see [`Tickets::queue_note_mail`]).
    pub async fn add_note(
        &self,
        p: &Principal,
        ticket: Uuid,
        body: String,
        visibility: NoteVisibility,
    ) -> Result<Note> {
        check_note_body(&body)?;
        let visibility = if p.kind == PrincipalKind::Portal { NoteVisibility::Public } else { visibility };
        let mut tx = self.tx(p).await?;
        let t = self.visible(&mut tx, p, ticket, true).await?;
        let n = repo::notes::insert(&mut tx, p.tenant_id, ticket, &body, visibility, p.user_id).await?;
        if p.kind == PrincipalKind::Portal {
            repo::automation::set_note_author_kind(&mut tx, p.tenant_id, n.id, "client").await?;
        }
        repo::tickets::touch(&mut tx, p.tenant_id, ticket).await?;
        let visibility_text = format!("NOTE_VISIBILITY_{}", visibility.as_str().to_ascii_uppercase());
        repo::ticket_actions::record(
            &mut tx,
            p.tenant_id,
            ticket,
            p.user_id,
            Change { action: "note_added", field: "", old: "", new: &visibility_text },
        )
        .await?;
        // The first public note by a staff user stops the first-response clock.
        if visibility == NoteVisibility::Public && p.kind == PrincipalKind::Staff {
            repo::sla_state::record_first_response(&mut tx, p.tenant_id, ticket, n.created_at).await?;
            sla::refresh(&mut tx, &self.naming, &t, Utc::now(), false, false).await?;
            // The client hears of it by email (queued here, sent by the email job).
            self.queue_note_mail(&mut tx, &t, &n).await?;
        }
        events::note_added(&mut tx, &self.naming, &n).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// One page of a ticket's notes, oldest first (portal users: public notes only).
    pub async fn list_notes(&self, p: &Principal, ticket: Uuid, params: &ListParams) -> Result<(Vec<Note>, String)> {
        let plan = repo::notes::LIST.plan(params)?;
        let mut tx = self.tx(p).await?;
        self.visible(&mut tx, p, ticket, false).await?;
        repo::notes::list(&mut tx, p.tenant_id, ticket, &plan, p.kind == PrincipalKind::Portal).await
    }
}
