//! The company activity timeline table.

use chrono::{DateTime, Utc};
use psa_kit::Result;
use psa_kit::db::TenantTx;
use psa_kit::list::{FieldKind, FilterField, ListPlan, ListSpec, OrderField, SortKind, time_key};
use sqlx::QueryBuilder;
use uuid::Uuid;

use crate::domain::activity::{Activity, ActivityKind};

/// What `ListCompanyActivity` may filter; newest first.
pub const LIST: ListSpec = ListSpec {
    filters: &[FilterField {
        name: "kind",
        column: "kind",
        kind: FieldKind::Enum { prefix: "", values: ActivityKind::NAMES },
    }],
    orders: &[OrderField { name: "occur_time", column: "occurred_at", kind: SortKind::Time }],
    default_order: "occur_time desc",
    id_column: "id",
};

/// Appends one entry.
pub async fn record(
    tx: &mut TenantTx,
    tenant: Uuid,
    company: Uuid,
    kind: ActivityKind,
    summary: &str,
    actor: Uuid,
    subject: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into company_activity (id, tenant_id, company_id, kind, summary, actor_id, subject_id) \
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(company)
    .bind(kind.as_str())
    .bind(summary)
    .bind(actor)
    .bind(subject)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

type Row = (Uuid, Uuid, String, String, Uuid, Uuid, DateTime<Utc>);

/// One page of a company's timeline.
pub async fn list(tx: &mut TenantTx, tenant: Uuid, company: Uuid, plan: &ListPlan) -> Result<(Vec<Activity>, String)> {
    let mut qb = QueryBuilder::new(
        "select id, company_id, kind, summary, actor_id, subject_id, occurred_at from company_activity where tenant_id = ",
    );
    qb.push_bind(tenant).push(" and company_id = ").push_bind(company);
    plan.push_where(&mut qb);
    plan.push_order_limit(&mut qb);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(&mut **tx).await?;
    let mut out: Vec<Activity> = rows
        .into_iter()
        .map(|(id, company_id, kind, summary, actor_id, subject_id, occurred_at)| Activity {
            id,
            company_id,
            kind: ActivityKind::parse(&kind).unwrap_or(ActivityKind::CompanyUpdated),
            summary,
            actor_id,
            subject_id,
            occurred_at,
        })
        .collect();
    let token = plan.finish(&mut out, |a, _| (time_key(a.occurred_at), a.id));
    Ok((out, token))
}
