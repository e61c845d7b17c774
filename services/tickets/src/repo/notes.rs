//! Ticket notes table.

use chrono::{DateTime, Utc};
use psa_kit::Result;
use psa_kit::db::TenantTx;
use psa_kit::list::{ListPlan, ListSpec, OrderField, SortKind, time_key};
use sqlx::QueryBuilder;
use uuid::Uuid;

use crate::domain::ticket::{Note, NoteVisibility};

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    tenant_id: Uuid,
    ticket_id: Uuid,
    body: String,
    visibility: String,
    author_id: Uuid,
    created_at: DateTime<Utc>,
}

impl From<Row> for Note {
    fn from(r: Row) -> Self {
        Note {
            id: r.id,
            tenant_id: r.tenant_id,
            ticket_id: r.ticket_id,
            body: r.body,
            visibility: NoteVisibility::parse(&r.visibility).unwrap_or(NoteVisibility::Internal),
            author_id: r.author_id,
            created_at: r.created_at,
        }
    }
}

const COLUMNS: &str = "id, tenant_id, ticket_id, body, visibility, author_id, created_at";

/// Notes are listed oldest first.
pub const LIST: ListSpec = ListSpec {
    filters: &[],
    orders: &[OrderField { name: "create_time", column: "created_at", kind: SortKind::Time }],
    default_order: "create_time",
    id_column: "id",
};

/// Inserts a note.
pub async fn insert(
    tx: &mut TenantTx,
    tenant: Uuid,
    ticket: Uuid,
    body: &str,
    visibility: NoteVisibility,
    author: Uuid,
) -> Result<Note> {
    let row: Row = sqlx::query_as(&format!(
        "insert into ticket_notes (id, tenant_id, ticket_id, body, visibility, author_id) values ($1, $2, $3, $4, $5, $6) returning {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(ticket)
    .bind(body)
    .bind(visibility.as_str())
    .bind(author)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.into())
}

/// One page of a ticket's notes; `public_only` hides internal notes (portal users).
pub async fn list(
    tx: &mut TenantTx,
    tenant: Uuid,
    ticket: Uuid,
    plan: &ListPlan,
    public_only: bool,
) -> Result<(Vec<Note>, String)> {
    let mut qb = QueryBuilder::new(format!("select {COLUMNS} from ticket_notes where tenant_id = "));
    qb.push_bind(tenant).push(" and ticket_id = ").push_bind(ticket);
    if public_only {
        qb.push(" and visibility = 'public'");
    }
    plan.push_where(&mut qb);
    plan.push_order_limit(&mut qb);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(&mut **tx).await?;
    let mut notes: Vec<Note> = rows.into_iter().map(Note::from).collect();
    let token = plan.finish(&mut notes, |n, _| (time_key(n.created_at), n.id));
    Ok((notes, token))
}

/// The bodies of a ticket's notes with `visibility`, oldest first.
pub async fn all_bodies(
    tx: &mut TenantTx,
    tenant: Uuid,
    ticket: Uuid,
    visibility: NoteVisibility,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "select body from ticket_notes where tenant_id = $1 and ticket_id = $2 and visibility = $3 order by created_at, id",
    )
    .bind(tenant)
    .bind(ticket)
    .bind(visibility.as_str())
    .fetch_all(&mut **tx)
    .await?)
}
