//! Ticket relations (parent, merged-into, tags), moving a ticket's records to another on
//! merge or split, and the `ticket_activity` history.

use chrono::{DateTime, Utc};
use psa_kit::Result;
use psa_kit::db::TenantTx;
use uuid::Uuid;

use crate::domain::ticket::Relations;

/// Writes a ticket's relations, bumping `updated_at`.
pub async fn set_relations(tx: &mut TenantTx, tenant: Uuid, id: Uuid, r: &Relations) -> Result<()> {
    sqlx::query(
        "update tickets set parent_id = $3, merged_into_id = $4, tags = $5, updated_at = now() \
         where tenant_id = $1 and id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(r.parent_id)
    .bind(r.merged_into_id)
    .bind(&r.tags)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Whether `candidate` is `id` or one of its descendants.
pub async fn is_descendant(tx: &mut TenantTx, tenant: Uuid, id: Uuid, candidate: Uuid) -> Result<bool> {
    let tree = psa_kit::db::Tree { table: "tickets", parent_column: "parent_id" };
    Ok(psa_kit::db::is_in_subtree(tx, tree, tenant, id, candidate).await?)
}

/// Moves everything of `from` that belongs to a ticket to `to` (merge): notes, time entries
/// (taking `to_company`), children (but never making `to` its own child) and knowledge-base
/// links.
pub async fn move_all(tx: &mut TenantTx, tenant: Uuid, from: Uuid, to: Uuid, to_company: Uuid) -> Result<()> {
    sqlx::query("update ticket_notes set ticket_id = $3 where tenant_id = $1 and ticket_id = $2")
        .bind(tenant)
        .bind(from)
        .bind(to)
        .execute(&mut **tx)
        .await?;
    sqlx::query("update time_entries set ticket_id = $3, company_id = $4 where tenant_id = $1 and ticket_id = $2")
        .bind(tenant)
        .bind(from)
        .bind(to)
        .bind(to_company)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "update tickets set parent_id = case when id = $3 then null else $3 end where tenant_id = $1 and parent_id = $2",
    )
    .bind(tenant)
    .bind(from)
    .bind(to)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "update kb_articles set related_ticket_ids = array(select distinct unnest(array_replace(related_ticket_ids, $2, $3))) \
         where tenant_id = $1 and $2 = any(related_ticket_ids)",
    )
    .bind(tenant)
    .bind(from)
    .bind(to)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// How many of `notes` are notes of `ticket`.
pub async fn count_notes_of(tx: &mut TenantTx, tenant: Uuid, ticket: Uuid, notes: &[Uuid]) -> Result<i64> {
    Ok(sqlx::query_scalar("select count(*) from ticket_notes where tenant_id = $1 and ticket_id = $2 and id = any($3)")
        .bind(tenant)
        .bind(ticket)
        .bind(notes)
        .fetch_one(&mut **tx)
        .await?)
}

/// Moves `notes` to the ticket `to` (split).
pub async fn move_notes(tx: &mut TenantTx, tenant: Uuid, notes: &[Uuid], to: Uuid) -> Result<()> {
    sqlx::query("update ticket_notes set ticket_id = $3 where tenant_id = $1 and id = any($2)")
        .bind(tenant)
        .bind(notes)
        .bind(to)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// One change of a ticket.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Activity {
    pub id: Uuid,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub field: String,
    pub old_value: String,
    pub new_value: String,
    pub created_at: DateTime<Utc>,
    /// The automation rule that made the change, if one did.
    pub automation_rule_id: Option<Uuid>,
}

/// A change to record: `action` (see the proto's `TicketActivity`), the field for field
/// changes, and old/new values as text (empty when not applicable).
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    pub action: &'a str,
    pub field: &'a str,
    pub old: &'a str,
    pub new: &'a str,
}

/// Records one change of `ticket` by `actor` (nil for the system).
pub async fn record(tx: &mut TenantTx, tenant: Uuid, ticket: Uuid, actor: Uuid, c: Change<'_>) -> Result<()> {
    let Change { action, field, old: old_value, new: new_value } = c;
    sqlx::query(
        "insert into ticket_activity (id, tenant_id, ticket_id, actor_id, action, field, old_value, new_value) \
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(ticket)
    .bind((!actor.is_nil()).then_some(actor))
    .bind(action)
    .bind(field)
    .bind(old_value)
    .bind(new_value)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The newest `limit` changes of `ticket`, newest first.
pub async fn list(tx: &mut TenantTx, tenant: Uuid, ticket: Uuid, limit: i64) -> Result<Vec<Activity>> {
    Ok(sqlx::query_as(
        "select id, actor_id, action, field, old_value, new_value, created_at, automation_rule_id from ticket_activity \
         where tenant_id = $1 and ticket_id = $2 order by created_at desc, id desc limit $3",
    )
    .bind(tenant)
    .bind(ticket)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?)
}
