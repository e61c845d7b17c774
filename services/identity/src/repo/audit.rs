//! The append-only audit log (tenant-owned; the service role may only SELECT and INSERT).

use chrono::{DateTime, Utc};
use psa_kit::db::TenantTx;
use psa_kit::list::{FieldKind, FilterField, ListPlan, ListSpec, OrderField, SortKind, time_key};
use sqlx::QueryBuilder;
use uuid::Uuid;

/// An audit log entry to store.
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// Event id (the `AuditRecord` envelope's id, or a fresh UUIDv7 for security events); a
    /// repeated id is ignored.
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub service: String,
    pub entity_type: String,
    pub entity_id: String,
    pub action: String,
    pub actor_id: Option<Uuid>,
    pub old_values: Option<serde_json::Value>,
    pub new_values: Option<serde_json::Value>,
    pub ip_address: String,
    pub user_agent: String,
    pub traceparent: String,
    /// UTC.
    pub occurred_at: DateTime<Utc>,
}

/// A stored entry.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Entry {
    pub id: Uuid,
    pub service: String,
    pub entity_type: String,
    pub entity_id: String,
    pub action: String,
    pub actor_id: Option<Uuid>,
    pub old_values: Option<serde_json::Value>,
    pub new_values: Option<serde_json::Value>,
    pub ip_address: String,
    pub user_agent: String,
    pub occurred_at: DateTime<Utc>,
}

/// Appends `e` (idempotent on its id). Over-long client details are cut to the column limits.
pub async fn insert(tx: &mut TenantTx, e: &NewEntry) -> Result<(), sqlx::Error> {
    let cut = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    sqlx::query(
        "insert into audit_log (id, tenant_id, service, entity_type, entity_id, action, actor_id, old_values, \
         new_values, ip_address, user_agent, traceparent, occurred_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) on conflict (id) do nothing",
    )
    .bind(e.id)
    .bind(e.tenant_id)
    .bind(&e.service)
    .bind(cut(&e.entity_type, 100))
    .bind(cut(&e.entity_id, 200))
    .bind(&e.action)
    .bind(e.actor_id)
    .bind(&e.old_values)
    .bind(&e.new_values)
    .bind(cut(&e.ip_address, 100))
    .bind(cut(&e.user_agent, 500))
    .bind(&e.traceparent)
    .bind(e.occurred_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What `ListAuditLogs` may filter and order by.
pub const LIST: ListSpec = ListSpec {
    filters: &[
        FilterField { name: "actor_id", column: "a.actor_id", kind: FieldKind::Uuid },
        FilterField { name: "service", column: "a.service", kind: FieldKind::Text },
        FilterField { name: "entity_type", column: "a.entity_type", kind: FieldKind::Text },
        FilterField { name: "entity_id", column: "a.entity_id", kind: FieldKind::Text },
        FilterField { name: "action", column: "a.action", kind: FieldKind::Text },
    ],
    orders: &[OrderField { name: "occur_time", column: "a.occurred_at", kind: SortKind::Time }],
    default_order: "occur_time desc",
    id_column: "a.id",
};

/// One page of `tenant`'s entries per `plan`, within `[start, end)` when given, and the next
/// page token.
pub async fn list(
    tx: &mut TenantTx,
    tenant: Uuid,
    plan: &ListPlan,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
) -> Result<(Vec<Entry>, String), sqlx::Error> {
    let mut qb = QueryBuilder::new(
        "select a.id, a.service, a.entity_type, a.entity_id, a.action, a.actor_id, a.old_values, a.new_values, \
         a.ip_address, a.user_agent, a.occurred_at from audit_log a where a.tenant_id = ",
    );
    qb.push_bind(tenant);
    if let Some(s) = start {
        qb.push(" and a.occurred_at >= ").push_bind(s);
    }
    if let Some(e) = end {
        qb.push(" and a.occurred_at < ").push_bind(e);
    }
    plan.push_where(&mut qb);
    plan.push_order_limit(&mut qb);
    let mut rows: Vec<Entry> = qb.build_query_as().fetch_all(&mut **tx).await?;
    let token = plan.finish(&mut rows, |r, _| (time_key(r.occurred_at), r.id));
    Ok((rows, token))
}

/// `tenant`'s number of entries and its tickets (creates minus deletes of the tickets
/// service's `tickets` rows), for usage metering.
pub async fn usage(tx: &mut TenantTx, tenant: Uuid) -> Result<(i64, i64, i64), sqlx::Error> {
    sqlx::query_as(
        "select count(*), coalesce(sum(case when service = 'tickets' and entity_type = 'tickets' then \
           case action when 'create' then 1 when 'delete' then -1 else 0 end else 0 end), 0)::bigint, \
         coalesce(sum(case when service = 'tickets' and entity_type = 'ticket_attachments' then \
           case action when 'create' then coalesce((new_values->>'size_bytes')::bigint, 0) \
                       when 'delete' then -coalesce((old_values->>'size_bytes')::bigint, 0) else 0 end \
           else 0 end), 0)::bigint \
         from audit_log where tenant_id = $1",
    )
    .bind(tenant)
    .fetch_one(&mut **tx)
    .await
}
