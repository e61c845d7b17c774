//! Service-desk configuration use cases (PRD §3.4, issue 4): statuses, priorities, queues,
//! types, categories, teams, custom-field definitions, the contract SLA selection, and the
//! checks a ticket's desk fields get on every write ([`Tickets::prepare_desk_fields`]).
//! Staff only: portal principals are refused.

use chrono::{DateTime, Utc};
use psa_core::validate::Validator;
use psa_core::{DomainError, Principal, PrincipalKind};
use psa_kit::Result;
use psa_kit::db::{self, TenantTx};
use uuid::Uuid;

use super::Tickets;
use crate::domain::desk::{
    CustomFieldDef, CustomFieldFields, Item, ItemFields, ItemKind, PriorityDef, StatusDef, StatusFields, Team,
    TeamFields, category_cycle, check_custom_values,
};
use crate::domain::ticket::{TicketFields, TicketStatus, UPDATABLE, custom_field_changes, lifecycle_stamps_for};
use crate::repo::desk as repo;

impl Tickets {
    async fn desk_tx(&self, p: &Principal) -> Result<TenantTx> {
        if p.kind == PrincipalKind::Portal {
            return Err(DomainError::PermissionDenied("ticket_settings.read".into()).into());
        }
        Ok(db::begin(&self.pool, p.tenant_id).await?)
    }

    /// The tenant's statuses (created on first use).
    pub async fn list_statuses(&self, p: &Principal) -> Result<Vec<StatusDef>> {
        let mut tx = self.desk_tx(p).await?;
        let list = repo::list_statuses(&mut tx, p.tenant_id).await?;
        tx.commit().await?;
        Ok(list)
    }

    /// Creates a status.
    ///
    /// # Errors
    /// INVALID_ARGUMENT (see [`StatusFields::normalize`]); ALREADY_EXISTS on `name`.
    pub async fn create_status(&self, p: &Principal, f: StatusFields) -> Result<StatusDef> {
        let f = f.normalize()?;
        let mut tx = self.desk_tx(p).await?;
        let s = repo::insert_status(&mut tx, p.tenant_id, &f).await?;
        tx.commit().await?;
        Ok(s)
    }

    /// Replaces a status's fields. The default status stays the default until another one
    /// becomes it; a status tickets are in keeps its kind.
    ///
    /// # Errors
    /// NOT_FOUND; INVALID_ARGUMENT; ALREADY_EXISTS on `name`.
    pub async fn update_status(&self, p: &Principal, id: Uuid, f: StatusFields) -> Result<StatusDef> {
        let f = f.normalize()?;
        let mut tx = self.desk_tx(p).await?;
        repo::ensure_statuses(&mut tx, p.tenant_id).await?;
        let old = repo::get_status(&mut tx, p.tenant_id, id).await?;
        let mut v = Validator::new();
        if old.fields.is_default && !f.is_default {
            v.push("ticket_status.is_default", "make another status the default instead");
        }
        if old.fields.kind != f.kind && repo::status_in_use(&mut tx, p.tenant_id, id).await? {
            v.push("ticket_status.kind", "tickets are in this status; its kind cannot change");
        }
        v.finish()?;
        let s = repo::update_status(&mut tx, p.tenant_id, id, &f).await?;
        tx.commit().await?;
        Ok(s)
    }

    /// The four priority levels as the tenant shows them.
    pub async fn list_priorities(&self, p: &Principal) -> Result<Vec<PriorityDef>> {
        let mut tx = self.desk_tx(p).await?;
        repo::list_priorities(&mut tx, p.tenant_id).await
    }

    /// Sets a level's name, colour and order.
    pub async fn update_priority(&self, p: &Principal, d: PriorityDef) -> Result<PriorityDef> {
        let d = d.normalize()?;
        let mut tx = self.desk_tx(p).await?;
        repo::upsert_priority(&mut tx, p.tenant_id, &d).await?;
        tx.commit().await?;
        Ok(d)
    }

    /// Queues, types or categories by name.
    pub async fn list_items(&self, p: &Principal, kind: ItemKind) -> Result<Vec<Item>> {
        let mut tx = self.desk_tx(p).await?;
        repo::list_items(&mut tx, p.tenant_id, kind).await
    }

    async fn check_item_link(
        &self,
        tx: &mut TenantTx,
        tenant: Uuid,
        kind: ItemKind,
        id: Option<Uuid>,
        f: &ItemFields,
    ) -> Result<()> {
        let Some(link) = f.link else { return Ok(()) };
        let mut v = Validator::new();
        match kind {
            ItemKind::Queue => {
                if repo::get_team(tx, tenant, link).await.is_err() {
                    v.push("ticket_queue.default_team_id", "no such team");
                }
            }
            ItemKind::Category => {
                let parents = repo::category_parents(tx, tenant).await?;
                if !parents.iter().any(|(c, _)| *c == link) {
                    v.push("ticket_category.parent_id", "no such category");
                } else if let Some(id) = id
                    && category_cycle(id, link, &parents)
                {
                    v.push("ticket_category.parent_id", "a category cannot be under itself or its subcategories");
                }
            }
            ItemKind::Type => {}
        }
        Ok(v.finish()?)
    }

    /// Creates a queue, type or category.
    ///
    /// # Errors
    /// INVALID_ARGUMENT (name; unknown default team or parent); ALREADY_EXISTS on `name`.
    pub async fn create_item(&self, p: &Principal, kind: ItemKind, f: ItemFields) -> Result<Item> {
        let f = f.normalize(kind)?;
        let mut tx = self.desk_tx(p).await?;
        self.check_item_link(&mut tx, p.tenant_id, kind, None, &f).await?;
        let i = repo::insert_item(&mut tx, p.tenant_id, kind, &f).await?;
        tx.commit().await?;
        Ok(i)
    }

    /// Replaces a queue's, type's or category's fields (a category's parent never makes a cycle).
    ///
    /// # Errors
    /// NOT_FOUND; INVALID_ARGUMENT; ALREADY_EXISTS on `name`.
    pub async fn update_item(&self, p: &Principal, kind: ItemKind, id: Uuid, f: ItemFields) -> Result<Item> {
        let f = f.normalize(kind)?;
        let mut tx = self.desk_tx(p).await?;
        repo::get_item(&mut tx, p.tenant_id, kind, id).await?;
        self.check_item_link(&mut tx, p.tenant_id, kind, Some(id), &f).await?;
        let i = repo::update_item(&mut tx, p.tenant_id, kind, id, &f).await?;
        tx.commit().await?;
        Ok(i)
    }

    /// Teams by name.
    pub async fn list_teams(&self, p: &Principal) -> Result<Vec<Team>> {
        let mut tx = self.desk_tx(p).await?;
        repo::list_teams(&mut tx, p.tenant_id).await
    }

    /// Creates a team.
    pub async fn create_team(&self, p: &Principal, f: TeamFields) -> Result<Team> {
        let f = f.normalize()?;
        let mut tx = self.desk_tx(p).await?;
        let t = repo::insert_team(&mut tx, p.tenant_id, &f).await?;
        tx.commit().await?;
        Ok(t)
    }

    /// Replaces a team's fields.
    pub async fn update_team(&self, p: &Principal, id: Uuid, f: TeamFields) -> Result<Team> {
        let f = f.normalize()?;
        let mut tx = self.desk_tx(p).await?;
        let t = repo::update_team(&mut tx, p.tenant_id, id, &f).await?;
        tx.commit().await?;
        Ok(t)
    }

    /// Ticket custom-field definitions.
    pub async fn list_custom_fields(&self, p: &Principal) -> Result<Vec<CustomFieldDef>> {
        let mut tx = self.desk_tx(p).await?;
        repo::list_fields(&mut tx, p.tenant_id).await
    }

    /// Creates a custom-field definition.
    pub async fn create_custom_field(&self, p: &Principal, f: CustomFieldFields) -> Result<CustomFieldDef> {
        let f = f.normalize()?;
        let mut tx = self.desk_tx(p).await?;
        let d = repo::insert_field(&mut tx, p.tenant_id, &f).await?;
        tx.commit().await?;
        Ok(d)
    }

    /// Replaces a definition's label, required flag, options, position and active flag.
    ///
    /// # Errors
    /// NOT_FOUND; INVALID_ARGUMENT, also when `key` or `type` differ from the stored ones.
    pub async fn update_custom_field(&self, p: &Principal, id: Uuid, f: CustomFieldFields) -> Result<CustomFieldDef> {
        let f = f.normalize()?;
        let mut tx = self.desk_tx(p).await?;
        let old = repo::get_field(&mut tx, p.tenant_id, id).await?;
        let mut v = Validator::new();
        if old.fields.key != f.key {
            v.push("custom_field.key", "cannot change");
        }
        if old.fields.field_type != f.field_type {
            v.push("custom_field.type", "cannot change");
        }
        v.finish()?;
        let d = repo::update_field(&mut tx, p.tenant_id, id, &f).await?;
        tx.commit().await?;
        Ok(d)
    }

    /// The SLA policy selected for `contract`, if any.
    pub async fn contract_policy(&self, p: &Principal, contract: Uuid) -> Result<Option<Uuid>> {
        let mut tx = self.desk_tx(p).await?;
        repo::contract_policy(&mut tx, p.tenant_id, contract).await
    }

    /// Selects `policy` (an active policy of the tenant) for `contract`, or removes the selection.
    ///
    /// # Errors
    /// INVALID_ARGUMENT on `policy_id` for a policy that is not an active one of the tenant.
    pub async fn set_contract_policy(
        &self,
        p: &Principal,
        contract: Uuid,
        policy: Option<Uuid>,
    ) -> Result<Option<Uuid>> {
        let mut tx = self.desk_tx(p).await?;
        if let Some(id) = policy
            && crate::repo::sla::get_policy(&mut tx, p.tenant_id, id, false).await.is_err()
        {
            return Err(DomainError::invalid("policy_id", "no such active SLA policy").into());
        }
        repo::set_contract_policy(&mut tx, p.tenant_id, contract, policy).await?;
        tx.commit().await?;
        Ok(policy)
    }

    /// Resolves and checks the desk fields of `f` before a write, in `tx`:
    ///
    /// - the tenant status: a named `status_id` (an active status) sets the kind; otherwise a
    ///   new ticket of kind NEW gets the tenant default, and a kind alone picks that kind's status;
    /// - queue, type, category and team must be active ones of the tenant (only those that
    ///   change are checked on updates); a queue's default team fills an empty team;
    /// - custom fields are checked against the active definitions (required ones too).
    ///
    /// `before` is the stored ticket on updates. Returns the status's `closed` flag, and
    /// stamps from [`lifecycle_stamps_for`] are the caller's to apply.
    ///
    /// # Errors
    /// INVALID_ARGUMENT naming `ticket.<field>`.
    pub(crate) async fn prepare_desk_fields(
        &self,
        tx: &mut TenantTx,
        tenant: Uuid,
        f: &mut TicketFields,
        before: Option<&TicketFields>,
    ) -> Result<StatusDef> {
        let mut v = Validator::new();
        let changed = |name: &str, now: Option<Uuid>| match before {
            None => now.is_some(),
            Some(b) => b.value_text(name) != now.map(|u| u.to_string()).unwrap_or_default(),
        };
        // Status.
        let status_named = changed("status_id", f.links.status_id) && f.links.status_id.is_some();
        let status = if status_named {
            let id = f.links.status_id.unwrap_or_default();
            match repo::get_status(tx, tenant, id).await {
                Ok(s) if s.fields.active => Some(s),
                Ok(_) => {
                    v.push("ticket.status_id", "the status is inactive");
                    None
                }
                Err(_) => {
                    v.push("ticket.status_id", "no such status");
                    None
                }
            }
        } else {
            None
        };
        let status = match status {
            Some(s) => s,
            None if before.is_none() && f.status == TicketStatus::New => repo::default_status(tx, tenant).await?,
            None => match (before, f.links.status_id) {
                (Some(b), Some(id)) if b.status == f.status && b.links.status_id == Some(id) => {
                    repo::get_status(tx, tenant, id).await?
                }
                _ => repo::status_for_kind(tx, tenant, f.status).await?,
            },
        };
        f.status = status.fields.kind;
        f.links.status_id = Some(status.id);
        // Queue, type, category, team.
        let checks = [
            ("queue_id", f.links.queue_id, Some(ItemKind::Queue)),
            ("type_id", f.links.type_id, Some(ItemKind::Type)),
            ("category_id", f.links.category_id, Some(ItemKind::Category)),
        ];
        for (name, id, kind) in checks {
            let (Some(id), Some(kind)) = (id, kind) else { continue };
            if !changed(name, Some(id)) {
                continue;
            }
            match repo::get_item(tx, tenant, kind, id).await {
                Ok(i) if i.fields.active => {
                    if kind == ItemKind::Queue && f.links.team_id.is_none() {
                        f.links.team_id = i.fields.link;
                    }
                }
                Ok(_) => v.push(format!("ticket.{name}"), format!("the {} is inactive", kind.entity())),
                Err(_) => v.push(format!("ticket.{name}"), format!("no such {}", kind.entity())),
            }
        }
        if let Some(team) = f.links.team_id
            && changed("team_id", Some(team))
        {
            match repo::get_team(tx, tenant, team).await {
                Ok(t) if t.fields.active => {}
                Ok(_) => v.push("ticket.team_id", "the team is inactive"),
                Err(_) => v.push("ticket.team_id", "no such team"),
            }
        }
        // Custom fields.
        let custom_changed = before.is_none_or(|b| !custom_field_changes(&b.links, &f.links).is_empty());
        if custom_changed {
            let defs = repo::list_fields(tx, tenant).await?;
            match check_custom_values(&defs, &f.links.custom_fields, "ticket.") {
                Ok(values) => f.links.custom_fields = values,
                Err(DomainError::Invalid(list)) => {
                    for x in list {
                        v.push(x.field, x.description);
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        v.finish()?;
        Ok(status)
    }
}

/// Resolve/close stamps for a ticket entering `status` at `now`.
pub(crate) fn stamps(
    status: &StatusDef,
    resolved_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    lifecycle_stamps_for(status.fields.kind, status.fields.closed, resolved_at, closed_at, now)
}

/// The names of the fields (and `custom_fields.<key>`) that differ between `a` and `b`.
pub(crate) fn changed_fields(a: &TicketFields, b: &TicketFields) -> Vec<String> {
    let mut out: Vec<String> = UPDATABLE
        .iter()
        .filter(|n| **n != "custom_fields" && a.value_text(n) != b.value_text(n))
        .map(|n| (*n).to_owned())
        .collect();
    out.extend(custom_field_changes(&a.links, &b.links));
    out
}
